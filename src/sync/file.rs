//! The exchange file: a versioned JSON document of change sets, written canonically so that
//! the same data always gives the same bytes and a diff of two exports reads line by line.
//!
//! ```text
//! {"format":"servicebook-exchange","version":"1.1",
//! "exporter":{"member":"Ada","replica":"00000001c38ee1c7"},
//! "exported_at":"2026-11-27T10:00:00.000Z",
//! "change_sets":[
//! {...one change set, RFC 8785 canonical...},
//! {...}
//! ],
//! "checksum":"sha256:…"}
//! ```
//!
//! Change sets are ordered by stamp, then id. The checksum is SHA-256 over the RFC 8785
//! canonical form of the whole document without its `checksum` member, so it does not depend
//! on the layout above.
//!
//! Each change set: `at` (author's clock), `edits`, `id`, `kind`, `member`, `record`, `stamp`.
//! Each edit: `field`, `op` and, when it replaces earlier edits, `replaces` (their stamps).
//! Operations: `{"set":<value>|null}`, `{"add":<value>}`, `{"remove":<value>}`,
//! `{"append":"<text>"}`; since 1.1 `{"redact":{"index":<n>,"stamp":"<stamp>"}}` and, in a
//! redacted edit, `{"redacted_note":"<stamp>"}`. Values: `{"text":…}`, `{"number":…}`,
//! `{"instant":…}`, `{"date":…}`, `{"link":…}`, `{"flag":…}`; since 1.1 `{"redacted":"<stamp>"}`.
//!
//! # Redaction (1.1)
//!
//! A redaction is an edit of the same field in a change set of its own that names the target
//! edit by its change set's stamp and its position. Wherever the change sets travel, the
//! target keeps its id, stamp, field and `replaces`, and its value becomes a marker naming the
//! (earliest) redaction: a set value `{"redacted":"<stamp>"}`, an appended note
//! `{"redacted_note":"<stamp>"}`. The store rewrites the target when the redaction is made or
//! imported, so exports carry only the redacted form. A change set arriving with an id held
//! here is accepted when it differs from the held copy only by redacted values (either side);
//! the more redacted copy is kept. Any other difference is refused as a reused id. A 1.0
//! reader keeps both markers as a value or operation it does not know.
//!
//! # Versions: what is kept, what is refused
//!
//! A file of a newer major version is refused ("update Servicebook"). A newer minor version
//! extends the format only at four points, and what this release does not know there is
//! *kept unchanged and passed on* (a teammate on an older release must not lose or block a
//! newer one's edits):
//!
//! - a record kind it does not know: stored and folded like any other, not listed among the
//!   kinds (Settings counts such records);
//! - a field id a kind does not declare: stored and folded, not shown in forms;
//! - a value type it does not know (`{"geo":…}`), even in a known field: kept as its canonical
//!   JSON text ([`crate::domain::value::Opaque`]); the field shows "a value from a newer
//!   Servicebook", and saving the form with the field left empty keeps it;
//! - an operation it does not know (`{"react":…}`): kept, no effect on the record, shown in
//!   the history as an edit from a newer Servicebook.
//!
//! Kept things are written back byte for byte in canonical form, so a re-export carries the
//! same change-set lines and the shared-data fingerprint counts them like any other edit.
//!
//! What *is* known must be well formed, or the file is refused (`BadChangeSet`): a change set
//! or edit with a member the format does not have (dropping it would change the edit); a value
//! or operation of a known type with malformed content (`{"number":"many"}`); and a field this
//! release declares carrying a known value type or operation its type does not take (a number
//! in a text field, a note appended to a title). Ranges, lengths and choices are not checked:
//! a merge never refuses good edits for a rule.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::value::RawValue;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::writer::FileWriter;
use crate::domain::catalogue;
use crate::domain::clock::Stamp;
use crate::domain::edit::{ChangeSet, ChangeSetError};
use crate::domain::ids::{ChangeSetId, Member, RecordId, ReplicaId};
use crate::domain::sort::sort_by;
use crate::domain::value::TextPool;

/// The `format` member of every exchange file.
pub const FORMAT: &str = "servicebook-exchange";
/// The format version this release writes: `major.minor`. A file of a newer major version is
/// refused; a newer minor version is read (what this release does not know is kept).
pub const VERSION: &str = "1.1";
pub const MAJOR: u64 = 1;
/// The largest file the app reads (checked before reading it whole). A full export of 50,000
/// incidents with their histories is about 100 MB.
pub const MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Who exported a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exporter {
    pub member: Member,
    pub replica: ReplicaId,
}

/// An exchange file's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeFile {
    pub exporter: Exporter,
    pub exported_at: DateTime<Utc>,
    pub change_sets: Vec<ChangeSet>,
}

/// Why a file was refused. Nothing of a refused file is imported.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("The file is {size} bytes; Servicebook reads files up to {limit} bytes.")]
    TooLarge { size: u64, limit: u64 },
    #[error("The file is not JSON ({0}). Was it cut short, or is it another kind of file?")]
    NotJson(String),
    #[error("This is not a Servicebook exchange file.")]
    NotServicebook,
    #[error("The file was written by a newer Servicebook (format {0}). Update Servicebook to read it.")]
    NewerVersion(String),
    #[error("The file's format version `{0}` is not one Servicebook knows.")]
    BadVersion(String),
    #[error("The file has no checksum.")]
    NoChecksum,
    #[error("The file's checksum does not match its content: it was changed or damaged after export.")]
    ChecksumMismatch,
    #[error("The file's {0} is missing or malformed.")]
    BadHeader(&'static str),
    #[error("Change set {index} of the file is malformed: {reason}")]
    BadChangeSet { index: usize, reason: String },
    #[error("The file is encrypted: enter the passphrase it was exported with.")]
    Sealed,
    #[error("The passphrase does not open this file. Check it with the teammate who exported it; if it is right, the file was changed or damaged after export.")]
    WrongPassphrase,
    #[error("The file's encryption ({0}) is missing or malformed.")]
    BadSealing(&'static str),
    #[error("Reading was stopped before the end of the file.")]
    Stopped,
    #[error("The file asks for {0} key-derivation rounds; Servicebook accepts 600,000 to 10,000,000.")]
    Iterations(u32),
}

impl ExchangeFile {
    /// The canonical text of the file.
    pub fn write(&self) -> String {
        let mut sets: Vec<&ChangeSet> = self.change_sets.iter().collect();
        sort_by(&mut sets, |a, b| a.stamp.cmp(&b.stamp).then(a.id.cmp(&b.id)));
        // A change set's compact serde_json form is its canonical form (see `ChangeSet`).
        let lines: Vec<String> = sets.iter().map(|cs| serde_json::to_string(cs).unwrap_or_default()).collect();
        write_lines(
            &self.exporter,
            self.exported_at,
            sets.iter().zip(&lines).map(|(cs, line)| (cs.stamp, cs.id, line.as_str())),
        )
    }

    /// Reads a file, refusing it whole on the first problem (a [`Reader`] finished at once).
    pub fn read(text: &str) -> Result<ExchangeFile, FileError> {
        Reader::new(text)?.finish()
    }
}

/// Reads a file in steps, so that a large file can be read between frames, with progress
/// shown and a way to stop. Each change set is parsed once, straight from the file's text:
/// the list is not split out first (that would be a pass over the whole file, which can hold
/// 100 MB, without a chance to look up). The checksum is first taken over the change sets'
/// text as written (files this app writes hold their canonical form already) and fed as they
/// are parsed; only a file laid out by another tool is canonicalised again.
///
/// A file whose header does not read member by member up to its change sets (another
/// layout, or broken JSON) is read whole instead, which also says what is wrong with it.
pub struct Reader<'a> {
    text: &'a str,
    source: Source<'a>,
    /// The text of each change set read so far, as written.
    raw_sets: Vec<&'a str>,
    parsed: Vec<Result<ChangeSet, String>>,
    /// The file's short texts, each held once.
    texts: TextPool,
    /// The file's text, shared by the change sets' texts in [`ReadFile::texts`]
    /// ([`Reader::sharing`]); without it they are copied.
    shared: Option<Arc<String>>,
    /// Whether the spot checks so far found the change sets written as this release writes
    /// them.
    spot_checked: bool,
    /// SHA-256 of `{"change_sets":[` and the change sets as written, fed as they are read;
    /// `None` when the caller hashes the document itself ([`Opening::list_hashed_later`]).
    hasher: Option<Sha256>,
}

/// Where a [`Reader`] takes the change sets from.
enum Source<'a> {
    /// From the text: the members read so far, and where the next change set starts (`None`
    /// once the list and the members after it are read).
    Stream { members: Vec<(String, &'a RawValue)>, next: Option<usize>, broken: bool },
    /// From the change sets split out of a document read whole.
    Split { top: BTreeMap<String, &'a RawValue>, sets: Vec<&'a RawValue> },
}

/// The document a file's checksum covers, in parts ([`Reader::hashed_document_parts`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DocumentParts {
    /// The bytes before the change sets.
    pub before: Vec<u8>,
    /// Where each change set's text lies in the file: start and end, in pairs.
    pub lines: Vec<u32>,
    /// The bytes after them.
    pub after: Vec<u8>,
}

