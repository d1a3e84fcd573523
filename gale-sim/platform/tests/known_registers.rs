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

#[test]
fn rt1176_cm7_lpuart1_base_irq_and_resets() {
    let p = platform("rt1176-cm7");
    let u = p.peripheral("LPUART1").unwrap();
    // RT1170 memory map: LPUART1 at 0x4007_C000 (not RT1060's 0x4018_4000).
    assert_eq!((u.base, u.irqs[0].number), (0x4007_C000, 20));
    assert_eq!(u.model.as_deref(), Some("imxrt.lpuart"));
    assert_eq!(
        u.renode.as_ref().unwrap().irqs,
        vec![("IRQ".to_string(), 20)]
    );
    let ctrl = reg(&p, "LPUART1", "CTRL");
    assert_eq!((ctrl.offset, ctrl.reset_value), (0x18, 0));
    let verid = reg(&p, "LPUART1", "VERID");
    assert_eq!(
        (verid.access, verid.reset_value, verid.write_mask),
        (RegAccess::ReadOnly, 0x0401_0003, 0)
    );
    // STAT: TDRE and TC (bits 23, 22) set at reset and read-only; IDLE (20) is w1c.
    let stat = reg(&p, "LPUART1", "STAT");
    assert_eq!(stat.reset_value & 0x00C0_0000, 0x00C0_0000);
    assert_eq!(stat.write_mask & 0x00C0_0000, 0);
    assert_eq!(stat.w1c_mask & (1 << 20), 1 << 20);
}

#[test]
fn rt1176_cm7_derived_and_dim_registers() {
    let p = platform("rt1176-cm7");
    // LPUART12 is derivedFrom LPUART1 and lives in the LPSR domain.
    let u12 = p.peripheral("LPUART12").unwrap();
    assert_eq!((u12.base, u12.irqs[0].number), (0x40C2_8000, 31));
    assert_eq!(reg(&p, "LPUART12", "CTRL").offset, 0x18);
    // CCM clock roots are a dim array with a 0x80 stride.
    assert_eq!(
        reg(&p, "CCM", "CLOCK_ROOT1_CLOCK_ROOT_CONTROL").offset,
        0x80
    );
    assert_eq!(
        reg(&p, "CCM", "CLOCK_ROOT78_CLOCK_ROOT_CONTROL").offset,
        0x2700
    );
    // eDMA TCDs: a cluster array at 0x1000 with 0x20 per channel, 16-bit members.
    let soff = reg(&p, "DMA0", "TCD1_SOFF");
    assert_eq!((soff.offset, soff.size_bits), (0x1024, 16));
    assert_eq!(p.peripheral("GPIO13").unwrap().base, 0x40CA_0000);
}

#[test]
fn rt1176_cm7_overlay_resolves_svd_overlaps() {
    let p = platform("rt1176-cm7");
    // ANADIG_* blocks share 0x40C8_4000: merged, offsets kept.
    assert_eq!(p.peripheral("ANADIG").unwrap().base, 0x40C8_4000);
    assert_eq!(reg(&p, "ANADIG", "ARM_PLL_CTRL").offset, 0x200);
    // CAN1 and its wrapper share a slot; the wrapper's MECR sits at +0xAE0.
    assert_eq!(reg(&p, "CAN1", "MECR").offset, 0xAE0);
    assert_eq!(reg(&p, "CAN1", "MCR").offset, 0);
    assert_eq!(p.peripheral("IEE__IEE_RT1170").unwrap().size, 0x4000);
    for gone in [
        "AUDIO_PLL",
        "TMPSNS",
        "NVIC",
        "SystemControl",
        "CAN1_WRAPPER",
        "OTFAD1",
    ] {
        assert!(
            p.peripheral(gone).is_none(),
            "{gone} should be excluded or merged"
        );
    }
    let mut prev_end = 0u64;
    for per in &p.peripherals {
        assert!(
            per.base as u64 >= prev_end,
            "{} overlaps its predecessor",
            per.name
        );
        prev_end = per.end();
    }
}

#[test]
fn rt1176_cores_and_memories() {
    let m7 = platform("rt1176-cm7");
    assert_eq!(
        (m7.core.cpu, m7.core.cpu_hz, m7.core.fpu),
        (CpuKind::CortexM7F, 996_000_000, true)
    );
    assert!(m7.core.nvic_irqs >= 240);
    let at = |p: &Platform, name: &str| {
        p.memories
            .iter()
            .find(|m| m.name == name)
            .map(|m| (m.base, m.size))
            .unwrap()
    };
    assert_eq!(at(&m7, "itcm"), (0, 256 * 1024));
    assert_eq!(at(&m7, "dtcm"), (0x2000_0000, 256 * 1024));
    assert_eq!(at(&m7, "flexspi1_flash"), (0x3000_0000, 16 << 20));
    let m4 = platform("rt1176-cm4");
    assert_eq!(
        (m4.core.cpu, m4.core.cpu_hz),
        (CpuKind::CortexM4F, 400_000_000)
    );
    assert_eq!(at(&m4, "itcm"), (0x1FFE_0000, 128 * 1024));
    assert_eq!(at(&m4, "dtcm"), (0x2000_0000, 128 * 1024));
    assert_eq!(at(&m4, "ocram"), at(&m7, "ocram"), "OCRAM is shared");
    // The CM4 SVD has the CM4-side DMA1 and MUB instead of DMA0 and MUA.
    assert_eq!(m4.peripheral("DMA1").unwrap().base, 0x40C1_4000);
    assert!(m4.peripheral("DMA0").is_none());
    assert_eq!(m4.peripheral("LPUART1").unwrap().base, 0x4007_C000);
}

#[test]
fn region_lookup_resolves_aliases_and_gaps() {
    use gale_platform::Region;
    let p = platform("stm32f100");
    match p.region_at(0x0000_0104) {
        Some(Region::Memory(m, off)) => assert_eq!((m.name.as_str(), off), ("flash", 0x104)),
        other => panic!("{other:?}"),
    }
    match p.region_at(0x4001_3808) {
        Some(Region::Peripheral(per, off)) => assert_eq!((per.name.as_str(), off), ("USART1", 8)),
        other => panic!("{other:?}"),
    }
    assert_eq!(p.region_at(0x2000_2000), None, "just past the 8 KiB SRAM");
    assert_eq!(
        p.region_at(0x0802_0000),
        None,
        "just past the 128 KiB flash"
    );
    assert_eq!(
        p.region_at(0x4000_2400),
        None,
        "the hole between TIM14 and RTC"
    );
}
