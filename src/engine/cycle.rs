//! The levels of a dependency cycle's services, solved exactly.
//!
//! Within a cycle each member's level is a function of the others':
//!
//! ```text
//! x_k = min(cap_k, x_h for each hard dependency h in the cycle)
//!       * scale_k * product over soft dependencies s in the cycle of (1 - a_s * (1 - x_s))
//! ```
//!
//! where `cap_k` is what the member's own capacity and its dependencies
//! outside the cycle allow, `scale_k` the factors of its lost soft
//! dependencies outside the cycle, and `a_s` the impact of soft dependency
//! `s`. Members held down by the cycle are fixed at 0. The levels served are
//! the *greatest* solution (start from "all up" and only what the others
//! force comes off).
//!
//! Iterating from "all up" converges to it, but geometrically: a loss passed
//! around a ring of soft dependencies fades by the product of the impacts
//! per turn, so a ring of 5,000 services with impact 1 needs tens of turns
//! of 5,000 steps, and an iteration cap would stop short of the answer (a
//! level of 1e-12 where the answer is 0, down). Instead, each step solves a
//! linear system that bounds the equations from above below the current
//! point and agrees with them there: each member keeps the level of one
//! other live (its bottleneck hard dependency, or its soft dependency in
//! the cycle with the most effect) and every other factor frozen. Where
//! every member's level is linear in one other's (the usual cycle: a ring,
//! a hard loop, a hard dependency one way and a soft one back), this is
//! Newton's method and exact, after as many steps as the bottlenecks
//! change. Where a member multiplies several levels of the cycle, the steps
//! converge from above, never undershooting (several solutions can exist:
//! a loop of hard dependencies agrees with any level below its members').
//! Each step costs time in proportion to the cycle's members and edges:
//! with one live level each, the system is a set of chains running into
//! at most one loop each, solved in one pass.

/// Solves below this change are taken as converged.
const TOLERANCE: f64 = 1e-13;

/// A pivot this close to zero: the member's level is passed round a loop
/// back to itself whole (gain 1), and any level is consistent; the greatest
/// (its current upper bound) is kept.
const SINGULAR: f64 = 1e-12;

/// Most steps before falling back to plain iteration (each changes a
/// member's bottleneck, or converges from above at a linear rate).
const MAX_NEWTON: usize = 256;

/// The equations of one cycle, in flat arrays reused across evaluations.
#[derive(Default, Debug)]
pub(super) struct CycleEquations {
    /// Per member: the bottleneck outside the cycle (capacity, dependencies
    /// outside the cycle), in [0, 1].
    cap: Vec<f64>,
    /// Per member: the product of its lost soft dependencies' factors
    /// outside the cycle.
    scale: Vec<f64>,
    /// Per member: held at 0 (a member stuck down by the cycle).
    fixed: Vec<bool>,
    /// `hard[hard_start[k]..hard_start[k + 1]]`: member k's hard
    /// dependencies in the cycle (member indices).
    hard_start: Vec<u32>,
    hard: Vec<u32>,
    /// Member k's soft dependencies in the cycle, with their impact.
    soft_start: Vec<u32>,
    soft: Vec<(u32, f64)>,
}

impl CycleEquations {
    /// Forgets the last cycle, keeping the allocations.
    pub(super) fn clear(&mut self) {
        self.cap.clear();
        self.scale.clear();
        self.fixed.clear();
        self.hard_start.clear();
        self.hard.clear();
        self.soft_start.clear();
        self.soft.clear();
        self.hard_start.push(0);
        self.soft_start.push(0);
    }

    /// Adds the next member; its dependencies follow with
    /// [`hard_dependency`](Self::hard_dependency) and
    /// [`soft_dependency`](Self::soft_dependency) before the next member.
    pub(super) fn member(&mut self, cap: f64, scale: f64, fixed: bool) {
        if self.hard_start.is_empty() {
            self.clear();
        }
        if !self.cap.is_empty() {
            self.hard_start.push(self.hard.len() as u32);
            self.soft_start.push(self.soft.len() as u32);
        }
        self.cap.push(cap.clamp(0.0, 1.0));
        self.scale.push(scale.clamp(0.0, 1.0));
        self.fixed.push(fixed);
    }

    /// The current member hard-depends on member `j`.
    pub(super) fn hard_dependency(&mut self, j: usize) {
        self.hard.push(j as u32);
    }

    /// The current member soft-depends on member `j` with `impact`.
    pub(super) fn soft_dependency(&mut self, j: usize, impact: f64) {
        self.soft.push((j as u32, impact.clamp(0.0, 1.0)));
    }

