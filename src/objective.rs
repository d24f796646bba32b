//! The vocabulary of resilience objectives, shared by the scenario format
//! (which reads objectives from a file) and the studies (which check them):
//! what is measured ([`Metric`]), how runs are summarised ([`Statistic`]),
//! amounts and bounds ([`Amount`], [`Bound`]) and the validated
//! [`Objective`].
//!
//! ```
//! use outage::objective::{Amount, Metric};
//! use outage::SimDuration;
//! assert!(Metric::Downtime.check_amount(&Amount::Duration(SimDuration::from_minutes(30))).is_ok());
//! let err = Metric::Availability.check_amount(&Amount::Number(2.0)).unwrap_err();
//! assert_eq!(err.to_string(), "availability is a fraction between 0 and 1");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::ServiceId;
use crate::time::SimDuration;

/// What is measured for a service in each run. Times are from t0; a
/// service never impacted counts zero for the recovery times, and one not
/// recovered by the end of the run counts the whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Metric {
    /// Total time down.
    Downtime,
    /// Total time degraded.
    Degraded,
    /// Time until it first serves again after going down.
    PartialRecovery,
    /// Time until it is back for good.
    FullRecovery,
    /// Users x fraction unserved x hours.
    UserHoursLost,
    /// The largest window of writes lost by a failover.
    DataLoss,
    /// Fraction of the run it is up.
    Availability,
}

impl Metric {
    /// Checks that `amount` is of the kind and in the range this metric is
    /// measured in.
    ///
    /// # Errors
    /// [`AmountError`], which says what the amount should be.
    pub fn check_amount(self, amount: &Amount) -> Result<(), AmountError> {
        let expected = match (self, amount) {
            (m, Amount::Duration(_)) if m.is_duration() => return Ok(()),
            (m, Amount::Number(_)) if m.is_duration() => ExpectedAmount::Duration,
            (Metric::UserHoursLost, Amount::Number(x)) if (0.0..=MAX_USER_HOURS).contains(x) => return Ok(()),
            (Metric::Availability, Amount::Number(x)) if (0.0..=1.0).contains(x) => return Ok(()),
            (Metric::Availability, _) => ExpectedAmount::Fraction,
            _ => ExpectedAmount::UserHours,
        };
        Err(AmountError { metric: self, expected })
    }

    /// Every metric, in report order.
    pub const ALL: [Metric; 7] = [
        Metric::Downtime,
        Metric::Degraded,
        Metric::PartialRecovery,
        Metric::FullRecovery,
        Metric::UserHoursLost,
        Metric::DataLoss,
        Metric::Availability,
    ];

    /// The snake_case name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Downtime => "downtime",
            Metric::Degraded => "degraded",
            Metric::PartialRecovery => "partial_recovery",
            Metric::FullRecovery => "full_recovery",
            Metric::UserHoursLost => "user_hours_lost",
            Metric::DataLoss => "data_loss",
            Metric::Availability => "availability",
        }
    }

    /// Whether its amounts are durations (and not user-hours or a fraction).
    pub fn is_duration(self) -> bool {
        !matches!(self, Metric::UserHoursLost | Metric::Availability)
    }
}

/// How the runs of a metric are summarised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Statistic {
    /// The mean.
    Mean,
    /// The 1st percentile: the bad tail of availability (bad is low), as
    /// P99 is of downtime.
    P1,
    /// The 5th percentile (availability's, as P95 is downtime's).
    P5,
    /// The median.
    P50,
    /// The 90th percentile.
    P90,
    /// The 95th percentile.
    P95,
    /// The 99th percentile.
    P99,
    /// Any quantile, in (0, 1).
    Quantile(f64),
    /// The probability that the metric exceeds this amount.
    ProbabilityAbove(Amount),
}

/// The largest number of user-hours an objective or threshold may name
/// (studies count thousandths of a user-hour in 64 bits).
pub const MAX_USER_HOURS: f64 = 1e15;

