//! Monte Carlo throughput: runs per second of the Kakao replay on one and
//! two threads, measured in the same bench run.
//!
//! Run with `cargo bench --bench montecarlo`; after criterion's output it
//! prints runs per second and the speed-up of two threads over one.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use outage::study::Study;
use outage::{RunOptions, Scenario, Simulation};

mod common;

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
    common::estimate("montecarlo", id).map(|(ns, _)| ns)
}

/// Pairs of (1 thread, 2 threads) studies timed back to back: on a shared
/// machine whose speed drifts, the ratio within a pair is far steadier than
/// the ratio of two separately timed blocks.
const PAIRS: usize = 21;
/// Runs per study in the interleaved pairs (about half a second on one core).
const PAIR_RUNS: u64 = 2000;

/// CPU time of this process so far, in seconds (Linux; `None` elsewhere).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}

/// Median and quartiles of a sample (sorted in place).
fn quartiles(xs: &mut [f64]) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    (xs[n / 2], xs[n / 4], xs[3 * n / 4])
}

/// What the interleaved pairs measure.
struct Scaling {
    /// Wall-clock speed-up of a 2-thread study over a 1-thread one.
    speedup: (f64, f64, f64),
    /// The machine's own ceiling: two independent single-threaded
    /// simulations at once against one alone (2.0 on an ideal machine).
    ceiling: (f64, f64, f64),
    /// CPU time of 2 threads / 1 thread (1.0: no work lost to parallelism).
    cpu: Option<f64>,
}

fn interleaved_scaling() -> Scaling {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/kakao_pangyo_2022.ron");
    let scenario = Scenario::from_path(path).expect("bundled scenario loads");
    let time = |threads: usize| {
        let (started, cpu) = (std::time::Instant::now(), cpu_seconds());
        let study = Study::new(&scenario).runs(PAIR_RUNS).seed(7).threads(threads).disaster("b3-battery-fire");
        black_box(study.summarise().expect("study runs"));
        (started.elapsed().as_secs_f64(), cpu.zip(cpu_seconds()).map(|(a, b)| b - a))
    };
    // Half a study's runs on a bare simulator: no rayon, no aggregation.
    let simulate = |first: u64| {
        let mut sim = Simulation::new(&scenario, Some("b3-battery-fire")).expect("the disaster exists");
        for run in first..first + PAIR_RUNS / 2 {
            black_box(sim.run(&RunOptions::default().seed(7).run(run).timeline(false)).expect("a run"));
        }
    };
    let (mut speedups, mut ceilings, mut cpu_ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..PAIRS {
        let (w1, c1) = time(1);
        let (w2, c2) = time(2);
        speedups.push(w1 / w2);
        if let (Some(c1), Some(c2)) = (c1, c2) {
            cpu_ratios.push(c2 / c1);
        }
        let started = std::time::Instant::now();
        simulate(0);
        let alone = started.elapsed().as_secs_f64();
        let started = std::time::Instant::now();
        std::thread::scope(|s| {
            s.spawn(|| simulate(0));
            simulate(PAIR_RUNS / 2);
        });
        ceilings.push(2.0 * alone / started.elapsed().as_secs_f64());
    }
    let cpu = (!cpu_ratios.is_empty()).then(|| quartiles(&mut cpu_ratios).0);
    Scaling { speedup: quartiles(&mut speedups), ceiling: quartiles(&mut ceilings), cpu }
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
    // The interleaved pairs take a minute; not under `cargo test --benches`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let Scaling { speedup: (median, q1, q3), ceiling: (c, c1, c3), cpu } = interleaved_scaling();
    println!(
        "speed-up of 2 threads over 1, {PAIRS} interleaved pairs of {PAIR_RUNS}-run studies: median {median:.2}x (quartiles {q1:.2}x-{q3:.2}x)"
    );
    println!(
        "the machine's ceiling, two independent simulators at once against one: median {c:.2}x (quartiles {c1:.2}x-{c3:.2}x)"
    );
    println!("  => the study reaches {:.0}% of what this machine allows", 100.0 * median / c);
    if let Some(cpu) = cpu {
        println!("CPU time of 2 threads / 1 thread (median): {cpu:.2}");
    }
}
