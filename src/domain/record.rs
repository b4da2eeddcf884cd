//! A record's current state: the fold of its change sets.
//!
//! Folding is order-independent and idempotent (property-tested below), which is what lets
//! history, undo and the merge of imported files share one model:
//!
//! - a `Set` field keeps its *heads*, the edits no other edit replaced; its value is the head
//!   with the latest stamp, and more than one head is a conflict kept in view;
//! - a set field (links) is an observed-remove set: a remove takes away only the adds its
//!   author saw, so concurrent adds survive;
//! - a log field (work notes) keeps every appended entry, ordered by stamp;
//! - what this release does not know folds without harm: records of unknown kinds and unknown
//!   fields are folded like any other (and not shown), a value of an unknown type is a head
//!   like any other value ([`Value::Unknown`]), and an unknown operation changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::clock::Stamp;
use super::edit::{ChangeSet, Edit, FieldId, Op};
use super::ids::{Member, RecordId};
use super::name::Name;
use super::value::Value;

/// Who made a change set, and when. Times are stored as milliseconds: parsing RFC 3339 text
/// was half the cost of reading a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub member: Member,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    pub stamp: Stamp,
}

/// A value of a `Set` field that no other edit replaced. Who set it, and when, is in the
/// record's history (kept out of here so the stored snapshot stays small).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub stamp: Stamp,
    /// The edit's position in its change set (what a redaction names).
    pub index: u16,
    pub value: Option<Value>,
}

/// One appended log entry (a work note).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub stamp: Stamp,
    pub index: u16,
    pub member: Member,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// Empty when redacted.
    pub text: String,
    /// The redaction that removed the text, if one did.
    pub redacted: Option<Stamp>,
}

/// Everything the fold knows about one field. Each operation kind keeps its own part, so a
/// (malformed) mix of operations on one field still folds the same in any order. Stored in
/// the binary snapshot, which needs every part written (no skipped empty ones).
///
/// A start holds 50,000 records of a dozen fields each, and most fields are a single `Set`
/// value: so the head is held inline, the replaced stamps in a sorted vector, and what only
/// set fields, logs and redactions use sits behind one box that most fields never allocate.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FieldState {
    /// Heads of `Set` edits, sorted by stamp.
    pub(super) heads: SmallVec<[Head; 1]>,
    /// Stamps replaced by some `Set` edit, sorted, each once.
    pub(super) replaced: Vec<Stamp>,
    /// The parts of set fields, logs and redactions; `None` while all are empty.
    pub(super) more: Option<Box<FieldMore>>,
}

/// The parts of a [`FieldState`] most fields never use.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FieldMore {
    /// Live adds of a set field, sorted by (stamp, value).
    pub(super) added: Vec<(Stamp, Value)>,
    /// Adds taken away by a remove.
    pub(super) removed: BTreeSet<(Stamp, Value)>,
    /// Log entries, sorted by (stamp, index).
    pub(super) entries: Vec<Entry>,
    /// Edits of this field whose value a redaction removed, (stamp, index) → the earliest
    /// redaction's stamp; kept whichever arrives first, the edit or its redaction.
    pub(super) redacted: BTreeMap<(Stamp, u16), Stamp>,
}

static NOTHING_MORE: FieldMore =
    FieldMore { added: Vec::new(), removed: BTreeSet::new(), entries: Vec::new(), redacted: BTreeMap::new() };

/// Equal when every part is: an empty box and no box are the same state.
impl PartialEq for FieldState {
    fn eq(&self, other: &Self) -> bool {
        self.heads == other.heads && self.replaced == other.replaced && self.more() == other.more()
    }
}

impl Eq for FieldState {}

impl FieldState {
    pub(super) fn more(&self) -> &FieldMore {
        self.more.as_deref().unwrap_or(&NOTHING_MORE)
    }

    pub(super) fn more_mut(&mut self) -> &mut FieldMore {
        self.more.get_or_insert_with(Box::default)
    }

