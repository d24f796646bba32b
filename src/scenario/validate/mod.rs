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
mod numbers;
mod objectives;
mod recovery;
mod select;
mod services;
mod stages;

use std::collections::{HashMap, HashSet};

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
    /// Steps of selection work done (see `Validator::work`).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) work: u64,
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
    /// Names that suggestions may still compare (see [`MAX_SUGGESTION_PAIRS`]).
    suggestion_pairs_left: usize,
    /// The scenario's shared draws by name (the first of each name).
    draw_names: HashMap<&'a str, usize>,
    /// Top-level elements (`services[3]`) with a problem.
    faulty: HashSet<(&'static str, usize)>,
    /// Per component id, the last list `resolve_all` saw it in (duplicates
    /// are found in constant time, not by searching the list).
    marks: Vec<u32>,
    mark: u32,
    /// What expansion has taken, against its limits.
    budget: Budget,
    /// Steps of work that grow with what the scenario asks, counted so
    /// that tests can check they stay linear (candidates a common cause
    /// looks at).
    pub(super) work: u64,
}

/// Hazards all disasters hold together once common causes and site-loss
/// templates are expanded, plus the disasters objectives name (a site-loss
/// template's name counts each of its sites): each is held in memory and
/// (a hazard) has a random stream in every run.
pub const MAX_EXPANDED_HAZARDS: usize = 1_000_000;

/// How many expanded items (see [`MAX_EXPANDED_HAZARDS`]) a file may make for
/// each element or hazard it writes: a small file may not expand into a
/// large model (1,000 common causes over 20,000 utilities are 20 million
/// hazards from a 0.5 MB file). At least 65,534 (one disaster's worth)
/// whatever the file.
pub const MAX_EXPANSION_RATIO: usize = 64;

/// Bytes of the names site-loss templates make, in all (`<name>: <site>`
/// for each site): as much as a file may hold.
pub const MAX_EXPANDED_NAMES: usize = 64 << 20;

/// Expansion taken so far, and what is allowed.
#[derive(Debug, Default)]
struct Budget {
    allowed: usize,
    written: usize,
    used: usize,
    names: usize,
    /// Spent: said once, and nothing more is expanded.
    spent: bool,
}

/// Suggestions made per validation, and the longest name suggested for.
const MAX_SUGGESTIONS: usize = 100;
const MAX_SUGGESTED_NAME: usize = 64;
/// Names compared with a misspelt one, in all the suggestions of a
/// validation (each comparison costs about a microsecond): a file of
/// 200,000 pools and 100 typos compared 20 million pairs, for 19 s.
const MAX_SUGGESTION_PAIRS: usize = 1_000_000;

impl<'a> Validator<'a> {
    pub(super) fn problem(&mut self, path: SpecPath, message: impl Into<String>) {
        self.push(Problem { path, message: message.into(), related: None });
    }

    fn push(&mut self, p: Problem) {
        if let [super::path::Seg::Field(list), super::path::Seg::Index(i), ..] = p.path.0[..] {
            self.faulty.insert((list, i));
        }
        self.problems.push(p);
    }

    /// Whether the element at `list[i]` has a problem so far.
    pub(super) fn is_faulty(&self, list: &'static str, i: usize) -> bool {
        self.faulty.contains(&(list, i))
    }

    /// Takes `n` expanded items (and `names` bytes of expanded names) from
    /// the budget, before they are made; false when that would pass a
    /// limit, said once (at `path`), after which nothing more is expanded.
    pub(super) fn expand(&mut self, n: usize, names: usize, path: &SpecPath) -> bool {
        let b = &mut self.budget;
        if b.spent {
            return false;
        }
        b.used = b.used.saturating_add(n);
        b.names = b.names.saturating_add(names);
        if b.used <= b.allowed && b.names <= MAX_EXPANDED_NAMES {
            return true;
        }
        b.spent = true;
        let message = if b.names > MAX_EXPANDED_NAMES {
            format!(
                "site-loss templates name more than {MAX_EXPANDED_NAMES} bytes of disasters in all ('<name>: \
                 <site>' for each site); give the templates shorter names or fewer sites"
            )
        } else {
            format!(
                "the scenario expands into more than {} hazards and disasters named by objectives in all (common \
                 causes, one hazard per element selected; site-loss templates, one disaster per site): at most \
                 {MAX_EXPANDED_HAZARDS}, and {MAX_EXPANSION_RATIO} for each of the {} elements and hazards the file writes",
                b.allowed, b.written
            )
        };
        self.problem(path.clone(), message);
        false
    }

