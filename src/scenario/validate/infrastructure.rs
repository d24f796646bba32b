//! Rooms, power, cooling and pools: references, values, and a power graph
//! without loops whose data halls reach a source.

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::{Declared, Expect, MAX_BATCHES, Parts, Validator};
use crate::model::{Detail, PoolDetail, PoolRestart, Replacement, RoomDetail, RoomKind, Suppression};
use crate::scenario::path::SpecPath;
use crate::scenario::spec::{PowerSpec, ReplacementSpec, RestartSpec};

/// Network links: their rooms, boot times and failures.
pub(super) fn validate_links(v: &mut Validator<'_>, declared: &Declared<'_>, parts: &mut Parts) {
    let spec = v.spec;
    for (i, l) in spec.links.iter().enumerate() {
        let path = SpecPath::at("links", i);
        let owner = format!("link '{}'", l.name);
        let id = declared.first_link as usize + i;
        if let Some(room) = &l.room {
            parts.containers[id] = v.resolve(room, Expect::Room, path.field("room"), &owner);
        }
        if let Some(boot) = &l.boot {
            v.dist(boot, path.field("boot"), &owner, "boot");
        }
        v.failures(&l.failures, &path, &owner);
        parts.failures[id] = l.failures.clone();
        parts.details[id] = Some(Detail::Link { boot: l.boot.clone() });
    }
}

