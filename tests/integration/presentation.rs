//! How numbers are shown to people: durations, availability, blame tables,
//! what a fire destroyed, and the README's sample outputs.

use outage::SimDuration;
use proptest::prelude::*;

proptest! {
    /// Every duration prints as text that parses back to it, and no unit is
    /// skipped between the first and the last one printed.
    #[test]
    fn durations_print_unambiguously_and_parse_back(ms in 0u64..=100 * 365 * 86_400_000) {
        let d = SimDuration::from_millis(ms);
        let text = d.to_string();
        prop_assert_eq!(text.parse::<SimDuration>().unwrap(), d, "{}", text);
        // The units written, in order; after the first, each must be the next
        // smaller unit (d h m s), so that "5h29s" never appears.
        let units: Vec<char> = text.chars().filter(|c| c.is_ascii_alphabetic()).collect();
        let order = ['d', 'h', 'm', 's'];
        if !text.ends_with("ms") {
            let positions: Vec<usize> =
                units.iter().map(|u| order.iter().position(|o| o == u).expect("a known unit")).collect();
            for w in positions.windows(2) {
                prop_assert_eq!(w[1], w[0] + 1, "{}", text);
            }
        }
    }
}

/// The figures of the issue, by hand: 18029.385 s is 5 h, 0 min and 29.385 s.
#[test]
fn the_durations_of_the_issue_print_with_every_unit() {
    assert_eq!(SimDuration::from_millis(18_029_385).to_string(), "5h0m29.385s");
    // 1d0h52m53s = 86400 + 0 + 3120 + 53 = 89573 s.
    assert_eq!(SimDuration::from_secs(89_573).to_string(), "1d0h52m53s");
    assert_eq!("5h0m29.385s".parse::<SimDuration>().unwrap(), SimDuration::from_millis(18_029_385));
}

/// One service ("app") down once for between one and two hours (uniform),
/// another ("blip") down 3.6 s, in a run of 1000 hours: app's availability
/// lies between 1 - 2/1000 = 0.998 and 1 - 1/1000 = 0.999, blip's is
/// exactly 1 - 0.001/1000 = 0.999999.
const AVAILABILITY: &str = r#"Scenario(
    name: "avail",
    horizon: "1000h",
    sites: [Site(name: "dc", rooms: [Room(name: "hall", kind: DataHall, feeds: ["grid"])])],
    power: [Utility(name: "grid")],
    pools: [Pool(name: "p", room: "hall", servers: 2, boot: Fixed("1m"))],
    services: [
        Service(name: "app", users: 1, demand: 1, deployments: [(pool: "p", servers: 1)]),
        Service(name: "blip", users: 1, demand: 1, deployments: [(pool: "p", servers: 1)]),
    ],
    disasters: [
        Disaster(name: "outage", hazards: [
            Outage(target: "app", at: "1h", duration: Uniform(min: "1h", max: "2h")),
            Outage(target: "blip", at: "1h", duration: Fixed("3.6s")),
        ]),
    ],
)"#;

