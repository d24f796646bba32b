//! How impairments combine: the bottleneck of capacity and hard
//! dependencies, times the factor of each lost soft dependency; and cycles
//! of dependencies solved exactly under that rule.

use outage::{SimDuration, State};

use crate::common::{h, load, run, service};

/// One hall behind switchboard `sb`, the given pools and services, and one
/// disaster "d" of the given hazards.
fn scenario(pools: &str, services: &str, hazards: &str) -> String {
    format!(
        r#"Scenario(
    name: "impairment", horizon: "1d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "hall", kind: DataHall, feeds: ["sb"]),
    ])],
    power: [Utility(name: "grid"), Switchboard(name: "sb", room: "elec", inputs: ["grid"])],
    pools: [{pools}],
    services: [{services}],
    disasters: [Disaster(name: "d", hazards: [{hazards}])],
)"#
    )
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-9 * want.abs().max(1.0)
}

#[test]
fn a_lost_soft_dependency_multiplies_what_the_bottleneck_leaves() {
    // app needs 10 servers, 5 in each of pools a and b; a is out 1h..3h, so
    // capacity is 50%. search (a soft dependency, impact 0.3) is out over
    // the same 2 h. app serves 0.5 x (1 - 0.3) = 0.35 of its 1,000 users:
    //   1,000 x 0.65 x 2 h = 1,300 user-hours (the minimum of the two, 0.5,
    //   would give 1,000).
    let src = scenario(
        r#"Pool(name: "a", room: "hall", servers: 5, boot: Fixed("0s")),
           Pool(name: "b", room: "hall", servers: 5, boot: Fixed("0s")),
           Pool(name: "s", room: "hall", servers: 1, boot: Fixed("0s"))"#,
        r#"Service(name: "app", users: 1000, demand: 10, deployments: [(pool: "a"), (pool: "b")],
                   soft_depends_on: [(service: "search", impact: 0.3)]),
           Service(name: "search", users: 0, demand: 1, deployments: [(pool: "s")])"#,
        r#"Outage(target: "a", at: "1h", duration: Fixed("2h")), Outage(target: "search", at: "1h", duration: Fixed("2h"))"#,
    );
    let report = run(&load(&src), "d", 1);
    let app = service(&report, "app");
    assert_eq!((app.downtime, app.degraded), (SimDuration::ZERO, h(2)));
    assert!(close(app.user_hours_lost, 1300.0), "{}", app.user_hours_lost);
    let levels: Vec<f64> = report
        .timeline
        .iter()
        .filter(|e| e.component == "app" && e.state == State::Degraded)
        .map(|e| e.level)
        .collect();
    assert!(levels.iter().any(|&l| close(l, 0.35)), "{levels:?}");
}

#[test]
fn a_hard_dependency_and_a_soft_one_compound_too() {
    // web hard-depends on api, serving 60% (6 of 10 servers: pool api-b of 4
    // is out), and soft-depends on search (impact 0.5), which is out.
    // web serves min(1, 0.6) x 0.5 = 0.3 for the 4 h: 100 x 0.7 x 4 = 280.
    let src = scenario(
        r#"Pool(name: "w", room: "hall", servers: 10, boot: Fixed("0s")),
           Pool(name: "api-a", room: "hall", servers: 6, boot: Fixed("0s")),
           Pool(name: "api-b", room: "hall", servers: 4, boot: Fixed("0s")),
           Pool(name: "s", room: "hall", servers: 1, boot: Fixed("0s"))"#,
        r#"Service(name: "web", users: 100, demand: 10, deployments: [(pool: "w")], depends_on: ["api"],
                   soft_depends_on: [(service: "search", impact: 0.5)]),
           Service(name: "api", users: 0, demand: 10, deployments: [(pool: "api-a"), (pool: "api-b")]),
           Service(name: "search", users: 0, demand: 1, deployments: [(pool: "s")])"#,
        r#"Outage(target: "api-b", at: "2h", duration: Fixed("4h")), Outage(target: "search", at: "2h", duration: Fixed("4h"))"#,
    );
    let report = run(&load(&src), "d", 1);
    assert!(close(service(&report, "web").user_hours_lost, 280.0), "{}", service(&report, "web").user_hours_lost);
}