    fn is_replaced(&self, stamp: &Stamp) -> bool {
        self.replaced.binary_search(stamp).is_ok()
    }

    fn apply(&mut self, index: u16, op: &Op, replaces: &[Stamp], origin: &Origin) {
        let key = (origin.stamp, index);
        if let Some(by) = op.redacted_by() {
            self.note_redaction(key, by);
        }
        match op {
            Op::Set(value) => {
                for stamp in replaces {
                    if let Err(at) = self.replaced.binary_search(stamp) {
                        self.replaced.insert(at, *stamp);
                    }
                }
                let replaced = &self.replaced;
                self.heads.retain(|head| replaced.binary_search(&head.stamp).is_err());
                if !self.is_replaced(&origin.stamp) {
                    if let Err(at) = self.heads.binary_search_by(|head| head.stamp.cmp(&origin.stamp)) {
                        let value = match (value, self.more().redacted.get(&key)) {
                            (Some(_), Some(by)) => Some(Value::Redacted(*by)),
                            _ => value.clone(),
                        };
                        self.heads.insert(at, Head { stamp: origin.stamp, index, value });
                    }
                }
            }
            Op::Add(value) => {
                let tag = (origin.stamp, value.clone());
                if !self.more().removed.contains(&tag) {
                    if let Err(at) = self.more().added.binary_search(&tag) {
                        self.more_mut().added.insert(at, tag);
                    }
                }
            }
            Op::Remove(value) => {
                if replaces.is_empty() {
                    return;
                }
                let more = self.more_mut();
                for stamp in replaces {
                    more.removed.insert((*stamp, value.clone()));
                }
                let removed = &more.removed;
                more.added.retain(|tag| !removed.contains(tag));
            }
            Op::Append(_) | Op::RedactedNote(_) => {
                let more = self.more_mut();
                if let Err(at) = more.entries.binary_search_by(|entry| (entry.stamp, entry.index).cmp(&key)) {
                    let redacted = more.redacted.get(&key).copied();
                    let text = match (op, redacted) {
                        (Op::Append(text), None) => text.clone(),
                        _ => String::new(),
                    };
                    let entry = Entry {
                        stamp: origin.stamp,
                        index,
                        member: origin.member.clone(),
                        at: origin.at,
                        text,
                        redacted,
                    };
                    more.entries.insert(at, entry);
                }
            }
            Op::Redact(target) => self.note_redaction((target.stamp, target.index), origin.stamp),
            // A newer release's operation: kept in the change set, passed on, no effect here.
            Op::Unknown(_) => {}
        }
    }

    /// Records that the edit `target` of this field was redacted by `by` (the earliest
    /// redaction wins) and removes its value from the head or entry that holds it.
    fn note_redaction(&mut self, target: (Stamp, u16), by: Stamp) {
        let more = self.more.get_or_insert_with(Box::default);
        let by = *more.redacted.entry(target).and_modify(|held| *held = (*held).min(by)).or_insert(by);
        if let Some(head) = self.heads.iter_mut().find(|head| (head.stamp, head.index) == target) {
            if head.value.is_some() {
                head.value = Some(Value::Redacted(by));
            }
        }
        if let Ok(at) = more.entries.binary_search_by(|entry| (entry.stamp, entry.index).cmp(&target)) {
            let entry = &mut more.entries[at];
            entry.text.clear();
            entry.redacted = Some(by);
        }
    }

    /// The current value: the latest head by stamp.
    pub fn value(&self) -> Option<&Value> {
        self.heads.last().and_then(|head| head.value.as_ref())
    }

    /// The heads, oldest first. More than one is a conflict.
    pub fn heads(&self) -> &[Head] {
        &self.heads
    }

    /// The stamps a new `Set` of this field replaces.
    pub fn head_stamps(&self) -> Vec<Stamp> {
        self.heads.iter().map(|head| head.stamp).collect()
    }

