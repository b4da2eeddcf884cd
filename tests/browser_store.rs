//! The IndexedDB store in a real browser (headless Chromium through wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use servicebook::domain::catalogue::{INCIDENT, SERVICE};
use servicebook::domain::clock::Stamp;
use servicebook::domain::command::{self, Actor, Context, FormInput};
use servicebook::domain::demo;
use servicebook::domain::edit::{ChangeSet, Draft};
use servicebook::domain::ids::{ChangeSetId, Member, RecordId, ReplicaId};
use servicebook::domain::record::{fold_all, Record, Records};
use servicebook::domain::value::Value;
use servicebook::store::schema::v1::{self, LegacyEdit};
use servicebook::store::{now_ms, random_bytes, ExportScope, SnapshotRead, Store};
use servicebook::sync::file::{ExchangeFile, Exporter};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_name(what: &str) -> String {
    format!("test-{what}-{}", u64::from_be_bytes(random_bytes::<8>()))
}

fn actor() -> Actor {
    let now = now_ms() as u64;
    Actor {
        member: Member::new("Tester").unwrap(),
        at: DateTime::<Utc>::from_timestamp_millis(now as i64).unwrap(),
        change_set: ChangeSetId::new(now, random_bytes()),
    }
}

fn form(pairs: &[(&str, &str)]) -> FormInput {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The records commands may link to: one service (kept in memory, not in the store).
fn lookup() -> BTreeMap<RecordId, Record> {
    let none = BTreeMap::new();
    let id = RecordId::new(1, [7; 10]);
    let draft = command::create(
        &SERVICE,
        &form(&[("title", "E-mail"), ("owner", "Ada")]),
        &Context::new(&Utc, &none),
        &actor(),
        id,
        1,
    )
    .unwrap();
    let service = draft.stamp(Stamp { wall_ms: 1, counter: 0, replica: ReplicaId(3) }).unwrap();
    BTreeMap::from([(id, Record::new(&service))])
}

fn incident_draft(title: &str, number: i64) -> Draft {
    let records = lookup();
    let service = records.keys().next().unwrap().to_string();
    let input = form(&[("title", title), ("service", &service), ("impact", "high"), ("urgency", "low")]);
    let id = RecordId::new(now_ms() as u64, random_bytes());
    command::create(&INCIDENT, &input, &Context::new(&Utc, &records), &actor(), id, number).unwrap()
}

async fn open(name: &str) -> Store {
    Store::open(name, || {}).await.expect("the database opens")
}

/// `incidents` sample incidents with their landscape, by `member`, from seed `seed`.
fn sample(incidents: usize, member: &str, seed: u64) -> Vec<ChangeSet> {
    let none: BTreeMap<RecordId, Record> = BTreeMap::new();
    demo::sample_history(incidents, &none, |_| 1, &Member::new(member).unwrap(), DateTime::<Utc>::UNIX_EPOCH, seed)
}

/// Imports `sample` as one import into `store`; the records it folds to.
async fn stored(store: &Store, sample: Vec<ChangeSet>) -> Records {
    let mut records = Records::default();
    store.import(sample, "sample", &mut records).await.unwrap();
    records
}

#[wasm_bindgen_test]
async fn the_store_round_trips_records_and_their_edits() {
    let name = fresh_name("roundtrip");
    let store = open(&name).await;
    let mut records = Records::default();
    for change_set in store.commit(vec![incident_draft("Mail is down", 1)]).await.unwrap().change_sets {
        records.apply(&change_set);
    }
    let record = records.iter().next().unwrap().clone();
    let records_here = lookup();
    let ctx = Context::new(&Utc, &records_here);
    let start = command::transition(&INCIDENT, &record, "in_progress", &FormInput::new(), &ctx, &actor()).unwrap();
    let note = command::append(&INCIDENT, &record, "notes", "Called <b>the</b> user", &actor()).unwrap();
    for change_set in store.commit(vec![start, note]).await.unwrap().change_sets {
        records.apply(&change_set);
    }
    store.close();

    let reopened = open(&name).await;
    let loaded = reopened.load().await.unwrap();
    assert_eq!(loaded.records, records);
    let history = reopened.history(record.id).await.unwrap();
    assert_eq!(history.len(), 3);
    assert!(history.windows(2).all(|w| w[0].stamp < w[1].stamp));
    assert_eq!(fold_all(&history).get(&record.id), records.get(&record.id));
    let entries = loaded.records.get(&record.id).unwrap().field("notes").unwrap().entries().to_vec();
    assert_eq!(entries[0].text, "Called <b>the</b> user");
}

#[wasm_bindgen_test]
async fn a_reload_reads_the_snapshot_plus_newer_chunks() {
    let name = fresh_name("snapshot");
    let store = open(&name).await;
    let member = Member::new("Tester").unwrap();
    let none: BTreeMap<RecordId, Record> = BTreeMap::new();
    let sample = demo::sample_history(300, &none, |_| 1, &member, DateTime::<Utc>::UNIX_EPOCH, 5);
    let mut records = Records::default();
    store.import(sample.clone(), "sample", &mut records).await.unwrap();
    assert_eq!(records.of_kind(INCIDENT.id).count(), 300);
    for change_set in store.commit(vec![incident_draft("After the snapshot", 301)]).await.unwrap().change_sets {
        records.apply(&change_set);
    }
    let loaded = open(&name).await.load().await.unwrap();
    assert_eq!(loaded.pending_chunks, 1);
    assert_eq!(loaded.records, records);
    // The snapshot agrees with folding every stored change set from scratch.
    let all = store.all_change_sets().await.unwrap();
    assert_eq!(all.len(), sample.len() + 1);
    let rebuilt = fold_all(&all);
    assert!(loaded.records.iter().all(|r| rebuilt.get(&r.id) == Some(r)));
    // The clock moved past every imported stamp.
    let later = store.commit(vec![incident_draft("Later", 302)]).await.unwrap().change_sets;
    assert!(sample.iter().all(|cs| cs.stamp < later[0].stamp));
}

/// What a start reads with the main module alone: the snapshot, or that chunks are behind it.
async fn snapshot_read(store: &Store) -> SnapshotRead {
    store.read_snapshot(|_, _| {}).await.expect("the snapshot is read")
}

#[wasm_bindgen_test]
async fn a_start_folds_change_sets_only_when_chunks_were_stored_after_the_snapshot() {
    let name = fresh_name("halves");
    // A new database: nothing to fold, and nothing to move.
    let (store, migration) = Store::open_unmigrated(&name, || {}).await.unwrap();
    assert_eq!(migration, None);
    assert!(matches!(snapshot_read(&store).await, SnapshotRead::Current(loaded) if loaded.records.is_empty()));

    // A bulk write stores its snapshot with it: current.
    let records = stored(&store, sample(40, "Tester", 9)).await;
    match snapshot_read(&store).await {
        SnapshotRead::Current(loaded) => assert_eq!(loaded.records, records),
        SnapshotRead::Behind(_) => panic!("the snapshot written with the import is behind"),
    }

    // A user's edit is a chunk the snapshot lacks: behind, and the second half folds it.
    let mut records = records;
    for change_set in store.commit(vec![incident_draft("After the snapshot", 41)]).await.unwrap().change_sets {
        records.apply(&change_set);
    }
    let SnapshotRead::Behind(behind) = snapshot_read(&store).await else {
        panic!("a chunk after the snapshot was not noticed");
    };
    let loaded = store.catch_up_snapshot(behind).await.unwrap();
    assert_eq!((loaded.records, loaded.pending_chunks), (records, 1));
}

fn legacy(record: RecordId, field: &str, value: &str, wall_ms: u64, n: u8) -> LegacyEdit {
    LegacyEdit {
        id: ChangeSetId::new(wall_ms, [n; 10]).to_string(),
        record,
        kind: "incident".into(),
        field: field.into(),
        value: Some(Value::Text(value.into())),
        member: Member::new("Old timer").unwrap(),
        at: DateTime::<Utc>::from_timestamp_millis(wall_ms as i64).unwrap(),
        stamp: Stamp { wall_ms, counter: 0, replica: ReplicaId(9) },
    }
}

#[wasm_bindgen_test]
async fn a_version_1_database_migrates_keeping_every_record_and_edit() {
    let name = fresh_name("migrate");
    let a = RecordId::new(1_000, [1; 10]);
    let b = RecordId::new(2_000, [2; 10]);
    let edits = vec![
        legacy(a, "title", "Printer jam", 1_000, 1),
        legacy(a, "state", "new", 1_000, 2),
        legacy(a, "state", "in_progress", 1_500, 3),
        legacy(a, "title", "Printer jam on floor 3", 1_600, 4),
        legacy(b, "title", "VPN drops", 2_000, 5),
        legacy(b, "state", "new", 2_000, 6),
    ];
    v1::create_fixture(&name, &edits).await.unwrap();

    let store = open(&name).await;
    let records = store.load().await.unwrap().records;
    assert_eq!(records.len(), 2);
    let first = records.get(&a).unwrap();
    assert_eq!(first.text("title"), "Printer jam on floor 3");
    assert_eq!(first.text("state"), "in_progress");
    assert_eq!(first.conflicts().count(), 0, "a linear version 1 history must not turn into conflicts");
    assert_eq!(records.get(&b).unwrap().text("title"), "VPN drops");
    let stored = store.all_change_sets().await.unwrap();
    let edit_count: usize = stored.iter().map(|cs| cs.edits.len()).sum();
    assert_eq!(edit_count, edits.len());
    store.close();

    // Opening again moves nothing twice.
    let again = open(&name).await;
    assert_eq!(again.all_change_sets().await.unwrap().len(), stored.len());
    assert_eq!(again.load().await.unwrap().records, records);
}

#[wasm_bindgen_test]
async fn two_tabs_writing_at_once_never_produce_equal_stamps() {
    let name = fresh_name("tabs");
    // Two connections to one database behave like two tabs of one browser profile.
    let first = open(&name).await;
    let second = open(&name).await;
    assert_eq!(first.replica().await.unwrap(), second.replica().await.unwrap());
    let writer = |store: Store, label: &'static str| async move {
        let mut stamps = Vec::new();
        for i in 0..40 {
            let sets = store.commit(vec![incident_draft(&format!("{label} {i}"), i)]).await.unwrap().change_sets;
            stamps.push(sets[0].stamp);
        }
        stamps
    };
    let (a, b) = futures::join!(writer(first.clone(), "first"), writer(second.clone(), "second"));
    let distinct: BTreeSet<Stamp> = a.iter().chain(b.iter()).copied().collect();
    assert_eq!(distinct.len(), 80);
    assert_eq!(first.all_change_sets().await.unwrap().len(), 80);
}

