//! Monte Carlo studies: many seeded runs of each disaster, summarised per
//! service and metric.
//!
//! ```
//! use outage::{study::Study, Scenario};
//! use outage::scenario::spec::{Amount, Metric};
//! let scenario = Scenario::from_path("scenarios/minimal.ron")?;
//! let report = Study::new(&scenario)
//!     .runs(200)
//!     .seed(1)
//!     .threshold(Metric::Downtime, Amount::Duration("6h".parse()?))
//!     .run()?;
//! let fire = report.disaster("battery-fire").unwrap();
//! let web = fire.service("web").unwrap().metric(Metric::Downtime);
//! assert!(web.p50 > 0.0 && web.p50 <= web.p95 && web.p95 <= web.max);
//! println!("P(web down more than 6 h) = {:.2}", web.above[0].probability);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Determinism
//! Run `k` of a study with seed `s` is exactly `outage run --seed s --run k`.
//! Runs are spread over threads with rayon, but every aggregate is an
//! integer sum, so the report is identical, byte for byte, on any number of
//! threads and for any split into shards.
//!
//! # What is reported
//! For each disaster, service and metric (see [`Metric`]): the mean with its
//! confidence interval (normal approximation), the 50th, 90th, 95th and 99th
//! percentiles, the maximum, and for each threshold given the probability of
//! exceeding it with its Wilson interval. Times are in hours, user-hours lost
//! in user-hours, availability as a fraction of the run. Percentiles come
//! from a DDSketch with 1% relative error; the mean and maximum are exact.

mod aggregate;
mod check;
pub mod stats;

use std::fmt::Write as _;
use std::ops::Range;

use comfy_table::{CellAlignment, ContentArrangement, Table};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use aggregate::QUANTILE_RELATIVE_ERROR;
use aggregate::{DisasterAgg, MetricAgg, natural_range, ticks_per_unit};
pub use check::{Check, CheckReport, CheckRow, Verdict};

use crate::engine::{RunError, RunOptions, Simulation};
use crate::model::Disaster;
use crate::objective::{Amount, Metric};
use crate::scenario::Scenario;
use crate::time::SimDuration;

/// The fewest runs one worker takes at a time.
const MIN_RUNS_PER_SPLIT: usize = 32;

/// Confidence of the intervals a study reports.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// Why a study could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// A run failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// Summaries that cannot be merged, or a malformed summary.
    #[error("{0}")]
    Summary(String),
    /// Settings that make no study: no runs, a confidence outside (0, 1),
    /// a run budget below the first batch.
    #[error("{0}")]
    Settings(String),
    /// The thread pool could not be built.
    #[error("cannot start {threads} threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Why.
        message: String,
    },
}

/// A callback for every run of a study: `(disaster name, report)`.
pub type RunHook<'a> = &'a (dyn Fn(&str, &crate::RunReport) + Sync);

/// A Monte Carlo study of a scenario: builder, then [`run`](Study::run).
#[derive(Clone)]
pub struct Study<'s> {
    scenario: &'s Scenario,
    disasters: Vec<String>,
    runs: u64,
    seed: u64,
    threads: Option<usize>,
    horizon: Option<SimDuration>,
    thresholds: Vec<(Metric, Amount)>,
    shard: (u64, u64),
    progress: Option<&'s (dyn Fn(u64) + Sync)>,
    each_run: Option<RunHook<'s>>,
}

impl<'s> Study<'s> {
    /// A study of every disaster of `scenario` (or of random failures only,
    /// for a scenario without disasters), 1,000 runs, seed 0, all cores.
    pub fn new(scenario: &'s Scenario) -> Self {
        Study {
            scenario,
            disasters: Vec::new(),
            runs: 1000,
            seed: 0,
            threads: None,
            horizon: None,
            thresholds: Vec::new(),
            shard: (0, 1),
            progress: None,
            each_run: None,
        }
    }

    /// Runs per disaster.
    #[must_use]
    pub fn runs(mut self, runs: u64) -> Self {
        self.runs = runs;
        self
    }

    /// Seed of the study.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads (default: all cores), at most [`MAX_THREADS`]. The result does not depend on it.
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// Studies only this disaster (or site-loss template); call again to add more.
    #[must_use]
    pub fn disaster(mut self, name: impl Into<String>) -> Self {
        self.disasters.push(name.into());
        self
    }

