//! Direct access to the M-profile CPU state that unicorn keeps but does not
//! let us write: IPSR (the exception number, which decides Handler mode,
//! privilege and stack selection inside QEMU), CONTROL, the banked stack
//! pointers, the IT state, CPACR/FPCCR/FPDSCR.
//!
//! Unicorn's context API copies the whole `CPUARMState` out and back in; we
//! patch fields in the copy. Field offsets are discovered at start-up by
//! writing marker values through the public register API and finding them in
//! the copy, then cross-checked against QEMU's `v7m` struct layout, so a
//! different unicorn build fails loudly instead of corrupting state.

use crate::EngineError;
use unicorn_engine::{RegisterARM, Unicorn};
use unicorn_engine_sys::{
    uc_context, uc_context_alloc, uc_context_free, uc_context_restore, uc_context_save,
    uc_context_size, uc_error,
};

/// Fields of QEMU's `CPUARMState.v7m`, as byte offsets from `other_sp` of
/// bank 0. Banked fields (`[M_REG_NUM_BANKS]`) are read in the bank QEMU
/// uses, `v7m.secure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum V7m {
    OtherSp,
    Basepri,
    Control,
    /// `control[M_REG_S]`: where QEMU keeps CONTROL.FPCA.
    ControlS,
    Exception,
    Primask,
    Faultmask,
    Secure,
    Fpccr,
    Fpdscr,
    Cpacr,
}

impl V7m {
    /// (offset of bank 0, banked)
    fn layout(self) -> (usize, bool) {
        match self {
            V7m::OtherSp => (0, false),
            V7m::Basepri => (20, true),
            V7m::Control => (28, true),
            V7m::ControlS => (32, false),
            V7m::Exception => (88, false),
            V7m::Primask => (92, true),
            V7m::Faultmask => (100, true),
            V7m::Secure => (112, false),
            V7m::Fpccr => (156, true),
            V7m::Fpdscr => (164, true),
            V7m::Cpacr => (172, true),
        }
    }
}

pub(crate) const CONTROL_NPRIV: u32 = 1;
pub(crate) const CONTROL_SPSEL: u32 = 2;
pub(crate) const CONTROL_FPCA: u32 = 4;

/// A saved copy of the CPU state that can be read, patched and restored.
pub(crate) struct CpuState {
    ctx: *mut uc_context,
    data: usize,
    v7m: usize,
    /// `v7m.secure`: the bank QEMU uses for banked registers.
    bank: usize,
    /// Offset of `condexec_bits` (the IT state), found from the flag words.
    condexec: usize,
    len: usize,
}

impl Drop for CpuState {
    fn drop(&mut self) {
        unsafe {
            uc_context_free(self.ctx);
        }
    }
}

fn uc_ok(e: uc_error, during: &'static str) -> Result<(), EngineError> {
    if e == uc_error::OK {
        Ok(())
    } else {
        Err(EngineError::Unicorn { during, err: e })
    }
}

