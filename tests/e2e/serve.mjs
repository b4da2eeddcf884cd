// A small static server that hosts a build the way GitHub Pages hosts a project site:
// under a path prefix (/servicebook/), with dist/404.html and status 404 for any path it does
// not know (that is how deep links reach the app there).
//
//   node serve.mjs [dist] [port]
//
// Environment: SERVICEBOOK_DIST (dist folder), PORT (default 8765), HOST (default 127.0.0.1),
// BASE_PATH (default /servicebook/). Arguments win over the environment.
// No dependencies: Playwright starts it as its webServer, and it is usable on its own.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

const defaultDist = path.join(
  process.env.SERVICEBOOK_CACHE || path.join(homedir(), '.cache', 'servicebook'),
  'dist-servicebook',
);
const dist = path.resolve(process.argv[2] || process.env.SERVICEBOOK_DIST || defaultDist);
const port = Number(process.argv[3] || process.env.PORT || 8765);
const host = process.env.HOST || '127.0.0.1';
let base = process.env.BASE_PATH || '/servicebook/';
if (!base.startsWith('/')) base = `/${base}`;
if (!base.endsWith('/')) base = `${base}/`;

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

async function fileAt(p) {
  try {
    const s = await stat(p);
    return s.isFile() ? s : s.isDirectory() ? 'dir' : null;
  } catch {
    return null;
  }
}

function send(req, res, status, file, size) {
  const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': size,
    // Tests must always see the build they were started for.
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
}

function plain(res, status, text, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

async function notFound(req, res) {
  const page = path.join(dist, '404.html');
  const s = await fileAt(page);
  if (s && s !== 'dir') return send(req, res, 404, page, s.size);
  return plain(res, 404, 'Not found (and no 404.html in the build)\n');
}

const server = createServer(async (req, res) => {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return plain(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
    }
    const url = new URL(req.url, `http://${req.headers.host || 'localhost'}`);
    const pathname = url.pathname;
    if (pathname === '/' || pathname === base.slice(0, -1)) {
      return plain(res, 302, `Found: ${base}\n`, { Location: base + url.search });
    }
    if (!pathname.startsWith(base)) return plain(res, 404, 'Not found\n');

    let rel;
    try {
      rel = decodeURIComponent(pathname.slice(base.length));
    } catch {
      return plain(res, 400, 'Bad request\n');
    }
    const file = path.resolve(dist, `.${path.posix.sep}${rel}`);
    if (file !== dist && !file.startsWith(dist + path.sep)) return notFound(req, res);

    let s = await fileAt(file);
    if (s === 'dir') {
      // Like GitHub Pages: /dir redirects to /dir/, and /dir/ serves /dir/index.html.
      if (!pathname.endsWith('/')) {
        return plain(res, 301, 'Moved\n', { Location: `${pathname}/${url.search}` });
      }
      const index = path.join(file, 'index.html');
      s = await fileAt(index);
      if (s && s !== 'dir') return send(req, res, 200, index, s.size);
      return notFound(req, res);
    }
    if (s) return send(req, res, 200, file, s.size);
    // GitHub Pages also serves /page from page.html.
    const html = `${file}.html`;
    s = await fileAt(html);
    if (s && s !== 'dir' && !pathname.endsWith('/')) return send(req, res, 200, html, s.size);
    return notFound(req, res);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) plain(res, 500, 'Internal error\n');
    else res.destroy();
  }
});

const distStat = await fileAt(dist);
if (distStat !== 'dir') {
  console.error(`serve.mjs: no build at ${dist} (run the release build first: scripts/test or scripts/bench)`);
  process.exit(1);
}
server.listen(port, host, () => {
  console.log(`serving ${dist} at http://${host}:${port}${base}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
