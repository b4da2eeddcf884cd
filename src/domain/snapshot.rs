//! The snapshot form of folded records: what the store keeps so that a start does not refold
//! every change set. The change sets stay the truth; a snapshot that does not decode is
//! rebuilt from them.
//!
//! Reading 50,000 records back is the largest cost of a start, so the form is a plain binary
//! one, written and read here by hand rather than through serde: at the size-optimised build
//! the app ships, serde's generic layers were most of the time of a decode. A page is a count
//! and the records one after the other:
//!
//! - integers: unsigned LEB128 varints; signed ones zigzag-encoded first;
//! - text: its length in bytes, then its UTF-8 bytes;
//! - a record id: its 16 bytes; a stamp: wall ms and counter as varints, the replica as 8
//!   bytes little-endian (random, so a varint would be longer);
//! - a list, set or map: its length, then its items (sets and maps in their order);
//! - an option: 0, or 1 then the value; a value: a tag byte (`tag`) then its content.
//!
//! A record: id, kind, created and updated origins (member, ms, stamp), then its fields, each
//! a name and its `FieldState` parts in declaration order. Change the form only together with
//! `SnapshotInfo::FOLD_VERSION` in the store, which rebuilds older snapshots.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::clock::Stamp;
use super::ids::{Member, RecordId, ReplicaId};
use super::name::Name;
use super::record::{Entry, FieldState, Head, Origin, Record};
use super::value::{Opaque, Value};

/// Why a snapshot page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SnapshotError(&'static str);

/// The tag byte of each kind of value.
mod tag {
    pub const TEXT: u8 = 0;
    pub const NUMBER: u8 = 1;
    pub const INSTANT: u8 = 2;
    pub const DATE: u8 = 3;
    pub const LINK: u8 = 4;
    pub const FLAG: u8 = 5;
    pub const UNKNOWN: u8 = 6;
    pub const REDACTED: u8 = 7;
}

/// Encodes a page of records.
pub fn encode(records: &[&Record]) -> Vec<u8> {
    let mut out = Writer(Vec::with_capacity(records.len() * 600));
    out.len(records.len());
    for record in records {
        out.record(record);
    }
    out.0
}

/// Decodes a page of records.
pub fn decode(bytes: &[u8]) -> Result<Vec<Record>, SnapshotError> {
    let mut input = Reader { bytes, at: 0 };
    let count = input.len()?;
    let mut records = Vec::with_capacity(count);
    for _ in 0..count {
        records.push(input.record()?);
    }
    if input.at != bytes.len() {
        return Err(SnapshotError("bytes after the last record"));
    }
    Ok(records)
}

struct Writer(Vec<u8>);

impl Writer {
    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push(n as u8 | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn len(&mut self, n: usize) {
        self.varint(n as u64);
    }

    fn signed(&mut self, n: i64) {
        self.varint(((n << 1) ^ (n >> 63)) as u64);
    }

    fn text(&mut self, text: &str) {
        self.len(text.len());
        self.0.extend_from_slice(text.as_bytes());
    }

    fn stamp(&mut self, stamp: &Stamp) {
        self.varint(stamp.wall_ms);
        self.varint(u64::from(stamp.counter));
        self.0.extend_from_slice(&stamp.replica.0.to_le_bytes());
    }

    fn origin(&mut self, origin: &Origin) {
        self.text(origin.member.as_str());
        self.signed(origin.at.timestamp_millis());
        self.stamp(&origin.stamp);
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Text(text) => {
                self.0.push(tag::TEXT);
                self.text(text);
            }
            Value::Number(n) => {
                self.0.push(tag::NUMBER);
                self.signed(*n);
            }
            Value::Instant(at) => {
                self.0.push(tag::INSTANT);
                self.signed(at.timestamp());
                self.varint(u64::from(at.timestamp_subsec_nanos()));
            }
            Value::Date(date) => {
                self.0.push(tag::DATE);
                self.signed(i64::from(date.num_days_from_ce()));
            }
            Value::Link(id) => {
                self.0.push(tag::LINK);
                self.0.extend_from_slice(&id.to_bytes());
            }
            Value::Flag(flag) => {
                self.0.push(tag::FLAG);
                self.0.push(u8::from(*flag));
            }
            Value::Unknown(opaque) => {
                self.0.push(tag::UNKNOWN);
                self.text(opaque.text());
            }
            Value::Redacted(by) => {
                self.0.push(tag::REDACTED);
                self.stamp(by);
            }
        }
    }

