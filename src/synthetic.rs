//! Generated scenarios: [`Estate`], a realistic estate of any size (what
//! `outage generate` writes, and a start for modelling your own), and
//! [`machine_repair`], the textbook model the engine is benchmarked on.

use crate::dist::Dist;
use crate::scenario::spec::*;
use crate::time::SimDuration;

/// The classic machine-repair model: `components` single-server pools that
/// fail and are repaired at exponential times, grouped `per_room` to a data
/// hall whose own failures take all its pools down. One grid feed powers
/// every hall; one service runs on the first pool. Mean times: components
/// fail every 100 h and take 2 h to repair; halls fail every 2,000 h and
/// take 8 h.
///
/// # Panics
/// If `components` or `per_room` is zero.
///
/// # Examples
/// ```
/// use outage::{synthetic, RunOptions, Scenario, SimDuration, Simulation};
/// let scenario = Scenario::from_spec(synthetic::machine_repair(1_000, 100))?;
/// let mut sim = Simulation::new(&scenario, None)?; // no disaster: random failures only
/// let report = sim.run(&RunOptions::default().horizon(SimDuration::from_days(30)).timeline(false))?;
/// assert!(report.events > 10_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn machine_repair(components: usize, per_room: usize) -> ScenarioSpec {
    assert!(components > 0 && per_room > 0, "a machine-repair model needs components and rooms");
    let exp = |hours| Dist::Exponential { mean: SimDuration::from_hours(hours) };
    let rooms = components.div_ceil(per_room);
    ScenarioSpec {
        name: format!("machine-repair-{components}"),
        description: "Components that fail and are repaired at random, grouped under halls that fail too.".into(),
        horizon: SimDuration::from_days(365),
        sites: vec![SiteSpec {
            name: "site".into(),
            rooms: (0..rooms)
                .map(|r| RoomSpec {
                    name: format!("room-{r}"),
                    kind: RoomKind::DataHall,
                    feeds: vec!["grid".into()],
                    failures: Some(Failures { time_to_failure: exp(2_000), time_to_repair: exp(8) }),
                    ..RoomSpec::default()
                })
                .collect(),
            ..SiteSpec::default()
        }],
        power: vec![PowerSpec::Utility { name: "grid".into(), failures: None, tags: Vec::new() }],
        pools: (0..components)
            .map(|i| PoolSpec {
                name: format!("m-{i}"),
                room: format!("room-{}", i / per_room),
                servers: 1,
                failures: Some(Failures { time_to_failure: exp(100), time_to_repair: exp(2) }),
                ..PoolSpec::default()
            })
            .collect(),
        services: vec![ServiceSpec {
            name: "probe".into(),
            users: 1,
            priority: 1,
            demand: 1,
            deployments: vec![DeploymentSpec { pool: "m-0".into(), ..DeploymentSpec::default() }],
            ..ServiceSpec::default()
        }],
        ..ScenarioSpec::default()
    }
}

/// A generated estate: many sites, servers and services, realistic in shape
/// (see [`Estate::spec`]), the same for the same parameters and seed.
///
/// # Examples
/// ```
/// use outage::{synthetic::Estate, Scenario};
/// let estate = Estate { sites: 4, servers: 8_000, services: 60, seed: 7 };
/// let spec = estate.spec()?;
/// assert_eq!(spec.pools.iter().map(|p| p.servers).sum::<u64>(), 8_000);
/// let scenario = Scenario::from_spec(spec)?; // valid by construction
/// assert_eq!(scenario.disasters().len(), 2);
/// // The same parameters give the same file, byte for byte.
/// assert_eq!(estate.to_ron()?, estate.to_ron()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Estate {
    /// Sites (buildings), at least one; five to a region.
    pub sites: u32,
    /// Servers in all, spread evenly over the sites in pools of about
    /// [`SERVERS_PER_POOL`].
    pub servers: u64,
    /// Services in all: the shared platform services first, then products.
    pub services: u32,
    /// Seed for the estate's shape (pool sizes, placement, dependencies);
    /// not the seed of the runs.
    pub seed: u64,
}

