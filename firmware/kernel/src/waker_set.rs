//! A fixed set of waiting tasks' wakers, kept inside a primitive's critical
//! section. When the set is full, a newcomer is woken at once instead of
//! being dropped: it polls again (a spurious wake) rather than never.

use core::task::Waker;

/// What [`WakerSet::insert`] did with a waker.
pub enum Inserted {
    Stored,
    /// An equivalent waker was registered: drop this one.
    Duplicate(Waker),
    /// No free slot: wake this one at once (a spurious wake, not a lost one).
    Full(Waker),
}

impl Inserted {
    /// Drops or wakes the waker that was not stored. Call it with no borrow
    /// of the state held: it may run the waker's foreign code.
    #[inline]
    pub fn settle(self) {
        match self {
            Inserted::Stored => {}
            Inserted::Duplicate(w) => drop(w),
            Inserted::Full(w) => crate::executor::wake(w),
        }
    }
}

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
                    *slot = Some(crate::executor::clone_own(waker).unwrap_or_else(|| waker.clone()));
                    return;
                }
            }
        }
        waker.wake_by_ref();
    }

    /// Stores `waker` unless an equivalent one is registered; gives it back
    /// when it was not stored, so the caller can run its foreign code (drop
    /// or wake) outside any borrow of the state holding the set.
    #[inline]
    pub fn insert(&mut self, waker: Waker) -> Inserted {
        // Fast path: no waiter yet (the usual case of a one-waiter primitive).
        if let Some(first @ None) = self.slots.first_mut() {
            *first = Some(waker);
            return Inserted::Stored;
        }
        for slot in self.slots.iter_mut() {
            match slot {
                Some(w) if w.will_wake(&waker) => return Inserted::Duplicate(waker),
                Some(_) => {}
                None => {
                    *slot = Some(waker);
                    return Inserted::Stored;
                }
            }
        }
        Inserted::Full(waker)
    }

    /// Takes every registered waker out, leaving the set empty; wake them
    /// with [`wake_all`](Self::wake_all) once the state is released.
    #[inline]
    pub fn take(&mut self) -> Self {
        core::mem::take(self)
    }

    /// Wakes and forgets every registered waker.
    pub fn wake_all(&mut self) {
        for slot in self.slots.iter_mut() {
            if let Some(w) = slot.take() {
                crate::executor::wake(w);
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
