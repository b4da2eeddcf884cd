//! Known errors offered while an incident is logged (8.6.3): problems with a recorded root
//! cause or workaround that share the incident's service, configuration items or words.

use std::collections::BTreeSet;

use super::catalogue::PROBLEM;
use super::ids::RecordId;
use super::lifecycle::state_of;
use super::links::linked;
use super::record::Record;

/// Words too common to say two texts are about the same thing.
const STOP_WORDS: &[&str] = &[
    "about", "after", "again", "also", "because", "been", "being", "cannot", "could", "does", "down", "from", "have",
    "into", "more", "most", "only", "other", "over", "same", "some", "than", "that", "their", "them", "then", "there",
    "these", "they", "this", "very", "were", "what", "when", "where", "which", "while", "will", "with", "would",
    "your",
];

/// The words of a text that can tell what it is about: four letters or more, lower case.
pub fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() >= 4)
        .map(str::to_lowercase)
        .filter(|word| !STOP_WORDS.contains(&word.as_str()))
        .collect()
}

/// What a new incident says so far.
#[derive(Clone, Debug, Default)]
pub struct IncidentSketch {
    pub text: String,
    pub service: Option<RecordId>,
    pub items: Vec<RecordId>,
}

/// A known error worth offering, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub problem: RecordId,
    pub score: usize,
    pub same_service: bool,
    pub shared_items: usize,
    pub shared_words: Vec<String>,
}

/// Whether a problem counts as a known error: in that state, or open with a root cause or
/// workaround recorded.
pub fn is_known_error(problem: &Record) -> bool {
    if problem.kind != PROBLEM.id {
        return false;
    }
    match state_of(&PROBLEM, problem) {
        "known_error" => true,
        "new" | "investigating" => problem.value("root_cause").is_some() || problem.value("workaround").is_some(),
        _ => false,
    }
}

/// Up to `limit` known errors that match the sketch, best first.
pub fn suggest<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    sketch: &IncidentSketch,
    limit: usize,
) -> Vec<Suggestion> {
    let wanted = words(&sketch.text);
    let mut found: Vec<Suggestion> = records
        .into_iter()
        .filter(|record| is_known_error(record))
        .filter_map(|problem| {
            let mut text = String::new();
            for field in ["title", "symptoms", "root_cause", "workaround"] {
                text.push_str(problem.text(field));
                text.push(' ');
            }
            let shared_words: Vec<String> = words(&text).intersection(&wanted).cloned().collect();
            let same_service =
                sketch.service.is_some() && linked(problem, "service").first() == sketch.service.as_ref();
            let items = linked(problem, "items");
            let shared_items = sketch.items.iter().filter(|id| items.contains(id)).count();
            let score = shared_words.len() + 3 * usize::from(same_service) + 3 * shared_items;
            (score > 0).then_some(Suggestion { problem: problem.id, score, same_service, shared_items, shared_words })
        })
        .collect();
    super::sort::sort_by(&mut found, |a, b| b.score.cmp(&a.score).then(b.problem.cmp(&a.problem)));
    found.truncate(limit);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::edit::Edit;
    use crate::domain::links::tests::{add, change_set, id};
    use crate::domain::value::Value;

    fn text(field: &str, value: &str) -> Edit {
        Edit::set(field, Some(Value::Text(value.into())), vec![])
    }

    fn problem(n: u8, state: &str, mut edits: Vec<Edit>) -> Record {
        edits.push(text("state", state));
        Record::new(&change_set(n, n, "problem", n as u64, edits))
    }

    #[test]
    fn known_errors_match_by_service_items_and_words() {
        let records = [
            problem(
                1,
                "known_error",
                vec![text("title", "Mail relay queue stalls"), text("workaround", "Flush the queue")],
            ),
            problem(
                2,
                "investigating",
                vec![
                    text("title", "Printer offline"),
                    Edit::set("service", Some(Value::Link(id(9))), vec![]),
                    text("root_cause", "Driver"),
                ],
            ),
            problem(3, "known_error", vec![text("title", "Badge reader"), add("items", 8)]),
            // Not known errors: no cause or workaround yet, or closed.
            problem(4, "investigating", vec![text("title", "Mail relay queue stalls again")]),
            problem(5, "closed", vec![text("title", "Mail relay queue stalls"), text("workaround", "Flush")]),
        ];
        let sketch = IncidentSketch {
            text: "Outgoing mail stuck in the relay queue".into(),
            service: Some(id(9)),
            items: vec![id(8)],
        };
        let found = suggest(&records, &sketch, 5);
        let order: Vec<(RecordId, usize)> = found.iter().map(|s| (s.problem, s.score)).collect();
        assert_eq!(order, vec![(id(3), 3), (id(2), 3), (id(1), 3)]);
        assert_eq!(found[2].shared_words, vec!["mail", "queue", "relay"]);
        let unrelated = IncidentSketch { text: "Screen flickers".into(), ..Default::default() };
        assert!(suggest(&records, &unrelated, 5).is_empty());
    }

    #[test]
    fn short_and_common_words_do_not_count() {
        assert_eq!(words("The VPN is down, and it will not work"), BTreeSet::from(["work".to_string()]));
    }
}
