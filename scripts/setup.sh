# shellcheck shell=bash
# Installs what building and testing Servicebook needs, and sets up the environment for it.
#
# Sourced by scripts/serve, scripts/test and scripts/bench (`source scripts/setup.sh`); it can
# also be run on its own (`bash scripts/setup.sh`) to install the tools.
# It is idempotent: it installs only what is missing and prints one "ok: ..." line for each
# piece that is already there. It works under the caller's `set -euo pipefail`.
#
# This machine reaches only the package registries (crates.io, npm, Debian, PyPI), so every
# tool comes from one of them: see shared/TOOLCHAIN.md for why each is installed this way.
#
# Environment it reads:
#   SERVICEBOOK_CACHE  where build output lives, outside the clone (default ~/.cache/servicebook)
# Environment it exports:
#   PATH (npm binaryen's wasm-opt first, then ~/.cargo/bin), CARGO_TARGET_DIR, CHROMEDRIVER,
#   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER, WASM_BINDGEN_TEST_TIMEOUT, SERVICEBOOK_ROOT,
#   SERVICEBOOK_CACHE, SERVICEBOOK_DIST.

# Variables and functions below start with `sb_` so that they do not clash with the caller's.
SERVICEBOOK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SERVICEBOOK_ROOT

# Trunk 0.22 needs rustc 1.96; the toolchain here is 1.95.
sb_trunk_version="0.21.14"
# npm's binaryen; Debian's (108) produces a wasm that fails at start.
sb_wasm_opt_version="132"
# Splits the app's WebAssembly into a main module and the pages' modules (scripts/post-build.sh).
sb_wasm_split_version="0.2.4"

sb_say() { printf '%s\n' "$*"; }
# Puts a directory first on PATH (once).
sb_path_prepend() {
    local rest=":$PATH:"
    while [[ "$rest" == *":$1:"* ]]; do rest="${rest//:$1:/:}"; done
    rest="${rest#:}"
    PATH="$1:${rest%:}"
    export PATH
}
sb_fail() {
    printf 'setup: error: %s\n' "$*" >&2
    return 1
}

# `cargo install` for a tool. Only these commands get the fast profile: the tools merely drive
# the build, so their own speed does not matter, while Trunk's own release profile takes far
# longer to compile. CARGO_TARGET_DIR is unset so that the tools' build does not land in the
# app's build cache.
sb_cargo_install() {
    env -u CARGO_TARGET_DIR \
        CARGO_PROFILE_RELEASE_LTO=false \
        CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
        cargo install "$@"
}

# Runs a command as root: directly when root, through sudo when it exists.
sb_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        sb_fail "need root to run: $* (no sudo here)"
    fi
}

