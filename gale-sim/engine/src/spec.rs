//! The machine description the runner hands to [`crate::Machine::new`].

use gale_models::Peripheral;
pub use gale_trace::Nanos;

/// The CPU core of one machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreKind {
    /// ARMv7-M without FPU (STM32F100).
    CortexM3,
    /// ARMv7E-M with single-precision FPU (RT1176 secondary core).
    CortexM4F,
    /// ARMv7E-M with FPU (RT1176 primary core; modelled single precision as
    /// unicorn's cortex-m7).
    CortexM7F,
}

impl CoreKind {
    /// SCB.CPUID of the modelled silicon revision.
    pub fn cpuid(self) -> u32 {
        match self {
            CoreKind::CortexM3 => 0x411f_c231,  // r1p1
            CoreKind::CortexM4F => 0x410f_c241, // r0p1
            CoreKind::CortexM7F => 0x411f_c271, // r1p1
        }
    }

    pub fn has_fpu(self) -> bool {
        !matches!(self, CoreKind::CortexM3)
    }

    /// Number of implemented priority bits (the STM32F1 and i.MX RT have 4).
    pub fn priority_bits(self) -> u32 {
        4
    }
}

/// A RAM or ROM region. Unicorn maps in 4 KiB pages, so `base` and `size`
/// must be multiples of 4 KiB.
#[derive(Clone, Debug)]
pub struct MemoryRegion {
    pub name: String,
    pub base: u32,
    pub size: u32,
    pub writable: bool,
    pub executable: bool,
    /// Host memory shared with other machines (another core of the same
    /// chip) instead of private memory. Must be `size` bytes, writable and
    /// not executable: another core's stores would not invalidate this
    /// core's translated code.
    pub shared: Option<crate::SharedMemory>,
    /// Further addresses where the same memory answers (the STM32's boot
    /// alias of flash at 0), with the same permissions. Code written through
    /// one address and then executed through another is not re-translated.
    pub aliases: Vec<u32>,
}

impl MemoryRegion {
    /// Private memory of this machine.
    pub fn new(
        name: impl Into<String>,
        base: u32,
        size: u32,
        writable: bool,
        executable: bool,
    ) -> Self {
        MemoryRegion {
            name: name.into(),
            base,
            size,
            writable,
            executable,
            shared: None,
            aliases: Vec::new(),
        }
    }

    /// Every address the memory answers at: `base`, then the aliases.
    pub fn addresses(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.base).chain(self.aliases.iter().copied())
    }
}

/// A peripheral model placed at `base` (its window is `model.size()` bytes).
pub struct MappedPeripheral {
    pub base: u32,
    pub model: Box<dyn Peripheral>,
}

/// Everything the engine needs to build one machine (one core of a board).
pub struct MachineSpec {
    /// Machine name, stamped on every trace event.
    pub name: String,
    pub core: CoreKind,
    /// Virtual clock: one retired instruction is one cycle at this frequency.
    pub cpu_hz: u64,
    /// Number of external interrupts (IRQ0..IRQn-1) the NVIC implements.
    pub nvic_irqs: u32,
    pub memories: Vec<MemoryRegion>,
    pub peripherals: Vec<MappedPeripheral>,
    /// Emit `EventKind::Irq` events on exception pend/entry/exit.
    pub trace_irqs: bool,
}

/// Hard caps that end a hung run with a report instead of a hang. Both are
/// totals since the machine was created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub time: Nanos,
    pub instructions: u64,
}

impl Limits {
    /// No caps (the caller's `run_until` time still bounds the run).
    pub const NONE: Limits = Limits {
        time: u64::MAX,
        instructions: u64::MAX,
    };
}
