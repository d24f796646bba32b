//! Running per-service totals, updated in O(1) at each change of state so
//! that Monte Carlo runs need no timeline.

use super::outcome::ServiceOutcome;
use crate::model::State;
use crate::time::{SimDuration, SimTime};

const MS_PER_HOUR: f64 = 3_600_000.0;

/// A service's outcome as plain numbers (no names, no causes): what Monte
/// Carlo aggregation needs from a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Numbers {
    pub(crate) first_impact: Option<SimTime>,
    pub(crate) downtime: SimDuration,
    pub(crate) degraded: SimDuration,
    pub(crate) partial_recovery: Option<SimTime>,
    pub(crate) full_recovery: Option<SimTime>,
    pub(crate) user_hours_lost: f64,
    pub(crate) data_loss: Option<SimDuration>,
}

impl From<&ServiceOutcome> for Numbers {
    fn from(o: &ServiceOutcome) -> Numbers {
        Numbers {
            first_impact: o.first_impact,
            downtime: o.downtime,
            degraded: o.degraded,
            partial_recovery: o.partial_recovery,
            full_recovery: o.full_recovery,
            user_hours_lost: o.user_hours_lost,
            data_loss: o.data_loss,
        }
    }
}

/// A service's totals so far in a run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ServiceTally {
    state: State,
    served: f64,
    since: SimTime,
    first_impact: Option<SimTime>,
    downtime: SimDuration,
    degraded: SimDuration,
    partial_recovery: Option<SimTime>,
    last_up: SimTime,
    /// Sum of (fraction unserved x milliseconds); scaled at the end.
    unserved_ms: f64,
}

impl ServiceTally {
    /// A service that is up at t0.
    pub(crate) fn new() -> Self {
        ServiceTally {
            state: State::Up,
            served: 1.0,
            since: SimTime::ZERO,
            first_impact: None,
            downtime: SimDuration::ZERO,
            degraded: SimDuration::ZERO,
            partial_recovery: None,
            last_up: SimTime::ZERO,
            unserved_ms: 0.0,
        }
    }

    fn accumulate(&mut self, now: SimTime) {
        let dt = now.duration_since(self.since);
        match self.state {
            State::Up => {}
            State::Degraded => self.degraded += dt,
            State::Down => self.downtime += dt,
        }
        self.unserved_ms += (1.0 - self.served) * dt.as_millis() as f64;
        self.since = now;
    }

    /// Records a change of state at `now`.
    pub(crate) fn change(&mut self, now: SimTime, state: State, served: f64) {
        self.accumulate(now);
        if state != State::Up && self.first_impact.is_none() {
            self.first_impact = Some(now);
        }
        if self.state == State::Down && state != State::Down && self.partial_recovery.is_none() {
            self.partial_recovery = Some(now);
        }
        if state == State::Up && self.state != State::Up {
            self.last_up = now;
        }
        self.state = state;
        self.served = served;
    }

    /// The numbers at the end of a run that stopped at `horizon`, and the
    /// final state.
    pub(crate) fn numbers(&self, horizon: SimTime, users: u64, data_loss: Option<SimDuration>) -> (Numbers, State) {
        let mut t = *self;
        t.accumulate(horizon);
        let numbers = Numbers {
            first_impact: t.first_impact,
            downtime: t.downtime,
            degraded: t.degraded,
            partial_recovery: t.partial_recovery,
            full_recovery: (t.first_impact.is_some() && t.state == State::Up).then_some(t.last_up),
            user_hours_lost: users as f64 * t.unserved_ms / MS_PER_HOUR,
            data_loss,
        };
        (numbers, t.state)
    }

    /// The outcome at the end of a run that stopped at `horizon`.
    pub(crate) fn finish(&self, horizon: SimTime, name: &str, users: u64, priority: u32) -> ServiceOutcome {
        let (n, final_state) = self.numbers(horizon, users, None);
        ServiceOutcome {
            name: name.to_owned(),
            users,
            priority,
            first_impact: n.first_impact,
            downtime: n.downtime,
            degraded: n.degraded,
            partial_recovery: n.partial_recovery,
            full_recovery: n.full_recovery,
            user_hours_lost: n.user_hours_lost,
            final_state,
            causes: Vec::new(),
            failovers: 0,
            data_loss: None,
            inconsistency_risk: false,
            data_lost: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(x: u64) -> SimTime {
        SimTime::from_millis(x * 3_600_000)
    }

    #[test]
    fn totals_follow_the_arithmetic() {
        // Down 1h..5h, degraded at 50% 5h..7h, up from 7h, horizon 10h.
        let mut t = ServiceTally::new();
        t.change(h(1), State::Down, 0.0);
        t.change(h(5), State::Degraded, 0.5);
        t.change(h(7), State::Up, 1.0);
        let o = t.finish(h(10), "s", 1000, 1);
        assert_eq!(o.first_impact, Some(h(1)));
        assert_eq!(o.downtime, SimDuration::from_hours(4));
        assert_eq!(o.degraded, SimDuration::from_hours(2));
        assert_eq!(o.partial_recovery, Some(h(5)));
        assert_eq!(o.full_recovery, Some(h(7)));
        // 1000 users x (4 h x 1 + 2 h x 0.5) = 5000 user-hours.
        assert_eq!(o.user_hours_lost, 5000.0);
        assert_eq!(o.final_state, State::Up);
    }

    #[test]
    fn unrecovered_and_untouched_services() {
        let mut t = ServiceTally::new();
        t.change(h(2), State::Degraded, 0.25);
        let o = t.finish(h(4), "s", 100, 1);
        assert_eq!(o.partial_recovery, None, "never down, so no partial recovery");
        assert_eq!(o.full_recovery, None, "still degraded at the horizon");
        assert_eq!(o.user_hours_lost, 150.0);
        let o = ServiceTally::new().finish(h(4), "s", 100, 1);
        assert_eq!((o.first_impact, o.full_recovery, o.user_hours_lost), (None, None, 0.0));
    }
}
