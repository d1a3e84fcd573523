//! Replay build (`--features replay`): the buses a scenario drives or
//! watches go to the host over RTT (`gale-replay`). The peripherals are
//! still initialised, so the init log and order stay as in a normal build;
//! only the transactions move.

use crate::{ALARM, CPU_HZ, TICKS_PER_MS, TIMERS};
use gale_kernel::time::Alarm;
use gale_replay::{ReplayI2c, ReplaySpi, ReplayUart};

/// Telemetry (and the boot banner) on LPUART1.
pub const TELEMETRY: ReplayUart = ReplayUart::new("LPUART1");
const GNSS: ReplayUart = ReplayUart::new("LPUART7");

/// RTT first, so the first defmt line already has its channel.
pub fn start() {
    gale_replay::init(now_ns);
}

fn now_ns() -> u64 {
    (ALARM.now() as u128 * 1_000_000_000 / CPU_HZ as u128) as u64
}

pub fn imu(cs: u8) -> ReplaySpi {
    ReplaySpi { bus: "LPSPI1", cs }
}

pub fn baro_bus() -> ReplayI2c {
    ReplayI2c { bus: "LPI2C1" }
}

/// The GNSS receiver: asks the host every millisecond for the bytes that
/// arrived by then.
pub fn gnss_rx() -> GnssRx {
    GnssRx
}

pub struct GnssRx;

impl embedded_io_async::ErrorType for GnssRx {
    type Error = core::convert::Infallible;
}

impl embedded_io_async::Read for GnssRx {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let n = GNSS.read_due(buf);
            if n > 0 {
                return Ok(n);
            }
            TIMERS.after(TICKS_PER_MS).await;
        }
    }
}
