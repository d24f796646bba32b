//! The scenario description as written: plain data that mirrors the RON file.
//!
//! Elements refer to each other by name. Nothing here is checked yet;
//! [`Scenario::from_spec`](crate::Scenario::from_spec) validates a
//! [`ScenarioSpec`] and reports every problem with the path of the element
//! at fault. Every struct implements `Default`, so Rust code can fill in the
//! fields it needs and leave the rest:
//!
//! ```
//! use outage::scenario::spec::*;
//! let room = RoomSpec { name: "hall-1".into(), kind: RoomKind::DataHall,
//!                       feeds: vec!["ups-a".into()], ..Default::default() };
//! assert!(room.adjacent.is_empty());
//! ```

use serde::{Deserialize, Serialize};

use crate::dist::Dist;
pub use crate::model::{CutScope, Failures, Fuel, Role, RoomKind, Suppression};
use crate::objective::{Amount, Metric, Statistic};
use crate::time::SimDuration;

fn default_horizon() -> SimDuration {
    SimDuration::from_days(10)
}

fn default_thermal_delay() -> SimDuration {
    SimDuration::from_minutes(20)
}

/// How many of a list of redundant inputs are needed, when not said: one.
fn one_needed() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// A whole scenario: infrastructure, services and the disasters to replay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
pub struct ScenarioSpec {
    /// Short name, shown in reports.
    pub name: String,
    /// What the scenario represents and where its numbers come from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// How long a run lasts, from t0 (default 10 days).
    #[serde(default = "default_horizon")]
    pub horizon: SimDuration,
    /// Buildings or campuses, with their rooms.
    pub sites: Vec<SiteSpec>,
    /// Utility feeds, generators, UPS units and switchboards.
    #[serde(default)]
    pub power: Vec<PowerSpec>,
    /// Cooling units.
    #[serde(default)]
    pub cooling: Vec<CoolingSpec>,
    /// Groups of identical servers in data halls.
    #[serde(default)]
    pub pools: Vec<PoolSpec>,
    /// What users see: each service runs on pools and may depend on others.
    pub services: Vec<ServiceSpec>,
    /// The people who perform manual recovery work.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<TeamSpec>,
    /// How waiting recovery work is ordered.
    #[serde(default, skip_serializing_if = "is_default")]
    pub recovery: RecoverySpec,
    /// What-if variants of this scenario, each a list of patches
    /// (`"teams.ops.engineers=12"`), for `outage compare`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantSpec>,
    /// Many systems of one shape, expanded at load time into pools and
    /// services ("700 systems like this, grades 1-4 in these numbers").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<SystemsSpec>,
    /// Network links and equipment: WAN circuits, cable routes, providers,
    /// routers. Sites name them as `uplinks`; halls may name them as
    /// `network`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkSpec>,
    /// Named random durations, each drawn once per run and shared by every
    /// hazard timing that names it (`Shared("permit")`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub draws: Vec<DrawSpec>,
    /// Disasters to replay; a run replays one of them.
    #[serde(default)]
    pub disasters: Vec<DisasterSpec>,
    /// Resilience objectives that `outage check` verifies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objectives: Vec<ObjectiveSpec>,
}

impl Default for ScenarioSpec {
    fn default() -> Self {
        ScenarioSpec {
            name: String::new(),
            description: String::new(),
            horizon: default_horizon(),
            sites: Vec::new(),
            power: Vec::new(),
            cooling: Vec::new(),
            pools: Vec::new(),
            services: Vec::new(),
            teams: Vec::new(),
            recovery: RecoverySpec::default(),
            draws: Vec::new(),
            links: Vec::new(),
            systems: Vec::new(),
            variants: Vec::new(),
            disasters: Vec::new(),
            objectives: Vec::new(),
        }
    }
}

/// A building or campus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Site")]
pub struct SiteSpec {
    /// Unique name.
    pub name: String,
    /// Geographic region, for people reading the report.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// Who runs the building.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub owner: String,
    /// Labels a common cause can select by (a batch, a vendor, a zone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The rooms of the building.
    pub rooms: Vec<RoomSpec>,
    /// The links that connect it to its users and other sites (WAN
    /// circuits, cable routes, providers); without enough of them working,
    /// its servers keep running and serve no one. Default: always connected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uplinks: Vec<String>,
    /// How many uplinks must work (default 1).
    #[serde(default = "one_needed", skip_serializing_if = "is_one")]
    pub uplinks_needed: u32,
}

impl Default for SiteSpec {
    fn default() -> Self {
        SiteSpec {
            name: String::new(),
            region: String::new(),
            owner: String::new(),
            tags: Vec::new(),
            rooms: Vec::new(),
            uplinks: Vec::new(),
            uplinks_needed: 1,
        }
    }
}

