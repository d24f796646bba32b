//! Paired comparisons: a baseline and its variants run with common random
//! numbers, and the difference each variant makes, with its interval.
//!
//! Run `k` of the baseline and run `k` of a variant use the same seed and
//! run index, and every random draw comes from a stream named after the
//! element (or hazard, or team) that makes it, so wherever the variants
//! agree they draw the same fire, the same boots and failures. The
//! difference of run `k`'s metric between variant and baseline is then
//! mostly the variant's own effect, and its spread is far smaller than that
//! of two independent studies: the report gives that variance-reduction
//! factor, `(var(baseline) + var(variant)) / var(difference)`.
//!
//! ```
//! use outage::{objective::Metric, study::Compare, Scenario};
//! let base = Scenario::from_path("scenarios/minimal.ron")?;
//! let bigger = base.patched(&["pools.web-servers.servers=60".parse()?])?;
//! let report = Compare::new(&base).variant("60 web servers", &bigger).runs(200).run()?;
//! let web = report.row("60 web servers", "battery-fire", "web", Metric::Downtime).unwrap();
//! assert!(web.difference_high <= web.difference_low.max(web.difference_high));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rayon::prelude::*;
use serde::Serialize;

use super::aggregate::{MetricAgg, sketch_origin, ticks, ticks_per_unit};
use super::run::pool;
use super::{SettingsError, StudyError, stats};
use crate::engine::{Numbers, RunOptions, Simulation};
use crate::objective::Metric;
use crate::scenario::Scenario;
use crate::time::SimDuration;

/// A paired comparison of a baseline with variants, builder style.
#[derive(Clone)]
pub struct Compare<'s> {
    baseline: &'s Scenario,
    variants: Vec<(String, &'s Scenario)>,
    runs: u64,
    seed: u64,
    threads: Option<usize>,
    metrics: Vec<Metric>,
    confidence: f64,
    services: Vec<String>,
    disasters: Vec<String>,
    first_batch: Option<u64>,
}

impl<'s> Compare<'s> {
    /// A comparison against `baseline`: 1,000 runs, seed 0, downtime.
    pub fn new(baseline: &'s Scenario) -> Self {
        Compare {
            baseline,
            variants: Vec::new(),
            runs: 1000,
            seed: 0,
            threads: None,
            metrics: vec![Metric::Downtime],
            confidence: 0.95,
            services: Vec::new(),
            disasters: Vec::new(),
            first_batch: None,
        }
    }

    /// Adds a variant (a patched scenario, another file).
    #[must_use]
    pub fn variant(mut self, name: impl Into<String>, scenario: &'s Scenario) -> Self {
        self.variants.push((name.into(), scenario));
        self
    }

    /// Only these services in the report (default: every one).
    #[must_use]
    pub fn services(mut self, services: &[String]) -> Self {
        self.services = services.to_vec();
        self
    }

    /// Only these disasters (by name, or a site-loss template's name for
    /// all it expands to; default: every one).
    #[must_use]
    pub fn disasters(mut self, disasters: &[String]) -> Self {
        self.disasters = disasters.to_vec();
        self
    }

    /// Sequential stopping: run `first_batch` pairs, then double, up to
    /// [`Compare::runs`] (the budget), and stop a variant's disaster as
    /// soon as every one of its differences has an interval that excludes
    /// zero. Each look uses confidence `1 - (1 - c) / looks` (Bonferroni),
    /// so that stopping at the first clear look does not inflate the error
    /// rate, and the intervals reported are those of that confidence.
    #[must_use]
    pub fn sequential(mut self, first_batch: u64) -> Self {
        self.first_batch = Some(first_batch);
        self
    }

    /// Paired runs per disaster (with [`Compare::sequential`], the most).
    #[must_use]
    pub fn runs(mut self, runs: u64) -> Self {
        self.runs = runs;
        self
    }

    /// The seed both sides share.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads (default: all cores); the result does not depend on it.
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// The metrics compared (default: downtime).
    #[must_use]
    pub fn metrics(mut self, metrics: &[Metric]) -> Self {
        self.metrics = metrics.to_vec();
        self
    }

