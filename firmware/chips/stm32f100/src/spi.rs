//! SPI1 controller (RM0041 §22): 8-bit frames, software NSS, polled
//! byte exchange; devices selected by GPIO chip-select pins. The
//! controller is enabled (CR1.SPE) only for the duration of a transaction,
//! which also frames transfers where no chip-select pin is wired.

use core::cell::RefCell;

use embedded_hal_async::spi::{self, Operation};

use crate::gpio::{configure_output, write_pin, OutputKind, Speed};
use crate::pac::{self, gpioa::RegisterBlock as GpioRegs};

const CR1_CPHA: u32 = 1 << 0;
const CR1_CPOL: u32 = 1 << 1;
const CR1_MSTR: u32 = 1 << 2;
const CR1_SPE: u32 = 1 << 6;
const CR1_SSI: u32 = 1 << 8;
const CR1_SSM: u32 = 1 << 9;
const SR_RXNE: u32 = 1 << 0;
const SR_TXE: u32 = 1 << 1;
const SR_BSY: u32 = 1 << 7;
const SPIN_LIMIT: u32 = 20_000;

/// A byte exchange did not complete (TXE or RXNE never set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeout;

impl spi::Error for Timeout {
    fn kind(&self) -> spi::ErrorKind {
        spi::ErrorKind::Other
    }
}

/// SPI1 on PA5 (SCK) / PA6 (MISO) / PA7 (MOSI).
pub struct Spi1 {
    regs: pac::SPI1,
}

impl Spi1 {
    /// Clocks on (GPIOA, SPI1 on APB2), SCK and MOSI alternate-function
    /// push-pull, master with software NSS, SCK = `pclk2_hz / 2^(BR+1)`
    /// at most `sck_hz`, mode 3 (`mode3`) or 0; left disabled until a
    /// transaction.
    pub fn new(regs: pac::SPI1, rcc: &pac::RCC, gpioa: &pac::GPIOA, pclk2_hz: u32, sck_hz: u32, mode3: bool) -> Self {
        rcc.apb2enr().modify(|_, w| w.iopaen().set_bit().spi1en().set_bit());
        configure_output(gpioa, 5, OutputKind::AltPushPull, Speed::Mhz50);
        configure_output(gpioa, 7, OutputKind::AltPushPull, Speed::Mhz50);
        let br = (0..8u32).find(|br| pclk2_hz >> (br + 1) <= sck_hz).unwrap_or(7);
        let mode = if mode3 { CR1_CPOL | CR1_CPHA } else { 0 };
        let cr1 = CR1_MSTR | CR1_SSM | CR1_SSI | br << 3 | mode;
        // SAFETY: defined CR1 bits only.
        regs.cr1().write(|w| unsafe { w.bits(cr1 as u16) });
        Spi1 { regs }
    }

    fn enable(&mut self, on: bool) {
        // SAFETY: toggles the defined SPE bit only.
        self.regs.cr1().modify(|r, w| unsafe { w.bits(if on { r.bits() | CR1_SPE as u16 } else { r.bits() & !(CR1_SPE as u16) }) });
    }

    /// Runs `ops` with the controller enabled; disables it afterwards once
    /// the last frame has left (TXE set, BSY clear; RM0041 §22.3.8).
    pub fn transaction(&mut self, ops: &mut [Operation<'_, u8>]) -> Result<(), Timeout> {
        self.enable(true);
        let result = ops.iter_mut().try_for_each(|op| self.run(op));
        let idle = self.wait(SR_TXE).and_then(|_| {
            (0..SPIN_LIMIT).find(|_| self.regs.sr().read().bits() as u32 & SR_BSY == 0).map(drop).ok_or(Timeout)
        });
        self.enable(false);
        result.and(idle)
    }

    fn wait(&self, flag: u32) -> Result<(), Timeout> {
        (0..SPIN_LIMIT).find(|_| self.regs.sr().read().bits() as u32 & flag != 0).map(drop).ok_or(Timeout)
    }

    /// One full-duplex byte.
    pub fn exchange(&mut self, out: u8) -> Result<u8, Timeout> {
        self.wait(SR_TXE)?;
        // SAFETY: DR takes any 8-bit value in 8-bit frame mode.
        self.regs.dr().write(|w| unsafe { w.bits(out as u16) });
        self.wait(SR_RXNE)?;
        Ok(self.regs.dr().read().bits() as u8)
    }

    fn run(&mut self, op: &mut Operation<'_, u8>) -> Result<(), Timeout> {
        match op {
            Operation::Read(buf) => buf.iter_mut().try_for_each(|b| {
                *b = self.exchange(0)?;
                Ok(())
            }),
            Operation::Write(buf) => buf.iter().try_for_each(|&b| self.exchange(b).map(drop)),
            Operation::Transfer(read, write) => (0..read.len().max(write.len())).try_for_each(|i| {
                let r = self.exchange(write.get(i).copied().unwrap_or(0))?;
                if let Some(slot) = read.get_mut(i) {
                    *slot = r;
                }
                Ok(())
            }),
            Operation::TransferInPlace(buf) => buf.iter_mut().try_for_each(|b| {
                *b = self.exchange(*b)?;
                Ok(())
            }),
            Operation::DelayNs(ns) => {
                (0..*ns / 40).for_each(|_| core::hint::spin_loop());
                Ok(())
            }
        }
    }
}

/// One device on SPI1, selected by driving `cs_pin` of `cs_port` low.
pub struct Device<'a> {
    pub bus: &'a RefCell<Spi1>,
    pub cs_port: &'static GpioRegs,
    pub cs_pin: u8,
}

impl<'a> Device<'a> {
    /// Configures the chip-select pin as a push-pull output, released (high).
    pub fn new(bus: &'a RefCell<Spi1>, cs_port: &'static GpioRegs, cs_pin: u8) -> Self {
        write_pin(cs_port, cs_pin, true);
        configure_output(cs_port, cs_pin, OutputKind::PushPull, Speed::Mhz50);
        Device { bus, cs_port, cs_pin }
    }
}

impl spi::ErrorType for Device<'_> {
    type Error = Timeout;
}

impl spi::SpiDevice for Device<'_> {
    async fn transaction(&mut self, ops: &mut [Operation<'_, u8>]) -> Result<(), Timeout> {
        // Polled: completes without awaiting, so the borrow never spans a yield.
        let mut bus = self.bus.borrow_mut();
        write_pin(self.cs_port, self.cs_pin, false);
        let result = bus.transaction(ops);
        write_pin(self.cs_port, self.cs_pin, true);
        result
    }
}
