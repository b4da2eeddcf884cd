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
//! - a record id: its 16 bytes; a stamp: its wall ms as a signed varint of its distance from
//!   a base (the previous record's creation for a record's creation stamp, that creation for
//!   every other stamp of the record: they are minutes apart, not decades), its counter as a
//!   varint, and its replica by position in the page's table of replicas (a replica id is 8
//!   random bytes, and a page names a few of them thousands of times);
//! - a list, set or map: its length, then its items (sets and maps in their order);
//! - an option: 0, or 1 then the value; a value: a tag byte (`tag`) then its content; a
//!   short text value (states, choices, people: `SHORT_TEXT` bytes at most) by its position
//!   in the page's table of short texts (`tag::SHORT_TEXT`), so that a start allocates and
//!   finds each once per page.
//!
//! A page starts with its record count and four tables, the field and kind ids it uses, the
//! members it names and its short text values (a count, then each text), and the replicas its
//! stamps name (a count, then each as 8 bytes little-endian), which the records name by
//! position: a start then reads each of them once per page, not once per field. A record:
//! id, kind, created and updated origins (member, ms, stamp), then its fields, each a name
//! and its `FieldState` parts in declaration order. Change the form only together with
//! `SnapshotInfo::FOLD_VERSION` in the store, which rebuilds older snapshots.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::clock::Stamp;
use super::ids::{Member, RecordId, ReplicaId};
use super::name::Name;
use super::record::{Entry, FieldState, Fields, Head, Origin, Record};
use super::value::{Opaque, Text, Value};

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
    pub const SHORT_TEXT: u8 = 8;
}

/// Text values up to this many bytes go in the page's table of short texts.
const SHORT_TEXT: usize = 40;

/// Encodes a page of records.
pub fn encode(records: &[&Record]) -> Vec<u8> {
    let mut body = Writer { out: Vec::with_capacity(records.len() * 600), ..Writer::default() };
    for record in records {
        body.record(record);
    }
    let mut page = Writer { out: Vec::with_capacity(body.out.len() + 1_024), ..Writer::default() };
    page.len(records.len());
    for table in [&body.names, &body.members, &body.short_texts] {
        page.len(table.items.len());
        table.items.iter().for_each(|text| page.text(text));
    }
    page.replicas(&body.replicas.items);
    page.out.extend_from_slice(&body.out);
    page.out
}

/// Decodes a page of records.
pub fn decode(bytes: &[u8]) -> Result<Vec<Record>, SnapshotError> {
    let mut input = Reader {
        bytes,
        at: 0,
        names: Vec::new(),
        members: Vec::new(),
        replicas: Vec::new(),
        base: 0,
        short_texts: Vec::new(),
    };
    let count = input.len()?;
    for _ in 0..input.len()? {
        let name = Name::new(input.str()?);
        input.names.push(name);
    }
    for _ in 0..input.len()? {
        let member = Member::read(input.str()?);
        input.members.push(member);
    }
    for _ in 0..input.len()? {
        let text = Text::from(input.str()?);
        input.short_texts.push(text);
    }
    for _ in 0..input.len()? {
        let replica: [u8; 8] = input.take(8)?.try_into().map_err(|_| SHORT)?;
        input.replicas.push(ReplicaId(u64::from_le_bytes(replica)));
    }
    let mut records = Vec::with_capacity(count);
    for _ in 0..count {
        records.push(input.record()?);
    }
    if input.at != bytes.len() {
        return Err(SnapshotError("bytes after the last record"));
    }
    Ok(records)
}

#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    /// Field and kind ids, each written once per page and then named by position.
    names: Table<String>,
    /// Members' names, the same.
    members: Table<String>,
    /// Short text values, the same.
    short_texts: Table<String>,
    /// The replicas stamps name, the same.
    replicas: Table<u64>,
    /// What the wall time of the next stamp is written as a distance from.
    base: u64,
}

/// Items (texts, replica ids) a page lists once and names by position, in the order first
/// named.
struct Table<T> {
    items: Vec<T>,
    positions: HashMap<T, usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { items: Vec::new(), positions: HashMap::new() }
    }
}

impl<T: Clone + Eq + Hash> Table<T> {
    fn position<Q: ?Sized + Eq + Hash + ToOwned<Owned = T>>(&mut self, item: &Q) -> usize
    where
        T: Borrow<Q>,
    {
        if let Some(at) = self.positions.get(item) {
            return *at;
        }
        let item = item.to_owned();
        self.items.push(item.clone());
        self.positions.insert(item, self.items.len() - 1);
        self.items.len() - 1
    }
}

