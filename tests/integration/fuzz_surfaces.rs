//! Property and fuzz tests over every input surface (built on `fuzz_gen`):
//! random valid scenarios with templates, variants, common causes, draws,
//! teams and bootstraps, run with their invariants checked; equivalent
//! writings of one scenario that must agree; mutations of them and of the
//! bundled scenarios; `--set` patches that must change only what they
//! name; milestone files checked with one run; study summaries that must
//! merge into exactly the unsharded study (and refuse what no study
//! writes); command lines that end with 0, 1 or 2 and a message.
//!
//! Each test runs a few dozen cases in every `cargo test`; set
//! `OUTAGE_FUZZ_CASES` (cases of the mutation fuzzer; these scale from it)
//! for more, or run the campaign (`tests/fuzz_campaign.rs`). A failing
//! case is saved under the test's temporary directory with its seed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use crate::fuzz_gen::{Ctx, Scale, Surface};

/// Cases for a test that runs `default` cases by default: scaled by
/// `OUTAGE_FUZZ_CASES` / 1,000 (the mutation fuzzer's default).
fn cases(default: u64) -> u64 {
    std::env::var("OUTAGE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(default, |n| (default * n / 1_000).max(1))
}

fn scratch(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-fuzz-{name}", std::process::id()))
}

/// Runs `n` cases of `surface` from seed `first`; fails with every broken
/// invariant and panic, each case saved for replay.
fn campaign(surface: Surface, first: u64, n: u64) {
    let dir = scratch(surface.name());
    let bin = (surface == Surface::Cli).then(|| PathBuf::from(env!("CARGO_BIN_EXE_outage")));
    let mut ctx = Ctx::new(Scale::SMALL, dir.clone(), bin);
    let mut failures = Vec::new();
    for seed in first..first + n {
        let input = ctx.generate(surface, seed);
        let outcome = catch_unwind(AssertUnwindSafe(|| ctx.exercise(&input)));
        let broken = match outcome {
            Ok(broken) => broken,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                vec![format!("panicked: {message}")]
            }
        };
        if !broken.is_empty() {
            let keep = dir.join(format!("failed-{}-{seed}", surface.name()));
            let _ = input.save(&keep);
            failures.push(format!("seed {seed} ({}): {}", keep.display(), broken.join("; ")));
        }
    }
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{} of {n} {} cases failed:\n{}", failures.len(), surface.name(), failures.join("\n"));
}

#[test]
fn generated_scenarios_keep_their_invariants() {
    // Random valid scenarios (some with quotes, accents and Hangul in
    // names), each disaster run once: times in order, totals that add up
    // along the timeline, no service up while a hard dependency is down;
    // each variant the scenario patched with its own patches.
    campaign(Surface::Generated, 0, cases(40));
}

#[test]
fn equivalent_writings_of_a_scenario_agree() {
    // Templates written out by hand, common causes written as one outage
    // per element, shared draws written in place: accepted or refused
    // together, and the same figures run for run.
    campaign(Surface::Twins, 0, cases(30));
}

#[test]
fn mutated_scenarios_are_refused_in_place_or_run() {
    // Generated and bundled scenarios mutated: every refusal located
    // inside the text; what loads runs within its budget.
    campaign(Surface::Mutant, 0, cases(100));
}

#[test]
fn patches_change_only_what_they_name() {
    // A value set to itself changes nothing; a value set changes only its
    // path and reads back; `+=` adds one element, `-=` removes one; what is
    // printed reads back as the same patch.
    campaign(Surface::Patch, 0, cases(50));
}

#[test]
fn milestone_files_are_checked_with_one_run() {
    // Generated (every measure and precision), bundled and mutated milestone
    // files: refused, or checked with one run whose median is that run's.
    campaign(Surface::Milestones, 0, cases(30));
}

#[test]
fn summaries_merge_exactly_or_are_refused() {
    // Shards in any order merge into exactly the unsharded study; shards of
    // different studies do not merge; doctored ones are refused or print
    // no forged line and no spreadsheet formula.
    campaign(Surface::Summary, 0, cases(100));
}

#[test]
fn command_lines_end_with_a_code_and_a_message() {
    // The built binary with generated and mangled argument lists: exit 0,
    // 1 (check, milestones) or 2 with a message; no panic, no signal.
    campaign(Surface::Cli, 0, cases(20));
}

#[test]
fn every_surface_is_drawn_by_the_campaign() {
    // The campaign draws each surface by its weight: over 10,000 cases,
    // each share within 30% of its weight (the least, 10/1000, expects 100).
    let mut counts = std::collections::BTreeMap::new();
    for case in 0..10_000 {
        *counts.entry(Surface::of_case(case)).or_insert(0u64) += 1;
    }
    for s in Surface::ALL {
        let want = s.weight() * 10;
        let got = counts.get(&s).copied().unwrap_or(0);
        assert!(got * 10 >= want * 7 && got * 10 <= want * 13, "{}: {got} of 10000, weight {}", s.name(), s.weight());
    }
    assert_eq!(Surface::ALL.iter().map(|s| s.weight()).sum::<u64>(), 1000);
}
