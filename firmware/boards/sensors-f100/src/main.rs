//! sensors-f100: the driver seam at the small end. The ICM-42688-P and
//! BMP388 capsules that fmu-m7 runs on the RT1176's LPSPI/LPI2C run here
//! unchanged on the STM32F100's SPI1 and I2C1 drivers, on the same kernel.
//!
//! | what        | where                                                     |
//! |-------------|-----------------------------------------------------------|
//! | IMU         | ICM-42688-P on SPI1 (PA5 SCK, PA6 MISO, PA7 MOSI), chip select PA4, mode 3, 3 MHz |
//! | barometer   | BMP388 on I2C1 (PB6 SCL, PB7 SDA), address 0x76, 100 kHz  |
//! | telemetry   | USART1 TX (PA9) 115200 8N1: banner line, then sample frames (source 3) at 50 Hz |
//! | time base   | SysTick at 24 MHz (tickless)                              |
#![no_std]
#![no_main]

use core::cell::RefCell;

use chip_stm32f100::i2c::I2c1;
use chip_stm32f100::pac;
use chip_stm32f100::rcc::{self, SYSCLK_HZ};
use chip_stm32f100::spi::{self, Spi1};
use chip_stm32f100::usart::Usart1;
use cortex_m_rt::entry;
use gale_apps::flight::Fusion;
use gale_apps::telemetry::{self as tm, Baro, Framer};
use gale_capsules::bmp388::{self, Bmp388};
use gale_capsules::icm42688::Icm42688;
use gale_kernel::arena::Arena;
use gale_kernel::cortex_m::{self as arch, SysTickHw};
use gale_kernel::executor::Executor;
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

/// One IMU and the barometer, every 20 ms, one sample frame each time.
async fn sensors(dp: pac::Peripherals) {
    let mut console = Usart1::new(dp.USART1, &dp.RCC, &dp.GPIOA, SYSCLK_HZ, 115_200);
    console.write_all(BANNER.as_bytes());
    let bus = RefCell::new(Spi1::new(dp.SPI1, &dp.RCC, &dp.GPIOA, SYSCLK_HZ, 3_000_000, true));
    // SAFETY: GPIOA is a static register block; only pin 4 is driven here.
    let gpioa: &'static pac::gpioa::RegisterBlock = unsafe { &*pac::GPIOA::ptr() };
    let mut imu = Icm42688::new(spi::Device::new(&bus, gpioa, 4), AccelScale::G16, GyroScale::Dps2000);
    let mut baro = Bmp388::new(I2c1::new(dp.I2C1, &dp.RCC, &dp.GPIOB, SYSCLK_HZ, 100_000), bmp388::ADDR_PRIMARY);
    let mut delay = TimerDelay { queue: &TIMERS, ticks_per_us: TICKS_PER_US };
    let imu_ok = imu.init(&mut delay).await.is_ok();
    let baro_ok = baro.init(&mut delay).await.is_ok();
    console.write_all(if imu_ok { b"imu ok\r\n" } else { b"imu init failed\r\n" });
    console.write_all(if baro_ok { b"baro ok\r\n" } else { b"baro init failed\r\n" });
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
        console.write_all(&out[..n]);
    }
}

#[entry]
fn main() -> ! {
    // SAFETY: taken once; the task owns the peripherals from here on.
    let dp = unsafe { pac::Peripherals::steal() };
    // Without the PLL the baud rates and time base would be off by 3.
    if rcc::use_pll_24mhz(&dp.RCC).is_err() {
        panic!("PLL");
    }
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

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
