//! i.MX RT1170 LPUART (IMXRT1170RM chapter "Low Power Universal Asynchronous
//! Receiver/Transmitter"): VERID, PARAM, GLOBAL, PINCFG, BAUD, STAT, CTRL,
//! DATA, MATCH, MODIR, FIFO, WATER.
//!
//! Model rules:
//! - Transmission is instantaneous at the DATA write (when CTRL.TE is set):
//!   the byte is traced as `UartTx`, handed to the attached device, and
//!   STAT.TDRE / STAT.TC stay set. The TX FIFO therefore always reads empty.
//! - Reception: the attached [`UartDevice`] paces its own bytes (its baud
//!   rate; BAUD is stored, not checked). Bytes arriving while CTRL.RE is
//!   clear are lost untraced. The receive buffer holds 4 words with
//!   FIFO.RXFE set (PARAM.RXFIFO = 2), else 1; a byte arriving with the
//!   buffer full sets STAT.OR and is lost, and while OR is set nothing more
//!   is stored (as the RM specifies). A `FramingError` symbol stores the
//!   byte with DATA.FRETSC set and sets STAT.FE.
//! - STAT.RDRF: receive count > WATER.RXWATER (FIFO on) or >= 1 (FIFO off).
//! - Interrupt (one line): TIE&TDRE | TCIE&TC | RIE&RDRF | ORIE&OR | FEIE&FE
//!   | ILIE&IDLE | NEIE&NF | PEIE&PF.
//! - GLOBAL.RST holds every other register at its reset value while set.

use crate::bus::{UartDevice, UartSymbol};
use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::sensors::link::UartLink;
use crate::Ctx;
use gale_trace::{EventKind, Nanos};
use std::collections::VecDeque;

// Register offsets.
const GLOBAL: u32 = 0x08;
const STAT: u32 = 0x14;
const CTRL: u32 = 0x18;
const DATA: u32 = 0x1c;
const FIFO: u32 = 0x28;
const WATER: u32 = 0x2c;

/// IMXRT1170RM LPUART memory map, reset values as in the SVD. STAT's
/// TDRE, TC and RDRF, FIFO's sizes and empty flags and WATER's counts are
/// computed on read; FIFO's flush bits are strobes; DATA is the receive
/// buffer (read) and the transmitter (write).
const REGISTERS: &[Reg] = &[
    Reg::new("VERID", 0x00).reset(0x0401_0003),
    Reg::new("PARAM", 0x04).reset(0x0000_0202),
    Reg::new("GLOBAL", GLOBAL).rw(GLOBAL_RST),
    Reg::new("PINCFG", 0x0c).rw(3),
    Reg::new("BAUD", 0x10).reset(0x0f00_0004).rw(0xffaf_ffff),
    Reg::new("STAT", STAT).rw(STAT_RW).w1c(STAT_W1C),
    Reg::new("CTRL", CTRL).rw(0xffff_cfff), // bits 12..13 reserved
    Reg::new("DATA", DATA),
    Reg::new("MATCH", 0x20).rw(0x03ff_03ff),
    Reg::new("MODIR", 0x24).rw(0x0007_033f),
    Reg::new("FIFO", FIFO).rw(FIFO_RW),
    Reg::new("WATER", WATER).rw(WATER_RW),
];

const GLOBAL_RST: u32 = 1 << 1;

// STAT bits.
const STAT_LBKDIF: u32 = 1 << 31;
const STAT_RXEDGIF: u32 = 1 << 30;
const STAT_RW: u32 = 0x3e00_0000; // MSBF, RXINV, RWUID, BRK13, LBKDE
const STAT_TDRE: u32 = 1 << 23;
const STAT_TC: u32 = 1 << 22;
const STAT_RDRF: u32 = 1 << 21;
const STAT_IDLE: u32 = 1 << 20;
const STAT_OR: u32 = 1 << 19;
const STAT_NF: u32 = 1 << 18;
const STAT_FE: u32 = 1 << 17;
const STAT_PF: u32 = 1 << 16;
const STAT_MA1F: u32 = 1 << 15;
const STAT_MA2F: u32 = 1 << 14;
const STAT_W1C: u32 = STAT_LBKDIF
    | STAT_RXEDGIF
    | STAT_IDLE
    | STAT_OR
    | STAT_NF
    | STAT_FE
    | STAT_PF
    | STAT_MA1F
    | STAT_MA2F;

