//! TDK InvenSense ICM-42688-P 6-axis IMU over SPI (datasheet DS-000347),
//! user bank 0.
//!
//! Inputs ([`ImuInputs`]): acceleration in m/s² (converted to g with
//! 9.80665 m/s² per g), angular rate in degrees per second (the datasheet's
//! unit), die temperature in °C.
//!
//! Protocol: the first byte of a transfer is the register address, bit 7
//! set for a read; following bytes read or write successive registers
//! (auto-increment), except that a burst stays on FIFO_DATA (0x30) once it
//! reaches it, so one burst from FIFO_COUNTH reads the count then the FIFO.
//!
//! Registers modelled (others in bank 0 store and read back):
//! - WHO_AM_I (0x75) = 0x47; DEVICE_CONFIG (0x11) bit 0 soft reset
//!   (registers to reset values, FIFO emptied, INT_STATUS.RESET_DONE set);
//!   REG_BANK_SEL (0x76) stored (only bank 0 is modelled).
//! - PWR_MGMT0 (0x4E): ACCEL_MODE (bits 1:0, 2 or 3 = on), GYRO_MODE (bits
//!   3:2, 3 = on), TEMP_DIS (bit 5). Data are valid from the first sample
//!   period after enabling (start-up times are not modelled).
//! - GYRO_CONFIG0 (0x4F) / ACCEL_CONFIG0 (0x50): FS_SEL (bits 7:5) and ODR
//!   (bits 3:0). Accel: 2048 LSB/g at ±16 g (FS_SEL 0) doubling to 16384 at
//!   ±2 g (3); gyro: 16.4 LSB/dps at ±2000 dps (0) ... 2097.2 at ±15.625
//!   dps (7). Temperature: raw = (T - 25) × 132.48.
//! - TEMP_DATA1/0, ACCEL_DATA_X1..Z0, GYRO_DATA_X1..Z0 (0x1D..0x2A): the
//!   latest sample, big-endian (little-endian with INTF_CONFIG0 bit 4
//!   clear); -32768 for a sensor that is off.
//! - The sample clock runs at the faster enabled ODR from the moment the
//!   power or configuration registers last changed; samples are taken from
//!   the inputs at their sample times.
//! - INT_STATUS (0x2D, clear on read): DATA_RDY (bit 3), RESET_DONE (4),
//!   FIFO_THS (2), FIFO_FULL (1).
//! - FIFO: FIFO_CONFIG (0x16) mode bits 7:6 (0 bypass, 1 stream: oldest
//!   packet dropped when full, 2/3 stop on full), FIFO_CONFIG1 (0x5F)
//!   ACCEL_EN (bit 0), GYRO_EN (1), TMST_FSYNC_EN (3). Packets of the
//!   datasheet's FIFO section: accel only, 8 bytes (header 0x40, accel,
//!   temp); gyro only, 8 bytes (0x20, gyro, temp); both, 16 bytes (header
//!   0x60, or 0x68 with TMST_FSYNC_EN: accel, gyro, temp, 16-bit timestamp
//!   in µs). FIFO temperature: raw = (T - 25) × 2.07, 8-bit. Capacity 2048
//!   bytes. FIFO_COUNTH/L (0x2E/0x2F): bytes, or records with INTF_CONFIG0
//!   bit 6, big-endian unless INTF_CONFIG0 bit 5 is clear. An empty FIFO
//!   reads 0xFF. SIGNAL_PATH_RESET (0x4B) bit 1 flushes it. The watermark
//!   FIFO_CONFIG2/3 sets FIFO_THS.
//! - Bus faults: `Disconnect` floats MISO high (0xFF) and ignores writes;
//!   `BitFlip` corrupts every byte the device drives on MISO.

use crate::bus::{Source, SpiDevice};
use crate::fault::{BusFault, FaultSchedule};
use gale_trace::Nanos;
use std::collections::VecDeque;

