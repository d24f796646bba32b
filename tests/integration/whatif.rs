//! What-if studies: patches, variants and paired comparisons.

use outage::Scenario;
use outage::objective::Metric;
use outage::scenario::Patch;
use outage::study::Compare;

use crate::common::load;

const MINIMAL: &str = include_str!("../../scenarios/minimal.ron");

fn minimal() -> Scenario {
    load(MINIMAL)
}

fn patched(patches: &[&str]) -> Result<Scenario, String> {
    let patches: Vec<Patch> = patches.iter().map(|p| p.parse()).collect::<Result<_, _>>()?;
    minimal().patched(&patches).map_err(|e| e.to_string())
}

#[test]
fn patches_set_append_and_remove() {
    // Set a field, set a field left to its default, append to and remove
    // from a list: each reads back as written.
    let s = patched(&[
        "pools.web-servers.servers=80",
        "services.web.deployments.0.servers=40",
        "services.web.quorum=1",
        "services.web.depends_on-=db",
        r#"services.db.deployments+=(pool: "web-servers", servers: 2)"#,
    ])
    .unwrap();
    let spec = s.spec();
    assert_eq!(spec.pools[0].servers, 80);
    assert_eq!(spec.services[0].quorum, Some(1));
    assert!(spec.services[0].depends_on.is_empty());
    assert_eq!(spec.services[1].deployments.len(), 2);
    // Errors name the patch and what is wrong.
    for (patch, fragment) in [
        ("pools.web-srvers.servers=80", "'pools' has no 'web-srvers' (elements: web-servers, db-servers)"),
        ("pools.web-servers.srvers=80", "unexpected field named `srvers`"),
        ("pools.web-servers.servers=\"many\"", "expected integer"),
        ("services.web.depends_on-=cache", "no element 'cache' to remove (elements: db)"),
        ("pools.web-servers.servers+=1", "the path does not name a list"),
    ] {
        let err = patched(&[patch]).unwrap_err();
        assert!(err.to_lowercase().contains(&fragment.to_lowercase()), "{patch}: {err}");
    }
    // A value that does not read is blamed on its own patch, and a later
    // patch still edits well-formed text (non-ASCII once split a character).
    let err = patched(&["pools.web-servers.servers=é", "pools.web-servers.servers=40"]).unwrap_err();
    assert!(err.contains("pools.web-servers.servers=é: Expected integer"), "{err}");
    // A name made of digits is a name first: pool "1" is the first pool,
    // not the second.
    let s = patched(&[
        r#"pools.web-servers.name="1""#,
        r#"services.web.deployments.0.pool="1""#,
        "pools.1.servers=99",
        "pools.1.servers=98",
    ])
    .unwrap();
    assert_eq!((s.spec().pools[0].servers, s.spec().pools[1].servers), (98, minimal().spec().pools[1].servers));
    assert!("no-equals-sign".parse::<Patch>().is_err());
    assert!("a..b=1".parse::<Patch>().is_err());
}

