//! The shape of what is stored: object store names, the chunk and snapshot values.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::Transaction;
use indexed_db_futures::SerialiseToJs;
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::domain::clock::ClockState;
use crate::domain::edit::ChangeSet;
use crate::domain::ids::ReplicaId;
use crate::domain::record::{Record, Records};
use crate::domain::snapshot;
use crate::sync::file::{canonical_change_sets, chunk_text, indexed_change_sets, CanonicalChangeSet, FileText};

/// Chunks of change sets, keyed by arrival sequence.
pub const CHUNKS: &str = "changes";
/// The multi-entry index of the records a chunk touches, filled by chunks stored before schema
/// version 4 and read by nothing since (`record_chunks` replaced it).
pub const BY_RECORD: &str = "by_record";
/// Snapshot pages of folded records, keyed by page number.
pub const PAGES: &str = "pages";
/// Small values: the clock head and the snapshot description.
pub const META: &str = "meta";
pub const HEAD_KEY: &str = "head";
pub const SNAPSHOT_KEY: &str = "snapshot";
/// The last import (local bookkeeping for "undo the last import").
pub const LAST_IMPORT_KEY: &str = "last_import";
/// The arrival sequence at the last export.
pub const EXPORTED_KEY: &str = "exported";
/// Per teammate, the arrival sequence their last export held everything up to.
pub const EXPORTS_TO_KEY: &str = "exports_to";

/// Change sets per chunk in a bulk write.
pub const CHUNK_SIZE: usize = 1_000;
/// Records per snapshot page.
pub const PAGE_SIZE: usize = 1_000;
/// Chunks folded on top of the snapshot at load before it is rewritten.
pub const COMPACT_AFTER: usize = 200;

/// The replica's clock and arrival sequence, advanced in every writing transaction.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Head {
    pub replica: ReplicaId,
    pub clock: ClockState,
    /// The sequence number of the last chunk written.
    pub seq: u64,
}

impl Head {
    /// Writes the head in the caller's read-write transaction (which must include `META`).
    /// Serialised first and put as it is: a put through `.serde()` would decode the key
    /// IndexedDB answers with serde's decoder, whose error messages' code would then be in
    /// the first screen's module, which writes the first head of a new database.
    pub fn put(&self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        let value = self.serialise_to_js()?;
        tx.object_store(META)?.put(value).with_key(HEAD_KEY).primitive()?;
        Ok(())
    }
}

/// The last import: its tag and the chunks it wrote. Never exported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportRecord {
    pub tag: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub change_sets: u64,
    pub arrived: f64,
}

/// Where the arrival sequence stood at the last export. Never exported.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ExportMark {
    pub seq: u64,
    pub at: f64,
}

/// Which fold of which chunks the snapshot pages hold.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// The fold code's version: a snapshot of another version is rebuilt from change sets.
    pub fold: u32,
    /// The last chunk sequence folded into the pages.
    pub through: u64,
    pub pages: u32,
    pub records: u32,
}

impl SnapshotInfo {
    /// The description `put_pages` stores, read without serde's deserializer: its error
    /// messages format floats, and that code would otherwise be in the first screen's module
    /// for this one value of four whole numbers. `None` when there is none, or when it is not
    /// an object of four whole numbers in range: the snapshot is only a cache, and a start
    /// then folds it again from the chunks.
    pub async fn read(tx: &Transaction<'_>) -> Result<Option<SnapshotInfo>, StoreError> {
        let value: Option<wasm_bindgen::JsValue> = tx.object_store(META)?.get(SNAPSHOT_KEY).primitive()?.await?;
        Ok(value.and_then(|value| SnapshotInfo::from_stored(&value)))
    }

    fn from_stored(value: &wasm_bindgen::JsValue) -> Option<SnapshotInfo> {
        /// Above it, a JavaScript number no longer holds every whole number.
        const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
        let whole = |name: &str| {
            let n = js_sys::Reflect::get(value, &name.into()).ok()?.as_f64()?;
            ((0.0..=MAX_SAFE_INTEGER).contains(&n) && n.fract() == 0.0).then_some(n as u64)
        };
        Some(SnapshotInfo {
            fold: whole("fold")?.try_into().ok()?,
            through: whole("through")?,
            pages: whole("pages")?.try_into().ok()?,
            records: whole("records")?.try_into().ok()?,
        })
    }

