//! Patches: small changes to a scenario, written `PATH=VALUE`, for what-if
//! questions ("what if the ops team had 12 engineers?").
//!
//! ```text
//! teams.ops.engineers=12
//! services.ops-tools.deployments+=(pool: "tools-b", role: HotStandby)
//! services.web.depends_on-=cache
//! sites.main.rooms.hall-a.feeds_needed=2
//! recovery.policy=ByUsers
//! systems.app.count=500
//! ```
//!
//! A patch acts on the scenario as written, templates (`systems`) not yet
//! expanded, and on values, never on text:
//!
//! - The path names one place, step by step: a field of the scenario
//!   (`teams`), an element of a list by its name (`ops`), then fields
//!   (`engineers`), elements (`deployments.1`), and so on. An element is
//!   named by its `name`, or, if it has none, by its first field when that
//!   is text (a deployment by its `pool`, a soft dependency by its
//!   `service`, a fire by its `room`); a list of text by the text itself;
//!   any element by its index (a name comes first: an element may be
//!   called `1`). A name is compared as it is, whatever the file's
//!   escapes; a step holding a `.` or an `=` is quoted as a RON string
//!   (`services."api.v2".users=10`). A `Some`, a failover's `Automatic(..)`
//!   or a hazard's `Fire(..)` is stepped through, as in the file.
//! - `PATH=VALUE`: the value there becomes VALUE, read as exactly one RON
//!   value (anything after it is refused) of the type of that place, as in
//!   a scenario file. A field left to its default can be set, and so can
//!   a field inside a struct left to its default
//!   (`recovery.policy=ByUsers` in a file that writes no `recovery`):
//!   the struct gets its defaults and that one field.
//! - `PATH+=VALUE` appends one element (read the same way) to the list
//!   there.
//! - `PATH-=NAME` removes the element of that name (or index) from the list
//!   there; NAME may be quoted as a RON string.
//!
//! Nothing else changes: only the value at the path is replaced, added or
//! removed. Patches apply in order, each to the result of the one before;
//! the patched scenario is then expanded and validated like any scenario
//! file. A patch that names nothing is refused with the names that are
//! there; a value that does not read, with ron's reason; each naming the
//! patch. A scenario's own `variants` cannot be patched.

use std::fmt;
use std::str::FromStr;

use ron::extensions::Extensions;
use serde::de::IgnoredAny;
use serde_content::{Data, Value};

use super::spec::ScenarioSpec;
use super::tree::{self, Step, Tree};

/// What a patch does at its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchOp {
    /// `PATH=VALUE`: the value there becomes this one.
    Set,
    /// `PATH+=VALUE`: the list there gains this element.
    Append,
    /// `PATH-=NAME`: the list there loses the element of this name.
    Remove,
}

/// One change to a scenario: `PATH=VALUE`, `PATH+=VALUE` or `PATH-=NAME`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patch {
    /// The steps of the path, unquoted: field names, element names or
    /// indices.
    pub path: Vec<String>,
    /// What it does.
    pub op: PatchOp,
    /// The value (RON), or for a removal the name.
    pub value: String,
}

impl Patch {
    /// Reads a path written `a.b."c.d".e` into its steps.
    ///
    /// # Errors
    /// An empty step, or a quoted step that does not read as a RON string.
    pub fn parse_path(path: &str) -> Result<Vec<String>, String> {
        match split_path(path)? {
            (steps, rest) if rest.trim().is_empty() => Ok(steps),
            (_, rest) => Err(format!("'{path}': unexpected '{}' after the path", rest.trim())),
        }
    }
}

/// The steps of the path at the start of `s`, and the rest of `s` (from
/// the operator on).
fn split_path(s: &str) -> Result<(Vec<String>, &str), String> {
    let mut steps = Vec::new();
    let mut rest = s;
    loop {
        let trimmed = rest.trim_start();
        let step = if trimmed.starts_with('"') {
            let end = quoted_end(trimmed).ok_or_else(|| format!("'{s}': a quoted step has no closing quote"))?;
            let step: String = options()
                .from_str(&trimmed[..end])
                .map_err(|e| format!("'{s}': the quoted step {} does not read: {}", &trimmed[..end], e.code))?;
            rest = trimmed[end..].trim_start();
            step
        } else {
            let end = bare_end(trimmed);
            rest = &trimmed[end..];
            trimmed[..end].trim().to_owned()
        };
        if step.is_empty() {
            return Err(format!("'{s}': the path has an empty step"));
        }
        steps.push(step);
        match rest.strip_prefix('.') {
            Some(after) => rest = after,
            None => return Ok((steps, rest)),
        }
    }
}

