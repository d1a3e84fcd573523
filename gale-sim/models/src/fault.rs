//! Faults that act on a device's bus behaviour, in virtual-time windows.
//! (Faults on a measured value — stuck, spike, noise burst — are folded
//! into the device's [`crate::bus::Source`]s by the scenario layer.)

use gale_trace::Nanos;

/// A bus-level misbehaviour of one device.
#[derive(Clone, Debug, PartialEq)]
pub enum BusFault {
    /// I2C: the device NAKs its address (dropout).
    Nak,
    /// The device is gone: SPI MISO floats high (0xFF), I2C NAKs, UART is silent.
    Disconnect,
    /// Every byte the device sends has this bit inverted.
    BitFlip { bit: u8 },
    /// Frames the device sends carry a wrong checksum (UBX, CRC'd protocols).
    BadChecksum,
    /// UART bytes the device sends arrive with a framing error.
    FramingError,
}

/// A fault active from `start` (inclusive) to `end` (exclusive).
#[derive(Clone, Debug, PartialEq)]
pub struct FaultWindow {
    pub start: Nanos,
    pub end: Nanos,
    pub fault: BusFault,
}

/// The bus faults scheduled for one device, known before the run starts
/// (so runs stay deterministic and need no injection calls).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultSchedule {
    windows: Vec<FaultWindow>,
}

impl FaultSchedule {
    pub fn new(windows: Vec<FaultWindow>) -> Self {
        FaultSchedule { windows }
    }

    /// The faults active at `now`.
    pub fn active(&self, now: Nanos) -> impl Iterator<Item = &BusFault> {
        self.windows
            .iter()
            .filter(move |w| w.start <= now && now < w.end)
            .map(|w| &w.fault)
    }

    pub fn is_active(&self, now: Nanos, pred: impl Fn(&BusFault) -> bool) -> bool {
        self.active(now).any(pred)
    }

    /// Applies active bit flips to a byte the device sends.
    pub fn corrupt(&self, now: Nanos, byte: u8) -> u8 {
        self.active(now).fold(byte, |b, f| match f {
            BusFault::BitFlip { bit } => b ^ (1 << (bit & 7)),
            _ => b,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_half_open_and_flips_compose() {
        let s = FaultSchedule::new(vec![
            FaultWindow {
                start: 10,
                end: 20,
                fault: BusFault::BitFlip { bit: 0 },
            },
            FaultWindow {
                start: 15,
                end: 30,
                fault: BusFault::BitFlip { bit: 9 },
            },
        ]);
        assert_eq!(s.corrupt(9, 0x00), 0x00);
        assert_eq!(s.corrupt(10, 0x00), 0x01);
        assert_eq!(s.corrupt(15, 0x00), 0x03);
        assert_eq!(s.corrupt(20, 0x00), 0x02);
        assert_eq!(s.corrupt(30, 0x00), 0x00);
        assert!(s.is_active(12, |f| matches!(f, BusFault::BitFlip { .. })));
    }
}
