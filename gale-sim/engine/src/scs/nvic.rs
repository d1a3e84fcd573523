//! Exception state shared by the NVIC and the SCB: enable, pending, active
//! and priority of every exception number, and the priority rules
//! (PRIGROUP grouping, execution priority, choice of the pending exception).

/// Exception numbers (IPSR values).
pub(crate) const NMI: usize = 2;
pub(crate) const HARDFAULT: usize = 3;
pub(crate) const MEMMANAGE: usize = 4;
pub(crate) const BUSFAULT: usize = 5;
pub(crate) const USAGEFAULT: usize = 6;
pub(crate) const SVCALL: usize = 11;
pub(crate) const DEBUGMON: usize = 12;
pub(crate) const PENDSV: usize = 14;
pub(crate) const SYSTICK: usize = 15;
pub(crate) const IRQ0: usize = 16;

/// Priority of Thread mode with nothing active and nothing masked.
pub(crate) const THREAD_PRIORITY: i32 = 256;

pub(crate) struct Nvic {
    enabled: Vec<bool>,
    pending: Vec<bool>,
    active: Vec<bool>,
    prio: Vec<u8>,
    /// Level of each external interrupt line (index = IRQn).
    level: Vec<bool>,
    pub prigroup: u32,
    prio_mask: u8,
    /// Number of pending exceptions (so "anything pending?" is O(1)).
    npending: usize,
    /// SCR.SEVONPEND (mirrored from the SCB): an exception entering the
    /// pending state sets the event register.
    pub sevonpend: bool,
    /// The WFE event register (ARMv7-M B1.5.18) as set by the engine:
    /// exception entry and return, and (with SEVONPEND) a newly pending
    /// exception. SEV sets the other half, `JitClock::event`.
    pub event: bool,
}

impl Nvic {
    pub fn new(irqs: u32, prio_bits: u32) -> Self {
        let n = IRQ0 + irqs as usize;
        Nvic {
            enabled: vec![false; n],
            pending: vec![false; n],
            active: vec![false; n],
            prio: vec![0; n],
            level: vec![false; irqs as usize],
            prigroup: 0,
            prio_mask: !((1u16 << (8 - prio_bits)) - 1) as u8,
            npending: 0,
            sevonpend: false,
            event: false,
        }
    }

