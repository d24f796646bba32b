//! A scenario as a tree of serde's data model (`serde_content::Value`):
//! what patches and templates act on.
//!
//! The tree keeps what RON text would blur: struct names, enum variants,
//! exact floats (NaN and infinities included) and strings as they are (a
//! quote, a combining accent), so a scenario converted to a tree and back
//! is the same scenario. Fields left to a default that is not written
//! (an empty list, `None`) are absent from the tree, as from a file.
//!
//! [`write`] turns a tree back into RON, with one place (a *hole*) written
//! from other text: how a patch's value is read with the type of its place.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_content::{Data, Value};

/// A tree of serde's data model.
pub(crate) type Tree = Value<'static>;

/// A field's name and value in a tree.
pub(crate) type Field = (Cow<'static, str>, Tree);

/// `value` as a tree.
pub(crate) fn to_tree<T: Serialize>(value: &T) -> Result<Tree, String> {
    serde_content::Serializer::new().human_readable().serialize(value).map_err(|e| e.to_string())
}

/// A value read back from a tree.
pub(crate) fn from_tree<T: DeserializeOwned>(tree: Tree) -> Result<T, String> {
    serde_content::Deserializer::new(tree).human_readable().deserialize().map_err(|e| e.to_string())
}

/// One step into a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// A field of a struct (or of a struct-like enum variant).
    Field(String),
    /// An element of a list (or of a tuple).
    Index(usize),
    /// Into a wrapper: the value in a `Some`, or a newtype variant's or
    /// newtype struct's one value.
    Inner,
}

/// The value a wrapper holds, if `v` is one.
pub(crate) fn inner(v: &Tree) -> Option<&Tree> {
    match v {
        Value::Option(Some(x)) => Some(x),
        Value::Enum(e) => match &e.data {
            Data::NewType { value } => Some(value),
            _ => None,
        },
        Value::Struct(s) => match &s.data {
            Data::NewType { value } => Some(value),
            _ => None,
        },
        _ => None,
    }
}

/// `v` with its wrappers taken off, and how many there were.
pub(crate) fn peel(mut v: &Tree) -> (&Tree, usize) {
    let mut n = 0;
    while let Some(x) = inner(v) {
        v = x;
        n += 1;
    }
    (v, n)
}

/// The fields of a struct or struct-like enum variant.
pub(crate) fn fields(v: &Tree) -> Option<&Vec<Field>> {
    let data = match v {
        Value::Struct(s) => &s.data,
        Value::Enum(e) => &e.data,
        _ => return None,
    };
    match data {
        Data::Struct { fields } => Some(fields),
        _ => None,
    }
}

fn fields_mut(v: &mut Tree) -> Option<&mut Vec<Field>> {
    let data = match v {
        Value::Struct(s) => &mut s.data,
        Value::Enum(e) => &mut e.data,
        _ => return None,
    };
    match data {
        Data::Struct { fields } => Some(fields),
        _ => None,
    }
}

/// The elements of a list, tuple or tuple-like struct or variant.
pub(crate) fn items(v: &Tree) -> Option<&Vec<Tree>> {
    match v {
        Value::Seq(items) | Value::Tuple(items) => Some(items),
        Value::Struct(s) => match &s.data {
            Data::Tuple { values } => Some(values),
            _ => None,
        },
        Value::Enum(e) => match &e.data {
            Data::Tuple { values } => Some(values),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn items_mut(v: &mut Tree) -> Option<&mut Vec<Tree>> {
    match v {
        Value::Seq(items) | Value::Tuple(items) => Some(items),
        Value::Struct(s) => match &mut s.data {
            Data::Tuple { values } => Some(values),
            _ => None,
        },
        Value::Enum(e) => match &mut e.data {
            Data::Tuple { values } => Some(values),
            _ => None,
        },
        _ => None,
    }
}

fn inner_mut(v: &mut Tree) -> Option<&mut Tree> {
    match v {
        Value::Option(Some(x)) => Some(x),
        Value::Enum(e) => match &mut e.data {
            Data::NewType { value } => Some(value),
            _ => None,
        },
        Value::Struct(s) => match &mut s.data {
            Data::NewType { value } => Some(value),
            _ => None,
        },
        _ => None,
    }
}

/// The field `name` of a struct-like value.
pub(crate) fn field<'t>(v: &'t Tree, name: &str) -> Option<&'t Field> {
    fields(v)?.iter().find(|(k, _)| k == name)
}

/// The value at `path`, if there is one.
pub(crate) fn get<'t>(mut v: &'t Tree, path: &[Step]) -> Option<&'t Tree> {
    for step in path {
        v = match step {
            Step::Field(name) => &field(v, name)?.1,
            Step::Index(i) => items(v)?.get(*i)?,
            Step::Inner => inner(v)?,
        };
    }
    Some(v)
}

