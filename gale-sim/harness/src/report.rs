//! What the user reads: PASS/FAIL per scenario with evidence, and a summary.

use crate::runner::RunOutcome;
use gale_scenario::format_time;
use gale_trace::escape_controls;
use std::fmt::Write;

/// The verdict block of one scenario: a headline, then each expectation.
pub fn outcome_text(out: &RunOutcome) -> String {
    block(out, true)
}

/// The headline and only the failed expectations (for `--quiet`); empty
/// when the scenario passed.
pub fn failures_text(out: &RunOutcome) -> String {
    if out.passed() {
        String::new()
    } else {
        block(out, false)
    }
}

fn block(out: &RunOutcome, passing_too: bool) -> String {
    let mut s = String::new();
    let ends: Vec<String> = out
        .ends
        .iter()
        .map(|e| format!("{}: {} at {}", e.machine, e.how, format_time(e.at)))
        .collect();
    let _ = writeln!(
        s,
        "{} {}  ({}; wall {:.2} s)",
        if out.passed() { "PASS" } else { "FAIL" },
        out.name,
        ends.join(", "),
        out.wall.as_secs_f64()
    );
    for note in &out.notes {
        let _ = writeln!(s, "      note: {note}");
    }
    for o in &out.verdict.outcomes {
        // Firmware text (UART lines, logs) may hold any byte: escape controls.
        let (expected, observed) = (escape_controls(&o.expected), escape_controls(&o.observed));
        if o.passed && !passing_too {
            continue;
        }
        if o.passed {
            let _ = writeln!(s, "    ok   {expected}\n         seen: {observed}");
        } else {
            let _ = writeln!(
                s,
                "    FAIL expected: {expected}\n         observed: {observed}"
            );
        }
    }
    if out.verdict.outcomes.is_empty() {
        let _ = writeln!(
            s,
            "    (no expectations: the run only has to start and end)"
        );
    }
    s
}

/// The closing line: `scenarios: N passed, N failed`.
pub fn summary(passed: usize, failed: usize, errors: usize) -> String {
    if errors > 0 {
        format!(
            "scenarios: {passed} passed, {} failed ({errors} could not run)",
            failed + errors
        )
    } else {
        format!("scenarios: {passed} passed, {failed} failed")
    }
}