/// The bad tail of availability is its low tail: p5, p1 and the minimum,
/// derived from the sketch of the unavailability (the shortfall from the
/// run length), with as many places as the nines need.
#[test]
fn availability_shows_its_low_tail_with_all_its_nines() {
    use outage::objective::Metric;
    let scenario = crate::common::load(AVAILABILITY);
    let report = outage::study::Study::new(&scenario).runs(400).seed(1).run().unwrap();
    let app = report.disaster("outage").unwrap().service("app").unwrap();
    let (avail, down) = (app.metric(Metric::Availability), app.metric(Metric::Downtime));
    // Nothing else impairs app, so its shortfall is its downtime: p5 of
    // availability is the run at the rank of downtime's p95 (rank 20 from
    // the bottom of 400 is rank 379 from the top: round(399 * 0.05) = 20,
    // round(399 * 0.95) = 379), read from the same kind of sketch.
    assert!((avail.p5 - (1.0 - down.p95 / 1000.0)).abs() < 1e-12, "{} vs {}", avail.p5, down.p95);
    assert!((avail.p1 - (1.0 - down.p99 / 1000.0)).abs() < 1e-12, "{} vs {}", avail.p1, down.p99);
    assert!((avail.min - (1.0 - down.max / 1000.0)).abs() < 1e-12, "{} vs {}", avail.min, down.max);
    // By hand: downtime uniform on 1..2 h, so p5 of availability is near
    // 1 - 1.95/1000 = 0.99805 and p1 near 1 - 1.99/1000 = 0.99801; the
    // allowance is the sketch's 1% of the unavailability (2e-5) plus three
    // standard errors of a 400-run quantile (3 x 0.011 h / 1000 h = 3.3e-5).
    assert!((avail.p5 - 0.99805).abs() < 6e-5, "p5 {}", avail.p5);
    assert!((avail.p1 - 0.99801).abs() < 6e-5, "p1 {}", avail.p1);
    assert!(avail.min >= 0.998 && avail.min <= avail.p1 && avail.p1 <= avail.p5 && avail.p5 < avail.p50);

    let table = report.to_table(Metric::Availability);
    let header = table.lines().find(|l| l.contains("service")).unwrap();
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(columns, ["service", "mean", "interval", "p50", "p5", "p1", "min"], "{table}");
    // blip: 1 - 3.6 s / 1000 h = 1 - 1e-6: seven places, not "1.00000".
    let blip = table.lines().find(|l| l.trim_start().starts_with("blip")).unwrap();
    assert!(blip.contains("0.9999990") && !blip.contains("1.0000"), "{table}");
    // The downtime table keeps its upper tail.
    let table = report.to_table(Metric::Downtime);
    assert!(table.contains(" p95 ") && table.contains(" max") && !table.contains(" p5 "), "{table}");
    // JSON and CSV carry p1 and p5 for every metric.
    assert!(report.to_json().contains("\"p5\": ") && report.to_json().contains("\"p1\": "));
    let csv = report.to_csv();
    assert!(csv.lines().next().unwrap().contains(",mean_high,p1,p5,p50,"), "{csv}");
}

/// The numbers of places: two significant digits of the shortfall from 1.
#[test]
fn availability_places_follow_the_nines() {
    use outage::study::availability_places;
    // 1 - 0.99906 = 0.00094: first digit in the 4th place, two digits: 5.
    assert_eq!(availability_places([0.99906]), 5);
    assert_eq!(format!("{:.*}", availability_places([0.99906]), 0.99906), "0.99906");
    // 1 - 0.9 = 0.1: 2 places; 0.999 (0.001): 4 places, "0.9990".
    assert_eq!(availability_places([0.9]), 2);
    assert_eq!(availability_places([0.999]), 4);
    // A column takes the places of its most demanding value.
    assert_eq!(availability_places([0.5, 0.999999]), 7);
}

/// `sweep` of availability: mean (p5, p1, min), not the upper p95, with
/// its nines; its chart draws the low tail on an axis that ends at 1.
#[test]
fn sweep_of_availability_shows_the_low_tail() {
    use outage::objective::Metric;
    let scenario = crate::common::load(AVAILABILITY);
    let report = outage::study::Sweep::new(&scenario)
        .parameter("services.blip.priority", &["1", "2"])
        .metric(Metric::Availability)
        .runs(100)
        .seed(1)
        .run()
        .unwrap();
    let table = report.to_table();
    assert!(table.lines().next().unwrap().ends_with("availability (fraction): mean (p5, p1, min)"), "{table}");
    // blip: every run 1 - 1e-6, so mean, p5, p1 and min all read 0.9999990.
    assert!(table.contains("0.9999990 (0.9999990, 0.9999990, 0.9999990)"), "{table}");
    let app = report.point(&["1"], "outage", "app").unwrap();
    assert!(app.min <= app.p1 && app.p1 <= app.p5 && app.p5 < app.mean, "{app:?}");
    assert_eq!(app.tail(Metric::Availability).iter().map(|t| t.0).collect::<Vec<_>>(), ["p5", "p1", "min"]);
    assert_eq!(app.tail(Metric::Downtime).iter().map(|t| t.0).collect::<Vec<_>>(), ["p95"]);
    let svg = outage::visual::charts::sweep(&report, "outage", "app").unwrap();
    for line in ["5th percentile", "1st percentile", "minimum"] {
        assert!(svg.contains(line), "the sweep chart lacks {line}");
    }
    assert!(!svg.contains("95th percentile"));
    // The axis reaches 1 with its places (app's runs lie in 0.998..0.999).
    assert!(svg.contains(">\n1.0000\n<") && svg.contains(">\n0.9990\n<"), "axis labels: {svg}");
}

