//! One level-sensitive interrupt line of a peripheral model.

use crate::Ctx;

/// One level-sensitive interrupt line; changes reach the engine only when
/// the level actually changes.
#[derive(Debug)]
pub struct IrqLine {
    irq: Option<u32>,
    level: bool,
}

impl IrqLine {
    pub fn new(irq: Option<u32>) -> Self {
        IrqLine { irq, level: false }
    }

    pub fn set(&mut self, level: bool, ctx: &mut Ctx) {
        if level != self.level {
            self.level = level;
            if let Some(irq) = self.irq {
                ctx.irqs.set(irq, level);
            }
        }
    }

    pub fn level(&self) -> bool {
        self.level
    }
}
