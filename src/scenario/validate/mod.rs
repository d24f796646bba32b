//! From a [`ScenarioSpec`] (names, unchecked) to a [`Model`] and
//! [`Disaster`]s (ids, checked). Collects every problem instead of stopping
//! at the first, each with the logical path of the element at fault.
//!
//! A first pass declares every element, so that references can point
//! forward; then each kind of element is checked in its own file:
//! [`infrastructure`] (rooms, power, cooling, pools, the power graph),
//! [`services`], [`recovery`] (teams, policies, recovery work),
//! [`disasters`] and [`objectives`]. The [`Validator`] holds what they share:
//! the names declared, the problems found, and helpers that resolve
//! references and check values.

mod disasters;
mod infrastructure;
mod objectives;
mod recovery;
mod services;

use std::collections::HashMap;

use super::path::SpecPath;
use super::spec::*;
use crate::dist::Dist;
use crate::model::{Component, ComponentId, ComponentKind, Detail, Disaster, Model, Redundant, ServiceId, Work};
use crate::objective::Objective;
use crate::time::SimDuration;

/// A problem found by validation, before it is given a file position.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub(crate) path: SpecPath,
    pub(crate) message: String,
    /// Another element the message refers to (the first of two duplicates).
    pub(crate) related: Option<SpecPath>,
}

/// The validated parts of a scenario.
pub(crate) struct Validated {
    pub(crate) model: Model,
    pub(crate) disasters: Vec<Disaster>,
    pub(crate) objectives: Vec<Objective>,
    /// What is legal but probably not meant (a dependency cycle nothing
    /// can restart).
    pub(crate) warnings: Vec<Problem>,
}

/// Which kinds of component a reference may name.
#[derive(Clone, Copy)]
pub(super) enum Expect {
    Site,
    Room,
    NetworkRoom,
    Link,
    DataHall,
    Power,
    Cooling,
    Pool,
    Service,
    Any,
}

impl Expect {
    pub(super) fn accepts(self, kind: ComponentKind) -> bool {
        match self {
            Expect::Site => kind == ComponentKind::Site,
            Expect::Room => matches!(kind, ComponentKind::Room(_)),
            Expect::NetworkRoom => matches!(kind, ComponentKind::Room(RoomKind::Network) | ComponentKind::Link),
            Expect::Link => kind == ComponentKind::Link,
            Expect::DataHall => kind == ComponentKind::Room(RoomKind::DataHall),
            Expect::Power => kind.is_power(),
            Expect::Cooling => kind == ComponentKind::Cooling,
            Expect::Pool => kind == ComponentKind::Pool,
            Expect::Service => kind == ComponentKind::Service,
            Expect::Any => true,
        }
    }
    pub(super) fn noun(self) -> &'static str {
        match self {
            Expect::Site => "site",
            Expect::Room => "room",
            Expect::NetworkRoom => "network room or link",
            Expect::Link => "link",
            Expect::DataHall => "data hall",
            Expect::Power => "power component",
            Expect::Cooling => "cooling unit",
            Expect::Pool => "pool",
            Expect::Service => "service",
            Expect::Any => "element",
        }
    }
}

pub(super) struct Entry {
    id: u32,
    kind: ComponentKind,
    path: SpecPath,
}

pub(super) struct Validator<'a> {
    pub(super) spec: &'a ScenarioSpec,
    pub(super) problems: Vec<Problem>,
    /// What is legal but probably not what the author meant.
    pub(super) warnings: Vec<Problem>,
    /// Shared draws the scenario implies (a common cause's one start).
    pub(super) implicit_draws: Vec<(String, Dist)>,
    /// Each site's uplinks, in site order.
    pub(super) uplinks: Vec<Redundant>,
    pub(super) names: HashMap<&'a str, Entry>,
    /// Name, kind, container and path of each component, in id order.
    pub(super) order: Vec<(&'a str, ComponentKind, Option<u32>, SpecPath)>,
    /// Team names, in their own namespace.
    pub(super) teams: HashMap<&'a str, u16>,
    /// Component id of the first service (services are numbered from it).
    pub(super) first_service: u32,
    /// "Did you mean" suggestions still to make: each compares the name
    /// with every other, so a file of thousands of typos gets suggestions
    /// for its first few only.
    pub(super) suggestions_left: usize,
}

