//! Running many scenarios: load and resolve all, build each image once, run
//! in parallel on all cores, and collect outcomes in scenario order.

use crate::backend::Backend;
use crate::runner::{self, Context, Resolved, RunError, RunOutcome};
use gale_scenario::Scenario;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// One scenario file's result: it ran (PASS or FAIL), or it could not run.
pub struct Entry {
    pub file: PathBuf,
    pub result: Result<RunOutcome, RunError>,
}

impl Entry {
    /// The scenario's name, or the file stem when it could not be loaded.
    pub fn name(&self) -> String {
        match &self.result {
            Ok(o) => o.name.clone(),
            Err(_) => self
                .file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// A loaded and resolved scenario, or why it cannot run.
type Prepared = Result<(Scenario, Vec<Resolved>), RunError>;

/// Options for a suite run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Run only scenarios whose name (or, when it cannot be loaded, file
    /// stem) matches.
    pub filter: Option<regex::Regex>,
}

/// Runs every scenario under `paths`; `on_done` sees each entry as it
/// completes (for live output). Entries come back in file order.
pub fn run(
    ctx: &Context,
    backend: &dyn Backend,
    paths: &[PathBuf],
    opts: &Options,
    on_done: &(dyn Fn(&Entry, &ProgressBar) + Sync),
) -> anyhow::Result<Vec<Entry>> {
    let mut files = Vec::new();
    for p in paths {
        files.extend(runner::collect(p)?);
    }
    // Load and resolve everything first: scenario errors show up before
    // anything is built or run.
    let mut prepared: Vec<(PathBuf, Prepared)> = files
        .iter()
        .map(|f| {
            let r = Scenario::load(f)
                .map_err(RunError::from)
                .and_then(|s| runner::resolve(ctx, &s).map(|r| (s, r)));
            (f.clone(), r)
        })
        .filter(|(f, r)| {
            let Some(filter) = &opts.filter else {
                return true;
            };
            match r {
                Ok((s, _)) => filter.is_match(&s.name),
                Err(_) => f
                    .file_stem()
                    .is_some_and(|stem| filter.is_match(&stem.to_string_lossy())),
            }
        })
        .collect();
    refuse_name_clashes(&mut prepared);
    // Build each image once.
    let mut elfs: BTreeMap<String, Result<PathBuf, String>> = BTreeMap::new();
    for (_, r) in &prepared {
        let Ok((_, resolved)) = r else { continue };
        for m in resolved {
            if m.elf.is_none() && !elfs.contains_key(&m.image.name) {
                elfs.insert(
                    m.image.name.clone(),
                    m.image.build(&ctx.root).map_err(|e| format!("{e:#}")),
                );
            }
        }
    }
    let total = prepared.len();
    let bar = if opts.progress {
        ProgressBar::new(total as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} scenarios {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let slots: Vec<Mutex<Option<Entry>>> = (0..total).map(|_| Mutex::new(None)).collect();
    let work: Vec<Mutex<Option<(PathBuf, Prepared)>>> =
        prepared.drain(..).map(|p| Mutex::new(Some(p))).collect();
    let next = AtomicUsize::new(0);
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        opts.jobs
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(total.max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= total {
                    break;
                }
                let Some((file, prepared)) = work[i].lock().ok().and_then(|mut w| w.take()) else {
                    continue;
                };
                let result = prepared.and_then(|(s, resolved)| {
                    isolated(|| run_one(ctx, backend, &s, &resolved, &elfs))
                });
                let entry = Entry { file, result };
                on_done(&entry, &bar);
                bar.inc(1);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(entry);
                }
            });
        }
    });
    bar.finish_and_clear();
    Ok(slots
        .into_iter()
        .filter_map(|s| s.into_inner().ok().flatten())
        .collect())
}

