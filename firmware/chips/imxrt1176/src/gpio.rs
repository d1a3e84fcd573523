//! GPIO output pins (IMXRT1170RM ch. GPIO): GDIR, DR_SET/DR_CLEAR/DR_TOGGLE.

use core::convert::Infallible;

use crate::ral::{self, gpio};

/// Pin `pin` of GPIO port `N`, configured as output.
pub struct Output<const N: u8> {
    regs: gpio::Instance<N>,
    mask: u32,
}

impl<const N: u8> Output<N> {
    /// Drives the pin low and makes it an output. The pad must be muxed to
    /// GPIO by the board (IOMUXC).
    pub fn new(regs: gpio::Instance<N>, pin: u8) -> Self {
        let mask = 1 << (pin & 31);
        ral::write_reg!(gpio, regs, DR_CLEAR, mask);
        ral::modify_reg!(gpio, regs, GDIR, |gdir| gdir | mask);
        Output { regs, mask }
    }

    pub fn set(&mut self, high: bool) {
        if high {
            ral::write_reg!(gpio, self.regs, DR_SET, self.mask);
        } else {
            ral::write_reg!(gpio, self.regs, DR_CLEAR, self.mask);
        }
    }

    pub fn toggle(&mut self) {
        ral::write_reg!(gpio, self.regs, DR_TOGGLE, self.mask);
    }
}

impl<const N: u8> embedded_hal::digital::ErrorType for Output<N> {
    type Error = Infallible;
}

impl<const N: u8> embedded_hal::digital::OutputPin for Output<N> {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.set(false);
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.set(true);
        Ok(())
    }
}
