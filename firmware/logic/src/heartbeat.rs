//! Heartbeat monitor of the failsafe node.
//!
//! Rule (times in milliseconds, wrapping u32 arithmetic):
//! * **Waiting**: after boot no heartbeat has been seen. If none arrives
//!   within `timeout_ms` of boot, the monitor trips.
//! * **Normal**: the last heartbeat is at most `timeout_ms` old.
//! * **Tripped** (failsafe output active): no heartbeat for more than
//!   `timeout_ms`. Tripping is latched: it clears only after `recover_beats`
//!   consecutive heartbeats each at most `timeout_ms` after the previous one
//!   (the first beat after the loss counts as one). A gap longer than
//!   `timeout_ms` during recovery restarts the count.

/// Monitor parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub timeout_ms: u32,
    /// Consecutive timely beats that clear a trip (>= 1).
    pub recover_beats: u8,
}

/// Monitor state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Waiting,
    Normal,
    Tripped,
}

/// The heartbeat monitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Monitor {
    config: Config,
    state: State,
    last_ms: u32,
    good_beats: u8,
}

impl Monitor {
    /// A monitor booted at `now_ms`.
    pub const fn new(config: Config, now_ms: u32) -> Self {
        Monitor { config, state: State::Waiting, last_ms: now_ms, good_beats: 0 }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Whether the failsafe output must be active.
    pub fn failsafe(&self) -> bool {
        self.state == State::Tripped
    }

    /// Advances time to `now_ms`; returns the state.
    pub fn poll(&mut self, now_ms: u32) -> State {
        if now_ms.wrapping_sub(self.last_ms) > self.config.timeout_ms && self.state != State::Tripped {
            self.state = State::Tripped;
            self.good_beats = 0;
        }
        self.state
    }

    /// Records a valid heartbeat received at `now_ms`; returns the state.
    pub fn beat(&mut self, now_ms: u32) -> State {
        let timely = now_ms.wrapping_sub(self.last_ms) <= self.config.timeout_ms;
        self.state = match self.state {
            State::Waiting | State::Normal => {
                if timely {
                    State::Normal
                } else {
                    self.good_beats = 1;
                    self.tripped_or_recovered()
                }
            }
            State::Tripped => {
                // The beat that ends a loss counts as the first of the run.
                self.good_beats = if timely || self.good_beats == 0 { self.good_beats.saturating_add(1) } else { 1 };
                self.tripped_or_recovered()
            }
        };
        self.last_ms = now_ms;
        self.state
    }

    fn tripped_or_recovered(&mut self) -> State {
        if self.good_beats >= self.config.recover_beats.max(1) {
            self.good_beats = 0;
            State::Normal
        } else {
            State::Tripped
        }
    }
}

/// One byte from the heartbeat UART with its receive-error flag (framing
/// error, noise or parity error: the hardware could not receive the byte
/// reliably).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxByte {
    pub byte: u8,
    pub error: bool,
}

/// Heartbeats out of the heartbeat line's bytes.
///
/// Rule: **a byte received with an error is not data.** It ends the frame
/// being assembled (the decoder starts hunting for the sync bytes again)
/// and is not fed to the decoder, so no frame that contains an errored
/// byte is ever a heartbeat, whatever its CRC says. A line of nothing but
/// errored bytes therefore yields no heartbeat, and the [`Monitor`] trips
/// after its timeout exactly as for a silent line.
#[derive(Clone, Debug, Default)]
pub struct Receiver {
    frames: crate::frame::Decoder,
}

impl Receiver {
    pub const fn new() -> Self {
        Receiver { frames: crate::frame::Decoder::new() }
    }

