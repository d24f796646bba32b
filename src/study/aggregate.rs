//! Streaming, exactly mergeable aggregates of Monte Carlo runs.
//!
//! Every number kept is an integer: sums and sums of squares of metric
//! values in integer ticks (milliseconds, or thousandths of a user-hour),
//! counts above thresholds, and the bin counts of a quantile sketch. Merging
//! two aggregates adds integers, so the result does not depend on how runs
//! were split between threads or shards, nor on the order of merging: a
//! study gives the same bytes on one thread or sixteen, in one piece or in
//! shards merged later. Memory does not grow with the number of runs.

use serde::{Deserialize, Serialize};
use sketches_ddsketch::{Config, DDSketch};

use crate::report::Numbers;
use crate::scenario::spec::Metric;
use crate::time::SimDuration;

/// Relative accuracy of quantiles (DDSketch): a reported quantile is within
/// this fraction of a value of the requested rank.
pub const QUANTILE_RELATIVE_ERROR: f64 = 0.01;

/// Enough bins for any `u64` value at 1% accuracy (about 2,200 are needed),
/// so the sketch never collapses bins and merges exactly.
const SKETCH_BINS: u32 = 4096;

/// Thousandths of a user-hour per user-hour.
const USER_HOUR_TICKS: f64 = 1000.0;

/// A metric of one run, in integer ticks: milliseconds for times and
/// availability (time up), thousandths of a user-hour for user-hours lost.
pub(crate) fn ticks(metric: Metric, s: &Numbers, horizon: SimDuration) -> u64 {
    let ms = |d: SimDuration| d.as_millis();
    match metric {
        Metric::Downtime => ms(s.downtime),
        Metric::Degraded => ms(s.degraded),
        // Never down: nothing to recover from; down and never back: the whole run.
        Metric::PartialRecovery if s.downtime.is_zero() => 0,
        Metric::PartialRecovery => s.partial_recovery.map_or(ms(horizon), |t| t.as_millis()),
        Metric::FullRecovery => match s.first_impact {
            None => 0,
            Some(_) => s.full_recovery.map_or(ms(horizon), |t| t.as_millis()),
        },
        Metric::UserHoursLost => (s.user_hours_lost * USER_HOUR_TICKS).round().max(0.0) as u64,
        Metric::DataLoss => s.data_loss.map_or(0, ms),
        Metric::Availability => ms(horizon.saturating_sub(s.downtime).saturating_sub(s.degraded)),
    }
}

/// Ticks per display unit: hours for times, user-hours, and the run length
/// for availability (a fraction).
pub(crate) fn ticks_per_unit(metric: Metric, horizon: SimDuration) -> f64 {
    match metric {
        Metric::UserHoursLost => USER_HOUR_TICKS,
        Metric::Availability => horizon.as_millis().max(1) as f64,
        _ => 3_600_000.0,
    }
}

/// The aggregate of one metric of one service over many runs.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct MetricAgg {
    pub(crate) n: u64,
    pub(crate) sum: u128,
    pub(crate) sum_sq: u128,
    pub(crate) min: u64,
    pub(crate) max: u64,
    /// Runs whose value exceeded each of the study's thresholds for this metric.
    pub(crate) above: Vec<u64>,
    sketch: Option<DDSketch>,
}

impl std::fmt::Debug for MetricAgg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricAgg")
            .field("n", &self.n)
            .field("sum", &self.sum)
            .field("min", &self.min)
            .field("max", &self.max)
            .field("above", &self.above)
            .finish_non_exhaustive()
    }
}

impl MetricAgg {
    pub(crate) fn new(thresholds: usize) -> Self {
        MetricAgg { n: 0, sum: 0, sum_sq: 0, min: u64::MAX, max: 0, above: vec![0; thresholds], sketch: None }
    }

    pub(crate) fn add(&mut self, value: u64, thresholds: &[u64]) {
        self.n += 1;
        self.sum = self.sum.saturating_add(u128::from(value));
        self.sum_sq = self.sum_sq.saturating_add(u128::from(value) * u128::from(value));
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        for (count, &t) in self.above.iter_mut().zip(thresholds) {
            *count += u64::from(value > t);
        }
        self.sketch
            .get_or_insert_with(|| DDSketch::new(Config::new(QUANTILE_RELATIVE_ERROR, SKETCH_BINS, 0.5)))
            .add(value as f64);
    }

    pub(crate) fn merge(&mut self, other: &MetricAgg) {
        self.n += other.n;
        self.sum = self.sum.saturating_add(other.sum);
        self.sum_sq = self.sum_sq.saturating_add(other.sum_sq);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        for (a, b) in self.above.iter_mut().zip(&other.above) {
            *a += b;
        }
        match (&mut self.sketch, &other.sketch) {
            (Some(a), Some(b)) => a.merge(b).expect("sketches of one study share a configuration"),
            (None, Some(b)) => self.sketch = Some(b.clone()),
            _ => {}
        }
    }

    /// Mean in ticks.
    pub(crate) fn mean(&self) -> f64 {
        if self.n == 0 { 0.0 } else { self.sum as f64 / self.n as f64 }
    }