/// The end of the RON string at the start of `s` (just past its closing
/// quote).
fn quoted_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The end of an unquoted step: a `.`, or the operator.
fn bare_end(s: &str) -> usize {
    let bytes = s.as_bytes();
    (0..bytes.len())
        .find(|&i| match bytes[i] {
            b'.' | b'=' => true,
            b'+' | b'-' => bytes.get(i + 1) == Some(&b'='),
            _ => false,
        })
        .unwrap_or(s.len())
}

impl FromStr for Patch {
    type Err = String;

    fn from_str(s: &str) -> Result<Patch, String> {
        let usage = || format!("'{s}': write PATH=VALUE (or PATH+=VALUE, PATH-=NAME)");
        if !s.contains('=') {
            return Err(usage());
        }
        let (path, rest) = split_path(s)?;
        let (op, value) = if let Some(v) = rest.strip_prefix("+=") {
            (PatchOp::Append, v)
        } else if let Some(v) = rest.strip_prefix("-=") {
            (PatchOp::Remove, v)
        } else if let Some(v) = rest.strip_prefix('=') {
            (PatchOp::Set, v)
        } else {
            return Err(usage());
        };
        let value = value.trim().to_owned();
        if value.is_empty() {
            return Err(format!("'{s}': give a value after '='"));
        }
        Ok(Patch { path, op, value })
    }
}

impl fmt::Display for Patch {
    /// As written: steps that need it quoted, so that the text reads back
    /// as the same patch.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.path.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            let plain = !step.is_empty()
                && step.trim() == step
                && !step.starts_with('"')
                && !step.ends_with(['+', '-'])
                && !step.contains(['.', '=']);
            match plain {
                true => f.write_str(step)?,
                false => f.write_str(&ron::to_string(step).map_err(|_| fmt::Error)?)?,
            }
        }
        let op = match self.op {
            PatchOp::Set => "=",
            PatchOp::Append => "+=",
            PatchOp::Remove => "-=",
        };
        write!(f, "{op}{}", self.value)
    }
}

/// The options scenario files are read with.
pub(crate) fn options() -> ron::Options {
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES)
}

/// Applies `patch` to the scenario `tree`; the error names the patch. Returns
/// the work it took: the elements looked at on the way and the values of
/// the element its value was read in.
pub(crate) fn apply(root: &mut Tree, patch: &Patch) -> Result<usize, String> {
    apply_inner(root, patch).map_err(|message| format!("{patch}: {message}"))
}

/// The most steps a patch's path may have (a scenario is never nested
/// half as deep).
pub const MAX_PATH_STEPS: usize = 64;

