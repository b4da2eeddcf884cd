//! Serverless sync: the exchange file teammates pass around, and the merge of what it carries
//! into what this browser holds. Pure Rust, no web types.
//!
//! The merge is a union of change sets: every change set made anywhere and carried in any file
//! ends up here once, whatever the order of imports, so two browsers that saw the same files
//! fold the same records (the laws are property-tested in `merge.rs`).

pub mod file;
pub mod merge;
