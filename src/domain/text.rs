//! Reading a value that a file or a stored chunk holds as text (a name, a stamp, a time, a
//! replica id) straight from that text, without copying it into a `String` first: a large
//! file holds hundreds of thousands of them.

use std::fmt;

use serde::Deserializer;

/// Deserializes a value written as text through `read`, which says why a text is refused.
pub(crate) fn from_text<'de, D, T, E>(
    deserializer: D,
    expecting: &'static str,
    read: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
{
    struct Visitor<F> {
        expecting: &'static str,
        read: F,
    }
    impl<T, E: fmt::Display, F: FnOnce(&str) -> Result<T, E>> serde::de::Visitor<'_> for Visitor<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_str<X: serde::de::Error>(self, text: &str) -> Result<T, X> {
            (self.read)(text).map_err(X::custom)
        }
    }
    deserializer.deserialize_str(Visitor { expecting, read })
}