/// Servers in a generated pool, about (a row of racks behind one switch).
pub const SERVERS_PER_POOL: u64 = 50;
/// Pools in a generated data hall.
pub const POOLS_PER_HALL: usize = 20;
/// The most sites [`Estate`] generates.
pub const MAX_ESTATE_SITES: u32 = 10_000;
/// The most services [`Estate`] generates.
pub const MAX_ESTATE_SERVICES: u32 = 1_000_000;
/// The most servers [`Estate`] generates.
pub const MAX_ESTATE_SERVERS: u64 = 100_000_000;

/// Why an estate cannot be generated.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EstateError(String);

/// The shared platform services every generated estate starts with, with
/// their hard dependencies (earlier in this list only). Login, storage and
/// the database have heavy fan-in; tooling and deploy are what manual
/// recovery needs.
const PLATFORM: [(&str, &[&str]); 8] = [
    ("dns", &[]),
    ("storage", &["dns"]),
    ("database", &["dns", "storage"]),
    ("login", &["dns", "database"]),
    ("message-queue", &["dns"]),
    ("ops-tooling", &["dns"]),
    ("deploy", &["dns", "storage", "ops-tooling"]),
    ("monitoring", &["dns", "storage"]),
];

/// A small portable generator for the estate's shape (SplitMix64), so that
/// a seed gives the same estate whatever `rand` version is linked.
struct Shape(u64);

