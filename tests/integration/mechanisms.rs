//! The mechanisms real incidents need, each against a hand-derived
//! expectation: k-of-n redundancy in buildings and software, ...

use outage::{Scenario, SimDuration, State};

use crate::common::{at, h, load, m, run, service};

/// One hall with seven chillers, each on the grid; `app` on a pool of 10
/// servers booting in 10m. `room_extra` is spliced into the hall, `hazards`
/// into the disaster "d".
fn chiller_plant(room_extra: &str, hazards: &str) -> String {
    let chillers: String =
        (1..=7).map(|k| format!(r#"Cooling(name: "c{k}", room: "plant", power: ["sw"]),"#)).collect();
    let names: Vec<String> = (1..=7).map(|k| format!("\"c{k}\"")).collect();
    format!(
        r#"Scenario(
    name: "chillers", horizon: "1d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "plant", kind: Cooling),
        Room(name: "hall", kind: DataHall, feeds: ["sw"], cooling: [{}], thermal_delay: "20m", {room_extra}),
    ])],
    power: [Utility(name: "grid"), Switchboard(name: "sw", room: "elec", inputs: ["grid"])],
    cooling: [{chillers}],
    pools: [Pool(name: "p", room: "hall", servers: 10, boot: Fixed("10m"))],
    services: [Service(name: "app", users: 1000, demand: 10, deployments: [(pool: "p")])],
    disasters: [Disaster(name: "d", hazards: [{hazards}])],
)"#,
        names.join(", ")
    )
}

const THREE_CHILLERS_LOST: &str = r#"
    Outage(target: "c1", at: "1h", duration: Fixed("6h")),
    Outage(target: "c2", at: "1h", duration: Fixed("6h")),
    Outage(target: "c3", at: "2h", duration: Fixed("2h")),"#;

#[test]
fn five_of_seven_chillers_needed() {
    // Two chillers are lost at 1h: 5 of 7 still run, the hall stays cool.
    // A third is lost at 2h: 4 < 5, the hall overheats 20m later (2h20m)
    // and its servers stop; the third is back at 4h, the servers boot for
    // 10m: app is back at 4h10m. Downtime 4h10m - 2h20m = 1h50m.
    let report = run(&load(&chiller_plant("cooling_needed: 5", THREE_CHILLERS_LOST)), "d", 1);
    let app = service(&report, "app");
    assert_eq!((app.downtime, app.full_recovery), (h(1) + m(50), Some(at(h(4) + m(10)))));
    // The loss that broke the plant's redundancy is blamed: c3, lost last.
    assert_eq!(app.main_cause().unwrap().cause, "cooling unit 'c3': overheated, cooling lost");
    // With any one of seven enough (the default), nothing happens at all.
    let report = run(&load(&chiller_plant("", THREE_CHILLERS_LOST)), "d", 1);
    assert_eq!(service(&report, "app").downtime, SimDuration::ZERO);
}

#[test]
fn two_of_three_ups_modules_needed() {
    // N+1: three UPS modules feed the hall, two are needed. ups-1 is out
    // 1h..2h (2 of 3 left: powered); ups-2 is out 1h30m..1h40m as well (1
    // of 3: the hall goes dark at 1h30m). At 1h40m two are back; the
    // servers boot 10m: back at 1h50m, down 20m.
    let src = r#"Scenario(
        name: "n-plus-one", horizon: "1d",
        sites: [Site(name: "dc", rooms: [
            Room(name: "elec", kind: Electrical),
            Room(name: "hall", kind: DataHall, feeds: ["ups-1", "ups-2", "ups-3"], feeds_needed: 2),
        ])],
        power: [
            Utility(name: "grid"),
            Ups(name: "ups-1", room: "elec", inputs: ["grid"], ride_through: "0s"),
            Ups(name: "ups-2", room: "elec", inputs: ["grid"], ride_through: "0s"),
            Ups(name: "ups-3", room: "elec", inputs: ["grid"], ride_through: "0s"),
        ],
        pools: [Pool(name: "p", room: "hall", servers: 10, boot: Fixed("10m"))],
        services: [Service(name: "app", users: 1000, demand: 10, deployments: [(pool: "p")])],
        disasters: [Disaster(name: "d", hazards: [
            Outage(target: "ups-1", at: "1h", duration: Fixed("1h")),
            Outage(target: "ups-2", at: "1h30m", duration: Fixed("10m")),
        ])],
    )"#;
    let report = run(&load(src), "d", 1);
    let app = service(&report, "app");
    assert_eq!((app.downtime, app.first_impact), (m(20), Some(at(h(1) + m(30)))));
    assert_eq!(app.main_cause().unwrap().cause, "UPS 'ups-2': outage");
    let hall: Vec<_> = report.timeline.iter().filter(|e| e.component == "hall").map(|e| (e.at, e.state)).collect();
    assert_eq!(hall, [(at(h(1) + m(30)), State::Down), (at(h(1) + m(40)), State::Up)]);
}

/// A store replicated on three pools, one per hall, each behind its own
/// switchboard; any one replica has the capacity for the demand.
fn replicated(quorum: &str) -> String {
    format!(
        r#"Scenario(
        name: "quorum", horizon: "1d",
        sites: [Site(name: "dc", rooms: [
            Room(name: "elec", kind: Electrical),
            Room(name: "hall-1", kind: DataHall, feeds: ["sw-1"]),
            Room(name: "hall-2", kind: DataHall, feeds: ["sw-2"]),
            Room(name: "hall-3", kind: DataHall, feeds: ["sw-3"]),
        ])],
        power: [
            Utility(name: "grid"),
            Switchboard(name: "sw-1", room: "elec", inputs: ["grid"]),
            Switchboard(name: "sw-2", room: "elec", inputs: ["grid"]),
            Switchboard(name: "sw-3", room: "elec", inputs: ["grid"]),
        ],
        pools: [
            Pool(name: "r1", room: "hall-1", servers: 1, boot: Fixed("0s")),
            Pool(name: "r2", room: "hall-2", servers: 1, boot: Fixed("0s")),
            Pool(name: "r3", room: "hall-3", servers: 1, boot: Fixed("0s")),
        ],
        services: [Service(name: "store", users: 100, demand: 1, {quorum}
                           deployments: [(pool: "r1"), (pool: "r2"), (pool: "r3")])],
        disasters: [Disaster(name: "d", hazards: [
            Outage(target: "sw-1", at: "1h", duration: Fixed("5h")),
            Outage(target: "sw-2", at: "2h", duration: Fixed("1h")),
        ])],
    )"#
    )
}

#[test]
fn a_quorum_store_is_down_without_its_quorum() {
    // Replica 1 is lost 1h..6h, replica 2 2h..3h. With a quorum of 2, the
    // store is down while only one replica is left: 2h..3h, 1h in all. It
    // is not degraded before: two replicas carry the whole demand.
    let report = run(&load(&replicated("quorum: 2,")), "d", 1);
    let store = service(&report, "store");
    assert_eq!((store.downtime, store.degraded, store.first_impact), (h(1), SimDuration::ZERO, Some(at(h(2)))));
    // Without a quorum, one replica carries it all: never impacted.
    let report = run(&load(&replicated("")), "d", 1);
    assert_eq!(service(&report, "store").downtime, SimDuration::ZERO);
}

