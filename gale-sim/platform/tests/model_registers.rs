//! Every behavioural model's register declarations (gale_models::regs)
//! against the SVD the platform is built from: each declared register must
//! exist in the SVD at the same offset under the same name, with the SVD's
//! reset value, for every peripheral a model serves on every platform; and
//! each SVD register of such a peripheral must be declared by the model.
//! Differences that are on purpose are listed below with the reason; any
//! other difference fails the test.

mod common;
use common::platform;
use gale_models::regs::{Reg, RegisterBlock};
use gale_models::{imxrt, stm32};
use gale_platform::PeripheralDesc;

/// The declarations of the model `id` as the runner builds it.
fn declarations(id: &str, name: &str) -> &'static [Reg] {
    match id {
        "stm32f1.usart" => stm32::usart::Usart::new(name, None)
            .registers()
            .declarations(),
        "stm32f1.spi" => stm32::spi::Spi::new(name, None).registers().declarations(),
        "stm32f1.i2c" => stm32::i2c::I2c::new(name, None, None)
            .registers()
            .declarations(),
        "stm32f1.gpio" => stm32::gpio::Gpio::new(name).registers().declarations(),
        "stm32f1.afio" => stm32::afio::Afio::new(name).registers().declarations(),
        "stm32f1.tim" => stm32::tim::Tim::new(name, None).registers().declarations(),
        "stm32f1.rcc" => stm32::rcc::Rcc::new(name, None).registers().declarations(),
        "imxrt.lpuart" => imxrt::lpuart::Lpuart::new(name, None)
            .registers()
            .declarations(),
        "imxrt.lpspi" => imxrt::lpspi::Lpspi::new(name, None)
            .registers()
            .declarations(),
        "imxrt.lpi2c" => imxrt::lpi2c::Lpi2c::new(name, None)
            .registers()
            .declarations(),
        "imxrt.gpio" => imxrt::gpio::Gpio::new(name, None, None)
            .registers()
            .declarations(),
        "imxrt.gpt" => imxrt::gpt::Gpt::new(name, None).registers().declarations(),
        "imxrt.pit" => imxrt::pit::Pit::new(name, None).registers().declarations(),
        "imxrt.mu" => {
            let side = imxrt::mu::Side::from_name(name).expect("MUA or MUB");
            imxrt::mu::Mu::new(name, side, None)
                .registers()
                .declarations()
        }
        other => panic!("no declarations known for model `{other}`: add it here"),
    }
}

/// Timers that lack some of the general-purpose timer's registers.
const SMALL_TIMERS: &[&str] = &[
    "TIM6", "TIM7", "TIM12", "TIM13", "TIM14", "TIM15", "TIM16", "TIM17",
];

/// One intentional difference: model id, instances (empty: all), register
/// (`*`: any), what differs (offset, name, reset, missing) and why.
struct Intentional {
    model: &'static str,
    instances: &'static [&'static str],
    register: &'static str,
    what: &'static str,
    why: &'static str,
}

const fn on_purpose(
    model: &'static str,
    instances: &'static [&'static str],
    register: &'static str,
    what: &'static str,
    why: &'static str,
) -> Intentional {
    Intentional {
        model,
        instances,
        register,
        what,
        why,
    }
}

