//! [`Machine`]: one Cortex-M core with its memory, peripherals and clock.

use crate::bitband;
use crate::bus::{Bus, Slot};
use crate::cpu::CpuState;
use crate::elf::{self, Symbols};
use crate::rtt;
use crate::sys::{HookStop, Sys, DWT_BASE, SCS_BASE, SCS_SIZE};
use crate::{
    CoreKind, EngineError, FaultReport, Limits, MachineSpec, MemoryRegion, Nanos, StopReason,
};
use gale_models::{Ctx, Peripheral};
use gale_trace::{Event, EventKind, Trace};
use std::cell::RefCell;
use std::ffi::c_void;
use std::rc::Rc;
use unicorn_engine::{
    Arch, ArmCpuModel, HookType, MemType, Mode, Prot, RegisterARM, TlbEntry, TlbType, Unicorn,
};
use unicorn_engine_sys::{uc_engine, uc_error, uc_gale_set_clock, uc_hook, uc_hook_add};

const PAGE: u32 = 0x1000;
/// `until` address for emu_start that can never be a Thumb PC.
const NEVER: u64 = 0xffff_ffff;

pub struct Machine {
    // Field order matters: unicorn (and its hooks) drop before their state.
    uc: Unicorn<'static, ()>,
    sys: Rc<RefCell<Sys>>,
    _hook_ctx: Rc<BlockHookCtx>,
    /// Set once the firmware exited or faulted beyond recovery.
    finished: Option<StopReason>,
    loaded: bool,
    /// Writable memories (base, size): where an RTT control block can live.
    /// Peripheral windows are never scanned (reads there have effects).
    rams: Vec<(u32, u32)>,
    /// Every memory window (base, size), aliases included, for probe-style access.
    memories: Vec<(u32, u32)>,
    /// Host memory shared with other machines or mapped at aliases, kept
    /// alive for unicorn.
    _shared: Vec<crate::SharedMemory>,
}

