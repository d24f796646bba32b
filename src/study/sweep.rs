//! Sweeps and sensitivity: a metric as parameters move.
//!
//! A **sweep** runs a study for every value of one or two parameters (every
//! combination of two), each value a patch of the scenario
//! (`teams.ops.engineers=2,4,8,16`), and reports each service's mean and
//! bad tail of a metric against the values: the 95th percentile of a time
//! or of user-hours, and for availability, where bad is low, the 5th and
//! 1st percentiles and the minimum. A **sensitivity** analysis
//! (a tornado) moves each parameter on its own to its low and its high
//! value, everything else at baseline, and ranks the parameters by how much
//! the metric moves. Every study uses the same seed, so the points differ by
//! the parameter, not by luck.
//!
//! ```
//! use outage::{objective::Metric, study::Sweep, Scenario};
//! let scenario = Scenario::from_path("scenarios/minimal.ron")?;
//! let report = Sweep::new(&scenario)
//!     .parameter("pools.db-servers.boot", &[r#"Fixed("5m")"#, r#"Fixed("2h")"#])
//!     .metric(Metric::Downtime)
//!     .runs(50)
//!     .run()?;
//! let fast = report.point(&[r#"Fixed("5m")"#], "grid-outage", "db").unwrap();
//! let slow = report.point(&[r#"Fixed("2h")"#], "grid-outage", "db").unwrap();
//! assert!(slow.mean >= fast.mean);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;

use super::{Study, StudyError};
use crate::objective::Metric;
use crate::scenario::{Diagnostic, Patch, PatchOp, Scenario, ScenarioError};

/// Why a sweep or sensitivity analysis could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// A parameter value made no valid scenario.
    #[error("{}", patch_message(patch, source))]
    Patch {
        /// The patch that failed.
        patch: String,
        /// Why.
        #[source]
        source: ScenarioError,
    },
    /// A study failed.
    #[error(transparent)]
    Study(#[from] StudyError),
}

/// The patch, then why it failed (said once where the reason names it).
fn patch_message(patch: &str, source: &ScenarioError) -> String {
    let source = source.to_string();
    if source.contains(patch) { source } else { format!("{patch}: {source}") }
}

/// Splits `v1,v2,...` at the commas outside parentheses, brackets and
/// strings, so that RON values with commas inside stay whole.
pub fn split_values(s: &str) -> Vec<String> {
    let (mut out, mut depth, mut quoted, mut start) = (Vec::new(), 0i32, false, 0);
    let mut escaped = false;
    for (i, ch) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(s[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim().to_owned());
    out.retain(|v| !v.is_empty());
    out
}

/// `path=value`, the path read as `--set` reads it (quoted steps too).
fn patch(path: &str, value: &str) -> Result<Patch, SweepError> {
    match Patch::parse_path(path) {
        Ok(path) => Ok(Patch { path, op: PatchOp::Set, value: value.to_owned() }),
        Err(message) => Err(SweepError::Patch {
            patch: format!("{path}={value}"),
            source: ScenarioError::Invalid(vec![Diagnostic { file: None, position: None, path: None, message }]),
        }),
    }
}

/// The scenario with `values[k]` set at `paths[k]`.
fn variant(scenario: &Scenario, paths: &[String], values: &[String]) -> Result<Scenario, SweepError> {
    let patches: Vec<Patch> = paths.iter().zip(values).map(|(p, v)| patch(p, v)).collect::<Result<_, _>>()?;
    scenario.patched(&patches).map_err(|source| SweepError::Patch {
        patch: patches.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
        source,
    })
}

/// A sweep over one or two parameters, builder style.
#[derive(Clone)]
pub struct Sweep<'s> {
    scenario: &'s Scenario,
    parameters: Vec<(String, Vec<String>)>,
    metric: Metric,
    runs: u64,
    seed: u64,
    threads: Option<usize>,
}

impl<'s> Sweep<'s> {
    /// A sweep of `scenario`: downtime, 500 runs per point, seed 0.
    pub fn new(scenario: &'s Scenario) -> Self {
        Sweep { scenario, parameters: Vec::new(), metric: Metric::Downtime, runs: 500, seed: 0, threads: None }
    }

