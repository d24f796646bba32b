//! Example: do the bundled incident replays match what was reported?
//!
//! This example demonstrates:
//! - checking a scenario against reported milestones (`*.milestones.ron`),
//! - the median and 10-90% band of each milestone over seeded runs,
//! - a non-zero exit when a milestone is out of tolerance (25%, or outside
//!   the snapshot window for "by" milestones).
//!
//! Run with `cargo run --release --example replay_check [milestones files...]`
//! (default: every `scenarios/*.milestones.ron`).

use std::path::PathBuf;
use std::process::ExitCode;

use outage::milestones::{self, Precision};

fn hours(d: outage::SimDuration) -> String {
    format!("{:.1}h", d.as_hours_f64())
}

fn main() -> ExitCode {
    let mut files: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
        files = std::fs::read_dir(&dir)
            .expect("scenarios/ exists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".milestones.ron"))
            .collect();
        files.sort();
    }
    let mut failed = 0;
    for path in &files {
        let file = match milestones::load(path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let (scenario, results) = match milestones::check(path, &file) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        println!("\n{} ({} runs, seed {})", scenario.name(), file.runs, file.seed);
        println!(
            "{:<42} {:>9} {:>14} {:>9} {:>17} {:>8}  verdict",
            "milestone", "reported", "precision", "median", "10-90% band", "error"
        );
        for r in &results {
            let precision = match &r.milestone.precision {
                Precision::Minute => "minute".to_owned(),
                Precision::Approx => "approx".to_owned(),
                Precision::By { not_before } => format!("by, after {}", hours(*not_before)),
                Precision::Day { .. } => "day".to_owned(),
            };
            let verdict = if r.pass { "ok" } else { "OFF" };
            let unreached = if r.not_reached > 0 { format!(" ({} runs never)", r.not_reached) } else { String::new() };
            println!(
                "{:<42} {:>9} {:>14} {:>9} {:>17} {:>+7.0}%  {verdict}{unreached}",
                r.milestone.name,
                hours(r.milestone.reported),
                precision,
                hours(r.median),
                format!("{}-{}", hours(r.p10), hours(r.p90)),
                r.relative_error * 100.0,
            );
            failed += usize::from(!r.pass);
        }
    }
    if failed > 0 {
        eprintln!("\n{failed} milestone(s) out of tolerance");
        ExitCode::FAILURE
    } else {
        println!("\nevery milestone within tolerance");
        ExitCode::SUCCESS
    }
}