/// Scenarios share one artefact folder per name: two files with the same
/// `name` would overwrite each other's artefacts, so both are refused,
/// each naming the other file.
fn refuse_name_clashes(prepared: &mut [(PathBuf, Prepared)]) {
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (_, r)) in prepared.iter().enumerate() {
        if let Ok((s, _)) = r {
            by_name.entry(s.name.clone()).or_default().push(i);
        }
    }
    for (name, users) in by_name.into_iter().filter(|(_, u)| u.len() > 1) {
        let files: Vec<PathBuf> = users.iter().map(|&i| prepared[i].0.clone()).collect();
        for &i in &users {
            let Ok((s, _)) = &prepared[i].1 else { continue };
            let others: Vec<String> = files
                .iter()
                .filter(|f| **f != prepared[i].0)
                .map(|f| f.display().to_string())
                .collect();
            let d = s
                .error_at(&["name"], format!("scenario name `{name}` is also used by {}", others.join(", ")))
                .with_help("each scenario writes its artefacts to a folder named after it: give every scenario in a run its own `name`");
            prepared[i].1 = Err(RunError::from(d));
        }
    }
}

/// Runs `f`, turning a panic into an error for this scenario alone, so one
/// bad scenario cannot take down a parallel suite.
fn isolated(f: impl FnOnce() -> Result<RunOutcome, RunError>) -> Result<RunOutcome, RunError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Err(RunError::Other(anyhow::anyhow!(
            "internal error: gale-sim panicked while running this scenario ({what}); the other scenarios still ran. Please report this with the scenario file."
        )))
    })
}

/// Holds the artefact folder for one run: a second run that wants the same
/// folder at the same time is refused instead of overwriting its artefacts
/// and JUnit. The lock is released when the guard is dropped (or the
/// process ends).
pub struct OutLock {
    _file: std::fs::File,
}

/// Takes the artefact folder `out` for this run.
pub fn lock_out(out: &Path) -> anyhow::Result<OutLock> {
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    let path = out.join(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(OutLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => {
            anyhow::bail!("another gale-sim run is writing {}; wait for it, or give this run its own folder with --out DIR", out.display())
        }
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("cannot lock {}: {e}", path.display())
        }
    }
}

fn run_one(
    ctx: &Context,
    backend: &dyn Backend,
    s: &Scenario,
    resolved: &[Resolved],
    elfs: &BTreeMap<String, Result<PathBuf, String>>,
) -> Result<RunOutcome, RunError> {
    let mut by_machine = BTreeMap::new();
    for r in resolved {
        let elf = match &r.elf {
            Some(e) => e.clone(),
            None => match elfs.get(&r.image.name) {
                Some(Ok(p)) => p.clone(),
                Some(Err(e)) => return Err(RunError::Other(anyhow::anyhow!("{e}"))),
                None => {
                    return Err(RunError::Other(anyhow::anyhow!(
                        "image `{}` was not built",
                        r.image.name
                    )))
                }
            },
        };
        by_machine.insert(r.name.clone(), elf);
    }
    runner::execute(ctx, backend, s, resolved, &by_machine)
}

/// The summary table: one row per scenario with virtual time, wall time and
/// their ratio.
pub fn table(entries: &[Entry]) -> String {
    let width = entries
        .iter()
        .map(|e| e.name().len())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut s = format!(
        "{:width$}  result  {:>12}  {:>9}  {:>12}\n",
        "scenario", "virtual", "wall", "virt/wall"
    );
    for e in entries {
        match &e.result {
            Ok(o) => {
                let virt = o.ended as f64 / 1e9;
                let wall = o.wall.as_secs_f64();
                s += &format!(
                    "{:width$}  {}    {:>10.6} s  {:>7.3} s  {:>12.2}\n",
                    o.name,
                    if o.passed() { "PASS" } else { "FAIL" },
                    virt,
                    wall,
                    if wall > 0.0 { virt / wall } else { 0.0 }
                );
            }
            Err(_) => s += &format!("{:width$}  ERROR\n", e.name()),
        }
    }
    s
}

/// Writes `junit.xml` under the artefact root ([`crate::junit`]).
pub fn write_junit(artefact_root: &Path, entries: &[Entry]) -> anyhow::Result<PathBuf> {
    let p = artefact_root.join("junit.xml");
    crate::junit::write(&p, entries, artefact_root)?;
    Ok(p)
}
