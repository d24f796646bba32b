//! What a run reports: per-service downtime and the timeline of changes,
//! as an aligned table for people, or JSON or CSV for programs.
//!
//! What the numbers mean (first impact, downtime, partial and full recovery,
//! user-hours lost) is defined with the types, in
//! [`engine::outcome`](crate::engine::outcome).

mod dot;
pub use dot::{to_dot, to_graph_json};
use std::fmt::Write as _;

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use serde::Serialize;

pub use crate::engine::{Cause, Deadlock, Destruction, RunReport, ServiceOutcome, TimelineEntry};
use crate::model::State;
use crate::time::{SimDuration, SimTime};

/// A comfy-table style with no borders and one rule under the header.
const HEADER_RULE_ONLY: &str = "     ─             ";

fn secs(d: SimDuration) -> f64 {
    d.as_secs_f64()
}

fn opt_secs(t: Option<SimTime>) -> Option<f64> {
    t.map(SimTime::as_secs_f64)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    scenario: &'a str,
    disaster: &'a str,
    seed: u64,
    run: u64,
    horizon_s: f64,
    events: u64,
    services: Vec<JsonService<'a>>,
    deadlocks: Vec<JsonDeadlock<'a>>,
    destroyed: Vec<JsonDestruction<'a>>,
    timeline: Vec<EntryRow<'a>>,
}

#[derive(Serialize)]
struct JsonDeadlock<'a> {
    services: &'a [String],
    since_s: f64,
}

#[derive(Serialize)]
struct JsonDestruction<'a> {
    room: &'a str,
    equipment: &'a [String],
    servers: u64,
    at_s: f64,
    replaced_at_s: Option<f64>,
}

#[derive(Serialize)]
struct JsonCause<'a> {
    cause: &'a str,
    time_s: f64,
}

#[derive(Serialize)]
struct JsonService<'a> {
    name: &'a str,
    users: u64,
    priority: u32,
    first_impact_s: Option<f64>,
    downtime_s: f64,
    degraded_s: f64,
    partial_recovery_s: Option<f64>,
    full_recovery_s: Option<f64>,
    user_hours_lost: f64,
    final_state: State,
    main_cause: Option<&'a str>,
    causes: Vec<JsonCause<'a>>,
    failovers: u32,
    data_loss_s: Option<f64>,
    inconsistency_risk: bool,
    /// Every copy of its data burnt, with no backup.
    data_lost: bool,
}

/// One change of state, in JSON and in CSV alike.
#[derive(Serialize)]
struct EntryRow<'a> {
    at_s: f64,
    component: &'a str,
    kind: &'a str,
    state: State,
    level: f64,
    cause: &'a str,
    blocked_by: Option<&'a str>,
}

impl<'a> From<&'a TimelineEntry> for EntryRow<'a> {
    fn from(e: &'a TimelineEntry) -> Self {
        EntryRow {
            at_s: e.at.as_secs_f64(),
            component: &e.component,
            kind: e.kind,
            state: e.state,
            level: e.level,
            cause: &e.cause,
            blocked_by: e.blocked_by.as_deref(),
        }
    }
}

/// One CSV row of the service summary; the columns are documented in the README.
#[derive(Serialize)]
struct CsvService<'a> {
    scenario: &'a str,
    disaster: &'a str,
    seed: u64,
    run: u64,
    service: &'a str,
    users: u64,
    priority: u32,
    first_impact_s: Option<f64>,
    downtime_s: f64,
    degraded_s: f64,
    partial_recovery_s: Option<f64>,
    full_recovery_s: Option<f64>,
    user_hours_lost: f64,
    final_state: State,
    main_cause: Option<&'a str>,
    main_cause_s: Option<f64>,
    failovers: u32,
    data_loss_s: Option<f64>,
    inconsistency_risk: bool,
    data_lost: bool,
    /// Fraction of the run it was up.
    availability: f64,
}

