//! Every element indexed by what a common cause selects by (tag, site,
//! kind, region), built once per scenario: a common cause costs its
//! smallest candidate list, not a walk over every element (60,000 common
//! causes over 200,000 elements took minutes).

use std::collections::HashMap;
use std::sync::Arc;

use super::{Declared, Validator};
use crate::model::{ComponentId, ComponentKind};
use crate::scenario::spec::{ElementKind, PowerSpec, SelectSpec};

pub(super) struct Index<'a> {
    /// Each element's tags, sorted and without repeats, in id order.
    tags: Vec<Box<[&'a str]>>,
    /// Each element's site (a site is its own), in id order.
    site: Vec<Option<u32>>,
    /// Each element's kind (`kind_key`), in id order.
    kind: Vec<u8>,
    /// Each site's region, by site id.
    region: HashMap<u32, &'a str>,
    by_tag: HashMap<&'a str, Vec<u32>>,
    by_site: HashMap<u32, Vec<u32>>,
    by_kind: HashMap<u8, Vec<u32>>,
    by_region: HashMap<&'a str, Vec<u32>>,
    /// Each site's rooms, shared by every fire in it.
    site_rooms: HashMap<u32, Arc<[ComponentId]>>,
    /// Site ids, in file order.
    sites: Vec<u32>,
    /// The list of regions for messages, made when first needed.
    regions: std::sync::OnceLock<String>,
}

/// A small number for each kind a selection can name.
fn kind_key(k: ComponentKind) -> u8 {
    match k {
        ComponentKind::Site => 0,
        ComponentKind::Room(_) => 1,
        ComponentKind::Utility => 2,
        ComponentKind::Generator => 3,
        ComponentKind::Ups => 4,
        ComponentKind::Switchboard => 5,
        ComponentKind::Cooling => 6,
        ComponentKind::Pool => 7,
        ComponentKind::Service => 8,
        ComponentKind::Link => 9,
    }
}

fn element_key(k: ElementKind) -> u8 {
    match k {
        ElementKind::Site => 0,
        ElementKind::Room => 1,
        ElementKind::Utility => 2,
        ElementKind::Generator => 3,
        ElementKind::Ups => 4,
        ElementKind::Switchboard => 5,
        ElementKind::Cooling => 6,
        ElementKind::Pool => 7,
        ElementKind::Service => 8,
        ElementKind::Link => 9,
    }
}

