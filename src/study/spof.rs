//! Single points of failure: every element failed alone, ranked by the user
//! impact its loss causes.
//!
//! Each element (site, room, power component, cooling unit, pool, link,
//! service) is taken out on its own, at `at` for `duration`, in `runs`
//! seeded runs; each run is paired with the same run of the scenario with no
//! disaster (random failures only), so what is reported is the loss's own
//! effect: the mean user-hours lost beyond the quiet run, the services it
//! takes down (down longer than in the quiet run, in most runs), and those
//! it only degrades (down or degraded longer, in most runs: a lost soft
//! dependency, a pool short of servers).
//!
//! Some elements take nothing down when lost alone yet decide how long a
//! disaster lasts: the tooling a failover needs, a traffic switch. These
//! single points of *recovery* are found with [`Spof::during`]: each
//! element is spared in turn in that disaster (nothing harms it, it needs
//! none of its inputs; a spared service serves fully) and ranked by the
//! user-hours sparing it saves, its own downtime not counted; the services
//! it holds down or degraded are those down (or down or degraded) longer
//! than with it spared, in most runs.
//!
//! ```
//! use outage::{study::Spof, Scenario};
//! let scenario = Scenario::from_path("scenarios/minimal.ron")?;
//! let report = Spof::new(&scenario).runs(10).run()?;
//! // db is what web needs: losing it takes both down.
//! let db = report.rows.iter().find(|r| r.element == "db").unwrap();
//! assert_eq!(db.services_down, ["web", "db"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rayon::prelude::*;
use serde::Serialize;

use super::run::pool;
use super::{SettingsError, StudyError};
use crate::dist::Dist;
use crate::engine::{Numbers, RunError, RunOptions, Simulation};
use crate::model::{ComponentId, Disaster, Hazard};
use crate::scenario::Scenario;
use crate::time::SimDuration;

/// A single-point-of-failure analysis, builder style.
#[derive(Clone)]
pub struct Spof<'s> {
    scenario: &'s Scenario,
    at: SimDuration,
    duration: SimDuration,
    runs: u64,
    seed: u64,
    threads: Option<usize>,
    during: Option<String>,
    services_only: bool,
}

impl<'s> Spof<'s> {
    /// Every element lost at 1h for 4h, 20 paired runs each, seed 0.
    pub fn new(scenario: &'s Scenario) -> Self {
        Spof {
            scenario,
            at: SimDuration::from_hours(1),
            duration: SimDuration::from_hours(4),
            runs: 20,
            seed: 0,
            threads: None,
            during: None,
            services_only: false,
        }
    }

    /// Single points of *recovery* instead: during this disaster, each
    /// element in turn is spared (nothing harms it, it needs none of its
    /// inputs; see [`Simulation::spare`]), and the elements are ranked by
    /// how much sparing them saves: what their fragility costs in that
    /// disaster. The operations tooling a recovery needs ranks high here
    /// though its loss alone takes nothing down.
    #[must_use]
    pub fn during(mut self, disaster: impl Into<String>) -> Self {
        self.during = Some(disaster.into());
        self
    }

    /// Only services are tried, not the buildings, power and servers under
    /// them: which pieces of software are single points.
    #[must_use]
    pub fn services_only(mut self, services_only: bool) -> Self {
        self.services_only = services_only;
        self
    }

    /// How long each element is lost.
    #[must_use]
    pub fn duration(mut self, duration: SimDuration) -> Self {
        self.duration = duration;
        self
    }

    /// When the loss starts (from t0).
    #[must_use]
    pub fn at(mut self, at: SimDuration) -> Self {
        self.at = at;
        self
    }

    /// Paired runs per element.
    #[must_use]
    pub fn runs(mut self, runs: u64) -> Self {
        self.runs = runs;
        self
    }

    /// The seed.
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

