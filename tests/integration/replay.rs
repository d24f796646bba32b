use outage::{SimDuration, State};

use crate::common::{at, h, load, m, one_hall, run, service};

const GRID: &str = r#"Utility(name: "grid"), Switchboard(name: "sw", room: "elec", inputs: ["grid"])"#;

#[test]
fn power_cut_then_boot_gives_the_hand_computed_downtime() {
    // The hall loses power at 1h and gets it back at 5h; the servers boot
    // in exactly 30m. So the service is down from 1h to 5h30m:
    //   downtime = 5h30m - 1h = 4h30m, and
    //   user-hours lost = 1,000 users x 4.5 h = 4,500.
    let src = one_hall(
        GRID,
        r#""sw""#,
        r#"Fixed("30m")"#,
        "",
        "",
        r#"Disaster(name: "cut", hazards: [Outage(target: "grid", at: "1h", duration: Fixed("4h"))])"#,
    );
    let report = run(&load(&src), "cut", 1);
    let app = service(&report, "app");
    assert_eq!(app.first_impact, Some(at(h(1))));
    assert_eq!(app.downtime, h(4) + m(30));
    assert_eq!(app.degraded, SimDuration::ZERO);
    assert_eq!(app.partial_recovery, Some(at(h(5) + m(30))));
    assert_eq!(app.full_recovery, Some(at(h(5) + m(30))));
    assert_eq!(app.user_hours_lost, 4500.0);
    assert_eq!(app.final_state, State::Up);
}

