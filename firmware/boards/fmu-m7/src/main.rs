//! fmu-m7: the i.MX RT1176 Cortex-M7 flight image. This file is the whole
//! wiring of the image: the init table, the executors, the interrupt
//! handlers and the tasks; the shared pin-out and sensor tasks are in
//! `board-rt1176` (board-support/rt1176).
//!
//! Image-specific wiring:
//! | what                    | where                                         |
//! |-------------------------|-----------------------------------------------|
//! | flight executor         | interrupt executor on the (unused) KPP IRQ, priority 0x20 |
//! | heartbeat to gust-f100  | LPUART2 TX, 115200 8N1, heartbeat frames at 10 Hz from a transmit queue (TDRE interrupt, as LPUART1); pads GPIO_DISP_B2_10/11 ALT2 |
//!
//! Interrupts (IRQ numbers of the IMXRT1170 RM / SVD, NVIC priority):
//! | IRQ | handler  | priority | what |
//! |-----|----------|----------|------|
//! | -   | SysTick  | 0x10 | time base, timer queue |
//! | 38  | LPSPI1   | 0x10 | IMU bus chunk done: wakes the flight loop inside the KPP handler |
//! | 51  | KPP      | 0x20 | polls the flight executor |
//! | 32  | LPI2C1   | 0x30 | barometer bytes / STOP / error: wakes the baro task |
//! | 26  | LPUART7  | 0x40 | GNSS bytes into the receive queue |
//! | 118 | MUA      | 0x40 | io-m4 announced a sample in the OCRAM mailbox (`m4_link`) |
//! | 20  | LPUART1  | 0x50 | telemetry bytes out of the transmit queue |
//! | 21  | LPUART2  | 0x50 | heartbeat bytes out of the transmit queue |
#![no_std]
#![no_main]

mod m4_link;

use board_rt1176::{self as board, iomuxc, Interrupt, IomuxcWrite, ALT2, ARENA, BAUD, THREAD, TICKS_PER_MS, TIMERS};
#[cfg_attr(feature = "replay", allow(unused_imports))]
use chip_imxrt1176::lpuart::{Lpuart, TxQueue};
use chip_imxrt1176::{ral, ROOT_CLOCK_HZ};
use cortex_m::peripheral::NVIC;
use gale_apps::flight::FlightState;
use gale_apps::telemetry::Framer;
use gale_kernel::executor::Executor;
use gale_kernel::init::{self, Device, DeviceError, Level};
use gale_kernel::slot::Slot;
use gale_kernel::sync::channel::Channel;
use gale_logic::frame::MAX_FRAME;
use gale_logic::telemetry::{Heartbeat, SOURCE_FMU_M7};
use imxrt1170evk_fcb as _;
// The runtime: FlexRAM set-up and the copies to ITCM/DTCM before main.
use imxrt_rt as _;

const BANNER: &str = concat!("fmu-m7 v", env!("CARGO_PKG_VERSION"), " boot\r\n");
const HEARTBEAT_PERIOD_MS: u64 = 100;
const FLIGHT_IRQ: Interrupt = Interrupt::KPP;
const PRIO_FLIGHT: u8 = 0x20;
/// The heartbeat transmitter shares the telemetry transmitter's priority.
const PRIO_HEARTBEAT_UART: u8 = board::PRIO_TELEMETRY_UART;

/// The flight loop's executor: polled from the KPP interrupt, so it
/// preempts everything on the thread executor.
static FLIGHT: Executor<1> = Executor::new(pend_flight);
static HEARTBEAT_UART: Slot<Lpuart<2>> = Slot::new();
/// Heartbeat bytes waiting for the LPUART2 transmit interrupt (two 8-byte frames).
static HEARTBEAT_TX: Channel<u8, 16, 1> = Channel::new();

/// fmu-m7's own pads, after the shared [`board::PINS`]: LPUART2_TXD /
/// LPUART2_RXD, the only LPUART2 pads of the RT1176.
const HEARTBEAT_PINS: [IomuxcWrite; 2] = [iomuxc!(SW_MUX_CTL_PAD_GPIO_DISP_B2_10 = ALT2), iomuxc!(SW_MUX_CTL_PAD_GPIO_DISP_B2_11 = ALT2)];

fn pend_flight() {
    NVIC::pend(FLIGHT_IRQ);
}

const DEVICES: [Device; 12] = [
    Device { name: "rtwdog3", level: Level::Early, priority: 0, deps: &[], init: board::init_watchdog },
    Device { name: "pins", level: Level::PreKernel1, priority: 0, deps: &[], init: init_pins },
    Device { name: "core-priorities", level: Level::PreKernel1, priority: 1, deps: &[], init: board::init_core_priorities },
    Device { name: "systick", level: Level::PreKernel2, priority: 0, deps: &["core-priorities"], init: board::init_systick },
    Device { name: "lpuart1-telemetry", level: Level::PreKernel2, priority: 1, deps: &["pins"], init: init_telemetry_uart },
    Device { name: "lpuart2-heartbeat", level: Level::PreKernel2, priority: 2, deps: &["pins"], init: init_heartbeat_uart },
    Device { name: "lpspi1", level: Level::PreKernel2, priority: 3, deps: &["pins"], init: board::init_spi },
    Device { name: "lpi2c1", level: Level::PreKernel2, priority: 4, deps: &["pins"], init: board::init_i2c },
    Device { name: "flight-irq", level: Level::PostKernel, priority: 0, deps: &["systick"], init: init_flight_irq },
    Device { name: "lpuart7-gnss", level: Level::PostKernel, priority: 1, deps: &["pins", "core-priorities"], init: board::init_gnss_uart },
    Device { name: "mu-a-m4-link", level: Level::PostKernel, priority: 2, deps: &["core-priorities"], init: m4_link::init },
    Device {
        name: "tasks",
        level: Level::Application,
        priority: 0,
        deps: &["flight-irq", "lpuart1-telemetry", "lpuart2-heartbeat", "lpspi1", "lpi2c1", "lpuart7-gnss", "mu-a-m4-link"],
        init: spawn_tasks,
    },
];

