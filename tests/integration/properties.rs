//! Invariants that must hold for any input, checked on generated scenarios.

use outage::dist::Dist;
use outage::scenario::spec::*;
use outage::{RunOptions, RunReport, Scenario, SimDuration, SimTime, Simulation, State};
use proptest::prelude::*;

use crate::common::{protect_big_integers, restore_big_integers};

const MINIMAL: &str = include_str!("../../scenarios/minimal.ron");

/// A compact description of a random scenario, turned into a spec by `build`.
#[derive(Clone, Debug)]
struct Recipe {
    /// Ride-through of each UPS, in minutes (one UPS per utility).
    ups_minutes: Vec<u8>,
    /// For each hall, the UPSes feeding it (indices, deduplicated).
    hall_feeds: Vec<Vec<usize>>,
    /// For each pool: hall, servers, boot minutes, broken per mille.
    pools: Vec<(usize, u8, u8, u16)>,
    /// For each service: pool, hard dependencies, soft dependencies (may form cycles).
    services: Vec<(usize, Vec<usize>, Vec<usize>)>,
    /// Outages: target index into every named element, start and length in minutes.
    outages: Vec<(usize, u16, u16)>,
    /// An optional fire: room index, spread minutes, cut after minutes, out after minutes.
    fire: Option<(usize, u8, u16, u16)>,
    recovery: RecoveryRecipe,
}

/// Engineers, which pools restart by hand (with batch size), which service
/// (if any) every manual restart requires, and per service an optional
/// standby: capacity percent, automatic failover.
#[derive(Clone, Debug)]
struct RecoveryRecipe {
    engineers: u8,
    manual: Vec<Option<u8>>,
    tool: Option<usize>,
    standbys: Vec<Option<(u8, bool)>>,
}

fn recipe() -> impl Strategy<Value = Recipe> {
    (1usize..4, 1usize..5, 1usize..7).prop_flat_map(|(utilities, halls, pools)| {
        (
            prop::collection::vec(0u8..30, utilities),
            prop::collection::vec(prop::collection::vec(0..utilities, 1..3), halls),
            prop::collection::vec((0..halls, 1u8..20, 0u8..60, 0u16..300), pools),
            prop::collection::vec(
                (0..pools, prop::collection::vec(0usize..8, 0..3), prop::collection::vec(0usize..8, 0..2)),
                1..8,
            ),
            prop::collection::vec((0usize..64, 0u16..2000, 1u16..600), 0..6),
            prop::option::of((0usize..8, 1u8..60, 1u16..300, 1u16..900)),
            (
                1u8..4,
                prop::collection::vec(prop::option::of(1u8..10), pools),
                prop::option::of(0usize..8),
                prop::collection::vec(prop::option::of((10u8..150, any::<bool>())), 8),
            ),
        )
            .prop_map(|(ups_minutes, hall_feeds, pools, services, outages, fire, recovery)| Recipe {
                ups_minutes,
                hall_feeds,
                pools,
                services,
                outages,
                fire,
                recovery: RecoveryRecipe {
                    engineers: recovery.0,
                    manual: recovery.1,
                    tool: recovery.2,
                    standbys: recovery.3,
                },
            })
    })
}

fn minutes(m: u64) -> SimDuration {
    SimDuration::from_minutes(m)
}

/// The recipe's scenario with only what recovers monotonically: boots in
/// fixed time, no broken servers, automatic restarts, no standbys or
/// failovers (the properties that compare two variants need these; why is
/// said at each of them).
fn build_monotone(r: &Recipe) -> ScenarioSpec {
    let mut spec = build(r);
    for p in &mut spec.pools {
        p.boot = Dist::Fixed(p.boot.mean());
        p.broken_fraction = 0.0;
        p.restart = RestartSpec::Automatic;
    }
    for s in &mut spec.services {
        s.deployments.retain(|d| !d.pool.starts_with("standby-"));
        s.failover = None;
    }
    spec
}

