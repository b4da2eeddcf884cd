//! Two-way links. A link is stored once, as an edit of a link field on one side (an incident's
//! `problem`); the other side (the problem's incidents) is derived here, so the two sides can
//! never disagree.

use std::collections::{BTreeMap, BTreeSet};

use super::catalogue;
use super::ids::RecordId;
use super::kind::{FieldDecl, FieldType};
use super::record::{Record, Records};
use super::value::Value;

/// A record pointing at another through one of its link fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Backlink {
    /// The kind of the record that holds the link.
    pub kind: &'static str,
    /// Its link field.
    pub field: &'static str,
    /// The record that holds the link.
    pub from: RecordId,
}

impl Backlink {
    /// The heading the linked record's page shows these under ("Incidents").
    pub fn heading(&self) -> &'static str {
        catalogue::kind(self.kind)
            .and_then(|kind| kind.field(self.field))
            .and_then(FieldDecl::target)
            .map(|target| target.inverse)
            .unwrap_or("Linked from")
    }
}

/// The records a record links to, field by field, in declaration order.
pub fn outbound(record: &Record) -> Vec<(&'static FieldDecl, RecordId)> {
    let Some(kind) = catalogue::kind(&record.kind) else { return Vec::new() };
    let mut out = Vec::new();
    for field in kind.fields {
        match field.ty {
            FieldType::Link(_) => {
                if let Some(Value::Link(id)) = record.value(field.id) {
                    out.push((field, *id));
                }
            }
            FieldType::Links(_) => {
                if let Some(state) = record.field(field.id) {
                    out.extend(state.members().into_iter().filter_map(Value::as_link).map(|id| (field, id)));
                }
            }
            _ => {}
        }
    }
    out
}

/// The ids a link field of a record holds (one for a link, any number for a set of links).
pub fn linked(record: &Record, field: &str) -> Vec<RecordId> {
    match record.field(field) {
        Some(state) => match state.value() {
            Some(Value::Link(id)) => vec![*id],
            _ => state.members().into_iter().filter_map(Value::as_link).collect(),
        },
        None => Vec::new(),
    }
}

/// Every record's inbound links, kept up to date as records change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkIndex {
    inbound: BTreeMap<RecordId, BTreeSet<Backlink>>,
}

impl LinkIndex {
    pub fn build<'a>(records: impl IntoIterator<Item = &'a Record>) -> Self {
        let mut index = LinkIndex::default();
        index.add_all(records);
        index
    }

    /// Adds the links of records not in the index yet (building it a part at a time).
    pub fn add_all<'a>(&mut self, records: impl IntoIterator<Item = &'a Record>) {
        for record in records {
            self.add(record);
        }
    }

    fn add(&mut self, record: &Record) {
        let Some(kind) = catalogue::kind(&record.kind) else { return };
        for (field, to) in outbound(record) {
            let link = Backlink { kind: kind.id, field: field.id, from: record.id };
            self.inbound.entry(to).or_default().insert(link);
        }
    }

    fn remove(&mut self, record: &Record) {
        let Some(kind) = catalogue::kind(&record.kind) else { return };
        for (field, to) in outbound(record) {
            let link = Backlink { kind: kind.id, field: field.id, from: record.id };
            if let Some(set) = self.inbound.get_mut(&to) {
                set.remove(&link);
                if set.is_empty() {
                    self.inbound.remove(&to);
                }
            }
        }
    }

    /// Replaces what `before` linked to with what `after` links to.
    pub fn update(&mut self, before: Option<&Record>, after: &Record) {
        if let Some(before) = before {
            self.remove(before);
        }
        self.add(after);
    }

    /// The records linking to `id`, ordered by kind, field and record.
    pub fn inbound(&self, id: &RecordId) -> impl Iterator<Item = &Backlink> {
        self.inbound.get(id).into_iter().flatten()
    }

    /// The records linking to `id`, grouped under the heading their link field declares.
    pub fn grouped(&self, id: &RecordId) -> Vec<(&'static str, Vec<RecordId>)> {
        let mut groups: Vec<(&'static str, Vec<RecordId>)> = Vec::new();
        for link in self.inbound(id) {
            let heading = link.heading();
            match groups.iter_mut().find(|(h, _)| *h == heading) {
                Some((_, ids)) => ids.push(link.from),
                None => groups.push((heading, vec![link.from])),
            }
        }
        groups
    }
}

