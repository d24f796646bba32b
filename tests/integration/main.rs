//! Integration tests: one binary, one module per area.

/// Shared helpers for building and running small scenarios.
mod common;

/// The layers of the crate point one way.
mod architecture;
/// Who is blamed, and power, cooling and network as three different inputs.
mod blame;
/// The command-line tool: exit codes and output formats.
mod cli;
/// Same seed, same bytes; different seeds, different outcomes.
mod determinism;
/// Mutated scenarios, loaded and run: no panic, no hang.
mod fuzz;
/// What the fuzzers found and is not fixed yet (ignored until fixed).
mod fuzz_findings;
/// Generators and oracles for every input surface (shared with the campaign).
mod fuzz_gen;
/// Property and fuzz tests over every input surface: scenarios, patches,
/// templates, common causes, draws, variants, milestones, summaries, command lines.
mod fuzz_surfaces;
/// Generated estates: valid by construction, sized as asked, seeded.
mod generate;
/// The bundled scenarios' reports, pinned byte for byte in tests/golden/.
mod golden;
/// Hostile input: each class of defect found by a hostile-input campaign.
mod hostile;
/// How impairments combine (bottleneck times soft factors), cycles solved exactly.
mod impairment;
/// The bundled replays of real incidents match the reported timelines.
mod incidents;
/// What real incidents need: k-of-n redundancy, random and shared hazard
/// times, waiting that is not labour, ...
mod mechanisms;
/// Monte Carlo studies, availability, objectives, `outage check`, shards.
mod montecarlo;
/// Patches act on values: one value at one place, names as they are,
/// templates and defaults patched, variants' cost bounded.
mod patching;
/// How numbers are shown: durations, availability's tail, blame tables,
/// what fire destroyed, and the README's samples checked against the tool.
mod presentation;
/// Properties that must hold for any scenario (proptest).
mod properties;
/// Recovery: engineers, policies, failover, restarts, surges, deadlocks.
mod recovery;
/// Regression tests for defects found in review.
mod regressions;
/// Hand-computed outcomes of power, cooling, fire and dependency mechanics.
mod replay;
/// Loading at scale: expansion counted before it is made, validation
/// linear in the file, every number checked once, restoration stages that
/// would wait for themselves, generated estates within the limits.
mod scan;
/// One test per validation rule: message, element and position.
mod scenario_errors;
/// Study summaries as untrusted input: every invariant checked, reading bounded.
mod summaries;
/// Files from someone else and what the tool writes: milestone values and
/// paths, names wherever they are read, CSV cells, io errors.
mod untrusted;
/// What-if studies: patches, variants and paired comparisons.
mod whatif;
