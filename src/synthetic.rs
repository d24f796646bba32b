//! Synthetic scenarios for benchmarks and experiments.

use crate::dist::Dist;
use crate::scenario::spec::*;
use crate::time::SimDuration;

/// The classic machine-repair model: `components` single-server pools that
/// fail and are repaired at exponential times, grouped `per_room` to a data
/// hall whose own failures take all its pools down. One grid feed powers
/// every hall; one service runs on the first pool. Mean times: components
/// fail every 100 h and take 2 h to repair; halls fail every 2,000 h and
/// take 8 h.
///
/// # Panics
/// If `components` or `per_room` is zero.
///
/// # Examples
/// ```
/// use outage::{synthetic, RunOptions, Scenario, SimDuration, Simulation};
/// let scenario = Scenario::from_spec(synthetic::machine_repair(1_000, 100))?;
/// let mut sim = Simulation::new(&scenario, None)?; // no disaster: random failures only
/// let report = sim.run(&RunOptions::default().horizon(SimDuration::from_days(30)).timeline(false))?;
/// assert!(report.events > 10_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn machine_repair(components: usize, per_room: usize) -> ScenarioSpec {
    assert!(components > 0 && per_room > 0, "a machine-repair model needs components and rooms");
    let exp = |hours| Dist::Exponential { mean: SimDuration::from_hours(hours) };
    let rooms = components.div_ceil(per_room);
    ScenarioSpec {
        name: format!("machine-repair-{components}"),
        description: "Components that fail and are repaired at random, grouped under halls that fail too.".into(),
        horizon: SimDuration::from_days(365),
        sites: vec![SiteSpec {
            name: "site".into(),
            rooms: (0..rooms)
                .map(|r| RoomSpec {
                    name: format!("room-{r}"),
                    kind: RoomKind::DataHall,
                    feeds: vec!["grid".into()],
                    failures: Some(Failures { time_to_failure: exp(2_000), time_to_repair: exp(8) }),
                    ..RoomSpec::default()
                })
                .collect(),
            ..SiteSpec::default()
        }],
        power: vec![PowerSpec::Utility { name: "grid".into(), failures: None, tags: Vec::new() }],
        pools: (0..components)
            .map(|i| PoolSpec {
                name: format!("m-{i}"),
                room: format!("room-{}", i / per_room),
                servers: 1,
                failures: Some(Failures { time_to_failure: exp(100), time_to_repair: exp(2) }),
                ..PoolSpec::default()
            })
            .collect(),
        services: vec![ServiceSpec {
            name: "probe".into(),
            users: 1,
            priority: 1,
            demand: 1,
            deployments: vec![DeploymentSpec { pool: "m-0".into(), ..DeploymentSpec::default() }],
            ..ServiceSpec::default()
        }],
        ..ScenarioSpec::default()
    }
}
