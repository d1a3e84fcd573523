//! The walking-skeleton image: gust-f100 boots, prints over USART1 and exits
//! through semihosting.

use gale_engine::{
    CoreKind, Limits, Machine, MachineSpec, MappedPeripheral, MemoryRegion, StopReason,
};
use gale_models::stm32::usart::Usart;
use gale_models::{Access, Ctx, Peripheral};
use gale_trace::EventKind;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

/// Plain read/write registers for peripherals the test does not model (RCC, GPIO).
struct Registers {
    name: String,
    regs: Vec<u32>,
}

impl Peripheral for Registers {
    fn name(&self) -> &str {
        &self.name
    }
    fn size(&self) -> u32 {
        self.regs.len() as u32 * 4
    }
    fn read(&mut self, offset: u32, _: Access, _: &mut Ctx) -> u32 {
        self.regs[(offset / 4) as usize] >> ((offset & 3) * 8)
    }
    fn write(&mut self, offset: u32, _: Access, value: u32, _: &mut Ctx) {
        self.regs[(offset / 4) as usize] = value;
    }
}

fn gust_elf() -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--manifest-path"])
        .arg(root.join("firmware/Cargo.toml"))
        .args(["-p", "gust-f100", "--target", "thumbv7m-none-eabi"])
        .env_remove("RUSTFLAGS")
        .status()
        .expect("running cargo for the firmware");
    assert!(status.success(), "building gust-f100 failed");
    std::fs::read(root.join("firmware/target/thumbv7m-none-eabi/release/gust-f100"))
        .expect("gust-f100 ELF")
}

/// A USART model the test can also reach from outside the machine (to
/// inject received bytes through `Machine::with_peripheral`'s context).
#[derive(Clone)]
struct Shared(Arc<Mutex<Usart>>);

impl Peripheral for Shared {
    fn name(&self) -> &str {
        "USART2"
    }
    fn size(&self) -> u32 {
        0x400
    }
    fn read(&mut self, offset: u32, access: Access, ctx: &mut Ctx) -> u32 {
        self.0.lock().unwrap().read(offset, access, ctx)
    }
    fn write(&mut self, offset: u32, access: Access, value: u32, ctx: &mut Ctx) {
        self.0.lock().unwrap().write(offset, access, value, ctx)
    }
}

/// The two USARTs modelled; every other 1 KiB peripheral slot of APB1,
/// APB2 and AHB (RCC, GPIO, timers, ...) as plain registers, so the test
/// follows the image as it grows.
fn peripherals(usart2: Shared) -> Vec<MappedPeripheral> {
    let mut v = vec![
        MappedPeripheral {
            base: 0x4001_3800,
            model: Box::new(Usart::new("USART1", Some(37))) as Box<dyn Peripheral>,
        },
        MappedPeripheral {
            base: 0x4000_4400,
            model: Box::new(usart2),
        },
    ];
    for base in (0x4000_0000u32..0x4002_4000).step_by(0x400) {
        if base != 0x4001_3800 && base != 0x4000_4400 {
            v.push(MappedPeripheral {
                base,
                model: Box::new(Registers {
                    name: format!("P{base:08x}"),
                    regs: vec![0; 0x100],
                }),
            });
        }
    }
    v
}

fn f100(name: &str) -> MachineSpec {
    f100_with(
        name,
        Shared(Arc::new(Mutex::new(Usart::new("USART2", Some(38))))),
    )
}

fn f100_with(name: &str, usart2: Shared) -> MachineSpec {
    MachineSpec {
        name: name.into(),
        core: CoreKind::CortexM3,
        cpu_hz: 8_000_000,
        nvic_irqs: 61,
        memories: vec![
            MemoryRegion {
                name: "flash".into(),
                base: 0x0800_0000,
                size: 128 << 10,
                writable: false,
                executable: true,
                shared: None,
                aliases: vec![],
            },
            MemoryRegion {
                name: "sram".into(),
                base: 0x2000_0000,
                size: 8 << 10,
                writable: true,
                executable: true,
                shared: None,
                aliases: vec![],
            },
        ],
        peripherals: peripherals(usart2),
        trace_irqs: false,
    }
}

#[test]
fn gust_f100_boots_prints_and_exits() {
    let elf = gust_elf();
    let mut m = Machine::new(f100("gust")).unwrap();
    m.load_elf(&elf).unwrap();
    let stop = m
        .run_until(
            1_000_000_000,
            &Limits {
                time: 2_000_000_000,
                instructions: 50_000_000,
            },
        )
        .unwrap();
    assert_eq!(
        stop,
        StopReason::Exited { code: 0 },
        "trace:\n{}",
        m.take_trace().to_text()
    );
    let trace = m.take_trace();
    let lines = trace.uart_tx_lines("gust", "USART1");
    let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(text.first(), Some(&"gust-f100 v0.1.0 boot"), "{text:?}");
    let ticks: Vec<&gale_trace::UartLine> = lines
        .iter()
        .filter(|l| l.text.starts_with("tick "))
        .collect();
    assert_eq!(
        ticks.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
        ["tick 1", "tick 2", "tick 3", "tick 4", "tick 5"]
    );
    // The ticks come from SysTick at 1 ms of virtual time each.
    for w in ticks.windows(2) {
        let dt = w[1].start - w[0].start;
        assert!((900_000..1_100_000).contains(&dt), "tick spacing {dt} ns");
    }
    assert!(matches!(
        trace.events().last().unwrap().kind,
        EventKind::Exit { code: 0 }
    ));
    // Same ELF, same spec: identical trace.
    let mut m2 = Machine::new(f100("gust")).unwrap();
    m2.load_elf(&elf).unwrap();
    m2.run_until(1_000_000_000, &Limits::NONE).unwrap();
    assert_eq!(m2.take_trace(), trace);
}