    /// Bump when `Record`'s stored form or the fold changes meaning.
    /// 2: binary pages (`domain::snapshot`) instead of JSON text.
    /// 3: redactions (heads know their edit's index, entries their redaction) and values of
    /// unknown types.
    /// 4: the snapshot's own binary form (`domain::snapshot`, no longer postcard's).
    /// 5: each page lists its field ids and members once; records name them by position.
    /// 6: stamps name their replica by position in a page table and write their wall time as a
    ///    distance from the record's creation.
    /// 7: short text values are named by position in a page table.
    pub const FOLD_VERSION: u32 = 7;
}

/// One stored chunk: change sets that arrived together, and local facts about them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredChunk {
    /// Arrival sequence (also the key).
    pub seq: u64,
    /// Local time of arrival, ms since the epoch.
    pub arrived: f64,
    /// The import that brought these change sets, or none when made here.
    pub import: Option<String>,
    /// Ids of the records touched, 16 bytes each (`record_chunks`). Chunks stored before
    /// schema version 4 list them as text in `records` instead, which filled an index.
    #[serde(default, with = "serde_bytes")]
    pub touched: Vec<u8>,
    /// The same as text, in chunks stored before schema version 4 (never written since).
    #[serde(default, skip_serializing)]
    pub records: Vec<String>,
    /// The change sets as a JSON array in UTF-8 (a `Uint8Array`): one value is far cheaper to
    /// store than many objects, and bytes reach the app as they are, where a string is
    /// converted character by character. Schema version 3.
    #[serde(default, with = "serde_bytes", skip_serializing_if = "Option::is_none")]
    pub text: Option<Vec<u8>>,
    /// The same as a string, in chunks stored before version 3 (empty since).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub json: String,
    /// Each change set's stamp, id, record and place in the text (`sync::file::chunk_text`),
    /// so that an export orders and selects them without reading the text. Absent in chunks
    /// stored before it existed, which are read instead.
    #[serde(default, with = "serde_bytes", skip_serializing_if = "Option::is_none")]
    pub index: Option<Vec<u8>>,
}

/// A chunk's text: its bytes (since version 3) or its string (before).
fn text_of<'a>(seq: u64, text: &'a Option<Vec<u8>>, json: &'a str) -> Result<&'a str, StoreError> {
    match text {
        Some(bytes) => std::str::from_utf8(bytes)
            .map_err(|_| StoreError::Corrupt(format!("stored change sets (chunk {seq}) are not text"))),
        None => Ok(json),
    }
}

/// Only the change sets' text of a stored chunk: what an export reads (the other members,
/// the touched records' ids above all, are not converted at all).
#[derive(Debug, Clone, Deserialize)]
pub struct ChunkText {
    pub seq: u64,
    #[serde(default, with = "serde_bytes")]
    text: Option<Vec<u8>>,
    #[serde(default)]
    json: String,
    #[serde(default, with = "serde_bytes")]
    index: Option<Vec<u8>>,
}

impl ChunkText {
    pub fn text(&self) -> Result<&str, StoreError> {
        text_of(self.seq, &self.text, &self.json)
    }

    /// The change sets, by the index when there is one that fits.
    pub fn change_sets(&self) -> Result<Vec<CanonicalChangeSet<'_>>, StoreError> {
        let text = self.text()?;
        if let Some(sets) = self.index.as_deref().and_then(|index| indexed_change_sets(text, index)) {
            return Ok(sets);
        }
        canonical_change_sets(text)
            .map_err(|e| StoreError::Corrupt(format!("stored change sets (chunk {}) do not read: {e}", self.seq)))
    }
}

impl StoredChunk {
    pub fn new(seq: u64, arrived: f64, import: Option<String>, change_sets: &[ChangeSet]) -> Result<Self, StoreError> {
        Self::with_texts(seq, arrived, import, change_sets, &[])
    }

