//! Hostile input: every class of defect a hostile-input campaign found
//! (issue 12) has a test here. Files are untrusted: a clear error, never a
//! panic, a hang or unbounded memory.

use outage::Scenario;

/// A small scenario with one validation error (an unknown pool), so that
/// every load walks the source map to locate it.
const SMALL: &str = r#"Scenario(name: "s", horizon: "1d",
  sites: [Site(name: "dc", rooms: [Room(name: "hall", kind: DataHall)])],
  pools: [Pool(name: "p", room: "hall", servers: 2, boot: Fixed("5m"))],
  services: [Service(name: "서비스", users: 10, demand: 2, deployments: [(pool: "q")])],
)"#;

#[test]
fn non_ascii_anywhere_never_panics() {
    // Class 1: the position scanner walked bytes, so a node could start
    // inside a multi-byte character and slicing there panicked. Every
    // character ron treats as whitespace, and others, at every position.
    let inserts =
        ['\u{a0}', '\u{85}', '\u{200e}', '\u{200f}', '\u{2028}', '\u{2029}', '\u{b}', '한', 'é', '𝄞', '\u{feff}'];
    let mut loaded = 0;
    for c in inserts {
        for (k, _) in SMALL.char_indices() {
            let mut text = SMALL.to_owned();
            text.insert(k, c);
            if Scenario::from_ron_str(&text).is_ok() {
                loaded += 1;
            }
        }
    }
    // None of them fixes the unknown pool.
    assert_eq!(loaded, 0);
    // Ron's whitespace is the scanner's: the error is located after it.
    let text = SMALL.replace("[(pool: \"q\")]", "[\u{2028}\u{200e}(pool: \"q\")]");
    let err = Scenario::from_ron_str(&text).unwrap_err().to_string();
    assert!(err.contains("4:") && err.contains("'q'") && err.contains("service '서비스'"), "{err}");
    // A vertical tab too (ron skips it; Rust's ASCII whitespace does not
    // include it): the error stays at the pool, column 79, not the list.
    let text = SMALL.replace("services: [", "services: \u{b}[");
    let err = Scenario::from_ron_str(&text).unwrap_err().to_string();
    assert!(err.contains("\n4:79: service '서비스' refers to unknown pool 'q'"), "{err}");
}

#[test]
fn a_file_that_never_ends_is_read_with_a_bound() {
    // Class 2: the size cap trusted the size a file reports; a device or a
    // pipe reports none and was read until memory ran out. Now reading stops
    // one byte past the cap.
    let zero = std::path::Path::new("/dev/zero");
    if !zero.exists() {
        return;
    }
    let err = Scenario::from_path(zero).unwrap_err().to_string();
    assert!(err.contains("more than 67108864 bytes"), "{err}");
    let err = outage::milestones::load(zero).unwrap_err().to_string();
    assert!(err.contains("more than 67108864 bytes"), "{err}");
    // A file under the cap reads as before.
    let bytes = outage::scenario::read_limited(std::path::Path::new("scenarios/minimal.ron"), 1 << 20).unwrap();
    assert!(bytes.starts_with(b"//"));
    let small = outage::scenario::read_limited(std::path::Path::new("scenarios/minimal.ron"), 10).unwrap_err();
    assert_eq!(small.kind(), std::io::ErrorKind::FileTooLarge);
}

const MINIMAL: &str = include_str!("../../scenarios/minimal.ron");

