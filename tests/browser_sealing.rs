//! Sealed exchange files with the browser's WebCrypto (headless Chromium through
//! wasm-bindgen-test): what the browser seals it opens, only with the right passphrase, and it
//! opens a file sealed by the reference implementation (RustCrypto, `tests/corpus`).
#![cfg(target_arch = "wasm32")]

use servicebook::sync::file::{ExchangeFile, FileError};
use servicebook::sync::sealed::{SealedFile, ITERATIONS};
use servicebook::ui::sealing::{open, seal, SealingError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const FIXTURE: &str = include_str!("corpus/sealed_valid.json");

#[wasm_bindgen_test]
async fn what_the_browser_seals_opens_with_the_passphrase_only() {
    let plain = "{\"a note\":\"café ☕ </script>\"}";
    let sealed = seal(plain.as_bytes(), "a long passphrase").await.unwrap();
    let envelope = SealedFile::read(&sealed).unwrap();
    assert_eq!(envelope.sealing.iterations, ITERATIONS);
    assert!(!sealed.contains("café"));
    assert_eq!(open(&sealed, "a long passphrase").await.unwrap(), plain);
    assert_eq!(open(&sealed, "a long passphrasE").await, Err(SealingError::File(FileError::WrongPassphrase)));
    // Two seals of the same text differ (fresh salt and nonce).
    assert_ne!(seal(plain.as_bytes(), "a long passphrase").await.unwrap(), sealed);
}

#[wasm_bindgen_test]
async fn the_passphrase_is_compared_in_its_composed_form() {
    // "é" typed as one code point or as "e" + combining accent is the same passphrase.
    let sealed = seal(b"x", "caf\u{e9} au lait").await.unwrap();
    assert_eq!(open(&sealed, "cafe\u{301} au lait").await.unwrap(), "x");
}

#[wasm_bindgen_test]
async fn a_file_sealed_by_the_reference_implementation_opens() {
    let plain = open(FIXTURE, "correct horse battery staple").await.unwrap();
    let file = ExchangeFile::read(&plain).unwrap();
    assert!(!file.change_sets.is_empty());
    assert_eq!(file.exporter.member.as_str(), "Sealer");
}

#[wasm_bindgen_test]
async fn a_changed_sealed_file_does_not_open() {
    // One character of the ciphertext changed (its first base64 digit).
    let at = FIXTURE.find("\"ciphertext\":\"").unwrap() + 14;
    let mut changed = FIXTURE.to_string();
    let digit = if &FIXTURE[at..at + 1] == "A" { "B" } else { "A" };
    changed.replace_range(at..at + 1, digit);
    assert_eq!(
        open(&changed, "correct horse battery staple").await,
        Err(SealingError::File(FileError::WrongPassphrase))
    );
}
