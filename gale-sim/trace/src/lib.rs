//! The trace model: one normalised, timestamped event stream per scenario run.
//!
//! Every backend (the built-in engine today; Renode and probe-rs later) emits
//! the same [`Event`]s, so a trace snapshot means the same thing whichever
//! backend produced it. Time is virtual and global to the scenario, in
//! nanoseconds ([`Nanos`]); each event names the machine (a core on a board)
//! and the source (a peripheral instance, a sensor, the engine) it came from.
//!
//! The text form ([`Trace::to_text`]) is one event per line and is what the
//! insta snapshots store, so it must stay stable: change it only on purpose.

mod escape;
mod event;
mod text;
mod uart;
mod vcd;

pub use escape::{escape_bytes, escape_controls};
pub use event::{Event, EventKind, IrqAction, Level};
pub use text::exception_name;
pub use uart::UartLine;

/// Virtual time in nanoseconds since the scenario started.
pub type Nanos = u64;

/// Converts a cycle count at `hz` into virtual nanoseconds.
///
/// Integer arithmetic only, so every backend and every run rounds alike.
pub fn cycles_to_nanos(cycles: u64, hz: u64) -> Nanos {
    debug_assert!(hz > 0);
    ((cycles as u128 * 1_000_000_000u128) / hz as u128) as Nanos
}

/// Converts virtual nanoseconds into the number of whole cycles at `hz`.
pub fn nanos_to_cycles(t: Nanos, hz: u64) -> u64 {
    ((t as u128 * hz as u128) / 1_000_000_000u128) as u64
}

/// An ordered event stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    events: Vec<Event>,
}

impl Trace {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an event. Events must be pushed in non-decreasing time order
    /// per machine; [`Trace::merge`] orders several machines' streams.
    pub fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Merges per-machine traces into one, stably ordered by time, then by the
    /// order the traces were given in (deterministic for a fixed machine order).
    pub fn merge(traces: impl IntoIterator<Item = Trace>) -> Trace {
        let mut all: Vec<(usize, usize, Event)> = Vec::new();
        for (m, trace) in traces.into_iter().enumerate() {
            for (i, e) in trace.events.into_iter().enumerate() {
                all.push((m, i, e));
            }
        }
        all.sort_by_key(|a| (a.2.t, a.0, a.1));
        Trace {
            events: all.into_iter().map(|(_, _, e)| e).collect(),
        }
    }

    /// Keeps only the events `keep` accepts (e.g. to drop register accesses
    /// from a snapshot).
    pub fn filtered(&self, mut keep: impl FnMut(&Event) -> bool) -> Trace {
        Trace {
            events: self.events.iter().filter(|e| keep(e)).cloned().collect(),
        }
    }
}

impl FromIterator<Event> for Trace {
    fn from_iter<I: IntoIterator<Item = Event>>(iter: I) -> Self {
        Trace {
            events: iter.into_iter().collect(),
        }
    }
}

impl Extend<Event> for Trace {
    fn extend<I: IntoIterator<Item = Event>>(&mut self, iter: I) {
        self.events.extend(iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_conversion_rounds_down_and_is_inverse_at_whole_ns() {
        assert_eq!(cycles_to_nanos(24, 24_000_000), 1000);
        assert_eq!(cycles_to_nanos(1, 24_000_000), 41);
        assert_eq!(nanos_to_cycles(1000, 24_000_000), 24);
        assert_eq!(cycles_to_nanos(1_000_000_000, 1_000_000_000), 1_000_000_000);
    }

    #[test]
    fn merge_orders_by_time_then_machine() {
        let a: Trace = [Event::new(5, "a", "X", EventKind::Exit { code: 0 })]
            .into_iter()
            .collect();
        let b: Trace = [
            Event::new(1, "b", "Y", EventKind::Exit { code: 1 }),
            Event::new(5, "b", "Y", EventKind::Exit { code: 2 }),
        ]
        .into_iter()
        .collect();
        let m = Trace::merge([a, b]);
        let order: Vec<_> = m
            .events()
            .iter()
            .map(|e| (e.t, e.machine.as_str()))
            .collect();
        assert_eq!(order, vec![(1, "b"), (5, "a"), (5, "b")]);
    }
}
