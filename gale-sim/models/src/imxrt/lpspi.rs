//! i.MX RT1170 LPSPI, controller (master) mode (IMXRT1170RM chapter "Low
//! Power Serial Peripheral Interface"): VERID, PARAM, CR, SR, IER, DER,
//! CFGR0, CFGR1, DMR0, DMR1, CCR, FCR, FSR, TCR, TDR, RSR, RDR.
//!
//! Model rules:
//! - TCR and TDR writes enter one transmit FIFO in order (as on silicon) and
//!   are executed at once while CR.MEN and CFGR1.MASTER are set. Execution
//!   stalls (and FSR.TXCOUNT grows) only when the receive FIFO (16 words,
//!   PARAM.RXFIFO = 4) is full and CFGR1.NOSTALL is clear; reading RDR
//!   resumes it. With NOSTALL set, a word received into a full FIFO is lost
//!   and SR.REF set.
//! - A frame is TCR.FRAMESZ + 1 bits, rounded up to whole bytes on the wire
//!   (8, 16, 24, 32 bits, and multiples of 32 over several TDR words), sent
//!   most significant byte first (TCR.BYSW swaps the bytes of each word;
//!   TCR.LSBF is stored, bit order is not reversed). Received bytes form the
//!   RDR word in the same order.
//! - Chip select TCR.PCS asserts at the first frame of a transfer. With
//!   TCR.CONT clear it is released at the end of every frame; with CONT set
//!   it stays asserted until a command with CONTC clear (or CONT clear and
//!   CONTC clear) is executed; a command with CONTC set continues the same
//!   transfer (its PCS is ignored). One `Spi` trace event per chip-select
//!   framed transfer.
//! - TCR.TXMSK: the frame runs at the command without TDR data, MOSI reads
//!   0x00 in the trace. TCR.RXMSK: received words are discarded.
//! - SR.TDF is set while the transmit FIFO count <= FCR.TXWATER, SR.RDF
//!   while the receive count > FCR.RXWATER; WCF, FCF, TCF follow word, frame
//!   and transfer (chip select released) ends. SR.MBF is set while stalled.

use crate::bus::SpiDevice;
use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::sensors::link::SpiBus;
use crate::Ctx;
use std::collections::VecDeque;

// Register offsets.
const CR: u32 = 0x10;
const SR: u32 = 0x14;
const IER: u32 = 0x18;
const CFGR1: u32 = 0x24;
const FCR: u32 = 0x58;
const FSR: u32 = 0x5c;
const TCR: u32 = 0x60;
const TDR: u32 = 0x64;
const RSR: u32 = 0x70;
const RDR: u32 = 0x74;

/// IMXRT1170RM LPSPI memory map, reset values as in the SVD. SR.TDF, RDF
/// and MBF, FSR and RSR are computed on read; CR.RTF/RRF are strobes; TCR
/// and TDR writes go through the transmit FIFO (TCR reads the command
/// executed last); RDR reads pop the receive FIFO.
const REGISTERS: &[Reg] = &[
    Reg::new("VERID", 0x00).reset(0x0102_0004),
    Reg::new("PARAM", 0x04).reset(0x0004_0404),
    Reg::new("CR", CR).rw(CR_RW),
    Reg::new("SR", SR).w1c(SR_W1C),
    Reg::new("IER", IER).rw(IER_RW),
    Reg::new("DER", 0x1c).rw(3),
    Reg::new("CFGR0", 0x20).rw(0x300),
    Reg::new("CFGR1", CFGR1).rw(0x0f07_0f0f),
    Reg::new("DMR0", 0x30).rw(u32::MAX),
    Reg::new("DMR1", 0x34).rw(u32::MAX),
    Reg::new("CCR", 0x40).rw(u32::MAX),
    Reg::new("FCR", FCR).rw(0x000f_000f),
    Reg::new("FSR", FSR),
    Reg::new("TCR", TCR).reset(0x0000_001f),
    Reg::new("TDR", TDR),
    Reg::new("RSR", RSR),
    Reg::new("RDR", RDR),
];

const RX_FIFO_DEPTH: usize = 16;