    /// Whether expansion has passed its limits (and nothing more is expanded).
    pub(super) fn budget_spent(&self) -> bool {
        self.budget.spent
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
            self.push(Problem { path: path.field("name"), message: msg, related });
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
                let candidates = self.order.len();
                if let Some(s) = self.take_suggestion(name, candidates).then(|| self.suggest(name, expect)).flatten() {
                    msg.push_str(&format!(" (did you mean '{s}'?)"));
                }
                self.problem(path, msg);
                None
            }
        }
    }

    pub(super) fn resolve_all(&mut self, names: &[String], expect: Expect, path: &SpecPath, owner: &str) -> Vec<u32> {
        self.resolve_all_at(names, expect, path, owner).into_iter().map(|(id, _)| id).collect()
    }

    /// [`resolve_all`](Self::resolve_all), with where each id stands in
    /// `names` (unknown and repeated names are left out, so the indices
    /// are not the list's). A repeat is found in constant time.
    pub(super) fn resolve_all_at(
        &mut self,
        names: &[String],
        expect: Expect,
        path: &SpecPath,
        owner: &str,
    ) -> Vec<(u32, usize)> {
        self.mark = self.mark.wrapping_add(1);
        if self.mark == 0 {
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.mark = 1;
        }
        if self.marks.len() < self.order.len() {
            self.marks.resize(self.order.len(), 0);
        }
        let mark = self.mark;
        let mut ids = Vec::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            if let Some(id) = self.resolve(n, expect, path.index(i), owner) {
                // id < order.len() <= marks.len(): resolved against the declared components
                if self.marks[id as usize] == mark {
                    self.problem(path.index(i), format!("{owner} lists '{n}' twice"));
                } else {
                    self.marks[id as usize] = mark;
                    ids.push((id, i));
                }
            }
        }
        ids
    }

    /// Whether to look for a suggestion for `name` among `candidates`
    /// names (and count it, and them): while suggestions and comparisons
    /// are left.
    fn take_suggestion(&mut self, name: &str, candidates: usize) -> bool {
        if self.suggestions_left == 0 || name.len() > MAX_SUGGESTED_NAME || self.suggestion_pairs_left < candidates {
            return false;
        }
        self.suggestions_left -= 1;
        self.suggestion_pairs_left -= candidates;
        true
    }

    /// The closest name of the kind expected, within a third of its length.
    /// Names whose lengths differ by more than that are not compared.
    pub(super) fn suggest(&self, name: &str, expect: Expect) -> Option<&'a str> {
        let chars = name.chars().count();
        let limit = (chars / 3).max(2);
        self.order
            .iter()
            // A distance is at least the difference in characters, and a
            // character is 1 to 4 bytes: names far longer or shorter in
            // bytes are left out before their characters are counted.
            .filter(|(n, kind, _, _)| {
                expect.accepts(*kind) && n.len() + limit >= chars && n.len() <= 4 * (chars + limit)
            })
            .filter(|(n, _, _, _)| n.chars().count().abs_diff(chars) <= limit)
            .map(|(n, _, _, _)| (strsim::damerau_levenshtein(name, n), *n))
            .filter(|(d, _)| *d <= limit)
            .min_by_key(|(d, n)| (*d, *n))
            .map(|(_, n)| n)
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
        if !self.draw_names.contains_key(name.as_str()) {
            let draws = &self.spec.draws;
            let known = if draws.is_empty() {
                "none are declared in draws".to_owned()
            } else {
                some_of(draws.iter().map(|x| x.name.as_str()), draws.len())
            };
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
            } else if self.draw_names.get(d.name.as_str()).is_some_and(|&first| first != i) {
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
        self.redundant_at(names, needed, expect, parent, (list, needed_field), owner).0
    }

    /// [`redundant`](Self::redundant), with where each input stands in `names`.
    pub(super) fn redundant_at(
        &mut self,
        names: &[String],
        needed: u32,
        expect: Expect,
        parent: &SpecPath,
        (list, needed_field): (&'static str, &'static str),
        owner: &str,
    ) -> (Redundant, Vec<usize>) {
        let (ids, at): (Vec<u32>, Vec<usize>) =
            self.resolve_all_at(names, expect, &parent.field(list), owner).into_iter().unzip();
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
        (Redundant { ids, needed: needed.clamp(1, names.len().max(1) as u32) }, at)
    }

    pub(super) fn services(&mut self, names: &[String], path: &SpecPath, owner: &str) -> Vec<ServiceId> {
        self.services_at(names, path, owner).into_iter().map(|(s, _)| s).collect()
    }

    /// [`services`](Self::services), with where each stands in `names`.
    pub(super) fn services_at(&mut self, names: &[String], path: &SpecPath, owner: &str) -> Vec<(ServiceId, usize)> {
        let first = self.first_service;
        // c >= first: `Expect::Service` resolves only to services, numbered from first_service
        self.resolve_all_at(names, Expect::Service, path, owner)
            .into_iter()
            .map(|(c, i)| (ServiceId(c - first), i))
            .collect()
    }

    pub(super) fn team(&mut self, name: &str, path: SpecPath, owner: &str) -> Option<u16> {
        if let Some(&t) = self.teams.get(name) {
            return Some(t);
        }
        let mut msg = format!("{owner} refers to unknown team '{name}'");
        let closest = if self.take_suggestion(name, self.teams.len()) {
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

/// Restart batches of one pool (one task, but each batch ends in an event).
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
        suggestion_pairs_left: MAX_SUGGESTION_PAIRS,
        draw_names: HashMap::new(),
        faulty: HashSet::new(),
        marks: Vec::new(),
        mark: 0,
        budget: Budget::default(),
        work: 0,
    };
    for (i, d) in spec.draws.iter().enumerate() {
        v.draw_names.entry(d.name.as_str()).or_insert(i);
    }
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
    // What the file writes, which expansion is measured against.
    let hazards_written: usize =
        spec.disasters.iter().map(|d| d.hazards.len() + usize::from(d.each_site.is_some())).sum();
    v.budget.written = n.saturating_add(hazards_written);
    v.budget.allowed = v.budget.written.saturating_mul(MAX_EXPANSION_RATIO).clamp(MAX_HAZARDS, MAX_EXPANDED_HAZARDS);
    let disasters = disasters::validate_disasters(&mut v, &declared, &parts, &services);
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
    Ok(Validated { model, disasters, objectives, warnings: v.warnings, work: v.work })
}