/// The document a file's checksum covers, guessed when the file is opened, before its change
/// sets are read ([`Reader::guess_document`]): for a worker that has the file's bytes to put
/// it together and hash it while this thread reads the change sets.
///
/// The guess is that the file is laid out as this release writes it: the change sets one per
/// line after the line that opens the list, each line but the last ending with the comma
/// between two change sets, and the first line that starts with `]` closing the list; and that
/// no member follows the list but the checksum. The document is then `before`, the lines from
/// `start` up to the closing one with their line ends left out, and `after`
/// ([`DocumentGuess::put_together`], the model of `public/digest-worker.js`). Whether the guess
/// held is known once the change sets are read ([`Reader::guess_held`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentGuess {
    pub before: Vec<u8>,
    pub after: Vec<u8>,
    /// Where the first change set's line starts.
    pub start: usize,
}

/// What the worker must have found for a [`DocumentGuess`] to be the document: so many lines
/// before the closing one, which starts at `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuessFound {
    pub lines: usize,
    pub end: usize,
}

impl DocumentGuess {
    /// The guessed document put together from the file's `bytes`, with what was found (what
    /// the digest worker does; `None` when no line closes the list).
    pub fn put_together(&self, bytes: &[u8]) -> Option<(Vec<u8>, GuessFound)> {
        let mut document = self.before.clone();
        let mut at = self.start;
        let mut lines = 0;
        while *bytes.get(at)? != b']' {
            let end = at + bytes.get(at..)?.iter().position(|&b| b == b'\n')?;
            document.extend_from_slice(&bytes[at..end]);
            lines += 1;
            at = end + 1;
        }
        document.extend_from_slice(&self.after);
        Some((document, GuessFound { lines, end: at }))
    }
}

impl DocumentParts {
    /// The document, put together from the file's `text`.
    pub fn document(&self, text: &str) -> Option<Vec<u8>> {
        let mut out = self.before.clone();
        for (n, pair) in self.lines.chunks_exact(2).enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(text.as_bytes().get(pair[0] as usize..pair[1] as usize)?);
        }
        out.extend_from_slice(&self.after);
        Some(out)
    }
}

/// A file whose header was read and checked (format and version), before its change sets.
pub struct Opening<'a> {
    text: &'a str,
    source: Source<'a>,
}

impl<'a> Reader<'a> {
    /// Checks the header and gets ready to read the change sets: [`Reader::open`] and
    /// [`Opening::list`] at once.
    pub fn new(text: &'a str) -> Result<Reader<'a>, FileError> {
        Reader::open(text)?.list()
    }

    /// Checks the size and the header (format, version): the members before the change sets,
    /// or, when those do not read member by member, the whole document.
    pub fn open(text: &'a str) -> Result<Opening<'a>, FileError> {
        check_size(text.len() as u64)?;
        if let Some((members, list)) = scan_header(text) {
            let top: BTreeMap<&str, &RawValue> = members.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            if top.contains_key("format") && top.contains_key("version") {
                check_format(&top)?;
                return Ok(Opening { text, source: Source::Stream { members, next: Some(list), broken: false } });
            }
        }
        Ok(Opening { text, source: Reader::whole(text)? })
    }

    /// The document read whole (for a layout the stream does not follow, or to say what is
    /// wrong with a file).
    fn whole(text: &'a str) -> Result<Source<'a>, FileError> {
        let (top, sets) = match serde_json::from_str::<Top>(text) {
            Ok(Top { members, sets }) => (members, sets),
            Err(_) => match serde_json::from_str::<BTreeMap<String, &RawValue>>(text) {
                Ok(top) => (top, None),
                Err(e) => {
                    return Err(if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
                        FileError::NotServicebook
                    } else {
                        FileError::NotJson(e.to_string())
                    })
                }
            },
        };
        let members: BTreeMap<&str, &RawValue> = top.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        check_format(&members)?;
        claimed_checksum(&members)?;
        let sets = sets
            .or_else(|| top.get("change_sets").and_then(|raw| serde_json::from_str(raw.get()).ok()))
            .ok_or(FileError::BadHeader("list of change sets"))?;
        Ok(Source::Split { top, sets })
    }
}

impl<'a> Opening<'a> {
    /// Gets ready to read the change sets.
    pub fn list(self) -> Result<Reader<'a>, FileError> {
        let mut hasher = Sha256::new();
        hasher.update(b"{\"change_sets\":[");
        Ok(self.reader(Some(hasher)))
    }

    /// Gets ready to read the change sets without hashing them on the way: the caller hashes
    /// [`Reader::hashed_document`] (the browser's WebCrypto does it several times faster than
    /// this WebAssembly, off the page's thread) and hands the digest to
    /// [`Reader::finish_with_digest`].
    pub fn list_hashed_later(self) -> Result<Reader<'a>, FileError> {
        Ok(self.reader(None))
    }

    fn reader(self, hasher: Option<Sha256>) -> Reader<'a> {
        Reader {
            text: self.text,
            source: self.source,
            raw_sets: Vec::new(),
            parsed: Vec::new(),
            texts: TextPool::default(),
            shared: None,
            spot_checked: true,
            hasher,
        }
    }
}

/// A document's top level read whole in one pass: each member as raw JSON, except the change
/// sets, split into their raw elements as they are read. Only for well-formed files: when
/// this does not read, the file is read again member by member to say what is wrong.
struct Top<'de> {
    members: BTreeMap<String, &'de RawValue>,
    sets: Option<Vec<&'de RawValue>>,
}

impl<'de> Deserialize<'de> for Top<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TopVisitor;
        impl<'de> serde::de::Visitor<'de> for TopVisitor {
            type Value = Top<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an exchange file")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Top<'de>, M::Error> {
                let mut top = Top { members: BTreeMap::new(), sets: None };
                while let Some(key) = map.next_key::<String>()? {
                    if key == "change_sets" {
                        top.sets = Some(map.next_value()?);
                    } else {
                        top.members.insert(key, map.next_value()?);
                    }
                }
                Ok(top)
            }
        }
        deserializer.deserialize_map(TopVisitor)
    }
}

/// The members of a document up to its list of change sets, each read on its own, and where
/// the list's first element may start; `None` when the text is not laid out that way.
fn scan_header(text: &str) -> Option<(Vec<(String, &RawValue)>, usize)> {
    let mut at = skip_space(text, 0);
    if text.as_bytes().get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    let mut members = Vec::new();
    loop {
        let (key, after) = read_one::<String>(text, skip_space(text, at))?;
        at = skip_space(text, after);
        if text.as_bytes().get(at) != Some(&b':') {
            return None;
        }
        at = skip_space(text, at + 1);
        if key == "change_sets" {
            return (text.as_bytes().get(at) == Some(&b'[')).then_some((members, at + 1));
        }
        let (value, after) = read_one::<&RawValue>(text, at)?;
        members.push((key, value));
        at = skip_space(text, after);
        match text.as_bytes().get(at) {
            Some(b',') => at += 1,
            _ => return None,
        }
    }
}

/// One JSON value read from `text` at byte `at`, and where it ends.
fn read_one<'a, T: Deserialize<'a>>(text: &'a str, at: usize) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((value, at + values.byte_offset()))
}

