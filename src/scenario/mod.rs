//! Scenario files: RON in, a validated [`Scenario`] out.
//!
//! Loading goes in three steps, each of which reports *every* problem it
//! finds, with the file, line and column and the element at fault:
//!
//! 1. ron parses the text into a [`ScenarioSpec`]
//!    (syntax errors, unknown fields, wrong types). ron stops at the first;
//!    every other element of the scenario's lists is then read on its own,
//!    so each broken element reports its first error;
//! 2. validation resolves names to components and checks values (unknown or
//!    duplicate names, probabilities outside [0, 1], zero-length durations
//!    where a length is needed, data halls with no power path, power loops);
//! 3. a source map turns the logical path of each problem
//!    (`services[2].depends_on[0]`) into `file:line:col`.
//!
//! Before validation, `systems` templates expand into pools and services
//! (`app-001` ... `app-700`); a problem in an expanded element is located
//! at its template, names the element, and is said once for all the
//! systems that share it.
//!
//! A scenario's `variants` are checked when it loads: each is the scenario
//! as written (templates not expanded) with its [`Patch`]es applied to its
//! values, then expanded and validated; the work all of them may cause is
//! bounded ([`MAX_VARIANT_VALUES`]).
//!
//! Scenario files are untrusted input: loading never panics, and the file
//! size and nesting depth are bounded.

pub mod spec;

mod expand;
mod locate;
mod patch;
mod path;
mod tree;
mod validate;
pub use validate::{
    MAX_ELEMENTS, MAX_EXPANDED_HAZARDS, MAX_EXPANDED_NAMES, MAX_EXPANSION_RATIO, MAX_HORIZON, MAX_SERVERS, MAX_USERS,
    max_elements,
};

use std::fmt;
use std::path::{Path, PathBuf};

pub use expand::{MAX_EXPANDED, MAX_VARIANT_VALUES, max_variant_values};
pub use locate::Position;
pub use patch::{MAX_PATH_STEPS, Patch, PatchOp};
use ron::extensions::Extensions;
// For milestone files and summaries, read as untrusted input as scenarios
// are: the one name check, and positions by logical path.
pub(crate) use locate::SourceMap;
pub(crate) use path::Seg;
pub use validate::is_unprintable;
pub(crate) use validate::name_fault;

use self::spec::ScenarioSpec;
use crate::model::{Disaster, Model};
use crate::objective::Objective;
use crate::time::SimDuration;

/// Scenario and milestone files larger than this are refused before
/// parsing, by default; raise it with `OUTAGE_MAX_FILE_BYTES`.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The file-size limit in force: [`MAX_FILE_BYTES`], or
/// `OUTAGE_MAX_FILE_BYTES`.
pub fn max_file_bytes() -> u64 {
    std::env::var("OUTAGE_MAX_FILE_BYTES").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(MAX_FILE_BYTES)
}

/// Reads a whole file, but never more than `limit` bytes: the size a file
/// reports is not trusted (a device or a pipe reports none and never
/// ends), so reading stops one byte past the limit and says the file is
/// too big.
///
/// # Errors
/// The file cannot be opened or read, or holds more than `limit` bytes
/// ([`std::io::ErrorKind::FileTooLarge`]).
pub fn read_limited(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    read_limited_from(std::fs::File::open(path)?, limit)
}

/// [`read_limited`] from any reader (standard input, a socket).
///
/// # Errors
/// As [`read_limited`].
pub fn read_limited_from(reader: impl std::io::Read, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("the file holds more than {limit} bytes, the most that is read"),
        ));
    }
    Ok(bytes)
}

/// A validated scenario: the model, the disasters to replay and the horizon.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// As validated: templates expanded.
    spec: ScenarioSpec,
    /// The templates as written, and how many pools and services the
    /// scenario writes outside them (the first ones of `spec`): with
    /// `spec`, the scenario as written, which patches act on.
    systems: Vec<spec::SystemsSpec>,
    own: (usize, usize),
    model: Model,
    disasters: Vec<Disaster>,
    /// "No disaster": random failures only, for scenarios without disasters.
    quiet: Disaster,
    objectives: Vec<Objective>,
    warnings: Vec<Diagnostic>,
}

