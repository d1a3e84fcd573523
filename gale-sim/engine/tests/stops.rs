//! How runs end when firmware misbehaves: fault reports, lockup, refused
//! semihosting, and the time and instruction limits.

mod support;

use gale_engine::{Limits, Machine, StopReason};
use gale_trace::EventKind;
use support::{image, run_engine, Board};

const LIMITS: Limits = Limits {
    time: 5_000_000_000,
    instructions: 50_000_000,
};

fn fault(stop: &StopReason) -> &gale_engine::FaultReport {
    match stop {
        StopReason::Fault(r) => r,
        other => panic!("expected a fault, got {other:?}"),
    }
}

#[test]
fn unhandled_bus_fault_reports_function_address_and_escalation() {
    let run = run_engine(Board::An385, &image(Board::An385, "unhandled"), LIMITS);
    let r = fault(&run.stop);
    assert!(r.what.contains("HardFault (escalated from BusFault"), "{r}");
    assert!(r.what.contains("no handler"), "{r}");
    assert!(
        r.symbol
            .as_deref()
            .is_some_and(|s| s.starts_with("poke_unmapped")),
        "{r}"
    );
    assert_eq!(r.address, Some(0x3000_1234));
    assert_eq!(r.cfsr, 0x8200, "PRECISERR | BFARVALID");
    assert_eq!(r.hfsr, 0x4000_0000, "FORCED");
    assert_eq!(run.console, "about to fault\n");
    let last = run.trace.events().last().unwrap();
    assert!(
        matches!(&last.kind, EventKind::Fault { what } if what.contains("poke_unmapped")),
        "{:?}",
        last
    );
}

#[test]
fn fault_inside_hardfault_is_a_lockup() {
    let run = run_engine(Board::An386, &image(Board::An386, "lockup"), LIMITS);
    let r = fault(&run.stop);
    assert!(r.what.starts_with("lockup:"), "{r}");
    assert_eq!(
        r.symbol.as_deref().map(|s| s.starts_with("HardFault")),
        Some(true),
        "{r}"
    );
    assert_eq!(r.address, Some(0x3000_0000));
}

#[test]
fn semihosting_outside_the_sandbox_is_refused_by_name() {
    let run = run_engine(Board::An385, &image(Board::An385, "refused"), LIMITS);
    let r = fault(&run.stop);
    assert!(r.what.contains("SYS_CLOCK"), "{r}");
    assert!(
        !run.console.contains("clock "),
        "the call must not have returned: {}",
        run.console
    );
    assert!(run
        .trace
        .events()
        .iter()
        .any(|e| matches!(&e.kind, EventKind::Fault { what } if what.contains("SYS_CLOCK"))));
}

#[test]
fn limits_stop_a_run_and_it_can_resume() {
    let elf = image(Board::An385, "busy");
    let mut m = Machine::new(Board::An385.spec("limits")).unwrap();
    m.load_elf(&elf).unwrap();
    let stop = m
        .run_until(
            u64::MAX,
            &Limits {
                time: u64::MAX,
                instructions: 100_000,
            },
        )
        .unwrap();
    assert_eq!(stop, StopReason::InstructionLimit);
    let n = m.instructions();
    assert!(
        (100_000..100_000 + 600).contains(&n),
        "stopped within a block of the limit: {n}"
    );
    // 100 000 instructions at 25 MHz: 4 ms. The time limit is a total too.
    let stop = m
        .run_until(
            u64::MAX,
            &Limits {
                time: 6_000_000,
                instructions: u64::MAX,
            },
        )
        .unwrap();
    assert_eq!(stop, StopReason::TimeLimit);
    assert!(
        m.now() >= 6_000_000 && m.now() < 6_100_000,
        "now {}",
        m.now()
    );
    // Lockstep quanta: run_until a time before the limit reports TimeReached.
    let stop = m
        .run_until(
            8_000_000,
            &Limits {
                time: 10_000_000,
                instructions: u64::MAX,
            },
        )
        .unwrap();
    assert_eq!(stop, StopReason::TimeReached);
    assert!(m.instructions() > n);
}

#[test]
fn idle_firmware_skips_time_in_wfi() {
    let run = run_engine(
        Board::An500,
        &image(Board::An500, "idle"),
        Limits {
            time: 20_000_000_000,
            instructions: 50_000_000,
        },
    );
    assert_eq!(run.stop, StopReason::Exited { code: 0 }, "{}", run.console);
    assert!(run.virtual_ns >= 10_000_000_000, "10 s of device time");
    // 10 000 ticks with a few dozen instructions each; a busy-wait would need 250 M.
    assert!(
        run.instructions < 2_000_000,
        "{} instructions",
        run.instructions
    );
}

#[test]
fn stack_overflow_into_unmapped_memory_faults_then_locks_up() {
    let run = run_engine(Board::An385, &image(Board::An385, "overflow"), LIMITS);
    let r = fault(&run.stop);
    assert!(r.what.starts_with("lockup:"), "{r}");
    assert!(r.what.contains("stacking for HardFault failed"), "{r}");
    assert_eq!(
        r.cfsr & 0x8200,
        0x8200,
        "the push was a precise bus fault: {r}"
    );
    assert_eq!(r.cfsr & 0x1000, 0x1000, "then a stacking error: {r}");
    assert!(r.address.is_some_and(|a| a < 0x2000_0000), "{r}");
}

/// A model whose deadline never moves forward.
struct Stuck;

impl gale_models::Peripheral for Stuck {
    fn name(&self) -> &str {
        "STUCK"
    }
    fn size(&self) -> u32 {
        0x100
    }
    fn read(&mut self, _: u32, _: gale_models::Access, _: &mut gale_models::Ctx) -> u32 {
        0
    }
    fn write(&mut self, _: u32, _: gale_models::Access, _: u32, _: &mut gale_models::Ctx) {}
    fn next_deadline(&self) -> Option<u64> {
        Some(0)
    }
}

#[test]
fn a_model_stuck_in_the_past_cannot_stall_the_run() {
    let mut spec = Board::An385.spec("stuck");
    spec.peripherals.push(gale_engine::MappedPeripheral {
        base: 0x4000_0000,
        model: Box::new(Stuck),
    });
    let mut m = Machine::new(spec).unwrap();
    m.load_elf(&image(Board::An385, "svc")).unwrap();
    assert_eq!(
        m.run_until(1_000_000_000, &LIMITS).unwrap(),
        StopReason::Exited { code: 0 }
    );
}

#[test]
fn read_only_and_non_executable_memory_fault() {
    let mut spec = Board::An386.spec("protect");
    for m in &mut spec.memories {
        if m.name == "ssram1" {
            m.writable = false;
        }
    }
    let run = support::run_engine_spec(spec, &image(Board::An386, "protect"), LIMITS);
    assert_eq!(run.stop, StopReason::Exited { code: 0 }, "{}", run.console);
    assert!(
        run.console
            .contains("store to code: exception 5 cfsr=0x00008200 bfar=0x100"),
        "{}",
        run.console
    );
}
