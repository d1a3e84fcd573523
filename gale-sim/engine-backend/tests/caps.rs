//! A machine that produces more than the caps allow is stopped with a
//! report naming the stream, and the scenario fails with that report instead
//! of the process growing without bound.

use gale_engine_backend::{Caps, EngineBackend};
use gale_harness::runner::{self, Context};
use gale_scenario::Scenario;
use std::path::Path;

fn run_with(caps: Caps) -> runner::RunOutcome {
    let root = runner::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let s = Scenario::load(&root.join("scenarios/f100-banner.yaml")).unwrap();
    let out = std::env::temp_dir().join(format!("gale-caps-{}", std::process::id()));
    let ctx = Context::new(root).with_out(out);
    runner::run(&ctx, &EngineBackend { caps }, &s).unwrap()
}

#[test]
fn a_trace_over_its_event_cap_stops_the_machine_and_fails_the_scenario() {
    let out = run_with(Caps {
        events: 20,
        ..Caps::default()
    });
    let end = &out.ends[0];
    assert!(
        end.how
            .starts_with("stopped: trace exceeded gale-sim's cap of 20 events"),
        "{}",
        end.how
    );
    assert!(
        end.how.contains("from USART1"),
        "the stream is named: {}",
        end.how
    );
    assert!(end.at < 1_000_000, "stopped early, at {} ns", end.at);
    assert!(!out.passed());
}

#[test]
fn the_default_caps_leave_the_shipped_scenario_alone() {
    let out = run_with(Caps::default());
    assert!(out.passed(), "{}", gale_harness::report::outcome_text(&out));
    assert_eq!(out.ends[0].how, "exit 0");
}