fn build(r: &Recipe) -> ScenarioSpec {
    let mut rooms = vec![RoomSpec { name: "elec".into(), kind: RoomKind::Electrical, ..Default::default() }];
    for (h, feeds) in r.hall_feeds.iter().enumerate() {
        let mut feeds: Vec<String> = feeds.iter().map(|u| format!("ups-{u}")).collect();
        feeds.sort();
        feeds.dedup();
        rooms.push(RoomSpec {
            name: format!("hall-{h}"),
            kind: RoomKind::DataHall,
            feeds,
            adjacent: if h == 0 { vec!["elec".into()] } else { vec![format!("hall-{}", h - 1)] },
            ..Default::default()
        });
    }
    let mut power = Vec::new();
    for (u, &m) in r.ups_minutes.iter().enumerate() {
        power.push(PowerSpec::Utility { name: format!("grid-{u}"), failures: None, tags: Vec::new() });
        power.push(PowerSpec::Ups {
            name: format!("ups-{u}"),
            room: "elec".into(),
            inputs: vec![format!("grid-{u}")],
            inputs_needed: 1,
            ride_through: minutes(u64::from(m)),
            failures: None,
            tags: Vec::new(),
        });
    }
    let RecoveryRecipe { engineers, manual, tool, standbys } = &r.recovery;
    let n_services_for_tool = r.services.len();
    let tool = tool.map(|t| format!("svc-{}", t % n_services_for_tool));
    let mut pools: Vec<PoolSpec> = r
        .pools
        .iter()
        .enumerate()
        .map(|(i, &(hall, servers, boot, broken))| PoolSpec {
            name: format!("pool-{i}"),
            room: format!("hall-{hall}"),
            servers: u64::from(servers),
            boot: Dist::Uniform { min: SimDuration::ZERO, max: minutes(u64::from(boot)) },
            broken_fraction: f64::from(broken) / 1000.0,
            repair: Dist::Exponential { mean: minutes(120) },
            restart: match manual[i] {
                Some(batch) => RestartSpec::Manual {
                    batch: u64::from(batch),
                    work: ManualSpec {
                        team: Some("ops".into()),
                        wait: None,
                        duration: Dist::Exponential { mean: minutes(20) },
                        requires: tool.iter().cloned().collect(),
                        without_requirements: Fallback::Wait,
                    },
                },
                None => RestartSpec::Automatic,
            },
            ..Default::default()
        })
        .collect();
    // Each service takes one server of its pool, so pools are never over-committed
    // as long as there are enough servers; take the share out of the pool size.
    let mut used = vec![0u64; pools.len()];
    let n_services = r.services.len();
    let services: Vec<ServiceSpec> = r
        .services
        .iter()
        .enumerate()
        .map(|(i, (pool, hard, soft))| {
            let pool = *pool % pools.len();
            let servers = if used[pool] < pools[pool].servers { 1 } else { 0 };
            used[pool] += servers;
            let name = |j: &usize| format!("svc-{}", j % n_services);
            let mut depends_on: Vec<String> = hard.iter().filter(|j| *j % n_services != i).map(name).collect();
            depends_on.sort();
            depends_on.dedup();
            let mut soft_names: Vec<String> =
                soft.iter().filter(|j| *j % n_services != i).map(name).filter(|n| !depends_on.contains(n)).collect();
            soft_names.sort();
            soft_names.dedup();
            ServiceSpec {
                name: format!("svc-{i}"),
                users: 1000 * (i as u64 + 1),
                priority: 1,
                demand: 1,
                deployments: vec![DeploymentSpec {
                    pool: pools[pool].name.clone(),
                    servers: Some(servers.max(1)),
                    ..Default::default()
                }],
                depends_on,
                soft_depends_on: soft_names
                    .into_iter()
                    .map(|s| SoftDependencySpec { service: s, impact: 0.5 })
                    .collect(),
                ..Default::default()
            }
        })
        .collect();
    // Pools may now be over-committed by the `max(1)`; grow them to fit.
    let mut demand = vec![0u64; pools.len()];
    for s in &services {
        let p = pools.iter().position(|p| p.name == s.deployments[0].pool).unwrap();
        demand[p] += 1;
    }
    for (p, d) in pools.iter_mut().zip(demand) {
        p.servers = p.servers.max(d);
    }
    // Standbys: a pool per standby deployment, in the last hall.
    let mut services = services;
    let last_hall = format!("hall-{}", r.hall_feeds.len() - 1);
    for (i, s) in services.iter_mut().enumerate() {
        let Some((capacity, automatic)) = standbys[i] else { continue };
        let pool = format!("standby-{i}");
        pools.push(PoolSpec { name: pool.clone(), room: last_hall.clone(), servers: 2, ..Default::default() });
        s.deployments.push(DeploymentSpec {
            pool,
            capacity: Some(f64::from(capacity) / 100.0),
            role: if automatic { Role::HotStandby } else { Role::WarmStandby },
            warmup: (!automatic).then(|| Dist::Fixed(minutes(15))),
            ..Default::default()
        });
        s.failover = Some(if automatic {
            FailoverSpec::Automatic {
                detection: Dist::Fixed(minutes(2)),
                switch: Dist::Exponential { mean: minutes(5) },
                requires: tool.iter().filter(|t| **t != s.name).cloned().collect(),
                otherwise: None,
            }
        } else {
            FailoverSpec::Manual(ManualSpec {
                team: Some("ops".into()),
                wait: None,
                duration: Dist::Exponential { mean: minutes(30) },
                requires: tool.iter().filter(|t| **t != s.name).cloned().collect(),
                without_requirements: Fallback::Slower(Dist::Exponential { mean: minutes(90) }),
            })
        });
    }
    let mut names: Vec<String> = rooms.iter().map(|r| r.name.clone()).collect();
    names.extend(power.iter().map(|p| p.name().to_owned()));
    names.extend(pools.iter().map(|p| p.name.clone()));
    names.extend(services.iter().map(|s| s.name.clone()));
    let mut hazards: Vec<HazardSpec> = r
        .outages
        .iter()
        .map(|&(target, at, len)| HazardSpec::Outage {
            target: names[target % names.len()].clone(),
            at: minutes(u64::from(at)),
            delay: None,
            duration: Some(Dist::Fixed(minutes(u64::from(len)))),
            probability: 1.0,
        })
        .collect();
    if let Some((room, spread, cut, out)) = r.fire {
        hazards.push(HazardSpec::Fire(FireSpec {
            room: rooms[room % rooms.len()].name.clone(),
            at: minutes(30),
            delay: None,
            fuel: Fuel::LithiumBattery,
            damage_after: Dist::Fixed(minutes(2)),
            spread: Some(SpreadSpec {
                after: Dist::Exponential { mean: minutes(u64::from(spread)) },
                probability: 0.5,
            }),
            power_cut: Some(PowerCutSpec { scope: CutScope::Site, after: Dist::Fixed(minutes(u64::from(cut))) }),
            extinguished_after: Dist::Fixed(minutes(u64::from(out))),
            restoration: RestorationSpec {
                inspection: Dist::Exponential { mean: minutes(60) },
                ..RestorationSpec::default()
            },
        }));
    }
    if hazards.is_empty() {
        hazards.push(HazardSpec::Outage {
            target: "grid-0".into(),
            at: minutes(10),
            delay: None,
            duration: None,
            probability: 1.0,
        });
    }
    ScenarioSpec {
        name: "generated".into(),
        horizon: SimDuration::from_days(3),
        sites: vec![SiteSpec { name: "site".into(), rooms, ..Default::default() }],
        power,
        pools,
        services,
        teams: vec![TeamSpec {
            name: "ops".into(),
            engineers: u32::from(*engineers),
            on_call: 1,
            arrival: Dist::Exponential { mean: minutes(30) },
            ..Default::default()
        }],
        disasters: vec![DisasterSpec { name: "d".into(), hazards, ..Default::default() }],
        ..Default::default()
    }
}

