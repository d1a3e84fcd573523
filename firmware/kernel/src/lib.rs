//! gale kernel: the composable core of the firmware images.
//!
//! * [`init`]: construction in levels (EARLY .. APPLICATION) with per-device
//!   priority and declared dependencies, checked at compile time.
//! * [`executor`]: static task arena, waker-as-index, ISR-safe wake; one
//!   executor per priority level (an interrupt-driven one preempts the
//!   thread-mode one).
//! * [`time`]: timer queue on a hardware alarm with tickless idle.
//! * [`sync`]: semaphore, mutexes, bounded channel, event flags, signal.
//!
//! Everything here is `no_std`, allocation-free and host-testable; the
//! hardware specific parts (pending an interrupt, WFI, the alarm timer) come
//! from the chip crate through small hooks.
#![cfg_attr(not(test), no_std)]

mod atomic;
pub mod ready;

// Under `loom` only the ready set is built: loom's atomics are not const,
// so the static-friendly types above it cannot be.
#[cfg(not(feature = "loom"))]
pub mod arena;
#[cfg(all(target_arch = "arm", target_os = "none", not(feature = "loom")))]
pub mod cortex_m;
#[cfg(not(feature = "loom"))]
pub mod executor;
#[cfg(not(feature = "loom"))]
pub mod init;
#[cfg(not(feature = "loom"))]
pub mod slot;
#[cfg(not(feature = "loom"))]
pub mod sync;
#[cfg(not(feature = "loom"))]
pub mod systick;
#[cfg(not(feature = "loom"))]
pub mod time;
#[cfg(not(feature = "loom"))]
pub mod waker_set;
