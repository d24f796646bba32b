//! Running a study: every disaster's runs in one parallel pass, each split
//! of runs with its own simulator, folded into exact integer aggregates.

use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use super::aggregate::DisasterAgg;
use super::{MAX_THREADS, Study, StudyError};
use crate::engine::{Numbers, RunError, RunOptions, Simulation};
use crate::model::Disaster;

/// The fewest runs one worker takes at a time.
const MIN_RUNS_PER_SPLIT: usize = 32;

impl<'s> Study<'s> {
    /// Runs each job's range of runs of its disaster and aggregates each job,
    /// all in one parallel pass: a thread that finishes its share of one
    /// disaster takes runs of the next instead of waiting at a barrier.
    pub(crate) fn run_disasters(
        &self,
        jobs: &[(&'s Disaster, Range<u64>)],
        thresholds: &[Vec<u64>],
    ) -> Result<Vec<DisasterAgg>, StudyError> {
        let work = || {
            jobs.par_iter()
                .map(|(disaster, range)| self.run_disaster(disaster, range.clone(), thresholds))
                .collect::<Result<Vec<_>, RunError>>()
        };
        Ok(match self.threads {
            Some(threads) => pool(threads)?.install(work)?,
            None => work()?,
        })
    }

    /// Runs `range` of one disaster in parallel (on the current rayon pool)
    /// and aggregates it.
    fn run_disaster(
        &self,
        disaster: &'s Disaster,
        range: Range<u64>,
        thresholds: &[Vec<u64>],
    ) -> Result<DisasterAgg, RunError> {
        let services = self.scenario.model().services().len();
        let horizon = self.horizon_or_default();
        let options = RunOptions::default().seed(self.seed).timeline(false);
        let options = match self.horizon {
            Some(h) => options.horizon(h),
            None => options,
        };
        // Each split of the range builds a simulator and an aggregate, and the
        // aggregates are merged at the end: keep splits long enough for that
        // to be noise next to the runs themselves.
        let runs = usize::try_from(range.start).unwrap_or(usize::MAX)..usize::try_from(range.end).unwrap_or(usize::MAX);
        runs.into_par_iter()
            .with_min_len(MIN_RUNS_PER_SPLIT)
            .map(|run| run as u64)
            .try_fold(
                || {
                    (
                        DisasterAgg::new(services, thresholds, horizon),
                        Simulation::for_disaster(self.scenario, disaster),
                        Vec::new(),
                    )
                },
                |(mut agg, mut sim, mut numbers), run| {
                    let options = RunOptions { run, ..options.clone() };
                    let deadlocked = match self.each_run {
                        // The full report, for the caller's per-run rows.
                        Some(each) => {
                            let report = sim.run(&options)?;
                            each(disaster.name(), &report);
                            numbers.clear();
                            numbers.extend(report.services.iter().map(Numbers::from));
                            !report.deadlocks.is_empty()
                        }
                        None => sim.run_numbers(&options, &mut numbers)?,
                    };
                    agg.add(&numbers, deadlocked, horizon, thresholds);
                    if let Some(p) = self.progress {
                        p(1);
                    }
                    Ok::<_, RunError>((agg, sim, numbers))
                },
            )
            .map(|split| split.map(|(agg, _, _)| agg))
            .try_reduce(
                || DisasterAgg::new(services, thresholds, horizon),
                |mut a, b| {
                    a.merge(&b);
                    Ok(a)
                },
            )
    }
}

/// A thread pool of `threads` workers, built once and kept: building one per
/// study (a check runs one per batch) costs time, and the workers of a pool
/// just dropped still compete for the cores while they wind down.
pub(super) fn pool(threads: usize) -> Result<Arc<rayon::ThreadPool>, StudyError> {
    if threads > MAX_THREADS {
        return Err(StudyError::Threads { threads, message: format!("at most {MAX_THREADS} are allowed") });
    }
    /// Pools by their number of threads.
    type Pools = Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>>;
    static POOLS: OnceLock<Pools> = OnceLock::new();
    let mut pools = POOLS.get_or_init(|| Mutex::new(Vec::new())).lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, p)) = pools.iter().find(|(n, _)| *n == threads) {
        return Ok(Arc::clone(p));
    }
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| StudyError::Threads { threads, message: e.to_string() })?;
    let built = Arc::new(built);
    pools.push((threads, Arc::clone(&built)));
    Ok(built)
}
