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
//! Each milestone's times go into a study's quantile sketch, so memory does
//! not grow with the runs and every reported time is within
//! [`QUANTILE_RELATIVE_ERROR`](crate::study::QUANTILE_RELATIVE_ERROR) of
//! the time of the run at its rank.
//!
//! # Untrusted input
//! A milestones file may come from someone else. [`load`] checks every
//! value and reports each problem with its file, line, column and
//! milestone (see [`MilestoneFile`]); names pass the scenario's name
//! check. The scenario is named by a path relative to the milestones file,
//! in its folder or below; a file there that does not read as a scenario
//! is reported as such ([`CheckError::NotAScenario`]), never quoted.
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

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{RunError, RunOptions, RunReport, Simulation};
use crate::scenario::{Diagnostic, MAX_HORIZON, Position, Scenario, ScenarioError, Seg, SourceMap, name_fault};
use crate::study::MetricAgg;
use crate::time::{SimDuration, SimTime};

/// Accepted relative error of the median for `Minute` and `Approx` milestones.
pub const TOLERANCE: f64 = 0.25;

/// A file of milestones for one scenario. [`load`] and [`check`] refuse
/// one with a value out of range: `runs` from 1 to [`MAX_RUNS`], at most
/// [`MAX_MILESTONES`] milestones, times within ten years
/// ([`MAX_HORIZON`]), each field as its documentation says, lists not
/// empty and naming nothing twice, and names that a scenario could have.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Milestones")]
pub struct MilestoneFile {
    /// The scenario: a path relative to this file, in its folder or below.
    pub scenario: String,
    /// The disaster to replay (default: the scenario's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disaster: Option<String>,
    /// Runs to replay, 1 to [`MAX_RUNS`].
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
        /// The last time it was known not to have happened yet (no later
        /// than the reported time).
        not_before: SimDuration,
    },
    /// Only the day is known: between `from` and `to`.
    Day {
        /// Start of the day, from t0.
        from: SimDuration,
        /// End of the day, from t0 (no earlier than `from`; the reported
        /// time lies between them).
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
        /// The threshold: at least 1, at most what the pools hold.
        servers: u64,
    },
}

impl Measure {
    /// The measured time in one run (with its timeline), if reached.
    ///
    /// # Errors
    /// A message naming a value out of range (see [`MilestoneFile`]'s
    /// checks), or a service or pool the scenario does not have.
    pub fn measure(&self, scenario: &Scenario, report: &RunReport) -> Result<Option<SimTime>, String> {
        if let Some((_, fault)) = self.faults().into_iter().next() {
            return Err(fault);
        }
        let names = Names::of(scenario);
        let resolved = names.resolve(self)?;
        let index = names.index(report, resolved.reads_timeline());
        Ok(resolved.measure(report, &index))
    }

