//! fmu-m7: the i.MX RT1176 Cortex-M7 flight image. This file is the whole
//! board wiring: peripherals, interrupt priorities, the init table, the
//! executors and the tasks.
//!
//! | what                    | where                                         |
//! |-------------------------|-----------------------------------------------|
//! | telemetry out           | LPUART1 TX, 115200 8N1: one ASCII banner line, then frames |
//! | heartbeat to gust-f100  | LPUART2 TX, 115200 8N1, heartbeat frames at 10 Hz |
//! | GNSS (u-blox, UBX)      | LPUART3 RX, interrupt-driven                  |
//! | IMU 0, 1, 2 (ICM-42688-P)| LPSPI1, PCS0, PCS1, PCS2, mode 3, 8 MHz      |
//! | barometer (BMP388)      | LPI2C1, address 0x76, 400 kHz                 |
//! | time base               | SysTick on the core clock (tickless)          |
//! | flight executor         | interrupt executor on the (unused) KPP IRQ    |
//! | logs                    | defmt over RTT                                |
#![no_std]
#![no_main]

use core::cell::RefCell;

use chip_imxrt1176::lpi2c::Lpi2c;
use chip_imxrt1176::lpspi::{self, Lpspi};
use chip_imxrt1176::lpuart::{Lpuart, RxQueue};
use chip_imxrt1176::{ral, ROOT_CLOCK_HZ};
use cortex_m::peripheral::scb::SystemHandler;
use cortex_m::peripheral::NVIC;
use defmt_rtt as _;
use gale_apps::flight::{self, FlightState, Fusion};
use gale_apps::telemetry::{self as tm, Baro, Framer};
use gale_capsules::bmp388::{self, Bmp388};
use gale_capsules::icm42688::Icm42688;
use gale_capsules::ubx_gnss::UbxGnss;
use gale_kernel::arena::Arena;
use gale_kernel::cortex_m::{self as arch, SysTickHw};
use gale_kernel::executor::Executor;
use gale_kernel::init::{self, Device, DeviceError, Level};
use gale_kernel::slot::Slot;
use gale_kernel::sync::channel::Channel;
use gale_kernel::sync::signal::Signal;
use gale_kernel::systick::SysTickAlarm;
use gale_kernel::time::{Alarm, TimerDelay, TimerQueue};
use gale_logic::frame::MAX_FRAME;
use gale_logic::imu::{AccelScale, GyroScale};
use gale_logic::telemetry::{Heartbeat, SOURCE_FMU_M7};
use gale_logic::ubx::NavPvt;
use imxrt1170evk_fcb as _;
use imxrt_ral::Interrupt;

/// Core clock as configured for the platform (996 MHz); SysTick counts it.
const CPU_HZ: u64 = 996_000_000;
const TICKS_PER_US: u64 = CPU_HZ / 1_000_000;
const TICKS_PER_MS: u64 = CPU_HZ / 1_000;
const BAUD: u32 = 115_200;
const BANNER: &str = concat!("fmu-m7 v", env!("CARGO_PKG_VERSION"), " boot\r\n");
/// Telemetry every 20 ms (50 Hz), heartbeat every 100 ms, baro every 20 ms.
const TELEMETRY_PERIOD_MS: u64 = 20;
const HEARTBEAT_PERIOD_MS: u64 = 100;
const BARO_PERIOD_MS: u64 = 20;

/// NVIC priorities (4 bits, upper nibble): SysTick above the flight
/// executor above the GNSS receiver; the thread executor is lowest.
const PRIO_SYSTICK: u8 = 0x10;
const PRIO_FLIGHT: u8 = 0x20;
const PRIO_GNSS_UART: u8 = 0x40;
const FLIGHT_IRQ: Interrupt = Interrupt::KPP;

static ALARM: SysTickAlarm<SysTickHw> = SysTickAlarm::new(SysTickHw);
static TIMERS: TimerQueue<8> = TimerQueue::new(&ALARM);
static FLIGHT: Executor<1> = Executor::new(pend_flight);
static THREAD: Executor<4> = Executor::new(arch::sev);
static ARENA: Arena<6144> = Arena::new();