    /// Confidence of the intervals (default 0.95).
    #[must_use]
    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    /// Runs the comparison: for every variant, every disaster both have (by
    /// name) and every service both have, the paired difference of each
    /// metric.
    ///
    /// # Errors
    /// No runs, a confidence out of range, a variant with another horizon,
    /// an unknown service or disaster, a failed run, or threads that cannot
    /// start.
    pub fn run(&self) -> Result<CompareReport, StudyError> {
        super::check_runs(self.runs)?;
        super::check_confidence(self.confidence)?;
        if let Some((name, variant)) = self.variants.iter().find(|(_, v)| v.horizon() != self.baseline.horizon()) {
            return Err(SettingsError::Horizons {
                variant: name.clone(),
                horizon: variant.horizon(),
                baseline: self.baseline.horizon(),
            }
            .into());
        }
        let known = self.baseline.model().services();
        if let Some(name) = self.services.iter().find(|n| !known.iter().any(|s| s.name() == n.as_str())) {
            let known = known.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ");
            return Err(SettingsError::UnknownService { name: name.clone(), known }.into());
        }
        let wanted = |name: &str| self.services.is_empty() || self.services.iter().any(|n| n == name);
        if let Some(name) = self.disasters.iter().find(|d| self.baseline.disasters_named(d).is_empty()) {
            return Err(crate::engine::RunError::unknown_disaster(self.baseline, name).into());
        }
        let chosen =
            |d: &crate::model::Disaster| self.disasters.is_empty() || self.disasters.iter().any(|n| d.is_named(n));
        // Cumulative run counts at which to look: all at once, or doubling.
        let schedule: Vec<u64> = match self.first_batch {
            None => vec![self.runs],
            Some(first) => {
                if first == 0 || first > self.runs {
                    return Err(SettingsError::Batches { min_runs: first, max_runs: self.runs }.into());
                }
                let mut at = vec![first];
                while *at.last().expect("not empty") < self.runs {
                    at.push(at.last().expect("not empty").saturating_mul(2).min(self.runs));
                }
                at
            }
        };
        let confidence = 1.0 - (1.0 - self.confidence) / schedule.len() as f64;
        let mut rows = Vec::new();
        for (name, variant) in &self.variants {
            for disaster in self.baseline.disasters().iter().filter(|d| chosen(d)) {
                let Some(other) = variant.disaster(disaster.name()) else { continue };
                let pairs: Vec<(usize, usize)> = self
                    .baseline
                    .model()
                    .services()
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| wanted(s.name()))
                    .filter_map(|(i, s)| {
                        variant.model().services().iter().position(|v| v.name() == s.name()).map(|j| (i, j))
                    })
                    .collect();
                let horizon = self.baseline.horizon();
                let mut sums = self.fresh(pairs.len());
                let mut done = 0;
                let mut group = Vec::new();
                for &upto in &schedule {
                    let batch = self.paired(disaster, other, variant, &pairs, done..upto)?;
                    for (p, q) in sums.iter_mut().zip(&batch) {
                        p.merge(q);
                    }
                    done = upto;
                    group.clear();
                    for (k, &(i, _)) in pairs.iter().enumerate() {
                        for (m, &metric) in self.metrics.iter().enumerate() {
                            let service = self.baseline.model().services()[i].name();
                            let unit = ticks_per_unit(metric, horizon);
                            group.push(sums[k * self.metrics.len() + m].row(
                                name,
                                disaster.name(),
                                service,
                                metric,
                                unit,
                                confidence,
                            ));
                        }
                    }
                    if group.iter().all(CompareRow::is_significant) {
                        break;
                    }
                }
                rows.append(&mut group);
            }
        }
        Ok(CompareReport {
            runs: self.runs,
            first_batch: self.first_batch,
            looks: schedule.len(),
            seed: self.seed,
            confidence: self.confidence,
            look_confidence: confidence,
            rows,
        })
    }

    /// Empty sums for `pairs` service pairs, one per pair and metric (pair
    /// by pair): availability's also keep each side's runs in a quantile
    /// sketch, for its low tail.
    fn fresh(&self, pairs: usize) -> Vec<PairSums> {
        let horizon = self.baseline.horizon();
        let one = |&metric: &Metric| PairSums {
            tails: (metric == Metric::Availability).then(|| {
                let agg = MetricAgg::new(0, sketch_origin(metric, horizon));
                Box::new((agg.clone(), agg))
            }),
            ..PairSums::default()
        };
        (0..pairs).flat_map(|_| self.metrics.iter().map(one)).collect()
    }

    /// The paired sums of every (service pair, metric), over these runs.
    fn paired(
        &self,
        disaster: &crate::model::Disaster,
        other: &crate::model::Disaster,
        variant: &Scenario,
        pairs: &[(usize, usize)],
        runs: std::ops::Range<u64>,
    ) -> Result<Vec<PairSums>, StudyError> {
        let horizon: SimDuration = self.baseline.horizon();
        let options = RunOptions::default().seed(self.seed).timeline(false).horizon(horizon);
        let work = || {
            // usize ranges are indexed (splittable by length); runs fit.
            let index = |r: u64| usize::try_from(r).unwrap_or(usize::MAX);
            (index(runs.start)..index(runs.end))
                .into_par_iter()
                .with_min_len(16)
                .map(|run| run as u64)
                .try_fold(
                    || {
                        (
                            self.fresh(pairs.len()),
                            Simulation::for_disaster(self.baseline, disaster),
                            Simulation::for_disaster(variant, other),
                            Vec::new(),
                            Vec::new(),
                        )
                    },
                    |(mut sums, mut a, mut b, mut na, mut nb): (Vec<PairSums>, _, _, Vec<Numbers>, Vec<Numbers>),
                     run| {
                        let options = RunOptions { run, ..options.clone() };
                        a.run_numbers(&options, &mut na)?;
                        b.run_numbers(&options, &mut nb)?;
                        for (k, &(i, j)) in pairs.iter().enumerate() {
                            for (m, &metric) in self.metrics.iter().enumerate() {
                                let x = ticks(metric, &na[i], horizon);
                                let y = ticks(metric, &nb[j], horizon);
                                sums[k * self.metrics.len() + m].add(x, y);
                            }
                        }
                        Ok::<_, crate::engine::RunError>((sums, a, b, na, nb))
                    },
                )
                .map(|r| r.map(|(sums, ..)| sums))
                .try_reduce(
                    || self.fresh(pairs.len()),
                    |mut x, y| {
                        for (p, q) in x.iter_mut().zip(&y) {
                            p.merge(q);
                        }
                        Ok(x)
                    },
                )
        };
        Ok(match self.threads {
            Some(threads) => pool(threads)?.install(work)?,
            None => work()?,
        })
    }
}

