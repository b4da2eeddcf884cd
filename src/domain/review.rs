//! What needs a person's review after a merge: conflicting edits, and records that break
//! their lifecycle.
//!
//! A merge never refuses good edits: every edit made anywhere is kept, none is rolled back.
//! When two people edited without seeing each other, the merged record can hold a
//! field with two values (a *conflict*), or values that together break a rule no single edit
//! broke: a normal change implemented by one person while another recorded its approval as
//! rejected. Such a record is *flagged for review* here, computed from the record as it is, so
//! a finding disappears as soon as someone edits the record so the rule holds.
//!
//! A record is in state S lawfully when S is the initial state (records are created there), or
//! when some transition into S, from any state, would have its conditions met by the record's
//! current fields. The conditions are the very ones a transition checks
//! ([`command::unmet_conditions`]): required fields, values the transition sets, guards.
//! Dates must be in the order the kind declares, as the form and the transitions require.

use std::collections::{BTreeMap, BTreeSet};

use super::catalogue;
use super::command::{self, FieldError, Lookup, Prospect};
use super::ids::RecordId;
use super::kind::KindDecl;
use super::lifecycle::{state_of, GuardView, STATE_FIELD};
use super::links::LinkIndex;
use super::record::Record;

/// One thing about a record that needs a person's review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// Two or more people set the field without seeing each other's edit.
    Conflict {
        field: String,
        label: String,
        /// How many values are in conflict.
        values: usize,
    },
    /// The record's state is not a state of its kind's lifecycle (this release does not know
    /// it), or no move leads into it.
    UnknownState { state: String },
    /// The record is in `state`, but a field breaks the condition for being there.
    StateRule {
        state: String,
        field: String,
        label: String,
        /// The field's value as a person reads it; `None` when empty.
        value: Option<String>,
        message: String,
    },
    /// An end is before its start.
    DatesOutOfOrder { field: String, label: String, message: String },
}

impl Finding {
    /// The field concerned.
    pub fn field(&self) -> &str {
        match self {
            Finding::Conflict { field, .. }
            | Finding::StateRule { field, .. }
            | Finding::DatesOutOfOrder { field, .. } => field,
            Finding::UnknownState { .. } => STATE_FIELD,
        }
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, Finding::Conflict { .. })
    }

    /// What is wrong, in plain words naming the field.
    pub fn message(&self) -> String {
        match self {
            Finding::Conflict { label, values, .. } => {
                format!("{label}: {values} values set without seeing each other. Keep one.")
            }
            Finding::UnknownState { state } => {
                format!("State: “{state}” is not a state this kind of record can be in.")
            }
            Finding::StateRule { state, label, value, message, .. } => {
                let value = value.as_deref().map(|v| format!("is “{v}”")).unwrap_or_else(|| "is empty".into());
                format!("{state}, but {label} {value}: {message}")
            }
            Finding::DatesOutOfOrder { label, message, .. } => format!("{label}: {message}"),
        }
    }
}

/// Everything about `record` that needs review, conflicts first. Empty for every record that
/// only commands ever touched (tested below): moves check these rules, and the edit form
/// refuses an edit that would break the rule of the record's current state.
pub fn findings(kind: &KindDecl, record: &Record, records: &dyn Lookup) -> Vec<Finding> {
    let mut out: Vec<Finding> = record
        .conflicts()
        .map(|(field, heads)| Finding::Conflict {
            field: field.to_string(),
            label: kind.field_label(field).to_string(),
            values: heads.len(),
        })
        .collect();
    out.extend(lifecycle_findings(kind, record, records));
    out.extend(
        command::order_errors(kind, |id| record.value(id).cloned())
            .into_iter()
            .map(|FieldError { field, label, message }| Finding::DatesOutOfOrder { field, label, message }),
    );
    out
}

