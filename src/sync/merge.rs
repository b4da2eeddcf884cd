//! Planning an import: what a file adds to what is held here, checked before anything is
//! written. The plan is the preview the user confirms (N new records, M updated, K unchanged,
//! C conflicts), and the list of change sets the store then writes in one transaction.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::file::{ExchangeFile, FileText};
use crate::domain::clock::Stamp;
use crate::domain::edit::{ChangeSet, EditRef, FieldId};
use crate::domain::ids::{ChangeSetId, RecordId};
use crate::domain::record::Record;

/// How far ahead of this browser's clock a stamp may be: further is a teammate's wrong clock.
pub const MAX_CLOCK_SKEW_MS: u64 = 10 * 60 * 1000;

/// What an import needs to know about what is held here.
pub trait Held {
    /// The change set with this id, if held.
    fn change_set(&self, id: &ChangeSetId) -> Option<&ChangeSet>;
    /// The record with this id, if held.
    fn record(&self, id: &RecordId) -> Option<&Record>;
}

/// Why an import was refused. Nothing is written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("Change set {0} is already held here with different content. The file was altered, or an id was reused: nothing was imported.")]
    IdCollision(ChangeSetId),
    #[error("Change set {id} is stamped {minutes} minutes in the future: the clock of whoever made it is wrong. Nothing was imported; ask them to fix their clock and export again.")]
    FutureStamp { id: ChangeSetId, minutes: u64 },
}

/// What importing a file would do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Change sets not held yet, or held with fewer values redacted, in stamp order, with
    /// every value a known redaction removed: what the store writes (a change set it holds is
    /// replaced by the copy here). Their redactions of held change sets the store applies too.
    pub new_change_sets: Vec<ChangeSet>,
    /// The text of each new change set as the file wrote it, for the store to keep as it is
    /// (`ReadFile::texts`): `None` for one a redaction or a more redacted copy changed here, or
    /// when the file's texts are not kept. Empty when no text is known.
    pub texts: Vec<Option<FileText>>,
    /// Records the file creates here.
    pub new_records: BTreeSet<RecordId>,
    /// Held records the file changes.
    pub updated_records: BTreeSet<RecordId>,
    /// Records in the file that are already up to date.
    pub unchanged_records: BTreeSet<RecordId>,
    /// Fields that would be in conflict after the import and are not now: (record, field).
    pub new_conflicts: BTreeSet<(RecordId, FieldId)>,
    /// The records the file creates or changes, as they are after the import: the fold the
    /// preview made, which applying reuses instead of folding again.
    pub after: BTreeMap<RecordId, Record>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.new_change_sets.is_empty()
    }
}

/// Plans importing `file` into what `held` holds, `now` by this browser's clock: all the
/// steps of a [`Planning`] at once.
pub fn plan(held: &dyn Held, file: &ExchangeFile, now: DateTime<Utc>) -> Result<Plan, MergeError> {
    Ok(Planning::start(held, file.change_sets.clone(), now)?.finish(held))
}

/// A plan made in steps: checking the file's change sets against what is held, then folding
/// the new ones into their records (most of the work, done a slice at a time so that a page
/// can look up in between), then the summary.
pub struct Planning {
    new_change_sets: Vec<ChangeSet>,
    texts: Vec<Option<FileText>>,
    records_in_file: BTreeSet<RecordId>,
    after: BTreeMap<RecordId, Record>,
    folded: usize,
}

/// The first part of a [`Planning`], one change set at a time (so that a page can take turns
/// between them): checks each change set of a file against what is held and the file's
/// earlier ones (reused ids, stamps from the future) and keeps the ones it adds.
pub struct Checking {
    limit: u64,
    /// The change sets not held, in file order (a file lists them by stamp, so the sort in
    /// `finish` finds them in order), each with the file's text of it.
    fresh: Vec<(ChangeSet, Option<FileText>)>,
    /// Where each id is in `fresh` (looked up, never walked in order: a hash map, which
    /// at 200,000 ids is several times quicker than a tree).
    position: HashMap<ChangeSetId, usize>,
    /// The records the file's change sets are of (each once per change set: sorted and
    /// deduplicated at the end, which is quicker than a set kept along the way).
    records_in_file: Vec<RecordId>,
    /// Redactions the file makes: (record, field, target) → the earliest redaction's stamp.
    redactions: BTreeMap<(RecordId, FieldId, EditRef), Stamp>,
}

