//! Study summaries are untrusted input: one test per class of summary that
//! no study writes (each refused with a message naming the disaster, service
//! and metric and what is wrong), bounded reading, and real shards that
//! still merge into exactly the unsharded study.

use std::path::PathBuf;
use std::process::Output;

use outage::objective::{Amount, Metric};
use outage::study::{MAX_SUMMARY_BYTES, Study, StudySummary, SummaryErrorKind};
use outage::{Scenario, SimDuration};
use serde_json::{Value, json};

use crate::common::{protect_big_integers, restore_big_integers};

const MINIMAL: &str = include_str!("../../scenarios/minimal.ron");

fn outage(args: &[&str]) -> Output {
    crate::common::outage_bin(args)
}

fn scratch(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-summaries-{name}", std::process::id()))
}

/// The study the shards below come from: thresholds on downtime and
/// availability, so that threshold counts are checked too.
fn study(scenario: &Scenario) -> Study<'_> {
    Study::new(scenario)
        .runs(40)
        .seed(3)
        .threshold(Metric::Downtime, Amount::Duration(SimDuration::from_hours(6)))
        .threshold(Metric::Availability, Amount::Number(0.9))
}

/// Shard 1 of 2 and shard 2 of 2 of [`study`], as `outage mc --summary` writes them.
fn shards() -> (String, String) {
    static SHARDS: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    SHARDS
        .get_or_init(|| {
            let scenario = Scenario::from_ron_str(MINIMAL).unwrap();
            let shard = |i| study(&scenario).shard(i, 2).summarise().unwrap().to_json();
            (shard(0), shard(1))
        })
        .clone()
}

/// The first shard, edited by `edit` (which may write `"__bigN__"` strings back).
fn doctored(edit: impl FnOnce(&mut Value)) -> String {
    let (text, big) = protect_big_integers(&shards().0);
    let mut v: Value = serde_json::from_str(&text).unwrap();
    edit(&mut v);
    restore_big_integers(&v.to_string(), &big)
}

/// Metric `m` (in report order) of service `s` of the first disaster.
fn metric(v: &mut Value, s: usize, m: usize) -> &mut Value {
    v.pointer_mut(&format!("/disasters/0/1/services/{s}/metrics/{m}")).expect("a metric")
}

/// The refusal of a doctored first shard, as a message.
fn refusal(edit: impl FnOnce(&mut Value)) -> String {
    let text = doctored(edit);
    // Deserializing it directly goes through the same check.
    assert!(serde_json::from_str::<StudySummary>(&text).is_err(), "serde accepts what from_json refuses");
    StudySummary::from_json(&text).map(|_| ()).expect_err("a doctored summary is refused").to_string()
}

/// Asserts that the refusal names web's `metric` in the battery fire and says `why`.
fn assert_refused(e: &str, metric: &str, why: &str) {
    let at = format!("disaster 'battery-fire': service 'web', metric {metric}: ");
    assert!(e.starts_with("inconsistent study summary: ") && e.contains(&at) && e.contains(why), "{e}");
}

fn u(v: &Value) -> u64 {
    v.as_u64().expect("an integer that fits in u64")
}

#[test]
fn real_shards_pass_and_merge_into_exactly_the_unsharded_study() {
    let (a, b) = shards();
    let scenario = Scenario::from_ron_str(MINIMAL).unwrap();
    let whole = study(&scenario).summarise().unwrap();
    let parts = [StudySummary::from_json(&b).unwrap(), StudySummary::from_json(&a).unwrap()];
    let merged = StudySummary::merge(&parts).unwrap();
    assert_eq!(merged.to_json(), whole.to_json());
    assert_eq!(merged.report(0.95).to_json(), whole.report(0.95).to_json());
    // And what merging writes reads back.
    assert_eq!(StudySummary::from_json(&merged.to_json()).unwrap().to_json(), whole.to_json());
    // A shard without runs (fewer runs than shards) is a summary too.
    let empty = Study::new(&scenario).runs(1).shard(0, 2).summarise().unwrap();
    assert!(StudySummary::from_json(&empty.to_json()).is_ok(), "{}", empty.to_json());
}

