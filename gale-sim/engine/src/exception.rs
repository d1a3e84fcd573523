//! Exception entry and return (ARMv7-M B1.5.6-B1.5.8): stack frames (8
//! words, or 26 with the FP context), 8-byte alignment with xPSR bit 9,
//! EXC_RETURN, MSP/PSP selection, tail-chaining and sleep-on-exit.

use crate::cpu::{CONTROL_FPCA, CONTROL_SPSEL};
use crate::fault::{exception_name, Fault};
use crate::scs::nvic::{HARDFAULT, NMI};
use crate::scs::scb::{cfsr, CCR_NONBASETHRDENA, CCR_STKALIGN, SCR_SLEEPONEXIT};
use crate::sys::{Sys, Uc};
use crate::{EngineError, StopReason};
use gale_trace::IrqAction;
use unicorn_engine::RegisterARM;

const XPSR_T: u32 = 1 << 24;
const XPSR_ALIGN: u32 = 1 << 9;
/// APSR bits (N Z C V Q and GE).
const APSR_MASK: u32 = 0xf80f_0000;

const S_REGS: [RegisterARM; 16] = [
    RegisterARM::S0,
    RegisterARM::S1,
    RegisterARM::S2,
    RegisterARM::S3,
    RegisterARM::S4,
    RegisterARM::S5,
    RegisterARM::S6,
    RegisterARM::S7,
    RegisterARM::S8,
    RegisterARM::S9,
    RegisterARM::S10,
    RegisterARM::S11,
    RegisterARM::S12,
    RegisterARM::S13,
    RegisterARM::S14,
    RegisterARM::S15,
];

/// cortex-m-rt's default handlers: an exception landing there has no handler.
const DEFAULT_HANDLERS: [&str; 2] = ["DefaultHandler_", "HardFault_"];

fn words_to_bytes(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_le_bytes()).collect()
}

impl Sys {
    pub fn enter(&mut self, uc: &mut Uc, exc: usize) -> Result<Option<StopReason>, EngineError> {
        self.enter_at(uc, exc, None)
    }

    /// Takes exception `exc`: pushes the frame on the current stack, selects
    /// MSP and Handler mode, and jumps to the vector. `ret` overrides the
    /// stacked return address (the faulting instruction for precise faults).
    pub fn enter_at(
        &mut self,
        uc: &mut Uc,
        exc: usize,
        ret: Option<u32>,
    ) -> Result<Option<StopReason>, EngineError> {
        // Exception entry sets the WFE event register (B1.5.18).
        self.scs.nvic.event = true;
        // A WFI after this is a new one (see `Sys::keeps_spinning_wfi`).
        (self.masked_wfi, self.spin_until) = (None, None);
        let mut cpu = self.cpu.take().expect("cpu state");
        let r = self.enter_with(uc, &mut cpu, exc, ret);
        self.cpu = Some(cpu);
        match r? {
            Ret::Done => Ok(None),
            Ret::Stop(s) => Ok(Some(s)),
            Ret::Fault(f, pc) => self.raise(uc, f, pc),
        }
    }

