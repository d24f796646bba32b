//! The validated dependency model: every site, room, power component,
//! cooling unit, server pool and service, and who depends on whom.
//!
//! The model is a directed graph (petgraph underneath; it does not appear in
//! the public API) whose edge `a -> b` means "when `a` changes, `b` must be
//! looked at again": a UPS feeds a hall, a hall holds a pool, a pool runs a
//! service, a service is needed by another. The model is frozen once built,
//! so [`ComponentId`]s stay valid for its lifetime.
//!
//! For the engine's hot loop the graph is also compiled into flat arrays
//! (a CSR adjacency of dependants and one parameter record per component).
//!
//! The model is the lowest layer that knows about data centers: it holds the
//! kinds of things a scenario is made of ([`RoomKind`], [`Role`], [`State`],
//! ...), recovery as data (teams and work) and disasters as data
//! ([`Disaster`]). It imports nothing from the scenario format, the engine
//! or anything above them.

mod hazard;
mod kinds;
mod work;

use std::fmt;
use std::sync::OnceLock;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

pub use hazard::{CutScope, Disaster, Fuel};
pub(crate) use hazard::{Fire, Hazard, Replacement, Stage};
pub use kinds::{Failures, Role, RoomKind, State, Suppression};
pub use work::RecoveryOrder;
pub(crate) use work::{
    Bootstrap, FailoverDef, PoolRestart, ScaleOutDef, ServiceRecovery, Shifts, SurgeDef, TeamCall, TeamDef, Work,
};

use crate::dist::Dist;
use crate::time::SimDuration;

/// Identifies a component of a [`Model`]. Debug-prints as `c#12`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComponentId(pub(crate) u32);

/// Identifies a service of a [`Model`] (services are numbered in file order).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(pub(crate) u32);

/// Identifies a pool of a [`Model`]: the [`ComponentId`] of a component
/// that is a pool. Debug-prints as `p#12`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PoolId(pub(crate) u32);

impl PoolId {
    /// The pool's component.
    pub(crate) fn component(self) -> ComponentId {
        ComponentId(self.0)
    }
    /// The position of the pool's component in [`Model::components`].
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Debug for PoolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p#{}", self.0)
    }
}

impl ComponentId {
    /// The position of the component in [`Model::components`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl ServiceId {
    /// The position of the service in [`Model::services`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Debug for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c#{}", self.0)
    }
}

impl fmt::Debug for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s#{}", self.0)
    }
}

/// What a component is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ComponentKind {
    /// A building or campus.
    Site,
    /// A room in a site.
    Room(RoomKind),
    /// A grid feed.
    Utility,
    /// A standby generator.
    Generator,
    /// An uninterruptible power supply.
    Ups,
    /// A switchboard, PDU or transfer switch.
    Switchboard,
    /// A cooling unit.
    Cooling,
    /// A pool of servers.
    Pool,
    /// A service.
    Service,
    /// A network link or piece of network equipment.
    Link,
}

impl ComponentKind {
    /// A lowercase noun for messages and reports ("room", "UPS", "pool").
    pub fn noun(self) -> &'static str {
        match self {
            ComponentKind::Site => "site",
            ComponentKind::Room(RoomKind::DataHall) => "data hall",
            ComponentKind::Room(_) => "room",
            ComponentKind::Utility => "utility feed",
            ComponentKind::Generator => "generator",
            ComponentKind::Ups => "UPS",
            ComponentKind::Switchboard => "switchboard",
            ComponentKind::Cooling => "cooling unit",
            ComponentKind::Pool => "pool",
            ComponentKind::Service => "service",
            ComponentKind::Link => "link",
        }
    }

    /// Whether it is part of the power chain (can feed a room).
    pub fn is_power(self) -> bool {
        matches!(
            self,
            ComponentKind::Utility | ComponentKind::Generator | ComponentKind::Ups | ComponentKind::Switchboard
        )
    }
}

