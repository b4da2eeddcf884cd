//! Servicebook: an ISO/IEC 20000-1 service management system that runs entirely in the browser.
//!
//! The crate is layered; dependencies point inward (see `ARCHITECTURE.md`):
//!
//! - [`domain`]: record kinds, lifecycles, priority, edits and their fold. Pure Rust.
//! - [`sync`]: the exchange format shared between team members. Pure Rust.
//! - `store`: IndexedDB persistence (browser only).
//! - `ui`: the Leptos application (browser only).

pub mod domain;
pub mod sync;

#[cfg(target_arch = "wasm32")]
pub mod store;
#[cfg(target_arch = "wasm32")]
pub mod ui;