// CR bits.
const CR_MEN: u32 = 1 << 0;
const CR_RST: u32 = 1 << 1;
const CR_RTF: u32 = 1 << 8;
const CR_RRF: u32 = 1 << 9;
const CR_RW: u32 = 0x0f;

// SR bits (IER uses the same positions).
const SR_TDF: u32 = 1 << 0;
const SR_RDF: u32 = 1 << 1;
const SR_WCF: u32 = 1 << 8;
const SR_FCF: u32 = 1 << 9;
const SR_TCF: u32 = 1 << 10;
const SR_REF: u32 = 1 << 12;
const SR_W1C: u32 = 0x3f00;
const SR_MBF: u32 = 1 << 24;
const IER_RW: u32 = 0x3f03;

// CFGR1 bits.
const CFGR1_MASTER: u32 = 1 << 0;
const CFGR1_NOSTALL: u32 = 1 << 3;

// TCR fields.
const TCR_FRAMESZ: u32 = 0xfff;
const TCR_TXMSK: u32 = 1 << 18;
const TCR_RXMSK: u32 = 1 << 19;
const TCR_CONTC: u32 = 1 << 20;
const TCR_CONT: u32 = 1 << 21;
const TCR_BYSW: u32 = 1 << 22;
const TCR_PCS_SHIFT: u32 = 24;
const TCR_RW: u32 = 0xfbff_0fff; // bit 26 reserved, 12..15 reserved

// RSR bits.
const RSR_SOF: u32 = 1 << 0;
const RSR_RXEMPTY: u32 = 1 << 1;

/// One transmit FIFO entry.
#[derive(Clone, Copy, Debug)]
enum TxEntry {
    Command(u32),
    Data(u32),
}

pub struct Lpspi {
    regs: RegisterFile,
    irq: IrqLine,
    bus: SpiBus,
    txq: VecDeque<TxEntry>,
    rx: VecDeque<(u32, bool)>,
    /// Bits left in the current frame (0: between frames).
    frame_left: u32,
    /// The next received word is the first of a transfer.
    sof: bool,
}

