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
    /// For a disaster expanded from a site-loss template: the template's name.
    pub(crate) group: Option<String>,
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
