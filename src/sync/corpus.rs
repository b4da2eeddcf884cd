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
use crate::domain::clock::Stamp;
use crate::domain::demo;
use crate::domain::edit::{ChangeSet, Edit};
use crate::domain::ids::{ChangeSetId, Member, RecordId, ReplicaId};
use crate::domain::record::Record;
use crate::domain::value::Value;

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
    let mut known_field_wrong_type = parsed(&good);
    if let Some(Json::Array(sets)) = known_field_wrong_type.get_mut("change_sets") {
        if let Some(set) = sets.iter_mut().find(|set| set["kind"] == "configuration_item") {
            if let Some(Json::Array(edits)) = set.get_mut("edits") {
                if let Some(edit) = edits.iter_mut().find(|edit| edit["field"] == "title") {
                    edit["op"] = serde_json::json!({"set": {"number": 5}});
                }
            }
        }
    }
    let mut extra_member = parsed(&good);
    if let Some(Json::Array(sets)) = extra_member.get_mut("change_sets") {
        sets[2]["signature"] = serde_json::json!("added by hand");
    }
    let mut redacts_future = parsed(&good);
    if let Some(Json::Array(sets)) = redacts_future.get_mut("change_sets") {
        sets[3]["edits"] = serde_json::json!([{"field": "title", "op": {"redact": {"index": 0, "stamp": "ffffffffffff-00000000-0000000000000001"}}}]);
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
            text: good.replace(&format!("\"version\":\"{}\"", super::file::VERSION), "\"version\":\"2.0\""),
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
            name: "known_field_of_wrong_type.json",
            text: sealed(known_field_wrong_type),
            message: "Change set 0 of the file is malformed: field `title` of kind `configuration_item` holds a number",
        },
        Case {
            name: "change_set_with_an_unknown_member.json",
            text: sealed(extra_member),
            message: "Change set 2 of the file is malformed: unknown field `signature`",
        },
        Case {
            name: "redacts_the_future.json",
            text: sealed(redacts_future),
            message: "Change set 3 of the file is malformed: change set",
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

/// A file of a newer minor version (1.9) carrying what this release does not know: a record of
/// an unknown kind, an unknown field of a known kind, a value of an unknown type in a known
/// field and an unknown operation. It imports, and exports again with the same change-set
/// lines.
pub fn unknown_content() -> String {
    let mut file = valid();
    let last = file.change_sets.iter().map(|cs| cs.stamp.wall_ms).max().unwrap_or_default();
    let known = file.change_sets.iter().find(|cs| cs.kind == "configuration_item").cloned();
    let member = Member::new("Newer").unwrap_or_else(|_| file.exporter.member.clone());
    let json = |text: &str| -> Value { serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}")) };
    let mut made = Vec::new();
    let mut make = |record: RecordId, kind: &str, edits: Vec<Edit>| {
        let n = made.len() as u64 + 1;
        let stamp = Stamp { wall_ms: last + n, counter: 0, replica: ReplicaId(0xc1) };
        made.push(ChangeSet {
            at: DateTime::<Utc>::from_timestamp_millis(stamp.wall_ms as i64).unwrap_or_default(),
            edits,
            id: ChangeSetId::new(stamp.wall_ms, [0xc1, n as u8, 0, 0, 0, 0, 0, 0, 0, 1]),
            kind: kind.into(),
            member: member.clone(),
            record,
            stamp,
        });
    };
    let risk = RecordId::new(last + 1, [0xc1; 10]);
    make(
        risk,
        "risk",
        vec![
            Edit::set("title", Some(Value::Text("Supplier insolvency".into())), vec![]),
            Edit::set("likelihood", Some(json(r#"{"scale":{"of":5,"value":3}}"#)), vec![]),
        ],
    );
    if let Some(known) = known {
        make(
            known.record,
            &known.kind,
            vec![
                Edit::set("sentiment", Some(Value::Text("frustrated".into())), vec![]),
                Edit::set("title", Some(json(r#"{"geo":{"lat":52.1,"lon":4.3}}"#)), vec![known.stamp]),
                Edit {
                    field: "notes".into(),
                    op: serde_json::from_str(r#"{"react":{"emoji":"👍","to":0}}"#).unwrap_or_else(|e| panic!("{e}")),
                    replaces: vec![],
                },
            ],
        );
    }
    file.change_sets.extend(made);
    let text = file.write().replacen(&format!("\"version\":\"{}\"", super::file::VERSION), "\"version\":\"1.9\"", 1);
    // The same layout, with the checksum of the new content.
    let mut doc = parsed(&text);
    doc.remove("checksum");
    let sum =
        super::file::hex(&Sha256::digest(serde_json_canonicalizer::to_string(&doc).unwrap_or_default().as_bytes()));
    match text.rfind("\"checksum\":\"sha256:") {
        Some(at) => format!("{}\"checksum\":\"sha256:{sum}\"}}\n", &text[..at]),
        None => text,
    }
}

/// The markup in the hostile file's titles.
pub const HOSTILE_TITLE: &str = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>";

/// The corpus file of [`unknown_content`].
pub const UNKNOWN_CONTENT_FILE: &str = "newer_minor_version_with_unknown_content.json";

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
    let unknown = unknown_content();
    ExchangeFile::read(&unknown).expect("a newer minor version's file is read");
    if write {
        std::fs::write(dir.join("manifest.json"), &manifest).unwrap();
        std::fs::write(dir.join("valid_with_markup.json"), &hostile).unwrap();
        std::fs::write(dir.join(UNKNOWN_CONTENT_FILE), &unknown).unwrap();
    } else {
        assert_eq!(std::fs::read_to_string(dir.join("manifest.json")).unwrap_or_default(), manifest);
        assert!(std::fs::read_to_string(dir.join("valid_with_markup.json")).unwrap_or_default() == hostile);
        assert!(
            std::fs::read_to_string(dir.join(UNKNOWN_CONTENT_FILE)).unwrap_or_default() == unknown,
            "{UNKNOWN_CONTENT_FILE} differs: run SERVICEBOOK_WRITE_CORPUS=1 cargo test corpus"
        );
    }
}