#[test]
fn a_hall_with_a_and_b_feeds_survives_losing_one() {
    // Each feed has its own utility. Losing feed A alone changes nothing;
    // losing B as well (2h..3h) darkens the hall for exactly that hour.
    let power = r#"
        Utility(name: "grid-a"), Utility(name: "grid-b"),
        Switchboard(name: "feed-a", room: "elec", inputs: ["grid-a"]),
        Switchboard(name: "feed-b", room: "elec", inputs: ["grid-b"])"#;
    let disasters = r#"
        Disaster(name: "lose-a", hazards: [Outage(target: "feed-a", at: "1h", duration: Fixed("4h"))]),
        Disaster(name: "lose-both", hazards: [
            Outage(target: "feed-a", at: "1h", duration: Fixed("4h")),
            Outage(target: "grid-b", at: "2h", duration: Fixed("1h")),
        ])"#;
    let scenario = load(&one_hall(power, r#""feed-a", "feed-b""#, r#"Fixed("0s")"#, "", "", disasters));
    let one = run(&scenario, "lose-a", 1);
    assert_eq!(service(&one, "app").first_impact, None);
    assert!(one.timeline.iter().any(|e| e.component == "feed-a" && e.state == State::Down));
    assert!(!one.timeline.iter().any(|e| e.component == "hall"));

    let both = run(&scenario, "lose-both", 1);
    let app = service(&both, "app");
    assert_eq!(app.first_impact, Some(at(h(2))));
    assert_eq!(app.downtime, h(1));
}

#[test]
fn ups_rides_through_then_runs_dry() {
    // Grid lost 1h..3h; the UPS battery lasts 10m, there is no generator.
    // Hall dark from 1h10m to 3h; boot is instant: down 1h50m.
    let power = r#"Utility(name: "grid"), Ups(name: "ups", room: "elec", inputs: ["grid"], ride_through: "10m")"#;
    let disasters = r#"
        Disaster(name: "long", hazards: [Outage(target: "grid", at: "1h", duration: Fixed("2h"))]),
        Disaster(name: "blip", hazards: [Outage(target: "grid", at: "1h", duration: Fixed("9m"))])"#;
    let scenario = load(&one_hall(power, r#""ups""#, r#"Fixed("0s")"#, "", "", disasters));
    let app = run(&scenario, "long", 1).services[0].clone();
    assert_eq!(app.first_impact, Some(at(h(1) + m(10))));
    assert_eq!(app.downtime, h(1) + m(50));
    // A 9-minute blip is bridged by the battery.
    assert_eq!(run(&scenario, "blip", 1).services[0].first_impact, None);
}

fn generator_scenario(start_probability: &str, fuel: &str) -> String {
    let power = format!(
        r#"Utility(name: "grid"),
        Generator(name: "gen", room: "elec", backs_up: ["grid"], start_probability: {start_probability},
                  start_delay: Fixed("30s"), fuel: "{fuel}"),
        Ups(name: "ups", room: "elec", inputs: ["grid", "gen"], ride_through: "10m")"#
    );
    let disasters =
        r#"Disaster(name: "grid-loss", hazards: [Outage(target: "grid", at: "1h", duration: Fixed("2h"))])"#;
    one_hall(&power, r#""ups""#, r#"Fixed("0s")"#, "", "", disasters)
}

#[test]
fn a_generator_that_starts_bridges_the_outage() {
    let report = run(&load(&generator_scenario("1.0", "24h")), "grid-loss", 1);
    assert_eq!(service(&report, "app").first_impact, None);
    let gen_up = report.timeline.iter().find(|e| e.component == "gen" && e.state == State::Up).unwrap();
    assert_eq!(gen_up.at, at(h(1) + SimDuration::from_secs(30)));
}

#[test]
fn a_generator_that_fails_to_start_leaves_the_battery_alone() {
    // Same as the UPS case: dark from 1h10m to 3h.
    let report = run(&load(&generator_scenario("0.0", "24h")), "grid-loss", 1);
    assert_eq!(service(&report, "app").downtime, h(1) + m(50));
}

#[test]
fn a_generator_out_of_fuel_falls_back_to_the_battery() {
    // The generator carries the load from 1h0m30s for its 1h of fuel, to
    // 2h0m30s; the UPS, recharged meanwhile, lasts 10m more, to 2h10m30s;
    // the grid returns at 3h. Down 3h - 2h10m30s = 49m30s.
    let report = run(&load(&generator_scenario("1.0", "1h")), "grid-loss", 1);
    let app = service(&report, "app");
    assert_eq!(app.first_impact, Some(at(h(2) + m(10) + SimDuration::from_secs(30))));
    assert_eq!(app.downtime, m(49) + SimDuration::from_secs(30));
}

#[test]
fn losing_cooling_stops_the_servers_after_the_thermal_delay() {
    // The cooling unit has its own utility, lost 1h..2h; thermal delay 15m,
    // boot 10m. Servers stop at 1h15m and serve again at 2h10m: down 55m.
    let src = r#"Scenario(
        name: "cooling", horizon: "1d",
        sites: [Site(name: "dc", rooms: [
            Room(name: "elec", kind: Electrical),
            Room(name: "hall", kind: DataHall, feeds: ["grid"], cooling: ["crah"], thermal_delay: "15m"),
        ])],
        power: [Utility(name: "grid"), Utility(name: "chiller-feed")],
        cooling: [Cooling(name: "crah", room: "hall", power: ["chiller-feed"])],
        pools: [Pool(name: "p", room: "hall", servers: 4, boot: Fixed("10m"))],
        services: [Service(name: "app", users: 60, demand: 4, deployments: [(pool: "p")])],
        disasters: [
            Disaster(name: "chiller", hazards: [Outage(target: "chiller-feed", at: "1h", duration: Fixed("1h"))]),
            Disaster(name: "short", hazards: [Outage(target: "chiller-feed", at: "1h", duration: Fixed("14m"))]),
        ],
    )"#;
    let scenario = load(src);
    let app = run(&scenario, "chiller", 1).services[0].clone();
    assert_eq!(app.first_impact, Some(at(h(1) + m(15))));
    assert_eq!(app.downtime, m(55));
    // Cooling back within the thermal delay: nothing happens.
    assert_eq!(run(&scenario, "short", 1).services[0].first_impact, None);
}

const CHAIN: &str = r#"
        Service(name: "api", users: 0, demand: 5, deployments: [(pool: "db-pool", servers: 5)], depends_on: ["db"]),
        Service(name: "db", users: 0, demand: 5, deployments: [(pool: "db-pool", servers: 5)]),
        Service(name: "web", users: 200, demand: 10, deployments: [(pool: "web-pool")],
                depends_on: ["api"], soft_depends_on: [(service: "search", impact: 0.25)]),
        Service(name: "search", users: 0, demand: 2, deployments: [(pool: "search-pool")]),
"#;

fn chain_scenario(disasters: &str) -> String {
    let src = one_hall(GRID, r#""sw""#, r#"Fixed("0s")"#, "", CHAIN, disasters);
    // Extra pools for the chain: web-pool, db-pool (5 servers for db, 5 for api) and search-pool.
    src.replace(
        r#"pools: [Pool(name: "app-pool", room: "hall", servers: 10, boot: Fixed("0s"))]"#,
        r#"pools: [
            Pool(name: "app-pool", room: "hall", servers: 10, boot: Fixed("0s")),
            Pool(name: "web-pool", room: "hall", servers: 10, boot: Fixed("0s")),
            Pool(name: "db-pool", room: "hall", servers: 10, boot: Fixed("0s")),
            Pool(name: "search-pool", room: "hall", servers: 2, boot: Fixed("0s")),
        ]"#,
    )
}

#[test]
fn a_hard_dependency_chain_goes_down_and_up_together() {
    // db's pool is out 1h..3h: db, api (needs db) and web (needs api) are
    // all down exactly 2h; app, independent, is untouched.
    let disasters = r#"Disaster(name: "db", hazards: [Outage(target: "db-pool", at: "1h", duration: Fixed("2h"))])"#;
    let report = run(&load(&chain_scenario(disasters)), "db", 1);
    for name in ["db", "api", "web"] {
        let s = service(&report, name);
        assert_eq!((s.first_impact, s.downtime), (Some(at(h(1))), h(2)), "{name}");
    }
    assert_eq!(service(&report, "app").first_impact, None);
    // web's user-hours: 200 users x 2 h.
    assert_eq!(service(&report, "web").user_hours_lost, 400.0);
}

#[test]
fn a_soft_dependency_degrades_by_its_impact() {
    // search is out 1h..5h; web is degraded for 4h serving 75% of its 200
    // users: 200 x 0.25 x 4 h = 200 user-hours.
    let disasters = r#"Disaster(name: "search", hazards: [Outage(target: "search", at: "1h", duration: Fixed("4h"))])"#;
    let report = run(&load(&chain_scenario(disasters)), "search", 1);
    let web = service(&report, "web");
    assert_eq!((web.downtime, web.degraded), (SimDuration::ZERO, h(4)));
    assert_eq!(web.user_hours_lost, 200.0);
    assert_eq!(web.partial_recovery, None, "never down");
    assert_eq!(web.full_recovery, Some(at(h(5))));
}

#[test]
fn capacity_below_demand_serves_the_fraction_it_can() {
    // "app" needs 10 servers and has 6 in each of two halls. Hall B's
    // switchboard is out 1h..3h: capacity 6/10, so it serves 60% and loses
    // 1,000 x 0.4 x 2 h = 800 user-hours.
    let src = r#"Scenario(
        name: "capacity", horizon: "1d",
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
            Pool(name: "a", room: "hall-a", servers: 6, boot: Fixed("0s")),
            Pool(name: "b", room: "hall-b", servers: 6, boot: Fixed("0s")),
        ],
        services: [Service(name: "app", users: 1000, demand: 10, deployments: [(pool: "a"), (pool: "b")])],
        disasters: [Disaster(name: "b", hazards: [Outage(target: "sw-b", at: "1h", duration: Fixed("2h"))])],
    )"#;
    let report = run(&load(src), "b", 1);
    let app = service(&report, "app");
    assert_eq!((app.downtime, app.degraded), (SimDuration::ZERO, h(2)));
    assert!((app.user_hours_lost - 800.0).abs() < 1e-9, "{}", app.user_hours_lost);
    let change = report.timeline.iter().find(|e| e.component == "app").unwrap();
    assert_eq!((change.state, change.level), (State::Degraded, 0.6));
}

#[test]
fn a_dependency_cycle_that_goes_down_stays_down_and_the_run_ends() {
    // "login" and "tools" need each other. login's pool is out 1h..2h: both
    // go down and neither can come back (down dominates), so both stay down
    // until the 1-day horizon: 23 h of downtime.
    let extra = r#"
        Service(name: "login", users: 0, demand: 1, deployments: [(pool: "login-pool")], depends_on: ["tools"]),
        Service(name: "tools", users: 0, demand: 1, deployments: [(pool: "tools-pool")], depends_on: ["login"]),"#;
    let disasters =
        r#"Disaster(name: "blip", hazards: [Outage(target: "login-pool", at: "1h", duration: Fixed("1h"))])"#;
    let src = one_hall(GRID, r#""sw""#, r#"Fixed("0s")"#, "", extra, disasters).replace(
        r#"pools: [Pool(name: "app-pool", room: "hall", servers: 10, boot: Fixed("0s"))]"#,
        r#"pools: [
            Pool(name: "app-pool", room: "hall", servers: 10, boot: Fixed("0s")),
            Pool(name: "login-pool", room: "hall", servers: 1, boot: Fixed("0s")),
            Pool(name: "tools-pool", room: "hall", servers: 1, boot: Fixed("0s")),
        ]"#,
    );
    let scenario = load(&src);
    let cycles = scenario.model().hard_dependency_cycles();
    assert_eq!(cycles.len(), 1);
    let report = run(&scenario, "blip", 1);
    for name in ["login", "tools"] {
        let s = service(&report, name);
        assert_eq!((s.downtime, s.final_state, s.full_recovery), (h(23), State::Down, None), "{name}");
    }
}

/// A site with a battery room next to a UPS room; two halls fed by the UPS
/// in the UPS room; gas suppression in the battery room. What burns in the
/// battery and UPS rooms is replaced when restoration re-energises them.
fn fire_scenario(fire: &str, suppression: &str) -> String {
    format!(
        r#"Scenario(
        name: "fire", horizon: "3d",
        sites: [Site(name: "dc", rooms: [
            Room(name: "battery", kind: Battery, adjacent: ["ups-room"], suppression: {suppression},
                 replacement: AtRestoration),
            Room(name: "ups-room", kind: Electrical, replacement: AtRestoration),
            Room(name: "hall-a", kind: DataHall, feeds: ["ups"]),
            Room(name: "hall-b", kind: DataHall, feeds: ["sw-b"]),
        ])],
        power: [
            Utility(name: "grid"),
            Ups(name: "ups", room: "ups-room", inputs: ["grid"], ride_through: "10m"),
            Switchboard(name: "sw-b", room: "ups-room", inputs: ["grid"]),
        ],
        pools: [
            Pool(name: "a", room: "hall-a", servers: 10, boot: Fixed("0s")),
            Pool(name: "b", room: "hall-b", servers: 10, boot: Fixed("0s")),
        ],
        services: [
            Service(name: "sa", users: 100, demand: 10, deployments: [(pool: "a")]),
            Service(name: "sb", users: 100, demand: 10, deployments: [(pool: "b")]),
        ],
        disasters: [Disaster(name: "fire", hazards: [Fire({fire})])],
    )"#
    )
}

