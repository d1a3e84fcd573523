//! Runs one scenario: resolve and build, hand the machines to a backend,
//! decode and merge what it observed, check the expectations.

use crate::backend::{Backend, Job};
use crate::{images::Image, repo};
use gale_platform::Platform;
use gale_scenario::{check, check::Verdict, Diagnostic, Scenario};
use gale_trace::{EventKind, Nanos, Trace};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Where the project lives and where run artefacts go.
#[derive(Clone, Debug)]
pub struct Context {
    pub root: PathBuf,
    /// The artefact folder: `<root>/target/gale-sim/` unless the user chose
    /// another (`--out`).
    pub out: PathBuf,
}

impl Context {
    pub fn new(root: PathBuf) -> Self {
        let out = repo::artefact_root(&root);
        Context { root, out }
    }

    /// The same project with artefacts written under `out`.
    pub fn with_out(mut self, out: PathBuf) -> Self {
        self.out = out;
        self
    }

    /// A backend's work folder for one scenario.
    pub fn work_dir(&self, scenario: &str, backend: &str) -> PathBuf {
        self.out.join(scenario).join(backend)
    }
}

/// Why a scenario could not be run (as opposed to running and failing).
#[derive(Debug)]
pub enum RunError {
    /// The scenario itself is wrong: located, with a fix.
    Scenario(Box<Diagnostic>),
    /// Something else stopped the run (build failure, engine error, I/O).
    Other(anyhow::Error),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Scenario(d) => write!(f, "{d}"),
            RunError::Other(e) => write!(f, "error: {e:#}"),
        }
    }
}

impl From<Diagnostic> for RunError {
    fn from(d: Diagnostic) -> Self {
        RunError::Scenario(Box::new(d))
    }
}

impl From<anyhow::Error> for RunError {
    fn from(e: anyhow::Error) -> Self {
        RunError::Other(e)
    }
}

/// One machine, resolved: its platform and its firmware.
pub struct Resolved {
    pub name: String,
    pub platform: Platform,
    pub image: Image,
    /// A prebuilt ELF from the scenario's `elf:` key, if given.
    pub elf: Option<PathBuf>,
}

/// Checks that every board and image a scenario names exists, and every
/// name it uses on them (buses, ports, pins, chips: [`crate::validate`]),
/// pointing at the scenario line when one does not.
pub fn resolve(ctx: &Context, s: &Scenario) -> Result<Vec<Resolved>, RunError> {
    let boards = gale_platform::list(&ctx.root).map_err(|e| RunError::Other(e.into()))?;
    let images = crate::images::list(&ctx.root);
    let mut out = Vec::new();
    for (name, m) in &s.def.machines {
        if !boards.contains(&m.board) {
            return Err(s
                .error_at(
                    &["machines", name, "board"],
                    format!("unknown board `{}`", m.board),
                )
                .with_help(format!(
                    "use one of: {} (platforms/*.toml)",
                    boards.join(", ")
                ))
                .into());
        }
        let elf = m.elf.as_ref().map(|e| s.base_dir().join(e));
        if let Some(e) = &elf {
            if !e.is_file() {
                return Err(s
                    .error_at(&["machines", name, "elf"], format!("firmware ELF {} does not exist", e.display()))
                    .with_help("give a path relative to the scenario file, or drop `elf:` to build `image:`")
                    .into());
            }
        }
        if !images.contains(&m.image) {
            return Err(s
                .error_at(
                    &["machines", name, "image"],
                    format!("unknown firmware image `{}`", m.image),
                )
                .with_help(format!(
                    "use one of: {} (firmware/boards/)",
                    images.join(", ")
                ))
                .into());
        }
        let image = Image::load(&ctx.root, &m.image)?;
        if image.platform != m.board {
            return Err(s
                .error_at(
                    &["machines", name, "board"],
                    format!(
                        "image `{}` is built for board `{}`, not `{}`",
                        m.image, image.platform, m.board
                    ),
                )
                .with_help(format!(
                    "use `board: {}` or an image built for `{}`",
                    image.platform, m.board
                ))
                .into());
        }
        let platform =
            Platform::load(&ctx.root, &m.board).map_err(|e| RunError::Other(e.into()))?;
        out.push(Resolved {
            name: name.clone(),
            platform,
            image,
            elf,
        });
    }
    let platforms: crate::validate::Platforms =
        out.iter().map(|r| (r.name.as_str(), &r.platform)).collect();
    crate::validate::names(s, &platforms)?;
    Ok(out)
}

/// How a machine's run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineEnd {
    pub machine: String,
    pub at: Nanos,
    pub instructions: u64,
    /// `time limit`, `exit 0`, or the fault report.
    pub how: String,
}

