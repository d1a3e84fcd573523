//! gust-f100: the STM32F100 failsafe node.
//!
//! Board wiring (STM32VLDISCOVERY pin-out):
//! | what                 | where                                            |
//! |----------------------|--------------------------------------------------|
//! | console              | USART1 TX (PA9), 115200 8N1: banner polled at init, then lines by TXE interrupt from a 64-byte queue |
//! | heartbeat in         | USART2 RX (PA3), 115200 8N1, RXNE interrupt      |
//! | failsafe output      | PC9 push-pull, high = failsafe active            |
//! | failsafe servo PWM   | TIM3 CH1 on PA6, 50 Hz: 1000 µs normal, 2000 µs failsafe |
//! | clocks               | HSI/2 x 6 = 24 MHz PLL, buses undivided; 8 MHz HSI if the PLL does not lock |
//! | time base            | SysTick at 24 MHz (tickless)                     |
//!
//! Behaviour: banner, then one `tick N` line per millisecond for 5 ms. If
//! no byte arrived on USART2 within the 40 ms pairing window, the node has
//! no heartbeat peer (bench and simulation runs of this image alone): it
//! drives the failsafe output high, prints `no heartbeat peer`, and exits
//! through semihosting with code 0. Otherwise it monitors the heartbeat
//! (`gale_logic::heartbeat`): lost for more than 300 ms -> failsafe on
//! (`failsafe on` line, PC9 high); 5 consecutive timely heartbeats ->
//! failsafe off (`failsafe off` line, PC9 low). The servo PWM follows
//! the same state.
//!
//! Interrupts (IRQ numbers of RM0041 / the SVD, NVIC priority; the one
//! task runs on the thread executor):
//! | IRQ | handler  | priority | what |
//! |-----|----------|----------|------|
//! | -   | SysTick  | 0x00 (reset value) | time base, timer queue |
//! | 38  | USART2   | 0x00 (reset value) | heartbeat bytes (RXNE) into the receive queue |
//! | 37  | USART1   | 0x40 | console bytes out of the transmit queue (TXE) |
#![no_std]
#![no_main]

use chip_stm32f100::gpio::{configure_output, write_pin, OutputKind, Speed};
use chip_stm32f100::pac::{self, interrupt};
use chip_stm32f100::rcc;
use chip_stm32f100::tim::Pwm3;
use chip_stm32f100::usart::{TxQueue, Usart1, Usart2};
use chip_stm32f100::HSI_HZ;
use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
#[cfg(not(feature = "replay"))]
use defmt_rtt as _;
use gale_kernel::arena::Arena;
use gale_kernel::cortex_m::{self as arch, SysTickHw};
use gale_kernel::executor::Executor;
use gale_kernel::init::{self, Device, DeviceError, Level};
use gale_kernel::slot::Slot;
use gale_kernel::sync::channel::Channel;
use gale_kernel::systick::SysTickAlarm;
use gale_kernel::time::TimerQueue;
use gale_logic::decimal;
use gale_logic::heartbeat::{Config, Monitor, Receiver, RxByte};

const BANNER: &str = concat!("gust-f100 v", env!("CARGO_PKG_VERSION"), " boot\r\n");
const BAUD: u32 = 115_200;
/// `tick N` lines printed at 1..=STARTUP_TICKS ms.
const STARTUP_TICKS: u32 = 5;
/// Without any heartbeat byte by then, the node has no peer.
const PAIRING_WINDOW_MS: u32 = 40;
const HEARTBEAT: Config = Config { timeout_ms: 300, recover_beats: 5 };
/// Failsafe output: PC9.
const FAILSAFE_PIN: u8 = 9;
/// Servo PWM: 50 Hz; pulse widths for normal and failsafe.
const PWM_PERIOD_US: u16 = 20_000;
const PWM_NORMAL_US: u16 = 1_000;
const PWM_FAILSAFE_US: u16 = 2_000;
/// NVIC priority of the console's transmit interrupt (below the
/// heartbeat receiver and SysTick, both at the reset value 0).
const PRIO_CONSOLE_UART: u8 = 0x40;

