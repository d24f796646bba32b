//! Teams, the recovery policy, and the recovery work of each service.

use super::{Expect, MAX_ENGINEERS, MAX_SERVERS, Validator, numbers};
use crate::dist::Dist;
use crate::model::{
    Bootstrap, ComponentId, FailoverDef, RecoveryOrder, ScaleOutDef, Service, ServiceId, ServiceRecovery, Shifts,
    SurgeDef, TeamCall, TeamDef, Work, hard_cycles,
};
use crate::scenario::path::SpecPath;
use crate::scenario::spec::*;
use crate::time::SimDuration;

pub(super) fn validate_teams(v: &mut Validator<'_>) -> Vec<TeamDef> {
    let spec = v.spec;
    let mut teams = Vec::new();
    if spec.teams.len() > usize::from(u16::MAX) {
        v.problem(
            SpecPath::default().field("teams"),
            format!("{} teams; at most {} are supported", spec.teams.len(), u16::MAX),
        );
        return teams;
    }
    for (i, t) in spec.teams.iter().enumerate() {
        let path = SpecPath::at("teams", i);
        let owner = format!("team '{}'", t.name);
        if let Some(fault) = super::name_fault(&t.name) {
            v.problem(path.field("name"), format!("a team {fault}"));
        } else if v.teams.insert(t.name.as_str(), i as u16).is_some() {
            v.problem(path.field("name"), format!("duplicate team name '{}'", t.name));
        }
        if t.engineers == 0 {
            v.problem(path.field("engineers"), format!("{owner} has no engineers"));
        } else if t.engineers > MAX_ENGINEERS {
            v.problem(
                path.field("engineers"),
                format!("{owner} has {} engineers; at most {MAX_ENGINEERS} per team are supported", t.engineers),
            );
        }
        if t.on_call > t.engineers {
            v.problem(
                path.field("on_call"),
                format!("{owner} has {} engineers on call but only {} in all", t.on_call, t.engineers),
            );
        }
        v.dist(&t.arrival, path.field("arrival"), &owner, "arrival");
        if let Some(sh) = &t.shifts {
            for (d, field) in [(sh.work, "work"), (sh.rest, "rest")] {
                if d.is_zero() {
                    v.problem(
                        path.field("shifts").field(field),
                        format!("{owner}: shift {field} must be longer than zero"),
                    );
                }
            }
        }
        let called = match &t.called {
            CallSpec::FirstImpact => TeamCall::FirstImpact,
            CallSpec::At(d) => {
                v.hazard_dist(d, path.field("called"), &owner, "call-out time");
                TeamCall::At(d.clone())
            }
            CallSpec::When(names) => {
                if names.is_empty() {
                    v.problem(path.field("called"), format!("{owner} is called when nothing: name what must work"));
                }
                let ids = v.resolve_all(names, Expect::Any, &path.field("called"), &owner);
                TeamCall::When(ids.into_iter().map(ComponentId).collect())
            }
        };
        let escalation = t.escalation.as_ref().map(|e| {
            let ep = path.field("escalation");
            v.dist(&e.after, ep.field("after"), &owner, "escalation.after");
            let room = MAX_ENGINEERS.saturating_sub(t.engineers.min(MAX_ENGINEERS));
            if e.engineers == 0 || e.engineers > room {
                v.problem(
                    ep.field("engineers"),
                    format!(
                        "{owner}: an escalation adds between 1 and {room} engineers (at most {MAX_ENGINEERS} per team), not {}",
                        e.engineers
                    ),
                );
            }
            (e.after.clone(), e.engineers.min(room))
        });
        teams.push(TeamDef {
            name: t.name.clone(),
            engineers: t.engineers.min(MAX_ENGINEERS),
            on_call: t.on_call.min(t.engineers),
            arrival: t.arrival.clone(),
            shifts: t.shifts.as_ref().map(|s| Shifts { work: s.work, rest: s.rest, staggered: s.staggered }),
            called,
            escalation,
        });
    }
    teams
}

pub(super) fn validate_policy(v: &mut Validator<'_>) -> RecoveryOrder {
    match &v.spec.recovery.policy {
        PolicySpec::ByPriority => RecoveryOrder::ByPriority,
        PolicySpec::ByUsers => RecoveryOrder::ByUsers,
        PolicySpec::ByDependencyOrder => RecoveryOrder::ByDependencyOrder,
        PolicySpec::Explicit(names) => {
            let path = SpecPath::default().field("recovery").field("policy");
            RecoveryOrder::Explicit(v.services(names, &path, "the recovery policy"))
        }
    }
}

