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
    // Both rooms went out at 1h; net-b's outage was handled second, so it is
    // the loss that cut the hall off.
    assert_eq!(app.main_cause().unwrap().cause, "room 'net-b': outage");
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
