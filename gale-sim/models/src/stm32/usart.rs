//! STM32F1 USART (RM0041 section 23): SR, DR, BRR, CR1, CR2, CR3, GTPR.
//!
//! Transmission is modelled as instantaneous at the time of the DR write
//! (TXE and TC read as set again at once); received bytes queue in a FIFO
//! that the scenario feeds and DR reads drain. Interrupt line level follows
//! TXEIE/TCIE/RXNEIE against TXE/TC/RXNE.
//!
//! A device attached with [`Usart::attach`] hears every transmitted byte
//! and paces its own replies: the model's `next_deadline` is the device's
//! next send time, and a `FramingError` symbol sets SR.FE with the byte.

use crate::bus::{UartDevice, UartSymbol};
use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::sensors::link::UartLink;
use crate::Ctx;
use gale_trace::{EventKind, Nanos};
use std::collections::VecDeque;

// Register offsets, named as in RM0041.
const SR: u32 = 0x00;
const DR: u32 = 0x04;
const CR1: u32 = 0x0c;

/// RM0041 23.6. SR: TC and RXNE are rc_w0, the error flags clear by the
/// SR-then-DR read sequence (modelled on the DR read).
const REGISTERS: &[Reg] = &[
    Reg::new("SR", SR)
        .reset(SR_TXE | SR_TC)
        .w0c(SR_TC | SR_RXNE),
    Reg::new("DR", DR),
    Reg::new("BRR", 0x08).rw(0xffff),
    Reg::new("CR1", CR1).rw(0x3fff),
    Reg::new("CR2", 0x10).rw(0x7f7f),
    Reg::new("CR3", 0x14).rw(0x07ff),
    Reg::new("GTPR", 0x18).rw(0xffff),
];

// SR bits.
const SR_TXE: u32 = 1 << 7;
const SR_TC: u32 = 1 << 6;
const SR_RXNE: u32 = 1 << 5;
const SR_ORE: u32 = 1 << 3;
const SR_FE: u32 = 1 << 1;

// CR1 bits.
const CR1_UE: u32 = 1 << 13;
const CR1_TXEIE: u32 = 1 << 7;
const CR1_TCIE: u32 = 1 << 6;
const CR1_RXNEIE: u32 = 1 << 5;
const CR1_TE: u32 = 1 << 3;
const CR1_RE: u32 = 1 << 2;

pub struct Usart {
    regs: RegisterFile,
    irq: IrqLine,
    rx: VecDeque<u8>,
    link: UartLink,
}

impl Usart {
    /// A USART named `name` whose global interrupt is external IRQ `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        Usart {
            regs: RegisterFile::new(name, 0x400, REGISTERS),
            irq: IrqLine::new(irq),
            rx: VecDeque::new(),
            link: UartLink::default(),
        }
    }

    /// Attaches the device on this USART's RX/TX lines.
    pub fn attach(&mut self, dev: Box<dyn UartDevice>) {
        self.link.attach(dev);
    }

    fn cr1_has(&self, bits: u32) -> bool {
        self.regs.get(CR1) & bits == bits
    }

    /// Delivers one symbol from the line to the receiver.
    pub fn deliver(&mut self, sym: UartSymbol, ctx: &mut Ctx) {
        match sym {
            UartSymbol::Byte(b) => self.receive(b, ctx),
            UartSymbol::FramingError(b) => {
                if self.cr1_has(CR1_UE | CR1_RE) {
                    self.framing_error(ctx);
                }
                self.receive(b, ctx);
            }
        }
    }

    /// Queues a byte as if it arrived on RX (dropped if the receiver is off).
    pub fn receive(&mut self, byte: u8, ctx: &mut Ctx) {
        if !self.cr1_has(CR1_UE | CR1_RE) {
            return;
        }
        ctx.emit(self.regs.name(), EventKind::UartRx { byte });
        if self.regs.get(SR) & SR_RXNE != 0 {
            // The shift register overwrote nothing yet: model a 1-byte
            // holding register plus an unbounded queue would hide overruns,
            // so flag ORE and drop, as silicon does.
            self.regs.set_bits(SR, SR_ORE, true);
        } else {
            self.rx.push_back(byte);
            self.regs.set_bits(SR, SR_RXNE, true);
        }
        self.update_irq(ctx);
    }

    /// Flags a framing error on the next received byte.
    pub fn framing_error(&mut self, ctx: &mut Ctx) {
        self.regs.set_bits(SR, SR_FE, true);
        ctx.emit(
            self.regs.name(),
            EventKind::UartError {
                what: "framing".into(),
            },
        );
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let (sr, cr1) = (self.regs.get(SR), self.regs.get(CR1));
        let level = (cr1 & CR1_TXEIE != 0 && sr & SR_TXE != 0)
            || (cr1 & CR1_TCIE != 0 && sr & SR_TC != 0)
            || (cr1 & CR1_RXNEIE != 0 && sr & (SR_RXNE | SR_ORE) != 0);
        self.irq.set(level, ctx);
    }
}