fn apply_inner(root: &mut Tree, patch: &Patch) -> Result<usize, String> {
    if patch.path.len() > MAX_PATH_STEPS {
        return Err(format!("the path has {} steps; a scenario is at most {MAX_PATH_STEPS} deep", patch.path.len()));
    }
    if patch.path.first().is_some_and(|s| s == "variants") {
        return Err("a scenario's variants cannot be patched (a patched scenario has none)".into());
    }
    let target = resolve(root, &patch.path)?;
    let path = patch.path.join(".");
    match patch.op {
        PatchOp::Set => {
            one_value(&patch.value)?;
            let text = nested(&target.nest, &patch.value);
            let (context, at) = context(root, &target.steps)?;
            let read =
                read(&context, &at, &text).map_err(|e| through_default(&context, &at, &target, &patch.path, e))?;
            graft(root, &target.steps, &read, &at)?;
            Ok(target.scanned + tree::weight(&context))
        }
        PatchOp::Append => {
            one_value(&patch.value)?;
            let list = format!("[\n{}\n]", patch.value);
            let existing = target.nest.is_empty().then(|| tree::get(root, &target.steps)).flatten();
            let Some(node) = existing else {
                // No list there yet: the field is added, holding the value.
                let text = nested(&target.nest, &list);
                let (context, at) = context(root, &target.steps)?;
                let read =
                    read(&context, &at, &text).map_err(|e| through_default(&context, &at, &target, &patch.path, e))?;
                graft(root, &target.steps, &read, &at)?;
                return Ok(target.scanned + tree::weight(&context));
            };
            let (seq, wrappers) = tree::peel(node);
            if tree::items(seq).is_none() {
                return Err("the path does not name a list".into());
            }
            let mut steps = target.steps.clone();
            steps.extend(std::iter::repeat_n(Step::Inner, wrappers));
            let (context, at) = context(root, &steps)?;
            let read = read(&context, &at, &list)?;
            let item = tree::get(&read, &at)
                .and_then(tree::items)
                .and_then(|items| items.first())
                .ok_or("the value does not make an element of the list")?
                .clone();
            tree::get_mut(root, &steps).and_then(tree::items_mut).ok_or("the path does not name a list")?.push(item);
            Ok(target.scanned + tree::weight(&context))
        }
        PatchOp::Remove => {
            let want = name_of(&patch.value)?;
            let existing = target.nest.is_empty().then(|| tree::get(root, &target.steps)).flatten();
            let Some(node) = existing else {
                // A list left empty is not written: say so, unless the
                // field does not exist at all.
                let (context, at) = context(root, &target.steps)?;
                read(&context, &at, &nested(&target.nest, "[]"))
                    .map_err(|e| through_default(&context, &at, &target, &patch.path, e))?;
                return Err(format!("no element '{want}' to remove ('{path}' is empty)"));
            };
            let (seq, wrappers) = tree::peel(node);
            let Some(items) = tree::items(seq) else { return Err("the path does not name a list".into()) };
            let i = match find_item(items, &want) {
                Ok(i) => i,
                Err(Miss::Unknown(known)) => return Err(format!("no element '{want}' to remove ({known})")),
                Err(miss @ Miss::Ambiguous(..)) => return Err(miss.say(&want)),
            };
            let work = target.scanned + items.len();
            let mut steps = target.steps;
            steps.extend(std::iter::repeat_n(Step::Inner, wrappers));
            tree::get_mut(root, &steps).and_then(tree::items_mut).ok_or("the path does not name a list")?.remove(i);
            Ok(work)
        }
    }
}

/// Why a patch through a field the scenario leaves to its default (so
/// written with the patch as nested fields) did not read: the field is an
/// empty list, or not a struct of those fields.
fn through_default(context: &Tree, at: &[Step], target: &Target, path: &[String], error: Unread) -> String {
    let Some(first) = target.nest.first() else { return error.into() };
    if matches!(error, Unread::Ron(ron::Error::NoSuchStructField { .. })) {
        return error.into(); // a struct, without that field: ron names the fields
    }
    let absent = path[..path.len() - target.nest.len()].join(".");
    match read(context, at, "[]") {
        Ok(_) => format!("'{absent}' has no '{first}' (the list is empty)"),
        Err(_) => format!(
            "'{absent}' is left to its default and does not read as ({first}: ...): set it whole ({})",
            String::from(error)
        ),
    }
}

/// The template of `systems` and its element (as written) that make an
/// element of `kind` (`pools` or `services`) named `name`, if one does: an
/// element whose name, with each `{system}` replaced by
/// `<template>-<number>`, is `name`.
fn template_making(root: &Tree, kind: &str, name: &str) -> Option<(String, String)> {
    let string = |v: Option<&tree::Field>| -> Option<String> {
        let mut out = None;
        tree::each_str(&v?.1, &mut |s| out = Some(s.to_owned()));
        out
    };
    let systems = tree::field(tree::peel(root).0, "systems")?;
    let templates = tree::items(tree::peel(&systems.1).0)?;
    templates.iter().find_map(|t| {
        let t = tree::peel(t).0;
        let template = string(tree::field(t, "name"))?;
        let elements = tree::items(tree::peel(&tree::field(t, kind)?.1).0)?;
        elements
            .iter()
            .filter_map(|e| string(tree::field(tree::peel(e).0, "name")))
            .find(|pattern| names_a_system(pattern, &template, name))
            .map(|pattern| (template.clone(), pattern))
    })
}