    fn enter_with(
        &mut self,
        uc: &mut Uc,
        cpu: &mut crate::cpu::CpuState,
        exc: usize,
        ret: Option<u32>,
    ) -> Result<Ret, EngineError> {
        cpu.save(uc)?;
        let return_pc = ret.unwrap_or(cpu.reg(15));
        let vtor = self.scs.scb.vtor;
        let mut v = [0u8; 4];
        let vector_addr = vtor.wrapping_add(4 * exc as u32);
        if uc.mem_read(vector_addr as u64, &mut v).is_err() {
            let what = format!(
                "vector table read for {} failed at {vector_addr:#010x} (VTOR={vtor:#010x})",
                exception_name(exc)
            );
            return Ok(Ret::Stop(self.fatal_in_entry(
                uc,
                what,
                return_pc,
                Some(vector_addr),
            )));
        }
        let handler = u32::from_le_bytes(v);
        let control = cpu.control();
        let ipsr = cpu.get(crate::cpu::V7m::Exception);
        let thread = ipsr == 0;
        let on_psp = thread && control & CONTROL_SPSEL != 0;
        let fp = self.core.has_fpu() && control & CONTROL_FPCA != 0;
        let sp = cpu.reg(13);
        let size = if fp { 0x68 } else { 0x20 };
        let stkalign = self.scs.scb.ccr & CCR_STKALIGN != 0;
        let realign = stkalign && sp & 4 != 0;
        let frame_sp = sp.wrapping_sub(size) & if stkalign { !7 } else { !3 };
        let apsr = uc
            .reg_read(RegisterARM::APSR)
            .map_err(EngineError::uc("reading APSR"))? as u32
            & APSR_MASK;
        // An exception taken inside an IT block stacks the IT state.
        let it = cpu.it_state();
        let it_bits = ((it & 3) << 25) | ((it & 0xfc) << 8);
        let xpsr = apsr | XPSR_T | it_bits | ipsr | if realign { XPSR_ALIGN } else { 0 };
        let mut frame = vec![
            cpu.reg(0),
            cpu.reg(1),
            cpu.reg(2),
            cpu.reg(3),
            cpu.reg(12),
            cpu.reg(14),
            return_pc,
            xpsr,
        ];
        if fp {
            for r in S_REGS {
                frame.push(
                    uc.reg_read(r)
                        .map_err(EngineError::uc("reading FP registers"))?
                        as u32,
                );
            }
            frame.push(
                uc.reg_read(RegisterARM::FPSCR)
                    .map_err(EngineError::uc("reading FPSCR"))? as u32,
            );
            frame.push(0);
        }
        if uc
            .mem_write(frame_sp as u64, &words_to_bytes(&frame))
            .is_err()
        {
            // Stacking failed (nothing was changed yet): a derived BusFault;
            // the original exception stays pending.
            let f = Fault::bus(
                cfsr::STKERR,
                None,
                &format!(
                    "stacking for {} failed at SP={frame_sp:#010x} (stack overflow?)",
                    exception_name(exc)
                ),
            );
            if exc == HARDFAULT || self.last_fault.is_some() {
                let what = format!("lockup: {} while entering {}", f.what, exception_name(exc));
                self.scs.scb.cfsr |= f.cfsr;
                return Ok(Ret::Stop(self.fatal_in_entry(
                    uc,
                    what,
                    return_pc,
                    Some(frame_sp),
                )));
            }
            self.scs.nvic.set_pending(exc, true);
            return Ok(Ret::Fault(f, return_pc));
        }
        // The frame is on the stack; a handler that cannot handle anything
        // (cortex-m-rt's default loops) ends the run here with a report.
        let mut first = [0u8; 2];
        let dead_loop = uc.mem_read((handler & !1) as u64, &mut first).is_ok()
            && u16::from_le_bytes(first) == 0xe7fe;
        let sym = self
            .symbols
            .function_at(handler)
            .or_else(|| dead_loop.then(|| format!("{handler:#010x}: b .")));
        if let Some(sym) = sym {
            if dead_loop || DEFAULT_HANDLERS.contains(&sym.as_str()) {
                let (what, addr) = match self.last_fault.take() {
                    Some((w, a)) => (format!("{w}; no handler (cortex-m-rt default `{sym}`)"), a),
                    None => (
                        format!(
                            "{} taken with no handler (cortex-m-rt default `{sym}`)",
                            exception_name(exc)
                        ),
                        None,
                    ),
                };
                return Ok(Ret::Stop(self.fatal(uc, what, return_pc, addr)));
            }
        }
        if handler & 1 == 0 {
            let what = format!(
                "vector for {} is {handler:#010x}, not a Thumb address",
                exception_name(exc)
            );
            return Ok(Ret::Stop(self.fatal_in_entry(
                uc,
                what,
                return_pc,
                Some(vector_addr),
            )));
        }

        let exc_return = 0xffff_ffe1
            | if fp { 0 } else { 0x10 }
            | if thread { 8 } else { 0 }
            | if on_psp { 4 } else { 0 };
        let (mut msp, mut psp) = (cpu.msp(), cpu.psp());
        if on_psp {
            psp = frame_sp;
        } else {
            msp = frame_sp;
        }
        cpu.set_mode(
            exc as u32,
            control & !(CONTROL_SPSEL | CONTROL_FPCA),
            msp,
            psp,
        );
        cpu.set_reg(14, exc_return);
        cpu.set_reg(15, handler & !1);
        cpu.set_it_state(0);
        cpu.restore(uc)?;
        self.scs.nvic.clear_pending_on_entry(exc);
        self.scs.nvic.set_active(exc, true);
        self.scs.ipsr = exc as u32;
        self.pc = handler & !1;
        self.irq_event(exc, IrqAction::Enter);
        Ok(Ret::Done)
    }

    /// Exception return with EXC_RETURN value `exc_return` (trap 8).
    pub fn exception_return(
        &mut self,
        uc: &mut Uc,
        exc_return: u32,
    ) -> Result<Option<StopReason>, EngineError> {
        // So does exception return.
        self.scs.nvic.event = true;
        let mut cpu = self.cpu.take().expect("cpu state");
        let r = self.return_with(uc, &mut cpu, exc_return);
        self.cpu = Some(cpu);
        match r? {
            Ret::Done => {}
            Ret::Stop(s) => return Ok(Some(s)),
            Ret::Fault(f, pc) => return self.raise(uc, f, pc),
        }
        // A level interrupt may have re-pended: keep watching the masks.
        self.clock.hot.set_watch(self.scs.nvic.any_pending());
        // Tail-chain into whatever is pending and now takeable.
        if let Some(e) = self.takeable(uc) {
            return self.enter(uc, e);
        }
        Ok(None)
    }