#[test]
fn how_many_are_needed_is_checked_where_it_is_written() {
    for (src, fragment) in [
        (
            chiller_plant("cooling_needed: 8", THREE_CHILLERS_LOST),
            "room 'hall': cooling_needed must be between 1 and the 7 cooling listed, not 8",
        ),
        (
            chiller_plant("cooling_needed: 0", THREE_CHILLERS_LOST),
            "room 'hall': cooling_needed must be between 1 and the 7 cooling listed, not 0",
        ),
        (
            chiller_plant("network_needed: 2", THREE_CHILLERS_LOST),
            "room 'hall': network_needed is 2, but network is empty",
        ),
        (replicated("quorum: 4,"), "service 'store': quorum must be between 1 and its 3 active deployments, not 4"),
    ] {
        let err = Scenario::from_ron_str(&src).unwrap_err();
        let d = err.diagnostics();
        assert_eq!(d.len(), 1, "{err}");
        assert!(d[0].message.contains(fragment), "{fragment}: {err}");
        // Located at the value of the field that says how many.
        let field = fragment.split(':').nth(1).unwrap().split_whitespace().next().unwrap();
        let p = d[0].position.unwrap();
        let line = src.lines().nth(p.line - 1).unwrap();
        assert!(line[..p.column - 1].ends_with(&format!("{field}: ")), "{field} at {p:?} in {line}");
    }
}

/// Two halls, each behind its own switchboard, each with a service;
/// `draws` and `hazards` are spliced in.
fn two_halls(draws: &str, hazards: &str) -> String {
    format!(
        r#"Scenario(
        name: "two-halls", horizon: "2d",
        sites: [Site(name: "dc", rooms: [
            Room(name: "elec", kind: Electrical),
            Room(name: "hall-a", kind: DataHall, feeds: ["sw-a"]),
            Room(name: "hall-b", kind: DataHall, feeds: ["sw-b"]),
        ])],
        power: [
            Utility(name: "grid"),
            Switchboard(name: "sw-a", room: "elec", inputs: ["grid"]),
            Switchboard(name: "sw-b", room: "elec", inputs: ["grid"]),
        ],
        pools: [
            Pool(name: "pa", room: "hall-a", servers: 1, boot: Fixed("0s")),
            Pool(name: "pb", room: "hall-b", servers: 1, boot: Fixed("0s")),
        ],
        services: [
            Service(name: "a", users: 1, demand: 1, deployments: [(pool: "pa")]),
            Service(name: "b", users: 1, demand: 1, deployments: [(pool: "pb")]),
        ],
        draws: [{draws}],
        disasters: [Disaster(name: "d", hazards: [{hazards}])],
    )"#
    )
}

#[test]
fn a_hazard_can_start_at_a_random_time() {
    // sw-a is lost at 1h plus a delay uniform on [0, 4h], for 1h: each run
    // starts it somewhere in [1h, 5h], and over 400 runs the mean start is
    // 3h, within 3 standard errors: 4h / sqrt(12) / sqrt(400) = 0.058h,
    // times 3 = 0.17h.
    let scenario = load(&two_halls(
        "",
        r#"Outage(target: "sw-a", at: "1h", delay: Uniform(min: "0s", max: "4h"), duration: Fixed("1h"))"#,
    ));
    let mut starts = Vec::new();
    for seed in 0..400 {
        let a = service(&run(&scenario, "d", seed), "a").clone();
        let start = a.first_impact.unwrap().as_hours_f64();
        assert!((1.0..=5.0).contains(&start), "seed {seed}: {start}");
        assert_eq!(a.downtime, h(1));
        starts.push(start);
    }
    let mean = starts.iter().sum::<f64>() / starts.len() as f64;
    assert!((mean - 3.0).abs() < 0.17, "mean start {mean}");
}

#[test]
fn hazards_that_share_a_draw_get_the_same_value_in_every_run() {
    // Both halls are cut at 0s and re-powered under one permit, whose wait
    // is uniform on [1h, 9h]: in every run both come back at the same
    // moment, somewhere in [1h, 9h]. With independent waits they differ.
    let permit = r#"Draw(name: "permit", dist: Uniform(min: "1h", max: "9h"))"#;
    let shared = two_halls(
        permit,
        r#"Outage(target: "sw-a", at: "0s", duration: Shared("permit")),
           Outage(target: "sw-b", at: "0s", duration: Shared("permit")),"#,
    );
    let own = two_halls(
        permit,
        r#"Outage(target: "sw-a", at: "0s", duration: Uniform(min: "1h", max: "9h")),
           Outage(target: "sw-b", at: "0s", duration: Uniform(min: "1h", max: "9h")),"#,
    );
    let (shared, own) = (load(&shared), load(&own));
    let mut differ = 0;
    let mut values = Vec::new();
    for seed in 0..50 {
        let r = run(&shared, "d", seed);
        let (a, b) = (service(&r, "a").downtime, service(&r, "b").downtime);
        assert_eq!(a, b, "seed {seed}");
        assert!(a >= h(1) && a <= h(9), "seed {seed}: {a}");
        values.push(a);
        let r = run(&own, "d", seed);
        differ += usize::from(service(&r, "a").downtime != service(&r, "b").downtime);
    }
    // The shared value is drawn anew each run; independent ones differ.
    values.sort();
    values.dedup();
    assert!(values.len() > 40, "{values:?}");
    assert_eq!(differ, 50);
    // A shared delay starts two hazards together.
    let storm = two_halls(
        r#"Draw(name: "storm", dist: Exponential(mean: "6h"))"#,
        r#"Outage(target: "sw-a", at: "0s", delay: Shared("storm"), duration: Fixed("1h")),
           Outage(target: "sw-b", at: "30m", delay: Shared("storm"), duration: Fixed("1h")),"#,
    );
    let r = run(&load(&storm), "d", 3);
    let (a, b) = (service(&r, "a").first_impact.unwrap(), service(&r, "b").first_impact.unwrap());
    assert_eq!(b - a, m(30));
}