/// `compare` of availability: each side's low tail, with its nines.
#[test]
fn compare_of_availability_shows_each_sides_low_tail() {
    use outage::objective::Metric;
    let scenario = crate::common::load(AVAILABILITY);
    // blip down 7.2 s instead of 3.6 s: 1 - 2e-6 = 0.999998 in every run.
    let longer = scenario.patched(&[r#"disasters.outage.hazards.1.duration=Fixed("7.2s")"#.parse().unwrap()]).unwrap();
    let report = outage::study::Compare::new(&scenario)
        .variant("longer", &longer)
        .metrics(&[Metric::Availability])
        .runs(50)
        .run()
        .unwrap();
    let blip = report.row("longer", "outage", "blip", Metric::Availability).unwrap();
    assert_eq!((blip.baseline_p5, blip.variant_min), (Some(1.0 - 1e-6), Some(1.0 - 2e-6)));
    let app = report.row("longer", "outage", "app", Metric::Availability).unwrap();
    assert!(app.baseline_min.unwrap() <= app.baseline_p1.unwrap() && app.baseline_p1 <= app.baseline_p5);
    let table = report.to_table();
    assert!(
        table.contains("low tail: baseline p5 0.9999990, p1 0.9999990, min 0.9999990; variant p5 0.9999980"),
        "{table}"
    );
    // Every pair differs by the same 3.6 s: that is what the report says.
    assert_eq!(blip.pairing(), outage::study::Pairing::SameChange);
    assert!(table.contains("same change in every pair"), "{table}");
}

/// An availability objective on its bad tail (P5, P1), shown with its nines.
#[test]
fn check_states_availability_objectives_on_the_low_tail() {
    let objectives = r#"objectives: [
        Objective(name: "blip", service: "blip", metric: Availability, statistic: P1, at_least: 0.99999),
        Objective(name: "app", service: "app", metric: Availability, statistic: P5, at_least: 0.999),
    ],
    disasters: ["#;
    let scenario = crate::common::load(&AVAILABILITY.replace("disasters: [", objectives));
    let report = outage::study::Check::new(&scenario).seed(1).run().unwrap();
    let table = report.to_table();
    // blip: every run 0.999999 >= 0.99999: passes, shown as 0.9999990.
    let blip = report.rows.iter().find(|r| r.objective == "blip").unwrap();
    assert_eq!(blip.verdict, outage::study::Verdict::Pass, "{table}");
    assert!(table.contains("0.9999990"), "{table}");
    // app: its p5 is near 1 - 1.95/1000 = 0.99805, below 0.999: fails.
    let app = report.rows.iter().find(|r| r.objective == "app").unwrap();
    assert_eq!(app.verdict, outage::study::Verdict::Fail, "{table}");
    assert!((app.estimate - 0.99805).abs() < 1e-4, "{table}");
}

/// "front" needs "db" (hard) and works worse without "cache" (soft, impact
/// 0.3); the incident takes cache down from 1h to 3h and db from 5h to 6h.
const SPOF: &str = r#"Scenario(
    name: "spof",
    horizon: "1d",
    sites: [Site(name: "dc", rooms: [Room(name: "hall", kind: DataHall, feeds: ["grid"])])],
    power: [Utility(name: "grid")],
    pools: [Pool(name: "p", room: "hall", servers: 3, boot: Fixed("1m"))],
    services: [
        Service(name: "front", users: 1000, demand: 1, deployments: [(pool: "p", servers: 1)],
                depends_on: ["db"], soft_depends_on: [(service: "cache", impact: 0.3)]),
        Service(name: "cache", users: 0, demand: 1, deployments: [(pool: "p", servers: 1)]),
        Service(name: "db", users: 0, demand: 1, deployments: [(pool: "p", servers: 1)]),
    ],
    disasters: [
        Disaster(name: "incident", hazards: [
            Outage(target: "cache", at: "1h", duration: Fixed("2h")),
            Outage(target: "db", at: "5h", duration: Fixed("1h")),
        ]),
    ],
)"#;

/// `spof --during`: an element that holds a service degraded is named, not
/// shown as "-".
#[test]
fn spof_counts_the_services_an_element_holds_degraded() {
    let scenario = crate::common::load(SPOF);
    let report = outage::study::Spof::new(&scenario).during("incident").services_only(true).runs(3).run().unwrap();
    let row = |name: &str| report.rows.iter().find(|r| r.element == name).unwrap();
    // Sparing db saves front's hour down: 1000 users x 1 h = 1000 user-hours.
    assert!((row("db").user_hours_lost - 1000.0).abs() < 1e-6, "{:?}", row("db"));
    assert_eq!(row("db").services_down, ["front"]);
    assert!(row("db").services_degraded.is_empty());
    // Sparing cache saves front's 2 h at 70%: 1000 x 0.3 x 2 h = 600
    // user-hours; front was degraded, not down, for them.
    let cache = row("cache");
    assert!((cache.user_hours_lost - 600.0).abs() < 1e-6, "{cache:?}");
    assert!(cache.services_down.is_empty(), "{cache:?}");
    assert_eq!(cache.services_degraded, ["front"]);
    let table = report.to_table(10);
    assert!(table.contains("holds down; degraded"), "{table}");
    let line = table.lines().find(|l| l.contains(" cache ")).unwrap();
    assert!(line.ends_with("  degraded: front"), "{table}");
    assert!(table.contains("\ndegraded: down or degraded longer than with it spared in most runs"), "{table}");

    // Lost alone (at 1h for 4h): cache is down itself and degrades front
    // for 4 h: 1000 x 0.3 x 4 = 1200 user-hours.
    let report = outage::study::Spof::new(&scenario).services_only(true).runs(3).run().unwrap();
    let cache = report.rows.iter().find(|r| r.element == "cache").unwrap();
    assert_eq!(
        (cache.services_down.clone(), cache.services_degraded.clone()),
        (vec!["cache".into()], vec!["front".into()])
    );
    assert!((cache.user_hours_lost - 1200.0).abs() < 1e-6, "{cache:?}");
    let table = report.to_table(10);
    assert!(table.contains("takes down; degrades"), "{table}");
    assert!(table.lines().any(|l| l.contains(" cache ") && l.ends_with("  cache; degraded: front")), "{table}");
}

/// A data hall holding two UPS, a cooling unit and three pools of 1,000,
/// 1,500 and 500 servers, burnt out by a fire.
const FIRE: &str = r#"Scenario(
    name: "fire",
    horizon: "1d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "hall", kind: DataHall, feeds: ["sb"], cooling: ["crah"]),
    ])],
    power: [
        Utility(name: "grid"),
        Switchboard(name: "sb", room: "elec", inputs: ["grid"]),
        Ups(name: "ups-1", room: "hall", inputs: ["grid"], ride_through: "10m"),
        Ups(name: "ups-2", room: "hall", inputs: ["grid"], ride_through: "10m"),
    ],
    cooling: [Cooling(name: "crah", room: "hall", power: ["sb"])],
    pools: [
        Pool(name: "web", room: "hall", servers: 1000, boot: Fixed("5m")),
        Pool(name: "db", room: "hall", servers: 1500, boot: Fixed("5m")),
        Pool(name: "cache", room: "hall", servers: 500, boot: Fixed("5m")),
    ],
    services: [Service(name: "app", users: 10, demand: 1000, deployments: [(pool: "web")])],
    disasters: [Disaster(name: "fire", hazards: [
        Fire(room: "hall", at: "0s", damage_after: Fixed("3m"), extinguished_after: Fixed("1h")),
    ])],
)"#;