/// The first byte at or after `at` that is not JSON white space.
fn skip_space(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while matches!(bytes.get(at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        at += 1;
    }
    at
}

/// Refuses a document that is not an exchange file of a major version this release reads.
fn check_format(top: &BTreeMap<&str, &RawValue>) -> Result<(), FileError> {
    let text_of = |key: &str| top.get(key).and_then(|raw| serde_json::from_str::<String>(raw.get()).ok());
    match text_of("format").as_deref() {
        Some(FORMAT) => {}
        Some(super::sealed::FORMAT) => return Err(FileError::Sealed),
        _ => return Err(FileError::NotServicebook),
    }
    let version = text_of("version").ok_or(FileError::BadHeader("version"))?;
    let major = version.split('.').next().and_then(|m| m.parse::<u64>().ok());
    match major {
        Some(MAJOR) => Ok(()),
        Some(m) if m > MAJOR => Err(FileError::NewerVersion(version)),
        _ => Err(FileError::BadVersion(version)),
    }
}

/// The checksum a document claims.
fn claimed_checksum(top: &BTreeMap<&str, &RawValue>) -> Result<String, FileError> {
    match top.get("checksum") {
        Some(raw) => serde_json::from_str::<String>(raw.get()).map_err(|_| FileError::BadHeader("checksum")),
        None => Err(FileError::NoChecksum),
    }
}

impl<'a> Reader<'a> {
    /// How many change sets are read, and how far into the file that is (bytes of all).
    pub fn progress(&self) -> (usize, usize, usize) {
        let end = self.raw_sets.last().map(|raw| raw.as_ptr() as usize + raw.len() - self.text.as_ptr() as usize);
        (self.parsed.len(), end.unwrap_or(0), self.text.len())
    }

    /// Reads up to `n` more change sets; true when all are read.
    pub fn step(&mut self, n: usize) -> bool {
        for _ in 0..n {
            if self.parsed.len() == self.parsed.capacity() {
                self.reserve_ahead();
            }
            let raw = match &mut self.source {
                Source::Split { sets, .. } => match sets.get(self.parsed.len()) {
                    Some(raw) => {
                        let raw = raw.get();
                        self.parsed
                            .push(serde_json::from_str::<ChangeSet>(raw).map_err(|e| e.to_string()).and_then(checked));
                        raw
                    }
                    None => return true,
                },
                Source::Stream { members, next, broken } => {
                    let Some(at) = *next else { return true };
                    match next_change_set(self.text, at, members, &mut self.texts) {
                        Ok(Some((raw, parsed, after))) => {
                            *next = Some(after);
                            self.parsed.push(parsed.and_then(checked));
                            raw
                        }
                        Ok(None) => {
                            *next = None;
                            return true;
                        }
                        Err(()) => {
                            *next = None;
                            *broken = true;
                            return true;
                        }
                    }
                }
            };
            if let Some(hasher) = &mut self.hasher {
                if !self.raw_sets.is_empty() {
                    hasher.update(b",");
                }
                hasher.update(raw.as_bytes());
            }
            // One in SPOT_CHECK_EVERY written again as it is read.
            if self.raw_sets.len().is_multiple_of(SPOT_CHECK_EVERY) {
                self.spot_checked &= spot_check(self.parsed.last().and_then(|parsed| parsed.as_ref().ok()), raw);
            }
            self.raw_sets.push(raw);
        }
        matches!(&self.source, Source::Stream { next: None, .. })
            || matches!(&self.source, Source::Split { sets, .. } if sets.len() == self.parsed.len())
    }

    /// Makes room for the change sets still to come, estimated from the average length of
    /// those read so far plus a thirty-second, and at most four times as many as are read (so
    /// that a file whose first change sets are short cannot make it reserve far too much): a
    /// vector that grows by doubling is reallocated and copied 18 times on the way to the
    /// 200,000 change sets (20 MB) of a 50,000-record file, and ends with up to twice the room
    /// it needs.
    fn reserve_ahead(&mut self) {
        let (read, at, total) = self.progress();
        let (read, at, total) = (read as u64, at as u64, total as u64);
        let estimate = (total.saturating_sub(at) * read).checked_div(at).unwrap_or(0) + read / 32;
        let more = usize::try_from(estimate.clamp(16, 4 * read.max(256))).unwrap_or(16);
        self.parsed.reserve_exact(more);
        self.raw_sets.reserve_exact(more);
    }

    /// Makes the change sets' texts of [`ReadFile::texts`] parts of `file`, the text this
    /// reader reads, shared instead of copied: copying the 200,000 change sets of a
    /// 50,000-record file, one allocation each, was a fifth of reading it in the browser.
    /// (A text that is not part of `file` is copied.)
    pub fn sharing(mut self, file: &Arc<String>) -> Self {
        self.shared = Some(Arc::clone(file));
        self
    }

    /// Reads what is left, then checks the checksum and reports the first bad change set.
    pub fn finish(self) -> Result<ExchangeFile, FileError> {
        self.finish_with_texts().map(|read| read.file)
    }

    /// [`Reader::finish`], keeping each change set's text as the file wrote it when that text
    /// is what this release writes for it (see [`ReadFile::texts`]).
    pub fn finish_with_texts(self) -> Result<ReadFile, FileError> {
        self.finish_with_digest(None)
    }

    /// The document the checksum covers, with the change sets as the file wrote them: what
    /// [`Reader::finish_with_digest`] wants the SHA-256 of. Reads what is left first; `None`
    /// when the file is not laid out to be streamed (finishing then says what is wrong).
    pub fn hashed_document(&mut self) -> Option<Vec<u8>> {
        while !self.step(usize::MAX) {}
        let top = self.top()?;
        let others = others_of(&top);
        let members = document_members(&self.raw_sets, &others);
        let mut document = Vec::with_capacity(self.raw_sets.iter().map(|raw| raw.len() + 1).sum::<usize>() + 4096);
        feed_document(members, &mut |bytes| document.extend_from_slice(bytes));
        Some(document)
    }

    /// The SHA-256 the file claims as its checksum, once the change sets are read: what
    /// [`Reader::finish_with_digest`] can be handed to read the file as if the checksum holds
    /// while the digest is computed elsewhere (the caller must then compare the two, and read
    /// the file again if they differ). `None` when the checksum is missing or not of the form
    /// this release writes (`sha256:` and 64 lowercase hex digits).
    pub fn claimed_digest(&self) -> Option<Vec<u8>> {
        let top = self.top()?;
        let claimed = claimed_checksum(&top).ok()?;
        let digits = claimed.strip_prefix("sha256:")?;
        if digits.len() != 64 || !digits.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return None;
        }
        (0..32).map(|i| u8::from_str_radix(digits.get(2 * i..2 * i + 2)?, 16).ok()).collect()
    }

    /// The document the checksum covers, guessed before the change sets are read (see
    /// [`DocumentGuess`]). `None` when the file is not streamed (a layout read whole), the
    /// list's first change set does not start on a line of its own, or reading has begun.
    pub fn guess_document(&self) -> Option<DocumentGuess> {
        let Source::Stream { next: Some(at), .. } = &self.source else { return None };
        if !self.raw_sets.is_empty() || self.text.as_bytes().get(*at) != Some(&b'\n') {
            return None;
        }
        // The members read so far: the header's.
        let others = others_of(&self.top()?);
        let (before, after) = parts_around(document_members(&[], &others), &mut |_| {});
        Some(DocumentGuess { before, after, start: at + 1 })
    }

    /// Once the change sets are read: whether `guess` is the document the checksum covers,
    /// given that the worker found what this returns ([`GuessFound`]). `None` when it is not
    /// (members after the list, change sets not one per line joined by `,` and a line end):
    /// the document must then be hashed another way.
    ///
    /// Why the worker's finding settles it: the change sets read here lie one after the other
    /// from `guess.start`, each followed by `,` and a line end (the last by a line end alone).
    /// The worker takes a line at a time from `guess.start` until one starts with `]`; if it
    /// took as many lines as there are change sets and stopped right after the last one's line
    /// end, no change set holds a line end of its own, so its lines are the change sets, each
    /// but the last with the comma that joins it to the next, which is the document's middle.
    pub fn guess_held(&mut self, guess: &DocumentGuess) -> Option<GuessFound> {
        let parts = self.hashed_document_parts()?;
        if parts.before != guess.before || parts.after != guess.after {
            return None;
        }
        let bytes = self.text.as_bytes();
        let lines = parts.lines.len() / 2;
        let mut at = guess.start;
        for (n, pair) in parts.lines.chunks_exact(2).enumerate() {
            let (start, end) = (pair[0] as usize, pair[1] as usize);
            let separator: &[u8] = if n + 1 < lines { b",\n" } else { b"\n" };
            if start != at || bytes.get(end..end + separator.len())? != separator {
                return None;
            }
            at = end + separator.len();
        }
        (bytes.get(at) == Some(&b']')).then_some(GuessFound { lines, end: at })
    }

    /// [`Reader::hashed_document`] in parts, without copying the change sets: the bytes
    /// before them, where each lies in the file (start and end), the bytes after them. The
    /// document is the first part, the change sets joined by `,`, the last part (what a
    /// [`DocumentGuess`] is checked against). `None` as for `hashed_document`, or when a
    /// change set's text is not a part of the file (a layout read whole and rewritten).
    pub fn hashed_document_parts(&mut self) -> Option<DocumentParts> {
        while !self.step(usize::MAX) {}
        let top = self.top()?;
        let others = others_of(&top);
        let mut fits = true;
        let mut seen: Vec<u32> = Vec::new();
        let text = self.text;
        let (before, after) = parts_around(document_members(&self.raw_sets, &others), &mut |lines| {
            for line in lines {
                let span = span_in(text, line).map(|(start, end)| (u32::try_from(start), u32::try_from(end)));
                match span {
                    Some((Ok(start), Ok(end))) => seen.extend([start, end]),
                    _ => fits = false,
                }
            }
        });
        fits.then_some(DocumentParts { before, lines: seen, after })
    }

    /// The top-level members once the change sets are read; `None` when the stream broke off.
    fn top(&self) -> Option<BTreeMap<&str, &'a RawValue>> {
        match &self.source {
            Source::Stream { broken: true, .. } => None,
            Source::Stream { members, .. } => Some(members.iter().map(|(k, v)| (k.as_str(), *v)).collect()),
            Source::Split { top, .. } => Some(top.iter().map(|(k, v)| (k.as_str(), *v)).collect()),
        }
    }

    /// [`Reader::finish_with_texts`], for a reader made by [`Opening::list_hashed_later`]:
    /// `digest` is the SHA-256 of [`Reader::hashed_document`] (`None` when it could not be
    /// computed: the document is then hashed here).
    pub fn finish_with_digest(mut self, digest: Option<&[u8]>) -> Result<ReadFile, FileError> {
        while !self.step(usize::MAX) {}
        let Some(top) = self.top() else {
            // The stream broke off: the whole document says what is wrong.
            let source = Reader::whole(self.text)?;
            let opened = Opening { text: self.text, source };
            let mut reader = opened.list()?;
            reader.shared = self.shared;
            return reader.finish_with_texts();
        };
        check_format(&top)?;
        let claimed = claimed_checksum(&top)?;
        let others = others_of(&top);
        let exporter = top.get("exporter").and_then(|raw| serde_json::from_str(raw.get()).ok());
        let text_of = |key: &str| top.get(key).and_then(|raw| serde_json::from_str::<String>(raw.get()).ok());
        let exported_at =
            text_of("exported_at").and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc));
        let sum_of = |lines: &[&str]| format!("sha256:{}", checksum_of(document_members(lines, &others)));
        // The hash fed as change sets were read holds when no other member sorts before them.
        let as_written = if let Some(digest) = digest {
            format!("sha256:{}", hex(digest))
        } else if others.iter().any(|(key, _)| utf16_before(key, "change_sets")) {
            sum_of(&self.raw_sets)
        } else if let Some(mut hasher) = self.hasher.take() {
            hasher.update(b"]");
            let mut sorted: Vec<&(String, String)> = others.iter().collect();
            sort_by(&mut sorted, |a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            for (key, value) in sorted {
                hasher.update(b",");
                hasher.update(canonical(key).as_bytes());
                hasher.update(b":");
                hasher.update(value.as_bytes());
            }
            hasher.update(b"}");
            format!("sha256:{}", hex(&hasher.finalize()))
        } else {
            sum_of(&self.raw_sets)
        };
        let as_hashed = claimed == as_written;
        if !as_hashed {
            let canonical: Vec<String> = self
                .raw_sets
                .iter()
                .map(|raw| serde_json::from_str::<&RawValue>(raw).map(canonical_raw).unwrap_or_default())
                .collect();
            if claimed != sum_of(&canonical.iter().map(String::as_str).collect::<Vec<_>>()) {
                return Err(FileError::ChecksumMismatch);
            }
        }
        let exporter = exporter.ok_or(FileError::BadHeader("exporter"))?;
        let exported_at = exported_at.ok_or(FileError::BadHeader("export time"))?;
        // Into a vector of their number at once: collecting into a `Result` knows no size
        // ahead and grows the vector by doubling (20 MB for a 50,000-record file).
        let mut change_sets = Vec::with_capacity(self.parsed.len());
        for (index, parsed) in self.parsed.into_iter().enumerate() {
            change_sets.push(parsed.map_err(|reason| FileError::BadChangeSet { index, reason })?);
        }
        // The spot check of the last change set (the others were checked as they were read).
        let last = self.raw_sets.last().is_none_or(|raw| spot_check(change_sets.last(), raw));
        let texts = (as_hashed && self.spot_checked && last && self.raw_sets.len() == change_sets.len()).then(|| {
            let shared = self.shared.as_ref();
            self.raw_sets
                .iter()
                .map(|raw| match shared {
                    Some(file) => FileText::within(file, raw),
                    None => FileText::from(raw.to_string()),
                })
                .collect()
        });
        Ok(ReadFile { file: ExchangeFile { exporter, exported_at, change_sets }, texts })
    }
}

