//! Disasters: hazards, fires, and site-loss templates expanded per site.

use std::collections::HashMap;

use super::{Expect, MAX_HAZARDS, Validator};
use crate::dist::Dist;
use crate::model::{ComponentId, ComponentKind, Disaster, Fire, Hazard, Stage};
use crate::scenario::path::SpecPath;
use crate::scenario::spec::*;

pub(super) fn validate_disasters(v: &mut Validator<'_>) -> Vec<Disaster> {
    let spec = v.spec;
    let mut disasters: Vec<Disaster> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    // Every disaster's name so far, and whether a site-loss template gave it.
    let mut expanded: HashMap<String, bool> = HashMap::new();
    for (di, d) in spec.disasters.iter().enumerate() {
        let path = SpecPath::at("disasters", di);
        if let Some(fault) = super::name_fault(&d.name) {
            v.problem(path.field("name"), format!("a disaster {fault}"));
        } else if let Some(prev) = seen.insert(d.name.as_str(), di) {
            v.problem(path.field("name"), format!("duplicate disaster name '{}' (also disasters[{prev}])", d.name));
        }
        let before = disasters.len();
        validate_disaster(v, d, &path, &mut disasters);
        // Reports, merges and objectives name disasters, so a name a site-loss
        // template expands to must not be taken twice (plain names clashing
        // with each other are reported above).
        for new in &disasters[before..] {
            let from_template = new.group.is_some();
            if expanded.insert(new.name.clone(), from_template).is_some_and(|first| first || from_template) {
                v.problem(
                    path.field("name"),
                    format!("two disasters are named '{}' once site-loss templates are expanded", new.name),
                );
            }
        }
    }
    disasters
}

/// One disaster of the spec: its hazards, or one disaster per site for a
/// site-loss template.
fn validate_disaster(v: &mut Validator<'_>, d: &DisasterSpec, path: &SpecPath, out: &mut Vec<Disaster>) {
    let owner = format!("disaster '{}'", d.name);
    if let Some(loss) = &d.each_site {
        if !d.hazards.is_empty() {
            v.problem(path.field("each_site"), format!("{owner}: give either hazards or each_site, not both"));
        }
        expand_site_loss(v, d, loss, path, &owner, out);
        return;
    }
    if d.hazards.is_empty() {
        v.problem(path.field("hazards"), format!("{owner} has no hazards"));
    }
    if d.hazards.len() > MAX_HAZARDS {
        v.problem(
            path.field("hazards"),
            format!("{owner} has {} hazards; at most {MAX_HAZARDS} are supported", d.hazards.len()),
        );
        return;
    }
    let mut hazards = Vec::new();
    for (hi, h) in d.hazards.iter().enumerate() {
        let hp = path.field("hazards").index(hi);
        match h {
            HazardSpec::Outage { target, at, delay, duration, probability } => {
                let target = v.resolve(target, Expect::Any, hp.field("target"), &owner);
                outage_timing(v, &hp, &owner, delay, duration, *probability);
                if let Some(t) = target {
                    hazards.push(Hazard::Outage {
                        target: ComponentId(t),
                        at: *at,
                        delay: delay.clone(),
                        duration: duration.clone(),
                        probability: *probability,
                        cause: None,
                    });
                }
            }
            HazardSpec::CommonCause { name, select, at, delay, duration, probability } => {
                // A name is printed in timelines and blame: checked as every name is.
                if let Some(fault) = (!name.is_empty()).then(|| super::name_fault(name)).flatten() {
                    v.problem(hp.field("name"), format!("{owner}: a common cause {fault}"));
                }
                outage_timing(v, &hp, &owner, delay, duration, *probability);
                let targets = select_elements(v, select, &hp.field("select"), &owner);
                // One start for all: a random delay becomes a draw they share.
                let delay = match delay {
                    Some(delay) if !delay.is_deterministic() => {
                        let shared = format!("\u{1}common cause {}#{hi}", d.name);
                        v.implicit_draws.push((shared.clone(), delay.clone()));
                        Some(Dist::Shared(shared))
                    }
                    other => other.clone(),
                };
                let label: std::sync::Arc<str> =
                    if name.is_empty() { format!("common cause #{}", hi + 1).into() } else { name.as_str().into() };
                for t in targets {
                    hazards.push(Hazard::Outage {
                        target: ComponentId(t),
                        at: *at,
                        delay: delay.clone(),
                        duration: duration.clone(),
                        probability: *probability,
                        cause: Some(label.clone()),
                    });
                }
            }
            HazardSpec::Fire(f) => {
                if let Some(fire) = validate_fire(v, f, &hp, &owner) {
                    hazards.push(Hazard::Fire(Box::new(fire)));
                }
            }
        }
    }
    if hazards.len() > MAX_HAZARDS {
        v.problem(
            path.field("hazards"),
            format!(
                "{owner} has {} hazards once common causes are expanded; at most {MAX_HAZARDS} are supported",
                hazards.len()
            ),
        );
        return;
    }
    out.push(Disaster { name: d.name.clone(), description: d.description.clone(), hazards, group: None });
}