#[test]
fn variants_are_checked_at_load_and_located() {
    let with = |set: &str| {
        MINIMAL.replacen(
            "    disasters: [",
            &format!("    variants: [Variant(name: \"v\", set: [{set}])],\n    disasters: ["),
            1,
        )
    };
    let s = load(&with(r#""pools.web-servers.servers=80""#));
    assert_eq!(s.variant_names().collect::<Vec<_>>(), ["v"]);
    assert_eq!(s.variant("v").unwrap().spec().pools[0].servers, 80);
    assert!(s.variant("w").unwrap_err().to_string().contains("no variant 'w' (variants: v)"));
    // A patch naming nothing: refused at load, at the patch's line.
    let src = with(r#""pools.web-srvers.servers=80""#);
    let err = Scenario::from_ron_str(&src).unwrap_err();
    let d = &err.diagnostics()[0];
    assert!(d.message.starts_with("variant 'v': pools.web-srvers.servers=80: 'pools' has no 'web-srvers'"), "{err}");
    let line = src.lines().nth(d.position.unwrap().line - 1).unwrap();
    assert!(line.contains("web-srvers"), "{line}");
}

#[test]
fn paired_comparison_finds_a_real_effect_and_no_false_one() {
    // In the grid outage (the grid lost 1h..7h) the generator carries the
    // site in 98% of runs. Without it (start probability 0) the UPS runs dry
    // at 1h10m and the hall is dark until the grid returns at 7h; db's
    // servers boot in 20m and web needs db: web is down 1h10m..7h20m, 6h10m,
    // in every run. The paired difference is that minus the baseline's own downtime,
    // run by run.
    let base = minimal();
    let no_gen = base.patched(&["power.diesel.start_probability=0.0".parse().unwrap()]).unwrap();
    let slow = base.patched(&["pools.web-servers.boot=Fixed(\"1h\")".parse().unwrap()]).unwrap();
    let same = base.patched(&["pools.web-servers.boot=Uniform(min: \"5m\", max: \"15m\")".parse().unwrap()]).unwrap();
    let report = Compare::new(&base)
        .variant("no generator", &no_gen)
        .variant("slow boot", &slow)
        .variant("same", &same)
        .runs(300)
        .seed(3)
        .run()
        .unwrap();
    let dark = report.row("no generator", "grid-outage", "web", Metric::Downtime).unwrap();
    assert!((dark.value - (6.0 + 10.0 / 60.0)).abs() < 1e-9, "{dark:?}");
    assert!((dark.difference - (dark.value - dark.baseline)).abs() < 1e-9, "{dark:?}");
    assert!(dark.is_significant() && dark.difference_low > 0.0, "{dark:?}");
    // A slower web boot after the battery fire: the same fire in both runs
    // of each pair, so the difference varies far less than either side
    // (variance reduction well above 1) and its interval excludes zero.
    let slower = report.row("slow boot", "battery-fire", "web", Metric::Downtime).unwrap();
    assert!(slower.is_significant() && slower.difference_low > 0.0, "{slower:?}");
    assert!(slower.variance_reduction.unwrap() > 10.0, "{slower:?}");
    // A variant that changes nothing (the boot time as written): every
    // paired difference is exactly zero, and the interval is [0, 0].
    let none = report.row("same", "battery-fire", "web", Metric::Downtime).unwrap();
    assert_eq!((none.difference, none.difference_low, none.difference_high), (0.0, 0.0, 0.0));
    assert!(!none.is_significant() && none.variance_reduction.is_none());
    // Sequential: 20 pairs, then 40, 80, up to 300 (5 looks, each at
    // 1 - 0.05/5 = 99%). Without the generator web's difference is some
    // 6 hours in every pair: clear at the first look, 20 runs. A variant
    // that changes nothing never excludes zero: it spends the budget.
    let seq = Compare::new(&base)
        .variant("no generator", &no_gen)
        .variant("same", &same)
        .services(&["web".to_owned()])
        .disasters(&["grid-outage".to_owned()])
        .runs(300)
        .sequential(20)
        .seed(3)
        .run()
        .unwrap();
    assert_eq!(seq.looks, 5);
    assert!((seq.look_confidence - 0.99).abs() < 1e-12, "{}", seq.look_confidence);
    let clear = seq.row("no generator", "grid-outage", "web", Metric::Downtime).unwrap();
    assert_eq!(clear.runs, 20);
    assert!(clear.is_significant(), "{clear:?}");
    assert_eq!(seq.row("same", "grid-outage", "web", Metric::Downtime).unwrap().runs, 300);
    assert_eq!(seq.rows.len(), 2);
    assert!(Compare::new(&base).variant("same", &same).runs(10).sequential(11).run().is_err());
    // A variant that runs longer is refused: pairs share one run length.
    let longer = base.patched(&[r#"horizon="4h""#.parse().unwrap()]).unwrap();
    let err = Compare::new(&base).variant("short", &longer).run().unwrap_err().to_string();
    assert!(err.contains("'short' runs for 4h and the baseline for 2d"), "{err}");
    // Same seed, same report, on any number of threads.
    let again = Compare::new(&base)
        .variant("no generator", &no_gen)
        .variant("slow boot", &slow)
        .variant("same", &same)
        .runs(300)
        .seed(3)
        .threads(1)
        .run()
        .unwrap();
    assert_eq!(again, report);
}

#[test]
fn single_points_of_failure_are_ranked_by_what_their_loss_costs() {
    use outage::study::Spof;
    // minimal: grid -> ups (+ diesel) -> hall (cooled by crah) -> web, db.
    // Lost alone for 4h from 1h: the UPS, the hall and db take both
    // services down (web needs db); the grid and the diesel take nothing
    // down (each is backed by the other). Same numbers on any thread count.
    let scenario = minimal();
    let report = Spof::new(&scenario).runs(10).seed(2).run().unwrap();
    let row = |name: &str| report.rows.iter().find(|r| r.element == name).unwrap();
    for name in ["ups", "hall", "db"] {
        assert_eq!(row(name).services_down, ["web", "db"], "{name}");
        assert!(row(name).user_hours_lost > 0.0, "{name}");
    }
    for name in ["grid", "diesel"] {
        assert!(row(name).services_down.is_empty(), "{name}: {:?}", row(name));
    }
    // web alone takes only web down, so it ranks below db.
    assert_eq!(row("web").services_down, ["web"]);
    let rank = |name: &str| report.rows.iter().position(|r| r.element == name).unwrap();
    assert!(rank("db") < rank("web") && rank("web") < rank("grid"));
    assert_eq!(Spof::new(&scenario).runs(10).seed(2).threads(1).run().unwrap(), report);
    let zero = Spof::new(&scenario).duration(outage::SimDuration::ZERO).run().unwrap_err().to_string();
    assert!(zero.contains("must last longer than zero"), "{zero}");
}

#[test]
fn a_sweep_and_a_tornado_move_one_thing_at_a_time() {
    use outage::study::{Sensitivity, Sweep, split_values};
    // RON values with commas inside stay whole.
    assert_eq!(
        split_values(r#"Fixed("1h"),Uniform(min: "1h", max: "2h"), 3"#),
        [r#"Fixed("1h")"#, r#"Uniform(min: "1h", max: "2h")"#, "3"]
    );
    // An escaped backslash does not escape the closing quote.
    assert_eq!(split_values(r#""a\\",b"#), [r#""a\\""#, "b"]);
    // The diesel always starts (1.0): the grid outage costs nothing, the UPS
    // bridging its 15 s start. It never starts (0.0): web is down 1h10m to
    // 7h20m in every run, 6h10m (see the comparison test above).
    let scenario = minimal();
    let sweep = Sweep::new(&scenario)
        .parameter("power.diesel.start_probability", &["0.0", "1.0"])
        .metric(Metric::Downtime)
        .runs(40)
        .run()
        .unwrap();
    let never = sweep.point(&["0.0"], "grid-outage", "web").unwrap();
    let always = sweep.point(&["1.0"], "grid-outage", "web").unwrap();
    assert!((never.mean - (6.0 + 10.0 / 60.0)).abs() < 1e-6, "{never:?}");
    assert_eq!(always.mean, 0.0);
    // The tornado ranks the generator first; a parameter whose low and high
    // are the same swings nothing.
    let tornado = Sensitivity::new(&scenario)
        .parameter("pools.web-servers.repair", r#"Fixed("4h")"#, r#"Fixed("4h")"#)
        .parameter("power.diesel.start_probability", "0.0", "1.0")
        .runs(40)
        .run()
        .unwrap();
    assert_eq!(tornado.rows[0].parameter, "power.diesel.start_probability");
    assert!(tornado.rows[0].swing > 0.0 && tornado.rows[0].at_low > tornado.rows[0].at_high);
    assert_eq!(tornado.rows[1].swing, 0.0);
    // A value that makes no valid scenario is refused, naming it.
    let err = Sweep::new(&scenario).parameter("pools.web-servers.servers", &["0"]).runs(5).run().unwrap_err();
    assert!(err.to_string().contains("pools.web-servers.servers=0"), "{err}");
}

#[test]
fn a_report_of_a_single_run_draws_unbounded_intervals_to_the_edge() {
    use outage::visual::Report;
    // One run gives a paired difference whose interval is -inf..+inf; the
    // chart's axis must stay finite (plotters looped forever looking for
    // ticks on an unbounded axis). No runs is refused.
    let scenario = minimal();
    let variant = patched(&["pools.web-servers.servers=40"]).unwrap();
    let page = Report::new(&scenario).runs(1).variant("fewer servers", variant).build().unwrap();
    assert!(page.contains("fewer servers"));
    assert!(Report::new(&scenario).runs(0).build().unwrap_err().to_string().contains("at least one run"));
}
