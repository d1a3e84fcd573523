//! Verdicts: which expectations a run's trace meets, with the evidence.

use crate::{format_time, Expect, Pattern, Scenario};
use gale_trace::{EventKind, Nanos, Trace, UartLine};
use std::fmt::Write;

/// The result of one expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Position in the scenario's `expect:` list.
    pub index: usize,
    /// What was expected, in words.
    pub expected: String,
    pub passed: bool,
    /// What was observed (and when): the evidence for PASS, the reason for FAIL.
    pub observed: String,
}

/// All outcomes of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub outcomes: Vec<Outcome>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }

    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| !o.passed)
    }
}

/// Checks every expectation of `scenario` against `trace`. `ended` is the
/// virtual time at which the run stopped (for messages).
pub fn check(scenario: &Scenario, trace: &Trace, ended: Nanos) -> Verdict {
    let outcomes = scenario
        .def
        .expect
        .iter()
        .enumerate()
        .map(|(index, e)| {
            // Validation guarantees the machine resolves.
            let machine = scenario.resolve_machine(e.machine()).unwrap_or_default();
            let (expected, passed, observed) = match e {
                Expect::Uart(u) => {
                    let lines = trace.uart_tx_lines(machine, &u.port);
                    let what = format!("{machine}/{} line", u.port);
                    check_line(&what, &lines, &u.line, u.after.map(|t| t.0), u.before.map(|t| t.0), ended)
                }
                Expect::Console(c) => {
                    let lines = trace.console_lines(machine);
                    let what = format!("{machine} console line");
                    check_line(&what, &lines, &c.line, None, c.before.map(|t| t.0), ended)
                }
                Expect::Exit(x) => check_exit(machine, trace, x.code, x.before.map(|t| t.0), ended),
                Expect::NoFault(_) => check_no_fault(machine, trace),
            };
            Outcome { index, expected, passed, observed }
        })
        .collect();
    Verdict { outcomes }
}

fn check_line(
    what: &str,
    lines: &[UartLine],
    pattern: &Pattern,
    after: Option<Nanos>,
    before: Option<Nanos>,
    ended: Nanos,
) -> (String, bool, String) {
    let mut expected = format!("{what} matching {pattern}");
    if let Some(a) = after {
        let _ = write!(expected, " at or after {}", format_time(a));
    }
    if let Some(b) = before {
        let _ = write!(expected, " complete before {}", format_time(b));
    }
    let in_window = |l: &UartLine| after.is_none_or(|a| l.start >= a) && before.is_none_or(|b| l.end < b && l.complete);
    if let Some(l) = lines.iter().find(|l| pattern.is_match(&l.text) && in_window(l)) {
        return (expected, true, format!("`{}` at {}", l.text, format_time(l.end)));
    }
    let observed = if let Some(l) = lines.iter().find(|l| pattern.is_match(&l.text)) {
        format!("a matching line `{}` came at {} (outside the window)", l.text, format_time(l.end))
    } else if lines.is_empty() {
        format!("no lines at all before the run ended at {}", format_time(ended))
    } else {
        let mut s = format!("{} line(s), none matching, before the run ended at {}; the last ones:", lines.len(), format_time(ended));
        for l in lines.iter().rev().take(5).rev() {
            let _ = write!(s, "\n      {}  `{}`", format_time(l.end), l.text);
        }
        s
    };
    (expected, false, observed)
}

fn check_exit(machine: &str, trace: &Trace, code: i32, before: Option<Nanos>, ended: Nanos) -> (String, bool, String) {
    let mut expected = format!("{machine} exits with code {code}");
    if let Some(b) = before {
        let _ = write!(expected, " before {}", format_time(b));
    }
    let exit = trace.events().iter().find_map(|e| match e.kind {
        EventKind::Exit { code } if e.machine == machine => Some((e.t, code)),
        _ => None,
    });
    match exit {
        Some((t, c)) if c == code && before.is_none_or(|b| t < b) => (expected, true, format!("exit {c} at {}", format_time(t))),
        Some((t, c)) => (expected, false, format!("exit {c} at {}", format_time(t))),
        None => {
            let fault = first_fault(machine, trace);
            let why = match fault {
                Some((t, w)) => format!("no exit: fault at {}: {w}", format_time(t)),
                None => format!("no exit before the run ended at {}", format_time(ended)),
            };
            (expected, false, why)
        }
    }
}

fn first_fault<'a>(machine: &str, trace: &'a Trace) -> Option<(Nanos, &'a str)> {
    trace.events().iter().find_map(|e| match &e.kind {
        EventKind::Fault { what } if e.machine == machine => Some((e.t, what.as_str())),
        _ => None,
    })
}

fn check_no_fault(machine: &str, trace: &Trace) -> (String, bool, String) {
    let expected = format!("{machine} reports no fault");
    match first_fault(machine, trace) {
        Some((t, w)) => (expected, false, format!("fault at {}: {w}", format_time(t))),
        None => (expected, true, "no fault".into()),
    }
}
