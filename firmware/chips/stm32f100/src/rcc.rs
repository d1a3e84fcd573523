//! Clock setup (RM0041 §6): SYSCLK from the PLL fed by HSI/2, x6 = 24 MHz,
//! the value line's maximum; AHB, APB1 and APB2 undivided. The F100's flash
//! needs no wait states at 24 MHz.

use crate::pac;

/// SYSCLK = HCLK = PCLK1 = PCLK2 after [`use_pll_24mhz`].
pub const SYSCLK_HZ: u32 = 24_000_000;

const CR_PLLON: u32 = 1 << 24;
const CR_PLLRDY: u32 = 1 << 25;
/// CFGR.PLLMUL = 0b0100 (x6), PLLSRC = 0 (HSI/2), HPRE/PPRE1/PPRE2 = /1.
const CFGR_PLL_X6_HSI_DIV2: u32 = 0b0100 << 18;
const CFGR_SW_MASK: u32 = 0b11;
const CFGR_SW_PLL: u32 = 0b10;
const CFGR_SWS_PLL: u32 = 0b10 << 2;
const CFGR_SWS_MASK: u32 = 0b11 << 2;

/// The PLL did not lock or the switch did not take within the wait bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockError(pub &'static str);

fn wait(mut cond: impl FnMut() -> bool) -> bool {
    (0..100_000).any(|_| cond())
}

/// Switches SYSCLK to 24 MHz from the PLL (HSI/2 x 6). On an error the
/// PLL is switched off again and SYSCLK is still the HSI.
pub fn use_pll_24mhz(rcc: &pac::RCC) -> Result<u32, ClockError> {
    rcc.cfgr().write(|w| unsafe { w.bits(CFGR_PLL_X6_HSI_DIV2) });
    rcc.cr().modify(|r, w| unsafe { w.bits(r.bits() | CR_PLLON) });
    if !wait(|| rcc.cr().read().bits() & CR_PLLRDY != 0) {
        rcc.cr().modify(|r, w| unsafe { w.bits(r.bits() & !CR_PLLON) });
        return Err(ClockError("PLL did not lock (RCC_CR.PLLRDY)"));
    }
    rcc.cfgr().modify(|r, w| unsafe { w.bits((r.bits() & !CFGR_SW_MASK) | CFGR_SW_PLL) });
    if !wait(|| rcc.cfgr().read().bits() & CFGR_SWS_MASK == CFGR_SWS_PLL) {
        rcc.cfgr().modify(|r, w| unsafe { w.bits(r.bits() & !CFGR_SW_MASK) });
        rcc.cr().modify(|r, w| unsafe { w.bits(r.bits() & !CR_PLLON) });
        return Err(ClockError("SYSCLK did not switch to the PLL (RCC_CFGR.SWS)"));
    }
    Ok(SYSCLK_HZ)
}