// CTRL bits.
const CTRL_ORIE: u32 = 1 << 27;
const CTRL_NEIE: u32 = 1 << 26;
const CTRL_FEIE: u32 = 1 << 25;
const CTRL_PEIE: u32 = 1 << 24;
const CTRL_TIE: u32 = 1 << 23;
const CTRL_TCIE: u32 = 1 << 22;
const CTRL_RIE: u32 = 1 << 21;
const CTRL_ILIE: u32 = 1 << 20;
const CTRL_TE: u32 = 1 << 19;
const CTRL_RE: u32 = 1 << 18;

// DATA bits.
const DATA_RXEMPT: u32 = 1 << 12;
const DATA_FRETSC: u32 = 1 << 13;

// FIFO bits.
const FIFO_TXEMPT: u32 = 1 << 23;
const FIFO_RXEMPT: u32 = 1 << 22;
const FIFO_RXFLUSH: u32 = 1 << 14;
const FIFO_RW: u32 = 0x1f88; // RXIDEN, TXOFE, RXUFE, TXFE, RXFE
const FIFO_RXFE: u32 = 1 << 3;
/// TXFIFOSIZE = RXFIFOSIZE = 1 (4 datawords).
const FIFO_SIZES: u32 = 0x11;
const RX_FIFO_DEPTH: usize = 4;

// WATER fields.
const WATER_RW: u32 = 0x0003_0003; // RXWATER, TXWATER
const WATER_RXWATER_SHIFT: u32 = 16;
const WATER_RXCOUNT_SHIFT: u32 = 24;

pub struct Lpuart {
    regs: RegisterFile,
    irq: IrqLine,
    link: UartLink,
    /// Received words: the byte and whether it had a framing error.
    rx: VecDeque<(u8, bool)>,
}

impl Lpuart {
    /// LPUART instance `name` (e.g. `LPUART1`) on external interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        Lpuart {
            regs: RegisterFile::new(name, super::WINDOW, REGISTERS),
            irq: IrqLine::new(irq),
            link: UartLink::default(),
            rx: VecDeque::new(),
        }
    }

    /// Attaches the device on this UART's RX/TX lines.
    pub fn attach(&mut self, dev: Box<dyn UartDevice>) {
        self.link.attach(dev);
    }

    fn fifo_on(&self) -> bool {
        self.regs.get(FIFO) & FIFO_RXFE != 0
    }

    fn depth(&self) -> usize {
        if self.fifo_on() {
            RX_FIFO_DEPTH
        } else {
            1
        }
    }

    fn rdrf(&self) -> bool {
        let water = if self.fifo_on() {
            (self.regs.get(WATER) >> WATER_RXWATER_SHIFT) & 3
        } else {
            0
        };
        self.rx.len() as u32 > water
    }

    fn stat_value(&self) -> u32 {
        self.regs.get(STAT) | STAT_TDRE | STAT_TC | if self.rdrf() { STAT_RDRF } else { 0 }
    }

    /// Delivers one symbol from the line to the receiver.
    pub fn receive(&mut self, sym: UartSymbol, ctx: &mut Ctx) {
        if self.regs.get(GLOBAL) & GLOBAL_RST != 0 || self.regs.get(CTRL) & CTRL_RE == 0 {
            return;
        }
        let (byte, fe) = match sym {
            UartSymbol::Byte(b) => (b, false),
            UartSymbol::FramingError(b) => (b, true),
        };
        if fe {
            ctx.emit(
                self.regs.name(),
                EventKind::UartError {
                    what: "framing".into(),
                },
            );
            self.regs.set_bits(STAT, STAT_FE, true);
        }
        ctx.emit(self.regs.name(), EventKind::UartRx { byte });
        if self.regs.get(STAT) & STAT_OR != 0 {
            // Nothing is stored while OR is set.
        } else if self.rx.len() >= self.depth() {
            self.regs.set_bits(STAT, STAT_OR, true);
            ctx.emit(
                self.regs.name(),
                EventKind::UartError {
                    what: "overrun".into(),
                },
            );
        } else {
            self.rx.push_back((byte, fe));
        }
        self.update_irq(ctx);
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let s = self.stat_value();
        let c = self.regs.get(CTRL);
        let on = |ie: u32, flag: u32| c & ie != 0 && s & flag != 0;
        let level = on(CTRL_TIE, STAT_TDRE)
            || on(CTRL_TCIE, STAT_TC)
            || on(CTRL_RIE, STAT_RDRF)
            || on(CTRL_ORIE, STAT_OR)
            || on(CTRL_FEIE, STAT_FE)
            || on(CTRL_ILIE, STAT_IDLE)
            || on(CTRL_NEIE, STAT_NF)
            || on(CTRL_PEIE, STAT_PF);
        self.irq.set(level, ctx);
    }
}