    /// The variant's name, for messages.
    fn kind(&self) -> &'static str {
        match self {
            Measure::FirstImpact(_) => "FirstImpact",
            Measure::PartialRecovery(_) => "PartialRecovery",
            Measure::FullRecovery(_) => "FullRecovery",
            Measure::AllFullyRecovered(_) => "AllFullyRecovered",
            Measure::NthFullyRecovered { .. } => "NthFullyRecovered",
            Measure::Serving { .. } => "Serving",
            Measure::NthServing { .. } => "NthServing",
            Measure::FractionServing { .. } => "FractionServing",
            Measure::ServersWorking { .. } => "ServersWorking",
        }
    }

    /// Every value out of range, each with its path under the measure:
    /// names that a name check refuses, empty lists, a name listed twice,
    /// `n` outside its list, a fraction that is not in (0, 1], no servers.
    fn faults(&self) -> Vec<(Vec<Seg>, String)> {
        let mut out = Vec::new();
        let kind = self.kind();
        let mut name = |at: Vec<Seg>, what: &str, n: &str| {
            if let Some(fault) = name_fault(n) {
                out.push((at, format!("{kind}: a {what} {fault}")));
            }
        };
        match self {
            Measure::FirstImpact(s) | Measure::PartialRecovery(s) | Measure::FullRecovery(s) => {
                name(vec![Seg::Index(0)], "service", s);
            }
            Measure::Serving { service, .. } => name(vec![Seg::Field("service")], "service", service),
            _ => {}
        }
        let list = |out: &mut Vec<(Vec<Seg>, String)>, at: &[Seg], what: &str, names: &[String]| {
            if names.is_empty() {
                out.push((at.to_vec(), format!("{kind}: names no {what}")));
            }
            let mut seen = std::collections::HashSet::with_capacity(names.len());
            for (k, n) in names.iter().enumerate() {
                let here = [at, &[Seg::Index(k)]].concat();
                if let Some(fault) = name_fault(n) {
                    out.push((here, format!("{kind}: a {what} {fault}")));
                } else if !seen.insert(n.as_str()) {
                    out.push((here, format!("{kind}: '{n}' is listed twice")));
                }
            }
        };
        let nth = |out: &mut Vec<(Vec<Seg>, String)>, n: usize, of: usize, what: &str| {
            if n == 0 || n > of {
                out.push((vec![Seg::Field("n")], format!("{kind}: n must be between 1 and the {of} {what}, not {n}")));
            }
        };
        let fraction = |out: &mut Vec<(Vec<Seg>, String)>, f: f64| {
            if !(f > 0.0 && f <= 1.0) {
                out.push((vec![Seg::Field("fraction")], format!("{kind}: fraction must be in (0, 1], not {f}")));
            }
        };
        match self {
            Measure::FirstImpact(_) | Measure::PartialRecovery(_) | Measure::FullRecovery(_) => {}
            Measure::AllFullyRecovered(services) => list(&mut out, &[], "services", services),
            Measure::NthFullyRecovered { groups, n } => {
                if groups.is_empty() {
                    out.push((vec![Seg::Field("groups")], format!("{kind}: names no groups")));
                }
                for (k, g) in groups.iter().enumerate() {
                    list(&mut out, &[Seg::Field("groups"), Seg::Index(k)], "services", g);
                }
                nth(&mut out, *n, groups.len(), "groups");
            }
            Measure::Serving { fraction: f, .. } => fraction(&mut out, *f),
            Measure::NthServing { services, n } => {
                list(&mut out, &[Seg::Field("services")], "services", services);
                nth(&mut out, *n, services.len(), "services");
            }
            Measure::FractionServing { services, fraction: f } => {
                list(&mut out, &[Seg::Field("services")], "services", services);
                fraction(&mut out, *f);
            }
            Measure::ServersWorking { pools, servers } => {
                list(&mut out, &[Seg::Field("pools")], "pools", pools);
                if *servers == 0 {
                    out.push((vec![Seg::Field("servers")], format!("{kind}: servers must be at least 1")));
                }
            }
        }
        out
    }
}

/// The services and pools of a scenario by name, looked up once per check:
/// a measure keeps indices, so a run costs time in proportion to the
/// measure's lists and the timeline, whatever the size of the estate.
struct Names<'s> {
    /// Index in the report's services (scenario order).
    services: HashMap<&'s str, usize>,
    /// Index among the scenario's pools, and its servers.
    pools: HashMap<&'s str, (usize, u64)>,
}

/// A measure with its names resolved.
enum Resolved {
    FirstImpact(usize),
    PartialRecovery(usize),
    FullRecovery(usize),
    AllFullyRecovered(Vec<usize>),
    NthFullyRecovered {
        groups: Vec<Vec<usize>>,
        n: usize,
    },
    Serving {
        service: usize,
        fraction: f64,
    },
    NthServing {
        services: Vec<usize>,
        n: usize,
    },
    /// `slot`: each listed service's place in the list.
    FractionServing {
        slot: HashMap<usize, usize>,
        needed: usize,
    },
    /// `slot`: each listed pool's place and servers.
    ServersWorking {
        slot: HashMap<usize, (usize, u64)>,
        servers: u64,
    },
}

/// A run's timeline with each entry's service or pool index (`None` for
/// other kinds), looked up once per run for every measure that reads it.
struct Index(Vec<Option<usize>>);

impl<'s> Names<'s> {
    fn of(scenario: &'s Scenario) -> Self {
        let services = scenario.model().services().iter().enumerate().map(|(i, s)| (s.name(), i)).collect();
        let pools = scenario.spec().pools.iter().enumerate().map(|(i, p)| (p.name.as_str(), (i, p.servers))).collect();
        Names { services, pools }
    }

