//! Bosch BMP388 barometer over I2C (BST-BMP388-DS001).

use embedded_hal_async::delay::DelayNs;
use embedded_hal_async::i2c::I2c;
use gale_logic::baro::{compensate, split_data, Calib, Nvm, CALIB_LEN, REG_CALIB, REG_DATA};

/// Register addresses.
pub mod reg {
    pub const CHIP_ID: u8 = 0x00;
    pub const STATUS: u8 = 0x03;
    pub const PWR_CTRL: u8 = 0x1B;
    pub const OSR: u8 = 0x1C;
    pub const ODR: u8 = 0x1D;
    pub const CMD: u8 = 0x7E;
}

/// CHIP_ID of the BMP388.
pub const CHIP_ID_VALUE: u8 = 0x50;
/// CMD soft reset.
pub const CMD_SOFT_RESET: u8 = 0xB6;
/// PWR_CTRL: pressure and temperature enabled, normal mode.
pub const PWR_NORMAL: u8 = 0x33;
/// Primary I2C address (SDO low).
pub const ADDR_PRIMARY: u8 = 0x76;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error<E> {
    Bus(E),
    WrongId(u8),
}

/// A compensated reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    pub pressure_pa: u32,
    pub temp_cdeg: i16,
}

/// One BMP388.
pub struct Bmp388<I> {
    i2c: I,
    addr: u8,
    calib: Option<Calib>,
}

impl<I: I2c> Bmp388<I> {
    pub fn new(i2c: I, addr: u8) -> Self {
        Bmp388 { i2c, addr, calib: None }
    }

    async fn read_regs(&mut self, reg: u8, buf: &mut [u8]) -> Result<(), Error<I::Error>> {
        self.i2c.write_read(self.addr, &[reg], buf).await.map_err(Error::Bus)
    }

    async fn write(&mut self, reg: u8, value: u8) -> Result<(), Error<I::Error>> {
        self.i2c.write(self.addr, &[reg, value]).await.map_err(Error::Bus)
    }

    /// Soft reset, identity check, calibration read, x8 pressure / x1
    /// temperature oversampling at 50 Hz, normal mode.
    pub async fn init(&mut self, delay: &mut impl DelayNs) -> Result<(), Error<I::Error>> {
        self.write(reg::CMD, CMD_SOFT_RESET).await?;
        delay.delay_ms(2).await;
        let mut id = [0];
        self.read_regs(reg::CHIP_ID, &mut id).await?;
        if id[0] != CHIP_ID_VALUE {
            return Err(Error::WrongId(id[0]));
        }
        let mut nvm = [0; CALIB_LEN];
        self.read_regs(REG_CALIB, &mut nvm).await?;
        self.calib = Some(Calib::from_nvm(&Nvm::parse(&nvm)));
        self.write(reg::OSR, 0x03).await?;
        self.write(reg::ODR, 0x02).await?;
        self.write(reg::PWR_CTRL, PWR_NORMAL).await?;
        Ok(())
    }

    /// Reads and compensates the latest conversion. Before a successful
    /// `init` this reads the calibration first.
    pub async fn read(&mut self) -> Result<Reading, Error<I::Error>> {
        let calib = match self.calib {
            Some(c) => c,
            None => {
                let mut nvm = [0; CALIB_LEN];
                self.read_regs(REG_CALIB, &mut nvm).await?;
                let c = Calib::from_nvm(&Nvm::parse(&nvm));
                self.calib = Some(c);
                c
            }
        };
        let mut data = [0; 6];
        self.read_regs(REG_DATA, &mut data).await?;
        let (raw_p, raw_t) = split_data(&data);
        let (pressure_pa, temp_cdeg) = compensate(&calib, raw_p, raw_t);
        Ok(Reading { pressure_pa, temp_cdeg })
    }
}
