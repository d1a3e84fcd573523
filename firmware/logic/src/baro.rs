//! BMP388 calibration and compensation (Bosch BST-BMP388-DS001 §9, floating
//! point variant). Pure arithmetic on f64, which is IEEE-754 identical on
//! the targets, natively and in wasm32.

/// First calibration register (NVM_PAR_T1 LSB).
pub const REG_CALIB: u8 = 0x31;
/// Calibration block length (0x31..=0x45).
pub const CALIB_LEN: usize = 21;
/// First data register (DATA_0, pressure XLSB); 6 bytes: pressure, temperature.
pub const REG_DATA: u8 = 0x04;

/// The integer calibration words as stored in NVM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Nvm {
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

impl Nvm {
    pub fn parse(b: &[u8; CALIB_LEN]) -> Nvm {
        let u16le = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        Nvm {
            t1: u16le(0),
            t2: u16le(2),
            t3: b[4] as i8,
            p1: u16le(5) as i16,
            p2: u16le(7) as i16,
            p3: b[9] as i8,
            p4: b[10] as i8,
            p5: u16le(11),
            p6: u16le(13),
            p7: b[15] as i8,
            p8: b[16] as i8,
            p9: u16le(17) as i16,
            p10: b[19] as i8,
            p11: b[20] as i8,
        }
    }
}

fn pow2(e: i32) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// Calibration coefficients in floating point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calib {
    t: [f64; 3],
    p: [f64; 11],
}

impl Calib {
    pub fn from_nvm(n: &Nvm) -> Calib {
        Calib {
            t: [n.t1 as f64 * pow2(8), n.t2 as f64 / pow2(30), n.t3 as f64 / pow2(48)],
            p: [
                (n.p1 as f64 - pow2(14)) / pow2(20),
                (n.p2 as f64 - pow2(14)) / pow2(29),
                n.p3 as f64 / pow2(32),
                n.p4 as f64 / pow2(37),
                n.p5 as f64 * pow2(3),
                n.p6 as f64 / pow2(6),
                n.p7 as f64 / pow2(8),
                n.p8 as f64 / pow2(15),
                n.p9 as f64 / pow2(48),
                n.p10 as f64 / pow2(48),
                n.p11 as f64 / pow2(65),
            ],
        }
    }

    /// Linearised temperature in °C from the raw 24-bit temperature.
    pub fn temperature(&self, raw_t: u32) -> f64 {
        let d1 = raw_t as f64 - self.t[0];
        let d2 = d1 * self.t[1];
        d2 + d1 * d1 * self.t[2]
    }

    /// Pressure in Pa from the raw 24-bit pressure and the linearised temperature.
    pub fn pressure(&self, raw_p: u32, t_lin: f64) -> f64 {
        let p = &self.p;
        let (t2, t3) = (t_lin * t_lin, t_lin * t_lin * t_lin);
        let out1 = p[4] + p[5] * t_lin + p[6] * t2 + p[7] * t3;
        let up = raw_p as f64;
        let out2 = up * (p[0] + p[1] * t_lin + p[2] * t2 + p[3] * t3);
        let up2 = up * up;
        let out3 = up2 * (p[8] + p[9] * t_lin) + up2 * up * p[10];
        out1 + out2 + out3
    }
}

/// Raw pressure and temperature from the 6 data bytes (24-bit little-endian each).
pub fn split_data(b: &[u8; 6]) -> (u32, u32) {
    (u32::from_le_bytes([b[0], b[1], b[2], 0]), u32::from_le_bytes([b[3], b[4], b[5], 0]))
}

/// Compensated (pressure Pa rounded, temperature centi-degrees rounded),
/// saturated to the integer ranges.
pub fn compensate(c: &Calib, raw_p: u32, raw_t: u32) -> (u32, i16) {
    let t = c.temperature(raw_t);
    let p = c.pressure(raw_p, t);
    let round = |x: f64| if x >= 0.0 { x + 0.5 } else { x - 0.5 };
    // `as` saturates and maps NaN to 0.
    (round(p) as u32, round(t * 100.0) as i16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvm_layout_follows_the_register_map() {
        let b: [u8; CALIB_LEN] = core::array::from_fn(|i| i as u8 + 1);
        let n = Nvm::parse(&b);
        assert_eq!((n.t1, n.t2, n.t3), (0x0201, 0x0403, 5));
        assert_eq!((n.p1, n.p2, n.p3, n.p4), (0x0706, 0x0908, 10, 11));
        assert_eq!((n.p5, n.p6, n.p7, n.p8), (0x0D0C, 0x0F0E, 16, 17));
        assert_eq!((n.p9, n.p10, n.p11), (0x1312, 20, 21));
    }

    #[test]
    fn linear_terms_only() {
        // T3 = 0: t = (raw - T1*2^8) * T2 / 2^30.
        let n = Nvm { t1: 100, t2: 1 << 10, p1: 1 << 14, p2: 1 << 14, p5: 12_500, p6: 0, ..Default::default() };
        let c = Calib::from_nvm(&n);
        let raw_t = 100 * 256 + 25 * (1 << 20);
        assert_eq!(c.temperature(raw_t), 25.0);
        // P1 = P2 = 2^14 (their zero points) and the rest zero: pressure = P5 * 8.
        assert_eq!(compensate(&c, 123_456, raw_t), (100_000, 2500));
    }

    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn never_panics_on_any_calibration() {
        bolero::check!().with_iterations(1000).with_type::<([u8; CALIB_LEN], [u8; 6])>().for_each(|(cal, data)| {
            let c = Calib::from_nvm(&Nvm::parse(cal));
            let (p, t) = split_data(data);
            compensate(&c, p, t);
        });
    }
}
