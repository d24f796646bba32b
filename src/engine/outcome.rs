//! What a run produces: per-service outcomes, causes, deadlocks and the
//! timeline of changes. [`report`](crate::report) renders them for people
//! and programs.
//!
//! # Definitions
//! All times are offsets from t0, the start of the run (for a fire, usually
//! the ignition).
//!
//! - **first impact**: the first time the service is not up.
//! - **downtime**: total time down (serving no one).
//! - **degraded time**: total time degraded (serving some users, or missing
//!   a soft dependency).
//! - **partial recovery**: the first time, after it first went down, that the
//!   service serves users again (absent if it never went down).
//! - **full recovery**: the time it last became up, if it is up at the end of
//!   the run (absent if never impacted or still impaired at the horizon).
//! - **user-hours lost**: users x fraction unserved x hours, summed over the run.

use crate::model::State;
use crate::time::{SimDuration, SimTime};

/// How one service fared in one run.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ServiceOutcome {
    /// Service name.
    pub name: String,
    /// Daily active users.
    pub users: u64,
    /// Priority, 1 = most important.
    pub priority: u32,
    /// First time it was not up.
    pub first_impact: Option<SimTime>,
    /// Total time down.
    pub downtime: SimDuration,
    /// Total time degraded.
    pub degraded: SimDuration,
    /// First time it served users again after first going down.
    pub partial_recovery: Option<SimTime>,
    /// When it last became up, if it is up at the end of the run.
    pub full_recovery: Option<SimTime>,
    /// Users x fraction unserved x hours.
    pub user_hours_lost: f64,
    /// State at the end of the run.
    pub final_state: State,
    /// What kept it from being up, longest first (see [`Cause`]).
    pub causes: Vec<Cause>,
    /// Failovers completed.
    pub failovers: u32,
    /// The largest window of writes lost by a failover: zero with
    /// synchronous replication, the replication lag with asynchronous;
    /// `None` without a failover.
    pub data_loss: Option<SimDuration>,
    /// A failover promoted an asynchronously replicated standby: the data it
    /// serves may be stale or inconsistent.
    pub inconsistency_risk: bool,
    /// Fire destroyed every copy of its data and there was no backup: it
    /// came back (if it did) with none of it.
    pub data_lost: bool,
}

impl ServiceOutcome {
    /// The cause that kept the service from being up longest.
    pub fn main_cause(&self) -> Option<&Cause> {
        self.causes.first()
    }
}

/// Something that kept a service from being up, and for how long.
///
/// Causes are the service's immediate blocker: a dependency that is not up
/// (`dependency 'login'`), the infrastructure under its deployments traced
/// upstream to the component at fault (`UPS 'ups-b3-1': destroyed by fire`), or
/// recovery work (`failover to standby`, `manual restart of the service`,
/// `pool 'talk': servers awaiting restart by engineers`). The cause is
/// re-assessed whenever the service's inputs change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cause {
    /// The blocker, in words.
    pub cause: String,
    /// How long it held the service back.
    pub time: SimDuration,
}

/// Down services that each wait for another, so that none can recover.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deadlock {
    /// The cycle, first service repeated at the end: `["login", "tools", "login"]`.
    pub services: Vec<String>,
    /// When it formed: when the last of its waits began. A service waits on
    /// a hard dependency from when both are down (down dominates: from then
    /// on neither can come back first), and on a service its recovery work
    /// requires from when that work was found blocked while it was down.
    pub since: SimTime,
}

impl std::fmt::Display for Deadlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "recovery deadlock: {} (since {})", self.services.join(" -> "), self.since)
    }
}

/// What a fire destroyed in one room: the room's fittings and everything in
/// it, lost until replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Destruction {
    /// The room that burnt.
    pub room: String,
    /// The equipment and pools in it, destroyed with it.
    pub equipment: Vec<String>,
    /// Servers of those pools.
    pub servers: u64,
    /// When it was destroyed.
    pub at: SimTime,
    /// When it was replaced; `None` if not within the run.
    pub replaced_at: Option<SimTime>,
}

/// One change of state of one component, or one step of a fire in a room
/// (it broke out or spread there, suppression acted or failed, it is out),
/// shown with the room's state at that moment.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TimelineEntry {
    /// When.
    pub at: SimTime,
    /// The component's name.
    pub component: String,
    /// What the component is ("service", "pool", "UPS", ...).
    pub kind: &'static str,
    /// Its new state.
    pub state: State,
    /// For services, the fraction of users served; for pools, the fraction
    /// of servers working; 1 or 0 for the rest.
    pub level: f64,
    /// The event that caused the change.
    pub cause: String,
    /// For services not up: what holds them back (see [`Cause`]).
    pub blocked_by: Option<String>,
}

/// The result of one run.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// Disaster name.
    pub disaster: String,
    /// Seed of the study.
    pub seed: u64,
    /// Run index within the study.
    pub run: u64,
    /// Length of the run.
    pub horizon: SimDuration,
    /// Events processed.
    pub events: u64,
    /// One entry per service, in scenario order.
    pub services: Vec<ServiceOutcome>,
    /// Recovery deadlocks found at the end of the run.
    pub deadlocks: Vec<Deadlock>,
    /// What fires destroyed, room by room, in the order they burnt.
    pub destroyed: Vec<Destruction>,
    /// Every change of state and every step of a fire, in time order
    /// (empty unless recorded).
    pub timeline: Vec<TimelineEntry>,
}
