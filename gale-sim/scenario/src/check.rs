//! Verdicts: which expectations a run's trace meets, with the evidence.

use crate::{
    format_time, Expect, GpioExpect, LogExpect, Pattern, PinLevel, Scenario, TelemetryExpect,
};
use gale_trace::{EventKind, Level, Nanos, Trace, UartLine};
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
                    check_line(
                        &what,
                        &lines,
                        &u.line,
                        u.after.map(|t| t.0),
                        u.before.map(|t| t.0),
                        ended,
                    )
                }
                Expect::Console(c) => {
                    let lines = trace.console_lines(machine);
                    let what = format!("{machine} console line");
                    check_line(
                        &what,
                        &lines,
                        &c.line,
                        c.after.map(|t| t.0),
                        c.before.map(|t| t.0),
                        ended,
                    )
                }
                Expect::Exit(x) => check_exit(
                    machine,
                    trace,
                    x.code,
                    (x.after.map(|t| t.0), x.before.map(|t| t.0)),
                    ended,
                ),
                Expect::NoFault(_) => check_no_fault(machine, trace),
                Expect::Telemetry(t) => check_telemetry(machine, trace, t, ended),
                Expect::Log(l) => check_log(machine, trace, l, ended),
                Expect::Gpio(g) => check_gpio(machine, trace, g, ended),
            };
            Outcome {
                index,
                expected,
                passed,
                observed,
            }
        })
        .collect::<Vec<_>>();
    let mut outcomes = outcomes;
    outcomes.extend(unexpected_faults(scenario, trace));
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
    let in_window = |l: &UartLine| {
        after.is_none_or(|a| l.start >= a) && before.is_none_or(|b| l.end < b && l.complete)
    };
    if let Some(l) = lines
        .iter()
        .find(|l| pattern.is_match(&l.text) && in_window(l))
    {
        return (
            expected,
            true,
            format!("`{}` at {}", l.text, format_time(l.end)),
        );
    }
    let observed = if let Some(l) = lines.iter().find(|l| pattern.is_match(&l.text)) {
        format!(
            "a matching line `{}` came at {} (outside the window)",
            l.text,
            format_time(l.end)
        )
    } else if lines.is_empty() {
        format!(
            "no lines at all before the run ended at {}",
            format_time(ended)
        )
    } else {
        // What was seen in the window asked about (all lines when no window).
        let seen: Vec<&UartLine> = lines
            .iter()
            .filter(|l| after.is_none_or(|a| l.start >= a) && before.is_none_or(|b| l.end < b))
            .collect();
        if seen.is_empty() {
            return (
                expected,
                false,
                format!(
                    "no lines in the window ({} outside it) before the run ended at {}",
                    lines.len(),
                    format_time(ended)
                ),
            );
        }
        let within = if after.is_some() || before.is_some() {
            " in the window"
        } else {
            ""
        };
        let mut s = format!(
            "{} line(s){within}, none matching, before the run ended at {}; the last ones:",
            seen.len(),
            format_time(ended)
        );
        for l in seen.iter().rev().take(5).rev() {
            let _ = write!(s, "\n      {}  `{}`", format_time(l.end), l.text);
        }
        s
    };
    (expected, false, observed)
}

