//! Store errors, in words a user can act on.

use crate::domain::edit::ChangeSetError;

/// What went wrong with the browser's storage. `Clone + Send + Sync`, so the UI can keep and
/// show it (IndexedDB's own error holds JS values and is neither).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error(
        "This browser does not let Servicebook store data ({0}). Private browsing or blocked site data can cause this: \
         open Servicebook in a normal window, or allow site data for this address."
    )]
    Unavailable(String),
    #[error(
        "The browser's storage for this site is full, so the last change was not saved. Free space (Settings → \
         Privacy → Site data) or export your work, then try again."
    )]
    QuotaExceeded,
    #[error("Another Servicebook tab uses an older version of the database. Close the other Servicebook tabs; this one continues by itself.")]
    Blocked,
    #[error("Stored data could not be read: {0}. Nothing was changed.")]
    Corrupt(String),
    #[error("The change was refused: {0}")]
    Invalid(#[from] ChangeSetError),
    #[error("The browser's database reported an error: {0}. Nothing was changed; try again.")]
    Failed(String),
    #[error("Not done: {0}. Nothing was changed.")]
    Refused(String),
}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(error: indexed_db_futures::error::Error) -> Self {
        let text = error.to_string();
        if text.contains("Quota") || text.contains("quota") {
            StoreError::QuotaExceeded
        } else {
            StoreError::Failed(text)
        }
    }
}

impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(error: indexed_db_futures::error::OpenDbError) -> Self {
        use indexed_db_futures::error::OpenDbError;
        match error {
            OpenDbError::UnsupportedEnvironment | OpenDbError::NullFactory => {
                StoreError::Unavailable("IndexedDB is not available".into())
            }
            OpenDbError::Base(inner) => match StoreError::from(inner) {
                StoreError::Failed(text) => StoreError::Unavailable(text),
                other => other,
            },
            other => StoreError::Failed(other.to_string()),
        }
    }
}
