//! Telemetry frames decoded from a UART's transmitted bytes, using the
//! firmware's own frame and message definitions (`gale-logic`), so the
//! format is defined in exactly one place.

use gale_logic::frame::{Decoder, Event as FrameEvent, Frame};
use gale_logic::telemetry::{Heartbeat, Sample, ID_HEARTBEAT, ID_SAMPLE};
use gale_trace::{EventKind, Nanos, Trace};

/// The fields a `telemetry:` expectation can name, per message.
pub const SAMPLE_FIELDS: &[&str] = &[
    "t_us",
    "source",
    "imu_healthy",
    "vote",
    "gnss_fix",
    "accel_mg.x",
    "accel_mg.y",
    "accel_mg.z",
    "gyro_mdps.x",
    "gyro_mdps.y",
    "gyro_mdps.z",
    "pressure_pa",
    "temp_cdeg",
    "lat_e7",
    "lon_e7",
    "height_mm",
];
pub const HEARTBEAT_FIELDS: &[&str] = &["state", "vote"];

/// One decoded message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Sample(Sample),
    Heartbeat(Heartbeat),
    /// A frame with a valid CRC but an id or length this host does not know.
    Other {
        id: u8,
        len: usize,
    },
}

impl Message {
    /// The value of a named field, if this message has it.
    pub fn field(&self, name: &str) -> Option<f64> {
        let v = match (self, name) {
            (Message::Sample(s), _) => match name {
                "t_us" => s.t_us as f64,
                "source" => s.source as f64,
                "imu_healthy" => s.imu_healthy as f64,
                "vote" => s.vote as f64,
                "gnss_fix" => s.gnss_fix as f64,
                "accel_mg.x" => s.accel_mg[0] as f64,
                "accel_mg.y" => s.accel_mg[1] as f64,
                "accel_mg.z" => s.accel_mg[2] as f64,
                "gyro_mdps.x" => s.gyro_mdps[0] as f64,
                "gyro_mdps.y" => s.gyro_mdps[1] as f64,
                "gyro_mdps.z" => s.gyro_mdps[2] as f64,
                "pressure_pa" => s.pressure_pa as f64,
                "temp_cdeg" => s.temp_cdeg as f64,
                "lat_e7" => s.lat_e7 as f64,
                "lon_e7" => s.lon_e7 as f64,
                "height_mm" => s.height_mm as f64,
                _ => return None,
            },
            (Message::Heartbeat(h), "state") => h.state as f64,
            (Message::Heartbeat(h), "vote") => h.vote as f64,
            _ => return None,
        };
        Some(v)
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Message::Sample(_) => "sample",
            Message::Heartbeat(_) => "heartbeat",
            Message::Other { .. } => "other",
        }
    }
}

fn message(f: &Frame) -> Message {
    let p = f.payload();
    let m = match f.id {
        ID_SAMPLE => Sample::decode(p).map(Message::Sample),
        ID_HEARTBEAT => Heartbeat::decode(p).map(Message::Heartbeat),
        _ => None,
    };
    m.unwrap_or(Message::Other {
        id: f.id,
        len: p.len(),
    })
}

impl Message {
    /// Every field as `name=value`, in the order of the field lists
    /// (`id`/`len` for a frame this host does not know).
    pub fn describe(&self) -> String {
        let fields = match self {
            Message::Sample(_) => SAMPLE_FIELDS,
            Message::Heartbeat(_) => HEARTBEAT_FIELDS,
            Message::Other { id, len } => return format!("id={id:#04x} len={len}"),
        };
        fields
            .iter()
            .filter_map(|f| self.field(f).map(|v| format!("{f}={}", v as i64)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Decodes telemetry frames byte by byte, for annotating a trace: each
/// complete frame (or CRC error) is described when its last byte arrives.
pub struct FrameScanner(Decoder);

impl Default for FrameScanner {
    fn default() -> Self {
        FrameScanner(Decoder::new())
    }
}

impl FrameScanner {
    /// The description of the frame `byte` completes, if it completes one:
    /// `frame sample seq 3: t_us=... vote=0 ...`, or `frame crc error`.
    pub fn push(&mut self, byte: u8) -> Option<String> {
        match self.0.push(byte) {
            FrameEvent::Frame(f) => {
                let m = message(&f);
                Some(format!(
                    "frame {} seq {}: {}",
                    m.kind(),
                    f.seq,
                    m.describe()
                ))
            }
            FrameEvent::CrcError => Some("frame crc error".to_string()),
            FrameEvent::BadLength | FrameEvent::Pending => None,
        }
    }
}

/// Everything decoded from one port.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decoded {
    /// Messages with the virtual time of their last byte.
    pub messages: Vec<(Nanos, Message)>,
    pub crc_errors: usize,
    pub bad_lengths: usize,
}

/// Decodes the telemetry frames `machine` sent on UART `port`.
pub fn decode(trace: &Trace, machine: &str, port: &str) -> Decoded {
    let mut d = Decoder::new();
    let mut out = Decoded::default();
    for e in trace.events() {
        let EventKind::UartTx { byte } = e.kind else {
            continue;
        };
        if e.machine != machine || e.source != port {
            continue;
        }
        match d.push(byte) {
            FrameEvent::Frame(f) => out.messages.push((e.t, message(&f))),
            FrameEvent::CrcError => out.crc_errors += 1,
            FrameEvent::BadLength => out.bad_lengths += 1,
            FrameEvent::Pending => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use gale_logic::frame::{encode, MAX_FRAME};
    use gale_trace::Event;

    #[test]
    fn decodes_samples_and_counts_crc_errors() {
        let s = Sample {
            pressure_pa: 101_325,
            accel_mg: [1, 2, 1000],
            ..Sample::default()
        };
        let mut payload = [0u8; gale_logic::telemetry::SAMPLE_LEN];
        s.encode(&mut payload);
        let mut buf = [0u8; MAX_FRAME];
        let n = encode(ID_SAMPLE, 7, &payload, &mut buf).unwrap();
        let mut bytes = buf[..n].to_vec();
        let mut bad = bytes.clone();
        bad[10] ^= 0xff;
        bytes.extend(bad);
        let t: Trace = bytes
            .iter()
            .enumerate()
            .map(|(i, b)| Event::new(i as u64, "fmu", "LPUART1", EventKind::UartTx { byte: *b }))
            .collect();
        let d = decode(&t, "fmu", "LPUART1");
        assert_eq!(d.messages.len(), 1);
        assert_eq!(d.crc_errors, 1);
        assert_eq!(d.messages[0].0, n as u64 - 1);
        assert_eq!(d.messages[0].1.field("accel_mg.z"), Some(1000.0));
        assert_eq!(d.messages[0].1.field("pressure_pa"), Some(101_325.0));
        assert_eq!(d.messages[0].1.field("state"), None);
        assert!(decode(&t, "fmu", "LPUART2").messages.is_empty());
        let mut scan = FrameScanner::default();
        let said: Vec<String> = t
            .events()
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::UartTx { byte } => scan.push(byte),
                _ => None,
            })
            .collect();
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(
            said[0].starts_with("frame sample seq 7: t_us=0 "),
            "{said:?}"
        );
        assert!(said[0].contains(" accel_mg.z=1000 ") && said[0].contains(" pressure_pa=101325 "));
        assert_eq!(said[1], "frame crc error");
    }
}
