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
//! and propagation always terminates. A member is *held* by the cycle when
//! its own inputs would let it serve but a hard dependency in the cycle is
//! down and held too; its blame is then the deadlock (or the bootstrap it
//! waits for), not the dependency.
//!
//! A recovery deadlock is a cycle of waits among down services: hard
//! dependencies (from when the waiting service has servers to serve on
//! again: before that its own servers hold it), work blocked on a required
//! service (from when it was found blocked), automatic failovers waiting
//! for theirs. It is written to the timeline, at each of its services, when
//! it forms, listed in the report with that time, and blamed from then on.
//!
//! A bootstrap (a scenario's `recovery.bootstraps`) is the way out of a
//! hard-dependency cycle: manual work queued when some service it starts is
//! held and every service it starts that is held could serve on its own
//! inputs (so it is not done in vain while the power is still off); it is
//! dropped if that stops being true before an engineer takes it. Once done,
//! the services it starts that are still down are *cold-started*: down
//! dominance no longer holds them, and they come back as soon as their own
//! inputs allow (the others of the cycle then follow). The mark is cleared
//! when a service is back, so a later crash needs a new bootstrap.
//! Infrastructure loops (a UPS powering its own input) are rejected by
//! validation.

mod context;
mod cycle;
mod dispatch;
mod event;
mod hazards;
mod infra;
pub mod outcome;
mod services;
mod tally;

use rand::Rng;

use crate::dist::Dist;
use crate::model::{ComponentId, Detail, Disaster, Hazard, Model, ServiceId, State, TeamCall};
use crate::recovery::{RecoveryPolicy, builtin_policy};
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};
use context::Ctx;
use dispatch::Crew;
pub(crate) use event::Event;
use hazards::Hazards;
use infra::Infra;
pub use outcome::{Cause, Deadlock, Destruction, RunReport, ServiceOutcome, TimelineEntry};
use services::Services;
pub(crate) use tally::Numbers;

/// Default cap on the events of one run; see [`RunOptions::max_events`].
pub const DEFAULT_MAX_EVENTS: u64 = 100_000_000;

/// Default cap on the steps of one run; see [`RunOptions::max_steps`].
pub const DEFAULT_MAX_STEPS: u64 = 100_000_000;

/// What handling an event costs in steps, beside the elements it reaches:
/// taking it from the queue, scheduling what follows, the work and
/// conditions looked at after it. Measured: an event costs about as much
/// time as 16 elements looked at (BENCHMARKS.md).
pub const STEPS_PER_EVENT: u64 = 16;

/// Default cap on the timeline of one run (about 150 bytes an entry); see
/// [`RunOptions::max_timeline`].
pub const DEFAULT_MAX_TIMELINE: usize = 2_000_000;

