//! Each test breaks the commented `minimal.ron` in one way and checks that
//! loading reports the problem at the right line and column, naming the
//! element at fault.

use outage::Scenario;

const MINIMAL: &str = include_str!("../../scenarios/minimal.ron");

/// `minimal.ron` with the first occurrence of `from` replaced by `to`.
fn broken(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "minimal.ron no longer contains {from:?}");
    MINIMAL.replacen(from, to, 1)
}

/// The 1-based line and column of the first occurrence of `needle` in `src`.
fn position_of(src: &str, needle: &str) -> (usize, usize) {
    let byte = src.find(needle).unwrap_or_else(|| panic!("{needle:?} not in source"));
    let before = &src[..byte];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

/// Loads `src`, expecting exactly one problem, and returns "line:col: message".
fn single_error(src: &str) -> String {
    let err = Scenario::from_ron_str(src).expect_err("the scenario should be rejected");
    let d = err.diagnostics();
    assert_eq!(d.len(), 1, "expected one problem, got:\n{err}");
    d[0].to_string()
}

/// Asserts one problem, at the position of `at` in `src`, whose message
/// contains every fragment.
fn assert_error(src: &str, at: &str, fragments: &[&str]) {
    let msg = single_error(src);
    let (line, col) = position_of(src, at);
    assert!(msg.starts_with(&format!("{line}:{col}: ")), "expected position {line}:{col} in: {msg}");
    for f in fragments {
        assert!(msg.contains(f), "expected {f:?} in: {msg}");
    }
}

#[test]
fn the_unbroken_file_loads() {
    Scenario::from_ron_str(MINIMAL).expect("minimal.ron is valid");
}

#[test]
fn syntax_error() {
    let src = broken("kind: DataHall,", "kind: DataHall");
    // The comma was expected where `feeds` starts.
    let at = "feeds: [\"ups\"]";
    assert_error(&src, at, &["room 'hall'", "expected comma"]);
}

#[test]
fn unknown_field() {
    let src = broken("thermal_delay: \"15m\"", "thermal_dely: \"15m\"");
    assert_error(&src, "thermal_dely", &["room 'hall'", "unexpected field named `thermal_dely`", "`thermal_delay`"]);
}

#[test]
fn missing_field() {
    let src = broken("            users: 100_000,\n", "");
    assert_error(&src, "Service(\n            name: \"web\"", &["service 'web'", "missing field named `users`"]);
}

#[test]
fn wrong_type() {
    let src = broken("servers: 40,", "servers: \"forty\",");
    assert_error(&src, "\"forty\"", &["pool 'web-servers' at pools[0].servers", "expected integer"]);
}

#[test]
fn negative_number() {
    let src = broken("servers: 40,", "servers: -40,");
    assert_error(&src, "40,", &["pool 'web-servers' at pools[0].servers", "out of bounds"]);
}

#[test]
fn malformed_duration() {
    let src = broken("fuel: \"24h\"", "fuel: \"24 hours\"");
    assert_error(
        &src,
        "\"24 hours\"",
        &["generator 'diesel' at power[1].fuel", "invalid duration '24 hours'", "\"8h30m\""],
    );
}

#[test]
fn negative_duration() {
    let src = broken("ride_through: \"10m\"", "ride_through: \"-10m\"");
    assert_error(&src, "\"-10m\"", &["UPS 'ups'", "durations cannot be negative"]);
}

#[test]
fn unknown_reference_with_a_suggestion() {
    let src = broken("depends_on: [\"db\"]", "depends_on: [\"dbb\"]");
    assert_error(&src, "\"dbb\"", &["service 'web' refers to unknown service 'dbb'", "did you mean 'db'?"]);
}

#[test]
fn reference_to_the_wrong_kind() {
    let src = broken("inputs: [\"grid\", \"diesel\"]", "inputs: [\"grid\", \"hall\"]");
    assert_error(
        &src,
        "\"hall\"], ride_through",
        &["UPS 'ups' refers to 'hall', which is a data hall, but a power component is expected"],
    );
}

#[test]
fn duplicate_name() {
    let src = broken("Pool(name: \"db-servers\"", "Pool(name: \"web-servers\"");
    let err = Scenario::from_ron_str(&src).unwrap_err().to_string();
    // The duplicate is reported where it appears, pointing back at the first
    // definition; the reference to the now-missing "db-servers" is reported too.
    let (line, col) = position_of(&src, "\"web-servers\", room: \"hall\", servers: 8");
    let (first_line, first_col) = position_of(&src, "\"web-servers\",\n");
    let expected = format!(
        "{line}:{col}: duplicate name 'web-servers': this pool has the name of a pool (first defined at line {first_line}, column {first_col})"
    );
    assert!(err.lines().any(|l| l == expected), "{expected}\nnot in:\n{err}");
    assert!(err.contains("refers to unknown pool 'db-servers'"), "{err}");
}

#[test]
fn probability_above_one() {
    let src = broken("start_probability: 0.98", "start_probability: 1.5");
    assert_error(
        &src,
        "1.5,",
        &["generator 'diesel': start_probability must be a probability between 0 and 1, not 1.5"],
    );
}

#[test]
fn probability_below_zero() {
    let src = broken("broken_fraction: 0.05", "broken_fraction: -0.05");
    assert_error(&src, "-0.05", &["pool 'web-servers': broken_fraction must be a probability between 0 and 1"]);
}

#[test]
fn probability_not_a_number() {
    let src = broken("success_probability: 0.9", "success_probability: NaN");
    assert_error(&src, "NaN", &["room 'electrical': success_probability must be a probability", "not NaN"]);
}

#[test]
fn zero_length_fuel() {
    let src = broken("fuel: \"24h\"", "fuel: \"0s\"");
    assert_error(&src, "\"0s\"", &["generator 'diesel': fuel must be longer than zero"]);
}

#[test]
fn zero_mean_distribution() {
    let src = broken("Exponential(mean: \"2h\")", "Exponential(mean: \"0s\")");
    assert_error(
        &src,
        "Exponential(mean: \"0s\")",
        &["fire in 'electrical': spread.after: mean must be longer than zero"],
    );
}

#[test]
fn zero_time_between_failures() {
    let src = broken(
        "Pool(name: \"db-servers\", room: \"hall\", servers: 8, boot: Fixed(\"20m\"))",
        "Pool(name: \"db-servers\", room: \"hall\", servers: 8, boot: Fixed(\"20m\"),\n failures: (time_to_failure: Fixed(\"0s\"), time_to_repair: Fixed(\"1h\")))",
    );
    assert_error(&src, "Fixed(\"0s\")", &["pool 'db-servers': time_to_failure must be longer than zero"]);
}

#[test]
fn triangular_mode_outside_its_range() {
    let src = broken(
        "Triangular(min: \"1h\", mode: \"2h\", max: \"4h\")",
        "Triangular(min: \"1h\", mode: \"5h\", max: \"4h\")",
    );
    assert_error(&src, "Triangular(min", &["extinguished_after: mode must lie between min and max"]);
}

#[test]
fn data_hall_without_feeds() {
    let src = broken("feeds: [\"ups\"],\n", "");
    assert_error(&src, "Room(\n                    name: \"hall\"", &["data hall 'hall' has no power path"]);
}

#[test]
fn hall_fed_only_through_a_loop() {
    // Every UPS and switchboard needs inputs, so a feed can miss the grid
    // and the generator only by going round in a loop: both are reported.
    let src = broken(
        "Ups(name: \"ups\", room: \"electrical\", inputs: [\"grid\", \"diesel\"], ride_through: \"10m\"),",
        "Ups(name: \"ups\", room: \"electrical\", inputs: [\"island\"], ride_through: \"10m\"),\n        Switchboard(name: \"island\", room: \"electrical\", inputs: [\"ups\"]),",
    );
    let err = Scenario::from_ron_str(&src).unwrap_err().to_string();
    assert!(err.contains("power loop: ups, island need each other"), "{err}");
    assert!(
        err.contains("room 'hall' has no power path: none of its feeds leads back to a utility feed or a generator"),
        "{err}"
    );
}

#[test]
fn power_loop() {
    let src = broken(
        "Utility(name: \"grid\"),",
        "Utility(name: \"grid\"),\n        Switchboard(name: \"loop-a\", room: \"electrical\", inputs: [\"loop-b\"]),\n        Switchboard(name: \"loop-b\", room: \"electrical\", inputs: [\"loop-a\"]),",
    );
    assert_error(&src, "Switchboard(name: \"loop-a\"", &["power loop: loop-a, loop-b need each other to be live"]);
}

#[test]
fn pool_outside_a_data_hall() {
    let src = broken("Pool(name: \"db-servers\", room: \"hall\"", "Pool(name: \"db-servers\", room: \"electrical\"");
    assert_error(
        &src,
        "\"electrical\", servers: 8",
        &["pool 'db-servers' refers to 'electrical', which is a room, but a data hall is expected"],
    );
}

#[test]
fn zero_demand() {
    let src = broken("demand: 30,", "demand: 0,");
    assert_error(&src, "0,\n            deployments", &["service 'web' has a demand of zero servers"]);
}

#[test]
fn service_without_deployments() {
    let src = broken("deployments: [Deployment(pool: \"db-servers\")],", "deployments: [],");
    assert_error(&src, "[],", &["service 'db' runs nowhere"]);
}

#[test]
fn under_provisioned_service() {
    let src = broken("demand: 30,", "demand: 50,");
    assert_error(&src, "50,", &["service 'web' needs 50 servers but its active deployments provide only 40"]);
}

#[test]
fn deployment_larger_than_its_pool() {
    let src = broken("Deployment(pool: \"db-servers\")", "Deployment(pool: \"db-servers\", servers: 9)");
    assert_error(&src, "9)", &["service 'db' uses 9 servers of pool 'db-servers', which has only 8"]);
}

#[test]
fn self_dependency() {
    let src = broken("depends_on: [\"db\"]", "depends_on: [\"db\", \"web\"]");
    assert_error(&src, "\"web\"]", &["service 'web' depends on itself"]);
}

#[test]
fn adjacent_room_in_another_site() {
    let src = broken("    power: [", "    power: [\n        Utility(name: \"other-grid\"),")
        .replacen(
            "    ],\n\n    power",
            "        Site(name: \"dc2\", rooms: [Room(name: \"far\", kind: Other)]),\n    ],\n\n    power",
            1,
        )
        .replacen("adjacent: [\"hall\"]", "adjacent: [\"hall\", \"far\"]", 1);
    assert_error(&src, "\"far\"]", &["room 'electrical' is adjacent to 'far', which is in another site"]);
}

#[test]
fn restoration_stage_names_a_room_twice() {
    let src = broken(
        "restoration: (inspection: Uniform(min: \"2h\", max: \"6h\")),",
        "restoration: (inspection: Fixed(\"1h\"), stages: [(rooms: [\"hall\"], after: Fixed(\"1h\")), (rooms: [\"hall\"], after: Fixed(\"1h\"))]),",
    );
    let at = "\"hall\"], after: Fixed(\"1h\"))]";
    assert_error(&src, at, &["room 'hall' appears in two restoration stages"]);
}

#[test]
fn outage_of_an_unknown_target() {
    let src = broken("Outage(target: \"grid\"", "Outage(target: \"gird\"");
    assert_error(&src, "\"gird\"", &["disaster 'grid-outage' refers to unknown element 'gird' (did you mean 'grid'?)"]);
}

#[test]
fn disaster_without_hazards() {
    let src = broken("Outage(target: \"grid\", at: \"1h\", duration: Fixed(\"6h\")),", "");
    assert_error(&src, "[\n                \n            ],", &["disaster 'grid-outage' has no hazards"]);
}

#[test]
fn duplicate_disaster_name() {
    let src = broken("name: \"grid-outage\"", "name: \"battery-fire\"");
    assert_error(
        &src,
        "\"battery-fire\",\n            hazards: [\n                Outage",
        &["duplicate disaster name 'battery-fire'"],
    );
}

#[test]
fn a_plain_disaster_takes_a_name_a_site_loss_template_expands_to() {
    // Whichever comes first, reports could not tell the two apart.
    let template = "Disaster(name: \"lose\", each_site: (at: \"0s\")),";
    for (first, second, at) in [
        (template, "Disaster(name: \"lose: dc1\", hazards: [Outage(target: \"grid\", at: \"1h\")]),", "\"lose: dc1\""),
        ("Disaster(name: \"lose: dc1\", hazards: [Outage(target: \"grid\", at: \"1h\")]),", template, "\"lose\""),
    ] {
        let src = broken("    disasters: [", &format!("    disasters: [\n        {first}\n        {second}"));
        assert_error(&src, at, &["two disasters are named 'lose: dc1' once site-loss templates are expanded"]);
    }
}

#[test]
fn a_site_loss_template_naming_a_site_twice() {
    let src = broken(
        "    disasters: [",
        "    disasters: [\n        Disaster(name: \"lose\", each_site: (sites: [\"dc1\", \"dc1\"], at: \"0s\")),",
    );
    assert_error(&src, "\"dc1\"], at", &["disaster 'lose' lists 'dc1' twice"]);
}

#[test]
fn every_problem_is_reported_at_once_in_file_order() {
    let src = broken("start_probability: 0.98", "start_probability: 2.0")
        .replacen("depends_on: [\"db\"]", "depends_on: [\"nope\"]", 1)
        .replacen("fuel: \"24h\"", "fuel: \"0s\"", 1);
    let err = Scenario::from_ron_str(&src).unwrap_err();
    let lines: Vec<_> = err.diagnostics().iter().map(|d| d.position.unwrap().line).collect();
    assert_eq!(err.diagnostics().len(), 3, "{err}");
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "sorted by position: {lines:?}");
}

