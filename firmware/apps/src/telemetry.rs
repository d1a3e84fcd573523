//! Building the telemetry and heartbeat frames (format: `gale-logic`
//! `frame` and `telemetry`, documented in firmware/README.md).

use gale_logic::frame::{self, MAX_FRAME};
use gale_logic::telemetry::{Heartbeat, Sample, ID_HEARTBEAT, ID_SAMPLE, SAMPLE_LEN};
use gale_logic::ubx::NavPvt;

use crate::flight::FlightState;

/// Latest barometer reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Baro {
    pub pressure_pa: u32,
    pub temp_cdeg: i16,
}

fn sat16(v: i32) -> i16 {
    v.clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

/// The sample payload from the latest state of each sensor.
pub fn sample(t_us: u32, source: u8, flight: &FlightState, baro: Option<Baro>, gnss: Option<NavPvt>) -> Sample {
    let baro = baro.unwrap_or_default();
    let gnss = gnss.unwrap_or_default();
    Sample {
        t_us,
        source,
        imu_healthy: flight.healthy,
        vote: flight.status as u8,
        gnss_fix: gnss.fix_type,
        accel_mg: flight.accel_mg.map(sat16),
        gyro_mdps: flight.gyro_mdps,
        pressure_pa: baro.pressure_pa,
        temp_cdeg: baro.temp_cdeg,
        lat_e7: gnss.lat_e7,
        lon_e7: gnss.lon_e7,
        height_mm: gnss.height_mm,
    }
}

/// Frames numbered by a running sequence counter.
#[derive(Default)]
pub struct Framer {
    seq: u16,
}

impl Framer {
    pub const fn new() -> Self {
        Framer { seq: 0 }
    }

    fn frame(&mut self, id: u8, payload: &[u8], out: &mut [u8; MAX_FRAME]) -> usize {
        // Payloads here are at most SAMPLE_LEN (44) < MAX_PAYLOAD (64).
        let n = frame::encode(id, self.seq, payload, out).unwrap_or(0);
        self.seq = self.seq.wrapping_add(1);
        n
    }

    /// Encodes a sample frame; returns its length.
    pub fn sample(&mut self, s: &Sample, out: &mut [u8; MAX_FRAME]) -> usize {
        let mut p = [0; SAMPLE_LEN];
        s.encode(&mut p);
        self.frame(ID_SAMPLE, &p, out)
    }

    /// Encodes a heartbeat frame; returns its length.
    pub fn heartbeat(&mut self, hb: &Heartbeat, out: &mut [u8; MAX_FRAME]) -> usize {
        self.frame(ID_HEARTBEAT, &hb.encode(), out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gale_logic::frame::{Decoder, Event};
    use gale_logic::vote::Status;

    #[test]
    fn sample_frames_decode_with_incrementing_sequence() {
        let flight = FlightState { accel_mg: [1, 2, 40_000], gyro_mdps: [3, 4, 5], status: Status::Degraded, healthy: 0b011, cycles: 9 };
        let s = sample(1234, 1, &flight, Some(Baro { pressure_pa: 101_325, temp_cdeg: 2100 }), None);
        let mut f = Framer::new();
        let mut d = Decoder::new();
        for seq in 0..3u16 {
            let mut out = [0; MAX_FRAME];
            let n = f.sample(&s, &mut out);
            let got = out[..n].iter().map(|b| d.push(*b)).find_map(|e| match e {
                Event::Frame(fr) => Some(fr),
                _ => None,
            });
            let fr = got.expect("a frame");
            assert_eq!((fr.id, fr.seq), (ID_SAMPLE, seq));
            let back = Sample::decode(fr.payload()).unwrap();
            assert_eq!(back.accel_mg, [1, 2, i16::MAX], "saturated to i16");
            assert_eq!((back.vote, back.imu_healthy, back.pressure_pa), (1, 0b011, 101_325));
        }
    }
}
