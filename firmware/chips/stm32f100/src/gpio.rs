//! GPIO port configuration and output (RM0041 §7.2: GPIOx_CRL/CRH, BSRR).

use crate::pac::gpioa::RegisterBlock;

/// Output speed of a pin configured as output (the MODE field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speed {
    Mhz10 = 1,
    Mhz2 = 2,
    Mhz50 = 3,
}

/// Pin configuration (the CNF field when MODE != input).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    PushPull = 0,
    OpenDrain = 1,
    AltPushPull = 2,
    AltOpenDrain = 3,
}

/// Configures pin `pin` (0..=15) of `port` as an output of the given kind.
pub fn configure_output(port: &RegisterBlock, pin: u8, kind: OutputKind, speed: Speed) {
    let shift = (pin as u32 % 8) * 4;
    let nibble = ((kind as u32) << 2) | speed as u32;
    let update = |bits: u32| (bits & !(0xF << shift)) | (nibble << shift);
    if pin < 8 {
        port.crl().modify(|r, w| unsafe { w.bits(update(r.bits())) });
    } else {
        port.crh().modify(|r, w| unsafe { w.bits(update(r.bits())) });
    }
}

/// Sets (`true`) or resets pin `pin` of `port` atomically through BSRR.
pub fn write_pin(port: &RegisterBlock, pin: u8, high: bool) {
    let bit = if high { 1u32 << pin } else { 1u32 << (pin + 16) };
    port.bsrr().write(|w| unsafe { w.bits(bit) });
}