impl Shape {
    fn next(&mut self) -> u64 {
        crate::rng::splitmix64(&mut self.0)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// Zero-padded index, as wide as the largest index of `count`.
fn numbered(prefix: &str, i: usize, count: usize) -> String {
    let width = count.saturating_sub(1).max(1).to_string().len();
    format!("{prefix}{i:0width$}")
}

fn minutes(m: u64) -> SimDuration {
    SimDuration::from_minutes(m)
}

fn hours(h: u64) -> SimDuration {
    SimDuration::from_hours(h)
}

fn exp_hours(h: u64) -> Dist {
    Dist::Exponential { mean: hours(h) }
}

fn lognormal(median: SimDuration, sigma: f64) -> Dist {
    Dist::LogNormal { median, sigma }
}

fn failures(mean_hours_between: u64, repair_median: SimDuration) -> Option<Failures> {
    Some(Failures { time_to_failure: exp_hours(mean_hours_between), time_to_repair: lognormal(repair_median, 0.7) })
}

/// One pool as the generator plans it: its name, site and servers.
struct PlannedPool {
    name: String,
    site: usize,
    servers: u64,
}

impl Estate {
    /// The scenario: per site, two utility feeds each backed by a generator
    /// through a transfer switch, two UPS (A and B, in their own electrical
    /// rooms, one with lithium batteries), a network room, two WAN uplinks
    /// (one needed), and data halls of [`POOLS_PER_HALL`] pools fed by both
    /// UPS and cooled by three air handlers of which two are needed. Pools
    /// of about [`SERVERS_PER_POOL`] servers; pools of 100 or more are
    /// restarted by hand after a power loss, 25 servers a batch.
    ///
    /// Services: the eight platform services (`dns`, `storage`,
    /// `database`, `login`, `message-queue`, `ops-tooling`, `deploy`,
    /// `monitoring`) active in up to three sites with one site's worth to
    /// spare; then products in three tiers (back ends, middle, front
    /// ends), each active at a home site with users falling off by rank
    /// (Zipf), needing login (most), the database, the queue and, above
    /// the back ends, one to three products of lower tiers (some of them
    /// softly); most with a standby at another
    /// site (hot with automatic failover, or warm with a manual failover
    /// that needs the ops tooling and deploy). One operations team per
    /// region and a platform SRE team. Random failures on every utility
    /// feed, generator, UPS, air handler, network room, uplink and pool.
    ///
    /// Disasters: `site-power-loss` (the first site dark for a few hours)
    /// and `battery-fire` (a lithium fire in the first site's UPS-A room,
    /// the building cut by the fire service, power back in stages), over a
    /// horizon of one year. An objective: login available 99.9% of the
    /// time in the median run.
    ///
    /// # Errors
    /// A size out of range, or too few servers for the services' deployments.
    pub fn spec(&self) -> Result<ScenarioSpec, EstateError> {
        self.check()?;
        let mut shape = Shape(self.seed ^ 0x6573_7461_7465_0000);
        let sites = self.sites as usize;
        let mut spec = ScenarioSpec {
            name: format!("estate-{}-sites-{}-servers-{}-services", self.sites, self.servers, self.services),
            description: format!(
                "Generated by `outage generate --sites {} --servers {} --services {} --seed {}`.",
                self.sites, self.servers, self.services, self.seed
            ),
            horizon: SimDuration::from_days(365),
            ..ScenarioSpec::default()
        };
        let site_names: Vec<String> = (0..sites).map(|s| numbered("site-", s, sites)).collect();
        let regions = sites.div_ceil(5);
        let team_of_site = |s: usize| numbered("ops-region-", s / 5, regions);
        let mut pools = Vec::new();
        for (s, site) in site_names.iter().enumerate() {
            let servers = self.servers / sites as u64 + u64::from((s as u64) < self.servers % sites as u64);
            self.build_site(&mut spec, &mut shape, site, s, servers, regions, &team_of_site(s), &mut pools);
        }
        self.build_services(&mut spec, &mut shape, &pools, &team_of_site)?;
        spec.teams = (0..regions)
            .map(|r| TeamSpec {
                name: numbered("ops-region-", r, regions),
                engineers: 8,
                on_call: 2,
                arrival: Dist::Uniform { min: minutes(30), max: hours(2) },
                shifts: Some(ShiftSpec { work: hours(12), rest: hours(12), staggered: true }),
                ..TeamSpec::default()
            })
            .chain(std::iter::once(TeamSpec {
                name: "platform-sre".into(),
                engineers: 6,
                on_call: 2,
                arrival: Dist::Uniform { min: minutes(20), max: minutes(90) },
                ..TeamSpec::default()
            }))
            .collect();
        spec.disasters = disasters(&site_names[0]);
        let has_login = spec.services.iter().any(|s| s.name == "login");
        spec.objectives = vec![ObjectiveSpec {
            name: "login-availability".into(),
            service: "login".into(),
            metric: crate::objective::Metric::Availability,
            statistic: crate::objective::Statistic::P50,
            at_least: Some(crate::objective::Amount::Number(0.999)),
            at_most: None,
            disasters: Vec::new(),
        }];
        spec.objectives.retain(|_| has_login);
        Ok(spec)
    }

    /// [`Estate::spec`] written as a scenario file, no larger than the file
    /// limit in force ([`max_file_bytes`](crate::scenario::max_file_bytes)):
    /// whatever it returns, `outage mc` reads.
    ///
    /// # Errors
    /// As [`Estate::spec`]; or a file larger than the limit.
    pub fn to_ron(&self) -> Result<String, EstateError> {
        self.to_ron_within(crate::scenario::max_file_bytes())
    }

    /// [`Estate::to_ron`] with a limit of `max_bytes` on the file's size.
    /// The size is counted exactly as the file is written into memory, and
    /// writing stops one byte past the limit: a size too large is refused
    /// before anything is returned, and never costs more than the limit.
    ///
    /// # Errors
    /// As [`Estate::spec`]; or a file of more than `max_bytes` bytes.
    pub fn to_ron_within(&self, max_bytes: u64) -> Result<String, EstateError> {
        let spec = self.spec()?;
        let config = ron::ser::PrettyConfig::new().struct_names(true).depth_limit(4).compact_arrays(true).extensions(
            ron::extensions::Extensions::IMPLICIT_SOME | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
        );
        let too_large = || {
            EstateError(format!(
                "the file would be more than {max_bytes} bytes, the most a scenario file may hold (the \
                 OUTAGE_MAX_FILE_BYTES limit); give fewer servers or services"
            ))
        };
        let mut out = Bounded { text: String::new(), limit: max_bytes, over: false };
        let written = std::fmt::Write::write_fmt(&mut out, format_args!("// {}\n", spec.description))
            .map_err(|_| ron::Error::Fmt)
            .and_then(|()| ron::ser::to_writer_pretty(&mut out, &spec, config))
            .and_then(|()| std::fmt::Write::write_str(&mut out, "\n").map_err(|_| ron::Error::Fmt));
        match written {
            Ok(()) => Ok(out.text),
            Err(_) if out.over => Err(too_large()),
            Err(e) => Err(EstateError(e.to_string())),
        }
    }

    /// The elements the estate declares (sites, rooms, power components,
    /// cooling units, pools, services and links), counted from its sizes
    /// before anything is built.
    pub fn elements(&self) -> u64 {
        let sites = u64::from(self.sites.max(1));
        // Per site: the site, 2 electrical rooms and a network room, its
        // halls (each with 3 air handlers), 8 power components, 2 uplinks
        // and its pools; sites hold `servers / sites` servers, the first
        // `servers % sites` one more.
        let site = |servers: u64| {
            let pools = (servers / SERVERS_PER_POOL).max(2);
            let halls = pools.div_ceil(POOLS_PER_HALL as u64);
            1 + 3 + halls + 8 + 3 * halls + 2 + pools
        };
        let (each, more) = (self.servers / sites, self.servers % sites);
        more * site(each + 1) + (sites - more) * site(each) + u64::from(self.services)
    }

    fn check(&self) -> Result<(), EstateError> {
        let fail = |m: String| Err(EstateError(m));
        if self.sites == 0 || self.sites > MAX_ESTATE_SITES {
            return fail(format!("sites must be between 1 and {MAX_ESTATE_SITES}, not {}", self.sites));
        }
        if self.services == 0 || self.services > MAX_ESTATE_SERVICES {
            return fail(format!("services must be between 1 and {MAX_ESTATE_SERVICES}, not {}", self.services));
        }
        if self.servers > MAX_ESTATE_SERVERS {
            return fail(format!("servers must be at most {MAX_ESTATE_SERVERS}, not {}", self.servers));
        }
        // Two pools a site at least; whether the services fit is checked
        // once they are placed.
        let needed = 2 * u64::from(self.sites);
        if self.servers < needed {
            return fail(format!("{} sites need at least {needed} servers, not {}", self.sites, self.servers));
        }
        // Counted before anything is built: a scenario is not loaded past it.
        let limit = crate::scenario::max_elements() as u64;
        if self.elements() > limit {
            return fail(format!(
                "the estate would declare {} elements; at most {limit} are loaded (the OUTAGE_MAX_ELEMENTS limit); \
                 give fewer servers or services",
                self.elements()
            ));
        }
        Ok(())
    }
}

/// Text written into memory, up to a limit of bytes: past it, writing fails.
struct Bounded {
    text: String,
    limit: u64,
    /// Writing went past the limit.
    over: bool,
}

impl std::fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if (self.text.len() as u64).saturating_add(s.len() as u64) > self.limit {
            self.over = true;
            return Err(std::fmt::Error);
        }
        self.text.push_str(s);
        Ok(())
    }
}

