//! Streaming, exactly mergeable aggregates of Monte Carlo runs.
//!
//! Every number kept is an integer: sums and sums of squares of metric
//! values in integer ticks (milliseconds, or thousandths of a user-hour),
//! counts above thresholds, and the bin counts of a quantile sketch. Merging
//! two aggregates adds integers, so the result does not depend on how runs
//! were split between threads or shards, nor on the order of merging: a
//! study gives the same bytes on one thread or sixteen, in one piece or in
//! shards merged later. Memory does not grow with the number of runs.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use sketches_ddsketch::Config;

use crate::engine::Numbers;
use crate::objective::Metric;
use crate::time::SimDuration;

/// Relative accuracy of quantiles (DDSketch): a reported quantile is within
/// this fraction of a value of the requested rank; for availability, within
/// this fraction of that value's shortfall from 1 (its unavailability).
pub const QUANTILE_RELATIVE_ERROR: f64 = 0.01;

/// DDSketch's logarithmic index mapping at 1% accuracy: bin `k` holds the
/// values in `[gamma^k, gamma^(k+1))`, `gamma = 1.01 / 0.99`.
static MAPPING: LazyLock<Config> = LazyLock::new(|| Config::new(QUANTILE_RELATIVE_ERROR, 4096, 0.5));

/// The bin of the largest tick count (about 2,200): every `u64` has a bin,
/// so bins never collapse and merging is exact.
static MAX_KEY: LazyLock<i32> = LazyLock::new(|| MAPPING.key(u64::MAX as f64));

/// `BIN_FLOORS[k]`: the smallest whole number of ticks in bin `k`, for `k`
/// in `0..=MAX_KEY` (the key is non-decreasing in the value, so bin `k`
/// holds the whole numbers from `BIN_FLOORS[k]` up to the next bin's floor,
/// exclusive; a bin whose floor equals the next one's holds none).
static BIN_FLOORS: LazyLock<Vec<u64>> = LazyLock::new(|| {
    (0..=*MAX_KEY)
        .map(|k| {
            // The least v >= 1 with key(v) >= k; key(u64::MAX) = MAX_KEY >= k.
            let (mut lo, mut hi) = (1u64, u64::MAX);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if MAPPING.key(mid as f64) >= k { hi = mid } else { lo = mid + 1 }
            }
            lo
        })
        .collect()
});

/// The whole numbers of ticks that fall in bin `key`, as `(lowest,
/// highest)`; `None` for a key outside `0..=MAX_KEY` or a bin that holds no
/// whole number (below about 34, bins are narrower than one tick).
fn bin_values(key: i32) -> Option<(u64, u64)> {
    let k = usize::try_from(key).ok()?;
    let lo = *BIN_FLOORS.get(k)?;
    let hi = match BIN_FLOORS.get(k + 1) {
        Some(&next) => next.checked_sub(1)?,
        None => u64::MAX,
    };
    (lo <= hi).then_some((lo, hi))
}

/// Quantile sketch of non-negative integer values: the count of zeros and
/// DDSketch's non-empty bins as `(key, count)`, keys rising. Kept sparse in
/// memory exactly as it is written, so that the same runs give the same
/// bytes however they were split and merged, and a sketch read from a file
/// takes memory in proportion to its text (a dense copy would turn two bins
/// far apart into thousands).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Sketch {
    zeros: u64,
    /// Non-empty bins, keys rising (checked by [`MetricAgg::check`] when read).
    bins: Vec<(i32, u64)>,
}

impl Sketch {
    fn add(&mut self, value: u64) {
        match value {
            0 => self.zeros += 1,
            v => {
                let key = MAPPING.key(v as f64);
                match self.bins.binary_search_by_key(&key, |&(k, _)| k) {
                    Ok(i) => {
                        if let Some((_, count)) = self.bins.get_mut(i) {
                            *count += 1;
                        }
                    }
                    Err(i) => self.bins.insert(i, (key, 1)),
                }
            }
        }
    }

