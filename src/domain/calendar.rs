//! The change schedule (8.5.1.3): changes and releases with a planned window, and the changes
//! that touch the same configuration item in overlapping windows.

use chrono::{DateTime, Utc};

use super::catalogue;
use super::ids::RecordId;
use super::lifecycle::{state_of, Tone};
use super::links::linked;
use super::record::Record;
use super::value::Value;

/// A record on the calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    pub id: RecordId,
    pub kind: &'static str,
    pub start: DateTime<Utc>,
    /// The planned end, or the start when none is planned.
    pub end: DateTime<Utc>,
    pub items: Vec<RecordId>,
}

/// Two scheduled records that touch the same items while their windows overlap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clash {
    pub first: RecordId,
    pub second: RecordId,
    pub items: Vec<RecordId>,
}

fn instant(record: &Record, field: &str) -> Option<DateTime<Utc>> {
    match record.value(field) {
        Some(Value::Instant(at)) => Some(*at),
        Some(Value::Date(day)) => day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
        _ => None,
    }
}

/// Records of kinds with a planned window, that have a start and are not cancelled or
/// rejected (their tone is closed before they ran), in order of start.
pub fn scheduled<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<Scheduled> {
    let mut out: Vec<Scheduled> = records
        .into_iter()
        .filter_map(|record| {
            let kind = catalogue::kind(&record.kind)?;
            let (start_field, end_field) = kind.roles.window?;
            let state = kind.lifecycle.state(state_of(kind, record));
            if state.is_some_and(|s| s.tone == Tone::Closed && s.id != "closed") {
                return None;
            }
            let start = instant(record, start_field)?;
            let end = instant(record, end_field).filter(|end| *end >= start).unwrap_or(start);
            let items = kind.roles.items.map(|field| linked(record, field)).unwrap_or_default();
            Some(Scheduled { id: record.id, kind: kind.id, start, end, items })
        })
        .collect();
    super::sort::sort_by(&mut out, |a, b| a.start.cmp(&b.start).then(a.id.cmp(&b.id)));
    out
}

/// Pairs whose windows overlap (touching ends do not) and that share an item. Sweeps the
/// schedule in start order, so only overlapping windows are compared.
pub fn clashes(schedule: &[Scheduled]) -> Vec<Clash> {
    let mut out = Vec::new();
    let mut open: Vec<&Scheduled> = Vec::new();
    for next in schedule {
        open.retain(|earlier| earlier.end > next.start);
        for earlier in &open {
            let shared: Vec<RecordId> =
                next.items.iter().filter(|item| earlier.items.contains(item)).copied().collect();
            if !shared.is_empty() && next.end > earlier.start {
                out.push(Clash { first: earlier.id, second: next.id, items: shared });
            }
        }
        if next.end > next.start {
            open.push(next);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::edit::Edit;
    use crate::domain::links::tests::{add, change_set, id};
    use chrono::TimeZone;

    fn at(hour: u32) -> Value {
        Value::Instant(Utc.with_ymd_and_hms(2026, 12, 1, hour, 0, 0).unwrap())
    }

    fn change(n: u8, start: u32, end: u32, items: &[u8], state: &str) -> Record {
        let mut edits = vec![
            Edit::set("planned_start", Some(at(start)), vec![]),
            Edit::set("planned_end", Some(at(end)), vec![]),
            Edit::set("state", Some(Value::Text(state.into())), vec![]),
        ];
        edits.extend(items.iter().map(|item| add("items", *item)));
        Record::new(&change_set(n, n, "change", n as u64, edits))
    }

    #[test]
    fn changes_on_one_item_in_overlapping_windows_clash() {
        let records = [
            change(1, 8, 12, &[50], "approved"),
            change(2, 10, 14, &[50, 51], "new"),
            change(3, 12, 13, &[50], "new"),      // touches 1's end: overlaps only 2
            change(4, 9, 11, &[52], "new"),       // no shared item
            change(5, 9, 11, &[50], "cancelled"), // cancelled: off the calendar
        ];
        let schedule = scheduled(&records);
        assert_eq!(schedule.iter().map(|s| s.id).collect::<Vec<_>>(), vec![id(1), id(4), id(2), id(3)]);
        let found = clashes(&schedule);
        assert_eq!(
            found,
            vec![
                Clash { first: id(1), second: id(2), items: vec![id(50)] },
                Clash { first: id(2), second: id(3), items: vec![id(50)] },
            ]
        );
    }
}
