use gale_trace::{Event, EventKind, Nanos, Trace};

/// Width of one bus access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Byte = 1,
    Half = 2,
    Word = 4,
}

impl Access {
    pub fn from_len(len: usize) -> Option<Access> {
        match len {
            1 => Some(Access::Byte),
            2 => Some(Access::Half),
            4 => Some(Access::Word),
            _ => None,
        }
    }

    pub fn bytes(self) -> u32 {
        self as u32
    }
}

/// Interrupt request lines raised or lowered by models during one call.
///
/// Lines are level-sensitive external interrupt numbers (IRQn, the NVIC's
/// numbering: exception number - 16). The engine applies them to its NVIC
/// after each model call.
#[derive(Debug, Default)]
pub struct IrqLines {
    changes: Vec<(u32, bool)>,
}

impl IrqLines {
    pub fn set(&mut self, irq: u32, level: bool) {
        self.changes.push((irq, level));
    }

    pub fn drain(&mut self) -> impl Iterator<Item = (u32, bool)> + '_ {
        self.changes.drain(..)
    }
}

/// What a model may touch while handling an access or a time step.
pub struct Ctx<'a> {
    /// Virtual time now, in nanoseconds.
    pub now: Nanos,
    /// The machine this model belongs to (for trace events).
    pub machine: &'a str,
    pub irqs: &'a mut IrqLines,
    pub trace: &'a mut Trace,
}

impl Ctx<'_> {
    /// Emits a trace event stamped with the current time and machine.
    pub fn emit(&mut self, source: &str, kind: EventKind) {
        let e = Event::new(self.now, self.machine, source, kind);
        self.trace.push(e);
    }
}

/// A memory-mapped peripheral model.
///
/// Offsets are relative to the model's base address; the engine only calls a
/// model for accesses inside `[0, size())`.
pub trait Peripheral: Send {
    /// Instance name as in the SVD (`USART1`, `LPUART1`).
    fn name(&self) -> &str;
    /// Size of the register window in bytes.
    fn size(&self) -> u32;
    fn read(&mut self, offset: u32, access: Access, ctx: &mut Ctx) -> u32;
    fn write(&mut self, offset: u32, access: Access, value: u32, ctx: &mut Ctx);
    /// `PERIPHERAL.REGISTER` for the register holding byte `offset`, for
    /// fault reports and traces (None: no register there, or the model does
    /// not name its registers; the engine then says `PERIPHERAL+0xoff`).
    fn register_name(&self, _offset: u32) -> Option<String> {
        None
    }
    /// The next virtual time at which this model wants [`Peripheral::advance`]
    /// called (timers, baud-rate pacing, sensor sample clocks). The engine
    /// uses it to skip idle time in WFI.
    fn next_deadline(&self) -> Option<Nanos> {
        None
    }
    /// Called once virtual time reaches [`Peripheral::next_deadline`].
    fn advance(&mut self, _ctx: &mut Ctx) {}
}
