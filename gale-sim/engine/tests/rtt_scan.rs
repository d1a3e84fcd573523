//! Looking for an RTT control block (an ELF without `_SEGGER_RTT`) scans
//! RAM only: peripheral registers, whose reads have effects, are never read.

use gale_engine::{CoreKind, Machine, MachineSpec, MappedPeripheral, MemoryRegion};
use gale_models::{Access, Ctx, Peripheral};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

struct Counting(Arc<AtomicUsize>);

impl Peripheral for Counting {
    fn name(&self) -> &str {
        "COUNT"
    }
    fn size(&self) -> u32 {
        0x1000
    }
    fn read(&mut self, _offset: u32, _access: Access, _ctx: &mut Ctx) -> u32 {
        self.0.fetch_add(1, Ordering::SeqCst);
        0
    }
    fn write(&mut self, _offset: u32, _access: Access, _value: u32, _ctx: &mut Ctx) {}
}

#[test]
fn rtt_search_reads_no_peripheral() {
    let reads = Arc::new(AtomicUsize::new(0));
    let spec = MachineSpec {
        name: "m".into(),
        core: CoreKind::CortexM3,
        cpu_hz: 8_000_000,
        nvic_irqs: 32,
        memories: vec![
            MemoryRegion {
                name: "flash".into(),
                base: 0x0800_0000,
                size: 0x1_0000,
                writable: false,
                executable: true,
                shared: None,
                aliases: vec![],
            },
            MemoryRegion {
                name: "sram".into(),
                base: 0x2000_0000,
                size: 0x2000,
                writable: true,
                executable: false,
                shared: None,
                aliases: vec![],
            },
        ],
        peripherals: vec![MappedPeripheral {
            base: 0x4000_0000,
            model: Box::new(Counting(reads.clone())),
        }],
        trace_irqs: false,
    };
    let mut m = Machine::new(spec).unwrap();
    for _ in 0..3 {
        assert!(m.rtt_read_up(0).is_empty());
    }
    assert_eq!(reads.load(Ordering::SeqCst), 0);
    assert!(m.take_trace().is_empty());
}