static ALARM: SysTickAlarm<SysTickHw> = SysTickAlarm::new(SysTickHw);
static TIMERS: TimerQueue<2> = TimerQueue::new(&ALARM);
static THREAD: Executor<1> = Executor::thread();
static ARENA: Arena<384> = Arena::new();
static CONSOLE: Slot<Usart1> = Slot::new();
/// Console bytes waiting for the USART1 transmit interrupt (the longest
/// line is 38 bytes).
static CONSOLE_TX: Channel<u8, 64, 1> = Channel::new();
static SERVO: Slot<Pwm3> = Slot::new();
static HEARTBEAT_UART: Slot<Usart2> = Slot::new();
/// Heartbeat bytes with their receive-error flags (framing, noise, parity).
static HEARTBEAT_RX: Channel<RxByte, 64, 1> = Channel::new();

const DEVICES: [Device; 7] = [
    Device { name: "clocks", level: Level::Early, priority: 0, deps: &[], init: init_clocks },
    Device { name: "console", level: Level::PreKernel1, priority: 0, deps: &["clocks"], init: init_console },
    Device { name: "failsafe-pin", level: Level::PreKernel1, priority: 1, deps: &[], init: init_failsafe_pin },
    Device { name: "systick", level: Level::PreKernel2, priority: 0, deps: &[], init: init_systick },
    Device { name: "failsafe-pwm", level: Level::PreKernel2, priority: 1, deps: &["clocks"], init: init_failsafe_pwm },
    Device { name: "usart2-heartbeat", level: Level::PostKernel, priority: 0, deps: &["systick"], init: init_heartbeat_uart },
    Device {
        name: "node",
        level: Level::Application,
        priority: 0,
        deps: &["console", "failsafe-pin", "failsafe-pwm", "usart2-heartbeat"],
        init: spawn_node,
    },
];

/// Checked at compile time: a cycle or missing dependency fails the build.
const ORDER: [usize; DEVICES.len()] = init::plan_or_fail(&DEVICES);

/// Each init function owns the peripherals it names; RCC enable bits are
/// read-modify-written, and init runs on one context before interrupts.
fn dp() -> pac::Peripherals {
    // SAFETY: see above.
    unsafe { pac::Peripherals::steal() }
}

/// Core and bus clock in Hz, set by `init_clocks`.
static SYSCLK: AtomicU32 = AtomicU32::new(HSI_HZ);

fn sysclk() -> u32 {
    SYSCLK.load(Ordering::Relaxed)
}

/// 24 MHz from the PLL; if it does not lock the node stays on the 8 MHz
/// HSI (everything below scales with `sysclk()`), since a failsafe node
/// should run slower rather than not at all.
fn init_clocks() -> Result<(), DeviceError> {
    if let Ok(hz) = rcc::use_pll_24mhz(&dp().RCC) {
        SYSCLK.store(hz, Ordering::Relaxed);
    }
    Ok(())
}

/// USART1: the banner is written polled (before anything is queued, so
/// the two cannot interleave), then the transmit interrupt is unmasked for
/// the queue. Queueing the banner instead costs ~2.3 µs per byte in
/// `try_send` before the first byte leaves, which delays the USART2 init
/// enough (~90 µs) to lose the first byte of a peer's boot heartbeat.
fn init_console() -> Result<(), DeviceError> {
    let dp = dp();
    let mut console = Usart1::new(dp.USART1, &dp.RCC, &dp.GPIOA, sysclk(), BAUD);
    #[cfg(not(feature = "replay"))]
    console.write_all(BANNER.as_bytes());
    #[cfg(feature = "replay")]
    {
        let _ = &mut console;
        replay::CONSOLE.send(BANNER.as_bytes());
    }
    CONSOLE.put(console);
    // SAFETY: the handler uses CONSOLE/CONSOLE_TX only, both ready;
    // priority before unmask.
    unsafe {
        cortex_m::Peripherals::steal().NVIC.set_priority(pac::Interrupt::USART1, PRIO_CONSOLE_UART);
        cortex_m::peripheral::NVIC::unmask(pac::Interrupt::USART1);
    }
    defmt::info!("gust-f100 v{=str} boot", env!("CARGO_PKG_VERSION"));
    Ok(())
}

