// Servicebook's digest worker: the SHA-256 of what it is sent, by WebCrypto, whose digest
// holds the thread that asks for it (about 150 ms for the 86 MB of a 50,000-record export).
// Here it holds this worker's thread, and the page goes on meanwhile (src/store/digest.rs).
//
// A message is the bytes to hash (the reply is the digest's ArrayBuffer, or null when it
// could not be computed), an imported file's document guessed (below, `guessed`), an
// export's body (below, `bodyOf`), a whole body for a new export time (`wholeBody`) or the
// shared data's fingerprint (`fingerprintOf`).
// An imported file comes first, alone ({ source }, no reply): the worker starts reading it
// while the page opens the file, and the guess's message then comes without it.
let early = null;

// An export's body to put together: { parts, ranges }: `parts` are stored chunks' texts
// (Uint8Arrays), `ranges` (a Uint32Array of triples: part, start, end) the lines in order.
// The body is the lines joined by ",\n" (the model of this is `BodyPlan::put_together` in
// src/sync/writer.rs, tested there). The reply is the body (a Blob), or null.
function bodyOf({ parts, ranges }) {
  const lines = linesOf(parts, ranges);
  const total = lines.reduce((sum, line) => sum + line.length, 0);
  const body = new Uint8Array(total + 2 * Math.max(0, lines.length - 1));
  let b = 0;
  lines.forEach((line, i) => {
    if (i > 0) {
      body[b++] = 44; // ','
      body[b++] = 10; // '\n'
    }
    body.set(line, b);
    b += line.length;
  });
  return new Blob([body]);
}

// The lines `ranges` (triples: part, start, end) pick out of `parts`, each checked to be a
// change set's `{...}` (the model of this is `ranged_lines` in src/sync/file.rs).
function linesOf(parts, ranges) {
  const lines = [];
  for (let i = 0; i < ranges.length; i += 3) {
    const part = parts[ranges[i]];
    const start = ranges[i + 1];
    const end = ranges[i + 2];
    if (!part || end > part.length || start >= end || part[start] !== 123 || part[end - 1] !== 125) {
      throw new Error('a line is not a change set');
    }
    lines.push(part.subarray(start, end));
  }
  return lines;
}

// The shared data's fingerprint: { parts, ranges, fingerprint: true }, as for `bodyOf`, but
// the ranges in change-set id order: the SHA-256 of each line followed by '\n' (the model of
// this is `FingerprintPlan::hashed` in src/sync.rs, tested there). The reply is the digest's
// ArrayBuffer, or null.
function fingerprintOf({ parts, ranges }) {
  const lines = linesOf(parts, ranges);
  const hashed = new Uint8Array(lines.reduce((sum, line) => sum + line.length + 1, 0));
  let h = 0;
  for (const line of lines) {
    hashed.set(line, h);
    h += line.length;
    hashed[h++] = 10; // '\n'
  }
  return crypto.subtle.digest('SHA-256', hashed);
}

// A whole body put together earlier, for an export at another time: { whole: { body, before,
// after } }, `body` a Blob of the lines joined by ",\n". The checksum covers `before`, the
// lines joined by ',' (a canonical line holds no raw newline: every one is a separator's,
// left out), then `after` (the model of this is `WholeBody::checksum_input` in
// src/sync/writer.rs, tested there). The reply is the digest's ArrayBuffer, or null.
//
// `before`, the body and `after` are read as one Blob into one buffer, and the line ends are
// taken out in place: copying each line into a second buffer was about 200 ms of an export's
// 1 s at 50,000 records (86 MB), this about 60 to 100.
async function wholeBody({ body, before, after }) {
  const all = new Uint8Array(await new Blob([before, body, after]).arrayBuffer());
  const end = before.length + body.size;
  if (all.length !== end + after.length) throw new Error('the body changed while it was read');
  let to = before.length;
  let from = before.length;
  while (from < end) {
    let line = all.indexOf(10, from); // '\n'
    if (line < 0 || line > end) line = end;
    if (to !== from) all.copyWithin(to, from, line);
    to += line - from;
    from = line + 1;
  }
  all.copyWithin(to, end);
  return crypto.subtle.digest('SHA-256', all.subarray(0, to + after.length));
}

// A guessed document: { guess: { before, after, start } }, after the source. `before`, then
// the source's lines from byte `start` up to the first line that starts with `]`, their line
// ends left out, then `after` (the model of this is `DocumentGuess::put_together` in
// src/sync/file.rs, tested there). The reply is { digest, lines, end }: how many lines were
// taken and where the closing one starts, which the page compares with what it read.
async function guessed({ before, after, start }) {
  if (early === null) throw new Error('no source');
  const bytes = new Uint8Array(await early);
  const starts = [];
  const ends = [];
  let total = before.length + after.length;
  let at = start;
  while (at < bytes.length && bytes[at] !== 93) { // ']'
    const end = bytes.indexOf(10, at); // '\n'
    if (end < 0) throw new Error('the list does not close');
    starts.push(at);
    ends.push(end);
    total += end - at;
    at = end + 1;
  }
  if (at >= bytes.length) throw new Error('the list does not close');
  const document = new Uint8Array(total);
  document.set(before, 0);
  let to = before.length;
  for (let i = 0; i < starts.length; i++) {
    document.set(bytes.subarray(starts[i], ends[i]), to);
    to += ends[i] - starts[i];
  }
  document.set(after, to);
  const digest = await crypto.subtle.digest('SHA-256', document);
  return { digest, lines: starts.length, end: at };
}

self.onmessage = async (event) => {
  try {
    const data = event.data;
    if (data.source !== undefined) {
      // Read now; a read that fails is answered when the guess comes.
      early = data.source instanceof Blob ? data.source.arrayBuffer() : Promise.resolve(data.source);
      early.catch(() => {});
      return;
    }
    if (data.guess) {
      self.postMessage(await guessed(data.guess));
      return;
    }
    if (data.whole) {
      const digest = await wholeBody(data.whole);
      self.postMessage(digest, [digest]);
      return;
    }
    if (data.fingerprint) {
      const digest = await fingerprintOf(data);
      self.postMessage(digest, [digest]);
      return;
    }
    if (data.ranges) {
      self.postMessage(bodyOf(data));
      return;
    }
    const digest = await crypto.subtle.digest('SHA-256', data);
    self.postMessage(digest, [digest]);
  } catch (e) {
    self.postMessage(null);
  }
};
