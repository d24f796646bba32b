//! A mutation fuzzer for the loader, the validator and the engine: every
//! bundled scenario mutated at the byte, token, number, name and structure
//! level, loaded, and when it loads, run once per disaster. Nothing may
//! panic; runs are bounded by an event budget so that nothing hangs.
//!
//! A few thousand cases run in every `cargo test`; set `OUTAGE_FUZZ_CASES`
//! for a long campaign (in release: `OUTAGE_FUZZ_CASES=1000000 cargo test
//! --release --test integration fuzz -- --nocapture`). A failing case is
//! written to the test's temporary directory with its seed.

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

/// Tokens worth inserting: RON punctuation, keywords, escapes, and the
/// non-ASCII characters that broke the source map (ron's own whitespace,
/// a byte-order mark, Hangul, a character outside the BMP).
const TOKENS: [&str; 30] = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "'",
    "r#\"",
    "\"#",
    "//",
    "/*",
    "*/",
    "#![enable(implicit_some)]",
    "Some(",
    "None",
    "\\",
    "\u{a0}",
    "\u{85}",
    "\u{200e}",
    "\u{2028}",
    "\u{feff}",
    "한",
    "𝄞",
    "\r",
    "\u{1b}",
    "\n",
    " ",
];

/// Numbers at the edges of what a file may say.
const NUMBERS: [&str; 12] = [
    "0",
    "-1",
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "18446744073709551615",
    "18446744073709551616",
    "4294967296",
    "0.0000001",
    "65536",
    "1_000_000_000_000",
];

fn char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One mutation of `text`, chosen by `rng`.
pub(crate) fn mutate(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut out = text.to_owned();
    for _ in 0..rng.random_range(1..4) {
        if out.is_empty() {
            out.push('(');
        }
        let at = char_boundary(&out, rng.random_range(0..=out.len()));
        match rng.random_range(0..7) {
            // A token.
            0 | 1 => out.insert_str(at, TOKENS[rng.random_range(0..TOKENS.len())]),
            // A cut.
            2 => {
                let end = char_boundary(&out, at + rng.random_range(1..40));
                out.replace_range(at..end, "");
            }
            // A number at the edge, in place of the next number.
            3 => {
                if let Some(start) = out[at..].find(|c: char| c.is_ascii_digit()).map(|i| at + i) {
                    let end = out[start..].find(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_');
                    let end = end.map_or(out.len(), |e| start + e);
                    out.replace_range(start..end, NUMBERS[rng.random_range(0..NUMBERS.len())]);
                }
            }
            // A quoted string replaced by another from the file: dangling
            // and duplicate names, names in the wrong place.
            4 => {
                let quotes: Vec<usize> = out.match_indices('"').map(|(i, _)| i).collect();
                if quotes.len() >= 4 {
                    let k = rng.random_range(0..quotes.len() / 2) * 2;
                    let j = rng.random_range(0..quotes.len() / 2) * 2;
                    let donor = out[quotes[j]..=quotes[j + 1]].to_owned();
                    out.replace_range(quotes[k]..=quotes[k + 1], &donor);
                }
            }
            // A run of lines repeated elsewhere: duplicate elements, fields.
            5 => {
                let from = char_boundary(&out, rng.random_range(0..out.len()));
                let to = char_boundary(&out, from + rng.random_range(1..400));
                let copy = out[from..to].to_owned();
                out.insert_str(at, &copy);
            }
            // A byte flipped (kept valid UTF-8 the lossy way).
            _ => {
                let mut bytes = out.into_bytes();
                if !bytes.is_empty() {
                    let k = rng.random_range(0..bytes.len());
                    bytes[k] ^= 1 << rng.random_range(0..8);
                }
                out = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
    }
    out
}

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
    let cases: u64 = std::env::var("OUTAGE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
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
