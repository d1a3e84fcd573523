//! Whole ticks of a divided clock over virtual time, shared by the timer
//! models (GPT, PIT, TIM) and the sensor sample clocks.
//!
//! A [`Ticker`] counts ticks of `hz / div` from an anchor; changing the rate
//! re-anchors at the current tick (the fractional phase of the tick in
//! progress is dropped, a documented simplification).

use gale_trace::Nanos;

const NS_PER_S: u128 = 1_000_000_000;

#[derive(Clone, Debug)]
pub struct Ticker {
    hz: u64,
    div: u64,
    /// Ticks counted up to `anchor`.
    base: u64,
    /// When counting started (None: stopped).
    anchor: Option<Nanos>,
}

impl Ticker {
    /// A stopped ticker at tick 0 counting `hz / div` once started.
    pub fn new(hz: u64, div: u64) -> Self {
        Ticker {
            hz,
            div: div.max(1),
            base: 0,
            anchor: None,
        }
    }

    /// A ticker counting from time 0.
    pub fn running(hz: u64, div: u64) -> Self {
        Ticker {
            anchor: Some(0),
            ..Ticker::new(hz, div)
        }
    }

    pub fn is_running(&self) -> bool {
        self.anchor.is_some() && self.hz > 0
    }

    /// Ticks counted up to `now`.
    pub fn ticks(&self, now: Nanos) -> u64 {
        match self.anchor {
            Some(a) if self.hz > 0 && now > a => {
                let elapsed = (now - a) as u128;
                self.base + (elapsed * self.hz as u128 / (self.div as u128 * NS_PER_S)) as u64
            }
            _ => self.base,
        }
    }

    /// The virtual time at which tick `tick` is counted (None if stopped or
    /// if the tick is already in the past).
    pub fn time_of(&self, tick: u64) -> Option<Nanos> {
        let a = self.anchor?;
        if self.hz == 0 || tick < self.base {
            return None;
        }
        let n = (tick - self.base) as u128 * self.div as u128 * NS_PER_S;
        Some(a + n.div_ceil(self.hz as u128) as Nanos)
    }

    pub fn start(&mut self, now: Nanos) {
        if self.anchor.is_none() {
            self.anchor = Some(now);
        }
    }

    pub fn stop(&mut self, now: Nanos) {
        self.base = self.ticks(now);
        self.anchor = None;
    }

    /// Changes the rate from `now` on.
    pub fn set_rate(&mut self, now: Nanos, hz: u64, div: u64) {
        let running = self.anchor.is_some();
        self.base = self.ticks(now);
        self.hz = hz;
        self.div = div.max(1);
        self.anchor = running.then_some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_divided_ticks_and_inverts() {
        let mut t = Ticker::new(24_000_000, 24);
        assert_eq!(t.ticks(5_000), 0, "stopped");
        t.start(1_000);
        assert_eq!(t.ticks(1_999), 0);
        assert_eq!(t.ticks(2_000), 1);
        assert_eq!(t.time_of(3), Some(4_000));
        t.set_rate(2_500, 24_000_000, 12);
        assert_eq!(t.ticks(2_500), 1);
        assert_eq!(t.ticks(3_000), 2);
        t.stop(3_400);
        assert_eq!(t.ticks(1_000_000), 2);
        assert_eq!(t.time_of(5), None);
    }

    #[test]
    fn time_of_rounds_up_to_the_tick() {
        let t = Ticker::running(3, 1);
        assert_eq!(t.time_of(1), Some(333_333_334));
        assert_eq!(t.ticks(333_333_334), 1);
        assert_eq!(t.ticks(333_333_333), 0);
    }
}