    /// A parameter (a patch path) and its values (RON).
    #[must_use]
    pub fn parameter(mut self, path: &str, values: &[&str]) -> Self {
        self.parameters.push((path.to_owned(), values.iter().map(|v| (*v).to_owned()).collect()));
        self
    }

    /// The metric reported.
    #[must_use]
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }

    /// Runs per point.
    #[must_use]
    pub fn runs(mut self, runs: u64) -> Self {
        self.runs = runs;
        self
    }

    /// The seed every point shares.
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

    /// Runs a study at every point (every combination of the values).
    ///
    /// # Errors
    /// A value that makes no valid scenario, or a failed study.
    pub fn run(&self) -> Result<SweepReport, SweepError> {
        let paths: Vec<String> = self.parameters.iter().map(|(p, _)| p.clone()).collect();
        let mut combos: Vec<Vec<String>> = vec![Vec::new()];
        for (_, values) in &self.parameters {
            combos = combos
                .into_iter()
                .flat_map(|c| values.iter().map(move |v| [c.clone(), vec![v.clone()]].concat()))
                .collect();
        }
        let mut points = Vec::new();
        for values in combos {
            let scenario = variant(self.scenario, &paths, &values)?;
            let mut study = Study::new(&scenario).runs(self.runs).seed(self.seed);
            if let Some(t) = self.threads {
                study = study.threads(t);
            }
            let report = study.run()?;
            for d in &report.disasters {
                for s in &d.services {
                    let m = s.metric(self.metric);
                    points.push(SweepPoint {
                        values: values.clone(),
                        disaster: d.name.clone(),
                        service: s.name.clone(),
                        mean: m.mean,
                        p95: m.p95,
                        p5: m.p5,
                        p1: m.p1,
                        min: m.min,
                    });
                }
            }
        }
        Ok(SweepReport { parameters: paths, metric: self.metric, unit: super::output::unit(self.metric), points })
    }
}

/// A metric at one point of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SweepPoint {
    /// The parameters' values, in order.
    pub values: Vec<String>,
    /// The disaster.
    pub disaster: String,
    /// The service.
    pub service: String,
    /// The metric's mean.
    pub mean: f64,
    /// Its 95th percentile: the bad tail of a time or of user-hours.
    pub p95: f64,
    /// Its 5th percentile: the bad tail of availability.
    pub p5: f64,
    /// Its 1st percentile.
    pub p1: f64,
    /// Its smallest value.
    pub min: f64,
}

impl SweepPoint {
    /// The statistics of its bad tail, as (label, value): the 95th
    /// percentile of a time or of user-hours; for availability, the 5th and
    /// 1st percentiles and the minimum (bad is low).
    pub fn tail(&self, metric: Metric) -> Vec<(&'static str, f64)> {
        match metric {
            Metric::Availability => vec![("p5", self.p5), ("p1", self.p1), ("min", self.min)],
            _ => vec![("p95", self.p95)],
        }
    }
}

/// The result of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SweepReport {
    /// The parameters (patch paths).
    pub parameters: Vec<String>,
    /// The metric.
    #[serde(serialize_with = "super::output::serialize_metric")]
    pub metric: Metric,
    /// Its unit.
    pub unit: &'static str,
    /// One point per combination of values, disaster and service.
    pub points: Vec<SweepPoint>,
}

impl SweepReport {
    /// The point for these values, disaster and service.
    pub fn point(&self, values: &[&str], disaster: &str, service: &str) -> Option<&SweepPoint> {
        self.points.iter().find(|p| {
            p.disaster == disaster
                && p.service == service
                && p.values.iter().map(String::as_str).eq(values.iter().copied())
        })
    }

