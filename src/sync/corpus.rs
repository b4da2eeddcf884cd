//! The corpus of bad exchange files under `tests/corpus/`: each is refused with its message and
//! changes nothing (the end-to-end test imports each one in the browser). The files are made
//! here, so they stay in step with the format; a test checks the committed files against them
//! (`SERVICEBOOK_WRITE_CORPUS=1 cargo test corpus` rewrites them).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::file::{ExchangeFile, Exporter};
use crate::domain::demo;
use crate::domain::ids::{Member, RecordId, ReplicaId};
use crate::domain::record::Record;

/// A corpus file: its name, its text, and the start of the message it must be refused with.
pub struct Case {
    pub name: &'static str,
    pub text: String,
    pub message: &'static str,
}

fn valid() -> ExchangeFile {
    let none: BTreeMap<RecordId, Record> = BTreeMap::new();
    let change_sets =
        demo::sample_history(2, &none, |_| 1, &Member::new("Corpus").unwrap(), DateTime::<Utc>::UNIX_EPOCH, 99);
    ExchangeFile {
        exporter: Exporter { member: Member::new("Corpus").unwrap(), replica: ReplicaId(0xc0) },
        exported_at: DateTime::<Utc>::from_timestamp_millis(1_795_000_000_000).unwrap_or_default(),
        change_sets: change_sets.into_iter().take(6).collect(),
    }
}

/// A document with a correct checksum for whatever it holds, so the check that follows the
/// checksum is what refuses it.
fn sealed(mut doc: serde_json::Map<String, Json>) -> String {
    doc.remove("checksum");
    let canonical = serde_json_canonicalizer::to_string(&doc).unwrap_or_default();
    let sum = super::file::hex(&Sha256::digest(canonical.as_bytes()));
    doc.insert("checksum".into(), Json::String(format!("sha256:{sum}")));
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn parsed(text: &str) -> serde_json::Map<String, Json> {
    match serde_json::from_str(text) {
        Ok(Json::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// Every case of the corpus.
pub fn cases() -> Vec<Case> {
    let good = valid().write();
    let mut wrong_type = parsed(&good);
    if let Some(Json::Array(sets)) = wrong_type.get_mut("change_sets") {
        sets[0]["stamp"] = Json::from(42);
    }
    let mut bad_value = parsed(&good);
    if let Some(Json::Array(sets)) = bad_value.get_mut("change_sets") {
        sets[1]["edits"][0]["op"] = serde_json::json!({"set": {"number": "many"}});
    }
    let mut replaces_future = parsed(&good);
    if let Some(Json::Array(sets)) = replaces_future.get_mut("change_sets") {
        sets[0]["edits"][0]["replaces"] = serde_json::json!(["ffffffffffff-00000000-0000000000000001"]);
    }
    let mut no_edits = parsed(&good);
    if let Some(Json::Array(sets)) = no_edits.get_mut("change_sets") {
        sets[0]["edits"] = serde_json::json!([]);
    }
    vec![
        Case {
            name: "not_json.json",
            text: "This is a note, not an export.\n".into(),
            message: "The file is not JSON",
        },
        Case { name: "truncated.json", text: good[..good.len() / 2].to_string(), message: "The file is not JSON" },
        Case {
            name: "another_format.json",
            text: "{\"format\":\"ticket-export\",\"tickets\":[]}\n".into(),
            message: "This is not a Servicebook exchange file.",
        },
        Case {
            name: "newer_major_version.json",
            text: good.replace("\"version\":\"1.0\"", "\"version\":\"2.0\""),
            message: "The file was written by a newer Servicebook",
        },
        Case {
            name: "checksum_mismatch.json",
            text: good.replacen("\"Corpus\"", "\"Mallory\"", 2),
            message: "The file's checksum does not match",
        },
        Case {
            name: "no_checksum.json",
            text: good.replace("\"checksum\"", "\"check\""),
            message: "The file has no checksum.",
        },
        Case {
            name: "stamp_of_wrong_type.json",
            text: sealed(wrong_type),
            message: "Change set 0 of the file is malformed",
        },
        Case {
            name: "value_of_wrong_type.json",
            text: sealed(bad_value),
            message: "Change set 1 of the file is malformed",
        },
        Case {
            name: "replaces_the_future.json",
            text: sealed(replaces_future),
            message: "Change set 0 of the file is malformed",
        },
        Case {
            name: "change_set_without_edits.json",
            text: sealed(no_edits),
            message: "Change set 0 of the file is malformed",
        },
    ]
}

/// A valid file whose texts hold markup: it imports, and the markup shows as text.
pub fn hostile() -> String {
    let mut doc = parsed(&valid().write());
    if let Some(Json::Array(sets)) = doc.get_mut("change_sets") {
        for set in sets.iter_mut() {
            if let Some(Json::Array(edits)) = set.get_mut("edits") {
                for edit in edits.iter_mut() {
                    if edit["field"] == "title" {
                        edit["op"] = serde_json::json!({"set": {"text": HOSTILE_TITLE}});
                    }
                }
            }
        }
    }
    sealed(doc)
}

/// The markup in the hostile file's titles.
pub const HOSTILE_TITLE: &str = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>";

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("corpus")
}

#[test]
fn every_corpus_file_is_refused_with_its_message() {
    let write = std::env::var("SERVICEBOOK_WRITE_CORPUS").is_ok();
    let dir = corpus_dir();
    let mut manifest = Vec::new();
    for case in cases() {
        let refused = ExchangeFile::read(&case.text).expect_err(case.name).to_string();
        assert!(refused.starts_with(case.message), "{}: refused with {refused:?}", case.name);
        let path = dir.join(case.name);
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &case.text).unwrap();
        } else {
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == case.text,
                "{} differs from what the format makes now: run SERVICEBOOK_WRITE_CORPUS=1 cargo test corpus",
                case.name
            );
        }
        manifest.push(serde_json::json!({"file": case.name, "message": case.message}));
    }
    let manifest = serde_json::to_string_pretty(&manifest).unwrap() + "\n";
    let hostile = hostile();
    let read = ExchangeFile::read(&hostile).expect("the hostile file is a valid file");
    assert!(!read.change_sets.is_empty());
    if write {
        std::fs::write(dir.join("manifest.json"), &manifest).unwrap();
        std::fs::write(dir.join("valid_with_markup.json"), &hostile).unwrap();
    } else {
        assert_eq!(std::fs::read_to_string(dir.join("manifest.json")).unwrap_or_default(), manifest);
        assert!(std::fs::read_to_string(dir.join("valid_with_markup.json")).unwrap_or_default() == hostile);
    }
}