/// A file read, and the text of its change sets.
#[derive(Debug, PartialEq)]
pub struct ReadFile {
    pub file: ExchangeFile,
    /// Each change set's text as the file wrote it (in the order of `file.change_sets`), when
    /// the file is byte for byte what its exporter hashed and this release writes the change
    /// sets it spot-checked the same way: the store keeps these texts instead of serialising
    /// 200,000 change sets again. `None` otherwise (another layout, another writer).
    pub texts: Option<Vec<FileText>>,
}

/// Where `part` lies in `whole` (start and end), when it is a part of it (a slice of the same
/// text, not only equal to one).
fn span_in(whole: &str, part: &str) -> Option<(usize, usize)> {
    let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    let end = start.checked_add(part.len())?;
    whole.get(start..end).is_some().then_some((start, end))
}

/// A change set's text as its file wrote it: a part of the file's text, which all of the
/// file's change sets share ([`Reader::sharing`]), or a text of its own.
#[derive(Clone)]
pub struct FileText {
    file: Arc<String>,
    start: usize,
    end: usize,
}

impl FileText {
    /// `part` of `file`, shared; a copy when `part` does not lie within `file`.
    pub fn within(file: &Arc<String>, part: &str) -> FileText {
        match span_in(file, part) {
            Some((start, end)) => FileText { file: Arc::clone(file), start, end },
            None => FileText::from(part.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        self.file.get(self.start..self.end).unwrap_or_default()
    }
}

impl From<String> for FileText {
    fn from(text: String) -> Self {
        let end = text.len();
        FileText { file: Arc::new(text), start: 0, end }
    }
}

impl std::ops::Deref for FileText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for FileText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for FileText {}

impl std::fmt::Debug for FileText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Change sets checked, one in this many (and the first and last), by writing them again and
/// comparing with their text in the file.
const SPOT_CHECK_EVERY: usize = 64;

/// Whether this release writes the change set as `raw` has it (true for one that did not
/// parse: the file is refused for that anyway). A file from a writer that lays change sets
/// out otherwise (key order, escapes, number or date forms) differs on every one, so the
/// spot check of one in [`SPOT_CHECK_EVERY`] (and the last) finds it and its texts are not
/// kept.
fn spot_check(parsed: Option<&ChangeSet>, raw: &str) -> bool {
    parsed.is_none_or(|change_set| serde_json::to_string(change_set).is_ok_and(|written| written == raw))
}

/// The change set that starts at or after byte `at` of the list in `text` (its text, parsed,
/// and where the next one starts); at the end of the list, reads the members after it into
/// `members` and returns `None`. `Err` when the text is not laid out as a list of objects
/// followed by members and the end of the document.
#[allow(clippy::type_complexity)]
fn next_change_set<'a>(
    text: &'a str,
    at: usize,
    members: &mut Vec<(String, &'a RawValue)>,
    texts: &mut TextPool,
) -> Result<Option<(&'a str, Result<ChangeSet, String>, usize)>, ()> {
    let start = skip_space(text, at);
    if text.as_bytes().get(start) == Some(&b']') {
        read_members_after(text, start + 1, members)?;
        return Ok(None);
    }
    let rest = text.get(start..).ok_or(())?;
    let (parsed, end) = match super::line::read(rest, texts) {
        // Written as this release writes it: read by hand (`sync::line`).
        Some((change_set, len)) => (Ok(change_set), start + len),
        None => {
            let mut values = serde_json::Deserializer::from_str(rest).into_iter::<ChangeSet>();
            match values.next().ok_or(())? {
                Ok(change_set) => (Ok(change_set), start + values.byte_offset()),
                // Not a change set: its text still ends somewhere, or the file is broken.
                Err(e) => match read_one::<&RawValue>(text, start) {
                    Some((_, end)) => (Err(e.to_string()), end),
                    None => return Err(()),
                },
            }
        }
    };
    let after = skip_space(text, end);
    let next = match text.as_bytes().get(after) {
        Some(b',') => after + 1,
        Some(b']') => after,
        _ => return Err(()),
    };
    Ok(Some((&text[start..end], parsed, next)))
}

/// The members after the list of change sets, up to the end of the document.
fn read_members_after<'a>(text: &'a str, mut at: usize, members: &mut Vec<(String, &'a RawValue)>) -> Result<(), ()> {
    loop {
        at = skip_space(text, at);
        match text.as_bytes().get(at) {
            Some(b',') => at = skip_space(text, at + 1),
            Some(b'}') => {
                return if skip_space(text, at + 1) == text.len() { Ok(()) } else { Err(()) };
            }
            _ => return Err(()),
        }
        let (key, after) = read_one::<String>(text, at).ok_or(())?;
        at = skip_space(text, after);
        if text.as_bytes().get(at) != Some(&b':') {
            return Err(());
        }
        let (value, after) = read_one::<&RawValue>(text, skip_space(text, at + 1)).ok_or(())?;
        // A second list of change sets, or any repeated member: read whole, as JSON says.
        if key == "change_sets" || members.iter().any(|(k, _)| *k == key) {
            return Err(());
        }
        members.push((key, value));
        at = after;
    }
}

/// A parsed change set checked: its own invariants, and the edits of a kind this release
/// declares against the types of its fields.
fn checked(change_set: ChangeSet) -> Result<ChangeSet, String> {
    let change_set = change_set.validated().map_err(|e: ChangeSetError| e.to_string())?;
    if let Some(kind) = catalogue::kind(&change_set.kind) {
        for edit in &change_set.edits {
            kind.check_edit(edit)?;
        }
    }
    Ok(change_set)
}

/// Whether `a` sorts before `b` as RFC 8785 orders keys (by UTF-16 code units).
fn utf16_before(a: &str, b: &str) -> bool {
    a.encode_utf16().cmp(b.encode_utf16()).is_lt()
}

/// A change set held as its canonical text (as the store keeps it), with the members an
/// export orders and selects by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalChangeSet<'a> {
    pub id: ChangeSetId,
    pub record: RecordId,
    pub stamp: Stamp,
    pub text: &'a str,
}

#[derive(Deserialize)]
struct Keys {
    id: ChangeSetId,
    record: RecordId,
    stamp: Stamp,
}

/// The change sets of a JSON array of canonical change sets (a stored chunk), read without
/// building them: an export copies their text as it is.
pub fn canonical_change_sets(array: &str) -> Result<Vec<CanonicalChangeSet<'_>>, serde_json::Error> {
    let raw: Vec<&RawValue> = serde_json::from_str(array)?;
    raw.into_iter().map(|raw| canonical_change_set(raw.get())).collect()
}