    /// Run length (default: the scenario's horizon).
    #[must_use]
    pub fn horizon(mut self, horizon: SimDuration) -> Self {
        self.horizon = Some(horizon);
        self
    }

    /// Also reports the probability that `metric` exceeds `amount`.
    #[must_use]
    pub fn threshold(mut self, metric: Metric, amount: Amount) -> Self {
        self.thresholds.push((metric, amount));
        self
    }

    /// Runs only shard `index` of `count` (0-based): a contiguous share of
    /// the run indices. Merge the shards' summaries with [`StudySummary::merge`].
    #[must_use]
    pub fn shard(mut self, index: u64, count: u64) -> Self {
        self.shard = (index, count.max(1));
        self
    }

    /// Calls `progress(n)` as runs finish (`n` runs at a time), from worker threads.
    #[must_use]
    pub fn progress(mut self, progress: &'s (dyn Fn(u64) + Sync)) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Calls `each_run(disaster, report)` for every run, from worker threads
    /// and in no particular order, disasters interleaved (to keep per-run
    /// rows; the disaster's name and the report's `run` field give the order
    /// back).
    #[must_use]
    pub fn each_run(mut self, each_run: RunHook<'s>) -> Self {
        self.each_run = Some(each_run);
        self
    }

    /// Total runs this study (or shard) will make, over all disasters.
    ///
    /// # Errors
    /// An unknown disaster name.
    pub fn planned_runs(&self) -> Result<u64, StudyError> {
        let range = self.run_range();
        Ok(self.selected()?.len() as u64 * (range.end - range.start))
    }

    /// The run indices of this shard.
    fn run_range(&self) -> Range<u64> {
        let (i, n) = self.shard;
        let at = |k: u64| (u128::from(self.runs) * u128::from(k) / u128::from(n)) as u64;
        at(i.min(n))..at((i + 1).min(n))
    }

    /// The disasters to study: those named, or all of the scenario's.
    pub(crate) fn selected(&self) -> Result<Vec<&'s Disaster>, StudyError> {
        if self.disasters.is_empty() {
            return Ok(match self.scenario.disasters() {
                [] => vec![self.scenario.default_disaster()],
                all => all.iter().collect(),
            });
        }
        let mut out = Vec::new();
        for name in &self.disasters {
            let found = self.scenario.disasters_named(name);
            if found.is_empty() {
                return Err(StudyError::Run(RunError::UnknownDisaster {
                    name: name.clone(),
                    known: self
                        .scenario
                        .disasters()
                        .iter()
                        .map(|d| format!("'{}'", d.name()))
                        .collect::<Vec<_>>()
                        .join(", "),
                }));
            }
            for d in found {
                if !out.iter().any(|x: &&Disaster| x.name() == d.name()) {
                    out.push(d);
                }
            }
        }
        Ok(out)
    }

    fn horizon_or_default(&self) -> SimDuration {
        self.horizon.unwrap_or(self.scenario.horizon())
    }

    /// Threshold ticks for each metric, in `Metric::ALL` order.
    fn threshold_ticks(&self) -> Vec<Vec<u64>> {
        let horizon = self.horizon_or_default();
        Metric::ALL
            .iter()
            .map(|m| {
                self.thresholds.iter().filter(|(x, _)| x == m).map(|(_, a)| amount_ticks(*m, *a, horizon)).collect()
            })
            .collect()
    }

    /// Runs the study (or its shard) and returns its mergeable summary.
    ///
    /// # Errors
    /// No runs, an unknown disaster, a failed run, or threads that cannot start.
    pub fn summarise(&self) -> Result<StudySummary, StudyError> {
        if self.runs == 0 {
            return Err(StudyError::Settings("a study needs at least one run".into()));
        }
        let disasters = self.selected()?;
        let thresholds = self.threshold_ticks();
        let range = self.run_range();
        let jobs: Vec<_> = disasters.iter().map(|&d| (d, range.clone())).collect();
        let aggs = self.run_disasters(&jobs, &thresholds)?;
        let aggs = disasters.iter().map(|d| d.name().to_owned()).zip(aggs).collect();
        Ok(StudySummary {
            format: SUMMARY_FORMAT,
            scenario: self.scenario.name().to_owned(),
            scenario_digest: digest(self.scenario),
            seed: self.seed,
            runs: self.runs,
            run_ranges: vec![(range.start, range.end)],
            horizon_ms: self.horizon_or_default().as_millis(),
            thresholds: self.thresholds.clone(),
            services: self.scenario.model().services().iter().map(|s| s.name().to_owned()).collect(),
            disasters: aggs,
        })
    }