fn check_exit(
    machine: &str,
    trace: &Trace,
    code: i32,
    (after, before): (Option<Nanos>, Option<Nanos>),
    ended: Nanos,
) -> (String, bool, String) {
    let mut expected = format!("{machine} exits with code {code}");
    if let Some(a) = after {
        let _ = write!(expected, " at or after {}", format_time(a));
    }
    if let Some(b) = before {
        let _ = write!(expected, " before {}", format_time(b));
    }
    let exit = trace.events().iter().find_map(|e| match e.kind {
        EventKind::Exit { code } if e.machine == machine => Some((e.t, code)),
        _ => None,
    });
    let in_window = |t: Nanos| after.is_none_or(|a| t >= a) && before.is_none_or(|b| t < b);
    match exit {
        Some((t, c)) if c == code && in_window(t) => {
            (expected, true, format!("exit {c} at {}", format_time(t)))
        }
        Some((t, c)) if c == code => (
            expected,
            false,
            format!("exit {c} at {} (outside the window)", format_time(t)),
        ),
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

/// A fault always fails a scenario: a machine that faulted (or was stopped
/// by a limit) without an explicit `no_fault` expectation for it still gets
/// a failing outcome, so a scenario with no expectations cannot PASS over a
/// HardFault. Machines that ran cleanly add nothing to the report.
fn unexpected_faults(scenario: &Scenario, trace: &Trace) -> Vec<Outcome> {
    let covered: Vec<&str> = scenario
        .def
        .expect
        .iter()
        .filter(|e| matches!(e, Expect::NoFault(_)))
        .filter_map(|e| scenario.resolve_machine(e.machine()))
        .collect();
    let base = scenario.def.expect.len();
    scenario
        .def
        .machines
        .keys()
        .filter(|m| !covered.contains(&m.as_str()))
        .filter_map(|m| first_fault(m, trace).map(|f| (m, f)))
        .enumerate()
        .map(|(k, (m, (t, what)))| Outcome {
            index: base + k,
            expected: format!(
                "{m} runs without a fault (implicit: a fault always fails a scenario)"
            ),
            passed: false,
            observed: format!("fault at {}: {what}", format_time(t)),
        })
        .collect()
}

fn check_no_fault(machine: &str, trace: &Trace) -> (String, bool, String) {
    let expected = format!("{machine} reports no fault");
    match first_fault(machine, trace) {
        Some((t, w)) => (expected, false, format!("fault at {}: {w}", format_time(t))),
        None => (expected, true, "no fault".into()),
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn check_telemetry(
    machine: &str,
    trace: &Trace,
    t: &TelemetryExpect,
    ended: Nanos,
) -> (String, bool, String) {
    let (lo, hi) = t.bounds();
    let bounds = match (t.value, t.tolerance) {
        (Some(v), tol) => format!("{} ± {}", fmt_num(v), fmt_num(tol.unwrap_or(0.0))),
        (None, _) => format!("in [{}, {}]", fmt_num(lo), fmt_num(hi)),
    };
    let decoded = crate::telemetry::decode(trace, machine, &t.port);
    let all: Vec<(Nanos, f64)> = decoded
        .messages
        .iter()
        .filter(|(_, m)| m.kind() == t.message)
        .filter_map(|(at, m)| m.field(&t.field).map(|v| (*at, v)))
        .collect();
    // `after` (with `at` or `by`): earlier frames do not count.
    let after = t.after.map(|a| a.0).unwrap_or(0);
    let values: Vec<(Nanos, f64)> = all.iter().copied().filter(|(ft, _)| *ft >= after).collect();
    let since = if t.after.is_some() {
        format!(" (frames at or after {})", format_time(after))
    } else {
        String::new()
    };
    let ok = |v: f64| lo <= v && v <= hi;
    let subject = format!(
        "{machine}/{} telemetry {}.{} {bounds}",
        t.port, t.message, t.field
    );
    let summary = || {
        format!(
            "{} {} frame(s), {} CRC error(s) before the run ended at {}",
            values.len(),
            t.message,
            decoded.crc_errors,
            format_time(ended)
        )
    };
    if let Some(at) = t.at {
        let expected = format!("{subject} at {}{since}", format_time(at.0));
        if at.0 > ended {
            return (expected, false, ended_before(at.0, ended, all.last()));
        }
        return match values.iter().rev().find(|(ft, _)| *ft <= at.0) {
            Some((ft, v)) => (
                expected,
                ok(*v),
                format!("{} from the frame at {}", fmt_num(*v), format_time(*ft)),
            ),
            None => (expected, false, format!("no frame by then; {}", summary())),
        };
    }
    if let Some(by) = t.by {
        let expected = format!("{subject} by {}{since}", format_time(by.0));
        let before: Vec<_> = values.iter().filter(|(ft, _)| *ft < by.0).collect();
        return match before.iter().find(|(_, v)| ok(*v)) {
            Some((ft, v)) => (
                expected,
                true,
                format!("{} at {}", fmt_num(*v), format_time(*ft)),
            ),
            None => match before.last() {
                Some((ft, v)) => (
                    expected,
                    false,
                    format!(
                        "no frame within bounds; the last before then: {} at {}",
                        fmt_num(*v),
                        format_time(*ft)
                    ),
                ),
                None => (
                    expected,
                    false,
                    format!("no frame before then; {}", summary()),
                ),
            },
        };
    }
    let from = t.from.map(|x| x.0).unwrap_or(0);
    let until = t.until.map(|x| x.0).unwrap_or(Nanos::MAX);
    let mut expected = format!("{subject} in every frame from {}", format_time(from));
    if until != Nanos::MAX {
        let _ = write!(expected, " until {}", format_time(until));
    }
    let window: Vec<_> = values
        .iter()
        .filter(|(ft, _)| from <= *ft && *ft < until)
        .collect();
    match window.iter().find(|(_, v)| !ok(*v)) {
        Some((ft, v)) => (
            expected,
            false,
            format!("{} at {} (out of bounds)", fmt_num(*v), format_time(*ft)),
        ),
        None if window.is_empty() => (
            expected,
            false,
            format!("no frame in the window; {}", summary()),
        ),
        None => {
            let (min, max) = window
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, v)| {
                    (a.min(*v), b.max(*v))
                });
            (
                expected,
                true,
                format!(
                    "{} frame(s), values {}..{}",
                    window.len(),
                    fmt_num(min),
                    fmt_num(max)
                ),
            )
        }
    }
}

/// Why a check at `at` cannot hold in a run that ended at `ended`, with
/// the last value seen.
fn ended_before(at: Nanos, ended: Nanos, last: Option<&(Nanos, f64)>) -> String {
    let mut s = format!(
        "the run ended at {}, before {}: nothing was observed then",
        format_time(ended),
        format_time(at)
    );
    if let Some((ft, v)) = last {
        let _ = write!(
            s,
            "; the last frame: {} at {}",
            fmt_num(*v),
            format_time(*ft)
        );
    }
    s
}

fn check_log(machine: &str, trace: &Trace, l: &LogExpect, ended: Nanos) -> (String, bool, String) {
    let all: Vec<(Nanos, &str, &str)> = trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Log { level, text } if e.machine == machine => {
                Some((e.t, level.as_str(), text.as_str()))
            }
            _ => None,
        })
        .collect();
    let lines: Vec<(Nanos, &str, &str)> = all
        .iter()
        .copied()
        .filter(|(_, level, _)| l.level.as_deref().is_none_or(|want| want == *level))
        .collect();
    let in_window = |t: Nanos| l.after.is_none_or(|a| t >= a.0) && l.before.is_none_or(|b| t < b.0);
    let mut expected = format!(
        "{machine} {}log line{} matching {}",
        if l.absent { "no " } else { "" },
        l.level
            .as_deref()
            .map(|x| format!(" at level {x}"))
            .unwrap_or_default(),
        l.line
    );
    if let Some(a) = l.after {
        let _ = write!(expected, " at or after {}", format_time(a.0));
    }
    if let Some(b) = l.before {
        let _ = write!(expected, " before {}", format_time(b.0));
    }
    let hit = lines
        .iter()
        .find(|(t, _, text)| in_window(*t) && l.line.is_match(text));
    match (hit, l.absent) {
        (Some((t, lvl, text)), false) => (
            expected,
            true,
            format!("[{lvl}] `{text}` at {}", format_time(*t)),
        ),
        (Some((t, lvl, text)), true) => (
            expected,
            false,
            format!("[{lvl}] `{text}` at {}", format_time(*t)),
        ),
        (None, true) => (
            expected,
            true,
            format!("none among {} log line(s)", lines.len()),
        ),
        (None, false) => {
            let late = lines.iter().find(|(_, _, text)| l.line.is_match(text));
            let other_level = all
                .iter()
                .find(|(t, _, text)| in_window(*t) && l.line.is_match(text));
            let window: Vec<_> = all.iter().filter(|(t, _, _)| in_window(*t)).collect();
            let observed = match (late, other_level) {
                (Some((t, _, text)), _) => format!(
                    "a matching line `{text}` came at {} (outside the window)",
                    format_time(*t)
                ),
                (None, Some((t, lvl, text))) => format!(
                    "a matching line at level {lvl}, not {}: [{lvl}] `{text}` at {}",
                    l.level.as_deref().unwrap_or("any"),
                    format_time(*t)
                ),
                (None, None) if all.is_empty() => format!(
                    "no log lines at all before the run ended at {}",
                    format_time(ended)
                ),
                (None, None) if window.is_empty() => format!(
                    "no log lines in the window ({} outside it) before the run ended at {}",
                    all.len(),
                    format_time(ended)
                ),
                (None, None) => {
                    let mut s = format!(
                        "{} log line(s) in the window, none matching; the last ones:",
                        window.len()
                    );
                    for (t, lvl, text) in window.iter().rev().take(5).rev() {
                        let _ = write!(s, "\n      {}  [{lvl}] `{text}`", format_time(*t));
                    }
                    s
                }
            };
            (expected, false, observed)
        }
    }
}

