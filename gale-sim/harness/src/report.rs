//! What the user reads: PASS/FAIL per scenario with evidence, and a summary.

use crate::runner::RunOutcome;
use gale_scenario::format_time;
use std::fmt::Write;

/// The verdict block of one scenario: a headline, then each expectation.
pub fn outcome_text(out: &RunOutcome) -> String {
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
        if o.passed {
            let _ = writeln!(s, "    ok   {}\n         seen: {}", o.expected, o.observed);
        } else {
            let _ = writeln!(
                s,
                "    FAIL expected: {}\n         observed: {}",
                o.expected, o.observed
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
