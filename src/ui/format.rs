//! How values look to the reader: local times, sizes, lower case.

use chrono::{DateTime, Datelike, Local, NaiveDate, TimeZone, Timelike, Utc};

/// An instant in the viewer's time zone: `2026-11-25 14:30`.
pub fn local_time(at: DateTime<Utc>) -> String {
    // Field by field: `format` parses its pattern on every call, which showed in the list's
    // profile (a key can bring thirty new rows into view).
    let at = at.with_timezone(&Local);
    format!("{:04}-{:02}-{:02} {:02}:{:02}", at.year(), at.month(), at.day(), at.hour(), at.minute())
}

/// The instant a day starts in the viewer's time zone.
pub fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Local.from_local_datetime(&naive).earliest().map(|t| t.to_utc()).unwrap_or_else(|| naive.and_utc())
}

/// The value a `datetime-local` input shows for an instant: `2026-11-25T14:30`.
pub fn local_input(at: DateTime<Utc>) -> String {
    let at = at.with_timezone(&Local);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}", at.year(), at.month(), at.day(), at.hour(), at.minute())
}

/// `1.4 MB`. Counted in whole tenths, as `probe::mark` counts hundredths.
pub fn bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = n.max(0.0);
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{} {}", value.round() as u64, UNITS[unit])
    } else {
        let tenths = (value * 10.0).round() as u64;
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
    }
}

/// `1 incident`, `3 incidents`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `text` in lower case, as the browser writes it (`String.prototype.toLowerCase`, the
/// Unicode default case mapping); ASCII without leaving Rust. The standard library's
/// `to_lowercase` would bring its Unicode tables, 5 KB gzip, into the first screen's code.
/// Whatever is compared in lower case must be lowered here, both sides alike.
pub fn lower(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
}
