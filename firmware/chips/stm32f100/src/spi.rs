//! SPI1 controller (RM0041 §22): 8-bit frames, software NSS,
//! interrupt-driven byte exchange; devices selected by GPIO chip-select
//! pins. The controller is enabled (CR1.SPE) only for the duration of a
//! transaction, which also frames transfers where no chip-select pin is
//! wired.
//!
//! Each byte: the task writes DR, enables CR2.RXNEIE and sleeps on the
//! [`IrqEvent`] (the kernel's interrupt completion, the same one the
//! RT1176 LPSPI driver uses); the board's SPI1 handler calls
//! [`on_interrupt`], which masks CR2 and wakes the task, which reads DR.
//! The controller has no FIFO, so that is one interrupt per byte.

use core::cell::RefCell;

use embedded_hal_async::delay::DelayNs;
use embedded_hal_async::spi::{self, Operation};
use gale_kernel::sync::irq_event::IrqEvent;

use crate::gpio::{configure_output, write_pin, OutputKind, Speed};
use crate::pac::{self, gpioa::RegisterBlock as GpioRegs};

const CR1_CPHA: u32 = 1 << 0;
const CR1_CPOL: u32 = 1 << 1;
const CR1_MSTR: u32 = 1 << 2;
const CR1_SPE: u32 = 1 << 6;
const CR1_SSI: u32 = 1 << 8;
const CR1_SSM: u32 = 1 << 9;
const CR2_RXNEIE: u16 = 1 << 6;
const SR_RXNE: u32 = 1 << 0;
const SR_TXE: u32 = 1 << 1;
const SR_BSY: u32 = 1 << 7;
/// Bound of the spins on TXE before a byte and on BSY after the last one
/// (both a fraction of a byte time once RXNE was seen).
const SPIN_LIMIT: u32 = 20_000;
/// Longest wait for one byte (2.7 µs at 3 MHz).
const BYTE_TIMEOUT_US: u32 = 1_000;

/// Why a transfer failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A byte did not complete (no RXNE interrupt within the timeout, or
    /// TXE/BSY stuck): no clock, no interrupt wiring, or no peripheral.
    Timeout,
    /// The bus was already in a transaction (a second device used the
    /// shared bus while a transfer was suspended).
    Busy,
}

impl spi::Error for Error {
    fn kind(&self) -> spi::ErrorKind {
        spi::ErrorKind::Other
    }
}

/// SPI1 on PA5 (SCK) / PA6 (MISO) / PA7 (MOSI); `D` times out waits.
pub struct Spi1<D> {
    regs: pac::SPI1,
    event: &'static IrqEvent,
    delay: D,
}

impl<D: DelayNs> Spi1<D> {
    /// Clocks on (GPIOA, SPI1 on APB2), SCK and MOSI alternate-function
    /// push-pull, master with software NSS, SCK = `pclk2_hz / 2^(BR+1)`
    /// at most `sck_hz`, mode 3 (`mode3`) or 0, interrupt sources masked;
    /// left disabled until a transaction. `event` must be the one the SPI1
    /// handler passes to [`on_interrupt`].
    #[allow(clippy::too_many_arguments, reason = "the register block, its clock and pin owners, the clocking and the interrupt completion")]
    pub fn new(
        regs: pac::SPI1,
        rcc: &pac::RCC,
        gpioa: &pac::GPIOA,
        pclk2_hz: u32,
        sck_hz: u32,
        mode3: bool,
        event: &'static IrqEvent,
        delay: D,
    ) -> Self {
        rcc.apb2enr().modify(|_, w| w.iopaen().set_bit().spi1en().set_bit());
        configure_output(gpioa, 5, OutputKind::AltPushPull, Speed::Mhz50);
        configure_output(gpioa, 7, OutputKind::AltPushPull, Speed::Mhz50);
        let br = (0..8u32).find(|br| pclk2_hz >> (br + 1) <= sck_hz).unwrap_or(7);
        let mode = if mode3 { CR1_CPOL | CR1_CPHA } else { 0 };
        let cr1 = CR1_MSTR | CR1_SSM | CR1_SSI | br << 3 | mode;
        // SAFETY: defined CR1 bits only; CR2 = 0 masks every source.
        regs.cr2().write(|w| unsafe { w.bits(0) });
        regs.cr1().write(|w| unsafe { w.bits(cr1 as u16) });
        Spi1 { regs, event, delay }
    }

    fn enable(&mut self, on: bool) {
        // SAFETY: toggles the defined SPE bit only.
        self.regs.cr1().modify(|r, w| unsafe { w.bits(if on { r.bits() | CR1_SPE as u16 } else { r.bits() & !(CR1_SPE as u16) }) });
    }

    fn sr(&self) -> u32 {
        self.regs.sr().read().bits() as u32
    }