impl Lpspi {
    /// LPSPI instance `name` (e.g. `LPSPI1`) on external interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        let name = name.into();
        Lpspi {
            bus: SpiBus::new(name.clone()),
            regs: RegisterFile::new(name, super::WINDOW, REGISTERS),
            irq: IrqLine::new(irq),
            txq: VecDeque::new(),
            rx: VecDeque::new(),
            frame_left: 0,
            sof: false,
        }
    }

    /// Attaches `dev` at peripheral chip select `cs` (TCR.PCS, 0..=3).
    pub fn attach(&mut self, cs: u8, dev: Box<dyn SpiDevice>) {
        self.bus.attach(cs, dev);
    }

    /// CR.RST: every register but CR back to reset, FIFOs emptied.
    fn reset_registers(&mut self) {
        let cr = self.regs.get(CR);
        self.regs.reset();
        self.regs.set(CR, cr);
        self.txq.clear();
        self.rx.clear();
        self.frame_left = 0;
    }

    fn sr_value(&self) -> u32 {
        let fcr = self.regs.get(FCR);
        let txwater = fcr & 0xf;
        let rxwater = (fcr >> 16) & 0xf;
        let mut v = self.regs.get(SR);
        if self.txq.len() as u32 <= txwater {
            v |= SR_TDF;
        }
        if self.rx.len() as u32 > rxwater {
            v |= SR_RDF;
        }
        if !self.txq.is_empty() {
            v |= SR_MBF;
        }
        v
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let level = self.sr_value() & self.regs.get(IER) & IER_RW != 0;
        self.irq.set(level, ctx);
    }

    fn running(&self) -> bool {
        let cr = self.regs.get(CR);
        cr & CR_MEN != 0 && cr & CR_RST == 0 && self.regs.get(CFGR1) & CFGR1_MASTER != 0
    }

    /// Executes queued transmit FIFO entries until empty or stalled.
    fn run(&mut self, ctx: &mut Ctx) {
        while self.running() {
            let Some(&entry) = self.txq.front() else {
                break;
            };
            let receives = self.tcr() & TCR_RXMSK == 0;
            let full = self.rx.len() >= RX_FIFO_DEPTH;
            if matches!(entry, TxEntry::Data(_))
                && receives
                && full
                && self.regs.get(CFGR1) & CFGR1_NOSTALL == 0
            {
                break;
            }
            self.txq.pop_front();
            match entry {
                TxEntry::Command(v) => self.command(v, ctx),
                TxEntry::Data(w) => self.word(Some(w), ctx),
            }
        }
        self.update_irq(ctx);
    }

    fn tcr(&self) -> u32 {
        self.regs.get(TCR)
    }

    fn flag(&mut self, bits: u32) {
        self.regs.set_bits(SR, bits, true);
    }

    fn end_transfer(&mut self, ctx: &mut Ctx) {
        if self.bus.selected().is_some() {
            self.bus.deselect(ctx);
            self.flag(SR_TCF);
        }
    }

    fn command(&mut self, v: u32, ctx: &mut Ctx) {
        let continuing =
            self.bus.selected().is_some() && self.tcr() & TCR_CONT != 0 && v & TCR_CONTC != 0;
        self.frame_left = 0;
        if continuing {
            let pcs = self.tcr() & (3 << TCR_PCS_SHIFT);
            self.regs
                .set(TCR, (v & TCR_RW & !(3 << TCR_PCS_SHIFT)) | pcs);
        } else {
            self.end_transfer(ctx);
            self.regs.set(TCR, v & TCR_RW);
        }
        if self.tcr() & TCR_TXMSK != 0 {
            // A masked-transmit frame runs without data words.
            loop {
                self.word(None, ctx);
                if self.frame_left == 0 {
                    break;
                }
            }
        }
    }

    /// Shifts one word (up to 32 bits of the current frame).
    fn word(&mut self, data: Option<u32>, ctx: &mut Ctx) {
        let tcr = self.tcr();
        if self.frame_left == 0 {
            self.frame_left = (tcr & TCR_FRAMESZ) + 1;
            if self.bus.selected().is_none() {
                self.bus.select(((tcr >> TCR_PCS_SHIFT) & 3) as u8, ctx);
                self.sof = true;
            }
        }
        let bits = self.frame_left.min(32);
        let nbytes = bits.div_ceil(8);
        let bysw = tcr & TCR_BYSW != 0;
        let w = data.map_or(0, |w| if bysw { w.swap_bytes() } else { w });
        let mut rxw: u32 = 0;
        for i in (0..nbytes).rev() {
            let miso = self.bus.exchange((w >> (8 * i)) as u8, ctx.now);
            rxw = (rxw << 8) | miso as u32;
        }
        if bysw {
            rxw = rxw.swap_bytes();
        }
        self.frame_left -= bits;
        self.flag(SR_WCF);
        if tcr & TCR_RXMSK == 0 {
            if self.rx.len() < RX_FIFO_DEPTH {
                self.rx.push_back((rxw, self.sof));
            } else {
                self.flag(SR_REF);
            }
            self.sof = false;
        }
        if self.frame_left == 0 {
            self.flag(SR_FCF);
            if tcr & TCR_CONT == 0 {
                self.end_transfer(ctx);
            }
        }
    }
}

impl RegisterBlock for Lpspi {
    crate::register_file_in!(regs);

