//! Expanding `systems` templates into pools and services at load time, and
//! mapping the paths of problems in expanded elements back to the template
//! they came from, so that an error points at the line the user wrote and
//! names the expanded element.

use super::path::{Seg, SpecPath};
use super::spec::{ScenarioSpec, SystemsSpec};
use super::validate::Problem;

/// The most elements templates may expand into, in all.
pub const MAX_EXPANDED: usize = 200_000;

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

/// The scenario with every `systems` template expanded (and none left), and
/// where each expanded element came from.
pub(crate) fn expand(mut spec: ScenarioSpec) -> Result<(ScenarioSpec, Origins), Vec<Problem>> {
    let mut origins = Origins { own_pools: spec.pools.len(), own_services: spec.services.len(), ..Origins::default() };
    if spec.systems.is_empty() {
        return Ok((spec, origins));
    }
    let systems = std::mem::take(&mut spec.systems);
    let mut problems = Vec::new();
    let problem = |problems: &mut Vec<Problem>, path: SpecPath, message: String| {
        problems.push(Problem { path, message, related: None });
    };
    let mut total = 0usize;
    for (s, t) in systems.iter().enumerate() {
        let path = SpecPath::at("systems", s);
        let owner = format!("systems '{}'", t.name);
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
    for (s, t) in systems.iter().enumerate() {
        let width = t.count.to_string().len();
        for k in 1..=t.count {
            let name = format!("{}-{k:0width$}", t.name);
            let grade = grade_of(t, k);
            for (i, pool) in t.pools.iter().enumerate() {
                spec.pools.push(instantiate(pool, &name));
                origins.pools.push((s, i));
            }
            for (i, service) in t.services.iter().enumerate() {
                let mut service = instantiate(service, &name);
                if let Some(g) = grade {
                    service.priority = g.priority.unwrap_or(service.priority);
                    service.users = g.users.unwrap_or(service.users);
                }
                spec.services.push(service);
                origins.services.push((s, i));
            }
        }
    }
    Ok((spec, origins))
}

/// The grade of system `k` (from 1): grades cover the systems in order.
fn grade_of(t: &SystemsSpec, k: u32) -> Option<&super::spec::GradeSpec> {
    let mut upto = 0u32;
    t.grades.iter().find(|g| {
        upto = upto.saturating_add(g.count);
        k <= upto
    })
}

/// A copy of a template element with `{system}` replaced by `name` in every
/// string it holds.
fn instantiate<T: serde::Serialize + serde::de::DeserializeOwned + Clone>(template: &T, name: &str) -> T {
    fn replace(v: &mut serde_json::Value, name: &str) {
        match v {
            serde_json::Value::String(s) if s.contains("{system}") => *s = s.replace("{system}", name),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| replace(x, name)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|x| replace(x, name)),
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::to_value(template) else { return template.clone() };
    replace(&mut value, name);
    serde_json::from_value(value).unwrap_or_else(|_| template.clone())
}
