//! Monte Carlo studies: many seeded runs of each disaster, summarised per
//! service and metric.
//!
//! ```
//! use outage::{study::Study, Scenario};
//! use outage::objective::{Amount, Metric};
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
//! confidence interval (Student's t), the 50th, 90th, 95th and 99th
//! percentiles, the maximum, and for each threshold given the probability of
//! exceeding it with its Wilson interval. Times are in hours, user-hours lost
//! in user-hours, availability as a fraction of the run. Percentiles come
//! from a DDSketch with 1% relative error (for availability, 1% of the
//! unavailability, `1 - a`); the mean and maximum are exact.

mod aggregate;
mod check;
/// Paired comparisons of a baseline and its variants ([`Compare`]).
mod compare;
mod output;
mod run;
/// Single points of failure ([`Spof`]).
mod spof;
pub mod stats;
mod summary;
/// Sweeps and sensitivity ([`Sweep`], [`Sensitivity`]).
mod sweep;

use std::ops::Range;
use std::path::PathBuf;

/// For `milestones`: the same bounded quantile sketch as a study's metrics.
pub(crate) use aggregate::MetricAgg;
pub use aggregate::QUANTILE_RELATIVE_ERROR;
use aggregate::ticks_per_unit;
pub use check::{Check, CheckReport, CheckRow, Verdict};
pub use compare::{Compare, CompareReport, CompareRow, Pairing};
pub use output::{DisasterStats, Exceedance, MetricStats, ServiceStats, StudyReport, availability_places, unit};
pub use spof::{Spof, SpofReport, SpofRow};
pub use summary::{MAX_SUMMARY_BYTES, StudySummary};
use summary::{SUMMARY_FORMAT, digest};
pub use sweep::{
    Sensitivity, SensitivityReport, SensitivityRow, Sweep, SweepError, SweepPoint, SweepReport, split_values,
};

use crate::engine::RunError;
use crate::model::Disaster;
use crate::objective::{Amount, Metric};
use crate::scenario::Scenario;
use crate::time::SimDuration;

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
    #[error(transparent)]
    Summary(#[from] SummaryError),
    /// Settings that make no study.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The thread pool could not be built.
    #[error("cannot start {threads} threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Why.
        message: String,
    },
}

/// The most runs per disaster a study, check or comparison makes, by
/// default: at a fraction of a millisecond per run, days of computing. More
/// is a typo (or `u64::MAX`), not a plan; `OUTAGE_MAX_RUNS` raises it.
pub const MAX_RUNS: u64 = 1_000_000_000;

/// The run limit in force: [`MAX_RUNS`], or `OUTAGE_MAX_RUNS`.
pub fn max_runs() -> u64 {
    std::env::var("OUTAGE_MAX_RUNS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(MAX_RUNS)
}

/// Checks a number of runs: at least one, at most [`max_runs`].
pub(crate) fn check_runs(runs: u64) -> Result<(), SettingsError> {
    let limit = max_runs();
    match runs {
        0 => Err(SettingsError::NoRuns),
        r if r > limit => Err(SettingsError::TooManyRuns { runs: r, limit }),
        _ => Ok(()),
    }
}

/// Settings that make no study or check.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A study of no runs.
    #[error("a study needs at least one run")]
    NoRuns,
    /// A shard index past the last shard ([`Study::shard`] counts from 0).
    #[error("shard {index} of {count} does not exist: shards are numbered from 0 to {}", count - 1)]
    NoSuchShard {
        /// The shard asked for.
        index: u64,
        /// How many shards there are.
        count: u64,
    },
    /// More runs than [`max_runs`].
    #[error("{runs} runs per disaster is more than the {limit} a study makes (set OUTAGE_MAX_RUNS to raise the limit)")]
    TooManyRuns {
        /// Runs asked for.
        runs: u64,
        /// The limit in force.
        limit: u64,
    },
    /// A confidence outside [`CONFIDENCE_RANGE`].
    #[error("the confidence is strictly between 0.5 and 1, not {0}")]
    Confidence(f64),
    /// A comparison of scenarios that run for different lengths: paired
    /// runs measure both over one horizon.
    #[error(
        "'{variant}' runs for {horizon} and the baseline for {baseline}: a paired comparison measures both over one \
         run length (give both the same horizon)"
    )]
    Horizons {
        /// The variant.
        variant: String,
        /// Its horizon.
        horizon: crate::time::SimDuration,
        /// The baseline's.
        baseline: crate::time::SimDuration,
    },
    /// A service the scenario does not have.
    #[error("no service '{name}' (services: {known})")]
    UnknownService {
        /// The name given.
        name: String,
        /// The scenario's services.
        known: String,
    },
    /// A zero duration where something must last.
    #[error("{0} must last longer than zero")]
    ZeroDuration(&'static str),
    /// A sequential check whose first batch is empty or above its budget.
    #[error("the first batch needs at least one run and at most the budget (min runs {min_runs}, max runs {max_runs})")]
    Batches {
        /// Runs of the first batch.
        min_runs: u64,
        /// The run budget.
        max_runs: u64,
    },
}

