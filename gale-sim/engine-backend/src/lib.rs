//! The built-in engine (`gale-engine`, unicorn-based) as a
//! [`gale_harness::Backend`]: each scenario machine becomes a
//! `gale_engine::Machine` built from its platform ([`machine`]), cores of one
//! chip share memories and the Messaging Unit ([`chips`]), and the machines
//! are stepped in lockstep ([`lockstep`]).
//!
//! GPL-2.0-only, because it links the engine; the harness it plugs into is
//! permissively licensed.

pub mod board;

pub mod chips;
pub mod lockstep;
pub mod machine;

pub use lockstep::{Caps, EngineBackend, QUANTUM};
