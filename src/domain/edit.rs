//! Edits and change sets: the only way a record ever changes.
//!
//! An [`Edit`] is one operation on one field. The edits one user action makes together (a form
//! save, a state change with its fields) form a [`ChangeSet`]: they share its id, member, clock
//! time and [`Stamp`], land together and are shown together in history. Each edit is identified
//! by its change set and its position ([`EditId`]).
//!
//! `replaces` lists the stamps of the edits of that field the author had in view: a later edit
//! that replaces the current value is an overwrite; two edits that do not replace each other are
//! a conflict, whatever their clock order.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::clock::Stamp;
use super::ids::{ChangeSetId, EditId, Member, RecordId};
use super::name::Name;
use super::value::{Opaque, Tagged, TaggedVisitor, Value};

/// A stable field id, such as `title`: never a label, so renaming a label keeps history intact.
pub type FieldId = Name;

/// What an edit does to its field.
///
/// In JSON an operation is an object with one member naming it: `{"set":{"text":"a"}}`,
/// `{"set":null}`, `{"add":{"link":"…"}}`, `{"remove":…}`, `{"append":"text"}`. An operation
/// this release does not know (a newer release's) is kept as [`Opaque`] text: it is stored,
/// exported again unchanged and changes nothing here. A known operation with malformed content
/// is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Sets the field (or clears it with `None`), replacing the values in `replaces`.
    Set(Option<Value>),
    /// Adds a member to a set-valued field (links, relationships). Concurrent adds all survive.
    Add(Value),
    /// Removes a member from a set: the adds listed in `replaces` (those the author saw).
    Remove(Value),
    /// Appends an entry to a log (work notes, comments). Entries are never overwritten.
    Append(String),
    /// Removes the value of an earlier edit of the same field (privacy, retention): wherever
    /// the change sets travel, the target keeps its id, stamp, field and `replaces`, and its
    /// value becomes a redaction marker ([`Value::Redacted`], [`Op::RedactedNote`]).
    Redact(EditRef),
    /// An appended note whose text a redaction (stamped so) removed.
    RedactedNote(Stamp),
    /// An operation this release does not know, kept as it came.
    Unknown(Opaque),
}

/// The edit a redaction targets: the stamp of its change set and its position there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditRef {
    pub index: u16,
    pub stamp: Stamp,
}

const OPS: [&str; 6] = ["set", "add", "remove", "append", "redact", "redacted_note"];

impl Op {
    /// This operation with its value removed by the redaction stamped `by`, when it carries
    /// one (a set value, an appended note) and is not already redacted by an earlier
    /// redaction; `None` when the redaction changes nothing. Every copy of a change set
    /// converges on the earliest redaction of each edit.
    pub fn redacted(&self, by: Stamp) -> Option<Op> {
        match self {
            Op::Set(Some(Value::Redacted(earlier))) | Op::RedactedNote(earlier) if *earlier <= by => None,
            Op::Set(Some(_)) => Some(Op::Set(Some(Value::Redacted(by)))),
            Op::Append(_) | Op::RedactedNote(_) => Some(Op::RedactedNote(by)),
            _ => None,
        }
    }

    /// The redaction that removed this operation's value, if one did.
    pub fn redacted_by(&self) -> Option<Stamp> {
        match self {
            Op::Set(Some(Value::Redacted(by))) | Op::RedactedNote(by) => Some(*by),
            _ => None,
        }
    }
}

