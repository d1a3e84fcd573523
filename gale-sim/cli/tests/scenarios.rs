//! End-to-end: the shipped scenarios pass, their traces match the insta
//! snapshots and are byte-identical across runs; wrong expectations fail
//! with expected-versus-observed; malformed scenarios give located errors.

use gale_engine_backend::EngineBackend;
use gale_harness::runner::{self, Context, RunError};
use gale_scenario::Scenario;
use std::path::{Path, PathBuf};

fn ctx() -> Context {
    Context::new(runner::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("project root"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run_file(path: &Path) -> Result<runner::RunOutcome, RunError> {
    let s = Scenario::load(path)?;
    runner::run(&ctx(), &EngineBackend::default(), &s)
}

#[test]
fn shipped_scenarios_pass_and_match_their_trace_snapshots() {
    let ctx = ctx();
    let files = runner::collect(&ctx.root.join("scenarios")).unwrap();
    assert!(!files.is_empty());
    // Every scenario is run and every snapshot compared before failing, so
    // one test run names every failing scenario and every changed snapshot.
    let mut failed = Vec::new();
    for f in files {
        let out = run_file(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        if !out.passed() {
            eprintln!("{}", gale_harness::report::outcome_text(&out));
            failed.push(format!("scenario {} failed", out.name));
        }
        let name = format!("trace-{}", out.name);
        let same = std::panic::catch_unwind(|| {
            insta::assert_snapshot!(name.clone(), out.snapshot.clone())
        });
        if same.is_err() {
            failed.push(format!(
                "snapshot {name} changed (review with `cargo insta review`)"
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} problem(s):\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
}

/// The CI-sized version of the bench's 100-run determinism check: the
/// whole suite, run three times in parallel, gives byte-identical traces.
#[test]
fn suite_reruns_give_byte_identical_traces() {
    let ctx = ctx();
    let paths = [ctx.root.join("scenarios")];
    let opts = gale_harness::suite::Options {
        jobs: 0,
        progress: false,
        filter: None,
    };
    let texts = || -> Vec<(String, String)> {
        gale_harness::suite::run(&ctx, &EngineBackend::default(), &paths, &opts, &|_, _| {})
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    e.name(),
                    e.result
                        .map(|o| o.trace.to_text())
                        .unwrap_or_else(|err| format!("error: {err}")),
                )
            })
            .collect()
    };
    let first = texts();
    assert!(first.len() >= 10, "{} scenarios", first.len());
    for _ in 0..2 {
        let again = texts();
        for (a, b) in first.iter().zip(&again) {
            assert!(a == b, "trace of {} differs between runs", a.0);
        }
    }
}

#[test]
fn a_wrong_expectation_fails_with_expected_and_observed() {
    let out = run_file(&fixture("wrong-expectation.yaml")).unwrap();
    assert!(!out.passed());
    let failures: Vec<_> = out.verdict.failures().collect();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures[0].observed.contains("none matching") && failures[0].observed.contains("`tick 5`"),
        "{failures:?}"
    );
    assert!(
        failures[1].expected.contains("before 0.000001000 s"),
        "{failures:?}"
    );
    assert!(
        failures[1].observed.contains("outside the window"),
        "{failures:?}"
    );
    // The exit expectation still holds.
    assert!(out.verdict.outcomes[2].passed);
    let text = gale_harness::report::outcome_text(&out);
    assert!(text.starts_with("FAIL wrong-expectation"), "{text}");
    assert!(
        text.contains("expected: ") && text.contains("observed: "),
        "{text}"
    );
}

#[test]
fn a_wrong_fault_expectation_fails_with_the_observed_value_and_its_time() {
    let out = run_file(&fixture("wrong-fault-expectation.yaml")).unwrap();
    assert!(!out.passed());
    let f = out.verdict.failures().next().unwrap();
    assert!(
        f.expected
            .contains("sample.imu_healthy 7 ± 0 in every frame from 0.050000000 s"),
        "{f:?}"
    );
    // The first out-of-bounds frame: IMU 1 isolated, with its virtual time.
    let observed = regex::Regex::new(r"^5 at 0\.1\d{8} s \(out of bounds\)$").unwrap();
    assert!(observed.is_match(&f.observed), "{f:?}");
}

fn diagnostic(name: &str) -> gale_scenario::Diagnostic {
    match run_file(&fixture(name)) {
        Err(RunError::Scenario(d)) => *d,
        Err(RunError::Other(e)) => panic!("{name}: expected a located scenario error, got {e:#}"),
        Ok(_) => panic!("{name}: expected an error"),
    }
}

#[test]
fn unknown_board_is_located_and_lists_boards() {
    let d = diagnostic("unknown-board.yaml");
    assert_eq!((d.line, d.column), (Some(3), Some(12)), "{d}");
    assert!(d.message.contains("unknown board `stm32f101`"), "{d}");
    assert!(d.help.unwrap().contains("stm32f100"));
}

#[test]
fn missing_firmware_image_is_located_and_lists_images() {
    let d = diagnostic("missing-firmware.yaml");
    assert_eq!((d.line, d.column), (Some(4), Some(12)), "{d}");
    assert!(
        d.message.contains("unknown firmware image `gust-f999`"),
        "{d}"
    );
    assert!(d.help.unwrap().contains("gust-f100"));
}

#[test]
fn missing_elf_is_located() {
    let d = diagnostic("missing-elf.yaml");
    assert_eq!(d.line, Some(5), "{d}");
    assert!(d.message.contains("does not exist"), "{d}");
}

#[test]
fn unknown_key_is_located() {
    let d = diagnostic("unknown-key.yaml");
    assert_eq!(d.line, Some(7), "{d}");
    assert!(d.message.contains("unknown field `lines`"), "{d}");
    assert!(d.file.ends_with("unknown-key.yaml"));
}

#[test]
fn bad_yaml_is_located() {
    let d = diagnostic("bad-yaml.yaml");
    assert_eq!(d.line, Some(4), "{d}");
    assert!(d.message.starts_with("invalid YAML"), "{d}");
}

#[test]
fn chip_across_different_socs_is_located() {
    let d = diagnostic("chip-across-socs.yaml");
    assert_eq!(d.line, Some(4), "{d}");
    assert!(d.message.contains("not cores of one chip"), "{d}");
    assert!(
        d.message.contains("stm32f100") && d.message.contains("MIMXRT1176"),
        "{d}"
    );
}

#[test]
fn cores_share_ocram_and_the_mu_only_when_they_are_one_chip() {
    // Linked (the shipped scenario passes and is snapshotted above); here the
    // same images as two separate chips: nothing crosses, the check fails.
    let out = run_file(&fixture("dual-core-unlinked.yaml")).expect("runs");
    assert!(
        !out.passed(),
        "the CM7 saw a sample without a shared chip:\n{}",
        out.snapshot
    );
}
