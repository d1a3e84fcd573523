//! u-blox GNSS receiver on a UART, sending UBX-NAV-PVT (class 0x01, id
//! 0x07, 92-byte payload; u-blox 8 / M8 receiver description, section
//! "UBX-NAV-PVT") at a fixed navigation rate.
//!
//! Inputs ([`GnssInputs`]): latitude and longitude in degrees, height above
//! the ellipsoid in metres, velocity north / east / down in m/s. hMSL is
//! height minus [`UbloxConfig::geoid_separation_m`]. Ground speed and
//! heading of motion are derived from the north and east velocities.
//!
//! Timing: epoch k (k = 0, 1, ...) starts at `first_epoch + k / rate_hz`;
//! its 100-byte frame (sync, class, id, length, payload, CK_A, CK_B) leaves
//! at the configured baud rate, one byte every 10 bit times (8N1). An epoch
//! that falls while the previous frame is still being sent is skipped.
//! UTC date and time are `start_unix_s` plus virtual time; iTOW is GPS time
//! of week (GPS = UTC + 18 s). Bytes the MCU sends (configuration
//! messages) are heard and ignored.
//!
//! Bus faults: `BadChecksum` (active at the epoch) inverts CK_A and CK_B;
//! `FramingError` delivers bytes as [`UartSymbol::FramingError`];
//! `BitFlip` corrupts bytes; `Disconnect` silences the bytes it covers.

use crate::bus::Source;
use crate::fault::{BusFault, FaultSchedule};
use crate::sensors::framed_tx::{FrameMaker, FramedTx};
use gale_trace::Nanos;

pub const UBX_SYNC: [u8; 2] = [0xb5, 0x62];
pub const NAV_PVT_CLASS: u8 = 0x01;
pub const NAV_PVT_ID: u8 = 0x07;
pub const NAV_PVT_LEN: usize = 92;
/// GPS time minus UTC (leap seconds since 1980, valid since 2017).
pub const GPS_LEAP_SECONDS: i64 = 18;
/// The GPS epoch 1980-01-06T00:00:00Z as a Unix time.
const GPS_EPOCH_UNIX: i64 = 315_964_800;
const SECONDS_PER_WEEK: i64 = 604_800;

// NAV-PVT flag bits.
const VALID_DATE: u8 = 1 << 0;
const VALID_TIME: u8 = 1 << 1;
const VALID_FULLY_RESOLVED: u8 = 1 << 2;
const FLAGS_GNSS_FIX_OK: u8 = 1 << 0;

/// Fixed accuracy figures reported in every NAV-PVT.
const T_ACC_NS: u32 = 20;
const S_ACC_MM_S: u32 = 300;
const HEAD_ACC_1E5_DEG: u32 = 500_000;
const P_DOP_1E2: u16 = 120;

/// The quantities the receiver reports.
pub struct GnssInputs {
    pub lat_deg: Box<dyn Source>,
    pub lon_deg: Box<dyn Source>,
    /// Height above the WGS-84 ellipsoid, m.
    pub height_m: Box<dyn Source>,
    /// Velocity north, east, down, m/s.
    pub vel_ned: [Box<dyn Source>; 3],
}

/// Receiver settings.
#[derive(Clone, Debug, PartialEq)]
pub struct UbloxConfig {
    /// UART baud rate (8N1: 10 bit times per byte).
    pub baud: u32,
    /// Navigation rate, solutions per second.
    pub rate_hz: f64,
    /// Time of the first epoch.
    pub first_epoch: Nanos,
    /// NAV-PVT fixType: 0 none, 2 2D, 3 3D, ...
    pub fix_type: u8,
    pub num_sv: u8,
    /// UTC at virtual time 0, as Unix seconds.
    pub start_unix_s: i64,
    /// Geoid separation (ellipsoid height minus hMSL), m.
    pub geoid_separation_m: f64,
    pub h_acc_mm: u32,
    pub v_acc_mm: u32,
}

impl Default for UbloxConfig {
    /// 115200 baud, 5 Hz, 3D fix with 12 satellites, first epoch at 200 ms,
    /// UTC starting 2026-01-01T00:00:00Z.
    fn default() -> Self {
        UbloxConfig {
            baud: 115_200,
            rate_hz: 5.0,
            first_epoch: 200_000_000,
            fix_type: 3,
            num_sv: 12,
            start_unix_s: 1_767_225_600,
            geoid_separation_m: 0.0,
            h_acc_mm: 1_500,
            v_acc_mm: 2_500,
        }
    }
}

/// The 8-bit Fletcher checksum over class, id, length and payload.
pub fn fletcher(data: &[u8]) -> (u8, u8) {
    data.iter().fold((0u8, 0u8), |(a, b), &x| {
        let a = a.wrapping_add(x);
        (a, b.wrapping_add(a))
    })
}

/// Civil date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

/// The NAV-PVT frames a u-blox receiver sends each navigation epoch.
pub struct NavPvt {
    inputs: GnssInputs,
    config: UbloxConfig,
    faults: FaultSchedule,
}