impl<'a> Index<'a> {
    /// Indexes every declared element (after the first pass).
    pub(super) fn new(v: &Validator<'a>, declared: &Declared<'a>) -> Index<'a> {
        let spec = v.spec;
        let n = v.order.len();
        // Each element's tags and the room it stands in, in id order (the
        // order the first pass declared them in).
        let mut tags: Vec<&'a [String]> = Vec::with_capacity(n);
        let mut rooms: Vec<Option<&'a str>> = Vec::with_capacity(n);
        for site in &spec.sites {
            tags.push(&site.tags);
            rooms.push(None);
            tags.extend(site.rooms.iter().map(|r| r.tags.as_slice()));
            rooms.extend(site.rooms.iter().map(|_| None));
        }
        for p in &spec.power {
            tags.push(p.tags());
            rooms.push(match p {
                PowerSpec::Utility { .. } => None,
                PowerSpec::Generator { room, .. }
                | PowerSpec::Ups { room, .. }
                | PowerSpec::Switchboard { room, .. } => Some(room.as_str()),
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

        let mut index = Index {
            tags: Vec::with_capacity(n),
            site: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            region: HashMap::new(),
            by_tag: HashMap::new(),
            by_site: HashMap::new(),
            by_kind: HashMap::new(),
            by_region: HashMap::new(),
            site_rooms: HashMap::new(),
            sites: declared.site_ids.clone(),
            regions: std::sync::OnceLock::new(),
        };
        for (&id, site) in declared.site_ids.iter().zip(&spec.sites) {
            index.region.insert(id, site.region.as_str());
        }
        for (i, (name_kind, (own_tags, room))) in v.order.iter().zip(tags.into_iter().zip(rooms)).enumerate() {
            let i = i as u32;
            let (_, kind, container, _) = name_kind;
            // A site is its own site; a room is in its container; anything
            // else is in the site of the room it names (if that is a room).
            let site = match kind {
                ComponentKind::Site => Some(i),
                ComponentKind::Room(_) => *container,
                _ => room.and_then(|r| v.names.get(r)).filter(|e| matches!(e.kind, ComponentKind::Room(_))).and_then(
                    |e| {
                        // e.id < order.len(): every entry of `names` was declared
                        v.order[e.id as usize].2
                    },
                ),
            };
            let mut own: Vec<&'a str> = own_tags.iter().map(String::as_str).collect();
            own.sort_unstable();
            own.dedup();
            for &t in &own {
                index.by_tag.entry(t).or_default().push(i);
            }
            index.by_kind.entry(kind_key(*kind)).or_default().push(i);
            if let Some(s) = site {
                index.by_site.entry(s).or_default().push(i);
                if let Some(&r) = index.region.get(&s) {
                    index.by_region.entry(r).or_default().push(i);
                }
            }
            index.tags.push(own.into_boxed_slice());
            index.site.push(site);
            index.kind.push(kind_key(*kind));
        }
        index
    }

    /// Whether some site is in `region`.
    pub(super) fn has_region(&self, region: &str) -> bool {
        // Every site is in its own region's list.
        self.by_region.contains_key(region)
    }

    /// The regions named, each once, in site order, for messages: made
    /// once, however many common causes name an unknown region.
    pub(super) fn regions(&self) -> &str {
        self.regions.get_or_init(|| {
            let mut seen = std::collections::HashSet::new();
            let named: Vec<&str> = self
                .sites
                .iter()
                .filter_map(|id| self.region.get(id).copied())
                .filter(|r| !r.is_empty() && seen.insert(*r))
                .collect();
            super::some_of(named.iter().copied(), named.len())
        })
    }

    /// The elements that match every criterion of `select` (sites given as
    /// resolved ids), in id order. `work` counts the candidates looked at:
    /// the smallest of the lists the criteria name.
    pub(super) fn select(&self, select: &SelectSpec, sites: &[u32], work: &mut u64) -> Vec<u32> {
        let mut kinds: Vec<u8> = select.kinds.iter().map(|&k| element_key(k)).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let empty: &[u32] = &[];
        // Each criterion's candidates: one list, or the union of several
        // (sites, kinds), which are disjoint.
        let mut lists: Vec<Vec<&[u32]>> = Vec::new();
        for t in &select.tags {
            lists.push(vec![self.by_tag.get(t.as_str()).map_or(empty, Vec::as_slice)]);
        }
        if !select.sites.is_empty() {
            let mut seen = std::collections::HashSet::new();
            lists.push(
                sites
                    .iter()
                    .filter(|s| seen.insert(**s))
                    .map(|s| self.by_site.get(s).map_or(empty, Vec::as_slice))
                    .collect(),
            );
        }
        if !kinds.is_empty() {
            lists.push(kinds.iter().map(|k| self.by_kind.get(k).map_or(empty, Vec::as_slice)).collect());
        }
        if let Some(r) = &select.region {
            lists.push(vec![self.by_region.get(r.as_str()).map_or(empty, Vec::as_slice)]);
        }
        let Some(smallest) = lists.iter().min_by_key(|parts| parts.iter().map(|p| p.len()).sum::<usize>()) else {
            return Vec::new();
        };
        let site_set: std::collections::HashSet<u32> = sites.iter().copied().collect();
        let mut chosen: Vec<u32> = Vec::new();
        for &i in smallest.iter().flat_map(|p| p.iter()) {
            *work += 1;
            let k = i as usize;
            let matches = select.tags.iter().all(|t| self.tags[k].binary_search(&t.as_str()).is_ok())
                && (select.sites.is_empty() || self.site[k].is_some_and(|s| site_set.contains(&s)))
                && (kinds.is_empty() || kinds.binary_search(&self.kind[k]).is_ok())
                && select.region.as_ref().is_none_or(|r| {
                    self.site[k].and_then(|s| self.region.get(&s)).is_some_and(|own| *own == r.as_str())
                });
            if matches {
                chosen.push(i);
            }
        }
        // A union of lists is not in id order: hazards are (their random
        // streams are numbered by position).
        chosen.sort_unstable();
        chosen
    }

    /// Every room of site `site`, in id order, shared by the fires there.
    pub(super) fn site_rooms(&mut self, v: &Validator<'_>, site: u32) -> Arc<[ComponentId]> {
        self.site_rooms
            .entry(site)
            .or_insert_with(|| {
                self.by_site
                    .get(&site)
                    .map(|ids| {
                        ids.iter()
                            .filter(|&&i| matches!(v.order[i as usize].1, ComponentKind::Room(_)))
                            .map(|&i| ComponentId(i))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .clone()
    }
}