/// Whether `pattern`, with each `{system}` replaced by the same
/// `<template>-<number>`, is `name`.
fn names_a_system(pattern: &str, template: &str, name: &str) -> bool {
    let Some((before, _)) = pattern.split_once("{system}") else { return false };
    let Some(number) =
        name.strip_prefix(before).and_then(|r| r.strip_prefix(template)).and_then(|r| r.strip_prefix('-'))
    else {
        return false;
    };
    let digits = number.bytes().take_while(u8::is_ascii_digit).count();
    (1..=digits).any(|n| pattern.replace("{system}", &format!("{template}-{}", &number[..n])) == name)
}

/// Where a patch applies: the steps to its place (the last may be a field
/// the tree does not have), and the names of fields below that place when
/// it is a struct left to its defaults (`recovery.policy` in a file without
/// `recovery`).
struct Target {
    steps: Vec<Step>,
    nest: Vec<String>,
    /// Elements of lists looked at on the way.
    scanned: usize,
}

fn resolve(root: &Tree, path: &[String]) -> Result<Target, String> {
    let mut node = root;
    let mut steps = Vec::with_capacity(path.len() + 2);
    let mut scanned = 0usize;
    for (k, name) in path.iter().enumerate() {
        let at = || match k {
            0 => "the scenario".to_owned(),
            _ => format!("'{}'", path[..k].join(".")),
        };
        let (peeled, wrappers) = tree::peel(node);
        let last = k + 1 == path.len();
        if let Some(fields) = tree::fields(peeled) {
            steps.extend(std::iter::repeat_n(Step::Inner, wrappers));
            steps.push(Step::Field(name.clone()));
            match fields.iter().find(|(f, _)| f == name) {
                Some((_, child)) if last || !matches!(child, Value::Option(None)) => node = child,
                _ => {
                    // Not written (a default): it is written with the
                    // patch, and ron says whether the field exists.
                    let nest = path[k + 1..].to_vec();
                    if !is_identifier(name) {
                        let known: Vec<&str> = fields.iter().map(|(f, _)| f.as_ref()).collect();
                        return Err(format!("{} has no field '{name}' (fields: {})", at(), known.join(", ")));
                    }
                    if let Some(bad) = nest.iter().find(|n| !is_identifier(n)) {
                        let absent = path[..=k].join(".");
                        return Err(format!("'{absent}' is left to its default: it holds no '{bad}' to step into"));
                    }
                    return Ok(Target { steps, nest, scanned });
                }
            }
        } else if let Some(items) = tree::items(peeled) {
            steps.extend(std::iter::repeat_n(Step::Inner, wrappers));
            scanned = scanned.saturating_add(items.len());
            let i = match find_item(items, name) {
                Ok(i) => i,
                Err(Miss::Unknown(known)) => {
                    let made_by = (k == 1 && matches!(path[0].as_str(), "pools" | "services"))
                        .then(|| template_making(root, &path[0], name))
                        .flatten();
                    return Err(match made_by {
                        Some((template, element)) => format!(
                            "'{name}' is made by the template '{template}' (systems): a patch changes the file \
                             as written, so patch the template, as in systems.{template}.{}.{element}.<field> \
                             (every system of it)",
                            path[0]
                        ),
                        None => format!("{} has no '{name}' ({known})", at()),
                    });
                }
                Err(miss @ Miss::Ambiguous(..)) => return Err(format!("in {}, {}", at(), miss.say(name))),
            };
            steps.push(Step::Index(i));
            node = &items[i];
        } else {
            return Err(format!("{} holds no fields or elements (it cannot have '{name}')", at()));
        }
    }
    Ok(Target { steps, nest: Vec::new(), scanned })
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `value` inside the fields `nest` names, each a struct of its own:
/// `(policy: ByUsers)` for `recovery.policy=ByUsers`.
fn nested(nest: &[String], value: &str) -> String {
    nest.iter().rev().fold(value.to_owned(), |inner, name| format!("({name}: \n{inner}\n)"))
}

/// Refuses anything but exactly one RON value: `0, depends_on: ["web"]`
/// is not a number.
fn one_value(value: &str) -> Result<(), String> {
    options().from_str::<IgnoredAny>(value).map(|_| ()).map_err(|e| format!("the value is not one RON value ({e})"))
}

/// A removal's name: a RON string, or the text as it is.
fn name_of(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.starts_with('"') || value.starts_with("r#") || value.starts_with("r\"") {
        options().from_str::<String>(value).map_err(|e| format!("the name {value} does not read as a string ({e})"))
    } else {
        Ok(value.to_owned())
    }
}

/// The scenario to read a value in: every field the scenario needs left
/// empty, but the field the patch is in, and in each list on the way only
/// the element on the path; with the hole's path in it. The value is read
/// with the type of its place, at the cost of its ancestors, not of the
/// whole scenario.
fn context(root: &Tree, steps: &[Step]) -> Result<(Tree, Vec<Step>), String> {
    let mut context = tree::to_tree(&ScenarioSpec::default())?;
    let Some((Step::Field(top), below)) = steps.split_first() else { return Err("the path is empty".into()) };
    let mut at = vec![Step::Field(top.clone())];
    if !below.is_empty()
        && let Some((key, value)) = tree::field(root, top)
    {
        let value = narrow(value, below, &mut at);
        tree::set_field(&mut context, &[], top, Some((key.clone(), value)));
    } else {
        at.extend_from_slice(below);
    }
    Ok((context, at))
}

/// A copy of what `path` passes through in `node`: lists cut to the element
/// on the path (its step in `at` becomes 0), other fields as they are, the
/// value at the end left out (the hole's text replaces it).
fn narrow(node: &Tree, path: &[Step], at: &mut Vec<Step>) -> Tree {
    let Some((step, rest)) = path.split_first() else { return Value::Unit };
    match (step, node) {
        (Step::Index(i), Value::Seq(items)) => {
            at.push(Step::Index(0));
            Value::Seq(items.get(*i).map(|x| narrow(x, rest, at)).into_iter().collect())
        }
        (Step::Field(name), Value::Struct(st)) if matches!(st.data, Data::Struct { .. }) => {
            at.push(step.clone());
            let Data::Struct { fields } = &st.data else { return node.clone() };
            let data = narrow_fields(fields, name, rest, at);
            Value::Struct(Box::new(serde_content::Struct { name: st.name.clone(), data }))
        }
        (Step::Field(name), Value::Enum(e)) if matches!(e.data, Data::Struct { .. }) => {
            at.push(step.clone());
            let Data::Struct { fields } = &e.data else { return node.clone() };
            let data = narrow_fields(fields, name, rest, at);
            Value::Enum(Box::new(serde_content::Enum {
                name: e.name.clone(),
                variant_index: e.variant_index,
                variant: e.variant.clone(),
                data,
            }))
        }
        (Step::Inner, Value::Option(Some(x))) => {
            at.push(Step::Inner);
            Value::Option(Some(Box::new(narrow(x, rest, at))))
        }
        (Step::Inner, Value::Enum(e)) if matches!(e.data, Data::NewType { .. }) => {
            at.push(Step::Inner);
            let Data::NewType { value } = &e.data else { return node.clone() };
            Value::Enum(Box::new(serde_content::Enum {
                name: e.name.clone(),
                variant_index: e.variant_index,
                variant: e.variant.clone(),
                data: Data::NewType { value: narrow(value, rest, at) },
            }))
        }
        // Anything else (a tuple, a newtype struct: none in a scenario) is
        // copied whole, the path kept as it is.
        _ => {
            at.extend_from_slice(path);
            node.clone()
        }
    }
}

fn narrow_fields(fields: &[tree::Field], name: &str, rest: &[Step], at: &mut Vec<Step>) -> Data<'static> {
    let fields =
        fields.iter().map(|(k, v)| (k.clone(), if k == name { narrow(v, rest, at) } else { v.clone() })).collect();
    Data::Struct { fields }
}

