//! SHA-256 of large byte strings (an exchange file's checksum), by the browser where it can.
//!
//! WebCrypto hashes several times faster than this WebAssembly, but its digest holds the
//! thread that asks for it: about 150 ms for the 86 MB of a 50,000-record export. So the
//! bytes go to a worker (`public/digest-worker.js`) that asks WebCrypto on its own thread,
//! while the page goes on (the export writes its file, the import plans). Where no worker
//! starts (tests without the published files, a browser refusing workers), WebCrypto on the
//! page's thread, and without WebCrypto (an insecure context) this WebAssembly.
//!
//! The same worker puts large byte strings together from stored chunks' texts, which then
//! never come into this memory: the body kept ahead of exports ([`body_off_thread`]), the
//! checksum of a file made from such a body ([`whole_body_off_thread`]) and the shared-data
//! fingerprint ([`fingerprint_off_thread`]).

use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::sync::file::{DocumentGuess, GuessFound};

/// The worker's script, beside `index.html` (resolved against the page's base, which is the
/// hosting sub-path).
const WORKER: &str = "digest-worker.js";

/// A digest under way in a worker.
pub struct OffThread {
    reply: JsFuture,
}

impl OffThread {
    /// The digest, or none when the worker failed (its script did not load, it could not
    /// hash): the caller then hashes another way.
    pub async fn digest(self) -> Option<Vec<u8>> {
        let reply = self.reply.await.ok()?;
        reply.dyn_ref::<js_sys::ArrayBuffer>().map(|buffer| js_sys::Uint8Array::new(buffer).to_vec())
    }

    /// The digest of a guessed document ([`FileReading::hash_guess`]) and what the worker
    /// found putting it together, or none when the worker failed.
    pub async fn guessed(self) -> Option<(Vec<u8>, GuessFound)> {
        let reply = self.reply.await.ok()?;
        let get = |key: &str| js_sys::Reflect::get(&reply, &key.into()).ok();
        let digest = get("digest")?.dyn_into::<js_sys::ArrayBuffer>().ok()?;
        let lines = get("lines")?.as_f64()? as usize;
        let end = get("end")?.as_f64()? as usize;
        Some((js_sys::Uint8Array::new(&digest).to_vec(), GuessFound { lines, end }))
    }

    /// A body put together ([`body_off_thread`]), or none when the worker failed.
    pub async fn body(self) -> Option<web_sys::Blob> {
        self.reply.await.ok()?.dyn_into::<web_sys::Blob>().ok()
    }
}

/// Starts putting an export's body together in a worker, from stored chunks' texts
/// (`parts`, Uint8Arrays handed over to it: they are unusable here afterwards) by the line
/// ranges of a [`crate::sync::writer::BodyPlan`]. `None` when no worker can be started.
pub fn body_off_thread(parts: &js_sys::Array, ranges: &[u32]) -> Option<OffThread> {
    let message = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&message, &key.into(), value).ok();
    set("parts", parts)?;
    set("ranges", &js_sys::Uint32Array::from(ranges))?;
    post(&message, &handed_over(parts))
}

/// The buffers of `parts` (Uint8Arrays), to hand over to a worker.
fn handed_over(parts: &js_sys::Array) -> js_sys::Array {
    let transfer = js_sys::Array::new();
    for part in parts.iter() {
        if let Some(bytes) = part.dyn_ref::<js_sys::Uint8Array>() {
            transfer.push(&bytes.buffer());
        }
    }
    transfer
}

/// Starts the SHA-256 of the shared data's fingerprint ([`crate::sync::FingerprintPlan`]) in a
/// worker, from stored chunks' texts (`parts`, handed over to it) by the plan's ranges.
/// `None` when no worker can be started.
pub fn fingerprint_off_thread(parts: &js_sys::Array, ranges: &[u32]) -> Option<OffThread> {
    let message = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&message, &key.into(), value).ok();
    set("parts", parts)?;
    set("ranges", &js_sys::Uint32Array::from(ranges))?;
    set("fingerprint", &JsValue::TRUE)?;
    post(&message, &handed_over(parts))
}

/// Starts the SHA-256 of what the checksum of a file made of a whole `body` (a `Blob` of
/// its lines joined by `",\n"`) covers: `before`, the lines joined by `,`, `after`
/// ([`crate::sync::writer::WholeBody::checksum_input`]). The worker reads the `Blob` itself:
/// this thread copies nothing. `None` when no worker can be started.
pub fn whole_body_off_thread(body: &web_sys::Blob, before: &[u8], after: &[u8]) -> Option<OffThread> {
    let inner = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&inner, &key.into(), value).ok();
    set("body", body)?;
    set("before", &js_sys::Uint8Array::from(before))?;
    set("after", &js_sys::Uint8Array::from(after))?;
    let message = js_sys::Object::new();
    js_sys::Reflect::set(&message, &"whole".into(), &inner).ok()?;
    post(&message, &js_sys::Array::new())
}