impl Estate {
    /// One site: its power chain, rooms, cooling, network and pools.
    #[allow(clippy::too_many_arguments)]
    fn build_site(
        &self,
        spec: &mut ScenarioSpec,
        shape: &mut Shape,
        site: &str,
        index: usize,
        servers: u64,
        regions: usize,
        team: &str,
        pools: &mut Vec<PlannedPool>,
    ) {
        let n = |part: &str| format!("{site}/{part}");
        // Two pools at least, so that a one-site estate has somewhere for standbys.
        let pool_count = (servers / SERVERS_PER_POOL).max(2) as usize;
        let halls = pool_count.div_ceil(POOLS_PER_HALL);
        let hall_names: Vec<String> = (0..halls).map(|h| n(&numbered("hall-", h, halls))).collect();
        let batch_tag = format!("ups-batch-{}", shape.below(8));
        // Power: each feed backed by a generator through a transfer switch,
        // then a UPS in its own electrical room.
        for side in ["a", "b"] {
            let room = n(&format!("electrical-{side}"));
            spec.power.push(PowerSpec::Utility {
                name: n(&format!("grid-{side}")),
                failures: failures(4_380, hours(1)),
                tags: vec![format!("grid-{}", numbered("region-", index / 5, regions))],
            });
            spec.power.push(PowerSpec::Generator {
                name: n(&format!("generator-{side}")),
                room: room.clone(),
                backs_up: vec![n(&format!("grid-{side}"))],
                start_probability: 0.98,
                start_delay: Dist::Uniform { min: SimDuration::from_secs(10), max: SimDuration::from_secs(40) },
                fuel: hours(48),
                failures: failures(8_760, hours(12)),
                tags: Vec::new(),
            });
            spec.power.push(PowerSpec::Switchboard {
                name: n(&format!("transfer-{side}")),
                room: room.clone(),
                inputs: vec![n(&format!("grid-{side}")), n(&format!("generator-{side}"))],
                inputs_needed: 1,
                failures: failures(87_600, hours(4)),
                tags: Vec::new(),
            });
            spec.power.push(PowerSpec::Ups {
                name: n(&format!("ups-{side}")),
                room,
                inputs: vec![n(&format!("transfer-{side}"))],
                inputs_needed: 1,
                ride_through: minutes(10),
                failures: failures(43_800, hours(6)),
                tags: if side == "a" { vec!["lithium".into(), batch_tag.clone()] } else { vec![batch_tag.clone()] },
            });
        }
        let both_ups = vec![n("ups-a"), n("ups-b")];
        // The two electrical rooms share a wall: a fire may spread.
        let electrical = |side: &str, other: &str| RoomSpec {
            name: n(&format!("electrical-{side}")),
            kind: RoomKind::Electrical,
            adjacent: vec![n(&format!("electrical-{other}"))],
            replacement: ReplacementSpec::AtRestoration,
            ..RoomSpec::default()
        };
        let mut rooms = vec![
            electrical("a", "b"),
            electrical("b", "a"),
            RoomSpec {
                name: n("network"),
                kind: RoomKind::Network,
                feeds: both_ups.clone(),
                failures: failures(17_520, hours(2)),
                ..RoomSpec::default()
            },
        ];
        for (h, hall) in hall_names.iter().enumerate() {
            let units: Vec<String> = (1..=3).map(|u| format!("{hall}/air-{u}")).collect();
            for unit in &units {
                spec.cooling.push(CoolingSpec {
                    name: unit.clone(),
                    room: hall.clone(),
                    // Air handlers run on the transfer switches, not on UPS.
                    power: vec![n("transfer-a"), n("transfer-b")],
                    power_needed: 1,
                    failures: failures(8_760, hours(8)),
                    tags: Vec::new(),
                });
            }
            let adjacent = [h.checked_sub(1), Some(h + 1).filter(|&x| x < halls)];
            rooms.push(RoomSpec {
                name: hall.clone(),
                kind: RoomKind::DataHall,
                adjacent: adjacent.iter().flatten().map(|&x| hall_names[x].clone()).collect(),
                feeds: both_ups.clone(),
                cooling: units,
                cooling_needed: 2,
                network: vec![n("network")],
                ..RoomSpec::default()
            });
        }
        let uplinks: Vec<String> = (1..=2).map(|u| n(&format!("uplink-{u}"))).collect();
        for uplink in &uplinks {
            spec.links.push(LinkSpec {
                name: uplink.clone(),
                room: None,
                boot: None,
                failures: failures(4_380, hours(4)),
                tags: Vec::new(),
            });
        }
        spec.sites.push(SiteSpec {
            name: site.to_owned(),
            region: numbered("region-", index / 5, regions),
            rooms,
            uplinks,
            uplinks_needed: 1,
            ..SiteSpec::default()
        });
        // Pools: sizes vary by up to half either way, totalling `servers`,
        // at least one each.
        let weights: Vec<f64> = (0..pool_count).map(|_| 0.5 + shape.unit()).collect();
        let total: f64 = weights.iter().sum();
        let spread = servers - pool_count as u64;
        let mut sizes: Vec<u64> = weights.iter().map(|w| 1 + (w / total * spread as f64) as u64).collect();
        // Each size lost less than one server to rounding down.
        let left = servers - sizes.iter().sum::<u64>();
        for i in 0..left as usize {
            sizes[i % pool_count] += 1;
        }
        for (p, size) in sizes.into_iter().enumerate() {
            let name = n(&numbered("pool-", p, pool_count));
            let restart = if size >= 100 {
                RestartSpec::Manual {
                    batch: 25,
                    work: ManualSpec {
                        team: Some(team.to_owned()),
                        duration: Dist::Uniform { min: minutes(5), max: minutes(15) },
                        ..ManualSpec::default()
                    },
                }
            } else {
                RestartSpec::Automatic
            };
            spec.pools.push(PoolSpec {
                name: name.clone(),
                room: hall_names[p / POOLS_PER_HALL].clone(),
                servers: size,
                boot: Dist::Uniform { min: minutes(5), max: minutes(20) },
                broken_fraction: 0.01,
                repair: lognormal(hours(8), 0.5),
                failures: failures(8_760, hours(2)),
                restart,
                tags: Vec::new(),
            });
            pools.push(PlannedPool { name, site: index, servers: size });
        }
    }
}

