//! What a hardware run needs from a board: the seam a debug probe and the
//! engine-as-board both implement.

use crate::error::TargetError;
use gale_trace::{Event, Nanos};

/// How a target stopped on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Semihosting SYS_EXIT with this code.
    Exited(i32),
    /// The HardFault vector was caught (or the core locked up); the text
    /// says where.
    HardFault(String),
    /// The core reset without being asked (watchdog, SYSRESETREQ, brown-out).
    Reset,
}

/// Flash programming progress, for a progress line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Erasing,
    Programming { done: u64, total: u64 },
    Verifying,
    Done,
}

/// One board (one core) behind a probe, or something acting as one.
///
/// Times are since the last reset: wall time on hardware, virtual time on
/// the engine. Memory access works while the core runs (as with an
/// AHB-AP).
pub trait Target {
    /// What this is, for messages: `probe 0483:3748 (ST-Link V2) on STM32F100RB`.
    fn describe(&self) -> String;
    /// Erases, programs and verifies the ELF's loadable segments.
    fn flash(&mut self, elf: &[u8], progress: &mut dyn FnMut(Progress)) -> Result<(), TargetError>;
    /// Resets the core and lets it run from the reset vector, with
    /// HardFault caught.
    fn reset_and_run(&mut self) -> Result<(), TargetError>;
    /// Halts the core.
    fn halt(&mut self) -> Result<(), TargetError>;
    /// Lets the core run for `dt` (on hardware: sleeps; on the engine:
    /// executes), then reports whether it stopped on its own.
    fn run_for(&mut self, dt: Nanos) -> Result<Option<Stop>, TargetError>;
    /// Time since the last reset.
    fn now(&self) -> Nanos;
    fn read_memory(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), TargetError>;
    fn write_memory(&mut self, addr: u32, bytes: &[u8]) -> Result<(), TargetError>;
    /// Events the target can observe besides RTT: GPIO edges on the engine
    /// acting as a board; nothing through a probe (pins need a logic
    /// analyser).
    fn observed(&mut self) -> Vec<Event> {
        Vec::new()
    }
}
