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
        (replicated("quorum: 4,"), "service 'store': quorum must be between 1 and its 3 deployments, not 4"),
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
