//! The engine state shared between the run loop and unicorn's hooks: clock,
//! bus, System Control Space, trace. Hooks run inside `emu_start`; they
//! count time per translated block, dispatch MMIO, and handle the exception
//! traps (SVC, BKPT, exception return).

use crate::bus::Bus;
use crate::clock::{Clock, Hot};
use crate::cpu::CpuState;
use crate::elf::Symbols;
use crate::scs::{self, nvic, Scs};
use crate::semihosting::{self, Outcome};
use crate::{CoreKind, EngineError, FaultReport, StopReason};
use gale_models::Access;
use gale_trace::{Event, EventKind, IrqAction, Trace};
use unicorn_engine::{MemType, RegisterARM, Unicorn};
use unicorn_engine_sys::{uc_emu_stop, uc_engine, uc_reg_read};

pub(crate) use scs::{DWT_BASE, SCS_BASE, SCS_SIZE};

/// QEMU exception numbers delivered to the interrupt hook.
const EXCP_SWI: u32 = 2;
const EXCP_BKPT: u32 = 7;
const EXCP_EXCEPTION_EXIT: u32 = 8;
const EXCP_NOCP: u32 = 17;
const EXCP_INVSTATE: u32 = 18;
/// WFE (gale-sim's unicorn patch; PC is after the instruction).
const EXCP_GALE_WFE: u32 = 0x47;

/// Why a hook stopped emulation.
#[derive(Debug)]
pub(crate) enum HookStop {
    /// A clock event is due or a pending exception became takeable.
    Deadline,
    Exit(i32),
    Fatal(FaultReport),
    Memory {
        kind: MemType,
        addr: u32,
        size: usize,
    },
    Invalid,
    /// An SDIV/UDIV at this PC is about to divide by zero with CCR.DIV_0_TRP set.
    DivByZero(u32),
}

pub(crate) type Uc<'a> = Unicorn<'a, ()>;

/// PRIMASK, BASEPRI, FAULTMASK (QEMU executes MSR/CPS, so it owns them).
fn masks_raw(uc: *mut uc_engine) -> (u32, u32, u32) {
    let r = |reg: RegisterARM| {
        let mut v: u64 = 0;
        unsafe { uc_reg_read(uc, reg as i32, (&mut v as *mut u64).cast()) };
        v as u32
    };
    (
        r(RegisterARM::PRIMASK),
        r(RegisterARM::BASEPRI),
        r(RegisterARM::FAULTMASK),
    )
}

pub(crate) struct Sys {
    pub name: String,
    pub core: CoreKind,
    pub clock: Clock,
    pub hook_stop: Option<HookStop>,
    pub trace: Trace,
    pub bus: Bus,
    pub scs: Scs,
    pub symbols: Symbols,
    /// (VTOR, initial SP, reset PC) from the loaded image.
    pub reset_vector: (u32, u32, u32),
    pub cpu: Option<CpuState>,
    /// PC to resume at.
    pub pc: u32,
    /// In WFI (or sleep-on-exit) until an exception can wake the core.
    pub sleeping: bool,
    /// The sleep is a WFE's: it also ends when the event register is set.
    pub in_wfe: bool,
    /// The last WFI that returned at once only because a pending exception,
    /// masked by PRIMASK, would preempt: (PC, exception).
    pub masked_wfi: Option<(u32, usize)>,
    /// The same WFI again sleeps until this cycle (see `keeps_spinning_wfi`).
    pub spin_until: Option<u64>,
    /// A stop decided while servicing events (lockup, reset failure).
    pub finished: Option<StopReason>,
    pub trace_irqs: bool,
    /// The fault being raised, for the report if its handler is missing.
    pub last_fault: Option<(String, Option<u32>)>,
    /// Division sites and hooks for CCR.DIV_0_TRP.
    pub div0: crate::div0::Div0,
    /// Finds the RTT control block (once found, its address).
    pub rtt: crate::rtt::Locator,
}

impl Sys {
    pub fn new(name: &str, core: CoreKind, hz: u64, irqs: u32, trace_irqs: bool, bus: Bus) -> Self {
        Sys {
            name: name.to_string(),
            core,
            clock: Clock::new(hz),
            hook_stop: None,
            trace: Trace::new(),
            bus,
            scs: Scs::new(core, hz, irqs),
            symbols: Symbols::default(),
            reset_vector: (0, 0, 0),
            cpu: None,
            pc: 0,
            sleeping: false,
            in_wfe: false,
            masked_wfi: None,
            spin_until: None,
            finished: None,
            trace_irqs,
            last_fault: None,
            div0: Default::default(),
            rtt: Default::default(),
        }
    }

