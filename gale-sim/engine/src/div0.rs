//! CCR.DIV_0_TRP: unicorn (QEMU 5) divides by zero quietly (the result is
//! 0). While the firmware has the trap enabled, a code hook on every
//! SDIV/UDIV of the loaded image checks the divisor before the instruction
//! runs and, when it is zero, stops emulation there so the run loop raises
//! UsageFault DIVBYZERO at that PC. With the trap off (the reset state) no
//! hook is installed, so divisions cost nothing extra.
//!
//! The sites come from the ELF's loaded segments (by load and by virtual
//! address, so code copied to RAM is covered too). A division inside an IT
//! block cannot be stopped before it executes (unicorn does not exit in the
//! middle of an IT block) and is not trapped.

use crate::scs::scb::CCR_DIV_0_TRP;
use crate::sys::{HookStop, Sys};
use crate::EngineError;
use std::cell::RefCell;
use std::rc::Rc;
use unicorn_engine::{RegisterARM, UcHookId, Unicorn};

/// The divisor register of a T32 SDIV/UDIV (`FB9n F.m` / `FBBn F.m`, n the
/// dividend, m the divisor), else None.
pub(crate) fn divisor_register(h0: u16, h1: u16) -> Option<u16> {
    let div = matches!(h0 & 0xfff0, 0xfb90 | 0xfbb0) && h1 & 0xf0f0 == 0xf0f0;
    div.then_some(h1 & 0xf)
}

/// Every halfword-aligned address in `code` (loaded at `base`) that holds
/// an SDIV/UDIV encoding.
pub(crate) fn sites(base: u32, code: &[u8]) -> Vec<u32> {
    let half = |i: usize| u16::from_le_bytes([code[i], code[i + 1]]);
    (0..code.len().saturating_sub(3))
        .step_by(2)
        .filter(|&i| divisor_register(half(i), half(i + 2)).is_some())
        .map(|i| base.wrapping_add(i as u32))
        .collect()
}

/// The division sites of an image's loaded segments, at their load and
/// (when it differs: code copied to RAM) their virtual addresses.
pub(crate) fn image_sites(segments: &[crate::elf::Segment]) -> Vec<u32> {
    let mut out = Vec::new();
    for seg in segments {
        out.extend(sites(seg.lma, &seg.data));
        if seg.vaddr != seg.lma {
            out.extend(sites(seg.vaddr, &seg.data));
        }
    }
    out
}

/// The division sites of the loaded image and the hooks on them.
#[derive(Default)]
pub(crate) struct Div0 {
    pub sites: Vec<u32>,
    hooks: Vec<UcHookId>,
    armed: bool,
}

const REGS: [RegisterARM; 16] = [
    RegisterARM::R0,
    RegisterARM::R1,
    RegisterARM::R2,
    RegisterARM::R3,
    RegisterARM::R4,
    RegisterARM::R5,
    RegisterARM::R6,
    RegisterARM::R7,
    RegisterARM::R8,
    RegisterARM::R9,
    RegisterARM::R10,
    RegisterARM::R11,
    RegisterARM::R12,
    RegisterARM::SP,
    RegisterARM::LR,
    RegisterARM::PC,
];

/// Installs the hooks when the firmware has enabled the trap and removes
/// them when it has disabled it (translated code is flushed either way, so
/// the change applies from the next block).
pub(crate) fn sync(
    uc: &mut Unicorn<'static, ()>,
    sys: &Rc<RefCell<Sys>>,
) -> Result<(), EngineError> {
    let (want, armed) = {
        let s = sys.borrow();
        (
            s.scs.scb.ccr & CCR_DIV_0_TRP != 0 && !s.div0.sites.is_empty(),
            s.div0.armed,
        )
    };
    if want == armed {
        return Ok(());
    }
    let mut s = sys.borrow_mut();
    if want {
        for &site in &s.div0.sites.clone() {
            let state = sys.clone();
            let id = uc
                .add_code_hook(site as u64, site as u64 + 3, move |uc, addr, _size| {
                    on_division(uc, &state, addr as u32)
                })
                .map_err(EngineError::uc("adding a division hook"))?;
            s.div0.hooks.push(id);
        }
    } else {
        for id in std::mem::take(&mut s.div0.hooks) {
            uc.remove_hook(id)
                .map_err(EngineError::uc("removing a division hook"))?;
        }
    }
    s.div0.armed = want;
    uc.ctl_flush_tb()
        .map_err(EngineError::uc("flushing translated code"))
}

/// Before an SDIV/UDIV runs: a zero divisor stops emulation at it.
fn on_division(uc: &mut Unicorn<'_, ()>, sys: &Rc<RefCell<Sys>>, pc: u32) {
    let mut b = [0u8; 4];
    if uc.mem_read(pc as u64, &mut b).is_err() {
        return;
    }
    let Some(rm) = divisor_register(
        u16::from_le_bytes([b[0], b[1]]),
        u16::from_le_bytes([b[2], b[3]]),
    ) else {
        return;
    };
    if uc.reg_read(REGS[rm as usize]).unwrap_or(1) != 0 {
        return;
    }
    if let Ok(mut s) = sys.try_borrow_mut() {
        s.hook_stop = Some(HookStop::DivByZero(pc));
    }
    let _ = uc.emu_stop();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sdiv_and_udiv_only() {
        // udiv r0, r0, r1; sdiv r2, r3, r4; mul r0, r0, r1 (fb00 f001)
        let code = [
            0xb0, 0xfb, 0xf1, 0xf0, 0x93, 0xfb, 0xf4, 0xf2, 0x00, 0xfb, 0x01, 0xf0,
        ];
        assert_eq!(sites(0x100, &code), vec![0x100, 0x104]);
        assert_eq!(divisor_register(0xfbb0, 0xf0f1), Some(1));
        assert_eq!(divisor_register(0xfb93, 0xf2f4), Some(4));
        assert_eq!(divisor_register(0xfb00, 0xf001), None);
    }
}
