//! The exchange format shared between team members (JSON files of change sets).
//!
//! For now it holds the envelope's identity; the merge and file format grow here (issue 5).
//! Pure Rust: no web types.

/// The `format` value of a Servicebook exchange file.
pub const FORMAT: &str = "servicebook";
/// The major version of the exchange format this release writes and reads.
pub const VERSION: u32 = 1;
