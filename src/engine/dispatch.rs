//! Engineer dispatch: teams, the manual work they are given, and the order
//! they take it in. See [`crate::recovery`] for the rules this implements.

use std::cmp::Reverse;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use priority_queue::PriorityQueue;

use super::context::Ctx;
use super::outcome::Deadlock;
use super::services::Step;
use super::{Event, Simulation};
use crate::model::{
    ComponentId, Detail, FailoverDef, Model, PoolId, Replacement, RoomDetail, ServiceId, State, TeamCall, TeamDef, Work,
};
use crate::recovery::{ActionInfo, ActionKind, RecoveryPolicy, RecoveryView};
use crate::rng::{self, StreamKind};
use crate::time::{SimDuration, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EngineerState {
    /// Not called in yet, or on the way.
    Absent,
    Free,
    Busy,
    Resting,
}

#[derive(Clone, Copy, Debug)]
struct Engineer {
    state: EngineerState,
    /// Their shift ended while busy: they rest once the task in hand is done.
    rest_due: bool,
}

const ABSENT: Engineer = Engineer { state: EngineerState::Absent, rest_due: false };

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// In its wait before it can start (a decision, a delivery): no one busy.
    Waiting,
    /// Waiting for an engineer.
    Queued,
    /// Waiting for a required service (no fallback).
    Blocked,
    Running,
    Finished,
    /// No longer needed.
    Dropped,
}

/// What a piece of manual work does, and to which element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Task {
    /// Restart one batch of a pool's servers after power returns.
    PoolRestart(PoolId),
    /// Move a service's traffic to its standbys by hand.
    Failover(ServiceId),
    /// Add servers to a service's standbys.
    ScaleOut(ServiceId),
    /// Bring a service back up once its servers are back.
    ServiceRestart(ServiceId),
    /// Install new equipment in a room that fire `hazard` burnt.
    Replacement { room: ComponentId, hazard: u16 },
    /// Start the services of bootstrap `b`, a dependency cycle, together.
    Bootstrap(u16),
    /// Rebuild a service's capacity on its `Rebuild` deployments.
    Rebuild(ServiceId),
    /// Restore a service's data from its backup.
    DataRestore(ServiceId),
}

impl Task {
    fn kind(self) -> ActionKind {
        match self {
            Task::PoolRestart(_) => ActionKind::PoolRestart,
            Task::Failover(_) => ActionKind::Failover,
            Task::ScaleOut(_) => ActionKind::ScaleOut,
            Task::ServiceRestart(_) => ActionKind::ServiceRestart,
            Task::Replacement { .. } => ActionKind::Replacement,
            Task::Bootstrap(_) => ActionKind::Bootstrap,
            Task::Rebuild(_) => ActionKind::Rebuild,
            Task::DataRestore(_) => ActionKind::DataRestore,
        }
    }

    /// The component whose random stream draws the work's duration.
    fn stream(self, model: &Model) -> ComponentId {
        match self {
            Task::PoolRestart(p) => p.component(),
            Task::Replacement { room, .. } => room,
            Task::Bootstrap(b) => model.service(model.bootstraps[b as usize].services[0]).component,
            Task::Failover(s)
            | Task::ScaleOut(s)
            | Task::ServiceRestart(s)
            | Task::Rebuild(s)
            | Task::DataRestore(s) => model.service(s).component,
        }
    }

    /// The work it is, as the model describes it.
    fn work(self, model: &Model) -> &Work {
        match self {
            Task::PoolRestart(p) => match &model.components[p.index()].detail {
                Detail::Pool(pool) => &pool.restart.as_ref().expect("only manual pools queue restarts").work,
                _ => unreachable!("pool restarts target pools"),
            },
            Task::Failover(s) => match &model.service(s).recovery.failover {
                Some(FailoverDef::Manual(w)) => w,
                Some(FailoverDef::Automatic { otherwise: Some(w), .. }) => w,
                _ => unreachable!("manual failovers have manual work"),
            },
            Task::ScaleOut(s) => &model.service(s).recovery.scale_out.as_ref().expect("scale-out").work,
            Task::ServiceRestart(s) => model.service(s).recovery.restart.as_ref().expect("restart work"),
            Task::Replacement { room, .. } => match &model.component(room).detail {
                Detail::Room(RoomDetail { replacement: Replacement::Work { work, .. }, .. }) => work,
                _ => unreachable!("replacement work is queued for rooms replaced by work"),
            },
            Task::Bootstrap(b) => &model.bootstraps[b as usize].work,
            Task::Rebuild(s) => model.service(s).recovery.rebuild.as_ref().expect("rebuild work"),
            Task::DataRestore(s) => &model.service(s).recovery.backup.as_ref().expect("a backup").1,
        }
    }

    /// The services the work brings back (for a pool restart: those
    /// deployed on the pool), given a one-element buffer for the others.
    fn services<'a>(self, model: &'a Model, one: &'a mut [ServiceId; 1]) -> &'a [ServiceId] {
        match self {
            Task::PoolRestart(p) => model.pool_services(p.component()),
            Task::Replacement { room, .. } => model.room_services(room),
            Task::Bootstrap(b) => &model.bootstraps[b as usize].services,
            Task::Failover(s)
            | Task::ScaleOut(s)
            | Task::ServiceRestart(s)
            | Task::Rebuild(s)
            | Task::DataRestore(s) => {
                one[0] = s;
                &one[..]
            }
        }
    }
}

