//! Identifiers: time-ordered record and change-set ids, replica ids and team members.
//!
//! Ids are built from a time and caller-supplied random bytes, so the domain stays
//! deterministic and testable; the browser layers supply `crypto.getRandomValues`.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Random bytes for a new id (the 74 random bits of a UUID v7 come from these).
pub type Entropy = [u8; 10];

macro_rules! uuid_v7_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A time-ordered (UUID v7) id for `unix_ms`, with `entropy` as its random part.
            pub fn new(unix_ms: u64, entropy: Entropy) -> Self {
                Self(uuid::Builder::from_unix_timestamp_millis(unix_ms, &entropy).into_uuid())
            }

            /// Parses the hyphenated form, as found in URLs and files.
            pub fn parse(text: &str) -> Option<Self> {
                Uuid::parse_str(text).ok().map(Self)
            }

            /// The 16 bytes of the id (a stored chunk's index keeps them so).
            pub fn to_bytes(&self) -> [u8; 16] {
                *self.0.as_bytes()
            }

            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }

            /// The last four hex digits: enough to tell apart two records shown with the same reference.
            pub fn short(&self) -> String {
                let simple = self.0.simple().to_string();
                simple[simple.len() - 4..].to_string()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_v7_id!(
    /// Identifies one SMS record (an incident, the settings, ...) for its whole life.
    RecordId
);
uuid_v7_id!(
    /// Identifies a change set: the edits one user action made together.
    ChangeSetId
);

/// Identifies one edit: its change set and its position inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EditId {
    pub change_set: ChangeSetId,
    pub index: u16,
}

/// One browser profile's copy of the database: the tie-breaker of clock stamps.
///
/// It is per profile, not per person: one member on two browsers has two replicas, so their
/// edits can never carry equal stamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplicaId(pub u64);

impl ReplicaId {
    pub fn from_entropy(entropy: [u8; 8]) -> Self {
        Self(u64::from_be_bytes(entropy))
    }
}

impl fmt::Display for ReplicaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = [0u8; 16];
        super::clock::hex_digits(&mut text, self.0);
        f.write_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

/// As 16 hex digits: a JavaScript number cannot hold every 64-bit id.
/// (A plain number in binary formats.)
impl Serialize for ReplicaId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_u64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for ReplicaId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if !deserializer.is_human_readable() {
            return u64::deserialize(deserializer).map(ReplicaId);
        }
        super::text::from_text(deserializer, "a replica id", |text| {
            u64::from_str_radix(text, 16).map(ReplicaId).map_err(|_| "a replica id is 16 hex digits")
        })
    }
}

/// The name of the team member who acts, as they gave it on first start.
///
/// Shared, not copied: every change set and every record (twice) names a member, and a team
/// has a handful, so names read from a snapshot or a file are held once (`Member::shared`)
/// instead of allocated per record (a start reads 50,000 records).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Member(Arc<str>);

/// Why a member name was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MemberError {
    #[error("Enter your name.")]
    Empty,
    #[error("A name has at most {max} characters.")]
    TooLong { max: usize },
}

impl Member {
    pub const MAX_CHARS: usize = 60;

    pub fn new(name: &str) -> Result<Self, MemberError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(MemberError::Empty);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(MemberError::TooLong { max: Self::MAX_CHARS });
        }
        Ok(Self::shared(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The member named `name` as read back from a snapshot (which holds only names that
    /// were members when written).
    pub(crate) fn read(name: &str) -> Self {
        Self::shared(name)
    }

    /// The member named `name` as read (from a snapshot or a file, as it was written): the
    /// same shared text as the last names seen, when it is one of them.
    fn shared(name: &str) -> Self {
        /// The names seen last: a team's members, searched in order.
        const KEPT: usize = 16;
        thread_local! {
            static SEEN: RefCell<Vec<Arc<str>>> = const { RefCell::new(Vec::new()) };
        }
        SEEN.with(|seen| {
            let mut seen = seen.borrow_mut();
            if let Some(at) = seen.iter().position(|held| **held == *name) {
                return Member(seen[at].clone());
            }
            let held: Arc<str> = Arc::from(name);
            if seen.len() == KEPT {
                seen.remove(0);
            }
            seen.push(held.clone());
            Member(held)
        })
    }
}

impl Serialize for Member {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::text::from_text(deserializer, "a member name", |name| Ok::<_, String>(Member::shared(name)))
    }
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_sort_by_creation_time() {
        let early = RecordId::new(1_000, [9; 10]);
        let late = RecordId::new(2_000, [0; 10]);
        assert!(early < late);
        assert_eq!(RecordId::parse(&early.to_string()), Some(early));
    }

    #[test]
    fn member_names_are_trimmed_and_bounded() {
        assert_eq!(Member::new("  Ada ").unwrap().as_str(), "Ada");
        assert_eq!(Member::new("   "), Err(MemberError::Empty));
        assert!(matches!(Member::new(&"x".repeat(61)), Err(MemberError::TooLong { .. })));
    }

    #[test]
    fn members_read_back_share_one_name_and_compare_as_text() {
        let read = |json: &str| serde_json::from_str::<Member>(json).unwrap();
        let (a, b) = (read("\"Grace\""), read("\"Grace\""));
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, Member::new("Grace").unwrap());
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"Grace\"");
        // More names than are kept: each still reads back as itself.
        let names: Vec<Member> = (0..40).map(|n| read(&format!("\"member {n}\""))).collect();
        assert!(names.iter().enumerate().all(|(n, m)| m.as_str() == format!("member {n}")));
        assert_eq!(read("\"Grace\""), a);
        assert!(serde_json::from_str::<Member>("7").is_err());
    }
}
