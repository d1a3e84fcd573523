//! Why a run stopped, and the fault report shown to the user.

use std::fmt;

/// Why [`crate::Machine::run_until`] returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Virtual time reached the requested time; the machine can be resumed.
    TimeReached,
    /// The firmware exited through semihosting.
    Exited { code: i32 },
    /// The firmware faulted with nobody to handle it (or locked up), or made
    /// a refused semihosting call. The run cannot continue.
    Fault(FaultReport),
    /// `Limits::instructions` retired instructions.
    InstructionLimit,
    /// `Limits::time` of virtual time passed.
    TimeLimit,
}

/// What went wrong, where, in terms a firmware developer can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultReport {
    /// e.g. `HardFault (escalated from BusFault: precise data bus error)`.
    pub what: String,
    pub pc: u32,
    pub lr: u32,
    /// The function containing `pc`, from the ELF symbol table.
    pub symbol: Option<String>,
    /// The faulting data address, when there is one.
    pub address: Option<u32>,
    /// `PERIPHERAL.offset` or a named register when the address is in a
    /// peripheral window.
    pub register: Option<String>,
    /// Fault status registers at the time (CFSR, HFSR) when relevant.
    pub cfsr: u32,
    pub hfsr: u32,
}

impl fmt::Display for FaultReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at pc={:#010x}", self.what, self.pc)?;
        if let Some(s) = &self.symbol {
            write!(f, " ({s})")?;
        }
        write!(f, " lr={:#010x}", self.lr)?;
        if let Some(a) = self.address {
            write!(f, " address={a:#010x}")?;
        }
        if let Some(r) = &self.register {
            write!(f, " [{r}]")?;
        }
        if self.cfsr != 0 || self.hfsr != 0 {
            write!(f, " CFSR={:#010x} HFSR={:#010x}", self.cfsr, self.hfsr)?;
        }
        Ok(())
    }
}