fn run(scenario: &Scenario, seed: u64) -> RunReport {
    Simulation::new(scenario, None).unwrap().run(&RunOptions::default().seed(seed)).unwrap()
}

fn check_invariants(report: &RunReport, spec: &ScenarioSpec) {
    let horizon = SimTime::from(report.horizon);
    // A deadlock is a cycle of services that are down at the end.
    for d in &report.deadlocks {
        assert!(d.services.len() >= 2 && d.services.first() == d.services.last(), "{d}");
        for name in &d.services {
            assert_eq!(report.service(name).unwrap().final_state, State::Down, "{d}");
        }
    }
    for w in report.timeline.windows(2) {
        assert!(w[0].at <= w[1].at, "timeline goes back in time");
    }
    for s in &report.services {
        assert!(s.downtime + s.degraded <= report.horizon, "{}: more down+degraded time than the run", s.name);
        let users = spec.services.iter().find(|x| x.name == s.name).unwrap().users as f64;
        assert!(s.user_hours_lost >= 0.0 && s.user_hours_lost <= users * report.horizon.as_hours_f64() * (1.0 + 1e-12));
        match s.first_impact {
            None => {
                assert_eq!(
                    (s.downtime, s.degraded, s.partial_recovery, s.full_recovery),
                    (SimDuration::ZERO, SimDuration::ZERO, None, None)
                );
                assert_eq!(s.final_state, State::Up);
            }
            Some(first) => {
                assert!(first <= horizon);
                if let Some(p) = s.partial_recovery {
                    assert!(first <= p && s.downtime > SimDuration::ZERO);
                }
                if let Some(f) = s.full_recovery {
                    assert!(first <= f);
                    assert!(s.partial_recovery.is_none_or(|p| p <= f));
                }
                assert_eq!(s.full_recovery.is_some(), s.final_state == State::Up);
            }
        }
        assert!(s.failovers == 0 || s.data_loss.is_some(), "{}: failed over without a data-loss window", s.name);
        // The timeline's last entry for the service agrees with the final state.
        if let Some(last) = report.timeline.iter().rev().find(|e| e.component == s.name) {
            assert_eq!(last.state, s.final_state, "{}", s.name);
        }
    }
    check_timeline(report, spec);
}

