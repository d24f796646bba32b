//! The kinds of things a model is made of, and the state they can be in.
//!
//! These types are shared with the scenario format (which reads them from
//! RON, hence the serde derives); the model owns them because the engine
//! acts on them.

use serde::{Deserialize, Serialize};

use crate::dist::Dist;
use crate::time::SimDuration;

/// The condition of a component or service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Working fully.
    Up,
    /// Working in part.
    Degraded,
    /// Not working.
    Down,
}

impl State {
    /// Lowercase name, as in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Up => "up",
            State::Degraded => "degraded",
            State::Down => "down",
        }
    }
}

/// What a room is for. Fire rules do not depend on it; it documents the
/// model and lets validation catch servers placed in a battery room.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoomKind {
    /// Switchgear, UPS units.
    Electrical,
    /// Battery racks (for UPS ride-through).
    Battery,
    /// Where servers live; the only kind that can hold pools.
    DataHall,
    /// Chillers, air handlers.
    Cooling,
    /// Meet-me rooms, core routers.
    Network,
    /// Anything else (generator yard, offices).
    #[default]
    Other,
}

/// A room's automatic fire suppression system.
///
/// Gas (clean-agent) systems cannot put out a lithium-ion battery fire:
/// against [`Fuel::LithiumBattery`](super::Fuel::LithiumBattery) their success probability is taken as
/// zero, whatever the scenario says. That is what happened at Pangyo in 2022.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Suppression {
    /// No suppression system.
    #[default]
    None,
    /// Clean-agent gas flooding.
    Gas {
        /// Chance it puts out an ordinary fire, in [0, 1].
        success_probability: f64,
        /// Time from the room catching fire to discharge.
        acts_after: SimDuration,
    },
    /// Sprinklers or water mist.
    Water {
        /// Chance it puts out the fire, in [0, 1].
        success_probability: f64,
        /// Time from the room catching fire to discharge.
        acts_after: SimDuration,
    },
}

/// Random failures of a component over time, for availability studies.
///
/// The clock runs in calendar time: a component fails after a draw from
/// `time_to_failure`, stays failed for a draw from `time_to_repair`, and
/// starts over, whatever happens around it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Failures")]
pub struct Failures {
    /// Time from a repair (or t0) to the next failure.
    pub time_to_failure: Dist,
    /// Time a failure lasts.
    pub time_to_repair: Dist,
}

/// What a deployment does before a failover.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Carries traffic.
    #[default]
    Active,
    /// Running and in sync: serves as soon as traffic is switched to it.
    HotStandby,
    /// Servers up, application stopped: serves `warmup` after the switch.
    WarmStandby,
    /// Hardware reserved, nothing running: serves `warmup` after the switch.
    ColdStandby,
    /// Nothing here yet: capacity rebuilt here by the service's `rebuild`
    /// once its active servers are destroyed by fire.
    Rebuild,
}

impl Role {
    /// Whether it waits for a failover (hot, warm or cold standby).
    pub fn is_standby(self) -> bool {
        matches!(self, Role::HotStandby | Role::WarmStandby | Role::ColdStandby)
    }
}