/// A list of names for a message: the first ten, and how many more of
/// the `total` (only the first ten are looked at, so a message costs the
/// same however long the list).
pub(super) fn some_of<'n>(names: impl IntoIterator<Item = &'n str>, total: usize) -> String {
    const SHOWN: usize = 10;
    let mut out = names.into_iter().take(SHOWN).collect::<Vec<_>>().join(", ");
    if total > SHOWN {
        out.push_str(&format!(" and {} more", total - SHOWN));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(src: &str) -> ScenarioSpec {
        ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(src)
            .expect("the test scenario reads")
    }

    #[test]
    fn a_common_cause_looks_at_its_smallest_candidate_list_only() {
        // 10,000 utilities, each with its own tag, and 100 common causes by
        // tag: each looks at the one element of its tag, 100 in all (the
        // scan of every element per common cause was 100 x 10,003).
        let mut src = String::from(
            r#"Scenario(name: "g", sites: [Site(name: "dc", rooms: [Room(name: "hall", kind: DataHall, feeds: ["u0"])])],
            power: ["#,
        );
        for i in 0..10_000 {
            src.push_str(&format!(r#"Utility(name: "u{i}", tags: ["t{i}"]),"#));
        }
        src.push_str(
            r#"], pools: [Pool(name: "p", room: "hall", servers: 1, boot: Fixed("1m"))],
            services: [Service(name: "web", users: 1, demand: 1, deployments: [(pool: "p")])],
            disasters: [Disaster(name: "d", hazards: ["#,
        );
        for k in 0..100 {
            src.push_str(&format!(r#"CommonCause(select: (tags: ["t{}"]), at: "1h"),"#, k * 97));
        }
        // And one by kind and tag: the tag's list (1) is smaller than the kind's (10,000).
        src.push_str(r#"CommonCause(select: (kinds: [Utility], tags: ["t5"]), at: "1h")])])"#);
        let validated = validate(&spec(&src)).map_err(|p| p[0].message.clone()).unwrap();
        assert_eq!(validated.work, 101);
        assert_eq!(validated.disasters[0].hazard_count(), 101);
    }
}
