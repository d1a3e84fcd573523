//! loom model of an interrupt waking a task while the executor polls.
//!
//! Run: `cargo test -p gale-kernel --features loom --test loom_wake --release`.
//! Threads stand for contexts: the "ISR" publishes work and marks the task
//! ready; the "executor" claims ready tasks and looks for the work. loom
//! explores every interleaving permitted by the memory model (C11, which is
//! weaker than the Cortex-M's), checking:
//! * no lost wake-up: published work is either seen by a poll that follows a
//!   claim, or the task is still marked ready (so the next pass sees it);
//! * no double poll: claims of a task never exceed the wakes it received.
#![cfg(feature = "loom")]

use gale_kernel::ready::Ready;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

fn no_signal() {}

#[test]
fn isr_wake_versus_executor_poll() {
    loom::model(|| {
        let ready = Arc::new(Ready::new(Some(no_signal)));
        let work = Arc::new(AtomicUsize::new(0));
        let isr = {
            let (ready, work) = (ready.clone(), work.clone());
            thread::spawn(move || {
                work.store(1, Ordering::Release);
                ready.mark(3);
            })
        };
        let mut seen = 0;
        let mut claims = 0;
        for _ in 0..2 {
            while let Some(i) = ready.claim() {
                assert_eq!(i, 3);
                claims += 1;
                seen = seen.max(work.load(Ordering::Acquire));
            }
        }
        isr.join().unwrap();
        assert!(claims <= 1, "double poll");
        assert!(seen == 1 || ready.peek() & (1 << 3) != 0, "lost wake-up");
    });
}

#[test]
fn two_isrs_and_the_poller() {
    loom::model(|| {
        let ready = Arc::new(Ready::new(Some(no_signal)));
        let wakes = Arc::new(AtomicUsize::new(0));
        let spawn_isr = |index: u32| {
            let (ready, wakes) = (ready.clone(), wakes.clone());
            thread::spawn(move || {
                wakes.fetch_add(1, Ordering::AcqRel);
                ready.mark(index);
            })
        };
        let a = spawn_isr(0);
        let b = spawn_isr(1);
        let mut claimed = [0; 2];
        while let Some(i) = ready.claim() {
            claimed[i as usize] += 1;
        }
        a.join().unwrap();
        b.join().unwrap();
        while let Some(i) = ready.claim() {
            claimed[i as usize] += 1;
        }
        assert_eq!(claimed, [1, 1], "each wake served exactly once");
        assert_eq!(wakes.load(Ordering::Acquire), 2);
    });
}