/// Replays the services' states along the timeline: the time each spends
/// down and degraded adds up to what the report says (so up + degraded +
/// down is the run), and at no instant is a service up while one of its
/// hard dependencies is down.
fn check_timeline(report: &RunReport, spec: &ScenarioSpec) {
    use std::collections::HashMap;
    let index: HashMap<&str, usize> = spec.services.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    let deps: Vec<Vec<usize>> = spec
        .services
        .iter()
        .map(|s| s.depends_on.iter().filter_map(|d| index.get(d.as_str()).copied()).collect())
        .collect();
    let mut state = vec![State::Up; spec.services.len()];
    let (mut down, mut degraded) = (vec![SimDuration::ZERO; state.len()], vec![SimDuration::ZERO; state.len()]);
    let mut last = SimTime::ZERO;
    let mut account = |state: &[State], from: SimTime, to: SimTime| {
        for (i, st) in state.iter().enumerate() {
            match st {
                State::Down => down[i] += to - from,
                State::Degraded => degraded[i] += to - from,
                State::Up => {}
            }
        }
    };
    let entries: Vec<_> = report.timeline.iter().filter(|e| index.contains_key(e.component.as_str())).collect();
    let mut k = 0;
    while k < entries.len() {
        let at = entries[k].at;
        account(&state, last, at);
        while k < entries.len() && entries[k].at == at {
            state[index[entries[k].component.as_str()]] = entries[k].state;
            k += 1;
        }
        for (i, st) in state.iter().enumerate() {
            if *st == State::Up {
                for &d in &deps[i] {
                    assert_ne!(
                        state[d],
                        State::Down,
                        "at {at}: '{}' is up while its hard dependency '{}' is down",
                        spec.services[i].name,
                        spec.services[d].name
                    );
                }
            }
        }
        last = at;
    }
    account(&state, last, SimTime::from(report.horizon));
    for (i, s) in spec.services.iter().enumerate() {
        let outcome = report.service(&s.name).unwrap();
        assert_eq!((down[i], degraded[i]), (outcome.downtime, outcome.degraded), "{}: timeline and totals", s.name);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn loading_arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = Scenario::from_ron_str(&text);
    }

    #[test]
    fn loading_a_mutated_scenario_never_panics(cut in 0usize..MINIMAL.len(), len in 0usize..40, insert in "[\\[\\](){}\",:a-z0-9 .-]{0,8}") {
        let mut src = MINIMAL.as_bytes().to_vec();
        let end = (cut + len).min(src.len());
        src.splice(cut..end, insert.bytes());
        if let Ok(text) = String::from_utf8(src)
            && let Err(e) = Scenario::from_ron_str(&text)
        {
            // Every problem has a position inside the text.
            let lines = text.lines().count().max(1) + 1;
            for d in e.diagnostics() {
                let p = d.position.expect("text input gives positions");
                prop_assert!(p.line >= 1 && p.line <= lines && p.column >= 1, "{d}");
            }
        }
    }

    #[test]
    fn generated_runs_keep_their_invariants_and_are_reproducible(r in recipe(), seed in any::<u64>()) {
        let spec = build(&r);
        let scenario = Scenario::from_spec(spec.clone()).unwrap_or_else(|e| panic!("generated scenario invalid:\n{e}\n{r:?}"));
        let report = run(&scenario, seed);
        check_invariants(&report, &spec);
        prop_assert_eq!(report.to_json(), run(&scenario, seed).to_json());
    }

    #[test]
    fn a_hot_standby_never_lengthens_its_services_downtime(r in recipe(), seed in any::<u64>(), pick in any::<usize>()) {
        // With common random numbers, giving one service a hot standby at
        // full capacity in another hall (automatic failover, fixed
        // detection and switch) can only shorten its downtime: the standby
        // only adds capacity, and the failover waits for nothing. As for the
        // feeds below, boots are fixed and restarts automatic (manual
        // recovery is not monotone), and the hazards are the same: the
        // variant is built from the same spec, not from the recipe.
        let spec = build_monotone(&r);
        let k = pick % spec.services.len();
        let mut with_standby = spec.clone();
        let halls: Vec<String> = with_standby.sites[0]
            .rooms
            .iter()
            .filter(|room| room.kind == RoomKind::DataHall)
            .map(|room| room.name.clone())
            .collect();
        let own = with_standby.pools.iter().find(|p| p.name == with_standby.services[k].deployments[0].pool).unwrap();
        let hall = halls.iter().find(|h| **h != own.room).unwrap_or(&halls[0]).clone();
        let demand = with_standby.services[k].demand;
        with_standby.pools.push(PoolSpec {
            name: "hot-standby".into(),
            room: hall,
            servers: demand,
            boot: Dist::Fixed(minutes(5)),
            ..Default::default()
        });
        let service = &mut with_standby.services[k];
        service.deployments.push(DeploymentSpec { pool: "hot-standby".into(), role: Role::HotStandby, ..Default::default() });
        service.failover = Some(FailoverSpec::Automatic {
            detection: Dist::Fixed(minutes(2)),
            switch: Dist::Fixed(minutes(3)),
            requires: Vec::new(),
            otherwise: None,
        });
        let base = run(&Scenario::from_spec(spec).unwrap(), seed);
        let better = run(&Scenario::from_spec(with_standby).unwrap(), seed);
        let (a, b) = (&base.services[k], &better.services[k]);
        prop_assert!(b.downtime <= a.downtime, "{}: {} alone, {} with a hot standby", a.name, a.downtime, b.downtime);
    }

    #[test]
    fn a_second_feed_never_adds_downtime(r in recipe(), seed in any::<u64>()) {
        // Same hazards, same random streams (they are keyed by element
        // name): feeding every hall from every UPS can only help. Pools boot
        // in fixed time here: with random boots a pool spared one power loss
        // draws its next boot time from a different place in its stream, and
        // that boot may be longer, so only the deterministic case is monotone.
        //
        // Manual recovery is left out too: it is not monotone. A pool whose
        // power returns earlier queues its restart earlier and may take the
        // engineer another pool needed; a standby switched in during an
        // outage stays in use and softens a later one that redundancy would
        // not have avoided.
        let spec = build_monotone(&r);
        let mut redundant = spec.clone();
        let all: Vec<String> = (0..r.ups_minutes.len()).map(|u| format!("ups-{u}")).collect();
        for room in &mut redundant.sites[0].rooms {
            if room.kind == RoomKind::DataHall {
                room.feeds = all.clone();
            }
        }
        let base = run(&Scenario::from_spec(spec).unwrap(), seed);
        let better = run(&Scenario::from_spec(redundant).unwrap(), seed);
        for (a, b) in base.services.iter().zip(&better.services) {
            prop_assert!(b.downtime <= a.downtime, "{}: {} with one feed, {} with all", a.name, a.downtime, b.downtime);
        }
    }
}

