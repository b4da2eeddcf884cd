// Servicebook's digest worker: the SHA-256 of what it is sent, by WebCrypto, whose digest
// holds the thread that asks for it (about 150 ms for the 86 MB of a 50,000-record export).
// Here it holds this worker's thread, and the page goes on meanwhile (src/store/digest.rs).
//
// A message is either the bytes to hash, or a document to put together first:
// { source, lines, before, after }: `before`, then the byte ranges `lines` (start and end,
// pairs in a Uint32Array) of `source` (a file, read here) joined by commas, then `after`.
// The reply is the digest's ArrayBuffer, or null when it could not be computed.
async function documentOf({ source, lines, before, after }) {
  const bytes = new Uint8Array(source instanceof Blob ? await source.arrayBuffer() : source);
  const count = lines.length / 2;
  let total = before.length + after.length + Math.max(0, count - 1);
  for (let i = 0; i < count; i++) total += lines[2 * i + 1] - lines[2 * i];
  const document = new Uint8Array(total);
  document.set(before, 0);
  let at = before.length;
  for (let i = 0; i < count; i++) {
    if (i > 0) document[at++] = 44; // ','
    const start = lines[2 * i];
    const end = lines[2 * i + 1];
    document.set(bytes.subarray(start, end), at);
    at += end - start;
  }
  document.set(after, at);
  return document;
}

self.onmessage = async (event) => {
  try {
    const data = event.data;
    const bytes = data instanceof Uint8Array ? data : await documentOf(data);
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    self.postMessage(digest, [digest]);
  } catch (e) {
    self.postMessage(null);
  }
};
