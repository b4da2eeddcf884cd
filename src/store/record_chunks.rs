//! Which stored chunks hold each record's change sets: what a record's history, an export of
//! chosen records and a redaction look up.
//!
//! It is one value in `meta`: pairs of a record id and a chunk's arrival sequence (24 bytes a
//! pair), covering every chunk up to its `through`. Chunks after it (the edits made since the
//! last bulk write) are looked at one by one: each chunk lists the records it touches
//! (`StoredChunk::touched`). Bulk writes (imports, sample data) and the compaction at load
//! bring the value up to date in their own transaction.
//!
//! Until schema version 4 this was a multi-entry index on the chunks (`by_record`). IndexedDB
//! writes an index entry per record per chunk, and for an import of 50,000 records those
//! entries cost more than half a second, as much as writing the chunks themselves. The index
//! is still declared (an upgrade cannot drop it through this crate) but no chunk fills it
//! since.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::Transaction;
use indexed_db_futures::KeyRange;
use wasm_bindgen::{JsCast, JsValue};

use super::layout::{StoredChunk, CHUNKS, META};
use super::StoreError;
use crate::domain::ids::RecordId;

/// The key of the value in `meta`.
pub(super) const KEY: &str = "record_chunks";

/// Bytes of one (record id, arrival sequence) pair.
const PAIR: usize = 24;

/// The value: the arrival sequence it covers every chunk up to, then the pairs: a record id
/// (16 bytes) and an arrival sequence (8 bytes), little-endian. Stored as bytes (a
/// `Uint8Array`), read and written without serde.
#[derive(Debug, Default)]
struct RecordChunks {
    through: u64,
    pairs: Vec<u8>,
}

impl RecordChunks {
    fn read(value: Option<JsValue>) -> RecordChunks {
        let Some(bytes) = value.and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok()).map(|a| a.to_vec()) else {
            return RecordChunks::default();
        };
        let through = bytes.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
        match through {
            // A damaged value covers nothing: every chunk is looked at, and the next bulk
            // write rewrites it.
            Some(through) if (bytes.len() - 8) % PAIR == 0 => {
                RecordChunks { through, pairs: bytes.get(8..).unwrap_or_default().to_vec() }
            }
            _ => RecordChunks::default(),
        }
    }

    fn value(&self) -> JsValue {
        let mut bytes = Vec::with_capacity(8 + self.pairs.len());
        bytes.extend_from_slice(&self.through.to_le_bytes());
        bytes.extend_from_slice(&self.pairs);
        js_sys::Uint8Array::from(bytes.as_slice()).into()
    }

    fn pairs(&self) -> impl Iterator<Item = (RecordId, u64)> + '_ {
        self.pairs.chunks_exact(PAIR).map(|pair| {
            let (id, seq) = pair.split_at(16);
            let id: [u8; 16] = id.try_into().unwrap_or_default();
            let seq: [u8; 8] = seq.try_into().unwrap_or_default();
            (RecordId::from_bytes(id), u64::from_le_bytes(seq))
        })
    }

    fn add(&mut self, seq: u64, touched: &[u8]) {
        for id in touched.chunks_exact(16) {
            self.pairs.extend_from_slice(id);
            self.pairs.extend_from_slice(&seq.to_le_bytes());
        }
        self.through = self.through.max(seq);
    }
}

/// The record ids `records` as [`StoredChunk::touched`](super::layout::StoredChunk) stores
/// them.
pub(super) fn touched_bytes<'a>(records: impl Iterator<Item = &'a RecordId>) -> Vec<u8> {
    records.flat_map(|r| r.to_bytes()).collect()
}

async fn read(tx: &Transaction<'_>) -> Result<RecordChunks, StoreError> {
    let value: Option<JsValue> = tx.object_store(META)?.get(KEY).primitive()?.await?;
    Ok(RecordChunks::read(value))
}

