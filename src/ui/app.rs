//! The root component: state, routes and the first-start name prompt.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::path;
use leptos_router::Lazy;

use super::form::RecordForm;
use super::list::RecordList;
use super::pages;
use super::record_page::RecordPage;
use super::routes;
use super::shell::Shell;
use super::state::AppState;
use super::welcome;
use crate::domain::catalogue;
use crate::domain::ids::RecordId;
use crate::domain::kind::KindDecl;

#[component]
pub fn App() -> impl IntoView {
    let app = AppState::new();
    provide_context(app);
    provide_context(pages::PagesLoading(RwSignal::new(0)));
    leptos::task::spawn_local(async move {
        app.open().await;
        // The other pages' code once the records are in: fetched while the store opens, it
        // held the first rows back by a quarter of a second (see `pages`).
        pages::preload_all().await;
        // An export's body kept ahead, so that the next export only continues it.
        pages::keep_export_ahead(app).await;
    });
    let named = move || app.member.with(Option::is_some);
    view! {
        <Router base=routes::base()>
            <Show when=named fallback=|| Suspend::new(welcome::prompt())>
                <Shell>
                    <Routes fallback=|| view! { <NotFound/> }>
                        <Route path=path!("/") view={Lazy::<pages::Home>::new()}/>
                        <Route path=path!("/settings") view={Lazy::<pages::Settings>::new()}/>
                        <Route path=path!("/calendar") view={Lazy::<pages::Calendar>::new()}/>
                        <Route path=path!("/exchange") view={Lazy::<pages::Share>::new()}/>
                        <Route path=path!("/review") view={Lazy::<pages::Review>::new()}/>
                        <Route path=path!("/:kind") view=ListRoute/>
                        <Route path=path!("/:kind/new") view={Lazy::<pages::NewRecord>::new()}/>
                        <Route path=path!("/:kind/:id") view={Lazy::<pages::Record>::new()}/>
                        <Route path=path!("/:kind/:id/edit") view={Lazy::<pages::EditRecord>::new()}/>
                    </Routes>
                </Shell>
            </Show>
        </Router>
    }
}

/// The kind named by the `:kind` segment.
fn route_kind() -> Memo<Option<&'static str>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("kind").and_then(|slug| catalogue::kind_by_slug(&slug)).map(|k| k.id))
}

/// The record id of the `:id` segment.
fn route_id() -> Memo<Option<RecordId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|id| RecordId::parse(&id)))
}

fn with_kind(render: impl Fn(&'static KindDecl) -> AnyView + Send + Sync + 'static) -> impl IntoView {
    let kind = route_kind();
    move || match kind.get().and_then(catalogue::kind) {
        Some(kind) => render(kind),
        None => view! { <NotFound/> }.into_any(),
    }
}

#[component]
fn ListRoute() -> impl IntoView {
    with_kind(|kind| view! { <RecordList kind/> }.into_any())
}

#[component]
pub(super) fn NewRoute() -> impl IntoView {
    with_kind(|kind| view! { <RecordForm kind id=None/> }.into_any())
}

#[component]
pub(super) fn RecordRoute() -> impl IntoView {
    let id = route_id();
    with_kind(move |kind| match id.get() {
        Some(id) => view! { <RecordPage kind id/> }.into_any(),
        None => view! { <NotFound/> }.into_any(),
    })
}

#[component]
pub(super) fn EditRoute() -> impl IntoView {
    let id = route_id();
    with_kind(move |kind| match id.get() {
        Some(id) => view! { <RecordForm kind id=Some(id)/> }.into_any(),
        None => view! { <NotFound/> }.into_any(),
    })
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="page narrow">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address. It may be a mistyped link, or a record held in another browser."</p>
            <p><a href=routes::href("/")>"Go to the dashboard"</a></p>
        </section>
    }
}