/// A room inside a site.
///
/// A room is *live* (powered) while it is neither cut off nor destroyed, its
/// site is live and at least one of its `feeds` (or `feeds_needed`) is
/// live. A data hall must list at least one feed (validation refuses one
/// without); another room that lists none is live while its site is.
/// Equipment and servers in a room work only while the room is live. It is
/// *reachable* while at least one of its `network` rooms is live and
/// reachable (if it lists any): servers in an unreachable room keep running
/// but serve no one. When every cooling unit of a live room is lost, its
/// servers shut down `thermal_delay` later and boot again once cooling
/// returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Room")]
pub struct RoomSpec {
    /// Unique name (unique across the whole scenario).
    pub name: String,
    /// What the room is for.
    pub kind: RoomKind,
    /// Rooms a fire here can spread to (adjacency is symmetric).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjacent: Vec<String>,
    /// The fire suppression system, if any.
    #[serde(default, skip_serializing_if = "is_default")]
    pub suppression: Suppression,
    /// Power components feeding the room; any live feed powers it (A/B
    /// feeds), or `feeds_needed` of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feeds: Vec<String>,
    /// How many feeds must be live to power the room (default 1; `2` of
    /// three UPS modules is N+1).
    #[serde(default = "one_needed", skip_serializing_if = "is_one")]
    pub feeds_needed: u32,
    /// Cooling units; the room is cooled while any of them is live, or
    /// `cooling_needed` of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cooling: Vec<String>,
    /// How many cooling units must be live to cool the room (default 1;
    /// "5 of 7 chillers" is `cooling_needed: 5`).
    #[serde(default = "one_needed", skip_serializing_if = "is_one")]
    pub cooling_needed: u32,
    /// How long the room keeps running without cooling before its servers
    /// shut down for heat (default 20 minutes; ignored without `cooling`).
    #[serde(default = "default_thermal_delay")]
    pub thermal_delay: SimDuration,
    /// Network rooms; the room is reachable while any of them is live and
    /// reachable (or `network_needed` of them). Losing the network does not
    /// stop the servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network: Vec<String>,
    /// How many network rooms must serve for the room to be reachable
    /// (default 1).
    #[serde(default = "one_needed", skip_serializing_if = "is_one")]
    pub network_needed: u32,
    /// Random failures and repairs over time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Failures>,
    /// How the equipment a fire destroys here is replaced (default: not
    /// within the run).
    #[serde(default, skip_serializing_if = "is_default")]
    pub replacement: ReplacementSpec,
    /// Labels a common cause can select by (a batch, a vendor, a zone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// How the equipment a fire destroyed in a room (the room's own fittings,
/// and every UPS, switchboard, generator, cooling unit and server in it) is
/// replaced. Until then it is lost, whatever happens to the power.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Replacement")]
pub enum ReplacementSpec {
    /// Not within the run: what burns stays lost.
    #[default]
    Never,
    /// Replaced by the time a restoration stage (or the inspection, for a
    /// room in no stage) re-energises the room: the stage's delay includes
    /// the replacement.
    AtRestoration,
    /// Replaced this long after the fire is out.
    After(Dist),
    /// Ordered when the fire is out and delivered `lead_time` later (no
    /// engineer is busy meanwhile); then installed as manual work.
    Work {
        /// From the fire being out to the equipment being on site.
        lead_time: Dist,
        /// The installation.
        install: ManualSpec,
    },
}

impl Default for RoomSpec {
    fn default() -> Self {
        RoomSpec {
            name: String::new(),
            kind: RoomKind::default(),
            adjacent: Vec::new(),
            suppression: Suppression::default(),
            feeds: Vec::new(),
            feeds_needed: 1,
            cooling: Vec::new(),
            cooling_needed: 1,
            thermal_delay: default_thermal_delay(),
            network: Vec::new(),
            network_needed: 1,
            failures: None,
            replacement: ReplacementSpec::default(),
            tags: Vec::new(),
        }
    }
}

/// A component of the power chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Power")]
pub enum PowerSpec {
    /// Grid power from outside the site. Live unless cut by a hazard.
    Utility {
        /// Unique name.
        name: String,
        /// Random failures and repairs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failures: Option<Failures>,
        /// Labels a common cause can select by (a batch, a vendor, a zone).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
    },
    /// A standby generator. It starts when every component it backs up is
    /// dead, succeeds with `start_probability`, takes `start_delay` to come
    /// up, runs until `fuel` is used up, and stops when what it backs up returns.
    Generator {
        /// Unique name.
        name: String,
        /// The room it stands in.
        room: String,
        /// The components whose loss makes it start (usually utility feeds).
        backs_up: Vec<String>,
        /// Chance that a start attempt succeeds, in [0, 1]. A failed start
        /// leaves the generator unavailable until it is repaired by its
        /// `failures` process, or for the rest of the run without one.
        start_probability: f64,
        /// Time from the start signal to carrying load.
        start_delay: Dist,
        /// Run time on a full tank.
        fuel: SimDuration,
        /// Random failures and repairs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failures: Option<Failures>,
        /// Labels a common cause can select by (a batch, a vendor, a zone).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
    },
    /// An uninterruptible power supply: live while any input is live, and
    /// for up to `ride_through` on battery after the last input dies. The
    /// battery recharges fully as soon as an input returns.
    Ups {
        /// Unique name.
        name: String,
        /// The room it stands in (a fire there destroys it).
        room: String,
        /// Upstream power components; any live one keeps it on.
        inputs: Vec<String>,
        /// How many inputs must be live to keep it on (default 1).
        #[serde(default = "one_needed", skip_serializing_if = "is_one")]
        inputs_needed: u32,
        /// Battery run time at full load ("0s" for none).
        ride_through: SimDuration,
        /// Random failures and repairs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failures: Option<Failures>,
        /// Labels a common cause can select by (a batch, a vendor, a zone).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
    },
    /// A switchboard, PDU or transfer switch: live while its room is live and
    /// any input is live.
    Switchboard {
        /// Unique name.
        name: String,
        /// The room it stands in.
        room: String,
        /// Upstream power components; any live one keeps it on.
        inputs: Vec<String>,
        /// How many inputs must be live to keep it on (default 1).
        #[serde(default = "one_needed", skip_serializing_if = "is_one")]
        inputs_needed: u32,
        /// Random failures and repairs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failures: Option<Failures>,
        /// Labels a common cause can select by (a batch, a vendor, a zone).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
    },
}

impl PowerSpec {
    /// Its tags.
    pub fn tags(&self) -> &[String] {
        match self {
            PowerSpec::Utility { tags, .. }
            | PowerSpec::Generator { tags, .. }
            | PowerSpec::Ups { tags, .. }
            | PowerSpec::Switchboard { tags, .. } => tags,
        }
    }

