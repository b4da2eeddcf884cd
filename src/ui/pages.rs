//! Which page the address shows, and the pages whose code is loaded when first needed.
//!
//! The release build splits the app's WebAssembly (`scripts/post-build.sh` runs
//! `wasm-split-cli` between Cargo and wasm-bindgen). The main module holds what the first
//! screen of a record list needs: the shell, the store and the lists. Each page declared here
//! goes into a module of its own, named after its split point, which is fetched the first
//! time the page is shown; [`CurrentPage`] keeps the page before it on screen until it has
//! arrived.
//!
//! [`CurrentPage`] reads the page from the address (`routes::Page::at`) instead of declaring
//! leptos_router `Route`s: the router's generic code, compiled once per route, was 34 KB gzip
//! of the main module (a ninth of it), against a few for this match.
//!
//! Once the app has read its records, [`preload_all`] fetches every page's module, so that a
//! record opened after start does not wait for its page's code, and an app which has started
//! keeps working when the network goes away. (Fetched while the store opened, the modules held
//! the first rows of a 50,000-record list back by about 250 ms; a record opened before they
//! arrive waits for its module, about 200 ms on this machine, once.) A page whose
//! code cannot be fetched ([`CodeNotLoaded`]) shows a message saying so, with a reload
//! button; a later visit tries again. Never a panic.
//!
//! While a page waits for its code, the shell shows a progress bar ([`PagesLoading`]).
//!
//! Declaring a page is a variant of `routes::Page`, its address in `Page::at`, and one line of
//! [`lazy_pages!`] here.

use std::future::Future;
use std::pin::Pin;

use futures::future::join_all;
use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use leptos_router::hooks::use_location;
use leptos_router::location::{BrowserUrl, LocationProvider};

use super::app::NotFound;
use super::calendar::ChangeCalendar;
use super::dashboard::Dashboard;
use super::exchange::ExchangePage;
use super::form::RecordForm;
use super::list::RecordList;
use super::probe;
use super::record_page::RecordPage;
use super::review::ReviewPage;
use super::routes::{self, Page};
use super::settings::SettingsPage;

/// A split point's code could not be fetched (offline before it was preloaded, or the site
/// was updated and the old module is gone): a page's here, or deferred work's
/// (`ui/deferred.rs`).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("part of Servicebook's code could not be loaded")]
pub struct CodeNotLoaded;

impl From<SplitLoaderError> for CodeNotLoaded {
    fn from(_: SplitLoaderError) -> Self {
        CodeNotLoaded
    }
}

/// Whether a page is waiting for its code; the shell shows a progress bar meanwhile
/// (`ui/shell.rs`). Provided by the app's root, set by [`CurrentPage`].
#[derive(Clone, Copy)]
pub struct PagesLoading(pub RwSignal<bool>);