/// The value at `path`, to change.
pub(crate) fn get_mut<'t>(mut v: &'t mut Tree, path: &[Step]) -> Option<&'t mut Tree> {
    for step in path {
        v = match step {
            Step::Field(name) => &mut fields_mut(v)?.iter_mut().find(|(k, _)| k == name)?.1,
            Step::Index(i) => items_mut(v)?.get_mut(*i)?,
            Step::Inner => inner_mut(v)?,
        };
    }
    Some(v)
}

/// Sets field `entry.0` of the struct-like value at `path` (adding it if
/// absent), or with `None` removes field `name` there. False if there is
/// no struct-like value at `path`.
pub(crate) fn set_field(root: &mut Tree, path: &[Step], name: &str, entry: Option<Field>) -> bool {
    let Some(fields) = get_mut(root, path).and_then(fields_mut) else { return false };
    let at = fields.iter().position(|(k, _)| k == name);
    match (at, entry) {
        (Some(i), Some(entry)) => fields[i] = entry,
        (None, Some(entry)) => fields.push(entry),
        (Some(i), None) => {
            fields.remove(i);
        }
        (None, None) => {}
    }
    true
}

/// The number of values in a tree (every number, string, list, field's
/// value...): the measure of the work validating it costs.
pub(crate) fn weight(v: &Tree) -> usize {
    let children: usize = match v {
        Value::Seq(items) | Value::Tuple(items) => items.iter().map(weight).sum(),
        Value::Map(entries) => entries.iter().map(|(k, v)| weight(k) + weight(v)).sum(),
        Value::Option(Some(x)) => weight(x),
        Value::Struct(s) => data_weight(&s.data),
        Value::Enum(e) => data_weight(&e.data),
        _ => 0,
    };
    1 + children
}

fn data_weight(d: &Data<'static>) -> usize {
    match d {
        Data::Unit => 0,
        Data::NewType { value } => weight(value),
        Data::Tuple { values } => values.iter().map(weight).sum(),
        Data::Struct { fields } => fields.iter().map(|(_, v)| weight(v)).sum(),
    }
}

/// Calls `f` with every string in the tree.
pub(crate) fn each_str(v: &Tree, f: &mut dyn FnMut(&str)) {
    let data = match v {
        Value::String(s) => return f(s),
        Value::Seq(items) | Value::Tuple(items) => return items.iter().for_each(|x| each_str(x, f)),
        Value::Map(entries) => {
            return entries.iter().for_each(|(k, v)| {
                each_str(k, f);
                each_str(v, f);
            });
        }
        Value::Option(Some(x)) => return each_str(x, f),
        Value::Struct(st) => &st.data,
        Value::Enum(e) => &e.data,
        _ => return,
    };
    match data {
        Data::Unit => {}
        Data::NewType { value } => each_str(value, f),
        Data::Tuple { values } => values.iter().for_each(|x| each_str(x, f)),
        Data::Struct { fields } => fields.iter().for_each(|(_, x)| each_str(x, f)),
    }
}

/// Applies `f` to every string in the tree.
pub(crate) fn for_each_string(v: &mut Tree, f: &mut impl FnMut(&mut Cow<'static, str>)) {
    match v {
        Value::String(s) => f(s),
        Value::Seq(items) | Value::Tuple(items) => items.iter_mut().for_each(|x| for_each_string(x, f)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            for_each_string(k, f);
            for_each_string(v, f);
        }),
        Value::Option(Some(x)) => for_each_string(x, f),
        Value::Struct(s) => data_strings(&mut s.data, f),
        Value::Enum(e) => data_strings(&mut e.data, f),
        _ => {}
    }
}

