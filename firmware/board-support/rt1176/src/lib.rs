//! Board support shared by fmu-m7 and io-m4 (both run on the same
//! MIMXRT1170-EVK pin-out): the pads, the drivers in their static slots,
//! the time base, and the sensor, telemetry and GNSS tasks. Each image's
//! `main.rs` holds its init table, executors and interrupt handlers.
//!
//! | what                     | where                                         |
//! |--------------------------|-----------------------------------------------|
//! | telemetry out            | LPUART1 TX, 115200 8N1: one ASCII banner line (polled), then frames (TDRE interrupt) |
//! | GNSS (u-blox, UBX)       | LPUART7 RX 38400 8N1, interrupt-driven        |
//! | IMU 0, 1, 2 (ICM-42688-P)| LPSPI1, PCS0, PCS1, PCS2, mode 3, 8 MHz, interrupt-driven (RDF) |
//! | barometer (BMP388)       | LPI2C1, address 0x76, 400 kHz, interrupt-driven (RDF/SDF) |
//! | time base                | SysTick on the core clock (tickless)          |
//! | logs                     | defmt over RTT                                |
#![no_std]

use core::cell::RefCell;

use chip_imxrt1176::lpi2c::{self, Lpi2c};
use chip_imxrt1176::lpspi::{self, Lpspi};
#[cfg_attr(feature = "replay", allow(unused_imports))]
use chip_imxrt1176::lpuart::{Lpuart, RxQueue, TxQueue};
use chip_imxrt1176::{ral, ROOT_CLOCK_HZ};
use cortex_m::peripheral::NVIC;
#[cfg(not(feature = "replay"))]
use defmt_rtt as _;
use gale_apps::flight::{self, FlightState, Fusion};
use gale_apps::telemetry::{self as tm, Baro, Framer};
use gale_capsules::bmp388::{self, Bmp388};
use gale_capsules::icm42688::Icm42688;
use gale_capsules::ubx_gnss::UbxGnss;
use gale_kernel::arena::Arena;
use gale_kernel::cortex_m::{self as arch, SysTickHw};
use gale_kernel::executor::Executor;
use gale_kernel::init::{self, Device, DeviceError};
use gale_kernel::slot::Slot;
use gale_kernel::sync::channel::Channel;
use gale_kernel::sync::irq_event::IrqEvent;
use gale_kernel::sync::signal::Signal;
use gale_kernel::systick::SysTickAlarm;
use gale_kernel::time::{Alarm, TimerDelay, TimerQueue};
use gale_logic::frame::MAX_FRAME;
use gale_logic::imu::{AccelScale, GyroScale};
use gale_logic::ubx::NavPvt;
pub use imxrt_ral::Interrupt;

#[cfg(feature = "replay")]
pub mod replay;

/// Core clock of the platform (rt1176-cm7: 996 MHz, rt1176-cm4: 400 MHz);
/// SysTick counts it.
#[cfg(feature = "cm7")]
pub const CPU_HZ: u64 = 996_000_000;
#[cfg(feature = "cm4")]
pub const CPU_HZ: u64 = 400_000_000;
pub const TICKS_PER_US: u64 = CPU_HZ / 1_000_000;
pub const TICKS_PER_MS: u64 = CPU_HZ / 1_000;
pub const BAUD: u32 = 115_200;
pub const GNSS_BAUD: u32 = 38_400;
/// Telemetry every 20 ms (50 Hz); baro every 20 ms.
pub const TELEMETRY_PERIOD_MS: u64 = 20;
pub const BARO_PERIOD_MS: u64 = 20;
/// NVIC priorities (upper nibble): SysTick and the IMU bus (LPSPI1) above
/// fmu-m7's flight executor (0x20), so the flight loop's SPI waits end
/// inside it; then the barometer bus, the GNSS receiver, the telemetry
/// transmitter.
pub const PRIO_SYSTICK: u8 = 0x10;
pub const PRIO_IMU_SPI: u8 = 0x10;
pub const PRIO_BARO_I2C: u8 = 0x30;
pub const PRIO_GNSS_UART: u8 = 0x40;
pub const PRIO_TELEMETRY_UART: u8 = 0x50;

