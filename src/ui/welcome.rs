//! The first start's prompt for the member's name (`app.rs` shows it until one is kept).
//!
//! A split point of its own (see `pages`): a returning member's first screen does without
//! its code; a first start fetches it.

use leptos::prelude::*;
use leptos::wasm_split::wasm_split;

use super::pages::{CodeNotLoaded, NotLoaded};
use super::state::use_app;
use crate::domain::ids::Member;

mod split {
    use super::*;

    #[wasm_split(welcome, wasm_split_path = ::leptos::wasm_split, fallible)]
    pub fn prompt() -> Result<AnyView, CodeNotLoaded> {
        Ok(view! { <Welcome/> }.into_any())
    }
}

/// The prompt, with its module's code; says so when the code cannot be fetched.
pub async fn prompt() -> AnyView {
    split::prompt().await.unwrap_or_else(|_| view! { <main class="main"><NotLoaded/></main> }.into_any())
}

/// Asks for the member's name on first start.
#[component]
fn Welcome() -> impl IntoView {
    let app = use_app();
    let (name, set_name) = signal(String::new());
    let (error, set_error) = signal(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match Member::new(&name.get_untracked()) {
            Ok(member) => app.set_member(member),
            Err(e) => set_error.set(Some(e.to_string())),
        }
    };
    view! {
        <main class="welcome">
            <form class="card welcome-card" on:submit=submit novalidate>
                <h1><span class="brand-mark" aria-hidden="true">"SB"</span>" Welcome to Servicebook"</h1>
                <p>"An ISO/IEC 20000-1 service management system that runs entirely in your browser. Records stay here; teammates share them by exchanging files."</p>
                <label for="welcome-name">"Your name, as teammates should see it in history"</label>
                <input id="welcome-name" data-testid="welcome-name" autocomplete="name" autofocus
                    prop:value=name on:input=move |ev| set_name.set(event_target_value(&ev))
                    aria-invalid=move || error.get().is_some().to_string() aria-describedby="welcome-error"/>
                <p id="welcome-error" class="field-error" role="alert">{move || error.get()}</p>
                <button type="submit" class="button primary" data-testid="welcome-submit">"Start"</button>
            </form>
        </main>
    }
}
