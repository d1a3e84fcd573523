//! Hostile and misbehaving firmware (issues #15 and #13): a fault whose
//! exception entry fails, division by zero with CCR.DIV_0_TRP, WFI spinning
//! on a masked pending interrupt, an image without an RTT block polled every
//! quantum, and machines under an address-space limit. Figures are printed
//! (`--nocapture`) for docs/engine.md.

mod support;

use gale_engine::{Limits, Machine, StopReason};
use std::process::Command;
use std::time::Instant;
use support::{image, run_engine, Board};

const LIMITS: Limits = Limits {
    time: 10_000_000_000,
    instructions: 200_000_000,
};

#[test]
fn a_fault_during_exception_entry_keeps_the_original_fault() {
    for b in Board::ALL {
        let run = run_engine(b, &image(b, "entry_fault"), LIMITS);
        let StopReason::Fault(report) = &run.stop else {
            panic!("{b:?}: {:?}\n{}", run.stop, run.console)
        };
        assert!(
            report.what.contains("read of unmapped address"),
            "{b:?}: original fault dropped: {report}"
        );
        assert!(
            report
                .what
                .contains("vector table read for BusFault failed at 0x30000014"),
            "{b:?}: {report}"
        );
        assert_eq!(
            report.address,
            Some(0x3000_0040),
            "{b:?}: the address is the original fault's: {report}"
        );
    }
}

#[test]
fn div_0_trp_raises_usagefault_divbyzero() {
    for b in Board::ALL {
        let run = run_engine(b, &image(b, "div0"), LIMITS);
        assert_eq!(
            run.stop,
            StopReason::Exited { code: 0 },
            "{b:?}:\n{}",
            run.console
        );
        assert!(
            run.console
                .contains("trap on: udiv 7/0 -> exception 6 cfsr=0x02000000"),
            "{}",
            run.console
        );
    }
}

#[test]
fn wfi_with_a_masked_pending_interrupt_sleeps_instead_of_spinning() {
    let b = Board::An385;
    let elf = image(b, "wfi_masked");
    let t0 = Instant::now();
    let run = run_engine(b, &elf, LIMITS);
    let wall = t0.elapsed();
    assert_eq!(run.stop, StopReason::Exited { code: 0 }, "{}", run.console);
    assert!(run.console.contains("1000 wraps"), "{}", run.console);
    eprintln!(
        "wfi_masked: {:.3} virtual s in {:.3} wall s, {} instructions",
        run.virtual_ns as f64 / 1e9,
        wall.as_secs_f64(),
        run.instructions
    );
    // Spinning executes the loop for all 25 M cycles of that second.
    assert!(
        run.instructions < 1_000_000,
        "{} instructions: WFI spun",
        run.instructions
    );
}

#[test]
fn an_image_without_rtt_is_not_rescanned_every_quantum() {
    // The idle image has no `_SEGGER_RTT`; the board has 8 MiB of RAM.
    let b = Board::An385;
    let mut m = Machine::new(b.spec("idle")).unwrap();
    m.load_elf(&image(b, "idle")).unwrap();
    let t0 = Instant::now();
    let mut t = 0;
    while t < 2_000_000_000 {
        t += 100_000;
        let stop = m.run_until(t, &Limits::NONE).unwrap();
        assert_eq!(stop, StopReason::TimeReached);
        assert!(m.rtt_read_up(0).is_empty());
    }
    let wall = t0.elapsed();
    eprintln!(
        "idle without RTT, 2 s virtual in 100 us quanta: {:.3} s wall, {} RAM scans",
        wall.as_secs_f64(),
        m.rtt_scans()
    );
    assert!(m.rtt_scans() <= 12, "{} scans of RAM", m.rtt_scans());
}

/// Runs this test binary's `child` test under an address-space limit.
fn child(test: &str, limit_kib: Option<u64>) -> std::process::Output {
    let exe = std::env::current_exe().unwrap();
    let ulimit = limit_kib
        .map(|k| format!("ulimit -v {k}; "))
        .unwrap_or_default();
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{ulimit}exec \"$0\" --exact {test} --ignored --nocapture --test-threads=1"
        ))
        .arg(exe)
        .env("GALE_HOSTILE_CHILD", "1")
        .output()
        .unwrap()
}

#[test]
#[ignore = "run by four_machines_fit_under_a_3_gib_address_space_limit"]
fn child_four_machines() {
    let elf = image(Board::An500, "idle");
    let mut ms = Vec::new();
    for i in 0..4 {
        let mut m = Machine::new(Board::An500.spec(&format!("m{i}"))).expect("machine");
        m.load_elf(&elf).unwrap();
        assert_eq!(
            m.run_until(1_000_000, &Limits::NONE).unwrap(),
            StopReason::TimeReached
        );
        ms.push(m);
    }
    println!("four machines ran");
}

#[test]
fn four_machines_fit_under_a_3_gib_address_space_limit() {
    image(Board::An500, "idle"); // built outside the limit
    let out = child("child_four_machines", Some(3 << 20));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("four machines ran"),
        "{:?}:\n{text}",
        out.status
    );
}

#[test]
#[ignore = "run by a_machine_that_does_not_fit_is_an_error_not_an_exit"]
fn child_no_room() {
    // Leave the process 24 MiB more than it has now: not enough for a
    // machine's buffers and memories.
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find(|l| l.starts_with("VmSize:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let limit = (kib + 24 * 1024) * 1024;
    let pid = std::process::id().to_string();
    let ok = Command::new("prlimit")
        .args(["--pid", &pid, &format!("--as={limit}")])
        .status()
        .unwrap();
    assert!(ok.success());
    let mut errs = 0;
    for i in 0..8 {
        match Machine::new(Board::An500.spec(&format!("m{i}"))) {
            Ok(m) => std::mem::forget(m),
            Err(e) => {
                println!("error: {e}");
                errs += 1;
                break;
            }
        }
    }
    assert!(errs == 1, "every machine fit");
    println!("reported as an error");
}

#[test]
fn a_machine_that_does_not_fit_is_an_error_not_an_exit() {
    let out = child("child_no_room", None);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("reported as an error"),
        "{:?}:\n{text}",
        out.status
    );
    assert!(
        text.contains("memory limit (ulimit -v)") && !text.contains("engine bug"),
        "{text}"
    );
}
