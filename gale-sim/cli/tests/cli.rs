//! The binary's contract: PASS/FAIL text and exit status.

use std::path::Path;
use std::process::Command;

fn gale_sim(args: &[&str]) -> (i32, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gale-sim"));
    cmd.args(args).current_dir(root);
    if args.first() == Some(&"run") {
        // Tests run at once; each run takes its own artefact folder.
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        cmd.arg("--out")
            .arg(std::env::temp_dir().join(format!("gale-sim-cli-{}-{n}", std::process::id())));
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn failing_scenario_exits_1_and_shows_expected_and_observed() {
    let (code, out, _) = gale_sim(&["run", "gale-sim/cli/tests/fixtures/wrong-expectation.yaml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL wrong-expectation"), "{out}");
    assert!(
        out.contains("expected: gust/USART1 line matching /^tick 9$/"),
        "{out}"
    );
    assert!(out.contains("observed: "), "{out}");
    assert!(
        out.lines().any(|l| l == "scenarios: 0 passed, 1 failed"),
        "{out}"
    );
}

#[test]
fn malformed_scenario_exits_2_with_a_located_error() {
    let (code, _, err) = gale_sim(&["run", "gale-sim/cli/tests/fixtures/unknown-board.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error: unknown board `stm32f101`"), "{err}");
    assert!(err.contains("unknown-board.yaml:3:12"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn shipped_scenarios_pass_from_the_command_line() {
    let (code, out, err) = gale_sim(&["run", "scenarios/"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("PASS f100-banner"), "{out}");
}

#[test]
fn missing_path_is_a_clear_error() {
    let (code, _, err) = gale_sim(&["run", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no/such/dir") && err.contains("scenario file or folder"),
        "{err}"
    );
}

#[test]
fn engine_renode_without_renode_says_how_to_get_it_and_exits_3() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_gale-sim"))
        .args(["run", "--engine", "renode", "scenarios/f100-banner.yaml"])
        .current_dir(root)
        .env_remove("RENODE")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("Renode not found") && err.contains("Fix: set RENODE"),
        "{err}"
    );
    assert!(
        err.contains("1.15.x, 1.16.x"),
        "supported versions named: {err}"
    );
}