/// One piece of manual work.
#[derive(Clone, Copy, Debug)]
pub(super) struct Action {
    pub(super) task: Task,
    /// The team whose engineer does it; `None`: no engineer.
    team: Option<u16>,
    /// Servers of a restart batch or a scale-out step.
    servers: u64,
    /// The target's epoch when queued (pool power epoch, failover epoch).
    epoch: u32,
    seq: u64,
    queued_at: SimTime,
    /// When it was last found unable to start for want of a required service.
    blocked_at: SimTime,
    pub(super) status: Status,
    engineer: u16,
    /// Running the slow way, without a required service.
    slow: bool,
}

/// A team during a run.
#[derive(Clone, Debug)]
struct TeamRun {
    called: bool,
    engineers: Vec<Engineer>,
    /// Actions waiting for an engineer, by (rank, queueing order).
    queue: PriorityQueue<u32, Reverse<(i64, u64)>>,
    /// Actions waiting for a required service.
    blocked: Vec<u32>,
    /// Which engineers are free, a bit each.
    free: Vec<u64>,
}

impl TeamRun {
    /// Back to the start of a run, keeping the allocations.
    fn reset(&mut self, def: &TeamDef) {
        self.called = false;
        self.engineers.clear();
        self.engineers.resize(def.total_engineers() as usize, ABSENT);
        self.queue.clear();
        self.blocked.clear();
        self.free.clear();
        self.free.resize((def.total_engineers() as usize).div_ceil(64), 0);
    }

    fn new(def: &TeamDef) -> TeamRun {
        TeamRun {
            called: false,
            engineers: vec![ABSENT; def.total_engineers() as usize],
            queue: PriorityQueue::new(),
            blocked: Vec::new(),
            free: vec![0; (def.total_engineers() as usize).div_ceil(64)],
        }
    }

    /// Sets engineer `e`, keeping the free set in step.
    fn set(&mut self, e: usize, engineer: Engineer) {
        self.engineers[e] = engineer;
        let bit = 1u64 << (e % 64);
        if engineer.state == EngineerState::Free {
            self.free[e / 64] |= bit;
        } else {
            self.free[e / 64] &= !bit;
        }
    }
}

/// The people of a run: every team, every action queued so far, and the
/// teams' random streams.
#[derive(Default)]
pub(super) struct Crew {
    teams: Vec<TeamRun>,
    actions: Vec<Action>,
    rngs: Vec<rng::Stream>,
    /// Set when the first service is impacted: every team has been called.
    incident: bool,
    /// Work that needs no engineer, blocked on a required service.
    unstaffed_blocked: Vec<u32>,
    /// Work unblocked while services changed (scratch, for blame).
    moved: Vec<u32>,
    /// Teams called once some elements work, not called yet.
    waiting_calls: Vec<u16>,
    /// Slots of `actions` free for new work: an action done or dropped is
    /// referenced by nothing once its event is over, so memory holds the
    /// work alive, not every piece of work ever queued.
    free: Vec<u32>,
    /// Slots freed during the current event, free from the next one (the
    /// event's own description may still read them).
    releasing: Vec<u32>,
    /// Queueing order of the next action (ties in a queue go to the first).
    next_seq: u64,
    /// The run's horizon and event budget, to refuse at once a team whose
    /// shifts alone would take more events than the run may.
    pub(super) budget: (SimTime, u64),
    /// Set when a team called in would overrun the budget.
    pub(super) overrun: Option<Overrun>,
}

/// Work a run would have to do past its event budget, found in advance.
#[derive(Clone, Debug)]
pub(super) struct Overrun {
    pub(super) cause: String,
    pub(super) needed: u64,
    pub(super) advice: String,
}

impl Crew {
    /// No one called, nothing queued, for run `run` of study `seed`.
    pub(super) fn reset(&mut self, model: &Model, seed: u64, run: u64) {
        self.actions.clear();
        self.free.clear();
        self.releasing.clear();
        self.next_seq = 0;
        self.overrun = None;
        self.unstaffed_blocked.clear();
        self.incident = false;
        self.waiting_calls.clear();
        self.waiting_calls.extend(
            (0..model.teams.len() as u16).filter(|&t| matches!(model.teams[t as usize].called, TeamCall::When(_))),
        );
        if self.teams.len() == model.teams.len() {
            for (team, def) in self.teams.iter_mut().zip(&model.teams) {
                team.reset(def);
            }
        } else {
            self.teams.clear();
            self.teams.extend(model.teams.iter().map(TeamRun::new));
        }
        self.rngs.clear();
        for t in &model.teams {
            self.rngs.push(rng::stream(seed, run, StreamKind::Recovery, &t.name));
        }
    }

    /// An action is done or dropped and referenced by nothing but the
    /// current event: its slot is reused from the next event on.
    fn release(&mut self, a: u32) {
        self.releasing.push(a);
    }

