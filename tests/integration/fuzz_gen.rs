//! Input generators and oracles for fuzzing every input surface: scenario
//! files (random valid scenarios with every newer feature, and mutations of
//! them and of the bundled ones), `--set` patches, milestone files, study
//! summaries and command lines. Shared by the fuzz tests of every `cargo
//! test` (`fuzz_surfaces`) and by the long campaign (`tests/fuzz_campaign.rs`,
//! which includes this file by path), so it uses nothing else of the
//! integration crate.
//!
//! Each surface is a function from a seed to a [`Case`]: the input (text,
//! for saving and replay) and a closure that exercises it and returns the
//! invariants it found broken. A panic is caught by the caller.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use outage::milestones;
use outage::scenario::Patch;
use outage::study::{Study, StudySummary};
use outage::{RunOptions, RunReport, Scenario, SimDuration, SimTime, Simulation, State};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

// ---------------------------------------------------------------------
// Randomness helpers

/// A seeded source of choices.
pub struct G(pub ChaCha8Rng);

impl G {
    pub fn new(seed: u64) -> G {
        G(ChaCha8Rng::seed_from_u64(seed))
    }
    /// A number in `lo..=hi`.
    pub fn n(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo { lo } else { self.0.random_range(lo..=hi) }
    }
    pub fn u(&mut self, hi: usize) -> usize {
        if hi == 0 { 0 } else { self.0.random_range(0..hi) }
    }
    pub fn p(&mut self, p: f64) -> bool {
        self.0.random_bool(p.clamp(0.0, 1.0))
    }
    pub fn f(&mut self) -> f64 {
        self.0.random::<f64>()
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.u(xs.len())]
    }
    /// A random subset (in order), each kept with probability `p`.
    pub fn subset<T: Clone>(&mut self, xs: &[T], p: f64) -> Vec<T> {
        xs.iter().filter(|_| self.p(p)).cloned().collect()
    }
    /// A duration as a scenario writes it.
    pub fn dur(&mut self) -> String {
        match self.u(6) {
            0 => format!("{}s", self.n(1, 90)),
            1 | 2 => format!("{}m", self.n(1, 90)),
            3 | 4 => format!("{}h", self.n(1, 30)),
            _ => format!("{}h{}m", self.n(0, 12), self.n(1, 59)),
        }
    }
    /// A short duration, for boots and work.
    pub fn short(&mut self) -> String {
        format!("{}m", self.n(1, 60))
    }
    /// A duration distribution; only `Fixed` when `det`.
    pub fn dist(&mut self, det: bool) -> String {
        if det {
            return format!("Fixed({:?})", self.dur());
        }
        match self.u(7) {
            0 | 1 => format!("Fixed({:?})", self.dur()),
            2 => format!("Exponential(mean: {:?})", self.dur()),
            3 => {
                let a = self.n(0, 120);
                format!("Uniform(min: \"{a}m\", max: \"{}m\")", a + self.n(0, 120))
            }
            4 => {
                let a = self.n(0, 60);
                let b = a + self.n(0, 60);
                format!("Triangular(min: \"{a}m\", mode: \"{b}m\", max: \"{}m\")", b + self.n(0, 60))
            }
            5 => format!("LogNormal(median: {:?}, sigma: {:.2})", self.dur(), 0.1 + self.f()),
            _ => format!("Weibull(scale: {:?}, shape: {:.2})", self.dur(), 0.5 + 2.0 * self.f()),
        }
    }
}

/// A RON string literal: only the quote and the backslash need escaping.
pub fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn list(names: &[String]) -> String {
    let items: Vec<String> = names.iter().map(|n| q(n)).collect();
    format!("[{}]", items.join(", "))
}

// ---------------------------------------------------------------------
// Byte, token and structure mutations (of any RON text)

/// Tokens worth inserting: RON punctuation, keywords, escapes, and the
/// non-ASCII characters that broke the source map (ron's own whitespace,
/// a byte-order mark, Hangul, a character outside the BMP).
const TOKENS: [&str; 34] = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "'",
    "r#\"",
    "\"#",
    "//",
    "/*",
    "*/",
    "#![enable(implicit_some)]",
    "Some(",
    "None",
    "\\",
    "\u{a0}",
    "\u{85}",
    "\u{200e}",
    "\u{2028}",
    "\u{feff}",
    "한",
    "𝄞",
    "\r",
    "\u{1b}",
    "\n",
    " ",
    "{system}",
    "Shared(\"",
    "\u{202e}",
    "=",
];

/// Numbers at the edges of what a file may say.
pub const NUMBERS: [&str; 16] = [
    "0",
    "-1",
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "-inf",
    "18446744073709551615",
    "18446744073709551616",
    "4294967296",
    "4294967295",
    "0.0000001",
    "65536",
    "1_000_000_000_000",
    "2.0",
    "0.5",
];

fn char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One to three mutations of `text`: a token inserted, a cut, a number
/// replaced by one at the edge, a quoted string replaced by another of the
/// file (dangling and duplicate names), a run of text repeated elsewhere,
/// a byte flipped.
pub fn mutate(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut out = text.to_owned();
    for _ in 0..rng.random_range(1..4) {
        if out.is_empty() {
            out.push('(');
        }
        let at = char_boundary(&out, rng.random_range(0..=out.len()));
        match rng.random_range(0..7) {
            0 | 1 => out.insert_str(at, TOKENS[rng.random_range(0..TOKENS.len())]),
            2 => {
                let end = char_boundary(&out, at + rng.random_range(1..40));
                out.replace_range(at..end, "");
            }
            3 => {
                if let Some(start) = out[at..].find(|c: char| c.is_ascii_digit()).map(|i| at + i) {
                    let end = out[start..].find(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_');
                    let end = end.map_or(out.len(), |e| start + e);
                    out.replace_range(start..end, NUMBERS[rng.random_range(0..NUMBERS.len())]);
                }
            }
            4 => {
                let quotes: Vec<usize> = out.match_indices('"').map(|(i, _)| i).collect();
                if quotes.len() >= 4 {
                    let k = rng.random_range(0..quotes.len() / 2) * 2;
                    let j = rng.random_range(0..quotes.len() / 2) * 2;
                    let donor = out[quotes[j]..=quotes[j + 1]].to_owned();
                    out.replace_range(quotes[k]..=quotes[k + 1], &donor);
                }
            }
            5 => {
                let from = char_boundary(&out, rng.random_range(0..out.len()));
                let to = char_boundary(&out, from + rng.random_range(1..400));
                let copy = out[from..to].to_owned();
                out.insert_str(at, &copy);
            }
            _ => {
                let mut bytes = out.into_bytes();
                if !bytes.is_empty() {
                    let k = rng.random_range(0..bytes.len());
                    bytes[k] ^= 1 << rng.random_range(0..8);
                }
                out = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
    }
    out
}

// ---------------------------------------------------------------------
// Random valid scenarios

/// How big generated inputs may be.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    /// Most sites.
    pub sites: u64,
    /// Most services of the scenario's own (besides templates).
    pub services: u64,
    /// Most systems a template numbers.
    pub systems: u64,
    /// Most servers in a pool.
    pub servers: u64,
    /// Longest horizon, in days.
    pub horizon_days: u64,
    /// Event budget of each run.
    pub max_events: u64,
    /// Timeline budget of each run.
    pub max_timeline: usize,
    /// Runs per shard study for summaries.
    pub study_runs: u64,
}

impl Scale {
    /// For every `cargo test` (debug): small and quick.
    pub const SMALL: Scale = Scale {
        sites: 2,
        services: 5,
        systems: 4,
        servers: 20,
        horizon_days: 3,
        max_events: 20_000,
        max_timeline: 20_000,
        study_runs: 6,
    };
    /// For the campaign (release): larger, and the default run limits.
    pub const CAMPAIGN: Scale = Scale {
        sites: 4,
        services: 12,
        systems: 60,
        servers: 500,
        horizon_days: 60,
        max_events: outage::engine::DEFAULT_MAX_EVENTS,
        max_timeline: outage::engine::DEFAULT_MAX_TIMELINE,
        study_runs: 12,
    };
}

/// One element a common cause can select: its name, its `ElementKind`,
/// and its tags; in component (declaration) order.
#[derive(Clone, Debug)]
pub struct Elem {
    pub name: String,
    pub kind: &'static str,
    pub tags: Vec<String>,
    rank: (u8, usize, usize),
}

/// A common cause, written either as itself or as the outages it stands for.
#[derive(Clone, Debug)]
struct Common {
    name: String,
    tags: Vec<String>,
    kinds: Vec<&'static str>,
    at: String,
    delay: Option<String>,
    duration: Option<String>,
    probability: f64,
}

#[derive(Clone, Debug)]
enum Hazard {
    Text(String),
    Common(Common),
}

/// A `systems` template, written either as itself or expanded by hand.
#[derive(Clone, Debug)]
struct Template {
    name: String,
    count: u64,
    /// Pool texts with `{system}`.
    pools: Vec<String>,
    /// Service texts with `{system}`, `{users}` and `{priority}`.
    services: Vec<(String, u64, u64)>,
    /// `(count, priority, users)`.
    grades: Vec<(u64, Option<u64>, Option<u64>)>,
    /// Written into the template's fields (not expanded by the template).
    extra_field: Option<String>,
}

/// A random scenario, before it is written out.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    name: String,
    horizon: String,
    sites: Vec<String>,
    links: Vec<String>,
    power: Vec<String>,
    cooling: Vec<String>,
    pools: Vec<String>,
    services: Vec<String>,
    teams: Vec<String>,
    recovery: Option<String>,
    templates: Vec<Template>,
    draws: Vec<(String, String)>,
    disasters: Vec<(String, Vec<Hazard>, Option<String>)>,
    variants: Vec<(String, Vec<String>)>,
    objectives: Vec<String>,
    /// What the rest of the generators may name.
    pub names: Names,
    /// Every timing fixed, every probability 0 or 1.
    pub det: bool,
}

/// The names a scenario holds, by kind.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub sites: Vec<String>,
    pub regions: Vec<String>,
    pub rooms: Vec<String>,
    pub halls: Vec<String>,
    /// Each site's rooms.
    pub site_rooms: Vec<Vec<String>>,
    pub power: Vec<String>,
    pub cooling: Vec<String>,
    pub pools: Vec<String>,
    /// With each pool's servers.
    pub pool_servers: Vec<u64>,
    pub services: Vec<String>,
    pub teams: Vec<String>,
    pub links: Vec<String>,
    pub draws: Vec<String>,
    pub disasters: Vec<String>,
    pub variants: Vec<String>,
    pub tags: Vec<String>,
    pub templates: Vec<String>,
    pub elems: Vec<Elem>,
}

/// How a plan is written out; every rendering of one plan describes the
/// same scenario.
#[derive(Clone, Copy, Debug, Default)]
pub struct Render {
    /// `systems` templates written out as the pools and services they stand for.
    pub expand_templates: bool,
    /// Common causes written as one outage per element they select.
    pub common_as_outages: bool,
    /// `Shared("draw")` written as the draw's distribution (only for
    /// fixed draws: a random one would be drawn twice).
    pub inline_draws: bool,
    /// Each disaster given two hazards that do nothing: an outage after
    /// the end of the run, and one of probability 0 (after its others).
    pub inert_hazards: bool,
    /// The same, before its others (an open finding: the hazards after
    /// them draw other random timings).
    pub inert_first: bool,
}

/// Characters that names may hold and that patches and re-serialisation
/// must survive: quotes, backslashes, a combining accent, Hangul, spaces.
const EXOTIC: [&str; 8] = ["\"q", "e\u{301}", "한", " x", "'", "\\b", "ü", "-{"];

struct Builder<'a> {
    g: &'a mut G,
    scale: Scale,
    det: bool,
    exotic: bool,
    plan: Plan,
}