    /// The report as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a sweep serializes")
    }

    /// A table per disaster: the values, then each service's mean and bad
    /// tail (see [`SweepPoint::tail`]): `mean (p95)`, or for availability
    /// `mean (p5, p1, min)` with as many places as its nines need.
    pub fn to_table(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let labels: Vec<&str> = match self.metric {
            Metric::Availability => vec!["p5", "p1", "min"],
            _ => vec!["p95"],
        };
        let _ = writeln!(
            out,
            "sweep of {} - {} ({}): mean ({})",
            self.parameters.join(", "),
            self.metric.as_str(),
            self.unit,
            labels.join(", ")
        );
        let places = match self.metric {
            Metric::Availability => {
                super::output::availability_places(self.points.iter().flat_map(|p| [p.mean, p.p5, p.p1, p.min]))
            }
            _ => 2,
        };
        let cell = |p: &SweepPoint| {
            let tail: Vec<String> = p.tail(self.metric).iter().map(|(_, x)| format!("{x:.places$}")).collect();
            format!("{:.places$} ({})", p.mean, tail.join(", "))
        };
        let mut disasters: Vec<&str> = Vec::new();
        for p in &self.points {
            if !disasters.contains(&p.disaster.as_str()) {
                disasters.push(&p.disaster);
            }
        }
        for d in disasters {
            let _ = writeln!(out, "\ndisaster {d}");
            let mut services: Vec<&str> = Vec::new();
            let mut rows: Vec<&Vec<String>> = Vec::new();
            for p in self.points.iter().filter(|p| p.disaster == d) {
                if !services.contains(&p.service.as_str()) {
                    services.push(&p.service);
                }
                if !rows.contains(&&p.values) {
                    rows.push(&p.values);
                }
            }
            let head = self.parameters.join(" / ");
            let width = rows.iter().map(|v| v.join(" / ").chars().count()).chain([head.chars().count(), 24]).max();
            let width = width.unwrap_or(24);
            let cells: Vec<String> = rows
                .iter()
                .flat_map(|values| {
                    services.iter().map(move |s| {
                        self.points
                            .iter()
                            .find(|p| p.disaster == d && p.service == *s && &p.values == *values)
                            .map_or("-".to_owned(), cell)
                    })
                })
                .collect();
            let cw = cells
                .iter()
                .map(|c| c.chars().count())
                .chain(services.iter().map(|s| s.chars().count()))
                .chain([20])
                .max()
                .unwrap_or(20);
            let _ = write!(out, " {head:<width$}");
            for s in &services {
                let _ = write!(out, " {s:>cw$}");
            }
            let _ = writeln!(out);
            for (k, values) in rows.iter().enumerate() {
                let _ = write!(out, " {:<width$}", values.join(" / "));
                for c in &cells[k * services.len()..(k + 1) * services.len()] {
                    let _ = write!(out, " {c:>cw$}");
                }
                let _ = writeln!(out);
            }
        }
        out
    }
}

/// A sensitivity analysis (tornado), builder style.
#[derive(Clone)]
pub struct Sensitivity<'s> {
    scenario: &'s Scenario,
    parameters: Vec<(String, String, String)>,
    metric: Metric,
    service: Option<String>,
    runs: u64,
    seed: u64,
    threads: Option<usize>,
}

impl<'s> Sensitivity<'s> {
    /// A tornado of `scenario`: user-hours lost over all services, 500 runs
    /// per point, seed 0.
    pub fn new(scenario: &'s Scenario) -> Self {
        Sensitivity {
            scenario,
            parameters: Vec::new(),
            metric: Metric::UserHoursLost,
            service: None,
            runs: 500,
            seed: 0,
            threads: None,
        }
    }

    /// A parameter (a patch path) with its low and high value (RON).
    #[must_use]
    pub fn parameter(mut self, path: &str, low: &str, high: &str) -> Self {
        self.parameters.push((path.to_owned(), low.to_owned(), high.to_owned()));
        self
    }

