//! `Name`: the id of a field or a kind as records and change sets hold it.
//!
//! Every record holds a dozen field ids and every change set a few, and a start reads 50,000
//! records back from the snapshot: a `String` per id was a third of the allocations that made
//! reading them the largest cost of a start. The ids the catalogue declares are therefore held
//! as a pointer to the catalogue's own text (looked up when read, no allocation); an id it does
//! not know (a newer release's field, passed on unchanged) is held as its own text. Both
//! compare, order, hash and serialise as the plain text, so which one a name holds is never
//! visible.
//!
//! A name is two words (8 bytes in WebAssembly): a record's field is its name beside its
//! state, and a start fills memory with 600,000 of them, so the name's size is part of what a
//! start costs (a `Cow<'static, str>` was three words and made a field 88 bytes, not 80).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::catalogue;

/// A field or kind id.
#[derive(Clone)]
pub struct Name(Held);

/// How a [`Name`] holds its text. A pointer to the declared name's entry (one word), not the
/// `&'static str` itself (two), so the enum fits in the two words of the boxed text.
#[derive(Clone)]
enum Held {
    Declared(&'static &'static str),
    Own(Box<str>),
}

#[cfg(target_arch = "wasm32")]
const _: () = assert!(std::mem::size_of::<Name>() == 8);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Name>() == 16);

/// Every field and kind id the catalogue declares, sorted.
fn declared() -> &'static [&'static str] {
    static DECLARED: OnceLock<Vec<&'static str>> = OnceLock::new();
    DECLARED.get_or_init(|| {
        let mut names: Vec<&'static str> = Vec::new();
        for kind in catalogue::all_kinds() {
            names.push(kind.id);
            names.extend(kind.fields.iter().map(|field| field.id));
        }
        // The one compiled sort (`domain::sort`): a sort of its own would cost the first
        // screen's code a kilobyte gzip.
        super::sort::sort_by(&mut names, |a, b| a.cmp(b));
        names.dedup();
        names
    })
}

impl Name {
    /// The name `text`, without an allocation when the catalogue declares it.
    pub fn new(text: &str) -> Name {
        match lookup(text) {
            Some(name) => Name(Held::Declared(name)),
            None => Name(Held::Own(text.into())),
        }
    }

    #[inline(always)]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Held::Declared(name) => name,
            Held::Own(text) => text,
        }
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
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
            Some(name) => Name(Held::Declared(name)),
            None => Name(Held::Own(text.into_boxed_str())),
        }
    }
}

/// The declared name equal to `text`, if there is one.
///
/// A file of 200,000 change sets names a field a million times, mostly the same few: the last
/// name found for each (length, first byte, last byte) is tried first, and only when it is not
/// `text` are the declared names searched.
fn lookup(text: &str) -> Option<&'static &'static str> {
    const SLOTS: usize = 64;
    thread_local! {
        static RECENT: std::cell::Cell<[&'static &'static str; SLOTS]> = const { std::cell::Cell::new([&""; SLOTS]) };
    }
    let bytes = text.as_bytes();
    let (first, last) = (bytes.first().copied().unwrap_or(0), bytes.last().copied().unwrap_or(0));
    let slot = (bytes.len().wrapping_mul(31) ^ usize::from(first).wrapping_mul(7) ^ usize::from(last)) % SLOTS;
    RECENT.with(|recent| {
        let mut names = recent.get();
        if !text.is_empty() && *names[slot] == text {
            return Some(names[slot]);
        }
        let declared = declared();
        let found = declared.binary_search(&text).ok().map(|at| &declared[at])?;
        names[slot] = found;
        recent.set(names);
        Some(found)
    })
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        match name.0 {
            Held::Declared(name) => name.to_string(),
            Held::Own(text) => text.into_string(),
        }
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
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
        assert!(matches!(Name::new("title").0, Held::Declared(_)));
        assert!(matches!(Name::new("incident").0, Held::Declared(_)));
        let unknown = Name::new("geo_position");
        assert!(matches!(unknown.0, Held::Own(_)));
        assert_eq!(unknown, "geo_position");
    }

    #[test]
    fn every_declared_name_is_found_whatever_was_looked_up_before() {
        // Twice over, in two orders, with unknown names between: a name found earlier never
        // stands in for another.
        let mut all: Vec<&str> = declared().to_vec();
        for _ in 0..2 {
            for name in &all {
                assert_eq!(lookup(name).copied(), Some(*name));
                assert!(lookup(&format!("{name}_x")).is_none());
                assert_eq!(
                    lookup(&name[..name.len() - 1]).copied(),
                    declared().binary_search(&&name[..name.len() - 1]).ok().map(|at| declared()[at])
                );
            }
            all.reverse();
        }
        assert!(lookup("").is_none());
    }

    #[test]
    fn names_compare_and_serialise_as_their_text_whichever_way_they_are_held() {
        let borrowed = Name::new("title");
        let owned = Name(Held::Own("title".into()));
        assert_eq!(borrowed, owned);
        assert_eq!(borrowed.cmp(&Name::new("urgency")), "title".cmp("urgency"));
        assert_eq!(serde_json::to_string(&owned).unwrap(), "\"title\"");
        let read: Name = serde_json::from_str("\"ti\\u0074le\"").unwrap();
        assert!(matches!(read.0, Held::Declared(_)));
        let read: Name = postcard::from_bytes(&postcard::to_allocvec(&owned).unwrap()).unwrap();
        assert_eq!(read, borrowed);
        assert!(serde_json::from_str::<Name>("12").is_err());
    }
}
