//! Executor: a fixed table of `N <= 32` tasks, each a `'static` future
//! (placed in an [`Arena`](crate::arena::Arena) or any static), woken by
//! index.
//!
//! * **Waker-as-index**: a waker's data pointer is the address of the
//!   executor's [`Ready`] set with the task index in its five low bits; waking
//!   is one atomic OR plus the executor's `signal` hook, so it is ISR-safe and
//!   allocation-free.
//! * **Priority**: inside one executor the lowest ready index is always
//!   polled next. Across executors the hardware decides: an *interrupt
//!   executor* is polled from an interrupt handler (its `signal` pends that
//!   interrupt) and preempts the *thread executor* polled from `main` (whose
//!   `signal` is SEV and whose idle is WFI).
//! * **No lost wake-ups, no double polls**: a task's ready bit is cleared
//!   immediately before its poll; a wake during or after the poll sets it
//!   again and causes exactly one further poll.

use core::cell::UnsafeCell;
use core::future::Future;
use core::mem::MaybeUninit;
use core::pin::Pin;
use core::task::{Context, RawWaker, RawWakerVTable, Waker};

use crate::arena::{Arena, ArenaFull};
use crate::atomic::{AtomicU32, AtomicU8, Ordering};
pub use crate::ready::Ready;

/// Index of a task in its executor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskId(pub u8);

/// Why a spawn failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpawnError {
    /// All `N` task slots are taken.
    NoFreeSlot,
    /// The arena had no room for the future.
    Arena(ArenaFull),
}

/// `poll_ready` was called while a poll of the same executor was running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reentered;

type TaskRef = Pin<&'static mut dyn Future<Output = ()>>;

/// An executor of up to `N` tasks.
///
/// A task slot goes through three states, kept as bits so the poll loop
/// tests one word: free (neither bit), taken (bit in `taken`, being written
/// by its spawner), live (bit in `live` too: spawned and not finished). A
/// finished task leaves `live` but keeps its `taken` bit, so its slot is
/// never reused and a late wake of it is dropped.
pub struct Executor<const N: usize> {
    ready: Ready,
    taken: AtomicU32,
    live: AtomicU32,
    tasks: [UnsafeCell<MaybeUninit<TaskRef>>; N],
    polling: AtomicU8,
}

// SAFETY: a task slot is written only by the spawner that took its bit in
// `taken`, before publishing it in `live` (Release); it is read only by the
// single poller (guarded by `polling`) after seeing its `live` bit
// (Acquire). All other shared state is atomic.
unsafe impl<const N: usize> Sync for Executor<N> {}
fn raw_waker(ready: &'static Ready, index: u32) -> RawWaker {
    RawWaker::new((ready as *const Ready as usize | index as usize) as *const (), &VTABLE)
}

