//! Running cargo and the gale-sim CLI.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The checkout the user stands in: the nearest folder at or above the
/// current directory that holds `xtask/Cargo.toml` and `firmware/Cargo.toml`.
/// Falls back to the tree xtask was compiled in (running from elsewhere).
pub fn repo_root() -> PathBuf {
    let is_root =
        |d: &Path| d.join("xtask/Cargo.toml").is_file() && d.join("firmware/Cargo.toml").is_file();
    if let Some(found) = std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.ancestors().find(|d| is_root(d)).map(Path::to_path_buf))
    {
        return found;
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(repo_root());
    c
}

/// Why a step failed: a message to print, or a child's exit status to pass
/// through unchanged (the child already said why).
#[derive(Debug)]
pub enum Failure {
    Message(String),
    Exit(i32),
}

impl From<String> for Failure {
    fn from(m: String) -> Self {
        Failure::Message(m)
    }
}

/// Runs a command, inheriting stdio; Err names the command on failure.
pub fn status(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let st = cmd
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({st})"))
    }
}

/// `gale-sim <args>`, built in release (the profile every job shares), run
/// in the current directory so relative paths mean what the user typed. Its
/// exit status comes back unchanged (0 pass, 1 fail, 2 cannot run, ...).
pub fn gale_sim(args: &[String]) -> Result<(), Failure> {
    let root = repo_root();
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.arg("run")
        .arg("--release")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"));
    c.args(["--package", "gale-sim", "--"]).args(args);
    if let Some(renode) = crate::renode::locate(&root) {
        c.env("RENODE", renode);
    }
    let st = c
        .status()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    match st.code() {
        Some(0) => Ok(()),
        Some(code) => Err(Failure::Exit(code)),
        None => Err(Failure::Message(format!("gale-sim was stopped ({st})"))),
    }
}

/// Test totals summed over several `cargo test` runs, and the names of the
/// tests that failed or were skipped.
#[derive(Default)]
struct Totals {
    passed: u64,
    failed: u64,
    ignored: u64,
    failed_names: Vec<String>,
    skipped: Vec<String>,
    /// Ignored tests that are another test's child process body.
    helpers: u64,
}

impl Totals {
    /// Reads a libtest summary line: `test result: ok. 5 passed; 0 failed; 1 ignored; ...`.
    /// Also reads gale-sim's closing line: `scenarios: 3 passed, 1 failed`,
    /// failed tests (`test a::b ... FAILED`), ignored ones with their reason
    /// (`test a::b ... ignored, needs Renode`) and failed scenarios
    /// (`FAIL name  (...)`).
    fn add_line(&mut self, suite: &str, line: &str) {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test ") {
            if let Some(name) = rest.strip_suffix(" ... FAILED") {
                self.failed_names.push(format!("{suite}: {name}"));
            } else if let Some((name, why)) = rest.split_once(" ... ignored") {
                let why = why.trim_start_matches(", ").trim();
                // A test body another test runs in a child process (under a
                // memory limit, say) is not a skipped test.
                if why.starts_with("run by ") {
                    self.helpers += 1;
                    return;
                }
                self.skipped.push(format!(
                    "{suite}: {name}{}",
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(" ({why})")
                    }
                ));
            }
        }
        if let Some(rest) = line.strip_prefix("FAIL ").filter(|_| suite == "scenarios") {
            let name = rest.split_whitespace().next().unwrap_or(rest);
            self.failed_names.push(format!("{suite}: scenario {name}"));
        }
        let rest = match (
            line.strip_prefix("test result: "),
            line.strip_prefix("scenarios: "),
        ) {
            (Some(r), _) => r,
            (None, Some(r)) => r.split(" (").next().unwrap_or(r),
            _ => return,
        };
        for part in rest.split([';', ',']) {
            let words: Vec<&str> = part.split_whitespace().collect();
            let (n, what) = match words.as_slice() {
                [_, n, w] | [n, w] => (n, *w),
                _ => continue,
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match what {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }
}

/// Runs cargo, echoing its output, and adds its test summaries to `totals`.
fn cargo_test(
    suite: &str,
    args: &[&str],
    extra: &[String],
    env: &[(&str, String)],
    totals: &mut Totals,
) -> Result<(), String> {
    let mut c = cargo();
    c.args(args).args(extra).stdout(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let shown = format!("{c:?}");
    eprintln!("xtask: {shown}");
    let mut child = c
        .spawn()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            totals.add_line(suite, &line);
        }
    }
    let st = child.wait().map_err(|e| e.to_string())?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{suite} failed ({st})"))
    }
}

