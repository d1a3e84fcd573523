//! The seams between bus controller models (SPI, I2C, UART) and the devices
//! a scenario attaches to them (sensors). A controller model owns its
//! devices and calls them as the firmware drives the bus; devices know
//! nothing about registers, so the same sensor model can answer a simulated
//! controller or, later, a probe-rs replay over RTT.

use gale_trace::Nanos;

/// A device on an SPI bus, selected by one chip-select line.
pub trait SpiDevice: Send {
    /// Chip select asserted (start of a transfer).
    fn select(&mut self, now: Nanos);
    /// One full-duplex byte: `mosi` in, the returned byte out on MISO.
    fn exchange(&mut self, mosi: u8, now: Nanos) -> u8;
    /// Chip select released (end of a transfer).
    fn deselect(&mut self, now: Nanos);
}

/// A device on an I2C bus at one 7-bit address.
pub trait I2cDevice: Send {
    /// START (or repeated START) addressed to this device; `false` = NAK.
    fn start(&mut self, read: bool, now: Nanos) -> bool;
    /// A byte written by the controller; `false` = NAK.
    fn write(&mut self, byte: u8, now: Nanos) -> bool;
    /// A byte read by the controller (the controller ACKs or NAKs it).
    fn read(&mut self, now: Nanos) -> u8;
    /// STOP condition.
    fn stop(&mut self, now: Nanos);
}

/// What a UART device puts on the line at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UartSymbol {
    Byte(u8),
    /// A byte received with a framing error (bad stop bit).
    FramingError(u8),
}

/// A device on a UART (e.g. a GNSS receiver): it hears the MCU's TX and
/// speaks on the MCU's RX at times of its choosing.
pub trait UartDevice: Send {
    /// A byte the MCU transmitted.
    fn receive(&mut self, byte: u8, now: Nanos);
    /// When the device next wants to send (None: nothing scheduled).
    fn next_send(&self) -> Option<Nanos>;
    /// The symbol due at `now` (called once `now >= next_send()`).
    fn send(&mut self, now: Nanos) -> Option<UartSymbol>;
}

/// A scalar input over virtual time (a scenario signal: constant, ramp,
/// sine, seeded noise, piecewise, CSV), already combined with the faults
/// that act on the value itself (stuck, spike, noise burst).
pub trait Source: Send + Sync {
    fn value(&self, t: Nanos) -> f64;
}

impl<F: Fn(Nanos) -> f64 + Send + Sync> Source for F {
    fn value(&self, t: Nanos) -> f64 {
        self(t)
    }
}
