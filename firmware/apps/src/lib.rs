//! Applications shared by the images (the "apps" layer): what runs once the
//! kernel has started, written against the capsules and `gale-logic` only.
#![no_std]

pub mod flight;
pub mod telemetry;
