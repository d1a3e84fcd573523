//! sensors-f100: the driver seam at the small end. The ICM-42688-P and
//! BMP388 capsules that fmu-m7 runs on the RT1176's LPSPI/LPI2C run here
//! unchanged on the STM32F100's SPI1 and I2C1 drivers, on the same kernel.
//!
//! | what        | where                                                     |
//! |-------------|-----------------------------------------------------------|
//! | IMU         | ICM-42688-P on SPI1 (PA5 SCK, PA6 MISO, PA7 MOSI), chip select PA4, mode 3, 3 MHz |
//! | barometer   | BMP388 on I2C1 (PB6 SCL, PB7 SDA), address 0x76, 100 kHz  |
//! | telemetry   | USART1 TX (PA9) 115200 8N1: banner line, then sample frames (source 3) at 50 Hz; TXE interrupt from a 64-byte queue |
//! | time base   | SysTick at 24 MHz (tickless)                              |
//!
//! Interrupts (IRQ numbers of RM0041 / the SVD, NVIC priority; the one
//! task runs on the thread executor):
//! | IRQ | handler  | priority | what |
//! |-----|----------|----------|------|
//! | -   | SysTick  | 0x10 | time base, timer queue |
//! | 35  | SPI1     | 0x20 | IMU byte received (RXNE): wakes the task |
//! | 31  | I2C1_EV  | 0x30 | barometer bus event (SB, ADDR, BTF, TXE, RXNE): wakes the task |
//! | 32  | I2C1_ER  | 0x30 | barometer bus error (AF, ARLO, BERR, OVR): wakes the task |
//! | 37  | USART1   | 0x40 | telemetry bytes out of the transmit queue (TXE) |
#![no_std]
#![no_main]

use core::cell::RefCell;

use chip_stm32f100::i2c::I2c1;
use chip_stm32f100::pac::{self, interrupt, Interrupt};
use chip_stm32f100::rcc::{self, SYSCLK_HZ};
use chip_stm32f100::spi::Spi1;
use chip_stm32f100::usart::{TxQueue, Usart1};
use chip_stm32f100::{i2c, spi};
use cortex_m::peripheral::scb::SystemHandler;
use cortex_m::peripheral::NVIC;
use cortex_m_rt::entry;
use gale_apps::flight::Fusion;
use gale_apps::telemetry::{self as tm, Baro, Framer};
use gale_capsules::bmp388::{self, Bmp388};
use gale_capsules::icm42688::Icm42688;
use gale_kernel::arena::Arena;
use gale_kernel::cortex_m::{self as arch, SysTickHw};
use gale_kernel::executor::Executor;
use gale_kernel::slot::Slot;
use gale_kernel::sync::channel::Channel;
use gale_kernel::sync::irq_event::IrqEvent;
use gale_kernel::systick::SysTickAlarm;
use gale_kernel::time::{Alarm, TimerDelay, TimerQueue};
use gale_logic::frame::MAX_FRAME;
use gale_logic::imu::{AccelScale, GyroScale};

const BANNER: &str = concat!("sensors-f100 v", env!("CARGO_PKG_VERSION"), " boot\r\n");
/// `Sample::source` of this image.
const SOURCE: u8 = 3;
const TICKS_PER_US: u64 = SYSCLK_HZ as u64 / 1_000_000;
const PERIOD_MS: u64 = 20;

static ALARM: SysTickAlarm<SysTickHw> = SysTickAlarm::new(SysTickHw);
static TIMERS: TimerQueue<2> = TimerQueue::new(&ALARM);
static THREAD: Executor<1> = Executor::thread();
static ARENA: Arena<1024> = Arena::new();
/// SPI1's interrupt completion (handler: `SPI1`).
static SPI1_EVENT: IrqEvent = IrqEvent::new();
/// I2C1's interrupt completion (handlers: `I2C1_EV`, `I2C1_ER`).
static I2C1_EVENT: IrqEvent = IrqEvent::new();
/// NVIC priorities (upper nibble of 4 bits).
const PRIO_SYSTICK: u8 = 0x10;
const PRIO_IMU_SPI: u8 = 0x20;
const PRIO_BARO_I2C: u8 = 0x30;
const PRIO_TELEMETRY_UART: u8 = 0x40;
static CONSOLE: Slot<Usart1> = Slot::new();
/// Bytes waiting for the USART1 transmit interrupt (one 52-byte frame).
static CONSOLE_TX: Channel<u8, 64, 1> = Channel::new();

fn kick_console() {
    CONSOLE.with(|c| c.enable_tx_interrupt());
}

