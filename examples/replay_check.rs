//! Example: do the bundled incident replays match what was reported?
//!
//! This example demonstrates:
//! - checking a scenario against reported milestones (`*.milestones.ron`),
//! - the median and 5-95% band of each milestone over seeded runs, and how
//!   many reported times fall inside their band,
//! - a non-zero exit when a milestone is out of tolerance (25%, or outside
//!   the snapshot window for "by" milestones).
//!
//! `outage milestones <file>...` does the same for any milestones file;
//! this example runs it on every `scenarios/*.milestones.ron`.
//!
//! Run with `cargo run --release --example replay_check [milestones files...]`.

use std::path::PathBuf;
use std::process::ExitCode;

use outage::milestones;

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
        let result = milestones::load(path).and_then(|file| milestones::check(path, &file).map(|r| (file, r)));
        let (file, (scenario, results)) = match result {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        println!("\n{}", milestones::to_table(&scenario, &file, &results));
        failed += results.iter().filter(|r| !r.pass).count();
    }
    if failed > 0 {
        eprintln!("\n{failed} milestone(s) out of tolerance");
        ExitCode::FAILURE
    } else {
        println!("\nevery milestone within tolerance");
        ExitCode::SUCCESS
    }
}
