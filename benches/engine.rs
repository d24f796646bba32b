//! Engine throughput against a bare binary-heap loop on the same model.
//!
//! The model is the machine-repair model of [`outage::synthetic::machine_repair`]:
//! N components that fail and are repaired at exponential times, 100 to a
//! hall whose own failures take them all down. The bare loop does the same
//! work with nothing but a `std::collections::BinaryHeap`, one ChaCha8
//! stream and two `Vec<bool>`s: it is the ceiling for any engine.
//!
//! Run with `cargo bench --bench engine`; after criterion's output, the
//! bench prints events per second of each side and their ratio, the figure
//! BENCHMARKS.md records.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use outage::{RunOptions, Scenario, SimDuration, Simulation, synthetic};

mod common;
use common::estimate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};

const PER_ROOM: usize = 100;
const SIZES: [(usize, u64); 3] = [(1_000, 400), (100_000, 20), (1_000_000, 2)];

/// Mean times of the model, in milliseconds (see `synthetic::machine_repair`).
const COMPONENT_TTF_MS: f64 = 100.0 * 3_600_000.0;
const COMPONENT_TTR_MS: f64 = 2.0 * 3_600_000.0;
const ROOM_TTF_MS: f64 = 2_000.0 * 3_600_000.0;
const ROOM_TTR_MS: f64 = 8.0 * 3_600_000.0;

/// The machine-repair model with nothing but a binary heap: the baseline.
/// Returns (events, components that ended up). Event kinds: 0 component
/// fails, 1 component repaired, 2 room fails, 3 room repaired.
fn bare_loop(n: usize, horizon_ms: u64, seed: u64) -> (u64, usize) {
    let rooms = n.div_ceil(PER_ROOM);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = |mean: f64| -> u64 {
        let e: f64 = Exp1.sample(&mut rng);
        (e * mean).round() as u64
    };
    let mut heap: BinaryHeap<Reverse<(u64, u64, u32, u8)>> = BinaryHeap::with_capacity(n + rooms);
    let mut seq = 0u64;
    let mut own_up = vec![true; n];
    let mut room_up = vec![true; rooms];
    let mut effective_up = vec![true; n];
    for i in 0..n {
        heap.push(Reverse((draw(COMPONENT_TTF_MS), seq, i as u32, 0)));
        seq += 1;
    }
    for r in 0..rooms {
        heap.push(Reverse((draw(ROOM_TTF_MS), seq, r as u32, 2)));
        seq += 1;
    }
    let mut events = 0u64;
    while let Some(Reverse((t, _, id, kind))) = heap.pop() {
        if t > horizon_ms {
            break;
        }
        events += 1;
        let id = id as usize;
        match kind {
            0 | 1 => {
                own_up[id] = kind == 1;
                effective_up[id] = own_up[id] && room_up[id / PER_ROOM];
                let (next, mean) = if kind == 0 { (1, COMPONENT_TTR_MS) } else { (0, COMPONENT_TTF_MS) };
                heap.push(Reverse((t + draw(mean), seq, id as u32, next)));
            }
            _ => {
                room_up[id] = kind == 3;
                for c in id * PER_ROOM..((id + 1) * PER_ROOM).min(n) {
                    effective_up[c] = own_up[c] && room_up[id];
                }
                let (next, mean) = if kind == 2 { (3, ROOM_TTR_MS) } else { (2, ROOM_TTF_MS) };
                heap.push(Reverse((t + draw(mean), seq, id as u32, next)));
            }
        }
        seq += 1;
    }
    (events, effective_up.iter().filter(|&&u| u).count())
}

fn horizon(days: u64) -> SimDuration {
    SimDuration::from_days(days)
}

fn machine_repair(c: &mut Criterion) {
    let mut group = c.benchmark_group("machine_repair");
    group.measurement_time(Duration::from_secs(8)).sample_size(20);
    // Under `cargo test --benches` (no `--bench` flag) each bench runs once
    // as a check; the largest model is left out there.
    let sizes = if measuring() { &SIZES[..] } else { &SIZES[..1] };
    for &(n, days) in sizes {
        let scenario = Scenario::from_spec(synthetic::machine_repair(n, PER_ROOM)).expect("valid model");
        let options = RunOptions::default().seed(1).horizon(horizon(days)).timeline(false);
        let mut sim = Simulation::new(&scenario, None).expect("no disaster needed");
        // Both sides process about the same number of events; each
        // declares its own count so that criterion reports events/s.
        let engine_events = sim.run(&options).expect("run").events;
        let (bare_events, _) = bare_loop(n, horizon(days).as_millis(), 1);

        group.throughput(Throughput::Elements(engine_events));
        group.bench_with_input(BenchmarkId::new("engine", n), &n, |b, _| {
            b.iter(|| black_box(sim.run(&options).expect("run").events));
        });
        group.throughput(Throughput::Elements(bare_events));
        group.bench_with_input(BenchmarkId::new("bare_heap", n), &n, |b, &n| {
            b.iter(|| black_box(bare_loop(n, horizon(days).as_millis(), 1)));
        });
    }
    group.finish();
}

