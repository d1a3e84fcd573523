//! One entry point over every decoder and decision function, byte in and
//! byte out, so the native build and the wasm32 build can be run on the
//! same vectors and their outputs compared byte for byte
//! (firmware/logic-wasm-check). Total on any input: malformed input ends
//! the run early; output beyond `out.len()` is dropped.

use crate::{baro, crc, frame, heartbeat, imu, telemetry, ubx, vote};

/// What [`run`] exercises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Crc = 0,
    Frames = 1,
    Ubx = 2,
    Vote = 3,
    Heartbeat = 4,
    Imu = 5,
    Baro = 6,
    Sample = 7,
}

/// Number of kinds (0..KINDS are valid).
pub const KINDS: u8 = 8;

struct In<'a>(&'a [u8]);

impl In<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }
    fn i32(&mut self) -> Option<i32> {
        self.take().map(i32::from_le_bytes)
    }
}

struct Out<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Out<'_> {
    fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(slot) = self.buf.get_mut(self.at) {
                *slot = b;
                self.at += 1;
            }
        }
    }
    fn i32s(&mut self, v: &[i32]) {
        v.iter().for_each(|x| self.put(&x.to_le_bytes()));
    }
}

/// Runs `kind` (a [`Kind`] as u8) on `input`; returns the output length.
pub fn run(kind: u8, input: &[u8], out: &mut [u8]) -> usize {
    let mut o = Out { buf: out, at: 0 };
    let mut i = In(input);
    match kind {
        0 => o.put(&crc::crc16(input).to_le_bytes()),
        1 => frames(input, &mut o),
        2 => ubx_stream(input, &mut o),
        // These stop at the first incomplete record (`None`).
        3 => drop(votes(&mut i, &mut o)),
        4 => drop(beats(&mut i, &mut o)),
        5 => drop(imus(&mut i, &mut o)),
        6 => drop(baros(&mut i, &mut o)),
        7 => samples(input, &mut o),
        _ => {}
    }
    o.at
}

fn frames(input: &[u8], o: &mut Out<'_>) {
    let mut d = frame::Decoder::new();
    for &b in input {
        match d.push(b) {
            frame::Event::Pending => {}
            frame::Event::Frame(f) => {
                o.put(&[1, f.id]);
                o.put(&f.seq.to_le_bytes());
                o.put(&[f.payload().len() as u8]);
                o.put(f.payload());
            }
            frame::Event::CrcError => o.put(&[2]),
            frame::Event::BadLength => o.put(&[3]),
        }
    }
}

fn ubx_stream(input: &[u8], o: &mut Out<'_>) {
    let mut d = ubx::Decoder::new();
    for &b in input {
        match d.push(b) {
            ubx::Event::Pending => {}
            ubx::Event::Message(m) => {
                o.put(&[1, m.class, m.id]);
                o.put(&(m.payload().len() as u16).to_le_bytes());
                o.put(m.payload());
                if let Some(p) = ubx::NavPvt::parse(&m) {
                    o.put(&[4, p.fix_type, p.num_sv]);
                    o.put(&p.itow_ms.to_le_bytes());
                    o.i32s(&[p.lon_e7, p.lat_e7, p.height_mm]);
                }
            }
            ubx::Event::ChecksumError => o.put(&[2]),
            ubx::Event::TooLong => o.put(&[3]),
        }
    }
}

fn votes(i: &mut In<'_>, o: &mut Out<'_>) -> Option<()> {
    let config = vote::Config { tolerance: i.u16()? as u32, persistence: i.u8()?, recovery: i.u8()? };
    let mut v = vote::Voter::<3>::new(config);
    loop {
        let mut readings = [None; 3];
        for r in readings.iter_mut() {
            let present = i.u8()?;
            let value = [i.i32()?, i.i32()?, i.i32()?];
            *r = (present & 1 == 1).then_some(value);
        }
        let out = v.vote(readings);
        o.i32s(&out.value);
        o.put(&[out.status as u8, out.in_vote, out.isolated]);
    }
}

