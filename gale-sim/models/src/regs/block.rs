//! [`RegisterBlock`]: a model on a [`RegisterFile`]; the `Peripheral`
//! implementation every such model shares.

use super::{RegisterFile, Write};
use crate::{Access, Ctx, Peripheral};
use gale_trace::Nanos;

/// A peripheral model whose registers live in a [`RegisterFile`]. Only the
/// behaviour is the model's: the hooks below. Every `RegisterBlock` is a
/// [`Peripheral`].
pub trait RegisterBlock: Send {
    fn registers(&self) -> &RegisterFile;
    fn registers_mut(&mut self) -> &mut RegisterFile;

    /// Before every access to the window, declared register or not (a
    /// timer catches up with virtual time here).
    fn before_access(&mut self, _ctx: &mut Ctx) {}

    /// The value a read of register `reg` returns, given its stored `value`
    /// (computed registers, read side effects). Called once per access.
    fn on_read(&mut self, _reg: u32, value: u32, _ctx: &mut Ctx) -> u32 {
        value
    }

    /// After a write has been stored through the register's masks.
    fn on_write(&mut self, _w: Write, _ctx: &mut Ctx) {}

    /// [`Peripheral::next_deadline`].
    fn next_event(&self) -> Option<Nanos> {
        None
    }

    /// [`Peripheral::advance`].
    fn on_event(&mut self, _ctx: &mut Ctx) {}
}

impl<T: RegisterBlock> Peripheral for T {
    fn name(&self) -> &str {
        self.registers().name()
    }

    fn size(&self) -> u32 {
        self.registers().size()
    }

    fn read(&mut self, offset: u32, access: Access, ctx: &mut Ctx) -> u32 {
        self.before_access(ctx);
        let Some(reg) = self.registers().register_at(offset) else {
            return 0;
        };
        let stored = self.registers().get(reg);
        let value = self.on_read(reg, stored, ctx);
        self.registers_mut().after_read(offset, access);
        value >> ((offset & 3) * 8)
    }

    fn write(&mut self, offset: u32, access: Access, value: u32, ctx: &mut Ctx) {
        self.before_access(ctx);
        if let Some(w) = self.registers_mut().write(offset, access, value) {
            self.on_write(w, ctx);
        }
    }

    fn register_name(&self, offset: u32) -> Option<String> {
        self.registers().register_name(offset)
    }

    fn next_deadline(&self) -> Option<Nanos> {
        self.next_event()
    }

    fn advance(&mut self, ctx: &mut Ctx) {
        self.on_event(ctx)
    }
}

/// Inside `impl RegisterBlock for Model`: the two accessors of a model
/// whose [`RegisterFile`] is its field `$field`.
#[macro_export]
macro_rules! register_file_in {
    ($field:ident) => {
        fn registers(&self) -> &$crate::regs::RegisterFile {
            &self.$field
        }

        fn registers_mut(&mut self) -> &mut $crate::regs::RegisterFile {
            &mut self.$field
        }
    };
}
