//! Host memory that several machines map at the same time: the RAM of one
//! chip as seen by each of its cores (the RT1176's OCRAM from the CM7 and
//! the CM4).
//!
//! Each machine maps the same host pages with `uc_mem_map_ptr`, so a store by
//! one core is visible to the other the next time it loads from the address.
//! Machines run one after the other in lockstep quanta, so what each core
//! sees is decided by the quantum order alone: deterministic. Shared memory
//! is data only (see [`crate::MemoryRegion::shared`]): another core's stores
//! would not invalidate this core's translated code.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::sync::Arc;

const ALIGN: usize = 0x1000;

struct Pages {
    ptr: *mut u8,
    layout: Layout,
}

// Safety: the pages are plain memory owned by this allocation; machines run
// on one thread at a time (a scenario's machines share its thread), and all
// access goes through unicorn or `read`/`write` below.
unsafe impl Send for Pages {}
unsafe impl Sync for Pages {}

impl Drop for Pages {
    fn drop(&mut self) {
        // Safety: allocated in `SharedMemory::new` with this layout.
        unsafe { dealloc(self.ptr, self.layout) }
    }
}

/// Zero-initialised, page-aligned host memory shared by the machines that
/// map it. Cloning shares the same memory.
#[derive(Clone)]
pub struct SharedMemory(Arc<Pages>);

impl std::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedMemory({:#x} bytes)", self.len())
    }
}

impl SharedMemory {
    /// `size` bytes, zeroed; `None` if `size` is not a non-zero multiple of
    /// 4 KiB or the host cannot allocate it.
    pub fn new(size: u32) -> Option<SharedMemory> {
        if size == 0 || !(size as usize).is_multiple_of(ALIGN) {
            return None;
        }
        let layout = Layout::from_size_align(size as usize, ALIGN).ok()?;
        // Safety: non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        (!ptr.is_null()).then(|| SharedMemory(Arc::new(Pages { ptr, layout })))
    }

    pub fn len(&self) -> u32 {
        self.0.layout.size() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies bytes at `offset` into `buf`; false if out of range.
    pub fn read(&self, offset: u32, buf: &mut [u8]) -> bool {
        let (o, n) = (offset as usize, buf.len());
        if o.checked_add(n)
            .is_none_or(|end| end > self.0.layout.size())
        {
            return false;
        }
        // Safety: in bounds (checked above).
        unsafe { std::ptr::copy_nonoverlapping(self.0.ptr.add(o), buf.as_mut_ptr(), n) };
        true
    }

    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.0.ptr
    }

    /// Whether `self` and `other` are the same memory.
    pub fn same_as(&self, other: &SharedMemory) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_must_be_whole_pages() {
        assert!(SharedMemory::new(0).is_none());
        assert!(SharedMemory::new(0x800).is_none());
        let m = SharedMemory::new(0x2000).unwrap();
        assert_eq!(m.len(), 0x2000);
        let mut b = [1u8; 4];
        assert!(m.read(0x1ffc, &mut b));
        assert_eq!(b, [0; 4]);
        assert!(!m.read(0x1ffd, &mut b));
        assert!(m.clone().same_as(&m));
        assert!(!SharedMemory::new(0x1000).unwrap().same_as(&m));
    }
}