#[wasm_bindgen_test]
async fn an_invalid_draft_stores_nothing() {
    let name = fresh_name("invalid");
    let store = open(&name).await;
    let mut bad = incident_draft("Bad", 1);
    bad.edits.clear();
    assert!(store.commit(vec![incident_draft("Good", 2), bad]).await.is_err());
    assert_eq!(store.all_change_sets().await.unwrap().len(), 0);
}

#[wasm_bindgen_test]
async fn a_tab_reads_what_another_tab_stored_since_it_looked() {
    let name = fresh_name("news");
    let first = open(&name).await;
    let second = open(&name).await;
    let seen = second.load().await.unwrap().through;
    let written = first.commit(vec![incident_draft("From the first tab", 1)]).await.unwrap();
    let news = second.news_after(seen, None).await.unwrap();
    assert_eq!(news.chunks.len(), 1);
    assert_eq!(news.chunks[0].1, written.change_sets);
    assert_eq!(news.through, *written.chunks.end());
    assert!(second.news_after(news.through, None).await.unwrap().chunks.is_empty());

    // A tab that stored chunks itself skips them, but not what others stored around them.
    let ours = second.commit(vec![incident_draft("From the second tab", 2)]).await.unwrap();
    let theirs = first.commit(vec![incident_draft("From the first tab again", 3)]).await.unwrap();
    let news = second.news_after(news.through, Some(ours.chunks.clone())).await.unwrap();
    assert_eq!(news.chunks.len(), 1);
    assert_eq!(news.chunks[0].1, theirs.change_sets);
    assert_eq!(news.through, *theirs.chunks.end());
}

/// Puts `value` under `key` in `store` of the database `name` behind the store's back, as a
/// damaged database or an older release would have it.
async fn put_behind_the_store(name: &str, store: &str, key: wasm_bindgen::JsValue, value: wasm_bindgen::JsValue) {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    let db = Database::open(name).await.unwrap();
    let tx = db.transaction(store).with_mode(TransactionMode::Readwrite).build().unwrap();
    tx.object_store(store).unwrap().put(value).with_key(key).primitive().unwrap();
    tx.commit().await.unwrap();
    db.close();
}

