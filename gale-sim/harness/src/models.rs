//! Behavioural model ids (from platform overlays) -> model instances, with
//! the scenario's devices attached to the bus controllers.
//!
//! One place maps an overlay's `model = "imxrt.lpspi"` to a constructor; a
//! peripheral with no model, or with an id this build does not know, gets
//! ApplySVD semantics (SVD reset values, stored writes, accesses logged by
//! register name).

use gale_models::bus::{I2cDevice, SpiDevice, UartDevice};
use gale_models::{imxrt, stm32, Peripheral};
use gale_platform::PeripheralDesc;
use gale_scenario::BusKind;

/// A scenario device, ready to attach to a bus controller model.
pub enum Attachment {
    Spi {
        cs: u8,
        dev: Box<dyn SpiDevice>,
    },
    I2c {
        addr: u8,
        dev: Box<dyn I2cDevice>,
    },
    Uart(Box<dyn UartDevice>),
    /// The shared state of a Messaging Unit whose other side belongs to
    /// another core of the same chip.
    MuPeer(imxrt::mu::MuLink),
}

/// The kind of bus a model id controls, if it is a bus controller.
pub fn bus_kind(model: &str) -> Option<BusKind> {
    match model {
        "imxrt.lpspi" | "stm32f1.spi" => Some(BusKind::Spi),
        "imxrt.lpi2c" | "stm32f1.i2c" => Some(BusKind::I2c),
        "imxrt.lpuart" | "stm32f1.usart" => Some(BusKind::Uart),
        _ => None,
    }
}

/// A built peripheral and, when the overlay named a model this build does
/// not have, that model id (the peripheral then has SVD semantics).
pub struct Built {
    pub model: Box<dyn Peripheral>,
    pub unimplemented: Option<String>,
}

/// Builds one peripheral instance with its attached devices. Attachments a
/// model cannot take are an error naming the peripheral.
pub fn instantiate(
    desc: &PeripheralDesc,
    mut attachments: Vec<Attachment>,
) -> Result<Built, String> {
    let irq = |i: usize| desc.irqs.get(i).map(|q| q.number);
    let irq_named = |suffix: &str| {
        desc.irqs
            .iter()
            .find(|q| q.name.ends_with(suffix))
            .map(|q| q.number)
    };
    let name = desc.name.as_str();
    let id = desc.model.as_deref();
    let refuse = |what: &str| {
        Err(format!(
            "{name} ({}) cannot take {what}: only bus controllers of the right kind take devices",
            id.unwrap_or("no behavioural model")
        ))
    };
    fn with<T: Controller>(
        mut m: T,
        attachments: &mut Vec<Attachment>,
    ) -> Result<Box<dyn Peripheral>, Attachment> {
        for a in attachments.drain(..) {
            m.take(a)?;
        }
        Ok(Box::new(m))
    }
    let controller = match id {
        Some("imxrt.lpuart") => Some(with(
            imxrt::lpuart::Lpuart::new(name, irq(0)),
            &mut attachments,
        )),
        Some("imxrt.lpspi") => Some(with(
            imxrt::lpspi::Lpspi::new(name, irq(0)),
            &mut attachments,
        )),
        Some("imxrt.lpi2c") => Some(with(
            imxrt::lpi2c::Lpi2c::new(name, irq(0)),
            &mut attachments,
        )),
        Some("stm32f1.usart") => Some(with(
            stm32::usart::Usart::new(name, irq(0)),
            &mut attachments,
        )),
        Some("stm32f1.spi") => Some(with(stm32::spi::Spi::new(name, irq(0)), &mut attachments)),
        Some("imxrt.mu") => {
            let Some(side) = imxrt::mu::Side::from_name(name) else {
                return Err(format!("{name}: the imxrt.mu model needs a name ending in A (CM7 side) or B (CM4 side)"));
            };
            Some(with(
                imxrt::mu::Mu::new(name, side, irq(0)),
                &mut attachments,
            ))
        }
        Some("stm32f1.i2c") => {
            let i2c = stm32::i2c::I2c::new(
                name,
                irq_named("_EV").or(irq(0)),
                irq_named("_ER").or(irq(1)),
            );
            Some(with(i2c, &mut attachments))
        }
        _ => None,
    };
    let attachments = match controller {
        Some(Ok(model)) => {
            return Ok(Built {
                model,
                unimplemented: None,
            })
        }
        Some(Err(refused)) => return refuse(describe(&refused)),
        None => attachments,
    };
    let model: Box<dyn Peripheral> = match id {
        _ if !attachments.is_empty() => return refuse(describe(&attachments[0])),
        // GPIO1-6 have one IRQ per half port; GPIO13 has one for all 32 pins.
        Some("imxrt.gpio") => Box::new(imxrt::gpio::Gpio::new(name, irq(0), irq(1).or(irq(0)))),
        Some("imxrt.gpt") => Box::new(imxrt::gpt::Gpt::new(name, irq(0))),
        Some("imxrt.pit") => Box::new(imxrt::pit::Pit::new(name, irq(0))),
        Some("stm32f1.gpio") => Box::new(stm32::gpio::Gpio::new(name)),
        Some("stm32f1.afio") => Box::new(stm32::afio::Afio::new(name)),
        Some("stm32f1.tim") => Box::new(stm32::tim::Tim::new(name, irq(0))),
        Some("stm32f1.rcc") => Box::new(stm32::rcc::Rcc::new(name, irq(0))),
        Some(other) => {
            return Ok(Built {
                model: svd_fallback(desc),
                unimplemented: Some(other.to_string()),
            })
        }
        None => svd_fallback(desc),
    };
    Ok(Built {
        model,
        unimplemented: None,
    })
}

