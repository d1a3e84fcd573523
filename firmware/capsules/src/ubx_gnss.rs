//! u-blox receiver speaking UBX on a UART: returns NAV-PVT solutions.

use embedded_io_async::Read;
use gale_logic::ubx::{Decoder, Event, NavPvt};

/// A UBX stream on `R`.
pub struct UbxGnss<R> {
    uart: R,
    decoder: Decoder,
    /// Frames dropped for a bad checksum or length since creation.
    pub errors: u32,
}

impl<R: Read> UbxGnss<R> {
    pub fn new(uart: R) -> Self {
        UbxGnss { uart, decoder: Decoder::new(), errors: 0 }
    }

    /// Feeds bytes already received; returns the last NAV-PVT among them.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<NavPvt> {
        let mut last = None;
        for &b in bytes {
            match self.decoder.push(b) {
                Event::Message(m) => last = NavPvt::parse(&m).or(last),
                Event::ChecksumError | Event::TooLong => self.errors = self.errors.wrapping_add(1),
                Event::Pending => {}
            }
        }
        last
    }

    /// Reads until a NAV-PVT arrives.
    pub async fn next_pvt(&mut self) -> Result<NavPvt, R::Error> {
        let mut buf = [0u8; 32];
        loop {
            let n = self.uart.read(&mut buf).await?;
            if let Some(pvt) = self.feed(&buf[..n]) {
                return Ok(pvt);
            }
        }
    }
}
