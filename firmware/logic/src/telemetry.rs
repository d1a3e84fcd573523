//! Telemetry messages carried in [`crate::frame`] frames.
//!
//! Message ids:
//! - [`ID_SAMPLE`] (0x01): one fused sensor sample, [`Sample`], 44-byte payload.
//! - [`ID_HEARTBEAT`] (0x10): flight-core heartbeat to the failsafe node,
//!   [`Heartbeat`], 2-byte payload.

/// Message id of [`Sample`].
pub const ID_SAMPLE: u8 = 0x01;
/// Message id of [`Heartbeat`].
pub const ID_HEARTBEAT: u8 = 0x10;

/// One sensor sample after voting. Payload layout (little-endian):
///
/// | off | type     | field        | unit                                   |
/// |-----|----------|--------------|----------------------------------------|
/// | 0   | u32      | `t_us`       | microseconds since boot (wraps)        |
/// | 4   | u8       | `source`     | 1 = fmu-m7, 2 = io-m4                  |
/// | 5   | u8       | `imu_healthy`| bit i set: IMU i in the vote           |
/// | 6   | u8       | `vote`       | [`crate::vote::Status`] as u8          |
/// | 7   | u8       | `gnss_fix`   | UBX NAV-PVT fixType (0 = no fix)       |
/// | 8   | i16 x3   | `accel_mg`   | voted acceleration, milli-g, X Y Z     |
/// | 14  | i32 x3   | `gyro_mdps`  | voted rate, milli-degrees/s, X Y Z     |
/// | 26  | u32      | `pressure_pa`| barometric pressure, pascal            |
/// | 30  | i16      | `temp_cdeg`  | baro temperature, centi-degrees C      |
/// | 32  | i32      | `lat_e7`     | latitude, degrees x 1e7                |
/// | 36  | i32      | `lon_e7`     | longitude, degrees x 1e7               |
/// | 40  | i32      | `height_mm`  | height above ellipsoid, millimetres    |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    pub t_us: u32,
    pub source: u8,
    pub imu_healthy: u8,
    pub vote: u8,
    pub gnss_fix: u8,
    pub accel_mg: [i16; 3],
    pub gyro_mdps: [i32; 3],
    pub pressure_pa: u32,
    pub temp_cdeg: i16,
    pub lat_e7: i32,
    pub lon_e7: i32,
    pub height_mm: i32,
}

/// [`Sample`] source value of the flight image.
pub const SOURCE_FMU_M7: u8 = 1;
/// [`Sample`] source value of the sensor I/O image.
pub const SOURCE_IO_M4: u8 = 2;

/// Payload length of [`Sample`].
pub const SAMPLE_LEN: usize = 44;

struct Writer<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        out.copy_from_slice(&self.buf[self.at..self.at + N]);
        self.at += N;
        out
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn i16(&mut self) -> i16 {
        i16::from_le_bytes(self.take())
    }
    fn i32(&mut self) -> i32 {
        i32::from_le_bytes(self.take())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
}

impl Sample {
    /// Writes the 44-byte payload.
    pub fn encode(&self, out: &mut [u8; SAMPLE_LEN]) {
        let mut w = Writer { buf: out, at: 0 };
        w.put(&self.t_us.to_le_bytes());
        w.put(&[self.source, self.imu_healthy, self.vote, self.gnss_fix]);
        for a in self.accel_mg {
            w.put(&a.to_le_bytes());
        }
        for g in self.gyro_mdps {
            w.put(&g.to_le_bytes());
        }
        w.put(&self.pressure_pa.to_le_bytes());
        w.put(&self.temp_cdeg.to_le_bytes());
        w.put(&self.lat_e7.to_le_bytes());
        w.put(&self.lon_e7.to_le_bytes());
        w.put(&self.height_mm.to_le_bytes());
    }

    /// Reads a payload; `None` unless it is exactly [`SAMPLE_LEN`] bytes.
    pub fn decode(payload: &[u8]) -> Option<Sample> {
        if payload.len() != SAMPLE_LEN {
            return None;
        }
        let mut r = Reader { buf: payload, at: 0 };
        Some(Sample {
            t_us: r.u32(),
            source: r.u8(),
            imu_healthy: r.u8(),
            vote: r.u8(),
            gnss_fix: r.u8(),
            accel_mg: [r.i16(), r.i16(), r.i16()],
            gyro_mdps: [r.i32(), r.i32(), r.i32()],
            pressure_pa: r.u32(),
            temp_cdeg: r.i16(),
            lat_e7: r.i32(),
            lon_e7: r.i32(),
            height_mm: r.i32(),
        })
    }
}

/// Heartbeat from the flight core. Payload: `state` u8 (0 = booting,
/// 1 = running, 2 = degraded), `vote` u8 ([`crate::vote::Status`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Heartbeat {
    pub state: u8,
    pub vote: u8,
}

/// Payload length of [`Heartbeat`].
pub const HEARTBEAT_LEN: usize = 2;

impl Heartbeat {
    pub fn encode(&self) -> [u8; HEARTBEAT_LEN] {
        [self.state, self.vote]
    }
    pub fn decode(payload: &[u8]) -> Option<Heartbeat> {
        match payload {
            [state, vote] => Some(Heartbeat { state: *state, vote: *vote }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_offsets_match_the_documented_table() {
        let s = Sample {
            t_us: 0x0403_0201,
            source: 5,
            imu_healthy: 6,
            vote: 7,
            gnss_fix: 8,
            accel_mg: [0x0A09, 0x0C0B, 0x0E0D],
            gyro_mdps: [0x1211_100F, 0x1615_1413, 0x1A19_1817],
            pressure_pa: 0x1E1D_1C1B,
            temp_cdeg: 0x201F,
            lat_e7: 0x2423_2221,
            lon_e7: 0x2827_2625,
            height_mm: 0x2C2B_2A29,
        };
        let mut out = [0; SAMPLE_LEN];
        s.encode(&mut out);
        let expected: Vec<u8> = (1..=SAMPLE_LEN as u8).collect();
        assert_eq!(out.as_slice(), expected.as_slice());
    }

    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn sample_round_trip() {
        bolero::check!().with_iterations(1000).with_type::<[u8; SAMPLE_LEN]>().for_each(|bytes| {
            let s = Sample::decode(bytes).unwrap();
            let mut out = [0; SAMPLE_LEN];
            s.encode(&mut out);
            assert_eq!(&out, bytes);
        });
    }

    #[test]
    fn wrong_lengths_are_rejected() {
        assert_eq!(Sample::decode(&[0; SAMPLE_LEN - 1]), None);
        assert_eq!(Sample::decode(&[0; SAMPLE_LEN + 1]), None);
        assert_eq!(Heartbeat::decode(&[1]), None);
        assert_eq!(Heartbeat::decode(&[1, 2]), Some(Heartbeat { state: 1, vote: 2 }));
    }
}
