//! Restoration stages that wait for what only they (or a later stage) can
//! bring back.
//!
//! A stage goes ahead once everything in its `waits_for` works. If one of
//! those can only work once a room of this stage, of a later stage, or a
//! room never re-energised has power again, the stage waits forever and
//! its rooms stay dark all run (a chiller in the very room the stage
//! re-energises, or a hall whose only UPS stands there). Such a stage is
//! refused where its `waits_for` names the element.
//!
//! For each element waited for, the check finds the earliest stage after
//! which it *could* work: rooms of the fire's stages are dark until their
//! stage (rooms in none come back after the inspection, stage 0; rooms
//! never re-energised stay dark), everything else is assumed to work, and
//! the element needs what the engine makes it need: its room and the
//! site's, `needed` of its power inputs, of a hall's feeds, cooling and
//! network, of a pool's uplinks; a service, its hard dependencies and one
//! deployment whose pool and needs work. Where the model allows a way out
//! (a standby deployment, a loop of services), the check assumes it is
//! taken, so it refuses only stages that can never go: a UPS's battery is
//! not a way out, as it runs down.
//!
//! The walk is per fire, over what the elements waited for depend on, and
//! iterative (a chain of 100,000 services cannot overflow the stack). Its
//! work over a whole file is bounded (the budget of `Check`); past it, the
//! remaining fires are not checked, which `outage validate` says.

use std::collections::HashMap;

use super::{Parts, Validator};
use crate::model::{Detail, Redundant, Service};
use crate::scenario::path::SpecPath;

/// The level of a room never re-energised.
const NEVER: u32 = u32::MAX;

/// What the check needs of the model, and the work it has done.
pub(super) struct Check<'p> {
    details: &'p [Option<Detail>],
    containers: &'p [Option<u32>],
    services: &'p [Service],
    first_service: u32,
    /// Nodes looked at, over every fire.
    work: u64,
    budget: u64,
    /// Where the first fire left unchecked is.
    unchecked: Option<SpecPath>,
}

/// What one element needs to work: all of `all`, `needed` of each of
/// `some`, and all of one of the alternatives in `any` (if there are any).
#[derive(Default)]
struct Need {
    /// A room's own level, and the room.
    own: Option<(u32, u32)>,
    all: Vec<u32>,
    some: Vec<(u32, Vec<u32>)>,
    any: Vec<Vec<u32>>,
}

/// A level and the room that sets it (none at level 0).
type Level = (u32, Option<u32>);

/// One stage as the check sees it: its rooms, and what it waits for (each
/// with its index in the file's `waits_for`).
pub(super) type StageWaits = (Vec<u32>, Vec<(u32, usize)>);