# The version of a package in Cargo.lock, e.g. `sb_lock_version wasm-bindgen`.
sb_lock_version() {
    awk -v name="$1" '
        $0 == "[[package]]" { in_pkg = 0 }
        $1 == "name" && $3 == "\"" name "\"" { in_pkg = 1; next }
        in_pkg && $1 == "version" { gsub(/"/, "", $3); print $3; exit }
    ' "$SERVICEBOOK_ROOT/Cargo.lock"
}

sb_setup() {
    sb_path_prepend "$HOME/.cargo/bin"
    command -v cargo >/dev/null 2>&1 || sb_fail "cargo not found (install rustup first)" || return 1
    command -v rustup >/dev/null 2>&1 || sb_fail "rustup not found" || return 1
    command -v npm >/dev/null 2>&1 || sb_fail "npm not found (install Node.js 20+)" || return 1

    # 1. The wasm32 target.
    if rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
        sb_say "ok: rust target wasm32-unknown-unknown"
    else
        sb_say "installing: rust target wasm32-unknown-unknown"
        rustup target add wasm32-unknown-unknown || return 1
    fi

    # 2. Trunk.
    local have
    have="$(trunk --version 2>/dev/null || true)"
    if [ "$have" = "trunk $sb_trunk_version" ]; then
        sb_say "ok: $have"
    else
        sb_say "installing: trunk $sb_trunk_version (found: ${have:-none}); this compiles for 10+ minutes"
        sb_cargo_install --locked --force "trunk@$sb_trunk_version" || return 1
        have="$(trunk --version)"
        [ "$have" = "trunk $sb_trunk_version" ] || sb_fail "trunk --version says '$have'" || return 1
    fi

    # 3. wasm-bindgen CLI at the exact version of the wasm-bindgen crate in Cargo.lock.
    if [ ! -f "$SERVICEBOOK_ROOT/Cargo.lock" ]; then
        sb_say "generating: Cargo.lock"
        (cd "$SERVICEBOOK_ROOT" && cargo generate-lockfile) || return 1
    fi
    local wbg
    wbg="$(sb_lock_version wasm-bindgen)"
    [ -n "$wbg" ] || sb_fail "no wasm-bindgen package in Cargo.lock" || return 1
    have="$(wasm-bindgen --version 2>/dev/null || true)"
    if [ "$have" = "wasm-bindgen $wbg" ] && command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
        sb_say "ok: $have (and wasm-bindgen-test-runner)"
    else
        # Without --locked: the CLI's lockfile pins a webpki-roots release the registry lacks.
        sb_say "installing: wasm-bindgen-cli $wbg (found: ${have:-none}); this compiles for 5+ minutes"
        sb_cargo_install --force "wasm-bindgen-cli@$wbg" || return 1
        have="$(wasm-bindgen --version)"
        [ "$have" = "wasm-bindgen $wbg" ] || sb_fail "wasm-bindgen --version says '$have'" || return 1
        command -v wasm-bindgen-test-runner >/dev/null 2>&1 || sb_fail "wasm-bindgen-test-runner missing" || return 1
    fi

    # 3b. wasm-split-cli, which splits the pages' code out of the main module. It has no
    # --version: `cargo install --list` says which version is installed.
    if command -v wasm-split-cli >/dev/null 2>&1 \
        && cargo install --list | grep -qx "wasm_split_cli_support v$sb_wasm_split_version:"; then
        sb_say "ok: wasm-split-cli $sb_wasm_split_version"
    else
        sb_say "installing: wasm-split-cli $sb_wasm_split_version; this compiles for 2+ minutes"
        sb_cargo_install --locked --force "wasm_split_cli_support@$sb_wasm_split_version" --features build-binary || return 1
        command -v wasm-split-cli >/dev/null 2>&1 || sb_fail "wasm-split-cli missing after its install" || return 1
    fi

    # 4. Chromium and its WebDriver, from Debian (Playwright cannot download its own browser here).
    if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
        sb_say "ok: $(/usr/bin/chromium --version 2>/dev/null | head -n1 || echo chromium), chromedriver"
    else
        sb_say "installing: chromium chromium-driver (apt)"
        sb_as_root apt-get update || return 1
        sb_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver || return 1
    fi

    # 5. npm packages of the end-to-end tests: @playwright/test, binaryen (wasm-opt), esbuild
    #    (the release build minifies its JavaScript glue with it), axe-core.
    local e2e="$SERVICEBOOK_ROOT/tests/e2e"
    if [ -d "$e2e/node_modules" ] && [ -f "$e2e/node_modules/.package-lock.json" ] \
        && ! [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
        sb_say "ok: npm packages in tests/e2e"
    else
        sb_say "installing: npm packages in tests/e2e (npm ci)"
        (cd "$e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) || return 1
    fi

    [ -x "$e2e/node_modules/.bin/esbuild" ] || sb_fail "$e2e/node_modules/.bin/esbuild missing (npm ci did not install esbuild)" || return 1
    local binaryen_bin="$e2e/node_modules/binaryen/bin"
    [ -x "$binaryen_bin/wasm-opt" ] || sb_fail "$binaryen_bin/wasm-opt missing (npm ci did not install binaryen)" || return 1
    sb_path_prepend "$binaryen_bin"
    have="$(wasm-opt --version 2>/dev/null || true)"
    case "$have" in
        "wasm-opt version $sb_wasm_opt_version "* | "wasm-opt version $sb_wasm_opt_version") sb_say "ok: $have" ;;
        *) sb_fail "wasm-opt on PATH says '${have:-nothing}', want version $sb_wasm_opt_version" || return 1 ;;
    esac

    # 6. Build cache and test environment.
    export SERVICEBOOK_CACHE="${SERVICEBOOK_CACHE:-$HOME/.cache/servicebook}"
    export CARGO_TARGET_DIR="$SERVICEBOOK_CACHE/target"
    export SERVICEBOOK_DIST="${SERVICEBOOK_DIST:-$SERVICEBOOK_CACHE/dist-servicebook}"
    mkdir -p "$CARGO_TARGET_DIR" || return 1
    export CHROMEDRIVER=/usr/bin/chromedriver
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
    export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
    sb_say "ok: CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    # Run on its own.
    set -euo pipefail
    sb_setup
else
    sb_setup || return 1
fi