pub(super) fn validate_service_recovery(
    v: &mut Validator<'_>,
    s: &ServiceSpec,
    path: &SpecPath,
    owner: &str,
    has_standby: bool,
) -> ServiceRecovery {
    let mut r = ServiceRecovery::default();
    if has_standby && s.failover.is_none() {
        v.problem(
            path.field("deployments"),
            format!("{owner} has standby deployments but no failover to switch to them"),
        );
    }
    if let Some(f) = &s.failover {
        let fp = path.field("failover");
        if !has_standby {
            v.problem(fp.clone(), format!("{owner} has a failover but no standby deployment to fail over to"));
        }
        r.failover = match f {
            FailoverSpec::Automatic { detection, switch, requires, otherwise } => {
                v.dist(detection, fp.field("detection"), owner, "detection");
                v.dist(switch, fp.field("switch"), owner, "switch");
                let requires = v.services(requires, &fp.field("requires"), owner);
                let otherwise = match otherwise {
                    Some(m) => v.work(m, &fp.field("otherwise"), owner),
                    None => None,
                };
                Some(FailoverDef::Automatic {
                    detection: detection.clone(),
                    switch: switch.clone(),
                    requires,
                    otherwise,
                })
            }
            FailoverSpec::Manual(m) => v.work(m, &fp, owner).map(FailoverDef::Manual),
        };
    }
    if let Some(so) = &s.scale_out {
        let sp = path.field("scale_out");
        if !has_standby {
            v.problem(sp.clone(), format!("{owner} scales out its standbys but has none"));
        }
        let rate = v.positive(so.rate, sp.field("rate"), |rate| {
            format!("{owner}: scale-out rate must be a number of servers per hour greater than zero, not {rate}")
        });
        // Unwritten, a step is what the rate adds in an hour (a step larger
        // than the spare servers adds what is spare).
        let step = so.step.unwrap_or_else(|| rate.map_or(1.0, |r| r.round().clamp(1.0, MAX_SERVERS as f64)) as u64);
        if step == 0 {
            v.problem(sp.field("step"), format!("{owner}: a scale-out step adds at least one server"));
        } else if step > MAX_SERVERS {
            v.problem(
                sp.field("step"),
                format!("{owner}: a scale-out step adds at most {MAX_SERVERS} servers, not {step}"),
            );
        }
        let team = v.team(&so.team, sp.field("team"), owner);
        let requires = v.services(&so.requires, &sp.field("requires"), owner);
        if let (Some(team), Some(rate)) = (team, rate) {
            let duration = Dist::Fixed(numbers::time_for(step as f64, rate));
            r.scale_out = Some(ScaleOutDef {
                step: step.clamp(1, MAX_SERVERS),
                work: Work { team: Some(team), wait: None, duration, requires, fallback: None },
            });
        }
    }
    if let Some(m) = &s.restart {
        r.restart = v.work(m, &path.field("restart"), owner);
    }
    if let Some(sg) = &s.surge {
        let sp = path.field("surge");
        let factor =
            v.factor(sg.factor, sp.field("factor"), |f| format!("{owner}: surge factor must be 1 or more, not {f}"));
        // The engine serves capacity / (demand x factor): a finite number.
        if let Some(f) = factor
            && numbers::product(s.demand as f64, f).is_none()
        {
            v.problem(
                sp.field("factor"),
                format!(
                    "{owner}: a surge factor of {} on a demand of {} servers is beyond any number",
                    numbers::shown(f),
                    s.demand
                ),
            );
        }
        v.dist(&sg.duration, sp.field("duration"), owner, "surge duration");
        r.surge = Some(SurgeDef { factor: factor.unwrap_or(1.0), duration: sg.duration.clone() });
    }
    let rebuilds = s.deployments.iter().any(|d| d.role == Role::Rebuild);
    match (&s.rebuild, rebuilds) {
        (Some(m), true) => r.rebuild = v.work(m, &path.field("rebuild"), owner),
        (Some(_), false) => v.problem(
            path.field("rebuild"),
            format!("{owner} has a rebuild but no deployment with role Rebuild to rebuild on"),
        ),
        (None, true) => v.problem(
            path.field("deployments"),
            format!("{owner} has a Rebuild deployment but no rebuild work to bring it up"),
        ),
        (None, false) => {}
    }
    if let Some(b) = &s.backup {
        let bp = path.field("backup");
        v.dist(&b.age, bp.field("age"), owner, "backup age");
        let size = v.non_negative(b.size_tb, bp.field("size_tb"), |size| {
            format!("{owner}: backup size_tb must be zero or more, not {size}")
        });
        let speed = v.positive(b.tb_per_hour, bp.field("tb_per_hour"), |speed| {
            format!("{owner}: backup tb_per_hour must be greater than zero, not {speed}")
        });
        // Longer than any run is never, within the run (not an instant restore).
        let restore = match (size, speed) {
            (Some(size), Some(speed)) => numbers::time_for(size, speed),
            _ => SimDuration::ZERO,
        };
        let restore =
            Work { team: None, wait: None, duration: Dist::Fixed(restore), requires: Vec::new(), fallback: None };
        r.backup = Some((b.age.clone(), restore));
    }
    r.stateful = s.stateful || s.backup.is_some();
    if let ReplicationSpec::Asynchronous { lag } = &s.replication {
        v.dist(lag, path.field("replication").field("lag"), owner, "replication lag");
        r.lag = Some(lag.clone());
    }
    r
}

