#!/bin/sh
# What the release build's main module holds and what would leave it behind a split point:
# prints a dominator report (scripts/size/dominators.rs says how to read it and which
# environment variables it takes).
#
#   bash scripts/size/main-module.sh            # after a release build (trunk build --release)
#   SIZE_FILTER=servicebook:: SIZE_TOP=40 bash scripts/size/main-module.sh
#
# It builds, once, a copy of wasm_split_cli_support (the version scripts/setup.sh installs,
# from Cargo's registry cache) with the report added, under $SERVICEBOOK_CACHE/size-tool.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=0.2.4
cache=${SERVICEBOOK_CACHE:-$HOME/.cache/servicebook}
tool="$cache/size-tool"
crate=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/wasm_split_cli_support-$version 2>/dev/null | head -n 1)
[ -n "$crate" ] || { echo "wasm_split_cli_support $version is not in Cargo's cache: run scripts/setup.sh" >&2; exit 1; }
if [ ! -x "$tool/target/release/wasm-split-cli" ] || [ "$here/dominators.rs" -nt "$tool/target/release/wasm-split-cli" ]; then
  rm -rf "$tool/src" && mkdir -p "$tool"
  cp -r "$crate/." "$tool/"
  cp "$here/dominators.rs" "$tool/src/dominators.rs"
  sed -i 's/^fn get_main_module_roots/pub(crate) fn get_main_module_roots/' "$tool/src/split_point.rs"
  sed -i 's/^mod dep_graph;/mod dep_graph;\nmod dominators;/' "$tool/src/lib.rs"
  sed -i 's/^    let split_program_info =$/    dominators::report(\&module, \&deps.graph, \&split_points);\n    let split_program_info =/' "$tool/src/lib.rs"
  grep -q "dominators::report" "$tool/src/lib.rs" || { echo "could not add the report to wasm_split_cli_support $version" >&2; exit 1; }
  grep -q '^\[dependencies.rustc-demangle\]' "$tool/Cargo.toml" || printf '\n[dependencies.rustc-demangle]\nversion = "0.1"\n' >> "$tool/Cargo.toml"
  (cd "$tool" && CARGO_TARGET_DIR="$tool/target" cargo build --release --features build-binary --quiet)
fi
target_dir=$(cd "$root" && cargo metadata --offline --no-deps --format-version 1 | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
wasm="$target_dir/wasm32-unknown-unknown/release/servicebook.wasm"
[ -f "$wasm" ] || { echo "no release build at $wasm: run trunk build --release first" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$tool/target/release/wasm-split-cli" "$wasm" "$out" --target web --out-name main | grep -v '^$' || true
