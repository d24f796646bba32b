//! The numbers a user writes, on their way into the model. Every
//! floating-point number of a scenario (probabilities and fractions,
//! impacts, capacities, rates, sizes, factors) is checked here, once:
//! finite and in its range. So is every product or quotient of two of
//! them, where a number the model keeps is made: it is either exact (a
//! capacity x a demand is computed on the decimal the file writes) or
//! checked (a demand x a surge factor must be finite), or it saturates to
//! a documented meaning (a restore longer than any run never finishes:
//! [`SimDuration::MAX`], not zero). Validators call these functions and
//! nothing else, so that a new field cannot slip past the checks.
//!
//! Whole numbers (servers, users, engineers) are integers in the file and
//! are checked against their limits where they are read; durations are
//! exact milliseconds ([`SimDuration`]) and distributions are checked by
//! [`Dist::validate`](crate::dist::Dist::validate).

use super::Validator;
use crate::scenario::path::SpecPath;
use crate::time::SimDuration;

impl Validator<'_> {
    /// A probability or a fraction of a whole: finite, in [0, 1]. The
    /// value to keep (0 when it is refused).
    pub(super) fn probability(&mut self, p: f64, path: SpecPath, owner: &str, what: &str) -> f64 {
        if (0.0..=1.0).contains(&p) {
            return p;
        }
        self.problem(path, format!("{owner}: {what} must be a probability between 0 and 1, not {}", shown(p)));
        0.0
    }

    /// A rate or a speed: finite and greater than zero. `message` says
    /// why not, given the number as shown.
    pub(super) fn positive(&mut self, x: f64, path: SpecPath, message: impl FnOnce(String) -> String) -> Option<f64> {
        if x.is_finite() && x > 0.0 {
            return Some(x);
        }
        self.problem(path, message(shown(x)));
        None
    }

    /// A size: finite, zero or more.
    pub(super) fn non_negative(
        &mut self,
        x: f64,
        path: SpecPath,
        message: impl FnOnce(String) -> String,
    ) -> Option<f64> {
        if x.is_finite() && x >= 0.0 {
            return Some(x);
        }
        self.problem(path, message(shown(x)));
        None
    }

    /// A multiplying factor: finite, at least 1.
    pub(super) fn factor(&mut self, x: f64, path: SpecPath, message: impl FnOnce(String) -> String) -> Option<f64> {
        if x.is_finite() && x >= 1.0 {
            return Some(x);
        }
        self.problem(path, message(shown(x)));
        None
    }
}

/// A number as a message shows it: as written for everyday sizes, in
/// scientific notation beyond (1e300, not three hundred digits).
pub(super) fn shown(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-6..1e15).contains(&x.abs()) { x.to_string() } else { format!("{x:e}") }
}

/// `a` x `b`, when it is a finite number.
pub(super) fn product(a: f64, b: f64) -> Option<f64> {
    Some(a * b).filter(|x| x.is_finite())
}

/// The time it takes to get through `amount` at `per_hour` (a backup's
/// terabytes at its restore speed, a scale-out step's servers at its
/// rate), both checked (finite, amount >= 0, per_hour > 0). A time beyond
/// what a duration holds (about 584 million years) is
/// [`SimDuration::MAX`]: the work never finishes within a run, whatever
/// its horizon (it was zero, an instant restore, when the quotient
/// overflowed). Otherwise rounded to the millisecond, as every duration.
pub(super) fn time_for(amount: f64, per_hour: f64) -> SimDuration {
    debug_assert!(amount.is_finite() && amount >= 0.0 && per_hour.is_finite() && per_hour > 0.0);
    let hours = amount / per_hour;
    // `from_hours_f64` saturates: a huge quotient is MAX; so is an infinite one.
    if hours.is_finite() { SimDuration::from_hours_f64(hours) } else { SimDuration::MAX }
}

