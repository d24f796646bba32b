//! Recovery mechanics, each against a hand-derived expectation.
//!
//! Most tests use one site with two data halls: `hall-a` (active) and
//! `hall-b` (standby), each behind its own switchboard. The disaster cuts
//! hall-a's switchboard at t0 for good unless a test says otherwise.

use outage::recovery::{ActionInfo, RecoveryPolicy, RecoveryView};
use outage::{RunOptions, Scenario, SimDuration, Simulation, State};

use crate::common::{at, h, load, m, run, service};

/// A scenario with `pools` (RON, in hall-a / hall-b), `services`, `teams`
/// and `policy`; the disaster `extra_hazards` is added to the hall-a cut.
fn two_halls(pools: &str, services: &str, teams: &str, policy: &str, hazards: &str) -> String {
    format!(
        r#"Scenario(
    name: "recovery", horizon: "2d",
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
    pools: [{pools}],
    services: [{services}],
    teams: [{teams}],
    recovery: (policy: {policy}),
    disasters: [Disaster(name: "d", hazards: [{hazards}])],
)"#
    )
}

const LOSE_HALL_A: &str = r#"Outage(target: "sw-a", at: "0s")"#;

/// Service `name` with an active pool in hall-a and a hot standby in hall-b,
/// each of 10 servers, with the given failover.
fn failing_over(name: &str, users: u64, priority: u32, failover: &str) -> (String, String) {
    let pools = format!(
        r#"Pool(name: "{name}-a", room: "hall-a", servers: 10, boot: Fixed("0s")),
           Pool(name: "{name}-b", room: "hall-b", servers: 10, boot: Fixed("0s")),"#
    );
    let service = format!(
        r#"Service(name: "{name}", users: {users}, priority: {priority}, demand: 10,
                   deployments: [(pool: "{name}-a"), (pool: "{name}-b", role: HotStandby)],
                   failover: {failover}),"#
    );
    (pools, service)
}

