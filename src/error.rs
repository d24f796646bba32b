//! One error type for the whole crate, so that code which loads, runs and
//! studies scenarios can use `?` throughout. Each variant wraps the error of
//! one part of the crate, whose own type says exactly what went wrong.
//!
//! ```
//! fn downtime_of_web() -> Result<outage::SimDuration, outage::Error> {
//!     let scenario = outage::Scenario::from_path("scenarios/minimal.ron")?;
//!     let report = outage::Simulation::new(&scenario, None)?.run(&outage::RunOptions::default())?;
//!     Ok(report.service("web").map_or(outage::SimDuration::ZERO, |s| s.downtime))
//! }
//! assert!(downtime_of_web()? > outage::SimDuration::ZERO);
//! # Ok::<(), outage::Error>(())
//! ```

use crate::engine::RunError;
use crate::milestones::CheckError;
use crate::objective::AmountError;
use crate::scenario::ScenarioError;
use crate::study::{StudyError, SummaryError};
use crate::time::DurationParseError;

/// Any error of the crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scenario could not be read or is invalid (every problem is listed).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A run could not be done.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A study or check could not be done.
    #[error(transparent)]
    Study(#[from] StudyError),
    /// A study summary could not be read or merged.
    #[error(transparent)]
    Summary(#[from] SummaryError),
    /// A milestones check could not be done.
    #[error(transparent)]
    Milestones(#[from] CheckError),
    /// A duration could not be read.
    #[error(transparent)]
    Duration(#[from] DurationParseError),
    /// An amount does not suit its metric.
    #[error(transparent)]
    Amount(#[from] AmountError),
}