/// The hold model on a queue: `pending` events waiting, each step pops the
/// earliest and schedules a new one at now + Exp(1 h); one step in ten also
/// cancels a random pending event and schedules a replacement. The same
/// draws drive both queues.
trait HoldQueue {
    fn push(&mut self, time: u64) -> u64;
    fn pop_time(&mut self) -> Option<u64>;
    fn cancel(&mut self, key: u64);
}

struct Ours(outage::queue::EventQueue<u64>, Vec<outage::queue::EventKey>);

impl HoldQueue for Ours {
    fn push(&mut self, time: u64) -> u64 {
        let key = self.0.schedule(outage::SimTime::from_millis(time), time);
        self.1.push(key);
        (self.1.len() - 1) as u64
    }
    fn pop_time(&mut self) -> Option<u64> {
        self.0.pop().map(|(t, _)| t.as_millis())
    }
    fn cancel(&mut self, key: u64) {
        self.0.cancel(self.1[key as usize]);
    }
}

/// A binary heap with lazy cancellation (a generation per slot): the design
/// the engine used before its radix heap, kept here as a comparison point.
struct BinaryLazy {
    heap: BinaryHeap<Reverse<(u64, u64, u32, u32)>>,
    generations: Vec<u32>,
    free: Vec<u32>,
    keys: Vec<(u32, u32)>,
    seq: u64,
}

impl BinaryLazy {
    fn new() -> Self {
        BinaryLazy { heap: BinaryHeap::new(), generations: Vec::new(), free: Vec::new(), keys: Vec::new(), seq: 0 }
    }
}

impl HoldQueue for BinaryLazy {
    fn push(&mut self, time: u64) -> u64 {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.generations.push(0);
            (self.generations.len() - 1) as u32
        });
        let generation = self.generations[slot as usize];
        self.heap.push(Reverse((time, self.seq, slot, generation)));
        self.seq += 1;
        self.keys.push((slot, generation));
        (self.keys.len() - 1) as u64
    }
    fn pop_time(&mut self) -> Option<u64> {
        while let Some(Reverse((time, _, slot, generation))) = self.heap.pop() {
            if self.generations[slot as usize] == generation {
                self.generations[slot as usize] += 1;
                self.free.push(slot);
                return Some(time);
            }
        }
        None
    }
    fn cancel(&mut self, key: u64) {
        let (slot, generation) = self.keys[key as usize];
        if self.generations[slot as usize] == generation {
            self.generations[slot as usize] += 1;
            self.free.push(slot);
        }
    }
}

struct Keyed(priority_queue::PriorityQueue<u64, Reverse<(u64, u64)>>, u64);

impl HoldQueue for Keyed {
    fn push(&mut self, time: u64) -> u64 {
        let key = self.1;
        self.1 += 1;
        self.0.push(key, Reverse((time, key)));
        key
    }
    fn pop_time(&mut self) -> Option<u64> {
        self.0.pop().map(|(_, Reverse((t, _)))| t)
    }
    fn cancel(&mut self, key: u64) {
        self.0.remove(&key);
    }
}

const HOLD_STEPS: u64 = 200_000;

fn hold<Q: HoldQueue>(q: &mut Q, pending: usize, steps: u64) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut keys = Vec::with_capacity(pending + steps as usize);
    for _ in 0..pending {
        let e: f64 = Exp1.sample(&mut rng);
        keys.push(q.push((e * 3_600_000.0) as u64));
    }
    let mut checksum = 0;
    for step in 0..steps {
        let Some(now) = q.pop_time() else { break };
        checksum ^= now;
        let e: f64 = Exp1.sample(&mut rng);
        keys.push(q.push(now + (e * 3_600_000.0) as u64));
        if step % 10 == 0 {
            let victim = keys[(rand::Rng::next_u64(&mut rng) % keys.len() as u64) as usize];
            q.cancel(victim);
            let e: f64 = Exp1.sample(&mut rng);
            keys.push(q.push(now + (e * 3_600_000.0) as u64));
        }
    }
    checksum
}