/// The change sets of an export body (canonical change sets, one per line, joined by `",\n"`;
/// canonical JSON never holds a raw line break), read without building them.
pub fn canonical_change_sets_of_lines(body: &str) -> Result<Vec<CanonicalChangeSet<'_>>, serde_json::Error> {
    body.split('\n')
        .filter(|line| !line.is_empty())
        .map(|line| canonical_change_set(line.strip_suffix(',').unwrap_or(line)))
        .collect()
}

/// One change set's canonical text, with the members an export orders and selects by.
fn canonical_change_set(text: &str) -> Result<CanonicalChangeSet<'_>, serde_json::Error> {
    let keys: Keys = serde_json::from_str(text)?;
    Ok(CanonicalChangeSet { id: keys.id, record: keys.record, stamp: keys.stamp, text })
}

/// Bytes per change set in a chunk index: stamp (8 + 4 + 8), id (16), record (16), and where
/// its text ends in the chunk (4), little-endian.
const INDEX_ENTRY: usize = 56;

/// A stored chunk's text in UTF-8 (the JSON array of its change sets, each in canonical form: `texts[i]`
/// where given, which must be change set `i`'s canonical text, serialised otherwise) and its
/// index: each change set's stamp, id and record and where its text ends. With the index an
/// export orders and selects stored change sets without reading them ([`indexed_change_sets`]).
pub fn chunk_text(
    change_sets: &[ChangeSet],
    texts: &[Option<FileText>],
) -> Result<(Vec<u8>, Vec<u8>), serde_json::Error> {
    let known: usize = texts.iter().flatten().map(|text| text.len()).sum();
    let mut text: Vec<u8> = Vec::with_capacity(known + change_sets.len() * 2 + 2);
    let mut index = Vec::with_capacity(change_sets.len() * INDEX_ENTRY);
    text.push(b'[');
    for (i, change_set) in change_sets.iter().enumerate() {
        if i > 0 {
            text.push(b',');
        }
        match texts.get(i).and_then(Option::as_ref) {
            Some(known) => text.extend_from_slice(known.as_bytes()),
            None => serde_json::to_writer(&mut text, change_set)?,
        }
        let end = u32::try_from(text.len()).map_err(serde::ser::Error::custom)?;
        index.extend_from_slice(&change_set.stamp.wall_ms.to_le_bytes());
        index.extend_from_slice(&change_set.stamp.counter.to_le_bytes());
        index.extend_from_slice(&change_set.stamp.replica.0.to_le_bytes());
        index.extend_from_slice(&change_set.id.to_bytes());
        index.extend_from_slice(&change_set.record.to_bytes());
        index.extend_from_slice(&end.to_le_bytes());
    }
    text.push(b']');
    Ok((text, index))
}

/// The change sets of a stored chunk's text by its index ([`chunk_text`]), without reading
/// them; `None` when the index does not fit the text (the caller reads the text instead).
pub fn indexed_change_sets<'a>(array: &'a str, index: &[u8]) -> Option<Vec<CanonicalChangeSet<'a>>> {
    if !array.starts_with('[') || !array.ends_with(']') {
        return None;
    }
    let entries = index_entries(index, array.len())?;
    let mut sets = Vec::with_capacity(entries.len());
    for entry in entries {
        let text =
            array.get(entry.start as usize..entry.end as usize).filter(|t| t.starts_with('{') && t.ends_with('}'))?;
        sets.push(CanonicalChangeSet { id: entry.id, record: entry.record, stamp: entry.stamp, text });
    }
    Some(sets)
}

/// One change set's entry in a chunk index ([`chunk_text`]): its order key, its record, and
/// where its text starts and ends in the chunk's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexEntry {
    pub stamp: Stamp,
    pub id: ChangeSetId,
    pub record: RecordId,
    pub start: u32,
    pub end: u32,
}

/// The entries of a chunk index for a text of `text_len` bytes, without reading the text;
/// `None` when the index does not fit a JSON array of that length whose members, and nothing
/// else, the entries cover.
pub fn index_entries(index: &[u8], text_len: usize) -> Option<Vec<IndexEntry>> {
    if !index.len().is_multiple_of(INDEX_ENTRY) || text_len < 2 {
        return None;
    }
    let mut entries = Vec::with_capacity(index.len() / INDEX_ENTRY);
    let mut start = 1;
    for entry in index.chunks_exact(INDEX_ENTRY) {
        let u64_at = |at: usize| entry.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
        let u32_at = |at: usize| entry.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
        let id_at = |at: usize| entry.get(at..at + 16).and_then(|b| <[u8; 16]>::try_from(b).ok());
        let stamp = Stamp { wall_ms: u64_at(0)?, counter: u32_at(8)?, replica: ReplicaId(u64_at(12)?) };
        let id = ChangeSetId::from_bytes(id_at(20)?);
        let record = RecordId::from_bytes(id_at(36)?);
        let end = u32_at(52)?;
        // A change set's text is `{...}`: two bytes at least, inside the array's brackets.
        if end < start + 2 || end as usize >= text_len {
            return None;
        }
        entries.push(IndexEntry { stamp, id, record, start, end });
        start = end + 1;
    }
    // Every change set, and nothing else, is in the text.
    (start as usize == text_len || (entries.is_empty() && text_len == 2)).then_some(entries)
}

/// The index entries of every chunk of `chunks` (each its index and its text's length), each
/// with its chunk's position in the list: what a plan of lines to take from stored texts is
/// made of (`writer::BodyPlan`, `FingerprintPlan`). `None` when an index does not fit its text.
pub fn chunks_entries(chunks: &[(&[u8], usize)]) -> Option<Vec<(u32, IndexEntry)>> {
    let mut all = Vec::new();
    for (n, &(index, text_len)) in chunks.iter().enumerate() {
        let n = u32::try_from(n).ok()?;
        all.extend(index_entries(index, text_len)?.into_iter().map(|entry| (n, entry)));
    }
    Some(all)
}

/// The lines a plan's `ranges` (triples: chunk, start, end) pick out of the chunks' `texts`;
/// `None` when a range is not a change set's `{...}` in its text. The model of the digest
/// worker's `linesOf`.
pub fn ranged_lines<'a>(ranges: &[u32], texts: &[&'a [u8]]) -> Option<Vec<&'a [u8]>> {
    ranges
        .chunks_exact(3)
        .map(|range| {
            let line = texts.get(range[0] as usize)?.get(range[1] as usize..range[2] as usize)?;
            (line.first() == Some(&b'{') && line.last() == Some(&b'}')).then_some(line)
        })
        .collect()
}

/// Writes a file of change sets held as canonical text: the same bytes as
/// [`ExchangeFile::write`] of the same change sets, without parsing or serialising them.
pub fn write_canonical(
    exporter: &Exporter,
    exported_at: DateTime<Utc>,
    mut sets: Vec<CanonicalChangeSet<'_>>,
) -> String {
    sort_by(&mut sets, |a, b| a.stamp.cmp(&b.stamp).then(a.id.cmp(&b.id)));
    write_lines(exporter, exported_at, sets.iter().map(|cs| (cs.stamp, cs.id, cs.text)))
}

