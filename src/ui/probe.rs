//! Figures the app leaves on `<body>` for the end-to-end tests and the benchmark
//! (`data-ready`, `data-load-ms`, `data-filter-ms`, `data-search-ms`, `data-export-ms`, `data-pages`, `data-pages-at`,
//! `data-import-checksums`, ...).

/// Milliseconds from the page's start, to a fraction of a millisecond where the browser allows
/// (`performance.now`; `Date.now` counts whole milliseconds): for short durations.
pub fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or_else(js_sys::Date::now, |p| p.now())
}

/// Sets `body[attribute]` to a duration in milliseconds, to the hundredth (counted in whole
/// hundredths: formatting a float to a fixed number of decimals is 5 KB of the app).
pub fn mark(attribute: &str, ms: f64) {
    let hundredths = (ms * 100.0).round() as i64;
    let sign = if hundredths < 0 { "-" } else { "" };
    let hundredths = hundredths.unsigned_abs();
    set(attribute, &format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100));
}

/// Sets `body[attribute]` to `value`.
pub fn set(attribute: &str, value: &str) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute(attribute, value);
    }
}
