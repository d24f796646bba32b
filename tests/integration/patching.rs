//! Patches act on values, not on text: a value is one value at one place,
//! names are compared as they are, structs left to their defaults and
//! templates can be patched, soft dependencies and deployments removed;
//! templates keep non-finite numbers for validation to refuse; variants
//! cost a bounded amount of validation.

use outage::Scenario;
use outage::scenario::spec::*;
use outage::scenario::{MAX_VARIANT_VALUES, Patch};
use outage::synthetic::Estate;
use proptest::prelude::*;

use crate::common::load;

const MINIMAL: &str = include_str!("../../scenarios/minimal.ron");

/// `src` with `fields` written just before its disasters.
fn with(src: &str, fields: &str) -> String {
    src.replacen("    disasters: [", &format!("    {fields}\n    disasters: ["), 1)
}

fn patched(base: &Scenario, patches: &[&str]) -> Result<Scenario, String> {
    let patches: Vec<Patch> = patches.iter().map(|p| p.parse()).collect::<Result<_, _>>()?;
    base.patched(&patches).map_err(|e| e.to_string())
}

/// A change made by hand to a spec.
type ByHand = fn(&mut ScenarioSpec);

#[test]
fn a_value_is_one_value_and_changes_only_its_place() {
    let base = load(MINIMAL);
    // Pasted into the text, this also made db depend on web.
    let err = patched(&base, &[r#"services.db.users=0, depends_on: ["web"]"#]).unwrap_err();
    assert!(err.starts_with(r#"services.db.users=0, depends_on: ["web"]: the value is not one RON value"#), "{err}");
    // A comment after the value is not more text.
    assert_eq!(patched(&base, &["services.db.users=5 // five"]).unwrap().spec().services[1].users, 5);
    // Each patch changes its place and nothing else: the whole scenario is
    // the baseline with that one value changed by hand.
    let cases: [(&str, ByHand); 5] = [
        ("services.db.users=7", |s| s.services[1].users = 7),
        ("services.web.deployments.0.servers=35", |s| s.services[0].deployments[0].servers = Some(35)),
        (r#"pools.web-servers.boot=Fixed("1h")"#, |s| {
            s.pools[0].boot = outage::dist::Dist::Fixed(outage::SimDuration::from_hours(1))
        }),
        // Into a struct-like variant, and into a newtype variant's struct
        // and the `Some` around a field.
        (r#"disasters.grid-outage.hazards.0.duration=Fixed("1h")"#, |s| {
            let HazardSpec::Outage { duration, .. } = &mut s.disasters[1].hazards[0] else { unreachable!() };
            *duration = Some(outage::dist::Dist::Fixed(outage::SimDuration::from_hours(1)));
        }),
        ("disasters.battery-fire.hazards.electrical.spread.probability=0.5", |s| {
            let HazardSpec::Fire(fire) = &mut s.disasters[0].hazards[0] else { unreachable!() };
            fire.spread.as_mut().unwrap().probability = 0.5;
        }),
    ];
    for (patch, by_hand) in cases {
        let mut expected = base.spec().clone();
        by_hand(&mut expected);
        assert_eq!(patched(&base, &[patch]).unwrap().spec(), &expected, "{patch}");
    }
}

#[test]
fn a_struct_left_to_its_default_can_be_stepped_into() {
    // `recovery: (policy: ByPriority)` is the default: it was not in the
    // re-serialised text, and the patch found "no 'recovery'".
    let base = load(&with(MINIMAL, "recovery: (policy: ByPriority),"));
    let by_users = patched(&base, &["recovery.policy=ByUsers"]).unwrap();
    assert_eq!(by_users.spec().recovery.policy, PolicySpec::ByUsers);
    // Back to the default: the same scenario as the baseline.
    assert_eq!(patched(&by_users, &["recovery.policy=ByPriority"]).unwrap().spec(), base.spec());
    // Through a newtype variant to its list: `Explicit([...])`.
    let explicit = patched(&base, &[r#"recovery.policy=Explicit(["db"])"#, r#"recovery.policy+="web""#]).unwrap();
    assert_eq!(explicit.spec().recovery.policy, PolicySpec::Explicit(vec!["db".into(), "web".into()]));
    let explicit = patched(&explicit, &["recovery.policy-=db"]).unwrap();
    assert_eq!(explicit.spec().recovery.policy, PolicySpec::Explicit(vec!["web".into()]));
    // Through what is not there: an empty list, or a variant that must be
    // set whole.
    let err = patched(&base, &["systems.app.count=2"]).unwrap_err();
    assert!(err.ends_with("systems.app.count=2: 'systems' has no 'app' (the list is empty)"), "{err}");
    let err = patched(&base, &[r#"services.web.failover.detection=Fixed("1m")"#]).unwrap_err();
    assert!(
        err.contains("'services.web.failover' is left to its default and does not read as (detection: ...)"),
        "{err}"
    );
    // A path longer than any scenario is deep is refused before it is
    // followed (64 steps at most).
    let long = format!("recovery{}=1", ".x".repeat(64));
    let err = patched(&base, &[&long]).unwrap_err();
    assert!(err.ends_with("the path has 65 steps; a scenario is at most 64 deep"), "{err}");
    // A field that does not exist is still refused, by ron, naming it.
    let err = patched(&base, &["recovery.polcy=ByUsers"]).unwrap_err();
    assert!(err.contains("recovery.polcy=ByUsers: Unexpected field named `polcy`"), "{err}");
}

#[test]
fn names_are_compared_as_they_are() {
    // A quote and a combining accent were escaped when the scenario was
    // written back as text (`"we\"b"`, `"cafe\u{301}"`), and a path split
    // at every dot could not name "api.v2".
    let src = MINIMAL
        .replacen(r#"name: "web","#, r#"name: "we\"b","#, 1)
        .replace(r#""db-servers""#, r#""cafe\u{301}""#)
        .replacen(r#"name: "db","#, r#"name: "api.v2","#, 1)
        .replacen(r#"depends_on: ["db"]"#, r#"depends_on: ["api.v2"]"#, 1);
    let base = load(&src);
    let s = patched(
        &base,
        &[
            r#"services.we"b.users=3"#,
            r#"services."we\"b".priority=2"#,
            "pools.cafe\u{301}.servers=9",
            r#"services."api.v2".users=4"#,
            r#"services.we"b.depends_on-="api.v2""#,
        ],
    )
    .unwrap();
    let spec = s.spec();
    assert_eq!((spec.services[0].users, spec.services[0].priority, spec.pools[1].servers), (3, 2, 9));
    assert_eq!(spec.services[1].users, 4);
    assert!(spec.services[0].depends_on.is_empty());
    // A patch prints as it reads: the quoted step stays quoted.
    let p: Patch = r#"services."api.v2".users=4"#.parse().unwrap();
    assert_eq!(p.path, ["services", "api.v2", "users"]);
    assert_eq!(p.to_string().parse::<Patch>().unwrap(), p);
}

#[test]
fn soft_dependencies_and_deployments_can_be_removed() {
    let src = MINIMAL
        .replacen(
            r#"Pool(name: "db-servers""#,
            r#"Pool(name: "cache-a", room: "hall", servers: 2, boot: Fixed("1m")),
        Pool(name: "cache-b", room: "hall", servers: 2, boot: Fixed("1m")),
        Pool(name: "db-servers""#,
            1,
        )
        .replacen(
            r#"depends_on: ["db"],"#,
            r#"depends_on: ["db"], soft_depends_on: [(service: "cache", impact: 0.3)],"#,
            1,
        )
        .replacen(
            "    services: [",
            r#"    services: [
        Service(name: "cache", users: 0, demand: 2, deployments: [(pool: "cache-a"), (pool: "cache-b")]),"#,
            1,
        );
    let base = load(&src);
    // Soft dependencies are named by their service, deployments by their
    // pool (or any element by its index).
    let s = patched(&base, &["services.web.soft_depends_on-=cache", "services.cache.deployments-=cache-a"]).unwrap();
    let web = s.spec().services.iter().find(|x| x.name == "web").unwrap();
    assert!(web.soft_depends_on.is_empty());
    let cache = &s.spec().services[0];
    assert_eq!(cache.deployments, [DeploymentSpec { pool: "cache-b".into(), ..Default::default() }]);
    let s = patched(&base, &["services.cache.deployments-=1"]).unwrap();
    assert_eq!(s.spec().services[0].deployments, [DeploymentSpec { pool: "cache-a".into(), ..Default::default() }]);
    // The message lists what is there (it listed nothing).
    let err = patched(&base, &["services.web.soft_depends_on-=cach"]).unwrap_err();
    assert!(err.ends_with("no element 'cach' to remove (elements: cache)"), "{err}");
    let err = patched(&base, &["services.cache.deployments-=cache-c"]).unwrap_err();
    assert!(err.ends_with("no element 'cache-c' to remove (elements: cache-a, cache-b)"), "{err}");
    let err = patched(&base, &["services.web.tags-=x"]).unwrap_err();
    assert!(err.ends_with("no element 'x' to remove ('services.web.tags' is empty)"), "{err}");
}

/// Three systems, each a pool of 2 servers and a service on it.
const SYSTEMS: &str = r#"systems: [Systems(name: "app", count: 3,
        pools: [Pool(name: "{system}-pool", room: "hall", servers: 2, boot: Fixed("10m"))],
        services: [Service(name: "{system}", users: 10, demand: 2, deployments: [(pool: "{system}-pool"CAPACITY)])])],"#;

#[test]
fn templates_are_patched_as_written() {
    let base = load(&with(MINIMAL, &SYSTEMS.replace("CAPACITY", "")));
    // 2 services of its own + 3 systems of 1 = 5; pools the same.
    assert_eq!((base.spec().services.len(), base.spec().pools.len()), (5, 5));
    // 5 systems: 2 + 5 = 7 of each, named app-1 to app-5.
    let s = patched(&base, &["systems.app.count=5"]).unwrap();
    assert_eq!((s.spec().services.len(), s.spec().pools.len()), (7, 7));
    assert_eq!(s.spec().services[6].name, "app-5");
    // A template's element is named as written, "{system}".
    let s = patched(&base, &["systems.app.services.{system}.users=20"]).unwrap();
    let users: Vec<u64> = s.spec().services.iter().map(|x| x.users).collect();
    assert_eq!(users, [100_000, 0, 20, 20, 20]);
    // The same in a variant of the file.
    let v = load(&with(
        MINIMAL,
        &format!(
            "{}\n    variants: [Variant(name: \"more\", set: [\"systems.app.count=4\"])],",
            SYSTEMS.replace("CAPACITY", "")
        ),
    ));
    assert_eq!(v.variant("more").unwrap().spec().services.len(), 6);
}

#[test]
fn an_element_a_template_makes_is_patched_at_its_template() {
    // A patch changes the file as written, where `app-2` and `app-2-pool`
    // are not written: they are the template's "{system}" and
    // "{system}-pool" for system 2 of 'app'. The refusal says where to patch
    // instead of listing the file's own elements as if the name were a typo.
    let base = load(&with(MINIMAL, &SYSTEMS.replace("CAPACITY", "")));
    for (patch, kind, element) in
        [("services.app-2.users=5", "services", "{system}"), ("pools.app-2-pool.servers=4", "pools", "{system}-pool")]
    {
        let e = patched(&base, &[patch]).unwrap_err();
        assert!(
            e.contains(&format!("'{}' is made by the template 'app' (systems)", patch.split('.').nth(1).unwrap()))
                && e.contains(&format!("systems.app.{kind}.{element}.<field>")),
            "{patch}: {e}"
        );
    }
    // A name that only looks like one (no number, another template, a
    // number with more after it that the pattern does not make) is unknown.
    for patch in ["services.app-x.users=5", "services.web-2.users=5", "pools.app-2-pool-b.servers=4"] {
        let e = patched(&base, &[patch]).unwrap_err();
        assert!(e.contains("has no") && !e.contains("template"), "{patch}: {e}");
    }
    // Patched where the refusal says, every system changes.
    let s = patched(&base, &["systems.app.services.{system}.users=5"]).unwrap();
    assert!(s.spec().services.iter().filter(|x| x.name.starts_with("app-")).all(|x| x.users == 5));
}

#[test]
fn a_non_finite_number_in_a_template_is_refused_once_at_the_template() {
    // Instantiated through JSON, a non-finite number became null: in an
    // optional field (a deployment's capacity) silently nothing, in a
    // plain one (a pool's broken_fraction) a copy that did not read back,
    // so every system kept the template's names ("{system}-pool": duplicate
    // names all around the real problem). Now validation sees the number,
    // as it does outside a template, and says so once, at the template.
    for number in ["NaN", "inf", "-inf"] {
        let capacity = with(MINIMAL, &SYSTEMS.replace("CAPACITY", &format!(", capacity: {number}")));
        let broken = with(
            MINIMAL,
            &SYSTEMS.replace("CAPACITY", "").replace("servers: 2,", &format!("servers: 2, broken_fraction: {number},")),
        );
        for (src, field, says) in [
            (capacity, "capacity", "capacity must be a fraction of demand greater than zero, not"),
            (broken, "broken_fraction", "broken_fraction must be a probability between 0 and 1, not"),
        ] {
            let err = Scenario::from_ron_str(&src).unwrap_err();
            let [d] = err.diagnostics() else { panic!("{field}: {number}: one diagnostic, not:\n{err}") };
            let line = src.lines().nth(d.position.unwrap().line - 1).unwrap();
            assert!(line.contains(&format!("{field}: {number}")), "{number}: located at {line}");
            assert!(d.message.contains(&format!("{says} {number}")), "{d}");
            assert!(d.message.ends_with("(and the same in 2 more systems of this template)"), "{d}");
        }
    }
}

#[test]
fn a_template_expands_into_no_more_than_a_file_may_hold() {
    // Counted in elements only, a small file could expand into gigabytes:
    // here each of 100 systems has 100 tags "{system}", each as long as a
    // system's name: 10,000 characters, a dash and 3 digits. That is at
    // least 100 x 100 x 10,004 = 100,040,000 bytes, more than the
    // 67,108,864 (64 MiB) a scenario file may hold: refused, at the count.
    let name = "n".repeat(10_000);
    let tags = vec![r#""{system}""#; 100].join(", ");
    let systems = SYSTEMS
        .replace(r#"name: "app", count: 3"#, &format!(r#"name: "{name}", count: 100"#))
        .replace("CAPACITY)]", &format!(")], tags: [{tags}]"));
    let src = with(MINIMAL, &systems);
    let err = Scenario::from_ron_str(&src).unwrap_err();
    let [d] = err.diagnostics() else { panic!("one diagnostic, not:\n{err}") };
    assert!(d.message.contains("templates expand into more than 67108864 bytes of scenario in all"), "{d}");
    let line = src.lines().nth(d.position.unwrap().line - 1).unwrap();
    assert!(line.contains("count: 100"), "{line}");
}

#[test]
fn what_variants_cost_is_bounded() {
    // Each variant is the whole scenario, templates expanded, validated at
    // load. A template service with 15 tags is 24 values (the struct;
    // name, users, priority, demand; the deployments list, its deployment
    // and its pool; the tags list and its 15 tags) and its pool 6 (the
    // struct; name, room, servers; boot's variant and its duration): 30 a
    // system. 100,000 systems are 3,000,000 values, and the scenario around
    // them more: past the 3,000,000 a file's variants may cost, refused
    // before any of it is built, at the variant.
    assert_eq!(MAX_VARIANT_VALUES, 3_000_000);
    let tags = vec![r#""t""#; 15].join(", ");
    let systems = SYSTEMS.replace("count: 3", "count: 1").replace("CAPACITY)]", &format!(")], tags: [{tags}]"));
    let variants = r#"variants: [Variant(name: "small", set: ["systems.app.count=100"]),
                 Variant(name: "huge", set: ["systems.app.count=100000"])],"#;
    let src = with(MINIMAL, &format!("{systems}\n    {variants}"));
    let err = Scenario::from_ron_str(&src).unwrap_err();
    let [d] = err.diagnostics() else { panic!("one diagnostic, not:\n{err}") };
    assert!(
        d.message.starts_with("variant 'huge': the file's variants would make validate more than the 3000000 values"),
        "{d}"
    );
    let line = src.lines().nth(d.position.unwrap().line - 1).unwrap();
    assert!(line.contains(r#"Variant(name: "huge""#), "{line}");
    // Without it the file loads: 100 systems are 3,000 values.
    let small = with(MINIMAL, &format!("{systems}\n    {}", variants.replace("count=100000", "count=2")));
    assert_eq!(load(&small).variant("small").unwrap().spec().services.len(), 102);
    // A variant cannot patch the variants.
    let err = patched(&load(&small), &[r#"variants.small.name="big""#]).unwrap_err();
    assert!(err.contains("variants cannot be patched"), "{err}");
}

/// The bundled scenarios, as text.
const BUNDLED: [&str; 6] = [
    MINIMAL,
    include_str!("../../scenarios/kakao_pangyo_2022.ron"),
    include_str!("../../scenarios/samsung_sds_gwacheon_2014.ron"),
    include_str!("../../scenarios/hall_battery_fire.ron"),
    include_str!("../../scenarios/tooling_deadlock.ron"),
    include_str!("../../scenarios/utility_disturbance.ron"),
];

/// No patch, no change: the scenario as written goes to the tree patches
/// act on and back unchanged (a patched scenario has no variants).
fn round_trips(s: &Scenario) -> Result<(), TestCaseError> {
    let mut expected = s.spec().clone();
    expected.variants.clear();
    let back = s.patched(&[]).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(back.spec(), &expected);
    Ok(())
}

#[test]
fn every_bundled_scenario_round_trips() {
    for src in BUNDLED {
        round_trips(&load(src)).unwrap();
    }
    // With templates too: the expanded scenario is the same.
    round_trips(&load(&with(MINIMAL, &SYSTEMS.replace("CAPACITY", ", capacity: 1.0")))).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Generated estates round-trip, and a patch to one service's users
    /// changes that and nothing else.
    #[test]
    fn generated_scenarios_round_trip_and_patches_stay_in_place(
        sites in 1u32..4, services in 1u32..40, seed in any::<u64>(), pick in any::<usize>(), users in 0u64..1_000_000,
    ) {
        let estate = Estate { sites, servers: 2_000, services, seed };
        let s = Scenario::from_spec(estate.spec().unwrap()).unwrap();
        round_trips(&s)?;
        let k = pick % s.spec().services.len();
        let name = s.spec().services[k].name.clone();
        let p = s.patched(&[format!("services.{name}.users={users}").parse().unwrap()]).unwrap();
        let mut expected = s.spec().clone();
        expected.services[k].users = users;
        prop_assert_eq!(p.spec(), &expected);
    }
}

/// Steps a patch path may take: real names, fields and indices, and
/// things that name nothing.
const STEPS: &[&str] = &[
    "services",
    "pools",
    "power",
    "sites",
    "disasters",
    "recovery",
    "systems",
    "variants",
    "horizon",
    "name",
    "web",
    "db",
    "web-servers",
    "db-servers",
    "dc1",
    "hall",
    "rooms",
    "diesel",
    "battery-fire",
    "grid-outage",
    "hazards",
    "electrical",
    "deployments",
    "depends_on",
    "soft_depends_on",
    "users",
    "servers",
    "boot",
    "policy",
    "failover",
    "detection",
    "spread",
    "probability",
    "feeds",
    "tags",
    "0",
    "1",
    "9",
    "x",
    "\"a.b\"",
    "é",
    "-",
    "+",
];

/// Values: well-formed of many types, and broken ones.
const VALUES: &[&str] = &[
    "1",
    "0",
    "-1",
    "1e308",
    "NaN",
    "inf",
    "\"db\"",
    "\"web\"",
    "Fixed(\"1h\")",
    "(pool: \"db-servers\")",
    "ByUsers",
    "[\"db\"]",
    "(",
    ")",
    "1, x: 2",
    "None",
    "Some(1)",
    "\"",
    "Automatic(detection: Fixed(\"1m\"), switch: Fixed(\"1m\"))",
    "// c",
    "r#\"x\"#",
    "cache",
    "(service: \"db\", impact: 0.5)",
    "[]",
    "()",
    "\"10m\"",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Any patch is applied or refused with a reason, never a panic; a
    /// refusal of the patch itself names it.
    #[test]
    fn any_patch_is_applied_or_refused(
        steps in prop::collection::vec(prop::sample::select(STEPS), 1..6),
        op in prop::sample::select(&["=", "+=", "-="][..]),
        value in prop::sample::select(VALUES),
    ) {
        let text = format!("{}{op}{value}", steps.join("."));
        let Ok(patch) = text.parse::<Patch>() else { return Ok(()) };
        let base = load(MINIMAL);
        if let Err(e) = base.patched(std::slice::from_ref(&patch)) {
            prop_assert!(!e.diagnostics().is_empty());
            // Each problem names the patch, or is a problem of the patched
            // scenario, located by its path.
            for d in e.diagnostics() {
                prop_assert!(d.message.starts_with(&patch.to_string()) || d.path.is_some(), "{d}");
            }
        }
    }
}
