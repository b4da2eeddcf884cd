//! Passphrase-sealed exchange files: an exchange file (see [`super::file`]) encrypted with
//! AES-256-GCM under a key derived from a passphrase with PBKDF2-SHA-256.
//!
//! ```text
//! {"format":"servicebook-exchange-sealed","version":"1.0",
//! "cipher":"AES-256-GCM","iv":"<12 bytes, base64>",
//! "kdf":{"hash":"SHA-256","iterations":600000,"name":"PBKDF2","salt":"<16 bytes, base64>"},
//! "ciphertext":"<the exchange file's UTF-8 bytes, encrypted, with the 16-byte tag; base64>"}
//! ```
//!
//! The salt and the iteration count travel in the file, so a later release can raise the count
//! and still open older files. The header (everything but the ciphertext, in its RFC 8785
//! canonical form) is the cipher's associated data: changing a byte of it makes the file fail
//! to open, as changing the ciphertext does. The passphrase is used as the UTF-8 bytes of its
//! Unicode NFC form, so the same words typed on two systems give the same key.
//!
//! This module is pure: it writes and reads the envelope. The cipher itself runs in the
//! browser's WebCrypto (`ui::sealing`); native tests check the envelope against the RustCrypto
//! implementations of the same algorithms.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::file::FileError;

/// The `format` member of a sealed file.
pub const FORMAT: &str = "servicebook-exchange-sealed";
/// The envelope version this release writes; a newer major version is refused.
pub const VERSION: &str = "1.0";
const MAJOR: u64 = 1;
pub const CIPHER: &str = "AES-256-GCM";
/// PBKDF2 rounds for new files: OWASP's advice for PBKDF2-HMAC-SHA256 (2023).
pub const ITERATIONS: u32 = 600_000;
/// The range of rounds a file may ask for: fewer is too weak to trust, more would keep the
/// browser busy for minutes on a hostile file.
pub const MIN_ITERATIONS: u32 = 600_000;
pub const MAX_ITERATIONS: u32 = 10_000_000;
/// The shortest passphrase the export accepts.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
pub const SALT_BYTES: usize = 16;
pub const IV_BYTES: usize = 12;

/// The key derivation and nonce of one sealed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealing {
    pub iterations: u32,
    pub salt: [u8; SALT_BYTES],
    pub iv: [u8; IV_BYTES],
}

/// A sealed file: how it was sealed, and the ciphertext (with the GCM tag at its end).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedFile {
    pub sealing: Sealing,
    pub ciphertext: Vec<u8>,
}

/// The header members, in the order RFC 8785 puts them (by key).
#[derive(Serialize, Deserialize)]
struct Header {
    cipher: String,
    format: String,
    iv: String,
    kdf: Kdf,
    version: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    hash: String,
    iterations: u32,
    name: String,
    salt: String,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(flatten)]
    header: Header,
    ciphertext: String,
}

impl Sealing {
    /// A fresh sealing for a new file: the standard rounds, salt and nonce from `random`
    /// (which must come from a cryptographic source).
    pub fn new(random: [u8; SALT_BYTES + IV_BYTES]) -> Sealing {
        let mut salt = [0; SALT_BYTES];
        let mut iv = [0; IV_BYTES];
        salt.copy_from_slice(&random[..SALT_BYTES]);
        iv.copy_from_slice(&random[SALT_BYTES..]);
        Sealing { iterations: ITERATIONS, salt, iv }
    }

    fn header(&self) -> Header {
        Header {
            cipher: CIPHER.into(),
            format: FORMAT.into(),
            iv: BASE64.encode(self.iv),
            kdf: Kdf {
                hash: "SHA-256".into(),
                iterations: self.iterations,
                name: "PBKDF2".into(),
                salt: BASE64.encode(self.salt),
            },
            version: VERSION.into(),
        }
    }

    /// The cipher's associated data: the header's canonical JSON.
    pub fn associated_data(&self) -> Vec<u8> {
        // Plain strings and a number in a fixed key order: serde_json writes it canonically.
        serde_json::to_vec(&self.header()).unwrap_or_default()
    }
}

impl SealedFile {
    /// The file's text: the header first, the ciphertext last, on a line of its own.
    pub fn write(&self) -> String {
        let header = self.sealing.header();
        let text = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let kdf = serde_json::to_string(&header.kdf).unwrap_or_default();
        format!(
            "{{\"format\":{},\"version\":{},\n\"cipher\":{},\"iv\":{},\n\"kdf\":{kdf},\n\"ciphertext\":\"{}\"}}\n",
            text(&header.format),
            text(&header.version),
            text(&header.cipher),
            text(&header.iv),
            BASE64.encode(&self.ciphertext),
        )
    }

