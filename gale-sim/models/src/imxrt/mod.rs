//! i.MX RT1170 peripheral models (IMXRT1170RM, the i.MX RT1170 reference
//! manual; register layout cross-checked against the MIMXRT1176 SVD).
//!
//! Every RT1170 peripheral instance occupies a 16 KiB window.

/// Size of one peripheral instance's register window.
pub(crate) const WINDOW: u32 = 0x4000;

pub mod gpio;
pub mod gpt;
pub mod lpi2c;
pub mod lpspi;
pub mod lpuart;
pub mod mu;
pub mod pit;