/// A u-blox receiver: NAV-PVT frames at the navigation rate, paced at the
/// baud rate, with the bus faults of its schedule.
pub type Ublox = FramedTx<NavPvt>;

impl Ublox {
    pub fn new(inputs: GnssInputs, config: UbloxConfig, faults: FaultSchedule) -> Self {
        let (baud, rate, first) = (config.baud, config.rate_hz, config.first_epoch);
        FramedTx::with_maker(
            NavPvt {
                inputs,
                config,
                faults: faults.clone(),
            },
            baud,
            rate,
            first,
            faults,
        )
    }

    /// The NAV-PVT payload for the solution at time `t`.
    pub fn nav_pvt(&self, t: Nanos) -> [u8; NAV_PVT_LEN] {
        self.maker().nav_pvt(t)
    }
}

impl NavPvt {
    /// The NAV-PVT payload for the solution at time `t`.
    pub fn nav_pvt(&self, t: Nanos) -> [u8; NAV_PVT_LEN] {
        let c = &self.config;
        let unix_ns = c.start_unix_s as i128 * 1_000_000_000 + t as i128;
        let unix_s = unix_ns.div_euclid(1_000_000_000) as i64;
        let nano = unix_ns.rem_euclid(1_000_000_000) as i32;
        let (year, month, day) = civil_from_days(unix_s.div_euclid(86_400));
        let sod = unix_s.rem_euclid(86_400);
        let gps_s = unix_s - GPS_EPOCH_UNIX + GPS_LEAP_SECONDS;
        let itow = (gps_s.rem_euclid(SECONDS_PER_WEEK) * 1_000 + nano as i64 / 1_000_000) as u32;
        let fix = c.fix_type >= 2;
        let v = |s: &dyn Source, scale: f64| (s.value(t) * scale).round() as i32;
        let height = self.inputs.height_m.value(t);
        let [vn, ve, vd] = [0, 1, 2].map(|i| self.inputs.vel_ned[i].value(t));
        let heading = ve.atan2(vn).to_degrees().rem_euclid(360.0);
        let head_1e5 = (heading * 1e5).round() as i32;

        let mut p = [0u8; NAV_PVT_LEN];
        let mut put = |at: usize, bytes: &[u8]| p[at..at + bytes.len()].copy_from_slice(bytes);
        put(0, &itow.to_le_bytes());
        put(4, &(year as u16).to_le_bytes());
        put(
            6,
            &[
                month,
                day,
                (sod / 3600) as u8,
                (sod / 60 % 60) as u8,
                (sod % 60) as u8,
            ],
        );
        put(
            11,
            &[if fix {
                VALID_DATE | VALID_TIME | VALID_FULLY_RESOLVED
            } else {
                0
            }],
        );
        put(12, &T_ACC_NS.to_le_bytes());
        put(16, &nano.to_le_bytes());
        put(
            20,
            &[
                c.fix_type,
                if fix { FLAGS_GNSS_FIX_OK } else { 0 },
                0,
                c.num_sv,
            ],
        );
        put(24, &v(&*self.inputs.lon_deg, 1e7).to_le_bytes());
        put(28, &v(&*self.inputs.lat_deg, 1e7).to_le_bytes());
        put(32, &((height * 1e3).round() as i32).to_le_bytes());
        put(
            36,
            &(((height - c.geoid_separation_m) * 1e3).round() as i32).to_le_bytes(),
        );
        put(40, &c.h_acc_mm.to_le_bytes());
        put(44, &c.v_acc_mm.to_le_bytes());
        put(48, &((vn * 1e3).round() as i32).to_le_bytes());
        put(52, &((ve * 1e3).round() as i32).to_le_bytes());
        put(56, &((vd * 1e3).round() as i32).to_le_bytes());
        put(60, &((vn.hypot(ve) * 1e3).round() as i32).to_le_bytes());
        put(64, &head_1e5.to_le_bytes());
        put(68, &S_ACC_MM_S.to_le_bytes());
        put(72, &HEAD_ACC_1E5_DEG.to_le_bytes());
        put(76, &P_DOP_1E2.to_le_bytes());
        put(84, &head_1e5.to_le_bytes());
        p
    }
}

