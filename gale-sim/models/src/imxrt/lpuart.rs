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
use crate::sensors::link::{lane_read, lane_write, IrqLine, UartLink};
use crate::{Access, Ctx, Peripheral};
use gale_trace::{EventKind, Nanos};
use std::collections::VecDeque;

// Register offsets.
const VERID: u32 = 0x00;
const PARAM: u32 = 0x04;
const GLOBAL: u32 = 0x08;
const PINCFG: u32 = 0x0c;
const BAUD: u32 = 0x10;
const STAT: u32 = 0x14;
const CTRL: u32 = 0x18;
const DATA: u32 = 0x1c;
const MATCH: u32 = 0x20;
const MODIR: u32 = 0x24;
const FIFO: u32 = 0x28;
const WATER: u32 = 0x2c;

// Reset values (RM / SVD).
const VERID_RESET: u32 = 0x0401_0003;
const PARAM_RESET: u32 = 0x0000_0202;
const BAUD_RESET: u32 = 0x0f00_0004;

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
const CTRL_MASK: u32 = 0xffff_cfff; // bits 12..13 reserved

// DATA bits.
const DATA_RXEMPT: u32 = 1 << 12;
const DATA_FRETSC: u32 = 1 << 13;

// FIFO bits.
const FIFO_TXEMPT: u32 = 1 << 23;
const FIFO_RXEMPT: u32 = 1 << 22;
const FIFO_TXOF: u32 = 1 << 17;
const FIFO_RXUF: u32 = 1 << 16;
const FIFO_TXFLUSH: u32 = 1 << 15;
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
    name: String,
    irq: IrqLine,
    link: UartLink,
    global: u32,
    pincfg: u32,
    baud: u32,
    stat: u32,
    ctrl: u32,
    match_: u32,
    modir: u32,
    fifo: u32,
    water: u32,
    /// Received words: the byte and whether it had a framing error.
    rx: VecDeque<(u8, bool)>,
}

impl Lpuart {
    /// LPUART instance `name` (e.g. `LPUART1`) on external interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        let mut u = Lpuart {
            name: name.into(),
            irq: IrqLine::new(irq),
            link: UartLink::default(),
            global: 0,
            pincfg: 0,
            baud: 0,
            stat: 0,
            ctrl: 0,
            match_: 0,
            modir: 0,
            fifo: 0,
            water: 0,
            rx: VecDeque::new(),
        };
        u.reset();
        u
    }

    /// Attaches the device on this UART's RX/TX lines.
    pub fn attach(&mut self, dev: Box<dyn UartDevice>) {
        self.link.attach(dev);
    }

    fn reset(&mut self) {
        self.pincfg = 0;
        self.baud = BAUD_RESET;
        self.stat = 0;
        self.ctrl = 0;
        self.match_ = 0;
        self.modir = 0;
        self.fifo = 0;
        self.water = 0;
        self.rx.clear();
    }

    fn depth(&self) -> usize {
        if self.fifo & FIFO_RXFE != 0 {
            RX_FIFO_DEPTH
        } else {
            1
        }
    }

    fn rdrf(&self) -> bool {
        let water = if self.fifo & FIFO_RXFE != 0 {
            (self.water >> WATER_RXWATER_SHIFT) & 3
        } else {
            0
        };
        self.rx.len() as u32 > water
    }

    fn stat_value(&self) -> u32 {
        self.stat | STAT_TDRE | STAT_TC | if self.rdrf() { STAT_RDRF } else { 0 }
    }

    /// Delivers one symbol from the line to the receiver.
    pub fn receive(&mut self, sym: UartSymbol, ctx: &mut Ctx) {
        if self.global & GLOBAL_RST != 0 || self.ctrl & CTRL_RE == 0 {
            return;
        }
        let (byte, fe) = match sym {
            UartSymbol::Byte(b) => (b, false),
            UartSymbol::FramingError(b) => (b, true),
        };
        if fe {
            ctx.emit(
                &self.name,
                EventKind::UartError {
                    what: "framing".into(),
                },
            );
            self.stat |= STAT_FE;
        }
        ctx.emit(&self.name, EventKind::UartRx { byte });
        if self.stat & STAT_OR != 0 {
            // Nothing is stored while OR is set.
        } else if self.rx.len() >= self.depth() {
            self.stat |= STAT_OR;
            ctx.emit(
                &self.name,
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
        let c = self.ctrl;
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

    /// Register value without read side effects (DATA reads as 0).
    fn peek(&self, reg: u32) -> u32 {
        match reg {
            VERID => VERID_RESET,
            PARAM => PARAM_RESET,
            GLOBAL => self.global,
            PINCFG => self.pincfg,
            BAUD => self.baud,
            STAT => self.stat_value(),
            CTRL => self.ctrl,
            MATCH => self.match_,
            MODIR => self.modir,
            FIFO => {
                let empty = if self.rx.is_empty() { FIFO_RXEMPT } else { 0 };
                self.fifo | FIFO_SIZES | FIFO_TXEMPT | empty
            }
            WATER => self.water | ((self.rx.len() as u32) << WATER_RXCOUNT_SHIFT),
            _ => 0,
        }
    }
}

impl Peripheral for Lpuart {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u32 {
        super::WINDOW
    }

    fn read(&mut self, offset: u32, _access: Access, ctx: &mut Ctx) -> u32 {
        let reg = offset & !3;
        let v = if reg == DATA {
            let v = match self.rx.pop_front() {
                Some((b, fe)) => b as u32 | if fe { DATA_FRETSC } else { 0 },
                None => DATA_RXEMPT,
            };
            self.update_irq(ctx);
            v
        } else {
            self.peek(reg)
        };
        lane_read(v, offset)
    }

    fn write(&mut self, offset: u32, access: Access, value: u32, ctx: &mut Ctx) {
        let reg = offset & !3;
        let w1c = match reg {
            STAT => STAT_W1C,
            FIFO => FIFO_TXOF | FIFO_RXUF | FIFO_TXFLUSH | FIFO_RXFLUSH,
            _ => 0,
        };
        let old = if reg == DATA {
            0
        } else {
            self.peek(reg) & !w1c
        };
        let v = lane_write(old, offset, access, value);
        if reg == GLOBAL {
            self.global = v & GLOBAL_RST;
            if self.global != 0 {
                self.reset();
            }
            self.update_irq(ctx);
            return;
        }
        if self.global & GLOBAL_RST != 0 {
            return;
        }
        match reg {
            PINCFG => self.pincfg = v & 3,
            BAUD => self.baud = v & 0xffaf_ffff,
            STAT => self.stat = (self.stat & !(v & STAT_W1C)) & !STAT_RW | (v & STAT_RW),
            CTRL => self.ctrl = v & CTRL_MASK,
            DATA if self.ctrl & CTRL_TE != 0 => {
                let byte = v as u8;
                ctx.emit(&self.name, EventKind::UartTx { byte });
                self.link.transmit(byte, ctx.now);
            }
            MATCH => self.match_ = v & 0x03ff_03ff,
            MODIR => self.modir = v & 0x0007_033f,
            FIFO => {
                if v & FIFO_RXFLUSH != 0 {
                    self.rx.clear();
                }
                self.fifo = v & FIFO_RW;
            }
            WATER => self.water = v & WATER_RW,
            _ => {}
        }
        self.update_irq(ctx);
    }

    fn next_deadline(&self) -> Option<Nanos> {
        self.link.next_send()
    }

    fn advance(&mut self, ctx: &mut Ctx) {
        for sym in self.link.due(ctx.now) {
            self.receive(sym, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::{with_ctx, Script};
    use crate::IrqLines;
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