fn beats(i: &mut In<'_>, o: &mut Out<'_>) -> Option<()> {
    let config = heartbeat::Config { timeout_ms: i.u16()? as u32, recover_beats: i.u8()? };
    let mut m = heartbeat::Monitor::new(config, 0);
    let mut now = 0u32;
    loop {
        now = now.wrapping_add(i.u8()? as u32);
        let state = if i.u8()? & 1 == 1 { m.beat(now) } else { m.poll(now) };
        o.put(&[state as u8]);
    }
}

fn imus(i: &mut In<'_>, o: &mut Out<'_>) -> Option<()> {
    const ACCEL: [imu::AccelScale; 4] = [imu::AccelScale::G16, imu::AccelScale::G8, imu::AccelScale::G4, imu::AccelScale::G2];
    const GYRO: [imu::GyroScale; 4] = [imu::GyroScale::Dps2000, imu::GyroScale::Dps1000, imu::GyroScale::Dps500, imu::GyroScale::Dps250];
    loop {
        let sel = i.u8()? as usize;
        let raw = imu::Raw::from_burst(&i.take::<{ imu::BURST_LEN }>()?);
        let s = imu::scale(&raw, ACCEL[sel % 4], GYRO[(sel / 4) % 4]);
        o.i32s(&s.accel_mg);
        o.i32s(&s.gyro_mdps);
        o.i32s(&[s.temp_cdeg]);
    }
}

fn baros(i: &mut In<'_>, o: &mut Out<'_>) -> Option<()> {
    let calib = baro::Calib::from_nvm(&baro::Nvm::parse(&i.take::<{ baro::CALIB_LEN }>()?));
    loop {
        let (p, t) = baro::split_data(&i.take::<6>()?);
        let (pa, cdeg) = baro::compensate(&calib, p, t);
        o.put(&pa.to_le_bytes());
        o.put(&cdeg.to_le_bytes());
    }
}

fn samples(input: &[u8], o: &mut Out<'_>) {
    for (seq, chunk) in input.chunks_exact(telemetry::SAMPLE_LEN).enumerate() {
        if let Some(s) = telemetry::Sample::decode(chunk) {
            let mut p = [0; telemetry::SAMPLE_LEN];
            s.encode(&mut p);
            let mut f = [0; frame::MAX_FRAME];
            if let Ok(n) = frame::encode(telemetry::ID_SAMPLE, seq as u16, &p, &mut f) {
                o.put(&f[..n]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_produces_output_on_a_well_formed_vector() {
        let mut out = [0u8; 512];
        assert_eq!(run(Kind::Crc as u8, b"123456789", &mut out), 2);
        assert_eq!(u16::from_le_bytes([out[0], out[1]]), 0x29B1);
        let mut f = [0; frame::MAX_FRAME];
        let n = frame::encode(0x10, 3, &[1, 2], &mut f).unwrap();
        assert_eq!(run(Kind::Frames as u8, &f[..n], &mut out), 7);
        assert_eq!(&out[..7], &[1, 0x10, 3, 0, 2, 1, 2]);
        let mut vote_in = vec![100, 0, 2, 3];
        for _ in 0..3 {
            vote_in.push(1);
            vote_in.extend_from_slice(&[7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        }
        assert_eq!(run(Kind::Vote as u8, &vote_in, &mut out), 15);
        assert_eq!(&out[..4], &7i32.to_le_bytes());
        assert_eq!(run(Kind::Heartbeat as u8, &[10, 0, 1, 5, 1, 20, 0], &mut out), 2);
        assert_eq!(&out[..2], &[1, 2], "beat at 5 ms -> normal; poll at 25 ms -> tripped");
    }

    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn never_panics_and_respects_the_output_bound() {
        bolero::check!().with_iterations(1000).with_type::<(u8, Vec<u8>, u8)>().for_each(|(kind, input, cap)| {
            let mut out = vec![0u8; *cap as usize];
            assert!(run(kind % (KINDS + 1), input, &mut out) <= out.len());
        });
    }
}