impl RegisterBlock for Usart {
    crate::register_file_in!(regs);

    fn on_read(&mut self, reg: u32, value: u32, ctx: &mut Ctx) -> u32 {
        if reg != DR {
            return value;
        }
        let v = self.rx.pop_front().map(u32::from).unwrap_or(0);
        self.regs.set_bits(SR, SR_ORE | SR_FE, false);
        if self.rx.is_empty() {
            self.regs.set_bits(SR, SR_RXNE, false);
        }
        self.update_irq(ctx);
        v
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        if w.reg == DR {
            if self.cr1_has(CR1_UE | CR1_TE) {
                let byte = w.value as u8;
                ctx.emit(self.regs.name(), EventKind::UartTx { byte });
                self.link.transmit(byte, ctx.now);
            }
            self.regs.set_bits(SR, SR_TXE | SR_TC, true);
        }
        self.update_irq(ctx);
    }

    fn next_event(&self) -> Option<Nanos> {
        self.link.next_send()
    }

    fn on_event(&mut self, ctx: &mut Ctx) {
        for sym in self.link.due(ctx.now) {
            self.deliver(sym, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Access, IrqLines, Peripheral};
    use gale_trace::Trace;

    fn ctx<'a>(irqs: &'a mut IrqLines, trace: &'a mut Trace) -> Ctx<'a> {
        Ctx {
            now: 100,
            machine: "m",
            irqs,
            trace,
        }
    }

    #[test]
    fn tx_only_traced_when_enabled() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut u = Usart::new("USART1", Some(37));
        u.write(
            DR,
            Access::Word,
            b'x' as u32,
            &mut ctx(&mut irqs, &mut trace),
        );
        assert!(trace.is_empty());
        u.write(
            CR1,
            Access::Word,
            CR1_UE | CR1_TE,
            &mut ctx(&mut irqs, &mut trace),
        );
        u.write(
            DR,
            Access::Word,
            b'y' as u32,
            &mut ctx(&mut irqs, &mut trace),
        );
        assert_eq!(trace.events()[0].kind, EventKind::UartTx { byte: b'y' });
        assert_eq!(
            u.read(SR, Access::Word, &mut ctx(&mut irqs, &mut trace)) & SR_TXE,
            SR_TXE
        );
    }

    /// The access width is honoured: CR1 + 1 is CR1's second byte (UE is
    /// bit 13), not its low byte, and a byte read returns that lane.
    #[test]
    fn byte_write_to_cr1_plus_1_lands_in_bits_8_to_15() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut u = Usart::new("USART1", Some(37));
        u.write(CR1, Access::Byte, CR1_TE, &mut ctx(&mut irqs, &mut trace));
        u.write(
            CR1 + 1,
            Access::Byte,
            CR1_UE >> 8,
            &mut ctx(&mut irqs, &mut trace),
        );
        assert_eq!(
            u.read(CR1, Access::Word, &mut ctx(&mut irqs, &mut trace)),
            CR1_UE | CR1_TE
        );
        assert_eq!(
            u.read(CR1 + 1, Access::Byte, &mut ctx(&mut irqs, &mut trace)) & 0xff,
            CR1_UE >> 8
        );
        u.write(
            DR,
            Access::Byte,
            b'q' as u32,
            &mut ctx(&mut irqs, &mut trace),
        );
        assert_eq!(trace.events()[0].kind, EventKind::UartTx { byte: b'q' });
        assert_eq!(u.register_name(CR1 + 1).as_deref(), Some("USART1.CR1"));
    }

