//! The fuzz campaign over every input surface, run once (not in CI): random
//! valid scenarios with every newer feature, equivalent writings of them,
//! mutants of them and of the bundled scenarios, `--set` patches, milestone
//! files, study summaries, command lines of the built binary, and small
//! files that ask for much. Every input is exercised (loaded and run, or
//! merged, or checked with one run, or run as a command) and its oracle
//! checked (see `integration/fuzz_gen.rs`); each is measured: wall time,
//! and peak live heap bytes by a counting global allocator (for command
//! lines, the child's peak resident memory). An input under 1 MB may take
//! at most 10 s and 2 GiB; for a scenario file, what is measured is what
//! `outage validate` and one `outage run` do (load it, run its default
//! disaster once with the timeline), not the oracles' further runs.
//!
//! ```text
//! OUTAGE_FUZZ_CASES=1000000 cargo test --release --test fuzz_campaign -- --nocapture
//! ```
//!
//! Settings (environment):
//! - `OUTAGE_FUZZ_CASES`: cases to run (default 20: a smoke test in `cargo test`).
//! - `OUTAGE_FUZZ_FIRST`: the first case number (default 0). Case `k` is
//!   the same input wherever it runs, so shards are seed ranges: machine
//!   `i` of `n` runs `FIRST = i * CASES`; an interrupted campaign resumes
//!   from the last progress line's case count.
//! - `OUTAGE_FUZZ_THREADS`: workers (default: every core).
//! - `OUTAGE_FUZZ_SURFACES`: only these surfaces, comma-separated
//!   (generated, twins, mutant, bundled, patch, milestones, summary, cli, amplify).
//! - `OUTAGE_FUZZ_OUT`: where results go (default `target/fuzz-campaign`):
//!   `summary.txt`, and one folder per failing, over-bound, slowest and
//!   hungriest input with its files and `CASE.txt`.
//! - `OUTAGE_FUZZ_REPLAY=k`: run case `k` alone, save it and print what it broke.
//! - `OUTAGE_FUZZ_MEM_CAP`: a worker whose live heap would pass this many
//!   bytes (default 4 GiB) prints its case and aborts, so that one input
//!   cannot take the machine down; `OUTAGE_FUZZ_HANG_S` (default 300): a
//!   case running this long is saved as a hang; the other workers go on,
//!   and the campaign reports and exits with status 3 once they are done.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[path = "integration/fuzz_gen.rs"]
mod fuzz_gen;

use fuzz_gen::{Ctx, Input, Scale, Surface};

// ---------------------------------------------------------------------
// Counting allocator: each thread's live bytes and their high-water mark.

struct Counting;

thread_local! {
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
    /// The case this thread runs, for the message of the memory cap.
    static CASE: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Live bytes past which a worker aborts (set once at start).
static MEM_CAP: AtomicU64 = AtomicU64::new(4 << 30);

fn track(bytes: i64) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + bytes;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        if bytes > 0 && now > 0 && now as u64 > MEM_CAP.load(Ordering::Relaxed) {
            over_cap(now as u64);
        }
    });
}