/// `n` services in a ring, each soft-depending on the next with `impact`;
/// `s0` runs on two pools of 5 servers (`p0a`, `p0b`), the others on one of
/// 10, each with 1,000 users.
fn soft_ring(n: usize, impact: f64, hazards: &str) -> String {
    let mut pools = String::from(
        r#"Pool(name: "p0a", room: "hall", servers: 5, boot: Fixed("0s")), Pool(name: "p0b", room: "hall", servers: 5, boot: Fixed("0s")),"#,
    );
    let mut services = String::new();
    for i in 0..n {
        if i > 0 {
            pools.push_str(&format!(r#"Pool(name: "p{i}", room: "hall", servers: 10, boot: Fixed("0s")),"#));
        }
        let deployments =
            if i == 0 { r#"(pool: "p0a"), (pool: "p0b")"#.to_owned() } else { format!(r#"(pool: "p{i}")"#) };
        services.push_str(&format!(
            r#"Service(name: "s{i}", users: 1000, demand: 10, deployments: [{deployments}],
                       soft_depends_on: [(service: "s{}", impact: {impact})]),"#,
            (i + 1) % n
        ));
    }
    scenario(&pools, &services, hazards)
}

#[test]
fn a_soft_ring_with_impact_one_passes_a_loss_round_to_nothing() {
    // s0 loses one of its two pools 1h..3h: s0 = 0.5 x s1 and every other
    // s_i = s_{i+1} (impact 1: the loss is passed on whole). Round the ring,
    // s0 = 0.5 x s0, so every member serves 0: all down for the 2 h, exactly
    // (iterating from "all up" would stop at a level near 1e-12, degraded).
    let n = 1_000;
    let src = soft_ring(n, 1.0, r#"Outage(target: "p0a", at: "1h", duration: Fixed("2h"))"#);
    let report = run(&load(&src), "d", 1);
    for i in [0, 1, n / 2, n - 1] {
        let s = service(&report, &format!("s{i}"));
        assert_eq!((s.downtime, s.degraded, s.final_state), (h(2), SimDuration::ZERO, State::Up), "s{i}");
        assert!(close(s.user_hours_lost, 2000.0), "s{i}: {}", s.user_hours_lost);
    }
}

#[test]
fn a_soft_ring_with_a_smaller_impact_settles_where_the_loss_fades() {
    // Three services, impact 0.5, s0 at capacity 0.5 for 2 h:
    //   s0 = 0.5 (0.5 + 0.5 s1), s1 = 0.5 + 0.5 s2, s2 = 0.5 + 0.5 s0
    //   gives s0 = 7/15, s1 = 13/15, s2 = 11/15 (solved by hand:
    //   s2 = 0.5 + 0.5 s0, s1 = 0.75 + 0.25 s0, s0 = 0.4375 + 0.0625 s0).
    // User-hours: 1,000 x (1 - level) x 2 h = 2000 x 8/15, 2/15, 4/15.
    let src = soft_ring(3, 0.5, r#"Outage(target: "p0a", at: "1h", duration: Fixed("2h"))"#);
    let report = run(&load(&src), "d", 1);
    for (name, lost) in [("s0", 8.0), ("s1", 2.0), ("s2", 4.0)] {
        let s = service(&report, name);
        assert_eq!(s.degraded, h(2), "{name}");
        assert!(close(s.user_hours_lost, 2000.0 * lost / 15.0), "{name}: {}", s.user_hours_lost);
    }
}

#[test]
fn a_hard_and_a_soft_dependency_in_one_cycle() {
    // A hard-depends on B; B soft-depends on A (impact 0.5) and has 6 of its
    // 10 servers (pool b2 of 4 out 0..1h):
    //   A = min(1, B), B = 0.6 (1 - 0.5 (1 - A)) = 0.3 + 0.3 A
    //   so A = B = 0.3 / 0.7 = 3/7, and each loses 1,000 x 4/7 x 1 h.
    let src = scenario(
        r#"Pool(name: "a", room: "hall", servers: 10, boot: Fixed("0s")),
           Pool(name: "b1", room: "hall", servers: 6, boot: Fixed("0s")),
           Pool(name: "b2", room: "hall", servers: 4, boot: Fixed("0s"))"#,
        r#"Service(name: "A", users: 1000, demand: 10, deployments: [(pool: "a")], depends_on: ["B"]),
           Service(name: "B", users: 1000, demand: 10, deployments: [(pool: "b1"), (pool: "b2")],
                   soft_depends_on: [(service: "A", impact: 0.5)])"#,
        r#"Outage(target: "b2", at: "0s", duration: Fixed("1h"))"#,
    );
    let report = run(&load(&src), "d", 1);
    for name in ["A", "B"] {
        let s = service(&report, name);
        assert_eq!(s.degraded, h(1), "{name}");
        assert!(close(s.user_hours_lost, 4000.0 / 7.0), "{name}: {}", s.user_hours_lost);
    }
}
