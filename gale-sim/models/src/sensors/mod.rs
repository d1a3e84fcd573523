//! Devices a scenario attaches to the buses (sensors), and the controller
//! side of those links ([`link`]) that every bus controller model shares.

pub mod bmp388;
pub mod framed_tx;
pub mod heartbeat;
pub mod icm42688;
pub mod link;
pub mod uart_wire;
pub mod ublox;

#[cfg(test)]
mod driver_sequences;
