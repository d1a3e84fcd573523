//! Timer queue on one hardware alarm, tickless: the alarm is programmed for
//! the earliest deadline only, there is no periodic tick, and an idle
//! thread executor sleeps in WFI until that alarm (or any other interrupt).

use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use critical_section::Mutex;

/// The hardware timer behind a [`TimerQueue`] (GPT/PIT on the RT1176,
/// TIM2 on the F100, a mock in tests). Ticks are the timer's own unit.
pub trait Alarm: Sync {
    /// Current time in ticks (monotonic, 64-bit so it never wraps in practice).
    fn now(&self) -> u64;
    /// Requests an interrupt at `at` (or as soon as possible if already
    /// past), or cancels it with `None`. The interrupt handler must call
    /// [`TimerQueue::on_alarm`].
    fn set_alarm(&self, at: Option<u64>);
}

/// A deadline and the task to wake at it.
type Entry = Option<(u64, Waker)>;

/// Up to `N` pending deadlines.
pub struct TimerQueue<const N: usize> {
    alarm: &'static dyn Alarm,
    slots: Mutex<RefCell<[Entry; N]>>,
}

impl<const N: usize> TimerQueue<N> {
    pub const fn new(alarm: &'static dyn Alarm) -> Self {
        TimerQueue { alarm, slots: Mutex::new(RefCell::new([const { None }; N])) }
    }

    pub fn now(&self) -> u64 {
        self.alarm.now()
    }

    /// Number of pending deadlines.
    pub fn pending(&self) -> usize {
        critical_section::with(|cs| self.slots.borrow_ref(cs).iter().flatten().count())
    }

    fn schedule(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let mut slots = self.slots.borrow_ref_mut(cs);
            let slot = match slots.iter().position(|s| s.as_ref().is_some_and(|(_, w)| w.will_wake(waker))) {
                Some(i) => Some(i),
                None => slots.iter().position(|s| s.is_none()),
            };
            match slot {
                Some(i) => slots[i] = Some((at, waker.clone())),
                None => waker.wake_by_ref(), // queue full: poll again rather than sleep forever
            }
            self.alarm.set_alarm(slots.iter().flatten().map(|(t, _)| *t).min());
        });
    }

    /// Alarm interrupt: wakes every task whose deadline has passed and
    /// programs the next deadline.
    pub fn on_alarm(&self) {
        critical_section::with(|cs| {
            let mut slots = self.slots.borrow_ref_mut(cs);
            let now = self.alarm.now();
            for slot in slots.iter_mut() {
                if slot.as_ref().is_some_and(|(t, _)| *t <= now) {
                    if let Some((_, w)) = slot.take() {
                        w.wake();
                    }
                }
            }
            self.alarm.set_alarm(slots.iter().flatten().map(|(t, _)| *t).min());
        });
    }

    /// Completes at tick `at`.
    pub fn at(&'static self, at: u64) -> Delay<N> {
        Delay { queue: self, at }
    }

    /// Completes `ticks` after now.
    pub fn after(&'static self, ticks: u64) -> Delay<N> {
        self.at(self.now().saturating_add(ticks))
    }

    /// A drift-free periodic timer starting one period from now.
    pub fn ticker(&'static self, period: u64) -> Ticker<N> {
        Ticker { queue: self, next: self.now().saturating_add(period), period }
    }
}

/// Future returned by [`TimerQueue::at`] / [`TimerQueue::after`].
pub struct Delay<const N: usize> {
    queue: &'static TimerQueue<N>,
    at: u64,
}

impl<const N: usize> Future for Delay<N> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.queue.now() >= self.at {
            return Poll::Ready(());
        }
        self.queue.schedule(self.at, cx.waker());
        Poll::Pending
    }
}

/// Periodic deadlines `start + k * period`; a late consumer skips no
/// deadline (each `next` completes at most once per period boundary).
pub struct Ticker<const N: usize> {
    queue: &'static TimerQueue<N>,
    next: u64,
    period: u64,
}

impl<const N: usize> Ticker<N> {
    /// Waits for the next period boundary; returns its tick.
    pub async fn next(&mut self) -> u64 {
        let at = self.next;
        self.queue.at(at).await;
        self.next = at.saturating_add(self.period);
        at
    }
}

/// `embedded_hal_async::delay::DelayNs` on a timer queue: delays are
/// rounded up to whole ticks, `ticks_per_us` being the alarm's rate.
pub struct TimerDelay<const N: usize> {
    pub queue: &'static TimerQueue<N>,
    pub ticks_per_us: u64,
}

impl<const N: usize> embedded_hal_async::delay::DelayNs for TimerDelay<N> {
    async fn delay_ns(&mut self, ns: u32) {
        let ticks = (ns as u64 * self.ticks_per_us).div_ceil(1000);
        self.queue.after(ticks).await
    }
}

#[cfg(test)]
mod tests;