    /// Runs the analysis: rows ranked by user-hours lost, most first (ties
    /// by services taken down, then by name).
    ///
    /// # Errors
    /// No runs, a zero duration, a failed run, or threads that cannot start.
    pub fn run(&self) -> Result<SpofReport, StudyError> {
        super::check_runs(self.runs)?;
        if self.duration.is_zero() && self.during.is_none() {
            return Err(SettingsError::ZeroDuration("each element's loss").into());
        }
        let model = self.scenario.model();
        let options = RunOptions::default().seed(self.seed).timeline(false);
        // The runs every element's are paired with: a quiet day, or the
        // disaster it is spared in.
        let quiet = Disaster::quiet();
        let during = match &self.during {
            Some(name) => Some(Simulation::new(self.scenario, Some(name))?.disaster()),
            None => None,
        };
        let mut baseline = Vec::with_capacity(self.runs as usize);
        {
            let mut sim = Simulation::for_disaster(self.scenario, during.unwrap_or(&quiet));
            for run in 0..self.runs {
                let mut numbers = Vec::new();
                sim.run_numbers(&RunOptions { run, ..options.clone() }, &mut numbers)?;
                baseline.push(numbers);
            }
        }
        let elements: Vec<ComponentId> = match self.services_only {
            true => model.services().iter().map(|s| s.component()).collect(),
            false => (0..model.components().len() as u32).map(ComponentId).collect(),
        };
        let work = || {
            elements
                .par_iter()
                .map(|&c| self.one(c, during, &baseline, &options))
                .collect::<Result<Vec<SpofRow>, RunError>>()
        };
        let mut rows = match self.threads {
            Some(threads) => pool(threads)?.install(work)?,
            None => work()?,
        };
        rows.sort_by(|a, b| {
            b.user_hours_lost
                .total_cmp(&a.user_hours_lost)
                .then(b.services_down.len().cmp(&a.services_down.len()))
                .then(b.services_degraded.len().cmp(&a.services_degraded.len()))
                .then(a.element.cmp(&b.element))
        });
        Ok(SpofReport {
            during: during.map(|d| d.name().to_owned()),
            at: self.at,
            duration: self.duration,
            runs: self.runs,
            seed: self.seed,
            rows,
        })
    }

    /// One element: lost on a quiet day, or spared during the disaster;
    /// paired with the baseline runs either way.
    fn one(
        &self,
        c: ComponentId,
        during: Option<&Disaster>,
        baseline: &[Vec<Numbers>],
        options: &RunOptions,
    ) -> Result<SpofRow, RunError> {
        let model = self.scenario.model();
        let component = model.component(c);
        let lose_alone;
        let mut sim = match during {
            Some(disaster) => Simulation::for_disaster(self.scenario, disaster).spare(c),
            None => {
                lose_alone = Disaster {
                    name: format!("lose {}", component.name()),
                    description: "".into(),
                    hazards: vec![Hazard::Outage {
                        target: c,
                        at: self.at,
                        delay: None,
                        duration: Some(Dist::Fixed(self.duration)),
                        probability: 1.0,
                        cause: None,
                    }],
                    group: None,
                };
                Simulation::for_disaster(self.scenario, &lose_alone)
            }
        };
        let services = model.services();
        let mut lost = 0.0;
        // Per service: runs down longer, and runs impaired (down or
        // degraded) longer, with the element fragile than spared.
        let mut worse = vec![0u64; services.len()];
        let mut impaired = vec![0u64; services.len()];
        let mut numbers = Vec::new();
        for run in 0..self.runs {
            sim.run_numbers(&RunOptions { run, ..options.clone() }, &mut numbers)?;
            for (s, (n, q)) in numbers.iter().zip(&baseline[run as usize]).enumerate() {
                // A spared service trivially saves its own downtime: what
                // ranks it is what it holds down around it.
                if during.is_some() && services[s].component() == c {
                    continue;
                }
                // The element's own cost: the harm with it fragile (lost
                // alone, or as in the disaster) beyond the harm without.
                let (fragile, spared) = if during.is_some() { (q, n) } else { (n, q) };
                lost += fragile.user_hours_lost - spared.user_hours_lost;
                let down_longer = fragile.downtime > spared.downtime;
                let impaired_time = |n: &Numbers| n.downtime.saturating_add(n.degraded);
                worse[s] += u64::from(down_longer);
                impaired[s] += u64::from(down_longer || impaired_time(fragile) > impaired_time(spared));
            }
        }
        let most = |runs: u64| 2 * runs > self.runs;
        let named = |keep: &dyn Fn(usize) -> bool| {
            (0..services.len()).filter(|&s| keep(s)).map(|s| services[s].name().to_owned()).collect()
        };
        Ok(SpofRow {
            element: component.name().to_owned(),
            kind: component.kind().noun(),
            user_hours_lost: lost / self.runs as f64,
            services_down: named(&|s| most(worse[s])),
            services_degraded: named(&|s| !most(worse[s]) && most(impaired[s])),
        })
    }
}

