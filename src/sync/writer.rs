//! Writing an exchange file in three parts: the head, the body (the change-set lines) and
//! the tail (with the checksum). The checksum's hash state after the body can be saved and
//! resumed, so a body kept from an earlier export can be continued with the change sets that
//! arrived since: an export then hashes and copies only those, not every change set again.
//!
//! The bytes are exactly those of [`super::file::write_canonical`] (which uses this writer):
//! lines in (stamp, id) order, joined by `",\n"`; the checksum is SHA-256 over the RFC 8785
//! form of the document without its checksum, whose first member is `change_sets`, so the
//! hash of the body comes first and the head's members (export time, exporter) are hashed
//! after it, at [`FileWriter::finish`].

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::digest::common::hazmat::SerializableState;
use sha2::{Digest, Sha256};

use super::file::{
    canonical, canonical_change_sets_of_lines, chunks_entries, hex, ranged_lines, CanonicalChangeSet, Exporter, FORMAT,
    VERSION,
};
use crate::domain::clock::Stamp;
use crate::domain::ids::{ChangeSetId, RecordId};
use crate::domain::sort::sort_by;

/// A body keeps a mark every this many lines: a later export that must insert change sets
/// re-reads and re-hashes the body only from the last mark before the first of them.
pub const MARK_EVERY: u64 = 1_000;

/// Where a body stands after some lines: how many, their length in bytes, the order key of
/// the last, and the checksum's hash state after them. Kept beside a saved body (at its end
/// and at its marks); never exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyState {
    pub lines: u64,
    pub bytes: u64,
    pub last: Option<(Stamp, ChangeSetId)>,
    /// SHA-256's serialised state after `{"change_sets":[` and the lines joined by `,`.
    pub hash: Vec<u8>,
}

/// Why a body cannot be continued.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContinueError {
    /// A change set sorts before the body's last line: the body must be written again.
    #[error("a change set sorts before the end of the body")]
    OutOfOrder,
    #[error("the saved hash state does not read")]
    BadState,
    #[error("the kept body does not read: {0}")]
    BadBody(String),
}

/// Writes the lines of a file's body and hashes them for its checksum, marking where it
/// stands every [`MARK_EVERY`] lines.
#[derive(Clone)]
pub struct FileWriter {
    hasher: Sha256,
    lines: u64,
    bytes: u64,
    last: Option<(Stamp, ChangeSetId)>,
    marks: Vec<BodyState>,
}