/// Confidences a study or check accepts: strictly between these. Below one
/// half an "interval" would be narrower than a coin toss; 1 has no finite
/// interval.
pub const CONFIDENCE_RANGE: (f64, f64) = (0.5, 1.0);

/// Checks a confidence against [`CONFIDENCE_RANGE`], the one rule the
/// library and the command line share.
///
/// # Errors
/// [`SettingsError::Confidence`].
pub fn check_confidence(confidence: f64) -> Result<(), SettingsError> {
    let (low, high) = CONFIDENCE_RANGE;
    if confidence > low && confidence < high { Ok(()) } else { Err(SettingsError::Confidence(confidence)) }
}

/// A study summary that cannot be read or merged: which file, if any, and why.
#[derive(Debug, thiserror::Error)]
#[error("{}{kind}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
pub struct SummaryError {
    /// The file it came from, when read from one.
    pub path: Option<PathBuf>,
    /// What is wrong.
    pub kind: SummaryErrorKind,
}

impl From<SummaryErrorKind> for SummaryError {
    fn from(kind: SummaryErrorKind) -> Self {
        SummaryError { path: None, kind }
    }
}

/// What is wrong with a study summary.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SummaryErrorKind {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Unreadable(#[source] std::io::Error),
    /// The file is larger than any summary a study writes.
    #[error("larger than {limit} bytes: not a study summary")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// Not JSON of a summary.
    #[error("not a study summary: {0}")]
    Malformed(String),
    /// Written by another version of the format.
    #[error("summary format {found} is not supported (expected {expected}); rerun the study with this version")]
    UnsupportedFormat {
        /// The format of the file.
        found: u32,
        /// The format this version reads.
        expected: u32,
    },
    /// Numbers no study could have written.
    #[error("inconsistent study summary: {0}")]
    Inconsistent(String),
    /// No summaries given.
    #[error("nothing to merge")]
    NothingToMerge,
    /// Summaries of different studies.
    #[error(
        "cannot merge: the summaries come from different studies (scenario '{}' digest {} seed {} runs {} vs scenario '{}' digest {} seed {} runs {}, or other thresholds, disasters or horizon)",
        first.scenario, first.digest, first.seed, first.runs, other.scenario, other.digest, other.seed, other.runs
    )]
    DifferentStudies {
        /// The study merged so far.
        first: Box<StudyIdentity>,
        /// The study that does not match it.
        other: Box<StudyIdentity>,
    },
    /// Shards that cover the same runs.
    #[error("cannot merge: runs {}..{} and {}..{} overlap (the same shard given twice?)", first.0, first.1, second.0, second.1)]
    Overlap {
        /// One range of runs.
        first: (u64, u64),
        /// A range that overlaps it.
        second: (u64, u64),
    },
}

/// What names a study in a merge error.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StudyIdentity {
    /// The scenario's name.
    pub scenario: String,
    /// The digest of its description.
    pub digest: String,
    /// The seed.
    pub seed: u64,
    /// Runs per disaster.
    pub runs: u64,
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
                return Err(StudyError::Run(RunError::unknown_disaster(self.scenario, name)));
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
    /// No runs, a shard that does not exist, an unknown disaster, a failed
    /// run, or threads that cannot start.
    pub fn summarise(&self) -> Result<StudySummary, StudyError> {
        check_runs(self.runs)?;
        let (index, count) = self.shard;
        if index >= count {
            return Err(SettingsError::NoSuchShard { index, count }.into());
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
}

/// The most worker threads a study or check takes: past this, more threads
/// only cost memory and start-up time.
pub const MAX_THREADS: usize = 1024;

/// Converts an amount to the ticks of a metric (see [`aggregate`]).
pub(crate) fn amount_ticks(metric: Metric, amount: Amount, horizon: SimDuration) -> u64 {
    match amount {
        Amount::Duration(d) => d.as_millis(),
        Amount::Number(x) => (x * ticks_per_unit(metric, horizon)).round().max(0.0) as u64,
    }
}
