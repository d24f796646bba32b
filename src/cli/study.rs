//! `outage mc`, `outage check` and `outage merge`.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use outage::objective::{Amount, Metric};
use outage::study::{Check, DEFAULT_CONFIDENCE, MAX_THREADS, Study, StudySummary, check_confidence};
use outage::{RunReport, SimDuration};

use super::{EXIT_FAILED, Failure, create_dir, load_patched, parse_patch, terminal_safe, write_file};

#[derive(clap::Args)]
pub(crate) struct McArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    /// Change the scenario first, for a quick what-if: `PATH=VALUE`
    /// (`teams.ops.engineers=12`), `PATH+=VALUE` to append, `PATH-=NAME` to
    /// remove; repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_patch)]
    set: Vec<outage::scenario::Patch>,

    /// Runs per disaster.
    #[arg(long, default_value_t = 1000)]
    runs: u64,
    /// Seed of the study; run K is `outage run --seed S --run K`.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads, 1 to 1024 (default: all cores); the result does not depend on it.
    #[arg(long, value_parser = parse_threads)]
    threads: Option<usize>,
    /// Disasters to study (default: all); a site-loss name covers each site.
    #[arg(long)]
    disaster: Vec<String>,
    /// Run length (default: the scenario's horizon).
    #[arg(long, value_parser = super::parse_horizon, allow_hyphen_values = true)]
    horizon: Option<SimDuration>,
    /// Also report P(metric > amount), e.g. `downtime=30m`, `user_hours_lost=1e6`.
    #[arg(long, value_parser = parse_threshold)]
    threshold: Vec<(Metric, Amount)>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StudyFormat::Table)]
    format: StudyFormat,
    /// The metric the table shows (JSON and CSV have them all).
    #[arg(long, value_parser = parse_metric, default_value = "downtime")]
    metric: Metric,
    /// Run only shard I of N (1-based, e.g. `3/16`); use with --summary.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<(u64, u64)>,
    /// Write the mergeable summary (for `outage merge`) to this file.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Write one CSV row per run and service to this file (memory grows with runs).
    #[arg(long)]
    keep_runs: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// The scenario file (RON), with `objectives`.
    scenario: PathBuf,
    /// Change the scenario first, for a quick what-if: `PATH=VALUE`
    /// (`teams.ops.engineers=12`), `PATH+=VALUE` to append, `PATH-=NAME` to
    /// remove; repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_patch)]
    set: Vec<outage::scenario::Patch>,
    /// Confidence of each verdict, allowing for the repeated looks at growing batches.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Runs per disaster in the first batch (then doubling).
    #[arg(long, default_value_t = 100)]
    min_runs: u64,
    /// Run budget per disaster.
    #[arg(long, default_value_t = 10_000)]
    max_runs: u64,
    /// Seed of the runs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads, 1 to 1024 (default: all cores); the verdicts do not depend on it.
    #[arg(long, value_parser = parse_threads)]
    threads: Option<usize>,
    /// Write JUnit XML (one test case per objective) to this file.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Exit 0 when objectives are only undecided (by default they fail the check).
    #[arg(long)]
    allow_undecided: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    format: CheckFormat,
}

#[derive(clap::Args)]
pub(crate) struct MergeArgs {
    /// Summaries written by `outage mc --summary`.
    #[arg(required = true)]
    summaries: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StudyFormat::Table)]
    format: StudyFormat,
    /// The metric the table shows.
    #[arg(long, value_parser = parse_metric, default_value = "downtime")]
    metric: Metric,
    /// Also write the merged summary to this file.
    #[arg(long)]
    summary: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum StudyFormat {
    /// A table per disaster of one metric.
    Table,
    /// Every statistic as JSON (schema in the README).
    Json,
    /// One row per disaster, service, metric and threshold.
    Csv,
}