    fn option<T>(&mut self, item: Option<&T>, write: fn(&mut Self, &T)) {
        match item {
            None => self.0.push(0),
            Some(item) => {
                self.0.push(1);
                write(self, item);
            }
        }
    }

    fn field(&mut self, state: &FieldState) {
        self.len(state.heads.len());
        for head in &state.heads {
            self.stamp(&head.stamp);
            self.varint(u64::from(head.index));
            self.option(head.value.as_ref(), Self::value);
        }
        self.len(state.replaced.len());
        state.replaced.iter().for_each(|stamp| self.stamp(stamp));
        self.len(state.added.len());
        for (stamp, value) in &state.added {
            self.stamp(stamp);
            self.value(value);
        }
        self.len(state.removed.len());
        for (stamp, value) in &state.removed {
            self.stamp(stamp);
            self.value(value);
        }
        self.len(state.entries.len());
        for entry in &state.entries {
            self.stamp(&entry.stamp);
            self.varint(u64::from(entry.index));
            self.text(entry.member.as_str());
            self.signed(entry.at.timestamp_millis());
            self.text(&entry.text);
            self.option(entry.redacted.as_ref(), Self::stamp);
        }
        self.len(state.redacted.len());
        for ((stamp, index), by) in &state.redacted {
            self.stamp(stamp);
            self.varint(u64::from(*index));
            self.stamp(by);
        }
    }

    fn record(&mut self, record: &Record) {
        self.0.extend_from_slice(&record.id.to_bytes());
        self.text(&record.kind);
        self.origin(&record.created);
        self.origin(&record.updated);
        self.len(record.fields.len());
        for (name, state) in &record.fields {
            self.text(name);
            self.field(state);
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

const SHORT: SnapshotError = SnapshotError("a snapshot page ends too soon");

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, SnapshotError> {
        let byte = *self.bytes.get(self.at).ok_or(SHORT)?;
        self.at += 1;
        Ok(byte)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.at.checked_add(n).filter(|end| *end <= self.bytes.len()).ok_or(SHORT)?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn varint(&mut self) -> Result<u64, SnapshotError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            n |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(n);
            }
        }
        Err(SnapshotError("a number in a snapshot page is too long"))
    }

    fn signed(&mut self) -> Result<i64, SnapshotError> {
        let n = self.varint()?;
        Ok((n >> 1) as i64 ^ -((n & 1) as i64))
    }

    fn small<T: TryFrom<u64>>(&mut self) -> Result<T, SnapshotError> {
        T::try_from(self.varint()?).map_err(|_| SnapshotError("a number in a snapshot page is out of range"))
    }

    /// A count of items, each at least one byte: never more than the bytes left (so a damaged
    /// count cannot ask for a huge allocation).
    fn len(&mut self) -> Result<usize, SnapshotError> {
        let n: usize = self.small()?;
        if n > self.bytes.len() - self.at {
            return Err(SHORT);
        }
        Ok(n)
    }

