//! Running Renode on a generated script: headless, private TMPDIR under
//! `out_dir`, stdout and stderr in `out_dir/renode.log`, killed at the wall
//! limit; then the record files become [`MachineRun`]s.

use crate::{records, script, End, MachineRun, Renode, RunSpec};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("generating the Renode script: {0:#}")]
    Generate(anyhow::Error),
    #[error("starting Renode ({exe}): {source}")]
    Spawn {
        exe: PathBuf,
        source: std::io::Error,
    },
    #[error("Renode did not finish within the wall limit of {limit:?} and was killed; see {log}")]
    WallLimit { limit: Duration, log: PathBuf },
    #[error("Renode reported an error: {line}\n(see {log})")]
    Renode { line: String, log: PathBuf },
    #[error("Renode stopped before the end of the run (exit status {status}); machine `{machine}` has no final record; see {log}")]
    Incomplete {
        machine: String,
        status: String,
        log: PathBuf,
    },
    #[error("{path}: {source}")]
    Records {
        path: PathBuf,
        source: records::ParseError,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Generates the script for `spec`, runs it in `renode` and collects what
/// every machine did.
pub fn run(renode: &Renode, spec: &RunSpec) -> Result<Vec<MachineRun>, Error> {
    let script = script::generate(spec).map_err(Error::Generate)?;
    let out_dir = script
        .parent()
        .expect("run.resc is in out_dir")
        .to_path_buf();
    let tmp = out_dir.join("tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    for m in &spec.machines {
        let _ = std::fs::remove_file(out_dir.join(format!("{}.events", m.name)));
    }
    let log_path = out_dir.join("renode.log");
    let log = std::fs::File::create(&log_path)?;
    let mut cmd = Command::new(&renode.exe);
    cmd.args(["--console", "--disable-xwt", "--plain"])
        .arg(&script)
        .env("TMPDIR", &tmp)
        .env("RENODE_TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let mut child = cmd.spawn().map_err(|source| Error::Spawn {
        exe: renode.exe.clone(),
        source,
    })?;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > spec.wall_limit {
            kill_group(&mut child);
            return Err(Error::WallLimit {
                limit: spec.wall_limit,
                log: log_path,
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let log_text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let log = LogCheck::of(&log_text);
    if let Some(line) = log.load_problems.first().or(log.monitor_errors.first()) {
        return Err(Error::Renode {
            line: line.to_string(),
            log: log_path,
        });
    }
    let mut runs = Vec::new();
    for m in &spec.machines {
        let path = out_dir.join(format!("{}.events", m.name));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let r = records::parse(&m.name, &text).map_err(|source| Error::Records {
            path: path.clone(),
            source,
        })?;
        if !r.complete {
            return Err(Error::Incomplete {
                machine: m.name.clone(),
                status: status.to_string(),
                log: log_path,
            });
        }
        let mut run = machine_run(&m.name, r, spec.time_limit);
        let single = spec.machines.len() == 1;
        if let (End::TimeLimit, Some(line)) = (&run.end, log.cpu_error(&m.name, single)) {
            run.end = End::Fault(line.to_string());
        }
        runs.push(run);
    }
    Ok(runs)
}

/// How a machine ended, from its records.
pub(crate) fn machine_run(name: &str, r: records::Records, time_limit: u64) -> MachineRun {
    let (end_at, end) = match (&r.exit, &r.refused) {
        (Some((t, code)), _) => (*t, End::Exit(*code)),
        (None, Some((t, what))) => (*t, End::Fault(what.clone())),
        (None, None) => (time_limit, End::TimeLimit),
    };
    MachineRun {
        name: name.to_string(),
        events: r.events,
        rtt: r.rtt,
        end_at,
        end,
    }
}

/// Printed by the recorder (`GaleRecord`) once a machine is loaded.
pub const LOADED_MARK: &str = "gale-renode: recording machine";

/// What Renode's log says went wrong.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LogCheck<'a> {
    /// Errors and warnings while machines were created and loaded (before
    /// the recorder's first [`LOADED_MARK`]): the platform does not load
    /// cleanly.
    pub load_problems: Vec<&'a str>,
    /// Monitor errors at any point (a script command failed).
    pub monitor_errors: Vec<&'a str>,
    /// `[ERROR]` lines while running (peripherals without a device, CPU
    /// aborts); only CPU errors end a machine.
    pub run_errors: Vec<&'a str>,
}

impl<'a> LogCheck<'a> {
    pub fn of(log: &'a str) -> LogCheck<'a> {
        let mut c = LogCheck::default();
        let mut loaded = false;
        for l in log.lines() {
            loaded |= l.starts_with(LOADED_MARK);
            let logged = l.contains(" [ERROR] ") || l.contains(" [WARNING] ");
            let timestamped =
                l.as_bytes().first().is_some_and(u8::is_ascii_digit) && l.contains(" [");
            if !loaded && logged {
                c.load_problems.push(l);
            } else if l.contains(" [ERROR] ") {
                c.run_errors.push(l);
            } else if !timestamped
                && (l.contains("rror") || l.starts_with("Could not") || l.contains("not found"))
            {
                c.monitor_errors.push(l);
            }
        }
        c
    }

    /// A CPU error of `machine` (`m/cpu: ...`, or `cpu: ...` when it is the only one).
    pub fn cpu_error(&self, machine: &str, single: bool) -> Option<&'a str> {
        self.run_errors
            .iter()
            .copied()
            .find(|l| l.contains(&format!("] {machine}/cpu")) || (single && l.contains("] cpu")))
    }
}

/// Kills Renode. The launchers of Renode's packages `exec` mono (the
/// portable package is one binary), so the child is Renode itself.
fn kill_group(child: &mut std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
}
