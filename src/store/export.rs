//! What an export reads and keeps: the stored change sets as their canonical text, and the
//! body of the last full export.
//!
//! A full export sorts every change set by stamp and hashes them all: for 50,000 records that
//! is most of a hundred megabytes. Written from scratch, the file's checksum is computed by
//! the browser's WebCrypto in a worker (`super::digest`); the hash states a kept body needs are computed after
//! the file is handed over, a slice per turn ([`BodyToKeep::hash`]). Its body (the
//! change-set lines) is kept in `meta` as a
//! `Blob`, with the arrival sequence it covers, the checksum's hash state after it, and a
//! mark every [`MARK_EVERY`] lines ([`KeptBody`]). The next full export reads only the chunks
//! that arrived since. When all of them sort after the body's last line (always so for edits
//! made here, whose stamps are the newest) it hands the browser the kept body plus the new
//! lines, hashing only those. Otherwise (an import of older edits) it reads the kept lines
//! again from the last mark before the first new one and merges them with the new ones.
//!
//! The body is also kept ahead of exports ([`Store::keep_export_ahead`]), put together then in
//! the digest worker from the chunks' texts as stored ([`body_by_plan`]), so that the first
//! export after a start or a large import only continues it. A full export asked for while a
//! body is put together but not yet kept is written from it ([`Store::export_from_body`]).
//!
//! A kept body is valid only while the chunks it was read from are unchanged: rewriting a
//! stored change set (a redaction) or removing chunks (undoing an import) deletes it and
//! counts a *rewrite*, and a body read before a rewrite is not kept.

use std::collections::BTreeSet;

use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use indexed_db_futures::KeyRange;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use super::layout::{self, ChunkText, Head, CHUNKS, META};
use super::{digest, now_ms, Store, StoreError};
use crate::domain::ids::RecordId;
use crate::sync::file::{CanonicalChangeSet, Exporter};
use crate::sync::writer::{
    continue_body, resume_point, Body, BodyHashing, BodyPlan, FileWriter, KeptBody, WholeBody, MARK_EVERY,
};

/// The kept body of the last full export (a `Blob`).
const BODY_KEY: &str = "export_body";
/// Where the kept body stands ([`KeptExport`]).
const BODY_STATE_KEY: &str = "export_body_state";
/// How many times stored chunks were rewritten or removed (a kept body read before is stale).
const REWRITES_KEY: &str = "rewrites";

/// The chunks a bulk write into an empty database stored, as stored ([`Store::fresh`]): every
/// chunk there is, so a body kept ahead is put together from them, not read back.
pub(super) struct FreshChunks {
    pub raw: Vec<JsValue>,
    /// The arrival sequence they end at, and the rewrite count then: used only while the
    /// database still stands there.
    pub through: u64,
    pub rewrites: u64,
}

/// Where a kept body stands.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct KeptExport {
    /// The arrival sequence the body holds every change set up to.
    through: u64,
    body: KeptBody,
}

/// A kept body continued.
struct Continued {
    writer: FileWriter,
    /// The kept body up to where it was continued from.
    prefix: web_sys::Blob,
    /// The lines after that.
    out: String,
    /// Whether kept lines were read again (new ones sort among them).
    rewritten: bool,
    /// How many.
    reread: u64,
}

/// Continues the kept `body` with `new` change sets (sorted): from its end when they all sort
/// after it; otherwise from the last mark before the first of them, reading the kept lines
/// after that mark again to merge them with the new ones.
async fn continue_kept(
    body: &web_sys::Blob,
    kept: &KeptBody,
    new: &[CanonicalChangeSet<'_>],
) -> Result<Continued, StoreError> {
    let from = match new.first() {
        Some(first) => resume_point(kept, (first.stamp, first.id)),
        None => kept.end.clone(),
    };
    let failed = |e: JsValue| StoreError::Failed(format!("the kept export does not read: {e:?}"));
    let bytes = from.bytes as f64;
    let prefix = body.slice_with_f64_and_f64(0.0, bytes).map_err(failed)?;
    let rewritten = from != kept.end;
    let rest = if rewritten {
        let rest = blob_bytes(&body.slice_with_f64(bytes).map_err(failed)?).await?;
        String::from_utf8(rest).map_err(|_| StoreError::Corrupt("the kept export is not text".into()))?
    } else {
        String::new()
    };
    let (writer, out) =
        continue_body(kept, &from, &rest, new).map_err(|e| StoreError::Corrupt(format!("the kept export: {e}")))?;
    Ok(Continued { writer, prefix, out, rewritten, reread: kept.end.lines - from.lines })
}

/// Which change sets an export holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportScope {
    /// Every change set held here.
    Everything,
    /// What arrived after this arrival sequence.
    After(u64),
    /// The change sets of these records (each record's whole history).
    Records(BTreeSet<RecordId>),
}