// Register addresses, bank 0.
const DEVICE_CONFIG: u8 = 0x11;
const DRIVE_CONFIG: u8 = 0x13;
const FIFO_CONFIG: u8 = 0x16;
const TEMP_DATA1: u8 = 0x1d;
const GYRO_DATA_Z0: u8 = 0x2a;
const INT_STATUS: u8 = 0x2d;
const FIFO_COUNTH: u8 = 0x2e;
const FIFO_COUNTL: u8 = 0x2f;
const FIFO_DATA: u8 = 0x30;
const SIGNAL_PATH_RESET: u8 = 0x4b;
const INTF_CONFIG0: u8 = 0x4c;
const INTF_CONFIG1: u8 = 0x4d;
const PWR_MGMT0: u8 = 0x4e;
const GYRO_CONFIG0: u8 = 0x4f;
const ACCEL_CONFIG0: u8 = 0x50;
const GYRO_CONFIG1: u8 = 0x51;
const GYRO_ACCEL_CONFIG0: u8 = 0x52;
const ACCEL_CONFIG1: u8 = 0x53;
const TMST_CONFIG: u8 = 0x54;
const FIFO_CONFIG1: u8 = 0x5f;
const FIFO_CONFIG2: u8 = 0x60;
const FIFO_CONFIG3: u8 = 0x61;
const INT_CONFIG1: u8 = 0x64;
const INT_SOURCE0: u8 = 0x65;
const WHO_AM_I: u8 = 0x75;
const REG_BANK_SEL: u8 = 0x76;

/// Non-zero reset values (datasheet register map).
const RESET_VALUES: [(u8, u8); 10] = [
    (DRIVE_CONFIG, 0x05),
    (INTF_CONFIG0, 0x30),
    (INTF_CONFIG1, 0x91),
    (GYRO_CONFIG0, 0x06),
    (ACCEL_CONFIG0, 0x06),
    (GYRO_CONFIG1, 0x16),
    (GYRO_ACCEL_CONFIG0, 0x11),
    (ACCEL_CONFIG1, 0x0d),
    (TMST_CONFIG, 0x23),
    (INT_CONFIG1, 0x10),
];
const WHO_AM_I_VALUE: u8 = 0x47;
const INT_SOURCE0_RESET: u8 = 0x10;

// Bits.
const DEVICE_CONFIG_SOFT_RESET: u8 = 1 << 0;
const INT_STATUS_RESET_DONE: u8 = 1 << 4;
const INT_STATUS_DATA_RDY: u8 = 1 << 3;
const INT_STATUS_FIFO_THS: u8 = 1 << 2;
const INT_STATUS_FIFO_FULL: u8 = 1 << 1;
const SIGNAL_PATH_RESET_FIFO_FLUSH: u8 = 1 << 1;
const INTF_CONFIG0_FIFO_COUNT_REC: u8 = 1 << 6;
const INTF_CONFIG0_FIFO_COUNT_ENDIAN: u8 = 1 << 5;
const INTF_CONFIG0_SENSOR_DATA_ENDIAN: u8 = 1 << 4;
const PWR_MGMT0_TEMP_DIS: u8 = 1 << 5;
const FIFO_CONFIG1_ACCEL_EN: u8 = 1 << 0;
const FIFO_CONFIG1_GYRO_EN: u8 = 1 << 1;
const FIFO_CONFIG1_TMST_FSYNC_EN: u8 = 1 << 3;
const READ: u8 = 0x80;

const FIFO_CAPACITY: usize = 2048;
const FIFO_EMPTY_READ: u8 = 0xff;
/// Register value of a disabled sensor.
const DATA_INVALID: i16 = -32768;

/// Standard gravity, m/s² per g.
pub const STANDARD_GRAVITY: f64 = 9.80665;
/// Temperature sensitivity of the data registers, LSB per °C.
pub const TEMP_LSB_PER_C: f64 = 132.48;
/// Temperature sensitivity of the FIFO's 8-bit temperature, LSB per °C.
pub const FIFO_TEMP_LSB_PER_C: f64 = 2.07;
/// Gyro sensitivity in LSB per dps by GYRO_FS_SEL.
pub const GYRO_LSB_PER_DPS: [f64; 8] = [16.4, 32.8, 65.5, 131.0, 262.0, 524.3, 1048.6, 2097.2];
/// Output data rates by ODR code, in mHz (0 = reserved).
const ODR_MILLIHZ: [u64; 16] = [
    0, 32_000_000, 16_000_000, 8_000_000, 4_000_000, 2_000_000, 1_000_000, 200_000, 100_000,
    50_000, 25_000, 12_500, 6_250, 3_125, 1_562, 500_000,
];

