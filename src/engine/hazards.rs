//! Hazards during a run: scripted outages, and fires (ignition, damage,
//! suppression, spread, authority power cuts, extinguishment and staged
//! restoration). Their data is [`model::Disaster`](crate::model::Disaster).

use super::dispatch::Task;
use super::infra::Hold;
use super::{Event, Simulation, unit};
use crate::dist::Dist;
use crate::model::{
    ComponentId, CutScope, Detail, Disaster, Fire, Fuel, Hazard, Model, Replacement, RoomDetail, State, Suppression,
};
use crate::queue::EventKey;
use crate::rng::{self, StreamKind};
use crate::time::{SimDuration, SimTime};

/// The hazards of a disaster during a run: each one's random stream, and
/// each fire's progress.
pub(super) struct Hazards {
    /// Stream keys, made once (see [`stream_keys`]).
    keys: Vec<String>,
    rngs: Vec<rng::Stream>,
    fires: Vec<FireState>,
    /// What fires destroyed in this run.
    destroyed: Vec<Destroyed>,
    /// This run's value of each of the scenario's shared draws.
    shared: Vec<SimDuration>,
    /// The shared draws' indices in name order, to find one by name in
    /// logarithmic time (a file may declare many).
    by_name: Vec<u32>,
    /// Restoration stages (fire, stage) that are due but wait for a condition.
    waiting_stages: Vec<(u16, u16)>,
}

impl Hazards {
    pub(super) fn new(disaster: &Disaster, model: &Model, horizon: SimDuration) -> Hazards {
        Hazards {
            keys: stream_keys(disaster, model, horizon),
            rngs: Vec::new(),
            fires: Vec::new(),
            destroyed: Vec::new(),
            shared: Vec::new(),
            by_name: Vec::new(),
            waiting_stages: Vec::new(),
        }
    }

    /// Back to before t0 for run `run` of study `seed`: each shared draw
    /// is made now, from its own stream, whichever hazards use it.
    pub(super) fn reset(&mut self, disaster: &Disaster, model: &Model, seed: u64, run: u64) {
        self.fires.clear();
        self.fires.resize_with(disaster.hazards.len(), FireState::default);
        self.destroyed.clear();
        self.waiting_stages.clear();
        self.rngs.clear();
        for key in &self.keys {
            self.rngs.push(rng::stream(seed, run, StreamKind::Hazard, key));
        }
        if self.by_name.len() != model.draws.len() {
            self.by_name = (0..model.draws.len() as u32).collect();
            self.by_name.sort_by(|&a, &b| model.draws[a as usize].0.cmp(&model.draws[b as usize].0));
        }
        self.shared.clear();
        for (name, dist) in &model.draws {
            self.shared.push(dist.sample(&mut rng::stream(seed, run, StreamKind::Draw, name)));
        }
    }

    /// A hazard timing for hazard `h`: a draw from its stream, or the run's
    /// value of a shared draw.
    pub(super) fn draw(&mut self, d: &Dist, h: usize, model: &Model) -> SimDuration {
        match d {
            Dist::Shared(name) => self.shared_value(name, model),
            d => d.sample(&mut self.rngs[h]),
        }
    }

    /// This run's value of the shared draw `name` (declared, as validation
    /// checks).
    pub(super) fn shared_value(&self, name: &str, model: &Model) -> SimDuration {
        self.by_name
            .binary_search_by(|&k| model.draws[k as usize].0.as_str().cmp(name))
            .map_or(SimDuration::ZERO, |i| self.shared[self.by_name[i] as usize])
    }
}

