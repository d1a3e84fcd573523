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
///
/// A plain function returning the `poll_fn` (not an `async fn`): the
/// future a task awaits is this one closure, with no extra state machine
/// layers to dispatch through on every poll.
pub(crate) fn wait_for<'a, S, R, const W: usize>(
    state: &'a critical_section::Mutex<core::cell::RefCell<S>>,
    mut ready: impl FnMut(&mut S) -> Option<R> + 'a,
    waiters: impl Fn(&mut S) -> &mut crate::waker_set::WakerSet<W> + 'a,
) -> impl core::future::Future<Output = R> + 'a {
    core::future::poll_fn(move |cx| {
        with(state, |s| match ready(s) {
            Some(r) => core::task::Poll::Ready(r),
            None => {
                waiters(s).register(cx.waker());
                core::task::Poll::Pending
            }
        })
    })
}

#[cfg(test)]
pub(crate) mod testing;
