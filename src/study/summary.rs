//! The mergeable summary of a study or of one of its shards: what `outage mc
//! --summary` writes and `outage merge` combines. Summaries travel between
//! machines, so reading one treats it as untrusted input.

use serde::{Deserialize, Serialize};

use super::aggregate::DisasterAgg;
use super::output::{DisasterStats, MetricStats, ServiceStats, StudyReport};
use super::{StudyIdentity, SummaryError, SummaryErrorKind, amount_ticks};
use crate::objective::{Amount, Metric};
use crate::scenario::{Scenario, name_fault};
use crate::time::SimDuration;

/// A fixed, portable digest of a scenario's description, so that summaries
/// of different scenarios are not merged by mistake.
pub(super) fn digest(scenario: &Scenario) -> String {
    let text = serde_json::to_string(scenario.spec()).expect("a scenario description serializes");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Version of the summary format; 2: sparse sketches; 3: availability
/// sketched as its shortfall from the run length.
pub(super) const SUMMARY_FORMAT: u32 = 3;

/// The mergeable raw result of a study or of one of its shards: exact
/// integer aggregates, written as JSON by `outage mc --summary` and combined
/// by `outage merge`. Deserializing one checks it as
/// [`from_json`](Self::from_json) does: there is no unchecked summary.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "Unchecked")]
pub struct StudySummary {
    pub(super) format: u32,
    pub(super) scenario: String,
    pub(super) scenario_digest: String,
    pub(super) seed: u64,
    pub(super) runs: u64,
    /// The run indices covered, sorted and disjoint.
    pub(super) run_ranges: Vec<(u64, u64)>,
    pub(super) horizon_ms: u64,
    pub(super) thresholds: Vec<(Metric, Amount)>,
    pub(super) services: Vec<String>,
    pub(super) disasters: Vec<(String, DisasterAgg)>,
}

/// A summary as read from a file, before it is checked: the fields of
/// [`StudySummary`], in its order. Its sketches are kept as written (the
/// non-empty bins only), so that reading takes memory in proportion to the
/// text.
#[derive(Deserialize)]
struct Unchecked {
    format: u32,
    scenario: String,
    scenario_digest: String,
    seed: u64,
    runs: u64,
    run_ranges: Vec<(u64, u64)>,
    horizon_ms: u64,
    thresholds: Vec<(Metric, Amount)>,
    #[serde(deserialize_with = "services")]
    services: Vec<String>,
    disasters: Vec<(String, DisasterAgg)>,
}

/// The fewest bytes a study writes for one service: seven metrics of at
/// least 100 bytes each (`{"sketch_origin":null,"n":0,...}`) in every
/// disaster, of which there is at least one.
const MIN_SERVICE_BYTES: u64 = 700;

/// The most services a summary of at most [`MAX_SUMMARY_BYTES`] can hold.
/// Checked while reading: each name costs more memory than its text.
const MAX_SERVICES: u64 = MAX_SUMMARY_BYTES / MIN_SERVICE_BYTES;

/// Reads the list of service names, refusing more than [`MAX_SERVICES`].
fn services<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct Names;
    impl<'de> serde::de::Visitor<'de> for Names {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of at most {MAX_SERVICES} service names")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut names = Vec::new();
            while let Some(name) = seq.next_element()? {
                if names.len() as u64 == MAX_SERVICES {
                    return Err(serde::de::Error::custom(format!(
                        "more than {MAX_SERVICES} services, more than a summary of {MAX_SUMMARY_BYTES} bytes can hold"
                    )));
                }
                names.push(name);
            }
            Ok(names)
        }
    }
    d.deserialize_seq(Names)
}

impl TryFrom<Unchecked> for StudySummary {
    type Error = String;

    fn try_from(u: Unchecked) -> Result<Self, String> {
        let s = StudySummary {
            format: u.format,
            scenario: u.scenario,
            scenario_digest: u.scenario_digest,
            seed: u.seed,
            runs: u.runs,
            run_ranges: u.run_ranges,
            horizon_ms: u.horizon_ms,
            thresholds: u.thresholds,
            services: u.services,
            disasters: u.disasters,
        };
        s.check()?;
        Ok(s)
    }
}

/// The largest summary file [`StudySummary::from_path`] reads: 64 MiB, the
/// limit of a scenario file ([`MAX_FILE_BYTES`](crate::scenario::MAX_FILE_BYTES)).
/// Reading stops one byte past it, whatever size the file claims, so a pipe
/// or `/dev/zero` is refused rather than read until memory runs out.
pub const MAX_SUMMARY_BYTES: u64 = crate::scenario::MAX_FILE_BYTES;