impl Scenario {
    /// Reads, parses and validates a scenario file.
    ///
    /// # Errors
    /// [`ScenarioError::Io`] when the file cannot be read or is too large;
    /// [`ScenarioError::Invalid`] with every problem found otherwise.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let bytes = read_limited(path, max_file_bytes())
            .map_err(|source| ScenarioError::Io { path: path.to_owned(), source })?;
        Self::from_bytes(bytes, path)
    }

    /// Reads a scenario from `reader` (standard input, say), with the same
    /// size limit as a file; `origin` names it in messages.
    ///
    /// # Errors
    /// As [`Scenario::from_path`].
    pub fn from_reader(reader: impl std::io::Read, origin: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = origin.as_ref();
        let bytes = read_limited_from(reader, max_file_bytes())
            .map_err(|source| ScenarioError::Io { path: path.to_owned(), source })?;
        Self::from_bytes(bytes, path)
    }

    fn from_bytes(bytes: Vec<u8>, path: &Path) -> Result<Scenario, ScenarioError> {
        let src = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = String::from_utf8_lossy(valid);
            let position = position_of_end(&text);
            ScenarioError::Invalid(vec![Diagnostic {
                file: Some(path.to_owned()),
                position: Some(position),
                path: None,
                message: "the file is not valid UTF-8 text".into(),
            }])
        })?;
        Self::from_ron_str_at(&src, Some(path))
    }

    /// Parses and validates scenario text; `origin` names the file in
    /// messages.
    ///
    /// # Errors
    /// [`ScenarioError::Invalid`] with every problem found.
    ///
    /// # Examples
    /// ```
    /// let err = outage::Scenario::from_ron_str("Scenario(name: \"x\", sites: [], services: [])")
    ///     .unwrap_err();
    /// // Every problem is reported, each with its line and column.
    /// assert_eq!(err.to_string(), "1:28: the scenario has no sites\n1:42: the scenario has no services");
    /// ```
    pub fn from_ron_str(src: &str) -> Result<Scenario, ScenarioError> {
        Self::from_ron_str_at(src, None)
    }

    fn from_ron_str_at(src: &str, origin: Option<&Path>) -> Result<Scenario, ScenarioError> {
        // Editors' habits that are not the author's meaning: a byte-order
        // mark (invisible, so columns are counted without it), and old Mac
        // line endings (a lone CR ends a line: without this, a `//` comment
        // on the first line would run to the end of the file). A CR becomes
        // an LF byte for byte, so positions are unchanged.
        let src = src.strip_prefix('\u{feff}').unwrap_or(src);
        let normalized;
        let src = if src.contains('\r') {
            normalized = lone_cr_to_lf(src);
            normalized.as_str()
        } else {
            src
        };
        let options = ron::Options::default()
            .with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES);
        // The source map costs memory in proportion to the file: built only
        // when there is something to locate.
        let map = std::cell::OnceCell::new();
        let map = || map.get_or_init(|| locate::SourceMap::new(src));
        let spec: ScenarioSpec = match options.from_str(src) {
            Ok(spec) => spec,
            Err(e) => {
                let map = map();
                let mut diagnostics = vec![describe_ron_error(map, src, &e, origin)];
                diagnostics.extend(element_errors(map, src, &options, &e, origin));
                diagnostics.sort_by_key(|d| d.position);
                diagnostics.dedup();
                return Err(ScenarioError::Invalid(diagnostics));
            }
        };
        Self::build(spec, |path| (origin.map(Path::to_owned), map().locate(path)))
    }

    /// Validates a scenario built in code. Problems carry the logical path
    /// of the element at fault instead of a file position.
    ///
    /// # Errors
    /// [`ScenarioError::Invalid`] with every problem found.
    pub fn from_spec(spec: ScenarioSpec) -> Result<Scenario, ScenarioError> {
        Self::build(spec, |_| (None, None))
    }

    fn build(
        spec: ScenarioSpec,
        locate: impl Fn(&[path::Seg]) -> (Option<PathBuf>, Option<Position>),
    ) -> Result<Scenario, ScenarioError> {
        let (spec, origins, systems) = match expand::expand(spec) {
            Ok(x) => x,
            Err(problems) => {
                return Err(ScenarioError::Invalid(Self::diagnose(problems, &expand::Origins::default(), &locate)));
            }
        };
        let scenario = match validate::validate(&spec) {
            Ok(v) => Scenario {
                own: origins.own(),
                spec,
                systems,
                model: v.model,
                disasters: v.disasters,
                quiet: Disaster::quiet(),
                objectives: v.objectives,
                warnings: Self::diagnose(v.warnings, &origins, &locate),
            },
            Err(problems) => return Err(ScenarioError::Invalid(Self::diagnose(problems, &origins, &locate))),
        };
        if scenario.spec.variants.is_empty() {
            return Ok(scenario);
        }
        // Every variant must make a valid scenario too: checked now, and
        // reported at the patch at fault (or at the variant). Each is the
        // scenario as written, patched, expanded and validated; what they
        // cost in all is bounded.
        let base = scenario.source().map_err(invalid)?;
        let mut budget = Budget { left: max_variant_values() };
        let mut problems = Vec::new();
        let mut names = std::collections::HashSet::new();
        for (i, variant) in scenario.spec.variants.iter().enumerate() {
            let vp = path::SpecPath::at("variants", i);
            if let Some(fault) = validate::name_fault(&variant.name) {
                problems.push(validate::Problem {
                    path: vp.field("name"),
                    message: format!("a variant {fault}"),
                    related: None,
                });
            } else if !names.insert(variant.name.as_str()) {
                problems.push(validate::Problem {
                    path: vp.field("name"),
                    message: format!("duplicate variant name '{}'", variant.name),
                    related: None,
                });
            }
            match check_variant(&base, variant, Some(&mut budget)) {
                Ok(_) => {}
                Err(VariantError::Patch(j, message)) => problems.push(validate::Problem {
                    path: vp.field("set").index(j),
                    message: format!("variant '{}': {message}", variant.name),
                    related: None,
                }),
                Err(VariantError::Invalid(message)) => problems.push(validate::Problem {
                    path: vp,
                    message: format!("variant '{}': {message}", variant.name),
                    related: None,
                }),
                Err(VariantError::Budget(message)) => {
                    problems.push(validate::Problem { path: vp, message, related: None });
                    break;
                }
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::Invalid(Self::diagnose(problems, &origins, &locate)));
        }
        Ok(scenario)
    }

    /// The scenario as written (templates not expanded), without its
    /// variants, as a tree for patches to act on.
    fn source(&self) -> Result<tree::Tree, String> {
        let s = &self.spec;
        let (own_pools, own_services) = self.own;
        // Every field by name: a new field cannot be forgotten here.
        let source = ScenarioSpec {
            name: s.name.clone(),
            description: s.description.clone(),
            horizon: s.horizon,
            sites: s.sites.clone(),
            power: s.power.clone(),
            cooling: s.cooling.clone(),
            pools: s.pools[..own_pools.min(s.pools.len())].to_vec(),
            services: s.services[..own_services.min(s.services.len())].to_vec(),
            teams: s.teams.clone(),
            recovery: s.recovery.clone(),
            variants: Vec::new(),
            systems: self.systems.clone(),
            links: s.links.clone(),
            draws: s.draws.clone(),
            disasters: s.disasters.clone(),
            objectives: s.objectives.clone(),
        };
        tree::to_tree(&source)
    }

    /// This scenario with `patches` applied in order (what `--set` does).
    /// Patches act on the scenario as written, templates not yet expanded
    /// (see [`Patch`]); the result has no variants.
    ///
    /// # Errors
    /// [`ScenarioError::Invalid`] naming the patch at fault: an unknown
    /// element or field, a value that does not read, or a scenario that is
    /// no longer valid.
    ///
    /// # Examples
    /// ```
    /// let base = outage::Scenario::from_path("scenarios/minimal.ron")?;
    /// let bigger = base.patched(&["pools.web-servers.servers=80".parse()?])?;
    /// assert_eq!(bigger.spec().pools[0].servers, 80);
    /// assert!(base.patched(&["pools.web-server.servers=80".parse()?]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn patched(&self, patches: &[Patch]) -> Result<Scenario, ScenarioError> {
        let mut tree = self.source().map_err(invalid)?;
        for p in patches {
            patch::apply(&mut tree, p).map_err(invalid)?;
        }
        let spec: ScenarioSpec =
            tree::from_tree(tree).map_err(|e| invalid(format!("the patched scenario does not read: {e}")))?;
        Scenario::from_spec(spec)
    }

    /// The variant of this name, built (its patches applied to this scenario).
    ///
    /// # Errors
    /// An unknown name (the message lists the variants).
    pub fn variant(&self, name: &str) -> Result<Scenario, ScenarioError> {
        let Some(v) = self.spec.variants.iter().find(|v| v.name == name) else {
            let known: Vec<&str> = self.spec.variants.iter().map(|v| v.name.as_str()).collect();
            return Err(invalid(format!("no variant '{name}' (variants: {})", known.join(", "))));
        };
        let base = self.source().map_err(invalid)?;
        check_variant(&base, v, None).map_err(|e| invalid(format!("variant '{name}': {}", e.message())))
    }

    /// The names of the scenario's variants, in file order.
    pub fn variant_names(&self) -> impl Iterator<Item = &str> {
        self.spec.variants.iter().map(|v| v.name.as_str())
    }

    /// Problems and warnings alike get their file position (an expanded
    /// element's is its template's), in file order; the same problem in
    /// many systems of one template is said once, with how many. Each
    /// distinct path is located once (a template's error, repeated for
    /// every system, is looked up once), and repeats are found by hashing:
    /// the cost grows with the problems, not with problems x file.
    fn diagnose(
        problems: Vec<validate::Problem>,
        origins: &expand::Origins,
        locate: &impl Fn(&[path::Seg]) -> (Option<PathBuf>, Option<Position>),
    ) -> Vec<Diagnostic> {
        use std::collections::HashMap;
        type Located = (Option<PathBuf>, Option<Position>);
        let mut located: HashMap<String, Located> = HashMap::new();
        let mut locate_once = |path: &path::SpecPath| -> (String, Located) {
            let key = path.to_string();
            let at = located.entry(key.clone()).or_insert_with(|| locate(&path.0)).clone();
            (key, at)
        };
        let mut diagnostics: Vec<Diagnostic> = Vec::with_capacity(problems.len());
        let mut repeats: Vec<usize> = Vec::new();
        let mut seen: HashMap<(String, Option<Position>), usize> = HashMap::new();
        for p in problems {
            let (path, (file, position)) = locate_once(&origins.map(&p.path));
            let mut message = p.message;
            if let Some(related) = &p.related {
                let (_, (_, at)) = locate_once(&origins.map(related));
                match at {
                    Some(at) => {
                        message.push_str(&format!(" (first defined at line {}, column {})", at.line, at.column))
                    }
                    None => message.push_str(&format!(" (first defined at {related})")),
                }
            }
            if path.starts_with("systems[") {
                match seen.entry((path.clone(), position)) {
                    std::collections::hash_map::Entry::Occupied(k) => {
                        repeats[*k.get()] += 1;
                        continue;
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(diagnostics.len());
                    }
                }
            }
            diagnostics.push(Diagnostic { file, position, path: Some(path), message });
            repeats.push(0);
        }
        for (d, n) in diagnostics.iter_mut().zip(repeats) {
            if n > 0 {
                d.message.push_str(&format!(" (and the same in {n} more systems of this template)"));
            }
        }
        diagnostics.sort_by_key(|d| d.position);
        diagnostics
    }

    /// What is legal but probably not what the author meant, each with
    /// where it is: a hard-dependency cycle that no bootstrap can start once
    /// all its services are down. `outage validate` prints them.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// What the scenario represents.
    pub fn description(&self) -> &str {
        &self.spec.description
    }

    /// How long a run lasts unless told otherwise.
    pub fn horizon(&self) -> SimDuration {
        self.spec.horizon
    }

    /// The dependency model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The disasters, in file order.
    pub fn disasters(&self) -> &[Disaster] {
        &self.disasters
    }

    /// Looks a disaster up by name.
    pub fn disaster(&self, name: &str) -> Option<&Disaster> {
        self.disasters.iter().find(|d| d.name() == name)
    }

    /// The disasters a name selects: the one with that name, or every
    /// disaster expanded from the site-loss template of that name.
    pub fn disasters_named(&self, name: &str) -> Vec<&Disaster> {
        self.disasters.iter().filter(|d| d.is_named(name)).collect()
    }

    /// The resilience objectives, in file order.
    pub fn objectives(&self) -> &[Objective] {
        &self.objectives
    }

    /// The disaster replayed when none is named: the first one, or, for a
    /// scenario without disasters, "none" (random failures only).
    pub fn default_disaster(&self) -> &Disaster {
        self.disasters.first().unwrap_or(&self.quiet)
    }

    /// The description this scenario was built from.
    pub fn spec(&self) -> &ScenarioSpec {
        &self.spec
    }
}

