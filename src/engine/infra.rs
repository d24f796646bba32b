//! Infrastructure: rooms, power, cooling and server pools.

use rand_distr::{Binomial, Distribution};

use super::context::Ctx;
use super::dispatch::Task;
use super::{Event, Simulation, unit};
use crate::model::{ComponentId, Detail, Model, PoolId, Redundant, State};
use crate::queue::EventKey;
use crate::time::{SimDuration, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GenPhase {
    Idle,
    Starting,
    Running,
    FailedToStart,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PoolPhase {
    Off,
    /// Booting by themselves.
    Booting,
    /// Waiting for, or undergoing, manual restarts in batches.
    Restarting,
    Running,
}

/// Kind-specific dynamic state of infrastructure components.
#[derive(Clone, Copy, Debug)]
enum Dynamic {
    None,
    Ups {
        battery_left: SimDuration,
        draining_since: Option<SimTime>,
    },
    Generator {
        phase: GenPhase,
        fuel_left: SimDuration,
        running_since: SimTime,
    },
    /// A link: working, off (no power), or booting after power returned.
    Link {
        phase: LinkPhase,
    },
    Pool {
        phase: PoolPhase,
        working: u64,
        broken: u64,
        /// Servers not yet restarted (manual restart) or booted.
        pending: u64,
        /// A hard power loss happened since the last boot.
        cold: bool,
        /// Bumped on every power loss, so that stale restart work and boots are ignored.
        epoch: u32,
        /// (working, phase) as dependants last saw them.
        published: (u64, PoolPhase),
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LinkPhase {
    Up,
    Off,
    Booting,
}

#[derive(Clone, Debug)]
struct NodeState {
    /// Powered and working (for a room: powered; see `reachable`).
    live: bool,
    /// For a room: connected to the network (any of its network rooms is
    /// live and reachable, or it lists none). Servers in a room that is live
    /// but unreachable keep running; they serve no one.
    reachable: bool,
    /// When the component last stopped serving (live and reachable), in
    /// milliseconds from t0: among inputs that are all lost, the last one
    /// lost is the one blamed, and inputs lost at the same instant were
    /// lost together.
    lost_at: u64,
    /// Why it does not fully work, traced to the component at fault, as
    /// dependants last saw it; `None` while it works fully.
    cause: Option<(u32, Why)>,
    /// Authority power cuts in force.
    cut: u16,
    /// Fires that destroyed the equipment and whose restoration is pending.
    damaged: u16,
    /// Scripted outages in force (a disaster has at most 65,534 hazards).
    out: u16,
    failed: bool,
    /// Servers in this room are shut down for heat.
    overheated: bool,
    /// `overheated` as dependants last saw it.
    overheated_published: bool,
    /// The kind-specific timer (battery, generator, heat, boot).
    timer: Option<EventKey>,
    /// Pool repair timer.
    repair_timer: Option<EventKey>,
    dynamic: Dynamic,
}

impl NodeState {
    fn intact(&self) -> bool {
        self.cut == 0 && self.damaged == 0 && self.out == 0 && !self.failed
    }
}

/// What a hazard holds a component by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hold {
    /// A scripted outage.
    Outage,
    /// An authority power cut.
    PowerCut,
    /// Fire damage awaiting restoration.
    FireDamage,
}

/// The state of every infrastructure component during a run, indexed by
/// component id (services keep theirs in [`Services`](super::services::Services)).
#[derive(Default)]
pub(super) struct Infra {
    nodes: Vec<NodeState>,
    /// The time of the event being handled, in milliseconds (stamps `lost_at`).
    pub(super) now: u64,
}

impl Infra {
    /// Every component intact, live and running, keeping the allocations.
    pub(super) fn reset(&mut self, model: &Model) {
        self.now = 0;
        self.nodes.clear();
        self.nodes.extend(model.components.iter().map(|c| NodeState {
            live: true,
            reachable: true,
            lost_at: 0,
            cause: None,
            cut: 0,
            damaged: 0,
            out: 0,
            failed: false,
            overheated: false,
            overheated_published: false,
            timer: None,
            repair_timer: None,
            dynamic: match &c.detail {
                Detail::Ups { ride_through, .. } => Dynamic::Ups { battery_left: *ride_through, draining_since: None },
                Detail::Generator { fuel, .. } => {
                    Dynamic::Generator { phase: GenPhase::Idle, fuel_left: *fuel, running_since: SimTime::ZERO }
                }
                Detail::Link { .. } => Dynamic::Link { phase: LinkPhase::Up },
                Detail::Pool(p) => Dynamic::Pool {
                    phase: PoolPhase::Running,
                    working: p.servers,
                    broken: 0,
                    pending: 0,
                    cold: false,
                    epoch: 0,
                    published: (p.servers, PoolPhase::Running),
                },
                _ => Dynamic::None,
            },
        }));
    }

    /// Sets what dependants see of a component that is not infrastructure
    /// (a service: live unless down).
    pub(super) fn set_live(&mut self, c: ComponentId, live: bool) {
        self.nodes[c.index()].live = live;
    }

    /// Adds (`+1`) or lifts (`-1`) a hold of a hazard on a component.
    pub(super) fn hold(&mut self, c: ComponentId, hold: Hold, delta: i32) {
        let node = &mut self.nodes[c.index()];
        let counter = match hold {
            Hold::Outage => &mut node.out,
            Hold::PowerCut => &mut node.cut,
            Hold::FireDamage => &mut node.damaged,
        };
        *counter = if delta >= 0 { counter.saturating_add(1) } else { counter.saturating_sub(1) };
    }

    /// Fire destroys a component: it is off until replaced; a pool's servers
    /// are gone, broken ones included.
    pub(super) fn destroy(&mut self, c: ComponentId) {
        self.hold(c, Hold::FireDamage, 1);
        if let Dynamic::Pool { broken, .. } = &mut self.nodes[c.index()].dynamic {
            *broken = 0;
        }
    }

    /// A destroyed component is replaced: a pool's servers are new, so
    /// none comes back broken from the power loss.
    pub(super) fn replace(&mut self, c: ComponentId) {
        self.hold(c, Hold::FireDamage, -1);
        if let Dynamic::Pool { broken, cold, .. } = &mut self.nodes[c.index()].dynamic {
            *broken = 0;
            *cold = false;
        }
    }

    /// A room's state as the timeline shows it: down without power,
    /// degraded when unreachable or overheated, up otherwise.
    pub(super) fn room_state(&self, c: ComponentId) -> State {
        let node = &self.nodes[c.index()];
        match (node.live, node.reachable && !node.overheated_published) {
            (false, _) => State::Down,
            (true, false) => State::Degraded,
            (true, true) => State::Up,
        }
    }

    /// Whether a scripted outage holds the component.
    pub(super) fn is_out(&self, c: ComponentId) -> bool {
        self.nodes[c.index()].out > 0
    }

    /// A pool's power epoch: bumped on every power loss, so that restart
    /// work queued before it is known to be stale.
    pub(super) fn pool_epoch(&self, p: PoolId) -> u32 {
        match self.nodes[p.index()].dynamic {
            Dynamic::Pool { epoch, .. } => epoch,
            _ => unreachable!("a pool has pool state"),
        }
    }

    /// Servers of a pool that dependants see working.
    pub(super) fn working(&self, pool: ComponentId) -> u64 {
        match self.nodes[pool.index()].dynamic {
            Dynamic::Pool { published, .. } => published.0,
            _ => 0,
        }
    }

    fn any_live(&self, ids: &[u32]) -> bool {
        ids.iter().any(|&j| self.nodes[j as usize].live)
    }

    /// Whether enough of redundant inputs are live: `needed` of them.
    fn enough_live(&self, r: &Redundant) -> bool {
        r.iter().filter(|&&j| self.nodes[j as usize].live).count() >= r.needed as usize
    }

    /// Whether enough of redundant inputs serve (live, and reachable for a room).
    fn enough_serving(&self, r: &Redundant) -> bool {
        r.iter().filter(|&&j| self.serving(j)).count() >= r.needed as usize
    }

    fn container_live(&self, model: &Model, i: u32) -> bool {
        model.components[i as usize].container.is_none_or(|c| self.nodes[c.index()].live)
    }

    fn cancel_timer(&mut self, i: u32, ctx: &mut Ctx<'_>) {
        ctx.cancel(&mut self.nodes[i as usize].timer);
    }

    /// What holds a component back, traced to the component at fault, as
    /// its dependants see it: `None` while it works fully. For a pool
    /// missing servers, why; `(pool, NoPower)` if nothing more is known.
    pub(super) fn cause(&self, c: ComponentId) -> (ComponentId, Why) {
        let (root, why) = self.nodes[c.index()].cause.unwrap_or((c.0, Why::NoPower));
        (ComponentId(root), why)
    }

    /// Whether fire has destroyed a component (until replaced).
    pub(super) fn is_destroyed(&self, c: ComponentId) -> bool {
        self.nodes[c.index()].damaged > 0
    }

    /// Whether an infrastructure component works: live, and for a room
    /// also reachable.
    pub(super) fn works(&self, c: ComponentId) -> bool {
        self.serving(c.0)
    }

    /// Whether a component serves: live, and for a room also reachable.
    fn serving(&self, i: u32) -> bool {
        let node = &self.nodes[i as usize];
        node.live && node.reachable
    }

    /// When fewer of `ids` serve than are needed, the one among those that
    /// stopped that stopped last: the loss that ended the redundancy (or
    /// came after it). Inputs lost at the same instant (six chillers
    /// tripping together) are told apart by the name of what caused their
    /// loss, then by their own name: listing order plays no part, and
    /// inputs lost together for one reason are blamed on that reason.
    fn last_lost(&self, model: &Model, ids: &Redundant) -> Option<u32> {
        if ids.is_empty() || self.enough_serving(ids) {
            return None;
        }
        let key = |j: u32| {
            let node = &self.nodes[j as usize];
            let root = node.cause.map_or(j, |(root, _)| root);
            (std::cmp::Reverse(node.lost_at), &model.components[root as usize].name, &model.components[j as usize].name)
        };
        ids.iter().copied().filter(|&j| !self.serving(j)).min_by(|&a, &b| key(a).cmp(&key(b)))
    }

    /// The cause of the last of `ids` lost (fewer than needed serving).
    fn cause_through(&self, model: &Model, ids: &Redundant, own: u32) -> Option<(u32, Why)> {
        match self.last_lost(model, ids) {
            Some(j) => self.nodes[j as usize].cause.or(Some((j, Why::NoPower))),
            None => Some((own, Why::NoPower)),
        }
    }

    /// Why component `i` does not fully work, from its own state and the
    /// causes its inputs publish (inputs settle first, in topological order,
    /// so this is one step per component, never a walk up the graph).
    fn cause_of(&self, model: &Model, i: u32) -> Option<(u32, Why)> {
        let node = &self.nodes[i as usize];
        if node.out > 0 {
            return Some((i, Why::Outage));
        }
        if node.failed {
            return Some((i, Why::Failed));
        }
        if node.damaged > 0 {
            return Some((i, Why::FireDamage));
        }
        if node.cut > 0 {
            return Some((i, Why::PowerCut));
        }
        let component = &model.components[i as usize];
        if let Some(parent) = component.container
            && !self.nodes[parent.index()].live
        {
            return self.nodes[parent.index()].cause.or(Some((parent.0, Why::NoPower)));
        }
        match &component.detail {
            Detail::Site | Detail::Utility => None,
            Detail::Room(room) => {
                if !node.live {
                    self.cause_through(model, &room.feeds, i)
                } else if !node.reachable {
                    self.cause_through(model, &room.network, i)
                } else if node.overheated_published {
                    Some((self.last_lost(model, &room.cooling).unwrap_or(i), Why::Overheated))
                } else {
                    None
                }
            }
            Detail::Ups { inputs, .. } | Detail::Switchboard { inputs } | Detail::Cooling { power: inputs } => {
                (!node.live).then(|| self.cause_through(model, inputs, i)).flatten()
            }
            Detail::Generator { fuel, .. } => match node.dynamic {
                _ if node.live => None,
                Dynamic::Generator { phase: GenPhase::FailedToStart, .. } => Some((i, Why::FailedToStart)),
                Dynamic::Generator { phase: GenPhase::Starting, .. } => Some((i, Why::Starting)),
                Dynamic::Generator { fuel_left, .. } if fuel_left.is_zero() && !fuel.is_zero() => {
                    Some((i, Why::OutOfFuel))
                }
                _ => Some((i, Why::Standby)),
            },
            Detail::Link { .. } => match node.dynamic {
                _ if node.live => None,
                Dynamic::Link { phase: LinkPhase::Booting } => Some((i, Why::StartingUp)),
                _ => Some((i, Why::NoPower)),
            },
            Detail::Pool(pool) => {
                if let Some(room) = component.container {
                    let r = &self.nodes[room.index()];
                    if r.overheated_published || !r.reachable {
                        return r.cause.or(Some((room.0, Why::NoPower)));
                    }
                }
                let Dynamic::Pool { phase, broken, published, .. } = node.dynamic else { unreachable!("a pool") };
                // Its own state first (servers booting, awaiting restart or
                // repair), then its site's uplinks.
                let own = match phase {
                    _ if published.0 >= pool.servers
                        && (pool.uplinks.is_empty() || self.enough_serving(&pool.uplinks)) =>
                    {
                        return None;
                    }
                    PoolPhase::Booting => Some(Why::Booting),
                    PoolPhase::Restarting => Some(Why::AwaitingRestart),
                    _ if broken > 0 => Some(Why::Broken),
                    _ => None,
                };
                if let Some(why) = own {
                    return Some((i, why));
                }
                if !pool.uplinks.is_empty() && !self.enough_serving(&pool.uplinks) {
                    return self.cause_through(model, &pool.uplinks, i);
                }
                Some((i, Why::NoPower))
            }
            Detail::Service(_) => unreachable!("services have their own blame"),
        }
    }

    /// Publishes a component's cause; returns whether it changed.
    fn publish_cause(&mut self, model: &Model, i: u32) -> bool {
        let cause = self.cause_of(model, i);
        let node = &mut self.nodes[i as usize];
        if node.cause == cause {
            return false;
        }
        node.cause = cause;
        true
    }

    /// Records that a component stopped or started serving.
    fn stamp(&mut self, i: u32, was_serving: bool) {
        if was_serving && !self.serving(i) {
            self.nodes[i as usize].lost_at = self.now;
        }
    }
}

/// Why an infrastructure component is not working, for cause attribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Why {
    Outage,
    Failed,
    FireDamage,
    PowerCut,
    NoPower,
    Overheated,
    FailedToStart,
    OutOfFuel,
    Starting,
    /// Network equipment booting after its power returned.
    StartingUp,
    Booting,
    AwaitingRestart,
    Broken,
    Standby,
}

impl Why {
    /// How near a component held for this reason is to working again, for
    /// choosing what holds a service now (lower is nearer): already on its
    /// way back, then waiting for people (restart, repair), then waiting for
    /// its inputs or the authorities, then destroyed.
    pub(crate) fn nearness(self) -> u8 {
        match self {
            Why::Booting | Why::StartingUp | Why::Starting => 0,
            Why::AwaitingRestart => 1,
            Why::Broken => 2,
            Why::FireDamage => 4,
            Why::Outage
            | Why::Failed
            | Why::PowerCut
            | Why::NoPower
            | Why::Overheated
            | Why::FailedToStart
            | Why::OutOfFuel
            | Why::Standby => 3,
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Why::Outage => "outage",
            Why::Failed => "failed",
            Why::FireDamage => "destroyed by fire",
            Why::PowerCut => "power cut by the authorities",
            Why::NoPower => "no power",
            Why::Overheated => "overheated, cooling lost",
            Why::FailedToStart => "failed to start",
            Why::OutOfFuel => "out of fuel",
            Why::Starting => "starting",
            Why::StartingUp => "booting after power returned",
            Why::Booting => "servers booting",
            Why::AwaitingRestart => "servers awaiting restart by engineers",
            Why::Broken => "broken servers awaiting repair",
            Why::Standby => "on standby, not started",
        }
    }
}

impl Simulation<'_> {
    /// Sets a component's liveness; returns whether it changed.
    fn publish_live(&mut self, i: u32, live: bool) -> bool {
        if self.infra.nodes[i as usize].live == live {
            return false;
        }
        self.infra.nodes[i as usize].live = live;
        let state = if live { State::Up } else { State::Down };
        self.record_change(ComponentId(i), state, if live { 1.0 } else { 0.0 });
        true
    }

    /// Brings an infrastructure component in line with its inputs; returns
    /// whether what its dependants see changed.
    pub(super) fn evaluate_infrastructure(&mut self, c: ComponentId) -> bool {
        let was_serving = self.infra.serving(c.0);
        let changed = self.evaluate_state(c);
        self.infra.stamp(c.0, was_serving);
        // A cause that changes matters to dependants even when their state
        // does not (a hall that was cut and is now burnt).
        let cause_changed = self.ctx.blame && self.infra.publish_cause(self.model, c.0);
        if changed && self.watched[c.index()] {
            self.conditions_changed = true;
        }
        changed || cause_changed
    }

    /// Brings a component's state in line with its inputs; returns whether
    /// what its dependants see of its state changed.
    fn evaluate_state(&mut self, c: ComponentId) -> bool {
        let i = c.0;
        let model = self.model;
        let component = &model.components[i as usize];
        let spared = self.spared == Some(c);
        let intact = spared || self.infra.nodes[i as usize].intact();
        let on = intact && (spared || self.infra.container_live(self.model, i));
        if spared && !matches!(component.detail, Detail::Room(_) | Detail::Pool(_)) {
            self.infra.cancel_timer(i, &mut self.ctx);
            return self.publish_live(i, true);
        }
        match &component.detail {
            Detail::Site | Detail::Utility => self.publish_live(i, intact),
            Detail::Switchboard { inputs } => {
                let live = on && self.infra.enough_live(inputs);
                self.publish_live(i, live)
            }
            Detail::Cooling { power } => {
                let live = on && (power.is_empty() || self.infra.enough_live(power));
                self.publish_live(i, live)
            }
            Detail::Room(room) => {
                // Power and network are separate inputs: without power the
                // room is down; without network it stays powered and its
                // servers keep running, unreachable.
                let live = spared || (on && (room.feeds.is_empty() || self.infra.enough_live(&room.feeds)));
                let reachable = spared || room.network.is_empty() || self.infra.enough_serving(&room.network);
                if !room.cooling.is_empty() {
                    let cooled = spared || self.infra.enough_live(&room.cooling);
                    if cooled || !live {
                        // Cooling back, or nothing running to overheat.
                        self.infra.cancel_timer(i, &mut self.ctx);
                        self.infra.nodes[i as usize].overheated = false;
                    } else if !self.infra.nodes[i as usize].overheated && self.infra.nodes[i as usize].timer.is_none() {
                        let key = self.ctx.schedule(room.thermal_delay, Event::Overheated(ComponentId(i)));
                        self.infra.nodes[i as usize].timer = Some(key);
                    }
                }
                let node = &mut self.infra.nodes[i as usize];
                let overheated = node.overheated;
                if node.live == live && node.reachable == reachable && node.overheated_published == overheated {
                    return false;
                }
                node.live = live;
                node.reachable = reachable;
                node.overheated_published = overheated;
                let state = match (live, reachable && !overheated) {
                    (false, _) => State::Down,
                    (true, false) => State::Degraded,
                    (true, true) => State::Up,
                };
                self.record_change(ComponentId(i), state, if state == State::Up { 1.0 } else { 0.0 });
                true
            }
            Detail::Ups { inputs, ride_through } => {
                let fed = self.infra.enough_live(inputs);
                let Dynamic::Ups { mut battery_left, mut draining_since } = self.infra.nodes[i as usize].dynamic else {
                    unreachable!("a UPS has UPS state")
                };
                let live = if !on || fed {
                    if let Some(since) = draining_since.take() {
                        battery_left = battery_left.saturating_sub(self.ctx.now - since);
                        self.infra.cancel_timer(i, &mut self.ctx);
                    }
                    if on && fed {
                        battery_left = *ride_through; // recharged
                    }
                    on
                } else {
                    if draining_since.is_none() && !battery_left.is_zero() {
                        draining_since = Some(self.ctx.now);
                        let key = self.ctx.schedule(battery_left, Event::BatteryExhausted(ComponentId(i)));
                        self.infra.nodes[i as usize].timer = Some(key);
                    }
                    draining_since.is_some()
                };
                self.infra.nodes[i as usize].dynamic = Dynamic::Ups { battery_left, draining_since };
                self.publish_live(i, live)
            }
            Detail::Generator { backs_up, start_probability, start_delay, .. } => {
                let needed = !self.infra.any_live(backs_up);
                let Dynamic::Generator { mut phase, mut fuel_left, running_since } =
                    self.infra.nodes[i as usize].dynamic
                else {
                    unreachable!("a generator has generator state")
                };
                if !on || !needed {
                    if phase == GenPhase::Running {
                        fuel_left = fuel_left.saturating_sub(self.ctx.now - running_since);
                    }
                    if matches!(phase, GenPhase::Running | GenPhase::Starting) {
                        self.infra.cancel_timer(i, &mut self.ctx);
                        phase = GenPhase::Idle;
                    }
                } else if phase == GenPhase::Idle && !fuel_left.is_zero() {
                    let p = *start_probability;
                    let starts = p >= 1.0 || (p > 0.0 && unit(self.ctx.rng(ComponentId(i))) < p);
                    if starts {
                        let delay = start_delay.sample(self.ctx.rng(ComponentId(i)));
                        phase = GenPhase::Starting;
                        let key = self.ctx.schedule(delay, Event::GeneratorStarted(ComponentId(i)));
                        self.infra.nodes[i as usize].timer = Some(key);
                    } else {
                        phase = GenPhase::FailedToStart;
                        // Nothing changes for dependants (it was not live), but a
                        // person reading the timeline wants to see it.
                        let name = &component.name;
                        self.record_with_cause(c, State::Down, 0.0, format!("generator '{name}' failed to start"));
                    }
                }
                self.infra.nodes[i as usize].dynamic = Dynamic::Generator { phase, fuel_left, running_since };
                let live = on && needed && phase == GenPhase::Running;
                self.publish_live(i, live)
            }
            Detail::Pool(pool) => {
                // Servers lose power when their hall is dark or has shut down
                // for heat: they stop, and come back through a boot (or
                // restarts by hand), some of them broken. A failure or outage
                // of the pool itself (a top-of-rack switch, say) only takes
                // them out of service while it lasts.
                let powered = spared
                    || (self.infra.container_live(self.model, i)
                        && component.container.is_none_or(|c| !self.infra.nodes[c.index()].overheated_published)
                        && self.infra.nodes[i as usize].damaged == 0);
                let Dynamic::Pool { phase, .. } = self.infra.nodes[i as usize].dynamic else {
                    unreachable!("a pool has pool state")
                };
                match (powered, phase) {
                    (false, PoolPhase::Booting | PoolPhase::Restarting | PoolPhase::Running) => {
                        self.infra.cancel_timer(i, &mut self.ctx);
                        let mut key = self.infra.nodes[i as usize].repair_timer.take();
                        self.ctx.cancel(&mut key);
                        if let Dynamic::Pool { phase, working, cold, epoch, pending, .. } =
                            &mut self.infra.nodes[i as usize].dynamic
                        {
                            *phase = PoolPhase::Off;
                            *working = 0;
                            *pending = 0;
                            *cold = true;
                            *epoch = epoch.wrapping_add(1);
                        }
                    }
                    (true, PoolPhase::Off) => self.power_returned_to_pool(i),
                    _ => {}
                }
                // Unreachable servers keep running but serve no one: their
                // room's network, or their site's uplinks, are lost.
                let reachable = spared
                    || (component.container.is_none_or(|r| self.infra.nodes[r.index()].reachable)
                        && (pool.uplinks.is_empty() || self.infra.enough_serving(&pool.uplinks)));
                self.publish_pool(i, pool.servers, intact && reachable)
            }
            Detail::Link { boot } => {
                let Dynamic::Link { mut phase } = self.infra.nodes[i as usize].dynamic else {
                    unreachable!("a link has link state")
                };
                // Only a power loss makes its equipment boot; a cut or an
                // outage ends without one.
                let powered = self.infra.container_live(self.model, i);
                if !powered {
                    self.infra.cancel_timer(i, &mut self.ctx);
                    phase = LinkPhase::Off;
                } else if phase == LinkPhase::Off {
                    // Power is back: network equipment boots first.
                    let d = boot.as_ref().map_or(SimDuration::ZERO, |b| b.sample(self.ctx.rng(ComponentId(i))));
                    if d.is_zero() {
                        phase = LinkPhase::Up;
                    } else {
                        phase = LinkPhase::Booting;
                        let key = self.ctx.schedule(d, Event::LinkBooted(ComponentId(i)));
                        self.infra.nodes[i as usize].timer = Some(key);
                    }
                }
                self.infra.nodes[i as usize].dynamic = Dynamic::Link { phase };
                self.publish_live(i, on && phase == LinkPhase::Up)
            }
            Detail::Service(_) => unreachable!("services are evaluated by evaluate_service"),
        }
    }

    /// A link's equipment has booted after its power returned.
    pub(super) fn link_booted(&mut self, c: ComponentId) {
        let node = &mut self.infra.nodes[c.index()];
        node.timer = None;
        if let Dynamic::Link { phase: phase @ LinkPhase::Booting } = &mut node.dynamic {
            *phase = LinkPhase::Up;
        }
        self.ctx.touch(c);
    }

    fn power_returned_to_pool(&mut self, i: u32) {
        let Detail::Pool(pool) = &self.model.components[i as usize].detail else { unreachable!("a pool") };
        let Dynamic::Pool { broken, epoch, .. } = self.infra.nodes[i as usize].dynamic else { unreachable!("a pool") };
        let to_start = pool.servers - broken;
        match &pool.restart {
            None => {
                let boot = pool.boot.sample(self.ctx.rng(ComponentId(i)));
                if let Dynamic::Pool { phase, pending, .. } = &mut self.infra.nodes[i as usize].dynamic {
                    *phase = PoolPhase::Booting;
                    *pending = to_start;
                }
                if boot.is_zero() {
                    self.servers_booted(i, to_start);
                } else {
                    let key = self.ctx.schedule(boot, Event::PoolBooted(PoolId(i)));
                    self.infra.nodes[i as usize].timer = Some(key);
                }
            }
            Some(restart) => {
                if let Dynamic::Pool { phase, pending, .. } = &mut self.infra.nodes[i as usize].dynamic {
                    *phase = PoolPhase::Restarting;
                    *pending = to_start;
                }
                self.drop_stale_restarts(PoolId(i), restart.work.team);
                // One piece of work for the whole pool, done batch by batch
                // (see `dispatch_work`): queueing it costs the same however
                // small the batches.
                if to_start > 0 {
                    self.queue_action(Task::PoolRestart(PoolId(i)), to_start, epoch);
                } else {
                    self.servers_booted(i, 0);
                }
            }
        }
    }

    /// The whole pool has booted by itself.
    pub(super) fn pool_booted(&mut self, p: PoolId) {
        let i = p.0;
        self.infra.nodes[i as usize].timer = None;
        let Dynamic::Pool { pending, .. } = self.infra.nodes[i as usize].dynamic else { unreachable!("a pool") };
        self.servers_booted(i, pending);
        self.ctx.touch(ComponentId(i));
    }

    /// A batch restarted by an engineer has booted.
    pub(super) fn batch_booted(&mut self, p: PoolId, batch_epoch: u32, servers: u64) {
        let i = p.0;
        let Dynamic::Pool { epoch, .. } = self.infra.nodes[i as usize].dynamic else { unreachable!("a pool") };
        if epoch == batch_epoch {
            self.servers_booted(i, servers);
            self.ctx.touch(ComponentId(i));
        }
    }

    /// An engineer has restarted a batch of a pool's servers: they boot now.
    pub(super) fn batch_restarted(&mut self, p: PoolId, batch_epoch: u32, servers: u64) {
        let i = p.0;
        let Detail::Pool(pool) = &self.model.components[i as usize].detail else { unreachable!("a pool") };
        let boot = pool.boot.sample(self.ctx.rng(ComponentId(i)));
        if boot.is_zero() {
            self.batch_booted(p, batch_epoch, servers);
        } else {
            let servers = u32::try_from(servers).unwrap_or(u32::MAX);
            self.ctx.schedule_unkeyed(boot, Event::BatchBooted { pool: PoolId(i), epoch: batch_epoch, servers });
        }
    }

    /// `servers` servers come up; after a hard power loss some are broken.
    fn servers_booted(&mut self, i: u32, servers: u64) {
        let Detail::Pool(pool) = &self.model.components[i as usize].detail else { unreachable!("a pool") };
        let Dynamic::Pool { cold, .. } = self.infra.nodes[i as usize].dynamic else { unreachable!("a pool") };
        let newly_broken = if cold && pool.broken_fraction > 0.0 && servers > 0 {
            Binomial::new(servers, pool.broken_fraction).map_or(0, |b| b.sample(self.ctx.rng(ComponentId(i))))
        } else {
            0
        };
        let mut needs_repair = false;
        if let Dynamic::Pool { phase, working, broken, pending, .. } = &mut self.infra.nodes[i as usize].dynamic {
            *working += servers - newly_broken;
            *broken += newly_broken;
            *pending = pending.saturating_sub(servers);
            if *pending == 0 {
                *phase = PoolPhase::Running;
            }
            needs_repair = *broken > 0;
        }
        if needs_repair && self.infra.nodes[i as usize].repair_timer.is_none() {
            let d = pool.repair.sample(self.ctx.rng(ComponentId(i)));
            let key = self.ctx.schedule(d, Event::PoolRepaired(PoolId(i)));
            self.infra.nodes[i as usize].repair_timer = Some(key);
        }
        if let Dynamic::Pool { phase: PoolPhase::Running, cold, .. } = &mut self.infra.nodes[i as usize].dynamic {
            *cold = false;
        }
    }

    pub(super) fn pool_repaired(&mut self, p: PoolId) {
        let i = p.0;
        self.infra.nodes[i as usize].repair_timer = None;
        if let Dynamic::Pool { phase, working, broken, .. } = &mut self.infra.nodes[i as usize].dynamic {
            if *phase != PoolPhase::Off {
                *working += *broken;
            }
            *broken = 0;
        }
        self.ctx.touch(ComponentId(i));
    }

    pub(super) fn generator_started(&mut self, c: ComponentId) {
        let i = c.0;
        self.infra.nodes[i as usize].timer = None;
        if let Dynamic::Generator { phase, fuel_left, running_since } = &mut self.infra.nodes[i as usize].dynamic {
            *phase = GenPhase::Running;
            *running_since = self.ctx.now;
            let fuel = *fuel_left;
            let key = self.ctx.schedule(fuel, Event::FuelExhausted(ComponentId(i)));
            self.infra.nodes[i as usize].timer = Some(key);
        }
        self.ctx.touch(ComponentId(i));
    }

    /// Publishes a pool's working servers and phase; returns whether either
    /// changed (services re-assess why they are impaired on a phase change).
    /// A pool that is not intact (failed, or out) publishes no servers.
    fn publish_pool(&mut self, i: u32, servers: u64, intact: bool) -> bool {
        let Dynamic::Pool { working, phase, published, .. } = &mut self.infra.nodes[i as usize].dynamic else {
            unreachable!("a pool")
        };
        let working = if intact { *working } else { 0 };
        if (working, *phase) == *published {
            return false;
        }
        let working_changed = working != published.0;
        *published = (working, *phase);
        self.infra.nodes[i as usize].live = working > 0;
        if working_changed {
            let state = match working {
                0 => State::Down,
                w if w < servers => State::Degraded,
                _ => State::Up,
            };
            self.record_change(ComponentId(i), state, working as f64 / servers as f64);
        }
        true
    }

    pub(super) fn battery_exhausted(&mut self, c: ComponentId) {
        let node = &mut self.infra.nodes[c.index()];
        node.timer = None;
        node.dynamic = Dynamic::Ups { battery_left: SimDuration::ZERO, draining_since: None };
        self.ctx.touch(c);
    }

    pub(super) fn fuel_exhausted(&mut self, c: ComponentId) {
        let node = &mut self.infra.nodes[c.index()];
        node.timer = None;
        if let Dynamic::Generator { phase, fuel_left, .. } = &mut node.dynamic {
            *phase = GenPhase::Idle;
            *fuel_left = SimDuration::ZERO;
        }
        self.ctx.touch(c);
    }

    pub(super) fn overheated(&mut self, c: ComponentId) {
        let node = &mut self.infra.nodes[c.index()];
        node.timer = None;
        node.overheated = true;
        self.ctx.touch(c);
    }

    /// A random failure: the component is off until its repair.
    pub(super) fn component_failed(&mut self, c: ComponentId) {
        self.infra.nodes[c.index()].failed = true;
        let f = self.model.component(c).failures.as_ref().expect("only components with failures fail");
        let d = f.time_to_repair.sample(self.ctx.rng(c));
        self.ctx.schedule_unkeyed(d, Event::ComponentRepaired(c));
        self.ctx.touch(c);
    }

    /// A repair: the component works again (a generator may try to start
    /// again) until its next failure.
    pub(super) fn component_repaired(&mut self, c: ComponentId) {
        let node = &mut self.infra.nodes[c.index()];
        node.failed = false;
        if let Dynamic::Generator { phase, .. } = &mut node.dynamic
            && *phase == GenPhase::FailedToStart
        {
            *phase = GenPhase::Idle;
        }
        let f = self.model.component(c).failures.as_ref().expect("only components with failures fail");
        let d = f.time_to_failure.sample(self.ctx.rng(c));
        self.ctx.schedule_unkeyed(d, Event::ComponentFailed(c));
        self.ctx.touch(c);
    }
}
