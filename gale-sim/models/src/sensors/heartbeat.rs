//! A heartbeat source: the flight core's heartbeat frames (the firmware's
//! own frame and message format, `gale_logic::telemetry::Heartbeat`) at a
//! fixed rate on a UART, standing in for the flight core when a scenario
//! tests the failsafe node alone.

use crate::fault::{BusFault, FaultSchedule};
use crate::sensors::framed_tx::{FrameMaker, FramedTx};
use gale_logic::frame::{encode, MAX_FRAME};
use gale_logic::telemetry::{Heartbeat, ID_HEARTBEAT};
use gale_trace::Nanos;

/// Heartbeat frames with a rising sequence number.
pub struct HeartbeatFrames {
    beat: Heartbeat,
    seq: u16,
    faults: FaultSchedule,
}

/// Heartbeats every 1/`rate_hz` seconds at `baud`.
pub type HeartbeatSource = FramedTx<HeartbeatFrames>;

impl HeartbeatSource {
    /// `state` and `vote` as in `gale_logic::telemetry::Heartbeat`.
    pub fn new(
        state: u8,
        vote: u8,
        baud: u32,
        rate_hz: f64,
        first: Nanos,
        faults: FaultSchedule,
    ) -> Self {
        let frames = HeartbeatFrames {
            beat: Heartbeat { state, vote },
            seq: 0,
            faults: faults.clone(),
        };
        FramedTx::with_maker(frames, baud, rate_hz, first, faults)
    }
}

impl FrameMaker for HeartbeatFrames {
    fn frame(&mut self, t: Nanos) -> Vec<u8> {
        let mut buf = [0u8; MAX_FRAME];
        let n = encode(ID_HEARTBEAT, self.seq, &self.beat.encode(), &mut buf).unwrap_or(0);
        self.seq = self.seq.wrapping_add(1);
        if n >= 2
            && self
                .faults
                .is_active(t, |f| matches!(f, BusFault::BadChecksum))
        {
            buf[n - 1] ^= 0xff;
        }
        buf[..n].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::{UartDevice, UartSymbol};
    use crate::fault::FaultWindow;
    use gale_logic::frame::{Decoder, Event};

    fn run(dev: &mut HeartbeatSource, until: Nanos) -> Vec<(Nanos, Option<UartSymbol>)> {
        let mut out = Vec::new();
        while let Some(t) = dev.next_send() {
            if t >= until {
                break;
            }
            out.push((t, dev.send(t)));
        }
        out
    }

    fn decode(sent: &[(Nanos, Option<UartSymbol>)]) -> (Vec<(Nanos, u16)>, usize) {
        let (mut d, mut frames, mut crc) = (Decoder::new(), Vec::new(), 0);
        for (t, s) in sent {
            if let Some(UartSymbol::Byte(b)) = s {
                match d.push(*b) {
                    Event::Frame(f) => {
                        assert_eq!(f.id, ID_HEARTBEAT);
                        assert_eq!(
                            Heartbeat::decode(f.payload()),
                            Some(Heartbeat { state: 1, vote: 0 })
                        );
                        frames.push((*t, f.seq));
                    }
                    Event::CrcError => crc += 1,
                    _ => {}
                }
            }
        }
        (frames, crc)
    }

    #[test]
    fn frames_at_the_rate_paced_at_the_baud() {
        let mut h = HeartbeatSource::new(1, 0, 115_200, 10.0, 5_000_000, FaultSchedule::default());
        let sent = run(&mut h, 1_000_000_000);
        let (frames, crc) = decode(&sent);
        assert_eq!(crc, 0);
        assert_eq!(frames.len(), 10);
        assert_eq!(
            frames.iter().map(|f| f.1).collect::<Vec<_>>(),
            (0..10).collect::<Vec<u16>>()
        );
        // 10 frames of 10 bytes, 86.8 us per byte at 115200 baud.
        assert_eq!(sent[0].0, 5_000_000);
        assert_eq!(sent[1].0 - sent[0].0, 86_805);
        assert_eq!(frames[1].0 - frames[0].0, 100_000_000);
    }

    #[test]
    fn disconnect_silences_and_bad_checksum_corrupts() {
        let faults = FaultSchedule::new(vec![
            FaultWindow {
                start: 200_000_000,
                end: 500_000_000,
                fault: BusFault::Disconnect,
            },
            FaultWindow {
                start: 700_000_000,
                end: 800_000_000,
                fault: BusFault::BadChecksum,
            },
        ]);
        let mut h = HeartbeatSource::new(1, 0, 115_200, 10.0, 0, faults);
        let (frames, crc) = decode(&run(&mut h, 1_000_000_000));
        assert!(
            frames
                .iter()
                .all(|(t, _)| !(200_000_000..500_000_000).contains(t)),
            "{frames:?}"
        );
        assert_eq!(crc, 1);
        assert_eq!(frames.len(), 10 - 3 - 1);
    }
}