#[test]
fn injected_uart_byte_raises_the_usart2_interrupt() {
    let elf = gust_elf();
    let usart2 = Shared(Arc::new(Mutex::new(Usart::new("USART2", Some(38)))));
    let mut spec = f100_with("gust", usart2.clone());
    spec.trace_irqs = true;
    let mut m = Machine::new(spec).unwrap();
    m.load_elf(&elf).unwrap();
    let limits = Limits {
        time: 2_000_000_000,
        instructions: 50_000_000,
    };
    // Let it boot and enable the USART2 receiver and its interrupt.
    loop {
        assert_eq!(
            m.run_until(m.now() + 1_000_000, &limits).unwrap(),
            StopReason::TimeReached
        );
        let booted = m
            .take_trace()
            .events()
            .iter()
            .any(|e| matches!(&e.kind, EventKind::UartTx { byte: b'1' }));
        if booted {
            break;
        }
    }
    let t_inject = m.now();
    let delivered = m.with_peripheral("USART2", |_, ctx| {
        usart2.0.lock().unwrap().receive(0x55, ctx)
    });
    assert!(delivered.is_some());
    assert_eq!(
        m.run_until(t_inject + 1_000_000, &limits).unwrap(),
        StopReason::TimeReached
    );
    let trace = m.take_trace();
    let rx = trace
        .events()
        .iter()
        .position(|e| matches!(e.kind, EventKind::UartRx { byte: 0x55 }));
    let irq = trace.events().iter().position(|e| {
        matches!(
            e.kind,
            EventKind::Irq {
                exception: 54,
                action: gale_trace::IrqAction::Enter
            }
        )
    });
    assert!(rx.is_some(), "no UartRx event:\n{}", trace.to_text());
    let irq =
        irq.unwrap_or_else(|| panic!("USART2 (exception 54) never entered:\n{}", trace.to_text()));
    assert!(irq > rx.unwrap());
    assert!(
        trace.events()[irq].t - t_inject < 100_000,
        "taken within 100 us of the byte"
    );
    // The handler drained the data register: the line is low again.
    let pended_again = trace.events()[irq + 1..]
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Irq {
                    exception: 54,
                    action: gale_trace::IrqAction::Enter
                }
            )
        })
        .count();
    assert_eq!(pended_again, 0, "{}", trace.to_text());
}

#[test]
fn quanta_do_not_change_the_trace() {
    let elf = gust_elf();
    let limits = Limits {
        time: 2_000_000_000,
        instructions: 50_000_000,
    };
    let whole = {
        let mut m = Machine::new(f100("gust")).unwrap();
        m.load_elf(&elf).unwrap();
        assert_eq!(
            m.run_until(1_000_000_000, &limits).unwrap(),
            StopReason::Exited { code: 0 }
        );
        (m.take_trace(), m.instructions())
    };
    // Lockstep stepping in 37 us quanta, as a multi-machine runner would.
    let mut m = Machine::new(f100("gust")).unwrap();
    m.load_elf(&elf).unwrap();
    let mut t = 0;
    let mut trace = gale_trace::Trace::new();
    loop {
        t += 37_000;
        let stop = m.run_until(t, &limits).unwrap();
        trace.extend(m.take_trace().events().iter().cloned());
        if stop != StopReason::TimeReached {
            assert_eq!(stop, StopReason::Exited { code: 0 });
            break;
        }
    }
    assert_eq!(m.instructions(), whole.1);
    assert!(
        trace == whole.0,
        "traces differ:\n{}\n---\n{}",
        trace.to_text(),
        whole.0.to_text()
    );
}

#[test]
fn flash_answers_at_its_boot_alias_and_ram_aliases_share_one_copy() {
    let mut spec = f100("alias");
    spec.memories[0].aliases = vec![0x0000_0000];
    spec.memories
        .push(MemoryRegion::new("tcm", 0x1000_0000, 0x1000, true, false));
    spec.memories[2].aliases = vec![0x1010_0000, 0x1020_0000];
    let mut m = Machine::new(spec).unwrap();
    m.load_elf(&gust_elf()).unwrap();
    let (mut at_flash, mut at_zero) = ([0u8; 64], [0u8; 64]);
    assert!(m.read_memory(0x0800_0000, &mut at_flash));
    assert!(m.read_memory(0, &mut at_zero));
    assert_ne!(at_flash, [0u8; 64], "the image is loaded");
    assert_eq!(at_flash, at_zero, "the boot alias shows the flash");
    assert!(m.write_memory(0x1020_0010, b"gale"));
    let mut back = [0u8; 4];
    assert!(m.read_memory(0x1000_0010, &mut back));
    assert_eq!(&back, b"gale");
    assert!(
        !m.read_memory(0x1000_0ffe, &mut [0u8; 4]),
        "runs past the memory"
    );
    assert!(
        !m.read_memory(0x4001_3800, &mut back),
        "peripheral windows are not memory"
    );
    // Without the alias, address 0 is unmapped.
    let mut plain = Machine::new(f100("plain")).unwrap();
    plain.load_elf(&gust_elf()).unwrap();
    assert!(!plain.read_memory(0, &mut at_zero));
}