/// An export file, ready to hand to the browser.
pub struct ExportedFile {
    pub blob: web_sys::Blob,
    pub change_sets: u64,
    /// The arrival sequence the file holds everything up to (for the teammate's mark).
    pub through: u64,
    /// Milliseconds reading the store, and writing the file.
    pub read_ms: f64,
    pub write_ms: f64,
    /// Whether a kept body was continued (only new change sets were read and hashed), or a
    /// body put together earlier was used whole ([`Store::export_from_body`]).
    pub continued: bool,
    /// How many of the kept body's lines were read and hashed again (those after the last
    /// mark before the first new change set).
    pub reread: u64,
    /// A full export's body, for [`Store::keep_body`] to keep once the file is handed over.
    body: Option<BodyToKeep>,
}

impl ExportedFile {
    /// The full body this file was written with, to keep for the next export (once hashed:
    /// [`BodyToKeep::hash`]); none for a partial file, or one written from a body in hand.
    pub fn take_body(&mut self) -> Option<BodyToKeep> {
        self.body.take()
    }
}

/// A full export's body to keep for the next export: its hash states are computed a slice
/// per turn ([`BodyToKeep::hash`]), then [`Store::keep_body`] keeps it. Meanwhile an export
/// asked for is written from it at once ([`BodyToKeep::in_hand`], [`Store::export_from_body`]).
pub struct BodyToKeep {
    blob: web_sys::Blob,
    to_be: KeptToBe,
    body: WholeBody,
    /// The arrival sequence it holds everything up to, and the rewrite count when it was read.
    through: u64,
    rewrites: u64,
}

/// A full body put together, for an export to be written from ([`Store::export_from_body`]).
#[derive(Clone)]
pub struct BodyInHand {
    blob: web_sys::Blob,
    body: WholeBody,
    through: u64,
    rewrites: u64,
}

/// A body to keep: where it stands, or what is left to hash to know it.
enum KeptToBe {
    Ready(KeptExport),
    /// The body's text is read back from its `Blob` first when it was put together in the
    /// worker (`text` is none until then).
    Hashing {
        hashing: BodyHashing,
        text: Option<String>,
    },
    /// Its text could not be read back: not kept (the next export writes everything again).
    Lost,
}

impl BodyToKeep {
    /// The arrival sequence it holds everything up to.
    pub fn through(&self) -> u64 {
        self.through
    }

    /// The body, for an export asked for before it is kept.
    pub fn in_hand(&self) -> BodyInHand {
        BodyInHand { blob: self.blob.clone(), body: self.body, through: self.through, rewrites: self.rewrites }
    }

    /// Hashes up to `lines` more lines (see [`BodyHashing`]), or reads a body put together
    /// in the worker back first; true when nothing is left to do. Call it, a slice per turn,
    /// before [`Store::keep_body`].
    pub async fn hash(&mut self, lines: usize) -> bool {
        let KeptToBe::Hashing { hashing, text } = &mut self.to_be else { return true };
        let Some(text) = text else {
            match blob_bytes(&self.blob).await.ok().and_then(|bytes| String::from_utf8(bytes).ok()) {
                Some(read) => *text = Some(read),
                None => self.to_be = KeptToBe::Lost,
            }
            return matches!(self.to_be, KeptToBe::Lost);
        };
        if !hashing.step(text, lines) {
            return false;
        }
        self.to_be = KeptToBe::Ready(KeptExport { through: self.through, body: hashing.finish() });
        true
    }
}

