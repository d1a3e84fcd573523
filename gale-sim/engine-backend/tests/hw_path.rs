//! The hardware code path with the engine as the board: the replay build
//! of an image, flashed and run through `gale_target::HwBackend`, gives the
//! same verdict as the simulated run of the normal build, and the same bus
//! transactions in the same order (times aside).

use gale_engine_backend::{board, EngineBackend};
use gale_harness::runner::{self, Context, RunOutcome};
use gale_scenario::telemetry::{self, Message};
use gale_scenario::Scenario;
use gale_trace::EventKind;
use std::collections::BTreeMap;
use std::path::Path;

fn ctx() -> Context {
    Context::new(runner::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("project root"))
}

/// Bus-level events per bus (what a replayed bus and a simulated
/// controller both record), in order. A run that ends at its time limit
/// loses the last transactions of the replayed run (each waited for a
/// poll), so both are compared up to `TAIL` before the limit.
fn bus(out: &RunOutcome, limit: u64) -> BTreeMap<(String, String), Vec<EventKind>> {
    let by_time_limit = out.ends.iter().any(|e| e.how == "time limit");
    let cut = if by_time_limit {
        limit.saturating_sub(TAIL)
    } else {
        u64::MAX
    };
    let mut m: BTreeMap<(String, String), Vec<EventKind>> = BTreeMap::new();
    for e in out.trace.events() {
        let bus_event = matches!(
            e.kind,
            EventKind::Spi { .. }
                | EventKind::I2c { .. }
                | EventKind::UartTx { .. }
                | EventKind::UartRx { .. }
        );
        if bus_event && e.t < cut {
            m.entry((e.machine.clone(), e.source.clone()))
                .or_default()
                .push(e.kind.clone());
        }
    }
    m
}

/// How much of the end of a time-limited run is not compared.
const TAIL: u64 = 5_000_000;

/// A UART whose bytes are telemetry frames differs between the runs in
/// the frames' own timestamp (`t_us`, firmware time): compare the decoded
/// messages with it cleared.
fn same_telemetry(
    sim: &RunOutcome,
    hw: &RunOutcome,
    (machine, port): &(String, String),
    limit: u64,
) -> bool {
    let messages = |out: &RunOutcome| {
        let cut = if out.ends.iter().any(|e| e.how == "time limit") {
            limit.saturating_sub(TAIL)
        } else {
            u64::MAX
        };
        let d = telemetry::decode(&out.trace, machine, port);
        let m: Vec<Message> = d
            .messages
            .into_iter()
            .filter(|(t, _)| *t < cut)
            .map(|(_, mut m)| {
                if let Message::Sample(s) = &mut m {
                    s.t_us = 0;
                }
                m
            })
            .collect();
        (m, d.crc_errors, d.bad_lengths)
    };
    let (a, b) = (messages(sim), messages(hw));
    !a.0.is_empty() && a == b
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
    let sim = runner::run(&ctx, &EngineBackend::default(), &s)
        .unwrap_or_else(|e| panic!("{name} sim: {e}"));
    let hw = runner::run(&ctx, &board::backend(ctx.root.clone()), &s)
        .unwrap_or_else(|e| panic!("{name} hw: {e}"));
    assert_eq!(hw.backend, "engine-board");
    assert!(sim.passed(), "{}", gale_harness::report::outcome_text(&sim));
    same_runs(name, &s, &sim, &hw);
}

