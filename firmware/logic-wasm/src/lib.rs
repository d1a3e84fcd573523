//! wasm32 face of `gale_logic::difftest::run`: the host writes a vector
//! into `input_ptr()`, calls `run(kind, len)`, and reads the returned
//! number of bytes from `output_ptr()`.
#![no_std]

/// Largest input and output, in bytes.
pub const INPUT_CAP: usize = 16 * 1024;
pub const OUTPUT_CAP: usize = 64 * 1024;

static mut INPUT: [u8; INPUT_CAP] = [0; INPUT_CAP];
static mut OUTPUT: [u8; OUTPUT_CAP] = [0; OUTPUT_CAP];

#[no_mangle]
pub extern "C" fn input_ptr() -> *mut u8 {
    core::ptr::addr_of_mut!(INPUT) as *mut u8
}

#[no_mangle]
pub extern "C" fn output_ptr() -> *const u8 {
    core::ptr::addr_of!(OUTPUT) as *const u8
}

/// Runs `kind` on the first `len` input bytes; returns the output length.
#[no_mangle]
pub extern "C" fn run(kind: u32, len: u32) -> u32 {
    let len = (len as usize).min(INPUT_CAP);
    // SAFETY: the module is single-threaded and these are its only users.
    let (input, output) = unsafe {
        (
            core::slice::from_raw_parts(input_ptr() as *const u8, len),
            core::slice::from_raw_parts_mut(core::ptr::addr_of_mut!(OUTPUT) as *mut u8, OUTPUT_CAP),
        )
    };
    gale_logic::difftest::run(kind as u8, input, output) as u32
}

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