impl RegisterBlock for Lpuart {
    crate::register_file_in!(regs);

    fn on_read(&mut self, reg: u32, value: u32, ctx: &mut Ctx) -> u32 {
        match reg {
            STAT => self.stat_value(),
            FIFO => {
                let empty = if self.rx.is_empty() { FIFO_RXEMPT } else { 0 };
                value | FIFO_SIZES | FIFO_TXEMPT | empty
            }
            WATER => value | ((self.rx.len() as u32) << WATER_RXCOUNT_SHIFT),
            DATA => {
                let v = match self.rx.pop_front() {
                    Some((b, fe)) => b as u32 | if fe { DATA_FRETSC } else { 0 },
                    None => DATA_RXEMPT,
                };
                self.update_irq(ctx);
                v
            }
            _ => value,
        }
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        if w.reg == GLOBAL {
            if w.new & GLOBAL_RST != 0 {
                self.regs.reset();
                self.regs.set(GLOBAL, w.new);
                self.rx.clear();
            }
            self.update_irq(ctx);
            return;
        }
        if self.regs.get(GLOBAL) & GLOBAL_RST != 0 {
            // Held in reset: the write does not take.
            self.regs.set(w.reg, w.old);
            return;
        }
        match w.reg {
            DATA if self.regs.get(CTRL) & CTRL_TE != 0 => {
                let byte = w.value as u8;
                ctx.emit(self.regs.name(), EventKind::UartTx { byte });
                self.link.transmit(byte, ctx.now);
            }
            FIFO if w.value & FIFO_RXFLUSH != 0 => self.rx.clear(),
            _ => {}
        }
        self.update_irq(ctx);
    }

    fn next_event(&self) -> Option<Nanos> {
        self.link.next_send()
    }

    fn on_event(&mut self, ctx: &mut Ctx) {
        for sym in self.link.due(ctx.now) {
            self.receive(sym, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::{with_ctx, Script};
    use crate::{Access, IrqLines, Peripheral};
    const PARAM: u32 = 0x04;
    const BAUD: u32 = 0x10;
    use gale_trace::Trace;
    use std::sync::{Arc, Mutex};

    const IRQ: u32 = 20;

    #[test]
    fn reset_values_follow_the_rm() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut u = Lpuart::new("LPUART1", Some(IRQ));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            assert_eq!(u.read(BAUD, Access::Word, c), 0x0f00_0004);
            assert_eq!(u.read(STAT, Access::Word, c), 0x00c0_0000);
            assert_eq!(u.read(FIFO, Access::Word, c), 0x00c0_0011);
            assert_eq!(u.read(PARAM, Access::Word, c), 0x202);
            assert_eq!(u.read(DATA, Access::Word, c), DATA_RXEMPT);
        });
    }

