//! Conformance images run on the engine: each prints its checks over
//! semihosting and exits 0 only if all passed. The differential test in
//! `oracle.rs` compares the same output with QEMU's.

mod support;

use gale_engine::{Limits, StopReason};
use support::{image, run_engine, Board};

const LIMITS: Limits = Limits {
    time: 10_000_000_000,
    instructions: 200_000_000,
};

fn passes(board: Board, name: &str) -> String {
    let elf = image(board, name);
    let run = run_engine(board, &elf, LIMITS);
    assert_eq!(
        run.stop,
        StopReason::Exited { code: 0 },
        "{name} on {board:?} did not pass; console:\n{}\ntrace tail:\n{}",
        run.console,
        tail(&run.trace.to_text(), 40)
    );
    assert!(run.console.ends_with("PASSED\n"), "{name}: {}", run.console);
    run.console
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[test]
fn svc_from_msp_and_psp() {
    for b in Board::ALL {
        let out = passes(b, "svc");
        assert!(out.contains("svc from psp: r0=5015"), "{out}");
    }
}

#[test]
fn pendsv_context_switch_keeps_integer_and_fp_registers() {
    for b in Board::ALL {
        let out = passes(b, "pendsv_switch");
        let want = if b.has_fpu() {
            "thread B round 2: r0-r12 intact, s0-s31 intact"
        } else {
            "thread B round 2: r0-r12 intact"
        };
        assert!(out.contains(want), "{out}");
    }
}

#[test]
fn systick_wakes_wfi() {
    for b in Board::ALL {
        passes(b, "systick_wfi");
    }
}

#[test]
fn wfe_sleeps_until_an_event_and_sev_sets_the_event_register() {
    for b in Board::ALL {
        let out = passes(b, "wfe_sev");
        assert!(
            out.contains("sevonpend: masked systick pending, not taken"),
            "{out}"
        );
        // WFE skipped the time to the next SysTick wrap instead of executing
        // (two 10 ms periods at 25 MHz, 500 000 cycles).
        let run = run_engine(b, &image(b, "wfe_sev"), LIMITS);
        let cycles = run.virtual_ns * 25 / 1000;
        assert!(
            cycles >= 500_000,
            "{b:?}: only {cycles} cycles of virtual time"
        );
        assert!(
            run.instructions * 10 < cycles,
            "{b:?}: {} instructions in {cycles} cycles: WFE did not sleep",
            run.instructions
        );
    }
}

#[test]
fn basepri_primask_faultmask_mask_then_release() {
    for b in Board::ALL {
        let out = passes(b, "basepri");
        assert!(out.contains("icsr.vectpending=21 isrpending=1"), "{out}");
    }
}

#[test]
fn nested_priorities_preempt_and_tail_chain() {
    for b in Board::ALL {
        let out = passes(b, "nested");
        assert!(out.contains("preempt + tail-chain: 1+(ipsr=17,rtb=1) 2+(ipsr=18,rtb=0) 2-(ipsr=18,rtb=0) 1-(ipsr=17,rtb=1) 3+"), "{out}");
    }
}

#[test]
fn bus_and_usage_faults_set_status_registers() {
    for b in Board::ALL {
        let out = passes(b, "faults");
        assert!(
            out.contains(
                "load with busfault disabled: exception 3 cfsr=0x00008200 hfsr=0x40000000"
            ),
            "{out}"
        );
    }
}

#[test]
fn fp_extended_frames_with_systick_preempting_pendsv() {
    for b in [Board::An386, Board::An500] {
        let out = passes(b, "fp_preempt");
        assert!(
            out.contains("exc_return in PendSV=0xffffffe9 in SysTick=0xffffffe1"),
            "{out}"
        );
    }
}

#[test]
fn dwt_cycle_counter_follows_the_virtual_clock() {
    for b in Board::ALL {
        passes(b, "dwt");
    }
}

#[test]
fn sysresetreq_restarts_the_core_keeping_ram() {
    for b in Board::ALL {
        let out = passes(b, "reset");
        assert!(
            out.starts_with("boot 1\n") && out.contains("boot 3\n"),
            "{out}"
        );
    }
}

#[test]
fn context_switch_trace_is_deterministic_over_20_runs() {
    let elf = image(Board::An386, "pendsv_switch");
    let first = run_engine(Board::An386, &elf, LIMITS);
    assert_eq!(first.stop, StopReason::Exited { code: 0 });
    assert!(
        first.trace.len() > 20,
        "trace too short to mean anything: {}",
        first.trace.to_text()
    );
    for i in 1..20 {
        let again = run_engine(Board::An386, &elf, LIMITS);
        assert_eq!(
            again.instructions, first.instructions,
            "run {i}: instruction count differs"
        );
        assert!(again.trace == first.trace, "run {i}: trace differs");
    }
}
