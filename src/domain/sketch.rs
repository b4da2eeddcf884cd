//! A summary of a short text (40 bytes) that tells, without reading the text, that it cannot
//! contain a needle: which letters and digits occur in it, and a set of hashed byte pairs.
//!
//! The list's search box keeps one per row and reads a row's text only when its sketch allows
//! the needle, so a key at 50,000 rows reads a few thousand texts instead of all of them
//! (issue 4: a key must update the list within 16 ms).

/// Bits for single bytes: the 26 lower-case ASCII letters and 10 digits have a bit each, so
/// their presence is exact; any other byte shares one of the remaining 28 bits.
const EXACT_BITS: u32 = 36;

/// Which bytes and byte pairs a text holds (pairs hashed into 256 bits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sketch {
    bytes: u64,
    pairs: [u64; 4],
}

fn byte_bit(byte: u8) -> u32 {
    match byte {
        b'a'..=b'z' => u32::from(byte - b'a'),
        b'0'..=b'9' => 26 + u32::from(byte - b'0'),
        other => EXACT_BITS + u32::from(other) % (64 - EXACT_BITS),
    }
}

fn pair_bit(first: u8, second: u8) -> u32 {
    // The top 8 bits of a multiplicative hash of the two bytes.
    ((u32::from(first) << 8 | u32::from(second)).wrapping_mul(0x9E37_79B1)) >> 24
}

impl Sketch {
    /// The sketch of `text`.
    pub fn of(text: &str) -> Sketch {
        let mut sketch = Sketch::default();
        let bytes = text.as_bytes();
        for &byte in bytes {
            sketch.bytes |= 1 << byte_bit(byte);
        }
        for pair in bytes.windows(2) {
            let bit = pair_bit(pair[0], pair[1]);
            sketch.pairs[(bit / 64) as usize] |= 1 << (bit % 64);
        }
        sketch
    }

    /// False when a text with this sketch cannot contain a needle with the sketch `needle`;
    /// true when it may (it does for sure when [`Sketch::decides`] says so).
    pub fn may_contain(&self, needle: &Sketch) -> bool {
        self.bytes & needle.bytes == needle.bytes
            && self.pairs.iter().zip(needle.pairs.iter()).all(|(have, want)| have & want == *want)
    }

    /// Whether `may_contain` is the exact answer for `needle`: a single letter or digit.
    pub fn decides(needle: &str) -> bool {
        matches!(needle.as_bytes(), [b'a'..=b'z' | b'0'..=b'9'])
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use proptest::prelude::*;

    use super::Sketch;

    #[test]
    fn a_text_may_contain_its_parts_and_not_what_it_lacks() {
        let text = Sketch::of("inc-000123 mail relay rejects messages email ada");
        for part in ["mail", "inc-0001", "relay rej", "a", "3", " "] {
            assert!(text.may_contain(&Sketch::of(part)), "{part}");
        }
        for absent in ["z", "q", "9", "vpn"] {
            assert!(!text.may_contain(&Sketch::of(absent)), "{absent}");
        }
    }

    #[test]
    fn single_letters_and_digits_are_decided() {
        assert!(Sketch::decides("m") && Sketch::decides("7"));
        assert!(!Sketch::decides("ma") && !Sketch::decides("-") && !Sketch::decides("é") && !Sketch::decides(""));
    }

    proptest! {
        /// Never a false "cannot": a text may contain every piece of itself, and the answer for
        /// a decided needle is exact.
        #[test]
        fn never_rules_out_a_real_match(text in "[a-z0-9 .é-]{0,60}", from in 0usize..60, len in 0usize..8, probe in "[a-z0-9]") {
            let sketch = Sketch::of(&text);
            let chars: Vec<char> = text.chars().collect();
            let from = from.min(chars.len());
            let needle: String = chars[from..(from + len).min(chars.len())].iter().collect();
            prop_assert!(sketch.may_contain(&Sketch::of(&needle)));
            prop_assert_eq!(sketch.may_contain(&Sketch::of(&probe)), text.contains(probe.as_str()));
        }
    }
}