impl Machine {
    pub fn new(spec: MachineSpec) -> Result<Machine, EngineError> {
        let bad = |what: String| EngineError::BadSpec {
            machine: spec.name.clone(),
            what,
        };
        let rams: Vec<(u32, u32)> = spec
            .memories
            .iter()
            .filter(|m| m.writable)
            .map(|m| (m.base, m.size))
            .collect();
        if spec.cpu_hz == 0 {
            return Err(bad("cpu_hz is 0".into()));
        }
        if spec.nvic_irqs == 0 || spec.nvic_irqs > 496 {
            return Err(bad(format!(
                "nvic_irqs is {} (must be 1..=496)",
                spec.nvic_irqs
            )));
        }
        let mut uc = Unicorn::new(Arch::ARM, Mode::MCLASS | Mode::THUMB | Mode::LITTLE_ENDIAN)
            .map_err(EngineError::uc("creating the CPU"))?;
        crate::tb::configure(&mut uc, &spec)?;
        let model = match spec.core {
            CoreKind::CortexM3 => ArmCpuModel::CORTEX_M3,
            CoreKind::CortexM4F => ArmCpuModel::CORTEX_M4,
            CoreKind::CortexM7F => ArmCpuModel::CORTEX_M7,
        };
        uc.ctl_set_cpu_model(model as i32)
            .map_err(EngineError::uc("selecting the CPU model"))?;

        // Memories: whole 4 KiB pages, no overlaps.
        let mut ranges: Vec<(u64, u64, String)> = Vec::new();
        let mut shared = Vec::new();
        for m in &spec.memories {
            for at in m.addresses() {
                if at % PAGE != 0 || m.size % PAGE != 0 || m.size == 0 {
                    return Err(bad(format!(
                        "memory `{}` at {at:#010x} size {:#x} must start and end on a 4 KiB boundary",
                        m.name, m.size
                    )));
                }
                let what = if at == m.base {
                    m.name.clone()
                } else {
                    format!("{} (alias)", m.name)
                };
                add_range(&mut ranges, at as u64, m.size as u64, &what).map_err(bad)?;
            }
            let mut prot = Prot::READ;
            if m.writable {
                prot |= Prot::WRITE;
            }
            if m.executable {
                prot |= Prot::EXEC;
            }
            let host = match &m.shared {
                None if m.aliases.is_empty() => {
                    uc.mem_map(m.base as u64, m.size as u64, prot)
                        .map_err(EngineError::uc("mapping memory"))?;
                    continue;
                }
                // Aliases of private memory: one host copy mapped at every address.
                None => crate::SharedMemory::new(m.size)
                    .ok_or_else(|| bad(format!("cannot allocate memory `{}`", m.name)))?,
                Some(host) => {
                    if host.len() != m.size || !m.writable || m.executable {
                        return Err(bad(format!(
                            "shared memory `{}` must be writable, not executable, and exactly its size ({:#x} bytes, the host memory has {:#x})",
                            m.name,
                            m.size,
                            host.len()
                        )));
                    }
                    host.clone()
                }
            };
            for at in m.addresses() {
                // Safety: the host pages outlive unicorn (`Machine::_shared`
                // keeps them and drops after `uc`).
                unsafe { uc.mem_map_ptr(at as u64, m.size as u64, prot, host.as_ptr().cast()) }
                    .map_err(EngineError::uc("mapping shared or aliased memory"))?;
            }
            shared.push(host);
        }

        // Peripherals, sorted, checked for overlap; mapped as MMIO pages.
        let mut slots: Vec<Slot> = spec
            .peripherals
            .into_iter()
            .map(|p| Slot {
                base: p.base,
                size: p.model.size(),
                model: p.model,
            })
            .collect();
        slots.sort_by_key(|s| s.base);
        for w in slots.windows(2) {
            if w[0].base as u64 + w[0].size as u64 > w[1].base as u64 {
                return Err(bad(format!(
                    "peripherals {} and {} overlap",
                    w[0].model.name(),
                    w[1].model.name()
                )));
            }
        }
        for s in &slots {
            if s.size == 0 {
                return Err(bad(format!(
                    "peripheral {} has an empty register window",
                    s.model.name()
                )));
            }
        }
        let mut pages: Vec<u32> = slots
            .iter()
            .flat_map(|s| {
                (s.base / PAGE..=((s.base as u64 + s.size as u64 - 1) / PAGE as u64) as u32)
                    .map(|p| p * PAGE)
            })
            .collect();
        pages.dedup();
        let sys = Rc::new(RefCell::new(Sys::new(
            &spec.name,
            spec.core,
            spec.cpu_hz,
            spec.nvic_irqs,
            spec.trace_irqs,
            Bus {
                slots,
                ..Default::default()
            },
        )));
        // Merge contiguous pages into runs and map each run once.
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for p in pages {
            match runs.last_mut() {
                Some((b, n)) if *b as u64 + *n as u64 == p as u64 => *n += PAGE,
                _ => runs.push((p, PAGE)),
            }
        }
        for (base, size) in runs {
            add_range(&mut ranges, base as u64, size as u64, "peripheral window").map_err(bad)?;
            map_mmio(
                &mut uc,
                &sys,
                base,
                size,
                Sys::periph_read,
                Sys::periph_write,
            )?;
        }
        for (base, size) in [(SCS_BASE, SCS_SIZE), (DWT_BASE, PAGE)] {
            add_range(
                &mut ranges,
                base as u64,
                size as u64,
                "System Control Space",
            )
            .map_err(bad)?;
            map_mmio(&mut uc, &sys, base, size, Sys::scs_read, Sys::scs_write)?;
        }
        // Bit-band aliases (M3/M4) where the chip leaves the range free.
        for band in bitband::aliases(spec.core) {
            if add_range(
                &mut ranges,
                band.alias as u64,
                bitband::ALIAS_SIZE as u64,
                "bit-band alias",
            )
            .is_ok()
            {
                map_mmio(
                    &mut uc,
                    &sys,
                    band.alias,
                    bitband::ALIAS_SIZE,
                    Sys::bitband_read,
                    Sys::bitband_write,
                )?;
            }
        }

        let hook_ctx = Rc::new(BlockHookCtx {
            hot: sys.borrow().clock.hot.clone(),
            sys: sys.clone(),
        });
        // The hooks see every alias as a memory of its own.
        let windows: Vec<MemoryRegion> = spec
            .memories
            .iter()
            .flat_map(|m| {
                m.addresses().map(|base| MemoryRegion {
                    base,
                    aliases: Vec::new(),
                    shared: None,
                    ..m.clone()
                })
            })
            .collect();
        install_hooks(&mut uc, &sys, &hook_ctx, &windows)?;
        let memories = windows.iter().map(|m| (m.base, m.size)).collect();
        let cpu = CpuState::probe(&mut uc)?;
        sys.borrow_mut().cpu = Some(cpu);
        Ok(Machine {
            uc,
            sys,
            _hook_ctx: hook_ctx,
            finished: None,
            loaded: false,
            rams,
            memories,
            _shared: shared,
        })
    }