/// A deployment as planned: which service, which pool, its role.
struct PlannedDeployment {
    service: usize,
    pool: usize,
    role: Role,
    servers: u64,
}

impl Estate {
    /// Places every deployment on a pool, sizes it, and writes the services.
    fn build_services(
        &self,
        spec: &mut ScenarioSpec,
        shape: &mut Shape,
        pools: &[PlannedPool],
        team_of_site: &dyn Fn(usize) -> String,
    ) -> Result<(), EstateError> {
        let sites = self.sites as usize;
        let total = self.services as usize;
        let platform = total.min(PLATFORM.len());
        let products = total - platform;
        // Where each service runs: (site, role) pairs.
        let mut placements: Vec<Vec<(usize, Role)>> = Vec::with_capacity(total);
        let mut platform_sites: Vec<usize> = (0..3.min(sites)).map(|i| i * sites / 3.min(sites)).collect();
        platform_sites.dedup();
        for _ in 0..platform {
            placements.push(platform_sites.iter().map(|&s| (s, Role::Active)).collect());
        }
        // Products: homes dealt round a shuffled list of sites, standbys at
        // another site (the same one for a one-site estate), so that no site
        // gets more than its share.
        let mut order: Vec<usize> = (0..sites).collect();
        for i in (1..sites).rev() {
            order.swap(i, shape.below(i + 1));
        }
        let mut failover_kind = Vec::with_capacity(products);
        for k in 0..products {
            let home = order[k % sites];
            let roll = shape.unit();
            let role = if roll < 0.55 {
                Some(Role::HotStandby)
            } else if roll < 0.85 {
                Some(Role::WarmStandby)
            } else {
                None
            };
            failover_kind.push(role);
            let mut placed = vec![(home, Role::Active)];
            if let Some(role) = role {
                let other = if sites == 1 { home } else { order[(k % sites + 1 + (k / sites) % (sites - 1)) % sites] };
                placed.push((other, role));
            }
            placements.push(placed);
        }
        // Every deployment needs a server of its own.
        let mut demand = vec![0u64; sites];
        let mut supply = vec![0u64; sites];
        for placed in &placements {
            for &(site, _) in placed {
                demand[site] += 1;
            }
        }
        for p in pools {
            supply[p.site] += p.servers;
        }
        if let Some(s) = (0..sites).find(|&s| demand[s] > supply[s]) {
            return Err(EstateError(format!(
                "{} servers are too few for {} services on {} sites: site {s} would run {} deployments on {} \
                 servers; give more servers or fewer services",
                self.servers, self.services, self.sites, demand[s], supply[s]
            )));
        }
        // Pools: each deployment goes to the pool of its site with the most
        // free servers per deployment already there (a highest-averages
        // apportionment), so no pool gets more deployments than servers
        // while its site has enough servers.
        let mut by_site: Vec<Vec<usize>> = vec![Vec::new(); sites];
        for (i, p) in pools.iter().enumerate() {
            by_site[p.site].push(i);
        }
        let mut heaps: Vec<std::collections::BinaryHeap<(Quotient, std::cmp::Reverse<usize>)>> = by_site
            .iter()
            .map(|ids| {
                ids.iter().map(|&i| (Quotient { free: pools[i].servers, taken: 0 }, std::cmp::Reverse(i))).collect()
            })
            .collect();
        let mut deployments = Vec::new();
        // Services whose standby found no pool of its own with room.
        let mut no_standby = vec![false; total];
        for (service, placed) in placements.iter().enumerate() {
            for &(site, role) in placed {
                let heap = &mut heaps[site];
                let Some((mut q, std::cmp::Reverse(mut pool))) = heap.pop() else { continue };
                // Two deployments of one service never share a pool: with a
                // one-site estate, the standby takes the next pool, if it has
                // a server to spare; otherwise the service has no standby.
                if deployments.iter().rev().take(3).any(|d: &PlannedDeployment| d.service == service && d.pool == pool)
                {
                    let next = heap.pop();
                    heap.push((q, std::cmp::Reverse(pool)));
                    match next {
                        Some((q2, std::cmp::Reverse(p2))) if q2.taken < q2.free => (q, pool) = (q2, p2),
                        other => {
                            if let Some(entry) = other {
                                heap.push(entry);
                            }
                            no_standby[service] = true;
                            continue;
                        }
                    }
                }
                q.taken += 1;
                heap.push((q, std::cmp::Reverse(pool)));
                deployments.push(PlannedDeployment { service, pool, role, servers: 0 });
            }
        }
        // Sizes: a pool's servers shared equally by its deployments, the
        // first ones taking the remainder; a pool nobody uses is spare.
        let mut count = vec![0u64; pools.len()];
        for d in &deployments {
            count[d.pool] += 1;
        }
        // The apportionment gives no pool more deployments than servers
        // while its site has enough; said plainly should that ever fail.
        if let Some(p) = (0..pools.len()).find(|&p| count[p] > pools[p].servers) {
            return Err(EstateError(format!(
                "{} servers are too few for {} services on {} sites: pool {} would run {} deployments on {} \
                 servers; give more servers or fewer services",
                self.servers, self.services, self.sites, pools[p].name, count[p], pools[p].servers
            )));
        }
        let mut remainder_given = vec![false; pools.len()];
        for d in &mut deployments {
            d.servers = pools[d.pool].servers / count[d.pool];
            if !remainder_given[d.pool] {
                d.servers += pools[d.pool].servers % count[d.pool];
                remainder_given[d.pool] = true;
            }
        }
        let mut by_service: Vec<Vec<&PlannedDeployment>> = (0..total).map(|_| Vec::new()).collect();
        for d in &deployments {
            by_service[d.service].push(d);
        }
        let product_name = |k: usize| numbered("product-", k, products);
        let tier_starts = [0, products * 3 / 10, products * 6 / 10];
        // Users fall off by rank (Zipf); ranks shuffled over the tiers.
        let mut rank: Vec<u64> = (1..=products as u64).collect();
        for i in (1..products).rev() {
            rank.swap(i, shape.below(i + 1));
        }
        for (service, planned) in by_service.iter().enumerate() {
            let deployment_specs = planned
                .iter()
                .map(|d| DeploymentSpec {
                    pool: pools[d.pool].name.clone(),
                    servers: Some(d.servers),
                    role: d.role,
                    warmup: (d.role == Role::WarmStandby).then(|| Dist::Uniform { min: minutes(10), max: minutes(30) }),
                    ..DeploymentSpec::default()
                })
                .collect();
            let active: Vec<u64> = planned.iter().filter(|d| d.role == Role::Active).map(|d| d.servers).collect();
            if service < platform {
                let (name, needs) = PLATFORM[service];
                // One site's worth to spare: the service stays up when any
                // one of its sites is lost.
                let spare = if active.len() > 1 { active.iter().copied().max().unwrap_or(0) } else { 0 };
                spec.services.push(ServiceSpec {
                    name: name.into(),
                    description: "Shared platform service.".into(),
                    users: 0,
                    priority: 1,
                    demand: (active.iter().sum::<u64>() - spare).max(1),
                    deployments: deployment_specs,
                    depends_on: needs.iter().map(|s| (*s).to_owned()).collect(),
                    ..ServiceSpec::default()
                });
                continue;
            }
            let k = service - platform;
            let home = planned.first().map_or(0, |d| pools[d.pool].site);
            let mut depends_on = Vec::new();
            let mut soft = Vec::new();
            let mut platform_need = |name: &str, hard: f64| {
                if PLATFORM[..platform].iter().any(|(p, _)| *p == name) && shape.chance(hard) {
                    depends_on.push(name.to_owned());
                }
            };
            platform_need("login", 0.8);
            platform_need("database", 0.5);
            platform_need("message-queue", 0.3);
            // Three tiers of products: back ends need only the platform;
            // each product of a higher tier needs one to three products
            // of the tiers below it (so chains are at most three deep and
            // the back ends have heavy fan-in).
            let tier_start = tier_starts.iter().rev().copied().find(|&t| t <= k).unwrap_or(0);
            if tier_start > 0 {
                for _ in 0..1 + shape.below(3) {
                    let other = product_name(shape.below(tier_start));
                    if depends_on.contains(&other) || soft.iter().any(|s: &SoftDependencySpec| s.service == other) {
                        continue;
                    }
                    if shape.chance(0.6) {
                        depends_on.push(other);
                    } else {
                        let impact = (10.0 + shape.below(41) as f64) / 100.0;
                        soft.push(SoftDependencySpec { service: other, impact });
                    }
                }
            }
            let team = team_of_site(home);
            let failover = match failover_kind[k].filter(|_| !no_standby[service]) {
                Some(Role::HotStandby) => Some(FailoverSpec::Automatic {
                    detection: Dist::Exponential { mean: minutes(2) },
                    switch: Dist::Uniform { min: minutes(1), max: minutes(5) },
                    requires: vec!["dns".into()],
                    otherwise: None,
                }),
                Some(_) => Some(FailoverSpec::Manual(ManualSpec {
                    team: Some(team),
                    wait: Some(lognormal(minutes(30), 0.5)),
                    duration: Dist::Uniform { min: minutes(15), max: minutes(45) },
                    requires: ["ops-tooling", "deploy"]
                        .iter()
                        .filter(|n| PLATFORM[..platform].iter().any(|(p, _)| p == *n))
                        .map(|n| (*n).to_owned())
                        .collect(),
                    without_requirements: Fallback::Slower(Dist::Uniform { min: hours(2), max: hours(6) }),
                })),
                None => None,
            };
            spec.services.push(ServiceSpec {
                name: product_name(k),
                users: (50_000_000 / rank[k]).max(1_000),
                priority: if rank[k] <= (products as u64 / 100).max(1) {
                    1
                } else if rank[k] <= products as u64 / 10 {
                    2
                } else {
                    3
                },
                demand: active.iter().sum::<u64>().max(1),
                deployments: deployment_specs,
                depends_on,
                soft_depends_on: soft,
                failover,
                ..ServiceSpec::default()
            });
        }
        Ok(())
    }
}