    fn on_read(&mut self, reg: u32, value: u32, ctx: &mut Ctx) -> u32 {
        match reg {
            SR => self.sr_value(),
            FSR => (self.txq.len().min(16) as u32) | ((self.rx.len() as u32) << 16),
            RSR => match self.rx.front() {
                None => RSR_RXEMPTY,
                Some((_, sof)) => *sof as u32 * RSR_SOF,
            },
            RDR => {
                let v = self.rx.pop_front().map_or(0, |(w, _)| w);
                self.run(ctx);
                v
            }
            _ => value,
        }
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        if w.reg != CR && self.regs.get(CR) & CR_RST != 0 {
            // Held in reset: the write does not take.
            self.regs.set(w.reg, w.old);
            return;
        }
        match w.reg {
            CR => {
                let v = w.merged();
                if v & CR_RST != 0 {
                    self.bus.deselect(ctx);
                    self.reset_registers();
                }
                if v & CR_RTF != 0 {
                    self.txq.clear();
                }
                if v & CR_RRF != 0 {
                    self.rx.clear();
                }
            }
            TCR => self.txq.push_back(TxEntry::Command(w.value)),
            TDR => self.txq.push_back(TxEntry::Data(w.value)),
            _ => {}
        }
        self.run(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::{with_ctx, EchoSpi};
    use crate::{Access, IrqLines, Peripheral};
    const TCR_RESET: u32 = 0x0000_001f;
    use gale_trace::{EventKind, Trace};
    use std::sync::{Arc, Mutex};

    const IRQ: u32 = 38;

    fn enabled(trace: &mut Trace, irqs: &mut IrqLines) -> (Lpspi, Arc<Mutex<Vec<String>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut s = Lpspi::new("LPSPI1", Some(IRQ));
        s.attach(1, Box::new(EchoSpi(log.clone())));
        with_ctx(irqs, trace, 0, |c| {
            s.write(CFGR1, Access::Word, CFGR1_MASTER, c);
            s.write(CR, Access::Word, CR_MEN, c);
        });
        (s, log)
    }

    fn spi_events(trace: &Trace) -> Vec<EventKind> {
        trace.events().iter().map(|e| e.kind.clone()).collect()
    }

    #[test]
    fn continuous_byte_frames_form_one_transfer() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let (mut s, log) = enabled(&mut trace, &mut irqs);
        with_ctx(&mut irqs, &mut trace, 10, |c| {
            s.write(TCR, Access::Word, (1 << TCR_PCS_SHIFT) | TCR_CONT | 7, c);
            for b in [0xf5u32, 0x00, 0x00] {
                s.write(TDR, Access::Word, b, c);
            }
            assert_eq!(s.read(FSR, Access::Word, c) >> 16, 3);
            assert_eq!(s.read(RSR, Access::Word, c) & RSR_SOF, RSR_SOF);
            assert_eq!(s.read(RDR, Access::Word, c), 0x0a);
            assert_eq!(s.read(RSR, Access::Word, c) & RSR_SOF, 0);
            assert_eq!(s.read(RDR, Access::Word, c), 0xff);
        });
        assert!(trace.is_empty(), "chip select still asserted");
        with_ctx(&mut irqs, &mut trace, 20, |c| {
            s.write(TCR, Access::Word, 1 << TCR_PCS_SHIFT | 7, c)
        });
        let want = EventKind::Spi {
            cs: 1,
            mosi: vec![0xf5, 0, 0],
            miso: vec![0x0a, 0xff, 0xff],
        };
        assert_eq!(spi_events(&trace), vec![want]);
        assert_eq!(*log.lock().unwrap(), vec!["sel", "desel"]);
        with_ctx(&mut irqs, &mut trace, 20, |c| {
            assert_ne!(s.read(SR, Access::Word, c) & SR_TCF, 0)
        });
    }

    #[test]
    fn non_continuous_frames_release_cs_each_frame_and_sizes_work() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let (mut s, _) = enabled(&mut trace, &mut irqs);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            s.write(TCR, Access::Word, (1 << TCR_PCS_SHIFT) | 15, c);
            s.write(TDR, Access::Word, 0x8012, c);
            assert_eq!(s.read(RDR, Access::Word, c), 0x7fed);
            // 48-bit frame: two TDR words, one transfer.
            s.write(TCR, Access::Word, (1 << TCR_PCS_SHIFT) | 47, c);
            s.write(TDR, Access::Word, 0x0102_0304, c);
            assert_eq!(c.trace.len(), 1);
            s.write(TDR, Access::Word, 0x0506, c);
        });
        assert_eq!(
            spi_events(&trace),
            vec![
                EventKind::Spi {
                    cs: 1,
                    mosi: vec![0x80, 0x12],
                    miso: vec![0x7f, 0xed]
                },
                EventKind::Spi {
                    cs: 1,
                    mosi: vec![1, 2, 3, 4, 5, 6],
                    miso: vec![0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9]
                },
            ]
        );
    }

    #[test]
    fn contc_continues_and_pcs_selects_device() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let (mut s, _) = enabled(&mut trace, &mut irqs);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            s.write(TCR, Access::Word, (1 << TCR_PCS_SHIFT) | TCR_CONT | 7, c);
            s.write(TDR, Access::Word, 1, c);
            // Continuing command: same transfer, PCS ignored.
            s.write(TCR, Access::Word, TCR_CONT | TCR_CONTC | TCR_RXMSK | 7, c);
            s.write(TDR, Access::Word, 2, c);
            // New command on PCS0 (no device): ends the cs1 transfer.
            s.write(TCR, Access::Word, 7, c);
            s.write(TDR, Access::Word, 3, c);
            assert_eq!(
                s.read(FSR, Access::Word, c) >> 16,
                2,
                "RXMSK dropped one word"
            );
        });
        assert_eq!(
            spi_events(&trace),
            vec![
                EventKind::Spi {
                    cs: 1,
                    mosi: vec![1, 2],
                    miso: vec![0xfe, 0xfd]
                },
                EventKind::Spi {
                    cs: 0,
                    mosi: vec![3],
                    miso: vec![0xff]
                },
            ]
        );
    }

    #[test]
    fn full_rx_fifo_stalls_until_read_and_rdf_irq() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let (mut s, _) = enabled(&mut trace, &mut irqs);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            s.write(IER, Access::Word, SR_RDF, c);
            s.write(TCR, Access::Word, (1 << TCR_PCS_SHIFT) | TCR_CONT | 7, c);
            for i in 0..18 {
                s.write(TDR, Access::Word, i, c);
            }
            assert_eq!(s.read(FSR, Access::Word, c), (16 << 16) | 2);
            assert_ne!(s.read(SR, Access::Word, c) & SR_MBF, 0);
            assert_eq!(s.read(RDR, Access::Word, c), 0xff);
            assert_eq!(s.read(FSR, Access::Word, c), (16 << 16) | 1);
        });
        assert_eq!(irqs.drain().next(), Some((IRQ, true)));
    }

    /// What the chip-imxrt1176 driver waits on: FCR.RXWATER = n - 1 makes
    /// SR.RDF (and, with IER.RDIE, the IRQ line) mean "n words received";
    /// IER = 0 drops the line.
    #[test]
    fn ier_rdie_with_fcr_rxwater_raises_irq_after_a_whole_chunk() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let (mut s, _) = enabled(&mut trace, &mut irqs);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            s.write(TCR, Access::Word, (1 << TCR_PCS_SHIFT) | TCR_CONT | 7, c);
            s.write(FCR, Access::Word, 2 << 16, c);
            s.write(IER, Access::Word, SR_RDF, c);
            s.write(TDR, Access::Word, 1, c);
            s.write(TDR, Access::Word, 2, c);
            assert_eq!(
                s.read(SR, Access::Word, c) & SR_RDF,
                0,
                "2 words <= RXWATER 2"
            );
            s.write(TDR, Access::Word, 3, c);
            assert_ne!(s.read(SR, Access::Word, c) & SR_RDF, 0);
            s.write(IER, Access::Word, 0, c);
        });
        assert_eq!(
            irqs.drain().collect::<Vec<_>>(),
            vec![(IRQ, true), (IRQ, false)]
        );
    }

    #[test]
    fn disabled_module_holds_words_until_men() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut s = Lpspi::new("LPSPI1", None);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            assert_eq!(s.read(TCR, Access::Word, c), TCR_RESET);
            assert_eq!(s.read(SR, Access::Word, c), SR_TDF);
            s.write(CFGR1, Access::Word, CFGR1_MASTER, c);
            s.write(TDR, Access::Word, 0xaabb_ccdd, c);
            assert!(c.trace.is_empty());
            s.write(CR, Access::Word, CR_MEN, c);
        });
        let want = EventKind::Spi {
            cs: 0,
            mosi: vec![0xaa, 0xbb, 0xcc, 0xdd],
            miso: vec![0xff; 4],
        };
        assert_eq!(spi_events(&trace), vec![want]);
    }
}