/// Why `a -> b` is an edge of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Relation {
    /// `a` contains `b` (site -> room, room -> equipment or pool).
    Contains,
    /// `a` powers `b`.
    Powers,
    /// `b` is a generator that starts when `a` is lost.
    BackedUpBy,
    /// `a` cools room `b`.
    Cools,
    /// `a` is a network room serving room `b`.
    Connects,
    /// Pool `a` runs service `b`.
    Runs,
    /// Service `b` cannot work without service `a`.
    HardDependency,
    /// Service `b` works worse without service `a`.
    SoftDependency,
    /// A deployment of service `b` needs `a`.
    DeploymentNeeds,
}

/// One component of the model.
#[derive(Clone, Debug)]
pub struct Component {
    pub(crate) name: String,
    pub(crate) kind: ComponentKind,
    pub(crate) container: Option<ComponentId>,
    pub(crate) failures: Option<Failures>,
    pub(crate) detail: Detail,
}

impl Component {
    /// Its unique name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// What it is.
    pub fn kind(&self) -> ComponentKind {
        self.kind
    }
    /// The site (for a room) or room (for equipment and pools) it is in.
    pub fn container(&self) -> Option<ComponentId> {
        self.container
    }
}

/// Redundant inputs of one kind (feeds, cooling units, network rooms, power
/// inputs) and how many of them must work: `needed` of `ids` (k of n; one
/// of them for the usual A/B redundancy). Reads as the list of ids.
#[derive(Clone, Debug, Default)]
pub(crate) struct Redundant {
    pub(crate) ids: Vec<u32>,
    /// At least 1, at most `ids.len()` (1 for an empty list).
    pub(crate) needed: u32,
}

impl std::ops::Deref for Redundant {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        &self.ids
    }
}