impl Checking {
    /// Ready to check a file of about `size` change sets, `now` by this browser's clock.
    pub fn new(now: DateTime<Utc>, size: usize) -> Checking {
        Checking {
            limit: now.timestamp_millis().max(0) as u64 + MAX_CLOCK_SKEW_MS,
            fresh: Vec::with_capacity(size),
            position: HashMap::with_capacity(size),
            records_in_file: Vec::with_capacity(size),
            redactions: BTreeMap::new(),
        }
    }

    /// Checks the file's next change set, with its text as the file wrote it
    /// (`ReadFile::texts`). An error refuses the whole file.
    pub fn check(&mut self, held: &dyn Held, change_set: ChangeSet, text: Option<FileText>) -> Result<(), MergeError> {
        self.records_in_file.push(change_set.record);
        if change_set.stamp.wall_ms > self.limit {
            let minutes = (change_set.stamp.wall_ms - self.limit + MAX_CLOCK_SKEW_MS) / 60_000;
            return Err(MergeError::FutureStamp { id: change_set.id, minutes });
        }
        for (field, target) in change_set.redactions() {
            let by = self.redactions.entry((change_set.record, field.clone(), target)).or_insert(change_set.stamp);
            *by = (*by).min(change_set.stamp);
        }
        let at = self.position.get(&change_set.id).copied();
        let known = at.map(|i| &self.fresh[i].0).or_else(|| held.change_set(&change_set.id));
        let replacement = match known {
            Some(known) if *known == change_set => None,
            // The same change set with other values redacted: the copy that has them all
            // redacted is kept (written anew). Anything else is an id reused with other
            // content.
            Some(known) => match known.join(&change_set) {
                Some(joined) if &joined == known => None,
                Some(joined) => Some((joined, None)),
                None => return Err(MergeError::IdCollision(change_set.id)),
            },
            None => Some((change_set, text)),
        };
        if let Some(entry) = replacement {
            match at {
                Some(i) => self.fresh[i] = entry,
                None => {
                    self.position.insert(entry.0.id, self.fresh.len());
                    self.fresh.push(entry);
                }
            }
        }
        Ok(())
    }

    /// The change sets the file adds, in stamp order and with every known redaction applied,
    /// ready to be folded.
    pub fn finish(self, held: &dyn Held) -> Planning {
        let Checking { fresh, records_in_file, redactions, .. } = self;
        let mut new_change_sets = fresh;
        // A file lists its change sets in order: then there is nothing to sort.
        let order = |(a, _): &(ChangeSet, Option<FileText>), (b, _): &(ChangeSet, Option<FileText>)| {
            a.stamp.cmp(&b.stamp).then(a.id.cmp(&b.id))
        };
        if !new_change_sets.is_sorted_by(|a, b| order(a, b).is_le()) {
            crate::domain::sort::sort_by(&mut new_change_sets, order);
        }
        let mut records_in_file = records_in_file;
        records_in_file.sort_unstable();
        records_in_file.dedup();
        let records_in_file: BTreeSet<RecordId> = records_in_file.into_iter().collect();
        // New change sets are stored with the values redactions (in the file or held) removed.
        for (change_set, text) in &mut new_change_sets {
            let held_record = held.record(&change_set.record);
            let mut redact = Vec::new();
            for (index, edit) in change_set.edits.iter().enumerate() {
                let target = EditRef { index: index as u16, stamp: change_set.stamp };
                let from_file = match redactions.is_empty() {
                    true => None,
                    false => redactions.get(&(change_set.record, edit.field.clone(), target)).copied(),
                };
                let from_held = held_record.and_then(|r| r.field(&edit.field)).and_then(|f| f.redaction(target));
                if let Some(by) = from_file.into_iter().chain(from_held).min() {
                    redact.push((edit.field.clone(), target, by));
                }
            }
            if !redact.is_empty() {
                *text = None;
            }
            for (field, target, by) in redact {
                change_set.redact(&field, target, by);
            }
        }
        let (new_change_sets, texts): (Vec<ChangeSet>, Vec<Option<FileText>>) = new_change_sets.into_iter().unzip();
        let texts = if texts.iter().any(Option::is_some) { texts } else { Vec::new() };
        Planning { new_change_sets, texts, records_in_file, after: BTreeMap::new(), folded: 0 }
    }
}

impl Planning {
    /// Checks the file against what is held (reused ids, stamps from the future) and finds
    /// the change sets it adds, with every known redaction applied.
    /// Takes the file's change sets (`ExchangeFile::change_sets`): copying 200,000 of them
    /// would be a long pause.
    pub fn start(held: &dyn Held, change_sets: Vec<ChangeSet>, now: DateTime<Utc>) -> Result<Planning, MergeError> {
        Planning::start_with_texts(held, change_sets, None, now)
    }

