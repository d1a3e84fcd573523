//! The `gale-sim` command line.

mod output;

use anyhow::Result;
use clap::{Parser, Subcommand};
use gale_engine_backend::EngineBackend;
use gale_harness::{artefacts, images, report, runner, suite, Backend};
use gale_scenario::Scenario;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gale-sim",
    version,
    about = "Run scripted bus and sensor scenarios against Cortex-M firmware on a deterministic built-in engine."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// The engines a scenario can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Engine {
    /// The built-in engine (unicorn CPU with gale-sim's models): deterministic, fast.
    #[value(alias = "builtin")]
    Gale,
    /// A real Renode (1.15.x or 1.16.x) from RENODE or PATH, on the generated platforms.
    Renode,
}

/// Where a run's firmware executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Target {
    /// Simulation, on the engine --engine names.
    Sim,
    /// A real board through a probe-rs probe, sensors replayed over RTT.
    Hw,
    /// The hardware code path with the built-in engine playing the board.
    EngineBoard,
}

/// Exit status when the chosen engine is not available (Renode missing).
const ENGINE_MISSING: u8 = 3;

/// The backend for `engine`, or the exit status to stop with (after saying
/// why on stderr).
fn backend(engine: Engine) -> Result<Box<dyn Backend>, ExitCode> {
    match engine {
        Engine::Gale => Ok(Box::new(EngineBackend::default())),
        Engine::Renode => match gale_renode::locate() {
            Ok(r) => Ok(Box::new(gale_renode::RenodeBackend::new(r))),
            Err(e) => {
                eprintln!("error: --engine renode: {e}");
                Err(ExitCode::from(ENGINE_MISSING))
            }
        },
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Run scenarios: build stale firmware, simulate, check expectations.
    /// Exit status 1 if any scenario fails, 2 if one cannot run, 3 if the
    /// chosen engine is not available.
    Run {
        /// Scenario files or folders (every *.yaml inside), relative to the
        /// current folder.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Scenarios run at once [default: one per core].
        #[arg(long, short, value_name = "N")]
        jobs: Option<usize>,
        #[command(flatten)]
        output: output::RunOutput,
        /// Folder for artefacts and junit.xml (default: target/gale-sim in the
        /// project). Two runs at once need two folders: a run refuses a folder
        /// another run is writing.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Which engine runs the firmware (with --target sim).
        #[arg(long, value_enum, default_value_t = Engine::Gale)]
        engine: Engine,
        /// Where the firmware runs: in simulation (`sim`), on a real board
        /// through a probe-rs probe (`hw`: the image's `replay` build,
        /// flashed, its sensors replayed over RTT from the scenario), or on
        /// the hardware path with the built-in engine playing the board
        /// (`engine-board`). See docs/hardware.md.
        #[arg(long, value_enum, default_value_t = Target::Sim)]
        target: Target,
        /// With --target hw: the probe, as VID:PID[:SERIAL] in hex (needed
        /// when several probes are attached).
        #[arg(long, value_name = "VID:PID[:SERIAL]")]
        probe: Option<gale_target::probe_select::ProbeSpec>,
        /// With --target hw: the probe-rs chip name (default: the image's
        /// `probe-rs-chip`, e.g. STM32F100RB, MIMXRT1170).
        #[arg(long, value_name = "NAME")]
        chip: Option<String>,
    },
    /// Run scenarios on two engines and compare their traces stream by
    /// stream (UART ports, logs, GPIO pins, buses): identical, shifted in
    /// time (with the largest shift), or different from a first event on.
    /// Writes compare.txt in the artefact folder. Exit status 1 when a
    /// scenario passes on one engine and fails on the other, 3 when an
    /// engine is not available.
    Compare {
        /// Scenario files or folders (every *.yaml inside).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The engine whose trace is the reference.
        #[arg(long, value_enum, default_value_t = Engine::Gale)]
        reference: Engine,
        /// The engine compared against it.
        #[arg(long, value_enum, default_value_t = Engine::Renode)]
        against: Engine,
    },
    /// Parse scenarios and resolve every name they use (boards, images,
    /// buses, ports, pins, chips) without building or running anything.
    /// Exit status 2 if one is wrong.
    Check {
        /// Scenario files or folders (every *.yaml inside), relative to the
        /// current folder.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Benchmark the suite: wall time in parallel against serial (measured in
    /// the same run), virtual-to-wall ratio per scenario, and byte-identical
    /// traces over repeated runs.
    Bench {
        /// Scenario files or folders (every *.yaml inside), relative to the
        /// current folder.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Suite runs compared for determinism.
        #[arg(long, default_value_t = 100)]
        repeat: usize,
        /// Which engine runs the firmware.
        #[arg(long, value_enum, default_value_t = Engine::Gale)]
        engine: Engine,
        /// Instead: run the scenarios on --engine and on this engine, one job
        /// each, and print wall time and virtual/wall side by side.
        #[arg(long, value_enum)]
        against: Option<Engine>,
    },
    /// Flash and RAM each firmware image uses (builds them first); exit
    /// status 1 when an image exceeds its size goal.
    Size,
    /// Build firmware images (all, or the ones named).
    Build {
        /// Image names (crates in firmware/boards/); none: every image.
        images: Vec<String>,
    },
    /// Platforms generated from the SVDs and board overlays.
    Platform {
        #[command(subcommand)]
        cmd: PlatformCmd,
    },
}

#[derive(Subcommand)]
enum PlatformCmd {
    /// List the platforms (boards) scenarios can name.
    List,
    /// Print a platform's memory map: memories and peripherals with their models.
    Show {
        /// A platform name from `platform list` (e.g. rt1176-cm7).
        platform: String,
    },
    /// Print one peripheral's registers with offsets and reset values.
    Regs {
        /// A platform name from `platform list` (e.g. stm32f100).
        platform: String,
        /// A peripheral of that platform, as `platform show` names it (e.g. USART1).
        peripheral: String,
    },
    /// Write the platform's SVD, uncompressed, where its Renode .resc
    /// expects it (for `sysbus ApplySVD`), and print the path.
    Svd {
        /// A platform name from `platform list`.
        platform: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.cmd) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cmd: Cmd) -> Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let root = runner::find_root(&cwd)?;
    let ctx = runner::Context::new(root.clone());
    match cmd {
        Cmd::Run {
            paths,
            jobs,
            out,
            engine,
            target,
            probe,
            chip,
            output,
        } => {
            let ctx = match out {
                Some(out) => ctx.with_out(cwd.join(out)),
                None => ctx,
            };
            let chosen: Box<dyn Backend> = match target {
                Target::Sim => match backend(engine) {
                    Ok(b) => b,
                    Err(code) => return Ok(code),
                },
                Target::Hw => Box::new(gale_probe::backend(
                    root.clone(),
                    gale_probe::ProbeOptions { probe, chip },
                )),
                Target::EngineBoard => Box::new(gale_engine_backend::board::backend(root.clone())),
            };
            // One board, one run at a time.
            let jobs = if target == Target::Sim {
                jobs.unwrap_or(0)
            } else {
                1
            };
            run(&ctx, chosen.as_ref(), &paths, jobs, &output)
        }
        Cmd::Check { paths } => check(&ctx, &paths),
        Cmd::Compare {
            paths,
            reference,
            against,
        } => {
            let (a, b) = match (backend(reference), backend(against)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(code), _) | (_, Err(code)) => return Ok(code),
            };
            compare(&ctx, a.as_ref(), b.as_ref(), &paths)
        }
        Cmd::Bench {
            paths,
            repeat,
            engine,
            against,
        } => {
            let b = match backend(engine) {
                Ok(b) => b,
                Err(code) => return Ok(code),
            };
            if let Some(other) = against {
                let o = match backend(other) {
                    Ok(o) => o,
                    Err(code) => return Ok(code),
                };
                print!(
                    "{}",
                    gale_harness::bench::side_by_side(&ctx, b.as_ref(), o.as_ref(), &paths)?
                );
                return Ok(ExitCode::SUCCESS);
            }
            print!(
                "{}",
                gale_harness::bench::run(&ctx, b.as_ref(), &paths, repeat.max(1))?
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Size => {
            let (table, ok) = gale_harness::size::report(&root)?;
            print!("{table}");
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Cmd::Build { images } => {
            let names = if images.is_empty() {
                images::list(&root)
            } else {
                images
            };
            for name in names {
                let image = images::Image::load(&root, &name)?;
                let elf = image.build(&root)?;
                println!("built {name} ({}) -> {}", image.target, elf.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Platform { cmd } => {
            match cmd {
                PlatformCmd::List => gale_platform::list(&root)?
                    .iter()
                    .for_each(|p| println!("{p}")),
                PlatformCmd::Show { platform } => {
                    let p = gale_platform::Platform::load(&root, &platform)?;
                    print!("{}", gale_platform::show::memory_map(&p));
                }
                PlatformCmd::Regs {
                    platform,
                    peripheral,
                } => {
                    let p = gale_platform::Platform::load(&root, &platform)?;
                    print!("{}", gale_platform::show::registers(&p, &peripheral)?);
                }
                PlatformCmd::Svd { platform } => {
                    let p = gale_platform::Platform::load(&root, &platform)?;
                    println!("{}", p.extract_svd(&root)?.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_all(paths: &[PathBuf]) -> Result<Vec<Result<Scenario, runner::RunError>>> {
    let mut files = Vec::new();
    for p in paths {
        files.extend(runner::collect(p)?);
    }
    Ok(files
        .iter()
        .map(|f| Scenario::load(f).map_err(runner::RunError::from))
        .collect())
}

fn check(ctx: &runner::Context, paths: &[PathBuf]) -> Result<ExitCode> {
    let mut bad = 0;
    for s in load_all(paths)? {
        match s.and_then(|s| runner::resolve(ctx, &s).map(|_| s)) {
            Ok(s) => println!("ok   {} ({})", s.name, s.path.display()),
            Err(e) => {
                bad += 1;
                eprint!("{e}");
            }
        }
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn run(
    ctx: &runner::Context,
    backend: &dyn Backend,
    paths: &[PathBuf],
    jobs: usize,
    out: &output::RunOutput,
) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let artefact_root = ctx.out.clone();
    let _lock = suite::lock_out(&artefact_root)?;
    let colour = out.colour();
    let opts = suite::Options {
        jobs,
        progress: std::io::stderr().is_terminal() && !out.quiet,
        filter: out.filter.clone(),
    };
    let print = |e: &suite::Entry, bar: &indicatif::ProgressBar| {
        let text = match &e.result {
            Err(err) => {
                // Could-not-run errors go to stderr, like every other error.
                bar.suspend(|| eprint!("{err}"));
                return;
            }
            Ok(o) => {
                let written = artefacts::write(&artefact_root, o);
                let mut t = if out.quiet {
                    report::failures_text(o)
                } else {
                    report::outcome_text(o)
                };
                if !t.is_empty() {
                    match written {
                        Ok(dir) => {
                            let shown = dir.strip_prefix(&ctx.root).unwrap_or(&dir);
                            t += &format!("      artefacts: {}\n", shown.display());
                        }
                        Err(err) => t += &format!("      artefacts not written: {err:#}\n"),
                    }
                }
                t
            }
        };
        bar.suspend(|| print!("{}", output::paint(&text, colour)));
    };
    let entries = suite::run(ctx, backend, paths, &opts, &print)?;
    if entries.is_empty() {
        anyhow::bail!(
            "no scenario matches --filter `{}`",
            out.filter.as_ref().map(|f| f.as_str()).unwrap_or_default()
        );
    }
    let passed = entries
        .iter()
        .filter(|e| matches!(&e.result, Ok(o) if o.passed()))
        .count();
    let errors = entries.iter().filter(|e| e.result.is_err()).count();
    let failed = entries.len() - passed - errors;
    let shown_root = artefact_root
        .strip_prefix(&ctx.root)
        .unwrap_or(&artefact_root);
    let junit = out
        .junit
        .clone()
        .unwrap_or_else(|| artefact_root.join("junit.xml"));
    gale_harness::junit::write(&junit, &entries, shown_root)?;
    if !out.quiet {
        println!("\n{}", output::paint(&suite::table(&entries), colour));
        println!(
            "junit: {}",
            junit.strip_prefix(&ctx.root).unwrap_or(&junit).display()
        );
    }
    println!("{}", report::summary(passed, failed, errors));
    // A hardware error (no probe, flash failure, ...) keeps its own status
    // (docs/hardware.md); any other could-not-run is 2.
    let hw_status = entries
        .iter()
        .filter_map(|e| e.result.as_ref().err())
        .map(gale_target::exit_status)
        .find(|&c| c != 2);
    Ok(match (failed, errors, hw_status) {
        (0, 0, _) => ExitCode::SUCCESS,
        (_, 0, _) => ExitCode::from(1),
        (_, _, Some(code)) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        _ => ExitCode::from(2),
    })
}

fn compare(
    ctx: &runner::Context,
    a: &dyn Backend,
    b: &dyn Backend,
    paths: &[PathBuf],
) -> Result<ExitCode> {
    let _lock = suite::lock_out(&ctx.out)?;
    let opts = suite::Options {
        jobs: 0,
        progress: false,
        filter: None,
    };
    let quiet = |_: &suite::Entry, _: &indicatif::ProgressBar| {};
    let first = suite::run(ctx, a, paths, &opts, &quiet)?;
    let second = suite::run(ctx, b, paths, &opts, &quiet)?;
    let mut report = String::new();
    let mut disagree = 0;
    for (x, y) in first.iter().zip(&second) {
        match (&x.result, &y.result) {
            (Ok(ox), Ok(oy)) => {
                disagree += usize::from(ox.passed() != oy.passed());
                report += &gale_harness::compare::table(ox, oy);
            }
            (rx, ry) => {
                report += &format!("{}: not compared\n", x.name());
                for (engine, r) in [(a.name(), rx), (b.name(), ry)] {
                    if let Err(e) = r {
                        let first_line =
                            e.to_string().lines().next().unwrap_or_default().to_string();
                        report += &format!(
                            "  {engine} cannot run it: {}\n",
                            first_line.trim_start_matches("error: ")
                        );
                    }
                }
            }
        }
        report += "\n";
    }
    print!("{report}");
    std::fs::create_dir_all(&ctx.out)?;
    let file = ctx.out.join("compare.txt");
    std::fs::write(&file, &report)?;
    println!(
        "compare: {}",
        file.strip_prefix(&ctx.root).unwrap_or(&file).display()
    );
    Ok(if disagree == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