/// Rows as CSV under one header (the field names of `T`): the one writer
/// of every CSV the crate makes, so that no cell reaches a spreadsheet as
/// a formula. A cell that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (OWASP's list, and the full-width `＝＋－＠`) and is not a
/// plain finite number gets a leading `'`, which spreadsheets read as
/// "this is text"; numbers such as `-0.5` are left as they are.
pub(crate) fn write_csv<T: Serialize>(rows: impl IntoIterator<Item = T>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row).expect("writing CSV to memory cannot fail");
    }
    let raw = w.into_inner().expect("flushing to memory cannot fail");
    // Read back cell by cell (quoting undone), neutralised, written again.
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(raw.as_slice());
    let mut out = csv::Writer::from_writer(Vec::with_capacity(raw.len()));
    let mut record = csv::ByteRecord::new();
    while r.read_byte_record(&mut record).expect("CSV just written reads back") {
        out.write_record(record.iter().map(csv_cell)).expect("writing CSV to memory cannot fail");
    }
    String::from_utf8(out.into_inner().expect("flushing to memory cannot fail")).expect("CSV of UTF-8 fields is UTF-8")
}

/// A CSV cell a spreadsheet will not run: see [`write_csv`].
fn csv_cell(cell: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let text = std::str::from_utf8(cell).unwrap_or("");
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}']);
    if risky && !text.parse::<f64>().is_ok_and(f64::is_finite) {
        let mut safe = Vec::with_capacity(cell.len() + 1);
        safe.push(b'\'');
        safe.extend_from_slice(cell);
        std::borrow::Cow::Owned(safe)
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// The per-service CSV of several runs, one row per run and service, under
/// one header: what `outage run --format csv` writes for one run and `outage
/// mc --keep-runs` for every run of a study.
pub fn services_csv<'a>(reports: impl IntoIterator<Item = &'a RunReport>) -> String {
    write_csv(reports.into_iter().flat_map(|r| {
        r.services.iter().map(move |s| CsvService {
            scenario: &r.scenario,
            disaster: &r.disaster,
            seed: r.seed,
            run: r.run,
            service: &s.name,
            users: s.users,
            priority: s.priority,
            first_impact_s: opt_secs(s.first_impact),
            downtime_s: secs(s.downtime),
            degraded_s: secs(s.degraded),
            partial_recovery_s: opt_secs(s.partial_recovery),
            full_recovery_s: opt_secs(s.full_recovery),
            user_hours_lost: s.user_hours_lost,
            final_state: s.final_state,
            main_cause: s.main_cause().map(|c| c.cause.as_str()),
            main_cause_s: s.main_cause().map(|c| secs(c.time)),
            failovers: s.failovers,
            data_loss_s: s.data_loss.map(secs),
            inconsistency_risk: s.inconsistency_risk,
            data_lost: s.data_lost,
            availability: availability(s, r.horizon),
        })
    }))
}

/// The fraction of a run a service was up: what `mc --metric availability`
/// summarises.
fn availability(s: &ServiceOutcome, horizon: SimDuration) -> f64 {
    let up = horizon.saturating_sub(s.downtime).saturating_sub(s.degraded);
    up.as_millis() as f64 / horizon.as_millis().max(1) as f64
}

/// A table in the house style: no borders, one rule under the header, no
/// wrapping (reports are read in terminals and pasted into tickets).
pub(crate) fn plain_table() -> Table {
    let mut t = Table::new();
    t.load_preset(HEADER_RULE_ONLY).set_content_arrangement(ContentArrangement::Disabled);
    t
}

