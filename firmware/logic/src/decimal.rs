//! Decimal formatting of unsigned integers without `core::fmt` (which costs
//! kilobytes of flash on the smallest image).

/// Longest decimal form of a `u32` ("4294967295").
pub const U32_DIGITS: usize = 10;

/// Writes `value` in decimal into the end of `buf` and returns the digits.
pub fn format_u32(value: u32, buf: &mut [u8; U32_DIGITS]) -> &[u8] {
    let mut v = value;
    let mut start = U32_DIGITS;
    loop {
        start -= 1;
        buf[start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(v: u32) -> [u8; U32_DIGITS + 1] {
        let mut buf = [0; U32_DIGITS];
        let digits = format_u32(v, &mut buf);
        let mut out = [b' '; U32_DIGITS + 1];
        out[..digits.len()].copy_from_slice(digits);
        out
    }

    #[test]
    fn matches_core_fmt_on_edges_and_a_sweep() {
        let edges = [0u32, 1, 9, 10, 99, 100, 65_535, 1_000_000_000, u32::MAX];
        let sweep = (0..2000u32).map(|i| i.wrapping_mul(2_654_435_761));
        for v in edges.into_iter().chain(sweep) {
            let expected = v.to_string();
            let got = fmt(v);
            assert_eq!(&got[..expected.len()], expected.as_bytes(), "{v}");
            assert_eq!(got[expected.len()], b' ', "{v}: extra digits");
        }
    }
}
