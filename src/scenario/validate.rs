//! From a [`ScenarioSpec`] (names, unchecked) to a [`Model`] and
//! [`Disaster`]s (ids, checked). Collects every problem instead of stopping
//! at the first, each with the logical path of the element at fault.

use std::collections::HashMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::path::SpecPath;
use super::spec::*;
use crate::dist::Dist;
use crate::model::{
    Component, ComponentId, ComponentKind, Deployment, Detail, Disaster, FailoverDef, Fire, Hazard, Model, PoolDetail,
    PoolRestart, RecoveryOrder, RoomDetail, ScaleOutDef, Service, ServiceId, ServiceRecovery, SurgeDef, TeamDef, Work,
};
use crate::objective::{Amount, Bound, Objective, Statistic};
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
}

/// Which kinds of component a reference may name.
#[derive(Clone, Copy)]
enum Expect {
    Site,
    Room,
    NetworkRoom,
    DataHall,
    Power,
    Cooling,
    Pool,
    Service,
    Any,
}

impl Expect {
    fn accepts(self, kind: ComponentKind) -> bool {
        match self {
            Expect::Site => kind == ComponentKind::Site,
            Expect::Room => matches!(kind, ComponentKind::Room(_)),
            Expect::NetworkRoom => kind == ComponentKind::Room(RoomKind::Network),
            Expect::DataHall => kind == ComponentKind::Room(RoomKind::DataHall),
            Expect::Power => kind.is_power(),
            Expect::Cooling => kind == ComponentKind::Cooling,
            Expect::Pool => kind == ComponentKind::Pool,
            Expect::Service => kind == ComponentKind::Service,
            Expect::Any => true,
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Expect::Site => "site",
            Expect::Room => "room",
            Expect::NetworkRoom => "network room",
            Expect::DataHall => "data hall",
            Expect::Power => "power component",
            Expect::Cooling => "cooling unit",
            Expect::Pool => "pool",
            Expect::Service => "service",
            Expect::Any => "element",
        }
    }
}

struct Entry {
    id: u32,
    kind: ComponentKind,
    path: SpecPath,
}

struct Validator<'a> {
    spec: &'a ScenarioSpec,
    problems: Vec<Problem>,
    names: HashMap<&'a str, Entry>,
    /// Name, kind, container and path of each component, in id order.
    order: Vec<(&'a str, ComponentKind, Option<u32>, SpecPath)>,
    /// Team names, in their own namespace.
    teams: HashMap<&'a str, u16>,
    /// Component id of the first service (services are numbered from it).
    first_service: u32,
}

impl<'a> Validator<'a> {
    fn problem(&mut self, path: SpecPath, message: impl Into<String>) {
        self.problems.push(Problem { path, message: message.into(), related: None });
    }

    fn declare(&mut self, name: &'a str, kind: ComponentKind, container: Option<u32>, path: SpecPath) -> u32 {
        let id = self.order.len() as u32;
        if name.trim().is_empty() {
            self.problem(path.field("name"), format!("a {} has an empty name", kind.noun()));
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
    fn resolve(&mut self, name: &str, expect: Expect, path: SpecPath, owner: &str) -> Option<u32> {
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
                if let Some(s) = self.suggest(name, expect) {
                    msg.push_str(&format!(" (did you mean '{s}'?)"));
                }
                self.problem(path, msg);
                None
            }
        }
    }

    fn resolve_all(&mut self, names: &[String], expect: Expect, path: &SpecPath, owner: &str) -> Vec<u32> {
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

    fn suggest(&self, name: &str, expect: Expect) -> Option<&'a str> {
        let limit = (name.chars().count() / 3).max(2);
        self.order
            .iter()
            .filter(|(_, kind, _, _)| expect.accepts(*kind))
            .map(|(n, _, _, _)| (strsim::damerau_levenshtein(name, n), *n))
            .filter(|(d, _)| *d <= limit)
            .min_by_key(|(d, n)| (*d, *n))
            .map(|(_, n)| n)
    }

    fn probability(&mut self, p: f64, path: SpecPath, owner: &str, what: &str) {
        if !(0.0..=1.0).contains(&p) {
            self.problem(path, format!("{owner}: {what} must be a probability between 0 and 1, not {p}"));
        }
    }

    fn dist(&mut self, d: &Dist, path: SpecPath, owner: &str, what: &str) {
        if let Err(e) = d.validate() {
            self.problem(path, format!("{owner}: {what}: {e}"));
        }
    }

    fn services(&mut self, names: &[String], path: &SpecPath, owner: &str) -> Vec<ServiceId> {
        let first = self.first_service;
        self.resolve_all(names, Expect::Service, path, owner).into_iter().map(|c| ServiceId(c - first)).collect()
    }

    fn team(&mut self, name: &str, path: SpecPath, owner: &str) -> Option<u16> {
        if let Some(&t) = self.teams.get(name) {
            return Some(t);
        }
        let mut msg = format!("{owner} refers to unknown team '{name}'");
        let closest = self
            .teams
            .keys()
            .map(|t| (strsim::damerau_levenshtein(name, t), *t))
            .filter(|(d, _)| *d <= (name.chars().count() / 3).max(2))
            .min();
        if let Some((_, t)) = closest {
            msg.push_str(&format!(" (did you mean '{t}'?)"));
        }
        self.problem(path, msg);
        None
    }

