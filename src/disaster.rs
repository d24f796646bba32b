//! Validated disasters: the hazards a run replays, resolved to component ids.

use crate::dist::Dist;
use crate::model::ComponentId;
use crate::scenario::spec::{CutScope, Fuel};
use crate::time::SimDuration;

/// A named set of hazards on a shared clock.
#[derive(Clone, Debug)]
pub struct Disaster {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) hazards: Vec<Hazard>,
}

impl Disaster {
    /// No hazards at all: only random failures happen.
    pub(crate) fn quiet() -> Disaster {
        Disaster { name: "none".into(), description: "no disaster: random failures only".into(), hazards: Vec::new() }
    }

    /// Its unique name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// What happens, in words.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// How many hazards it has.
    pub fn hazard_count(&self) -> usize {
        self.hazards.len()
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Hazard {
    Fire(Fire),
    Outage { target: ComponentId, at: SimDuration, duration: Option<Dist> },
}

#[derive(Clone, Debug)]
pub(crate) struct Fire {
    pub(crate) room: ComponentId,
    /// Every room of the fire's site, for a site-wide power cut.
    pub(crate) site_rooms: Vec<ComponentId>,
    pub(crate) at: SimDuration,
    pub(crate) fuel: Fuel,
    pub(crate) damage_after: Dist,
    pub(crate) spread: Option<(Dist, f64)>,
    pub(crate) power_cut: Option<(CutScope, Dist)>,
    pub(crate) extinguished_after: Dist,
    pub(crate) inspection: Dist,
    pub(crate) stages: Vec<(Vec<ComponentId>, Dist)>,
}
