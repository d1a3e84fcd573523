//! The io-m4 link: samples the CM4 publishes in the OCRAM mailbox
//! (`gale_logic::mailbox`), announced by a word in MU_A RR0.
//!
//! Interrupt-driven: the MUA interrupt (RF0 with RIE0) runs [`on_mu_rx`],
//! which reads RR0 (so the CM4 sees TE0 again and may announce the next
//! sample), copies the mailbox between two reads of its sequence number and
//! validates it. Accepted samples are published in [`M4_SAMPLE`] for the
//! flight tasks; the counts and the first sample are logged with defmt.
//! Standalone (no CM4 running) the interrupt never fires.

use chip_imxrt1176::ral;
use core::sync::atomic::{fence, AtomicU32, Ordering};
use cortex_m::peripheral::NVIC;
use gale_kernel::init::DeviceError;
use gale_kernel::sync::signal::Signal;
use gale_logic::mailbox::{self, ReadError};
use gale_logic::telemetry::Sample;

use board_rt1176::Interrupt;

/// MU CR.RIE0: receive interrupt for RR0 (top bit of the RIEn field).
const MU_CR_RIE0: u32 = 1 << 27;
/// MU SR.RF0: RR0 holds an unread word.
const MU_SR_RF0: u32 = 1 << 27;
/// Below the flight executor (0x20), above the thread tasks.
const PRIO_MU: u8 = 0x40;
/// Log the running counts every this many accepted samples.
const LOG_EVERY: u32 = 250;

/// The latest sample from io-m4 that passed the seqlock and CRC checks.
pub static M4_SAMPLE: Signal<Sample, 1> = Signal::new();
static ACCEPTED: AtomicU32 = AtomicU32::new(0);
static REJECTED: AtomicU32 = AtomicU32::new(0);

/// Device init: receive interrupt on RR0, MUA unmasked.
pub fn init() -> Result<(), DeviceError> {
    // SAFETY: MU_A belongs to this module.
    let mu = unsafe { ral::mua::MUA::instance() };
    ral::modify_reg!(ral::mua, mu, CR, |cr| cr | MU_CR_RIE0);
    // SAFETY: priority before unmask; the handler touches this module only.
    unsafe {
        cortex_m::Peripherals::steal().NVIC.set_priority(Interrupt::MUA, PRIO_MU);
        NVIC::unmask(Interrupt::MUA);
    }
    Ok(())
}

/// One seqlock read of the mailbox.
fn read_mailbox() -> Result<Sample, ReadError> {
    let base = mailbox::ADDRESS as *const u8;
    let mut body = [0u8; mailbox::LEN - 4];
    // SAFETY: the mailbox region is reserved by convention on both cores
    // (gale_logic::mailbox); volatile reads, ordered by the fences.
    let (before, after) = unsafe {
        let before = (base as *const u32).read_volatile();
        fence(Ordering::Acquire);
        for (i, b) in body.iter_mut().enumerate() {
            *b = base.add(4 + i).read_volatile();
        }
        fence(Ordering::Acquire);
        (before, (base as *const u32).read_volatile())
    };
    mailbox::read(before, &body, after)
}

/// The MUA interrupt: io-m4 announced a sample.
pub fn on_mu_rx() {
    // SAFETY: MU_A belongs to this module.
    let mu = unsafe { ral::mua::MUA::instance() };
    if ral::read_reg!(ral::mua, mu, SR) & MU_SR_RF0 == 0 {
        return;
    }
    let seq = ral::read_reg!(ral::mua, mu, RR0);
    match read_mailbox() {
        Ok(sample) => {
            let n = ACCEPTED.fetch_add(1, Ordering::Relaxed) + 1;
            if n == 1 {
                defmt::info!("io-m4 link up: seq {=u32}, sample t={=u32} us, vote {=u8}", seq, sample.t_us, sample.vote);
            } else if n.is_multiple_of(LOG_EVERY) {
                let rejected = REJECTED.load(Ordering::Relaxed);
                defmt::info!("io-m4 link: {=u32} samples accepted, {=u32} rejected, pressure {=u32} Pa", n, rejected, sample.pressure_pa);
            }
            M4_SAMPLE.signal(sample);
        }
        Err(e) => {
            let n = REJECTED.fetch_add(1, Ordering::Relaxed) + 1;
            let why = match e {
                ReadError::Torn => "torn",
                ReadError::Crc => "crc",
            };
            defmt::warn!("io-m4 mailbox: sample seq {=u32} rejected ({=str}), {=u32} so far", seq, why, n);
        }
    }
}
