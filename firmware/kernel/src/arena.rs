//! Static task arena: a bump allocator over a static byte buffer. Futures
//! placed here live forever (tasks never free their storage), so no heap
//! and no `'static` type naming is needed.

use core::cell::UnsafeCell;
use core::mem::{align_of, size_of, MaybeUninit};
use core::sync::atomic::{AtomicUsize, Ordering};

/// The arena has no room left for the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArenaFull {
    pub requested: usize,
    pub free: usize,
}

/// `BYTES` bytes of storage for task futures.
#[repr(C, align(8))]
pub struct Arena<const BYTES: usize> {
    buf: UnsafeCell<MaybeUninit<[u8; BYTES]>>,
    used: AtomicUsize,
}

// SAFETY: every allocation hands out a disjoint range, reserved with a CAS.
unsafe impl<const BYTES: usize> Sync for Arena<BYTES> {}

impl<const BYTES: usize> Default for Arena<BYTES> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const BYTES: usize> Arena<BYTES> {
    pub const fn new() -> Self {
        Arena { buf: UnsafeCell::new(MaybeUninit::uninit()), used: AtomicUsize::new(0) }
    }

    /// Bytes handed out so far (including alignment padding).
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Moves `value` into the arena and returns a reference that lives forever.
    // The `&mut` comes from interior storage reserved for this call alone.
    #[allow(clippy::mut_from_ref)]
    pub fn alloc<T>(&'static self, value: T) -> Result<&'static mut T, ArenaFull> {
        let base = self.buf.get() as usize;
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let start = (base + used).next_multiple_of(align_of::<T>()) - base;
            let end = start + size_of::<T>();
            if end > BYTES {
                return Err(ArenaFull { requested: size_of::<T>(), free: BYTES - used });
            }
            match self.used.compare_exchange_weak(used, end, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => {
                    let ptr = (base + start) as *mut T;
                    // SAFETY: [start, end) is in bounds, aligned for T and
                    // reserved for this call alone by the CAS above.
                    unsafe {
                        ptr.write(value);
                        return Ok(&mut *ptr);
                    }
                }
                Err(now) => used = now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_are_aligned_disjoint_and_bounded() {
        static ARENA: Arena<64> = Arena::new();
        let a = ARENA.alloc(1u8).unwrap();
        let b = ARENA.alloc(0x1122_3344_5566_7788u64).unwrap();
        let c = ARENA.alloc([7u16; 3]).unwrap();
        assert_eq!(b as *const u64 as usize % 8, 0);
        *a = 9;
        assert_eq!((*a, *b, *c), (9, 0x1122_3344_5566_7788, [7; 3]));
        assert_eq!(ARENA.used(), 22);
        let err = ARENA.alloc([0u8; 43]).unwrap_err();
        assert_eq!(err, ArenaFull { requested: 43, free: 42 });
        assert!(ARENA.alloc([0u8; 42]).is_ok());
    }
}
