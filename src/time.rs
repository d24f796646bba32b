//! Simulated time: integer milliseconds, never floating point.
//!
//! [`SimTime`] is an instant measured from the start of a run (t0, for example
//! the moment a fire ignites); [`SimDuration`] is a span between instants.
//! Both are whole milliseconds in a `u64`, which covers about 584 million
//! years, so arithmetic saturates instead of overflowing.
//!
//! Durations are written for people everywhere, in scenario files and on the
//! command line: `"90s"`, `"45m"`, `"8h30m"`, `"5d"`, `"1.5h"`, `"250ms"`.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MS_PER_SECOND: u64 = 1_000;
const MS_PER_MINUTE: u64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: u64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;

/// A length of simulated time, in whole milliseconds.
///
/// Parses from and displays as a human duration:
///
/// ```
/// use outage::SimDuration;
/// let d: SimDuration = "8h30m".parse()?;
/// assert_eq!(d, SimDuration::from_minutes(510));
/// assert_eq!(d.to_string(), "8h30m");
/// # Ok::<(), outage::DurationParseError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

/// An instant of simulated time: milliseconds since t0, the start of the run.
///
/// Displays as the duration since t0 (`"10h12m"`), the way incident reports
/// give offsets from ignition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

impl SimDuration {
    /// Zero length.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest representable duration; arithmetic saturates here.
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms)
    }
    /// A duration of `s` seconds (saturating).
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s.saturating_mul(MS_PER_SECOND))
    }
    /// A duration of `m` minutes (saturating).
    pub const fn from_minutes(m: u64) -> Self {
        SimDuration(m.saturating_mul(MS_PER_MINUTE))
    }
    /// A duration of `h` hours (saturating).
    pub const fn from_hours(h: u64) -> Self {
        SimDuration(h.saturating_mul(MS_PER_HOUR))
    }
    /// A duration of `d` days (saturating).
    pub const fn from_days(d: u64) -> Self {
        SimDuration(d.saturating_mul(MS_PER_DAY))
    }
    /// The nearest whole-millisecond duration to `hours` hours; negative and
    /// NaN give zero, values beyond the range give [`SimDuration::MAX`].
    pub fn from_hours_f64(hours: f64) -> Self {
        Self::from_millis_f64(hours * MS_PER_HOUR as f64)
    }
    /// The nearest whole-millisecond duration to `ms` milliseconds; negative
    /// and NaN give zero, values beyond the range give [`SimDuration::MAX`].
    pub fn from_millis_f64(ms: f64) -> Self {
        // `as` saturates for floats: NaN -> 0, +inf -> u64::MAX.
        SimDuration(ms.round().max(0.0) as u64)
    }
    /// Whole milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    /// Seconds as a float (exact up to 2^53 ms, about 285,000 years).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_SECOND as f64
    }
    /// Hours as a float.
    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / MS_PER_HOUR as f64
    }
    /// `true` for a zero-length duration.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// Sum that stops at [`SimDuration::MAX`].
    pub const fn saturating_add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }
    /// Difference that stops at zero.
    pub const fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }
}

impl SimTime {
    /// t0, the start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The end of time; used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// The instant `ms` milliseconds after t0.
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms)
    }
    /// Milliseconds since t0.
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    /// Time elapsed since t0.
    pub const fn since_start(self) -> SimDuration {
        SimDuration(self.0)
    }
    /// Seconds since t0, as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.since_start().as_secs_f64()
    }
    /// Hours since t0, as a float.
    pub fn as_hours_f64(self) -> f64 {
        self.since_start().as_hours_f64()
    }
    /// The time from `earlier` to `self`, zero if `earlier` is later.
    pub const fn duration_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        self.saturating_add(d)
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.duration_since(earlier)
    }
}

impl From<SimDuration> for SimTime {
    fn from(d: SimDuration) -> SimTime {
        SimTime(d.0)
    }
}

