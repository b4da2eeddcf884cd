//! Sample data for demonstrations, training and benchmarks, made through the same commands as
//! the UI and stamped by a clock of their own as if imported from another replica.
//!
//! A sample is a small service landscape (services, configuration items that depend on each
//! other, a few problems and changes) plus `incidents` incidents on it, each with the history a
//! real one has: creation, two state changes, a work note.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::catalogue::{CHANGE, CONFIGURATION_ITEM, INCIDENT, PROBLEM, SERVICE};
use super::clock::{ClockState, Hlc};
use super::command::{self, join_links, Actor, Context, Lookup};
use super::edit::{ChangeSet, Draft};
use super::ids::{ChangeSetId, Member, RecordId, ReplicaId};
use super::kind::KindDecl;
use super::record::Record;

const SERVICES: &[&str] = &["E-mail", "Payroll", "VPN", "Service desk portal", "Web shop", "File shares", "Telephony"];
const SYMPTOMS: &[&str] = &[
    "cannot log in",
    "is slow",
    "returns error 500",
    "is down for one site",
    "drops connections",
    "shows stale data",
    "rejects valid input",
];
const ITEMS: &[(&str, &str)] = &[
    ("db-01 database server", "hardware"),
    ("app-01 application server", "hardware"),
    ("PostgreSQL 16", "software"),
    ("Core switch", "network"),
    ("Mail relay", "service_component"),
    ("Identity provider", "service_component"),
    ("Firewall", "network"),
];
const PEOPLE: &[&str] = &["Ada", "Grace", "Linus", "Margaret", "Ken"];
const LEVELS: &[&str] = &["high", "medium", "low"];

/// A small deterministic generator (xorshift), so the same seed gives the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn entropy(&mut self) -> [u8; 10] {
        let a = self.next().to_be_bytes();
        let b = self.next().to_be_bytes();
        [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]]
    }
}

/// Records made so far, seen through the records that existed before: what links resolve to.
struct Held<'a> {
    existing: &'a dyn Lookup,
    made: BTreeMap<RecordId, Record>,
}

impl Lookup for Held<'_> {
    fn record(&self, id: &RecordId) -> Option<&Record> {
        self.made.get(id).or_else(|| self.existing.record(id))
    }
}

/// Makes the sample's change sets, one command at a time.
struct Writer<'a> {
    rng: Rng,
    hlc: Hlc,
    member: Member,
    held: Held<'a>,
    numbers: BTreeMap<&'static str, i64>,
    out: Vec<ChangeSet>,
}

impl Writer<'_> {
    fn actor(&mut self, at: DateTime<Utc>) -> Actor {
        let ms = at.timestamp_millis().max(0) as u64;
        Actor { member: self.member.clone(), at, change_set: ChangeSetId::new(ms, self.rng.entropy()) }
    }

    fn seal(&mut self, draft: Draft) -> Option<RecordId> {
        let stamp = self.hlc.tick(draft.at.timestamp_millis().max(0) as u64);
        let sealed = draft.stamp(stamp).ok()?;
        let id = sealed.record;
        match self.held.made.get_mut(&id) {
            Some(record) => record.apply(&sealed),
            None => {
                self.held.made.insert(id, Record::new(&sealed));
            }
        }
        self.out.push(sealed);
        Some(id)
    }

    fn create(&mut self, kind: &'static KindDecl, at: DateTime<Utc>, form: &[(&str, String)]) -> Option<RecordId> {
        let input = command::form_input_of(form.iter().map(|(k, v)| (k.to_string(), v.clone())));
        let number = *self.numbers.entry(kind.id).or_insert_with(|| 0) + 1;
        self.numbers.insert(kind.id, number);
        let id = RecordId::new(at.timestamp_millis().max(0) as u64, self.rng.entropy());
        let actor = self.actor(at);
        let draft = command::create(kind, &input, &Context::new(&Utc, &self.held), &actor, id, number).ok()?;
        self.seal(draft)
    }

    fn transition(
        &mut self,
        kind: &'static KindDecl,
        id: RecordId,
        to: &str,
        at: DateTime<Utc>,
        form: &[(&str, &str)],
    ) {
        let input = command::form_input_of(form.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let actor = self.actor(at);
        let Some(record) = self.held.made.get(&id) else { return };
        if let Ok(draft) = command::transition(kind, record, to, &input, &Context::new(&Utc, &self.held), &actor) {
            self.seal(draft);
        }
    }

    fn note(&mut self, kind: &'static KindDecl, id: RecordId, at: DateTime<Utc>, text: &str) {
        let actor = self.actor(at);
        let Some(record) = self.held.made.get(&id) else { return };
        if let Ok(draft) = command::append(kind, record, "notes", text, &actor) {
            self.seal(draft);
        }
    }
}