    fn service(&self, name: &str) -> Result<usize, String> {
        self.services.get(name).copied().ok_or_else(|| format!("no service named '{name}'"))
    }

    fn all(&self, names: &[String]) -> Result<Vec<usize>, String> {
        names.iter().map(|n| self.service(n)).collect()
    }

    fn resolve(&self, measure: &Measure) -> Result<Resolved, String> {
        Ok(match measure {
            Measure::FirstImpact(s) => Resolved::FirstImpact(self.service(s)?),
            Measure::PartialRecovery(s) => Resolved::PartialRecovery(self.service(s)?),
            Measure::FullRecovery(s) => Resolved::FullRecovery(self.service(s)?),
            Measure::AllFullyRecovered(list) => Resolved::AllFullyRecovered(self.all(list)?),
            Measure::NthFullyRecovered { groups, n } => Resolved::NthFullyRecovered {
                groups: groups.iter().map(|g| self.all(g)).collect::<Result<_, _>>()?,
                n: *n,
            },
            Measure::Serving { service, fraction } => {
                Resolved::Serving { service: self.service(service)?, fraction: *fraction }
            }
            Measure::NthServing { services, n } => Resolved::NthServing { services: self.all(services)?, n: *n },
            Measure::FractionServing { services, fraction } => {
                let slot: HashMap<usize, usize> =
                    self.all(services)?.into_iter().enumerate().map(|(k, i)| (i, k)).collect();
                if slot.len() != services.len() {
                    return Err("FractionServing: a service is listed twice".into());
                }
                // At least `fraction` of them, rounded up.
                let needed = ((fraction * services.len() as f64) - 1e-9).ceil().max(1.0) as usize;
                Resolved::FractionServing { slot, needed }
            }
            Measure::ServersWorking { pools, servers } => {
                let mut slot = HashMap::with_capacity(pools.len());
                for (k, p) in pools.iter().enumerate() {
                    let &(i, n) = self.pools.get(p.as_str()).ok_or_else(|| format!("no pool named '{p}'"))?;
                    slot.insert(i, (k, n));
                }
                if slot.len() != pools.len() {
                    return Err("ServersWorking: a pool is listed twice".into());
                }
                let total: u128 = slot.values().map(|&(_, n)| u128::from(n)).sum();
                if u128::from(*servers) > total {
                    return Err(format!("ServersWorking: {servers} servers asked for, but these pools have {total}"));
                }
                Resolved::ServersWorking { slot, servers: *servers }
            }
        })
    }

    /// Each timeline entry's index, if some measure reads the timeline.
    fn index(&self, report: &RunReport, needed: bool) -> Index {
        if !needed {
            return Index(Vec::new());
        }
        Index(
            report
                .timeline
                .iter()
                .map(|e| match e.kind {
                    "service" => self.services.get(e.component.as_str()).copied(),
                    "pool" => self.pools.get(e.component.as_str()).map(|&(i, _)| i),
                    _ => None,
                })
                .collect(),
        )
    }
}

impl Resolved {
    fn reads_timeline(&self) -> bool {
        matches!(self, Resolved::Serving { .. } | Resolved::FractionServing { .. } | Resolved::ServersWorking { .. })
    }