impl Writer {
    fn name(&mut self, name: &str) {
        let at = self.names.position(name);
        self.len(at);
    }

    fn member(&mut self, member: &Member) {
        let at = self.members.position(member.as_str());
        self.len(at);
    }

    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.out.push(n as u8 | 0x80);
            n >>= 7;
        }
        self.out.push(n as u8);
    }

    fn len(&mut self, n: usize) {
        self.varint(n as u64);
    }

    fn signed(&mut self, n: i64) {
        self.varint(((n << 1) ^ (n >> 63)) as u64);
    }

    fn text(&mut self, text: &str) {
        self.len(text.len());
        self.out.extend_from_slice(text.as_bytes());
    }

    fn stamp(&mut self, stamp: &Stamp) {
        // Wrapping, so that any two walls have a distance that gives the wall back.
        self.signed(stamp.wall_ms.wrapping_sub(self.base) as i64);
        self.varint(u64::from(stamp.counter));
        let at = self.replicas.position(&{ stamp.replica.0 });
        self.len(at);
    }

    fn replicas(&mut self, ids: &[u64]) {
        self.len(ids.len());
        ids.iter().for_each(|id| self.out.extend_from_slice(&id.to_le_bytes()));
    }

    fn origin(&mut self, origin: &Origin) {
        self.member(&origin.member);
        self.signed(origin.at.timestamp_millis());
        self.stamp(&origin.stamp);
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Text(text) if text.len() <= SHORT_TEXT => {
                self.out.push(tag::SHORT_TEXT);
                let at = self.short_texts.position(text.as_str());
                self.len(at);
            }
            Value::Text(text) => {
                self.out.push(tag::TEXT);
                self.text(text);
            }
            Value::Number(n) => {
                self.out.push(tag::NUMBER);
                self.signed(*n);
            }
            Value::Instant(at) => {
                self.out.push(tag::INSTANT);
                self.signed(at.timestamp());
                self.varint(u64::from(at.timestamp_subsec_nanos()));
            }
            Value::Date(date) => {
                self.out.push(tag::DATE);
                self.signed(i64::from(date.num_days_from_ce()));
            }
            Value::Link(id) => {
                self.out.push(tag::LINK);
                self.out.extend_from_slice(&id.to_bytes());
            }
            Value::Flag(flag) => {
                self.out.push(tag::FLAG);
                self.out.push(u8::from(*flag));
            }
            Value::Unknown(opaque) => {
                self.out.push(tag::UNKNOWN);
                self.text(opaque.text());
            }
            Value::Redacted(by) => {
                self.out.push(tag::REDACTED);
                self.stamp(by);
            }
        }
    }

    fn option<T>(&mut self, item: Option<&T>, write: fn(&mut Self, &T)) {
        match item {
            None => self.out.push(0),
            Some(item) => {
                self.out.push(1);
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
        let more = state.more();
        self.len(more.added.len());
        for (stamp, value) in &more.added {
            self.stamp(stamp);
            self.value(value);
        }
        self.len(more.removed.len());
        for (stamp, value) in &more.removed {
            self.stamp(stamp);
            self.value(value);
        }
        self.len(more.entries.len());
        for entry in &more.entries {
            self.stamp(&entry.stamp);
            self.varint(u64::from(entry.index));
            self.member(&entry.member);
            self.signed(entry.at.timestamp_millis());
            self.text(&entry.text);
            self.option(entry.redacted.as_ref(), Self::stamp);
        }
        self.len(more.redacted.len());
        for ((stamp, index), by) in &more.redacted {
            self.stamp(stamp);
            self.varint(u64::from(*index));
            self.stamp(by);
        }
    }

    fn record(&mut self, record: &Record) {
        self.out.extend_from_slice(&record.id.to_bytes());
        self.name(&record.kind);
        self.origin(&record.created);
        self.base = record.created.stamp.wall_ms;
        self.origin(&record.updated);
        self.len(record.fields.len());
        for (name, state) in record.fields.iter() {
            self.name(name);
            self.field(state);
        }
    }
}

/// Reads a page. Its primitives (a byte, a varint, a count, a stamp) run millions of times in
/// a start, and the app is built at `opt-level = "z"`, which inlines almost nothing: they are
/// marked `#[inline(always)]`, and a varint of one byte (counts, positions, counters) takes a
/// short path. At that opt-level natively (`cargo bench --bench snapshot`) this took a decode
/// of 51,514 records from about 150 to 100 ms.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The page's table of field and kind ids.
    names: Vec<Name>,
    /// The page's table of members.
    members: Vec<Member>,
    /// The page's table of replicas.
    replicas: Vec<ReplicaId>,
    /// What the wall time of the next stamp is read as a distance from.
    base: u64,
    /// The page's table of short text values.
    short_texts: Vec<Text>,
}

