//! Runs one scenario on the built-in engine: resolve and build, step the
//! machines in lockstep, collect the trace, check the expectations.

use crate::{chips, devices, images::Image, machine, repo, rtt_log};
use gale_engine::{Limits, Machine, StopReason};
use gale_platform::Platform;
use gale_scenario::{check, check::Verdict, Diagnostic, Scenario};
use gale_trace::{Event, EventKind, Nanos, Trace};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Virtual time each machine runs before the others catch up. Machines only
/// interact at quantum boundaries, so a fixed quantum keeps multi-machine
/// scenarios deterministic.
pub const QUANTUM: Nanos = 100_000;

/// Where the project lives and where run artefacts go.
#[derive(Clone, Debug)]
pub struct Context {
    pub root: PathBuf,
}

impl Context {
    pub fn new(root: PathBuf) -> Self {
        Context { root }
    }
}

/// Why a scenario could not be run (as opposed to running and failing).
#[derive(Debug)]
pub enum RunError {
    /// The scenario itself is wrong: located, with a fix.
    Scenario(Diagnostic),
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
        RunError::Scenario(d)
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

/// Checks that every board and image a scenario names exists, pointing at
/// the scenario line when one does not.
pub fn resolve(ctx: &Context, s: &Scenario) -> Result<Vec<Resolved>, RunError> {
    let boards = gale_platform::list(&ctx.root).map_err(|e| RunError::Other(e.into()))?;
    let images = crate::images::list(&ctx.root);
    let mut out = Vec::new();
    for (name, m) in &s.def.machines {
        if !boards.contains(&m.board) {
            return Err(s
                .error_at(&["machines", name, "board"], format!("unknown board `{}`", m.board))
                .with_help(format!("use one of: {} (platforms/*.toml)", boards.join(", ")))
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
                .error_at(&["machines", name, "image"], format!("unknown firmware image `{}`", m.image))
                .with_help(format!("use one of: {} (firmware/boards/)", images.join(", ")))
                .into());
        }
        let image = Image::load(&ctx.root, &m.image)?;
        if image.platform != m.board {
            return Err(s
                .error_at(
                    &["machines", name, "board"],
                    format!("image `{}` is built for board `{}`, not `{}`", m.image, image.platform, m.board),
                )
                .with_help(format!("use `board: {}` or an image built for `{}`", image.platform, m.board))
                .into());
        }
        let platform = Platform::load(&ctx.root, &m.board).map_err(|e| RunError::Other(e.into()))?;
        out.push(Resolved { name: name.clone(), platform, image, elf });
    }
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
    /// The full trace (everything the machines emitted).
    pub trace: Trace,
    /// The trace as snapshotted and written to `trace.txt`.
    pub snapshot: String,
    pub verdict: Verdict,
    pub ends: Vec<MachineEnd>,
    pub ended: Nanos,
    pub notes: Vec<String>,
    pub wall: Duration,
}

impl RunOutcome {
    pub fn passed(&self) -> bool {
        self.verdict.passed()
    }
}

/// Resolves, builds, runs and checks one scenario.
pub fn run(ctx: &Context, s: &Scenario) -> Result<RunOutcome, RunError> {
    let resolved = resolve(ctx, s)?;
    let mut elfs = BTreeMap::new();
    for r in &resolved {
        let elf = match &r.elf {
            Some(e) => e.clone(),
            None => r.image.build(&ctx.root)?,
        };
        elfs.insert(r.name.clone(), elf);
    }
    execute(s, &resolved, &elfs)
}

fn load_machine(
    r: &Resolved,
    elf: &Path,
    s: &Scenario,
    notes: &mut Vec<String>,
    feeds: &mut Vec<devices::Feed>,
    chip: Option<&chips::ChipLinks>,
) -> Result<(Machine, Vec<u8>), RunError> {
    let (mut devices, wire_feeds) = devices::attachments(s, &r.name, &r.platform)?;
    feeds.extend(wire_feeds);
    if let Some((mu, peer)) = chip.and_then(chips::ChipLinks::mu_attachment) {
        devices.entry(mu).or_default().push(peer);
    }
    let shared = chip.map(|c| &c.memories);
    let (spec, n) = machine::spec(&r.name, &r.platform, s.def.trace.irqs, devices, shared)
        .map_err(|e| RunError::Other(anyhow::anyhow!("{}: {e}", r.name)))?;
    notes.extend(n);
    let bytes = std::fs::read(elf).map_err(|e| RunError::Other(anyhow::anyhow!("cannot read {}: {e}", elf.display())))?;
    let mut m = Machine::new(spec).map_err(|e| RunError::Other(anyhow::anyhow!("{}: {e}", r.name)))?;
    m.load_elf(&bytes).map_err(|e| RunError::Other(anyhow::anyhow!("{}: loading {}: {e}", r.name, elf.display())))?;
    Ok((m, bytes))
}

/// Runs already-resolved machines with the given ELFs.
pub fn execute(s: &Scenario, resolved: &[Resolved], elfs: &BTreeMap<String, PathBuf>) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    let mut notes = Vec::new();
    let platforms: BTreeMap<&str, &Platform> = resolved.iter().map(|r| (r.name.as_str(), &r.platform)).collect();
    devices::check_links(s, &platforms)?;
    let chips = chips::link(s, resolved)?;
    let mut machines = Vec::new();
    let mut images = Vec::new();
    let mut feeds = Vec::new();
    for r in resolved {
        let (m, elf) = load_machine(r, &elfs[&r.name], s, &mut notes, &mut feeds, chips.get(&r.name))?;
        machines.push(m);
        images.push(elf);
    }
    // RTT up-channel 0 (defmt or text logs), read at every quantum boundary.
    let mut logs: Vec<rtt_log::Capture> = (0..machines.len()).map(|_| rtt_log::Capture::default()).collect();
    let limit = s.def.time_limit.0;
    let limits = Limits { time: limit, instructions: s.def.instruction_limit.unwrap_or(u64::MAX) };
    let mut ends: Vec<Option<MachineEnd>> = vec![None; machines.len()];
    let mut traces: Vec<Trace> = vec![Trace::new(); machines.len()];
    let mut t = 0;
    while t < limit && ends.iter().any(Option::is_none) {
        t = (t + QUANTUM).min(limit);
        for (i, m) in machines.iter_mut().enumerate() {
            if ends[i].is_some() {
                continue;
            }
            let stop = m.run_until(t, &limits).map_err(|e| RunError::Other(anyhow::anyhow!("{}: {e}", resolved[i].name)))?;
            let chunk = m.take_trace();
            // Wires from this machine carry what it just transmitted.
            for feed in feeds.iter().filter(|f| f.machine == resolved[i].name) {
                for e in chunk.events() {
                    if let EventKind::UartTx { byte } = e.kind {
                        if e.source == feed.port {
                            feed.tx.push(e.t, byte);
                        }
                    }
                }
            }
            traces[i].extend(chunk.events().iter().cloned());
            logs[i].push(m.now(), m.rtt_read_up(0));
            let how = match stop {
                StopReason::TimeReached => continue,
                StopReason::TimeLimit => "time limit".to_string(),
                StopReason::Exited { code } => format!("exit {code}"),
                StopReason::Fault(report) => {
                    traces[i].push(Event::new(m.now(), &resolved[i].name, "core", EventKind::Fault { what: report.to_string() }));
                    format!("fault: {report}")
                }
                StopReason::InstructionLimit => {
                    let what = format!("instruction limit of {} reached", limits.instructions);
                    traces[i].push(Event::new(m.now(), &resolved[i].name, "core", EventKind::Fault { what: what.clone() }));
                    what
                }
            };
            ends[i] = Some(MachineEnd { machine: resolved[i].name.clone(), at: m.now(), instructions: m.instructions(), how });
        }
    }
    let ends: Vec<MachineEnd> = ends
        .into_iter()
        .zip(&machines)
        .zip(resolved)
        .map(|((e, m), r)| {
            e.unwrap_or_else(|| MachineEnd { machine: r.name.clone(), at: m.now(), instructions: m.instructions(), how: "time limit".into() })
        })
        .collect();
    for (i, log) in logs.iter().enumerate() {
        if !log.is_empty() {
            traces[i].extend(log.decode(&resolved[i].name, &images[i]));
        }
    }
    let trace = Trace::merge(traces);
    let ended = ends.iter().map(|e| e.at).max().unwrap_or(0);
    let verdict = check::check(s, &trace, ended);
    let snapshot = snapshot_text(s, &trace);
    Ok(RunOutcome {
        name: s.name.clone(),
        scenario_path: s.path.clone(),
        trace,
        snapshot,
        verdict,
        ends,
        ended,
        notes,
        wall: started.elapsed(),
    })
}

/// The trace as snapshotted: bus-level and run-level events, plus register
/// accesses only when the scenario asks for them.
pub fn snapshot_text(s: &Scenario, trace: &Trace) -> String {
    let registers = s.def.trace.registers;
    trace.filtered(|e| registers || !matches!(e.kind, EventKind::Reg { .. })).to_text()
}

/// Scenario files under `path` (a file, or every `*.yaml` in a folder, sorted).
pub fn collect(path: &Path) -> Result<Vec<PathBuf>, anyhow::Error> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}; give a scenario file or folder", path.display()))?;
    let mut v: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
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