    /// Runs the study and reports it.
    ///
    /// # Errors
    /// No runs, an unknown disaster, a failed run, or threads that cannot start.
    pub fn run(&self) -> Result<StudyReport, StudyError> {
        Ok(self.summarise()?.report(DEFAULT_CONFIDENCE))
    }

    /// Runs each job's range of runs of its disaster and aggregates each job,
    /// all in one parallel pass: a thread that finishes its share of one
    /// disaster takes runs of the next instead of waiting at a barrier.
    pub(crate) fn run_disasters(
        &self,
        jobs: &[(&'s Disaster, Range<u64>)],
        thresholds: &[Vec<u64>],
    ) -> Result<Vec<DisasterAgg>, StudyError> {
        let work = || {
            jobs.par_iter()
                .map(|(disaster, range)| self.run_disaster(disaster, range.clone(), thresholds))
                .collect::<Result<Vec<_>, RunError>>()
        };
        Ok(match self.threads {
            Some(threads) => pool(threads)?.install(work)?,
            None => work()?,
        })
    }

    /// Runs `range` of one disaster in parallel (on the current rayon pool)
    /// and aggregates it.
    fn run_disaster(
        &self,
        disaster: &'s Disaster,
        range: Range<u64>,
        thresholds: &[Vec<u64>],
    ) -> Result<DisasterAgg, RunError> {
        let services = self.scenario.model().services().len();
        let horizon = self.horizon_or_default();
        let options = RunOptions::default().seed(self.seed).timeline(false);
        let options = match self.horizon {
            Some(h) => options.horizon(h),
            None => options,
        };
        // Each split of the range builds a simulator and an aggregate, and the
        // aggregates are merged at the end: keep splits long enough for that
        // to be noise next to the runs themselves.
        let runs = usize::try_from(range.start).unwrap_or(usize::MAX)..usize::try_from(range.end).unwrap_or(usize::MAX);
        runs.into_par_iter()
            .with_min_len(MIN_RUNS_PER_SPLIT)
            .map(|run| run as u64)
            .try_fold(
                || {
                    (
                        DisasterAgg::new(services, thresholds),
                        Simulation::for_disaster(self.scenario, disaster),
                        Vec::new(),
                    )
                },
                |(mut agg, mut sim, mut numbers), run| {
                    let options = RunOptions { run, ..options.clone() };
                    let deadlocked = match self.each_run {
                        // The full report, for the caller's per-run rows.
                        Some(each) => {
                            let report = sim.run(&options)?;
                            each(disaster.name(), &report);
                            numbers.clear();
                            numbers.extend(report.services.iter().map(crate::engine::Numbers::from));
                            !report.deadlocks.is_empty()
                        }
                        None => sim.run_numbers(&options, &mut numbers)?,
                    };
                    agg.add(&numbers, deadlocked, horizon, thresholds);
                    if let Some(p) = self.progress {
                        p(1);
                    }
                    Ok::<_, RunError>((agg, sim, numbers))
                },
            )
            .map(|split| split.map(|(agg, _, _)| agg))
            .try_reduce(
                || DisasterAgg::new(services, thresholds),
                |mut a, b| {
                    a.merge(&b);
                    Ok(a)
                },
            )
    }
}

/// The most worker threads a study or check takes: past this, more threads
/// only cost memory and start-up time.
pub const MAX_THREADS: usize = 1024;

/// A thread pool of `threads` workers, built once and kept: building one per
/// study (a check runs one per batch) costs time, and the workers of a pool
/// just dropped still compete for the cores while they wind down.
fn pool(threads: usize) -> Result<std::sync::Arc<rayon::ThreadPool>, StudyError> {
    use std::sync::{Arc, Mutex, OnceLock};
    if threads > MAX_THREADS {
        return Err(StudyError::Threads { threads, message: format!("at most {MAX_THREADS} are allowed") });
    }
    /// Pools by their number of threads.
    type Pools = Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>>;
    static POOLS: OnceLock<Pools> = OnceLock::new();
    let mut pools = POOLS.get_or_init(|| Mutex::new(Vec::new())).lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, p)) = pools.iter().find(|(n, _)| *n == threads) {
        return Ok(Arc::clone(p));
    }
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| StudyError::Threads { threads, message: e.to_string() })?;
    let built = Arc::new(built);
    pools.push((threads, Arc::clone(&built)));
    Ok(built)
}

