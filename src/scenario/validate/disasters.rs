//! Disasters: hazards, fires, and site-loss templates expanded per site.
//!
//! Expansion (a common cause into one hazard per element it selects, a
//! site-loss template into one disaster per site) is counted against its
//! limits before anything is allocated for it: hazards per disaster, and
//! the [`Budget`](super::Budget) of everything expanded in all.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::select::Index;
use super::{Declared, Expect, MAX_HAZARDS, Parts, Validator};
use crate::dist::Dist;
use crate::model::{ComponentId, ComponentKind, Disaster, Fire, Hazard, Service, Stage};
use crate::scenario::path::SpecPath;
use crate::scenario::spec::*;

pub(super) fn validate_disasters<'a>(
    v: &mut Validator<'a>,
    declared: &Declared<'a>,
    parts: &Parts,
    services: &[Service],
) -> Vec<Disaster> {
    let spec = v.spec;
    // Built when a common cause or a fire first needs it.
    let mut index: Option<Index<'a>> = None;
    let mut stages = super::stages::Check::new(parts, services, v.first_service, v.order.len());
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
        validate_disaster(v, &mut index, &mut stages, declared, d, &path, &mut disasters);
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
    stages.finish(v);
    disasters
}

/// One disaster of the spec: its hazards, or one disaster per site for a
/// site-loss template.
fn validate_disaster<'a>(
    v: &mut Validator<'a>,
    index: &mut Option<Index<'a>>,
    stages: &mut super::stages::Check<'_>,
    declared: &Declared<'a>,
    d: &DisasterSpec,
    path: &SpecPath,
    out: &mut Vec<Disaster>,
) {
    let owner = format!("disaster '{}'", d.name);
    let description: Arc<str> = d.description.as_str().into();
    if let Some(loss) = &d.each_site {
        if !d.hazards.is_empty() {
            v.problem(path.field("each_site"), format!("{owner}: give either hazards or each_site, not both"));
        }
        expand_site_loss(v, d, &description, loss, path, &owner, out);
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
    // Hazards once common causes are expanded, counted before each is
    // allocated; past the limit, the rest is checked but not expanded.
    let mut count = 0usize;
    let mut too_many = false;
    // Common causes' shared delays, by name: a repeated name is numbered
    // among those that can happen, or among those that cannot (probability
    // 0), never by its place in the list.
    let mut delay_keys: std::collections::HashMap<(String, bool), u32> = std::collections::HashMap::new();
    for (hi, h) in d.hazards.iter().enumerate() {
        let hp = path.field("hazards").index(hi);
        match h {
            HazardSpec::Outage { target, at, delay, duration, probability } => {
                let target = v.resolve(target, Expect::Any, hp.field("target"), &owner);
                let probability = outage_timing(v, &hp, &owner, delay, duration, *probability);
                if let Some(t) = target
                    && too_many_hazards(v, &mut count, 1, &hp, &owner, &mut too_many)
                    && v.expand(1, 0, &hp)
                {
                    hazards.push(Hazard::Outage {
                        target: ComponentId(t),
                        at: *at,
                        delay: delay.clone(),
                        duration: duration.clone(),
                        probability,
                        cause: None,
                    });
                }
            }
            HazardSpec::CommonCause { name, select, at, delay, duration, probability } => {
                // A name is printed in timelines and blame: checked as every name is.
                if let Some(fault) = (!name.is_empty()).then(|| super::name_fault(name)).flatten() {
                    v.problem(hp.field("name"), format!("{owner}: a common cause {fault}"));
                }
                let probability = outage_timing(v, &hp, &owner, delay, duration, *probability);
                let index = index.get_or_insert_with(|| Index::new(v, declared));
                let targets = select_elements(v, index, select, &hp.field("select"), &owner, !too_many);
                if !(too_many_hazards(v, &mut count, targets.len(), &hp, &owner, &mut too_many)
                    && v.expand(targets.len(), 0, &hp))
                {
                    continue;
                }
                // Unnamed, it is called by what it selects (not by its place
                // in the list: the label keys its random streams).
                let label: Arc<str> =
                    if name.is_empty() { selection_label(select).into() } else { name.as_str().into() };
                // One start for all: a random delay becomes a draw they share,
                // keyed by the cause's name (a named cause keeps its draw
                // wherever it stands in the list).
                let delay = match delay {
                    Some(delay) if !delay.is_deterministic() => {
                        let mut shared = format!("\u{1}common cause\u{1}{}\u{1}{label}", d.name);
                        let can_happen = probability > 0.0;
                        let n = delay_keys.entry((shared.clone(), can_happen)).or_insert(0);
                        *n += 1;
                        match (can_happen, *n) {
                            (true, 1) => {}
                            (true, n) => shared = format!("{shared}\u{1}{n}"),
                            (false, n) => shared = format!("{shared}\u{1}never\u{1}{n}"),
                        }
                        v.implicit_draws.push((shared.clone(), delay.clone()));
                        Some(Dist::Shared(shared))
                    }
                    other => other.clone(),
                };
                hazards.reserve(targets.len());
                for t in targets {
                    hazards.push(Hazard::Outage {
                        target: ComponentId(t),
                        at: *at,
                        delay: delay.clone(),
                        duration: duration.clone(),
                        probability,
                        cause: Some(label.clone()),
                    });
                }
            }
            HazardSpec::Fire(f) => {
                let index = index.get_or_insert_with(|| Index::new(v, declared));
                if let Some(fire) = validate_fire(v, index, stages, f, &hp, &owner)
                    && too_many_hazards(v, &mut count, 1, &hp, &owner, &mut too_many)
                    && v.expand(1, 0, &hp)
                {
                    hazards.push(Hazard::Fire(Box::new(fire)));
                }
            }
        }
    }
    out.push(Disaster { name: d.name.clone(), description, hazards, group: None });
}

/// Counts `added` hazards into the disaster's `count`; whether they may
/// be made (false, said once, past [`MAX_HAZARDS`]).
fn too_many_hazards(
    v: &mut Validator<'_>,
    count: &mut usize,
    added: usize,
    hp: &SpecPath,
    owner: &str,
    too_many: &mut bool,
) -> bool {
    *count = count.saturating_add(added);
    if *too_many {
        return false;
    }
    if *count > MAX_HAZARDS {
        v.problem(
            hp.clone(),
            format!(
                "{owner}: with this hazard ({added} once expanded) the disaster has {count} hazards once common \
                 causes are expanded; at most {MAX_HAZARDS} are supported",
                count = *count
            ),
        );
        *too_many = true;
        return false;
    }
    true
}

/// Checks when an outage (or a common cause) starts, how long it lasts and
/// how likely it is; the probability to keep.
fn outage_timing(
    v: &mut Validator<'_>,
    hp: &SpecPath,
    owner: &str,
    delay: &Option<Dist>,
    duration: &Option<Dist>,
    probability: f64,
) -> f64 {
    if let Some(d) = delay {
        v.hazard_dist(d, hp.field("delay"), owner, "delay");
    }
    if let Some(dur) = duration {
        v.hazard_dist(dur, hp.field("duration"), owner, "duration");
    }
    v.probability(probability, hp.field("probability"), owner, "probability")
}

/// The elements a common cause selects: every one that matches all the
/// criteria given. At least one criterion, and at least one element.
/// With `expand` false (the disaster already has too many hazards), the
/// criteria are checked and nothing is selected.
fn select_elements(
    v: &mut Validator<'_>,
    index: &Index<'_>,
    select: &SelectSpec,
    path: &SpecPath,
    owner: &str,
    expand: bool,
) -> Vec<u32> {
    if select.region.is_none() && select.sites.is_empty() && select.kinds.is_empty() && select.tags.is_empty() {
        v.problem(path.clone(), format!("{owner}: a common cause selects by region, sites, kinds or tags; give one"));
        return Vec::new();
    }
    let problems_before = v.problems.len();
    let sites = v.resolve_all(&select.sites, Expect::Site, &path.field("sites"), owner);
    if let Some(region) = &select.region
        && !index.has_region(region)
    {
        v.problem(
            path.field("region"),
            format!("{owner}: no site is in region '{region}' (regions: {})", index.regions()),
        );
    }
    if !expand || v.budget_spent() {
        return Vec::new();
    }
    let chosen = index.select(select, &sites, &mut v.work);
    if chosen.is_empty() && v.problems.len() == problems_before {
        v.problem(path.clone(), format!("{owner}: the common cause selects no element"));
    }
    chosen
}

/// "Lose any one site": one disaster per site, named `<name>: <site>`,
/// counted against the budget (sites, and the bytes of their names)
/// before any is made.
fn expand_site_loss(
    v: &mut Validator<'_>,
    d: &DisasterSpec,
    description: &Arc<str>,
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
    // site is a declared site: listed from `order` or resolved by `resolve_all`
    let name_bytes: usize =
        sites.iter().map(|&s| d.name.len().saturating_add(2).saturating_add(v.order[s as usize].0.len())).sum();
    if !v.expand(sites.len(), name_bytes, &lp) {
        return;
    }
    let group: Arc<str> = d.name.as_str().into();
    out.reserve(sites.len());
    for site in sites {
        let name = format!("{}: {}", d.name, v.order[site as usize].0);
        out.push(Disaster {
            name,
            description: description.clone(),
            hazards: vec![Hazard::Outage {
                target: ComponentId(site),
                at: loss.at,
                delay: None,
                duration: loss.duration.clone(),
                probability: 1.0,
                cause: None,
            }],
            group: Some(group.clone()),
        });
    }
}

fn validate_fire(
    v: &mut Validator<'_>,
    index: &mut Index<'_>,
    check: &mut super::stages::Check<'_>,
    f: &FireSpec,
    hp: &SpecPath,
    owner: &str,
) -> Option<Fire> {
    let owner = format!("{owner}: fire in '{}'", f.room);
    let room = v.resolve(&f.room, Expect::Room, hp.field("room"), &owner);
    if let Some(d) = &f.delay {
        v.hazard_dist(d, hp.field("delay"), &owner, "delay");
    }
    v.hazard_dist(&f.damage_after, hp.field("damage_after"), &owner, "damage_after");
    v.hazard_dist(&f.extinguished_after, hp.field("extinguished_after"), &owner, "extinguished_after");
    let spread = f.spread.as_ref().map(|s| {
        v.hazard_dist(&s.after, hp.field("spread").field("after"), &owner, "spread.after");
        let p = v.probability(s.probability, hp.field("spread").field("probability"), &owner, "spread.probability");
        (s.after.clone(), p)
    });
    if let Some(c) = &f.power_cut {
        v.hazard_dist(&c.after, hp.field("power_cut").field("after"), &owner, "power_cut.after");
    }
    let rp = hp.field("restoration");
    v.hazard_dist(&f.restoration.inspection, rp.field("inspection"), &owner, "restoration.inspection");
    // r < order.len(): resolved by `resolve`
    let site = room.and_then(|r| v.order[r as usize].2);
    if f.restoration.stages.len() > MAX_HAZARDS {
        let n = f.restoration.stages.len();
        v.problem(
            rp.field("stages"),
            format!("{owner} has {n} restoration stages; at most {MAX_HAZARDS} are supported"),
        );
        return None;
    }
    // Rooms never re-energised, then each stage's: a room in one place only.
    let never = v.resolve_all_at(&f.restoration.never, Expect::Room, &rp.field("never"), &owner);
    let never_set: HashSet<u32> = never.iter().map(|&(r, _)| r).collect();
    let mut staged: HashSet<u32> = never_set.clone();
    for &(r, at) in &never {
        // r < order.len(): resolved by `resolve_all_at` against the declared components.
        if site.is_some() && v.order[r as usize].2 != site {
            let name = v.order[r as usize].0;
            v.problem(
                rp.field("never").index(at),
                format!("{owner}: restoration names '{name}', which is not in the fire's site"),
            );
        }
    }
    let mut stages = Vec::with_capacity(f.restoration.stages.len());
    let mut waits = Vec::with_capacity(f.restoration.stages.len());
    for (si, stage) in f.restoration.stages.iter().enumerate() {
        let sp = rp.field("stages").index(si);
        v.hazard_dist(&stage.after, sp.field("after"), &owner, "stage delay");
        if let Some(at) = &stage.at {
            v.hazard_dist(at, sp.field("at"), &owner, "stage time");
        }
        if stage.rooms.is_empty() {
            v.problem(sp.field("rooms"), format!("{owner}: restoration stage {si} names no rooms"));
        }
        let rooms = v.resolve_all_at(&stage.rooms, Expect::Room, &sp.field("rooms"), &owner);
        for &(r, at) in &rooms {
            let (at, name) = (sp.field("rooms").index(at), v.order[r as usize].0);
            if site.is_some() && v.order[r as usize].2 != site {
                v.problem(at, format!("{owner}: restoration names '{name}', which is not in the fire's site"));
            } else if never_set.contains(&r) {
                v.problem(at, format!("{owner}: room '{name}' is both in a restoration stage and never restored"));
            } else if staged.contains(&r) {
                v.problem(at, format!("{owner}: room '{name}' appears in two restoration stages"));
            }
            staged.insert(r);
        }
        let waits_for = v.resolve_all_at(&stage.waits_for, Expect::Any, &sp.field("waits_for"), &owner);
        let rooms: Vec<u32> = rooms.into_iter().map(|(r, _)| r).collect();
        stages.push(Stage {
            rooms: rooms.iter().copied().map(ComponentId).collect(),
            after: stage.after.clone(),
            at: stage.at.clone(),
            waits_for: waits_for.iter().map(|&(c, _)| ComponentId(c)).collect(),
        });
        waits.push((rooms, waits_for));
    }
    let never: Vec<u32> = never.into_iter().map(|(r, _)| r).collect();
    check.fire(v, &waits, &never, &rp, &owner);
    let room = room?;
    let site = site?;
    Some(Fire {
        room: ComponentId(room),
        site_rooms: index.site_rooms(v, site),
        at: f.at,
        delay: f.delay.clone(),
        fuel: f.fuel,
        damage_after: f.damage_after.clone(),
        spread,
        power_cut: f.power_cut.as_ref().map(|c| (c.scope, c.after.clone())),
        extinguished_after: f.extinguished_after.clone(),
        inspection: f.restoration.inspection.clone(),
        stages,
        never: never.into_iter().map(ComponentId).collect(),
    })
}

/// What an unnamed common cause selects, as its name: `common cause of
/// tags batch-7, kinds Ups` (a name stays put when hazards are added before
/// it, so its random streams do too).
fn selection_label(select: &crate::scenario::spec::SelectSpec) -> String {
    let mut parts = Vec::new();
    if let Some(region) = &select.region {
        parts.push(format!("region {region}"));
    }
    if !select.sites.is_empty() {
        parts.push(format!("sites {}", select.sites.join(" ")));
    }
    if !select.kinds.is_empty() {
        let kinds: Vec<String> = select.kinds.iter().map(|k| format!("{k:?}")).collect();
        parts.push(format!("kinds {}", kinds.join(" ")));
    }
    if !select.tags.is_empty() {
        parts.push(format!("tags {}", select.tags.join(" ")));
    }
    if parts.is_empty() {
        "common cause of everything".to_owned()
    } else {
        format!("common cause of {}", parts.join(", "))
    }
}