    pub fn reset(&mut self) {
        let irqs = self.level.len();
        let level = std::mem::take(&mut self.level);
        *self = Nvic {
            prio_mask: self.prio_mask,
            ..Nvic::new(irqs as u32, 8)
        };
        self.level = level;
        for e in [NMI, HARDFAULT, SVCALL, DEBUGMON, PENDSV, SYSTICK] {
            self.enabled[e] = true;
        }
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn irqs(&self) -> usize {
        self.level.len()
    }

    /// The configured priority of exception `e` (negative for the fixed ones).
    pub fn priority(&self, e: usize) -> i32 {
        match e {
            1 => -3,
            NMI => -2,
            HARDFAULT => -1,
            _ => self.prio[e] as i32,
        }
    }

    pub fn set_priority(&mut self, e: usize, p: u8) {
        if e >= MEMMANAGE && e < self.len() {
            self.prio[e] = p & self.prio_mask;
        }
    }

    pub fn raw_priority(&self, e: usize) -> u8 {
        self.prio.get(e).copied().unwrap_or(0)
    }

    /// The group priority of a priority value under the current PRIGROUP.
    pub fn group(&self, p: i32) -> i32 {
        if p < 0 {
            p
        } else {
            p & !((2i32 << self.prigroup) - 1)
        }
    }

    pub fn is_enabled(&self, e: usize) -> bool {
        self.enabled.get(e).copied().unwrap_or(false)
    }

    pub fn set_enabled(&mut self, e: usize, on: bool) {
        if let Some(x) = self.enabled.get_mut(e) {
            *x = on;
        }
    }

    pub fn is_pending(&self, e: usize) -> bool {
        self.pending.get(e).copied().unwrap_or(false)
    }

    fn mark_pending(&mut self, e: usize, on: bool) {
        if let Some(x) = self.pending.get_mut(e) {
            if *x != on {
                *x = on;
                if on {
                    self.npending += 1;
                    self.event |= self.sevonpend;
                } else {
                    self.npending -= 1;
                }
            }
        }
    }

    pub fn set_pending(&mut self, e: usize, on: bool) {
        // A level-sensitive line still asserted re-pends at once.
        let asserted = e >= IRQ0 && self.level.get(e - IRQ0).copied().unwrap_or(false);
        self.mark_pending(e, on || asserted);
    }

    /// Exception entry clears pending even if the line is still asserted;
    /// a still-asserted line re-pends on return (`repend_if_asserted`).
    pub fn clear_pending_on_entry(&mut self, e: usize) {
        self.mark_pending(e, false);
    }

    pub fn is_active(&self, e: usize) -> bool {
        self.active.get(e).copied().unwrap_or(false)
    }

    pub fn set_active(&mut self, e: usize, on: bool) {
        if let Some(x) = self.active.get_mut(e) {
            *x = on;
        }
    }

    pub fn active_count(&self) -> usize {
        self.active.iter().filter(|a| **a).count()
    }

    pub fn clear_all_active(&mut self) {
        self.active.iter_mut().for_each(|a| *a = false);
    }

    /// Drives external interrupt line `irq` (level-sensitive).
    pub fn set_line(&mut self, irq: usize, level: bool) -> bool {
        let Some(l) = self.level.get_mut(irq) else {
            return false;
        };
        let rose = level && !*l;
        *l = level;
        if level {
            self.mark_pending(IRQ0 + irq, true);
        }
        rose
    }

    /// After an interrupt's handler returns, a still-asserted line pends it again.
    pub fn repend_if_asserted(&mut self, e: usize) {
        if e >= IRQ0 && self.level[e - IRQ0] {
            self.mark_pending(e, true);
        }
    }

    /// Priority of the highest-priority active exception (group priority).
    pub fn active_priority(&self) -> i32 {
        let mut p = THREAD_PRIORITY;
        for (e, a) in self.active.iter().enumerate() {
            if *a {
                p = p.min(self.group(self.priority(e)));
            }
        }
        p
    }

    /// Execution priority given the CPU's mask registers.
    pub fn execution_priority(&self, primask: u32, basepri: u32, faultmask: u32) -> i32 {
        let mut boost = THREAD_PRIORITY;
        let bp = (basepri as u8 & self.prio_mask) as i32;
        if bp != 0 {
            boost = self.group(bp);
        }
        if primask & 1 != 0 {
            boost = 0;
        }
        if faultmask & 1 != 0 {
            boost = -1;
        }
        self.active_priority().min(boost)
    }

    /// The pending, enabled exception that would be taken next: lowest group
    /// priority, then lowest sub-priority, then lowest number.
    pub fn highest_pending(&self) -> Option<usize> {
        let mut best: Option<(i32, i32, usize)> = None;
        for (e, p) in self.pending.iter().enumerate() {
            if !*p || !self.enabled[e] {
                continue;
            }
            let pr = self.priority(e);
            let key = (self.group(pr), pr, e);
            if best.is_none_or(|b| key < b) {
                best = Some(key);
            }
        }
        best.map(|b| b.2)
    }

    pub fn any_pending(&self) -> bool {
        self.npending != 0
    }

    pub fn any_irq_pending(&self) -> bool {
        self.pending[IRQ0..].iter().any(|p| *p)
    }

    /// Register access for ISER/ICER/ISPR/ICPR/IABR (32 IRQs per word).
    pub fn bank_read(&self, which: Bank, word: usize) -> u32 {
        let mut v = 0;
        for bit in 0..32 {
            let e = IRQ0 + word * 32 + bit;
            if e >= self.len() {
                break;
            }
            let on = match which {
                Bank::Enable => self.enabled[e],
                Bank::Pending => self.pending[e],
                Bank::Active => self.active[e],
            };
            v |= (on as u32) << bit;
        }
        v
    }

    pub fn bank_write(&mut self, which: Bank, set: bool, word: usize, v: u32) {
        for bit in 0..32 {
            let e = IRQ0 + word * 32 + bit;
            if e >= self.len() {
                break;
            }
            if v & (1 << bit) == 0 {
                continue;
            }
            match which {
                Bank::Enable => self.enabled[e] = set,
                Bank::Pending => self.set_pending(e, set),
                Bank::Active => {}
            }
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Bank {
    Enable,
    Pending,
    Active,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nvic() -> Nvic {
        let mut n = Nvic::new(64, 4);
        n.reset();
        n
    }

    #[test]
    fn priority_grouping_and_masks() {
        let mut n = nvic();
        n.set_priority(IRQ0 + 3, 0x45); // stored as 0x40 (4 bits)
        assert_eq!(n.priority(IRQ0 + 3), 0x40);
        n.prigroup = 5; // group = bits 7:6
        assert_eq!(n.group(0x70), 0x40);
        n.set_active(IRQ0 + 3, true);
        assert_eq!(n.execution_priority(0, 0, 0), 0x40);
        assert_eq!(n.execution_priority(0, 0x20, 0), 0x00);
        assert_eq!(n.execution_priority(1, 0, 0), 0);
        assert_eq!(n.execution_priority(0, 0, 1), -1);
    }

    #[test]
    fn highest_pending_prefers_priority_then_number() {
        let mut n = nvic();
        for e in [IRQ0 + 1, IRQ0 + 2] {
            n.set_enabled(e, true);
            n.set_pending(e, true);
        }
        n.set_priority(IRQ0 + 1, 0x80);
        n.set_priority(IRQ0 + 2, 0x40);
        assert_eq!(n.highest_pending(), Some(IRQ0 + 2));
        n.set_priority(IRQ0 + 2, 0x80);
        assert_eq!(n.highest_pending(), Some(IRQ0 + 1));
        n.set_enabled(IRQ0 + 1, false);
        assert_eq!(n.highest_pending(), Some(IRQ0 + 2));
    }

    #[test]
    fn level_lines_repend() {
        let mut n = nvic();
        assert!(n.set_line(5, true));
        assert!(n.is_pending(IRQ0 + 5));
        n.set_pending(IRQ0 + 5, false);
        assert!(n.is_pending(IRQ0 + 5), "asserted line re-pends on clear");
        n.clear_pending_on_entry(IRQ0 + 5);
        assert!(!n.is_pending(IRQ0 + 5), "entry clears it");
        n.repend_if_asserted(IRQ0 + 5);
        assert!(
            n.is_pending(IRQ0 + 5),
            "still asserted at return: pending again"
        );
        n.clear_pending_on_entry(IRQ0 + 5);
        n.set_line(5, false);
        n.repend_if_asserted(IRQ0 + 5);
        assert!(
            !n.is_pending(IRQ0 + 5),
            "deasserted during the handler: done"
        );
    }
}
