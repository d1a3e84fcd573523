//! gale-sim's runner: scenario -> build -> platform -> engine -> trace -> verdict.
//!
//! The binary (`main.rs`) is a thin clap front end over these modules; the
//! integration tests drive the same functions.

pub mod artefacts;
pub mod bench;
pub mod chips;
pub mod devices;
pub mod images;
pub mod machine;
pub mod models;
pub mod report;
pub mod repo;
pub mod rtt_log;
pub mod runner;
pub mod size;
pub mod suite;
