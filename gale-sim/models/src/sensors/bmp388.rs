//! Bosch BMP388 barometric pressure sensor over I2C (datasheet
//! BST-BMP388-DS001), at whichever address the controller attaches it
//! (0x76 with SDO low, 0x77 with SDO high).
//!
//! Inputs: pressure in Pa and temperature in °C ([`Source`]s).
//!
//! Calibration: the NVM holds the fixed coefficients [`CALIBRATION`]
//! (a plausible set inside the datasheet's ranges). Raw ADC values are
//! *encoded* so that the datasheet's floating-point compensation (section
//! 9.3, `BMP3_compensate_temperature` / `_pressure`) returns the scenario's
//! values: the temperature by inverting the quadratic, the pressure by
//! bisection on the compensation formula, which is monotonic in the raw
//! pressure over the 24-bit range for every temperature in -40..85 °C.
//!
//! Registers: CHIP_ID (0x00) = 0x50, ERR_REG (0x02) = 0, STATUS (0x03:
//! cmd_rdy bit 4 always set, drdy_press bit 5 and drdy_temp bit 6 set by a
//! new measurement and cleared by reading the respective data), DATA_0..5
//! (0x04..0x09: pressure then temperature, 24-bit little-endian),
//! SENSORTIME_0..2 (0x0C..0x0E, 39.0625 µs units), EVENT (0x10,
//! por_detected, clear on read), INT_STATUS (0x11, drdy bit 3, clear on
//! read), PWR_CTRL (0x1B: press_en bit 0, temp_en bit 1, mode bits 5:4),
//! OSR (0x1C), ODR (0x1D: period 5 ms × 2^odr_sel), CONFIG (0x1F), the
//! calibration NVM_PAR_T1..P11 (0x31..0x45) and CMD (0x7E: 0xB6 soft reset).
//! FIFO registers store but the FIFO stays empty.
//!
//! Measurements take no time: forced mode measures at the PWR_CTRL write
//! and returns to sleep; normal mode measures every ODR period from the
//! PWR_CTRL write on. A disabled quantity keeps its data registers.
//!
//! I2C protocol: in a write, the first byte sets the register pointer and
//! the following bytes alternate data, address, data... (the BMP3 burst
//! write with interleaved addresses); reads auto-increment. The six data
//! bytes are latched at the START of a read (the datasheet's shadowing).
//!
//! Bus faults: `Nak` and `Disconnect` NAK the address; `BitFlip` corrupts
//! the bytes read.

use crate::bus::{I2cDevice, Source};
use crate::fault::{BusFault, FaultSchedule};
use gale_trace::Nanos;

// Register addresses.
const CHIP_ID: u8 = 0x00;
const ERR_REG: u8 = 0x02;
const STATUS: u8 = 0x03;
const DATA_0: u8 = 0x04;
const DATA_2: u8 = 0x06;
const DATA_5: u8 = 0x09;
const SENSORTIME_0: u8 = 0x0c;
const SENSORTIME_2: u8 = 0x0e;
const EVENT: u8 = 0x10;
const INT_STATUS: u8 = 0x11;
const FIFO_CONFIG_1: u8 = 0x17;
const FIFO_CONFIG_2: u8 = 0x18;
const INT_CTRL: u8 = 0x19;
const PWR_CTRL: u8 = 0x1b;
const OSR: u8 = 0x1c;
const ODR: u8 = 0x1d;
const NVM_PAR_T1: u8 = 0x31;
const CMD: u8 = 0x7e;

const CHIP_ID_VALUE: u8 = 0x50;
const RESET_VALUES: [(u8, u8); 4] = [
    (FIFO_CONFIG_1, 0x02),
    (FIFO_CONFIG_2, 0x02),
    (INT_CTRL, 0x02),
    (OSR, 0x02),
];
const DATA_RESET: u32 = 0x80_0000;