    /// Loads the ELF's PT_LOAD segments at their load addresses and resets
    /// the core from the vector table.
    pub fn load_elf(&mut self, elf_bytes: &[u8]) -> Result<(), EngineError> {
        let image = elf::parse(elf_bytes)?;
        let machine = self.sys.borrow().name.clone();
        let regions = self
            .uc
            .mem_regions()
            .map_err(EngineError::uc("listing memory"))?;
        let ram_like = |a: u64, n: u64| regions.iter().any(|r| r.begin <= a && a + n <= r.end + 1);
        for seg in &image.segments {
            if seg.data.is_empty() {
                continue;
            }
            let end = seg.lma as u64 + seg.data.len() as u64;
            let slot_hit = self.sys.borrow().bus.find(seg.lma).is_some();
            if !ram_like(seg.lma as u64, seg.data.len() as u64)
                || slot_hit
                || (SCS_BASE..SCS_BASE + SCS_SIZE).contains(&seg.lma)
            {
                return Err(EngineError::SegmentOutsideMemory {
                    machine,
                    index: seg.index,
                    what: format!(
                        "vaddr {:#010x}, {} bytes in file, {} in memory",
                        seg.vaddr,
                        seg.data.len(),
                        seg.memsz
                    ),
                    lma: seg.lma,
                    end,
                });
            }
            self.uc
                .mem_write(seg.lma as u64, &seg.data)
                .map_err(EngineError::uc("loading a segment"))?;
        }
        // The vector table: `.vector_table`, else the lowest executable region.
        let vtor = match image.vector_table {
            Some(v) => v,
            None => regions
                .iter()
                .filter(|r| r.perms & Prot::EXEC.0 != 0)
                .map(|r| r.begin as u32)
                .min()
                .ok_or(EngineError::NoVectorTable)?,
        };
        let mut vt = [0u8; 8];
        self.uc
            .mem_read(vtor as u64, &mut vt)
            .map_err(|_| EngineError::NoVectorTable)?;
        let sp = u32::from_le_bytes(vt[0..4].try_into().unwrap());
        let pc = u32::from_le_bytes(vt[4..8].try_into().unwrap());
        if pc & 1 == 0 || !ram_like((pc & !1) as u64, 2) {
            return Err(EngineError::BadElf(format!(
                "reset vector {pc:#010x} (vector table at {vtor:#010x}) is not a Thumb address in mapped memory"
            )));
        }
        {
            let mut s = self.sys.borrow_mut();
            s.symbols = image.symbols;
            s.reset_vector = (vtor, sp, pc);
            s.rtt = Default::default();
            s.div0.sites = crate::div0::image_sites(&image.segments);
        }
        self.reset_core()?;
        self.loaded = true;
        self.finished = None;
        Ok(())
    }

    fn reset_core(&mut self) -> Result<(), EngineError> {
        self.sys.borrow_mut().reset_core(&mut self.uc)
    }