    /// Files an action in a free slot; returns the slot.
    fn add(&mut self, action: Action) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.actions[slot as usize] = action;
                slot
            }
            None => {
                self.actions.push(action);
                self.actions.len() as u32 - 1
            }
        }
    }

    /// Makes the slots released during the last event free for new work.
    pub(super) fn flush_released(&mut self) {
        self.free.append(&mut self.releasing);
    }

    /// Whether the incident has started: every team has been called in.
    pub(super) fn is_called_in(&self) -> bool {
        self.incident
    }

    /// An engineer called in arrives: their rota starts (see
    /// [`crate::recovery`] for the rules).
    pub(super) fn engineer_arrives(&mut self, team: u16, engineer: u16, model: &Model, ctx: &mut Ctx<'_>) {
        self.start_rota(team, engineer, true, model, ctx);
    }

    /// An engineer is back from rest for a full shift.
    pub(super) fn engineer_rested(&mut self, team: u16, engineer: u16, model: &Model, ctx: &mut Ctx<'_>) {
        self.start_rota(team, engineer, false, model, ctx);
    }

    /// An engineer starts on site: free, until their shift ends. On first
    /// arrival in a staggered rota, engineer k of n starts k/n of the way
    /// through the work-and-rest cycle, and rests first if that falls in
    /// the rest part.
    fn start_rota(&mut self, team: u16, engineer: u16, first: bool, model: &Model, ctx: &mut Ctx<'_>) {
        let def = &model.teams[team as usize];
        let run = &mut self.teams[team as usize];
        run.set(engineer as usize, Engineer { state: EngineerState::Free, rest_due: false });
        let Some(shifts) = def.shifts else { return };
        let cycle = shifts.work + shifts.rest;
        let offset = if first && shifts.staggered {
            let k = u128::from(engineer);
            let n = u128::from(def.total_engineers().max(1));
            SimDuration::from_millis((u128::from(cycle.as_millis()) * k / n) as u64)
        } else {
            SimDuration::ZERO
        };
        if offset < shifts.work {
            ctx.schedule_unkeyed(shifts.work.saturating_sub(offset), Event::ShiftEnds { team, engineer });
        } else {
            run.set(engineer as usize, Engineer { state: EngineerState::Resting, rest_due: false });
            ctx.schedule_unkeyed(cycle.saturating_sub(offset), Event::EngineerRested { team, engineer });
        }
    }

    /// An engineer's shift is over: a free one leaves to rest now, a busy
    /// one once the task in hand is done.
    pub(super) fn shift_ends(&mut self, team: u16, engineer: u16, model: &Model, ctx: &mut Ctx<'_>) {
        let eng = &mut self.teams[team as usize].engineers[engineer as usize];
        match eng.state {
            EngineerState::Free => self.go_to_rest(team, engineer, model, ctx),
            EngineerState::Busy => eng.rest_due = true,
            EngineerState::Absent | EngineerState::Resting => {}
        }
    }

    fn go_to_rest(&mut self, team: u16, engineer: u16, model: &Model, ctx: &mut Ctx<'_>) {
        let rest = model.teams[team as usize].shifts.map_or(SimDuration::ZERO, |s| s.rest);
        self.teams[team as usize].set(engineer as usize, Engineer { state: EngineerState::Resting, rest_due: false });
        ctx.schedule_unkeyed(rest, Event::EngineerRested { team, engineer });
    }

    /// An engineer finished a task: free again, or off to rest if their
    /// shift ended meanwhile.
    fn task_done(&mut self, team: u16, engineer: u16, model: &Model, ctx: &mut Ctx<'_>) {
        if self.teams[team as usize].engineers[engineer as usize].rest_due {
            self.go_to_rest(team, engineer, model, ctx);
        } else {
            self.teams[team as usize].set(engineer as usize, Engineer { state: EngineerState::Free, rest_due: false });
        }
    }

    /// Calls a team in, if it is not yet: the on-call engineers are on site
    /// at once, the others arrive after a draw each, and an escalation's
    /// engineers all arrive after one draw of its delay.
    pub(super) fn call_team(&mut self, team: u16, model: &Model, ctx: &mut Ctx<'_>) {
        let t = team as usize;
        if self.teams[t].called {
            return;
        }
        self.teams[t].called = true;
        let def = &model.teams[t];
        if let Some(shifts) = def.shifts {
            // Each engineer ends a shift and comes back from rest once a
            // cycle until the horizon: two events a cycle each.
            let (horizon, budget) = self.budget;
            let left = u128::from(horizon.since_start().as_millis().saturating_sub(ctx.now.since_start().as_millis()));
            let cycle = u128::from((shifts.work + shifts.rest).as_millis().max(1));
            let needed = u128::from(def.total_engineers()) * 2 * left / cycle;
            if needed > u128::from(budget) {
                self.overrun = Some(Overrun {
                    cause: format!(
                        "team '{}' changing shifts ({} on, {} off) for {} engineers over the {} left",
                        def.name,
                        shifts.work,
                        shifts.rest,
                        def.total_engineers(),
                        SimDuration::from_millis(left as u64)
                    ),
                    needed: u64::try_from(needed).unwrap_or(u64::MAX),
                    advice: "lengthen its shifts".to_owned(),
                });
            }
        }
        for e in 0..def.engineers as usize {
            if e < def.on_call as usize {
                self.start_rota(team, e as u16, true, model, ctx);
            } else {
                let d = def.arrival.sample(&mut self.rngs[t]);
                ctx.schedule_unkeyed(d, Event::EngineerArrives { team, engineer: e as u16 });
            }
        }
        if let Some((after, _)) = &def.escalation {
            let d = after.sample(&mut self.rngs[t]);
            for e in def.engineers..def.total_engineers() {
                ctx.schedule_unkeyed(d, Event::EngineerArrives { team, engineer: e as u16 });
            }
        }
    }

    /// Calls a team in if work or the first impact is what calls it.
    fn call_on_impact(&mut self, team: u16, model: &Model, ctx: &mut Ctx<'_>) {
        if matches!(model.teams[team as usize].called, TeamCall::FirstImpact) {
            self.call_team(team, model, ctx);
        }
    }

    /// The random stream of team `t`, for its call-out time.
    pub(super) fn team_rng(&mut self, t: u16) -> &mut rng::Stream {
        &mut self.rngs[t as usize]
    }

    /// The lowest-numbered free engineer of a team, found in time that does
    /// not grow with the team (a word of the free set at a time).
    fn free_engineer(&self, t: usize) -> Option<usize> {
        let team = &self.teams[t];
        let (w, bits) = team.free.iter().enumerate().find(|(_, bits)| **bits != 0)?;
        Some(w * 64 + bits.trailing_zeros() as usize)
    }
}

