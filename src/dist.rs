//! Duration distributions: how long a boot, a repair or a fire takes.
//!
//! In a scenario file a distribution is written as one of
//!
//! ```ron
//! Fixed("30m")
//! Exponential(mean: "4h")
//! Uniform(min: "5m", max: "20m")
//! Triangular(min: "1h", mode: "2h", max: "6h")
//! LogNormal(median: "3h", sigma: 0.8)
//! Weibull(scale: "1000h", shape: 1.5)
//! Shared("permit")
//! ```
//!
//! `Shared("permit")` is the value of a scenario's named draw (its
//! `draws`), drawn once per run: every hazard timing that names it gets the
//! same duration (two zones re-powered together under one permit). It has
//! no value of its own; the engine substitutes the run's draw, and
//! validation allows it only where the engine does (hazard timings).
//!
//! Samples are rounded to whole milliseconds and never negative.

use rand::Rng;
use rand_distr::{Distribution, Exp1};
use serde::{Deserialize, Serialize};

use crate::time::SimDuration;

/// A probability distribution over durations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Dist {
    /// Always the same duration.
    Fixed(SimDuration),
    /// Memoryless, with the given mean (constant failure or repair rate).
    Exponential {
        /// Mean duration; must be longer than zero.
        mean: SimDuration,
    },
    /// Every duration between `min` and `max` equally likely.
    Uniform {
        /// Shortest duration.
        min: SimDuration,
        /// Longest duration; at least `min`.
        max: SimDuration,
    },
    /// Three-point estimate: `min <= mode <= max`, with `min < max`.
    Triangular {
        /// Shortest duration.
        min: SimDuration,
        /// Most likely duration.
        mode: SimDuration,
        /// Longest duration.
        max: SimDuration,
    },
    /// Right-skewed: half the samples fall below `median`; `sigma` is the
    /// standard deviation of the natural logarithm (0.5 is a moderate spread).
    LogNormal {
        /// Median duration; must be longer than zero.
        median: SimDuration,
        /// Spread of ln(duration); zero or more.
        sigma: f64,
    },
    /// Wear-out (`shape > 1`) or infant mortality (`shape < 1`);
    /// `shape = 1` is the exponential with mean `scale`.
    Weibull {
        /// Scale (characteristic life); must be longer than zero.
        scale: SimDuration,
        /// Shape; must be greater than zero.
        shape: f64,
    },
    /// The run's value of the scenario's shared draw of this name.
    Shared(String),
}

impl Default for Dist {
    /// `Fixed("0s")`: no delay.
    fn default() -> Self {
        Dist::Fixed(SimDuration::ZERO)
    }
}

