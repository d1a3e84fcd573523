//! Peripheral and sensor models, independent of any CPU engine.
//!
//! A model sees only register accesses at offsets inside its window, the
//! virtual time, an interrupt-line sink and the trace. The built-in engine
//! (`gale-engine`) drives models through [`Peripheral`]; a probe-rs replay
//! backend can drive the sensor models directly from the driver seam.
//!
//! Licence: MIT OR Apache-2.0. This crate must never depend on the
//! GPL-2.0 `unicorn-engine` crate (see `docs/architecture.md`).

pub mod bus;
pub mod fault;
pub mod imxrt;
pub mod irq;
mod peripheral;
pub mod regs;
pub mod sensors;
pub mod stm32;
pub mod svd_regs;
pub mod ticker;

pub use peripheral::{Access, Ctx, IrqLines, Peripheral};