/// The physical quantities an ICM-42688 measures.
pub struct ImuInputs {
    /// X, Y, Z acceleration in m/s².
    pub accel: [Box<dyn Source>; 3],
    /// X, Y, Z angular rate in degrees per second.
    pub gyro: [Box<dyn Source>; 3],
    /// Die temperature in °C.
    pub temp: Box<dyn Source>,
}

/// One sample as register values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sample {
    temp: i16,
    accel: [i16; 3],
    gyro: [i16; 3],
    fifo_temp: i8,
}

pub struct Icm42688 {
    inputs: ImuInputs,
    faults: FaultSchedule,
    regs: [u8; 128],
    /// Register pointer of the transfer in progress.
    addr: u8,
    /// Next byte is the address byte.
    awaiting_addr: bool,
    reading: bool,
    int_status: u8,
    fifo: VecDeque<u8>,
    /// Sample clock: anchor time and period (None: no sensor on).
    clock: Option<(Nanos, Nanos)>,
    /// Index of the latest sample taken (0: none yet since the anchor).
    last_sample: u64,
    latest: Option<(Nanos, Sample)>,
}

fn clamp_i16(v: f64) -> i16 {
    v.round().clamp(i16::MIN as f64, i16::MAX as f64) as i16
}

impl Icm42688 {
    pub fn new(inputs: ImuInputs, faults: FaultSchedule) -> Self {
        let mut d = Icm42688 {
            inputs,
            faults,
            regs: [0; 128],
            addr: 0,
            awaiting_addr: true,
            reading: false,
            int_status: 0,
            fifo: VecDeque::new(),
            clock: None,
            last_sample: 0,
            latest: None,
        };
        d.soft_reset();
        d
    }

    fn soft_reset(&mut self) {
        self.regs = [0; 128];
        for (a, v) in RESET_VALUES {
            self.regs[a as usize] = v;
        }
        self.regs[INT_SOURCE0 as usize] = INT_SOURCE0_RESET;
        self.int_status = INT_STATUS_RESET_DONE;
        self.fifo.clear();
        self.clock = None;
        self.last_sample = 0;
        self.latest = None;
    }

    fn accel_on(&self) -> bool {
        self.regs[PWR_MGMT0 as usize] & 0b10 != 0
    }

    fn gyro_on(&self) -> bool {
        self.regs[PWR_MGMT0 as usize] & 0b1100 == 0b1100
    }

    fn temp_on(&self) -> bool {
        (self.accel_on() || self.gyro_on())
            && self.regs[PWR_MGMT0 as usize] & PWR_MGMT0_TEMP_DIS == 0
    }

    fn period_of(config: u8) -> Option<Nanos> {
        let mhz = ODR_MILLIHZ[(config & 0xf) as usize];
        (mhz > 0).then(|| 1_000_000_000_000 / mhz)
    }

    /// Re-anchors the sample clock after a power or configuration change.
    fn reclock(&mut self, now: Nanos) {
        let mut periods = Vec::new();
        if self.accel_on() {
            periods.extend(Self::period_of(self.regs[ACCEL_CONFIG0 as usize]));
        }
        if self.gyro_on() {
            periods.extend(Self::period_of(self.regs[GYRO_CONFIG0 as usize]));
        }
        self.clock = periods.into_iter().min().map(|p| (now, p));
        self.last_sample = 0;
    }