fn data_strings(d: &mut Data<'static>, f: &mut impl FnMut(&mut Cow<'static, str>)) {
    match d {
        Data::Unit => {}
        Data::NewType { value } => for_each_string(value, f),
        Data::Tuple { values } => values.iter_mut().for_each(|x| for_each_string(x, f)),
        Data::Struct { fields } => fields.iter_mut().for_each(|(_, x)| for_each_string(x, f)),
    }
}

/// The tree as RON, read back by the scenario reader's options (implicit
/// `Some`, newtype variants unwrapped), with the value at `hole` written
/// as `text` instead: in place of the value there, or as an added field if
/// the hole's last step is a field its struct does not have.
pub(crate) fn write(tree: &Tree, hole: Option<&[Step]>, text: &str) -> Result<String, String> {
    let mut w = Writer { out: String::new(), text, written: false };
    w.value(tree, hole)?;
    match (hole, w.written) {
        (Some(_), false) => Err("the place to write the value was not found".into()),
        _ => Ok(w.out),
    }
}

struct Writer<'a> {
    out: String,
    text: &'a str,
    /// Whether the hole's text has been written.
    written: bool,
}

/// The rest of the hole's path below `step`, if the hole is below it.
fn below<'h>(hole: Option<&'h [Step]>, step: &Step) -> Option<&'h [Step]> {
    match hole {
        Some([first, rest @ ..]) if first == step => Some(rest),
        _ => None,
    }
}

/// The rest of the hole's path below field `name`, if the hole is below it.
fn below_field<'h>(hole: Option<&'h [Step]>, name: &str) -> Option<&'h [Step]> {
    match hole {
        Some([Step::Field(first), rest @ ..]) if first == name => Some(rest),
        _ => None,
    }
}