    /// Runs until virtual time `t` (or an exit, an unrecoverable fault, or a
    /// limit). Several machines can be stepped in lockstep quanta.
    pub fn run_until(&mut self, t: Nanos, limits: &Limits) -> Result<StopReason, EngineError> {
        if !self.loaded {
            return Err(EngineError::NotLoaded(self.sys.borrow().name.clone()));
        }
        if let Some(r) = &self.finished {
            return Ok(r.clone());
        }
        let r = self.run_inner(t, limits)?;
        if matches!(r, StopReason::Exited { .. } | StopReason::Fault(_)) {
            self.finished = Some(r.clone());
        }
        Ok(r)
    }

    fn run_inner(&mut self, t: Nanos, limits: &Limits) -> Result<StopReason, EngineError> {
        let (target, target_is_limit) = if limits.time < t {
            (limits.time, true)
        } else {
            (t, false)
        };
        loop {
            crate::div0::sync(&mut self.uc, &self.sys)?;
            let pc = {
                let mut s = self.sys.borrow_mut();
                let target_cycle = s.clock.cycle_at(target);
                s.service_due(&mut self.uc)?;
                if let Some(stop) = s.finished.take() {
                    return Ok(stop);
                }
                if s.clock.instructions() >= limits.instructions {
                    return Ok(StopReason::InstructionLimit);
                }
                if s.clock.cycles() >= target_cycle {
                    return Ok(if target_is_limit {
                        StopReason::TimeLimit
                    } else {
                        StopReason::TimeReached
                    });
                }
                if let Some(stop) = s.take_pending_exception(&mut self.uc)? {
                    return Ok(stop);
                }
                let next = s.next_event_cycle();
                if s.sleeping {
                    // WFI: nothing to run until the next timer or model event.
                    let wake = next.min(target_cycle);
                    s.clock.sleep_until(wake);
                    continue;
                }
                let budget = limits.instructions - s.clock.instructions();
                s.clock.hot.set_stop_at(
                    next.min(target_cycle)
                        .min(s.clock.cycles().saturating_add(budget)),
                );
                s.hook_stop = None;
                s.pc
            };
            let res = self.uc.emu_start(pc as u64 | 1, NEVER, 0, 0);
            let mut s = self.sys.borrow_mut();
            s.pc = self
                .uc
                .reg_read(RegisterARM::PC)
                .map_err(EngineError::uc("reading pc"))? as u32;
            let hs = s.hook_stop.take();
            match (res, hs) {
                (_, Some(HookStop::Exit(code))) => {
                    let now = s.clock.now();
                    let name = s.name.clone();
                    s.trace.push(Event::new(
                        now,
                        name,
                        "semihosting",
                        EventKind::Exit { code },
                    ));
                    return Ok(StopReason::Exited { code });
                }
                (_, Some(HookStop::Fatal(report))) => return Ok(StopReason::Fault(report)),
                (_, Some(HookStop::DivByZero(pc))) => {
                    s.pc = pc;
                    let f = crate::fault::Fault::usage(
                        crate::scs::scb::cfsr::DIVBYZERO,
                        "integer division by zero (CCR.DIV_0_TRP)",
                    );
                    if let Some(stop) = s.raise(&mut self.uc, f, pc)? {
                        return Ok(stop);
                    }
                }
                (Err(e), hs) => {
                    if let Some(stop) = s.cpu_error(&mut self.uc, e, hs)? {
                        return Ok(stop);
                    }
                }
                (Ok(()), Some(HookStop::Deadline)) => {}
                (Ok(()), None) => s.sleeping = true,
                (Ok(()), Some(HookStop::Memory { .. } | HookStop::Invalid)) => {}
            }
        }
    }

    /// Virtual time now.
    pub fn now(&self) -> Nanos {
        self.sys.borrow().clock.now()
    }

    /// Instructions retired so far.
    pub fn instructions(&self) -> u64 {
        self.sys.borrow().clock.instructions()
    }

    /// Drains the events emitted so far.
    pub fn take_trace(&mut self) -> Trace {
        std::mem::take(&mut self.sys.borrow_mut().trace)
    }

