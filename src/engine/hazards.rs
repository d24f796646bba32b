//! Hazards during a run: scripted outages, and fires (ignition, damage,
//! suppression, spread, authority power cuts, extinguishment and staged
//! restoration). Their data is [`model::Disaster`](crate::model::Disaster).

use super::{Event, Simulation, unit};
use crate::model::{CutScope, Detail, Disaster, Fire, Fuel, Hazard, Suppression};
use crate::queue::EventKey;

/// Per-fire bookkeeping.
#[derive(Clone, Debug, Default)]
pub(super) struct FireState {
    out: bool,
    /// Burning rooms, each with the keys of its pending fire events.
    burning: Vec<(u32, Vec<EventKey>)>,
    damaged: Vec<u32>,
    cut: Vec<u32>,
    cut_key: Option<EventKey>,
    out_key: Option<EventKey>,
    /// Rooms this fire has reached (burning or burnt), so it never re-ignites them.
    reached: Vec<u32>,
}

impl<'s> Simulation<'s> {
    /// A scripted outage begins: its target is off until it ends.
    pub(super) fn outage_starts(&mut self, hazard: u16) {
        let Hazard::Outage { target, duration, .. } = &self.disaster.hazards[hazard as usize] else {
            unreachable!("an outage")
        };
        let t = target.0;
        self.nodes[t as usize].out = self.nodes[t as usize].out.saturating_add(1);
        self.touch(t);
        if let Some(d) = duration {
            let d = d.sample(&mut self.hazard_rngs[hazard as usize]);
            self.schedule_unkeyed(d, Event::OutageEnds { hazard });
        }
    }

    /// A scripted outage ends.
    pub(super) fn outage_ends(&mut self, hazard: u16) {
        let Hazard::Outage { target, .. } = &self.disaster.hazards[hazard as usize] else { unreachable!("an outage") };
        let t = target.0;
        self.nodes[t as usize].out = self.nodes[t as usize].out.saturating_sub(1);
        self.touch(t);
    }

    pub(super) fn fire_damages(&mut self, hazard: u16, room: u32) {
        let fire = &mut self.fires[hazard as usize];
        // Only a room still burning is damaged (suppression may have won).
        if fire.burning.iter().any(|(r, _)| *r == room) && !fire.damaged.contains(&room) {
            fire.damaged.push(room);
            self.nodes[room as usize].damaged = self.nodes[room as usize].damaged.saturating_add(1);
            self.touch(room);
        }
    }