/// What a fire destroyed is told by kind, never adding UPS, cooling units
/// and servers together.
#[test]
fn what_a_fire_destroyed_is_counted_by_kind() {
    let scenario = crate::common::load(FIRE);
    let model = scenario.model();
    let hall = model.find("hall").unwrap();
    // 2 UPS, 1 cooling unit, 3 pools of 1000 + 1500 + 500 = 3000 servers.
    assert_eq!(model.describe_contents(hall), "2 UPS, 1 cooling unit, 3 pools (3,000 servers)");
    assert_eq!(model.describe_contents(model.find("elec").unwrap()), "1 switchboard");
    assert_eq!(model.describe_contents(model.find("web").unwrap()), "");

    let report = crate::common::run(&scenario, "fire", 0);
    // The table lists the equipment, then the servers of its pools apart.
    let table = report.to_table(false);
    assert!(
        table.contains(
            "  room 'hall' at 3m: ups-1, ups-2, crah, web, db, cache (3,000 servers in its pools); not replaced"
        ),
        "{table}"
    );
    // ... as the JSON entry has them: six pieces of equipment, 3000 servers.
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    let destroyed = &json["destroyed"][0];
    assert_eq!(destroyed["equipment"].as_array().unwrap().len(), 2 + 1 + 3);
    assert_eq!(destroyed["servers"], 3000);
}

