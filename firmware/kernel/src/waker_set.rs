//! A fixed set of waiting tasks' wakers, kept inside a primitive's critical
//! section. When the set is full, a newcomer is woken at once instead of
//! being dropped: it polls again (a spurious wake) rather than never.

use core::task::Waker;

/// Up to `W` distinct wakers.
pub struct WakerSet<const W: usize> {
    slots: [Option<Waker>; W],
}

impl<const W: usize> Default for WakerSet<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize> WakerSet<W> {
    pub const fn new() -> Self {
        WakerSet { slots: [const { None }; W] }
    }

    /// Remembers `waker` (once, however often it registers).
    ///
    /// One pass: registered wakers always form a prefix of the slots (only
    /// `wake_all` empties slots, and it empties all of them), so the first
    /// free slot comes after every registered waker.
    #[inline]
    pub fn register(&mut self, waker: &Waker) {
        for slot in self.slots.iter_mut() {
            match slot {
                Some(w) if w.will_wake(waker) => return,
                Some(_) => {}
                None => {
                    *slot = Some(waker.clone());
                    return;
                }
            }
        }
        waker.wake_by_ref();
    }

    /// Wakes and forgets every registered waker.
    pub fn wake_all(&mut self) {
        for slot in self.slots.iter_mut() {
            if let Some(w) = slot.take() {
                w.wake();
            }
        }
    }

    /// Number of registered wakers.
    pub fn len(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
