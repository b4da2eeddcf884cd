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

use super::file::{canonical, hex, Exporter, FORMAT, VERSION};
use crate::domain::clock::Stamp;
use crate::domain::ids::ChangeSetId;

/// Where a body stands: how many lines, the order key of the last, and the checksum's hash
/// state after them. Kept beside a saved body; never exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyState {
    pub lines: u64,
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
}

/// Writes the lines of a file's body and hashes them for its checksum.
#[derive(Clone)]
pub struct FileWriter {
    hasher: Sha256,
    lines: u64,
    last: Option<(Stamp, ChangeSetId)>,
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
        Self { hasher, lines: 0, last: None }
    }

    /// A writer continuing a saved body.
    pub fn resume(state: &BodyState) -> Result<Self, ContinueError> {
        let saved = state.hash.as_slice().try_into().map_err(|_| ContinueError::BadState)?;
        let hasher = Sha256::deserialize(saved).map_err(|_| ContinueError::BadState)?;
        Ok(Self { hasher, lines: state.lines, last: state.last })
    }

    /// Where the body stands now, to save beside it.
    pub fn state(&self) -> BodyState {
        BodyState { lines: self.lines, last: self.last, hash: self.hasher.serialize().to_vec() }
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
            self.hasher.update(b",");
        }
        out.push_str(line);
        self.hasher.update(line.as_bytes());
        self.lines += 1;
        self.last = Some((stamp, id));
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
        for piece in [
            "],\"exported_at\":",
            &at,
            ",\"exporter\":",
            &exporter,
            ",\"format\":\"",
            FORMAT,
            "\",\"version\":\"",
            VERSION,
            "\"}",
        ] {
            self.hasher.update(piece.as_bytes());
        }
        let checksum = hex(&self.hasher.finalize());
        let end_of_lines = if self.lines > 0 { "\n" } else { "" };
        format!("{end_of_lines}],\n\"checksum\":\"sha256:{checksum}\"}}\n")
    }
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
        let mut writer = FileWriter::resume(&state).unwrap();
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
        assert_eq!(FileWriter::resume(&state).err(), Some(ContinueError::BadState));
    }
}
