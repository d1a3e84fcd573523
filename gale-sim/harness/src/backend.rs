//! The seam between the harness and an engine.
//!
//! A backend is handed one resolved scenario with its firmware ELFs and runs
//! every machine to the scenario's time limit (or until each has ended). It
//! hands back, per machine, the trace events it observed, the raw bytes of
//! RTT up-channel 0 with the virtual times they were read, and how the
//! machine ended. Everything else (log decoding, merging, verdicts, reports,
//! artefacts) is the harness's, so every backend shares one meaning of PASS
//! and FAIL.

use crate::rtt_log::Capture;
use crate::runner::{MachineEnd, Resolved, RunError};
use gale_scenario::Scenario;
use gale_trace::Trace;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One run to make: a scenario, its machines and their ELFs.
pub struct Job<'a> {
    pub scenario: &'a Scenario,
    /// The scenario's machines, in name order, with their platforms.
    pub machines: &'a [Resolved],
    /// ELF path by machine name.
    pub elfs: &'a BTreeMap<String, PathBuf>,
    /// The project root (`firmware/`, `platforms/`, `svd/`).
    pub root: PathBuf,
    /// A folder the backend may use for its own files (generated scripts,
    /// logs): `target/gale-sim/<scenario>/<backend>/`. The backend creates
    /// it if it needs it.
    pub work_dir: PathBuf,
}

/// What one machine produced.
pub struct MachineRun {
    pub name: String,
    /// Events the backend observed on this machine (UART bytes, bus
    /// transfers, GPIO edges, semihosting output, faults), in time order.
    pub trace: Trace,
    /// RTT up-channel 0 as read, with virtual read times; the harness
    /// decodes it against the ELF (defmt or text).
    pub rtt: Capture,
    pub end: MachineEnd,
}

/// What a backend hands back for one job.
pub struct BackendRun {
    /// One entry per machine of the job, in the job's order.
    pub machines: Vec<MachineRun>,
    /// Things worth telling the user (models not implemented, settings the
    /// backend could not honour).
    pub notes: Vec<String>,
}

/// An engine that runs firmware for the harness.
pub trait Backend: Sync {
    /// Short name: `gale` (the built-in engine), `renode`, ...
    fn name(&self) -> &'static str;

    /// Runs the job's machines to the scenario's time limit.
    fn run(&self, job: &Job) -> Result<BackendRun, RunError>;
}
