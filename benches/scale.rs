//! Cost against size: generated estates (`outage generate`) of 10^3 to
//! 10^6 servers with random failures over a year, replayed once and
//! studied 100 runs at a time; and loading the largest.
//!
//! Run with `cargo bench --bench scale`; after criterion's output it prints
//! each size's time, its ratio to the smallest size (the baseline of the
//! same run) and the slope of log(time) against log(servers) between
//! neighbouring sizes (1.0 is linear growth).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use outage::study::Study;
use outage::synthetic::Estate;
use outage::{RunOptions, Scenario, Simulation};

mod common;

/// Servers of each estate; sites and services grow with them.
const SIZES: [u64; 4] = [1_000, 10_000, 100_000, 1_000_000];
const STUDY_RUNS: u64 = 100;
const DISASTER: &str = "site-power-loss";

/// The estate of `servers` servers: a site per 10,000 servers (two at
/// least), a service per 100 servers (ten at least).
fn estate(servers: u64) -> Estate {
    Estate { sites: (servers / 10_000).max(2) as u32, servers, services: (servers / 100).max(10) as u32, seed: 1 }
}

fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    // Under `cargo test --benches` (no `--bench` flag) each bench runs once
    // as a check, on the two smallest estates.
    let sizes = if std::env::args().any(|a| a == "--bench") { &SIZES[..] } else { &SIZES[..2] };
    for &servers in sizes {
        let text = estate(servers).to_ron().expect("estate generates");
        let scenario = Scenario::from_ron_str(&text).expect("generated estates are valid");
        let mut sim = Simulation::new(&scenario, Some(DISASTER)).expect("disaster");
        let mut run = 0;
        group.bench_with_input(BenchmarkId::new("replay", servers), &servers, |b, _| {
            b.iter(|| {
                run += 1;
                black_box(sim.run(&RunOptions::default().seed(3).run(run).timeline(false)).expect("run").events)
            });
        });
        for threads in [1, 2] {
            group.bench_with_input(BenchmarkId::new(format!("study_{threads}_threads"), servers), &servers, |b, _| {
                b.iter(|| {
                    let study = Study::new(&scenario).runs(STUDY_RUNS).seed(3).threads(threads).disaster(DISASTER);
                    black_box(study.summarise().expect("study runs"))
                });
            });
        }
        if servers == sizes[sizes.len() - 1] {
            // Loading: parsing alone is the baseline, then parsing and
            // validating (building the model).
            group.bench_function("parse_only", |b| {
                b.iter(|| {
                    let options = ron::Options::default().with_default_extension(
                        ron::extensions::Extensions::IMPLICIT_SOME
                            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
                    );
                    black_box(
                        options.from_str::<outage::scenario::spec::ScenarioSpec>(&text).expect("parses").pools.len(),
                    )
                });
            });
            group.bench_function("load_and_validate", |b| {
                b.iter(|| black_box(Scenario::from_ron_str(&text).expect("valid").spec().pools.len()));
            });
        }
    }
    group.finish();
}

/// Criterion's mean estimate of one benchmark, in seconds.
fn mean_s(id: &str) -> Option<f64> {
    common::estimate("scale", id).map(|(ns, _)| ns / 1e9)
}

fn print_growth() {
    for what in ["replay", "study_1_threads", "study_2_threads"] {
        println!("\n{what}: time against size (ratio to {} servers; slope of log time / log servers)", SIZES[0]);
        println!("{:>10} {:>12} {:>10} {:>7}", "servers", "seconds", "ratio", "slope");
        let times: Vec<Option<f64>> = SIZES.iter().map(|n| mean_s(&format!("{what}/{n}"))).collect();
        for (i, n) in SIZES.iter().enumerate() {
            let Some(t) = times[i] else { continue };
            let ratio = times[0].map_or(f64::NAN, |t0| t / t0);
            let slope = match i.checked_sub(1).and_then(|j| times[j]) {
                Some(prev) => format!("{:.2}", (t / prev).ln() / (*n as f64 / SIZES[i - 1] as f64).ln()),
                None => "-".into(),
            };
            println!("{n:>10} {t:>12.4} {ratio:>9.1}x {slope:>7}");
        }
    }
    if let (Some(parse), Some(load)) = (mean_s("parse_only"), mean_s("load_and_validate")) {
        println!(
            "\nloading the largest estate: parse {parse:.3} s, parse and validate {load:.3} s ({:.2}x parsing)",
            load / parse
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    scale(&mut c);
    c.final_summary();
    print_growth();
}