/// What one reading transaction found.
struct Read {
    /// The chunks' texts brought into this memory: those after a kept body's, or a partial
    /// export's.
    texts: Vec<ChunkText>,
    /// The chunks as stored, when no kept body is continued: their texts stay out of this
    /// memory for a body put together in the worker ([`body_by_plan`]).
    raw: Vec<JsValue>,
    through: u64,
    exporter: Exporter,
    rewrites: u64,
    kept: Option<(web_sys::Blob, KeptExport)>,
}

/// Chunks per request when they are read as stored (about 10 MB at 50,000 records).
const RAW_BATCH: u32 = 6;

/// How many chunks may arrive after the kept body before [`Store::keep_export_ahead`] writes
/// it again (continuing it with what arrived since takes longer the more there is); also
/// written again when more arrived since than it holds. An edit made here is a chunk of its
/// own, an import or demo data one per 1,000 change sets: a hundred edits, or an import of
/// some 25,000 records, rather than every start after a day's work (which an export continues
/// in a few milliseconds).
const KEEP_AHEAD_AFTER: u64 = 100;

impl Store {
    /// Writes an export file of `scope`, exported by `member`, at `exported_at`.
    pub async fn export(
        &self,
        scope: &ExportScope,
        member: crate::domain::ids::Member,
        exported_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<ExportedFile, StoreError> {
        self.export_written(scope, member, exported_at).await
    }

    /// A full export written from a body put together earlier (`in_hand`), with its checksum
    /// for this export's time computed in the digest worker, when nothing was stored or
    /// rewritten since that body was read; none otherwise, and the caller exports another way.
    pub async fn export_from_body(
        &self,
        in_hand: &BodyInHand,
        member: crate::domain::ids::Member,
        exported_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<ExportedFile>, StoreError> {
        let started = now_ms();
        let tx = self.db.transaction(META).build()?;
        let (head, rewrites) = head_and_rewrites(&tx).await?;
        drop(tx);
        if head.seq != in_hand.through || rewrites != in_hand.rewrites {
            return Ok(None);
        }
        let read_ms = now_ms() - started;
        let exporter = Exporter { member, replica: head.replica };
        let after = WholeBody::checksum_after(&exporter, exported_at);
        let off_thread = digest::whole_body_off_thread(&in_hand.blob, WholeBody::checksum_before(), &after);
        let digest = match off_thread {
            Some(worker) => worker.digest().await,
            None => None,
        };
        let digest = match digest {
            Some(digest) => digest,
            // No worker: the body is read back into this memory and hashed here.
            None => {
                let body = blob_bytes(&in_hand.blob).await?;
                digest::sha256(&WholeBody::checksum_input(&body, &exporter, exported_at)).await
            }
        };
        let head = FileWriter::head(&exporter, exported_at);
        let tail = in_hand.body.tail(&digest);
        let blob = json_blob(&[head.into(), in_hand.blob.clone().into(), tail.into()])?;
        Ok(Some(ExportedFile {
            blob,
            change_sets: in_hand.body.lines(),
            through: in_hand.through,
            read_ms,
            write_ms: now_ms() - started - read_ms,
            continued: true,
            reread: 0,
            body: None,
        }))
    }

    /// A full export's body kept ahead of the next export (hash it with [`BodyToKeep::hash`],
    /// then [`Store::keep_body`]), when there is no kept body or it is far behind
    /// ([`KEEP_AHEAD_AFTER`]); none otherwise. Put together in the digest worker from the
    /// chunks' texts as stored where it can be, so that the page stays free meanwhile; no file
    /// is written, so no checksum is computed. Moves no export mark: nothing is exported.
    pub async fn keep_export_ahead(
        &self,
        member: crate::domain::ids::Member,
    ) -> Result<Option<BodyToKeep>, StoreError> {
        let just_stored = self.fresh.borrow_mut().take();
        let tx = self.db.transaction([CHUNKS, META]).build()?;
        let (head, rewrites) = head_and_rewrites(&tx).await?;
        let kept: Option<KeptExport> = tx.object_store(META)?.get(BODY_STATE_KEY).serde()?.await?;
        drop(tx);
        // Behind by little, in chunks and against what it holds: continued at the next export.
        let fresh = |kept: KeptExport| {
            let behind = head.seq.saturating_sub(kept.through);
            behind <= KEEP_AHEAD_AFTER && behind <= kept.through
        };
        if head.seq == 0 || kept.is_some_and(fresh) {
            return Ok(None);
        }
        // A body written anew: continuing a stale one is work on this thread. From the chunks
        // a bulk write into an empty database just stored, while nothing happened since.
        let read = match just_stored.filter(|fresh| fresh.through == head.seq && fresh.rewrites == rewrites) {
            Some(fresh) => Read {
                texts: Vec::new(),
                raw: fresh.raw,
                through: head.seq,
                exporter: Exporter { member: member.clone(), replica: head.replica },
                rewrites,
                kept: None,
            },
            None => self.read_for_export(0, false, true, &member).await?,
        };
        if let Some(body) = body_by_plan(&read).await? {
            return Ok(Some(body));
        }
        // Not put together in the worker (see `body_by_plan`): written here.
        let at = chrono::DateTime::from_timestamp_millis(now_ms() as i64).unwrap_or_default();
        Ok(self.export_written(&ExportScope::Everything, member, at).await?.take_body())
    }

    async fn export_written(
        &self,
        scope: &ExportScope,
        member: crate::domain::ids::Member,
        exported_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<ExportedFile, StoreError> {
        let started = now_ms();
        let read = match scope {
            ExportScope::Everything => self.read_for_export(0, true, false, &member).await?,
            ExportScope::After(after) => self.read_for_export(*after, false, false, &member).await?,
            ExportScope::Records(records) => self.read_records_for_export(records, &member).await?,
        };
        let mut read_ms = now_ms() - started;
        let select = |sets: &mut Vec<CanonicalChangeSet<'_>>| {
            if let ExportScope::Records(records) = scope {
                sets.retain(|cs| records.contains(&cs.record));
            }
        };

        // A kept body continued with what arrived since.
        if let Some((body, kept)) = &read.kept {
            let mut sets = parse(&read.texts)?;
            sort(&mut sets);
            if let Ok(continued) = continue_kept(body, &kept.body, &sets).await {
                let Continued { writer, prefix, out, rewritten, reread } = continued;
                let head = FileWriter::head(&read.exporter, exported_at);
                let change_sets = writer.lines();
                let kept_now = KeptBody { end: writer.state(), marks: writer.marks().to_vec() };
                let tail = writer.finish(&read.exporter, exported_at);
                let new_body = json_blob(&[prefix.into(), bytes_blob(out.as_bytes())?.into()])?;
                let blob = json_blob(&[head.into(), new_body.clone().into(), tail.into()])?;
                let write_ms = now_ms() - started - read_ms;
                // Kept again when the lines were rewritten from a mark, or many were added.
                let body = (rewritten || sets.len() as u64 > MARK_EVERY).then_some(BodyToKeep {
                    blob: new_body,
                    to_be: KeptToBe::Ready(KeptExport { through: read.through, body: kept_now }),
                    body: WholeBody::of_lines(change_sets),
                    through: read.through,
                    rewrites: read.rewrites,
                });
                return Ok(ExportedFile {
                    blob,
                    change_sets,
                    through: read.through,
                    read_ms,
                    write_ms,
                    continued: true,
                    reread,
                    body,
                });
            }
        }
        // Everything written again (or a partial file written from its own lines).
        let read = if read.kept.is_some() { self.read_for_export(0, false, false, &member).await? } else { read };
        read_ms = now_ms() - started;
        let mut sets = parse(&read.texts)?;
        select(&mut sets);
        sort(&mut sets);
        // A change set stored twice (two tabs importing one file at once) is one line.
        sets.dedup_by(|a, b| (a.stamp, a.id) == (b.stamp, b.id));
        // What the checksum covers first, its digest started in a worker, then the body's text
        // written meanwhile; the hash states a kept body needs are computed after the file is
        // handed over (`BodyToKeep::hash`).
        let bytes = read.texts.iter().map(|chunk| chunk.text().map_or(0, str::len)).sum::<usize>();
        let mut body = Body::with_capacity(bytes, sets.len());
        for cs in &sets {
            if body.push(cs.stamp, cs.id, cs.text).is_err() {
                return Err(StoreError::Corrupt(format!("change set {} is out of order", cs.id)));
            }
        }
        drop(sets);
        drop(read.texts);
        let off_thread = digest::sha256_off_thread(body.checksum_input(&read.exporter, exported_at));
        let text = body.text();
        let body_blob = bytes_blob(text.as_bytes())?;
        let digest = match off_thread {
            Some(digesting) => digesting.digest().await,
            None => None,
        };
        let digest = match digest {
            Some(digest) => digest,
            None => digest::sha256(body.checksum_input(&read.exporter, exported_at)).await,
        };
        let head = FileWriter::head(&read.exporter, exported_at);
        let change_sets = body.lines();
        let tail = body.tail(&digest);
        let blob = json_blob(&[head.into(), body_blob.clone().into(), tail.into()])?;
        let write_ms = now_ms() - started - read_ms;
        let body = (*scope == ExportScope::Everything).then(|| BodyToKeep {
            blob: body_blob,
            to_be: KeptToBe::Hashing { hashing: BodyHashing::new(body), text: Some(text) },
            body: WholeBody::of_lines(change_sets),
            through: read.through,
            rewrites: read.rewrites,
        });
        Ok(ExportedFile {
            blob,
            change_sets,
            through: read.through,
            read_ms,
            write_ms,
            continued: false,
            reread: 0,
            body,
        })
    }

    /// Reads, in one transaction, the chunks after `after` (after the kept body's, with
    /// `use_kept` and a kept body), the head and the rewrite count. Without a kept body and
    /// with `raw` (a body kept ahead, [`body_by_plan`]), the chunks as stored.
    async fn read_for_export(
        &self,
        after: u64,
        use_kept: bool,
        raw: bool,
        member: &crate::domain::ids::Member,
    ) -> Result<Read, StoreError> {
        let tx = self.db.transaction([CHUNKS, META]).build()?;
        let (head, rewrites) = head_and_rewrites(&tx).await?;
        let meta = tx.object_store(META)?;
        let mut kept = None;
        if use_kept {
            let state: Option<KeptExport> = meta.get(BODY_STATE_KEY).serde()?.await?;
            let body: Option<JsValue> = meta.get(BODY_KEY).primitive()?.await?;
            if let (Some(state), Some(body)) = (state, body.and_then(|b| b.dyn_into::<web_sys::Blob>().ok())) {
                kept = Some((body, state));
            }
        }
        let exporter = Exporter { member: member.clone(), replica: head.replica };
        let chunks = tx.object_store(CHUNKS)?;
        let from = kept.as_ref().map_or(after, |(_, kept)| kept.through);
        if raw && kept.is_none() {
            let raw = chunks_as_stored(&chunks, after).await?;
            return Ok(Read { texts: Vec::new(), raw, through: head.seq, exporter, rewrites, kept });
        }
        let texts =
            chunks.get_all::<ChunkText>().with_query::<u64, _>(KeyRange::LowerBound(from, true)).serde()?.await?;
        let texts = texts.collect::<Result<Vec<_>, _>>()?;
        Ok(Read { texts, raw: Vec::new(), through: head.seq, exporter, rewrites, kept })
    }

    /// Reads, in one transaction, the chunks holding change sets of `records` (found through
    /// `record_chunks`: a partial export does not read the rest).
    async fn read_records_for_export(
        &self,
        records: &BTreeSet<RecordId>,
        member: &crate::domain::ids::Member,
    ) -> Result<Read, StoreError> {
        let tx = self.db.transaction([CHUNKS, META]).build()?;
        let (head, rewrites) = head_and_rewrites(&tx).await?;
        let seqs = super::record_chunks::chunks_holding(&tx, records).await?;
        let texts = super::chunks_by_seq::<ChunkText>(&tx.object_store(CHUNKS)?, &seqs).await?;
        let exporter = Exporter { member: member.clone(), replica: head.replica };
        Ok(Read { texts, raw: Vec::new(), through: head.seq, exporter, rewrites, kept: None })
    }

    /// Keeps `body` for the next full export to continue, unless chunks were rewritten since
    /// it was read. Called once the file is handed over and [`BodyToKeep::hash`] hashed all
    /// of it (before, it keeps nothing), so that the download waits for neither; a body that
    /// is not kept only means the next export writes everything again.
    pub async fn keep_body(&self, body: &BodyToKeep) -> Result<(), StoreError> {
        let KeptToBe::Ready(kept) = &body.to_be else { return Ok(()) };
        let tx = self.db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
        let (_, rewrites) = head_and_rewrites(&tx).await?;
        if rewrites != body.rewrites {
            return Ok(());
        }
        let meta = tx.object_store(META)?;
        meta.put(JsValue::from(body.blob.clone())).with_key(BODY_KEY.to_string()).primitive()?;
        meta.put(kept).with_key(BODY_STATE_KEY.to_string()).serde()?;
        tx.commit().await?;
        Ok(())
    }
}

/// Drops the kept export body and counts a rewrite, inside the caller's read-write
/// transaction on `meta`: call it whenever stored chunks are rewritten or removed.
pub(super) async fn forget_body(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let meta = tx.object_store(META)?;
    let rewrites: Option<u64> = meta.get(REWRITES_KEY).serde()?.await?;
    meta.put(&(rewrites.unwrap_or(0) + 1)).with_key(REWRITES_KEY.to_string()).serde()?;
    meta.delete::<String, _>(BODY_KEY.to_string()).primitive()?;
    meta.delete::<String, _>(BODY_STATE_KEY.to_string()).primitive()?;
    Ok(())
}

/// The body of a full export of `read`'s chunks (as stored) put together in the digest worker
/// from their texts by a [`BodyPlan`] made from their indexes: the texts never come into this
/// memory, so this thread does not copy 86 MB in and out at 50,000 records. None when it was
/// not (no chunks read as stored, a chunk stored before indexes, an index that does not fit,
/// no worker, or the worker failed: the chunks' texts were handed to it then).
async fn body_by_plan(read: &Read) -> Result<Option<BodyToKeep>, StoreError> {
    if read.raw.is_empty() {
        return Ok(None);
    }
    let Some(StoredParts { texts, indexes }) = StoredParts::of(&read.raw) else { return Ok(None) };
    let Some(plan) = BodyPlan::new(&StoredParts::chunks(&indexes), |_| true) else { return Ok(None) };
    let parts = texts;
    let Some(worker) = digest::body_off_thread(&parts, plan.ranges()) else { return Ok(None) };
    let Some(blob) = worker.body().await else { return Ok(None) };
    Ok(Some(BodyToKeep {
        blob,
        body: plan.whole(),
        to_be: KeptToBe::Hashing { hashing: plan.hashing(), text: None },
        through: read.through,
        rewrites: read.rewrites,
    }))
}

/// Reads the chunks after `after` as stored (`JsValue`s: their texts stay out of this memory),
/// a few per request, all in the caller's transaction: the browser hands each request's values
/// over in a task of its own, so the page gets turns between them.
pub(super) async fn chunks_as_stored(chunks: &ObjectStore<'_>, after: u64) -> Result<Vec<JsValue>, StoreError> {
    let mut raw = Vec::new();
    let mut from = after as f64;
    loop {
        let batch = chunks
            .get_all::<JsValue>()
            // As a number: read as it is stored, a `u64` key would be a `BigInt`.
            .with_query::<f64, _>(KeyRange::LowerBound(from, true))
            .with_limit(RAW_BATCH)
            .primitive()?
            .await?
            .collect::<Result<Vec<_>, _>>()?;
        let last = batch.last().and_then(|chunk| js_sys::Reflect::get(chunk, &"seq".into()).ok());
        let full = batch.len() == RAW_BATCH as usize;
        raw.extend(batch);
        match last.and_then(|seq| seq.as_f64()) {
            Some(seq) if full => from = seq,
            _ => break,
        }
    }
    Ok(raw)
}

/// Chunks read as stored, taken apart for the digest worker: their texts (`Uint8Array`s, to
/// hand over to it) and their indexes brought into this memory with their texts' lengths.
pub(super) struct StoredParts {
    pub texts: js_sys::Array,
    pub indexes: Vec<(Vec<u8>, usize)>,
}

impl StoredParts {
    /// `None` when a chunk has no text or no index as bytes (one stored before indexes).
    pub fn of(raw: &[JsValue]) -> Option<StoredParts> {
        let texts = js_sys::Array::new();
        let mut indexes = Vec::with_capacity(raw.len());
        for chunk in raw {
            let bytes = |key: &str| {
                js_sys::Reflect::get(chunk, &key.into()).ok().and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok())
            };
            let (text, index) = (bytes("text")?, bytes("index")?);
            indexes.push((index.to_vec(), text.length() as usize));
            texts.push(&text);
        }
        Some(StoredParts { texts, indexes })
    }

    /// Each chunk's index and its text's length, as the plans take them.
    pub fn chunks(indexes: &[(Vec<u8>, usize)]) -> Vec<(&[u8], usize)> {
        indexes.iter().map(|(index, len)| (index.as_slice(), *len)).collect()
    }
}

async fn head_and_rewrites(tx: &Transaction<'_>) -> Result<(Head, u64), StoreError> {
    Ok((layout::read_head(tx).await?, rewrites(tx).await?))
}

/// How many times stored chunks were rewritten or removed, inside the caller's transaction
/// (which must include `META`).
pub(super) async fn rewrites(tx: &Transaction<'_>) -> Result<u64, StoreError> {
    let rewrites: Option<u64> = tx.object_store(META)?.get(REWRITES_KEY).serde()?.await?;
    Ok(rewrites.unwrap_or(0))
}

fn parse(chunks: &[ChunkText]) -> Result<Vec<CanonicalChangeSet<'_>>, StoreError> {
    let mut sets = Vec::with_capacity(chunks.len() * layout::CHUNK_SIZE);
    for chunk in chunks {
        sets.extend(chunk.change_sets()?);
    }
    Ok(sets)
}