    /// The members of a set field, each once, in order of first addition.
    pub fn members(&self) -> Vec<&Value> {
        let mut seen = BTreeSet::new();
        self.more().added.iter().filter(|(_, value)| seen.insert(value)).map(|(_, value)| value).collect()
    }

    /// The adds a remove of `value` replaces.
    pub fn add_stamps(&self, value: &Value) -> Vec<Stamp> {
        self.more().added.iter().filter(|(_, v)| v == value).map(|(stamp, _)| *stamp).collect()
    }

    /// The earliest redaction of edit `target` of this field, if one is known.
    pub fn redaction(&self, target: super::edit::EditRef) -> Option<Stamp> {
        self.more().redacted.get(&(target.stamp, target.index)).copied()
    }

    /// Log entries, oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.more().entries
    }
}

/// One SMS record as its change sets make it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: RecordId,
    /// The kind named by the earliest change set.
    pub kind: Name,
    /// The earliest change set: who created the record and when.
    pub created: Origin,
    /// The latest change set.
    pub updated: Origin,
    pub fields: Fields,
}

/// A record's fields by id. A record has a dozen at most, so they are a vector sorted by id
/// (one allocation of their size) rather than a map, whose node holds room for eleven.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<(FieldId, FieldState)>")]
pub struct Fields(Vec<(FieldId, FieldState)>);

// A start fills memory with 600,000 of these, and its time follows the bytes filled: keep
// an entry from growing unnoticed, in the browser (it was 88 bytes with a three-word name)
// and in the native tests, which check the same layout with 8-byte words.
#[cfg(target_arch = "wasm32")]
const _: () = assert!(std::mem::size_of::<(FieldId, FieldState)>() == 80);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<(FieldId, FieldState)>() == 112);

impl From<Vec<(FieldId, FieldState)>> for Fields {
    /// Sorted by id; of two entries for one id, the first is kept.
    fn from(mut fields: Vec<(FieldId, FieldState)>) -> Fields {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        fields.dedup_by(|a, b| a.0 == b.0);
        Fields(fields)
    }
}

impl Fields {
    /// Fields already sorted by id, each once (a snapshot page); `None` if they are not.
    pub(super) fn from_sorted(fields: Vec<(FieldId, FieldState)>) -> Option<Fields> {
        fields.windows(2).all(|pair| pair[0].0 < pair[1].0).then_some(Fields(fields))
    }

    pub fn get(&self, field: &str) -> Option<&FieldState> {
        // A linear scan (as a map's node does): a dozen fields, most of other lengths.
        self.0.iter().find(|(id, _)| id.as_str() == field).map(|(_, state)| state)
    }

    /// Makes room, exactly, for the fields of `edits` the record does not have yet: one
    /// allocation per change set that adds fields, where inserting them one by one grew the
    /// vector by doubling (4, 8, 16 entries of 80 bytes for an incident's dozen fields: a
    /// reallocation each time, and a third of the last one left empty).
    fn reserve_for(&mut self, edits: &[Edit]) {
        let new = edits
            .iter()
            .enumerate()
            .filter(|(at, edit)| {
                !matches!(edit.op, Op::Unknown(_))
                    && self.0.binary_search_by(|(id, _)| id.cmp(&edit.field)).is_err()
                    && !edits[..*at].iter().any(|earlier| earlier.field == edit.field)
            })
            .count();
        self.0.reserve_exact(new);
    }

    /// The state of `field`, added empty if the record has none yet.
    fn state_mut(&mut self, field: &FieldId) -> &mut FieldState {
        let at = match self.0.binary_search_by(|(id, _)| id.cmp(field)) {
            Ok(at) => at,
            Err(at) => {
                self.0.insert(at, (field.clone(), FieldState::default()));
                at
            }
        };
        &mut self.0[at].1
    }

