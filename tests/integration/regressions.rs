//! Regression tests for defects found in review of the recovery engine;
//! each states the defect it guards against.

use outage::{RunError, RunOptions, Scenario, SimDuration, Simulation, State};

use crate::common::{at, h, load, m, run, service};

/// One hall behind switchboard `sb1`, a second behind `sb2`, a team "ops"
/// with one engineer on call, and the given pools, services and hazards.
fn scenario(pools: &str, services: &str, hazards: &str) -> String {
    format!(
        r#"Scenario(
    name: "regression", horizon: "1d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "hall1", kind: DataHall, feeds: ["sb1"]),
        Room(name: "hall2", kind: DataHall, feeds: ["sb2"]),
    ])],
    power: [Utility(name: "grid"),
            Switchboard(name: "sb1", room: "elec", inputs: ["grid"]),
            Switchboard(name: "sb2", room: "elec", inputs: ["grid"])],
    teams: [Team(name: "ops", engineers: 1, on_call: 1)],
    pools: [{pools}],
    services: [{services}],
    disasters: [Disaster(name: "d", hazards: [{hazards}])],
)"#
    )
}

#[test]
fn a_cycle_degraded_by_a_partial_outage_recovers_fully() {
    // A and B need each other. Half of A's servers (pool a1) are out 0..1h:
    // both serve 50%, then both are back to 100% at 1h05m (a1 boots 5m).
    // They used to stay at 50% for good: each took the other's stale level.
    let src = scenario(
        r#"Pool(name: "a1", room: "hall1", servers: 5, boot: Fixed("5m")),
           Pool(name: "a2", room: "hall1", servers: 5, boot: Fixed("5m")),
           Pool(name: "b", room: "hall1", servers: 10, boot: Fixed("5m"))"#,
        r#"Service(name: "A", users: 1000, demand: 10, deployments: [(pool: "a1"), (pool: "a2")], depends_on: ["B"]),
           Service(name: "B", users: 1000, demand: 10, deployments: [(pool: "b")], depends_on: ["A"])"#,
        r#"Outage(target: "a1", at: "0s", duration: Fixed("1h"))"#,
    );
    let report = run(&load(&src), "d", 1);
    for name in ["A", "B"] {
        let s = service(&report, name);
        assert_eq!((s.degraded, s.full_recovery, s.final_state), (h(1), Some(at(h(1))), State::Up), "{name}");
        // 1,000 users x 50% x 1 h.
        assert!((s.user_hours_lost - 500.0).abs() < 1e-6, "{name}: {}", s.user_hours_lost);
    }
    assert!(report.deadlocks.is_empty());
}

#[test]
fn a_soft_cycle_with_impact_near_one_settles_at_once() {
    // A and B soft-depend on each other with impact 0.99999999; B is out
    // 0..1h. This used to creep towards its limit for minutes per event.
    let src = scenario(
        r#"Pool(name: "a", room: "hall1", servers: 10, boot: Fixed("5m")),
           Pool(name: "b", room: "hall1", servers: 10, boot: Fixed("5m"))"#,
        r#"Service(name: "A", users: 1000, demand: 10, deployments: [(pool: "a")], soft_depends_on: [(service: "B", impact: 0.99999999)]),
           Service(name: "B", users: 1000, demand: 10, deployments: [(pool: "b")], soft_depends_on: [(service: "A", impact: 0.99999999)])"#,
        r#"Outage(target: "B", at: "0s", duration: Fixed("1h"))"#,
    );
    let started = std::time::Instant::now();
    let report = run(&load(&src), "d", 1);
    assert!(started.elapsed().as_secs() < 10, "a single run took {:?}", started.elapsed());
    let a = service(&report, "A");
    // A serves 1 - 0.99999999 while B is out, and is back up when B is.
    assert_eq!((a.degraded, a.full_recovery), (h(1), Some(at(h(1)))));
    assert_eq!(service(&report, "B").downtime, h(1));
}

