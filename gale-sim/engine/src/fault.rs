//! Architectural faults: status registers, escalation to HardFault, lockup,
//! and the report that ends a run when nobody handles the fault.

use crate::scs::nvic::{BUSFAULT, HARDFAULT, MEMMANAGE, USAGEFAULT};
use crate::scs::scb::{cfsr, HFSR_DEBUGEVT, HFSR_FORCED};
use crate::sys::{Sys, Uc};
use crate::{EngineError, StopReason};
use gale_trace::EventKind;
use unicorn_engine::RegisterARM;

/// A fault about to be raised.
#[derive(Clone, Debug)]
pub(crate) struct Fault {
    /// The exception it targets before escalation.
    pub exc: usize,
    pub cfsr: u32,
    pub hfsr: u32,
    pub address: Option<u32>,
    pub what: String,
}

impl Fault {
    pub fn usage(bits: u32, what: &str) -> Fault {
        Fault {
            exc: USAGEFAULT,
            cfsr: bits,
            hfsr: 0,
            address: None,
            what: what.into(),
        }
    }

    pub fn bus(bits: u32, address: Option<u32>, what: &str) -> Fault {
        let v = if address.is_some() {
            cfsr::BFARVALID
        } else {
            0
        };
        Fault {
            exc: BUSFAULT,
            cfsr: bits | v,
            hfsr: 0,
            address,
            what: what.into(),
        }
    }

    pub fn mem(bits: u32, address: Option<u32>, what: &str) -> Fault {
        let v = if address.is_some() {
            cfsr::MMARVALID
        } else {
            0
        };
        Fault {
            exc: MEMMANAGE,
            cfsr: bits | v,
            hfsr: 0,
            address,
            what: what.into(),
        }
    }

    /// A HardFault forced by an exception that could not be taken.
    pub fn forced(what: &str) -> Fault {
        Fault {
            exc: HARDFAULT,
            cfsr: 0,
            hfsr: HFSR_FORCED,
            address: None,
            what: what.into(),
        }
    }

    /// BKPT with no debugger attached.
    pub fn debug() -> Fault {
        Fault {
            exc: HARDFAULT,
            cfsr: 0,
            hfsr: HFSR_DEBUGEVT,
            address: None,
            what: "BKPT with no debugger attached".into(),
        }
    }
}

pub(crate) fn exception_name(e: usize) -> String {
    match e {
        0 => "Thread".into(),
        1 => "Reset".into(),
        2 => "NMI".into(),
        3 => "HardFault".into(),
        4 => "MemManage".into(),
        5 => "BusFault".into(),
        6 => "UsageFault".into(),
        11 => "SVCall".into(),
        12 => "DebugMonitor".into(),
        14 => "PendSV".into(),
        15 => "SysTick".into(),
        n if n >= 16 => format!("IRQ{}", n - 16),
        n => format!("exception {n}"),
    }
}

impl Sys {
    /// Raises `f` with `pc` as the faulting instruction (the stacked return
    /// address): sets the status registers, escalates to HardFault when the
    /// fault is disabled or cannot preempt, and enters the handler. Returns
    /// a stop when the fault cannot be handled (lockup, no handler).
    pub fn raise(
        &mut self,
        uc: &mut Uc,
        f: Fault,
        pc: u32,
    ) -> Result<Option<StopReason>, EngineError> {
        let scb = &mut self.scs.scb;
        scb.cfsr |= f.cfsr;
        scb.hfsr |= f.hfsr;
        if let Some(a) = f.address {
            if f.exc == BUSFAULT {
                scb.bfar = a;
            } else if f.exc == MEMMANAGE {
                scb.mmfar = a;
            }
        }
        let ep = self.execution_priority(uc);
        let n = &self.scs.nvic;
        let kind = exception_name(f.exc);
        let can_take = f.exc != HARDFAULT && n.is_enabled(f.exc) && n.group(n.priority(f.exc)) < ep;
        let (target, what) = if can_take {
            (f.exc, format!("{kind}: {}", f.what))
        } else if f.exc == HARDFAULT {
            (HARDFAULT, format!("HardFault: {}", f.what))
        } else {
            self.scs.scb.hfsr |= HFSR_FORCED;
            (
                HARDFAULT,
                format!("HardFault (escalated from {kind}: {})", f.what),
            )
        };
        if target == HARDFAULT && ep <= -1 {
            let ctx = exception_name(self.scs.ipsr as usize);
            let what = format!("lockup: {what}, raised in {ctx} where no fault can be taken");
            return Ok(Some(self.fatal(uc, what, pc, f.address)));
        }
        self.last_fault = Some((what, f.address));
        self.scs.nvic.set_pending(target, true);
        let r = self.enter_at(uc, target, Some(pc));
        self.last_fault = None;
        r
    }

    /// Ends the run with a report (and a trace Fault event).
    pub fn fatal(&mut self, uc: &Uc, what: String, pc: u32, address: Option<u32>) -> StopReason {
        let report = self.report(uc, what, pc, address);
        self.emit(
            "core",
            EventKind::Fault {
                what: report.to_string(),
            },
        );
        StopReason::Fault(report)
    }