/// A sample landscape with `incidents` incidents, created from `start` on: everything happens
/// within [`span`] of `start`. `existing` are the records held already: references continue
/// their numbering. Deterministic for a `seed`.
pub fn sample_history(
    incidents: usize,
    existing: &dyn Lookup,
    existing_numbers: impl Fn(&KindDecl) -> i64,
    member: &Member,
    start: DateTime<Utc>,
    seed: u64,
) -> Vec<ChangeSet> {
    let mut rng = Rng(seed | 1);
    let hlc = Hlc::new(ReplicaId(rng.next()), ClockState::default());
    // Inserted one by one rather than collected: see `command::form_input_of`.
    let mut numbers = BTreeMap::new();
    for kind in [&SERVICE, &CONFIGURATION_ITEM, &PROBLEM, &CHANGE, &INCIDENT] {
        numbers.insert(kind.id, existing_numbers(kind) - 1);
    }
    let mut w = Writer {
        rng,
        hlc,
        member: member.clone(),
        held: Held { existing, made: BTreeMap::new() },
        numbers,
        out: Vec::with_capacity(incidents * 4 + 64),
    };
    let minute = |n: i64| start + Duration::minutes(n);

    // Configuration items, each depending on the one before it (a chain, so impact spreads).
    let mut items: Vec<RecordId> = Vec::new();
    for (n, (name, ci_type)) in ITEMS.iter().enumerate() {
        let owner = w.rng.pick(PEOPLE).to_string();
        let depends = join_links(items.last());
        let form =
            [("title", name.to_string()), ("ci_type", ci_type.to_string()), ("owner", owner), ("depends_on", depends)];
        if let Some(id) = w.create(&CONFIGURATION_ITEM, minute(n as i64), &form) {
            w.transition(&CONFIGURATION_ITEM, id, "active", minute(n as i64), &[]);
            items.push(id);
        }
    }
    // Services, live, each built on one or two items.
    let mut services: Vec<(RecordId, &str)> = Vec::new();
    for (n, name) in SERVICES.iter().enumerate() {
        let built_on = [items.get(n % items.len().max(1)), items.get((n + 3) % items.len().max(1))];
        let form = [
            ("title", name.to_string()),
            ("owner", w.rng.pick(PEOPLE).to_string()),
            ("criticality", w.rng.pick(LEVELS).to_string()),
            ("items", join_links(built_on.into_iter().flatten())),
            ("description", format!("The {name} service for all staff.")),
        ];
        if let Some(id) = w.create(&SERVICE, minute(10 + n as i64), &form) {
            w.transition(&SERVICE, id, "live", minute(10 + n as i64), &[]);
            services.push((id, name));
        }
    }
    if services.is_empty() {
        return w.out;
    }
    // A few problems, one a known error with a workaround, and a change to remove it.
    let problems_wanted = 1 + incidents / 50;
    let mut problems = Vec::new();
    for n in 0..problems_wanted.min(1000) {
        let (service, name) = services[n % services.len()];
        let symptom = w.rng.pick(SYMPTOMS);
        let form = [
            ("title", format!("{name} {symptom} repeatedly")),
            ("symptoms", format!("Several incidents report that {name} {symptom}.")),
            ("service", service.to_string()),
            ("impact", w.rng.pick(LEVELS).to_string()),
            ("urgency", w.rng.pick(LEVELS).to_string()),
            ("owner", w.rng.pick(PEOPLE).to_string()),
        ];
        // Within minutes 20 to 40, however many problems there are.
        let at = minute(20) + Duration::milliseconds(n as i64 * 1_000);
        if let Some(id) = w.create(&PROBLEM, at, &form) {
            w.transition(&PROBLEM, id, "investigating", at, &[]);
            if n % 2 == 0 {
                w.transition(&PROBLEM, id, "known_error", at, &[("workaround", "Restart the affected component.")]);
                // Planned for an evening in the days after the sample's start.
                let window = (start + Duration::days(2 + n as i64)).date_naive();
                let item = items.get(n % items.len().max(1)).map(|id| id.to_string()).unwrap_or_default();
                let change = [
                    ("title", format!("Fix: {name} {symptom}")),
                    ("change_type", "normal".to_string()),
                    ("reason", "Removes the cause of a known error.".to_string()),
                    ("services", service.to_string()),
                    ("items", item),
                    ("problem", id.to_string()),
                    ("owner", w.rng.pick(PEOPLE).to_string()),
                    ("planned_start", format!("{}T20:00", window)),
                    ("planned_end", format!("{}T22:00", window)),
                ];
                w.create(&CHANGE, at, &change);
            }
            problems.push(id);
        }
    }

    let incidents_start = minute(40);
    for i in 0..incidents {
        let at = incidents_start + Duration::seconds(i as i64 * 7);
        let (service, name) = services[w.rng.below(services.len())];
        let symptom = w.rng.pick(SYMPTOMS);
        let mut form = vec![
            ("title", format!("{name} {symptom}")),
            ("description", format!("Reported by a user of {name}. Sample incident {}.", i + 1)),
            ("service", service.to_string()),
            ("impact", w.rng.pick(LEVELS).to_string()),
            ("urgency", w.rng.pick(LEVELS).to_string()),
            ("assignee", w.rng.pick(PEOPLE).to_string()),
        ];
        if !problems.is_empty() && i % 10 == 0 {
            form.push(("problem", problems[w.rng.below(problems.len())].to_string()));
        }
        let Some(id) = w.create(&INCIDENT, at, &form) else { continue };
        let later = at + Duration::minutes(5);
        w.transition(&INCIDENT, id, "in_progress", later, &[]);
        w.note(&INCIDENT, id, later + Duration::minutes(10), "Checked the logs; contacted the user.");
        if i % 2 == 0 {
            w.transition(&INCIDENT, id, "on_hold", later + Duration::minutes(30), &[]);
        } else {
            w.transition(
                &INCIDENT,
                id,
                "resolved",
                later + Duration::minutes(30),
                &[("resolution", "Restarted the service.")],
            );
        }
        // Only incidents are held whole: the other kinds are few, incidents may be 50,000.
        w.held.made.remove(&id);
    }
    w.out
}

