//! Field values as edits carry them.
//!
//! In JSON a value is an object with one member naming its type: `{"text":"Printer down"}`,
//! `{"number":3}`, `{"link":"…"}`. A value whose type this release does not know (a newer
//! release's `{"geo":[52.1,4.3]}`) is kept as [`Opaque`] canonical JSON text and written back
//! byte for byte; a value of a known type that does not parse (`{"number":"many"}`) is
//! malformed and refused. In the binary snapshot (postcard, which cannot hold self-describing
//! JSON) an unknown value is its canonical text as a string.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::clock::Stamp;
use super::ids::RecordId;

/// One field value. Choices and people are text; instants are UTC and shown in the viewer's
/// time zone; dates have no time zone.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Text(Text),
    Number(i64),
    Instant(DateTime<Utc>),
    Date(NaiveDate),
    Link(RecordId),
    Flag(bool),
    /// A value of a type this release does not know, kept as it came and passed on.
    Unknown(Opaque),
    /// A value a redaction removed: the stamp of the (earliest) redaction. In JSON
    /// `{"redacted":"<stamp>"}`.
    Redacted(Stamp),
}

/// A text value, shared: cloning it (a fold copies each head's value into the record) does
/// not copy the text, and the short texts that recur (choices such as a state or an impact,
/// people's names) are read back as one allocation per page of a snapshot ([`TextPool`]). A
/// start reads 50,000 records, and a `String` per choice was half the allocations of that
/// read.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<str>);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(Arc::from(text))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(Arc::from(text))
    }
}

impl From<std::borrow::Cow<'_, str>> for Text {
    fn from(text: std::borrow::Cow<'_, str>) -> Text {
        Text(Arc::from(text))
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Text {
        Text(Arc::from(text.as_str()))
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        String::deserialize(deserializer).map(Text::from)
    }
}

/// Texts read back together (a snapshot page, a file), the short ones held once: each short
/// text met again is a clone of the first, not a new allocation. Long texts (titles,
/// descriptions) rarely recur and are not looked up. The pool is a sorted vector of at most
/// [`TextPool::MAX`] texts (a page or a file has a few dozen that recur; a file of nothing
/// but different short texts fills it and reads on unpooled).
#[derive(Default)]
pub struct TextPool(Vec<Text>);

impl TextPool {
    /// Texts up to this many bytes are pooled.
    const SHORT: usize = 40;
    /// Texts the pool holds at most.
    const MAX: usize = 256;

    pub fn text(&mut self, text: &str) -> Text {
        if text.len() > Self::SHORT {
            return Text::from(text);
        }
        match self.0.binary_search_by(|held| held.as_str().cmp(text)) {
            Ok(at) => self.0[at].clone(),
            Err(at) => {
                let new = Text::from(text);
                if self.0.len() < Self::MAX {
                    self.0.insert(at, new.clone());
                }
                new
            }
        }
    }
}

/// JSON this release does not understand (a value type or an operation of a newer release),
/// held as its RFC 8785 canonical text so that it is written back exactly as it came: the
/// checksum of a re-export and the shared-data fingerprint then hold.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Opaque(String);

impl Opaque {
    /// Canonical text of any JSON value.
    pub fn from_json(value: &serde_json::Value) -> Result<Opaque, String> {
        serde_json_canonicalizer::to_string(value).map(Opaque).map_err(|e| e.to_string())
    }

    /// Text a snapshot kept (written from [`Opaque::text`]).
    pub(crate) fn stored(text: String) -> Opaque {
        Opaque(text)
    }

    /// The canonical JSON text.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// The name of the type (or operation) this release does not know: the object's one key.
    pub fn tag(&self) -> String {
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&self.0) {
            Ok(map) => map.keys().next().cloned().unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Writes the text as it is: raw JSON for serde_json, a string for binary formats.
    pub(crate) fn serialize_raw<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            match serde_json::value::RawValue::from_string(self.0.clone()) {
                Ok(raw) => raw.serialize(serializer),
                Err(e) => Err(serde::ser::Error::custom(e)),
            }
        } else {
            serializer.serialize_str(&self.0)
        }
    }
}

/// The JSON tags of the value types this release knows.
const TAGS: [&str; 7] = ["text", "number", "instant", "date", "link", "flag", "redacted"];