    fn len(&self) -> usize {
        self.cap.len()
    }

    fn hard_of(&self, k: usize) -> &[u32] {
        let end = if k + 1 < self.len() { self.hard_start[k + 1] as usize } else { self.hard.len() };
        &self.hard[self.hard_start[k] as usize..end]
    }

    fn soft_of(&self, k: usize) -> &[(u32, f64)] {
        let end = if k + 1 < self.len() { self.soft_start[k + 1] as usize } else { self.soft.len() };
        &self.soft[self.soft_start[k] as usize..end]
    }

    /// Member k's bottleneck at `x`: its value, and the hard dependency that
    /// sets it (`None`: its own cap; on a tie the cap, then the first).
    fn bottleneck(&self, k: usize, x: &[f64]) -> (f64, Option<u32>) {
        let mut best = (self.cap[k], None);
        for &h in self.hard_of(k) {
            if x[h as usize] < best.0 {
                best = (x[h as usize], Some(h));
            }
        }
        best
    }

    /// Member k's level given the others' at `x`.
    fn level(&self, k: usize, x: &[f64]) -> f64 {
        if self.fixed[k] {
            return 0.0;
        }
        let mut level = self.bottleneck(k, x).0 * self.scale[k];
        for &(s, a) in self.soft_of(k) {
            level *= 1.0 - a * (1.0 - x[s as usize]);
        }
        level.clamp(0.0, 1.0)
    }

    /// The greatest levels consistent with each other, into `x`.
    pub(super) fn solve(&self, x: &mut Vec<f64>, scratch: &mut Scratch) {
        let m = self.len();
        x.clear();
        x.extend(self.fixed.iter().map(|&f| if f { 0.0 } else { 1.0 }));
        let fx = &mut scratch.fx;
        for _ in 0..MAX_NEWTON {
            fx.clear();
            fx.extend((0..m).map(|k| self.level(k, x)));
            let change = x.iter().zip(fx.iter()).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            std::mem::swap(x, fx);
            if change <= TOLERANCE {
                return;
            }
            // x is now a point at or above the greatest solution (an
            // iterate from "all up"); solve the bound linearised there.
            self.newton_step(x, &mut scratch.elimination);
        }
        self.iterate(x);
    }

    /// One step from `x` (at or above the greatest solution) to the
    /// solution of a linear system that bounds the equations from above
    /// below `x` and agrees with them at `x`: each member keeps one level
    /// of the others live (the hard dependency that is its bottleneck at
    /// `x`, or else its soft dependency in the cycle with the most effect)
    /// and every other factor is frozen at its value at `x`, which no lower
    /// level exceeds. Where a member's level is linear in one other's, this
    /// is Newton's step and exact. The solution of an upper bound is itself
    /// at or above the greatest solution, so iterating never undershoots,
    /// even where several solutions exist (a loop of hard dependencies
    /// agrees with any level below its members' own). Clamped to [0, x].
    fn newton_step(&self, x: &mut [f64], e: &mut Elimination) {
        let m = self.len();
        e.reset(m);
        for k in 0..m {
            if self.fixed[k] {
                e.rhs[k] = 0.0;
                continue;
            }
            let (g, by) = self.bottleneck(k, x);
            let factor = |&(s, a): &(u32, f64)| 1.0 - a * (1.0 - x[s as usize]);
            let product: f64 = self.soft_of(k).iter().map(factor).product::<f64>() * self.scale[k];
            match by.filter(|&h| !self.fixed[h as usize]) {
                // x_k <= x_h * (soft factors at x): linear in x_h.
                Some(h) => e.add(k, h as usize, product),
                None => {
                    // x_k <= g * (1 - a + a x_s) * (other factors at x) for the
                    // soft dependency s with the largest effect a * others
                    // (the product of the others by prefix and suffix
                    // products: a factor may be 0).
                    let soft = self.soft_of(k);
                    e.suffix.clear();
                    e.suffix.push(self.scale[k]);
                    for d in soft.iter().rev() {
                        let last = *e.suffix.last().unwrap_or(&1.0);
                        e.suffix.push(last * factor(d));
                    }
                    let mut prefix = 1.0;
                    let mut live: Option<(usize, f64, f64)> = None;
                    for (i, d @ &(s, a)) in soft.iter().enumerate() {
                        let others = g * prefix * e.suffix[soft.len() - 1 - i];
                        prefix *= factor(d);
                        if self.fixed[s as usize] || a <= 0.0 {
                            continue;
                        }
                        if live.is_none_or(|(_, b, c)| a * others > b * c) {
                            live = Some((s as usize, a, others));
                        }
                    }
                    match live {
                        Some((s, a, c)) => {
                            e.rhs[k] = c * (1.0 - a);
                            e.add(k, s, c * a);
                        }
                        None => e.rhs[k] = g * product,
                    }
                }
            }
        }
        e.solve(x);
        for (k, xk) in x.iter_mut().enumerate() {
            let z = e.solution[k];
            // The bound's solution lies at or below `x`; rounding aside.
            if z.is_finite() {
                *xk = z.clamp(0.0, *xk);
            }
        }
    }