    fn return_with(
        &mut self,
        uc: &mut Uc,
        cpu: &mut crate::cpu::CpuState,
        exc_return: u32,
    ) -> Result<Ret, EngineError> {
        cpu.save(uc)?;
        let ipsr = cpu.get(crate::cpu::V7m::Exception) as usize;
        let lr = cpu.reg(14);
        let valid_low = matches!(exc_return & 0x1f, 0x01 | 0x09 | 0x0d | 0x11 | 0x19 | 0x1d);
        let fp = exc_return & 0x10 == 0;
        if ipsr == 0 {
            return Ok(Ret::Fault(
                Fault::mem(
                    cfsr::IACCVIOL,
                    None,
                    &format!("branch to EXC_RETURN value {exc_return:#010x} in Thread mode"),
                ),
                lr,
            ));
        }
        if exc_return >> 5 != 0x07ff_ffff || !valid_low || (fp && !self.core.has_fpu()) {
            return Ok(Ret::Fault(
                Fault::usage(
                    cfsr::INVPC,
                    &format!("invalid EXC_RETURN {exc_return:#010x}"),
                ),
                exc_return,
            ));
        }
        let to_thread = exc_return & 8 != 0;
        let nvic = &self.scs.nvic;
        if !nvic.is_active(ipsr)
            || (to_thread && nvic.active_count() > 1 && self.scs.scb.ccr & CCR_NONBASETHRDENA == 0)
        {
            return Ok(Ret::Fault(
                Fault::usage(
                    cfsr::INVPC,
                    &format!(
                        "EXC_RETURN {exc_return:#010x} to Thread mode with other exceptions active"
                    ),
                ),
                exc_return,
            ));
        }
        let use_psp = to_thread && exc_return & 4 != 0;
        let sp = if use_psp { cpu.psp() } else { cpu.msp() };
        let n = if fp { 26 } else { 8 };
        let mut bytes = vec![0u8; n * 4];
        if uc.mem_read(sp as u64, &mut bytes).is_err() {
            return Ok(Ret::Fault(
                Fault::bus(
                    cfsr::UNSTKERR,
                    None,
                    &format!("unstacking from SP={sp:#010x} failed"),
                ),
                exc_return,
            ));
        }
        let w: Vec<u32> = bytes
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        // Deactivate the returning exception.
        self.scs.nvic.set_active(ipsr, false);
        self.scs.nvic.repend_if_asserted(ipsr);
        if ipsr != NMI {
            cpu.set(crate::cpu::V7m::Faultmask, 0);
        }
        self.irq_event(ipsr, IrqAction::Exit);
        let xpsr = w[7];
        let stkalign = self.scs.scb.ccr & CCR_STKALIGN != 0;
        let new_sp = sp.wrapping_add(n as u32 * 4)
            | if stkalign && xpsr & XPSR_ALIGN != 0 {
                4
            } else {
                0
            };
        let new_ipsr = if to_thread { 0 } else { xpsr & 0x1ff };
        let (mut msp, mut psp) = (cpu.msp(), cpu.psp());
        if use_psp {
            psp = new_sp;
        } else {
            msp = new_sp;
        }
        let control = (cpu.control() & !(CONTROL_SPSEL | CONTROL_FPCA))
            | if use_psp { CONTROL_SPSEL } else { 0 }
            | if fp { CONTROL_FPCA } else { 0 };
        cpu.set_mode(new_ipsr, control, msp, psp);
        for (i, r) in [0, 1, 2, 3, 12, 14].into_iter().enumerate() {
            cpu.set_reg(r, w[i]);
        }
        let pc = w[6] & !1;
        cpu.set_reg(15, pc);
        cpu.set_it_state(((xpsr >> 25) & 3) | ((xpsr >> 8) & 0xfc));
        cpu.restore(uc)?;
        uc.reg_write(RegisterARM::APSR_NZCVQG, (xpsr & APSR_MASK) as u64)
            .map_err(EngineError::uc("writing APSR"))?;
        if fp {
            for (i, r) in S_REGS.into_iter().enumerate() {
                uc.reg_write(r, w[8 + i] as u64)
                    .map_err(EngineError::uc("writing FP registers"))?;
            }
            uc.reg_write(RegisterARM::FPSCR, w[24] as u64)
                .map_err(EngineError::uc("writing FPSCR"))?;
        }
        self.scs.ipsr = new_ipsr;
        self.pc = pc;
        if xpsr & XPSR_T == 0 {
            return Ok(Ret::Fault(
                Fault::usage(
                    cfsr::INVSTATE,
                    "returned with the Thumb bit clear in the stacked xPSR",
                ),
                pc,
            ));
        }
        if to_thread && self.scs.scb.scr & SCR_SLEEPONEXIT != 0 && self.takeable(uc).is_none() {
            self.sleeping = true;
        }
        Ok(Ret::Done)
    }
}

/// Outcome of entry/return work done while the CPU state is borrowed.
enum Ret {
    Done,
    Stop(StopReason),
    /// Raise this fault with this return address.
    Fault(Fault, u32),
}
