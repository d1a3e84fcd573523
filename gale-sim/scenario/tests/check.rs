//! Verdicts from traces: passes need evidence, failures say expected vs observed.

use gale_scenario::check::check;
use gale_scenario::Scenario;
use gale_trace::{Event, EventKind, Trace};
use std::path::Path;

fn scenario(expect: &str) -> Scenario {
    let text = format!("machines:\n  gust:\n    board: stm32f100\n    image: gust-f100\ntime_limit: 20ms\nexpect:\n{expect}");
    Scenario::parse(Path::new("s.yaml"), text).unwrap()
}

fn uart(t0: u64, text: &str) -> Vec<Event> {
    text.bytes()
        .enumerate()
        .map(|(i, b)| {
            Event::new(
                t0 + i as u64 * 1000,
                "gust",
                "USART1",
                EventKind::UartTx { byte: b },
            )
        })
        .collect()
}

fn trace() -> Trace {
    let mut t = Trace::new();
    t.extend(uart(1_000_000, "gust-f100 v0.1.0 boot\r\n"));
    t.extend(uart(3_000_000, "tick 1\r\n"));
    t.push(Event::new(
        4_000_000,
        "gust",
        "semihosting",
        EventKind::Exit { code: 0 },
    ));
    t
}

#[test]
fn uart_line_within_deadline_passes_with_evidence() {
    let s = scenario(
        "  - uart: { port: USART1, line: '^gust-f100 v\\d+\\.\\d+\\.\\d+ boot$', before: 2ms }\n",
    );
    let v = check(&s, &trace(), 4_000_000);
    assert!(v.passed(), "{v:?}");
    assert!(
        v.outcomes[0].observed.contains("0.001022000 s"),
        "{:?}",
        v.outcomes[0]
    );
}

#[test]
fn late_line_fails_and_says_when_it_came() {
    let s = scenario("  - uart: { port: USART1, line: '^tick 1$', before: 2ms }\n");
    let v = check(&s, &trace(), 4_000_000);
    assert!(!v.passed());
    let o = &v.outcomes[0];
    assert!(
        o.expected.contains("complete before 0.002000000 s"),
        "{o:?}"
    );
    assert!(o.observed.contains("came at 0.003007000 s"), "{o:?}");
}

#[test]
fn missing_line_lists_what_was_seen() {
    let s = scenario("  - uart: { port: USART1, line: '^tick 9$' }\n");
    let v = check(&s, &trace(), 4_000_000);
    let o = &v.outcomes[0];
    assert!(!o.passed);
    assert!(
        o.observed.contains("`tick 1`") && o.observed.contains("2 line(s)"),
        "{o:?}"
    );
}

#[test]
fn wrong_port_sees_nothing() {
    let s = scenario("  - uart: { port: USART2, line: 'tick' }\n");
    assert!(check(&s, &trace(), 4_000_000).outcomes[0]
        .observed
        .starts_with("no lines at all"));
}

#[test]
fn exit_code_is_compared() {
    assert!(check(&scenario("  - exit: { code: 0 }\n"), &trace(), 4_000_000).passed());
    let v = check(&scenario("  - exit: { code: 3 }\n"), &trace(), 4_000_000);
    assert_eq!(v.outcomes[0].observed, "exit 0 at 0.004000000 s");
    assert!(!v.passed());
    let no_exit = Trace::new();
    let v = check(&scenario("  - exit: { code: 0 }\n"), &no_exit, 20_000_000);
    assert!(v.outcomes[0]
        .observed
        .contains("no exit before the run ended at 0.020000000 s"));
}

#[test]
fn faults_fail_no_fault_and_explain_missing_exit() {
    let mut t = Trace::new();
    t.push(Event::new(
        5,
        "gust",
        "core",
        EventKind::Fault {
            what: "HardFault at 0x08000100".into(),
        },
    ));
    let v = check(
        &scenario("  - no_fault: {}\n  - exit: { code: 0 }\n"),
        &t,
        5,
    );
    assert!(!v.outcomes[0].passed && !v.outcomes[1].passed);
    assert!(
        v.outcomes[1].observed.contains("HardFault"),
        "{:?}",
        v.outcomes[1]
    );
}

#[test]
fn console_lines_are_checked() {
    let mut t = Trace::new();
    t.push(Event::new(
        7,
        "gust",
        "semihosting",
        EventKind::Console {
            text: "hello ".into(),
        },
    ));
    t.push(Event::new(
        9,
        "gust",
        "semihosting",
        EventKind::Console {
            text: "world\n".into(),
        },
    ));
    assert!(check(&scenario("  - console: { line: '^hello world$' }\n"), &t, 9).passed());
    assert!(!check(&scenario("  - console: { line: '^hello$' }\n"), &t, 9).passed());
}

#[test]
fn a_fault_fails_a_scenario_even_without_expectations() {
    let s = Scenario::parse(
        Path::new("s.yaml"),
        "machines:\n  gust:\n    board: stm32f100\n    image: gust-f100\ntime_limit: 20ms\n"
            .to_string(),
    )
    .unwrap();
    let mut t = trace();
    assert!(
        check(&s, &t, 20_000_000).passed(),
        "a clean run with no expectations passes"
    );
    t.push(Event::new(
        5_000_000,
        "gust",
        "core",
        EventKind::Fault {
            what: "HardFault at 0x08000100".into(),
        },
    ));
    let v = check(&s, &t, 20_000_000);
    assert!(!v.passed());
    let o = &v.outcomes[0];
    assert!(
        o.expected.contains("gust runs without a fault"),
        "{}",
        o.expected
    );
    assert!(
        o.observed.contains("fault at 0.005000000 s: HardFault"),
        "{}",
        o.observed
    );
}

#[test]
fn an_explicit_no_fault_is_not_reported_twice() {
    let s = scenario("  - no_fault: {}\n");
    let mut t = trace();
    t.push(Event::new(
        5_000_000,
        "gust",
        "core",
        EventKind::Fault {
            what: "HardFault".into(),
        },
    ));
    let v = check(&s, &t, 20_000_000);
    assert_eq!(v.outcomes.len(), 1);
    assert!(!v.passed());
}