    fn str(&mut self) -> Result<&'a str, SnapshotError> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| SnapshotError("text in a snapshot page is not UTF-8"))
    }

    fn id(&mut self) -> Result<RecordId, SnapshotError> {
        let bytes: [u8; 16] = self.take(16)?.try_into().map_err(|_| SHORT)?;
        Ok(RecordId::from_bytes(bytes))
    }

    fn stamp(&mut self) -> Result<Stamp, SnapshotError> {
        let wall_ms = self.varint()?;
        let counter = self.small()?;
        let replica: [u8; 8] = self.take(8)?.try_into().map_err(|_| SHORT)?;
        Ok(Stamp { wall_ms, counter, replica: ReplicaId(u64::from_le_bytes(replica)) })
    }

    fn millis(&mut self) -> Result<DateTime<Utc>, SnapshotError> {
        DateTime::from_timestamp_millis(self.signed()?)
            .ok_or(SnapshotError("a time in a snapshot page is out of range"))
    }

    fn origin(&mut self) -> Result<Origin, SnapshotError> {
        Ok(Origin { member: Member::read(self.str()?), at: self.millis()?, stamp: self.stamp()? })
    }

    fn value(&mut self) -> Result<Value, SnapshotError> {
        const OUT: SnapshotError = SnapshotError("a value in a snapshot page is out of range");
        Ok(match self.byte()? {
            tag::TEXT => Value::Text(self.str()?.to_string()),
            tag::NUMBER => Value::Number(self.signed()?),
            tag::INSTANT => {
                let (seconds, nanos) = (self.signed()?, self.small()?);
                Value::Instant(DateTime::from_timestamp(seconds, nanos).ok_or(OUT)?)
            }
            tag::DATE => {
                let days = i32::try_from(self.signed()?).map_err(|_| OUT)?;
                Value::Date(NaiveDate::from_num_days_from_ce_opt(days).ok_or(OUT)?)
            }
            tag::LINK => Value::Link(self.id()?),
            tag::FLAG => Value::Flag(self.byte()? != 0),
            tag::UNKNOWN => Value::Unknown(Opaque::stored(self.str()?.to_string())),
            tag::REDACTED => Value::Redacted(self.stamp()?),
            _ => return Err(SnapshotError("a value in a snapshot page has an unknown type")),
        })
    }

    fn option(&mut self) -> Result<bool, SnapshotError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(SnapshotError("a snapshot page is damaged")),
        }
    }

    fn field(&mut self) -> Result<FieldState, SnapshotError> {
        let mut state = FieldState::default();
        for _ in 0..self.len()? {
            let (stamp, index) = (self.stamp()?, self.small()?);
            let value = if self.option()? { Some(self.value()?) } else { None };
            state.heads.push(Head { stamp, index, value });
        }
        for _ in 0..self.len()? {
            state.replaced.insert(self.stamp()?);
        }
        let added = self.len()?;
        state.added.reserve_exact(added);
        for _ in 0..added {
            state.added.push((self.stamp()?, self.value()?));
        }
        for _ in 0..self.len()? {
            state.removed.insert((self.stamp()?, self.value()?));
        }
        let entries = self.len()?;
        state.entries.reserve_exact(entries);
        for _ in 0..entries {
            let (stamp, index) = (self.stamp()?, self.small()?);
            let (member, at) = (Member::read(self.str()?), self.millis()?);
            let text = self.str()?.to_string();
            let redacted = if self.option()? { Some(self.stamp()?) } else { None };
            state.entries.push(Entry { stamp, index, member, at, text, redacted });
        }
        for _ in 0..self.len()? {
            let (stamp, index, by) = (self.stamp()?, self.small()?, self.stamp()?);
            state.redacted.insert((stamp, index), by);
        }
        Ok(state)
    }

    fn record(&mut self) -> Result<Record, SnapshotError> {
        let id = self.id()?;
        let kind = Name::new(self.str()?);
        let (created, updated) = (self.origin()?, self.origin()?);
        let mut fields = BTreeMap::new();
        for _ in 0..self.len()? {
            let name = Name::new(self.str()?);
            fields.insert(name, self.field()?);
        }
        Ok(Record { id, kind, created, updated, fields })
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::domain::demo;
    use crate::domain::edit::{ChangeSet, Edit, EditRef, Op};
    use crate::domain::ids::{ChangeSetId, Member, RecordId};
    use crate::domain::record::fold_all;
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn sample() -> Vec<Record> {
        let none: BTreeMap<RecordId, Record> = BTreeMap::new();
        let sets =
            demo::sample_history(200, &none, |_| 1, &Member::new("Ada").unwrap(), DateTime::<Utc>::UNIX_EPOCH, 3);
        fold_all(&sets).into_values().collect()
    }

    fn round_trip(records: &[Record]) -> Vec<Record> {
        decode(&encode(&records.iter().collect::<Vec<_>>())).unwrap()
    }

    #[test]
    fn records_round_trip_through_a_snapshot_page() {
        let records = sample();
        assert_eq!(round_trip(&records), records);
        // Compact: well under the JSON form of the same records.
        let bytes = encode(&records.iter().collect::<Vec<_>>());
        let json = serde_json::to_string(&records).unwrap();
        assert!(bytes.len() * 2 < json.len(), "{} bytes binary vs {} JSON", bytes.len(), json.len());
    }

    #[test]
    fn a_damaged_page_is_an_error_not_a_panic() {
        let records = sample();
        let bytes = encode(&records.iter().collect::<Vec<_>>());
        for cut in [0, 1, 17, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode(b"not a snapshot").is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        // A huge count is refused before anything is allocated for it.
        assert!(decode(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        // Every single damaged byte gives a page or an error, never a panic.
        for at in (0..bytes.len()).step_by(bytes.len() / 400 + 1) {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x5a;
            let _ = decode(&damaged);
        }
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            ".{0,12}".prop_map(Value::Text),
            any::<i64>().prop_map(Value::Number),
            (-100_000_000_000i64..100_000_000_000, 0u32..1_000_000_000)
                .prop_filter_map("in range", |(s, n)| DateTime::from_timestamp(s, n).map(Value::Instant)),
            (-300_000i32..3_000_000)
                .prop_filter_map("in range", |d| NaiveDate::from_num_days_from_ce_opt(d).map(Value::Date)),
            any::<[u8; 16]>().prop_map(|b| Value::Link(RecordId::from_bytes(b))),
            any::<bool>().prop_map(Value::Flag),
            "[a-z]{1,6}".prop_map(|t| Value::Unknown(Opaque::stored(format!("{{\"{t}\":1}}")))),
            (any::<u64>(), any::<u32>(), any::<u64>()).prop_map(|(w, c, r)| Value::Redacted(Stamp {
                wall_ms: w,
                counter: c,
                replica: ReplicaId(r)
            })),
        ]
    }

    proptest! {
        /// Any record the fold makes (heads, conflicts, sets, removes, notes, redactions, values of
        /// every type, names the catalogue does not declare) reads back as it was written.
        #[test]
        fn any_folded_record_reads_back_as_it_was_written(
            steps in prop::collection::vec((0u8..3, 0u8..6, 0usize..4, value(), any::<u64>()), 1..30)
        ) {
            let record = RecordId::new(1, [1; 10]);
            let mut sets: Vec<ChangeSet> = Vec::new();
            for (i, (replica, op, field, value, mask)) in steps.into_iter().enumerate() {
                let field = ["title", "items", "notes", "geo_position"][field];
                let earlier: Vec<Stamp> =
                    sets.iter().enumerate().filter(|(j, _)| mask >> (j % 64) & 1 == 1).map(|(_, c)| c.stamp).collect();
                let edit = match op {
                    0 => Edit::set(field, Some(value), earlier),
                    1 => Edit::set(field, None, earlier),
                    2 => Edit { field: field.into(), op: Op::Add(value), replaces: vec![] },
                    3 => Edit { field: field.into(), op: Op::Remove(value), replaces: earlier },
                    4 => Edit::append(field, format!("note {i}")),
                    _ => match sets.last() {
                        Some(last) => Edit { field: last.edits[0].field.clone(), op: Op::Redact(EditRef { stamp: last.stamp, index: 0 }), replaces: vec![] },
                        None => Edit::append(field, "first".into()),
                    },
                };
                sets.push(ChangeSet {
                    id: ChangeSetId::new(i as u64, [i as u8; 10]),
                    record,
                    kind: if i % 5 == 4 { "some_newer_kind".into() } else { "incident".into() },
                    member: Member::new(["Ada", "Bea", "Cy"][replica as usize]).unwrap(),
                    at: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::milliseconds(i as i64 * 1_001),
                    stamp: Stamp { wall_ms: 100 + i as u64, counter: i as u32 % 3, replica: ReplicaId(u64::from(replica) << 60) },
                    edits: vec![edit],
                });
            }
            let folded: Vec<Record> = fold_all(&sets).into_values().collect();
            prop_assert_eq!(round_trip(&folded), folded);
        }
    }
}