/// An error without a position.
fn invalid(message: String) -> ScenarioError {
    ScenarioError::Invalid(vec![Diagnostic { file: None, position: None, path: None, message }])
}

/// What the variants of one file may still cost, in values validated.
struct Budget {
    left: usize,
}

/// Why a variant is not a valid scenario.
enum VariantError {
    /// Its patch of this index is at fault.
    Patch(usize, String),
    /// The patched scenario is not valid.
    Invalid(String),
    /// The file's variants cost more than [`max_variant_values`].
    Budget(String),
}

impl VariantError {
    fn message(self) -> String {
        match self {
            VariantError::Patch(_, m) | VariantError::Invalid(m) | VariantError::Budget(m) => m,
        }
    }
}

/// Builds a variant from `base`, the scenario as written: its patches
/// applied to a copy, then expanded and validated; with a budget, what that
/// costs (the values of the scenario expanded) is taken from it first.
fn check_variant(
    base: &tree::Tree,
    variant: &spec::VariantSpec,
    budget: Option<&mut Budget>,
) -> Result<Scenario, VariantError> {
    let mut patches = Vec::with_capacity(variant.set.len());
    for (j, s) in variant.set.iter().enumerate() {
        patches.push(s.parse::<Patch>().map_err(|e| VariantError::Patch(j, e))?);
    }
    let mut budget = budget;
    let mut cost = 0usize;
    let mut spend = |work: usize| {
        cost = cost.saturating_add(work);
        match budget.as_deref_mut() {
            Some(b) if work > b.left => Err(VariantError::Budget(format!(
                "variant '{}': the file's variants would make validate more than the {} values allowed (each is \
                 the whole scenario, patched, templates expanded, validated when the file loads; this one is at \
                 least {cost} values, and {} were left); use fewer variants, or set OUTAGE_MAX_VARIANT_VALUES to \
                 raise the limit",
                variant.name,
                max_variant_values(),
                b.left + cost - work,
            ))),
            Some(b) => {
                b.left -= work;
                Ok(())
            }
            None => Ok(()),
        }
    };
    let mut tree = base.clone();
    for (j, p) in patches.iter().enumerate() {
        spend(patch::apply(&mut tree, p).map_err(|e| VariantError::Patch(j, e))?)?;
    }
    spend(expand::expanded_weight(&tree))?;
    let spec: ScenarioSpec =
        tree::from_tree(tree).map_err(|e| VariantError::Invalid(format!("the patched scenario does not read: {e}")))?;
    Scenario::from_spec(spec).map_err(|e| {
        let all: Vec<String> = e.diagnostics().iter().take(3).map(ToString::to_string).collect();
        VariantError::Invalid(format!("the patched scenario is invalid: {}", all.join("; ")))
    })
}