/// Exact integer sums of paired values (baseline `x`, variant `y`): the
/// result does not depend on how runs were split over threads.
#[derive(Clone, Debug, Default)]
struct PairSums {
    /// For availability: each side's runs, baseline then variant, for the
    /// low tail (bad availability is low); the same sketch a study keeps.
    tails: Option<Box<(MetricAgg, MetricAgg)>>,
    n: u64,
    sx: i128,
    sxx: i128,
    sy: i128,
    syy: i128,
    sd: i128,
    sdd: i128,
}

impl PairSums {
    fn add(&mut self, x: u64, y: u64) {
        let (x, y) = (i128::from(x), i128::from(y));
        let d = y - x;
        self.n += 1;
        self.sx += x;
        self.sxx = self.sxx.saturating_add(x.saturating_mul(x));
        self.sy += y;
        self.syy = self.syy.saturating_add(y.saturating_mul(y));
        self.sd += d;
        self.sdd = self.sdd.saturating_add(d.saturating_mul(d));
        if let Some(t) = &mut self.tails {
            // Values within the run: no overflow to fear.
            t.0.add(u64::try_from(x).unwrap_or(0), &[]);
            t.1.add(u64::try_from(y).unwrap_or(0), &[]);
        }
    }

    fn merge(&mut self, o: &PairSums) {
        self.n += o.n;
        self.sx += o.sx;
        self.sxx = self.sxx.saturating_add(o.sxx);
        self.sy += o.sy;
        self.syy = self.syy.saturating_add(o.syy);
        self.sd += o.sd;
        self.sdd = self.sdd.saturating_add(o.sdd);
        if let (Some(t), Some(u)) = (&mut self.tails, &o.tails) {
            t.0.merge(&u.0);
            t.1.merge(&u.1);
        }
    }