fn check_gpio(
    machine: &str,
    trace: &Trace,
    g: &GpioExpect,
    ended: Nanos,
) -> (String, bool, String) {
    let want = match g.level {
        PinLevel::High => Level::High,
        PinLevel::Low => Level::Low,
    };
    let name = |l: Level| if l == Level::High { "high" } else { "low" };
    // Pins start low (all three chips reset their outputs low); edges change them.
    let edges: Vec<(Nanos, Level)> = trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Gpio { pin, level } if e.machine == machine && *pin == g.pin => {
                Some((e.t, *level))
            }
            _ => None,
        })
        .collect();
    let level_at = |t: Nanos| {
        edges
            .iter()
            .rev()
            .find(|(et, _)| *et <= t)
            .map(|(_, l)| *l)
            .unwrap_or(Level::Low)
    };
    let subject = format!("{machine}/{} {}", g.pin, name(want));
    if let Some(at) = g.at {
        if at.0 > ended {
            return (
                format!("{subject} at {}", format_time(at.0)),
                false,
                format!(
                    "the run ended at {}, before {}: nothing was observed then",
                    format_time(ended),
                    format_time(at.0)
                ),
            );
        }
        let l = level_at(at.0);
        let last = edges.iter().rev().find(|(et, _)| *et <= at.0);
        let why = match last {
            Some((et, _)) => format!("{} (since {})", name(l), format_time(*et)),
            None => format!("{} (never driven by then: reset level)", name(l)),
        };
        return (
            format!("{subject} at {}", format_time(at.0)),
            l == want,
            why,
        );
    }
    let by = g.by.map(|b| b.0).unwrap_or(Nanos::MAX);
    let after = g.after.map(|a| a.0).unwrap_or(0);
    let mut expected = format!("{subject} by {}", format_time(by));
    if g.after.is_some() {
        let _ = write!(expected, " (at or after {})", format_time(after));
    }
    if level_at(after) == want {
        return (
            expected,
            true,
            format!("already {} at {}", name(want), format_time(after)),
        );
    }
    match edges
        .iter()
        .find(|(et, l)| *et >= after && *et <= by && *l == want)
    {
        Some((et, _)) => (
            expected,
            true,
            format!("went {} at {}", name(want), format_time(*et)),
        ),
        None => {
            let late = edges.iter().find(|(et, l)| *et > by && *l == want);
            let observed = match late {
                Some((et, _)) => format!("went {} only at {}", name(want), format_time(*et)),
                None if edges.is_empty() => format!("{} never changed level", g.pin),
                None => format!(
                    "{} edge(s), never {} in the window",
                    edges.len(),
                    name(want)
                ),
            };
            (expected, false, observed)
        }
    }
}
