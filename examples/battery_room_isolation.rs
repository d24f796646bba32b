//! Example: a battery-room fire with and without per-zone power isolation.
//!
//! This example demonstrates:
//! - a one-line variant of a real replay: in the Kakao scenario the fire
//!   brigade cut the whole building's power (`scope: Site`); with the power
//!   isolated zone by zone, only the burning rooms would be cut
//!   (`scope: BurningRooms`),
//! - a paired comparison over the same fires, for the services with the
//!   most users.
//!
//! Run with `cargo run --release --example battery_room_isolation`.

use outage::Scenario;
use outage::objective::Metric;
use outage::study::Compare;

const RUNS: u64 = 500;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let kakao = Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/kakao_pangyo_2022.ron"))?;
    let isolated = kakao.patched(&["disasters.b3-battery-fire.hazards.0.power_cut.scope=BurningRooms".parse()?])?;
    let report = Compare::new(&kakao).variant("per-zone isolation", &isolated).runs(RUNS).seed(7).run()?;
    println!("the B3 battery-room fire, whole-building cut vs per-zone isolation ({RUNS} paired runs)");
    println!("{:<22} {:>12} {:>12} {:>9} {:>18}", "service", "site cut (h)", "isolated (h)", "change", "95% interval");
    for service in ["kakaotalk-messaging", "kakao-auth", "daum", "kakao-t", "kakao-pay"] {
        let r =
            report.row("per-zone isolation", "b3-battery-fire", service, Metric::Downtime).expect("a Kakao service");
        println!(
            "{service:<22} {:>12.2} {:>12.2} {:>+9.2} {:>18}",
            r.baseline,
            r.value,
            r.difference,
            format!("{:+.2} to {:+.2}", r.difference_low, r.difference_high)
        );
    }
    Ok(())
}