/// What a partial export of `chosen` carries: the chosen records and, with `with_linked`, every
/// record one link away from one of them, in either direction (a change with the incidents
/// that raised it, the configuration items it touches and the release that ships it); and the
/// shared settings record, whose edits decide what records show (the priority matrix), so the
/// teammate sees them alike. Ids of records not held here are left out.
pub fn export_selection(
    chosen: &[RecordId],
    records: &Records,
    index: &LinkIndex,
    with_linked: bool,
) -> BTreeSet<RecordId> {
    let mut out = BTreeSet::new();
    for id in chosen {
        let Some(record) = records.get(id) else { continue };
        out.insert(*id);
        if with_linked {
            out.extend(outbound(record).into_iter().map(|(_, to)| to).filter(|to| records.get(to).is_some()));
            out.extend(index.inbound(id).map(|link| link.from));
        }
    }
    if !out.is_empty() {
        out.extend(records.of_kind(catalogue::SETTINGS.id).map(|settings| settings.id));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::clock::Stamp;
    use crate::domain::edit::{ChangeSet, Edit, Op};
    use crate::domain::ids::{ChangeSetId, Member, ReplicaId};
    use chrono::{DateTime, Utc};

    pub(crate) fn id(n: u8) -> RecordId {
        RecordId::new(n as u64, [n; 10])
    }

    pub(crate) fn change_set(n: u8, record: u8, kind: &str, wall_ms: u64, edits: Vec<Edit>) -> ChangeSet {
        ChangeSet {
            id: ChangeSetId::new(wall_ms, [n; 10]),
            record: id(record),
            kind: crate::domain::name::Name::new(kind),
            member: Member::new("Ada").unwrap(),
            at: DateTime::<Utc>::UNIX_EPOCH,
            stamp: Stamp { wall_ms, counter: 0, replica: ReplicaId(1) },
            edits,
        }
    }

    pub(crate) fn add(field: &str, to: u8) -> Edit {
        Edit { field: crate::domain::name::Name::new(field), op: Op::Add(Value::Link(id(to))), replaces: vec![] }
    }

    #[test]
    fn an_incident_linked_to_a_problem_is_listed_on_the_problem() {
        let problem = Record::new(&change_set(
            1,
            1,
            "problem",
            1,
            vec![Edit::set("title", Some(Value::Text("p".into())), vec![])],
        ));
        let incident = Record::new(&change_set(
            2,
            2,
            "incident",
            2,
            vec![Edit::set("problem", Some(Value::Link(id(1))), vec![]), add("items", 3)],
        ));
        let index = LinkIndex::build([&problem, &incident]);
        assert_eq!(index.grouped(&id(1)), vec![("Incidents", vec![id(2)])]);
        assert_eq!(index.grouped(&id(3)), vec![("Incidents", vec![id(2)])]);
        assert!(index.grouped(&id(2)).is_empty());
    }

    #[test]
    fn a_partial_export_takes_the_chosen_records_and_their_neighbours_both_ways() {
        // Problem 1 <- incident 2 -> item 3; change 4 -> problem 1; incident 5 stands alone.
        let mut records = Records::default();
        records.apply(&change_set(1, 1, "problem", 1, vec![Edit::set("title", Some(Value::Text("p".into())), vec![])]));
        records.apply(&change_set(
            2,
            2,
            "incident",
            2,
            vec![Edit::set("problem", Some(Value::Link(id(1))), vec![]), add("items", 3)],
        ));
        records.apply(&change_set(3, 3, "configuration_item", 3, vec![]));
        records.apply(&change_set(4, 4, "change", 4, vec![Edit::set("problem", Some(Value::Link(id(1))), vec![])]));
        records.apply(&change_set(5, 5, "incident", 5, vec![]));
        let index = LinkIndex::build(records.iter());
        let ids = |ns: &[u8]| ns.iter().map(|n| id(*n)).collect::<BTreeSet<_>>();
        assert_eq!(export_selection(&[id(1)], &records, &index, false), ids(&[1]));
        assert_eq!(export_selection(&[id(1)], &records, &index, true), ids(&[1, 2, 4]));
        assert_eq!(export_selection(&[id(2)], &records, &index, true), ids(&[1, 2, 3]));
        assert_eq!(export_selection(&[id(2), id(5), id(9)], &records, &index, true), ids(&[1, 2, 3, 5]));
        // The shared settings travel with any partial export, never alone.
        records.apply(&change_set(6, 6, catalogue::SETTINGS.id, 6, vec![]));
        assert_eq!(export_selection(&[id(5)], &records, &index, false), ids(&[5, 6]));
        assert!(export_selection(&[id(9)], &records, &index, true).is_empty());
    }

    #[test]
    fn unlinking_on_one_side_removes_the_other_side() {
        let before =
            Record::new(&change_set(1, 2, "incident", 1, vec![Edit::set("problem", Some(Value::Link(id(1))), vec![])]));
        let mut index = LinkIndex::build([&before]);
        let mut after = before.clone();
        let heads = after.head_stamps("problem");
        after.apply(&change_set(2, 2, "incident", 2, vec![Edit::set("problem", None, heads)]));
        index.update(Some(&before), &after);
        assert!(index.grouped(&id(1)).is_empty());
        assert_eq!(index, LinkIndex::build([&after]));
    }
}
