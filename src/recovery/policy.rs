//! Recovery policies: which waiting action gets the next free engineer.

use crate::model::{Model, RecoveryOrder, ServiceId, State};
use crate::time::SimTime;

/// What a piece of manual recovery work does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActionKind {
    /// Restart one batch of a pool's servers after power returns.
    PoolRestart,
    /// Move a service's traffic to its standbys by hand.
    Failover,
    /// Add servers to a service's standbys.
    ScaleOut,
    /// Bring a service back up once its servers are back.
    ServiceRestart,
    /// Install new equipment in a room a fire burnt.
    Replacement,
    /// Start services that hard-depend on each other together, from cold.
    Bootstrap,
    /// Rebuild a service's capacity elsewhere after fire destroyed it.
    Rebuild,
    /// Restore a service's data from its backup.
    DataRestore,
}

impl ActionKind {
    /// A lowercase noun for reports ("pool restart").
    pub fn noun(self) -> &'static str {
        match self {
            ActionKind::PoolRestart => "pool restart",
            ActionKind::Failover => "manual failover",
            ActionKind::ScaleOut => "scale-out",
            ActionKind::ServiceRestart => "service restart",
            ActionKind::Replacement => "equipment replacement",
            ActionKind::Bootstrap => "bootstrap",
            ActionKind::Rebuild => "rebuild",
            ActionKind::DataRestore => "data restore from backup",
        }
    }
}

/// A waiting action, as a policy sees it.
#[derive(Clone, Copy, Debug)]
pub struct ActionInfo<'a> {
    /// What it does.
    pub kind: ActionKind,
    /// The services it brings back (for a pool restart: those deployed on the
    /// pool; for a replacement: those deployed on the pools in the room).
    pub services: &'a [ServiceId],
    /// When it was queued.
    pub queued_at: SimTime,
}

/// The state of the run, as a policy sees it.
#[derive(Clone, Copy, Debug)]
pub struct RecoveryView<'a> {
    pub(crate) model: &'a Model,
    pub(crate) states: &'a [State],
}

impl<'a> RecoveryView<'a> {
    /// The model.
    pub fn model(&self) -> &'a Model {
        self.model
    }

    /// A service's current state.
    pub fn state(&self, s: ServiceId) -> State {
        self.states[s.index()]
    }

    /// How many services that need `s` (as a dependency or for their
    /// recovery work), directly or not, are not up right now.
    pub fn impaired_dependants(&self, s: ServiceId) -> usize {
        self.model.transitive_dependants(s).iter().filter(|d| self.states[d.index()] != State::Up).count()
    }

    /// The users `s` affects (see [`Model::users_affected`]).
    pub fn users_affected(&self, s: ServiceId) -> u64 {
        self.model.users_affected(s)
    }
}

/// Orders waiting recovery actions: the lowest rank goes first; ties go to
/// the action queued first.
///
/// # Examples
/// A policy that restores the service with the longest name first (a toy):
/// ```
/// use outage::recovery::{ActionInfo, RecoveryPolicy, RecoveryView};
/// struct LongestName;
/// impl RecoveryPolicy for LongestName {
///     fn rank(&self, action: &ActionInfo<'_>, view: &RecoveryView<'_>) -> i64 {
///         let longest = action.services.iter().map(|s| view.model().service(*s).name().len()).max();
///         -(longest.unwrap_or(0) as i64)
///     }
/// }
/// ```
/// Pass it to [`Simulation::with_policy`](crate::Simulation::with_policy).
pub trait RecoveryPolicy: Send + Sync {
    /// The action's rank; lower goes first.
    fn rank(&self, action: &ActionInfo<'_>, view: &RecoveryView<'_>) -> i64;

    /// Whether ranks depend on the state of the run, so that waiting actions
    /// must be re-ranked whenever a service changes state.
    fn is_dynamic(&self) -> bool {
        false
    }
}

/// The most important service first (priority 1 before 2).
#[derive(Clone, Copy, Debug, Default)]
pub struct ByPriority;

impl RecoveryPolicy for ByPriority {
    fn rank(&self, action: &ActionInfo<'_>, view: &RecoveryView<'_>) -> i64 {
        action.services.iter().map(|s| i64::from(view.model.service(*s).priority())).min().unwrap_or(i64::MAX)
    }
}

/// The work that restores the most users first, counting for each service
/// the users it affects: its own and those of the services that depend on it
/// (so login, with no users of its own, ranks with the apps that need it; see
/// [`Model::users_affected`]). Kakao's stated policy in 2022.
#[derive(Clone, Copy, Debug, Default)]
pub struct ByUsers;

impl RecoveryPolicy for ByUsers {
    fn rank(&self, action: &ActionInfo<'_>, view: &RecoveryView<'_>) -> i64 {
        let users: u64 = action.services.iter().map(|s| view.users_affected(*s)).max().unwrap_or(0);
        -(users.min(i64::MAX as u64) as i64)
    }
}

/// What other impaired services need first: the action whose services the
/// most impaired services depend on (directly or not) goes first; then the
/// most important. Ranks change as services come back.
#[derive(Clone, Copy, Debug, Default)]
pub struct ByDependencyOrder;

impl RecoveryPolicy for ByDependencyOrder {
    fn rank(&self, action: &ActionInfo<'_>, view: &RecoveryView<'_>) -> i64 {
        let needed = action.services.iter().map(|s| view.impaired_dependants(*s)).max().unwrap_or(0) as i64;
        let priority = ByPriority.rank(action, view).min(1 << 20);
        -needed * (1 << 21) + priority
    }

    fn is_dynamic(&self) -> bool {
        true
    }
}

/// Services in a given order; unlisted ones last, by priority.
#[derive(Clone, Debug, Default)]
pub struct ExplicitOrder(pub Vec<ServiceId>);

impl RecoveryPolicy for ExplicitOrder {
    fn rank(&self, action: &ActionInfo<'_>, view: &RecoveryView<'_>) -> i64 {
        let position =
            action.services.iter().filter_map(|s| self.0.iter().position(|x| x == s)).min().unwrap_or(self.0.len())
                as i64;
        position * (1 << 21) + ByPriority.rank(action, view).min(1 << 20)
    }
}

/// The built-in policy for an order (a scenario's is
/// [`Model::recovery_order`]).
pub fn builtin_policy(order: &RecoveryOrder) -> Box<dyn RecoveryPolicy> {
    match order {
        RecoveryOrder::ByPriority => Box::new(ByPriority),
        RecoveryOrder::ByUsers => Box::new(ByUsers),
        RecoveryOrder::ByDependencyOrder => Box::new(ByDependencyOrder),
        RecoveryOrder::Explicit(order) => Box::new(ExplicitOrder(order.clone())),
    }
}
