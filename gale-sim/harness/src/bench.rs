//! `gale-sim bench`: suite wall time (parallel, and serial as the reference
//! measured in the same run), per-scenario virtual-to-wall ratios, and a
//! determinism check over many repeated runs.

use crate::backend::Backend;
use crate::runner::Context;
use crate::suite::{self, Entry};
use std::collections::hash_map::DefaultHasher;
use std::fmt::Write;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::time::Instant;

fn hash_traces(entries: &[Entry]) -> Vec<(String, Option<u64>)> {
    entries
        .iter()
        .map(|e| {
            let h = e.result.as_ref().ok().map(|o| {
                let mut h = DefaultHasher::new();
                o.trace.to_text().hash(&mut h);
                h.finish()
            });
            (e.name(), h)
        })
        .collect()
}

/// Runs the benchmark and returns the report; Err when a run could not be
/// made or traces differed between runs.
pub fn run(
    ctx: &Context,
    backend: &dyn Backend,
    paths: &[PathBuf],
    repeat: usize,
) -> anyhow::Result<String> {
    let quiet = |_: &Entry, _: &indicatif::ProgressBar| {};
    let mut report = String::new();
    let jobs = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);

    // Every run here is quiet, on all paths; only the job count varies.
    let run_with = |jobs| {
        let opts = suite::Options {
            jobs,
            ..Default::default()
        };
        suite::run(ctx, backend, paths, &opts, &quiet)
    };

    // Warm-up: builds stale images and fills the platform cache, so the
    // timed runs measure simulation only.
    run_with(jobs)?;

    let t = Instant::now();
    let serial = run_with(1)?;
    let serial_wall = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let parallel = run_with(jobs)?;
    let parallel_wall = t.elapsed().as_secs_f64();

    let _ = writeln!(report, "suite: {} scenario(s)", parallel.len());
    let _ = writeln!(
        report,
        "  serial (1 job, reference): {serial_wall:8.2} s wall"
    );
    let _ = writeln!(
        report,
        "  parallel ({jobs} jobs):        {parallel_wall:8.2} s wall   speed-up {:.2}x over serial   goal < 60 s: {}",
        serial_wall / parallel_wall.max(1e-9),
        if parallel_wall < 60.0 { "met" } else { "NOT met" }
    );
    let _ = writeln!(
        report,
        "\nper scenario (from the serial run):\n{}",
        suite::table(&serial)
    );

    // Determinism: every repetition must reproduce the first run's traces.
    let reference = hash_traces(&parallel);
    let mut identical = 1;
    let mut differing = Vec::new();
    let t = Instant::now();
    for _ in 1..repeat {
        let again = hash_traces(&run_with(jobs)?);
        if again == reference {
            identical += 1;
        } else {
            for (a, b) in reference.iter().zip(&again) {
                if a != b && !differing.contains(&a.0) {
                    differing.push(a.0.clone());
                }
            }
        }
    }
    let _ = writeln!(
        report,
        "determinism: {identical}/{repeat} suite runs gave byte-identical traces ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    if !differing.is_empty() {
        anyhow::bail!(
            "{report}traces differed between runs for: {}",
            differing.join(", ")
        );
    }
    if reference.iter().any(|(_, h)| h.is_none()) {
        anyhow::bail!("{report}some scenarios could not run; see `gale-sim run`");
    }
    Ok(report)
}

/// The same scenarios on two engines, one after the other (one job each, so
/// neither competes with the other for cores): wall time and virtual time
/// per wall second side by side, `a` as the reference.
pub fn side_by_side(
    ctx: &Context,
    a: &dyn Backend,
    b: &dyn Backend,
    paths: &[PathBuf],
) -> anyhow::Result<String> {
    let quiet = |_: &Entry, _: &indicatif::ProgressBar| {};
    let opts = suite::Options {
        jobs: 1,
        progress: false,
        filter: None,
    };
    // Warm-up on the reference: builds stale images.
    suite::run(ctx, a, paths, &opts, &quiet)?;
    let ra = suite::run(ctx, a, paths, &opts, &quiet)?;
    let rb = suite::run(ctx, b, paths, &opts, &quiet)?;
    let mut report = String::new();
    let width = ra.iter().map(|e| e.name().len()).max().unwrap_or(8).max(8);
    let _ = writeln!(
        report,
        "engines side by side ({} is the reference; one job each):",
        a.name()
    );
    let _ = writeln!(
        report,
        "  {:width$}  {:>10}  {:>9} {:>9}  {:>9} {:>9}  {:>8}",
        "scenario",
        "virtual",
        format!("{} wall", a.name()),
        "virt/wall",
        format!("{} wall", b.name()),
        "virt/wall",
        "speed"
    );
    for (x, y) in ra.iter().zip(&rb) {
        match (&x.result, &y.result) {
            (Ok(ox), Ok(oy)) => {
                let virt = ox.ended as f64 / 1e9;
                let (wa, wb) = (ox.wall.as_secs_f64(), oy.wall.as_secs_f64());
                let _ = writeln!(
                    report,
                    "  {:width$}  {:>8.3} s  {:>7.3} s {:>9.2}  {:>7.3} s {:>9.2}  {:>7.1}x",
                    ox.name,
                    virt,
                    wa,
                    virt / wa.max(1e-9),
                    wb,
                    oy.ended as f64 / 1e9 / wb.max(1e-9),
                    wb / wa.max(1e-9)
                );
            }
            _ => {
                let _ = writeln!(report, "  {:width$}  (not run on both engines)", x.name());
            }
        }
    }
    let _ = writeln!(
        report,
        "  speed: {} wall time over {} wall time for the same scenario and ELF",
        b.name(),
        a.name()
    );
    Ok(report)
}