/// One element lost alone.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SpofRow {
    /// The element.
    pub element: String,
    /// What it is ("UPS", "service", ...).
    pub kind: &'static str,
    /// Mean user-hours its loss costs: lost alone, the user-hours lost
    /// beyond the paired quiet run; with [`SpofReport::during`], the
    /// user-hours sparing it would save in that disaster.
    pub user_hours_lost: f64,
    /// The services it takes down (down longer than in the quiet run), or,
    /// with `during`, holds down (down longer than with it spared), in most
    /// runs; in scenario order.
    pub services_down: Vec<String>,
    /// The services it degrades but does not take down: down or degraded
    /// longer than in the quiet run (with `during`, than with it spared) in
    /// most runs, but not down longer in most; in scenario order. A lost
    /// soft dependency, or a pool short of servers, degrades.
    pub services_degraded: Vec<String>,
}

/// Every element lost alone, most harmful first.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SpofReport {
    /// The disaster each element was spared in (single points of
    /// recovery), or `None` when each was lost alone on a quiet day; `at`
    /// and `duration` apply only then.
    pub during: Option<String>,
    /// When each loss started.
    pub at: SimDuration,
    /// How long it lasted.
    pub duration: SimDuration,
    /// Paired runs per element.
    pub runs: u64,
    /// The seed.
    pub seed: u64,
    /// One row per element, most harmful first.
    pub rows: Vec<SpofRow>,
}

impl SpofReport {
    /// The report as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    /// A table of the `top` most harmful elements that harm anything.
    pub fn to_table(&self, top: usize) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let holds = match &self.during {
            None => {
                let _ = writeln!(
                    out,
                    "single points of failure - each element lost alone at {} for {}, {} paired runs, seed {}",
                    self.at, self.duration, self.runs, self.seed
                );
                "takes down; degrades"
            }
            Some(disaster) => {
                let _ = writeln!(
                    out,
                    "single points of recovery in '{disaster}' - each element spared in turn, {} paired runs, seed {}",
                    self.runs, self.seed
                );
                "holds down; degraded"
            }
        };
        let _ = writeln!(out, " {:>4}  {:<28} {:<14} {:>16}  {holds}", "rank", "element", "kind", "user-hours lost");
        let harms =
            |r: &&SpofRow| r.user_hours_lost > 0.0 || !r.services_down.is_empty() || !r.services_degraded.is_empty();
        for (k, r) in self.rows.iter().filter(harms).take(top).enumerate() {
            let down = match (r.services_down.is_empty(), r.services_degraded.is_empty()) {
                (true, true) => "-".to_owned(),
                (false, true) => r.services_down.join(", "),
                (true, false) => format!("degraded: {}", r.services_degraded.join(", ")),
                (false, false) => {
                    format!("{}; degraded: {}", r.services_down.join(", "), r.services_degraded.join(", "))
                }
            };
            let _ =
                writeln!(out, " {:>4}  {:<28} {:<14} {:>16.0}  {down}", k + 1, r.element, r.kind, r.user_hours_lost);
        }
        if self.rows.iter().filter(harms).take(top).any(|r| !r.services_degraded.is_empty()) {
            let than = if self.during.is_some() { "with it spared" } else { "without its loss" };
            let _ = writeln!(out, "degraded: down or degraded longer than {than} in most runs, though not down longer");
        }
        if self.during.is_none() {
            let _ = writeln!(
                out,
                "\nWhat a recovery needs but takes nothing down alone (tooling, a traffic switch) is a single point \
                 of recovery:\nrank those with --during <disaster> (each element spared in that disaster)."
            );
        }
        out
    }
}
