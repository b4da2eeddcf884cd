//! Sample data for demonstrations, training and benchmarks: incidents with the history a real
//! one has (creation, two state changes, a work note), made through the same commands as the
//! UI, stamped by a clock of their own as if imported from another replica.

use chrono::{DateTime, Duration, Utc};

use super::catalogue::INCIDENT;
use super::clock::{ClockState, Hlc};
use super::command::{self, Actor, FormInput};
use super::edit::{ChangeSet, Draft};
use super::ids::{ChangeSetId, Member, RecordId, ReplicaId};
use super::record::Record;

const SERVICES: &[&str] = &["E-mail", "Payroll", "VPN", "Service desk portal", "Web shop", "File shares", "Telephony"];
const PROBLEMS: &[&str] = &[
    "cannot log in",
    "is slow",
    "returns error 500",
    "is down for one site",
    "drops connections",
    "shows stale data",
    "rejects valid input",
];
const ASSIGNEES: &[&str] = &["Ada", "Grace", "Linus", "Margaret", "Ken"];
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

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn entropy(&mut self) -> [u8; 10] {
        let a = self.next().to_be_bytes();
        let b = self.next().to_be_bytes();
        [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]]
    }
}

/// `count` incidents numbered from `first_number`, created from `start` on, each with four
/// change sets. Deterministic for a given `seed`.
pub fn sample_history(
    count: usize,
    first_number: i64,
    member: &Member,
    start: DateTime<Utc>,
    seed: u64,
) -> Vec<ChangeSet> {
    let mut rng = Rng(seed | 1);
    let mut hlc = Hlc::new(ReplicaId(rng.next()), ClockState::default());
    let mut out = Vec::with_capacity(count * 4);
    let mut seal = |draft: Draft, at: DateTime<Utc>, out: &mut Vec<ChangeSet>| -> Option<ChangeSet> {
        let stamp = hlc.tick(at.timestamp_millis().max(0) as u64);
        let sealed = draft.stamp(stamp).ok()?;
        out.push(sealed.clone());
        Some(sealed)
    };
    for i in 0..count {
        let at = start + Duration::seconds(i as i64 * 7);
        let ms = at.timestamp_millis().max(0) as u64;
        let actor = |rng: &mut Rng, at: DateTime<Utc>| Actor {
            member: member.clone(),
            at,
            change_set: ChangeSetId::new(ms, rng.entropy()),
        };
        let service = rng.pick(SERVICES);
        let form: FormInput = [
            ("title", format!("{service} {}", rng.pick(PROBLEMS))),
            ("description", format!("Reported by a user of {service}. Sample incident {}.", i + 1)),
            ("service", service.to_string()),
            ("impact", rng.pick(LEVELS).to_string()),
            ("urgency", rng.pick(LEVELS).to_string()),
            ("assignee", rng.pick(ASSIGNEES).to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let id = RecordId::new(ms, rng.entropy());
        let Ok(draft) = command::create(&INCIDENT, &form, &Utc, &actor(&mut rng, at), id, first_number + i as i64)
        else {
            continue;
        };
        let Some(created) = seal(draft, at, &mut out) else { continue };
        let mut record = Record::new(&created);
        let later = at + Duration::minutes(5);
        let steps: [(&str, FormInput); 2] = if i % 2 == 0 {
            [("in_progress", FormInput::new()), ("on_hold", FormInput::new())]
        } else {
            let resolution = [("resolution".to_string(), "Restarted the service.".to_string())].into_iter().collect();
            [("in_progress", FormInput::new()), ("resolved", resolution)]
        };
        for (n, (to, input)) in steps.iter().enumerate() {
            let when = later + Duration::minutes(n as i64 * 30);
            if let Ok(draft) = command::transition(&INCIDENT, &record, to, input, &Utc, &actor(&mut rng, when)) {
                if let Some(sealed) = seal(draft, when, &mut out) {
                    record.apply(&sealed);
                }
            }
        }
        let when = later + Duration::minutes(10);
        if let Ok(draft) = command::append(
            &INCIDENT,
            &record,
            "notes",
            "Checked the logs; contacted the user.",
            &actor(&mut rng, when),
        ) {
            seal(draft, when, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::state_of;
    use crate::domain::record::fold_all;

    #[test]
    fn each_sample_incident_has_four_change_sets_and_a_real_lifecycle() {
        let sets = sample_history(10, 1, &Member::new("Ada").unwrap(), DateTime::<Utc>::UNIX_EPOCH, 42);
        assert_eq!(sets.len(), 40);
        let records = fold_all(&sets);
        assert_eq!(records.len(), 10);
        for record in records.values() {
            assert!(["on_hold", "resolved"].contains(&state_of(&INCIDENT, record)));
            assert_eq!(record.conflicts().count(), 0);
            assert_eq!(record.field("notes").unwrap().entries().len(), 1);
        }
        assert_eq!(sample_history(3, 1, &Member::new("Ada").unwrap(), DateTime::<Utc>::UNIX_EPOCH, 42)[..4], sets[..4]);
    }
}