/// Kind-specific parameters, resolved to ids.
#[derive(Clone, Debug)]
pub(crate) enum Detail {
    Site,
    Room(RoomDetail),
    Utility,
    Generator {
        backs_up: Vec<u32>,
        start_probability: f64,
        start_delay: Dist,
        fuel: SimDuration,
    },
    Ups {
        inputs: Redundant,
        ride_through: SimDuration,
    },
    Switchboard {
        inputs: Redundant,
    },
    Cooling {
        power: Redundant,
    },
    Pool(PoolDetail),
    Service(u32),
    /// A network link; `boot` after its room's power returns.
    Link {
        boot: Option<Dist>,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct RoomDetail {
    pub(crate) adjacent: Vec<u32>,
    pub(crate) suppression: Suppression,
    pub(crate) feeds: Redundant,
    pub(crate) cooling: Redundant,
    pub(crate) thermal_delay: SimDuration,
    pub(crate) network: Redundant,
    /// How what a fire destroys here is replaced.
    pub(crate) replacement: Replacement,
}

#[derive(Clone, Debug)]
pub(crate) struct PoolDetail {
    pub(crate) servers: u64,
    pub(crate) boot: Dist,
    pub(crate) broken_fraction: f64,
    pub(crate) repair: Dist,
    /// Manual restart in batches; `None`: servers boot by themselves.
    pub(crate) restart: Option<PoolRestart>,
    /// Its site's uplinks: without enough of them it serves no one.
    pub(crate) uplinks: Redundant,
}

/// A service's parameters, resolved to ids.
#[derive(Clone, Debug)]
pub struct Service {
    pub(crate) component: ComponentId,
    pub(crate) name: String,
    pub(crate) users: u64,
    pub(crate) priority: u32,
    pub(crate) demand: u64,
    pub(crate) deployments: Vec<Deployment>,
    /// Deployments that must have a working server for it to serve at all
    /// (0: no quorum, capacity alone decides).
    pub(crate) quorum: u32,
    pub(crate) hard: Vec<ServiceId>,
    pub(crate) soft: Vec<(ServiceId, f64)>,
    pub(crate) recovery: ServiceRecovery,
}

#[derive(Clone, Debug)]
pub(crate) struct Deployment {
    pub(crate) pool: ComponentId,
    /// Servers of the pool the service uses.
    pub(crate) servers: u64,
    /// The pool's size, for turning working servers into this deployment's share.
    pub(crate) pool_servers: u64,
    pub(crate) role: Role,
    pub(crate) warmup: Option<Dist>,
    /// What this deployment alone needs (any element).
    pub(crate) needs: Vec<ComponentId>,
}

impl Service {
    /// Its unique name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its component in the model graph.
    pub fn component(&self) -> ComponentId {
        self.component
    }
    /// Daily active users.
    pub fn users(&self) -> u64 {
        self.users
    }
    /// Business priority, 1 = most important.
    pub fn priority(&self) -> u32 {
        self.priority
    }
    /// Servers needed to serve every user.
    pub fn demand(&self) -> u64 {
        self.demand
    }
    /// Services it cannot work without.
    pub fn hard_dependencies(&self) -> &[ServiceId] {
        &self.hard
    }
    /// Services it works worse without, with the fraction of users affected.
    pub fn soft_dependencies(&self) -> &[(ServiceId, f64)] {
        &self.soft
    }
}

/// Compressed sparse rows: `targets[offsets[i]..offsets[i+1]]` are the
/// dependants of component `i`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Csr {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Csr {
    #[inline]
    pub(crate) fn row(&self, i: u32) -> &[u32] {
        let (a, b) = (self.offsets[i as usize] as usize, self.offsets[i as usize + 1] as usize);
        &self.targets[a..b]
    }
}

/// Marks a component that is in no dependency cycle.
pub(crate) const NO_CYCLE: u32 = u32::MAX;

/// The frozen dependency model of a scenario.
#[derive(Clone, Debug)]
pub struct Model {
    graph: DiGraph<ComponentId, Relation, u32>,
    pub(crate) components: Vec<Component>,
    pub(crate) services: Vec<Service>,
    pub(crate) dependants: Csr,
    /// Topological rank of each component's strongly connected component:
    /// every input of a component has a lower rank, except inside cycles.
    pub(crate) rank: Vec<u32>,
    /// For each service, its dependency cycle (an index into `cycles`), or
    /// `NO_CYCLE`.
    pub(crate) cycle_of: Vec<u32>,
    /// The members (component ids, sorted) of each dependency cycle.
    pub(crate) cycles: Vec<Vec<u32>>,
    pub(crate) teams: Vec<TeamDef>,
    pub(crate) policy: RecoveryOrder,
    /// Cold-start procedures of hard-dependency cycles.
    pub(crate) bootstraps: Vec<Bootstrap>,
    /// For each service, the bootstrap that starts it, if any.
    pub(crate) bootstrap_of: Vec<Option<u16>>,
    /// Shared draws: each drawn once per run, named by hazard timings.
    pub(crate) draws: Vec<(String, Dist)>,
    /// For each service, the services that need it directly, with the
    /// share of them it takes down (1 for hard needs, the impact for soft).
    service_dependants: Vec<Vec<(u32, f64)>>,
    /// For each service, every service that depends on it, directly or not:
    /// computed when first asked for (only some recovery policies ask), so
    /// that a long dependency chain does not cost its square in memory.
    transitive_dependants: Vec<OnceLock<Box<[ServiceId]>>>,
    /// For each service, the users it affects (see `users_affected`), also
    /// computed when first asked for.
    users_affected: Vec<OnceLock<u64>>,
    /// For each pool, the services deployed on it.
    pool_services: Vec<Vec<ServiceId>>,
    /// For each room, the equipment and pools in it, in id order.
    contents: Vec<Vec<ComponentId>>,
    /// For each room, the services deployed on its pools, in id order.
    room_services: Vec<Vec<ServiceId>>,
}

impl Model {
    /// Assembles the graph from components whose details are resolved, and
    /// compiles the dependants adjacency.
    pub(crate) fn new(
        components: Vec<Component>,
        services: Vec<Service>,
        teams: Vec<TeamDef>,
        policy: RecoveryOrder,
        bootstraps: Vec<Bootstrap>,
        draws: Vec<(String, Dist)>,
    ) -> Model {
        let mut graph = DiGraph::with_capacity(components.len(), components.len() * 2);
        for i in 0..components.len() {
            graph.add_node(ComponentId(i as u32));
        }
        let node = |i: u32| NodeIndex::new(i as usize);
        let mut edge = |a: u32, b: u32, r: Relation| {
            graph.add_edge(node(a), node(b), r);
        };
        for (i, c) in components.iter().enumerate() {
            let i = i as u32;
            if let Some(container) = c.container {
                edge(container.0, i, Relation::Contains);
            }
            match &c.detail {
                Detail::Room(room) => {
                    room.feeds.iter().for_each(|&f| edge(f, i, Relation::Powers));
                    room.cooling.iter().for_each(|&u| edge(u, i, Relation::Cools));
                    room.network.iter().for_each(|&n| edge(n, i, Relation::Connects));
                }
                Detail::Generator { backs_up, .. } => backs_up.iter().for_each(|&b| edge(b, i, Relation::BackedUpBy)),
                Detail::Ups { inputs, .. } | Detail::Switchboard { inputs } => {
                    inputs.iter().for_each(|&p| edge(p, i, Relation::Powers));
                }
                Detail::Cooling { power } => power.iter().for_each(|&p| edge(p, i, Relation::Powers)),
                Detail::Service(s) => {
                    let s = &services[*s as usize];
                    // Deduplicated: a service may use one pool for an active and a standby deployment.
                    let mut pools: Vec<u32> = s.deployments.iter().map(|d| d.pool.0).collect();
                    pools.sort_unstable();
                    pools.dedup();
                    pools.into_iter().for_each(|p| edge(p, i, Relation::Runs));
                    let mut needs: Vec<u32> = s.deployments.iter().flat_map(|d| d.needs.iter().map(|c| c.0)).collect();
                    needs.sort_unstable();
                    needs.dedup();
                    needs.into_iter().for_each(|n| edge(n, i, Relation::DeploymentNeeds));
                    for h in &s.hard {
                        edge(services[h.index()].component.0, i, Relation::HardDependency);
                    }
                    for (d, _) in &s.soft {
                        edge(services[d.index()].component.0, i, Relation::SoftDependency);
                    }
                }
                Detail::Pool(pool) => pool.uplinks.iter().for_each(|&l| edge(l, i, Relation::Connects)),
                Detail::Site | Detail::Utility | Detail::Link { .. } => {}
            }
        }
        let dependants = compile_dependants(&graph);
        // Strongly connected components by Kosaraju (iterative: a chain of
        // 100,000 services must not overflow the stack), in reverse
        // topological order. A component's rank is its level: one more than
        // the highest level among its inputs outside its own component, so
        // every input ranks lower except inside cycles, and the order does
        // not depend on how the algorithm happens to list components.
        let sccs = kosaraju_scc(&graph);
        let mut scc_of = vec![0usize; graph.node_count()];
        for (k, scc) in sccs.iter().enumerate() {
            for n in scc {
                scc_of[n.index()] = k;
            }
        }
        let mut level = vec![0u32; sccs.len()];
        for k in (0..sccs.len()).rev() {
            for &n in &sccs[k] {
                for input in graph.neighbors_directed(n, petgraph::Direction::Incoming) {
                    let j = scc_of[input.index()];
                    if j != k {
                        level[k] = level[k].max(level[j] + 1);
                    }
                }
            }
        }
        let rank: Vec<u32> = scc_of.iter().map(|&k| level[k]).collect();
        // Services never feed infrastructure, so a cycle is all services
        // (dependencies) or all infrastructure (a cooling unit in the hall
        // it cools, whose thermal delay breaks the loop); only the former
        // is settled as a unit. Cycles are numbered in order of their
        // members.
        let mut cycles: Vec<Vec<u32>> = sccs
            .iter()
            .filter(|scc| {
                scc.len() > 1 && scc.iter().all(|n| matches!(components[n.index()].detail, Detail::Service(_)))
            })
            .map(|scc| {
                let mut members: Vec<u32> = scc.iter().map(|n| n.index() as u32).collect();
                members.sort_unstable();
                members
            })
            .collect();
        cycles.sort_unstable();
        let mut cycle_of = vec![NO_CYCLE; graph.node_count()];
        for (c, members) in cycles.iter().enumerate() {
            for &m in members {
                cycle_of[m as usize] = c as u32;
            }
        }
        let service_dependants = direct_dependants(&components, &services);
        let transitive_dependants = (0..services.len()).map(|_| OnceLock::new()).collect();
        let users_affected = (0..services.len()).map(|_| OnceLock::new()).collect();
        let mut pool_services = vec![Vec::new(); components.len()];
        for (i, s) in services.iter().enumerate() {
            for d in &s.deployments {
                // Services come in order, so a repeat (a pool used twice by
                // one service) can only be the last entry: a pool shared by
                // 200,000 services is not searched 200,000 times.
                let list: &mut Vec<ServiceId> = &mut pool_services[d.pool.index()];
                if list.last() != Some(&ServiceId(i as u32)) {
                    list.push(ServiceId(i as u32));
                }
            }
        }
        let mut contents = vec![Vec::new(); components.len()];
        for (i, c) in components.iter().enumerate() {
            if let Some(room) = c.container
                && matches!(components[room.index()].kind, ComponentKind::Room(_))
            {
                contents[room.index()].push(ComponentId(i as u32));
            }
        }
        let room_services = contents
            .iter()
            .map(|inside| {
                let mut s: Vec<ServiceId> =
                    inside.iter().flat_map(|c| pool_services[c.index()].iter().copied()).collect();
                s.sort_unstable();
                s.dedup();
                s
            })
            .collect();
        let mut bootstrap_of = vec![None; services.len()];
        for (b, boot) in bootstraps.iter().enumerate() {
            for s in &boot.services {
                bootstrap_of[s.index()] = Some(b as u16);
            }
        }
        Model {
            graph,
            components,
            services,
            dependants,
            rank,
            cycle_of,
            cycles,
            teams,
            policy,
            bootstrap_of,
            bootstraps,
            draws,
            service_dependants,
            transitive_dependants,
            users_affected,
            pool_services,
            contents,
            room_services,
        }
    }

