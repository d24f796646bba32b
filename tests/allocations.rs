//! The engine does not allocate per event: a counting global allocator
//! measures two runs of the same simulator, one four times longer than the
//! other, on a scenario whose every power loss queues manual restarts ranked
//! by a dynamic policy (re-ranked after every change of service state).
//!
//! Reading and merging study summaries takes memory in proportion to their
//! text: the same allocator keeps each thread's high-water mark of live
//! bytes.
//!
//! Its own test binary, because a global allocator is per binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use outage::study::StudySummary;
use outage::{RunOptions, Scenario, SimDuration, Simulation};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Bytes this thread has allocated and not freed, since it was zeroed.
    static LIVE: Cell<i64> = const { Cell::new(0) };
    /// The most `LIVE` has been.
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

/// Adds `bytes` (negative: freed) to this thread's live bytes.
fn track(bytes: i64) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + bytes);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

/// The tests count allocations of the whole process: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        track(layout.size() as i64);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        track(-(layout.size() as i64));
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        track(new_size as i64 - layout.size() as i64);
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
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let scenario = Scenario::from_ron_str(SCENARIO).expect("the scenario loads");
    let mut sim = Simulation::new(&scenario, None).expect("the default disaster");
    let long = RunOptions::default().seed(3).timeline(false).horizon(SimDuration::from_days(320));
    let short = long.clone().horizon(SimDuration::from_days(10));
    // Warm up on the longer run, so that every buffer has the capacity it needs.
    sim.run(&long).expect("the run completes");

    let mut events = (0, 0);
    let short_allocations = allocations_during(|| events.0 = sim.run(&short).expect("the run completes").events);
    let long_allocations = allocations_during(|| events.1 = sim.run(&long).expect("the run completes").events);
    eprintln!("{} events: {short_allocations} allocations; {} events: {long_allocations}", events.0, events.1);
    assert!(events.1 > 20 * events.0, "the longer run has many more events: {events:?}");
    // What is left is building the report (names, causes): a few dozen
    // allocations whatever the run's length, varying by about a dozen with
    // how the causes read (32 or 44 at 10, 20, 40, 80, 160 and 320 days).
    // One allocation per event would add tens of thousands.
    assert!(
        long_allocations <= short_allocations + 16,
        "allocations grow with events: {short_allocations} for {} events, {long_allocations} for {}",
        events.0,
        events.1
    );
}

/// The most bytes live at once on this thread while `f` runs, beyond those
/// live when it starts, and what `f` returns.
fn peak_during<T>(f: impl FnOnce() -> T) -> (u64, T) {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    let out = f();
    (PEAK.with(Cell::get).max(0) as u64, out)
}

/// A summary no study of a real scenario would write but every check
/// accepts: runs `from..to` of 4, with `services` services whose every
/// metric was 1 tick in one run and the run length of ten years (or, for
/// user-hours and data loss, `u64::MAX`) in the other. Each sketch has two
/// bins, some 1,300 or 2,200 keys apart.
fn far_apart_bins(services: usize, (from, to): (u64, u64)) -> String {
    let mapping = sketches_ddsketch::Config::new(0.01, 4096, 0.5);
    let h: u64 = 10 * 365 * 24 * 3_600_000;
    let metric = |values: [u64; 2], origin: Option<u64>| {
        let (mut zeros, mut bins) = (0, std::collections::BTreeMap::new());
        for v in values {
            match origin.map_or(v, |o| o - v) {
                0 => zeros += 1,
                s => *bins.entry(mapping.key(s as f64)).or_insert(0u64) += 1,
            }
        }
        let bins: Vec<String> = bins.iter().map(|(k, c)| format!("[{k},{c}]")).collect();
        let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
        let sum_sq: u128 = values.iter().map(|&v| u128::from(v) * u128::from(v)).sum();
        format!(
            r#"{{"sketch_origin":{},"n":2,"sum":{sum},"sum_sq":{sum_sq},"min":{},"max":{},"above":[],"sketch":{{"zeros":{zeros},"bins":[{}]}}}}"#,
            origin.map_or("null".to_owned(), |o| o.to_string()),
            values[0].min(values[1]),
            values[0].max(values[1]),
            bins.join(",")
        )
    };
    let service = format!(
        r#"{{"metrics":[{},{},{},{},{},{},{}]}}"#,
        metric([1, h], None),
        metric([0, 0], None),
        metric([1, h], None),
        metric([1, h], None),
        metric([1, u64::MAX], None),
        metric([1, u64::MAX], None),
        metric([h - 1, 0], Some(h)),
    );
    let names: Vec<String> = (0..services).map(|i| format!("\"s{i}\"")).collect();
    format!(
        r#"{{"format":3,"scenario":"far","scenario_digest":"0123456789abcdef","seed":0,"runs":4,"run_ranges":[[{from},{to}]],"horizon_ms":{h},"thresholds":[],"services":[{}],"disasters":[["d",{{"runs":2,"services":[{}],"deadlocked_runs":0}}]]}}"#,
        names.join(","),
        vec![service; services].join(",")
    )
}

