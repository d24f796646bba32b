//! The bundled incident replays match the reported timelines (the same check
//! as `cargo run --release --example replay_check`).

use std::path::Path;

use outage::milestones;

fn assert_milestones(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let spec = milestones::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(spec.runs >= 200, "{file}: the check promises at least 200 runs");
    let (_, results) = milestones::check(&path, &spec).unwrap_or_else(|e| panic!("{e}"));
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.pass)
        .map(|r| {
            format!(
                "{}: reported {}, median {} (10-90% {}..{}), error {:+.0}%",
                r.milestone.name,
                r.milestone.reported,
                r.median,
                r.p10,
                r.p90,
                r.relative_error * 100.0
            )
        })
        .collect();
    assert!(failures.is_empty(), "{file}: milestones out of tolerance:\n{}", failures.join("\n"));
}

#[test]
fn kakao_pangyo_2022_matches_the_reported_timeline() {
    assert_milestones("kakao_pangyo_2022.milestones.ron");
}

#[test]
fn samsung_sds_gwacheon_2014_matches_the_reported_timeline() {
    assert_milestones("samsung_sds_gwacheon_2014.milestones.ron");
}

#[test]
fn the_kakao_replay_shows_the_lessons_of_the_report() {
    // The report's story, asserted on one run: the tooling, login and the
    // caches were single-homed; KakaoTalk waited for login; the multi-profile
    // standby was promoted from an asynchronous replica; Naver, with real
    // inter-DC redundancy, was never down for long.
    let scenario =
        outage::Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/kakao_pangyo_2022.ron")).unwrap();
    let report = outage::Simulation::new(&scenario, None).unwrap().run(&outage::RunOptions::default().seed(1)).unwrap();
    let s = |n: &str| report.service(n).unwrap();
    assert!(s("kakaotalk-messaging").causes.iter().any(|c| c.cause == "dependency 'kakao-auth'"));
    assert!(s("kakaotalk-profile").inconsistency_risk && s("kakaotalk-profile").data_loss.is_some());
    assert!(s("naver-search").downtime < outage::SimDuration::from_hours(2));
    assert!(s("kakaobank").downtime.is_zero() && s("kakaobank").degraded > outage::SimDuration::ZERO);
    assert!(report.deadlocks.is_empty());
}