pub static ALARM: SysTickAlarm<SysTickHw> = SysTickAlarm::new(SysTickHw);
pub static TIMERS: TimerQueue<8> = TimerQueue::new(&ALARM);
/// The thread-mode executor (lowest priority; idles in WFI).
pub static THREAD: Executor<4> = Executor::thread();
pub static ARENA: Arena<6144> = Arena::new();

pub static TELEMETRY_UART: Slot<Lpuart<1>> = Slot::new();
/// Telemetry bytes waiting for the LPUART1 transmit interrupt (4 frames).
pub static TELEMETRY_TX: Channel<u8, 256, 1> = Channel::new();
pub static GNSS_UART: Slot<Lpuart<7>> = Slot::new();
pub static GNSS_RX: Channel<u8, 256, 1> = Channel::new();
pub static SPI1: Slot<Lpspi<1, TimerDelay<8>>> = Slot::new();
/// LPSPI1's interrupt completion (handler: [`on_imu_spi`]).
pub static SPI1_EVENT: IrqEvent = IrqEvent::new();
pub static I2C1: Slot<Lpi2c<1, TimerDelay<8>>> = Slot::new();
/// LPI2C1's interrupt completion (handler: [`on_baro_i2c`]).
pub static I2C1_EVENT: IrqEvent = IrqEvent::new();

/// Latest values, published by one task and read (`peek`) by others.
pub static STATE: Signal<FlightState, 1> = Signal::new();
pub static BARO: Signal<Baro, 1> = Signal::new();
/// The latest NAV-PVT with its receive time (for the staleness rule).
pub static GNSS: Signal<tm::Timed<NavPvt>, 1> = Signal::new();

pub fn now_us() -> u64 {
    ALARM.now() / TICKS_PER_US
}

defmt::timestamp!("{=u64:us}", now_us());

// ---- device init (called from the images' init tables) ---------------------

/// One IOMUXC register write: a pad's SW_MUX_CTL_PAD_* (MUX_MODE = ALTn,
/// bit 4 SION) or a peripheral input's *_SELECT_INPUT (daisy chain: which
/// pad feeds the input). Build it with [`iomuxc!`], which takes the register
/// name as the IMXRT1170 RM and SVD spell it and checks it against
/// imxrt-ral at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IomuxcWrite {
    /// Byte offset in IOMUXC.
    pub offset: usize,
    pub value: u32,
}

/// `iomuxc!(REGISTER = value)`: an [`IomuxcWrite`] to the named IOMUXC register.
#[macro_export]
macro_rules! iomuxc {
    ($reg:ident = $value:expr) => {
        $crate::IomuxcWrite { offset: ::core::mem::offset_of!($crate::IomuxcRegs, $reg), value: $value }
    };
}

#[doc(hidden)]
pub use chip_imxrt1176::ral::iomuxc::RegisterBlock as IomuxcRegs;

/// SW_MUX_CTL_PAD_* values: MUX_MODE (ALTn) and SION (input path forced
/// on, needed by the open-drain I2C pads).
pub const ALT0: u32 = 0;
pub const ALT1: u32 = 1;
pub const ALT2: u32 = 2;
pub const ALT6: u32 = 6;
pub const SION: u32 = 1 << 4;

