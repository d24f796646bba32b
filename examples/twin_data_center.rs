//! Example: one data center or two?
//!
//! This example demonstrates:
//! - building a design variant with patches: `scenarios/minimal.ron` plus a
//!   twin site with its own grid feed, UPS and hall, hot standbys for web and
//!   db, and automatic failover (db replicating asynchronously),
//! - a paired comparison of the two designs in both of the scenario's
//!   disasters, and the price of the twin: a few seconds of writes lost at
//!   failover.
//!
//! ```text
//!   dc1:  grid + diesel ──► ups ──► hall   (web, db active)
//!   dc2:  grid-2 ─────────► ups-2 ─► hall-2 (web, db hot standby)
//! ```
//!
//! Run with `cargo run --release --example twin_data_center`.

use outage::Scenario;
use outage::objective::Metric;
use outage::scenario::Patch;
use outage::study::Compare;

const RUNS: u64 = 1_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let single = Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/minimal.ron"))?;
    let twin: Vec<Patch> = [
        r#"sites+=Site(name: "dc2", region: "example", rooms: [Room(name: "electrical-2", kind: Electrical), Room(name: "hall-2", kind: DataHall, feeds: ["ups-2"])])"#,
        r#"power+=Utility(name: "grid-2")"#,
        r#"power+=Ups(name: "ups-2", room: "electrical-2", inputs: ["grid-2"], ride_through: "10m")"#,
        r#"pools+=Pool(name: "web-2", room: "hall-2", servers: 40, boot: Fixed("10m"))"#,
        r#"pools+=Pool(name: "db-2", room: "hall-2", servers: 8, boot: Fixed("20m"))"#,
        r#"services.web.deployments+=(pool: "web-2", role: HotStandby)"#,
        r#"services.web.failover=Automatic(detection: Fixed("2m"), switch: Fixed("3m"))"#,
        r#"services.db.deployments+=(pool: "db-2", role: HotStandby)"#,
        r#"services.db.failover=Automatic(detection: Fixed("2m"), switch: Fixed("3m"))"#,
        r#"services.db.replication=Asynchronous(lag: Exponential(mean: "5s"))"#,
    ]
    .iter()
    .map(|p| p.parse())
    .collect::<Result<_, _>>()?;
    let twin = single.patched(&twin)?;
    let report = Compare::new(&single)
        .variant("twin", &twin)
        .metrics(&[Metric::Downtime, Metric::DataLoss])
        .runs(RUNS)
        .seed(5)
        .run()?;
    println!("one data center or two? {RUNS} paired runs per disaster (hours)");
    println!(
        "{:<14} {:<8} {:<10} {:>9} {:>9} {:>9} {:>20}",
        "disaster", "service", "metric", "single", "twin", "change", "95% interval"
    );
    for disaster in ["battery-fire", "grid-outage"] {
        for service in ["web", "db"] {
            for metric in [Metric::Downtime, Metric::DataLoss] {
                let r = report.row("twin", disaster, service, metric).expect("minimal has both");
                println!(
                    "{disaster:<14} {service:<8} {:<10} {:>9.4} {:>9.4} {:>+9.4} {:>20}",
                    metric.as_str(),
                    r.baseline,
                    r.value,
                    r.difference,
                    format!("{:+.4} to {:+.4}", r.difference_low, r.difference_high)
                );
            }
        }
    }
    Ok(())
}
