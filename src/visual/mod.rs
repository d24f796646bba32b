//! The visual report: one self-contained HTML page (no fetch from the
//! network; it opens from disk) with a run's timeline, downtime
//! distributions over many runs, and, when asked, the comparison, sweep and
//! tornado charts and the model as a picture. Charts are SVG drawn with
//! plotters.
//!
//! ```
//! use outage::{visual::Report, Scenario};
//! let scenario = Scenario::from_path("scenarios/minimal.ron")?;
//! let page = Report::new(&scenario).runs(50).build()?;
//! assert!(page.contains("id=\"timeline\"") && page.contains("id=\"downtime-cdf\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod charts;

use crate::engine::{RunError, RunOptions, Simulation};
use crate::scenario::Scenario;
use crate::study::{Compare, SensitivityReport, StudyError, SweepReport};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A run failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A study failed.
    #[error(transparent)]
    Study(#[from] StudyError),
    /// A chart could not be drawn.
    #[error("{0}")]
    Chart(String),
}

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A rendered report: the page and what is on it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Page {
    /// The self-contained HTML page.
    pub html: String,
    /// The `id` of every chart's `<svg>` on the page, in page order
    /// (`timeline`, `downtime-cdf`, then `comparison`, `sweep`, `tornado`
    /// and `model` when they were asked for).
    pub charts: Vec<&'static str>,
}

/// A visual report of a scenario, builder style.
pub struct Report<'s> {
    scenario: &'s Scenario,
    disaster: Option<String>,
    seed: u64,
    runs: u64,
    variants: Vec<(String, Scenario)>,
    sweep: Option<SweepReport>,
    tornado: Option<SensitivityReport>,
    model_svg: Option<String>,
}

impl<'s> Report<'s> {
    /// A report of `scenario`'s first disaster: run 0 of seed 0 for the
    /// timeline, 200 runs for the distributions.
    pub fn new(scenario: &'s Scenario) -> Self {
        Report {
            scenario,
            disaster: None,
            seed: 0,
            runs: 200,
            variants: Vec::new(),
            sweep: None,
            tornado: None,
            model_svg: None,
        }
    }

    /// The disaster shown (default: the scenario's first).
    #[must_use]
    pub fn disaster(mut self, name: impl Into<String>) -> Self {
        self.disaster = Some(name.into());
        self
    }

    /// The seed of the runs.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Runs for the distributions and the comparison.
    #[must_use]
    pub fn runs(mut self, runs: u64) -> Self {
        self.runs = runs;
        self
    }

    /// Variants to compare with the scenario (a chart of paired differences).
    #[must_use]
    pub fn variant(mut self, name: impl Into<String>, scenario: Scenario) -> Self {
        self.variants.push((name.into(), scenario));
        self
    }

    /// A sweep to chart.
    #[must_use]
    pub fn sweep(mut self, report: SweepReport) -> Self {
        self.sweep = Some(report);
        self
    }

    /// A tornado to chart.
    #[must_use]
    pub fn tornado(mut self, report: SensitivityReport) -> Self {
        self.tornado = Some(report);
        self
    }

    /// The model drawn as SVG (for example `outage graph` through Graphviz).
    #[must_use]
    pub fn model_svg(mut self, svg: String) -> Self {
        self.model_svg = Some(svg);
        self
    }

    /// The page, as HTML.
    ///
    /// # Errors
    /// No runs, an unknown disaster, a failed run or study, or a chart
    /// that cannot be drawn.
    pub fn build(&self) -> Result<String, ReportError> {
        self.render().map(|page| page.html)
    }

    /// The page, with the ids of the charts on it.
    ///
    /// # Errors
    /// As [`Report::build`].
    pub fn render(&self) -> Result<Page, ReportError> {
        let chart = |r: Result<String, String>| r.map_err(ReportError::Chart);
        crate::study::check_runs(self.runs).map_err(StudyError::from)?;
        let mut sim = Simulation::new(self.scenario, self.disaster.as_deref())?;
        let disaster = sim.disaster().name().to_owned();
        let replay = sim.run(&RunOptions::default().seed(self.seed))?;
        // Downtime of the services with the most users (and the one listed
        // first, if none has users), over many runs.
        let mut order: Vec<usize> = (0..replay.services.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(replay.services[i].users));
        order.truncate(8);
        let mut series: Vec<(String, Vec<f64>)> =
            order.iter().map(|&i| (replay.services[i].name.clone(), Vec::new())).collect();
        let options = RunOptions::default().seed(self.seed).timeline(false);
        for run in 0..self.runs {
            let report = sim.run(&RunOptions { run, ..options.clone() })?;
            for (k, &i) in order.iter().enumerate() {
                series[k].1.push(report.services[i].downtime.as_hours_f64());
            }
        }
        let mut sections = vec![
            (
                "Timeline of one run",
                format!(
                    "<p>Run 0 of seed {} of disaster <b>{}</b>: each service up (green), degraded (orange) or down (red); \
                     grey lines mark fire and power events, blue ones restorations and replacements.</p>{}",
                    self.seed,
                    escape(&disaster),
                    chart(charts::gantt(&replay))?
                ),
            ),
            (
                "Downtime over many runs",
                format!(
                    "<p>{} runs of the same disaster; the services with the most users.</p>{}",
                    self.runs,
                    chart(charts::downtime_cdf(&series))?
                ),
            ),
        ];
        if !self.variants.is_empty() {
            let mut compare = Compare::new(self.scenario).runs(self.runs).seed(self.seed);
            for (name, v) in &self.variants {
                compare = compare.variant(name.clone(), v);
            }
            let report = compare.run()?;
            let service = order.first().map_or(String::new(), |&i| replay.services[i].name.clone());
            sections.push((
                "What the variants change",
                format!(
                    "<p>Paired runs (common random numbers); bars in blue where the 95% interval excludes zero.</p>{}",
                    chart(charts::comparison(&report, &disaster, &service))?
                ),
            ));
        }
        if let Some(sweep) = &self.sweep {
            let service = order.first().map_or(String::new(), |&i| replay.services[i].name.clone());
            sections.push(("Sweep", chart(charts::sweep(sweep, &disaster, &service))?));
        }
        if let Some(tornado) = &self.tornado {
            sections.push(("Sensitivity", chart(charts::tornado(tornado))?));
        }
        if let Some(svg) = &self.model_svg {
            sections.push(("The model", svg.replacen("<svg ", "<svg id=\"model\" ", 1)));
        }
        let mut charts = vec!["timeline", "downtime-cdf"];
        charts.extend(self.variants.first().map(|_| "comparison"));
        charts.extend(self.sweep.as_ref().map(|_| "sweep"));
        charts.extend(self.tornado.as_ref().map(|_| "tornado"));
        charts.extend(self.model_svg.as_ref().map(|_| "model"));
        Ok(Page { html: page(self.scenario.name(), self.scenario.description(), &sections), charts })
    }
}

/// One self-contained page: inline style, inline SVG, nothing fetched.
fn page(title: &str, description: &str, sections: &[(&str, String)]) -> String {
    let mut body = String::new();
    for (heading, html) in sections {
        body.push_str(&format!("<section><h2>{}</h2>\n{html}\n</section>\n", escape(heading)));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t} - outage report</title>\n\
         <style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}}\
         section{{margin:2em 0}}svg{{max-width:100%;height:auto;border:1px solid #ddd}}h1{{font-size:1.6em}}</style>\n\
         </head>\n<body>\n<h1>{t}</h1>\n<p>{d}</p>\n{body}</body>\n</html>\n",
        t = escape(title),
        d = escape(description)
    )
}