/// A bound or threshold: a duration (`"30m"`) for time metrics, a number
/// for user-hours, availability and probabilities.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Amount {
    /// A duration, written as a string.
    Duration(SimDuration),
    /// A plain number.
    Number(f64),
}

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Amount::Duration(d) => d.serialize(s),
            Amount::Number(x) => s.serialize_f64(*x),
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Amount;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration such as \"30m\", or a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Amount, E> {
                v.parse().map(Amount::Duration).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Amount, E> {
                Ok(Amount::Number(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount::Number(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount::Number(v as f64))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// What kind of amount a metric is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpectedAmount {
    /// A duration, written like `"30m"`.
    Duration,
    /// A fraction between 0 and 1.
    Fraction,
    /// A number of user-hours from 0 to [`MAX_USER_HOURS`].
    UserHours,
}

impl fmt::Display for ExpectedAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedAmount::Duration => f.write_str("a duration, written like \"30m\""),
            ExpectedAmount::Fraction => f.write_str("a fraction between 0 and 1"),
            ExpectedAmount::UserHours => write!(f, "a number of user-hours from 0 to {MAX_USER_HOURS:e}"),
        }
    }
}

/// An amount that does not suit a metric: `downtime is a duration, written
/// like "30m"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} is {expected}", metric.as_str())]
pub struct AmountError {
    /// The metric the amount was given for.
    pub metric: Metric,
    /// What the amount should be.
    pub expected: ExpectedAmount,
}

/// The bound of an objective.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// The statistic must not exceed this.
    AtMost(Amount),
    /// The statistic must reach this.
    AtLeast(Amount),
}

impl Bound {
    /// The amount, whichever way the bound goes.
    pub fn amount(&self) -> Amount {
        match *self {
            Bound::AtMost(a) | Bound::AtLeast(a) => a,
        }
    }
}

impl fmt::Display for Amount {
    /// `30m` for a duration, the number as written for the rest.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Duration(d) => write!(f, "{d}"),
            Amount::Number(x) => write!(f, "{x}"),
        }
    }
}

impl Statistic {
    /// The quantile it asks for (`P95` is 0.95, `P5` 0.05); `None` for the mean and
    /// probabilities.
    pub fn quantile(&self) -> Option<f64> {
        match self {
            Statistic::P1 => Some(0.01),
            Statistic::P5 => Some(0.05),
            Statistic::P50 => Some(0.5),
            Statistic::P90 => Some(0.9),
            Statistic::P95 => Some(0.95),
            Statistic::P99 => Some(0.99),
            Statistic::Quantile(q) => Some(*q),
            Statistic::Mean | Statistic::ProbabilityAbove(_) => None,
        }
    }
}

impl fmt::Display for Statistic {
    /// `mean`, `p95`, `q0.999`, `P(> 30m)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statistic::Mean => f.write_str("mean"),
            Statistic::P1 => f.write_str("p1"),
            Statistic::P5 => f.write_str("p5"),
            Statistic::P50 => f.write_str("p50"),
            Statistic::P90 => f.write_str("p90"),
            Statistic::P95 => f.write_str("p95"),
            Statistic::P99 => f.write_str("p99"),
            Statistic::Quantile(q) => write!(f, "q{q}"),
            Statistic::ProbabilityAbove(a) => write!(f, "P(> {a})"),
        }
    }
}

/// A validated resilience objective.
#[derive(Clone, Debug)]
pub struct Objective {
    label: String,
    pub(crate) service: Option<ServiceId>,
    pub(crate) metric: Metric,
    pub(crate) statistic: Statistic,
    pub(crate) bound: Bound,
    /// Indices into the scenario's disasters; empty means all.
    pub(crate) disasters: Vec<usize>,
}

impl Objective {
    /// An objective on `service` (`None`: every service, each on its own),
    /// over the scenario's disasters at the given indices (empty: all). An
    /// empty `name` gets a label made from the rest, with `service_label`
    /// standing for the service (`"*"` for all).
    pub(crate) fn new(
        name: &str,
        service_label: &str,
        service: Option<ServiceId>,
        metric: Metric,
        statistic: Statistic,
        bound: Bound,
        disasters: Vec<usize>,
    ) -> Objective {
        let label = if name.is_empty() {
            let (op, amount) = match bound {
                Bound::AtMost(a) => ("<=", a),
                Bound::AtLeast(a) => (">=", a),
            };
            format!("{service_label} {statistic} {} {op} {amount}", metric.as_str())
        } else {
            name.to_owned()
        };
        Objective { label, service, metric, statistic, bound, disasters }
    }

    /// Its label: the scenario's name for it, or a description such as
    /// `kakaotalk-messaging p95 downtime <= 30m`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The service it is about; `None` for every service.
    pub fn service(&self) -> Option<ServiceId> {
        self.service
    }

    /// What is measured.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// How runs are summarised.
    pub fn statistic(&self) -> &Statistic {
        &self.statistic
    }

    /// The bound the statistic must meet.
    pub fn bound(&self) -> Bound {
        self.bound
    }
}
