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
                let result =
                    prepared.and_then(|(s, resolved)| run_one(ctx, backend, &s, &resolved, &elfs));
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
    let work_dir = crate::repo::artefact_root(&ctx.root)
        .join(&s.name)
        .join(backend.name());
    runner::execute(backend, s, resolved, &by_machine, work_dir)
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