    fn spin(&self, done: impl Fn(u32) -> bool) -> Result<(), Error> {
        (0..SPIN_LIMIT).find(|_| done(self.sr())).map(drop).ok_or(Error::Timeout)
    }

    /// Runs `ops` with the controller enabled; disables it afterwards once
    /// the last frame has left (TXE set, BSY clear; RM0041 §22.3.8).
    pub async fn transaction(&mut self, ops: &mut [Operation<'_, u8>]) -> Result<(), Error> {
        self.enable(true);
        let mut result = Ok(());
        for op in ops.iter_mut() {
            result = self.run(op).await;
            if result.is_err() {
                break;
            }
        }
        let idle = self.spin(|sr| sr & SR_TXE != 0).and_then(|()| self.spin(|sr| sr & SR_BSY == 0));
        self.enable(false);
        result.and(idle)
    }

    /// One full-duplex byte: DR written, then a sleep until RXNE.
    pub async fn exchange(&mut self, out: u8) -> Result<u8, Error> {
        self.spin(|sr| sr & SR_TXE != 0)?;
        // SAFETY: DR takes any 8-bit value in 8-bit frame mode.
        self.regs.dr().write(|w| unsafe { w.bits(out as u16) });
        let regs = &self.regs;
        // SAFETY (arm): CR2 holds only interrupt enables here (no DMA, no SSOE).
        let rxne = || regs.sr().read().bits() as u32 & SR_RXNE != 0;
        let arm = || {
            regs.cr2().write(|w| unsafe { w.bits(CR2_RXNEIE) });
        };
        let ok = self.event.wait(&mut self.delay, BYTE_TIMEOUT_US, rxne, arm).await;
        // SAFETY: masks every source again.
        self.regs.cr2().write(|w| unsafe { w.bits(0) });
        if !ok {
            return Err(Error::Timeout);
        }
        Ok(self.regs.dr().read().bits() as u8)
    }

    async fn run(&mut self, op: &mut Operation<'_, u8>) -> Result<(), Error> {
        match op {
            Operation::Read(buf) => {
                for b in buf.iter_mut() {
                    *b = self.exchange(0).await?;
                }
                Ok(())
            }
            Operation::Write(buf) => {
                for &b in buf.iter() {
                    self.exchange(b).await?;
                }
                Ok(())
            }
            Operation::Transfer(read, write) => {
                for i in 0..read.len().max(write.len()) {
                    let r = self.exchange(write.get(i).copied().unwrap_or(0)).await?;
                    if let Some(slot) = read.get_mut(i) {
                        *slot = r;
                    }
                }
                Ok(())
            }
            Operation::TransferInPlace(buf) => {
                for b in buf.iter_mut() {
                    *b = self.exchange(*b).await?;
                }
                Ok(())
            }
            Operation::DelayNs(ns) => {
                self.delay.delay_ns(*ns).await;
                Ok(())
            }
        }
    }
}

/// Interrupt handler body for SPI1: masks every SPI1 interrupt source
/// (CR2 = 0; the driver enables the one it waits for) and wakes the task
/// waiting on `event`.
pub fn on_interrupt(event: &IrqEvent) {
    // SAFETY: the handler only writes CR2, which the task writes only to
    // arm this interrupt (and to mask it again after the wait).
    let regs = unsafe { &*pac::SPI1::ptr() };
    regs.cr2().write(|w| unsafe { w.bits(0) });
    event.notify();
}

/// One device on SPI1, selected by driving `cs_pin` of `cs_port` low.
pub struct Device<'a, D> {
    pub bus: &'a RefCell<Spi1<D>>,
    pub cs_port: &'static GpioRegs,
    pub cs_pin: u8,
}

impl<'a, D> Device<'a, D> {
    /// Configures the chip-select pin as a push-pull output, released (high).
    pub fn new(bus: &'a RefCell<Spi1<D>>, cs_port: &'static GpioRegs, cs_pin: u8) -> Self {
        write_pin(cs_port, cs_pin, true);
        configure_output(cs_port, cs_pin, OutputKind::PushPull, Speed::Mhz50);
        Device { bus, cs_port, cs_pin }
    }
}

impl<D> spi::ErrorType for Device<'_, D> {
    type Error = Error;
}

impl<D: DelayNs> spi::SpiDevice for Device<'_, D> {
    #[allow(clippy::await_holding_refcell_ref, reason = "held on purpose; a second borrow gets Busy, never a panic")]
    async fn transaction(&mut self, ops: &mut [Operation<'_, u8>]) -> Result<(), Error> {
        // The borrow spans the interrupt waits: a second device's
        // transaction meanwhile gets `Busy` instead of a panic.
        let Ok(mut bus) = self.bus.try_borrow_mut() else { return Err(Error::Busy) };
        write_pin(self.cs_port, self.cs_pin, false);
        let result = bus.transaction(ops).await;
        write_pin(self.cs_port, self.cs_pin, true);
        result
    }
}