fn kick_console() {
    CONSOLE.with(|c| c.enable_tx_interrupt());
}

fn console() -> TxQueue<'static, 64, 1> {
    TxQueue { queue: &CONSOLE_TX, kick: kick_console }
}

fn init_failsafe_pin() -> Result<(), DeviceError> {
    let dp = dp();
    dp.RCC.apb2enr().modify(|_, w| w.iopcen().set_bit());
    write_pin(&dp.GPIOC, FAILSAFE_PIN, false);
    configure_output(&dp.GPIOC, FAILSAFE_PIN, OutputKind::PushPull, Speed::Mhz2);
    Ok(())
}

fn init_failsafe_pwm() -> Result<(), DeviceError> {
    let dp = dp();
    SERVO.put(Pwm3::new(dp.TIM3, &dp.RCC, &dp.GPIOA, sysclk(), PWM_PERIOD_US, PWM_NORMAL_US));
    Ok(())
}

fn init_systick() -> Result<(), DeviceError> {
    ALARM.start();
    arch::enable_systick();
    Ok(())
}

fn init_heartbeat_uart() -> Result<(), DeviceError> {
    let dp = dp();
    let mut uart = Usart2::new(dp.USART2, &dp.RCC, &dp.GPIOA, sysclk(), BAUD);
    uart.enable_rx_interrupt();
    HEARTBEAT_UART.put(uart);
    // SAFETY: the handler uses HEARTBEAT_UART/HEARTBEAT_RX only, both ready.
    unsafe { cortex_m::peripheral::NVIC::unmask(pac::Interrupt::USART2) };
    Ok(())
}

fn spawn_node() -> Result<(), DeviceError> {
    THREAD.spawn_in(&ARENA, node()).map(drop).map_err(|_| DeviceError("task arena or table full"))
}

/// Queues a console line; waits only while the queue is full.
async fn say(parts: &[&[u8]]) {
    use embedded_io_async::Write;
    #[cfg(not(feature = "replay"))]
    let mut tx = console();
    #[cfg(feature = "replay")]
    let mut tx = replay::ReplayUart::new("USART1");
    for p in parts {
        let Ok(()) = tx.write_all(p).await;
    }
}

fn set_failsafe(on: bool) {
    write_pin(&dp().GPIOC, FAILSAFE_PIN, on);
    SERVO.with(|s| s.set_pulse_us(if on { PWM_FAILSAFE_US } else { PWM_NORMAL_US }));
}