    pub fn emit(&mut self, source: &str, kind: EventKind) {
        let e = Event::new(self.clock.now(), self.name.clone(), source, kind);
        self.trace.push(e);
    }

    pub fn irq_event(&mut self, exception: usize, action: IrqAction) {
        if self.trace_irqs {
            self.emit(
                "core",
                EventKind::Irq {
                    exception: exception as u16,
                    action,
                },
            );
        }
    }

    // ---- time ---------------------------------------------------------

    /// The cycle of the next timer or model event.
    pub fn next_event_cycle(&self) -> u64 {
        // A model asking again for a time already passed gets the next
        // block: time must move for the run to make progress.
        let soonest = self.clock.cycles() + 1;
        let model = self
            .bus
            .next_deadline()
            .map_or(u64::MAX, |t| self.clock.cycle_at(t).max(soonest));
        model.min(self.scs.systick.next_event_cycle())
    }

    /// Processes everything due at the current cycle: SysTick wraps, model
    /// deadlines, interrupt lines, register side effects.
    pub fn service_due(&mut self, uc: &mut Uc) -> Result<(), EngineError> {
        if self.scs.systick.catch_up(self.clock.cycles()) {
            self.pend(nvic::SYSTICK);
        }
        let now = self.clock.now();
        self.bus.advance_due(now, &self.name, &mut self.trace);
        self.apply_irq_lines();
        let effects = std::mem::take(&mut self.scs.effects);
        for e in effects.pended {
            self.irq_event(e, IrqAction::Pend);
        }
        if effects.cpacr && self.core.has_fpu() {
            // FP instructions run inside QEMU: it must see CPACR (access),
            // FPCCR.ASPEN/LSPEN (automatic FPCA) and FPDSCR (new contexts).
            let scb = &self.scs.scb;
            let (cpacr, fpccr, fpdscr) = (scb.cpacr, scb.fpccr, scb.fpdscr);
            let cpu = self.cpu.as_mut().expect("cpu state");
            cpu.save(uc)?;
            cpu.set(crate::cpu::V7m::Cpacr, cpacr);
            let keep = cpu.get(crate::cpu::V7m::Fpccr) & !0xc000_0000;
            cpu.set(crate::cpu::V7m::Fpccr, keep | (fpccr & 0xc000_0000));
            cpu.set(crate::cpu::V7m::Fpdscr, fpdscr);
            cpu.restore(uc)?;
        }
        if effects.reset {
            self.emit(
                "core",
                EventKind::Reg {
                    name: "SCB.AIRCR".into(),
                    write: true,
                    value: 0x05fa_0004,
                },
            );
            self.reset_core(uc)?;
        }
        if self.sleeping && self.wakes_from_sleep(uc) && !self.keeps_spinning_wfi(uc) {
            self.sleeping = false;
            self.in_wfe = false;
        }
        self.clock.hot.set_watch(self.scs.nvic.any_pending());
        Ok(())
    }

    pub fn reset_core(&mut self, uc: &mut Uc) -> Result<(), EngineError> {
        let (vtor, sp, pc) = self.reset_vector;
        self.scs.reset(vtor);
        self.sleeping = false;
        self.in_wfe = false;
        (self.masked_wfi, self.spin_until) = (None, None);
        self.clock.hot.jit.event.set(0);
        let cpu = self.cpu.as_mut().expect("cpu state");
        cpu.save(uc)?;
        for r in 0..13 {
            cpu.set_reg(r, 0);
        }
        cpu.set_reg(14, 0xffff_ffff);
        cpu.set_reg(15, pc & !1);
        cpu.set_mode(0, 0, sp & !3, 0);
        cpu.set(crate::cpu::V7m::Primask, 0);
        cpu.set(crate::cpu::V7m::Basepri, 0);
        cpu.set(crate::cpu::V7m::Faultmask, 0);
        cpu.set(crate::cpu::V7m::Cpacr, 0);
        cpu.restore(uc)?;
        self.pc = pc & !1;
        Ok(())
    }

    // ---- interrupts ---------------------------------------------------

    /// Pends exception `e` (traced only when it was not pending already).
    pub fn pend(&mut self, e: usize) {
        if !self.scs.nvic.is_pending(e) {
            self.scs.nvic.set_pending(e, true);
            self.irq_event(e, IrqAction::Pend);
        }
    }