    /// The measured time in one run; `index` as [`Names::index`] made it.
    fn measure(&self, report: &RunReport, index: &Index) -> Option<SimTime> {
        let outcome = |i: usize| report.services.get(i);
        let full = |i: usize| {
            let s = outcome(i)?;
            if s.first_impact.is_none() { Some(SimTime::ZERO) } else { s.full_recovery }
        };
        let all_back = |list: &[usize]| list.iter().try_fold(SimTime::ZERO, |last, &i| Some(last.max(full(i)?)));
        let nth = |mut times: Vec<Option<SimTime>>, n: usize| {
            times.sort_by_key(|t| t.unwrap_or(SimTime::MAX));
            times.get(n.checked_sub(1)?).copied().flatten()
        };
        // The timeline entries of one kind, with their index.
        let entries = |kind: &'static str| {
            report
                .timeline
                .iter()
                .zip(&index.0)
                .filter(move |(e, _)| e.kind == kind)
                .filter_map(|(e, i)| Some((e, (*i)?)))
        };
        match self {
            Resolved::FirstImpact(i) => outcome(*i)?.first_impact,
            Resolved::PartialRecovery(i) => outcome(*i)?.partial_recovery,
            Resolved::FullRecovery(i) => full(*i),
            Resolved::AllFullyRecovered(list) => all_back(list),
            Resolved::NthFullyRecovered { groups, n } => nth(groups.iter().map(|g| all_back(g)).collect(), *n),
            Resolved::NthServing { services, n } => nth(
                services
                    .iter()
                    .map(|&i| {
                        let s = outcome(i)?;
                        // Never down (at most degraded): it served all along.
                        if s.downtime.is_zero() { Some(SimTime::ZERO) } else { s.partial_recovery }
                    })
                    .collect(),
                *n,
            ),
            Resolved::Serving { service, fraction } => {
                let mut down = false;
                for (e, _) in entries("service").filter(|&(_, i)| i == *service) {
                    if e.state == crate::model::State::Down {
                        down = true;
                    } else if down && e.level >= *fraction {
                        return Some(e.at);
                    }
                }
                None
            }
            Resolved::FractionServing { slot, needed } => {
                // Counted as entries arrive: one step per entry.
                let mut down = vec![false; slot.len()];
                let mut serving = slot.len();
                let mut dipped = false;
                for (e, i) in entries("service") {
                    let Some(&k) = slot.get(&i) else { continue };
                    let now = e.state == crate::model::State::Down;
                    match (down[k], now) {
                        (false, true) => serving -= 1,
                        (true, false) => serving += 1,
                        _ => {}
                    }
                    down[k] = now;
                    if serving < *needed {
                        dipped = true;
                    } else if dipped {
                        return Some(e.at);
                    }
                }
                None
            }
            Resolved::ServersWorking { slot, servers } => {
                let mut working: Vec<u64> = vec![0; slot.len()];
                for &(k, n) in slot.values() {
                    working[k] = n;
                }
                let mut total: u128 = working.iter().map(|&n| u128::from(n)).sum();
                let mut dipped = false;
                for (e, i) in entries("pool") {
                    let Some(&(k, n)) = slot.get(&i) else { continue };
                    let now = (e.level * n as f64).round() as u64;
                    total = total - u128::from(working[k]) + u128::from(now);
                    working[k] = now;
                    if total < u128::from(*servers) {
                        dipped = true;
                    } else if dipped {
                        return Some(e.at);
                    }
                }
                None
            }
        }
    }
}

