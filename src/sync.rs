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

/// The [`fingerprint`] of change sets stored as chunks' texts, planned from the chunks'
/// indexes alone: a stored text is its change set's canonical form, so the bytes hashed are
/// the texts themselves in id order, each followed by a line end, with nothing parsed or
/// written again. The digest worker puts them together and hashes them
/// ([`FingerprintPlan::hashed`] is the model of its code).
pub struct FingerprintPlan {
    /// Per change set in id order: its chunk (its position in the list given), where its
    /// text starts and ends.
    ranges: Vec<u32>,
}

impl FingerprintPlan {
    /// Plans the fingerprint of `chunks` (each its index and its text's length in bytes); a
    /// change set held twice counts once. `None` when an index does not fit its text.
    pub fn new(chunks: &[(&[u8], usize)]) -> Option<Self> {
        let mut lines: Vec<_> =
            file::chunks_entries(chunks)?.into_iter().map(|(n, e)| (e.id, n, e.start, e.end)).collect();
        crate::domain::sort::sort_by(&mut lines, |a, b| a.0.cmp(&b.0));
        lines.dedup_by_key(|line| line.0);
        Some(FingerprintPlan { ranges: lines.into_iter().flat_map(|(_, n, start, end)| [n, start, end]).collect() })
    }

    /// Per change set, in id order: its chunk, and where its text starts and ends there.
    pub fn ranges(&self) -> &[u32] {
        &self.ranges
    }

    /// What is hashed, put together from the chunks' `texts`; `None` when a range is not a
    /// change set's `{...}` in its text.
    pub fn hashed(&self, texts: &[&[u8]]) -> Option<Vec<u8>> {
        let mut hashed = Vec::new();
        for line in file::ranged_lines(&self.ranges, texts)? {
            hashed.extend_from_slice(line);
            hashed.push(b'\n');
        }
        Some(hashed)
    }

    /// The fingerprint, given the SHA-256 of [`FingerprintPlan::hashed`].
    pub fn of_digest(digest: &[u8]) -> String {
        file::hex(digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::file::{chunk_text, tests::sample_file};

    #[test]
    fn a_fingerprint_planned_from_stored_chunks_is_the_fingerprint_of_their_change_sets() {
        let file = sample_file();
        // Stored in reverse stamp order, over several chunks, one change set twice.
        let mut sets = file.change_sets.clone();
        sets.reverse();
        sets.push(sets[0].clone());
        for size in [1, 2, 1_000] {
            let chunks: Vec<(Vec<u8>, Vec<u8>)> =
                sets.chunks(size).map(|chunk| chunk_text(chunk, &[]).unwrap()).collect();
            let indexes: Vec<(&[u8], usize)> = chunks.iter().map(|(t, i)| (i.as_slice(), t.len())).collect();
            let plan = FingerprintPlan::new(&indexes).unwrap();
            assert_eq!(plan.ranges().len(), 3 * file.change_sets.len(), "a change set held twice counts once");
            let texts: Vec<&[u8]> = chunks.iter().map(|(t, _)| t.as_slice()).collect();
            let hashed = plan.hashed(&texts).unwrap();
            assert_eq!(FingerprintPlan::of_digest(&Sha256::digest(&hashed)), fingerprint(&file.change_sets));
            assert!(plan.hashed(&texts[1..]).is_none(), "a range outside the texts");
        }
    }
}