/// Every test suite, in order.
pub fn tests(extra: &[String]) -> Result<(), Failure> {
    let mut totals = Totals::default();
    let root = repo_root();
    let fw = root.join("firmware/Cargo.toml");
    let fw = fw.to_string_lossy().into_owned();
    let renode = crate::renode::locate(&root);
    let renode_env: Vec<(&str, String)> = renode
        .iter()
        .map(|r| ("RENODE", r.to_string_lossy().into_owned()))
        .collect();
    // Tests that need Renode live in gale-renode and are
    // `#[ignore = "needs Renode ..."]`: with Renode that crate runs with
    // `--include-ignored`; without it libtest reports them as ignored and
    // they are counted and listed as skipped, never passed.
    let host: Vec<String> = extra.to_vec();
    let renode_args: Vec<String> = if renode.is_some() {
        vec!["--".to_string(), "--include-ignored".to_string()]
    } else {
        Vec::new()
    };
    let suites: [(&str, &[&str], &[String]); 10] = [
        (
            "host workspace",
            &[
                "test",
                "--release",
                "--workspace",
                "--exclude",
                "gale-renode",
                "--no-fail-fast",
            ],
            &host,
        ),
        (
            "renode",
            &["test", "--release", "-p", "gale-renode", "--no-fail-fast"],
            &renode_args,
        ),
        (
            "firmware host tests",
            &["test", "--manifest-path", &fw, "--no-fail-fast"],
            &[],
        ),
        // The loom model of ISR wake versus the executor swaps in loom's
        // atomics, so it is its own build.
        (
            "loom",
            &[
                "test",
                "--release",
                "--manifest-path",
                &fw,
                "-p",
                "gale-kernel",
                "--features",
                "loom",
                "--test",
                "loom_wake",
            ],
            &[],
        ),
        // The scenarios themselves, as a user runs them.
        (
            "scenarios",
            &[
                "run",
                "--release",
                "--quiet",
                "--package",
                "gale-sim",
                "--",
                "run",
                "scenarios/",
            ],
            &[],
        ),
        // The parsers' fuzz tests again in a debug build, where integer
        // overflow panics instead of wrapping.
        (
            "debug scenario fuzz",
            &["test", "-p", "gale-scenario", "--test", "fuzz"],
            &[],
        ),
        (
            "debug platform fuzz",
            &[
                "test",
                "-p",
                "gale-platform",
                "--test",
                "fuzz",
                "--test",
                "malformed",
            ],
            &[],
        ),
        // The habits of the trade: formatting and lints are part of the gate.
        ("format", &["fmt", "--all", "--", "--check"], &[]),
        (
            "firmware format",
            &["fmt", "--manifest-path", &fw, "--all", "--", "--check"],
            &[],
        ),
        (
            "clippy",
            &[
                "clippy",
                "--release",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        ),
    ];
    // Every suite runs even when an earlier one fails, so one run shows
    // every failure.
    let failures: Vec<(&str, String)> = suites
        .into_iter()
        .filter_map(|(suite, args, extra)| {
            cargo_test(suite, args, extra, &renode_env, &mut totals)
                .err()
                .map(|e| (suite, e))
        })
        .collect();
    if renode.is_none() {
        eprintln!(
            "xtask: Renode not found ({}): its tests are skipped",
            crate::renode::HOW_TO_GET
        );
    }
    let failed = totals.failed.max(failures.len() as u64);
    println!();
    for name in &totals.skipped {
        println!("skipped: {name}");
    }
    for name in &totals.failed_names {
        println!("failed: {name}");
    }
    // A suite that failed without naming a test (a build error, a crash).
    for (suite, why) in &failures {
        if !totals
            .failed_names
            .iter()
            .any(|n| n.starts_with(&format!("{suite}: ")))
        {
            println!("failed: {why}");
        }
    }
    // The plain closing line CI reads: one word, a colon, the counts.
    println!(
        "tests: {} passed, {} failed, {} skipped",
        totals.passed,
        failed,
        totals.ignored.saturating_sub(totals.helpers)
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::Exit(1))
    }
}

/// Every benchmark: the engine (MIPS vs QEMU), the platform loader, the
/// executors (gale vs embassy on the same workload, in engine cycles), the
/// scenario suite (parallel vs serial, determinism over 100 runs), and with
/// Renode the same scenarios on both engines side by side.
pub fn bench() -> Result<(), Failure> {
    status(cargo().args(["bench", "--package", "gale-engine"]))?;
    status(cargo().args(["bench", "--package", "gale-platform"]))?;
    executor_bench()?;
    let root = repo_root();
    let scenarios = root.join("scenarios");
    gale_sim(&[
        "bench".to_string(),
        scenarios.to_string_lossy().into_owned(),
    ])?;
    // The hardware path's replay cost, with the built-in engine as the
    // board: requests per second of target and wall time, RTT traffic.
    println!("\nreplay over RTT (engine as the board, fmu-healthy: the 1 kHz IMU loop):");
    let out = root.join("target/gale-sim/bench-board");
    gale_sim(&[
        "run".to_string(),
        "--target".to_string(),
        "engine-board".to_string(),
        "--out".to_string(),
        out.to_string_lossy().into_owned(),
        scenarios
            .join("fmu-healthy.yaml")
            .to_string_lossy()
            .into_owned(),
    ])?;
    // The same scenarios and ELFs on the built-in engine and in Renode.
    if crate::renode::locate(&root).is_none() {
        println!(
            "\nengines side by side: skipped, Renode not found ({})",
            crate::renode::HOW_TO_GET
        );
        return Ok(());
    }
    let mut args = vec!["bench".to_string()];
    for s in ["f100-banner", "gust-alone", "gust-heartbeat-loss"] {
        args.push(
            scenarios
                .join(format!("{s}.yaml"))
                .to_string_lossy()
                .into_owned(),
        );
    }
    args.extend(["--against".to_string(), "renode".to_string()]);
    gale_sim(&args)
}