    /// Every component, indexed by [`ComponentId::index`].
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// One component.
    pub fn component(&self, id: ComponentId) -> &Component {
        &self.components[id.index()]
    }

    /// Every service, indexed by [`ServiceId::index`], in file order.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// One service.
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }

    /// Looks a component up by name.
    ///
    /// # Complexity
    /// O(n) in the number of components.
    pub fn find(&self, name: &str) -> Option<ComponentId> {
        self.components.iter().position(|c| c.name == name).map(|i| ComponentId(i as u32))
    }

    /// Every service that needs `s`, directly or not, in id order: as a hard
    /// or soft dependency, or for its recovery work.
    ///
    /// # Complexity
    /// The first call for a service walks what depends on it
    /// (O(E log V)); later calls return the stored answer.
    pub fn transitive_dependants(&self, s: ServiceId) -> &[ServiceId] {
        self.transitive_dependants[s.index()].get_or_init(|| self.closure(s).0)
    }

    /// The users `s` affects: its own, plus the users of every service that
    /// depends on it, directly or not, weighted by how much of that service it
    /// takes down (all of it along hard dependencies; the `impact`, multiplied
    /// along the way, through soft ones).
    ///
    /// # Complexity
    /// As [`Model::transitive_dependants`].
    pub fn users_affected(&self, s: ServiceId) -> u64 {
        *self.users_affected[s.index()].get_or_init(|| self.closure(s).1)
    }