    fn sample_at(&self, t: Nanos) -> Sample {
        let accel_fs = (self.regs[ACCEL_CONFIG0 as usize] >> 5).min(3);
        let gyro_fs = (self.regs[GYRO_CONFIG0 as usize] >> 5) as usize;
        let lsb_per_g = (2048u32 << accel_fs) as f64;
        let lsb_per_dps = GYRO_LSB_PER_DPS[gyro_fs];
        let (accel_on, gyro_on, temp_on) = (self.accel_on(), self.gyro_on(), self.temp_on());
        let a = |i: usize| {
            if accel_on {
                clamp_i16(self.inputs.accel[i].value(t) / STANDARD_GRAVITY * lsb_per_g)
            } else {
                DATA_INVALID
            }
        };
        let g = |i: usize| {
            if gyro_on {
                clamp_i16(self.inputs.gyro[i].value(t) * lsb_per_dps)
            } else {
                DATA_INVALID
            }
        };
        let celsius = self.inputs.temp.value(t);
        Sample {
            temp: if temp_on {
                clamp_i16((celsius - 25.0) * TEMP_LSB_PER_C)
            } else {
                DATA_INVALID
            },
            accel: [a(0), a(1), a(2)],
            gyro: [g(0), g(1), g(2)],
            fifo_temp: ((celsius - 25.0) * FIFO_TEMP_LSB_PER_C)
                .round()
                .clamp(-128.0, 127.0) as i8,
        }
    }

    fn packet(&self, s: &Sample, t: Nanos) -> Vec<u8> {
        let cfg = self.regs[FIFO_CONFIG1 as usize];
        let (accel, gyro) = (
            cfg & FIFO_CONFIG1_ACCEL_EN != 0,
            cfg & FIFO_CONFIG1_GYRO_EN != 0,
        );
        let mut p = Vec::with_capacity(16);
        let header = match (accel, gyro) {
            (true, true) => {
                0x60 | if cfg & FIFO_CONFIG1_TMST_FSYNC_EN != 0 {
                    0x08
                } else {
                    0
                }
            }
            (true, false) => 0x40,
            (false, true) => 0x20,
            (false, false) => return p,
        };
        p.push(header);
        if accel {
            s.accel.iter().for_each(|v| p.extend(v.to_be_bytes()));
        }
        if gyro {
            s.gyro.iter().for_each(|v| p.extend(v.to_be_bytes()));
        }
        p.push(s.fifo_temp as u8);
        if accel && gyro {
            let anchor = self.clock.map_or(0, |(t0, _)| t0);
            p.extend((((t - anchor) / 1_000) as u16).to_be_bytes());
        }
        p
    }

    fn push_fifo(&mut self, packet: Vec<u8>) {
        let mode = self.regs[FIFO_CONFIG as usize] >> 6;
        if mode == 0 || packet.is_empty() {
            return;
        }
        if self.fifo.len() + packet.len() > FIFO_CAPACITY {
            self.int_status |= INT_STATUS_FIFO_FULL;
            if mode >= 2 {
                return;
            }
            while self.fifo.len() + packet.len() > FIFO_CAPACITY {
                let first = self.fifo.front().copied().unwrap_or(0);
                let len = if first & 0x60 == 0x60 { 16 } else { 8 };
                self.fifo.drain(..len.min(self.fifo.len()));
            }
        }
        self.fifo.extend(packet);
        let wm = ((self.regs[FIFO_CONFIG3 as usize] as usize & 0xf) << 8)
            | self.regs[FIFO_CONFIG2 as usize] as usize;
        if wm > 0 && self.fifo.len() >= wm {
            self.int_status |= INT_STATUS_FIFO_THS;
        }
    }

    /// Takes the samples due up to `now`.
    fn catch_up(&mut self, now: Nanos) {
        let Some((t0, period)) = self.clock else {
            return;
        };
        let k_now = now.saturating_sub(t0) / period;
        if k_now <= self.last_sample {
            return;
        }
        let max_packets = (FIFO_CAPACITY / 8) as u64;
        let first = (self.last_sample + 1).max(k_now.saturating_sub(max_packets) + 1);
        for k in first..=k_now {
            let t = t0 + k * period;
            let s = self.sample_at(t);
            let p = self.packet(&s, t);
            self.push_fifo(p);
        }
        let t = t0 + k_now * period;
        self.latest = Some((t, self.sample_at(t)));
        self.last_sample = k_now;
        self.int_status |= INT_STATUS_DATA_RDY;
    }

