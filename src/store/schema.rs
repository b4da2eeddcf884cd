//! Database versions and migrations.
//!
//! - Version 1 (a fixture layout, kept so the migration path is tested): one object per edit
//!   in the store `edits`.
//! - Version 2: chunks of change sets, snapshot pages and meta (see `layout`).
//! - Version 3: the same stores; new chunks hold their text as UTF-8 bytes instead of a
//!   string (`StoredChunk::text`), which releases before could not read. Nothing moves: this
//!   release reads both. The version exists so that a tab of an older release still open
//!   blocks the upgrade (the app says to close it) rather than meet chunks it cannot read.
//! - Version 4 (current): which chunks hold each record is one value in `meta`
//!   (`record_chunks`), no longer the multi-entry index `by_record`, which new chunks do not
//!   fill. Opening builds the value from the chunks' lists of records when it is missing. The
//!   version keeps a tab of an older release, which would look records up in the index, from
//!   running beside this one.
//!
//! The upgrade ([`upgrade`], on the browser's API) only creates stores: indexed_db_futures'
//! upgrade callback cannot add an index to an existing store, and this one keeps to the same
//! rule, so a layout change creates new stores, and the data is moved after opening, in one
//! read-write transaction. If the tab closes halfway, that
//! transaction rolls back and the next open moves the data again: the move is resumable.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use indexed_db_futures::KeyPath;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::layout::{self, Head, StoredChunk, BY_RECORD, CHUNKS, CHUNK_SIZE, HEAD_KEY, META, PAGES};
use super::record_chunks;
use super::{now_ms, random_bytes, StoreError};
use crate::domain::clock::{ClockState, Hlc, Stamp};
use crate::domain::edit::{ChangeSet, Edit};
use crate::domain::ids::{ChangeSetId, Member, RecordId, ReplicaId};
use crate::domain::value::Value;

/// The schema version this release writes.
pub const CURRENT_VERSION: u32 = 4;

/// Data an opened database still has to move into the current layout ([`migrate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// Version 1 edits to regroup into chunks.
    move_edits: bool,
    /// The record-to-chunks value to build (a database from before version 4).
    build_record_chunks: bool,
}

/// Opens `name` at the current version, creating its stores; says what data an older layout
/// still has to move, which [`migrate`] does. A new database needs nothing moved.
pub async fn open(
    name: &str,
    on_blocked: impl FnOnce() + 'static,
) -> Result<(Database, Option<Migration>), StoreError> {
    // Opened as it is (a new database is made at version 1, with no stores): most starts find
    // it at the current version, and then it is opened once, with no upgrade.
    let db = Database::open(name).await?;
    let db = if db.version() == f64::from(CURRENT_VERSION) {
        db
    } else {
        db.close();
        upgrade(name, on_blocked).await?;
        // At the current version now: no upgrade, and nothing to wait for.
        Database::open(name).with_version(CURRENT_VERSION).await?
    };
    let has_map = ensure_head(&db).await?;
    let migration = Migration {
        move_edits: db.object_store_names().any(|store| store == v1::EDITS),
        build_record_chunks: !has_map,
    };
    Ok((db, Some(migration).filter(|m| m.move_edits || m.build_record_chunks)))
}

