//! Runs gale-sim machines in a real Renode (1.15.x, 1.16.x) and turns what
//! they did into [`gale_trace::Event`]s, so the same verdict code judges
//! both the built-in engine and Renode. Permissively licensed; it uses no
//! unicorn and no `gale-sim` crate.
//!
//! The whole API:
//!
//! - [`locate()`] finds Renode (`$RENODE`, else `renode` on `PATH`), checks
//!   its version under a private `TMPDIR`, and says how to get it if not.
//! - [`RunSpec`] describes a run: machines ([`MachineSpec`]: a platform and
//!   an ELF), one-way UART wires between them ([`UartLink`], with
//!   [`LinkFault`] windows), the virtual time
//!   limit, the output folder and a wall-time limit; [`UartInput`]s feed
//!   scheduled bytes (a heartbeat source) into a machine's UART receiver.
//! - [`generate`] writes `out_dir/run.resc` and its support files (one
//!   `.repl` per machine, the decompressed SVD in the project's
//!   `target/gale-sim/svd/`).
//! - [`run`] generates, runs Renode headless, enforces the wall limit and
//!   returns one [`MachineRun`] per machine: events (UART bytes, GPIO
//!   edges, semihosting console and exit, with virtual times), raw RTT
//!   up-channel-0 bytes, and how the machine ended ([`End`]); or an
//!   [`Error`] (wall limit, a warning or error while loading, a failed
//!   monitor command, Renode stopping early). [`LogCheck`] is how Renode's
//!   log is read.
//!
//! Determinism: serial execution, a fixed global quantum ([`QUANTUM_NS`]),
//! `SetGlobalAdvanceImmediately true`, a fixed seed ([`SEED`]), and
//! `PerformanceInMips` from the platform's core clock (one instruction per
//! cycle, as the built-in engine counts).
//!
//! Capture is done by `cs/GaleRecorder.cs`, a small C# extension loaded
//! with `include` (see `cs/README.md`); its line format is parsed by
//! [`records`].

mod backend;
pub mod elf;
pub mod locate;
pub mod records;
pub mod renode_run;
pub mod robot;
mod run;
pub mod script;

pub use backend::{refuse_unsupported, RenodeBackend};
pub use locate::{locate, NotFound, Renode};
pub use run::{run, Error, LogCheck, LOADED_MARK};
pub use script::generate;

use gale_trace::{Event, Nanos};
use std::path::PathBuf;
use std::time::Duration;

/// Renode's global quantum: 100 µs, as the built-in engine's lockstep quantum.
pub const QUANTUM_NS: Nanos = 100_000;
/// The emulation seed every run uses.
pub const SEED: u32 = 1;
/// How often the RTT up-buffer is read from emulated RAM, in virtual Hz.
pub const RTT_POLL_HZ: u32 = 10_000;

/// One Renode machine: a platform and the ELF it boots.
#[derive(Clone, Debug)]
pub struct MachineSpec<'a> {
    /// The scenario's machine name (`[A-Za-z0-9_-]+`).
    pub name: String,
    pub platform: &'a gale_platform::Platform,
    /// Absolute path of the firmware ELF.
    pub elf: PathBuf,
    /// Another CPU of this machine's chip (the RT1176 CM4 beside the CM7).
    /// Not supported yet: [`generate`] refuses it.
    pub core_of: Option<String>,
}

/// A one-way UART wire between two machines, as the built-in engine's
/// `uart_link`: (machine, port) at each end, ports as the SVD names them
/// (`LPUART2`, `USART2`). Each byte `from` transmits reaches `to`'s receiver
/// 10 bit times (8N1 at `baud`) after it started on the wire, back to back
/// when bytes queue up; delivery is on 10 µs ticks, and a byte sent by a
/// machine that ran ahead in a quantum can arrive up to one quantum late
/// (deterministically).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UartLink {
    pub from: (String, String),
    pub to: (String, String),
    pub baud: u32,
    /// Faults by the time a byte starts on the wire.
    pub faults: Vec<LinkFault>,
}

/// A fault window `[start, end)` on a [`UartLink`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkFault {
    pub start: Nanos,
    pub end: Nanos,
    pub kind: LinkFaultKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkFaultKind {
    /// Bytes are lost.
    Disconnect,
    /// This bit (0..=7) of every byte is inverted.
    BitFlip { bit: u8 },
}

/// Bytes a scenario device sends into a machine's UART receiver (a stand-in
/// peer such as the heartbeat source), each at its virtual time (ascending).
/// They are delivered at the first 10 µs feed tick at or after that time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UartInput {
    pub machine: String,
    pub port: String,
    pub bytes: Vec<(Nanos, u8)>,
}

#[derive(Clone, Debug)]
pub struct RunSpec<'a> {
    /// The project root (holds `platforms/`, `svd/`, `gale-sim/renode/cs/`).
    pub root: PathBuf,
    pub machines: Vec<MachineSpec<'a>>,
    pub links: Vec<UartLink>,
    pub inputs: Vec<UartInput>,
    /// Virtual time to run for.
    pub time_limit: Nanos,
    /// Where run.resc, the records, renode.log and Renode's TMPDIR go
    /// (`target/gale-sim/<scenario>/renode`).
    pub out_dir: PathBuf,
    /// Renode is killed after this much wall time.
    pub wall_limit: Duration,
}

/// What one machine did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineRun {
    pub name: String,
    /// `UartTx` (source = port, `USART1`), `UartRx` for [`UartInput`] bytes, `Gpio` (source = port `GPIOC`,
    /// pin `PC9`; i.MX RT: `GPIO3`, `GPIO3.4`), `Console` and `Exit`
    /// (source `semihosting`), in virtual-time order.
    pub events: Vec<Event>,
    /// Raw RTT up-channel-0 bytes with the virtual time they were read.
    pub rtt: Vec<(Nanos, Vec<u8>)>,
    pub end_at: Nanos,
    pub end: End,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    TimeLimit,
    Exit(i32),
    Fault(String),
}