    /// The component's name.
    pub fn name(&self) -> &str {
        match self {
            PowerSpec::Utility { name, .. }
            | PowerSpec::Generator { name, .. }
            | PowerSpec::Ups { name, .. }
            | PowerSpec::Switchboard { name, .. } => name,
        }
    }
}

/// A cooling unit (chiller, CRAH). Live while its room is live and any of its
/// power inputs is live.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Cooling")]
pub struct CoolingSpec {
    /// Unique name.
    pub name: String,
    /// The room it stands in.
    pub room: String,
    /// Power components feeding it; any live one runs it.
    pub power: Vec<String>,
    /// How many of them must be live to run it (default 1).
    #[serde(default = "one_needed", skip_serializing_if = "is_one")]
    pub power_needed: u32,
    /// Random failures and repairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Failures>,
    /// Labels a common cause can select by (a batch, a vendor, a zone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl Default for CoolingSpec {
    fn default() -> Self {
        CoolingSpec {
            name: String::new(),
            room: String::new(),
            power: Vec::new(),
            power_needed: 1,
            failures: None,
            tags: Vec::new(),
        }
    }
}

/// A group of identical servers in one data hall.
///
/// Servers stop the moment their hall goes dark. When power returns they
/// boot (one draw from `boot` for the pool); after a hard power loss each
/// server independently comes back broken with probability
/// `broken_fraction`, and broken servers return after a draw from `repair`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Pool")]
pub struct PoolSpec {
    /// Unique name.
    pub name: String,
    /// The data hall the servers are in.
    pub room: String,
    /// Number of servers.
    pub servers: u64,
    /// Time from power returning to the servers serving.
    pub boot: Dist,
    /// Chance that a server comes back broken after a hard power loss, in [0, 1].
    #[serde(default, skip_serializing_if = "is_default")]
    pub broken_fraction: f64,
    /// Time to repair the broken servers of one power loss (default 4 h).
    #[serde(default = "default_repair", skip_serializing_if = "is_default_repair")]
    pub repair: Dist,
    /// Random failures of the whole pool (a top-of-rack switch, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Failures>,
    /// Who brings the servers back after a power loss: they boot by
    /// themselves (the default), or engineers restart them in batches.
    #[serde(default, skip_serializing_if = "is_default")]
    pub restart: RestartSpec,
    /// Labels a common cause can select by (a batch, a vendor, a zone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// How a pool's servers come back after a power loss.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Restart")]
pub enum RestartSpec {
    /// Every server boots by itself as soon as power returns.
    #[default]
    Automatic,
    /// Engineers restart the servers `batch` at a time; each batch is one
    /// manual action, and its servers boot once it is done.
    Manual {
        /// Servers per batch.
        batch: u64,
        /// The work for one batch.
        work: ManualSpec,
    },
}

fn default_repair() -> Dist {
    Dist::Fixed(SimDuration::from_hours(4))
}

fn is_default_repair(d: &Dist) -> bool {
    *d == default_repair()
}

impl Default for PoolSpec {
    fn default() -> Self {
        PoolSpec {
            name: String::new(),
            room: String::new(),
            servers: 0,
            boot: Dist::Fixed(SimDuration::ZERO),
            broken_fraction: 0.0,
            repair: default_repair(),
            failures: None,
            restart: RestartSpec::default(),
            tags: Vec::new(),
        }
    }
}

/// Something users use.
///
/// A service is *down* when it has no serving capacity, when a hard
/// dependency is down, or while a hazard takes it out; *degraded* when its
/// capacity is below demand, a hard dependency is degraded or a soft
/// dependency is not up; *up* otherwise. It serves the fraction
/// `min(1, capacity / demand)` of its users, further limited by the fraction
/// its hard dependencies serve and by the `impact` of soft dependencies
/// that are not up.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Service")]
pub struct ServiceSpec {
    /// Unique name.
    pub name: String,
    /// What it is.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Daily active users, for user-hours lost.
    pub users: u64,
    /// Business priority, 1 = most important.
    #[serde(default = "default_priority")]
    pub priority: u32,
    /// Servers needed to serve all users.
    pub demand: u64,
    /// Where it runs.
    pub deployments: Vec<DeploymentSpec>,
    /// For a replicated store or a service spread over sites: how many of
    /// its deployments in use (active ones, and standbys once switched in)
    /// must have a working server for it to serve at all. With fewer it is
    /// down, not degraded (a quorum store with 1 of 3 replicas left). At
    /// most its active deployments. Default: none, capacity alone decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<u32>,
    /// Services it cannot work without.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Services it works worse without.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub soft_depends_on: Vec<SoftDependencySpec>,
    /// How traffic moves to standby deployments when active capacity is short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<FailoverSpec>,
    /// Adding servers to an activated standby that is short of capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out: Option<ScaleOutSpec>,
    /// Manual work needed before the service serves again after it has been
    /// down for lack of capacity (a redeploy, a data check). Without it, the
    /// service serves as soon as its capacity and dependencies are back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<ManualSpec>,
    /// Demand surge when the service comes back (reconnect storms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surge: Option<SurgeSpec>,
    /// How data reaches the standby deployments.
    #[serde(default, skip_serializing_if = "is_default")]
    pub replication: ReplicationSpec,
    /// Its data lives on its servers (a database, a file store): when fire
    /// destroys every server that holds a copy, the data is gone with them,
    /// and comes back only from `backup`. Implied by `backup`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub stateful: bool,
    /// The backup its data is restored from when every live copy is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<BackupSpec>,
    /// Rebuilding its capacity elsewhere (on its `Rebuild` deployment) when
    /// fire destroys the servers of all its active deployments: provision
    /// hardware (`wait`) and install the system (`duration`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebuild: Option<ManualSpec>,
    /// Labels a common cause can select by (a batch, a vendor, a zone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A service's backup: how old the last one is when it is needed (the
/// recovery point: writes since then are lost) and how long restoring it
/// takes, which grows with the data: `size_tb / tb_per_hour` (a restore
/// longer than a duration can hold never finishes within a run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Backup")]
pub struct BackupSpec {
    /// Age of the last backup at the loss (`Uniform(min: "0s", max: "1d")`
    /// for a daily backup).
    pub age: Dist,
    /// Data to restore, in terabytes.
    pub size_tb: f64,
    /// Restore speed, in terabytes per hour.
    pub tb_per_hour: f64,
}

fn default_priority() -> u32 {
    3
}

/// A share of a pool that runs a service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Deployment")]
pub struct DeploymentSpec {
    /// The pool.
    pub pool: String,
    /// How many of the pool's servers the service uses (default: all, or
    /// what `capacity` asks for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<u64>,
    /// The deployment's size as a fraction of the service's demand (0.5 =
    /// half the servers the service needs); an alternative to `servers`.
    /// The servers are counted exactly on the decimal written, rounded up
    /// (0.07 of a demand of 100 is 7 servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<f64>,
    /// Whether it carries traffic (`Active`) or waits for a failover.
    #[serde(default, skip_serializing_if = "is_default")]
    pub role: Role,
    /// Time from a failover switching to this standby until it serves: for
    /// warm standbys, starting the application; for cold ones, provisioning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<Dist>,
    /// What this deployment alone needs, at its own site: the local
    /// storage, the site's exchange, its own database replica (services
    /// not down, infrastructure working). Without it the deployment
    /// carries nothing, while the service's other deployments go on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// How a service fails over to its standby deployments.
///
/// A failover starts when the service's active capacity falls below its
/// demand and it has standbys not yet in use; it is called off if the
/// active capacity comes back first. When it completes, every standby of
/// the service is switched in and stays in use for the rest of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Failover")]
pub enum FailoverSpec {
    /// Detected and switched by machines. While any service in `requires`
    /// (the traffic switch, say) is down it cannot happen: the `otherwise`
    /// manual procedure is used instead, or, without one, it waits.
    Automatic {
        /// Time to notice the loss.
        detection: Dist,
        /// Time to move traffic once noticed.
        switch: Dist,
        /// Services the automatic path needs.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        requires: Vec<String>,
        /// The manual procedure used when the automatic path is unavailable.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        otherwise: Option<ManualSpec>,
    },
    /// An engineer follows a runbook.
    Manual(ManualSpec),
}

/// A piece of manual recovery work.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Manual")]
pub struct ManualSpec {
    /// The team whose engineer does it; none: it needs no engineer of ours
    /// (a vendor's own crew, a process that runs by itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Waiting before the work can start, with no engineer busy: a decision
    /// or approval, procurement lead time, a vendor on the way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<Dist>,
    /// How long it takes (and occupies the engineer, with a team).
    pub duration: Dist,
    /// Services the work needs (operations tooling, the deploy system, login).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// What happens while a required service is down.
    #[serde(default, skip_serializing_if = "is_default")]
    pub without_requirements: Fallback,
}

/// What manual work does while a service it requires is down.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Fallback")]
pub enum Fallback {
    /// Wait until every required service is up again.
    #[default]
    Wait,
    /// Go ahead the slow way (by hand, without the tools), taking this long.
    Slower(Dist),
}

/// Adding capacity to a service's standby deployments after a failover.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "ScaleOut")]
pub struct ScaleOutSpec {
    /// Servers added per hour of an engineer's work.
    pub rate: f64,
    /// Servers added by one piece of work (default: one hour's worth; at
    /// most 1,000,000,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
    /// The team doing it.
    pub team: String,
    /// Services it needs (the deploy system, say); it waits while one is down.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
}

/// A demand surge when a service returns from being down.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Surge")]
pub struct SurgeSpec {
    /// Demand multiplier during the surge (1.5 = 50% more load): 1 or
    /// more, and the demand times it a finite number.
    pub factor: f64,
    /// How long the surge lasts.
    pub duration: Dist,
}

/// How a service's data reaches its standby deployments.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Replication")]
pub enum ReplicationSpec {
    /// Every write is on the standby before it is acknowledged: no loss.
    #[default]
    Synchronous,
    /// Writes reach the standby after a lag; a failover loses the writes of
    /// the lag window and risks inconsistency.
    Asynchronous {
        /// The replication lag at the moment of failover.
        lag: Dist,
    },
}

/// A team of engineers for manual recovery work.
///
/// A team is called when the incident starts (the first time any service is
/// impacted), or as its `called` says. `on_call` engineers can start at
/// once; the others each arrive after a draw from `arrival`; an
/// `escalation` adds more after a delay.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Team")]
pub struct TeamSpec {
    /// Unique team name.
    pub name: String,
    /// How many engineers it has in all.
    pub engineers: u32,
    /// How many of them are available immediately.
    #[serde(default)]
    pub on_call: u32,
    /// Time from the call-out (the first impact on any service) to each other
    /// engineer being ready to work.
    #[serde(default = "zero_dist", skip_serializing_if = "is_zero_dist")]
    pub arrival: Dist,
    /// Work and rest periods; without them engineers work without a break.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shifts: Option<ShiftSpec>,
    /// When the team is called (default: at the first impact).
    #[serde(default, skip_serializing_if = "is_default")]
    pub called: CallSpec,
    /// More engineers who join after a delay from the call-out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<EscalationSpec>,
}

/// When a team is called out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Call")]
pub enum CallSpec {
    /// When the first service is impacted, or work is queued for it.
    #[default]
    FirstImpact,
    /// At a time from t0 (a vendor contracted for the third day), which may
    /// be a shared draw.
    At(Dist),
    /// Once every named element works, from the first impact on: power
    /// back in a hall (`["hall-a"]`), the site handed back, a service up.
    /// Work for it waits until then.
    When(Vec<String>),
}

/// Engineers who join a team after a delay: an escalation, a second shift
/// called from home, a vendor's reinforcements.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Escalation")]
pub struct EscalationSpec {
    /// From the team's call-out to their arrival.
    pub after: Dist,
    /// How many join.
    pub engineers: u32,
}

/// A team's rota: each engineer is on site for `work` (working or waiting
/// for work), then away for `rest`, and so on.
///
/// An engineer's first shift starts when they arrive (on-call engineers:
/// when the team is called). When a shift ends, a free engineer leaves to
/// rest at once; a busy one finishes the task in hand, then rests for the
/// full `rest`. Waiting counts as being on shift: engineers who wait hours
/// for power rest on schedule, and are back for later shifts.
///
/// With `staggered: true`, the engineers are spread evenly over the
/// work-and-rest cycle so that some are always on shift: engineer `k` of `n`
/// (in team order) starts `k/n` of the way through the cycle, so with equal
/// work and rest, half the team rests while the other half works.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Shifts")]
pub struct ShiftSpec {
    /// Time on site before resting (finishing the task in hand first).
    pub work: SimDuration,
    /// Time an engineer rests before working again.
    pub rest: SimDuration,
    /// Spread the engineers over the cycle instead of starting them together.
    #[serde(default, skip_serializing_if = "is_default")]
    pub staggered: bool,
}

/// Scenario-wide recovery: how waiting work is ordered, and how services
/// that depend on each other are started from cold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Recovery")]
pub struct RecoverySpec {
    /// Which waiting action gets the next free engineer.
    #[serde(default)]
    pub policy: PolicySpec,
    /// Cold-start procedures for hard-dependency cycles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bootstraps: Vec<BootstrapSpec>,
}

/// A cold-start procedure: manual work that brings up services that
/// hard-depend on each other, together. Without one, a cycle whose members
/// are all down stays down (down dominates): each waits for another.
///
/// ```ron
/// recovery: (bootstraps: [
///     Bootstrap(services: ["auth", "user-db"],
///               work: (team: "ops", duration: Fixed("45m"), requires: ["console"])),
/// ]),
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Bootstrap")]
pub struct BootstrapSpec {
    /// The services it starts without waiting for each other: all in one
    /// hard-dependency cycle, enough of them to break every loop of it.
    pub services: Vec<String>,
    /// The work: an engineer of a team, for a duration, maybe needing
    /// tooling (`requires`).
    pub work: ManualSpec,
}

/// Which waiting action gets the next free engineer. Ties go to the action
/// queued first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum PolicySpec {
    /// The most important service first (priority 1 before 2).
    #[default]
    ByPriority,
    /// The service with the most users first (Kakao's stated policy).
    ByUsers,
    /// What other down services need first: the action whose service the
    /// most impaired services depend on, directly or not.
    ByDependencyOrder,
    /// In the order of this list of services; unlisted ones last.
    Explicit(Vec<String>),
}

/// A dependency that degrades a service instead of taking it down.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "SoftDependency")]
pub struct SoftDependencySpec {
    /// The service depended on.
    pub service: String,
    /// Fraction of users affected while it is down, in [0, 1].
    #[serde(default)]
    pub impact: f64,
}

/// A what-if variant of the scenario: the baseline with some patches
/// (see [`Patch`](crate::scenario::Patch)), such as
/// `"teams.ops.engineers=12"` or
/// `r#"services.ops-tools.deployments+=(pool: "tools-b", role: HotStandby)"#`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Variant")]
pub struct VariantSpec {
    /// Its name, for `outage compare --variants`.
    pub name: String,
    /// What it changes, for people.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The patches, applied in order to the baseline.
    pub set: Vec<String>,
}

/// Many systems of one shape: `count` systems named `<name>-001`,
/// `<name>-002`, ..., each with its own copy of `pools` and `services`, in
/// which every `{system}` in a name or reference is replaced by the
/// system's name. `grades` split the systems, in order, into groups with
/// their own priority and users.
///
/// ```ron
/// systems: [Systems(name: "app", count: 700,
///     pools: [Pool(name: "{system}", room: "hall-b", servers: 4, boot: Fixed("10m"))],
///     services: [Service(name: "{system}", users: 1000, demand: 4,
///                        deployments: [(pool: "{system}")], depends_on: ["auth"])],
///     grades: [Grade(count: 20, priority: 1, users: 1000000), Grade(count: 680, priority: 3)],
/// )],
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Systems")]
pub struct SystemsSpec {
    /// The prefix of the systems' names.
    pub name: String,
    /// How many systems.
    pub count: u32,
    /// The pools of each system.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pools: Vec<PoolSpec>,
    /// The services of each system.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceSpec>,
    /// Consecutive groups of the systems with their own priority and users;
    /// their counts add up to `count` (none: every system as written).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<GradeSpec>,
}

/// A group of systems of a [`SystemsSpec`] and what sets them apart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Grade")]
pub struct GradeSpec {
    /// How many of the systems, in order.
    pub count: u32,
    /// Their services' priority (default: as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// Their services' users (default: as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u64>,
}

/// A network link or piece of network equipment: a WAN circuit, a cable
/// route through a tunnel, a provider, a core router. It works while it is
/// not out, failed or destroyed, and, if it stands in a room, while the room
/// has power; after a power loss (not after an outage or a repair) it boots
/// for `boot` before it works again.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Link")]
pub struct LinkSpec {
    /// Unique name.
    pub name: String,
    /// The room its equipment (or its cable route) is in: a fire there
    /// destroys it, a power loss there stops it. None: outside any site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Time to come back after its room's power returns (routers booting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot: Option<Dist>,
    /// Random failures and repairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Failures>,
    /// Labels a common cause can select by (a provider, a cable route).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A random duration drawn once per run and shared by every hazard timing
/// that names it: two zones re-powered together under one permit, two halls
/// restarted when one chiller plant returns.
///
/// ```ron
/// draws: [Draw(name: "permit", dist: Uniform(min: "2h", max: "8h"))],
/// // ... then, in two hazards: duration: Shared("permit")
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Draw")]
pub struct DrawSpec {
    /// The name hazards refer to with `Shared("name")`.
    pub name: String,
    /// How it is distributed.
    pub dist: Dist,
}

/// A named disaster: one or more hazards on a shared clock (t0 = 0s), or,
/// with `each_site`, one disaster per site ("lose any one site").
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Disaster")]
pub struct DisasterSpec {
    /// Unique name, used to pick it on the command line.
    pub name: String,
    /// What happens.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The hazards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hazards: Vec<HazardSpec>,
    /// Instead of hazards: lose one site. Expands into one disaster per site,
    /// named `<name>: <site>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each_site: Option<SiteLossSpec>,
}

/// Losing a whole site (a building fire, a regional grid failure).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "SiteLoss")]
pub struct SiteLossSpec {
    /// The sites to lose, one at a time (default: every site).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<String>,
    /// When the site is lost, from t0.
    #[serde(default)]
    pub at: SimDuration,
    /// How long; absent means until the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Dist>,
}

/// A resilience objective: "KakaoTalk messaging: p95 downtime at most 30 min
/// after losing any one site". Checked by `outage check` over Monte Carlo
/// runs, per service and per disaster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Objective")]
pub struct ObjectiveSpec {
    /// A label for reports (default: made from the other fields).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The service, or `"*"` for every service (each checked on its own).
    pub service: String,
    /// What is measured in each run.
    pub metric: Metric,
    /// How runs are summarised.
    pub statistic: Statistic,
    /// The statistic must not exceed this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<Amount>,
    /// The statistic must reach at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<Amount>,
    /// Disasters it applies to (default: all; a site-loss name covers each site).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disasters: Vec<String>,
}

/// Something that goes wrong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Hazard")]
pub enum HazardSpec {
    /// A fire that starts in a room. See [`FireSpec`] for the sequence.
    Fire(FireSpec),
    /// A scripted outage of one element: a utility cut, a site lost, a room
    /// or UPS switched off, a generator that will not run, a cooling unit
    /// failing, a pool or service taken out. The target is off from `at`
    /// for `duration` (for the rest of the run without one).
    Outage {
        /// Name of any site, room, power component, cooling unit, pool or service.
        target: String,
        /// When it starts, from t0 (plus `delay`).
        at: SimDuration,
        /// A random wait after `at` before it starts: when it happens is not
        /// known in advance (`Uniform(min: "0s", max: "6h")`), or is shared
        /// with other hazards (`Shared("storm")`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delay: Option<Dist>,
        /// How long it lasts; absent means until the end of the run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration: Option<Dist>,
        /// The chance that it happens at all in a run (default 1).
        #[serde(default = "certain", skip_serializing_if = "is_certain")]
        probability: f64,
    },
    /// One event that hits many elements at once, chosen by what they have
    /// in common: everything in a region, every battery of a batch, every
    /// zone behind one control plane. Each element chosen is out from the
    /// same moment (`at` plus one draw of `delay`), each with `probability`,
    /// for `duration` (one draw each; `Shared(..)` for one for all).
    CommonCause {
        /// A label for the timeline ("UPS batch 7 recall").
        #[serde(default, skip_serializing_if = "String::is_empty")]
        name: String,
        /// Which elements it hits.
        select: SelectSpec,
        /// When it strikes, from t0 (plus `delay`).
        at: SimDuration,
        /// A random wait after `at`, the same for every element.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delay: Option<Dist>,
        /// How long each element is out; absent means until the end of the run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration: Option<Dist>,
        /// The chance that each element chosen is hit, independently (default 1).
        #[serde(default = "certain", skip_serializing_if = "is_certain")]
        probability: f64,
    },
}

fn certain() -> f64 {
    1.0
}

fn is_certain(p: &f64) -> bool {
    *p == 1.0
}

/// Which elements a common cause hits: every element that matches all the
/// criteria given (at least one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Select")]
pub struct SelectSpec {
    /// In a site of this region (sites, rooms and what is in them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// In one of these sites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<String>,
    /// Of one of these kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<ElementKind>,
    /// Carrying every one of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// The kinds of element a common cause can select.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ElementKind {
    /// Sites.
    Site,
    /// Rooms of any kind.
    Room,
    /// Utility feeds.
    Utility,
    /// Generators.
    Generator,
    /// UPS units.
    Ups,
    /// Switchboards.
    Switchboard,
    /// Cooling units.
    Cooling,
    /// Server pools.
    Pool,
    /// Services.
    Service,
    /// Network links and equipment.
    Link,
}

/// A fire, from ignition to the last room re-energised.
///
/// 1. At `at` the fire starts in `room`.
/// 2. `damage_after` a room caught fire, if it still burns, the fire
///    destroys the room's fittings and everything in it (power equipment,
///    cooling units, the servers of its pools). Destroyed equipment stays
///    lost, whatever happens to the power, until it is replaced as the
///    room's [`replacement`](RoomSpec::replacement) says (by default, not
///    within the run).
/// 3. The room's suppression system acts (see [`Suppression`]); a success puts
///    out the fire in that room before it spreads further.
/// 4. With `spread`, the fire reaches each adjacent room with
///    `spread.probability`, `spread.after` the neighbour caught fire.
/// 5. With `power_cut`, the authorities cut power `power_cut.after` the
///    ignition, to the burning rooms or the whole site.
/// 6. The fire is out `extinguished_after` the ignition (or earlier, when
///    suppression has put it out in every room).
/// 7. Restoration: after `restoration.inspection`, every room the
///    authorities cut and not named in a stage (nor in `never`) is
///    re-energised; then each stage follows the previous one after its own
///    delay, not before its `at` (from t0), and once everything in its
///    `waits_for` works. Rooms in `never` stay cut. Re-energising a
///    room does not bring back what burnt in it, unless the room's
///    replacement is [`AtRestoration`](ReplacementSpec::AtRestoration).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Fire")]
pub struct FireSpec {
    /// The room where it starts.
    pub room: String,
    /// When it starts, from t0 (plus `delay`).
    pub at: SimDuration,
    /// A random wait after `at` before it starts (see the outage's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Dist>,
    /// What burns.
    #[serde(default)]
    pub fuel: Fuel,
    /// Time from a room catching fire to its equipment failing.
    #[serde(default = "zero_dist", skip_serializing_if = "is_zero_dist")]
    pub damage_after: Dist,
    /// Spread to adjacent rooms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<SpreadSpec>,
    /// An authority-ordered power cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_cut: Option<PowerCutSpec>,
    /// Time from ignition to the fire being out.
    pub extinguished_after: Dist,
    /// How power comes back after the fire.
    #[serde(default)]
    pub restoration: RestorationSpec,
}

fn zero_dist() -> Dist {
    Dist::Fixed(SimDuration::ZERO)
}

fn is_zero_dist(d: &Dist) -> bool {
    *d == zero_dist()
}

impl Default for FireSpec {
    fn default() -> Self {
        FireSpec {
            room: String::new(),
            at: SimDuration::ZERO,
            delay: None,
            fuel: Fuel::default(),
            damage_after: zero_dist(),
            spread: None,
            power_cut: None,
            extinguished_after: Dist::Fixed(SimDuration::from_hours(1)),
            restoration: RestorationSpec::default(),
        }
    }
}

/// How a fire spreads to adjacent rooms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Spread")]
pub struct SpreadSpec {
    /// Time from a room catching fire to a neighbour catching fire.
    pub after: Dist,
    /// Chance that a given neighbour catches fire, in [0, 1].
    #[serde(default = "one")]
    pub probability: f64,
}

fn one() -> f64 {
    1.0
}

/// A power cut ordered by the fire service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "PowerCut")]
pub struct PowerCutSpec {
    /// What is cut.
    pub scope: CutScope,
    /// Time from ignition to the cut.
    pub after: Dist,
}

/// Staged power restoration after a fire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Restoration")]
pub struct RestorationSpec {
    /// Time from the fire being out to the first rooms (those not named in
    /// any stage) being re-energised.
    #[serde(default = "zero_dist")]
    pub inspection: Dist,
    /// Later stages, each after the previous one.
    #[serde(default)]
    pub stages: Vec<StageSpec>,
    /// Rooms the authorities cut that are never re-energised within the run
    /// (burnt out, abandoned).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub never: Vec<String>,
}

impl Default for RestorationSpec {
    fn default() -> Self {
        RestorationSpec { inspection: zero_dist(), stages: Vec::new(), never: Vec::new() }
    }
}

/// One stage of restoration. It is due `after` the previous stage (or the
/// inspection), and not before `at` (from t0) when given; once due, it
/// waits until everything in `waits_for` works (cooling back, a service up).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Stage")]
pub struct StageSpec {
    /// Rooms re-energised in this stage (and their burnt equipment replaced,
    /// for rooms whose replacement is `AtRestoration`).
    pub rooms: Vec<String>,
    /// Time from the previous stage (or the inspection) to this one.
    #[serde(default = "zero_dist", skip_serializing_if = "is_zero_dist")]
    pub after: Dist,
    /// Not before this time from t0 (a date set in advance: the permit's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Dist>,
    /// Elements that must work first: infrastructure live (a cooling unit,
    /// a room), a service not down. Not an element that can only work once
    /// this stage or a later one is done (a chiller in a room this stage
    /// re-energises, a hall whose only feed stands in a later stage's
    /// room): the stage would wait forever, and is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waits_for: Vec<String>,
}