    #[test]
    fn rx_raises_and_lowers_irq() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut u = Usart::new("USART1", Some(37));
        u.write(
            CR1,
            Access::Word,
            CR1_UE | CR1_RE | CR1_RXNEIE,
            &mut ctx(&mut irqs, &mut trace),
        );
        u.receive(0x55, &mut ctx(&mut irqs, &mut trace));
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(37, true)]);
        assert_eq!(
            u.read(DR, Access::Word, &mut ctx(&mut irqs, &mut trace)),
            0x55
        );
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(37, false)]);
    }

    /// RM0041 §23.6.4 (CR1): TXEIE raises the USART interrupt while SR.TXE
    /// is set, TCIE while SR.TC is set; clearing the enable lowers it. The
    /// model transmits at once, so TXE reads set again after a DR write.
    #[test]
    fn cr1_txeie_raises_the_irq_while_sr_txe_and_tcie_while_sr_tc() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut u = Usart::new("USART1", Some(37));
        u.write(
            CR1,
            Access::Word,
            CR1_UE | CR1_TE,
            &mut ctx(&mut irqs, &mut trace),
        );
        assert_eq!(irqs.drain().count(), 0);
        u.write(
            CR1,
            Access::Word,
            CR1_UE | CR1_TE | CR1_TXEIE,
            &mut ctx(&mut irqs, &mut trace),
        );
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(37, true)]);
        u.write(
            DR,
            Access::Word,
            b'z' as u32,
            &mut ctx(&mut irqs, &mut trace),
        );
        assert_eq!(
            u.read(SR, Access::Word, &mut ctx(&mut irqs, &mut trace)) & SR_TXE,
            SR_TXE
        );
        assert_eq!(
            irqs.drain().count(),
            0,
            "line stays high: TXE set again at once"
        );
        u.write(
            CR1,
            Access::Word,
            CR1_UE | CR1_TE,
            &mut ctx(&mut irqs, &mut trace),
        );
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(37, false)]);
        // TC: TCIE alone raises it; clearing SR.TC (rc_w0) lowers it.
        u.write(
            CR1,
            Access::Word,
            CR1_UE | CR1_TE | CR1_TCIE,
            &mut ctx(&mut irqs, &mut trace),
        );
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(37, true)]);
        u.write(SR, Access::Word, !SR_TC, &mut ctx(&mut irqs, &mut trace));
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(37, false)]);
    }

    #[test]
    fn attached_device_hears_tx_and_is_paced_on_rx() {
        use crate::sensors::link::tests::{with_ctx, Script};
        use std::sync::{Arc, Mutex};
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let heard = Arc::new(Mutex::new(Vec::new()));
        let mut u = Usart::new("USART1", Some(37));
        let bytes = vec![UartSymbol::FramingError(0xb5), UartSymbol::Byte(0x62)];
        u.attach(Box::new(Script {
            bytes,
            t0: 2_000,
            gap: 1_000,
            heard: heard.clone(),
        }));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            u.write(CR1, Access::Word, CR1_UE | CR1_TE | CR1_RE, c);
            u.write(DR, Access::Word, 0x42, c);
        });
        assert_eq!(*heard.lock().unwrap(), vec![0x42]);
        assert_eq!(u.next_deadline(), Some(2_000));
        with_ctx(&mut irqs, &mut trace, 2_000, |c| {
            u.advance(c);
            assert_eq!(
                u.read(SR, Access::Word, c) & (SR_FE | SR_RXNE),
                SR_FE | SR_RXNE
            );
            assert_eq!(u.read(DR, Access::Word, c), 0xb5);
        });
        assert_eq!(u.next_deadline(), Some(3_000));
        with_ctx(&mut irqs, &mut trace, 3_500, |c| {
            u.advance(c);
            assert_eq!(u.read(DR, Access::Word, c), 0x62);
        });
        assert_eq!(u.next_deadline(), None);
        let kinds: Vec<_> = trace.events().iter().map(|e| e.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                EventKind::UartTx { byte: 0x42 },
                EventKind::UartError {
                    what: "framing".into()
                },
                EventKind::UartRx { byte: 0xb5 },
                EventKind::UartRx { byte: 0x62 },
            ]
        );
    }
}
