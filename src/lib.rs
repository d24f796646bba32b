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
//! # Ok::<(), outage::Error>(())
//! ```
//!
//! ## Brief overview
//! - [`Scenario`] loads and validates a scenario (from a file, text, or a
//!   [`ScenarioSpec`](scenario::spec::ScenarioSpec) built in code) and
//!   reports every problem with file, line and column.
//! - [`Model`] is the validated dependency graph; [`ComponentId`] and
//!   [`ServiceId`] are its typed ids; [`model`] also holds the kinds of
//!   things a scenario is made of ([`State`], [`model::RoomKind`],
//!   [`model::Role`], ...) and the [`Disaster`]s as data.
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
//! - [`objective`] is the vocabulary of resilience objectives
//!   ([`objective::Metric`], [`objective::Statistic`], [`objective::Amount`]),
//!   shared by scenario files and studies.
//! - [`report`] renders a [`RunReport`] as a table, JSON or CSV.
//! - [`milestones`] checks a scenario against reported facts of a real
//!   incident over many seeded runs.
//! - [`Dist`] is a duration distribution; [`SimTime`] and [`SimDuration`]
//!   are integer milliseconds.
//! - [`synthetic::Estate`] generates a realistic estate of any size (sites,
//!   power chains, pools, platform and product services, teams, random
//!   failures), valid by construction, the same for the same seed.
//! - [`Error`] wraps every error of the crate, for `?`.
//!
//! ## Architecture
//! The modules form layers that point one way: each uses only the layers
//! below it (a test reads the source and fails on an upward import;
//! ARCHITECTURE.md in the repository says more).
//!
//! ```text
//!   cli (the outage binary)
//!    └─► study, milestones ── many runs: statistics, objectives, shards, replays of real incidents
//!         └─► report ──────── tables, JSON and CSV of a run
//!              └─► engine ─── one run: event loop, infrastructure, hazards, services, crew
//!                   └─► recovery ── policies that order waiting work
//!                        └─► scenario ── RON text in, validated model out
//!                             └─► objective ── metrics, statistics, bounds
//!                                  └─► model ── the validated graph, kinds, teams and work, disasters
//!                                       └─► dist, rng, queue ──► time
//! ```
//!
//! ## Semantics
//! - A **room** has three separate inputs, with three consequences. Power:
//!   it is live while it is not cut off or destroyed, its site is live and
//!   any of its feeds is live (or `feeds_needed` of them); without power,
//!   everything in it stops, and servers boot again (some broken) when
//!   power returns. A data hall must list at least one feed (validation
//!   refuses one without: its servers would have no power path); any other
//!   room that lists none (an electrical room whose equipment is fed
//!   through its own inputs) is live while its site is. Network: it is
//!   reachable while any of its network rooms is live and reachable; without
//!   network its servers keep running but serve no one, and serve again the
//!   moment it returns (no boot, nothing broken). Cooling: when all its
//!   cooling is lost, its servers shut down after the room's thermal delay
//!   (its power equipment keeps running).
//! - **Links**: a site is reached through its `uplinks` (WAN circuits,
//!   cable routes, providers), `uplinks_needed` of them; without them its
//!   pools serve no one but keep running (as without network). A link works
//!   while not out, failed or destroyed and, if in a room, while the room
//!   has power; after a power loss it boots for its `boot`. A room's
//!   `network` may name links as well as network rooms. A deployment's own
//!   `depends_on` is needed by that deployment alone: without it, it
//!   carries nothing while the service's other deployments go on.
//! - **k of n**: "any one of" is the default for every list of redundant
//!   inputs, and each can ask for more: `feeds_needed` (N+1 UPS modules),
//!   `cooling_needed` (5 of 7 chillers), `network_needed`, a UPS's or
//!   switchboard's `inputs_needed`, a cooling unit's `power_needed`. Fewer
//!   than that live is the same as none. When it happens, the input lost
//!   last is blamed. A service's `quorum` is the number of its deployments
//!   in use (active ones, standbys once switched in) that must have a
//!   working server for it to serve at all: with fewer it is down, not
//!   degraded (a quorum store with one of three replicas left).
//! - A **UPS** is live while enough inputs are live, or on battery for up to its
//!   ride-through after that ends. A **generator** starts when
//!   everything it backs up is dead: with its start probability, after its
//!   start delay, for as long as its fuel lasts.
//! - A **pool**'s servers stop when their hall goes dark and boot when it
//!   returns; after a hard power loss a fraction comes back broken and is
//!   repaired later. A service's deployment uses `servers` of its pool, or
//!   `capacity` (a fraction of the service's demand), or with neither the
//!   whole pool. A server runs one service's work: the deployments on a
//!   pool may together use no more than its servers, so two services that
//!   share a pool must each say how many they use (two that each take the
//!   whole pool are refused as over-committed).
//! - **Hazard times** need not be fixed: a hazard starts at `at` plus its
//!   `delay`, a random wait. A scenario's `draws` are named random
//!   durations, each drawn once per run from its own stream; every hazard
//!   timing written `Shared("name")` (a delay, an outage's duration, a
//!   fire's timings, a restoration stage) gets that run's value, so hazards
//!   that move together (re-powered under one permit) do so in every run.
//!   An outage may happen only with a `probability`. A **common cause**
//!   is one event that takes out every element it selects (by region,
//!   site, kind and `tags`) from the same moment, each with its own
//!   chance; it expands into one outage per element, sharing one draw of
//!   the start.
//! - A **fire** destroys what it burns: `damage_after` a room caught fire,
//!   the room's fittings and everything in it (power equipment, cooling
//!   units, the servers of its pools) are lost until the room's
//!   replacement brings new ones (never within the run by default; when
//!   restoration re-energises the room; a delay after the fire is out; or a
//!   delivery lead time and then an engineer's work). Re-energising a room
//!   does not replace what burnt in it. New servers boot, and none comes
//!   back broken.
//! - **Data and rebuilds.** When fire destroys the servers of all a
//!   service's active deployments, its `rebuild` (manual work: provision
//!   with `wait`, install with `duration`) brings up its `Rebuild`
//!   deployment, at another site. A `stateful` service (one with a
//!   `backup`, or marked so) loses its data when fire destroys every
//!   deployment holding a copy (active, standbys, rebuilt ones): once it has
//!   servers again (replaced or rebuilt) it stays down while the data is
//!   restored (size / speed, work that needs no engineer; longer than a
//!   duration holds, it never ends within the run), and loses the
//!   writes since the backup (its age, reported as the data-loss window);
//!   with no backup it comes back empty, reported as `data_lost`.
//! - **Restoration** after a fire is decided, not only delayed: after the
//!   inspection, the rooms cut and not staged are re-energised; each later
//!   stage is due its `after` the previous one, not before its `at` (from
//!   t0), and goes ahead once everything in its `waits_for` works (a
//!   cooling unit live, a service not down); rooms in `never` stay cut. A
//!   stage that waits for something which can only work once this stage or
//!   a later one is done (a chiller in its own room) is refused.
//! - A **service** is *down* with no serving capacity or a hard dependency
//!   down; *degraded* with capacity below demand, a hard dependency degraded
//!   or a soft dependency not up; *up* otherwise. The share of its users it
//!   serves is a bottleneck times lost features: the least of
//!   `capacity / demand` (at most 1) and the levels its hard dependencies
//!   serve, multiplied by `1 - impact * (1 - level)` for each soft
//!   dependency that is not up (what the soft dependency does is lost for
//!   every user, whatever else is short). So a service at half capacity
//!   that also loses a soft dependency of impact 0.3 serves
//!   `0.5 * 0.7 = 0.35`; user-hours follow the share served. In a
//!   dependency cycle the levels are the greatest that agree with each
//!   other under this rule, solved exactly (a loss passed round a ring of
//!   soft dependencies with impact 1 leaves nothing: all down).
//! - Recovery is paced by people and tooling: engineers restart servers,
//!   fail services over to standbys that hold part of the load, and scale them
//!   out, each piece of work needing the services it requires (see
//!   [`recovery`]).
//! - **Blame**: what holds a service back is traced, one step per
//!   component as changes propagate, to the component at fault: a
//!   dependency not up, the equipment under its pools (a scripted outage, a
//!   random failure, fire, an authority power cut, a generator that failed
//!   to start, servers booting or awaiting restart or repair), or recovery
//!   work. What is blamed is what holds the service down now. A
//!   component's own fault comes before its inputs'; when all the
//!   inputs of a component are lost (both feeds of a hall, a UPS's grid and
//!   generator), the blame goes to the input lost last, the loss that ended
//!   the redundancy, and among inputs lost at the same instant to the first
//!   by the name of what stopped it, then by its own name: never by the
//!   order they are listed in. A service's own servers come before its
//!   dependencies (a dependency is blamed when the service could serve
//!   without it); of its deployments short of servers, the one nearest to
//!   coming back (booting, awaiting restart, awaiting repair, without power
//!   or network, destroyed, in that order); recovery work says where it
//!   stands (detecting, switching, waiting for an engineer of a team or for
//!   a required service, in progress, the slow way, a standby warming up),
//!   and a failover under way comes before a rebuild. Blame is
//!   re-assessed whenever the cause changes, even if the service's state
//!   does not, so the cause list follows what holds it at each moment.
//! - Changes propagate incrementally along the graph. Dependency cycles are
//!   legal; down dominates, so a cycle whose members are all down stays down,
//!   and the timeline and report name it as a recovery deadlock when it
//!   forms. A scenario's bootstrap (a cold-start procedure: manual work)
//!   starts such a cycle again; validation warns about hard-dependency
//!   cycles that have none (see [`engine`]).
//!
//! ## Determinism guarantees
//! 1. Same scenario, seed, run index and crate version: an identical
//!    [`RunReport`], byte-identical when serialized.
//! 2. Events at the same instant are processed in the order they were
//!    scheduled; what one event changes is propagated level by level (a
//!    component after all its inputs outside its own cycle), components of
//!    one level in file order.
//! 3. Random numbers come only from SplitMix64 streams keyed by
//!    (seed, stream kind, element name) and started at a point set by
//!    the run index, defined bit for bit in this crate (not by `rand`'s
//!    version): keying by an element's *name* rather than its index means two
//!    variants of a scenario (with and without a second UPS, say) draw the
//!    same fire, boot times and repairs for every element they share (a
//!    hazard's stream is keyed by its disaster, kind and target, not by its
//!    place in the list), so
//!    differences come from the variant, not from reshuffled random numbers
//!    (common random numbers); keying by run index means any run of a study
//!    can be replayed alone.
//! 4. No hash-map iteration order reaches a report.
//!
//! ## Untrusted input
//! Scenario, milestone and summary files are untrusted: every problem is a
//! located error, never a panic, a hang or unbounded memory. Files are read
//! with a bound ([`scenario::MAX_FILE_BYTES`], whatever size they report)
//! and models are bounded ([`scenario::MAX_ELEMENTS`]), both raised with
//! environment variables;
//! counts are capped so totals cannot wrap ([`scenario::MAX_SERVERS`],
//! [`scenario::MAX_USERS`], [`scenario::MAX_HORIZON`],
//! [`study::MAX_RUNS`]); expansion (common causes, site-loss templates) is
//! counted before it is made ([`scenario::MAX_EXPANDED_HAZARDS`],
//! [`scenario::MAX_EXPANSION_RATIO`]); every number a file writes is
//! checked once where the model is built (finite, in its range, and its
//! products exact, checked or saturating to a stated meaning); a run stops
//! with an error naming what generates its work, events or timeline entries
//! ([`RunOptions::max_steps`], a bound on its time whatever one event
//! reaches; [`RunOptions::max_events`]; [`RunOptions::max_timeline`]);
//! names may not hold control characters.
//!
//! ## Feature flags
//! - `cli` (default): the `outage` command-line tool (pulls in clap).

#![warn(missing_docs, unreachable_pub)]

pub mod dist;
pub mod engine;
pub mod error;
pub mod milestones;
pub mod model;
pub mod objective;
#[doc(hidden)] // the engine's future-event list, public only for the benches
pub mod queue;
pub mod recovery;
pub mod report;
mod rng;
pub mod scenario;
pub mod study;
pub mod synthetic;
pub mod time;
pub mod visual;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use dist::Dist;
pub use engine::{
    Cause, Deadlock, Destruction, RunError, RunOptions, RunReport, ServiceOutcome, Simulation, TimelineEntry,
};
pub use error::Error;
pub use model::{ComponentId, ComponentKind, Disaster, Model, ServiceId, State};
pub use scenario::{Diagnostic, Scenario, ScenarioError};
pub use time::{DurationParseError, SimDuration, SimTime};
