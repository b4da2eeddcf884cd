//! Benchmark (prints figures, never fails): merging two histories of N incidents that share
//! most change sets, at N = 10,000 and 50,000, to show the merge grows linearly. Run with
//! `cargo bench --bench merge` (scripts/bench runs it).

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use servicebook::domain::catalogue::INCIDENT;
use servicebook::domain::command::{self, Actor};
use servicebook::domain::demo;
use servicebook::domain::edit::ChangeSet;
use servicebook::domain::ids::{ChangeSetId, Member, RecordId};
use servicebook::domain::record::Record;
use servicebook::sync::file::{ExchangeFile, Exporter};
use servicebook::sync::merge::{plan, Plan, Replica};

/// Replica `name` adds a work note to every `every`-th incident it holds.
fn diverge(replica: &mut Replica, name: &str, every: usize, seed: u8) {
    let member = Member::new(name).unwrap_or_else(|_| unreachable!());
    let at = DateTime::<Utc>::UNIX_EPOCH + Duration::days(400);
    let incidents: Vec<Record> =
        replica.records.values().filter(|r| r.kind == INCIDENT.id).step_by(every).cloned().collect();
    let mut sets = Vec::new();
    for (n, record) in incidents.iter().enumerate() {
        let actor = Actor { member: member.clone(), at, change_set: ChangeSetId::new(n as u64, [seed; 10]) };
        if let Ok(draft) = command::append(&INCIDENT, record, "notes", "Checked again.", &actor) {
            let stamp = servicebook::domain::clock::Stamp {
                wall_ms: at.timestamp_millis() as u64 + n as u64,
                counter: 0,
                replica: servicebook::domain::ids::ReplicaId(seed as u64),
            };
            if let Ok(sealed) = draft.stamp(stamp) {
                sets.push(sealed);
            }
        }
    }
    replica.apply(&Plan { new_change_sets: sets, ..Plan::default() });
}

/// A sample history of `n` incidents (with the landscape they sit in).
fn sample_history(n: usize) -> Vec<ChangeSet> {
    let none: BTreeMap<RecordId, Record> = BTreeMap::new();
    demo::sample_history(n, &none, |_| 1, &Member::new("Base").unwrap(), DateTime::<Utc>::UNIX_EPOCH, 5)
}

/// `change_sets` written as Ada's exchange file, read back and planned against `held`, with
/// the milliseconds each took.
fn read_and_plan(held: &Replica, change_sets: Vec<ChangeSet>) -> (ExchangeFile, Plan, f64, f64) {
    let file = ExchangeFile {
        exporter: Exporter { member: Member::new("Ada").unwrap(), replica: servicebook::domain::ids::ReplicaId(1) },
        exported_at: DateTime::<Utc>::UNIX_EPOCH + Duration::days(401),
        change_sets,
    };
    let text = file.write();
    let started = Instant::now();
    let read = ExchangeFile::read(&text).unwrap_or_else(|e| panic!("{e}"));
    let read_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let planned =
        plan(held, &read, DateTime::<Utc>::UNIX_EPOCH + Duration::days(402)).unwrap_or_else(|e| panic!("{e}"));
    let plan_ms = started.elapsed().as_secs_f64() * 1000.0;
    (read, planned, read_ms, plan_ms)
}

fn main() {
    println!("merge of two histories sharing most change sets (native, release)");
    println!(
        "{:>8} {:>12} {:>10} {:>12} {:>12} {:>14}",
        "N", "change sets", "new", "read ms", "plan ms", "plan µs/set"
    );
    for n in [10_000usize, 50_000] {
        let mut a = Replica::default();
        a.apply(&Plan { new_change_sets: sample_history(n), ..Plan::default() });
        let mut b = a.clone();
        diverge(&mut a, "Ada", 20, 1);
        diverge(&mut b, "Bea", 20, 2);
        let (read, merged, read_ms, plan_ms) = read_and_plan(&b, a.change_sets.values().cloned().collect());
        println!(
            "{:>8} {:>12} {:>10} {:>12.0} {:>12.0} {:>14.2}",
            n,
            read.change_sets.len(),
            merged.new_change_sets.len(),
            read_ms,
            plan_ms,
            plan_ms * 1000.0 / read.change_sets.len() as f64
        );
    }
    // What an import's preview does with a whole history arriving in an empty browser.
    println!("a whole history read and planned into an empty replica (an import's preview)");
    println!("{:>8} {:>12} {:>12} {:>12}", "N", "change sets", "read ms", "plan ms");
    for n in [10_000usize, 50_000] {
        let (read, planned, read_ms, plan_ms) = read_and_plan(&Replica::default(), sample_history(n));
        assert_eq!(planned.new_change_sets.len(), read.change_sets.len());
        println!("{:>8} {:>12} {:>12.0} {:>12.0}", n, read.change_sets.len(), read_ms, plan_ms);
    }
}