#[test]
fn a_sketch_bin_past_the_largest_key_is_refused() {
    // A dense copy of this sketch would span millions of bins.
    let e = refusal(|v| metric(v, 0, 1)["sketch"] = json!({"zeros": 0, "bins": [[0, 1], [10_000_000, 19]]}));
    assert_refused(&e, "degraded", "sketch bin [10000000, 19]: bins must have keys rising from 0 to 2217");
    let e = refusal(|v| metric(v, 0, 1)["sketch"]["bins"] = json!([[-3, 20]]));
    assert_refused(&e, "degraded", "bins must have keys rising from 0");
}

#[test]
fn sketch_bins_out_of_order_repeated_or_empty_are_refused() {
    // Keys must rise, so a sketch holds at most 2218 bins, whatever the file.
    let many: Vec<Value> = (0..5000).map(|k| json!([2217 - k % 2218, 1])).collect();
    let e = refusal(move |v| metric(v, 0, 0)["sketch"]["bins"] = Value::Array(many));
    assert_refused(&e, "downtime", "keys rising from 0 to 2217 and counts above 0");
    let e = refusal(|v| metric(v, 0, 0)["sketch"]["bins"] = json!([[900, 10], [900, 10]]));
    assert_refused(&e, "downtime", "sketch bin [900, 10]: bins must have keys rising");
    let e = refusal(|v| metric(v, 0, 0)["sketch"]["bins"].as_array_mut().unwrap().push(json!([2000, 0])));
    assert_refused(&e, "downtime", "sketch bin [2000, 0]");
}

#[test]
fn a_sketch_bin_that_holds_no_whole_number_is_refused() {
    // Bins 1 to 33 hold values between 1 and 2 ticks only.
    let e = refusal(|v| metric(v, 0, 1)["sketch"] = json!({"zeros": 10, "bins": [[5, 10]]}));
    assert_refused(&e, "degraded", "sketch bin [5, 10] that holds no whole number of ticks");
}

#[test]
fn a_sketch_that_does_not_count_the_runs_is_refused() {
    let e = refusal(|v| {
        let zeros = u(&metric(v, 0, 1)["sketch"]["zeros"]);
        metric(v, 0, 1)["sketch"]["zeros"] = (zeros + 1).into();
    });
    assert_refused(&e, "degraded", "has a sketch of 21 runs, not 20");
}

#[test]
fn a_run_count_that_differs_between_metrics_is_refused() {
    let e = refusal(|v| metric(v, 1, 5)["n"] = 19.into());
    assert!(e.contains("service 'db', metric data_loss: counts 19 runs, not 20"), "{e}");
    let e = refusal(|v| v["disasters"][0][1]["deadlocked_runs"] = 21.into());
    assert!(e.contains("disaster 'battery-fire': counts 21 deadlocked runs out of 20"), "{e}");
}

#[test]
fn a_minimum_above_the_maximum_is_refused() {
    let e = refusal(|v| {
        let max = u(&metric(v, 0, 0)["max"]);
        metric(v, 0, 0)["min"] = (max + 1).into();
    });
    assert_refused(&e, "downtime", "above the maximum of");
}

#[test]
fn values_beyond_the_run_length_are_refused() {
    // A run of 2 days cannot be down for longer; 2d = 172,800,000 ms.
    let e = refusal(|v| metric(v, 0, 0)["max"] = 172_800_001u64.into());
    assert_refused(&e, "downtime", "has a maximum of 172800001 ms, beyond the run length of 172800000 ms");
    // Availability is sketched as the shortfall from the run length: a
    // shortfall beyond the run is refused too.
    let e = refusal(|v| metric(v, 0, 6)["sketch"]["bins"].as_array_mut().unwrap().push(json!([2100, 1])));
    assert_refused(&e, "availability", "sketch bin [2100, 1] of runs short of the run length");
}

#[test]
fn sketch_bins_outside_the_minimum_and_maximum_are_refused() {
    // A bin far above the maximum (and one run fewer in the top bin).
    let e = refusal(|v| {
        let bins = metric(v, 0, 0)["sketch"]["bins"].as_array_mut().unwrap();
        let top = bins.pop().unwrap();
        let (key, count) = (u(&top[0]), u(&top[1]));
        if count > 1 {
            bins.push(json!([key, count - 1]));
        }
        bins.push(json!([key + 50, 1]));
    });
    assert_refused(&e, "downtime", "outside its minimum of");
    // Zeros in a sketch whose minimum is above zero.
    let e = refusal(|v| {
        let bins = metric(v, 0, 0)["sketch"]["bins"].as_array_mut().unwrap();
        let first = bins.remove(0);
        if u(&first[1]) > 1 {
            bins.insert(0, json!([first[0], u(&first[1]) - 1]));
        }
        metric(v, 0, 0)["sketch"]["zeros"] = 1.into();
    });
    assert_refused(&e, "downtime", "has a sketch that puts 1 runs at 0..=0 ticks, outside its minimum");
}