#[test]
fn a_warm_standby_failover_does_not_also_wait_for_the_manual_restart() {
    // Automatic failover 1m + 1m, warmup 10m: back at 12m. The 3h restart
    // (for when the service itself crashes) used to be required again while
    // the standby warmed up, putting it back at 3h12m.
    let src = scenario(
        r#"Pool(name: "a", room: "hall1", servers: 10, boot: Fixed("5m")),
           Pool(name: "b", room: "hall2", servers: 10, boot: Fixed("5m"))"#,
        r#"Service(name: "app", users: 1000, demand: 10,
               deployments: [(pool: "a"), (pool: "b", role: WarmStandby, warmup: Fixed("10m"))],
               failover: Automatic(detection: Fixed("1m"), switch: Fixed("1m")),
               restart: (team: "ops", duration: Fixed("3h")))"#,
        r#"Outage(target: "sb1", at: "0s")"#,
    );
    let report = run(&load(&src), "d", 1);
    assert_eq!(service(&report, "app").full_recovery, Some(at(m(12))));
}

#[test]
fn a_restart_begun_before_a_second_crash_does_not_count() {
    // Power 0..1h and 2h..2h30m; boot 5m; the 3h restart starts at 1h05m.
    // The second crash at 2h makes it moot, but the one engineer finishes it
    // (work in progress is completed) at 4h05m, then does the new restart
    // queued when power came back: up at 7h05m. It used to count the first
    // restart and bring the service up at 4h05m.
    let src = scenario(
        r#"Pool(name: "a", room: "hall1", servers: 10, boot: Fixed("5m"))"#,
        r#"Service(name: "app", users: 1000, demand: 10, deployments: [(pool: "a")],
               restart: (team: "ops", duration: Fixed("3h")))"#,
        r#"Outage(target: "sb1", at: "0s", duration: Fixed("1h")),
           Outage(target: "sb1", at: "2h", duration: Fixed("30m"))"#,
    );
    let report = run(&load(&src), "d", 1);
    assert_eq!(service(&report, "app").full_recovery, Some(at(h(7) + m(5))));
}