/// The lifecycle rules the record's current state breaks.
fn lifecycle_findings(kind: &KindDecl, record: &Record, records: &dyn Lookup) -> Vec<Finding> {
    let lifecycle = kind.lifecycle;
    let state = state_of(kind, record);
    let unknown = || vec![Finding::UnknownState { state: state.to_string() }];
    let Some(decl) = lifecycle.state(state) else { return unknown() };
    if state != lifecycle.initial && !lifecycle.transitions.iter().any(|t| t.to == state) {
        return unknown();
    }
    let pending = BTreeMap::new();
    let view = Prospect { record, pending: &pending, records };
    let Some(unmet) = state_rule_unmet(kind, state, &view) else { return Vec::new() };
    unmet
        .into_iter()
        .map(|FieldError { field, label, message }| Finding::StateRule {
            state: decl.label.to_string(),
            value: record.value(&field).map(|v| kind.display_value(&field, v)),
            field,
            label,
            message,
        })
        .collect()
}

/// What keeps a record, as `view` shows it, from lawfully being in `state`: `None` when it may
/// be there (the initial state, or a transition into `state` whose conditions it meets), else
/// the unmet conditions of the transition into `state` that comes closest.
pub(crate) fn state_rule_unmet(kind: &KindDecl, state: &str, view: &dyn GuardView) -> Option<Vec<FieldError>> {
    if state == kind.lifecycle.initial {
        return None;
    }
    let mut closest: Option<Vec<FieldError>> = None;
    for step in kind.lifecycle.transitions.iter().filter(|t| t.to == state) {
        let unmet = command::unmet_conditions(kind, step, view);
        if unmet.is_empty() {
            return None;
        }
        if closest.as_ref().is_none_or(|c| unmet.len() < c.len()) {
            closest = Some(unmet);
        }
    }
    closest
}

/// The findings of every record that has some, kept up to date as records change, so the
/// Review page and the header's count never scan all records on a change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewIndex {
    flagged: BTreeMap<RecordId, Vec<Finding>>,
}