/// Rooms, power components and cooling units.
pub(super) fn validate_rooms_power_cooling(v: &mut Validator<'_>, declared: &Declared<'_>, parts: &mut Parts) {
    let spec = v.spec;
    let Parts { details, containers, failures } = parts;
    let Declared { site_ids, rooms, first_power, first_cooling, .. } = declared;
    let (first_power, first_cooling) = (*first_power, *first_cooling);
    for &site_id in site_ids {
        details[site_id as usize] = Some(Detail::Site);
    }
    for (si, site) in spec.sites.iter().enumerate() {
        let owner = format!("site '{}'", site.name);
        let sp = SpecPath::at("sites", si);
        let uplinks =
            v.redundant(&site.uplinks, site.uplinks_needed, Expect::Link, &sp, ("uplinks", "uplinks_needed"), &owner);
        v.uplinks.push(uplinks);
    }
    for (room, rp, site_id, room_id) in rooms {
        let owner = format!("room '{}'", room.name);
        let adjacent = v.resolve_all_at(&room.adjacent, Expect::Room, &rp.field("adjacent"), &owner);
        for &(a, i) in &adjacent {
            if a == *room_id {
                v.problem(rp.field("adjacent").index(i), format!("{owner} is listed as adjacent to itself"));
            } else if v.order[a as usize].2 != Some(*site_id) {
                // a < order.len(): resolved by `resolve_all` against the declared components.
                v.problem(
                    rp.field("adjacent").index(i),
                    format!("{owner} is adjacent to '{}', which is in another site", v.order[a as usize].0),
                );
            }
        }
        let feeds = v.redundant(&room.feeds, room.feeds_needed, Expect::Power, rp, ("feeds", "feeds_needed"), &owner);
        let cooling =
            v.redundant(&room.cooling, room.cooling_needed, Expect::Cooling, rp, ("cooling", "cooling_needed"), &owner);
        let (network, network_at) = v.redundant_at(
            &room.network,
            room.network_needed,
            Expect::NetworkRoom,
            rp,
            ("network", "network_needed"),
            &owner,
        );
        // A room's network equipment in the room itself would make its
        // reachability depend on its own power: said plainly here rather
        // than as a power loop.
        for (&n, &at) in network.iter().zip(&network_at) {
            // n < containers.len(): resolved by `resolve_all`, and containers has one entry per component.
            if containers[n as usize] == Some(*room_id) {
                v.problem(
                    rp.field("network").index(at),
                    format!(
                        "{owner} reaches its network through '{}', which stands in the room itself; put that \
                         equipment in a network room (or name the room's uplink at its site)",
                        v.order[n as usize].0
                    ),
                );
            }
        }
        if room.kind == RoomKind::DataHall && room.feeds.is_empty() {
            v.problem(
                rp.field("feeds"),
                format!("data hall '{}' has no power path: give it at least one feed", room.name),
            );
        }
        match &room.suppression {
            Suppression::None => {}
            Suppression::Gas { success_probability, .. } | Suppression::Water { success_probability, .. } => {
                v.probability(
                    *success_probability,
                    rp.field("suppression").field("success_probability"),
                    &owner,
                    "success_probability",
                );
            }
        }
        v.failures(&room.failures, rp, &owner);
        let id = *room_id as usize;
        failures[id] = room.failures.clone();
        details[id] = Some(Detail::Room(RoomDetail {
            adjacent: adjacent.into_iter().map(|(a, _)| a).collect(),
            suppression: room.suppression.clone(),
            feeds,
            cooling,
            thermal_delay: room.thermal_delay,
            network,
            replacement: Replacement::Never,
        }));
    }

    for (i, p) in spec.power.iter().enumerate() {
        let path = SpecPath::at("power", i);
        let id = (first_power as usize) + i;
        let (detail, room, fails) = match p {
            PowerSpec::Utility { failures, .. } => (Detail::Utility, None, failures),
            PowerSpec::Generator { name, room, backs_up, start_probability, start_delay, fuel, failures, .. } => {
                let owner = format!("generator '{name}'");
                let room = v.resolve(room, Expect::Room, path.field("room"), &owner);
                let backs_up_ids = v.resolve_all(backs_up, Expect::Power, &path.field("backs_up"), &owner);
                if backs_up.is_empty() {
                    v.problem(
                        path.field("backs_up"),
                        format!("{owner} backs up nothing: name the feeds whose loss starts it"),
                    );
                }
                let start_probability =
                    v.probability(*start_probability, path.field("start_probability"), &owner, "start_probability");
                v.dist(start_delay, path.field("start_delay"), &owner, "start_delay");
                if fuel.is_zero() {
                    v.problem(path.field("fuel"), format!("{owner}: fuel must be longer than zero"));
                }
                let detail = Detail::Generator {
                    backs_up: backs_up_ids,
                    start_probability,
                    start_delay: start_delay.clone(),
                    fuel: *fuel,
                };
                (detail, room, failures)
            }
            PowerSpec::Ups { name, room, inputs, inputs_needed, ride_through, failures, .. } => {
                let owner = format!("UPS '{name}'");
                let room = v.resolve(room, Expect::Room, path.field("room"), &owner);
                let inputs_ids =
                    v.redundant(inputs, *inputs_needed, Expect::Power, &path, ("inputs", "inputs_needed"), &owner);
                if inputs.is_empty() {
                    v.problem(
                        path.field("inputs"),
                        format!("{owner} has no inputs: a UPS needs a utility, generator or switchboard upstream"),
                    );
                }
                (Detail::Ups { inputs: inputs_ids, ride_through: *ride_through }, room, failures)
            }
            PowerSpec::Switchboard { name, room, inputs, inputs_needed, failures, .. } => {
                let owner = format!("switchboard '{name}'");
                let room = v.resolve(room, Expect::Room, path.field("room"), &owner);
                let inputs_ids =
                    v.redundant(inputs, *inputs_needed, Expect::Power, &path, ("inputs", "inputs_needed"), &owner);
                if inputs.is_empty() {
                    v.problem(path.field("inputs"), format!("{owner} has no inputs"));
                }
                (Detail::Switchboard { inputs: inputs_ids }, room, failures)
            }
        };
        v.failures(fails, &path, &format!("power component '{}'", p.name()));
        failures[id] = fails.clone();
        containers[id] = room;
        details[id] = Some(detail);
    }

    for (i, c) in spec.cooling.iter().enumerate() {
        let path = SpecPath::at("cooling", i);
        let owner = format!("cooling unit '{}'", c.name);
        let id = first_cooling as usize + i;
        containers[id] = v.resolve(&c.room, Expect::Room, path.field("room"), &owner);
        let power = v.redundant(&c.power, c.power_needed, Expect::Power, &path, ("power", "power_needed"), &owner);
        v.failures(&c.failures, &path, &owner);
        failures[id] = c.failures.clone();
        details[id] = Some(Detail::Cooling { power });
    }
}

