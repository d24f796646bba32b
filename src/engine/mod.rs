//! The discrete-event engine: replays one disaster on one scenario.
//!
//! # How a run proceeds
//! 1. Every component starts intact and live, every pool running, every
//!    service up; the hazards of the disaster and the random-failure clocks
//!    are scheduled.
//! 2. The earliest event is taken from the queue (ties: first scheduled,
//!    first served), applied to the component it concerns, and the change
//!    propagates along the model's edges to dependants: power to rooms, rooms
//!    to equipment and pools, pools to services, services to the services
//!    that need them. Components are re-evaluated in topological order, so
//!    each settles once per event (outside dependency cycles) and no
//!    transient state reaches the report. Only components whose inputs
//!    changed are looked at; the graph is never re-evaluated as a whole.
//! 3. Propagation may schedule or cancel timed events (a UPS battery running
//!    down, a pool booting, a failover being detected) and queue manual
//!    recovery work; free engineers then pick up waiting work (see
//!    [`recovery`](crate::recovery)).
//! 4. The run stops at the horizon, or earlier when nothing is left to
//!    happen; per-service totals are closed at the horizon.
//!
//! # Dependency cycles
//! Services may depend on each other in cycles. Down dominates: a service is
//! evaluated from the current state of its dependencies, so the members of a
//! cycle that are all down stay down even once their own capacity returns,
//! and propagation always terminates. Such recovery deadlocks are listed in
//! the report. Infrastructure loops (a UPS powering its own input) are
//! rejected by validation.

mod dispatch;
mod event;
mod hazards;
mod infra;
pub mod outcome;
mod services;
mod tally;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::model::{Detail, Disaster, Hazard, Model, State};
use crate::queue::{EventKey, EventQueue};
use crate::recovery::{RecoveryPolicy, builtin_policy};
use crate::rng::{self, StreamKind};
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};
use dispatch::{Action, TeamRun};
pub(crate) use event::Event;
pub use outcome::{Cause, Deadlock, RunReport, ServiceOutcome, TimelineEntry};
use services::ServiceRun;
pub(crate) use tally::Numbers;

/// Default cap on the events of one run; see [`RunOptions::max_events`].
pub const DEFAULT_MAX_EVENTS: u64 = 200_000_000;

/// How to run: seed, run index, horizon, what to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Seed of the study.
    pub seed: u64,
    /// Index of the run within the study; each run has its own random streams.
    pub run: u64,
    /// Length of the run; the scenario's horizon when `None`.
    pub horizon: Option<SimDuration>,
    /// Record every change of state (costs time and memory; off for Monte Carlo).
    pub timeline: bool,
    /// Stop with [`RunError::EventBudgetExceeded`] after this many events, so
    /// that a scenario with absurd failure rates cannot run forever.
    pub max_events: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { seed: 0, run: 0, horizon: None, timeline: true, max_events: DEFAULT_MAX_EVENTS }
    }
}

impl RunOptions {
    /// Sets the seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the run index.
    #[must_use]
    pub fn run(mut self, run: u64) -> Self {
        self.run = run;
        self
    }
    /// Sets the horizon.
    #[must_use]
    pub fn horizon(mut self, horizon: SimDuration) -> Self {
        self.horizon = Some(horizon);
        self
    }
    /// Turns timeline recording on or off.
    #[must_use]
    pub fn timeline(mut self, on: bool) -> Self {
        self.timeline = on;
        self
    }
}