    /// Sample variance from exact sums: (n * sum of squares - sum^2) /
    /// (n (n - 1)), the numerator in integers where it fits, so that it is
    /// exactly zero when every value is the same (in floating point, the
    /// rounding of sum^2 / n left a residue that read as an 889341.6x
    /// variance reduction for a change the same in every pair).
    fn variance(n: u64, s: i128, ss: i128) -> f64 {
        if n < 2 {
            return 0.0;
        }
        let exact = i128::from(n).checked_mul(ss).zip(s.checked_mul(s)).and_then(|(a, b)| a.checked_sub(b));
        let n = n as f64;
        match exact {
            Some(centred) => centred.max(0) as f64 / (n * (n - 1.0)),
            None => ((ss as f64 - (s as f64) * (s as f64) / n) / (n - 1.0)).max(0.0),
        }
    }

    fn row(
        &self,
        variant: &str,
        disaster: &str,
        service: &str,
        metric: Metric,
        unit: f64,
        confidence: f64,
    ) -> CompareRow {
        let n = self.n.max(1) as f64;
        let (mx, my, md) = (self.sx as f64 / n, self.sy as f64 / n, self.sd as f64 / n);
        let (vx, vy, vd) = (
            Self::variance(self.n, self.sx, self.sxx),
            Self::variance(self.n, self.sy, self.syy),
            Self::variance(self.n, self.sd, self.sdd),
        );
        let (lo, hi) = stats::mean_interval(md, vd.sqrt(), self.n, confidence);
        let variance_reduction = if vd > 0.0 { Some((vx + vy) / vd) } else { None };
        let tail = |a: &MetricAgg| (a.quantile(0.05) / unit, a.quantile(0.01) / unit, a.at_rank(0) / unit);
        let (bt, vt) = match &self.tails {
            Some(t) => (Some(tail(&t.0)), Some(tail(&t.1))),
            None => (None, None),
        };
        CompareRow {
            variant: variant.to_owned(),
            disaster: disaster.to_owned(),
            service: service.to_owned(),
            runs: self.n,
            metric,
            unit: super::output::unit(metric),
            baseline: mx / unit,
            value: my / unit,
            difference: md / unit,
            difference_low: lo / unit,
            difference_high: hi / unit,
            variance_reduction,
            baseline_p5: bt.map(|t| t.0),
            baseline_p1: bt.map(|t| t.1),
            baseline_min: bt.map(|t| t.2),
            variant_p5: vt.map(|t| t.0),
            variant_p1: vt.map(|t| t.1),
            variant_min: vt.map(|t| t.2),
        }
    }
}