    /// Validates a piece of manual work.
    fn work(&mut self, w: &ManualSpec, path: &SpecPath, owner: &str) -> Option<Work> {
        let team = self.team(&w.team, path.field("team"), owner);
        self.dist(&w.duration, path.field("duration"), owner, "duration");
        let requires = self.services(&w.requires, &path.field("requires"), owner);
        let fallback = match &w.without_requirements {
            Fallback::Wait => None,
            Fallback::Slower(d) => {
                self.dist(d, path.field("without_requirements"), owner, "without_requirements");
                Some(d.clone())
            }
        };
        Some(Work { team: team?, duration: w.duration.clone(), requires, fallback })
    }

    fn failures(&mut self, f: &Option<Failures>, path: &SpecPath, owner: &str) {
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
const MAX_HAZARDS: usize = u16::MAX as usize - 1;

/// Engineers per team are numbered with `u16` in events.
const MAX_ENGINEERS: u32 = 10_000;

/// Deployments per service are numbered with `u16` in events.
const MAX_DEPLOYMENTS: usize = 10_000;

/// Restart actions one pool may queue at once (each is held in memory).
const MAX_BATCHES: u64 = 100_000;

/// Validates `spec`, returning the model and disasters or every problem.
pub(crate) fn validate(spec: &ScenarioSpec) -> Result<Validated, Vec<Problem>> {
    let mut v = Validator {
        spec,
        problems: Vec::new(),
        names: HashMap::new(),
        order: Vec::new(),
        teams: HashMap::new(),
        first_service: 0,
    };
    let root = SpecPath::default();
    if spec.name.trim().is_empty() {
        v.problem(root.field("name"), "the scenario has an empty name");
    }
    if spec.horizon.is_zero() {
        v.problem(root.field("horizon"), "horizon must be longer than zero");
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

    // Pass 2: resolve references and check values.
    let n = v.order.len();
    let mut details: Vec<Option<Detail>> = vec![None; n];
    let mut containers: Vec<Option<u32>> = v.order.iter().map(|(_, _, c, _)| *c).collect();
    let mut failures: Vec<Option<Failures>> = vec![None; n];
    for &site_id in &site_ids {
        details[site_id as usize] = Some(Detail::Site);
    }
    for (room, rp, site_id, room_id) in &rooms {
        let owner = format!("room '{}'", room.name);
        let adjacent = v.resolve_all(&room.adjacent, Expect::Room, &rp.field("adjacent"), &owner);
        for (i, &a) in adjacent.iter().enumerate() {
            if a == *room_id {
                v.problem(rp.field("adjacent").index(i), format!("{owner} is listed as adjacent to itself"));
            } else if v.order[a as usize].2 != Some(*site_id) {
                v.problem(
                    rp.field("adjacent").index(i),
                    format!("{owner} is adjacent to '{}', which is in another site", room.adjacent[i]),
                );
            }
        }
        let feeds = v.resolve_all(&room.feeds, Expect::Power, &rp.field("feeds"), &owner);
        let cooling = v.resolve_all(&room.cooling, Expect::Cooling, &rp.field("cooling"), &owner);
        let network = v.resolve_all(&room.network, Expect::NetworkRoom, &rp.field("network"), &owner);
        if room.kind == RoomKind::DataHall && room.feeds.is_empty() {
            v.problem(
                rp.field("feeds"),
                format!("data hall '{}' has no power path: give it at least one feed", room.name),
            );
        }
        match &room.suppression {
            Suppression::None => {}
            Suppression::Gas { success_probability, .. } | Suppression::Water { success_probability, .. } => {
                v.probability(
                    *success_probability,
                    rp.field("suppression").field("success_probability"),
                    &owner,
                    "success_probability",
                );
            }
        }
        v.failures(&room.failures, rp, &owner);
        let id = *room_id as usize;
        failures[id] = room.failures.clone();
        details[id] = Some(Detail::Room(RoomDetail {
            adjacent,
            suppression: room.suppression.clone(),
            feeds,
            cooling,
            thermal_delay: room.thermal_delay,
            network,
        }));
    }

    for (i, p) in spec.power.iter().enumerate() {
        let path = SpecPath::at("power", i);
        let id = (first_power as usize) + i;
        let (detail, room, fails) = match p {
            PowerSpec::Utility { failures, .. } => (Detail::Utility, None, failures),
            PowerSpec::Generator { name, room, backs_up, start_probability, start_delay, fuel, failures } => {
                let owner = format!("generator '{name}'");
                let room = v.resolve(room, Expect::Room, path.field("room"), &owner);
                let backs_up_ids = v.resolve_all(backs_up, Expect::Power, &path.field("backs_up"), &owner);
                if backs_up.is_empty() {
                    v.problem(
                        path.field("backs_up"),
                        format!("{owner} backs up nothing: name the feeds whose loss starts it"),
                    );
                }
                v.probability(*start_probability, path.field("start_probability"), &owner, "start_probability");
                v.dist(start_delay, path.field("start_delay"), &owner, "start_delay");
                if fuel.is_zero() {
                    v.problem(path.field("fuel"), format!("{owner}: fuel must be longer than zero"));
                }
                let detail = Detail::Generator {
                    backs_up: backs_up_ids,
                    start_probability: *start_probability,
                    start_delay: start_delay.clone(),
                    fuel: *fuel,
                };
                (detail, room, failures)
            }
            PowerSpec::Ups { name, room, inputs, ride_through, failures } => {
                let owner = format!("UPS '{name}'");
                let room = v.resolve(room, Expect::Room, path.field("room"), &owner);
                let inputs_ids = v.resolve_all(inputs, Expect::Power, &path.field("inputs"), &owner);
                if inputs.is_empty() {
                    v.problem(
                        path.field("inputs"),
                        format!("{owner} has no inputs: a UPS needs a utility, generator or switchboard upstream"),
                    );
                }
                (Detail::Ups { inputs: inputs_ids, ride_through: *ride_through }, room, failures)
            }
            PowerSpec::Switchboard { name, room, inputs, failures } => {
                let owner = format!("switchboard '{name}'");
                let room = v.resolve(room, Expect::Room, path.field("room"), &owner);
                let inputs_ids = v.resolve_all(inputs, Expect::Power, &path.field("inputs"), &owner);
                if inputs.is_empty() {
                    v.problem(path.field("inputs"), format!("{owner} has no inputs"));
                }
                (Detail::Switchboard { inputs: inputs_ids }, room, failures)
            }
        };
        v.failures(fails, &path, &format!("power component '{}'", p.name()));
        failures[id] = fails.clone();
        containers[id] = room;
        details[id] = Some(detail);
    }

    for (i, c) in spec.cooling.iter().enumerate() {
        let path = SpecPath::at("cooling", i);
        let owner = format!("cooling unit '{}'", c.name);
        let id = first_cooling as usize + i;
        containers[id] = v.resolve(&c.room, Expect::Room, path.field("room"), &owner);
        let power = v.resolve_all(&c.power, Expect::Power, &path.field("power"), &owner);
        v.failures(&c.failures, &path, &owner);
        failures[id] = c.failures.clone();
        details[id] = Some(Detail::Cooling { power });
    }

    v.first_service = first_service;
    let teams = validate_teams(&mut v);
    let policy = validate_policy(&mut v);

    for (i, p) in spec.pools.iter().enumerate() {
        let path = SpecPath::at("pools", i);
        let owner = format!("pool '{}'", p.name);
        let id = first_pool as usize + i;
        containers[id] = v.resolve(&p.room, Expect::DataHall, path.field("room"), &owner);
        if p.servers == 0 {
            v.problem(path.field("servers"), format!("{owner} has no servers"));
        }
        v.dist(&p.boot, path.field("boot"), &owner, "boot");
        v.probability(p.broken_fraction, path.field("broken_fraction"), &owner, "broken_fraction");
        v.dist(&p.repair, path.field("repair"), &owner, "repair");
        v.failures(&p.failures, &path, &owner);
        let restart = match &p.restart {
            RestartSpec::Automatic => None,
            RestartSpec::Manual { batch, work } => {
                let rp = path.field("restart");
                if *batch == 0 {
                    v.problem(rp.field("batch"), format!("{owner}: a restart batch needs at least one server"));
                } else if *batch > u64::from(u32::MAX) {
                    v.problem(
                        rp.field("batch"),
                        format!("{owner}: a restart batch holds at most {} servers", u32::MAX),
                    );
                } else if p.servers.div_ceil(*batch) > MAX_BATCHES {
                    v.problem(
                        rp.field("batch"),
                        format!(
                            "{owner}: {} servers in batches of {batch} make {} restart actions; at most {MAX_BATCHES} are supported (use larger batches)",
                            p.servers,
                            p.servers.div_ceil(*batch)
                        ),
                    );
                }
                v.work(work, &rp.field("work"), &owner).map(|work| PoolRestart { batch: (*batch).max(1), work })
            }
        };
        failures[id] = p.failures.clone();
        details[id] = Some(Detail::Pool(PoolDetail {
            servers: p.servers,
            boot: p.boot.clone(),
            broken_fraction: p.broken_fraction,
            repair: p.repair.clone(),
            restart,
        }));
    }

    let mut services = Vec::with_capacity(spec.services.len());
    let mut pool_use: Vec<u64> = vec![0; spec.pools.len()];
    for (i, s) in spec.services.iter().enumerate() {
        let path = SpecPath::at("services", i);
        let owner = format!("service '{}'", s.name);
        let id = first_service as usize + i;
        details[id] = Some(Detail::Service(i as u32));
        if s.demand == 0 {
            v.problem(
                path.field("demand"),
                format!("{owner} has a demand of zero servers; give the servers it needs to serve all users"),
            );
        }
        if s.priority == 0 {
            v.problem(path.field("priority"), format!("{owner}: priority starts at 1 (most important)"));
        }
        if s.deployments.is_empty() {
            v.problem(path.field("deployments"), format!("{owner} runs nowhere: give it at least one deployment"));
        } else if s.deployments.len() > MAX_DEPLOYMENTS {
            v.problem(
                path.field("deployments"),
                format!("{owner} has {} deployments; at most {MAX_DEPLOYMENTS} are supported", s.deployments.len()),
            );
        }
        let mut deployments = Vec::new();
        let mut active_capacity: u64 = 0;
        for (di, d) in s.deployments.iter().enumerate() {
            let dp = path.field("deployments").index(di);
            let Some(pool) = v.resolve(&d.pool, Expect::Pool, dp.field("pool"), &owner) else {
                continue;
            };
            let pool_index = (pool - first_pool) as usize;
            let pool_servers = spec.pools[pool_index].servers;
            let servers = match (d.servers, d.capacity) {
                (Some(_), Some(_)) => {
                    v.problem(
                        dp.field("capacity"),
                        format!("{owner}: give a deployment either servers or capacity, not both"),
                    );
                    0
                }
                (Some(n), None) => n,
                (None, Some(c)) if !(c.is_finite() && c > 0.0) => {
                    v.problem(
                        dp.field("capacity"),
                        format!("{owner}: capacity must be a fraction of demand greater than zero, not {c}"),
                    );
                    0
                }
                (None, Some(c)) => (c * s.demand as f64).ceil().min(u64::MAX as f64) as u64,
                (None, None) => pool_servers,
            };
            if servers == 0 {
                if d.capacity.is_none() {
                    v.problem(dp.field("servers"), format!("{owner} uses zero servers of pool '{}'", d.pool));
                }
            } else if servers > pool_servers {
                let field = if d.capacity.is_some() { "capacity" } else { "servers" };
                v.problem(
                    dp.field(field),
                    format!("{owner} uses {servers} servers of pool '{}', which has only {pool_servers}", d.pool),
                );
            }
            match (d.role, &d.warmup) {
                (Role::Active, Some(_)) => v.problem(
                    dp.field("warmup"),
                    format!("{owner}: an active deployment has no warmup (only warm and cold standbys do)"),
                ),
                (Role::HotStandby, Some(_)) => v.problem(
                    dp.field("warmup"),
                    format!("{owner}: a hot standby serves at once; warmup is for warm and cold standbys"),
                ),
                (_, Some(w)) => v.dist(w, dp.field("warmup"), &owner, "warmup"),
                _ => {}
            }
            if deployments.iter().any(|x: &Deployment| x.pool.0 == pool) {
                v.problem(dp.field("pool"), format!("{owner} is deployed on pool '{}' twice", d.pool));
            }
            if servers <= pool_servers {
                pool_use[pool_index] = pool_use[pool_index].saturating_add(servers);
            }
            if d.role == Role::Active {
                active_capacity = active_capacity.saturating_add(servers);
            }
            deployments.push(Deployment {
                pool: ComponentId(pool),
                servers,
                pool_servers,
                role: d.role,
                warmup: d.warmup.clone(),
            });
        }
        let has_standby = s.deployments.iter().any(|d| d.role != Role::Active);
        if s.demand > 0
            && !s.deployments.is_empty()
            && active_capacity < s.demand
            && v.problems.iter().all(|p| !p.path.0.starts_with(&path.0))
        {
            let msg = if s.deployments.iter().all(|d| d.role != Role::Active) {
                format!("{owner} has no active deployment: one must carry traffic before anything happens")
            } else {
                format!(
                    "{owner} needs {} servers but its active deployments provide only {active_capacity}; it would be degraded before anything happens",
                    s.demand
                )
            };
            v.problem(path.field("demand"), msg);
        }
        let hard: Vec<ServiceId> = v
            .resolve_all(&s.depends_on, Expect::Service, &path.field("depends_on"), &owner)
            .into_iter()
            .map(|c| ServiceId(c - first_service))
            .collect();
        if hard.contains(&ServiceId(i as u32)) {
            let at = s.depends_on.iter().position(|d| *d == s.name).unwrap_or(0);
            v.problem(path.field("depends_on").index(at), format!("{owner} depends on itself"));
        }
        let mut soft = Vec::new();
        for (di, d) in s.soft_depends_on.iter().enumerate() {
            let dp = path.field("soft_depends_on").index(di);
            v.probability(d.impact, dp.field("impact"), &owner, "impact");
            if let Some(c) = v.resolve(&d.service, Expect::Service, dp.field("service"), &owner) {
                let sid = ServiceId(c - first_service);
                if sid.index() == i {
                    v.problem(dp.field("service"), format!("{owner} depends on itself"));
                } else if hard.contains(&sid) || soft.iter().any(|(x, _)| *x == sid) {
                    v.problem(dp.field("service"), format!("{owner} lists '{}' as a dependency twice", d.service));
                } else {
                    soft.push((sid, d.impact));
                }
            }
        }
        let recovery = validate_service_recovery(&mut v, s, &path, &owner, has_standby);
        services.push(Service {
            component: ComponentId(id as u32),
            name: s.name.clone(),
            users: s.users,
            priority: s.priority,
            demand: s.demand,
            deployments,
            hard,
            soft,
            recovery,
        });
    }
    for (i, used) in pool_use.iter().enumerate() {
        if *used > spec.pools[i].servers {
            let p = &spec.pools[i];
            v.problem(
                SpecPath::at("pools", i).field("servers"),
                format!("pool '{}' is over-committed: services use {used} of its {} servers", p.name, p.servers),
            );
        }
    }

    if v.problems.is_empty() {
        check_power_graph(&mut v, &details, &containers);
    }
    let disasters = validate_disasters(&mut v);
    let objectives = validate_objectives(&mut v, &disasters);

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
            container: containers[i].map(ComponentId),
            failures: failures[i].clone(),
            detail: details[i].clone().expect("every component has a detail once validation passed"),
        })
        .collect();
    Ok(Validated { model: Model::new(components, services, teams, policy), disasters, objectives })
}

/// Inputs that a component needs to be live: its room, its feeds, its
/// power inputs and network, and what a generator backs up. Cooling is left out: losing it stops only the
/// servers, after a delay, so a cooling unit inside the hall it cools is fine.
fn infrastructure_inputs(detail: &Detail, container: Option<u32>) -> Vec<u32> {
    let mut inputs: Vec<u32> = container.into_iter().collect();
    match detail {
        Detail::Room(r) => inputs.extend(r.feeds.iter().chain(&r.network)),
        // A generator watches what it backs up: backing up something it
        // feeds would start and stop it forever.
        Detail::Generator { backs_up, .. } => inputs.extend(backs_up),
        Detail::Ups { inputs: i, .. } | Detail::Switchboard { inputs: i } | Detail::Cooling { power: i } => {
            inputs.extend(i)
        }
        _ => {}
    }
    inputs
}

/// Rejects power loops (a UPS feeding its own input, a room fed through
/// equipment inside it) and data halls whose feeds reach no source.
fn check_power_graph(v: &mut Validator<'_>, details: &[Option<Detail>], containers: &[Option<u32>]) {
    let n = details.len();
    let mut g: DiGraph<(), (), u32> = DiGraph::with_capacity(n, n * 2);
    for _ in 0..n {
        g.add_node(());
    }
    for (i, d) in details.iter().enumerate() {
        let Some(d) = d else { continue };
        if matches!(d, Detail::Service(_) | Detail::Pool(_)) {
            continue;
        }
        for input in infrastructure_inputs(d, containers[i]) {
            g.add_edge(NodeIndex::new(input as usize), NodeIndex::new(i), ());
        }
    }
    let mut sccs: Vec<Vec<usize>> = tarjan_scc(&g)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut ids: Vec<usize> = scc.into_iter().map(NodeIndex::index).collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    sccs.sort();
    for scc in sccs {
        let names: Vec<&str> = scc.iter().map(|&i| v.order[i].0).collect();
        let path = v.order[scc[0]].3.clone();
        v.problem(
            path,
            format!("power loop: {} need each other to be live, so none could ever come back", names.join(", ")),
        );
    }

    // A data hall needs a feed that leads back to a utility or a generator.
    let mut reaches_source: Vec<Option<bool>> = vec![None; n];
    fn has_source(i: usize, details: &[Option<Detail>], memo: &mut [Option<bool>], depth: usize) -> bool {
        if let Some(known) = memo[i] {
            return known;
        }
        memo[i] = Some(false); // breaks loops (already reported)
        let result = depth < 10_000
            && match &details[i] {
                Some(Detail::Utility | Detail::Generator { .. }) => true,
                Some(Detail::Ups { inputs, .. } | Detail::Switchboard { inputs }) => {
                    inputs.iter().any(|&j| has_source(j as usize, details, memo, depth + 1))
                }
                _ => false,
            };
        memo[i] = Some(result);
        result
    }
    for (i, d) in details.iter().enumerate() {
        if let Some(Detail::Room(room)) = d
            && !room.feeds.is_empty()
            && !room.feeds.iter().any(|&f| has_source(f as usize, details, &mut reaches_source, 0))
        {
            let path = v.order[i].3.field("feeds");
            let msg = format!(
                "room '{}' has no power path: none of its feeds leads back to a utility feed or a generator",
                v.order[i].0
            );
            v.problem(path, msg);
        }
    }
}

fn validate_teams(v: &mut Validator<'_>) -> Vec<TeamDef> {
    let spec = v.spec;
    let mut teams = Vec::new();
    if spec.teams.len() > usize::from(u16::MAX) {
        v.problem(
            SpecPath::default().field("teams"),
            format!("{} teams; at most {} are supported", spec.teams.len(), u16::MAX),
        );
        return teams;
    }
    for (i, t) in spec.teams.iter().enumerate() {
        let path = SpecPath::at("teams", i);
        let owner = format!("team '{}'", t.name);
        if t.name.trim().is_empty() {
            v.problem(path.field("name"), "a team has an empty name");
        } else if v.teams.insert(t.name.as_str(), i as u16).is_some() {
            v.problem(path.field("name"), format!("duplicate team name '{}'", t.name));
        }
        if t.engineers == 0 {
            v.problem(path.field("engineers"), format!("{owner} has no engineers"));
        } else if t.engineers > MAX_ENGINEERS {
            v.problem(
                path.field("engineers"),
                format!("{owner} has {} engineers; at most {MAX_ENGINEERS} per team are supported", t.engineers),
            );
        }
        if t.on_call > t.engineers {
            v.problem(
                path.field("on_call"),
                format!("{owner} has {} engineers on call but only {} in all", t.on_call, t.engineers),
            );
        }
        v.dist(&t.arrival, path.field("arrival"), &owner, "arrival");
        if let Some(sh) = &t.shifts {
            for (d, field) in [(sh.work, "work"), (sh.rest, "rest")] {
                if d.is_zero() {
                    v.problem(
                        path.field("shifts").field(field),
                        format!("{owner}: shift {field} must be longer than zero"),
                    );
                }
            }
        }
        teams.push(TeamDef {
            name: t.name.clone(),
            engineers: t.engineers.min(MAX_ENGINEERS),
            on_call: t.on_call.min(t.engineers),
            arrival: t.arrival.clone(),
            shifts: t.shifts.as_ref().map(|s| (s.work, s.rest)),
        });
    }
    teams
}

fn validate_policy(v: &mut Validator<'_>) -> RecoveryOrder {
    match &v.spec.recovery.policy {
        PolicySpec::ByPriority => RecoveryOrder::ByPriority,
        PolicySpec::ByUsers => RecoveryOrder::ByUsers,
        PolicySpec::ByDependencyOrder => RecoveryOrder::ByDependencyOrder,
        PolicySpec::Explicit(names) => {
            let path = SpecPath::default().field("recovery").field("policy");
            RecoveryOrder::Explicit(v.services(names, &path, "the recovery policy"))
        }
    }
}

fn validate_service_recovery(
    v: &mut Validator<'_>,
    s: &ServiceSpec,
    path: &SpecPath,
    owner: &str,
    has_standby: bool,
) -> ServiceRecovery {
    let mut r = ServiceRecovery::default();
    if has_standby && s.failover.is_none() {
        v.problem(
            path.field("deployments"),
            format!("{owner} has standby deployments but no failover to switch to them"),
        );
    }
    if let Some(f) = &s.failover {
        let fp = path.field("failover");
        if !has_standby {
            v.problem(fp.clone(), format!("{owner} has a failover but no standby deployment to fail over to"));
        }
        r.failover = match f {
            FailoverSpec::Automatic { detection, switch, requires, otherwise } => {
                v.dist(detection, fp.field("detection"), owner, "detection");
                v.dist(switch, fp.field("switch"), owner, "switch");
                let requires = v.services(requires, &fp.field("requires"), owner);
                let otherwise = match otherwise {
                    Some(m) => v.work(m, &fp.field("otherwise"), owner),
                    None => None,
                };
                Some(FailoverDef::Automatic {
                    detection: detection.clone(),
                    switch: switch.clone(),
                    requires,
                    otherwise,
                })
            }
            FailoverSpec::Manual(m) => v.work(m, &fp, owner).map(FailoverDef::Manual),
        };
    }
    if let Some(so) = &s.scale_out {
        let sp = path.field("scale_out");
        if !has_standby {
            v.problem(sp.clone(), format!("{owner} scales out its standbys but has none"));
        }
        if !(so.rate.is_finite() && so.rate > 0.0) {
            v.problem(
                sp.field("rate"),
                format!(
                    "{owner}: scale-out rate must be a number of servers per hour greater than zero, not {}",
                    so.rate
                ),
            );
        }
        let step = so.step.unwrap_or_else(|| so.rate.round().max(1.0) as u64);
        if step == 0 {
            v.problem(sp.field("step"), format!("{owner}: a scale-out step adds at least one server"));
        }
        let team = v.team(&so.team, sp.field("team"), owner);
        let requires = v.services(&so.requires, &sp.field("requires"), owner);
        if let Some(team) = team
            && so.rate.is_finite()
            && so.rate > 0.0
        {
            let duration = Dist::Fixed(SimDuration::from_hours_f64(step as f64 / so.rate));
            r.scale_out =
                Some(ScaleOutDef { step: step.max(1), work: Work { team, duration, requires, fallback: None } });
        }
    }
    if let Some(m) = &s.restart {
        r.restart = v.work(m, &path.field("restart"), owner);
    }
    if let Some(sg) = &s.surge {
        let sp = path.field("surge");
        if !(sg.factor.is_finite() && sg.factor >= 1.0) {
            v.problem(sp.field("factor"), format!("{owner}: surge factor must be 1 or more, not {}", sg.factor));
        }
        v.dist(&sg.duration, sp.field("duration"), owner, "surge duration");
        r.surge = Some(SurgeDef { factor: sg.factor, duration: sg.duration.clone() });
    }
    if let ReplicationSpec::Asynchronous { lag } = &s.replication {
        v.dist(lag, path.field("replication").field("lag"), owner, "replication lag");
        r.lag = Some(lag.clone());
    }
    r
}

fn validate_disasters(v: &mut Validator<'_>) -> Vec<Disaster> {
    let spec = v.spec;
    let mut disasters: Vec<Disaster> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    // Every disaster's name so far, and whether a site-loss template gave it.
    let mut expanded: HashMap<String, bool> = HashMap::new();
    for (di, d) in spec.disasters.iter().enumerate() {
        let path = SpecPath::at("disasters", di);
        if d.name.trim().is_empty() {
            v.problem(path.field("name"), "a disaster has an empty name");
        } else if let Some(prev) = seen.insert(d.name.as_str(), di) {
            v.problem(path.field("name"), format!("duplicate disaster name '{}' (also disasters[{prev}])", d.name));
        }
        let before = disasters.len();
        validate_disaster(v, d, &path, &mut disasters);
        // Reports, merges and objectives name disasters, so a name a site-loss
        // template expands to must not be taken twice (plain names clashing
        // with each other are reported above).
        for new in &disasters[before..] {
            let from_template = new.group.is_some();
            if expanded.insert(new.name.clone(), from_template).is_some_and(|first| first || from_template) {
                v.problem(
                    path.field("name"),
                    format!("two disasters are named '{}' once site-loss templates are expanded", new.name),
                );
            }
        }
    }
    disasters
}

/// One disaster of the spec: its hazards, or one disaster per site for a
/// site-loss template.
fn validate_disaster(v: &mut Validator<'_>, d: &DisasterSpec, path: &SpecPath, out: &mut Vec<Disaster>) {
    let owner = format!("disaster '{}'", d.name);
    if let Some(loss) = &d.each_site {
        if !d.hazards.is_empty() {
            v.problem(path.field("each_site"), format!("{owner}: give either hazards or each_site, not both"));
        }
        expand_site_loss(v, d, loss, path, &owner, out);
        return;
    }
    if d.hazards.is_empty() {
        v.problem(path.field("hazards"), format!("{owner} has no hazards"));
    }
    if d.hazards.len() > MAX_HAZARDS {
        v.problem(
            path.field("hazards"),
            format!("{owner} has {} hazards; at most {MAX_HAZARDS} are supported", d.hazards.len()),
        );
        return;
    }
    let mut hazards = Vec::new();
    for (hi, h) in d.hazards.iter().enumerate() {
        let hp = path.field("hazards").index(hi);
        match h {
            HazardSpec::Outage { target, at: _, duration } => {
                let target = v.resolve(target, Expect::Any, hp.field("target"), &owner);
                if let Some(dur) = duration {
                    v.dist(dur, hp.field("duration"), &owner, "duration");
                }
                if let Some(t) = target {
                    hazards.push(Hazard::Outage { target: ComponentId(t), at: spec_at(h), duration: duration.clone() });
                }
            }
            HazardSpec::Fire(f) => {
                if let Some(fire) = validate_fire(v, f, &hp, &owner) {
                    hazards.push(Hazard::Fire(fire));
                }
            }
        }
    }
    out.push(Disaster { name: d.name.clone(), description: d.description.clone(), hazards, group: None });
}

/// "Lose any one site": one disaster per site, named `<name>: <site>`.
fn expand_site_loss(
    v: &mut Validator<'_>,
    d: &DisasterSpec,
    loss: &SiteLossSpec,
    path: &SpecPath,
    owner: &str,
    out: &mut Vec<Disaster>,
) {
    let lp = path.field("each_site");
    if let Some(dur) = &loss.duration {
        v.dist(dur, lp.field("duration"), owner, "duration");
    }
    let sites: Vec<u32> = if loss.sites.is_empty() {
        (0..v.order.len() as u32).filter(|&i| v.order[i as usize].1 == ComponentKind::Site).collect()
    } else {
        v.resolve_all(&loss.sites, Expect::Site, &lp.field("sites"), owner)
    };
    for site in sites {
        let name = format!("{}: {}", d.name, v.order[site as usize].0);
        out.push(Disaster {
            name,
            description: d.description.clone(),
            hazards: vec![Hazard::Outage { target: ComponentId(site), at: loss.at, duration: loss.duration.clone() }],
            group: Some(d.name.clone()),
        });
    }
}

/// Checks objectives: the service, one bound, amounts of the right kind,
/// known disasters.
fn validate_objectives(v: &mut Validator<'_>, disasters: &[Disaster]) -> Vec<Objective> {
    let spec = v.spec;
    let mut out = Vec::new();
    for (i, o) in spec.objectives.iter().enumerate() {
        let path = SpecPath::at("objectives", i);
        let owner =
            format!("objective {}", if o.name.is_empty() { format!("#{}", i + 1) } else { format!("'{}'", o.name) });
        let service = if o.service == "*" {
            None
        } else {
            match v.resolve(&o.service, Expect::Service, path.field("service"), &owner) {
                Some(c) => Some(ServiceId(c - v.first_service)),
                None => continue,
            }
        };
        let bound = match (&o.at_most, &o.at_least) {
            (Some(a), None) => Bound::AtMost(*a),
            (None, Some(a)) => Bound::AtLeast(*a),
            _ => {
                v.problem(path.clone(), format!("{owner}: give exactly one of at_most and at_least"));
                continue;
            }
        };
        let bound_field = if o.at_most.is_some() { "at_most" } else { "at_least" };
        // The kind of amount the metric is measured in.
        let check_metric_amount = |v: &mut Validator<'_>, a: &Amount, field: SpecPath, what: &str| {
            if let Err(e) = o.metric.check_amount(a) {
                v.problem(field, format!("{owner}: {what} of {e}"));
            }
        };
        match &o.statistic {
            Statistic::ProbabilityAbove(threshold) => {
                check_metric_amount(v, threshold, path.field("statistic"), "the threshold");
                match bound.amount() {
                    Amount::Number(p) if (0.0..=1.0).contains(&p) => {}
                    _ => v.problem(
                        path.field(bound_field),
                        format!("{owner}: a probability bound is a number between 0 and 1"),
                    ),
                }
            }
            stat => {
                if let Statistic::Quantile(q) = stat
                    && !(*q > 0.0 && *q < 1.0)
                {
                    v.problem(
                        path.field("statistic"),
                        format!("{owner}: a quantile is strictly between 0 and 1, not {q}"),
                    );
                }
                check_metric_amount(v, &bound.amount(), path.field(bound_field), "the bound");
            }
        }
        let mut selected = Vec::new();
        for (di, name) in o.disasters.iter().enumerate() {
            let matching: Vec<usize> = (0..disasters.len()).filter(|&k| disasters[k].is_named(name)).collect();
            if matching.is_empty() {
                let known: Vec<&str> = spec.disasters.iter().map(|d| d.name.as_str()).collect();
                v.problem(
                    path.field("disasters").index(di),
                    format!("{owner} refers to unknown disaster '{name}' (known: {})", known.join(", ")),
                );
            }
            selected.extend(matching);
        }
        selected.sort_unstable();
        selected.dedup();
        out.push(Objective::new(&o.name, &o.service, service, o.metric, o.statistic.clone(), bound, selected));
    }
    out
}