/// The pin-out both RT1176 images share (MIMXRT1170-EVK pads; functions
/// from the IOMUXC chapter of the IMXRT1170 RM, as named in the SVD's
/// MUX_MODE enumerations):
///
/// | pad | ALT | function |
/// |---|---|---|
/// | GPIO_AD_24 / GPIO_AD_25 | 0 | LPUART1_TXD / LPUART1_RXD (telemetry) |
/// | GPIO_AD_28 / _29 / _30 / _31 | 0 | LPSPI1_SCK / PCS0 / SOUT / SIN (IMU 0) |
/// | GPIO_AD_18 / GPIO_AD_19 | 2 | LPSPI1_PCS1 / LPSPI1_PCS2 (IMU 1, IMU 2) |
/// | GPIO_AD_08 / GPIO_AD_09 | 1, SION | LPI2C1_SCL / LPI2C1_SDA (baro) |
/// | GPIO_AD_00 / GPIO_AD_01 | 6 | LPUART7_TXD / LPUART7_RXD (GNSS) |
///
/// LPSPI1's SCK, PCS0, SDI and SDO inputs default (daisy value 0) to the
/// GPIO_EMC_B2_00..03 pads; value 1 selects GPIO_AD_28..31. LPI2C1 and
/// LPUART1 default to the pads above; LPUART7's TXD/RXD inputs select
/// GPIO_AD_00/01 with 0 (1: GPIO_DISP_B2_06/07), written anyway.
///
/// The GNSS is on LPUART7, not LPUART3: the RT1176 offers LPUART3_TXD/RXD
/// only on GPIO_AD_30/31 (ALT4), which carry LPSPI1 SOUT/SIN here.
/// GPIO_AD_00/01 are on the EVK's Arduino header (D6 / D9) according to
/// MicroPython's MIMXRT1170_EVK pin table; not checked against the EVK
/// schematic.
pub const PINS: [IomuxcWrite; 20] = [
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_24 = ALT0),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_25 = ALT0),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_28 = ALT0),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_29 = ALT0),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_30 = ALT0),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_31 = ALT0),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_18 = ALT2),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_19 = ALT2),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_08 = ALT1 | SION),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_09 = ALT1 | SION),
    iomuxc!(LPSPI1_LPSPI_SCK_SELECT_INPUT = 1),
    iomuxc!(LPSPI1_LPSPI_PCS_SELECT_INPUT_0 = 1),
    iomuxc!(LPSPI1_LPSPI_SDI_SELECT_INPUT = 1),
    iomuxc!(LPSPI1_LPSPI_SDO_SELECT_INPUT = 1),
    iomuxc!(LPI2C1_LPI2C_SCL_SELECT_INPUT = 0),
    iomuxc!(LPI2C1_LPI2C_SDA_SELECT_INPUT = 0),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_00 = ALT6),
    iomuxc!(SW_MUX_CTL_PAD_GPIO_AD_01 = ALT6),
    iomuxc!(LPUART7_LPUART_TXD_SELECT_INPUT = 0),
    iomuxc!(LPUART7_LPUART_RXD_SELECT_INPUT = 0),
];

/// Writes `writes` to IOMUXC in order.
pub fn mux_pads(writes: &[IomuxcWrite]) {
    let base = ral::iomuxc::IOMUXC as *mut u8;
    for w in writes {
        if w.offset + 4 <= core::mem::size_of::<IomuxcRegs>() {
            // SAFETY: `offset` comes from `offset_of!` on the IOMUXC
            // register block (checked in range again above); a 32-bit
            // volatile store to that register. IOMUXC is written only
            // during init, before any task runs.
            unsafe { (base.add(w.offset) as *mut u32).write_volatile(w.value) };
        }
    }
}

/// The shared pads ([`PINS`]).
pub fn init_pins() -> Result<(), DeviceError> {
    mux_pads(&PINS);
    Ok(())
}

/// RTWDOG3 off (IMXRT1170RM, RTWDOG: unlock by writing 0xD928C520 to
/// CNT, then reconfigure CS with UPDATE kept set, within 255 bus clocks).
/// The boot ROM may leave it running; the images do not service it yet.
#[cfg(feature = "cm7")]
pub fn init_watchdog() -> Result<(), DeviceError> {
    const UNLOCK: u32 = 0xD928_C520;
    // SAFETY: the watchdog is touched only here, first thing at boot.
    let wdog = unsafe { ral::rtwdog::RTWDOG3::instance() };
    critical_section::with(|_| {
        ral::write_reg!(ral::rtwdog, wdog, CNT, UNLOCK);
        ral::write_reg!(ral::rtwdog, wdog, TOVAL, 0xFFFF);
        ral::modify_reg!(ral::rtwdog, wdog, CS, EN: 0, UPDATE: 1);
    });
    Ok(())
}