/// Checks when an outage (or a common cause) starts, how long it lasts and
/// how likely it is.
fn outage_timing(
    v: &mut Validator<'_>,
    hp: &SpecPath,
    owner: &str,
    delay: &Option<Dist>,
    duration: &Option<Dist>,
    probability: f64,
) {
    if let Some(d) = delay {
        v.hazard_dist(d, hp.field("delay"), owner, "delay");
    }
    if let Some(dur) = duration {
        v.hazard_dist(dur, hp.field("duration"), owner, "duration");
    }
    v.probability(probability, hp.field("probability"), owner, "probability");
}

/// The elements a common cause selects: every one that matches all the
/// criteria given. At least one criterion, and at least one element.
fn select_elements(v: &mut Validator<'_>, select: &SelectSpec, path: &SpecPath, owner: &str) -> Vec<u32> {
    let spec = v.spec;
    if select.region.is_none() && select.sites.is_empty() && select.kinds.is_empty() && select.tags.is_empty() {
        v.problem(path.clone(), format!("{owner}: a common cause selects by region, sites, kinds or tags; give one"));
        return Vec::new();
    }
    let sites = v.resolve_all(&select.sites, Expect::Site, &path.field("sites"), owner);
    if let Some(region) = &select.region
        && !spec.sites.iter().any(|s| s.region == *region)
    {
        let known: Vec<&str> = spec.sites.iter().map(|s| s.region.as_str()).filter(|r| !r.is_empty()).collect();
        v.problem(
            path.field("region"),
            format!("{owner}: no site is in region '{region}' (regions: {})", known.join(", ")),
        );
    }
    // Each element's tags and the room it stands in (for its site), in
    // declaration (component id) order.
    let mut tags: Vec<&[String]> = Vec::new();
    let mut rooms: Vec<Option<&str>> = Vec::new();
    for site in &spec.sites {
        tags.push(&site.tags);
        rooms.push(None);
        tags.extend(site.rooms.iter().map(|r| r.tags.as_slice()));
        rooms.extend(site.rooms.iter().map(|r| Some(r.name.as_str())));
    }
    for p in &spec.power {
        tags.push(p.tags());
        rooms.push(match p {
            PowerSpec::Utility { .. } => None,
            PowerSpec::Generator { room, .. } | PowerSpec::Ups { room, .. } | PowerSpec::Switchboard { room, .. } => {
                Some(room.as_str())
            }
        });
    }
    tags.extend(spec.cooling.iter().map(|c| c.tags.as_slice()));
    rooms.extend(spec.cooling.iter().map(|c| Some(c.room.as_str())));
    tags.extend(spec.pools.iter().map(|p| p.tags.as_slice()));
    rooms.extend(spec.pools.iter().map(|p| Some(p.room.as_str())));
    tags.extend(spec.services.iter().map(|s| s.tags.as_slice()));
    rooms.extend(spec.services.iter().map(|_| None));
    tags.extend(spec.links.iter().map(|l| l.tags.as_slice()));
    rooms.extend(spec.links.iter().map(|l| l.room.as_deref()));
    // A site is its own site; anything else is in the site of its room.
    let site_of = |v: &Validator<'_>, i: u32| -> Option<u32> {
        // i < order.len() (the range below); a room id and a container come from `names`/`resolve`
        if v.order[i as usize].1 == ComponentKind::Site {
            return Some(i);
        }
        let room = v.names.get(rooms[i as usize]?)?;
        v.order[room.id as usize].2
    };
    let region_of = |v: &Validator<'_>, i: u32| {
        let site = site_of(v, i)?;
        // site is a component id (from `site_of`)
        let name = v.order[site as usize].0;
        spec.sites.iter().find(|s| s.name == name).map(|s| s.region.as_str())
    };
    let kind_matches = |k: ComponentKind| {
        select.kinds.is_empty()
            || select.kinds.iter().any(|&want| match want {
                ElementKind::Site => k == ComponentKind::Site,
                ElementKind::Room => matches!(k, ComponentKind::Room(_)),
                ElementKind::Utility => k == ComponentKind::Utility,
                ElementKind::Generator => k == ComponentKind::Generator,
                ElementKind::Ups => k == ComponentKind::Ups,
                ElementKind::Switchboard => k == ComponentKind::Switchboard,
                ElementKind::Cooling => k == ComponentKind::Cooling,
                ElementKind::Pool => k == ComponentKind::Pool,
                ElementKind::Service => k == ComponentKind::Service,
                ElementKind::Link => k == ComponentKind::Link,
            })
    };
    // i < order.len() and i < tags.len() == rooms.len(): the range is bounded by both
    let chosen: Vec<u32> = (0..v.order.len().min(tags.len()) as u32)
        .filter(|&i| {
            let kind = v.order[i as usize].1;
            kind_matches(kind)
                && select.tags.iter().all(|t| tags[i as usize].contains(t))
                && (select.sites.is_empty() || site_of(v, i).is_some_and(|s| sites.contains(&s)))
                && select.region.as_ref().is_none_or(|r| region_of(v, i) == Some(r.as_str()))
        })
        .collect();
    if chosen.is_empty() && v.problems.iter().all(|p| !p.path.0.starts_with(&path.0)) {
        v.problem(path.clone(), format!("{owner}: the common cause selects no element"));
    }
    chosen
}