/// The file around canonical change-set lines given in (stamp, id) order.
fn write_lines<'a>(
    exporter: &Exporter,
    exported_at: DateTime<Utc>,
    lines: impl Iterator<Item = (Stamp, ChangeSetId, &'a str)>,
) -> String {
    let mut writer = FileWriter::new();
    let mut out = FileWriter::head(exporter, exported_at);
    for (stamp, id, line) in lines {
        writer.push_sorted(stamp, id, line, &mut out);
    }
    out.push_str(&writer.finish(exporter, exported_at));
    out
}

/// A member's canonical value: one text, or the canonical lines of an array.
#[derive(Clone, Copy)]
enum Part<'a> {
    Text(&'a str),
    Lines(&'a [&'a str]),
}

/// The members of the document a checksum covers: the change sets (`lines`) and the other
/// members but the checksum, each with its canonical value.
fn document_members<'a>(lines: &'a [&'a str], others: &'a [(String, String)]) -> Vec<(&'a str, Part<'a>)> {
    let mut members: Vec<(&str, Part)> = vec![("change_sets", Part::Lines(lines))];
    members.extend(others.iter().map(|(key, value)| (key.as_str(), Part::Text(value))));
    members
}

/// SHA-256 (hex) of the RFC 8785 form of a document with these members (key, canonical value),
/// fed to the hash piece by piece rather than built as one string.
fn checksum_of(members: Vec<(&str, Part)>) -> String {
    let mut hasher = Sha256::new();
    feed_document(members, &mut |bytes| hasher.update(bytes));
    hex(&hasher.finalize())
}

/// Hands `out`, piece by piece, the RFC 8785 form of a document with these members (key,
/// canonical value).
fn feed_document(members: Vec<(&str, Part)>, out: &mut dyn FnMut(&[u8])) {
    feed_document_around(members, out, &mut |lines, out| {
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                out(b",");
            }
            out(line.as_bytes());
        }
    });
}

/// Where a document's bytes go, piece by piece.
type Out<'a> = dyn FnMut(&[u8]) + 'a;

