//! The one create/edit form, generated from a kind's field declarations.

use chrono::Local;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::fields::{form_input, FieldInput};
use super::routes;
use super::state::use_app;
use crate::domain::command::{self, CommandError};
use crate::domain::ids::RecordId;
use crate::domain::kind::KindDecl;
use crate::domain::reference;

#[component]
pub fn RecordForm(kind: &'static KindDecl, id: Option<RecordId>) -> impl IntoView {
    let app = use_app();
    let navigate = use_navigate();
    let existing = move || id.and_then(|id| app.records.with(|r| r.get(&id).cloned()));
    let input = RwSignal::new(form_input(kind, existing().as_ref()));
    // A record may still be loading when the edit page opens directly: fill the form then.
    Effect::new(move |filled: Option<bool>| {
        if filled == Some(true) {
            return true;
        }
        match existing() {
            Some(record) => {
                input.set(form_input(kind, Some(&record)));
                true
            }
            None => false,
        }
    });
    let error = RwSignal::new(None::<CommandError>);
    let saving = RwSignal::new(false);
    let title = match id {
        Some(_) => format!("Edit {}", kind.label.to_lowercase()),
        None => format!("New {}", kind.label.to_lowercase()),
    };
    let cancel_href = match id {
        Some(id) => routes::record(kind, id),
        None => routes::list(kind),
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let Some(actor) = app.actor() else { return };
        let values = input.get_untracked();
        let drafted = match id {
            None => {
                let record_id = app.new_record_id();
                let number = app.records.with_untracked(|r| reference::next_number(kind, r.iter()));
                command::create(kind, &values, &Local, &actor, record_id, number).map(|d| (Some(d), record_id))
            }
            Some(id) => match existing() {
                Some(record) => command::update(kind, &record, &values, &Local, &actor).map(|d| (d, id)),
                None => return,
            },
        };
        match drafted {
            Err(refused) => {
                error.set(Some(refused));
                focus_first_error();
            }
            Ok((None, record_id)) => navigate(&routes::record_route(kind, record_id), Default::default()),
            Ok((Some(draft), record_id)) => {
                error.set(None);
                saving.set(true);
                let navigate = navigate.clone();
                leptos::task::spawn_local(async move {
                    let saved = app.commit(vec![draft]).await;
                    saving.set(false);
                    if saved.is_ok() {
                        navigate(&routes::record_route(kind, record_id), Default::default());
                    }
                });
            }
        }
    };

    let field_error = move |field: &'static str| {
        Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.for_field(field)).map(str::to_string)))
    };
    view! {
        <section class="page narrow">
            <nav class="crumbs"><a href=routes::list(kind)>{kind.plural}</a></nav>
            <h1>{title}</h1>
            <form class="card form" on:submit=submit novalidate>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="form-error">{e.to_string()}</p> })}
                {kind.form_fields().map(|field| view! { <FieldInput field input error=field_error(field.id)/> }).collect_view()}
                <div class="actions">
                    <button type="submit" class="button primary" data-testid="form-submit" disabled=move || saving.get()>
                        {move || if saving.get() { "Saving…" } else { "Save" }}
                    </button>
                    <a class="button" href=cancel_href>"Cancel"</a>
                </div>
            </form>
        </section>
    }
}

/// Moves keyboard focus to the first field with an error, once it is rendered.
pub fn focus_first_error() {
    request_animation_frame(|| {
        let field = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector("[aria-invalid=true]").ok().flatten());
        if let Some(field) = field.and_then(|f| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(f).ok()) {
            let _ = field.focus();
        }
    });
}
