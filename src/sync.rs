//! Serverless sync: the exchange file teammates pass around, and the merge of what it carries
//! into what this browser holds. Pure Rust, no web types.
//!
//! The merge is a union of change sets: every change set made anywhere and carried in any file
//! ends up here once, whatever the order of imports, so two browsers that saw the same files
//! fold the same records (the laws are property-tested in `merge.rs`).

#[cfg(all(test, not(target_arch = "wasm32")))]
mod corpus;
pub mod file;
pub mod line;
pub mod merge;
pub mod sealed;
pub mod writer;

use sha2::{Digest, Sha256};

use crate::domain::edit::ChangeSet;

/// A fingerprint of the shared data: SHA-256 over every change set's canonical form, in id
/// order. Two browsers that hold the same change sets show the same fingerprint; what is local
/// (the member's name, import history, export bookkeeping) is not in it.
pub fn fingerprint<'a>(change_sets: impl IntoIterator<Item = &'a ChangeSet>) -> String {
    let mut sets: Vec<&ChangeSet> = change_sets.into_iter().collect();
    crate::domain::sort::sort_by_key(&mut sets, |cs| cs.id);
    sets.dedup_by_key(|cs| cs.id);
    let mut hasher = Sha256::new();
    for change_set in sets {
        // The compact serde_json form of a change set is its RFC 8785 form (tested in `file`),
        // including what this release does not know, which it writes back as it came.
        hasher.update(serde_json::to_vec(change_set).unwrap_or_default());
        hasher.update(b"\n");
    }
    file::hex(&hasher.finalize())
}
