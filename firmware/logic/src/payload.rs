//! Fixed-capacity payload buffer filled byte by byte by the stream decoders.

/// Up to `N` bytes, with the expected length announced up front.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payload<const N: usize> {
    expected: u16,
    got: u16,
    buf: [u8; N],
}

impl<const N: usize> Payload<N> {
    pub const fn new() -> Self {
        Payload { expected: 0, got: 0, buf: [0; N] }
    }

    /// Starts a payload of `len` bytes; `false` (and nothing changed) if
    /// `len` exceeds the capacity `N`.
    pub fn start(&mut self, len: u16) -> bool {
        if len as usize > N {
            return false;
        }
        self.expected = len;
        self.got = 0;
        true
    }

    /// Stores one byte; returns `true` once the announced length is complete.
    pub fn push(&mut self, byte: u8) -> bool {
        if self.got < self.expected {
            self.buf[self.got as usize] = byte;
            self.got += 1;
        }
        self.is_complete()
    }

    pub fn is_complete(&self) -> bool {
        self.got == self.expected
    }

    /// The announced length.
    pub fn len(&self) -> usize {
        self.expected as usize
    }

    pub fn is_empty(&self) -> bool {
        self.expected == 0
    }

    /// The bytes stored so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..self.got as usize]
    }
}

impl<const N: usize> Default for Payload<N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_to_the_announced_length_and_no_further() {
        let mut p = Payload::<4>::new();
        assert!(!p.start(5));
        assert!(p.start(2));
        assert!(!p.push(1));
        assert!(p.push(2));
        assert!(p.push(3));
        assert_eq!(p.as_slice(), &[1, 2]);
    }
}
