//! Monte Carlo throughput: runs per second of the Kakao replay on one and
//! two threads, measured in the same bench run.
//!
//! Run with `cargo bench --bench montecarlo`; after criterion's output it
//! prints runs per second and the speed-up of two threads over one.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use outage::Scenario;
use outage::study::Study;

const RUNS: u64 = 1000;
const THREADS: [usize; 2] = [1, 2];

fn montecarlo(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/kakao_pangyo_2022.ron");
    let scenario = Scenario::from_path(path).expect("bundled scenario loads");
    let mut group = c.benchmark_group("montecarlo");
    group.sample_size(10).measurement_time(Duration::from_secs(10)).throughput(Throughput::Elements(RUNS));
    for threads in THREADS {
        group.bench_with_input(BenchmarkId::new("kakao_runs", threads), &threads, |b, &t| {
            b.iter(|| {
                let study = Study::new(&scenario).runs(RUNS).seed(7).threads(t).disaster("b3-battery-fire");
                black_box(study.summarise().expect("study runs"))
            });
        });
    }
    group.finish();
}

fn mean_ns(id: &str) -> Option<f64> {
    let home = std::env::var_os("CRITERION_HOME").map(PathBuf::from).unwrap_or_else(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
        target.join("criterion")
    });
    let file = home.join("montecarlo").join(id).join("new").join("estimates.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

/// Pairs of (1 thread, 2 threads) studies timed back to back: on a shared
/// machine whose speed drifts, the ratio within a pair is far steadier than
/// the ratio of two separately timed blocks.
const PAIRS: usize = 15;

fn interleaved_speedup() -> (f64, f64, f64) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/kakao_pangyo_2022.ron");
    let scenario = Scenario::from_path(path).expect("bundled scenario loads");
    let time = |threads: usize| {
        let started = std::time::Instant::now();
        let study = Study::new(&scenario).runs(RUNS).seed(7).threads(threads).disaster("b3-battery-fire");
        black_box(study.summarise().expect("study runs"));
        started.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..PAIRS).map(|_| time(1) / time(2)).collect();
    ratios.sort_by(f64::total_cmp);
    (ratios[PAIRS / 2], ratios[PAIRS / 4], ratios[3 * PAIRS / 4])
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    montecarlo(&mut c);
    c.final_summary();
    let rate = |t: usize| mean_ns(&format!("kakao_runs/{t}")).map(|ns| RUNS as f64 / ns * 1e9);
    if let (Some(one), Some(two)) = (rate(1), rate(2)) {
        println!("\nKakao replay, {RUNS} runs per iteration (criterion means):");
        println!("  1 thread:  {one:.0} runs/s");
        println!("  2 threads: {two:.0} runs/s  ({:.2}x)", two / one);
    }
    let (median, q1, q3) = interleaved_speedup();
    println!(
        "speed-up of 2 threads over 1, {PAIRS} interleaved pairs: median {median:.2}x (quartiles {q1:.2}x-{q3:.2}x)"
    );
}