fn sort(sets: &mut [CanonicalChangeSet<'_>]) {
    sets.sort_unstable_by(|a, b| a.stamp.cmp(&b.stamp).then(a.id.cmp(&b.id)));
}

/// A JSON file of these parts (strings, byte arrays, blobs), in order.
/// A `Blob` of `bytes`, copied once, straight from this WebAssembly's memory (a `Uint8Array`
/// made from them first would copy 86 MB twice for a large export).
fn bytes_blob(bytes: &[u8]) -> Result<web_sys::Blob, StoreError> {
    let parts = js_sys::Array::new();
    // SAFETY: the view is valid until this memory grows, which only an allocation here can
    // make happen: nothing between this line and the `Blob` constructor, which copies the
    // bytes, allocates in it (the calls below only reach the browser).
    let view = unsafe { js_sys::Uint8Array::view(bytes) };
    parts.push(&view);
    web_sys::Blob::new_with_u8_array_sequence(&parts)
        .map_err(|e| StoreError::Failed(format!("the browser could not make the file: {e:?}")))
}

pub fn json_blob(parts: &[JsValue]) -> Result<web_sys::Blob, StoreError> {
    let array: js_sys::Array = parts.iter().collect();
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    web_sys::Blob::new_with_blob_sequence_and_options(&array, &options)
        .map_err(|e| StoreError::Failed(format!("the browser could not make the file: {e:?}")))
}

/// The bytes of a file (a kept body; an export, to seal it).
pub async fn blob_bytes(blob: &web_sys::Blob) -> Result<Vec<u8>, StoreError> {
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| StoreError::Failed(format!("the browser could not read a file it made: {e:?}")))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
