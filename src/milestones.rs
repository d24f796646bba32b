//! Checking a scenario against what was reported about a real incident.
//!
//! A milestones file (`<scenario>.milestones.ron`) lists reported facts
//! ("KakaoTalk messaging partly back 10.2 h after the fire") with their
//! precision and how to measure each in a run. [`check`] replays the
//! scenario many times with consecutive run indices and compares the median
//! and the spread (10-90% and 5-95% bands) of each measure with the report;
//! [`to_table`] prints the comparison, as `outage milestones <file>` does
//! for any scenario and its reported timeline.
//!
//! # Tolerance
//! - `Minute` and `Approx` milestones pass when the simulated median is
//!   within 25% of the reported time.
//! - `By` milestones are status snapshots: the state was reached no later
//!   than the reported time, and (where known) not before `not_before`, the
//!   last snapshot at which it had not been. The median must lie in that
//!   window.
//! - `Day` milestones give only a date: the median must fall on that day.
//!
//! A measure not reached in a run counts as reached at the end of the run.
//!
//! ```ron
//! Milestones(
//!     scenario: "kakao_pangyo_2022.ron",
//!     runs: 200,
//!     milestones: [
//!         (name: "KakaoTalk messaging partly back", reported: "10h12m", precision: Minute,
//!          measure: PartialRecovery("kakaotalk-messaging"), source: "imbc.com, 16 Oct 01:31"),
//!     ],
//! )
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{RunError, RunOptions, RunReport, Simulation};
use crate::scenario::{Scenario, ScenarioError};
use crate::time::{SimDuration, SimTime};

/// Accepted relative error of the median for `Minute` and `Approx` milestones.
pub const TOLERANCE: f64 = 0.25;

/// A file of milestones for one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Milestones")]
pub struct MilestoneFile {
    /// The scenario, relative to this file.
    pub scenario: String,
    /// The disaster to replay (default: the scenario's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disaster: Option<String>,
    /// Runs to replay (at least 1).
    pub runs: u64,
    /// Seed of the runs.
    #[serde(default)]
    pub seed: u64,
    /// The reported facts.
    pub milestones: Vec<Milestone>,
}

/// One reported fact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Milestone")]
pub struct Milestone {
    /// What happened.
    pub name: String,
    /// When, from t0.
    pub reported: SimDuration,
    /// How precisely the time is known.
    pub precision: Precision,
    /// How to find it in a run.
    pub measure: Measure,
    /// Where the fact comes from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

/// How precisely a reported time is known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Precision {
    /// A stated clock time.
    Minute,
    /// "About", or within about an hour.
    Approx,
    /// A status snapshot: reached no later than the reported time, and after
    /// `not_before` (the last snapshot at which it had not been reached).
    By {
        /// The last time it was known not to have happened yet.
        not_before: SimDuration,
    },
    /// Only the day is known: between `from` and `to`.
    Day {
        /// Start of the day, from t0.
        from: SimDuration,
        /// End of the day, from t0.
        to: SimDuration,
    },
}

/// What to measure in a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Measure {
    /// The first time the service is not up.
    FirstImpact(String),
    /// The first time the service serves users again after going down.
    PartialRecovery(String),
    /// The time the service is fully back for good.
    FullRecovery(String),
    /// The time the last of these services is fully back.
    AllFullyRecovered(Vec<String>),
    /// The time the `n`-th of these groups is fully back; a group is back
    /// when all its services are.
    NthFullyRecovered {
        /// Groups of services (an app's core and its extras, say).
        groups: Vec<Vec<String>>,
        /// Which one counts (1 = the first group back).
        n: usize,
    },
    /// The first time, after first going down, that the service serves at
    /// least `fraction` of its users.
    Serving {
        /// The service.
        service: String,
        /// The fraction of users served, in (0, 1].
        fraction: f64,
    },
    /// The time the `n`-th of these services serves users again (its partial
    /// recovery; one never down counts from the start): "the 100th of 700
    /// systems back".
    NthServing {
        /// The services.
        services: Vec<String>,
        /// Which one counts (1 = the first back).
        n: usize,
    },
    /// The first time, after dipping below it, that at least `fraction` of
    /// these services serve users (are not down): "half of the estate back".
    FractionServing {
        /// The services.
        services: Vec<String>,
        /// The fraction of them, in (0, 1].
        fraction: f64,
    },
    /// The first time, after dipping below it, that these pools have at
    /// least `servers` servers working together.
    ServersWorking {
        /// The pools.
        pools: Vec<String>,
        /// The threshold.
        servers: u64,
    },
}

