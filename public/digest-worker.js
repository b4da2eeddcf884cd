// Servicebook's digest worker: the SHA-256 of what it is sent, by WebCrypto, whose digest
// holds the thread that asks for it (about 150 ms for the 86 MB of a 50,000-record export).
// Here it holds this worker's thread, and the page goes on meanwhile (src/store/digest.rs).
//
// A message is the bytes to hash, a document to put together first, or an export's body
// (below, `exportOf`). A document:
// { source, lines, before, after }: `before`, then the byte ranges `lines` (start and end,
// pairs in a Uint32Array) of `source` (a file, read here) joined by commas, then `after`.
// The reply is the digest's ArrayBuffer, or null when it could not be computed.
// The source can come first, alone ({ source }, no reply): the worker starts reading it
// while the page reads the file's change sets, and the document's message then comes
// without it.
let early = null;

async function documentOf({ source, lines, before, after }) {
  const from = source === undefined ? early : source;
  if (from === null || from === undefined) throw new Error('no source');
  const bytes = new Uint8Array(from instanceof Blob ? await from.arrayBuffer() : await from);
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

// An export's body to put together: { parts, ranges, before, after }: `parts` are stored
// chunks' texts (Uint8Arrays), `ranges` (a Uint32Array of triples: part, start, end) the
// lines in order. The checksum covers `before`, the lines joined by ',', then `after`; the
// body is the lines joined by ",\n" (the model of this is `BodyPlan::put_together` in
// src/sync/writer.rs, tested there). The reply is { digest, body } (a Blob), or null.
async function exportOf({ parts, ranges, before, after }) {
  const count = ranges.length / 3;
  let total = 0;
  for (let i = 0; i < count; i++) total += ranges[3 * i + 2] - ranges[3 * i + 1];
  const separators = Math.max(0, count - 1);
  const hashed = new Uint8Array(before.length + total + separators + after.length);
  const body = new Uint8Array(total + 2 * separators);
  hashed.set(before, 0);
  let h = before.length;
  let b = 0;
  for (let i = 0; i < count; i++) {
    const part = parts[ranges[3 * i]];
    const start = ranges[3 * i + 1];
    const end = ranges[3 * i + 2];
    if (!part || end > part.length || start >= end || part[start] !== 123 || part[end - 1] !== 125) {
      throw new Error('a line is not a change set');
    }
    if (i > 0) {
      hashed[h++] = 44; // ','
      body[b++] = 44;
      body[b++] = 10; // '\n'
    }
    const line = part.subarray(start, end);
    hashed.set(line, h);
    body.set(line, b);
    h += end - start;
    b += end - start;
  }
  hashed.set(after, h);
  const digest = await crypto.subtle.digest('SHA-256', hashed);
  return { digest, body: new Blob([body]) };
}

self.onmessage = async (event) => {
  try {
    const data = event.data;
    if (data.source !== undefined && data.lines === undefined) {
      // Read now; a read that fails is answered when the document is asked for.
      early = data.source instanceof Blob ? data.source.arrayBuffer() : Promise.resolve(data.source);
      early.catch(() => {});
      return;
    }
    if (data.ranges) {
      self.postMessage(await exportOf(data));
      return;
    }
    const bytes = data instanceof Uint8Array ? data : await documentOf(data);
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    self.postMessage(digest, [digest]);
  } catch (e) {
    self.postMessage(null);
  }
};
