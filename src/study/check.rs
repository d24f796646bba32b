//! Resilience objectives and the sequential check behind `outage check`.
//!
//! # How a check decides
//! Each objective is checked per service (`"*"` means each service) and per
//! disaster it applies to. Runs are made in growing batches: `min_runs`,
//! then doubling, up to `max_runs`. After each batch every undecided
//! objective gets a confidence interval for its statistic:
//!
//! - a mean: Student's t (approximate unless the metric is normal);
//! - a quantile: distribution-free, from the order statistics (the number of
//!   runs below the true quantile is binomial), read from the quantile sketch
//!   (1% relative error; for availability, of the unavailability);
//! - a probability of exceeding a threshold: Wilson interval.
//!
//! An `at_most` objective passes once the whole interval is at or below the
//! bound and fails once it is wholly above; `at_least` the other way round.
//! Otherwise it stays undecided and more runs are made. Looking after every
//! batch would inflate the error rate, so each look uses confidence
//! `1 - (1 - c) / looks` (Bonferroni): the chance that a verdict is wrong
//! stays below `1 - c`. A clear case is settled after the first batch; a
//! borderline one ends undecided when the run budget is spent, rather than
//! flipping between pass and fail from one commit to the next. Runs are
//! seeded, so a check gives the same verdicts every time.

use std::fmt::Write as _;

use comfy_table::CellAlignment;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use super::aggregate::{DisasterAgg, MetricAgg, natural_range, ticks_per_unit};
use super::{SettingsError, Study, StudyError, amount_ticks, check_confidence, stats, unit};
use crate::objective::{Amount, Bound, Metric, Objective, Statistic};
use crate::report::plain_table;
use crate::scenario::Scenario;
use crate::time::SimDuration;

/// The verdict on one objective for one service and disaster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Verdict {
    /// The whole interval meets the bound.
    Pass,
    /// The whole interval misses the bound.
    Fail,
    /// The interval straddles the bound after every allowed run.
    Undecided,
}

/// One checked objective, for one service and one disaster.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CheckRow {
    /// The objective's label.
    pub objective: String,
    /// The service.
    pub service: String,
    /// The disaster.
    pub disaster: String,
    /// Point estimate (hours, user-hours, fraction or probability).
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// The bound, in the same unit.
    pub bound: f64,
    /// `"<="` or `">="`.
    pub direction: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// Runs made when the verdict was reached.
    pub runs: u64,
    /// The unit of estimate, interval and bound.
    pub unit: &'static str,
}

/// The outcome of `outage check`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CheckReport {
    /// Scenario name.
    pub scenario: String,
    /// Confidence of each verdict.
    pub confidence: f64,
    /// Seed of the runs.
    pub seed: u64,
    /// The most runs made for any disaster before stopping (each row
    /// gives its own).
    pub runs: u64,
    /// The run budget per disaster.
    pub max_runs: u64,
    /// One row per objective, service and disaster.
    pub rows: Vec<CheckRow>,
}

impl CheckReport {
    /// Whether every objective passed.
    pub fn all_pass(&self) -> bool {
        self.rows.iter().all(|r| r.verdict == Verdict::Pass)
    }

    /// Whether any objective failed.
    pub fn any_fail(&self) -> bool {
        self.rows.iter().any(|r| r.verdict == Verdict::Fail)
    }

    /// Panics with the table unless every objective passed: for use in a
    /// library user's own tests.
    ///
    /// # Panics
    /// When an objective failed or is undecided.
    #[track_caller]
    pub fn assert_met(&self) {
        assert!(self.all_pass(), "resilience objectives not met:\n{}", self.to_table());
    }

