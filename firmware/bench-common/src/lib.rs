//! The executor benchmark, shared by `bench-gale` and `bench-embassy`, run
//! on the STM32F100 platform. Workload:
//!
//! * **wake-to-poll**: the task arms SysTick as a one-shot and awaits a
//!   signal, so its executor goes idle; the SysTick handler reads the cycle
//!   counter and signals; the task reads the counter when it is polled.
//!   [`ROUNDS`] samples.
//! * **task switch**: two tasks hand a signal back and forth; one round
//!   trip is two switches. [`ROUNDS`] round trips.
//!
//! Times are DWT CYCCNT deltas: in our engine, its deterministic cycle
//! count. Results go to USART1 as `bench <executor> <metric> min=<n>
//! mean=<n> max=<n>` lines (cycles), then the image exits through
//! semihosting with code 0.
#![no_std]

use core::sync::atomic::{AtomicU32, Ordering};

use chip_stm32f100::pac;
use chip_stm32f100::rcc;
use chip_stm32f100::usart::Usart1;
use cortex_m::peripheral::{DWT, SYST};
use gale_logic::decimal;

/// Samples per metric.
pub const ROUNDS: u32 = 64;
/// Cycles from arming to the SysTick interrupt.
pub const WAKE_DELAY: u32 = 2_000;

/// Cycle counter at the interrupt's signal.
pub static T_WAKE: AtomicU32 = AtomicU32::new(0);

/// Clocks, USART1, cycle counter; returns the console.
pub fn setup() -> Usart1 {
    // SAFETY: the benchmark owns the whole chip.
    let dp = unsafe { pac::Peripherals::steal() };
    let hz = rcc::use_pll_24mhz(&dp.RCC).unwrap_or(chip_stm32f100::HSI_HZ);
    let console = Usart1::new(dp.USART1, &dp.RCC, &dp.GPIOA, hz, 115_200);
    let mut cp = unsafe { cortex_m::Peripherals::steal() };
    cp.DCB.enable_trace();
    cp.DWT.enable_cycle_counter();
    console
}

pub fn cycles() -> u32 {
    DWT::cycle_count()
}

/// Arms SysTick to interrupt once, [`WAKE_DELAY`] cycles from now.
pub fn arm_wake() {
    // SAFETY: the benchmark owns SysTick.
    let syst = unsafe { &*SYST::PTR };
    unsafe {
        syst.rvr.write(WAKE_DELAY);
        syst.cvr.write(0);
        syst.csr.write(0b111);
    }
}

/// Running min/mean/max of cycle counts.
#[derive(Clone, Copy)]
pub struct Stats {
    pub min: u32,
    pub max: u32,
    pub sum: u64,
    pub n: u32,
}

impl Default for Stats {
    fn default() -> Self {
        Self::new()
    }
}

impl Stats {
    pub const fn new() -> Self {
        Stats { min: u32::MAX, max: 0, sum: 0, n: 0 }
    }
    pub fn add(&mut self, v: u32) {
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += v as u64;
        self.n += 1;
    }
    pub fn mean(&self) -> u32 {
        (self.sum / self.n.max(1) as u64) as u32
    }
}

/// Prints `bench <executor> <metric> min=.. mean=.. max=..`.
pub fn report(console: &mut Usart1, executor: &str, metric: &str, s: &Stats) {
    let mut d = [0; decimal::U32_DIGITS];
    console.write_all(b"bench ");
    console.write_all(executor.as_bytes());
    console.write_all(b" ");
    console.write_all(metric.as_bytes());
    for (key, v) in [(" min=", s.min), (" mean=", s.mean()), (" max=", s.max)] {
        console.write_all(key.as_bytes());
        console.write_all(decimal::format_u32(v, &mut d));
    }
    console.write_all(b"\r\n");
}

/// Flushes the console and exits with code 0.
pub fn finish(console: &mut Usart1) -> ! {
    console.flush();
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::wfi();
    }
}

/// Bookkeeping shared by both builds: records wake-to-poll samples.
pub static WAKE_STATS: critical_section_cell::Cell = critical_section_cell::Cell::new();

/// A Stats behind a critical section (both builds run single-core).
pub mod critical_section_cell {
    use super::Stats;
    use core::cell::RefCell;

    pub struct Cell(cortex_m::interrupt::Mutex<RefCell<Stats>>);

    impl Cell {
        pub const fn new() -> Self {
            Cell(cortex_m::interrupt::Mutex::new(RefCell::new(Stats::new())))
        }
        pub fn add(&self, v: u32) {
            cortex_m::interrupt::free(|cs| self.0.borrow(cs).borrow_mut().add(v))
        }
        pub fn get(&self) -> Stats {
            cortex_m::interrupt::free(|cs| *self.0.borrow(cs).borrow())
        }
    }

    impl Default for Cell {
        fn default() -> Self {
            Self::new()
        }
    }
}

/// The SysTick handler body: stop the one-shot, stamp, then let the build
/// signal its task.
pub fn on_wake_irq(signal: impl FnOnce()) {
    // SAFETY: as in `arm_wake`.
    unsafe { (*SYST::PTR).csr.write(0) };
    T_WAKE.store(cycles(), Ordering::Relaxed);
    signal();
}

/// The task side: one sample from the stamp to now.
pub fn record_wake() {
    WAKE_STATS.add(cycles().wrapping_sub(T_WAKE.load(Ordering::Relaxed)));
}

/// Defines the two benchmark tasks, `measure` and `echo`, over three
/// signals with `wait().await` and `signal(v)` (both executors' signal
/// types have those), each with the given attributes (e.g. Embassy's
/// `#[embassy_executor::task]`).
#[macro_export]
macro_rules! workload {
    ($(#[$attr:meta])* executor: $name:literal, woken: $woken:ident, ping: $ping:ident, pong: $pong:ident) => {
        $(#[$attr])*
        async fn measure() {
            let mut console = $crate::setup();
            for _ in 0..$crate::ROUNDS {
                $crate::arm_wake();
                $woken.wait().await;
                $crate::record_wake();
            }
            $crate::report(&mut console, $name, "wake_to_poll", &$crate::WAKE_STATS.get());
            let mut switch = $crate::Stats::new();
            for _ in 0..$crate::ROUNDS {
                let t0 = $crate::cycles();
                $ping.signal(t0);
                $pong.wait().await;
                switch.add($crate::cycles().wrapping_sub(t0) / 2);
            }
            $crate::report(&mut console, $name, "task_switch", &switch);
            $crate::finish(&mut console)
        }

        $(#[$attr])*
        async fn echo() {
            loop {
                $ping.wait().await;
                $pong.signal(());
            }
        }
    };
}