/// Reads `context` with `text` at `at`, as a scenario file is read, and
/// returns it as a tree.
fn read(context: &Tree, at: &[Step], text: &str) -> Result<Tree, Unread> {
    let src = tree::write(context, Some(at), text).map_err(Unread::Other)?;
    let spec: ScenarioSpec = options().from_str(&src).map_err(|e| Unread::Ron(e.code))?;
    tree::to_tree(&spec).map_err(Unread::Other)
}

/// Why a value did not read.
enum Unread {
    /// ron's reason.
    Ron(ron::Error),
    Other(String),
}

impl From<Unread> for String {
    fn from(e: Unread) -> String {
        match e {
            Unread::Ron(e) => e.to_string(),
            Unread::Other(m) => m,
        }
    }
}

/// Puts the value at `at` in `read` into `root` at `steps` (the same place),
/// and nothing else. A value equal to its default is not written, so it is
/// absent from `read`: then so it is from `root`, at the highest absent
/// field.
fn graft(root: &mut Tree, steps: &[Step], read: &Tree, at: &[Step]) -> Result<(), String> {
    let lost = || "the value read does not fit its place".to_owned();
    let mut node = read;
    for (j, step) in at.iter().enumerate() {
        let last = j + 1 == at.len();
        match step {
            Step::Field(name) => match tree::field(node, name) {
                Some(entry) if last => {
                    return match tree::set_field(root, &steps[..j], name, Some(entry.clone())) {
                        true => Ok(()),
                        false => Err(lost()),
                    };
                }
                Some((_, child)) => node = child,
                None => {
                    return match tree::set_field(root, &steps[..j], name, None) {
                        true => Ok(()),
                        false => Err(lost()),
                    };
                }
            },
            Step::Index(i) => {
                node = tree::items(node).and_then(|items| items.get(*i)).ok_or_else(lost)?;
                if last {
                    *tree::get_mut(root, steps).ok_or_else(lost)? = node.clone();
                    return Ok(());
                }
            }
            Step::Inner => node = tree::inner(node).ok_or_else(lost)?,
        }
    }
    Err(lost())
}