impl Builder<'_> {
    fn name(&mut self, base: String) -> String {
        if !self.exotic {
            base
        } else if self.g.p(0.03) {
            // What a spreadsheet would run, were it not guarded.
            format!("{}{base}", self.g.pick(&["=", "+", "@", "-"]))
        } else if self.g.p(0.15) {
            format!("{base}{}", self.g.pick(&EXOTIC))
        } else {
            base
        }
    }
    fn elem(&mut self, name: &str, kind: &'static str, tags: &[String], rank: (u8, usize, usize)) {
        self.plan.names.elems.push(Elem { name: name.to_owned(), kind, tags: tags.to_vec(), rank });
    }
    fn tags(&mut self) -> Vec<String> {
        let all = ["batch-a", "batch-b", "vendor-x"];
        let tags: Vec<String> = all.iter().filter(|_| self.g.p(0.25)).map(|t| (*t).to_owned()).collect();
        for t in &tags {
            if !self.plan.names.tags.contains(t) {
                self.plan.names.tags.push(t.clone());
            }
        }
        tags
    }
    fn tags_field(tags: &[String]) -> String {
        if tags.is_empty() { String::new() } else { format!(", tags: {}", list(tags)) }
    }
    fn failures(&mut self) -> String {
        if self.det || !self.g.p(0.15) {
            return String::new();
        }
        format!(
            ", failures: (time_to_failure: Exponential(mean: \"{}d\"), time_to_repair: {})",
            self.g.n(2, 60),
            self.g.dist(false)
        )
    }
    fn manual(&mut self, requires: &[String]) -> String {
        let mut m = String::from("(");
        if !self.plan.names.teams.is_empty() && self.g.p(0.8) {
            let t = self.g.pick(&self.plan.names.teams).clone();
            let _ = write!(m, "team: {}, ", q(&t));
        }
        if self.g.p(0.2) {
            let _ = write!(m, "wait: {}, ", self.g.dist(self.det));
        }
        let _ = write!(m, "duration: {}", self.g.dist(self.det));
        if !requires.is_empty() && self.g.p(0.3) {
            let r = self.g.pick(requires).clone();
            let _ = write!(m, ", requires: [{}]", q(&r));
            if self.g.p(0.5) {
                let _ = write!(m, ", without_requirements: Slower({})", self.g.dist(self.det));
            }
        }
        m.push(')');
        m
    }
    fn probability(&mut self) -> f64 {
        if self.det {
            if self.g.p(0.8) { 1.0 } else { 0.0 }
        } else {
            match self.g.u(4) {
                0 => 1.0,
                1 => 0.0,
                _ => (self.g.f() * 100.0).round() / 100.0,
            }
        }
    }
    /// A hazard timing: a distribution, or a shared draw.
    fn timing(&mut self) -> String {
        if !self.plan.draws.is_empty() && self.g.p(0.35) {
            let d = self.g.pick(&self.plan.draws).0.clone();
            format!("Shared({})", q(&d))
        } else {
            self.g.dist(self.det)
        }
    }

    fn build(mut self) -> Plan {
        let g = &mut *self.g;
        self.plan.name = format!("gen-{}", g.n(0, 999));
        self.plan.det = self.det;
        let horizon_h = g.n(6, self.scale.horizon_days * 24);
        self.plan.horizon = format!("{horizon_h}h");
        // Teams first: manual work names them.
        for t in 0..self.g.n(0, 2) {
            let name = self.name(format!("team{t}"));
            self.plan.names.teams.push(name);
        }
        self.sites_and_power();
        self.teams();
        self.services();
        self.templates();
        self.draws();
        self.disasters();
        self.objectives();
        self.plan.names.elems.sort_by_key(|e| e.rank);
        self.plan
    }

    fn sites_and_power(&mut self) {
        let nsites = self.g.n(1, self.scale.sites) as usize;
        for s in 0..nsites {
            let site = self.name(format!("site{s}"));
            let region = if self.g.p(0.5) { Some(format!("region-{}", self.g.n(0, 1))) } else { None };
            let site_tags = self.tags();
            self.elem(&site, "Site", &site_tags, (0, s, 0));
            // Power of this site.
            let util = self.name(format!("grid{s}"));
            let (f, t) = (self.failures(), self.tags());
            self.plan.power.push(format!("Utility(name: {}{f}{})", q(&util), Self::tags_field(&t)));
            self.elem(&util, "Utility", &t, (1, self.plan.power.len(), 0));
            let elec = self.name(format!("elec{s}"));
            let mut rooms = vec![(elec.clone(), "Electrical".to_owned(), String::new())];
            let mut inputs = vec![util.clone()];
            if self.g.p(0.5) {
                let gen_name = self.name(format!("gen{s}"));
                let sp = if self.det { 1.0 } else { [1.0, 0.97, 0.5, 0.0][self.g.u(4)] };
                let (delay, fuel) = (self.g.dist(self.det), self.g.dur());
                let t = self.tags();
                self.plan.power.push(format!(
                    "Generator(name: {}, room: {}, backs_up: [{}], start_probability: {sp:?}, start_delay: {delay}, fuel: {fuel:?}{})",
                    q(&gen_name),
                    q(&elec),
                    q(&util),
                    Self::tags_field(&t)
                ));
                self.elem(&gen_name, "Generator", &t, (1, self.plan.power.len(), 0));
                inputs.push(gen_name);
            }
            let mut upses = Vec::new();
            for u in 0..self.g.n(1, 3) {
                let ups = self.name(format!("ups{s}-{u}"));
                let ride = if self.g.p(0.3) { "0s".to_owned() } else { self.g.short() };
                let (f, t) = (self.failures(), self.tags());
                let needed = if inputs.len() > 1 && self.g.p(0.2) { ", inputs_needed: 2" } else { "" };
                self.plan.power.push(format!(
                    "Ups(name: {}, room: {}, inputs: {}{needed}, ride_through: {ride:?}{f}{})",
                    q(&ups),
                    q(&elec),
                    list(&inputs),
                    Self::tags_field(&t)
                ));
                self.elem(&ups, "Ups", &t, (1, self.plan.power.len(), 0));
                upses.push(ups);
            }
            let mut feeds_pool = upses.clone();
            if self.g.p(0.3) {
                let sb = self.name(format!("board{s}"));
                let t = self.tags();
                self.plan.power.push(format!(
                    "Switchboard(name: {}, room: {}, inputs: {}{})",
                    q(&sb),
                    q(&elec),
                    list(&upses),
                    Self::tags_field(&t)
                ));
                self.elem(&sb, "Switchboard", &t, (1, self.plan.power.len(), 0));
                feeds_pool.push(sb);
            }
            // Cooling.
            let mut chillers = Vec::new();
            let plant = if self.g.p(0.4) { Some(self.name(format!("plant{s}"))) } else { None };
            if let Some(plant) = &plant {
                rooms.push((plant.clone(), "Cooling".to_owned(), String::new()));
                for c in 0..self.g.n(1, 3) {
                    let ch = self.name(format!("chiller{s}-{c}"));
                    let power = self.g.subset(&feeds_pool, 0.6);
                    let power = if power.is_empty() { vec![feeds_pool[0].clone()] } else { power };
                    let (f, t) = (self.failures(), self.tags());
                    self.plan.cooling.push(format!(
                        "Cooling(name: {}, room: {}, power: {}{f}{})",
                        q(&ch),
                        q(plant),
                        list(&power),
                        Self::tags_field(&t)
                    ));
                    self.elem(&ch, "Cooling", &t, (2, self.plan.cooling.len(), 0));
                    chillers.push(ch);
                }
            }
            // Halls.
            for h in 0..self.g.n(1, 2) {
                let hall = self.name(format!("hall{s}-{h}"));
                let feeds = self.g.subset(&feeds_pool, 0.6);
                let feeds = if feeds.is_empty() { vec![feeds_pool[0].clone()] } else { feeds };
                let mut fields = format!(", feeds: {}", list(&feeds));
                if feeds.len() > 1 && self.g.p(0.3) {
                    let _ = write!(fields, ", feeds_needed: {}", self.g.n(1, feeds.len() as u64));
                }
                if !chillers.is_empty() {
                    let _ = write!(fields, ", cooling: {}", list(&chillers));
                    if chillers.len() > 1 && self.g.p(0.3) {
                        let _ = write!(fields, ", cooling_needed: {}", self.g.n(1, chillers.len() as u64));
                    }
                    let _ = write!(fields, ", thermal_delay: {:?}", self.g.short());
                }
                match self.g.u(4) {
                    0 => fields.push_str(", replacement: AtRestoration"),
                    1 if !self.det => {
                        let _ = write!(fields, ", replacement: After({})", self.g.dist(false));
                    }
                    _ => {}
                }
                if self.g.p(0.2) {
                    fields.push_str(", suppression: Gas(success_probability: 0.5, acts_after: \"2m\")");
                }
                rooms.push((hall.clone(), "DataHall".to_owned(), fields));
                self.plan.names.halls.push(hall);
            }
            // Site text, rooms with adjacency and tags.
            let mut room_texts = Vec::new();
            let room_names: Vec<String> = rooms.iter().map(|r| r.0.clone()).collect();
            for (j, (name, kind, fields)) in rooms.iter().enumerate() {
                let t = self.tags();
                let mut fields = fields.clone();
                if room_names.len() > 1 && self.g.p(0.4) {
                    let other = room_names[(j + 1) % room_names.len()].clone();
                    let _ = write!(fields, ", adjacent: [{}]", q(&other));
                }
                room_texts.push(format!("Room(name: {}, kind: {kind}{fields}{})", q(name), Self::tags_field(&t)));
                self.elem(name, "Room", &t, (0, s, j + 1));
            }
            self.plan.names.rooms.extend(room_names.clone());
            self.plan.names.site_rooms.push(room_names);
            let mut site_fields = String::new();
            if let Some(r) = &region {
                let _ = write!(site_fields, ", region: {}", q(r));
                if !self.plan.names.regions.contains(r) {
                    self.plan.names.regions.push(r.clone());
                }
            }
            if self.g.p(0.25) {
                let link = self.name(format!("wan{s}"));
                let t = self.tags();
                let room = if self.g.p(0.5) { format!(", room: {}", q(&elec)) } else { String::new() };
                self.plan.links.push(format!("Link(name: {}{room}{})", q(&link), Self::tags_field(&t)));
                self.elem(&link, "Link", &t, (5, self.plan.links.len(), 0));
                let _ = write!(site_fields, ", uplinks: [{}]", q(&link));
                self.plan.names.links.push(link);
            }
            self.plan.sites.push(format!(
                "Site(name: {}{site_fields}{}, rooms: [\n            {},\n        ])",
                q(&site),
                Self::tags_field(&site_tags),
                room_texts.join(",\n            ")
            ));
            self.plan.names.sites.push(site);
            self.plan.names.power.push(util);
            self.plan.names.power.extend(feeds_pool);
            self.plan.names.cooling.extend(chillers);
        }
    }

    fn teams(&mut self) {
        let teams = self.plan.names.teams.clone();
        for t in &teams {
            let mut text = format!("Team(name: {}, engineers: {}, on_call: {}", q(t), self.g.n(1, 6), self.g.n(0, 1));
            if self.g.p(0.7) {
                let _ = write!(text, ", arrival: {}", self.g.dist(self.det));
            }
            if self.g.p(0.25) {
                let _ = write!(
                    text,
                    ", shifts: (work: \"{}h\", rest: \"{}h\"{})",
                    self.g.n(4, 12),
                    self.g.n(4, 16),
                    if self.g.p(0.5) { ", staggered: true" } else { "" }
                );
            }
            match self.g.u(5) {
                0 => {
                    let _ = write!(text, ", called: At({})", self.g.dist(self.det));
                }
                1 => {
                    let h = self.g.pick(&self.plan.names.halls).clone();
                    let _ = write!(text, ", called: When([{}])", q(&h));
                }
                _ => {}
            }
            if self.g.p(0.2) {
                let _ = write!(text, ", escalation: (after: {}, engineers: {})", self.g.dist(self.det), self.g.n(1, 4));
            }
            text.push(')');
            self.plan.teams.push(text);
        }
    }

    fn pool(&mut self, name: &str, servers: u64) -> String {
        let hall = self.g.pick(&self.plan.names.halls).clone();
        let mut text =
            format!("Pool(name: {}, room: {}, servers: {servers}, boot: {}", q(name), q(&hall), self.g.dist(self.det));
        if !self.det && self.g.p(0.3) {
            let _ = write!(text, ", broken_fraction: {:.2}, repair: {}", self.g.f() * 0.3, self.g.dist(false));
        }
        if !self.plan.names.teams.is_empty() && self.g.p(0.25) {
            let work = self.manual(&[]);
            let _ = write!(text, ", restart: Manual(batch: {}, work: {work})", self.g.n(1, servers.max(1)));
        }
        text.push_str(&self.failures());
        let t = self.tags();
        text.push_str(&Self::tags_field(&t));
        text.push(')');
        let rank = (3, self.plan.pools.len(), 0);
        self.elem(name, "Pool", &t, rank);
        self.plan.names.pools.push(name.to_owned());
        self.plan.names.pool_servers.push(servers);
        text
    }

    fn services(&mut self) {
        let n = self.g.n(1, self.scale.services) as usize;
        let names: Vec<String> = (0..n).map(|i| self.name(format!("svc{i}"))).collect();
        // A hard-dependency cycle between two services, broken by a bootstrap.
        let cycle = n >= 2 && self.g.p(0.15);
        let mut bootstrap = None;
        for (i, name) in names.iter().enumerate() {
            let demand = self.g.n(1, self.scale.servers);
            let mut deployments = Vec::new();
            let ndep = self.g.n(1, 3) as usize;
            let mut has_standby = false;
            let mut has_rebuild = false;
            let mut actives = 0;
            for d in 0..ndep {
                let pool = self.name(format!("p-{i}-{d}"));
                let servers = demand + self.g.n(0, 3);
                let text = self.pool(&pool, servers);
                self.plan.pools.push(text);
                let role = if d == 0 {
                    "Active"
                } else {
                    *self.g.pick(&["Active", "HotStandby", "WarmStandby", "ColdStandby", "Rebuild"])
                };
                let mut dep = format!("(pool: {}", q(&pool));
                if role != "Active" {
                    let _ = write!(dep, ", role: {role}");
                }
                match role {
                    "Active" => actives += 1,
                    "Rebuild" => has_rebuild = true,
                    _ => has_standby = true,
                }
                if matches!(role, "WarmStandby" | "ColdStandby") && self.g.p(0.7) {
                    let _ = write!(dep, ", warmup: {}", self.g.dist(self.det));
                }
                if role != "Active" && self.g.p(0.2) {
                    let _ = write!(dep, ", capacity: {:.2}", 0.1 + 0.9 * self.g.f());
                }
                dep.push(')');
                deployments.push(dep);
            }
            let mut text = format!(
                "Service(name: {}, users: {}, priority: {}, demand: {demand}, deployments: [{}]",
                q(name),
                [0, 10, 1000, 100_000, 5_000_000][self.g.u(5)],
                self.g.n(1, 5),
                deployments.join(", ")
            );
            if actives > 1 && self.g.p(0.3) {
                let _ = write!(text, ", quorum: {}", self.g.n(1, actives));
            }
            let earlier = &names[..i];
            let mut deps = self.g.subset(earlier, 0.3);
            if cycle && i == 0 {
                deps.push(names[1].clone());
            }
            if cycle && i == 1 && !deps.contains(&names[0]) {
                deps.push(names[0].clone());
            }
            if !deps.is_empty() {
                let _ = write!(text, ", depends_on: {}", list(&deps));
            }
            let soft: Vec<String> = earlier.iter().filter(|s| !deps.contains(s)).cloned().collect();
            let soft = self.g.subset(&soft, 0.3);
            if !soft.is_empty() {
                let items: Vec<String> = soft
                    .iter()
                    .map(|s| format!("(service: {}, impact: {})", q(s), [0.0, 0.3, 0.5, 1.0][self.g.u(4)]))
                    .collect();
                let _ = write!(text, ", soft_depends_on: [{}]", items.join(", "));
            }
            if has_standby {
                if self.g.p(0.6) {
                    let (d, s) = (self.g.dist(self.det), self.g.dist(self.det));
                    let _ = write!(text, ", failover: Automatic(detection: {d}, switch: {s}");
                    if !earlier.is_empty() && self.g.p(0.3) {
                        let r = self.g.pick(earlier).clone();
                        let _ = write!(text, ", requires: [{}]", q(&r));
                    }
                    text.push(')');
                } else {
                    let m = self.manual(earlier);
                    let _ = write!(text, ", failover: Manual{m}");
                }
                if self.g.p(0.2) && !self.plan.names.teams.is_empty() {
                    let t = self.g.pick(&self.plan.names.teams).clone();
                    let _ = write!(text, ", scale_out: (rate: {:.1}, team: {})", 1.0 + 50.0 * self.g.f(), q(&t));
                }
            }
            if self.g.p(0.2) {
                let m = self.manual(earlier);
                let _ = write!(text, ", restart: {m}");
            }
            if self.g.p(0.15) {
                let _ = write!(text, ", surge: (factor: {:.1}, duration: {})", 1.0 + self.g.f(), self.g.dist(self.det));
            }
            if !self.det && self.g.p(0.15) {
                let _ = write!(text, ", replication: Asynchronous(lag: {})", self.g.dist(false));
            }
            if self.g.p(0.2) {
                text.push_str(", stateful: true");
                if self.g.p(0.7) {
                    let _ = write!(
                        text,
                        ", backup: (age: {}, size_tb: {:.1}, tb_per_hour: {:.1})",
                        self.g.dist(self.det),
                        0.1 + 20.0 * self.g.f(),
                        0.1 + 5.0 * self.g.f()
                    );
                }
            }
            if has_rebuild {
                let m = self.manual(&[]);
                let _ = write!(text, ", rebuild: {m}");
            }
            let t = self.tags();
            text.push_str(&Self::tags_field(&t));
            text.push(')');
            self.plan.services.push(text);
            self.elem(name, "Service", &t, (4, i, 0));
        }
        if cycle {
            let work = self.manual(&[]);
            bootstrap = Some(format!("Bootstrap(services: [{}], work: {work})", q(&names[0])));
        }
        self.plan.names.services = names.clone();
        let mut recovery = Vec::new();
        match self.g.u(5) {
            0 => recovery.push("policy: ByUsers".to_owned()),
            1 => recovery.push("policy: ByDependencyOrder".to_owned()),
            2 => recovery.push(format!("policy: Explicit({})", list(&self.g.subset(&names, 0.5)))),
            3 => recovery.push("policy: ByPriority".to_owned()),
            _ => {}
        }
        if let Some(b) = bootstrap {
            recovery.push(format!("bootstraps: [{b}]"));
        }
        if !recovery.is_empty() {
            self.plan.recovery = Some(format!("({})", recovery.join(", ")));
        }
    }

    fn templates(&mut self) {
        for t in 0..self.g.n(0, 2) {
            if !self.g.p(0.5) {
                continue;
            }
            let name = self.name(format!("sys{t}"));
            let count = self.g.n(1, self.scale.systems);
            let servers = self.g.n(1, self.scale.servers);
            let hall = self.g.pick(&self.plan.names.halls).clone();
            let pools = vec![format!(
                "Pool(name: \"{{system}}-p\", room: {}, servers: {servers}, boot: {})",
                q(&hall),
                self.g.dist(self.det)
            )];
            let dep = if self.g.p(0.6) {
                let s = self.g.pick(&self.plan.names.services).clone();
                format!(", depends_on: [{}]", q(&s))
            } else {
                String::new()
            };
            let demand = self.g.n(1, servers);
            let services = vec![(
                format!(
                    "Service(name: \"{{system}}\", description: \"system {{system}}\", users: {{users}}, priority: {{priority}}, demand: {demand}, deployments: [(pool: \"{{system}}-p\")]{dep})"
                ),
                self.g.n(0, 5000),
                self.g.n(1, 5),
            )];
            let mut grades = Vec::new();
            if count > 1 && self.g.p(0.5) {
                let first = self.g.n(1, count - 1);
                grades.push((first, Some(1), if self.g.p(0.5) { Some(self.g.n(0, 100_000)) } else { None }));
                grades.push((count - first, if self.g.p(0.5) { Some(4) } else { None }, None));
            }
            let width = count.to_string().len();
            for k in 1..=count {
                let sys = format!("{name}-{k:0width$}");
                let rank = (3, self.plan.pools.len() + 100_000 + self.plan.names.pools.len(), 0);
                self.plan.names.elems.push(Elem { name: format!("{sys}-p"), kind: "Pool", tags: Vec::new(), rank });
                self.plan.names.pools.push(format!("{sys}-p"));
                self.plan.names.pool_servers.push(servers);
                self.plan.names.services.push(sys.clone());
                let rank = (4, 100_000 + self.plan.names.services.len(), 0);
                self.plan.names.elems.push(Elem { name: sys, kind: "Service", tags: Vec::new(), rank });
            }
            self.plan.names.templates.push(name.clone());
            self.plan.templates.push(Template { name, count, pools, services, grades, extra_field: None });
        }
    }

    fn draws(&mut self) {
        for d in 0..self.g.n(0, 2) {
            let name = format!("draw{d}");
            let dist = self.g.dist(self.det);
            self.plan.draws.push((name.clone(), dist));
            self.plan.names.draws.push(name);
        }
    }

    fn disasters(&mut self) {
        let n = self.g.n(1, 3);
        for d in 0..n {
            let name = self.name(format!("disaster{d}"));
            let mut hazards = Vec::new();
            let mut each_site = None;
            if self.g.p(0.15) {
                let sites = if self.g.p(0.5) {
                    String::new()
                } else {
                    format!("sites: {}, ", list(&self.g.subset(&self.plan.names.sites.clone(), 0.7)))
                };
                each_site = Some(format!("({sites}at: {:?}, duration: {})", self.g.dur(), self.g.dist(self.det)));
            } else {
                for _ in 0..self.g.n(1, 4) {
                    let h = self.hazard();
                    hazards.push(h);
                }
            }
            self.plan.disasters.push((name.clone(), hazards, each_site));
            self.plan.names.disasters.push(name);
        }
    }

    fn hazard(&mut self) -> Hazard {
        match self.g.u(5) {
            0 | 1 => {
                let targets: Vec<String> = self.plan.names.elems.iter().map(|e| e.name.clone()).collect();
                let target = self.g.pick(&targets).clone();
                let mut text = format!("Outage(target: {}, at: {:?}", q(&target), self.g.dur());
                if self.g.p(0.3) {
                    let _ = write!(text, ", delay: {}", self.timing());
                }
                if self.g.p(0.8) {
                    let _ = write!(text, ", duration: {}", self.timing());
                }
                let p = self.probability();
                if p != 1.0 {
                    let _ = write!(text, ", probability: {p:?}");
                }
                text.push(')');
                Hazard::Text(text)
            }
            2 => self.fire(),
            _ => {
                // By tags (and kinds): what the twin can write out by hand.
                let tags = if self.plan.names.tags.is_empty() {
                    Vec::new()
                } else {
                    vec![self.g.pick(&self.plan.names.tags).clone()]
                };
                let kinds: Vec<&'static str> = if tags.is_empty() || self.g.p(0.4) {
                    let all = ["Ups", "Cooling", "Pool", "Room", "Utility", "Service", "Site"];
                    vec![*self.g.pick(&all)]
                } else {
                    Vec::new()
                };
                let selects = |kinds: &[&str], tags: &[String], e: &Elem| {
                    (kinds.is_empty() || kinds.contains(&e.kind)) && tags.iter().all(|t| e.tags.contains(t))
                };
                let (tags, kinds) = if self.plan.names.elems.iter().any(|e| selects(&kinds, &tags, e)) {
                    (tags, kinds)
                } else {
                    (Vec::new(), vec!["Pool"])
                };
                let delay = if self.g.p(0.3) { Some(self.timing()) } else { None };
                let duration = if self.g.p(0.8) { Some(self.timing()) } else { None };
                let probability = self.probability();
                Hazard::Common(Common {
                    name: if self.g.p(0.5) { self.name("common".into()) } else { String::new() },
                    tags,
                    kinds,
                    at: self.g.dur(),
                    delay,
                    duration,
                    probability,
                })
            }
        }
    }

    fn fire(&mut self) -> Hazard {
        let rooms = self.g.pick(&self.plan.names.site_rooms).clone();
        let room = self.g.pick(&rooms).clone();
        let never = self.g.p(0.1);
        let mut text = format!("Fire(room: {}, at: {:?}", q(&room), self.g.dur());
        if self.g.p(0.3) {
            let _ = write!(text, ", delay: {}", self.timing());
        }
        if self.g.p(0.5) {
            text.push_str(", fuel: LithiumBattery");
        }
        let _ = write!(text, ", damage_after: {}", self.timing());
        if self.g.p(0.3) {
            let p = if self.det { 1.0 } else { 0.3 };
            let _ = write!(text, ", spread: (after: {}, probability: {p:?})", self.timing());
        }
        if self.g.p(0.5) {
            let scope = if self.g.p(0.5) { "Site" } else { "BurningRooms" };
            let _ = write!(text, ", power_cut: (scope: {scope}, after: {})", self.timing());
        }
        let _ = write!(text, ", extinguished_after: {}", self.timing());
        let mut restoration = format!("inspection: {}", self.timing());
        if self.g.p(0.4) {
            let stage_rooms: Vec<String> =
                self.g.subset(&rooms, 0.3).into_iter().filter(|r| !never || *r != room).collect();
            if !stage_rooms.is_empty() {
                let mut stage = format!("(rooms: {}, after: {}", list(&stage_rooms), self.timing());
                if self.g.p(0.3) {
                    let _ = write!(stage, ", at: {}", self.timing());
                }
                if self.g.p(0.3) {
                    let w = self.g.pick(&self.plan.names.power.clone()).clone();
                    let _ = write!(stage, ", waits_for: [{}]", q(&w));
                }
                stage.push(')');
                let _ = write!(restoration, ", stages: [{stage}]");
            }
        }
        if never {
            let _ = write!(restoration, ", never: [{}]", q(&room));
        }
        let _ = write!(text, ", restoration: ({restoration}))");
        Hazard::Text(text)
    }

    fn objectives(&mut self) {
        for _ in 0..self.g.n(0, 2) {
            let service = if self.g.p(0.3) { "*".to_owned() } else { self.g.pick(&self.plan.names.services).clone() };
            let (metric, bound) = match self.g.u(3) {
                0 => ("Downtime", format!("at_most: {:?}", self.g.dur())),
                1 => ("UserHoursLost", format!("at_most: {:.1}", 1000.0 * self.g.f())),
                _ => ("Availability", format!("at_least: {:.3}", 0.9 + 0.1 * self.g.f())),
            };
            let statistic = *self.g.pick(&["Mean", "P95", "P99", "Quantile(0.5)"]);
            self.plan.objectives.push(format!(
                "Objective(service: {}, metric: {metric}, statistic: {statistic}, {bound})",
                q(&service)
            ));
        }
    }
}