impl Default for FileWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl FileWriter {
    /// A writer of an empty body.
    pub fn new() -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"{\"change_sets\":[");
        Self { hasher, lines: 0, bytes: 0, last: None, marks: Vec::new() }
    }

    /// A writer continuing a saved body that ends at `state`, with the marks before it.
    pub fn resume(state: &BodyState, marks: &[BodyState]) -> Result<Self, ContinueError> {
        let saved = state.hash.as_slice().try_into().map_err(|_| ContinueError::BadState)?;
        let hasher = Sha256::deserialize(saved).map_err(|_| ContinueError::BadState)?;
        let marks = marks.iter().filter(|m| m.lines <= state.lines).cloned().collect();
        Ok(Self { hasher, lines: state.lines, bytes: state.bytes, last: state.last, marks })
    }

    /// Where the body stands now, to save beside it.
    pub fn state(&self) -> BodyState {
        BodyState { lines: self.lines, bytes: self.bytes, last: self.last, hash: self.hasher.serialize().to_vec() }
    }

    /// The marks so far, to save beside the body.
    pub fn marks(&self) -> &[BodyState] {
        &self.marks
    }

    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Appends one change set's canonical text to `out` (after `",\n"` unless it is the first
    /// line of the body). Lines must come in (stamp, id) order.
    pub fn push(&mut self, stamp: Stamp, id: ChangeSetId, line: &str, out: &mut String) -> Result<(), ContinueError> {
        if self.last.is_some_and(|last| (stamp, id) <= last) {
            return Err(ContinueError::OutOfOrder);
        }
        self.push_sorted(stamp, id, line, out);
        Ok(())
    }

    /// [`FileWriter::push`] of a line the caller has sorted already.
    pub(super) fn push_sorted(&mut self, stamp: Stamp, id: ChangeSetId, line: &str, out: &mut String) {
        if self.lines > 0 {
            out.push_str(",\n");
        }
        out.push_str(line);
        self.hash(stamp, id, line);
    }

    /// Hashes a line that is in the body already (see [`BodyHashing`]).
    fn hash(&mut self, stamp: Stamp, id: ChangeSetId, line: &str) {
        if self.lines > 0 {
            self.hasher.update(b",");
            self.bytes += 2;
        }
        self.hasher.update(line.as_bytes());
        self.lines += 1;
        self.bytes += line.len() as u64;
        self.last = Some((stamp, id));
        if self.lines.is_multiple_of(MARK_EVERY) {
            self.marks.push(self.state());
        }
    }

    /// The file's head, up to and including the opening of the change sets.
    pub fn head(exporter: &Exporter, exported_at: DateTime<Utc>) -> String {
        let (exporter, at) = header_members(exporter, exported_at);
        format!(
            "{{\"format\":\"{FORMAT}\",\"version\":\"{VERSION}\",\n\"exporter\":{exporter},\n\"exported_at\":{at},\n\"change_sets\":[\n"
        )
    }

    /// The file's tail, after the body: the end of the change sets and the checksum, which
    /// covers the head's members too (so `exporter` and `exported_at` must be the head's).
    pub fn finish(mut self, exporter: &Exporter, exported_at: DateTime<Utc>) -> String {
        let (exporter, at) = header_members(exporter, exported_at);
        // The RFC 8785 key order: change_sets, exported_at, exporter, format, version.
        for piece in checksum_end(&exporter, &at) {
            self.hasher.update(piece.as_bytes());
        }
        tail(self.lines, &self.hasher.finalize())
    }
}

/// What the checksum covers after the body: the head's members in RFC 8785 key order
/// (change_sets, exported_at, exporter, format, version).
fn checksum_end<'a>(exporter: &'a str, at: &'a str) -> [&'a str; 9] {
    [
        "],\"exported_at\":",
        at,
        ",\"exporter\":",
        exporter,
        ",\"format\":\"",
        FORMAT,
        "\",\"version\":\"",
        VERSION,
        "\"}",
    ]
}

/// The file's tail after a body of `lines` lines whose checksum is `digest`.
fn tail(lines: u64, digest: &[u8]) -> String {
    let end_of_lines = if lines > 0 { "\n" } else { "" };
    format!("{end_of_lines}],\n\"checksum\":\"sha256:{}\"}}\n", hex(digest))
}

/// A file's body written without hashing it, for the checksum to be computed elsewhere (the
/// browser's WebCrypto hashes a whole file several times faster than this WebAssembly): what
/// the checksum covers is built first ([`Body::checksum_input`]), then the text of the lines
/// joined by `",\n"` from it ([`Body::text`]), so that the digest can be under way (in a
/// worker) while the text is written. Each line's order key is kept for [`BodyHashing`].
pub struct Body {
    keys: Vec<(Stamp, ChangeSetId)>,
    /// What the checksum covers: the start of the document, the lines joined by `,`, then
    /// (once [`Body::checksum_input`] is called) the members after them.
    hashed: Vec<u8>,
    /// Where each line ends in `hashed`.
    ends: Vec<usize>,
    /// Whether the members after the lines are in `hashed`.
    closed: bool,
}

/// How the document the checksum covers starts.
const HASHED_START: &[u8] = b"{\"change_sets\":[";

impl Default for Body {
    fn default() -> Self {
        Self::with_capacity(0, 0)
    }
}

impl Body {
    pub fn with_capacity(bytes: usize, lines: usize) -> Self {
        let mut hashed = Vec::with_capacity(bytes + 256);
        hashed.extend_from_slice(HASHED_START);
        Body { keys: Vec::with_capacity(lines), hashed, ends: Vec::with_capacity(lines), closed: false }
    }