#[test]
fn hundreds_of_overlapping_outages_do_not_saturate() {
    // One permanent outage and 300 one-hour outages of the same switchboard:
    // the hall stays dark for the whole day. A u8 counter used to saturate
    // and let it come back after an hour.
    let mut hazards = String::from(r#"Outage(target: "sb1", at: "0s")"#);
    for _ in 0..300 {
        hazards.push_str(r#", Outage(target: "sb1", at: "0s", duration: Fixed("1h"))"#);
    }
    let src = scenario(
        r#"Pool(name: "a", room: "hall1", servers: 10, boot: Fixed("5m"))"#,
        r#"Service(name: "app", users: 1, demand: 10, deployments: [(pool: "a")])"#,
        &hazards,
    );
    let report = run(&load(&src), "d", 1);
    assert_eq!(service(&report, "app").downtime, h(24));
}

#[test]
fn a_pool_failure_is_not_a_power_loss() {
    // Every server comes back broken after a power loss (broken_fraction 1),
    // and restarts are manual. A scripted outage of the pool itself (a
    // top-of-rack switch) must not break servers nor need restarts: back at
    // 1h, when the outage ends.
    let src = scenario(
        r#"Pool(name: "a", room: "hall1", servers: 10, boot: Fixed("5m"), broken_fraction: 1.0,
                restart: Manual(batch: 10, work: (team: "ops", duration: Fixed("2h"))))"#,
        r#"Service(name: "app", users: 1, demand: 10, deployments: [(pool: "a")])"#,
        r#"Outage(target: "a", at: "0s", duration: Fixed("1h"))"#,
    );
    let report = run(&load(&src), "d", 1);
    assert_eq!(service(&report, "app").full_recovery, Some(at(h(1))));
}

#[test]
fn a_generator_backing_up_what_it_feeds_is_rejected() {
    // It would start when the switchboard died and stop as soon as it
    // revived it, forever (2e8 events in the first hour, or 5 GB of timeline).
    let src = scenario(
        r#"Pool(name: "a", room: "hall1", servers: 10, boot: Fixed("5m"))"#,
        r#"Service(name: "app", users: 1, demand: 10, deployments: [(pool: "a")])"#,
        r#"Outage(target: "grid", at: "1h")"#,
    )
    .replace(
        r#"Switchboard(name: "sb1", room: "elec", inputs: ["grid"]),"#,
        r#"Generator(name: "diesel", room: "elec", backs_up: ["sb1"], start_probability: 1.0, start_delay: Fixed("0s"), fuel: "1d"),
           Switchboard(name: "sb1", room: "elec", inputs: ["grid", "diesel"]),"#,
    );
    let err = Scenario::from_ron_str(&src).unwrap_err().to_string();
    assert!(err.contains("power loop: diesel, sb1 need each other"), "{err}");
}

#[test]
fn absurd_restart_batches_are_rejected_before_they_use_memory() {
    for (pool, expected) in [
        (
            r#"Pool(name: "a", room: "hall1", servers: 20000000, boot: Fixed("5m"), restart: Manual(batch: 1, work: (team: "ops", duration: Fixed("1m"))))"#,
            "make 20000000 restart actions; at most 100000",
        ),
        (
            r#"Pool(name: "a", room: "hall1", servers: 5000000000, boot: Fixed("5m"), restart: Manual(batch: 5000000000, work: (team: "ops", duration: Fixed("1m"))))"#,
            "a restart batch holds at most 4294967295 servers",
        ),
    ] {
        let src = scenario(
            pool,
            r#"Service(name: "app", users: 1, demand: 10, deployments: [(pool: "a", servers: 10)])"#,
            r#"Outage(target: "sb1", at: "0s")"#,
        );
        let err = Scenario::from_ron_str(&src).unwrap_err().to_string();
        assert!(err.contains(expected), "{expected}: {err}");
    }
}

#[test]
fn the_library_refuses_a_zero_horizon_like_the_cli() {
    // Validation and the CLI refused a zero horizon; RunOptions took one and
    // made a run of no length, whose availability is 0 / 0.
    let scenario = Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/minimal.ron")).unwrap();
    let mut sim = Simulation::new(&scenario, None).unwrap();
    let err = sim.run(&RunOptions::default().horizon(SimDuration::ZERO)).unwrap_err();
    assert_eq!(err, RunError::ZeroHorizon);
    assert_eq!(err.to_string(), "the horizon must be longer than zero");
    let study = outage::study::Study::new(&scenario).runs(3).horizon(SimDuration::ZERO).run();
    assert!(study.unwrap_err().to_string().contains("horizon must be longer than zero"));
}

#[test]
fn what_is_down_from_the_start_is_in_the_timeline_at_t0() {
    // Found by the fuzzer: a UPS that needs both the grid and its standby
    // generator never carries load, so the hall is dark from t0; the report
    // said the service was down all day and the timeline said nothing.
    // The generator starts only when the grid is lost at 12h, and the UPS
    // then still has 1 of the 2 inputs it needs: down 24h of 24h.
    let src = r#"Scenario(name: "dead", horizon: "1d",
    sites: [Site(name: "dc", rooms: [Room(name: "elec", kind: Electrical), Room(name: "hall", kind: DataHall, feeds: ["ups"])])],
    power: [
        Utility(name: "grid"),
        Generator(name: "gen", room: "elec", backs_up: ["grid"], start_probability: 1.0, start_delay: Fixed("1m"), fuel: "1d"),
        Ups(name: "ups", room: "elec", inputs: ["grid", "gen"], inputs_needed: 2, ride_through: "0s"),
    ],
    pools: [Pool(name: "p", room: "hall", servers: 1, boot: Fixed("5m"))],
    services: [Service(name: "app", users: 100, demand: 1, deployments: [(pool: "p")])],
    disasters: [Disaster(name: "d", hazards: [Outage(target: "grid", at: "12h", duration: Fixed("1h"))])],
)"#;
    let report = run(&load(src), "d", 1);
    let app = service(&report, "app");
    assert_eq!((app.first_impact, app.downtime), (Some(at(SimDuration::ZERO)), h(24)));
    let at_start: Vec<(&str, State)> = report
        .timeline
        .iter()
        .filter(|e| e.at == at(SimDuration::ZERO))
        .map(|e| (e.component.as_str(), e.state))
        .collect();
    // The hall, the pool and the service (power equipment may rest on
    // standby, so it is not listed).
    assert_eq!(at_start, [("hall", State::Down), ("p", State::Down), ("app", State::Down)]);
    let app_entry = report.timeline.iter().find(|e| e.component == "app").unwrap();
    assert_eq!(app_entry.cause, "so from the start of the run, before anything happened");
    // What holds it: the UPS's missing second input, the generator on standby.
    assert_eq!(app_entry.blocked_by.as_deref(), Some("generator 'gen': on standby, not started"));
}