    /// Feeds one byte; returns the heartbeat (and its frame's sequence
    /// number) that it completes, if any.
    pub fn push(&mut self, rx: RxByte) -> Option<(u16, crate::telemetry::Heartbeat)> {
        if rx.error {
            self.frames = crate::frame::Decoder::new();
            return None;
        }
        match self.frames.push(rx.byte) {
            crate::frame::Event::Frame(f) if f.id == crate::telemetry::ID_HEARTBEAT => {
                crate::telemetry::Heartbeat::decode(f.payload()).map(|hb| (f.seq, hb))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: Config = Config { timeout_ms: 50, recover_beats: 3 };

    #[test]
    fn no_heartbeat_after_boot_trips_at_the_timeout() {
        let mut m = Monitor::new(CFG, 1000);
        assert_eq!(m.poll(1050), State::Waiting);
        assert_eq!(m.poll(1051), State::Tripped);
    }

    #[test]
    fn loss_trips_and_three_timely_beats_recover() {
        let mut m = Monitor::new(CFG, 0);
        assert_eq!(m.beat(10), State::Normal);
        assert_eq!(m.poll(60), State::Normal);
        assert_eq!(m.poll(61), State::Tripped);
        assert_eq!(m.beat(200), State::Tripped);
        assert_eq!(m.beat(240), State::Tripped);
        assert_eq!(m.beat(280), State::Normal);
    }

    #[test]
    fn a_gap_during_recovery_restarts_the_count() {
        let mut m = Monitor::new(CFG, 0);
        m.poll(100);
        m.beat(110);
        m.beat(120);
        assert_eq!(m.poll(171), State::Tripped);
        assert_eq!(m.beat(300), State::Tripped);
        assert_eq!(m.beat(310), State::Tripped);
        assert_eq!(m.beat(320), State::Normal);
    }

    /// Reference model: the output is tripped exactly when the rule says,
    /// computed from the whole history rather than incrementally.
    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn matches_the_history_model_on_random_traces() {
        bolero::check!().with_iterations(1000).with_type::<(u8, Vec<(u8, bool)>)>().for_each(|(beats, steps)| {
            let cfg = Config { timeout_ms: 20, recover_beats: beats % 4 + 1 };
            let mut m = Monitor::new(cfg, 0);
            let mut now = 0u32;
            let mut history: Vec<u32> = Vec::new();
            for (dt, is_beat) in steps {
                now += *dt as u32 % 40;
                let state = if *is_beat {
                    history.push(now);
                    m.beat(now)
                } else {
                    m.poll(now)
                };
                assert_eq!(state == State::Tripped, model_tripped(&history, now, *is_beat, cfg), "{history:?} now {now}");
            }
        });
    }

    fn model_tripped(beats: &[u32], now: u32, just_beat: bool, cfg: Config) -> bool {
        // Gaps between consecutive events, starting from boot at 0.
        let mut last = 0;
        let mut tripped = false;
        let mut run = 0u32;
        for &b in beats {
            let gap_late = b - last > cfg.timeout_ms;
            if gap_late {
                tripped = true;
                run = 1;
            } else if tripped {
                run += 1;
            }
            if tripped && run >= cfg.recover_beats as u32 {
                tripped = false;
                run = 0;
            }
            last = b;
        }
        if !just_beat && now - last > cfg.timeout_ms {
            tripped = true;
        }
        tripped
    }

    fn heartbeat_frame(seq: u16, state: u8) -> Vec<u8> {
        use crate::telemetry::{Heartbeat, ID_HEARTBEAT};
        let mut out = [0; crate::frame::MAX_FRAME];
        let n = crate::frame::encode(ID_HEARTBEAT, seq, &Heartbeat { state, vote: 0 }.encode(), &mut out).unwrap();
        out[..n].to_vec()
    }

    #[test]
    fn a_clean_heartbeat_is_received_and_one_with_a_framing_error_is_not() {
        let mut r = Receiver::new();
        let clean: Vec<_> = heartbeat_frame(1, 1).into_iter().filter_map(|byte| r.push(RxByte { byte, error: false })).collect();
        assert_eq!(clean.len(), 1);
        assert_eq!(clean[0].0, 1);
        // The same bytes, intact, but the last one flagged: not a heartbeat.
        let bytes = heartbeat_frame(2, 1);
        let n = bytes.len();
        let got: Vec<_> = bytes.into_iter().enumerate().filter_map(|(i, byte)| r.push(RxByte { byte, error: i == n - 1 })).collect();
        assert!(got.is_empty());
        // A line of only framing errors (intact heartbeat bytes) trips the monitor.
        let mut m = Monitor::new(CFG, 0);
        let mut t = 0;
        for _ in 0..10 {
            t += 10;
            for byte in heartbeat_frame(3, 1) {
                if r.push(RxByte { byte, error: true }).is_some() {
                    m.beat(t);
                }
            }
            m.poll(t);
        }
        assert!(m.failsafe());
    }

    /// Safety: a heartbeat is reported only for a frame none of whose bytes
    /// was received with an error. Liveness: every frame whose bytes were
    /// all clean, and that follows a clean frame boundary, is reported.
    /// Frames of distinct sequence numbers back to back, random bytes
    /// flagged.
    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn errored_bytes_never_make_a_heartbeat() {
        bolero::check!().with_iterations(1000).with_type::<Vec<(u8, u8)>>().for_each(|frames| {
            let mut r = Receiver::new();
            let mut clean = Vec::new();
            let mut reported = Vec::new();
            for (k, (mask, state)) in frames.iter().enumerate().take(64) {
                let seq = k as u16;
                let bytes = heartbeat_frame(seq, *state);
                // Flag byte (mask % 16) when mask >= 128: about half the frames.
                let bad = if *mask >= 128 { Some(*mask as usize % bytes.len()) } else { None };
                if bad.is_none() {
                    clean.push(seq);
                }
                for (i, byte) in bytes.into_iter().enumerate() {
                    if let Some((s, _)) = r.push(RxByte { byte, error: bad == Some(i) }) {
                        reported.push(s);
                    }
                }
            }
            for s in &reported {
                assert!(clean.contains(s), "frame {s} had an errored byte but was reported");
            }
            assert_eq!(reported, clean, "a clean frame after a clean boundary was lost");
        });
    }
}
