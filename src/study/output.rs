//! What a study reports, per disaster, service and metric, as a table for
//! people or JSON and CSV for programs.

use std::fmt::Write as _;

use comfy_table::CellAlignment;
use serde::Serialize;

use super::aggregate::{MetricAgg, natural_range, ticks_per_unit};
use super::{amount_ticks, stats};
use crate::objective::{Amount, Metric};
use crate::report::plain_table;
use crate::time::SimDuration;

/// Statistics of one metric of one service over the runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
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
    /// 1st percentile: for availability, where bad is low, the far tail
    /// (the 99th percentile of the unavailability, from the same sketch).
    pub p1: f64,
    /// 5th percentile (for availability, the bad tail).
    pub p5: f64,
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
#[non_exhaustive]
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
    pub(super) fn from_agg(
        metric: Metric,
        a: &MetricAgg,
        thresholds: &[Amount],
        horizon: SimDuration,
        confidence: f64,
    ) -> Self {
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
            p1: v(a.quantile(0.01)),
            p5: v(a.quantile(0.05)),
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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

pub(crate) fn serialize_metric<S: serde::Serializer>(m: &Metric, s: S) -> Result<S::Ok, S::Error> {
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
    p1: f64,
    p5: f64,
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

/// The most decimal places [`availability_places`] gives: a millisecond
/// in ten years (the longest horizon) is 3e-12 of the run.
const MAX_AVAILABILITY_PLACES: usize = 12;

/// Decimal places that show each of `values` (availabilities: fractions
/// that crowd just under 1) with its shortfall from 1 to two significant
/// digits, so that 0.99906 reads `0.99906` and not `1.00`, and 0.9999990
/// does not round up to 1: at least 2, at most 12. One number of places
/// for a whole column keeps it aligned.
///
/// ```
/// use outage::study::availability_places;
/// assert_eq!(availability_places([0.99906]), 5); // shortfall 0.00094: 0.99906
/// assert_eq!(availability_places([0.5, 0.999999]), 7); // shortfall 1e-6: 0.9999990
/// assert_eq!(availability_places([1.0, 0.0]), 2);
/// ```
pub fn availability_places(values: impl IntoIterator<Item = f64>) -> usize {
    values
        .into_iter()
        .map(|x| 1.0 - x)
        .filter(|u| u.is_finite() && *u > 0.0)
        // A shortfall of 0.00094 has its first digit in place 4 (ceil of
        // -log10 = 3.03): two digits take 5 places.
        .map(|u| (-u.log10()).ceil().max(0.0) as usize + 1)
        .fold(2, usize::max)
        .min(MAX_AVAILABILITY_PLACES)
}

/// A column of the study table: its heading and its statistic.
type Column = (&'static str, fn(&MetricStats) -> f64);

/// The statistics a table shows for a metric, from the median towards its
/// bad runs: times and user-hours are bad when high (p90, p95, p99, max),
/// availability when low (p5, p1, min).
fn tail_columns(metric: Metric) -> &'static [Column] {
    match metric {
        Metric::Availability => &[("p50", |m| m.p50), ("p5", |m| m.p5), ("p1", |m| m.p1), ("min", |m| m.min)],
        _ => &[("p50", |m| m.p50), ("p90", |m| m.p90), ("p95", |m| m.p95), ("p99", |m| m.p99), ("max", |m| m.max)],
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
        let mut rows = Vec::new();
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
                        p1: m.p1,
                        p5: m.p5,
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
                        rows.push(row(None));
                    }
                    rows.extend(m.above.iter().map(|t| row(Some(t))));
                }
            }
        }
        crate::report::write_csv(rows)
    }

    /// A table per disaster of one metric for every service.
    pub fn to_table(&self, metric: Metric) -> String {
        let mut out = String::new();
        let runs = self.disasters.first().map_or(0, |d| d.runs);
        // Durations in the unit that keeps two decimals meaningful: a data
        // loss window of 36 s reads "36.00" seconds, not "0.01" hours.
        let largest = self
            .disasters
            .iter()
            .flat_map(|d| &d.services)
            .map(|s| s.metric(metric).max)
            .filter(|x| x.is_finite())
            .fold(0.0, f64::max);
        let (shown_unit, scale) = match metric {
            m if !m.is_duration() => (unit(metric), 1.0),
            _ if largest >= 1.0 => ("hours", 1.0),
            _ if largest * 60.0 >= 1.0 => ("minutes", 60.0),
            _ => ("seconds", 3600.0),
        };
        let _ = writeln!(
            out,
            "scenario {} - {} runs per disaster, seed {} - horizon {} - {} ({}), {:.0}% intervals",
            self.scenario,
            runs,
            self.seed,
            self.horizon,
            metric.as_str(),
            shown_unit,
            self.confidence * 100.0
        );
        // Availability: as many places as its nines need, the same for
        // every value in the table.
        let places = availability_places(self.disasters.iter().flat_map(|d| &d.services).flat_map(|s| {
            let m = s.metric(metric);
            [m.mean, m.mean_low, m.mean_high, m.p50, m.p5, m.p1, m.min, m.max]
        }));
        let fmt = |x: f64| match metric {
            Metric::Availability => format!("{x:.places$}"),
            Metric::UserHoursLost => format!("{x:.0}"),
            _ => format!("{:.2}", x * scale),
        };
        let tail = tail_columns(metric);
        let threshold_text = |x: f64| match metric.is_duration() {
            true => SimDuration::from_hours_f64(x).to_string(),
            false => fmt(x),
        };
        for d in &self.disasters {
            let _ = writeln!(out, "\ndisaster {}", d.name);
            if d.deadlocked_runs > 0 {
                let _ = writeln!(out, "  {} of {} runs ended in a recovery deadlock", d.deadlocked_runs, d.runs);
            }
            let mut t = plain_table();
            let thresholds: Vec<String> = d
                .services
                .first()
                .map(|s| {
                    s.metric(metric).above.iter().map(|e| format!("P(> {})", threshold_text(e.threshold))).collect()
                })
                .unwrap_or_default();
            let mut header = vec!["service".to_owned(), "mean".into(), "interval".into()];
            header.extend(tail.iter().map(|(name, _)| (*name).to_owned()));
            header.extend(thresholds);
            t.set_header(header);
            for s in &d.services {
                let m = s.metric(metric);
                let mut row = vec![s.name.clone(), fmt(m.mean), format!("{}-{}", fmt(m.mean_low), fmt(m.mean_high))];
                row.extend(tail.iter().map(|(_, get)| fmt(get(m))));
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
