//! u-blox UBX protocol: streaming frame decoder, encoder and NAV-PVT parsing.
//!
//! Frame: `0xB5 0x62`, class u8, id u8, length u16 LE, payload, CK_A, CK_B
//! (8-bit Fletcher over class, id, length and payload).

use crate::payload::Payload;

/// Sync characters.
pub const SYNC: [u8; 2] = [0xB5, 0x62];
/// Largest payload kept; longer frames are skipped (NAV-PVT is 92 bytes).
pub const MAX_PAYLOAD: usize = 100;
/// NAV-PVT class and id.
pub const NAV_PVT: (u8, u8) = (0x01, 0x07);
/// NAV-PVT payload length.
pub const NAV_PVT_LEN: usize = 92;

/// Fletcher checksum over `data`, continuing from `(a, b)`.
pub fn checksum(mut ck: (u8, u8), data: &[u8]) -> (u8, u8) {
    for &x in data {
        ck.0 = ck.0.wrapping_add(x);
        ck.1 = ck.1.wrapping_add(ck.0);
    }
    ck
}

/// A complete UBX message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub class: u8,
    pub id: u8,
    pub payload: Payload<MAX_PAYLOAD>,
}

impl Message {
    pub fn payload(&self) -> &[u8] {
        self.payload.as_slice()
    }
}

/// What one byte did to the decoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Pending,
    Message(Message),
    ChecksumError,
    /// A frame longer than [`MAX_PAYLOAD`] was announced; it is skipped.
    TooLong,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Sync0,
    Sync1,
    Class,
    Id,
    Len0,
    Len1,
    Payload,
    CkA,
    CkB,
}

/// Byte-at-a-time UBX decoder; never panics.
#[derive(Clone, Debug)]
pub struct Decoder {
    state: State,
    msg: Message,
    len_lo: u8,
    ck: (u8, u8),
    ck_a: u8,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    pub const fn new() -> Self {
        Decoder { state: State::Sync0, msg: Message { class: 0, id: 0, payload: Payload::new() }, len_lo: 0, ck: (0, 0), ck_a: 0 }
    }

    pub fn push(&mut self, byte: u8) -> Event {
        let sum = |ck: (u8, u8)| checksum(ck, &[byte]);
        match self.state {
            State::Sync0 => {
                if byte == SYNC[0] {
                    self.state = State::Sync1;
                }
            }
            State::Sync1 => {
                self.state = match byte {
                    b if b == SYNC[1] => State::Class,
                    b if b == SYNC[0] => State::Sync1,
                    _ => State::Sync0,
                }
            }
            State::Class => {
                self.msg.class = byte;
                self.ck = sum((0, 0));
                self.state = State::Id;
            }
            State::Id => {
                self.msg.id = byte;
                self.ck = sum(self.ck);
                self.state = State::Len0;
            }
            State::Len0 => {
                self.len_lo = byte;
                self.ck = sum(self.ck);
                self.state = State::Len1;
            }
            State::Len1 => {
                self.ck = sum(self.ck);
                if !self.msg.payload.start(u16::from_le_bytes([self.len_lo, byte])) {
                    self.state = State::Sync0;
                    return Event::TooLong;
                }
                self.state = if self.msg.payload.is_empty() { State::CkA } else { State::Payload };
            }
            State::Payload => {
                self.ck = sum(self.ck);
                if self.msg.payload.push(byte) {
                    self.state = State::CkA;
                }
            }
            State::CkA => {
                self.ck_a = byte;
                self.state = State::CkB;
            }
            State::CkB => {
                self.state = State::Sync0;
                return if (self.ck_a, byte) == self.ck { Event::Message(self.msg) } else { Event::ChecksumError };
            }
        }
        Event::Pending
    }
}

/// Encodes a UBX frame into `out`; returns its length, or `None` if `out`
/// is too small or the payload exceeds u16.
pub fn encode(class: u8, id: u8, payload: &[u8], out: &mut [u8]) -> Option<usize> {
    let n = payload.len();
    let len = u16::try_from(n).ok()?;
    let total = n + 8;
    let out = out.get_mut(..total)?;
    out[..2].copy_from_slice(&SYNC);
    out[2] = class;
    out[3] = id;
    out[4..6].copy_from_slice(&len.to_le_bytes());
    out[6..6 + n].copy_from_slice(payload);
    let ck = checksum((0, 0), &out[2..6 + n]);
    out[6 + n] = ck.0;
    out[7 + n] = ck.1;
    Some(total)
}

/// The NAV-PVT fields the flight image uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NavPvt {
    /// GPS time of week, ms (offset 0).
    pub itow_ms: u32,
    /// Fix type (offset 20): 0 none, 2 2D, 3 3D.
    pub fix_type: u8,
    /// Satellites used (offset 23).
    pub num_sv: u8,
    /// Longitude, deg x 1e7 (offset 24).
    pub lon_e7: i32,
    /// Latitude, deg x 1e7 (offset 28).
    pub lat_e7: i32,
    /// Height above ellipsoid, mm (offset 32).
    pub height_mm: i32,
}

/// A GNSS solution is **stale** once it is more than this old (two missed
/// epochs of a 5 Hz receiver): telemetry then reports no fix.
pub const STALE_AFTER_US: u64 = 400_000;