    /// Adds `other`'s counts: a merge of two key-sorted lists, so the result
    /// holds at most the bins of both.
    fn merge(&mut self, other: &Sketch) {
        self.zeros = self.zeros.saturating_add(other.zeros);
        if other.bins.is_empty() {
            return;
        }
        let mut out = Vec::with_capacity(self.bins.len() + other.bins.len());
        let (mut a, mut b) = (self.bins.iter().copied().peekable(), other.bins.iter().copied().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&(ka, ca)), Some(&(kb, cb))) if ka == kb => {
                    a.next();
                    b.next();
                    (ka, ca.saturating_add(cb))
                }
                (Some(&x), Some(&y)) => {
                    if x.0 < y.0 {
                        a.next();
                        x
                    } else {
                        b.next();
                        y
                    }
                }
                (Some(_), None) => {
                    out.extend(a);
                    break;
                }
                (None, _) => {
                    out.extend(b);
                    break;
                }
            };
            out.push(next);
        }
        self.bins = out;
    }

    /// Values counted.
    #[cfg(test)]
    fn count(&self) -> u64 {
        self.bins.iter().fold(self.zeros, |a, &(_, c)| a.saturating_add(c))
    }

    /// The value at `rank` (0-based, in sorted order), within 1%.
    fn at_rank(&self, rank: u64) -> f64 {
        if rank < self.zeros {
            return 0.0;
        }
        let mut seen = self.zeros;
        for &(key, count) in &self.bins {
            seen = seen.saturating_add(count);
            if seen > rank {
                return MAPPING.value(key);
            }
        }
        // Past the last value (only in a sketch that was not checked).
        self.bins.last().map_or(0.0, |&(key, _)| MAPPING.value(key))
    }
}

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

/// The values a metric can take, in ticks: times within the run, and
/// user-hours or a data-loss window with no upper limit. Interval ends are
/// clamped to it, and an interval unbounded on a side reaches its end.
pub(crate) fn natural_range(metric: Metric, horizon: SimDuration) -> (f64, f64) {
    match metric {
        Metric::UserHoursLost | Metric::DataLoss => (0.0, f64::INFINITY),
        _ => (0.0, horizon.as_millis() as f64),
    }
}

/// Where a metric's quantile sketch measures from: the sketch keeps relative
/// error, so it must see the distance from the end values crowd against.
/// Availability crowds against 1 (the whole run): 0.998 and 0.999 differ by
/// 0.1%, within a 1% sketch's error of each other, but their shortfalls from
/// the run length (0.2% and 0.1%) differ twofold. So availability is
/// sketched as time *not* available, and its quantiles are as accurate,
/// relative to the unavailability, as downtime's.
pub(crate) fn sketch_origin(metric: Metric, horizon: SimDuration) -> Option<u64> {
    (metric == Metric::Availability).then(|| horizon.as_millis())
}

/// Bounds on the sum of `f(value)` over the runs of `classes` (clipped to
/// `min..=max`, lowest first, `f` non-decreasing): every run at the low end
/// of its class but one at the maximum, or at the high end but one at the
/// minimum. `None` where a bound is past `u128`.
fn sum_bounds(classes: &[Class], (min, max): (u64, u64), f: &dyn Fn(u64) -> u128) -> (Option<u128>, Option<u128>) {
    let total = |end: fn(&Class) -> u64| {
        classes.iter().try_fold(0u128, |a, c| f(end(c)).checked_mul(u128::from(c.count))?.checked_add(a))
    };
    let (Some(first), Some(last)) = (classes.first(), classes.last()) else { return (Some(0), Some(0)) };
    let low = total(|c| c.lo).and_then(|s| s.checked_add(f(max).saturating_sub(f(last.lo))));
    let high = total(|c| c.hi).map(|s| s.saturating_sub(f(first.hi).saturating_sub(f(min))));
    (low, high)
}

/// Runs of a metric whose values lie in `lo..=hi` ticks: one sketch bin, or
/// the sketch's zeros.
#[derive(Clone, Copy, Debug)]
struct Class {
    lo: u64,
    hi: u64,
    count: u64,
}

