//! Hazards during a run: scripted outages, and fires (ignition, damage,
//! suppression, spread, authority power cuts, extinguishment and staged
//! restoration). Their data is [`model::Disaster`](crate::model::Disaster).

use rand_chacha::ChaCha8Rng;

use super::infra::Hold;
use super::{Event, Simulation, unit};
use crate::model::{ComponentId, CutScope, Detail, Disaster, Fire, Fuel, Hazard, Suppression};
use crate::queue::EventKey;
use crate::rng::{self, StreamKind};

/// The hazards of a disaster during a run: each one's random stream, and
/// each fire's progress.
pub(super) struct Hazards {
    /// Stream keys ("disaster#index"), made once.
    keys: Vec<String>,
    rngs: Vec<ChaCha8Rng>,
    fires: Vec<FireState>,
}

impl Hazards {
    pub(super) fn new(disaster: &Disaster) -> Hazards {
        Hazards {
            keys: (0..disaster.hazards.len()).map(|i| format!("{}#{i}", disaster.name)).collect(),
            rngs: Vec::new(),
            fires: Vec::new(),
        }
    }

    /// Back to before t0 for run `run` of study `seed`.
    pub(super) fn reset(&mut self, disaster: &Disaster, seed: u64, run: u64) {
        self.fires.clear();
        self.fires.resize_with(disaster.hazards.len(), FireState::default);
        self.rngs.clear();
        for key in &self.keys {
            self.rngs.push(rng::stream(seed, run, StreamKind::Hazard, key));
        }
    }
}

/// Per-fire bookkeeping.
#[derive(Clone, Debug, Default)]
pub(super) struct FireState {
    out: bool,
    /// Burning rooms, each with the keys of its pending fire events.
    burning: Vec<(ComponentId, Vec<EventKey>)>,
    damaged: Vec<ComponentId>,
    cut: Vec<ComponentId>,
    cut_key: Option<EventKey>,
    out_key: Option<EventKey>,
    /// Rooms this fire has reached (burning or burnt), so it never re-ignites them.
    reached: Vec<ComponentId>,
}

impl<'s> Simulation<'s> {
    /// A scripted outage begins: its target is off until it ends.
    pub(super) fn outage_starts(&mut self, hazard: u16) {
        let Hazard::Outage { target, duration, .. } = &self.disaster.hazards[hazard as usize] else {
            unreachable!("an outage")
        };
        self.infra.hold(*target, Hold::Outage, 1);
        self.ctx.touch(*target);
        if let Some(d) = duration {
            let d = d.sample(&mut self.hazards.rngs[hazard as usize]);
            self.ctx.schedule_unkeyed(d, Event::OutageEnds { hazard });
        }
    }

    /// A scripted outage ends.
    pub(super) fn outage_ends(&mut self, hazard: u16) {
        let Hazard::Outage { target, .. } = &self.disaster.hazards[hazard as usize] else { unreachable!("an outage") };
        self.infra.hold(*target, Hold::Outage, -1);
        self.ctx.touch(*target);
    }

    pub(super) fn fire_damages(&mut self, hazard: u16, room: ComponentId) {
        let fire = &mut self.hazards.fires[hazard as usize];
        // Only a room still burning is damaged (suppression may have won).
        if fire.burning.iter().any(|(r, _)| *r == room) && !fire.damaged.contains(&room) {
            fire.damaged.push(room);
            self.infra.hold(room, Hold::FireDamage, 1);
            self.ctx.touch(room);
        }
    }