/// Suggestions made per validation, and the longest name suggested for.
const MAX_SUGGESTIONS: usize = 100;
const MAX_SUGGESTED_NAME: usize = 64;

impl<'a> Validator<'a> {
    pub(super) fn problem(&mut self, path: SpecPath, message: impl Into<String>) {
        self.problems.push(Problem { path, message: message.into(), related: None });
    }

    pub(super) fn warn(&mut self, path: SpecPath, message: impl Into<String>) {
        self.warnings.push(Problem { path, message: message.into(), related: None });
    }

    pub(super) fn declare(
        &mut self,
        name: &'a str,
        kind: ComponentKind,
        container: Option<u32>,
        path: SpecPath,
    ) -> u32 {
        // fits u32: a file of at most 64 MiB cannot declare 2^32 components
        let id = self.order.len() as u32;
        if let Some(fault) = name_fault(name) {
            self.problem(path.field("name"), format!("a {} {fault}", kind.noun()));
        } else if let Some(prev) = self.names.get(name) {
            let msg = format!("duplicate name '{name}': this {} has the name of a {}", kind.noun(), prev.kind.noun());
            let related = Some(prev.path.field("name"));
            self.problems.push(Problem { path: path.field("name"), message: msg, related });
        } else {
            self.names.insert(name, Entry { id, kind, path: path.clone() });
        }
        self.order.push((name, kind, container, path));
        id
    }

    /// Resolves a reference, or records why it cannot be resolved.
    pub(super) fn resolve(&mut self, name: &str, expect: Expect, path: SpecPath, owner: &str) -> Option<u32> {
        match self.names.get(name) {
            Some(e) if expect.accepts(e.kind) => Some(e.id),
            Some(e) => {
                let msg = format!(
                    "{owner} refers to '{name}', which is a {}, but a {} is expected here",
                    e.kind.noun(),
                    expect.noun()
                );
                self.problem(path, msg);
                None
            }
            None => {
                let mut msg = format!("{owner} refers to unknown {} '{name}'", expect.noun());
                if let Some(s) = self.take_suggestion(name).then(|| self.suggest(name, expect)).flatten() {
                    msg.push_str(&format!(" (did you mean '{s}'?)"));
                }
                self.problem(path, msg);
                None
            }
        }
    }