impl StudySummary {
    /// Reads a summary written by [`to_json`](Self::to_json).
    ///
    /// # Errors
    /// Malformed JSON, an unknown format, or numbers that no study could
    /// have written (a summary is untrusted input).
    pub fn from_json(text: &str) -> Result<StudySummary, SummaryError> {
        // The format first, so that an old summary gets the right message.
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        let bad = |e: serde_json::Error| SummaryError::from(SummaryErrorKind::Malformed(e.to_string()));
        let format = serde_json::from_str::<Format>(text).map_err(bad)?.format;
        if format != SUMMARY_FORMAT {
            return Err(SummaryErrorKind::UnsupportedFormat { found: format, expected: SUMMARY_FORMAT }.into());
        }
        let raw: Unchecked = serde_json::from_str(text).map_err(bad)?;
        Ok(StudySummary::try_from(raw).map_err(SummaryErrorKind::Inconsistent)?)
    }

    /// Reads a summary file, refusing one over [`MAX_SUMMARY_BYTES`]: it
    /// reads at most one byte past the limit, never trusting the size the
    /// file reports. Memory used is bounded by a small multiple of that.
    ///
    /// # Errors
    /// An unreadable, oversized, malformed or inconsistent file; the message
    /// names it.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<StudySummary, SummaryError> {
        use std::io::Read as _;
        let path = path.as_ref();
        let fail = |kind: SummaryErrorKind| SummaryError { path: Some(path.to_owned()), kind };
        let limit = MAX_SUMMARY_BYTES;
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(limit + 1).read_to_string(&mut text))
            .map_err(|e| fail(SummaryErrorKind::Unreadable(e)))?;
        if text.len() as u64 > limit {
            return Err(fail(SummaryErrorKind::TooLarge { limit }));
        }
        StudySummary::from_json(&text).map_err(|e| fail(e.kind))
    }

    /// Checks that a summary read from a file is one a study could have
    /// written: this format; a study of at least one run of a run length
    /// above zero; a digest as [`digest`] writes it; run ranges that are
    /// sorted, disjoint parts of the study; thresholds of the kind and range
    /// that `outage mc` accepts; the scenario, services and disasters named
    /// as a scenario's names must be, and each once; and every aggregate
    /// as [`DisasterAgg::check`] requires. The error names the disaster,
    /// service and metric at fault.
    fn check(&self) -> Result<(), String> {
        if self.format != SUMMARY_FORMAT {
            return Err(format!("summary format {} is not supported (expected {SUMMARY_FORMAT})", self.format));
        }
        if self.runs == 0 {
            return Err("a study of no runs".into());
        }
        if self.horizon_ms == 0 {
            return Err("a run length of zero".into());
        }
        let d = &self.scenario_digest;
        if d.len() != 16 || !d.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(format!("the scenario digest '{d}' is not 16 lowercase hexadecimal digits"));
        }
        let mut covered = 0u64;
        let mut last_end = 0;
        for &(a, b) in &self.run_ranges {
            if a > b || b > self.runs || a < last_end {
                return Err(format!("run range {a}..{b} is not a sorted, disjoint part of 0..{}", self.runs));
            }
            covered += b - a;
            last_end = b;
        }
        for (metric, amount) in &self.thresholds {
            metric.check_amount(amount).map_err(|e| format!("threshold {}={amount}: {e}", metric.as_str()))?;
        }
        // Names are printed in the merged report: checked as a scenario's
        // are, before any message quotes them.
        if let Some(fault) = name_fault(&self.scenario) {
            return Err(format!("the scenario {fault}"));
        }
        if self.services.is_empty() {
            return Err("no services".into());
        }
        let mut seen = std::collections::HashSet::with_capacity(self.services.len());
        for (i, name) in self.services.iter().enumerate() {
            if name.is_empty() {
                return Err("a service with an empty name".into());
            }
            if let Some(fault) = name_fault(name) {
                return Err(format!("service #{} {fault}", i + 1));
            }
            if !seen.insert(name.as_str()) {
                return Err(format!("service '{name}' appears twice"));
            }
        }
        if self.disasters.is_empty() {
            return Err("no disasters".into());
        }
        if let Some((i, fault)) =
            self.disasters.iter().enumerate().find_map(|(i, (name, _))| Some((i, name_fault(name)?)))
        {
            return Err(format!("disaster #{} {fault}", i + 1));
        }
        let mut seen = std::collections::HashSet::with_capacity(self.disasters.len());
        if let Some((name, _)) = self.disasters.iter().find(|(name, _)| !seen.insert(name.as_str())) {
            return Err(format!("disaster '{name}' appears twice"));
        }
        let horizon = SimDuration::from_millis(self.horizon_ms);
        let thresholds: Vec<Vec<u64>> = Metric::ALL
            .iter()
            .map(|&m| {
                self.thresholds.iter().filter(|(x, _)| *x == m).map(|&(_, a)| amount_ticks(m, a, horizon)).collect()
            })
            .collect();
        for (name, agg) in &self.disasters {
            agg.check(covered, &self.services, &thresholds, horizon).map_err(|e| format!("disaster '{name}': {e}"))?;
        }
        Ok(())
    }

    fn identity(&self) -> StudyIdentity {
        StudyIdentity {
            scenario: self.scenario.clone(),
            digest: self.scenario_digest.clone(),
            seed: self.seed,
            runs: self.runs,
        }
    }

    /// The summary as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a summary serializes")
    }

    /// The disasters studied, in report order (a site-loss template
    /// expanded to one disaster per site).
    pub fn disaster_names(&self) -> impl Iterator<Item = &str> {
        self.disasters.iter().map(|(name, _)| name.as_str())
    }

    /// Whether every run of the study is in.
    pub fn is_complete(&self) -> bool {
        self.run_ranges == [(0, self.runs)] || (self.runs == 0 && self.run_ranges.iter().all(|(a, b)| a == b))
    }

    /// Combines the summaries of shards of one study. The result is exactly
    /// the summary of the unsharded study when the shards cover every run
    /// once, whatever the order they are given in.
    ///
    /// # Errors
    /// Summaries of different scenarios, seeds, run counts, horizons,
    /// thresholds or disasters, or shards that overlap.
    pub fn merge(parts: &[StudySummary]) -> Result<StudySummary, SummaryError> {
        let Some(first) = parts.first() else {
            return Err(SummaryErrorKind::NothingToMerge.into());
        };
        let mut out = first.clone();
        out.run_ranges = tidy_ranges(out.run_ranges.iter().copied())?;
        for p in &parts[1..] {
            out.absorb(p)?;
        }
        Ok(out)
    }

    /// Adds the runs of another shard of the same study, in place: merging
    /// shards one at a time as they are read keeps one summary in memory
    /// besides the result, however many shards there are.
    ///
    /// # Errors
    /// As [`StudySummary::merge`]; `self` is unchanged after an error.
    pub fn absorb(&mut self, other: &StudySummary) -> Result<(), SummaryError> {
        let same = other.scenario_digest == self.scenario_digest
            && other.seed == self.seed
            && other.runs == self.runs
            && other.horizon_ms == self.horizon_ms
            && other.thresholds == self.thresholds
            && other.services == self.services
            && other.disasters.iter().map(|(n, _)| n).eq(self.disasters.iter().map(|(n, _)| n));
        if !same {
            return Err(SummaryErrorKind::DifferentStudies {
                first: Box::new(self.identity()),
                other: Box::new(other.identity()),
            }
            .into());
        }
        let coalesced = tidy_ranges(self.run_ranges.iter().chain(&other.run_ranges).copied())?;
        self.run_ranges = coalesced;
        for (a, b) in self.disasters.iter_mut().zip(&other.disasters) {
            a.1.merge(&b.1);
        }
        Ok(())
    }

    /// The report of the runs in this summary.
    pub fn report(&self, confidence: f64) -> StudyReport {
        let horizon = SimDuration::from_millis(self.horizon_ms);
        let thresholds =
            |m: Metric| -> Vec<Amount> { self.thresholds.iter().filter(|(x, _)| *x == m).map(|(_, a)| *a).collect() };
        StudyReport {
            scenario: self.scenario.clone(),
            seed: self.seed,
            runs: self.runs,
            run_ranges: self.run_ranges.clone(),
            horizon,
            confidence,
            disasters: self
                .disasters
                .iter()
                .map(|(name, agg)| DisasterStats {
                    name: name.clone(),
                    runs: agg.runs,
                    deadlocked_runs: agg.deadlocked_runs,
                    services: agg
                        .services
                        .iter()
                        .zip(&self.services)
                        .map(|(s, service)| ServiceStats {
                            name: service.clone(),
                            metrics: Metric::ALL
                                .iter()
                                .zip(&s.metrics)
                                .map(|(&m, a)| MetricStats::from_agg(m, a, &thresholds(m), horizon, confidence))
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Run ranges sorted, empty ones dropped and adjacent ones joined.
///
/// # Errors
/// Two ranges that overlap.
fn tidy_ranges(ranges: impl Iterator<Item = (u64, u64)>) -> Result<Vec<(u64, u64)>, SummaryError> {
    let mut ranges: Vec<(u64, u64)> = ranges.filter(|(a, b)| a < b).collect();
    ranges.sort_unstable();
    for w in ranges.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(SummaryErrorKind::Overlap { first: w[0], second: w[1] }.into());
        }
    }
    let mut tidy: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match tidy.last_mut() {
            Some(last) if last.1 == a => last.1 = b,
            _ => tidy.push((a, b)),
        }
    }
    Ok(tidy)
}
