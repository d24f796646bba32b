//! Example: "what if the data hall had a second power feed?"
//!
//! This example demonstrates:
//! - editing a loaded scenario's description in code (variants),
//! - running the variants over the same seeds (common random numbers: all
//!   see the same fire, so the differences come from the variants),
//! - comparing mean downtime, and finding a hidden single point of failure:
//!   a B feed for the servers is not enough while the hall's cooling unit
//!   still draws its power through the burning room.
//!
//! ```text
//!   baseline:   grid + diesel ──► ups ───────────────► hall (servers, crah)
//!   B feed:     grid-b ─────────► feed-b (other room) ──► hall servers
//!   B feed and cooling on it:     feed-b ──────────────► crah too
//! ```
//!
//! Run with `cargo run --release --example dual_feed_what_if`.

use outage::scenario::spec::{PowerSpec, RoomKind, RoomSpec};
use outage::{RunOptions, Scenario, SimDuration, Simulation};

const RUNS: u64 = 1_000;

fn mean_downtime(scenario: &Scenario, service: &str) -> Result<SimDuration, Box<dyn std::error::Error>> {
    let mut sim = Simulation::new(scenario, Some("battery-fire"))?;
    let mut total_ms = 0u128;
    for run in 0..RUNS {
        let report = sim.run(&RunOptions::default().seed(1).run(run).timeline(false))?;
        total_ms += u128::from(report.service(service).expect("service exists").downtime.as_millis());
    }
    Ok(SimDuration::from_millis((total_ms / u128::from(RUNS)) as u64))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let baseline = Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/minimal.ron"))?;

    // Variant 1: a second utility feed through a switchboard in a room of
    // its own, far from the battery fire, as the hall's B feed.
    let mut spec = baseline.spec().clone();
    spec.name = "minimal-dual-feed".into();
    let site = &mut spec.sites[0];
    site.rooms.push(RoomSpec { name: "electrical-b".into(), kind: RoomKind::Electrical, ..Default::default() });
    site.rooms.iter_mut().find(|r| r.name == "hall").expect("hall").feeds.push("feed-b".into());
    spec.power.push(PowerSpec::Utility { name: "grid-b".into(), failures: None });
    spec.power.push(PowerSpec::Switchboard {
        name: "feed-b".into(),
        room: "electrical-b".into(),
        inputs: vec!["grid-b".into()],
        failures: None,
    });
    let b_feed = Scenario::from_spec(spec.clone())?;

    // Variant 2: the cooling unit can draw power from the B feed as well.
    spec.name = "minimal-dual-feed-cooling".into();
    spec.cooling[0].power.push("feed-b".into());
    let b_feed_cooling = Scenario::from_spec(spec)?;

    println!("mean downtime of 'web' over {RUNS} runs of the battery fire:");
    println!("  one feed (UPS in the burning room): {}", mean_downtime(&baseline, "web")?);
    println!("  A + B feeds for the servers:        {}", mean_downtime(&b_feed, "web")?);
    println!("  ... and for the cooling unit:       {}", mean_downtime(&b_feed_cooling, "web")?);
    Ok(())
}
