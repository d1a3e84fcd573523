//! Executor properties against a reference model of the ready set.
use super::*;
use core::task::Poll;
use std::cell::RefCell;
use std::vec::Vec;

/// Reference model: which tasks have an unserved wake, the poll log, and
/// the wakes each task performs from inside its next polls.
#[derive(Default)]
struct Model {
    pending: [bool; 8],
    polls: Vec<usize>,
    wakers: Vec<Waker>,
    /// Per task, a queue of task sets to wake while being polled.
    scripts: [Vec<u8>; 8],
    signals: u32,
}

thread_local! {
    static MODEL: RefCell<Model> = RefCell::new(Model::default());
}

fn signal() {
    MODEL.with(|m| m.borrow_mut().signals += 1);
}

fn wake(index: usize) {
    let waker = MODEL.with(|m| {
        let mut m = m.borrow_mut();
        m.pending[index] = true;
        m.wakers[index].clone()
    });
    waker.wake();
}

/// A task that never finishes; each poll checks the model and then runs its
/// script's next wake set.
struct Probe(usize);

impl Future for Probe {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let me = self.0;
        let todo = MODEL.with(|m| {
            let mut m = m.borrow_mut();
            assert!(m.pending[me], "task {me} polled without an unserved wake (double poll)");
            let highest = m.pending.iter().position(|p| *p).unwrap();
            assert_eq!(highest, me, "task {me} polled while {highest} (higher priority) was ready");
            m.pending[me] = false;
            m.polls.push(me);
            if m.scripts[me].is_empty() {
                0
            } else {
                m.scripts[me].remove(0)
            }
        });
        for target in 0..8 {
            if todo & (1 << target) != 0 {
                wake(target);
            }
        }
        Poll::Pending
    }
}

fn setup(n: usize) -> &'static Executor<8> {
    let exec: &'static Executor<8> = Box::leak(Box::new(Executor::new(signal)));
    MODEL.with(|m| *m.borrow_mut() = Model::default());
    for i in 0..n {
        let id = exec.spawn(Box::leak(Box::new(Probe(i)))).unwrap();
        assert_eq!(id, TaskId(i as u8));
        MODEL.with(|m| {
            let mut m = m.borrow_mut();
            m.pending[i] = true;
            m.wakers.push(exec.waker(id));
        });
    }
    exec
}

#[test]
fn spawned_tasks_run_once_in_priority_order() {
    let exec = setup(3);
    assert_eq!(exec.poll_ready(), Ok(3));
    MODEL.with(|m| assert_eq!(m.borrow().polls, [0, 1, 2]));
    assert_eq!(exec.poll_ready(), Ok(0));
}

#[test]
fn a_wake_during_a_poll_is_served_in_the_same_pass_by_priority() {
    let exec = setup(3);
    exec.poll_ready().unwrap();
    // Task 2 wakes task 0 and itself: 0 runs before 2's second poll.
    MODEL.with(|m| m.borrow_mut().scripts[2] = vec![0b101]);
    wake(2);
    assert_eq!(exec.poll_ready(), Ok(3));
    MODEL.with(|m| assert_eq!(m.borrow().polls[3..], [2, 0, 2]));
}

#[test]
fn spawn_beyond_capacity_is_refused() {
    let exec = setup(8);
    assert_eq!(exec.spawn(Box::leak(Box::new(Probe(0)))), Err(SpawnError::NoFreeSlot));
}

#[test]
fn the_wake_signals_the_poller() {
    let exec = setup(1);
    exec.poll_ready().unwrap();
    let before = MODEL.with(|m| m.borrow().signals);
    wake(0);
    assert_eq!(MODEL.with(|m| m.borrow().signals), before + 1);
    assert!(exec.has_ready());
}

#[test]
fn finished_tasks_are_not_polled_again() {
    static ARENA: Arena<256> = Arena::new();
    let exec: &'static Executor<2> = Box::leak(Box::new(Executor::new(signal)));
    static COUNT: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
    let id = exec
        .spawn_in(&ARENA, async {
            COUNT.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
    assert_eq!(exec.poll_ready(), Ok(1));
    exec.waker(id).wake();
    assert_eq!(exec.poll_ready(), Ok(0));
    assert_eq!(COUNT.load(Ordering::Relaxed), 1);
}

/// Random interleavings of outside ("ISR") wakes, wakes from inside polls
/// and poll passes: every poll is justified by an unserved wake (no double
/// poll), always picks the highest-priority ready task, and after a pass no
/// wake is left unserved (no lost wake-up).
#[test]
fn random_wake_and_poll_sequences_match_the_model() {
    bolero::check!().with_iterations(1000).with_type::<(u8, Vec<(u8, u8)>)>().for_each(|(n, ops)| {
        let n = (*n as usize % 8) + 1;
        let exec = setup(n);
        for &(op, arg) in ops {
            match op % 3 {
                0 => wake(arg as usize % n),
                1 => MODEL.with(|m| m.borrow_mut().scripts[arg as usize % n].push((op / 3) & ((1u16 << n) - 1) as u8)),
                _ => {
                    exec.poll_ready().unwrap();
                    MODEL.with(|m| assert!(m.borrow().pending.iter().all(|p| !p), "lost wake-up"));
                    assert!(!exec.has_ready());
                }
            }
        }
    });
}

#[test]
fn a_wake_of_a_never_spawned_slot_is_dropped() {
    let exec = setup(1);
    assert_eq!(exec.poll_ready(), Ok(1));
    exec.waker(TaskId(5)).wake();
    assert_eq!(exec.poll_ready(), Ok(0));
}

/// A task parked on a `Signal` (registered through the inlined own-waker
/// clone) is polled exactly once per signal (woken through the inlined
/// mark, not the vtable).
#[test]
fn a_signal_wakes_its_waiting_task_through_the_own_waker_path() {
    use crate::sync::signal::Signal;
    static ARENA: Arena<256> = Arena::new();
    static SIG: Signal<u32, 1> = Signal::new();
    static POLLS: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
    let exec: &'static Executor<2> = Box::leak(Box::new(Executor::new(signal)));
    exec.spawn_in(&ARENA, async {
        loop {
            POLLS.fetch_add(1, Ordering::Relaxed);
            SIG.wait().await;
        }
    })
    .unwrap();
    assert_eq!(exec.poll_ready(), Ok(1));
    assert!(!exec.has_ready());
    SIG.signal(1);
    assert!(exec.has_ready(), "the signal must mark the waiting task ready");
    assert_eq!(exec.poll_ready(), Ok(1));
    assert_eq!(POLLS.load(Ordering::Relaxed), 2);
    assert_eq!(exec.poll_ready(), Ok(0));
}