    fn fire(&self, hazard: u16) -> &'s Fire {
        let disaster: &'s Disaster = self.disaster;
        match &disaster.hazards[hazard as usize] {
            Hazard::Fire(f) => f,
            Hazard::Outage { .. } => unreachable!("fire events belong to fires"),
        }
    }

    pub(super) fn fire_ignites(&mut self, hazard: u16, room: ComponentId) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        if self.hazards.fires[h].out || self.hazards.fires[h].reached.contains(&room) {
            return;
        }
        let first = self.hazards.fires[h].reached.is_empty();
        self.hazards.fires[h].reached.push(room);
        let mut keys = Vec::new();
        if first {
            let d = fire.extinguished_after.sample(&mut self.hazards.rngs[h]);
            self.hazards.fires[h].out_key = Some(self.ctx.schedule(d, Event::FireOut { hazard }));
            if let Some((_, after)) = &fire.power_cut {
                let d = after.sample(&mut self.hazards.rngs[h]);
                self.hazards.fires[h].cut_key = Some(self.ctx.schedule(d, Event::PowerCutOrdered { hazard }));
            }
        }
        let damage = fire.damage_after.sample(&mut self.hazards.rngs[h]);
        keys.push(self.ctx.schedule(damage, Event::FireDamages { hazard, room }));
        let Detail::Room(detail) = &self.model.component(room).detail else { unreachable!("fires burn rooms") };
        match detail.suppression {
            Suppression::None => {}
            Suppression::Gas { acts_after, .. } | Suppression::Water { acts_after, .. } => {
                keys.push(self.ctx.schedule(acts_after, Event::SuppressionActs { hazard, room }));
            }
        }
        if let Some((after, probability)) = &fire.spread {
            for next in detail.adjacent.iter().map(|&r| ComponentId(r)) {
                if self.hazards.fires[h].reached.contains(&next) {
                    continue;
                }
                let rng = &mut self.hazards.rngs[h];
                if *probability >= 1.0 || unit(rng) < *probability {
                    let d = after.sample(rng);
                    keys.push(self.ctx.schedule(d, Event::FireIgnites { hazard, room: next }));
                }
            }
        }
        self.hazards.fires[h].burning.push((room, keys));
    }

    pub(super) fn suppression_acts(&mut self, hazard: u16, room: ComponentId) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        let Detail::Room(detail) = &self.model.component(room).detail else { unreachable!("fires burn rooms") };
        let p = match detail.suppression {
            Suppression::None => 0.0,
            Suppression::Gas { .. } if fire.fuel == Fuel::LithiumBattery => 0.0,
            Suppression::Gas { success_probability, .. } | Suppression::Water { success_probability, .. } => {
                success_probability
            }
        };
        let succeeded = p >= 1.0 || (p > 0.0 && unit(&mut self.hazards.rngs[h]) < p);
        if !succeeded {
            return;
        }
        if let Some(pos) = self.hazards.fires[h].burning.iter().position(|(r, _)| *r == room) {
            let (_, keys) = self.hazards.fires[h].burning.swap_remove(pos);
            for k in keys {
                self.ctx.queue.cancel(k);
            }
        }
        if self.hazards.fires[h].burning.is_empty() {
            let mut key = self.hazards.fires[h].out_key.take();
            self.ctx.cancel(&mut key);
            self.fire_out(hazard);
        }
    }

    pub(super) fn power_cut(&mut self, hazard: u16) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        self.hazards.fires[h].cut_key = None;
        let rooms: Vec<ComponentId> = match fire.power_cut.as_ref().map(|(scope, _)| *scope) {
            Some(CutScope::Site) => fire.site_rooms.clone(),
            _ => {
                let fire = &self.hazards.fires[h];
                let mut rooms: Vec<ComponentId> = fire.burning.iter().map(|(r, _)| *r).collect();
                rooms.extend(fire.damaged.iter().filter(|r| !rooms.contains(r)).collect::<Vec<_>>());
                rooms
            }
        };
        for r in rooms {
            if !self.hazards.fires[h].cut.contains(&r) {
                self.hazards.fires[h].cut.push(r);
                self.infra.hold(r, Hold::PowerCut, 1);
                self.ctx.touch(r);
            }
        }
    }

    pub(super) fn fire_out(&mut self, hazard: u16) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        if self.hazards.fires[h].out {
            return;
        }
        self.hazards.fires[h].out = true;
        self.hazards.fires[h].out_key = None;
        let mut key = self.hazards.fires[h].cut_key.take();
        self.ctx.cancel(&mut key);
        for (_, keys) in std::mem::take(&mut self.hazards.fires[h].burning) {
            for k in keys {
                self.ctx.queue.cancel(k);
            }
        }
        let d = fire.inspection.sample(&mut self.hazards.rngs[h]);
        self.ctx.queue.schedule_unkeyed(self.ctx.now + d, Event::RoomsRestored { hazard, stage: 0 });
    }

    pub(super) fn restore(&mut self, hazard: u16, stage: u16) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        let in_stage = |r: ComponentId| -> bool {
            if stage == 0 {
                !fire.stages.iter().any(|(rooms, _)| rooms.contains(&r))
            } else {
                fire.stages[stage as usize - 1].0.contains(&r)
            }
        };
        let cut: Vec<ComponentId> = self.hazards.fires[h].cut.iter().copied().filter(|&r| in_stage(r)).collect();
        let damaged: Vec<ComponentId> =
            self.hazards.fires[h].damaged.iter().copied().filter(|&r| in_stage(r)).collect();
        self.hazards.fires[h].cut.retain(|&r| !in_stage(r));
        self.hazards.fires[h].damaged.retain(|&r| !in_stage(r));
        for r in cut {
            self.infra.hold(r, Hold::PowerCut, -1);
            self.ctx.touch(r);
        }
        for r in damaged {
            self.infra.hold(r, Hold::FireDamage, -1);
            self.ctx.touch(r);
        }
        if let Some((_, after)) = fire.stages.get(stage as usize) {
            let d = after.sample(&mut self.hazards.rngs[h]);
            self.ctx.queue.schedule_unkeyed(self.ctx.now + d, Event::RoomsRestored { hazard, stage: stage + 1 });
        }
    }
}
