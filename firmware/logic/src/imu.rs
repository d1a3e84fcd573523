//! ICM-42688-P sample decoding and scaling (datasheet DS-000347 §14).
//!
//! A burst read of 14 bytes starting at TEMP_DATA1 (0x1D) returns, big-endian
//! i16 each: temperature, accel X, Y, Z, gyro X, Y, Z.

/// Accelerometer full scale (ACCEL_CONFIG0.ACCEL_FS_SEL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccelScale {
    G16 = 0,
    G8 = 1,
    G4 = 2,
    G2 = 3,
}

/// Gyroscope full scale (GYRO_CONFIG0.GYRO_FS_SEL), the four widest ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GyroScale {
    Dps2000 = 0,
    Dps1000 = 1,
    Dps500 = 2,
    Dps250 = 3,
}

impl AccelScale {
    /// Sensitivity in LSB per g.
    pub const fn lsb_per_g(self) -> i32 {
        2048 << (self as i32)
    }
}

impl GyroScale {
    /// Sensitivity in LSB per dps, times 10 (16.4, 32.8, 65.5, 131).
    pub const fn lsb_per_dps_x10(self) -> i32 {
        match self {
            GyroScale::Dps2000 => 164,
            GyroScale::Dps1000 => 328,
            GyroScale::Dps500 => 655,
            GyroScale::Dps250 => 1310,
        }
    }
}

/// Raw register values of one sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Raw {
    pub temp: i16,
    pub accel: [i16; 3],
    pub gyro: [i16; 3],
}

/// Length of the TEMP_DATA1..GYRO_DATA_Z0 burst.
pub const BURST_LEN: usize = 14;
/// First register of the burst.
pub const REG_TEMP_DATA1: u8 = 0x1D;

impl Raw {
    pub fn from_burst(b: &[u8; BURST_LEN]) -> Raw {
        let w = |i: usize| i16::from_be_bytes([b[2 * i], b[2 * i + 1]]);
        Raw { temp: w(0), accel: [w(1), w(2), w(3)], gyro: [w(4), w(5), w(6)] }
    }

    pub fn to_burst(&self) -> [u8; BURST_LEN] {
        let mut b = [0; BURST_LEN];
        let words = [self.temp, self.accel[0], self.accel[1], self.accel[2], self.gyro[0], self.gyro[1], self.gyro[2]];
        for (i, w) in words.iter().enumerate() {
            b[2 * i..2 * i + 2].copy_from_slice(&w.to_be_bytes());
        }
        b
    }
}

/// A scaled sample in integer engineering units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scaled {
    /// Milli-g, rounded toward zero.
    pub accel_mg: [i32; 3],
    /// Milli-degrees per second, rounded toward zero.
    pub gyro_mdps: [i32; 3],
    /// Centi-degrees C: temp / 132.48 + 25 °C.
    pub temp_cdeg: i32,
}

/// Scales a raw sample.
pub fn scale(raw: &Raw, accel: AccelScale, gyro: GyroScale) -> Scaled {
    let a = |v: i16| v as i32 * 1000 / accel.lsb_per_g();
    let g = |v: i16| (v as i64 * 10_000 / gyro.lsb_per_dps_x10() as i64) as i32;
    Scaled { accel_mg: raw.accel.map(a), gyro_mdps: raw.gyro.map(g), temp_cdeg: raw.temp as i32 * 10_000 / 13_248 + 2500 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_g_and_one_hundred_dps_at_default_scales() {
        let raw = Raw { temp: 0, accel: [2048, -2048, 0], gyro: [1640, -164, 0] };
        let s = scale(&raw, AccelScale::G16, GyroScale::Dps2000);
        assert_eq!(s.accel_mg, [1000, -1000, 0]);
        assert_eq!(s.gyro_mdps, [100_000, -10_000, 0]);
        assert_eq!(s.temp_cdeg, 2500);
    }

    #[test]
    fn burst_is_big_endian_in_register_order() {
        let b = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E];
        let r = Raw::from_burst(&b);
        assert_eq!(r.temp, 0x0102);
        assert_eq!(r.accel, [0x0304, 0x0506, 0x0708]);
        assert_eq!(r.gyro, [0x090A, 0x0B0C, 0x0D0E]);
        assert_eq!(r.to_burst(), b);
    }

    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn scaling_is_monotonic_and_never_overflows() {
        bolero::check!().with_iterations(1000).with_type::<(i16, i16, u8)>().for_each(|&(x, y, sel)| {
            let (a, g) = (
                [AccelScale::G16, AccelScale::G8, AccelScale::G4, AccelScale::G2][sel as usize % 4],
                [GyroScale::Dps2000, GyroScale::Dps1000, GyroScale::Dps500, GyroScale::Dps250][sel as usize / 64],
            );
            let sx = scale(&Raw { temp: x, accel: [x; 3], gyro: [x; 3] }, a, g);
            let sy = scale(&Raw { temp: y, accel: [y; 3], gyro: [y; 3] }, a, g);
            if x <= y {
                assert!(sx.accel_mg[0] <= sy.accel_mg[0] && sx.gyro_mdps[0] <= sy.gyro_mdps[0] && sx.temp_cdeg <= sy.temp_cdeg);
            }
            assert!(sx.accel_mg[0].abs() <= 16_000 && sx.gyro_mdps[0].abs() <= 2_000_000);
        });
    }
}
