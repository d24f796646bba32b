//! Golden reports: the output of every bundled scenario, pinned byte for byte.
//!
//! For each scenario in `scenarios/` (milestone files aside), the test runs
//! the `outage` binary as a user would:
//! - `outage run <scenario> --disaster D --seed S --format json` for every
//!   disaster and two seeds (the report with its timeline);
//! - `outage mc <scenario> --runs 200 --seed 1 --format json` (a small study
//!   of every disaster).
//!
//! and compares the output with `tests/golden/`. A behaviour change that
//! moves a number fails here. When the change is deliberate, regenerate with
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test --test integration golden
//! ```
//!
//! read the diff (`git diff tests/golden`), and say in the commit message why
//! each file changed. The same command regenerates the README's sample
//! outputs (`presentation::golden_readme_samples_match_the_tool`).

use std::path::{Path, PathBuf};
use std::process::Command;

use outage::Scenario;

const SEEDS: [u64; 2] = [0, 7];
const MC_RUNS: &str = "200";
const MC_SEED: &str = "1";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    root().join("tests").join("golden")
}

/// The bundled scenarios, in name order.
fn scenarios() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".ron") && !name.ends_with(".milestones.ron")
        })
        .collect();
    out.sort();
    out
}

fn outage(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_outage"))
        .args(args)
        .current_dir(root())
        .env_remove("CI")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "outage {} failed ({}):\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Every (golden file name, output) pair the bundled scenarios produce now.
fn current_outputs() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for path in scenarios() {
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("UTF-8 name").to_owned();
        let rel = format!("scenarios/{stem}.ron");
        let scenario = Scenario::from_path(&path).unwrap_or_else(|e| panic!("{rel} loads:\n{e}"));
        let mut disasters: Vec<String> = scenario.disasters().iter().map(|d| d.name().to_owned()).collect();
        if disasters.is_empty() {
            disasters.push(scenario.default_disaster().name().to_owned());
        }
        for disaster in &disasters {
            for seed in SEEDS {
                let seed = seed.to_string();
                let json = outage(&["run", &rel, "--disaster", disaster, "--seed", &seed, "--format", "json"]);
                out.push((format!("{stem}.run.{}.seed{seed}.json", file_safe(disaster)), json));
            }
        }
        let json = outage(&["mc", &rel, "--runs", MC_RUNS, "--seed", MC_SEED, "--format", "json"]);
        out.push((format!("{stem}.mc.json"), json));
    }
    out
}

/// A disaster name as part of a file name ("lose-a-site: pangyo" ->
/// "lose-a-site_pangyo").
fn file_safe(name: &str) -> String {
    let mut s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    s
}

/// The first line where two texts differ, for a readable failure.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i).copied(), a.get(i).copied());
        if x != y {
            return format!(
                "line {}:\n  expected: {}\n  actual:   {}",
                i + 1,
                x.unwrap_or("<end of file>"),
                y.unwrap_or("<end of file>")
            );
        }
    }
    "the texts differ only in line endings".to_owned()
}

#[test]
fn bundled_scenarios_match_their_golden_reports() {
    let dir = golden_dir();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let outputs = current_outputs();
    if update {
        std::fs::create_dir_all(&dir).expect("create tests/golden");
        for entry in std::fs::read_dir(&dir).expect("tests/golden exists") {
            let p = entry.expect("readable entry").path();
            if p.extension().is_some_and(|e| e == "json") {
                std::fs::remove_file(p).expect("remove a stale golden file");
            }
        }
        for (name, text) in &outputs {
            std::fs::write(dir.join(name), text).expect("write a golden file");
        }
        return;
    }
    let mut problems = Vec::new();
    for (name, actual) in &outputs {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(expected) if expected == *actual => {}
            Ok(expected) => problems.push(format!("{name} differs at {}", first_difference(&expected, actual))),
            Err(_) => problems.push(format!("{name} is missing")),
        }
    }
    let produced: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    for entry in std::fs::read_dir(&dir).expect("tests/golden exists") {
        let p = entry.expect("readable entry").path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
        if name.ends_with(".json") && !produced.contains(&name.as_str()) {
            problems.push(format!("{name} is no longer produced by any bundled scenario"));
        }
    }
    assert!(
        problems.is_empty(),
        "golden reports differ ({} of {}):\n{}\n\nIf the change is deliberate: UPDATE_GOLDEN=1 cargo test --test integration golden, \
         read `git diff tests/golden`, and say why in the commit message.",
        problems.len(),
        outputs.len(),
        problems.join("\n")
    );
}

#[test]
fn golden_file_names_are_safe() {
    assert_eq!(file_safe("lose-a-site: pangyo"), "lose-a-site_pangyo");
    assert!(Path::new(&file_safe("a/b")).components().count() == 1);
}
