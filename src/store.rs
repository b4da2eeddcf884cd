//! IndexedDB persistence behind a small interface: open, load, commit, history, stats.
//!
//! IndexedDB costs per value far more than per byte, so the layout batches:
//!
//! - `changes`: change sets in chunks, keyed by a local arrival sequence. A user action is one
//!   small chunk; a bulk write is chunks of [`layout::CHUNK_SIZE`] change sets. Beside the
//!   change sets a chunk keeps the local facts that are never exported: when it arrived and
//!   which import brought it, and the records it touches; `meta` keeps which chunks hold each
//!   record ([`record_chunks`]).
//! - `pages`: a snapshot of the folded records in pages, for a fast start. The change sets stay
//!   the truth: the snapshot says which arrival sequence it covers, newer chunks are folded on
//!   top at load, and a snapshot of another fold version is rebuilt from all change sets.
//! - `meta`: the clock state and replica id, advanced inside each writing transaction (which
//!   IndexedDB serialises across tabs), so two tabs never hand out equal stamps.
//!
//! [`schema`] holds the versions and migrations.

mod browser;
mod digest;
mod error;
mod export;
mod fingerprint;
mod layout;
mod record_chunks;
pub mod schema;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use indexed_db_futures::KeyRange;
use indexed_db_futures::SerialiseToJs;

use crate::domain::clock::{Hlc, Stamp};
use crate::domain::edit::{ChangeSet, Draft, EditRef, FieldId};
use crate::domain::ids::{ChangeSetId, RecordId, ReplicaId};
use crate::domain::record::{Record, Records};
use crate::sync::file::FileText;

pub use browser::{crypto_random_bytes, now_ms, random_bytes, request_persistence, storage_estimate, StorageEstimate};
pub use digest::{sha256, sha256_off_thread, FileReading, OffThread};
pub use error::StoreError;
pub use export::{blob_bytes, json_blob, BodyInHand, BodyToKeep, ExportScope, ExportedFile};

pub use layout::{encode_pages as snapshot_pages, ExportMark, PAGE_SIZE as SNAPSHOT_PAGE_SIZE};
use layout::{
    ChunkText, Head, ImportRecord, SnapshotInfo, StoredChunk, CHUNKS, EXPORTED_KEY, EXPORTS_TO_KEY, HEAD_KEY,
    LAST_IMPORT_KEY, META, PAGES,
};

/// What a load found.
pub struct Loaded {
    pub records: Records,
    /// Chunks folded on top of the snapshot (0 right after a compaction).
    pub pending_chunks: usize,
    /// The arrival sequence of the last chunk read: later chunks are news.
    pub through: u64,
}

/// What [`Store::read_snapshot`] found.
pub enum SnapshotRead {
    /// The snapshot holds every stored chunk: these are the records.
    Current(Loaded),
    /// Chunks were stored after the snapshot, or it is missing or damaged: see
    /// [`Store::catch_up_snapshot`].
    Behind(Behind),
}

/// A snapshot's records, behind the stored chunks.
pub struct Behind {
    records: Records,
    /// The arrival sequence the snapshot covers; `None` when it was unusable (its records
    /// are then empty and every chunk is folded).
    through: Option<u64>,
}

/// The snapshot a writing transaction puts with its change sets.
enum Snapshot<'a> {
    /// Fold the change sets into these records (updated only if the transaction commits).
    Fold(&'a mut Records),
    /// Records folded elsewhere already on top of the chunks up to this arrival sequence (an
    /// import's plan): their snapshot is kept after the transaction ([`Store::keep_snapshot`]).
    KeptAfter(u64),
}

/// What a write stored.
pub struct Written {
    pub change_sets: Vec<ChangeSet>,
    /// The arrival sequences of the chunks written (empty when nothing was written).
    pub chunks: std::ops::RangeInclusive<u64>,
}

/// Chunks that arrived after a given sequence, for tabs to catch up with each other.
pub struct News {
    pub chunks: Vec<(u64, Vec<ChangeSet>)>,
    pub through: u64,
}