/// How long after its start a sample of `incidents` incidents ends: the landscape's 40 minutes,
/// one incident every 7 seconds, and the last one's 45-minute story.
pub fn span(incidents: usize) -> Duration {
    Duration::minutes(40) + Duration::seconds(incidents as i64 * 7) + Duration::minutes(45)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::state_of;
    use crate::domain::record::fold_all;

    fn sample(incidents: usize, seed: u64) -> Vec<ChangeSet> {
        let none: BTreeMap<RecordId, Record> = BTreeMap::new();
        sample_history(incidents, &none, |_| 1, &Member::new("Ada").unwrap(), DateTime::<Utc>::UNIX_EPOCH, seed)
    }

    #[test]
    fn each_sample_incident_has_four_change_sets_and_a_real_lifecycle() {
        let sets = sample(10, 42);
        let records = fold_all(&sets);
        let incidents: Vec<&Record> = records.values().filter(|r| r.kind == INCIDENT.id).collect();
        assert_eq!(incidents.len(), 10);
        assert_eq!(sets.iter().filter(|s| s.kind == INCIDENT.id).count(), 40);
        for record in incidents {
            assert!(["on_hold", "resolved"].contains(&state_of(&INCIDENT, record)));
            assert_eq!(record.conflicts().count(), 0);
            assert_eq!(record.field("notes").unwrap().entries().len(), 1);
            let service = record.value("service").and_then(|v| v.as_link()).unwrap();
            assert_eq!(records[&service].kind, SERVICE.id);
        }
        assert_eq!(sample(3, 42)[..4], sets[..4]);
    }

    #[test]
    fn the_sample_landscape_links_services_items_problems_and_changes() {
        let records = fold_all(&sample(100, 7));
        let count = |kind: &KindDecl| records.values().filter(|r| r.kind == kind.id).count();
        assert_eq!(count(&SERVICE), SERVICES.len());
        assert_eq!(count(&CONFIGURATION_ITEM), ITEMS.len());
        assert_eq!(count(&PROBLEM), 3);
        assert_eq!(count(&CHANGE), 2);
        assert!(records.values().filter(|r| r.kind == PROBLEM.id).any(|r| state_of(&PROBLEM, r) == "known_error"));
        let linked = records.values().filter(|r| r.kind == INCIDENT.id && r.value("problem").is_some()).count();
        assert_eq!(linked, 10);
        // Nothing happens after the sample's span, so starting it `span` ago puts nothing in the future.
        let end = DateTime::<Utc>::UNIX_EPOCH + span(100);
        assert!(sample(100, 7).iter().all(|cs| cs.at <= end && cs.stamp.wall_ms <= end.timestamp_millis() as u64));
        let big = sample(3_000, 7);
        let end = DateTime::<Utc>::UNIX_EPOCH + span(3_000);
        assert!(big.iter().all(|cs| cs.at <= end));
        // The changes are on the change calendar.
        assert!(records.values().filter(|r| r.kind == CHANGE.id).all(|r| r.value("planned_start").is_some()));
    }
}