    /// Plain iteration from `x` down to a fixed point (a dense cycle whose
    /// elimination would cost too much): Gauss-Seidel sweeps until no level
    /// changes by more than the tolerance, at most a sweep per member and
    /// 64 more.
    fn iterate(&self, x: &mut [f64]) {
        let m = self.len();
        for _ in 0..m + 64 {
            let mut change: f64 = 0.0;
            for k in 0..m {
                let v = self.level(k, x);
                change = change.max((v - x[k]).abs());
                x[k] = v;
            }
            if change <= TOLERANCE {
                return;
            }
        }
    }
}

/// Reused buffers of [`CycleEquations::solve`].
#[derive(Default, Debug)]
pub(super) struct Scratch {
    fx: Vec<f64>,
    elimination: Elimination,
}

/// A linear system in which each unknown depends on at most one other,
/// `z_k = rhs_k + c_k z_next(k)`: a functional graph (chains ending at an
/// unknown that depends on none, or running into one loop), solved in one
/// pass in time proportional to the unknowns.
#[derive(Default, Debug)]
struct Elimination {
    rhs: Vec<f64>,
    /// The unknown each one depends on (`NONE`: none), with its coefficient.
    next: Vec<u32>,
    coef: Vec<f64>,
    /// 0: not reached, 1: on the current walk, 2: solved.
    mark: Vec<u8>,
    /// The current walk, and each unknown's place on it.
    walk: Vec<u32>,
    place: Vec<u32>,
    solution: Vec<f64>,
    /// Suffix products of one member's soft factors (scratch).
    suffix: Vec<f64>,
}

const NONE: u32 = u32::MAX;

impl Elimination {
    fn reset(&mut self, m: usize) {
        self.rhs.clear();
        self.rhs.resize(m, 0.0);
        self.next.clear();
        self.next.resize(m, NONE);
        self.coef.clear();
        self.coef.resize(m, 0.0);
        self.mark.clear();
        self.mark.resize(m, 0);
        self.place.clear();
        self.place.resize(m, 0);
        self.solution.clear();
        self.solution.resize(m, 0.0);
    }

    /// Unknown k depends on unknown j with coefficient c (one per unknown).
    fn add(&mut self, k: usize, j: usize, c: f64) {
        if c != 0.0 {
            self.next[k] = j as u32;
            self.coef[k] = c;
        }
    }

