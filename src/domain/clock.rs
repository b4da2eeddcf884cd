//! Hybrid logical clock: stamps that order every edit totally and deterministically.
//!
//! A [`Stamp`] is (wall time in ms, counter, replica). The wall part follows the author's clock
//! when it moves forward; when it stands still (browsers that tick every 100 ms) or runs behind
//! a stamp already seen, the counter grows instead. The replica id breaks the remaining ties, so
//! two browsers never produce equal stamps. One browser profile's tabs share one persisted
//! [`Hlc`] state, advanced inside the IndexedDB transaction that writes the edits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ids::ReplicaId;

/// A hybrid logical clock reading. Ordered by wall time, then counter, then replica.
///
/// Packed to 4-byte alignment: 20 bytes, not 24 with padding, which also makes a `Value`
/// (one holds a stamp) 24 bytes, not 32, in the browser. A field's state there is 88 bytes,
/// not 104, and a start fills 50,000 records' worth of them (73 MiB of memory, not 83).
/// A field is read by copy, never borrowed (`{ stamp.wall_ms }` where a reference is taken).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(C, packed(4))]
pub struct Stamp {
    pub wall_ms: u64,
    pub counter: u32,
    pub replica: ReplicaId,
}

/// The last reading a replica handed out or saw: what the next tick must exceed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClockState {
    pub wall_ms: u64,
    pub counter: u32,
}

/// A replica's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hlc {
    replica: ReplicaId,
    last: ClockState,
}

impl Hlc {
    pub fn new(replica: ReplicaId, last: ClockState) -> Self {
        Self { replica, last }
    }

    pub fn state(&self) -> ClockState {
        self.last
    }

    pub fn replica(&self) -> ReplicaId {
        self.replica
    }

    /// A stamp greater than every stamp this clock handed out or observed.
    pub fn tick(&mut self, now_ms: u64) -> Stamp {
        let next = if now_ms > self.last.wall_ms {
            ClockState { wall_ms: now_ms, counter: 0 }
        } else if self.last.counter == u32::MAX {
            ClockState { wall_ms: self.last.wall_ms + 1, counter: 0 }
        } else {
            ClockState { wall_ms: self.last.wall_ms, counter: self.last.counter + 1 }
        };
        self.last = next;
        Stamp { wall_ms: next.wall_ms, counter: next.counter, replica: self.replica }
    }

    /// Takes note of a stamp from elsewhere so later ticks order after it.
    pub fn observe(&mut self, stamp: Stamp) {
        let seen = ClockState { wall_ms: stamp.wall_ms, counter: stamp.counter };
        self.last = self.last.max(seen);
    }
}

/// Writes `value` as exactly `out.len()` lower-case hex digits, leading zeros included (the
/// caller makes sure it fits).
pub(crate) fn hex_digits(out: &mut [u8], mut value: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b"0123456789abcdef"[(value & 0xf) as usize];
        value >>= 4;
    }
}

impl Stamp {
    /// Hands `f` the text form, built without the formatting machinery: every change set and
    /// every stamp it replaces is written this way, and `write!` with padding cost a third of
    /// storing an import.
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        if self.wall_ms >> 48 != 0 {
            // Past the year 10889: wider than 12 digits, as `{:012x}` writes it.
            return f(&format!("{:012x}-{:08x}-{:016x}", { self.wall_ms }, { self.counter }, { self.replica.0 }));
        }
        let mut text = [0u8; 38];
        hex_digits(&mut text[..12], self.wall_ms);
        text[12] = b'-';
        hex_digits(&mut text[13..21], u64::from(self.counter));
        text[21] = b'-';
        hex_digits(&mut text[22..], self.replica.0);
        f(std::str::from_utf8(&text).unwrap_or_default())
    }
}

impl fmt::Display for Stamp {
    /// Fixed-width hex, so the text form sorts like the stamp itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_text(|text| f.write_str(text))
    }
}

/// Why a stamp's text form was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a clock stamp (expected wall-counter-replica in hex)")]
pub struct StampParseError(String);

impl FromStr for Stamp {
    type Err = StampParseError;

    /// `wall-counter-replica`: 12, 8 and 16 hex digits. Read digit by digit, not through
    /// `split` and `from_str_radix`: an import reads a stamp or two for each of 200,000
    /// change sets, in a build optimised for size.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || StampParseError(text.chars().take(60).collect());
        let bytes = text.as_bytes();
        if bytes.len() != 38 || bytes[12] != b'-' || bytes[21] != b'-' {
            return Err(bad());
        }
        let (Some(wall_ms), Some(counter), Some(replica)) = (hex(&bytes[..12]), hex(&bytes[13..21]), hex(&bytes[22..]))
        else {
            return Err(bad());
        };
        Ok(Stamp { wall_ms, counter: counter as u32, replica: ReplicaId(replica) })
    }
}

