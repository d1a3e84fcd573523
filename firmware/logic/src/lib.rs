//! Pure decision logic shared by the firmware images and the host tools.
//!
//! No I/O, no allocation, no panics on any input: every function here is a
//! total function of its arguments, so the same code runs on the targets,
//! natively in host tests and as wasm32 in the differential test.
#![cfg_attr(not(test), no_std)]

pub mod baro;
pub mod crc;
pub mod decimal;
pub mod difftest;
pub mod frame;
pub mod heartbeat;
pub mod imu;
pub mod mailbox;
pub mod payload;
pub mod telemetry;
pub mod ubx;
pub mod vote;