static TELEMETRY_UART: Slot<Lpuart<1>> = Slot::new();
static HEARTBEAT_UART: Slot<Lpuart<2>> = Slot::new();
static GNSS_UART: Slot<Lpuart<3>> = Slot::new();
static GNSS_RX: Channel<u8, 256, 1> = Channel::new();
static SPI1: Slot<Lpspi<1>> = Slot::new();
static I2C1: Slot<Lpi2c<1>> = Slot::new();

/// Latest values, published by one task and read (`peek`) by others.
static STATE: Signal<FlightState, 1> = Signal::new();
static BARO: Signal<Baro, 1> = Signal::new();
static GNSS: Signal<NavPvt, 1> = Signal::new();

fn pend_flight() {
    NVIC::pend(FLIGHT_IRQ);
}

fn now_us() -> u64 {
    ALARM.now() / TICKS_PER_US
}

defmt::timestamp!("{=u64:us}", now_us());

// ---- construction ---------------------------------------------------------

const DEVICES: [Device; 9] = [
    Device { name: "pins", level: Level::PreKernel1, priority: 0, deps: &[], init: init_pins },
    Device { name: "systick", level: Level::PreKernel2, priority: 0, deps: &[], init: init_systick },
    Device { name: "lpuart1-telemetry", level: Level::PreKernel2, priority: 1, deps: &["pins"], init: init_telemetry_uart },
    Device { name: "lpuart2-heartbeat", level: Level::PreKernel2, priority: 2, deps: &["pins"], init: init_heartbeat_uart },
    Device { name: "lpspi1", level: Level::PreKernel2, priority: 3, deps: &["pins"], init: init_spi },
    Device { name: "lpi2c1", level: Level::PreKernel2, priority: 4, deps: &["pins"], init: init_i2c },
    Device { name: "nvic", level: Level::PostKernel, priority: 0, deps: &["systick"], init: init_nvic },
    Device { name: "lpuart3-gnss", level: Level::PostKernel, priority: 1, deps: &["pins", "nvic"], init: init_gnss_uart },
    Device {
        name: "tasks",
        level: Level::Application,
        priority: 0,
        deps: &["lpuart1-telemetry", "lpuart2-heartbeat", "lpspi1", "lpi2c1", "lpuart3-gnss"],
        init: spawn_tasks,
    },
];

/// Checked at compile time: a cycle or missing dependency fails the build.
const ORDER: [usize; DEVICES.len()] = init::plan_or_fail(&DEVICES);

/// IOMUXC: pads to their peripheral function (EVK pin-out). ALT0 of
/// GPIO_AD_24/25 is LPUART1 TXD/RXD; ALT0 of GPIO_AD_28..31 is LPSPI1
/// SCK/PCS0/SOUT/SIN; ALT1 of GPIO_AD_08/09 is LPI2C1 SCL/SDA (SION set).
fn init_pins() -> Result<(), DeviceError> {
    // SAFETY: IOMUXC is only written here, once, before any task runs.
    let iomuxc = unsafe { ral::iomuxc::IOMUXC::instance() };
    ral::write_reg!(ral::iomuxc, iomuxc, SW_MUX_CTL_PAD_GPIO_AD_24, 0);
    ral::write_reg!(ral::iomuxc, iomuxc, SW_MUX_CTL_PAD_GPIO_AD_25, 0);
    ral::write_reg!(ral::iomuxc, iomuxc, SW_MUX_CTL_PAD_GPIO_AD_28, 0);
    ral::write_reg!(ral::iomuxc, iomuxc, SW_MUX_CTL_PAD_GPIO_AD_29, 0);
    ral::write_reg!(ral::iomuxc, iomuxc, SW_MUX_CTL_PAD_GPIO_AD_30, 0);
    ral::write_reg!(ral::iomuxc, iomuxc, SW_MUX_CTL_PAD_GPIO_AD_31, 0);
    ral::write_reg!(ral::iomuxc, iomuxc, SW_MUX_CTL_PAD_GPIO_AD_08, 1 | 1 << 4);
    ral::write_reg!(ral::iomuxc, iomuxc, SW_MUX_CTL_PAD_GPIO_AD_09, 1 | 1 << 4);
    Ok(())
}

fn init_systick() -> Result<(), DeviceError> {
    ALARM.start();
    arch::enable_systick();
    Ok(())
}

