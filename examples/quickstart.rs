//! Example: replay the bundled minimal scenario.
//!
//! This example demonstrates:
//! - loading and validating a scenario file,
//! - replaying each of its disasters with a seed,
//! - reading per-service outcomes from the report.
//!
//! ```text
//!     grid ──┐
//!            ├──► ups ──► hall ──► web-servers ──► web ──needs──► db
//!   diesel ──┘   (electrical)  └─► db-servers ──► db
//! ```
//!
//! Run with `cargo run --example quickstart`.

use outage::{RunOptions, Scenario, Simulation};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scenario = Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/minimal.ron"))?;
    for disaster in scenario.disasters() {
        let mut sim = Simulation::new(&scenario, Some(disaster.name()))?;
        let report = sim.run(&RunOptions::default().seed(42))?;
        print!("{}", report.to_table(false));
        let web = report.service("web").expect("minimal.ron has a web service");
        println!("=> web was down for {} and lost {:.0} user-hours\n", web.downtime, web.user_hours_lost);
    }
    Ok(())
}
