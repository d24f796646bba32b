//! Disasters as data: the hazards a run replays, resolved to component ids.
//!
//! What each hazard *does* during a run is the engine's (`engine::hazards`);
//! how it is written in a file is the scenario format's
//! ([`HazardSpec`](crate::scenario::spec::HazardSpec)).

use serde::{Deserialize, Serialize};

use super::{ComponentId, Work};
use crate::dist::Dist;
use crate::time::SimDuration;

/// A named set of hazards on a shared clock.
#[derive(Clone, Debug)]
pub struct Disaster {
    pub(crate) name: String,
    /// Shared by the disasters a site-loss template expands to.
    pub(crate) description: std::sync::Arc<str>,
    pub(crate) hazards: Vec<Hazard>,
    /// For a disaster expanded from a site-loss template: the template's name.
    pub(crate) group: Option<std::sync::Arc<str>>,
}

impl Disaster {
    /// No hazards at all: only random failures happen.
    pub(crate) fn quiet() -> Disaster {
        Disaster {
            name: "none".into(),
            description: "no disaster: random failures only".into(),
            hazards: Vec::new(),
            group: None,
        }
    }

    /// Its unique name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// What happens, in words.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The site-loss template it was expanded from ("lose-one-site" for
    /// "lose-one-site: pangyo"), if any.
    pub fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }

    /// Whether `name` selects this disaster: its own name or its group's.
    pub fn is_named(&self, name: &str) -> bool {
        self.name == name || self.group.as_deref() == Some(name)
    }

    /// How many hazards it has.
    pub fn hazard_count(&self) -> usize {
        self.hazards.len()
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Hazard {
    Fire(Box<Fire>),
    /// A scripted outage of one element (also each element a common cause
    /// hits, labelled with its name).
    Outage {
        target: ComponentId,
        at: SimDuration,
        delay: Option<Dist>,
        duration: Option<Dist>,
        /// The chance that it happens at all in a run.
        probability: f64,
        /// The common cause it belongs to, if any.
        cause: Option<std::sync::Arc<str>>,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Fire {
    pub(crate) room: ComponentId,
    /// Every room of the fire's site, for a site-wide power cut (shared
    /// by the fires of one site).
    pub(crate) site_rooms: std::sync::Arc<[ComponentId]>,
    pub(crate) at: SimDuration,
    /// A random wait after `at` before ignition.
    pub(crate) delay: Option<Dist>,
    pub(crate) fuel: Fuel,
    pub(crate) damage_after: Dist,
    pub(crate) spread: Option<(Dist, f64)>,
    pub(crate) power_cut: Option<(CutScope, Dist)>,
    pub(crate) extinguished_after: Dist,
    pub(crate) inspection: Dist,
    pub(crate) stages: Vec<Stage>,
    /// Rooms cut that are never re-energised.
    pub(crate) never: Vec<ComponentId>,
}

/// A restoration stage, validated.
#[derive(Clone, Debug)]
pub(crate) struct Stage {
    pub(crate) rooms: Vec<ComponentId>,
    /// From the previous stage.
    pub(crate) after: Dist,
    /// Not before this, from t0.
    pub(crate) at: Option<Dist>,
    /// What must work before it goes ahead.
    pub(crate) waits_for: Vec<ComponentId>,
}

/// What burns in a fire, which decides whether gas suppression can work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fuel {
    /// Cables, furniture, electronics: gas suppression works as rated.
    #[default]
    Ordinary,
    /// Lithium-ion cells in thermal runaway: gas suppression cannot work.
    LithiumBattery,
}

/// The reach of an authority power cut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CutScope {
    /// The rooms burning or burnt at the time of the cut.
    #[default]
    BurningRooms,
    /// Every room of the site.
    Site,
}

/// How the equipment a fire destroyed in a room is replaced, resolved.
#[derive(Clone, Debug, Default)]
pub(crate) enum Replacement {
    /// Not within the run.
    #[default]
    Never,
    /// When a restoration stage (or the inspection) re-energises the room.
    AtRestoration,
    /// This long after the fire is out.
    After(Dist),
    /// Ordered when the fire is out, delivered after `lead_time`, then
    /// installed by an engineer.
    Work { lead_time: Dist, work: Work },
}
