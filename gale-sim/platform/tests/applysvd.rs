//! Firmware-style reads of registers that no behavioural model claims, on
//! the real platforms: routed by address through the platform's map, they
//! return the SVD reset values and the trace names each register.

mod common;
use common::platform;
use gale_models::{Access, Ctx, IrqLines, Peripheral};
use gale_platform::{applysvd, Platform};
use gale_trace::Trace;

/// Reads each address as firmware would (word accesses) and returns the
/// values and the trace lines.
fn read_all(p: &Platform, addrs: &[u32]) -> (Vec<u32>, Vec<String>) {
    let mut irqs = IrqLines::default();
    let mut trace = Trace::new();
    let mut values = Vec::new();
    for &a in addrs {
        let per = p
            .peripheral_at(a)
            .unwrap_or_else(|| panic!("{a:#010x} is in no peripheral"));
        assert!(
            per.model.is_none() || per.name == "RCC",
            "{} has a behavioural model",
            per.name
        );
        let mut regs = applysvd::svd_registers(per);
        let mut ctx = Ctx {
            now: 0,
            machine: &p.name,
            irqs: &mut irqs,
            trace: &mut trace,
        };
        values.push(regs.read(a - per.base, Access::Word, &mut ctx));
    }
    let lines = trace
        .to_text()
        .lines()
        .map(|l| l.split_once(' ').unwrap().1.to_string())
        .collect();
    (values, lines)
}

#[test]
fn stm32f100_unmodelled_registers_read_their_reset_values() {
    let p = platform("stm32f100");
    // RCC.CR (0x83: HSION, HSIRDY, HSITRIM=16), FLASH.ACR (0x30 per SVD),
    // PWR.CSR (0), AFIO.MAPR is modelled elsewhere so not used here.
    let (v, t) = read_all(&p, &[0x4002_1000, 0x4002_2000, 0x4000_7004]);
    assert_eq!(v[0] & 0xFFFF_00FF, 0x83);
    assert_eq!(
        v[1],
        p.peripheral("FLASH").unwrap().registers[0].reset_value
    );
    assert_eq!(v[2], 0);
    assert_eq!(
        t,
        vec![
            format!("stm32f100/RCC reg rd RCC.CR {:#010x}", v[0]),
            format!("stm32f100/FLASH reg rd FLASH.ACR {:#010x}", v[1]),
            "stm32f100/PWR reg rd PWR.CSR 0x00000000".to_string(),
        ]
    );
}

#[test]
fn rt1176_unmodelled_registers_read_their_reset_values() {
    let p = platform("rt1176-cm7");
    let anadig = p.peripheral("ANADIG").unwrap().base;
    // ANADIG ARM_PLL_CTRL, CCM CLOCK_ROOT1 control, IOMUXC mux of GPIO_EMC_B1_00.
    let (v, t) = read_all(&p, &[anadig + 0x200, 0x40CC_0080, 0x400E_8010]);
    assert_eq!(v, vec![0x4000_00A6, 0, 5]);
    assert_eq!(
        t,
        vec![
            "rt1176-cm7/ANADIG reg rd ANADIG.ARM_PLL_CTRL 0x400000a6",
            "rt1176-cm7/CCM reg rd CCM.CLOCK_ROOT1_CLOCK_ROOT_CONTROL 0x00000000",
            "rt1176-cm7/IOMUXC reg rd IOMUXC.SW_MUX_CTL_PAD_GPIO_EMC_B1_00 0x00000005",
        ]
    );
}

#[test]
fn writes_stick_and_read_only_bits_do_not() {
    let p = platform("stm32f100");
    let rcc = p.peripheral("RCC").unwrap();
    let mut regs = applysvd::svd_registers(rcc);
    let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
    let mut ctx = Ctx {
        now: 0,
        machine: "m",
        irqs: &mut irqs,
        trace: &mut trace,
    };
    // Set PLLON (bit 24) and try to set PLLRDY (bit 25, read-only).
    regs.write(0, Access::Word, 0x0300_0083, &mut ctx);
    assert_eq!(regs.read(0, Access::Word, &mut ctx), 0x0100_0083);
}