/// A random scenario using every newer feature (templates, draws, common
/// causes, variants, teams with shifts, bootstraps, site losses, objectives)
/// with valid references. `det`: every timing fixed, every probability 0
/// or 1, no random failures (for the twin checks). `exotic`: some names hold
/// quotes, backslashes, accents and Hangul.
pub fn plan(g: &mut G, scale: Scale, det: bool, exotic: bool) -> Plan {
    let mut plan = Builder { g, scale, det, exotic, plan: Plan::default() }.build();
    // Variants: patches of the plan's own elements.
    for v in 0..g.n(0, 2) {
        let set: Vec<String> = (0..g.n(1, 3)).map(|_| name_patch(g, &plan.names)).collect();
        let name = format!("variant{v}");
        plan.names.variants.push(name.clone());
        plan.variants.push((name, set));
    }
    plan
}

/// A patch naming an element of the plan that keeps it valid: more
/// engineers or servers, other users, priorities, horizon or boot time.
pub fn name_patch(g: &mut G, n: &Names) -> String {
    let pool_i = g.u(n.pools.len());
    match g.u(6) {
        0 if !n.teams.is_empty() => format!("teams.{}.engineers={}", g.pick(&n.teams), g.n(1, 20)),
        1 => format!("pools.{}.servers={}", n.pools[pool_i], n.pool_servers[pool_i] + g.n(0, 100)),
        2 => format!("services.{}.users={}", g.pick(&n.services), g.n(0, 1_000_000)),
        3 => format!("services.{}.priority={}", g.pick(&n.services), g.n(1, 5)),
        4 => format!("horizon={:?}", g.dur()),
        _ => format!("pools.{}.boot=Fixed({:?})", n.pools[pool_i], g.short()),
    }
}

impl Plan {
    /// The scenario as RON text.
    pub fn render(&self, r: Render) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Scenario(\n    name: {},\n    horizon: {:?},", q(&self.name), self.horizon);
        let section = |out: &mut String, field: &str, items: &[String]| {
            if !items.is_empty() {
                let _ = writeln!(out, "    {field}: [\n        {},\n    ],", items.join(",\n        "));
            }
        };
        section(&mut out, "sites", &self.sites);
        section(&mut out, "links", &self.links);
        section(&mut out, "power", &self.power);
        section(&mut out, "cooling", &self.cooling);
        section(&mut out, "teams", &self.teams);
        let mut pools = self.pools.clone();
        let mut services = self.services.clone();
        let mut templates = Vec::new();
        for t in &self.templates {
            if r.expand_templates {
                let width = t.count.to_string().len();
                for k in 1..=t.count {
                    let sys = format!("{}-{k:0width$}", t.name);
                    let mut priority = None;
                    let mut users = None;
                    let mut upto = 0;
                    for g in &t.grades {
                        upto += g.0;
                        if k <= upto {
                            (priority, users) = (g.1, g.2);
                            break;
                        }
                    }
                    // Every string of the template, `{system}` replaced.
                    let escaped = q(&sys);
                    let escaped = &escaped[1..escaped.len() - 1];
                    let fill = |s: &str| s.replace("{system}", escaped);
                    pools.extend(t.pools.iter().map(|p| fill(p)));
                    services.extend(t.services.iter().map(|(s, u, p)| {
                        fill(s)
                            .replace("{users}", &users.unwrap_or(*u).to_string())
                            .replace("{priority}", &priority.unwrap_or(*p).to_string())
                    }));
                }
            } else {
                let services: Vec<String> = t
                    .services
                    .iter()
                    .map(|(s, u, p)| s.replace("{users}", &u.to_string()).replace("{priority}", &p.to_string()))
                    .collect();
                let mut text = format!(
                    "Systems(name: {}, count: {}, pools: [{}], services: [{}]",
                    q(&t.name),
                    t.count,
                    t.pools.join(", "),
                    services.join(", ")
                );
                if !t.grades.is_empty() {
                    let grades: Vec<String> = t
                        .grades
                        .iter()
                        .map(|(c, p, u)| {
                            let mut g = format!("Grade(count: {c}");
                            if let Some(p) = p {
                                let _ = write!(g, ", priority: {p}");
                            }
                            if let Some(u) = u {
                                let _ = write!(g, ", users: {u}");
                            }
                            g + ")"
                        })
                        .collect();
                    let _ = write!(text, ", grades: [{}]", grades.join(", "));
                }
                text.push(')');
                templates.push(text);
            }
        }
        section(&mut out, "pools", &pools);
        section(&mut out, "services", &services);
        section(&mut out, "systems", &templates);
        if let Some(rec) = &self.recovery {
            let _ = writeln!(out, "    recovery: {rec},");
        }
        let inline = r.inline_draws && self.det;
        if !self.draws.is_empty() && !inline {
            let draws: Vec<String> =
                self.draws.iter().map(|(n, d)| format!("Draw(name: {}, dist: {d})", q(n))).collect();
            section(&mut out, "draws", &draws);
        }
        let mut disasters = Vec::new();
        for (name, hazards, each_site) in &self.disasters {
            if let Some(e) = each_site {
                disasters.push(format!("Disaster(name: {}, each_site: {e})", q(name)));
                continue;
            }
            let mut texts = Vec::new();
            let target = q(&self.names.pools[0]);
            let after_end = self.horizon.trim_end_matches('h').parse::<u64>().unwrap_or(0) + 1;
            let inert = [
                format!("Outage(target: {target}, at: \"{after_end}h\", duration: Fixed(\"1h\"))"),
                format!("Outage(target: {target}, at: \"0s\", duration: Fixed(\"1h\"), probability: 0.0)"),
            ];
            if r.inert_first {
                texts.extend(inert.iter().cloned());
            }
            for h in hazards {
                match h {
                    Hazard::Text(t) => texts.push(t.clone()),
                    Hazard::Common(c) if r.common_as_outages && self.det => {
                        // The elements it selects, in declaration order.
                        for e in &self.names.elems {
                            if (c.kinds.is_empty() || c.kinds.contains(&e.kind))
                                && c.tags.iter().all(|t| e.tags.contains(t))
                            {
                                let mut o = format!("Outage(target: {}, at: {:?}", q(&e.name), c.at);
                                if let Some(d) = &c.delay {
                                    let _ = write!(o, ", delay: {d}");
                                }
                                if let Some(d) = &c.duration {
                                    let _ = write!(o, ", duration: {d}");
                                }
                                if c.probability != 1.0 {
                                    let _ = write!(o, ", probability: {:?}", c.probability);
                                }
                                texts.push(o + ")");
                            }
                        }
                    }
                    Hazard::Common(c) => {
                        let mut select = Vec::new();
                        if !c.tags.is_empty() {
                            select.push(format!("tags: {}", list(&c.tags)));
                        }
                        if !c.kinds.is_empty() {
                            select.push(format!("kinds: [{}]", c.kinds.join(", ")));
                        }
                        let mut o = String::from("CommonCause(");
                        if !c.name.is_empty() {
                            let _ = write!(o, "name: {}, ", q(&c.name));
                        }
                        let _ = write!(o, "select: ({}), at: {:?}", select.join(", "), c.at);
                        if let Some(d) = &c.delay {
                            let _ = write!(o, ", delay: {d}");
                        }
                        if let Some(d) = &c.duration {
                            let _ = write!(o, ", duration: {d}");
                        }
                        if c.probability != 1.0 {
                            let _ = write!(o, ", probability: {:?}", c.probability);
                        }
                        texts.push(o + ")");
                    }
                }
            }
            if r.inert_hazards {
                texts.extend(inert.iter().cloned());
            }
            disasters.push(format!(
                "Disaster(name: {}, hazards: [\n            {},\n        ])",
                q(name),
                texts.join(",\n            ")
            ));
        }
        let mut disasters_text = disasters.join(",\n        ");
        if inline {
            for (n, d) in &self.draws {
                disasters_text = disasters_text.replace(&format!("Shared({})", q(n)), d);
            }
        }
        let _ = writeln!(out, "    disasters: [\n        {disasters_text},\n    ],");
        let variants: Vec<String> = self
            .variants
            .iter()
            .map(|(n, set)| {
                let set: Vec<String> = set.iter().map(|s| q(s)).collect();
                format!("Variant(name: {}, set: [{}])", q(n), set.join(", "))
            })
            .collect();
        section(&mut out, "variants", &variants);
        section(&mut out, "objectives", &self.objectives);
        out.push(')');
        out
    }

    /// Whether rendering with `r` can differ from the plain rendering.
    pub fn differs(&self, r: Render) -> bool {
        (r.expand_templates && !self.templates.is_empty())
            || (r.common_as_outages
                && self.det
                && self.disasters.iter().any(|d| d.1.iter().any(|h| matches!(h, Hazard::Common(_)))))
            || (r.inline_draws && self.det && !self.draws.is_empty())
            || ((r.inert_hazards || r.inert_first) && self.disasters.iter().any(|d| d.2.is_none()))
    }

    /// Puts `field` into the first deployment of the first template's first
    /// service, as [`template_pool_field`](Self::template_pool_field) does.
    pub fn template_deployment_field(&mut self, field: &str) -> bool {
        let Some(t) = self.templates.first_mut() else { return false };
        let s = &mut t.services[0].0;
        *s = s.replacen("(pool: \"{system}-p\")", &format!("(pool: \"{{system}}-p\", {field})"), 1);
        true
    }

    /// Puts `value` into a field of every template's first pool (and so of
    /// each system's pool when expanded by hand): a value at the edge
    /// written inside a template must be treated as it is outside one.
    pub fn template_pool_field(&mut self, field: &str) -> bool {
        let Some(t) = self.templates.first_mut() else { return false };
        let p = &mut t.pools[0];
        p.pop();
        let _ = write!(p, ", {field})");
        true
    }
}

// ---------------------------------------------------------------------
// Checking runs

/// What one input broke: invariant violations, as messages.
pub type Broken = Vec<String>;

/// Run options of every run: the scale's budgets.
pub fn options(scale: Scale, seed: u64) -> RunOptions {
    RunOptions::default().seed(seed).max_events(scale.max_events).max_timeline(scale.max_timeline)
}

/// Runs each disaster once and checks each report; returns the reports
/// (`None` where the run was refused or stopped by a budget).
pub fn run_all(scenario: &Scenario, scale: Scale, seed: u64, broken: &mut Broken) -> Vec<Option<RunReport>> {
    let mut out = Vec::new();
    for disaster in scenario.disasters() {
        let Ok(mut sim) = Simulation::new(scenario, Some(disaster.name())) else {
            broken.push(format!("disaster '{}' is listed but Simulation::new refuses it", disaster.name()));
            out.push(None);
            continue;
        };
        match sim.run(&options(scale, seed)) {
            Ok(report) => {
                check_report(scenario, &report, broken);
                // The same simulator, the same seed: the same run.
                if out.is_empty()
                    && let Ok(again) = sim.run(&options(scale, seed))
                    && (figures(&again) != figures(&report) || again.timeline.len() != report.timeline.len())
                {
                    broken.push(format!("disaster '{}': a second run with the same seed differs", disaster.name()));
                }
                // A longer run: the same timeline up to the shorter one's end.
                if out.is_empty() {
                    check_longer(&mut sim, &report, scale, seed, broken);
                }
                out.push(Some(report));
            }
            Err(_) => out.push(None),
        }
    }
    out
}

/// The run again with twice the horizon: everything that happened before
/// the first run's end happens the same (when, what, which state, which
/// level), since nothing before the end depends on where it is.
fn check_longer(sim: &mut Simulation<'_>, report: &RunReport, scale: Scale, seed: u64, broken: &mut Broken) {
    let end = SimTime::from(report.horizon);
    let longer = report.horizon.saturating_add(report.horizon).min(outage::scenario::MAX_HORIZON);
    if longer <= report.horizon {
        return;
    }
    let Ok(long) = sim.run(&options(scale, seed).horizon(longer)) else { return };
    let key = |e: &outage::TimelineEntry| (e.at, e.component.clone(), e.state, e.level.to_bits());
    let a: Vec<_> = report.timeline.iter().filter(|e| e.at < end).map(key).collect();
    let b: Vec<_> = long.timeline.iter().filter(|e| e.at < end).map(key).collect();
    if a != b {
        let k = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        broken.push(format!(
            "disaster '{}': run to {} and to {}, the timelines part before {end} at entry {k}: {:?} / {:?}",
            report.disaster,
            report.horizon,
            longer,
            a.get(k),
            b.get(k)
        ));
    }
}