pub fn init_systick() -> Result<(), DeviceError> {
    ALARM.start();
    arch::enable_systick();
    Ok(())
}

/// LPUART1 for telemetry; prints `banner` first (polled), then transmits
/// from [`TELEMETRY_TX`] by interrupt.
pub fn init_telemetry_uart(banner: &str) -> Result<(), DeviceError> {
    // SAFETY: each instance is created once, here, and moved into its slot.
    let mut uart = Lpuart::new(unsafe { ral::lpuart::LPUART1::instance() }, ROOT_CLOCK_HZ, BAUD);
    #[cfg(not(feature = "replay"))]
    uart.write_all(banner.as_bytes()).map_err(|_| DeviceError("LPUART1 transmit timeout"))?;
    #[cfg(feature = "replay")]
    {
        let _ = &mut uart;
        replay::TELEMETRY.send(banner.as_bytes());
    }
    TELEMETRY_UART.put(uart);
    // SAFETY: the handler touches TELEMETRY_UART/TELEMETRY_TX only, both
    // ready; priority before unmask.
    unsafe {
        cortex_m::Peripherals::steal().NVIC.set_priority(Interrupt::LPUART1, PRIO_TELEMETRY_UART);
        NVIC::unmask(Interrupt::LPUART1);
    }
    Ok(())
}

#[cfg_attr(feature = "replay", allow(dead_code))]
fn kick_telemetry_uart() {
    TELEMETRY_UART.with(|u| u.enable_tx_interrupt());
}

/// LPUART7 for the GNSS, receive interrupt on.
pub fn init_gnss_uart() -> Result<(), DeviceError> {
    // SAFETY: created once, moved into its slot.
    let mut uart = Lpuart::new(unsafe { ral::lpuart::LPUART7::instance() }, ROOT_CLOCK_HZ, GNSS_BAUD);
    uart.enable_rx_interrupt();
    GNSS_UART.put(uart);
    // SAFETY: the handler only touches GNSS_UART/GNSS_RX, both ready now;
    // priorities come before any unmask.
    unsafe {
        cortex_m::Peripherals::steal().NVIC.set_priority(Interrupt::LPUART7, PRIO_GNSS_UART);
        NVIC::unmask(Interrupt::LPUART7);
    }
    Ok(())
}

/// LPSPI1 for the IMUs, its interrupt unmasked (the driver enables its
/// sources only while it waits).
pub fn init_spi() -> Result<(), DeviceError> {
    // SAFETY: created once, moved into its slot.
    let spi = Lpspi::new(unsafe { ral::lpspi::LPSPI1::instance() }, ROOT_CLOCK_HZ, 8_000_000, lpspi::Mode::Mode3, &SPI1_EVENT, delay());
    SPI1.put(spi);
    // SAFETY: the handler only touches LPSPI1.IER and SPI1_EVENT; priority
    // before unmask.
    unsafe {
        cortex_m::Peripherals::steal().NVIC.set_priority(Interrupt::LPSPI1, PRIO_IMU_SPI);
        NVIC::unmask(Interrupt::LPSPI1);
    }
    Ok(())
}

/// LPI2C1 for the barometer, its interrupt unmasked.
pub fn init_i2c() -> Result<(), DeviceError> {
    // SAFETY: created once, moved into its slot.
    I2C1.put(Lpi2c::new(unsafe { ral::lpi2c::LPI2C1::instance() }, ROOT_CLOCK_HZ, 400_000, &I2C1_EVENT, delay()));
    // SAFETY: the handler only touches LPI2C1.MIER and I2C1_EVENT; priority
    // before unmask.
    unsafe {
        cortex_m::Peripherals::steal().NVIC.set_priority(Interrupt::LPI2C1, PRIO_BARO_I2C);
        NVIC::unmask(Interrupt::LPI2C1);
    }
    Ok(())
}

