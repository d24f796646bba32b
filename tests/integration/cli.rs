//! The `outage` binary, run as a user would.

use std::path::PathBuf;
use std::process::{Command, Output};

fn outage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outage"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch file under the target directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join(format!("{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("write temp file");
        TempFile(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn exit_0_run_prints_the_downtime_table() {
    let o = outage(&["run", "scenarios/minimal.ron", "--seed", "7"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("scenario minimal - disaster battery-fire - seed 7 run 0 - horizon 2d"), "{out}");
    for column in
        ["service", "first impact", "down", "degraded", "partial at", "full at", "user-hours lost", "main cause"]
    {
        assert!(out.contains(column), "missing column {column}: {out}");
    }
    assert!(out.lines().any(|l| l.trim_start().starts_with("web ")), "{out}");
    assert!(out.contains("service timeline"), "{out}");
}

#[test]
fn every_command_has_help() {
    for command in [
        "run",
        "validate",
        "mc",
        "check",
        "merge",
        "compare",
        "sweep",
        "sensitivity",
        "report",
        "spof",
        "graph",
        "milestones",
    ] {
        let o = outage(&[command, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{command}");
        assert!(stdout(&o).contains(&format!("Usage: outage {command}")), "{command}: {}", stdout(&o));
    }
}

#[test]
fn exit_0_validate_summarises_the_scenario() {
    let o = outage(&["validate", "scenarios/minimal.ron"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("scenarios/minimal.ron: ok: scenario 'minimal': 1 sites, 2 rooms"),
        "{}",
        stdout(&o)
    );
    // One hazard, two hazards: the count agrees with its noun.
    assert!(stdout(&o).contains("disaster 'battery-fire': 1 hazard\n"), "{}", stdout(&o));
    let o = outage(&["mc", "scenarios/minimal.ron", "--runs", "2", "--horizon", "-1h"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the horizon must be a positive duration"), "{}", stderr(&o));
}

#[test]
fn validate_warns_about_a_dependency_cycle_nothing_can_restart() {
    // minimal.ron with "web" and "db" needing each other.
    let text = std::fs::read_to_string("scenarios/minimal.ron").unwrap();
    let cyclic = text.replacen(
        "deployments: [Deployment(pool: \"db-servers\")]",
        "deployments: [Deployment(pool: \"db-servers\")], depends_on: [\"web\"]",
        1,
    );
    assert_ne!(cyclic, text, "minimal.ron changed: update this test");
    let f = TempFile::new("cycle.ron", cyclic.as_bytes());
    let o = outage(&["validate", f.path()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let warning = out.lines().find(|l| l.starts_with("warning: ")).unwrap_or_else(|| panic!("{out}"));
    assert!(warning.contains(&format!("{}:", f.path())), "{warning}");
    assert!(warning.contains("services 'web', 'db' depend on each other (hard)"), "{warning}");
    assert!(!stdout(&outage(&["validate", "scenarios/minimal.ron"])).contains("warning"));
}

#[test]
fn exit_2_invalid_scenario_names_file_line_column_and_element() {
    let src = include_str!("../../scenarios/minimal.ron").replacen("depends_on: [\"db\"]", "depends_on: [\"dbb\"]", 1);
    let f = TempFile::new("bad.ron", src.as_bytes());
    for cmd in ["run", "validate"] {
        let o = outage(&[cmd, f.path()]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = stderr(&o);
        let expected =
            format!("{}:95:26: service 'web' refers to unknown service 'dbb' (did you mean 'db'?)", f.path());
        assert!(err.contains(&expected), "{cmd}: {err}");
        assert!(err.contains("1 problem found"), "{err}");
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn exit_2_unreadable_or_non_utf8_file() {
    let o = outage(&["validate", "no/such/file.ron"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read scenario 'no/such/file.ron'"), "{}", stderr(&o));

    let f = TempFile::new("latin1.ron", b"Scenario(name: \"caf\xe9\")");
    let o = outage(&["validate", f.path()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(":1:20: the file is not valid UTF-8 text"), "{}", stderr(&o));
}

#[test]
fn exit_2_unknown_disaster_and_bad_flags() {
    let o = outage(&["run", "scenarios/minimal.ron", "--disaster", "meteor"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no disaster named 'meteor' (it has: 'battery-fire', 'grid-outage')"),
        "{}",
        stderr(&o)
    );

    for (flag, value, expected) in [
        ("--horizon", "soon", "invalid duration 'soon'"),
        ("--horizon", "0s", "the horizon must be longer than zero"),
        ("--horizon", "-1h", "the horizon must be a positive duration such as \"36h\", not '-1h'"),
        ("--format", "xml", "invalid value 'xml'"),
        ("--seed", "-1", "unexpected argument '-1'"),
    ] {
        let o = outage(&["run", "scenarios/minimal.ron", flag, value]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(stderr(&o).contains(expected), "{flag} {value}: {}", stderr(&o));
    }
    // Study thresholds are checked as objectives' are.
    for (threshold, expected) in [
        ("user_hours_lost=1e16", "user_hours_lost is a number of user-hours from 0 to 1e15"),
        ("availability=2", "availability is a fraction between 0 and 1"),
        ("downtime=12", "invalid duration '12'"),
        ("uptime=1h", "unknown metric 'uptime'"),
    ] {
        let o = outage(&["mc", "scenarios/minimal.ron", "--runs", "1", "--threshold", threshold]);
        assert_eq!(o.status.code(), Some(2), "{threshold}");
        assert!(stderr(&o).contains(expected), "{threshold}: {}", stderr(&o));
    }
}

#[test]
fn json_and_csv_formats() {
    let o = outage(&["run", "scenarios/minimal.ron", "--seed", "3", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["scenario"], "minimal");
    assert_eq!(v["seed"], 3);
    assert_eq!(v["services"][0]["name"], "web");
    assert!(v["services"][0]["downtime_s"].as_f64().unwrap() > 0.0);
    assert!(v["timeline"].as_array().unwrap().iter().any(|e| e["kind"] == "service"));

    let o = outage(&["run", "scenarios/minimal.ron", "--seed", "3", "--format", "csv"]);
    let csv = stdout(&o);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "scenario,disaster,seed,run,service,users,priority,first_impact_s,downtime_s,degraded_s,partial_recovery_s,\
             full_recovery_s,user_hours_lost,final_state,main_cause,main_cause_s,failovers,data_loss_s,inconsistency_risk,\
             data_lost,availability"
        )
    );
    assert_eq!(lines.count(), 2);

    let o = outage(&["run", "scenarios/minimal.ron", "--seed", "3", "--format", "timeline-csv"]);
    assert!(stdout(&o).starts_with("at_s,component,kind,state,level,cause,blocked_by\n"), "{}", stdout(&o));
}

#[test]
fn a_recovery_deadlock_is_named_in_the_table() {
    let o = outage(&["run", "scenarios/tooling_deadlock.ron", "--no-timeline"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("recovery deadlock: login -> ops-tools -> login"), "{}", stdout(&o));
}

#[test]
fn short_durations_keep_their_precision_in_the_study_table() {
    // Kakao's asynchronous replicas lose seconds to minutes of writes: the
    // table shows them in minutes or seconds, never as 0.01 hours.
    let o = outage(&[
        "mc",
        "scenarios/kakao_pangyo_2022.ron",
        "--runs",
        "50",
        "--disaster",
        "b3-battery-fire",
        "--metric",
        "data_loss",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("data_loss (minutes)") || out.contains("data_loss (seconds)"), "{out}");
    let downtime = outage(&["mc", "scenarios/kakao_pangyo_2022.ron", "--runs", "50", "--disaster", "b3-battery-fire"]);
    assert!(stdout(&downtime).contains("downtime (hours)"), "{}", stdout(&downtime));
}

#[test]
fn keep_runs_rows_say_what_an_empty_recovery_means() {
    let rows = std::env::temp_dir().join(format!("{}-keep.csv", std::process::id()));
    let o = outage(&["mc", "scenarios/minimal.ron", "--runs", "5", "--keep-runs", rows.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&rows).unwrap();
    let _ = std::fs::remove_file(&rows);
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    for column in ["first_impact_s", "full_recovery_s", "final_state", "failovers", "data_loss_s", "availability"] {
        assert!(header.contains(&column), "{column} in {header:?}");
    }
}

#[test]
fn milestones_scores_a_scenario_against_a_reported_timeline() {
    // The bundled replay: every milestone within tolerance, exit 0, and the
    // band count that replay_check prints too (the same table).
    let o = outage(&["milestones", "scenarios/samsung_sds_gwacheon_2014.milestones.ron"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("milestone ") && out.contains("5-95% band"), "{out}");
    assert!(out.contains("reported times inside the simulated 5-95% band; 7 of 7 within tolerance"), "{out}");
    // A user's own timeline that the scenario does not match: exit 1. The
    // scenario is named relative to the milestones file, beside it.
    let scenario = TempFile::new("minimal.ron", &std::fs::read("scenarios/minimal.ron").unwrap());
    let text = format!(
        r#"Milestones(scenario: "{}", runs: 20, milestones: [
            (name: "web back", reported: "30m", precision: Minute, measure: FullRecovery("web")),
        ])"#,
        scenario.0.file_name().unwrap().to_str().unwrap()
    );
    let f = TempFile::new("own.milestones.ron", text.as_bytes());
    let o = outage(&["milestones", f.path()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("web back") && stdout(&o).contains("OFF"), "{}", stdout(&o));
    // A measure naming nothing the scenario has: exit 2, named.
    let bad = TempFile::new("bad.milestones.ron", text.replace("\"web\"", "\"wbe\"").as_bytes());
    let o = outage(&["milestones", bad.path()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("milestone 'web back': no service named 'wbe'"), "{}", stderr(&o));
}

#[test]
fn compare_exit_codes_and_json() {
    // A quick variant from the command line: JSON rows with the paired
    // difference; exit 0.
    let o = outage(&[
        "compare",
        "scenarios/minimal.ron",
        "--set",
        "power.diesel.start_probability=0.0",
        "--runs",
        "50",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row =
        v["rows"].as_array().unwrap().iter().find(|r| r["disaster"] == "grid-outage" && r["service"] == "web").unwrap();
    assert!(row["difference"].as_f64().unwrap() > 5.0, "{row}");
    // Narrowed to one service in one disaster: one row.
    let o = outage(&[
        "compare",
        "scenarios/minimal.ron",
        "--set",
        "power.diesel.start_probability=0.0",
        "--runs",
        "20",
        "--service",
        "web",
        "--disaster",
        "grid-outage",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 1, "{v}");
    // Nothing to compare, an unknown variant, a patch naming nothing: exit 2.
    for (args, fragment) in [
        (vec!["compare", "scenarios/minimal.ron"], "nothing to compare"),
        (vec!["compare", "scenarios/minimal.ron", "--variants", "nope"], "no variant 'nope'"),
        (vec!["compare", "scenarios/minimal.ron", "--set", "pools.nope.servers=1"], "'pools' has no 'nope'"),
        (vec!["run", "scenarios/minimal.ron", "--set", "pools.web-servers"], "write PATH=VALUE"),
        (vec!["compare", "scenarios/minimal.ron", "--set", "horizon=\"4h\""], "give both the same horizon"),
        (
            vec!["compare", "scenarios/minimal.ron", "--set", "pools.db-servers.servers=9", "--service", "nope"],
            "no service 'nope'",
        ),
        (
            vec!["compare", "scenarios/minimal.ron", "--set", "pools.db-servers.servers=9", "--disaster", "nope"],
            "'nope'",
        ),
    ] {
        let o = outage(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(fragment), "{args:?}: {}", stderr(&o));
    }
    // --set on run changes the replay.
    let o = outage(&[
        "run",
        "scenarios/minimal.ron",
        "--disaster",
        "grid-outage",
        "--set",
        "power.diesel.start_probability=0.0",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("6h10m"), "{}", stdout(&o));
}

#[test]
fn graph_writes_dot_that_graphviz_renders() {
    let o = outage(&["graph", "scenarios/kakao_pangyo_2022.ron"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dot = stdout(&o);
    // A cluster per site, kinds by shape, hard dependencies drawn apart.
    assert_eq!(dot.matches("subgraph cluster_").count(), 5, "{dot}"); // pangyo, gasan, kakaopay-dc, sangam, chuncheon
    assert!(dot.contains("\"kakao-auth\" -> \"kakaotalk-messaging\" [color=red, penwidth=2]"), "{dot}");
    assert!(dot.contains("[shape=octagon, tooltip=\"generator\"]"));
    let o = outage(&["graph", "scenarios/nope.ron"]);
    assert_eq!(o.status.code(), Some(2));
    // --spof outlines what takes a service down alone: the UPS, not the
    // grid or the diesel (each backs the other).
    let spof = stdout(&outage(&["graph", "scenarios/minimal.ron", "--spof"]));
    assert!(spof.contains("\"ups\" [shape=cylinder, tooltip=\"UPS\", color=red, penwidth=3]"), "{spof}");
    assert!(spof.contains("\"grid\" [shape=invhouse, tooltip=\"utility feed\"];"), "{spof}");
    // The site, a cluster, gets a red border.
    assert!(spof.contains("label=\"dc1\";\n    style=rounded;\n    color=red;"), "{spof}");
    // The same as JSON: nodes with their site, edges with their relation.
    let o = outage(&["graph", "scenarios/minimal.ron", "--spof", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let node = |name: &str| v["nodes"].as_array().unwrap().iter().find(|n| n["name"] == name).unwrap().clone();
    assert_eq!((node("ups")["kind"].as_str(), node("ups")["highlighted"].as_bool()), (Some("UPS"), Some(true)));
    assert_eq!((node("grid")["site"].as_str(), node("grid")["highlighted"].as_bool()), (None, Some(false)));
    assert_eq!(node("hall")["site"], "dc1");
    let edges = v["edges"].as_array().unwrap();
    assert!(edges.iter().any(|e| e["from"] == "db" && e["to"] == "web" && e["relation"] == "hard_dependency"), "{v}");
    // Graphviz reads it (.ci/run installs graphviz when it is missing).
    let dot_bin = Command::new("dot").arg("-V").output();
    if dot_bin.is_err() {
        assert!(std::env::var_os("CI").is_none(), "graphviz (dot) is missing in CI");
        eprintln!("graphviz is not installed here: skipping the render");
        return;
    }
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), dot.as_bytes()).unwrap();
    let rendered = child.wait_with_output().unwrap();
    assert!(rendered.status.success(), "{}", String::from_utf8_lossy(&rendered.stderr));
    assert!(String::from_utf8_lossy(&rendered.stdout).contains("<svg"));
}

#[test]
fn spof_exit_codes_and_json() {
    let o = outage(&["spof", "scenarios/minimal.ron", "--runs", "5", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["rows"].as_array().unwrap().len() >= 9);
    let o = outage(&["spof", "scenarios/kakao_pangyo_2022.ron", "--runs", "5", "--top", "12"]);
    assert_eq!(o.status.code(), Some(0));
    // Login, single-homed in Pangyo, is among the worst single losses.
    assert!(stdout(&o).contains(" kakao-auth "), "{}", stdout(&o));
    // The Pangyo-only tooling and traffic switch take nothing down alone;
    // they are single points of recovery: in the fire, the software whose
    // sparing saves most is login, the cache, the tooling, storage and the
    // switch.
    let o = outage(&[
        "spof",
        "scenarios/kakao_pangyo_2022.ron",
        "--during",
        "b3-battery-fire",
        "--services",
        "--runs",
        "5",
        "--top",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(table.starts_with("single points of recovery in 'b3-battery-fire'"), "{table}");
    for name in ["kakao-auth", "ops-tools", "traffic-switch"] {
        assert!(table.contains(&format!(" {name} ")), "{name}: {table}");
    }
    for args in [
        vec!["spof", "scenarios/nope.ron"],
        vec!["spof", "scenarios/minimal.ron", "--duration", "0s"],
        vec!["spof", "scenarios/minimal.ron", "--during", "no-such-disaster"],
    ] {
        assert_eq!(outage(&args).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn sweep_and_sensitivity_exit_codes() {
    let svg = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("sweep-{}.svg", std::process::id()));
    let o = outage(&[
        "sweep",
        "scenarios/minimal.ron",
        "--set",
        "power.diesel.start_probability=0.0,1.0",
        "--runs",
        "10",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("sweep of power.diesel.start_probability"), "{}", stdout(&o));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg id=\"sweep\""));
    let o = outage(&[
        "sensitivity",
        "scenarios/minimal.ron",
        "--vary",
        "power.diesel.start_probability=0.0,1.0",
        "--runs",
        "10",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"][0]["parameter"], "power.diesel.start_probability");
    for args in [
        vec!["sweep", "scenarios/minimal.ron", "--set", "pools.nope.servers=1,2"],
        // A chart of a service the sweep does not have.
        vec![
            "sweep",
            "scenarios/minimal.ron",
            "--set",
            "pools.web-servers.servers=5",
            "--svg",
            "x.svg",
            "--service",
            "nope",
        ],
        vec!["sweep", "scenarios/minimal.ron", "--set", "services.web.depends_on+=db"],
        vec!["spof", "scenarios/minimal.ron", "--format", "csv"],
        vec!["sensitivity", "scenarios/minimal.ron", "--vary", "power.diesel.start_probability=0.5"],
        vec!["sweep", "scenarios/minimal.ron"],
    ] {
        assert_eq!(outage(&args).status.code(), Some(2), "{args:?}");
    }
}

/// A browser to render pages with, if one is installed (.ci/run installs
/// Debian's chromium when it is missing).
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()))
}

#[test]
fn report_writes_a_page_that_renders_with_every_chart() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{}", std::process::id()));
    let o = outage(&[
        "report",
        "scenarios/kakao_pangyo_2022.ron",
        "--out",
        dir.to_str().unwrap(),
        "--runs",
        "30",
        "--sweep",
        "teams.kakao-infra.engineers=4,16",
        "--vary",
        "teams.kakao-infra.engineers=4,16",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = dir.join("index.html");
    // JSON: where the page is and which charts it holds.
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["page"], page.display().to_string());
    for id in ["timeline", "downtime-cdf", "comparison", "sweep", "tornado"] {
        assert!(v["charts"].as_array().unwrap().iter().any(|c| c == id), "{id}: {v}");
    }
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing is fetched (SVG's xmlns is a name, not a fetch).
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "the page fetches something");
    let charts = ["timeline", "downtime-cdf", "comparison", "sweep", "tornado"];
    for id in charts {
        assert!(html.contains(&format!("<svg id=\"{id}\"")), "chart {id} missing");
    }
    let o = outage(&["report", "scenarios/nope.ron", "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    // Rendered by a browser, every chart is in the page it builds.
    let Some(browser) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "chromium is missing in CI");
        eprintln!("no chromium here: skipping the render");
        return;
    };
    let dom = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    for id in charts {
        assert!(dom.contains(&format!("id=\"{id}\"")), "chart {id} not rendered");
    }
    assert!(dom.matches("<svg").count() >= charts.len());
}

#[test]
fn control_characters_never_reach_the_terminal() {
    // Hostile input, class 8: an escape sequence in text from a file (here
    // a reference to an unknown pool, quoted in the error) is written
    // escaped, in errors as in tables.
    let src = include_str!("../../scenarios/minimal.ron").replacen(
        r#"room: "hall", servers: 8"#,
        "room: \"hall\u{1b}[2J\", servers: 8",
        1,
    );
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("esc-{}.ron", std::process::id()));
    std::fs::write(&path, src).unwrap();
    let o = outage(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}') && err.contains("hall\\u{1b}[2J"), "{err}");
}

#[test]
fn run_caps_its_events_and_timeline_on_request() {
    // The guards of a run can be tightened (or raised) from the command
    // line; the error names the cap to raise. Exit 2.
    let o = outage(&["run", "scenarios/minimal.ron", "--max-timeline", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("timeline passed 3 entries") && stderr(&o).contains("--max-timeline"),
        "{}",
        stderr(&o)
    );
    let o = outage(&["run", "scenarios/minimal.ron", "--max-events", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("run stopped after 2 events") && stderr(&o).contains("--max-events"), "{}", stderr(&o));
    // The per-service CSV records no timeline, so the cap does not apply.
    let o = outage(&["run", "scenarios/minimal.ron", "--max-timeline", "3", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn size_limits_can_be_raised_or_lowered_from_the_environment() {
    // Hostile input: a model larger than the element limit is refused before
    // anything is built for it; OUTAGE_MAX_ELEMENTS and
    // OUTAGE_MAX_FILE_BYTES move the limits. minimal.ron declares 11
    // elements (a site, 2 rooms, 3 power components, a cooling unit, 2
    // pools, 2 services) in 5,270 bytes.
    let run = |var: &str, value: &str| {
        Command::new(env!("CARGO_BIN_EXE_outage"))
            .args(["validate", "scenarios/minimal.ron"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env(var, value)
            .output()
            .unwrap()
    };
    let o = run("OUTAGE_MAX_ELEMENTS", "5");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("declares 11 elements; at most 5 are loaded (set OUTAGE_MAX_ELEMENTS"),
        "{}",
        stderr(&o)
    );
    assert_eq!(run("OUTAGE_MAX_ELEMENTS", "11").status.code(), Some(0));
    let o = run("OUTAGE_MAX_FILE_BYTES", "1000");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("more than 1000 bytes"), "{}", stderr(&o));
    // Runs per disaster, likewise.
    let o = Command::new(env!("CARGO_BIN_EXE_outage"))
        .args(["mc", "scenarios/minimal.ron", "--runs", "20"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("OUTAGE_MAX_RUNS", "10")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("20 runs per disaster is more than the 10 a study makes (set OUTAGE_MAX_RUNS"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn generate_pipes_into_validate_and_mc() {
    let generated = outage(&["generate", "--sites", "2", "--servers", "2000", "--services", "20", "--seed", "5"]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let text = stdout(&generated);
    assert!(text.starts_with("// Generated by `outage generate --sites 2 --servers 2000 --services 20 --seed 5`"));
    for args in [&["validate", "-"][..], &["mc", "-", "--runs", "3", "--format", "json"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_outage"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the binary runs");
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), text.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let refused = outage(&["generate", "--sites", "10", "--servers", "5"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("10 sites need at least 20 servers"), "{}", stderr(&refused));
}

/// `-` is read once: `compare -` with `--set` loads the baseline and the
/// patched variant from the same text.
#[test]
fn compare_reads_standard_input_once() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_outage"))
        .args(["compare", "-", "--set", "pools.web-servers.servers=40", "--runs", "5"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/minimal.ron")).unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("variant pools.web-servers.servers=40"), "{}", stdout(&out));
}

#[test]
fn usage_errors_escape_what_they_quote() {
    // Found by the command-line fuzzer: clap's "unexpected argument" error
    // quoted a right-to-left override or an escape sequence raw. Now the
    // usage error is escaped like every other message, and still exits 2.
    let o = outage(&["run", "scenarios/minimal.ron", "\u{202e}x", "\u{1b}[31m"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("unexpected argument '\\u{202e}x'"), "{stderr}");
    assert!(!stderr.chars().any(|c| c != '\n' && outage::scenario::is_unprintable(c)), "{stderr:?}");
    // --help is not an error: standard output, exit 0.
    let o = outage(&["run", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Usage"));
}