    fn data_byte(&self, addr: u8) -> u8 {
        let s = self.latest.map_or(
            Sample {
                temp: DATA_INVALID,
                accel: [DATA_INVALID; 3],
                gyro: [DATA_INVALID; 3],
                fifo_temp: 0,
            },
            |(_, s)| s,
        );
        let words = [
            s.temp, s.accel[0], s.accel[1], s.accel[2], s.gyro[0], s.gyro[1], s.gyro[2],
        ];
        let i = (addr - TEMP_DATA1) as usize;
        let bytes = words[i / 2].to_be_bytes();
        let big = self.regs[INTF_CONFIG0 as usize] & INTF_CONFIG0_SENSOR_DATA_ENDIAN != 0;
        if big {
            bytes[i % 2]
        } else {
            bytes[1 - i % 2]
        }
    }

    fn fifo_count_byte(&self, high: bool) -> u8 {
        let cfg = self.regs[INTF_CONFIG0 as usize];
        let count = if cfg & INTF_CONFIG0_FIFO_COUNT_REC != 0 {
            let packet = match self.regs[FIFO_CONFIG1 as usize] & 3 {
                3 => 16,
                _ => 8,
            };
            self.fifo.len() / packet
        } else {
            self.fifo.len()
        } as u16;
        let bytes = count.to_be_bytes();
        let big = cfg & INTF_CONFIG0_FIFO_COUNT_ENDIAN != 0;
        match (high, big) {
            (true, true) | (false, false) => bytes[0],
            _ => bytes[1],
        }
    }

    fn read_reg(&mut self, addr: u8) -> u8 {
        match addr {
            TEMP_DATA1..=GYRO_DATA_Z0 => self.data_byte(addr),
            INT_STATUS => std::mem::take(&mut self.int_status),
            FIFO_COUNTH => self.fifo_count_byte(true),
            FIFO_COUNTL => self.fifo_count_byte(false),
            FIFO_DATA => self.fifo.pop_front().unwrap_or(FIFO_EMPTY_READ),
            WHO_AM_I => WHO_AM_I_VALUE,
            a => self.regs[a as usize & 0x7f],
        }
    }

    fn write_reg(&mut self, addr: u8, v: u8, now: Nanos) {
        match addr {
            DEVICE_CONFIG if v & DEVICE_CONFIG_SOFT_RESET != 0 => self.soft_reset(),
            SIGNAL_PATH_RESET => {
                if v & SIGNAL_PATH_RESET_FIFO_FLUSH != 0 {
                    self.fifo.clear();
                }
            }
            REG_BANK_SEL => self.regs[REG_BANK_SEL as usize] = v & 7,
            WHO_AM_I
            | INT_STATUS
            | FIFO_COUNTH
            | FIFO_COUNTL
            | FIFO_DATA
            | TEMP_DATA1..=GYRO_DATA_Z0 => {}
            a => {
                self.regs[a as usize & 0x7f] = v;
                if matches!(a, PWR_MGMT0 | GYRO_CONFIG0 | ACCEL_CONFIG0) {
                    self.reclock(now);
                }
            }
        }
    }
}

impl SpiDevice for Icm42688 {
    fn select(&mut self, now: Nanos) {
        self.awaiting_addr = true;
        self.catch_up(now);
    }

    fn exchange(&mut self, mosi: u8, now: Nanos) -> u8 {
        if self
            .faults
            .is_active(now, |f| matches!(f, BusFault::Disconnect))
        {
            return 0xff;
        }
        if self.awaiting_addr {
            self.awaiting_addr = false;
            self.addr = mosi & !READ;
            self.reading = mosi & READ != 0;
            return 0x00;
        }
        let addr = self.addr;
        if addr != FIFO_DATA {
            self.addr = (addr + 1) & 0x7f;
        }
        if self.reading {
            let v = self.read_reg(addr);
            self.faults.corrupt(now, v)
        } else {
            self.write_reg(addr, mosi, now);
            0x00
        }
    }