/// SysTick priority.
pub fn init_core_priorities() -> Result<(), DeviceError> {
    // SAFETY: set before the scheduler starts.
    unsafe {
        cortex_m::Peripherals::steal().SCB.set_priority(cortex_m::peripheral::scb::SystemHandler::SysTick, PRIO_SYSTICK);
    }
    Ok(())
}

/// Runs the init table in `order` (logging each device), then the thread
/// executor forever. A failed init is logged with the device name and
/// ends in a panic.
pub fn boot<const N: usize>(image: &str, devices: &[Device; N], order: &[usize; N]) -> ! {
    #[cfg(feature = "replay")]
    replay::start();
    defmt::info!("{=str} v{=str} boot", image, env!("CARGO_PKG_VERSION"));
    let result = init::run(devices, order, |d| defmt::info!("init {=str} (level {=u8})", d.name, d.level as u8));
    if let Err(e) = result {
        defmt::error!("boot failed at {=str}: {=str}", e.device, e.error.0);
        panic!("boot failed");
    }
    defmt::info!("scheduler start");
    THREAD.run_forever(arch::wfi)
}

// ---- tasks ------------------------------------------------------------------

pub fn delay() -> TimerDelay<8> {
    TimerDelay { queue: &TIMERS, ticks_per_us: TICKS_PER_US }
}

/// 1 kHz: read the three IMUs, vote, publish to [`STATE`] and to `publish`.
pub async fn sensor_loop(publish: fn(&FlightState)) {
    let Some(spi) = SPI1.take() else { return };
    let bus = RefCell::new(spi);
    #[cfg(not(feature = "replay"))]
    let mut imus = [0u8, 1, 2].map(|pcs| Icm42688::new(lpspi::Device { bus: &bus, pcs }, AccelScale::G16, GyroScale::Dps2000));
    #[cfg(feature = "replay")]
    let mut imus = {
        let _ = &bus;
        [0u8, 1, 2].map(|cs| Icm42688::new(replay::imu(cs), AccelScale::G16, GyroScale::Dps2000))
    };
    for (i, imu) in imus.iter_mut().enumerate() {
        match imu.init(&mut delay()).await {
            Ok(()) => defmt::info!("imu{=usize} ok", i),
            Err(_) => defmt::warn!("imu{=usize} init failed", i),
        }
    }
    defmt::info!("sensor loop running at 1 kHz");
    let mut fusion = Fusion::new();
    let mut ticker = TIMERS.ticker(TICKS_PER_MS);
    let (mut healthy, mut status) = (0b111u8, 0u8);
    loop {
        ticker.next().await;
        let state = fusion.step(flight::read_all(&mut imus).await);
        STATE.signal(state);
        publish(&state);
        // Fault detection and isolation, as the voter decided it.
        for i in 0..3 {
            let (was, is) = (healthy & (1 << i) != 0, state.healthy & (1 << i) != 0);
            if was && !is {
                defmt::warn!("imu{=usize} isolated", i);
            } else if !was && is {
                defmt::info!("imu{=usize} recovered", i);
            }
        }
        if state.status as u8 != status {
            defmt::warn!("vote status {=u8} -> {=u8}", status, state.status as u8);
        }
        (healthy, status) = (state.healthy, state.status as u8);
        if state.cycles.is_multiple_of(1000) {
            defmt::info!("sensors: {=u32} cycles, vote {=u8}, healthy {=u8:03b}", state.cycles, state.status as u8, state.healthy);
        }
    }
}

