//! gale-sim's harness: everything between a scenario file and a verdict that
//! does not depend on which engine runs the firmware.
//!
//! scenario -> [`runner::resolve`] (boards, images) -> build ([`images`]) ->
//! a [`backend::Backend`] runs the machines and hands back their traces, RTT
//! bytes and how each ended -> [`runner::execute`] decodes logs
//! ([`rtt_log`]), merges the trace and checks the expectations
//! (`gale_scenario::check`) -> [`report`], [`artefacts`], [`suite`] (JUnit).
//!
//! This crate is MIT OR Apache-2.0: it links no GPL code. The built-in
//! engine's backend (`gale-engine-backend`, GPL-2.0 through unicorn) and the
//! Renode backend implement [`backend::Backend`]; the `gale-sim` binary only
//! chooses one.

// A Diagnostic carries the file, the offending source line and a fix, so it
// is large; it is built once per failed load, never on a hot path.
#![allow(clippy::result_large_err)]

pub mod artefacts;
pub mod backend;
pub mod bench;
pub mod compare;
pub mod devices;
pub mod images;
pub mod junit;
pub mod models;
pub mod repo;
pub mod report;
pub mod rtt_log;
pub mod runner;
pub mod size;
pub mod suite;
pub mod validate;

pub use backend::{Backend, BackendRun, Job, MachineRun};
pub use runner::{Context, MachineEnd, Resolved, RunError, RunOutcome};
