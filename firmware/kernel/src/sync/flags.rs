//! Event flags: 32 bits set from anywhere, awaited by tasks.

use core::cell::RefCell;

use critical_section::Mutex;

use super::{wait_for, with};
use crate::waker_set::WakerSet;

struct State<const W: usize> {
    bits: u32,
    waiters: WakerSet<W>,
}

/// Event flags with up to `W` waiting tasks.
pub struct EventFlags<const W: usize> {
    state: Mutex<RefCell<State<W>>>,
}

impl<const W: usize> Default for EventFlags<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize> EventFlags<W> {
    pub const fn new() -> Self {
        EventFlags { state: Mutex::new(RefCell::new(State { bits: 0, waiters: WakerSet::new() })) }
    }

    /// Sets `bits` and wakes the waiters. ISR-safe.
    pub fn set(&self, bits: u32) {
        with(&self.state, |s| {
            s.bits |= bits;
            s.waiters.wake_all();
        })
    }

    /// Clears `bits`; returns the flags before.
    pub fn clear(&self, bits: u32) -> u32 {
        with(&self.state, |s| {
            let before = s.bits;
            s.bits &= !bits;
            before
        })
    }

    /// Current flags.
    pub fn get(&self) -> u32 {
        with(&self.state, |s| s.bits)
    }

    /// If any of `mask` is set, clears those set bits of `mask` and returns them.
    pub fn try_take_any(&self, mask: u32) -> Option<u32> {
        with(&self.state, |s| {
            let hit = s.bits & mask;
            (hit != 0).then(|| {
                s.bits &= !hit;
                hit
            })
        })
    }

    /// Waits until any bit of `mask` is set; clears and returns the set ones.
    pub async fn wait_any(&self, mask: u32) -> u32 {
        self.wait(mask, false).await
    }

    /// Waits until all bits of `mask` are set; clears and returns `mask`.
    pub async fn wait_all(&self, mask: u32) -> u32 {
        self.wait(mask, true).await
    }

    async fn wait(&self, mask: u32, all: bool) -> u32 {
        wait_for(
            &self.state,
            |s| {
                let hit = s.bits & mask;
                let done = if all { hit == mask } else { hit != 0 };
                if done {
                    s.bits &= !hit;
                }
                done.then_some(hit)
            },
            |s| &mut s.waiters,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::testing::{poll_once, Count};
    use core::pin::pin;
    use core::task::Poll;

    #[test]
    fn wait_all_needs_every_bit() {
        let f = EventFlags::<2>::new();
        let c = Count::new();
        let mut w = pin!(f.wait_all(0b11));
        assert!(poll_once(w.as_mut(), &c).is_pending());
        f.set(0b01);
        assert!(poll_once(w.as_mut(), &c).is_pending());
        f.set(0b110);
        assert_eq!(poll_once(w.as_mut(), &c), Poll::Ready(0b11));
        assert_eq!(f.get(), 0b100);
        assert_eq!(c.get(), 2);
    }

    /// Against a u32 model for set/clear/try_take_any.
    #[test]
    fn matches_a_bitmask_model() {
        bolero::check!().with_iterations(1000).with_type::<Vec<(u8, u32)>>().for_each(|ops| {
            let f = EventFlags::<1>::new();
            let mut model = 0u32;
            for &(op, bits) in ops {
                match op % 3 {
                    0 => {
                        f.set(bits);
                        model |= bits;
                    }
                    1 => {
                        assert_eq!(f.clear(bits), model);
                        model &= !bits;
                    }
                    _ => {
                        let hit = model & bits;
                        assert_eq!(f.try_take_any(bits), (hit != 0).then_some(hit));
                        model &= !hit;
                    }
                }
                assert_eq!(f.get(), model);
            }
        });
    }
}
