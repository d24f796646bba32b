//! What a service is blamed on, and the three different inputs of a room:
//! power, cooling and network.

use outage::State;

use crate::common::{at, h, load, m, run, service};

/// A hall fed by a switchboard, reachable through two network rooms; 10
/// servers that boot in 30m, half of which would come back broken after a
/// hard power loss (repaired in 4h).
fn networked_hall(disaster: &str) -> String {
    format!(
        r#"Scenario(
    name: "net", horizon: "1d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "net-a", kind: Network, feeds: ["sw"]),
        Room(name: "net-b", kind: Network, feeds: ["sw"]),
        Room(name: "hall", kind: DataHall, feeds: ["sw"], network: ["net-a", "net-b"]),
    ])],
    power: [Utility(name: "grid"), Switchboard(name: "sw", room: "elec", inputs: ["grid"])],
    pools: [Pool(name: "app-pool", room: "hall", servers: 10, boot: Fixed("30m"), broken_fraction: 0.5, repair: Fixed("4h"))],
    services: [Service(name: "app", users: 1000, demand: 10, deployments: [(pool: "app-pool")])],
    disasters: [{disaster}],
)"#
    )
}

#[test]
fn losing_the_network_is_not_losing_power() {
    // Both network rooms are out 1h..2h. The servers keep running, so the
    // service is down exactly while unreachable and back at 2h whole:
    //   downtime 2h - 1h = 1h; no boot (it would end at 2h30m), no broken
    //   servers (half would be down 4h more), no degraded time.
    let disaster = r#"Disaster(name: "cut", hazards: [
        Outage(target: "net-a", at: "1h", duration: Fixed("1h")),
        Outage(target: "net-b", at: "1h", duration: Fixed("1h"))])"#;
    let report = run(&load(&networked_hall(disaster)), "cut", 1);
    let app = service(&report, "app");
    assert_eq!((app.first_impact, app.downtime, app.full_recovery), (Some(at(h(1))), h(1), Some(at(h(2)))));
    assert_eq!(app.degraded, outage::SimDuration::ZERO);
    // Both rooms went out at 1h, together: the first by name is blamed,
    // whichever outage was handled last.
    assert_eq!(app.main_cause().unwrap().cause, "room 'net-a': outage");
    assert!(!report.timeline.iter().any(|e| e.cause.contains("booted")), "no boot");
    // The hall stays powered (degraded: unreachable), never down.
    let hall: Vec<_> = report.timeline.iter().filter(|e| e.component == "hall").map(|e| (e.at, e.state)).collect();
    assert_eq!(hall, vec![(at(h(1)), State::Degraded), (at(h(2)), State::Up)]);
}

#[test]
fn losing_power_still_reboots_and_breaks_servers() {
    // The same hall losing power 1h..2h: the servers boot for 30m after it
    // returns, and some (a binomial share, p = 0.5) come back broken for 4h:
    // down 1h..2h30m, degraded until the repair at 2h30m + 4h = 6h30m.
    let disaster = r#"Disaster(name: "cut", hazards: [Outage(target: "sw", at: "1h", duration: Fixed("1h"))])"#;
    let report = run(&load(&networked_hall(disaster)), "cut", 1);
    let app = service(&report, "app");
    assert_eq!(app.downtime, h(1) + m(30));
    assert_eq!(app.full_recovery, Some(at(h(6) + m(30))));
}

/// A UPS fed by the grid and by a generator that never starts, listed in
/// the given order; the grid is out from 1h, the battery lasts 10m.
fn ups_inputs(inputs: &str) -> String {
    format!(
        r#"Scenario(
    name: "ups", horizon: "1d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "hall", kind: DataHall, feeds: ["ups"]),
    ])],
    power: [
        Utility(name: "grid"),
        Generator(name: "gen", room: "elec", backs_up: ["grid"], start_probability: 0.0, start_delay: Fixed("10s"), fuel: "1d"),
        Ups(name: "ups", room: "elec", inputs: [{inputs}], ride_through: "10m"),
    ],
    pools: [Pool(name: "p", room: "hall", servers: 10, boot: Fixed("0s"))],
    services: [Service(name: "app", users: 1000, demand: 10, deployments: [(pool: "p")])],
    disasters: [Disaster(name: "grid", hazards: [Outage(target: "grid", at: "1h")])],
)"#
    )
}