    /// What depends on `start`, directly or not, and the users it affects:
    /// the largest product of edge weights over any path to each dependant
    /// (Dijkstra on the product: weights are at most 1, so a path never
    /// gains by growing, and each service is settled once).
    fn closure(&self, start: ServiceId) -> (Box<[ServiceId]>, u64) {
        use std::cmp::Ordering;
        use std::collections::BinaryHeap;
        #[derive(PartialEq)]
        struct Reach(f64, u32);
        impl Eq for Reach {}
        impl PartialOrd for Reach {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for Reach {
            fn cmp(&self, other: &Self) -> Ordering {
                self.0.total_cmp(&other.0).then(other.1.cmp(&self.1))
            }
        }
        let n = self.services.len();
        let start = start.index();
        let mut weight = vec![0.0f64; n];
        let mut settled = vec![false; n];
        let mut reached = vec![false; n];
        weight[start] = 1.0;
        let mut heap = BinaryHeap::from([Reach(1.0, start as u32)]);
        while let Some(Reach(w, s)) = heap.pop() {
            let s = s as usize;
            if settled[s] || w < weight[s] {
                continue;
            }
            settled[s] = true;
            for &(d, edge) in &self.service_dependants[s] {
                let d = d as usize;
                if d == start {
                    continue;
                }
                reached[d] = true;
                let through = weight[s] * edge;
                if through > weight[d] {
                    weight[d] = through;
                    heap.push(Reach(through, d as u32));
                }
            }
        }
        let all: Box<[ServiceId]> = (0..n).filter(|&d| reached[d]).map(|d| ServiceId(d as u32)).collect();
        let dependants: f64 = (0..n).filter(|&d| d != start).map(|d| self.services[d].users as f64 * weight[d]).sum();
        (all, self.services[start].users.saturating_add(dependants.round() as u64))
    }

    /// The services deployed on a pool (empty for other components).
    pub fn pool_services(&self, pool: ComponentId) -> &[ServiceId] {
        &self.pool_services[pool.index()]
    }

    /// The order the scenario's built-in recovery policy gives waiting work.
    pub fn recovery_order(&self) -> &RecoveryOrder {
        &self.policy
    }

    /// The services deployed on the pools in a room, in id order.
    pub fn room_services(&self, room: ComponentId) -> &[ServiceId] {
        &self.room_services[room.index()]
    }

    /// The servers of a pool (0 for other components).
    pub fn pool_servers(&self, c: ComponentId) -> u64 {
        match &self.components[c.index()].detail {
            Detail::Pool(p) => p.servers,
            _ => 0,
        }
    }

    /// The equipment and pools in a room, in id order (empty for other
    /// components): what a fire in the room destroys along with it.
    pub fn contents(&self, room: ComponentId) -> &[ComponentId] {
        &self.contents[room.index()]
    }

    /// What a room holds, counted by kind, for people: `2 UPS, 1 cooling
    /// unit, 3 pools (3,000 servers)`. Kinds are never added together, and
    /// servers are counted apart from the pools that hold them; the kinds
    /// come in a fixed order (power, cooling, links, pools), so the text
    /// does not depend on the order of the file. Empty for a room with
    /// nothing in it. What a fire destroys with a room is this.
    pub fn describe_contents(&self, room: ComponentId) -> String {
        const ORDER: [ComponentKind; 7] = [
            ComponentKind::Utility,
            ComponentKind::Generator,
            ComponentKind::Ups,
            ComponentKind::Switchboard,
            ComponentKind::Cooling,
            ComponentKind::Link,
            ComponentKind::Pool,
        ];
        let contents = self.contents(room);
        let mut parts = Vec::new();
        for kind in ORDER {
            let n = contents.iter().filter(|&&c| self.component(c).kind == kind).count() as u64;
            if n == 0 {
                continue;
            }
            let noun = match (kind, n) {
                (ComponentKind::Ups, _) | (_, 1) => kind.noun().to_owned(),
                _ => format!("{}s", kind.noun()),
            };
            let mut part = format!("{} {noun}", thousands(n));
            if kind == ComponentKind::Pool {
                let servers: u64 = contents.iter().map(|&c| self.pool_servers(c)).sum();
                let unit = if servers == 1 { "server" } else { "servers" };
                part.push_str(&format!(" ({} {unit})", thousands(servers)));
            }
            parts.push(part);
        }
        parts.join(", ")
    }

    /// Names of the recovery teams, in file order.
    pub fn team_names(&self) -> impl Iterator<Item = &str> {
        self.teams.iter().map(|t| t.name.as_str())
    }

    /// Looks a service up by name.
    pub fn find_service(&self, name: &str) -> Option<ServiceId> {
        self.services.iter().position(|s| s.name == name).map(|i| ServiceId(i as u32))
    }

    /// The components that must be looked at again when `id` changes, with
    /// the reason for each, in id order.
    pub fn dependants(&self, id: ComponentId) -> Vec<(ComponentId, Relation)> {
        let mut out: Vec<_> = self
            .graph
            .edges(NodeIndex::new(id.index()))
            .map(|e| (ComponentId(petgraph::visit::EdgeRef::target(&e).index() as u32), *e.weight()))
            .collect();
        out.sort_by_key(|(c, _)| *c);
        out
    }

    /// Groups of services whose hard dependencies form a cycle, each group in
    /// id order. Cycles are legal, but a cycle whose members are all down
    /// cannot start itself again (a recovery deadlock).
    ///
    /// # Complexity
    /// O(|V| + |E|) (Tarjan's strongly connected components).
    pub fn hard_dependency_cycles(&self) -> Vec<Vec<ServiceId>> {
        hard_cycles(&self.services, |_| true)
    }
}

/// Groups of `services` (those `keep` keeps) whose hard dependencies on
/// each other form a cycle, each in id order, sorted.
pub(crate) fn hard_cycles(services: &[Service], keep: impl Fn(ServiceId) -> bool) -> Vec<Vec<ServiceId>> {
    let mut g: DiGraph<(), (), u32> = DiGraph::with_capacity(services.len(), 0);
    for _ in services {
        g.add_node(());
    }
    for (i, s) in services.iter().enumerate() {
        if !keep(ServiceId(i as u32)) {
            continue;
        }
        for h in s.hard.iter().filter(|&&h| keep(h)) {
            g.add_edge(NodeIndex::new(h.index()), NodeIndex::new(i), ());
        }
    }
    let mut cycles: Vec<Vec<ServiceId>> = kosaraju_scc(&g)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut ids: Vec<_> = scc.into_iter().map(|n| ServiceId(n.index() as u32)).collect();
            ids.sort();
            ids
        })
        .collect();
    cycles.sort();
    cycles
}

