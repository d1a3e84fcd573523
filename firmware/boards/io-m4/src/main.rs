//! io-m4: the i.MX RT1176 Cortex-M4 sensor I/O image. It reads the three
//! IMUs, the barometer and the GNSS (pin-out and tasks in `board-rt1176`),
//! publishes every voted sample to the flight core through the OCRAM
//! mailbox (`gale_logic::mailbox`) and MU_B TR0, and emits its own
//! telemetry (source 2) on LPUART1, so it also runs standalone.
//!
//! Interrupts (IRQ numbers of the IMXRT1170 RM / SVD, NVIC priority; every
//! task runs on the thread executor):
//! | IRQ | handler  | priority | what |
//! |-----|----------|----------|------|
//! | -   | SysTick  | 0x10 | time base, timer queue |
//! | 38  | LPSPI1   | 0x10 | IMU bus chunk done: wakes the sensor loop |
//! | 32  | LPI2C1   | 0x30 | barometer bytes / STOP / error: wakes the baro task |
//! | 26  | LPUART7  | 0x40 | GNSS bytes into the receive queue |
//! | 20  | LPUART1  | 0x50 | telemetry bytes out of the transmit queue |
//!
//! Pads: the shared [`board_rt1176::PINS`].
#![no_std]
#![no_main]

use board_rt1176::{self as board, ARENA, THREAD};
use chip_imxrt1176::ral;
use gale_apps::flight::FlightState;
use gale_apps::telemetry as tm;
use gale_kernel::init::{self, Device, DeviceError, Level};
use gale_logic::mailbox;
use gale_logic::telemetry::SOURCE_IO_M4;

const BANNER: &str = concat!("io-m4 v", env!("CARGO_PKG_VERSION"), " boot\r\n");
/// MU SR.TE0 (transmit register 0 empty) is the top bit of the TEn field.
const MU_SR_TE0: u32 = 1 << 23;

const DEVICES: [Device; 8] = [
    Device { name: "pins", level: Level::PreKernel1, priority: 0, deps: &[], init: board::init_pins },
    Device { name: "core-priorities", level: Level::PreKernel1, priority: 1, deps: &[], init: board::init_core_priorities },
    Device { name: "systick", level: Level::PreKernel2, priority: 0, deps: &["core-priorities"], init: board::init_systick },
    Device { name: "lpuart1-telemetry", level: Level::PreKernel2, priority: 1, deps: &["pins"], init: init_telemetry_uart },
    Device { name: "lpspi1", level: Level::PreKernel2, priority: 2, deps: &["pins"], init: board::init_spi },
    Device { name: "lpi2c1", level: Level::PreKernel2, priority: 3, deps: &["pins"], init: board::init_i2c },
    Device { name: "lpuart7-gnss", level: Level::PostKernel, priority: 0, deps: &["pins", "core-priorities"], init: board::init_gnss_uart },
    Device {
        name: "tasks",
        level: Level::Application,
        priority: 0,
        deps: &["systick", "lpuart1-telemetry", "lpspi1", "lpi2c1", "lpuart7-gnss"],
        init: spawn_tasks,
    },
];

/// Checked at compile time: a cycle or missing dependency fails the build.
const ORDER: [usize; DEVICES.len()] = init::plan_or_fail(&DEVICES);

fn init_telemetry_uart() -> Result<(), DeviceError> {
    board::init_telemetry_uart(BANNER)
}

fn spawn_tasks() -> Result<(), DeviceError> {
    let full = |_| DeviceError("task arena or task table full");
    THREAD.spawn_in(&ARENA, board::sensor_loop(publish_to_m7)).map_err(full)?;
    THREAD.spawn_in(&ARENA, board::telemetry_task(SOURCE_IO_M4)).map_err(full)?;
    THREAD.spawn_in(&ARENA, board::baro_task()).map_err(full)?;
    THREAD.spawn_in(&ARENA, board::gnss_task()).map_err(full)?;
    Ok(())
}

/// Seqlock write of the sample into the mailbox, then MU TR0 = seq if the
/// flight core has read the previous one (TE0 set); never blocks.
fn publish_to_m7(state: &FlightState) {
    static SEQ: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
    let now = board::now_us();
    let sample = tm::sample(now as u32, SOURCE_IO_M4, state, board::BARO.peek(), tm::gnss_at(board::GNSS.peek(), now));
    let body = mailbox::body(&sample);
    let base = mailbox::ADDRESS as *mut u8;
    let seq = SEQ.load(core::sync::atomic::Ordering::Relaxed);
    // SAFETY: the mailbox region is reserved for this writer by convention
    // (gale_logic::mailbox); volatile byte writes, ordered by the fences.
    unsafe {
        (base as *mut u32).write_volatile(seq.wrapping_add(1));
        core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
        for (i, b) in body.iter().enumerate() {
            base.add(4 + i).write_volatile(*b);
        }
        core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
        (base as *mut u32).write_volatile(seq.wrapping_add(2));
    }
    SEQ.store(seq.wrapping_add(2), core::sync::atomic::Ordering::Relaxed);
    // SAFETY: MU_B is used by this function only.
    let mu = unsafe { ral::mub::MUB::instance() };
    if ral::read_reg!(ral::mub, mu, SR) & MU_SR_TE0 != 0 {
        ral::write_reg!(ral::mub, mu, TR0, seq.wrapping_add(2));
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    board::boot("io-m4", &DEVICES, &ORDER)
}

#[cortex_m_rt::exception]
fn SysTick() {
    board::on_systick();
}

#[no_mangle]
extern "C" fn LPUART1() {
    board::on_telemetry_uart();
}

#[no_mangle]
extern "C" fn LPUART7() {
    board::on_gnss_uart();
}

/// IMU bus: wakes the sensor loop (IRQ 38; priority `board::PRIO_IMU_SPI`).
#[no_mangle]
extern "C" fn LPSPI1() {
    board::on_imu_spi();
}

/// Barometer bus: wakes the baro task (IRQ 32; priority `board::PRIO_BARO_I2C`).
#[no_mangle]
extern "C" fn LPI2C1() {
    board::on_baro_i2c();
}
