//! Errors of hardware runs: each says what to do and has its own exit
//! status, so scripts can tell "no board attached" from "the firmware
//! misbehaved".

use gale_harness::RunError;

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("no debug probe found: connect one (ST-Link, J-Link, CMSIS-DAP/MCU-Link) by USB, check `probe-rs list`, and on Linux install probe-rs's udev rules")]
    NoProbe,
    #[error(
        "{count} debug probes found and none chosen: pass --probe VID:PID[:SERIAL], one of: {list}"
    )]
    SeveralProbes { count: usize, list: String },
    #[error("no probe matches --probe {wanted}; probes found: {list}")]
    ProbeNotFound { wanted: String, list: String },
    #[error("unknown chip `{0}`: use a name probe-rs knows (`probe-rs chip list`), e.g. STM32F100RB or MIMXRT1170, in --chip or the image's probe-rs-chip")]
    UnknownChip(String),
    #[error(
        "flashing failed: {0}; check the wiring, the chip name, and that the board is powered"
    )]
    Flash(String),
    #[error("flash verify failed at {addr:#010x}: the board holds different bytes than the ELF; erase the chip and flash again")]
    Verify { addr: u32 },
    #[error("RTT control block not found: {0}")]
    RttNotFound(String),
    #[error("RTT down channel overflow: a {len}-byte answer does not fit the firmware's {size}-byte `replay` down channel; enlarge it in gale-replay")]
    DownOverflow { len: usize, size: u32 },
    #[error("the board reset in the middle of the run at {at_ns} ns ({why}); look for a watchdog, a brown-out or a reset request in the firmware")]
    BoardReset { at_ns: u64, why: String },
    #[error("deadline passed: {0}")]
    Deadline(String),
    #[error("replay protocol error: {0}")]
    Protocol(String),
    #[error("this scenario cannot run on hardware: {0}")]
    Refused(String),
    #[error("probe: {0}")]
    Probe(String),
    #[error("target memory at {addr:#010x} ({len} bytes) is not accessible")]
    Memory { addr: u32, len: usize },
}

impl TargetError {
    /// The process exit status the CLI should use (0-2 are the harness's:
    /// pass, fail, cannot run).
    pub fn exit_status(&self) -> i32 {
        match self {
            TargetError::NoProbe => 10,
            TargetError::SeveralProbes { .. } | TargetError::ProbeNotFound { .. } => 11,
            TargetError::UnknownChip(_) => 12,
            TargetError::Flash(_) | TargetError::Verify { .. } => 13,
            TargetError::RttNotFound(_) => 14,
            TargetError::DownOverflow { .. } => 15,
            TargetError::BoardReset { .. } => 16,
            TargetError::Deadline(_) => 17,
            TargetError::Refused(_) => 18,
            TargetError::Protocol(_) => 19,
            TargetError::Probe(_) | TargetError::Memory { .. } => 20,
        }
    }
}

impl From<TargetError> for RunError {
    fn from(e: TargetError) -> Self {
        RunError::Other(anyhow::Error::new(e))
    }
}

/// The exit status for a run error: the target error's own status, else
/// 2 (the scenario cannot run), as for any other backend.
pub fn exit_status(e: &RunError) -> i32 {
    match e {
        RunError::Other(e) => e
            .downcast_ref::<TargetError>()
            .map(TargetError::exit_status)
            .unwrap_or(2),
        RunError::Scenario(_) => 2,
    }
}