#[test]
fn blame_does_not_depend_on_the_order_inputs_are_listed() {
    // The generator was never running; the grid is the input lost last, at
    // 1h, so it is what ended the UPS's supply, whichever is listed first.
    // The service is down from 1h10m (battery) to the end: 22h50m.
    for inputs in [r#""grid", "gen""#, r#""gen", "grid""#] {
        let report = run(&load(&ups_inputs(inputs)), "grid", 1);
        let app = service(&report, "app");
        assert_eq!(app.downtime, h(22) + m(50), "{inputs}");
        assert_eq!(app.main_cause().unwrap().cause, "utility feed 'grid': outage", "{inputs}");
        // The failed start is in the timeline, at 1h.
        let failed: Vec<_> = report.timeline.iter().filter(|e| e.cause == "generator 'gen' failed to start").collect();
        assert_eq!(failed.len(), 1, "{inputs}");
        assert_eq!((failed[0].at, failed[0].component.as_str()), (at(h(1)), "gen"), "{inputs}");
    }
}

#[test]
fn blame_follows_what_holds_a_service_down_at_each_moment() {
    // A fire in the electrical room destroys the UPS at 10m: the hall goes
    // dark. It spreads to the hall at 1h and destroys it (and the servers)
    // at 1h10m. Nothing is replaced. The service is down 10m..24h; what holds
    // it is the UPS for 1h, then its own destroyed servers for 22h50m.
    let src = r#"Scenario(
    name: "spread", horizon: "1d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical, adjacent: ["hall"]),
        Room(name: "hall", kind: DataHall, feeds: ["ups"]),
    ])],
    power: [Utility(name: "grid"), Ups(name: "ups", room: "elec", inputs: ["grid"], ride_through: "10m")],
    pools: [Pool(name: "p", room: "hall", servers: 10, boot: Fixed("0s"))],
    services: [Service(name: "app", users: 1000, demand: 10, deployments: [(pool: "p")])],
    disasters: [Disaster(name: "fire", hazards: [Fire(room: "elec", at: "0s", damage_after: Fixed("10m"),
        spread: (after: Fixed("1h"), probability: 1.0), extinguished_after: Fixed("5h"))])],
)"#;
    let report = run(&load(src), "fire", 1);
    let app = service(&report, "app");
    assert_eq!(app.downtime, h(23) + m(50));
    let causes: Vec<(&str, outage::SimDuration)> = app.causes.iter().map(|c| (c.cause.as_str(), c.time)).collect();
    assert_eq!(causes, vec![("pool 'p': destroyed by fire", h(22) + m(50)), ("UPS 'ups': destroyed by fire", h(1))]);
}

/// Two halls behind their own switchboards, a team "ops" of one engineer
/// on call, and the given rooms' extras, pools, services, recovery and
/// hazards.
fn two_halls(hall_a: &str, pools: &str, services: &str, recovery: &str, hazards: &str) -> String {
    format!(
        r#"Scenario(
    name: "blame", horizon: "1d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "hall-a", kind: DataHall, feeds: ["sw-a"]{hall_a}),
        Room(name: "hall-b", kind: DataHall, feeds: ["sw-b"]),
    ])],
    power: [Utility(name: "grid"),
            Switchboard(name: "sw-a", room: "elec", inputs: ["grid"]),
            Switchboard(name: "sw-b", room: "elec", inputs: ["grid"])],
    teams: [Team(name: "ops", engineers: 1, on_call: 1)],
    pools: [{pools}],
    services: [{services}],
    recovery: ({recovery}),
    disasters: [Disaster(name: "d", hazards: [{hazards}])],
)"#
    )
}

fn causes(report: &outage::RunReport, name: &str) -> Vec<(String, outage::SimDuration)> {
    service(report, name).causes.iter().map(|c| (c.cause.clone(), c.time)).collect()
}

