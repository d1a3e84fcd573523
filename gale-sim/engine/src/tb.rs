//! Unicorn's translation buffer, sized for the platform. Stock unicorn
//! reserves 1 GiB per instance and calls `exit(1)` when it cannot (four
//! machines under a 4 GiB address-space limit ended the whole process).
//! The code a machine can run is bounded by its executable memories; the
//! translated code of a Cortex-M image is a small multiple of that, and a
//! full buffer only makes QEMU flush it and translate again.

use crate::{EngineError, MachineSpec};
use unicorn_engine::Unicorn;
use unicorn_engine_sys::{uc_ctl, uc_error, ControlType};

/// Bounds of the buffer, bytes.
pub(crate) const MIN_BYTES: u64 = 16 << 20;
pub(crate) const MAX_BYTES: u64 = 64 << 20;

/// 4 bytes of buffer per byte of executable memory, within the bounds.
pub(crate) fn buffer_bytes(spec: &MachineSpec) -> u64 {
    let code: u64 = spec
        .memories
        .iter()
        .filter(|m| m.executable)
        .map(|m| m.size as u64 * (1 + m.aliases.len() as u64))
        .sum();
    code.saturating_mul(4).clamp(MIN_BYTES, MAX_BYTES)
}

/// Sets the buffer size (before unicorn initialises itself) after checking
/// that the address space has room for it: unicorn cannot report a failed
/// allocation, it exits, so a machine that would not fit is an error here.
pub(crate) fn configure(
    uc: &mut Unicorn<'static, ()>,
    spec: &MachineSpec,
) -> Result<(), EngineError> {
    let bytes = buffer_bytes(spec);
    let mut probe: Vec<u8> = Vec::new();
    // Twice the size: the machine's memories and unicorn's own tables need room too.
    if probe.try_reserve_exact(2 * bytes as usize).is_err() {
        return Err(EngineError::Resources {
            machine: spec.name.clone(),
            what: format!(
                "no room in the address space for its {} MiB translation buffer",
                bytes >> 20
            ),
        });
    }
    drop(probe);
    let write = ControlType(ControlType::TCG_BUFFER_SIZE.0 | ControlType::IO_WRITE.0);
    let err = unsafe { uc_ctl(uc.get_handle(), write, bytes as u32) };
    if err != uc_error::OK {
        return Err(EngineError::Unicorn {
            during: "sizing the translation buffer",
            err,
        });
    }
    Ok(())
}