/// For reports that have no CSV form.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum TableFormat {
    /// A table for people.
    Table,
    /// The whole report as JSON.
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum CheckFormat {
    /// A table of objectives and verdicts.
    Table,
    /// The verdicts as JSON.
    Json,
}

fn parse_metric(s: &str) -> Result<Metric, String> {
    Metric::ALL.into_iter().find(|m| m.as_str() == s).ok_or_else(|| {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.as_str()).collect();
        format!("unknown metric '{s}' (known: {})", names.join(", "))
    })
}

fn parse_threshold(s: &str) -> Result<(Metric, Amount), String> {
    let (metric, amount) = s.split_once('=').ok_or("write a threshold as METRIC=AMOUNT, e.g. downtime=30m")?;
    let metric = parse_metric(metric.trim())?;
    let amount = amount.trim();
    let parsed = if metric.is_duration() {
        Amount::Duration(amount.parse().map_err(|e: outage::DurationParseError| e.to_string())?)
    } else {
        Amount::Number(amount.parse().map_err(|_| format!("'{amount}' is not a number"))?)
    };
    metric.check_amount(&parsed).map_err(|e| format!("'{amount}' is out of range: {e}"))?;
    Ok((metric, parsed))
}

fn parse_threads(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(t) if (1..=MAX_THREADS).contains(&t) => Ok(t),
        _ => Err(format!("give a number of threads from 1 to {MAX_THREADS}")),
    }
}

fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let err = || format!("write a shard as I/N with 1 <= I <= N, e.g. 3/16 (got '{s}')");
    let (i, n) = s.split_once('/').ok_or_else(err)?;
    let (i, n): (u64, u64) = (i.trim().parse().map_err(|_| err())?, n.trim().parse().map_err(|_| err())?);
    if n == 0 || i == 0 || i > n {
        return Err(err());
    }
    Ok((i - 1, n))
}

/// A progress bar on a terminal; nothing under CI or when stderr is redirected.
/// With no known total (sequential checks), a spinner and a count.
fn progress_bar(total: Option<u64>) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return None;
    }
    let template = match total {
        Some(_) => "{bar:40} {pos}/{len} runs  {rate}  ETA {eta}",
        None => "{spinner} {pos} runs  {rate}",
    };
    let style = ProgressStyle::with_template(template)
        .expect("a valid progress template")
        // Whole runs per second: indicatif's {per_sec} prints four decimals.
        .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0} runs/s", s.per_sec());
        });
    let bar = total.map_or_else(ProgressBar::no_length, ProgressBar::new);
    bar.set_style(style);
    Some(bar)
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

pub(crate) fn mc(args: &McArgs) -> Result<ExitCode, Failure> {
    let scenario = load_patched(&args.scenario, &args.set)?;
    let mut study = Study::new(&scenario).runs(args.runs).seed(args.seed);
    for d in &args.disaster {
        study = study.disaster(d.clone());
    }
    if let Some(t) = args.threads {
        study = study.threads(t);
    }
    if let Some(h) = args.horizon {
        study = study.horizon(h);
    }
    for (m, a) in &args.threshold {
        study = study.threshold(*m, *a);
    }
    if let Some((i, n)) = args.shard {
        if args.summary.is_none() {
            return Err(Failure::Input("error: --shard needs --summary FILE, to merge the shards later".into()));
        }
        study = study.shard(i, n);
    }
    let total = study.planned_runs().map_err(|e| Failure::Input(format!("error: {e}")))?;
    let bar = progress_bar(Some(total));
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    };
    study = study.progress(&tick);
    let rows: Mutex<Vec<(String, RunReport)>> = Mutex::new(Vec::new());
    let keep = |d: &str, r: &RunReport| {
        rows.lock().expect("no worker panics holding the lock").push((d.to_owned(), r.clone()))
    };
    if args.keep_runs.is_some() {
        study = study.each_run(&keep);
    }
    let summary = study.summarise().map_err(|e| Failure::Input(format!("error: {e}")))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(path) = &args.keep_runs {
        let mut rows = rows.into_inner().expect("workers are done");
        // Rows arrive in no particular order; the report's order of disasters
        // (site-loss templates expanded) and then run index give it back.
        let order: Vec<&str> = summary.disaster_names().collect();
        rows.sort_by_key(|(d, r)| (order.iter().position(|x| x == d), r.run));
        let csv = outage::report::services_csv(rows.iter().map(|(_, r)| r));
        write_file(path, &csv)?;
    }
    emit(&summary, args.summary.as_ref(), args.format, args.metric)
}

