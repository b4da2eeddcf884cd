//! The snapshot form of folded records: what the store keeps so that a start does not refold
//! every change set. Binary (postcard), with stamps and ids as numbers: reading 50,000 records
//! back is the largest cost of a start, and JSON text was several times slower. The change sets
//! stay the truth; a snapshot that does not decode is rebuilt from them.

use super::record::Record;

/// Why a snapshot page could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SnapshotError(String);

/// Encodes a page of records.
pub fn encode(records: &[&Record]) -> Result<Vec<u8>, SnapshotError> {
    postcard::to_allocvec(records).map_err(|e| SnapshotError(e.to_string()))
}

/// Decodes a page of records.
pub fn decode(bytes: &[u8]) -> Result<Vec<Record>, SnapshotError> {
    postcard::from_bytes(bytes).map_err(|e| SnapshotError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::demo;
    use crate::domain::ids::{Member, RecordId};
    use crate::domain::record::fold_all;
    use chrono::{DateTime, Utc};
    use std::collections::BTreeMap;

    fn sample() -> Vec<Record> {
        let none: BTreeMap<RecordId, Record> = BTreeMap::new();
        let sets =
            demo::sample_history(200, &none, |_| 1, &Member::new("Ada").unwrap(), DateTime::<Utc>::UNIX_EPOCH, 3);
        fold_all(&sets).into_values().collect()
    }

    #[test]
    fn records_round_trip_through_a_snapshot_page() {
        let records = sample();
        let page: Vec<&Record> = records.iter().collect();
        let bytes = encode(&page).unwrap();
        assert_eq!(decode(&bytes).unwrap(), records);
        // Compact: well under the JSON form of the same records.
        let json = serde_json::to_string(&page).unwrap();
        assert!(bytes.len() * 2 < json.len(), "{} bytes binary vs {} JSON", bytes.len(), json.len());
    }

    #[test]
    fn a_damaged_page_is_an_error_not_a_panic() {
        let records = sample();
        let bytes = encode(&records.iter().collect::<Vec<_>>()).unwrap();
        assert!(decode(&bytes[..bytes.len() / 2]).is_err());
        assert!(decode(b"not a snapshot").is_err());
    }
}