impl CpuState {
    /// Allocates the context buffer and discovers the field layout. Must run
    /// on a freshly created (privileged, Thread mode, MSP) CPU.
    pub fn probe<D>(uc: &mut Unicorn<'_, D>) -> Result<CpuState, EngineError> {
        let handle = uc.get_handle();
        let mut ctx: *mut uc_context = std::ptr::null_mut();
        uc_ok(
            unsafe { uc_context_alloc(handle, &mut ctx) },
            "context allocation",
        )?;
        let total = unsafe { uc_context_size(handle) };
        // `struct uc_context` starts with `size_t context_size`.
        let len = unsafe { std::ptr::read(ctx as *const usize) };
        let mut st = CpuState {
            ctx,
            data: total - len,
            v7m: 0,
            bank: 0,
            condexec: 0,
            len,
        };
        let bad = |what: &str| {
            EngineError::BadSpec {
            machine: "(engine)".into(),
            what: format!("unicorn CPU state layout not recognised ({what}); gale-engine supports unicorn-engine 2.1.x"),
        }
        };
        let w = |uc: &mut Unicorn<'_, D>, r: RegisterARM, v: u32| {
            uc.reg_write(r, v as u64).map_err(EngineError::uc("probe"))
        };
        w(uc, RegisterARM::R0, 0x1357_9bd1)?;
        w(uc, RegisterARM::SP, 0x2468_ace0)?;
        w(uc, RegisterARM::PSP, 0x5a5a_1230)?;
        st.save(uc)?;
        if st.raw(0) != 0x1357_9bd1 || st.raw(13 * 4) != 0x2468_ace0 {
            return Err(bad("general registers"));
        }
        let hits: Vec<usize> = (0..st.len / 4)
            .map(|i| i * 4)
            .filter(|&o| st.raw(o) == 0x5a5a_1230)
            .collect();
        let [other_sp] = hits[..] else {
            return Err(bad("other_sp"));
        };
        st.v7m = other_sp;
        st.bank = match st.get(V7m::Secure) {
            b @ (0 | 1) => b as usize,
            _ => return Err(bad("v7m.secure")),
        };
        w(uc, RegisterARM::BASEPRI, 0x60)?;
        w(uc, RegisterARM::PRIMASK, 1)?;
        w(uc, RegisterARM::FAULTMASK, 1)?;
        st.save(uc)?;
        if st.get(V7m::Basepri) != 0x60
            || st.get(V7m::Primask) != 1
            || st.get(V7m::Faultmask) != 1
            || st.get(V7m::Exception) != 0
        {
            return Err(bad("v7m special registers"));
        }
        for r in [
            RegisterARM::BASEPRI,
            RegisterARM::PRIMASK,
            RegisterARM::FAULTMASK,
            RegisterARM::R0,
            RegisterARM::SP,
            RegisterARM::PSP,
        ] {
            w(uc, r, 0)?;
        }
        // The IT state has no register API: find QEMU's flag words (CF, VF,
        // NF, ZF, QF, GE, thumb, condexec_bits) from the C flag, check the V
        // flag and the Thumb bit beside it.
        w(uc, RegisterARM::APSR, 0)?;
        st.save(uc)?;
        let before: Vec<u32> = (0..st.len / 4).map(|i| st.raw(i * 4)).collect();
        w(uc, RegisterARM::APSR, 0x2000_0000)?;
        st.save(uc)?;
        let changed: Vec<usize> = (0..st.len / 4)
            .filter(|&i| st.raw(i * 4) != before[i])
            .map(|i| i * 4)
            .collect();
        // C lands in CF (first word) and NF holds the whole value.
        let [cf, nf] = changed[..] else {
            return Err(bad("C flag"));
        };
        if nf != cf + 8 || st.raw(cf) != 1 || st.raw(nf) != 0x2000_0000 {
            return Err(bad("C flag"));
        }
        w(uc, RegisterARM::APSR, 0x1000_0000)?;
        st.save(uc)?;
        if st.raw(cf) != 0
            || st.raw(cf + 4) != 0x8000_0000
            || st.raw(cf + 24) > 1
            || st.raw(cf + 28) != 0
        {
            return Err(bad("V flag / Thumb bit"));
        }
        w(uc, RegisterARM::APSR, 0)?;
        st.condexec = cf + 28;
        Ok(st)
    }

    pub fn save<D>(&mut self, uc: &mut Unicorn<'_, D>) -> Result<(), EngineError> {
        uc_ok(
            unsafe { uc_context_save(uc.get_handle(), self.ctx) },
            "context save",
        )
    }

    /// Writes the (patched) copy back and makes QEMU recompute its cached
    /// translation flags (Handler mode, privilege, FP enable).
    pub fn restore<D>(&mut self, uc: &mut Unicorn<'_, D>) -> Result<(), EngineError> {
        uc_ok(
            unsafe { uc_context_restore(uc.get_handle(), self.ctx) },
            "context restore",
        )?;
        // Writing APSR_NZCV runs arm_rebuild_hflags(); write back the same flags.
        let apsr = uc
            .reg_read(RegisterARM::APSR_NZCV)
            .map_err(EngineError::uc("flags read"))?;
        uc.reg_write(RegisterARM::APSR_NZCV, apsr)
            .map_err(EngineError::uc("hflags rebuild"))
    }

    fn raw(&self, off: usize) -> u32 {
        assert!(off + 4 <= self.len);
        unsafe {
            let p = (self.ctx as *const u8).add(self.data + off);
            std::ptr::read_unaligned(p as *const u32)
        }
    }

    fn set_raw(&mut self, off: usize, v: u32) {
        assert!(off + 4 <= self.len);
        unsafe {
            let p = (self.ctx as *mut u8).add(self.data + off);
            std::ptr::write_unaligned(p as *mut u32, v)
        }
    }

    /// General register `n` (r0-r15; r13 is the stack pointer in use).
    pub fn reg(&self, n: usize) -> u32 {
        self.raw(n * 4)
    }

    pub fn set_reg(&mut self, n: usize, v: u32) {
        self.set_raw(n * 4, v)
    }

    fn offset(&self, f: V7m) -> usize {
        let (off, banked) = f.layout();
        self.v7m + off + if banked { 4 * self.bank } else { 0 }
    }

    pub fn get(&self, f: V7m) -> u32 {
        self.raw(self.offset(f))
    }

    pub fn set(&mut self, f: V7m, v: u32) {
        self.set_raw(self.offset(f), v)
    }

    /// Whether the CPU (as QEMU sees it) runs on the process stack.
    pub fn using_psp(&self) -> bool {
        self.get(V7m::Exception) == 0 && self.get(V7m::Control) & CONTROL_SPSEL != 0
    }

    pub fn msp(&self) -> u32 {
        if self.using_psp() {
            self.get(V7m::OtherSp)
        } else {
            self.reg(13)
        }
    }

    pub fn psp(&self) -> u32 {
        if self.using_psp() {
            self.reg(13)
        } else {
            self.get(V7m::OtherSp)
        }
    }

    /// Sets the exception number, CONTROL and both stack pointers together,
    /// placing the active one in r13 as QEMU expects.
    pub fn set_mode(&mut self, exception: u32, control: u32, msp: u32, psp: u32) {
        self.set(V7m::Exception, exception);
        let other = self.get(V7m::Control) & !(CONTROL_NPRIV | CONTROL_SPSEL | CONTROL_FPCA);
        self.set(
            V7m::Control,
            other | (control & (CONTROL_NPRIV | CONTROL_SPSEL)),
        );
        // CONTROL.FPCA lives in the Secure bank's word (maybe the same word).
        let fpca = self.get(V7m::ControlS) & !CONTROL_FPCA;
        self.set(V7m::ControlS, fpca | (control & CONTROL_FPCA));
        if self.using_psp() {
            self.set_reg(13, psp);
            self.set(V7m::OtherSp, msp);
        } else {
            self.set_reg(13, msp);
            self.set(V7m::OtherSp, psp);
        }
    }

    /// The IT state (ITSTATE[7:0]); non-zero inside an IT block.
    pub fn it_state(&self) -> u32 {
        self.raw(self.condexec) & 0xff
    }

    pub fn set_it_state(&mut self, it: u32) {
        self.set_raw(self.condexec, it & 0xff)
    }

    /// CONTROL as the architecture defines it (nPRIV, SPSEL, FPCA).
    pub fn control(&self) -> u32 {
        (self.get(V7m::Control) & (CONTROL_NPRIV | CONTROL_SPSEL))
            | (self.get(V7m::ControlS) & CONTROL_FPCA)
    }
}