#[inline(always)]
fn split(data: *const ()) -> (&'static Ready, u32) {
    let addr = data as usize;
    // SAFETY: only `raw_waker` builds these pointers, from a `&'static Ready`
    // whose 32-byte alignment leaves the low five bits for the index.
    (unsafe { &*((addr & !31) as *const Ready) }, (addr & 31) as u32)
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(
    |data| {
        let (ready, index) = split(data);
        raw_waker(ready, index)
    },
    |data| {
        let (ready, index) = split(data);
        ready.mark(index);
    },
    |data| {
        let (ready, index) = split(data);
        ready.mark(index);
    },
    |_| {},
);

/// A clone of `waker` made without running foreign code, if it is one of
/// this kernel's wakers (its vtable is ours): the clone is the same data
/// pointer, so no call through the vtable is needed.
#[inline(always)]
pub(crate) fn clone_own(waker: &Waker) -> Option<Waker> {
    if core::ptr::eq(waker.vtable(), &VTABLE) {
        // SAFETY: same data and vtable as a valid waker of ours.
        Some(unsafe { Waker::from_raw(RawWaker::new(waker.data(), &VTABLE)) })
    } else {
        None
    }
}

/// Wakes `waker`, inlining the wake of this kernel's own wakers (one
/// atomic OR on the ready set) instead of calling through the vtable.
#[inline(always)]
pub(crate) fn wake(waker: Waker) {
    if core::ptr::eq(waker.vtable(), &VTABLE) {
        let (ready, index) = split(waker.data());
        ready.mark(index);
        core::mem::forget(waker); // our drop does nothing
    } else {
        waker.wake();
    }
}

impl<const N: usize> Executor<N> {
    const FITS: () = assert!(N >= 1 && N <= 32, "an executor holds 1 to 32 tasks");

    /// An executor whose wakers call `signal` (an interrupt executor: pend
    /// its interrupt).
    pub const fn new(signal: fn()) -> Self {
        Self::with_signal(Some(signal))
    }

    /// A thread-mode executor polled by [`run_forever`](Self::run_forever):
    /// wakes need no signal, since a wake from an interrupt ends the WFI by
    /// itself and a wake from a task happens while the poller runs.
    pub const fn thread() -> Self {
        Self::with_signal(None)
    }

    const fn with_signal(signal: Option<fn()>) -> Self {
        #[allow(clippy::let_unit_value)]
        let _ = Self::FITS;
        Executor {
            ready: Ready::new(signal),
            taken: AtomicU32::new(0),
            live: AtomicU32::new(0),
            tasks: [const { UnsafeCell::new(MaybeUninit::uninit()) }; N],
            polling: AtomicU8::new(0),
        }
    }

    /// Adds a task in the first free slot (lowest index = highest priority)
    /// and marks it ready.
    pub fn spawn<F: Future<Output = ()> + 'static>(&'static self, fut: &'static mut F) -> Result<TaskId, SpawnError> {
        let all = if N == 32 { u32::MAX } else { (1u32 << N) - 1 };
        let mut taken = self.taken.load(Ordering::Relaxed);
        let index = loop {
            let free = !taken & all;
            if free == 0 {
                return Err(SpawnError::NoFreeSlot);
            }
            let index = free.trailing_zeros();
            match self.taken.compare_exchange_weak(taken, taken | 1 << index, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => break index as usize,
                Err(now) => taken = now,
            }
        };
        let task: TaskRef = Pin::static_mut(fut);
        // SAFETY: the CAS above gave this call exclusive use of the slot,
        // and the poller reads it only once its `live` bit is set below.
        unsafe { (*self.tasks[index].get()).write(task) };
        self.live.fetch_or(1 << index, Ordering::Release);
        self.ready.mark(index as u32);
        Ok(TaskId(index as u8))
    }

    /// Moves `fut` into `arena` and spawns it.
    pub fn spawn_in<F: Future<Output = ()> + 'static, const B: usize>(
        &'static self,
        arena: &'static Arena<B>,
        fut: F,
    ) -> Result<TaskId, SpawnError> {
        let fut = arena.alloc(fut).map_err(SpawnError::Arena)?;
        self.spawn(fut)
    }

    /// A waker for task `id` (e.g. to wake it from an interrupt handler).
    pub fn waker(&'static self, id: TaskId) -> Waker {
        // SAFETY: the vtable upholds the RawWaker contract (wake is
        // idempotent, the data is a 'static pointer, nothing to drop).
        unsafe { Waker::from_raw(raw_waker(&self.ready, id.0 as u32)) }
    }

    /// Whether any task is ready.
    pub fn has_ready(&self) -> bool {
        self.ready.peek() != 0
    }

    /// Polls ready tasks, highest priority first, until none is ready.
    /// Returns the number of polls made.
    pub fn poll_ready(&'static self) -> Result<u32, Reentered> {
        if self.polling.swap(1, Ordering::Acquire) != 0 {
            return Err(Reentered);
        }
        let polls = self.pass();
        self.polling.store(0, Ordering::Release);
        Ok(polls)
    }

    /// The poll loop shared by [`poll_ready`](Self::poll_ready) and
    /// [`run_forever`](Self::run_forever); the caller holds `polling`.
    ///
    /// Per poll: claim the lowest ready bit (one load, one atomic AND), test
    /// the task's `live` bit, call its `poll` through the future's vtable.
    #[inline(always)]
    fn pass(&'static self) -> u32 {
        let mut polls = 0;
        while let Some(index) = self.ready.claim() {
            let bit = 1u32 << index;
            // Acquire: pairs with the spawner's Release, so the slot's
            // contents are visible before it is read.
            if self.live.load(Ordering::Acquire) & bit == 0 {
                continue; // a wake of a finished or never-spawned task
            }
            // The vtable's drop does nothing: skip the call.
            let waker = core::mem::ManuallyDrop::new(self.waker(TaskId(index as u8)));
            let mut cx = Context::from_waker(&waker);
            // SAFETY: `live` bits exist only for indices below N whose slot
            // was written (see `spawn`); only this poller (`polling`) touches
            // a live slot.
            let task = unsafe { (*self.tasks.get_unchecked(index as usize).get()).assume_init_mut() };
            if task.as_mut().poll(&mut cx).is_ready() {
                self.live.fetch_and(!bit, Ordering::Relaxed);
            }
            polls += 1;
        }
        polls
    }

    /// Thread-mode run loop: polls, then sleeps through `wait` (WFI) inside
    /// a critical section when nothing is ready, so a wake between the check
    /// and the sleep still ends the sleep (the pending interrupt wakes WFI).
    /// It takes the poller role for good, so a `poll_ready` of this executor
    /// from an interrupt handler returns `Reentered`.
    ///
    /// # Panics
    /// If another context is inside `poll_ready` of this executor.
    pub fn run_forever(&'static self, wait: fn()) -> ! {
        if self.polling.swap(1, Ordering::Acquire) != 0 {
            panic!("run_forever: executor already polled elsewhere");
        }
        loop {
            self.pass();
            critical_section::with(|_| {
                if !self.has_ready() {
                    wait();
                }
            });
        }
    }
}

#[cfg(test)]
mod tests;