/// Two shards of a small study with a threshold, as `outage mc --summary` writes them.
fn shard_summaries() -> (String, String) {
    static SHARDS: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    SHARDS.get_or_init(make_shard_summaries).clone()
}

fn make_shard_summaries() -> (String, String) {
    use outage::study::Study;
    let scenario = Scenario::from_ron_str(MINIMAL).unwrap();
    let shard = |i| {
        let study = Study::new(&scenario).runs(40).seed(3).shard(i, 2).threshold(
            outage::objective::Metric::Downtime,
            outage::objective::Amount::Duration(SimDuration::from_hours(6)),
        );
        study.summarise().unwrap().to_json()
    };
    (shard(0), shard(1))
}

/// The byte ranges of the numbers in a JSON text.
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = (bytes[i].is_ascii_digit() || bytes[i] == b'-') && i > 0 && b":,[".contains(&bytes[i - 1]);
        if starts {
            let end = (i..bytes.len())
                .find(|&j| !(bytes[j].is_ascii_alphanumeric() || b".+-".contains(&bytes[j])))
                .unwrap_or(bytes.len());
            spans.push((i, end));
            i = end;
        } else {
            i += 1;
        }
    }
    spans
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Summaries are untrusted input: with any number in them replaced by
    /// anything, reading, merging and reporting give an answer or an error,
    /// never a panic (or a runaway allocation, which would abort).
    #[test]
    fn doctored_summaries_never_panic(
        which in any::<prop::sample::Index>(),
        in_first in any::<bool>(),
        value in prop_oneof![
            Just("0".to_owned()), Just("1".to_owned()), Just("-1".to_owned()),
            Just("18446744073709551615".to_owned()), Just("4294967296".to_owned()),
            Just("2147483647".to_owned()), Just("-2147483648".to_owned()),
            Just("1e300".to_owned()), Just("0.5".to_owned()),
            any::<u64>().prop_map(|x| x.to_string()), any::<i32>().prop_map(|x| x.to_string()),
        ],
    ) {
        use outage::study::StudySummary;
        let (a, b) = shard_summaries();
        let target = if in_first { &a } else { &b };
        let spans = number_spans(target);
        let (start, end) = spans[which.index(spans.len())];
        let doctored = format!("{}{}{}", &target[..start], value, &target[end..]);
        let (x, y) = if in_first { (doctored, b) } else { (a, doctored) };
        if let (Ok(x), Ok(y)) = (StudySummary::from_json(&x), StudySummary::from_json(&y))
            && let Ok(merged) = StudySummary::merge(&[x, y])
        {
            let report = merged.report(0.95);
            let _ = (report.to_json(), report.to_csv(), report.to_table(outage::objective::Metric::Downtime));
        }
    }
}