/// An action's rank under `policy`, seeing the services' current states.
fn rank(policy: &dyn RecoveryPolicy, model: &Model, states: &[State], a: &Action) -> i64 {
    let view = RecoveryView { model, states };
    let mut one = [ServiceId(0)];
    let info = ActionInfo { kind: a.task.kind(), services: a.task.services(model, &mut one), queued_at: a.queued_at };
    policy.rank(&info, &view)
}

impl Simulation<'_> {
    /// Queues manual work: after its wait, if it has one (no one busy
    /// meanwhile), it goes to its team's queue, calling the team in if it
    /// is not yet (every team is called when the incident starts, see
    /// `incident_started`; this covers work queued without any service
    /// being impacted), or, needing no engineer, starts by itself.
    /// Returns the action's slot, for [`work_step`](Self::work_step).
    pub(super) fn queue_action(&mut self, task: Task, servers: u64, epoch: u32) -> u32 {
        let work = task.work(self.model);
        let action = Action {
            task,
            team: work.team,
            servers,
            epoch,
            seq: self.crew.next_seq,
            queued_at: self.ctx.now,
            blocked_at: self.ctx.now,
            status: Status::Waiting,
            engineer: 0,
            slow: false,
        };
        self.crew.next_seq += 1;
        let id = self.crew.add(action);
        match &work.wait {
            Some(wait) => {
                let d = wait.sample(self.ctx.rng(task.stream(self.model)));
                self.ctx.schedule_unkeyed(d, Event::WaitOver { action: id });
            }
            None => self.wait_over(id),
        }
        id
    }

    /// Work moved on (out of its wait, started, blocked, unblocked): the
    /// services it holds are looked at again, so that their blame says
    /// where it stands now (run reports only).
    fn work_moved(&mut self, a: u32) {
        if !self.ctx.blame {
            return;
        }
        match self.crew.actions[a as usize].task {
            Task::Failover(s)
            | Task::ServiceRestart(s)
            | Task::Rebuild(s)
            | Task::DataRestore(s)
            | Task::ScaleOut(s) => self.ctx.touch(self.model.service(s).component),
            Task::Bootstrap(b) => {
                for &s in &self.model.bootstraps[b as usize].services {
                    self.ctx.touch(self.model.service(s).component);
                }
            }
            Task::PoolRestart(_) | Task::Replacement { .. } => {}
        }
    }

    /// Where the work queued in `slot` for `task` stands, for blame; `None`
    /// when that slot holds other work now, or the work is over.
    pub(super) fn work_step(&self, slot: u32, task: Task) -> Option<Step> {
        let action = self.crew.actions.get(slot as usize)?;
        if action.task != task {
            return None;
        }
        let work = task.work(self.model);
        let missing = || self.first_down(&work.requires);
        Some(match action.status {
            Status::Waiting => Step::Delay,
            Status::Queued => match action.team {
                Some(t) => Step::Engineer(t),
                None => Step::InProgress,
            },
            Status::Blocked => missing().map_or(Step::InProgress, Step::Requires),
            Status::Running if action.slow => missing().map_or(Step::InProgress, Step::Slowed),
            Status::Running => Step::InProgress,
            Status::Finished | Status::Dropped => return None,
        })
    }

    /// The required service that is down, that went down first (ties: the
    /// first by name): what work waits for, whatever order it lists them.
    pub(super) fn first_down(&self, requires: &[ServiceId]) -> Option<ServiceId> {
        let model = self.model;
        requires.iter().copied().filter(|&r| self.services.is_down(r)).min_by(|&a, &b| {
            let key = |s: ServiceId| (self.services.down_since(s), &model.service(s).name);
            key(a).cmp(&key(b))
        })
    }

    /// An action's wait is over: it goes to its team's queue, or starts by
    /// itself if it needs no engineer.
    pub(super) fn wait_over(&mut self, a: u32) {
        if self.crew.actions[a as usize].status != Status::Waiting {
            return;
        }
        self.crew.actions[a as usize].status = Status::Queued;
        self.work_moved(a);
        match self.crew.actions[a as usize].team {
            Some(team) => {
                let action = &self.crew.actions[a as usize];
                let rank = rank(&*self.policy, self.model, self.services.states(), action);
                let seq = action.seq;
                self.crew.teams[team as usize].queue.push(a, Reverse((rank, seq)));
                self.crew.call_on_impact(team, self.model, &mut self.ctx);
            }
            None => self.start_unstaffed(a),
        }
    }

    /// Starts work that needs no engineer, if it is still needed: at once
    /// with its requirements up, the slow way without them, or it waits.
    fn start_unstaffed(&mut self, a: u32) {
        if !self.still_needed(a) {
            self.crew.release(a);
            return;
        }
        let task = self.crew.actions[a as usize].task;
        let work = task.work(self.model);
        let slow = !self.requirements_up(work);
        let duration = if !slow {
            &work.duration
        } else if let Some(slower) = &work.fallback {
            slower
        } else {
            let action = &mut self.crew.actions[a as usize];
            action.status = Status::Blocked;
            action.blocked_at = self.ctx.now;
            self.crew.unstaffed_blocked.push(a);
            self.services.deadlock_check_due = true;
            self.work_moved(a);
            return;
        };
        // Work that needs no engineer goes ahead all at once: each batch of
        // a pool's restart runs now, side by side.
        while let Some(batch) = self.batch_of(a, false) {
            self.start_running(batch, slow, duration);
        }
        self.start_running(a, slow, duration);
    }

    /// Work that needs no engineer starts: it runs for a draw of `duration`.
    fn start_running(&mut self, a: u32, slow: bool, duration: &crate::dist::Dist) {
        let task = self.crew.actions[a as usize].task;
        let d = duration.sample(self.ctx.rng(task.stream(self.model)));
        self.crew.actions[a as usize].status = Status::Running;
        self.crew.actions[a as usize].slow = slow;
        self.work_moved(a);
        self.ctx.schedule_unkeyed(d, Event::ActionDone { action: a });
    }

    /// The first service has been impacted: call every team in.
    pub(super) fn incident_started(&mut self) {
        self.crew.incident = true;
        self.conditions_changed = true;
        for t in 0..self.crew.teams.len() {
            self.crew.call_on_impact(t as u16, self.model, &mut self.ctx);
        }
    }

    /// Calls the teams whose call-out waits for elements that now all
    /// work; returns whether any was called.
    pub(super) fn call_teams_whose_conditions_hold(&mut self) -> bool {
        // Before the first impact nothing has been lost to come back.
        if self.crew.waiting_calls.is_empty() || !self.crew.incident {
            return false; // the usual case
        }
        let model = self.model;
        let mut called = false;
        let mut k = 0;
        while k < self.crew.waiting_calls.len() {
            let t = self.crew.waiting_calls[k];
            let ready = match &model.teams[t as usize].called {
                TeamCall::When(elements) => elements.iter().all(|&c| self.element_works(c)),
                _ => true,
            };
            if ready {
                self.crew.waiting_calls.remove(k);
                self.crew.call_team(t, model, &mut self.ctx);
                called = true;
            } else {
                k += 1;
            }
        }
        called
    }

    /// A pool lost power again before its restart was done: the batches
    /// queued or blocked for the earlier loss are dropped now (they would be
    /// dropped when an engineer got to them; dropping them at once keeps a
    /// pool whose power flaps from filling memory with stale work).
    /// Batches waiting out a delay go when it is over.
    pub(super) fn drop_stale_restarts(&mut self, p: PoolId, team: Option<u16>) {
        let epoch = self.infra.pool_epoch(p);
        let actions = &mut self.crew.actions;
        let stale = |a: u32| {
            let action = &actions[a as usize];
            action.task == Task::PoolRestart(p) && action.epoch != epoch
        };
        let mut dropped = Vec::new();
        match team {
            Some(t) => {
                let team = &mut self.crew.teams[t as usize];
                dropped.extend(team.queue.iter().map(|(&a, _)| a).filter(|&a| stale(a)));
                for a in &dropped {
                    team.queue.remove(a);
                }
                team.blocked.retain(|&a| {
                    let keep = !stale(a);
                    if !keep {
                        dropped.push(a);
                    }
                    keep
                });
            }
            None => self.crew.unstaffed_blocked.retain(|&a| {
                let keep = !stale(a);
                if !keep {
                    dropped.push(a);
                }
                keep
            }),
        }
        for a in dropped {
            self.crew.actions[a as usize].status = Status::Dropped;
            self.crew.release(a);
        }
    }

    /// Whether an action still makes sense; drops it (and lets its target
    /// queue a new one later) if not.
    fn still_needed(&mut self, a: u32) -> bool {
        let action = self.crew.actions[a as usize];
        let epoch = action.epoch;
        let needed = match action.task {
            Task::PoolRestart(p) => self.infra.pool_epoch(p) == epoch,
            Task::Failover(s) => self.services.manual_failover_pending(s, epoch),
            Task::ScaleOut(s) => self.scale_out_needed(s),
            Task::ServiceRestart(s) => self.services.restart_pending(s, epoch),
            Task::Replacement { room, hazard } => self.awaits_replacement(hazard, room),
            Task::Bootstrap(b) => self.services.bootstrap_wanted(b),
            Task::Rebuild(s) => self.services.rebuild_pending(s),
            Task::DataRestore(s) => self.services.restore_pending(s),
        };
        if !needed {
            self.crew.actions[a as usize].status = Status::Dropped;
            match action.task {
                // Only the current restart's flag: a stale one must not
                // clear the flag of the restart queued after a later crash.
                Task::ServiceRestart(s) => self.services.restart_dropped(s, epoch),
                Task::ScaleOut(s) => self.services.scale_out_settled(s),
                Task::Bootstrap(b) => self.services.bootstrap_settled(b),
                Task::Rebuild(s) => self.services.rebuild_dropped(s),
                Task::DataRestore(s) => self.services.restore_dropped(s),
                _ => {}
            }
        }
        needed
    }

    fn requirements_up(&self, work: &Work) -> bool {
        work.requires.iter().all(|&r| !self.services.is_down(r))
    }

    /// Splits one batch off a pool restart `a` that has more than one left
    /// (unless it is `blocked`: then it waits whole): a new action for the
    /// batch, `a` keeping the rest.
    fn batch_of(&mut self, a: u32, blocked: bool) -> Option<u32> {
        let action = self.crew.actions[a as usize];
        let Task::PoolRestart(p) = action.task else { return None };
        let Detail::Pool(pool) = &self.model.components[p.index()].detail else { unreachable!("a pool") };
        let batch = pool.restart.as_ref().map_or(u64::MAX, |r| r.batch);
        if blocked || action.servers <= batch {
            return None;
        }
        self.crew.actions[a as usize].servers -= batch;
        let split = Action { servers: batch, seq: self.crew.next_seq, ..action };
        self.crew.next_seq += 1;
        Some(self.crew.add(split))
    }

    /// Gives waiting work to free engineers, in policy order. Called after
    /// every event has settled.
    pub(super) fn dispatch_work(&mut self) {
        if self.services.take_changed() {
            self.on_services_changed();
        }
        let model = self.model;
        for t in 0..self.crew.teams.len() {
            if self.crew.teams[t].queue.is_empty() {
                continue; // the usual case: no scan of the team at all
            }
            while let Some(e) = self.crew.free_engineer(t) {
                let Some((a, priority)) = self.crew.teams[t].queue.pop() else { break };
                if !self.still_needed(a) {
                    self.crew.release(a);
                    continue;
                }
                let task = self.crew.actions[a as usize].task;
                let work = task.work(model);
                let slow = !self.requirements_up(work);
                // A pool's restart is queued whole: an engineer who can go
                // ahead takes one batch, and the rest stays queued where it
                // was (as many separate batches queued at once would).
                let a = match self.batch_of(a, slow && work.fallback.is_none()) {
                    Some(batch) => {
                        self.crew.teams[t].queue.push(a, priority);
                        batch
                    }
                    None => a,
                };
                let duration = if !slow {
                    &work.duration
                } else if let Some(slower) = &work.fallback {
                    slower
                } else {
                    self.crew.actions[a as usize].status = Status::Blocked;
                    self.crew.actions[a as usize].blocked_at = self.ctx.now;
                    self.crew.teams[t].blocked.push(a);
                    self.services.deadlock_check_due = true;
                    self.work_moved(a);
                    continue;
                };
                let d = duration.sample(self.ctx.rng(task.stream(model)));
                self.crew.teams[t].set(e, Engineer { state: EngineerState::Busy, rest_due: false });
                let act = &mut self.crew.actions[a as usize];
                act.status = Status::Running;
                act.engineer = e as u16;
                act.slow = slow;
                self.work_moved(a);
                self.ctx.schedule_unkeyed(d, Event::ActionDone { action: a });
            }
        }
    }

    /// A service changed state: blocked work may go ahead, waiting
    /// automatic failovers may switch, and dynamic ranks may have moved.
    /// Allocates nothing: the policy reads the services' state slice as it is.
    fn on_services_changed(&mut self) {
        let model = self.model;
        let policy = &*self.policy;
        let states = self.services.states();
        let requirements_up = |work: &Work| work.requires.iter().all(|r| states[r.index()] != State::Down);
        let crew = &mut self.crew;
        for team in &mut crew.teams {
            let actions = &mut crew.actions;
            // Taken out and put back, so the list keeps its capacity.
            let mut blocked = std::mem::take(&mut team.blocked);
            blocked.retain(|&a| {
                let action = &mut actions[a as usize];
                if action.status != Status::Blocked {
                    return false;
                }
                if !requirements_up(action.task.work(model)) {
                    return true;
                }
                let rank = rank(policy, model, states, action);
                action.status = Status::Queued;
                team.queue.push(a, Reverse((rank, action.seq)));
                crew.moved.push(a);
                false
            });
            team.blocked = blocked;
            if policy.is_dynamic() {
                for (a, priority) in team.queue.iter_mut() {
                    let action = &actions[*a as usize];
                    *priority = Reverse((rank(policy, model, states, action), action.seq));
                }
            }
        }
        if !self.services.waiting_switch.is_empty() {
            let waiting = std::mem::take(&mut self.services.waiting_switch);
            for s in waiting.into_iter().map(ServiceId) {
                if self.services.failover_waits_for_requirements(s) {
                    // Still waiting: tried again (and listed again if it must wait on).
                    self.try_automatic_switch(s);
                }
            }
        }
        let moved = std::mem::take(&mut self.crew.moved);
        for &a in &moved {
            self.work_moved(a);
        }
        self.crew.moved = moved;
        self.crew.moved.clear();
        // Work that needs no engineer starts as soon as it may.
        if !self.crew.unstaffed_blocked.is_empty() {
            let blocked = std::mem::take(&mut self.crew.unstaffed_blocked);
            for a in blocked {
                if self.crew.actions[a as usize].status == Status::Blocked {
                    self.crew.actions[a as usize].status = Status::Queued;
                    self.start_unstaffed(a);
                }
            }
        }
    }

    pub(super) fn action_done(&mut self, a: u32) {
        let action = self.crew.actions[a as usize];
        self.crew.actions[a as usize].status = Status::Finished;
        self.crew.release(a);
        if let Some(team) = action.team {
            self.crew.task_done(team, action.engineer, self.model, &mut self.ctx);
        }
        match action.task {
            Task::PoolRestart(p) => {
                if self.infra.pool_epoch(p) == action.epoch {
                    self.batch_restarted(p, action.epoch, action.servers);
                }
            }
            Task::Failover(s) => {
                if self.services.manual_failover_pending(s, action.epoch) {
                    self.complete_failover(s);
                }
            }
            Task::ScaleOut(s) => {
                self.services.scale_out_settled(s);
                if let Some((d, spare)) = self.scale_out_room(s) {
                    self.services.add_servers(s, d, action.servers.min(spare));
                }
                self.ctx.touch(self.model.service(s).component);
            }
            Task::Replacement { room, hazard } => self.equipment_replaced(hazard, room),
            Task::Bootstrap(b) => self.bootstrap_done(b),
            Task::Rebuild(s) => self.rebuild_done(s),
            Task::DataRestore(s) => self.data_restored(s),
            Task::ServiceRestart(s) => {
                // A restart begun before a later crash does not count.
                self.services.restart_done(s, action.epoch);
                self.ctx.touch(self.model.service(s).component);
            }
        }
    }

    /// What caused the current change, in words.
    pub(super) fn describe_cause(&self) -> String {
        match self.ctx.cause {
            Event::ActionDone { action } => {
                let a = &self.crew.actions[action as usize];
                let model = self.model;
                let team = match a.team {
                    Some(t) => format!(" by team '{}'", model.teams[t as usize].name),
                    None => String::new(),
                };
                match a.task {
                    Task::PoolRestart(p) => format!(
                        "{} servers of pool '{}' restarted{team}",
                        a.servers,
                        model.component(p.component()).name
                    ),
                    Task::Replacement { room, .. } => format!(
                        "equipment replacement of {} '{}' done{team}",
                        model.component(room).kind.noun(),
                        model.component(room).name
                    ),
                    Task::Bootstrap(b) => format!(
                        "bootstrap of {} done{team}",
                        quoted_names(model, &model.bootstraps[b as usize].services)
                    ),
                    Task::Failover(s)
                    | Task::ScaleOut(s)
                    | Task::ServiceRestart(s)
                    | Task::Rebuild(s)
                    | Task::DataRestore(s) => {
                        format!("{} of service '{}' done{team}", a.task.kind().noun(), model.service(s).name)
                    }
                }
            }
            event => event.describe(self.model, self.disaster),
        }
    }

    /// Cycles of down services that each wait for another: through a hard
    /// dependency, or through a service required by the work that would
    /// bring them back and that cannot go ahead without it.
    pub(super) fn deadlocks(&self, horizon: SimTime) -> Vec<Deadlock> {
        let model = self.model;
        let mut found: Vec<Deadlock> = self
            .waiting_cycles()
            .into_iter()
            .map(|(cycle, since)| Deadlock {
                services: cycle.into_iter().map(|s| model.services[s].name.clone()).collect(),
                since: since.min(horizon),
            })
            .collect();
        found.sort_by(|a, b| a.services.cmp(&b.services));
        found
    }

    /// After an event that may have closed a cycle of waits: writes each
    /// recovery deadlock that has formed since the last look to the
    /// timeline, at each of its services, when the run keeps one.
    pub(super) fn note_new_deadlocks(&mut self) {
        if !std::mem::take(&mut self.services.deadlock_check_due) || !self.ctx.record {
            return;
        }
        let model = self.model;
        for (cycle, _) in self.waiting_cycles() {
            let mut members = cycle[..cycle.len() - 1].to_vec();
            members.sort_unstable();
            if self.services.reported_deadlocks.contains(&members) {
                continue;
            }
            let path: Vec<&str> = cycle.iter().map(|&s| model.services[s].name.as_str()).collect();
            let bootstrap = members.iter().any(|&s| model.bootstrap_of[s].is_some());
            let cause = format!(
                "recovery deadlock: {}; each waits for another{}",
                path.join(" -> "),
                if bootstrap { ", until the bootstrap starts them" } else { "" }
            );
            for &s in &members {
                let (state, level) = (self.services.states()[s], 0.0);
                self.record_with_cause(model.services[s].component, state, level, cause.clone());
            }
            self.services.reported_deadlocks.push(members);
        }
    }

    /// Each cycle of waits among down services, as a list of services
    /// ending where it starts, with when it formed: when the last of its
    /// waits began. A service waits on a hard dependency that is down from
    /// when it has servers to serve on again (before that, its own servers
    /// hold it: a cycle whose services never get theirs back is no
    /// deadlock), and on a service its recovery work requires from when that
    /// work was found blocked. The timeline names a deadlock at the moment
    /// it forms, with the same time the report gives.
    fn waiting_cycles(&self) -> Vec<(Vec<usize>, SimTime)> {
        let model = self.model;
        let n = model.services.len();
        let down = |s: usize| self.services.states()[s] == State::Down;
        if !(0..n).any(down) {
            return Vec::new(); // nothing down, nothing stuck (the usual case)
        }
        let since = |s: usize| self.services.down_since(ServiceId(s as u32));
        let mut waits: Vec<(usize, usize, SimTime)> = Vec::new();
        for s in 0..n {
            if !down(s) {
                continue;
            }
            // A service a bootstrap has started waits for none of its
            // dependencies' recoveries, only for its own inputs.
            if !self.services.cold_started(ServiceId(s as u32))
                && let Some(held) = self.services.waits_since(ServiceId(s as u32))
            {
                for h in model.services[s].hard.iter().map(|h| h.index()).filter(|&h| down(h)) {
                    waits.push((s, h, held.max(since(h))));
                }
            }
            if self.services.failover_waits_for_requirements(ServiceId(s as u32))
                && let Some(FailoverDef::Automatic { requires, .. }) = &model.services[s].recovery.failover
            {
                for r in requires.iter().map(|r| r.index()).filter(|&r| down(r)) {
                    waits.push((s, r, since(s).max(since(r))));
                }
            }
        }
        for a in self.crew.actions.iter().filter(|a| a.status == Status::Blocked) {
            let mut one = [ServiceId(0)];
            for s in a.task.services(model, &mut one).iter().map(|s| s.index()).filter(|&s| down(s)) {
                for r in a.task.work(model).requires.iter().map(|r| r.index()).filter(|&r| down(r)) {
                    waits.push((s, r, a.blocked_at.max(since(s))));
                }
            }
        }
        let mut g: DiGraph<(), (), u32> = DiGraph::with_capacity(n, waits.len());
        for _ in 0..n {
            g.add_node(());
        }
        for &(a, b, _) in &waits {
            g.update_edge(NodeIndex::new(a), NodeIndex::new(b), ());
        }
        kosaraju_scc(&g)
            .into_iter()
            .filter(|scc| scc.len() > 1 || g.contains_edge(scc[0], scc[0]))
            .map(|scc| {
                let members: Vec<usize> = scc.iter().map(|n| n.index()).collect();
                let inside = |x: usize| members.contains(&x);
                let formed = waits
                    .iter()
                    .filter(|&&(a, b, _)| inside(a) && inside(b))
                    .map(|&(_, _, t)| t)
                    .max()
                    .unwrap_or(SimTime::ZERO);
                (cycle_through(&g, &members), formed)
            })
            .collect()
    }
}

