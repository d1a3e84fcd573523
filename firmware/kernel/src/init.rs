//! Construction: devices declare an init level, a priority inside the level
//! and the names of the devices they depend on. [`plan`] orders them (it is a
//! `const fn`, so a board evaluates it in a `const` and a cycle, a missing
//! dependency or a dependency on a later level fails the build with the
//! device named); [`run`] calls the init functions in that order and stops
//! at the first failure with the failing device named.
//!
//! Order: by level, then inside a level by dependencies first, then by
//! priority (lower number first), then by table position.

/// Init levels, in boot order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// First of all: watchdogs, memory and clock setup that everything
    /// else relies on (code that must run before RAM is initialised goes in
    /// cortex-m-rt's `pre_init` instead).
    Early = 0,
    /// Devices without kernel services: pins, clocks, interrupt controller.
    PreKernel1 = 1,
    /// Devices that need PRE_KERNEL_1: timers, buses.
    PreKernel2 = 2,
    /// After the executors and the timer queue exist: drivers that block or
    /// use interrupts, sensors.
    PostKernel = 3,
    /// Application tasks; the scheduler starts after this level.
    Application = 4,
}

/// What an init function reports when it fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceError(pub &'static str);

/// One device in the construction table.
#[derive(Clone, Copy)]
pub struct Device {
    pub name: &'static str,
    pub level: Level,
    pub priority: u8,
    pub deps: &'static [&'static str],
    pub init: fn() -> Result<(), DeviceError>,
}