impl Measure {
    /// The measured time in one run (with its timeline), if reached.
    ///
    /// # Errors
    /// A message naming a service or pool the scenario does not have.
    pub fn measure(&self, scenario: &Scenario, report: &RunReport) -> Result<Option<SimTime>, String> {
        let service = |name: &str| report.service(name).ok_or_else(|| format!("no service named '{name}'"));
        let full = |name: &str| -> Result<Option<SimTime>, String> {
            let s = service(name)?;
            Ok(if s.first_impact.is_none() { Some(SimTime::ZERO) } else { s.full_recovery })
        };
        match self {
            Measure::FirstImpact(s) => Ok(service(s)?.first_impact),
            Measure::PartialRecovery(s) => Ok(service(s)?.partial_recovery),
            Measure::FullRecovery(s) => full(s),
            Measure::AllFullyRecovered(list) => all_back(list, &full),
            Measure::NthFullyRecovered { groups, n } => {
                let mut times = Vec::with_capacity(groups.len());
                for g in groups {
                    times.push(all_back(g, &full)?);
                }
                times.sort_by_key(|t| t.unwrap_or(SimTime::MAX));
                let nth = n.checked_sub(1).and_then(|i| times.get(i)).ok_or("n must be between 1 and the groups")?;
                Ok(*nth)
            }
            Measure::Serving { service: name, fraction } => {
                service(name)?;
                let mut down = false;
                for e in report.timeline.iter().filter(|e| e.kind == "service" && &e.component == name) {
                    if e.state == crate::model::State::Down {
                        down = true;
                    } else if down && e.level >= *fraction {
                        return Ok(Some(e.at));
                    }
                }
                Ok(None)
            }
            Measure::ServersWorking { pools, servers } => servers_working(scenario, report, pools, *servers),
            Measure::NthServing { services, n } => {
                let mut times = Vec::with_capacity(services.len());
                for name in services {
                    let s = service(name)?;
                    // Never down (at most degraded): it served all along.
                    times.push(if s.downtime.is_zero() { Some(SimTime::ZERO) } else { s.partial_recovery });
                }
                times.sort_by_key(|t| t.unwrap_or(SimTime::MAX));
                let nth = n.checked_sub(1).and_then(|i| times.get(i)).ok_or("n must be between 1 and the services")?;
                Ok(*nth)
            }
            Measure::FractionServing { services, fraction } => fraction_serving(report, services, *fraction),
        }
    }
}

fn all_back(
    list: &[String],
    full: &dyn Fn(&str) -> Result<Option<SimTime>, String>,
) -> Result<Option<SimTime>, String> {
    let mut last = SimTime::ZERO;
    for s in list {
        match full(s)? {
            Some(t) => last = last.max(t),
            None => return Ok(None),
        }
    }
    Ok(Some(last))
}

fn fraction_serving(report: &RunReport, services: &[String], fraction: f64) -> Result<Option<SimTime>, String> {
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(format!("fraction must be in (0, 1], not {fraction}"));
    }
    for name in services {
        report.service(name).ok_or_else(|| format!("no service named '{name}'"))?;
    }
    // Serving services needed: at least `fraction` of them, rounded up.
    let needed = ((fraction * services.len() as f64) - 1e-9).ceil().max(1.0) as usize;
    let mut down = vec![false; services.len()];
    let mut dipped = false;
    for e in report.timeline.iter().filter(|e| e.kind == "service") {
        let Some(i) = services.iter().position(|s| *s == e.component) else { continue };
        down[i] = e.state == crate::model::State::Down;
        let serving = down.iter().filter(|d| !**d).count();
        if serving < needed {
            dipped = true;
        } else if dipped {
            return Ok(Some(e.at));
        }
    }
    Ok(None)
}