    /// Ends the run for a failure while entering an exception's handler
    /// (vector fetch, bad vector, stacking). When that exception is a fault
    /// being raised, the report keeps the fault as the cause, with its
    /// address, and names the entry failure after it (issue #13 item 6).
    pub fn fatal_in_entry(
        &mut self,
        uc: &Uc,
        what: String,
        pc: u32,
        address: Option<u32>,
    ) -> StopReason {
        match self.last_fault.take() {
            Some((cause, cause_addr)) => {
                let what = match what.strip_prefix("lockup: ") {
                    Some(rest) => format!("lockup: {cause}; then, entering its handler: {rest}"),
                    None => format!("{cause}; then, entering its handler: {what}"),
                };
                self.fatal(uc, what, pc, cause_addr.or(address))
            }
            None => self.fatal(uc, what, pc, address),
        }
    }

    /// Raises a fault from inside a hook, at the current PC.
    pub fn fault_in_hook(
        &mut self,
        uc: &mut Uc,
        f: Fault,
    ) -> Result<Option<StopReason>, EngineError> {
        let pc = uc
            .reg_read(RegisterARM::PC)
            .map_err(EngineError::uc("reading pc"))? as u32;
        self.fault_in_hook_at(uc, f, pc)
    }

    pub fn fault_in_hook_at(
        &mut self,
        uc: &mut Uc,
        f: Fault,
        pc: u32,
    ) -> Result<Option<StopReason>, EngineError> {
        self.raise(uc, f, pc)
    }
}

impl Sys {
    /// Unicorn refused an instruction. YIELD arrives here too (PC already
    /// past the hint) and runs as a no-op; so would WFE with a stock
    /// unicorn (the patched one raises it to the interrupt hook instead).
    pub fn on_invalid_instruction(&mut self, uc: &mut Uc) -> bool {
        let pc = uc.reg_read(RegisterARM::PC).unwrap_or(0) as u32;
        let mut b = [0u8; 4];
        if pc >= 4 && uc.mem_read(pc as u64 - 4, &mut b).is_ok() {
            let (h0, h1) = (
                u16::from_le_bytes([b[0], b[1]]),
                u16::from_le_bytes([b[2], b[3]]),
            );
            let hint16 = matches!(h1, 0xbf10 | 0xbf20);
            let hint32 = h0 == 0xf3af && matches!(h1, 0x8001 | 0x8002);
            if hint16 || hint32 {
                return true;
            }
        }
        self.hook_stop = Some(crate::sys::HookStop::Invalid);
        false
    }

    /// Turns an emulation error (memory fault, invalid instruction) into the
    /// architectural fault, with `self.pc` the faulting instruction.
    pub fn cpu_error(
        &mut self,
        uc: &mut Uc,
        err: unicorn_engine::uc_error,
        hs: Option<crate::sys::HookStop>,
    ) -> Result<Option<StopReason>, EngineError> {
        use crate::sys::HookStop;
        use unicorn_engine::MemType;
        let mut pc = self.pc;
        let f = match hs {
            Some(HookStop::Memory { kind, addr, size }) => match kind {
                MemType::FETCH_UNMAPPED => {
                    pc = addr;
                    Fault::bus(
                        cfsr::IBUSERR,
                        None,
                        &format!("instruction fetch from unmapped address {addr:#010x}"),
                    )
                }
                MemType::FETCH_PROT => {
                    pc = addr;
                    Fault::mem(
                        cfsr::IACCVIOL,
                        None,
                        &format!("instruction fetch from non-executable address {addr:#010x}"),
                    )
                }
                MemType::WRITE_PROT => {
                    Fault::bus(cfsr::PRECISERR, Some(addr), "write to read-only memory")
                }
                MemType::WRITE_UNMAPPED => Fault::bus(
                    cfsr::PRECISERR,
                    Some(addr),
                    &format!("{size}-byte write to unmapped address"),
                ),
                _ => Fault::bus(
                    cfsr::PRECISERR,
                    Some(addr),
                    &format!("{size}-byte read of unmapped address"),
                ),
            },
            _ if matches!(
                err,
                unicorn_engine::uc_error::FETCH_PROT | unicorn_engine::uc_error::FETCH_UNMAPPED
            ) =>
            {
                Fault::mem(
                    cfsr::IACCVIOL,
                    None,
                    &format!("instruction fetch from non-executable address {pc:#010x}"),
                )
            }
            _ if matches!(
                err,
                unicorn_engine::uc_error::INSN_INVALID | unicorn_engine::uc_error::EXCEPTION
            ) =>
            {
                let cpsr = uc.reg_read(RegisterARM::CPSR).unwrap_or(1 << 5) as u32;
                if cpsr & (1 << 5) == 0 {
                    Fault::usage(
                        cfsr::INVSTATE,
                        "execution with the Thumb bit clear (branch to an even address?)",
                    )
                } else {
                    Fault::usage(cfsr::UNDEFINSTR, "undefined instruction")
                }
            }
            _ => {
                let what = format!("the CPU emulator stopped with {err:?}");
                return Ok(Some(self.fatal(uc, what, pc, None)));
            }
        };
        self.raise(uc, f, pc)
    }
}
