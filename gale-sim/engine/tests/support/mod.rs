//! Shared by the engine's integration tests and bench: builds the
//! conformance images (`firmware/conformance`) and runs them on the engine
//! and on QEMU's MPS2 boards.
#![allow(dead_code)]

use gale_engine::{CoreKind, Limits, Machine, MachineSpec, MemoryRegion, StopReason};
use gale_trace::{EventKind, Trace};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// An MPS2 board as QEMU models it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Board {
    An385,
    An386,
    An500,
}

impl Board {
    pub const ALL: [Board; 3] = [Board::An385, Board::An386, Board::An500];

    pub fn qemu_machine(self) -> &'static str {
        match self {
            Board::An385 => "mps2-an385",
            Board::An386 => "mps2-an386",
            Board::An500 => "mps2-an500",
        }
    }

    pub fn target(self) -> &'static str {
        match self {
            Board::An385 => "thumbv7m-none-eabi",
            _ => "thumbv7em-none-eabihf",
        }
    }

    pub fn core(self) -> CoreKind {
        match self {
            Board::An385 => CoreKind::CortexM3,
            Board::An386 => CoreKind::CortexM4F,
            Board::An500 => CoreKind::CortexM7F,
        }
    }

    pub fn has_fpu(self) -> bool {
        self != Board::An385
    }

    /// The engine's machine description of the board (25 MHz, as the FPGA).
    pub fn spec(self, name: &str) -> MachineSpec {
        MachineSpec {
            name: name.into(),
            core: self.core(),
            cpu_hz: 25_000_000,
            nvic_irqs: 32,
            memories: vec![
                MemoryRegion {
                    name: "ssram1".into(),
                    base: 0,
                    size: 4 << 20,
                    writable: true,
                    executable: true,
                    shared: None,
                    aliases: vec![],
                },
                // Not executable: unicorn sends every store to an executable page
                // down its slow path (self-modifying-code checks).
                MemoryRegion {
                    name: "ssram23".into(),
                    base: 0x2000_0000,
                    size: 4 << 20,
                    writable: true,
                    executable: false,
                    shared: None,
                    aliases: vec![],
                },
            ],
            peripherals: vec![],
            trace_irqs: true,
        }
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

static BUILD_LOCK: Mutex<()> = Mutex::new(());

/// Builds all conformance images for `target`; returns the directory of the ELFs.
pub fn build_images(target: &str) -> PathBuf {
    let _g = BUILD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let root = repo_root();
    let target_dir = root.join("target/conformance").join(target);
    let out = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--bins",
            "--target",
            target,
            "--manifest-path",
        ])
        .arg(root.join("firmware/conformance/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .expect("running cargo to build the conformance images");
    assert!(
        out.success(),
        "building firmware/conformance for {target} failed (see the compiler output above)"
    );
    target_dir.join(target).join("release")
}

pub fn image(board: Board, name: &str) -> Vec<u8> {
    let dir = build_images(board.target());
    let p = dir.join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

pub struct EngineRun {
    pub stop: StopReason,
    pub console: String,
    pub trace: Trace,
    pub instructions: u64,
    pub virtual_ns: u64,
    pub wall: Duration,
}

pub fn run_engine(board: Board, elf: &[u8], limits: Limits) -> EngineRun {
    run_engine_spec(board.spec("mps2"), elf, limits)
}

pub fn run_engine_spec(spec: MachineSpec, elf: &[u8], limits: Limits) -> EngineRun {
    let mut m = Machine::new(spec).expect("machine");
    m.load_elf(elf).expect("load");
    let t0 = Instant::now();
    let stop = m.run_until(limits.time, &limits).expect("run");
    let wall = t0.elapsed();
    let trace = m.take_trace();
    EngineRun {
        stop,
        console: console_text(&trace),
        trace,
        instructions: m.instructions(),
        virtual_ns: m.now(),
        wall,
    }
}

pub fn console_text(trace: &Trace) -> String {
    trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Console { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

pub const QEMU_APT: &str = "qemu-system-arm is not installed: run `apt-get install -y qemu-system-arm` (or `cargo xtask setup`)";

pub struct QemuRun {
    pub stdout: String,
    pub code: Option<i32>,
    pub wall: Duration,
}

/// Runs `elf` on QEMU's `board` with semihosting, killing it after `timeout`.
/// How QEMU keeps time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QemuClock {
    /// Plain TCG: guest timers follow the host clock (throughput figures).
    Host,
    /// `-icount shift=0,sleep=off`: one instruction is one virtual ns and
    /// WFI skips ahead, so what a test prints cannot depend on host load
    /// (the oracle).
    Instructions,
}

pub fn run_qemu(board: Board, elf_path: &Path, timeout: Duration, clock: QemuClock) -> QemuRun {
    let mut cmd = Command::new("qemu-system-arm");
    if clock == QemuClock::Instructions {
        cmd.args(["-icount", "shift=0,align=off,sleep=off"]);
    }
    let mut child = cmd
        .args([
            "-M",
            board.qemu_machine(),
            "-nographic",
            "-monitor",
            "none",
            "-serial",
            "none",
        ])
        .args(["-semihosting-config", "enable=on,target=native", "-kernel"])
        .arg(elf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{QEMU_APT} ({e})"));
    let t0 = Instant::now();
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            break;
        }
        if t0.elapsed() > timeout {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let out = child.wait_with_output().unwrap();
    QemuRun {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        code: out.status.code(),
        wall: t0.elapsed(),
    }
}

pub fn qemu_available() -> bool {
    Command::new("qemu-system-arm")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub fn image_path(board: Board, name: &str) -> PathBuf {
    build_images(board.target()).join(name)
}
