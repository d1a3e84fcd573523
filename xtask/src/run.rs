//! Running cargo and the gale-sim CLI.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The repository root (xtask lives one level below it).
pub fn repo_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(repo_root());
    c
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

/// `gale-sim <args>`, built in release (the profile every job shares).
pub fn gale_sim(args: &[String]) -> Result<(), String> {
    let mut c = cargo();
    c.args(["run", "--release", "--quiet", "--package", "gale-sim", "--"])
        .args(args);
    status(&mut c)
}

/// Test totals summed over several `cargo test` runs.
#[derive(Default)]
struct Totals {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Totals {
    /// Reads a libtest summary line: `test result: ok. 5 passed; 0 failed; 1 ignored; ...`.
    /// Also reads gale-sim's closing line: `scenarios: 3 passed, 1 failed`.
    fn add_line(&mut self, line: &str) {
        let line = line.trim();
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
fn cargo_test(args: &[&str], extra: &[String], totals: &mut Totals) -> Result<(), String> {
    let mut c = cargo();
    c.args(args).args(extra).stdout(Stdio::piped());
    let shown = format!("{c:?}");
    eprintln!("xtask: {shown}");
    let mut child = c
        .spawn()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            totals.add_line(&line);
        }
    }
    let st = child.wait().map_err(|e| e.to_string())?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({st})"))
    }
}

/// Every test suite, in order.
pub fn tests(extra: &[String]) -> Result<(), String> {
    let mut totals = Totals::default();
    let fw = repo_root().join("firmware/Cargo.toml");
    let fw = fw.to_string_lossy().into_owned();
    let suites: [(&[&str], &[String]); 4] = [
        (
            &["test", "--release", "--workspace", "--no-fail-fast"],
            extra,
        ),
        (&["test", "--manifest-path", &fw, "--no-fail-fast"], &[]),
        // The loom model of ISR wake versus the executor swaps in loom's
        // atomics, so it is its own build.
        (
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
    ];
    // Every suite runs even when an earlier one fails, so one run shows
    // every failure.
    let failures: Vec<String> = suites
        .into_iter()
        .filter_map(|(args, extra)| cargo_test(args, extra, &mut totals).err())
        .collect();
    let failed = totals.failed.max(failures.len() as u64);
    // The plain closing line CI reads: one word, a colon, the counts.
    println!(
        "\ntests: {} passed, {} failed, {} skipped",
        totals.passed, failed, totals.ignored
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// Every benchmark: the engine (MIPS vs QEMU), the platform loader, the
/// executors (gale vs embassy on the same workload, in engine cycles), and
/// the scenario suite (parallel vs serial, determinism over 100 runs).
pub fn bench() -> Result<(), String> {
    status(cargo().args(["bench", "--package", "gale-engine"]))?;
    status(cargo().args(["bench", "--package", "gale-platform"]))?;
    executor_bench()?;
    gale_sim(&["bench".to_string(), "scenarios/".to_string()])
}

/// Runs the executor benchmark images and compares their `bench <executor>
/// <metric> min=.. mean=.. max=..` lines, embassy-executor as the reference.
fn executor_bench() -> Result<(), String> {
    gale_sim(&[
        "run".to_string(),
        "firmware/bench-common/scenarios/".to_string(),
    ])?;
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
                ))
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

pub fn svd_refresh() -> Result<(), String> {
    status(
        Command::new("python3")
            .arg("svd/refresh.py")
            .current_dir(repo_root()),
    )
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
        t.add_line("test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.1s");
        t.add_line(
            "test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out",
        );
        t.add_line("running 5 tests");
        assert_eq!((t.passed, t.failed, t.ignored), (7, 3, 1));
        t.add_line("scenarios: 4 passed, 2 failed (1 could not run)");
        assert_eq!((t.passed, t.failed), (11, 5));
    }
}
