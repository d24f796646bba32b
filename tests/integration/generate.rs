//! `outage generate`: generated estates are valid by construction, the
//! requested size, and the same for the same seed.

use outage::synthetic::Estate;
use outage::{RunOptions, Scenario, Simulation};
use proptest::prelude::*;

fn estate(sites: u32, servers: u64, services: u32, seed: u64) -> Estate {
    Estate { sites, servers, services, seed }
}

#[test]
fn a_small_estate_has_the_planned_shape() {
    let spec = estate(2, 1_000, 10, 0).spec().unwrap();
    // 1,000 servers over 2 sites: 500 a site, in pools of about 50 -> 10
    // pools a site, 20 in all; 10 pools fit one hall of 20, so each site has
    // 2 electrical rooms + 1 network room + 1 hall = 4 rooms, 8 in all.
    assert_eq!(spec.sites.len(), 2);
    assert_eq!(spec.sites.iter().map(|s| s.rooms.len()).sum::<usize>(), 8);
    assert_eq!(spec.pools.len(), 20);
    assert_eq!(spec.pools.iter().map(|p| p.servers).sum::<u64>(), 1_000);
    for site in &spec.sites {
        let prefix = format!("{}/", site.name);
        let servers: u64 = spec.pools.iter().filter(|p| p.room.starts_with(&prefix)).map(|p| p.servers).sum();
        assert_eq!(servers, 500, "{}", site.name);
    }
    // Per site: grid, generator, transfer switch and UPS on each of two
    // sides = 8 power components, 16 in all; 3 air handlers a hall = 6.
    assert_eq!(spec.power.len(), 16);
    assert_eq!(spec.cooling.len(), 6);
    // 10 services: the 8 platform services, then 2 products.
    let names: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "dns",
            "storage",
            "database",
            "login",
            "message-queue",
            "ops-tooling",
            "deploy",
            "monitoring",
            "product-0",
            "product-1"
        ]
    );
    // One operations team for the one region (sites 0-4), and the SREs.
    assert_eq!(spec.teams.len(), 2);
    let scenario = Scenario::from_spec(spec).unwrap();
    assert!(scenario.warnings().is_empty(), "{:?}", scenario.warnings());
}

#[test]
fn platform_services_keep_one_site_to_spare() {
    let spec = estate(6, 60_000, 100, 3).spec().unwrap();
    let login = spec.services.iter().find(|s| s.name == "login").unwrap();
    // Three sites of six: 0, 2 and 4; demand is what the two smaller
    // deployments carry, so losing any one site leaves enough.
    let sizes: Vec<u64> = login.deployments.iter().map(|d| d.servers.unwrap()).collect();
    assert_eq!(sizes.len(), 3);
    let sites: Vec<&str> = login.deployments.iter().map(|d| d.pool.split('/').next().unwrap()).collect();
    assert_eq!(sites, ["site-0", "site-2", "site-4"]);
    assert_eq!(login.demand, sizes.iter().sum::<u64>() - sizes.iter().max().unwrap());
}

#[test]
fn the_file_round_trips_and_is_deterministic() {
    let e = estate(3, 8_000, 60, 7);
    let text = e.to_ron().unwrap();
    assert_eq!(text, e.to_ron().unwrap(), "same parameters, same bytes");
    assert_ne!(text, estate(3, 8_000, 60, 8).to_ron().unwrap(), "another seed, another estate");
    let from_text = Scenario::from_ron_str(&text).unwrap();
    assert_eq!(from_text.spec(), &e.spec().unwrap(), "the file says exactly what the spec says");
    // And it runs: a year of random failures plus the first disaster.
    let report = Simulation::new(&from_text, None).unwrap().run(&RunOptions::default().timeline(false)).unwrap();
    assert!(report.events > 100, "{} events", report.events);
}

#[test]
fn too_small_or_too_large_is_refused_with_a_reason() {
    for (e, says) in [
        (estate(0, 100, 10, 0), "sites must be between 1"),
        (estate(2, 100, 0, 0), "services must be between 1"),
        (estate(50, 60, 10, 0), "50 sites need at least 100 servers"),
        (estate(1, 20, 50, 0), "20 servers are too few for 50 services on 1 sites"),
        (estate(1, u64::MAX, 10, 0), "servers must be at most"),
    ] {
        let err = e.spec().unwrap_err().to_string();
        assert!(err.contains(says), "{e:?}: {err}");
    }
}

/// One site: a product's standby must go to another pool than its active
/// deployment; when that pool is full, the product has no standby (these
/// sizes gave deployments of zero servers before).
#[test]
fn one_site_estates_never_overcommit_a_pool() {
    for (servers, services, seed) in
        [(16, 12, 8), (30, 20, 15), (40, 20, 2), (40, 20, 8), (103, 55, 2_705_678_229_989_554_238)]
    {
        let spec = estate(1, servers, services, seed).spec().unwrap();
        if let Err(e) = Scenario::from_spec(spec) {
            panic!("1 site, {servers} servers, {services} services, seed {seed}: {e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Any size the generator accepts gives a valid scenario with exactly
    /// the servers and services asked for.
    #[test]
    fn every_accepted_size_is_valid(sites in 1u32..12, servers in 1u64..6_000, services in 1u32..120, seed in any::<u64>()) {
        if let Ok(spec) = estate(sites, servers, services, seed).spec() {
            prop_assert_eq!(spec.pools.iter().map(|p| p.servers).sum::<u64>(), servers);
            prop_assert_eq!(spec.services.len(), services as usize);
            prop_assert_eq!(spec.sites.len(), sites as usize);
            if let Err(e) = Scenario::from_spec(spec) {
                prop_assert!(false, "invalid: {}", e);
            }
        }
    }
}