/// The outcome of one milestone over many runs. The times are read from a
/// quantile sketch
/// ([`QUANTILE_RELATIVE_ERROR`](crate::study::QUANTILE_RELATIVE_ERROR)): each is within that
/// fraction of the time of its run (by nearest rank), and the median and
/// band ends are exact where they are the fastest or slowest run.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct MilestoneResult {
    /// The milestone.
    pub milestone: Milestone,
    /// Simulated median.
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
    /// The milestones file could not be read.
    #[error("cannot read milestones '{}': {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The milestones file does not parse, or holds values out of range:
    /// every problem, each with its file, line, column and milestone.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    /// The file a milestones file names as its scenario does not read as a
    /// scenario. Nothing of its content is quoted: the milestones file may
    /// come from someone else, and name any file.
    #[error(
        "'{}' is not a scenario file (it does not read as one; `outage validate` it to see why)",
        path.display()
    )]
    NotAScenario {
        /// The file named.
        path: PathBuf,
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

/// The most runs a milestones check may ask for: each run is replayed in
/// full, so this bounds time, not memory.
pub const MAX_RUNS: u64 = 1_000_000;

/// The most milestones a file may hold: each keeps a quantile sketch of at
/// most about 1,330 bins over ten years of milliseconds (about 21 KB), so
/// all of them fit in about 210 MB whatever the number of runs.
pub const MAX_MILESTONES: usize = 10_000;

/// The most problems of one milestones file that are listed (each is
/// located in the file); a count of the rest follows.
const MAX_LISTED: usize = 50;

/// One problem of a milestones file: where, and what.
struct Problem {
    path: Vec<Seg>,
    message: String,
}

fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Field(name) if out.is_empty() => out.push_str(name),
            Seg::Field(name) => {
                out.push('.');
                out.push_str(name);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

impl MilestoneFile {
    /// Every value out of range: the scenario named by a plain relative
    /// path, at least 1 and at most [`MAX_RUNS`] runs, at most
    /// [`MAX_MILESTONES`] milestones, names that pass the scenario's name
    /// check, times within [`MAX_HORIZON`], windows that do not end before
    /// they start (with the reported time inside a `Day`), and each
    /// measure's values (see [`Measure::faults`]).
    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut bad = |path: Vec<Seg>, message: String| out.push(Problem { path, message });
        if let Err(why) = scenario_reference(&self.scenario) {
            bad(vec![Seg::Field("scenario")], format!("scenario: {why}"));
        }
        if self.runs == 0 || self.runs > MAX_RUNS {
            bad(vec![Seg::Field("runs")], format!("runs: between 1 and {MAX_RUNS} runs, not {}", self.runs));
        }
        if let Some(fault) = self.disaster.as_deref().and_then(name_fault) {
            bad(vec![Seg::Field("disaster")], format!("disaster: the disaster {fault}"));
        }
        if self.milestones.len() > MAX_MILESTONES {
            bad(
                vec![Seg::Field("milestones")],
                format!("milestones: {} milestones; at most {MAX_MILESTONES} are supported", self.milestones.len()),
            );
            return out;
        }
        for (i, m) in self.milestones.iter().enumerate() {
            let at = |rest: &[Seg]| [&[Seg::Field("milestones"), Seg::Index(i)], rest].concat();
            let who = match name_fault(&m.name) {
                Some(fault) => {
                    bad(at(&[Seg::Field("name")]), format!("milestone #{} {fault}", i + 1));
                    format!("milestone #{}", i + 1)
                }
                None => format!("milestone '{}'", m.name),
            };
            let mut time = |path: &[Seg], what: &str, t: SimDuration| {
                if t > MAX_HORIZON {
                    bad(at(path), format!("{who}: {what} {t} is beyond the longest run ({MAX_HORIZON})"));
                }
            };
            time(&[Seg::Field("reported")], "reported time", m.reported);
            match &m.precision {
                Precision::Minute | Precision::Approx => {}
                Precision::By { not_before } => {
                    time(&[Seg::Field("precision"), Seg::Field("not_before")], "not_before", *not_before);
                    if *not_before > m.reported {
                        bad(
                            at(&[Seg::Field("precision"), Seg::Field("not_before")]),
                            format!("{who}: By: not_before ({not_before}) is after the reported time ({})", m.reported),
                        );
                    }
                }
                Precision::Day { from, to } => {
                    time(&[Seg::Field("precision"), Seg::Field("from")], "the day's start", *from);
                    time(&[Seg::Field("precision"), Seg::Field("to")], "the day's end", *to);
                    if from > to {
                        bad(
                            at(&[Seg::Field("precision"), Seg::Field("from")]),
                            format!("{who}: Day: the window starts ({from}) after it ends ({to})"),
                        );
                    } else if m.reported < *from || m.reported > *to {
                        bad(
                            at(&[Seg::Field("reported")]),
                            format!("{who}: the reported time ({}) is outside its day ({from} to {to})", m.reported),
                        );
                    }
                }
            }
            for (path, fault) in m.measure.faults() {
                bad(at(&[&[Seg::Field("measure")], path.as_slice()].concat()), format!("{who}: measure {fault}"));
            }
        }
        out
    }
}

/// Whether a milestones file's `scenario` is a path this tool opens: one
/// relative to the milestones file, in its folder or below (no absolute
/// path, no `..`), whose text a name check would accept. A file from
/// someone else cannot make the tool open any file it likes.
fn scenario_reference(scenario: &str) -> Result<(), String> {
    use std::path::Component;
    if let Some(fault) = name_fault(scenario) {
        return Err(format!(
            "the path {}",
            fault.replacen("a name", "a path", 1).replacen("an empty name", "no path", 1)
        ));
    }
    match Path::new(scenario).components().find(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        None => Ok(()),
        Some(_) => Err(format!(
            "'{scenario}' must be relative to the milestones file, in its folder or below (no absolute path, no '..')"
        )),
    }
}

/// The options every milestones file is read with.
fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(
        ron::extensions::Extensions::IMPLICIT_SOME | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    )
}

