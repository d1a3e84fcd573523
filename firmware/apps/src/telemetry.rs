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

/// A value with the time it was produced (microseconds since boot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timed<T> {
    pub at_us: u64,
    pub value: T,
}

/// The latest GNSS solution as telemetry reports it at `now_us`: no fix
/// once it is older than [`gale_logic::ubx::STALE_AFTER_US`] (a silent
/// receiver), `None` if there never was one.
pub fn gnss_at(gnss: Option<Timed<NavPvt>>, now_us: u64) -> Option<NavPvt> {
    gnss.map(|g| gale_logic::ubx::at_age(g.value, g.at_us, now_us))
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

    #[test]
    fn a_silent_gnss_is_reported_without_fix_after_the_timeout() {
        use gale_logic::ubx::STALE_AFTER_US;
        let pvt = NavPvt { fix_type: 3, num_sv: 12, lat_e7: 5, ..NavPvt::default() };
        let g = Some(Timed { at_us: 10_000, value: pvt });
        let state = FlightState { accel_mg: [0; 3], gyro_mdps: [0; 3], status: gale_logic::vote::Status::Nominal, healthy: 0, cycles: 0 };
        let fresh = sample(0, 1, &state, None, gnss_at(g, 10_000 + STALE_AFTER_US));
        assert_eq!(fresh.gnss_fix, 3);
        let stale = sample(0, 1, &state, None, gnss_at(g, 10_001 + STALE_AFTER_US));
        assert_eq!((stale.gnss_fix, stale.lat_e7), (0, 5));
        assert_eq!(sample(0, 1, &state, None, gnss_at(None, 0)).gnss_fix, 0);
    }
}