/// Rewrites stored chunks behind the store (as an older release left them, or damaged):
/// `change` gets each chunk's position and value, in arrival order, and says whether it
/// changed it. Returns how many chunks are stored.
async fn rewrite_chunks_behind_the_store(name: &str, mut change: impl FnMut(usize, &js_sys::Object) -> bool) -> usize {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    use wasm_bindgen::JsCast;
    let db = Database::open(name).await.unwrap();
    let tx = db.transaction("changes").with_mode(TransactionMode::Readwrite).build().unwrap();
    let chunks = tx.object_store("changes").unwrap();
    let held: Vec<wasm_bindgen::JsValue> =
        chunks.get_all().primitive().unwrap().await.unwrap().collect::<Result<_, _>>().unwrap();
    for (n, chunk) in held.iter().enumerate() {
        if change(n, chunk.unchecked_ref()) {
            let seq = js_sys::Reflect::get(chunk, &"seq".into()).unwrap().as_f64().unwrap();
            chunks.put(chunk.clone()).with_key(seq).primitive().unwrap();
        }
    }
    tx.commit().await.unwrap();
    db.close();
    held.len()
}

#[wasm_bindgen_test]
async fn a_damaged_snapshot_is_rebuilt_from_the_change_sets() {
    let name = fresh_name("damaged");
    let store = open(&name).await;
    let records = stored(&store, sample(50, "Tester", 9)).await;
    store.close();

    // Overwrite the first snapshot page with bytes that are no snapshot.
    let garbage: wasm_bindgen::JsValue = js_sys::Uint8Array::from(&[1u8, 2, 3, 250, 251][..]).into();
    put_behind_the_store(&name, "pages", 0u32.into(), garbage).await;

    rebuilt_from_the_change_sets(&name, &records, "a damaged page").await;
}

/// The next start of `name` reads `records` whole despite the damage (`what`), and rewrites
/// the snapshot: the start after it folds nothing again.
async fn rebuilt_from_the_change_sets(name: &str, records: &Records, what: &str) {
    let loaded = open(name).await.load().await.unwrap_or_else(|e| panic!("{what} stopped the start: {e}"));
    assert_eq!(loaded.records, *records, "{what}");
    let again = open(name).await.load().await.unwrap();
    assert_eq!(again.records, *records, "{what}");
    assert_eq!(again.pending_chunks, 0, "{what}");
}

#[wasm_bindgen_test]
async fn a_snapshot_description_of_another_shape_is_rebuilt_from_the_change_sets() {
    let name = fresh_name("damaged-info");
    let store = open(&name).await;
    let records = stored(&store, sample(50, "Tester", 6)).await;
    store.close();

    // Each is no description of four whole numbers: a string, a fraction, a negative number, a
    // page count beyond 32 bits, a missing field.
    let shapes = [
        r#""snapshot""#,
        r#"{"fold": 7, "through": 1.5, "pages": 1, "records": 50}"#,
        r#"{"fold": 7, "through": -1, "pages": 1, "records": 50}"#,
        r#"{"fold": 7, "through": 1, "pages": 4294967296, "records": 50}"#,
        r#"{"fold": 7, "through": 1, "pages": 1}"#,
    ];
    for shape in shapes {
        let value = js_sys::JSON::parse(shape).unwrap();
        put_behind_the_store(&name, "meta", "snapshot".into(), value).await;
        rebuilt_from_the_change_sets(&name, &records, shape).await;
    }
}

#[wasm_bindgen_test]
async fn an_older_version_held_open_in_another_tab_blocks_the_upgrade_until_it_closes() {
    use std::cell::Cell;
    use std::rc::Rc;

    use indexed_db_futures::database::Database;

    let name = fresh_name("blocked");
    let a = RecordId::new(1_000, [1; 10]);
    v1::create_fixture(&name, &[legacy(a, "title", "Printer jam", 1_000, 1)]).await.unwrap();
    // Another tab of an older release: it holds version 1 open and does not let go when asked.
    let holder = Database::open(&name).await.unwrap();
    let blocked = Rc::new(Cell::new(false));
    let opening = {
        let blocked = blocked.clone();
        Store::open(&name, move || blocked.set(true))
    };
    let release = async {
        for _ in 0..200 {
            if blocked.get() {
                break;
            }
            gloo_timers::future::TimeoutFuture::new(10).await;
        }
        let was_blocked = blocked.get();
        holder.close();
        was_blocked
    };
    let (store, was_blocked) = futures::join!(opening, release);
    assert!(was_blocked, "the open must say it is blocked while the older version is held");
    let store = store.expect("the open continues once the other tab closed the database");
    let records = store.load().await.unwrap().records;
    assert_eq!(records.get(&a).unwrap().text("title"), "Printer jam");
}

#[wasm_bindgen_test]
async fn a_database_of_a_newer_release_is_refused_with_words_and_left_as_it_is() {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use servicebook::store::StoreError;

    let name = fresh_name("newer");
    let store = open(&name).await;
    stored(&store, sample(5, "Tester", 2)).await;
    let before = store.all_change_sets().await.unwrap().len();
    store.close();
    // A newer release moved the database to a later version.
    Database::open(&name).with_version(99u32).await.unwrap().close();

    let refused = Store::open(&name, || {}).await.err();
    assert_eq!(refused, Some(StoreError::Newer));
    assert!(StoreError::Newer.to_string().contains("newer release"));
    // Nothing changed: the version, and every change set the records were made of.
    let db = Database::open(&name).await.unwrap();
    assert_eq!(db.version(), 99.0);
    let tx = db.transaction("changes").build().unwrap();
    let held: Vec<wasm_bindgen::JsValue> = tx
        .object_store("changes")
        .unwrap()
        .get_all()
        .primitive()
        .unwrap()
        .await
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(tx);
    db.close();
    let change_sets: usize = held
        .iter()
        .map(|chunk| {
            let text = js_sys::Reflect::get(chunk, &"text".into()).unwrap();
            let text = js_sys::Uint8Array::new(&text).to_vec();
            serde_json::from_slice::<Vec<serde_json::Value>>(&text).unwrap().len()
        })
        .sum();
    assert_eq!(change_sets, before);
}

#[wasm_bindgen_test]
async fn a_snapshot_of_an_older_fold_version_is_rebuilt_from_the_change_sets() {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;

    let name = fresh_name("older-fold");
    let store = open(&name).await;
    let records = stored(&store, sample(50, "Tester", 4)).await;
    store.close();

    // The snapshot's description names fold version 3 (an older release's pages).
    let fold = |db: Database| async move {
        let tx = db.transaction("meta").build().unwrap();
        let info: wasm_bindgen::JsValue =
            tx.object_store("meta").unwrap().get("snapshot").primitive().unwrap().await.unwrap().unwrap();
        drop(tx);
        db.close();
        (js_sys::Reflect::get(&info, &"fold".into()).unwrap().as_f64().unwrap(), info)
    };
    let (current, info) = fold(Database::open(&name).await.unwrap()).await;
    js_sys::Reflect::set(&info, &"fold".into(), &3.into()).unwrap();
    put_behind_the_store(&name, "meta", "snapshot".into(), info).await;

    let loaded = open(&name).await.load().await.expect("an older snapshot does not stop the start");
    assert_eq!(loaded.records, records);
    // Rewritten in this release's form: the next start reads it without refolding.
    assert_eq!(fold(Database::open(&name).await.unwrap()).await.0, current);
    assert!(current > 3.0);
    let again = open(&name).await.load().await.unwrap();
    assert_eq!(again.records, records);
    assert_eq!(again.pending_chunks, 0);
}

