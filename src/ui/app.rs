//! The root component: state, the router and the first-start name prompt.

use leptos::prelude::*;
use leptos_router::components::Router;

use super::pages::{self, CurrentPage};
use super::routes;
use super::shell::Shell;
use super::state::AppState;
use super::welcome;

#[component]
pub fn App() -> impl IntoView {
    let app = AppState::new();
    provide_context(app);
    provide_context(pages::PagesLoading(RwSignal::new(false)));
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
                    <CurrentPage/>
                </Shell>
            </Show>
        </Router>
    }
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