const INTENTIONAL: &[Intentional] = &[
    // Values the model computes on every read: the stored part resets to 0.
    on_purpose("imxrt.lpuart", &[], "STAT", "reset", "TDRE and TC are computed on read (transmission is instantaneous)"),
    on_purpose("imxrt.lpuart", &[], "DATA", "reset", "RXEMPT is computed from the receive buffer on read"),
    on_purpose("imxrt.lpuart", &[], "FIFO", "reset", "TXEMPT, RXEMPT and the FIFO sizes are computed on read"),
    on_purpose("imxrt.lpspi", &[], "SR", "reset", "TDF is computed from the transmit FIFO on read"),
    on_purpose("imxrt.lpspi", &[], "RSR", "reset", "RXEMPTY is computed from the receive FIFO on read"),
    on_purpose("imxrt.lpi2c", &[], "MSR", "reset", "TDF is computed from the command FIFO on read"),
    on_purpose("imxrt.lpi2c", &[], "MRDR", "reset", "RXEMPTY is computed from the receive FIFO on read"),
    on_purpose("imxrt.mu", &[], "SR", "reset", "SR is computed from the state both sides share (TEn, RS)"),
    // The ST SVD against RM0041.
    on_purpose("stm32f1.tim", &[], "ARR", "reset", "RM0041 gives ARR's reset value as 0xFFFF; the SVD says 0"),
    on_purpose("stm32f1.tim", &[], "CCMR1", "name", "the SVD splits CCMR1 into CCMR1_Output/CCMR1_Input views; RM0041's name is kept"),
    on_purpose("stm32f1.tim", &[], "CCMR2", "name", "as CCMR1"),
    on_purpose("stm32f1.usart", &["UART4", "UART5"], "SR", "reset", "RM0041 gives SR's reset value as 0x00C0 for UART4/5 too; the SVD says 0"),
    // One model for several variants of a peripheral.
    on_purpose("stm32f1.tim", SMALL_TIMERS, "*", "offset", "one model serves every timer type: registers a basic or 1-/2-channel timer lacks are declared anyway"),
    on_purpose("stm32f1.tim", &["TIM1", "TIM15", "TIM16", "TIM17"], "RCR", "missing", "the repetition counter is not modelled (reads 0)"),
    on_purpose("stm32f1.tim", &["TIM1", "TIM15", "TIM16", "TIM17"], "BDTR", "missing", "break and dead-time are not modelled (reads 0)"),
    on_purpose("stm32f1.usart", &["UART4", "UART5"], "GTPR", "offset", "one model serves USARTs and UARTs; the UARTs have no guard time register"),
];

impl Intentional {
    fn covers(&self, model: &str, instance: &str, register: &str, what: &str) -> bool {
        self.model == model
            && (self.instances.is_empty() || self.instances.contains(&instance))
            && (self.register == "*" || self.register == register)
            && self.what == what
    }
}

fn check_peripheral(
    platform_name: &str,
    p: &PeripheralDesc,
    id: &str,
    problems: &mut Vec<String>,
    used: &mut Vec<usize>,
) {
    let decls = declarations(id, &p.name);
    let at = |what: &str,
              reg: &str,
              detail: String,
              problems: &mut Vec<String>,
              used: &mut Vec<usize>| {
        if let Some(i) = INTENTIONAL
            .iter()
            .position(|d| d.covers(id, &p.name, reg, what))
        {
            used.push(i);
        } else {
            problems.push(format!(
                "{platform_name} {} ({id}) {reg}: {what}: {detail}",
                p.name
            ));
        }
    };
    for d in decls {
        match p.registers.iter().find(|r| r.offset == d.offset) {
            None => at(
                "offset",
                d.name,
                format!("declared at {:#x}, the SVD has nothing there", d.offset),
                problems,
                used,
            ),
            Some(r) => {
                if r.name != d.name {
                    at(
                        "name",
                        d.name,
                        format!("the SVD calls {:#x} `{}`", d.offset, r.name),
                        problems,
                        used,
                    );
                }
                let mask = r.reset_mask;
                if (r.reset_value ^ d.reset) & mask != 0 {
                    at(
                        "reset",
                        d.name,
                        format!(
                            "model {:#010x}, SVD {:#010x} (mask {mask:#010x})",
                            d.reset, r.reset_value
                        ),
                        problems,
                        used,
                    );
                }
            }
        }
    }
    for r in &p.registers {
        if !decls.iter().any(|d| d.offset == r.offset) {
            at(
                "missing",
                &r.name,
                format!("in the SVD at {:#x}, not declared by the model", r.offset),
                problems,
                used,
            );
        }
    }
}

#[test]
fn model_declarations_match_the_svds() {
    let mut problems = Vec::new();
    let mut used = Vec::new();
    let mut checked = 0;
    for name in ["stm32f100", "rt1176-cm7", "rt1176-cm4"] {
        let p = platform(name);
        for per in &p.peripherals {
            if let Some(id) = per.model.as_deref() {
                check_peripheral(name, per, id, &mut problems, &mut used);
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "only {checked} modelled peripherals found");
    let unused: Vec<_> = INTENTIONAL
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, d)| format!("{} {} {} ({})", d.model, d.register, d.what, d.why))
        .collect();
    assert!(
        unused.is_empty(),
        "listed as intentional but no longer different (remove them): {unused:?}"
    );
    assert!(
        problems.is_empty(),
        "{} differences between the models and the SVDs:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
