// Servicebook's digest worker: the SHA-256 of the bytes it is sent, by WebCrypto, whose digest
// holds the thread that asks for it (about 150 ms for the 86 MB of a 50,000-record export).
// Here it holds this worker's thread, and the page goes on meanwhile (src/store/digest.rs).
self.onmessage = async (event) => {
  try {
    const digest = await crypto.subtle.digest('SHA-256', event.data);
    self.postMessage(digest, [digest]);
  } catch (e) {
    self.postMessage(null);
  }
};