/// The whole servers that `fraction` of `demand` needs: the smallest
/// count at least fraction x demand, computed exactly on the decimal that
/// the file writes (the shortest decimal that reads back as `fraction`):
/// 0.07 of 100 is 7, although 0.07 x 100 is 7.000000000000001 in floating
/// point. `None` when the count passes `limit`. `fraction` is finite and
/// greater than zero, `demand` at least 1.
pub(super) fn servers_for(fraction: f64, demand: u64, limit: u64) -> Option<u64> {
    debug_assert!(fraction.is_finite() && fraction > 0.0 && demand > 0);
    let (mantissa, exponent) = decimal(fraction)?;
    // mantissa < 10^17 and demand < 2^64: the product fits 128 bits.
    let whole = mantissa * u128::from(demand);
    let count = if exponent >= 0 {
        let scale = 10u128.checked_pow(exponent.unsigned_abs())?;
        whole.checked_mul(scale)?
    } else {
        match 10u128.checked_pow(exponent.unsigned_abs()) {
            Some(scale) => whole.div_ceil(scale),
            None => 1, // 10^39 and more: above any `whole`, and fraction > 0
        }
    };
    u64::try_from(count).ok().filter(|&n| n <= limit)
}

/// `x` (finite, greater than zero) as mantissa x 10^exponent, from the
/// shortest decimal that reads back as `x` (Rust prints that one).
fn decimal(x: f64) -> Option<(u128, i32)> {
    let text = format!("{x:e}");
    let (digits, exponent) = text.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mantissa: u128 = format!("{int}{frac}").parse().ok()?;
    Some((mantissa, exponent - frac.len() as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_counted_on_the_written_decimal() {
        // 0.07 x 100 = 7 exactly; floating point says 7.000000000000001,
        // whose ceiling was 8.
        assert_eq!(servers_for(0.07, 100, u64::MAX), Some(7));
        // 0.29 x 100 = 29 (28.999999999999996 in floating point).
        assert_eq!(servers_for(0.29, 100, u64::MAX), Some(29));
        // 0.2 x 7 = 1.4: two whole servers.
        assert_eq!(servers_for(0.2, 7, u64::MAX), Some(2));
        // 1.5 x 3 = 4.5 -> 5; 2 x 4 = 8.
        assert_eq!(servers_for(1.5, 3, u64::MAX), Some(5));
        assert_eq!(servers_for(2.0, 4, u64::MAX), Some(8));
        // The smallest fraction still needs one server.
        assert_eq!(servers_for(5e-324, 1_000_000_000, u64::MAX), Some(1));
        assert_eq!(servers_for(1e-30, 3, u64::MAX), Some(1));
        // Past the limit, or past 128 bits: refused, not saturated.
        assert_eq!(servers_for(1e308, 2, u64::MAX), None);
        // 1e11 x 1e9 = 1e20, past u64::MAX (about 1.8e19).
        assert_eq!(servers_for(1e11, 1_000_000_000, u64::MAX), None);
        assert_eq!(servers_for(3.0, 10, 29), None);
        assert_eq!(servers_for(3.0, 10, 30), Some(30));
    }

    #[test]
    fn decimals_are_the_shortest_that_read_back() {
        assert_eq!(decimal(0.07), Some((7, -2)));
        assert_eq!(decimal(1.5), Some((15, -1)));
        assert_eq!(decimal(1e308), Some((1, 308)));
        assert_eq!(decimal(123.0), Some((123, 0)));
    }

    #[test]
    fn a_time_too_long_to_hold_never_ends() {
        // 1e308 TB at 0.1 TB/h: infinite in floating point; never, not zero.
        assert_eq!(time_for(1e308, 0.1), SimDuration::MAX);
        // 1 TB at 1e-300 TB/h: 1e300 hours, finite but beyond any duration.
        assert_eq!(time_for(1.0, 1e-300), SimDuration::MAX);
        // 6 TB at 2 TB/h: 3 hours.
        assert_eq!(time_for(6.0, 2.0), SimDuration::from_hours(3));
        // Nothing to restore takes no time.
        assert_eq!(time_for(0.0, 1.0), SimDuration::ZERO);
    }

    #[test]
    fn numbers_are_shown_short() {
        assert_eq!(shown(1e300), "1e300");
        assert_eq!(shown(-2.5e-9), "-2.5e-9");
        assert_eq!(shown(0.07), "0.07");
        assert_eq!(shown(-1.0), "-1");
        assert_eq!(shown(f64::NAN), "NaN");
        assert_eq!(shown(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn products_are_finite_or_refused() {
        assert_eq!(product(1e9, 2.5), Some(2.5e9));
        assert_eq!(product(1e9, 1e300), None);
    }
}