#[wasm_bindgen_test]
async fn the_last_import_is_undone_exactly_while_nothing_happened_since() {
    use servicebook::store::UndoRefusal;
    let name = fresh_name("undo");
    let store = open(&name).await;
    let mut records = Records::default();
    for change_set in store.commit(vec![incident_draft("Made here", 1)]).await.unwrap().change_sets {
        records.apply(&change_set);
    }
    let ours = records.clone();
    let sample = sample(20, "Teammate", 4);
    store.import(sample.clone(), "their file", &mut records).await.unwrap();
    let last = store.last_import().await.unwrap().unwrap();
    assert_eq!((last.tag.as_str(), last.change_sets as usize, last.undo), ("their file", sample.len(), Ok(())));

    // Undo: exactly the import's edits go; ours stay; a reload agrees.
    let theirs = sample[0].record;
    assert!(!store.history(theirs).await.unwrap().is_empty());
    let undone = store.undo_last_import().await.unwrap();
    assert_eq!(undone, ours);
    assert!(store.history(theirs).await.unwrap().is_empty(), "an undone import leaves no history");
    assert_eq!(open(&name).await.load().await.unwrap().records, ours);
    assert!(store.last_import().await.unwrap().is_none());
    assert!(store.undo_last_import().await.is_err());

    // The same file can be imported again; an edit after it makes it final.
    let mut again = ours.clone();
    store.import(sample.clone(), "their file", &mut again).await.unwrap();
    store.commit(vec![incident_draft("Made after", 2)]).await.unwrap();
    assert_eq!(store.last_import().await.unwrap().unwrap().undo, Err(UndoRefusal::ChangedSince));
    assert!(store.undo_last_import().await.is_err());

    // An export after an import makes it final too.
    let mut third = Records::default();
    let other = fresh_name("undo-export");
    let fresh = open(&other).await;
    fresh.import(sample, "their file", &mut third).await.unwrap();
    fresh.mark_exported(None, 0).await.unwrap();
    assert_eq!(fresh.last_import().await.unwrap().unwrap().undo, Err(UndoRefusal::ExportedSince));
    let before = fresh.all_change_sets().await.unwrap().len();
    assert!(fresh.undo_last_import().await.is_err());
    assert_eq!(fresh.all_change_sets().await.unwrap().len(), before, "a refused undo changes nothing");
}