    /// A table of objectives, estimates, intervals and verdicts.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "scenario {} - seed {} - up to {} runs per disaster (budget {}) - {:.0}% confidence",
            self.scenario,
            self.seed,
            self.runs,
            self.max_runs,
            self.confidence * 100.0
        );
        let mut t = plain_table();
        t.set_header(["objective", "service", "disaster", "estimate", "interval", "bound", "runs", "verdict"]);
        for r in &self.rows {
            let f = |x: f64| r.format(x);
            t.add_row([
                r.objective.clone(),
                r.service.clone(),
                r.disaster.clone(),
                f(r.estimate),
                format!("{}-{}", f(r.low), f(r.high)),
                format!("{} {}", r.direction, f(r.bound)),
                r.runs.to_string(),
                match r.verdict {
                    Verdict::Pass => "pass".into(),
                    Verdict::Fail => "FAIL".into(),
                    Verdict::Undecided => "undecided".into(),
                },
            ]);
        }
        for i in 3..7 {
            if let Some(c) = t.column_mut(i) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        let _ = writeln!(out, "{t}");
        let count = |v| self.rows.iter().filter(|r| r.verdict == v).count();
        let _ = writeln!(
            out,
            "{} passed, {} failed, {} undecided",
            count(Verdict::Pass),
            count(Verdict::Fail),
            count(Verdict::Undecided)
        );
        out
    }

    /// JUnit XML: one test suite, one test case per objective, service and
    /// disaster; failed and undecided objectives are failures.
    pub fn to_junit(&self) -> String {
        let mut report = Report::new("outage check");
        let mut suite = TestSuite::new(self.scenario.clone());
        for r in &self.rows {
            let f = |x: f64| r.format(x);
            let status = match r.verdict {
                Verdict::Pass => TestCaseStatus::success(),
                verdict => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    if let TestCaseStatus::NonSuccess { message, ty, .. } = &mut s {
                        *ty = Some(if verdict == Verdict::Fail { "fail" } else { "undecided" }.into());
                        *message = Some(
                            format!(
                                "{}: estimate {} ({}-{}), bound {} {}{}, after {} runs",
                                if verdict == Verdict::Fail { "objective not met" } else { "undecided" },
                                f(r.estimate),
                                f(r.low),
                                f(r.high),
                                r.direction,
                                f(r.bound),
                                // Durations and fractions read as they are.
                                if r.unit == "user-hours" { " user-hours" } else { "" },
                                r.runs
                            )
                            .into(),
                        );
                    }
                    s
                }
            };
            let mut case = TestCase::new(format!("{} [{}; {}]", r.objective, r.service, r.disaster), status);
            case.set_classname(format!("{}.{}", self.scenario, r.service));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
        report.to_string().expect("a JUnit report serializes")
    }

    /// The report as JSON.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a check report serializes");
        out.push('\n');
        out
    }
}

impl CheckRow {
    /// A value of this row (its estimate, an interval end, its bound) as the
    /// table shows it: a duration to the second, user-hours whole, an
    /// availability with as many places as the row's nines need, a
    /// probability with four.
    fn format(&self, x: f64) -> String {
        if x.is_infinite() {
            return "inf".into(); // an interval unbounded on this side
        }
        match self.unit {
            // Whole seconds: milliseconds of a statistic over runs are noise.
            "hours" => SimDuration::from_hours_f64((x * 3600.0).round() / 3600.0).to_string(),
            "user-hours" => format!("{x:.0}"),
            "fraction" => {
                let places = super::availability_places([self.estimate, self.low, self.high, self.bound]);
                format!("{x:.places$}")
            }
            _ => format!("{x:.4}"),
        }
    }
}

/// The sequential check of a scenario's objectives.
///
/// # Examples
/// In a library user's own test suite:
/// ```
/// use outage::{study::Check, Scenario};
/// let scenario = Scenario::from_ron_str(&std::fs::read_to_string("scenarios/minimal.ron")?.replace(
///     "disasters: [",
///     "objectives: [Objective(service: \"web\", metric: Downtime, statistic: P50, at_most: \"1d\",
///                             disasters: [\"battery-fire\"])],
///      disasters: [",
/// ))?;
/// let report = Check::new(&scenario).seed(1).max_runs(2_000).run()?;
/// report.assert_met(); // panics with the table when an objective is not met
/// assert!(report.runs < 2_000, "a clear case stops early");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Check<'s> {
    scenario: &'s Scenario,
    confidence: f64,
    min_runs: u64,
    max_runs: u64,
    seed: u64,
    threads: Option<usize>,
    progress: Option<&'s (dyn Fn(u64) + Sync)>,
}