    pub fn apply_irq_lines(&mut self) {
        let changes: Vec<(u32, bool)> = self.bus.irqs.drain().collect();
        for (irq, level) in changes {
            if self.scs.nvic.set_line(irq as usize, level) {
                self.irq_event(nvic::IRQ0 + irq as usize, IrqAction::Pend);
            }
            if level {
                self.clock.hot.set_watch(true);
                self.clock.hot.set_stop_at(0);
            }
        }
    }

    fn masks(&self, uc: &Uc) -> (u32, u32, u32) {
        masks_raw(uc.get_handle())
    }

    pub fn execution_priority(&self, uc: &Uc) -> i32 {
        let (pm, bp, fm) = self.masks(uc);
        self.scs.nvic.execution_priority(pm, bp, fm)
    }

    /// The pending exception that preempts the current execution priority.
    pub fn takeable(&self, uc: &Uc) -> Option<usize> {
        self.takeable_raw(uc.get_handle())
    }

    pub fn takeable_raw(&self, uc: *mut uc_engine) -> Option<usize> {
        let n = &self.scs.nvic;
        let e = n.highest_pending()?;
        let (pm, bp, fm) = masks_raw(uc);
        (n.group(n.priority(e)) < n.execution_priority(pm, bp, fm)).then_some(e)
    }

    /// WFI wakes for an exception that would preempt if PRIMASK were clear;
    /// WFE for a set event register (which it clears) or an exception that
    /// preempts (B1.5.18).
    fn wakes_from_sleep(&mut self, uc: &Uc) -> bool {
        if self.in_wfe {
            return self.take_event() || self.takeable(uc).is_some();
        }
        let n = &self.scs.nvic;
        let Some(e) = n.highest_pending() else {
            return false;
        };
        let (_, bp, fm) = self.masks(uc);
        n.group(n.priority(e)) < n.execution_priority(0, bp, fm)
    }

    /// WFI wakes at once when a pending exception would preempt if PRIMASK
    /// were clear, although PRIMASK keeps it from being taken. Firmware
    /// that runs such a WFI in a loop made the engine stop and restart
    /// emulation every iteration (~1000x slower than real time on a 1 GHz
    /// core). The first such WFI at a PC returns at once, as on silicon; the
    /// same WFI again, with the same exception pending and no exception
    /// taken in between, sleeps to the next timer or model event: a late
    /// wake-up, so only the number of loop iterations differs, and only
    /// while nothing the loop can observe changes.
    fn keeps_spinning_wfi(&mut self, uc: &Uc) -> bool {
        if self.in_wfe || self.takeable(uc).is_some() {
            (self.masked_wfi, self.spin_until) = (None, None);
            return false;
        }
        if let Some(until) = self.spin_until {
            if self.clock.cycles() < until {
                return true;
            }
            // Woken by the event; the next identical WFI sleeps again.
            self.spin_until = None;
            return false;
        }
        let key = (self.pc, self.scs.nvic.highest_pending().unwrap_or(0));
        if self.masked_wfi == Some(key) {
            self.spin_until = Some(self.next_event_cycle());
            return true;
        }
        self.masked_wfi = Some(key);
        false
    }

    /// Reads and clears the WFE event register: SEV sets it in the
    /// translated code (`JitClock::event`), exception entry and return and
    /// SEVONPEND pends in the NVIC (`Nvic::event`).
    fn take_event(&mut self) -> bool {
        let jit = self.clock.hot.jit.event.replace(0) != 0;
        std::mem::take(&mut self.scs.nvic.event) || jit
    }

    pub fn take_pending_exception(
        &mut self,
        uc: &mut Uc,
    ) -> Result<Option<StopReason>, EngineError> {
        match self.takeable(uc) {
            Some(e) => {
                self.sleeping = false;
                self.in_wfe = false;
                self.enter(uc, e)
            }
            None => Ok(None),
        }
    }

    // ---- MMIO -----------------------------------------------------------

    pub fn periph_read(&mut self, _uc: &mut Uc, addr: u32, len: usize) -> u32 {
        let now = self.clock.now();
        let Some(i) = self.bus.find(addr) else {
            self.emit(
                "bus",
                EventKind::Reg {
                    name: format!("{addr:#010x} (no model)"),
                    write: false,
                    value: 0,
                },
            );
            return 0;
        };
        let access = Access::from_len(len).unwrap_or(Access::Word);
        let v = self
            .bus
            .read(i, addr, access, now, &self.name, &mut self.trace);
        self.after_model_access();
        v
    }

