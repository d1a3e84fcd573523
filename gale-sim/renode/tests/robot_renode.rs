//! The generated Robot suites run under Renode's own runner (`renode-test`,
//! beside the `renode` launcher): the suites of the scenarios the Renode
//! backend runs pass, with the checks Robot cannot make reported as skipped;
//! a suite generated from a deliberately wrong scenario fails.

use gale_harness::images::Image;
use gale_platform::Platform;
use gale_scenario::Scenario;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `renode-test` beside the located Renode; panics (fails the test) when
/// Renode is missing, since these tests only run when asked for.
fn renode_test() -> PathBuf {
    let renode = gale_renode::locate().unwrap_or_else(|e| panic!("{e}"));
    let exe = renode.exe.canonicalize().unwrap_or(renode.exe);
    let t = exe.parent().unwrap().join("renode-test");
    assert!(t.is_file(), "no renode-test beside {}", exe.display());
    t
}

/// Builds gust-f100 and extracts the STM32F100 SVD, as the suites expect.
fn prepare(root: &Path) {
    Image::load(root, "gust-f100").unwrap().build(root).unwrap();
    Platform::load(root, "stm32f100")
        .unwrap()
        .extract_svd(root)
        .unwrap();
}

/// Runs one suite; returns the runner's exit status and each test's status.
fn run_suite(suite: &Path, results: &Path) -> (bool, Vec<(String, String)>) {
    std::fs::create_dir_all(results).unwrap();
    let out = Command::new(renode_test())
        .arg(suite)
        .arg("-r")
        .arg(results)
        .arg("--variable")
        .arg(format!("ROOT:{}", root().display()))
        .current_dir(results)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let plain: String = {
        // Drop ANSI colour codes.
        let mut s = String::new();
        let mut esc = false;
        for c in text.chars() {
            match (esc, c) {
                (false, '\x1b') => esc = true,
                (true, 'm') => esc = false,
                (true, _) => {}
                (false, c) => s.push(c),
            }
        }
        s
    };
    let statuses = plain
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("+++++ Finished test '")?;
            let (name, rest) = rest.split_once('\'')?;
            let status = rest.rsplit("with status ").next()?.trim().to_string();
            Some((name.to_string(), status))
        })
        .collect();
    (out.status.success(), statuses)
}

#[test]
#[ignore = "needs Renode: set RENODE or put renode on PATH"]
fn generated_suites_pass_under_renode_test_with_unobservable_checks_skipped() {
    let root = root();
    prepare(&root);
    for name in ["f100-banner", "gust-alone"] {
        let results = root.join("target/gale-renode-tests/robot").join(name);
        let (ok, statuses) = run_suite(&root.join("robot").join(format!("{name}.robot")), &results);
        assert!(ok, "{name}: renode-test failed: {statuses:?}");
        let passed = statuses.iter().filter(|(_, s)| s == "OK").count();
        assert!(passed >= 1, "{name}: no test ran: {statuses:?}");
        assert!(
            statuses.iter().all(|(_, s)| s == "OK" || s == "skipped"),
            "{name}: {statuses:?}"
        );
    }
}

#[test]
#[ignore = "needs Renode: set RENODE or put renode on PATH"]
fn a_suite_from_a_wrong_scenario_fails_under_renode_test() {
    let root = root();
    prepare(&root);
    // gust-f100 counts `tick 1`..`tick 5` about 1 ms apart from ~1.1 ms on.
    let yaml = "name: wrong-robot\nmachines:\n  gust: { board: stm32f100, image: gust-f100 }\ntime_limit: 50ms\nexpect:\n  \
                - uart: { port: USART1, line: '^tick 9$' }\n  \
                - uart: { port: USART1, line: '^tick 3$', before: 2ms }\n  \
                - uart: { port: USART1, line: '^tick 1$', after: 5ms }\n  \
                - uart: { port: USART1, line: '^tick 2$', before: 10ms }\n";
    let s = Scenario::parse(Path::new("wrong-robot.yaml"), yaml.to_string()).unwrap();
    let dir = root.join("target/gale-renode-tests/robot/wrong");
    std::fs::create_dir_all(&dir).unwrap();
    let suite = dir.join("wrong-robot.robot");
    std::fs::write(
        &suite,
        gale_renode::robot::suite(&s, "wrong-robot.yaml", None),
    )
    .unwrap();
    let (ok, statuses) = run_suite(&suite, &dir.join("results"));
    assert!(!ok, "renode-test passed wrong expectations: {statuses:?}");
    let status = |n: &str| {
        statuses
            .iter()
            .find(|(name, _)| name.contains(n))
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    };
    assert!(
        status("tick 9").starts_with("fail"),
        "never comes: {statuses:?}"
    );
    assert!(
        status("tick 3").starts_with("fail"),
        "after its 2 ms deadline: {statuses:?}"
    );
    assert!(
        status("tick 1").starts_with("fail"),
        "before its 5 ms window: {statuses:?}"
    );
    assert_eq!(
        status("tick 2"),
        "OK",
        "the one right expectation passes: {statuses:?}"
    );
}
