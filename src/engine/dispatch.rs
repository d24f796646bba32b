//! Engineer dispatch: teams, the manual work they are given, and the order
//! they take it in. See [`crate::recovery`] for the rules this implements.

use std::cmp::Reverse;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use priority_queue::PriorityQueue;

use super::outcome::Deadlock;
use super::services::FailoverPhase;
use super::{Dynamic, Event, Simulation};
use crate::model::{Detail, FailoverDef, ServiceId, State, TeamDef, Work};
use crate::recovery::{ActionInfo, ActionKind, RecoveryView};
use crate::time::SimTime;

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
    shift_start: SimTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// Waiting for an engineer.
    Queued,
    /// Waiting for a required service (no fallback).
    Blocked,
    Running,
    Finished,
    /// No longer needed.
    Dropped,
}

/// One piece of manual work.
#[derive(Clone, Debug)]
pub(super) struct Action {
    pub(super) kind: ActionKind,
    /// A service index, or (pool restarts) a pool's component id.
    pub(super) target: u32,
    team: u16,
    /// Servers of a restart batch or a scale-out step.
    servers: u64,
    /// The target's epoch when queued (pool power epoch, failover epoch).
    epoch: u32,
    seq: u64,
    queued_at: SimTime,
    pub(super) status: Status,
    engineer: u16,
}

/// A team during a run.
#[derive(Clone, Debug)]
pub(super) struct TeamRun {
    called: bool,
    engineers: Vec<Engineer>,
    /// Actions waiting for an engineer, by (rank, queueing order).
    queue: PriorityQueue<u32, Reverse<(i64, u64)>>,
    /// Actions waiting for a required service.
    blocked: Vec<u32>,
}

impl TeamRun {
    /// Back to the start of a run, keeping the allocations.
    pub(super) fn reset(&mut self, def: &TeamDef) {
        self.called = false;
        self.engineers.clear();
        self.engineers
            .resize(def.engineers as usize, Engineer { state: EngineerState::Absent, shift_start: SimTime::ZERO });
        self.queue.clear();
        self.blocked.clear();
    }

    pub(super) fn new(def: &TeamDef) -> TeamRun {
        TeamRun {
            called: false,
            engineers: vec![
                Engineer { state: EngineerState::Absent, shift_start: SimTime::ZERO };
                def.engineers as usize
            ],
            queue: PriorityQueue::new(),
            blocked: Vec::new(),
        }
    }
}