    /// Solves, into `solution`. An unknown on a loop whose coefficients
    /// multiply to 1 (a level passed round back to itself whole) is
    /// consistent with any value; it keeps `current`, its upper bound.
    fn solve(&mut self, current: &[f64]) {
        let m = self.rhs.len();
        for start in 0..m {
            if self.mark[start] != 0 {
                continue;
            }
            // Walk until an unknown that is solved, depends on none, or is
            // on this walk already (a loop).
            self.walk.clear();
            let mut k = start;
            let stop = loop {
                self.mark[k] = 1;
                self.place[k] = self.walk.len() as u32;
                self.walk.push(k as u32);
                let j = self.next[k];
                if j == NONE {
                    break None;
                }
                let j = j as usize;
                match self.mark[j] {
                    0 => k = j,
                    1 => break Some(self.place[j] as usize), // a loop back to j
                    _ => break None,
                }
            };
            let mut end = self.walk.len();
            if let Some(first) = stop {
                // The loop walk[first..]: z_first = alpha + beta z_first,
                // gathered from its last unknown back to its first.
                let (mut alpha, mut beta) = (0.0, 1.0);
                for &u in self.walk[first..].iter().rev() {
                    let u = u as usize;
                    (alpha, beta) = (self.rhs[u] + self.coef[u] * alpha, self.coef[u] * beta);
                }
                let head = self.walk[first] as usize;
                self.solution[head] = if (1.0 - beta).abs() <= SINGULAR { current[head] } else { alpha / (1.0 - beta) };
                self.mark[head] = 2;
                // The rest of the loop, from its last unknown back.
                for &u in self.walk[first + 1..].iter().rev() {
                    let u = u as usize;
                    let j = self.next[u] as usize;
                    self.solution[u] = self.rhs[u] + self.coef[u] * self.solution[j];
                    self.mark[u] = 2;
                }
                end = first;
            }
            // The chain into it (or into a solved unknown, or ending).
            for &u in self.walk[..end].iter().rev() {
                let u = u as usize;
                self.solution[u] = match self.next[u] {
                    NONE => self.rhs[u],
                    j => self.rhs[u] + self.coef[u] * self.solution[j as usize],
                };
                self.mark[u] = 2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve(eq: &CycleEquations) -> Vec<f64> {
        let mut x = Vec::new();
        eq.solve(&mut x, &mut Scratch::default());
        x
    }

    /// A ring of `n` members, each soft-depending on the next with `impact`;
    /// member 0 has `cap`.
    fn ring(n: usize, impact: f64, cap: f64) -> CycleEquations {
        let mut eq = CycleEquations::default();
        for k in 0..n {
            eq.member(if k == 0 { cap } else { 1.0 }, 1.0, false);
            eq.soft_dependency((k + 1) % n, impact);
        }
        eq
    }

    #[test]
    fn a_ring_with_impact_one_passes_a_loss_round_until_nothing_is_left() {
        // x0 = 0.5 * x1, x_i = x_{i+1}: x0 = 0.5 * x0, so all are 0, exactly.
        let x = solve(&ring(5_000, 1.0, 0.5));
        assert!(x.iter().all(|&v| v == 0.0), "{:?}", &x[..4]);
    }

    #[test]
    fn a_ring_with_a_smaller_impact_settles_where_the_loss_fades() {
        // Three members, impact 0.5, member 0 at capacity 0.5:
        //   x0 = 0.5 (0.5 + 0.5 x1), x1 = 0.5 + 0.5 x2, x2 = 0.5 + 0.5 x0.
        // x2 = 0.5 + 0.5 x0; x1 = 0.75 + 0.25 x0; x0 = 0.25 + 0.25 x1
        //   = 0.25 + 0.1875 + 0.0625 x0, so x0 = 0.4375 / 0.9375 = 7/15,
        // x1 = 0.75 + 7/60 = 52/60 = 13/15, x2 = 0.5 + 7/30 = 22/30 = 11/15.
        let x = solve(&ring(3, 0.5, 0.5));
        for (got, want) in x.iter().zip([7.0 / 15.0, 13.0 / 15.0, 11.0 / 15.0]) {
            assert!((got - want).abs() < 1e-15, "{x:?}");
        }
    }

    #[test]
    fn a_ring_that_loses_nothing_stays_up() {
        assert!(solve(&ring(100, 1.0, 1.0)).iter().all(|&v| v == 1.0));
    }

    #[test]
    fn a_hard_cycle_takes_its_tightest_bottleneck() {
        // x0 = min(0.8, x1), x1 = min(0.5, x0) * (1 - 0.4 (1 - x0)) ...
        // Pure hard: x0 = min(0.8, x1), x1 = min(0.5, x0): both 0.5.
        let mut eq = CycleEquations::default();
        eq.member(0.8, 1.0, false);
        eq.hard_dependency(1);
        eq.member(0.5, 1.0, false);
        eq.hard_dependency(0);
        assert_eq!(solve(&eq), [0.5, 0.5]);
    }

    #[test]
    fn a_hard_and_a_soft_loop_together() {
        // x0 = min(1, x1) (hard on 1); x1 = 0.6 * (1 - 0.5 (1 - x0)) (capacity
        // 0.6, soft on 0 with impact 0.5). x0 = x1 = 0.3 + 0.3 x0, x0 = 3/7.
        let mut eq = CycleEquations::default();
        eq.member(1.0, 1.0, false);
        eq.hard_dependency(1);
        eq.member(0.6, 1.0, false);
        eq.soft_dependency(0, 0.5);
        let x = solve(&eq);
        assert!((x[0] - 3.0 / 7.0).abs() < 1e-15 && (x[1] - 3.0 / 7.0).abs() < 1e-15, "{x:?}");
    }

    #[test]
    fn a_member_held_down_counts_as_zero() {
        // Member 1 is stuck: x1 = 0; x0 soft on 1 with 0.25: x0 = 0.75.
        let mut eq = CycleEquations::default();
        eq.member(1.0, 1.0, false);
        eq.soft_dependency(1, 0.25);
        eq.member(1.0, 1.0, true);
        eq.soft_dependency(0, 1.0);
        assert_eq!(solve(&eq), [0.75, 0.0]);
    }

    /// Plain Kleene iteration from "all up", far past convergence: the
    /// greatest solution, slowly.
    fn kleene(eq: &CycleEquations, sweeps: usize) -> Vec<f64> {
        let mut x: Vec<f64> = eq.fixed.iter().map(|&f| if f { 0.0 } else { 1.0 }).collect();
        for _ in 0..sweeps {
            for k in 0..eq.len() {
                x[k] = eq.level(k, &x);
            }
        }
        x
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(150))]
        /// On random cycles of up to 7 members (hard and soft edges between
        /// different members, caps, impacts, stuck members), the solution
        /// is the greatest: what
        /// iterating from "all up" for 20,000 sweeps reaches (impacts are at
        /// most 0.9 or exactly 1, so iteration converges within that).
        #[test]
        fn the_solution_is_the_greatest_fixed_point(
            members in proptest::collection::vec(
                (0.0f64..=1.0, proptest::bool::weighted(0.1),
                 proptest::collection::vec(0usize..7, 0..3),
                 proptest::collection::vec((0usize..7, proptest::prop_oneof![0.0f64..0.9, proptest::strategy::Just(1.0)]), 0..3)),
                1..8),
        ) {
            let n = members.len();
            let mut eq = CycleEquations::default();
            // Never on itself (validation refuses that): another member.
            let other = |k: usize, r: usize| (k + 1 + r % (n - 1).max(1)) % n;
            for (k, (cap, stuck, hard, soft)) in members.iter().enumerate() {
                eq.member(*cap, 1.0, *stuck);
                if n == 1 {
                    continue;
                }
                for &h in hard { eq.hard_dependency(other(k, h)); }
                for &(s, a) in soft { eq.soft_dependency(other(k, s), a); }
            }
            let x = solve(&eq);
            let slow = kleene(&eq, 20_000);
            for k in 0..n {
                proptest::prop_assert!((x[k] - slow[k]).abs() < 1e-9, "member {k}: {x:?} vs {slow:?}");
                proptest::prop_assert!((eq.level(k, &x) - x[k]).abs() < 1e-12, "not a fixed point: {x:?}");
            }
        }
    }

    #[test]
    fn a_dense_cycle_settles_at_its_greatest_fixed_point() {
        // 200 members, each soft-depending on every other with impact 0.001,
        // member 0 at capacity 0.5: every member multiplies 199 levels of
        // the cycle, so the steps converge from above; they reach what slow
        // iteration reaches, and a fixed point.
        let n = 200;
        let mut eq = CycleEquations::default();
        for k in 0..n {
            eq.member(if k == 0 { 0.5 } else { 1.0 }, 1.0, false);
            for j in (0..n).filter(|&j| j != k) {
                eq.soft_dependency(j, 0.001);
            }
        }
        let x = solve(&eq);
        let slow = kleene(&eq, 200);
        for k in 0..n {
            assert!((eq.level(k, &x) - x[k]).abs() < 1e-12, "member {k}");
            assert!((x[k] - slow[k]).abs() < 1e-12, "member {k}: {} vs {}", x[k], slow[k]);
        }
        assert!(x[0] < 0.5 && x[1] < 1.0 && x[1] > 0.5, "{} {}", x[0], x[1]);
    }

    #[test]
    fn products_of_several_levels_converge_to_the_fixed_point() {
        // x0 = 0.9 (1 - 0.5 (1 - x1)) (1 - 0.5 (1 - x2)), x1 = x2 = 1 - 0.5 (1 - x0)
        // by symmetry x1 = x2 = y = 0.5 + 0.5 x0 and x0 = 0.9 (0.5 + 0.5 y)^2.
        let mut eq = CycleEquations::default();
        eq.member(0.9, 1.0, false);
        eq.soft_dependency(1, 0.5);
        eq.soft_dependency(2, 0.5);
        for _ in 0..2 {
            eq.member(1.0, 1.0, false);
            eq.soft_dependency(0, 0.5);
        }
        let x = solve(&eq);
        let y = 0.5 + 0.5 * x[0];
        assert!((x[0] - 0.9 * (0.5 + 0.5 * y).powi(2)).abs() < 1e-13, "{x:?}");
        assert!((x[1] - y).abs() < 1e-13 && (x[2] - y).abs() < 1e-13, "{x:?}");
        // The greatest solution: the quadratic 0.9 (0.75 + 0.25 x)^2 = x has
        // roots x = 0.6018... and 11.62...; only the first is a level.
        let (a, b, c): (f64, f64, f64) = (0.9 * 0.0625, 0.9 * 0.375 - 1.0, 0.9 * 0.5625);
        let root = (-b - (b * b - 4.0 * a * c).sqrt()) / (2.0 * a);
        assert!((x[0] - root).abs() < 1e-12, "{} vs {root}", x[0]);
    }
}