fn describe(a: &Attachment) -> &'static str {
    match a {
        Attachment::Spi { .. } => "an SPI device",
        Attachment::I2c { .. } => "an I2C device",
        Attachment::Uart(_) => "a UART device",
        Attachment::MuPeer(_) => "the other side of a Messaging Unit",
    }
}

/// ApplySVD semantics for a peripheral no behavioural model claims.
pub fn svd_fallback(desc: &PeripheralDesc) -> Box<dyn Peripheral> {
    Box::new(gale_platform::applysvd::svd_registers(desc))
}
/// A bus controller model that takes attached devices of one kind.
trait Controller: Peripheral + 'static {
    /// Attaches `a`, or hands it back when it is the wrong kind of device.
    fn take(&mut self, a: Attachment) -> Result<(), Attachment>;
}

macro_rules! controller {
    ($t:ty, Spi) => {
        impl Controller for $t {
            fn take(&mut self, a: Attachment) -> Result<(), Attachment> {
                match a {
                    Attachment::Spi { cs, dev } => Ok(self.attach(cs, dev)),
                    other => Err(other),
                }
            }
        }
    };
    ($t:ty, I2c) => {
        impl Controller for $t {
            fn take(&mut self, a: Attachment) -> Result<(), Attachment> {
                match a {
                    Attachment::I2c { addr, dev } => Ok(self.attach(addr, dev)),
                    other => Err(other),
                }
            }
        }
    };
    ($t:ty, Uart) => {
        impl Controller for $t {
            fn take(&mut self, a: Attachment) -> Result<(), Attachment> {
                match a {
                    Attachment::Uart(dev) => Ok(self.attach(dev)),
                    other => Err(other),
                }
            }
        }
    };
}

controller!(imxrt::lpuart::Lpuart, Uart);
controller!(imxrt::lpspi::Lpspi, Spi);
controller!(imxrt::lpi2c::Lpi2c, I2c);
controller!(stm32::usart::Usart, Uart);
controller!(stm32::spi::Spi, Spi);
controller!(stm32::i2c::I2c, I2c);

impl Controller for imxrt::mu::Mu {
    fn take(&mut self, a: Attachment) -> Result<(), Attachment> {
        match a {
            Attachment::MuPeer(link) => {
                self.connect(link);
                Ok(())
            }
            other => Err(other),
        }
    }
}
