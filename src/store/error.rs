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
    #[error(
        "This browser's Servicebook data was saved by a newer release of Servicebook than the one this tab runs. \
         Reload the page to run the newer release; nothing was changed."
    )]
    Newer,
    #[error("Stored data could not be read: {0}. Nothing was changed.")]
    Corrupt(String),
    #[error("The change was refused: {0}")]
    Invalid(#[from] ChangeSetError),
    #[error("The browser's database reported an error: {0}. Nothing was changed; try again.")]
    Failed(String),
    #[error("Not done: {0}. Nothing was changed.")]
    Refused(String),
}

impl StoreError {
    /// The database did not open: `error` is what the open request reported.
    pub(super) fn from_open_failure(error: &wasm_bindgen::JsValue) -> StoreError {
        use wasm_bindgen::JsCast;
        if error.dyn_ref::<web_sys::DomException>().is_some_and(|e| e.name() == "VersionError") {
            return StoreError::Newer;
        }
        quota_or(js_message(error), StoreError::Unavailable)
    }
}

/// The browser's words for an error: running out of space is an error of its own, whatever
/// the operation; anything else is `other`.
fn quota_or(text: String, other: fn(String) -> StoreError) -> StoreError {
    if text.contains("Quota") || text.contains("quota") {
        StoreError::QuotaExceeded
    } else {
        other(text)
    }
}

/// A JavaScript error's message (a `DOMException`'s, an `Error`'s), or its name when the
/// message is empty.
fn js_message(error: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    let (name, message) = if let Some(e) = error.dyn_ref::<web_sys::DomException>() {
        (e.name(), e.message())
    } else if let Some(e) = error.dyn_ref::<js_sys::Error>() {
        (e.name().into(), e.message().into())
    } else {
        (String::new(), error.as_string().unwrap_or_default())
    };
    match (message.is_empty(), name.is_empty()) {
        (false, _) => message,
        (true, false) => name,
        (true, true) => "an unknown error".into(),
    }
}

/// IndexedDB's error in words. Not the crate's own `Display`: the part of it for values of
/// the wrong type formats floats, code the first screen's module would otherwise carry for
/// an error it never meets there (this says which bound a number broke, not its value).
fn describe(error: &indexed_db_futures::error::Error) -> String {
    use indexed_db_futures::error::{Error, SerialisationError, SimpleValueError};
    let value = match error {
        Error::DomException(e) => return e.to_string(),
        Error::Serialisation(SerialisationError::Serde(e)) => return e.to_string(),
        Error::MissingData(e) => return format!("missing data: {e}"),
        Error::Unknown(e) => return e.to_string(),
        Error::Serialisation(SerialisationError::SimpleValue(value)) => value,
    };
    let what = match value {
        SimpleValueError::NotAString(_) => "not a string",
        SimpleValueError::NotANumber(_) => "not a number",
        SimpleValueError::NotABoolean(_) => "not true or false",
        SimpleValueError::DynCast(_) => "not of the expected type",
        SimpleValueError::TooLarge(_) => "a number too large",
        SimpleValueError::TooSmall(_) => "a number too small",
        SimpleValueError::Signed(_) => "a negative number",
        SimpleValueError::Switch(_) => "none of the expected types",
        SimpleValueError::Other(e) => return format!("a stored value could not be read: {e}"),
    };
    format!("a stored value is {what}")
}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(error: indexed_db_futures::error::Error) -> Self {
        quota_or(describe(&error), StoreError::Failed)
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
            OpenDbError::VersionZero => StoreError::Failed("the database version cannot be zero".into()),
        }
    }
}