/// Brings `name` to the current version, creating the stores a new or version 1 database
/// lacks, and closes it again (a newer release's database is refused: `StoreError::Newer`).
/// `on_blocked` is called when another tab holds an older version open; the upgrade then
/// waits for that tab to close it.
///
/// This uses the browser's API, not indexed_db_futures' upgrade callback: that callback's
/// error reporting formats the crate's whole error type, floats included, about 9 KB gzip of
/// the first screen's module (measured 2026-12-07). Opening the database a second time, at
/// the version it now has, then runs no callback at all.
async fn upgrade(name: &str, on_blocked: impl FnOnce() + 'static) -> Result<(), StoreError> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{IdbDatabase, IdbIndexParameters, IdbOpenDbRequest, IdbVersionChangeEvent};

    let failed = |error: JsValue| StoreError::from_open_failure(&error);
    let missing = || StoreError::Unavailable("IndexedDB is not available".into());
    let factory = web_sys::window().ok_or_else(missing)?.indexed_db().map_err(failed)?.ok_or_else(missing)?;
    let request = factory.open_with_u32(name, CURRENT_VERSION).map_err(failed)?;
    let create_stores = Closure::once(move |event: IdbVersionChangeEvent| -> Result<(), JsValue> {
        if event.old_version() >= 2.0 {
            return Ok(());
        }
        let request: IdbOpenDbRequest = event.target().ok_or("no open request")?.unchecked_into();
        let db: IdbDatabase = request.result()?.unchecked_into();
        let chunks = db.create_object_store(CHUNKS)?;
        let by_record = IdbIndexParameters::new();
        by_record.set_multi_entry(true);
        chunks.create_index_with_str_and_optional_parameters(BY_RECORD, "records", &by_record)?;
        db.create_object_store(PAGES)?;
        db.create_object_store(META)?;
        // An error thrown here aborts the upgrade, and the open fails with it.
        Ok(())
    });
    let blocked = Closure::once(on_blocked);
    request.set_onupgradeneeded(Some(create_stores.as_ref().unchecked_ref()));
    request.set_onblocked(Some(blocked.as_ref().unchecked_ref()));
    let settled = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let opened = wasm_bindgen_futures::JsFuture::from(settled).await;
    request.set_onupgradeneeded(None);
    request.set_onblocked(None);
    match opened {
        Ok(_) => {
            request.result().map_err(failed)?.unchecked_into::<IdbDatabase>().close();
            Ok(())
        }
        Err(_) => Err(match request.error() {
            Ok(Some(error)) => failed(error.into()),
            _ => StoreError::Unavailable("the database did not open".into()),
        }),
    }
}

/// Moves an older layout's data into the current one, each step in one transaction (a closed
/// tab rolls it back and the next open does it again).
pub async fn migrate(db: &Database, migration: Migration) -> Result<(), StoreError> {
    if migration.move_edits {
        v1::move_edits(db).await?;
    }
    if migration.build_record_chunks {
        build_record_chunks(db).await?;
    }
    Ok(())
}