impl<'p> Check<'p> {
    pub(super) fn new(parts: &'p Parts, services: &'p [Service], first_service: u32, elements: usize) -> Check<'p> {
        Check {
            details: &parts.details,
            containers: &parts.containers,
            services,
            first_service,
            work: 0,
            // Sixteen walks of the whole model, and a million nodes more.
            budget: 16 * elements as u64 + 1_000_000,
            unchecked: None,
        }
    }

    /// Refuses every stage of a fire that waits for what cannot work
    /// before it or a later stage is done. `stages[k]` holds the rooms of
    /// stage k + 1 and what it waits for, each with its index in the file;
    /// `never`, the rooms never re-energised.
    pub(super) fn fire(
        &mut self,
        v: &mut Validator<'_>,
        stages: &[StageWaits],
        never: &[u32],
        path: &SpecPath,
        owner: &str,
    ) {
        if stages.iter().all(|(_, waits)| waits.is_empty()) {
            return;
        }
        if self.work > self.budget {
            self.unchecked.get_or_insert_with(|| path.clone());
            return;
        }
        let mut levels: HashMap<u32, u32> = HashMap::new();
        for (k, (rooms, _)) in stages.iter().enumerate() {
            for &r in rooms {
                levels.insert(r, k as u32 + 1);
            }
        }
        for &r in never {
            levels.insert(r, NEVER);
        }
        let mut memo: HashMap<u32, Level> = HashMap::new();
        for (k, (_, waits)) in stages.iter().enumerate() {
            let stage = k as u32 + 1;
            for &(element, at) in waits {
                let (level, room) = self.level(serving(element), &levels, &mut memo);
                let Some(room) = room.filter(|_| level >= stage) else { continue };
                let (name, room_name) = (v.order[element as usize].0, v.order[room as usize].0);
                let what = if room == element {
                    format!("room '{room_name}'")
                } else {
                    format!("'{name}', which cannot work before room '{room_name}' has power again")
                };
                let why = match level {
                    NEVER => format!("'{room_name}' is never re-energised"),
                    l if l == stage => format!("this stage is what re-energises '{room_name}'"),
                    _ => format!("a later stage re-energises '{room_name}'"),
                };
                v.problem(
                    path.field("stages").index(k).field("waits_for").index(at),
                    format!(
                        "{owner}: restoration stage {} waits for {what}, and {why}: the stage would wait forever \
                         and its rooms stay dark all run",
                        k + 1
                    ),
                );
            }
        }
    }

    /// After every fire: says which fires were left unchecked.
    pub(super) fn finish(self, v: &mut Validator<'_>) {
        if let Some(path) = self.unchecked {
            v.warn(
                path,
                format!(
                    "restoration stages from this fire on were not checked for waiting on their own rooms: the \
                     check's work limit ({} steps) is spent",
                    self.budget
                ),
            );
        }
    }

    /// The earliest level after which `node` could work, and the room
    /// that holds it back until then; iterative, with `memo` shared by the
    /// fire's elements. A node met again on its own path (a loop) counts
    /// as working: the check only refuses what can never go.
    fn level(&mut self, node: u32, levels: &HashMap<u32, u32>, memo: &mut HashMap<u32, Level>) -> Level {
        if let Some(&known) = memo.get(&node) {
            return known;
        }
        // (node, what it needs, its children, the next child to look at)
        let frame = |check: &Self, n: u32| {
            let need = check.need(n, levels);
            let children: Vec<u32> = need
                .all
                .iter()
                .chain(need.some.iter().flat_map(|(_, l)| l))
                .chain(need.any.iter().flatten())
                .copied()
                .collect();
            (n, need, children, 0usize)
        };
        let mut stack = vec![frame(self, node)];
        let mut on_path: std::collections::HashSet<u32> = std::collections::HashSet::from([node]);
        while let Some(top) = stack.last_mut() {
            if let Some(&child) = top.2.get(top.3) {
                top.3 += 1;
                self.work += 1;
                if !memo.contains_key(&child) && on_path.insert(child) {
                    let next = frame(self, child);
                    stack.push(next);
                }
                continue;
            }
            let (n, need, _, _) = stack.pop().expect("the loop holds a frame");
            memo.insert(n, combine(&need, memo));
            on_path.remove(&n);
        }
        memo.get(&node).copied().unwrap_or((0, None))
    }

    /// What `node` needs (see the module's documentation). Nodes are
    /// component ids doubled: `2c` for "c is live" (powered: what the
    /// things in a room need), `2c + 1` for "c works" (a room also reachable).
    fn need(&self, node: u32, levels: &HashMap<u32, u32>) -> Need {
        let c = node / 2;
        let mut need = Need::default();
        let Some(detail) = self.details.get(c as usize).and_then(Option::as_ref) else { return need };
        let container = self.containers.get(c as usize).copied().flatten();
        let some = |need: &mut Need, r: &Redundant, node: fn(u32) -> u32| {
            if !r.is_empty() {
                need.some.push((r.needed, r.iter().map(|&i| node(i)).collect()));
            }
        };
        if node % 2 == 1 {
            need.all.push(live(c));
            if let Detail::Room(room) = detail {
                some(&mut need, &room.network, serving);
            }
            return need;
        }
        need.all.extend(container.map(live));
        match detail {
            Detail::Site | Detail::Utility | Detail::Generator { .. } | Detail::Link { .. } => {}
            Detail::Room(room) => {
                need.own = Some((levels.get(&c).copied().unwrap_or(0), c));
                some(&mut need, &room.feeds, live);
            }
            Detail::Ups { inputs, .. } | Detail::Switchboard { inputs } | Detail::Cooling { power: inputs } => {
                some(&mut need, inputs, live);
            }
            Detail::Pool(pool) => {
                // Powered, cooled and reachable in its hall, and its site's uplinks.
                need.all.clear();
                if let Some(hall) = container {
                    need.all.push(serving(hall));
                    if let Some(Detail::Room(room)) = self.details.get(hall as usize).and_then(Option::as_ref) {
                        some(&mut need, &room.cooling, live);
                    }
                }
                some(&mut need, &pool.uplinks, serving);
            }
            Detail::Service(s) => {
                let Some(service) = self.services.get(*s as usize) else { return need };
                need.all.extend(service.hard.iter().map(|h| live(self.first_service + h.0)));
                need.any = service
                    .deployments
                    .iter()
                    .map(|d| std::iter::once(serving(d.pool.0)).chain(d.needs.iter().map(|n| serving(n.0))).collect())
                    .collect();
            }
        }
        need
    }
}

fn live(c: u32) -> u32 {
    c.saturating_mul(2)
}

fn serving(c: u32) -> u32 {
    c.saturating_mul(2).saturating_add(1)
}

/// A node's level from its children's (a child not in `memo` is on the
/// current path, a loop: level 0).
fn combine(need: &Need, memo: &HashMap<u32, Level>) -> Level {
    let of = |n: &u32| memo.get(n).copied().unwrap_or((0, None));
    let max = |a: Level, b: Level| if b.0 > a.0 { b } else { a };
    let mut value: Level = match need.own {
        Some((l, room)) if l > 0 => (l, Some(room)),
        _ => (0, None),
    };
    for n in &need.all {
        value = max(value, of(n));
    }
    for (needed, list) in &need.some {
        // The `needed`-th lowest level: that many are back by then.
        let mut levels: Vec<Level> = list.iter().map(of).collect();
        levels.sort_unstable_by_key(|l| l.0);
        let k = (*needed as usize).clamp(1, levels.len()) - 1;
        value = max(value, levels[k]);
    }
    if !need.any.is_empty() {
        let best = need.any.iter().map(|alt| alt.iter().map(of).fold((0, None), max)).min_by_key(|l| l.0);
        value = max(value, best.unwrap_or((0, None)));
    }
    value
}
