//! Behavioural model ids (from platform overlays) -> model instances.
//!
//! One place maps an overlay's `model = "stm32f1.usart"` to a constructor;
//! a peripheral with no model, or with an id no constructor knows yet, gets
//! ApplySVD semantics (SVD reset values, stored writes, accesses logged by
//! register name).

use gale_models::Peripheral;
use gale_platform::PeripheralDesc;

/// Every behavioural model id this build can instantiate.
pub const KNOWN: &[&str] = &["stm32f1.usart"];

/// The model for one peripheral instance. The second value is the model id
/// when the overlay asked for a model this build does not have (the
/// peripheral then gets SVD semantics).
pub fn instantiate(desc: &PeripheralDesc) -> (Box<dyn Peripheral>, Option<String>) {
    let irq = desc.irqs.first().map(|i| i.number);
    match desc.model.as_deref() {
        Some("stm32f1.usart") => (Box::new(gale_models::stm32::usart::Usart::new(&desc.name, irq)), None),
        Some(other) => (svd_fallback(desc), Some(other.to_string())),
        None => (svd_fallback(desc), None),
    }
}

/// ApplySVD semantics for a peripheral no behavioural model claims.
pub fn svd_fallback(desc: &PeripheralDesc) -> Box<dyn Peripheral> {
    let regs = desc.registers.iter().map(|r| gale_models::svd_regs::SvdRegister {
        name: r.name.clone(),
        offset: r.offset,
        size_bits: r.size_bits,
        reset_value: r.reset_value,
        readable: r.access.readable(),
        write_mask: r.write_mask,
        w1c_mask: r.w1c_mask,
    });
    Box::new(gale_models::svd_regs::SvdRegisters::new(&desc.name, desc.size, regs))
}