/// Says which case passed the cap, without allocating, and aborts.
#[cold]
fn over_cap(bytes: u64) -> ! {
    let case = CASE.try_with(Cell::get).unwrap_or(u64::MAX);
    let mut buf = [0u8; 160];
    let mut at = 0;
    let mut put = |s: &[u8]| {
        for &b in s {
            if at < buf.len() {
                buf[at] = b;
                at += 1;
            }
        }
    };
    let digits = |mut n: u64| {
        let mut d = [0u8; 20];
        let mut k = 20;
        loop {
            k -= 1;
            d[k] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        (d, k)
    };
    put(b"\nfuzz campaign: case ");
    let (d, k) = digits(case);
    put(&d[k..]);
    put(b" holds ");
    let (d, k) = digits(bytes >> 20);
    put(&d[k..]);
    put(b" MiB live, past OUTAGE_FUZZ_MEM_CAP: aborting (replay it with OUTAGE_FUZZ_REPLAY)\n");
    let _ = std::io::stderr().write_all(&buf[..at]);
    std::process::abort()
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        track(layout.size() as i64);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        track(-(layout.size() as i64));
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        track(new_size as i64 - layout.size() as i64);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---------------------------------------------------------------------
// Bounds and records

/// Inputs smaller than this must stay within the bounds below.
const SMALL_INPUT: usize = 1 << 20;
/// Most time an input under 1 MB may take.
const MAX_TIME: Duration = Duration::from_secs(10);
/// Most memory an input under 1 MB may take.
const MAX_BYTES: u64 = 2 << 30;

/// The inputs kept for the report, with their files.
type Kept = Mutex<Vec<(Record, Vec<(String, String)>)>>;

/// One measured input.
#[derive(Clone)]
struct Record {
    surface: Surface,
    case: u64,
    size: usize,
    time: Duration,
    bytes: u64,
}

#[derive(Default, Clone)]
struct Tally {
    cases: u64,
    failed: u64,
    over_bound: u64,
    big_inputs: u64,
    /// Inputs of 1 MB or more past the bounds (reported, not failed: they
    /// must be stopped by a limit, which a time cannot tell).
    big_over: u64,
    total_time: Duration,
    slowest: Option<(Duration, u64)>,
    hungriest: Option<(u64, u64)>,
}

struct Shared {
    tallies: Mutex<BTreeMap<Surface, Tally>>,
    slowest: Kept,
    hungriest: Kept,
    failures: Mutex<Vec<String>>,
    /// Inputs of 1 MB or more past the bounds.
    notes: Mutex<Vec<String>>,
    running: Mutex<Vec<Option<(u64, Instant)>>>,
    next: AtomicU64,
    done: AtomicU64,
}

/// Keeps the `keep` largest records by `key`.
fn keep_top(list: &Kept, r: &Record, input: &Input, key: fn(&Record) -> u128) {
    const KEEP: usize = 10;
    let mut list = list.lock().unwrap_or_else(|e| e.into_inner());
    if list.len() < KEEP || list.last().is_some_and(|(last, _)| key(r) > key(last)) {
        list.push((r.clone(), input.files.clone()));
        list.sort_by_key(|(x, _)| std::cmp::Reverse(key(x)));
        list.truncate(KEEP);
    }
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn save(dir: &Path, input: &Input, note: &str) {
    let _ = input.save(dir);
    let _ = std::fs::write(dir.join("BROKEN.txt"), note);
}

thread_local! {
    /// The last panic's message and place, taken by the hook.
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Exercises one input, measured: what it broke, its time and its peak bytes.
/// For a scenario file, what is measured is what a user's `outage
/// validate` and one `outage run` cost (the acceptance's bound), not the
/// oracles' further runs.
fn measured(ctx: &mut Ctx, input: &Input) -> (Vec<String>, Duration, u64) {
    ctx.last_cli = None;
    let tool = input.scenario_text().map(|text| {
        let base = LIVE.with(Cell::get);
        PEAK.with(|p| p.set(base));
        let started = Instant::now();
        let _ = catch_unwind(AssertUnwindSafe(|| fuzz_gen::validate_and_run(text)));
        (started.elapsed(), (PEAK.with(Cell::get) - base).max(0) as u64)
    });
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| ctx.exercise(input)));
    let mut time = started.elapsed();
    let mut bytes = (PEAK.with(Cell::get) - base).max(0) as u64;
    if let Some(tool) = tool {
        (time, bytes) = tool;
    }
    if let Some(cli) = &ctx.last_cli {
        time = cli.elapsed;
        bytes = cli.peak_kib.unwrap_or(0) * 1024;
    }
    let broken = outcome
        .unwrap_or_else(|_| vec![format!("panicked: {}", PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default())]);
    (broken, time, bytes)
}

fn worker(id: usize, first: u64, end: u64, surfaces: &[Surface], out: &Path, shared: &Shared) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_outage"));
    let mut ctx = Ctx::new(Scale::CAMPAIGN, out.join("work").join(format!("w{id}")), Some(bin));
    loop {
        let case = shared.next.fetch_add(1, Ordering::Relaxed);
        if case >= end {
            return;
        }
        let surface = Surface::of_case(case);
        if !surfaces.contains(&surface) {
            shared.done.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let input = ctx.generate(surface, case);
        CASE.with(|c| c.set(case));
        shared.running.lock().unwrap_or_else(|e| e.into_inner())[id] = Some((case, Instant::now()));
        let (broken, time, bytes) = measured(&mut ctx, &input);
        shared.running.lock().unwrap_or_else(|e| e.into_inner())[id] = None;
        CASE.with(|c| c.set(u64::MAX));
        let size = input.size();
        let small = size < SMALL_INPUT;
        let over = small && (time > MAX_TIME || bytes > MAX_BYTES);
        let record = Record { surface, case, size, time, bytes };
        {
            let mut tallies = shared.tallies.lock().unwrap_or_else(|e| e.into_inner());
            let t = tallies.entry(surface).or_default();
            t.cases += 1;
            t.failed += u64::from(!broken.is_empty());
            t.over_bound += u64::from(over);
            t.big_inputs += u64::from(!small);
            t.big_over += u64::from(!small && (time > MAX_TIME || bytes > MAX_BYTES));
            t.total_time += time;
            if t.slowest.is_none_or(|(d, _)| time > d) {
                t.slowest = Some((time, case));
            }
            if t.hungriest.is_none_or(|(b, _)| bytes > b) {
                t.hungriest = Some((bytes, case));
            }
        }
        if small {
            keep_top(&shared.slowest, &record, &input, |r| r.time.as_nanos());
            keep_top(&shared.hungriest, &record, &input, |r| u128::from(r.bytes));
        }
        if !small && (time > MAX_TIME || bytes > MAX_BYTES) {
            let dir = out.join("over-bound-big").join(format!("{}-{case}", surface.name()));
            save(&dir, &input, &format!("{size} bytes, {time:?}, {} MiB", bytes >> 20));
            let line = format!("{} case {case}: {size} bytes, {time:.2?}, {} MiB", surface.name(), bytes >> 20);
            shared.notes.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
        if !broken.is_empty() || over {
            let what = if broken.is_empty() { "over-bound" } else { "failed" };
            let dir = out.join(what).join(format!("{}-{case}", surface.name()));
            let mut note = broken.join("\n");
            note.push_str(&format!("\n{size} bytes, {time:?}, {} MiB", bytes >> 20));
            save(&dir, &input, &note);
            let line = format!(
                "{what} {} case {case}: {} ({size} bytes, {time:.2?}, {} MiB)",
                surface.name(),
                broken.first().map_or("over the bound", String::as_str).lines().next().unwrap_or(""),
                bytes >> 20
            );
            eprintln!("fuzz: {line}");
            shared.failures.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
        let done = shared.done.fetch_add(1, Ordering::Relaxed) + 1;
        let total = end - first;
        if done.is_multiple_of((total / 20).clamp(1, 50_000)) {
            let failures = shared.failures.lock().unwrap_or_else(|e| e.into_inner()).len();
            eprintln!("fuzz: {done} of {total} cases (next from {}), {failures} failures", first + done);
        }
    }
}

fn report(shared: &Shared, first: u64, cases: u64, elapsed: Duration, threads: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "fuzz campaign: cases {first}..{} on {threads} threads in {elapsed:.1?}", first + cases);
    let _ = writeln!(
        s,
        "{:<11} {:>9} {:>7} {:>7} {:>9} {:>10} {:>22} {:>22}",
        "surface", "cases", "failed", "over", ">1MB/over", "mean", "slowest (case)", "most memory (case)"
    );
    let tallies = shared.tallies.lock().unwrap_or_else(|e| e.into_inner());
    let mut all = Tally::default();
    for (surface, t) in tallies.iter() {
        let mean = t.total_time / u32::try_from(t.cases.max(1)).unwrap_or(u32::MAX);
        let (slow, slow_case) = t.slowest.unwrap_or_default();
        let (mem, mem_case) = t.hungriest.unwrap_or_default();
        let _ = writeln!(
            s,
            "{:<11} {:>9} {:>7} {:>7} {:>9} {:>10.2?} {:>12.2?} ({:>7}) {:>9.1} MiB ({:>7})",
            surface.name(),
            t.cases,
            t.failed,
            t.over_bound,
            format!("{}/{}", t.big_inputs, t.big_over),
            mean,
            slow,
            slow_case,
            mem as f64 / f64::from(1 << 20),
            mem_case
        );
        all.cases += t.cases;
        all.failed += t.failed;
        all.over_bound += t.over_bound;
        all.total_time += t.total_time;
    }
    let _ = writeln!(
        s,
        "{:<11} {:>9} {:>7} {:>7}           {:>10.2?}",
        "all",
        all.cases,
        all.failed,
        all.over_bound,
        all.total_time / u32::try_from(all.cases.max(1)).unwrap_or(u32::MAX)
    );
    for (title, list) in [("slowest inputs", &shared.slowest), ("most memory", &shared.hungriest)] {
        let _ = writeln!(s, "\n{title} (under 1 MB; saved under {}/):", title.replace(' ', "-"));
        for (r, _) in list.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(
                s,
                "  {:<10} case {:>8}: {:>9.2?} {:>9.1} MiB, {:>8} bytes of input",
                r.surface.name(),
                r.case,
                r.time,
                r.bytes as f64 / f64::from(1 << 20),
                r.size
            );
        }
    }
    let notes = shared.notes.lock().unwrap_or_else(|e| e.into_inner());
    let _ = writeln!(s, "\n{} inputs of 1 MB or more past the bounds (saved under over-bound-big/):", notes.len());
    for n in notes.iter().take(50) {
        let _ = writeln!(s, "  {n}");
    }
    let failures = shared.failures.lock().unwrap_or_else(|e| e.into_inner());
    let _ =
        writeln!(s, "\n{} failures and inputs over the bound (saved under failed/ and over-bound/):", failures.len());
    for f in failures.iter().take(200) {
        let _ = writeln!(s, "  {f}");
    }
    s
}

/// Writes the report and the slowest and hungriest inputs; the number of
/// failures.
fn finish(shared: &Shared, out: &Path, first: u64, cases: u64, elapsed: Duration, threads: usize) -> usize {
    let text = report(shared, first, cases, elapsed, threads);
    for (title, list) in [("slowest-inputs", &shared.slowest), ("most-memory", &shared.hungriest)] {
        for (rank, (r, files)) in list.lock().unwrap_or_else(|e| e.into_inner()).iter().enumerate() {
            let dir = out.join(title).join(format!("{rank:02}-{}-{}", r.surface.name(), r.case));
            let _ = std::fs::create_dir_all(&dir);
            for (name, body) in files {
                let _ = std::fs::write(dir.join(name), body);
            }
            let _ = std::fs::write(
                dir.join("CASE.txt"),
                format!("surface {} seed {}: {:?}, {} bytes\n", r.surface.name(), r.case, r.time, r.bytes),
            );
        }
    }
    let _ = std::fs::create_dir_all(out);
    let _ = std::fs::write(out.join("summary.txt"), &text);
    eprintln!("{text}(written to {})", out.join("summary.txt").display());
    shared.failures.lock().unwrap_or_else(|e| e.into_inner()).len()
}

#[test]
fn fuzz_campaign() {
    let cases: u64 = env("OUTAGE_FUZZ_CASES").unwrap_or(20);
    let first: u64 = env("OUTAGE_FUZZ_FIRST").unwrap_or(0);
    let threads: usize = env("OUTAGE_FUZZ_THREADS")
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
        .max(1);
    let out = std::env::var_os("OUTAGE_FUZZ_OUT")
        .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../fuzz-campaign"), PathBuf::from);
    if let Some(cap) = env::<u64>("OUTAGE_FUZZ_MEM_CAP") {
        MEM_CAP.store(cap, Ordering::Relaxed);
    }
    let hang = Duration::from_secs(env("OUTAGE_FUZZ_HANG_S").unwrap_or(300));
    let surfaces: Vec<Surface> = match std::env::var("OUTAGE_FUZZ_SURFACES") {
        Ok(list) => list.split(',').map(|s| Surface::from_name(s.trim()).expect("a surface name")).collect(),
        Err(_) => Surface::ALL.to_vec(),
    };
    std::panic::set_hook(Box::new(|info| {
        let _ = PANIC.try_with(|p| *p.borrow_mut() = Some(info.to_string()));
    }));

    if let Some(case) = env::<u64>("OUTAGE_FUZZ_REPLAY") {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_outage"));
        let mut ctx = Ctx::new(Scale::CAMPAIGN, out.join("work").join("replay"), Some(bin));
        let surface = Surface::of_case(case);
        let input = ctx.generate(surface, case);
        let dir = out.join("replay").join(format!("{}-{case}", surface.name()));
        let _ = input.save(&dir);
        let (broken, time, bytes) = measured(&mut ctx, &input);
        let _ = std::panic::take_hook();
        eprintln!(
            "case {case} ({}): {} bytes, {time:.2?}, {:.1} MiB, saved in {}\n{}",
            surface.name(),
            input.size(),
            bytes as f64 / f64::from(1 << 20),
            dir.display(),
            if broken.is_empty() { "nothing broken".to_owned() } else { broken.join("\n") }
        );
        assert!(broken.is_empty());
        return;
    }

    let shared = Shared {
        tallies: Mutex::new(BTreeMap::new()),
        slowest: Mutex::new(Vec::new()),
        hungriest: Mutex::new(Vec::new()),
        failures: Mutex::new(Vec::new()),
        notes: Mutex::new(Vec::new()),
        running: Mutex::new(vec![None; threads]),
        next: AtomicU64::new(first),
        done: AtomicU64::new(0),
    };
    let started = Instant::now();
    let end = first.saturating_add(cases);
    std::thread::scope(|scope| {
        for id in 0..threads {
            let (shared, out, surfaces) = (&shared, &out, &surfaces);
            std::thread::Builder::new()
                .name(format!("fuzz-{id}"))
                .stack_size(64 << 20)
                .spawn_scoped(scope, move || worker(id, first, end, surfaces, out, shared))
                .expect("a worker thread");
        }
        // The watchdog: says which case runs long, and saves a case that
        // runs past `hang` (a hang: its worker is lost, the others go on).
        let mut warned = std::collections::BTreeSet::new();
        let mut hung = std::collections::BTreeSet::new();
        let mut still_hung = 0;
        while shared.done.load(Ordering::Relaxed) + still_hung < cases {
            std::thread::sleep(Duration::from_millis(250));
            let running = shared.running.lock().unwrap_or_else(|e| e.into_inner()).clone();
            still_hung = running.iter().flatten().filter(|(case, _)| hung.contains(case)).count() as u64;
            for (case, since) in running.into_iter().flatten() {
                let t = since.elapsed();
                if t > MAX_TIME && warned.insert(case) {
                    eprintln!("fuzz: case {case} ({}) has run for {t:.0?}", Surface::of_case(case).name());
                }
                if t > hang && hung.insert(case) {
                    let surface = Surface::of_case(case);
                    let mut ctx = Ctx::new(Scale::CAMPAIGN, out.join("work").join("hang"), None);
                    let input = ctx.generate(surface, case);
                    let dir = out.join("hang").join(format!("{}-{case}", surface.name()));
                    save(&dir, &input, &format!("still running after {t:?}"));
                    let line = format!("hang {} case {case}: still running after {t:.0?}", surface.name());
                    eprintln!("fuzz: {line}: saved in {}", dir.display());
                    shared.failures.lock().unwrap_or_else(|e| e.into_inner()).push(line);
                }
            }
        }
        if still_hung > 0 {
            // The hung workers cannot be joined: report and leave.
            let failures = finish(&shared, &out, first, cases, started.elapsed(), threads);
            eprintln!("fuzz: {failures} failures; {still_hung} cases still running after {hang:?}");
            std::process::exit(3);
        }
    });
    let _ = std::panic::take_hook();
    let failures = finish(&shared, &out, first, cases, started.elapsed(), threads);
    assert_eq!(failures, 0, "{failures} inputs failed or went over the bound: see {}", out.display());
}
