use outage::{RunOptions, Scenario, SimDuration, Simulation, synthetic};
fn main() {
    let which = std::env::args().nth(1).unwrap();
    let t = std::time::Instant::now();
    let mut ev = 0;
    if which == "kakao" {
        let s = Scenario::from_path("scenarios/kakao_pangyo_2022.ron").unwrap();
        let mut sim = Simulation::new(&s, None).unwrap();
        for run in 0..5000 {
            ev += sim.run(&RunOptions::default().seed(7).run(run).timeline(false)).unwrap().events;
        }
    } else {
        let s = Scenario::from_spec(synthetic::machine_repair(100_000, 100)).unwrap();
        let mut sim = Simulation::new(&s, None).unwrap();
        for _ in 0..3 {
            ev += sim
                .run(&RunOptions::default().seed(1).horizon(SimDuration::from_days(20)).timeline(false))
                .unwrap()
                .events;
        }
    }
    println!("{ev} events in {:.3}s", t.elapsed().as_secs_f64());
}
