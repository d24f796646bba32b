//! Services: deployments, dependencies, and pools not over-committed.

use std::collections::HashSet;

use super::{Declared, Expect, MAX_DEPLOYMENTS, Parts, Validator, numbers};
use crate::model::{ComponentId, ComponentKind, Deployment, Detail, Role, Service, ServiceId};
use crate::scenario::path::SpecPath;

/// Every service, in file order.
pub(super) fn validate_services(v: &mut Validator<'_>, declared: &Declared<'_>, parts: &mut Parts) -> Vec<Service> {
    let spec = v.spec;
    let details = &mut parts.details;
    let (first_pool, first_service) = (declared.first_pool, declared.first_service);
    let mut services = Vec::with_capacity(spec.services.len());
    let mut pool_use: Vec<u64> = vec![0; spec.pools.len()];
    for (i, s) in spec.services.iter().enumerate() {
        let path = SpecPath::at("services", i);
        let owner = format!("service '{}'", s.name);
        let id = first_service as usize + i;
        details[id] = Some(Detail::Service(i as u32));
        if s.demand == 0 {
            v.problem(
                path.field("demand"),
                format!("{owner} has a demand of zero servers; give the servers it needs to serve all users"),
            );
        } else if s.demand > super::MAX_SERVERS {
            v.problem(
                path.field("demand"),
                format!("{owner} needs {} servers; at most {}", s.demand, super::MAX_SERVERS),
            );
        }
        if s.users > super::MAX_USERS {
            v.problem(path.field("users"), format!("{owner} has {} users; at most {}", s.users, super::MAX_USERS));
        }
        if s.priority == 0 {
            v.problem(path.field("priority"), format!("{owner}: priority starts at 1 (most important)"));
        }
        if s.deployments.is_empty() {
            v.problem(path.field("deployments"), format!("{owner} runs nowhere: give it at least one deployment"));
        } else if s.deployments.len() > MAX_DEPLOYMENTS {
            v.problem(
                path.field("deployments"),
                format!("{owner} has {} deployments; at most {MAX_DEPLOYMENTS} are supported", s.deployments.len()),
            );
        }
        let mut deployments = Vec::new();
        // Pools used so far: a repeat is found in constant time.
        let mut pools_used: HashSet<u32> = HashSet::new();
        let mut active_capacity: u64 = 0;
        for (di, d) in s.deployments.iter().enumerate() {
            let dp = path.field("deployments").index(di);
            // An unknown pool still leaves the rest of the deployment to check.
            let pool = v.resolve(&d.pool, Expect::Pool, dp.field("pool"), &owner);
            // (An unknown pool is taken as large enough: its size is unknown.)
            // p - first_pool < pools.len(): `Expect::Pool` resolves only to pools, numbered from first_pool
            let pool_servers = pool.map_or(u64::MAX, |p| spec.pools[(p - first_pool) as usize].servers);
            let servers = match (d.servers, d.capacity) {
                (Some(_), Some(_)) => {
                    v.problem(
                        dp.field("capacity"),
                        format!("{owner}: give a deployment either servers or capacity, not both"),
                    );
                    0
                }
                (Some(n), None) => n,
                (None, Some(c)) => {
                    let capacity = v.positive(c, dp.field("capacity"), |c| {
                        format!("{owner}: capacity must be a fraction of demand greater than zero, not {c}")
                    });
                    match capacity {
                        // A demand of zero is reported where it is written.
                        Some(_) if s.demand == 0 => 0,
                        Some(c) => numbers::servers_for(c, s.demand, super::MAX_SERVERS).unwrap_or_else(|| {
                            v.problem(
                                dp.field("capacity"),
                                format!(
                                    "{owner}: a capacity of {} x a demand of {} needs more than {} servers, the \
                                     most a pool holds",
                                    numbers::shown(c),
                                    s.demand,
                                    super::MAX_SERVERS
                                ),
                            );
                            0
                        }),
                        None => 0,
                    }
                }
                (None, None) => pool_servers,
            };
            if servers == 0 {
                if d.capacity.is_none() && pool.is_some() {
                    v.problem(dp.field("servers"), format!("{owner} uses zero servers of pool '{}'", d.pool));
                }
            } else if servers > pool_servers {
                let field = if d.capacity.is_some() { "capacity" } else { "servers" };
                v.problem(
                    dp.field(field),
                    format!("{owner} uses {servers} servers of pool '{}', which has only {pool_servers}", d.pool),
                );
            }
            match (d.role, &d.warmup) {
                (Role::Active, Some(_)) => v.problem(
                    dp.field("warmup"),
                    format!("{owner}: an active deployment has no warmup (only warm and cold standbys do)"),
                ),
                (Role::HotStandby, Some(_)) => v.problem(
                    dp.field("warmup"),
                    format!("{owner}: a hot standby serves at once; warmup is for warm and cold standbys"),
                ),
                (Role::Rebuild, Some(_)) => v.problem(
                    dp.field("warmup"),
                    format!("{owner}: a Rebuild deployment serves once its rebuild is done; warmup is for standbys"),
                ),
                (_, Some(w)) => v.dist(w, dp.field("warmup"), &owner, "warmup"),
                _ => {}
            }
            let Some(pool) = pool else { continue };
            let pool_index = (pool - first_pool) as usize;
            if !pools_used.insert(pool) {
                v.problem(dp.field("pool"), format!("{owner} is deployed on pool '{}' twice", d.pool));
            }
            if servers <= pool_servers {
                pool_use[pool_index] = pool_use[pool_index].saturating_add(servers);
            }
            if d.role == Role::Active {
                active_capacity = active_capacity.saturating_add(servers);
            }
            let needs = v.resolve_all(&d.depends_on, Expect::Any, &dp.field("depends_on"), &owner);
            if needs.contains(&(id as u32)) {
                v.problem(dp.field("depends_on"), format!("{owner}: a deployment of it depends on the service itself"));
            }
            deployments.push(Deployment {
                pool: ComponentId(pool),
                servers,
                pool_servers,
                role: d.role,
                warmup: d.warmup.clone(),
                needs: needs.into_iter().map(ComponentId).collect(),
            });
        }
        let has_standby = s.deployments.iter().any(|d| d.role.is_standby());
        if s.demand > 0 && !s.deployments.is_empty() && active_capacity < s.demand && !v.is_faulty("services", i) {
            let msg = if s.deployments.iter().all(|d| d.role != Role::Active) {
                format!("{owner} has no active deployment: one must carry traffic before anything happens")
            } else {
                format!(
                    "{owner} needs {} servers but its active deployments provide only {active_capacity}; it would be degraded before anything happens",
                    s.demand
                )
            };
            v.problem(path.field("demand"), msg);
        }
        let hard: Vec<ServiceId> = v
            .resolve_all(&s.depends_on, Expect::Service, &path.field("depends_on"), &owner)
            .into_iter()
            .map(|c| ServiceId(c - first_service))
            .collect();
        if hard.contains(&ServiceId(i as u32)) {
            let at = s.depends_on.iter().position(|d| *d == s.name).unwrap_or(0);
            v.problem(path.field("depends_on").index(at), format!("{owner} depends on itself"));
        }
        let mut soft = Vec::new();
        let mut listed: HashSet<ServiceId> = hard.iter().copied().collect();
        for (di, d) in s.soft_depends_on.iter().enumerate() {
            let dp = path.field("soft_depends_on").index(di);
            let impact = v.probability(d.impact, dp.field("impact"), &owner, "impact");
            if let Some(c) = v.resolve(&d.service, Expect::Service, dp.field("service"), &owner) {
                let sid = ServiceId(c - first_service);
                if sid.index() == i {
                    v.problem(dp.field("service"), format!("{owner} depends on itself"));
                } else if !listed.insert(sid) {
                    v.problem(dp.field("service"), format!("{owner} lists '{}' as a dependency twice", d.service));
                } else {
                    soft.push((sid, impact));
                }
            }
        }
        // Standbys count only once switched in, so a quorum above the
        // active deployments would hold the service down from the start.
        let actives = s.deployments.iter().filter(|d| d.role == Role::Active).count();
        if let Some(q) = s.quorum
            && (q == 0 || q as usize > actives)
        {
            v.problem(
                path.field("quorum"),
                format!("{owner}: quorum must be between 1 and its {actives} active deployments, not {q}"),
            );
        }
        let recovery = super::recovery::validate_service_recovery(v, s, &path, &owner, has_standby);
        services.push(Service {
            component: ComponentId(id as u32),
            name: s.name.clone(),
            users: s.users,
            priority: s.priority,
            demand: s.demand,
            deployments,
            quorum: s.quorum.unwrap_or(0),
            hard,
            soft,
            recovery,
        });
    }
    refuse_cycles_through_deployment_needs(v, &services, first_service);
    for (i, used) in pool_use.iter().enumerate() {
        if *used > spec.pools[i].servers {
            let p = &spec.pools[i];
            v.problem(
                SpecPath::at("pools", i).field("servers"),
                format!("pool '{}' is over-committed: services use {used} of its {} servers", p.name, p.servers),
            );
        }
    }
    services
}