#[test]
fn a_minimum_or_maximum_its_sketch_does_not_reach_is_refused() {
    // The lowest bin's values are all above this minimum.
    let e = refusal(|v| {
        let min = u(&metric(v, 0, 0)["min"]);
        metric(v, 0, 0)["min"] = (min * 9 / 10).into();
    });
    assert_refused(&e, "downtime", "but no run in the lowest class of its sketch");
    let e = refusal(|v| {
        let max = u(&metric(v, 0, 4)["max"]);
        metric(v, 0, 4)["max"] = (max * 11 / 10).into();
    });
    assert_refused(&e, "user_hours_lost", "but no run in the highest class of its sketch");
}

#[test]
fn sums_that_the_sketch_and_extremes_rule_out_are_refused() {
    let e = refusal(|v| {
        let sum = u(&metric(v, 0, 0)["sum"]);
        metric(v, 0, 0)["sum"] = (sum * 2).into();
    });
    assert_refused(&e, "downtime", "has a sum, minimum and maximum that cannot come from the same runs: a sum of");
    let e = refusal(|v| metric(v, 0, 0)["sum_sq"] = 7.into());
    assert_refused(&e, "downtime", "a sum of squares of 7, where its sketch, minimum and maximum allow");
}

#[test]
fn threshold_counts_that_the_sketch_rules_out_are_refused() {
    let e = refusal(|v| metric(v, 0, 0)["above"] = json!([5000]));
    assert_refused(&e, "downtime", "counts 5000 runs above a threshold, out of 20");
    // Downtime over 6 h: at least the run at the maximum, if that is over;
    // at most the runs of the bins that reach past 6 h.
    let e = refusal(|v| {
        let max = u(&metric(v, 0, 0)["max"]);
        metric(v, 0, 0)["above"] = json!([u64::from(max <= 21_600_000)]);
    });
    assert_refused(&e, "downtime", "runs above threshold #1 (21600000 ticks), where its sketch");
    let e = refusal(|v| metric(v, 0, 0)["above"] = json!([]));
    assert_refused(&e, "downtime", "has 0 threshold counts, not 1");
}

#[test]
fn a_shard_without_runs_that_claims_values_is_refused() {
    let scenario = Scenario::from_ron_str(MINIMAL).unwrap();
    let empty = Study::new(&scenario).runs(1).shard(0, 2).summarise().unwrap().to_json();
    // An empty shard with a maximum would raise the merged maximum.
    let mut v: Value = serde_json::from_str(&empty).unwrap();
    v["disasters"][0][1]["services"][0]["metrics"][0]["max"] = 99.into();
    let e = StudySummary::from_json(&v.to_string()).unwrap_err().to_string();
    assert_refused(&e, "downtime", "no runs, but a sum of 0, a sum of squares of 0, a minimum of");
}

#[test]
fn metrics_of_a_service_that_contradict_each_other_are_refused() {
    // Downtime, degraded time and availability add up to the run length.
    let e = refusal(|v| {
        let sum = u(&metric(v, 0, 0)["sum"]);
        metric(v, 0, 0)["sum"] = (sum + 1).into();
    });
    assert!(
        e.contains("disaster 'battery-fire': service 'web': downtime, degraded time and availability add up to"),
        "{e}"
    );
    // Serving again after being back for good.
    let e = refusal(|v| {
        // Web's recoveries come after its downtime (the fire is not at t0):
        // partial_recovery := full_recovery, full_recovery := downtime.
        let full = metric(v, 0, 3).clone();
        assert!(u(&full["sum"]) > u(&metric(v, 0, 0)["sum"]), "web recovers after it first goes down");
        let mut down = metric(v, 0, 0).clone();
        down["above"] = json!([]);
        *metric(v, 0, 3) = down;
        *metric(v, 0, 2) = full;
    });
    assert!(e.contains("service 'web': serves again (partial_recovery) later than it is back for good"), "{e}");
}

