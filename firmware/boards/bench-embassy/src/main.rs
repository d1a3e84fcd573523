//! The executor benchmark (see `bench-common`) on embassy-executor's
//! thread executor with embassy-sync signals: the reference measured in the
//! same run as `bench-gale`.
#![no_std]
#![no_main]

use bench_common::{self as bench, Stats, ROUNDS};
use cortex_m_rt::entry;
use embassy_executor::Executor;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::signal::Signal;

static WOKEN: Signal<CriticalSectionRawMutex, ()> = Signal::new();
static PING: Signal<CriticalSectionRawMutex, u32> = Signal::new();
static PONG: Signal<CriticalSectionRawMutex, ()> = Signal::new();

#[embassy_executor::task]
async fn measure() {
    let mut console = bench::setup();
    for _ in 0..ROUNDS {
        bench::arm_wake();
        WOKEN.wait().await;
        bench::record_wake();
    }
    bench::report(&mut console, "embassy", "wake_to_poll", &bench::WAKE_STATS.get());
    let mut switch = Stats::new();
    for _ in 0..ROUNDS {
        let t0 = bench::cycles();
        PING.signal(t0);
        PONG.wait().await;
        switch.add(bench::cycles().wrapping_sub(t0) / 2);
    }
    bench::report(&mut console, "embassy", "task_switch", &switch);
    bench::finish(&mut console)
}

#[embassy_executor::task]
async fn echo() {
    loop {
        PING.wait().await;
        PONG.signal(());
    }
}

static mut EXECUTOR: Option<Executor> = None;

#[entry]
fn main() -> ! {
    // SAFETY: main runs once; the executor lives for the rest of the program.
    let executor = unsafe { (*core::ptr::addr_of_mut!(EXECUTOR)).insert(Executor::new()) };
    executor.run(|spawner| {
        spawner.must_spawn(measure());
        spawner.must_spawn(echo());
    })
}

#[cortex_m_rt::exception]
fn SysTick() {
    bench::on_wake_irq(|| WOKEN.signal(()));
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_FAILURE);
    loop {}
}