/// The node: startup ticks, pairing window, then the heartbeat monitor.
async fn node() {
    let mut ticker = TIMERS.ticker(sysclk() as u64 / 1000);
    let mut monitor = Monitor::new(HEARTBEAT, 0);
    let mut heartbeats = Receiver::new();
    let mut peer = false;
    let mut failsafe = false;
    let mut ms: u32 = 0;
    loop {
        ticker.next().await;
        ms += 1;
        #[cfg(feature = "replay")]
        replay::heartbeat_bytes(&HEARTBEAT_RX);
        while let Some(rx) = HEARTBEAT_RX.try_recv() {
            peer = true;
            // Bytes with a framing error are not data (gale_logic::heartbeat::Receiver).
            if heartbeats.push(rx).is_some() {
                monitor.beat(ms);
            }
        }
        if ms <= STARTUP_TICKS {
            let mut digits = [0; decimal::U32_DIGITS];
            say(&[b"tick ", decimal::format_u32(ms, &mut digits), b"\r\n"]).await;
        }
        if ms == PAIRING_WINDOW_MS && !peer {
            set_failsafe(true);
            say(&[b"no heartbeat peer: failsafe on, exit\r\n"]).await;
            defmt::warn!("no heartbeat peer: failsafe on, exit");
            // Queue drained by the handler, then the last frame off the wire.
            let Ok(()) = embedded_io_async::Write::flush(&mut console()).await;
            CONSOLE.with(|c| c.flush());
            debug::exit(debug::EXIT_SUCCESS);
        }
        monitor.poll(ms);
        if monitor.failsafe() != failsafe {
            failsafe = monitor.failsafe();
            set_failsafe(failsafe);
            if failsafe {
                defmt::warn!("failsafe on (heartbeat lost)");
            } else {
                defmt::info!("failsafe off (heartbeat recovered)");
            }
            say(&[if failsafe {
                b"failsafe on (heartbeat lost)\r\n".as_slice()
            } else {
                b"failsafe off (heartbeat recovered)\r\n".as_slice()
            }])
            .await;
        }
    }
}

#[entry]
fn main() -> ! {
    #[cfg(feature = "replay")]
    replay::start();
    if init::run(&DEVICES, &ORDER, |_| {}).is_err() {
        fail();
    }
    THREAD.run_forever(arch::wfi)
}

#[cortex_m_rt::exception]
fn SysTick() {
    ALARM.on_wrap();
    TIMERS.on_alarm();
}

/// Heartbeat receive: each byte with its SR error flags, so framing
/// errors reach the heartbeat receiver (the driver's `on_rx_interrupt`
/// passes bytes only).
#[interrupt]
fn USART2() {
    // SAFETY: this handler alone reads USART2's SR and DR after init.
    let regs = unsafe { &*pac::USART2::ptr() };
    loop {
        let sr = regs.sr().read();
        if sr.rxne().bit_is_clear() && sr.ore().bit_is_clear() {
            break;
        }
        // SR then DR clears ORE, FE, NE and PE.
        let byte = regs.dr().read().dr().bits() as u8;
        if sr.rxne().bit_is_set() {
            let error = sr.fe().bit_is_set() || sr.ne().bit_is_set() || sr.pe().bit_is_set();
            let _ = HEARTBEAT_RX.try_send(RxByte { byte, error });
        }
    }
}

#[interrupt]
fn USART1() {
    CONSOLE.with(|c| c.on_tx_interrupt(&CONSOLE_TX));
}

/// Replay build: the UARTs a scenario drives or watches go to the host.
#[cfg(feature = "replay")]
mod replay {
    use gale_kernel::sync::channel::Channel;
    pub use gale_replay::ReplayUart;

    pub static CONSOLE: ReplayUart = ReplayUart::new("USART1");
    static HEARTBEAT: ReplayUart = ReplayUart::new("USART2");

    /// RTT first, so the first defmt line already has its channel.
    pub fn start() {
        gale_replay::init(now_ns);
    }

    fn now_ns() -> u64 {
        let hz = super::sysclk() as u64;
        (super::TIMERS.now() as u128 * 1_000_000_000 / hz as u128) as u64
    }

    /// Moves the heartbeat bytes the host says arrived by now, with their
    /// framing errors, into the receive queue the USART2 interrupt fills in
    /// a normal build.
    pub fn heartbeat_bytes(rx: &Channel<super::RxByte, 64, 1>) {
        let mut buf = [(0u8, false); 32];
        let n = HEARTBEAT.read_due_flagged(&mut buf);
        for &(byte, error) in &buf[..n] {
            let _ = rx.try_send(super::RxByte { byte, error });
        }
    }
}

fn fail() -> ! {
    set_failsafe(true);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    fail()
}
