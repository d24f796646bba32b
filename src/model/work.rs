//! Recovery as data: teams, manual work, failover, scale-out, restarts and
//! surges, resolved to ids. What the engine does with them is described in
//! [`recovery`](crate::recovery).

use super::ServiceId;
use crate::dist::Dist;
use crate::time::SimDuration;

/// A team, validated.
#[derive(Clone, Debug)]
pub(crate) struct TeamDef {
    pub(crate) name: String,
    pub(crate) engineers: u32,
    pub(crate) on_call: u32,
    pub(crate) arrival: Dist,
    pub(crate) shifts: Option<Shifts>,
    pub(crate) called: TeamCall,
    /// Engineers who join `after` the call-out (numbered after the others).
    pub(crate) escalation: Option<(Dist, u32)>,
}

impl TeamDef {
    /// Engineers in all, escalation included.
    pub(crate) fn total_engineers(&self) -> u32 {
        self.engineers + self.escalation.as_ref().map_or(0, |(_, n)| *n)
    }
}

/// When a team is called out, validated.
#[derive(Clone, Debug, Default)]
pub(crate) enum TeamCall {
    #[default]
    FirstImpact,
    At(Dist),
    /// Once every one of these works.
    When(Vec<super::ComponentId>),
}

/// A team's rota, validated.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shifts {
    pub(crate) work: SimDuration,
    pub(crate) rest: SimDuration,
    /// Engineers spread evenly over the work-and-rest cycle.
    pub(crate) staggered: bool,
}

/// A piece of manual work, validated.
#[derive(Clone, Debug)]
pub(crate) struct Work {
    /// The team whose engineer does it; `None`: no engineer needed.
    pub(crate) team: Option<u16>,
    /// Waiting before it can start, no one busy.
    pub(crate) wait: Option<Dist>,
    pub(crate) duration: Dist,
    pub(crate) requires: Vec<ServiceId>,
    /// Duration when a requirement is down; `None`: wait.
    pub(crate) fallback: Option<Dist>,
}

#[derive(Clone, Debug)]
pub(crate) enum FailoverDef {
    Automatic { detection: Dist, switch: Dist, requires: Vec<ServiceId>, otherwise: Option<Work> },
    Manual(Work),
}

#[derive(Clone, Debug)]
pub(crate) struct ScaleOutDef {
    /// Servers added by one step.
    pub(crate) step: u64,
    /// One step's work (its duration is step / rate).
    pub(crate) work: Work,
}

#[derive(Clone, Debug)]
pub(crate) struct SurgeDef {
    pub(crate) factor: f64,
    pub(crate) duration: Dist,
}

/// What a service needs to recover, validated.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServiceRecovery {
    pub(crate) failover: Option<FailoverDef>,
    pub(crate) scale_out: Option<ScaleOutDef>,
    pub(crate) restart: Option<Work>,
    pub(crate) surge: Option<SurgeDef>,
    /// Replication lag at failover; `None` for synchronous replication.
    pub(crate) lag: Option<Dist>,
    /// Rebuilding capacity on its `Rebuild` deployments.
    pub(crate) rebuild: Option<Work>,
    /// Its data lives on its servers.
    pub(crate) stateful: bool,
    /// Its backup: the age of the last one, and the restore (work that
    /// needs no engineer, taking size / speed).
    pub(crate) backup: Option<(Dist, Work)>,
}

impl ServiceRecovery {
    /// Every service some recovery work of this service requires.
    pub(crate) fn requirements(&self) -> Vec<ServiceId> {
        let mut out = Vec::new();
        match &self.failover {
            Some(FailoverDef::Automatic { requires, otherwise, .. }) => {
                out.extend(requires);
                out.extend(otherwise.iter().flat_map(|w| &w.requires));
            }
            Some(FailoverDef::Manual(w)) => out.extend(&w.requires),
            None => {}
        }
        out.extend(self.scale_out.iter().flat_map(|s| &s.work.requires));
        out.extend(self.restart.iter().flat_map(|w| &w.requires));
        out.extend(self.rebuild.iter().flat_map(|w| &w.requires));
        out
    }
}

/// A cold-start procedure for a hard-dependency cycle, validated.
#[derive(Clone, Debug)]
pub(crate) struct Bootstrap {
    /// The services it starts, in id order (all in one dependency cycle).
    pub(crate) services: Vec<ServiceId>,
    pub(crate) work: Work,
}

/// Manual restart of a pool, validated.
#[derive(Clone, Debug)]
pub(crate) struct PoolRestart {
    pub(crate) batch: u64,
    pub(crate) work: Work,
}

/// Which waiting action a built-in policy gives the next free engineer
/// (see [`recovery`](crate::recovery)), resolved to ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecoveryOrder {
    /// The most important service first (priority 1 before 2).
    #[default]
    ByPriority,
    /// The work that restores the most users first.
    ByUsers,
    /// What other impaired services need first.
    ByDependencyOrder,
    /// Services in this order; unlisted ones last, by priority.
    Explicit(Vec<ServiceId>),
}