/// The number that hex digits (either case, at most 16) write.
#[inline(always)]
fn hex(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |n, &digit| {
        let value = match digit {
            b'0'..=b'9' => digit - b'0',
            b'a'..=b'f' => digit - b'a' + 10,
            b'A'..=b'F' => digit - b'A' + 10,
            _ => return None,
        };
        Some(n << 4 | u64::from(value))
    })
}

/// Text in human-readable formats (JSON files and chunks); three numbers in binary ones (the
/// stored snapshot), which are far cheaper to read back.
impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            self.with_text(|text| serializer.serialize_str(text))
        } else {
            (self.wall_ms, self.counter, self.replica.0).serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            super::text::from_text(deserializer, "a clock stamp", str::parse::<Stamp>)
        } else {
            let (wall_ms, counter, replica) = <(u64, u32, u64)>::deserialize(deserializer)?;
            Ok(Stamp { wall_ms, counter, replica: ReplicaId(replica) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_is_written_as_fixed_width_hex_and_reads_back() {
        for (wall_ms, counter, replica) in
            [(0, 0, 0), (1, 2, 3), ((1 << 48) - 1, u32::MAX, u64::MAX), (1_764_000_000_000, 17, 0xdead_beef)]
        {
            let stamp = Stamp { wall_ms, counter, replica: ReplicaId(replica) };
            let text = stamp.to_string();
            assert_eq!(text, format!("{wall_ms:012x}-{counter:08x}-{replica:016x}"));
            assert_eq!(serde_json::to_string(&stamp).unwrap(), format!("\"{text}\""));
            assert_eq!(text.parse::<Stamp>(), Ok(stamp));
        }
        let far = Stamp { wall_ms: 1 << 52, counter: 1, replica: ReplicaId(1) };
        assert_eq!(far.to_string(), format!("{:012x}-00000001-0000000000000001", 1u64 << 52));
    }

    fn clock(replica: u64) -> Hlc {
        Hlc::new(ReplicaId(replica), ClockState::default())
    }

    #[test]
    fn a_coarse_clock_still_gives_increasing_stamps() {
        // A browser whose clock ticks every 100 ms: a burst of edits within one tick.
        let mut hlc = clock(1);
        let stamps: Vec<Stamp> = (0..10_000).map(|i| hlc.tick(1_000_000 + (i / 5_000) * 100)).collect();
        assert!(stamps.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(stamps[4_999].counter, 4_999);
        assert_eq!({ stamps[5_000].wall_ms }, 1_000_100);
        assert_eq!(stamps[5_000].counter, 0);
    }

    #[test]
    fn a_clock_set_back_never_goes_back() {
        let mut hlc = clock(1);
        let before = hlc.tick(5_000);
        let after = hlc.tick(1_000); // the user moved the system clock back
        assert!(after > before);
        assert_eq!({ after.wall_ms }, 5_000);
    }

    #[test]
    fn observed_stamps_order_before_the_next_tick() {
        let mut hlc = clock(1);
        let remote = Stamp { wall_ms: 9_000, counter: 7, replica: ReplicaId(2) };
        hlc.observe(remote);
        let next = hlc.tick(1_000);
        assert!(next > remote);
    }

    #[test]
    fn two_replicas_of_one_member_never_tie() {
        // One person on two browsers, both clocks reading the same millisecond.
        let a = clock(1).tick(42);
        let b = clock(2).tick(42);
        assert_ne!(a, b);
        assert!(a < b);
    }

    #[test]
    fn counter_overflow_moves_the_wall_forward() {
        let mut hlc = Hlc::new(ReplicaId(1), ClockState { wall_ms: 10, counter: u32::MAX });
        let next = hlc.tick(10);
        assert_eq!((next.wall_ms, next.counter), (11, 0));
    }

    #[test]
    fn text_form_round_trips_and_sorts_like_stamps() {
        let a = Stamp { wall_ms: 0x18f_0000_0000, counter: 3, replica: ReplicaId(u64::MAX) };
        let b = Stamp { wall_ms: 0x18f_0000_0001, counter: 0, replica: ReplicaId(0) };
        assert_eq!(a.to_string().parse::<Stamp>(), Ok(a));
        assert!(a.to_string() < b.to_string());
        assert!("not-a-stamp".parse::<Stamp>().is_err());
        assert!("zzzzzzzzzzzz-00000000-0000000000000000".parse::<Stamp>().is_err());
        // Only hex digits, in fixed widths, with the dashes where they belong.
        for text in [
            "+00000000001-00000000-0000000000000000",
            "000000000001-0000000+-0000000000000000",
            "000000000001-00000000-000000000000000",
            "000000000001-00000000-00000000000000000",
            "0000000000010-0000000-0000000000000000",
            "000000000001-00000000-00000000000000é",
            "000000000001_00000000_0000000000000000",
        ] {
            assert!(text.parse::<Stamp>().is_err(), "{text}");
        }
        let upper: Stamp = "00000000000A-0000000B-000000000000000C".parse().unwrap();
        assert_eq!((upper.wall_ms, upper.counter, upper.replica.0), (10, 11, 12));
    }
}