/// One problem in a scenario, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, when the scenario came from one.
    pub file: Option<PathBuf>,
    /// Line and column, when the scenario came from text.
    pub position: Option<Position>,
    /// The logical path of the element at fault (`services[2].depends_on[0]`),
    /// for problems found after parsing.
    pub path: Option<String>,
    /// What is wrong, naming the element at fault.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: message`, leaving out what is unknown; a scenario
    /// built in code shows the logical path instead of a position.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:", file.display())?;
        }
        match (&self.position, &self.path) {
            (Some(p), _) => write!(f, "{}:{}: ", p.line, p.column)?,
            (None, Some(path)) => write!(f, "{path}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario '{}': {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The scenario has one or more problems; all of them are listed.
    #[error("{}", display_all(.0))]
    Invalid(Vec<Diagnostic>),
}

impl ScenarioError {
    /// Every problem found (empty for [`ScenarioError::Io`]).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ScenarioError::Invalid(d) => d,
            ScenarioError::Io { .. } => &[],
        }
    }
}

fn display_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

fn position_of_end(text: &str) -> Position {
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    Position { line: text.matches('\n').count() + 1, column: text[line_start..].chars().count() + 1 }
}

/// Turns ron's error into a diagnostic that names the element at fault:
/// ron knows where it stopped but not which pool or service it was reading.
fn describe_ron_error(
    map: &locate::SourceMap<'_>,
    src: &str,
    e: &ron::error::SpannedError,
    origin: Option<&Path>,
) -> Diagnostic {
    let ron_position = Position { line: e.span.start.line, column: e.span.start.col };
    // ron may stop on the whitespace before the value it could not read.
    let mut offset = map.offset(ron_position);
    // offset <= src.len(), on a char boundary: `offset` counts whole lines and characters
    offset += src[offset..].len() - src[offset..].trim_start().len();
    let enclosing = map.enclosing(offset);
    let mut message = e.code.to_string().replace("`Power`", "power component").replace("`Hazard`", "hazard");
    if let Some(first) = message.get(..1) {
        message = first.to_lowercase() + &message[1..];
    }
    // Errors raised after a value was read (a bad duration, a missing field)
    // point past it; point at the value instead.
    let position = match (&e.code, enclosing.value_start) {
        (ron::Error::Message(_) | ron::Error::MissingStructField { .. }, Some(start)) => start,
        _ => map.position(offset),
    };
    let prefix = match (enclosing.element, enclosing.path.is_empty()) {
        (Some(el), false) => format!("{el} at {}: ", enclosing.path),
        (Some(el), true) => format!("{el}: "),
        (None, false) => format!("at {}: ", enclosing.path),
        (None, true) => String::new(),
    };
    Diagnostic { file: origin.map(Path::to_owned), position: Some(position), path: None, message: prefix + &message }
}