const SHORT: SnapshotError = SnapshotError("a snapshot page ends too soon");

impl<'a> Reader<'a> {
    #[inline(always)]
    fn byte(&mut self) -> Result<u8, SnapshotError> {
        let byte = *self.bytes.get(self.at).ok_or(SHORT)?;
        self.at += 1;
        Ok(byte)
    }

    #[inline(always)]
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.at.checked_add(n).filter(|end| *end <= self.bytes.len()).ok_or(SHORT)?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<u64, SnapshotError> {
        // Most numbers here (counts, positions, counters) are one byte.
        if let Some(&byte) = self.bytes.get(self.at) {
            if byte < 0x80 {
                self.at += 1;
                return Ok(u64::from(byte));
            }
        }
        self.long_varint()
    }

    fn long_varint(&mut self) -> Result<u64, SnapshotError> {
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

    #[inline(always)]
    fn small<T: TryFrom<u64>>(&mut self) -> Result<T, SnapshotError> {
        T::try_from(self.varint()?).map_err(|_| SnapshotError("a number in a snapshot page is out of range"))
    }

    /// A count of items, each at least one byte: never more than the bytes left (so a damaged
    /// count cannot ask for a huge allocation).
    #[inline(always)]
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

    #[inline(always)]
    fn stamp(&mut self) -> Result<Stamp, SnapshotError> {
        let wall_ms = self.base.wrapping_add(self.signed()? as u64);
        let counter = self.small()?;
        let at: usize = self.small()?;
        let replica =
            *self.replicas.get(at).ok_or(SnapshotError("a snapshot page names a replica it does not list"))?;
        Ok(Stamp { wall_ms, counter, replica })
    }

    fn millis(&mut self) -> Result<DateTime<Utc>, SnapshotError> {
        DateTime::from_timestamp_millis(self.signed()?)
            .ok_or(SnapshotError("a time in a snapshot page is out of range"))
    }

    fn name(&mut self) -> Result<Name, SnapshotError> {
        let at: usize = self.small()?;
        self.names.get(at).cloned().ok_or(SnapshotError("a snapshot page names a field it does not list"))
    }

    fn member(&mut self) -> Result<Member, SnapshotError> {
        let at: usize = self.small()?;
        self.members.get(at).cloned().ok_or(SnapshotError("a snapshot page names a member it does not list"))
    }

    fn origin(&mut self) -> Result<Origin, SnapshotError> {
        Ok(Origin { member: self.member()?, at: self.millis()?, stamp: self.stamp()? })
    }

    fn value(&mut self) -> Result<Value, SnapshotError> {
        const OUT: SnapshotError = SnapshotError("a value in a snapshot page is out of range");
        Ok(match self.byte()? {
            tag::TEXT => Value::Text(Text::from(self.str()?)),
            tag::SHORT_TEXT => {
                let at: usize = self.small()?;
                let text =
                    self.short_texts.get(at).ok_or(SnapshotError("a snapshot page names a text it does not list"))?;
                Value::Text(text.clone())
            }
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

    #[inline(always)]
    fn option(&mut self) -> Result<bool, SnapshotError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(SnapshotError("a snapshot page is damaged")),
        }
    }

    fn field(&mut self) -> Result<FieldState, SnapshotError> {
        const UNSORTED: SnapshotError = SnapshotError("a snapshot page is damaged (parts out of order)");
        let mut state = FieldState::default();
        for _ in 0..self.len()? {
            let (stamp, index) = (self.stamp()?, self.small()?);
            let value = if self.option()? { Some(self.value()?) } else { None };
            state.heads.push(Head { stamp, index, value });
        }
        let replaced = self.len()?;
        state.replaced.reserve_exact(replaced);
        for _ in 0..replaced {
            state.replaced.push(self.stamp()?);
        }
        if !state.replaced.windows(2).all(|pair| pair[0] < pair[1]) {
            return Err(UNSORTED);
        }
        let added = self.len()?;
        if added > 0 {
            let more = state.more_mut();
            more.added.reserve_exact(added);
            for _ in 0..added {
                more.added.push((self.stamp()?, self.value()?));
            }
        }
        for _ in 0..self.len()? {
            let removed = (self.stamp()?, self.value()?);
            state.more_mut().removed.insert(removed);
        }
        let entries = self.len()?;
        if entries > 0 {
            let more = state.more_mut();
            more.entries.reserve_exact(entries);
            for _ in 0..entries {
                let (stamp, index) = (self.stamp()?, self.small()?);
                let (member, at) = (self.member()?, self.millis()?);
                let text = self.str()?.to_string();
                let redacted = if self.option()? { Some(self.stamp()?) } else { None };
                more.entries.push(Entry { stamp, index, member, at, text, redacted });
            }
        }
        for _ in 0..self.len()? {
            let (stamp, index, by) = (self.stamp()?, self.small()?, self.stamp()?);
            state.more_mut().redacted.insert((stamp, index), by);
        }
        Ok(state)
    }

    fn record(&mut self) -> Result<Record, SnapshotError> {
        let id = self.id()?;
        let kind = self.name()?;
        let created = self.origin()?;
        self.base = created.stamp.wall_ms;
        let updated = self.origin()?;
        let count = self.len()?;
        let mut fields = Vec::with_capacity(count);
        for _ in 0..count {
            let name = self.name()?;
            fields.push((name, self.field()?));
        }
        let fields =
            Fields::from_sorted(fields).ok_or(SnapshotError("a snapshot page is damaged (fields out of order)"))?;
        Ok(Record { id, kind, created, updated, fields })
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests {
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

    /// Writes `records` as a page whose tables are `tables` (field and kind ids, members,
    /// short texts) and `replicas` instead of the ones the records need.
    fn page_with_tables(records: &[Record], tables: [&[&str]; 3], replicas: &[u64]) -> Vec<u8> {
        let mut body = Writer::default();
        records.iter().for_each(|record| body.record(record));
        let mut page = Writer::default();
        page.len(records.len());
        for table in tables {
            page.len(table.len());
            table.iter().for_each(|text| page.text(text));
        }
        page.replicas(replicas);
        page.out.extend_from_slice(&body.out);
        page.out
    }

    #[test]
    fn a_page_naming_a_field_member_text_or_replica_it_does_not_list_is_refused() {
        let records = sample();
        let one = &records[..1];
        let mut body = Writer::default();
        body.record(&one[0]);
        let texts = |table: &Table<String>| table.items.clone();
        let (names, members, short) = (texts(&body.names), texts(&body.members), texts(&body.short_texts));
        let [names, members, short] =
            [&names, &members, &short].map(|t| t.iter().map(String::as_str).collect::<Vec<_>>());
        let replicas = body.replicas.items.clone();
        assert!(!replicas.is_empty() && !short.is_empty());
        let all = |n: usize| &names[..names.len() - n];
        assert_eq!(decode(&page_with_tables(one, [all(0), &members, &short], &replicas)).unwrap(), one.to_vec());
        for (tables, replicas, what) in [
            ([all(1), &members[..], &short[..]], &replicas[..], "field"),
            ([all(0), &[], &short], &replicas, "member"),
            ([all(0), &members, &short[..short.len() - 1]], &replicas, "text"),
            ([all(0), &members, &short], &replicas[..replicas.len() - 1], "replica"),
        ] {
            let error = decode(&page_with_tables(one, tables, replicas)).unwrap_err();
            assert!(error.to_string().contains(what), "{what}: {error}");
        }
    }

    /// Stamps are written as distances from a base: walls far apart, or on either side of the
    /// base, or at the ends of the range, still read back exactly.
    #[test]
    fn stamps_at_any_distance_from_their_record_read_back() {
        let mut records = sample();
        let walls = [0, 1, u64::MAX, u64::MAX / 2 + 7, 1 << 63];
        for (record, wall) in records.iter_mut().zip(walls.iter().cycle()) {
            record.updated.stamp.wall_ms = *wall;
            record.updated.stamp.replica = ReplicaId(wall.rotate_left(17));
        }
        records[0].created.stamp.wall_ms = u64::MAX;
        assert_eq!(round_trip(&records), records);
    }

    #[test]
    fn fields_out_of_order_are_refused() {
        let state = FieldState::default;
        assert!(Fields::from_sorted(vec![(Name::new("a"), state()), (Name::new("b"), state())]).is_some());
        assert!(Fields::from_sorted(vec![(Name::new("b"), state()), (Name::new("a"), state())]).is_none());
        assert!(Fields::from_sorted(vec![(Name::new("a"), state()), (Name::new("a"), state())]).is_none());
    }

    pub(crate) fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            ".{0,12}".prop_map(|text: String| Value::Text(text.into())),
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
