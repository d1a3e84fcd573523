use super::*;
use std::cell::Cell as StdCell;

/// A cycle-exact SysTick: `t` is true time; the counter restarted at
/// `start` with `reload`; a 1 -> 0 transition pends the interrupt.
#[derive(Default)]
struct Fake {
    t: StdCell<u64>,
    start: StdCell<u64>,
    reload: StdCell<u64>,
    /// Wraps that happened since start, and how many were acknowledged.
    acked: StdCell<u64>,
}

// The tests are single-threaded; Sync is needed only by the trait bound.
unsafe impl Sync for Fake {}

impl Fake {
    fn period(&self) -> u64 {
        self.reload.get() + 1
    }
    fn since(&self) -> u64 {
        self.t.get() - self.start.get()
    }
    fn wraps(&self) -> u64 {
        // The first reload happens one clock after the restart, the first
        // 1 -> 0 transition `period` clocks after it.
        self.since() / self.period()
    }
}

impl SysTickRegs for Fake {
    fn val(&self) -> u32 {
        let s = self.since();
        if s == 0 {
            return 0;
        }
        let into = s % self.period();
        (if into == 0 { 0 } else { self.period() - into }) as u32
    }
    fn pending(&self) -> bool {
        self.wraps() > self.acked.get()
    }
    fn clear_pending(&self) {
        self.acked.set(self.wraps());
    }
    fn restart(&self, reload: u32) {
        self.start.set(self.t.get());
        self.reload.set(reload as u64);
        self.acked.set(0);
    }
}

fn isr(a: &SysTickAlarm<&'static Fake>, f: &Fake) {
    a.on_wrap();
    f.acked.set(f.acked.get() + 1);
}

impl SysTickRegs for &'static Fake {
    fn val(&self) -> u32 {
        (*self).val()
    }
    fn pending(&self) -> bool {
        (*self).pending()
    }
    fn clear_pending(&self) {
        (*self).clear_pending()
    }
    fn restart(&self, reload: u32) {
        (*self).restart(reload)
    }
}

/// Random advances, alarm requests and interrupt service points (the
/// interrupt always runs before a second wrap, as on hardware): `now()`
/// equals true time, and the counter's next wrap is never before a
/// requested deadline unless that deadline was less than MIN_PERIOD away.
#[test]
fn now_tracks_true_time_and_wraps_respect_deadlines() {
    bolero::check!().with_iterations(1000).with_type::<Vec<(u8, u32)>>().for_each(|ops| {
        let f: &'static Fake = Box::leak(Box::default());
        let a = SysTickAlarm::new(f);
        a.start();
        for &(op, v) in ops {
            match op % 3 {
                0 => {
                    // Advance, servicing each wrap's interrupt as it comes.
                    let mut left = v as u64 % (3 * MAX_PERIOD);
                    while left > 0 {
                        let to_wrap = f.period() * (f.acked.get() + 1) - f.since();
                        let step = left.min(to_wrap);
                        f.t.set(f.t.get() + step);
                        left -= step;
                        if f.pending() && left > 0 {
                            isr(&a, f);
                        }
                    }
                }
                1 => {
                    let at = f.t.get() + v as u64 % (2 * MAX_PERIOD);
                    a.set_alarm(Some(at));
                    let next_wrap = f.t.get() + f.period();
                    assert!(next_wrap >= at.min(f.t.get() + MAX_PERIOD).max(f.t.get() + MIN_PERIOD), "wrap before deadline");
                    assert!(next_wrap <= at.max(f.t.get() + MIN_PERIOD), "wrap later than needed");
                }
                _ => {
                    if f.pending() {
                        isr(&a, f);
                    }
                }
            }
            assert_eq!(a.now(), f.t.get(), "op {op} v {v}");
        }
    });
}