/// The text of an export's file.
async fn file_text(store: &Store, scope: &ExportScope) -> (String, u64, bool) {
    let mut file = store.export(scope, Member::new("Ada").unwrap(), chrono::Utc::now()).await.unwrap();
    // Its hash states are computed in slices, as the app does after handing the file over.
    if let Some(mut body) = file.take_body() {
        while !body.hash(300).await {}
        store.keep_body(&body).await.unwrap();
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(file.blob.text()).await.unwrap();
    (buffer.as_string().unwrap(), file.through, file.continued)
}

/// The change sets of an export's file (its checksum checked).
async fn exported(store: &Store, scope: &ExportScope) -> (ExchangeFile, u64, bool) {
    let (text, through, continued) = file_text(store, scope).await;
    (ExchangeFile::read(&text).unwrap(), through, continued)
}

#[wasm_bindgen_test]
async fn an_export_to_a_teammate_starts_where_the_last_one_to_them_ended() {
    let store = open(&fresh_name("exports-to")).await;
    store.commit(vec![incident_draft("First", 1)]).await.unwrap();
    let (everything, through, _) = exported(&store, &ExportScope::Everything).await;
    assert_eq!(everything.change_sets.len(), 1);
    store.mark_exported(Some("Bea"), through).await.unwrap();
    assert_eq!(store.export_marks().await.unwrap().get("Bea").map(|m| m.seq), Some(through));

    store.commit(vec![incident_draft("Second", 2)]).await.unwrap();
    let bea = store.export_marks().await.unwrap()["Bea"].seq;
    let (since, now, _) = exported(&store, &ExportScope::After(bea)).await;
    assert_eq!(since.change_sets.len(), 1, "only what arrived after the export to Bea");
    assert!(now > through);
    // Another teammate has no mark: everything is new to them.
    assert!(!store.export_marks().await.unwrap().contains_key("Cy"));
    assert_eq!(exported(&store, &ExportScope::Everything).await.0.change_sets.len(), 2);
}

#[wasm_bindgen_test]
async fn a_full_export_continues_the_last_ones_body_only_while_it_is_still_true() {
    let store = open(&fresh_name("export-body")).await;
    // A teammate's edit made before any of ours: it will sort inside our body.
    let other = open(&fresh_name("export-body-other")).await;
    let older = other.commit(vec![incident_draft("Theirs, made earlier", 3)]).await.unwrap().change_sets;
    let mut records = Records::default();
    for n in 0..3 {
        for change_set in store.commit(vec![incident_draft(&format!("Incident {n}"), 1)]).await.unwrap().change_sets {
            records.apply(&change_set);
        }
    }
    let all_written = |file: &ExchangeFile| {
        let mut sets = file.change_sets.clone();
        sets.sort_by_key(|cs| cs.id);
        sets
    };
    let stored = |sets: Vec<ChangeSet>| {
        let mut sets = sets;
        sets.sort_by_key(|cs| cs.id);
        sets
    };
    // The first export writes everything and keeps its body.
    let (first, _, continued) = exported(&store, &ExportScope::Everything).await;
    assert!(!continued);
    assert_eq!(all_written(&first), stored(store.all_change_sets().await.unwrap()));

    // An edit made here sorts after the body: the next export continues it, and its file is
    // the file written from scratch, byte for byte (same export time).
    store.commit(vec![incident_draft("Made after the export", 2)]).await.unwrap();
    let at = chrono::Utc::now();
    let member = Member::new("Ada").unwrap();
    let mut continued_file = store.export(&ExportScope::Everything, member.clone(), at).await.unwrap();
    assert!(continued_file.continued);
    assert!(continued_file.take_body().is_none(), "one line added: the kept body is continued next time too");
    let continued_text =
        wasm_bindgen_futures::JsFuture::from(continued_file.blob.text()).await.unwrap().as_string().unwrap();
    let change_sets = store.all_change_sets().await.unwrap();
    let replica = store.replica().await.unwrap();
    let scratch = ExchangeFile { exporter: Exporter { member: member.clone(), replica }, exported_at: at, change_sets };
    assert_eq!(continued_text, scratch.write());

    let mut theirs = Records::default();
    store.import(older, "their file", &mut theirs).await.unwrap();
    // Older edits from a teammate sort inside the body: it is continued from the last mark
    // before them (here its start), and the file is still the file written from scratch.
    let at = chrono::Utc::now();
    let mut merged = store.export(&ExportScope::Everything, member.clone(), at).await.unwrap();
    assert!(merged.continued);
    store.keep_body(&merged.take_body().expect("lines rewritten from a mark are kept again")).await.unwrap();
    let merged_text = wasm_bindgen_futures::JsFuture::from(merged.blob.text()).await.unwrap().as_string().unwrap();
    let change_sets = store.all_change_sets().await.unwrap();
    let scratch = ExchangeFile { exporter: Exporter { member: member.clone(), replica }, exported_at: at, change_sets };
    assert_eq!(merged_text, scratch.write());
    let (file, _, _) = exported(&store, &ExportScope::Everything).await;
    assert_eq!(all_written(&file), stored(store.all_change_sets().await.unwrap()));
    // Undoing that import removes chunks: the body kept after it is dropped.
    store.undo_last_import().await.unwrap();
    let (file, _, continued) = exported(&store, &ExportScope::Everything).await;
    assert!(!continued, "chunks were removed since the body was kept");
    assert_eq!(all_written(&file), stored(store.all_change_sets().await.unwrap()));
}

#[wasm_bindgen_test]
async fn a_body_kept_ahead_of_the_next_export_is_continued_by_it() {
    let store = open(&fresh_name("export-ahead")).await;
    let member = Member::new("Ada").unwrap();
    assert!(store.keep_export_ahead(member.clone()).await.unwrap().is_none(), "nothing stored, nothing to keep");
    // A teammate's older edits imported among ours: the body is written in stamp order.
    let other = open(&fresh_name("export-ahead-other")).await;
    let older = other.commit(vec![incident_draft("Theirs, made earlier", 3)]).await.unwrap().change_sets;
    // More chunks than the store reads per request.
    for n in 0..14 {
        store.commit(vec![incident_draft(&format!("Incident {n}"), 1)]).await.unwrap();
    }
    store.import(older, "their file", &mut Records::default()).await.unwrap();
    let mut ahead = store.keep_export_ahead(member.clone()).await.unwrap().expect("no kept body yet");
    while !ahead.hash(2).await {}
    store.keep_body(&ahead).await.unwrap();
    assert!(store.keep_export_ahead(member.clone()).await.unwrap().is_none(), "the kept body is up to date");
    assert_eq!(store.last_import().await.unwrap().unwrap().undo, Ok(()), "keeping a body ahead exports nothing");

    store.commit(vec![incident_draft("Made afterwards", 2)]).await.unwrap();
    let at = chrono::Utc::now();
    let file = store.export(&ExportScope::Everything, member.clone(), at).await.unwrap();
    assert!(file.continued);
    let text = wasm_bindgen_futures::JsFuture::from(file.blob.text()).await.unwrap().as_string().unwrap();
    let change_sets = store.all_change_sets().await.unwrap();
    let replica = store.replica().await.unwrap();
    let scratch = ExchangeFile { exporter: Exporter { member, replica }, exported_at: at, change_sets };
    assert_eq!(text, scratch.write());
}

#[wasm_bindgen_test]
async fn an_export_asked_for_while_a_body_is_kept_ahead_is_written_from_it_until_something_is_stored() {
    let store = open(&fresh_name("export-in-hand")).await;
    let member = Member::new("Ada").unwrap();
    for n in 0..3 {
        store.commit(vec![incident_draft(&format!("Incident {n}"), 1)]).await.unwrap();
    }
    let ahead = store.keep_export_ahead(member.clone()).await.unwrap().expect("no kept body yet");
    let in_hand = ahead.in_hand();
    // Another export time than the body's own file: its own head, tail and checksum.
    let at = chrono::Utc::now() + chrono::Duration::seconds(90);
    let mut file = store.export_from_body(&in_hand, member.clone(), at).await.unwrap().expect("nothing stored since");
    assert!(file.take_body().is_none(), "the body kept ahead is kept by itself");
    let text = wasm_bindgen_futures::JsFuture::from(file.blob.text()).await.unwrap().as_string().unwrap();
    let change_sets = store.all_change_sets().await.unwrap();
    let replica = store.replica().await.unwrap();
    let scratch = ExchangeFile { exporter: Exporter { member: member.clone(), replica }, exported_at: at, change_sets };
    assert_eq!(text, scratch.write());

    store.commit(vec![incident_draft("Made afterwards", 2)]).await.unwrap();
    assert!(
        store.export_from_body(&in_hand, member, chrono::Utc::now()).await.unwrap().is_none(),
        "a body that misses what was stored since is not exported"
    );
}

#[wasm_bindgen_test]
async fn a_large_kept_body_is_continued_from_the_mark_before_older_edits() {
    let store = open(&fresh_name("export-marks")).await;
    let none = BTreeMap::new();
    let member = Member::new("Ada").unwrap();
    let mut records = Records::default();
    let first = demo::sample_history(400, &none, |_| 1, &member, DateTime::<Utc>::UNIX_EPOCH, 21);
    let mut stamps: Vec<Stamp> = first.iter().map(|cs| cs.stamp).collect();
    stamps.sort();
    assert!(stamps.len() > 1_300, "{} change sets", stamps.len());
    store.import(first, "a large file", &mut records).await.unwrap();
    let (_, _, continued) = exported(&store, &ExportScope::Everything).await;
    assert!(!continued);
    // A teammate's edits made after the 1,200th of those: they sort inside the kept body,
    // after its first mark.
    let start = DateTime::<Utc>::from_timestamp_millis(stamps[1_200].wall_ms as i64).unwrap();
    let later = demo::sample_history(3, &none, |_| 1_000, &Member::new("Bea").unwrap(), start, 22);
    store.import(later, "a later file", &mut records).await.unwrap();
    let at = Utc::now();
    let file = store.export(&ExportScope::Everything, member.clone(), at).await.unwrap();
    assert!(file.continued);
    // Read again: only the kept lines after the first mark (1,000 lines).
    assert_eq!(file.reread, stamps.len() as u64 - 1_000);
    let text = wasm_bindgen_futures::JsFuture::from(file.blob.text()).await.unwrap().as_string().unwrap();
    let replica = store.replica().await.unwrap();
    let change_sets = store.all_change_sets().await.unwrap();
    let scratch = ExchangeFile { exporter: Exporter { member, replica }, exported_at: at, change_sets };
    assert_eq!(text, scratch.write());
}

#[wasm_bindgen_test]
async fn a_partial_export_reads_only_the_chosen_records() {
    let store = open(&fresh_name("export-records")).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let written = store.commit(vec![incident_draft(&format!("Incident {n}"), 1)]).await.unwrap();
        ids.push(written.change_sets[0].record);
    }
    let chosen: std::collections::BTreeSet<_> = [ids[0], ids[2]].into_iter().collect();
    let (file, _, continued) = exported(&store, &ExportScope::Records(chosen.clone())).await;
    assert!(!continued);
    let records: std::collections::BTreeSet<_> = file.change_sets.iter().map(|cs| cs.record).collect();
    assert_eq!(records, chosen);
}

