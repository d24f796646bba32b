//! Recovery: the people and procedures that bring services back.
//!
//! Power returning is not the same as services returning. At Pangyo in 2022
//! about 90% of the server power was back after 17.7 hours, yet only 12,000
//! of Kakao's 32,000 servers were serving after 22.4 hours: recovery was
//! paced by engineers and by tooling, not by power. This module models that.
//!
//! # Teams and actions
//! Manual recovery work is an *action*: a pool restart batch, a manual
//! failover, a scale-out step, a service restart, an equipment replacement,
//! the bootstrap of a dependency cycle.
//! Each names a team and occupies one of its engineers for a duration.
//! An action may first *wait* (`wait`: a decision or approval, procurement,
//! a vendor on the way), keeping no one busy; it joins its team's queue
//! when the wait is over. An action with no team needs no engineer of ours
//! (a vendor's crew, a process that runs by itself): after its wait it
//! takes its duration at once, subject to its requirements like any other.
//! A team is called when the incident starts (the first time any service is
//! impacted), or when work is queued for it; or, as its `called` says, at a
//! set time (`At`), or once named elements work again after the first
//! impact (`When(["hall-a"])`: when power is back; work for it waits until
//! then). Its `on_call` engineers are on site at once; the others each
//! arrive after a draw from the team's `arrival` distribution; an
//! `escalation` brings more, all after one draw of its delay. Work names
//! its team, so a team of specialists (a database team, a vendor's
//! engineers) does only the work that names it.
//!
//! # Shifts
//! With a rota (`shifts: (work, rest)`), a shift is time on site, working
//! or waiting for work, counted from the engineer's arrival or return from
//! rest. When it ends, a free engineer leaves to rest at once; a busy one
//! finishes the task in hand and then rests for the full rest period. So
//! engineers who wait hours for power rest on schedule and are back for
//! later shifts, instead of all resting when the first job appears. With
//! `staggered: true`, engineer `k` of a team of `n` starts `k/n` of the way
//! through the work-and-rest cycle (resting first if that falls in the rest
//! part), so that part of the team is always on shift.
//!
//! # Which action goes first
//! Waiting actions are ordered by a [`RecoveryPolicy`]: by priority, by users
//! affected, by dependency order, or by an explicit list (see
//! [`PolicySpec`](crate::scenario::spec::PolicySpec)); library users can plug
//! in their own. Ties go to the action queued first. Dynamic policies (those
//! whose ranks depend on which services are down) are re-ranked after every
//! change of service state, through a keyed priority queue.
//!
//! # Requirements
//! An action may require services: operations tooling, the deploy system,
//! login. While one of them is down the action either waits (it is not
//! given to an engineer) or is done the slow way, with its fallback duration,
//! as the scenario says. Requirements are checked when an engineer picks the
//! action up; an action in progress is finished even if a requirement drops
//! meanwhile. An automatic failover whose requirements are down cannot
//! happen: it turns into its manual procedure, or waits.
//!
//! # What happens to work that is no longer needed
//! A queued action whose reason has gone (the active site came back before
//! the failover, the pool lost power again before its restart) is dropped
//! when it reaches the head of the queue. An action in progress completes,
//! and its effect is applied only if it still makes sense.
//!
//! # Failover
//! A service fails over when its active capacity is below demand and it has
//! standbys not yet in use. Automatic failovers are detected, then switched;
//! manual ones are an action. Once done, every standby is in use: hot ones
//! serve at once, warm and cold ones after their warmup. Standbys stay in use
//! for the rest of the run. Asynchronous replication loses the writes of the
//! lag window: each failover reports that data-loss window and flags the
//! risk of inconsistency.
//!
//! # Partial and full recovery
//! A service is *partially* recovered when it serves some users again after
//! being down, and *fully* recovered when it is up (full capacity, no
//! dependency impaired) and stays up to the end of the run. A service that
//! needs a manual restart does not serve before the restart is done, even
//! with its servers back.
//!
//! # Deadlocks and bootstraps
//! Down services that each wait for another to recover (a hard dependency,
//! or a required service of the work that would bring them back) can never
//! recover by themselves. The timeline names each such cycle when it forms,
//! and the run report lists it with that time. Work blocked on a requirement
//! is broken out of by its slower way (`without_requirements: Slower(..)`);
//! a hard-dependency cycle by a *bootstrap*, a cold-start action that starts
//! its services without waiting for each other (see
//! [`engine`](crate::engine#dependency-cycles)).

mod policy;

pub use policy::{
    ActionInfo, ActionKind, ByDependencyOrder, ByPriority, ByUsers, ExplicitOrder, RecoveryPolicy, RecoveryView,
    builtin_policy,
};
