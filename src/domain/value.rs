//! Field values as edits carry them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ids::RecordId;

/// One field value. Choices and people are text; instants are UTC and shown in the viewer's
/// time zone; dates have no time zone.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Text(String),
    Number(i64),
    Instant(DateTime<Utc>),
    Date(NaiveDate),
    Link(RecordId),
    Flag(bool),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_link(&self) -> Option<RecordId> {
        match self {
            Value::Link(id) => Some(*id),
            _ => None,
        }
    }

    /// A set flag.
    pub fn is_yes(&self) -> bool {
        matches!(self, Value::Flag(true))
    }

    pub fn as_number(&self) -> Option<i64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// A plain-text rendering for lists, search and history (instants in UTC; the UI localises).
    pub fn display(&self) -> String {
        match self {
            Value::Text(text) => text.clone(),
            Value::Number(n) => n.to_string(),
            Value::Instant(at) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
            Value::Date(day) => day.format("%Y-%m-%d").to_string(),
            Value::Link(id) => id.to_string(),
            Value::Flag(true) => "Yes".to_string(),
            Value::Flag(false) => "No".to_string(),
        }
    }
}