/// Converts an amount to the ticks of a metric (see [`aggregate`]).
pub(crate) fn amount_ticks(metric: Metric, amount: Amount, horizon: SimDuration) -> u64 {
    match amount {
        Amount::Duration(d) => d.as_millis(),
        Amount::Number(x) => (x * ticks_per_unit(metric, horizon)).round().max(0.0) as u64,
    }
}

/// A fixed, portable digest of a scenario's description, so that summaries
/// of different scenarios are not merged by mistake.
fn digest(scenario: &Scenario) -> String {
    let text = serde_json::to_string(scenario.spec()).expect("a scenario description serializes");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Version of the summary format; 2: sparse sketches.
const SUMMARY_FORMAT: u32 = 2;

/// The mergeable raw result of a study or of one of its shards: exact
/// integer aggregates, written as JSON by `outage mc --summary` and combined
/// by `outage merge`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StudySummary {
    format: u32,
    scenario: String,
    scenario_digest: String,
    seed: u64,
    runs: u64,
    /// The run indices covered, sorted and disjoint.
    run_ranges: Vec<(u64, u64)>,
    horizon_ms: u64,
    thresholds: Vec<(Metric, Amount)>,
    services: Vec<String>,
    disasters: Vec<(String, DisasterAgg)>,
}

impl StudySummary {
    /// Reads a summary written by [`to_json`](Self::to_json).
    ///
    /// # Errors
    /// Malformed JSON, an unknown format, or numbers that no study could
    /// have written (a summary is untrusted input).
    pub fn from_json(text: &str) -> Result<StudySummary, StudyError> {
        // The format first, so that an old summary gets the right message.
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        let bad = |e: serde_json::Error| StudyError::Summary(format!("not a study summary: {e}"));
        let format = serde_json::from_str::<Format>(text).map_err(bad)?.format;
        if format != SUMMARY_FORMAT {
            return Err(StudyError::Summary(format!(
                "summary format {format} is not supported (expected {SUMMARY_FORMAT}); rerun the study with this version"
            )));
        }
        let s: StudySummary = serde_json::from_str(text).map_err(bad)?;
        s.check().map_err(|e| StudyError::Summary(format!("inconsistent study summary: {e}")))?;
        Ok(s)
    }