#[test]
fn reading_and_merging_summaries_takes_memory_in_proportion_to_their_text() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (a, b) = (far_apart_bins(2000, (0, 2)), far_apart_bins(2000, (2, 4)));
    let (read, parsed) = peak_during(|| StudySummary::from_json(&a));
    let a = parsed.expect("every check accepts it");
    let b = StudySummary::from_json(&b).expect("every check accepts it");
    let text = a.to_json().len() as u64;
    let parts = [a, b];
    let (merged, whole) = peak_during(|| StudySummary::merge(&parts));
    assert!(whole.expect("the two halves merge").is_complete());
    eprintln!("{text} bytes of text: {read} bytes at most to read, {merged} to merge");
    // Dense sketches took some 70 times the text here.
    assert!(read <= 3 * text, "reading {text} bytes of summary took {read} bytes");
    assert!(merged <= 3 * text, "merging two summaries of {text} bytes took {merged} bytes");
}

#[test]
fn stale_restart_work_is_freed_when_power_flaps() {
    // Hostile input, class 4: each power loss queues a pool's restart
    // batches; when power went again before anyone got to them, the stale
    // batches stayed in memory for the rest of the run, so a flapping feed
    // grew memory while the event count stayed small. Here no engineer
    // ever arrives (arrival after the run), so nothing is picked up: memory
    // must not grow with the number of losses. About 40 losses in 10 days
    // and 160 in 40, each queueing 15 batches.
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let src = SCENARIO.replace(r#"on_call: 1, arrival: Fixed("10m")"#, r#"on_call: 0, arrival: Fixed("100d")"#);
    let scenario = Scenario::from_ron_str(&src).expect("the scenario loads");
    let peak = |days: u64| {
        peak_during(|| {
            let mut sim = Simulation::new(&scenario, None).expect("the default disaster");
            let options = RunOptions::default().seed(3).timeline(false).horizon(SimDuration::from_days(days));
            sim.run(&options).expect("the run completes").events
        })
    };
    let (short, short_events) = peak(10);
    let (long, long_events) = peak(40);
    eprintln!("{short_events} events: {short} bytes at most; {long_events} events: {long}");
    assert!(long_events > 3 * short_events, "{short_events} and {long_events} events");
    assert!(long < short + 16 * 1024, "memory grows with power losses: {short} bytes, then {long}");
}

#[test]
fn a_pool_restarted_one_server_at_a_time_costs_memory_for_the_work_done() {
    // Hostile input, class 3: a pool of 100,000 servers restarted by hand
    // in batches of one queued 100,000 pieces of work at every power
    // return, so a hall that loses power about once an hour cost time and
    // memory in proportion to its servers each time, not to the restarts
    // anyone did. The restart is now one piece of work, taken batch by
    // batch. Memory while running: the same for 1,000 and for 100,000
    // servers (give or take the pool's size in the report), far below the
    // 100,000 actions (some 6 MB) it used to queue.
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let scenario = |servers: u64| {
        let src = format!(
            r#"Scenario(
    name: "flap", horizon: "3d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "hall", kind: DataHall, feeds: ["board"]),
    ])],
    power: [
        Utility(name: "grid", failures: (time_to_failure: Exponential(mean: "1h"), time_to_repair: Exponential(mean: "5m"))),
        Switchboard(name: "board", room: "elec", inputs: ["grid"]),
    ],
    teams: [Team(name: "ops", engineers: 2, on_call: 2)],
    pools: [Pool(name: "p", room: "hall", servers: {servers}, boot: Fixed("1m"),
                 restart: Manual(batch: 1, work: (team: "ops", duration: Fixed("1m"))))],
    services: [Service(name: "app", users: 10, demand: {servers}, deployments: [(pool: "p")])],
)"#
        );
        Scenario::from_ron_str(&src).expect("the scenario loads")
    };
    let peak = |scenario: &Scenario| {
        peak_during(|| {
            let mut sim = Simulation::new(scenario, None).expect("the quiet disaster");
            sim.run(&RunOptions::default().seed(1).timeline(false)).expect("the run completes").events
        })
    };
    let small = scenario(1_000);
    let big = scenario(100_000);
    let (small_peak, small_events) = peak(&small);
    let (big_peak, big_events) = peak(&big);
    eprintln!(
        "1,000 servers: {small_events} events, {small_peak} bytes; 100,000: {big_events} events, {big_peak} bytes"
    );
    assert!(big_peak < small_peak + 256 * 1024, "memory grows with the pool: {small_peak} then {big_peak} bytes");
}