    #[test]
    fn tx_goes_to_trace_and_device_only_with_te() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let heard = Arc::new(Mutex::new(Vec::new()));
        let mut u = Lpuart::new("LPUART1", Some(IRQ));
        u.attach(Box::new(Script {
            bytes: vec![],
            t0: 0,
            gap: 1,
            heard: heard.clone(),
        }));
        with_ctx(&mut irqs, &mut trace, 7, |c| {
            u.write(DATA, Access::Byte, b'a' as u32, c);
            u.write(CTRL, Access::Word, CTRL_TE, c);
            u.write(DATA, Access::Byte, b'b' as u32, c);
        });
        assert_eq!(trace.len(), 1);
        assert_eq!(trace.events()[0].kind, EventKind::UartTx { byte: b'b' });
        assert_eq!(*heard.lock().unwrap(), vec![b'b']);
    }

    /// CTRL.TIE raises the interrupt while STAT.TDRE is set (always, as the
    /// model transmits at once); clearing TIE lowers it. The interrupt-driven
    /// transmit path (LPUART1 telemetry, LPUART2 heartbeat) relies on this.
    #[test]
    fn ctrl_tie_raises_the_irq_while_stat_tdre() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut u = Lpuart::new("LPUART2", Some(21));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            u.write(CTRL, Access::Word, CTRL_TE, c)
        });
        assert_eq!(irqs.drain().count(), 0);
        with_ctx(&mut irqs, &mut trace, 1, |c| {
            u.write(CTRL, Access::Word, CTRL_TE | CTRL_TIE, c)
        });
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(21, true)]);
        with_ctx(&mut irqs, &mut trace, 2, |c| {
            u.write(DATA, Access::Byte, b'h' as u32, c)
        });
        assert_eq!(irqs.drain().count(), 0, "TDRE stays set");
        with_ctx(&mut irqs, &mut trace, 3, |c| {
            u.write(CTRL, Access::Word, CTRL_TE, c)
        });
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(21, false)]);
    }

    #[test]
    fn rx_is_paced_by_the_device_and_raises_rie() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let heard = Arc::new(Mutex::new(Vec::new()));
        let mut u = Lpuart::new("LPUART3", Some(IRQ));
        let bytes = vec![UartSymbol::Byte(0xb5), UartSymbol::FramingError(0x62)];
        u.attach(Box::new(Script {
            bytes,
            t0: 1000,
            gap: 500,
            heard,
        }));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            u.write(CTRL, Access::Word, CTRL_RE | CTRL_RIE, c)
        });
        assert_eq!(u.next_deadline(), Some(1000));
        with_ctx(&mut irqs, &mut trace, 1000, |c| u.advance(c));
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(IRQ, true)]);
        assert_eq!(u.next_deadline(), Some(1500));
        with_ctx(&mut irqs, &mut trace, 1500, |c| {
            // One-word buffer (FIFO off): the second byte overruns.
            u.advance(c);
            assert_ne!(u.read(STAT, Access::Word, c) & STAT_OR, 0);
            assert_ne!(u.read(STAT, Access::Word, c) & STAT_FE, 0);
            assert_eq!(u.read(DATA, Access::Word, c), 0xb5);
            assert_eq!(u.read(DATA, Access::Word, c), DATA_RXEMPT);
            assert_eq!(u.read(STAT, Access::Word, c) & STAT_RDRF, 0);
            u.write(STAT, Access::Word, STAT_OR | STAT_FE, c);
            assert_eq!(u.read(STAT, Access::Word, c) & (STAT_OR | STAT_FE), 0);
        });
        assert_eq!(irqs.drain().last(), Some((IRQ, false)));
    }

    #[test]
    fn fifo_holds_four_and_honours_rxwater() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut u = Lpuart::new("LPUART1", None);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            u.write(FIFO, Access::Word, FIFO_RXFE, c);
            u.write(WATER, Access::Word, 1 << WATER_RXWATER_SHIFT, c);
            u.write(CTRL, Access::Word, CTRL_RE, c);
            u.receive(UartSymbol::Byte(1), c);
            assert_eq!(
                u.read(STAT, Access::Word, c) & STAT_RDRF,
                0,
                "1 word is not above RXWATER=1"
            );
            u.receive(UartSymbol::Byte(2), c);
            assert_ne!(u.read(STAT, Access::Word, c) & STAT_RDRF, 0);
            u.receive(UartSymbol::Byte(3), c);
            u.receive(UartSymbol::Byte(4), c);
            assert_eq!(u.read(WATER, Access::Word, c) >> WATER_RXCOUNT_SHIFT, 4);
            u.receive(UartSymbol::Byte(5), c);
            assert_ne!(u.read(STAT, Access::Word, c) & STAT_OR, 0);
            assert_eq!(u.read(DATA, Access::Word, c), 1);
            u.write(FIFO, Access::Word, FIFO_RXFE | FIFO_RXFLUSH, c);
            assert_eq!(u.read(WATER, Access::Word, c) >> WATER_RXCOUNT_SHIFT, 0);
        });
    }

    #[test]
    fn byte_write_to_ctrl_lane_keeps_other_bits() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut u = Lpuart::new("LPUART1", None);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            u.write(CTRL, Access::Word, 0x10, c);
            u.write(CTRL + 2, Access::Byte, (CTRL_TE | CTRL_RE) >> 16, c);
            assert_eq!(u.read(CTRL, Access::Word, c), 0x10 | CTRL_TE | CTRL_RE);
        });
    }
}