// Bits and values.
const STATUS_CMD_RDY: u8 = 1 << 4;
const STATUS_DRDY_PRESS: u8 = 1 << 5;
const STATUS_DRDY_TEMP: u8 = 1 << 6;
const EVENT_POR_DETECTED: u8 = 1 << 0;
const INT_STATUS_DRDY: u8 = 1 << 3;
const PWR_CTRL_PRESS_EN: u8 = 1 << 0;
const PWR_CTRL_TEMP_EN: u8 = 1 << 1;
const MODE_SHIFT: u8 = 4;
const MODE_SLEEP: u8 = 0;
const MODE_NORMAL: u8 = 3;
const CMD_SOFTRESET: u8 = 0xb6;
const ODR_BASE_PERIOD_NS: Nanos = 5_000_000;
const RAW_MAX: u32 = (1 << 24) - 1;

/// The NVM calibration coefficients, as stored (integer NVM_PAR_* values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calibration {
    pub t1: u16,
    pub t2: u16,
    pub t3: i8,
    pub p1: i16,
    pub p2: i16,
    pub p3: i8,
    pub p4: i8,
    pub p5: u16,
    pub p6: u16,
    pub p7: i8,
    pub p8: i8,
    pub p9: i16,
    pub p10: i8,
    pub p11: i8,
}

/// The model's fixed calibration.
pub const CALIBRATION: Calibration = Calibration {
    t1: 27_000,
    t2: 19_000,
    t3: -7,
    p1: 2_000,
    p2: -3_000,
    p3: 35,
    p4: 0,
    p5: 25_000,
    p6: 30_000,
    p7: 10,
    p8: -10,
    p9: 15_000,
    p10: 20,
    p11: 30,
};

impl Calibration {
    /// The 21 NVM bytes at 0x31..0x45, little-endian per coefficient.
    pub fn nvm_bytes(&self) -> [u8; 21] {
        let mut b = Vec::with_capacity(21);
        b.extend(self.t1.to_le_bytes());
        b.extend(self.t2.to_le_bytes());
        b.push(self.t3 as u8);
        b.extend(self.p1.to_le_bytes());
        b.extend(self.p2.to_le_bytes());
        b.push(self.p3 as u8);
        b.push(self.p4 as u8);
        b.extend(self.p5.to_le_bytes());
        b.extend(self.p6.to_le_bytes());
        b.push(self.p7 as u8);
        b.push(self.p8 as u8);
        b.extend(self.p9.to_le_bytes());
        b.push(self.p10 as u8);
        b.push(self.p11 as u8);
        b.try_into().expect("21 calibration bytes")
    }

    /// Floating-point coefficients (datasheet section 9.1 scaling).
    fn scaled(&self) -> [f64; 14] {
        let p2 = |e: i32| 2f64.powi(e);
        [
            self.t1 as f64 / p2(-8),
            self.t2 as f64 / p2(30),
            self.t3 as f64 / p2(48),
            (self.p1 as f64 - p2(14)) / p2(20),
            (self.p2 as f64 - p2(14)) / p2(29),
            self.p3 as f64 / p2(32),
            self.p4 as f64 / p2(37),
            self.p5 as f64 / p2(-3),
            self.p6 as f64 / p2(6),
            self.p7 as f64 / p2(8),
            self.p8 as f64 / p2(15),
            self.p9 as f64 / p2(48),
            self.p10 as f64 / p2(48),
            self.p11 as f64 / p2(65),
        ]
    }

    /// Compensated pressure (Pa) for raw pressure `up` at linearised
    /// temperature `t_lin` (the forward formula the encoder inverts).
    fn pressure(&self, up: f64, t_lin: f64) -> f64 {
        let [_, _, _, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11] = self.scaled();
        let (t, t2, t3) = (t_lin, t_lin * t_lin, t_lin * t_lin * t_lin);
        let out1 = p5 + p6 * t + p7 * t2 + p8 * t3;
        let out2 = up * (p1 + p2 * t + p3 * t2 + p4 * t3);
        out1 + out2 + up * up * (p9 + p10 * t) + up * up * up * p11
    }

    fn temperature(&self, ut: f64) -> f64 {
        let [t1, t2, t3, ..] = self.scaled();
        let d = ut - t1;
        d * t2 + d * d * t3
    }