/// Invariants of one run's report: times within the run and in order,
/// totals that add up along the timeline, no service up while a hard
/// dependency is down, deadlocks of down services, levels in [0, 1].
pub fn check_report(scenario: &Scenario, report: &RunReport, broken: &mut Broken) {
    let horizon = SimTime::from(report.horizon);
    let model = scenario.model();
    let before = broken.len();
    for (what, csv) in [("per-service", report.to_csv()), ("timeline", report.timeline_to_csv())] {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv.as_bytes());
        if let Some(cell) = reader
            .records()
            .flatten()
            .flat_map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>())
            .find(|c| formula(c))
        {
            broken.push(format!(
                "disaster '{}': the {what} CSV has a cell a spreadsheet would run: {cell:?}",
                report.disaster
            ));
        }
    }
    let mut fail = |m: String| {
        if broken.len() < before + 5 {
            broken.push(format!("disaster '{}': {m}", report.disaster));
        }
    };
    for w in report.timeline.windows(2) {
        if w[0].at > w[1].at {
            fail(format!("timeline goes back in time at {}", w[1].at));
        }
    }
    for e in &report.timeline {
        if e.at > horizon || !(0.0..=1.0).contains(&e.level) {
            fail(format!("timeline entry out of range: {} {} level {}", e.at, e.component, e.level));
        }
    }
    let outcomes: BTreeMap<&str, &outage::ServiceOutcome> =
        report.services.iter().map(|s| (s.name.as_str(), s)).collect();
    for d in &report.deadlocks {
        for name in &d.services {
            if outcomes.get(name.as_str()).is_none_or(|s| s.final_state != State::Down) {
                fail(format!("deadlock {d} holds '{name}', which is not down at the end"));
            }
        }
    }
    for s in &report.services {
        if s.downtime + s.degraded > report.horizon {
            fail(format!("'{}': down {} + degraded {} > the run {}", s.name, s.downtime, s.degraded, report.horizon));
        }
        let max = s.users as f64 * report.horizon.as_hours_f64() * (1.0 + 1e-9);
        if !(s.user_hours_lost >= 0.0 && s.user_hours_lost <= max) {
            fail(format!("'{}': {} user-hours lost of at most {max}", s.name, s.user_hours_lost));
        }
        // Blame shares out the time the service was not up.
        let blamed = s.causes.iter().fold(SimDuration::ZERO, |a, c| a.saturating_add(c.time));
        if blamed > s.downtime + s.degraded {
            fail(format!(
                "'{}': causes blamed for {blamed}, more than its {} down and {} degraded: {:?}",
                s.name, s.downtime, s.degraded, s.causes
            ));
        }
        if s.causes.iter().chain(s.main_cause()).any(|c| c.cause.chars().any(outage::scenario::is_unprintable)) {
            fail(format!("'{}': a cause holds an unprintable character", s.name));
        }
        match s.first_impact {
            None => {
                if s.downtime + s.degraded != SimDuration::ZERO || s.final_state != State::Up {
                    fail(format!("'{}': never impacted, yet down or degraded", s.name));
                }
            }
            Some(first) => {
                if first > horizon
                    || s.partial_recovery.is_some_and(|p| p < first)
                    || s.full_recovery.is_some_and(|f| f < first || s.partial_recovery.is_some_and(|p| p > f))
                {
                    fail(format!("'{}': recovery times out of order", s.name));
                }
                if s.full_recovery.is_some() != (s.final_state == State::Up) {
                    fail(format!(
                        "'{}': full recovery {:?} but final state {:?}",
                        s.name, s.full_recovery, s.final_state
                    ));
                }
            }
        }
    }
    // Replay the timeline: totals and hard dependencies. Only when every
    // service's changes are in it (no budget cut it short). In time linear
    // in the timeline and the dependencies (the largest models have 10^5
    // services).
    let index: BTreeMap<&str, usize> = model.services().iter().enumerate().map(|(i, s)| (s.name(), i)).collect();
    let mut dependants = vec![Vec::new(); index.len()];
    for (i, s) in model.services().iter().enumerate() {
        for d in s.hard_dependencies() {
            dependants[d.index()].push(i);
        }
    }
    let mut state = vec![State::Up; index.len()];
    let mut since = vec![SimTime::ZERO; index.len()];
    let (mut down, mut degraded) = (vec![SimDuration::ZERO; state.len()], vec![SimDuration::ZERO; state.len()]);
    let entries: Vec<_> =
        report.timeline.iter().filter(|e| e.kind == "service" && index.contains_key(e.component.as_str())).collect();
    // A service down or degraded from the start has no entry at t0 (see
    // fuzz_findings: a scenario that starts impaired): the replay cannot
    // know its first state.
    let at_t0: std::collections::BTreeSet<&str> =
        report.timeline.iter().filter(|e| e.at == SimTime::ZERO).map(|e| e.component.as_str()).collect();
    let starts_impaired =
        report.services.iter().any(|s| s.first_impact == Some(SimTime::ZERO) && !at_t0.contains(s.name.as_str()));
    if starts_impaired || report.timeline.len() >= 1_000_000 {
        return;
    }
    let mut close = |i: usize, to: SimTime, state: State, since: &mut [SimTime]| {
        match state {
            State::Down => down[i] += to - since[i],
            State::Degraded => degraded[i] += to - since[i],
            State::Up => {}
        }
        since[i] = to;
    };
    let mut k = 0;
    let mut dependency_fault = None;
    while k < entries.len() {
        let at = entries[k].at;
        let first = k;
        while k < entries.len() && entries[k].at == at {
            let i = index[entries[k].component.as_str()];
            close(i, at, state[i], &mut since);
            state[i] = entries[k].state;
            k += 1;
        }
        // Only what changed at this instant can have broken the rule: a
        // service now up, or the dependants of one now down.
        if dependency_fault.is_none() {
            let up_over_down = |i: usize| {
                (state[i] == State::Up)
                    .then(|| model.services()[i].hard_dependencies().iter().find(|d| state[d.index()] == State::Down))
                    .flatten()
                    .map(|d| (i, d.index()))
            };
            dependency_fault = entries[first..k]
                .iter()
                .map(|e| index[e.component.as_str()])
                .flat_map(|i| std::iter::once(i).chain(dependants[i].iter().copied()))
                .find_map(up_over_down)
                .map(|(i, d)| {
                    format!(
                        "at {at}: '{}' is up while its hard dependency '{}' is down",
                        model.services()[i].name(),
                        model.services()[d].name()
                    )
                });
        }
    }
    for (i, &st) in state.iter().enumerate() {
        close(i, horizon, st, &mut since);
    }
    if let Some(f) = dependency_fault {
        fail(f);
    }
    for (name, &i) in &index {
        if let Some(o) = outcomes.get(name)
            && (down[i], degraded[i]) != (o.downtime, o.degraded)
        {
            fail(format!(
                "'{name}': the timeline adds up to {} down, {} degraded; the report says {}, {}",
                down[i], degraded[i], o.downtime, o.degraded
            ));
        }
    }
}

/// The figures of a run that equivalent scenarios must agree on (not the
/// wording of causes): per service, downtime, degraded time, first impact,
/// recoveries, user-hours and final state.
pub fn figures(report: &RunReport) -> String {
    let mut out = String::new();
    for s in &report.services {
        let _ = writeln!(
            out,
            "{} down {} degraded {} first {:?} partial {:?} full {:?} uh {:.6e} final {:?}",
            s.name,
            s.downtime,
            s.degraded,
            s.first_impact,
            s.partial_recovery,
            s.full_recovery,
            s.user_hours_lost,
            s.final_state
        );
    }
    out
}

/// The scenario's description as JSON, without its variants (a patched
/// or variant scenario has none).
pub fn spec_json(scenario: &Scenario) -> Value {
    let mut v = serde_json::to_value(scenario.spec()).expect("a spec serialises");
    if let Some(o) = v.as_object_mut() {
        o.remove("variants");
    }
    v
}

/// Loads a scenario and, where it loads, runs each disaster once and
/// checks each run; builds each variant and checks it is the scenario
/// patched with the variant's patches.
pub fn exercise_scenario(text: &str, scale: Scale, seed: u64) -> Broken {
    let mut broken = Vec::new();
    let scenario = match Scenario::from_ron_str(text) {
        Ok(s) => s,
        Err(e) => {
            check_refusal(text, &e, &mut broken);
            return broken;
        }
    };
    let _ = scenario.warnings();
    run_all(&scenario, scale, seed, &mut broken);
    if seed.is_multiple_of(4) {
        check_study(&scenario, seed, &mut broken);
    }
    // No patch at all: the same scenario (the description survives being
    // written out and read back).
    match scenario.patched(&[]) {
        Ok(same) if spec_json(&same) != spec_json(&scenario) => {
            let mut diff = Vec::new();
            differences(&spec_json(&scenario), &spec_json(&same), String::new(), &mut diff);
            broken.push(format!("patched with no patch, the scenario changes at {diff:?}"));
        }
        Ok(_) => {}
        Err(e) => broken.push(format!("patched with no patch, the scenario is refused: {e}")),
    }
    let variants: Vec<String> = scenario.variant_names().map(str::to_owned).collect();
    for (k, name) in variants.iter().enumerate() {
        let built = scenario.variant(name);
        let set: Option<Vec<String>> = scenario.spec().variants.iter().find(|v| &v.name == name).map(|v| v.set.clone());
        let patches: Option<Vec<Patch>> = set.and_then(|s| s.iter().map(|p| p.parse().ok()).collect());
        let by_hand = patches.map(|p| scenario.patched(&p));
        match (&built, &by_hand) {
            (Ok(a), Some(Ok(b))) if spec_json(a) != spec_json(b) => {
                broken.push(format!("variant '{name}' differs from the scenario patched with its patches"));
            }
            (Ok(_), Some(Err(e))) => {
                broken.push(format!("variant '{name}' builds, but its patches applied by hand fail: {e}"));
            }
            (Err(e), Some(Ok(_))) => {
                broken.push(format!("variant '{name}' fails ({e}), but its patches applied by hand succeed"));
            }
            _ => {}
        }
        // One variant's runs: the others cost the same.
        if k == 0
            && let Ok(v) = built
        {
            run_all(&v, scale, seed, &mut broken);
        }
    }
    broken
}

/// A small file that asks for much: what it costs is the point, so it is
/// loaded (refused with every problem located) and each disaster run once
/// with the run checks; the deeper oracles (a run repeated, twice as long,
/// a study, every variant) are the generated surface's, and would cost
/// many times the input's own work on the largest models.
pub fn exercise_amplified(text: &str, scale: Scale, seed: u64) -> Broken {
    let mut broken = Vec::new();
    match Scenario::from_ron_str(text) {
        Ok(scenario) => {
            for disaster in scenario.disasters() {
                if let Ok(mut sim) = Simulation::new(&scenario, Some(disaster.name()))
                    && let Ok(report) = sim.run(&options(scale, seed))
                {
                    check_report(&scenario, &report, &mut broken);
                }
            }
        }
        Err(e) => check_refusal(text, &e, &mut broken),
    }
    broken
}

/// A study of a few runs agrees with those runs replayed one by one (run
/// `k` of a study of seed `s` is the run of seed `s`, index `k`): the mean,
/// least and greatest downtime and user-hours of every service.
pub fn check_study(scenario: &Scenario, seed: u64, broken: &mut Broken) {
    use outage::objective::Metric;
    const RUNS: u64 = 3;
    let Ok(report) = Study::new(scenario).runs(RUNS).seed(seed).threads(1).run() else { return };
    for d in scenario.disasters() {
        let Some(stats) = report.disaster(d.name()) else {
            broken.push(format!("the study has no disaster '{}'", d.name()));
            continue;
        };
        let Ok(mut sim) = Simulation::new(scenario, Some(d.name())) else { continue };
        let mut runs = Vec::new();
        for k in 0..RUNS {
            match sim.run(&RunOptions::default().seed(seed).run(k).timeline(false)) {
                Ok(r) => runs.push(r),
                Err(_) => return,
            }
        }
        for s in &stats.services {
            for (metric, value) in [
                (Metric::Downtime, &(|o: &outage::ServiceOutcome| o.downtime.as_hours_f64()) as &dyn Fn(&_) -> f64),
                (Metric::UserHoursLost, &|o: &outage::ServiceOutcome| o.user_hours_lost),
            ] {
                let values: Vec<f64> = runs.iter().filter_map(|r| r.service(&s.name)).map(value).collect();
                if values.len() as u64 != RUNS {
                    broken.push(format!("'{}': in the study, not in its runs", s.name));
                    return;
                }
                let m = s.metric(metric);
                let mean = values.iter().sum::<f64>() / RUNS as f64;
                let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
                // Studies keep user-hours in thousandths (integers add exactly).
                let close = |a: f64, b: f64| (a - b).abs() <= 5e-4 + 1e-9 * a.abs().max(b.abs());
                if !(close(m.mean, mean) && close(m.min, lo) && close(m.max, hi)) {
                    broken.push(format!(
                        "disaster '{}', '{}', {metric:?}: the study says mean {} in [{}, {}]; its runs {values:?}",
                        d.name(),
                        s.name,
                        m.mean,
                        m.min,
                        m.max
                    ));
                }
            }
        }
    }
}

/// A refusal of text input: every problem located inside the text.
pub fn check_refusal(text: &str, e: &outage::ScenarioError, broken: &mut Broken) {
    let lines = text.split('\n').count() + 1;
    for d in e.diagnostics() {
        if let Some(p) = d.position
            && (p.line == 0 || p.line > lines || p.column == 0)
        {
            broken.push(format!("a problem located outside the text ({lines} lines): {d}"));
        }
    }
    if e.diagnostics().is_empty() {
        broken.push(format!("a refusal with no problem in it: {e}"));
    }
}

/// Renderings of one plan that describe the same scenario must be accepted
/// or refused together, and give the same figures run for run.
pub fn exercise_twins(plan: &Plan, scale: Scale, seed: u64) -> Broken {
    let mut broken = Vec::new();
    let base_text = plan.render(Render::default());
    let base = Scenario::from_ron_str(&base_text);
    let base_runs = match &base {
        Ok(s) => run_all(s, scale, seed, &mut broken),
        Err(e) => {
            check_refusal(&base_text, e, &mut broken);
            Vec::new()
        }
    };
    let twins = [
        ("templates written out by hand", Render { expand_templates: true, ..Render::default() }),
        ("common causes written as outages", Render { common_as_outages: true, ..Render::default() }),
        ("draws written in place", Render { inline_draws: true, ..Render::default() }),
        ("hazards that do nothing added last", Render { inert_hazards: true, ..Render::default() }),
        ("hazards that do nothing added first", Render { inert_first: true, ..Render::default() }),
    ];
    for (what, r) in twins {
        if !plan.differs(r) {
            continue;
        }
        let text = plan.render(r);
        match (&base, Scenario::from_ron_str(&text)) {
            (Ok(_), Err(e)) => broken.push(format!("{what}: refused, but accepted as written: {e}")),
            // A patch changes the file as written: it names an element a
            // template makes only once the template is written out.
            (Err(e), Ok(_)) if r.expand_templates && e.to_string().contains("is made by the template") => {}
            (Err(e), Ok(_)) => broken.push(format!("{what}: accepted, but refused as written: {e}")),
            (Ok(a), Ok(b)) => {
                let names = |s: &Scenario| s.disasters().iter().map(|d| d.name().to_owned()).collect::<Vec<_>>();
                if names(a) != names(&b) {
                    broken.push(format!("{what}: disasters {:?}, as written {:?}", names(&b), names(a)));
                    continue;
                }
                let runs = run_all(&b, scale, seed, &mut broken);
                for (x, y) in base_runs.iter().zip(&runs) {
                    if let (Some(x), Some(y)) = (x, y)
                        && figures(x) != figures(y)
                    {
                        broken.push(format!(
                            "{what}: disaster '{}' gives other figures:\n{}\nas written:\n{}",
                            x.disaster,
                            figures(y),
                            figures(x)
                        ));
                    }
                }
            }
            (Err(_), Err(_)) => {}
        }
    }
    broken
}

// ---------------------------------------------------------------------
// Patches

/// Fields whose values are enum variants without data: written bare in RON.
const ENUM_FIELDS: [&str; 15] = [
    "kind",
    "role",
    "fuel",
    "scope",
    "policy",
    "replacement",
    "replication",
    "restart",
    "called",
    "metric",
    "statistic",
    "without_requirements",
    "suppression",
    "kinds",
    "precision",
];

fn is_ident(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The value as RON, as a scenario would write it; `field` is the field it
/// is the value of (bare enum variants are known by it).
pub fn ron_of(v: &Value, field: &str) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if ENUM_FIELDS.contains(&field) && is_ident(s) => s.clone(),
        Value::String(s) => q(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|x| ron_of(x, field)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(o) => {
            if o.len() == 1
                && let Some((k, inner)) = o.iter().next()
                && is_ident(k)
            {
                return match inner {
                    Value::Object(fields) if !is_variant(inner) => format!("{k}{}", struct_of(fields)),
                    other => format!("{k}({})", ron_of(other, field)),
                };
            }
            struct_of(o)
        }
    }
}

/// A JSON object that stands for an enum variant: `{"Fixed": "2h"}`.
fn is_variant(v: &Value) -> bool {
    v.as_object().is_some_and(|o| o.len() == 1 && o.keys().all(|k| is_ident(k)))
}

