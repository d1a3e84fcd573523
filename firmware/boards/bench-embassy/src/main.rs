//! The executor benchmark (see `bench-common`) on embassy-executor's
//! thread executor with embassy-sync signals: the reference measured in the
//! same run as `bench-gale`.
#![no_std]
#![no_main]

use bench_common as bench;
use cortex_m_rt::entry;
use embassy_executor::Executor;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::signal::Signal;

static WOKEN: Signal<CriticalSectionRawMutex, ()> = Signal::new();
static PING: Signal<CriticalSectionRawMutex, u32> = Signal::new();
static PONG: Signal<CriticalSectionRawMutex, ()> = Signal::new();

bench_common::workload! {
    #[embassy_executor::task]
    executor: "embassy",
    woken: WOKEN,
    ping: PING,
    pong: PONG
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
