//! Example: the Kakao fire as it was, against three remedies.
//!
//! This example demonstrates:
//! - the variants a scenario declares (`variants` in
//!   `scenarios/kakao_pangyo_2022.ron`): dual-homed operations tools, an
//!   automatic cross-site traffic switch, a standby sized for the whole
//!   load,
//! - a paired comparison of each with the fire as it was
//!   ([`outage::study::Compare`]), for messaging and for login,
//! - why none of them alone brings messaging back much sooner: it needs
//!   login, which lived only in Pangyo.
//!
//! Run with `cargo run --release --example kakao_remedies`.

use outage::Scenario;
use outage::objective::Metric;
use outage::study::Compare;

const RUNS: u64 = 1_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let kakao = Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/kakao_pangyo_2022.ron"))?;
    let variants: Vec<(String, Scenario)> =
        kakao.variant_names().map(|n| Ok((n.to_owned(), kakao.variant(n)?))).collect::<Result<_, outage::Error>>()?;
    let mut compare = Compare::new(&kakao).runs(RUNS).seed(2022);
    for (name, v) in &variants {
        compare = compare.variant(name.clone(), v);
    }
    let report = compare.run()?;
    println!("the B3 battery-room fire, {RUNS} paired runs: mean downtime (hours)");
    println!(
        "{:<26} {:<20} {:>9} {:>9} {:>9} {:>18}  pairing",
        "remedy", "service", "as it was", "remedy", "change", "95% interval"
    );
    for (name, _) in &variants {
        for service in ["kakaotalk-messaging", "kakao-auth"] {
            let r = report.row(name, "b3-battery-fire", service, Metric::Downtime).expect("kakao has both");
            // What pairing bought, worded as `outage compare` words it.
            println!(
                "{name:<26} {service:<20} {:>9.2} {:>9.2} {:>+9.2} {:>18}  {}",
                r.baseline,
                r.value,
                r.difference,
                format!("{:+.2} to {:+.2}", r.difference_low, r.difference_high),
                r.pairing()
            );
        }
    }
    Ok(())
}