    pub fn periph_write(&mut self, _uc: &mut Uc, addr: u32, len: usize, value: u32) {
        let now = self.clock.now();
        let Some(i) = self.bus.find(addr) else {
            self.emit(
                "bus",
                EventKind::Reg {
                    name: format!("{addr:#010x} (no model)"),
                    write: true,
                    value,
                },
            );
            return;
        };
        let access = Access::from_len(len).unwrap_or(Access::Word);
        self.bus
            .write(i, addr, access, value, now, &self.name, &mut self.trace);
        self.after_model_access();
    }

    fn after_model_access(&mut self) {
        self.apply_irq_lines();
        let next = self.next_event_cycle();
        let hot = &self.clock.hot;
        hot.set_stop_at(hot.stop_at().min(next));
    }

    pub fn scs_read(&mut self, _uc: &mut Uc, addr: u32, len: usize) -> u32 {
        self.scs.read(addr, len, self.clock.cycles())
    }

    pub fn scs_write(&mut self, _uc: &mut Uc, addr: u32, len: usize, value: u32) {
        self.scs.write(addr, len, value, self.clock.cycles());
        let e = &self.scs.effects;
        if e.recheck || e.cpacr || e.reset || !e.pended.is_empty() {
            self.clock.hot.set_stop_at(0);
        }
    }

    // ---- traps ----------------------------------------------------------

    pub fn on_interrupt(&mut self, uc: &mut Uc, intno: u32) {
        let r = match intno {
            EXCP_SWI => self.svc(uc),
            EXCP_GALE_WFE => {
                // Event register set: clear it and go on. Else sleep until
                // an event or a preempting exception.
                if !self.take_event() {
                    self.sleeping = true;
                    self.in_wfe = true;
                }
                Ok(None)
            }

            EXCP_BKPT => self.bkpt(uc),
            EXCP_EXCEPTION_EXIT => {
                // The branch cleared bit 0 of the value in PC (it went to
                // the Thumb state bit, always 1 on M-profile).
                let v = uc.reg_read(RegisterARM::PC).unwrap_or(0) as u32 | 1;
                self.exception_return(uc, v)
            }
            EXCP_NOCP => self.fault_in_hook(
                uc,
                crate::fault::Fault::usage(
                    scs::scb::cfsr::NOCP,
                    "coprocessor access (FPU disabled in CPACR)",
                ),
            ),
            EXCP_INVSTATE => self.fault_in_hook(
                uc,
                crate::fault::Fault::usage(
                    scs::scb::cfsr::INVSTATE,
                    "invalid state (Thumb bit clear)",
                ),
            ),
            other => {
                let pc = uc.reg_read(RegisterARM::PC).unwrap_or(0) as u32;
                let report = self.report(
                    uc,
                    format!("unsupported CPU exception {other} from unicorn"),
                    pc,
                    None,
                );
                Ok(Some(StopReason::Fault(report)))
            }
        };
        self.settle_hook_result(uc, r);
    }

    /// Turns the outcome of work done inside a hook into a stop if needed.
    pub fn settle_hook_result(&mut self, uc: &mut Uc, r: Result<Option<StopReason>, EngineError>) {
        let stop = match r {
            Ok(None) => {
                if self.sleeping {
                    self.hook_stop = Some(HookStop::Deadline);
                    let _ = uc.emu_stop();
                }
                return;
            }
            Ok(Some(StopReason::Fault(rep))) => HookStop::Fatal(rep),
            Ok(Some(StopReason::Exited { code })) => HookStop::Exit(code),
            Ok(Some(_)) => HookStop::Deadline,
            Err(e) => HookStop::Fatal(FaultReport {
                what: format!("engine error: {e}"),
                pc: self.pc,
                lr: 0,
                symbol: None,
                address: None,
                register: None,
                cfsr: 0,
                hfsr: 0,
            }),
        };
        self.hook_stop = Some(stop);
        let _ = uc.emu_stop();
    }

