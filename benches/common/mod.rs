//! What the benches share: reading criterion's estimates back, so that each
//! bench can print ratios measured in the same run.

use std::path::PathBuf;

/// Criterion's mean estimate of benchmark `group/id` in nanoseconds per
/// iteration, with the elements per iteration it declared (1 if none).
pub fn estimate(group: &str, id: &str) -> Option<(f64, f64)> {
    let home = std::env::var_os("CRITERION_HOME").map(PathBuf::from).unwrap_or_else(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
        target.join("criterion")
    });
    let dir = home.join(group).join(id).join("new");
    let estimates: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("estimates.json")).ok()?).ok()?;
    let benchmark: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("benchmark.json")).ok()?).ok()?;
    let ns = estimates["mean"]["point_estimate"].as_f64()?;
    let elements = benchmark["throughput"]["Elements"].as_f64().unwrap_or(1.0);
    Some((ns, elements))
}
