//! A record's history: its change sets replayed in stamp order, as who changed what from
//! what to what.

use chrono::{DateTime, Utc};

use super::clock::Stamp;
use super::edit::{ChangeSet, Op};
use super::ids::{ChangeSetId, Member};
use super::kind::{FieldType, KindDecl};
use super::record::Record;

/// One change set as history shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub change_set: ChangeSetId,
    pub member: Member,
    pub at: DateTime<Utc>,
    pub stamp: Stamp,
    pub changes: Vec<Change>,
}

/// One edit as history shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub label: String,
    pub what: ChangeKind,
    /// The edit's position in its change set: with the entry's stamp, what a redaction names.
    pub index: u16,
    /// Whether a redaction can remove this edit's value: a text, long text or note value, not
    /// redacted yet.
    pub redactable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Set {
        old: Option<String>,
        new: Option<String>,
    },
    Added(String),
    Removed(String),
    Appended(String),
    /// A redaction of an earlier edit of the field, described by whose edit it was and when.
    Redaction(String),
    /// An operation of a newer release, named by its tag: kept and passed on, not understood.
    Unknown(String),
}

/// The history of one record from its change sets (in any order), oldest first, with the
/// record that replaying them yields.
pub fn replay(kind: &KindDecl, change_sets: &[ChangeSet]) -> (Vec<HistoryEntry>, Option<Record>) {
    replay_with(kind, change_sets, |field, value| kind.display_value(field, value), crate::domain::value::utc_minute)
}