    /// Reads a summary file, refusing files over
    /// [`MAX_FILE_BYTES`](crate::scenario::MAX_FILE_BYTES).
    ///
    /// # Errors
    /// An unreadable, oversized, malformed or inconsistent file; the message
    /// names it.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<StudySummary, StudyError> {
        use std::io::Read as _;
        let path = path.as_ref();
        let fail = |e: String| StudyError::Summary(format!("{}: {e}", path.display()));
        let limit = crate::scenario::MAX_FILE_BYTES;
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(limit + 1).read_to_string(&mut text))
            .map_err(|e| fail(format!("cannot read: {e}")))?;
        if text.len() as u64 > limit {
            return Err(fail(format!("larger than {limit} bytes: not a study summary")));
        }
        StudySummary::from_json(&text).map_err(|e| fail(e.to_string()))
    }

    /// Checks that a summary read from a file is one a study could have
    /// written: run ranges within the study, and every aggregate with the
    /// study's services, metrics and thresholds and counts that add up.
    fn check(&self) -> Result<(), String> {
        let mut covered = 0u64;
        let mut last_end = 0;
        for &(a, b) in &self.run_ranges {
            if a > b || b > self.runs || a < last_end {
                return Err(format!("run range {a}..{b} is not a sorted, disjoint part of 0..{}", self.runs));
            }
            covered += b - a;
            last_end = b;
        }
        let thresholds: Vec<usize> =
            Metric::ALL.iter().map(|m| self.thresholds.iter().filter(|(x, _)| x == m).count()).collect();
        for (i, (name, agg)) in self.disasters.iter().enumerate() {
            if self.disasters[..i].iter().any(|(n, _)| n == name) {
                return Err(format!("disaster '{name}' appears twice"));
            }
            agg.check(covered, self.services.len(), &thresholds).map_err(|e| format!("disaster '{name}': {e}"))?;
        }
        Ok(())
    }

    /// The summary as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a summary serializes")
    }

    /// The disasters studied, in report order (a site-loss template
    /// expanded to one disaster per site).
    pub fn disaster_names(&self) -> impl Iterator<Item = &str> {
        self.disasters.iter().map(|(name, _)| name.as_str())
    }

    /// Whether every run of the study is in.
    pub fn is_complete(&self) -> bool {
        self.run_ranges == [(0, self.runs)] || (self.runs == 0 && self.run_ranges.iter().all(|(a, b)| a == b))
    }

    /// Combines the summaries of shards of one study. The result is exactly
    /// the summary of the unsharded study when the shards cover every run
    /// once, whatever the order they are given in.
    ///
    /// # Errors
    /// Summaries of different scenarios, seeds, run counts, horizons,
    /// thresholds or disasters, or shards that overlap.
    pub fn merge(parts: &[StudySummary]) -> Result<StudySummary, StudyError> {
        let Some(first) = parts.first() else {
            return Err(StudyError::Summary("nothing to merge".into()));
        };
        let mut out = first.clone();
        for p in &parts[1..] {
            let same = p.scenario_digest == out.scenario_digest
                && p.seed == out.seed
                && p.runs == out.runs
                && p.horizon_ms == out.horizon_ms
                && p.thresholds == out.thresholds
                && p.services == out.services
                && p.disasters.iter().map(|(n, _)| n).eq(out.disasters.iter().map(|(n, _)| n));
            if !same {
                return Err(StudyError::Summary(format!(
                    "cannot merge: the summaries come from different studies (scenario '{}' digest {} seed {} runs {} vs scenario '{}' digest {} seed {} runs {}, or other thresholds, disasters or horizon)",
                    out.scenario,
                    out.scenario_digest,
                    out.seed,
                    out.runs,
                    p.scenario,
                    p.scenario_digest,
                    p.seed,
                    p.runs
                )));
            }
            for (a, b) in out.disasters.iter_mut().zip(&p.disasters) {
                a.1.merge(&b.1);
            }
            out.run_ranges.extend(&p.run_ranges);
        }
        out.run_ranges.retain(|(a, b)| a < b);
        out.run_ranges.sort_unstable();
        for w in out.run_ranges.windows(2) {
            if w[1].0 < w[0].1 {
                return Err(StudyError::Summary(format!(
                    "cannot merge: runs {}..{} and {}..{} overlap (the same shard given twice?)",
                    w[0].0, w[0].1, w[1].0, w[1].1
                )));
            }
        }
        // Coalesce adjacent ranges.
        let mut ranges: Vec<(u64, u64)> = Vec::new();
        for (a, b) in out.run_ranges.drain(..) {
            match ranges.last_mut() {
                Some(last) if last.1 == a => last.1 = b,
                _ => ranges.push((a, b)),
            }
        }
        out.run_ranges = ranges;
        Ok(out)
    }

    /// The report of the runs in this summary.
    pub fn report(&self, confidence: f64) -> StudyReport {
        let horizon = SimDuration::from_millis(self.horizon_ms);
        let thresholds =
            |m: Metric| -> Vec<Amount> { self.thresholds.iter().filter(|(x, _)| *x == m).map(|(_, a)| *a).collect() };
        StudyReport {
            scenario: self.scenario.clone(),
            seed: self.seed,
            runs: self.runs,
            run_ranges: self.run_ranges.clone(),
            horizon,
            confidence,
            disasters: self
                .disasters
                .iter()
                .map(|(name, agg)| DisasterStats {
                    name: name.clone(),
                    runs: agg.runs,
                    deadlocked_runs: agg.deadlocked_runs,
                    services: agg
                        .services
                        .iter()
                        .zip(&self.services)
                        .map(|(s, service)| ServiceStats {
                            name: service.clone(),
                            metrics: Metric::ALL
                                .iter()
                                .zip(&s.metrics)
                                .map(|(&m, a)| MetricStats::from_agg(m, a, &thresholds(m), horizon, confidence))
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Statistics of one metric of one service over the runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricStats {
    /// The metric (`"downtime"`, `"user_hours_lost"`, ... in JSON).
    #[serde(serialize_with = "serialize_metric")]
    pub metric: Metric,
    /// The unit of every value below: `"hours"`, `"user-hours"` or `"fraction"`.
    pub unit: &'static str,
    /// Runs counted.
    pub runs: u64,
    /// Mean (hours, user-hours, or a fraction for availability).
    pub mean: f64,
    /// Lower end of the mean's confidence interval.
    pub mean_low: f64,
    /// Upper end of the mean's confidence interval. With fewer than two runs
    /// the interval is the metric's whole range, infinite (`null` in JSON)
    /// for user-hours and data loss.
    pub mean_high: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// The probability of exceeding each threshold of the study.
    pub above: Vec<Exceedance>,
}

/// The probability that a metric exceeds a threshold, with its Wilson interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Exceedance {
    /// The threshold, in the metric's unit.
    pub threshold: f64,
    /// Runs above it / runs.
    pub probability: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

impl MetricStats {
    fn from_agg(metric: Metric, a: &MetricAgg, thresholds: &[Amount], horizon: SimDuration, confidence: f64) -> Self {
        let ticks_per_unit = ticks_per_unit(metric, horizon);
        let (lo, hi) = a.mean_interval(confidence, natural_range(metric, horizon));
        let v = |ticks: f64| ticks / ticks_per_unit;
        MetricStats {
            metric,
            unit: unit(metric),
            runs: a.n,
            mean: v(a.mean()),
            mean_low: v(lo),
            mean_high: v(hi),
            p50: v(a.quantile(0.5)),
            p90: v(a.quantile(0.9)),
            p95: v(a.quantile(0.95)),
            p99: v(a.quantile(0.99)),
            min: if a.n == 0 { 0.0 } else { v(a.min as f64) },
            max: v(a.max as f64),
            above: thresholds
                .iter()
                .zip(&a.above)
                .map(|(t, &k)| {
                    let (low, high) = stats::wilson(k, a.n, confidence);
                    Exceedance {
                        threshold: v(amount_ticks(metric, *t, horizon) as f64),
                        probability: if a.n == 0 { 0.0 } else { k as f64 / a.n as f64 },
                        low,
                        high,
                    }
                })
                .collect(),
        }
    }
}

/// One service's statistics for one disaster.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceStats {
    /// Service name.
    pub name: String,
    /// One entry per metric, in [`Metric::ALL`] order.
    pub metrics: Vec<MetricStats>,
}

impl ServiceStats {
    /// The statistics of one metric.
    pub fn metric(&self, metric: Metric) -> &MetricStats {
        self.metrics.iter().find(|m| m.metric == metric).expect("every metric is reported")
    }
}

/// The statistics of one disaster.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DisasterStats {
    /// Disaster name.
    pub name: String,
    /// Runs made.
    pub runs: u64,
    /// Runs that ended in a recovery deadlock.
    pub deadlocked_runs: u64,
    /// One entry per service, in scenario order.
    pub services: Vec<ServiceStats>,
}

impl DisasterStats {
    /// One service's statistics.
    pub fn service(&self, name: &str) -> Option<&ServiceStats> {
        self.services.iter().find(|s| s.name == name)
    }
}

/// The result of a Monte Carlo study.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StudyReport {
    /// Scenario name.
    pub scenario: String,
    /// Seed of the study.
    pub seed: u64,
    /// Runs per disaster in the whole study.
    pub runs: u64,
    /// The run indices included (all of them, unless this is a shard).
    pub run_ranges: Vec<(u64, u64)>,
    /// Length of each run (`horizon_h`, in hours, in JSON).
    #[serde(rename = "horizon_h", serialize_with = "serialize_hours")]
    pub horizon: SimDuration,
    /// Confidence of the intervals.
    pub confidence: f64,
    /// One entry per disaster studied.
    pub disasters: Vec<DisasterStats>,
}

fn serialize_metric<S: serde::Serializer>(m: &Metric, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.as_str())
}

fn serialize_hours<S: serde::Serializer>(d: &SimDuration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_hours_f64())
}

#[derive(Serialize)]
struct CsvRow<'a> {
    disaster: &'a str,
    service: &'a str,
    metric: &'static str,
    unit: &'static str,
    runs: u64,
    mean: f64,
    mean_low: f64,
    mean_high: f64,
    p50: f64,
    p90: f64,
    p95: f64,
    p99: f64,
    min: f64,
    max: f64,
    threshold: Option<f64>,
    p_above: Option<f64>,
    p_above_low: Option<f64>,
    p_above_high: Option<f64>,
}

