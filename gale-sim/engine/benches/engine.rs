//! `cargo bench -p gale-engine`: engine throughput against QEMU on the same
//! ELF, measured in the same run (figures, not pass/fail).
//!
//! * busy: MIPS with tracing off and on (IRQ events), QEMU's wall time and
//!   the engine/QEMU throughput ratio (QEMU's start-up time, measured on a
//!   trivial image, is subtracted).
//! * idle: virtual seconds per wall second for a WFI-heavy image.
//!
//! Every figure is the best of three runs (the build machine is shared).

#[path = "../tests/support/mod.rs"]
mod support;

use gale_engine::{Limits, StopReason};
use std::time::Duration;
use support::{image, image_path, qemu_available, run_engine_spec, run_qemu, Board, QemuClock};

const LIMITS: Limits = Limits {
    time: 600_000_000_000,
    instructions: 20_000_000_000,
};

fn main() {
    let board = Board::An385;
    let busy = image(board, "busy");
    let idle = image(board, "idle");

    // Best of three: the figures are throughput, and the machine is shared.
    // Tracing off and on alternate, so a burst of load from other jobs does
    // not land on one of them only.
    let run = |trace: bool| {
        let mut spec = board.spec("bench");
        spec.trace_irqs = trace;
        let r = run_engine_spec(spec, &busy, LIMITS);
        assert_eq!(
            r.stop,
            StopReason::Exited { code: 0 },
            "busy image failed: {}",
            r.console
        );
        r
    };
    let (mut offs, mut ons) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        offs.push(run(false));
        ons.push(run(true));
    }
    let off = offs.into_iter().min_by_key(|r| r.wall).unwrap();
    let on = ons.into_iter().min_by_key(|r| r.wall).unwrap();
    assert_eq!(
        off.instructions, on.instructions,
        "tracing must not change the instruction count"
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "host load average (1/5/15 min): {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert!(
        on.trace.events().len() > 100,
        "tracing on should record the SysTick interrupts"
    );
    let mips = |r: &support::EngineRun| r.instructions as f64 / r.wall.as_secs_f64() / 1e6;
    println!(
        "engine busy: {} instructions, {:.3} virtual s",
        off.instructions,
        off.virtual_ns as f64 / 1e9
    );
    println!(
        "engine busy, tracing off: {:.3} s wall, {:.0} MIPS",
        off.wall.as_secs_f64(),
        mips(&off)
    );
    println!(
        "engine busy, tracing on:  {:.3} s wall, {:.0} MIPS ({} trace events)",
        on.wall.as_secs_f64(),
        mips(&on),
        on.trace.len()
    );
    println!(
        "goal >= 500 MIPS with tracing on: {}",
        if mips(&on) >= 500.0 { "met" } else { "NOT met" }
    );

    if qemu_available() {
        let startup = (0..3)
            .map(|_| {
                run_qemu(
                    board,
                    &image_path(board, "svc"),
                    Duration::from_secs(30),
                    QemuClock::Host,
                )
                .wall
            })
            .min()
            .unwrap();
        let q = (0..3)
            .map(|_| {
                run_qemu(
                    board,
                    &image_path(board, "busy"),
                    Duration::from_secs(300),
                    QemuClock::Host,
                )
            })
            .min_by_key(|q| q.wall)
            .unwrap();
        assert_eq!(
            q.stdout, off.console,
            "QEMU and the engine disagree on the busy workload's output"
        );
        let qemu_run = q.wall.saturating_sub(startup).max(Duration::from_millis(1));
        let qemu_mips = off.instructions as f64 / qemu_run.as_secs_f64() / 1e6;
        println!(
            "qemu busy: {:.3} s wall ({:.3} s start-up subtracted), ~{:.0} MIPS on the same instruction count",
            q.wall.as_secs_f64(),
            startup.as_secs_f64(),
            qemu_mips
        );
        let ratio = mips(&on) / qemu_mips;
        println!(
            "ratio engine/qemu throughput: tracing off {:.2}x, tracing on {:.2}x",
            mips(&off) / qemu_mips,
            ratio
        );
        println!(
            "goal >= 0.5x QEMU with tracing on: {}",
            if ratio >= 0.5 { "met" } else { "NOT met" }
        );
    } else {
        println!("qemu: not installed ({})", support::QEMU_APT);
    }

    let idle_run = (0..3)
        .map(|_| {
            let r = run_engine_spec(board.spec("bench"), &idle, LIMITS);
            assert_eq!(
                r.stop,
                StopReason::Exited { code: 0 },
                "idle image failed: {}",
                r.console
            );
            r
        })
        .min_by_key(|r| r.wall)
        .unwrap();
    let vs = idle_run.virtual_ns as f64 / 1e9;
    let rate = vs / idle_run.wall.as_secs_f64();
    println!(
        "engine idle: {:.2} virtual s in {:.3} s wall = {:.0} virtual s per wall s ({} instructions)",
        vs,
        idle_run.wall.as_secs_f64(),
        rate,
        idle_run.instructions
    );
    println!(
        "goal >= 50 virtual s per wall s: {}",
        if rate >= 50.0 { "met" } else { "NOT met" }
    );
}