    /// [`Planning::start`] with the change sets' texts as the file wrote them
    /// (`ReadFile::texts`), kept in the plan for the ones stored as they came.
    pub fn start_with_texts(
        held: &dyn Held,
        change_sets: Vec<ChangeSet>,
        texts: Option<Vec<FileText>>,
        now: DateTime<Utc>,
    ) -> Result<Planning, MergeError> {
        let mut checking = Checking::new(now, change_sets.len());
        let mut texts = texts.map(Vec::into_iter);
        for change_set in change_sets {
            checking.check(held, change_set, texts.as_mut().and_then(Iterator::next))?;
        }
        Ok(checking.finish(held))
    }

    /// How many new change sets are folded, of how many.
    pub fn progress(&self) -> (usize, usize) {
        (self.folded, self.new_change_sets.len())
    }

    /// Folds up to `n` more new change sets into their records; true when all are.
    pub fn fold(&mut self, held: &dyn Held, n: usize) -> bool {
        let to = self.folded.saturating_add(n).min(self.new_change_sets.len());
        for change_set in &self.new_change_sets[self.folded..to] {
            match self.after.entry(change_set.record) {
                Entry::Occupied(mut record) => record.get_mut().apply(change_set),
                Entry::Vacant(place) => {
                    // A record new here starts from its change set (folded in already).
                    let record = match held.record(&change_set.record) {
                        Some(record) => {
                            let mut record = record.clone();
                            record.apply(change_set);
                            record
                        }
                        None => Record::new(change_set),
                    };
                    place.insert(record);
                }
            }
        }
        self.folded = to;
        to == self.new_change_sets.len()
    }

    /// Folds what is left, then the plan: what is new, updated, unchanged, and the conflicts
    /// the import adds.
    pub fn finish(mut self, held: &dyn Held) -> Plan {
        while !self.fold(held, usize::MAX) {}
        let Planning { new_change_sets, texts, records_in_file, after, .. } = self;
        let mut plan = Plan::default();
        for id in records_in_file {
            match (held.record(&id), after.get(&id)) {
                (None, Some(_)) => {
                    plan.new_records.insert(id);
                }
                (Some(_), Some(_)) => {
                    plan.updated_records.insert(id);
                }
                _ => {
                    plan.unchanged_records.insert(id);
                }
            }
        }
        for (id, record) in &after {
            let before: BTreeSet<&FieldId> =
                held.record(id).map(|r| r.conflicts().map(|(f, _)| f).collect()).unwrap_or_default();
            for (field, _) in record.conflicts() {
                if !before.contains(field) {
                    plan.new_conflicts.insert((*id, field.clone()));
                }
            }
        }
        plan.new_change_sets = new_change_sets;
        plan.texts = texts;
        plan.after = after;
        plan
    }
}

/// Change sets and records held in memory: what tests and a browser's store look like to the
/// merge.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replica {
    pub change_sets: BTreeMap<ChangeSetId, ChangeSet>,
    pub records: BTreeMap<RecordId, Record>,
}

impl Held for Replica {
    fn change_set(&self, id: &ChangeSetId) -> Option<&ChangeSet> {
        self.change_sets.get(id)
    }
    fn record(&self, id: &RecordId) -> Option<&Record> {
        self.records.get(id)
    }
}

impl Replica {
    /// Applies a plan: what the store does in its one transaction. Records the plan folded
    /// already are taken as they are; the others (a plan made by hand) are folded here. A
    /// change set held here is replaced by the plan's (more redacted) copy, and the plan's
    /// redactions rewrite the change sets they target.
    pub fn apply(&mut self, plan: &Plan) {
        for change_set in &plan.new_change_sets {
            self.change_sets.insert(change_set.id, change_set.clone());
            if plan.after.contains_key(&change_set.record) {
                continue;
            }
            match self.records.get_mut(&change_set.record) {
                Some(record) => record.apply(change_set),
                None => {
                    self.records.insert(change_set.record, Record::new(change_set));
                }
            }
        }
        for (id, record) in &plan.after {
            self.records.insert(*id, record.clone());
        }
        let redactions: Vec<(&ChangeSet, &FieldId, EditRef)> = plan
            .new_change_sets
            .iter()
            .flat_map(|cs| cs.redactions().map(move |(field, target)| (cs, field, target)))
            .collect();
        if redactions.is_empty() {
            return;
        }
        let by_stamp: BTreeMap<Stamp, ChangeSetId> = self.change_sets.values().map(|cs| (cs.stamp, cs.id)).collect();
        for (redaction, field, target) in redactions {
            let Some(id) = by_stamp.get(&target.stamp) else { continue };
            if let Some(held) = self.change_sets.get_mut(id).filter(|held| held.record == redaction.record) {
                held.redact(field, target, redaction.stamp);
            }
        }
    }