fn spec_at(h: &HazardSpec) -> crate::time::SimDuration {
    match h {
        HazardSpec::Fire(f) => f.at,
        HazardSpec::Outage { at, .. } => *at,
    }
}

fn validate_fire(v: &mut Validator<'_>, f: &FireSpec, hp: &SpecPath, owner: &str) -> Option<Fire> {
    let owner = format!("{owner}: fire in '{}'", f.room);
    let room = v.resolve(&f.room, Expect::Room, hp.field("room"), &owner);
    v.dist(&f.damage_after, hp.field("damage_after"), &owner, "damage_after");
    v.dist(&f.extinguished_after, hp.field("extinguished_after"), &owner, "extinguished_after");
    if let Some(s) = &f.spread {
        v.dist(&s.after, hp.field("spread").field("after"), &owner, "spread.after");
        v.probability(s.probability, hp.field("spread").field("probability"), &owner, "spread.probability");
    }
    if let Some(c) = &f.power_cut {
        v.dist(&c.after, hp.field("power_cut").field("after"), &owner, "power_cut.after");
    }
    let rp = hp.field("restoration");
    v.dist(&f.restoration.inspection, rp.field("inspection"), &owner, "restoration.inspection");
    let site = room.and_then(|r| v.order[r as usize].2);
    let mut stages = Vec::new();
    let mut staged: Vec<u32> = Vec::new();
    if f.restoration.stages.len() > MAX_HAZARDS {
        let n = f.restoration.stages.len();
        v.problem(
            rp.field("stages"),
            format!("{owner} has {n} restoration stages; at most {MAX_HAZARDS} are supported"),
        );
        return None;
    }
    for (si, stage) in f.restoration.stages.iter().enumerate() {
        let sp = rp.field("stages").index(si);
        v.dist(&stage.after, sp.field("after"), &owner, "stage delay");
        if stage.rooms.is_empty() {
            v.problem(sp.field("rooms"), format!("{owner}: restoration stage {si} names no rooms"));
        }
        let rooms = v.resolve_all(&stage.rooms, Expect::Room, &sp.field("rooms"), &owner);
        for (ri, &r) in rooms.iter().enumerate() {
            if site.is_some() && v.order[r as usize].2 != site {
                v.problem(
                    sp.field("rooms").index(ri),
                    format!("{owner}: restoration names '{}', which is not in the fire's site", stage.rooms[ri]),
                );
            } else if staged.contains(&r) {
                v.problem(
                    sp.field("rooms").index(ri),
                    format!("{owner}: room '{}' appears in two restoration stages", stage.rooms[ri]),
                );
            }
            staged.push(r);
        }
        stages.push((rooms.into_iter().map(ComponentId).collect(), stage.after.clone()));
    }
    let room = room?;
    let site = site?;
    let site_rooms = v
        .order
        .iter()
        .enumerate()
        .filter(|(_, (_, kind, container, _))| matches!(kind, ComponentKind::Room(_)) && *container == Some(site))
        .map(|(i, _)| ComponentId(i as u32))
        .collect();
    Some(Fire {
        room: ComponentId(room),
        site_rooms,
        at: f.at,
        fuel: f.fuel,
        damage_after: f.damage_after.clone(),
        spread: f.spread.as_ref().map(|s| (s.after.clone(), s.probability)),
        power_cut: f.power_cut.as_ref().map(|c| (c.scope, c.after.clone())),
        extinguished_after: f.extinguished_after.clone(),
        inspection: f.restoration.inspection.clone(),
        stages,
    })
}