/// One line of a comparison: a variant against the baseline, for one
/// disaster, service and metric, in the metric's unit (hours, user-hours,
/// a fraction).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CompareRow {
    /// The variant.
    pub variant: String,
    /// The disaster.
    pub disaster: String,
    /// The service.
    pub service: String,
    /// The paired runs behind it (fewer than the budget when a sequential
    /// comparison stopped early).
    pub runs: u64,
    /// The metric.
    #[serde(serialize_with = "super::output::serialize_metric")]
    pub metric: Metric,
    /// Its unit.
    pub unit: &'static str,
    /// The baseline's mean.
    pub baseline: f64,
    /// The variant's mean.
    pub value: f64,
    /// Mean of the paired differences, variant minus baseline.
    pub difference: f64,
    /// Low end of its confidence interval (Student's t).
    pub difference_low: f64,
    /// High end of its confidence interval.
    pub difference_high: f64,
    /// `(var(baseline) + var(variant)) / var(difference)`: how many times
    /// narrower pairing makes the interval's variance than independent runs
    /// would; `None` when every difference is the same (see
    /// [`CompareRow::pairing`] for how to show it).
    pub variance_reduction: Option<f64>,
    /// For availability, where bad is low: the baseline's 5th percentile
    /// (`None` for other metrics).
    pub baseline_p5: Option<f64>,
    /// The baseline's 1st percentile (availability only).
    pub baseline_p1: Option<f64>,
    /// The baseline's lowest run (availability only).
    pub baseline_min: Option<f64>,
    /// The variant's 5th percentile (availability only).
    pub variant_p5: Option<f64>,
    /// The variant's 1st percentile (availability only).
    pub variant_p1: Option<f64>,
    /// The variant's lowest run (availability only).
    pub variant_min: Option<f64>,
}

/// What pairing bought a row of a comparison, as the report shows it (see
/// [`CompareRow::pairing`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Pairing {
    /// The variant gave the same value as the baseline in every pair: no
    /// difference at all, and nothing to reduce.
    Identical,
    /// Every pair differs by the same amount: the interval is that amount
    /// alone, however many runs.
    SameChange,
    /// The variance-reduction factor `(var(baseline) + var(variant)) /
    /// var(difference)`.
    Factor(f64),
}

/// Factors above this are shown as "over 1000x": the differences barely
/// vary, and the exact figure says no more than that.
const LARGEST_FACTOR_SHOWN: f64 = 1000.0;

impl std::fmt::Display for Pairing {
    /// `identical in every pair`, `same change in every pair`, `32.8x`, or
    /// `over 1000x`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pairing::Identical => f.pad("identical in every pair"),
            Pairing::SameChange => f.pad("same change in every pair"),
            Pairing::Factor(x) if *x > LARGEST_FACTOR_SHOWN => f.pad(&format!("over {LARGEST_FACTOR_SHOWN:.0}x")),
            Pairing::Factor(x) => f.pad(&format!("{x:.1}x")),
        }
    }
}

impl CompareRow {
    /// What pairing bought, as the report shows it: identical in every
    /// pair, the same change in every pair, or the variance-reduction
    /// factor. Use this (its `Display`) to show pairing the way `outage
    /// compare` does.
    pub fn pairing(&self) -> Pairing {
        match self.variance_reduction {
            Some(f) => Pairing::Factor(f),
            None if self.difference == 0.0 => Pairing::Identical,
            None => Pairing::SameChange,
        }
    }

    /// Whether the interval excludes zero: the variant makes a difference.
    pub fn is_significant(&self) -> bool {
        self.difference_low > 0.0 || self.difference_high < 0.0
    }
}

/// The result of a paired comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CompareReport {
    /// Paired runs per disaster: the budget of a sequential comparison.
    pub runs: u64,
    /// A sequential comparison's first batch, or `None`.
    pub first_batch: Option<u64>,
    /// How many times the intervals were looked at (1 unless sequential).
    pub looks: usize,
    /// The seed both sides used.
    pub seed: u64,
    /// Confidence over all the looks.
    pub confidence: f64,
    /// Confidence of each look, and of the intervals reported:
    /// `1 - (1 - confidence) / looks`.
    pub look_confidence: f64,
    /// One row per variant, disaster, service and metric.
    pub rows: Vec<CompareRow>,
}

impl CompareReport {
    /// The row for a variant, disaster, service and metric.
    pub fn row(&self, variant: &str, disaster: &str, service: &str, metric: Metric) -> Option<&CompareRow> {
        self.rows
            .iter()
            .find(|r| r.variant == variant && r.disaster == disaster && r.service == service && r.metric == metric)
    }