#[test]
fn format_errors_in_several_elements_are_reported_together() {
    // A missing comma in the hall, a word for a number in the first pool and
    // a misspelt field in a service: ron stops at the first, and every other
    // element is read on its own, so all three are reported, in file order.
    let src = broken("kind: DataHall,", "kind: DataHall").replacen("servers: 40,", "servers: \"forty\",", 1).replacen(
        "users: 100_000,",
        "userz: 100_000,",
        1,
    );
    let err = Scenario::from_ron_str(&src).unwrap_err();
    let d: Vec<String> = err.diagnostics().iter().map(ToString::to_string).collect();
    assert_eq!(d.len(), 3, "{d:#?}");
    let expect = [
        ("feeds: [\"ups\"]", "expected comma"),
        ("\"forty\"", "pool 'web-servers' at pools[0].servers"),
        ("userz", "unexpected field named `userz`"),
    ];
    for (message, (at, fragment)) in d.iter().zip(expect) {
        let (line, col) = position_of(&src, at);
        assert!(message.starts_with(&format!("{line}:{col}: ")), "expected {line}:{col} in: {message}");
        assert!(message.contains(fragment), "expected {fragment:?} in: {message}");
    }
}

#[test]
fn a_broken_structure_reports_what_it_can_without_inventing_errors() {
    // An unclosed list cuts the rest of the file: the first error, and no
    // made-up ones from elements read out of shape.
    let src = broken("feeds: [\"ups\"]", "feeds: [\"ups\"");
    let err = Scenario::from_ron_str(&src).unwrap_err();
    assert!(!err.diagnostics().is_empty());
    // Every element of the lists that does not contain the break parses.
    let intact = broken("kind: DataHall,", "kind: DataHall");
    assert_eq!(Scenario::from_ron_str(&intact).unwrap_err().diagnostics().len(), 1);
}

#[test]
fn scenarios_built_in_code_report_logical_paths() {
    use outage::scenario::spec::*;
    let spec = ScenarioSpec { name: "code".into(), ..Default::default() };
    let err = Scenario::from_spec(spec).unwrap_err().to_string();
    assert_eq!(err, "sites: the scenario has no sites\nservices: the scenario has no services");
}

#[test]
fn elements_cut_inside_a_character_are_skipped_not_a_panic() {
    // The structural scan works on bytes; a stray multi-byte character in a
    // list after the first error must not make it slice inside a character.
    for src in ["Scenario(name: 1, pools: [Pool(name: \"é\"), é, ü€])", "Scenario(horizon: x, services: [Ω(a: é)])"]
    {
        let err = Scenario::from_ron_str(src).unwrap_err();
        assert!(!err.diagnostics().is_empty());
    }
}
