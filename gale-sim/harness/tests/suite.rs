//! The suite runner's guards: name clashes refused, a panicking backend
//! isolated to its scenario, one run per artefact folder.

use gale_harness::backend::{Backend, BackendRun, Job, MachineRun};
use gale_harness::runner::{self, Context, MachineEnd, RunError};
use gale_harness::suite;
use gale_trace::Trace;
use std::path::{Path, PathBuf};

/// Panics on the scenario named `panics`, ends every other one at once.
struct TestBackend;

impl Backend for TestBackend {
    fn name(&self) -> &'static str {
        "test"
    }

    fn run(&self, job: &Job) -> Result<BackendRun, RunError> {
        assert!(
            job.scenario.name != "panics",
            "deliberate panic in the test backend"
        );
        let machines = job
            .machines
            .iter()
            .map(|m| MachineRun {
                name: m.name.clone(),
                trace: Trace::new(),
                rtt: Default::default(),
                end: MachineEnd {
                    machine: m.name.clone(),
                    at: 0,
                    instructions: 0,
                    how: "exit 0".into(),
                },
            })
            .collect();
        Ok(BackendRun {
            machines,
            notes: Vec::new(),
        })
    }
}

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

fn ctx() -> Context {
    let root = runner::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let out = std::env::temp_dir().join(format!("gale-harness-suite-{}", std::process::id()));
    Context::new(root).with_out(out)
}

fn quiet(_: &suite::Entry, _: &indicatif::ProgressBar) {}

#[test]
fn two_scenarios_with_one_name_are_both_refused_naming_the_other_file() {
    let opts = suite::Options {
        jobs: 1,
        progress: false,
        filter: None,
    };
    let entries = suite::run(&ctx(), &TestBackend, &[fixture("clash")], &opts, &quiet).unwrap();
    assert_eq!(entries.len(), 2);
    for (e, other) in entries.iter().zip(["b.yaml", "a.yaml"]) {
        let err = e
            .result
            .as_ref()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("scenario name `same-name` is also used by"),
            "{err}"
        );
        assert!(err.contains(other), "{err}");
    }
}

#[test]
fn a_panicking_backend_fails_its_scenario_and_the_suite_goes_on() {
    let opts = suite::Options {
        jobs: 2,
        progress: false,
        filter: None,
    };
    let paths = [fixture("panics.yaml"), fixture("calm.yaml")];
    let entries = suite::run(&ctx(), &TestBackend, &paths, &opts, &quiet).unwrap();
    assert_eq!(entries.len(), 2);
    let err = entries[0]
        .result
        .as_ref()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("internal error: gale-sim panicked") && err.contains("deliberate panic"),
        "{err}"
    );
    assert!(entries[1].result.as_ref().is_ok_and(|o| o.passed()));
}

#[test]
fn a_second_run_cannot_take_an_artefact_folder_in_use() {
    let out = std::env::temp_dir().join(format!("gale-harness-lock-{}", std::process::id()));
    let first = suite::lock_out(&out).unwrap();
    let second = suite::lock_out(&out)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        second.contains("another gale-sim run is writing") && second.contains("--out DIR"),
        "{second}"
    );
    drop(first);
    assert!(
        suite::lock_out(&out).is_ok(),
        "the lock is released with its guard"
    );
}