fn four_manual_failovers(policy: &str, users: [u64; 4]) -> Scenario {
    let mut pools = String::new();
    let mut services = String::new();
    for (i, name) in ["s1", "s2", "s3", "s4"].iter().enumerate() {
        let (p, s) = failing_over(name, users[i], i as u32 + 1, r#"Manual(team: "ops", duration: Fixed("1h"))"#);
        pools.push_str(&p);
        services.push_str(&s);
    }
    let teams = r#"Team(name: "ops", engineers: 2, on_call: 0, arrival: Fixed("30m"))"#;
    load(&two_halls(&pools, &services, teams, policy, LOSE_HALL_A))
}

#[test]
fn two_engineers_four_manual_failovers() {
    // Hall A goes dark at t0; four services need a 1 h manual failover each.
    // The team is called at t0 and both engineers arrive at 30m. They take
    // s1 and s2 (priorities 1 and 2) from 30m to 1h30m, then s3 and s4 from
    // 1h30m to 2h30m: the last service is back at 2h30m.
    let report = run(&four_manual_failovers("ByPriority", [1, 1, 1, 1]), "d", 1);
    let back: Vec<_> = ["s1", "s2", "s3", "s4"].iter().map(|n| service(&report, n).full_recovery).collect();
    assert_eq!(back, [Some(at(h(1) + m(30))), Some(at(h(1) + m(30))), Some(at(h(2) + m(30))), Some(at(h(2) + m(30)))]);
    // s1 and s2 wait 30m for an engineer, then 1h of work; s3 and s4 wait
    // 1h30m for one (the blame names the team), then 1h of work.
    for (n, waited) in [("s1", m(30)), ("s2", m(30)), ("s3", h(1) + m(30)), ("s4", h(1) + m(30))] {
        let s = service(&report, n);
        assert_eq!((s.first_impact, s.failovers), (Some(at(SimDuration::ZERO)), 1), "{n}");
        let causes: Vec<(&str, SimDuration)> = s.causes.iter().map(|c| (c.cause.as_str(), c.time)).collect();
        let (waiting, working) = (
            ("failover to standby: waiting for an engineer of team 'ops'", waited),
            ("failover to standby: in progress", h(1)),
        );
        let expected = if waited > h(1) { vec![waiting, working] } else { vec![working, waiting] };
        assert_eq!(causes, expected, "{n}");
    }
}

#[test]
fn by_users_serves_the_largest_first() {
    // Same, but by users: s4 (4,000 users) and s3 (3,000) go first.
    let report = run(&four_manual_failovers("ByUsers", [1000, 2000, 3000, 4000]), "d", 1);
    assert_eq!(service(&report, "s4").full_recovery, Some(at(h(1) + m(30))));
    assert_eq!(service(&report, "s3").full_recovery, Some(at(h(1) + m(30))));
    assert_eq!(service(&report, "s1").full_recovery, Some(at(h(2) + m(30))));
}

#[test]
fn explicit_order_is_followed() {
    let report = run(&four_manual_failovers(r#"Explicit(["s3", "s1"])"#, [1, 1, 1, 1]), "d", 1);
    // s3 and s1 first; then s2 and s4 by priority.
    assert_eq!(service(&report, "s3").full_recovery, Some(at(h(1) + m(30))));
    assert_eq!(service(&report, "s1").full_recovery, Some(at(h(1) + m(30))));
    assert_eq!(service(&report, "s2").full_recovery, Some(at(h(2) + m(30))));
}

#[test]
fn a_library_policy_can_be_plugged_in() {
    /// Lowest priority (highest number) first: the reverse of ByPriority.
    struct LeastImportantFirst;
    impl RecoveryPolicy for LeastImportantFirst {
        fn rank(&self, action: &ActionInfo<'_>, view: &RecoveryView<'_>) -> i64 {
            -action.services.iter().map(|s| i64::from(view.model().service(*s).priority())).max().unwrap_or(0)
        }
    }
    let scenario = four_manual_failovers("ByPriority", [1, 1, 1, 1]);
    let mut sim = Simulation::new(&scenario, None).unwrap().with_policy(Box::new(LeastImportantFirst));
    let report = sim.run(&RunOptions::default()).unwrap();
    assert_eq!(service(&report, "s4").full_recovery, Some(at(h(1) + m(30))));
    assert_eq!(service(&report, "s1").full_recovery, Some(at(h(2) + m(30))));
}

#[test]
fn dependency_order_restores_what_others_need_first() {
    // One on-call engineer, 1 h per failover. "login" has no users, but
    // "app" (priority 1) cannot work without it; "misc" has priority 2.
    // By dependency order login goes first (one impaired service needs it),
    // app second (priority 1), misc last: back at 1h, 2h and 3h. By
    // priority, login (priority 3) would come last and app would wait for it.
    let mut pools = String::new();
    let mut services = String::new();
    for (name, priority, deps) in [("app", 1, r#"["login"]"#), ("misc", 2, "[]"), ("login", 3, "[]")] {
        let (p, s) = failing_over(name, 1, priority, r#"Manual(team: "ops", duration: Fixed("1h"))"#);
        pools.push_str(&p);
        services.push_str(&s.replace("failover:", &format!("depends_on: {deps}, failover:")));
    }
    let teams = r#"Team(name: "ops", engineers: 1, on_call: 1)"#;
    let report = run(&load(&two_halls(&pools, &services, teams, "ByDependencyOrder", LOSE_HALL_A)), "d", 1);
    assert_eq!(service(&report, "login").full_recovery, Some(at(h(1))));
    assert_eq!(service(&report, "app").full_recovery, Some(at(h(2))));
    assert_eq!(service(&report, "misc").full_recovery, Some(at(h(3))));

    let report = run(&load(&two_halls(&pools, &services, teams, "ByPriority", LOSE_HALL_A)), "d", 1);
    // app's failover is done at 1h but login is still down until 3h.
    assert_eq!(service(&report, "app").full_recovery, Some(at(h(3))));
    assert_eq!(service(&report, "app").causes[0].cause, "dependency 'login'");
}

#[test]
fn automatic_failover_takes_detection_plus_switch() {
    // Detection 1m + switch 2m: down from t0 to 3m; synchronous replication
    // loses nothing.
    let (pools, services) = failing_over("svc", 600, 1, r#"Automatic(detection: Fixed("1m"), switch: Fixed("2m"))"#);
    let report = run(&load(&two_halls(&pools, &services, "", "ByPriority", LOSE_HALL_A)), "d", 1);
    let s = service(&report, "svc");
    assert_eq!((s.downtime, s.full_recovery), (m(3), Some(at(m(3)))));
    assert_eq!((s.failovers, s.data_loss, s.inconsistency_risk), (1, Some(SimDuration::ZERO), false));
    // 600 users x 3 min = 30 user-hours.
    assert!((s.user_hours_lost - 30.0).abs() < 1e-9);
}

fn switch_scenario(otherwise: &str, switch_outage: &str) -> Scenario {
    // "traffic-switch" runs in hall-a too: it goes down with the hall, so the
    // automatic path of "svc" is unavailable.
    let (pools, services) = failing_over(
        "svc",
        1,
        1,
        &format!(r#"Automatic(detection: Fixed("1m"), switch: Fixed("2m"), requires: ["traffic-switch"]{otherwise})"#),
    );
    let pools = format!(r#"{pools} Pool(name: "switch-pool", room: "hall-b", servers: 1, boot: Fixed("0s")),"#);
    let services = format!(
        r#"{services} Service(name: "traffic-switch", users: 0, demand: 1, deployments: [(pool: "switch-pool")]),"#
    );
    let teams = r#"Team(name: "ops", engineers: 1, on_call: 1)"#;
    let hazards = format!("{LOSE_HALL_A}, {switch_outage}");
    load(&two_halls(&pools, &services, teams, "ByPriority", &hazards))
}

#[test]
fn automatic_failover_without_its_switch_falls_back_to_the_manual_procedure() {
    // The switch is down (0s..5h). Detection at 1m finds the automatic path
    // unavailable, so the manual procedure (45m, one engineer on call) runs:
    // back at 1m + 45m = 46m.
    let outage = r#"Outage(target: "switch-pool", at: "0s", duration: Fixed("5h"))"#;
    let report = run(&switch_scenario(r#", otherwise: (team: "ops", duration: Fixed("45m"))"#, outage), "d", 1);
    assert_eq!(service(&report, "svc").full_recovery, Some(at(m(46))));
}

#[test]
fn automatic_failover_without_its_switch_and_no_manual_procedure_waits() {
    // No manual procedure: the failover waits for the switch (back at 5h),
    // then switches in 2m: back at 5h02m.
    let outage = r#"Outage(target: "switch-pool", at: "0s", duration: Fixed("5h"))"#;
    let report = run(&switch_scenario("", outage), "d", 1);
    let s = service(&report, "svc");
    assert_eq!(s.full_recovery, Some(at(h(5) + m(2))));
    // The blame names where the failover stands: detecting 0..1m, waiting
    // for the switch 1m..5h, switching 5h..5h02m.
    let causes: Vec<(&str, SimDuration)> = s.causes.iter().map(|c| (c.cause.as_str(), c.time)).collect();
    assert_eq!(
        causes,
        [
            ("failover to standby: waiting for service 'traffic-switch'", h(4) + m(59)),
            ("failover to standby: switching traffic", m(2)),
            ("failover to standby: detecting the failure", m(1)),
        ]
    );
}

#[test]
fn warm_standby_serves_after_its_warmup_with_partial_capacity() {
    // Manual failover 1h (engineer on call), then a 30m warmup. The warm
    // standby holds half the demand (capacity 0.5): the service is down
    // 0..1h30m, then degraded at 50% to the 2d horizon.
    // user-hours = 100 x (1.5 h + 0.5 x 46.5 h) = 2,475.
    let pools = r#"Pool(name: "a", room: "hall-a", servers: 10, boot: Fixed("0s")),
                   Pool(name: "b", room: "hall-b", servers: 10, boot: Fixed("0s")),"#;
    let services = r#"Service(name: "svc", users: 100, demand: 10,
        deployments: [(pool: "a"), (pool: "b", role: WarmStandby, capacity: 0.5, warmup: Fixed("30m"))],
        failover: Manual(team: "ops", duration: Fixed("1h")))"#;
    let teams = r#"Team(name: "ops", engineers: 1, on_call: 1)"#;
    let report = run(&load(&two_halls(pools, services, teams, "ByPriority", LOSE_HALL_A)), "d", 1);
    let s = service(&report, "svc");
    assert_eq!((s.downtime, s.partial_recovery), (h(1) + m(30), Some(at(h(1) + m(30)))));
    assert_eq!((s.degraded, s.final_state, s.full_recovery), (h(46) + m(30), State::Degraded, None));
    assert!((s.user_hours_lost - 2475.0).abs() < 1e-6, "{}", s.user_hours_lost);
}

#[test]
fn scale_out_fills_a_short_standby_step_by_step() {
    // Hot standby at half capacity (5 of 10 needed) in a pool of 10, manual
    // failover 1h; scale-out at 10 servers/h in steps of 5 (30m each, one
    // engineer): 5 servers at 1h (50%), 10 at 1h30m: up at 1h30m.
    let pools = r#"Pool(name: "a", room: "hall-a", servers: 10, boot: Fixed("0s")),
                   Pool(name: "b", room: "hall-b", servers: 10, boot: Fixed("0s")),"#;
    let services = r#"Service(name: "svc", users: 100, demand: 10,
        deployments: [(pool: "a"), (pool: "b", role: HotStandby, servers: 5)],
        failover: Manual(team: "ops", duration: Fixed("1h")),
        scale_out: (rate: 10.0, step: 5, team: "ops"))"#;
    let teams = r#"Team(name: "ops", engineers: 1, on_call: 1)"#;
    let report = run(&load(&two_halls(pools, services, teams, "ByPriority", LOSE_HALL_A)), "d", 1);
    let s = service(&report, "svc");
    assert_eq!((s.downtime, s.degraded, s.full_recovery), (h(1), m(30), Some(at(h(1) + m(30)))));
    let levels: Vec<_> = report.timeline.iter().filter(|e| e.component == "svc").map(|e| (e.at, e.level)).collect();
    assert_eq!(levels, vec![(at(SimDuration::ZERO), 0.0), (at(h(1)), 0.5), (at(h(1) + m(30)), 1.0)]);
}

fn tooling_scenario(fallback: &str) -> Scenario {
    // The failover of "svc" needs "tools", which is out 0..2h. The tools
    // outage is listed first: at the same instant, events run in the order
    // they were scheduled, and requirements are checked when an engineer
    // picks the work up.
    let (pools, services) = failing_over(
        "svc",
        1,
        1,
        &format!(r#"Manual(team: "ops", duration: Fixed("1h"), requires: ["tools"]{fallback})"#),
    );
    let pools = format!(r#"{pools} Pool(name: "tools-pool", room: "hall-b", servers: 1, boot: Fixed("0s")),"#);
    let services =
        format!(r#"{services} Service(name: "tools", users: 0, demand: 1, deployments: [(pool: "tools-pool")]),"#);
    let teams = r#"Team(name: "ops", engineers: 1, on_call: 1)"#;
    let hazards = format!(r#"Outage(target: "tools", at: "0s", duration: Fixed("2h")), {LOSE_HALL_A}"#);
    load(&two_halls(&pools, &services, teams, "ByPriority", &hazards))
}

#[test]
fn work_waits_for_its_tooling() {
    // Waits for the tools (back at 2h), then 1h: back at 3h.
    let report = run(&tooling_scenario(""), "d", 1);
    assert_eq!(service(&report, "svc").full_recovery, Some(at(h(3))));
}

#[test]
fn single_points_of_recovery_are_what_sparing_saves() {
    use outage::study::Spof;
    // In the disaster as it is, svc (1 user) is back at 3h: 3 user-hours.
    // Spared, the tools are up at t0 and the 1h failover ends at 1h: 1
    // user-hour, 2 saved, and svc is the service they hold down. Sparing
    // sw-a, hall-a or svc-a keeps svc's own servers serving: all 3 saved.
    // The grid is never lost (0 saved); a spared service's own downtime is
    // not counted (svc: 0; tools has no users: 0).
    let scenario = tooling_scenario("");
    let report = Spof::new(&scenario).during("d").runs(3).run().unwrap();
    assert_eq!(report.during.as_deref(), Some("d"));
    let row = |name: &str| report.rows.iter().find(|r| r.element == name).unwrap();
    assert_eq!(
        (row("tools").user_hours_lost, row("tools").services_down.as_slice()),
        (2.0, ["svc".to_owned()].as_slice())
    );
    for name in ["sw-a", "hall-a", "svc-a"] {
        assert_eq!(row(name).user_hours_lost, 3.0, "{name}");
    }
    for name in ["grid", "svc", "svc-b", "hall-b"] {
        assert_eq!(row(name).user_hours_lost, 0.0, "{name}");
        assert!(row(name).services_down.is_empty(), "{name}");
    }
    // Services only: the tools lead.
    let report = Spof::new(&scenario).during("d").services_only(true).runs(3).run().unwrap();
    let names: Vec<&str> = report.rows.iter().map(|r| r.element.as_str()).collect();
    assert_eq!(names, ["tools", "svc"]);
    // An unknown disaster is an error naming the known ones.
    let err = Spof::new(&scenario).during("nope").run().unwrap_err().to_string();
    assert!(err.contains("'d'"), "{err}");
}

#[test]
fn work_without_its_tooling_takes_the_slower_path() {
    // Goes ahead by hand at t0, taking 1h30m instead of 1h.
    let report = run(&tooling_scenario(r#", without_requirements: Slower(Fixed("1h30m"))"#), "d", 1);
    assert_eq!(service(&report, "svc").full_recovery, Some(at(h(1) + m(30))));
}

#[test]
fn pools_restarted_by_hand_come_back_batch_by_batch() {
    // Hall A dark 0..1h. Its 10 servers are restarted 4 at a time (batches
    // of 4, 4, 2), 1h per batch, by one engineer; boot is instant.
    // Serving: 4 at 2h (40%), 8 at 3h (80%), 10 at 4h.
    // user-hours = 100 x (2 h x 1 + 1 h x 0.6 + 1 h x 0.2) = 280.
    let pools = r#"Pool(name: "a", room: "hall-a", servers: 10, boot: Fixed("0s"),
                        restart: Manual(batch: 4, work: (team: "infra", duration: Fixed("1h")))),"#;
    let services = r#"Service(name: "svc", users: 100, demand: 10, deployments: [(pool: "a")])"#;
    let teams = r#"Team(name: "infra", engineers: 1, on_call: 1)"#;
    let hazards = r#"Outage(target: "sw-a", at: "0s", duration: Fixed("1h"))"#;
    let report = run(&load(&two_halls(pools, services, teams, "ByPriority", hazards)), "d", 1);
    let s = service(&report, "svc");
    assert_eq!((s.downtime, s.degraded, s.full_recovery), (h(2), h(2), Some(at(h(4)))));
    assert!((s.user_hours_lost - 280.0).abs() < 1e-9, "{}", s.user_hours_lost);
    // While waiting for the engineer, the blame moves from power to people.
    let causes: Vec<_> = s.causes.iter().map(|c| (c.cause.as_str(), c.time)).collect();
    assert_eq!(
        causes,
        vec![("pool 'a': servers awaiting restart by engineers", h(3)), ("switchboard 'sw-a': outage", h(1)),]
    );
}

#[test]
fn a_service_that_needs_a_restart_waits_for_it() {
    // Power returns at 1h (instant boot); the service needs a 2h manual
    // restart. The team is called at the first impact (t0) and its engineer
    // arrives at 30m, so the restart runs 1h..3h: down 3h.
    // Without the restart the service would have been back at 1h.
    let pools = r#"Pool(name: "a", room: "hall-a", servers: 10, boot: Fixed("0s")),"#;
    let services = r#"Service(name: "svc", users: 1, demand: 10, deployments: [(pool: "a")],
                             restart: (team: "ops", duration: Fixed("2h")))"#;
    let teams = r#"Team(name: "ops", engineers: 1, arrival: Fixed("30m"))"#;
    let hazards = r#"Outage(target: "sw-a", at: "0s", duration: Fixed("1h"))"#;
    let report = run(&load(&two_halls(pools, services, teams, "ByPriority", hazards)), "d", 1);
    let s = service(&report, "svc");
    assert_eq!((s.downtime, s.full_recovery), (h(3), Some(at(h(3)))));
    assert_eq!(s.causes[0].cause, "manual restart of the service: in progress");

    // With the engineer arriving 90m after the call, the restart runs 1h30m..3h30m.
    let late = teams.replace(r#"Fixed("30m")"#, r#"Fixed("1h30m")"#);
    let report = run(&load(&two_halls(pools, services, &late, "ByPriority", hazards)), "d", 1);
    assert_eq!(service(&report, "svc").full_recovery, Some(at(h(3) + m(30))));
}

#[test]
fn a_demand_surge_degrades_a_service_that_just_came_back() {
    // Back at 1h with exactly its demand in servers; demand doubles for 1h:
    // degraded at 50% from 1h to 2h. user-hours = 1000 x (1 h + 0.5 x 1 h).
    let pools = r#"Pool(name: "a", room: "hall-a", servers: 10, boot: Fixed("0s")),"#;
    let services = r#"Service(name: "svc", users: 1000, demand: 10, deployments: [(pool: "a")],
                             surge: (factor: 2.0, duration: Fixed("1h")))"#;
    let hazards = r#"Outage(target: "sw-a", at: "0s", duration: Fixed("1h"))"#;
    let report = run(&load(&two_halls(pools, services, "", "ByPriority", hazards)), "d", 1);
    let s = service(&report, "svc");
    assert_eq!((s.downtime, s.degraded, s.full_recovery), (h(1), h(1), Some(at(h(2)))));
    assert!((s.user_hours_lost - 1500.0).abs() < 1e-9);
    assert_eq!(s.causes.iter().find(|c| c.cause == "demand surge").unwrap().time, h(1));
}

#[test]
fn asynchronous_replication_reports_its_data_loss_window() {
    let (pools, services) = failing_over("svc", 1, 1, r#"Automatic(detection: Fixed("1m"), switch: Fixed("1m"))"#);
    let services = services.replace("failover:", r#"replication: Asynchronous(lag: Fixed("5s")), failover:"#);
    let report = run(&load(&two_halls(&pools, &services, "", "ByPriority", LOSE_HALL_A)), "d", 1);
    let s = service(&report, "svc");
    assert_eq!((s.failovers, s.data_loss, s.inconsistency_risk), (1, Some(SimDuration::from_secs(5)), true));
    assert!(report.to_table(false).contains("svc: 1 failover(s), up to 5s of writes lost, inconsistency risk"));
}

#[test]
fn engineers_rest_between_shifts() {
    // One engineer on call, shifts of 2h work and 10h rest; four 1h
    // failovers. 0-1h, 1-2h; shift over at 2h, rest until 12h; 12-13h, 13-14h.
    let mut pools = String::new();
    let mut services = String::new();
    for (i, name) in ["s1", "s2", "s3", "s4"].iter().enumerate() {
        let (p, s) = failing_over(name, 1, i as u32 + 1, r#"Manual(team: "ops", duration: Fixed("1h"))"#);
        pools.push_str(&p);
        services.push_str(&s);
    }
    let teams = r#"Team(name: "ops", engineers: 1, on_call: 1, shifts: (work: "2h", rest: "10h"))"#;
    let report = run(&load(&two_halls(&pools, &services, teams, "ByPriority", LOSE_HALL_A)), "d", 1);
    let back: Vec<_> = ["s1", "s2", "s3", "s4"].iter().map(|n| service(&report, n).full_recovery.unwrap()).collect();
    assert_eq!(back, [at(h(1)), at(h(2)), at(h(13)), at(h(14))]);
}

/// A hall powered off 0..`back`; its service needs a 1h manual restart by
/// team "ops" once its servers are back (they boot at once).
fn restart_after_power(back: &str, teams: &str) -> String {
    format!(
        r#"Scenario(
    name: "rota", horizon: "3d",
    sites: [Site(name: "dc", rooms: [Room(name: "elec", kind: Electrical),
                                     Room(name: "hall", kind: DataHall, feeds: ["sw"])])],
    power: [Utility(name: "grid"), Switchboard(name: "sw", room: "elec", inputs: ["grid"])],
    teams: [{teams}],
    pools: [Pool(name: "p", room: "hall", servers: 1, boot: Fixed("0s"))],
    services: [Service(name: "svc", users: 100, demand: 1, deployments: [(pool: "p")],
                       restart: (team: "ops", duration: Fixed("1h")))],
    disasters: [Disaster(name: "d", hazards: [Outage(target: "sw", at: "0s", duration: Fixed("{back}"))])],
)"#
    )
}

#[test]
fn waiting_on_site_is_part_of_a_shift() {
    // Four engineers on call from t0, 12h on and 12h off. They wait on site
    // 0-12h, rest 12-24h, and are back 24-36h. Power returns at 30h: the 1h
    // restart is done at 31h. (Waiting used not to count: at 30h all four
    // "had worked 30h" and went to rest until 42h, back at 43h.)
    let teams = r#"Team(name: "ops", engineers: 4, on_call: 4, shifts: (work: "12h", rest: "12h"))"#;
    let report = run(&load(&restart_after_power("30h", teams)), "d", 1);
    assert_eq!(service(&report, "svc").full_recovery, Some(at(h(31))));
}

#[test]
fn a_staggered_rota_keeps_half_the_team_on_shift() {
    // Two engineers, 12h on and 12h off. Together: both on 0-12h, both off
    // 12-24h, so work appearing at 18h waits until 24h and is done at 25h.
    // Staggered, engineer 1 of 2 starts half a cycle (12h) in, in the rest
    // part: off 0-12h, on 12-24h. Work at 18h is done by 19h.
    let together = r#"Team(name: "ops", engineers: 2, on_call: 2, shifts: (work: "12h", rest: "12h"))"#;
    let staggered =
        r#"Team(name: "ops", engineers: 2, on_call: 2, shifts: (work: "12h", rest: "12h", staggered: true))"#;
    let back = |teams: &str| service(&run(&load(&restart_after_power("18h", teams)), "d", 1), "svc").full_recovery;
    assert_eq!(back(together), Some(at(h(25))));
    assert_eq!(back(staggered), Some(at(h(19))));
    // And at 6h, only engineer 0 is on: work then is done at 7h either way.
    assert_eq!(
        service(&run(&load(&restart_after_power("6h", staggered)), "d", 1), "svc").full_recovery,
        Some(at(h(7)))
    );
}

#[test]
fn a_failover_is_called_off_when_the_active_site_returns_first() {
    // The hall is back at 30m, before the 1h failover could finish: the
    // service is back at 30m and no failover is counted.
    let (pools, services) = failing_over("svc", 1, 1, r#"Manual(team: "ops", duration: Fixed("1h"))"#);
    let teams = r#"Team(name: "ops", engineers: 1, on_call: 1)"#;
    let hazards = r#"Outage(target: "sw-a", at: "0s", duration: Fixed("30m"))"#;
    let report = run(&load(&two_halls(&pools, &services, teams, "ByPriority", hazards)), "d", 1);
    let s = service(&report, "svc");
    assert_eq!((s.full_recovery, s.failovers), (Some(at(m(30))), 0));
}

#[test]
fn a_recovery_deadlock_is_reported_with_its_cycle_and_the_run_ends() {
    // "login" and "tools" both run in hall A and both need a manual restart
    // after losing power; each restart needs the other service up. Power is
    // back at 1h, but neither restart can start: a deadlock, named.
    let pools = r#"Pool(name: "login-pool", room: "hall-a", servers: 1, boot: Fixed("0s")),
                   Pool(name: "tools-pool", room: "hall-a", servers: 1, boot: Fixed("0s")),"#;
    let services = r#"
        Service(name: "login", users: 10, demand: 1, deployments: [(pool: "login-pool")],
                restart: (team: "ops", duration: Fixed("10m"), requires: ["tools"])),
        Service(name: "tools", users: 0, demand: 1, deployments: [(pool: "tools-pool")],
                restart: (team: "ops", duration: Fixed("10m"), requires: ["login"])),"#;
    let teams = r#"Team(name: "ops", engineers: 2, on_call: 2)"#;
    let hazards = r#"Outage(target: "sw-a", at: "0s", duration: Fixed("1h"))"#;
    let report = run(&load(&two_halls(pools, services, teams, "ByPriority", hazards)), "d", 1);
    assert_eq!(report.deadlocks.len(), 1, "{:?}", report.deadlocks);
    assert_eq!(report.deadlocks[0].services, ["login", "tools", "login"]);
    // It forms at 1h, when power is back and both restarts are found
    // blocked, not at 0s when the services went down; the timeline says so
    // then, at each service.
    assert_eq!(report.deadlocks[0].to_string(), "recovery deadlock: login -> tools -> login (since 1h)");
    let formed: Vec<_> = report.timeline.iter().filter(|e| e.cause.starts_with("recovery deadlock")).collect();
    assert_eq!(formed.len(), 2, "{formed:?}");
    assert!(formed.iter().all(|e| e.at == at(h(1)) && e.state == State::Down), "{formed:?}");
    for n in ["login", "tools"] {
        assert_eq!((service(&report, n).final_state, service(&report, n).downtime), (State::Down, h(48)));
    }
    assert!(report.to_table(false).contains("recovery deadlocks"));
    // With a slower way round for one of them, there is no deadlock.
    let fixed = services.replacen(
        r#"requires: ["tools"])"#,
        r#"requires: ["tools"], without_requirements: Slower(Fixed("2h")))"#,
        1,
    );
    let report = run(&load(&two_halls(pools, &fixed, teams, "ByPriority", hazards)), "d", 1);
    assert!(report.deadlocks.is_empty());
    // login restarted by hand 1h..3h, then tools 3h..3h10m.
    assert_eq!(service(&report, "tools").full_recovery, Some(at(h(3) + m(10))));
}

#[test]
fn a_dependency_cycle_that_goes_down_is_reported_as_a_deadlock() {
    let pools = r#"Pool(name: "p1", room: "hall-a", servers: 1, boot: Fixed("0s")),
                   Pool(name: "p2", room: "hall-a", servers: 1, boot: Fixed("0s")),"#;
    let services = r#"
        Service(name: "b", users: 0, demand: 1, deployments: [(pool: "p2")], depends_on: ["a"]),
        Service(name: "a", users: 0, demand: 1, deployments: [(pool: "p1")], depends_on: ["b"]),"#;
    let hazards = r#"Outage(target: "sw-a", at: "0s", duration: Fixed("1h"))"#;
    let report = run(&load(&two_halls(pools, services, "", "ByPriority", hazards)), "d", 1);
    assert_eq!(report.deadlocks.len(), 1);
    assert_eq!(report.deadlocks[0].services, ["b", "a", "b"]);
}

#[test]
fn recovery_input_errors_are_reported() {
    for (from, to, expected) in [
        (r#"team: "ops""#, r#"team: "opz""#, "refers to unknown team 'opz' (did you mean 'ops'?)"),
        (r#"role: HotStandby"#, r#"role: HotStandby, warmup: Fixed("1m")"#, "a hot standby serves at once"),
        (r#"engineers: 1"#, r#"engineers: 1, on_call: 3"#, "has 3 engineers on call but only 1 in all"),
        (r#"failover: Manual(team: "ops", duration: Fixed("1h"))"#, "", "has standby deployments but no failover"),
    ] {
        let (pools, services) = failing_over("svc", 1, 1, r#"Manual(team: "ops", duration: Fixed("1h"))"#);
        let src = two_halls(&pools, &services, r#"Team(name: "ops", engineers: 1)"#, "ByPriority", LOSE_HALL_A)
            .replacen(from, to, 1);
        let err = Scenario::from_ron_str(&src).expect_err(expected).to_string();
        assert!(err.contains(expected), "{expected}: {err}");
    }
}

/// "auth" and "user-db" hard-depend on each other, each on its own pool in
/// hall A; "console" (tooling) runs in hall B. `auth` is out from 1h for
/// one minute. `recovery` is spliced into the scenario, `console_outage`
/// into the disaster.
fn mutual(recovery: &str, console_outage: &str) -> String {
    let pools = r#"Pool(name: "auth-pool", room: "hall-a", servers: 1, boot: Fixed("0s")),
                   Pool(name: "db-pool", room: "hall-a", servers: 1, boot: Fixed("0s")),
                   Pool(name: "console-pool", room: "hall-b", servers: 1, boot: Fixed("0s")),"#;
    let services = r#"
        Service(name: "auth", users: 100, demand: 1, deployments: [(pool: "auth-pool")], depends_on: ["user-db"]),
        Service(name: "user-db", users: 0, demand: 1, deployments: [(pool: "db-pool")], depends_on: ["auth"]),
        Service(name: "console", users: 0, demand: 1, deployments: [(pool: "console-pool")]),"#;
    let teams = r#"Team(name: "ops", engineers: 1, on_call: 1)"#;
    format!(
        r#"Scenario(
    name: "mutual", horizon: "1d",
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
    pools: [{pools}],
    services: [{services}],
    teams: [{teams}],
    recovery: ({recovery}),
    disasters: [Disaster(name: "blip", hazards: [
        Outage(target: "auth", at: "1h", duration: Fixed("1m")),
        {console_outage}
    ])],
)"#
    )
}

const BOOTSTRAP: &str =
    r#"bootstraps: [Bootstrap(services: ["auth", "user-db"], work: (team: "ops", duration: Fixed("30m")))]"#;

#[test]
fn a_mutual_dependency_without_bootstrap_deadlocks_when_the_blip_ends() {
    // auth is out 1h..1h01m; user-db, which needs it, goes down with it at
    // 1h. From then on each waits for the other (down dominates): at 1h01m
    // auth could serve again, but user-db is down, and user-db could serve
    // but auth is down. Both stay down to the 1-day horizon: 24h - 1h = 23h
    // each. The deadlock forms at 1h01m, when auth's outage ends: from then
    // on both could serve and each waits for the other. The report, the
    // timeline and the blame all say 1h01m.
    let scenario = load(&mutual("", ""));
    let report = run(&scenario, "blip", 1);
    for name in ["auth", "user-db"] {
        let s = service(&report, name);
        assert_eq!((s.downtime, s.final_state), (h(23), State::Down), "{name}");
    }
    // What holds them: auth, its own outage for 1m, then the deadlock for
    // 23h - 1m; user-db, auth (down for its outage) for 1m, then the
    // deadlock for 23h - 1m.
    let causes = |name: &str| -> Vec<(String, SimDuration)> {
        service(&report, name).causes.iter().map(|c| (c.cause.clone(), c.time)).collect()
    };
    let deadlock = "recovery deadlock: a dependency cycle, all down".to_owned();
    assert_eq!(causes("auth"), [(deadlock.clone(), h(22) + m(59)), ("outage of the service".to_owned(), m(1))]);
    assert_eq!(causes("user-db"), [(deadlock, h(22) + m(59)), ("dependency 'auth'".to_owned(), m(1))]);
    assert_eq!(report.deadlocks.len(), 1);
    assert_eq!(report.deadlocks[0].since, at(h(1) + m(1)));
    let formed: Vec<_> = report.timeline.iter().filter(|e| e.cause.starts_with("recovery deadlock")).collect();
    assert_eq!(formed.len(), 2, "{formed:?}");
    assert!(formed.iter().all(|e| e.at == at(h(1) + m(1))), "{formed:?}");
    assert_eq!(formed[0].cause, "recovery deadlock: auth -> user-db -> auth; each waits for another");
}

#[test]
fn a_bootstrap_brings_a_mutual_dependency_up_together() {
    // Same blip. The first impact at 1h calls the team: its one on-call
    // engineer is on site. The deadlock forms at 1h01m and queues the
    // bootstrap, which the engineer starts at once and finishes 30m later:
    // both services are back at 1h31m, down 31m each; no deadlock remains.
    let report = run(&load(&mutual(BOOTSTRAP, "")), "blip", 1);
    for name in ["auth", "user-db"] {
        let s = service(&report, name);
        assert_eq!((s.downtime, s.full_recovery, s.final_state), (m(31), Some(at(h(1) + m(31))), State::Up), "{name}");
        // 1h01m..1h31m the bootstrap under way: 30m of its 31m.
        assert_eq!(s.main_cause().unwrap().cause, "bootstrap of its dependency cycle: in progress", "{name}");
    }
    assert!(report.deadlocks.is_empty(), "{:?}", report.deadlocks);
    let back = report.timeline.iter().find(|e| e.component == "auth" && e.state == State::Up).unwrap();
    assert_eq!(back.cause, "bootstrap of 'auth' and 'user-db' done by team 'ops'");
}

#[test]
fn a_bootstrap_that_needs_tooling_waits_for_it() {
    // The bootstrap needs the console, which is out from 0s to 3h. The
    // deadlock forms at 1h01m; the engineer (on site since the console's
    // outage at 0s) finds the console down and waits; it is back at 3h,
    // and the bootstrap takes 30m: both back at 3h30m, down 2h30m each.
    let needs_console = BOOTSTRAP.replace(r#"Fixed("30m"))"#, r#"Fixed("30m"), requires: ["console"])"#);
    let console = r#"Outage(target: "console", at: "0s", duration: Fixed("3h")),"#;
    let report = run(&load(&mutual(&needs_console, console)), "blip", 1);
    for name in ["auth", "user-db"] {
        let s = service(&report, name);
        assert_eq!((s.downtime, s.full_recovery), (h(2) + m(30), Some(at(h(3) + m(30)))), "{name}");
    }
    // And the slow way round, by hand at 2h: 1h01m + 2h = 3h01m, before
    // the console is back.
    let by_hand = needs_console
        .replace(r#"requires: ["console"])"#, r#"requires: ["console"], without_requirements: Slower(Fixed("2h")))"#);
    let report = run(&load(&mutual(&by_hand, console)), "blip", 1);
    assert_eq!(service(&report, "auth").full_recovery, Some(at(h(3) + m(1))));
}

#[test]
fn validate_warns_about_a_dependency_cycle_without_bootstrap() {
    let scenario = load(&mutual("", ""));
    let warnings: Vec<String> = scenario.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    // Located at the first member's depends_on (line 17, column 102).
    assert!(
        warnings[0].starts_with("17:102: ")
            && warnings[0].contains("services 'auth', 'user-db' depend on each other (hard)"),
        "{warnings:?}"
    );
    assert!(load(&mutual(BOOTSTRAP, "")).warnings().is_empty());
    // One member is enough: once auth is started, user-db follows it.
    let one = BOOTSTRAP.replace(r#"["auth", "user-db"]"#, r#"["auth"]"#);
    assert!(load(&mutual(&one, "")).warnings().is_empty());
    let report = run(&load(&mutual(&one, "")), "blip", 1);
    assert_eq!(service(&report, "user-db").downtime, m(31));
    // A bootstrap of services that do not wait for each other is refused.
    let wrong = BOOTSTRAP.replace(r#"["auth", "user-db"]"#, r#"["auth", "console"]"#);
    let err = Scenario::from_ron_str(&mutual(&wrong, "")).unwrap_err().to_string();
    assert!(err.contains("bootstrap #1: service 'console' is in no hard-dependency cycle"), "{err}");
}
