//! `Name`: the id of a field or a kind as records and change sets hold it.
//!
//! Every record holds a dozen field ids and every change set a few, and a start reads 50,000
//! records back from the snapshot: a `String` per id was a third of the allocations that made
//! reading them the largest cost of a start. The ids the catalogue declares are therefore held
//! as `&'static str` (looked up when read, no allocation); an id it does not know (a newer
//! release's field, passed on unchanged) is held as its own `String`. Both compare, order,
//! hash and serialise as the plain text, so which one a name holds is never visible.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::catalogue;

/// A field or kind id.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Cow<'static, str>);

/// Every field and kind id the catalogue declares, sorted.
fn declared() -> &'static [&'static str] {
    static DECLARED: OnceLock<Vec<&'static str>> = OnceLock::new();
    DECLARED.get_or_init(|| {
        let mut names: Vec<&'static str> = Vec::new();
        for kind in catalogue::all_kinds() {
            names.push(kind.id);
            names.extend(kind.fields.iter().map(|field| field.id));
        }
        names.sort_unstable();
        names.dedup();
        names
    })
}

impl Name {
    /// The name `text`, without an allocation when the catalogue declares it.
    pub fn new(text: &str) -> Name {
        match lookup(text) {
            Some(name) => Name(Cow::Borrowed(name)),
            None => Name(Cow::Owned(text.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name::new(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        match lookup(&text) {
            Some(name) => Name(Cow::Borrowed(name)),
            None => Name(Cow::Owned(text)),
        }
    }
}

/// The declared name equal to `text`, if there is one.
///
/// A file of 200,000 change sets names a field a million times, mostly the same few: the last
/// name found for each (length, first byte, last byte) is tried first, and only when it is not
/// `text` are the declared names searched.
fn lookup(text: &str) -> Option<&'static str> {
    const SLOTS: usize = 64;
    thread_local! {
        static RECENT: std::cell::Cell<[&'static str; SLOTS]> = const { std::cell::Cell::new([""; SLOTS]) };
    }
    let bytes = text.as_bytes();
    let (first, last) = (bytes.first().copied().unwrap_or(0), bytes.last().copied().unwrap_or(0));
    let slot = (bytes.len().wrapping_mul(31) ^ usize::from(first).wrapping_mul(7) ^ usize::from(last)) % SLOTS;
    RECENT.with(|recent| {
        let mut names = recent.get();
        if !text.is_empty() && names[slot] == text {
            return Some(names[slot]);
        }
        let declared = declared();
        let found = declared.binary_search(&text).ok().map(|at| declared[at])?;
        names[slot] = found;
        recent.set(names);
        Some(found)
    })
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.0.into_owned()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        **self == *other.0
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::text::from_text(deserializer, "a name", |text| Ok::<_, String>(Name::new(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_name_is_held_without_an_allocation_and_an_unknown_one_as_its_own_text() {
        assert!(matches!(Name::new("title").0, Cow::Borrowed(_)));
        assert!(matches!(Name::new("incident").0, Cow::Borrowed(_)));
        let unknown = Name::new("geo_position");
        assert!(matches!(unknown.0, Cow::Owned(_)));
        assert_eq!(unknown, "geo_position");
    }

    #[test]
    fn every_declared_name_is_found_whatever_was_looked_up_before() {
        // Twice over, in two orders, with unknown names between: a name found earlier never
        // stands in for another.
        let mut all: Vec<&str> = declared().to_vec();
        for _ in 0..2 {
            for name in &all {
                assert_eq!(lookup(name), Some(*name));
                assert_eq!(lookup(&format!("{name}_x")), None);
                assert_eq!(
                    lookup(&name[..name.len() - 1]),
                    declared().binary_search(&&name[..name.len() - 1]).ok().map(|at| declared()[at])
                );
            }
            all.reverse();
        }
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn names_compare_and_serialise_as_their_text_whichever_way_they_are_held() {
        let borrowed = Name::new("title");
        let owned = Name(Cow::Owned("title".to_string()));
        assert_eq!(borrowed, owned);
        assert_eq!(borrowed.cmp(&Name::new("urgency")), "title".cmp("urgency"));
        assert_eq!(serde_json::to_string(&owned).unwrap(), "\"title\"");
        let read: Name = serde_json::from_str("\"ti\\u0074le\"").unwrap();
        assert!(matches!(read.0, Cow::Borrowed(_)));
        let read: Name = postcard::from_bytes(&postcard::to_allocvec(&owned).unwrap()).unwrap();
        assert_eq!(read, borrowed);
        assert!(serde_json::from_str::<Name>("12").is_err());
    }
}