/// Declares, for each page shown through a module of its own, the `Page`s it shows, its split
/// point and how it renders a `Page`; and from them [`page_view`], [`page_preload`] and
/// `page_preloads`.
macro_rules! lazy_pages {
    ($( $(#[$doc:meta])* $pattern:pat => $split:ident => $render:expr; )*) => {
        $(
            // The split point: `page`, and all code only it reaches, leaves the main module;
            // `preload` fetches that module without showing the page.
            $(#[$doc])*
            mod $split {
                use super::*;

                #[wasm_split($split, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload))]
                pub fn page(at: Page) -> Result<AnyView, CodeNotLoaded> {
                    let render: fn(Page) -> AnyView = $render;
                    Ok(render(at))
                }
            }
        )*

        /// The view of a page shown through a module of its own, with that module's code
        /// (fetched first if need be); `None` for a page of the main module.
        async fn page_view(page: Page) -> Option<Result<AnyView, CodeNotLoaded>> {
            match page {
                $( $pattern => Some($split::page(page).await), )*
                _ => None,
            }
        }

        /// The fetch of a page's module; `None` for a page of the main module.
        fn page_preload(page: Page) -> Option<Preload> {
            match page {
                $( $pattern => Some(Box::pin($split::preload())), )*
                _ => None,
            }
        }

        /// The fetches of every page's module.
        fn page_preloads() -> Vec<Preload> {
            vec![$( Box::pin($split::preload()) ),*]
        }
    };
}

type Preload = Pin<Box<dyn Future<Output = Result<(), SplitLoaderError>>>>;

/// Fetches every page's module, and the quick search's, all at once; a failure is left for
/// the page's own visit to retry. When all have answered, leaves `body[data-pages]` at
/// `loaded` (or `partial` when some did not arrive) and `body[data-pages-at]`.
pub async fn preload_all() {
    let mut loads = page_preloads();
    loads.push(Box::pin(super::quick_search::preload()));
    let all = join_all(loads).await.iter().all(Result::is_ok);
    probe::set("data-pages", if all { "loaded" } else { "partial" });
    probe::mark("data-pages-at", probe::now());
}

/// The page the address names. A page whose module has not arrived yet is shown once it has;
/// the page before it stays up meanwhile, with the progress bar ([`PagesLoading`]), and a
/// navigation elsewhere in between drops it.
#[component]
pub fn CurrentPage() -> impl IntoView {
    let location = use_location();
    let wanted = Memo::new(move |_| location.pathname.with(|path| Page::at(routes::base(), path)));
    // A page of the main module is shown at once, without waiting for an effect.
    let first = wanted.get_untracked();
    let shown = RwSignal::new(page_preload(first).is_none().then_some(first));
    let loading = use_context::<PagesLoading>();
    Effect::new(move |_| {
        let page = wanted.get();
        let Some(load) = page_preload(page) else {
            if shown.get_untracked() != Some(page) {
                shown.set(Some(page));
            }
            return;
        };
        leptos::task::spawn_local(async move {
            // A module that does not arrive shows `NotLoaded` in the page's place.
            let _ = load.await;
            if wanted.try_get_untracked() == Some(page) {
                shown.try_set(Some(page));
            }
        });
    });
    // Once the page the address names is up, the router writes the address into the
    // browser's history (as its `Routes` would): a navigation waits for its page.
    let browser = use_context::<BrowserUrl>();
    Effect::new(move |_| {
        let arrived = shown.with(|shown| *shown == Some(wanted.get()));
        if let Some(PagesLoading(waiting)) = loading {
            waiting.set(!arrived);
        }
        if arrived {
            if let Some(browser) = &browser {
                browser.ready_to_complete();
            }
        }
    });
    move || {
        shown.get().map(|page| match page {
            Page::List(kind) => view! { <RecordList kind/> }.into_any(),
            Page::NotFound => view! { <NotFound/> }.into_any(),
            page => Suspend::new(async move {
                match page_view(page).await {
                    Some(Ok(view)) => view,
                    Some(Err(CodeNotLoaded)) => view! { <NotLoaded/> }.into_any(),
                    None => view! { <NotFound/> }.into_any(),
                }
            })
            .into_any(),
        })
    }
}

/// Work of the Share page's module done away from the page.
mod share_ahead {
    use super::*;
    use crate::ui::state::AppState;

    #[wasm_split(share, wasm_split_path = ::leptos::wasm_split, fallible)]
    pub fn keep_export_ahead(app: AppState) -> Result<(), CodeNotLoaded> {
        crate::ui::exchange::keep_export_ahead(app);
        Ok(())
    }
}

/// Keeps a full export's body ahead of the next export, in the background
/// (`exchange::keep_export_ahead`), with the Share page's code, fetched first if need be.
pub async fn keep_export_ahead(app: crate::ui::state::AppState) {
    let _ = share_ahead::keep_export_ahead(app).await;
}

lazy_pages! {
    /// A record's page: fields, links, history, work notes.
    Page::Record(..) => record => |at| match at {
        Page::Record(kind, id) => view! { <RecordPage kind id/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    };
    /// A new record's form.
    Page::NewRecord(_) => new_record => |at| match at {
        Page::NewRecord(kind) => view! { <RecordForm kind id=None/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    };
    /// A record's edit form.
    Page::EditRecord(..) => edit_record => |at| match at {
        Page::EditRecord(kind, id) => view! { <RecordForm kind id=Some(id)/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    };
    /// The dashboard, at the app's root.
    Page::Dashboard => dashboard => |_| view! { <Dashboard/> }.into_any();
    /// Review: conflicts and records flagged by a merge.
    Page::Review => review => |_| view! { <ReviewPage/> }.into_any();
    /// The change calendar.
    Page::Calendar => calendar => |_| view! { <ChangeCalendar/> }.into_any();
    /// Settings: member, priority matrix, shared-data hash.
    Page::Settings => settings => |_| view! { <SettingsPage/> }.into_any();
    /// Share: export and import of exchange files.
    Page::Share => share => |_| view! { <ExchangePage/> }.into_any();
}

/// Shown instead of a page whose code did not arrive.
#[component]
pub(super) fn NotLoaded() -> impl IntoView {
    let retry = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <section class="page narrow" role="alert">
            <h1>"This page could not be loaded"</h1>
            <p>
                "Its part of Servicebook did not arrive: the connection may be down, or a newer "
                "release of Servicebook has replaced this one on the site. Your records are safe "
                "in this browser."
            </p>
            <p><button type="button" class="button primary" on:click=retry>"Reload Servicebook"</button></p>
        </section>
    }
}