/// How each room's burnt equipment is replaced (after the teams, which
/// replacement work may name).
pub(super) fn validate_replacements(v: &mut Validator<'_>, declared: &Declared<'_>, parts: &mut Parts) {
    for (room, rp, _, room_id) in &declared.rooms {
        let owner = format!("room '{}'", room.name);
        let path = rp.field("replacement");
        let replacement = match &room.replacement {
            ReplacementSpec::Never => Replacement::Never,
            ReplacementSpec::AtRestoration => Replacement::AtRestoration,
            ReplacementSpec::After(d) => {
                v.dist(d, path.clone(), &owner, "replacement");
                Replacement::After(d.clone())
            }
            ReplacementSpec::Work { lead_time, install } => {
                v.dist(lead_time, path.field("lead_time"), &owner, "lead_time");
                match v.work(install, &path.field("install"), &owner) {
                    Some(work) => Replacement::Work { lead_time: lead_time.clone(), work },
                    None => Replacement::Never,
                }
            }
        };
        if let Some(Detail::Room(detail)) = &mut parts.details[*room_id as usize] {
            detail.replacement = replacement;
        }
    }
}

/// Server pools.
pub(super) fn validate_pools(v: &mut Validator<'_>, declared: &Declared<'_>, parts: &mut Parts) {
    let spec = v.spec;
    let Parts { details, containers, failures } = parts;
    let first_pool = declared.first_pool;
    // Each site's place in the file (its uplinks' index), by id: a pool
    // finds its site's uplinks at once, not by a search of every site.
    let site_order: std::collections::HashMap<u32, usize> =
        declared.site_ids.iter().enumerate().map(|(k, &id)| (id, k)).collect();
    for (i, p) in spec.pools.iter().enumerate() {
        let path = SpecPath::at("pools", i);
        let owner = format!("pool '{}'", p.name);
        let id = first_pool as usize + i;
        containers[id] = v.resolve(&p.room, Expect::DataHall, path.field("room"), &owner);
        if p.servers == 0 {
            v.problem(path.field("servers"), format!("{owner} has no servers"));
        } else if p.servers > super::MAX_SERVERS {
            v.problem(
                path.field("servers"),
                format!("{owner} has {} servers; at most {} per pool", p.servers, super::MAX_SERVERS),
            );
        }
        v.dist(&p.boot, path.field("boot"), &owner, "boot");
        let broken_fraction =
            v.probability(p.broken_fraction, path.field("broken_fraction"), &owner, "broken_fraction");
        v.dist(&p.repair, path.field("repair"), &owner, "repair");
        v.failures(&p.failures, &path, &owner);
        let restart = match &p.restart {
            RestartSpec::Automatic => None,
            RestartSpec::Manual { batch, work } => {
                let rp = path.field("restart");
                if *batch == 0 {
                    v.problem(rp.field("batch"), format!("{owner}: a restart batch needs at least one server"));
                } else if *batch > u64::from(u32::MAX) {
                    v.problem(
                        rp.field("batch"),
                        format!("{owner}: a restart batch holds at most {} servers", u32::MAX),
                    );
                } else if p.servers.div_ceil(*batch) > MAX_BATCHES {
                    v.problem(
                        rp.field("batch"),
                        format!(
                            "{owner}: {} servers in batches of {batch} make {} restart actions; at most {MAX_BATCHES} are supported (use larger batches)",
                            p.servers,
                            p.servers.div_ceil(*batch)
                        ),
                    );
                }
                v.work(work, &rp.field("work"), &owner).map(|work| PoolRestart { batch: (*batch).max(1), work })
            }
        };
        failures[id] = p.failures.clone();
        // The pool is reached through its site's uplinks.
        let site = containers[id].and_then(|room| v.order[room as usize].2);
        let uplinks =
            site.and_then(|s| site_order.get(&s)).and_then(|&k| v.uplinks.get(k).cloned()).unwrap_or_default();
        details[id] = Some(Detail::Pool(PoolDetail {
            servers: p.servers,
            boot: p.boot.clone(),
            broken_fraction,
            repair: p.repair.clone(),
            restart,
            uplinks,
        }));
    }
}

