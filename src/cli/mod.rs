//! Argument parsing and output. Everything else lives in the library.
//!
//! Exit codes: 0 success; 1 a resilience objective failed (`check`);
//! 2 bad input (a malformed scenario, an unknown disaster, a bad flag).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod study;

use clap::{Parser, Subcommand, ValueEnum};
use outage::{RunOptions, Scenario, SimDuration, Simulation};
use study::TableFormat;

/// Exit code for a resilience objective that is not met.
const EXIT_FAILED: u8 = 1;
/// Exit code for bad input, as clap uses for usage errors.
const EXIT_INPUT: u8 = 2;

#[derive(Parser)]
#[command(name = "outage", version, about = "Simulate data-center disasters and report how long each service is down")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay one disaster once, with a seed, and print per-service downtime.
    Run(RunArgs),
    /// Check a scenario file and report every problem with its line and column.
    Validate {
        /// The scenario file (RON).
        scenario: PathBuf,
    },
    /// Monte Carlo study: many seeded runs of each disaster, summarised per service.
    Mc(study::McArgs),
    /// Check the scenario's resilience objectives: exit 0 if all pass, 1 if any fails.
    Check(study::CheckArgs),
    /// Combine the summaries of a sharded study into its full report.
    Merge(study::MergeArgs),
    /// What-if: the baseline against its variants (or other files, or --set
    /// patches), with common random numbers and paired intervals.
    Compare(study::CompareArgs),
    /// A metric against one or two parameters (`--set PATH=v1,v2,...`).
    Sweep(study::SweepArgs),
    /// A tornado: each parameter at its low and high value, ranked by effect.
    Sensitivity(study::SensitivityArgs),
    /// Write the visual report: one self-contained HTML page of charts.
    Report(study::ReportArgs),
    /// Single points of failure: each element lost alone, ranked by user
    /// impact; with --during, single points of recovery in a disaster.
    Spof(SpofArgs),
    /// Write the model as a Graphviz DOT graph (render with `dot -Tsvg`).
    Graph {
        /// The scenario file (RON).
        scenario: PathBuf,
        /// Patches to apply first (`PATH=VALUE`, repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_patch)]
        set: Vec<outage::scenario::Patch>,
        /// Outline in red every element whose loss alone takes a service
        /// with users down (as `outage spof` finds, 10 runs each).
        #[arg(long)]
        spof: bool,
        /// Output format: Graphviz DOT, or JSON nodes and edges.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Write a generated estate as a scenario file: sites with power chains,
    /// cooling and network, pools, shared platform and product services
    /// with standbys, teams, random failures and two disasters. A start for
    /// modelling your own estate, and a scale test.
    Generate(GenerateArgs),
    /// Score scenarios against reported incident timelines (`*.milestones.ron`):
    /// exit 0 if every milestone is within tolerance, 1 if not.
    Milestones {
        /// Milestones files (RON), each naming its scenario.
        files: Vec<PathBuf>,
    },
}

#[derive(clap::Args)]
struct GenerateArgs {
    /// Sites (buildings), five to a region.
    #[arg(long, default_value_t = 10)]
    sites: u32,
    /// Servers in all, in pools of about 50.
    #[arg(long, default_value_t = 100_000)]
    servers: u64,
    /// Services in all: eight shared platform services, then products.
    #[arg(long, default_value_t = 1_000)]
    services: u32,
    /// Seed for the estate's shape; the same seed gives the same file.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(clap::Args)]
struct SpofArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    /// Single points of recovery instead: during this disaster, spare each
    /// element in turn (nothing harms it) and rank by the user-hours that
    /// saves. Finds what a recovery needs (tooling, a traffic switch) though
    /// its loss alone takes nothing down.
    #[arg(long, value_name = "DISASTER")]
    during: Option<String>,
    /// Try only services, not the buildings, power and servers under them.
    #[arg(long)]
    services: bool,
    /// How long each element is lost (without --during).
    #[arg(long, value_parser = parse_loss_duration, default_value = "4h")]
    duration: outage::SimDuration,
    /// Paired runs per element.
    #[arg(long, default_value_t = 20)]
    runs: u64,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How many elements the table lists.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    format: TableFormat,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    /// Change the scenario first, for a quick what-if: `PATH=VALUE`
    /// (`teams.ops.engineers=12`), `PATH+=VALUE` to append, `PATH-=NAME` to
    /// remove; repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_patch)]
    set: Vec<outage::scenario::Patch>,

