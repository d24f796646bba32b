//! The events of a run: small `Copy` values naming what happened, by index.

use crate::model::{ComponentId, Disaster, Hazard, Model, PoolId, ServiceId};

/// Something that happens at an instant. Elements are named by typed ids,
/// hazards by their position in the disaster, teams and engineers by their
/// position in the model; names are looked up only to describe an event to
/// people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A fire reaches a room (ignition, or spread from a neighbour).
    FireIgnites { hazard: u16, room: ComponentId },
    /// A burning room's equipment is destroyed.
    FireDamages { hazard: u16, room: ComponentId },
    /// A room's suppression system discharges.
    SuppressionActs { hazard: u16, room: ComponentId },
    /// The authorities cut power.
    PowerCutOrdered { hazard: u16 },
    /// The fire is out.
    FireOut { hazard: u16 },
    /// Restoration stage `stage` (0 is the inspection) re-energises its rooms.
    RoomsRestored { hazard: u16, stage: u16 },
    /// Replacement equipment for a burnt room is on site.
    EquipmentDelivered { hazard: u16, room: ComponentId },
    /// A burnt room's equipment has been replaced.
    EquipmentReplaced { hazard: u16, room: ComponentId },
    /// A scripted outage begins.
    OutageStarts { hazard: u16 },
    /// A scripted outage ends.
    OutageEnds { hazard: u16 },
    /// A UPS battery is empty.
    BatteryExhausted(ComponentId),
    /// A generator carries load.
    GeneratorStarted(ComponentId),
    /// A generator's tank is empty.
    FuelExhausted(ComponentId),
    /// A room without cooling shuts its servers down for heat.
    Overheated(ComponentId),
    /// A pool's servers have booted.
    PoolBooted(PoolId),
    /// A link's equipment has booted.
    LinkBooted(ComponentId),
    /// A pool's broken servers are repaired.
    PoolRepaired(PoolId),
    /// A component fails at random.
    ComponentFailed(ComponentId),
    /// A randomly failed component is repaired.
    ComponentRepaired(ComponentId),
    /// A batch of a pool's restarted servers has booted (stale if the pool's
    /// epoch has moved on: it lost power again).
    BatchBooted { pool: PoolId, epoch: u32, servers: u32 },
    /// An engineer called in arrives.
    EngineerArrives { team: u16, engineer: u16 },
    /// An engineer's shift is over.
    ShiftEnds { team: u16, engineer: u16 },
    /// An engineer comes back from rest.
    EngineerRested { team: u16, engineer: u16 },
    /// A team is called out at its set time.
    TeamCalled { team: u16 },
    /// A manual action's wait (a decision, a delivery) is over.
    WaitOver { action: u32 },
    /// A manual action is finished.
    ActionDone { action: u32 },
    /// An automatic failover has noticed the loss.
    FailoverDetected { service: ServiceId, epoch: u32 },
    /// An automatic failover has switched traffic.
    FailoverSwitched { service: ServiceId, epoch: u32 },
    /// A warm or cold standby deployment is ready to serve.
    StandbyReady { service: ServiceId, deployment: u16 },
    /// A service's demand surge is over.
    SurgeEnds { service: ServiceId },
    /// The state before any event (for the timeline of the initial settle).
    Start,
}

