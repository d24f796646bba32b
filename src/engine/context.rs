//! What every part of a run shares: the clock and the future-event list, the
//! per-component random streams, the propagation worklist and the timeline.
//! The parts (infrastructure, hazards, services, the crew) own their own
//! state and reach each other only through the simulation that holds them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::Event;
use super::outcome::TimelineEntry;
use crate::model::{ComponentId, Model};
use crate::queue::{EventKey, EventQueue};
use crate::rng::{self, StreamKind};
use crate::time::{SimDuration, SimTime};

/// The shared context of a run.
pub(super) struct Ctx<'s> {
    pub(super) model: &'s Model,
    pub(super) queue: EventQueue<Event>,
    pub(super) now: SimTime,
    pub(super) seed: u64,
    pub(super) run: u64,
    streams: Streams,
    /// Components to look at again, keyed by (topological rank, id) so that
    /// each one is evaluated after its inputs have settled.
    worklist: BinaryHeap<Reverse<u64>>,
    queued: Vec<bool>,
    /// The event being handled, to describe the changes it causes (set
    /// with [`Ctx::set_cause`]).
    pub(super) cause: Event,
    /// The description of `cause`, made once an event: a fire that destroys
    /// a room of 65,000 pools records 130,000 changes, and describing its
    /// contents for each was quadratic.
    pub(super) cause_text: Option<String>,
    /// Descriptions made in this run (at most one an event).
    pub(super) descriptions: u64,
    /// Whether changes are recorded in `timeline`.
    pub(super) record: bool,
    /// Whether causes are worked out (who is blamed): for run reports, not
    /// for the numbers a Monte Carlo study aggregates. Nothing that happens
    /// in a run depends on them.
    pub(super) blame: bool,
    pub(super) timeline: Vec<TimelineEntry>,
    /// Steps taken in this run (see [`RunOptions::max_steps`]): events,
    /// elements looked at again with their inputs, links followed to
    /// dependants; what a run's time is in proportion to.
    ///
    /// [`RunOptions::max_steps`]: super::RunOptions::max_steps
    pub(super) steps: u64,
    /// What looking at each element again costs in steps: one, plus one
    /// for each input it reads.
    look_cost: Vec<u32>,
}

/// Per-component random streams, kept across runs: each stream sits beside
/// the number of the run it was last seeded in, so it is seeded on first
/// use in a run, and a draw touches one 16-byte entry.
struct Streams {
    rngs: Vec<(u64, rng::Stream)>,
    /// Each component's name hashed once (the streams' key).
    hashes: Vec<u64>,
    /// Counts runs; never 0 after the first.
    current: u64,
}

impl<'s> Ctx<'s> {
    pub(super) fn new(model: &'s Model) -> Self {
        let n = model.components.len();
        Ctx {
            model,
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            seed: 0,
            run: 0,
            streams: Streams {
                rngs: vec![(0, rng::Stream::default()); n],
                hashes: model.components.iter().map(|c| rng::name_hash(&c.name)).collect(),
                current: 0,
            },
            worklist: BinaryHeap::new(),
            queued: vec![false; n],
            cause: Event::Start,
            cause_text: None,
            descriptions: 0,
            record: false,
            blame: true,
            timeline: Vec::new(),
            steps: 0,
            look_cost: {
                let mut cost = vec![1u32; n];
                for c in 0..n as u32 {
                    for &d in model.dependants.row(c) {
                        cost[d as usize] = cost[d as usize].saturating_add(1);
                    }
                }
                cost
            },
        }
    }

    /// Back to t0 for run `run` of study `seed`, keeping the allocations.
    pub(super) fn reset(&mut self, seed: u64, run: u64, record: bool, blame: bool) {
        self.blame = blame;
        self.seed = seed;
        self.run = run;
        self.record = record;
        self.timeline.clear();
        self.queue.clear();
        self.now = SimTime::ZERO;
        self.set_cause(Event::Start);
        self.descriptions = 0;
        self.steps = 0;
        self.streams.current += 1;
    }

    /// Sets the event being handled, forgetting the last one's description.
    pub(super) fn set_cause(&mut self, event: Event) {
        self.cause = event;
        self.cause_text = None;
    }

    /// Schedules `event` `after` from now; the key cancels it.
    pub(super) fn schedule(&mut self, after: SimDuration, event: Event) -> EventKey {
        self.queue.schedule(self.now + after, event)
    }

    /// Schedules `event` `after` from now, for good.
    pub(super) fn schedule_unkeyed(&mut self, after: SimDuration, event: Event) {
        self.queue.schedule_unkeyed(self.now + after, event);
    }

    /// Cancels the event behind `key`, if any, and clears it.
    pub(super) fn cancel(&mut self, key: &mut Option<EventKey>) {
        if let Some(k) = key.take() {
            self.queue.cancel(k);
        }
    }

    /// The component's own random stream, seeded on first use in a run.
    pub(super) fn rng(&mut self, c: ComponentId) -> &mut rng::Stream {
        let i = c.index();
        let streams = &mut self.streams;
        let current = streams.current;
        let entry = &mut streams.rngs[i];
        if entry.0 != current {
            *entry = (current, rng::Stream::new(self.seed, self.run, StreamKind::Component, streams.hashes[i]));
        }
        &mut entry.1
    }

    /// Marks a component to be looked at again before the event is over.
    pub(super) fn touch(&mut self, c: ComponentId) {
        let i = c.index();
        if !self.queued[i] {
            self.queued[i] = true;
            let rank = u64::from(self.model.rank[i]);
            self.worklist.push(Reverse((rank << 32) | c.0 as u64));
        }
    }

    /// The next component to look at, in topological order, unmarking it.
    pub(super) fn next_touched(&mut self) -> Option<ComponentId> {
        while let Some(Reverse(key)) = self.worklist.pop() {
            let i = key as u32 as usize;
            if self.queued[i] {
                self.queued[i] = false;
                self.steps += u64::from(self.look_cost[i]);
                return Some(ComponentId(i as u32));
            }
            // Settled already, with the rest of its cycle.
        }
        None
    }

    /// Unmarks a component settled together with another (a cycle member),
    /// counting what looking at it costs.
    pub(super) fn untouch(&mut self, c: ComponentId) {
        self.queued[c.index()] = false;
        self.steps += u64::from(self.look_cost[c.index()]);
    }
}