    /// Appends a line; lines must come in (stamp, id) order, all before
    /// [`Body::checksum_input`].
    pub fn push(&mut self, stamp: Stamp, id: ChangeSetId, line: &str) -> Result<(), ContinueError> {
        if self.closed || self.keys.last().is_some_and(|last| (stamp, id) <= *last) {
            return Err(ContinueError::OutOfOrder);
        }
        if !self.keys.is_empty() {
            self.hashed.push(b',');
        }
        self.hashed.extend_from_slice(line.as_bytes());
        self.ends.push(self.hashed.len());
        self.keys.push((stamp, id));
        Ok(())
    }

    pub fn lines(&self) -> u64 {
        self.keys.len() as u64
    }

    /// The bytes the checksum is the SHA-256 of: the RFC 8785 form of the document without
    /// it, whose body is the lines joined by `","`. Once called, no line can be added.
    pub fn checksum_input(&mut self, exporter: &Exporter, exported_at: DateTime<Utc>) -> &[u8] {
        if !self.closed {
            let (exporter, at) = header_members(exporter, exported_at);
            checksum_end(&exporter, &at).iter().for_each(|piece| self.hashed.extend_from_slice(piece.as_bytes()));
            self.closed = true;
        }
        &self.hashed
    }

    /// The body's text: the lines joined by `",\n"`.
    pub fn text(&self) -> String {
        let lines: usize = self.ends.last().map_or(0, |end| end - HASHED_START.len());
        let mut text = String::with_capacity(lines + self.ends.len());
        let mut start = HASHED_START.len();
        for (n, &end) in self.ends.iter().enumerate() {
            if n > 0 {
                text.push_str(",\n");
            }
            // Each line was pushed as a `&str`, so these are its bytes, whole.
            text.push_str(std::str::from_utf8(self.hashed.get(start..end).unwrap_or_default()).unwrap_or_default());
            start = end + 1;
        }
        text
    }

    /// The file's tail, given the SHA-256 of [`Body::checksum_input`].
    pub fn tail(&self, digest: &[u8]) -> String {
        tail(self.lines(), digest)
    }
}

/// A full file's body planned from stored chunks' indexes alone, for someone else to put
/// together from the chunks' texts (the digest worker, `public/digest-worker.js`): an export
/// of 50,000 records then never brings their 86 MB into this memory before the download.
///
/// Each line is a range of one chunk's text; the body is the lines joined by `",\n"`
/// ([`BodyPlan::put_together`] does it here, for the tests and as the model of the worker's
/// code). A file of it is a [`WholeBody`].
pub struct BodyPlan {
    keys: Vec<(Stamp, ChangeSetId)>,
    /// Per line: the chunk (its position in the list given), where its text starts and ends.
    ranges: Vec<u32>,
}

impl BodyPlan {
    /// Plans the body of every change set of `chunks` (each its index and its text's length in
    /// bytes) whose record `keep` says to keep; a change set held twice is one line. `None`
    /// when an index does not fit its text.
    pub fn new(chunks: &[(&[u8], usize)], keep: impl Fn(RecordId) -> bool) -> Option<Self> {
        let mut lines: Vec<_> = chunks_entries(chunks)?
            .into_iter()
            .filter(|(_, e)| keep(e.record))
            .map(|(n, e)| (e.stamp, e.id, n, e.start, e.end))
            .collect();
        sort_by(&mut lines, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        lines.dedup_by(|a, b| (a.0, a.1) == (b.0, b.1));
        let mut ranges = Vec::with_capacity(lines.len() * 3);
        let keys = lines
            .into_iter()
            .map(|(stamp, id, chunk, start, end)| {
                ranges.extend([chunk, start, end]);
                (stamp, id)
            })
            .collect();
        Some(BodyPlan { keys, ranges })
    }

    pub fn lines(&self) -> u64 {
        self.keys.len() as u64
    }

    /// Per line, in order: its chunk, and where its text starts and ends there.
    pub fn ranges(&self) -> &[u32] {
        &self.ranges
    }

    /// The hashing of the body's states once it is put together ([`BodyHashing::step`] on
    /// its text).
    pub fn hashing(self) -> BodyHashing {
        BodyHashing::of_keys(self.keys)
    }

    /// The body put together from the chunks' `texts` as the worker does; `None` when a
    /// range is not a change set's `{...}` in its text.
    pub fn put_together(&self, texts: &[&[u8]]) -> Option<Vec<u8>> {
        Some(ranged_lines(&self.ranges, texts)?.join(&b",\n"[..]))
    }

    /// The whole body this plan puts together.
    pub fn whole(&self) -> WholeBody {
        WholeBody::of_lines(self.lines())
    }
}

/// A whole body already put together (in the browser, a `Blob` of its text): a file of it
/// for any export time needs only a new head and tail, and a checksum over the body with its
/// separators' line ends left out ([`WholeBody::checksum_input`], which the digest worker
/// does from the `Blob` in `public/digest-worker.js`). An export asked for while a body kept
/// ahead is still being hashed into its states is written so, at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WholeBody {
    lines: u64,
}