/// Why a run could not be done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The scenario has no disaster with that name.
    #[error("scenario has no disaster named '{name}' (it has: {known})")]
    UnknownDisaster {
        /// The name asked for.
        name: String,
        /// The names available, comma-separated.
        known: String,
    },
    /// The run was stopped after too many events.
    #[error(
        "run stopped after {events} events at {at}: the scenario generates events faster than it can be simulated (check failure rates)"
    )]
    EventBudgetExceeded {
        /// Events processed.
        events: u64,
        /// Simulated time reached.
        at: SimTime,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GenPhase {
    Idle,
    Starting,
    Running,
    FailedToStart,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PoolPhase {
    Off,
    /// Booting by themselves.
    Booting,
    /// Waiting for, or undergoing, manual restarts in batches.
    Restarting,
    Running,
}

/// Kind-specific dynamic state of infrastructure components.
#[derive(Clone, Copy, Debug)]
enum Dynamic {
    None,
    Ups {
        battery_left: SimDuration,
        draining_since: Option<SimTime>,
    },
    Generator {
        phase: GenPhase,
        fuel_left: SimDuration,
        running_since: SimTime,
    },
    Pool {
        phase: PoolPhase,
        working: u64,
        broken: u64,
        /// Servers not yet restarted (manual restart) or booted.
        pending: u64,
        /// A hard power loss happened since the last boot.
        cold: bool,
        /// Bumped on every power loss, so that stale restart work and boots are ignored.
        epoch: u32,
        /// (working, phase) as dependants last saw them.
        published: (u64, PoolPhase),
    },
}

#[derive(Clone, Debug)]
struct NodeState {
    live: bool,
    /// Authority power cuts in force.
    cut: u16,
    /// Fires that destroyed the equipment and whose restoration is pending.
    damaged: u16,
    /// Scripted outages in force (a disaster has at most 65,534 hazards).
    out: u16,
    failed: bool,
    /// Servers in this room are shut down for heat.
    overheated: bool,
    /// `overheated` as dependants last saw it.
    overheated_published: bool,
    /// The kind-specific timer (battery, generator, heat, boot).
    timer: Option<EventKey>,
    /// Pool repair timer.
    repair_timer: Option<EventKey>,
    dynamic: Dynamic,
}

impl NodeState {
    fn intact(&self) -> bool {
        self.cut == 0 && self.damaged == 0 && self.out == 0 && !self.failed
    }
}

/// A reusable simulator for one scenario and one disaster.
///
/// Building a `Simulation` allocates its state once; each [`run`](Self::run)
/// resets it, so Monte Carlo loops reuse the allocations.
///
/// # Examples
/// ```
/// use outage::{RunOptions, Scenario, Simulation};
/// let scenario = Scenario::from_path("scenarios/minimal.ron")?;
/// let mut sim = Simulation::new(&scenario, None)?;
/// let report = sim.run(&RunOptions::default().seed(7))?;
/// assert!(report.service("web").unwrap().downtime > outage::SimDuration::ZERO);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Simulation<'s> {
    scenario: &'s Scenario,
    model: &'s Model,
    disaster: &'s Disaster,
    policy: Box<dyn RecoveryPolicy>,
    queue: EventQueue<Event>,
    now: SimTime,
    nodes: Vec<NodeState>,
    /// Per-component streams, kept across runs; `rng_generation[i]` says in
    /// which reset `rngs[i]` was last seeded, so a stream is re-seeded in
    /// place on first use in a run instead of reallocated.
    rngs: Vec<Option<Box<ChaCha8Rng>>>,
    rng_generation: Vec<u64>,
    /// Counts resets (runs); never 0 after the first.
    generation: u64,
    /// Stream keys of the hazards, made once.
    hazard_keys: Vec<String>,
    hazard_rngs: Vec<ChaCha8Rng>,
    team_rngs: Vec<ChaCha8Rng>,
    fires: Vec<hazards::FireState>,
    services: Vec<ServiceRun>,
    teams: Vec<TeamRun>,
    actions: Vec<Action>,
    /// Set when a service changes state, so that waiting work is re-checked.
    services_changed: bool,
    /// Set when the first service is impacted: every team has been called.
    incident: bool,
    /// Components to look at again, keyed by (topological rank, id) so that
    /// each one is evaluated after its inputs have settled.
    worklist: BinaryHeap<Reverse<u64>>,
    queued: Vec<bool>,
    cause: Event,
    record: bool,
    timeline: Vec<TimelineEntry>,
    seed: u64,
    run: u64,
}

impl<'s> Simulation<'s> {
    /// A simulator for the named disaster of `scenario`, or for its
    /// [default disaster](Scenario::default_disaster) when `disaster` is
    /// `None`, using the scenario's recovery policy.
    ///
    /// # Errors
    /// [`RunError::UnknownDisaster`].
    pub fn new(scenario: &'s Scenario, disaster: Option<&str>) -> Result<Self, RunError> {
        let disaster = match disaster {
            Some(name) => scenario.disaster(name).ok_or_else(|| RunError::UnknownDisaster {
                name: name.to_owned(),
                known: match scenario.disasters() {
                    [] => "no disasters".to_owned(),
                    all => all.iter().map(|d| format!("'{}'", d.name())).collect::<Vec<_>>().join(", "),
                },
            })?,
            None => scenario.default_disaster(),
        };
        let model = scenario.model();
        let n = model.components.len();
        Ok(Simulation {
            scenario,
            model,
            disaster,
            policy: builtin_policy(&model.policy),
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            nodes: Vec::with_capacity(n),
            rngs: Vec::with_capacity(n),
            rng_generation: Vec::with_capacity(n),
            generation: 0,
            hazard_keys: (0..disaster.hazards.len()).map(|i| format!("{}#{i}", disaster.name)).collect(),
            hazard_rngs: Vec::new(),
            team_rngs: Vec::new(),
            fires: Vec::new(),
            services: Vec::new(),
            teams: Vec::new(),
            actions: Vec::new(),
            services_changed: false,
            incident: false,
            worklist: BinaryHeap::new(),
            queued: vec![false; n],
            cause: Event::Start,
            record: false,
            timeline: Vec::new(),
            seed: 0,
            run: 0,
        })
    }

    /// A simulator for one of `scenario`'s disasters (or its default one).
    pub(crate) fn for_disaster(scenario: &'s Scenario, disaster: &'s Disaster) -> Self {
        let mut sim = Simulation::new(scenario, None).expect("the default disaster always exists");
        sim.disaster = disaster;
        sim.hazard_keys = (0..disaster.hazards.len()).map(|i| format!("{}#{i}", disaster.name)).collect();
        sim.fires.clear();
        sim
    }

    /// Replaces the recovery policy (which waiting action gets the next free
    /// engineer) with one of the library user's own.
    #[must_use]
    pub fn with_policy(mut self, policy: Box<dyn RecoveryPolicy>) -> Self {
        self.policy = policy;
        self
    }

    /// The disaster this simulator replays.
    pub fn disaster(&self) -> &'s Disaster {
        self.disaster
    }

    /// Replays the disaster once.
    ///
    /// # Errors
    /// [`RunError::EventBudgetExceeded`] when the run needs more than
    /// `options.max_events` events.
    pub fn run(&mut self, options: &RunOptions) -> Result<RunReport, RunError> {
        let (horizon, events) = self.simulate(options)?;
        Ok(self.finish(horizon, events))
    }

    /// Replays the disaster once and gives only each service's numbers and
    /// whether the run ended in a recovery deadlock: what a Monte Carlo
    /// study aggregates, without building names, causes or a timeline.
    pub(crate) fn run_numbers(&mut self, options: &RunOptions, out: &mut Vec<Numbers>) -> Result<bool, RunError> {
        let options = RunOptions { timeline: false, ..options.clone() };
        let (horizon, _) = self.simulate(&options)?;
        out.clear();
        out.extend(self.model.services.iter().zip(&self.services).map(|(def, run)| run.numbers(horizon, def)));
        Ok(!self.deadlocks(horizon).is_empty())
    }

    /// The event loop; returns the horizon and the number of events.
    fn simulate(&mut self, options: &RunOptions) -> Result<(SimTime, u64), RunError> {
        let horizon = SimTime::from(options.horizon.unwrap_or(self.scenario.horizon()));
        self.reset(options);
        let mut events: u64 = 0;
        while let Some((t, event)) = self.queue.pop() {
            if t > horizon {
                break; // the run is over; the rest of the queue is dropped at reset
            }
            events += 1;
            if events > options.max_events {
                return Err(RunError::EventBudgetExceeded { events: events - 1, at: self.now });
            }
            self.now = t;
            self.cause = event;
            self.handle(event);
            self.settle();
            self.dispatch_work();
            // Work handed out may have changed what a service waits on.
            self.settle();
        }
        Ok((horizon, events))
    }

    fn reset(&mut self, options: &RunOptions) {
        let model = self.model;
        self.seed = options.seed;
        self.run = options.run;
        self.record = options.timeline;
        self.timeline.clear();
        self.queue.clear();
        self.now = SimTime::ZERO;
        self.cause = Event::Start;
        self.nodes.clear();
        self.nodes.extend(model.components.iter().map(|c| NodeState {
            live: true,
            cut: 0,
            damaged: 0,
            out: 0,
            failed: false,
            overheated: false,
            overheated_published: false,
            timer: None,
            repair_timer: None,
            dynamic: match &c.detail {
                Detail::Ups { ride_through, .. } => Dynamic::Ups { battery_left: *ride_through, draining_since: None },
                Detail::Generator { fuel, .. } => {
                    Dynamic::Generator { phase: GenPhase::Idle, fuel_left: *fuel, running_since: SimTime::ZERO }
                }
                Detail::Pool(p) => Dynamic::Pool {
                    phase: PoolPhase::Running,
                    working: p.servers,
                    broken: 0,
                    pending: 0,
                    cold: false,
                    epoch: 0,
                    published: (p.servers, PoolPhase::Running),
                },
                _ => Dynamic::None,
            },
        }));
        self.generation += 1;
        self.rngs.resize_with(model.components.len(), || None);
        self.rng_generation.resize(model.components.len(), 0);
        if self.services.len() == model.services.len() {
            for (run, def) in self.services.iter_mut().zip(&model.services) {
                run.reset(def);
            }
        } else {
            self.services.clear();
            self.services.extend(model.services.iter().map(ServiceRun::new));
        }
        self.actions.clear();
        self.services_changed = false;
        self.incident = false;
        if self.teams.len() == model.teams.len() {
            for (team, def) in self.teams.iter_mut().zip(&model.teams) {
                team.reset(def);
            }
        } else {
            self.teams.clear();
            self.teams.extend(model.teams.iter().map(TeamRun::new));
        }
        self.team_rngs.clear();
        for t in &model.teams {
            self.team_rngs.push(rng::stream(self.seed, self.run, StreamKind::Recovery, &t.name));
        }
        self.fires.clear();
        self.fires.resize_with(self.disaster.hazards.len(), hazards::FireState::default);
        self.hazard_rngs.clear();
        for (i, h) in self.disaster.hazards.iter().enumerate() {
            self.hazard_rngs.push(rng::stream(self.seed, self.run, StreamKind::Hazard, &self.hazard_keys[i]));
            let hazard = i as u16;
            match h {
                Hazard::Fire(f) => {
                    let room = f.room.0;
                    self.queue.schedule_unkeyed(SimTime::from(f.at), Event::FireIgnites { hazard, room });
                }
                Hazard::Outage { at, .. } => {
                    self.queue.schedule_unkeyed(SimTime::from(*at), Event::OutageStarts { hazard })
                }
            }
        }
        for (i, c) in model.components.iter().enumerate() {
            if let Some(f) = &c.failures {
                let d = f.time_to_failure.sample(self.rng(i as u32));
                self.queue.schedule_unkeyed(SimTime::ZERO + d, Event::ComponentFailed(i as u32));
            }
        }
        // Settle the initial state (a hall cooled by units in another room,
        // say) without recording it as a change.
        let record = self.record;
        self.record = false;
        for i in 0..model.components.len() as u32 {
            self.touch(i);
        }
        self.settle();
        for s in &mut self.services {
            s.start_tally();
        }
        self.record = record;
    }

    fn finish(&mut self, horizon: SimTime, events: u64) -> RunReport {
        let deadlocks = self.deadlocks(horizon);
        let model = self.model;
        let services =
            model.services.iter().zip(&mut self.services).map(|(def, run)| run.finish(horizon, def, model)).collect();
        RunReport {
            scenario: self.scenario.name().to_owned(),
            disaster: self.disaster.name.clone(),
            seed: self.seed,
            run: self.run,
            horizon: horizon.since_start(),
            events,
            services,
            deadlocks,
            timeline: std::mem::take(&mut self.timeline),
        }
    }

    /// The component's own random stream, created on first use.
    fn rng(&mut self, i: u32) -> &mut ChaCha8Rng {
        let (seed, run, model) = (self.seed, self.run, self.model);
        let i = i as usize;
        if self.rng_generation[i] != self.generation {
            let fresh = rng::stream(seed, run, StreamKind::Component, &model.components[i].name);
            match &mut self.rngs[i] {
                Some(b) => **b = fresh,
                slot => *slot = Some(Box::new(fresh)),
            }
            self.rng_generation[i] = self.generation;
        }
        self.rngs[i].as_mut().expect("seeded above")
    }

    fn touch(&mut self, i: u32) {
        if !self.queued[i as usize] {
            self.queued[i as usize] = true;
            let rank = u64::from(self.model.rank[i as usize]);
            self.worklist.push(Reverse((rank << 32) | u64::from(i)));
        }
    }

    /// Propagates changes until every component agrees with its inputs.
    /// Components are taken in topological order, so outside dependency
    /// cycles each is evaluated once, with its inputs already settled, and
    /// no transient state reaches the report.
    fn settle(&mut self) {
        let model = self.model;
        while let Some(Reverse(key)) = self.worklist.pop() {
            let i = key as u32;
            if !self.queued[i as usize] {
                continue; // settled already, with the rest of its cycle
            }
            self.queued[i as usize] = false;
            let cycle = model.cycle_of[i as usize];
            if cycle != crate::model::NO_CYCLE {
                let members = &model.cycles[cycle as usize];
                for &m in members {
                    self.queued[m as usize] = false;
                }
                for m in self.evaluate_cycle(members) {
                    for &d in model.dependants.row(m) {
                        self.touch(d);
                    }
                }
                continue;
            }
            let changed = match &model.components[i as usize].detail {
                Detail::Service(s) => self.evaluate_service(*s as usize),
                _ => self.evaluate_infrastructure(i),
            };
            if changed {
                for &d in model.dependants.row(i) {
                    self.touch(d);
                }
            }
        }
    }

    fn schedule(&mut self, after: SimDuration, event: Event) -> EventKey {
        self.queue.schedule(self.now + after, event)
    }

    fn schedule_unkeyed(&mut self, after: SimDuration, event: Event) {
        self.queue.schedule_unkeyed(self.now + after, event);
    }

    fn cancel(&mut self, key: &mut Option<EventKey>) {
        if let Some(k) = key.take() {
            self.queue.cancel(k);
        }
    }

    fn cancel_timer(&mut self, i: u32) {
        let mut key = self.nodes[i as usize].timer.take();
        self.cancel(&mut key);
    }

    fn record_change(&mut self, i: u32, state: State, level: f64) {
        if self.record {
            let c = &self.model.components[i as usize];
            let cause = self.describe_cause();
            let blocked_by = match &c.detail {
                Detail::Service(s) => self.services[*s as usize].blocker_label(self.model, self),
                _ => None,
            };
            self.timeline.push(TimelineEntry {
                at: self.now,
                component: c.name.clone(),
                kind: c.kind.noun(),
                state,
                level,
                cause,
                blocked_by,
            });
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::FireIgnites { hazard, room } => self.fire_ignites(hazard, room),
            Event::FireDamages { hazard, room } => self.fire_damages(hazard, room),
            Event::SuppressionActs { hazard, room } => self.suppression_acts(hazard, room),
            Event::PowerCutOrdered { hazard } => self.power_cut(hazard),
            Event::FireOut { hazard } => self.fire_out(hazard),
            Event::RoomsRestored { hazard, stage } => self.restore(hazard, stage),
            Event::OutageStarts { hazard } => self.outage_starts(hazard),
            Event::OutageEnds { hazard } => self.outage_ends(hazard),
            Event::BatteryExhausted(i) => {
                self.nodes[i as usize].timer = None;
                self.nodes[i as usize].dynamic = Dynamic::Ups { battery_left: SimDuration::ZERO, draining_since: None };
                self.touch(i);
            }
            Event::GeneratorStarted(i) => self.generator_started(i),
            Event::FuelExhausted(i) => {
                self.nodes[i as usize].timer = None;
                if let Dynamic::Generator { phase, fuel_left, .. } = &mut self.nodes[i as usize].dynamic {
                    *phase = GenPhase::Idle;
                    *fuel_left = SimDuration::ZERO;
                }
                self.touch(i);
            }
            Event::Overheated(i) => {
                self.nodes[i as usize].timer = None;
                self.nodes[i as usize].overheated = true;
                self.touch(i);
            }
            Event::PoolBooted(i) => {
                self.nodes[i as usize].timer = None;
                self.pool_booted(i);
            }
            Event::BatchBooted { pool, epoch, servers } => self.batch_booted(pool, epoch, u64::from(servers)),
            Event::PoolRepaired(i) => self.pool_repaired(i),
            Event::ComponentFailed(i) => {
                self.nodes[i as usize].failed = true;
                let f =
                    self.model.components[i as usize].failures.as_ref().expect("only components with failures fail");
                let d = f.time_to_repair.sample(self.rng(i));
                self.schedule_unkeyed(d, Event::ComponentRepaired(i));
                self.touch(i);
            }
            Event::ComponentRepaired(i) => {
                self.nodes[i as usize].failed = false;
                if let Dynamic::Generator { phase, .. } = &mut self.nodes[i as usize].dynamic
                    && *phase == GenPhase::FailedToStart
                {
                    *phase = GenPhase::Idle;
                }
                let f =
                    self.model.components[i as usize].failures.as_ref().expect("only components with failures fail");
                let d = f.time_to_failure.sample(self.rng(i));
                self.schedule_unkeyed(d, Event::ComponentFailed(i));
                self.touch(i);
            }
            Event::EngineerArrives { team, engineer } => self.engineer_ready(team, engineer),
            Event::EngineerRested { team, engineer } => self.engineer_ready(team, engineer),
            Event::ActionDone { action } => self.action_done(action),
            Event::FailoverDetected { service, epoch } => self.failover_detected(service as usize, epoch),
            Event::FailoverSwitched { service, epoch } => {
                if self.services[service as usize].failover_epoch == epoch {
                    self.complete_failover(service as usize);
                }
            }
            Event::StandbyReady { service, deployment } => {
                self.services[service as usize].deployments[deployment as usize].serving = true;
                self.touch(self.model.services[service as usize].component.0);
            }
            Event::SurgeEnds { service } => {
                let run = &mut self.services[service as usize];
                if run.surge_until.is_some_and(|t| t <= self.now) {
                    run.surge_until = None;
                    self.touch(self.model.services[service as usize].component.0);
                }
            }
            Event::Start => {}
        }
    }
}

/// A uniform draw in [0, 1) from the top 53 bits.
fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}