#[test]
fn shared_draws_are_checked_where_they_are_written() {
    let hazard = r#"Outage(target: "sw-a", at: "0s", duration: Shared("permt"))"#;
    for (src, fragment) in [
        (
            two_halls(r#"Draw(name: "permit", dist: Fixed("1h"))"#, hazard),
            "duration refers to unknown shared draw 'permt' (known: permit)",
        ),
        (
            two_halls(r#"Draw(name: "permt", dist: Fixed("1h")), Draw(name: "permt", dist: Fixed("2h"))"#, hazard),
            "duplicate draw name 'permt'",
        ),
        (
            two_halls(r#"Draw(name: "permt", dist: Uniform(min: "2h", max: "1h"))"#, hazard),
            "draw 'permt': dist: min must not be greater than max",
        ),
        (
            two_halls(r#"Draw(name: "permt", dist: Fixed("1h"))"#, hazard)
                .replace(r#"boot: Fixed("0s")),"#, r#"boot: Shared("permt")),"#),
            "a shared draw ('permt') can only time a hazard",
        ),
    ] {
        let err = Scenario::from_ron_str(&src).unwrap_err().to_string();
        assert!(err.contains(fragment), "{fragment}: {err}");
    }
}

/// A battery-room fire at 0s; the authorities cut the whole site at once;
/// the fire is out at 2h and inspected for 1h. The chiller c1 (in the
/// plant room) is out until 8h. `restoration` is spliced in.
fn staged_fire(restoration: &str) -> String {
    format!(
        r#"Scenario(
        name: "staged", horizon: "1d",
        sites: [Site(name: "dc", rooms: [
            Room(name: "elec", kind: Electrical),
            Room(name: "battery", kind: Battery),
            Room(name: "plant", kind: Cooling),
            Room(name: "hall-a", kind: DataHall, feeds: ["sw"]),
            Room(name: "hall-b", kind: DataHall, feeds: ["sw"]),
        ])],
        power: [Utility(name: "grid"), Switchboard(name: "sw", room: "elec", inputs: ["grid"])],
        cooling: [Cooling(name: "c1", room: "plant", power: ["sw"])],
        pools: [
            Pool(name: "pa", room: "hall-a", servers: 1, boot: Fixed("0s")),
            Pool(name: "pb", room: "hall-b", servers: 1, boot: Fixed("0s")),
        ],
        services: [
            Service(name: "a", users: 1, demand: 1, deployments: [(pool: "pa")]),
            Service(name: "b", users: 1, demand: 1, deployments: [(pool: "pb")]),
        ],
        disasters: [Disaster(name: "fire", hazards: [
            Fire(room: "battery", at: "0s", fuel: LithiumBattery,
                 power_cut: (scope: Site, after: Fixed("0s")),
                 extinguished_after: Fixed("2h"),
                 restoration: (inspection: Fixed("1h"), {restoration})),
            Outage(target: "c1", at: "0s", duration: Fixed("8h")),
        ])],
    )"#
    )
}

#[test]
fn restoration_stages_keep_their_date_and_wait_for_their_conditions() {
    // After the 1h inspection (3h), every cut room not staged and not
    // abandoned is re-energised: elec and hall-a; a is down 3h. The plant
    // stage is due right after but not before 6h; the hall-b stage is due
    // right after the plant's, 6h, but waits for chiller c1, out until 8h:
    // b is down 8h. The battery room is never re-energised.
    let stages = r#"never: ["battery"], stages: [
        Stage(rooms: ["plant"], at: Fixed("6h")),
        Stage(rooms: ["hall-b"], waits_for: ["c1"]),
    ]"#;
    let report = run(&load(&staged_fire(stages)), "fire", 1);
    assert_eq!(service(&report, "a").downtime, h(3));
    assert_eq!(service(&report, "b").downtime, h(8));
    let last = |c: &str| report.timeline.iter().rev().find(|e| e.component == c).map(|e| (e.at, e.state));
    assert_eq!(last("plant"), Some((at(h(6)), State::Up)));
    assert_eq!(last("hall-b").map(|(t, _)| t), Some(at(h(8))));
    assert_eq!(last("battery").map(|(_, s)| s), Some(State::Down));
    // Without the condition, hall-b follows the plant at 6h.
    let report = run(&load(&staged_fire(&stages.replace(r#", waits_for: ["c1"]"#, ""))), "fire", 1);
    assert_eq!(service(&report, "b").downtime, h(6));
    // Without the date, the plant follows the inspection at 3h, and hall-b
    // still waits for c1: 8h.
    let report = run(&load(&staged_fire(&stages.replace(r#", at: Fixed("6h")"#, ""))), "fire", 1);
    assert_eq!(service(&report, "b").downtime, h(8));
    // A room both staged and abandoned is refused where it is written.
    let err = Scenario::from_ron_str(&staged_fire(&stages.replace(r#"never: ["battery"]"#, r#"never: ["plant"]"#)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("room 'plant' is both in a restoration stage and never restored"), "{err}");
}

/// Hall A is lost for good at 0s. Each service in `services` (RON) has an
/// active pool in hall A and a hot standby in hall B; `teams` spliced in.
fn lose_hall_a(services: &[(&str, u32, &str)], teams: &str, extra_hazards: &str) -> String {
    let mut pools = String::new();
    let mut svcs = String::new();
    for (name, priority, failover) in services {
        pools.push_str(&format!(
            r#"Pool(name: "{name}-a", room: "hall-a", servers: 1, boot: Fixed("0s")),
               Pool(name: "{name}-b", room: "hall-b", servers: 1, boot: Fixed("0s")),"#
        ));
        svcs.push_str(&format!(
            r#"Service(name: "{name}", users: 1, priority: {priority}, demand: 1,
                       deployments: [(pool: "{name}-a"), (pool: "{name}-b", role: HotStandby)],
                       failover: {failover}),"#
        ));
    }
    format!(
        r#"Scenario(
        name: "waits", horizon: "2d",
        sites: [Site(name: "dc", rooms: [
            Room(name: "elec", kind: Electrical),
            Room(name: "hall-a", kind: DataHall, feeds: ["sw-a"]),
            Room(name: "hall-b", kind: DataHall, feeds: ["sw-b"]),
            Room(name: "hall-c", kind: DataHall, feeds: ["sw-b"]),
        ])],
        power: [
            Utility(name: "grid"),
            Switchboard(name: "sw-a", room: "elec", inputs: ["grid"]),
            Switchboard(name: "sw-b", room: "elec", inputs: ["grid"]),
        ],
        pools: [{pools} Pool(name: "console-pool", room: "hall-c", servers: 1, boot: Fixed("0s"))],
        services: [{svcs} Service(name: "console", users: 0, demand: 1, deployments: [(pool: "console-pool")])],
        teams: [{teams}],
        disasters: [Disaster(name: "d", hazards: [Outage(target: "sw-a", at: "0s"), {extra_hazards}])],
    )"#
    )
}

#[test]
fn a_decision_keeps_no_engineer_busy() {
    // One engineer, on call. "core" (priority 1) fails over only after a
    // 4h decision, then 1h of work; "edge" (priority 2) needs 2h of work
    // and no decision. The engineer takes edge at 0s (core is still being
    // decided): edge back at 2h; core's decision is over at 4h, the
    // engineer is free: core back at 5h.
    let services = [
        ("core", 1, r#"Manual(team: "ops", wait: Fixed("4h"), duration: Fixed("1h"))"#),
        ("edge", 2, r#"Manual(team: "ops", duration: Fixed("2h"))"#),
    ];
    let teams = r#"Team(name: "ops", engineers: 1, on_call: 1)"#;
    let report = run(&load(&lose_hall_a(&services, teams, "")), "d", 1);
    assert_eq!(service(&report, "edge").full_recovery, Some(at(h(2))));
    assert_eq!(service(&report, "core").full_recovery, Some(at(h(5))));
    // Were the decision an engineer's work (5h of it), core would go first
    // and edge wait for it: core at 5h, edge at 7h.
    let busy = [("core", 1, r#"Manual(team: "ops", duration: Fixed("5h"))"#), services[1]];
    let report = run(&load(&lose_hall_a(&busy, teams, "")), "d", 1);
    assert_eq!(service(&report, "edge").full_recovery, Some(at(h(7))));
}

#[test]
fn work_without_a_team_needs_no_engineer() {
    // A vendor's own crew fails "core" over: no team of ours, a 6h wait for
    // them to arrive, then 2h. There is no team in the scenario at all:
    // core is back at 8h.
    let services = [("core", 1, r#"Manual(wait: Fixed("6h"), duration: Fixed("2h"))"#)];
    let report = run(&load(&lose_hall_a(&services, "", "")), "d", 1);
    assert_eq!(service(&report, "core").full_recovery, Some(at(h(8))));
    let back = report.timeline.iter().find(|e| e.component == "core" && e.state == State::Up).unwrap();
    assert_eq!(back.cause, "manual failover of service 'core' done");
    // Needing the console, which is out 0s..10h: the vendor waits for it,
    // and is done 2h after it is back, at 12h; the slow way (by hand, 3h),
    // at 6h + 3h = 9h.
    let console = r#"Outage(target: "console", at: "0s", duration: Fixed("10h"))"#;
    let needs = [("core", 1, r#"Manual(wait: Fixed("6h"), duration: Fixed("2h"), requires: ["console"])"#)];
    let report = run(&load(&lose_hall_a(&needs, "", console)), "d", 1);
    assert_eq!(service(&report, "core").full_recovery, Some(at(h(12))));
    let slow = [(
        "core",
        1,
        r#"Manual(wait: Fixed("6h"), duration: Fixed("2h"), requires: ["console"], without_requirements: Slower(Fixed("3h")))"#,
    )];
    let report = run(&load(&lose_hall_a(&slow, "", console)), "d", 1);
    assert_eq!(service(&report, "core").full_recovery, Some(at(h(9))));
}

/// Hall A (with service "svc", restarted by hand by team "vendor") loses
/// power 0s..4h; `vendor` is the team's RON.
fn vendor_restart(vendor: &str) -> String {
    format!(
        r#"Scenario(
        name: "call-out", horizon: "2d",
        sites: [Site(name: "dc", rooms: [
            Room(name: "elec", kind: Electrical),
            Room(name: "hall-a", kind: DataHall, feeds: ["sw-a"]),
        ])],
        power: [Utility(name: "grid"), Switchboard(name: "sw-a", room: "elec", inputs: ["grid"])],
        pools: [Pool(name: "p", room: "hall-a", servers: 1, boot: Fixed("0s"))],
        services: [Service(name: "svc", users: 1, demand: 1, deployments: [(pool: "p")],
                           restart: (team: "vendor", duration: Fixed("1h")))],
        teams: [{vendor}],
        disasters: [Disaster(name: "d", hazards: [Outage(target: "sw-a", at: "0s", duration: Fixed("4h"))])],
    )"#
    )
}

#[test]
fn teams_are_called_when_their_moment_comes() {
    // Called at the first impact (0s), the vendor's engineer arrives at 2h
    // and restarts svc once its servers are back at 4h: done at 5h.
    let team =
        |called: &str| format!(r#"Team(name: "vendor", engineers: 1, on_call: 0, arrival: Fixed("2h"), {called})"#);
    let svc = |called: &str| service(&run(&load(&vendor_restart(&team(called))), "d", 1), "svc").full_recovery;
    assert_eq!(svc(""), Some(at(h(5))));
    // Called only when power is back in hall A (4h): arrives at 6h, done 7h.
    assert_eq!(svc(r#"called: When(["hall-a"])"#), Some(at(h(7))));
    // Called at 10h: arrives at 12h, done at 13h.
    assert_eq!(svc(r#"called: At(Fixed("10h"))"#), Some(at(h(13))));
    let report = run(&load(&vendor_restart(&team(r#"called: At(Fixed("10h"))"#))), "d", 1);
    assert!(report.timeline.iter().all(|e| e.at != at(h(5))), "nothing happens at 5h: nobody is there");
}

#[test]
fn an_escalation_adds_engineers_after_a_delay() {
    // Four manual failovers of 2h each from 0s, one engineer on call, two
    // more joining 3h after the call-out. The first engineer does core-1
    // 0..2h and core-2 2..4h; at 3h the two others take core-3 and core-4,
    // done at 5h. Without the escalation: 2h, 4h, 6h, 8h.
    let services: Vec<(&str, u32, &str)> = ["core-1", "core-2", "core-3", "core-4"]
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, i as u32 + 1, r#"Manual(team: "ops", duration: Fixed("2h"))"#))
        .collect();
    let back = |teams: &str| {
        let report = run(&load(&lose_hall_a(&services, teams, "")), "d", 1);
        services.iter().map(|(n, _, _)| service(&report, n).full_recovery.unwrap()).collect::<Vec<_>>()
    };
    let escalated =
        back(r#"Team(name: "ops", engineers: 1, on_call: 1, escalation: (after: Fixed("3h"), engineers: 2))"#);
    assert_eq!(escalated, [at(h(2)), at(h(4)), at(h(5)), at(h(5))]);
    let alone = back(r#"Team(name: "ops", engineers: 1, on_call: 1)"#);
    assert_eq!(alone, [at(h(2)), at(h(4)), at(h(6)), at(h(8))]);
    // Validation: an escalation adds someone, and a call-out names what it waits for.
    for (team, fragment) in [
        (
            r#"Team(name: "ops", engineers: 1, escalation: (after: Fixed("3h"), engineers: 0))"#,
            "team 'ops': an escalation adds between 1 and",
        ),
        (r#"Team(name: "ops", engineers: 1, called: When(["hall-z"]))"#, "refers to unknown element 'hall-z'"),
    ] {
        let err = Scenario::from_ron_str(&lose_hall_a(&services, team, "")).unwrap_err().to_string();
        assert!(err.contains(fragment), "{fragment}: {err}");
    }
}

/// Hall A burns from 0s (its equipment is destroyed at 10m, the fire is out
/// at 2h); "db" runs there, with `db` spliced into its definition and
/// `replacement` into hall A's. A second site has an empty hall to rebuild
/// in; the "ops" team has one engineer on call.
fn burnt_store(db: &str, replacement: &str) -> String {
    format!(
        r#"Scenario(
        name: "burnt-store", horizon: "10d",
        sites: [
            Site(name: "main", rooms: [
                Room(name: "elec", kind: Electrical),
                Room(name: "hall-a", kind: DataHall, feeds: ["sw"], replacement: {replacement}),
            ]),
            Site(name: "dr", rooms: [
                Room(name: "elec-dr", kind: Electrical),
                Room(name: "hall-dr", kind: DataHall, feeds: ["sw-dr"]),
            ]),
        ],
        power: [
            Utility(name: "grid"), Switchboard(name: "sw", room: "elec", inputs: ["grid"]),
            Utility(name: "grid-dr"), Switchboard(name: "sw-dr", room: "elec-dr", inputs: ["grid-dr"]),
        ],
        pools: [
            Pool(name: "pa", room: "hall-a", servers: 4, boot: Fixed("0s")),
            Pool(name: "pdr", room: "hall-dr", servers: 4, boot: Fixed("0s")),
        ],
        services: [Service(name: "db", users: 100, demand: 4, {db})],
        teams: [Team(name: "ops", engineers: 1, on_call: 1)],
        disasters: [Disaster(name: "fire", hazards: [
            Fire(room: "hall-a", at: "0s", damage_after: Fixed("10m"), extinguished_after: Fixed("2h")),
        ])],
    )"#
    )
}

const REBUILD: &str = r#"deployments: [(pool: "pa"), (pool: "pdr", role: Rebuild)],
    rebuild: (team: "ops", wait: Fixed("3d"), duration: Fixed("8h")),"#;
const BACKUP: &str = r#"backup: (age: Fixed("6h"), size_tb: 20.0, tb_per_hour: 0.5),"#;

#[test]
fn a_burnt_system_is_rebuilt_elsewhere_and_restored_from_backup() {
    // The fire destroys db's servers at 10m: down from 10m. The rebuild is
    // queued then: 3 days to provision (no one busy), 8h of work: done at
    // 3d8h10m. Its data burnt too: restoring 20 TB at 0.5 TB/h takes 40h,
    // from 3d8h10m to 5d0h10m. Down 5d (120h); the writes of the 6h since
    // the last backup are lost.
    let report = run(&load(&burnt_store(&format!("{REBUILD} {BACKUP}"), "Never")), "fire", 1);
    let db = service(&report, "db");
    assert_eq!(db.first_impact, Some(at(m(10))));
    assert_eq!(db.full_recovery, Some(at(h(120) + m(10))));
    assert_eq!((db.downtime, db.data_loss, db.data_lost), (h(120), Some(h(6)), false));
    let causes: Vec<(&str, SimDuration)> = db.causes.iter().map(|c| (c.cause.as_str(), c.time)).collect();
    assert_eq!(
        causes,
        [
            // The rebuild says where it stands: provisioning (no one busy),
            // then the engineer's 8h of work.
            ("servers destroyed by fire, rebuilding elsewhere: waiting before the work can start", h(72)),
            ("data destroyed by fire, restoring from backup: in progress", h(40)),
            ("servers destroyed by fire, rebuilding elsewhere: in progress", h(8)),
        ]
    );
    // Stateful with no backup: back when rebuilt, at 3d8h10m, empty.
    let report = run(&load(&burnt_store(&format!("{REBUILD} stateful: true,"), "Never")), "fire", 1);
    let db = service(&report, "db");
    assert_eq!((db.downtime, db.data_lost, db.data_loss), (h(80), true, None));
    assert!(report.to_table(false).contains("db: every copy of its data destroyed, no backup: all its data lost"));
    // Stateless: back when rebuilt, nothing lost.
    let report = run(&load(&burnt_store(REBUILD, "Never")), "fire", 1);
    assert_eq!((service(&report, "db").downtime, service(&report, "db").data_lost), (h(80), false));
}

#[test]
fn new_servers_in_place_still_need_the_data_restored() {
    // No rebuild: hall A's equipment is replaced a day after the fire is out
    // (2h + 1d = 26h); the new servers boot at once, then the 40h restore:
    // back at 66h, down 66h - 10m.
    let db = format!(r#"deployments: [(pool: "pa")], {BACKUP}"#);
    let report = run(&load(&burnt_store(&db, r#"After(Fixed("1d"))"#)), "fire", 1);
    let db = service(&report, "db");
    assert_eq!((db.full_recovery, db.downtime), (Some(at(h(66))), h(65) + m(50)));
    // Validation: a rebuild needs somewhere to rebuild, and the backup's speed makes sense.
    for (db, fragment) in [
        (
            r#"deployments: [(pool: "pa")], rebuild: (duration: Fixed("1h")),"#,
            "has a rebuild but no deployment with role Rebuild",
        ),
        (
            r#"deployments: [(pool: "pa"), (pool: "pdr", role: Rebuild)],"#,
            "has a Rebuild deployment but no rebuild work",
        ),
        (
            r#"deployments: [(pool: "pa")], backup: (age: Fixed("1h"), size_tb: 1.0, tb_per_hour: 0.0),"#,
            "backup tb_per_hour must be greater than zero, not 0",
        ),
    ] {
        let err = Scenario::from_ron_str(&burnt_store(db, "Never")).unwrap_err().to_string();
        assert!(err.contains(fragment), "{fragment}: {err}");
    }
}

/// Two regions: north (halls n1 and n2, each behind its own UPS) and south
/// (hall s1). ups-n1 and ups-s1 are of batch 7, ups-n2 of batch 8. A
/// service per hall; `hazards` spliced in.
fn two_regions(hazards: &str) -> String {
    format!(
        r#"Scenario(
        name: "regions", horizon: "2d",
        sites: [
            Site(name: "north", region: "north", rooms: [
                Room(name: "elec-n", kind: Electrical),
                Room(name: "hall-n1", kind: DataHall, feeds: ["ups-n1"]),
                Room(name: "hall-n2", kind: DataHall, feeds: ["ups-n2"]),
            ]),
            Site(name: "south", region: "south", rooms: [
                Room(name: "elec-s", kind: Electrical),
                Room(name: "hall-s1", kind: DataHall, feeds: ["ups-s1"]),
            ]),
        ],
        power: [
            Utility(name: "grid"),
            Ups(name: "ups-n1", room: "elec-n", inputs: ["grid"], ride_through: "0s", tags: ["batch-7"]),
            Ups(name: "ups-n2", room: "elec-n", inputs: ["grid"], ride_through: "0s", tags: ["batch-8"]),
            Ups(name: "ups-s1", room: "elec-s", inputs: ["grid"], ride_through: "0s", tags: ["batch-7"]),
        ],
        pools: [
            Pool(name: "pn1", room: "hall-n1", servers: 1, boot: Fixed("0s")),
            Pool(name: "pn2", room: "hall-n2", servers: 1, boot: Fixed("0s")),
            Pool(name: "ps1", room: "hall-s1", servers: 1, boot: Fixed("0s")),
        ],
        services: [
            Service(name: "n1", users: 1, demand: 1, deployments: [(pool: "pn1")]),
            Service(name: "n2", users: 1, demand: 1, deployments: [(pool: "pn2")]),
            Service(name: "s1", users: 1, demand: 1, deployments: [(pool: "ps1")]),
        ],
        disasters: [Disaster(name: "d", hazards: [{hazards}])],
    )"#
    )
}

#[test]
fn a_common_cause_hits_everything_it_selects_at_once() {
    // Every UPS of the north region is out 1h..3h: n1 and n2 down 2h, s1
    // untouched.
    let region = r#"CommonCause(name: "northern grid event", select: (region: "north", kinds: [Ups]),
                                at: "1h", duration: Fixed("2h"))"#;
    let report = run(&load(&two_regions(region)), "d", 1);
    let down = |r: &outage::RunReport, s: &str| service(r, s).downtime;
    assert_eq!((down(&report, "n1"), down(&report, "n2"), down(&report, "s1")), (h(2), h(2), SimDuration::ZERO));
    let ups = report.timeline.iter().find(|e| e.component == "ups-n1").unwrap();
    assert_eq!(ups.cause, "northern grid event: outage of UPS 'ups-n1' began");
    // Batch 7, across regions, at one random moment in [1h, 11h]: both of
    // its UPS fail together in every run; batch 8's does not.
    let batch = r#"CommonCause(select: (tags: ["batch-7"]), at: "1h", delay: Uniform(min: "0s", max: "10h"),
                               duration: Fixed("2h"))"#;
    let scenario = load(&two_regions(batch));
    let mut starts = Vec::new();
    for seed in 0..20 {
        let r = run(&scenario, "d", seed);
        let (a, b) = (service(&r, "n1").first_impact.unwrap(), service(&r, "s1").first_impact.unwrap());
        assert_eq!(a, b, "seed {seed}");
        assert!(service(&r, "n2").first_impact.is_none());
        starts.push(a);
    }
    starts.dedup();
    assert!(starts.len() > 15, "a new moment each run: {starts:?}");
}

#[test]
fn a_common_cause_hits_each_element_with_its_probability() {
    // Batch 7 has a 50% chance of failing per unit: over 400 runs each of
    // its two UPS fails in about half of them (standard error
    // sqrt(0.25 / 400) = 0.025; 3 of them: 0.075), and both together in
    // about a quarter (independent draws; 3 standard errors: 0.065).
    let batch = r#"CommonCause(select: (tags: ["batch-7"]), at: "1h", duration: Fixed("2h"), probability: 0.5)"#;
    let scenario = load(&two_regions(batch));
    let (mut n1, mut s1, mut both) = (0.0, 0.0, 0.0);
    for seed in 0..400 {
        let r = run(&scenario, "d", seed);
        let (a, b) = (service(&r, "n1").downtime == h(2), service(&r, "s1").downtime == h(2));
        n1 += f64::from(u8::from(a)) / 400.0;
        s1 += f64::from(u8::from(b)) / 400.0;
        both += f64::from(u8::from(a && b)) / 400.0;
    }
    assert!((n1 - 0.5).abs() < 0.075 && (s1 - 0.5).abs() < 0.075, "{n1} {s1}");
    assert!((both - 0.25).abs() < 0.065, "{both}");
    // Validation: a criterion, a known region, and something selected.
    for (hazard, fragment) in [
        (r#"CommonCause(select: (), at: "1h")"#, "a common cause selects by region, sites, kinds or tags"),
        (r#"CommonCause(select: (region: "west"), at: "1h")"#, "no site is in region 'west' (regions: north, south)"),
        (r#"CommonCause(select: (tags: ["batch-9"]), at: "1h")"#, "the common cause selects no element"),
    ] {
        let err = Scenario::from_ron_str(&two_regions(hazard)).unwrap_err().to_string();
        assert!(err.contains(fragment), "{fragment}: {err}");
    }
}

#[test]
fn milestones_for_large_estates_count_systems_serving() {
    use outage::milestones::Measure;
    // Four systems on four halls, whose power returns at 1h, 2h, 3h and 4h
    // (all cut at 0s, boot 0s). The 2nd system serving again: 2h; half of
    // them serving (2 of 4): 2h; three quarters: 3h; all: 4h.
    let mut rooms = String::new();
    let mut power = String::from(r#"Utility(name: "grid"),"#);
    let mut pools = String::new();
    let mut services = String::new();
    let mut hazards = String::new();
    for k in 1..=4 {
        rooms.push_str(&format!(r#"Room(name: "hall-{k}", kind: DataHall, feeds: ["sw-{k}"]),"#));
        power.push_str(&format!(r#"Switchboard(name: "sw-{k}", room: "elec", inputs: ["grid"]),"#));
        pools.push_str(&format!(r#"Pool(name: "p{k}", room: "hall-{k}", servers: 1, boot: Fixed("0s")),"#));
        services.push_str(&format!(r#"Service(name: "sys-{k}", users: 1, demand: 1, deployments: [(pool: "p{k}")]),"#));
        hazards.push_str(&format!(r#"Outage(target: "sw-{k}", at: "0s", duration: Fixed("{k}h")),"#));
    }
    let src = format!(
        r#"Scenario(name: "estate", horizon: "1d",
            sites: [Site(name: "dc", rooms: [Room(name: "elec", kind: Electrical), {rooms}])],
            power: [{power}], pools: [{pools}], services: [{services}],
            disasters: [Disaster(name: "d", hazards: [{hazards}])])"#
    );
    let scenario = load(&src);
    let report = run(&scenario, "d", 1);
    let all: Vec<String> = (1..=4).map(|k| format!("sys-{k}")).collect();
    let measure = |m: Measure| m.measure(&scenario, &report).unwrap();
    assert_eq!(measure(Measure::NthServing { services: all.clone(), n: 2 }), Some(at(h(2))));
    assert_eq!(measure(Measure::FractionServing { services: all.clone(), fraction: 0.5 }), Some(at(h(2))));
    assert_eq!(measure(Measure::FractionServing { services: all.clone(), fraction: 0.75 }), Some(at(h(3))));
    assert_eq!(measure(Measure::FractionServing { services: all.clone(), fraction: 1.0 }), Some(at(h(4))));
    assert!(Measure::NthServing { services: all.clone(), n: 5 }.measure(&scenario, &report).is_err());
    assert!(Measure::FractionServing { services: all, fraction: 0.0 }.measure(&scenario, &report).is_err());
}

#[test]
fn a_deployment_needs_what_is_at_its_own_site() {
    // "app" runs at two sites, each deployment able to carry all of it, and
    // each needing its own site's storage. Storage A is out 1h..3h and
    // storage B 2h..4h: app is down only while both are, 2h..3h (1h), and
    // never degraded (one site carries the whole demand). Were storage a
    // dependency of the whole service, app would be down 1h..4h.
    let src = r#"Scenario(
        name: "local-needs", horizon: "1d",
        sites: [
            Site(name: "a", rooms: [Room(name: "elec-a", kind: Electrical), Room(name: "hall-a", kind: DataHall, feeds: ["sw-a"])]),
            Site(name: "b", rooms: [Room(name: "elec-b", kind: Electrical), Room(name: "hall-b", kind: DataHall, feeds: ["sw-b"])]),
        ],
        power: [
            Utility(name: "grid"),
            Switchboard(name: "sw-a", room: "elec-a", inputs: ["grid"]),
            Switchboard(name: "sw-b", room: "elec-b", inputs: ["grid"]),
        ],
        pools: [
            Pool(name: "pa", room: "hall-a", servers: 3, boot: Fixed("0s")),
            Pool(name: "pb", room: "hall-b", servers: 3, boot: Fixed("0s")),
        ],
        services: [
            Service(name: "storage-a", users: 0, demand: 1, deployments: [(pool: "pa", servers: 1)]),
            Service(name: "storage-b", users: 0, demand: 1, deployments: [(pool: "pb", servers: 1)]),
            Service(name: "app", users: 100, demand: 2, deployments: [
                (pool: "pa", servers: 2, depends_on: ["storage-a"]),
                (pool: "pb", servers: 2, depends_on: ["storage-b"]),
            ]),
        ],
        disasters: [Disaster(name: "d", hazards: [
            Outage(target: "storage-a", at: "1h", duration: Fixed("2h")),
            Outage(target: "storage-b", at: "2h", duration: Fixed("2h")),
        ])],
    )"#;
    let report = run(&load(src), "d", 1);
    let app = service(&report, "app");
    assert_eq!((app.downtime, app.degraded, app.first_impact), (h(1), SimDuration::ZERO, Some(at(h(2)))));
    assert_eq!(app.main_cause().unwrap().cause, "dependency 'storage-a'");
    let err = Scenario::from_ron_str(&src.replace(r#"depends_on: ["storage-a"]"#, r#"depends_on: ["app"]"#))
        .unwrap_err()
        .to_string();
    assert!(err.contains("service 'app': a deployment of it depends on the service itself"), "{err}");
}

/// One site reached through two uplinks: wan-1 (a provider's circuit) and
/// wan-2 (through a router in the network room, which boots in 15m). The
/// hall's pool boots in 30m.
fn uplinked(hazards: &str) -> String {
    format!(
        r#"Scenario(
        name: "uplinks", horizon: "1d",
        sites: [Site(name: "dc", uplinks: ["wan-1", "wan-2"], rooms: [
            Room(name: "elec", kind: Electrical),
            Room(name: "net", kind: Network, feeds: ["sw"]),
            Room(name: "hall", kind: DataHall, feeds: ["sw"]),
        ])],
        power: [Utility(name: "grid"), Switchboard(name: "sw", room: "elec", inputs: ["grid"])],
        links: [
            Link(name: "wan-1", tags: ["wan"]),
            Link(name: "wan-2", room: "net", boot: Fixed("15m"), tags: ["wan"]),
        ],
        pools: [Pool(name: "p", room: "hall", servers: 1, boot: Fixed("30m"))],
        services: [Service(name: "app", users: 100, demand: 1, deployments: [(pool: "p")])],
        disasters: [Disaster(name: "d", hazards: [{hazards}])],
    )"#
    )
}

#[test]
fn a_site_is_reached_through_its_uplinks() {
    // Both uplinks cut 1h..3h: app serves no one for 2h, and its servers,
    // which kept running, need no boot.
    let report =
        run(&load(&uplinked(r#"CommonCause(select: (tags: ["wan"]), at: "1h", duration: Fixed("2h"))"#)), "d", 1);
    let app = service(&report, "app");
    assert_eq!((app.downtime, app.full_recovery), (h(2), Some(at(h(3)))));
    // (With a boot it would be 2h30m.)
    assert!(report.timeline.iter().all(|e| !e.cause.contains("booted")), "{:?}", report.timeline);
    // wan-1 lost for good; power cut 1h..2h: the servers boot 30m (back at
    // 2h30m), and wan-2's router boots 15m (2h15m): app back at 2h30m.
    // With a 45m router boot, the router is last: 2h45m.
    let hazards = r#"Outage(target: "wan-1", at: "0s"), Outage(target: "sw", at: "1h", duration: Fixed("1h"))"#;
    let report = run(&load(&uplinked(hazards)), "d", 1);
    assert_eq!(service(&report, "app").full_recovery, Some(at(h(2) + m(30))));
    let slow = uplinked(hazards).replace(r#"boot: Fixed("15m")"#, r#"boot: Fixed("45m")"#);
    let report = run(&load(&slow), "d", 1);
    let app = service(&report, "app");
    assert_eq!(app.full_recovery, Some(at(h(2) + m(45))));
    assert!(
        app.causes.iter().any(|c| c.cause == "link 'wan-2': booting after power returned" && c.time == m(15)),
        "{:?}",
        app.causes
    );
    // Validation: uplinks are links.
    let err =
        Scenario::from_ron_str(&uplinked(hazards).replace(r#"uplinks: ["wan-1", "wan-2"]"#, r#"uplinks: ["net"]"#))
            .unwrap_err()
            .to_string();
    assert!(err.contains("site 'dc' refers to 'net', which is a room, but a link is expected"), "{err}");
}

/// 700 systems of one shape in one hall, each with its own pool and
/// service needing "auth"; 20 of grade 1, 680 of grade 3. `service_extra`
/// is spliced into the template service.
fn estate(service_extra: &str, grades: &str) -> String {
    format!(
        r#"Scenario(
        name: "estate", horizon: "1d",
        sites: [Site(name: "dc", rooms: [
            Room(name: "elec", kind: Electrical),
            Room(name: "hall", kind: DataHall, feeds: ["sw"]),
        ])],
        power: [Utility(name: "grid"), Switchboard(name: "sw", room: "elec", inputs: ["grid"])],
        pools: [Pool(name: "auth-pool", room: "hall", servers: 1, boot: Fixed("0s"))],
        services: [Service(name: "auth", users: 0, demand: 1, deployments: [(pool: "auth-pool")])],
        systems: [Systems(name: "app", count: 700,
            pools: [Pool(name: "{{system}}-servers", room: "hall", servers: 2, boot: Fixed("10m"))],
            services: [Service(name: "{{system}}", users: 1000, demand: 2,
                               deployments: [(pool: "{{system}}-servers")], {service_extra})],
            grades: [{grades}],
        )],
        disasters: [Disaster(name: "d", hazards: [Outage(target: "sw", at: "1h", duration: Fixed("1h"))])],
    )"#
    )
}

const GRADES: &str = "Grade(count: 20, priority: 1, users: 1000000), Grade(count: 680, priority: 3)";

#[test]
fn seven_hundred_systems_from_one_template() {
    // 700 systems plus auth: 701 services, named app-001 .. app-700; the
    // first 20 are grade 1 with a million users each, the rest grade 3.
    let scenario = load(&estate(r#"depends_on: ["auth"]"#, GRADES));
    let services = scenario.model().services();
    assert_eq!(services.len(), 701);
    let spec = &scenario.spec().services;
    let find = |n: &str| spec.iter().find(|s| s.name == n).unwrap();
    assert_eq!((find("app-001").priority, find("app-001").users), (1, 1_000_000));
    assert_eq!((find("app-020").priority, find("app-021").priority, find("app-700").users), (1, 3, 1000));
    assert!(spec.iter().all(|s| s.name != "app-701"));
    // The hall is dark 1h..2h and every system's servers boot 10m: each is
    // down 1h10m.
    let report = run(&scenario, "d", 1);
    assert!(report.services.iter().filter(|s| s.name.starts_with("app-")).all(|s| s.downtime == h(1) + m(10)));
}

#[test]
fn an_error_in_a_template_is_reported_once_where_it_is_written() {
    let src = estate(r#"depends_on: ["atuh"]"#, GRADES);
    let err = Scenario::from_ron_str(&src).unwrap_err();
    let d = err.diagnostics();
    assert_eq!(d.len(), 1, "{err}");
    assert_eq!(
        d[0].message,
        "service 'app-001' refers to unknown service 'atuh' (did you mean 'auth'?) (and the same in 699 more systems of this template)"
    );
    // At the template's depends_on, line 12 of the text.
    let p = d[0].position.unwrap();
    assert!(src.lines().nth(p.line - 1).unwrap()[p.column - 1..].starts_with("\"atuh\""), "{p:?}");
    // Grades that do not add up are refused where they are written.
    let err = Scenario::from_ron_str(&estate("", "Grade(count: 20, priority: 1), Grade(count: 600)")).unwrap_err();
    assert!(err.to_string().contains("systems 'app': the grades count 620 systems, not 700"), "{err}");
}

#[test]
fn a_second_fire_does_not_rebuild_a_system_twice() {
    // As above, the rebuilt db is back at 5d0h10m (down 120h). A second fire
    // at 6d destroys the recovery hall at 6d0h10m: nothing rebuilds it a
    // second time (one rebuild per run), so db is down from then to the
    // 10-day horizon: 3d23h50m. In all 120h + 95h50m = 215h50m, of which
    // 80h rebuilding, as before.
    let src = burnt_store(&format!("{REBUILD} {BACKUP}"), "Never").replace(
        r#"Fire(room: "hall-a", at: "0s", damage_after: Fixed("10m"), extinguished_after: Fixed("2h")),"#,
        r#"Fire(room: "hall-a", at: "0s", damage_after: Fixed("10m"), extinguished_after: Fixed("2h")),
           Fire(room: "hall-dr", at: "6d", damage_after: Fixed("10m"), extinguished_after: Fixed("2h")),"#,
    );
    let report = run(&load(&src), "fire", 1);
    let db = service(&report, "db");
    assert_eq!(db.downtime, h(215) + m(50));
    let rebuilding = db
        .causes
        .iter()
        .filter(|c| c.cause.contains("rebuilding elsewhere"))
        .fold(SimDuration::ZERO, |t, c| t + c.time);
    assert_eq!(rebuilding, h(80));
}

#[test]
fn review_findings_are_refused_or_measured_right() {
    // A deployment that needs a service which depends back on its own
    // service is a loop the engine cannot bring back: refused.
    let looped = two_regions("")
        .replace(
            r#"Service(name: "n1", users: 1, demand: 1, deployments: [(pool: "pn1")]),"#,
            r#"Service(name: "n1", users: 1, demand: 1, deployments: [(pool: "pn1", depends_on: ["n2"])]),"#,
        )
        .replace(
            r#"Service(name: "n2", users: 1, demand: 1, deployments: [(pool: "pn2")]),"#,
            r#"Service(name: "n2", users: 1, demand: 1, deployments: [(pool: "pn2")], depends_on: ["n1"]),"#,
        );
    let err = Scenario::from_ron_str(&looped).unwrap_err().to_string();
    assert!(err.contains("service 'n1': a deployment needs 'n2', which depends back on 'n1'"), "{err}");
    // Located at the name in the file, even after an unknown one: the
    // resolved list drops 'nope', so its positions are not the file's.
    let located = looped.replace(r#"depends_on: ["n2"])]"#, r#"depends_on: ["nope", "n2"])]"#);
    let err = Scenario::from_ron_str(&located).unwrap_err();
    let looping = err.diagnostics().iter().find(|d| d.message.contains("depends back on")).unwrap();
    assert_eq!(looping.path.as_deref(), Some("services[0].deployments[0].depends_on[1]"), "{err}");
    // A quorum counts active deployments (standbys only once switched in).
    let err = Scenario::from_ron_str(&replicated("quorum: 2,").replace(
        r#"deployments: [(pool: "r1"), (pool: "r2"), (pool: "r3")]"#,
        r#"deployments: [(pool: "r1"), (pool: "r2", role: HotStandby), (pool: "r3", role: HotStandby)],
           failover: Automatic(detection: Fixed("1m"), switch: Fixed("1m"))"#,
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("quorum must be between 1 and its 1 active deployments, not 2"), "{err}");
    // A link standing in the room that uses it as its network: said plainly.
    let err = Scenario::from_ron_str(
        &uplinked("")
            .replace(
                r#"Room(name: "hall", kind: DataHall, feeds: ["sw"]),"#,
                r#"Room(name: "hall", kind: DataHall, feeds: ["sw"], network: ["core"]),"#,
            )
            .replace("\n        links: [", "\n        links: [Link(name: \"core\", room: \"hall\"),"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("reaches its network through 'core', which stands in the room itself"), "{err}");
}

#[test]
fn specialists_do_only_the_work_that_names_them() {
    // Two services restarted by hand after a 1h cut of hall A: "app" by
    // ops (two engineers on call, 30m), "db" by the database team (one
    // engineer, arriving 3h after the call-out at 0s, 1h). The free ops
    // engineers cannot do db's restart: app is back at 1h30m, db at
    // max(1h, 3h) + 1h = 4h.
    let src = vendor_restart(
        r#"Team(name: "ops", engineers: 2, on_call: 2), Team(name: "dba", engineers: 1, arrival: Fixed("3h"))"#,
    )
    .replace(
        r#"services: [Service(name: "svc", users: 1, demand: 1, deployments: [(pool: "p")],
                           restart: (team: "vendor", duration: Fixed("1h")))],"#,
        r#"services: [
            Service(name: "app", users: 1, demand: 1, deployments: [(pool: "p", servers: 1)],
                    restart: (team: "ops", duration: Fixed("30m"))),
            Service(name: "db", users: 0, demand: 1, deployments: [(pool: "p", servers: 1)],
                    restart: (team: "dba", duration: Fixed("1h"))),
        ],"#,
    )
    .replace(r#"servers: 1, boot: Fixed("0s"))"#, r#"servers: 2, boot: Fixed("0s"))"#)
    .replace(r#"duration: Fixed("4h"))"#, r#"duration: Fixed("1h"))"#);
    let report = run(&load(&src), "d", 1);
    assert_eq!(service(&report, "app").full_recovery, Some(at(h(1) + m(30))));
    assert_eq!(service(&report, "db").full_recovery, Some(at(h(4))));
}