/// A cycle through the lowest-numbered member of a strongly connected
/// component, as a list of services ending where it starts.
fn cycle_through(g: &DiGraph<(), (), u32>, members: &[usize]) -> Vec<usize> {
    let start = *members.iter().min().expect("a component has members");
    // Breadth-first search back to `start` inside the component.
    let inside = |n: usize| members.contains(&n);
    let mut parent: Vec<Option<usize>> = vec![None; g.node_count()];
    let mut frontier = vec![start];
    let mut end = None;
    'search: while !frontier.is_empty() {
        let mut next = Vec::new();
        for &u in &frontier {
            let mut targets: Vec<usize> = g.neighbors(NodeIndex::new(u)).map(|n| n.index()).collect();
            targets.sort_unstable();
            for v in targets {
                if v == start {
                    end = Some(u);
                    break 'search;
                }
                if inside(v) && parent[v].is_none() {
                    parent[v] = Some(u);
                    next.push(v);
                }
            }
        }
        frontier = next;
    }
    let mut path = vec![start];
    let mut at = end.unwrap_or(start);
    let mut back = Vec::new();
    while at != start {
        back.push(at);
        at = parent[at].unwrap_or(start);
    }
    back.reverse();
    path.extend(back);
    path.push(start);
    path
}

/// `'a', 'b' and 'c'`, or the first few and how many more.
fn quoted_names(model: &Model, services: &[ServiceId]) -> String {
    const SHOWN: usize = 4;
    let mut names: Vec<String> = services.iter().take(SHOWN).map(|&s| format!("'{}'", model.service(s).name)).collect();
    if services.len() > SHOWN {
        names.push(format!("{} more", services.len() - SHOWN));
    }
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}
