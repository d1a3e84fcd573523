//! Malformed scenarios give located, actionable errors and never panic.

// Helpers return Diagnostic, as the crate does (see its lib.rs).
#![allow(clippy::result_large_err)]

use gale_scenario::{Diagnostic, Scenario};
use std::path::Path;

fn parse(text: &str) -> Result<Scenario, Diagnostic> {
    Scenario::parse(Path::new("scenarios/t.yaml"), text.to_string())
}

fn err(text: &str) -> Diagnostic {
    parse(text).expect_err("scenario should be rejected")
}

const GOOD: &str = "\
name: t
machines:
  gust:
    board: stm32f100
    image: gust-f100
time_limit: 20ms
expect:
  - uart: { port: USART1, line: '^tick 3$', before: 5ms }
  - exit: { code: 0 }
";

#[test]
fn good_scenario_parses() {
    let s = parse(GOOD).unwrap();
    assert_eq!(s.name, "t");
    assert_eq!(s.def.time_limit.0, 20_000_000);
    assert_eq!(s.def.expect.len(), 2);
    assert_eq!(s.resolve_machine(None), Some("gust"));
}

#[test]
fn bad_yaml_is_located() {
    let d = err("machines:\n  gust: [board: x\ntime_limit: 1ms\n");
    assert_eq!(d.file, Path::new("scenarios/t.yaml"));
    assert!(d.line.is_some() && d.column.is_some(), "{d}");
    assert!(d.message.starts_with("invalid YAML"), "{d}");
}

#[test]
fn unknown_key_names_line_column_and_expected_keys() {
    let d = err(&GOOD.replace("    image: gust-f100", "    imgae: gust-f100"));
    assert_eq!((d.line, d.column), (Some(5), Some(5)), "{d}");
    assert!(d.message.contains("unknown field `imgae`"), "{d}");
    assert!(d.message.contains("`image`"), "{d}");
}

#[test]
fn missing_key_is_reported() {
    let d = err(&GOOD.replace("time_limit: 20ms\n", ""));
    assert!(d.message.contains("missing field `time_limit`"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("add the missing key"));
}

#[test]
fn time_without_unit_is_rejected_at_its_line() {
    let d = err(&GOOD.replace("time_limit: 20ms", "time_limit: 20"));
    assert_eq!(d.line, Some(6), "{d}");
    assert!(d.message.contains("no unit"), "{d}");
}

#[test]
fn bad_regex_is_rejected_at_its_line() {
    let d = err(&GOOD.replace("'^tick 3$'", "'^tick (3'"));
    assert_eq!(d.line, Some(8), "{d}");
    assert!(d.message.contains("invalid regular expression"), "{d}");
}

#[test]
fn unknown_expectation_kind_lists_kinds() {
    let d = err(&GOOD.replace("- exit: { code: 0 }", "- exitt: { code: 0 }"));
    assert_eq!(d.line, Some(9), "{d}");
    assert!(
        d.message.contains("unknown variant `exitt`") && d.message.contains("no_fault"),
        "{d}"
    );
}

#[test]
fn unknown_machine_in_expectation_points_at_it() {
    let d = err(&GOOD.replace("- exit: { code: 0 }", "- exit: { machine: fmu, code: 0 }"));
    assert_eq!(d.line, Some(9), "{d}");
    assert!(d.message.contains("unknown machine `fmu`"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("gust"));
}

#[test]
fn several_machines_require_naming_one() {
    let two = GOOD.replace(
        "time_limit",
        "  fmu:\n    board: rt1176-cm7\n    image: fmu-m7\ntime_limit",
    );
    let d = err(&two);
    assert!(d.message.contains("several machines"), "{d}");
    assert_eq!(d.line, Some(11), "{d}");
}

#[test]
fn empty_file_and_zero_time_limit_are_errors() {
    assert!(parse("").is_err());
    let d = err(&GOOD.replace("20ms", "0ms"));
    assert!(d.message.contains("greater than zero"), "{d}");
}

#[test]
fn display_shows_file_line_snippet_and_help() {
    let d = err(&GOOD.replace("    image: gust-f100", "    imgae: gust-f100"));
    let text = d.to_string();
    assert!(text.contains("--> scenarios/t.yaml:5:5"), "{text}");
    assert!(text.contains("5 |     imgae: gust-f100"), "{text}");
    assert!(text.contains("= help:"), "{text}");
}

#[test]
fn arbitrary_mutations_never_panic() {
    // Deterministic byte-level mutations of a valid scenario.
    let base = GOOD.as_bytes();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..2000 {
        let mut b = base.to_vec();
        for _ in 0..3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed % b.len() as u64) as usize;
            const ALPHABET: &[u8] = b" :-[]{}'\"\n#&*!|>0123456789abcxyz";
            b[i] = ALPHABET[(seed >> 32) as usize % ALPHABET.len()];
        }
        let _ = parse(&String::from_utf8_lossy(&b));
    }
}

#[test]
fn chip_must_name_the_first_core_of_another_machine() {
    let scenario = |io_chip: &str, fmu_chip: &str| {
        format!(
            "machines:\n  fmu: {{ board: rt1176-cm7, image: fmu-m7{fmu_chip} }}\n  io: {{ board: rt1176-cm4, image: io-m4{io_chip} }}\n  gust: {{ board: stm32f100, image: gust-f100 }}\ntime_limit: 1ms\n"
        )
    };
    parse(&scenario(", chip: fmu", "")).expect("io as the second core of fmu's chip");
    let d = err(&scenario(", chip: io", ""));
    assert_eq!(d.line, Some(3), "{d}");
    assert!(d.message.contains("another core of itself"), "{d}");
    let d = err(&scenario(", chip: fcu", ""));
    assert!(
        d.message.contains("unknown machine `fcu`")
            && d.help.as_deref().unwrap_or("").contains("fmu"),
        "{d}"
    );
    let d = err(&scenario(", chip: fmu", ", chip: gust"));
    assert_eq!(d.line, Some(3), "{d}");
    assert!(
        d.message.contains("`fmu` is itself another core of `gust`")
            && d.help.as_deref().unwrap_or("").contains("chip: gust"),
        "{d}"
    );
}
