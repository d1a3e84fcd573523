//! Pure decision logic shared by the firmware images and the host tools.
//!
//! No I/O, no allocation, no panics on any input: every function here is a
//! total function of its arguments, so the same code runs on the targets,
//! natively in host tests and as wasm32 in the differential test.
#![no_std]

pub mod crc;
pub mod decimal;