    /// Seed for the random streams; the same seed gives the same report.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Run index within a study (replays run K of `outage mc --seed S`).
    #[arg(long, default_value_t = 0)]
    run: u64,
    /// How long to simulate, e.g. "36h" or "10d" (default: the scenario's horizon).
    #[arg(long, value_parser = parse_horizon, allow_hyphen_values = true)]
    horizon: Option<SimDuration>,
    /// Which disaster to replay (default: the scenario's first).
    #[arg(long)]
    disaster: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Leave the service timeline out of the table.
    #[arg(long)]
    no_timeline: bool,
    /// Stop the run after this many events (a guard against absurd
    /// failure rates; raise it for a very long, very busy run).
    #[arg(long, value_name = "N", default_value_t = outage::engine::DEFAULT_MAX_EVENTS)]
    max_events: u64,
    /// Stop the run after this many steps: events, elements looked at again
    /// (one step plus one per input), links followed (a guard against
    /// frequent events that each reach much of the model).
    #[arg(long, value_name = "N", default_value_t = outage::engine::DEFAULT_MAX_STEPS)]
    max_steps: u64,
    /// Stop the run when its timeline passes this many entries (a guard on
    /// memory, about 150 bytes an entry).
    #[arg(long, value_name = "N", default_value_t = outage::engine::DEFAULT_MAX_TIMELINE)]
    max_timeline: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Aligned tables for people.
    Table,
    /// The whole report as JSON (schema in the README).
    Json,
    /// One CSV row per service.
    Csv,
    /// One CSV row per change of state.
    TimelineCsv,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg` draws it).
    Dot,
    /// Nodes and edges as JSON.
    Json,
}

/// Text for a terminal: control characters other than newline and tab,
/// and invisible formatting characters (a right-to-left override, a
/// zero-width space: what [`outage::scenario::is_unprintable`] says names
/// may not hold) written as `\u{1b}`, so that text from a file that no
/// name check covers (a description, a path, a quoted value) cannot send
/// escape sequences to the terminal or reorder what is shown. (JSON and
/// CSV are valid as they are; this is for tables and messages.)
pub(crate) fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if outage::scenario::is_unprintable(c) && c != '\n' && c != '\t' {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn parse_horizon(s: &str) -> Result<SimDuration, String> {
    positive_duration(s, "the horizon")
}

/// A duration longer than zero; `what` names it in the message.
fn positive_duration(s: &str, what: &str) -> Result<SimDuration, String> {
    if s.trim_start().starts_with('-') {
        return Err(format!("{what} must be a positive duration such as \"36h\", not '{s}'"));
    }
    let d: SimDuration = s.parse().map_err(|e: outage::DurationParseError| e.to_string())?;
    if d.is_zero() {
        return Err(format!("{what} must be longer than zero"));
    }
    Ok(d)
}

fn parse_loss_duration(s: &str) -> Result<SimDuration, String> {
    positive_duration(s, "each loss")
}

/// Runs the CLI and returns the process exit code.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version: the tool's own text, to standard output.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // A usage error quotes the arguments given: escaped like every
        // other message (an argument may hold a terminal control).
        Err(e) => {
            eprint!("{}", terminal_safe(&e.render().to_string()));
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let result = match cli.command {
        Command::Run(args) => run(&args),
        Command::Validate { scenario } => validate(&scenario),
        Command::Mc(args) => study::mc(&args),
        Command::Check(args) => study::check(&args),
        Command::Merge(args) => study::merge(&args),
        Command::Compare(args) => study::compare(&args),
        Command::Sweep(args) => study::sweep(&args),
        Command::Report(args) => study::report(&args),
        Command::Sensitivity(args) => study::sensitivity(&args),
        Command::Graph { scenario, set, spof, format } => graph(&scenario, &set, spof, format),
        Command::Spof(args) => spof(&args),
        Command::Milestones { files } => milestones(&files),
        Command::Generate(args) => generate(&args),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Input(msg)) => {
            eprintln!("{}", terminal_safe(&msg));
            ExitCode::from(EXIT_INPUT)
        }
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(e)) => {
            eprintln!("error: cannot write to standard output: {}", terminal_safe(&e.to_string()));
            ExitCode::from(EXIT_INPUT)
        }
    }
}

pub(crate) enum Failure {
    /// Bad input, or a file that cannot be read or written; the message is
    /// ready to print (an io error names the path and what was being done:
    /// see [`write_file`]).
    Input(String),
    /// Writing to standard output failed (the only io error converted
    /// with `?`: every file operation names its path instead).
    Io(io::Error),
}

/// Writes `contents` to a file; the error names the file and the operation.
pub(crate) fn write_file(path: &std::path::Path, contents: &str) -> Result<(), Failure> {
    std::fs::write(path, contents).map_err(|e| Failure::Input(format!("error: cannot write '{}': {e}", path.display())))
}

/// Creates a folder and its parents; the error names the folder and the
/// operation.
pub(crate) fn create_dir(path: &std::path::Path) -> Result<(), Failure> {
    std::fs::create_dir_all(path)
        .map_err(|e| Failure::Input(format!("error: cannot create the folder '{}': {e}", path.display())))
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

fn generate(args: &GenerateArgs) -> Result<ExitCode, Failure> {
    let estate = outage::synthetic::Estate {
        sites: args.sites,
        servers: args.servers,
        services: args.services,
        seed: args.seed,
    };
    let text = estate.to_ron().map_err(|e| Failure::Input(format!("error: {e}")))?;
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Reads and validates a scenario file, or standard input for `-`.
pub(crate) fn load(path: &PathBuf) -> Result<Scenario, Failure> {
    let loaded = if path.as_os_str() == "-" {
        // Read once: a command that loads `-` again (compare with --set or
        // --against -) gets the same text, not an empty stream.
        static STDIN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let bytes = match STDIN.get() {
            Some(bytes) => bytes,
            None => {
                let read = outage::scenario::read_limited_from(io::stdin().lock(), outage::scenario::max_file_bytes())
                    .map_err(|e| Failure::Input(format!("error: cannot read the scenario from standard input: {e}")))?;
                STDIN.get_or_init(|| read)
            }
        };
        Scenario::from_reader(bytes.as_slice(), path)
    } else {
        Scenario::from_path(path)
    };
    loaded.map_err(|e| {
        let n = e.diagnostics().len();
        let summary = match n {
            0 => String::new(),
            1 => format!("\nerror: {}: 1 problem found", path.display()),
            n => format!("\nerror: {}: {n} problems found", path.display()),
        };
        Failure::Input(format!("{e}{summary}"))
    })
}

/// A patch given on the command line.
pub(crate) fn parse_patch(s: &str) -> Result<outage::scenario::Patch, String> {
    s.parse()
}

/// Loads a scenario and applies `--set` patches to it, in order.
pub(crate) fn load_patched(path: &PathBuf, set: &[outage::scenario::Patch]) -> Result<Scenario, Failure> {
    let scenario = load(path)?;
    if set.is_empty() {
        return Ok(scenario);
    }
    scenario.patched(set).map_err(|e| Failure::Input(format!("{}: --set: {e}", path.display())))
}

fn run(args: &RunArgs) -> Result<ExitCode, Failure> {
    let scenario = load_patched(&args.scenario, &args.set)?;
    let mut sim =
        Simulation::new(&scenario, args.disaster.as_deref()).map_err(|e| Failure::Input(format!("error: {e}")))?;
    let mut options = RunOptions::default()
        .seed(args.seed)
        .run(args.run)
        .max_events(args.max_events)
        .max_steps(args.max_steps)
        .max_timeline(args.max_timeline);
    options.horizon = args.horizon;
    // Recorded only where it is printed: JSON and the timeline CSV always,
    // the table unless --no-timeline, the per-service CSV never.
    options.timeline = match args.format {
        Format::Json | Format::TimelineCsv => true,
        Format::Table => !args.no_timeline,
        Format::Csv => false,
    };
    let report = sim.run(&options).map_err(|e| Failure::Input(format!("error: {e}")))?;
    let text = match args.format {
        Format::Table => terminal_safe(&report.to_table(!args.no_timeline)),
        Format::Json => report.to_json(),
        Format::Csv => report.to_csv(),
        Format::TimelineCsv => report.timeline_to_csv(),
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn milestones(files: &[PathBuf]) -> Result<ExitCode, Failure> {
    if files.is_empty() {
        return Err(Failure::Input("give one or more milestones files (*.milestones.ron)".into()));
    }
    let mut out = io::stdout().lock();
    let mut off = 0;
    for (i, path) in files.iter().enumerate() {
        let file = outage::milestones::load(path).map_err(|e| Failure::Input(e.to_string()))?;
        let (scenario, results) =
            outage::milestones::check(path, &file).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
        if i > 0 {
            writeln!(out)?;
        }
        write!(out, "{}", terminal_safe(&outage::milestones::to_table(&scenario, &file, &results)))?;
        off += results.iter().filter(|r| !r.pass).count();
    }
    if off > 0 {
        writeln!(out, "\n{off} milestone(s) out of tolerance")?;
        Ok(ExitCode::FAILURE)
    } else {
        writeln!(out, "\nevery milestone within tolerance")?;
        Ok(ExitCode::SUCCESS)
    }
}

fn spof(args: &SpofArgs) -> Result<ExitCode, Failure> {
    let SpofArgs { scenario: path, during, services, duration, runs, seed, top, format } = args;
    let scenario = load(path)?;
    let mut spof =
        outage::study::Spof::new(&scenario).services_only(*services).duration(*duration).runs(*runs).seed(*seed);
    if let Some(disaster) = during {
        spof = spof.during(disaster.clone());
    }
    let report = spof.run().map_err(|e| Failure::Input(format!("error: {e}")))?;
    let text = match format {
        TableFormat::Json => report.to_json() + "\n",
        TableFormat::Table => terminal_safe(&report.to_table(*top)),
    };
    io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn graph(
    path: &PathBuf,
    set: &[outage::scenario::Patch],
    spof: bool,
    format: GraphFormat,
) -> Result<ExitCode, Failure> {
    let scenario = load_patched(path, set)?;
    let model = scenario.model();
    let mut highlight = Vec::new();
    if spof {
        let report =
            outage::study::Spof::new(&scenario).runs(10).run().map_err(|e| Failure::Input(format!("error: {e}")))?;
        let with_users = |name: &str| model.services().iter().any(|s| s.name() == name && s.users() > 0);
        for row in report.rows.iter().filter(|r| r.services_down.iter().any(|s| with_users(s))) {
            highlight.extend(model.find(&row.element));
        }
    }
    let mut out = io::stdout().lock();
    let text = match format {
        GraphFormat::Dot => outage::report::to_dot(model, scenario.name(), &highlight),
        GraphFormat::Json => outage::report::to_graph_json(model, scenario.name(), &highlight),
    };
    out.write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn validate(path: &PathBuf) -> Result<ExitCode, Failure> {
    let scenario = load(path)?;
    let model = scenario.model();
    let count = |pred: fn(outage::ComponentKind) -> bool| model.components().iter().filter(|c| pred(c.kind())).count();
    // Summed wide: a file's counts may add up past u64.
    let servers: u128 = scenario.spec().pools.iter().map(|p| u128::from(p.servers)).sum();
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{}: ok: scenario '{}': {} sites, {} rooms, {} power components, {} pools ({} servers), {} services, {} disasters",
        path.display(),
        scenario.name(),
        count(|k| k == outage::ComponentKind::Site),
        count(|k| matches!(k, outage::ComponentKind::Room(_))),
        count(outage::ComponentKind::is_power),
        count(|k| k == outage::ComponentKind::Pool),
        servers,
        model.services().len(),
        scenario.disasters().len(),
    )?;
    for d in scenario.disasters() {
        let n = d.hazard_count();
        writeln!(out, "  disaster '{}': {n} {}", d.name(), if n == 1 { "hazard" } else { "hazards" })?;
    }
    for w in scenario.warnings() {
        writeln!(out, "warning: {}", terminal_safe(&w.to_string()))?;
    }
    Ok(ExitCode::SUCCESS)
}