/// One sample of the README: a ```text or ```console block whose first line
/// is a command (`$ outage ...` or `$ cargo run --release -- ...`), then
/// what it prints.
struct Sample {
    /// Index in the README's lines of the block's first line after the fence.
    first: usize,
    /// The command lines (with their `\` continuations).
    command: Vec<String>,
    /// The output shown, after the command.
    shown: Vec<String>,
}

/// Every sample of the README, in order.
fn readme_samples(lines: &[&str]) -> Vec<Sample> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_end();
        i += 1;
        if fence != "```text" && fence != "```console" {
            continue;
        }
        let end = (i..lines.len()).find(|&k| lines[k].trim_end() == "```").expect("every fence is closed");
        let body = &lines[i..end];
        if body.first().is_some_and(|l| l.starts_with("$ outage ") || l.starts_with("$ cargo run --release -- ")) {
            // Continuation lines end in a backslash.
            let n = body.iter().position(|l| !l.trim_end().ends_with('\\')).map_or(body.len(), |k| k + 1);
            out.push(Sample {
                first: i,
                command: body[..n].iter().map(|l| (*l).to_owned()).collect(),
                shown: body[n..].iter().map(|l| (*l).to_owned()).collect(),
            });
        }
        i = end + 1;
    }
    out
}

/// What a sample's command prints now (stdout and stderr, as a terminal
/// shows them), each line without trailing blanks. The command runs in a
/// shell from the crate root, `outage` being the binary under test.
fn run_sample(command: &[String]) -> Vec<String> {
    let text = command.join("\n");
    let text = text.strip_prefix("$ ").expect("a command line");
    let text = match text.strip_prefix("cargo run --release -- ") {
        Some(rest) => format!("outage {rest}"),
        None => text.to_owned(),
    };
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_outage"));
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1\n{text}"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", path)
        .env_remove("CI")
        .output()
        .expect("sh runs");
    String::from_utf8(out.stdout).expect("UTF-8 output").lines().map(|l| l.trim_end().to_owned()).collect()
}

/// A line that stands for lines left out: `...`, indented as its
/// neighbours are.
fn is_elision(line: &str) -> bool {
    line.trim() == "..."
}