/// A reason why a [`Dist`]'s parameters make no sense.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DistError {
    /// A parameter that must be longer than zero is zero.
    #[error("{0} must be longer than zero")]
    ZeroDuration(&'static str),
    /// A minimum above a maximum, or a mode outside [min, max].
    #[error("{0}")]
    BadOrder(&'static str),
    /// A shape or spread parameter that is negative, zero or not finite.
    #[error("{0}")]
    BadShape(&'static str),
}

impl Dist {
    /// A fixed duration.
    pub const fn fixed(d: SimDuration) -> Dist {
        Dist::Fixed(d)
    }

    /// Checks the parameters. A checked distribution's [`sample`](Dist::sample)
    /// never fails.
    pub fn validate(&self) -> Result<(), DistError> {
        match *self {
            // Its name is the scenario's to check.
            Dist::Fixed(_) | Dist::Shared(_) => Ok(()),
            Dist::Exponential { mean } if mean.is_zero() => Err(DistError::ZeroDuration("mean")),
            Dist::Exponential { .. } => Ok(()),
            Dist::Uniform { min, max } if min > max => Err(DistError::BadOrder("min must not be greater than max")),
            Dist::Uniform { .. } => Ok(()),
            Dist::Triangular { min, mode, max } => {
                if min >= max {
                    Err(DistError::BadOrder("min must be less than max"))
                } else if mode < min || mode > max {
                    Err(DistError::BadOrder("mode must lie between min and max"))
                } else {
                    Ok(())
                }
            }
            Dist::LogNormal { median, sigma } => {
                if median.is_zero() {
                    Err(DistError::ZeroDuration("median"))
                } else if !(sigma.is_finite() && sigma >= 0.0) {
                    Err(DistError::BadShape("sigma must be a finite number, zero or more"))
                } else {
                    Ok(())
                }
            }
            Dist::Weibull { scale, shape } => {
                if scale.is_zero() {
                    Err(DistError::ZeroDuration("scale"))
                } else if !(shape.is_finite() && shape > 0.0) {
                    Err(DistError::BadShape("shape must be a finite number greater than zero"))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// The mean of the distribution (before rounding to milliseconds).
    pub fn mean(&self) -> SimDuration {
        let ms = |d: SimDuration| d.as_millis() as f64;
        let mean_ms = match *self {
            Dist::Fixed(d) => return d,
            Dist::Exponential { mean } => return mean,
            Dist::Uniform { min, max } => (ms(min) + ms(max)) / 2.0,
            Dist::Triangular { min, mode, max } => (ms(min) + ms(mode) + ms(max)) / 3.0,
            Dist::LogNormal { median, sigma } => ms(median) * (sigma * sigma / 2.0).exp(),
            Dist::Weibull { scale, shape } => ms(scale) * statrs::function::gamma::gamma(1.0 + 1.0 / shape),
            // Resolved by the scenario; alone it has no value.
            Dist::Shared(_) => 0.0,
        };
        SimDuration::from_millis_f64(mean_ms)
    }

    /// Whether every sample is the same value (no randomness is drawn).
    pub fn is_deterministic(&self) -> bool {
        match *self {
            Dist::Fixed(_) | Dist::Shared(_) => true,
            Dist::Uniform { min, max } => min == max,
            Dist::LogNormal { sigma, .. } => sigma == 0.0,
            _ => false,
        }
    }

    /// Draws one duration. Deterministic distributions draw nothing from
    /// `rng`, so adding a fixed delay to a scenario does not shift the
    /// random numbers that other draws see.
    ///
    /// Call [`validate`](Dist::validate) first: with invalid parameters the
    /// result falls back to the smallest meaningful value instead of failing.
    /// A [`Shared`](Dist::Shared) draw has no value of its own and gives
    /// zero here: the engine substitutes the run's draw.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        let ms = |d: SimDuration| d.as_millis() as f64;
        if self.is_deterministic() {
            return self.mean();
        }
        let drawn_ms = match *self {
            Dist::Fixed(d) => return d,
            Dist::Exponential { mean } => Distribution::<f64>::sample(&Exp1, rng) * ms(mean),
            Dist::Uniform { min, max } => {
                rand_distr::Uniform::new_inclusive(ms(min), ms(max)).map_or(ms(min), |u| u.sample(rng))
            }
            Dist::Triangular { min, mode, max } => {
                rand_distr::Triangular::new(ms(min), ms(max), ms(mode)).map_or(ms(min), |t| t.sample(rng))
            }
            Dist::LogNormal { median, sigma } => {
                rand_distr::LogNormal::new(ms(median).ln(), sigma).map_or(ms(median), |l| l.sample(rng))
            }
            Dist::Weibull { scale, shape } => {
                rand_distr::Weibull::new(ms(scale), shape).map_or(ms(scale), |w| w.sample(rng))
            }
            Dist::Shared(_) => 0.0,
        };
        SimDuration::from_millis_f64(drawn_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn h(x: u64) -> SimDuration {
        SimDuration::from_hours(x)
    }

    /// Sample mean over this many draws; with the spreads below the
    /// standard error is under 1% of the mean.
    const DRAWS: usize = 200_000;
    /// Accepted relative error of a sample mean: about 5 standard errors.
    const MEAN_TOLERANCE: f64 = 0.02;

    fn sample_mean(d: &Dist) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        (0..DRAWS).map(|_| d.sample(&mut rng).as_hours_f64()).sum::<f64>() / DRAWS as f64
    }

    #[test]
    fn sample_means_match_the_closed_forms() {
        let cases = [
            Dist::Exponential { mean: h(4) },
            Dist::Uniform { min: h(1), max: h(3) },
            Dist::Triangular { min: h(1), mode: h(2), max: h(6) },
            Dist::LogNormal { median: h(3), sigma: 0.5 },
            Dist::Weibull { scale: h(10), shape: 1.5 },
            Dist::Weibull { scale: h(10), shape: 0.7 },
        ];
        for d in cases {
            d.validate().unwrap();
            let expected = d.mean().as_hours_f64();
            let got = sample_mean(&d);
            assert!(((got - expected) / expected).abs() < MEAN_TOLERANCE, "{d:?}: mean {got} vs {expected}");
        }
    }

    #[test]
    fn closed_form_means() {
        // Weibull with shape 1 is the exponential: mean = scale * Gamma(2) = scale.
        assert_eq!(Dist::Weibull { scale: h(10), shape: 1.0 }.mean(), h(10));
        // Shape 2 (Rayleigh): mean = scale * Gamma(1.5) = scale * sqrt(pi) / 2
        // = 36,000,000 ms * 0.886226925... = 31,904,169.3 ms.
        let rayleigh = Dist::Weibull { scale: h(10), shape: 2.0 }.mean().as_millis();
        assert!(rayleigh.abs_diff(31_904_169) <= 1, "{rayleigh}");
        // Triangular (1 + 2 + 6) / 3 = 3 h.
        assert_eq!(Dist::Triangular { min: h(1), mode: h(2), max: h(6) }.mean(), h(3));
    }

    #[test]
    fn samples_stay_in_bounds() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let tri = Dist::Triangular { min: h(1), mode: h(1), max: h(2) };
        let uni = Dist::Uniform { min: h(1), max: h(2) };
        for _ in 0..10_000 {
            for d in [&tri, &uni] {
                let x = d.sample(&mut rng);
                assert!(x >= h(1) && x <= h(2), "{d:?} gave {x}");
            }
        }
    }

    #[test]
    fn fixed_draws_no_randomness() {
        let mut a = ChaCha8Rng::seed_from_u64(3);
        let b = a.clone();
        assert_eq!(Dist::Fixed(h(2)).sample(&mut a), h(2));
        assert_eq!(Dist::Uniform { min: h(2), max: h(2) }.sample(&mut a), h(2));
        assert_eq!(a, b);
    }

    #[test]
    fn validation_names_the_bad_parameter() {
        let bad = [
            (Dist::Exponential { mean: SimDuration::ZERO }, "mean must be longer than zero"),
            (Dist::Uniform { min: h(2), max: h(1) }, "min must not be greater than max"),
            (Dist::Triangular { min: h(1), mode: h(3), max: h(2) }, "mode must lie between"),
            (Dist::Triangular { min: h(1), mode: h(1), max: h(1) }, "min must be less than max"),
            (Dist::LogNormal { median: h(1), sigma: -1.0 }, "sigma"),
            (Dist::LogNormal { median: SimDuration::ZERO, sigma: 1.0 }, "median"),
            (Dist::Weibull { scale: h(1), shape: 0.0 }, "shape"),
            (Dist::Weibull { scale: h(1), shape: f64::NAN }, "shape"),
        ];
        for (d, msg) in bad {
            let e = d.validate().unwrap_err().to_string();
            assert!(e.contains(msg), "{d:?}: {e}");
        }
    }

    #[test]
    fn parses_from_ron() {
        let d: Dist = ron::from_str("Triangular(min: \"1h\", mode: \"2h\", max: \"6h\")").unwrap();
        assert_eq!(d, Dist::Triangular { min: h(1), mode: h(2), max: h(6) });
        let d: Dist = ron::from_str("Fixed(\"30m\")").unwrap();
        assert_eq!(d, Dist::Fixed(SimDuration::from_minutes(30)));
    }
}
