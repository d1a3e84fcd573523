//! TDK InvenSense ICM-42688-P 6-axis IMU over SPI (datasheet DS-000347).
//! SPI mode 0 or 3, register address byte with bit 7 set for reads.

use embedded_hal_async::delay::DelayNs;
use embedded_hal_async::spi::{Operation, SpiDevice};
use gale_logic::imu::{scale, AccelScale, GyroScale, Raw, Scaled, BURST_LEN, REG_TEMP_DATA1};

/// Register addresses (user bank 0).
pub mod reg {
    pub const DEVICE_CONFIG: u8 = 0x11;
    pub const PWR_MGMT0: u8 = 0x4E;
    pub const GYRO_CONFIG0: u8 = 0x4F;
    pub const ACCEL_CONFIG0: u8 = 0x50;
    pub const WHO_AM_I: u8 = 0x75;
    pub const REG_BANK_SEL: u8 = 0x76;
}

/// WHO_AM_I value of the ICM-42688-P.
pub const WHO_AM_I_VALUE: u8 = 0x47;
/// ODR field value for 1 kHz (GYRO_CONFIG0/ACCEL_CONFIG0 bits 3:0).
pub const ODR_1KHZ: u8 = 0x06;
/// PWR_MGMT0: gyro and accel in low-noise mode.
pub const PWR_LOW_NOISE: u8 = 0x0F;
const READ: u8 = 0x80;

/// Driver errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error<E> {
    Bus(E),
    /// WHO_AM_I returned this instead of 0x47.
    WrongId(u8),
}

/// One ICM-42688-P.
pub struct Icm42688<S> {
    spi: S,
    accel: AccelScale,
    gyro: GyroScale,
}

impl<S: SpiDevice> Icm42688<S> {
    pub fn new(spi: S, accel: AccelScale, gyro: GyroScale) -> Self {
        Icm42688 { spi, accel, gyro }
    }

    async fn write(&mut self, reg: u8, value: u8) -> Result<(), Error<S::Error>> {
        self.spi.write(&[reg, value]).await.map_err(Error::Bus)
    }

    async fn read(&mut self, reg: u8, buf: &mut [u8]) -> Result<(), Error<S::Error>> {
        self.spi.transaction(&mut [Operation::Write(&[reg | READ]), Operation::Read(buf)]).await.map_err(Error::Bus)
    }

    /// Soft reset, identity check, scales and 1 kHz ODR, sensors on.
    pub async fn init(&mut self, delay: &mut impl DelayNs) -> Result<(), Error<S::Error>> {
        self.write(reg::DEVICE_CONFIG, 0x01).await?;
        delay.delay_ms(1).await;
        self.write(reg::REG_BANK_SEL, 0).await?;
        let mut id = [0];
        self.read(reg::WHO_AM_I, &mut id).await?;
        if id[0] != WHO_AM_I_VALUE {
            return Err(Error::WrongId(id[0]));
        }
        self.write(reg::GYRO_CONFIG0, (self.gyro as u8) << 5 | ODR_1KHZ).await?;
        self.write(reg::ACCEL_CONFIG0, (self.accel as u8) << 5 | ODR_1KHZ).await?;
        self.write(reg::PWR_MGMT0, PWR_LOW_NOISE).await?;
        // Gyro needs 45 ms from off to on before its data is valid; the
        // datasheet forbids register writes for 200 us after PWR_MGMT0.
        delay.delay_us(200).await;
        Ok(())
    }

    /// Reads one raw sample (one 14-byte burst).
    pub async fn read_raw(&mut self) -> Result<Raw, Error<S::Error>> {
        let mut b = [0; BURST_LEN];
        self.read(REG_TEMP_DATA1, &mut b).await?;
        Ok(Raw::from_burst(&b))
    }

    /// Reads and scales one sample.
    pub async fn read_scaled(&mut self) -> Result<Scaled, Error<S::Error>> {
        let raw = self.read_raw().await?;
        Ok(scale(&raw, self.accel, self.gyro))
    }
}