    /// Sample standard deviation in ticks, from the exact sums.
    pub(crate) fn std_dev(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        let n = self.n as f64;
        // sum_sq - sum^2/n, computed exactly where it fits.
        let centred = match self.sum.checked_mul(self.sum) {
            Some(sq) => {
                let n128 = u128::from(self.n);
                let exact = self.sum_sq.saturating_mul(n128).saturating_sub(sq);
                exact as f64 / n
            }
            None => self.sum_sq as f64 - (self.sum as f64) * (self.sum as f64) / n,
        };
        (centred.max(0.0) / (n - 1.0)).sqrt()
    }

    /// The value (in ticks) of the run at rank `rank` (0-based, in sorted
    /// order), within the sketch's relative accuracy; exact for the first
    /// and last ranks.
    pub(crate) fn at_rank(&self, rank: u64) -> f64 {
        let Some(sketch) = &self.sketch else { return 0.0 };
        if rank == 0 {
            return self.min as f64;
        }
        if rank + 1 >= self.n {
            return self.max as f64;
        }
        // DDSketch takes rank = floor(q * (n - 1)); aim at the middle of the rank.
        let q = ((rank as f64 + 0.5) / (self.n - 1) as f64).min(1.0);
        sketch.quantile(q).ok().flatten().unwrap_or(0.0).clamp(self.min as f64, self.max as f64)
    }

    /// The `q`-quantile in ticks (nearest rank).
    pub(crate) fn quantile(&self, q: f64) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        self.at_rank(((self.n - 1) as f64 * q).round() as u64)
    }
}

/// Every metric of one service.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ServiceAgg {
    pub(crate) metrics: Vec<MetricAgg>,
}

/// All services of one disaster.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DisasterAgg {
    pub(crate) runs: u64,
    pub(crate) services: Vec<ServiceAgg>,
    /// Runs that ended with a recovery deadlock.
    pub(crate) deadlocked_runs: u64,
}

impl DisasterAgg {
    pub(crate) fn new(services: usize, thresholds: &[Vec<u64>]) -> Self {
        DisasterAgg {
            runs: 0,
            services: (0..services)
                .map(|_| ServiceAgg { metrics: thresholds.iter().map(|t| MetricAgg::new(t.len())).collect() })
                .collect(),
            deadlocked_runs: 0,
        }
    }

    /// Adds one run; `thresholds[m]` are the ticks above which metric `m` is counted.
    pub(crate) fn add(
        &mut self,
        services: &[Numbers],
        deadlocked: bool,
        horizon: SimDuration,
        thresholds: &[Vec<u64>],
    ) {
        self.runs += 1;
        self.deadlocked_runs += u64::from(deadlocked);
        for (agg, outcome) in self.services.iter_mut().zip(services) {
            for (m, metric) in Metric::ALL.iter().enumerate() {
                agg.metrics[m].add(ticks(*metric, outcome, horizon), &thresholds[m]);
            }
        }
    }

    pub(crate) fn merge(&mut self, other: &DisasterAgg) {
        self.runs += other.runs;
        self.deadlocked_runs += other.deadlocked_runs;
        for (a, b) in self.services.iter_mut().zip(&other.services) {
            for (x, y) in a.metrics.iter_mut().zip(&b.metrics) {
                x.merge(y);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agg(values: &[u64]) -> MetricAgg {
        let mut a = MetricAgg::new(1);
        for &v in values {
            a.add(v, &[50]);
        }
        a
    }

    #[test]
    fn moments_are_exact() {
        let a = agg(&[10, 20, 30, 40, 100]);
        assert_eq!((a.n, a.sum, a.min, a.max, a.above[0]), (5, 200, 10, 100, 1));
        assert_eq!(a.mean(), 40.0);
        // Sample variance of {10,20,30,40,100}: sum of squared deviations 5000 / 4.
        assert!((a.std_dev() - 1250f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn merging_in_any_split_and_order_gives_the_same_answers() {
        let values: Vec<u64> = (0..1000u64).map(|i| (i * 7919) % 10_007).collect();
        let whole = agg(&values);
        let mut parts: Vec<MetricAgg> = values.chunks(137).map(agg).collect();
        parts.reverse();
        let mut merged = MetricAgg::new(1);
        for p in &parts {
            merged.merge(p);
        }
        assert_eq!(
            (merged.n, merged.sum, merged.sum_sq, merged.min, merged.max),
            (whole.n, whole.sum, whole.sum_sq, whole.min, whole.max)
        );
        assert_eq!(merged.above, whole.above);
        for q in [0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 1.0] {
            assert_eq!(merged.quantile(q), whole.quantile(q), "q = {q}");
        }
    }

    #[test]
    fn quantiles_are_within_the_documented_error() {
        let values: Vec<u64> = (1..=10_000u64).collect();
        let a = agg(&values);
        for q in [0.5, 0.9, 0.95, 0.99] {
            let exact = (9_999.0_f64 * q).round() + 1.0;
            let got = a.quantile(q);
            assert!((got - exact).abs() / exact <= QUANTILE_RELATIVE_ERROR, "q {q}: {got} vs {exact}");
        }
        assert_eq!(a.quantile(1.0), 10_000.0);
        assert_eq!(a.quantile(0.0), 1.0);
    }
}
