//! The engine does not allocate per event: a counting global allocator
//! measures two runs of the same simulator, one four times longer than the
//! other, on a scenario whose every power loss queues manual restarts ranked
//! by a dynamic policy (re-ranked after every change of service state).
//!
//! Its own test binary, because a global allocator is per binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use outage::{RunOptions, Scenario, SimDuration, Simulation};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The grid fails about every 6 hours for about an hour; each time, the
/// pools go dark, two of them are restarted by hand in batches of 2 (10 + 5
/// actions, ranked by dependency order, which is dynamic), and two services
/// that depend on each other are settled together as a cycle.
const SCENARIO: &str = r#"Scenario(
    name: "churn",
    horizon: "40d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "hall", kind: DataHall, feeds: ["board"]),
    ])],
    power: [
        Utility(name: "grid", failures: (time_to_failure: Exponential(mean: "6h"), time_to_repair: Exponential(mean: "1h"))),
        Switchboard(name: "board", room: "elec", inputs: ["grid"]),
    ],
    teams: [Team(name: "ops", engineers: 2, on_call: 1, arrival: Fixed("10m"))],
    recovery: (policy: ByDependencyOrder),
    pools: [
        Pool(name: "app-pool", room: "hall", servers: 20, boot: Fixed("1m"),
             restart: Manual(batch: 2, work: (team: "ops", duration: Fixed("3m")))),
        Pool(name: "login-pool", room: "hall", servers: 10, boot: Fixed("1m"),
             restart: Manual(batch: 2, work: (team: "ops", duration: Fixed("2m")))),
        Pool(name: "cycle-pool", room: "hall", servers: 4, boot: Fixed("2m")),
    ],
    services: [
        Service(name: "app", users: 1000, demand: 20, deployments: [(pool: "app-pool")], depends_on: ["login"]),
        Service(name: "login", users: 0, demand: 10, deployments: [(pool: "login-pool")],
                restart: (team: "ops", duration: Fixed("5m"))),
        // A dependency cycle, settled as a unit.
        Service(name: "feed", users: 10, demand: 2, deployments: [(pool: "cycle-pool", servers: 2)],
                depends_on: ["store"]),
        Service(name: "store", users: 0, demand: 2, deployments: [(pool: "cycle-pool", servers: 2)],
                soft_depends_on: [(service: "feed", impact: 0.5)]),
    ],
)"#;

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[test]
fn runs_allocate_nothing_per_event() {
    let scenario = Scenario::from_ron_str(SCENARIO).expect("the scenario loads");
    let mut sim = Simulation::new(&scenario, None).expect("the default disaster");
    let long = RunOptions::default().seed(3).timeline(false).horizon(SimDuration::from_days(40));
    let short = long.clone().horizon(SimDuration::from_days(10));
    // Warm up on the longer run, so that every buffer has the capacity it needs.
    sim.run(&long).expect("the run completes");

    let mut events = (0, 0);
    let short_allocations = allocations_during(|| events.0 = sim.run(&short).expect("the run completes").events);
    let long_allocations = allocations_during(|| events.1 = sim.run(&long).expect("the run completes").events);
    eprintln!("{} events: {short_allocations} allocations; {} events: {long_allocations}", events.0, events.1);
    assert!(events.1 > events.0 + 2_000, "the longer run has many more events: {events:?}");
    // What is left is building the report (names, causes), the same for
    // both runs whatever their length.
    assert!(
        long_allocations <= short_allocations + 10,
        "allocations grow with events: {short_allocations} for {} events, {long_allocations} for {}",
        events.0,
        events.1
    );
}