/// A pool's claim in the apportionment: free servers per deployment placed
/// if it takes one more; ties to the lower pool index.
#[derive(Clone, Copy)]
struct Quotient {
    free: u64,
    taken: u64,
}

impl Ord for Quotient {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // free / (taken + 1), compared exactly by cross-multiplying.
        (u128::from(self.free) * u128::from(other.taken + 1))
            .cmp(&(u128::from(other.free) * u128::from(self.taken + 1)))
    }
}

// Equal when the quotients are (2/1 and 4/2), as `Ord` says.
impl PartialEq for Quotient {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Quotient {}

impl PartialOrd for Quotient {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The two disasters of a generated estate, both at its first site.
fn disasters(site: &str) -> Vec<DisasterSpec> {
    let n = |part: &str| format!("{site}/{part}");
    let tri = |min, mode, max| Dist::Triangular { min, mode, max };
    vec![
        DisasterSpec {
            name: "site-power-loss".into(),
            description: format!("{site} loses all power for a few hours."),
            hazards: vec![HazardSpec::Outage {
                target: site.to_owned(),
                at: hours(1),
                delay: None,
                duration: Some(lognormal(hours(4), 0.5)),
                probability: 1.0,
            }],
            each_site: None,
        },
        DisasterSpec {
            name: "battery-fire".into(),
            description: format!("A lithium battery fire in {site}'s UPS-A room; the fire service cuts the building."),
            hazards: vec![HazardSpec::Fire(FireSpec {
                room: n("electrical-a"),
                at: hours(1),
                fuel: Fuel::LithiumBattery,
                damage_after: Dist::Uniform { min: SimDuration::ZERO, max: minutes(2) },
                spread: Some(SpreadSpec { after: tri(minutes(2), minutes(5), minutes(10)), probability: 0.3 }),
                power_cut: Some(PowerCutSpec { scope: CutScope::Site, after: tri(minutes(45), minutes(90), hours(2)) }),
                extinguished_after: tri(hours(4), hours(8), hours(12)),
                restoration: RestorationSpec {
                    inspection: tri(hours(1), hours(2), hours(4)),
                    stages: vec![
                        StageSpec {
                            rooms: vec![n("electrical-b")],
                            after: tri(hours(2), hours(4), hours(8)),
                            at: None,
                            waits_for: Vec::new(),
                        },
                        StageSpec {
                            rooms: vec![n("electrical-a")],
                            after: tri(hours(24), hours(48), hours(72)),
                            at: None,
                            waits_for: Vec::new(),
                        },
                    ],
                    never: Vec::new(),
                },
                ..FireSpec::default()
            })],
            each_site: None,
        },
    ]
}