/// The last import, as the Share page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct LastImport {
    pub tag: String,
    pub change_sets: u64,
    /// Local arrival time, ms since the epoch.
    pub arrived: f64,
    /// `Ok` while it can be undone; otherwise why not.
    pub undo: Result<(), UndoRefusal>,
}

/// Why the last import can no longer be undone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UndoRefusal {
    #[error("something was recorded here after it")]
    ChangedSince,
    #[error("this browser exported its data after it")]
    ExportedSince,
}

fn undo_check(import: &ImportRecord, head_seq: u64, exported_seq: u64) -> Result<(), UndoRefusal> {
    if head_seq != import.last_seq {
        Err(UndoRefusal::ChangedSince)
    } else if exported_seq >= import.first_seq {
        Err(UndoRefusal::ExportedSince)
    } else {
        Ok(())
    }
}

/// An open Servicebook database.
#[derive(Clone)]
pub struct Store {
    db: Database,
    /// The chunks the last bulk write into an empty database stored, as stored, for the body
    /// kept ahead of exports to be put together from without reading 86 MB back
    /// ([`export::FreshChunks`]); cleared by the next write.
    fresh: std::rc::Rc<std::cell::RefCell<Option<export::FreshChunks>>>,
}

impl Store {
    /// Opens (creating or migrating) the database `name`. `on_blocked` is called when another
    /// tab holds an older version open, while this open waits for it to close.
    pub async fn open(name: &str, on_blocked: impl FnOnce() + 'static) -> Result<Store, StoreError> {
        let (store, migration) = Store::open_unmigrated(name, on_blocked).await?;
        if let Some(migration) = migration {
            store.migrate(migration).await?;
        }
        Ok(store)
    }

    /// As [`Store::open`], but a database of an older layout is left for [`Store::migrate`]
    /// (the app's start fetches the migration's code only when a database needs it). Nothing
    /// may be read or written before the migration has run.
    pub async fn open_unmigrated(
        name: &str,
        on_blocked: impl FnOnce() + 'static,
    ) -> Result<(Store, Option<schema::Migration>), StoreError> {
        let (db, migration) = schema::open(name, on_blocked).await?;
        Ok((Store { db, fresh: Default::default() }, migration))
    }

