//! The shared-data fingerprint Settings shows ([`crate::sync::fingerprint`]), computed from the
//! stored change sets' texts by the digest worker: at 50,000 records, parsing 200,000 change
//! sets and writing them again on the page's thread held it for seconds after every large
//! write while Settings was open.

use indexed_db_futures::prelude::*;

use super::export::{chunks_as_stored, StoredParts};
use super::layout::CHUNKS;
use super::{digest, Store, StoreError};
use crate::sync::FingerprintPlan;

impl Store {
    /// The fingerprint of every change set held here: planned from the chunks' indexes and
    /// hashed in the digest worker from their texts as stored; parsed and hashed here when
    /// that cannot be (a chunk stored before indexes, no worker).
    pub async fn fingerprint(&self) -> Result<String, StoreError> {
        let tx = self.db.transaction(CHUNKS).build()?;
        let raw = chunks_as_stored(&tx.object_store(CHUNKS)?, 0).await?;
        drop(tx);
        if let Some(StoredParts { texts, indexes }) = StoredParts::of(&raw) {
            if let Some(plan) = FingerprintPlan::new(&StoredParts::chunks(&indexes)) {
                if let Some(worker) = digest::fingerprint_off_thread(&texts, plan.ranges()) {
                    if let Some(digest) = worker.digest().await {
                        return Ok(FingerprintPlan::of_digest(&digest));
                    }
                }
            }
        }
        drop(raw);
        Ok(crate::sync::fingerprint(&self.all_change_sets().await?))
    }
}