    fn svc(&mut self, uc: &mut Uc) -> Result<Option<StopReason>, EngineError> {
        // PC already points past the SVC instruction.
        let n = &self.scs.nvic;
        let svc_prio = n.group(n.priority(nvic::SVCALL));
        if svc_prio < self.execution_priority(uc) {
            self.irq_event(nvic::SVCALL, IrqAction::Pend);
            self.enter(uc, nvic::SVCALL)
        } else {
            let pc = uc.reg_read(RegisterARM::PC).unwrap_or(0) as u32;
            self.fault_in_hook_at(
                uc,
                crate::fault::Fault::forced("SVC executed at a priority that cannot take SVCall"),
                pc.wrapping_sub(2),
            )
        }
    }

    fn bkpt(&mut self, uc: &mut Uc) -> Result<Option<StopReason>, EngineError> {
        let pc = uc.reg_read(RegisterARM::PC).unwrap_or(0) as u32;
        let mut hw = [0u8; 2];
        let is_semihosting =
            uc.mem_read(pc as u64, &mut hw).is_ok() && u16::from_le_bytes(hw) == 0xbeab;
        if !is_semihosting {
            return self.fault_in_hook_at(uc, crate::fault::Fault::debug(), pc);
        }
        let op = uc.reg_read(RegisterARM::R0).unwrap_or(0) as u32;
        let r1 = uc.reg_read(RegisterARM::R1).unwrap_or(0) as u32;
        let outcome = semihosting::call(op, r1, &mut |a, buf| uc.mem_read(a as u64, buf).is_ok());
        let ret = |uc: &mut Uc, r0: u32| -> Result<(), EngineError> {
            uc.reg_write(RegisterARM::R0, r0 as u64)
                .map_err(EngineError::uc("semihosting return"))?;
            uc.reg_write(RegisterARM::PC, (pc + 2) as u64 | 1)
                .map_err(EngineError::uc("semihosting return"))
        };
        match outcome {
            Outcome::Return(r0) => ret(uc, r0)?,
            Outcome::Console { bytes, r0 } => {
                self.emit(
                    "semihosting",
                    EventKind::Console {
                        text: String::from_utf8_lossy(&bytes).into_owned(),
                    },
                );
                ret(uc, r0)?;
            }
            Outcome::Exit(code) => {
                uc.reg_write(RegisterARM::PC, (pc + 2) as u64 | 1)
                    .map_err(EngineError::uc("semihosting exit"))?;
                return Ok(Some(StopReason::Exited { code }));
            }
            Outcome::Refused(what) => {
                let what = format!("semihosting call refused: {what}");
                self.emit("semihosting", EventKind::Fault { what: what.clone() });
                let report = self.report(uc, what, pc, None);
                return Ok(Some(StopReason::Fault(report)));
            }
        }
        Ok(None)
    }

    /// Builds a fault report for the current CPU state.
    pub fn report(&self, uc: &Uc, what: String, pc: u32, address: Option<u32>) -> FaultReport {
        let lr = uc.reg_read(RegisterARM::LR).unwrap_or(0) as u32;
        FaultReport {
            what,
            pc,
            lr,
            symbol: self.symbols.function_at(pc),
            address,
            register: address
                .and_then(|a| self.bus.register_name(a).or_else(|| scs::register_name(a))),
            cfsr: self.scs.scb.cfsr,
            hfsr: self.scs.scb.hfsr,
        }
    }
}

/// The block hook. The translated code keeps the clock itself and calls
/// this only for a block that starts at or after `JitClock::deadline`
/// (the next event, or 0 while a masked exception is pending), with the
/// block's instruction count in `JitClock::count`: stop before the block,
/// or count it and let it run.
#[inline(always)]
pub(crate) fn on_block(hot: &Hot, sys: &std::cell::RefCell<Sys>, uc: *mut uc_engine) {
    let cycles = hot.jit.cycles.get();
    if cycles >= hot.stop_at() || (hot.watch() && preempts(sys, uc)) {
        if let Ok(mut s) = sys.try_borrow_mut() {
            s.hook_stop = Some(HookStop::Deadline);
        }
        unsafe { uc_emu_stop(uc) };
        return;
    }
    hot.jit.cycles.set(cycles + hot.jit.count.get());
}

fn preempts(sys: &std::cell::RefCell<Sys>, uc: *mut uc_engine) -> bool {
    match sys.try_borrow() {
        Ok(s) if !s.scs.nvic.any_pending() => {
            // Taken since: stop watching until something pends again.
            s.clock.hot.set_watch(false);
            false
        }
        Ok(s) => s.takeable_raw(uc).is_some(),
        Err(_) => false,
    }
}