#[test]
fn doctored_summaries_are_refused_with_a_reason() {
    use outage::study::StudySummary;
    let (a, b) = shard_summaries();
    // serde_json's Value holds integers up to u64: sums of squares past that
    // are kept as strings while the summary is doctored, then put back.
    let (protected, big) = protect_big_integers(&a);
    let v: serde_json::Value = serde_json::from_str(&protected).unwrap();
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = v.clone();
        f(&mut v);
        let text = restore_big_integers(&v.to_string(), &big);
        StudySummary::from_json(&text).map(|_| ()).map_err(|e| e.to_string())
    };
    fn metric(v: &mut serde_json::Value) -> &mut serde_json::Value {
        v.pointer_mut("/disasters/0/1/services/0/metrics/0").expect("a first metric")
    }
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    // What was doctored, how, and the words of the refusal that name it.
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("min > max", Box::new(|v| metric(v)["min"] = 999_999_999_999u64.into()), "sum, minimum and maximum"),
        (
            "more runs above a threshold than runs",
            Box::new(|v| metric(v)["above"] = serde_json::json!([5000])),
            "counts 5000 runs above a threshold, out of 20",
        ),
        (
            "a bin key past the largest",
            Box::new(|v| metric(v)["sketch"]["bins"] = serde_json::json!([[1_000_000, 20]])),
            "keys rising from 0",
        ),
        (
            "a sketch of the wrong size",
            Box::new(|v| metric(v)["sketch"]["zeros"] = 7.into()),
            "sketch of 27 runs, not 20",
        ),
        (
            "a run count that is not the ranges'",
            Box::new(|v| v["disasters"][0][1]["runs"] = 41.into()),
            "counts 41 runs, but its run ranges hold 20",
        ),
        (
            "a metric missing",
            Box::new(|v| {
                v["disasters"][0][1]["services"][0]["metrics"].as_array_mut().unwrap().pop();
            }),
            "has 6 metrics, not 7",
        ),
        (
            "a service missing",
            Box::new(|v| {
                v["disasters"][0][1]["services"].as_array_mut().unwrap().pop();
            }),
            "has 1 services, not 2",
        ),
        ("a range past the study", Box::new(|v| v["run_ranges"] = serde_json::json!([[0, 4000]])), "run range 0..4000"),
        ("an old format", Box::new(|v| v["format"] = 1.into()), "format 1 is not supported"),
    ];
    for (what, f, reason) in cases {
        let e = edit(&*f).expect_err(what);
        assert!(e.contains("summary") && e.contains(reason), "{what}: {e}");
    }
    // Untouched, they merge.
    let merged = StudySummary::merge(&[StudySummary::from_json(&a).unwrap(), StudySummary::from_json(&b).unwrap()]);
    assert!(merged.unwrap().is_complete());
}