/// Every stored change set, as JSON text (what an export would carry).
async fn stored_text(store: &Store) -> String {
    serde_json::to_string(&store.all_change_sets().await.unwrap()).unwrap()
}

#[wasm_bindgen_test]
async fn a_redaction_rewrites_the_stored_note_in_the_same_transaction() {
    let name = fresh_name("redact");
    let store = open(&name).await;
    let mut records = Records::default();
    for change_set in store.commit(vec![incident_draft("Mail is down", 1)]).await.unwrap().change_sets {
        records.apply(&change_set);
    }
    let record = records.iter().next().unwrap().clone();
    let note = command::append(&INCIDENT, &record, "notes", "Caller's PIN is 4711", &actor()).unwrap();
    let note = store.commit(vec![note]).await.unwrap().change_sets.remove(0);
    records.apply(&note);
    assert!(stored_text(&store).await.contains("4711"));
    // An export keeps its body, which holds the note.
    assert!(file_text(&store, &ExportScope::Everything).await.0.contains("4711"));

    let redaction = command::redact(&INCIDENT, &note, 0, &actor()).unwrap();
    for change_set in store.commit(vec![redaction]).await.unwrap().change_sets {
        records.apply(&change_set);
    }
    // Gone from what is stored and from the fold; the note's change set keeps its id.
    let text = stored_text(&store).await;
    assert!(!text.contains("4711"), "{text}");
    // The next export does not continue the kept body: the note is gone from the file too.
    let (exported, _, continued) = file_text(&store, &ExportScope::Everything).await;
    assert!(!continued && !exported.contains("4711"), "{exported}");
    let history = store.history(record.id).await.unwrap();
    assert_eq!(history.len(), 3);
    assert!(history.iter().any(|cs| cs.id == note.id && cs.edits[0].op.redacted_by().is_some()));
    let entry = records.get(&record.id).unwrap().field("notes").unwrap().entries()[0].clone();
    assert!(entry.text.is_empty() && entry.redacted.is_some());
    // A reload folds the same.
    store.close();
    let store = open(&name).await;
    let loaded = store.load().await.unwrap();
    assert_eq!(loaded.records, records);
    store.close();
}

#[wasm_bindgen_test]
async fn an_imported_redaction_rewrites_the_held_copy_and_a_redacted_copy_replaces_it() {
    let name = fresh_name("redact-import");
    let store = open(&name).await;
    let mut records = Records::default();
    for change_set in store.commit(vec![incident_draft("Mail is down", 1)]).await.unwrap().change_sets {
        records.apply(&change_set);
    }
    let record = records.iter().next().unwrap().clone();
    let notes = vec![
        command::append(&INCIDENT, &record, "notes", "first secret", &actor()).unwrap(),
        command::append(&INCIDENT, &record, "notes", "second secret", &actor()).unwrap(),
    ];
    let mut notes = store.commit(notes).await.unwrap().change_sets;
    for change_set in &notes {
        records.apply(change_set);
    }
    let held_before = store.all_change_sets().await.unwrap().len();
    // A teammate's redaction of the first note arrives in a file.
    let mut redaction = command::redact(&INCIDENT, &notes[0], 0, &actor()).unwrap();
    redaction.id = ChangeSetId::new(now_ms() as u64, random_bytes());
    let stamp = Stamp { wall_ms: now_ms() as u64 + 5, counter: 0, replica: ReplicaId(99) };
    let redaction = redaction.stamp(stamp).unwrap();
    store.import(vec![redaction.clone()], "import a", &mut records).await.unwrap();
    let text = stored_text(&store).await;
    assert!(!text.contains("first secret") && text.contains("second secret"));
    // Another file carries the second note already redacted (its redaction elsewhere): the
    // held copy is replaced in place, not stored twice.
    let second = &mut notes[1];
    assert!(second.redact("notes", servicebook::domain::edit::EditRef { index: 0, stamp: second.stamp }, stamp));
    store.import(vec![second.clone()], "import b", &mut records).await.unwrap();
    let all = store.all_change_sets().await.unwrap();
    assert_eq!(all.len(), held_before + 1);
    assert!(!stored_text(&store).await.contains("secret"));
    let entries = records.get(&record.id).unwrap().field("notes").unwrap().entries().to_vec();
    assert!(entries.iter().all(|entry| entry.text.is_empty() && entry.redacted.is_some()));
    assert_eq!(fold_all(&all).get(&record.id), records.get(&record.id));
    store.close();
}

/// `records` as snapshot pages, as `AppState::keep_snapshot_in_turns` encodes them.
fn pages_of(records: &Records) -> Vec<Vec<u8>> {
    servicebook::store::snapshot_pages(&records.iter().collect::<Vec<_>>())
}

