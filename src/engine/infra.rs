//! Infrastructure: rooms, power, cooling and server pools.

use rand_distr::{Binomial, Distribution};

use super::{Dynamic, Event, GenPhase, PoolPhase, Simulation, unit};
use crate::model::{Detail, State};
use crate::recovery::ActionKind;

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
    Booting,
    AwaitingRestart,
    Broken,
}

impl Why {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Why::Outage => "outage",
            Why::Failed => "failed",
            Why::FireDamage => "fire damage",
            Why::PowerCut => "power cut by the authorities",
            Why::NoPower => "no power",
            Why::Overheated => "overheated, cooling lost",
            Why::FailedToStart => "failed to start",
            Why::OutOfFuel => "out of fuel",
            Why::Starting => "starting",
            Why::Booting => "servers booting",
            Why::AwaitingRestart => "servers awaiting restart by engineers",
            Why::Broken => "broken servers awaiting repair",
        }
    }
}

impl Simulation<'_> {
    fn any_live(&self, ids: &[u32]) -> bool {
        ids.iter().any(|&j| self.nodes[j as usize].live)
    }

    fn container_live(&self, i: u32) -> bool {
        self.model.components[i as usize].container.is_none_or(|c| self.nodes[c.index()].live)
    }

    /// Sets a component's liveness; returns whether it changed.
    fn publish_live(&mut self, i: u32, live: bool) -> bool {
        if self.nodes[i as usize].live == live {
            return false;
        }
        self.nodes[i as usize].live = live;
        let state = if live { State::Up } else { State::Down };
        self.record_change(i, state, if live { 1.0 } else { 0.0 });
        true
    }

    /// Brings an infrastructure component in line with its inputs; returns
    /// whether what its dependants see changed.
    pub(super) fn evaluate_infrastructure(&mut self, i: u32) -> bool {
        let model = self.model;
        let component = &model.components[i as usize];
        let intact = self.nodes[i as usize].intact();
        let on = intact && self.container_live(i);
        match &component.detail {
            Detail::Site | Detail::Utility => self.publish_live(i, intact),
            Detail::Switchboard { inputs } => {
                let live = on && self.any_live(inputs);
                self.publish_live(i, live)
            }
            Detail::Cooling { power } => {
                let live = on && (power.is_empty() || self.any_live(power));
                self.publish_live(i, live)
            }
            Detail::Room(room) => {
                let live = on
                    && (room.feeds.is_empty() || self.any_live(&room.feeds))
                    && (room.network.is_empty() || self.any_live(&room.network));
                if !room.cooling.is_empty() {
                    let cooled = self.any_live(&room.cooling);
                    if cooled || !live {
                        // Cooling back, or nothing running to overheat.
                        self.cancel_timer(i);
                        self.nodes[i as usize].overheated = false;
                    } else if !self.nodes[i as usize].overheated && self.nodes[i as usize].timer.is_none() {
                        let key = self.schedule(room.thermal_delay, Event::Overheated(i));
                        self.nodes[i as usize].timer = Some(key);
                    }
                }
                let node = &mut self.nodes[i as usize];
                let overheated = node.overheated;
                if node.live == live && node.overheated_published == overheated {
                    return false;
                }
                node.live = live;
                node.overheated_published = overheated;
                let state = match (live, overheated) {
                    (false, _) => State::Down,
                    (true, true) => State::Degraded,
                    (true, false) => State::Up,
                };
                self.record_change(i, state, if state == State::Up { 1.0 } else { 0.0 });
                true
            }
            Detail::Ups { inputs, ride_through } => {
                let fed = self.any_live(inputs);
                let Dynamic::Ups { mut battery_left, mut draining_since } = self.nodes[i as usize].dynamic else {
                    unreachable!("a UPS has UPS state")
                };
                let live = if !on || fed {
                    if let Some(since) = draining_since.take() {
                        battery_left = battery_left.saturating_sub(self.now - since);
                        self.cancel_timer(i);
                    }
                    if on && fed {
                        battery_left = *ride_through; // recharged
                    }
                    on
                } else {
                    if draining_since.is_none() && !battery_left.is_zero() {
                        draining_since = Some(self.now);
                        let key = self.schedule(battery_left, Event::BatteryExhausted(i));
                        self.nodes[i as usize].timer = Some(key);
                    }
                    draining_since.is_some()
                };
                self.nodes[i as usize].dynamic = Dynamic::Ups { battery_left, draining_since };
                self.publish_live(i, live)
            }
            Detail::Generator { backs_up, start_probability, start_delay, .. } => {
                let needed = !self.any_live(backs_up);
                let Dynamic::Generator { mut phase, mut fuel_left, running_since } = self.nodes[i as usize].dynamic
                else {
                    unreachable!("a generator has generator state")
                };
                if !on || !needed {
                    if phase == GenPhase::Running {
                        fuel_left = fuel_left.saturating_sub(self.now - running_since);
                    }
                    if matches!(phase, GenPhase::Running | GenPhase::Starting) {
                        self.cancel_timer(i);
                        phase = GenPhase::Idle;
                    }
                } else if phase == GenPhase::Idle && !fuel_left.is_zero() {
                    let p = *start_probability;
                    let starts = p >= 1.0 || (p > 0.0 && unit(self.rng(i)) < p);
                    if starts {
                        let delay = start_delay.sample(self.rng(i));
                        phase = GenPhase::Starting;
                        let key = self.schedule(delay, Event::GeneratorStarted(i));
                        self.nodes[i as usize].timer = Some(key);
                    } else {
                        phase = GenPhase::FailedToStart;
                    }
                }
                self.nodes[i as usize].dynamic = Dynamic::Generator { phase, fuel_left, running_since };
                let live = on && needed && phase == GenPhase::Running;
                self.publish_live(i, live)
            }
            Detail::Pool(pool) => {
                // Servers lose power when their hall is dark or has shut down
                // for heat: they stop, and come back through a boot (or
                // restarts by hand), some of them broken. A failure or outage
                // of the pool itself (a top-of-rack switch, say) only takes
                // them out of service while it lasts.
                let powered = self.container_live(i)
                    && component.container.is_none_or(|c| !self.nodes[c.index()].overheated_published);
                let Dynamic::Pool { phase, .. } = self.nodes[i as usize].dynamic else {
                    unreachable!("a pool has pool state")
                };
                match (powered, phase) {
                    (false, PoolPhase::Booting | PoolPhase::Restarting | PoolPhase::Running) => {
                        self.cancel_timer(i);
                        let mut key = self.nodes[i as usize].repair_timer.take();
                        self.cancel(&mut key);
                        if let Dynamic::Pool { phase, working, cold, epoch, pending, .. } =
                            &mut self.nodes[i as usize].dynamic
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
                self.publish_pool(i, pool.servers, intact)
            }
            Detail::Service(_) => unreachable!("services are evaluated by evaluate_service"),
        }
    }

    fn power_returned_to_pool(&mut self, i: u32) {
        let Detail::Pool(pool) = &self.model.components[i as usize].detail else { unreachable!("a pool") };
        let Dynamic::Pool { broken, epoch, .. } = self.nodes[i as usize].dynamic else { unreachable!("a pool") };
        let to_start = pool.servers - broken;
        match &pool.restart {
            None => {
                let boot = pool.boot.sample(self.rng(i));
                if let Dynamic::Pool { phase, pending, .. } = &mut self.nodes[i as usize].dynamic {
                    *phase = PoolPhase::Booting;
                    *pending = to_start;
                }
                if boot.is_zero() {
                    self.servers_booted(i, to_start);
                } else {
                    let key = self.schedule(boot, Event::PoolBooted(i));
                    self.nodes[i as usize].timer = Some(key);
                }
            }
            Some(restart) => {
                if let Dynamic::Pool { phase, pending, .. } = &mut self.nodes[i as usize].dynamic {
                    *phase = PoolPhase::Restarting;
                    *pending = to_start;
                }
                let mut left = to_start;
                while left > 0 {
                    let n = left.min(restart.batch);
                    left -= n;
                    self.queue_action(ActionKind::PoolRestart, i, restart.work.team, n, epoch);
                }
                if to_start == 0 {
                    self.servers_booted(i, 0);
                }
            }
        }
    }

    /// The whole pool has booted by itself.
    pub(super) fn pool_booted(&mut self, i: u32) {
        let Dynamic::Pool { pending, .. } = self.nodes[i as usize].dynamic else { unreachable!("a pool") };
        self.servers_booted(i, pending);
        self.touch(i);
    }

    /// A batch restarted by an engineer has booted.
    pub(super) fn batch_booted(&mut self, i: u32, batch_epoch: u32, servers: u64) {
        let Dynamic::Pool { epoch, .. } = self.nodes[i as usize].dynamic else { unreachable!("a pool") };
        if epoch == batch_epoch {
            self.servers_booted(i, servers);
            self.touch(i);
        }
    }

    /// An engineer has restarted a batch of a pool's servers: they boot now.
    pub(super) fn batch_restarted(&mut self, i: u32, batch_epoch: u32, servers: u64) {
        let Detail::Pool(pool) = &self.model.components[i as usize].detail else { unreachable!("a pool") };
        let boot = pool.boot.sample(self.rng(i));
        if boot.is_zero() {
            self.batch_booted(i, batch_epoch, servers);
        } else {
            let servers = u32::try_from(servers).unwrap_or(u32::MAX);
            self.schedule_unkeyed(boot, Event::BatchBooted { pool: i, epoch: batch_epoch, servers });
        }
    }

    /// `servers` servers come up; after a hard power loss some are broken.
    fn servers_booted(&mut self, i: u32, servers: u64) {
        let Detail::Pool(pool) = &self.model.components[i as usize].detail else { unreachable!("a pool") };
        let Dynamic::Pool { cold, .. } = self.nodes[i as usize].dynamic else { unreachable!("a pool") };
        let newly_broken = if cold && pool.broken_fraction > 0.0 && servers > 0 {
            Binomial::new(servers, pool.broken_fraction).map_or(0, |b| b.sample(self.rng(i)))
        } else {
            0
        };
        let mut needs_repair = false;
        if let Dynamic::Pool { phase, working, broken, pending, .. } = &mut self.nodes[i as usize].dynamic {
            *working += servers - newly_broken;
            *broken += newly_broken;
            *pending = pending.saturating_sub(servers);
            if *pending == 0 {
                *phase = PoolPhase::Running;
            }
            needs_repair = *broken > 0;
        }
        if needs_repair && self.nodes[i as usize].repair_timer.is_none() {
            let d = pool.repair.sample(self.rng(i));
            let key = self.schedule(d, Event::PoolRepaired(i));
            self.nodes[i as usize].repair_timer = Some(key);
        }
        if let Dynamic::Pool { phase: PoolPhase::Running, cold, .. } = &mut self.nodes[i as usize].dynamic {
            *cold = false;
        }
    }

    pub(super) fn pool_repaired(&mut self, i: u32) {
        self.nodes[i as usize].repair_timer = None;
        if let Dynamic::Pool { phase, working, broken, .. } = &mut self.nodes[i as usize].dynamic {
            if *phase != PoolPhase::Off {
                *working += *broken;
            }
            *broken = 0;
        }
        self.touch(i);
    }

    pub(super) fn generator_started(&mut self, i: u32) {
        self.nodes[i as usize].timer = None;
        if let Dynamic::Generator { phase, fuel_left, running_since } = &mut self.nodes[i as usize].dynamic {
            *phase = GenPhase::Running;
            *running_since = self.now;
            let fuel = *fuel_left;
            let key = self.schedule(fuel, Event::FuelExhausted(i));
            self.nodes[i as usize].timer = Some(key);
        }
        self.touch(i);
    }

    /// Publishes a pool's working servers and phase; returns whether either
    /// changed (services re-assess why they are impaired on a phase change).
    /// A pool that is not intact (failed, or out) publishes no servers.
    fn publish_pool(&mut self, i: u32, servers: u64, intact: bool) -> bool {
        let Dynamic::Pool { working, phase, published, .. } = &mut self.nodes[i as usize].dynamic else {
            unreachable!("a pool")
        };
        let working = if intact { *working } else { 0 };
        if (working, *phase) == *published {
            return false;
        }
        let working_changed = working != published.0;
        *published = (working, *phase);
        self.nodes[i as usize].live = working > 0;
        if working_changed {
            let state = match working {
                0 => State::Down,
                w if w < servers => State::Degraded,
                _ => State::Up,
            };
            self.record_change(i, state, working as f64 / servers as f64);
        }
        true
    }

    /// Servers of a pool that dependants see working.
    pub(super) fn working(&self, pool: usize) -> u64 {
        match self.nodes[pool] {
            super::NodeState { dynamic: Dynamic::Pool { published, .. }, .. } => published.0,
            _ => 0,
        }
    }

    /// The component at the root of `i` not working, and why: follows dead
    /// inputs upstream (first dead input first) to one that is faulted itself.
    pub(super) fn why(&self, mut i: u32) -> (u32, Why) {
        // Infrastructure is acyclic (validated), so this ends; the bound is a guard.
        for _ in 0..self.nodes.len() {
            let node = &self.nodes[i as usize];
            if node.out > 0 {
                return (i, Why::Outage);
            }
            if node.failed {
                return (i, Why::Failed);
            }
            if node.damaged > 0 {
                return (i, Why::FireDamage);
            }
            if node.cut > 0 {
                return (i, Why::PowerCut);
            }
            let component = &self.model.components[i as usize];
            if let Some(parent) = component.container
                && !self.nodes[parent.index()].live
            {
                i = parent.0;
                continue;
            }
            let first_dead = |ids: &[u32]| -> Option<u32> {
                (!ids.is_empty() && !ids.iter().any(|&j| self.nodes[j as usize].live)).then(|| ids[0])
            };
            let next = match &component.detail {
                Detail::Room(room) => {
                    if let Some(f) = first_dead(&room.feeds).or_else(|| first_dead(&room.network)) {
                        Some(f)
                    } else if node.overheated_published {
                        return (first_dead(&room.cooling).unwrap_or(i), Why::Overheated);
                    } else {
                        None
                    }
                }
                Detail::Ups { inputs, .. } | Detail::Switchboard { inputs } | Detail::Cooling { power: inputs } => {
                    first_dead(inputs)
                }
                Detail::Generator { .. } => {
                    let why = match node.dynamic {
                        Dynamic::Generator { phase: GenPhase::FailedToStart, .. } => Why::FailedToStart,
                        Dynamic::Generator { phase: GenPhase::Starting, .. } => Why::Starting,
                        _ => Why::OutOfFuel,
                    };
                    return (i, why);
                }
                Detail::Pool(_) => {
                    if let Some(room) = component.container
                        && self.nodes[room.index()].overheated_published
                    {
                        i = room.0;
                        continue;
                    }
                    let why = match node.dynamic {
                        Dynamic::Pool { phase: PoolPhase::Booting, .. } => Why::Booting,
                        Dynamic::Pool { phase: PoolPhase::Restarting, .. } => Why::AwaitingRestart,
                        Dynamic::Pool { broken, .. } if broken > 0 => Why::Broken,
                        _ => Why::NoPower,
                    };
                    return (i, why);
                }
                _ => None,
            };
            match next {
                Some(n) => i = n,
                None => return (i, Why::NoPower),
            }
        }
        (i, Why::NoPower)
    }
}