#[test]
fn summary_refusals_have_kinds_a_program_can_match() {
    use outage::study::{StudySummary, SummaryErrorKind};
    let (a, _) = shard_summaries();
    let a = StudySummary::from_json(&a).unwrap();
    // The same shard twice covers its runs twice.
    let twice = StudySummary::merge(&[a.clone(), a.clone()]).unwrap_err();
    assert!(matches!(twice.kind, SummaryErrorKind::Overlap { first, second } if first == second), "{twice}");
    assert!(matches!(StudySummary::merge(&[]).unwrap_err().kind, SummaryErrorKind::NothingToMerge));
    let mut old: serde_json::Value = serde_json::from_str(&a.to_json()).unwrap();
    old["format"] = 2.into();
    let old = StudySummary::from_json(&old.to_string()).unwrap_err();
    assert!(matches!(old.kind, SummaryErrorKind::UnsupportedFormat { found: 2, expected: 3 }), "{old}");
    let missing = StudySummary::from_path("no-such-summary.json").unwrap_err();
    assert!(matches!(missing.kind, SummaryErrorKind::Unreadable(_)), "{missing}");
    assert_eq!(missing.path.as_deref(), Some(std::path::Path::new("no-such-summary.json")));
    assert!(missing.to_string().starts_with("no-such-summary.json: cannot read: "), "{missing}");
}