impl fmt::Display for SimDuration {
    /// Largest unit first, and every unit from the largest shown down to the
    /// smallest shown, zeros included: `5d`, `8h30m`, `5h0m29.385s`,
    /// `1d0h52m53s`, `1.250s`, `5ms`, `0s`. A zero is never left out between
    /// two units, so `5h0m29s` cannot be misread as 5h29m. The output parses
    /// back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.pad("0s");
        }
        let (secs, millis) = (self.0 / MS_PER_SECOND, self.0 % MS_PER_SECOND);
        if secs == 0 {
            return f.pad(&format!("{millis}ms"));
        }
        // Whole days, hours, minutes and seconds; milliseconds go with seconds.
        let parts = [
            ("d", self.0 / MS_PER_DAY),
            ("h", self.0 % MS_PER_DAY / MS_PER_HOUR),
            ("m", self.0 % MS_PER_HOUR / MS_PER_MINUTE),
            ("s", self.0 % MS_PER_MINUTE),
        ];
        let first = parts.iter().position(|&(_, v)| v > 0).unwrap_or(parts.len() - 1);
        let last = parts.iter().rposition(|&(_, v)| v > 0).unwrap_or(first);
        let mut out = String::new();
        for &(unit, v) in &parts[first..=last] {
            match unit {
                "s" if millis > 0 => out.push_str(&format!("{}.{millis:03}s", v / MS_PER_SECOND)),
                "s" => out.push_str(&format!("{}s", v / MS_PER_SECOND)),
                _ => out.push_str(&format!("{v}{unit}")),
            }
        }
        f.pad(&out)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.since_start(), f)
    }
}

/// Why a duration string did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration '{input}': {reason} (write durations like \"90s\", \"45m\", \"8h30m\", \"1.5h\" or \"5d\")")]
pub struct DurationParseError {
    input: String,
    reason: &'static str,
}

impl DurationParseError {
    fn new(input: &str, reason: &'static str) -> Self {
        DurationParseError { input: input.to_owned(), reason }
    }
}

impl FromStr for SimDuration {
    type Err = DurationParseError;