/// Everything one run produced.
pub struct RunOutcome {
    pub name: String,
    pub scenario_path: PathBuf,
    /// The backend that ran it (`gale`, `renode`, ...).
    pub backend: &'static str,
    /// The full trace (everything the machines emitted).
    pub trace: Trace,
    /// The trace as snapshotted and written to `trace.txt`.
    pub snapshot: String,
    pub verdict: Verdict,
    pub ends: Vec<MachineEnd>,
    pub ended: Nanos,
    pub notes: Vec<String>,
    /// When the run started (wall clock), for reports.
    pub started: SystemTime,
    pub wall: Duration,
}

impl RunOutcome {
    pub fn passed(&self) -> bool {
        self.verdict.passed()
    }
}

/// Resolves, builds, runs and checks one scenario on `backend`.
pub fn run(ctx: &Context, backend: &dyn Backend, s: &Scenario) -> Result<RunOutcome, RunError> {
    let resolved = resolve(ctx, s)?;
    let mut elfs = BTreeMap::new();
    for r in &resolved {
        let elf = match &r.elf {
            Some(e) => e.clone(),
            None => r.image.build(&ctx.root)?,
        };
        elfs.insert(r.name.clone(), elf);
    }
    execute(ctx, backend, s, &resolved, &elfs)
}

/// Runs already-resolved machines with the given ELFs on `backend`, decodes
/// their logs, merges their traces and checks the expectations.
pub fn execute(
    ctx: &Context,
    backend: &dyn Backend,
    s: &Scenario,
    resolved: &[Resolved],
    elfs: &BTreeMap<String, PathBuf>,
) -> Result<RunOutcome, RunError> {
    let work_dir = ctx.work_dir(&s.name, backend.name());
    let started = Instant::now();
    let started_at = SystemTime::now();
    let job = Job {
        scenario: s,
        machines: resolved,
        elfs,
        root: ctx.root.clone(),
        work_dir,
    };
    let run = backend.run(&job)?;
    let mut traces = Vec::new();
    let mut ends = Vec::new();
    for m in run.machines {
        let mut trace = m.trace;
        if !m.rtt.is_empty() {
            let elf = &elfs[&m.name];
            let bytes = std::fs::read(elf).map_err(|e| {
                RunError::Other(anyhow::anyhow!("cannot read {}: {e}", elf.display()))
            })?;
            trace.extend(m.rtt.decode(&m.name, &bytes));
        }
        traces.push(trace);
        ends.push(m.end);
    }
    let trace = Trace::merge(traces);
    let ended = ends.iter().map(|e| e.at).max().unwrap_or(0);
    let verdict = check::check(s, &trace, ended);
    let snapshot = snapshot_text(s, &trace);
    Ok(RunOutcome {
        name: s.name.clone(),
        scenario_path: s.path.clone(),
        backend: backend.name(),
        trace,
        snapshot,
        verdict,
        ends,
        ended,
        notes: run.notes,
        started: started_at,
        wall: started.elapsed(),
    })
}

/// The trace as snapshotted: bus-level and run-level events, plus register
/// accesses only when the scenario asks for them, and after the last byte
/// of each telemetry frame a transmitting UART sends, the frame decoded
/// with its field names (`... uart frame sample seq 3: t_us=... vote=0`), so
/// a snapshot diff shows what changed, not only which bytes.
pub fn snapshot_text(s: &Scenario, trace: &Trace) -> String {
    use std::fmt::Write;
    let registers = s.def.trace.registers;
    let mut scanners: BTreeMap<(&str, &str), gale_scenario::telemetry::FrameScanner> =
        BTreeMap::new();
    let mut out = String::new();
    for e in trace.events() {
        if !registers && matches!(e.kind, EventKind::Reg { .. }) {
            continue;
        }
        let _ = writeln!(out, "{e}");
        if let EventKind::UartTx { byte } = e.kind {
            let scanner = scanners
                .entry((e.machine.as_str(), e.source.as_str()))
                .or_default();
            if let Some(frame) = scanner.push(byte) {
                let _ = writeln!(
                    out,
                    "{}.{:09} {}/{} uart {frame}",
                    e.t / 1_000_000_000,
                    e.t % 1_000_000_000,
                    e.machine,
                    e.source
                );
            }
        }
    }
    out
}

/// Scenario files under `path` (a file, or every `*.yaml` in a folder, sorted).
pub fn collect(path: &Path) -> Result<Vec<PathBuf>, anyhow::Error> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| {
        anyhow::anyhow!(
            "cannot read {}: {e}; give a scenario file or folder",
            path.display()
        )
    })?;
    let mut v: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .collect();
    v.sort();
    if v.is_empty() {
        anyhow::bail!("no scenario files (*.yaml) in {}", path.display());
    }
    Ok(v)
}

/// The project root for `start`, or an error saying what is expected.
pub fn find_root(start: &Path) -> Result<PathBuf, anyhow::Error> {
    repo::root_from(start).ok_or_else(|| {
        anyhow::anyhow!("cannot find the gale-sim project (a folder with firmware/Cargo.toml and platforms/) above {}", start.display())
    })
}