    /// Calls `f` on the peripheral named `name` at the current virtual time
    /// (scenario injection). Interrupt lines it changes take effect at once.
    pub fn with_peripheral<R>(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut dyn Peripheral, &mut Ctx) -> R,
    ) -> Option<R> {
        let mut s = self.sys.borrow_mut();
        let s = &mut *s;
        let i = s.bus.find_name(name)?;
        let now = s.clock.now();
        let slot = &mut s.bus.slots[i];
        let mut ctx = Ctx {
            now,
            machine: &s.name,
            irqs: &mut s.bus.irqs,
            trace: &mut s.trace,
        };
        let r = f(slot.model.as_mut(), &mut ctx);
        s.apply_irq_lines();
        Some(r)
    }

    /// Drains RTT up-channel `channel` (the raw bytes: text, or defmt frames
    /// to decode against the ELF). Empty until the firmware has set up its
    /// control block, or if it has none.
    pub fn rtt_read_up(&mut self, channel: usize) -> Vec<u8> {
        match self.rtt_control_block() {
            Some(cb) => rtt::read_up(&mut UcMemory(&mut self.uc), cb, channel),
            None => Vec::new(),
        }
    }

    /// Reads target memory the way a debug probe does (no side effects: only
    /// memories, never peripheral windows); false if any byte is outside
    /// the memories.
    pub fn read_memory(&mut self, addr: u32, buf: &mut [u8]) -> bool {
        self.in_memories(addr, buf.len()) && self.uc.mem_read(addr as u64, buf).is_ok()
    }

    /// Writes target memory the way a debug probe does, read-only memories
    /// included (a probe programs flash); false if any byte is outside the
    /// memories.
    pub fn write_memory(&mut self, addr: u32, bytes: &[u8]) -> bool {
        self.in_memories(addr, bytes.len()) && self.uc.mem_write(addr as u64, bytes).is_ok()
    }

    fn in_memories(&self, addr: u32, len: usize) -> bool {
        let end = addr as u64 + len as u64;
        self.memories
            .iter()
            .any(|&(b, n)| b as u64 <= addr as u64 && end <= b as u64 + n as u64)
    }

    /// Writes `bytes` into RTT down-channel `channel` as far as it has room;
    /// returns how many were written (0 without a control block).
    pub fn rtt_write_down(&mut self, channel: usize, bytes: &[u8]) -> usize {
        match self.rtt_control_block() {
            Some(cb) => rtt::write_down(&mut UcMemory(&mut self.uc), cb, channel, bytes),
            None => 0,
        }
    }

    /// The RTT control block: `_SEGGER_RTT` from the ELF, else a scan of
    /// RAM at doubling virtual times (see `rtt::Locator`).
    fn rtt_control_block(&mut self) -> Option<u32> {
        let mut s = self.sys.borrow_mut();
        let s = &mut *s;
        let (sym, now) = (s.symbols.address_of("_SEGGER_RTT"), s.clock.now());
        s.rtt
            .find(&mut UcMemory(&mut self.uc), sym, &self.rams, now)
    }

    /// How many times RAM was scanned for an RTT control block (an ELF
    /// without `_SEGGER_RTT`); for tests and measurements.
    #[doc(hidden)]
    pub fn rtt_scans(&self) -> u32 {
        self.sys.borrow().rtt.scans()
    }

    /// The ELF's function and object symbols.
    pub fn symbols(&self) -> Symbols {
        self.sys.borrow().symbols.clone()
    }
}

/// Target memory through unicorn, for the RTT host side.
struct UcMemory<'a, 'b>(&'a mut Unicorn<'b, ()>);

impl rtt::TargetMemory for UcMemory<'_, '_> {
    fn read(&mut self, addr: u32, buf: &mut [u8]) -> bool {
        self.0.mem_read(addr as u64, buf).is_ok()
    }
    fn write(&mut self, addr: u32, bytes: &[u8]) -> bool {
        self.0.mem_write(addr as u64, bytes).is_ok()
    }
}