    /// Parses one or more `<number><unit>` parts, largest unit first, with
    /// units `d`, `h`, `m`, `s` and `ms`. A number may have a fractional part
    /// as long as the result is a whole number of milliseconds.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason| DurationParseError::new(input, reason);
        let s = input.trim();
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        if s.starts_with('-') {
            return Err(err("durations cannot be negative"));
        }
        let bytes = s.as_bytes();
        let mut total: u64 = 0;
        let mut i = 0;
        let mut last_unit = u64::MAX;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
                i += 1;
            }
            let int_part = &s[start..i];
            let mut frac_part = "";
            if i < bytes.len() && bytes[i] == b'.' {
                i += 1;
                let frac_start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                frac_part = &s[frac_start..i];
            }
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(err("expected a number"));
            }
            let unit_start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            let unit_ms = match &s[unit_start..i] {
                "d" => MS_PER_DAY,
                "h" => MS_PER_HOUR,
                "m" => MS_PER_MINUTE,
                "s" => MS_PER_SECOND,
                "ms" => 1,
                "" => return Err(err("a number has no unit")),
                _ => return Err(err("unknown unit (use d, h, m, s or ms)")),
            };
            if unit_ms >= last_unit {
                return Err(err("units must go from largest to smallest, each once"));
            }
            last_unit = unit_ms;
            let whole: u64 = if int_part.is_empty() {
                0
            } else {
                int_part.replace('_', "").parse().map_err(|_| err("number too large"))?
            };
            let mut part = whole.checked_mul(unit_ms).ok_or_else(|| err("too long"))?;
            if !frac_part.is_empty() {
                // Exact decimal arithmetic: frac / 10^k of a unit must be whole ms.
                if frac_part.len() > 12 {
                    return Err(err("too many decimal places"));
                }
                let frac: u128 = frac_part.parse().map_err(|_| err("expected a number"))?;
                let scale = 10u128.pow(frac_part.len() as u32);
                let numerator = frac * u128::from(unit_ms);
                if !numerator.is_multiple_of(scale) {
                    return Err(err("finer than one millisecond"));
                }
                let extra = u64::try_from(numerator / scale).map_err(|_| err("too long"))?;
                part = part.checked_add(extra).ok_or_else(|| err("too long"))?;
            }
            total = total.checked_add(part).ok_or_else(|| err("too long"))?;
        }
        Ok(SimDuration(total))
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SimDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"90s\", \"45m\", \"8h30m\" or \"5d\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SimDuration, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<SimDuration, DurationParseError> {
        s.parse()
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse("90s").unwrap(), SimDuration::from_secs(90));
        assert_eq!(parse("45m").unwrap(), SimDuration::from_minutes(45));
        assert_eq!(parse("8h30m").unwrap(), SimDuration::from_minutes(8 * 60 + 30));
        assert_eq!(parse("5d").unwrap(), SimDuration::from_days(5));
        assert_eq!(parse("1d2h3m4s5ms").unwrap().as_millis(), 93_784_005);
        assert_eq!(parse("250ms").unwrap(), SimDuration::from_millis(250));
        assert_eq!(parse("0s").unwrap(), SimDuration::ZERO);
        assert_eq!(parse(" 10m ").unwrap(), SimDuration::from_minutes(10));
        assert_eq!(parse("1_000s").unwrap(), SimDuration::from_secs(1000));
    }

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(parse("1.5h").unwrap(), SimDuration::from_minutes(90));
        assert_eq!(parse("0.25s").unwrap(), SimDuration::from_millis(250));
        assert_eq!(parse(".5m").unwrap(), SimDuration::from_secs(30));
        assert_eq!(parse("127.5h").unwrap(), SimDuration::from_minutes(7650));
    }

    #[test]
    fn rejects_malformed_input_with_a_reason() {
        for (bad, reason) in [
            ("", "it is empty"),
            ("-5m", "negative"),
            ("10", "no unit"),
            ("10x", "unknown unit"),
            ("30m2h", "largest to smallest"),
            ("5m5m", "largest to smallest"),
            ("h", "expected a number"),
            ("0.0001s", "finer than one millisecond"),
            ("99999999999999999999d", "too large"),
            ("300000000000d", "too long"),
        ] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.contains(reason), "{bad:?}: {e}");
            assert!(e.contains(&format!("'{bad}'")), "{e}");
        }
    }

    #[test]
    fn display_round_trips() {
        for ms in [0, 1, 999, 1000, 1250, 59_000, 90_000, 3_600_000, 30_600_000, 432_000_000, 93_784_005] {
            let d = SimDuration::from_millis(ms);
            assert_eq!(parse(&d.to_string()).unwrap(), d, "{d}");
        }
        assert_eq!(SimDuration::from_minutes(510).to_string(), "8h30m");
        assert_eq!(SimDuration::from_millis(1250).to_string(), "1.250s");
        assert_eq!(SimDuration::from_millis(5).to_string(), "5ms");
        assert_eq!(format!("{:>6}", SimDuration::from_hours(2)), "    2h");
    }

    #[test]
    fn display_writes_every_unit_between_the_first_and_the_last() {
        // 18029.385 s = 5 h (18000 s) + 0 min + 29.385 s: not "5h29.385s",
        // which reads as 5h29m.
        assert_eq!(SimDuration::from_millis(18_029_385).to_string(), "5h0m29.385s");
        // 89573 s = 1 d (86400 s) + 0 h + 52 min (3120 s) + 53 s.
        assert_eq!(SimDuration::from_secs(89_573).to_string(), "1d0h52m53s");
        // 1 d + 5 min: the hours between are written, the seconds after are not.
        assert_eq!(SimDuration::from_minutes(24 * 60 + 5).to_string(), "1d0h5m");
        // 1 h + 5 ms: minutes and seconds between.
        assert_eq!(SimDuration::from_millis(3_600_005).to_string(), "1h0m0.005s");
        // Trailing zero units are not written: 2 d is "2d", 90 min is "1h30m".
        assert_eq!(SimDuration::from_days(2).to_string(), "2d");
        assert_eq!(SimDuration::from_minutes(90).to_string(), "1h30m");
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(SimTime::MAX + SimDuration::from_days(1), SimTime::MAX);
        assert_eq!(SimTime::ZERO - SimTime::from_millis(5), SimDuration::ZERO);
        assert_eq!(SimDuration::from_hours_f64(-1.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_millis_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(SimDuration::from_millis_f64(f64::INFINITY), SimDuration::MAX);
    }

    #[test]
    fn deserializes_from_ron_strings() {
        let d: SimDuration = ron::from_str("\"1h30m\"").unwrap();
        assert_eq!(d, SimDuration::from_minutes(90));
        let e = ron::from_str::<SimDuration>("\"soon\"").unwrap_err();
        assert!(e.to_string().contains("invalid duration 'soon'"), "{e}");
    }
}