/// The validation errors of minimal.ron with `from` replaced by `to`.
fn errors_with(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "{from}");
    match Scenario::from_ron_str(&MINIMAL.replacen(from, to, 1)) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn inputs_that_would_lie_are_refused() {
    // Class 5: a UPS among its own inputs kept itself alive forever (a
    // 6-hour grid outage gave zero downtime); a generator could back itself
    // up; server counts wrapped; user-hours saturated silently.
    let ups = errors_with(r#"inputs: ["grid", "diesel"]"#, r#"inputs: ["grid", "ups"]"#);
    assert!(ups.contains("65:9: power loop: 'ups' is among its own inputs"), "{ups}");
    let generator = errors_with(r#"backs_up: ["grid"]"#, r#"backs_up: ["diesel"]"#);
    assert!(generator.contains("power loop: generator 'diesel' backs itself up"), "{generator}");
    let servers = errors_with("servers: 8, boot", "servers: 18446744073709551615, boot");
    assert!(
        servers.contains("pool 'db-servers' has 18446744073709551615 servers; at most 1000000000 per pool"),
        "{servers}"
    );
    let users = errors_with("users: 100_000", "users: 100_000_000_001");
    assert!(users.contains("has 100000000001 users; at most 100000000000"), "{users}");
    let horizon = errors_with(r#"horizon: "2d""#, r#"horizon: "3651d""#);
    assert!(horizon.contains("at most 3650d (ten years)"), "{horizon}");
}

#[test]
fn names_cannot_carry_control_characters() {
    // Class 8: names were printed raw, so an escape sequence reached the
    // terminal through every table and a newline forged a table row. Names
    // with control characters are refused; the CLI escapes control
    // characters in everything else it prints for people.
    for name in ["web\u{1b}[31m", "web\nforged row", "web\u{7}"] {
        let err = errors_with(r#"name: "web","#, &format!("name: {name:?},"));
        assert!(err.contains("has a name holding a control character (U+00"), "{name:?}: {err}");
    }
}

#[test]
fn editor_habits_and_typos_get_clear_answers() {
    // Class 9. A byte-order mark and old Mac line endings (CR only) gave
    // "expected opening `(`" at 1:1 and 1:4; they read now, with positions
    // as an editor shows them.
    assert!(Scenario::from_ron_str(&format!("\u{feff}{MINIMAL}")).is_ok());
    let cr_only = MINIMAL.replace('\n', "\r");
    assert!(Scenario::from_ron_str(&cr_only).is_ok());
    let err = Scenario::from_ron_str(&cr_only.replacen("servers: 8, boot", "servers: 0, boot", 1)).unwrap_err();
    assert!(err.to_string().starts_with("83:57: pool 'db-servers' has no servers"), "{err}");
    let err =
        Scenario::from_ron_str(&format!("\u{feff}{}", MINIMAL.replacen("servers: 8, boot", "servers: 0, boot", 1)));
    assert!(err.unwrap_err().to_string().starts_with("83:57: "));
    // A UPS whose only input is itself is named, not only the hall it
    // leaves without power.
    let ups = errors_with(r#"inputs: ["grid", "diesel"]"#, r#"inputs: ["ups"]"#);
    assert!(ups.contains("power loop: 'ups' is among its own inputs"), "{ups}");
    // u64::MAX runs would run forever: refused, with the limit.
    let scenario = Scenario::from_ron_str(MINIMAL).unwrap();
    let err = outage::study::Study::new(&scenario).runs(u64::MAX).run().unwrap_err().to_string();
    assert!(err.contains("more than the 1000000000 a study makes"), "{err}");
}

/// One hall behind a UPS, and `services` (RON) all on pool "p".
fn one_hall_of(services: &str, servers: usize) -> String {
    format!(
        r#"Scenario(name: "big", horizon: "1d",
  sites: [Site(name: "dc", rooms: [Room(name: "elec", kind: Electrical), Room(name: "hall", kind: DataHall, feeds: ["ups"])])],
  power: [Utility(name: "grid"), Ups(name: "ups", room: "elec", inputs: ["grid"], ride_through: "10m")],
  pools: [Pool(name: "p", room: "hall", servers: {servers}, boot: Fixed("5m"))],
  services: [{services}],
  disasters: [Disaster(name: "cut", hazards: [Outage(target: "grid", at: "1h", duration: Fixed("2h"))])],
)"#
    )
}

#[test]
fn long_chains_and_ladders_cost_their_size() {
    // Class 3. A chain of services, each needing the one before: the
    // recursive strongly-connected-components search overflowed the stack
    // (at 100,000 in release, far sooner in a debug test thread), and every
    // service's transitive dependants were stored: n²/2 entries (20 GB for
    // 100,000). Now the search is iterative and the closures are computed
    // only when a recovery policy asks.
    let n = 20_000;
    let services: String = (0..n)
        .map(|i| {
            let dep = if i == 0 { String::new() } else { format!(r#", depends_on: ["s{}"]"#, i - 1) };
            format!(r#"Service(name: "s{i}", users: 1, demand: 1, deployments: [(pool: "p", servers: 1)]{dep}),"#)
        })
        .collect();
    // Loaded on a thread of 256 KiB of stack: no recursion as deep as the
    // chain (the recursive search needed far more).
    let text = one_hall_of(&services, n);
    let chain = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || Scenario::from_ron_str(&text).map(|s| s.model().services().len()))
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(chain.unwrap(), n);
    // A ladder: each service needs the one before (hard) and the one
    // before that (soft, impact 0.5). The old relaxation revisited a
    // service whenever a path raised its weight: exponential in the rungs
    // (81 took hours). Each is settled once now. s0's dependants are the
    // other 80, each wholly (the hard chain): 1 + 80 users affected.
    let services: String = (0..81)
        .map(|i| {
            let hard = if i >= 1 { format!(r#", depends_on: ["s{}"]"#, i - 1) } else { String::new() };
            let soft = if i >= 2 {
                format!(r#", soft_depends_on: [(service: "s{}", impact: 0.5)]"#, i - 2)
            } else {
                String::new()
            };
            format!(
                r#"Service(name: "s{i}", users: 1, demand: 1, deployments: [(pool: "p", servers: 1)]{hard}{soft}),"#
            )
        })
        .collect();
    let ladder = Scenario::from_ron_str(&one_hall_of(&services, 81)).unwrap();
    let s0 = ladder.model().find_service("s0").unwrap();
    assert_eq!(ladder.model().users_affected(s0), 81);
    assert_eq!(ladder.model().transitive_dependants(s0).len(), 80);
}

#[test]
fn a_run_bounds_its_events_and_its_timeline_and_names_the_culprit() {
    // Class 4: the event budget bounded events, not memory: fast random
    // failures over a long horizon filled gigabytes of timeline. The
    // timeline is capped too, and both errors name what generates the
    // events. A pool failing every minute or so and repaired as fast, for
    // ten years: about 2.6 million failures.
    let src = MINIMAL.replacen(r#"horizon: "2d""#, r#"horizon: "3650d""#, 1).replacen(
        r#"Pool(name: "db-servers", room: "hall", servers: 8, boot: Fixed("20m"))"#,
        r#"Pool(name: "db-servers", room: "hall", servers: 8, boot: Fixed("20m"),
               failures: (time_to_failure: Exponential(mean: "1m"), time_to_repair: Exponential(mean: "1m")))"#,
        1,
    );
    let scenario = Scenario::from_ron_str(&src).unwrap();
    let mut sim = outage::Simulation::new(&scenario, Some("grid-outage")).unwrap();
    let err = sim.run(&outage::RunOptions::default().max_timeline(10_000)).unwrap_err().to_string();
    assert!(
        err.contains("timeline passed 10000 entries, most of the latest from: ") && err.contains("db-servers"),
        "{err}"
    );
    let err = sim.run(&outage::RunOptions::default().timeline(false).max_events(10_000)).unwrap_err().to_string();
    assert!(err.contains("run stopped after 10000 events"), "{err}");
    // Half the latest events are its failures, half its repairs.
    assert!(err.contains("most of the latest were: pool 'db-servers' failed (32 of the latest 64)"), "{err}");
}

#[test]
fn a_dynamic_policy_reranks_when_states_change_not_levels() {
    // Class 6: a dynamic policy (ByDependencyOrder) re-ranked the whole
    // queue whenever a service's level moved, so a pool restarted one
    // server at a time cost the square of its size (100,000 servers: 74 s
    // against 0.06 s). Counted, not timed: 2,000 servers restarted one by
    // one by 20 engineers: far below the 2,000²/2 of re-ranking at every
    // batch.
    use outage::recovery::{ActionInfo, RecoveryPolicy, RecoveryView};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    struct Counting(Arc<AtomicU64>);
    impl RecoveryPolicy for Counting {
        fn rank(&self, _: &ActionInfo<'_>, _: &RecoveryView<'_>) -> i64 {
            self.0.fetch_add(1, Ordering::Relaxed);
            0
        }
        fn is_dynamic(&self) -> bool {
            true
        }
    }
    let n = 2_000;
    let services = format!(
        r#"Service(name: "a", users: 10, demand: {d}, deployments: [(pool: "p", servers: {d})]),
           Service(name: "b", users: 10, demand: 1, deployments: [(pool: "p", servers: 1)], depends_on: ["a"]),"#,
        d = n - 1
    );
    let src = one_hall_of(&services, n).replacen(
        r#"boot: Fixed("5m"))"#,
        r#"boot: Fixed("5m"), restart: Manual(batch: 1, work: (team: "ops", duration: Fixed("1m"))))],
  teams: [Team(name: "ops", engineers: 20, on_call: 20)"#,
        1,
    );
    let scenario = Scenario::from_ron_str(&src).unwrap_or_else(|e| panic!("{e}\n{src}"));
    let calls = Arc::new(AtomicU64::new(0));
    let mut sim =
        outage::Simulation::new(&scenario, Some("cut")).unwrap().with_policy(Box::new(Counting(calls.clone())));
    let report = sim.run(&outage::RunOptions::default().timeline(false)).unwrap();
    assert!(report.service("a").unwrap().downtime > outage::SimDuration::ZERO);
    let calls = calls.load(Ordering::Relaxed) as usize;
    // The pool's restart is one piece of work, batch after batch: ranked
    // when queued and when a state changes, a handful of times in all.
    assert!(calls > 0 && calls < n / 100, "{calls} ranks for {n} batches");
}

#[test]
fn an_instant_outage_still_names_its_cause() {
    // Class 9: a zero-length outage impacted a service for no time, and its
    // main cause was empty (causes that held for no time were left out).
    // They are kept when they are all there is.
    let src = MINIMAL.replacen(
        r#"Outage(target: "grid", at: "1h", duration: Fixed("6h"))"#,
        r#"Outage(target: "db-servers", at: "1h", duration: Fixed("0s"))"#,
        1,
    );
    let scenario = Scenario::from_ron_str(&src).unwrap();
    let report = crate::common::run(&scenario, "grid-outage", 0);
    for (name, cause) in [("db", "pool 'db-servers': outage"), ("web", "dependency 'db'")] {
        let s = report.service(name).unwrap();
        assert_eq!((s.first_impact.is_some(), s.downtime), (true, outage::SimDuration::ZERO), "{name}");
        assert_eq!(s.main_cause().map(|c| c.cause.as_str()), Some(cause), "{name}");
    }
}

#[test]
fn a_resolved_reference_is_blamed_by_its_own_name_and_place() {
    // Resolved lists leave out unknown and repeated names, so their indices
    // are not the file's: a room adjacent to one in another site was named
    // (and located) as the unknown name listed before it.
    let text = MINIMAL
        .replacen(
            "    sites: [\n",
            "    sites: [\n        Site(name: \"dc2\", rooms: [Room(name: \"far\", kind: Electrical)]),\n",
            1,
        )
        .replacen(r#"adjacent: ["hall"]"#, r#"adjacent: ["nowhere", "far"]"#, 1);
    let err = Scenario::from_ron_str(&text).unwrap_err();
    let far = err.diagnostics().iter().find(|d| d.message.contains("another site")).expect("a cross-site adjacency");
    assert!(far.message.contains("adjacent to 'far'"), "{far}");
    let unknown = err.diagnostics().iter().find(|d| d.message.contains("'nowhere'")).expect("an unknown room");
    assert!(far.position > unknown.position, "{far} / {unknown}");
}

#[test]
fn thousands_of_typos_get_suggestions_for_the_first_hundred() {
    // Class 3: each "did you mean" compares the name with every other
    // (edit distance), so 5,000 typos among 5,000 names took 27 s. The first
    // 100 get a suggestion, the rest are still reported, without one.
    let n = 300;
    let services: String = (0..n)
        .map(|i| {
            format!(
                r#"Service(name: "service-number-{i}", users: 1, demand: 1, deployments: [(pool: "p", servers: 1)], depends_on: ["servce-numbr-{i}"]),"#
            )
        })
        .collect();
    let err = Scenario::from_ron_str(&one_hall_of(&services, n)).unwrap_err();
    let messages: Vec<&str> = err.diagnostics().iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), n);
    assert_eq!(messages.iter().filter(|m| m.contains("did you mean")).count(), 100);
    assert!(
        messages[0].ends_with("unknown service 'servce-numbr-0' (did you mean 'service-number-0'?)"),
        "{}",
        messages[0]
    );
    assert!(messages[n - 1].ends_with(&format!("unknown service 'servce-numbr-{}'", n - 1)), "{}", messages[n - 1]);
}

#[test]
fn events_that_reach_the_whole_model_stop_on_the_step_budget() {
    // Class 3: events alone do not bound a run's time. A 600-byte file of
    // 10,000 systems behind one flapping grid made 2.6 million events a
    // run, each reaching 20,000 elements: past 120 s with the 200,000,000
    // event cap nowhere near. Steps (events, elements looked at with their
    // inputs, links followed) bound it.
    let fan = |systems: u32| {
        format!(
            r#"Scenario(name: "fan", horizon: "30d",
    sites: [Site(name: "dc", rooms: [Room(name: "elec", kind: Electrical), Room(name: "hall", kind: DataHall, feeds: ["board"])])],
    power: [Utility(name: "grid", failures: (time_to_failure: Fixed("1h"), time_to_repair: Fixed("1h"))),
            Switchboard(name: "board", room: "elec", inputs: ["grid"])],
    pools: [], services: [],
    systems: [Systems(name: "app", count: {systems},
        pools: [Pool(name: "{{system}}-p", room: "hall", servers: 1, boot: Fixed("1m"))],
        services: [Service(name: "{{system}}", users: 1, demand: 1, deployments: [(pool: "{{system}}-p")])])])"#
        )
    };
    let options = outage::RunOptions::default().timeline(false).max_steps(2_000_000);
    // The grid fails at 1h, 3h, ..., 719h: 360 times in 30 days. Each
    // failure reaches the hall's 1,000 pools and their 1,000 services: each
    // looked at (1 step, plus 1 for its one input) and reached by a link
    // (1 step), at least 2,000 x 3 = 6,000 steps; 360 x 6,000 = 2,160,000,
    // past the 2,000,000 allowed.
    let scenario = Scenario::from_ron_str(&fan(1000)).unwrap();
    let err = outage::Simulation::new(&scenario, None).unwrap().run(&options).unwrap_err();
    let outage::RunError::StepBudgetExceeded { steps, events, .. } = &err else { panic!("{err}") };
    assert!(*steps >= 2_000_000 && *events < 360 * 1002, "{err}");
    let message = err.to_string();
    assert!(message.contains("the costliest so far: utility feed 'grid' failed ("), "{message}");
    assert!(message.contains("or raise the cap, --max-steps)"), "{message}");
    let cost: u64 = message.split("failed (").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(cost >= 6_000, "{message}");
    // One system: 8 elements (grid, board, 2 rooms, their site, pool,
    // service, and the users' link at most), each looked at for at most 1 +
    // 3 inputs and reached by at most 10 links: under 1 + 8 x 4 + 10 = 43
    // steps an event, 3 events a cycle (failure, repair, boot) x 360 cycles
    // = under 46,440 steps.
    let scenario = Scenario::from_ron_str(&fan(1)).unwrap();
    assert!(outage::Simulation::new(&scenario, None).unwrap().run(&options).is_ok());
}

#[test]
fn shifts_too_short_for_the_budget_stop_the_run_at_once() {
    // Class 3: 10,000 engineers on 1 ms shifts (1 ms on, 1 ms off) over a
    // day would change shifts 10,000 x 2 x 86,400,000 / 2 = 8.64e11 times,
    // far past the 6,250,000 events a run may take (100,000,000 steps at 16 an event). The run used to grind
    // towards the cap for minutes (each change cost time in proportion to
    // the team); it now stops as the team is called, naming the team.
    let src = r#"Scenario(
    name: "shifts", horizon: "1d",
    sites: [Site(name: "dc", rooms: [Room(name: "elec", kind: Electrical), Room(name: "hall", kind: DataHall, feeds: ["sw"])])],
    power: [Utility(name: "grid"), Switchboard(name: "sw", room: "elec", inputs: ["grid"])],
    teams: [Team(name: "ops", engineers: 10000, shifts: (work: "1ms", rest: "1ms"))],
    pools: [Pool(name: "p", room: "hall", servers: 10, boot: Fixed("1m"))],
    services: [Service(name: "app", users: 10, demand: 10, deployments: [(pool: "p")])],
    disasters: [Disaster(name: "cut", hazards: [Outage(target: "sw", at: "1h", duration: Fixed("1h"))])],
)"#;
    let scenario = Scenario::from_ron_str(src).unwrap();
    let mut sim = outage::Simulation::new(&scenario, None).unwrap();
    let err = sim.run(&outage::RunOptions::default()).unwrap_err().to_string();
    assert!(
        err.starts_with("run stopped at 1h: team 'ops' changing shifts (1ms on, 1ms off) for 10000 engineers"),
        "{err}"
    );
    // 10,000 x 2 x 23 h / 2 ms = 828,000,000,000.
    assert!(err.contains("would take about 828000000000 events, more than a run may take (6250000)"), "{err}");
    assert!(
        err.contains("lengthen its shifts, or raise the caps (--max-steps, at 16 steps an event, and --max-events)"),
        "{err}"
    );
    // A budget that covers them lets the run go on: 10 engineers on 1 h
    // shifts over the 23 h left take 10 x 2 x 23 / 2 = 230 events.
    let fine = src.replace(
        "engineers: 10000, shifts: (work: \"1ms\", rest: \"1ms\")",
        "engineers: 10, shifts: (work: \"1h\", rest: \"1h\")",
    );
    let scenario = Scenario::from_ron_str(&fine).unwrap();
    assert!(outage::Simulation::new(&scenario, None).unwrap().run(&outage::RunOptions::default()).is_ok());
}
