//! Patches: small changes to a scenario, written `PATH=VALUE`, for what-if
//! questions ("what if the ops team had 12 engineers?").
//!
//! A path names a field, step by step: a top-level list (`teams`), an
//! element of it by name (`ops`), then fields (`engineers`), list elements
//! by name or index (`deployments.1`), and so on. The value is RON, as in a
//! scenario file. `PATH+=VALUE` appends to a list, `PATH-=NAME` removes the
//! element of that name (or the string equal to it).
//!
//! ```text
//! teams.ops.engineers=12
//! services.ops-tools.deployments+=(pool: "tools-b", role: HotStandby)
//! services.web.depends_on-=cache
//! sites.main.rooms.hall-a.feeds_needed=2
//! ```
//!
//! A patch is applied to the scenario's description as text, and the result
//! is read and validated like any scenario file, so a patch that names an
//! unknown element, an unknown field or a wrong value is refused with the
//! same messages.

use std::fmt;
use std::str::FromStr;

use ron::extensions::Extensions;

use super::locate::{SourceMap, Target};
use super::spec::ScenarioSpec;

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
    /// The steps of the path.
    pub path: Vec<String>,
    /// What it does.
    pub op: PatchOp,
    /// The value (RON), or for a removal the name.
    pub value: String,
}

impl FromStr for Patch {
    type Err = String;

    fn from_str(s: &str) -> Result<Patch, String> {
        let eq = s.find('=').ok_or_else(|| format!("'{s}': write PATH=VALUE (or PATH+=VALUE, PATH-=NAME)"))?;
        let (path, op) = match &s[..eq] {
            p if p.ends_with('+') => (&p[..p.len() - 1], PatchOp::Append),
            p if p.ends_with('-') => (&p[..p.len() - 1], PatchOp::Remove),
            p => (p, PatchOp::Set),
        };
        let path: Vec<String> = path.trim().split('.').map(|p| p.trim().to_owned()).collect();
        if path.iter().any(String::is_empty) {
            return Err(format!("'{s}': the path has an empty step"));
        }
        let value = s[eq + 1..].trim().to_owned();
        if value.is_empty() {
            return Err(format!("'{s}': give a value after '='"));
        }
        Ok(Patch { path, op, value })
    }
}

impl fmt::Display for Patch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            PatchOp::Set => "=",
            PatchOp::Append => "+=",
            PatchOp::Remove => "-=",
        };
        write!(f, "{}{op}{}", self.path.join("."), self.value)
    }
}

fn options() -> ron::Options {
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES)
}

/// The scenario as RON text, in a form the source map can walk.
pub(crate) fn to_text(spec: &ScenarioSpec) -> Result<String, String> {
    let pretty = ron::ser::PrettyConfig::new().struct_names(true);
    options().to_string_pretty(spec, pretty).map_err(|e| e.to_string())
}

/// Applies `patches` in order to the scenario text; each error names the
/// patch.
pub(crate) fn apply_to_text(mut text: String, patches: &[Patch]) -> Result<String, String> {
    for patch in patches {
        let fail = |message: String| format!("{patch}: {message}");
        let map = SourceMap::new(&text);
        let path: Vec<&str> = patch.path.iter().map(String::as_str).collect();
        let edit = match (patch.op, map.target(&path).map_err(fail)?) {
            (PatchOp::Set, Target::Value { span, .. }) => (span, patch.value.clone()),
            // path is not empty: `target` returns Insert only for its last step
            (PatchOp::Set, Target::Insert(at)) => (at..at, format!("{}: {}, ", path[path.len() - 1], patch.value)),
            (PatchOp::Append, Target::Value { span, list: true }) => {
                // text is ron-checked after every patch: spans lie within it, on char boundaries
                let items = map.list_items(&span);
                let close = span.end - 1;
                let text = if items.is_empty() { patch.value.clone() } else { format!(", {}", patch.value) };
                // Before the `]`, after any trailing comma.
                let before = text_before_close(&map, &span, close);
                (before..before, text)
            }
            (PatchOp::Append, Target::Insert(at)) => (at..at, format!("{}: [{}], ", path[path.len() - 1], patch.value)),
            (PatchOp::Remove, Target::Value { span, list: true }) => {
                let want = patch.value.trim_matches('"');
                let items = map.list_items(&span);
                let Some(k) = items.iter().position(|(_, label)| label.as_deref() == Some(want)) else {
                    let known: Vec<&str> = items.iter().filter_map(|(_, l)| l.as_deref()).collect();
                    return Err(fail(format!("no element '{want}' to remove (elements: {})", known.join(", "))));
                };
                // The element and the comma after it (or before it, if last).
                // k < items.len(): from `position`; item ends are char boundaries of text ron accepted
                let range = match items.get(k + 1) {
                    Some((next, _)) => items[k].0.start..next.start,
                    None if k > 0 => items[k - 1].0.end..items[k].0.end,
                    // The only one: with its trailing comma, if any.
                    None => {
                        let end = items[k].0.end;
                        let rest = &text[end..];
                        let skipped = rest.len() - rest.trim_start().len();
                        let comma = usize::from(rest.trim_start().starts_with(','));
                        items[k].0.start..end + if comma == 1 { skipped + 1 } else { 0 }
                    }
                };
                (range, String::new())
            }
            (PatchOp::Append | PatchOp::Remove, _) => return Err(fail("the path does not name a list".into())),
        };
        text.replace_range(edit.0, &edit.1);
        // Read at once, so that a value that does not read is blamed on
        // its own patch, and the next patch edits well-formed text.
        if let Err(e) = options().from_str::<ScenarioSpec>(&text) {
            return Err(fail(e.code.to_string()));
        }
    }
    Ok(text)
}

/// Where to insert before a list's closing bracket: after the last item
/// (and its trailing comma, if any).
fn text_before_close(map: &SourceMap<'_>, span: &std::ops::Range<usize>, close: usize) -> usize {
    match map.list_items(span).last() {
        Some((last, _)) => last.end,
        None => close,
    }
}

/// Reads scenario text produced by [`to_text`] and patched.
pub(crate) fn from_text(text: &str) -> Result<ScenarioSpec, String> {
    options().from_str(text).map_err(|e| e.to_string())
}
