//! The browser half of sealed exchange files: AES-256-GCM and PBKDF2-SHA-256 from WebCrypto,
//! around the envelope that `sync::sealed` writes and reads. WebCrypto runs off the main
//! thread, so deriving the key (600,000 rounds) does not freeze the page.

use js_sys::{Array, JsString, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesDerivedKeyParams, AesGcmParams, CryptoKey, Pbkdf2Params, SubtleCrypto};

use crate::store::crypto_random_bytes;
use crate::sync::file::FileError;
use crate::sync::sealed::{SealedFile, Sealing};

/// Why a file could not be sealed or opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealingError {
    #[error(
        "This browser offers no encryption on this page: it needs the page served over https (or from this computer)."
    )]
    Unavailable,
    #[error("The browser could not encrypt the file ({0}).")]
    Failed(String),
    #[error(transparent)]
    File(#[from] FileError),
}

/// Seals the exchange file `plain` under `passphrase`: the sealed file's text.
pub async fn seal(plain: &[u8], passphrase: &str) -> Result<String, SealingError> {
    let subtle = subtle()?;
    let sealing = Sealing::new(crypto_random_bytes().ok_or(SealingError::Unavailable)?);
    let failed = |e: JsValue| SealingError::Failed(describe(&e));
    let key = derive_key(&subtle, passphrase, &sealing, "encrypt").await.map_err(failed)?;
    let sealed = JsFuture::from(subtle.encrypt_with_object_and_u8_array(&gcm(&sealing), &key, plain).map_err(failed)?)
        .await
        .map_err(failed)?;
    let ciphertext = Uint8Array::new(&sealed).to_vec();
    Ok(SealedFile { sealing, ciphertext }.write())
}

/// Opens a sealed file's text with `passphrase`: the exchange file inside.
pub async fn open(text: &str, passphrase: &str) -> Result<String, SealingError> {
    let file = SealedFile::read(text)?;
    let subtle = subtle()?;
    let key = derive_key(&subtle, passphrase, &file.sealing, "decrypt")
        .await
        .map_err(|e| SealingError::Failed(describe(&e)))?;
    let promise = subtle
        .decrypt_with_object_and_u8_array(&gcm(&file.sealing), &key, &file.ciphertext)
        .map_err(|e| SealingError::Failed(describe(&e)))?;
    // GCM cannot tell a wrong key from a changed file: both fail the tag check.
    let plain = JsFuture::from(promise).await.map_err(|_| FileError::WrongPassphrase)?;
    String::from_utf8(Uint8Array::new(&plain).to_vec())
        .map_err(|_| SealingError::File(FileError::BadSealing("content")))
}

fn subtle() -> Result<SubtleCrypto, SealingError> {
    let crypto = web_sys::window().and_then(|w| w.crypto().ok()).ok_or(SealingError::Unavailable)?;
    // `crypto.subtle` is undefined outside secure contexts; web-sys would not say so.
    let subtle = js_sys::Reflect::get(&crypto, &"subtle".into()).map_err(|_| SealingError::Unavailable)?;
    if subtle.is_undefined() || subtle.is_null() {
        return Err(SealingError::Unavailable);
    }
    Ok(subtle.unchecked_into())
}

async fn derive_key(
    subtle: &SubtleCrypto,
    passphrase: &str,
    sealing: &Sealing,
    usage: &str,
) -> Result<CryptoKey, JsValue> {
    let normalized = String::from(JsString::from(passphrase).normalize("NFC"));
    let raw = Uint8Array::from(normalized.as_bytes());
    let usages = Array::of1(&JsValue::from_str("deriveKey"));
    let base: CryptoKey =
        JsFuture::from(subtle.import_key_with_str("raw", &raw, "PBKDF2", false, &usages)?).await?.unchecked_into();
    let salt = Uint8Array::from(&sealing.salt[..]);
    let params = Pbkdf2Params::new_with_str("PBKDF2", "SHA-256", sealing.iterations, &salt);
    let aes = AesDerivedKeyParams::new("AES-GCM", 256);
    let usages = Array::of1(&JsValue::from_str(usage));
    let key = JsFuture::from(subtle.derive_key_with_object_and_object(&params, &base, &aes, false, &usages)?).await?;
    Ok(key.unchecked_into())
}

fn gcm(sealing: &Sealing) -> AesGcmParams {
    let params = AesGcmParams::new("AES-GCM", &Uint8Array::from(&sealing.iv[..]));
    params.set_additional_data(&Uint8Array::from(&sealing.associated_data()[..]));
    params
}

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