impl WholeBody {
    /// A body of this many lines.
    pub fn of_lines(lines: u64) -> Self {
        WholeBody { lines }
    }

    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// What the checksum covers before the body's lines.
    pub fn checksum_before() -> &'static [u8] {
        HASHED_START
    }

    /// What the checksum covers after them.
    pub fn checksum_after(exporter: &Exporter, exported_at: DateTime<Utc>) -> Vec<u8> {
        let (exporter, at) = header_members(exporter, exported_at);
        checksum_end(&exporter, &at).concat().into_bytes()
    }

    /// The file's tail, given the SHA-256 of what the checksum covers.
    pub fn tail(&self, digest: &[u8]) -> String {
        tail(self.lines, digest)
    }

    /// What the checksum covers, from the body's text: a canonical line holds no raw
    /// newline, so every one is a separator's, left out. The model of the worker's code.
    pub fn checksum_input(body: &[u8], exporter: &Exporter, exported_at: DateTime<Utc>) -> Vec<u8> {
        let after = Self::checksum_after(exporter, exported_at);
        let mut hashed = Vec::with_capacity(HASHED_START.len() + body.len() + after.len());
        hashed.extend_from_slice(HASHED_START);
        hashed.extend(body.iter().copied().filter(|&b| b != b'\n'));
        hashed.extend_from_slice(&after);
        hashed
    }
}

/// Hashes a body written by [`Body`], a part at a time, into the states a kept body needs
/// (its end and a mark every [`MARK_EVERY`] lines): done after the file is handed over, in
/// slices, so that neither the download nor the page waits for it.
pub struct BodyHashing {
    writer: FileWriter,
    keys: Vec<(Stamp, ChangeSetId)>,
    /// Lines hashed so far, and where the next one starts in the text.
    done: usize,
    at: usize,
}

impl BodyHashing {
    /// Hashing of `body`; the caller keeps its text ([`Body::text`]) and hands it to each
    /// [`BodyHashing::step`].
    pub fn new(body: Body) -> Self {
        Self::of_keys(body.keys)
    }

    /// Hashing of a body whose lines have these order keys.
    fn of_keys(keys: Vec<(Stamp, ChangeSetId)>) -> Self {
        BodyHashing { writer: FileWriter::new(), keys, done: 0, at: 0 }
    }

    /// Hashes up to `lines` more lines of `text` (the body's); true when all are.
    pub fn step(&mut self, text: &str, lines: usize) -> bool {
        let end = (self.done + lines).min(self.keys.len());
        for &(stamp, id) in &self.keys[self.done..end] {
            let rest = text.get(self.at..).unwrap_or_default();
            // A canonical line holds no raw newline: the first one ends the separator after it.
            let line = match rest.bytes().position(|b| b == b'\n') {
                Some(newline) => rest.get(..newline.saturating_sub(1)).unwrap_or_default(),
                None => rest,
            };
            self.writer.hash(stamp, id, line);
            self.at += line.len() + 2;
        }
        self.done = end;
        self.done == self.keys.len()
    }

    /// The kept body's states (call once [`BodyHashing::step`] said all lines are hashed).
    pub fn finish(&self) -> KeptBody {
        KeptBody { end: self.writer.state(), marks: self.writer.marks().to_vec() }
    }
}

/// A kept body: where it ends and its marks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptBody {
    pub end: BodyState,
    pub marks: Vec<BodyState>,
}