/// Why a table cannot be ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// `device` depends on `missing`, which is not in the table.
    MissingDependency { device: &'static str, missing: &'static str },
    /// `device` depends on `dependency`, which initialises at a later level.
    LaterLevel { device: &'static str, dependency: &'static str },
    /// `device` is on a dependency cycle.
    Cycle { device: &'static str },
    /// Two devices share `name`.
    DuplicateName { name: &'static str },
}

/// A boot stopped at `device` (level `level`) with `error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootError {
    pub device: &'static str,
    pub level: Level,
    pub error: DeviceError,
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn find(table: &[Device], name: &str) -> Option<usize> {
    let mut i = 0;
    while i < table.len() {
        if str_eq(table[i].name, name) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Orders `table`; `order[k]` is the table index of the k-th device to init.
pub const fn plan<const N: usize>(table: &[Device; N]) -> Result<[usize; N], PlanError> {
    // Validate names and dependencies.
    let mut i = 0;
    while i < N {
        let mut j = i + 1;
        while j < N {
            if str_eq(table[i].name, table[j].name) {
                return Err(PlanError::DuplicateName { name: table[i].name });
            }
            j += 1;
        }
        let mut d = 0;
        while d < table[i].deps.len() {
            let dep = table[i].deps[d];
            match find(table, dep) {
                None => return Err(PlanError::MissingDependency { device: table[i].name, missing: dep }),
                Some(k) => {
                    if table[k].level as u8 > table[i].level as u8 {
                        return Err(PlanError::LaterLevel { device: table[i].name, dependency: dep });
                    }
                }
            }
            d += 1;
        }
        i += 1;
    }
    // Repeatedly pick the smallest (level, priority, index) whose
    // dependencies are all placed.
    let mut order = [0usize; N];
    let mut placed = [false; N];
    let mut k = 0;
    while k < N {
        let mut best: Option<usize> = None;
        let mut i = 0;
        while i < N {
            if !placed[i] && deps_placed(table, &placed, i) {
                best = match best {
                    Some(b) if !before(&table[i], &table[b]) => Some(b),
                    _ => Some(i),
                };
            }
            i += 1;
        }
        match best {
            Some(b) => {
                placed[b] = true;
                order[k] = b;
            }
            None => {
                // Everything left waits on something unplaced: a cycle.
                let mut i = 0;
                while placed[i] {
                    i += 1;
                }
                return Err(PlanError::Cycle { device: table[i].name });
            }
        }
        k += 1;
    }
    Ok(order)
}

const fn deps_placed<const N: usize>(table: &[Device; N], placed: &[bool; N], i: usize) -> bool {
    let mut d = 0;
    while d < table[i].deps.len() {
        match find(table, table[i].deps[d]) {
            Some(k) if placed[k] => {}
            _ => return false,
        }
        d += 1;
    }
    true
}

const fn before(a: &Device, b: &Device) -> bool {
    (a.level as u8) < (b.level as u8) || ((a.level as u8) == (b.level as u8) && a.priority < b.priority)
}

/// Evaluates [`plan`] at compile time; the build fails with a message that
/// names the device, e.g. `init table: dependency cycle through "imu0"`.
///
/// ```
/// use gale_kernel::init::{plan_or_fail, Device, DeviceError, Level};
/// fn ok() -> Result<(), DeviceError> { Ok(()) }
/// const TABLE: [Device; 2] = [
///     Device { name: "imu0", level: Level::PostKernel, priority: 0, deps: &["spi"], init: ok },
///     Device { name: "spi", level: Level::PreKernel2, priority: 0, deps: &[], init: ok },
/// ];
/// const ORDER: [usize; 2] = plan_or_fail(&TABLE);
/// assert_eq!(ORDER, [1, 0]);
/// ```
///
/// A dependency cycle does not build:
///
/// ```compile_fail
/// use gale_kernel::init::{plan_or_fail, Device, DeviceError, Level};
/// fn ok() -> Result<(), DeviceError> { Ok(()) }
/// const TABLE: [Device; 2] = [
///     Device { name: "imu0", level: Level::PostKernel, priority: 0, deps: &["spi"], init: ok },
///     Device { name: "spi", level: Level::PostKernel, priority: 0, deps: &["imu0"], init: ok },
/// ];
/// const ORDER: [usize; 2] = plan_or_fail(&TABLE);
/// ```
///
/// Nor does a missing dependency:
///
/// ```compile_fail
/// use gale_kernel::init::{plan_or_fail, Device, DeviceError, Level};
/// fn ok() -> Result<(), DeviceError> { Ok(()) }
/// const TABLE: [Device; 1] = [Device { name: "imu0", level: Level::PostKernel, priority: 0, deps: &["spi"], init: ok }];
/// const ORDER: [usize; 1] = plan_or_fail(&TABLE);
/// ```
pub const fn plan_or_fail<const N: usize>(table: &[Device; N]) -> [usize; N] {
    let mut buf = [0u8; 160];
    match plan(table) {
        Ok(order) => order,
        Err(e) => panic!("{}", describe(e, &mut buf)),
    }
}

/// A one-line description of `e` written into `buf` (truncated to fit).
pub const fn describe(e: PlanError, buf: &mut [u8; 160]) -> &str {
    let parts: [&str; 4] = match e {
        PlanError::MissingDependency { device, missing } => ["init table: \"", device, "\" depends on missing device \"", missing],
        PlanError::LaterLevel { device, dependency } => ["init table: \"", device, "\" depends on later-level device \"", dependency],
        PlanError::Cycle { device } => ["init table: dependency cycle through \"", device, "", ""],
        PlanError::DuplicateName { name } => ["init table: two devices are named \"", name, "", ""],
    };
    let mut n = 0;
    let mut p = 0;
    while p < 5 {
        let part = if p < 4 { parts[p].as_bytes() } else { b"\"".as_slice() };
        let mut i = 0;
        while i < part.len() && n < buf.len() {
            buf[n] = part[i];
            n += 1;
            i += 1;
        }
        p += 1;
    }
    let (text, _) = buf.split_at(n);
    match core::str::from_utf8(text) {
        Ok(s) => s,
        Err(_) => "init table: invalid (name not UTF-8 after truncation)",
    }
}

/// Runs the init functions in `order`; `before_each` sees every device just
/// before its init (for boot logging).
pub fn run<const N: usize>(table: &[Device; N], order: &[usize; N], mut before_each: impl FnMut(&Device)) -> Result<(), BootError> {
    for &i in order {
        let dev = &table[i];
        before_each(dev);
        (dev.init)().map_err(|error| BootError { device: dev.name, level: dev.level, error })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
