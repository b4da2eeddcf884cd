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

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::domain::catalogue;
use crate::domain::edit::{ChangeSet, ChangeSetError};
use crate::domain::ids::{Member, ReplicaId};

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
}

impl ExchangeFile {
    /// The canonical text of the file.
    pub fn write(&self) -> String {
        let mut sets: Vec<&ChangeSet> = self.change_sets.iter().collect();
        sets.sort_by(|a, b| a.stamp.cmp(&b.stamp).then(a.id.cmp(&b.id)));
        // A change set's compact serde_json form is its canonical form (see `ChangeSet`).
        let lines: Vec<String> = sets.iter().map(|cs| serde_json::to_string(cs).unwrap_or_default()).collect();
        let exporter = canonical(&self.exporter);
        let at = canonical(&self.exported_at.to_rfc3339_opts(SecondsFormat::Millis, true));
        let (version, format) = (format!("\"{VERSION}\""), format!("\"{FORMAT}\""));
        let checksum = checksum_of(vec![
            ("change_sets", Part::Lines(&lines)),
            ("exported_at", Part::Text(&at)),
            ("exporter", Part::Text(&exporter)),
            ("format", Part::Text(&format)),
            ("version", Part::Text(&version)),
        ]);
        let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 2).sum::<usize>() + 512);
        out.push_str(&format!("{{\"format\":\"{FORMAT}\",\"version\":\"{VERSION}\",\n"));
        out.push_str(&format!("\"exporter\":{exporter},\n\"exported_at\":{at},\n\"change_sets\":[\n"));
        for (n, line) in lines.iter().enumerate() {
            out.push_str(line);
            out.push_str(if n + 1 < lines.len() { ",\n" } else { "\n" });
        }
        out.push_str(&format!("],\n\"checksum\":\"sha256:{checksum}\"}}\n"));
        out
    }

    /// Reads a file, refusing it whole on the first problem. Each change set is parsed once;
    /// its canonical form is the text itself when the text already is canonical (files this
    /// app writes), so the checksum costs one pass of SHA-256.
    pub fn read(text: &str) -> Result<ExchangeFile, FileError> {
        check_size(text.len() as u64)?;
        let top: BTreeMap<String, &RawValue> = match serde_json::from_str(text) {
            Ok(top) => top,
            Err(e) => {
                return Err(if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
                    FileError::NotServicebook
                } else {
                    FileError::NotJson(e.to_string())
                })
            }
        };
        let text_of = |key: &str| top.get(key).and_then(|raw| serde_json::from_str::<String>(raw.get()).ok());
        if text_of("format").as_deref() != Some(FORMAT) {
            return Err(FileError::NotServicebook);
        }
        let version = text_of("version").ok_or(FileError::BadHeader("version"))?;
        let major = version.split('.').next().and_then(|m| m.parse::<u64>().ok());
        match major {
            Some(MAJOR) => {}
            Some(m) if m > MAJOR => return Err(FileError::NewerVersion(version)),
            _ => return Err(FileError::BadVersion(version)),
        }
        let claimed = match top.get("checksum") {
            Some(raw) => serde_json::from_str::<String>(raw.get()).map_err(|_| FileError::BadHeader("checksum"))?,
            None => return Err(FileError::NoChecksum),
        };
        let raw_sets: Vec<&RawValue> = top
            .get("change_sets")
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .ok_or(FileError::BadHeader("list of change sets"))?;

        // Parse every change set, and find its canonical text.
        let parsed: Vec<Result<ChangeSet, String>> = raw_sets
            .iter()
            .map(|raw| serde_json::from_str::<ChangeSet>(raw.get()).map_err(|e| e.to_string()))
            .collect();
        let lines: Vec<String> = raw_sets
            .iter()
            .zip(&parsed)
            .map(|(raw, parsed)| match parsed {
                Ok(cs) if serde_json::to_string(cs).is_ok_and(|text| text == raw.get()) => raw.get().to_string(),
                _ => canonical_raw(raw),
            })
            .collect();
        let others: Vec<(&str, String)> = top
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "change_sets" | "checksum"))
            .map(|(key, raw)| (key.as_str(), canonical_raw(raw)))
            .collect();
        let mut members: Vec<(&str, Part)> = vec![("change_sets", Part::Lines(&lines))];
        members.extend(others.iter().map(|(key, value)| (*key, Part::Text(value))));
        if claimed != format!("sha256:{}", checksum_of(members)) {
            return Err(FileError::ChecksumMismatch);
        }

        let exporter: Exporter = top
            .get("exporter")
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .ok_or(FileError::BadHeader("exporter"))?;
        let exported_at = text_of("exported_at")
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or(FileError::BadHeader("export time"))?;
        let change_sets = parsed
            .into_iter()
            .enumerate()
            .map(|(index, parsed)| {
                let change_set = parsed.map_err(|reason| FileError::BadChangeSet { index, reason })?;
                let change_set = change_set
                    .validated()
                    .map_err(|e: ChangeSetError| FileError::BadChangeSet { index, reason: e.to_string() })?;
                if let Some(kind) = catalogue::kind(&change_set.kind) {
                    for edit in &change_set.edits {
                        kind.check_edit(edit).map_err(|reason| FileError::BadChangeSet { index, reason })?;
                    }
                }
                Ok(change_set)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ExchangeFile { exporter, exported_at, change_sets })
    }
}

/// A member's canonical value: one text, or the canonical lines of an array.
#[derive(Clone, Copy)]
enum Part<'a> {
    Text(&'a str),
    Lines(&'a [String]),
}

/// SHA-256 (hex) of the RFC 8785 form of a document with these members (key, canonical value),
/// fed to the hash piece by piece rather than built as one string.
fn checksum_of(mut members: Vec<(&str, Part)>) -> String {
    // RFC 8785 orders keys by UTF-16 code units.
    members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    let mut hasher = Sha256::new();
    hasher.update(b"{");
    for (n, (key, part)) in members.into_iter().enumerate() {
        if n > 0 {
            hasher.update(b",");
        }
        hasher.update(canonical(&key).as_bytes());
        hasher.update(b":");
        match part {
            Part::Text(text) => hasher.update(text.as_bytes()),
            Part::Lines(lines) => {
                hasher.update(b"[");
                for (i, line) in lines.iter().enumerate() {
                    if i > 0 {
                        hasher.update(b",");
                    }
                    hasher.update(line.as_bytes());
                }
                hasher.update(b"]");
            }
        }
    }
    hasher.update(b"}");
    hex(&hasher.finalize())
}

/// The canonical text of any JSON value read from a file.
fn canonical_raw(raw: &RawValue) -> String {
    serde_json::from_str::<Json>(raw.get()).map(|value| canonical(&value)).unwrap_or_default()
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
fn canonical<T: Serialize>(value: &T) -> String {
    serde_json_canonicalizer::to_string(value).unwrap_or_default()
}

/// Lower-case hex of bytes (checksums, fingerprints).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
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