/// How many of the latest events a run keeps to say, when it must stop,
/// what was generating them.
const RECENT_EVENTS: usize = 64;

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
    /// that a scenario with absurd failure rates cannot run forever. Each
    /// event is also [`STEPS_PER_EVENT`] steps, so at the defaults
    /// [`max_steps`](Self::max_steps) stops a busy run first.
    pub max_events: u64,
    /// Stop with [`RunError::StepBudgetExceeded`] after this many steps,
    /// so that frequent events that each reach much of the model cannot
    /// run for hours: events alone do not bound a run's time, since one
    /// event can reach every element. An event handled is
    /// [`STEPS_PER_EVENT`] steps, an element looked at again one step plus
    /// one per input it reads, a link followed to a dependant one step; a
    /// run's time is in proportion to its steps.
    pub max_steps: u64,
    /// Stop with [`RunError::TimelineTooLong`] when the timeline would hold
    /// more entries than this, so that recording it cannot exhaust memory
    /// (events cost time; timeline entries cost memory).
    pub max_timeline: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: 0,
            run: 0,
            horizon: None,
            timeline: true,
            max_events: DEFAULT_MAX_EVENTS,
            max_steps: DEFAULT_MAX_STEPS,
            max_timeline: DEFAULT_MAX_TIMELINE,
        }
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
    /// Sets the most events a run may take.
    #[must_use]
    pub fn max_events(mut self, events: u64) -> Self {
        self.max_events = events;
        self
    }
    /// Sets the most steps a run may take.
    #[must_use]
    pub fn max_steps(mut self, steps: u64) -> Self {
        self.max_steps = steps;
        self
    }
    /// Sets the most entries the timeline may hold.
    #[must_use]
    pub fn max_timeline(mut self, entries: usize) -> Self {
        self.max_timeline = entries;
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
    /// The run would last no time at all.
    #[error("the horizon must be longer than zero")]
    ZeroHorizon,
    /// The run was stopped after too many events.
    #[error(
        "run stopped after {events} events at {at}: the scenario generates events faster than it can be simulated; \
         most of the latest were: {busiest} (check its failure rates, or what it backs up or feeds; or raise the \
         cap, --max-events)"
    )]
    EventBudgetExceeded {
        /// Events processed.
        events: u64,
        /// Simulated time reached.
        at: SimTime,
        /// The most frequent of the latest events, with how many of them
        /// it was: what generates the events.
        busiest: String,
    },
    /// The run was stopped after too many steps (see
    /// [`RunOptions::max_steps`]): frequent events that each reach much of
    /// the model.
    #[error(
        "run stopped after {steps} steps ({events} events, about {per_event} steps each) at {at}: the \
         scenario's events come too often or reach too much of it to be simulated; the costliest so far: \
         {costliest}; most of the latest were: {busiest} (check their failure rates, or what they feed; or raise the cap, \
         --max-steps)"
    )]
    StepBudgetExceeded {
        /// Steps taken.
        steps: u64,
        /// Events processed.
        events: u64,
        /// Steps per event, rounded down.
        per_event: u64,
        /// Simulated time reached.
        at: SimTime,
        /// The event that took the most steps so far, with how many.
        costliest: String,
        /// The most frequent of the latest events, with how many of them
        /// it was.
        busiest: String,
    },
    /// The run would take more events than it may (the fewer of
    /// [`RunOptions::max_events`] and [`RunOptions::max_steps`] /
    /// [`STEPS_PER_EVENT`]), known before it spends them (a team whose
    /// shifts change far too often for its size and the time left).
    #[error(
        "run stopped at {at}: {cause} would take about {needed} events, more than a run may take ({budget}); \
         {advice}, or raise the caps (--max-steps, at {STEPS_PER_EVENT} steps an event, and --max-events)"
    )]
    EventBudgetTooSmall {
        /// Simulated time reached.
        at: SimTime,
        /// What would take the events.
        cause: String,
        /// About how many events it would take.
        needed: u64,
        /// The cap.
        budget: u64,
        /// What to change in the scenario.
        advice: String,
    },
    /// The run's timeline grew past [`RunOptions::max_timeline`].
    #[error(
        "run stopped at {at}: its timeline passed {entries} entries, most of the latest from: {busiest}; run \
         without the timeline (--no-timeline with the table, or a Monte Carlo study), check that element's \
         failure rates, or raise the cap (--max-timeline)"
    )]
    TimelineTooLong {
        /// Entries recorded.
        entries: usize,
        /// Simulated time reached.
        at: SimTime,
        /// The most frequent cause of the latest entries, and how many.
        busiest: String,
    },
}