/// After ron stopped at `first`, the format errors of every other element
/// of the scenario's lists (each site, power component, pool, service,
/// team, disaster, objective, link, draw, systems template), each read on
/// its own: so that one stray
/// comma does not hide a wrong type three pools further down. Errors that
/// only say the text ended early are left out, as a sign that the element
/// was cut where the document's structure is broken.
fn element_errors(
    map: &locate::SourceMap<'_>,
    src: &str,
    options: &ron::Options,
    first: &ron::error::SpannedError,
    origin: Option<&Path>,
) -> Vec<Diagnostic> {
    use self::spec::*;
    fn read<T: serde::de::DeserializeOwned>(options: &ron::Options, text: &str) -> Option<ron::error::SpannedError> {
        options.from_str::<T>(text).err()
    }
    let stopped = map.offset(Position { line: first.span.start.line, column: first.span.start.col });
    let mut out = Vec::new();
    for (field, range) in map.root_list_items() {
        if range.start <= stopped && stopped <= range.end {
            continue; // the element ron stopped in: already reported
        }
        // The scan works on bytes: an element cut inside a character is skipped.
        let Some(text) = src.get(range.clone()) else { continue };
        let error = match field {
            "sites" => read::<SiteSpec>(options, text),
            "power" => read::<PowerSpec>(options, text),
            "cooling" => read::<CoolingSpec>(options, text),
            "pools" => read::<PoolSpec>(options, text),
            "services" => read::<ServiceSpec>(options, text),
            "teams" => read::<TeamSpec>(options, text),
            "disasters" => read::<DisasterSpec>(options, text),
            "objectives" => read::<ObjectiveSpec>(options, text),
            "links" => read::<LinkSpec>(options, text),
            "draws" => read::<DrawSpec>(options, text),
            "systems" => read::<SystemsSpec>(options, text),
            _ => None,
        };
        let Some(mut e) = error else { continue };
        if matches!(e.code, ron::Error::Eof) {
            continue;
        }
        // From the element's text to the whole file.
        let base = map.position(range.start);
        let shift = |p: ron::error::Position| match p.line {
            1 => ron::error::Position { line: base.line, col: base.column + p.col - 1 },
            _ => ron::error::Position { line: base.line + p.line - 1, col: p.col },
        };
        e.span.start = shift(e.span.start);
        e.span.end = shift(e.span.end);
        out.push(describe_ron_error(map, src, &e, origin));
    }
    out
}

