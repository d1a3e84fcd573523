//! The executor benchmark (see `bench-common`) on the gale kernel's thread
//! executor, tasks in its static arena, signals from `gale_kernel::sync`.
#![no_std]
#![no_main]

use bench_common::{self as bench, Stats, ROUNDS};
use cortex_m_rt::entry;
use gale_kernel::arena::Arena;
use gale_kernel::cortex_m as arch;
use gale_kernel::executor::Executor;
use gale_kernel::sync::signal::Signal;

static THREAD: Executor<2> = Executor::new(arch::sev);
static ARENA: Arena<512> = Arena::new();
static WOKEN: Signal<(), 1> = Signal::new();
static PING: Signal<u32, 1> = Signal::new();
static PONG: Signal<(), 1> = Signal::new();

async fn measure() {
    let mut console = bench::setup();
    for _ in 0..ROUNDS {
        bench::arm_wake();
        WOKEN.wait().await;
        bench::record_wake();
    }
    bench::report(&mut console, "gale", "wake_to_poll", &bench::WAKE_STATS.get());
    let mut switch = Stats::new();
    for _ in 0..ROUNDS {
        let t0 = bench::cycles();
        PING.signal(t0);
        PONG.wait().await;
        switch.add(bench::cycles().wrapping_sub(t0) / 2);
    }
    bench::report(&mut console, "gale", "task_switch", &switch);
    bench::finish(&mut console)
}

async fn echo() {
    loop {
        PING.wait().await;
        PONG.signal(());
    }
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