/// The aggregate of one metric of one service over many runs.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct MetricAgg {
    /// `None`: the sketch holds the values. `Some(h)`: it holds `h - value`
    /// (see [`sketch_origin`]); sums, extremes and threshold counts always
    /// hold the values.
    pub(crate) sketch_origin: Option<u64>,
    pub(crate) n: u64,
    pub(crate) sum: u128,
    pub(crate) sum_sq: u128,
    pub(crate) min: u64,
    pub(crate) max: u64,
    /// Runs whose value exceeded each of the study's thresholds for this metric.
    pub(crate) above: Vec<u64>,
    pub(crate) sketch: Sketch,
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
    pub(crate) fn new(thresholds: usize, sketch_origin: Option<u64>) -> Self {
        MetricAgg {
            sketch_origin,
            n: 0,
            sum: 0,
            sum_sq: 0,
            min: u64::MAX,
            max: 0,
            above: vec![0; thresholds],
            sketch: Sketch::default(),
        }
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
        self.sketch.add(match self.sketch_origin {
            Some(origin) => origin.saturating_sub(value),
            None => value,
        });
    }

    pub(crate) fn merge(&mut self, other: &MetricAgg) {
        self.n = self.n.saturating_add(other.n);
        self.sum = self.sum.saturating_add(other.sum);
        self.sum_sq = self.sum_sq.saturating_add(other.sum_sq);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        for (a, b) in self.above.iter_mut().zip(&other.above) {
            *a = a.saturating_add(*b);
        }
        self.sketch.merge(&other.sketch);
    }

    /// Checks a metric read from a summary against what every study
    /// guarantees: `runs` values of at most `most` ticks, one count for each
    /// of `thresholds` (in ticks), the sketch measured from `sketch_origin`,
    /// and a sketch, extremes, sums and threshold counts that the same runs
    /// could all give. The error says what is wrong.
    fn check(&self, runs: u64, thresholds: &[u64], sketch_origin: Option<u64>, most: u64) -> Result<(), String> {
        if self.sketch_origin != sketch_origin {
            return Err(format!("measures its sketch from {:?}, not {sketch_origin:?}", self.sketch_origin));
        }
        if self.n != runs {
            return Err(format!("counts {} runs, not {runs}", self.n));
        }
        if self.above.len() != thresholds.len() {
            return Err(format!("has {} threshold counts, not {}", self.above.len(), thresholds.len()));
        }
        if let Some(k) = self.above.iter().find(|&&k| k > runs) {
            return Err(format!("counts {k} runs above a threshold, out of {runs}"));
        }
        let mut classes = self.sketch_classes()?;
        let counted =
            classes.iter().try_fold(0u64, |a, c| a.checked_add(c.count)).ok_or("has sketch counts that overflow")?;
        if counted != runs {
            return Err(format!("has a sketch of {counted} runs, not {runs}"));
        }
        let inconsistent =
            |why: String| Err(format!("has a sum, minimum and maximum that cannot come from the same runs: {why}"));
        let (min, max) = (self.min, self.max);
        if runs == 0 {
            // What a study writes for a shard without runs, and nothing else.
            if (self.sum, self.sum_sq, min, max) != (0, 0, u64::MAX, 0) {
                return inconsistent(format!(
                    "no runs, but a sum of {}, a sum of squares of {}, a minimum of {min} and a maximum of {max} \
                     (expected 0, 0, {} and 0)",
                    self.sum,
                    self.sum_sq,
                    u64::MAX
                ));
            }
            return Ok(());
        }
        if min > max {
            return inconsistent(format!("a minimum of {min} above the maximum of {max}"));
        }
        if max > most {
            return Err(format!("has a maximum of {max} ms, beyond the run length of {most} ms"));
        }
        // Each run's value lies in its sketch class and within [min, max].
        for c in &mut classes {
            let (lo, hi) = (c.lo.max(min), c.hi.min(max));
            if lo > hi {
                return Err(format!(
                    "has a sketch that puts {} runs at {}..={} ticks, outside its minimum of {min} and maximum of {max}",
                    c.count, c.lo, c.hi
                ));
            }
            (c.lo, c.hi) = (lo, hi);
        }
        let (Some(first), Some(last)) = (classes.first().copied(), classes.last().copied()) else {
            return Err(format!("has an empty sketch of {runs} runs"));
        };
        if first.lo != min {
            return Err(format!(
                "has a minimum of {min}, but no run in the lowest class of its sketch ({}..={} ticks) can be that low",
                first.lo, first.hi
            ));
        }
        if last.hi != max {
            return Err(format!(
                "has a maximum of {max}, but no run in the highest class of its sketch ({}..={} ticks) can be that high",
                last.lo, last.hi
            ));
        }
        // A bound past u128 is no bound (a study's sum of squares saturates).
        let square = |v: u64| u128::from(v) * u128::from(v);
        for (what, value, f) in
            [("sum", self.sum, &(|v| u128::from(v)) as &dyn Fn(u64) -> u128), ("sum of squares", self.sum_sq, &square)]
        {
            let (low, high) = sum_bounds(&classes, (min, max), f);
            let (low, high) = (low.unwrap_or(u128::MAX), high.unwrap_or(u128::MAX));
            if value < low || value > high {
                return inconsistent(format!(
                    "a {what} of {value}, where its sketch, minimum and maximum allow {low}..={high}"
                ));
            }
        }
        // Cauchy-Schwarz: n * sum of squares >= sum^2, where both fit.
        if let (Some(a), Some(b)) = (u128::from(runs).checked_mul(self.sum_sq), self.sum.checked_mul(self.sum))
            && a < b
        {
            return inconsistent(format!("a sum of {} too large for a sum of squares of {}", self.sum, self.sum_sq));
        }
        // Classes are disjoint and sorted, so both ends rise: the runs of
        // the classes from index i on are `runs - before[i]`.
        let before: Vec<u64> = std::iter::once(0)
            .chain(classes.iter().scan(0u64, |a, c| {
                *a = a.saturating_add(c.count);
                Some(*a)
            }))
            .collect();
        let from = |i: usize| runs.saturating_sub(before.get(i).copied().unwrap_or(runs));
        for (i, (&k, &t)) in self.above.iter().zip(thresholds).enumerate() {
            let sure = from(classes.partition_point(|c| c.lo <= t));
            let maybe = from(classes.partition_point(|c| c.hi <= t));
            // The maximum is above t, and the minimum is not, whatever their class.
            let low = sure.saturating_add(u64::from(max > t && last.lo <= t));
            let high = maybe.saturating_sub(u64::from(min <= t && first.hi > t));
            if k < low || k > high {
                return Err(format!(
                    "counts {k} runs above threshold #{} ({t} ticks), where its sketch, minimum and maximum allow \
                     {low}..={high}",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    /// The sketch as classes of values in ticks, lowest first: the runs
    /// counted as zeros (the sketch's origin: the run length, for a metric
    /// measured from it), and each bin's whole numbers of ticks (turned into
    /// values for a sketch of shortfalls). Checks the bins' keys and counts.
    fn sketch_classes(&self) -> Result<Vec<Class>, String> {
        let origin = self.sketch_origin.unwrap_or(0);
        let mut classes = Vec::with_capacity(self.sketch.bins.len().min(BIN_FLOORS.len()) + 1);
        if self.sketch.zeros > 0 {
            classes.push(Class { lo: origin, hi: origin, count: self.sketch.zeros });
        }
        let mut last = -1;
        for &(key, count) in &self.sketch.bins {
            if key <= last || key > *MAX_KEY || count == 0 {
                return Err(format!(
                    "has a sketch bin [{key}, {count}]: bins must have keys rising from 0 to {} and counts above 0",
                    *MAX_KEY
                ));
            }
            last = key;
            let (lo, hi) = bin_values(key)
                .ok_or_else(|| format!("has a sketch bin [{key}, {count}] that holds no whole number of ticks"))?;
            classes.push(match self.sketch_origin {
                None => Class { lo, hi, count },
                // Shortfalls lo..=hi are values origin-hi..=origin-lo; one past
                // the origin is left for the check against the maximum.
                Some(o) => match o.checked_sub(lo) {
                    Some(top) => Class { lo: o.saturating_sub(hi), hi: top, count },
                    None => {
                        return Err(format!(
                            "has a sketch bin [{key}, {count}] of runs short of the run length of {o} ms by {lo} ms or \
                             more"
                        ));
                    }
                },
            });
        }
        classes.sort_unstable_by_key(|c| c.lo);
        Ok(classes)
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
        if self.n == 0 {
            return 0.0;
        }
        if rank == 0 {
            return self.min as f64;
        }
        if rank + 1 >= self.n {
            return self.max as f64;
        }
        let (lo, hi) = self.rank_bounds(rank);
        let v = match self.sketch_origin {
            None => self.sketch.at_rank(rank),
            // The value at rank r is the shortfall at rank n-1-r.
            Some(origin) => origin as f64 - self.sketch.at_rank(self.n - 1 - rank),
        };
        // max/min rather than clamp: never a panic, even on a doctored summary.
        v.max(lo).min(hi)
    }

    /// Bounds on the value of the run at `rank`: exact at the ends, else
    /// the sketch's value widened by its relative error (relative to the
    /// shortfall from the origin, for a metric sketched from one).
    fn rank_bounds(&self, rank: u64) -> (f64, f64) {
        let (min, max) = (self.min as f64, self.max as f64);
        if self.n == 0 {
            return (0.0, 0.0);
        }
        if rank == 0 {
            return (min, min);
        }
        if rank + 1 >= self.n {
            return (max, max);
        }
        let e = QUANTILE_RELATIVE_ERROR;
        let (lo, hi) = match self.sketch_origin {
            None => {
                let v = self.sketch.at_rank(rank);
                (v / (1.0 + e), v / (1.0 - e))
            }
            Some(origin) => {
                let shortfall = self.sketch.at_rank(self.n - 1 - rank);
                (origin as f64 - shortfall / (1.0 - e), origin as f64 - shortfall / (1.0 + e))
            }
        };
        (lo.max(min).min(max), hi.min(max).max(min))
    }

    /// Confidence interval of the `q`-quantile in ticks: distribution-free
    /// (see [`stats::quantile_ranks`](super::stats::quantile_ranks)),
    /// allowing for the sketch's error; a side without enough runs reaches
    /// the end of `range`.
    pub(crate) fn quantile_interval(&self, q: f64, confidence: f64, range: (f64, f64)) -> (f64, f64) {
        let (lo, hi) = super::stats::quantile_ranks(self.n, q, confidence);
        (lo.map_or(range.0, |r| self.rank_bounds(r).0), hi.map_or(range.1, |r| self.rank_bounds(r).1))
    }

    /// Confidence interval of the mean in ticks (Student's t),
    /// within `range`; all of `range` with fewer than two runs.
    pub(crate) fn mean_interval(&self, confidence: f64, range: (f64, f64)) -> (f64, f64) {
        let (lo, hi) = super::stats::mean_interval(self.mean(), self.std_dev(), self.n, confidence);
        (lo.clamp(range.0, range.1), hi.clamp(range.0, range.1))
    }

    /// The `q`-quantile in ticks (nearest rank).
    pub(crate) fn quantile(&self, q: f64) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        self.at_rank(((self.n - 1) as f64 * q).round() as u64)
    }

    /// What the sketch stores besides the zeros: its non-empty bins, at
    /// most one per bin of the mapping (about 2,200 over all of `u64`),
    /// however many values were added.
    #[cfg(test)]
    pub(crate) fn sketch_bins(&self) -> usize {
        self.sketch.bins.len()
    }
}

/// Every metric of one service.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ServiceAgg {
    pub(crate) metrics: Vec<MetricAgg>,
}

impl ServiceAgg {
    /// Checks what every run guarantees between the metrics of a service
    /// (see [`ticks`]): downtime, degraded time and availability add up to
    /// the run length; the service is back for good no sooner than it first
    /// serves again, and no sooner than the time it spent down or degraded.
    /// Checked on the sums and extremes, which keep any order that holds run
    /// by run. Needs every metric (checked first) and at least one run.
    fn check_together(&self, runs: u64, horizon: SimDuration) -> Result<(), String> {
        let get = |m: Metric| {
            let i = Metric::ALL.iter().position(|&x| x == m);
            i.and_then(|i| self.metrics.get(i)).ok_or_else(|| format!("has no {} metric", m.as_str()))
        };
        let (down, degraded) = (get(Metric::Downtime)?, get(Metric::Degraded)?);
        let (partial, full, up) =
            (get(Metric::PartialRecovery)?, get(Metric::FullRecovery)?, get(Metric::Availability)?);
        let h = horizon.as_millis();
        let total = down.sum.checked_add(degraded.sum).and_then(|s| s.checked_add(up.sum));
        let expected = u128::from(runs) * u128::from(h);
        if total != Some(expected) {
            return Err(format!(
                "downtime, degraded time and availability add up to {} ms over its runs, not {runs} runs x {h} ms = \
                 {expected} ms",
                total.map_or_else(|| "more than 2^128".to_owned(), |t| t.to_string())
            ));
        }
        if u128::from(up.max) + u128::from(down.min) + u128::from(degraded.min) > u128::from(h)
            || u128::from(up.min) + u128::from(down.max.max(degraded.max)) > u128::from(h)
        {
            return Err(format!(
                "has an availability of {}..={} ms that does not fit its downtime of {}..={} ms and degraded time of \
                 {}..={} ms within the run length of {h} ms",
                up.min, up.max, down.min, down.max, degraded.min, degraded.max
            ));
        }
        let order = |early: &MetricAgg, late: &MetricAgg| {
            early.min <= late.min && early.max <= late.max && early.sum <= late.sum
        };
        if !order(partial, full) {
            return Err("serves again (partial_recovery) later than it is back for good (full_recovery)".into());
        }
        let out_sum = down.sum.saturating_add(degraded.sum);
        let out_min = u128::from(down.min) + u128::from(degraded.min);
        if out_sum > full.sum || out_min > u128::from(full.min) || down.max.max(degraded.max) > full.max {
            return Err("is back for good (full_recovery) sooner than the time it spent down or degraded".into());
        }
        Ok(())
    }
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
    pub(crate) fn new(services: usize, thresholds: &[Vec<u64>], horizon: SimDuration) -> Self {
        let service = || ServiceAgg {
            metrics: Metric::ALL
                .iter()
                .zip(thresholds)
                .map(|(&m, t)| MetricAgg::new(t.len(), sketch_origin(m, horizon)))
                .collect(),
        };
        DisasterAgg { runs: 0, services: (0..services).map(|_| service()).collect(), deadlocked_runs: 0 }
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

    /// Checks an aggregate read from a summary against everything a study
    /// guarantees: `runs` runs of `horizon`, one aggregate for each of
    /// `services`, each metric `m` with the counts of `thresholds[m]` (in
    /// ticks) and consistent in itself (see [`MetricAgg::check`]), and the
    /// metrics of a service consistent with each other. The error names the
    /// service and metric at fault.
    pub(crate) fn check(
        &self,
        runs: u64,
        services: &[String],
        thresholds: &[Vec<u64>],
        horizon: SimDuration,
    ) -> Result<(), String> {
        if self.runs != runs {
            return Err(format!("counts {} runs, but its run ranges hold {runs}", self.runs));
        }
        if self.deadlocked_runs > runs {
            return Err(format!("counts {} deadlocked runs out of {runs}", self.deadlocked_runs));
        }
        if self.services.len() != services.len() {
            return Err(format!("has {} services, not {}", self.services.len(), services.len()));
        }
        for (service, name) in self.services.iter().zip(services) {
            if service.metrics.len() != Metric::ALL.len() {
                return Err(format!(
                    "service '{name}': has {} metrics, not {}",
                    service.metrics.len(),
                    Metric::ALL.len()
                ));
            }
            for (m, (&metric, agg)) in Metric::ALL.iter().zip(&service.metrics).enumerate() {
                let t = thresholds.get(m).map_or(&[][..], Vec::as_slice);
                let most = if natural_range(metric, horizon).1.is_finite() { horizon.as_millis() } else { u64::MAX };
                agg.check(runs, t, sketch_origin(metric, horizon), most)
                    .map_err(|e| format!("service '{name}', metric {}: {e}", metric.as_str()))?;
            }
            if runs > 0 {
                service.check_together(runs, horizon).map_err(|e| format!("service '{name}': {e}"))?;
            }
        }
        Ok(())
    }

    pub(crate) fn merge(&mut self, other: &DisasterAgg) {
        self.runs = self.runs.saturating_add(other.runs);
        self.deadlocked_runs = self.deadlocked_runs.saturating_add(other.deadlocked_runs);
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
        let mut a = MetricAgg::new(1, None);
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
        let mut merged = MetricAgg::new(1, None);
        for p in &parts {
            merged.merge(p);
        }
        assert_eq!(
            (merged.n, merged.sum, merged.sum_sq, merged.min, merged.max),
            (whole.n, whole.sum, whole.sum_sq, whole.min, whole.max)
        );
        assert_eq!(merged.above, whole.above);
        // The same bins, whatever spare room each split's sketch grew.
        let bins = |a: &MetricAgg| serde_json::to_string(&a.sketch).unwrap();
        assert_eq!(bins(&merged), bins(&whole));
        assert_eq!(merged.sketch.count(), 1000);
        for q in [0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 1.0] {
            assert_eq!(merged.quantile(q), whole.quantile(q), "q = {q}");
        }
    }

    #[test]
    fn a_sketch_read_keeps_the_bins_of_the_file_and_no_more() {
        // Two bins at either end of the keys: a dense copy would hold 2218.
        let text = format!(r#"{{"zeros":3,"bins":[[0,1],[{},2]]}}"#, *MAX_KEY);
        let s: Sketch = serde_json::from_str(&text).unwrap();
        assert_eq!((s.bins.len(), s.count()), (2, 6));
        assert_eq!(serde_json::to_string(&s).unwrap(), text);
        // Merging keeps the union of the bins, in key order.
        let mut m = s.clone();
        m.merge(&serde_json::from_str(r#"{"zeros":0,"bins":[[40,5],[2000,1]]}"#).unwrap());
        assert_eq!(m.bins, [(0, 1), (40, 5), (2000, 1), (*MAX_KEY, 2)]);
        m.merge(&s);
        assert_eq!((m.bins.len(), m.count()), (4, 18));
    }

    #[test]
    fn bins_hold_the_whole_numbers_that_map_to_them() {
        assert_eq!(bin_values(0), Some((1, 1)));
        assert_eq!(bin_values(5), None, "between 1 and 2");
        assert_eq!(bin_values(*MAX_KEY).map(|(_, hi)| hi), Some(u64::MAX));
        assert_eq!((bin_values(-1), bin_values(*MAX_KEY + 1)), (None, None));
        // Every bin's ends map to it, and the next whole number to the next.
        for key in 0..=*MAX_KEY {
            if let Some((lo, hi)) = bin_values(key) {
                assert_eq!((MAPPING.key(lo as f64), MAPPING.key(hi as f64)), (key, key));
                if lo > 1 {
                    assert!(MAPPING.key((lo - 1) as f64) < key);
                }
            }
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

    #[test]
    fn a_sketch_measured_from_an_origin_keeps_the_shortfall_precise() {
        // Availability-like values: 1,000,000 minus 1..=1,000, so the
        // shortfalls are 1..=1000. Exact nearest-rank q-quantile of the
        // values: 1,000,000 - (1000 - round(999 q)). Reported: within 1% of
        // that shortfall, e.g. p50 (rank 500, shortfall 500) within +-5.
        let origin = 1_000_000;
        let mut a = MetricAgg::new(0, Some(origin));
        for v in (1..=1000u64).map(|s| origin - s) {
            a.add(v, &[]);
        }
        for q in [0.5, 0.9, 0.99] {
            let shortfall = 1000.0 - (999.0_f64 * q).round();
            let got = a.quantile(q);
            assert!(
                (origin as f64 - got - shortfall).abs() <= QUANTILE_RELATIVE_ERROR * shortfall,
                "q {q}: {got} vs {}",
                origin as f64 - shortfall
            );
            let (lo, hi) = a.rank_bounds((999.0 * q).round() as u64);
            assert!(lo <= got && got <= hi && hi - lo <= 2.1 * QUANTILE_RELATIVE_ERROR * shortfall);
        }
        // The ends are exact; sums hold the values, not the shortfalls.
        assert_eq!((a.quantile(0.0), a.quantile(1.0)), ((origin - 1000) as f64, (origin - 1) as f64));
        assert_eq!(a.sum, 1000 * u128::from(origin) - 500_500);
        // A summary whose sketch is measured from elsewhere is refused.
        assert!(a.check(1000, &[], Some(origin), origin).is_ok());
        assert!(a.check(1000, &[], None, origin).unwrap_err().contains("measures its sketch from"));
    }
}