/// Problems as diagnostics: located in `text` when given, else by path.
fn diagnostics(file: &Path, text: Option<&str>, problems: Vec<Problem>) -> Vec<Diagnostic> {
    let map = text.map(SourceMap::new);
    let total = problems.len();
    let mut out: Vec<Diagnostic> = problems
        .into_iter()
        .take(MAX_LISTED)
        .map(|p| Diagnostic {
            file: Some(file.to_owned()),
            position: map.as_ref().and_then(|m| m.locate(&p.path)),
            path: Some(path_text(&p.path)),
            message: p.message,
        })
        .collect();
    if total > MAX_LISTED {
        out.push(Diagnostic {
            file: Some(file.to_owned()),
            position: None,
            path: None,
            message: format!("and {} more problems", total - MAX_LISTED),
        });
    }
    out
}

/// Reads a milestones file and checks every value in it.
///
/// # Errors
/// [`CheckError::File`] when it cannot be read; [`CheckError::Invalid`]
/// when it does not parse or holds values out of range, with every
/// problem's line and column.
pub fn load(path: &Path) -> Result<MilestoneFile, CheckError> {
    let err = |message: String| CheckError::File { path: path.to_owned(), message };
    let bytes =
        crate::scenario::read_limited(path, crate::scenario::max_file_bytes()).map_err(|e| err(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| err("the file is not valid UTF-8 text".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let file: MilestoneFile = ron_options().from_str(text).map_err(|e| {
        CheckError::Invalid(vec![Diagnostic {
            file: Some(path.to_owned()),
            position: Some(Position { line: e.span.start.line, column: e.span.start.col }),
            path: None,
            message: e.code.to_string(),
        }])
    })?;
    let problems = file.problems();
    if !problems.is_empty() {
        return Err(CheckError::Invalid(diagnostics(path, Some(text), problems)));
    }
    Ok(file)
}

/// Loads the scenario a milestones file names. A file that does not parse
/// as a scenario (its diagnostics have no logical path) is said to be none,
/// with no word of its content.
fn load_scenario(path: &Path) -> Result<Scenario, CheckError> {
    match Scenario::from_path(path) {
        Ok(s) => Ok(s),
        Err(ScenarioError::Invalid(d)) if d.iter().all(|d| d.path.is_none()) => {
            Err(CheckError::NotAScenario { path: path.to_owned() })
        }
        Err(e) => Err(e.into()),
    }
}

/// What a check keeps of each milestone over its runs: a quantile sketch of
/// the times (a study's, [`MetricAgg`]) and the runs that never reached
/// it. Memory does not grow with the runs.
struct Tally {
    times: Vec<MetricAgg>,
    not_reached: Vec<u64>,
}

impl Tally {
    fn new(milestones: usize) -> Self {
        Tally { times: vec![MetricAgg::new(0, None); milestones], not_reached: vec![0; milestones] }
    }

    /// One run's time of milestone `i`; not reached counts as `end`.
    fn add(&mut self, i: usize, t: Option<SimTime>, end: SimTime) {
        self.not_reached[i] += u64::from(t.is_none());
        self.times[i].add(t.unwrap_or(end).as_millis(), &[]);
    }

    /// What is stored besides fixed-size counters: the sketches' bins.
    #[cfg(test)]
    fn stored(&self) -> usize {
        self.times.iter().map(MetricAgg::sketch_bins).sum()
    }
}

/// Replays the scenario of a milestones file and compares each milestone.
/// Memory does not grow with the runs: each milestone's times go into a
/// quantile sketch, as a study's metrics do.
///
/// # Errors
/// When the file holds values out of range (as [`load`] checks), the
/// scenario does not load, a run fails, or a measure names an unknown
/// service or pool.
pub fn check(path: &Path, file: &MilestoneFile) -> Result<(Scenario, Vec<MilestoneResult>), CheckError> {
    let problems = file.problems();
    if !problems.is_empty() {
        return Err(CheckError::Invalid(diagnostics(path, None, problems)));
    }
    let scenario_path = path.parent().unwrap_or(Path::new(".")).join(&file.scenario);
    let scenario = load_scenario(&scenario_path)?;
    let names = Names::of(&scenario);
    let measures = file
        .milestones
        .iter()
        .map(|m| {
            names.resolve(&m.measure).map_err(|message| CheckError::Measure { milestone: m.name.clone(), message })
        })
        .collect::<Result<Vec<Resolved>, CheckError>>()?;
    let reads_timeline = measures.iter().any(Resolved::reads_timeline);
    let mut tally = Tally::new(measures.len());
    {
        let mut sim = Simulation::new(&scenario, file.disaster.as_deref())?;
        for run in 0..file.runs {
            let report = sim.run(&RunOptions::default().seed(file.seed).run(run))?;
            let end = SimTime::from(report.horizon);
            let index = names.index(&report, reads_timeline);
            for (i, m) in measures.iter().enumerate() {
                tally.add(i, m.measure(&report, &index), end);
            }
        }
    }
    let results = file
        .milestones
        .iter()
        .zip(tally.times)
        .zip(tally.not_reached)
        .map(|((m, times), not_reached)| {
            // Nearest rank, within the sketch's error; runs >= 1.
            let q = |p: f64| SimDuration::from_millis(times.quantile(p).round() as u64);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_milestone_keeps_bounded_memory_however_many_runs() {
        // Before, a check kept one time per run and milestone (a 33 MB file
        // of milestones over 10^6 runs ran out of memory). Now a sketch per
        // milestone: a time of t ms goes to the bin of about ln t / ln g,
        // g = 1.01 / 0.99 (ln g = 0.0200007), so times of 1 ms to 10^6 ms
        // (16m40s) span at most 13.8155 / 0.0200007 + 1 = 691 bins, for
        // 10^3 runs as for 10^6.
        let end = SimTime::from(SimDuration::from_days(1));
        let at = |ms: u64| Some(SimTime::from(SimDuration::from_millis(ms)));
        let (mut few, mut many) = (Tally::new(2), Tally::new(2));
        for run in 1..=1_000_000u64 {
            for tally in if run % 1000 == 0 { vec![&mut few, &mut many] } else { vec![&mut many] } {
                tally.add(0, at(run), end);
                // The other milestone: never reached in odd runs (counted
                // at the end of the run, 1 day), else at 1 h.
                tally.add(1, if run % 2 == 0 { at(3_600_000) } else { None }, end);
            }
        }
        // Milestone 1 takes two bins (1 h, 1 d).
        assert!(many.stored() <= 691 + 2, "{}", many.stored());
        assert!(few.stored() <= 691 + 2, "{}", few.stored());
        assert_eq!((many.not_reached[1], few.not_reached[1]), (500_000, 0));
        // Ten years of milliseconds (3.1536e11) at most: 26.477 / 0.0200007
        // + 1 = 1,324 bins, the bound MAX_MILESTONES is sized by.
        let mut spread = Tally::new(1);
        let mut t = 1u64;
        while t <= MAX_HORIZON.as_millis() {
            spread.add(0, at(t), end);
            t = t + t / 100 + 1;
        }
        assert!(spread.stored() <= 1324, "{}", spread.stored());
        // The median stays within the sketch's 1%: rank round(999,999 / 2)
        // = 500,000 of 1..=10^6 holds 500,001 ms.
        let median = many.times[0].quantile(0.5);
        assert!((median - 500_001.0).abs() <= 0.01 * 500_001.0, "{median}");
    }

    #[test]
    fn measure_faults_name_the_value() {
        let faults = |m: Measure| m.faults().into_iter().map(|(_, f)| f).collect::<Vec<_>>();
        assert_eq!(
            faults(Measure::Serving { service: "web".into(), fraction: f64::NAN }),
            ["Serving: fraction must be in (0, 1], not NaN"]
        );
        assert_eq!(
            faults(Measure::NthServing { services: vec!["a".into(), "a".into()], n: 3 }),
            ["NthServing: 'a' is listed twice", "NthServing: n must be between 1 and the 2 services, not 3"]
        );
        assert_eq!(
            faults(Measure::ServersWorking { pools: vec![], servers: 0 }),
            ["ServersWorking: names no pools", "ServersWorking: servers must be at least 1"]
        );
        assert!(faults(Measure::FullRecovery("web".into())).is_empty());
    }
}
