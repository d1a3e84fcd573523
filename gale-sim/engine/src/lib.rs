//! gale-sim's built-in Cortex-M engine.
//!
//! A [`Machine`] is one core: unicorn-engine executes Thumb code; everything
//! M-profile that unicorn leaves out is modelled here in Rust: the System
//! Control Space (NVIC, SCB, SysTick, DWT, FPU control), exception entry and
//! return, faults, the virtual clock, semihosting and RTT. See
//! `docs/engine.md` for the exception and time models and for what is
//! deliberately not modelled.
//!
//! Licence: GPL-2.0-only (links unicorn-engine).

mod bitband;
mod bus;
mod clock;
mod cpu;
mod div0;
mod elf;
mod error;
mod exception;
mod fault;
mod machine;
mod report;
mod rtt;
mod scs;
mod semihosting;
mod shared;
mod spec;
mod sys;
mod tb;

pub use elf::Symbols;
pub use error::EngineError;
pub use machine::Machine;
pub use report::{FaultReport, StopReason};
pub use shared::SharedMemory;
pub use spec::{CoreKind, Limits, MachineSpec, MappedPeripheral, MemoryRegion, Nanos};