fn add_range(
    ranges: &mut Vec<(u64, u64, String)>,
    base: u64,
    size: u64,
    name: &str,
) -> Result<(), String> {
    if let Some((b, n, other)) = ranges
        .iter()
        .find(|(b, n, _)| base < b + n && *b < base + size)
    {
        return Err(format!(
            "`{name}` at {base:#010x}+{size:#x} overlaps `{other}` at {b:#010x}+{n:#x}"
        ));
    }
    ranges.push((base, size, name.to_string()));
    Ok(())
}

type ReadFn = fn(&mut Sys, &mut Unicorn<'_, ()>, u32, usize) -> u32;
type WriteFn = fn(&mut Sys, &mut Unicorn<'_, ()>, u32, usize, u32);

fn map_mmio(
    uc: &mut Unicorn<'static, ()>,
    sys: &Rc<RefCell<Sys>>,
    base: u32,
    size: u32,
    r: ReadFn,
    w: WriteFn,
) -> Result<(), EngineError> {
    let (s1, s2) = (sys.clone(), sys.clone());
    uc.mmio_map(
        base as u64,
        size as u64,
        Some(
            move |uc: &mut Unicorn<'_, ()>, off: u64, len: usize| -> u64 {
                match s1.try_borrow_mut() {
                    Ok(mut s) => r(&mut s, uc, base + off as u32, len) as u64,
                    Err(_) => 0,
                }
            },
        ),
        Some(
            move |uc: &mut Unicorn<'_, ()>, off: u64, len: usize, v: u64| {
                if let Ok(mut s) = s2.try_borrow_mut() {
                    w(&mut s, uc, base + off as u32, len, v as u32)
                }
            },
        ),
    )
    .map_err(EngineError::uc("mapping a peripheral window"))
}

/// What the raw block hook gets as user data.
struct BlockHookCtx {
    hot: Rc<crate::clock::Hot>,
    sys: Rc<RefCell<Sys>>,
}

