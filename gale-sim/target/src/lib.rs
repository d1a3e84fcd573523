//! Hardware runs: the [`Target`] seam (a board behind a debug probe, or the
//! built-in engine playing one), the RTT host side over target memory
//! ([`rtt`]), the bus-replay wire protocol ([`wire`]) and its host server
//! ([`replay`]) answering from the scenario's `gale-models` sensor models,
//! and [`HwBackend`], a `gale_harness::Backend` over any target.
//!
//! MIT OR Apache-2.0: links neither probe-rs (that is `gale-probe`) nor the
//! GPL engine (its board is `gale_engine_backend::board`).

pub mod elf;
pub mod error;
pub mod hw_backend;
pub mod probe_select;
pub mod replay;
pub mod rtt;
pub mod target;
pub mod wire;

pub use error::{exit_status, TargetError};
pub use hw_backend::{HwBackend, HwOptions};
pub use target::{Progress, Stop, Target};