/// `pvt`, received at `received_us`, as it stands at `now_us`: unchanged
/// while at most [`STALE_AFTER_US`] old; after that `fix_type` and
/// `num_sv` are 0 (no fix) and the position fields keep the last solution
/// (the last known position, not a current one). A receive time after
/// `now_us` counts as age 0.
pub fn at_age(pvt: NavPvt, received_us: u64, now_us: u64) -> NavPvt {
    if now_us.saturating_sub(received_us) > STALE_AFTER_US {
        NavPvt { fix_type: 0, num_sv: 0, ..pvt }
    } else {
        pvt
    }
}

fn le_u32(p: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([p[at], p[at + 1], p[at + 2], p[at + 3]])
}

impl NavPvt {
    /// Parses a NAV-PVT message; `None` for any other message or length.
    pub fn parse(msg: &Message) -> Option<NavPvt> {
        if (msg.class, msg.id) != NAV_PVT || msg.payload.len() != NAV_PVT_LEN {
            return None;
        }
        let p = msg.payload();
        Some(NavPvt {
            itow_ms: le_u32(p, 0),
            fix_type: p[20],
            num_sv: p[23],
            lon_e7: le_u32(p, 24) as i32,
            lat_e7: le_u32(p, 28) as i32,
            height_mm: le_u32(p, 32) as i32,
        })
    }

    /// Writes a NAV-PVT payload carrying these fields (others zero).
    pub fn to_payload(&self) -> [u8; NAV_PVT_LEN] {
        let mut p = [0; NAV_PVT_LEN];
        p[0..4].copy_from_slice(&self.itow_ms.to_le_bytes());
        p[20] = self.fix_type;
        p[23] = self.num_sv;
        p[24..28].copy_from_slice(&self.lon_e7.to_le_bytes());
        p[28..32].copy_from_slice(&self.lat_e7.to_le_bytes());
        p[32..36].copy_from_slice(&self.height_mm.to_le_bytes());
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Vec<Message> {
        let mut d = Decoder::new();
        bytes
            .iter()
            .filter_map(|b| match d.push(*b) {
                Event::Message(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn known_ack_frame_checksum() {
        // UBX-ACK-ACK for CFG-PRT (0x06 0x00): checksum bytes 0x0E 0x37.
        let mut out = [0; 16];
        let n = encode(0x05, 0x01, &[0x06, 0x00], &mut out).unwrap();
        assert_eq!(&out[..n], &[0xB5, 0x62, 0x05, 0x01, 0x02, 0x00, 0x06, 0x00, 0x0E, 0x37]);
    }

    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn nav_pvt_round_trip_through_the_stream() {
        bolero::check!().with_iterations(1000).with_type::<(u32, u8, u8, i32, i32, i32, Vec<u8>)>().for_each(
            |&(itow, fix, sv, lon, lat, h, ref junk)| {
                let pvt = NavPvt { itow_ms: itow, fix_type: fix, num_sv: sv, lon_e7: lon, lat_e7: lat, height_mm: h };
                let mut out = [0; NAV_PVT_LEN + 8];
                let n = encode(NAV_PVT.0, NAV_PVT.1, &pvt.to_payload(), &mut out).unwrap();
                let mut stream: Vec<u8> = junk.iter().map(|b| if *b == SYNC[0] { 0 } else { *b }).collect();
                stream.extend_from_slice(&out[..n]);
                let msgs = decode(&stream);
                assert_eq!(msgs.len(), 1);
                assert_eq!(NavPvt::parse(&msgs[0]), Some(pvt));
            },
        );
    }

    #[test]
    fn corrupted_payload_is_rejected() {
        let mut out = [0; NAV_PVT_LEN + 8];
        let n = encode(1, 7, &NavPvt::default().to_payload(), &mut out).unwrap();
        out[30] ^= 0x40;
        assert!(decode(&out[..n]).is_empty());
    }

    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn arbitrary_bytes_never_panic() {
        bolero::check!().with_iterations(1000).for_each(|bytes: &[u8]| {
            for m in decode(bytes) {
                NavPvt::parse(&m);
            }
        });
    }

    #[test]
    fn a_solution_is_fresh_up_to_the_timeout_and_then_has_no_fix() {
        let pvt = NavPvt { itow_ms: 1, fix_type: 3, num_sv: 12, lon_e7: 2, lat_e7: 3, height_mm: 4 };
        assert_eq!(at_age(pvt, 1_000, 1_000 + STALE_AFTER_US), pvt);
        let stale = at_age(pvt, 1_000, 1_001 + STALE_AFTER_US);
        assert_eq!((stale.fix_type, stale.num_sv), (0, 0));
        assert_eq!((stale.lat_e7, stale.lon_e7, stale.height_mm), (3, 2, 4));
        assert_eq!(at_age(pvt, 5_000, 1_000), pvt);
    }

    /// For any solution and times: the fix is reported iff the solution had
    /// one and is at most STALE_AFTER_US old; the position is never changed.
    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn staleness_matches_the_rule() {
        bolero::check!().with_iterations(1000).with_type::<(u8, u8, i32, u64, u64)>().for_each(|(fix, sv, lat, received, now)| {
            let pvt = NavPvt { itow_ms: 0, fix_type: *fix, num_sv: *sv, lon_e7: 0, lat_e7: *lat, height_mm: 0 };
            let age = now.checked_sub(*received).unwrap_or(0);
            let out = at_age(pvt, *received, *now);
            assert_eq!(out.fix_type, if age <= STALE_AFTER_US { *fix } else { 0 });
            assert_eq!(out.num_sv, if age <= STALE_AFTER_US { *sv } else { 0 });
            assert_eq!(out.lat_e7, *lat);
        });
    }
}
