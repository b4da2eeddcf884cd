//! Pages whose code is loaded when first needed.
//!
//! The release build splits the app's WebAssembly (`scripts/post-build.sh` runs
//! `wasm-split-cli` between Cargo and wasm-bindgen). The main module holds what the first
//! screen of a record list needs: the shell, the store and the lists. Each page declared here
//! goes into a module of its own, named after its split point, which the page's route fetches
//! the first time it is shown; the router keeps the current page on screen until it has
//! arrived.
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
//! Declaring a page here is one line of [`lazy_pages!`]; the route in `app.rs` names it as
//! `Lazy::<pages::Name>::new()`.

use std::future::Future;
use std::pin::Pin;

use futures::future::join_all;
use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use leptos_router::LazyRoute;

use super::app::{EditRoute, NewRoute, RecordRoute};
use super::calendar::ChangeCalendar;
use super::dashboard::Dashboard;
use super::exchange::ExchangePage;
use super::probe;
use super::review::ReviewPage;
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

/// How many pages the router is waiting on for their code; the shell shows a progress bar
/// while there are any (`ui/shell.rs`). Provided by the app's root.
#[derive(Clone, Copy)]
pub struct PagesLoading(pub RwSignal<u32>);

/// Counts one page as loading for as long as it lives: a navigation given up before the code
/// arrived drops its future, and with it the count.
struct Loading(Option<PagesLoading>);

impl Loading {
    fn start() -> Self {
        let loading = use_context::<PagesLoading>();
        if let Some(PagesLoading(count)) = loading {
            count.update(|n| *n += 1);
        }
        Loading(loading)
    }
}

impl Drop for Loading {
    fn drop(&mut self) {
        if let Some(PagesLoading(count)) = self.0 {
            count.try_update(|n| *n = n.saturating_sub(1));
        }
    }
}

/// Declares each page as a route type whose view lives in its own module, and
/// [`preload_all`], which fetches them all.
macro_rules! lazy_pages {
    ($( $(#[$doc:meta])* $route:ident => $split:ident => $page:ident; )*) => {
        $(
            $(#[$doc])*
            pub struct $route;

            // The split point: `page`, and all code only it reaches, leaves the main module;
            // `preload` fetches that module without showing the page.
            mod $split {
                use super::*;

                #[wasm_split($split, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload))]
                pub fn page() -> Result<AnyView, CodeNotLoaded> {
                    Ok(view! { <$page/> }.into_any())
                }
            }

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    let _loading = Loading::start();
                    $split::page().await.unwrap_or_else(|_| view! { <NotLoaded/> }.into_any())
                }
            }
        )*

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
    Record => record => RecordRoute;
    /// A new record's form.
    NewRecord => new_record => NewRoute;
    /// A record's edit form.
    EditRecord => edit_record => EditRoute;
    /// The dashboard, at the app's root.
    Home => dashboard => Dashboard;
    /// Review: conflicts and records flagged by a merge.
    Review => review => ReviewPage;
    /// The change calendar.
    Calendar => calendar => ChangeCalendar;
    /// Settings: member, priority matrix, shared-data hash.
    Settings => settings => SettingsPage;
    /// Share: export and import of exchange files.
    Share => share => ExchangePage;
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