/// The binary (snapshot) form: the variants in a fixed order, the unknown one last.
#[derive(Serialize, Deserialize)]
enum Binary {
    Text(Text),
    Number(i64),
    Instant(DateTime<Utc>),
    Date(NaiveDate),
    Link(RecordId),
    Flag(bool),
    Unknown(String),
    Redacted(Stamp),
}

/// The same, borrowed, for writing.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum KnownRef<'a> {
    Text(&'a Text),
    Number(&'a i64),
    Instant(&'a DateTime<Utc>),
    Date(&'a NaiveDate),
    Link(&'a RecordId),
    Flag(&'a bool),
    Redacted(&'a Stamp),
}

#[derive(Serialize)]
#[serde(rename = "Binary")]
enum BinaryRef<'a> {
    Text(&'a Text),
    Number(&'a i64),
    Instant(&'a DateTime<Utc>),
    Date(&'a NaiveDate),
    Link(&'a RecordId),
    Flag(&'a bool),
    Unknown(&'a String),
    Redacted(&'a Stamp),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            match self {
                Value::Text(v) => KnownRef::Text(v).serialize(serializer),
                Value::Number(v) => KnownRef::Number(v).serialize(serializer),
                Value::Instant(v) => KnownRef::Instant(v).serialize(serializer),
                Value::Date(v) => KnownRef::Date(v).serialize(serializer),
                Value::Link(v) => KnownRef::Link(v).serialize(serializer),
                Value::Flag(v) => KnownRef::Flag(v).serialize(serializer),
                Value::Unknown(opaque) => opaque.serialize_raw(serializer),
                Value::Redacted(v) => KnownRef::Redacted(v).serialize(serializer),
            }
        } else {
            match self {
                Value::Text(v) => BinaryRef::Text(v),
                Value::Number(v) => BinaryRef::Number(v),
                Value::Instant(v) => BinaryRef::Instant(v),
                Value::Date(v) => BinaryRef::Date(v),
                Value::Link(v) => BinaryRef::Link(v),
                Value::Flag(v) => BinaryRef::Flag(v),
                Value::Unknown(opaque) => BinaryRef::Unknown(&opaque.0),
                Value::Redacted(v) => BinaryRef::Redacted(v),
            }
            .serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        if !deserializer.is_human_readable() {
            return Ok(match Binary::deserialize(deserializer)? {
                Binary::Text(v) => Value::Text(v),
                Binary::Number(v) => Value::Number(v),
                Binary::Instant(v) => Value::Instant(v),
                Binary::Date(v) => Value::Date(v),
                Binary::Link(v) => Value::Link(v),
                Binary::Flag(v) => Value::Flag(v),
                Binary::Unknown(v) => Value::Unknown(Opaque(v)),
                Binary::Redacted(v) => Value::Redacted(v),
            });
        }
        deserializer.deserialize_map(TaggedVisitor::<Value>(std::marker::PhantomData))
    }
}

impl From<Opaque> for Value {
    fn from(opaque: Opaque) -> Value {
        Value::Unknown(opaque)
    }
}

impl Tagged for Value {
    const WHAT: &'static str = "value";
    const KNOWN: &'static [&'static str] = &TAGS;

    fn read<'de, A: MapAccess<'de>>(tag: &str, map: &mut A) -> Result<Value, A::Error> {
        Ok(match tag {
            "text" => Value::Text(map.next_value()?),
            "number" => Value::Number(map.next_value()?),
            "instant" => Value::Instant(map.next_value()?),
            "date" => Value::Date(map.next_value()?),
            "link" => Value::Link(map.next_value()?),
            "redacted" => Value::Redacted(map.next_value()?),
            _ => Value::Flag(map.next_value()?),
        })
    }
}

/// A JSON object with exactly one member, `{"tag": content}`, whose tag says what it is (a
/// value's type, an operation). Tags a newer release may add are kept as [`Opaque`].
pub(crate) trait Tagged: Sized + From<Opaque> {
    /// What it is, for messages.
    const WHAT: &'static str;
    /// The tags this release reads.
    const KNOWN: &'static [&'static str];
    /// Reads the content of a known tag; malformed content is an error.
    fn read<'de, A: MapAccess<'de>>(tag: &str, map: &mut A) -> Result<Self, A::Error>;
}

/// Reads a [`Tagged`] object: a known tag through `T::read` (refused if its content is
/// malformed), an unknown one as the canonical text of the whole object.
pub(crate) struct TaggedVisitor<T>(pub std::marker::PhantomData<T>);

impl<'de, T: Tagged> Visitor<'de> for TaggedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} as an object with one member naming its type", T::WHAT)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let Some(tag) = map.next_key::<String>()? else {
            return Err(de::Error::custom(format!("a {} is an empty object", T::WHAT)));
        };
        let out = if T::KNOWN.contains(&tag.as_str()) {
            T::read(&tag, &mut map)?
        } else {
            let content: serde_json::Value = map.next_value()?;
            let mut object = serde_json::Map::new();
            object.insert(tag, content);
            T::from(Opaque::from_json(&serde_json::Value::Object(object)).map_err(de::Error::custom)?)
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format!("a {} has more than one member", T::WHAT)));
        }
        Ok(out)
    }
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

    /// A value of a type this release does not know.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// A value a redaction removed.
    pub fn is_redacted(&self) -> bool {
        matches!(self, Value::Redacted(_))
    }

    /// A value a form cannot show for editing (unknown or redacted): an empty input keeps it.
    pub fn is_kept_as_is(&self) -> bool {
        matches!(self, Value::Unknown(_) | Value::Redacted(_))
    }

    /// A plain-text rendering for lists, search and history (instants in UTC; the UI localises).
    pub fn display(&self) -> String {
        match self {
            Value::Text(text) => text.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Instant(at) => utc_minute(*at),
            Value::Date(day) => day.to_string(),
            Value::Link(id) => id.to_string(),
            Value::Flag(true) => "Yes".to_string(),
            Value::Flag(false) => "No".to_string(),
            Value::Unknown(_) => UNKNOWN_VALUE.to_string(),
            Value::Redacted(_) => REDACTED_VALUE.to_string(),
        }
    }
}

/// How a redacted value is shown where who redacted it is not at hand.
pub const REDACTED_VALUE: &str = "(redacted)";

/// How a value of a type this release does not know is shown.
pub const UNKNOWN_VALUE: &str = "(a value from a newer Servicebook, kept as it is)";

/// An instant to the minute in UTC: `2026-11-25 14:30 UTC`, as chrono's
/// `%Y-%m-%d %H:%M UTC` writes it, field by field: `format` parses its pattern on every call,
/// and its pattern parser and formatter were 8 KB of the app's first screen.
pub fn utc_minute(at: DateTime<Utc>) -> String {
    format!("{} {:02}:{:02} UTC", year_month_day(at.year(), at.month(), at.day()), at.hour(), at.minute())
}

/// `2026-11-25`, as chrono's `%Y-%m-%d` writes it: a year outside 0 to 9999 with its sign.
pub fn year_month_day(year: i32, month: u32, day: u32) -> String {
    if (0..=9999).contains(&year) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:+05}-{month:02}-{day:02}")
    }
}

/// A day as a date input gives it, `2026-11-25` (a year of four digits or more, or a sign
/// and a year, as [`year_month_day`] writes it), read as chrono's `NaiveDate::from_str` reads
/// it but without chrono's pattern parser, which would otherwise be in the first screen;
/// `None` for anything else, including the looser forms chrono also reads (`2026-1-5`,
/// spaces around), which a date input never gives.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let (rest, day) = text.rsplit_once('-')?;
    let (year, month) = rest.rsplit_once('-')?;
    let (sign, unsigned) = match year.as_bytes().first() {
        Some(b'+') => (1, &year[1..]),
        Some(b'-') => (-1, &year[1..]),
        _ => (1, year),
    };
    if !(digits(unsigned) && digits(month) && digits(day)) || unsigned.len() < 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let year = sign * unsigned.parse::<i32>().ok()?;
    NaiveDate::from_ymd_opt(year, month.parse().ok()?, day.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_as_chrono_reads_it() {
        let mut day = NaiveDate::from_ymd_opt(-400, 1, 1).unwrap();
        while day.year() <= 10_400 {
            let text = year_month_day(day.year(), day.month(), day.day());
            assert_eq!(parse_day(&text), Some(day), "{text}");
            assert_eq!(text.parse::<NaiveDate>().ok(), Some(day), "{text}");
            day = day + chrono::Days::new(17);
        }
        // Refused by both.
        for text in [
            "",
            "2026",
            "2026-11",
            "2026-11-31",
            "2026-02-29",
            "2026-13-01",
            "2026/01/05",
            "2026-+1-05",
            "2026-01-+5",
            "x2026-01-05",
            "2026-01-05T00:00",
        ] {
            assert_eq!(parse_day(text), None, "{text:?}");
            assert_eq!(text.parse::<NaiveDate>().ok(), None, "chrono reads {text:?}");
        }
        // Read by chrono, but never what a date input gives: refused.
        for text in ["2026-1-05", "2026-01-5", "26-01-05", "2026-01-05 ", " 2026-01-05"] {
            assert_eq!(parse_day(text), None, "{text:?}");
        }
        assert_eq!(parse_day("2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(parse_day("+12345-06-07"), "+12345-06-07".parse::<NaiveDate>().ok());
    }

    #[test]
    fn instants_and_dates_read_as_chrono_formats_them() {
        use chrono::TimeZone;
        for (y, mo, d, h, mi) in [(2026, 11, 25, 14, 30), (1, 1, 1, 0, 0), (9999, 12, 31, 23, 59), (10000, 3, 4, 5, 6)]
        {
            let at = Utc.with_ymd_and_hms(y, mo, d, h, mi, 7).unwrap();
            assert_eq!(utc_minute(at), at.format("%Y-%m-%d %H:%M UTC").to_string());
            assert_eq!(Value::Date(at.date_naive()).display(), at.format("%Y-%m-%d").to_string());
        }
        for year in [-1, -12345, 0, 7] {
            let day = NaiveDate::from_ymd_opt(year, 2, 3).unwrap();
            assert_eq!(year_month_day(year, 2, 3), day.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn a_pool_holds_each_short_text_once_and_leaves_long_ones_alone() {
        let mut pool = TextPool::default();
        let (first, again) = (pool.text("in_progress"), pool.text(&String::from("in_progress")));
        assert!(Arc::ptr_eq(&first.0, &again.0));
        assert_eq!(first, again);
        let long = "a title long enough not to be looked up in the pool at all";
        let (one, two) = (pool.text(long), pool.text(long));
        assert!(!Arc::ptr_eq(&one.0, &two.0));
        assert_eq!((one.as_str(), two.as_str()), (long, long));
        assert_eq!(Value::Text(first.clone()), Value::Text("in_progress".into()));
        // Full, it still hands out every text, unpooled.
        for n in 0..2 * TextPool::MAX {
            assert_eq!(pool.text(&format!("t{n}")).as_str(), format!("t{n}"));
        }
        assert_eq!(pool.0.len(), TextPool::MAX);
        assert!(pool.0.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn a_value_of_an_unknown_type_is_kept_as_canonical_text_and_written_back() {
        let value: Value = serde_json::from_str(r#"{"geo": {"lon": 4.30, "lat": 52.1e0}}"#).unwrap();
        assert_eq!(value, Value::Unknown(Opaque(r#"{"geo":{"lat":52.1,"lon":4.3}}"#.into())));
        assert_eq!(serde_json::to_string(&value).unwrap(), r#"{"geo":{"lat":52.1,"lon":4.3}}"#);
        assert_eq!(value.display(), UNKNOWN_VALUE);
        // Through the binary snapshot too.
        let bytes = postcard::to_allocvec(&value).unwrap();
        assert_eq!(postcard::from_bytes::<Value>(&bytes).unwrap(), value);
    }

    #[test]
    fn a_value_of_a_known_type_that_is_malformed_is_refused() {
        assert!(serde_json::from_str::<Value>(r#"{"number":"many"}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{"link":"not an id"}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{"text":"a","number":1}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#""text""#).is_err());
        assert_eq!(serde_json::from_str::<Value>(r#"{"number":7}"#).unwrap(), Value::Number(7));
    }

    #[test]
    fn known_values_keep_their_json_and_binary_forms() {
        let values = [
            Value::Text("a \"b\"".into()),
            Value::Number(-3),
            Value::Flag(true),
            Value::Date(NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()),
            Value::Instant(DateTime::<Utc>::UNIX_EPOCH),
            Value::Link(RecordId::new(1, [2; 10])),
        ];
        for value in values {
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), value);
            let bytes = postcard::to_allocvec(&value).unwrap();
            assert_eq!(postcard::from_bytes::<Value>(&bytes).unwrap(), value);
        }
        assert_eq!(serde_json::to_string(&Value::Number(3)).unwrap(), r#"{"number":3}"#);
    }
}
