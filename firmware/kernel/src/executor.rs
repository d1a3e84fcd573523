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
use core::pin::Pin;
use core::task::{Context, RawWaker, RawWakerVTable, Waker};

use crate::arena::{Arena, ArenaFull};
use crate::atomic::{AtomicU8, Ordering};
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

const EMPTY: u8 = 0;
const SPAWNING: u8 = 1;
const IDLE: u8 = 2;
const POLLING: u8 = 3;
const DONE: u8 = 4;

type TaskRef = Pin<&'static mut dyn Future<Output = ()>>;

/// An executor of up to `N` tasks.
pub struct Executor<const N: usize> {
    ready: Ready,
    state: [AtomicU8; N],
    tasks: [UnsafeCell<Option<TaskRef>>; N],
    polling: AtomicU8,
}

// SAFETY: a task slot is written only by the spawner that moved it
// EMPTY -> SPAWNING, and read only by the single poller (guarded by
// `polling`) while in POLLING; all state changes are atomic.
unsafe impl<const N: usize> Sync for Executor<N> {}

fn raw_waker(ready: &'static Ready, index: u32) -> RawWaker {
    RawWaker::new((ready as *const Ready as usize | index as usize) as *const (), &VTABLE)
}

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
            state: [const { AtomicU8::new(EMPTY) }; N],
            tasks: [const { UnsafeCell::new(None) }; N],
            polling: AtomicU8::new(0),
        }
    }

    /// Adds a task in the first free slot (lowest index = highest priority)
    /// and marks it ready.
    pub fn spawn<F: Future<Output = ()> + 'static>(&'static self, fut: &'static mut F) -> Result<TaskId, SpawnError> {
        let index = (0..N)
            .find(|&i| self.state[i].compare_exchange(EMPTY, SPAWNING, Ordering::AcqRel, Ordering::Relaxed).is_ok())
            .ok_or(SpawnError::NoFreeSlot)?;
        let task: TaskRef = Pin::static_mut(fut);
        // SAFETY: the CAS above gave this call exclusive use of the slot.
        unsafe { *self.tasks[index].get() = Some(task) };
        self.state[index].store(IDLE, Ordering::Release);
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
        let mut polls = 0;
        while let Some(index) = self.ready.claim() {
            let index = index as usize;
            // Only this poller moves a task out of IDLE (spawners move
            // EMPTY -> SPAWNING -> IDLE), so a load and a store suffice.
            if index >= N || self.state[index].load(Ordering::Acquire) != IDLE {
                continue; // a wake of a finished or never-spawned task
            }
            self.state[index].store(POLLING, Ordering::Relaxed);
            // The vtable's drop does nothing: skip the call.
            let waker = core::mem::ManuallyDrop::new(self.waker(TaskId(index as u8)));
            let mut cx = Context::from_waker(&waker);
            // SAFETY: slot in POLLING is touched only here, and `polling`
            // admits one poller.
            let task = unsafe { &mut *self.tasks[index].get() };
            let done = match task {
                Some(fut) => fut.as_mut().poll(&mut cx).is_ready(),
                None => true,
            };
            polls += 1;
            self.state[index].store(if done { DONE } else { IDLE }, Ordering::Release);
        }
        self.polling.store(0, Ordering::Release);
        Ok(polls)
    }

    /// Thread-mode run loop: polls, then sleeps through `wait` (WFI) inside
    /// a critical section when nothing is ready, so a wake between the check
    /// and the sleep still ends the sleep (the pending interrupt wakes WFI).
    pub fn run_forever(&'static self, wait: fn()) -> ! {
        loop {
            let _ = self.poll_ready();
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