impl Event {
    /// A sentence fragment for people: "fire reached room 'B3-ups'".
    pub(crate) fn describe(self, model: &Model, disaster: &Disaster) -> String {
        let name = |c: ComponentId| model.component(c).name.as_str();
        let noun = |c: ComponentId| model.component(c).kind.noun();
        let service = |s: ServiceId| model.service(s).name.as_str();
        // The room a fire started in, or the target of an outage.
        let subject = |h: u16| match &disaster.hazards[h as usize] {
            Hazard::Fire(f) => f.room,
            Hazard::Outage { target, .. } => *target,
        };
        let fire_room = |h: u16| name(subject(h));
        // "batch 7 recall: " for an outage a common cause brought.
        let because = |h: u16| match &disaster.hazards[h as usize] {
            Hazard::Outage { cause: Some(c), .. } => format!("{c}: "),
            _ => String::new(),
        };
        match self {
            Event::FireIgnites { hazard, room } if fire_room(hazard) == name(room) => {
                format!("fire broke out in {} '{}'", noun(room), name(room))
            }
            Event::FireIgnites { room, .. } => {
                format!("fire spread to {} '{}'", noun(room), name(room))
            }
            // By kind ("2 UPS, 1 cooling unit, 3 pools (3,000 servers)"),
            // never UPS and servers added together.
            Event::FireDamages { room, .. } => match model.describe_contents(room) {
                contents if contents.is_empty() => {
                    format!("fire destroyed the fittings of {} '{}'", noun(room), name(room))
                }
                contents => format!("fire destroyed {contents} in {} '{}'", noun(room), name(room)),
            },
            Event::EquipmentDelivered { room, .. } => {
                format!("replacement equipment for {} '{}' delivered", noun(room), name(room))
            }
            Event::EquipmentReplaced { room, .. } => {
                format!("burnt equipment in {} '{}' replaced", noun(room), name(room))
            }
            Event::SuppressionActs { room, .. } => {
                format!("suppression discharged in {} '{}'", noun(room), name(room))
            }
            Event::PowerCutOrdered { hazard } => {
                format!("authorities cut power (fire in '{}')", fire_room(hazard))
            }
            Event::FireOut { hazard } => format!("fire in '{}' out", fire_room(hazard)),
            Event::RoomsRestored { hazard, stage: 0 } => {
                format!("power restored after inspection (fire in '{}')", fire_room(hazard))
            }
            Event::RoomsRestored { hazard, stage } => {
                format!("restoration stage {stage} re-energised rooms (fire in '{}')", fire_room(hazard))
            }
            Event::OutageStarts { hazard } => {
                format!("{}outage of {} '{}' began", because(hazard), noun(subject(hazard)), name(subject(hazard)))
            }
            Event::OutageEnds { hazard } => {
                format!("{}outage of {} '{}' ended", because(hazard), noun(subject(hazard)), name(subject(hazard)))
            }
            Event::BatteryExhausted(n) => format!("battery of UPS '{}' ran out", name(n)),
            Event::GeneratorStarted(n) => format!("generator '{}' took the load", name(n)),
            Event::FuelExhausted(n) => format!("generator '{}' ran out of fuel", name(n)),
            Event::Overheated(n) => {
                format!("servers in {} '{}' shut down for heat", noun(n), name(n))
            }
            Event::PoolBooted(p) => format!("servers of pool '{}' booted", name(p.component())),
            Event::LinkBooted(c) => format!("link '{}' booted", name(c)),
            Event::PoolRepaired(p) => format!("broken servers of pool '{}' repaired", name(p.component())),
            Event::ComponentFailed(n) => format!("{} '{}' failed", noun(n), name(n)),
            Event::ComponentRepaired(n) => format!("{} '{}' repaired", noun(n), name(n)),
            Event::BatchBooted { pool, servers, .. } => {
                format!("{servers} restarted servers of pool '{}' booted", name(pool.component()))
            }
            Event::EngineerArrives { team, .. } => {
                format!("an engineer of team '{}' arrived", model.teams[team as usize].name)
            }
            Event::EngineerRested { team, .. } => {
                format!("an engineer of team '{}' is back from rest", model.teams[team as usize].name)
            }
            Event::ShiftEnds { team, .. } => {
                format!("an engineer of team '{}' ended a shift", model.teams[team as usize].name)
            }
            Event::ActionDone { .. } => "manual work finished".to_owned(),
            Event::WaitOver { .. } => "waiting before manual work over".to_owned(),
            Event::TeamCalled { team } => format!("team '{}' called out", model.teams[team as usize].name),
            Event::FailoverDetected { service: s, .. } => {
                format!("loss of service '{}' detected", service(s))
            }
            Event::FailoverSwitched { service: s, .. } => {
                format!("traffic of service '{}' switched to its standbys", service(s))
            }
            Event::StandbyReady { service: s, .. } => {
                format!("standby of service '{}' warmed up", service(s))
            }
            Event::SurgeEnds { service: s } => {
                format!("demand surge of service '{}' over", service(s))
            }
            Event::Start => "initial state".to_owned(),
        }
    }
}
