//! The declarative register layer every peripheral model is built on.
//!
//! A model declares its registers once, as a table of [`Reg`]s (offset,
//! name as in the reference manual and SVD, reset value, writable bits,
//! write-1-to-clear, write-0-to-clear and read-to-clear bits), keeps their
//! values in a [`RegisterFile`], and implements [`RegisterBlock`] with hooks
//! for the registers that do more than store: [`RegisterBlock::on_read`]
//! (computed values, read side effects such as popping a FIFO) and
//! [`RegisterBlock::on_write`] (after the write has been stored through the
//! masks). Everything else, the `Peripheral` implementation included, is
//! here, once:
//!
//! - **Access width.** Registers are 32 bits wide and word aligned; a byte
//!   or halfword access reads or writes only its byte lanes of the register
//!   it falls in (a byte write at `CR1 + 1` changes bits 8..15 of CR1 and
//!   nothing else). Hooks see the whole register and the lanes written.
//! - **Write semantics** per bit: stored (`rw`), write-1-to-clear (`w1c`),
//!   write-0-to-clear (`w0c`, ST's `rc_w0`), or ignored (read-only and
//!   reserved bits keep their value). Read-to-clear bits (`rc`) clear after
//!   a read of their lanes.
//! - **Offsets no register claims** read 0 and ignore writes.
//! - **Names**: `PERIPHERAL.REGISTER` for fault reports and traces
//!   (`Peripheral::register_name`).
//!
//! This is the idea of Renode's `RegistersCollection` / `FieldMode` and of
//! QEMU's `hw/register.h` (`RegisterAccessInfo` with `ro`, `w1c`, `cor`
//! masks and pre/post hooks), in the shape Rust makes natural: a `const`
//! table per model, checked against the SVDs by
//! `gale-sim/platform/tests/model_registers.rs`.

mod block;
mod file;
pub mod lanes;
mod reg;

pub use block::RegisterBlock;
pub use file::{RegisterFile, Write};
pub use reg::Reg;