#[test]
fn summaries_no_study_writes_are_refused_with_a_reason() {
    type Edit = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("no runs", Box::new(|v| v["runs"] = 0.into()), "a study of no runs"),
        ("no run length", Box::new(|v| v["horizon_ms"] = 0.into()), "a run length of zero"),
        ("a bad digest", Box::new(|v| v["scenario_digest"] = "xyz".into()), "the scenario digest 'xyz' is not 16"),
        ("a service twice", Box::new(|v| v["services"] = json!(["web", "web"])), "service 'web' appears twice"),
        ("an unnamed service", Box::new(|v| v["services"] = json!(["", "db"])), "a service with an empty name"),
        ("no disasters", Box::new(|v| v["disasters"] = json!([])), "no disasters"),
        (
            "a negative threshold",
            Box::new(|v| v["thresholds"][1][1] = json!(-0.5)),
            "threshold availability=-0.5: availability is a fraction between 0 and 1",
        ),
        (
            "a number for a duration",
            Box::new(|v| v["thresholds"][0][1] = json!(6)),
            "threshold downtime=6: downtime is a duration",
        ),
        ("overlapping ranges", Box::new(|v| v["run_ranges"] = json!([[0, 20], [10, 30]])), "run range 10..30"),
    ];
    for (what, edit, why) in cases {
        let e = refusal(edit);
        assert!(e.starts_with("inconsistent study summary: ") && e.contains(why), "{what}: {e}");
    }
    // Negative counts and NaN are not even numbers of the right kind.
    let e = StudySummary::from_json(&doctored(|v| metric(v, 0, 0)["min"] = json!(-1))).unwrap_err();
    assert!(matches!(e.kind, SummaryErrorKind::Malformed(_)), "{e}");
    let nan = shards().0.replacen("\"horizon_ms\":172800000", "\"horizon_ms\":NaN", 1);
    assert!(matches!(StudySummary::from_json(&nan).unwrap_err().kind, SummaryErrorKind::Malformed(_)));
}

#[test]
fn merge_names_the_file_disaster_service_and_metric_at_fault() {
    let (a, b) = shards();
    let (bad, good) = (scratch("bad.json"), scratch("good.json"));
    std::fs::write(&bad, doctored(|v| metric(v, 1, 0)["max"] = 172_800_001u64.into())).unwrap();
    std::fs::write(&good, &b).unwrap();
    let o = outage(&["merge", good.to_str().unwrap(), bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{}: inconsistent study summary: disaster 'battery-fire': service 'db', metric downtime: has a maximum of 172800001 ms", bad.display())),
        "{err}"
    );
    // The untouched shards merge.
    std::fs::write(&bad, &a).unwrap();
    let o = outage(&["merge", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = (std::fs::remove_file(bad), std::fs::remove_file(good));
}

#[test]
fn a_file_that_never_ends_is_read_only_up_to_the_limit() {
    let zero = std::path::Path::new("/dev/zero");
    if !zero.exists() {
        return;
    }
    assert_eq!(MAX_SUMMARY_BYTES, 64 * 1024 * 1024);
    let e = StudySummary::from_path(zero).unwrap_err();
    assert!(matches!(e.kind, SummaryErrorKind::TooLarge { limit: MAX_SUMMARY_BYTES }), "{e}");
    assert_eq!(e.to_string(), "/dev/zero: larger than 67108864 bytes: not a study summary");
    let o = outage(&["merge", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/dev/zero: larger than 67108864 bytes"));
}

#[test]
fn more_services_than_a_summary_can_hold_are_refused_while_reading() {
    // Each service takes at least 700 bytes of a real summary (seven metrics
    // in each disaster), and a name in memory takes more than its text.
    let names: Vec<String> = (0..95_870).map(|i| format!("s{i}")).collect();
    let e = StudySummary::from_json(&doctored(|v| v["services"] = json!(names))).unwrap_err();
    assert!(matches!(e.kind, SummaryErrorKind::Malformed(_)), "{e}");
    assert!(e.to_string().contains("more than 95869 services, more than a summary of 67108864 bytes can hold"), "{e}");
}
