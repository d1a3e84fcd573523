//! The bridge to gale-models' ApplySVD register file: a peripheral no
//! behavioural model claims becomes an `SvdRegisters` built from its SVD
//! registers (reset values, write masks, `oneToClear` bits).

use crate::{PeripheralDesc, RegisterDesc};
use gale_models::svd_regs::{SvdRegister, SvdRegisters};

pub fn svd_register(r: &RegisterDesc) -> SvdRegister {
    SvdRegister {
        name: r.name.clone(),
        offset: r.offset,
        size_bits: r.size_bits,
        reset_value: r.reset_value,
        readable: r.access.readable(),
        write_mask: r.write_mask,
        w1c_mask: r.w1c_mask,
    }
}

/// The ApplySVD model for `per`, named and sized as the peripheral.
pub fn svd_registers(per: &PeripheralDesc) -> SvdRegisters {
    SvdRegisters::new(
        per.name.clone(),
        per.size,
        per.registers.iter().map(svd_register),
    )
}
