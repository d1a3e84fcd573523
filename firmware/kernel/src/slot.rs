//! A static home for a driver built during init and used later by tasks or
//! interrupt handlers: `Slot::put` once, then `Slot::with` inside a
//! critical section.

use core::cell::RefCell;

use critical_section::Mutex;

pub struct Slot<T> {
    inner: Mutex<RefCell<Option<T>>>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Slot<T> {
    pub const fn new() -> Self {
        Slot { inner: Mutex::new(RefCell::new(None)) }
    }

    /// Stores `value`, returning the previous one.
    pub fn put(&self, value: T) -> Option<T> {
        critical_section::with(|cs| self.inner.borrow_ref_mut(cs).replace(value))
    }

    /// Removes the value (e.g. to move it into the task that owns it).
    pub fn take(&self) -> Option<T> {
        critical_section::with(|cs| self.inner.borrow_ref_mut(cs).take())
    }

    /// Runs `f` on the value; `None` if the slot is empty.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        critical_section::with(|cs| self.inner.borrow_ref_mut(cs).as_mut().map(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_with_take() {
        let s = Slot::new();
        assert_eq!(s.with(|v: &mut u8| *v), None);
        assert_eq!(s.put(1), None);
        assert_eq!(
            s.with(|v| {
                *v += 1;
                *v
            }),
            Some(2)
        );
        assert_eq!(s.take(), Some(2));
        assert_eq!(s.take(), None);
    }
}
