use super::*;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Wake;

struct MockAlarm {
    now: AtomicU64,
    armed: AtomicU64, // u64::MAX = none
}

impl Alarm for MockAlarm {
    fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
    fn set_alarm(&self, at: Option<u64>) {
        self.armed.store(at.unwrap_or(u64::MAX), Ordering::SeqCst);
    }
}

struct Count(AtomicUsize);
impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn queue() -> (&'static MockAlarm, &'static TimerQueue<4>) {
    let alarm: &'static MockAlarm = Box::leak(Box::new(MockAlarm { now: AtomicU64::new(0), armed: AtomicU64::new(u64::MAX) }));
    (alarm, Box::leak(Box::new(TimerQueue::new(alarm))))
}

#[test]
fn alarm_tracks_the_earliest_deadline_and_wakes_only_expired() {
    let (alarm, q) = queue();
    let counts: Vec<Arc<Count>> = (0..3).map(|_| Arc::new(Count(AtomicUsize::new(0)))).collect();
    let mut delays: Vec<_> = [30, 10, 20].iter().map(|&t| Box::pin(q.at(t))).collect();
    for (d, c) in delays.iter_mut().zip(&counts) {
        let waker = Waker::from(c.clone());
        assert!(d.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
    }
    assert_eq!(alarm.armed.load(Ordering::SeqCst), 10);
    alarm.now.store(20, Ordering::SeqCst);
    q.on_alarm();
    let woken: Vec<usize> = counts.iter().map(|c| c.0.load(Ordering::SeqCst)).collect();
    assert_eq!(woken, [0, 1, 1]);
    assert_eq!(alarm.armed.load(Ordering::SeqCst), 30);
    assert_eq!(q.pending(), 1);
    let waker = Waker::from(counts[1].clone());
    assert!(delays[1].as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
}

#[test]
fn a_full_queue_wakes_at_once_instead_of_losing_the_task() {
    let (_, q) = queue();
    let c = Arc::new(Count(AtomicUsize::new(0)));
    let mut delays: Vec<_> = (0..5).map(|i| (Box::pin(q.at(100 + i)), Arc::new(Count(AtomicUsize::new(0))))).collect();
    for (d, c) in delays.iter_mut() {
        let w = Waker::from(c.clone());
        let _ = d.as_mut().poll(&mut Context::from_waker(&w));
    }
    drop(c);
    assert_eq!(q.pending(), 4);
    assert_eq!(delays[4].1 .0.load(Ordering::SeqCst), 1, "fifth waiter woken immediately");
}

/// Random deadlines and clock advances: a task is woken iff its deadline
/// has passed, never before.
#[test]
fn wakes_exactly_the_expired_deadlines() {
    bolero::check!().with_iterations(1000).with_type::<Vec<(u8, u8)>>().for_each(|ops| {
        let (alarm, q) = queue();
        let mut live: Vec<(u64, Arc<Count>, Pin<Box<Delay<4>>>)> = Vec::new();
        for &(kind, v) in ops {
            let now = alarm.now();
            if kind % 2 == 0 && live.len() < 4 {
                let at = now + v as u64 % 16;
                let c = Arc::new(Count(AtomicUsize::new(0)));
                let mut d = Box::pin(q.at(at));
                let w = Waker::from(c.clone());
                if d.as_mut().poll(&mut Context::from_waker(&w)).is_pending() {
                    live.push((at, c, d));
                }
            } else {
                alarm.now.store(now + v as u64 % 8, Ordering::SeqCst);
                if alarm.armed.load(Ordering::SeqCst) <= alarm.now() {
                    q.on_alarm();
                }
                let now = alarm.now();
                for (at, c, _) in &live {
                    assert_eq!(c.0.load(Ordering::SeqCst) > 0, *at <= now, "deadline {at} now {now}");
                }
                live.retain(|(at, _, _)| *at > now);
            }
        }
    });
}
