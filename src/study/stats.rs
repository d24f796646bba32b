//! Confidence intervals for the statistics a study reports.

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal, StudentsT};

/// The two-sided normal critical value for `confidence` (1.96 for 0.95).
pub fn z(confidence: f64) -> f64 {
    let normal = Normal::new(0.0, 1.0).expect("the standard normal exists");
    normal.inverse_cdf(0.5 + confidence.clamp(0.0, 0.999_999_999) / 2.0)
}

/// The two-sided Student's t critical value for `confidence` with `df`
/// degrees of freedom (12.71 for 0.95 and 1; tends to [`z`]).
pub fn t(confidence: f64, df: u64) -> f64 {
    match StudentsT::new(0.0, 1.0, df as f64) {
        Ok(t) => t.inverse_cdf(0.5 + confidence.clamp(0.0, 0.999_999_999) / 2.0),
        Err(_) => z(confidence),
    }
}

/// Interval for a mean: `mean ± t(n-1) * sd / sqrt(n)` (Student's t, so that
/// a handful of runs gets the wide interval it deserves; for the hundreds of
/// runs a study makes it is the normal interval). Exact for normal data,
/// approximate otherwise.
pub fn mean_interval(mean: f64, sd: f64, n: u64, confidence: f64) -> (f64, f64) {
    if n < 2 {
        return (f64::NEG_INFINITY, f64::INFINITY);
    }
    let half = t(confidence, n - 1) * sd / (n as f64).sqrt();
    (mean - half, mean + half)
}

/// Wilson score interval for a proportion of `k` in `n`.
///
/// # Examples
/// ```
/// let (lo, hi) = outage::study::stats::wilson(5, 100, 0.95);
/// assert!(lo > 0.02 && lo < 0.03 && hi > 0.11 && hi < 0.12);
/// ```
pub fn wilson(k: u64, n: u64, confidence: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (n, p) = (n as f64, k as f64 / n as f64);
    let z = z(confidence);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // Exact ends where the formula cancels to them (k = 0 or k = n).
    let lo = if k == 0 { 0.0 } else { (centre - half).max(0.0) };
    let hi = if k as f64 == n { 1.0 } else { (centre + half).min(1.0) };
    (lo, hi)
}

/// Ranks (0-based, in sorted order) bounding the `q`-quantile of `n` runs
/// with the given confidence, distribution-free: the number of runs below
/// the true quantile is Binomial(n, q). `None` on a side where no run is
/// extreme enough for that confidence (too few runs for the quantile): the
/// interval is unbounded there.
pub fn quantile_ranks(n: u64, q: f64, confidence: f64) -> (Option<u64>, Option<u64>) {
    let Ok(b) = Binomial::new(q.clamp(0.0, 1.0), n) else { return (None, None) };
    let alpha = 1.0 - confidence;
    // The r-th smallest run (1-based) is at or below the quantile unless
    // fewer than r runs fell below it: P(B <= r - 1) < alpha / 2 for the
    // largest such r, which is inverse_cdf(alpha / 2).
    let lo = b.inverse_cdf(alpha / 2.0);
    // The s-th smallest is at or above it unless s or more fell below:
    // P(B >= s) <= alpha / 2 for s = inverse_cdf(1 - alpha / 2) + 1.
    let hi = b.inverse_cdf(1.0 - alpha / 2.0) + 1;
    ((lo >= 1).then(|| lo - 1), (hi <= n).then(|| hi - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_values() {
        assert!((z(0.95) - 1.959_964).abs() < 1e-5);
        assert!((z(0.99) - 2.575_829).abs() < 1e-5);
        // Student's t, from the tables: 12.706 (1 df), 4.303 (2 df), 1.972 (199 df).
        assert!((t(0.95, 1) - 12.706_2).abs() < 1e-3);
        assert!((t(0.95, 2) - 4.302_7).abs() < 1e-3);
        assert!((t(0.95, 199) - 1.971_96).abs() < 1e-4);
        // Three runs 1, 2, 3 h: mean 2, sd 1, half-width 4.303 / sqrt(3) = 2.484.
        let (lo, hi) = mean_interval(2.0, 1.0, 3, 0.95);
        assert!((lo + 0.484_4).abs() < 1e-3 && (hi - 4.484_4).abs() < 1e-3, "{lo} {hi}");
    }

    #[test]
    fn wilson_matches_a_textbook_value() {
        // 0 successes in 20 at 95%: (0, 0.161).
        let (lo, hi) = wilson(0, 20, 0.95);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.1611).abs() < 1e-3, "{hi}");
    }

    #[test]
    fn quantile_ranks_cover_the_quantile() {
        // The median of 100 runs at 95%: the 40th to the 61st run (1-based),
        // the textbook answer, covering 96.5%.
        assert_eq!(quantile_ranks(100, 0.5, 0.95), (Some(39), Some(60)));
        let (lo, hi) = quantile_ranks(1000, 0.95, 0.95);
        let (lo, hi) = (lo.unwrap(), hi.unwrap());
        assert!(lo < 950 && hi > 950 && hi < 1000);
        // P99 of 100 runs: the largest run is above the P99 with only
        // 1 - 0.99^100 = 63% confidence, so there is no upper bound.
        assert_eq!(quantile_ranks(100, 0.99, 0.95).1, None);
        assert_eq!(quantile_ranks(1, 0.5, 0.95), (None, None));
        assert_eq!(quantile_ranks(0, 0.5, 0.95), (None, None));
    }

    #[test]
    fn quantile_intervals_have_at_least_their_confidence() {
        // Exact coverage P(r <= B <= s - 1), B ~ Binomial(n, q), with an
        // unbounded side counting as always covered.
        for n in [1u64, 2, 5, 10, 30, 100, 459, 1000] {
            for q in [0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999] {
                for confidence in [0.9, 0.95, 0.99] {
                    let b = Binomial::new(q, n).unwrap();
                    let (lo, hi) = quantile_ranks(n, q, confidence);
                    let below_lo = lo.map_or(0.0, |r| b.cdf(r)); // P(B <= r), r = 0-based rank
                    let up_to_hi = hi.map_or(1.0, |s| b.cdf(s));
                    let coverage = up_to_hi - below_lo;
                    assert!(coverage >= confidence - 1e-9, "n {n} q {q} c {confidence}: {coverage}");
                }
            }
        }
    }
}