/// [`replay`], showing values with `show` and times with `time` (the UI names linked records
/// and uses local time). A redacted value shows as "redacted by <member> at <time>".
pub fn replay_with(
    kind: &KindDecl,
    change_sets: &[ChangeSet],
    show: impl Fn(&str, &super::value::Value) -> String,
    time: impl Fn(DateTime<Utc>) -> String,
) -> (Vec<HistoryEntry>, Option<Record>) {
    use super::value::Value;
    let mut ordered: Vec<&ChangeSet> = change_sets.iter().collect();
    super::sort::sort_by_key(&mut ordered, |cs| cs.stamp);
    ordered.dedup_by_key(|cs| cs.id);
    let origins: std::collections::BTreeMap<Stamp, (&Member, DateTime<Utc>)> =
        ordered.iter().map(|cs| (cs.stamp, (&cs.member, cs.at))).collect();
    let marker = |by: Stamp| match origins.get(&by) {
        Some((member, at)) => format!("redacted by {member} at {}", time(*at)),
        None => super::value::REDACTED_VALUE.to_string(),
    };
    let mut record: Option<Record> = None;
    let mut entries = Vec::with_capacity(ordered.len());
    for change_set in ordered {
        let changes = change_set
            .edits
            .iter()
            .enumerate()
            .map(|(index, edit)| {
                let show = |value: &Value| match value {
                    Value::Redacted(by) => marker(*by),
                    _ => show(&edit.field, value),
                };
                let what = match &edit.op {
                    Op::Set(new) => ChangeKind::Set {
                        old: record.as_ref().and_then(|r| r.value(&edit.field)).map(show),
                        new: new.as_ref().map(show),
                    },
                    Op::Add(value) => ChangeKind::Added(show(value)),
                    Op::Remove(value) => ChangeKind::Removed(show(value)),
                    Op::Append(text) => ChangeKind::Appended(text.clone()),
                    Op::RedactedNote(by) => ChangeKind::Appended(format!("({})", marker(*by))),
                    Op::Redact(target) => ChangeKind::Redaction(match origins.get(&target.stamp) {
                        Some((member, at)) => format!("removed the value {member} recorded at {}", time(*at)),
                        None => "removed an earlier value".to_string(),
                    }),
                    Op::Unknown(opaque) => ChangeKind::Unknown(opaque.tag()),
                };
                let redactable = kind.field(&edit.field).is_some_and(|decl| {
                    matches!(decl.ty, FieldType::Text { .. } | FieldType::LongText { .. } | FieldType::Log)
                }) && matches!(&edit.op, Op::Set(Some(Value::Text(_))) | Op::Append(_));
                Change {
                    field: edit.field.to_string(),
                    label: kind.field_label(&edit.field).to_string(),
                    what,
                    index: index as u16,
                    redactable,
                }
            })
            .collect();
        match record.as_mut() {
            Some(record) => record.apply(change_set),
            None => record = Some(Record::new(change_set)),
        }
        entries.push(HistoryEntry {
            change_set: change_set.id,
            member: change_set.member.clone(),
            at: change_set.at,
            stamp: change_set.stamp,
            changes,
        });
    }
    (entries, record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::INCIDENT;
    use crate::domain::demo;

    #[test]
    fn history_shows_old_and_new_values_with_labels() {
        let none = std::collections::BTreeMap::new();
        let all = demo::sample_history(1, &none, |_| 1, &Member::new("Ada").unwrap(), DateTime::<Utc>::UNIX_EPOCH, 7);
        let incident = all.iter().find(|s| s.kind == INCIDENT.id).map(|s| s.record);
        let sets: Vec<_> = all.into_iter().filter(|s| Some(s.record) == incident).collect();
        let (entries, record) = replay(&INCIDENT, &sets);
        assert_eq!(entries.len(), 4);
        let first_state = entries[0].changes.iter().find(|c| c.field == "state").unwrap();
        assert_eq!(first_state.what, ChangeKind::Set { old: None, new: Some("New".into()) });
        let second = entries[1].changes.iter().find(|c| c.field == "state").unwrap();
        assert_eq!(second.what, ChangeKind::Set { old: Some("New".into()), new: Some("In progress".into()) });
        assert!(entries.iter().any(|e| e.changes.iter().any(|c| matches!(c.what, ChangeKind::Appended(_)))));
        assert_eq!(
            record.unwrap().text("state"),
            crate::domain::record::fold_all(&sets).values().next().unwrap().text("state")
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod laws {
    use super::*;
    use crate::domain::catalogue::INCIDENT;
    use crate::domain::record::laws::{history, permuted};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The history page and the record page never disagree: replaying the history from
        /// empty, whatever order the change sets arrived in, yields the current record, and
        /// every edit appears in it exactly once, in stamp order.
        #[test]
        fn history_replayed_from_empty_yields_the_current_record(sets in history(), seed in any::<u64>()) {
            let current = Record::fold(&sets).unwrap();
            let (entries, replayed) = replay(&INCIDENT, &permuted(sets.clone(), seed));
            prop_assert_eq!(replayed.as_ref(), Some(&current));
            prop_assert_eq!(entries.len(), sets.len());
            let edits: usize = sets.iter().map(|s| s.edits.len()).sum();
            prop_assert_eq!(entries.iter().map(|e| e.changes.len()).sum::<usize>(), edits);
            prop_assert!(entries.windows(2).all(|w| w[0].stamp < w[1].stamp));
        }
    }

    #[test]
    fn an_operation_of_a_newer_release_shows_as_kept_and_changes_nothing() {
        use crate::domain::edit::Edit;
        let none: std::collections::BTreeMap<crate::domain::ids::RecordId, Record> = Default::default();
        let mut sets = crate::domain::demo::sample_history(
            1,
            &none,
            |_| 1,
            &Member::new("Ada").unwrap(),
            DateTime::<Utc>::UNIX_EPOCH,
            7,
        );
        let first = sets[0].record;
        sets.retain(|cs| cs.record == first);
        let kind = crate::domain::catalogue::kind(&sets[0].kind).unwrap();
        let before = Record::fold(&sets).unwrap();
        let mut newer = sets.last().unwrap().clone();
        newer.id = crate::domain::ids::ChangeSetId::new(99, [9; 10]);
        newer.stamp.wall_ms += 1;
        newer.edits = vec![Edit {
            field: "notes".into(),
            op: serde_json::from_str(r#"{"react":{"to":0}}"#).unwrap(),
            replaces: vec![],
        }];
        sets.push(newer);
        let (entries, record) = replay(kind, &sets);
        let last = entries.last().unwrap();
        assert_eq!(last.changes[0].what, ChangeKind::Unknown("react".into()));
        let mut after = record.unwrap();
        after.updated = before.updated.clone();
        assert_eq!(after.fields.get("notes"), before.fields.get("notes"));
    }
}