/// One IMU and the barometer, every 20 ms, one sample frame each time.
async fn sensors(dp: pac::Peripherals) {
    use embedded_io_async::Write;
    CONSOLE.put(Usart1::new(dp.USART1, &dp.RCC, &dp.GPIOA, SYSCLK_HZ, 115_200));
    let mut console = TxQueue { queue: &CONSOLE_TX, kick: kick_console };
    let bus = RefCell::new(Spi1::new(dp.SPI1, &dp.RCC, &dp.GPIOA, SYSCLK_HZ, 3_000_000, true, &SPI1_EVENT, delay()));
    // SAFETY: GPIOA is a static register block; only pin 4 is driven here.
    let gpioa: &'static pac::gpioa::RegisterBlock = unsafe { &*pac::GPIOA::ptr() };
    let mut imu = Icm42688::new(spi::Device::new(&bus, gpioa, 4), AccelScale::G16, GyroScale::Dps2000);
    let mut baro = Bmp388::new(I2c1::new(dp.I2C1, &dp.RCC, &dp.GPIOB, SYSCLK_HZ, 100_000, &I2C1_EVENT, delay()), bmp388::ADDR_PRIMARY);
    // SAFETY: the handlers only touch SPI1.CR2 / I2C1.CR2 and their events,
    // and CONSOLE/CONSOLE_TX, all ready now; priorities come before the unmask.
    unsafe {
        let mut cp = cortex_m::Peripherals::steal();
        for (irq, prio) in [
            (Interrupt::SPI1, PRIO_IMU_SPI),
            (Interrupt::I2C1_EV, PRIO_BARO_I2C),
            (Interrupt::I2C1_ER, PRIO_BARO_I2C),
            (Interrupt::USART1, PRIO_TELEMETRY_UART),
        ] {
            cp.NVIC.set_priority(irq, prio);
            NVIC::unmask(irq);
        }
    }
    let Ok(()) = console.write_all(BANNER.as_bytes()).await;
    let mut delay = delay();
    let imu_ok = imu.init(&mut delay).await.is_ok();
    let baro_ok = baro.init(&mut delay).await.is_ok();
    let Ok(()) = console.write_all(if imu_ok { b"imu ok\r\n" } else { b"imu init failed\r\n" }).await;
    let Ok(()) = console.write_all(if baro_ok { b"baro ok\r\n" } else { b"baro init failed\r\n" }).await;
    let mut fusion = Fusion::new();
    let mut framer = Framer::new();
    let mut ticker = TIMERS.ticker(PERIOD_MS * 1000 * TICKS_PER_US);
    loop {
        ticker.next().await;
        // One IMU: the voter passes it through with status "single".
        let state = fusion.step([imu.read_scaled().await.ok(), None, None]);
        let reading = baro.read().await.ok().map(|r| Baro { pressure_pa: r.pressure_pa, temp_cdeg: r.temp_cdeg });
        let sample = tm::sample((ALARM.now() / TICKS_PER_US) as u32, SOURCE, &state, reading, None);
        let mut out = [0; MAX_FRAME];
        let n = framer.sample(&sample, &mut out);
        let Ok(()) = console.write_all(&out[..n]).await;
    }
}

fn delay() -> TimerDelay<2> {
    TimerDelay { queue: &TIMERS, ticks_per_us: TICKS_PER_US }
}

#[entry]
fn main() -> ! {
    // SAFETY: taken once; the task owns the peripherals from here on.
    let dp = unsafe { pac::Peripherals::steal() };
    // Without the PLL the baud rates and time base would be off by 3.
    if rcc::use_pll_24mhz(&dp.RCC).is_err() {
        panic!("PLL");
    }
    // SAFETY: before the scheduler starts.
    unsafe { cortex_m::Peripherals::steal().SCB.set_priority(SystemHandler::SysTick, PRIO_SYSTICK) };
    ALARM.start();
    arch::enable_systick();
    if THREAD.spawn_in(&ARENA, sensors(dp)).is_err() {
        panic!("spawn");
    }
    THREAD.run_forever(arch::wfi)
}

#[cortex_m_rt::exception]
fn SysTick() {
    ALARM.on_wrap();
    TIMERS.on_alarm();
}

#[interrupt]
fn SPI1() {
    spi::on_interrupt(&SPI1_EVENT);
}

#[interrupt]
fn I2C1_EV() {
    i2c::on_interrupt(&I2C1_EVENT);
}

#[interrupt]
fn I2C1_ER() {
    i2c::on_interrupt(&I2C1_EVENT);
}

#[interrupt]
fn USART1() {
    CONSOLE.with(|c| c.on_tx_interrupt(&CONSOLE_TX));
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