    /// Plans and applies a file; what an import does.
    pub fn import(&mut self, file: &ExchangeFile, now: DateTime<Utc>) -> Result<Plan, MergeError> {
        let plan = plan(self, file, now)?;
        self.apply(&plan);
        Ok(plan)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod laws {
    //! The guarantees of serverless sync, as laws over random histories: several replicas edit
    //! the same records offline, export files at random moments and import each other's files
    //! in random orders.

    use super::*;
    use crate::domain::clock::{ClockState, Hlc, Stamp};
    use crate::domain::edit::{Edit, Op};
    use crate::domain::ids::{Member, ReplicaId};
    use crate::domain::record::laws::permuted;
    use crate::domain::value::Value;
    use crate::sync::file::Exporter;
    use proptest::prelude::*;

    const RECORDS: u8 = 3;
    const FIELDS: [&str; 3] = ["title", "state", "owner"];

    /// One step of the story.
    #[derive(Clone, Debug)]
    enum Step {
        /// Replica `by` edits record `record`: `op` 0 sets a field, 1 adds a link, 2 removes
        /// one, 3 appends a note.
        Edit { by: usize, record: u8, op: u8, field: usize, value: u8 },
        /// Replica `by` redacts the value of edit `pick` (modulo those it holds with a value)
        /// of record `record`.
        Redact { by: usize, record: u8, pick: usize },
        /// Replica `by` exports everything it holds.
        Export { by: usize },
        /// Replica `by` imports file `file` (modulo the files written so far).
        Import { by: usize, file: usize },
    }

    fn step(replicas: usize) -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0..replicas, 0..RECORDS, 0u8..4, 0..FIELDS.len(), any::<u8>())
                .prop_map(|(by, record, op, field, value)| Step::Edit { by, record, op, field, value }),
            1 => (0..replicas, 0..RECORDS, any::<usize>()).prop_map(|(by, record, pick)| Step::Redact { by, record, pick }),
            1 => (0..replicas).prop_map(|by| Step::Export { by }),
            2 => (0..replicas, any::<usize>()).prop_map(|(by, file)| Step::Import { by, file }),
        ]
    }

    fn record_id(n: u8) -> RecordId {
        RecordId::new(1, [n; 10])
    }

    struct Peer {
        held: Replica,
        clock: Hlc,
        member: Member,
    }

    impl Peer {
        fn new(n: usize) -> Self {
            Peer {
                held: Replica::default(),
                clock: Hlc::new(ReplicaId(n as u64 + 1), ClockState::default()),
                member: Member::new(&format!("member {n}")).unwrap(),
            }
        }

        fn export(&self, at_ms: i64) -> ExchangeFile {
            ExchangeFile {
                exporter: Exporter { member: self.member.clone(), replica: self.clock.replica() },
                exported_at: DateTime::<Utc>::from_timestamp_millis(at_ms).unwrap(),
                change_sets: self.held.change_sets.values().cloned().collect(),
            }
        }

        /// An edit as the UI would make it: replacing what this replica sees.
        fn edit(&mut self, record: u8, op: u8, field: usize, value: u8, now: u64) {
            let id = record_id(record);
            let current = self.held.records.get(&id);
            let field = FIELDS[field].to_string();
            let link = Value::Link(record_id(value % 4 + 10));
            let edit = match op {
                0 => Edit::set(
                    &field,
                    Some(Value::Number(value as i64 % 5)),
                    current.map(|r| r.head_stamps(&field)).unwrap_or_default(),
                ),
                1 => Edit { field: "items".into(), op: Op::Add(link), replaces: vec![] },
                2 => {
                    let replaces =
                        current.and_then(|r| r.field("items")).map(|f| f.add_stamps(&link)).unwrap_or_default();
                    Edit { field: "items".into(), op: Op::Remove(link), replaces }
                }
                _ => Edit::append("notes", format!("note {value}")),
            };
            self.write(id, edit, now);
        }

        /// Stamps one edit of record `id` as a change set and holds it.
        fn write(&mut self, id: RecordId, edit: Edit, now: u64) {
            let stamp: Stamp = self.clock.tick(now);
            let change_set = ChangeSet {
                id: ChangeSetId::new(stamp.wall_ms, {
                    let mut e = [0u8; 10];
                    e[..8].copy_from_slice(&stamp.replica.0.to_be_bytes());
                    e[8..].copy_from_slice(&(stamp.counter as u16).to_be_bytes());
                    e
                }),
                record: id,
                // A kind this release does not know: the laws hold for it as for any other.
                kind: "story".into(),
                member: self.member.clone(),
                at: DateTime::<Utc>::from_timestamp_millis(now as i64).unwrap(),
                stamp,
                edits: vec![edit],
            };
            let plan = Plan { new_change_sets: vec![change_set], ..Plan::default() };
            self.held.apply(&plan);
        }

        /// A redaction as the UI makes it: of a value this replica holds.
        fn redact(&mut self, record: u8, pick: usize, now: u64) {
            let id = record_id(record);
            let targets: Vec<(Stamp, usize, FieldId)> = self
                .held
                .change_sets
                .values()
                .filter(|cs| cs.record == id)
                .flat_map(|cs| {
                    cs.edits
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| matches!(e.op, Op::Set(Some(_)) | Op::Append(_)))
                        .map(move |(index, e)| (cs.stamp, index, e.field.clone()))
                })
                .collect();
            if targets.is_empty() {
                return;
            }
            let (stamp, index, field) = targets[pick % targets.len()].clone();
            let edit = Edit { field, op: Op::Redact(EditRef { index: index as u16, stamp }), replaces: vec![] };
            self.write(id, edit, now);
        }

        fn import(&mut self, file: &ExchangeFile, now: u64) {
            let now = DateTime::<Utc>::from_timestamp_millis(now as i64).unwrap();
            let plan = self.held.import(file, now).expect("a teammate's file imports");
            for change_set in &plan.new_change_sets {
                self.clock.observe(change_set.stamp);
            }
        }
    }

    /// Runs a story; returns every file written, each read back from the text that went over
    /// the wire (once: importing a file means reading that text).
    fn play(replicas: usize, steps: &[Step]) -> (Vec<Peer>, Vec<ExchangeFile>) {
        let mut peers: Vec<Peer> = (0..replicas).map(Peer::new).collect();
        let mut files: Vec<ExchangeFile> = Vec::new();
        let wire = |file: ExchangeFile| ExchangeFile::read(&file.write()).expect("our own files read back");
        for (n, step) in steps.iter().enumerate() {
            // A coarse clock: several steps share a millisecond.
            let now = 1_000_000 + (n as u64 / 3) * 100;
            match step {
                Step::Edit { by, record, op, field, value } => peers[*by].edit(*record, *op, *field, *value, now),
                Step::Redact { by, record, pick } => peers[*by].redact(*record, *pick, now),
                Step::Export { by } => files.push(wire(peers[*by].export(now as i64))),
                Step::Import { by, file } if !files.is_empty() => {
                    let file = files[file % files.len()].clone();
                    peers[*by].import(&file, now);
                }
                Step::Import { .. } => {}
            }
        }
        // Everyone exports at the end too.
        for peer in &peers {
            files.push(wire(peer.export(9_000_000)));
        }
        (peers, files)
    }

    fn import_all(files: &[ExchangeFile]) -> Replica {
        let mut replica = Replica::default();
        for file in files {
            replica.import(file, DateTime::<Utc>::from_timestamp_millis(10_000_000).unwrap()).expect("file imports");
        }
        replica
    }

    fn cases() -> u32 {
        std::env::var("SYNC_LAW_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        /// Convergence and no lost edits: two browsers that import the same files, in any order
        /// and any number of times, hold the same change sets and fold the same records, and
        /// every change set made anywhere that reached a file is among them.
        #[test]
        fn browsers_that_import_the_same_files_converge_and_lose_nothing(
            replicas in 2usize..4,
            steps in prop::collection::vec(step(3), 1..40),
            seed_a in any::<u64>(),
            seed_b in any::<u64>(),
        ) {
            let steps: Vec<Step> = steps.into_iter().map(|s| match s {
                Step::Edit { by, record, op, field, value } => Step::Edit { by: by % replicas, record, op, field, value },
                Step::Redact { by, record, pick } => Step::Redact { by: by % replicas, record, pick },
                Step::Export { by } => Step::Export { by: by % replicas },
                Step::Import { by, file } => Step::Import { by: by % replicas, file },
            }).collect();
            let (peers, files) = play(replicas, &steps);
            let mut twice = permuted(files.clone(), seed_b);
            twice.extend(permuted(files.clone(), seed_a ^ seed_b));
            let a = import_all(&permuted(files.clone(), seed_a));
            let b = import_all(&twice);
            prop_assert_eq!(&a, &b);
            for peer in &peers {
                for id in peer.held.change_sets.keys() {
                    prop_assert!(a.change_sets.contains_key(id), "a change set was lost");
                }
            }
            // The records are the fold of the union, whatever the order.
            prop_assert_eq!(&a.records, &crate::domain::record::fold_all(a.change_sets.values()));
            // A redacted edit is still there, its value gone.
            for redaction in a.change_sets.values() {
                for (_, target) in redaction.redactions() {
                    let held = a.change_sets.values().find(|cs| cs.stamp == target.stamp);
                    prop_assert!(held.is_some(), "a redacted edit was lost");
                    let op = &held.unwrap().edits[target.index as usize].op;
                    prop_assert!(op.redacted_by().is_some_and(|by| by <= redaction.stamp), "a redacted value survived: {:?}", op);
                }
            }
        }

        /// Idempotence: importing a file a second time changes nothing.
        #[test]
        fn importing_a_file_twice_changes_nothing_the_second_time(
            steps in prop::collection::vec(step(2), 1..30),
        ) {
            let (_, files) = play(2, &steps);
            let mut replica = import_all(&files);
            let before = replica.clone();
            for file in &files {
                let plan = replica.import(file, DateTime::<Utc>::from_timestamp_millis(10_000_000).unwrap()).unwrap();
                prop_assert!(plan.is_empty());
                prop_assert!(plan.new_records.is_empty() && plan.updated_records.is_empty());
            }
            prop_assert_eq!(replica, before);
        }
    }

    #[test]
    fn concurrent_edits_of_one_field_show_as_a_conflict_with_both_values() {
        let mut a = Peer::new(0);
        let mut b = Peer::new(1);
        a.edit(1, 0, 0, 1, 1_000);
        b.import(&a.export(1_001), 1_001);
        // Both change the title without seeing each other.
        a.edit(1, 0, 0, 2, 2_000);
        b.edit(1, 0, 0, 3, 2_000);
        let (from_a, from_b) = (a.export(3_000), b.export(3_000));
        let plan = plan(&a.held, &from_b, DateTime::<Utc>::from_timestamp_millis(3_000).unwrap()).unwrap();
        assert_eq!(plan.new_conflicts, BTreeSet::from([(record_id(1), FieldId::new("title"))]));
        assert_eq!(plan.updated_records, BTreeSet::from([record_id(1)]));
        a.import(&from_b, 3_000);
        b.import(&from_a, 3_000);
        assert_eq!(a.held, b.held);
        let heads = a.held.records[&record_id(1)].field("title").unwrap().heads().to_vec();
        let values: Vec<Option<Value>> = heads.into_iter().map(|h| h.value).collect();
        assert_eq!(values, vec![Some(Value::Number(2)), Some(Value::Number(3))]);
    }

    #[test]
    fn a_newer_minor_versions_unknown_content_is_kept_and_exported_again_line_for_line() {
        let text = crate::sync::corpus::unknown_content();
        assert!(text.contains("\"version\":\"1.9\""));
        let file = ExchangeFile::read(&text).expect("a 1.9 file is read");
        let mut replica = Replica::default();
        let now = DateTime::<Utc>::from_timestamp_millis(1_900_000_000_000).unwrap();
        replica.import(&file, now).expect("it imports");
        // Folded without harm: the unknown kind is a record of its own; the unknown value is a
        // head like any other; the unknown field is kept; the unknown operation changes nothing.
        let risk = replica.records.values().find(|r| r.kind == "risk").expect("the unknown kind's record is kept");
        assert_eq!(risk.text("title"), "Supplier insolvency");
        let incident =
            replica.records.values().find(|r| r.field("sentiment").is_some()).expect("the unknown field is kept");
        assert!(incident.value("title").is_some_and(Value::is_unknown));
        assert_eq!(incident.text("sentiment"), "frustrated");
        // Exported again: the same change-set lines, byte for byte.
        let again = ExchangeFile {
            exporter: file.exporter.clone(),
            exported_at: file.exported_at,
            change_sets: replica.change_sets.values().cloned().collect(),
        }
        .write();
        let lines = |t: &str| t.lines().filter(|l| l.starts_with("{\"at\":")).map(str::to_string).collect::<Vec<_>>();
        assert_eq!(lines(&again), lines(&text));
        assert!(lines(&text).iter().any(|l| l.contains("{\"react\":{\"emoji\":\"👍\",\"to\":0}}")));
        // The fingerprint counts them like any other edit.
        let before = crate::sync::fingerprint(replica.change_sets.values());
        assert_eq!(before, crate::sync::fingerprint(&file.change_sets));
        let mut other = ExchangeFile::read(&text.replace("\"lat\":52.1", "\"lat\":52.2")).map(|f| f.change_sets);
        assert_eq!(other, Err(crate::sync::file::FileError::ChecksumMismatch));
        other = Ok(file.change_sets.clone());
        let mut changed = other.unwrap();
        let last = changed.len() - 1;
        changed[last].edits[1].op = Op::Set(Some(serde_json::from_str(r#"{"geo":{"lat":52.2,"lon":4.3}}"#).unwrap()));
        assert_ne!(crate::sync::fingerprint(&changed), before);
    }

    #[test]
    fn a_redaction_travels_with_the_files_and_an_older_unredacted_copy_brings_nothing_back() {
        let mut a = Peer::new(0);
        let mut b = Peer::new(1);
        a.edit(1, 3, 0, 7, 1_000); // a note
        let before = a.export(1_001);
        b.import(&before, 1_001);
        a.redact(1, 0, 2_000);
        let after = a.export(2_001);
        let note = after.change_sets.iter().find(|cs| matches!(cs.edits[0].op, Op::RedactedNote(_))).unwrap().clone();
        // Imported: B's copy of the note is rewritten too, and both fingerprints agree.
        let plan = b.held.import(&after, DateTime::<Utc>::from_timestamp_millis(2_001).unwrap()).unwrap();
        assert_eq!(plan.updated_records, BTreeSet::from([record_id(1)]));
        assert_eq!(b.held.change_sets[&note.id], note);
        assert_eq!(b.held, a.held);
        assert_eq!(
            crate::sync::fingerprint(b.held.change_sets.values()),
            crate::sync::fingerprint(a.held.change_sets.values())
        );
        assert!(b.held.records[&record_id(1)].field("notes").unwrap().entries()[0].text.is_empty());
        // The old file, with the note's text, is accepted (the same change set, less redacted)
        // and changes nothing.
        let again = b.held.import(&before, DateTime::<Utc>::from_timestamp_millis(3_000).unwrap()).unwrap();
        assert!(again.is_empty());
        assert_eq!(b.held, a.held);
        // A fresh browser that reads the old file after the new one ends the same.
        let mut c = Replica::default();
        c.import(&after, DateTime::<Utc>::from_timestamp_millis(3_000).unwrap()).unwrap();
        c.import(&before, DateTime::<Utc>::from_timestamp_millis(3_000).unwrap()).unwrap();
        assert_eq!(c, a.held);
        let mut d = Replica::default();
        d.import(&before, DateTime::<Utc>::from_timestamp_millis(3_000).unwrap()).unwrap();
        d.import(&after, DateTime::<Utc>::from_timestamp_millis(3_000).unwrap()).unwrap();
        assert_eq!(d, a.held);
    }

    #[test]
    fn an_edit_arriving_after_its_redaction_is_stored_redacted() {
        let mut a = Peer::new(0);
        a.edit(1, 3, 0, 7, 1_000);
        let original = a.export(1_001);
        a.redact(1, 0, 2_000);
        let everything = a.export(2_001);
        // A browser that got the redaction alone (a hand-made file) and then the note.
        let mut only_redaction = everything.clone();
        only_redaction.change_sets.retain(|cs| cs.redactions().next().is_some());
        let mut b = Replica::default();
        let now = DateTime::<Utc>::from_timestamp_millis(3_000).unwrap();
        b.import(&only_redaction, now).unwrap();
        let plan = b.import(&original, now).unwrap();
        assert!(plan.new_change_sets[0].edits[0].op.redacted_by().is_some());
        assert_eq!(b, a.held);
    }

    #[test]
    fn a_copy_that_differs_in_more_than_a_redacted_value_is_refused() {
        let mut a = Peer::new(0);
        a.edit(1, 3, 0, 7, 1_000);
        let mut file = a.export(1_001);
        let note = &mut file.change_sets[0];
        note.edits[0].op = Op::RedactedNote(note.stamp);
        let mut altered = file.clone();
        altered.change_sets[0].member = Member::new("Mallory").unwrap();
        let now = DateTime::<Utc>::from_timestamp_millis(2_000).unwrap();
        assert_eq!(plan(&a.held, &altered, now), Err(MergeError::IdCollision(altered.change_sets[0].id)));
        // Redacted and nothing else changed: accepted, the note's text goes.
        assert!(plan(&a.held, &file, now).is_ok_and(|p| p.new_change_sets.len() == 1));
    }

    #[test]
    fn a_reused_id_with_other_content_is_refused_and_nothing_changes() {
        let mut a = Peer::new(0);
        a.edit(1, 0, 0, 1, 1_000);
        let mut file = a.export(1_001);
        file.change_sets[0].member = Member::new("Mallory").unwrap();
        let before = a.held.clone();
        let refused = a.held.import(&file, DateTime::<Utc>::from_timestamp_millis(2_000).unwrap());
        assert_eq!(refused, Err(MergeError::IdCollision(file.change_sets[0].id)));
        assert_eq!(a.held, before);
    }

    #[test]
    fn stamps_far_in_the_future_are_refused_and_the_clock_does_not_move() {
        let mut a = Peer::new(0);
        a.edit(1, 0, 0, 1, 100_000_000);
        let file = a.export(100_000_001);
        let mut b = Peer::new(1);
        let state = b.clock.state();
        let now = DateTime::<Utc>::from_timestamp_millis(1_000).unwrap();
        assert!(matches!(b.held.import(&file, now), Err(MergeError::FutureStamp { .. })));
        assert_eq!(b.clock.state(), state);
        assert!(b.held.records.is_empty());
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod steps {
    use super::*;
    use crate::domain::demo;
    use crate::domain::ids::{Member, ReplicaId};
    use crate::sync::file::Exporter;

    #[test]
    fn a_plan_made_in_steps_is_the_plan_made_at_once() {
        let none: BTreeMap<RecordId, Record> = BTreeMap::new();
        let member = Member::new("Ada").unwrap();
        let sets = demo::sample_history(30, &none, |_| 1, &member, DateTime::<Utc>::UNIX_EPOCH, 3);
        let (first, second) = sets.split_at(sets.len() / 2);
        let mut held = Replica::default();
        let file = |change_sets: &[ChangeSet]| ExchangeFile {
            exporter: Exporter { member: member.clone(), replica: ReplicaId(9) },
            exported_at: DateTime::<Utc>::UNIX_EPOCH,
            change_sets: change_sets.to_vec(),
        };
        let now = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(3650);
        held.import(&file(first), now).unwrap();
        let whole = file(&sets);
        let at_once = plan(&held, &whole, now).unwrap();
        let mut planning = Planning::start(&held, whole.change_sets.clone(), now).unwrap();
        let mut steps = 0;
        while !planning.fold(&held, 7) {
            steps += 1;
        }
        assert!(steps > 1);
        assert_eq!(planning.progress(), (second.len(), second.len()));
        assert_eq!(planning.finish(&held), at_once);
        assert_eq!(at_once.new_change_sets.len(), second.len());
    }

    #[test]
    fn a_plan_keeps_the_file_texts_of_new_change_sets_it_stores_unchanged() {
        use crate::domain::edit::{Edit, EditRef, Op};
        let none: BTreeMap<RecordId, Record> = BTreeMap::new();
        let member = Member::new("Ada").unwrap();
        let mut sets = demo::sample_history(20, &none, |_| 1, &member, DateTime::<Utc>::UNIX_EPOCH, 3);
        let held_part = sets[..10].to_vec();
        let mut held = Replica::default();
        let now = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(3650);
        let file = |change_sets: &[ChangeSet]| ExchangeFile {
            exporter: Exporter { member: member.clone(), replica: ReplicaId(9) },
            exported_at: DateTime::<Utc>::UNIX_EPOCH,
            change_sets: change_sets.to_vec(),
        };
        held.import(&file(&held_part), now).unwrap();
        // A change set later in the file redacts the first edit of the last one.
        let target = sets.last().unwrap().clone();
        let mut redaction = target.clone();
        redaction.id = crate::domain::ids::ChangeSetId::new(u64::MAX / 2, [7; 10]);
        redaction.stamp.counter += 1;
        redaction.edits = vec![Edit {
            field: target.edits[0].field.clone(),
            op: Op::Redact(EditRef { index: 0, stamp: target.stamp }),
            replaces: vec![],
        }];
        sets.push(redaction);
        let texts: Vec<FileText> = sets.iter().map(|cs| FileText::from(serde_json::to_string(cs).unwrap())).collect();

        let plan = Planning::start_with_texts(&held, sets.clone(), Some(texts), now).unwrap().finish(&held);
        assert_eq!(plan.texts.len(), plan.new_change_sets.len());
        for (change_set, text) in plan.new_change_sets.iter().zip(&plan.texts) {
            if change_set.id == target.id {
                // Stored redacted: its text in the file is not what is stored.
                assert_eq!(text, &None);
            } else {
                assert_eq!(text.as_deref(), Some(serde_json::to_string(change_set).unwrap().as_str()));
            }
        }
        assert!(plan.new_change_sets.iter().all(|cs| !held_part.iter().any(|h| h.id == cs.id)));
        // The plan is the same as without texts, texts aside.
        let without = Planning::start(&held, sets, now).unwrap().finish(&held);
        assert!(without.texts.is_empty());
        assert_eq!(Plan { texts: Vec::new(), ..plan }, without);
    }
}