#[wasm_bindgen_test]
async fn a_planned_import_is_stored_first_and_its_snapshot_kept_after_unless_something_came_between() {
    use servicebook::sync::merge::{Planning, Replica};
    let name = fresh_name("kept-after");
    let store = open(&name).await;
    let mut records = stored(&store, sample(30, "Tester", 5)).await;
    let held = Replica { records: records.iter().map(|r| (r.id, r.clone())).collect(), ..Replica::default() };
    let theirs = sample(25, "Teammate", 6);
    let plan = Planning::start_with_texts(&held, theirs, None, Utc::now()).unwrap().finish(&held);
    let SnapshotRead::Current(before) = snapshot_read(&store).await else { panic!("the sample's snapshot is behind") };
    let written = store
        .import_planned(plan.new_change_sets.clone(), plan.texts.clone(), "their file", before.through)
        .await
        .unwrap();
    plan.after.values().cloned().for_each(|record| records.insert(record));

    // Stored, but the snapshot is the one before it: a start folds the import on top.
    let SnapshotRead::Behind(behind) = snapshot_read(&store).await else {
        panic!("the import's chunks were not noticed")
    };
    assert_eq!(store.catch_up_snapshot(behind).await.unwrap().records, records);

    // Kept after: a start reads it whole.
    let through = *written.chunks.end();
    assert!(store.keep_snapshot(&pages_of(&records), records.len() as u32, through).await.unwrap());
    match snapshot_read(&store).await {
        SnapshotRead::Current(loaded) => assert_eq!((loaded.records, loaded.through), (records.clone(), through)),
        SnapshotRead::Behind(_) => panic!("the snapshot kept after the import is behind"),
    }
    // Kept again for the same chunks: nothing changes.
    assert!(!store.keep_snapshot(&pages_of(&Records::default()), 0, through).await.unwrap());
    assert!(matches!(snapshot_read(&store).await, SnapshotRead::Current(loaded) if loaded.records == records));

    // Something stored between the import and its snapshot: the snapshot is not kept.
    let again = sample(5, "Third", 7);
    let written = store.import_planned(again, Vec::new(), "another file", through).await.unwrap();
    let stale = *written.chunks.end();
    store.commit(vec![incident_draft("Made in between", 99)]).await.unwrap();
    assert!(!store.keep_snapshot(&pages_of(&records), records.len() as u32, stale).await.unwrap());
    assert!(matches!(snapshot_read(&store).await, SnapshotRead::Behind(_)));

    // An import undone before its snapshot was kept: the snapshot of it is not kept.
    let other = fresh_name("kept-after-undo");
    let fresh = open(&other).await;
    let written =
        fresh.import_planned(plan.new_change_sets.clone(), plan.texts.clone(), "their file", 0).await.unwrap();
    let undone = fresh.undo_last_import().await.unwrap();
    assert!(undone.is_empty());
    let imported: Records = {
        let mut r = Records::default();
        plan.after.values().cloned().for_each(|record| r.insert(record));
        r
    };
    assert!(!fresh.keep_snapshot(&pages_of(&imported), imported.len() as u32, *written.chunks.end()).await.unwrap());
    assert_eq!(open(&other).await.load().await.unwrap().records, Records::default());
    store.close();
    fresh.close();
}

#[wasm_bindgen_test]
async fn a_file_imported_with_its_texts_exports_the_same_change_set_lines() {
    use servicebook::sync::file::Reader;
    use servicebook::sync::merge::{Planning, Replica};
    // A teammate's history, exported.
    let teammate = open(&fresh_name("texts-teammate")).await;
    let none = BTreeMap::new();
    let member = Member::new("Bea").unwrap();
    let sets = demo::sample_history(120, &none, |_| 1, &member, chrono::Utc::now() - chrono::Duration::days(1), 3);
    let mut records = Records::default();
    teammate.import(sets, "made", &mut records).await.unwrap();
    let (text, _, _) = file_text(&teammate, &ExportScope::Everything).await;

    // Read keeping the texts, planned, and stored with them.
    let read = Reader::new(&text).unwrap().finish_with_texts().unwrap();
    assert!(read.texts.is_some(), "a file as this release writes it keeps its texts");
    let held = Replica::default();
    let plan = Planning::start_with_texts(&held, read.file.change_sets.clone(), read.texts, chrono::Utc::now())
        .unwrap()
        .finish(&held);
    assert_eq!(plan.texts.len(), plan.new_change_sets.len());
    let here = open(&fresh_name("texts-here")).await;
    let mut folded = Records::default();
    plan.after.values().cloned().for_each(|record| folded.insert(record));
    here.import_planned(plan.new_change_sets.clone(), plan.texts.clone(), "file", 0).await.unwrap();
    assert_eq!(here.load().await.unwrap().records, folded);

    // What is stored reads back as the same change sets, and exports as the same lines.
    let lines = |text: &str| text.lines().filter(|l| l.starts_with("{\"at\"")).map(str::to_string).collect::<Vec<_>>();
    let (again, _, _) = file_text(&here, &ExportScope::Everything).await;
    assert_eq!(ExchangeFile::read(&again).unwrap().change_sets, read.file.change_sets);
    assert!(!lines(&text).is_empty());
    assert_eq!(lines(&again), lines(&text));
}

#[wasm_bindgen_test]
async fn chunks_stored_before_version_3_or_with_a_damaged_index_export_the_same() {
    use wasm_bindgen::JsCast;

    let name = fresh_name("no-index");
    let store = open(&name).await;
    stored(&store, sample(1_500, "Tester", 9)).await;
    store.commit(vec![incident_draft("Made here", 1_501)]).await.unwrap();
    let lines = |text: &str| text.lines().filter(|l| l.starts_with("{\"at\"")).map(str::to_string).collect::<Vec<_>>();
    // A file of what arrived after 0 reads every chunk (no kept body).
    let (indexed, _, _) = file_text(&store, &ExportScope::After(0)).await;
    store.close();

    // The first chunk as stored before schema version 3 (its text a string, no index); the
    // second with an index that does not fit its text.
    let index = wasm_bindgen::JsValue::from_str("index");
    let stored = rewrite_chunks_behind_the_store(&name, |n, chunk| {
        if n >= 2 {
            return false;
        }
        assert!(js_sys::Reflect::get(chunk, &index).unwrap().is_instance_of::<js_sys::Uint8Array>());
        if n == 0 {
            let text = wasm_bindgen::JsValue::from_str("text");
            let bytes: js_sys::Uint8Array = js_sys::Reflect::get(chunk, &text).unwrap().unchecked_into();
            let json = String::from_utf8(bytes.to_vec()).unwrap();
            js_sys::Reflect::set(chunk, &wasm_bindgen::JsValue::from_str("json"), &json.into()).unwrap();
            js_sys::Reflect::delete_property(chunk, &text).unwrap();
            js_sys::Reflect::delete_property(chunk, &index).unwrap();
        } else {
            js_sys::Reflect::set(chunk, &index, &js_sys::Uint8Array::from(&[0u8; 56][..])).unwrap();
        }
        true
    })
    .await;
    assert!(stored >= 3);

    let reopened = open(&name).await;
    let (read, _, _) = file_text(&reopened, &ExportScope::After(0)).await;
    // The old chunk's change sets are read for a start and a history as well.
    assert_eq!(reopened.all_change_sets().await.unwrap().len(), lines(&indexed).len());
    assert_eq!(lines(&read), lines(&indexed));
    assert_eq!(ExchangeFile::read(&read).unwrap().change_sets.len(), lines(&indexed).len());
}