impl RunReport {
    /// The outcome of the named service.
    pub fn service(&self, name: &str) -> Option<&ServiceOutcome> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The report as pretty-printed JSON (schema in the README).
    pub fn to_json(&self) -> String {
        let report = JsonReport {
            scenario: &self.scenario,
            disaster: &self.disaster,
            seed: self.seed,
            run: self.run,
            horizon_s: secs(self.horizon),
            events: self.events,
            services: self
                .services
                .iter()
                .map(|s| JsonService {
                    name: &s.name,
                    users: s.users,
                    priority: s.priority,
                    first_impact_s: opt_secs(s.first_impact),
                    downtime_s: secs(s.downtime),
                    degraded_s: secs(s.degraded),
                    partial_recovery_s: opt_secs(s.partial_recovery),
                    full_recovery_s: opt_secs(s.full_recovery),
                    user_hours_lost: s.user_hours_lost,
                    final_state: s.final_state,
                    main_cause: s.main_cause().map(|c| c.cause.as_str()),
                    causes: s.causes.iter().map(|c| JsonCause { cause: &c.cause, time_s: secs(c.time) }).collect(),
                    failovers: s.failovers,
                    data_loss_s: s.data_loss.map(secs),
                    inconsistency_risk: s.inconsistency_risk,
                    data_lost: s.data_lost,
                })
                .collect(),
            deadlocks: self
                .deadlocks
                .iter()
                .map(|d| JsonDeadlock { services: &d.services, since_s: d.since.as_secs_f64() })
                .collect(),
            destroyed: self
                .destroyed
                .iter()
                .map(|d| JsonDestruction {
                    room: &d.room,
                    equipment: &d.equipment,
                    servers: d.servers,
                    at_s: d.at.as_secs_f64(),
                    replaced_at_s: opt_secs(d.replaced_at),
                })
                .collect(),
            timeline: self.timeline.iter().map(EntryRow::from).collect(),
        };
        let mut out = serde_json::to_string_pretty(&report).expect("a report always serializes");
        out.push('\n');
        out
    }

    /// The service summary as CSV, one row per service, with a header
    /// (the columns are documented in the README; see [`services_csv`]).
    pub fn to_csv(&self) -> String {
        services_csv([self])
    }

    /// The timeline as CSV, one row per change, with a header.
    pub fn timeline_to_csv(&self) -> String {
        write_csv(self.timeline.iter().map(EntryRow::from))
    }

    /// The per-service summary as an aligned table, followed (when
    /// `with_timeline`) by the service timeline.
    pub fn to_table(&self, with_timeline: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "scenario {} - disaster {} - seed {} run {} - horizon {}",
            self.scenario, self.disaster, self.seed, self.run, self.horizon
        );
        let mut t = plain_table();
        t.set_header([
            "service",
            "users",
            "first impact",
            "down",
            "degraded",
            "partial at",
            "full at",
            "user-hours lost",
            "main cause",
        ]);
        for s in &self.services {
            let full = match (s.first_impact, s.full_recovery) {
                (None, _) => "-".to_owned(),
                (Some(_), Some(t)) => at(t),
                (Some(_), None) => format!("not by {}", self.horizon),
            };
            t.add_row([
                s.name.clone(),
                human_count(s.users as f64),
                s.first_impact.map_or("-".into(), at),
                duration_or_dash(s.downtime),
                duration_or_dash(s.degraded),
                s.partial_recovery.map_or("-".into(), at),
                full,
                human_count(s.user_hours_lost),
                s.main_cause().map_or("-".into(), |c| format!("{} ({})", c.cause, approx(c.time))),
            ]);
        }
        for i in 1..8 {
            if let Some(c) = t.column_mut(i) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        let _ = writeln!(out, "{t}");
        let notes: Vec<String> = self
            .services
            .iter()
            .filter(|s| s.failovers > 0)
            .map(|s| match s.data_loss.filter(|d| !d.is_zero()) {
                Some(lost) => format!(
                    "{}: {} failover(s), up to {} of writes lost, inconsistency risk",
                    s.name,
                    s.failovers,
                    approx(lost)
                ),
                None => format!("{}: {} failover(s), no data lost", s.name, s.failovers),
            })
            .collect();
        if !notes.is_empty() {
            let _ = writeln!(out, "\nfailovers");
            for n in notes {
                let _ = writeln!(out, "  {n}");
            }
        }
        // Data that burnt: restored from a backup, or gone.
        let data: Vec<String> = self
            .services
            .iter()
            .filter_map(|s| match (s.data_lost, s.data_loss) {
                (true, _) => {
                    Some(format!("{}: every copy of its data destroyed, no backup: all its data lost", s.name))
                }
                (false, Some(lost)) if s.failovers == 0 => {
                    Some(format!("{}: restored from backup, up to {} of writes lost", s.name, approx(lost)))
                }
                _ => None,
            })
            .collect();
        if !data.is_empty() {
            let _ = writeln!(out, "\ndata");
            for n in data {
                let _ = writeln!(out, "  {n}");
            }
        }
        if !self.destroyed.is_empty() {
            let _ = writeln!(out, "\ndestroyed by fire");
            for d in &self.destroyed {
                let replaced = match d.replaced_at {
                    Some(t) => format!("replaced at {}", at(t)),
                    None => format!("not replaced by {}", self.horizon),
                };
                // The servers apart from the equipment list: "48 servers:
                // web-servers, crah" read as if the cooling unit were servers.
                let equipment = match (d.equipment.is_empty(), d.servers) {
                    (true, _) => " its fittings".to_owned(),
                    (false, 0) => format!(" {}", d.equipment.join(", ")),
                    (false, n) => {
                        format!(" {} ({} servers in its pools)", d.equipment.join(", "), crate::model::thousands(n))
                    }
                };
                let _ = writeln!(out, "  room '{}' at {}:{equipment}; {replaced}", d.room, at(d.at));
            }
        }
        if !self.deadlocks.is_empty() {
            let _ = writeln!(out, "\nrecovery deadlocks (these services can never come back by themselves)");
            for d in &self.deadlocks {
                let _ = writeln!(out, "  {d}");
            }
        }
        if with_timeline {
            let services: Vec<&TimelineEntry> = self.timeline.iter().filter(|e| e.kind == "service").collect();
            if !services.is_empty() {
                let _ = writeln!(out, "\nservice timeline");
                let mut t = Table::new();
                t.load_preset(presets::NOTHING).set_content_arrangement(ContentArrangement::Disabled);
                for e in services {
                    let level = match e.state {
                        State::Degraded => format!("degraded ({:.0}% served)", e.level * 100.0),
                        s => s.as_str().to_owned(),
                    };
                    let why = e.blocked_by.as_ref().map_or(String::new(), |b| format!("(held by {b})"));
                    t.add_row([at(e.at), e.component.clone(), level, e.cause.clone(), why]);
                }
                if let Some(c) = t.column_mut(0) {
                    c.set_cell_alignment(CellAlignment::Right);
                }
                let _ = writeln!(out, "{t}");
            }
        }
        out
    }
}