/// Why no element matched a step.
enum Miss {
    /// None has the name: what the list holds, to say so.
    Unknown(String),
    /// Several have it: their indices.
    Ambiguous(usize, usize),
}

impl Miss {
    fn say(&self, name: &str) -> String {
        match self {
            Miss::Unknown(known) => format!("no '{name}' ({known})"),
            Miss::Ambiguous(i, j) => {
                format!("'{name}' names more than one element (indices {i} and {j}): name one by its index")
            }
        }
    }
}

/// The element `name` names: by its name (see [`label`]), or by its index.
fn find_item(items: &[Tree], name: &str) -> Result<usize, Miss> {
    let mut named = items.iter().enumerate().filter(|(_, x)| label(x) == Some(name)).map(|(i, _)| i);
    match (named.next(), named.next()) {
        (Some(i), None) => Ok(i),
        (Some(i), Some(j)) => Err(Miss::Ambiguous(i, j)),
        (None, _) => match name.parse::<usize>() {
            Ok(i) if i < items.len() => Ok(i),
            _ => Err(Miss::Unknown(describe(items))),
        },
    }
}

/// The most element names an error lists.
const MAX_LISTED: usize = 20;

/// What a list holds, for an error: its elements' names.
fn describe(items: &[Tree]) -> String {
    if items.is_empty() {
        return "the list is empty".into();
    }
    let labels: Vec<&str> = items.iter().filter_map(label).collect();
    if labels.is_empty() {
        return format!("its {} elements have no names: give an index below {}", items.len(), items.len());
    }
    let mut out = format!("elements: {}", labels[..labels.len().min(MAX_LISTED)].join(", "));
    if labels.len() > MAX_LISTED {
        out.push_str(&format!(" and {} more", labels.len() - MAX_LISTED));
    }
    if labels.len() < items.len() {
        out.push_str(&format!("; or an index below {}", items.len()));
    }
    out
}

/// An element's name: its `name`; or, without one, its first field if
/// that is text (a deployment's `pool`, a soft dependency's `service`);
/// a unit variant's name; a string itself.
fn label(item: &Tree) -> Option<&str> {
    fn text(v: &Tree) -> Option<&str> {
        match tree::peel(v).0 {
            Value::String(s) => Some(s.as_ref()),
            _ => None,
        }
    }
    let (v, _) = tree::peel(item);
    match v {
        Value::String(s) => Some(s),
        Value::Enum(e) if matches!(e.data, Data::Unit) => Some(&e.variant),
        _ => {
            let fields = tree::fields(v)?;
            match fields.iter().find(|(k, _)| k == "name") {
                Some((_, name)) => text(name),
                None => fields.first().and_then(|(_, first)| text(first)),
            }
        }
    }
}