/// A record's history, and the lines of an export of it, as the store finds them.
async fn found_for(store: &Store, record: RecordId) -> (Vec<ChangeSetId>, Vec<ChangeSetId>) {
    let history = store.history(record).await.unwrap().iter().map(|cs| cs.id).collect();
    let (file, _, _) = exported(store, &ExportScope::Records(BTreeSet::from([record]))).await;
    (history, file.change_sets.iter().map(|cs| cs.id).collect())
}

#[wasm_bindgen_test]
async fn each_records_chunks_are_found_after_bulk_writes_edits_and_in_a_database_from_before_version_4() {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    use wasm_bindgen::{JsCast, JsValue};

    let name = fresh_name("record-chunks");
    let store = open(&name).await;
    // A bulk write (its chunks noted in the value), then edits after it (looked at one by one).
    let mut records = stored(&store, sample(1_200, "Tester", 12)).await;
    let first = records.iter().find(|r| r.kind.as_str() == "incident").unwrap().clone();
    let last = records.iter().rev().find(|r| r.kind.as_str() == "incident").unwrap().clone();
    let note = command::append(&INCIDENT, &first, "notes", "Checked the relay", &actor()).unwrap();
    for change_set in store.commit(vec![note]).await.unwrap().change_sets {
        records.apply(&change_set);
    }
    let made_here = store.commit(vec![incident_draft("Made here", 9_999)]).await.unwrap().change_sets[0].record;
    let expected = [first.id, last.id, made_here];
    let all = store.all_change_sets().await.unwrap();
    let mut wanted = Vec::new();
    for id in &expected {
        let mut ids: Vec<_> = all.iter().filter(|cs| cs.record == *id).map(|cs| (cs.stamp, cs.id)).collect();
        ids.sort();
        let ids: Vec<ChangeSetId> = ids.into_iter().map(|(_, id)| id).collect();
        assert!(!ids.is_empty());
        assert_eq!(found_for(&store, *id).await, (ids.clone(), ids.clone()), "record {id}");
        wanted.push(ids);
    }
    assert!(wanted[0].len() >= 2, "the sample record and the note made after it");
    store.close();

    // The database as a release before version 4 left it: each chunk lists its records as
    // text (the index `by_record` read them), and there is no record-to-chunks value.
    let touched = JsValue::from_str("touched");
    rewrite_chunks_behind_the_store(&name, |_, chunk| {
        let bytes: js_sys::Uint8Array = js_sys::Reflect::get(chunk, &touched).unwrap().unchecked_into();
        let ids: js_sys::Array = bytes
            .to_vec()
            .chunks_exact(16)
            .map(|id| JsValue::from_str(&RecordId::from_bytes(id.try_into().unwrap()).to_string()))
            .collect();
        js_sys::Reflect::set(chunk, &JsValue::from_str("records"), &ids).unwrap();
        js_sys::Reflect::delete_property(chunk, &touched).unwrap();
        true
    })
    .await;
    let db = Database::open(&name).await.unwrap();
    let tx = db.transaction("meta").with_mode(TransactionMode::Readwrite).build().unwrap();
    tx.object_store("meta").unwrap().delete::<String, _>("record_chunks".to_string()).primitive().unwrap();
    tx.commit().await.unwrap();
    db.close();

    // Opening builds the value from those lists; every record's chunks are found as before.
    let reopened = open(&name).await;
    let db = Database::open(&name).await.unwrap();
    let tx = db.transaction("meta").build().unwrap();
    let value: Option<JsValue> =
        tx.object_store("meta").unwrap().get("record_chunks").primitive().unwrap().await.unwrap();
    assert!(value.is_some(), "opening wrote the record-to-chunks value");
    drop(tx);
    db.close();
    for (id, ids) in expected.iter().zip(&wanted) {
        assert_eq!(found_for(&reopened, *id).await, (ids.clone(), ids.clone()), "record {id} after the upgrade");
    }
}

#[wasm_bindgen_test]
async fn the_change_sets_with_given_ids_are_found_wherever_they_are_stored() {
    let store = open(&fresh_name("with-ids")).await;
    stored(&store, sample(1_200, "Tester", 9)).await;
    store.commit(vec![incident_draft("Made here", 1_201)]).await.unwrap();
    let all = store.all_change_sets().await.unwrap();
    assert!(all.len() > 2_000);
    // One from the first chunk, one from the middle, the last one, and an id held nowhere.
    let wanted: Vec<ChangeSet> = vec![all[0].clone(), all[all.len() / 2].clone(), all[all.len() - 1].clone()];
    let mut ids: BTreeSet<ChangeSetId> = wanted.iter().map(|cs| cs.id).collect();
    ids.insert(ChangeSetId::new(1, [0xab; 10]));
    let mut found = store.change_sets_with_ids(&ids).await.unwrap();
    found.sort_by_key(|cs| cs.id);
    let mut expected = wanted;
    expected.sort_by_key(|cs| cs.id);
    assert_eq!(found, expected);
    assert!(store.change_sets_with_ids(&BTreeSet::new()).await.unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn a_start_hands_over_the_newest_records_first_then_every_record() {
    let name = fresh_name("newest-first");
    let store = open(&name).await;
    // More than two pages of records (a page holds 1,000).
    let records = stored(&store, sample(2_200, "Ada", 11)).await;
    store.close();

    let store = open(&name).await;
    let mut newest: Option<(Vec<Record>, usize)> = None;
    let loaded = store.load_showing_newest(|page, total| newest = Some((page.to_vec(), total))).await.unwrap();
    assert_eq!(loaded.records, records, "the whole load still holds every record");
    let (page, total) = newest.expect("the newest page was handed over");
    assert_eq!(total, records.len());
    // The newest page: the last records by id (ids are time-ordered), all of them.
    let last: Vec<&Record> = records.iter().rev().take(page.len()).collect();
    assert_eq!(page.len(), records.len() % 1_000, "the last, partly filled page");
    assert_eq!(page.iter().rev().collect::<Vec<_>>(), last);
    store.close();

    // A snapshot of a single page is simply loaded.
    let name = fresh_name("newest-single");
    let store = open(&name).await;
    let few = stored(&store, sample(20, "Ada", 12)).await;
    store.close();
    let store = open(&name).await;
    let mut called = false;
    let loaded = store.load_showing_newest(|_, _| called = true).await.unwrap();
    assert_eq!(loaded.records, few);
    assert!(!called, "no partial view for a single page");
}