/// A deployment's needs are read as they stand, outside the engine's
/// handling of dependency cycles (down dominates, deadlock reports,
/// bootstraps): a deployment that needs a service which, through hard
/// dependencies or deployment needs, depends back on its own service could
/// hold both down for good unseen. Such a loop is refused; a hard
/// dependency says the same thing where cycles are understood.
fn refuse_cycles_through_deployment_needs(v: &mut Validator<'_>, services: &[Service], first_service: u32) {
    use petgraph::graph::{DiGraph, NodeIndex};
    let as_service = |c: &ComponentId| c.0.checked_sub(first_service).filter(|&s| (s as usize) < services.len());
    // Who each service waits for: its hard dependencies and the services its
    // deployments need. A need of s on x closes a loop exactly when x waits,
    // directly or not, for s: when both are in one strongly connected
    // component of this graph (found once, in linear time).
    let mut g: DiGraph<(), (), u32> = DiGraph::with_capacity(services.len(), services.len());
    for _ in services {
        g.add_node(());
    }
    for (s, service) in services.iter().enumerate() {
        let needs = service.deployments.iter().flat_map(|d| d.needs.iter().filter_map(as_service));
        for x in service.hard.iter().map(|h| h.0).chain(needs) {
            g.add_edge(NodeIndex::new(s), NodeIndex::new(x as usize), ());
        }
    }
    let mut component = vec![0usize; services.len()];
    for (k, scc) in petgraph::algo::kosaraju_scc(&g).iter().enumerate() {
        for n in scc {
            component[n.index()] = k;
        }
    }
    // Each loop is reported once per service, at the first place the file
    // names the needed service in one of its deployments' `depends_on`.
    let spec = v.spec;
    for (s, service) in services.iter().enumerate() {
        let Some(written) = spec.services.get(s) else { continue };
        let mut reported: HashSet<usize> = HashSet::new();
        for (di, d) in written.deployments.iter().enumerate() {
            for (ni, needed) in d.depends_on.iter().enumerate() {
                let Some(entry) = v.names.get(needed.as_str()) else { continue };
                if entry.kind != ComponentKind::Service {
                    continue;
                }
                let Some(start) = as_service(&ComponentId(entry.id)).map(|x| x as usize) else { continue };
                if start == s || component[start] != component[s] || !reported.insert(start) {
                    continue; // a need on itself is reported where the deployment is read
                }
                let path = SpecPath::at("services", s).field("deployments").index(di).field("depends_on").index(ni);
                v.problem(
                    path,
                    format!(
                        "service '{}': a deployment needs '{needed}', which depends back on '{}'; a loop through a \
                         deployment's needs cannot be brought back (make it a service dependency, which can have a \
                         bootstrap)",
                        service.name, service.name
                    ),
                );
            }
        }
    }
}
