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
//!    that need them. Only components whose inputs changed are looked at
//!    again; the graph is never re-evaluated as a whole.
//! 3. Propagation may schedule or cancel timed events (a UPS battery running
//!    down, a pool booting, a room overheating).
//! 4. The run stops at the horizon; per-service totals are closed there.
//!
//! # Dependency cycles
//! Services may depend on each other in cycles. Down dominates: a service is
//! evaluated from the current state of its dependencies, so the members of a
//! cycle that are all down stay down even once their own capacity returns
//! (a recovery deadlock), and propagation always terminates.
//! Infrastructure loops (a UPS powering its own input) are rejected by
//! validation.

mod event;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};

use crate::disaster::{Disaster, Fire, Hazard};
use crate::model::{Detail, Model};
use crate::queue::{EventKey, EventQueue};
use crate::report::{RunReport, ServiceTally, State, TimelineEntry};
use crate::rng::{self, StreamKind};
use crate::scenario::Scenario;
use crate::scenario::spec::{CutScope, Fuel, Suppression};
use crate::time::{SimDuration, SimTime};
pub(crate) use event::Event;

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
    Booting,
    Running,
}

/// Kind-specific dynamic state.
#[derive(Clone, Copy, Debug)]
enum Dynamic {
    None,
    Ups { battery_left: SimDuration, draining_since: Option<SimTime> },
    Generator { phase: GenPhase, fuel_left: SimDuration, running_since: SimTime },
    Pool { phase: PoolPhase, working: u64, broken: u64, cold: bool, published: u64 },
    Service { state: State, served: f64 },
}