    /// A chunk of `change_sets`, taking each one's text from `texts` (in the same order) where
    /// it is known: the text an imported file wrote, which is what serialising it gives
    /// (`sync::file::ReadFile::texts`).
    pub fn with_texts(
        seq: u64,
        arrived: f64,
        import: Option<String>,
        change_sets: &[ChangeSet],
        texts: &[Option<FileText>],
    ) -> Result<Self, StoreError> {
        let records: std::collections::BTreeSet<_> = change_sets.iter().map(|cs| cs.record).collect();
        let touched = super::record_chunks::touched_bytes(records.iter());
        let (text, index) = chunk_text(change_sets, texts).map_err(|e| StoreError::Failed(e.to_string()))?;
        Ok(Self {
            seq,
            arrived,
            import,
            touched,
            records: Vec::new(),
            text: Some(text),
            json: String::new(),
            index: Some(index),
        })
    }

    /// The ids of the records it touches, 16 bytes each, whichever way it lists them.
    pub fn touched_ids(&self) -> Vec<u8> {
        if self.records.is_empty() {
            return self.touched.clone();
        }
        self.records.iter().filter_map(|r| crate::domain::ids::RecordId::parse(r)).flat_map(|r| r.to_bytes()).collect()
    }

    pub fn change_sets(&self) -> Result<Vec<ChangeSet>, StoreError> {
        serde_json::from_str(text_of(self.seq, &self.text, &self.json)?)
            .map_err(|e| StoreError::Corrupt(format!("stored change sets (chunk {}) do not parse: {e}", self.seq)))
    }
}

/// The clock head, read inside the caller's transaction (which must include `META`).
pub async fn read_head(tx: &Transaction<'_>) -> Result<Head, StoreError> {
    let head: Option<Head> = tx.object_store(META)?.get(HEAD_KEY).serde()?.await?;
    head.ok_or_else(|| StoreError::Corrupt("the clock record is missing".into()))
}

/// Reads a snapshot page: the bytes of `snapshot::encode`, stored as a `Uint8Array`.
pub fn decode_page(value: &wasm_bindgen::JsValue) -> Result<Vec<Record>, StoreError> {
    use wasm_bindgen::JsCast;
    let bytes = value
        .dyn_ref::<js_sys::Uint8Array>()
        .ok_or_else(|| StoreError::Corrupt("a snapshot page is not binary".into()))?
        .to_vec();
    snapshot::decode(&bytes).map_err(|e| StoreError::Corrupt(format!("a snapshot page does not decode: {e}")))
}

/// Replaces the snapshot with `records`, covering chunks up to `through`. The transaction must
/// include `PAGES` and `META` in read-write mode.
pub fn put_snapshot(tx: &Transaction<'_>, records: &Records, through: u64) -> Result<(), StoreError> {
    let all: Vec<&Record> = records.iter().collect();
    put_pages(tx, &encode_pages(&all), all.len() as u32, through)
}

/// `records` (in id order) as snapshot pages of [`PAGE_SIZE`] records each but the last: what
/// [`put_pages`] stores. A slice of a whole multiple of `PAGE_SIZE` records makes the same
/// pages as its part of the whole.
pub fn encode_pages(records: &[&Record]) -> Vec<Vec<u8>> {
    records.chunks(PAGE_SIZE).map(snapshot::encode).collect()
}

/// Replaces the snapshot with `pages` (of [`PAGE_SIZE`] records each but the last, encoded
/// by `snapshot::encode`) holding `records` records, covering chunks up to `through`. The
/// transaction must include `PAGES` and `META` in read-write mode.
pub fn put_pages(tx: &Transaction<'_>, pages: &[Vec<u8>], records: u32, through: u64) -> Result<(), StoreError> {
    let store = tx.object_store(PAGES)?;
    store.clear()?;
    for (number, bytes) in pages.iter().enumerate() {
        let value: wasm_bindgen::JsValue = js_sys::Uint8Array::from(bytes.as_slice()).into();
        store.put(value).with_key(number as u32).primitive()?;
    }
    let info = SnapshotInfo { fold: SnapshotInfo::FOLD_VERSION, through, pages: pages.len() as u32, records };
    tx.object_store(META)?.put(&info).with_key(SNAPSHOT_KEY.to_string()).serde()?;
    Ok(())
}
