//! Human references (INC-000123): numbered per kind, never renumbered.
//!
//! Two offline creations can take the same number. Both keep it; wherever a reference is
//! shown, colliding records are told apart by a short suffix of their record id.

use std::collections::{BTreeMap, BTreeSet};

use super::ids::RecordId;
use super::kind::KindDecl;
use super::record::Record;

/// The field holding a record's reference number.
pub const REF_FIELD: &str = "ref";

/// The number a record holds, if any.
pub fn number_of(record: &Record) -> Option<i64> {
    record.value(REF_FIELD).and_then(|value| value.as_number())
}

/// The number the next record of `kind` takes here: one above the highest seen.
pub fn next_number<'a>(kind: &KindDecl, records: impl IntoIterator<Item = &'a Record>) -> i64 {
    records.into_iter().filter(|r| r.kind == kind.id).filter_map(number_of).max().unwrap_or(0) + 1
}

/// `INC-000123`.
pub fn format(kind: &KindDecl, number: i64) -> String {
    format!("{}-{:06}", kind.prefix, number)
}

/// Reference numbers taken by more than one record, per kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Collisions {
    records: BTreeSet<RecordId>,
    groups: BTreeMap<(String, i64), Vec<RecordId>>,
}

impl Collisions {
    /// Runs at every start over all records: the numbers are sorted in one list, without an
    /// allocation per record, and only shared ones are kept in maps.
    pub fn find<'a>(records: impl IntoIterator<Item = &'a Record>) -> Self {
        // By number first: kinds are compared only between records of equal numbers.
        let mut numbered: Vec<(i64, &str, RecordId)> = records
            .into_iter()
            .filter_map(|record| number_of(record).map(|number| (number, record.kind.as_str(), record.id)))
            .collect();
        // Through the one compiled sort (`domain::sort`): this runs in the first screen's
        // code, where a sort of its own would cost 2 KB gzip.
        super::sort::sort_by(&mut numbered, |a, b| a.cmp(b));
        let mut groups: BTreeMap<(String, i64), Vec<RecordId>> = BTreeMap::new();
        for same in numbered.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)).filter(|same| same.len() > 1) {
            groups.insert((same[0].1.to_string(), same[0].0), same.iter().map(|(_, _, id)| *id).collect());
        }
        let records = groups.values().flatten().copied().collect();
        Self { records, groups }
    }

    pub fn contains(&self, id: &RecordId) -> bool {
        self.records.contains(id)
    }

    /// Each shared number with the records that hold it.
    pub fn groups(&self) -> impl Iterator<Item = (&(String, i64), &Vec<RecordId>)> {
        self.groups.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// The reference as shown: with a suffix from the record id when another record shares it.
pub fn label(kind: &KindDecl, record: &Record, collisions: &Collisions) -> String {
    match number_of(record) {
        Some(number) if collisions.contains(&record.id) => format!("{}·{}", format(kind, number), record.id.short()),
        Some(number) => format(kind, number),
        None => format!("{}-?·{}", kind.prefix, record.id.short()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::INCIDENT;
    use crate::domain::clock::Stamp;
    use crate::domain::command::{create, Actor, Context, FormInput};
    use crate::domain::kind::FieldDecl;

    /// Incidents without the required service link, so records need no other records.
    static PROBLEM_LIKE: KindDecl = KindDecl {
        fields: &[
            FieldDecl::text("title", "Title", 200).required(),
            FieldDecl::choice("impact", "Impact", crate::domain::priority::Level::CHOICES),
            FieldDecl::choice("urgency", "Urgency", crate::domain::priority::Level::CHOICES),
        ],
        ..crate::domain::catalogue::base(
            "incident",
            "incidents",
            "Incident",
            "Incidents",
            "INC",
            "8.6.1",
            crate::domain::kind::Area::ResolutionAndFulfilment,
        )
    };
    use crate::domain::ids::{ChangeSetId, Member, ReplicaId};
    use chrono::{DateTime, Utc};

    fn incident(n: u8, number: i64) -> Record {
        let form: FormInput = [("title", "t"), ("impact", "low"), ("urgency", "low")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let actor = Actor {
            member: Member::new("Ada").unwrap(),
            at: DateTime::<Utc>::UNIX_EPOCH,
            change_set: ChangeSetId::new(n as u64, [n; 10]),
        };
        let none = std::collections::BTreeMap::new();
        let ctx = Context::new(&Utc, &none);
        let draft = create(&PROBLEM_LIKE, &form, &ctx, &actor, RecordId::new(n as u64, [n; 10]), number).unwrap();
        Record::new(&draft.stamp(Stamp { wall_ms: n as u64, counter: 0, replica: ReplicaId(n as u64) }).unwrap())
    }

    #[test]
    fn two_offline_creations_keep_their_number_and_are_told_apart() {
        let (a, b, c) = (incident(1, 124), incident(2, 124), incident(3, 125));
        let collisions = Collisions::find([&a, &b, &c]);
        assert_eq!(collisions.groups().count(), 1);
        let (la, lb) = (label(&INCIDENT, &a, &collisions), label(&INCIDENT, &b, &collisions));
        assert!(la.starts_with("INC-000124·") && lb.starts_with("INC-000124·"));
        assert_ne!(la, lb);
        assert_eq!(label(&INCIDENT, &c, &collisions), "INC-000125");
        assert_eq!(next_number(&INCIDENT, [&a, &b, &c]), 126);
    }

    #[test]
    fn every_record_sharing_a_number_is_in_its_group_whatever_the_order() {
        let (a, b, c, d) = (incident(3, 7), incident(1, 7), incident(2, 9), incident(4, 7));
        let collisions = Collisions::find([&a, &b, &c, &d]);
        let groups: Vec<_> = collisions.groups().collect();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].0 .1, 7);
        assert_eq!(groups[0].1, &vec![b.id, a.id, d.id]);
        assert!(!collisions.contains(&c.id));
        assert!(Collisions::find([&c]).is_empty());
    }
}
