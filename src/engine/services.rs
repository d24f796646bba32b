//! Services: capacity, dependencies, failover, restarts, surges, and why a
//! service is impaired.

use super::cycle::{self, CycleEquations};
use super::dispatch::Task;
use super::infra::Why;
use super::outcome::{Cause, ServiceOutcome};
use super::tally::{Numbers, ServiceTally};
use super::{Event, Simulation};
use crate::model::{ComponentId, Detail, FailoverDef, Model, Role, Service, ServiceId, State};
use crate::time::{SimDuration, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FailoverPhase {
    Idle,
    /// Automatic: waiting for detection.
    Detecting,
    /// Automatic: switching traffic.
    Switching,
    /// Automatic, but a required service is down and there is no manual
    /// procedure: waiting for it.
    WaitingForRequirements,
    /// A manual failover action is queued or in progress.
    Manual,
    Done,
}

impl FailoverPhase {
    pub(super) fn in_progress(self) -> bool {
        !matches!(self, FailoverPhase::Idle | FailoverPhase::Done)
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct DeploymentRun {
    /// Switched in by a failover (always true for active deployments).
    pub(super) activated: bool,
    /// Carrying traffic: active, or activated and warmed up.
    pub(super) serving: bool,
    /// Servers added by scale-out.
    pub(super) extra: u64,
}

/// What keeps a service from being up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Blocker {
    /// A scripted outage of the service itself.
    Outage,
    /// A dependency that is not up.
    Dependency(ServiceId),
    /// Infrastructure under the service's deployments, and why.
    Infrastructure(ComponentId, Why),
    /// A failover in progress, and where it stands.
    Failover(Option<Step>),
    /// A manual restart of the service.
    Restart(Option<Step>),
    /// Adding capacity to the standbys.
    ScaleOut(Option<Step>),
    /// A demand surge above capacity.
    Surge,
    /// Down with services it hard-depends on in a cycle, each waiting for
    /// another, and no bootstrap to start them (a recovery deadlock).
    Deadlock,
    /// Down with services it hard-depends on in a cycle, waiting for the
    /// cycle's bootstrap.
    Bootstrap(Option<Step>),
    /// Its data burnt; restoring it from backup.
    DataRestore(Option<Step>),
    /// Its active servers burnt; rebuilding its capacity elsewhere.
    Rebuild(Option<Step>),
}

/// Where the recovery work that holds a service stands: what it waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// An automatic failover detecting the failure.
    Detecting,
    /// An automatic failover switching traffic.
    Switching,
    /// Switched over; the standby is warming up.
    WarmingUp,
    /// In its wait before it can start (a decision, an approval, a delivery).
    Delay,
    /// Waiting for an engineer of this team.
    Engineer(u16),
    /// Waiting for this required service, which is down.
    Requires(ServiceId),
    /// Under way.
    InProgress,
    /// Under way the slow way, without this required service.
    Slowed(ServiceId),
}

impl Step {
    fn describe(self, model: &Model) -> String {
        match self {
            Step::Detecting => "detecting the failure".to_owned(),
            Step::Switching => "switching traffic".to_owned(),
            Step::WarmingUp => "standby warming up".to_owned(),
            Step::Delay => "waiting before the work can start".to_owned(),
            Step::Engineer(t) => format!("waiting for an engineer of team '{}'", model.teams[t as usize].name),
            Step::Requires(s) => format!("waiting for service '{}'", model.service(s).name),
            Step::InProgress => "in progress".to_owned(),
            Step::Slowed(s) => format!("in progress the slow way, without service '{}'", model.service(s).name),
        }
    }
}

impl Blocker {
    pub(crate) fn describe(self, model: &Model) -> String {
        let (what, step) = match self {
            Blocker::Outage => return "outage of the service".to_owned(),
            Blocker::Dependency(d) => return format!("dependency '{}'", model.service(d).name),
            Blocker::Infrastructure(c, why) => {
                let c = model.component(c);
                return format!("{} '{}': {}", c.kind.noun(), c.name, why.describe());
            }
            Blocker::Surge => return "demand surge".to_owned(),
            Blocker::Deadlock => return "recovery deadlock: a dependency cycle, all down".to_owned(),
            Blocker::Failover(step) => ("failover to standby", step),
            Blocker::Restart(step) => ("manual restart of the service", step),
            Blocker::ScaleOut(step) => ("standby short of capacity, scale-out", step),
            Blocker::Bootstrap(step) => ("bootstrap of its dependency cycle", step),
            Blocker::DataRestore(step) => ("data destroyed by fire, restoring from backup", step),
            Blocker::Rebuild(step) => ("servers destroyed by fire, rebuilding elsewhere", step),
        };
        match step {
            Some(step) => format!("{what}: {}", step.describe(model)),
            None => what.to_owned(),
        }
    }
}

/// No work queued (a slot index no action has).
const NO_SLOT: u32 = u32::MAX;

/// The slots of the recovery work queued for a service, for blame.
#[derive(Clone, Copy, Debug)]
struct WorkSlots {
    failover: u32,
    restart: u32,
    scale_out: u32,
    restore: u32,
    rebuild: u32,
}

const NO_WORK: WorkSlots =
    WorkSlots { failover: NO_SLOT, restart: NO_SLOT, scale_out: NO_SLOT, restore: NO_SLOT, rebuild: NO_SLOT };

/// What a service has to work with, apart from its dependencies.
#[derive(Clone, Copy, Debug)]
pub(super) struct Inputs {
    /// Serving capacity in servers (zero while a restart is pending).
    capacity: f64,
    /// Capacity before a pending restart is taken into account.
    raw: f64,
    demand: f64,
    /// Demand multiplier of a surge in progress.
    factor: f64,
    /// A scripted outage of the service itself.
    out: bool,
}

/// A service's level and why it is impaired.
#[derive(Clone, Copy, Debug)]
pub(super) struct Value {
    state: State,
    served: f64,
    hard_down: Option<ServiceId>,
    hard_impaired: Option<ServiceId>,
    soft_impaired: Option<ServiceId>,
}

/// A service's state during a run.
#[derive(Clone, Debug)]
pub(super) struct ServiceRun {
    tally: ServiceTally,
    pub(super) deployments: Vec<DeploymentRun>,
    pub(super) failover: FailoverPhase,
    /// Fire destroyed every server holding its data; it serves again only
    /// once the data is restored from backup (or comes back empty).
    data_destroyed: bool,
    /// A restore from backup is queued or under way.
    restore_queued: bool,
    /// Its whole data set was lost with no backup to restore.
    data_lost: bool,
    /// Fire destroyed its active servers: its rebuild is queued or under
    /// way (true until done).
    rebuild_pending: bool,
    /// Its rebuild is done: it is not rebuilt twice in a run.
    rebuilt: bool,
    /// Bumped when a failover starts or is called off, so stale events are ignored.
    pub(super) failover_epoch: u32,
    pub(super) needs_restart: bool,
    /// Whether it had any capacity at the last evaluation (a crash is the
    /// moment it loses the last of it).
    had_capacity: bool,
    /// Bumped at every crash, so that a restart begun before a later crash
    /// does not count.
    pub(super) crash_epoch: u32,
    pub(super) restart_queued: bool,
    pub(super) scale_queued: bool,
    pub(super) surge_until: Option<SimTime>,
    pub(super) failovers: u32,
    pub(super) data_loss: Option<SimDuration>,
    pub(super) inconsistency_risk: bool,
    /// Capacity before a pending restart is taken into account.
    pub(super) raw_capacity: f64,
    /// The latest time it went down.
    pub(super) down_since: SimTime,
    /// Since when it has been held in a recovery deadlock: down, its own
    /// inputs would let it serve, and it waits (through services it
    /// hard-depends on in its cycle, each held the same way) on a loop of
    /// such services. One held by a service that waits for its own inputs
    /// is not (yet) in a deadlock.
    held_since: Option<SimTime>,
    /// A bootstrap has started it: down dominates no longer holds it, and
    /// it comes back as soon as its own inputs allow. Cleared once it is.
    cold_started: bool,
    blocker: Option<Blocker>,
    blocker_since: SimTime,
    /// Time held by each blocker, in order of first appearance.
    blame: Vec<(Blocker, SimDuration)>,
    /// Since when it has been down with servers to serve on, held by a hard
    /// dependency that is down: from then on it waits for that dependency
    /// (a wait in a recovery deadlock).
    waits_since: Option<SimTime>,
    /// Where its recovery work was queued.
    slots: WorkSlots,
}

impl ServiceRun {
    /// How much more than its usual demand the service draws: its surge
    /// factor while a surge lasts, 1 otherwise.
    pub(super) fn surge_factor(&self, def: &Service) -> f64 {
        match (&def.recovery.surge, self.surge_until) {
            (Some(sg), Some(_)) => sg.factor,
            _ => 1.0,
        }
    }

    pub(super) fn new(def: &Service) -> ServiceRun {
        ServiceRun {
            deployments: def
                .deployments
                .iter()
                .map(|d| {
                    let active = d.role == Role::Active;
                    DeploymentRun { activated: active, serving: active, extra: 0 }
                })
                .collect(),
            ..ServiceRun::new_without_deployments(def)
        }
    }

    fn new_without_deployments(def: &Service) -> ServiceRun {
        ServiceRun {
            tally: ServiceTally::new(),
            deployments: Vec::new(),
            failover: FailoverPhase::Idle,
            failover_epoch: 0,
            needs_restart: false,
            had_capacity: true,
            crash_epoch: 0,
            restart_queued: false,
            scale_queued: false,
            surge_until: None,
            failovers: 0,
            data_loss: None,
            inconsistency_risk: false,
            data_destroyed: false,
            restore_queued: false,
            data_lost: false,
            rebuild_pending: false,
            rebuilt: false,
            raw_capacity: def.demand as f64,
            down_since: SimTime::ZERO,
            held_since: None,
            cold_started: false,
            blocker: None,
            blocker_since: SimTime::ZERO,
            blame: Vec::new(),
            waits_since: None,
            slots: NO_WORK,
        }
    }

    /// Back to the start of a run, keeping the allocations.
    pub(super) fn reset(&mut self, def: &Service) {
        let mut deployments = std::mem::take(&mut self.deployments);
        let mut blame = std::mem::take(&mut self.blame);
        deployments.clear();
        deployments.extend(def.deployments.iter().map(|d| {
            let active = d.role == Role::Active;
            DeploymentRun { activated: active, serving: active, extra: 0 }
        }));
        blame.clear();
        *self = ServiceRun { deployments, blame, ..ServiceRun::new_without_deployments(def) };
    }

    /// Starts the totals from the settled initial state.
    fn start_tally(&mut self, state: State, served: f64) {
        self.tally = ServiceTally::new();
        if state != State::Up {
            self.tally.change(SimTime::ZERO, state, served);
        }
    }

    fn set_blocker(&mut self, now: SimTime, blocker: Option<Blocker>) {
        if self.blocker == blocker {
            return;
        }
        self.close_blame(now);
        self.blocker = blocker;
        self.blocker_since = now;
    }

    fn close_blame(&mut self, now: SimTime) {
        if let Some(b) = self.blocker {
            let held = now - self.blocker_since;
            match self.blame.iter_mut().find(|(x, _)| *x == b) {
                Some((_, total)) => *total += held,
                None => self.blame.push((b, held)),
            }
        }
        self.blocker_since = now;
    }

    /// The run's numbers, without names or causes (for Monte Carlo).
    fn numbers(&self, horizon: SimTime, def: &Service) -> Numbers {
        self.tally.numbers(horizon, def.users, self.data_loss).0
    }

    fn finish(&mut self, horizon: SimTime, def: &Service, model: &Model) -> ServiceOutcome {
        self.close_blame(horizon);
        let mut o = self.tally.finish(horizon, &def.name, def.users, def.priority);
        // Causes that held it for no time are left out, unless they are all
        // there is: a service impacted for an instant (a zero-length outage)
        // still says why.
        let lasting = self.blame.iter().any(|(_, t)| !t.is_zero());
        let keep_instants = !lasting && o.first_impact.is_some();
        let mut causes: Vec<Cause> = self
            .blame
            .iter()
            .filter(|(_, t)| !t.is_zero() || keep_instants)
            .map(|(b, t)| Cause { cause: b.describe(model), time: *t })
            .collect();
        // Longest first; ties keep the order of first appearance (stable sort).
        causes.sort_by_key(|c| std::cmp::Reverse(c.time));
        o.causes = causes;
        o.failovers = self.failovers;
        o.data_loss = self.data_loss;
        o.inconsistency_risk = self.inconsistency_risk;
        o.data_lost = self.data_lost;
        o
    }
}

/// Every service during a run, as a struct of arrays indexed by service id:
/// the state slice is what recovery policies read, lent to them as it is.
#[derive(Default)]
pub(super) struct Services {
    /// Each service's state.
    state: Vec<State>,
    /// Each service's fraction of users served.
    served: Vec<f64>,
    /// Each service's recovery bookkeeping and totals.
    runs: Vec<ServiceRun>,
    /// Set when a service changes state, so that waiting work is re-checked.
    changed: bool,
    /// Scratch space for settling a dependency cycle, kept across events.
    cycle: CycleScratch,
    /// Each bootstrap: whether it is wanted now, and whether it is queued.
    bootstraps: Vec<BootstrapRun>,
    /// Something may have closed a cycle of waits (a service held down by
    /// its dependency cycle, work blocked on a requirement): look for new
    /// recovery deadlocks once the event has settled.
    pub(super) deadlock_check_due: bool,
    /// The members (sorted) of each deadlock already written to the timeline.
    pub(super) reported_deadlocks: Vec<Vec<usize>>,
    /// Services whose automatic failover waits for its requirements, in id
    /// order (some may have stopped waiting since: checked when read), so
    /// that a change looks at these, not at every service.
    pub(super) waiting_switch: std::collections::BTreeSet<u32>,
}

/// A bootstrap during a run.
#[derive(Clone, Copy, Debug)]
struct BootstrapRun {
    /// Some member is held down by the cycle alone, and every member that
    /// is held down could serve on its own inputs: starting them now works.
    wanted: bool,
    queued: bool,
    /// Where its work was queued, for blame.
    slot: u32,
}

/// Buffers for [`Simulation::evaluate_cycle`], reused so that settling a
/// cycle allocates nothing.
#[derive(Default)]
struct CycleScratch {
    members: Vec<usize>,
    inputs: Vec<Inputs>,
    /// Whether each stuck member's own inputs would let it serve, were the
    /// other members up (false for members that are not stuck).
    own_ok: Vec<bool>,
    stuck: Vec<bool>,
    values: Vec<Value>,
    /// The cycle's equations, their solution and the solver's buffers.
    equations: CycleEquations,
    levels: Vec<f64>,
    solver: cycle::Scratch,
    /// Members' states while impairment spreads round the cycle.
    states: Vec<State>,
    /// Members held in a recovery deadlock.
    held: Vec<bool>,
    counts: Vec<u32>,
    /// Each member's dependants in the cycle:
    /// `dependants[dependants_start[j]..dependants_start[j + 1]]`.
    dependants_start: Vec<u32>,
    dependants: Vec<u32>,
    queue: Vec<u32>,
}

impl Services {
    /// Every service up, keeping the allocations.
    pub(super) fn reset(&mut self, model: &Model) {
        let n = model.services.len();
        self.state.clear();
        self.state.resize(n, State::Up);
        self.served.clear();
        self.served.resize(n, 1.0);
        if self.runs.len() == n {
            for (run, def) in self.runs.iter_mut().zip(&model.services) {
                run.reset(def);
            }
        } else {
            self.runs.clear();
            self.runs.extend(model.services.iter().map(ServiceRun::new));
        }
        self.changed = false;
        self.bootstraps.clear();
        self.bootstraps.resize(model.bootstraps.len(), BootstrapRun { wanted: false, queued: false, slot: NO_SLOT });
        self.deadlock_check_due = false;
        self.reported_deadlocks.clear();
        self.waiting_switch.clear();
    }

    /// Whether bootstrap `b` would start its cycle now.
    pub(super) fn bootstrap_wanted(&self, b: u16) -> bool {
        self.bootstraps[b as usize].wanted
    }

    /// A queued bootstrap was dropped or is done: it may be queued again.
    pub(super) fn bootstrap_settled(&mut self, b: u16) {
        self.bootstraps[b as usize].queued = false;
    }

    /// Whether `s`'s rebuild is still to be done.
    pub(super) fn rebuild_pending(&self, s: ServiceId) -> bool {
        self.runs[s.index()].rebuild_pending
    }

    /// A queued rebuild was dropped (it is always needed once begun, so
    /// this only happens on a stale action).
    pub(super) fn rebuild_dropped(&mut self, _s: ServiceId) {}

    /// Whether `s` waits for a restore of its data it can now do: its data
    /// was destroyed and it has servers again.
    pub(super) fn restore_pending(&self, s: ServiceId) -> bool {
        let run = &self.runs[s.index()];
        run.data_destroyed && run.raw_capacity > 0.0
    }

    /// A queued restore was dropped: a new one may be queued.
    pub(super) fn restore_dropped(&mut self, s: ServiceId) {
        self.runs[s.index()].restore_queued = false;
    }

    /// Whether a bootstrap has started `s` and it is not back yet.
    pub(super) fn cold_started(&self, s: ServiceId) -> bool {
        self.runs[s.index()].cold_started
    }

    /// Starts every service's totals from the settled initial state.
    pub(super) fn start_tallies(&mut self) {
        for (s, run) in self.runs.iter_mut().enumerate() {
            run.start_tally(self.state[s], self.served[s]);
        }
    }

    /// What currently holds a service back, in words, for the timeline.
    pub(super) fn blocker_label(&self, s: ServiceId, model: &Model) -> Option<String> {
        self.runs[s.index()].blocker.map(|b| b.describe(model))
    }

    /// A service's numbers at the end of a run, without names or causes.
    pub(super) fn numbers(&self, s: ServiceId, horizon: SimTime, model: &Model) -> Numbers {
        self.runs[s.index()].numbers(horizon, model.service(s))
    }

    /// A service's outcome at the end of a run.
    pub(super) fn finish(&mut self, s: ServiceId, horizon: SimTime, model: &Model) -> ServiceOutcome {
        self.runs[s.index()].finish(horizon, model.service(s), model)
    }

    /// Every service's state, indexed by service id: what recovery
    /// policies read, lent as it is.
    pub(super) fn states(&self) -> &[State] {
        &self.state
    }

    /// Whether any service changed state since the last call.
    pub(super) fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// The fraction of a service's users it serves.
    pub(super) fn served(&self, s: ServiceId) -> f64 {
        self.served[s.index()]
    }

    /// Whether a service is down.
    pub(super) fn is_down(&self, s: ServiceId) -> bool {
        self.state[s.index()] == State::Down
    }

    /// Since when a service has been down with servers to serve on, held by
    /// a hard dependency that is down.
    pub(super) fn waits_since(&self, s: ServiceId) -> Option<SimTime> {
        self.runs[s.index()].waits_since
    }

    /// When a service last went down.
    pub(super) fn down_since(&self, s: ServiceId) -> SimTime {
        self.runs[s.index()].down_since
    }

    /// Whether a manual failover queued at `epoch` is still the one wanted.
    pub(super) fn manual_failover_pending(&self, s: ServiceId, epoch: u32) -> bool {
        let run = &self.runs[s.index()];
        run.failover == FailoverPhase::Manual && run.failover_epoch == epoch
    }

    /// Whether an automatic failover of `s` is switching or being detected
    /// at `epoch` (a stale switch or detection is ignored).
    pub(super) fn failover_epoch_is(&self, s: ServiceId, epoch: u32) -> bool {
        self.runs[s.index()].failover_epoch == epoch
    }

    /// Whether an automatic failover waits for a required service.
    pub(super) fn failover_waits_for_requirements(&self, s: ServiceId) -> bool {
        self.runs[s.index()].failover == FailoverPhase::WaitingForRequirements
    }

    /// Whether a restart queued after crash `epoch` is still needed: the
    /// service still waits for it and has servers to restart.
    pub(super) fn restart_pending(&self, s: ServiceId, epoch: u32) -> bool {
        let run = &self.runs[s.index()];
        run.needs_restart && run.raw_capacity > 0.0 && run.crash_epoch == epoch
    }

    /// A restart queued after crash `epoch` was dropped: a new one may be
    /// queued, unless a later crash already queued its own.
    pub(super) fn restart_dropped(&mut self, s: ServiceId, epoch: u32) {
        let run = &mut self.runs[s.index()];
        if run.crash_epoch == epoch {
            run.restart_queued = false;
        }
    }

    /// A restart begun after crash `epoch` is done; it counts only if no
    /// crash came after it.
    pub(super) fn restart_done(&mut self, s: ServiceId, epoch: u32) {
        let run = &mut self.runs[s.index()];
        if run.crash_epoch == epoch {
            run.restart_queued = false;
            if run.raw_capacity > 0.0 {
                run.needs_restart = false;
            }
        }
    }

    /// A scale-out step is no longer queued (done or dropped).
    pub(super) fn scale_out_settled(&mut self, s: ServiceId) {
        self.runs[s.index()].scale_queued = false;
    }

    /// Adds servers to standby deployment `d` of `s`.
    pub(super) fn add_servers(&mut self, s: ServiceId, d: usize, servers: u64) {
        self.runs[s.index()].deployments[d].extra += servers;
    }

    /// A warm or cold standby deployment has warmed up and serves.
    pub(super) fn standby_ready(&mut self, s: ServiceId, d: usize) {
        self.runs[s.index()].deployments[d].serving = true;
    }

    /// Ends a demand surge that is due by `now`; returns whether it ended.
    pub(super) fn end_surge(&mut self, s: ServiceId, now: SimTime) -> bool {
        let run = &mut self.runs[s.index()];
        if run.surge_until.is_some_and(|t| t <= now) {
            run.surge_until = None;
            return true;
        }
        false
    }
}

impl Simulation<'_> {
    /// What a service has to work with, apart from its dependencies: its
    /// capacity and demand. Starts, calls off or waits on failovers and
    /// restarts as a side effect.
    fn service_inputs(&mut self, s: usize) -> Inputs {
        let model = self.model;
        let def = &model.services[s];
        if self.spared == Some(def.component) {
            // Spared: whatever happens, it has what it needs.
            let demand = def.demand as f64;
            return Inputs { capacity: demand, raw: demand, demand, factor: 1.0, out: false };
        }

        // Capacity: active deployments always count; standbys once switched in and warm.
        let mut active = 0.0;
        let mut standby = 0.0;
        let mut idle_standby = false;
        // Deployments in use with a working server, for a quorum.
        let mut present = 0;
        for (d, dep) in def.deployments.iter().enumerate() {
            let run = self.services.runs[s].deployments[d];
            // A deployment without what it alone needs carries nothing.
            let working =
                if dep.needs.iter().all(|&c| self.element_works(c)) { self.infra.working(dep.pool) } else { 0 };
            let working = working as f64;
            let capacity = (dep.servers + run.extra) as f64 * working / dep.pool_servers as f64;
            match (dep.role, run.serving) {
                (Role::Active, _) => active += capacity,
                (_, true) => standby += capacity,
                _ => {}
            }
            present += u32::from((dep.role == Role::Active || run.serving) && capacity > 0.0);
            idle_standby |= dep.role.is_standby() && !run.activated;
        }
        let demand = def.demand as f64;
        if def.recovery.failover.is_some() {
            let phase = self.services.runs[s].failover;
            if phase == FailoverPhase::Idle && active < demand && idle_standby {
                self.start_failover(s);
            } else if phase.in_progress() && active >= demand {
                self.cancel_failover(s);
            }
        }
        let raw = active + standby;
        let run = &mut self.services.runs[s];
        run.raw_capacity = raw;
        if def.recovery.restart.is_some() {
            // Losing all capacity is a crash: the service needs a restart. A
            // failover's switch counts as one, so a standby warming up after
            // it does not ask for another.
            if raw <= 0.0 && run.had_capacity {
                // A new crash needs a new restart, even if one is under way.
                run.needs_restart = true;
                run.restart_queued = false;
                run.crash_epoch = run.crash_epoch.wrapping_add(1);
            } else if raw > 0.0 && run.needs_restart && !run.restart_queued {
                run.restart_queued = true;
                let epoch = run.crash_epoch;
                let slot = self.queue_action(Task::ServiceRestart(ServiceId(s as u32)), 0, epoch);
                self.services.runs[s].slots.restart = slot;
            }
        }
        let run = &mut self.services.runs[s];
        run.had_capacity = raw > 0.0;
        // Servers again after its data burnt: restore it from backup, or,
        // with none, serve what is left: nothing.
        if run.data_destroyed && raw > 0.0 {
            if def.recovery.backup.is_none() {
                run.data_destroyed = false;
                run.data_lost = true;
            } else if !run.restore_queued {
                run.restore_queued = true;
                let slot = self.queue_action(Task::DataRestore(ServiceId(s as u32)), 0, 0);
                self.services.runs[s].slots.restore = slot;
            }
        }
        let run = &mut self.services.runs[s];
        // Without its quorum a replicated store serves no one, whatever
        // capacity its remaining replicas have.
        let capacity = if run.needs_restart || run.data_destroyed || present < def.quorum { 0.0 } else { raw };
        let factor = run.surge_factor(def);

        // More servers for a standby that carries the load but is short.
        if let Some(so) = &def.recovery.scale_out
            && self.scale_out_needed(ServiceId(s as u32))
            && !self.services.runs[s].scale_queued
        {
            self.services.runs[s].scale_queued = true;
            let slot = self.queue_action(Task::ScaleOut(ServiceId(s as u32)), so.step, 0);
            self.services.runs[s].slots.scale_out = slot;
        }
        Inputs { capacity, raw, demand, factor, out: self.infra.is_out(def.component) }
    }

    /// Whether scale-out work would still help: the standbys are switched
    /// in, capacity is short of demand, and a standby pool has room.
    pub(super) fn scale_out_needed(&self, id: ServiceId) -> bool {
        let s = id.index();
        let run = &self.services.runs[s];
        let def = &self.model.services[s];
        // Servers, not serving capacity: more servers do not help a service
        // that waits for a restart.
        run.failover == FailoverPhase::Done
            && run.raw_capacity < def.demand as f64 * run.surge_factor(def)
            && self.scale_out_room(ServiceId(s as u32)).is_some()
    }

    /// The level a service serves at, given its inputs and the level of each
    /// dependency (`level_of(service index)`): the bottleneck of its
    /// capacity and its hard dependencies (the least of them), times the
    /// factor `1 - impact * (1 - level)` of each soft dependency that is not
    /// up (a feature lost for everyone).
    fn service_value(&self, s: usize, inputs: &Inputs, level_of: &dyn Fn(usize) -> (State, f64)) -> Value {
        let def = &self.model.services[s];
        if self.spared == Some(def.component) {
            return Value { state: State::Up, served: 1.0, hard_down: None, hard_impaired: None, soft_impaired: None };
        }
        let mut bottleneck = (inputs.capacity / (inputs.demand * inputs.factor)).min(1.0);
        let mut value =
            Value { state: State::Up, served: 1.0, hard_down: None, hard_impaired: None, soft_impaired: None };
        // Which dependency to blame never depends on the order they are
        // listed in: the one down longest, the least served, the costliest
        // lost feature; ties by name.
        let name = |d: ServiceId| &self.model.service(d).name;
        let mut worst_level = f64::INFINITY;
        for &h in &def.hard {
            let (state, level) = level_of(h.index());
            bottleneck = bottleneck.min(level);
            if state == State::Down {
                let key = |d: ServiceId| (self.services.runs[d.index()].down_since, name(d));
                if value.hard_down.is_none_or(|prev| key(h) < key(prev)) {
                    value.hard_down = Some(h);
                }
            }
            if state != State::Up
                && (level < worst_level
                    || (level == worst_level && value.hard_impaired.is_some_and(|p| name(h) < name(p))))
            {
                worst_level = level;
                value.hard_impaired = Some(h);
            }
        }
        let mut served = bottleneck;
        let mut worst_loss = f64::NEG_INFINITY;
        for &(d, impact) in &def.soft {
            let (state, level) = level_of(d.index());
            if state != State::Up {
                let loss = impact * (1.0 - level);
                if loss > worst_loss || (loss == worst_loss && value.soft_impaired.is_some_and(|p| name(d) < name(p))) {
                    worst_loss = loss;
                    value.soft_impaired = Some(d);
                }
                served *= 1.0 - loss;
            }
        }
        if inputs.out {
            served = 0.0;
        }
        let impaired = value.hard_impaired.is_some() || value.soft_impaired.is_some();
        (value.state, value.served) = if served <= 0.0 {
            (State::Down, 0.0)
        } else if served < 1.0 || impaired {
            (State::Degraded, served)
        } else {
            (State::Up, 1.0)
        };
        value
    }

    /// Starts a demand surge if the service comes back now; returns whether it did.
    fn maybe_start_surge(&mut self, s: usize, inputs: &mut Inputs, value: &Value) -> bool {
        let def = &self.model.services[s];
        let Some(sg) = &def.recovery.surge else { return false };
        if self.services.state[s] != State::Down || value.served <= 0.0 || self.services.runs[s].surge_until.is_some() {
            return false;
        }
        // Coming back: everyone reconnects at once.
        let d = sg.duration.sample(self.ctx.rng(def.component));
        self.services.runs[s].surge_until = Some(self.ctx.now + d);
        self.ctx.schedule_unkeyed(d, Event::SurgeEnds { service: ServiceId(s as u32) });
        inputs.factor = sg.factor;
        true
    }

    /// Brings a service (not in a dependency cycle) in line with its inputs;
    /// returns whether its state changed.
    pub(super) fn evaluate_service(&mut self, id: ServiceId) -> bool {
        let s = id.index();
        let mut inputs = self.service_inputs(s);
        let current = |x: usize| (self.services.state[x], self.services.served[x]);
        let mut value = self.service_value(s, &inputs, &current);
        if self.maybe_start_surge(s, &mut inputs, &value) {
            let current = |x: usize| (self.services.state[x], self.services.served[x]);
            value = self.service_value(s, &inputs, &current);
        }
        self.publish_service(s, &inputs, &value)
    }

    /// Brings the services of one dependency cycle (`members`, component
    /// ids, sorted) in line together, and marks the dependants of those that
    /// changed.
    ///
    /// Down dominates: a member that is down stays down while any hard
    /// dependency of it inside the cycle is down too and cannot come up
    /// (a recovery deadlock). Every other member takes the greatest level
    /// consistent with the others' (see [`cycle`]), so a cycle that was
    /// degraded recovers fully once its capacity is back.
    pub(super) fn evaluate_cycle(&mut self, members: &[u32]) {
        let model = self.model;
        // Borrowed out of `self` for the duration, and put back with its capacity.
        let mut scratch = std::mem::take(&mut self.services.cycle);
        let CycleScratch {
            members: svc,
            inputs,
            own_ok,
            stuck,
            held,
            dependants_start,
            dependants,
            queue,
            counts: next,
            ..
        } = &mut scratch;
        svc.clear();
        svc.extend(members.iter().map(|&c| match &model.components[c as usize].detail {
            Detail::Service(s) => *s as usize,
            _ => unreachable!("only services form dependency cycles"),
        }));
        let index_of = |x: usize| members.binary_search(&model.services[x].component.0).ok();
        inputs.clear();
        for &s in svc.iter() {
            let input = self.service_inputs(s);
            inputs.push(input);
        }

        // Which down members stay down: those whose in-cycle hard
        // dependencies are stuck too, or whose own inputs give nothing. A
        // member a bootstrap has started is not held by the others.
        stuck.clear();
        stuck.extend(svc.iter().map(|&s| self.services.state[s] == State::Down && !self.services.runs[s].cold_started));
        // Only read for stuck members: the usual cycle, all up, skips it.
        own_ok.clear();
        for k in 0..svc.len() {
            let own = |x: usize| match index_of(x) {
                Some(_) => (State::Up, 1.0),
                None => (self.services.state[x], self.services.served[x]),
            };
            let ok = stuck[k] && self.service_value(svc[k], &inputs[k], &own).served > 0.0;
            own_ok.push(ok);
        }
        loop {
            let mut freed = false;
            for k in 0..svc.len() {
                if !stuck[k] {
                    continue;
                }
                let deps_free =
                    model.services[svc[k]].hard.iter().all(|h| index_of(h.index()).is_none_or(|j| !stuck[j]));
                if own_ok[k] && deps_free {
                    stuck[k] = false;
                    freed = true;
                }
            }
            if !freed {
                break;
            }
        }
        // Held: stuck although its own inputs would let it serve, waiting on
        // a loop of members held the same way. That is the moment a
        // recovery deadlock forms.
        held.clear();
        held.extend(stuck.iter().zip(own_ok.iter()).map(|(&s, &o)| s && o));
        if held.iter().any(|&h| h) {
            // Peel off held members that wait on no held member, and then
            // those that waited only on them (a worklist over the held
            // members' hard dependencies reversed): what remains can reach a
            // loop of held members.
            let held_deps = |k: usize, held: &[bool]| {
                model.services[svc[k]].hard.iter().filter_map(|h| index_of(h.index())).filter(|&j| held[j]).count()
            };
            dependants_start.clear();
            dependants_start.resize(svc.len() + 1, 0);
            for k in (0..svc.len()).filter(|&k| held[k]) {
                for j in model.services[svc[k]].hard.iter().filter_map(|h| index_of(h.index())) {
                    dependants_start[j + 1] += 1;
                }
            }
            for j in 0..svc.len() {
                dependants_start[j + 1] += dependants_start[j];
            }
            dependants.clear();
            dependants.resize(dependants_start[svc.len()] as usize, 0);
            next.clear();
            next.extend_from_slice(&dependants_start[..svc.len()]);
            for k in (0..svc.len()).filter(|&k| held[k]) {
                for j in model.services[svc[k]].hard.iter().filter_map(|h| index_of(h.index())) {
                    dependants[next[j] as usize] = k as u32;
                    next[j] += 1;
                }
            }
            // `next` now counts, for each held member, its held dependencies.
            for k in 0..svc.len() {
                next[k] = if held[k] { held_deps(k, held) as u32 } else { 0 };
            }
            queue.clear();
            queue.extend((0..svc.len() as u32).filter(|&k| held[k as usize] && next[k as usize] == 0));
            while let Some(j) = queue.pop() {
                let j = j as usize;
                held[j] = false;
                for &k in &dependants[dependants_start[j] as usize..dependants_start[j + 1] as usize] {
                    let k = k as usize;
                    if held[k] {
                        next[k] -= 1;
                        if next[k] == 0 {
                            queue.push(k as u32);
                        }
                    }
                }
            }
        }
        let mut newly_held = false;
        let now = self.ctx.now;
        for k in 0..svc.len() {
            let run = &mut self.services.runs[svc[k]];
            match (held[k], run.held_since) {
                (true, None) => {
                    run.held_since = Some(now);
                    newly_held = true;
                }
                (false, Some(_)) => run.held_since = None,
                _ => {}
            }
        }

        self.cycle_levels(members, &mut scratch);
        let mut surged = false;
        for k in 0..members.len() {
            let s = scratch.members[k];
            surged |= self.maybe_start_surge(s, &mut scratch.inputs[k], &scratch.values[k]);
        }
        if surged {
            self.cycle_levels(members, &mut scratch);
        }
        for (k, &member) in members.iter().enumerate() {
            if self.publish_service(scratch.members[k], &scratch.inputs[k], &scratch.values[k]) {
                self.touch_dependants(ComponentId(member));
            }
        }
        self.services.deadlock_check_due |= newly_held;
        self.want_bootstraps(&scratch.members, &scratch.own_ok, &scratch.stuck);
        self.services.cycle = scratch;
    }

    /// Queues the bootstrap of each cycle held down by itself alone, once
    /// every member it would start could serve on its own inputs.
    fn want_bootstraps(&mut self, svc: &[usize], own_ok: &[bool], stuck: &[bool]) {
        let model = self.model;
        for &first in svc {
            let Some(b) = model.bootstrap_of[first] else { continue };
            let boot = &model.bootstraps[b as usize];
            // Each bootstrap once: at its first member.
            if boot.services[0].index() != first {
                continue;
            }
            let (mut any_held, mut ready) = (false, true);
            for s in &boot.services {
                let k = svc.iter().position(|&x| x == s.index()).expect("a bootstrap's services share one cycle");
                any_held |= stuck[k] && own_ok[k];
                ready &= !stuck[k] || own_ok[k];
            }
            let run = &mut self.services.bootstraps[b as usize];
            run.wanted = any_held && ready;
            if run.wanted && !run.queued {
                run.queued = true;
                let slot = self.queue_action(Task::Bootstrap(b), 0, 0);
                self.services.bootstraps[b as usize].slot = slot;
            }
        }
    }

    /// Bootstrap `b` is done: if it is still wanted, every member that is
    /// down is started, and comes back as soon as its own inputs allow.
    pub(super) fn bootstrap_done(&mut self, b: u16) {
        self.services.bootstrap_settled(b);
        if !self.services.bootstrap_wanted(b) {
            return;
        }
        let model = self.model;
        for &s in &model.bootstraps[b as usize].services {
            if self.services.is_down(s) {
                self.services.runs[s.index()].cold_started = true;
                self.ctx.touch(model.service(s).component);
            }
        }
    }

    /// The greatest levels of a cycle's members consistent with each other
    /// (stuck members are down), solved exactly (see [`cycle`]), into
    /// `scratch.values`.
    fn cycle_levels(&self, members: &[u32], scratch: &mut CycleScratch) {
        let model = self.model;
        let CycleScratch {
            members: svc,
            inputs,
            stuck,
            values,
            equations,
            levels,
            solver,
            states,
            dependants_start,
            dependants,
            queue,
            ..
        } = scratch;
        let index_of = |x: usize| members.binary_search(&model.services[x].component.0).ok();
        let outside = |x: usize| (self.services.state[x], self.services.served[x]);
        equations.clear();
        for k in 0..svc.len() {
            let def = &model.services[svc[k]];
            let input = &inputs[k];
            let mut cap = if input.out { 0.0 } else { (input.capacity / (input.demand * input.factor)).min(1.0) };
            let mut scale = 1.0;
            for h in &def.hard {
                if index_of(h.index()).is_none() {
                    cap = cap.min(outside(h.index()).1);
                }
            }
            for &(d, impact) in &def.soft {
                let (state, level) = outside(d.index());
                if index_of(d.index()).is_none() && state != State::Up {
                    scale *= 1.0 - impact * (1.0 - level);
                }
            }
            let spared = self.spared == Some(def.component);
            equations.member(if spared { 1.0 } else { cap }, if spared { 1.0 } else { scale }, stuck[k] && !spared);
            if spared {
                continue;
            }
            for h in &def.hard {
                if let Some(j) = index_of(h.index()) {
                    equations.hard_dependency(j);
                }
            }
            for &(d, impact) in &def.soft {
                if let Some(j) = index_of(d.index()) {
                    equations.soft_dependency(j, impact);
                }
            }
        }
        equations.solve(levels, solver);

        // States from the levels: down at 0, degraded below 1, and degraded
        // too while any dependency is not up (spreading round the cycle).
        states.clear();
        states.extend(levels.iter().map(|&x| match x {
            x if x <= 0.0 => State::Down,
            x if x < 1.0 => State::Degraded,
            _ => State::Up,
        }));
        // Spread along the cycle's edges reversed (a worklist: each member
        // is looked at once per dependency that is not up).
        let spared = |k: usize| self.spared == Some(model.services[svc[k]].component);
        dependants_start.clear();
        dependants_start.resize(svc.len() + 1, 0);
        for &s in svc.iter() {
            let def = &model.services[s];
            for d in def.hard.iter().copied().chain(def.soft.iter().map(|&(d, _)| d)) {
                if let Some(j) = index_of(d.index()) {
                    dependants_start[j + 1] += 1;
                }
            }
        }
        for j in 0..svc.len() {
            dependants_start[j + 1] += dependants_start[j];
        }
        dependants.clear();
        dependants.resize(dependants_start[svc.len()] as usize, 0);
        let mut fill: Vec<u32> = Vec::new();
        std::mem::swap(&mut fill, queue);
        fill.clear();
        fill.extend_from_slice(&dependants_start[..svc.len()]);
        for (k, &s) in svc.iter().enumerate() {
            let def = &model.services[s];
            for d in def.hard.iter().copied().chain(def.soft.iter().map(|&(d, _)| d)) {
                if let Some(j) = index_of(d.index()) {
                    dependants[fill[j] as usize] = k as u32;
                    fill[j] += 1;
                }
            }
        }
        std::mem::swap(&mut fill, queue);
        queue.clear();
        for k in 0..svc.len() {
            if states[k] == State::Up && !spared(k) {
                let def = &model.services[svc[k]];
                let mut deps = def.hard.iter().copied().chain(def.soft.iter().map(|&(d, _)| d));
                if deps.any(|d| index_of(d.index()).is_none() && outside(d.index()).0 != State::Up) {
                    states[k] = State::Degraded;
                }
            }
            if states[k] != State::Up {
                queue.push(k as u32);
            }
        }
        while let Some(j) = queue.pop() {
            let j = j as usize;
            for &k in &dependants[dependants_start[j] as usize..dependants_start[j + 1] as usize] {
                let k = k as usize;
                if states[k] == State::Up && !spared(k) {
                    states[k] = State::Degraded;
                    queue.push(k as u32);
                }
            }
        }
        values.clear();
        for k in 0..svc.len() {
            let level_of = |x: usize| match index_of(x) {
                Some(j) => (states[j], levels[j]),
                None => outside(x),
            };
            let mut v = self.service_value(svc[k], &inputs[k], &level_of);
            if stuck[k] && self.spared != Some(model.services[svc[k]].component) {
                v.state = State::Down;
                v.served = 0.0;
            }
            values.push(v);
        }
    }

    /// Records a service's new level; returns whether its state changed.
    fn publish_service(&mut self, s: usize, inputs: &Inputs, value: &Value) -> bool {
        let def = &self.model.services[s];
        let (state, served) = (value.state, value.served);
        if self.ctx.blame {
            self.publish_blocker(s, inputs, value);
        }
        let now = self.ctx.now;
        // Waiting on a hard dependency: down, with servers to serve on.
        let waits = state == State::Down && value.hard_down.is_some() && inputs.capacity > 0.0 && !inputs.out;
        let run = &mut self.services.runs[s];
        match (waits, run.waits_since) {
            (true, None) => {
                run.waits_since = Some(now);
                self.services.deadlock_check_due = true;
            }
            (false, Some(_)) => run.waits_since = None,
            _ => {}
        }
        let old = self.services.state[s];
        if state == old && served == self.services.served[s] {
            return false;
        }
        if state == State::Down && old != State::Down {
            // Blocked work may now hold this service in a cycle of waits.
            self.services.deadlock_check_due = true;
        }
        let run = &mut self.services.runs[s];
        if state == State::Down && old != State::Down {
            run.down_since = now;
        }
        if state != State::Down {
            run.cold_started = false;
        }
        let first_impact = old == State::Up && !self.crew.is_called_in();
        self.services.state[s] = state;
        self.services.served[s] = served;
        run.tally.change(now, state, served);
        self.infra.set_live(def.component, state != State::Down);
        // Waiting work, failovers and recovery policies read states, not
        // levels: a batch of servers back changes a level, and must not
        // re-rank every queued action (quadratic in a pool restarted one
        // server at a time).
        if state != old {
            self.services.changed = true;
        }
        if (state == State::Down) != (old == State::Down) && self.watched[def.component.index()] {
            self.conditions_changed = true;
        }
        self.record_change(def.component, state, served);
        if first_impact {
            self.incident_started();
        }
        true
    }

    /// What a service that is not up waits on, for blame (run reports only):
    /// what holds it down now. Its own outage first; then recovery work it
    /// has servers for (a restart, a restore of its data); a failover under
    /// way before the rebuild of burnt capacity (the standby is back long
    /// before a rebuild); its dependency cycle (the bootstrap under way, or a
    /// deadlock); a hard dependency down, if it has servers to serve on;
    /// then its capacity (a failover, a standby warming up, or the
    /// deployment nearest to coming back); a surge; a dependency not up.
    fn publish_blocker(&mut self, s: usize, inputs: &Inputs, value: &Value) {
        let run = &self.services.runs[s];
        let short = inputs.capacity < inputs.demand;
        let blocker = if value.state == State::Up {
            None
        } else if inputs.out {
            Some(Blocker::Outage)
        } else if run.needs_restart && inputs.raw > 0.0 {
            Some(Blocker::Restart(self.step_of(run.slots.restart, Task::ServiceRestart(ServiceId(s as u32)))))
        } else if run.data_destroyed && inputs.raw > 0.0 {
            Some(Blocker::DataRestore(self.step_of(run.slots.restore, Task::DataRestore(ServiceId(s as u32)))))
        } else if run.rebuild_pending && short {
            Some(match self.failover_step(s) {
                Some(step) => Blocker::Failover(Some(step)),
                None => Blocker::Rebuild(self.step_of(run.slots.rebuild, Task::Rebuild(ServiceId(s as u32)))),
            })
        } else if run.held_since.is_some() {
            Some(match self.cycle_bootstrap(s) {
                Some(b) => {
                    Blocker::Bootstrap(self.step_of(self.services.bootstraps[b as usize].slot, Task::Bootstrap(b)))
                }
                None => Blocker::Deadlock,
            })
        } else if let Some(h) = value.hard_down
            && inputs.capacity > 0.0
        {
            // Its own servers could serve: the dependency holds it. Without
            // servers of its own, they hold it first (a dependency that came
            // back would not bring it back).
            Some(Blocker::Dependency(h))
        } else if short {
            Some(match self.failover_step(s) {
                Some(step) => Blocker::Failover(Some(step)),
                None if run.failover.in_progress() => Blocker::Failover(None),
                None => self.capacity_blocker(s),
            })
        } else if inputs.factor > 1.0 && inputs.capacity < inputs.demand * inputs.factor {
            Some(Blocker::Surge)
        } else {
            value.hard_impaired.or(value.soft_impaired).map(Blocker::Dependency)
        };
        let now = self.ctx.now;
        self.services.runs[s].set_blocker(now, blocker);
    }

    /// Where work queued in `slot` for `task` stands, if it is still there.
    fn step_of(&self, slot: u32, task: Task) -> Option<Step> {
        if slot == NO_SLOT { None } else { self.work_step(slot, task) }
    }

    /// Where a failover of `s` stands: detecting, switching, waiting for
    /// a required service, its manual work, or a standby warming up after
    /// the switch; `None` when no failover is under way.
    fn failover_step(&self, s: usize) -> Option<Step> {
        let run = &self.services.runs[s];
        let def = &self.model.services[s];
        match run.failover {
            FailoverPhase::Detecting => Some(Step::Detecting),
            FailoverPhase::Switching => Some(Step::Switching),
            FailoverPhase::WaitingForRequirements => match &def.recovery.failover {
                Some(FailoverDef::Automatic { requires, .. }) => self.first_down(requires).map(Step::Requires),
                _ => None,
            },
            FailoverPhase::Manual => self.step_of(run.slots.failover, Task::Failover(ServiceId(s as u32))),
            FailoverPhase::Done => {
                let warming = def
                    .deployments
                    .iter()
                    .zip(&run.deployments)
                    .any(|(d, r)| d.role.is_standby() && r.activated && !r.serving);
                warming.then_some(Step::WarmingUp)
            }
            FailoverPhase::Idle => None,
        }
    }

    /// The bootstrap of the dependency cycle `s` is in, whichever of the
    /// cycle's services it names.
    fn cycle_bootstrap(&self, s: usize) -> Option<u16> {
        let model = self.model;
        if let Some(b) = model.bootstrap_of[s] {
            return Some(b);
        }
        let cycle = model.cycle_of[model.services[s].component.index()];
        if cycle == crate::model::NO_CYCLE {
            return None;
        }
        model.cycles[cycle as usize].iter().find_map(|&c| match model.components[c as usize].detail {
            Detail::Service(x) => model.bootstrap_of[x as usize],
            _ => None,
        })
    }

    /// Why a service lacks capacity: of its active deployments short of
    /// servers, the one nearest to coming back (servers booting, then
    /// awaiting restart, then awaiting repair, then without power, network
    /// or what it needs, then destroyed; ties: the one missing the most
    /// servers, then the first listed), or a short standby.
    fn capacity_blocker(&self, s: usize) -> Blocker {
        let def = &self.model.services[s];
        let mut best: Option<((u8, std::cmp::Reverse<u64>), Blocker)> = None;
        for dep in def.deployments.iter().filter(|d| d.role == Role::Active) {
            let working = self.infra.working(dep.pool);
            let (nearness, missing, blocker) = if let Some(&c) = dep.needs.iter().find(|&&c| !self.element_works(c)) {
                match self.model.component(c).detail {
                    Detail::Service(d) => (Why::NoPower.nearness(), dep.servers, Blocker::Dependency(ServiceId(d))),
                    _ => {
                        let (root, why) = self.infra.cause(c);
                        (why.nearness(), dep.servers, Blocker::Infrastructure(root, why))
                    }
                }
            } else if working < dep.pool_servers {
                let (c, why) = self.infra.cause(dep.pool);
                let missing = (u128::from(dep.servers) * u128::from(dep.pool_servers - working)
                    / u128::from(dep.pool_servers.max(1))) as u64;
                (why.nearness(), missing, Blocker::Infrastructure(c, why))
            } else {
                continue;
            };
            let key = (nearness, std::cmp::Reverse(missing));
            if best.is_none_or(|(k, _)| key < k) {
                best = Some((key, blocker));
            }
        }
        best.map_or_else(
            || {
                Blocker::ScaleOut(
                    self.step_of(self.services.runs[s].slots.scale_out, Task::ScaleOut(ServiceId(s as u32))),
                )
            },
            |(_, b)| b,
        )
    }

    /// The first switched-in standby deployment of `s` whose pool has servers
    /// no deployment uses yet, with how many.
    pub(super) fn scale_out_room(&self, id: ServiceId) -> Option<(usize, u64)> {
        let s = id.index();
        let model = self.model;
        let def = &model.services[s];
        def.deployments.iter().enumerate().find_map(|(d, dep)| {
            if dep.role == Role::Active || !self.services.runs[s].deployments[d].activated {
                return None;
            }
            let used: u64 = model
                .pool_services(dep.pool)
                .iter()
                .flat_map(|o| {
                    let o = o.index();
                    model.services[o]
                        .deployments
                        .iter()
                        .zip(&self.services.runs[o].deployments)
                        .filter(|(x, _)| x.pool == dep.pool)
                        .map(|(x, r)| x.servers + r.extra)
                })
                .sum();
            let spare = dep.pool_servers.saturating_sub(used);
            (spare > 0).then_some((d, spare))
        })
    }

    pub(super) fn start_failover(&mut self, s: usize) {
        let def = &self.model.services[s];
        let run = &mut self.services.runs[s];
        run.failover_epoch = run.failover_epoch.wrapping_add(1);
        let epoch = run.failover_epoch;
        match def.recovery.failover.as_ref().expect("only services with a failover start one") {
            FailoverDef::Automatic { detection, .. } => {
                run.failover = FailoverPhase::Detecting;
                let d = detection.sample(self.ctx.rng(def.component));
                self.ctx.schedule_unkeyed(d, Event::FailoverDetected { service: ServiceId(s as u32), epoch });
            }
            FailoverDef::Manual(_) => {
                run.failover = FailoverPhase::Manual;
                let slot = self.queue_action(Task::Failover(ServiceId(s as u32)), 0, epoch);
                self.services.runs[s].slots.failover = slot;
            }
        }
    }

    /// The active deployments are back before the failover finished: call it off.
    fn cancel_failover(&mut self, s: usize) {
        let run = &mut self.services.runs[s];
        run.failover = FailoverPhase::Idle;
        run.failover_epoch = run.failover_epoch.wrapping_add(1);
    }

    pub(super) fn failover_detected(&mut self, id: ServiceId, epoch: u32) {
        let s = id.index();
        if self.services.runs[s].failover_epoch != epoch || self.services.runs[s].failover != FailoverPhase::Detecting {
            return;
        }
        self.try_automatic_switch(id);
    }

    /// Switches automatically if the requirements are up; otherwise falls
    /// back to the manual procedure, or waits.
    pub(super) fn try_automatic_switch(&mut self, id: ServiceId) {
        let s = id.index();
        let def = &self.model.services[s];
        let Some(FailoverDef::Automatic { switch, requires, otherwise, .. }) = &def.recovery.failover else {
            unreachable!("an automatic failover")
        };
        let epoch = self.services.runs[s].failover_epoch;
        if requires.iter().all(|r| self.services.state[r.index()] != State::Down) {
            self.services.runs[s].failover = FailoverPhase::Switching;
            let d = switch.sample(self.ctx.rng(def.component));
            self.ctx.schedule_unkeyed(d, Event::FailoverSwitched { service: ServiceId(s as u32), epoch });
        } else if otherwise.is_some() {
            self.services.runs[s].failover = FailoverPhase::Manual;
            let slot = self.queue_action(Task::Failover(ServiceId(s as u32)), 0, epoch);
            self.services.runs[s].slots.failover = slot;
        } else {
            self.services.runs[s].failover = FailoverPhase::WaitingForRequirements;
            self.services.waiting_switch.insert(s as u32);
            self.services.deadlock_check_due = true;
        }
        self.ctx.touch(def.component);
    }

    /// Traffic moves to every standby: hot ones serve now, warm and cold
    /// ones after their warmup.
    pub(super) fn complete_failover(&mut self, id: ServiceId) {
        let s = id.index();
        let model = self.model;
        let def = &model.services[s];
        self.services.runs[s].failover = FailoverPhase::Done;
        self.services.runs[s].failovers += 1;
        self.services.runs[s].needs_restart = false;
        for (d, dep) in def.deployments.iter().enumerate() {
            if !dep.role.is_standby() || self.services.runs[s].deployments[d].activated {
                continue;
            }
            self.services.runs[s].deployments[d].activated = true;
            let warmup = dep.warmup.as_ref().map(|w| w.sample(self.ctx.rng(def.component))).unwrap_or_default();
            if warmup.is_zero() {
                self.services.runs[s].deployments[d].serving = true;
            } else {
                self.ctx.schedule_unkeyed(
                    warmup,
                    Event::StandbyReady { service: ServiceId(s as u32), deployment: d as u16 },
                );
            }
        }
        // Synchronous replication loses nothing; asynchronous loses the lag window.
        let lost = match &def.recovery.lag {
            Some(lag) => {
                self.services.runs[s].inconsistency_risk = true;
                lag.sample(self.ctx.rng(def.component))
            }
            None => SimDuration::ZERO,
        };
        let run = &mut self.services.runs[s];
        run.data_loss = Some(run.data_loss.map_or(lost, |x| x.max(lost)));
        self.ctx.touch(def.component);
    }

    /// Fire has destroyed servers in `room`: each service deployed there
    /// whose every copy of its data is now gone loses it (until restored
    /// from backup), and each whose active servers are all gone starts its
    /// rebuild elsewhere.
    pub(super) fn servers_destroyed(&mut self, room: ComponentId) {
        let model = self.model;
        for &id in model.room_services(room) {
            let s = id.index();
            let def = &model.services[s];
            let run = &self.services.runs[s];
            let destroyed = |d: &crate::model::Deployment| self.infra.is_destroyed(d.pool);
            // Copies of its data: active deployments, standbys kept in sync,
            // and rebuilt deployments once rebuilt.
            let holds_data = |(d, dep): (usize, &crate::model::Deployment)| {
                dep.role == Role::Active || dep.role.is_standby() || run.deployments[d].activated
            };
            let data_gone = def.recovery.stateful
                && !run.data_destroyed
                && def.deployments.iter().enumerate().filter(|&x| holds_data(x)).all(|(_, d)| destroyed(d));
            let rebuild = def.recovery.rebuild.is_some()
                && !run.rebuild_pending
                && !run.rebuilt
                && def.deployments.iter().filter(|d| d.role == Role::Active).all(destroyed);
            if data_gone {
                self.services.runs[s].data_destroyed = true;
                self.services.runs[s].restore_queued = false;
            }
            if rebuild {
                self.services.runs[s].rebuild_pending = true;
                let slot = self.queue_action(Task::Rebuild(id), 0, 0);
                self.services.runs[s].slots.rebuild = slot;
            }
            self.ctx.touch(def.component);
        }
    }

    /// A rebuild is done: the service's `Rebuild` deployments carry traffic.
    pub(super) fn rebuild_done(&mut self, id: ServiceId) {
        let s = id.index();
        let def = &self.model.services[s];
        let run = &mut self.services.runs[s];
        if !run.rebuild_pending {
            return;
        }
        run.rebuild_pending = false;
        run.rebuilt = true;
        for (d, dep) in def.deployments.iter().enumerate() {
            if dep.role == Role::Rebuild {
                run.deployments[d].activated = true;
                run.deployments[d].serving = true;
            }
        }
        self.ctx.touch(def.component);
    }

    /// Data restored from backup: writes since the backup are lost.
    pub(super) fn data_restored(&mut self, id: ServiceId) {
        let s = id.index();
        let def = &self.model.services[s];
        self.services.runs[s].restore_queued = false;
        if !self.services.restore_pending(id) {
            return;
        }
        let age =
            def.recovery.backup.as_ref().map_or(SimDuration::ZERO, |(age, _)| age.sample(self.ctx.rng(def.component)));
        let run = &mut self.services.runs[s];
        run.data_destroyed = false;
        run.data_loss = Some(run.data_loss.map_or(age, |x| x.max(age)));
        self.ctx.touch(def.component);
    }
}