impl<'s> Check<'s> {
    /// A check at 95% confidence, from 100 runs up to 10,000 per disaster.
    pub fn new(scenario: &'s Scenario) -> Self {
        Check { scenario, confidence: 0.95, min_runs: 100, max_runs: 10_000, seed: 0, threads: None, progress: None }
    }

    /// Confidence of each verdict over all the looks, strictly between 0.5 and 1 ([`check_confidence`](super::check_confidence)).
    #[must_use]
    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    /// Runs in the first batch.
    #[must_use]
    pub fn min_runs(mut self, runs: u64) -> Self {
        self.min_runs = runs;
        self
    }

    /// The run budget per disaster.
    #[must_use]
    pub fn max_runs(mut self, runs: u64) -> Self {
        self.max_runs = runs;
        self
    }

    /// Seed of the runs.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads (default: all cores), at most [`MAX_THREADS`](super::MAX_THREADS). The verdicts do not depend on it.
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// Calls `progress(n)` as runs finish.
    #[must_use]
    pub fn progress(mut self, progress: &'s (dyn Fn(u64) + Sync)) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The batch sizes: `min_runs`, doubling, capped by `max_runs`.
    fn schedule(&self) -> Vec<u64> {
        let mut marks = Vec::new();
        let mut n = self.min_runs;
        loop {
            marks.push(n);
            if n >= self.max_runs {
                return marks;
            }
            n = n.saturating_mul(2).min(self.max_runs);
        }
    }

    /// Runs the check.
    ///
    /// # Errors
    /// Settings that make no check (a confidence outside [`CONFIDENCE_RANGE`](super::CONFIDENCE_RANGE), no runs in
    /// the first batch, a budget below it), a failed run, or threads that
    /// cannot start.
    pub fn run(&self) -> Result<CheckReport, StudyError> {
        check_confidence(self.confidence)?;
        if self.min_runs == 0 || self.max_runs < self.min_runs {
            return Err(SettingsError::Batches { min_runs: self.min_runs, max_runs: self.max_runs }.into());
        }
        super::check_runs(self.max_runs)?;
        let scenario = self.scenario;
        let model = scenario.model();
        let mut study = Study::new(scenario).seed(self.seed);
        if let Some(t) = self.threads {
            study = study.threads(t);
        }
        if let Some(p) = self.progress {
            study = study.progress(p);
        }
        for o in scenario.objectives() {
            if let Statistic::ProbabilityAbove(a) = o.statistic {
                study = study.threshold(o.metric, a);
            }
        }
        // Every disaster, in the order objectives' disaster indices follow.
        let disasters = study.selected()?;
        // Every (objective, service, disaster) to decide.
        struct Item {
            objective: usize,
            service: usize,
            disaster: usize,
            row: Option<CheckRow>,
        }
        let mut items = Vec::new();
        for (o, objective) in scenario.objectives().iter().enumerate() {
            let services: Vec<usize> = match objective.service {
                Some(s) => vec![s.index()],
                None => (0..model.services().len()).collect(),
            };
            let ds: Vec<usize> = if objective.disasters.is_empty() {
                (0..disasters.len()).collect()
            } else {
                objective.disasters.clone()
            };
            for &d in &ds {
                for &s in &services {
                    items.push(Item { objective: o, service: s, disaster: d, row: None });
                }
            }
        }
        let thresholds = study.threshold_ticks();
        let horizon = study.horizon_or_default();
        let schedule = self.schedule();
        let look_confidence = 1.0 - (1.0 - self.confidence) / schedule.len() as f64;
        let services = model.services().len();
        let mut aggs: Vec<Option<DisasterAgg>> = vec![None; disasters.len()];
        let mut done = 0;
        for &target in &schedule {
            let needed: Vec<usize> = {
                let mut n: Vec<usize> = items.iter().filter(|i| i.row.is_none()).map(|i| i.disaster).collect();
                n.sort_unstable();
                n.dedup();
                n
            };
            if needed.is_empty() {
                break;
            }
            let jobs: Vec<_> = needed
                .iter()
                .map(|&d| (disasters[d], aggs[d].as_ref().map_or(0, |a: &DisasterAgg| a.runs)..target))
                .collect();
            for (&d, more) in needed.iter().zip(study.run_disasters(&jobs, &thresholds)?) {
                aggs[d].get_or_insert_with(|| DisasterAgg::new(services, &thresholds, horizon)).merge(&more);
            }
            done = target;
            let last = target >= self.max_runs;
            for item in items.iter_mut().filter(|i| i.row.is_none()) {
                let objective = &scenario.objectives()[item.objective];
                let agg = aggs[item.disaster].as_ref().expect("run above");
                let metric_index = Metric::ALL.iter().position(|m| *m == objective.metric).expect("a known metric");
                let a = &agg.services[item.service].metrics[metric_index];
                let threshold_index = match objective.statistic {
                    Statistic::ProbabilityAbove(x) => {
                        let t = amount_ticks(objective.metric, x, horizon);
                        thresholds[metric_index].iter().position(|&y| y == t)
                    }
                    _ => None,
                };
                let row = evaluate(objective, a, threshold_index, horizon, look_confidence, target);
                if row.2 != Verdict::Undecided || last {
                    item.row = Some(CheckRow {
                        objective: objective.label().to_owned(),
                        service: model.services()[item.service].name().to_owned(),
                        disaster: disasters[item.disaster].name().to_owned(),
                        estimate: row.0.0,
                        low: row.0.1,
                        high: row.0.2,
                        bound: row.1,
                        direction: match objective.bound {
                            Bound::AtMost(_) => "<=",
                            Bound::AtLeast(_) => ">=",
                        },
                        verdict: row.2,
                        runs: target,
                        unit: if matches!(objective.statistic, Statistic::ProbabilityAbove(_)) {
                            "probability"
                        } else {
                            unit(objective.metric)
                        },
                    });
                }
            }
        }
        Ok(CheckReport {
            scenario: scenario.name().to_owned(),
            confidence: self.confidence,
            seed: self.seed,
            runs: done,
            max_runs: self.max_runs,
            rows: items.into_iter().filter_map(|i| i.row).collect(),
        })
    }
}

/// ((estimate, low, high), bound, verdict), in display units.
fn evaluate(
    objective: &Objective,
    a: &MetricAgg,
    threshold: Option<usize>,
    horizon: SimDuration,
    confidence: f64,
    _runs: u64,
) -> ((f64, f64, f64), f64, Verdict) {
    let unit = ticks_per_unit(objective.metric, horizon);
    let (estimate, low, high, bound) = match objective.statistic {
        Statistic::ProbabilityAbove(_) => {
            let k = threshold.map_or(0, |t| a.above[t]);
            let (lo, hi) = stats::wilson(k, a.n, confidence);
            let p = if a.n == 0 { 0.0 } else { k as f64 / a.n as f64 };
            let bound = match objective.bound.amount() {
                Amount::Number(x) => x,
                Amount::Duration(_) => 0.0, // rejected by validation
            };
            (p, lo, hi, bound)
        }
        Statistic::Mean => {
            let (lo, hi) = a.mean_interval(confidence, natural_range(objective.metric, horizon));
            let bound = amount_ticks(objective.metric, objective.bound.amount(), horizon) as f64 / unit;
            (a.mean() / unit, lo / unit, hi / unit, bound)
        }
        _ => {
            let q = objective.statistic.quantile().expect("the remaining statistics are quantiles");
            let (lo, hi) = a.quantile_interval(q, confidence, natural_range(objective.metric, horizon));
            let bound = amount_ticks(objective.metric, objective.bound.amount(), horizon) as f64 / unit;
            (a.quantile(q) / unit, lo / unit, hi / unit, bound)
        }
    };
    let verdict = match objective.bound {
        Bound::AtMost(_) if high <= bound => Verdict::Pass,
        Bound::AtMost(_) if low > bound => Verdict::Fail,
        Bound::AtLeast(_) if low >= bound => Verdict::Pass,
        Bound::AtLeast(_) if high < bound => Verdict::Fail,
        _ => Verdict::Undecided,
    };
    ((estimate, low, high), bound, verdict)
}
