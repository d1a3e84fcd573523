//! Errors the engine reports to its caller. Firmware misbehaviour is never an
//! error here: it becomes a [`crate::StopReason::Fault`]. These are problems
//! with the machine description or the ELF, each saying what to fix.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum EngineError {
    #[error("machine `{machine}`: {what}; fix the machine description (platform file)")]
    BadSpec { machine: String, what: String },
    #[error("ELF: {0}; build the firmware for a thumbv7 target and pass the ELF, not a .bin")]
    BadElf(String),
    #[error("ELF segment {index} ({what}) at {lma:#010x}..{end:#010x} does not fit in mapped memory of machine `{machine}`; check memory.x against the machine's memory regions")]
    SegmentOutsideMemory {
        machine: String,
        index: usize,
        what: String,
        lma: u32,
        end: u64,
    },
    #[error("ELF has no vector table: no `.vector_table` section and no executable memory region holding one; link with cortex-m-rt (or export a `.vector_table` section)")]
    NoVectorTable,
    #[error("machine `{machine}`: {what}; run fewer machines at once or raise the process's memory limit (ulimit -v)")]
    Resources { machine: String, what: String },
    #[error("unicorn-engine ran out of memory during {during}; run fewer machines at once or raise the process's memory limit (ulimit -v)")]
    OutOfMemory { during: &'static str },
    #[error("no firmware loaded on machine `{0}`: call load_elf before run_until")]
    NotLoaded(String),
    #[error("unicorn-engine failed during {during}: {err:?} (this is an engine bug; please report it with the ELF)")]
    Unicorn {
        during: &'static str,
        err: unicorn_engine::uc_error,
    },
}

impl EngineError {
    pub(crate) fn uc(during: &'static str) -> impl FnOnce(unicorn_engine::uc_error) -> EngineError {
        move |err| match err {
            unicorn_engine::uc_error::NOMEM => EngineError::OutOfMemory { during },
            err => EngineError::Unicorn { during, err },
        }
    }
}