#[test]
fn gas_suppression_stops_an_ordinary_fire_before_damage() {
    // Gas discharges at 1m and always works on an ordinary fire; damage
    // would come at 5m. Nothing is lost.
    let fire = r#"room: "battery", at: "0s", damage_after: Fixed("5m"), extinguished_after: Fixed("2h"),
                   spread: (after: Fixed("3m"))"#;
    let report = run(&load(&fire_scenario(fire, r#"Gas(success_probability: 1.0, acts_after: "1m")"#)), "fire", 1);
    assert!(report.services.iter().all(|s| s.first_impact.is_none()), "{:#?}", report.services);
    assert!(report.timeline.iter().all(|e| e.kind == "room" || e.state == State::Up));
    // The fire leaves a trace all the same: ignition at 0, suppression and
    // the fire out at 1m, the room powered throughout.
    let trace: Vec<_> =
        report.timeline.iter().map(|e| (e.at, e.component.as_str(), e.state, e.cause.as_str())).collect();
    assert_eq!(
        trace,
        vec![
            (at(SimDuration::ZERO), "battery", State::Up, "fire broke out in room 'battery'"),
            (at(m(1)), "battery", State::Up, "suppression put out the fire in room 'battery'"),
            (at(m(1)), "battery", State::Up, "fire in 'battery' out"),
        ]
    );
}

#[test]
fn a_lithium_fire_defeats_gas_spreads_and_is_cut_and_restored_in_stages() {
    // Lithium: the gas cannot work. The fire spreads to the UPS room at 3m
    // and destroys its equipment at 3m + 1m = 4m: hall-a (UPS) and hall-b
    // (switchboard) go dark at 4m. The site is cut at 1h33m, the fire is
    // out at 8h26m; inspection takes 1h45m (hall-b, battery room back at
    // 10h11m) and the UPS room, named in the only stage, returns 5h later,
    // at 15h11m. Boot is instant:
    //   sb: down 4m..10h11m = 10h07m
    //   sa: down 4m..15h11m = 15h07m (its UPS stands in the UPS room).
    // hall-b is fed through sw-b in the UPS room, so it too waits for the
    // stage: both are down until 15h11m.
    let fire = r#"room: "battery", at: "0s", fuel: LithiumBattery, damage_after: Fixed("1m"),
                   spread: (after: Fixed("3m"), probability: 1.0),
                   power_cut: (scope: Site, after: Fixed("1h33m")),
                   extinguished_after: Fixed("8h26m"),
                   restoration: (inspection: Fixed("1h45m"), stages: [(rooms: ["ups-room"], after: Fixed("5h"))])"#;
    let report = run(&load(&fire_scenario(fire, r#"Gas(success_probability: 1.0, acts_after: "1m")"#)), "fire", 1);
    for name in ["sa", "sb"] {
        let s = service(&report, name);
        assert_eq!(s.first_impact, Some(at(m(4))), "{name}");
        assert_eq!(s.full_recovery, Some(at(h(15) + m(11))), "{name}");
        assert_eq!(s.downtime, h(15) + m(7), "{name}");
    }
    let hall_b: Vec<_> = report.timeline.iter().filter(|e| e.component == "hall-b").map(|e| (e.at, e.state)).collect();
    // hall-b itself is cut at 1h33m (it was already dark for want of power:
    // no change) and re-energised at the inspection, but its feed is still
    // in the destroyed UPS room.
    assert_eq!(hall_b, vec![(at(m(4)), State::Down), (at(h(15) + m(11)), State::Up)]);
    assert_eq!(state_changes(&report, "battery"), vec![(at(m(1)), State::Down), (at(h(10) + m(11)), State::Up)]);
    // The fire's own progress is there too: the gas could not act on lithium.
    let gas = "gas suppression in room 'battery' cannot put out a lithium battery fire";
    assert!(report.timeline.iter().any(|e| e.at == at(m(1)) && e.cause == gas));
}

#[test]
fn without_spread_a_burning_rooms_cut_spares_the_rest() {
    // The fire stays in the battery room, which feeds nothing; a cut of the
    // burning rooms only darkens that room. No service is touched.
    let fire = r#"room: "battery", at: "0s", fuel: LithiumBattery,
                   power_cut: (scope: BurningRooms, after: Fixed("10m")), extinguished_after: Fixed("1h")"#;
    let report = run(&load(&fire_scenario(fire, "None")), "fire", 1);
    assert!(report.services.iter().all(|s| s.first_impact.is_none()));
    assert!(report.timeline.iter().all(|e| e.component == "battery"));
    assert_eq!(state_changes(&report, "battery"), vec![(at(SimDuration::ZERO), State::Down), (at(h(1)), State::Up)]);
}

/// A component's changes of state in the timeline (entries that only
/// record a fire's progress, with the state unchanged, left out).
fn state_changes(report: &outage::RunReport, component: &str) -> Vec<(outage::SimTime, State)> {
    let mut last = State::Up;
    let mut out = Vec::new();
    for e in report.timeline.iter().filter(|e| e.component == component) {
        if e.state != last {
            out.push((e.at, e.state));
            last = e.state;
        }
    }
    out
}

#[test]
fn no_component_changes_twice_in_one_event() {
    // Propagation runs in topological order, so a component settles once per
    // event: kakao-t (needs login, soft-needs the map) used to flicker
    // "degraded 99%" then "up" when both came back at the same instant.
    let scenario =
        outage::Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/kakao_pangyo_2022.ron")).unwrap();
    for seed in 0..20 {
        let report = run(&scenario, "b3-battery-fire", seed);
        let mut seen = std::collections::HashSet::new();
        for e in &report.timeline {
            // Same component, same instant, same cause: the same event.
            assert!(
                seen.insert((e.component.clone(), e.at, e.cause.clone())),
                "seed {seed}: {} changed twice at {}",
                e.component,
                e.at
            );
        }
    }
}

/// One data hall, fed by a UPS in the electrical room; its pool "a" has 100
/// servers that boot in 5 minutes, half of which come back broken after a
/// hard power loss; "sa" needs all 100. A fire starts in the hall at 1h,
/// destroys it at 1h10m and is out at 3h. `replacement` is the hall's.
fn hall_fire(replacement: &str) -> String {
    format!(
        r#"Scenario(
        name: "hall-fire", horizon: "1d",
        sites: [Site(name: "dc", rooms: [
            Room(name: "elec", kind: Electrical),
            Room(name: "hall", kind: DataHall, feeds: ["ups"], replacement: {replacement}),
        ])],
        power: [Utility(name: "grid"), Ups(name: "ups", room: "elec", inputs: ["grid"], ride_through: "10m")],
        teams: [Team(name: "ops", engineers: 1, on_call: 1)],
        pools: [Pool(name: "a", room: "hall", servers: 100, boot: Fixed("5m"), broken_fraction: 0.5, repair: Fixed("1d"))],
        services: [Service(name: "sa", users: 1000, demand: 100, deployments: [(pool: "a")])],
        disasters: [Disaster(name: "fire", hazards: [Fire(room: "hall", at: "1h", damage_after: Fixed("10m"),
                                                          extinguished_after: Fixed("2h"))])],
    )"#
    )
}

#[test]
fn servers_a_fire_destroys_stay_lost_without_replacement() {
    // Destroyed at 1h10m; the fire is out at 3h and the hall is re-energised
    // (inspection 0), but nothing replaces the servers: down from 1h10m to
    // the horizon, 24h - 1h10m = 22h50m. (They used to boot at 3h05m.)
    let report = run(&load(&hall_fire("Never")), "fire", 1);
    let sa = service(&report, "sa");
    assert_eq!(sa.first_impact, Some(at(h(1) + m(10))));
    assert_eq!(sa.downtime, h(22) + m(50));
    assert_eq!((sa.final_state, sa.full_recovery), (State::Down, None));
    assert_eq!(sa.main_cause().unwrap().cause, "pool 'a': destroyed by fire");
    assert_eq!(report.destroyed.len(), 1);
    let d = &report.destroyed[0];
    assert_eq!((d.room.as_str(), d.equipment.clone(), d.servers), ("hall", vec!["a".to_owned()], 100));
    assert_eq!((d.at, d.replaced_at), (at(h(1) + m(10)), None));
    let table = report.to_table(false);
    assert!(table.contains("room 'hall' at 1h10m: a (100 servers in its pools); not replaced by 1d"), "{table}");
    assert_eq!(table.matches("destroyed by fire").count(), 1 + 1, "the section title and the cause: {table}");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["destroyed"][0]["servers"], 100);
    assert_eq!(json["destroyed"][0]["replaced_at_s"], serde_json::Value::Null);
}

#[test]
fn replaced_servers_are_new_and_boot_whole() {
    // Replacement 6h after the fire is out: 3h + 6h = 9h. The new servers
    // boot in 5m and none is broken (broken_fraction is for servers that
    // lost power, not new ones): sa is up, whole, at 9h05m.
    //   downtime 9h05m - 1h10m = 7h55m, no degraded time.
    let report = run(&load(&hall_fire(r#"After(Fixed("6h"))"#)), "fire", 1);
    let sa = service(&report, "sa");
    assert_eq!(sa.downtime, h(7) + m(55));
    assert_eq!(sa.degraded, SimDuration::ZERO);
    assert_eq!(sa.full_recovery, Some(at(h(9) + m(5))));
    assert_eq!(report.destroyed[0].replaced_at, Some(at(h(9))));
}

#[test]
fn replacement_work_waits_for_delivery_then_takes_an_engineer() {
    // Ordered when the fire is out (3h), delivered 5h later (8h); the one
    // on-call engineer installs it in 3h: replaced at 11h, sa up at 11h05m.
    //   downtime 11h05m - 1h10m = 9h55m.
    let replacement = r#"Work(lead_time: Fixed("5h"), install: (team: "ops", duration: Fixed("3h")))"#;
    let report = run(&load(&hall_fire(replacement)), "fire", 1);
    let sa = service(&report, "sa");
    assert_eq!(sa.downtime, h(9) + m(55));
    assert_eq!(sa.full_recovery, Some(at(h(11) + m(5))));
    assert_eq!(report.destroyed[0].replaced_at, Some(at(h(11))));
    let causes: Vec<&str> = report.timeline.iter().map(|e| e.cause.as_str()).collect();
    assert!(causes.contains(&"equipment replacement of data hall 'hall' done by team 'ops'"), "{causes:?}");
}
