#!/bin/sh
# Trunk post-build hook: writes boot.js, the app's external loader (the page's
# Content-Security-Policy forbids inline scripts), and 404.html, a copy of index.html that
# static hosts such as GitHub Pages serve for deep links.
set -eu
cd "$TRUNK_STAGING_DIR"
js=$(ls servicebook-*.js 2>/dev/null | head -n 1)
wasm=$(ls servicebook-*_bg.wasm 2>/dev/null | head -n 1)
if [ -z "$js" ] || [ -z "$wasm" ]; then
  echo "post-build: servicebook-*.js or *_bg.wasm not found in $TRUNK_STAGING_DIR" >&2
  exit 1
fi
cat > boot.js <<JS
// Written by scripts/post-build.sh: loads the WebAssembly app, or says why it cannot.
import init from "./$js";
init({ module_or_path: new URL("./$wasm", import.meta.url) }).catch((error) => {
  const status = document.getElementById("boot-status");
  if (status) {
    status.textContent = "Servicebook could not start in this browser: " + error;
    status.classList.add("boot-failed");
  }
  console.error(error);
});
JS
cp index.html 404.html