/// Checked at compile time: a cycle or missing dependency fails the build.
const ORDER: [usize; DEVICES.len()] = init::plan_or_fail(&DEVICES);

fn init_pins() -> Result<(), DeviceError> {
    board::init_pins()?;
    board::mux_pads(&HEARTBEAT_PINS);
    Ok(())
}

fn init_telemetry_uart() -> Result<(), DeviceError> {
    board::init_telemetry_uart(BANNER)
}

/// LPUART2 for the heartbeat, its interrupt unmasked (the transmit queue's
/// kick enables CTRL.TIE while bytes are queued).
fn init_heartbeat_uart() -> Result<(), DeviceError> {
    // SAFETY: created once, moved into its slot.
    HEARTBEAT_UART.put(Lpuart::new(unsafe { ral::lpuart::LPUART2::instance() }, ROOT_CLOCK_HZ, BAUD));
    // SAFETY: the handler touches HEARTBEAT_UART/HEARTBEAT_TX only, both
    // ready; priority before unmask.
    unsafe {
        cortex_m::Peripherals::steal().NVIC.set_priority(Interrupt::LPUART2, PRIO_HEARTBEAT_UART);
        NVIC::unmask(Interrupt::LPUART2);
    }
    Ok(())
}

#[cfg_attr(feature = "replay", allow(dead_code))]
fn kick_heartbeat_uart() {
    HEARTBEAT_UART.with(|u| u.enable_tx_interrupt());
}

fn init_flight_irq() -> Result<(), DeviceError> {
    // SAFETY: priority before unmask; the handler only polls FLIGHT.
    unsafe {
        cortex_m::Peripherals::steal().NVIC.set_priority(FLIGHT_IRQ, PRIO_FLIGHT);
        NVIC::unmask(FLIGHT_IRQ);
    }
    Ok(())
}

fn spawn_tasks() -> Result<(), DeviceError> {
    let full = |_| DeviceError("task arena or task table full");
    FLIGHT.spawn_in(&ARENA, board::sensor_loop(publish_nothing)).map_err(full)?;
    THREAD.spawn_in(&ARENA, board::telemetry_task(SOURCE_FMU_M7)).map_err(full)?;
    THREAD.spawn_in(&ARENA, heartbeat_task()).map_err(full)?;
    THREAD.spawn_in(&ARENA, board::baro_task()).map_err(full)?;
    THREAD.spawn_in(&ARENA, board::gnss_task()).map_err(full)?;
    Ok(())
}

/// The flight image keeps its state in `board::STATE` only.
fn publish_nothing(_: &FlightState) {}

#[cortex_m_rt::entry]
fn main() -> ! {
    board::boot("fmu-m7", &DEVICES, &ORDER)
}

/// 10 Hz from boot: heartbeat frame to the failsafe node on LPUART2: state 1
/// (running) while the vote is nominal or degraded, else 2.
async fn heartbeat_task() {
    use embedded_io_async::Write;
    #[cfg(not(feature = "replay"))]
    let mut tx = TxQueue { queue: &HEARTBEAT_TX, kick: kick_heartbeat_uart };
    #[cfg(feature = "replay")]
    let mut tx = gale_replay::ReplayUart::new("LPUART2");
    let mut framer = Framer::new();
    let mut ticker = TIMERS.ticker(HEARTBEAT_PERIOD_MS * TICKS_PER_MS);
    // The first heartbeat goes out at once, so a failsafe node booted at the
    // same time pairs within its 40 ms window.
    loop {
        let vote = board::STATE.peek().map_or(3, |s| s.status as u8);
        let hb = Heartbeat { state: if vote <= 1 { 1 } else { 2 }, vote };
        let mut out = [0; MAX_FRAME];
        let n = framer.heartbeat(&hb, &mut out);
        let Ok(()) = tx.write_all(&out[..n]).await;
        ticker.next().await;
    }
}

#[cortex_m_rt::exception]
fn SysTick() {
    board::on_systick();
}

/// The flight executor's interrupt.
#[no_mangle]
extern "C" fn KPP() {
    let _ = FLIGHT.poll_ready();
}

#[no_mangle]
extern "C" fn LPUART1() {
    board::on_telemetry_uart();
}

/// Heartbeat out (IRQ 21; priority `PRIO_HEARTBEAT_UART`).
#[no_mangle]
extern "C" fn LPUART2() {
    HEARTBEAT_UART.with(|u| u.on_tx_interrupt(&HEARTBEAT_TX));
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

/// MU_A: io-m4 announced a sample in the mailbox.
#[no_mangle]
extern "C" fn MUA() {
    m4_link::on_mu_rx();
}