    /// The report as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a comparison serializes")
    }

    /// One CSV row per line of the comparison.
    pub fn to_csv(&self) -> String {
        crate::report::write_csv(&self.rows)
    }

    /// Tables for people: per variant and disaster, each service's baseline,
    /// variant, difference with its interval, and variance reduction.
    pub fn to_table(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        match self.first_batch {
            None => {
                let _ = writeln!(
                    out,
                    "paired comparison - {} runs per disaster, seed {} - {:.0}% intervals of variant minus baseline",
                    self.runs,
                    self.seed,
                    self.confidence * 100.0
                );
            }
            Some(first) => {
                let _ = writeln!(
                    out,
                    "paired comparison, sequential - {first} to {} runs per disaster, stopping when every interval \
                     excludes zero, seed {}\n{} looks at {:.2}% each ({:.0}% overall) - intervals of variant minus \
                     baseline",
                    self.runs,
                    self.seed,
                    self.looks,
                    self.look_confidence * 100.0,
                    self.confidence * 100.0
                );
            }
        }
        let metric = |r: &CompareRow| format!("{} ({})", r.metric.as_str(), r.unit);
        let sw = self.rows.iter().map(|r| r.service.chars().count()).max().unwrap_or(0).max(28);
        let mw = self.rows.iter().map(|r| metric(r).chars().count()).max().unwrap_or(0).max(16);
        let pw = self.rows.iter().map(|r| r.pairing().to_string().chars().count()).max().unwrap_or(0).max(9);
        // Availability with as many places as its nines need, one count for
        // every availability figure; hours and user-hours with two.
        let nines = super::output::availability_places(
            self.rows.iter().filter(|r| r.metric == Metric::Availability).flat_map(|r| {
                let tails = [r.baseline_p5, r.baseline_p1, r.baseline_min, r.variant_p5, r.variant_p1, r.variant_min];
                [r.baseline, r.value].into_iter().chain(tails.into_iter().flatten())
            }),
        );
        // Room for the places: "+0.0000000" and "+0.0000000 to +0.0000000".
        let any_nines = self.rows.iter().any(|r| r.metric == Metric::Availability);
        let nw = if any_nines { (nines + 4).max(10) } else { 10 };
        let iw = if any_nines { (2 * nines + 10).max(21) } else { 21 };
        let cw = nw - 1;
        let mut last: Option<(&str, &str)> = None;
        for r in &self.rows {
            if last != Some((&r.variant, &r.disaster)) {
                let _ = writeln!(out, "\nvariant {} - disaster {} - {} runs", r.variant, r.disaster, r.runs);
                let _ = writeln!(
                    out,
                    " {:<sw$} {:<mw$} {:>nw$} {:>nw$} {:>nw$} {:>iw$} {:>pw$}",
                    "service", "metric", "baseline", "variant", "change", "interval", "pairing"
                );
                last = Some((&r.variant, &r.disaster));
            }
            let mark = if r.is_significant() { "*" } else { " " };
            let p = if r.metric == Metric::Availability { nines } else { 2 };
            let _ = writeln!(
                out,
                " {:<sw$} {:<mw$} {:>nw$.p$} {:>nw$.p$} {:>+cw$.p$}{mark} {:>iw$} {:>pw$}",
                r.service,
                metric(r),
                r.baseline,
                r.value,
                r.difference,
                format!("{:+.p$} to {:+.p$}", r.difference_low, r.difference_high),
                r.pairing().to_string()
            );
            // Availability is bad when low: its low tail on each side.
            if let (Some(b5), Some(b1), Some(bm), Some(v5), Some(v1), Some(vm)) =
                (r.baseline_p5, r.baseline_p1, r.baseline_min, r.variant_p5, r.variant_p1, r.variant_min)
            {
                let _ = writeln!(
                    out,
                    " {:<sw$} {:<mw$} low tail: baseline p5 {b5:.p$}, p1 {b1:.p$}, min {bm:.p$}; \
                     variant p5 {v5:.p$}, p1 {v1:.p$}, min {vm:.p$}",
                    "", ""
                );
            }
        }
        let _ = writeln!(out, "\n* the interval excludes zero: the variant makes a difference");
        out
    }
}