/// Writes the mergeable summary when asked, and prints the report.
fn emit(
    summary: &StudySummary,
    summary_path: Option<&PathBuf>,
    format: StudyFormat,
    metric: Metric,
) -> Result<ExitCode, Failure> {
    if let Some(path) = summary_path {
        write_file(path, &summary.to_json())?;
    }
    let report = summary.report(DEFAULT_CONFIDENCE);
    print(&match format {
        StudyFormat::Table => terminal_safe(&report.to_table(metric)),
        StudyFormat::Json => report.to_json(),
        StudyFormat::Csv => report.to_csv(),
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn merge(args: &MergeArgs) -> Result<ExitCode, Failure> {
    // One shard in memory at a time besides the result, however many.
    let mut merged: Option<StudySummary> = None;
    for path in &args.summaries {
        let part = StudySummary::from_path(path).map_err(|e| Failure::Input(format!("error: {e}")))?;
        match &mut merged {
            // Through `merge`, so that a lone summary's ranges are tidied too.
            None => {
                merged = Some(
                    StudySummary::merge(std::slice::from_ref(&part))
                        .map_err(|e| Failure::Input(format!("error: {}: {e}", path.display())))?,
                );
            }
            Some(m) => m.absorb(&part).map_err(|e| Failure::Input(format!("error: {}: {e}", path.display())))?,
        }
    }
    let merged = merged.ok_or_else(|| Failure::Input("error: no summaries to merge".into()))?;
    if !merged.is_complete() {
        let report = merged.report(DEFAULT_CONFIDENCE);
        return Err(Failure::Input(format!(
            "error: the summaries cover runs {:?} of 0..{}: a shard is missing",
            report.run_ranges, report.runs
        )));
    }
    emit(&merged, args.summary.as_ref(), args.format, args.metric)
}

pub(crate) fn check(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let scenario = load_patched(&args.scenario, &args.set)?;
    if scenario.objectives().is_empty() {
        return Err(Failure::Input(format!(
            "error: {}: the scenario has no objectives to check; add `objectives: [Objective(...)]`",
            args.scenario.display()
        )));
    }
    check_confidence(args.confidence).map_err(|e| Failure::Input(format!("error: --confidence: {e}")))?;
    let mut check = Check::new(&scenario)
        .confidence(args.confidence)
        .min_runs(args.min_runs)
        .max_runs(args.max_runs)
        .seed(args.seed);
    if let Some(t) = args.threads {
        check = check.threads(t);
    }
    let bar = progress_bar(None);
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    };
    check = check.progress(&tick);
    let report = check.run().map_err(|e| Failure::Input(format!("error: {e}")))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(path) = &args.junit {
        write_file(path, &report.to_junit())?;
    }
    print(&match args.format {
        CheckFormat::Table => terminal_safe(&report.to_table()),
        CheckFormat::Json => report.to_json(),
    })?;
    let undecided = report.rows.iter().any(|r| r.verdict == outage::study::Verdict::Undecided);
    Ok(if report.any_fail() || (undecided && !args.allow_undecided) {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(clap::Args)]
pub(crate) struct CompareArgs {
    /// The baseline scenario file (RON).
    scenario: PathBuf,
    /// Variants to compare, by name (default: every variant the scenario declares).
    #[arg(long, value_delimiter = ',')]
    variants: Vec<String>,
    /// Another scenario file to compare with the baseline (repeatable).
    #[arg(long)]
    against: Vec<PathBuf>,
    /// A quick variant: the baseline with these patches (`PATH=VALUE`, repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_patch)]
    set: Vec<outage::scenario::Patch>,
    /// Paired runs per disaster.
    #[arg(long, default_value_t = 1000)]
    runs: u64,
    /// The seed both sides share.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads, 1 to 1024 (default: all cores); the result does not depend on it.
    #[arg(long, value_parser = parse_threads)]
    threads: Option<usize>,
    /// Metrics to compare (repeatable; default: downtime).
    #[arg(long, value_parser = parse_metric)]
    metric: Vec<Metric>,
    /// Stop early: run this many pairs, then double up to --runs, and stop
    /// a variant's disaster once every interval excludes zero.
    #[arg(long, value_name = "N")]
    min_runs: Option<u64>,
    /// Only these services (repeatable; default: every one).
    #[arg(long)]
    service: Vec<String>,
    /// Only these disasters (repeatable; default: every one).
    #[arg(long)]
    disaster: Vec<String>,
    /// Confidence of the intervals, strictly between 0.5 and 1.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StudyFormat::Table)]
    format: StudyFormat,
}

/// `outage compare`: the baseline against each variant, paired.
pub(crate) fn compare(args: &CompareArgs) -> Result<ExitCode, Failure> {
    let baseline = load_patched(&args.scenario, &[])?;
    let mut variants: Vec<(String, outage::Scenario)> = Vec::new();
    let names: Vec<String> = if args.variants.is_empty() && args.against.is_empty() && args.set.is_empty() {
        baseline.variant_names().map(str::to_owned).collect()
    } else {
        args.variants.clone()
    };
    for name in &names {
        let v = baseline.variant(name).map_err(|e| Failure::Input(format!("{}: {e}", args.scenario.display())))?;
        variants.push((name.clone(), v));
    }
    for path in &args.against {
        let name = path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned());
        variants.push((name, super::load(path)?));
    }
    if !args.set.is_empty() {
        let name = args.set.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        variants.push((name, load_patched(&args.scenario, &args.set)?));
    }
    if variants.is_empty() {
        return Err(Failure::Input(format!(
            "{}: nothing to compare: the scenario declares no variants; give --variants, --against or --set",
            args.scenario.display()
        )));
    }
    outage::study::check_confidence(args.confidence).map_err(|e| Failure::Input(format!("error: {e}")))?;
    let metrics = if args.metric.is_empty() { vec![Metric::Downtime] } else { args.metric.clone() };
    let mut compare = outage::study::Compare::new(&baseline)
        .runs(args.runs)
        .seed(args.seed)
        .metrics(&metrics)
        .services(&args.service)
        .disasters(&args.disaster)
        .confidence(args.confidence);
    if let Some(t) = args.threads {
        compare = compare.threads(t);
    }
    if let Some(first) = args.min_runs {
        compare = compare.sequential(first);
    }
    for (name, v) in &variants {
        compare = compare.variant(name.clone(), v);
    }
    let report = compare.run().map_err(|e| Failure::Input(format!("error: {e}")))?;
    let text = match args.format {
        StudyFormat::Table => terminal_safe(&report.to_table()),
        StudyFormat::Json => report.to_json() + "\n",
        StudyFormat::Csv => report.to_csv(),
    };
    let mut out = std::io::stdout().lock();
    std::io::Write::write_all(&mut out, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub(crate) struct SweepArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    /// A parameter and its values, `PATH=v1,v2,...` (one or two of them).
    #[arg(long = "set", value_name = "PATH=v1,v2,...", required = true)]
    set: Vec<String>,
    /// The metric.
    #[arg(long, value_parser = parse_metric, default_value = "downtime")]
    metric: Metric,
    /// Runs per point.
    #[arg(long, default_value_t = 500)]
    runs: u64,
    /// The seed every point shares.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    format: TableFormat,
    /// Also draw the chart of this service (and --disaster) into this SVG file.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// The service charted (default: the one with the most users).
    #[arg(long)]
    service: Option<String>,
    /// The disaster charted (default: the scenario's first).
    #[arg(long)]
    disaster: Option<String>,
}

#[derive(clap::Args)]
pub(crate) struct SensitivityArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    /// A parameter with its low and high value, `PATH=low,high` (repeatable).
    #[arg(long = "vary", value_name = "PATH=low,high", required = true)]
    vary: Vec<String>,
    /// The metric (default: user-hours lost).
    #[arg(long, value_parser = parse_metric, default_value = "user_hours_lost")]
    metric: Metric,
    /// One service instead of the sum over every service.
    #[arg(long)]
    service: Option<String>,
    /// Runs per point.
    #[arg(long, default_value_t = 500)]
    runs: u64,
    /// The seed every point shares.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    format: TableFormat,
    /// Also draw the tornado into this SVG file.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

/// `PATH=v1,v2,...` split into the path and its values.
fn path_values(s: &str) -> Result<(String, Vec<String>), Failure> {
    let (path, values) = s
        .split_once('=')
        .ok_or_else(|| Failure::Input(format!("'{s}': write PATH=v1,v2,... (values in RON, commas between)")))?;
    if path.ends_with(['+', '-']) {
        return Err(Failure::Input(format!("'{s}': a parameter takes values: write PATH=v1,v2,... (not += or -=)")));
    }
    let values = outage::study::split_values(values);
    if path.trim().is_empty() || values.is_empty() {
        return Err(Failure::Input(format!("'{s}': give a path and at least one value")));
    }
    Ok((path.trim().to_owned(), values))
}

/// `outage sweep`.
pub(crate) fn sweep(args: &SweepArgs) -> Result<ExitCode, Failure> {
    let scenario = load_patched(&args.scenario, &[])?;
    if args.set.len() > 2 {
        return Err(Failure::Input("a sweep takes one or two parameters".into()));
    }
    let mut sweep = outage::study::Sweep::new(&scenario).metric(args.metric).runs(args.runs).seed(args.seed);
    for s in &args.set {
        let (path, values) = path_values(s)?;
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        sweep = sweep.parameter(&path, &values);
    }
    let report = sweep.run().map_err(|e| Failure::Input(format!("error: {e}")))?;
    if let Some(file) = &args.svg {
        let disaster = args.disaster.clone().unwrap_or_else(|| scenario.default_disaster().name().to_owned());
        let service = args.service.clone().unwrap_or_else(|| {
            let services = scenario.model().services();
            services.iter().max_by_key(|s| s.users()).map_or(String::new(), |s| s.name().to_owned())
        });
        let svg = outage::visual::charts::sweep(&report, &disaster, &service).map_err(Failure::Input)?;
        write_file(file, &svg)?;
    }
    let text = match args.format {
        TableFormat::Json => report.to_json() + "\n",
        TableFormat::Table => terminal_safe(&report.to_table()),
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// `outage sensitivity`.
pub(crate) fn sensitivity(args: &SensitivityArgs) -> Result<ExitCode, Failure> {
    let scenario = load_patched(&args.scenario, &[])?;
    let mut tornado = outage::study::Sensitivity::new(&scenario).metric(args.metric).runs(args.runs).seed(args.seed);
    if let Some(s) = &args.service {
        if !scenario.model().services().iter().any(|x| x.name() == s) {
            return Err(Failure::Input(format!("unknown service '{s}'")));
        }
        tornado = tornado.service(s.clone());
    }
    for v in &args.vary {
        let (path, values) = path_values(v)?;
        let [low, high] = values.as_slice() else {
            return Err(Failure::Input(format!("'{v}': give exactly two values, low and high")));
        };
        tornado = tornado.parameter(&path, low, high);
    }
    let report = tornado.run().map_err(|e| Failure::Input(format!("error: {e}")))?;
    if let Some(file) = &args.svg {
        write_file(file, &outage::visual::charts::tornado(&report).map_err(Failure::Input)?)?;
    }
    let text = match args.format {
        TableFormat::Json => report.to_json() + "\n",
        TableFormat::Table => terminal_safe(&report.to_table()),
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub(crate) struct ReportArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    /// The folder to write `index.html` into (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// The disaster shown (default: the scenario's first).
    #[arg(long)]
    disaster: Option<String>,
    /// Seed of the runs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Runs for the distributions and comparisons.
    #[arg(long, default_value_t = 200)]
    runs: u64,
    /// Variants to chart against the scenario (default: every declared one).
    #[arg(long, value_delimiter = ',')]
    variants: Vec<String>,
    /// A sweep to chart, `PATH=v1,v2,...`.
    #[arg(long = "sweep", value_name = "PATH=v1,v2,...")]
    sweep: Option<String>,
    /// Parameters of a tornado to chart, `PATH=low,high` (repeatable).
    #[arg(long = "vary", value_name = "PATH=low,high")]
    vary: Vec<String>,
    /// What to print once the page is written: its path (table), or JSON
    /// with its path and the ids of its charts.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    format: TableFormat,
}

/// `outage report`: the visual report as one self-contained HTML page.
pub(crate) fn report(args: &ReportArgs) -> Result<ExitCode, Failure> {
    let scenario = load_patched(&args.scenario, &[])?;
    let fail = |e: &dyn std::fmt::Display| Failure::Input(format!("error: {e}"));
    let mut page = outage::visual::Report::new(&scenario).seed(args.seed).runs(args.runs);
    if let Some(d) = &args.disaster {
        page = page.disaster(d.clone());
    }
    let names: Vec<String> = if args.variants.is_empty() {
        scenario.variant_names().map(str::to_owned).collect()
    } else {
        args.variants.clone()
    };
    for name in names {
        let v = scenario.variant(&name).map_err(|e| fail(&e))?;
        page = page.variant(name, v);
    }
    if let Some(s) = &args.sweep {
        let (path, values) = path_values(s)?;
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let report = outage::study::Sweep::new(&scenario)
            .parameter(&path, &values)
            .runs(args.runs)
            .seed(args.seed)
            .run()
            .map_err(|e| fail(&e))?;
        page = page.sweep(report);
    }
    if !args.vary.is_empty() {
        let mut tornado = outage::study::Sensitivity::new(&scenario).runs(args.runs).seed(args.seed);
        for v in &args.vary {
            let (path, values) = path_values(v)?;
            let [low, high] = values.as_slice() else {
                return Err(Failure::Input(format!("'{v}': give exactly two values, low and high")));
            };
            tornado = tornado.parameter(&path, low, high);
        }
        page = page.tornado(tornado.run().map_err(|e| fail(&e))?);
    }
    // The model as a picture, when Graphviz is here to draw it.
    let dot = outage::report::to_dot(scenario.model(), scenario.name(), &[]);
    if let Some(svg) = render_dot(&dot) {
        page = page.model_svg(svg);
    }
    let page = page.render().map_err(|e| fail(&e))?;
    create_dir(&args.out)?;
    let path = args.out.join("index.html");
    write_file(&path, &page.html)?;
    match args.format {
        TableFormat::Table => println!("{}", path.display()),
        TableFormat::Json => {
            let manifest = serde_json::json!({ "page": path.display().to_string(), "charts": page.charts });
            println!("{manifest:#}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// DOT drawn as SVG by Graphviz's `dot`, if it is installed.
fn render_dot(dot: &str) -> Option<String> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(dot.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    let svg = String::from_utf8(out.stdout).ok()?;
    // Only the <svg> element: the page is HTML, not an XML document.
    if !out.status.success() {
        return None;
    }
    Some(svg[svg.find("<svg")?..].to_owned())
}