    /// Reads a sealed file's envelope (not its content: that needs the passphrase).
    pub fn read(text: &str) -> Result<SealedFile, FileError> {
        let envelope: Envelope = match serde_json::from_str(text) {
            Ok(envelope) => envelope,
            Err(e) => {
                let format = serde_json::from_str::<serde_json::Value>(text)
                    .map_err(|_| FileError::NotJson(e.to_string()))?
                    .get("format")
                    .and_then(|f| f.as_str().map(str::to_string));
                return Err(if format.as_deref() == Some(FORMAT) {
                    FileError::BadSealing("header or ciphertext")
                } else {
                    FileError::NotServicebook
                });
            }
        };
        let header = envelope.header;
        if header.format != FORMAT {
            return Err(FileError::NotServicebook);
        }
        match header.version.split('.').next().and_then(|m| m.parse::<u64>().ok()) {
            Some(MAJOR) => {}
            Some(m) if m > MAJOR => return Err(FileError::NewerVersion(header.version)),
            _ => return Err(FileError::BadVersion(header.version)),
        }
        if header.cipher != CIPHER {
            return Err(FileError::BadSealing("cipher"));
        }
        if header.kdf.name != "PBKDF2" || header.kdf.hash != "SHA-256" {
            return Err(FileError::BadSealing("key derivation"));
        }
        let iterations = header.kdf.iterations;
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err(FileError::Iterations(iterations));
        }
        let bytes = |text: &str, what| BASE64.decode(text).map_err(|_| FileError::BadSealing(what));
        let salt = bytes(&header.kdf.salt, "salt")?.try_into().map_err(|_| FileError::BadSealing("salt"))?;
        let iv = bytes(&header.iv, "nonce")?.try_into().map_err(|_| FileError::BadSealing("nonce"))?;
        let ciphertext = bytes(&envelope.ciphertext, "ciphertext")?;
        if ciphertext.len() < 16 {
            return Err(FileError::BadSealing("ciphertext"));
        }
        Ok(SealedFile { sealing: Sealing { iterations, salt, iv }, ciphertext })
    }
}

/// Refuses a passphrase too short to protect a file, before anything is sealed.
pub fn check_passphrase(passphrase: &str) -> Result<(), PassphraseError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        Err(PassphraseError::TooShort)
    } else {
        Ok(())
    }
}