/// Blank-line separated sections of lines.
fn sections(lines: &[String]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for l in lines {
        match (l.is_empty(), out.last_mut()) {
            (true, Some(last)) if last.is_empty() => {}
            (true, _) => out.push(Vec::new()),
            (false, Some(last)) => last.push(l.clone()),
            (false, None) => out.push(vec![l.clone()]),
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The excerpt of `output` that a sample shaped like `shown` shows. Each
/// section (between blank lines) of `shown` stands for the next section
/// of the output that starts with the same word (the sections it skips are
/// left out): whole, or, where it has a `...` line, its first lines before
/// the `...` and its last lines after it (the lines between elided). A
/// section that is only `...` stays as it is. So the check and the
/// regeneration of a sample are one function: a sample is up to date when
/// it is its own excerpt of what the command prints now.
fn excerpt(output: &[String], shown: &[String]) -> Vec<String> {
    let new = sections(output);
    let mut at = 0;
    let mut parts: Vec<Vec<String>> = Vec::new();
    let word = |s: &[String]| s.first().and_then(|l| l.split_whitespace().next()).unwrap_or("").to_owned();
    for old in sections(shown) {
        if old.len() == 1 && is_elision(&old[0]) {
            parts.push(old);
            continue;
        }
        let Some(k) = (at..new.len()).find(|&k| word(&new[k]) == word(&old)) else { continue };
        at = k + 1;
        let section = &new[k];
        let part = match (old.iter().position(|l| is_elision(l)), old.iter().rposition(|l| is_elision(l))) {
            (Some(first), Some(last)) => {
                let (head, tail) = (first, old.len() - last - 1);
                if section.len() <= head + tail {
                    section.clone()
                } else {
                    let mut p = section[..head].to_vec();
                    p.push(old[first].clone());
                    p.extend_from_slice(&section[section.len() - tail..]);
                    p
                }
            }
            _ => section.clone(),
        };
        parts.push(part);
    }
    parts.join(&String::new())
}

/// The README's sample outputs are what the tool prints: each block that
/// starts with `$ outage ...` is run, and must be its own excerpt of the
/// output (see [`excerpt`]). When the tool's output changes on purpose,
/// regenerate the samples, with the golden reports, by
///
/// ```sh
/// UPDATE_GOLDEN=1 cargo test --test integration golden
/// ```
///
/// and read `git diff README.md`.
#[cfg(unix)]
#[test]
fn golden_readme_samples_match_the_tool() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = readme.lines().map(str::to_owned).collect();
    let samples = readme_samples(&readme.lines().collect::<Vec<_>>());
    assert!(samples.len() >= 8, "the README's samples: {}", samples.len());
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    // From the last, so that a regenerated sample does not move the others.
    for s in samples.iter().rev() {
        let output = run_sample(&s.command);
        let expected = excerpt(&output, &s.shown);
        if expected != s.shown {
            let from = s.first + s.command.len();
            stale.push(format!(
                "README.md line {}: {}\n--- shown\n{}\n--- the tool prints now (excerpt)\n{}\n--- in full\n{}",
                s.first + 1,
                s.command.join(" "),
                s.shown.join("\n"),
                expected.join("\n"),
                output.join("\n")
            ));
            lines.splice(from..from + s.shown.len(), expected);
        }
    }
    if update {
        if !stale.is_empty() {
            std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        }
    } else {
        assert!(
            stale.is_empty(),
            "{} README sample(s) out of date; regenerate with `UPDATE_GOLDEN=1 cargo test --test integration golden`:\n{}",
            stale.len(),
            stale.join("\n\n")
        );
    }
}

/// The excerpt rules on a made-up output, by hand.
#[test]
fn readme_excerpts_keep_their_shape() {
    let lines = |s: &str| s.lines().map(str::to_owned).collect::<Vec<_>>();
    let output = lines("scenario x\n a 1\n b 2\n c 3\n\nnotes\n n1\n\nservice timeline\n t1\n t2\n t3\n t4");
    // First section: head 2, `...`; "notes" skipped; timeline: head 2, `...`, tail 1.
    let shown = lines("scenario x\n a 0\n ...\n\nservice timeline\n t0\n...\n t9");
    assert_eq!(excerpt(&output, &shown), lines("scenario x\n a 1\n ...\n\nservice timeline\n t1\n...\n t4"));
    // A complete section is taken whole, however long it has become.
    assert_eq!(excerpt(&output, &lines("notes\n old")), lines("notes\n n1"));
    // A section now too short for its elision is shown whole.
    assert_eq!(excerpt(&output, &lines("notes\n n1\n...\n x")), lines("notes\n n1"));
}

const README: &str = include_str!("../../README.md");

/// The README's Layout section names every bundled scenario.
#[test]
fn the_layout_names_every_bundled_scenario() {
    let layout = README.split("## Layout").nth(1).expect("a Layout section");
    let layout = layout.split("\n## ").next().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron") && !n.ends_with(".milestones.ron"))
        .collect();
    names.sort();
    // minimal, kakao, samsung, and the three fictional estates.
    assert_eq!(names.len(), 6, "{names:?}");
    for name in &names {
        assert!(layout.contains(name.as_str()), "the Layout section does not name scenarios/{name}");
    }
}

/// Before its first `outage ...` command, the README says how to get the
/// command on the PATH.
#[test]
fn the_readme_says_how_to_get_outage_on_the_path() {
    let first_use = README.find("$ outage ").expect("the README uses the command");
    let install = README.find("cargo install --locked --path .").expect("the README says how to install it");
    assert!(install < first_use, "the install line comes after the first use");
    assert!(README[..first_use].contains("target/release/outage"));
}

/// A data hall without a feed is refused, and the docs say so rather than
/// "powered by its feeds, if it lists any"; two services that each take a
/// whole shared pool are refused as over-committed, and the docs say why.
#[test]
fn the_docs_state_the_rules_validation_enforces() {
    let hall_without_feed = AVAILABILITY.replace(r#"feeds: ["grid"]"#, "");
    let e = outage::Scenario::from_ron_str(&hall_without_feed).unwrap_err().to_string();
    assert!(e.contains("data hall 'hall' has no power path: give it at least one feed"), "{e}");
    let lib = include_str!("../../src/lib.rs");
    let spec = include_str!("../../src/scenario/spec.rs");
    // Prose as one line: comment markers and line breaks as single spaces.
    let flat = |text: &str| {
        let text = text.replace("//!", " ").replace("///", " ");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    for (file, text) in [("README.md", README), ("src/lib.rs", lib), ("src/scenario/spec.rs", spec)] {
        let text = flat(text);
        assert!(!text.contains("feeds` is live (if it lists any)"), "{file}");
        assert!(text.contains("data hall must list at least one feed"), "{file}");
    }
    // Both services take the whole pool of 2: 4 of its 2 servers.
    let shared = AVAILABILITY.replace(r#"(pool: "p", servers: 1)"#, r#"(pool: "p")"#);
    let e = outage::Scenario::from_ron_str(&shared).unwrap_err().to_string();
    assert!(e.contains("pool 'p' is over-committed: services use 4 of its 2 servers"), "{e}");
    for (file, text) in [("README.md", README), ("src/lib.rs", lib)] {
        let text = flat(text);
        assert!(text.contains("refused as over-committed"), "{file}");
        assert!(
            text.contains("or, with neither, the whole pool") || text.contains("or with neither the whole pool"),
            "{file}"
        );
    }
}

/// Pairing is worded in one place, `CompareRow::pairing`, and the examples
/// use it rather than formatting the factor themselves (dual_feed_what_if
/// printed "889341.6x" for a change that was the same in 971 of 1000 pairs).
#[test]
fn pairing_is_worded_once_and_the_examples_use_it() {
    use outage::study::Pairing;
    assert_eq!(Pairing::Identical.to_string(), "identical in every pair");
    assert_eq!(Pairing::SameChange.to_string(), "same change in every pair");
    assert_eq!(Pairing::Factor(32.84).to_string(), "32.8x");
    assert_eq!(Pairing::Factor(889_341.6).to_string(), "over 1000x");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(!text.contains("variance_reduction"), "{} formats the pairing factor itself", path.display());
    }
    // A variant that changes nothing: every pair identical.
    let scenario = crate::common::load(AVAILABILITY);
    let same = scenario.patched(&["services.app.priority=2".parse().unwrap()]).unwrap();
    let report = outage::study::Compare::new(&scenario).variant("same", &same).runs(20).run().unwrap();
    let app = report.row("same", "outage", "app", outage::objective::Metric::Downtime).unwrap();
    assert_eq!((app.variance_reduction, app.pairing()), (None, Pairing::Identical));
    assert!(report.to_table().contains("identical in every pair"));
}