impl FrameMaker for NavPvt {
    /// The complete UBX frame for epoch time `t`.
    fn frame(&mut self, t: Nanos) -> Vec<u8> {
        let mut f = Vec::with_capacity(NAV_PVT_LEN + 8);
        f.extend(UBX_SYNC);
        f.extend([NAV_PVT_CLASS, NAV_PVT_ID]);
        f.extend((NAV_PVT_LEN as u16).to_le_bytes());
        f.extend(self.nav_pvt(t));
        let (mut a, mut b) = fletcher(&f[2..]);
        if self
            .faults
            .is_active(t, |x| matches!(x, BusFault::BadChecksum))
        {
            (a, b) = (!a, !b);
        }
        f.extend([a, b]);
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::{UartDevice, UartSymbol};
    use crate::fault::FaultWindow;

    fn c(v: f64) -> Box<dyn Source> {
        Box::new(move |_t: Nanos| v)
    }

    fn receiver(config: UbloxConfig, faults: FaultSchedule) -> Ublox {
        let inputs = GnssInputs {
            lat_deg: c(47.397_742_1),
            lon_deg: c(8.545_594_3),
            height_m: Box::new(|t: Nanos| 488.0 + t as f64 / 1e9),
            vel_ned: [c(3.0), c(-3.0), c(0.25)],
        };
        Ublox::new(inputs, config, faults)
    }

    /// Drains symbols up to `until` as (time, symbol).
    fn drain(u: &mut Ublox, until: Nanos) -> Vec<(Nanos, Option<UartSymbol>)> {
        let mut out = Vec::new();
        while let Some(t) = u.next_send().filter(|t| *t <= until) {
            out.push((t, u.send(t)));
        }
        out
    }

    fn bytes(s: &[(Nanos, Option<UartSymbol>)]) -> Vec<u8> {
        s.iter()
            .filter_map(|(_, x)| match x {
                Some(UartSymbol::Byte(b)) | Some(UartSymbol::FramingError(b)) => Some(*b),
                None => None,
            })
            .collect()
    }

    fn i32_at(p: &[u8], at: usize) -> i32 {
        i32::from_le_bytes(p[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn nav_pvt_frame_fields_and_checksum() {
        let mut u = receiver(UbloxConfig::default(), FaultSchedule::default());
        let s = drain(&mut u, 300_000_000);
        assert_eq!(s.len(), 100);
        let f = bytes(&s);
        assert_eq!(&f[..6], &[0xb5, 0x62, 0x01, 0x07, 92, 0]);
        assert_eq!(fletcher(&f[2..98]), (f[98], f[99]));
        let p = &f[6..98];
        // 2026-01-01T00:00:00.2Z is a Thursday: 4 days + 18 s into the GPS week.
        assert_eq!(
            u32::from_le_bytes(p[0..4].try_into().unwrap()),
            (4 * 86_400 + 18) * 1_000 + 200
        );
        assert_eq!(u16::from_le_bytes([p[4], p[5]]), 2026);
        assert_eq!(&p[6..12], &[1, 1, 0, 0, 0, 0x07]);
        assert_eq!(i32_at(p, 16), 200_000_000, "nano");
        assert_eq!((p[20], p[21], p[23]), (3, 1, 12));
        assert_eq!(i32_at(p, 24), 85_455_943);
        assert_eq!(i32_at(p, 28), 473_977_421);
        assert_eq!(i32_at(p, 32), 488_200);
        assert_eq!(
            (i32_at(p, 48), i32_at(p, 52), i32_at(p, 56)),
            (3_000, -3_000, 250)
        );
        assert_eq!(i32_at(p, 60), 4_243, "gSpeed");
        assert_eq!(i32_at(p, 64), 31_500_000, "heading 315 deg");
    }

    #[test]
    fn bytes_are_paced_at_the_baud_rate_and_epochs_at_the_rate() {
        let cfg = UbloxConfig {
            baud: 9_600,
            rate_hz: 10.0,
            first_epoch: 0,
            ..UbloxConfig::default()
        };
        let mut u = receiver(cfg, FaultSchedule::default());
        let s = drain(&mut u, 250_000_000);
        // 100 bytes at 9600 baud take 104.2 ms: the 100 ms epoch is skipped.
        assert_eq!(s[1].0, 1_041_666);
        assert_eq!(s[99].0, 103_125_000);
        assert_eq!(s[100].0, 200_000_000);
        assert_eq!(s.len(), 149, "second frame half sent at 250 ms");
    }

    #[test]
    fn faults_corrupt_checksum_frame_and_silence() {
        let faults = FaultSchedule::new(vec![
            FaultWindow {
                start: 200_000_000,
                end: 200_000_001,
                fault: BusFault::BadChecksum,
            },
            FaultWindow {
                start: 400_000_000,
                end: 401_000_000,
                fault: BusFault::FramingError,
            },
            FaultWindow {
                start: 600_000_000,
                end: 700_000_000,
                fault: BusFault::Disconnect,
            },
        ]);
        let mut u = receiver(UbloxConfig::default(), faults);
        let s = drain(&mut u, 700_000_000);
        let f1 = bytes(&s[..100]);
        assert_ne!(fletcher(&f1[2..98]), (f1[98], f1[99]));
        let f2 = bytes(&s[100..200]);
        assert_eq!(fletcher(&f2[2..98]), (f2[98], f2[99]));
        assert!(matches!(s[100].1, Some(UartSymbol::FramingError(0xb5))));
        assert!(
            matches!(s[199].1, Some(UartSymbol::Byte(_))),
            "window ended within the frame"
        );
        assert!(s[200..].iter().all(|(_, x)| x.is_none()));
        assert_eq!(s.len(), 300);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
