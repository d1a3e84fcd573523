//! i.MX RT1176 chip support written to the IMXRT1170 reference manual,
//! on the imxrt-ral register definitions. Build with feature `cm7` (flight
//! core) or `cm4` (sensor I/O core).
//!
//! Clocks: the drivers take their functional clock as a parameter and do
//! not program the CCM; boards pass the root clock they configured (the
//! reset default for LPUART, LPSPI and LPI2C roots is the 24 MHz oscillator).
#![no_std]

#[cfg(not(any(feature = "cm7", feature = "cm4")))]
compile_error!("chip-imxrt1176: enable feature `cm7` or `cm4`");

pub use imxrt_ral as ral;

pub mod gpio;
pub mod gpt;
pub mod lpi2c;
pub mod lpspi;
pub mod lpuart;

/// Bounded busy-wait used by the polled LPUART transmit path: `cond` is retried up to
/// `SPIN_LIMIT` times, so a missing or stuck peripheral yields an error
/// instead of hanging the core.
pub(crate) fn spin_until(mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..SPIN_LIMIT {
        if cond() {
            return true;
        }
    }
    false
}

/// Iterations of [`spin_until`] before giving up.
pub const SPIN_LIMIT: u32 = 20_000;

/// Reset default of the LPUART/LPSPI/LPI2C clock roots: OSC_RC_24M.
pub const ROOT_CLOCK_HZ: u32 = 24_000_000;