fn duration_or_dash(d: SimDuration) -> String {
    if d.is_zero() { "-".to_owned() } else { approx(d) }
}

fn at(t: SimTime) -> String {
    approx(t.since_start())
}

/// A duration rounded for people: to the minute from an hour up, to the
/// second from a minute up (JSON and CSV keep every millisecond).
fn approx(d: SimDuration) -> String {
    let ms = d.as_millis();
    let unit = match ms {
        ms if ms >= 3_600_000 => 60_000,
        ms if ms >= 60_000 => 1_000,
        _ => 1,
    };
    SimDuration::from_millis(ms.saturating_add(unit / 2) / unit * unit).to_string()
}

/// 1234 -> "1234"; 56789 -> "57k"; 12345678 -> "12.3M".
fn human_count(x: f64) -> String {
    if x >= 1_000_000.0 {
        format!("{:.1}M", x / 1_000_000.0)
    } else if x >= 10_000.0 {
        format!("{:.0}k", x / 1_000.0)
    } else {
        format!("{x:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_could_start_a_formula_get_a_quote() {
        let cell = |s: &str| String::from_utf8(csv_cell(s.as_bytes()).into_owned()).unwrap();
        for risky in ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "\u{ff1d}1+1", "-inf", "+"] {
            assert_eq!(cell(risky), format!("'{risky}"), "{risky:?}");
        }
        // Plain finite numbers, and text that starts elsewhere, are kept.
        for kept in ["-0.5", "+3", "-1e5", "12", "", "web", " =1", "dependency '=x'"] {
            assert_eq!(cell(kept), kept, "{kept:?}");
        }
        // Through the writer: quoting still done, one quote added.
        #[derive(Serialize)]
        struct Row<'a> {
            name: &'a str,
            delta: f64,
        }
        let text = write_csv([Row { name: "=HYPERLINK(\"x\")", delta: -1.5 }, Row { name: "a,b", delta: 2.0 }]);
        assert_eq!(text, "name,delta\n\"'=HYPERLINK(\"\"x\"\")\",-1.5\n\"a,b\",2.0\n");
    }
}