fn struct_of(o: &serde_json::Map<String, Value>) -> String {
    let fields: Vec<String> =
        o.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| format!("{k}: {}", ron_of(v, k))).collect();
    format!("({})", fields.join(", "))
}

/// A place a patch can name: its steps, the JSON pointer of its value, the
/// field it is, and the value.
#[derive(Clone, Debug)]
pub struct Spot {
    pub steps: Vec<String>,
    pub pointer: String,
    pub field: String,
    pub value: Value,
}

/// Every place in a scenario's description a patch can name, by name where
/// a list's elements have names, else by index; through enum variants
/// (`Ups(..)`, `Fire(..)`) as the patch paths go.
pub fn spots(spec: &Value) -> Vec<Spot> {
    fn walk(v: &Value, steps: &mut Vec<String>, pointer: String, field: &str, out: &mut Vec<Spot>) {
        if !steps.is_empty() {
            out.push(Spot {
                steps: steps.clone(),
                pointer: pointer.clone(),
                field: field.to_owned(),
                value: v.clone(),
            });
        }
        match v {
            Value::Object(o) => {
                if o.len() == 1
                    && let Some((k, inner)) = o.iter().next()
                    && is_ident(k)
                {
                    // A variant: its fields are named directly; a
                    // distribution or a newtype is a value as a whole.
                    if let Value::Object(fields) = inner
                        && fields.contains_key("name")
                    {
                        for (f, x) in fields {
                            steps.push(f.clone());
                            walk(x, steps, format!("{pointer}/{k}/{f}"), f, out);
                            steps.pop();
                        }
                    }
                    return;
                }
                for (f, x) in o {
                    steps.push(f.clone());
                    walk(x, steps, format!("{pointer}/{f}"), f, out);
                    steps.pop();
                }
            }
            Value::Array(items) => {
                let labels: Vec<Option<String>> = items.iter().map(element_name).collect();
                for (i, x) in items.iter().enumerate() {
                    // A label that is not unique (common causes may share
                    // one) names the first: use the index.
                    let unique = labels[i].as_ref().filter(|l| labels.iter().flatten().filter(|m| m == l).count() == 1);
                    let label = unique.cloned().unwrap_or_else(|| i.to_string());
                    steps.push(label);
                    walk(x, steps, format!("{pointer}/{i}"), field, out);
                    steps.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(spec, &mut Vec::new(), String::new(), "", &mut out);
    // A name that a path cannot hold (a dot, or nothing) makes no spot.
    out.retain(|s| s.steps.iter().all(|x| !x.is_empty() && !x.contains('.') && !x.contains('=')));
    out
}

/// An element's name: its own `name`, or its variant's.
fn element_name(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    if let Some(Value::String(n)) = o.get("name") {
        return Some(n.clone());
    }
    if o.len() == 1 {
        let inner = o.values().next()?.as_object()?;
        if let Some(Value::String(n)) = inner.get("name") {
            return Some(n.clone());
        }
    }
    None
}

/// Every name in a description (what a reference may name).
fn all_names(spec: &Value, out: &mut Vec<String>) {
    match spec {
        Value::Object(o) => {
            for (k, v) in o {
                if k == "name"
                    && let Value::String(s) = v
                {
                    out.push(s.clone());
                }
                all_names(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| all_names(x, out)),
        _ => {}
    }
}

/// What a generated patch is meant to do, for the oracle.
#[derive(Clone, Debug)]
pub enum Intent {
    /// Set a value to itself: nothing may change.
    Same,
    /// Set a value to this one (JSON): nothing else may change.
    Value(Value),
    /// Append to the list at this pointer: one more element, nothing else.
    Append,
    /// Remove the element of this label from the list: one fewer.
    Remove { present: bool },
    /// Anything: no expectation but no panic.
    Wild,
}

/// One generated patch: its text, the place it names and what it means.
#[derive(Clone, Debug)]
pub struct PatchGen {
    pub text: String,
    pub spot: Option<Spot>,
    pub intent: Intent,
}

/// Values worth setting, by the JSON type of the value there.
fn new_value(g: &mut G, spot: &Spot, names: &[String]) -> (String, Option<Value>) {
    match &spot.value {
        Value::Number(n) if n.is_u64() || n.is_i64() => {
            let cur = n.as_u64().unwrap_or(0);
            let v = match g.u(7) {
                0 => 0,
                1 => 1,
                2 => cur.saturating_add(1),
                3 => cur.saturating_mul(2),
                4 => 1 << 32,
                5 => u64::MAX,
                _ => g.n(0, 1000),
            };
            (v.to_string(), Some(Value::from(v)))
        }
        Value::Number(_) => {
            let opts = ["0.0", "0.5", "1.0", "2.0", "-0.1", "NaN", "inf", "1e308", "0.25"];
            let s = *g.pick(&opts);
            let v = s.parse::<f64>().ok().filter(|x| x.is_finite()).and_then(serde_json::Number::from_f64);
            (s.to_owned(), v.map(Value::Number))
        }
        Value::Bool(b) => ((!b).to_string(), Some(Value::Bool(!b))),
        Value::String(s) if SimDuration::from_str_ok(s) => {
            let d = g.dur();
            (q(&d), None)
        }
        Value::String(_) if ENUM_FIELDS.contains(&spot.field.as_str()) => ("Bogus".into(), None),
        Value::String(_) => {
            let s =
                if !names.is_empty() && g.p(0.7) { g.pick(names).clone() } else { format!("new{}", g.pick(&EXOTIC)) };
            (q(&s), Some(Value::String(s)))
        }
        Value::Object(_)
            if spot.field.ends_with("after")
                || [
                    "boot",
                    "repair",
                    "duration",
                    "arrival",
                    "wait",
                    "lag",
                    "warmup",
                    "age",
                    "inspection",
                    "damage_after",
                    "extinguished_after",
                    "start_delay",
                    "delay",
                    "detection",
                    "switch",
                ]
                .contains(&spot.field.as_str()) =>
        {
            (g.dist(false), None)
        }
        _ => (g.pick(&NUMBERS).to_string(), None),
    }
}

trait DurationText {
    fn from_str_ok(s: &str) -> bool;
}

impl DurationText for SimDuration {
    fn from_str_ok(s: &str) -> bool {
        s.chars().next().is_some_and(|c| c.is_ascii_digit()) && s.parse::<SimDuration>().is_ok()
    }
}

/// A random patch of `spec` (as JSON): a value set to itself, to another
/// value, an element appended or removed, a value with more pasted after
/// it, or a mangled patch; plus paths into `systems` templates by name.
pub fn gen_patch(g: &mut G, spec: &Value, templates: &[String]) -> PatchGen {
    let spots = spots(spec);
    let mut names = Vec::new();
    all_names(spec, &mut names);
    if !templates.is_empty() && g.p(0.08) {
        let t = g.pick(templates).clone();
        let text = match g.u(3) {
            0 => format!("systems.{t}.count={}", g.n(0, 50)),
            1 => format!("systems.{t}.pools.0.servers={}", g.n(0, 50)),
            _ => format!("systems.{t}.services.0.users={}", g.n(0, 5000)),
        };
        return PatchGen { text, spot: None, intent: Intent::Wild };
    }
    if spots.is_empty() {
        return PatchGen { text: "name=\"x\"".into(), spot: None, intent: Intent::Wild };
    }
    let spot = g.pick(&spots).clone();
    let path = spot.steps.join(".");
    let roll = g.u(20);
    let (text, intent) = match roll {
        // The spec has templates expanded: its whole `pools` or `services`
        // list holds what the templates make, so is not the list as written.
        0..=5 if !templates.is_empty() && matches!(spot.pointer.as_str(), "/pools" | "/services") => {
            (format!("{path}={}", ron_of(&spot.value, &spot.field)), Intent::Wild)
        }
        0..=5 => (format!("{path}={}", ron_of(&spot.value, &spot.field)), Intent::Same),
        6..=10 => {
            let (text, value) = new_value(g, &spot, &names);
            let intent = value.map_or(Intent::Wild, Intent::Value);
            (format!("{path}={text}"), intent)
        }
        11..=13 => match &spot.value {
            Value::Array(items) if !items.is_empty() => {
                let mut copy = g.pick(items).clone();
                let fresh = format!("fresh-{}", g.n(0, 99));
                if let Some(o) = copy.as_object_mut() {
                    if o.contains_key("name") {
                        o.insert("name".into(), Value::String(fresh));
                    } else if o.len() == 1
                        && let Some(Value::Object(inner)) = o.values_mut().next()
                        && inner.contains_key("name")
                    {
                        inner.insert("name".into(), Value::String(fresh));
                    }
                }
                (format!("{path}+={}", ron_of(&copy, &spot.field)), Intent::Append)
            }
            Value::Array(_) => (format!("{path}+={}", q(&g.pick(&names).clone())), Intent::Append),
            _ => (format!("{path}+={}", q("x")), Intent::Wild),
        },
        14..=16 => match &spot.value {
            Value::Array(items) if !items.is_empty() && g.p(0.7) => {
                let item = g.pick(items);
                match element_name(item).or_else(|| item.as_str().map(str::to_owned)) {
                    Some(label) if !label.contains('"') => {
                        (format!("{path}-={label}"), Intent::Remove { present: true })
                    }
                    _ => (format!("{path}-=0"), Intent::Wild),
                }
            }
            Value::Array(_) => (format!("{path}-=absent-element"), Intent::Remove { present: false }),
            _ => (format!("{path}-=x"), Intent::Wild),
        },
        17 => {
            // More pasted after the value: a patch acts on the value only.
            // `tags` is a field of every element that is left out when empty.
            let parent = spot.pointer.rsplit_once('/').map_or("", |(p, _)| p);
            let untagged = spec
                .pointer(parent)
                .and_then(Value::as_object)
                .is_some_and(|o| o.contains_key("name") && !o.contains_key("tags") && !spot.pointer.ends_with("/tags"));
            let other = if untagged {
                "tags: [\"pasted\"]"
            } else {
                *g.pick(&["depends_on: [\"x\"]", "users: 7", "name: \"y\"", "servers: 1"])
            };
            (format!("{path}={}, {other}", ron_of(&spot.value, &spot.field)), Intent::Wild)
        }
        _ => {
            // Mangled, it may name another place (svc0 -> svc1, 1 -> 0):
            // no place to hold it to.
            let text = format!("{path}={}", ron_of(&spot.value, &spot.field));
            return PatchGen { text: mutate(&text, &mut g.0), spot: None, intent: Intent::Wild };
        }
    };
    PatchGen { text, spot: Some(spot), intent }
}

/// The JSON pointers under which two descriptions differ (leaves; a list
/// of different length counts as the list).
pub fn differences(a: &Value, b: &Value, at: String, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let next = format!("{at}/{k}");
                match y.get(k) {
                    Some(w) => differences(v, w, next, out),
                    None if v.is_null() => {}
                    None => out.push(next),
                }
            }
            for (k, w) in y {
                if !x.contains_key(k) && !w.is_null() {
                    out.push(format!("{at}/{k}"));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(v, w, format!("{at}/{i}"), out);
            }
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => {}
        _ if a == b => {}
        _ => out.push(at),
    }
}

/// Applies generated patches and checks what they did; where the patched
/// scenario is built, runs its disasters.
pub fn exercise_patches(scenario: &Scenario, patches: &[PatchGen], scale: Scale, seed: u64) -> Broken {
    let mut broken = Vec::new();
    let mut parsed = Vec::new();
    for p in patches {
        match p.text.parse::<Patch>() {
            Ok(patch) => {
                // What is printed reads back as the same patch.
                let again = patch.to_string().parse::<Patch>();
                if again.as_ref() != Ok(&patch) {
                    broken.push(format!("patch '{}' prints as '{patch}', which reads back as {again:?}", p.text));
                }
                parsed.push(patch);
            }
            Err(_) => {
                if !matches!(p.intent, Intent::Wild) {
                    broken.push(format!("patch '{}' does not parse", p.text));
                }
                return broken;
            }
        }
    }
    let result = scenario.patched(&parsed);
    let before = spec_json(scenario);
    if let [p] = patches {
        check_patch(&before, p, &result, &mut broken);
    }
    // One disaster: the runs are checked as a generated scenario's are.
    if let Ok(s) = &result
        && let Some(d) = s.disasters().get(seed as usize % s.disasters().len().max(1))
        && let Ok(mut sim) = Simulation::new(s, Some(d.name()))
        && let Ok(report) = sim.run(&options(scale, seed))
    {
        check_report(s, &report, &mut broken);
    }
    broken
}

fn check_patch(before: &Value, p: &PatchGen, result: &Result<Scenario, outage::ScenarioError>, broken: &mut Broken) {
    let Some(spot) = &p.spot else { return };
    let after = match result {
        Ok(s) => spec_json(s),
        Err(e) => {
            let message = e.to_string();
            match &p.intent {
                // Elements a template makes are patched at the template.
                Intent::Same if message.contains("is made by the template") => {}
                Intent::Same => broken.push(format!("'{}' sets a value to itself, and is refused: {message}", p.text)),
                // Lists of unnamed elements (fuzz_findings).
                Intent::Remove { present: false }
                    if spot.value.as_array().is_some_and(|a| !a.is_empty()) && message.contains("(elements: )") =>
                {
                    broken.push(format!("'{}' is refused with an empty list of elements: {message}", p.text));
                }
                _ => {}
            }
            return;
        }
    };
    let mut diff = Vec::new();
    differences(before, &after, String::new(), &mut diff);
    // Under the place, or a place above it that a change left at its
    // default, so left out of the description (the last bootstrap removed
    // leaves `recovery` at its default).
    let outside: Vec<&String> =
        diff.iter().filter(|d| !d.starts_with(&spot.pointer) && !spot.pointer.starts_with(d.as_str())).collect();
    let under_templates = spot.pointer.starts_with("/systems");
    if !outside.is_empty() && !under_templates {
        broken.push(format!("'{}' changed {} besides {}", p.text, outside.len(), spot.pointer));
    }
    let now = after.pointer(&spot.pointer);
    match &p.intent {
        Intent::Same if !diff.is_empty() => {
            broken.push(format!("'{}' sets a value to itself, and changes {diff:?}", p.text));
        }
        Intent::Value(want) => {
            let same = match (now, want) {
                (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
                (Some(a), b) => a == b,
                // A field at its default is left out of the description.
                (None, _) => true,
            };
            if !same {
                broken.push(format!("'{}' leaves {} at {now:?}, not {want}", p.text, spot.pointer));
            }
        }
        Intent::Append | Intent::Remove { present: true } => {
            // An empty list is left out of the description.
            let n1 = match now {
                None | Some(Value::Null) => Some(0),
                Some(v) => v.as_array().map(Vec::len),
            };
            let n0 = spot.value.as_array().map(Vec::len);
            let want = n0.map(|n| if matches!(p.intent, Intent::Append) { n + 1 } else { n.saturating_sub(1) });
            if n1 != want {
                broken.push(format!("'{}': the list had {n0:?} elements, now {n1:?}, not {want:?}", p.text));
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------
// Milestone files

/// A milestones file for a scenario with these services and pools (names
/// as written in the file `scenario`): every measure and precision, values
/// mostly in range and sometimes at or past the edge.
pub fn gen_milestones(g: &mut G, scenario: &str, names: &Names, disasters: &[String]) -> String {
    let services = &names.services;
    let pools = &names.pools;
    let runs = match g.u(12) {
        0 => "0".to_owned(),
        1 => "1000001".to_owned(),
        2 => "1000000".to_owned(),
        _ => g.n(1, 5).to_string(),
    };
    let mut out = format!("Milestones(\n    scenario: {},\n    runs: {runs},\n    seed: {},\n", q(scenario), g.n(0, 9));
    if !disasters.is_empty() && g.p(0.4) {
        let d = if g.p(0.9) { g.pick(disasters).clone() } else { "no-such-disaster".into() };
        let _ = writeln!(out, "    disaster: {},", q(&d));
    }
    out.push_str("    milestones: [\n");
    for i in 0..g.n(1, 6) {
        let svc = |g: &mut G| if g.p(0.95) { g.pick(services).clone() } else { "no-such-service".into() };
        let some = |g: &mut G, xs: &[String]| {
            let mut v = g.subset(xs, 0.5);
            if v.is_empty() {
                v.push(xs[0].clone());
            }
            if g.p(0.05) {
                v.push(v[0].clone());
            }
            v
        };
        let fraction = |g: &mut G| *g.pick(&["0.5", "1.0", "0.25", "0.999", "NaN", "2.0", "0.0", "-0.5", "1e-300"]);
        let measure = match g.u(9) {
            0 => format!("FirstImpact({})", q(&svc(g))),
            1 => format!("PartialRecovery({})", q(&svc(g))),
            2 => format!("FullRecovery({})", q(&svc(g))),
            3 => format!("AllFullyRecovered({})", list(&some(g, services))),
            4 => {
                let groups: Vec<String> = (0..g.n(1, 3)).map(|_| list(&some(g, services))).collect();
                format!("NthFullyRecovered(groups: [{}], n: {})", groups.join(", "), g.n(0, 4))
            }
            5 => format!("Serving(service: {}, fraction: {})", q(&svc(g)), fraction(g)),
            6 => {
                let s = some(g, services);
                format!("NthServing(services: {}, n: {})", list(&s), g.n(0, s.len() as u64 + 1))
            }
            7 => format!("FractionServing(services: {}, fraction: {})", list(&some(g, services)), fraction(g)),
            _ => {
                let p = some(g, pools);
                let total: u64 =
                    p.iter().filter_map(|x| pools.iter().position(|y| y == x).map(|i| names.pool_servers[i])).sum();
                let servers = match g.u(5) {
                    0 => 0,
                    1 => total + 1,
                    _ => g.n(1, total.max(1)),
                };
                format!("ServersWorking(pools: {}, servers: {servers})", list(&p))
            }
        };
        let reported_h = g.n(0, 48);
        let precision = match g.u(5) {
            0 => "Minute".to_owned(),
            1 => "Approx".to_owned(),
            2 => format!("By(not_before: \"{}h\")", g.n(0, reported_h + 2)),
            3 => {
                let from = g.n(0, reported_h + 1);
                format!("Day(from: \"{from}h\", to: \"{}h\")", if g.p(0.9) { from + g.n(0, 24) } else { 0 })
            }
            _ => "Approx".to_owned(),
        };
        let name =
            if g.p(0.05) { format!("m{i}{}", g.pick(&["\n", "\u{202e}", "=1+1", "\t"])) } else { format!("m{i}") };
        let _ = writeln!(
            out,
            "        (name: {}, reported: \"{reported_h}h\", precision: {precision}, measure: {measure}{}),",
            q(&name),
            if g.p(0.3) { ", source: \"a report\"" } else { "" }
        );
    }
    out.push_str("    ],\n)");
    out
}

/// Loads a milestones file and, where it loads, checks it with one run:
/// each result's band in order, its median the time measured in that run
/// (within the sketch's 1%), and a table with nothing unprintable.
pub fn exercise_milestones(path: &Path) -> Broken {
    let mut broken = Vec::new();
    let Ok(mut file) = milestones::load(path) else { return broken };
    file.runs = 1;
    let Ok((scenario, results)) = milestones::check(path, &file) else { return broken };
    if results.len() != file.milestones.len() {
        broken.push(format!("{} milestones, {} results", file.milestones.len(), results.len()));
    }
    let report = Simulation::new(&scenario, file.disaster.as_deref())
        .and_then(|mut sim| sim.run(&RunOptions::default().seed(file.seed).run(0)));
    for r in &results {
        let m = &r.milestone;
        if !(r.p5 <= r.p10 && r.p10 <= r.median && r.median <= r.p90 && r.p90 <= r.p95) {
            broken
                .push(format!("'{}': band out of order: {} {} {} {} {}", m.name, r.p5, r.p10, r.median, r.p90, r.p95));
        }
        if let Ok(report) = &report
            && let Ok(t) = m.measure.measure(&scenario, report)
        {
            let want = t.map_or(report.horizon, SimTime::since_start).as_millis() as f64;
            let got = r.median.as_millis() as f64;
            if (got - want).abs() > 0.011 * want + 1.0 {
                broken.push(format!("'{}': the median of one run is {got} ms; that run measures {want} ms", m.name));
            }
            if (r.not_reached == 1) != t.is_none() {
                broken.push(format!("'{}': not reached {} times, measured {t:?}", m.name, r.not_reached));
            }
        }
    }
    let table = milestones::to_table(&scenario, &file, &results);
    if let Some(c) = table.chars().find(|&c| c != '\n' && outage::scenario::is_unprintable(c)) {
        broken.push(format!("the table holds {:?}", c));
    }
    // A title, a header, a line per milestone and a closing line.
    if table.lines().count() != results.len() + 3 {
        broken.push(format!("the table has {} lines for {} milestones", table.lines().count(), results.len()));
    }
    broken
}

// ---------------------------------------------------------------------
// Study summaries

/// Replaces every integer literal of 20 digits or more (past what u64 and
/// `serde_json::Value` hold exactly) with a string placeholder.
pub fn protect_big_integers(text: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut big = Vec::new();
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() >= 20 {
            out.push_str(&format!("\"__big{}__\"", big.len()));
            big.push(std::mem::take(&mut digits));
        } else {
            out.push_str(&std::mem::take(&mut digits));
        }
        out.push(c);
    }
    out.pop();
    (out, big)
}

/// Puts back what [`protect_big_integers`] took out.
pub fn restore_big_integers(text: &str, big: &[String]) -> String {
    let mut out = text.to_owned();
    for (i, digits) in big.iter().enumerate() {
        out = out.replace(&format!("\"__big{i}__\""), digits);
    }
    out
}

/// One study cut into shards: each shard's summary, and the whole study's.
#[derive(Clone, Debug)]
pub struct Shards {
    pub parts: Vec<String>,
    pub whole: String,
}

/// The shards of a small study of `scenario`: `count` shards of `runs`
/// runs, with thresholds.
pub fn shards(scenario: &Scenario, runs: u64, count: u64, seed: u64) -> Shards {
    use outage::objective::{Amount, Metric};
    let study = || {
        Study::new(scenario)
            .runs(runs)
            .seed(seed)
            .threads(1)
            .threshold(Metric::Downtime, Amount::Duration(SimDuration::from_hours(1)))
            .threshold(Metric::Availability, Amount::Number(0.99))
    };
    let parts = (0..count).map(|i| study().shard(i, count).summarise().expect("a shard runs").to_json()).collect();
    Shards { parts, whole: study().summarise().expect("the study runs").to_json() }
}

/// Strings a doctored summary may carry where a name goes.
const HOSTILE_NAMES: [&str; 8] =
    ["web\nweb  0s  0s", "=HYPERLINK(\"x\")", "+1", "@x", "a\u{202e}b", "\u{1b}[31m", "", "-cmd"];

/// One edit of a summary's JSON: a number, a string, a list or a field
/// changed at a random place.
pub fn doctor(g: &mut G, text: &str) -> String {
    let (text, big) = protect_big_integers(text);
    let Ok(mut v) = serde_json::from_str::<Value>(&text) else { return text };
    // Every place, as a pointer.
    fn places(v: &Value, at: String, out: &mut Vec<String>) {
        out.push(at.clone());
        match v {
            Value::Object(o) => o.iter().for_each(|(k, x)| places(x, format!("{at}/{k}"), out)),
            Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| places(x, format!("{at}/{i}"), out)),
            _ => {}
        }
    }
    for _ in 0..g.n(1, 3) {
        let mut all = Vec::new();
        places(&v, String::new(), &mut all);
        let at = g.pick(&all).clone();
        let Some(node) = v.pointer_mut(&at) else { continue };
        match node {
            Value::Number(_) => {
                *node = match g.u(8) {
                    0 => Value::from(0),
                    1 => Value::from(-1),
                    2 => Value::from(u64::MAX),
                    3 => Value::from(1u64 << 53),
                    4 => serde_json::json!(0.5),
                    5 => serde_json::json!(1e300),
                    6 => Value::from(node.as_u64().unwrap_or(0).wrapping_add(1)),
                    _ => Value::from(node.as_u64().unwrap_or(1).saturating_sub(1)),
                }
            }
            Value::String(s) => {
                *s = if g.p(0.6) { (*g.pick(&HOSTILE_NAMES)).to_owned() } else { format!("{s}x") };
            }
            Value::Array(a) if !a.is_empty() => match g.u(4) {
                0 => {
                    a.remove(g.u(a.len()));
                }
                1 => {
                    let x = a[g.u(a.len())].clone();
                    a.push(x);
                }
                2 => a.reverse(),
                _ => a.clear(),
            },
            Value::Object(o) if !o.is_empty() => {
                let keys: Vec<String> = o.keys().cloned().collect();
                if g.p(0.5) {
                    o.remove(g.pick(&keys));
                } else {
                    o.insert("extra".into(), Value::from(1));
                }
            }
            _ => *node = Value::Null,
        }
    }
    restore_big_integers(&v.to_string(), &big)
}

/// What a summary surface case holds: the summaries to merge, and whether
/// they are one study's shards, untouched and complete.
#[derive(Clone, Debug)]
pub struct SummaryCase {
    pub texts: Vec<String>,
    /// The unsharded study, when `texts` are all its shards in some order.
    pub whole: Option<String>,
    /// Shards of different studies, untouched: they must not merge.
    pub mixed: bool,
}

pub fn gen_summaries(g: &mut G, studies: &[Shards]) -> SummaryCase {
    let a = g.u(studies.len());
    let mut texts = studies[a].parts.clone();
    // Any order.
    for i in (1..texts.len()).rev() {
        texts.swap(i, g.u(i + 1));
    }
    match g.u(8) {
        0 => SummaryCase { texts, whole: Some(studies[a].whole.clone()), mixed: false },
        1 if studies.len() > 1 => {
            let b = (a + 1 + g.u(studies.len() - 1)) % studies.len();
            let k = g.u(texts.len() + 1);
            texts.insert(k, g.pick(&studies[b].parts).clone());
            SummaryCase { texts, whole: None, mixed: true }
        }
        2 => {
            let k = g.u(texts.len());
            texts[k] = mutate(&texts[k], &mut g.0);
            SummaryCase { texts, whole: None, mixed: false }
        }
        3 => {
            let extra = g.pick(&studies[a].parts).clone();
            texts.push(extra);
            SummaryCase { texts, whole: None, mixed: false }
        }
        _ => {
            let k = g.u(texts.len());
            texts[k] = doctor(g, &texts[k]);
            SummaryCase { texts, whole: None, mixed: false }
        }
    }
}

/// Reads and merges summaries: shards of one study merge into exactly the
/// whole study, shards of different studies do not merge, and what merges
/// reports with no name that could forge a line or a CSV formula.
pub fn exercise_summaries(case: &SummaryCase) -> Broken {
    let mut broken = Vec::new();
    let mut parts = Vec::new();
    for t in &case.texts {
        match StudySummary::from_json(t) {
            Ok(s) => parts.push(s),
            Err(e) => {
                if case.whole.is_some() || case.mixed {
                    broken.push(format!("a shard written by a study is refused: {e}"));
                }
                return broken;
            }
        }
    }
    let merged = StudySummary::merge(&parts);
    match (&merged, &case.whole) {
        (Ok(m), Some(whole)) => {
            if m.to_json() != *whole {
                broken.push("the shards merge into something else than the whole study".into());
            }
            // One at a time, the same.
            let mut acc = parts[0].clone();
            for p in &parts[1..] {
                if let Err(e) = acc.absorb(p) {
                    broken.push(format!("absorbing the shards one by one fails: {e}"));
                }
            }
            if acc.to_json() != m.to_json() {
                broken.push("absorbing the shards one by one differs from merging them".into());
            }
            if !m.is_complete() {
                broken.push("all the shards merge into an incomplete study".into());
            }
        }
        (Err(e), Some(_)) => broken.push(format!("the shards of one study do not merge: {e}")),
        (Ok(_), None) if case.mixed => broken.push("shards of different studies merge".into()),
        _ => {}
    }
    if let Ok(m) = &merged {
        // What merging writes reads back as the same.
        match StudySummary::from_json(&m.to_json()) {
            Ok(again) if again.to_json() == m.to_json() => {}
            Ok(_) => broken.push("a merged summary reads back as another".into()),
            Err(e) => broken.push(format!("a merged summary does not read back: {e}")),
        }
        let report = m.report(0.95);
        let _ = report.to_json();
        for metric in outage::objective::Metric::ALL {
            let table = report.to_table(metric);
            if let Some(c) = table.chars().find(|&c| c != '\n' && outage::scenario::is_unprintable(c)) {
                broken.push(format!("the merged table holds {c:?}"));
                break;
            }
        }
        let csv = report.to_csv();
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv.as_bytes());
        for record in reader.records() {
            let Ok(record) = record else {
                broken.push("the merged CSV does not read back".into());
                break;
            };
            if let Some(cell) = record.iter().find(|c| formula(c)) {
                broken.push(format!("the merged CSV has a cell a spreadsheet would run: {cell:?}"));
                break;
            }
        }
    }
    broken
}

/// Whether a spreadsheet would read a CSV cell as a formula.
pub fn formula(cell: &str) -> bool {
    match cell.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        // A signed number is a number to a spreadsheet, not a formula (the
        // writer keeps them, for signed changes); anything else is guarded.
        Some('+' | '-') => !cell.parse::<f64>().is_ok_and(f64::is_finite),
        _ => false,
    }
}

// ---------------------------------------------------------------------
// Command lines

/// The files a command line may name, in a folder of their own: a valid
/// scenario (`s.ron`), a broken one (`bad.ron`), a milestones file for `s.ron`,
/// two shards of a study of it and a doctored one, an existing file.
pub struct CliFiles {
    pub dir: PathBuf,
    pub names: Names,
}

impl CliFiles {
    /// Writes the files for a scenario `text` (valid) with these names.
    pub fn new(dir: PathBuf, g: &mut G, text: &str, names: Names) -> CliFiles {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        let write = |name: &str, body: &str| std::fs::write(dir.join(name), body).expect("a scratch file");
        write("s.ron", text);
        write("bad.ron", &mutate(text, &mut g.0));
        write("m.milestones.ron", &gen_milestones(g, "s.ron", &names, &names.disasters));
        write("exists.txt", "already here\n");
        if let Ok(scenario) = Scenario::from_ron_str(text) {
            let s = shards(&scenario, 4, 2, 1);
            write("a.json", &s.parts[0]);
            write("b.json", &s.parts[1]);
            write("c.json", &doctor(g, &s.parts[1]));
        }
        CliFiles { dir, names }
    }
}

/// A command line of the `outage` tool: a subcommand with flags and values,
/// mostly meaningful and small (a few runs), sometimes out of range, then
/// sometimes mangled (an argument dropped, repeated, swapped, or junk).
pub fn gen_cli(g: &mut G, f: &CliFiles) -> Vec<String> {
    let n = &f.names;
    let pick = |g: &mut G, xs: &[&str]| (*g.pick(xs)).to_owned();
    let scenario = |g: &mut G| pick(g, &["s.ron", "s.ron", "s.ron", "bad.ron", "missing.ron", ".", "m.milestones.ron"]);
    let small =
        |g: &mut G| pick(g, &["1", "2", "3", "0", "18446744073709551615", "18446744073709551616", "-1", "x", "99999"]);
    let seed = |g: &mut G| pick(g, &["0", "1", "7", "18446744073709551615", "-1", "1e3"]);
    let disaster =
        |g: &mut G| if g.p(0.85) { g.pick(&n.disasters).clone() } else { pick(g, &["nope", "", "\u{202e}x"]) };
    let service = |g: &mut G| if g.p(0.85) { g.pick(&n.services).clone() } else { "nope".to_owned() };
    let variant =
        |g: &mut G| if !n.variants.is_empty() && g.p(0.8) { g.pick(&n.variants).clone() } else { "nope".into() };
    let metric = |g: &mut G| {
        pick(g, &["downtime", "degraded", "availability", "user_hours_lost", "partial_recovery", "data_loss", "nope"])
    };
    let out_file = |g: &mut G, ext: &str| match g.u(6) {
        0 => "exists.txt".to_owned(),
        1 => "no-such-folder/x".to_owned(),
        2 => ".".to_owned(),
        _ => format!("out-{}.{ext}", g.n(0, 9)),
    };
    let patch = |g: &mut G| {
        if g.p(0.7) {
            name_patch(g, n)
        } else {
            pick(g, &["x=1", "=", "services..users=1", "services.nope.users=1", "horizon=\"-1h\"", "pools+=(", "a-=b"])
        }
    };
    let sweep_values = |g: &mut G| {
        let p = g.u(n.pools.len());
        match g.u(4) {
            0 => format!("pools.{}.servers={},{}", n.pools[p], n.pool_servers[p], n.pool_servers[p] + 5),
            1 => format!("services.{}.users=0,10,1000", g.pick(&n.services)),
            2 => "horizon=\"1d\",\"2d\"".to_owned(),
            _ => pick(g, &["x=1,2", "pools=1", "a=", "services.nope.users=1,2"]),
        }
    };
    let runs = |g: &mut G| if g.p(0.85) { g.n(1, 4).to_string() } else { small(g) };
    let mut args: Vec<String> = Vec::new();
    let flag = |args: &mut Vec<String>, name: &str, value: String| {
        args.push(format!("--{name}"));
        args.push(value);
    };
    let sub = *g.pick(&[
        "run",
        "run",
        "validate",
        "mc",
        "check",
        "merge",
        "compare",
        "sweep",
        "sensitivity",
        "report",
        "spof",
        "graph",
        "generate",
        "milestones",
        "help",
        "--version",
        "nope",
    ]);
    args.push(sub.to_owned());
    match sub {
        "run" => {
            args.push(scenario(g));
            for _ in 0..g.n(0, 4) {
                match g.u(9) {
                    0 => flag(&mut args, "seed", seed(g)),
                    1 => flag(&mut args, "run", seed(g)),
                    2 => flag(
                        &mut args,
                        "horizon",
                        pick(g, &["1h", "36h", "0s", "-1h", "3650d", "x", "1e3h", "99999999d"]),
                    ),
                    3 => flag(&mut args, "disaster", disaster(g)),
                    4 => flag(&mut args, "format", pick(g, &["table", "json", "csv", "timeline-csv", "xml"])),
                    5 => args.push("--no-timeline".into()),
                    6 => flag(&mut args, "max-events", small(g)),
                    7 => flag(&mut args, "max-timeline", small(g)),
                    _ => flag(&mut args, "set", patch(g)),
                }
            }
        }
        "validate" | "graph" => {
            args.push(scenario(g));
            if sub == "graph" {
                for _ in 0..g.n(0, 2) {
                    match g.u(3) {
                        0 => flag(&mut args, "set", patch(g)),
                        1 => args.push("--spof".into()),
                        _ => flag(&mut args, "format", pick(g, &["dot", "json", "svg"])),
                    }
                }
            }
        }
        "mc" | "check" => {
            args.push(scenario(g));
            if sub == "mc" {
                flag(&mut args, "runs", runs(g));
            } else {
                flag(&mut args, "min-runs", runs(g));
                flag(&mut args, "max-runs", runs(g));
            }
            for _ in 0..g.n(0, 4) {
                match g.u(11) {
                    0 => flag(&mut args, "seed", seed(g)),
                    1 => flag(&mut args, "threads", pick(g, &["1", "2", "0", "1025", "x"])),
                    2 => flag(&mut args, "disaster", disaster(g)),
                    3 => flag(
                        &mut args,
                        "threshold",
                        pick(
                            g,
                            &[
                                "downtime=30m",
                                "availability=0.99",
                                "user_hours_lost=1e6",
                                "downtime=-1",
                                "x=1",
                                "downtime",
                                "availability=NaN",
                            ],
                        ),
                    ),
                    4 => flag(&mut args, "format", pick(g, &["table", "json", "csv", "junit"])),
                    5 => flag(&mut args, "metric", metric(g)),
                    6 => flag(
                        &mut args,
                        "shard",
                        pick(g, &["1/2", "2/2", "0/2", "3/2", "1/0", "x", "1/18446744073709551615"]),
                    ),
                    7 => flag(&mut args, "summary", out_file(g, "json")),
                    8 => flag(&mut args, "set", patch(g)),
                    9 if sub == "check" => flag(&mut args, "confidence", pick(g, &["0.95", "0.5", "1.0", "2", "NaN"])),
                    9 => flag(&mut args, "keep-runs", out_file(g, "csv")),
                    _ if sub == "check" => flag(&mut args, "junit", out_file(g, "xml")),
                    _ => flag(&mut args, "horizon", pick(g, &["1h", "0s", "-5m", "1d"])),
                }
            }
        }
        "merge" => {
            for _ in 0..g.n(0, 3) {
                args.push(pick(g, &["a.json", "b.json", "c.json", "s.ron", "missing.json", "a.json"]));
            }
            if g.p(0.3) {
                flag(&mut args, "format", pick(g, &["table", "json", "csv", "x"]));
            }
            if g.p(0.3) {
                flag(&mut args, "metric", metric(g));
            }
            if g.p(0.2) {
                flag(&mut args, "summary", out_file(g, "json"));
            }
        }
        "compare" => {
            args.push(scenario(g));
            flag(&mut args, "runs", runs(g));
            for _ in 0..g.n(0, 4) {
                match g.u(8) {
                    0 => flag(&mut args, "variants", variant(g)),
                    1 => flag(&mut args, "against", scenario(g)),
                    2 => flag(&mut args, "set", patch(g)),
                    3 => flag(&mut args, "min-runs", runs(g)),
                    4 => flag(&mut args, "service", service(g)),
                    5 => flag(&mut args, "disaster", disaster(g)),
                    6 => flag(&mut args, "confidence", pick(g, &["0.95", "0.5", "1", "0.99"])),
                    _ => flag(&mut args, "metric", metric(g)),
                }
            }
        }
        "sweep" | "sensitivity" => {
            args.push(scenario(g));
            flag(&mut args, "runs", runs(g));
            let values = sweep_values(g);
            if sub == "sweep" {
                flag(&mut args, "set", values);
            } else {
                let low_high = match values.split_once('=') {
                    Some((p, v)) => format!("{p}={}", v.split(',').take(2).collect::<Vec<_>>().join(",")),
                    None => values,
                };
                flag(&mut args, "vary", low_high);
            }
            for _ in 0..g.n(0, 3) {
                match g.u(5) {
                    0 => flag(&mut args, "metric", metric(g)),
                    1 => flag(&mut args, "svg", out_file(g, "svg")),
                    2 => flag(&mut args, "service", service(g)),
                    3 if sub == "sweep" => flag(&mut args, "disaster", disaster(g)),
                    _ => flag(&mut args, "format", pick(g, &["table", "json", "csv"])),
                }
            }
        }
        "report" => {
            args.push(scenario(g));
            flag(&mut args, "out", pick(g, &["report", "exists.txt", "report/deeper", "."]));
            flag(&mut args, "runs", runs(g));
            for _ in 0..g.n(0, 3) {
                match g.u(5) {
                    0 => flag(&mut args, "disaster", disaster(g)),
                    1 => flag(&mut args, "variants", variant(g)),
                    2 => flag(&mut args, "sweep", sweep_values(g)),
                    3 => flag(&mut args, "vary", sweep_values(g)),
                    _ => flag(&mut args, "format", pick(g, &["table", "json"])),
                }
            }
        }
        "spof" => {
            args.push(scenario(g));
            flag(&mut args, "runs", pick(g, &["1", "2", "0", "x"]));
            for _ in 0..g.n(0, 3) {
                match g.u(5) {
                    0 => flag(&mut args, "during", disaster(g)),
                    1 => args.push("--services".into()),
                    2 => flag(&mut args, "duration", pick(g, &["4h", "0s", "-1h", "1m", "3650d"])),
                    3 => flag(&mut args, "top", pick(g, &["0", "1", "20", "-1"])),
                    _ => flag(&mut args, "format", pick(g, &["table", "json"])),
                }
            }
        }
        "generate" => {
            flag(&mut args, "sites", pick(g, &["1", "2", "0", "10001", "x"]));
            flag(&mut args, "servers", pick(g, &["50", "500", "0", "100000001"]));
            flag(&mut args, "services", pick(g, &["1", "9", "20", "0", "1000001"]));
            if g.p(0.5) {
                flag(&mut args, "seed", seed(g));
            }
        }
        "milestones" => {
            for _ in 0..g.n(0, 2) {
                args.push(pick(g, &["m.milestones.ron", "m.milestones.ron", "s.ron", "missing.ron", "/etc/passwd"]));
            }
        }
        _ => {}
    }
    // Mangling.
    if g.p(0.3) {
        for _ in 0..g.n(1, 2) {
            let k = 1 + g.u(args.len().max(2) - 1).min(args.len().saturating_sub(1));
            match g.u(5) {
                0 if args.len() > 1 => {
                    args.remove(k.min(args.len() - 1));
                }
                1 => {
                    let x = args[k.min(args.len() - 1)].clone();
                    args.push(x);
                }
                2 if args.len() > 2 => {
                    let (i, j) = (k.min(args.len() - 1), 1 + g.u(args.len() - 1));
                    args.swap(i, j);
                }
                _ => {
                    let junk = pick(g, &["--", "-", "--x", "", "\u{202e}", "=", "--runs=-1", "-h", "--help", "--seed"]);
                    args.insert(k.min(args.len()), junk);
                }
            }
        }
    }
    args
}

/// How a command line ended.
#[derive(Debug)]
pub struct CliOutcome {
    pub code: Option<i32>,
    pub stderr: String,
    pub timed_out: bool,
    /// The child's peak resident memory in KiB (Linux), if seen.
    pub peak_kib: Option<u64>,
    pub elapsed: std::time::Duration,
}

/// Runs the binary in `dir` with `args`, killed after `timeout`.
pub fn run_cli(bin: &Path, dir: &Path, args: &[String], timeout: std::time::Duration) -> CliOutcome {
    use std::process::{Command, Stdio};
    let started = std::time::Instant::now();
    let out = std::fs::File::create(dir.join("stdout.txt")).expect("a scratch file");
    let err = std::fs::File::create(dir.join("stderr.txt")).expect("a scratch file");
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env("OUTAGE_MAX_RUNS", "64")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("the binary starts");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = None;
    let mut timed_out = false;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kib = line.split_whitespace().nth(1).and_then(|x| x.parse::<u64>().ok());
            peak_kib = peak_kib.max(kib);
        }
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                timed_out = true;
                break None;
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(2)),
            Err(_) => break None,
        }
    };
    let stderr = String::from_utf8_lossy(&std::fs::read(dir.join("stderr.txt")).unwrap_or_default()).into_owned();
    CliOutcome { code: status.and_then(|s| s.code()), stderr, timed_out, peak_kib, elapsed: started.elapsed() }
}

/// What a command line's ending says: 0, 1 (only `check` and `milestones`:
/// an objective or a milestone not met) or 2 with a message; never a panic
/// (101), a signal, a hang, or a message that writes terminal controls.
pub fn check_cli(args: &[String], o: &CliOutcome) -> Broken {
    let mut broken = Vec::new();
    let sub = args.first().map_or("", String::as_str);
    if o.timed_out {
        broken.push(format!("still running after {:?}", o.elapsed));
        return broken;
    }
    match o.code {
        None => broken.push("ended by a signal".into()),
        Some(101) => broken.push(format!("panicked: {}", o.stderr.lines().next().unwrap_or(""))),
        Some(0) => {}
        Some(1) if matches!(sub, "check" | "milestones") => {}
        Some(2) if o.stderr.trim().is_empty() => broken.push("exit 2 with no message".into()),
        Some(2) => {}
        Some(c) => broken.push(format!("exit code {c}: {}", o.stderr.lines().next().unwrap_or(""))),
    }
    if o.stderr.contains("panicked at") && o.code != Some(101) {
        broken.push(format!("a panic message: {}", o.stderr.lines().next().unwrap_or("")));
    }
    if let Some(c) = o.stderr.chars().find(|&c| c != '\n' && c != '\t' && outage::scenario::is_unprintable(c)) {
        broken.push(format!("the message holds {c:?}"));
    }
    broken
}

// ---------------------------------------------------------------------
// Small inputs that ask for a lot (for the campaign's bounds)

/// A small file that asks for much work or memory: a template of many
/// systems with variants, common causes over many elements, short shifts
/// of a large team, a ring of soft dependencies, hand restarts of many
/// servers under frequent power losses, many shared draws, many broken
/// elements, huge backups, long `waits_for` lists. `size` (1 to 1000)
/// sets how much; the text stays well under 1 MB.
pub fn amplifier(g: &mut G, size: u64) -> String {
    let head = |horizon: &str| {
        format!(
            "Scenario(name: \"amp\", horizon: {horizon:?},\n    sites: [Site(name: \"dc\", rooms: [Room(name: \"elec\", kind: Electrical), Room(name: \"hall\", kind: DataHall, feeds: [\"ups\"])])],\n    power: [Utility(name: \"grid\"{}), Ups(name: \"ups\", room: \"elec\", inputs: [\"grid\"], ride_through: \"0s\")],\n",
            if horizon == "3650d" {
                ", failures: (time_to_failure: Exponential(mean: \"1h\"), time_to_repair: Fixed(\"5m\"))"
            } else {
                ""
            }
        )
    };
    let grid_out =
        "disasters: [Disaster(name: \"d\", hazards: [Outage(target: \"grid\", at: \"1h\", duration: Fixed(\"2h\"))])]";
    match g.u(10) {
        0 => {
            let count = size * g.n(1, 200);
            let variants: Vec<String> = (0..g.n(1, 10))
                .map(|v| format!("Variant(name: \"v{v}\", set: [\"pools.base.servers={}\"])", 10 + v))
                .collect();
            format!(
                "{}    pools: [Pool(name: \"base\", room: \"hall\", servers: 10, boot: Fixed(\"5m\"))],\n    services: [Service(name: \"core\", users: 1, demand: 1, deployments: [(pool: \"base\")])],\n    systems: [Systems(name: \"app\", count: {count}, pools: [Pool(name: \"{{system}}-p\", room: \"hall\", servers: 2, boot: Fixed(\"5m\"), tags: [\"t\"])], services: [Service(name: \"{{system}}\", users: 10, demand: 2, deployments: [(pool: \"{{system}}-p\")], depends_on: [\"core\"])])],\n    variants: [{}],\n    {grid_out},\n)",
                head("1d"),
                variants.join(", ")
            )
        }
        1 => {
            let count = size * g.n(1, 20);
            let causes: Vec<String> = (0..g.n(1, size * 10))
                .map(|k| {
                    format!(
                        "CommonCause(select: (tags: [\"t\"]), at: \"{k}m\", duration: Fixed(\"1h\"), probability: 0.5)"
                    )
                })
                .collect();
            format!(
                "{}    systems: [Systems(name: \"app\", count: {count}, pools: [Pool(name: \"{{system}}-p\", room: \"hall\", servers: 2, boot: Fixed(\"5m\"), tags: [\"t\"])], services: [Service(name: \"{{system}}\", users: 10, demand: 2, deployments: [(pool: \"{{system}}-p\")])])],\n    disasters: [{}],\n)",
                head("1d"),
                (0..g.n(1, 5))
                    .map(|d| format!("Disaster(name: \"d{d}\", hazards: [{}])", causes.join(", ")))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        2 => format!(
            "{}    teams: [Team(name: \"ops\", engineers: {}, shifts: (work: \"{}\", rest: \"{}\", staggered: true))],\n    pools: [Pool(name: \"p\", room: \"hall\", servers: 100, boot: Fixed(\"5m\"), restart: Manual(batch: 1, work: (team: \"ops\", duration: Fixed(\"1m\"))))],\n    services: [Service(name: \"s\", users: 1, demand: 100, deployments: [(pool: \"p\")])],\n    {grid_out},\n)",
            head(g.pick::<&str>(&["1d", "30d", "3650d"])),
            size * 10,
            *g.pick(&["1ms", "1s", "1m", "10m"]),
            *g.pick(&["1ms", "1s", "1m"])
        ),
        3 => {
            let n = size * 5;
            let services: Vec<String> = (0..n)
                .map(|i| {
                    let deployments = if i == 0 { "[(pool: \"a\"), (pool: \"b\")]" } else { "[(pool: \"x\", servers: 0)]" };
                    format!(
                        "Service(name: \"r{i}\", users: 1, demand: 2, deployments: {deployments}, soft_depends_on: [(service: \"r{}\", impact: 1.0)])",
                        (i + 1) % n
                    )
                })
                .collect();
            format!(
                "{}    pools: [Pool(name: \"a\", room: \"hall\", servers: 1, boot: Fixed(\"5m\")), Pool(name: \"b\", room: \"hall\", servers: 1, boot: Fixed(\"5m\")), Pool(name: \"x\", room: \"hall\", servers: {}, boot: Fixed(\"5m\"))],\n    services: [{}],\n    disasters: [Disaster(name: \"d\", hazards: [Outage(target: \"a\", at: \"1h\", duration: Fixed(\"2h\"))])],\n)",
                head("1d"),
                2 * n,
                services.join(",\n        ")
            )
        }
        4 => format!(
            "{}    teams: [Team(name: \"ops\", engineers: 2)],\n    pools: [Pool(name: \"p\", room: \"hall\", servers: {}, boot: Fixed(\"5m\"), restart: Manual(batch: 1, work: (team: \"ops\", duration: Fixed(\"1s\"))))],\n    services: [Service(name: \"s\", users: 1, demand: 1, deployments: [(pool: \"p\")])],\n    {grid_out},\n)",
            head(g.pick::<&str>(&["10d", "3650d"])),
            size * 100
        ),
        5 => {
            let n = size * 20;
            let draws: Vec<String> =
                (0..n).map(|i| format!("Draw(name: \"w{i}\", dist: Uniform(min: \"0s\", max: \"1h\"))")).collect();
            let outages: Vec<String> = (0..n)
                .map(|i| {
                    format!(
                        "Outage(target: \"grid\", at: \"1h\", delay: Shared(\"w{i}\"), duration: Shared(\"w{}\"))",
                        (i * 7) % n
                    )
                })
                .collect();
            format!(
                "{}    pools: [Pool(name: \"p\", room: \"hall\", servers: 1, boot: Fixed(\"5m\"))],\n    services: [Service(name: \"s\", users: 1, demand: 1, deployments: [(pool: \"p\")])],\n    draws: [{}],\n    disasters: [Disaster(name: \"d\", hazards: [{}])],\n)",
                head("1d"),
                draws.join(", "),
                outages.join(", ")
            )
        }
        6 => {
            // Many elements, each with a format or consistency error.
            let n = size * 50;
            let pools: Vec<String> = (0..n)
                .map(|i| match i % 4 {
                    0 => format!("Pool(name: \"p{i}\", room: \"hall\", servers: x, boot: Fixed(\"5m\"))"),
                    1 => format!("Pool(name: \"p{i}\", room: \"nowhere\", servers: 1, boot: Fixed(\"5m\"))"),
                    2 => format!("Pool(name: \"p{i}\", room: \"hall\", servers: 1, boot: Fixed(\"-5m\"))"),
                    _ => "Pool(name: \"p0\", room: \"hall\", servers: 1e400, boot: Fixed(\"5m\"))".to_owned(),
                })
                .collect();
            format!("{}    pools: [{}],\n    {grid_out},\n)", head("1d"), pools.join(",\n        "))
        }
        7 => format!(
            "{}    pools: [Pool(name: \"p\", room: \"hall\", servers: 1, boot: Fixed(\"5m\"))],\n    services: [Service(name: \"s\", users: 1, demand: 1, deployments: [(pool: \"p\")], stateful: true, backup: (age: Fixed(\"1h\"), size_tb: {}, tb_per_hour: {}))],\n    disasters: [Disaster(name: \"d\", hazards: [Fire(room: \"hall\", at: \"0s\", damage_after: Fixed(\"1m\"), extinguished_after: Fixed(\"1h\"), restoration: (inspection: Fixed(\"1h\")))])],\n)",
            head("10d"),
            *g.pick(&["1e308", "1e300", "1.7976931348623157e308", "1e-300", "0.0"]),
            *g.pick(&["0.1", "1e-308", "1e308", "5e-324"])
        ),
        8 => {
            let n = size * 20;
            let pools: Vec<String> = (0..n)
                .map(|i| format!("Pool(name: \"p{i}\", room: \"hall\", servers: 1, boot: Fixed(\"5m\"))"))
                .collect();
            let waits: Vec<String> = (0..n).map(|i| format!("\"p{i}\"")).collect();
            format!(
                "{}    pools: [{}],\n    services: [Service(name: \"s\", users: 1, demand: 1, deployments: [(pool: \"p0\")])],\n    disasters: [Disaster(name: \"d\", hazards: [Fire(room: \"elec\", at: \"0s\", damage_after: Fixed(\"1h\"), power_cut: (scope: Site, after: Fixed(\"1m\")), extinguished_after: Fixed(\"1h\"), restoration: (inspection: Fixed(\"1h\"), stages: [(rooms: [\"hall\"], after: Fixed(\"1m\"), waits_for: [{}])]))])],\n)",
                head("10d"),
                pools.join(", "),
                waits.join(", ")
            )
        }
        _ => {
            // A scenario of many services sharing a deep dependency chain.
            let n = size * 10;
            let services: Vec<String> = (0..n)
                .map(|i| {
                    let dep = if i == 0 { String::new() } else { format!(", depends_on: [\"c{}\"]", i - 1) };
                    format!(
                        "Service(name: \"c{i}\", users: 1, demand: 1, deployments: [(pool: \"p\", servers: 1)]{dep})"
                    )
                })
                .collect();
            format!(
                "{}    pools: [Pool(name: \"p\", room: \"hall\", servers: {n}, boot: Fixed(\"5m\"))],\n    services: [{}],\n    {grid_out},\n)",
                head("1d"),
                services.join(",\n        ")
            )
        }
    }
}

// ---------------------------------------------------------------------
// Surfaces: one input per seed

/// The bundled scenarios, and the milestones files beside them.
pub const BUNDLED: [(&str, &str); 6] = [
    ("minimal.ron", include_str!("../../scenarios/minimal.ron")),
    ("tooling_deadlock.ron", include_str!("../../scenarios/tooling_deadlock.ron")),
    ("utility_disturbance.ron", include_str!("../../scenarios/utility_disturbance.ron")),
    ("hall_battery_fire.ron", include_str!("../../scenarios/hall_battery_fire.ron")),
    ("samsung_sds_gwacheon_2014.ron", include_str!("../../scenarios/samsung_sds_gwacheon_2014.ron")),
    ("kakao_pangyo_2022.ron", include_str!("../../scenarios/kakao_pangyo_2022.ron")),
];
pub const BUNDLED_MILESTONES: [(&str, &str); 2] = [
    ("kakao_pangyo_2022.ron", include_str!("../../scenarios/kakao_pangyo_2022.milestones.ron")),
    ("samsung_sds_gwacheon_2014.ron", include_str!("../../scenarios/samsung_sds_gwacheon_2014.milestones.ron")),
];

/// The names a loaded scenario holds (for generators that name things).
pub fn names_of(scenario: &Scenario) -> Names {
    let model = scenario.model();
    let mut n = Names {
        services: model.services().iter().map(|s| s.name().to_owned()).collect(),
        disasters: scenario.disasters().iter().map(|d| d.name().to_owned()).collect(),
        variants: scenario.variant_names().map(str::to_owned).collect(),
        teams: model.team_names().map(str::to_owned).collect(),
        ..Names::default()
    };
    for c in model.components() {
        if c.kind() == outage::ComponentKind::Pool {
            n.pools.push(c.name().to_owned());
            n.pool_servers.push(model.pool_servers(model.find(c.name()).expect("its own name")));
        }
    }
    n
}

/// An input surface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Surface {
    /// A random valid scenario with the newer features, loaded and run.
    Generated,
    /// Equivalent renderings of one scenario: templates by hand, common
    /// causes as outages, draws in place.
    Twins,
    /// A generated or bundled scenario, mutated.
    Mutant,
    /// A bundled scenario, its variants, run.
    Bundled,
    /// `--set` patches of a generated or bundled scenario.
    Patch,
    /// A milestones file (generated, bundled, mutated), checked with one run.
    Milestones,
    /// Study summaries, honest, mixed or doctored, read and merged.
    Summary,
    /// A command line of the built binary.
    Cli,
    /// A small file that asks for much.
    Amplify,
}

impl Surface {
    pub const ALL: [Surface; 9] = [
        Surface::Generated,
        Surface::Twins,
        Surface::Mutant,
        Surface::Bundled,
        Surface::Patch,
        Surface::Milestones,
        Surface::Summary,
        Surface::Cli,
        Surface::Amplify,
    ];

    /// The campaign's share of each surface, in thousandths.
    pub fn weight(self) -> u64 {
        match self {
            Surface::Generated => 210,
            Surface::Twins => 100,
            Surface::Mutant => 260,
            Surface::Bundled => 10,
            Surface::Patch => 170,
            Surface::Milestones => 80,
            Surface::Summary => 140,
            Surface::Cli => 20,
            Surface::Amplify => 10,
        }
    }

    /// The surface of case `case` of a campaign: drawn by weight, the same
    /// for the same case number.
    pub fn of_case(case: u64) -> Surface {
        let mut x = G::new(case ^ 0x5eed_f00d).n(0, 999);
        for s in Surface::ALL {
            if x < s.weight() {
                return s;
            }
            x -= s.weight();
        }
        Surface::Generated
    }

    pub fn name(self) -> &'static str {
        match self {
            Surface::Generated => "generated",
            Surface::Twins => "twins",
            Surface::Mutant => "mutant",
            Surface::Bundled => "bundled",
            Surface::Patch => "patch",
            Surface::Milestones => "milestones",
            Surface::Summary => "summary",
            Surface::Cli => "cli",
            Surface::Amplify => "amplify",
        }
    }

    pub fn from_name(name: &str) -> Option<Surface> {
        Surface::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One input, ready to be exercised: its files (for saving and size) and
/// what the oracle needs.
pub struct Input {
    pub surface: Surface,
    pub seed: u64,
    pub files: Vec<(String, String)>,
    detail: Detail,
}

enum Detail {
    Text,
    Twins(Box<Plan>),
    Patch(Vec<PatchGen>),
    Milestones,
    Summary(SummaryCase),
    Cli(Vec<String>),
}

/// What a user's `outage validate` and one `outage run` of `text` do: load
/// it (variants included) and run its default disaster once, with the
/// timeline. The campaign's bound on time and memory is on this; the
/// oracles that follow are checks, not a user's cost.
pub fn validate_and_run(text: &str) {
    if let Ok(s) = Scenario::from_ron_str(text)
        && let Ok(mut sim) = Simulation::new(&s, None)
    {
        let _ = sim.run(&RunOptions::default());
    }
}

impl Input {
    /// The scenario file, for a surface whose input is one.
    pub fn scenario_text(&self) -> Option<&str> {
        matches!(self.detail, Detail::Text).then(|| self.files[0].1.as_str())
    }

    /// Bytes of input.
    pub fn size(&self) -> usize {
        self.files.iter().map(|(_, t)| t.len()).sum()
    }

    /// Writes the input's files into `dir` (for replay by hand).
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, text) in &self.files {
            std::fs::write(dir.join(name), text)?;
        }
        std::fs::write(dir.join("CASE.txt"), format!("surface {} seed {}\n", self.surface.name(), self.seed))
    }
}

/// What the surfaces share: sizes, a scratch folder, the binary, the
/// studies whose shards are doctored.
pub struct Ctx {
    pub scale: Scale,
    pub dir: PathBuf,
    pub bin: Option<PathBuf>,
    studies: Option<Vec<Shards>>,
    cli: Option<(u64, CliFiles)>,
    pub cli_timeout: std::time::Duration,
    /// How the last command line ended (its time and memory are its own).
    pub last_cli: Option<CliOutcome>,
}

impl Ctx {
    pub fn new(scale: Scale, dir: PathBuf, bin: Option<PathBuf>) -> Ctx {
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        Ctx {
            scale,
            dir,
            bin,
            studies: None,
            cli: None,
            cli_timeout: std::time::Duration::from_secs(60),
            last_cli: None,
        }
    }

    /// Shards of a few small studies: minimal.ron, the tooling deadlock,
    /// two generated scenarios (built once).
    pub fn studies(&mut self) -> &[Shards] {
        let scale = self.scale;
        self.studies.get_or_insert_with(|| {
            let mut texts: Vec<String> = vec![BUNDLED[0].1.to_owned(), BUNDLED[1].1.to_owned()];
            for seed in [1u64, 2, 3, 4, 5, 6, 7, 8] {
                let mut g = G::new(seed);
                let text = plan(&mut g, Scale::SMALL, seed.is_multiple_of(2), false).render(Render::default());
                if Scenario::from_ron_str(&text).is_ok() {
                    texts.push(text);
                    if texts.len() == 4 {
                        break;
                    }
                }
            }
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let s = Scenario::from_ron_str(t).expect("a valid scenario");
                    shards(&s, scale.study_runs, 1 + i as u64 % 3, i as u64)
                })
                .collect()
        })
    }

    /// The input of `surface` for `seed`.
    pub fn generate(&mut self, surface: Surface, seed: u64) -> Input {
        let mut g = G::new(seed);
        let scale = self.scale;
        let text = |name: &str, t: String| vec![(name.to_owned(), t)];
        let (files, detail) = match surface {
            Surface::Generated => {
                let p = plan(&mut g, scale, seed.is_multiple_of(4), seed.is_multiple_of(3));
                (text("scenario.ron", p.render(Render::default())), Detail::Text)
            }
            Surface::Twins => {
                // Fixed timings for every twin; random ones for templates
                // (random streams are keyed by name, the same either way).
                let det = g.p(0.7);
                let mut p = plan(&mut g, scale, det, seed.is_multiple_of(3));
                // A value at the edge inside a template, the same in each copy.
                if g.p(0.3) {
                    let v = *g.pick(&[
                        "broken_fraction: NaN",
                        "broken_fraction: inf",
                        "broken_fraction: 2.0",
                        "servers: 0",
                        "servers: 18446744073709551615",
                        "repair: Fixed(\"-1h\")",
                    ]);
                    p.template_pool_field(v);
                }
                if g.p(0.2) {
                    let open = ["capacity: inf", "capacity: NaN", "capacity: -inf"];
                    let v = if g.p(0.5) {
                        *g.pick(&open)
                    } else {
                        *g.pick(&["capacity: 2.0", "capacity: 0.0", "capacity: -1.0", "capacity: 0.5", "servers: 0"])
                    };
                    p.template_deployment_field(v);
                }
                (text("scenario.ron", p.render(Render::default())), Detail::Twins(Box::new(p)))
            }
            Surface::Mutant => {
                let base = if g.p(0.6) {
                    plan(&mut g, scale, false, seed.is_multiple_of(3)).render(Render::default())
                } else {
                    let k = if g.p(0.8) { g.u(4) } else { g.u(BUNDLED.len()) };
                    BUNDLED[k].1.to_owned()
                };
                (text("scenario.ron", mutate(&base, &mut g.0)), Detail::Text)
            }
            Surface::Bundled => {
                let k = g.u(BUNDLED.len());
                (text(BUNDLED[k].0, BUNDLED[k].1.to_owned()), Detail::Text)
            }
            Surface::Patch => {
                let (base, templates) = if g.p(0.75) {
                    let exotic = g.p(0.5);
                    let p = plan(&mut g, scale, false, exotic);
                    (p.render(Render::default()), p.names.templates.clone())
                } else {
                    // Mostly the small ones: the Korean replays cost most to load and run.
                    let k = if g.p(0.9) { g.u(4) } else { g.u(BUNDLED.len()) };
                    (BUNDLED[k].1.to_owned(), vec!["core".into(), "dept".into()])
                };
                let patches = match Scenario::from_ron_str(&base) {
                    Ok(s) => {
                        let spec = spec_json(&s);
                        (0..if g.p(0.8) { 1 } else { g.n(2, 4) })
                            .map(|_| gen_patch(&mut g, &spec, &templates))
                            .collect()
                    }
                    Err(_) => Vec::new(),
                };
                let listed = patches.iter().map(|p: &PatchGen| p.text.clone()).collect::<Vec<_>>().join("\n");
                (vec![("scenario.ron".into(), base), ("patches.txt".into(), listed)], Detail::Patch(patches))
            }
            Surface::Milestones => {
                let (scenario, milestones) = if g.p(0.15) {
                    let (name, m) = BUNDLED_MILESTONES[g.u(2)];
                    let s = BUNDLED.iter().find(|b| b.0 == name).expect("bundled").1.to_owned();
                    (s, m.replace(&format!("scenario: {}", q(name)), "scenario: \"s.ron\""))
                } else {
                    let p = plan(&mut g, scale, false, false);
                    let s = p.render(Render::default());
                    let names = Scenario::from_ron_str(&s).map(|x| names_of(&x)).unwrap_or(p.names.clone());
                    let disasters = names.disasters.clone();
                    (s, gen_milestones(&mut g, "s.ron", &names, &disasters))
                };
                let milestones = if g.p(0.3) { mutate(&milestones, &mut g.0) } else { milestones };
                let scenario = if g.p(0.05) { mutate(&scenario, &mut g.0) } else { scenario };
                (vec![("s.ron".into(), scenario), ("m.milestones.ron".into(), milestones)], Detail::Milestones)
            }
            Surface::Summary => {
                let case = gen_summaries(&mut g, self.studies());
                let files = case.texts.iter().enumerate().map(|(i, t)| (format!("shard{i}.json"), t.clone())).collect();
                (files, Detail::Summary(case))
            }
            Surface::Cli => {
                // The files a command line names: from a scenario drawn per
                // 256 cases, so that a case replays alone.
                let batch = seed / 256;
                if self.cli.as_ref().is_none_or(|(b, _)| *b != batch) {
                    let mut fg = G::new(batch ^ 0xc11);
                    let (text, names) = loop {
                        let p = plan(&mut fg, Scale::SMALL, false, false);
                        let t = p.render(Render::default());
                        if let Ok(s) = Scenario::from_ron_str(&t) {
                            break (t, names_of(&s));
                        }
                    };
                    let files = CliFiles::new(self.dir.join("cli"), &mut fg, &text, names);
                    self.cli = Some((batch, files));
                }
                let (_, files) = self.cli.as_ref().expect("just built");
                let args = gen_cli(&mut g, files);
                (text("args.txt", args.join("\n")), Detail::Cli(args))
            }
            Surface::Amplify => {
                let size = if g.p(0.7) { g.n(1, 20) } else { g.n(20, 1000) };
                (text("scenario.ron", amplifier(&mut g, size)), Detail::Text)
            }
        };
        Input { surface, seed, files, detail }
    }

    /// Exercises an input: what it broke.
    pub fn exercise(&mut self, input: &Input) -> Broken {
        let scale = self.scale;
        let seed = input.seed;
        match (&input.detail, input.surface) {
            (Detail::Twins(p), _) => exercise_twins(p, scale, seed),
            (Detail::Patch(patches), _) => {
                let Ok(s) = Scenario::from_ron_str(&input.files[0].1) else { return Vec::new() };
                if patches.is_empty() {
                    return Vec::new();
                }
                exercise_patches(&s, patches, scale, seed)
            }
            (Detail::Milestones, _) => {
                let dir = self.dir.join("milestones");
                let _ = std::fs::create_dir_all(&dir);
                for (name, text) in &input.files {
                    std::fs::write(dir.join(name), text).expect("a scratch file");
                }
                exercise_milestones(&dir.join("m.milestones.ron"))
            }
            (Detail::Summary(case), _) => exercise_summaries(case),
            (Detail::Cli(args), _) => match (&self.bin, &self.cli) {
                (Some(bin), Some((_, files))) => {
                    let o = run_cli(bin, &files.dir, args, self.cli_timeout);
                    let broken = check_cli(args, &o);
                    self.last_cli = Some(o);
                    broken
                }
                _ => Vec::new(),
            },
            (Detail::Text, Surface::Amplify) => exercise_amplified(&input.files[0].1, scale, seed),
            (Detail::Text, _) => exercise_scenario(&input.files[0].1, scale, seed),
        }
    }
}