/// 50 Hz: one sample frame on LPUART1.
pub async fn telemetry_task(source: u8) {
    use embedded_io_async::Write;
    #[cfg(not(feature = "replay"))]
    let mut tx = TxQueue { queue: &TELEMETRY_TX, kick: kick_telemetry_uart };
    #[cfg(feature = "replay")]
    let mut tx = replay::TELEMETRY;
    let mut framer = Framer::new();
    let mut ticker = TIMERS.ticker(TELEMETRY_PERIOD_MS * TICKS_PER_MS);
    let mut first = true;
    loop {
        ticker.next().await;
        let Some(state) = STATE.peek() else { continue };
        let now = now_us();
        let sample = tm::sample(now as u32, source, &state, BARO.peek(), tm::gnss_at(GNSS.peek(), now));
        let mut out = [0; MAX_FRAME];
        let n = framer.sample(&sample, &mut out);
        let Ok(()) = tx.write_all(&out[..n]).await;
        if first {
            defmt::info!("telemetry: first frame ({=usize} bytes)", n);
            first = false;
        }
    }
}

/// 50 Hz: barometer on LPI2C1.
pub async fn baro_task() {
    let Some(i2c) = I2C1.take() else { return };
    #[cfg(feature = "replay")]
    let i2c = {
        let _ = i2c;
        replay::baro_bus()
    };
    let mut baro = Bmp388::new(i2c, bmp388::ADDR_PRIMARY);
    match baro.init(&mut delay()).await {
        Ok(()) => defmt::info!("baro ok"),
        Err(_) => defmt::warn!("baro init failed"),
    }
    let mut ticker = TIMERS.ticker(BARO_PERIOD_MS * TICKS_PER_MS);
    // Consecutive failed reads; every period retries.
    let mut failed: u32 = 0;
    loop {
        ticker.next().await;
        match baro.read().await {
            Ok(r) => {
                BARO.signal(Baro { pressure_pa: r.pressure_pa, temp_cdeg: r.temp_cdeg });
                if failed > 0 {
                    defmt::info!("baro recovered after {=u32} failed reads", failed);
                }
                failed = 0;
            }
            Err(_) => {
                if failed == 0 {
                    defmt::warn!("baro read failed");
                }
                failed += 1;
            }
        }
    }
}

/// GNSS: NAV-PVT solutions from the LPUART7 receive queue.
pub async fn gnss_task() {
    #[cfg(not(feature = "replay"))]
    let mut gnss = UbxGnss::new(RxQueue { queue: &GNSS_RX });
    #[cfg(feature = "replay")]
    let mut gnss = UbxGnss::new(replay::gnss_rx());
    let mut fixed = false;
    let mut reported_errors = 0;
    loop {
        let Ok(pvt) = gnss.next_pvt().await;
        if gnss.errors != reported_errors {
            defmt::warn!("gnss: {=u32} frame(s) rejected, {=u32} in total", gnss.errors.wrapping_sub(reported_errors), gnss.errors);
            reported_errors = gnss.errors;
        }
        if !fixed && pvt.fix_type >= 3 {
            defmt::info!("gnss: 3D fix, {=u8} satellites", pvt.num_sv);
            fixed = true;
        }
        GNSS.signal(tm::Timed { at_us: now_us(), value: pvt });
    }
}

// ---- interrupt handler bodies -------------------------------------------------

/// SysTick: account the period, then expire deadlines.
pub fn on_systick() {
    ALARM.on_wrap();
    TIMERS.on_alarm();
}

/// LPUART1: queued telemetry bytes out.
pub fn on_telemetry_uart() {
    TELEMETRY_UART.with(|u| u.on_tx_interrupt(&TELEMETRY_TX));
}

/// LPUART7: received bytes into the GNSS queue.
pub fn on_gnss_uart() {
    GNSS_UART.with(|u| u.on_interrupt(&GNSS_RX));
}

/// LPSPI1: a chunk of an IMU transfer is complete; wake the sensor loop.
pub fn on_imu_spi() {
    lpspi::on_interrupt::<1>(&SPI1_EVENT);
}

/// LPI2C1: barometer bytes, STOP or an error; wake the baro task.
pub fn on_baro_i2c() {
    lpi2c::on_interrupt::<1>(&I2C1_EVENT);
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    defmt::error!("panic");
    cortex_m::asm::udf()
}
