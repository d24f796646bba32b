//! Example: "what if the data hall had a second power feed?"
//!
//! This example demonstrates:
//! - variants as patches of a loaded scenario ([`Scenario::patched`]),
//! - a paired comparison ([`outage::study::Compare`]): every variant sees the
//!   same fire in run K, so the difference is the variant's own effect, with
//!   its interval and the variance reduction pairing bought,
//! - a hidden single point of failure: a B feed for the servers is not
//!   enough while the hall's cooling unit still draws its power through the
//!   burning room.
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
use outage::scenario::Patch;
use outage::study::Compare;

const RUNS: u64 = 1_000;

fn patches(list: &[&str]) -> Result<Vec<Patch>, String> {
    list.iter().map(|p| p.parse()).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let baseline = Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/minimal.ron"))?;

    // A second utility feed through a switchboard in a room of its own, far
    // from the battery fire, as the hall's B feed.
    let b_feed_patches = patches(&[
        r#"sites.dc1.rooms+=Room(name: "electrical-b", kind: Electrical)"#,
        r#"sites.dc1.rooms.hall.feeds+="feed-b""#,
        r#"power+=Utility(name: "grid-b")"#,
        r#"power+=Switchboard(name: "feed-b", room: "electrical-b", inputs: ["grid-b"])"#,
    ])?;
    let b_feed = baseline.patched(&b_feed_patches)?;
    // ... and the cooling unit can draw power from the B feed as well.
    let b_feed_cooling = b_feed.patched(&patches(&[r#"cooling.crah.power+="feed-b""#])?)?;

    let report = Compare::new(&baseline)
        .variant("A + B feeds for the servers", &b_feed)
        .variant("... and for the cooling unit", &b_feed_cooling)
        .runs(RUNS)
        .seed(1)
        .run()?;
    println!("downtime of 'web' over {RUNS} paired runs of the battery fire (hours):");
    println!("  {:<32} {:>9} {:>9} {:>9} {:>18}  pairing", "variant", "baseline", "variant", "change", "95% interval");
    for variant in ["A + B feeds for the servers", "... and for the cooling unit"] {
        let r = report.row(variant, "battery-fire", "web", Metric::Downtime).expect("minimal.ron has web");
        // What pairing bought, worded as `outage compare` words it.
        println!(
            "  {variant:<32} {:>9.2} {:>9.2} {:>+9.2} {:>18}  {}",
            r.baseline,
            r.value,
            r.difference,
            format!("{:+.2} to {:+.2}", r.difference_low, r.difference_high),
            r.pairing()
        );
    }
    Ok(())
}