fn queues(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue_hold");
    group.measurement_time(Duration::from_secs(5)).sample_size(20);
    group.throughput(Throughput::Elements(HOLD_STEPS));
    for pending in [1_000, 100_000] {
        group.bench_with_input(BenchmarkId::new("event_queue", pending), &pending, |b, &p| {
            b.iter(|| black_box(hold(&mut Ours(outage::queue::EventQueue::new(), Vec::new()), p, HOLD_STEPS)));
        });
        group.bench_with_input(BenchmarkId::new("binary_heap_lazy", pending), &pending, |b, &p| {
            b.iter(|| black_box(hold(&mut BinaryLazy::new(), p, HOLD_STEPS)));
        });
        group.bench_with_input(BenchmarkId::new("priority_queue", pending), &pending, |b, &p| {
            b.iter(|| black_box(hold(&mut Keyed(priority_queue::PriorityQueue::new(), 0), p, HOLD_STEPS)));
        });
    }
    group.finish();
}

fn kakao_replay(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/kakao_pangyo_2022.ron");
    let scenario = Scenario::from_path(path).expect("bundled scenario loads");
    let mut sim = Simulation::new(&scenario, None).expect("disaster");
    let mut group = c.benchmark_group("kakao");
    let mut run = 0;
    group.bench_function("replay", |b| {
        b.iter(|| {
            run += 1;
            let options = RunOptions::default().seed(7).run(run).timeline(false);
            black_box(sim.run(&options).expect("run").events)
        });
    });
    group.bench_function("replay_with_timeline", |b| {
        b.iter(|| black_box(sim.run(&RunOptions::default().seed(7)).expect("run").timeline.len()));
    });
    group.finish();
}

fn print_ratios() {
    println!("\nengine events/s as a ratio to the bare BinaryHeap loop (same run):");
    println!("{:>10} {:>16} {:>16} {:>7}", "components", "engine ev/s", "bare ev/s", "ratio");
    for (n, _) in SIZES {
        let engine = estimate("machine_repair", &format!("engine/{n}"));
        let bare = estimate("machine_repair", &format!("bare_heap/{n}"));
        if let (Some((e_ns, e_ev)), Some((b_ns, b_ev))) = (engine, bare) {
            let e_rate = e_ev / e_ns * 1e9;
            let b_rate = b_ev / b_ns * 1e9;
            println!("{n:>10} {e_rate:>16.0} {b_rate:>16.0} {:>6.2}x", e_rate / b_rate);
        }
    }
    println!("\nevent queue (radix heap, lazy cancellation) against a binary heap with lazy cancellation");
    println!("and the keyed priority-queue crate, hold model (steps/s; ratios ours / other):");
    println!(
        "{:>10} {:>14} {:>14} {:>14} {:>10} {:>10}",
        "pending", "ours", "binary lazy", "keyed", "/binary", "/keyed"
    );
    for pending in [1_000, 100_000] {
        let rate = |id: &str| estimate("queue_hold", &format!("{id}/{pending}")).map(|(ns, n)| n / ns * 1e9);
        if let (Some(o), Some(b), Some(k)) = (rate("event_queue"), rate("binary_heap_lazy"), rate("priority_queue")) {
            println!("{pending:>10} {o:>14.0} {b:>14.0} {k:>14.0} {:>9.2}x {:>9.2}x", o / b, o / k);
        }
    }
    if let Some((ns, _)) = estimate("kakao", "replay") {
        println!("kakao replay: {:.1} us per run ({:.0} runs/s)", ns / 1e3, 1e9 / ns);
    }
}

/// Whether this is `cargo bench` (which passes `--bench`) rather than a
/// test run of the bench.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn main() {
    // The 10^6-component model declares about a million elements, over the
    // default limit on what a scenario may declare.
    // SAFETY: set before any other thread exists.
    unsafe { std::env::set_var("OUTAGE_MAX_ELEMENTS", "2000000") };
    let mut c = Criterion::default().configure_from_args();
    machine_repair(&mut c);
    queues(&mut c);
    kakao_replay(&mut c);
    c.final_summary();
    print_ratios();
}