/// Why a passphrase was not accepted for sealing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PassphraseError {
    #[error("Use a passphrase of at least {MIN_PASSPHRASE_CHARS} characters.")]
    TooShort,
    #[error("The two passphrases differ.")]
    Differ,
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests {
    use super::*;
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::{Aes256Gcm, Nonce};

    /// PBKDF2 with 600,000 rounds takes seconds in a test build (the generic hash code is
    /// compiled unoptimised here): derive each key once.
    fn derive(passphrase: &str, salt: &[u8; SALT_BYTES], iterations: u32) -> [u8; 32] {
        use std::collections::HashMap;
        use std::sync::{Mutex, OnceLock};
        type Keys = Mutex<HashMap<(String, [u8; SALT_BYTES], u32), [u8; 32]>>;
        static KEYS: OnceLock<Keys> = OnceLock::new();
        let keys = KEYS.get_or_init(Default::default);
        let id = (passphrase.to_string(), *salt, iterations);
        if let Some(key) = keys.lock().unwrap().get(&id) {
            return *key;
        }
        let key = pbkdf2::pbkdf2_hmac_array::<sha2_010::Sha256, 32>(passphrase.as_bytes(), salt, iterations);
        keys.lock().unwrap().insert(id, key);
        key
    }

    /// The reference implementation (RustCrypto): seals as the browser does.
    pub(crate) fn seal_natively(plain: &str, passphrase: &str, sealing: Sealing) -> SealedFile {
        let key = derive(passphrase, &sealing.salt, sealing.iterations);
        let cipher = Aes256Gcm::new(&key.into());
        let aad = sealing.associated_data();
        let ciphertext = cipher
            .encrypt(Nonce::from_slice(&sealing.iv), Payload { msg: plain.as_bytes(), aad: &aad })
            .expect("AES-GCM encrypts");
        SealedFile { sealing, ciphertext }
    }

    pub(crate) fn open_natively(file: &SealedFile, passphrase: &str) -> Option<String> {
        let key = derive(passphrase, &file.sealing.salt, file.sealing.iterations);
        let aad = file.sealing.associated_data();
        let plain = Aes256Gcm::new(&key.into())
            .decrypt(Nonce::from_slice(&file.sealing.iv), Payload { msg: &file.ciphertext, aad: &aad })
            .ok()?;
        String::from_utf8(plain).ok()
    }

    fn sealing() -> Sealing {
        Sealing::new(std::array::from_fn(|i| i as u8 * 7))
    }

    #[test]
    fn a_sealed_file_reads_back_and_opens_with_its_passphrase_only() {
        let file = seal_natively("{\"hello\":1}", "correct horse battery", sealing());
        let text = file.write();
        assert!(text.starts_with("{\"format\":\"servicebook-exchange-sealed\",\"version\":\"1.0\",\n"));
        let read = SealedFile::read(&text).unwrap();
        assert_eq!(read, file);
        assert_eq!(open_natively(&read, "correct horse battery").as_deref(), Some("{\"hello\":1}"));
        assert_eq!(open_natively(&read, "correct horse batterz"), None);
    }

    #[test]
    fn the_header_is_authenticated() {
        let file = seal_natively("secret", "correct horse battery", sealing());
        let mut other_iv = file.clone();
        other_iv.sealing.iv[0] ^= 1;
        assert_eq!(open_natively(&other_iv, "correct horse battery"), None);
        let mut flipped = file.clone();
        flipped.ciphertext[0] ^= 1;
        assert_eq!(open_natively(&flipped, "correct horse battery"), None);
        // The associated data is the header's canonical JSON.
        let aad = String::from_utf8(sealing().associated_data()).unwrap();
        let canonical = serde_json_canonicalizer::to_string(&sealing().header()).unwrap();
        assert_eq!(aad, canonical);
    }

    #[test]
    fn a_tampered_or_hostile_envelope_is_refused_with_a_reason() {
        let text = seal_natively("secret", "correct horse battery", sealing()).write();
        let weak = text.replace("\"iterations\":600000", "\"iterations\":1000");
        assert_eq!(SealedFile::read(&weak), Err(FileError::Iterations(1000)));
        let endless = text.replace("\"iterations\":600000", "\"iterations\":4000000000");
        assert_eq!(SealedFile::read(&endless), Err(FileError::Iterations(4_000_000_000)));
        let other = text.replace("AES-256-GCM", "ROT13");
        assert_eq!(SealedFile::read(&other), Err(FileError::BadSealing("cipher")));
        let newer = text.replace("\"version\":\"1.0\"", "\"version\":\"2.0\"");
        assert_eq!(SealedFile::read(&newer), Err(FileError::NewerVersion("2.0".into())));
        let no_salt = text.replace("\"salt\"", "\"pepper\"");
        assert_eq!(SealedFile::read(&no_salt), Err(FileError::BadSealing("header or ciphertext")));
        let bad_base64 = text.replace("\"ciphertext\":\"", "\"ciphertext\":\"!!");
        assert_eq!(SealedFile::read(&bad_base64), Err(FileError::BadSealing("ciphertext")));
        assert!(matches!(SealedFile::read(&text[..40]), Err(FileError::NotJson(_))));
    }

    /// The passphrase of `tests/corpus/sealed_valid.json`.
    pub(crate) const FIXTURE_PASSPHRASE: &str = "correct horse battery staple";

    /// `tests/corpus/sealed_valid.json`: a small valid exchange file sealed by the reference
    /// implementation. The browser test and the end-to-end test open it with WebCrypto, which
    /// shows the two agree on the algorithms. `SERVICEBOOK_WRITE_CORPUS=1` rewrites it.
    #[test]
    fn the_sealed_fixture_is_a_reference_sealed_valid_file() {
        use crate::domain::demo;
        use crate::domain::ids::{Member, RecordId, ReplicaId};
        use crate::domain::record::Record;
        use crate::sync::file::{ExchangeFile, Exporter};
        use chrono::{DateTime, Utc};
        let none: std::collections::BTreeMap<RecordId, Record> = Default::default();
        let member = Member::new("Sealer").unwrap();
        let change_sets = demo::sample_history(1, &none, |_| 1, &member, DateTime::<Utc>::UNIX_EPOCH, 5);
        let plain = ExchangeFile {
            exporter: Exporter { member, replica: ReplicaId(0x5ea1) },
            exported_at: DateTime::<Utc>::from_timestamp_millis(1_795_000_000_000).unwrap(),
            change_sets,
        }
        .write();
        let text = seal_natively(&plain, FIXTURE_PASSPHRASE, sealing()).write();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/sealed_valid.json");
        if std::env::var("SERVICEBOOK_WRITE_CORPUS").is_ok() {
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == text, "{path:?} is stale: run SERVICEBOOK_WRITE_CORPUS=1 cargo test sealed");
        assert_eq!(ExchangeFile::read(&committed), Err(FileError::Sealed));
        let opened = open_natively(&SealedFile::read(&committed).unwrap(), FIXTURE_PASSPHRASE).unwrap();
        assert!(ExchangeFile::read(&opened).is_ok());
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert_eq!(check_passphrase("1234567"), Err(PassphraseError::TooShort));
        assert_eq!(check_passphrase("12345678"), Ok(()));
        assert_eq!(check_passphrase("ééééééé"), Err(PassphraseError::TooShort));
    }
}
