//! Synchronisation primitives, each with a non-blocking form usable from
//! interrupt handlers (`try_*`, `set`, `signal`, `release`) and an async form
//! for tasks. State lives in a `critical_section::Mutex`, so every operation
//! is a short critical section; waiting tasks are kept in a
//! [`WakerSet`](crate::waker_set::WakerSet) of `W` entries.

pub mod byte_queue;
pub mod ceiling;
pub mod channel;
pub mod flags;
pub mod irq_event;
pub mod mutex;
pub mod semaphore;
pub mod signal;

/// Runs `f` on the state inside a critical section.
pub(crate) fn with<S, R>(state: &critical_section::Mutex<core::cell::RefCell<S>>, f: impl FnOnce(&mut S) -> R) -> R {
    critical_section::with(|cs| f(&mut state.borrow_ref_mut(cs)))
}

/// Waits until `ready` yields a value; while it yields `None` the task's
/// waker is registered in the set `waiters` picks out of the state. Check
/// and registration happen in one critical section, so a wake cannot slip
/// between them.
pub(crate) async fn wait_for<S, R, const W: usize>(
    state: &critical_section::Mutex<core::cell::RefCell<S>>,
    mut ready: impl FnMut(&mut S) -> Option<R>,
    waiters: fn(&mut S) -> &mut crate::waker_set::WakerSet<W>,
) -> R {
    core::future::poll_fn(|cx| {
        with(state, |s| match ready(s) {
            Some(r) => core::task::Poll::Ready(r),
            None => {
                waiters(s).register(cx.waker());
                core::task::Poll::Pending
            }
        })
    })
    .await
}

#[cfg(test)]
pub(crate) mod testing;