/// Writes the record-to-chunks value from every chunk's list of records, in one transaction
/// (a closed tab rolls it back and the next open builds it again).
async fn build_record_chunks(db: &Database) -> Result<(), StoreError> {
    let tx = db.transaction([CHUNKS, META]).with_mode(TransactionMode::Readwrite).build()?;
    if !record_chunks::is_kept(&tx).await? {
        record_chunks::note(&tx, &[]).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Gives a new database its replica id, clock and an empty record-to-chunks value. A
/// read-only look first: every start comes here, and a read-write transaction waits for its
/// commit to be written. Says whether the record-to-chunks value exists.
async fn ensure_head(db: &Database) -> Result<bool, StoreError> {
    let look = db.transaction(META).build()?;
    // Whether there is one is all this asks, so the value is not decoded (serde's decoder
    // would bring its error messages' code into the first screen's module).
    let head: Option<JsValue> = look.object_store(META)?.get(HEAD_KEY).primitive()?.await?;
    let has_map = record_chunks::is_kept(&look).await?;
    drop(look);
    if head.is_some() {
        return Ok(has_map);
    }
    let tx = db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
    let meta = tx.object_store(META)?;
    let head: Option<JsValue> = meta.get(HEAD_KEY).primitive()?.await?;
    // No chunk can predate the head (a version 1 database's edits become chunks after it,
    // which a value covering nothing leaves to be looked at one by one).
    let start_map = head.is_none() && !has_map;
    if head.is_none() {
        let replica = ReplicaId::from_entropy(random_bytes::<8>());
        Head { replica, clock: ClockState::default(), seq: 0 }.put(&tx)?;
    }
    if start_map {
        record_chunks::start_empty(&tx)?;
    }
    tx.commit().await?;
    Ok(has_map || start_map)
}

/// The version 1 layout and its migration.
pub mod v1 {
    use super::*;

    /// The version 1 store: one object per edit, keyed by `id`.
    pub const EDITS: &str = "edits";

    /// An edit as version 1 stored it: one `Set` per object, change sets implied by
    /// (record, stamp).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct LegacyEdit {
        pub id: String,
        pub record: RecordId,
        pub kind: String,
        pub field: String,
        pub value: Option<Value>,
        pub member: Member,
        pub at: DateTime<Utc>,
        pub stamp: Stamp,
    }

    /// Creates a database in the version 1 layout holding `edits` (for migration tests).
    pub async fn create_fixture(name: &str, edits: &[LegacyEdit]) -> Result<(), StoreError> {
        let db = Database::open(name)
            .with_version(1u32)
            .with_on_upgrade_needed(|_, db| {
                db.create_object_store(EDITS).with_key_path(KeyPath::One("id")).build()?;
                Ok(())
            })
            .await?;
        let tx = db.transaction(EDITS).with_mode(TransactionMode::Readwrite).build()?;
        let store = tx.object_store(EDITS)?;
        for edit in edits {
            store.put(edit).serde()?;
        }
        tx.commit().await?;
        db.close();
        Ok(())
    }

    /// Regroups version 1 edits into change sets, stores them as chunks and empties `edits`,
    /// all in one transaction.
    pub(super) async fn move_edits(db: &Database) -> Result<(), StoreError> {
        let tx = db.transaction([EDITS, CHUNKS, META]).with_mode(TransactionMode::Readwrite).build()?;
        let legacy = tx.object_store(EDITS)?;
        let edits: Vec<LegacyEdit> = legacy.get_all::<LegacyEdit>().serde()?.await?.collect::<Result<_, _>>()?;
        if edits.is_empty() {
            return Ok(());
        }
        let head = layout::read_head(&tx).await?;
        let change_sets = regroup(edits)?;
        let mut hlc = Hlc::new(head.replica, head.clock);
        let chunks = tx.object_store(CHUNKS)?;
        let mut seq = head.seq;
        for batch in change_sets.chunks(CHUNK_SIZE) {
            seq += 1;
            chunks.put(&StoredChunk::new(seq, now_ms(), None, batch)?).with_key(seq).serde()?;
        }
        for change_set in &change_sets {
            hlc.observe(change_set.stamp);
        }
        Head { replica: head.replica, clock: hlc.state(), seq }.put(&tx)?;
        legacy.clear()?;
        tx.commit().await?;
        Ok(())
    }

    /// One change set per (record, stamp), its id taken from its first edit's id.
    pub fn regroup(edits: Vec<LegacyEdit>) -> Result<Vec<ChangeSet>, StoreError> {
        let mut groups: BTreeMap<(RecordId, Stamp), Vec<LegacyEdit>> = BTreeMap::new();
        for edit in edits {
            groups.entry((edit.record, edit.stamp)).or_default().push(edit);
        }
        // Version 1 histories were linear: each set replaced the field's previous value.
        let mut previous: BTreeMap<(RecordId, String), Stamp> = BTreeMap::new();
        let mut out = Vec::new();
        for ((record, stamp), mut group) in groups {
            crate::domain::sort::sort_by(&mut group, |a, b| a.id.cmp(&b.id));
            let first = &group[0];
            let id = ChangeSetId::parse(&first.id)
                .ok_or_else(|| StoreError::Corrupt(format!("version 1 edit id `{}` is not a UUID", first.id)))?;
            let change_set = ChangeSet {
                id,
                record,
                kind: first.kind.as_str().into(),
                member: first.member.clone(),
                at: first.at,
                stamp,
                edits: group
                    .iter()
                    .map(|e| {
                        let replaces = previous.insert((record, e.field.clone()), stamp).into_iter().collect();
                        Edit::set(&e.field, e.value.clone(), replaces)
                    })
                    .collect(),
            };
            out.push(change_set.validated()?);
        }
        Ok(out)
    }
}
