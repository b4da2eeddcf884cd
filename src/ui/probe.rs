//! Figures the app leaves on `<body>` for the end-to-end tests and the benchmark
//! (`data-ready`, `data-load-ms`, `data-filter-ms`, `data-search-ms`, `data-export-ms`, `data-pages`, `data-pages-at`, ...).

/// Milliseconds from the page's start, to a fraction of a millisecond where the browser allows
/// (`performance.now`; `Date.now` counts whole milliseconds): for short durations.
pub fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or_else(js_sys::Date::now, |p| p.now())
}

/// Sets `body[attribute]` to a duration in milliseconds.
pub fn mark(attribute: &str, ms: f64) {
    set(attribute, &format!("{ms:.2}"));
}

/// Sets `body[attribute]` to `value`.
pub fn set(attribute: &str, value: &str) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute(attribute, value);
    }
}