/// As [`feed_document`], with the lines of a [`Part::Lines`] handed to `lines` instead (which
/// gets `out` to write them, or may note them elsewhere).
fn feed_document_around(mut members: Vec<(&str, Part)>, out: &mut Out, lines: &mut dyn FnMut(&[&str], &mut Out)) {
    // RFC 8785 orders keys by UTF-16 code units.
    sort_by(&mut members, |a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    out(b"{");
    for (n, (key, part)) in members.into_iter().enumerate() {
        if n > 0 {
            out(b",");
        }
        out(canonical(&key).as_bytes());
        out(b":");
        match part {
            Part::Text(text) => out(text.as_bytes()),
            Part::Lines(list) => {
                out(b"[");
                lines(list, out);
                out(b"]");
            }
        }
    }
    out(b"}");
}

/// The bytes of the RFC 8785 form of a document with these members before its change sets
/// and after them; `lines` is handed the change sets.
fn parts_around(members: Vec<(&str, Part)>, lines: &mut dyn FnMut(&[&str])) -> (Vec<u8>, Vec<u8>) {
    let (mut before, mut after) = (Vec::new(), Vec::new());
    // Whether the lines are behind: what comes then goes after them.
    let behind = std::cell::Cell::new(false);
    feed_document_around(
        members,
        &mut |bytes| if behind.get() { after.extend_from_slice(bytes) } else { before.extend_from_slice(bytes) },
        &mut |list, _| {
            lines(list);
            behind.set(true);
        },
    );
    (before, after)
}

/// The members of a file other than its change sets and checksum, each with its canonical
/// value.
fn others_of(top: &BTreeMap<&str, &RawValue>) -> Vec<(String, String)> {
    top.iter()
        .filter(|(key, _)| !matches!(**key, "change_sets" | "checksum"))
        .map(|(key, raw)| (key.to_string(), canonical_raw(raw)))
        .collect()
}

/// The canonical text of any JSON value read from a file.
fn canonical_raw(raw: &RawValue) -> String {
    serde_json::from_str::<Json>(raw.get()).map(|value| canonical(&value)).unwrap_or_default()
}

/// How far `bytes` is UTF-8 text, checked from `checked` (a length already known to be): the
/// new such length (a character cut by the end is left for when more bytes come), or where
/// the first byte that is not text is. For checking a large file a slice at a time.
pub fn utf8_checked(bytes: &[u8], checked: usize) -> Result<usize, usize> {
    match std::str::from_utf8(bytes.get(checked..).unwrap_or_default()) {
        Ok(_) => Ok(bytes.len()),
        Err(e) if e.error_len().is_none() => Ok(checked + e.valid_up_to()),
        Err(e) => Err(checked + e.valid_up_to()),
    }
}

/// Refuses a file above the size limit, before it is read.
pub fn check_size(size: u64) -> Result<(), FileError> {
    if size > MAX_BYTES {
        Err(FileError::TooLarge { size, limit: MAX_BYTES })
    } else {
        Ok(())
    }
}

/// RFC 8785 canonical JSON of a value this crate serialises (which never fails: no maps with
/// non-string keys, no non-finite floats).
pub(crate) fn canonical<T: Serialize>(value: &T) -> String {
    serde_json_canonicalizer::to_string(value).unwrap_or_default()
}

/// Lower-case hex of bytes (checksums, fingerprints).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::demo;
    use crate::domain::ids::RecordId;
    use crate::domain::record::Record;
    use std::collections::BTreeMap;

    pub(crate) fn sample_file() -> ExchangeFile {
        let none: BTreeMap<RecordId, Record> = BTreeMap::new();
        let change_sets =
            demo::sample_history(5, &none, |_| 1, &Member::new("Ada").unwrap(), DateTime::<Utc>::UNIX_EPOCH, 11);
        ExchangeFile {
            exporter: Exporter { member: Member::new("Ada").unwrap(), replica: ReplicaId(0x1c38ee1c7) },
            exported_at: DateTime::<Utc>::from_timestamp_millis(1_795_000_000_000).unwrap(),
            change_sets,
        }
    }

    #[test]
    fn a_file_reads_back_what_was_written() {
        let file = sample_file();
        let text = file.write();
        let read = ExchangeFile::read(&text).unwrap();
        assert_eq!(read.exporter, file.exporter);
        assert_eq!(read.exported_at, file.exported_at);
        let mut expected = file.change_sets.clone();
        expected.sort_by(|a, b| a.stamp.cmp(&b.stamp).then(a.id.cmp(&b.id)));
        assert_eq!(read.change_sets, expected);
    }

    #[test]
    fn the_same_data_gives_the_same_bytes_one_change_set_per_line() {
        let file = sample_file();
        let mut shuffled = file.clone();
        shuffled.change_sets.reverse();
        assert_eq!(file.write(), shuffled.write());
        let text = file.write();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), file.change_sets.len() + 6);
        assert!(lines[4..4 + file.change_sets.len()].iter().all(|l| l.starts_with("{\"at\":")));
    }

    #[test]
    fn a_file_written_from_stored_text_is_byte_for_byte_the_file_written_from_change_sets() {
        let file = sample_file();
        // As the store keeps them: chunks of change sets in arrival order, as JSON arrays.
        let chunks: Vec<String> =
            file.change_sets.chunks(7).map(|chunk| serde_json::to_string(chunk).unwrap()).collect();
        let sets: Vec<CanonicalChangeSet> = chunks.iter().flat_map(|c| canonical_change_sets(c).unwrap()).collect();
        assert_eq!(sets.len(), file.change_sets.len());
        assert_eq!(write_canonical(&file.exporter, file.exported_at, sets), file.write());
        assert!(canonical_change_sets("[{\"id\":1}]").is_err());
    }

    #[test]
    fn the_checksum_does_not_depend_on_layout_but_on_content() {
        let text = sample_file().write();
        // Pretty-printed by some tool: same content, still valid.
        let value: Json = serde_json::from_str(&text).unwrap();
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        assert!(ExchangeFile::read(&pretty).is_ok());
        // One character of content changed: refused.
        let tampered = text.replacen("\"Ada\"", "\"Eve\"", 1);
        assert_eq!(ExchangeFile::read(&tampered), Err(FileError::ChecksumMismatch));
    }

    /// The exchange file writes change sets with serde_json and counts on that being RFC 8785
    /// canonical: keys in order, no spaces, strings and numbers as the RFC writes them.
    #[test]
    fn a_change_set_serialises_in_canonical_form() {
        use crate::domain::edit::{Edit, Op};
        use crate::domain::value::Value;
        let mut sets = sample_file().change_sets;
        let tricky = "quote \" backslash \\ tab\t newline\n nul\u{0} bell\u{7} del\u{7f} é 日本 😀 \u{2028} </script>";
        let mut odd = sets[0].clone();
        odd.edits = vec![
            Edit::set("title", Some(Value::Text(tricky.into())), vec![]),
            Edit { field: "n".into(), op: Op::Add(Value::Number(-9_007_199_254_740_991)), replaces: vec![] },
            Edit::append("notes", tricky.into()),
        ];
        sets.push(odd);
        let mut unknown = sets[0].clone();
        unknown.edits = vec![
            Edit::set(
                "title",
                Some(serde_json::from_str(r#"{"geo":{"lon":4.30,"lat":5e-7,"big":1e21}}"#).unwrap()),
                vec![],
            ),
            Edit {
                field: "n".into(),
                op: serde_json::from_str(r#"{"multiply":{"by":[2,"\u00e9\n"]}}"#).unwrap(),
                replaces: vec![],
            },
        ];
        sets.push(unknown);
        let mut redacted = sets[0].clone();
        let earlier = crate::domain::clock::Stamp { wall_ms: 0, ..redacted.stamp };
        redacted.edits = vec![
            Edit::set("title", Some(Value::Redacted(earlier)), vec![]),
            Edit { field: "notes".into(), op: Op::RedactedNote(earlier), replaces: vec![] },
            Edit {
                field: "notes".into(),
                op: Op::Redact(crate::domain::edit::EditRef { index: 7, stamp: earlier }),
                replaces: vec![],
            },
        ];
        sets.push(redacted);
        for change_set in &sets {
            let compact = serde_json::to_string(change_set).unwrap();
            assert_eq!(compact, serde_json_canonicalizer::pipe(&compact).unwrap());
        }
    }

    #[test]
    fn a_file_as_its_exporter_wrote_it_keeps_the_text_of_each_change_set() {
        let file = sample_file();
        let text = file.write();
        let read = Reader::new(&text).unwrap().finish_with_texts().unwrap();
        assert_eq!(read.file, file);
        let written: Vec<FileText> =
            file.change_sets.iter().map(|cs| FileText::from(serde_json::to_string(cs).unwrap())).collect();
        assert_eq!(read.texts, Some(written.clone()));
        // Shared with the file's text: the same texts, each a part of it, none a copy.
        let shared = Arc::new(text.clone());
        let read = Reader::new(&shared).unwrap().sharing(&shared).finish_with_texts().unwrap();
        assert_eq!(read.texts, Some(written));
        assert_eq!(Arc::strong_count(&shared), 1 + file.change_sets.len());
        // A text that is not part of the file given is copied.
        let elsewhere = FileText::within(&shared, "{}");
        assert_eq!(&*elsewhere, "{}");
        assert_eq!(Arc::strong_count(&shared), 1 + file.change_sets.len());

        // Laid out otherwise (the checksum holds only once made canonical): no texts.
        let pretty = serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&text).unwrap()).unwrap();
        let read = Reader::new(&pretty).unwrap().finish_with_texts().unwrap();
        assert_eq!((read.file, read.texts), (file.clone(), None));
    }

    #[test]
    fn texts_another_writer_lays_out_otherwise_are_not_kept_even_under_a_matching_checksum() {
        let file = sample_file();
        let text = file.write();
        let lines: Vec<String> = ExchangeFile::read(&text)
            .unwrap()
            .change_sets
            .iter()
            .map(|cs| serde_json::to_string(cs).unwrap())
            .collect();
        let first = lines.iter().find(|line| text.contains(line.as_str())).unwrap().clone();
        // The same value with its first string's first character escaped, and the checksum
        // made over exactly these bytes.
        let at = first.find("\":\"").unwrap() + 3;
        let c = first[at..].chars().next().unwrap();
        let odd = format!("{}\\u{:04x}{}", &first[..at], c as u32, &first[at + c.len_utf8()..]);
        let mut odd_text = text.replacen(&first, &odd, 1);
        let document: BTreeMap<String, Json> = serde_json::from_str(&odd_text).unwrap();
        let raw_lines: Vec<&str> = odd_text
            .lines()
            .filter(|l| l.starts_with('{') && l.contains("\"stamp\""))
            .map(|l| l.trim_end_matches(','))
            .collect();
        let raw_lines: Vec<String> = raw_lines.iter().map(|l| l.to_string()).collect();
        let refs: Vec<&str> = raw_lines.iter().map(String::as_str).collect();
        let others: Vec<(String, String)> = document
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "change_sets" | "checksum"))
            .map(|(k, v)| (k.clone(), canonical(v)))
            .collect();
        let sum = format!("sha256:{}", checksum_of(document_members(&refs, &others)));
        let Some(Json::String(old_sum)) = document.get("checksum") else { panic!("no checksum") };
        odd_text = odd_text.replacen(old_sum.as_str(), &sum, 1);

        let read = Reader::new(&odd_text).unwrap().finish_with_texts().unwrap();
        assert_eq!(read.file.change_sets, ExchangeFile::read(&text).unwrap().change_sets);
        assert_eq!(read.texts, None);
    }

    #[test]
    fn a_chunk_index_finds_the_change_sets_its_text_holds() {
        let sets = sample_file().change_sets;
        let (bytes, index) = chunk_text(&sets, &[]).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(text, serde_json::to_string(&sets).unwrap());
        let read = canonical_change_sets(&text).unwrap();
        assert_eq!(indexed_change_sets(&text, &index), Some(read.clone()));
        // Known texts give the same chunk.
        let texts: Vec<Option<FileText>> = sets
            .iter()
            .enumerate()
            .map(|(i, cs)| (i % 2 == 0).then(|| FileText::from(serde_json::to_string(cs).unwrap())))
            .collect();
        assert_eq!(chunk_text(&sets, &texts).unwrap(), (bytes, index.clone()));
        assert_eq!(chunk_text(&[], &[]).unwrap(), (b"[]".to_vec(), Vec::new()));
        assert_eq!(indexed_change_sets("[]", &[]), Some(Vec::new()));

        // An index that does not fit its text is not used.
        assert_eq!(indexed_change_sets(&text, &index[..index.len() - 1]), None);
        assert_eq!(indexed_change_sets(&text, &index[..index.len() - INDEX_ENTRY]), None);
        assert_eq!(indexed_change_sets(&text, &[]), None);
        let mut shifted = index.clone();
        shifted[52] = shifted[52].wrapping_add(1);
        assert_eq!(indexed_change_sets(&text, &shifted), None);
        assert_eq!(indexed_change_sets(&text[1..], &index), None);
    }

    #[test]
    fn reading_a_large_file_reserves_room_for_its_change_sets_ahead_not_by_doubling() {
        let none: BTreeMap<RecordId, Record> = BTreeMap::new();
        let ada = Member::new("Ada").unwrap();
        let mut file = sample_file();
        file.change_sets = demo::sample_history(2_500, &none, |_| 1, &ada, DateTime::<Utc>::UNIX_EPOCH, 5);
        let text = file.write();
        let mut reader = Reader::new(&text).unwrap();
        let mut grown = 0;
        let mut capacity = reader.parsed.capacity();
        while !reader.step(1) {
            if reader.parsed.capacity() != capacity {
                grown += 1;
                capacity = reader.parsed.capacity();
            }
        }
        let count = reader.parsed.len();
        assert!(count > 10_000, "{count}");
        // Doubling: 13 reallocations and up to twice the room. Ahead: the first few, capped at
        // four times what was read, then the estimate.
        assert!(grown <= 7, "{grown} reallocations for {count} change sets");
        assert!(reader.parsed.capacity() <= count + count / 16 + 16, "{} for {count}", reader.parsed.capacity());
        assert_eq!(reader.raw_sets.len(), count);
        assert_eq!(reader.finish(), ExchangeFile::read(&text));
    }

    #[test]
    fn a_file_read_in_steps_is_the_file_read_at_once() {
        let text = sample_file().write();
        let mut reader = Reader::new(&text).unwrap();
        let mut steps = 0;
        while !reader.step(3) {
            steps += 1;
            let (read, at, total) = reader.progress();
            assert_eq!((read, total), (3 * steps, text.len()));
            assert!(text[..at].ends_with('}') && text[at..].starts_with(",\n{"), "{}", &text[at - 5..at + 5]);
        }
        assert_eq!(reader.finish(), ExchangeFile::read(&text));
        // A member a newer minor version adds, sorting before the change sets: the checksum
        // still covers it (and the hash waits for the end).
        let mut doc: serde_json::Map<String, Json> = serde_json::from_str(&text).unwrap();
        doc.remove("checksum");
        doc.insert("annex".into(), Json::from("kept"));
        let sum = hex(&Sha256::digest(serde_json_canonicalizer::to_string(&doc).unwrap().as_bytes()));
        doc.insert("checksum".into(), Json::from(format!("sha256:{sum}")));
        let with_annex = serde_json::to_string(&doc).unwrap();
        assert!(ExchangeFile::read(&with_annex).is_ok());
        assert_eq!(ExchangeFile::read(&with_annex.replace("kept", "kEpt")), Err(FileError::ChecksumMismatch));
    }

    #[test]
    fn a_file_is_read_the_same_whatever_its_layout_or_member_order() {
        let file = sample_file();
        let text = file.write();
        let doc: serde_json::Map<String, Json> = serde_json::from_str(&text).unwrap();
        // Pretty-printed, keys sorted (change sets before format and version: read whole).
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        assert_eq!(ExchangeFile::read(&pretty), Ok(file.clone()));
        // Members after the list, white space around everything.
        let spaced = text.replace(",\n", " ,\n\t ").replace(":[", " : [ ");
        assert_eq!(ExchangeFile::read(&spaced), Ok(file.clone()));
        // Anything after the document, or a second list, is read whole and refused or read as JSON says.
        assert!(matches!(ExchangeFile::read(&format!("{text}x")), Err(FileError::NotJson(_))));
        let twice = text.replace("\n\"checksum\"", "\n\"change_sets\":[],\n\"checksum\"");
        assert_eq!(ExchangeFile::read(&twice), Err(FileError::ChecksumMismatch));
    }

    /// Reads `text` as the browser does: the change sets without hashing, then the digest of
    /// the hashed document.
    #[cfg(not(target_arch = "wasm32"))]
    fn read_hashed_later(text: &str) -> Result<ReadFile, FileError> {
        let mut reader = Reader::open(text)?.list_hashed_later()?;
        let digest = reader.hashed_document().map(|document| Sha256::digest(&document).to_vec());
        reader.finish_with_digest(digest.as_deref())
    }

    /// `file` written, and written otherwise: pretty, spaced, with something after it, with a
    /// second list, tampered with, of a newer version, cut in half, empty; then every file of
    /// the bad-file corpus.
    #[cfg(not(target_arch = "wasm32"))] // the corpus is made natively
    fn files_to_read(file: &ExchangeFile) -> Vec<String> {
        let text = file.write();
        let doc: serde_json::Map<String, Json> = serde_json::from_str(&text).unwrap();
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        let spaced = text.replace(",\n", " ,\n\t ").replace(":[", " : [ ");
        let twice = text.replace("\n\"checksum\"", "\n\"change_sets\":[],\n\"checksum\"");
        let newer = text.replace(&format!("\"version\":\"{VERSION}\""), "\"version\":\"2.0\"");
        let cut = text[..text.len() / 2].to_string();
        let empty = ExchangeFile { change_sets: Vec::new(), ..file.clone() }.write();
        let mut texts =
            vec![text.clone(), pretty, spaced, format!("{text}x"), twice, tampered(&text), newer, cut, empty];
        texts.extend(crate::sync::corpus::cases().into_iter().map(|case| case.text));
        texts
    }

    /// `text` with one member's name changed, its checksum left as it was.
    #[cfg(not(target_arch = "wasm32"))]
    fn tampered(text: &str) -> String {
        text.replacen("\"Ada\"", "\"Eve\"", 1)
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))] // the corpus is made natively
    fn a_file_hashed_after_reading_reads_as_a_file_hashed_while_reading() {
        let file = sample_file();
        let text = file.write();
        for text in &files_to_read(&file) {
            let whole = Reader::new(text).and_then(Reader::finish_with_texts);
            assert_eq!(read_hashed_later(text), whole, "{}", &text[..text.len().min(200)]);
        }
        assert_eq!(read_hashed_later(&text).unwrap().file, file);
        assert!(read_hashed_later(&text).unwrap().texts.is_some());
        assert_eq!(read_hashed_later(&tampered(&text)), Err(FileError::ChecksumMismatch));
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))] // the corpus is made natively
    fn a_file_read_as_if_its_claimed_checksum_holds_reads_the_same_when_it_does() {
        let file = sample_file();
        let text = file.write();
        let mut held = 0;
        for text in &files_to_read(&file) {
            let whole = Reader::new(text).and_then(Reader::finish_with_texts);
            let Ok(mut reader) = Reader::open(text).and_then(Opening::list_hashed_later) else { continue };
            let (Some(document), Some(claimed)) = (reader.hashed_document(), reader.claimed_digest()) else { continue };
            let assumed = reader.finish_with_digest(Some(&claimed));
            if Sha256::digest(&document).as_slice() == claimed.as_slice() {
                held += 1;
                assert_eq!(assumed, whole, "{}", &text[..text.len().min(200)]);
            } else {
                // The browser then reads the file again, hashing it as it goes.
                assert!(whole.is_err() || whole.as_ref().is_ok_and(|read| read.texts.is_none()));
            }
        }
        assert!(held >= 1, "the file as written holds its claim");
        let mut reader = Reader::new(&text).unwrap();
        let document = reader.hashed_document().unwrap();
        assert_eq!(Some(Sha256::digest(document).to_vec()), reader.claimed_digest());
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))] // the corpus is made natively
    fn the_hashed_document_put_together_from_its_parts_is_the_hashed_document() {
        let mut put_together = 0;
        for text in &files_to_read(&sample_file()) {
            let Ok(mut reader) = Reader::open(text).and_then(Opening::list_hashed_later) else { continue };
            let document = reader.hashed_document();
            if let Some(parts) = reader.hashed_document_parts() {
                assert_eq!(parts.document(text), document, "{}", &text[..text.len().min(200)]);
                put_together += 1;
            }
        }
        assert!(put_together >= 4, "the files as written, pretty, spaced and empty");
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))] // the corpus is made natively
    fn a_guessed_document_the_worker_finds_as_the_reader_expects_is_the_hashed_document() {
        let file = sample_file();
        let text = file.write();
        let mut texts = files_to_read(&file);
        texts.extend([
            // A change set over two lines, and one whose second line starts with `]`.
            text.replacen("\"edits\":[", "\"edits\":\n[", 1),
            text.replacen("]}", "\n]}", 1),
            // Line ends of another system, a member after the list, a list on the head's line.
            text.replace(",\n", ",\r\n"),
            text.replace("\n],\n\"checksum\"", "\n],\"annex\":1,\n\"checksum\""),
            text.replace("[\n", "["),
        ]);
        let (mut guessed, mut held) = (0, 0);
        for text in &texts {
            let Ok(mut reader) = Reader::open(text).and_then(Opening::list_hashed_later) else { continue };
            let Some(guess) = reader.guess_document() else { continue };
            guessed += 1;
            let found = guess.put_together(text.as_bytes());
            let document = reader.hashed_document();
            match (reader.guess_held(&guess), found) {
                (Some(expected), Some((put_together, found))) if expected == found => {
                    assert_eq!(Some(put_together), document, "{}", &text[..text.len().min(300)]);
                    held += 1;
                }
                _ => {}
            }
        }
        // The file as written, the empty one and the valid one of the corpus hold; the layouts
        // the reader follows otherwise are guessed but do not.
        assert!(held >= 3 && guessed > held + 4, "{held} of {guessed}");
        let mut reader = Reader::open(&text).and_then(Opening::list_hashed_later).unwrap();
        let guess = reader.guess_document().unwrap();
        let (_, found) = guess.put_together(text.as_bytes()).unwrap();
        assert_eq!(reader.guess_held(&guess), Some(found));
    }

    #[test]
    fn text_checked_a_slice_at_a_time_is_checked_as_a_whole() {
        let text = "Imprimante en panne: caractères «accentués», 日本語, emoji 🛠️ et fin.".as_bytes().to_vec();
        let mut broken = text.clone();
        broken[30] = 0xff;
        for bytes in [&text, &broken] {
            let whole = std::str::from_utf8(bytes).map(|_| bytes.len()).map_err(|e| e.valid_up_to());
            for slice in 1..=bytes.len() {
                let mut checked = Ok(0);
                for end in (slice..bytes.len() + slice).step_by(slice) {
                    checked = checked.and_then(|at| utf8_checked(&bytes[..end.min(bytes.len())], at));
                }
                assert_eq!(checked, whole, "slices of {slice} bytes");
            }
        }
        // A character cut at the end is not counted until its last byte comes.
        let cut = "é".as_bytes();
        assert_eq!(utf8_checked(&cut[..1], 0), Ok(0));
        assert_eq!(utf8_checked(cut, 0), Ok(2));
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let text = sample_file().write();
        assert!(matches!(ExchangeFile::read(&text[..text.len() / 2]), Err(FileError::NotJson(_))));
        assert!(matches!(ExchangeFile::read("hello"), Err(FileError::NotJson(_))));
        assert_eq!(ExchangeFile::read("[1,2]"), Err(FileError::NotServicebook));
        assert_eq!(ExchangeFile::read(r#"{"format":"other"}"#), Err(FileError::NotServicebook));
        let newer = text.replace(&format!("\"version\":\"{VERSION}\""), "\"version\":\"2.0\"");
        assert_eq!(ExchangeFile::read(&newer), Err(FileError::NewerVersion("2.0".into())));
        let no_sum = text.replace(",\n\"checksum\"", ",\n\"nochecksum\"");
        assert_eq!(ExchangeFile::read(&no_sum), Err(FileError::NoChecksum));
        assert!(check_size(MAX_BYTES + 1).is_err());
    }
}
