//! Peripheral windows: dispatch of MMIO accesses to `gale_models` models,
//! and the names of their registers for fault reports.

use gale_models::{Access, Ctx, IrqLines, Peripheral};
use gale_trace::{Nanos, Trace};

pub(crate) struct Slot {
    pub base: u32,
    pub size: u32,
    pub model: Box<dyn Peripheral>,
}

#[derive(Default)]
pub(crate) struct Bus {
    /// Sorted by base, non-overlapping.
    pub slots: Vec<Slot>,
    pub irqs: IrqLines,
}

impl Bus {
    pub fn find(&self, addr: u32) -> Option<usize> {
        let i = self
            .slots
            .partition_point(|s| s.base <= addr)
            .checked_sub(1)?;
        let s = &self.slots[i];
        (addr - s.base < s.size).then_some(i)
    }

    pub fn find_name(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.model.name() == name)
    }

    /// `PERIPHERAL.REGISTER` for an address inside a model's window (the
    /// model names it), else `PERIPHERAL+0xoff`.
    pub fn register_name(&self, addr: u32) -> Option<String> {
        let s = &self.slots[self.find(addr)?];
        let offset = addr - s.base;
        Some(
            s.model
                .register_name(offset)
                .unwrap_or_else(|| format!("{}+{offset:#x}", s.model.name())),
        )
    }

    pub fn read(
        &mut self,
        i: usize,
        addr: u32,
        access: Access,
        now: Nanos,
        machine: &str,
        trace: &mut Trace,
    ) -> u32 {
        let s = &mut self.slots[i];
        let mut ctx = Ctx {
            now,
            machine,
            irqs: &mut self.irqs,
            trace,
        };
        s.model.read(addr - s.base, access, &mut ctx)
    }

    // The mirror of `read` plus the value; bundling them would only move
    // the same eight fields into a struct built on every store.
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &mut self,
        i: usize,
        addr: u32,
        access: Access,
        value: u32,
        now: Nanos,
        machine: &str,
        trace: &mut Trace,
    ) {
        let s = &mut self.slots[i];
        let mut ctx = Ctx {
            now,
            machine,
            irqs: &mut self.irqs,
            trace,
        };
        s.model.write(addr - s.base, access, value, &mut ctx)
    }

    /// The earliest deadline any model asked for.
    pub fn next_deadline(&self) -> Option<Nanos> {
        self.slots
            .iter()
            .filter_map(|s| s.model.next_deadline())
            .min()
    }

    /// Advances every model whose deadline is at or before `now`.
    pub fn advance_due(&mut self, now: Nanos, machine: &str, trace: &mut Trace) {
        for s in &mut self.slots {
            if s.model.next_deadline().is_some_and(|d| d <= now) {
                let mut ctx = Ctx {
                    now,
                    machine,
                    irqs: &mut self.irqs,
                    trace,
                };
                s.model.advance(&mut ctx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gale_models::stm32::usart::Usart;

    /// Fault reports name the register a model declares, and fall back to
    /// the offset where it declares none.
    #[test]
    fn register_names_come_from_the_model() {
        let bus = Bus {
            slots: vec![Slot {
                base: 0x4001_3800,
                size: 0x400,
                model: Box::new(Usart::new("USART1", None)),
            }],
            ..Default::default()
        };
        assert_eq!(bus.register_name(0x4001_3804).as_deref(), Some("USART1.DR"));
        assert_eq!(
            bus.register_name(0x4001_380d).as_deref(),
            Some("USART1.CR1")
        );
        assert_eq!(
            bus.register_name(0x4001_3900).as_deref(),
            Some("USART1+0x100")
        );
        assert_eq!(bus.register_name(0x4001_3c00), None);
    }
}