    /// Raw (pressure, temperature) ADC values that compensate to
    /// `pressure_pa` and `temp_c`, clamped to the 24-bit range.
    pub fn encode(&self, pressure_pa: f64, temp_c: f64) -> (u32, u32) {
        let [t1, t2, t3, ..] = self.scaled();
        // t = d*t2 + d^2*t3, solved for the root near t/t2.
        let disc = (t2 * t2 + 4.0 * t3 * temp_c).max(0.0);
        let d = 2.0 * temp_c / (t2 + disc.sqrt());
        let ut = (t1 + d).round().clamp(0.0, RAW_MAX as f64) as u32;
        let t_lin = self.temperature(ut as f64);
        // Bisection on the monotonic compensation, direction from the ends.
        let f = |up: f64| self.pressure(up, t_lin) - pressure_pa;
        let rising = f(RAW_MAX as f64) > f(0.0);
        let (mut lo, mut hi) = (0.0f64, RAW_MAX as f64);
        for _ in 0..64 {
            let mid = 0.5 * (lo + hi);
            if (f(mid) < 0.0) == rising {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let best = [lo.floor(), lo.ceil(), hi.ceil()]
            .into_iter()
            .min_by(|a, b| f(*a).abs().total_cmp(&f(*b).abs()))
            .unwrap_or(lo);
        (best.clamp(0.0, RAW_MAX as f64) as u32, ut)
    }
}

pub struct Bmp388 {
    pressure: Box<dyn Source>,
    temperature: Box<dyn Source>,
    faults: FaultSchedule,
    regs: [u8; 128],
    pointer: u8,
    /// In a write: the next byte is a register address.
    expect_addr: bool,
    raw_p: u32,
    raw_t: u32,
    /// Data bytes latched at the START of a read.
    shadow: [u8; 6],
    /// Normal-mode sample clock: anchor and index of the latest sample.
    normal_since: Option<Nanos>,
    last_sample: u64,
}

impl Bmp388 {
    /// A BMP388 measuring `pressure` (Pa) and `temperature` (°C).
    pub fn new(
        pressure: Box<dyn Source>,
        temperature: Box<dyn Source>,
        faults: FaultSchedule,
    ) -> Self {
        let mut d = Bmp388 {
            pressure,
            temperature,
            faults,
            regs: [0; 128],
            pointer: 0,
            expect_addr: true,
            raw_p: DATA_RESET,
            raw_t: DATA_RESET,
            shadow: [0; 6],
            normal_since: None,
            last_sample: 0,
        };
        d.soft_reset();
        d
    }

    fn soft_reset(&mut self) {
        self.regs = [0; 128];
        for (a, v) in RESET_VALUES {
            self.regs[a as usize] = v;
        }
        let nvm = CALIBRATION.nvm_bytes();
        self.regs[NVM_PAR_T1 as usize..NVM_PAR_T1 as usize + nvm.len()].copy_from_slice(&nvm);
        self.regs[EVENT as usize] = EVENT_POR_DETECTED;
        self.raw_p = DATA_RESET;
        self.raw_t = DATA_RESET;
        self.normal_since = None;
        self.last_sample = 0;
    }

    fn mode(&self) -> u8 {
        (self.regs[PWR_CTRL as usize] >> MODE_SHIFT) & 3
    }

    fn measure(&mut self, t: Nanos) {
        let (p, c) = CALIBRATION.encode(self.pressure.value(t), self.temperature.value(t));
        let en = self.regs[PWR_CTRL as usize];
        let mut status = 0;
        if en & PWR_CTRL_PRESS_EN != 0 {
            self.raw_p = p;
            status |= STATUS_DRDY_PRESS;
        }
        if en & PWR_CTRL_TEMP_EN != 0 {
            self.raw_t = c;
            status |= STATUS_DRDY_TEMP;
        }
        if status != 0 {
            self.regs[STATUS as usize] |= status;
            self.regs[INT_STATUS as usize] |= INT_STATUS_DRDY;
        }
    }

    fn period(&self) -> Nanos {
        ODR_BASE_PERIOD_NS << (self.regs[ODR as usize] & 0x1f).min(17)
    }

    /// Takes the normal-mode sample due at `now`, if a new one is.
    fn catch_up(&mut self, now: Nanos) {
        let Some(t0) = self.normal_since else { return };
        let period = self.period();
        let k = now.saturating_sub(t0) / period;
        if k > self.last_sample {
            self.last_sample = k;
            self.measure(t0 + k * period);
        }
    }

    fn write_reg(&mut self, addr: u8, v: u8, now: Nanos) {
        match addr {
            CMD if v == CMD_SOFTRESET => self.soft_reset(),
            PWR_CTRL => {
                self.regs[PWR_CTRL as usize] = v & 0x33;
                self.normal_since = None;
                match self.mode() {
                    MODE_SLEEP => {}
                    MODE_NORMAL => {
                        self.normal_since = Some(now);
                        self.last_sample = 0;
                    }
                    _ => {
                        // Forced: one measurement, then back to sleep.
                        self.measure(now);
                        self.regs[PWR_CTRL as usize] &= !(3 << MODE_SHIFT);
                    }
                }
            }
            ODR => {
                self.regs[ODR as usize] = v & 0x1f;
                if self.normal_since.is_some() {
                    self.normal_since = Some(now);
                    self.last_sample = 0;
                }
            }
            // Read-only registers and the calibration NVM ignore writes.
            CHIP_ID
            | ERR_REG
            | STATUS
            | DATA_0..=DATA_5
            | SENSORTIME_0..=SENSORTIME_2
            | EVENT
            | INT_STATUS
            | CMD => {}
            a if (NVM_PAR_T1..=NVM_PAR_T1 + 20).contains(&a) => {}
            a => self.regs[a as usize & 0x7f] = v,
        }
    }

    fn read_reg(&mut self, addr: u8, now: Nanos) -> u8 {
        match addr {
            CHIP_ID => CHIP_ID_VALUE,
            DATA_0..=DATA_5 => {
                let i = (addr - DATA_0) as usize;
                let clear = if (DATA_0..=DATA_2).contains(&addr) {
                    STATUS_DRDY_PRESS
                } else {
                    STATUS_DRDY_TEMP
                };
                self.regs[STATUS as usize] &= !clear;
                self.shadow[i]
            }
            STATUS => self.regs[STATUS as usize] | STATUS_CMD_RDY,
            SENSORTIME_0..=SENSORTIME_2 => {
                let ticks = now * 2 / 78_125; // 39.0625 µs
                (ticks >> (8 * (addr - SENSORTIME_0))) as u8
            }
            EVENT | INT_STATUS => std::mem::take(&mut self.regs[addr as usize]),
            a => self.regs[a as usize & 0x7f],
        }
    }
}

impl I2cDevice for Bmp388 {
    fn start(&mut self, read: bool, now: Nanos) -> bool {
        if self
            .faults
            .is_active(now, |f| matches!(f, BusFault::Nak | BusFault::Disconnect))
        {
            return false;
        }
        self.catch_up(now);
        self.expect_addr = !read;
        if read {
            let p = self.raw_p.to_le_bytes();
            let t = self.raw_t.to_le_bytes();
            self.shadow = [p[0], p[1], p[2], t[0], t[1], t[2]];
        }
        true
    }

    fn write(&mut self, byte: u8, now: Nanos) -> bool {
        if self
            .faults
            .is_active(now, |f| matches!(f, BusFault::Disconnect))
        {
            return false;
        }
        if self.expect_addr {
            self.pointer = byte & 0x7f;
        } else {
            self.write_reg(self.pointer, byte, now);
        }
        self.expect_addr = !self.expect_addr;
        true
    }

    fn read(&mut self, now: Nanos) -> u8 {
        if self
            .faults
            .is_active(now, |f| matches!(f, BusFault::Disconnect))
        {
            return 0xff;
        }
        let v = self.read_reg(self.pointer, now);
        self.pointer = (self.pointer + 1) & 0x7f;
        self.faults.corrupt(now, v)
    }

    fn stop(&mut self, _now: Nanos) {
        self.expect_addr = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultWindow;
    use std::sync::{Arc, Mutex};

    /// The datasheet's floating-point compensation (BST-BMP388-DS001
    /// section 9.3), from the 21 NVM bytes, written independently of the
    /// model's encoder.
    fn datasheet_compensate(nvm: &[u8], raw_p: u32, raw_t: u32) -> (f64, f64) {
        let u16_at = |i: usize| u16::from_le_bytes([nvm[i], nvm[i + 1]]) as f64;
        let i16_at = |i: usize| i16::from_le_bytes([nvm[i], nvm[i + 1]]) as f64;
        let i8_at = |i: usize| nvm[i] as i8 as f64;
        let par_t1 = u16_at(0) * 256.0;
        let par_t2 = u16_at(2) / 1_073_741_824.0;
        let par_t3 = i8_at(4) / 281_474_976_710_656.0;
        let par_p1 = (i16_at(5) - 16_384.0) / 1_048_576.0;
        let par_p2 = (i16_at(7) - 16_384.0) / 536_870_912.0;
        let par_p3 = i8_at(9) / 4_294_967_296.0;
        let par_p4 = i8_at(10) / 137_438_953_472.0;
        let par_p5 = u16_at(11) * 8.0;
        let par_p6 = u16_at(13) / 64.0;
        let par_p7 = i8_at(15) / 256.0;
        let par_p8 = i8_at(16) / 32_768.0;
        let par_p9 = i16_at(17) / 281_474_976_710_656.0;
        let par_p10 = i8_at(19) / 281_474_976_710_656.0;
        let par_p11 = i8_at(20) / 36_893_488_147_419_103_232.0;

        let partial_data1 = raw_t as f64 - par_t1;
        let partial_data2 = partial_data1 * par_t2;
        let t_lin = partial_data2 + (partial_data1 * partial_data1) * par_t3;

        let up = raw_p as f64;
        let pd1 = par_p6 * t_lin;
        let pd2 = par_p7 * (t_lin * t_lin);
        let pd3 = par_p8 * (t_lin * t_lin * t_lin);
        let partial_out1 = par_p5 + pd1 + pd2 + pd3;
        let pd1 = par_p2 * t_lin;
        let pd2 = par_p3 * (t_lin * t_lin);
        let pd3 = par_p4 * (t_lin * t_lin * t_lin);
        let partial_out2 = up * (par_p1 + pd1 + pd2 + pd3);
        let pd1 = up * up;
        let pd2 = par_p9 + par_p10 * t_lin;
        let pd3 = pd1 * pd2;
        let pd4 = pd3 + (up * up * up) * par_p11;
        (partial_out1 + partial_out2 + pd4, t_lin)
    }

    #[test]
    fn encoding_round_trips_through_the_datasheet_compensation() {
        let nvm = CALIBRATION.nvm_bytes();
        let mut worst = (0.0f64, 0.0f64);
        for ti in 0..=25 {
            let temp = -40.0 + ti as f64 * 5.0;
            for pi in 0..=19 {
                let pressure = 30_000.0 + pi as f64 * 5_000.0;
                let (rp, rt) = CALIBRATION.encode(pressure, temp);
                assert!(rp <= RAW_MAX && rt <= RAW_MAX);
                let (p, t) = datasheet_compensate(&nvm, rp, rt);
                worst = (
                    worst.0.max((p - pressure).abs()),
                    worst.1.max((t - temp).abs()),
                );
            }
        }
        assert!(worst.0 <= 0.5, "pressure error {} Pa", worst.0);
        assert!(worst.1 <= 0.01, "temperature error {} degC", worst.1);
    }

    struct Harness {
        dev: Bmp388,
    }

    impl Harness {
        fn write(&mut self, now: Nanos, bytes: &[u8]) {
            assert!(self.dev.start(false, now));
            for &b in bytes {
                assert!(self.dev.write(b, now));
            }
            self.dev.stop(now);
        }

        fn read(&mut self, now: Nanos, reg: u8, n: usize) -> Vec<u8> {
            assert!(self.dev.start(false, now));
            self.dev.write(reg, now);
            assert!(self.dev.start(true, now));
            let v = (0..n).map(|_| self.dev.read(now)).collect();
            self.dev.stop(now);
            v
        }
    }

    fn harness(faults: FaultSchedule) -> (Harness, Arc<Mutex<f64>>) {
        let p = Arc::new(Mutex::new(101_325.0));
        let p2 = p.clone();
        let dev = Bmp388::new(
            Box::new(move |_t: Nanos| *p2.lock().unwrap()),
            Box::new(|_t: Nanos| 21.5),
            faults,
        );
        (Harness { dev }, p)
    }

    fn raw24(b: &[u8]) -> u32 {
        u32::from_le_bytes([b[0], b[1], b[2], 0])
    }

    #[test]
    fn identity_calibration_and_forced_measurement() {
        let (mut h, _) = harness(FaultSchedule::default());
        assert_eq!(h.read(0, CHIP_ID, 1), vec![0x50]);
        assert_eq!(h.read(0, NVM_PAR_T1, 21), CALIBRATION.nvm_bytes().to_vec());
        assert_eq!(h.read(0, EVENT, 1), vec![EVENT_POR_DETECTED]);
        assert_eq!(h.read(0, EVENT, 1), vec![0]);
        assert_eq!(
            h.read(0, DATA_0, 6),
            vec![0, 0, 0x80, 0, 0, 0x80],
            "reset data"
        );
        // Forced mode, both enabled.
        h.write(1_000, &[PWR_CTRL, 0x13]);
        assert_eq!(h.read(1_000, PWR_CTRL, 1), vec![0x03], "back to sleep");
        assert_eq!(
            h.read(1_000, STATUS, 1),
            vec![STATUS_CMD_RDY | STATUS_DRDY_PRESS | STATUS_DRDY_TEMP]
        );
        let d = h.read(1_000, DATA_0, 6);
        assert_eq!(h.read(1_000, STATUS, 1), vec![STATUS_CMD_RDY]);
        let (p, t) = datasheet_compensate(&CALIBRATION.nvm_bytes(), raw24(&d[..3]), raw24(&d[3..]));
        assert!(
            (p - 101_325.0).abs() < 0.5 && (t - 21.5).abs() < 0.01,
            "{p} {t}"
        );
    }

    #[test]
    fn normal_mode_samples_at_odr_with_interleaved_burst_write() {
        let (mut h, pressure) = harness(FaultSchedule::default());
        // Interleaved burst write: ODR=2 (20 ms), then PWR_CTRL normal.
        h.write(0, &[ODR, 2, PWR_CTRL, 0x33]);
        assert_eq!(h.read(0, ODR, 1), vec![2]);
        assert_eq!(
            h.read(10_000_000, INT_STATUS, 1),
            vec![0],
            "first sample at 20 ms"
        );
        let first = h.read(20_000_000, DATA_0, 3);
        *pressure.lock().unwrap() = 90_000.0;
        assert_eq!(
            h.read(39_000_000, DATA_0, 3),
            first,
            "no new sample before 40 ms"
        );
        let second = h.read(40_000_000, DATA_0, 6);
        let (p, _) = datasheet_compensate(
            &CALIBRATION.nvm_bytes(),
            raw24(&second[..3]),
            raw24(&second[3..]),
        );
        assert!((p - 90_000.0).abs() < 0.5);
        h.write(40_000_000, &[CMD, CMD_SOFTRESET]);
        assert_eq!(h.read(40_000_000, PWR_CTRL, 1), vec![0]);
    }

    #[test]
    fn nak_and_bit_flip_faults() {
        let faults = FaultSchedule::new(vec![
            FaultWindow {
                start: 100,
                end: 200,
                fault: BusFault::Nak,
            },
            FaultWindow {
                start: 200,
                end: 300,
                fault: BusFault::BitFlip { bit: 7 },
            },
        ]);
        let (mut h, _) = harness(faults);
        assert!(!h.dev.start(false, 150));
        assert!(h.dev.start(false, 99));
        h.dev.stop(99);
        assert_eq!(h.read(250, CHIP_ID, 1), vec![0xd0]);
    }
}
