//! Impact of a failure (8.2.6): which configuration items and services stop working when one
//! fails, following dependency links backwards, transitively, safe against cycles.

use std::collections::{BTreeSet, VecDeque};

use super::ids::RecordId;
use super::links::LinkIndex;

/// The link fields along which a failure spreads: `(kind, field)` means a record of `kind`
/// that links to a failed record through `field` fails too.
pub const DEPENDENCIES: &[(&str, &str)] = &[
    ("configuration_item", "depends_on"),
    ("configuration_item", "runs_on"),
    ("configuration_item", "part_of"),
    ("service", "items"),
    ("service", "depends_on"),
];

/// A record affected by the failure, how far from it, and through which record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Affected {
    pub id: RecordId,
    pub kind: &'static str,
    /// 1 for a direct dependant.
    pub depth: usize,
    pub via: RecordId,
}

/// Everything that fails when `failed` fails, nearest first. Each record appears once, at its
/// shortest distance; `failed` itself is never listed, even when a cycle leads back to it.
pub fn affected(index: &LinkIndex, failed: RecordId) -> Vec<Affected> {
    let mut seen = BTreeSet::from([failed]);
    let mut queue = VecDeque::from([(failed, 0usize)]);
    let mut out = Vec::new();
    while let Some((id, depth)) = queue.pop_front() {
        for link in index.inbound(&id) {
            if !DEPENDENCIES.contains(&(link.kind, link.field)) || !seen.insert(link.from) {
                continue;
            }
            out.push(Affected { id: link.from, kind: link.kind, depth: depth + 1, via: id });
            queue.push_back((link.from, depth + 1));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::links::tests::{add, change_set, id};
    use crate::domain::record::Record;

    fn ci(n: u8, edits: Vec<crate::domain::edit::Edit>) -> Record {
        Record::new(&change_set(n, n, "configuration_item", n as u64, edits))
    }

    #[test]
    fn a_failure_spreads_to_dependants_and_their_services() {
        // db (1) <- app (2, runs on db) <- web (3, depends on app); mail service (4) built on web.
        let records = [
            ci(1, vec![]),
            ci(2, vec![add("runs_on", 1)]),
            ci(3, vec![add("depends_on", 2), add("connected_to", 5)]),
            Record::new(&change_set(4, 4, "service", 4, vec![add("items", 3)])),
            ci(5, vec![]),
        ];
        let index = LinkIndex::build(&records);
        let got: Vec<(RecordId, usize)> = affected(&index, id(1)).iter().map(|a| (a.id, a.depth)).collect();
        assert_eq!(got, vec![(id(2), 1), (id(3), 2), (id(4), 3)]);
        // Being connected to something is not depending on it.
        assert!(affected(&index, id(5)).is_empty());
        assert_eq!(affected(&index, id(4)), vec![]);
    }

    #[test]
    fn cycles_end_and_list_each_record_once() {
        // 1 depends on 2, 2 on 3, 3 on 1: any failure takes down the other two, once each.
        let records =
            [ci(1, vec![add("depends_on", 2)]), ci(2, vec![add("depends_on", 3)]), ci(3, vec![add("depends_on", 1)])];
        let index = LinkIndex::build(&records);
        let got: Vec<(RecordId, usize)> = affected(&index, id(1)).iter().map(|a| (a.id, a.depth)).collect();
        assert_eq!(got, vec![(id(3), 1), (id(2), 2)]);
        let self_loop = [ci(7, vec![add("depends_on", 7)])];
        assert!(affected(&LinkIndex::build(&self_loop), id(7)).is_empty());
    }

    #[test]
    fn a_diamond_lists_the_shared_dependant_at_its_shortest_distance() {
        let records = [
            ci(1, vec![]),
            ci(2, vec![add("depends_on", 1)]),
            ci(3, vec![add("depends_on", 2)]),
            ci(4, vec![add("depends_on", 1), add("depends_on", 3)]),
        ];
        let got: Vec<(RecordId, usize)> =
            affected(&LinkIndex::build(&records), id(1)).iter().map(|a| (a.id, a.depth)).collect();
        assert_eq!(got, vec![(id(2), 1), (id(4), 1), (id(3), 2)]);
    }
}