fn write(tx: &Transaction<'_>, kept: &RecordChunks) -> Result<(), StoreError> {
    tx.object_store(META)?.put(kept.value()).with_key(KEY.to_string()).primitive()?;
    Ok(())
}

/// The chunks in `range` with the records each touches.
async fn touched_in(tx: &Transaction<'_>, range: KeyRange<u64>) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    let found = tx.object_store(CHUNKS)?.get_all::<StoredChunk>().with_query::<u64, _>(range).serde()?.await?;
    found.map(|chunk| chunk.map(|c| (c.seq, c.touched_ids())).map_err(StoreError::from)).collect()
}

/// The arrival sequences of the chunks holding change sets of any of `records`. The
/// transaction must include `CHUNKS` and `META`.
pub(super) async fn chunks_holding(
    tx: &Transaction<'_>,
    records: &BTreeSet<RecordId>,
) -> Result<BTreeSet<u64>, StoreError> {
    let kept = read(tx).await?;
    let mut seqs: BTreeSet<u64> = kept.pairs().filter(|(r, _)| records.contains(r)).map(|(_, seq)| seq).collect();
    for (seq, touched) in touched_in(tx, KeyRange::LowerBound(kept.through, true)).await? {
        let mut ids = touched.chunks_exact(16).filter_map(|id| id.try_into().ok()).map(RecordId::from_bytes);
        if ids.any(|id| records.contains(&id)) {
            seqs.insert(seq);
        }
    }
    Ok(seqs)
}

/// Brings the value up to date, in a read-write transaction on `CHUNKS` and `META`: the
/// chunks stored after what it covers are read (their lists of records), then `written`
/// (arrival sequence and [`touched_bytes`], newer than every stored chunk not in it: the
/// chunks this transaction wrote) added without reading them back.
pub(super) async fn note(tx: &Transaction<'_>, written: &[(u64, Vec<u8>)]) -> Result<(), StoreError> {
    let mut kept = read(tx).await?;
    let range = match written.first() {
        Some((first, _)) => KeyRange::Bound(kept.through, true, *first, true),
        None => KeyRange::LowerBound(kept.through, true),
    };
    // An empty range (nothing between) is refused by IndexedDB; it holds nothing anyway.
    let between = match written.first() {
        Some((first, _)) if *first <= kept.through + 1 => Vec::new(),
        _ => touched_in(tx, range).await?,
    };
    for (seq, touched) in between {
        kept.add(seq, &touched);
    }
    for (seq, touched) in written {
        kept.add(*seq, touched);
    }
    write(tx, &kept)
}

/// Writes a value covering no chunk, for a new database, in a read-write transaction on
/// `META`.
pub(super) fn start_empty(tx: &Transaction<'_>) -> Result<(), StoreError> {
    write(tx, &RecordChunks::default())
}

/// Forgets the chunks in `removed` (an import undone), in a read-write transaction on `META`.
pub(super) async fn forget(tx: &Transaction<'_>, removed: RangeInclusive<u64>) -> Result<(), StoreError> {
    let kept = read(tx).await?;
    let mut pairs = Vec::with_capacity(kept.pairs.len());
    for pair in kept.pairs.chunks_exact(PAIR) {
        let seq = u64::from_le_bytes(pair[16..].try_into().unwrap_or_default());
        if !removed.contains(&seq) {
            pairs.extend_from_slice(pair);
        }
    }
    let kept = RecordChunks { through: kept.through, pairs };
    write(tx, &kept)
}

/// Whether the value exists, read in the caller's transaction on `META` (a database that has
/// chunks but not the value is one from before schema version 4, or one whose value a tab
/// closed before it was first written).
pub(super) async fn is_kept(tx: &Transaction<'_>) -> Result<bool, StoreError> {
    let key: Option<String> = tx.object_store(META)?.get_key(KEY).with_key_type::<String>().primitive()?.await?;
    Ok(key.is_some())
}