/// Where a kept body is continued from, for change sets whose first (in order) has this key:
/// the state to resume (the end, a mark, or the empty body); the kept lines after it must be
/// read again and merged with the new ones.
pub fn resume_point(kept: &KeptBody, first: (Stamp, ChangeSetId)) -> BodyState {
    if kept.end.last.is_none_or(|last| last < first) {
        return kept.end.clone();
    }
    kept.marks
        .iter()
        .filter(|mark| mark.lines < kept.end.lines)
        .rev()
        .find(|mark| mark.last.is_some_and(|last| last < first))
        .cloned()
        .unwrap_or_else(|| FileWriter::new().state())
}

/// Continues a kept body from `from` (a [`resume_point`]): `rest` is the kept body's text
/// after `from.bytes`, and `new` the change sets to add, sorted. Returns the writer and the
/// text that replaces `rest`. Refused when a new change set has the key of a kept one (a
/// change set held twice: the body is written from scratch then).
pub fn continue_body(
    kept: &KeptBody,
    from: &BodyState,
    rest: &str,
    new: &[CanonicalChangeSet<'_>],
) -> Result<(FileWriter, String), ContinueError> {
    let mut writer = FileWriter::resume(from, &kept.marks)?;
    // `rest` starts with the separator after the line `from` ends with.
    let rest = if from.lines > 0 { rest.strip_prefix(",\n").unwrap_or(rest) } else { rest };
    let old = canonical_change_sets_of_lines(rest).map_err(|e| ContinueError::BadBody(e.to_string()))?;
    let mut out = String::with_capacity(rest.len() + new.iter().map(|cs| cs.text.len() + 2).sum::<usize>() + 2);
    let (mut old, mut new) = (old.iter().peekable(), new.iter().peekable());
    loop {
        let next = match (old.peek(), new.peek()) {
            (Some(a), Some(b)) if (a.stamp, a.id) <= (b.stamp, b.id) => old.next(),
            (Some(_), Some(_)) => new.next(),
            (Some(_), None) => old.next(),
            (None, Some(_)) => new.next(),
            (None, None) => break,
        };
        if let Some(cs) = next {
            writer.push(cs.stamp, cs.id, cs.text, &mut out)?;
        }
    }
    Ok((writer, out))
}

/// The canonical text of the head's members that vary: the exporter and the export time.
fn header_members(exporter: &Exporter, exported_at: DateTime<Utc>) -> (String, String) {
    (canonical(exporter), canonical(&exported_at.to_rfc3339_opts(SecondsFormat::Millis, true)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::file::{tests::sample_file, ExchangeFile};

    /// The sample file's change sets as (stamp, id, line), sorted.
    fn lines(file: &ExchangeFile) -> Vec<(Stamp, ChangeSetId, String)> {
        let mut lines: Vec<_> = file
            .change_sets
            .iter()
            .map(|cs| (cs.stamp, cs.id, serde_json::to_string(cs).unwrap_or_default()))
            .collect();
        lines.sort_by_key(|line| (line.0, line.1));
        lines
    }

    fn written(file: &ExchangeFile, split: usize) -> String {
        let lines = lines(file);
        let mut writer = FileWriter::new();
        let mut body = String::new();
        for (stamp, id, line) in &lines[..split] {
            writer.push(*stamp, *id, line, &mut body).unwrap();
        }
        // Saved and resumed, as the store keeps a body between exports.
        let state = writer.state();
        let mut writer = FileWriter::resume(&state, &[]).unwrap();
        let mut more = String::new();
        for (stamp, id, line) in &lines[split..] {
            writer.push(*stamp, *id, line, &mut more).unwrap();
        }
        // A body continued after earlier lines starts with the separator.
        let head = FileWriter::head(&file.exporter, file.exported_at);
        let tail = writer.finish(&file.exporter, file.exported_at);
        format!("{head}{body}{more}{tail}")
    }

    #[test]
    fn a_saved_body_continued_gives_the_file_written_at_once() {
        let file = sample_file();
        let whole = file.write();
        for split in 0..=file.change_sets.len() {
            assert_eq!(written(&file, split), whole, "split after {split} lines");
        }
        assert_eq!(ExchangeFile::read(&whole).unwrap(), file);
    }

    /// A body written without hashing, its checksum computed from `checksum_input` (as the
    /// browser's WebCrypto does) and its states hashed afterwards in steps of `step` lines.
    fn written_unhashed(file: &ExchangeFile, step: usize) -> (String, KeptBody) {
        let mut body = Body::default();
        for (stamp, id, line) in lines(file) {
            body.push(stamp, id, &line).unwrap();
        }
        let digest = Sha256::digest(body.checksum_input(&file.exporter, file.exported_at));
        let body_text = body.text();
        let text = format!("{}{}{}", FileWriter::head(&file.exporter, file.exported_at), body_text, body.tail(&digest));
        let mut hashing = BodyHashing::new(body);
        while !hashing.step(&body_text, step) {}
        (text, hashing.finish())
    }

    #[test]
    fn a_body_hashed_elsewhere_and_its_states_hashed_later_give_the_file_and_states_written_at_once() {
        for file in [sample_file(), large_file(), empty_file()] {
            let mut writer = FileWriter::new();
            let mut body = String::new();
            for (stamp, id, line) in lines(&file) {
                writer.push(stamp, id, &line, &mut body).unwrap();
            }
            let at_once = KeptBody { end: writer.state(), marks: writer.marks().to_vec() };
            for step in [1, 7, 1_000, usize::MAX] {
                let (text, kept) = written_unhashed(&file, step);
                assert_eq!(text, file.write(), "step {step}");
                assert_eq!(kept, at_once, "step {step}");
            }
        }
        assert!(large_file().change_sets.len() as u64 > 2 * MARK_EVERY);
    }

    #[test]
    fn an_empty_file_reads_back() {
        let mut file = sample_file();
        file.change_sets.clear();
        assert_eq!(written(&file, 0), file.write());
        assert_eq!(ExchangeFile::read(&file.write()).unwrap(), file);
    }

    #[test]
    fn a_body_is_not_continued_with_a_change_set_that_sorts_before_its_end() {
        let file = sample_file();
        let lines = lines(&file);
        let mut writer = FileWriter::new();
        let mut body = String::new();
        let (stamp, id, line) = &lines[1];
        writer.push(*stamp, *id, line, &mut body).unwrap();
        let (stamp, id, line) = &lines[0];
        assert_eq!(writer.push(*stamp, *id, line, &mut body), Err(ContinueError::OutOfOrder));
        // The same line again is out of order too (a body never holds a change set twice).
        let (stamp, id, line) = &lines[1];
        assert_eq!(writer.push(*stamp, *id, line, &mut body), Err(ContinueError::OutOfOrder));
    }

    #[test]
    fn a_damaged_hash_state_is_refused() {
        let mut state = FileWriter::new().state();
        state.hash.pop();
        assert_eq!(FileWriter::resume(&state, &[]).err(), Some(ContinueError::BadState));
    }

    /// A file of many change sets (several marks' worth).
    fn large_file() -> ExchangeFile {
        use crate::domain::demo;
        use crate::domain::ids::Member;
        let none = std::collections::BTreeMap::new();
        let member = Member::new("Marks").unwrap();
        let mut file = sample_file();
        file.change_sets = demo::sample_history(700, &none, |_| 1, &member, DateTime::<Utc>::UNIX_EPOCH, 7);
        file
    }

    /// Writes the lines `kept` selects as a kept body, then continues it with the others.
    fn continued(file: &ExchangeFile, kept: impl Fn(usize) -> bool) -> String {
        let lines = lines(file);
        let (mut old, mut new) = (Vec::new(), Vec::new());
        for (n, (stamp, id, line)) in lines.iter().enumerate() {
            let record = crate::domain::ids::RecordId::parse("00000000-0000-7000-8000-000000000000").unwrap();
            let cs = CanonicalChangeSet { id: *id, record, stamp: *stamp, text: line.as_str() };
            if kept(n) {
                old.push(cs)
            } else {
                new.push(cs)
            }
        }
        let mut writer = FileWriter::new();
        let mut body = String::new();
        for cs in &old {
            writer.push(cs.stamp, cs.id, cs.text, &mut body).unwrap();
        }
        let kept = KeptBody { end: writer.state(), marks: writer.marks().to_vec() };
        let Some(first) = new.first() else {
            let tail = writer.finish(&file.exporter, file.exported_at);
            return format!("{}{body}{tail}", FileWriter::head(&file.exporter, file.exported_at));
        };
        let from = resume_point(&kept, (first.stamp, first.id));
        let (writer, out) = continue_body(&kept, &from, &body[from.bytes as usize..], &new).unwrap();
        // What is read again is only what follows the last mark before the first new line.
        let before = old.iter().take_while(|cs| (cs.stamp, cs.id) < (first.stamp, first.id)).count() as u64;
        let expected = if before == kept.end.lines { before } else { before / MARK_EVERY * MARK_EVERY };
        assert_eq!(from.lines, expected);
        let head = FileWriter::head(&file.exporter, file.exported_at);
        let tail = writer.finish(&file.exporter, file.exported_at);
        format!("{head}{}{out}{tail}", &body[..from.bytes as usize])
    }

    #[test]
    fn a_kept_body_continued_with_change_sets_sorting_anywhere_gives_the_file_written_at_once() {
        let file = large_file();
        let whole = file.write();
        let n = file.change_sets.len();
        assert!(n as u64 > 2 * MARK_EVERY, "{n} change sets");
        type Keeps = Box<dyn Fn(usize) -> bool>;
        let cases: Vec<(&str, Keeps)> = vec![
            ("new at the end", Box::new(move |i| i < n - 5)),
            ("new at the start", Box::new(|i| i >= 3)),
            ("new in the middle", Box::new(move |i| !(n / 2..n / 2 + 10).contains(&i))),
            ("new scattered", Box::new(|i| i % 97 != 13)),
            ("nothing kept", Box::new(|_| false)),
            ("nothing new", Box::new(|_| true)),
        ];
        for (what, kept) in cases {
            assert_eq!(continued(&file, kept), whole, "{what}");
        }
    }

    #[test]
    fn a_body_continues_from_the_last_mark_before_the_first_new_line() {
        let file = large_file();
        let lines = lines(&file);
        let mut writer = FileWriter::new();
        let mut body = String::new();
        for (stamp, id, line) in &lines {
            writer.push(*stamp, *id, line, &mut body).unwrap();
        }
        let kept = KeptBody { end: writer.state(), marks: writer.marks().to_vec() };
        assert_eq!(kept.marks.len() as u64, lines.len() as u64 / MARK_EVERY);
        // A line sorting where line 1,500 is resumes from the mark after line 1,000.
        let from = resume_point(&kept, (lines[1500].0, lines[1500].1));
        assert_eq!(from.lines, MARK_EVERY);
        assert_eq!(
            &body[..from.bytes as usize],
            lines[..1000].iter().map(|l| l.2.as_str()).collect::<Vec<_>>().join(",\n")
        );
        // After the end: the end. Before everything: the empty body.
        let (stamp, id, _) = &lines[lines.len() - 1];
        let later = (Stamp { wall_ms: stamp.wall_ms + 1, ..*stamp }, *id);
        assert_eq!(resume_point(&kept, later), kept.end);
        let (stamp, id, _) = &lines[0];
        let earlier = (Stamp { wall_ms: 0, counter: 0, ..*stamp }, *id);
        assert_eq!(resume_point(&kept, earlier).lines, 0);
    }

    /// `file`'s change sets stored as chunks of `size`, in reverse order of their stamps
    /// (as an import of older edits leaves them), with the first one stored twice.
    fn stored(file: &ExchangeFile, size: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut sets = file.change_sets.clone();
        sets.reverse();
        if let Some(first) = sets.first().cloned() {
            sets.push(first);
        }
        sets.chunks(size).map(|chunk| crate::sync::file::chunk_text(chunk, &[]).unwrap()).collect()
    }

    /// The sample file without change sets.
    fn empty_file() -> ExchangeFile {
        let mut file = sample_file();
        file.change_sets.clear();
        file
    }

    /// The file of a whole `body` for `file`'s exporter and export time, its checksum over
    /// [`WholeBody::checksum_input`] (as the digest worker computes it).
    fn file_of(body: &[u8], whole: WholeBody, file: &ExchangeFile) -> String {
        let hashed = WholeBody::checksum_input(body, &file.exporter, file.exported_at);
        let head = FileWriter::head(&file.exporter, file.exported_at);
        format!("{head}{}{}", std::str::from_utf8(body).unwrap(), whole.tail(&Sha256::digest(&hashed)))
    }

    #[test]
    fn a_body_planned_from_chunk_indexes_and_put_together_elsewhere_gives_the_file_written_here() {
        for file in [sample_file(), large_file(), empty_file()] {
            for size in [1, 3, 1_000] {
                let chunks = stored(&file, size);
                let indexes: Vec<(&[u8], usize)> = chunks.iter().map(|(t, i)| (i.as_slice(), t.len())).collect();
                let plan = BodyPlan::new(&indexes, |_| true).unwrap();
                assert_eq!(plan.lines(), file.change_sets.len() as u64);
                let texts: Vec<&[u8]> = chunks.iter().map(|(t, _)| t.as_slice()).collect();
                let body = plan.put_together(&texts).unwrap();
                assert_eq!(file_of(&body, plan.whole(), &file), file.write(), "chunks of {size}");
                // The states hashed afterwards are those of a body written here.
                let (_, kept) = written_unhashed(&file, usize::MAX);
                let mut hashing = plan.hashing();
                while !hashing.step(std::str::from_utf8(&body).unwrap(), 500) {}
                assert_eq!(hashing.finish(), kept, "chunks of {size}");
            }
        }
    }

    #[test]
    fn a_whole_body_written_again_for_another_export_time_gives_the_file_written_then() {
        for file in [sample_file(), large_file(), empty_file()] {
            let (before, _) = written_unhashed(&file, usize::MAX);
            let head = FileWriter::head(&file.exporter, file.exported_at);
            let body = before.strip_prefix(&head).and_then(|rest| rest.rsplit_once("],\n\"checksum\"")).unwrap().0;
            let body = body.strip_suffix('\n').unwrap_or(body);
            let mut later = file.clone();
            later.exported_at += chrono::Duration::minutes(5);
            let whole = WholeBody::of_lines(file.change_sets.len() as u64);
            let written = file_of(body.as_bytes(), whole, &later);
            assert_eq!(written, later.write(), "{} lines", whole.lines());
            assert_ne!(written, file.write());
        }
    }

    #[test]
    fn a_planned_body_keeps_only_the_records_asked_for() {
        let file = large_file();
        let chunks = stored(&file, 100);
        let indexes: Vec<(&[u8], usize)> = chunks.iter().map(|(t, i)| (i.as_slice(), t.len())).collect();
        let chosen = file.change_sets[3].record;
        let plan = BodyPlan::new(&indexes, |record| record == chosen).unwrap();
        let texts: Vec<&[u8]> = chunks.iter().map(|(t, _)| t.as_slice()).collect();
        let body = plan.put_together(&texts).unwrap();
        let mut selection = file.clone();
        selection.change_sets.retain(|cs| cs.record == chosen);
        assert!(selection.change_sets.len() > 1);
        assert_eq!(file_of(&body, plan.whole(), &file), selection.write());
    }

    #[test]
    fn a_plan_refuses_an_index_that_does_not_fit_its_text() {
        let file = sample_file();
        let chunks = stored(&file, 1_000);
        let (text, index) = &chunks[0];
        assert!(BodyPlan::new(&[(index.as_slice(), text.len() + 1)], |_| true).is_none());
        assert!(BodyPlan::new(&[(&index[..index.len() - 1], text.len())], |_| true).is_none());
        // A range that is not a change set's text is not put together.
        let plan = BodyPlan::new(&[(index.as_slice(), text.len())], |_| true).unwrap();
        let mut shifted = text.clone();
        shifted.rotate_left(1);
        assert!(plan.put_together(&[&shifted]).is_none());
        assert!(plan.put_together(&[]).is_none());
    }
}
