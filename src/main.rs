//! Entry point of the browser application built by Trunk.

#[cfg(target_arch = "wasm32")]
fn main() {
    servicebook::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Servicebook runs in the browser: build and serve it with `scripts/serve` (see README.md).");
}
