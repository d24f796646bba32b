//! Files from someone else, and what the tool writes out (issue 17): every
//! value of a milestones file checked and located, names checked wherever
//! they are read (scenarios, milestone files, summaries), CSV cells that no
//! spreadsheet runs, a milestones file that cannot make the tool quote
//! another file, and io errors that name their file.

use std::path::{Path, PathBuf};
use std::process::Output;

use outage::Scenario;
use outage::milestones::{self, Measure, MilestoneFile};
use outage::study::{Study, StudySummary};
use serde_json::Value;

const MINIMAL: &str = include_str!("../../scenarios/minimal.ron");

fn outage(args: &[&str]) -> Output {
    crate::common::outage_bin(args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch folder of its own under the target directory, removed when
/// dropped: a milestones file and the scenario it names sit in it.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-untrusted-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("minimal.ron"), MINIMAL).unwrap();
        Scratch(dir)
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A milestones file for minimal.ron, one field a line, so that positions
/// are easy to count: `runs` on line 3 (its value at column 11), and the
/// one milestone's fields on lines 6 to 9, indented by 12 spaces.
fn milestones_text(scenario: &str, runs: &str, name: &str, precision: &str, measure: &str) -> String {
    format!(
        "Milestones(
    scenario: {scenario:?},
    runs: {runs},
    milestones: [
        (
            name: {name:?},
            reported: \"6h\",
            precision: {precision},
            measure: {measure},
        ),
    ],
)"
    )
}

fn load_error(dir: &Scratch, text: &str) -> String {
    let path = dir.write("m.milestones.ron", text);
    milestones::load(&path).unwrap_err().to_string()
}

#[test]
fn milestone_values_out_of_range_are_refused_where_they_are_written() {
    // Before, `runs: 0` was accepted (and "0 runs" printed after one run),
    // as were a Serving fraction of NaN or 2.0 and a day that ends before
    // it starts.
    let dir = Scratch::new("values");
    let file = |runs: &str, precision: &str, measure: &str| {
        milestones_text("minimal.ron", runs, "web back", precision, measure)
    };
    let path = dir.0.join("m.milestones.ron");
    let p = path.display();
    // `    runs: 0,`: the value after 4 spaces and "runs: " (6), column 11.
    let err = load_error(&dir, &file("0", "Approx", r#"FullRecovery("web")"#));
    assert_eq!(err, format!("{p}:3:11: runs: between 1 and 1000000 runs, not 0"));
    // `            measure: Serving(service: "web", fraction: 2.0),`: 12
    // spaces, `measure: ` (9), `Serving(` (8), `service: "web", ` (16),
    // `fraction: ` (10): the value at column 12 + 43 + 1 = 56, line 9.
    for (value, shown) in [("2.0", "2"), ("NaN", "NaN"), ("-0.5", "-0.5"), ("0.0", "0")] {
        let err = load_error(&dir, &file("5", "Approx", &format!(r#"Serving(service: "web", fraction: {value})"#)));
        assert_eq!(
            err,
            format!("{p}:9:56: milestone 'web back': measure Serving: fraction must be in (0, 1], not {shown}")
        );
    }
    // `            precision: Day(from: "7h", to: "5h"),`: 12 spaces,
    // `precision: ` (11), `Day(` (4), `from: ` (6): column 34, line 8.
    let err = load_error(&dir, &file("5", r#"Day(from: "7h", to: "5h")"#, r#"FullRecovery("web")"#));
    assert_eq!(err, format!("{p}:8:34: milestone 'web back': Day: the window starts (7h) after it ends (5h)"));
    // A snapshot whose last "not yet" comes after the report, the same way:
    // `precision: By(not_before: ` is 11 + 3 + 12 = 26 after 12 spaces.
    let err = load_error(&dir, &file("5", r#"By(not_before: "8h")"#, r#"FullRecovery("web")"#));
    assert_eq!(err, format!("{p}:8:39: milestone 'web back': By: not_before (8h) is after the reported time (6h)"));
    // Every problem is listed, in file order.
    let err =
        load_error(&dir, &file("0", r#"Day(from: "7h", to: "5h")"#, r#"NthServing(services: ["web", "web"], n: 3)"#));
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(lines[0].starts_with(&format!("{p}:3:11: runs")), "{err}");
    assert!(lines[1].starts_with(&format!("{p}:8:34: milestone 'web back': Day")), "{err}");
    // `measure: NthServing(services: ["web", ` is 9 + 11 + 11 + 7 = 38
    // after 12 spaces: the second "web" at column 51.
    assert_eq!(lines[2], format!("{p}:9:51: milestone 'web back': measure NthServing: 'web' is listed twice"));
    assert!(lines[3].ends_with("NthServing: n must be between 1 and the 2 services, not 3"), "{err}");
    // The command line: exit 2, the message, no table.
    let bad = dir.write("zero.milestones.ron", &file("0", "Approx", r#"FullRecovery("web")"#));
    let o = outage(&["milestones", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(":3:11: runs: between 1 and 1000000 runs, not 0"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn a_milestones_file_built_in_code_is_checked_too() {
    // `check` takes a MilestoneFile that may not come from `load`: the same
    // checks, by logical path. Before, runs: 0 ran one run.
    let dir = Scratch::new("in-code");
    let path = dir.write("m.milestones.ron", "");
    let mut file: MilestoneFile =
        ron::from_str(&milestones_text("minimal.ron", "0", "web back", "Approx", r#"FullRecovery("web")"#)).unwrap();
    let err = milestones::check(&path, &file).unwrap_err().to_string();
    assert_eq!(err, format!("{}:runs: runs: between 1 and 1000000 runs, not 0", path.display()));
    file.runs = 3;
    file.milestones[0].measure = Measure::ServersWorking { pools: vec!["web-servers".into()], servers: 41 };
    // minimal.ron's web-servers pool has 40 servers: 41 can never work.
    let err = milestones::check(&path, &file).unwrap_err().to_string();
    assert_eq!(err, "milestone 'web back': ServersWorking: 41 servers asked for, but these pools have 40");
    file.milestones[0].measure = Measure::ServersWorking { pools: vec!["web-servers".into()], servers: 40 };
    let (_, results) = milestones::check(&path, &file).unwrap();
    assert_eq!(results.len(), 1);
}

#[test]
fn a_milestone_name_cannot_forge_the_verdict() {
    // Before, a name with a newline printed a line "every milestone within
    // tolerance" of its own, while the exit code was 1.
    let dir = Scratch::new("forged-verdict");
    let name = "web back\n\nevery milestone within tolerance";
    let path =
        dir.write("m.milestones.ron", &milestones_text("minimal.ron", "2", name, "Minute", r#"FullRecovery("web")"#));
    // The name on line 6, after 12 spaces and `name: ` (6): column 19.
    let err = milestones::load(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}:6:19: milestone #1 has a name holding a control character (U+000A); names are printed in tables",
            path.display()
        )
    );
    let o = outage(&["milestones", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stdout(&o).contains("within tolerance"), "{}", stdout(&o));
    // A right-to-left override in a name the measure refers to, the same.
    let path = dir.write(
        "rlo.milestones.ron",
        &milestones_text("minimal.ron", "2", "web back", "Minute", "FullRecovery(\"web\u{202e}\")"),
    );
    let err = milestones::load(&path).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "milestone 'web back': measure FullRecovery: a service has a name holding an invisible formatting \
             character (U+202E); names are printed in tables"
        ),
        "{err}"
    );
}

#[test]
fn names_with_bidirectional_or_invisible_characters_are_refused() {
    // Before, "web\u{202e}gnp.exe" was a valid service name and printed as
    // "webexe.png" reversed in every table. minimal.ron's `name: "web",` is
    // on line 90, after 12 spaces and `name: `: column 19.
    for c in ['\u{202e}', '\u{2066}', '\u{200f}', '\u{061c}', '\u{200b}', '\u{feff}', '\u{2028}'] {
        let text = MINIMAL.replacen(r#"name: "web","#, &format!("name: \"web{c}x\","), 1);
        let err = Scenario::from_ron_str(&text).unwrap_err().to_string();
        let expected = format!(
            "90:19: a service has a name holding an invisible formatting character (U+{:04X}); names are printed \
             in tables",
            c as u32
        );
        assert!(err.contains(&expected), "{c:?}: {err}");
    }
    // Joiners stay: Persian and Indic scripts and emoji need them.
    let text = MINIMAL.replace(r#""web""#, "\"\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}\"");
    assert!(Scenario::from_ron_str(&text).is_ok());
}

#[test]
fn objective_and_common_cause_names_pass_the_same_check() {
    // Before, an objective named "web fast\n9 passed, 0 failed" printed a
    // forged summary line in `outage check`'s table, and a common cause's
    // name reached every timeline unchecked. minimal.ron has 133 lines, its
    // last the closing `)`: objectives from line 133, the objective on line
    // 134, its name after 8 spaces, `Objective(` (10) and `name: ` (6):
    // column 25.
    let objective = MINIMAL.trim_end().strip_suffix(')').unwrap().to_owned()
        + "    objectives: [\n        Objective(name: \"web fast\\n9 passed, 0 failed\", service: \"web\", \
           metric: Downtime, statistic: Mean, at_most: \"1h\"),\n    ],\n)\n";
    let err = Scenario::from_ron_str(&objective).unwrap_err().to_string();
    assert_eq!(
        err,
        "134:25: objective #1 has a name holding a control character (U+000A); names are printed in tables"
    );
    // The grid outage's hazards: a common cause added on line 130, after
    // 16 spaces, `CommonCause(` (12) and `name: ` (6): column 35.
    let grid = r#"Outage(target: "grid", at: "1h", duration: Fixed("6h")),"#;
    let common = MINIMAL.replacen(
        grid,
        &format!("{grid}\n                CommonCause(name: \"grid\u{202e}\", select: (kinds: [Ups]), at: \"1h\"),"),
        1,
    );
    let err = Scenario::from_ron_str(&common).unwrap_err().to_string();
    assert_eq!(
        err,
        "130:35: disaster 'grid-outage': a common cause has a name holding an invisible formatting character \
         (U+202E); names are printed in tables"
    );
}

#[test]
fn the_cli_escapes_invisible_characters_no_name_check_covers() {
    // A value typed on the command line, quoted back in a message: before,
    // the override went to the terminal raw.
    let o = outage(&["run", "scenarios/minimal.ron", "--disaster", "fire\u{202e}cba"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("fire\\u{202e}cba") && !err.contains('\u{202e}'), "{err}");
}

/// The first shard of a small study of minimal.ron, as JSON, with `edit`
/// applied.
fn doctored_summary(edit: impl FnOnce(&mut Value)) -> String {
    let scenario = Scenario::from_ron_str(MINIMAL).unwrap();
    let json = Study::new(&scenario).runs(4).seed(1).shard(0, 2).summarise().unwrap().to_json();
    let (text, big) = crate::common::protect_big_integers(&json);
    let mut v: Value = serde_json::from_str(&text).unwrap();
    edit(&mut v);
    crate::common::restore_big_integers(&v.to_string(), &big)
}

#[test]
fn names_in_summaries_are_checked_as_a_scenarios_are() {
    // Before, a disaster named "battery-fire\n forged row" merged and
    // printed a line of its own in the merge table.
    type Edit = Box<dyn FnOnce(&mut Value)>;
    let cases: [(&str, Edit, &str); 4] = [
        (
            "a disaster with a newline",
            Box::new(|v| v["disasters"][0][0] = "battery-fire\n forged row".into()),
            "disaster #1 has a name holding a control character (U+000A)",
        ),
        (
            "a scenario with an override",
            Box::new(|v| v["scenario"] = "minimal\u{202e}".into()),
            "the scenario has a name holding an invisible formatting character (U+202E)",
        ),
        (
            "a service with an escape",
            Box::new(|v| v["services"][1] = "db\u{1b}[2J".into()),
            "service #2 has a name holding a control character (U+001B)",
        ),
        (
            "a disaster with an isolate",
            Box::new(|v| v["disasters"][1][0] = "grid\u{2067}".into()),
            "disaster #2 has a name holding an invisible formatting character (U+2067)",
        ),
    ];
    for (what, edit, message) in cases {
        let err = StudySummary::from_json(&doctored_summary(edit)).unwrap_err().to_string();
        assert!(err.contains(message), "{what}: {err}");
    }
    // Through `outage merge`: exit 2, nothing printed on stdout.
    let dir = Scratch::new("summaries");
    let forged = dir.write("s.json", &doctored_summary(|v| v["disasters"][0][0] = "x\nforged".into()));
    let o = outage(&["merge", forged.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("disaster #1 has a name holding a control character (U+000A)"), "{}", stderr(&o));
}

/// minimal.ron with its service "web" named `name` and "db" named "-2+3".
fn formula_names(name: &str) -> String {
    MINIMAL
        .replacen(r#"name: "web","#, &format!("name: {name:?},"), 1)
        .replace(r#"name: "db","#, r#"name: "-2+3","#)
        .replace(r#"["db"]"#, r#"["-2+3"]"#)
}

/// The cells of the CSV rows (quoting undone), header first.
fn cells(csv_text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(csv_text.as_bytes());
    r.records().map(|rec| rec.unwrap().iter().map(str::to_owned).collect()).collect()
}

fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
    let i = rows[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

#[test]
fn csv_cells_never_start_a_formula() {
    // Before, a service named `=HYPERLINK(...)` reached the cell as is, and
    // a spreadsheet ran it. Now such a cell starts with `'`: every CSV the
    // tool writes (run, its timeline, mc, --keep-runs, compare).
    let evil = r#"=HYPERLINK("http://x","a")"#;
    let dir = Scratch::new("csv");
    let scenario_path = dir.write("evil.ron", &formula_names(evil));
    let scenario = Scenario::from_path(&scenario_path).unwrap();
    let guarded = format!("'{evil}");
    let report = outage::Simulation::new(&scenario, None).unwrap().run(&outage::RunOptions::default().seed(0)).unwrap();
    let rows = cells(&report.to_csv());
    assert_eq!(column(&rows, "service"), [guarded.as_str(), "'-2+3"]);
    // Causes do not start with a name: left alone.
    assert_eq!(column(&rows, "main_cause")[0], report.services[0].main_cause().unwrap().cause);
    // Numbers are untouched: each parses as it did.
    for c in column(&rows, "downtime_s") {
        assert!(c.parse::<f64>().is_ok(), "{c}");
    }
    let timeline = cells(&report.timeline_to_csv());
    assert!(column(&timeline, "component").contains(&guarded));
    let study = Study::new(&scenario).runs(3).seed(0).run().unwrap();
    assert!(column(&cells(&study.to_csv()), "service").iter().all(|s| *s == guarded || s == "'-2+3"));
    // --keep-runs: through the command line.
    let kept = dir.0.join("runs.csv");
    let o = outage(&["mc", scenario_path.to_str().unwrap(), "--runs", "2", "--keep-runs", kept.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let kept = cells(&std::fs::read_to_string(&kept).unwrap());
    assert_eq!(column(&kept, "service").iter().filter(|s| **s == guarded).count(), 2 * 2, "2 disasters x 2 runs");
    // compare: a variant named like a formula is guarded, a negative
    // difference is a number. The variant boots the database in 1 minute
    // instead of 20: web, which needs it, is down about 19 minutes less.
    let faster =
        Scenario::from_ron_str(&formula_names(evil).replace(r#"boot: Fixed("20m")"#, r#"boot: Fixed("1m")"#)).unwrap();
    let compare = outage::study::Compare::new(&scenario).variant("@SUM(A1)", &faster).runs(4).run().unwrap();
    let rows = cells(&compare.to_csv());
    assert!(column(&rows, "variant").iter().all(|v| v == "'@SUM(A1)"));
    let web_downtime = rows[1..]
        .iter()
        .zip(column(&rows, "service"))
        .zip(column(&rows, "disaster"))
        .find(|((_, s), d)| *s == guarded && d == "battery-fire")
        .map(|((r, _), _)| r.clone())
        .unwrap();
    let difference = &web_downtime[rows[0].iter().position(|h| h == "difference").unwrap()];
    assert!(difference.starts_with('-') && difference.parse::<f64>().unwrap() < 0.0, "{difference}");
}

#[test]
fn a_milestones_file_cannot_make_the_tool_quote_another_file() {
    // Before, `scenario: "/etc/passwd"` printed "expected struct `Scenario`
    // but found `root`": the start of any file the tool could read.
    let dir = Scratch::new("quote");
    let secret = dir.write("secret.txt", "hunter2 is the password\nline two\n");
    let file = |scenario: &str| milestones_text(scenario, "1", "web back", "Approx", r#"FullRecovery("web")"#);
    // A file beside it that is not a scenario: its path, not a word of it.
    let path = dir.write("m.milestones.ron", &file("secret.txt"));
    let o = outage(&["milestones", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains(&format!("'{}' is not a scenario file", secret.display())), "{err}");
    assert!(!err.contains("hunter2") && !err.contains("line two"), "{err}");
    // A path out of the milestones file's folder is refused before
    // anything is opened: `    scenario: ` is 14 characters, so the value
    // starts at column 15 of line 2.
    for outside in ["/etc/passwd", "../secret.txt", "sub/../../secret.txt"] {
        let err = load_error(&dir, &file(outside));
        assert!(
            err.contains(&format!(
                ":2:15: scenario: '{outside}' must be relative to the milestones file, in its folder or below"
            )),
            "{outside}: {err}"
        );
    }
    // A relative path resolves from the milestones file, not from where
    // the tool runs (the crate root here, where no minimal.ron is).
    let path = dir.write("ok.milestones.ron", &file("minimal.ron"));
    assert!(!Path::new(env!("CARGO_MANIFEST_DIR")).join("minimal.ron").exists());
    let o = outage(&["milestones", path.to_str().unwrap()]);
    assert!(stdout(&o).contains("minimal (1 runs, seed 0)"), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn io_errors_name_the_file_and_the_operation() {
    // Before: "error: File exists (os error 17)", and no path.
    let dir = Scratch::new("io");
    let file = dir.write("not-a-folder", "x");
    let o = outage(&["report", "scenarios/minimal.ron", "--runs", "2", "--out", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(&format!("error: cannot create the folder '{}': ", file.display())),
        "{}",
        stderr(&o)
    );
    // An SVG into a folder that does not exist.
    let svg = dir.0.join("missing").join("chart.svg");
    for args in [
        vec!["sweep", "scenarios/minimal.ron", "--set", "pools.web-servers.servers=30,40", "--runs", "2"],
        vec!["sensitivity", "scenarios/minimal.ron", "--vary", "pools.web-servers.servers=30,40", "--runs", "2"],
    ] {
        let mut args = args;
        args.extend(["--svg", svg.to_str().unwrap()]);
        let o = outage(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with(&format!("error: cannot write '{}': ", svg.display())),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn mutated_milestone_files_never_panic() {
    // The scenario fuzzer's mutations (bytes, tokens, edge numbers, names,
    // repeats) on milestone files: loaded, and when they load, checked with
    // one run. Errors are fine; panics are not. `OUTAGE_FUZZ_CASES` / 10
    // cases (300 by default).
    use rand::{RngExt, SeedableRng};
    let cases: u64 = std::env::var("OUTAGE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).map_or(300, |n: u64| n / 10);
    let dir = Scratch::new("fuzz");
    for name in ["kakao_pangyo_2022.ron", "samsung_sds_gwacheon_2014.ron"] {
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name), dir.0.join(name)).unwrap();
    }
    let small = r#"Milestones(scenario: "minimal.ron", runs: 3, seed: 1, milestones: [
        (name: "web down", reported: "3m", precision: Minute, measure: FirstImpact("web")),
        (name: "web half", reported: "6h", precision: By(not_before: "1h"), measure: Serving(service: "web", fraction: 0.5)),
        (name: "both", reported: "7h", precision: Day(from: "1h", to: "1d"), measure: AllFullyRecovered(["web", "db"])),
        (name: "first", reported: "7h", precision: Approx, measure: NthFullyRecovered(groups: [["web"], ["db"]], n: 1)),
        (name: "one of two", reported: "7h", precision: Approx, measure: NthServing(services: ["web", "db"], n: 2)),
        (name: "half", reported: "7h", precision: Approx, measure: FractionServing(services: ["web", "db"], fraction: 0.5)),
        (name: "servers", reported: "7h", precision: Approx, measure: ServersWorking(pools: ["web-servers", "db-servers"], servers: 30)),
    ])"#;
    let corpus = [
        small.to_owned(),
        include_str!("../../scenarios/kakao_pangyo_2022.milestones.ron").to_owned(),
        include_str!("../../scenarios/samsung_sds_gwacheon_2014.milestones.ron").to_owned(),
    ];
    let path = dir.0.join("m.milestones.ron");
    let mut failures = Vec::new();
    for case in 0..cases {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(case);
        let pick = if rng.random_bool(0.8) { 0 } else { rng.random_range(1..corpus.len()) };
        let text = crate::fuzz::mutate(&corpus[pick], &mut rng);
        std::fs::write(&path, &text).unwrap();
        let outcome = std::panic::catch_unwind(|| {
            if let Ok(mut file) = milestones::load(&path) {
                file.runs = 1;
                if let Ok((scenario, results)) = milestones::check(&path, &file) {
                    let _ = milestones::to_table(&scenario, &file, &results);
                }
            }
        });
        if outcome.is_err() {
            let keep = dir.0.with_file_name(format!("milestones-fuzz-case-{case}.ron"));
            std::fs::write(&keep, &text).unwrap();
            failures.push(keep.display().to_string());
        }
    }
    assert!(failures.is_empty(), "{} of {cases} cases panicked: {failures:?}", failures.len());
}
