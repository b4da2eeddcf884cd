//! The few browser services the store and UI need besides IndexedDB: time, randomness and
//! the storage manager (space used, persistence).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the epoch, by the browser's clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// `N` random bytes from `crypto.getRandomValues`, or from `Math.random` where it is missing
/// (ids need to be unlikely to collide, not secret).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    crypto_random_bytes().unwrap_or_else(|| std::array::from_fn(|_| (js_sys::Math::random() * 256.0) as u8))
}

/// `N` random bytes from `crypto.getRandomValues` only (keys, salts, nonces), or none.
pub fn crypto_random_bytes<const N: usize>() -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    let crypto = web_sys::window()?.crypto().ok()?;
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes)
}

/// What the browser says about this site's storage.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StorageEstimate {
    pub usage_bytes: Option<f64>,
    pub quota_bytes: Option<f64>,
    /// Whether the browser promised not to evict this site's data.
    pub persisted: Option<bool>,
}

fn storage_manager() -> Option<web_sys::StorageManager> {
    let navigator = web_sys::window()?.navigator();
    // `navigator.storage` is missing in insecure contexts; web-sys would not say so.
    let storage = js_sys::Reflect::get(&navigator, &"storage".into()).ok()?;
    storage.dyn_into::<web_sys::StorageManager>().ok()
}

async fn await_promise(promise: Result<js_sys::Promise, wasm_bindgen::JsValue>) -> Option<wasm_bindgen::JsValue> {
    JsFuture::from(promise.ok()?).await.ok()
}

/// Asks the browser to keep this site's data (not evict it under storage pressure).
pub async fn request_persistence() -> Option<bool> {
    let manager = storage_manager()?;
    await_promise(manager.persist()).await?.as_bool()
}

/// Space used, quota and persistence, as far as the browser tells.
pub async fn storage_estimate() -> StorageEstimate {
    let Some(manager) = storage_manager() else { return StorageEstimate::default() };
    let mut out = StorageEstimate::default();
    if let Some(estimate) = await_promise(manager.estimate()).await {
        let estimate: web_sys::StorageEstimate = estimate.unchecked_into();
        out.usage_bytes = estimate.get_usage();
        out.quota_bytes = estimate.get_quota();
    }
    out.persisted = await_promise(manager.persisted()).await.and_then(|v| v.as_bool());
    out
}
