//! Example: "what if the data hall had a second power feed?"
//!
//! This example demonstrates:
//! - editing a loaded scenario's description in code (variants),
//! - running the variants over the same seeds (common random numbers: all
//!   see the same fire, so the differences come from the variants),
//! - studying each with [`outage::study::Study`] and comparing downtime
//!   (mean with its interval, and p95), and finding a hidden single point of failure:
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

use outage::Scenario;
use outage::objective::Metric;
use outage::scenario::spec::{PowerSpec, RoomKind, RoomSpec};
use outage::study::Study;

const RUNS: u64 = 1_000;

/// Web's downtime over the same seeded runs of the battery fire: mean with
/// its 95% interval, and the 95th percentile, in hours.
fn downtime(scenario: &Scenario) -> Result<String, Box<dyn std::error::Error>> {
    let report = Study::new(scenario).runs(RUNS).seed(1).disaster("battery-fire").run()?;
    let web = report.disaster("battery-fire").and_then(|d| d.service("web")).expect("minimal.ron has web");
    let d = web.metric(Metric::Downtime);
    Ok(format!("mean {:5.2} h ({:.2}-{:.2}), p95 {:5.2} h", d.mean, d.mean_low, d.mean_high, d.p95))
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
    spec.power.push(PowerSpec::Utility { name: "grid-b".into(), failures: None, tags: Vec::new() });
    spec.power.push(PowerSpec::Switchboard {
        name: "feed-b".into(),
        room: "electrical-b".into(),
        inputs: vec!["grid-b".into()],
        inputs_needed: 1,
        failures: None,
        tags: Vec::new(),
    });
    let b_feed = Scenario::from_spec(spec.clone())?;

    // Variant 2: the cooling unit can draw power from the B feed as well.
    spec.name = "minimal-dual-feed-cooling".into();
    spec.cooling[0].power.push("feed-b".into());
    let b_feed_cooling = Scenario::from_spec(spec)?;

    println!("downtime of 'web' over {RUNS} runs of the battery fire:");
    println!("  one feed (UPS in the burning room): {}", downtime(&baseline)?);
    println!("  A + B feeds for the servers:        {}", downtime(&b_feed)?);
    println!("  ... and for the cooling unit:       {}", downtime(&b_feed_cooling)?);
    Ok(())
}