impl ReviewIndex {
    pub fn build<'a>(all: impl IntoIterator<Item = &'a Record>, records: &dyn Lookup) -> Self {
        let mut index = ReviewIndex::default();
        index.add_all(all, records);
        index
    }

    /// Reviews `some` of `records` (building the index a part at a time).
    pub fn add_all<'a>(&mut self, some: impl IntoIterator<Item = &'a Record>, records: &dyn Lookup) {
        for record in some {
            self.check(record, records);
        }
    }

    /// Reviews `record` again.
    fn check(&mut self, record: &Record, records: &dyn Lookup) {
        let found = match catalogue::kind(&record.kind) {
            Some(kind) => findings(kind, record, records),
            None => Vec::new(),
        };
        if found.is_empty() {
            self.flagged.remove(&record.id);
        } else {
            self.flagged.insert(record.id, found);
        }
    }

    /// Reviews the records that changed again, and the records linking to them (a guard may
    /// read a linked record: a request type that now needs approval).
    pub fn update(&mut self, changed: impl IntoIterator<Item = RecordId>, records: &dyn Lookup, links: &LinkIndex) {
        let mut again = BTreeSet::new();
        for id in changed {
            again.insert(id);
            again.extend(links.inbound(&id).map(|link| link.from));
        }
        for id in again {
            match records.record(&id) {
                Some(record) => self.check(record, records),
                None => {
                    self.flagged.remove(&id);
                }
            }
        }
    }

    /// How many records need review.
    pub fn len(&self) -> usize {
        self.flagged.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flagged.is_empty()
    }

    /// The findings of one record (empty when it needs no review).
    pub fn get(&self, id: &RecordId) -> &[Finding] {
        self.flagged.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Records needing review, in id (creation) order.
    pub fn iter(&self) -> impl Iterator<Item = (&RecordId, &[Finding])> {
        self.flagged.iter().map(|(id, found)| (id, found.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::{CHANGE, REQUEST_TYPE, SERVICE, SERVICE_REQUEST};
    use crate::domain::clock::Stamp;
    use crate::domain::command::{create, transition, update, Actor, Context, FormInput};
    use crate::domain::demo::sample_history;
    use crate::domain::edit::{ChangeSet, Draft, Edit};
    use crate::domain::ids::{ChangeSetId, Member, ReplicaId};
    use crate::domain::kind::{FieldDecl, FieldType};
    use crate::domain::record::{fold_all, Records};
    use crate::domain::value::Value;
    use chrono::{DateTime, Utc};

    /// One person's browser: its own records and clock, fed by commands and by the other's
    /// change sets (as an imported file would).
    struct Replica {
        replica: u64,
        records: BTreeMap<RecordId, Record>,
        sets: Vec<ChangeSet>,
        tick: u64,
    }

    impl Replica {
        fn new(replica: u64) -> Self {
            Replica { replica, records: BTreeMap::new(), sets: Vec::new(), tick: 0 }
        }

        fn actor(&mut self) -> Actor {
            self.tick += 1;
            let n = (self.replica * 100 + self.tick) as u8;
            Actor {
                member: Member::new(if self.replica == 1 { "Ada" } else { "Bea" }).unwrap(),
                at: DateTime::<Utc>::UNIX_EPOCH,
                change_set: ChangeSetId::new(self.replica * 1000 + self.tick, [n; 10]),
            }
        }

        /// Stamps at `wall_ms`: the test decides the order of concurrent edits.
        fn keep(&mut self, draft: Draft, wall_ms: u64) -> RecordId {
            let sealed = draft.stamp(Stamp { wall_ms, counter: 0, replica: ReplicaId(self.replica) }).unwrap();
            self.receive(std::slice::from_ref(&sealed));
            self.sets.push(sealed.clone());
            sealed.record
        }

        fn receive(&mut self, sets: &[ChangeSet]) {
            for set in sets {
                match self.records.get_mut(&set.record) {
                    Some(record) => record.apply(set),
                    None => {
                        self.records.insert(set.record, Record::new(set));
                    }
                }
            }
        }

        fn create(&mut self, kind: &KindDecl, pairs: &[(&str, &str)], wall_ms: u64) -> RecordId {
            let actor = self.actor();
            let id = RecordId::new(wall_ms, [wall_ms as u8; 10]);
            let draft = create(kind, &form(pairs), &Context::new(&Utc, &self.records), &actor, id, wall_ms as i64)
                .expect("a valid form");
            self.keep(draft, wall_ms)
        }

        fn move_to(&mut self, kind: &KindDecl, id: RecordId, to: &str, pairs: &[(&str, &str)], wall_ms: u64) {
            let actor = self.actor();
            let draft =
                transition(kind, &self.records[&id], to, &form(pairs), &Context::new(&Utc, &self.records), &actor)
                    .expect("an allowed move");
            self.keep(draft, wall_ms);
        }

        fn findings(&self, kind: &KindDecl, id: RecordId) -> Vec<Finding> {
            findings(kind, &self.records[&id], &self.records)
        }
    }

    fn form(pairs: &[(&str, &str)]) -> FormInput {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const APPROVAL: &[(&str, &str)] =
        &[("risk", "low"), ("impact_assessment", "One relay"), ("approver", "Grace"), ("approval_date", "2026-11-20")];
    const REJECTION: &[(&str, &str)] = &[("approver", "Linus"), ("approval_date", "2026-11-21")];

    /// Ada and Bea share a normal change under assessment; then, offline, Ada approves and Bea
    /// rejects it, and Ada, not having seen the rejection, implements it.
    fn approved_and_rejected_concurrently() -> (Replica, Replica, RecordId) {
        let mut ada = Replica::new(1);
        let mut bea = Replica::new(2);
        let change = ada.create(
            &CHANGE,
            &[("title", "Upgrade mail relay"), ("change_type", "normal"), ("reason", "Security fixes")],
            10,
        );
        ada.move_to(&CHANGE, change, "assessing", &[], 20);
        bea.receive(&ada.sets.clone());
        ada.move_to(&CHANGE, change, "approved", APPROVAL, 30);
        bea.move_to(&CHANGE, change, "rejected", REJECTION, 40);
        ada.move_to(&CHANGE, change, "implementing", &[], 50);
        assert!(ada.findings(&CHANGE, change).is_empty(), "each side alone is lawful");
        assert!(bea.findings(&CHANGE, change).is_empty(), "each side alone is lawful");
        let (from_ada, from_bea) = (ada.sets.clone(), bea.sets.clone());
        ada.receive(&from_bea);
        bea.receive(&from_ada);
        (ada, bea, change)
    }

    #[test]
    fn a_change_implemented_while_its_approval_says_rejected_is_flagged_after_the_merge() {
        let (ada, bea, change) = approved_and_rejected_concurrently();
        let record = &ada.records[&change];
        assert_eq!(state_of(&CHANGE, record), "implementing");
        assert_eq!(record.text("approval_decision"), "rejected");
        let found = ada.findings(&CHANGE, change);
        assert_eq!(found, bea.findings(&CHANGE, change), "both browsers flag the same");
        let rule: Vec<&Finding> = found.iter().filter(|f| !f.is_conflict()).collect();
        assert_eq!(
            rule,
            [&Finding::StateRule {
                state: "Implementing".into(),
                field: "approval_decision".into(),
                label: "Approval decision".into(),
                value: Some("Rejected".into()),
                message: "A normal change cannot be implemented before it is approved.".into(),
            }]
        );
        assert_eq!(
            rule[0].message(),
            "Implementing, but Approval decision is “Rejected”: A normal change cannot be implemented before it is approved."
        );
        // The merge also shows who disagreed: the state and the decision are in conflict.
        let conflicts: BTreeSet<&str> = found.iter().filter(|f| f.is_conflict()).map(Finding::field).collect();
        assert_eq!(conflicts, BTreeSet::from(["approval_decision", "approver", "approval_date", "state"]));
    }

    #[test]
    fn the_flag_goes_once_someone_edits_so_the_rule_holds() {
        let (mut ada, _, change) = approved_and_rejected_concurrently();
        // Keeping the approval settles the decision; the rule holds again.
        let record = ada.records[&change].clone();
        let approved = record
            .field("approval_decision")
            .unwrap()
            .heads()
            .iter()
            .find(|h| h.value == Some(Value::Text("approved".into())));
        let actor = ada.actor();
        let draft =
            command::resolve_conflict(&CHANGE, &record, "approval_decision", approved.unwrap().stamp, &actor).unwrap();
        ada.keep(draft, 60);
        assert!(ada.findings(&CHANGE, change).iter().all(Finding::is_conflict));
    }

    #[test]
    fn moving_on_also_settles_a_broken_state() {
        let (mut ada, _, change) = approved_and_rejected_concurrently();
        ada.move_to(&CHANGE, change, "review", &[("implementation_result", "successful")], 60);
        assert!(ada.findings(&CHANGE, change).iter().all(Finding::is_conflict));
    }

    #[test]
    fn records_made_only_by_commands_are_never_flagged() {
        let sets = sample_history(
            300,
            &BTreeMap::<RecordId, Record>::new(),
            |_| 1,
            &Member::new("Ada").unwrap(),
            DateTime::<Utc>::UNIX_EPOCH,
            11,
        );
        let all = fold_all(&sets);
        assert!(all.len() > 300);
        let index = ReviewIndex::build(all.values(), &all);
        assert!(index.is_empty(), "{:?}", index.iter().next());
    }

    /// A value the form or a transition panel takes for `field`; linked records are made first.
    fn sample_value(world: &mut Replica, field: &FieldDecl, wall: &mut u64) -> String {
        match field.ty {
            FieldType::Choice(choices) => choices[0].value.to_string(),
            FieldType::Date => "2026-11-20".to_string(),
            FieldType::Instant => "2026-11-21T10:00".to_string(),
            FieldType::Number { min, .. } => min.to_string(),
            FieldType::Percent => "99.9".to_string(),
            FieldType::Flag => "no".to_string(),
            FieldType::Link(target) | FieldType::Links(target) => {
                let target = catalogue::kind(target.kinds[0]).unwrap();
                make(world, target, wall).to_string()
            }
            _ => "Done".to_string(),
        }
    }

    /// A record of `kind` made through the form with its required fields.
    fn make(world: &mut Replica, kind: &KindDecl, wall: &mut u64) -> RecordId {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for field in kind.form_fields().filter(|f| f.required) {
            let value = sample_value(world, field, wall);
            pairs.push((field.id, value));
        }
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        *wall += 1;
        world.create(kind, &pairs, *wall)
    }

    #[test]
    fn every_lifecycle_path_the_commands_allow_leaves_nothing_to_review() {
        // From a record made through the form, every move of every kind's lifecycle is tried
        // (breadth first over the states reached), filling what each move asks for; the
        // record is reviewed after each move.
        let mut checked = 0;
        let mut wall = 1_000;
        for kind in catalogue::KINDS {
            let mut start = Replica::new(1);
            let id = make(&mut start, kind, &mut wall);
            assert!(start.findings(kind, id).is_empty(), "{}: a new record is flagged", kind.id);
            let mut seen = BTreeSet::from([kind.lifecycle.initial.to_string()]);
            let mut queue = std::collections::VecDeque::from([start]);
            while let Some(mut world) = queue.pop_front() {
                let from = state_of(kind, &world.records[&id]).to_string();
                for step in kind.lifecycle.from(&from) {
                    let record = world.records[&id].clone();
                    let asked = command::asks(kind, &record, step, &world.records);
                    let mut fill: Vec<(&str, String)> = Vec::new();
                    for field in asked {
                        let value = sample_value(&mut world, field, &mut wall);
                        fill.push((field.id, value));
                    }
                    let fill: Vec<(&str, &str)> = fill.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let actor = world.actor();
                    let ctx = Context::new(&Utc, &world.records);
                    // Some guards cannot hold for this record (a move for another change type).
                    let Ok(draft) = transition(kind, &record, step.to, &form(&fill), &ctx, &actor) else { continue };
                    let mut next = Replica::new(1);
                    next.records = world.records.clone();
                    next.tick = world.tick;
                    wall += 1;
                    next.keep(draft, wall);
                    let found = next.findings(kind, id);
                    assert!(found.is_empty(), "{}: {} -> {}: {:?}", kind.id, from, step.to, found);
                    checked += 1;
                    if seen.insert(step.to.to_string()) {
                        queue.push_back(next);
                    }
                }
            }
        }
        assert!(checked > 60, "only {checked} moves checked");
    }

    #[test]
    fn the_form_refuses_an_edit_that_would_break_the_rule_of_the_current_state() {
        let mut ada = Replica::new(1);
        let service = ada.create(&SERVICE, &[("title", "E-mail"), ("owner", "Ada")], 10).to_string();
        let incident = [("title", "Mail is down"), ("service", &service), ("impact", "low"), ("urgency", "low")];
        let id = ada.create(&crate::domain::catalogue::INCIDENT, &incident, 20);
        ada.move_to(&crate::domain::catalogue::INCIDENT, id, "in_progress", &[], 30);
        ada.move_to(&crate::domain::catalogue::INCIDENT, id, "resolved", &[("resolution", "Restarted")], 40);
        let edit = |replica: &mut Replica, kind: &KindDecl, id: RecordId, pairs: &[(&str, &str)]| {
            let record = replica.records[&id].clone();
            let actor = replica.actor();
            update(kind, &record, &form(pairs), &Context::new(&Utc, &replica.records), &actor)
        };
        let mut cleared = incident.to_vec();
        cleared.push(("resolution", ""));
        let refused = edit(&mut ada, &crate::domain::catalogue::INCIDENT, id, &cleared).unwrap_err();
        assert_eq!(refused.for_field("resolution"), Some("Needed to resolve (this incident is Resolved)."));
        let mut renamed = incident.to_vec();
        renamed[0] = ("title", "Mail was down");
        renamed.push(("resolution", "Restarted"));
        assert!(edit(&mut ada, &crate::domain::catalogue::INCIDENT, id, &renamed).unwrap().is_some());

        let change = [("title", "Patch"), ("change_type", "standard"), ("reason", "Fixes")];
        let id = ada.create(&CHANGE, &change, 50);
        ada.move_to(&CHANGE, id, "implementing", &[], 60);
        let refused =
            edit(&mut ada, &CHANGE, id, &[("title", "Patch"), ("change_type", "normal"), ("reason", "Fixes")])
                .unwrap_err();
        assert_eq!(
            refused.for_field("change_type"),
            Some("A normal change cannot be implemented before it is approved (this change is Implementing).")
        );
    }

    #[test]
    fn a_record_flagged_by_a_merge_can_still_be_edited() {
        let (mut ada, _, change) = approved_and_rejected_concurrently();
        let record = ada.records[&change].clone();
        let input = form(&[("title", "Upgrade the relay"), ("change_type", "normal"), ("reason", "Security fixes")]);
        let actor = ada.actor();
        assert!(update(&CHANGE, &record, &input, &Context::new(&Utc, &ada.records), &actor).unwrap().is_some());
    }

    #[test]
    fn a_state_this_release_does_not_know_is_flagged() {
        let mut ada = Replica::new(1);
        let id = ada.create(&SERVICE, &[("title", "E-mail"), ("owner", "Ada")], 10);
        let heads = ada.records[&id].head_stamps(STATE_FIELD);
        let draft = Draft {
            id: ChangeSetId::new(20, [2; 10]),
            record: id,
            kind: SERVICE.id.into(),
            member: Member::new("Ada").unwrap(),
            at: DateTime::<Utc>::UNIX_EPOCH,
            edits: vec![Edit::set(STATE_FIELD, Some(Value::Text("sunsetting".into())), heads)],
        };
        ada.keep(draft, 20);
        let found = ada.findings(&SERVICE, id);
        assert_eq!(found, [Finding::UnknownState { state: "sunsetting".into() }]);
        assert_eq!(found[0].message(), "State: “sunsetting” is not a state this kind of record can be in.");
    }

    #[test]
    fn dates_merged_out_of_order_are_flagged_on_the_end() {
        let mut ada = Replica::new(1);
        let mut bea = Replica::new(2);
        let pairs = [
            ("title", "Upgrade"),
            ("change_type", "standard"),
            ("reason", "Fixes"),
            ("planned_start", "2026-12-01T10:00"),
            ("planned_end", "2026-12-01T12:00"),
        ];
        let id = ada.create(&CHANGE, &pairs, 10);
        bea.receive(&ada.sets.clone());
        // Ada moves the start later, Bea the end earlier: each alone is in order.
        let edit = |replica: &mut Replica, field: &str, value: &str, wall: u64| {
            let mut input = form(&pairs);
            input.insert(field.into(), value.into());
            let record = replica.records[&id].clone();
            let actor = replica.actor();
            let draft =
                update(&CHANGE, &record, &input, &Context::new(&Utc, &replica.records), &actor).unwrap().unwrap();
            replica.keep(draft, wall);
        };
        edit(&mut ada, "planned_start", "2026-12-01T11:30", 20);
        edit(&mut bea, "planned_end", "2026-12-01T11:00", 30);
        ada.receive(&bea.sets.clone());
        let found = ada.findings(&CHANGE, id);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field(), "planned_end");
        assert_eq!(found[0].message(), "Planned end: Must not be before planned start.");
    }

    #[test]
    fn indexes_built_a_part_at_a_time_equal_indexes_built_at_once() {
        let none: BTreeMap<RecordId, Record> = BTreeMap::new();
        let member = Member::new("Ada").unwrap();
        let sets = sample_history(300, &none, |_| 1, &member, DateTime::<Utc>::UNIX_EPOCH, 9);
        let records: Records = {
            let mut records = Records::default();
            sets.iter().for_each(|cs| records.apply(cs));
            records
        };
        let all: Vec<&Record> = records.iter().collect();
        let (mut links, mut search, mut review) =
            (LinkIndex::default(), crate::domain::search::SearchIndex::default(), ReviewIndex::default());
        for part in all.chunks(37) {
            links.add_all(part.iter().copied());
            search.add_all(part.iter().copied());
            review.add_all(part.iter().copied(), &records);
        }
        let built = LinkIndex::build(records.iter());
        assert_eq!(links, built);
        assert!(records.iter().any(|r| built.inbound(&r.id).next().is_some()), "the sample has links");
        assert_eq!(search, crate::domain::search::SearchIndex::build(records.iter()));
        assert_eq!(review, ReviewIndex::build(records.iter(), &records));
    }

    #[test]
    fn the_index_follows_each_change_set_and_equals_reviewing_everything() {
        let (mut ada, bea, change) = approved_and_rejected_concurrently();
        // Ada's browser before the import, then Bea's change sets arriving one by one.
        let mut records = Records::default();
        let mut links = LinkIndex::default();
        let mut index = ReviewIndex::default();
        let mut fold = |records: &mut Records, sets: &[ChangeSet], index: &mut ReviewIndex| {
            for set in sets {
                let before = records.get(&set.record).cloned();
                records.apply(set);
                links.update(before.as_ref(), records.get(&set.record).unwrap());
                index.update([set.record], records, &links);
                assert_eq!(*index, ReviewIndex::build(records.iter(), records));
            }
        };
        let mine: Vec<ChangeSet> = ada.sets.iter().filter(|s| { s.stamp.replica } == ReplicaId(1)).cloned().collect();
        fold(&mut records, &mine, &mut index);
        assert!(index.is_empty());
        fold(&mut records, &bea.sets, &mut index);
        assert_eq!(index.len(), 1);
        assert!(index.get(&change).iter().any(|f| f.field() == "approval_decision" && !f.is_conflict()));
        // Settling every conflict clears the record from the review.
        let mut settle = Vec::new();
        let record = ada.records[&change].clone();
        for (field, heads) in record.conflicts() {
            let actor = ada.actor();
            let keep = heads.iter().find(|h| { h.stamp.replica } == ReplicaId(1)).unwrap().stamp;
            let draft = command::resolve_conflict(&CHANGE, &record, field, keep, &actor).unwrap();
            settle.push(draft.stamp(Stamp { wall_ms: 70, counter: 0, replica: ReplicaId(1) }).unwrap());
        }
        fold(&mut records, &settle, &mut index);
        assert!(index.is_empty(), "{:?}", index.get(&change));
        assert!(index.get(&change).is_empty());
    }

    #[test]
    fn a_request_fulfilled_before_its_type_came_to_need_approval_is_not_flagged() {
        // "In fulfilment" is also reached by reopening a fulfilled request, which asks for
        // nothing: the record may lawfully be there, so it is not flagged.
        let mut ada = Replica::new(1);
        let service = ada.create(&SERVICE, &[("title", "Workplace"), ("owner", "Ada")], 10).to_string();
        let laptop = ada.create(&REQUEST_TYPE, &[("title", "New laptop"), ("service", &service)], 20);
        let request = ada.create(
            &SERVICE_REQUEST,
            &[
                ("title", "Laptop for Ken"),
                ("request_type", &laptop.to_string()),
                ("requester", "Ken"),
                ("impact", "low"),
                ("urgency", "low"),
            ],
            30,
        );
        ada.move_to(&SERVICE_REQUEST, request, "in_fulfilment", &[], 40);
        let type_record = ada.records[&laptop].clone();
        let input = form(&[("title", "New laptop"), ("service", &service), ("needs_approval", "yes")]);
        let actor = ada.actor();
        let draft =
            update(&REQUEST_TYPE, &type_record, &input, &Context::new(&Utc, &ada.records), &actor).unwrap().unwrap();
        ada.keep(draft, 50);
        assert!(ada.findings(&SERVICE_REQUEST, request).is_empty());
    }
}