fn init_telemetry_uart() -> Result<(), DeviceError> {
    // SAFETY: each instance is created once, here, and moved into its slot.
    let mut uart = Lpuart::new(unsafe { ral::lpuart::LPUART1::instance() }, ROOT_CLOCK_HZ, BAUD);
    uart.write_all(BANNER.as_bytes()).map_err(|_| DeviceError("LPUART1 transmit timeout"))?;
    TELEMETRY_UART.put(uart);
    Ok(())
}

fn init_heartbeat_uart() -> Result<(), DeviceError> {
    HEARTBEAT_UART.put(Lpuart::new(unsafe { ral::lpuart::LPUART2::instance() }, ROOT_CLOCK_HZ, BAUD));
    Ok(())
}

fn init_gnss_uart() -> Result<(), DeviceError> {
    let mut uart = Lpuart::new(unsafe { ral::lpuart::LPUART3::instance() }, ROOT_CLOCK_HZ, 38_400);
    uart.enable_rx_interrupt();
    GNSS_UART.put(uart);
    // SAFETY: the handler only touches GNSS_UART/GNSS_RX, both ready now.
    unsafe { NVIC::unmask(Interrupt::LPUART3) };
    Ok(())
}

fn init_spi() -> Result<(), DeviceError> {
    SPI1.put(Lpspi::new(unsafe { ral::lpspi::LPSPI1::instance() }, ROOT_CLOCK_HZ, 8_000_000, lpspi::Mode::Mode3));
    Ok(())
}

fn init_i2c() -> Result<(), DeviceError> {
    I2C1.put(Lpi2c::new(unsafe { ral::lpi2c::LPI2C1::instance() }, ROOT_CLOCK_HZ, 400_000));
    Ok(())
}

fn init_nvic() -> Result<(), DeviceError> {
    // SAFETY: priorities are set before the interrupts are unmasked.
    unsafe {
        let mut cp = cortex_m::Peripherals::steal();
        cp.SCB.set_priority(SystemHandler::SysTick, PRIO_SYSTICK);
        cp.NVIC.set_priority(FLIGHT_IRQ, PRIO_FLIGHT);
        cp.NVIC.set_priority(Interrupt::LPUART3, PRIO_GNSS_UART);
        NVIC::unmask(FLIGHT_IRQ);
    }
    Ok(())
}

fn spawn_tasks() -> Result<(), DeviceError> {
    let full = |_| DeviceError("task arena or task table full");
    FLIGHT.spawn_in(&ARENA, flight_task()).map_err(full)?;
    THREAD.spawn_in(&ARENA, telemetry_task()).map_err(full)?;
    THREAD.spawn_in(&ARENA, heartbeat_task()).map_err(full)?;
    THREAD.spawn_in(&ARENA, baro_task()).map_err(full)?;
    THREAD.spawn_in(&ARENA, gnss_task()).map_err(full)?;
    Ok(())
}

#[imxrt_rt::entry]
fn main() -> ! {
    defmt::info!("fmu-m7 v{=str} boot", env!("CARGO_PKG_VERSION"));
    let boot = init::run(&DEVICES, &ORDER, |d| defmt::info!("init {=str} (level {=u8})", d.name, d.level as u8));
    if let Err(e) = boot {
        defmt::error!("boot failed at {=str}: {=str}", e.device, e.error.0);
        panic!("boot failed");
    }
    defmt::info!("scheduler start");
    THREAD.run_forever(arch::wfi)
}

// ---- tasks ----------------------------------------------------------------

fn delay() -> TimerDelay<8> {
    TimerDelay { queue: &TIMERS, ticks_per_us: TICKS_PER_US }
}