impl Simulation<'_> {
    /// The work an action does.
    fn work(&self, a: &Action) -> &Work {
        let model = self.model;
        match a.kind {
            ActionKind::PoolRestart => match &model.components[a.target as usize].detail {
                Detail::Pool(p) => &p.restart.as_ref().expect("only manual pools queue restarts").work,
                _ => unreachable!("pool restarts target pools"),
            },
            ActionKind::Failover => match &model.services[a.target as usize].recovery.failover {
                Some(FailoverDef::Manual(w)) => w,
                Some(FailoverDef::Automatic { otherwise: Some(w), .. }) => w,
                _ => unreachable!("manual failovers have manual work"),
            },
            ActionKind::ScaleOut => {
                &model.services[a.target as usize].recovery.scale_out.as_ref().expect("scale-out").work
            }
            ActionKind::ServiceRestart => {
                model.services[a.target as usize].recovery.restart.as_ref().expect("restart work")
            }
        }
    }

    fn states(&self) -> Vec<State> {
        self.services.iter().map(|s| s.state).collect()
    }

    fn rank(&self, a: &Action, states: &[State]) -> i64 {
        let view = RecoveryView { model: self.model, states };
        let one = [ServiceId(a.target)];
        let services = match a.kind {
            ActionKind::PoolRestart => self.model.pool_services(crate::ComponentId(a.target)),
            _ => &one[..],
        };
        let info = ActionInfo { kind: a.kind, services, queued_at: a.queued_at };
        self.policy.rank(&info, &view)
    }

    /// Queues manual work for `team`, calling the team in if it is not yet.
    /// (Every team is called when the incident starts, see `incident_started`;
    /// this covers work queued without any service being impacted.)
    pub(super) fn queue_action(&mut self, kind: ActionKind, target: u32, team: u16, servers: u64, epoch: u32) {
        let id = self.actions.len() as u32;
        let action = Action {
            kind,
            target,
            team,
            servers,
            epoch,
            seq: u64::from(id),
            queued_at: self.now,
            status: Status::Queued,
            engineer: 0,
        };
        let rank = self.rank(&action, &self.states());
        self.teams[team as usize].queue.push(id, Reverse((rank, action.seq)));
        self.actions.push(action);
        self.call_team(team);
    }

    /// The first service has been impacted: call every team in.
    pub(super) fn incident_started(&mut self) {
        for t in 0..self.teams.len() {
            self.call_team(t as u16);
        }
    }

    fn call_team(&mut self, team: u16) {
        if self.teams[team as usize].called {
            return;
        }
        self.teams[team as usize].called = true;
        let def = &self.model.teams[team as usize];
        for e in 0..def.engineers as usize {
            if e < def.on_call as usize {
                self.teams[team as usize].engineers[e] = Engineer { state: EngineerState::Free, shift_start: self.now };
            } else {
                let d = def.arrival.sample(&mut self.team_rngs[team as usize]);
                self.schedule_unkeyed(d, Event::EngineerArrives { team, engineer: e as u16 });
            }
        }
    }

    pub(super) fn engineer_ready(&mut self, team: u16, engineer: u16) {
        self.teams[team as usize].engineers[engineer as usize] =
            Engineer { state: EngineerState::Free, shift_start: self.now };
    }

    /// Whether an action still makes sense; drops it (and lets its target
    /// queue a new one later) if not.
    fn still_needed(&mut self, a: u32) -> bool {
        let action = &self.actions[a as usize];
        let (kind, target, epoch) = (action.kind, action.target as usize, action.epoch);
        let needed = match kind {
            ActionKind::PoolRestart => match self.nodes[target].dynamic {
                Dynamic::Pool { epoch: current, .. } => current == epoch,
                _ => false,
            },
            ActionKind::Failover => {
                let run = &self.services[target];
                run.failover == FailoverPhase::Manual && run.failover_epoch == epoch
            }
            ActionKind::ScaleOut => self.scale_out_needed(target),
            ActionKind::ServiceRestart => {
                let run = &self.services[target];
                run.needs_restart && run.raw_capacity > 0.0 && run.crash_epoch == epoch
            }
        };
        if !needed {
            self.actions[a as usize].status = Status::Dropped;
            match kind {
                // Only the current restart's flag: a stale one must not
                // clear the flag of the restart queued after a later crash.
                ActionKind::ServiceRestart if self.services[target].crash_epoch == epoch => {
                    self.services[target].restart_queued = false;
                }
                ActionKind::ScaleOut => self.services[target].scale_queued = false,
                _ => {}
            }
        }
        needed
    }

    fn requirements_up(&self, work: &Work) -> bool {
        work.requires.iter().all(|r| self.services[r.index()].state != State::Down)
    }

    /// Gives waiting work to free engineers, in policy order. Called after
    /// every event has settled.
    pub(super) fn dispatch_work(&mut self) {
        if std::mem::take(&mut self.services_changed) {
            self.on_services_changed();
        }
        for t in 0..self.teams.len() {
            while let Some(e) = self.free_engineer(t) {
                let Some((a, _)) = self.teams[t].queue.pop() else { break };
                if !self.still_needed(a) {
                    continue;
                }
                let action = self.actions[a as usize].clone();
                let work = self.work(&action);
                let duration = if self.requirements_up(work) {
                    work.duration.clone()
                } else if let Some(slower) = &work.fallback {
                    slower.clone()
                } else {
                    self.actions[a as usize].status = Status::Blocked;
                    self.teams[t].blocked.push(a);
                    continue;
                };
                let stream = match action.kind {
                    ActionKind::PoolRestart => action.target,
                    _ => self.model.services[action.target as usize].component.0,
                };
                let d = duration.sample(self.rng(stream));
                self.teams[t].engineers[e].state = EngineerState::Busy;
                let act = &mut self.actions[a as usize];
                act.status = Status::Running;
                act.engineer = e as u16;
                self.schedule_unkeyed(d, Event::ActionDone { action: a });
            }
        }
    }

    /// The lowest-numbered free engineer of a team, sending to rest anyone
    /// whose shift is over.
    fn free_engineer(&mut self, t: usize) -> Option<usize> {
        let shifts = self.model.teams[t].shifts;
        for e in 0..self.teams[t].engineers.len() {
            let eng = self.teams[t].engineers[e];
            if eng.state != EngineerState::Free {
                continue;
            }
            if let Some((work, rest)) = shifts
                && self.now - eng.shift_start >= work
            {
                self.teams[t].engineers[e].state = EngineerState::Resting;
                self.schedule_unkeyed(rest, Event::EngineerRested { team: t as u16, engineer: e as u16 });
                continue;
            }
            return Some(e);
        }
        None
    }

    /// A service changed state: blocked work may go ahead, waiting
    /// automatic failovers may switch, and dynamic ranks may have moved.
    fn on_services_changed(&mut self) {
        let states = self.states();
        for t in 0..self.teams.len() {
            let blocked = std::mem::take(&mut self.teams[t].blocked);
            for a in blocked {
                if self.actions[a as usize].status != Status::Blocked {
                    continue;
                }
                let ready = {
                    let action = &self.actions[a as usize];
                    self.requirements_up(self.work(action))
                };
                if ready {
                    let action = &self.actions[a as usize];
                    let rank = self.rank(action, &states);
                    let seq = action.seq;
                    self.actions[a as usize].status = Status::Queued;
                    self.teams[t].queue.push(a, Reverse((rank, seq)));
                } else {
                    self.teams[t].blocked.push(a);
                }
            }
            if self.policy.is_dynamic() {
                let ids: Vec<u32> = self.teams[t].queue.iter().map(|(a, _)| *a).collect();
                for a in ids {
                    let rank = self.rank(&self.actions[a as usize], &states);
                    let seq = self.actions[a as usize].seq;
                    self.teams[t].queue.change_priority(&a, Reverse((rank, seq)));
                }
            }
        }
        for s in 0..self.services.len() {
            if self.services[s].failover == FailoverPhase::WaitingForRequirements {
                self.try_automatic_switch(s);
            }
        }
    }

    pub(super) fn action_done(&mut self, a: u32) {
        let action = self.actions[a as usize].clone();
        self.actions[a as usize].status = Status::Finished;
        let t = action.team as usize;
        self.teams[t].engineers[action.engineer as usize].state = EngineerState::Free;
        let target = action.target as usize;
        match action.kind {
            ActionKind::PoolRestart => {
                if let Dynamic::Pool { epoch, .. } = self.nodes[target].dynamic
                    && epoch == action.epoch
                {
                    self.batch_restarted(action.target, action.epoch, action.servers);
                }
            }
            ActionKind::Failover => {
                let run = &self.services[target];
                if run.failover == FailoverPhase::Manual && run.failover_epoch == action.epoch {
                    self.complete_failover(target);
                }
            }
            ActionKind::ScaleOut => {
                self.services[target].scale_queued = false;
                if let Some((d, spare)) = self.scale_out_room(target) {
                    self.services[target].deployments[d].extra += action.servers.min(spare);
                }
                self.touch(self.model.services[target].component.0);
            }
            ActionKind::ServiceRestart => {
                let run = &mut self.services[target];
                // A restart begun before a later crash does not count.
                if run.crash_epoch == action.epoch {
                    run.restart_queued = false;
                    if run.raw_capacity > 0.0 {
                        run.needs_restart = false;
                    }
                }
                self.touch(self.model.services[target].component.0);
            }
        }
    }

    /// What caused the current change, in words.
    pub(super) fn describe_cause(&self) -> String {
        match self.cause {
            super::Event::ActionDone { action } => {
                let a = &self.actions[action as usize];
                let target = match a.kind {
                    ActionKind::PoolRestart => format!("pool '{}'", self.model.components[a.target as usize].name),
                    _ => format!("service '{}'", self.model.services[a.target as usize].name),
                };
                let team = &self.model.teams[a.team as usize].name;
                match a.kind {
                    ActionKind::PoolRestart => format!("{} servers of {target} restarted by team '{team}'", a.servers),
                    kind => format!("{} of {target} done by team '{team}'", kind.noun()),
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
        let n = model.services.len();
        let down = |s: usize| self.services[s].state == State::Down;
        if !(0..n).any(down) {
            return Vec::new(); // nothing down, nothing stuck (the usual case)
        }
        let mut g: DiGraph<(), (), u32> = DiGraph::with_capacity(n, 0);
        for _ in 0..n {
            g.add_node(());
        }
        let mut edge = |a: usize, b: usize| {
            g.update_edge(NodeIndex::new(a), NodeIndex::new(b), ());
        };
        for s in 0..n {
            if !down(s) {
                continue;
            }
            for h in &model.services[s].hard {
                if down(h.index()) {
                    edge(s, h.index());
                }
            }
            if self.services[s].failover == FailoverPhase::WaitingForRequirements
                && let Some(FailoverDef::Automatic { requires, .. }) = &model.services[s].recovery.failover
            {
                requires.iter().filter(|r| down(r.index())).for_each(|r| edge(s, r.index()));
            }
        }
        for a in self.actions.iter().filter(|a| a.status == Status::Blocked) {
            let waiting: Vec<usize> = match a.kind {
                ActionKind::PoolRestart => {
                    model.pool_services(crate::ComponentId(a.target)).iter().map(|s| s.index()).collect()
                }
                _ => vec![a.target as usize],
            };
            for s in waiting.into_iter().filter(|&s| down(s)) {
                for r in self.work(a).requires.iter().filter(|r| down(r.index())) {
                    edge(s, r.index());
                }
            }
        }
        let mut found: Vec<Deadlock> = tarjan_scc(&g)
            .into_iter()
            .filter(|scc| scc.len() > 1 || g.contains_edge(scc[0], scc[0]))
            .map(|scc| {
                let members: Vec<usize> = scc.iter().map(|n| n.index()).collect();
                let cycle = cycle_through(&g, &members);
                let since = members.iter().map(|&s| self.services[s].down_since).max().unwrap_or(horizon);
                Deadlock { services: cycle.into_iter().map(|s| model.services[s].name.clone()).collect(), since }
            })
            .collect();
        found.sort_by(|a, b| a.services.cmp(&b.services));
        found
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
