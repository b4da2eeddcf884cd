//! The list's filters in the address bar (`?q=mail&state=open&...`), so that a filtered view
//! can be bookmarked and shared.
//!
//! `history.replaceState` costs milliseconds in Chromium, too much to pay for every key typed
//! into the search box (issue 4: a key must update the rows within 16 ms). The rows follow each
//! key at once; the address follows once the filters have stayed the same for [`PAUSE`], or at
//! once when [`Address::flush`] is called (the search box does so when it loses focus, which a
//! click on a row's link does before it navigates).

use std::time::Duration;

use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;

/// How long the filters must stay the same before the address takes them.
const PAUSE: Duration = Duration::from_millis(250);

/// Query parameters by name; empty values are left out of the address.
pub type Pairs = Vec<(&'static str, String)>;

/// Keeps the address bar's query equal to the list's filters.
#[derive(Clone, Copy)]
pub struct Address {
    filters: Memo<Pairs>,
    pending: StoredValue<Option<TimeoutHandle>>,
}

impl Address {
    /// Follows `filters`: the address takes them when the page opens, then a pause after each
    /// change. A write still pending when the page goes is dropped, so it cannot land on the
    /// next page's address.
    pub fn follow(filters: impl Fn() -> Pairs + Send + Sync + 'static) -> Address {
        let address = Address { filters: Memo::new(move |_| filters()), pending: StoredValue::new(None) };
        Effect::new(move |first: Option<()>| {
            address.filters.track();
            address.cancel();
            if first.is_none() {
                address.write();
                return;
            }
            let handle = set_timeout_with_handle(
                move || {
                    address.pending.set_value(None);
                    address.write();
                },
                PAUSE,
            );
            address.pending.set_value(handle.ok());
        });
        on_cleanup(move || address.cancel());
        address
    }

    /// Writes a pending change now.
    pub fn flush(self) {
        if self.pending.try_with_value(Option::is_some).unwrap_or(false) {
            self.cancel();
            self.write();
        }
    }

    fn cancel(self) {
        if let Some(handle) = self.pending.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    }

    fn write(self) {
        if let Some(pairs) = self.filters.try_get_untracked() {
            write_query(&pairs);
        }
    }
}

/// Replaces the address bar's query without a navigation.
fn write_query(pairs: &[(&str, String)]) {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", String::from(js_sys::encode_uri_component(v))))
        .collect();
    let Some(window) = web_sys::window() else { return };
    let Ok(path) = window.location().pathname() else { return };
    let url = if query.is_empty() { path } else { format!("{path}?{}", query.join("&")) };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}
