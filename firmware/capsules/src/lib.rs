//! Sensor drivers ("capsules") written against the embedded-hal-async and
//! embedded-io-async traits only, so they run on any chip HAL and on the
//! mock buses of the host tests. Decoding and scaling live in `gale-logic`.
#![no_std]

pub mod bmp388;
pub mod icm42688;
pub mod ubx_gnss;
