//! The drivers against register-file fakes of the sensors on mock buses.
use core::convert::Infallible;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use embedded_hal_async::delay::DelayNs;
use embedded_hal_async::i2c::{self, I2c};
use embedded_hal_async::spi::{self, Operation, SpiDevice};
use gale_capsules::{bmp388, icm42688, ubx_gnss::UbxGnss};
use gale_logic::imu::{AccelScale, GyroScale, Raw};
use gale_logic::ubx::{self, NavPvt};

/// The fakes complete at once, so one poll finishes every future.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("a mock bus future did not complete"),
    }
}

#[derive(Default)]
struct Delay {
    ns: u64,
}

impl DelayNs for Delay {
    async fn delay_ns(&mut self, ns: u32) {
        self.ns += ns as u64;
    }
}

/// ICM-42688-P register file behind an SPI device.
struct FakeIcm {
    regs: [u8; 128],
    writes: Vec<(u8, u8)>,
}

impl FakeIcm {
    fn new(who_am_i: u8) -> Self {
        let mut regs = [0; 128];
        regs[icm42688::reg::WHO_AM_I as usize] = who_am_i;
        FakeIcm { regs, writes: Vec::new() }
    }
}

impl spi::ErrorType for FakeIcm {
    type Error = Infallible;
}

impl SpiDevice for FakeIcm {
    async fn transaction(&mut self, ops: &mut [Operation<'_, u8>]) -> Result<(), Infallible> {
        let mut addr = None;
        for op in ops.iter_mut() {
            match op {
                Operation::Write(bytes) if bytes[0] & 0x80 != 0 => addr = Some((bytes[0] & 0x7F) as usize),
                Operation::Write(bytes) => {
                    self.writes.push((bytes[0], bytes[1]));
                    self.regs[bytes[0] as usize] = bytes[1];
                }
                Operation::Read(buf) => {
                    let a = addr.expect("read without address");
                    buf.copy_from_slice(&self.regs[a..a + buf.len()]);
                }
                _ => panic!("unexpected SPI operation"),
            }
        }
        Ok(())
    }
}

#[test]
fn icm_init_configures_scales_odr_and_power() {
    let mut fake = FakeIcm::new(icm42688::WHO_AM_I_VALUE);
    let mut delay = Delay::default();
    let mut imu = icm42688::Icm42688::new(&mut fake, AccelScale::G16, GyroScale::Dps2000);
    block_on(imu.init(&mut delay)).unwrap();
    assert_eq!(
        fake.writes,
        [(0x11, 0x01), (0x76, 0x00), (0x4F, 0x06), (0x50, 0x06), (0x4E, 0x0F)],
        "reset, bank 0, gyro 2000 dps 1 kHz, accel 16 g 1 kHz, low-noise mode"
    );
    assert!(delay.ns >= 1_000_000, "waits at least 1 ms after the soft reset");
}

#[test]
fn icm_reads_and_scales_a_burst() {
    let mut fake = FakeIcm::new(icm42688::WHO_AM_I_VALUE);
    let raw = Raw { temp: 0, accel: [2048, 0, -2048], gyro: [164, 0, -1640] };
    fake.regs[0x1D..0x1D + 14].copy_from_slice(&raw.to_burst());
    let mut imu = icm42688::Icm42688::new(&mut fake, AccelScale::G16, GyroScale::Dps2000);
    let s = block_on(imu.read_scaled()).unwrap();
    assert_eq!(s.accel_mg, [1000, 0, -1000]);
    assert_eq!(s.gyro_mdps, [10_000, 0, -100_000]);
}

#[test]
fn icm_wrong_identity_is_reported() {
    let mut fake = FakeIcm::new(0x12);
    let mut imu = icm42688::Icm42688::new(&mut fake, AccelScale::G16, GyroScale::Dps2000);
    assert_eq!(block_on(imu.init(&mut Delay::default())), Err(icm42688::Error::WrongId(0x12)));
}

/// BMP388 register file behind I2C.
struct FakeBmp {
    regs: [u8; 128],
    addr: u8,
}

impl i2c::ErrorType for FakeBmp {
    type Error = i2c::ErrorKind;
}

impl I2c for FakeBmp {
    async fn transaction(&mut self, address: u8, ops: &mut [i2c::Operation<'_>]) -> Result<(), Self::Error> {
        if address != self.addr {
            return Err(i2c::ErrorKind::NoAcknowledge(i2c::NoAcknowledgeSource::Address));
        }
        let mut ptr = 0usize;
        for op in ops.iter_mut() {
            match op {
                i2c::Operation::Write(bytes) => {
                    ptr = bytes[0] as usize;
                    if let Some(&v) = bytes.get(1) {
                        self.regs[ptr] = v;
                    }
                }
                i2c::Operation::Read(buf) => {
                    buf.copy_from_slice(&self.regs[ptr..ptr + buf.len()]);
                    ptr += buf.len();
                }
            }
        }
        Ok(())
    }
}

#[test]
fn bmp_init_and_compensated_read() {
    let mut fake = FakeBmp { regs: [0; 128], addr: bmp388::ADDR_PRIMARY };
    fake.regs[0] = bmp388::CHIP_ID_VALUE;
    // Calibration with only linear terms: T1=100, T2=2^12, P1=P2=2^14, P5=12500.
    let nvm: [(usize, u8); 9] =
        [(0x31, 100), (0x33, 0x00), (0x34, 0x10), (0x36, 0x00), (0x37, 0x40), (0x38, 0x00), (0x39, 0x40), (0x3C, 0xD4), (0x3D, 0x30)];
    for (r, v) in nvm {
        fake.regs[r] = v;
    }
    let raw_t: u32 = 100 * 256 + 25 * (1 << 18); // fits the 24-bit register
    fake.regs[0x04..0x07].copy_from_slice(&123_456u32.to_le_bytes()[..3]);
    fake.regs[0x07..0x0A].copy_from_slice(&raw_t.to_le_bytes()[..3]);
    let mut baro = bmp388::Bmp388::new(&mut fake, bmp388::ADDR_PRIMARY);
    block_on(baro.init(&mut Delay::default())).unwrap();
    assert_eq!(block_on(baro.read()).unwrap(), bmp388::Reading { pressure_pa: 100_000, temp_cdeg: 2500 });
    assert_eq!(fake.regs[0x1B], bmp388::PWR_NORMAL);
}

#[test]
fn bmp_absent_device_is_a_bus_error() {
    let mut fake = FakeBmp { regs: [0; 128], addr: 0x77 };
    let mut baro = bmp388::Bmp388::new(&mut fake, bmp388::ADDR_PRIMARY);
    assert!(matches!(block_on(baro.init(&mut Delay::default())), Err(bmp388::Error::Bus(_))));
}

struct Bytes<'a>(&'a [u8]);

impl embedded_io_async::ErrorType for Bytes<'_> {
    type Error = Infallible;
}

impl embedded_io_async::Read for Bytes<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = buf.len().min(self.0.len()).min(5); // short reads, like a UART
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn gnss_skips_noise_and_other_messages_and_returns_nav_pvt() {
    let pvt = NavPvt { itow_ms: 5000, fix_type: 3, num_sv: 9, lon_e7: 85_000_000, lat_e7: 473_000_000, height_mm: 500_000 };
    let mut stream = vec![0x00, 0xB5, 0x13];
    let mut frame = [0; 120];
    let n = ubx::encode(0x05, 0x01, &[0x06, 0x00], &mut frame).unwrap();
    stream.extend_from_slice(&frame[..n]);
    let n = ubx::encode(0x01, 0x07, &pvt.to_payload(), &mut frame).unwrap();
    stream.extend_from_slice(&frame[..n]);
    let mut gnss = UbxGnss::new(Bytes(&stream));
    assert_eq!(block_on(gnss.next_pvt()).unwrap(), pvt);
    assert_eq!(gnss.errors, 0);
}