/// Runs the executor benchmark images and compares their `bench <executor>
/// <metric> min=.. mean=.. max=..` lines, embassy-executor as the reference.
fn executor_bench() -> Result<(), Failure> {
    let scenarios = repo_root().join("firmware/bench-common/scenarios");
    gale_sim(&["run".to_string(), scenarios.to_string_lossy().into_owned()])?;
    let dir = repo_root().join("target/gale-sim");
    let mut rows: Vec<(String, String, u64)> = Vec::new();
    for scenario in ["bench-gale", "bench-embassy"] {
        let file = dir.join(scenario).join("uart-bench-USART1.txt");
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        rows.extend(text.lines().filter_map(parse_bench_line));
    }
    println!("\nexecutor benchmark (engine cycles, mean; embassy-executor is the reference):");
    for metric in ["wake_to_poll", "task_switch"] {
        let get = |exec: &str| {
            rows.iter()
                .find(|r| r.0 == exec && r.1 == metric)
                .map(|r| r.2)
        };
        match (get("gale"), get("embassy")) {
            (Some(g), Some(e)) => println!(
                "  {metric:<13} gale {g:>6}  embassy {e:>6}  ratio {:.2}",
                g as f64 / e.max(1) as f64
            ),
            _ => {
                return Err(format!(
                    "no `bench gale|embassy {metric}` lines in {}",
                    dir.display()
                )
                .into())
            }
        }
    }
    Ok(())
}

/// `bench gale wake_to_poll min=145 mean=145 max=145` -> (gale, wake_to_poll, 145).
fn parse_bench_line(line: &str) -> Option<(String, String, u64)> {
    let mut w = line.split_whitespace();
    (w.next()? == "bench").then_some(())?;
    let (exec, metric) = (w.next()?.to_string(), w.next()?.to_string());
    let mean = w.find_map(|f| f.strip_prefix("mean="))?.parse().ok()?;
    Some((exec, metric, mean))
}

pub fn svd_refresh() -> Result<(), Failure> {
    Ok(status(
        Command::new("python3")
            .arg("svd/refresh.py")
            .current_dir(repo_root()),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bench_lines() {
        assert_eq!(
            parse_bench_line("bench gale task_switch min=1 mean=222 max=300"),
            Some(("gale".into(), "task_switch".into(), 222))
        );
        assert_eq!(parse_bench_line("tick 3"), None);
        assert_eq!(
            parse_bench_line("bench gale task_switch min=1 mean=x"),
            None
        );
    }

    #[test]
    fn sums_libtest_summaries() {
        let mut t = Totals::default();
        t.add_line("s", "test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.1s");
        t.add_line(
            "s",
            "test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out",
        );
        t.add_line("s", "running 5 tests");
        assert_eq!((t.passed, t.failed, t.ignored), (7, 3, 1));
        t.add_line("s", "scenarios: 4 passed, 2 failed (1 could not run)");
        assert_eq!((t.passed, t.failed), (11, 5));
    }

    #[test]
    fn names_failed_and_skipped_tests() {
        let mut t = Totals::default();
        t.add_line("host", "test scenarios::snapshot_of_x ... FAILED");
        t.add_line(
            "host",
            "test boots_in_renode ... ignored, needs Renode: set RENODE",
        );
        t.add_line("host", "test fine ... ok");
        t.add_line(
            "host",
            "test child_no_room ... ignored, run by a_machine_that_does_not_fit",
        );
        t.add_line("scenarios", "FAIL fmu-healthy  (fmu: time limit at 0.6 s)");
        assert_eq!(
            t.failed_names,
            vec![
                "host: scenarios::snapshot_of_x",
                "scenarios: scenario fmu-healthy"
            ]
        );
        assert_eq!(
            t.skipped,
            vec!["host: boots_in_renode (needs Renode: set RENODE)"]
        );
        assert_eq!(t.helpers, 1, "a child-process body is not a skip");
    }
}