#[derive(Clone, Debug)]
struct NodeState {
    live: bool,
    /// Authority power cuts in force.
    cut: u8,
    /// Fires that destroyed the equipment and whose restoration is pending.
    damaged: u8,
    /// Scripted outages in force.
    out: u8,
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

/// Per-fire bookkeeping.
#[derive(Clone, Debug, Default)]
struct FireState {
    out: bool,
    /// Burning rooms, each with the keys of its pending fire events.
    burning: Vec<(u32, Vec<EventKey>)>,
    damaged: Vec<u32>,
    cut: Vec<u32>,
    cut_key: Option<EventKey>,
    out_key: Option<EventKey>,
    /// Rooms this fire has reached (burning or burnt), so it never re-ignites them.
    reached: Vec<u32>,
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
    queue: EventQueue<Event>,
    now: SimTime,
    nodes: Vec<NodeState>,
    rngs: Vec<Option<Box<ChaCha8Rng>>>,
    hazard_rngs: Vec<ChaCha8Rng>,
    fires: Vec<FireState>,
    tallies: Vec<ServiceTally>,
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
    /// [default disaster](Scenario::default_disaster) when `disaster` is `None`.
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
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            nodes: Vec::with_capacity(n),
            rngs: Vec::with_capacity(n),
            hazard_rngs: Vec::new(),
            fires: Vec::new(),
            tallies: Vec::new(),
            worklist: BinaryHeap::new(),
            queued: vec![false; n],
            cause: Event::Start,
            record: false,
            timeline: Vec::new(),
            seed: 0,
            run: 0,
        })
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
        let horizon = SimTime::from(options.horizon.unwrap_or(self.scenario.horizon()));
        self.reset(options);
        let mut events: u64 = 0;
        while let Some(t) = self.queue.peek_time() {
            if t > horizon {
                break;
            }
            let (t, event) = self.queue.pop().expect("peeked an event");
            events += 1;
            if events > options.max_events {
                return Err(RunError::EventBudgetExceeded { events: events - 1, at: self.now });
            }
            self.now = t;
            self.cause = event;
            self.handle(event);
            self.settle();
        }
        Ok(self.finish(horizon, events))
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
                    cold: false,
                    published: p.servers,
                },
                Detail::Service(_) => Dynamic::Service { state: State::Up, served: 1.0 },
                _ => Dynamic::None,
            },
        }));
        self.rngs.clear();
        self.rngs.resize_with(model.components.len(), || None);
        self.tallies.clear();
        self.tallies.resize_with(model.services.len(), ServiceTally::new);
        self.fires.clear();
        self.fires.resize_with(self.disaster.hazards.len(), FireState::default);
        self.hazard_rngs.clear();
        for (i, h) in self.disaster.hazards.iter().enumerate() {
            let key = format!("{}#{i}", self.disaster.name);
            self.hazard_rngs.push(rng::stream(self.seed, self.run, StreamKind::Hazard, &key));
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
        for (i, s) in model.services.iter().enumerate() {
            if let Dynamic::Service { state, served } = self.nodes[s.component.index()].dynamic
                && state != State::Up
            {
                self.tallies[i].change(SimTime::ZERO, state, served);
            }
        }
        self.record = record;
    }

    fn finish(&mut self, horizon: SimTime, events: u64) -> RunReport {
        let services = self
            .model
            .services
            .iter()
            .zip(&self.tallies)
            .map(|(s, t)| t.finish(horizon, &s.name, s.users, s.priority))
            .collect();
        RunReport {
            scenario: self.scenario.name().to_owned(),
            disaster: self.disaster.name.clone(),
            seed: self.seed,
            run: self.run,
            horizon: horizon.since_start(),
            events,
            services,
            timeline: std::mem::take(&mut self.timeline),
        }
    }

    /// The component's own random stream, created on first use.
    fn rng(&mut self, i: u32) -> &mut ChaCha8Rng {
        let (seed, run, model) = (self.seed, self.run, self.model);
        self.rngs[i as usize].get_or_insert_with(|| {
            Box::new(rng::stream(seed, run, StreamKind::Component, &model.components[i as usize].name))
        })
    }

    fn touch(&mut self, i: u32) {
        if !self.queued[i as usize] {
            self.queued[i as usize] = true;
            let rank = u64::from(self.model.rank[i as usize]);
            self.worklist.push(Reverse(rank << 32 | u64::from(i)));
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
            self.queued[i as usize] = false;
            if self.evaluate(i) {
                for &d in model.dependants.row(i) {
                    self.touch(d);
                }
            }
        }
    }

    fn schedule(&mut self, after: SimDuration, event: Event) -> EventKey {
        self.queue.schedule(self.now + after, event)
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

    fn any_live(&self, ids: &[u32]) -> bool {
        ids.iter().any(|&j| self.nodes[j as usize].live)
    }

    fn container_live(&self, i: u32) -> bool {
        self.model.components[i as usize].container.is_none_or(|c| self.nodes[c.index()].live)
    }

    /// Sets a component's liveness; returns whether it changed.
    fn publish_live(&mut self, i: u32, live: bool) -> bool {
        if self.nodes[i as usize].live == live {
            return false;
        }
        self.nodes[i as usize].live = live;
        let state = if live { State::Up } else { State::Down };
        self.record_change(i, state, if live { 1.0 } else { 0.0 });
        true
    }

    fn record_change(&mut self, i: u32, state: State, level: f64) {
        if self.record {
            let c = &self.model.components[i as usize];
            self.timeline.push(TimelineEntry {
                at: self.now,
                component: c.name.clone(),
                kind: c.kind.noun(),
                state,
                level,
                cause: self.cause.describe(self.model, self.disaster),
            });
        }
    }

    /// Brings component `i` in line with its inputs; returns whether what
    /// its dependants see changed.
    fn evaluate(&mut self, i: u32) -> bool {
        let model = self.model;
        let component = &model.components[i as usize];
        let intact = self.nodes[i as usize].intact();
        let on = intact && self.container_live(i);
        match &component.detail {
            Detail::Site | Detail::Utility => self.publish_live(i, intact),
            Detail::Switchboard { inputs } => {
                let live = on && self.any_live(inputs);
                self.publish_live(i, live)
            }
            Detail::Cooling { power } => {
                let live = on && (power.is_empty() || self.any_live(power));
                self.publish_live(i, live)
            }
            Detail::Room(room) => {
                let live = on
                    && (room.feeds.is_empty() || self.any_live(&room.feeds))
                    && (room.network.is_empty() || self.any_live(&room.network));
                if !room.cooling.is_empty() {
                    let cooled = self.any_live(&room.cooling);
                    if cooled || !live {
                        // Cooling back, or nothing running to overheat.
                        self.cancel_timer(i);
                        self.nodes[i as usize].overheated = false;
                    } else if !self.nodes[i as usize].overheated && self.nodes[i as usize].timer.is_none() {
                        let key = self.schedule(room.thermal_delay, Event::Overheated(i));
                        self.nodes[i as usize].timer = Some(key);
                    }
                }
                let node = &mut self.nodes[i as usize];
                let overheated = node.overheated;
                if node.live == live && node.overheated_published == overheated {
                    return false;
                }
                node.live = live;
                node.overheated_published = overheated;
                let state = match (live, overheated) {
                    (false, _) => State::Down,
                    (true, true) => State::Degraded,
                    (true, false) => State::Up,
                };
                self.record_change(i, state, if state == State::Up { 1.0 } else { 0.0 });
                true
            }
            Detail::Ups { inputs, ride_through } => {
                let fed = self.any_live(inputs);
                let Dynamic::Ups { mut battery_left, mut draining_since } = self.nodes[i as usize].dynamic else {
                    unreachable!("a UPS has UPS state")
                };
                let live = if !on || fed {
                    if let Some(since) = draining_since.take() {
                        battery_left = battery_left.saturating_sub(self.now - since);
                        self.cancel_timer(i);
                    }
                    if on && fed {
                        battery_left = *ride_through; // recharged
                    }
                    on
                } else {
                    if draining_since.is_none() && !battery_left.is_zero() {
                        draining_since = Some(self.now);
                        let key = self.schedule(battery_left, Event::BatteryExhausted(i));
                        self.nodes[i as usize].timer = Some(key);
                    }
                    draining_since.is_some()
                };
                self.nodes[i as usize].dynamic = Dynamic::Ups { battery_left, draining_since };
                self.publish_live(i, live)
            }
            Detail::Generator { backs_up, start_probability, start_delay, .. } => {
                let needed = !self.any_live(backs_up);
                let Dynamic::Generator { mut phase, mut fuel_left, running_since } = self.nodes[i as usize].dynamic
                else {
                    unreachable!("a generator has generator state")
                };
                if !on || !needed {
                    if phase == GenPhase::Running {
                        fuel_left = fuel_left.saturating_sub(self.now - running_since);
                    }
                    if matches!(phase, GenPhase::Running | GenPhase::Starting) {
                        self.cancel_timer(i);
                        phase = GenPhase::Idle;
                    }
                } else if phase == GenPhase::Idle && !fuel_left.is_zero() {
                    let p = *start_probability;
                    let starts = p >= 1.0 || (p > 0.0 && unit(self.rng(i)) < p);
                    if starts {
                        let delay = start_delay.sample(self.rng(i));
                        phase = GenPhase::Starting;
                        let key = self.schedule(delay, Event::GeneratorStarted(i));
                        self.nodes[i as usize].timer = Some(key);
                    } else {
                        phase = GenPhase::FailedToStart;
                    }
                }
                self.nodes[i as usize].dynamic = Dynamic::Generator { phase, fuel_left, running_since };
                let live = on && needed && phase == GenPhase::Running;
                self.publish_live(i, live)
            }
            Detail::Pool(pool) => {
                // Servers stop when their hall is dark or has shut down for heat.
                let on = on && component.container.is_none_or(|c| !self.nodes[c.index()].overheated_published);
                let Dynamic::Pool { phase, .. } = self.nodes[i as usize].dynamic else {
                    unreachable!("a pool has pool state")
                };
                match (on, phase) {
                    (false, PoolPhase::Booting | PoolPhase::Running) => {
                        self.cancel_timer(i);
                        let mut key = self.nodes[i as usize].repair_timer.take();
                        self.cancel(&mut key);
                        if let Dynamic::Pool { phase, working, cold, .. } = &mut self.nodes[i as usize].dynamic {
                            *phase = PoolPhase::Off;
                            *working = 0;
                            *cold = true;
                        }
                    }
                    (true, PoolPhase::Off) => {
                        let boot = pool.boot.sample(self.rng(i));
                        if let Dynamic::Pool { phase, .. } = &mut self.nodes[i as usize].dynamic {
                            *phase = PoolPhase::Booting;
                        }
                        if boot.is_zero() {
                            self.finish_boot(i);
                        } else {
                            let key = self.schedule(boot, Event::PoolBooted(i));
                            self.nodes[i as usize].timer = Some(key);
                        }
                    }
                    _ => {}
                }
                self.publish_pool(i, pool.servers)
            }
            Detail::Service(s) => self.evaluate_service(*s as usize),
        }
    }

    /// Servers come up after a boot; after a hard power loss some are broken.
    fn finish_boot(&mut self, i: u32) {
        let Detail::Pool(pool) = &self.model.components[i as usize].detail else { unreachable!("a pool") };
        let Dynamic::Pool { broken, cold, .. } = self.nodes[i as usize].dynamic else { unreachable!("a pool") };
        let mut broken = broken;
        if cold && pool.broken_fraction > 0.0 {
            let candidates = pool.servers - broken;
            let newly = Binomial::new(candidates, pool.broken_fraction).map_or(0, |b| b.sample(self.rng(i)));
            broken += newly;
        }
        if broken > 0 && self.nodes[i as usize].repair_timer.is_none() {
            let d = pool.repair.sample(self.rng(i));
            let key = self.schedule(d, Event::PoolRepaired(i));
            self.nodes[i as usize].repair_timer = Some(key);
        }
        self.nodes[i as usize].timer = None;
        if let Dynamic::Pool { phase, working, broken: b, cold, .. } = &mut self.nodes[i as usize].dynamic {
            *phase = PoolPhase::Running;
            *working = pool.servers - broken;
            *b = broken;
            *cold = false;
        }
    }

    /// Publishes a pool's working servers; returns whether they changed.
    fn publish_pool(&mut self, i: u32, servers: u64) -> bool {
        let Dynamic::Pool { working, published, .. } = &mut self.nodes[i as usize].dynamic else {
            unreachable!("a pool")
        };
        if *working == *published {
            return false;
        }
        *published = *working;
        let working = *working;
        self.nodes[i as usize].live = working > 0;
        let state = match working {
            0 => State::Down,
            w if w < servers => State::Degraded,
            _ => State::Up,
        };
        self.record_change(i, state, working as f64 / servers as f64);
        true
    }

    fn working(&self, pool: usize) -> u64 {
        match self.nodes[pool].dynamic {
            Dynamic::Pool { published, .. } => published,
            _ => 0,
        }
    }

    fn service_state(&self, s: usize) -> (State, f64) {
        match self.nodes[self.model.services[s].component.index()].dynamic {
            Dynamic::Service { state, served } => (state, served),
            _ => (State::Down, 0.0),
        }
    }

    fn evaluate_service(&mut self, s: usize) -> bool {
        let def = &self.model.services[s];
        let i = def.component.index();
        let capacity: f64 = def.deployments.iter().map(|d| d.share * self.working(d.pool.index()) as f64).sum();
        let mut served = (capacity / def.demand as f64).min(1.0);
        let mut impaired = false;
        for h in &def.hard {
            let (state, level) = self.service_state(h.index());
            served = served.min(level);
            impaired |= state != State::Up;
        }
        for &(d, impact) in &def.soft {
            let (state, level) = self.service_state(d.index());
            if state != State::Up {
                impaired = true;
                served = served.min(1.0 - impact * (1.0 - level));
            }
        }
        if self.nodes[i].out > 0 {
            served = 0.0;
        }
        let state = if served <= 0.0 {
            served = 0.0;
            State::Down
        } else if served < 1.0 || impaired {
            State::Degraded
        } else {
            State::Up
        };
        let Dynamic::Service { state: old_state, served: old_served } = self.nodes[i].dynamic else {
            unreachable!("a service")
        };
        if state == old_state && served == old_served {
            return false;
        }
        self.nodes[i].dynamic = Dynamic::Service { state, served };
        self.nodes[i].live = state != State::Down;
        self.tallies[s].change(self.now, state, served);
        self.record_change(i as u32, state, served);
        true
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::FireIgnites { hazard, room } => self.fire_ignites(hazard, room),
            Event::FireDamages { hazard, room } => {
                let fire = &mut self.fires[hazard as usize];
                // Only a room still burning is damaged (suppression may have won).
                if fire.burning.iter().any(|(r, _)| *r == room) && !fire.damaged.contains(&room) {
                    fire.damaged.push(room);
                    self.nodes[room as usize].damaged = self.nodes[room as usize].damaged.saturating_add(1);
                    self.touch(room);
                }
            }
            Event::SuppressionActs { hazard, room } => self.suppression_acts(hazard, room),
            Event::PowerCutOrdered { hazard } => self.power_cut(hazard),
            Event::FireOut { hazard } => self.fire_out(hazard),
            Event::RoomsRestored { hazard, stage } => self.restore(hazard, stage),
            Event::OutageStarts { hazard } => {
                let Hazard::Outage { target, duration, .. } = &self.disaster.hazards[hazard as usize] else {
                    unreachable!("an outage")
                };
                let t = target.0;
                self.nodes[t as usize].out = self.nodes[t as usize].out.saturating_add(1);
                self.touch(t);
                if let Some(d) = duration {
                    let d = d.sample(&mut self.hazard_rngs[hazard as usize]);
                    self.queue.schedule_unkeyed(self.now + d, Event::OutageEnds { hazard });
                }
            }
            Event::OutageEnds { hazard } => {
                let Hazard::Outage { target, .. } = &self.disaster.hazards[hazard as usize] else {
                    unreachable!("an outage")
                };
                let t = target.0;
                self.nodes[t as usize].out = self.nodes[t as usize].out.saturating_sub(1);
                self.touch(t);
            }
            Event::BatteryExhausted(i) => {
                self.nodes[i as usize].timer = None;
                self.nodes[i as usize].dynamic = Dynamic::Ups { battery_left: SimDuration::ZERO, draining_since: None };
                self.touch(i);
            }
            Event::GeneratorStarted(i) => {
                self.nodes[i as usize].timer = None;
                if let Dynamic::Generator { phase, fuel_left, running_since } = &mut self.nodes[i as usize].dynamic {
                    *phase = GenPhase::Running;
                    *running_since = self.now;
                    let fuel = *fuel_left;
                    let key = self.schedule(fuel, Event::FuelExhausted(i));
                    self.nodes[i as usize].timer = Some(key);
                }
                self.touch(i);
            }
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
                self.finish_boot(i);
                self.touch(i);
            }
            Event::PoolRepaired(i) => {
                self.nodes[i as usize].repair_timer = None;
                let Detail::Pool(pool) = &self.model.components[i as usize].detail else { unreachable!("a pool") };
                if let Dynamic::Pool { phase, working, broken, .. } = &mut self.nodes[i as usize].dynamic {
                    *broken = 0;
                    if *phase == PoolPhase::Running {
                        *working = pool.servers;
                    }
                }
                self.touch(i);
            }
            Event::ComponentFailed(i) => {
                self.nodes[i as usize].failed = true;
                let f =
                    self.model.components[i as usize].failures.as_ref().expect("only components with failures fail");
                let d = f.time_to_repair.sample(self.rng(i));
                self.queue.schedule_unkeyed(self.now + d, Event::ComponentRepaired(i));
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
                self.queue.schedule_unkeyed(self.now + d, Event::ComponentFailed(i));
                self.touch(i);
            }
            Event::Start => {}
        }
    }

    fn fire(&self, hazard: u16) -> &'s Fire {
        let disaster: &'s Disaster = self.disaster;
        match &disaster.hazards[hazard as usize] {
            Hazard::Fire(f) => f,
            Hazard::Outage { .. } => unreachable!("fire events belong to fires"),
        }
    }

    fn fire_ignites(&mut self, hazard: u16, room: u32) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        if self.fires[h].out || self.fires[h].reached.contains(&room) {
            return;
        }
        let first = self.fires[h].reached.is_empty();
        self.fires[h].reached.push(room);
        let mut keys = Vec::new();
        if first {
            let d = fire.extinguished_after.sample(&mut self.hazard_rngs[h]);
            self.fires[h].out_key = Some(self.schedule(d, Event::FireOut { hazard }));
            if let Some((_, after)) = &fire.power_cut {
                let d = after.sample(&mut self.hazard_rngs[h]);
                self.fires[h].cut_key = Some(self.schedule(d, Event::PowerCutOrdered { hazard }));
            }
        }
        let damage = fire.damage_after.sample(&mut self.hazard_rngs[h]);
        keys.push(self.schedule(damage, Event::FireDamages { hazard, room }));
        let Detail::Room(detail) = &self.model.components[room as usize].detail else {
            unreachable!("fires burn rooms")
        };
        match detail.suppression {
            Suppression::None => {}
            Suppression::Gas { acts_after, .. } | Suppression::Water { acts_after, .. } => {
                keys.push(self.schedule(acts_after, Event::SuppressionActs { hazard, room }));
            }
        }
        if let Some((after, probability)) = &fire.spread {
            for &next in &detail.adjacent {
                if self.fires[h].reached.contains(&next) {
                    continue;
                }
                let rng = &mut self.hazard_rngs[h];
                if *probability >= 1.0 || unit(rng) < *probability {
                    let d = after.sample(rng);
                    keys.push(self.schedule(d, Event::FireIgnites { hazard, room: next }));
                }
            }
        }
        self.fires[h].burning.push((room, keys));
    }

    fn suppression_acts(&mut self, hazard: u16, room: u32) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        let Detail::Room(detail) = &self.model.components[room as usize].detail else {
            unreachable!("fires burn rooms")
        };
        let p = match detail.suppression {
            Suppression::None => 0.0,
            Suppression::Gas { .. } if fire.fuel == Fuel::LithiumBattery => 0.0,
            Suppression::Gas { success_probability, .. } | Suppression::Water { success_probability, .. } => {
                success_probability
            }
        };
        let succeeded = p >= 1.0 || (p > 0.0 && unit(&mut self.hazard_rngs[h]) < p);
        if !succeeded {
            return;
        }
        if let Some(pos) = self.fires[h].burning.iter().position(|(r, _)| *r == room) {
            let (_, keys) = self.fires[h].burning.swap_remove(pos);
            for k in keys {
                self.queue.cancel(k);
            }
        }
        if self.fires[h].burning.is_empty() {
            let mut key = self.fires[h].out_key.take();
            self.cancel(&mut key);
            self.fire_out(hazard);
        }
    }

    fn power_cut(&mut self, hazard: u16) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        self.fires[h].cut_key = None;
        let rooms: Vec<u32> = match fire.power_cut.as_ref().map(|(scope, _)| *scope) {
            Some(CutScope::Site) => fire.site_rooms.iter().map(|r| r.0).collect(),
            _ => {
                let fire = &self.fires[h];
                let mut rooms: Vec<u32> = fire.burning.iter().map(|(r, _)| *r).collect();
                rooms.extend(fire.damaged.iter().filter(|r| !rooms.contains(r)).collect::<Vec<_>>());
                rooms
            }
        };
        for r in rooms {
            if !self.fires[h].cut.contains(&r) {
                self.fires[h].cut.push(r);
                self.nodes[r as usize].cut = self.nodes[r as usize].cut.saturating_add(1);
                self.touch(r);
            }
        }
    }

    fn fire_out(&mut self, hazard: u16) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        if self.fires[h].out {
            return;
        }
        self.fires[h].out = true;
        self.fires[h].out_key = None;
        let mut key = self.fires[h].cut_key.take();
        self.cancel(&mut key);
        for (_, keys) in std::mem::take(&mut self.fires[h].burning) {
            for k in keys {
                self.queue.cancel(k);
            }
        }
        let d = fire.inspection.sample(&mut self.hazard_rngs[h]);
        self.queue.schedule_unkeyed(self.now + d, Event::RoomsRestored { hazard, stage: 0 });
    }

    fn restore(&mut self, hazard: u16, stage: u16) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        let in_stage = |r: u32| -> bool {
            if stage == 0 {
                !fire.stages.iter().any(|(rooms, _)| rooms.iter().any(|x| x.0 == r))
            } else {
                fire.stages[stage as usize - 1].0.iter().any(|x| x.0 == r)
            }
        };
        let cut: Vec<u32> = self.fires[h].cut.iter().copied().filter(|&r| in_stage(r)).collect();
        let damaged: Vec<u32> = self.fires[h].damaged.iter().copied().filter(|&r| in_stage(r)).collect();
        self.fires[h].cut.retain(|&r| !in_stage(r));
        self.fires[h].damaged.retain(|&r| !in_stage(r));
        for r in cut {
            self.nodes[r as usize].cut = self.nodes[r as usize].cut.saturating_sub(1);
            self.touch(r);
        }
        for r in damaged {
            self.nodes[r as usize].damaged = self.nodes[r as usize].damaged.saturating_sub(1);
            self.touch(r);
        }
        if let Some((_, after)) = fire.stages.get(stage as usize) {
            let d = after.sample(&mut self.hazard_rngs[h]);
            self.queue.schedule_unkeyed(self.now + d, Event::RoomsRestored { hazard, stage: stage + 1 });
        }
    }
}

/// A uniform draw in [0, 1) from the top 53 bits.
fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}
