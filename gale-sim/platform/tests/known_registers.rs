//! Known facts from the reference manuals, checked against what the SVD +
//! overlay path produces: bases, IRQs, reset values, derivedFrom and dim
//! resolution, overlay fixes.

mod common;
use common::platform;
use gale_platform::{CpuKind, MemoryKind, Platform, RegAccess, RegisterDesc};

fn reg<'a>(p: &'a Platform, periph: &str, name: &str) -> &'a RegisterDesc {
    let per = p
        .peripheral(periph)
        .unwrap_or_else(|| panic!("{periph} missing"));
    per.registers
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = per.registers.iter().map(|r| r.name.as_str()).collect();
            panic!("{periph}.{name} missing; have {names:?}")
        })
}

#[test]
fn f100_usart1_base_irq_and_model() {
    let p = platform("stm32f100");
    let u = p.peripheral("USART1").unwrap();
    assert_eq!(u.base, 0x4001_3800);
    assert_eq!(u.size, 0x400);
    assert_eq!(
        u.irqs.iter().map(|i| i.number).collect::<Vec<_>>(),
        vec![37]
    );
    assert_eq!(u.model.as_deref(), Some("stm32f1.usart"));
    assert_eq!(u.renode.as_ref().unwrap().type_name, "UART.STM32_UART");
    // RM0041 §26.6: SR resets to 0x00C0 (TXE and TC set), DR at 0x04.
    assert_eq!(reg(&p, "USART1", "SR").reset_value, 0xC0);
    assert_eq!(reg(&p, "USART1", "DR").offset, 0x04);
}

#[test]
fn f100_rcc_cr_reset_value() {
    let p = platform("stm32f100");
    let cr = reg(&p, "RCC", "CR");
    assert_eq!(p.peripheral("RCC").unwrap().base, 0x4002_1000);
    assert_eq!(cr.offset, 0);
    // RM0041 §7.3.1: 0x0000 XX83 (HSION, HSIRDY, HSITRIM = 16).
    assert_eq!(cr.reset_value & 0xFFFF_00FF, 0x0000_0083);
    // HSIRDY (bit 1) is read-only: a write cannot set it.
    assert_eq!(cr.write_mask & 0b10, 0);
    assert_ne!(cr.write_mask & 0b1, 0, "HSION is writable");
}

#[test]
fn f100_derived_peripherals_get_their_own_base_and_irq() {
    let p = platform("stm32f100");
    // USART2 and GPIOC are derivedFrom USART1 / GPIOA in the SVD.
    let u2 = p.peripheral("USART2").unwrap();
    assert_eq!((u2.base, u2.irqs[0].number), (0x4000_4400, 38));
    assert_eq!(reg(&p, "USART2", "SR").reset_value, 0xC0);
    assert_eq!(p.peripheral("GPIOC").unwrap().base, 0x4001_1000);
    // GPIOx_CRL resets to 0x4444_4444 (all floating inputs).
    assert_eq!(reg(&p, "GPIOC", "CRL").reset_value, 0x4444_4444);
    assert_eq!(reg(&p, "GPIOC", "IDR").access, RegAccess::ReadOnly);
    assert_eq!(reg(&p, "GPIOC", "IDR").write_mask, 0);
    assert_eq!(p.peripheral("TIM3").unwrap().irqs[0].number, 29);
}

#[test]
fn f100_overlay_facts() {
    let p = platform("stm32f100");
    assert_eq!(p.core.cpu, CpuKind::CortexM3);
    assert_eq!(p.core.cpu_hz, 24_000_000);
    let flash = p.memories.iter().find(|m| m.name == "flash").unwrap();
    assert_eq!(
        (flash.base, flash.size, flash.kind),
        (0x0800_0000, 128 * 1024, MemoryKind::Flash)
    );
    assert_eq!(flash.aliases, vec![0]);
    // The overlay trims BKP so it no longer runs into PWR, and drops the NVIC.
    let bkp = p.peripheral("BKP").unwrap();
    assert_eq!(bkp.end(), p.peripheral("PWR").unwrap().base as u64);
    assert!(p.peripheral("NVIC").is_none());
    assert_eq!(
        p.peripheral_at(0x4001_3804).map(|x| x.name.as_str()),
        Some("USART1")
    );
    assert!(
        p.peripheral_at(0x4001_3C00).is_none(),
        "gap after USART1 is not a peripheral"
    );
    // TIM1 wires only its update interrupt (25) to Renode's STM32_Timer.
    assert_eq!(
        p.peripheral("TIM1").unwrap().renode.as_ref().unwrap().irqs,
        vec![(String::new(), 25)]
    );
}
