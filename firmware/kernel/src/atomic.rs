//! The atomics the wake protocol uses: core's, or loom's under the `loom`
//! feature so the model checker explores every interleaving.
#[cfg(not(feature = "loom"))]
pub(crate) use core::sync::atomic::{AtomicU32, AtomicU8, Ordering};
#[cfg(feature = "loom")]
#[allow(unused_imports)]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU8, Ordering};