    fn fire(&self, hazard: u16) -> &'s Fire {
        let disaster: &'s Disaster = self.disaster;
        match &disaster.hazards[hazard as usize] {
            Hazard::Fire(f) => f,
            Hazard::Outage { .. } => unreachable!("fire events belong to fires"),
        }
    }

    pub(super) fn fire_ignites(&mut self, hazard: u16, room: u32) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        if self.fires[h].out || self.fires[h].reached.contains(&room) {
            return;
        }
        let first = self.fires[h].reached.is_empty();
        self.fires[h].reached.push(room);
        let mut keys = Vec::new();
        if first {
            let d = fire.extinguished_after.sample(&mut self.hazard_rngs[h]);
            self.fires[h].out_key = Some(self.schedule(d, Event::FireOut { hazard }));
            if let Some((_, after)) = &fire.power_cut {
                let d = after.sample(&mut self.hazard_rngs[h]);
                self.fires[h].cut_key = Some(self.schedule(d, Event::PowerCutOrdered { hazard }));
            }
        }
        let damage = fire.damage_after.sample(&mut self.hazard_rngs[h]);
        keys.push(self.schedule(damage, Event::FireDamages { hazard, room }));
        let Detail::Room(detail) = &self.model.components[room as usize].detail else {
            unreachable!("fires burn rooms")
        };
        match detail.suppression {
            Suppression::None => {}
            Suppression::Gas { acts_after, .. } | Suppression::Water { acts_after, .. } => {
                keys.push(self.schedule(acts_after, Event::SuppressionActs { hazard, room }));
            }
        }
        if let Some((after, probability)) = &fire.spread {
            for &next in &detail.adjacent {
                if self.fires[h].reached.contains(&next) {
                    continue;
                }
                let rng = &mut self.hazard_rngs[h];
                if *probability >= 1.0 || unit(rng) < *probability {
                    let d = after.sample(rng);
                    keys.push(self.schedule(d, Event::FireIgnites { hazard, room: next }));
                }
            }
        }
        self.fires[h].burning.push((room, keys));
    }

    pub(super) fn suppression_acts(&mut self, hazard: u16, room: u32) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        let Detail::Room(detail) = &self.model.components[room as usize].detail else {
            unreachable!("fires burn rooms")
        };
        let p = match detail.suppression {
            Suppression::None => 0.0,
            Suppression::Gas { .. } if fire.fuel == Fuel::LithiumBattery => 0.0,
            Suppression::Gas { success_probability, .. } | Suppression::Water { success_probability, .. } => {
                success_probability
            }
        };
        let succeeded = p >= 1.0 || (p > 0.0 && unit(&mut self.hazard_rngs[h]) < p);
        if !succeeded {
            return;
        }
        if let Some(pos) = self.fires[h].burning.iter().position(|(r, _)| *r == room) {
            let (_, keys) = self.fires[h].burning.swap_remove(pos);
            for k in keys {
                self.queue.cancel(k);
            }
        }
        if self.fires[h].burning.is_empty() {
            let mut key = self.fires[h].out_key.take();
            self.cancel(&mut key);
            self.fire_out(hazard);
        }
    }

    pub(super) fn power_cut(&mut self, hazard: u16) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        self.fires[h].cut_key = None;
        let rooms: Vec<u32> = match fire.power_cut.as_ref().map(|(scope, _)| *scope) {
            Some(CutScope::Site) => fire.site_rooms.iter().map(|r| r.0).collect(),
            _ => {
                let fire = &self.fires[h];
                let mut rooms: Vec<u32> = fire.burning.iter().map(|(r, _)| *r).collect();
                rooms.extend(fire.damaged.iter().filter(|r| !rooms.contains(r)).collect::<Vec<_>>());
                rooms
            }
        };
        for r in rooms {
            if !self.fires[h].cut.contains(&r) {
                self.fires[h].cut.push(r);
                self.nodes[r as usize].cut = self.nodes[r as usize].cut.saturating_add(1);
                self.touch(r);
            }
        }
    }

    pub(super) fn fire_out(&mut self, hazard: u16) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        if self.fires[h].out {
            return;
        }
        self.fires[h].out = true;
        self.fires[h].out_key = None;
        let mut key = self.fires[h].cut_key.take();
        self.cancel(&mut key);
        for (_, keys) in std::mem::take(&mut self.fires[h].burning) {
            for k in keys {
                self.queue.cancel(k);
            }
        }
        let d = fire.inspection.sample(&mut self.hazard_rngs[h]);
        self.queue.schedule_unkeyed(self.now + d, Event::RoomsRestored { hazard, stage: 0 });
    }

    pub(super) fn restore(&mut self, hazard: u16, stage: u16) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        let in_stage = |r: u32| -> bool {
            if stage == 0 {
                !fire.stages.iter().any(|(rooms, _)| rooms.iter().any(|x| x.0 == r))
            } else {
                fire.stages[stage as usize - 1].0.iter().any(|x| x.0 == r)
            }
        };
        let cut: Vec<u32> = self.fires[h].cut.iter().copied().filter(|&r| in_stage(r)).collect();
        let damaged: Vec<u32> = self.fires[h].damaged.iter().copied().filter(|&r| in_stage(r)).collect();
        self.fires[h].cut.retain(|&r| !in_stage(r));
        self.fires[h].damaged.retain(|&r| !in_stage(r));
        for r in cut {
            self.nodes[r as usize].cut = self.nodes[r as usize].cut.saturating_sub(1);
            self.touch(r);
        }
        for r in damaged {
            self.nodes[r as usize].damaged = self.nodes[r as usize].damaged.saturating_sub(1);
            self.touch(r);
        }
        if let Some((_, after)) = fire.stages.get(stage as usize) {
            let d = after.sample(&mut self.hazard_rngs[h]);
            self.queue.schedule_unkeyed(self.now + d, Event::RoomsRestored { hazard, stage: stage + 1 });
        }
    }
}
