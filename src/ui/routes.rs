//! URLs inside the app, prefixed with the path it is hosted under (`/servicebook/...`).
//!
//! The prefix comes from the page's `<base href>`, which Trunk fills from `--public-url`, so
//! one build works wherever that build says it is hosted.

use std::sync::OnceLock;

use crate::domain::ids::RecordId;
use crate::domain::kind::KindDecl;

static BASE: OnceLock<String> = OnceLock::new();

/// The hosting path without a trailing slash: `""` at the root, `/servicebook` below it.
pub fn base() -> &'static str {
    BASE.get_or_init(|| {
        let uri = web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten());
        let path = uri.and_then(|uri| web_sys::Url::new(&uri).ok()).map(|url| url.pathname()).unwrap_or_default();
        path.trim_end_matches('/').to_string()
    })
}

/// An app path (`/incidents`) as a link under the base.
pub fn href(path: &str) -> String {
    format!("{}{}", base(), path)
}

pub fn list(kind: &KindDecl) -> String {
    href(&format!("/{}", kind.slug))
}

pub fn new_record(kind: &KindDecl) -> String {
    href(&format!("/{}/new", kind.slug))
}

pub fn record(kind: &KindDecl, id: RecordId) -> String {
    href(&record_route(kind, id))
}

/// A record's path for `use_navigate`, which adds the base itself.
pub fn record_route(kind: &KindDecl, id: RecordId) -> String {
    format!("/{}/{}", kind.slug, id)
}

/// The form of a new record of `kind` raised from record `from`.
pub fn raise(kind: &KindDecl, from: RecordId) -> String {
    format!("{}?from={from}", new_record(kind))
}

/// The Share page, set to export this record (and those linked to it).
pub fn export_record(id: RecordId) -> String {
    href(&format!("/exchange?records={id}"))
}

pub fn edit_record(kind: &KindDecl, id: RecordId) -> String {
    href(&format!("/{}/{}/edit", kind.slug, id))
}
