//! One register's declaration.

/// A 32-bit register: where it is, what it is called, what it resets to and
/// what a write does to each bit. Built with `const` methods, so a model's
/// table is a `const`:
///
/// ```
/// use gale_models::regs::Reg;
/// const SR: Reg = Reg::new("SR", 0x00).reset(0xc0).w0c(0x60);
/// const CR1: Reg = Reg::new("CR1", 0x0c).rw(0x3fff);
/// assert_eq!((SR.write, CR1.write), (0, 0x3fff));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reg {
    /// As in the reference manual and the SVD (`CR1`, `TCD0_SADDR`).
    pub name: &'static str,
    /// Byte offset from the peripheral base; a multiple of 4.
    pub offset: u32,
    pub reset: u32,
    /// Bits a write stores.
    pub write: u32,
    /// Bits a written 1 clears (`oneToClear`, `w1c`).
    pub w1c: u32,
    /// Bits a written 0 clears (ST's `rc_w0`).
    pub w0c: u32,
    /// Bits a read clears (`cor`, read-to-clear).
    pub rc: u32,
}

impl Reg {
    /// A read-only register resetting to 0.
    pub const fn new(name: &'static str, offset: u32) -> Reg {
        Reg {
            name,
            offset,
            reset: 0,
            write: 0,
            w1c: 0,
            w0c: 0,
            rc: 0,
        }
    }

    pub const fn reset(self, value: u32) -> Reg {
        Reg {
            reset: value,
            ..self
        }
    }

    /// Bits a write stores (the rest keep their value).
    pub const fn rw(self, mask: u32) -> Reg {
        Reg {
            write: mask,
            ..self
        }
    }

    pub const fn w1c(self, mask: u32) -> Reg {
        Reg { w1c: mask, ..self }
    }

    pub const fn w0c(self, mask: u32) -> Reg {
        Reg { w0c: mask, ..self }
    }

    pub const fn rc(self, mask: u32) -> Reg {
        Reg { rc: mask, ..self }
    }

    /// The value after a write of `value` to the `lanes` bits (value
    /// already shifted into its lanes).
    pub(crate) fn written(&self, old: u32, value: u32, lanes: u32) -> u32 {
        let store = self.write & lanes;
        let new = (old & !store) | (value & store);
        new & !(self.w1c & lanes & value) & !(self.w0c & lanes & !value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bit_does_what_its_mode_says() {
        let r = Reg::new("X", 0).rw(0x0f).w1c(0x30).w0c(0xc0);
        // rw bits take the value, w1c bits clear on 1, w0c bits on 0, the rest stay.
        assert_eq!(r.written(0xfff0, 0x0000_5095, u32::MAX), 0xffa5);
        // Only the lanes written change: a byte write to lane 1 leaves lane 0.
        assert_eq!(r.written(0x00f0, 0x0000_0000, 0xff00), 0x00f0);
    }
}
