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
        let fmt = |x: f64| match metric {
            Metric::Availability => format!("{x:.5}"),
            Metric::UserHoursLost => format!("{x:.0}"),
            _ => format!("{:.2}", x * scale),
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
            let mut t = plain_table();
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
