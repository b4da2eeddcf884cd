//! Search across all kinds by reference and title: the header's quick search (Ctrl+K).
//!
//! The index keeps one lower-case line per record, so a keystroke is one pass of substring
//! tests over plain strings, fast enough for 50,000 records per frame.

use super::catalogue;
use super::ids::RecordId;
use super::record::Record;
use super::reference;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    id: RecordId,
    kind: &'static str,
    number: i64,
    /// `inc-000123 mail is down`.
    line: String,
}

/// A match, with how well it matched (lower is better).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub id: RecordId,
    pub kind: &'static str,
    pub rank: u8,
}

/// All records' search lines, ordered by record id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchIndex {
    entries: Vec<Entry>,
}

fn entry(record: &Record) -> Option<Entry> {
    let kind = catalogue::KINDS.iter().copied().find(|kind| kind.id == record.kind)?;
    let number = reference::number_of(record).unwrap_or(0);
    let line = format!("{} {}", reference::format(kind, number), record.text(kind.title_field)).to_lowercase();
    Some(Entry { id: record.id, kind: kind.id, number, line })
}

/// A query that names a reference: its prefix (lower case, if given) and number.
fn as_reference(query: &str) -> Option<(Option<String>, i64)> {
    let query = query.trim();
    let (prefix, digits) = match query.rfind(|c: char| !c.is_ascii_digit()) {
        None => (None, query),
        Some(at) => {
            let prefix = query[..=at].trim_end_matches(['-', ' ']);
            if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_alphabetic()) {
                return None;
            }
            (Some(prefix.to_lowercase()), &query[at + 1..])
        }
    };
    if digits.is_empty() || digits.len() > 12 {
        return None;
    }
    Some((prefix, digits.parse().ok()?))
}

impl SearchIndex {
    pub fn build<'a>(records: impl IntoIterator<Item = &'a Record>) -> Self {
        let mut entries: Vec<Entry> = records.into_iter().filter_map(entry).collect();
        super::sort::sort_by_key(&mut entries, |entry| entry.id);
        entries.dedup_by_key(|entry| entry.id);
        SearchIndex { entries }
    }

    /// Adds or brings up to date the lines of `records` (building the index a part at a
    /// time: in id order, each line goes at the end).
    pub fn add_all<'a>(&mut self, records: impl IntoIterator<Item = &'a Record>) {
        for record in records {
            self.update(record);
        }
    }

    /// Brings one record's line up to date.
    pub fn update(&mut self, record: &Record) {
        let Some(new) = entry(record) else { return };
        match self.entries.binary_search_by_key(&record.id, |entry| entry.id) {
            Ok(at) => self.entries[at] = new,
            Err(at) => self.entries.insert(at, new),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Up to `limit` records matching every word of `query`: the named reference first, then
    /// titles starting with the query, then the rest; newest first within each.
    pub fn find(&self, query: &str, limit: usize) -> Vec<Hit> {
        let query = query.trim().to_lowercase();
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let words: Vec<&str> = query.split_whitespace().collect();
        let reference = as_reference(&query);
        let mut hits: Vec<Hit> = Vec::new();
        for entry in self.entries.iter().rev() {
            let names_it = reference.as_ref().is_some_and(|(prefix, number)| {
                *number == entry.number
                    && prefix
                        .as_ref()
                        .is_none_or(|p| entry.line.starts_with(p.as_str()) && entry.line[p.len()..].starts_with('-'))
            });
            let rank = if names_it {
                0
            } else if words.iter().all(|word| entry.line.contains(word)) {
                let title = entry.line.split_once(' ').map(|(_, title)| title).unwrap_or("");
                if title.starts_with(query.as_str()) {
                    1
                } else {
                    2
                }
            } else {
                continue;
            };
            hits.push(Hit { id: entry.id, kind: entry.kind, rank });
        }
        // Stable: newest first within a rank.
        super::sort::sort_by_key(&mut hits, |hit| hit.rank);
        hits.truncate(limit);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::edit::Edit;
    use crate::domain::links::tests::{change_set, id};
    use crate::domain::value::Value;

    fn record(n: u8, kind: &str, number: i64, title: &str) -> Record {
        Record::new(&change_set(
            n,
            n,
            kind,
            n as u64,
            vec![
                Edit::set("ref", Some(Value::Number(number)), vec![]),
                Edit::set("title", Some(Value::Text(title.into())), vec![]),
            ],
        ))
    }

    fn ids(hits: Vec<Hit>) -> Vec<RecordId> {
        hits.into_iter().map(|hit| hit.id).collect()
    }

    #[test]
    fn search_finds_by_reference_and_words_across_kinds() {
        let records = [
            record(1, "incident", 12, "Mail is down"),
            record(2, "problem", 12, "Mail relay queue stalls"),
            record(3, "change", 3, "Upgrade mail relay"),
            record(4, "incident", 120, "VPN drops"),
        ];
        let index = SearchIndex::build(&records);
        assert_eq!(ids(index.find("INC-000012", 10)), vec![id(1)]);
        assert_eq!(ids(index.find("inc-12", 10)), vec![id(1)]);
        // Both number 12s first, then 120, whose reference contains "12".
        assert_eq!(ids(index.find("12", 10)), vec![id(2), id(1), id(4)]);
        // A title starting with the query first.
        assert_eq!(ids(index.find("mail relay", 10)), vec![id(2), id(3)]);
        assert_eq!(ids(index.find("RELAY mail", 10)), vec![id(3), id(2)]);
        assert_eq!(ids(index.find("upgrade", 10)), vec![id(3)]);
        assert_eq!(ids(index.find("mail", 1)), vec![id(2)]);
        assert!(index.find("printer", 10).is_empty());
        assert!(index.find("   ", 10).is_empty());
    }

    #[test]
    fn an_updated_title_is_found_by_its_new_words() {
        let mut index = SearchIndex::build(&[record(1, "incident", 1, "Mail is down")]);
        index.update(&record(1, "incident", 1, "Calendar is down"));
        assert!(index.find("mail", 10).is_empty());
        assert_eq!(ids(index.find("calendar", 10)), vec![id(1)]);
        assert_eq!(index.len(), 1);
    }
}