    pub(super) fn resolve_all(&mut self, names: &[String], expect: Expect, path: &SpecPath, owner: &str) -> Vec<u32> {
        let mut ids = Vec::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            if let Some(id) = self.resolve(n, expect, path.index(i), owner) {
                if ids.contains(&id) {
                    self.problem(path.index(i), format!("{owner} lists '{n}' twice"));
                } else {
                    ids.push(id);
                }
            }
        }
        ids
    }

    /// Where `id`, resolved by [`resolve_all`](Self::resolve_all) from
    /// `names`, stands in `names`: the resolved list leaves out unknown and
    /// repeated names, so its indices are not the file's.
    pub(super) fn listed_at(&self, names: &[String], id: u32) -> usize {
        let name = self.order.get(id as usize).map_or("", |o| o.0);
        names.iter().position(|n| n == name).unwrap_or(0)
    }

    /// Whether to look for a suggestion for `name` (and count it).
    fn take_suggestion(&mut self, name: &str) -> bool {
        if self.suggestions_left == 0 || name.len() > MAX_SUGGESTED_NAME {
            return false;
        }
        self.suggestions_left -= 1;
        true
    }

    pub(super) fn suggest(&self, name: &str, expect: Expect) -> Option<&'a str> {
        let limit = (name.chars().count() / 3).max(2);
        self.order
            .iter()
            .filter(|(_, kind, _, _)| expect.accepts(*kind))
            .map(|(n, _, _, _)| (strsim::damerau_levenshtein(name, n), *n))
            .filter(|(d, _)| *d <= limit)
            .min_by_key(|(d, n)| (*d, *n))
            .map(|(_, n)| n)
    }

    pub(super) fn probability(&mut self, p: f64, path: SpecPath, owner: &str, what: &str) {
        if !(0.0..=1.0).contains(&p) {
            self.problem(path, format!("{owner}: {what} must be a probability between 0 and 1, not {p}"));
        }
    }

    pub(super) fn dist(&mut self, d: &Dist, path: SpecPath, owner: &str, what: &str) {
        if let Dist::Shared(name) = d {
            self.problem(
                path,
                format!(
                    "{owner}: {what}: a shared draw ('{name}') can only time a hazard (an outage's delay or \
                     duration, a fire's timings, a restoration stage)"
                ),
            );
        } else if let Err(e) = d.validate() {
            self.problem(path, format!("{owner}: {what}: {e}"));
        }
    }

    /// Checks a hazard's timing, which may also be a shared draw declared
    /// in the scenario's `draws`.
    pub(super) fn hazard_dist(&mut self, d: &Dist, path: SpecPath, owner: &str, what: &str) {
        let Dist::Shared(name) = d else { return self.dist(d, path, owner, what) };
        if !self.spec.draws.iter().any(|x| x.name == *name) {
            let known: Vec<&str> = self.spec.draws.iter().map(|x| x.name.as_str()).collect();
            let known = if known.is_empty() { "none are declared in draws".to_owned() } else { known.join(", ") };
            self.problem(path, format!("{owner}: {what} refers to unknown shared draw '{name}' (known: {known})"));
        }
    }

    /// The scenario's shared draws: unique names, valid distributions.
    pub(super) fn draws(&mut self) -> Vec<(String, Dist)> {
        let spec = self.spec;
        for (i, d) in spec.draws.iter().enumerate() {
            let path = SpecPath::at("draws", i);
            let owner = format!("draw '{}'", d.name);
            if let Some(fault) = name_fault(&d.name) {
                self.problem(path.field("name"), format!("a draw {fault}"));
            } else if spec.draws[..i].iter().any(|x| x.name == d.name) {
                self.problem(path.field("name"), format!("duplicate draw name '{}'", d.name));
            }
            self.dist(&d.dist, path.field("dist"), &owner, "dist");
        }
        spec.draws.iter().map(|d| (d.name.clone(), d.dist.clone())).collect()
    }

    /// Resolves the list `parent.list` of redundant inputs and how many of
    /// them are needed (`parent.needed_field`): at least one, at most all.
    pub(super) fn redundant(
        &mut self,
        names: &[String],
        needed: u32,
        expect: Expect,
        parent: &SpecPath,
        (list, needed_field): (&'static str, &'static str),
        owner: &str,
    ) -> Redundant {
        let ids = self.resolve_all(names, expect, &parent.field(list), owner);
        if names.is_empty() && needed != 1 {
            self.problem(
                parent.field(needed_field),
                format!("{owner}: {needed_field} is {needed}, but {list} is empty"),
            );
        } else if needed == 0 || needed as usize > names.len().max(1) {
            self.problem(
                parent.field(needed_field),
                format!(
                    "{owner}: {needed_field} must be between 1 and the {} {list} listed, not {needed}",
                    names.len()
                ),
            );
        }
        // names.len() < 2^32 (a 64 MiB file), so the upper bound is at least 1
        Redundant { ids, needed: needed.clamp(1, names.len().max(1) as u32) }
    }

    pub(super) fn services(&mut self, names: &[String], path: &SpecPath, owner: &str) -> Vec<ServiceId> {
        let first = self.first_service;
        // c >= first: `Expect::Service` resolves only to services, numbered from first_service
        self.resolve_all(names, Expect::Service, path, owner).into_iter().map(|c| ServiceId(c - first)).collect()
    }

    pub(super) fn team(&mut self, name: &str, path: SpecPath, owner: &str) -> Option<u16> {
        if let Some(&t) = self.teams.get(name) {
            return Some(t);
        }
        let mut msg = format!("{owner} refers to unknown team '{name}'");
        let closest = if self.take_suggestion(name) {
            self.teams
                .keys()
                .map(|t| (strsim::damerau_levenshtein(name, t), *t))
                .filter(|(d, _)| *d <= (name.chars().count() / 3).max(2))
                .min()
        } else {
            None
        };
        if let Some((_, t)) = closest {
            msg.push_str(&format!(" (did you mean '{t}'?)"));
        }
        self.problem(path, msg);
        None
    }

    /// Validates a piece of manual work.
    pub(super) fn work(&mut self, w: &ManualSpec, path: &SpecPath, owner: &str) -> Option<Work> {
        let team = match &w.team {
            Some(t) => Some(self.team(t, path.field("team"), owner)?),
            None => None,
        };
        if let Some(wait) = &w.wait {
            self.dist(wait, path.field("wait"), owner, "wait");
        }
        self.dist(&w.duration, path.field("duration"), owner, "duration");
        let requires = self.services(&w.requires, &path.field("requires"), owner);
        let fallback = match &w.without_requirements {
            Fallback::Wait => None,
            Fallback::Slower(d) => {
                self.dist(d, path.field("without_requirements"), owner, "without_requirements");
                Some(d.clone())
            }
        };
        Some(Work { team, wait: w.wait.clone(), duration: w.duration.clone(), requires, fallback })
    }

    pub(super) fn failures(&mut self, f: &Option<Failures>, path: &SpecPath, owner: &str) {
        if let Some(f) = f {
            let path = path.field("failures");
            for (d, field) in [(&f.time_to_failure, "time_to_failure"), (&f.time_to_repair, "time_to_repair")] {
                self.dist(d, path.field(field), owner, field);
                if d.validate().is_ok() && d.mean().is_zero() {
                    self.problem(path.field(field), format!("{owner}: {field} must be longer than zero on average"));
                }
            }
        }
    }
}