impl RunError {
    /// `name` is none of the scenario's disasters (the message lists them).
    pub(crate) fn unknown_disaster(scenario: &Scenario, name: &str) -> RunError {
        RunError::UnknownDisaster {
            name: name.to_owned(),
            known: match scenario.disasters() {
                [] => "no disasters".to_owned(),
                all => all.iter().map(|d| format!("'{}'", d.name())).collect::<Vec<_>>().join(", "),
            },
        }
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
    /// The clock, the event queue, random streams, propagation, the timeline.
    ctx: Ctx<'s>,
    /// Rooms, power, cooling and pools.
    infra: Infra,
    /// Fires and scripted outages.
    hazards: Hazards,
    /// Services, as a struct of arrays.
    services: Services,
    /// Teams, engineers and the manual work they are given.
    crew: Crew,
    /// An element that nothing can harm in this simulator's runs (see
    /// [`Simulation::spare`]).
    spared: Option<ComponentId>,
    /// Elements some restoration stage or team call-out waits for: a change
    /// of one of them is what may let waiting stages or call-outs go.
    watched: Vec<bool>,
    /// A watched element changed (or the incident began) since waiting
    /// stages and call-outs were last looked at.
    conditions_changed: bool,
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
            Some(name) => scenario.disaster(name).ok_or_else(|| RunError::unknown_disaster(scenario, name))?,
            None => scenario.default_disaster(),
        };
        Ok(Self::for_disaster(scenario, disaster))
    }

    /// A simulator for one of `scenario`'s disasters (or its default one).
    pub(crate) fn for_disaster(scenario: &'s Scenario, disaster: &'s Disaster) -> Self {
        let model = scenario.model();
        Simulation {
            scenario,
            model,
            disaster,
            policy: builtin_policy(&model.policy),
            ctx: Ctx::new(model),
            infra: Infra::default(),
            hazards: Hazards::new(disaster, model, scenario.horizon()),
            services: Services::default(),
            crew: Crew::default(),
            spared: None,
            watched: watched_elements(model, disaster),
            conditions_changed: false,
        }
    }

    /// Spares one element in every run: nothing can harm it (no outage,
    /// failure, fire damage or cut), it needs none of its inputs
    /// (infrastructure stays live, a room powered, cooled and reachable, a
    /// pool's servers running), and a spared service serves fully whatever
    /// its capacity and dependencies. The counterfactual "what if this one
    /// had not failed" behind `outage spof --during`.
    #[must_use]
    pub fn spare(mut self, element: ComponentId) -> Self {
        self.spared = Some(element);
        self
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
    /// `options.max_events` events; [`RunError::ZeroHorizon`] when
    /// `options.horizon` is zero.
    pub fn run(&mut self, options: &RunOptions) -> Result<RunReport, RunError> {
        let (horizon, events) = self.simulate(options, true)?;
        Ok(self.finish(horizon, events))
    }

    /// Replays the disaster once and gives only each service's numbers and
    /// whether the run ended in a recovery deadlock: what a Monte Carlo
    /// study aggregates, without building names, causes or a timeline.
    pub(crate) fn run_numbers(&mut self, options: &RunOptions, out: &mut Vec<Numbers>) -> Result<bool, RunError> {
        let options = RunOptions { timeline: false, ..options.clone() };
        let (horizon, _) = self.simulate(&options, false)?;
        out.clear();
        out.extend(
            (0..self.model.services.len()).map(|s| self.services.numbers(ServiceId(s as u32), horizon, self.model)),
        );
        Ok(!self.deadlocks(horizon).is_empty())
    }

    /// The event loop; returns the horizon and the number of events.
    /// Causes are worked out only with `blame`.
    fn simulate(&mut self, options: &RunOptions, blame: bool) -> Result<(SimTime, u64), RunError> {
        let horizon = options.horizon.unwrap_or(self.scenario.horizon());
        if horizon.is_zero() {
            return Err(RunError::ZeroHorizon);
        }
        let horizon = SimTime::from(horizon);
        self.reset(options, blame);
        // What the initial state set going (work queued, a team called,
        // a stage that may go) is handled at t0 as after any event, not at
        // whatever event comes first: a hazard that never happens must not
        // change a run.
        self.after_event();
        let mut events: u64 = 0;
        let mut recent = [Event::Start; RECENT_EVENTS];
        // The event that took the most steps, and how many.
        let mut costliest = (0, Event::Start);
        while let Some((t, event)) = self.ctx.queue.pop() {
            if t > horizon {
                break; // the run is over; the rest of the queue is dropped at reset
            }
            events += 1;
            let busiest = |s: &Self| {
                let described = recent.iter().filter(|&&e| e != Event::Start).map(|e| e.describe(s.model, s.disaster));
                most_frequent(described)
            };
            if events > options.max_events {
                return Err(RunError::EventBudgetExceeded {
                    events: events - 1,
                    at: self.ctx.now,
                    busiest: busiest(self),
                });
            }
            if self.ctx.steps >= options.max_steps {
                let steps = self.ctx.steps;
                let (cost, event) = costliest;
                return Err(RunError::StepBudgetExceeded {
                    steps,
                    events: events - 1,
                    per_event: steps / (events - 1).max(1),
                    at: self.ctx.now,
                    costliest: format!("{} ({cost} steps)", event.describe(self.model, self.disaster)),
                    busiest: busiest(self),
                });
            }
            if self.ctx.timeline.len() > options.max_timeline {
                let latest = self.ctx.timeline.iter().rev().take(RECENT_EVENTS).map(|e| e.cause.clone());
                return Err(RunError::TimelineTooLong {
                    entries: options.max_timeline,
                    at: self.ctx.now,
                    busiest: most_frequent(latest),
                });
            }
            recent[(events % RECENT_EVENTS as u64) as usize] = event;
            self.crew.flush_released();
            self.ctx.now = t;
            self.infra.now = t.since_start().as_millis();
            self.ctx.set_cause(event);
            let before = self.ctx.steps;
            self.ctx.steps += STEPS_PER_EVENT;
            self.handle(event);
            self.settle();
            self.after_event();
            if self.ctx.steps - before > costliest.0 {
                costliest = (self.ctx.steps - before, event);
            }
            self.check_overrun()?;
        }
        self.check_overrun()?;
        Ok((horizon, events))
    }

    /// Stops the run when work found in advance would pass its budget (a
    /// team called in whose shifts change too often).
    fn check_overrun(&mut self) -> Result<(), RunError> {
        match self.crew.overrun.take() {
            Some(overrun) => Err(RunError::EventBudgetTooSmall {
                at: self.ctx.now,
                cause: overrun.cause,
                needed: overrun.needed,
                budget: self.crew.budget.1,
                advice: overrun.advice,
            }),
            None => Ok(()),
        }
    }

    /// Once an event has settled: free engineers take waiting work, then
    /// restoration stages and call-outs waiting for a condition that now
    /// holds go (looked at only when an element they wait for has changed;
    /// what they change may let others go), and new deadlocks are noted.
    fn after_event(&mut self) {
        self.dispatch_work();
        // Work handed out may have changed what a service waits on.
        self.settle();
        while std::mem::take(&mut self.conditions_changed)
            && (self.release_waiting_stages() | self.call_teams_whose_conditions_hold())
        {
            self.dispatch_work();
            self.settle();
        }
        self.note_new_deadlocks();
    }

    fn reset(&mut self, options: &RunOptions, blame: bool) {
        let model = self.model;
        self.conditions_changed = false;
        self.ctx.reset(options.seed, options.run, options.timeline, blame);
        self.infra.reset(model);
        self.services.reset(model);
        self.crew.reset(model, options.seed, options.run);
        // The events a run may take, whichever cap binds.
        let events = options.max_events.min(options.max_steps / STEPS_PER_EVENT);
        self.crew.budget = (SimTime::from(options.horizon.unwrap_or(self.scenario.horizon())), events);
        self.hazards.reset(self.disaster, model, options.seed, options.run);
        for (i, h) in self.disaster.hazards.iter().enumerate() {
            let hazard = i as u16;
            // A hazard starts at its time, after its random delay if it has one.
            let (at, delay) = match h {
                Hazard::Fire(f) => (f.at, &f.delay),
                Hazard::Outage { at, delay, .. } => (*at, delay),
            };
            let delay = delay.as_ref().map_or(SimDuration::ZERO, |d| self.hazards.draw(d, i, model));
            let event = match h {
                Hazard::Fire(f) => Event::FireIgnites { hazard, room: f.room },
                Hazard::Outage { .. } => Event::OutageStarts { hazard },
            };
            self.ctx.queue.schedule_unkeyed(SimTime::from(at + delay), event);
        }
        for (t, def) in model.teams.iter().enumerate() {
            if let TeamCall::At(d) = &def.called {
                let d = match d {
                    Dist::Shared(name) => self.hazards.shared_value(name, model),
                    d => d.sample(self.crew.team_rng(t as u16)),
                };
                self.ctx.queue.schedule_unkeyed(SimTime::from(d), Event::TeamCalled { team: t as u16 });
            }
        }
        for (i, c) in model.components.iter().enumerate() {
            if let Some(f) = &c.failures {
                let id = ComponentId(i as u32);
                let d = f.time_to_failure.sample(self.ctx.rng(id));
                self.ctx.queue.schedule_unkeyed(SimTime::ZERO + d, Event::ComponentFailed(id));
            }
        }
        // Settle the initial state (a hall cooled by units in another room,
        // say) without recording it as a change.
        let record = self.ctx.record;
        self.ctx.record = false;
        for i in 0..model.components.len() as u32 {
            self.ctx.touch(ComponentId(i));
        }
        self.settle();
        self.services.start_tallies();
        self.ctx.record = record;
        // What does not serve before anything happens (behind a power chain
        // that never carries load, say) is in the timeline at t0, as it is
        // in the totals.
        if record {
            // In the order changes propagate: a component after its inputs.
            let mut order: Vec<u32> = (0..model.components.len() as u32).collect();
            order.sort_by_key(|&i| model.rank[i as usize]);
            for i in order {
                let c = ComponentId(i);
                // Services, rooms and pools: what serves. (Power equipment
                // may rest on standby, a generator or the bus behind it.)
                let (state, level) = match &model.components[i as usize].detail {
                    Detail::Service(s) => (self.services.states()[*s as usize], self.services.served(ServiceId(*s))),
                    Detail::Room(_) => (self.infra.room_state(c), 0.0),
                    Detail::Pool(_) if !self.infra.works(c) => (State::Down, 0.0),
                    _ => continue,
                };
                if state != State::Up {
                    self.record_with_cause(
                        c,
                        state,
                        level,
                        "so from the start of the run, before anything happened".into(),
                    );
                }
            }
        }
    }

    fn finish(&mut self, horizon: SimTime, events: u64) -> RunReport {
        let deadlocks = self.deadlocks(horizon);
        let model = self.model;
        let services =
            (0..model.services.len()).map(|s| self.services.finish(ServiceId(s as u32), horizon, model)).collect();
        RunReport {
            scenario: self.scenario.name().to_owned(),
            disaster: self.disaster.name.clone(),
            seed: self.ctx.seed,
            run: self.ctx.run,
            horizon: horizon.since_start(),
            events,
            services,
            deadlocks,
            destroyed: self
                .destroyed()
                .iter()
                .map(|d| Destruction {
                    room: model.component(d.room).name.clone(),
                    equipment: model.contents(d.room).iter().map(|&c| model.component(c).name.clone()).collect(),
                    servers: d.servers,
                    at: d.at,
                    replaced_at: d.replaced_at,
                })
                .collect(),
            timeline: std::mem::take(&mut self.ctx.timeline),
        }
    }

    /// Propagates changes until every component agrees with its inputs.
    /// Components are taken in topological order, so outside dependency
    /// cycles each is evaluated once, with its inputs already settled, and
    /// no transient state reaches the report.
    fn settle(&mut self) {
        let model = self.model;
        while let Some(c) = self.ctx.next_touched() {
            let cycle = model.cycle_of[c.index()];
            if cycle != crate::model::NO_CYCLE {
                let members = &model.cycles[cycle as usize];
                for &m in members.iter().filter(|&&m| m != c.0) {
                    self.ctx.untouch(ComponentId(m));
                }
                self.evaluate_cycle(members);
                continue;
            }
            let changed = match &model.components[c.index()].detail {
                Detail::Service(s) => self.evaluate_service(ServiceId(*s)),
                _ => self.evaluate_infrastructure(c),
            };
            if changed {
                self.touch_dependants(c);
            }
        }
    }

    /// Marks everything that depends on `c` to be looked at again.
    fn touch_dependants(&mut self, c: ComponentId) {
        let dependants = self.model.dependants.row(c.0);
        self.ctx.steps += dependants.len() as u64;
        for &d in dependants {
            self.ctx.touch(ComponentId(d));
        }
    }

    /// Records a change of state in the timeline, if one is kept.
    /// Whether an element works, for a condition on it: infrastructure
    /// live (a room also reachable), a service not down.
    pub(super) fn element_works(&self, c: ComponentId) -> bool {
        match self.model.component(c).detail {
            Detail::Service(s) => !self.services.is_down(ServiceId(s)),
            _ => self.infra.works(c),
        }
    }

    fn record_change(&mut self, c: ComponentId, state: State, level: f64) {
        if self.ctx.record {
            let cause = self.cause_text();
            self.record_with_cause(c, state, level, cause);
        }
    }

    /// What the event being handled did, in words, described once an event.
    fn cause_text(&mut self) -> String {
        match &self.ctx.cause_text {
            Some(text) => text.clone(),
            None => {
                let text = self.describe_cause();
                self.ctx.descriptions += 1;
                self.ctx.cause_text = Some(text.clone());
                text
            }
        }
    }

    /// Records a change of state with its own description of what happened.
    fn record_with_cause(&mut self, c: ComponentId, state: State, level: f64, cause: String) {
        if self.ctx.record {
            let component = self.model.component(c);
            let blocked_by = match &component.detail {
                Detail::Service(s) => self.services.blocker_label(ServiceId(*s), self.model),
                _ => None,
            };
            self.ctx.timeline.push(TimelineEntry {
                at: self.ctx.now,
                component: component.name.clone(),
                kind: component.kind.noun(),
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
            Event::RoomsRestored { hazard, stage } => self.stage_due(hazard, stage),
            Event::EquipmentDelivered { hazard, room } => self.equipment_delivered(hazard, room),
            Event::EquipmentReplaced { hazard, room } => self.equipment_replaced(hazard, room),
            Event::OutageStarts { hazard } => self.outage_starts(hazard),
            Event::OutageEnds { hazard } => self.outage_ends(hazard),
            Event::BatteryExhausted(c) => self.battery_exhausted(c),
            Event::GeneratorStarted(c) => self.generator_started(c),
            Event::FuelExhausted(c) => self.fuel_exhausted(c),
            Event::Overheated(c) => self.overheated(c),
            Event::PoolBooted(p) => self.pool_booted(p),
            Event::LinkBooted(c) => self.link_booted(c),
            Event::BatchBooted { pool, epoch, servers } => self.batch_booted(pool, epoch, u64::from(servers)),
            Event::PoolRepaired(p) => self.pool_repaired(p),
            Event::ComponentFailed(c) => self.component_failed(c),
            Event::ComponentRepaired(c) => self.component_repaired(c),
            Event::EngineerArrives { team, engineer } => {
                self.crew.engineer_arrives(team, engineer, self.model, &mut self.ctx)
            }
            Event::EngineerRested { team, engineer } => {
                self.crew.engineer_rested(team, engineer, self.model, &mut self.ctx)
            }
            Event::ShiftEnds { team, engineer } => self.crew.shift_ends(team, engineer, self.model, &mut self.ctx),
            Event::ActionDone { action } => self.action_done(action),
            Event::WaitOver { action } => self.wait_over(action),
            Event::TeamCalled { team } => self.crew.call_team(team, self.model, &mut self.ctx),
            Event::FailoverDetected { service, epoch } => self.failover_detected(service, epoch),
            Event::FailoverSwitched { service, epoch } => {
                if self.services.failover_epoch_is(service, epoch) {
                    self.complete_failover(service);
                }
            }
            Event::StandbyReady { service, deployment } => {
                self.services.standby_ready(service, deployment as usize);
                self.ctx.touch(self.model.service(service).component);
            }
            Event::SurgeEnds { service } => {
                if self.services.end_surge(service, self.ctx.now) {
                    self.ctx.touch(self.model.service(service).component);
                }
            }
            Event::Start => {}
        }
    }
}

/// Which elements a restoration stage of `disaster` or a team's call-out
/// waits for.
fn watched_elements(model: &Model, disaster: &Disaster) -> Vec<bool> {
    let mut watched = vec![false; model.components.len()];
    for h in &disaster.hazards {
        if let Hazard::Fire(f) = h {
            for c in f.stages.iter().flat_map(|s| &s.waits_for) {
                watched[c.index()] = true;
            }
        }
    }
    for t in &model.teams {
        if let TeamCall::When(elements) = &t.called {
            for c in elements {
                watched[c.index()] = true;
            }
        }
    }
    watched
}

/// A uniform draw in [0, 1) from the top 53 bits.
fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The most frequent of some descriptions, with its count ("generator
/// 'gen' started (48 of the latest 64)"); ties go to the first seen.
fn most_frequent(items: impl Iterator<Item = String>) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut total = 0;
    for item in items {
        total += 1;
        match counts.iter_mut().find(|(s, _)| *s == item) {
            Some((_, n)) => *n += 1,
            None => counts.push((item, 1)),
        }
    }
    let best = counts.iter().enumerate().max_by_key(|&(i, (_, n))| (*n, std::cmp::Reverse(i)));
    match best {
        Some((_, (what, n))) => format!("{what} ({n} of the latest {total})"),
        None => "nothing".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_an_event_did_is_described_once_however_much_it_changes() {
        // A fire in a hall of 300 pools, each serving one service: the
        // damage event alone records 300 pools and 300 services lost, each
        // with the same cause ("fire destroyed 300 pools (300 servers) in
        // data hall 'hall'"). Describing it cost a walk of the room's 300
        // contents per entry (a 9 KB file of 65,000 pools: past 300 s); it
        // is made once an event, so no more descriptions than events.
        let src = r#"Scenario(name: "t", horizon: "1d",
    sites: [Site(name: "dc", rooms: [Room(name: "elec", kind: Electrical), Room(name: "hall", kind: DataHall, feeds: ["ups"])])],
    power: [Utility(name: "grid"), Ups(name: "ups", room: "elec", inputs: ["grid"], ride_through: "0s")],
    pools: [], services: [],
    systems: [Systems(name: "app", count: 300,
        pools: [Pool(name: "{system}-p", room: "hall", servers: 1, boot: Fixed("1m"))],
        services: [Service(name: "{system}", users: 1, demand: 1, deployments: [(pool: "{system}-p")])])],
    disasters: [Disaster(name: "d", hazards: [Fire(room: "hall", at: "1h", damage_after: Fixed("10m"), extinguished_after: Fixed("1h"))])],
)"#;
        let scenario = Scenario::from_ron_str(src).unwrap();
        let mut sim = Simulation::new(&scenario, None).unwrap();
        let report = sim.run(&RunOptions::default()).unwrap();
        let burnt = report.timeline.iter().filter(|e| e.cause.starts_with("fire destroyed 300 pools")).count();
        assert!(burnt >= 600, "{burnt} entries of the damage");
        assert!(
            sim.ctx.descriptions <= report.events + 1,
            "{} descriptions, {} events",
            sim.ctx.descriptions,
            report.events
        );
    }
}