/// Same verdict marks and the same transactions per bus.
fn same_runs(name: &str, s: &Scenario, sim: &RunOutcome, hw: &RunOutcome) {
    let (sim, hw) = (sim, hw);
    assert_eq!(
        pass_marks(sim),
        pass_marks(hw),
        "{name}: verdicts differ\nsim:\n{}\nhw:\n{}",
        gale_harness::report::outcome_text(sim),
        gale_harness::report::outcome_text(hw)
    );
    let limit = s.def.time_limit.0;
    let (a, b) = (bus(sim, limit), bus(hw, limit));
    assert!(!a.is_empty(), "{name}: no bus events to compare");
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{name}: different buses used"
    );
    for (k, x) in &a {
        let y = &b[k];
        if x.len() == y.len() && same_telemetry(sim, hw, k, limit) {
            // Framed telemetry: equal apart from the timestamps it carries.
            continue;
        }
        if x != y {
            let at = x
                .iter()
                .zip(y)
                .position(|(p, q)| p != q)
                .unwrap_or(x.len().min(y.len()));
            panic!(
                "{name}: {k:?} sequences differ at event {at} (sim {} events, hw {}):\nsim: {:?}\nhw:  {:?}",
                x.len(),
                y.len(),
                x.get(at),
                y.get(at)
            );
        }
    }
    for n in &hw.notes {
        eprintln!("{name}: {n}");
    }
    let count: usize = a.values().map(Vec::len).sum();
    eprintln!(
        "{name}: {count} bus events on {} buses equal; verdict {}; sim ended {} ns ({}), hw ended {} ns ({})",
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

#[test]
fn fmu_healthy_on_the_engine_board_matches_the_simulation() {
    same_on_both("fmu-healthy.yaml");
}

#[test]
fn fmu_imu_stuck_on_the_engine_board_matches_the_simulation() {
    same_on_both("fmu-imu-stuck.yaml");
}

#[test]
fn fmu_imus_disagree_on_the_engine_board_matches_the_simulation() {
    same_on_both("fmu-imus-disagree.yaml");
}

#[test]
fn fmu_baro_dropout_on_the_engine_board_matches_the_simulation() {
    same_on_both("fmu-baro-dropout.yaml");
}

#[test]
fn fmu_gnss_checksum_on_the_engine_board_matches_the_simulation() {
    same_on_both("fmu-gnss-checksum.yaml");
}

#[test]
fn gust_heartbeat_loss_on_the_engine_board_matches_the_simulation() {
    same_on_both("gust-heartbeat-loss.yaml");
}

#[test]
fn fmu_gnss_silence_on_the_engine_board_matches_the_simulation() {
    same_on_both("fmu-gnss-silence.yaml");
}

#[test]
fn gust_heartbeat_framing_on_the_engine_board_matches_the_simulation() {
    same_on_both("gust-heartbeat-framing.yaml");
}

/// Scenarios checked on the hardware path by the tests above.
const ON_THE_BOARD: [&str; 10] = [
    "f100-banner.yaml",
    "gust-alone.yaml",
    "fmu-healthy.yaml",
    "fmu-imu-stuck.yaml",
    "fmu-imus-disagree.yaml",
    "fmu-baro-dropout.yaml",
    "fmu-gnss-checksum.yaml",
    "gust-heartbeat-loss.yaml",
    "fmu-gnss-silence.yaml",
    "gust-heartbeat-framing.yaml",
];

/// Scenarios the hardware path refuses (checked below).
const REFUSED: [&str; 4] = [
    "fmu-gust-heartbeat.yaml",
    "rt1176-dual-core.yaml",
    "io-m4-healthy.yaml",
    "sensors-f100.yaml",
];

/// Every shipped scenario is either compared on the engine board or
/// refused with a reason: a new scenario cannot escape the hardware path.
#[test]
fn every_shipped_scenario_is_compared_on_the_board_or_refused() {
    let ctx = ctx();
    let mut files: Vec<String> = std::fs::read_dir(ctx.root.join("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".yaml"))
        .collect();
    files.sort();
    let missing: Vec<&String> = files
        .iter()
        .filter(|f| !ON_THE_BOARD.contains(&f.as_str()) && !REFUSED.contains(&f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "add these to ON_THE_BOARD or REFUSED: {missing:?}"
    );
}

/// Scenarios a probe cannot run are refused before anything is built or
/// flashed, with the reason and status 18.
#[test]
fn scenarios_hardware_cannot_run_are_refused_with_the_reason() {
    let ctx = ctx();
    let cases = [
        ("fmu-gust-heartbeat.yaml", "2 machines"),
        ("rt1176-dual-core.yaml", "2 machines"),
        ("io-m4-healthy.yaml", "Cortex-M4"),
        ("sensors-f100.yaml", "no `replay` cargo feature"),
    ];
    for (file, why) in cases {
        let s = Scenario::load(&ctx.root.join("scenarios").join(file)).unwrap();
        let e = runner::run(&ctx, &board::backend(ctx.root.clone()), &s)
            .err()
            .unwrap_or_else(|| panic!("{file} ran on hardware"));
        assert_eq!(gale_target::exit_status(&e), 18, "{file}: {e}");
        let msg = e.to_string();
        assert!(
            msg.contains("cannot run on hardware") && msg.contains(why),
            "{file}: {msg}"
        );
    }
}

/// The engine acting as the board polls at a fixed cadence of virtual
/// time, so a hardware-path run is repeatable bit for bit.
#[test]
fn engine_board_runs_are_repeatable() {
    let ctx = ctx();
    let s = Scenario::load(&ctx.root.join("scenarios/fmu-imu-stuck.yaml")).unwrap();
    let run = || runner::run(&ctx, &board::backend(ctx.root.clone()), &s).unwrap();
    let (a, b) = (run(), run());
    assert!(a.trace.to_text() == b.trace.to_text(), "two runs differ");
}

/// What a slower probe changes: the firmware waits longer for each answer,
/// so its later requests carry later timestamps and time-varying signals
/// are sampled later (answers can differ by that shift); the requests
/// themselves and the verdict stay the same.
#[test]
fn the_poll_cadence_moves_times_not_requests_nor_verdicts() {
    let ctx = ctx();
    let s = Scenario::load(&ctx.root.join("scenarios/fmu-imu-stuck.yaml")).unwrap();
    let fast = runner::run(&ctx, &board::backend(ctx.root.clone()), &s).unwrap();
    let slow = runner::run(&ctx, &board::backend_polling(ctx.root.clone(), 37_000), &s).unwrap();
    assert!(
        fast.passed(),
        "{}",
        gale_harness::report::outcome_text(&fast)
    );
    assert_eq!(
        pass_marks(&fast),
        pass_marks(&slow),
        "{}",
        gale_harness::report::outcome_text(&slow)
    );
    let requests = |out: &RunOutcome| -> Vec<(u8, Vec<u8>)> {
        out.trace
            .events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Spi { cs, mosi, .. } => Some((*cs, mosi.clone())),
                _ => None,
            })
            .collect()
    };
    let (a, b) = (requests(&fast), requests(&slow));
    let n = a.len().min(b.len());
    assert!(n > 1000, "{n} SPI requests");
    assert_eq!(a[..n], b[..n], "SPI requests differ");
    // The slow run's loop starts later (its IMU init waited longer), so it
    // reaches the time limit a few cycles short.
    assert!(a.len() - n <= a.len() / 100 && b.len() - n <= b.len() / 100);
    eprintln!(
        "SPI requests: {} at 10 us polls, {} at 37 us; equal over the first {n}",
        a.len(),
        b.len()
    );
}