/// 1 kHz: read the three IMUs, vote, publish. Runs on the interrupt executor.
async fn flight_task() {
    let Some(spi) = SPI1.take() else { return };
    let bus = RefCell::new(spi);
    let mut imus = [0u8, 1, 2].map(|pcs| Icm42688::new(lpspi::Device { bus: &bus, pcs }, AccelScale::G16, GyroScale::Dps2000));
    for (i, imu) in imus.iter_mut().enumerate() {
        match imu.init(&mut delay()).await {
            Ok(()) => defmt::info!("imu{=usize} ok", i),
            Err(_) => defmt::warn!("imu{=usize} init failed", i),
        }
    }
    defmt::info!("flight loop running at 1 kHz");
    let mut fusion = Fusion::new();
    let mut ticker = TIMERS.ticker(TICKS_PER_MS);
    loop {
        ticker.next().await;
        let state = fusion.step(flight::read_all(&mut imus).await);
        STATE.signal(state);
        if state.cycles % 1000 == 0 {
            defmt::info!("flight: {=u32} cycles, vote {=u8}, healthy {=u8:03b}", state.cycles, state.status as u8, state.healthy);
        }
    }
}

/// 50 Hz: one sample frame on LPUART1.
async fn telemetry_task() {
    let mut framer = Framer::new();
    let mut ticker = TIMERS.ticker(TELEMETRY_PERIOD_MS * TICKS_PER_MS);
    let mut sent: u32 = 0;
    loop {
        ticker.next().await;
        let Some(state) = STATE.peek() else { continue };
        let sample = tm::sample(now_us() as u32, SOURCE_FMU_M7, &state, BARO.peek(), GNSS.peek());
        let mut out = [0; MAX_FRAME];
        let n = framer.sample(&sample, &mut out);
        let ok = TELEMETRY_UART.with(|u| u.write_all(&out[..n]).is_ok()).unwrap_or(false);
        if sent == 0 {
            defmt::info!("telemetry: first frame ({=usize} bytes, ok {=bool})", n, ok);
        }
        sent = sent.wrapping_add(1);
    }
}

/// 10 Hz: heartbeat frame to the failsafe node on LPUART2.
async fn heartbeat_task() {
    let mut framer = Framer::new();
    let mut ticker = TIMERS.ticker(HEARTBEAT_PERIOD_MS * TICKS_PER_MS);
    loop {
        ticker.next().await;
        let vote = STATE.peek().map_or(3, |s| s.status as u8);
        let hb = Heartbeat { state: if vote <= 1 { 1 } else { 2 }, vote };
        let mut out = [0; MAX_FRAME];
        let n = framer.heartbeat(&hb, &mut out);
        HEARTBEAT_UART.with(|u| u.write_all(&out[..n]));
    }
}

/// 50 Hz: barometer on LPI2C1.
async fn baro_task() {
    let Some(i2c) = I2C1.take() else { return };
    let mut baro = Bmp388::new(i2c, bmp388::ADDR_PRIMARY);
    match baro.init(&mut delay()).await {
        Ok(()) => defmt::info!("baro ok"),
        Err(_) => defmt::warn!("baro init failed"),
    }
    let mut ticker = TIMERS.ticker(BARO_PERIOD_MS * TICKS_PER_MS);
    let mut failing = false;
    loop {
        ticker.next().await;
        match baro.read().await {
            Ok(r) => {
                BARO.signal(Baro { pressure_pa: r.pressure_pa, temp_cdeg: r.temp_cdeg });
                failing = false;
            }
            Err(_) if !failing => {
                defmt::warn!("baro read failed");
                failing = true;
            }
            Err(_) => {}
        }
    }
}

/// GNSS: NAV-PVT solutions from the LPUART3 receive queue.
async fn gnss_task() {
    let mut gnss = UbxGnss::new(RxQueue { queue: &GNSS_RX });
    let mut fixed = false;
    loop {
        let Ok(pvt) = gnss.next_pvt().await;
        if !fixed && pvt.fix_type >= 3 {
            defmt::info!("gnss: 3D fix, {=u8} satellites", pvt.num_sv);
            fixed = true;
        }
        GNSS.signal(pvt);
    }
}

// ---- interrupt handlers ------------------------------------------------------

#[cortex_m_rt::exception]
fn SysTick() {
    ALARM.on_wrap();
    TIMERS.on_alarm();
}

/// The flight executor's interrupt.
#[no_mangle]
extern "C" fn KPP() {
    let _ = FLIGHT.poll_ready();
}

#[no_mangle]
extern "C" fn LPUART3() {
    GNSS_UART.with(|u| u.on_interrupt(&GNSS_RX));
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    defmt::error!("panic");
    cortex_m::asm::udf()
}
