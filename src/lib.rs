//! # outage: what happens to your services when the data center burns
//!
//! `outage` simulates disasters in data-center infrastructure (a battery
//! fire, a power cut, a failed generator) and reports how long each service
//! is down, when it comes back, and how many user-hours are lost.
//!
//! You describe sites, rooms, the power chain, cooling, server pools and
//! services with their dependencies in a scenario file (RON), pick a
//! disaster, and replay it with a seed, or study it over thousands of runs.
//! Every run is deterministic: the same scenario and seed give the same
//! report, byte for byte.
//!
//! ```text
//!   utility ──► UPS (battery room) ──► data hall ──► pool ──► service ──► service
//!                 ▲ fire here              │ servers boot       needs (hard)
//!   generator ────┘                        ▼ when power returns
//! ```
//!
//! ## Quick start
//!
//! ```
//! use outage::{RunOptions, Scenario, Simulation};
//!
//! let scenario = Scenario::from_path("scenarios/minimal.ron")?;
//! let mut sim = Simulation::new(&scenario, None)?; // the first disaster
//! let report = sim.run(&RunOptions::default().seed(7))?;
//! for s in &report.services {
//!     println!("{}: down {}, user-hours lost {:.0}", s.name, s.downtime, s.user_hours_lost);
//! }
//! println!("{}", report.to_table(true));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Brief overview
//! - [`Scenario`] loads and validates a scenario (from a file, text, or a
//!   [`ScenarioSpec`](scenario::spec::ScenarioSpec) built in code) and
//!   reports every problem with file, line and column.
//! - [`Model`] is the validated dependency graph; [`ComponentId`] and
//!   [`ServiceId`] are its typed ids.
//! - [`Simulation`] replays one disaster; [`RunOptions`] sets the seed, run
//!   index and horizon; [`RunReport`] is what comes out.
//! - [`recovery`] models the people and procedures that bring services back:
//!   teams, manual work, failover, scale-out, restarts, and the
//!   [`RecoveryPolicy`](recovery::RecoveryPolicy) that orders waiting work.
//!   Its module documentation states the recovery semantics in full.
//! - [`study`] runs Monte Carlo studies ([`study::Study`]: many seeded runs
//!   per disaster, in parallel, summarised per service and metric with
//!   confidence intervals, identical on any thread count and mergeable
//!   across shards) and checks resilience objectives ([`study::Check`],
//!   which a test suite can call: `Check::new(&scenario).run()?.assert_met()`).
//! - [`milestones`] checks a scenario against reported facts of a real
//!   incident over many seeded runs.
//! - [`Dist`] is a duration distribution; [`SimTime`] and [`SimDuration`]
//!   are integer milliseconds.
//! - [`queue::EventQueue`] is the engine's future-event list.
//!
//! ## Semantics
//! - A **room** is live while it is not cut off or damaged, its site is
//!   live, any of its feeds is live and any of its network rooms is live.
//!   When all its cooling is lost, its servers shut down after the room's
//!   thermal delay (its power equipment keeps running).
//! - A **UPS** is live while any input is live, or on battery for up to its
//!   ride-through after the last input dies. A **generator** starts when
//!   everything it backs up is dead: with its start probability, after its
//!   start delay, for as long as its fuel lasts.
//! - A **pool**'s servers stop when their hall goes dark and boot when it
//!   returns; after a hard power loss a fraction comes back broken and is
//!   repaired later.
//! - A **service** is *down* with no serving capacity or a hard dependency
//!   down; *degraded* with capacity below demand, a hard dependency degraded
//!   or a soft dependency not up; *up* otherwise. It serves
//!   `min(1, capacity / demand)` of its users, limited further by what its
//!   dependencies serve.
//! - Recovery is paced by people and tooling: engineers restart servers,
//!   fail services over to standbys that hold part of the load, and scale them
//!   out, each piece of work needing the services it requires (see
//!   [`recovery`]).
//! - Changes propagate incrementally along the graph. Dependency cycles are
//!   legal; down dominates, so a cycle whose members are all down stays down,
//!   and the report names it as a recovery deadlock.
//!
//! ## Determinism guarantees
//! 1. Same scenario, seed, run index and crate version: an identical
//!    [`RunReport`], byte-identical when serialized.
//! 2. Events at the same instant are processed in the order they were
//!    scheduled.
//! 3. Random numbers come only from ChaCha8 streams keyed by
//!    (seed, run index, stream kind, element name) (see [`rng`]), so two
//!    variants of a scenario see the same hazards wherever they agree.
//! 4. No hash-map iteration order reaches a report.
//!
//! ## Feature flags
//! - `cli` (default): the `outage` command-line tool (pulls in clap).

#![warn(missing_docs, unreachable_pub)]

pub mod dist;
pub mod engine;
pub mod milestones;
pub mod model;
pub mod objective;
pub mod queue;
pub mod recovery;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod study;
pub mod synthetic;
pub mod time;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use dist::Dist;
pub use engine::{Cause, Deadlock, RunError, RunOptions, RunReport, ServiceOutcome, Simulation, TimelineEntry};
pub use model::{ComponentId, ComponentKind, Disaster, Model, ServiceId, State};
pub use scenario::{Diagnostic, Scenario, ScenarioError};
pub use time::{DurationParseError, SimDuration, SimTime};