/// Checks the cold-start procedures against the hard-dependency cycles they
/// start, and warns about cycles that nothing can start once all are down.
pub(super) fn validate_bootstraps(v: &mut Validator<'_>, services: &[Service]) -> Vec<Bootstrap> {
    let spec = v.spec;
    let cycles = hard_cycles(services, |_| true);
    let mut cycle_index: Vec<Option<usize>> = vec![None; services.len()];
    for (k, cycle) in cycles.iter().enumerate() {
        for s in cycle {
            cycle_index[s.index()] = Some(k);
        }
    }
    let cycle_of = |s: ServiceId| cycle_index[s.index()];
    let name = |s: ServiceId| spec.services[s.index()].name.as_str();
    let mut started: Vec<Option<usize>> = vec![None; services.len()];
    let mut out = Vec::new();
    for (i, b) in spec.recovery.bootstraps.iter().enumerate() {
        let path = SpecPath::default().field("recovery").field("bootstraps").index(i);
        let owner = format!("bootstrap #{}", i + 1);
        if b.services.is_empty() {
            v.problem(path.field("services"), format!("{owner} starts no services"));
        }
        let listed = v.services_at(&b.services, &path.field("services"), &owner);
        let mut members: Vec<ServiceId> = listed.iter().map(|&(s, _)| s).collect();
        let work = v.work(&b.work, &path.field("work"), &owner);
        let mut ok = members.len() == b.services.len();
        for &(s, at) in &listed {
            let at = path.field("services").index(at);
            if let Some(other) = started[s.index()] {
                v.problem(at, format!("{owner}: service '{}' is already started by bootstrap #{}", name(s), other + 1));
                ok = false;
            } else if cycle_of(s).is_none() {
                v.problem(
                    at,
                    format!(
                        "{owner}: service '{}' is in no hard-dependency cycle; a bootstrap starts services that wait for each other",
                        name(s)
                    ),
                );
                ok = false;
            } else if cycle_of(s) != cycle_of(members[0]) {
                v.problem(
                    at,
                    format!(
                        "{owner}: services '{}' and '{}' are in different dependency cycles; give each cycle its own bootstrap",
                        name(members[0]),
                        name(s)
                    ),
                );
                ok = false;
            } else {
                started[s.index()] = Some(i);
            }
        }
        if let (true, Some(work)) = (ok, work) {
            members.sort_unstable();
            out.push(Bootstrap { services: members, work });
        }
    }
    // What still waits in a loop once every bootstrap has started its services.
    for left in hard_cycles(services, |s| started[s.index()].is_none()) {
        let names: Vec<String> = left.iter().map(|&s| format!("'{}'", name(s))).collect();
        v.warn(
            SpecPath::at("services", left[0].index()).field("depends_on"),
            format!(
                "services {} depend on each other (hard): once all are down none can come back, as each waits for \
                 another; give the cycle a cold-start procedure (recovery: (bootstraps: [Bootstrap(services: [...], \
                 work: (...))]))",
                names.join(", ")
            ),
        );
    }
    out
}
