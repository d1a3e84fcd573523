//! Differential oracle: every conformance image runs on QEMU (mps2-an385,
//! mps2-an386, mps2-an500) and on the engine; the semihosting output must be
//! byte-identical. QEMU is used here as an oracle only.

mod support;

use gale_engine::{Limits, StopReason};
use std::time::Duration;
use support::{image_path, qemu_available, run_engine, run_qemu, Board, QemuClock, QEMU_APT};

/// Images whose output QEMU can reproduce. `dwt` is engine-only: QEMU does
/// not model the DWT cycle counter. FP images need an FPU (AN386/AN500).
const IMAGES: &[(&str, bool)] = &[
    ("svc", false),
    ("pendsv_switch", false),
    ("systick_wfi", false),
    ("basepri", false),
    ("nested", false),
    ("faults", false),
    ("fp_preempt", true),
    ("reset", false),
    // QEMU's WFE never sleeps; the image's checks hold either way.
    ("wfe_sev", false),
    // QEMU 7.2 implements CCR.DIV_0_TRP; the engine's division hooks must agree.
    ("div0", false),
];

#[test]
fn engine_output_matches_qemu_byte_for_byte() {
    assert!(qemu_available(), "{QEMU_APT}");
    let mut failures = Vec::new();
    let mut compared = 0;
    for board in Board::ALL {
        for &(name, needs_fpu) in IMAGES {
            if needs_fpu && !board.has_fpu() {
                continue;
            }
            let path = image_path(board, name);
            let elf = std::fs::read(&path).unwrap();
            let q = run_qemu(
                board,
                &path,
                Duration::from_secs(20),
                QemuClock::Instructions,
            );
            let e = run_engine(
                board,
                &elf,
                Limits {
                    time: 10_000_000_000,
                    instructions: 500_000_000,
                },
            );
            compared += 1;
            if q.code != Some(0) || !q.stdout.ends_with("PASSED\n") {
                failures.push(format!(
                    "{name} on QEMU {board:?} did not pass (exit {:?}):\n{}",
                    q.code, q.stdout
                ));
            }
            if e.stop != (StopReason::Exited { code: 0 }) {
                failures.push(format!(
                    "{name} on the engine ({board:?}) stopped with {:?}",
                    e.stop
                ));
            }
            if q.stdout != e.console {
                failures.push(format!(
                    "{name} on {board:?}: outputs differ\n--- qemu\n{}\n--- engine\n{}",
                    q.stdout, e.console
                ));
            }
        }
    }
    assert!(compared >= 25, "only {compared} image runs compared");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