#[test]
fn a_manual_failover_waiting_for_its_tools_names_them() {
    // Hall A is lost at 0s for good; svc's 30m manual failover needs
    // "tools" (in hall B), which is out 0..4h. The engineer is on site, so
    // the failover waits for the tools 0..4h and runs 4h..4h30m.
    let pools = r#"Pool(name: "a", room: "hall-a", servers: 10, boot: Fixed("0s")),
                   Pool(name: "b", room: "hall-b", servers: 10, boot: Fixed("0s")),
                   Pool(name: "t", room: "hall-b", servers: 1, boot: Fixed("0s"))"#;
    let services = r#"Service(name: "svc", users: 100, demand: 10,
                   deployments: [(pool: "a"), (pool: "b", role: HotStandby)],
                   failover: Manual(team: "ops", duration: Fixed("30m"), requires: ["tools"])),
               Service(name: "tools", users: 0, demand: 1, deployments: [(pool: "t")])"#;
    let hazards = r#"Outage(target: "tools", at: "0s", duration: Fixed("4h")), Outage(target: "sw-a", at: "0s")"#;
    let report = run(&load(&two_halls("", pools, services, "", hazards)), "d", 1);
    assert_eq!(service(&report, "svc").full_recovery, Some(at(h(4) + m(30))));
    assert_eq!(
        causes(&report, "svc"),
        [
            ("failover to standby: waiting for service 'tools'".to_owned(), h(4)),
            ("failover to standby: in progress".to_owned(), m(30)),
        ]
    );
}

#[test]
fn a_failover_under_way_is_blamed_before_the_rebuild_of_burnt_servers() {
    // A fire destroys hall A (and svc's active servers) at 1m. svc has a
    // hot standby in hall B (automatic failover: 2m to detect, 3m to
    // switch) and a 1-day rebuild. The standby serves at 6m; until then
    // what holds svc is the failover, not the rebuild that will take a day.
    let pools = r#"Pool(name: "a", room: "hall-a", servers: 10, boot: Fixed("0s")),
                   Pool(name: "b", room: "hall-b", servers: 10, boot: Fixed("0s")),
                   Pool(name: "r", room: "hall-b", servers: 10, boot: Fixed("0s"))"#;
    let services = r#"Service(name: "svc", users: 100, demand: 10,
                   deployments: [(pool: "a"), (pool: "b", role: HotStandby), (pool: "r", role: Rebuild)],
                   failover: Automatic(detection: Fixed("2m"), switch: Fixed("3m")),
                   rebuild: (team: "ops", duration: Fixed("1d")))"#;
    let hazards = r#"Fire(room: "hall-a", at: "0s", damage_after: Fixed("1m"), extinguished_after: Fixed("1h"))"#;
    let report = run(&load(&two_halls("", pools, services, "", hazards)), "d", 1);
    let svc = service(&report, "svc");
    assert_eq!((svc.first_impact, svc.full_recovery), (Some(at(m(1))), Some(at(m(6)))));
    assert_eq!(
        causes(&report, "svc"),
        [
            ("failover to standby: switching traffic".to_owned(), m(3)),
            ("failover to standby: detecting the failure".to_owned(), m(2)),
        ]
    );
}