fn servers_working(
    scenario: &Scenario,
    report: &RunReport,
    pools: &[String],
    threshold: u64,
) -> Result<Option<SimTime>, String> {
    let spec = scenario.spec();
    let mut working: Vec<(String, u64, u64)> = Vec::new();
    for p in pools {
        let pool = spec.pools.iter().find(|x| &x.name == p).ok_or_else(|| format!("no pool named '{p}'"))?;
        working.push((p.clone(), pool.servers, pool.servers));
    }
    let mut dipped = false;
    for e in report.timeline.iter().filter(|e| e.kind == "pool") {
        if let Some(w) = working.iter_mut().find(|(n, _, _)| *n == e.component) {
            w.2 = (e.level * w.1 as f64).round() as u64;
            let total: u64 = working.iter().map(|(_, _, n)| n).sum();
            if total < threshold {
                dipped = true;
            } else if dipped {
                return Ok(Some(e.at));
            }
        }
    }
    Ok(None)
}

/// The outcome of one milestone over many runs.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct MilestoneResult {
    /// The milestone.
    pub milestone: Milestone,
    /// Simulated median, 10th and 90th percentiles.
    pub median: SimDuration,
    /// 10th percentile.
    pub p10: SimDuration,
    /// 90th percentile.
    pub p90: SimDuration,
    /// 5th percentile.
    pub p5: SimDuration,
    /// 95th percentile.
    pub p95: SimDuration,
    /// Whether the reported time (for a snapshot or a date, its window)
    /// meets the simulated 5-95% band.
    pub in_band: bool,
    /// (median - reported) / reported.
    pub relative_error: f64,
    /// Runs in which the measure was not reached before the horizon.
    pub not_reached: u64,
    /// Whether the median is within tolerance.
    pub pass: bool,
}

