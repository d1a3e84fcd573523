//! The `gale-sim` command line.

mod output;

use anyhow::Result;
use clap::{Parser, Subcommand};
use gale_engine_backend::EngineBackend;
use gale_harness::{artefacts, images, repo, report, runner, suite, Backend};
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

#[derive(Subcommand)]
enum Cmd {
    /// Run scenarios: build stale firmware, simulate, check expectations.
    /// Exit status 1 if any scenario fails, 2 if one cannot run.
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
            output,
        } => run(&ctx, &EngineBackend, &paths, jobs.unwrap_or(0), &output),
        Cmd::Check { paths } => check(&ctx, &paths),
        Cmd::Bench { paths, repeat } => {
            print!(
                "{}",
                gale_harness::bench::run(&ctx, &EngineBackend, &paths, repeat.max(1))?
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

fn load_all(paths: &[PathBuf]) -> Result<Vec<Result<Scenario, gale_scenario::Diagnostic>>> {
    let mut files = Vec::new();
    for p in paths {
        files.extend(runner::collect(p)?);
    }
    Ok(files.iter().map(|f| Scenario::load(f)).collect())
}

fn check(ctx: &runner::Context, paths: &[PathBuf]) -> Result<ExitCode> {
    let mut bad = 0;
    for s in load_all(paths)? {
        match s
            .map_err(runner::RunError::from)
            .and_then(|s| runner::resolve(ctx, &s).map(|_| s))
        {
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
    let artefact_root = repo::artefact_root(&ctx.root);
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
    Ok(match (failed, errors) {
        (0, 0) => ExitCode::SUCCESS,
        (_, 0) => ExitCode::from(1),
        _ => ExitCode::from(2),
    })
}