#[test]
fn every_service_of_a_cycle_waits_for_its_bootstrap_whichever_it_names() {
    // auth and user-db need each other; the bootstrap names only auth
    // (enough to break the loop). auth is out 1h..1h01m: user-db waits for
    // auth 1h..1h01m, then both wait for the 30m bootstrap, which the
    // engineer starts at once: back at 1h31m. Neither is blamed on a
    // deadlock: the bootstrap is the way out, under way.
    let pools = r#"Pool(name: "auth-pool", room: "hall-a", servers: 1, boot: Fixed("0s")),
                   Pool(name: "db-pool", room: "hall-a", servers: 1, boot: Fixed("0s"))"#;
    let services = r#"Service(name: "auth", users: 100, demand: 1, deployments: [(pool: "auth-pool")], depends_on: ["user-db"]),
               Service(name: "user-db", users: 0, demand: 1, deployments: [(pool: "db-pool")], depends_on: ["auth"])"#;
    let recovery = r#"bootstraps: [Bootstrap(services: ["auth"], work: (team: "ops", duration: Fixed("30m")))]"#;
    let hazards = r#"Outage(target: "auth", at: "1h", duration: Fixed("1m"))"#;
    let report = run(&load(&two_halls("", pools, services, recovery, hazards)), "d", 1);
    let bootstrap = ("bootstrap of its dependency cycle: in progress".to_owned(), m(30));
    assert_eq!(causes(&report, "auth"), [bootstrap.clone(), ("outage of the service".to_owned(), m(1))]);
    assert_eq!(causes(&report, "user-db"), [bootstrap, ("dependency 'auth'".to_owned(), m(1))]);
    assert!(report.deadlocks.is_empty());
}

#[test]
fn a_deadlock_has_one_time_in_the_report_the_timeline_and_the_blame() {
    // a and b need each other and both lose power 2h..2h06m. Until 2h06m
    // each is held by its hall's power; from 2h06m each could serve and
    // waits for the other: the deadlock forms then, and the report, the
    // timeline and the blame all say so (the report used to say 2h).
    let pools = r#"Pool(name: "pa", room: "hall-a", servers: 1, boot: Fixed("0s")),
                   Pool(name: "pb", room: "hall-a", servers: 1, boot: Fixed("0s"))"#;
    let services = r#"Service(name: "a", users: 10, demand: 1, deployments: [(pool: "pa")], depends_on: ["b"]),
               Service(name: "b", users: 10, demand: 1, deployments: [(pool: "pb")], depends_on: ["a"])"#;
    let hazards = r#"Outage(target: "sw-a", at: "2h", duration: Fixed("6m"))"#;
    let report = run(&load(&two_halls("", pools, services, "", hazards)), "d", 1);
    assert_eq!(report.deadlocks.len(), 1);
    let formed = at(h(2) + m(6));
    assert_eq!(report.deadlocks[0].since, formed);
    let noted: Vec<_> =
        report.timeline.iter().filter(|e| e.cause.starts_with("recovery deadlock")).map(|e| e.at).collect();
    assert_eq!(noted, [formed, formed]);
    let deadlock = "recovery deadlock: a dependency cycle, all down".to_owned();
    for name in ["a", "b"] {
        // 22h of the day after 2h: 6m without power, then the deadlock to 24h.
        assert_eq!(causes(&report, name)[0], (deadlock.clone(), h(21) + m(54)), "{name}");
        assert_eq!(causes(&report, name)[1], ("switchboard 'sw-a': outage".to_owned(), m(6)), "{name}");
    }
    // With --no-timeline (and in Monte Carlo), the same time.
    let scenario = load(&two_halls("", pools, services, "", hazards));
    let mut sim = outage::Simulation::new(&scenario, Some("d")).unwrap();
    let quiet = sim.run(&outage::RunOptions::default().seed(1).timeline(false)).unwrap();
    assert_eq!(quiet.deadlocks[0].since, formed);
}

