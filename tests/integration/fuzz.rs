//! A mutation fuzzer for the loader, the validator and the engine: every
//! bundled scenario mutated at the byte, token, number, name and structure
//! level, loaded, and when it loads, run once per disaster. Nothing may
//! panic; runs are bounded by an event budget so that nothing hangs.
//!
//! A thousand cases run in every `cargo test` (the other surfaces, and
//! generated scenarios mutated, are in `fuzz_surfaces`); set
//! `OUTAGE_FUZZ_CASES` for more. The campaign over every surface is
//! `tests/fuzz_campaign.rs`. A failing case is written to the test's
//! temporary directory with its seed.

use std::panic::{AssertUnwindSafe, catch_unwind};

use outage::{RunOptions, Scenario, Simulation};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CORPUS: [&str; 6] = [
    include_str!("../../scenarios/minimal.ron"),
    include_str!("../../scenarios/tooling_deadlock.ron"),
    include_str!("../../scenarios/utility_disturbance.ron"),
    include_str!("../../scenarios/hall_battery_fire.ron"),
    include_str!("../../scenarios/samsung_sds_gwacheon_2014.ron"),
    include_str!("../../scenarios/kakao_pangyo_2022.ron"),
];

/// The mutations, shared with the other surfaces and the campaign (and
/// used on milestone files by `untrusted`).
pub(crate) use crate::fuzz_gen::mutate;

/// Loads `text` and, when it loads, runs each disaster once with a small
/// event budget. Errors are fine; panics are not.
fn exercise(text: &str) {
    let Ok(scenario) = Scenario::from_ron_str(text) else { return };
    let _ = scenario.warnings();
    for disaster in scenario.disasters() {
        let Ok(mut sim) = Simulation::new(&scenario, Some(disaster.name())) else { continue };
        let _ = sim.run(&RunOptions::default().max_events(20_000).max_timeline(20_000));
    }
}

#[test]
fn mutated_scenarios_never_panic() {
    let cases: u64 = std::env::var("OUTAGE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000);
    let mut failures = Vec::new();
    for case in 0..cases {
        let mut rng = ChaCha8Rng::seed_from_u64(case);
        // Mostly the small scenarios: they load fastest.
        let pick = if rng.random_bool(0.8) { rng.random_range(0..3) } else { rng.random_range(0..CORPUS.len()) };
        let text = mutate(CORPUS[pick], &mut rng);
        if catch_unwind(AssertUnwindSafe(|| exercise(&text))).is_err() {
            let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-case-{case}.ron"));
            std::fs::write(&path, &text).unwrap();
            failures.push(path.display().to_string());
        }
        if cases >= 100_000 && case % 100_000 == 0 {
            eprintln!("fuzz: {case} cases, {} failures", failures.len());
        }
    }
    eprintln!("fuzz: {cases} cases, {} failures", failures.len());
    assert!(failures.is_empty(), "{} of {cases} cases panicked: {failures:?}", failures.len());
}
