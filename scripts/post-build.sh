#!/bin/sh
# Trunk post-build hook. Three jobs:
#
# 1. Split the app's WebAssembly into a main module and the pages' modules (see
#    src/ui/pages.rs). The split has to come between Cargo and wasm-bindgen, and Trunk runs
#    both back to back, so this takes Cargo's output again and does the rest itself:
#    wasm-split-cli, then wasm-bindgen on the main module, then (release) wasm-opt on every
#    module and esbuild's minifier on the JavaScript glue. The results replace Trunk's own .js
#    and _bg.wasm under the same names, and the pages' modules go in a folder named after them
#    (servicebook-<hash>-pages/), so that a new release never meets a cached part of an old
#    one. Trunk's own wasm-opt is switched off in
#    index.html (data-wasm-opt="0"): its output is not used.
# 2. Write boot.js, the app's external loader (the page's Content-Security-Policy forbids
#    inline scripts).
# 3. Copy index.html to 404.html, which static hosts such as GitHub Pages serve for deep links.
#
# Environment: Trunk's TRUNK_STAGING_DIR and TRUNK_PROFILE; CARGO_TARGET_DIR as Cargo reads
# it; SERVICEBOOK_WASM_OPT_EXTRA, extra wasm-opt flags (`-g` keeps function names for a
# profile, see tests/e2e/profile.mjs).
set -eu

fail() {
  echo "post-build: $*" >&2
  exit 1
}

source_dir=$(pwd)
cd "$TRUNK_STAGING_DIR"
js=$(ls servicebook-*.js 2>/dev/null | head -n 1)
wasm=$(ls servicebook-*_bg.wasm 2>/dev/null | head -n 1)
if [ -z "$js" ] || [ -z "$wasm" ]; then
  fail "servicebook-*.js or *_bg.wasm not found in $TRUNK_STAGING_DIR"
fi
stem=${js%.js}
parts="$stem-pages"

# --- 1. the split ---------------------------------------------------------------------------
command -v wasm-split-cli >/dev/null 2>&1 || fail "wasm-split-cli not found: run scripts/setup.sh"
target_dir=$(cd "$source_dir" && cargo metadata --offline --no-deps --format-version 1 \
  | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
[ -n "$target_dir" ] || fail "cargo metadata did not give the target directory"
case "${TRUNK_PROFILE:-debug}" in
  release) profile=release ;;
  *) profile=debug ;;
esac
raw="$target_dir/wasm32-unknown-unknown/$profile/servicebook.wasm"
[ -f "$raw" ] || fail "Cargo's output $raw not found"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wasm-split-cli "$raw" "$work/split" --target web --out-name "$stem" >/dev/null \
  || fail "wasm-split-cli failed on $raw"
wasm-bindgen --target web --keep-lld-exports --no-demangle --no-typescript \
  --out-dir "$work/bindgen" --out-name "$stem" "$work/split/$stem.wasm" \
  || fail "wasm-bindgen failed on the main module"

mkdir -p "$work/out/$parts"
if [ "$profile" = release ]; then
  # -Oz, plus: the low 1 KiB of memory is never addressed (the linker puts the 1 MiB stack
  # there, growing down, and data above it), which lets wasm-opt fold constant address offsets
  # into loads and stores; and no producers/target-features sections, which browsers ignore.
  # wasm-split-cli writes a names subsection wasm-opt does not know; its warning about it is
  # dropped, anything else it says is shown.
  # shellcheck disable=SC2086
  optimise() {
    if ! wasm-opt -Oz --low-memory-unused --strip-producers --strip-target-features \
      ${SERVICEBOOK_WASM_OPT_EXTRA:-} "$1" -o "$2" 2>"$work/wasm-opt.log"; then
      cat "$work/wasm-opt.log" >&2
      fail "wasm-opt failed on $1"
    fi
    grep -v 'unknown name subsection' "$work/wasm-opt.log" >&2 || true
  }
else
  optimise() { cp "$1" "$2"; }
fi
optimise "$work/bindgen/${stem}_bg.wasm" "$work/out/${stem}_bg.wasm"
for part in "$work/split"/*.wasm; do
  name=$(basename "$part")
  [ "$name" = "$stem.wasm" ] && continue
  optimise "$part" "$work/out/$parts/$name"
done

# The pages' loader lives in the parts folder: it imports the main module from one level up,
# and the main module imports it from there (the import object's key, the wasm import module
# "./__wasm_split.js", stays as it is).
sed "s#from \"\./$stem\.js\"#from \"../$stem.js\"#" "$work/split/__wasm_split.js" > "$work/out/$parts/__wasm_split.js"
grep -q "from \"\.\./$stem\.js\"" "$work/out/$parts/__wasm_split.js" \
  || fail "the pages' loader does not import ./$stem.js"
sed "s#^\(import \* as [A-Za-z0-9_]* from \)\"\./__wasm_split\.js\"#\1\"./$parts/__wasm_split.js\"#" \
  "$work/bindgen/$stem.js" > "$work/out/$stem.js"
grep -q "from \"\./$parts/__wasm_split\.js\"" "$work/out/$stem.js" \
  || fail "the main module's glue does not import the pages' loader"
if [ -d "$work/bindgen/snippets" ]; then cp -r "$work/bindgen/snippets" "$work/out/"; fi
if [ "$profile" = release ]; then
  # The JavaScript glue, minified (npm esbuild, installed by scripts/setup.sh with the
  # end-to-end tests' packages): 12.5 KB gzip of the first screen down to about 10. Its
  # warnings about the import object's repeated "./__wasm_split.js" key (one module, imported
  # under several names) are not errors and are not shown.
  esbuild="$source_dir/tests/e2e/node_modules/.bin/esbuild"
  [ -x "$esbuild" ] || fail "$esbuild not found: run scripts/setup.sh"
  # (The pages' loader stays as wasm-split-cli wrote it: 0.4 KB gzip more, and the benchmark
  # reads which files each page needs from it.)
  for glue in "$work/out/$stem.js"; do
    "$esbuild" --minify --format=esm --log-level=error "$glue" --outfile="$glue.min.js" \
      || fail "esbuild failed on $glue"
    mv "$glue.min.js" "$glue"
  done
fi

rm -rf "$js" "$wasm" servicebook-*-pages snippets
cp -r "$work/out/." .

# --- 2. boot.js -----------------------------------------------------------------------------
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

# --- 3. 404.html ----------------------------------------------------------------------------
cp index.html 404.html