/// Hazards per disaster and stages per fire are numbered with `u16` in events.
pub(super) const MAX_HAZARDS: usize = u16::MAX as usize - 1;

/// Engineers per team are numbered with `u16` in events.
pub(super) const MAX_ENGINEERS: u32 = 10_000;

/// Deployments per service are numbered with `u16` in events.
pub(super) const MAX_DEPLOYMENTS: usize = 10_000;

/// Servers in one pool, and a service's demand: far beyond any building,
/// and small enough that totals over every pool of a file cannot wrap.
pub const MAX_SERVERS: u64 = 1_000_000_000;

/// Users of one service: ten times the people on Earth. With
/// [`MAX_HORIZON`], a run's user-hours fit every counter.
pub const MAX_USERS: u64 = 100_000_000_000;

/// The longest horizon: ten years.
pub const MAX_HORIZON: SimDuration = SimDuration::from_hours(10 * 365 * 24);

/// Elements (sites, rooms, power, cooling, pools, services, links) a
/// scenario may declare, by default: each costs a few kilobytes once
/// validated and run, so this bounds a scenario's memory near 2 GB. Raise
/// it with the environment variable `OUTAGE_MAX_ELEMENTS`.
pub const MAX_ELEMENTS: usize = 500_000;

/// The element limit in force: [`MAX_ELEMENTS`], or `OUTAGE_MAX_ELEMENTS`.
pub fn max_elements() -> usize {
    std::env::var("OUTAGE_MAX_ELEMENTS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(MAX_ELEMENTS)
}

/// Restart actions one pool may queue at once (each is held in memory).
pub(super) const MAX_BATCHES: u64 = 100_000;

/// What the first pass declared: where each kind of element starts in the
/// component ids, and the rooms with their paths and sites.
pub(super) struct Declared<'a> {
    pub(super) site_ids: Vec<u32>,
    /// (room, path, site id, room id)
    pub(super) rooms: Vec<(&'a RoomSpec, SpecPath, u32, u32)>,
    pub(super) first_power: u32,
    pub(super) first_cooling: u32,
    pub(super) first_pool: u32,
    pub(super) first_service: u32,
    pub(super) first_link: u32,
}

/// What the second pass fills in for each component id.
pub(super) struct Parts {
    pub(super) details: Vec<Option<Detail>>,
    pub(super) containers: Vec<Option<u32>>,
    pub(super) failures: Vec<Option<Failures>>,
}

/// Validates `spec`, returning the model and disasters or every problem.
pub(crate) fn validate(spec: &ScenarioSpec) -> Result<Validated, Vec<Problem>> {
    let mut v = Validator {
        spec,
        problems: Vec::new(),
        warnings: Vec::new(),
        implicit_draws: Vec::new(),
        uplinks: Vec::new(),
        names: HashMap::new(),
        order: Vec::new(),
        teams: HashMap::new(),
        first_service: 0,
        suggestions_left: MAX_SUGGESTIONS,
    };
    let root = SpecPath::default();
    // Counted before anything is built for them.
    let rooms: usize = spec.sites.iter().map(|site| site.rooms.len()).sum();
    let elements = spec.sites.len() + rooms + spec.power.len() + spec.cooling.len() + spec.pools.len();
    let elements = elements + spec.services.len() + spec.links.len();
    let limit = max_elements();
    if elements > limit {
        v.problem(
            root,
            format!(
                "the scenario declares {elements} elements; at most {limit} are loaded (set OUTAGE_MAX_ELEMENTS to \
                 raise the limit)"
            ),
        );
        return Err(v.problems);
    }
    if let Some(fault) = name_fault(&spec.name) {
        v.problem(root.field("name"), format!("the scenario {fault}"));
    }
    if spec.horizon.is_zero() {
        v.problem(root.field("horizon"), "horizon must be longer than zero");
    } else if spec.horizon > MAX_HORIZON {
        v.problem(root.field("horizon"), format!("the horizon is {}; at most {MAX_HORIZON} (ten years)", spec.horizon));
    }
    if spec.sites.is_empty() {
        v.problem(root.field("sites"), "the scenario has no sites");
    }
    if spec.services.is_empty() {
        v.problem(root.field("services"), "the scenario has no services");
    }

    // Pass 1: declare every component so that references can point forward.
    let mut site_ids = Vec::new();
    let mut rooms = Vec::new();
    for (si, site) in spec.sites.iter().enumerate() {
        let sp = SpecPath::at("sites", si);
        let site_id = v.declare(&site.name, ComponentKind::Site, None, sp.clone());
        site_ids.push(site_id);
        for (ri, room) in site.rooms.iter().enumerate() {
            let rp = sp.field("rooms").index(ri);
            let room_id = v.declare(&room.name, ComponentKind::Room(room.kind), Some(site_id), rp.clone());
            rooms.push((room, rp, site_id, room_id));
        }
    }
    let first_power = v.order.len() as u32;
    for (i, p) in spec.power.iter().enumerate() {
        let kind = match p {
            PowerSpec::Utility { .. } => ComponentKind::Utility,
            PowerSpec::Generator { .. } => ComponentKind::Generator,
            PowerSpec::Ups { .. } => ComponentKind::Ups,
            PowerSpec::Switchboard { .. } => ComponentKind::Switchboard,
        };
        v.declare(p.name(), kind, None, SpecPath::at("power", i));
    }
    let first_cooling = v.order.len() as u32;
    for (i, c) in spec.cooling.iter().enumerate() {
        v.declare(&c.name, ComponentKind::Cooling, None, SpecPath::at("cooling", i));
    }
    let first_pool = v.order.len() as u32;
    for (i, p) in spec.pools.iter().enumerate() {
        v.declare(&p.name, ComponentKind::Pool, None, SpecPath::at("pools", i));
    }
    let first_service = v.order.len() as u32;
    for (i, s) in spec.services.iter().enumerate() {
        v.declare(&s.name, ComponentKind::Service, None, SpecPath::at("services", i));
    }
    // Links last, so that adding them moves no other element's id.
    let first_link = v.order.len() as u32;
    for (i, l) in spec.links.iter().enumerate() {
        v.declare(&l.name, ComponentKind::Link, None, SpecPath::at("links", i));
    }
    let declared = Declared { site_ids, rooms, first_power, first_cooling, first_pool, first_service, first_link };

    // Pass 2: resolve references and check values, element by element.
    let n = v.order.len();
    let mut parts = Parts {
        details: vec![None; n],
        containers: v.order.iter().map(|(_, _, c, _)| *c).collect(),
        failures: vec![None; n],
    };
    infrastructure::validate_links(&mut v, &declared, &mut parts);
    infrastructure::validate_rooms_power_cooling(&mut v, &declared, &mut parts);
    v.first_service = first_service;
    let teams = recovery::validate_teams(&mut v);
    infrastructure::validate_replacements(&mut v, &declared, &mut parts);
    let policy = recovery::validate_policy(&mut v);
    infrastructure::validate_pools(&mut v, &declared, &mut parts);
    let services = services::validate_services(&mut v, &declared, &mut parts);
    let bootstraps = recovery::validate_bootstraps(&mut v, &services);
    if v.problems.is_empty() {
        infrastructure::check_power_graph(&mut v, &parts.details, &parts.containers);
    }
    let mut draws = v.draws();
    let disasters = disasters::validate_disasters(&mut v);
    draws.append(&mut v.implicit_draws);
    let objectives = objectives::validate_objectives(&mut v, &disasters);

    if !v.problems.is_empty() {
        return Err(v.problems);
    }
    let components = v
        .order
        .iter()
        .enumerate()
        .map(|(i, (name, kind, _, _))| Component {
            name: (*name).to_owned(),
            kind: *kind,
            container: parts.containers[i].map(ComponentId),
            failures: parts.failures[i].clone(),
            detail: parts.details[i].clone().expect("every component has a detail once validation passed"),
        })
        .collect();
    let model = Model::new(components, services, teams, policy, bootstraps, draws);
    Ok(Validated { model, disasters, objectives, warnings: v.warnings })
}

/// What is wrong with a name, if anything: "has an empty name", or holds a
/// character that would change what is printed around it (see
/// [`is_unprintable`]): an escape sequence in a name would reach the
/// terminal through every table, a newline would forge a table row, a
/// right-to-left override would show the row reversed. The one check of
/// every name the crate reads: scenarios, milestone files and summaries.
pub(crate) fn name_fault(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("has an empty name".into());
    }
    let c = name.chars().find(|&c| is_unprintable(c))?;
    let what = if c.is_control() { "a control character" } else { "an invisible formatting character" };
    Some(format!("has a name holding {what} (U+{:04X}); names are printed in tables", c as u32))
}

/// Whether a character is refused in names and escaped in text for people:
/// a control character (Unicode Cc), a line or paragraph separator
/// (U+2028, U+2029), or an invisible formatting character (Unicode Cf:
/// bidirectional overrides, embeddings and isolates such as U+202E and
/// U+2066, marks U+200E, U+200F and U+061C, zero-width spaces, the
/// byte-order mark, tag characters). The zero-width joiner and non-joiner
/// (U+200C, U+200D) are allowed: Persian, Indic scripts and emoji need them.
pub fn is_unprintable(c: char) -> bool {
    if c.is_control() {
        return true;
    }
    // Unicode 15.1, general category Cf (less U+200C and U+200D), and Zl, Zp.
    matches!(
        c as u32,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B
            | 0x200E..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}