/// The unit a metric is reported in.
pub fn unit(metric: Metric) -> &'static str {
    match metric {
        Metric::UserHoursLost => "user-hours",
        Metric::Availability => "fraction",
        _ => "hours",
    }
}

impl StudyReport {
    /// One disaster's statistics.
    pub fn disaster(&self, name: &str) -> Option<&DisasterStats> {
        self.disasters.iter().find(|d| d.name == name)
    }

    /// The report as pretty-printed JSON (schema in the README).
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a study report serializes");
        out.push('\n');
        out
    }

    /// One CSV row per disaster, service, metric and threshold.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        for d in &self.disasters {
            for s in &d.services {
                for m in &s.metrics {
                    let row = |t: Option<&Exceedance>| CsvRow {
                        disaster: &d.name,
                        service: &s.name,
                        metric: m.metric.as_str(),
                        unit: unit(m.metric),
                        runs: m.runs,
                        mean: m.mean,
                        mean_low: m.mean_low,
                        mean_high: m.mean_high,
                        p50: m.p50,
                        p90: m.p90,
                        p95: m.p95,
                        p99: m.p99,
                        min: m.min,
                        max: m.max,
                        threshold: t.map(|t| t.threshold),
                        p_above: t.map(|t| t.probability),
                        p_above_low: t.map(|t| t.low),
                        p_above_high: t.map(|t| t.high),
                    };
                    if m.above.is_empty() {
                        w.serialize(row(None)).expect("writing CSV to memory cannot fail");
                    }
                    for t in &m.above {
                        w.serialize(row(Some(t))).expect("writing CSV to memory cannot fail");
                    }
                }
            }
        }
        String::from_utf8(w.into_inner().expect("flushing to memory cannot fail"))
            .expect("CSV of UTF-8 fields is UTF-8")
    }

    /// A table per disaster of one metric for every service.
    pub fn to_table(&self, metric: Metric) -> String {
        let mut out = String::new();
        let runs = self.disasters.first().map_or(0, |d| d.runs);
        let _ = writeln!(
            out,
            "scenario {} - {} runs per disaster, seed {} - horizon {} - {} ({}), {:.0}% intervals",
            self.scenario,
            runs,
            self.seed,
            self.horizon,
            metric.as_str(),
            unit(metric),
            self.confidence * 100.0
        );
        let fmt = |x: f64| match metric {
            Metric::Availability => format!("{x:.5}"),
            Metric::UserHoursLost => format!("{x:.0}"),
            _ => format!("{x:.2}"),
        };
        let threshold_text = |x: f64| match metric.is_duration() {
            true => SimDuration::from_hours_f64(x).to_string(),
            false => fmt(x),
        };
        for d in &self.disasters {
            let _ = writeln!(out, "\ndisaster {}", d.name);
            if d.deadlocked_runs > 0 {
                let _ = writeln!(out, "  {} of {} runs ended in a recovery deadlock", d.deadlocked_runs, d.runs);
            }
            let mut t = Table::new();
            t.load_preset("     ─             ").set_content_arrangement(ContentArrangement::Disabled);
            let thresholds: Vec<String> = d
                .services
                .first()
                .map(|s| {
                    s.metric(metric).above.iter().map(|e| format!("P(> {})", threshold_text(e.threshold))).collect()
                })
                .unwrap_or_default();
            let mut header = vec![
                "service".to_owned(),
                "mean".into(),
                "interval".into(),
                "p50".into(),
                "p90".into(),
                "p95".into(),
                "p99".into(),
                "max".into(),
            ];
            header.extend(thresholds);
            t.set_header(header);
            for s in &d.services {
                let m = s.metric(metric);
                let mut row = vec![
                    s.name.clone(),
                    fmt(m.mean),
                    format!("{}-{}", fmt(m.mean_low), fmt(m.mean_high)),
                    fmt(m.p50),
                    fmt(m.p90),
                    fmt(m.p95),
                    fmt(m.p99),
                    fmt(m.max),
                ];
                row.extend(m.above.iter().map(|e| format!("{:.3} ({:.3}-{:.3})", e.probability, e.low, e.high)));
                t.add_row(row);
            }
            for i in 1..t.column_count() {
                if let Some(c) = t.column_mut(i) {
                    c.set_cell_alignment(CellAlignment::Right);
                }
            }
            let _ = writeln!(out, "{t}");
        }
        out
    }
}
