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
}