#[test]
fn inputs_lost_together_are_blamed_the_same_whatever_their_order() {
    // The hall needs 2 of its 3 cooling units; all three trip together at
    // 1h (one scripted outage each, at the same instant). Whichever order
    // they are listed in, the blame is the same: the first by name (it used
    // to be the last listed). The same when they stop together for one
    // reason, their shared power feed.
    let scenario = |order: &str, hazards: &str| {
        format!(
            r#"Scenario(
    name: "cooling", horizon: "1d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "hall", kind: DataHall, feeds: ["sw"], cooling: [{order}], cooling_needed: 2, thermal_delay: "10m"),
    ])],
    power: [Utility(name: "grid"), Utility(name: "chiller-feed"), Switchboard(name: "sw", room: "elec", inputs: ["grid"])],
    cooling: [Cooling(name: "crah-1", room: "hall", power: ["chiller-feed"]),
              Cooling(name: "crah-2", room: "hall", power: ["chiller-feed"]),
              Cooling(name: "crah-3", room: "hall", power: ["chiller-feed"])],
    pools: [Pool(name: "p", room: "hall", servers: 10, boot: Fixed("0s"))],
    services: [Service(name: "app", users: 100, demand: 10, deployments: [(pool: "p")])],
    disasters: [Disaster(name: "d", hazards: [{hazards}])],
)"#
        )
    };
    let trips = r#"Outage(target: "crah-3", at: "1h", duration: Fixed("2h")),
                   Outage(target: "crah-1", at: "1h", duration: Fixed("2h")),
                   Outage(target: "crah-2", at: "1h", duration: Fixed("2h"))"#;
    let feed = r#"Outage(target: "chiller-feed", at: "1h", duration: Fixed("2h"))"#;
    for order in
        [r#""crah-1", "crah-2", "crah-3""#, r#""crah-3", "crah-2", "crah-1""#, r#""crah-2", "crah-3", "crah-1""#]
    {
        let report = run(&load(&scenario(order, trips)), "d", 1);
        let app = service(&report, "app");
        // Down from 1h10m (thermal delay) to 3h: 1h50m.
        assert_eq!(app.downtime, h(1) + m(50), "{order}");
        assert_eq!(app.main_cause().unwrap().cause, "cooling unit 'crah-1': overheated, cooling lost", "{order}");
        let report = run(&load(&scenario(order, feed)), "d", 1);
        assert_eq!(
            service(&report, "app").main_cause().unwrap().cause,
            "cooling unit 'crah-1': overheated, cooling lost",
            "{order}"
        );
        // The units themselves: stopped by their feed.
        let hall = report.timeline.iter().find(|e| e.component == "crah-2").unwrap();
        assert_eq!(hall.cause, "outage of utility feed 'chiller-feed' began", "{order}");
    }
}

#[test]
fn a_service_is_blamed_on_the_deployment_nearest_to_coming_back() {
    // svc runs on two active deployments of 5 servers: pool a in hall A,
    // which burns (destroyed at 1m, never replaced), and pool b in hall B,
    // which loses power 0..2h and whose servers are then restarted by hand
    // (5 at a time, 30m each). svc is down until 2h30m, degraded after.
    // From 2h it waits for pool b's restart, not for the burnt hall A.
    let pools = r#"Pool(name: "a", room: "hall-a", servers: 5, boot: Fixed("0s")),
                   Pool(name: "b", room: "hall-b", servers: 5, boot: Fixed("0s"),
                        restart: Manual(batch: 5, work: (team: "ops", duration: Fixed("30m"))))"#;
    let services = r#"Service(name: "svc", users: 100, demand: 10, deployments: [(pool: "a"), (pool: "b")])"#;
    let hazards = r#"Fire(room: "hall-a", at: "0s", damage_after: Fixed("1m"), extinguished_after: Fixed("1h")),
                     Outage(target: "sw-b", at: "0s", duration: Fixed("2h"))"#;
    let report = run(&load(&two_halls("", pools, services, "", hazards)), "d", 1);
    let svc = service(&report, "svc");
    // Degraded 0..1m (b dark, a still up), down 1m..2h30m.
    assert_eq!((svc.downtime, svc.partial_recovery), (h(2) + m(29), Some(at(h(2) + m(30)))));
    let at_2h15m = report
        .timeline
        .iter()
        .rev()
        .find(|e| e.component == "svc" && e.at <= at(h(2) + m(15)))
        .and_then(|e| e.blocked_by.clone());
    let causes = causes(&report, "svc");
    // 0..2h: b without power (an outage) is nearer to coming back than
    // the burnt a; 2h..2h30m: b's restart; then a, destroyed, for the rest
    // of the day (degraded at 50%).
    assert_eq!(
        causes,
        [
            ("pool 'a': destroyed by fire".to_owned(), h(21) + m(30)),
            ("switchboard 'sw-b': outage".to_owned(), h(2)),
            ("pool 'b': servers awaiting restart by engineers".to_owned(), m(30)),
        ],
        "{at_2h15m:?}"
    );
}
