//! The executor benchmark (see `bench-common`) on the gale kernel's thread
//! executor, tasks in its static arena, signals from `gale_kernel::sync`.
#![no_std]
#![no_main]

use bench_common as bench;
use cortex_m_rt::entry;
use gale_kernel::arena::Arena;
use gale_kernel::cortex_m as arch;
use gale_kernel::executor::Executor;
use gale_kernel::sync::signal::Signal;

static THREAD: Executor<2> = Executor::thread();
static ARENA: Arena<512> = Arena::new();
static WOKEN: Signal<(), 1> = Signal::new();
static PING: Signal<u32, 1> = Signal::new();
static PONG: Signal<(), 1> = Signal::new();

bench_common::workload! {
    executor: "gale",
    woken: WOKEN,
    ping: PING,
    pong: PONG
}

#[entry]
fn main() -> ! {
    let spawned = THREAD.spawn_in(&ARENA, measure()).and_then(|_| THREAD.spawn_in(&ARENA, echo()));
    if spawned.is_err() {
        panic!("spawn");
    }
    THREAD.run_forever(arch::wfi)
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
