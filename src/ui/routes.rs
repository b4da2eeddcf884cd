//! URLs inside the app, prefixed with the path it is hosted under (`/servicebook/...`), and
//! the other way round: which page an address shows ([`Page::at`]).
//!
//! The prefix comes from the page's `<base href>`, which Trunk fills from `--public-url`, so
//! one build works wherever that build says it is hosted.
//!
//! leptos_router's `Router` keeps the address (history, links, `use_navigate`,
//! `use_query_map`); the app reads the page from it here rather than through `Routes`, whose
//! generic code per route was a ninth of the first screen's WebAssembly (see `pages`).

use std::sync::OnceLock;

use crate::domain::catalogue;
use crate::domain::ids::RecordId;
use crate::domain::kind::KindDecl;

/// What an address shows: one of the app's pages, with the kind and record it names.
#[derive(Clone, Copy, Debug)]
pub enum Page {
    /// `/`
    Dashboard,
    /// `/settings`
    Settings,
    /// `/calendar`
    Calendar,
    /// `/exchange`
    Share,
    /// `/review`
    Review,
    /// `/:kind`
    List(&'static KindDecl),
    /// `/:kind/new`
    NewRecord(&'static KindDecl),
    /// `/:kind/:id`
    Record(&'static KindDecl, RecordId),
    /// `/:kind/:id/edit`
    EditRecord(&'static KindDecl, RecordId),
    /// Anything else, an unknown kind or a malformed record id included.
    NotFound,
}

impl PartialEq for Page {
    fn eq(&self, other: &Page) -> bool {
        use Page::*;
        match (*self, *other) {
            (List(a), List(b)) | (NewRecord(a), NewRecord(b)) => a.id == b.id,
            (Record(a, x), Record(b, y)) | (EditRecord(a, x), EditRecord(b, y)) => a.id == b.id && x == y,
            (a, b) => std::mem::discriminant(&a) == std::mem::discriminant(&b),
        }
    }
}

impl Eq for Page {}

impl Page {
    /// The page at `pathname` (the address's path, hosting path included) for an app hosted
    /// under `base` (as [`base`] gives it). A trailing slash changes nothing.
    pub fn at(base: &str, pathname: &str) -> Page {
        let Some(rest) = pathname.strip_prefix(base) else { return Page::NotFound };
        if !(rest.is_empty() || rest.starts_with('/')) {
            return Page::NotFound;
        }
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let kind = |slug: &str| catalogue::kind_by_slug(slug);
        let record = |slug: &str, id: &str| Some((kind(slug)?, RecordId::parse(id)?));
        let page = match segments.as_slice() {
            [] => Some(Page::Dashboard),
            ["settings"] => Some(Page::Settings),
            ["calendar"] => Some(Page::Calendar),
            ["exchange"] => Some(Page::Share),
            ["review"] => Some(Page::Review),
            [slug] => kind(slug).map(Page::List),
            [slug, "new"] => kind(slug).map(Page::NewRecord),
            [slug, id] => record(slug, id).map(|(kind, id)| Page::Record(kind, id)),
            [slug, id, "edit"] => record(slug, id).map(|(kind, id)| Page::EditRecord(kind, id)),
            _ => None,
        };
        page.unwrap_or(Page::NotFound)
    }
}

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