/// Why a milestones check could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The milestones file could not be read or parsed.
    #[error("cannot read milestones '{}': {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The scenario could not be loaded.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A run failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A measure names something the scenario lacks.
    #[error("milestone '{milestone}': {message}")]
    Measure {
        /// The milestone.
        milestone: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads a milestones file.
///
/// # Errors
/// [`CheckError::File`] when it cannot be read or parsed.
pub fn load(path: &Path) -> Result<MilestoneFile, CheckError> {
    let err = |message: String| CheckError::File { path: path.to_owned(), message };
    let bytes =
        crate::scenario::read_limited(path, crate::scenario::max_file_bytes()).map_err(|e| err(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| err("the file is not valid UTF-8 text".into()))?;
    ron::Options::default()
        .with_default_extension(
            ron::extensions::Extensions::IMPLICIT_SOME | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
        )
        .from_str(&text)
        .map_err(|e| err(e.to_string()))
        .and_then(|f: MilestoneFile| {
            if f.runs > MAX_RUNS {
                Err(err(format!("runs: {} runs asked for; at most {MAX_RUNS} are supported", f.runs)))
            } else {
                Ok(f)
            }
        })
}

/// The most runs a milestones check may ask for (each keeps one time per milestone).
pub const MAX_RUNS: u64 = 1_000_000;

/// Replays the scenario of a milestones file and compares each milestone.
///
/// # Errors
/// When the scenario does not load, a run fails, or a measure names an
/// unknown service or pool.
pub fn check(path: &Path, file: &MilestoneFile) -> Result<(Scenario, Vec<MilestoneResult>), CheckError> {
    let scenario_path = path.parent().unwrap_or(Path::new(".")).join(&file.scenario);
    let scenario = Scenario::from_path(&scenario_path)?;
    let runs = file.runs.max(1);
    let runs = runs.min(MAX_RUNS);
    let mut samples: Vec<Vec<SimTime>> = vec![Vec::new(); file.milestones.len()];
    let mut not_reached = vec![0u64; file.milestones.len()];
    {
        let mut sim = Simulation::new(&scenario, file.disaster.as_deref())?;
        for run in 0..runs {
            let report = sim.run(&RunOptions::default().seed(file.seed).run(run))?;
            let end = SimTime::from(report.horizon);
            for (i, m) in file.milestones.iter().enumerate() {
                let t = m
                    .measure
                    .measure(&scenario, &report)
                    .map_err(|message| CheckError::Measure { milestone: m.name.clone(), message })?;
                if t.is_none() {
                    not_reached[i] += 1;
                }
                samples[i].push(t.unwrap_or(end));
            }
        }
    }
    let results = file
        .milestones
        .iter()
        .zip(samples)
        .zip(not_reached)
        .map(|((m, mut times), not_reached)| {
            times.sort();
            // times is not empty (runs >= 1) and p <= 1, so the index is at most len - 1
            let q = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize].since_start();
            let (median, p10, p90, p5, p95) = (q(0.5), q(0.1), q(0.9), q(0.05), q(0.95));
            // What was reported is a time, or for a snapshot or a date the
            // window it lies in: inside the band if the two overlap.
            let (lo, hi) = match &m.precision {
                Precision::Minute | Precision::Approx => (m.reported, m.reported),
                Precision::By { not_before } => (*not_before, m.reported),
                Precision::Day { from, to } => (*from, *to),
            };
            let in_band = lo <= p95 && p5 <= hi;
            let reported = m.reported.as_millis() as f64;
            let relative_error = (median.as_millis() as f64 - reported) / reported.max(1.0);
            let pass = match &m.precision {
                Precision::Minute | Precision::Approx => relative_error.abs() <= TOLERANCE,
                Precision::By { not_before } => *not_before <= median && median <= m.reported,
                Precision::Day { from, to } => *from <= median && median <= *to,
            };
            MilestoneResult {
                milestone: m.clone(),
                median,
                p10,
                p90,
                p5,
                p95,
                in_band,
                relative_error,
                not_reached,
                pass,
            }
        })
        .collect();
    Ok((scenario, results))
}

/// The results of a milestones check as a table for people: each
/// milestone's reported time and precision, the simulated median and 5-95%
/// band, the median's relative error and the verdict, then how many
/// reported times fall inside their band and how many are within
/// tolerance.
pub fn to_table(scenario: &Scenario, file: &MilestoneFile, results: &[MilestoneResult]) -> String {
    use std::fmt::Write as _;
    let hours = |d: SimDuration| format!("{:.1}h", d.as_hours_f64());
    let mut out = String::new();
    let _ = writeln!(out, "{} ({} runs, seed {})", scenario.name(), file.runs, file.seed);
    let _ = writeln!(
        out,
        "{:<42} {:>9} {:>14} {:>9} {:>17} {:>8}  verdict",
        "milestone", "reported", "precision", "median", "5-95% band", "error"
    );
    for r in results {
        let precision = match &r.milestone.precision {
            Precision::Minute => "minute".to_owned(),
            Precision::Approx => "approx".to_owned(),
            Precision::By { not_before } => format!("by, after {}", hours(*not_before)),
            Precision::Day { .. } => "day".to_owned(),
        };
        let verdict = if r.pass { "ok" } else { "OFF" };
        let band = if r.in_band { "" } else { ", outside band" };
        let unreached = if r.not_reached > 0 { format!(" ({} runs never)", r.not_reached) } else { String::new() };
        let _ = writeln!(
            out,
            "{:<42} {:>9} {:>14} {:>9} {:>17} {:>+7.0}%  {verdict}{band}{unreached}",
            r.milestone.name,
            hours(r.milestone.reported),
            precision,
            hours(r.median),
            format!("{}-{}", hours(r.p5), hours(r.p95)),
            r.relative_error * 100.0,
        );
    }
    let inside = results.iter().filter(|r| r.in_band).count();
    let ok = results.iter().filter(|r| r.pass).count();
    let n = results.len();
    let _ =
        writeln!(out, "{inside} of {n} reported times inside the simulated 5-95% band; {ok} of {n} within tolerance");
    out
}