    fn deselect(&mut self, _now: Nanos) {
        self.awaiting_addr = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultWindow;

    const MS: Nanos = 1_000_000;

    fn constant(v: f64) -> Box<dyn Source> {
        Box::new(move |_t: Nanos| v)
    }

    fn imu(faults: FaultSchedule) -> Icm42688 {
        Icm42688::new(
            ImuInputs {
                accel: [
                    constant(0.0),
                    constant(-4.903325),
                    constant(STANDARD_GRAVITY),
                ],
                gyro: [constant(100.0), constant(-0.5), constant(2000.0)],
                temp: Box::new(|t: Nanos| 25.0 + t as f64 / 1e9),
            },
            faults,
        )
    }

    /// One CS-framed transfer: address byte then `n` reads or the writes.
    fn transfer(d: &mut Icm42688, now: Nanos, first: u8, out: &[u8], n: usize) -> Vec<u8> {
        d.select(now);
        d.exchange(first, now);
        let mut got: Vec<u8> = out.iter().map(|&b| d.exchange(b, now)).collect();
        got.extend((0..n).map(|_| d.exchange(0, now)));
        d.deselect(now);
        got
    }

    fn write(d: &mut Icm42688, now: Nanos, reg: u8, v: u8) {
        transfer(d, now, reg, &[v], 0);
    }

    fn read(d: &mut Icm42688, now: Nanos, reg: u8, n: usize) -> Vec<u8> {
        transfer(d, now, reg | READ, &[], n)
    }

    fn words(b: &[u8]) -> Vec<i16> {
        b.chunks(2)
            .map(|c| i16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    #[test]
    fn who_am_i_and_reset_state() {
        let mut d = imu(FaultSchedule::default());
        assert_eq!(read(&mut d, 0, WHO_AM_I, 1), vec![0x47]);
        assert_eq!(
            read(&mut d, 0, INT_STATUS, 2),
            vec![INT_STATUS_RESET_DONE, 0]
        );
        assert_eq!(read(&mut d, 0, INT_STATUS, 1), vec![0], "clear on read");
        assert_eq!(read(&mut d, 0, GYRO_CONFIG0, 2), vec![0x06, 0x06]);
        assert_eq!(
            words(&read(&mut d, 0, TEMP_DATA1, 14)),
            vec![-32768; 7],
            "sensors off"
        );
        write(&mut d, 0, REG_BANK_SEL, 1);
        assert_eq!(read(&mut d, 0, REG_BANK_SEL, 1), vec![1], "stored");
    }

    #[test]
    fn burst_scales_with_full_scale_settings() {
        let mut d = imu(FaultSchedule::default());
        write(&mut d, 0, PWR_MGMT0, 0x0f); // gyro LN, accel LN
        assert_eq!(
            words(&read(&mut d, MS / 2, TEMP_DATA1, 14)),
            vec![-32768; 7],
            "no sample yet at 1 kHz"
        );
        let w = words(&read(&mut d, MS, TEMP_DATA1, 14));
        // ±16 g: 2048 LSB/g; ±2000 dps: 16.4 LSB/dps; T = 25.001 °C.
        assert_eq!(w, vec![0, 0, -1024, 2048, 1640, -8, 32767]);
        assert_eq!(
            read(&mut d, MS, INT_STATUS, 1)[0] & INT_STATUS_DATA_RDY,
            INT_STATUS_DATA_RDY
        );
        // ±2 g, ±250 dps (FS_SEL 3), then a sample 1 s later: T = 26 °C.
        transfer(&mut d, MS, GYRO_CONFIG0, &[0x66, 0x66], 0);
        let w = words(&read(&mut d, 1_000 * MS, TEMP_DATA1, 14));
        assert_eq!(w, vec![132, 0, -8192, 16384, 13100, -66, 32767]);
        // Little-endian data with INTF_CONFIG0 bit 4 clear.
        write(&mut d, 1_000 * MS, INTF_CONFIG0, 0x20);
        assert_eq!(read(&mut d, 1_000 * MS, TEMP_DATA1, 2), vec![132, 0]);
    }

    #[test]
    fn fifo_packets_and_count_then_data_burst() {
        let mut d = imu(FaultSchedule::default());
        write(
            &mut d,
            0,
            FIFO_CONFIG1,
            FIFO_CONFIG1_ACCEL_EN | FIFO_CONFIG1_GYRO_EN | FIFO_CONFIG1_TMST_FSYNC_EN,
        );
        write(&mut d, 0, FIFO_CONFIG, 0x40); // stream
        write(&mut d, 0, PWR_MGMT0, 0x0f);
        // One burst: FIFO_COUNTH, FIFO_COUNTL, then 3 packets from FIFO_DATA.
        let b = read(&mut d, 3 * MS, FIFO_COUNTH, 2 + 48);
        assert_eq!(u16::from_be_bytes([b[0], b[1]]), 48);
        let p = &b[2..18];
        assert_eq!(p[0], 0x68);
        assert_eq!(words(&p[1..13]), vec![0, -1024, 2048, 1640, -8, 32767]);
        assert_eq!(p[13], 0, "FIFO temperature at 25.001 °C");
        assert_eq!(u16::from_be_bytes([p[14], p[15]]), 1_000, "timestamp in µs");
        assert_eq!(u16::from_be_bytes([b[48], b[49]]), 3_000);
        assert_eq!(read(&mut d, 3 * MS, FIFO_DATA, 1), vec![FIFO_EMPTY_READ]);
        // Accel-only packets are 8 bytes; records counting.
        write(&mut d, 3 * MS, FIFO_CONFIG1, FIFO_CONFIG1_ACCEL_EN);
        write(&mut d, 3 * MS, INTF_CONFIG0, 0x70);
        let b = read(&mut d, 5 * MS, FIFO_COUNTH, 2 + 8);
        assert_eq!(u16::from_be_bytes([b[0], b[1]]), 2, "records");
        assert_eq!(b[2], 0x40);
        write(
            &mut d,
            5 * MS,
            SIGNAL_PATH_RESET,
            SIGNAL_PATH_RESET_FIFO_FLUSH,
        );
        assert_eq!(read(&mut d, 5 * MS, FIFO_COUNTH, 2), vec![0, 0]);
    }

    #[test]
    fn fifo_stream_keeps_newest_and_soft_reset() {
        let mut d = imu(FaultSchedule::default());
        write(&mut d, 0, FIFO_CONFIG1, 3);
        write(&mut d, 0, FIFO_CONFIG, 0x40);
        write(&mut d, 0, PWR_MGMT0, 0x0f);
        let b = read(&mut d, 1_000 * MS, FIFO_COUNTH, 2);
        assert_eq!(u16::from_be_bytes([b[0], b[1]]), 2048);
        assert_ne!(
            read(&mut d, 1_000 * MS, INT_STATUS, 1)[0] & INT_STATUS_FIFO_FULL,
            0
        );
        let p = read(&mut d, 1_000 * MS, FIFO_DATA, 16);
        assert_eq!(
            u16::from_be_bytes([p[14], p[15]]),
            ((1_000 - 127) * 1_000) as u16,
            "oldest kept is 128 back"
        );
        write(&mut d, 1_000 * MS, DEVICE_CONFIG, DEVICE_CONFIG_SOFT_RESET);
        assert_eq!(read(&mut d, 1_000 * MS, PWR_MGMT0, 1), vec![0]);
        assert_eq!(read(&mut d, 2_000 * MS, FIFO_COUNTH, 2), vec![0, 0]);
    }

    #[test]
    fn bus_faults_float_or_flip_miso() {
        let faults = FaultSchedule::new(vec![
            FaultWindow {
                start: 10,
                end: 20,
                fault: BusFault::Disconnect,
            },
            FaultWindow {
                start: 20,
                end: 30,
                fault: BusFault::BitFlip { bit: 0 },
            },
        ]);
        let mut d = imu(faults);
        assert_eq!(read(&mut d, 15, WHO_AM_I, 1), vec![0xff]);
        assert_eq!(read(&mut d, 25, WHO_AM_I, 1), vec![0x46]);
        assert_eq!(read(&mut d, 30, WHO_AM_I, 1), vec![0x47]);
    }
}