/// What a fire destroyed in one room.
#[derive(Clone, Copy, Debug)]
pub(super) struct Destroyed {
    pub(super) room: ComponentId,
    /// Servers of the pools in the room.
    pub(super) servers: u64,
    pub(super) at: SimTime,
    pub(super) replaced_at: Option<SimTime>,
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
        let Hazard::Outage { target, duration, probability, .. } = &self.disaster.hazards[hazard as usize] else {
            unreachable!("an outage")
        };
        // Not every time: the chance is drawn only when there is one.
        if *probability < 1.0 && unit(&mut self.hazards.rngs[hazard as usize]) >= *probability {
            return;
        }
        self.infra.hold(*target, Hold::Outage, 1);
        self.ctx.touch(*target);
        if let Some(d) = duration {
            let d = self.hazards.draw(d, hazard as usize, self.model);
            self.ctx.schedule_unkeyed(d, Event::OutageEnds { hazard });
        }
    }

    /// A scripted outage ends.
    pub(super) fn outage_ends(&mut self, hazard: u16) {
        let Hazard::Outage { target, .. } = &self.disaster.hazards[hazard as usize] else { unreachable!("an outage") };
        self.infra.hold(*target, Hold::Outage, -1);
        self.ctx.touch(*target);
    }

    /// A room has burnt long enough: its fittings and everything in it are
    /// destroyed, until replaced.
    pub(super) fn fire_damages(&mut self, hazard: u16, room: ComponentId) {
        let fire = &mut self.hazards.fires[hazard as usize];
        // Only a room still burning is damaged (suppression may have won).
        if fire.burning.iter().any(|(r, _)| *r == room) && !fire.damaged.contains(&room) {
            fire.damaged.push(room);
            let model = self.model;
            for &c in std::iter::once(&room).chain(model.contents(room)) {
                self.infra.destroy(c);
                self.ctx.touch(c);
            }
            let servers = model.contents(room).iter().map(|&c| model.pool_servers(c)).sum();
            self.hazards.destroyed.push(Destroyed { room, servers, at: self.ctx.now, replaced_at: None });
            self.servers_destroyed(room);
        }
    }

    /// Burnt equipment is back: the room's fittings and what is in it
    /// work again (new servers boot; none comes back broken).
    pub(super) fn equipment_replaced(&mut self, hazard: u16, room: ComponentId) {
        let fire = &mut self.hazards.fires[hazard as usize];
        let Some(pos) = fire.damaged.iter().position(|&r| r == room) else {
            return; // replaced already
        };
        fire.damaged.remove(pos);
        for &c in std::iter::once(&room).chain(self.model.contents(room)) {
            self.infra.replace(c);
            self.ctx.touch(c);
        }
        let now = self.ctx.now;
        if let Some(d) = self.hazards.destroyed.iter_mut().rev().find(|d| d.room == room && d.replaced_at.is_none()) {
            d.replaced_at = Some(now);
        }
    }

    /// Replacement equipment is on site: an engineer installs it.
    pub(super) fn equipment_delivered(&mut self, hazard: u16, room: ComponentId) {
        if let Detail::Room(RoomDetail { replacement: Replacement::Work { .. }, .. }) =
            &self.model.component(room).detail
        {
            self.queue_action(Task::Replacement { room, hazard }, 0, 0);
        }
    }

    /// Whether a room is still destroyed by fire `hazard` (so replacing it is still needed).
    pub(super) fn awaits_replacement(&self, hazard: u16, room: ComponentId) -> bool {
        self.hazards.fires[hazard as usize].damaged.contains(&room)
    }

    /// Starts replacing what fire `hazard` destroyed, now that it is out:
    /// drawn from each room's own stream, so that adding a replacement to one
    /// room changes no other draw.
    fn start_replacements(&mut self, hazard: u16) {
        let model = self.model;
        for k in 0..self.hazards.fires[hazard as usize].damaged.len() {
            let room = self.hazards.fires[hazard as usize].damaged[k];
            let Detail::Room(detail) = &model.component(room).detail else { unreachable!("fires burn rooms") };
            match &detail.replacement {
                Replacement::Never | Replacement::AtRestoration => {}
                Replacement::After(d) => {
                    let d = d.sample(self.ctx.rng(room));
                    self.ctx.schedule_unkeyed(d, Event::EquipmentReplaced { hazard, room });
                }
                Replacement::Work { lead_time, .. } => {
                    let d = lead_time.sample(self.ctx.rng(room));
                    self.ctx.schedule_unkeyed(d, Event::EquipmentDelivered { hazard, room });
                }
            }
        }
    }

    /// Writes a fire's progress in a room to the timeline (the room's state
    /// is unchanged by it: the fire's consequences are recorded as they
    /// happen), so that a fire put out by suppression still leaves a trace.
    fn record_fire(&mut self, room: ComponentId, what: String) {
        if self.ctx.record {
            let state = self.infra.room_state(room);
            let level = if state == State::Up { 1.0 } else { 0.0 };
            self.record_with_cause(room, state, level, what);
        }
    }

    /// What fire destroyed in this run, by room, in the order it burnt.
    pub(super) fn destroyed(&self) -> &[Destroyed] {
        &self.hazards.destroyed
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
        let cause = self.cause_text();
        self.record_fire(room, cause);
        let mut keys = Vec::new();
        if first {
            let d = self.hazards.draw(&fire.extinguished_after, h, self.model);
            self.hazards.fires[h].out_key = Some(self.ctx.schedule(d, Event::FireOut { hazard }));
            if let Some((_, after)) = &fire.power_cut {
                let d = self.hazards.draw(after, h, self.model);
                self.hazards.fires[h].cut_key = Some(self.ctx.schedule(d, Event::PowerCutOrdered { hazard }));
            }
        }
        let damage = self.hazards.draw(&fire.damage_after, h, self.model);
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
                if *probability >= 1.0 || unit(&mut self.hazards.rngs[h]) < *probability {
                    let d = self.hazards.draw(after, h, self.model);
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
        let (noun, name) = (self.model.component(room).kind.noun(), &self.model.component(room).name);
        let what = match (&detail.suppression, succeeded) {
            (_, true) => format!("suppression put out the fire in {noun} '{name}'"),
            (Suppression::Gas { .. }, false) if fire.fuel == Fuel::LithiumBattery => {
                format!("gas suppression in {noun} '{name}' cannot put out a lithium battery fire")
            }
            (_, false) => format!("suppression in {noun} '{name}' failed"),
        };
        self.record_fire(room, what);
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
            Some(CutScope::Site) => fire.site_rooms.to_vec(),
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
        let room = fire.room;
        let what = format!("fire in '{}' out", self.model.component(room).name);
        self.record_fire(room, what);
        let mut key = self.hazards.fires[h].cut_key.take();
        self.ctx.cancel(&mut key);
        for (_, keys) in std::mem::take(&mut self.hazards.fires[h].burning) {
            for k in keys {
                self.ctx.queue.cancel(k);
            }
        }
        let d = self.hazards.draw(&fire.inspection, h, self.model);
        self.ctx.queue.schedule_unkeyed(self.ctx.now + d, Event::RoomsRestored { hazard, stage: 0 });
        self.start_replacements(hazard);
    }

    /// Restoration stage `stage` of fire `hazard` is due: it goes ahead
    /// now if everything it waits for works, else it waits for that.
    pub(super) fn stage_due(&mut self, hazard: u16, stage: u16) {
        if self.stage_may_go(hazard, stage) {
            self.restore(hazard, stage);
        } else {
            self.hazards.waiting_stages.push((hazard, stage));
        }
        // What the stage changed (or its own waits) may let others go.
        self.conditions_changed = true;
    }

    fn stage_may_go(&self, hazard: u16, stage: u16) -> bool {
        let Some(s) = (stage as usize).checked_sub(1).map(|k| &self.fire(hazard).stages[k]) else { return true };
        s.waits_for.iter().all(|&c| self.element_works(c))
    }

    /// After an event has settled: restores the waiting stages whose
    /// conditions now hold; returns whether any did (what they restore may
    /// let others go, once it has settled in turn).
    pub(super) fn release_waiting_stages(&mut self) -> bool {
        if self.hazards.waiting_stages.is_empty() {
            return false;
        }
        let mut released = false;
        let mut k = 0;
        while k < self.hazards.waiting_stages.len() {
            let (hazard, stage) = self.hazards.waiting_stages[k];
            if self.stage_may_go(hazard, stage) {
                self.hazards.waiting_stages.remove(k);
                self.ctx.set_cause(Event::RoomsRestored { hazard, stage });
                self.restore(hazard, stage);
                released = true;
            } else {
                k += 1;
            }
        }
        released
    }

    fn restore(&mut self, hazard: u16, stage: u16) {
        let fire = self.fire(hazard);
        let h = hazard as usize;
        let in_stage = |r: ComponentId| -> bool {
            if stage == 0 {
                !fire.stages.iter().any(|s| s.rooms.contains(&r)) && !fire.never.contains(&r)
            } else {
                fire.stages[stage as usize - 1].rooms.contains(&r)
            }
        };
        let model = self.model;
        let replaced_now = |r: ComponentId| matches!(&model.component(r).detail, Detail::Room(d) if matches!(d.replacement, Replacement::AtRestoration));
        let cut: Vec<ComponentId> = self.hazards.fires[h].cut.iter().copied().filter(|&r| in_stage(r)).collect();
        let replaced: Vec<ComponentId> =
            self.hazards.fires[h].damaged.iter().copied().filter(|&r| in_stage(r) && replaced_now(r)).collect();
        self.hazards.fires[h].cut.retain(|&r| !in_stage(r));
        for r in cut {
            self.infra.hold(r, Hold::PowerCut, -1);
            self.ctx.touch(r);
        }
        for r in replaced {
            self.equipment_replaced(hazard, r);
        }
        // The next stage is due after its delay, and not before its time.
        if let Some(next) = fire.stages.get(stage as usize) {
            let after = self.ctx.now + self.hazards.draw(&next.after, h, self.model);
            let not_before =
                next.at.as_ref().map_or(SimTime::ZERO, |at| SimTime::ZERO + self.hazards.draw(at, h, self.model));
            self.ctx.queue.schedule_unkeyed(after.max(not_before), Event::RoomsRestored { hazard, stage: stage + 1 });
        }
    }
}