    /// The metric (default: user-hours lost).
    #[must_use]
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }

    /// One service's metric, instead of the sum over every service.
    #[must_use]
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Runs per point.
    #[must_use]
    pub fn runs(mut self, runs: u64) -> Self {
        self.runs = runs;
        self
    }

    /// The seed every point shares.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads (default: all cores).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// The metric's mean over every disaster and the chosen service (or
    /// all), in one study of `scenario`.
    fn measure(&self, scenario: &Scenario) -> Result<f64, SweepError> {
        let mut study = Study::new(scenario).runs(self.runs).seed(self.seed);
        if let Some(t) = self.threads {
            study = study.threads(t);
        }
        let report = study.run()?;
        let mut total = 0.0;
        for d in &report.disasters {
            for s in d.services.iter().filter(|s| self.service.as_ref().is_none_or(|n| *n == s.name)) {
                total += s.metric(self.metric).mean;
            }
        }
        Ok(total / report.disasters.len().max(1) as f64)
    }

    /// Runs the baseline and each parameter at its low and its high value,
    /// and ranks the parameters by the swing, largest first.
    ///
    /// # Errors
    /// A value that makes no valid scenario, or a failed study.
    pub fn run(&self) -> Result<SensitivityReport, SweepError> {
        let baseline = self.measure(self.scenario)?;
        let mut rows = Vec::new();
        for (path, low, high) in &self.parameters {
            let at_low =
                self.measure(&variant(self.scenario, std::slice::from_ref(path), std::slice::from_ref(low))?)?;
            let at_high =
                self.measure(&variant(self.scenario, std::slice::from_ref(path), std::slice::from_ref(high))?)?;
            rows.push(SensitivityRow {
                parameter: path.clone(),
                low: low.clone(),
                high: high.clone(),
                at_low,
                at_high,
                swing: (at_high - at_low).abs(),
            });
        }
        rows.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.parameter.cmp(&b.parameter)));
        Ok(SensitivityReport {
            metric: self.metric,
            unit: super::output::unit(self.metric),
            service: self.service.clone(),
            baseline,
            rows,
        })
    }
}

/// One parameter of a tornado.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SensitivityRow {
    /// The parameter (a patch path).
    pub parameter: String,
    /// Its low value.
    pub low: String,
    /// Its high value.
    pub high: String,
    /// The metric with the parameter at its low value.
    pub at_low: f64,
    /// The metric with the parameter at its high value.
    pub at_high: f64,
    /// `|at_high - at_low|`: what the ranking is by.
    pub swing: f64,
}

/// The result of a sensitivity analysis: parameters by swing, largest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SensitivityReport {
    /// The metric.
    #[serde(serialize_with = "super::output::serialize_metric")]
    pub metric: Metric,
    /// Its unit.
    pub unit: &'static str,
    /// The service measured, or every service summed.
    pub service: Option<String>,
    /// The metric at baseline (mean over the disasters).
    pub baseline: f64,
    /// One row per parameter, largest swing first.
    pub rows: Vec<SensitivityRow>,
}

impl SensitivityReport {
    /// The report as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    /// The tornado as a table.
    pub fn to_table(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let of = self.service.as_deref().map_or("every service".to_owned(), |s| format!("service '{s}'"));
        // Availability (a mean over services and disasters) with its nines.
        let p = match self.metric {
            Metric::Availability => super::output::availability_places(
                std::iter::once(self.baseline).chain(self.rows.iter().flat_map(|r| [r.at_low, r.at_high])),
            ),
            _ => 2,
        };
        let _ = writeln!(
            out,
            "sensitivity of {} ({}) of {of}, mean over the disasters; baseline {:.p$}",
            self.metric.as_str(),
            self.unit,
            self.baseline
        );
        let label = |r: &SensitivityRow| format!("{} ({} .. {})", r.parameter, r.low, r.high);
        let w = self.rows.iter().map(|r| label(r).chars().count()).max().unwrap_or(0).max(24);
        let _ = writeln!(out, " {:<w$} {:>16} {:>16} {:>16}", "parameter (low .. high)", "at low", "at high", "swing");
        for r in &self.rows {
            let _ = writeln!(out, " {:<w$} {:>16.p$} {:>16.p$} {:>16.p$}", label(r), r.at_low, r.at_high, r.swing);
        }
        out
    }
}