/// Inputs that a component needs to be live: its room, its feeds, its
/// power inputs and network, and what a generator backs up. Cooling is left out: losing it stops only the
/// servers, after a delay, so a cooling unit inside the hall it cools is fine.
fn infrastructure_inputs(detail: &Detail, container: Option<u32>) -> Vec<u32> {
    let mut inputs: Vec<u32> = container.into_iter().collect();
    match detail {
        Detail::Room(r) => inputs.extend(r.feeds.iter().chain(r.network.iter())),
        // A generator watches what it backs up: backing up something it
        // feeds would start and stop it forever.
        Detail::Generator { backs_up, .. } => inputs.extend(backs_up),
        Detail::Ups { inputs: i, .. } | Detail::Switchboard { inputs: i } | Detail::Cooling { power: i } => {
            inputs.extend(i.iter())
        }
        _ => {}
    }
    inputs
}

/// Rejects power loops (a UPS feeding its own input, a room fed through
/// equipment inside it) and data halls whose feeds reach no source.
pub(super) fn check_power_graph(v: &mut Validator<'_>, details: &[Option<Detail>], containers: &[Option<u32>]) {
    let n = details.len();
    let mut g: DiGraph<(), (), u32> = DiGraph::with_capacity(n, n * 2);
    for _ in 0..n {
        g.add_node(());
    }
    for (i, d) in details.iter().enumerate() {
        let Some(d) = d else { continue };
        if matches!(d, Detail::Service(_) | Detail::Pool(_)) {
            continue;
        }
        for input in infrastructure_inputs(d, containers[i]) {
            g.add_edge(NodeIndex::new(input as usize), NodeIndex::new(i), ());
        }
    }
    // A loop of one is an element among its own inputs (a UPS listed as
    // its own input would keep itself alive forever).
    let mut sccs: Vec<Vec<usize>> = kosaraju_scc(&g)
        .into_iter()
        // scc[0]: kosaraju_scc never yields an empty component
        .filter(|scc| scc.len() > 1 || g.contains_edge(scc[0], scc[0]))
        .map(|scc| {
            let mut ids: Vec<usize> = scc.into_iter().map(NodeIndex::index).collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    sccs.sort();
    for scc in sccs {
        let names: Vec<&str> = scc.iter().map(|&i| v.order[i].0).collect();
        let path = v.order[scc[0]].3.clone();
        let message = match names.as_slice() {
            [one] if matches!(details[scc[0]], Some(Detail::Generator { .. })) => {
                format!("power loop: generator '{one}' backs itself up, so it would start and stop itself")
            }
            [one] => format!("power loop: '{one}' is among its own inputs, so it would keep itself alive"),
            _ => format!("power loop: {} need each other to be live, so none could ever come back", names.join(", ")),
        };
        v.problem(path, message);
    }

    // A data hall needs a feed that leads back to a utility or a generator.
    let mut reaches_source: Vec<Option<bool>> = vec![None; n];
    fn has_source(i: usize, details: &[Option<Detail>], memo: &mut [Option<bool>], depth: usize) -> bool {
        if let Some(known) = memo[i] {
            return known;
        }
        memo[i] = Some(false); // breaks loops (already reported)
        let result = depth < 10_000
            && match &details[i] {
                Some(Detail::Utility | Detail::Generator { .. }) => true,
                Some(Detail::Ups { inputs, .. } | Detail::Switchboard { inputs }) => {
                    inputs.iter().filter(|&&j| has_source(j as usize, details, memo, depth + 1)).count()
                        >= inputs.needed as usize
                }
                _ => false,
            };
        memo[i] = Some(result);
        result
    }
    for (i, d) in details.iter().enumerate() {
        let Some(Detail::Room(room)) = d else { continue };
        let sourced = room.feeds.iter().filter(|&&f| has_source(f as usize, details, &mut reaches_source, 0)).count();
        if !room.feeds.is_empty() && sourced < room.feeds.needed as usize {
            let path = v.order[i].3.field("feeds");
            let name = v.order[i].0;
            let msg = match sourced {
                0 => format!(
                    "room '{name}' has no power path: none of its feeds leads back to a utility feed or a generator"
                ),
                _ => format!(
                    "room '{name}' has no power path: only {sourced} of its feeds lead back to a utility feed or a \
                     generator, and it needs {}",
                    room.feeds.needed
                ),
            };
            v.problem(path, msg);
        }
    }
}
