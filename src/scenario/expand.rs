//! Expanding `systems` templates into pools and services at load time, and
//! mapping the paths of problems in expanded elements back to the template
//! they came from, so that an error points at the line the user wrote and
//! names the expanded element.

use serde::de::DeserializeOwned;

use super::path::{Seg, SpecPath};
use super::spec::{ScenarioSpec, SystemsSpec};
use super::tree::{self, Tree};
use super::validate::Problem;

/// The most elements templates may expand into, in all.
pub const MAX_EXPANDED: usize = 200_000;

/// The most values (every number, name, list and field's value of the
/// scenario, templates expanded) that a file's variants may make validate
/// in all, by default: each variant is the whole scenario patched and
/// validated when the file loads. Raise it with
/// `OUTAGE_MAX_VARIANT_VALUES`.
pub const MAX_VARIANT_VALUES: usize = 3_000_000;

/// The limit in force: [`MAX_VARIANT_VALUES`], or
/// `OUTAGE_MAX_VARIANT_VALUES`.
pub fn max_variant_values() -> usize {
    std::env::var("OUTAGE_MAX_VARIANT_VALUES").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(MAX_VARIANT_VALUES)
}

/// Where each expanded pool and service came from: (template list index,
/// element index in the template), for pools and services past the
/// scenario's own.
#[derive(Clone, Debug, Default)]
pub(crate) struct Origins {
    own_pools: usize,
    own_services: usize,
    pools: Vec<(usize, usize)>,
    services: Vec<(usize, usize)>,
}

impl Origins {
    /// How many pools and services the scenario writes outside templates.
    pub(crate) fn own(&self) -> (usize, usize) {
        (self.own_pools, self.own_services)
    }

    /// The path a problem should be located at: for an expanded element,
    /// the template element it came from, with the rest of the path.
    pub(crate) fn map(&self, path: &SpecPath) -> SpecPath {
        let (list, own, origins) = match path.0.first() {
            Some(Seg::Field("pools")) => ("pools", self.own_pools, &self.pools),
            Some(Seg::Field("services")) => ("services", self.own_services, &self.services),
            _ => return path.clone(),
        };
        match path.0.get(1) {
            Some(&Seg::Index(i)) if i >= own => match origins.get(i - own) {
                Some(&(s, t)) => {
                    let mut p = vec![Seg::Field("systems"), Seg::Index(s), Seg::Field(list), Seg::Index(t)];
                    p.extend_from_slice(&path.0[2..]);
                    SpecPath(p)
                }
                None => path.clone(),
            },
            _ => path.clone(),
        }
    }
}