/// Starts the SHA-256 of `bytes` in a worker: the bytes are copied now (tens of milliseconds
/// for 86 MB), the hashing happens off this thread. `None` when no worker can be started.
pub fn sha256_off_thread(bytes: &[u8]) -> Option<OffThread> {
    let copy = js_sys::Uint8Array::new_with_length(u32::try_from(bytes.len()).ok()?);
    copy.copy_from(bytes);
    post(&copy, &js_sys::Array::of1(&copy.buffer()))
}

/// A digest worker already reading an imported file, started as soon as the page has the
/// file's text: it reads the file while the page opens it, then puts together and hashes
/// the document the page guessed the checksum covers ([`FileReading::hash_guess`]) while
/// the page reads the change sets. Dropped unused (a sealed file, a file read another way),
/// it stops the worker.
pub struct FileReading {
    worker: Option<Worker>,
}

impl FileReading {
    /// Starts a worker reading `source`. `None` when no worker can be started.
    pub fn start(source: &web_sys::Blob) -> Option<FileReading> {
        let worker = Worker::start()?;
        let message = js_sys::Object::new();
        let sent = js_sys::Reflect::set(&message, &"source".into(), source).is_ok()
            && worker.worker.post_message(&message).is_ok();
        if !sent {
            worker.worker.terminate();
            return None;
        }
        Some(FileReading { worker: Some(worker) })
    }

    /// The SHA-256 of the document `guess` describes, put together by the worker from its
    /// read of the file ([`DocumentGuess::put_together`]): this thread copies nothing. `None`
    /// when the worker cannot be asked.
    pub fn hash_guess(mut self, guess: &DocumentGuess) -> Option<OffThread> {
        let worker = self.worker.take()?;
        let inner = js_sys::Object::new();
        let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&inner, &key.into(), value).ok();
        set("before", &js_sys::Uint8Array::from(guess.before.as_slice()))?;
        set("after", &js_sys::Uint8Array::from(guess.after.as_slice()))?;
        set("start", &JsValue::from(u32::try_from(guess.start).ok()?))?;
        let message = js_sys::Object::new();
        js_sys::Reflect::set(&message, &"guess".into(), &inner).ok()?;
        worker.post(&message, &js_sys::Array::new())
    }
}

impl Drop for FileReading {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.worker.terminate();
        }
    }
}

/// Sends `message` to a new digest worker, handing over what `transfer` lists.
fn post(message: &JsValue, transfer: &js_sys::Array) -> Option<OffThread> {
    Worker::start()?.post(message, transfer)
}

/// A digest worker, with the promise of its one answer.
struct Worker {
    worker: web_sys::Worker,
    reply: js_sys::Promise,
}

impl Worker {
    /// Starts a worker whose first answer (or failure) settles `reply`; it is stopped then.
    fn start() -> Option<Worker> {
        let worker = web_sys::Worker::new(WORKER).ok()?;
        let reply = js_sys::Promise::new(&mut |resolve, _reject| {
            // Whichever comes first settles it (a second settling does nothing).
            let (answered, replied) = (worker.clone(), resolve.clone());
            let on_message = Closure::once_into_js(move |event: web_sys::MessageEvent| {
                let _ = replied.call1(&JsValue::NULL, &event.data());
                answered.terminate();
            });
            let failed = worker.clone();
            let on_error = Closure::once_into_js(move |_: JsValue| {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::NULL);
                failed.terminate();
            });
            worker.set_onmessage(Some(on_message.unchecked_ref()));
            worker.set_onerror(Some(on_error.unchecked_ref()));
        });
        Some(Worker { worker, reply })
    }

    /// Sends the message the worker answers, handing over what `transfer` lists.
    fn post(self, message: &JsValue, transfer: &js_sys::Array) -> Option<OffThread> {
        if self.worker.post_message_with_transfer(message, transfer).is_err() {
            // Never asked, it would never answer: stopped now.
            self.worker.terminate();
            return None;
        }
        Some(OffThread { reply: JsFuture::from(self.reply) })
    }
}

/// The SHA-256 of `bytes` on this thread: by WebCrypto, or here where the browser does not
/// offer it.
pub async fn sha256(bytes: &[u8]) -> Vec<u8> {
    let subtle = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|crypto| js_sys::Reflect::get(&crypto, &"subtle".into()).ok())
        // `crypto.subtle` is undefined outside secure contexts; web-sys would not say so.
        .filter(|subtle| !subtle.is_undefined() && !subtle.is_null())
        .map(|subtle| subtle.unchecked_into::<web_sys::SubtleCrypto>());
    if let Some(promise) = subtle.and_then(|s| s.digest_with_str_and_u8_array("SHA-256", bytes).ok()) {
        if let Ok(digest) = JsFuture::from(promise).await {
            return js_sys::Uint8Array::new(&digest).to_vec();
        }
    }
    Sha256::digest(bytes).to_vec()
}