/// For each service, the services that need it directly, each once with
/// the share of it that it takes down: 1 along a hard dependency, the
/// impact along a soft one (the strongest edge counts). [`Model::closure`]
/// follows these to every dependant and weights its users by the product
/// along the strongest path.
///
/// A service required by recovery work (the tooling a failover or a pool
/// restart needs) counts as a hard dependency of the services that work
/// brings back: recovering it first is what lets the others recover.
fn direct_dependants(components: &[Component], services: &[Service]) -> Vec<Vec<(u32, f64)>> {
    let n = services.len();
    // (dependant, weight of the edge)
    let mut edges: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
    let mut add = |from: usize, to: usize, w: f64| {
        if from != to {
            edges[from].push((to as u32, w));
        }
    };
    for (i, s) in services.iter().enumerate() {
        for h in &s.hard {
            add(h.index(), i, 1.0);
        }
        for (d, impact) in &s.soft {
            add(d.index(), i, *impact);
        }
        for r in s.recovery.requirements() {
            add(r.index(), i, 1.0);
        }
        for dep in &s.deployments {
            if let Detail::Pool(p) = &components[dep.pool.index()].detail
                && let Some(restart) = &p.restart
            {
                for r in &restart.work.requires {
                    add(r.index(), i, 1.0);
                }
            }
        }
    }
    // Sorted, and each dependant once with its strongest edge: a hub with
    // many dependants costs its size, not its square.
    for list in &mut edges {
        list.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        list.dedup_by_key(|e| e.0);
    }
    edges
}

fn compile_dependants(graph: &DiGraph<ComponentId, Relation, u32>) -> Csr {
    let mut offsets = Vec::with_capacity(graph.node_count() + 1);
    let mut targets = Vec::with_capacity(graph.edge_count());
    offsets.push(0);
    for n in graph.node_indices() {
        let start = targets.len();
        targets.extend(graph.neighbors(n).map(|m| m.index() as u32));
        targets[start..].sort_unstable();
        let mut row: Vec<u32> = targets.drain(start..).collect();
        row.dedup();
        targets.extend(row);
        offsets.push(targets.len() as u32);
    }
    Csr { offsets, targets }
}

/// `3048` as `3,048`: counts people read at a glance.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}
