//! Services: capacity, dependencies, failover, restarts, surges, and why a
//! service is impaired.

use super::infra::Why;
use super::outcome::{Cause, ServiceOutcome};
use super::tally::{Numbers, ServiceTally};
use super::{Event, Simulation};
use crate::model::{FailoverDef, Model, Role, Service, State};
use crate::recovery::ActionKind;
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
    Dependency(u32),
    /// Infrastructure under the service's deployments, and why.
    Infrastructure(u32, Why),
    /// A failover in progress.
    Failover,
    /// A manual restart of the service.
    Restart,
    /// Adding capacity to the standbys.
    ScaleOut,
    /// A demand surge above capacity.
    Surge,
}

impl Blocker {
    pub(crate) fn describe(self, model: &Model) -> String {
        match self {
            Blocker::Outage => "outage of the service".to_owned(),
            Blocker::Dependency(d) => format!("dependency '{}'", model.services[d as usize].name),
            Blocker::Infrastructure(c, why) => {
                let c = &model.components[c as usize];
                format!("{} '{}': {}", c.kind.noun(), c.name, why.describe())
            }
            Blocker::Failover => "failover to standby".to_owned(),
            Blocker::Restart => "manual restart of the service".to_owned(),
            Blocker::ScaleOut => "standby short of capacity, scale-out".to_owned(),
            Blocker::Surge => "demand surge".to_owned(),
        }
    }
}

/// Levels closer than this count as equal when a dependency cycle settles.
const CYCLE_TOLERANCE: f64 = 1e-12;

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
    hard_down: Option<u32>,
    hard_impaired: Option<u32>,
    soft_impaired: Option<u32>,
}

/// A service's state during a run.
#[derive(Clone, Debug)]
pub(super) struct ServiceRun {
    pub(super) state: State,
    pub(super) served: f64,
    tally: ServiceTally,
    pub(super) deployments: Vec<DeploymentRun>,
    pub(super) failover: FailoverPhase,
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
    blocker: Option<Blocker>,
    blocker_since: SimTime,
    /// Time held by each blocker, in order of first appearance.
    blame: Vec<(Blocker, SimDuration)>,
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
            state: State::Up,
            served: 1.0,
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
            raw_capacity: def.demand as f64,
            down_since: SimTime::ZERO,
            blocker: None,
            blocker_since: SimTime::ZERO,
            blame: Vec::new(),
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
    pub(super) fn start_tally(&mut self) {
        self.tally = ServiceTally::new();
        if self.state != State::Up {
            self.tally.change(SimTime::ZERO, self.state, self.served);
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

    /// The current blocker, in words, for the timeline.
    pub(super) fn blocker_label(&self, model: &Model, _sim: &Simulation<'_>) -> Option<String> {
        self.blocker.map(|b| b.describe(model))
    }

    /// The run's numbers, without names or causes (for Monte Carlo).
    pub(super) fn numbers(&self, horizon: SimTime, def: &Service) -> Numbers {
        self.tally.numbers(horizon, def.users, self.data_loss).0
    }

    pub(super) fn finish(&mut self, horizon: SimTime, def: &Service, model: &Model) -> ServiceOutcome {
        self.close_blame(horizon);
        let mut o = self.tally.finish(horizon, &def.name, def.users, def.priority);
        let mut causes: Vec<Cause> = self
            .blame
            .iter()
            .filter(|(_, t)| !t.is_zero())
            .map(|(b, t)| Cause { cause: b.describe(model), time: *t })
            .collect();
        // Longest first; ties keep the order of first appearance (stable sort).
        causes.sort_by_key(|c| std::cmp::Reverse(c.time));
        o.causes = causes;
        o.failovers = self.failovers;
        o.data_loss = self.data_loss;
        o.inconsistency_risk = self.inconsistency_risk;
        o
    }
}

impl Simulation<'_> {
    /// What a service has to work with, apart from its dependencies: its
    /// capacity and demand. Starts, calls off or waits on failovers and
    /// restarts as a side effect.
    fn service_inputs(&mut self, s: usize) -> Inputs {
        let model = self.model;
        let def = &model.services[s];
        let i = def.component.0;

        // Capacity: active deployments always count; standbys once switched in and warm.
        let mut active = 0.0;
        let mut standby = 0.0;
        let mut idle_standby = false;
        for (d, dep) in def.deployments.iter().enumerate() {
            let run = self.services[s].deployments[d];
            let working = self.working(dep.pool.index()) as f64;
            let capacity = (dep.servers + run.extra) as f64 * working / dep.pool_servers as f64;
            match (dep.role, run.serving) {
                (Role::Active, _) => active += capacity,
                (_, true) => standby += capacity,
                _ => {}
            }
            idle_standby |= dep.role != Role::Active && !run.activated;
        }
        let demand = def.demand as f64;
        if def.recovery.failover.is_some() {
            let phase = self.services[s].failover;
            if phase == FailoverPhase::Idle && active < demand && idle_standby {
                self.start_failover(s);
            } else if phase.in_progress() && active >= demand {
                self.cancel_failover(s);
            }
        }
        let raw = active + standby;
        let run = &mut self.services[s];
        run.raw_capacity = raw;
        if let Some(work) = &def.recovery.restart {
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
                self.queue_action(ActionKind::ServiceRestart, s as u32, work.team, 0, epoch);
            }
        }
        let run = &mut self.services[s];
        run.had_capacity = raw > 0.0;
        let capacity = if run.needs_restart { 0.0 } else { raw };
        let factor = run.surge_factor(def);

        // More servers for a standby that carries the load but is short.
        if let Some(so) = &def.recovery.scale_out
            && self.scale_out_needed(s)
            && !self.services[s].scale_queued
        {
            self.services[s].scale_queued = true;
            self.queue_action(ActionKind::ScaleOut, s as u32, so.work.team, so.step, 0);
        }
        Inputs { capacity, raw, demand, factor, out: self.nodes[i as usize].out > 0 }
    }

