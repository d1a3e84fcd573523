//! The hardware code path with the engine as the board: the replay build
//! of an image, flashed and run through `gale_target::HwBackend`, gives the
//! same verdict as the simulated run of the normal build, and the same bus
//! transactions in the same order (times aside).

use gale_engine_backend::{board, EngineBackend};
use gale_harness::runner::{self, Context, RunOutcome};
use gale_scenario::Scenario;
use gale_trace::EventKind;
use std::path::Path;

fn ctx() -> Context {
    Context::new(runner::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("project root"))
}

/// Bus-level events: what a replayed bus and a simulated controller both
/// record.
fn bus(out: &RunOutcome) -> Vec<(String, String, EventKind)> {
    out.trace
        .events()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Spi { .. }
                    | EventKind::I2c { .. }
                    | EventKind::UartTx { .. }
                    | EventKind::UartRx { .. }
            )
        })
        .map(|e| (e.machine.clone(), e.source.clone(), e.kind.clone()))
        .collect()
}

fn pass_marks(out: &RunOutcome) -> Vec<(usize, bool)> {
    out.verdict
        .outcomes
        .iter()
        .map(|o| (o.index, o.passed))
        .collect()
}

fn same_on_both(name: &str) {
    let ctx = ctx();
    let s = Scenario::load(&ctx.root.join("scenarios").join(name)).unwrap();
    let sim = runner::run(&ctx, &EngineBackend, &s).unwrap_or_else(|e| panic!("{name} sim: {e}"));
    let hw = runner::run(&ctx, &board::backend(ctx.root.clone()), &s)
        .unwrap_or_else(|e| panic!("{name} hw: {e}"));
    assert_eq!(hw.backend, "engine-board");
    assert!(
        sim.passed(),
        "{}",
        gale_harness::report::outcome_text(&sim)
    );
    assert_eq!(
        pass_marks(&sim),
        pass_marks(&hw),
        "{name}: verdicts differ\nsim:\n{}\nhw:\n{}",
        gale_harness::report::outcome_text(&sim),
        gale_harness::report::outcome_text(&hw)
    );
    let (a, b) = (bus(&sim), bus(&hw));
    assert!(!a.is_empty(), "{name}: no bus events to compare");
    if a != b {
        let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        panic!(
            "{name}: bus sequences differ at event {at} (sim {} events, hw {}):\nsim: {:?}\nhw:  {:?}",
            a.len(),
            b.len(),
            a.get(at),
            b.get(at)
        );
    }
    eprintln!(
        "{name}: {} bus events equal; verdict {}; sim ended {} ns ({}), hw ended {} ns ({})",
        a.len(),
        if hw.passed() { "PASS" } else { "FAIL" },
        sim.ended,
        sim.ends[0].how,
        hw.ended,
        hw.ends[0].how
    );
}

#[test]
fn f100_banner_on_the_engine_board_matches_the_simulation() {
    same_on_both("f100-banner.yaml");
}

#[test]
fn gust_alone_on_the_engine_board_matches_the_simulation() {
    same_on_both("gust-alone.yaml");
}