/// Each hazard's random stream key: its disaster, what it is and what it
/// strikes (`battery-fire/fire/B3-ups-1`, `grid-loss/outage/grid`, a common
/// cause's outages `d/cause/<cause>/<element>`, the parts joined by U+0001),
/// and `/2`, `/3`... for a repeat. Not its
/// place in the list: a hazard added before it leaves its timings alone, so
/// variants compared in pairs see the same fire wherever they agree.
/// Repeats are numbered first among the hazards that can happen in a run of
/// the scenario's horizon, then among those that cannot (probability 0, or
/// starting at or after the horizon), so that adding one that never happens
/// renumbers nothing, even on the same target.
fn stream_keys(disaster: &Disaster, model: &Model, horizon: SimDuration) -> Vec<String> {
    // Between the parts: a character no name may hold, so that no two
    // hazards' keys meet (a common cause named "fire" on room x, and a fire
    // in x; an element named "x#2").
    const SEP: char = '\u{1}';
    let base = |h: &Hazard| match h {
        Hazard::Fire(f) => format!("{}{SEP}fire{SEP}{}", disaster.name, model.component(f.room).name),
        Hazard::Outage { target, cause: None, .. } => {
            format!("{}{SEP}outage{SEP}{}", disaster.name, model.component(*target).name)
        }
        Hazard::Outage { target, cause: Some(cause), .. } => {
            format!("{}{SEP}cause{SEP}{cause}{SEP}{}", disaster.name, model.component(*target).name)
        }
    };
    let can_happen = |h: &Hazard| match h {
        Hazard::Fire(f) => f.at < horizon,
        Hazard::Outage { at, probability, .. } => *at < horizon && *probability > 0.0,
    };
    let mut keys = vec![String::new(); disaster.hazards.len()];
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for live in [true, false] {
        for (key, h) in keys.iter_mut().zip(&disaster.hazards).filter(|(_, h)| can_happen(h) == live) {
            let base = base(h);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            *key = if *n == 1 { base } else { format!("{base}{SEP}{n}") };
        }
    }
    keys
}