/// The scenario with every `systems` template expanded (and none left),
/// where each expanded element came from, and the templates.
pub(crate) fn expand(mut spec: ScenarioSpec) -> Result<(ScenarioSpec, Origins, Vec<SystemsSpec>), Vec<Problem>> {
    let mut origins = Origins { own_pools: spec.pools.len(), own_services: spec.services.len(), ..Origins::default() };
    if spec.systems.is_empty() {
        return Ok((spec, origins, Vec::new()));
    }
    let systems = std::mem::take(&mut spec.systems);
    let mut problems = Vec::new();
    let problem = |problems: &mut Vec<Problem>, path: SpecPath, message: String| {
        problems.push(Problem { path, message, related: None });
    };
    let mut total = 0usize;
    let mut text = 0usize;
    let mut templates = Vec::with_capacity(systems.len());
    for (s, t) in systems.iter().enumerate() {
        let path = SpecPath::at("systems", s);
        let owner = format!("systems '{}'", t.name);
        // Each element as a tree once; each system's copy is read from it.
        let pools = trees(&t.pools, &path.field("pools"))?;
        let services = trees(&t.services, &path.field("services"))?;
        // No more than a file may hold: the text of one system (each
        // `{system}` as long as a system's name), times the systems.
        let name = t.name.len() + 1 + t.count.to_string().len();
        let one = pools.iter().chain(&services).map(|e| text_size(e, name)).fold(0usize, usize::saturating_add);
        text = text.saturating_add(one.saturating_mul(t.count as usize));
        let limit = usize::try_from(super::max_file_bytes()).unwrap_or(usize::MAX);
        if text > limit {
            problem(
                &mut problems,
                path.field("count"),
                format!(
                    "{owner}: templates expand into more than {limit} bytes of scenario in all, the most a file may \
                     hold ({} systems of {one} bytes here)",
                    t.count
                ),
            );
            return Err(problems);
        }
        templates.push((pools, services));
        if t.name.trim().is_empty() {
            problem(&mut problems, path.field("name"), "systems need a name to number them by".into());
        }
        if t.count == 0 {
            problem(&mut problems, path.field("count"), format!("{owner}: count must be at least 1"));
        }
        total = total.saturating_add((t.count as usize).saturating_mul(t.pools.len() + t.services.len()));
        if total > MAX_EXPANDED {
            problem(
                &mut problems,
                path.field("count"),
                format!("{owner}: templates expand into more than {MAX_EXPANDED} elements in all"),
            );
            return Err(problems);
        }
        let graded: u64 = t.grades.iter().map(|g| u64::from(g.count)).sum();
        if !t.grades.is_empty() && graded != u64::from(t.count) {
            problem(
                &mut problems,
                path.field("grades"),
                format!("{owner}: the grades count {graded} systems, not {}", t.count),
            );
        }
        if t.pools.is_empty() && t.services.is_empty() {
            problem(&mut problems, path.clone(), format!("{owner}: give the pools or services of one system"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    for (s, (t, (pools, services))) in systems.iter().zip(&templates).enumerate() {
        let path = SpecPath::at("systems", s);
        let width = t.count.to_string().len();
        // Grades cover the systems in order: one pass over both.
        let mut grades = t.grades.iter();
        let (mut grade, mut upto) = (None, 0u32);
        for k in 1..=t.count {
            let name = format!("{}-{k:0width$}", t.name);
            while k > upto {
                grade = grades.next();
                upto = grade.map_or(u32::MAX, |g| upto.saturating_add(g.count));
            }
            for (i, pool) in pools.iter().enumerate() {
                spec.pools.push(instantiate(pool, &name, &path.field("pools").index(i))?);
                origins.pools.push((s, i));
            }
            for (i, service) in services.iter().enumerate() {
                let mut service: super::spec::ServiceSpec =
                    instantiate(service, &name, &path.field("services").index(i))?;
                if let Some(g) = grade {
                    service.priority = g.priority.unwrap_or(service.priority);
                    service.users = g.users.unwrap_or(service.users);
                }
                spec.services.push(service);
                origins.services.push((s, i));
            }
        }
    }
    Ok((spec, origins, systems))
}

/// The values of a scenario with its templates expanded, from its tree
/// (templates not expanded): what validating it costs.
pub(crate) fn expanded_weight(scenario: &Tree) -> usize {
    let whole = tree::weight(scenario);
    let Some((_, systems)) = tree::field(scenario, "systems") else { return whole };
    let mut total = whole.saturating_sub(tree::weight(systems));
    for t in tree::items(systems).into_iter().flatten() {
        let count = match tree::field(t, "count").map(|(_, c)| c) {
            Some(Tree::Number(n)) => number(n),
            _ => 0,
        };
        // The elements of one system (not the lists that hold them).
        let one: usize = ["pools", "services"]
            .iter()
            .filter_map(|f| tree::field(t, f))
            .map(|(_, v)| tree::weight(v).saturating_sub(1))
            .sum();
        total = total.saturating_add(count.saturating_mul(one));
    }
    total
}

/// A template's count as a number of systems.
fn number(n: &serde_content::Number) -> usize {
    use serde_content::Number as N;
    match *n {
        N::U8(x) => x.into(),
        N::U16(x) => x.into(),
        N::U32(x) => x as usize,
        N::U64(x) => usize::try_from(x).unwrap_or(usize::MAX),
        _ => 0,
    }
}

/// The length of a template element written as RON, with each `{system}`
/// as long as `name`: about what one system adds to the scenario.
fn text_size(element: &Tree, name: usize) -> usize {
    let mut occurrences = 0usize;
    tree::each_str(element, &mut |s| occurrences = occurrences.saturating_add(s.matches("{system}").count()));
    let written = tree::write(element, None, "").map_or(usize::MAX, |t| t.len());
    written.saturating_add(occurrences.saturating_mul(name))
}

/// Template elements as trees.
fn trees<T: serde::Serialize>(elements: &[T], path: &SpecPath) -> Result<Vec<Tree>, Vec<Problem>> {
    elements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            tree::to_tree(e).map_err(|m| {
                vec![Problem {
                    path: path.index(i),
                    message: format!("the template does not read: {m}"),
                    related: None,
                }]
            })
        })
        .collect()
}

/// A copy of a template element with `{system}` replaced by `name` in every
/// string it holds. Numbers are copied as they are (NaN and infinities
/// too: validation refuses them where they were written, at the template).
fn instantiate<T: DeserializeOwned>(template: &Tree, name: &str, path: &SpecPath) -> Result<T, Vec<Problem>> {
    let mut value = template.clone();
    tree::for_each_string(&mut value, &mut |s| {
        if s.contains("{system}") {
            *s = s.replace("{system}", name).into();
        }
    });
    tree::from_tree(value).map_err(|m| {
        vec![Problem { path: path.clone(), message: format!("the template does not instantiate: {m}"), related: None }]
    })
}