    /// Moves an older layout's data into the current one (see [`schema`]).
    pub async fn migrate(&self, migration: schema::Migration) -> Result<(), StoreError> {
        schema::migrate(&self.db, migration).await
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Reads the records: the snapshot plus newer chunks; rebuilds the snapshot when it is
    /// missing, of another fold version, or far behind.
    pub async fn load(&self) -> Result<Loaded, StoreError> {
        self.load_showing_newest(|_, _| {}).await
    }

    /// As [`Store::load`], reading the newest snapshot page first and handing its records to
    /// `newest`, with how many records the snapshot holds in all, before the other pages are
    /// read: a start can show the latest records while the rest load. Not called when the
    /// snapshot is a single page (the whole load is as quick) or unusable.
    pub async fn load_showing_newest(&self, newest: impl FnOnce(&[Record], usize)) -> Result<Loaded, StoreError> {
        match self.read_snapshot(newest).await? {
            SnapshotRead::Current(loaded) => Ok(loaded),
            SnapshotRead::Behind(behind) => self.catch_up_snapshot(behind).await,
        }
    }

    /// The first half of [`Store::load_showing_newest`]: the snapshot's pages, and whether
    /// chunks were stored after it (or it is missing or damaged), which
    /// [`Store::catch_up_snapshot`] then folds in. Reading the snapshot needs no change-set
    /// parsing, so a start whose snapshot is current needs none of that code.
    pub async fn read_snapshot(&self, newest: impl FnOnce(&[Record], usize)) -> Result<SnapshotRead, StoreError> {
        let tx = self.db.transaction([CHUNKS, PAGES, META]).build()?;
        let snapshot = SnapshotInfo::read(&tx).await?;
        let usable = snapshot.filter(|s| s.fold == SnapshotInfo::FOLD_VERSION);
        // Every read is sent at once (a request is sent when it is built, not when awaited),
        // one per page, so that each page is decoded as it arrives while IndexedDB reads the
        // next ones: reading and decoding overlap instead of following each other.
        let page_store = tx.object_store(PAGES)?;
        let page_reads = match usable {
            // The newest page (records are paged in id order, which is creation order) first.
            Some(info) => (info.pages.saturating_sub(1)..info.pages)
                .chain(0..info.pages.saturating_sub(1))
                .map(|n| page_store.get(n).primitive())
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let mut newest = usable.filter(|info| info.pages > 1).map(|info| (newest, info.records as usize));
        let through = usable.map(|s| s.through).unwrap_or(0);
        // Chunks are keyed by numbers: a `u64` key would go to IndexedDB as a BigInt, which is
        // not a valid key.
        let newer = tx
            .object_store(CHUNKS)?
            .count()
            .with_query::<f64, _>(KeyRange::LowerBound(through as f64, true))
            .primitive()?;
        let mut records = Records::default();
        let mut damaged = false;
        for read in page_reads {
            let page = read.await?;
            if damaged {
                continue;
            }
            match page.map(|page| layout::decode_page(&page)) {
                Some(Ok(page)) => {
                    if let Some((show, total)) = newest.take() {
                        show(&page, total);
                    }
                    records.extend_snapshot(page);
                }
                // A missing or damaged page: the snapshot is only a cache, so every change set
                // is folded again.
                None | Some(Err(_)) => damaged = true,
            }
        }
        let newer = newer.await?;
        drop(tx);
        Ok(match usable {
            // Nothing after the snapshot (or, for a new database, no snapshot and no chunk).
            _ if !damaged && newer == 0 => SnapshotRead::Current(Loaded { records, pending_chunks: 0, through }),
            Some(_) if !damaged => SnapshotRead::Behind(Behind { records, through: Some(through) }),
            _ => SnapshotRead::Behind(Behind { records: Records::default(), through: None }),
        })
    }

    /// The second half of [`Store::load_showing_newest`]: folds the chunks stored after the
    /// snapshot into its records (all chunks when it was unusable), and writes the snapshot
    /// again when it was unusable or far behind.
    pub async fn catch_up_snapshot(&self, behind: Behind) -> Result<Loaded, StoreError> {
        let Behind { mut records, through } = behind;
        let newer = self.chunks_after(through.unwrap_or(0)).await?;
        let mut last = through.unwrap_or(0);
        for chunk in &newer {
            for change_set in chunk.change_sets()? {
                records.apply(&change_set);
            }
            last = last.max(chunk.seq);
        }
        let pending_chunks = newer.len();
        if through.is_none() || pending_chunks > layout::COMPACT_AFTER {
            self.write_snapshot(&records, last).await?;
            return Ok(Loaded { records, pending_chunks: 0, through: last });
        }
        Ok(Loaded { records, pending_chunks, through: last })
    }

    /// Stamps and stores the drafts (one user action) as one small chunk, in one transaction.
    /// Returns the stored change sets, for the caller to fold into its records. Nothing is
    /// stored if any draft is invalid.
    pub async fn commit(&self, drafts: Vec<Draft>) -> Result<Written, StoreError> {
        if drafts.is_empty() {
            #[allow(clippy::reversed_empty_ranges)] // no chunk was stored
            return Ok(Written { change_sets: Vec::new(), chunks: 1..=0 });
        }
        let stamp_all = |hlc: &mut Hlc, now: f64| -> Result<Vec<ChangeSet>, StoreError> {
            let now = now.max(0.0) as u64;
            Ok(drafts.into_iter().map(|draft| draft.stamp(hlc.tick(now))).collect::<Result<_, _>>()?)
        };
        self.write(stamp_all, &[], None, None).await
    }

    /// Stores change sets stamped elsewhere (sample data; teammates' files) as one import,
    /// tagged `import`, with a fresh snapshot, in one transaction; `records` is updated only
    /// if it commits. The clock moves past every stamp stored.
    pub async fn import(
        &self,
        change_sets: Vec<ChangeSet>,
        import: &str,
        records: &mut Records,
    ) -> Result<Written, StoreError> {
        let checked = change_sets.into_iter().map(ChangeSet::validated).collect::<Result<Vec<_>, _>>()?;
        let observe = |hlc: &mut Hlc, _now: f64| -> Result<Vec<ChangeSet>, StoreError> {
            for change_set in &checked {
                hlc.observe(change_set.stamp);
            }
            Ok(checked)
        };
        self.write(observe, &[], Some(import), Some(Snapshot::Fold(records))).await
    }

    /// Stores the change sets of planned imports as one import, tagged `import`, in one
    /// transaction. Refused, with nothing written, if anything was stored after `planned_at`,
    /// the arrival sequence the plans were made against. The clock moves past every stamp
    /// stored.
    ///
    /// The snapshot is not written here: the caller holds the records the plans folded and
    /// keeps their snapshot afterwards ([`Store::keep_snapshot`]), so that the import is done
    /// once its change sets are stored (encoding 50,000 records' snapshot took a third of the
    /// apply). Until then a start folds the import's chunks on top of the older snapshot.
    pub async fn import_planned(
        &self,
        change_sets: Vec<ChangeSet>,
        texts: Vec<Option<FileText>>,
        import: &str,
        planned_at: u64,
    ) -> Result<Written, StoreError> {
        let observe = |hlc: &mut Hlc, _now: f64| -> Result<Vec<ChangeSet>, StoreError> {
            for change_set in &change_sets {
                hlc.observe(change_set.stamp);
            }
            Ok(change_sets)
        };
        self.write(observe, &texts, Some(import), Some(Snapshot::KeptAfter(planned_at))).await
    }

    /// Replaces the snapshot with `pages` (`snapshot::encode`d, of `records` records in id
    /// order), the records folded through arrival sequence `through`, unless anything was
    /// stored since (a later chunk, or an undone import's rebuilt snapshot): then the pages
    /// are not kept (false) and the next start folds what is newer than the snapshot there.
    pub async fn keep_snapshot(&self, pages: &[Vec<u8>], records: u32, through: u64) -> Result<bool, StoreError> {
        let tx = self.db.transaction([PAGES, META]).with_mode(TransactionMode::Readwrite).build()?;
        let head = layout::read_head(&tx).await?;
        let held = SnapshotInfo::read(&tx).await?;
        let newer_held = held.is_some_and(|info| info.fold == SnapshotInfo::FOLD_VERSION && info.through >= through);
        if head.seq != through || newer_held {
            return Ok(false);
        }
        layout::put_pages(&tx, pages, records, through)?;
        tx.commit().await?;
        Ok(true)
    }

    /// The one writing path: reads the clock head, lets `make` stamp (or observe) change sets
    /// with it, stores them in chunks and the advanced head, and with `records` a new
    /// snapshot; all in one transaction. `texts` are the known texts of the change sets
    /// `make` returns, in the same order (`StoredChunk::with_texts`; empty when none is known).
    async fn write(
        &self,
        make: impl FnOnce(&mut Hlc, f64) -> Result<Vec<ChangeSet>, StoreError>,
        texts: &[Option<FileText>],
        import: Option<&str>,
        records: Option<Snapshot<'_>>,
    ) -> Result<Written, StoreError> {
        let stores: &[&str] =
            if matches!(records, Some(Snapshot::Fold(_))) { &[CHUNKS, META, PAGES] } else { &[CHUNKS, META] };
        let tx = self.db.transaction(stores).with_mode(TransactionMode::Readwrite).build()?;
        let meta = tx.object_store(META)?;
        let head = layout::read_head(&tx).await?;
        if let Some(Snapshot::KeptAfter(planned_at)) = &records {
            if head.seq != *planned_at {
                return Err(StoreError::Refused(
                    "something was stored here since the preview (in another tab?): choose the files again".into(),
                ));
            }
        }
        // From here to the commit only IndexedDB requests are awaited, so the transaction
        // stays active and no other tab of this profile can take a stamp in between.
        let mut hlc = Hlc::new(head.replica, head.clock);
        let now = now_ms();
        let change_sets = make(&mut hlc, now)?;
        // Redactions, and more redacted copies of held change sets, rewrite what is stored.
        let in_place = rewrite_redacted(&tx, &change_sets).await?;
        let appended: Vec<ChangeSet> = if in_place.is_empty() {
            Vec::new()
        } else {
            change_sets.iter().filter(|cs| !in_place.contains(&cs.id)).cloned().collect()
        };
        let to_append: &[ChangeSet] = if in_place.is_empty() { &change_sets } else { &appended };
        // The texts line up with `change_sets`; when some were rewritten in place, every
        // appended one is written anew (rare: redactions of held change sets).
        let texts: &[Option<FileText>] =
            if in_place.is_empty() && texts.len() == to_append.len() { texts } else { &[] };
        let chunks = tx.object_store(CHUNKS)?;
        let mut seq = head.seq;
        let mut written = Vec::new();
        // A bulk write into an empty database keeps what it stored (`Store::fresh`).
        let keep_fresh = records.is_some() && head.seq == 0 && in_place.is_empty();
        self.fresh.borrow_mut().take();
        let mut fresh = Vec::new();
        for (n, batch) in to_append.chunks(layout::CHUNK_SIZE).enumerate() {
            seq += 1;
            let batch_texts = texts.get(n * layout::CHUNK_SIZE..n * layout::CHUNK_SIZE + batch.len()).unwrap_or(&[]);
            let chunk = StoredChunk::with_texts(seq, now, import.map(str::to_string), batch, batch_texts)?;
            // As `.serde()` stores it; the key as a number, as serde writes a `u64`.
            let value = chunk.serialise_to_js()?;
            chunks.put(value.clone()).with_key(seq as f64).primitive()?;
            if keep_fresh {
                fresh.push(value);
            }
            written.push((seq, chunk.touched));
        }
        let rewrites = if keep_fresh { export::rewrites(&tx).await? } else { 0 };
        // A bulk write (it carries a snapshot) brings the record-to-chunks value up to date; a
        // user's edit leaves its chunk to be looked at after it (`record_chunks`).
        if records.is_some() {
            record_chunks::note(&tx, &written).await?;
        }
        Head { replica: head.replica, clock: hlc.state(), seq }.put(&tx)?;
        if let (Some(tag), true) = (import, seq > head.seq) {
            let record = ImportRecord {
                tag: tag.to_string(),
                first_seq: head.seq + 1,
                last_seq: seq,
                change_sets: to_append.len() as u64,
                arrived: now,
            };
            meta.put(&record).with_key(LAST_IMPORT_KEY.to_string()).serde()?;
        }
        match records {
            Some(Snapshot::Fold(records)) => {
                let mut folded = records.clone();
                for change_set in &change_sets {
                    folded.apply(change_set);
                }
                layout::put_snapshot(&tx, &folded, seq)?;
                tx.commit().await?;
                *records = folded;
            }
            Some(Snapshot::KeptAfter(_)) | None => tx.commit().await?,
        }
        if keep_fresh && !fresh.is_empty() {
            *self.fresh.borrow_mut() = Some(export::FreshChunks { raw: fresh, through: seq, rewrites });
        }
        Ok(Written { change_sets, chunks: head.seq + 1..=seq })
    }

    /// The stored chunks after arrival sequence `seq`, in order.
    async fn chunks_after(&self, seq: u64) -> Result<Vec<StoredChunk>, StoreError> {
        let tx = self.db.transaction(CHUNKS).build()?;
        let chunks = tx
            .object_store(CHUNKS)?
            .get_all::<StoredChunk>()
            .with_query::<u64, _>(KeyRange::LowerBound(seq, true))
            .serde()?
            .await?;
        chunks.collect::<Result<_, _>>().map_err(StoreError::from)
    }

    /// Chunks stored after `seq` (by this tab or another), with their change sets.
    pub async fn news_after(&self, seq: u64, skip: Option<RangeInclusive<u64>>) -> Result<News, StoreError> {
        let tx = self.db.transaction(CHUNKS).build()?;
        let store = tx.object_store(CHUNKS)?;
        // The chunks in `skip` (this tab's own, folded already) are not read at all: after a
        // large import they are most of the database.
        let ranges = match skip.clone().filter(|s| *s.start() > seq && s.start() <= s.end()) {
            Some(skip) => {
                vec![KeyRange::Bound(seq, true, *skip.start(), true), KeyRange::LowerBound(*skip.end(), true)]
            }
            None => vec![KeyRange::LowerBound(seq, true)],
        };
        let mut news = News { chunks: Vec::new(), through: seq };
        for range in ranges {
            if let KeyRange::LowerBound(from, _) = range {
                news.through = news.through.max(from);
            }
            let chunks = store.get_all::<StoredChunk>().with_query::<u64, _>(range).serde()?.await?;
            for chunk in chunks {
                let chunk = chunk?;
                news.through = news.through.max(chunk.seq);
                if !skip.as_ref().is_some_and(|s| s.contains(&chunk.seq)) {
                    news.chunks.push((chunk.seq, chunk.change_sets()?));
                }
            }
        }
        Ok(news)
    }

    /// Writes the snapshot of `records`, covering chunks up to `through`, and brings the
    /// record-to-chunks value up to date (a compaction).
    async fn write_snapshot(&self, records: &Records, through: u64) -> Result<(), StoreError> {
        let tx = self.db.transaction([CHUNKS, PAGES, META]).with_mode(TransactionMode::Readwrite).build()?;
        layout::put_snapshot(&tx, records, through)?;
        record_chunks::note(&tx, &[]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every change set of one record, in stamp order.
    pub async fn history(&self, record: RecordId) -> Result<Vec<ChangeSet>, StoreError> {
        let tx = self.db.transaction([CHUNKS, META]).build()?;
        let seqs = record_chunks::chunks_holding(&tx, &BTreeSet::from([record])).await?;
        let mut out = Vec::new();
        for chunk in chunks_by_seq::<StoredChunk>(&tx.object_store(CHUNKS)?, &seqs).await? {
            out.extend(chunk.change_sets()?.into_iter().filter(|cs| cs.record == record));
        }
        out.sort_by_key(|cs| cs.stamp);
        out.dedup_by_key(|cs| cs.id);
        Ok(out)
    }

    /// How many change-set chunks are stored.
    pub async fn chunk_count(&self) -> Result<u32, StoreError> {
        let tx = self.db.transaction(CHUNKS).build()?;
        Ok(tx.object_store(CHUNKS)?.count().await?)
    }

    /// This browser profile's replica id.
    pub async fn replica(&self) -> Result<ReplicaId, StoreError> {
        let tx = self.db.transaction(META).build()?;
        Ok(layout::read_head(&tx).await?.replica)
    }

    /// Every stored change set, in arrival order (for tests, rebuilds and exports).
    pub async fn all_change_sets(&self) -> Result<Vec<ChangeSet>, StoreError> {
        let tx = self.db.transaction(CHUNKS).build()?;
        let chunks = tx.object_store(CHUNKS)?.get_all::<StoredChunk>().serde()?.await?;
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(chunk?.change_sets()?);
        }
        Ok(out)
    }

    /// The held change sets with these ids: what an import's preview compares a file with. The
    /// chunks' indexes say where they are, so only those are parsed (a small file checked
    /// against 200,000 held change sets parses a handful, not all of them).
    pub async fn change_sets_with_ids(&self, ids: &BTreeSet<ChangeSetId>) -> Result<Vec<ChangeSet>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.db.transaction(CHUNKS).build()?;
        let chunks = tx.object_store(CHUNKS)?.get_all::<ChunkText>().serde()?.await?;
        let mut out = Vec::new();
        for chunk in chunks {
            let chunk = chunk?;
            for held in chunk.change_sets()?.into_iter().filter(|cs| ids.contains(&cs.id)) {
                let change_set = serde_json::from_str(held.text).map_err(|e| {
                    StoreError::Corrupt(format!(
                        "stored change set {} (chunk {}) does not parse: {e}",
                        held.id, chunk.seq
                    ))
                })?;
                out.push(change_set);
            }
        }
        Ok(out)
    }

    /// Notes that an export was made: an import before it can no longer be undone (a teammate
    /// may hold its edits from this browser's file now); and, for an export to a named
    /// teammate that held everything up to `through`, where the next export to them starts.
    pub async fn mark_exported(&self, to: Option<&str>, through: u64) -> Result<(), StoreError> {
        let tx = self.db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
        let meta = tx.object_store(META)?;
        let head = layout::read_head(&tx).await?;
        let at = now_ms();
        meta.put(&ExportMark { seq: head.seq, at }).with_key(EXPORTED_KEY.to_string()).serde()?;
        if let Some(to) = to {
            let mut marks: BTreeMap<String, ExportMark> = meta.get(EXPORTS_TO_KEY).serde()?.await?.unwrap_or_default();
            marks.insert(to.to_string(), ExportMark { seq: through, at });
            meta.put(&marks).with_key(EXPORTS_TO_KEY.to_string()).serde()?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The teammates exported to, with where the next export to each starts.
    pub async fn export_marks(&self) -> Result<BTreeMap<String, ExportMark>, StoreError> {
        let tx = self.db.transaction(META).build()?;
        let marks: Option<BTreeMap<String, ExportMark>> = tx.object_store(META)?.get(EXPORTS_TO_KEY).serde()?.await?;
        Ok(marks.unwrap_or_default())
    }

    /// The last import, and whether it can still be undone.
    pub async fn last_import(&self) -> Result<Option<LastImport>, StoreError> {
        let tx = self.db.transaction(META).build()?;
        let meta = tx.object_store(META)?;
        let import: Option<ImportRecord> = meta.get(LAST_IMPORT_KEY).serde()?.await?;
        let head: Option<Head> = meta.get(HEAD_KEY).serde()?.await?;
        let exported: Option<ExportMark> = meta.get(EXPORTED_KEY).serde()?.await?;
        Ok(import.map(|import| {
            let undo = undo_check(&import, head.map(|h| h.seq).unwrap_or(0), exported.map(|e| e.seq).unwrap_or(0));
            LastImport { tag: import.tag, change_sets: import.change_sets, arrived: import.arrived, undo }
        }))
    }

    /// Removes exactly the last import's change sets and rebuilds the snapshot from the rest,
    /// in one transaction; refused if anything was stored or exported since. Returns the
    /// records as they are without it. The same file can be imported again afterwards.
    pub async fn undo_last_import(&self) -> Result<Records, StoreError> {
        let tx = self.db.transaction([CHUNKS, META, PAGES]).with_mode(TransactionMode::Readwrite).build()?;
        let meta = tx.object_store(META)?;
        let Some(import): Option<ImportRecord> = meta.get(LAST_IMPORT_KEY).serde()?.await? else {
            return Err(StoreError::Refused("there is no import to undo".into()));
        };
        let head = layout::read_head(&tx).await?;
        let exported: Option<ExportMark> = meta.get(EXPORTED_KEY).serde()?.await?;
        if let Err(refusal) = undo_check(&import, head.seq, exported.map(|e| e.seq).unwrap_or(0)) {
            return Err(StoreError::Refused(refusal.to_string()));
        }
        let chunks = tx.object_store(CHUNKS)?;
        chunks.delete::<u64, _>(KeyRange::Bound(import.first_seq, false, import.last_seq, false)).serde()?;
        export::forget_body(&tx).await?;
        record_chunks::forget(&tx, import.first_seq..=import.last_seq).await?;
        meta.delete::<String, _>(LAST_IMPORT_KEY.to_string()).primitive()?;
        let rest = chunks.get_all::<StoredChunk>().serde()?.await?;
        let mut records = Records::default();
        for chunk in rest {
            for change_set in chunk?.change_sets()? {
                records.apply(&change_set);
            }
        }
        layout::put_snapshot(&tx, &records, head.seq)?;
        tx.commit().await?;
        Ok(records)
    }

    pub fn close(self) {
        self.db.close();
    }
}

/// Rewrites the stored change sets that `incoming` concerns, inside the caller's read-write
/// transaction: those a redaction in it targets lose the value, and those it carries a more
/// redacted copy of are replaced by the join of both copies. Returns the ids of incoming
/// change sets already stored (rewritten in place, not to be stored again). Costs nothing for
/// change sets without redactions, which is nearly all.
async fn rewrite_redacted(
    tx: &indexed_db_futures::transaction::Transaction<'_>,
    incoming: &[ChangeSet],
) -> Result<BTreeSet<ChangeSetId>, StoreError> {
    let relevant: BTreeMap<ChangeSetId, &ChangeSet> =
        incoming.iter().filter(|cs| cs.touches_redactions()).map(|cs| (cs.id, cs)).collect();
    let mut in_place = BTreeSet::new();
    if relevant.is_empty() {
        return Ok(in_place);
    }
    let redactions: Vec<(RecordId, &FieldId, EditRef, Stamp)> = relevant
        .values()
        .flat_map(|cs| cs.redactions().map(move |(field, target)| (cs.record, field, target, cs.stamp)))
        .collect();
    let records: BTreeSet<RecordId> = relevant.values().map(|cs| cs.record).collect();
    let chunks = tx.object_store(CHUNKS)?;
    let mut rewrote = false;
    let holding = record_chunks::chunks_holding(tx, &records).await?;
    for chunk in chunks_by_seq::<StoredChunk>(&chunks, &holding).await? {
        let mut sets = chunk.change_sets()?;
        let mut changed = false;
        for held in sets.iter_mut().filter(|cs| records.contains(&cs.record)) {
            if let Some(copy) = relevant.get(&held.id) {
                in_place.insert(held.id);
                if let Some(joined) = held.join(copy).filter(|joined| joined != held) {
                    *held = joined;
                    changed = true;
                }
            }
            let record = held.record;
            for (_, field, target, by) in redactions.iter().filter(|(r, ..)| *r == record) {
                changed |= held.redact(field, *target, *by);
            }
        }
        if changed {
            let rewritten = StoredChunk::new(chunk.seq, chunk.arrived, chunk.import.clone(), &sets)?;
            chunks.put(&rewritten).with_key(chunk.seq).serde()?;
            rewrote = true;
        }
    }
    if rewrote {
        // The last export's kept body holds the change sets as they were.
        export::forget_body(tx).await?;
    }
    Ok(in_place)
}

/// The chunks with these arrival sequences (those that are gone are left out), every read
/// sent at once. A chunk is read as a range of one key: the same code as reading a range.
async fn chunks_by_seq<T: serde::de::DeserializeOwned>(
    chunks: &indexed_db_futures::object_store::ObjectStore<'_>,
    seqs: &BTreeSet<u64>,
) -> Result<Vec<T>, StoreError> {
    let reads = seqs
        .iter()
        .map(|seq| chunks.get_all::<T>().with_query::<u64, _>(KeyRange::Only(*seq)).serde())
        .collect::<Result<Vec<_>, _>>()?;
    let mut found = Vec::with_capacity(reads.len());
    for read in reads {
        for chunk in read.await? {
            found.push(chunk?);
        }
    }
    Ok(found)
}

/// Records folded from all change sets, ignoring any snapshot (what a rebuild yields).
pub fn fold(change_sets: &[ChangeSet]) -> BTreeMap<RecordId, Record> {
    crate::domain::record::fold_all(change_sets)
}