fn install_hooks(
    uc: &mut Unicorn<'static, ()>,
    sys: &Rc<RefCell<Sys>>,
    ctx: &Rc<BlockHookCtx>,
    memories: &[MemoryRegion],
) -> Result<(), EngineError> {
    // The block hook runs for every block executed: registered through the
    // C API with a plain pointer to the shared state (kept alive by the
    // Machine, which drops unicorn first).
    #[inline(never)]
    unsafe extern "C" fn on_block(uc: *mut uc_engine, _addr: u64, _size: u32, user: *mut c_void) {
        let ctx = unsafe { &*(user as *const BlockHookCtx) };
        crate::sys::on_block(&ctx.hot, &ctx.sys, uc);
    }
    let mut hh: uc_hook = 0;
    let cb: unsafe extern "C" fn(*mut uc_engine, u64, u32, *mut c_void) = on_block;
    let err = unsafe {
        uc_hook_add(
            uc.get_handle(),
            &mut hh,
            HookType::BLOCK.0 as i32,
            cb as *mut c_void,
            Rc::as_ptr(ctx) as *mut c_void,
            1u64,
            0u64,
        )
    };
    if err != uc_error::OK {
        return Err(EngineError::Unicorn {
            during: "adding the block hook",
            err,
        });
    }
    // The translated code counts instructions into `hot.jit` and calls the
    // block hook only at the deadline (patched unicorn, see
    // vendor/unicorn-sys/GALE-PATCHES.md).
    let clock = &ctx.hot.jit as *const crate::clock::JitClock as *mut u64;
    let err = unsafe { uc_gale_set_clock(uc.get_handle(), clock) };
    if err != uc_error::OK {
        return Err(EngineError::Unicorn {
            during: "installing the instruction clock",
            err,
        });
    }
    let s = sys.clone();
    uc.add_intr_hook(move |uc, intno| {
        if let Ok(mut s) = s.try_borrow_mut() {
            s.on_interrupt(uc, intno);
        }
    })
    .map_err(EngineError::uc("adding the interrupt hook"))?;
    // Memory-fault hooks only where faults can happen: unicorn treats any
    // page covered by a memory hook as "hooked" and sends every store to it
    // down the slow path, so RAM must stay uncovered. Unmapped accesses are
    // caught over the gaps between memories, writes to read-only memory
    // over those memories; fetches from non-executable memory come back as
    // an emulation error at the PC.
    let mut hooks: Vec<(HookType, u64, u64)> = Vec::new();
    let mut start = 0u64;
    let mut mems: Vec<&MemoryRegion> = memories.iter().collect();
    mems.sort_by_key(|m| m.base);
    for m in &mems {
        if (m.base as u64) > start {
            hooks.push((HookType::MEM_UNMAPPED, start, m.base as u64 - 1));
        }
        start = m.base as u64 + m.size as u64;
        if !m.writable {
            hooks.push((HookType::MEM_WRITE_PROT, m.base as u64, start - 1));
        }
    }
    if start <= 0xffff_ffff {
        hooks.push((HookType::MEM_UNMAPPED, start, 0xffff_ffff));
    }
    // Unicorn's TLB with the CPU's own (MPU-less, default-map) permissions
    // marks all of SRAM executable, and a store to an executable page always
    // takes the slow self-modifying-code path. With the virtual TLB, page
    // permissions come from the memory regions instead: RAM not marked
    // executable gets fast stores. A fetch from non-executable memory is
    // refused here and reported as a fault.
    uc.ctl_set_tlb_type(TlbType::VIRTUAL)
        .map_err(EngineError::uc("selecting the virtual TLB"))?;
    let regions: Vec<(u64, u64, Prot)> = memories
        .iter()
        .map(|m| {
            let mut p = Prot::READ;
            if m.writable {
                p |= Prot::WRITE;
            }
            if m.executable {
                p |= Prot::EXEC;
            }
            (m.base as u64, m.base as u64 + m.size as u64, p)
        })
        .collect();
    let s = sys.clone();
    uc.add_tlb_hook(1, 0, move |_uc, vaddr, access: MemType| {
        let perms = regions
            .iter()
            .find(|r| r.0 <= vaddr && vaddr < r.1)
            .map_or(Prot::ALL, |r| r.2);
        // Stores to read-only memory are left to unicorn's region check,
        // which reports the exact address to the WRITE_PROT hook.
        let refused = match access {
            MemType::FETCH if perms.0 & Prot::EXEC.0 == 0 => Some(MemType::FETCH_PROT),
            _ => None,
        };
        let perms = if access == MemType::WRITE {
            perms | Prot::WRITE
        } else {
            perms
        };
        if let Some(kind) = refused {
            if let Ok(mut s) = s.try_borrow_mut() {
                let addr = vaddr as u32;
                s.hook_stop = Some(HookStop::Memory {
                    kind,
                    addr,
                    size: 0,
                });
            }
            return None;
        }
        Some(TlbEntry {
            paddr: vaddr,
            perms,
        })
    })
    .map_err(EngineError::uc("adding the TLB hook"))?;
    for (kind, begin, end) in hooks {
        let s = sys.clone();
        uc.add_mem_hook(
            kind,
            begin,
            end,
            move |_uc, kind: MemType, addr, size, _value| {
                if let Ok(mut s) = s.try_borrow_mut() {
                    s.hook_stop = Some(HookStop::Memory {
                        kind,
                        addr: addr as u32,
                        size,
                    });
                }
                false
            },
        )
        .map_err(EngineError::uc("adding a memory fault hook"))?;
    }
    let s = sys.clone();
    uc.add_insn_invalid_hook(move |uc| match s.try_borrow_mut() {
        Ok(mut s) => s.on_invalid_instruction(uc),
        Err(_) => false,
    })
    .map_err(EngineError::uc("adding the invalid instruction hook"))?;
    Ok(())
}

#[allow(dead_code)]
fn _assert_fault_report_is_send(r: FaultReport) -> impl Send {
    r
}
