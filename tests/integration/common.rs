use outage::{RunOptions, RunReport, Scenario, ServiceOutcome, SimDuration, SimTime, Simulation};

/// Parses a scenario, failing the test with every diagnostic if it is invalid.
pub fn load(src: &str) -> Scenario {
    match Scenario::from_ron_str(src) {
        Ok(s) => s,
        Err(e) => panic!("scenario does not load:\n{e}"),
    }
}

/// Runs the named disaster with `seed`, recording the timeline.
pub fn run(scenario: &Scenario, disaster: &str, seed: u64) -> RunReport {
    let mut sim = Simulation::new(scenario, Some(disaster)).expect("disaster exists");
    sim.run(&RunOptions::default().seed(seed)).expect("run completes")
}

pub fn service<'r>(report: &'r RunReport, name: &str) -> &'r ServiceOutcome {
    report.service(name).unwrap_or_else(|| panic!("no service '{name}' in report"))
}

pub fn h(hours: u64) -> SimDuration {
    SimDuration::from_hours(hours)
}

pub fn m(minutes: u64) -> SimDuration {
    SimDuration::from_minutes(minutes)
}

pub fn at(d: SimDuration) -> SimTime {
    SimTime::from(d)
}

/// One site, one data hall fed by `feeds` (power components given in
/// `power`), one pool of 10 servers booting in `boot`, and a service "app"
/// with 1,000 users needing all 10 servers. `extra_services` and
/// `disasters` are spliced in as RON.
pub fn one_hall(power: &str, feeds: &str, boot: &str, extra_rooms: &str, extra: &str, disasters: &str) -> String {
    format!(
        r#"Scenario(
    name: "test",
    horizon: "1d",
    sites: [Site(name: "dc", rooms: [
        Room(name: "elec", kind: Electrical),
        Room(name: "hall", kind: DataHall, feeds: [{feeds}]),
        {extra_rooms}
    ])],
    power: [{power}],
    pools: [Pool(name: "app-pool", room: "hall", servers: 10, boot: {boot})],
    services: [
        Service(name: "app", users: 1000, demand: 10, deployments: [(pool: "app-pool")]),
        {extra}
    ],
    disasters: [{disasters}],
)"#
    )
}

/// Runs the `outage` binary from the crate root, without `CI` set.
pub fn outage_bin(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_outage"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CI")
        .output()
        .expect("the binary runs")
}

// Integers past what u64 and `serde_json::Value` hold exactly, hidden and
// put back: written once, in the fuzz generators (shared with the campaign).
pub use crate::fuzz_gen::{protect_big_integers, restore_big_integers};