/// "Lose any one site": one disaster per site, named `<name>: <site>`.
fn expand_site_loss(
    v: &mut Validator<'_>,
    d: &DisasterSpec,
    loss: &SiteLossSpec,
    path: &SpecPath,
    owner: &str,
    out: &mut Vec<Disaster>,
) {
    let lp = path.field("each_site");
    if let Some(dur) = &loss.duration {
        v.hazard_dist(dur, lp.field("duration"), owner, "duration");
    }
    let sites: Vec<u32> = if loss.sites.is_empty() {
        (0..v.order.len() as u32).filter(|&i| v.order[i as usize].1 == ComponentKind::Site).collect()
    } else {
        v.resolve_all(&loss.sites, Expect::Site, &lp.field("sites"), owner)
    };
    for site in sites {
        // site is a declared site: listed from `order` or resolved by `resolve_all`
        let name = format!("{}: {}", d.name, v.order[site as usize].0);
        out.push(Disaster {
            name,
            description: d.description.clone(),
            hazards: vec![Hazard::Outage {
                target: ComponentId(site),
                at: loss.at,
                delay: None,
                duration: loss.duration.clone(),
                probability: 1.0,
                cause: None,
            }],
            group: Some(d.name.clone()),
        });
    }
}

fn validate_fire(v: &mut Validator<'_>, f: &FireSpec, hp: &SpecPath, owner: &str) -> Option<Fire> {
    let owner = format!("{owner}: fire in '{}'", f.room);
    let room = v.resolve(&f.room, Expect::Room, hp.field("room"), &owner);
    if let Some(d) = &f.delay {
        v.hazard_dist(d, hp.field("delay"), &owner, "delay");
    }
    v.hazard_dist(&f.damage_after, hp.field("damage_after"), &owner, "damage_after");
    v.hazard_dist(&f.extinguished_after, hp.field("extinguished_after"), &owner, "extinguished_after");
    if let Some(s) = &f.spread {
        v.hazard_dist(&s.after, hp.field("spread").field("after"), &owner, "spread.after");
        v.probability(s.probability, hp.field("spread").field("probability"), &owner, "spread.probability");
    }
    if let Some(c) = &f.power_cut {
        v.hazard_dist(&c.after, hp.field("power_cut").field("after"), &owner, "power_cut.after");
    }
    let rp = hp.field("restoration");
    v.hazard_dist(&f.restoration.inspection, rp.field("inspection"), &owner, "restoration.inspection");
    // r < order.len(): resolved by `resolve`
    let site = room.and_then(|r| v.order[r as usize].2);
    let mut stages = Vec::new();
    let mut staged: Vec<u32> = Vec::new();
    if f.restoration.stages.len() > MAX_HAZARDS {
        let n = f.restoration.stages.len();
        v.problem(
            rp.field("stages"),
            format!("{owner} has {n} restoration stages; at most {MAX_HAZARDS} are supported"),
        );
        return None;
    }
    // Rooms never re-energised, then each stage's: a room in one place only.
    let never = v.resolve_all(&f.restoration.never, Expect::Room, &rp.field("never"), &owner);
    let check_room = |v: &mut Validator<'_>, r: u32, at: SpecPath, name: &str, staged: &mut Vec<u32>| {
        if site.is_some() && v.order[r as usize].2 != site {
            v.problem(at, format!("{owner}: restoration names '{name}', which is not in the fire's site"));
        } else if never.contains(&r) && staged.contains(&r) {
            v.problem(at, format!("{owner}: room '{name}' is both in a restoration stage and never restored"));
        } else if staged.contains(&r) {
            v.problem(at, format!("{owner}: room '{name}' appears in two restoration stages"));
        }
        staged.push(r);
    };
    for &r in &never {
        // r < order.len(): resolved by `resolve_all` against the declared components.
        if site.is_some() && v.order[r as usize].2 != site {
            let name = v.order[r as usize].0;
            v.problem(
                rp.field("never").index(v.listed_at(&f.restoration.never, r)),
                format!("{owner}: restoration names '{name}', which is not in the fire's site"),
            );
        }
    }
    staged.extend(&never);
    for (si, stage) in f.restoration.stages.iter().enumerate() {
        let sp = rp.field("stages").index(si);
        v.hazard_dist(&stage.after, sp.field("after"), &owner, "stage delay");
        if let Some(at) = &stage.at {
            v.hazard_dist(at, sp.field("at"), &owner, "stage time");
        }
        if stage.rooms.is_empty() {
            v.problem(sp.field("rooms"), format!("{owner}: restoration stage {si} names no rooms"));
        }
        let rooms = v.resolve_all(&stage.rooms, Expect::Room, &sp.field("rooms"), &owner);
        for &r in &rooms {
            let (at, name) = (sp.field("rooms").index(v.listed_at(&stage.rooms, r)), v.order[r as usize].0);
            check_room(v, r, at, name, &mut staged);
        }
        let waits_for = v.resolve_all(&stage.waits_for, Expect::Any, &sp.field("waits_for"), &owner);
        stages.push(Stage {
            rooms: rooms.into_iter().map(ComponentId).collect(),
            after: stage.after.clone(),
            at: stage.at.clone(),
            waits_for: waits_for.into_iter().map(ComponentId).collect(),
        });
    }
    let room = room?;
    let site = site?;
    let site_rooms = v
        .order
        .iter()
        .enumerate()
        .filter(|(_, (_, kind, container, _))| matches!(kind, ComponentKind::Room(_)) && *container == Some(site))
        .map(|(i, _)| ComponentId(i as u32))
        .collect();
    Some(Fire {
        room: ComponentId(room),
        site_rooms,
        at: f.at,
        delay: f.delay.clone(),
        fuel: f.fuel,
        damage_after: f.damage_after.clone(),
        spread: f.spread.as_ref().map(|s| (s.after.clone(), s.probability)),
        power_cut: f.power_cut.as_ref().map(|c| (c.scope, c.after.clone())),
        extinguished_after: f.extinguished_after.clone(),
        inspection: f.restoration.inspection.clone(),
        stages,
        never: never.into_iter().map(ComponentId).collect(),
    })
}