    /// The fields in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&FieldId, &FieldState)> {
        self.0.iter().map(|(id, state)| (id, state))
    }

    pub fn values(&self) -> impl ExactSizeIterator<Item = &FieldState> {
        self.0.iter().map(|(_, state)| state)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Record {
    /// A record holding just `change_set`.
    pub fn new(change_set: &ChangeSet) -> Self {
        let origin = origin_of(change_set);
        let mut record = Record {
            id: change_set.record,
            kind: change_set.kind.clone(),
            created: origin.clone(),
            updated: origin,
            fields: Fields::default(),
        };
        record.apply(change_set);
        record
    }

    /// Folds one more change set into the record. Applying one twice changes nothing, and the
    /// order in which change sets are applied does not matter.
    pub fn apply(&mut self, change_set: &ChangeSet) {
        debug_assert_eq!(change_set.record, self.id);
        let origin = origin_of(change_set);
        if origin.stamp < self.created.stamp {
            self.kind = change_set.kind.clone();
            self.created = origin.clone();
        }
        if origin.stamp > self.updated.stamp {
            self.updated = origin.clone();
        }
        self.fields.reserve_for(&change_set.edits);
        for (index, edit) in change_set.edits.iter().enumerate() {
            if matches!(edit.op, Op::Unknown(_)) {
                continue;
            }
            self.fields.state_mut(&edit.field).apply(index as u16, &edit.op, &edit.replaces, &origin);
        }
    }

    /// Folds change sets (of one record, in any order) into the record they make.
    pub fn fold<'a>(change_sets: impl IntoIterator<Item = &'a ChangeSet>) -> Option<Record> {
        let mut change_sets = change_sets.into_iter();
        let mut record = Record::new(change_sets.next()?);
        for change_set in change_sets {
            record.apply(change_set);
        }
        Some(record)
    }

    pub fn field(&self, field: &str) -> Option<&FieldState> {
        self.fields.get(field)
    }

    pub fn value(&self, field: &str) -> Option<&Value> {
        self.field(field).and_then(FieldState::value)
    }

    /// The field's text, or "" when it is empty or not text.
    pub fn text(&self, field: &str) -> &str {
        self.value(field).and_then(Value::as_text).unwrap_or("")
    }

    /// The stamps a new `Set` of `field` must name as replaced.
    pub fn head_stamps(&self, field: &str) -> Vec<Stamp> {
        self.field(field).map(FieldState::head_stamps).unwrap_or_default()
    }

    /// Fields whose edits conflict: more than one head.
    pub fn conflicts(&self) -> impl Iterator<Item = (&FieldId, &[Head])> {
        self.fields.iter().filter(|(_, state)| state.heads.len() > 1).map(|(id, state)| (id, state.heads()))
    }
}

fn origin_of(change_set: &ChangeSet) -> Origin {
    Origin { member: change_set.member.clone(), at: change_set.at, stamp: change_set.stamp }
}

/// All records held here, by id: what the UI shows and the store snapshots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    by_id: BTreeMap<RecordId, Record>,
}

impl Records {
    /// Folds one change set into its record, creating the record on its first change set.
    pub fn apply(&mut self, change_set: &ChangeSet) {
        match self.by_id.get_mut(&change_set.record) {
            Some(record) => record.apply(change_set),
            None => {
                self.by_id.insert(change_set.record, Record::new(change_set));
            }
        }
    }

    /// Puts a record folded elsewhere (an import's plan) in place of what was held.
    pub fn insert(&mut self, record: Record) {
        self.by_id.insert(record.id, record);
    }

    /// Adds records read from a snapshot.
    pub fn extend_snapshot(&mut self, records: impl IntoIterator<Item = Record>) {
        self.by_id.extend(records.into_iter().map(|record| (record.id, record)));
    }

    pub fn get(&self, id: &RecordId) -> Option<&Record> {
        self.by_id.get(id)
    }

    /// Records in id order (creation time order).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Record> + ExactSizeIterator {
        self.by_id.values()
    }

    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Record> + 'a {
        self.iter().filter(move |record| record.kind == kind)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// Folds change sets of many records into records, keyed by id.