/// The text with every CR that is not followed by an LF made an LF (CRLF
/// is left alone: ron reads it).
fn lone_cr_to_lf(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(if c == '\r' && chars.peek() != Some(&'\n') { '\n' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::path::{Seg, SpecPath};
    use super::*;

    #[test]
    fn a_path_is_located_once_however_many_problems_share_it() {
        // 10,000 problems at two paths (a template's error, once per
        // system): two look-ups, one diagnostic each.
        let problems: Vec<validate::Problem> = (0..10_000)
            .map(|i| validate::Problem {
                path: SpecPath(vec![
                    Seg::Field("systems"),
                    Seg::Index(0),
                    Seg::Field(if i % 2 == 0 { "a" } else { "b" }),
                ]),
                message: format!("problem {i}"),
                related: None,
            })
            .collect();
        let calls = std::cell::Cell::new(0);
        let locate = |path: &[Seg]| {
            calls.set(calls.get() + 1);
            (None, Some(Position { line: path.len(), column: calls.get() }))
        };
        let diagnostics = Scenario::diagnose(problems, &expand::Origins::default(), &locate);
        assert_eq!(calls.get(), 2);
        assert_eq!(diagnostics.len(), 2);
        assert_eq!(diagnostics[0].message, "problem 0 (and the same in 4999 more systems of this template)");
    }
}