    /// Whether scale-out work would still help: the standbys are switched
    /// in, capacity is short of demand, and a standby pool has room.
    pub(super) fn scale_out_needed(&self, s: usize) -> bool {
        let run = &self.services[s];
        let def = &self.model.services[s];
        // Servers, not serving capacity: more servers do not help a service
        // that waits for a restart.
        run.failover == FailoverPhase::Done
            && run.raw_capacity < def.demand as f64 * run.surge_factor(def)
            && self.scale_out_room(s).is_some()
    }

    /// The level a service serves at, given its inputs and the level of each
    /// dependency (`level_of(service index)`).
    fn service_value(&self, s: usize, inputs: &Inputs, level_of: &dyn Fn(usize) -> (State, f64)) -> Value {
        let def = &self.model.services[s];
        let mut served = (inputs.capacity / (inputs.demand * inputs.factor)).min(1.0);
        let mut value =
            Value { state: State::Up, served: 1.0, hard_down: None, hard_impaired: None, soft_impaired: None };
        for h in &def.hard {
            let (state, level) = level_of(h.index());
            served = served.min(level);
            if state == State::Down && value.hard_down.is_none() {
                value.hard_down = Some(h.0);
            }
            if state != State::Up {
                value.hard_impaired.get_or_insert(h.0);
            }
        }
        for &(d, impact) in &def.soft {
            let (state, level) = level_of(d.index());
            if state != State::Up {
                value.soft_impaired.get_or_insert(d.0);
                served = served.min(1.0 - impact * (1.0 - level));
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
        let run = &self.services[s];
        if run.state != State::Down || value.served <= 0.0 || run.surge_until.is_some() {
            return false;
        }
        // Coming back: everyone reconnects at once.
        let d = sg.duration.sample(self.rng(def.component.0));
        self.services[s].surge_until = Some(self.now + d);
        self.schedule_unkeyed(d, Event::SurgeEnds { service: s as u32 });
        inputs.factor = sg.factor;
        true
    }

    /// Brings a service (not in a dependency cycle) in line with its inputs;
    /// returns whether its state changed.
    pub(super) fn evaluate_service(&mut self, s: usize) -> bool {
        let mut inputs = self.service_inputs(s);
        let current = |x: usize| (self.services[x].state, self.services[x].served);
        let mut value = self.service_value(s, &inputs, &current);
        if self.maybe_start_surge(s, &mut inputs, &value) {
            let current = |x: usize| (self.services[x].state, self.services[x].served);
            value = self.service_value(s, &inputs, &current);
        }
        self.publish_service(s, &inputs, &value)
    }

    /// Brings the services of one dependency cycle in line together;
    /// returns the members (component ids) whose state changed.
    ///
    /// Down dominates: a member that is down stays down while any hard
    /// dependency of it inside the cycle is down too and cannot come up
    /// (a recovery deadlock). Every other member takes the greatest level
    /// consistent with the others', found by iterating down from "all up",
    /// so a cycle that was degraded recovers fully once its capacity is back.
    pub(super) fn evaluate_cycle(&mut self, members: &[u32]) -> Vec<u32> {
        let model = self.model;
        let svc: Vec<usize> = members
            .iter()
            .map(|&c| match &model.components[c as usize].detail {
                crate::model::Detail::Service(s) => *s as usize,
                _ => unreachable!("only services form dependency cycles"),
            })
            .collect();
        let index_of = |x: usize| svc.iter().position(|&y| y == x);
        let mut inputs: Vec<Inputs> = svc.iter().map(|&s| self.service_inputs(s)).collect();

        // Which down members stay down: those whose in-cycle hard
        // dependencies are stuck too, or whose own inputs give nothing.
        let all_up = |_: usize| (State::Up, 1.0);
        let mut stuck: Vec<bool> = svc.iter().map(|&s| self.services[s].state == State::Down).collect();
        loop {
            let mut freed = false;
            for k in 0..svc.len() {
                if !stuck[k] {
                    continue;
                }
                let own = |x: usize| match index_of(x) {
                    Some(_) => all_up(x),
                    None => (self.services[x].state, self.services[x].served),
                };
                let can_serve = self.service_value(svc[k], &inputs[k], &own).served > 0.0;
                let deps_free =
                    model.services[svc[k]].hard.iter().all(|h| index_of(h.index()).is_none_or(|j| !stuck[j]));
                if can_serve && deps_free {
                    stuck[k] = false;
                    freed = true;
                }
            }
            if !freed {
                break;
            }
        }

        let mut values = self.cycle_fixpoint(&svc, &inputs, &stuck);
        let mut surged = false;
        for k in 0..svc.len() {
            surged |= self.maybe_start_surge(svc[k], &mut inputs[k], &values[k]);
        }
        if surged {
            values = self.cycle_fixpoint(&svc, &inputs, &stuck);
        }
        let mut changed = Vec::new();
        for k in 0..svc.len() {
            if self.publish_service(svc[k], &inputs[k], &values[k]) {
                changed.push(members[k]);
            }
        }
        changed
    }

    /// The greatest levels of a cycle's members consistent with each other,
    /// iterating down from "all up" (stuck members are down).
    fn cycle_fixpoint(&self, svc: &[usize], inputs: &[Inputs], stuck: &[bool]) -> Vec<Value> {
        let down = Value { state: State::Down, served: 0.0, hard_down: None, hard_impaired: None, soft_impaired: None };
        let up = Value { state: State::Up, served: 1.0, ..down };
        let mut values: Vec<Value> = stuck.iter().map(|&s| if s { down } else { up }).collect();
        // Levels only go down from "all up", so this converges; the bound
        // and the tolerance cut off soft-dependency loops that approach
        // their limit geometrically.
        for _ in 0..64 * svc.len() {
            let mut largest_change: f64 = 0.0;
            for k in 0..svc.len() {
                let level_of = |x: usize| match svc.iter().position(|&y| y == x) {
                    Some(j) => (values[j].state, values[j].served),
                    None => (self.services[x].state, self.services[x].served),
                };
                let mut v = self.service_value(svc[k], &inputs[k], &level_of);
                if stuck[k] {
                    v.state = State::Down;
                    v.served = 0.0;
                }
                largest_change = largest_change.max((v.served - values[k].served).abs());
                values[k] = v;
            }
            if largest_change <= CYCLE_TOLERANCE {
                break;
            }
        }
        values
    }

    /// Records a service's new level; returns whether its state changed.
    fn publish_service(&mut self, s: usize, inputs: &Inputs, value: &Value) -> bool {
        let def = &self.model.services[s];
        let i = def.component.0;
        let (state, served) = (value.state, value.served);
        let blocker = if state == State::Up {
            None
        } else if inputs.out {
            Some(Blocker::Outage)
        } else if self.services[s].needs_restart && inputs.raw > 0.0 {
            Some(Blocker::Restart)
        } else if let Some(h) = value.hard_down {
            Some(Blocker::Dependency(h))
        } else if inputs.capacity < inputs.demand {
            Some(if self.services[s].failover.in_progress() { Blocker::Failover } else { self.capacity_blocker(s) })
        } else if inputs.factor > 1.0 && inputs.capacity < inputs.demand * inputs.factor {
            Some(Blocker::Surge)
        } else {
            value.hard_impaired.or(value.soft_impaired).map(Blocker::Dependency)
        };
        let now = self.now;
        self.services[s].set_blocker(now, blocker);

        let run = &mut self.services[s];
        if state == run.state && served == run.served {
            return false;
        }
        if state == State::Down && run.state != State::Down {
            run.down_since = now;
        }
        let first_impact = run.state == State::Up && !self.incident;
        run.state = state;
        run.served = served;
        run.tally.change(now, state, served);
        self.nodes[i as usize].live = state != State::Down;
        self.services_changed = true;
        self.record_change(i, state, served);
        if first_impact {
            self.incident = true;
            self.incident_started();
        }
        true
    }

    /// Why a service lacks capacity: the infrastructure under the first
    /// active deployment that is missing servers, or a short standby.
    fn capacity_blocker(&self, s: usize) -> Blocker {
        let def = &self.model.services[s];
        for dep in def.deployments.iter().filter(|d| d.role == Role::Active) {
            if self.working(dep.pool.index()) < dep.pool_servers {
                let (c, why) = self.why(dep.pool.0);
                return Blocker::Infrastructure(c, why);
            }
        }
        Blocker::ScaleOut
    }

    /// The first switched-in standby deployment of `s` whose pool has servers
    /// no deployment uses yet, with how many.
    pub(super) fn scale_out_room(&self, s: usize) -> Option<(usize, u64)> {
        let model = self.model;
        let def = &model.services[s];
        def.deployments.iter().enumerate().find_map(|(d, dep)| {
            if dep.role == Role::Active || !self.services[s].deployments[d].activated {
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
                        .zip(&self.services[o].deployments)
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
        let run = &mut self.services[s];
        run.failover_epoch = run.failover_epoch.wrapping_add(1);
        let epoch = run.failover_epoch;
        match def.recovery.failover.as_ref().expect("only services with a failover start one") {
            FailoverDef::Automatic { detection, .. } => {
                run.failover = FailoverPhase::Detecting;
                let d = detection.sample(self.rng(def.component.0));
                self.schedule_unkeyed(d, Event::FailoverDetected { service: s as u32, epoch });
            }
            FailoverDef::Manual(work) => {
                run.failover = FailoverPhase::Manual;
                self.queue_action(ActionKind::Failover, s as u32, work.team, 0, epoch);
            }
        }
    }

    /// The active deployments are back before the failover finished: call it off.
    fn cancel_failover(&mut self, s: usize) {
        let run = &mut self.services[s];
        run.failover = FailoverPhase::Idle;
        run.failover_epoch = run.failover_epoch.wrapping_add(1);
    }

    pub(super) fn failover_detected(&mut self, s: usize, epoch: u32) {
        if self.services[s].failover_epoch != epoch || self.services[s].failover != FailoverPhase::Detecting {
            return;
        }
        self.try_automatic_switch(s);
    }

    /// Switches automatically if the requirements are up; otherwise falls
    /// back to the manual procedure, or waits.
    pub(super) fn try_automatic_switch(&mut self, s: usize) {
        let def = &self.model.services[s];
        let Some(FailoverDef::Automatic { switch, requires, otherwise, .. }) = &def.recovery.failover else {
            unreachable!("an automatic failover")
        };
        let epoch = self.services[s].failover_epoch;
        if requires.iter().all(|r| self.services[r.index()].state != State::Down) {
            self.services[s].failover = FailoverPhase::Switching;
            let d = switch.sample(self.rng(def.component.0));
            self.schedule_unkeyed(d, Event::FailoverSwitched { service: s as u32, epoch });
        } else if let Some(work) = otherwise {
            self.services[s].failover = FailoverPhase::Manual;
            self.queue_action(ActionKind::Failover, s as u32, work.team, 0, epoch);
        } else {
            self.services[s].failover = FailoverPhase::WaitingForRequirements;
        }
        self.touch(def.component.0);
    }

    /// Traffic moves to every standby: hot ones serve now, warm and cold
    /// ones after their warmup.
    pub(super) fn complete_failover(&mut self, s: usize) {
        let model = self.model;
        let def = &model.services[s];
        let i = def.component.0;
        self.services[s].failover = FailoverPhase::Done;
        self.services[s].failovers += 1;
        self.services[s].needs_restart = false;
        for (d, dep) in def.deployments.iter().enumerate() {
            if dep.role == Role::Active || self.services[s].deployments[d].activated {
                continue;
            }
            self.services[s].deployments[d].activated = true;
            let warmup = dep.warmup.as_ref().map(|w| w.sample(self.rng(i))).unwrap_or_default();
            if warmup.is_zero() {
                self.services[s].deployments[d].serving = true;
            } else {
                self.schedule_unkeyed(warmup, Event::StandbyReady { service: s as u32, deployment: d as u16 });
            }
        }
        // Synchronous replication loses nothing; asynchronous loses the lag window.
        let lost = match &def.recovery.lag {
            Some(lag) => {
                self.services[s].inconsistency_risk = true;
                lag.sample(self.rng(i))
            }
            None => SimDuration::ZERO,
        };
        let run = &mut self.services[s];
        run.data_loss = Some(run.data_loss.map_or(lost, |x| x.max(lost)));
        self.touch(i);
    }
}