pub fn fold_all<'a>(change_sets: impl IntoIterator<Item = &'a ChangeSet>) -> BTreeMap<RecordId, Record> {
    let mut records: BTreeMap<RecordId, Record> = BTreeMap::new();
    for change_set in change_sets {
        match records.get_mut(&change_set.record) {
            Some(record) => record.apply(change_set),
            None => {
                records.insert(change_set.record, Record::new(change_set));
            }
        }
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::edit::Edit;
    use crate::domain::ids::{ChangeSetId, ReplicaId};

    pub(crate) fn stamp(wall_ms: u64, replica: u64) -> Stamp {
        Stamp { wall_ms, counter: 0, replica: ReplicaId(replica) }
    }

    fn change_set(n: u8, at: Stamp, edits: Vec<Edit>) -> ChangeSet {
        ChangeSet {
            id: ChangeSetId::new(at.wall_ms, [n; 10]),
            record: RecordId::new(1, [0; 10]),
            kind: "incident".into(),
            member: Member::new(if at.replica.0 == 1 { "Ada" } else { "Bo" }).unwrap(),
            at: DateTime::<Utc>::UNIX_EPOCH,
            stamp: at,
            edits,
        }
    }

    fn text(s: &str) -> Option<Value> {
        Some(Value::Text(s.into()))
    }

    #[test]
    fn a_record_holds_room_for_exactly_the_fields_its_edits_name() {
        let link = |id: u8| Edit {
            field: Name::new("configuration_items"),
            op: Op::Add(Value::Link(RecordId::new(u64::from(id), [id; 10]))),
            replaces: vec![],
        };
        // Three fields, one of them named by two additions.
        let create = change_set(
            1,
            stamp(1, 1),
            vec![
                Edit::set("title", text("Printer down"), vec![]),
                link(7),
                link(8),
                Edit::set("urgency", text("high"), vec![]),
            ],
        );
        let mut record = Record::new(&create);
        assert_eq!((record.fields.len(), record.fields.0.capacity()), (3, 3));
        // A later change set: one field held already, two new ones.
        let resolve = change_set(
            2,
            stamp(2, 1),
            vec![
                Edit::set("title", text("Printer fixed"), vec![stamp(1, 1)]),
                Edit::set("state", text("resolved"), vec![]),
                Edit::set("resolution", text("Toner replaced"), vec![]),
            ],
        );
        record.apply(&resolve);
        assert_eq!((record.fields.len(), record.fields.0.capacity()), (5, 5));
        // Applied again, it needs no more room.
        record.apply(&resolve);
        assert_eq!((record.fields.len(), record.fields.0.capacity()), (5, 5));
        assert_eq!(record.text("title"), "Printer fixed");
    }

    #[test]
    fn a_later_edit_that_saw_the_value_overwrites_it() {
        let create = change_set(1, stamp(1, 1), vec![Edit::set("title", text("Printer down"), vec![])]);
        let rename =
            change_set(2, stamp(2, 1), vec![Edit::set("title", text("Printer on 3rd floor down"), vec![stamp(1, 1)])]);
        let record = Record::fold([&create, &rename]).unwrap();
        assert_eq!(record.text("title"), "Printer on 3rd floor down");
        assert_eq!(record.conflicts().count(), 0);
        assert_eq!(record.created.stamp, stamp(1, 1));
        assert_eq!(record.updated.stamp, stamp(2, 1));
    }

    #[test]
    fn two_edits_that_did_not_see_each_other_conflict_and_the_later_one_shows() {
        let create = change_set(1, stamp(1, 1), vec![Edit::set("title", text("a"), vec![])]);
        let ada = change_set(2, stamp(5, 1), vec![Edit::set("title", text("ada's"), vec![stamp(1, 1)])]);
        let bo = change_set(3, stamp(4, 2), vec![Edit::set("title", text("bo's"), vec![stamp(1, 1)])]);
        let record = Record::fold([&create, &bo, &ada]).unwrap();
        assert_eq!(record.text("title"), "ada's");
        let conflicts: Vec<_> = record.conflicts().collect();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].1.len(), 2);
        // Editing the field again, having seen both, resolves the conflict.
        let fix = change_set(4, stamp(6, 1), vec![Edit::set("title", text("agreed"), record.head_stamps("title"))]);
        let record = Record::fold([&create, &bo, &ada, &fix]).unwrap();
        assert_eq!(record.text("title"), "agreed");
        assert_eq!(record.conflicts().count(), 0);
    }

    #[test]
    fn a_remove_takes_only_the_adds_its_author_saw() {
        let link = Value::Text("CI-1".into());
        let add_a =
            change_set(1, stamp(1, 1), vec![Edit { field: "cis".into(), op: Op::Add(link.clone()), replaces: vec![] }]);
        let remove = change_set(
            2,
            stamp(3, 1),
            vec![Edit { field: "cis".into(), op: Op::Remove(link.clone()), replaces: vec![stamp(1, 1)] }],
        );
        let add_b =
            change_set(3, stamp(2, 2), vec![Edit { field: "cis".into(), op: Op::Add(link.clone()), replaces: vec![] }]);
        let record = Record::fold([&remove, &add_a, &add_b]).unwrap();
        assert_eq!(record.field("cis").unwrap().members(), vec![&link]);
        let record = Record::fold([&add_a, &remove]).unwrap();
        assert!(record.field("cis").unwrap().members().is_empty());
    }

    #[test]
    fn notes_are_kept_in_stamp_order() {
        let first = change_set(1, stamp(1, 1), vec![Edit::append("notes", "one".into())]);
        let second = change_set(
            2,
            stamp(2, 2),
            vec![Edit::append("notes", "two".into()), Edit::append("notes", "three".into())],
        );
        let record = Record::fold([&second, &first, &second]).unwrap();
        let texts: Vec<_> = record.field("notes").unwrap().entries().iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["one", "two", "three"]);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod laws {
    use super::*;
    use crate::domain::edit::{Edit, EditRef};
    use crate::domain::ids::{ChangeSetId, ReplicaId};
    use proptest::prelude::*;

    /// Random histories of one record as several replicas would write them: each change set
    /// replaces some subset of the stamps that came before it.
    pub(crate) fn history() -> impl Strategy<Value = Vec<ChangeSet>> {
        let step = (0u64..3, 0u8..5, 0u8..3, any::<u8>(), any::<u64>());
        prop::collection::vec(step, 1..24).prop_map(|steps| {
            let mut out: Vec<ChangeSet> = Vec::new();
            for (i, (replica, op, field, value, mask)) in steps.into_iter().enumerate() {
                let stamp = Stamp { wall_ms: 100 + i as u64, counter: 0, replica: ReplicaId(replica) };
                let earlier: Vec<Stamp> =
                    out.iter().enumerate().filter(|(j, _)| mask >> (j % 64) & 1 == 1).map(|(_, c)| c.stamp).collect();
                let field = format!("f{field}");
                let v = Value::Number(value as i64 % 4);
                let edit = match op {
                    0 => Edit::set(&field, Some(v), earlier),
                    1 => Edit { field: field.into(), op: Op::Add(v), replaces: vec![] },
                    2 => Edit { field: field.into(), op: Op::Remove(v), replaces: earlier },
                    3 => Edit::append(&field, format!("note {i}")),
                    // A redaction of an earlier edit (any operation: only values go).
                    _ => match out.get(mask as usize % out.len().max(1)) {
                        Some(target) => Edit {
                            field: target.edits[0].field.clone(),
                            op: Op::Redact(EditRef { index: 0, stamp: target.stamp }),
                            replaces: vec![],
                        },
                        None => Edit::append(&field, format!("note {i}")),
                    },
                };
                out.push(ChangeSet {
                    id: ChangeSetId::new(stamp.wall_ms, [i as u8; 10]),
                    record: RecordId::new(1, [0; 10]),
                    kind: "incident".into(),
                    member: Member::new(&format!("member {replica}")).unwrap(),
                    at: DateTime::<Utc>::UNIX_EPOCH,
                    stamp,
                    edits: vec![edit],
                });
            }
            out
        })
    }

    pub(crate) fn permuted<T>(mut sets: Vec<T>, seed: u64) -> Vec<T> {
        // A deterministic shuffle driven by the seed proptest picked.
        let mut state = seed | 1;
        for i in (1..sets.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            sets.swap(i, (state % (i as u64 + 1)) as usize);
        }
        sets
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn folding_any_permutation_gives_the_same_record(sets in history(), seed in any::<u64>()) {
            let ordered = Record::fold(&sets).unwrap();
            let shuffled = permuted(sets.clone(), seed);
            prop_assert_eq!(&Record::fold(&shuffled).unwrap(), &ordered);
            // Folding a change set twice changes nothing.
            let doubled: Vec<&ChangeSet> = sets.iter().chain(shuffled.iter()).collect();
            prop_assert_eq!(&Record::fold(doubled).unwrap(), &ordered);
        }

        #[test]
        fn change_sets_rewritten_by_their_redactions_fold_to_the_same_record(sets in history(), seed in any::<u64>()) {
            // What the store keeps: each change set with the values redactions removed.
            let redactions: Vec<(String, EditRef, Stamp)> = sets
                .iter()
                .flat_map(|cs| cs.redactions().map(move |(field, target)| (field.to_string(), target, cs.stamp)))
                .collect();
            let mut stored = sets.clone();
            for change_set in stored.iter_mut() {
                for (field, target, by) in &redactions {
                    change_set.redact(field, *target, *by);
                }
            }
            let ordered = Record::fold(&sets).unwrap();
            prop_assert_eq!(&Record::fold(&permuted(stored.clone(), seed)).unwrap(), &ordered);
            // Old and rewritten copies mixed, in any order, fold the same too.
            let mixed: Vec<ChangeSet> = sets.iter().chain(stored.iter()).cloned().collect();
            prop_assert_eq!(&Record::fold(&permuted(mixed, seed)).unwrap(), &ordered);
            // And a copy joined with its rewritten form is the rewritten form.
            for (old, new) in sets.iter().zip(&stored) {
                prop_assert_eq!(old.join(new), Some(new.clone()));
                prop_assert_eq!(new.join(old), Some(new.clone()));
            }
            // Nothing redacted shows its value.
            for state in ordered.fields.values() {
                for entry in state.entries() {
                    prop_assert!(entry.redacted.is_none() || entry.text.is_empty());
                }
            }
        }

        #[test]
        fn concurrent_additions_and_appended_notes_all_survive(
            values in prop::collection::vec(0i64..1_000, 1..20),
            seed in any::<u64>(),
        ) {
            // Each replica adds a link and appends a note without seeing the others.
            let sets: Vec<ChangeSet> = values.iter().enumerate().map(|(i, v)| ChangeSet {
                id: ChangeSetId::new(10, [i as u8; 10]),
                record: RecordId::new(1, [0; 10]),
                kind: "incident".into(),
                member: Member::new("m").unwrap(),
                at: DateTime::<Utc>::UNIX_EPOCH,
                stamp: Stamp { wall_ms: 10, counter: 0, replica: ReplicaId(i as u64) },
                edits: vec![
                    Edit { field: "links".into(), op: Op::Add(Value::Number(*v)), replaces: vec![] },
                    Edit::append("notes", format!("note from {i}")),
                ],
            }).collect();
            let record = Record::fold(&permuted(sets, seed)).unwrap();
            let members: BTreeSet<&Value> = record.field("links").unwrap().members().into_iter().collect();
            let expected: BTreeSet<Value> = values.iter().map(|v| Value::Number(*v)).collect();
            prop_assert_eq!(members, expected.iter().collect::<BTreeSet<_>>());
            prop_assert_eq!(record.field("notes").unwrap().entries().len(), values.len());
        }
    }
}