impl Writer<'_> {
    fn value(&mut self, v: &Tree, hole: Option<&[Step]>) -> Result<(), String> {
        if hole.is_some_and(<[Step]>::is_empty) {
            // On lines of its own: a `//` comment ends with the value.
            self.out.push('\n');
            self.out.push_str(self.text);
            self.out.push('\n');
            self.written = true;
            return Ok(());
        }
        match v {
            Value::Seq(items) => self.items('[', items, hole, ']'),
            Value::Tuple(items) => self.items('(', items, hole, ')'),
            Value::Map(entries) => {
                self.out.push('{');
                for (k, v) in entries {
                    self.value(k, None)?;
                    self.out.push_str(": ");
                    self.value(v, None)?;
                    self.out.push_str(", ");
                }
                self.out.push('}');
                Ok(())
            }
            // Implicit `Some`, as in scenario files.
            Value::Option(Some(x)) => self.value(x, below(hole, &Step::Inner)),
            Value::Struct(s) => {
                self.out.push_str(&s.name);
                self.data(&s.data, hole, false)
            }
            Value::Enum(e) => {
                self.out.push_str(&e.variant);
                self.data(&e.data, hole, true)
            }
            leaf => {
                let text = ron::to_string(leaf).map_err(|e| e.to_string())?;
                self.out.push_str(&text);
                Ok(())
            }
        }
    }

    fn items(&mut self, open: char, items: &[Tree], hole: Option<&[Step]>, close: char) -> Result<(), String> {
        self.out.push(open);
        for (i, x) in items.iter().enumerate() {
            self.value(x, below(hole, &Step::Index(i)))?;
            self.out.push_str(", ");
        }
        self.out.push(close);
        Ok(())
    }

    fn data(&mut self, data: &Data<'static>, hole: Option<&[Step]>, variant: bool) -> Result<(), String> {
        match data {
            Data::Unit => Ok(()),
            Data::NewType { value } => {
                let hole = below(hole, &Step::Inner);
                self.out.push('(');
                match (variant, value, hole.is_some_and(<[Step]>::is_empty)) {
                    // A variant's struct is written without its own name
                    // and parentheses (ron's unwrapped newtype variants).
                    (true, Value::Struct(s), false) if matches!(s.data, Data::Struct { .. }) => {
                        let Data::Struct { fields } = &s.data else { return Ok(()) };
                        self.fields(fields, hole)?;
                    }
                    _ => self.value(value, hole)?,
                }
                self.out.push(')');
                Ok(())
            }
            Data::Tuple { values } => self.items('(', values, hole, ')'),
            Data::Struct { fields } => {
                self.out.push('(');
                self.fields(fields, hole)?;
                self.out.push(')');
                Ok(())
            }
        }
    }

    fn fields(&mut self, fields: &[Field], hole: Option<&[Step]>) -> Result<(), String> {
        for (k, v) in fields {
            // Field names are Rust identifiers: written as they are.
            let _ = write!(self.out, "{k}: ");
            self.value(v, below_field(hole, k))?;
            self.out.push_str(", ");
        }
        // A field the struct does not have: added.
        if let Some([Step::Field(name)]) = hole
            && !fields.iter().any(|(k, _)| k == name)
        {
            let _ = write!(self.out, "{name}: \n{}\n", self.text);
            self.written = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::patch::options;
    use crate::scenario::spec::ScenarioSpec;

    /// Every kind of value a scenario holds, at least once: each enum
    /// variant, `Option`s set and not, fields left to defaults and written
    /// as defaults, custom (de)serialisers (durations, amounts), and the
    /// numbers and strings text blurs (NaN, infinities, -0.0, the smallest
    /// subnormal, a quote, a combining accent, a newline).
    const EVERYTHING: &str = r#"Scenario(
        name: "every \"kind\" e\u{301}\n", description: "d", horizon: "3d",
        sites: [Site(name: "s", region: "r", owner: "o", tags: ["t"], uplinks: ["wan"], uplinks_needed: 2, rooms: [
            Room(name: "hall", kind: DataHall, adjacent: ["b"], suppression: Gas(success_probability: 0.9, acts_after: "30s"),
                 feeds: ["ups"], feeds_needed: 1, cooling: ["crah"], cooling_needed: 2, thermal_delay: "20m",
                 network: ["net"], network_needed: 1,
                 failures: (time_to_failure: Exponential(mean: "1000h"), time_to_repair: LogNormal(median: "4h", sigma: 0.5)),
                 replacement: Work(lead_time: Weibull(scale: "2d", shape: 1.5), install: (team: "ops", duration: Fixed("8h"))),
                 tags: ["x"]),
            Room(name: "b", kind: Battery, suppression: Water(success_probability: NaN, acts_after: "1m"), replacement: After(Fixed("1d"))),
            Room(name: "c", kind: Electrical, replacement: AtRestoration),
            Room(name: "n", kind: Network), Room(name: "k", kind: Cooling), Room(name: "o", kind: Other),
        ])],
        power: [
            Utility(name: "grid", failures: (time_to_failure: Fixed("1h"), time_to_repair: Triangular(min: "1m", mode: "2m", max: "3m")), tags: ["a"]),
            Generator(name: "gen", room: "c", backs_up: ["grid"], start_probability: -0.0, start_delay: Uniform(min: "1s", max: "2s"), fuel: "1d"),
            Ups(name: "ups", room: "c", inputs: ["grid", "gen"], inputs_needed: 2, ride_through: "0s"),
            Switchboard(name: "sb", room: "c", inputs: ["ups"]),
        ],
        cooling: [Cooling(name: "crah", room: "k", power: ["sb"], power_needed: 1, tags: [])],
        pools: [Pool(name: "p", room: "hall", servers: 18446744073709551615, boot: Shared("permit"), broken_fraction: inf,
                     repair: Fixed("1h"), restart: Manual(batch: 5, work: (duration: Fixed("1m"), requires: ["t"],
                     without_requirements: Slower(Fixed("1h")))), tags: ["z"])],
        services: [
            Service(name: "web", description: "w", users: 5, priority: 1, demand: 4, quorum: 2,
                deployments: [(pool: "p", servers: 2, role: Active, depends_on: ["db"]),
                              (pool: "q", capacity: 5e-324, role: WarmStandby, warmup: Fixed("5m")),
                              (pool: "r", role: HotStandby), (pool: "s", role: ColdStandby), (pool: "t", role: Rebuild)],
                depends_on: ["db"], soft_depends_on: [(service: "cache", impact: 0.3), (service: "x")],
                failover: Automatic(detection: Fixed("1m"), switch: Fixed("2m"), requires: ["dns"],
                                    otherwise: (team: "ops", wait: Fixed("1m"), duration: Fixed("1h"))),
                scale_out: (rate: 1.5, step: 3, team: "ops", requires: ["deploy"]),
                restart: (duration: Fixed("10m")), surge: (factor: 1e308, duration: Fixed("1h")),
                replication: Asynchronous(lag: Fixed("5s")), stateful: true,
                backup: (age: Uniform(min: "0s", max: "1d"), size_tb: -inf, tb_per_hour: 0.1),
                rebuild: (duration: Fixed("1d")), tags: ["svc"]),
            Service(name: "db", users: 0, demand: 1, deployments: [(pool: "p")], failover: Manual(duration: Fixed("1h"))),
            Service(name: "sync", users: 0, demand: 1, deployments: [(pool: "p")], replication: Synchronous),
        ],
        teams: [
            Team(name: "ops", engineers: 3, on_call: 1, arrival: Fixed("30m"),
                 shifts: (work: "12h", rest: "12h", staggered: true), called: At(Fixed("1h")),
                 escalation: (after: Fixed("2h"), engineers: 2)),
            Team(name: "vendor", engineers: 1, called: When(["hall", "web"])),
            Team(name: "first", engineers: 1, called: FirstImpact),
        ],
        recovery: (policy: Explicit(["web", "db"]), bootstraps: [Bootstrap(services: ["web", "db"], work: (duration: Fixed("45m")))]),
        variants: [Variant(name: "v", description: "x", set: ["teams.ops.engineers=12"])],
        systems: [Systems(name: "app", count: 3,
            pools: [Pool(name: "{system}", room: "hall", servers: 4, boot: Fixed("10m"))],
            services: [Service(name: "{system}", users: 1, demand: 4, deployments: [(pool: "{system}", capacity: NaN)])],
            grades: [Grade(count: 1, priority: 1, users: 100), Grade(count: 2)])],
        links: [Link(name: "wan", room: "n", boot: Fixed("5m"), failures: (time_to_failure: Fixed("1d"), time_to_repair: Fixed("1h")), tags: ["isp"]),
                Link(name: "net")],
        draws: [Draw(name: "permit", dist: Uniform(min: "2h", max: "8h"))],
        disasters: [
            Disaster(name: "fire", description: "f", hazards: [
                Fire(room: "b", at: "1h", delay: Uniform(min: "0s", max: "1h"), fuel: LithiumBattery, damage_after: Fixed("5m"),
                     spread: (after: Fixed("10m"), probability: 0.5), power_cut: (scope: Site, after: Fixed("1h")),
                     extinguished_after: Fixed("3h"),
                     restoration: (inspection: Fixed("1h"), stages: [Stage(rooms: ["hall"], after: Fixed("1h"), at: Fixed("2d"), waits_for: ["crah"])], never: ["b"])),
                Fire(room: "c", at: "0s", extinguished_after: Fixed("1h"), power_cut: (scope: BurningRooms, after: Fixed("1m"))),
                Outage(target: "grid", at: "1h", delay: Shared("permit"), duration: Fixed("2h"), probability: 0.25),
                CommonCause(name: "batch", select: (region: "r", sites: ["s"], kinds: [Site, Room, Utility, Generator, Ups, Switchboard, Cooling, Pool, Service, Link], tags: ["a"]),
                            at: "2h", duration: Fixed("1h"), probability: 0.5),
                CommonCause(select: (tags: ["b"]), at: "0s"),
            ]),
            Disaster(name: "site", each_site: (sites: ["s"], at: "1h", duration: Fixed("1d"))),
            Disaster(name: "all", each_site: ()),
        ],
        objectives: [
            Objective(name: "o", service: "web", metric: Downtime, statistic: P95, at_most: "30m", disasters: ["fire"]),
            Objective(service: "*", metric: Availability, statistic: Quantile(0.05), at_least: 0.999),
            Objective(service: "db", metric: UserHoursLost, statistic: ProbabilityAbove(1000.0), at_most: 0.01),
            Objective(service: "db", metric: DataLoss, statistic: Mean),
            Objective(service: "db", metric: Degraded, statistic: P50),
            Objective(service: "db", metric: PartialRecovery, statistic: P90),
            Objective(service: "db", metric: FullRecovery, statistic: P99),
        ],
    )"#;

    fn bundled() -> Vec<(&'static str, ScenarioSpec)> {
        let files = [
            ("everything", EVERYTHING),
            ("minimal", include_str!("../../scenarios/minimal.ron")),
            ("kakao", include_str!("../../scenarios/kakao_pangyo_2022.ron")),
            ("samsung", include_str!("../../scenarios/samsung_sds_gwacheon_2014.ron")),
            ("hall", include_str!("../../scenarios/hall_battery_fire.ron")),
            ("tooling", include_str!("../../scenarios/tooling_deadlock.ron")),
            ("utility", include_str!("../../scenarios/utility_disturbance.ron")),
        ];
        files
            .into_iter()
            .map(|(name, src)| (name, options().from_str(src).unwrap_or_else(|e| panic!("{name}: {e}"))))
            .collect()
    }

    /// Equal, NaN included (and -0.0 told from 0.0).
    fn same(a: &ScenarioSpec, b: &ScenarioSpec) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    #[test]
    fn a_scenario_goes_to_a_tree_and_back_unchanged() {
        for (name, spec) in bundled() {
            let tree = to_tree(&spec).unwrap();
            let back: ScenarioSpec = from_tree(tree.clone()).unwrap();
            assert!(same(&spec, &back), "{name}: tree -> spec");
            // And through the RON the patches read values in.
            let text = write(&tree, None, "").unwrap();
            let reread: ScenarioSpec = options().from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
            assert!(same(&spec, &reread), "{name}: tree -> RON -> spec\n{text}");
        }
        // The kitchen sink really holds what the text blurs.
        let (_, spec) = &bundled()[0];
        assert!(spec.services[0].surge.as_ref().unwrap().factor == 1e308);
        assert!(spec.services[0].backup.as_ref().unwrap().size_tb == f64::NEG_INFINITY);
        assert!(spec.power.iter().any(|p| matches!(p, crate::scenario::spec::PowerSpec::Generator { start_probability, .. } if start_probability.is_sign_negative())));
        assert_eq!(spec.name, "every \"kind\" e\u{301}\n");
    }

    #[test]
    fn the_hole_is_written_in_place_or_added() {
        let spec: ScenarioSpec = options().from_str(include_str!("../../scenarios/minimal.ron")).unwrap();
        let tree = to_tree(&spec).unwrap();
        // pools[0].servers replaced; pools[0].tags (absent) added.
        let at = [Step::Field("pools".into()), Step::Index(0), Step::Field("servers".into())];
        let read: ScenarioSpec = options().from_str(&write(&tree, Some(&at), "77 // a comment").unwrap()).unwrap();
        assert_eq!(read.pools[0].servers, 77);
        let at = [Step::Field("pools".into()), Step::Index(0), Step::Field("tags".into())];
        let read: ScenarioSpec = options().from_str(&write(&tree, Some(&at), r#"["x"]"#).unwrap()).unwrap();
        assert_eq!(read.pools[0].tags, ["x"]);
        assert!(same(&ScenarioSpec { pools: spec.pools.clone(), ..read.clone() }, &spec));
    }

    #[test]
    fn weight_counts_every_value() {
        // Draw(name: "d", dist: Fixed("1h")): the struct, its two fields'
        // values, and the variant's one value: 1 + 1 + (1 + 1) = 4.
        let draw = crate::scenario::spec::DrawSpec {
            name: "d".into(),
            dist: crate::dist::Dist::Fixed(crate::time::SimDuration::from_hours(1)),
        };
        assert_eq!(weight(&to_tree(&draw).unwrap()), 4);
    }
}