/// The JSON form of the known operations, for writing.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum OpRef<'a> {
    Set(&'a Option<Value>),
    Add(&'a Value),
    Remove(&'a Value),
    Append(&'a String),
    Redact(&'a EditRef),
    RedactedNote(&'a Stamp),
}

impl Serialize for Op {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Op::Set(value) => OpRef::Set(value).serialize(serializer),
            Op::Add(value) => OpRef::Add(value).serialize(serializer),
            Op::Remove(value) => OpRef::Remove(value).serialize(serializer),
            Op::Append(text) => OpRef::Append(text).serialize(serializer),
            Op::Redact(target) => OpRef::Redact(target).serialize(serializer),
            Op::RedactedNote(by) => OpRef::RedactedNote(by).serialize(serializer),
            Op::Unknown(opaque) => opaque.serialize_raw(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Op {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Op, D::Error> {
        deserializer.deserialize_map(TaggedVisitor::<Op>(std::marker::PhantomData))
    }
}

impl From<Opaque> for Op {
    fn from(opaque: Opaque) -> Op {
        Op::Unknown(opaque)
    }
}

impl Tagged for Op {
    const WHAT: &'static str = "operation";
    const KNOWN: &'static [&'static str] = &OPS;

    fn read<'de, A: serde::de::MapAccess<'de>>(tag: &str, map: &mut A) -> Result<Op, A::Error> {
        Ok(match tag {
            "set" => Op::Set(map.next_value()?),
            "add" => Op::Add(map.next_value()?),
            "remove" => Op::Remove(map.next_value()?),
            "redact" => Op::Redact(map.next_value()?),
            "redacted_note" => Op::RedactedNote(map.next_value()?),
            _ => Op::Append(map.next_value()?),
        })
    }
}

/// One operation on one field of the change set's record. Members other than these are
/// refused (a minor version extends the format through new kinds, fields, value types and
/// operations, never new members here: dropping one would change the edit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub field: FieldId,
    pub op: Op,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<Stamp>,
}

impl Edit {
    pub fn set(field: &str, value: Option<Value>, replaces: Vec<Stamp>) -> Self {
        Self { field: Name::new(field), op: Op::Set(value), replaces }
    }

    pub fn append(field: &str, text: String) -> Self {
        Self { field: Name::new(field), op: Op::Append(text), replaces: Vec::new() }
    }
}

/// The edits of one user action on one record, before the store stamps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub id: ChangeSetId,
    pub record: RecordId,
    pub kind: Name,
    pub member: Member,
    pub at: DateTime<Utc>,
    pub edits: Vec<Edit>,
}

impl Draft {
    /// Seals the draft with the stamp the clock gave it.
    pub fn stamp(self, stamp: Stamp) -> Result<ChangeSet, ChangeSetError> {
        ChangeSet {
            id: self.id,
            record: self.record,
            kind: self.kind,
            member: self.member,
            at: self.at,
            stamp,
            edits: self.edits,
        }
        .validated()
    }
}

/// Edits made together on one record, stamped as one.
///
/// The fields are declared in alphabetical order: serialised compactly by serde_json, a change
/// set is then already in RFC 8785 canonical form (the exchange file relies on it; a test in
/// `sync::file` checks it). Members other than these are refused, as for [`Edit`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeSet {
    /// The author's clock time, shown in history and used by SLA clocks.
    #[serde(deserialize_with = "utc_text::deserialize")]
    pub at: DateTime<Utc>,
    pub edits: Vec<Edit>,
    pub id: ChangeSetId,
    /// The record's kind (`incident`, ...), so a record can be folded from any of its change sets.
    pub kind: Name,
    pub member: Member,
    pub record: RecordId,
    pub stamp: Stamp,
}

/// A change set that breaks the rules every change set obeys.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChangeSetError {
    #[error("change set {0} has no edits")]
    Empty(ChangeSetId),
    #[error("change set {0} has more than {max} edits", max = ChangeSet::MAX_EDITS)]
    TooManyEdits(ChangeSetId),
    #[error("change set {id} sets field `{field}` twice")]
    FieldSetTwice { id: ChangeSetId, field: FieldId },
    #[error("change set {id} claims to replace a later edit of field `{field}`")]
    ReplacesTheFuture { id: ChangeSetId, field: FieldId },
    #[error("change set {id} claims to redact a later edit of field `{field}`")]
    RedactsTheFuture { id: ChangeSetId, field: FieldId },
}

impl ChangeSet {
    pub const MAX_EDITS: usize = 1_000;

    /// Checks the invariants the fold relies on: at most one `Set` per field (so a stamp and a
    /// field name one value), and only earlier stamps replaced (so the latest edit is a head).
    pub fn validated(self) -> Result<Self, ChangeSetError> {
        if self.edits.is_empty() {
            return Err(ChangeSetError::Empty(self.id));
        }
        if self.edits.len() > Self::MAX_EDITS {
            return Err(ChangeSetError::TooManyEdits(self.id));
        }
        let mut set_fields = BTreeSet::new();
        for edit in &self.edits {
            if matches!(edit.op, Op::Set(_)) && !set_fields.insert(edit.field.as_str()) {
                return Err(ChangeSetError::FieldSetTwice { id: self.id, field: edit.field.clone() });
            }
            if edit.replaces.iter().any(|replaced| *replaced >= self.stamp) {
                return Err(ChangeSetError::ReplacesTheFuture { id: self.id, field: edit.field.clone() });
            }
            if matches!(edit.op, Op::Redact(target) if target.stamp >= self.stamp) {
                return Err(ChangeSetError::RedactsTheFuture { id: self.id, field: edit.field.clone() });
            }
        }
        Ok(self)
    }

    /// The redactions this change set makes: the field and the edit each removes the value of.
    pub fn redactions(&self) -> impl Iterator<Item = (&FieldId, EditRef)> + '_ {
        self.edits.iter().filter_map(|edit| match edit.op {
            Op::Redact(target) => Some((&edit.field, target)),
            _ => None,
        })
    }

    /// Whether this change set makes a redaction or carries a redacted value: the ones whose
    /// arrival may rewrite a stored change set.
    pub fn touches_redactions(&self) -> bool {
        self.edits.iter().any(|edit| matches!(edit.op, Op::Redact(_)) || edit.op.redacted_by().is_some())
    }

    /// Removes the value of edit `target` of `field` by the redaction stamped `by`, if this is
    /// the change set stamped `target.stamp`. True if anything changed.
    pub fn redact(&mut self, field: &str, target: EditRef, by: Stamp) -> bool {
        if self.stamp != target.stamp {
            return false;
        }
        match self.edits.get_mut(target.index as usize) {
            Some(edit) if edit.field == field => match edit.op.redacted(by) {
                Some(op) => {
                    edit.op = op;
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    /// This change set joined with another copy of it that differs at most in redacted values:
    /// every value either copy has redacted is redacted (by the earliest redaction). `None`
    /// when they differ in anything else: an id reused with other content.
    pub fn join(&self, other: &ChangeSet) -> Option<ChangeSet> {
        let header =
            |cs: &ChangeSet| (cs.at, cs.id, cs.kind.clone(), cs.member.clone(), cs.record, cs.stamp, cs.edits.len());
        if header(self) != header(other) {
            return None;
        }
        let mut joined = self.clone();
        for (mine, theirs) in joined.edits.iter_mut().zip(&other.edits) {
            if mine.field != theirs.field || mine.replaces != theirs.replaces {
                return None;
            }
            if mine.op == theirs.op {
                continue;
            }
            match (mine.op.redacted_by(), theirs.op.redacted_by()) {
                (Some(a), _) if theirs.op.redacted(a).as_ref() == Some(&mine.op) => {}
                (_, Some(b)) if mine.op.redacted(b).as_ref() == Some(&theirs.op) => mine.op = theirs.op.clone(),
                (Some(a), Some(b)) if std::mem::discriminant(&mine.op) == std::mem::discriminant(&theirs.op) => {
                    if b < a {
                        mine.op = theirs.op.clone();
                    }
                }
                _ => return None,
            }
        }
        Some(joined)
    }

    /// The ids of this change set's edits, in order.
    pub fn edit_ids(&self) -> impl Iterator<Item = EditId> + '_ {
        (0..self.edits.len()).map(|index| EditId { change_set: self.id, index: index as u16 })
    }
}

/// Reading a change set's time: the form chrono writes (`2026-11-27T15:06:03.113Z`, with no,
/// 3, 6 or 9 fraction digits) is read directly; anything else as chrono reads it. chrono's own
/// parser was a tenth of the time of reading a large file.
pub(crate) mod utc_text {
    use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
    use serde::Deserializer;

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
        super::super::text::from_text(deserializer, "a time", parse)
    }

    pub(crate) fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
        match direct(text.as_bytes()) {
            Some(at) => Ok(at),
            None => text.parse::<DateTime<FixedOffset>>().map(|at| at.with_timezone(&Utc)),
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z`, or `None` for anything else (which
    /// chrono then reads, or refuses).
    fn direct(b: &[u8]) -> Option<DateTime<Utc>> {
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            b.get(range)?.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
        };
        if b.len() < 20 || b.last() != Some(&b'Z') {
            return None;
        }
        if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let nanos = match b.len() {
            20 => 0,
            24 | 27 | 30 if b[19] == b'.' => {
                let fraction = b.len() - 21;
                digits(20..b.len() - 1)? * 10u32.pow(9 - fraction as u32)
            }
            _ => return None,
        };
        let date = NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?;
        let time = NaiveTime::from_hms_nano_opt(digits(11..13)?, digits(14..16)?, digits(17..19)?, nanos)?;
        Some(date.and_time(time).and_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::ReplicaId;

    fn stamp(wall_ms: u64) -> Stamp {
        Stamp { wall_ms, counter: 0, replica: ReplicaId(1) }
    }

    fn draft(edits: Vec<Edit>) -> Draft {
        Draft {
            id: ChangeSetId::new(1, [1; 10]),
            record: RecordId::new(1, [2; 10]),
            kind: "incident".into(),
            member: Member::new("Ada").unwrap(),
            at: DateTime::<Utc>::UNIX_EPOCH,
            edits,
        }
    }

    #[test]
    fn a_change_set_may_not_set_a_field_twice() {
        let twice = draft(vec![Edit::set("title", None, vec![]), Edit::set("title", None, vec![])]);
        assert!(matches!(twice.stamp(stamp(5)), Err(ChangeSetError::FieldSetTwice { .. })));
    }

    #[test]
    fn a_change_set_replaces_only_earlier_edits() {
        let future = draft(vec![Edit::set("title", None, vec![stamp(9)])]);
        assert!(matches!(future.stamp(stamp(5)), Err(ChangeSetError::ReplacesTheFuture { .. })));
        let past = draft(vec![Edit::set("title", None, vec![stamp(4)])]);
        assert!(past.stamp(stamp(5)).is_ok());
    }

    #[test]
    fn a_change_set_redacts_only_earlier_edits() {
        let redact = |at: u64| Edit {
            field: "notes".into(),
            op: Op::Redact(EditRef { index: 0, stamp: stamp(at) }),
            replaces: vec![],
        };
        assert!(matches!(draft(vec![redact(5)]).stamp(stamp(5)), Err(ChangeSetError::RedactsTheFuture { .. })));
        assert!(draft(vec![redact(4)]).stamp(stamp(5)).is_ok());
    }

    #[test]
    fn a_redaction_keeps_the_earliest_redaction_and_copies_join_on_it() {
        let note = draft(vec![Edit::append("notes", "secret".into())]).stamp(stamp(1)).unwrap();
        let target = EditRef { index: 0, stamp: stamp(1) };
        let (mut early, mut late) = (note.clone(), note.clone());
        assert!(early.redact("notes", target, stamp(2)));
        assert!(late.redact("notes", target, stamp(3)));
        assert!(!late.clone().redact("title", target, stamp(2)), "another field is not the target");
        assert!(!early.clone().redact("notes", target, stamp(3)), "a later redaction changes nothing");
        assert_eq!(late.join(&early), Some(early.clone()));
        assert_eq!(early.join(&note), Some(early.clone()));
        let mut other = note.clone();
        other.member = Member::new("Eve").unwrap();
        assert_eq!(early.join(&other), None);
    }

    #[test]
    fn notes_may_be_appended_twice_in_one_change_set() {
        let notes = draft(vec![Edit::append("notes", "a".into()), Edit::append("notes", "b".into())]);
        assert!(notes.stamp(stamp(5)).is_ok());
        assert!(draft(vec![]).stamp(stamp(5)).is_err());
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod time_laws {
    use super::utc_text::parse;
    use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
    use proptest::prelude::*;

    /// How chrono itself reads a change set's time.
    fn chrono(text: &str) -> Option<DateTime<Utc>> {
        text.parse::<DateTime<FixedOffset>>().ok().map(|at| at.with_timezone(&Utc))
    }

    proptest! {
        #[test]
        fn a_time_in_any_form_chrono_writes_reads_as_chrono_reads_it(
            seconds in -70_000_000_000i64..260_000_000_000,
            nanos in 0u32..1_000_000_000,
            form in 0usize..5,
        ) {
            let at = DateTime::from_timestamp(seconds, nanos).unwrap_or_default();
            let text = match form {
                0 => at.to_rfc3339_opts(SecondsFormat::Secs, true),
                1 => at.to_rfc3339_opts(SecondsFormat::Millis, true),
                2 => at.to_rfc3339_opts(SecondsFormat::Micros, true),
                3 => at.to_rfc3339_opts(SecondsFormat::Nanos, true),
                _ => serde_json::to_string(&at).unwrap_or_default().trim_matches('"').to_string(),
            };
            prop_assert_eq!(parse(&text).ok(), chrono(&text));
        }

        #[test]
        fn a_time_with_any_numbers_in_its_places_reads_as_chrono_reads_it(
            parts in (0u32..10_000, 0u32..100, 0u32..100, 0u32..100, 0u32..100, 0u32..100),
            fraction in prop::sample::select(vec!["", ".5", ".123", ".123456", ".123456789", ".1234567891"]),
            end in prop::sample::select(vec!["Z", "z", "+02:00", ""]),
        ) {
            let (y, mo, d, h, mi, s) = parts;
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}{end}");
            prop_assert_eq!(parse(&text).ok(), chrono(&text));
        }

        #[test]
        fn any_text_reads_as_chrono_reads_it(text in "[0-9:TZ.+ -]{0,30}") {
            prop_assert_eq!(parse(&text).ok(), chrono(&text));
        }
    }
}
