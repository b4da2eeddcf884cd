//! The one create/edit form, generated from a kind's field declarations.

use chrono::Local;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::fields::{form_input, link_label, FieldInput};
use super::routes;
use super::state::use_app;
use crate::domain::catalogue;
use crate::domain::command::{self, CommandError, Context, FormInput};
use crate::domain::ids::RecordId;
use crate::domain::kind::KindDecl;
use crate::domain::known_error::{self, IncidentSketch};
use crate::domain::raise::{self, LinkSide};
use crate::domain::record::Record;
use crate::domain::reference;

/// The record a new one is raised from (`?from=<id>`), with its kind.
fn raised_from(app: super::state::AppState, kind: &'static KindDecl) -> Option<(&'static KindDecl, Record)> {
    let query = use_query_map();
    let from = query.with_untracked(|q| q.get("from")).and_then(|text| RecordId::parse(&text))?;
    let source = app.records.with_untracked(|r| r.get(&from).cloned())?;
    let source_kind = catalogue::kind(&source.kind)?;
    raise::link_side(source_kind, kind).map(|_| (source_kind, source))
}

/// Where the form's submission is: a saved form stays up, its button off, until the record
/// page replaces it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Submitted {
    Not,
    Saving,
    Saved,
}

#[component]
pub fn RecordForm(kind: &'static KindDecl, id: Option<RecordId>) -> impl IntoView {
    let app = use_app();
    let navigate = use_navigate();
    let existing = move || id.and_then(|id| app.records.with(|r| r.get(&id).cloned()));
    let source = if id.is_none() { raised_from(app, kind) } else { None };
    let mut start: FormInput = form_input(kind, existing().as_ref());
    if let Some((source_kind, record)) = &source {
        start.extend(raise::prefill(source_kind, record, kind));
    }
    let input = RwSignal::new(start);
    let shown_source = source.clone();
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
    let submitted = RwSignal::new(Submitted::Not);
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
        if submitted.get_untracked() != Submitted::Not {
            return;
        }
        let Some(actor) = app.actor() else { return };
        let values = input.get_untracked();
        let drafted = app.records.with_untracked(|records| {
            let ctx = Context::new(&Local, records);
            match id {
                None => {
                    let record_id = app.new_record_id();
                    let number = reference::next_number(kind, records.iter());
                    command::create(kind, &values, &ctx, &actor, record_id, number).map(|draft| {
                        let mut drafts = vec![draft];
                        // Raised from a record that stores the link itself: link it in the same save.
                        if let Some((source_kind, source)) = &source {
                            if let Some(LinkSide::OnSource(field)) = raise::link_side(source_kind, kind) {
                                if let Ok(link) = command::link(source_kind, source, field.id, record_id, &actor) {
                                    drafts.push(link);
                                }
                            }
                        }
                        (drafts, record_id)
                    })
                }
                Some(id) => match records.get(&id) {
                    Some(record) => {
                        command::update(kind, record, &values, &ctx, &actor).map(|d| (d.into_iter().collect(), id))
                    }
                    None => Ok((Vec::new(), id)),
                },
            }
        });
        match drafted {
            Err(refused) => {
                error.set(Some(refused));
                focus_first_error();
            }
            Ok((drafts, record_id)) if drafts.is_empty() => {
                navigate(&routes::record_route(kind, record_id), Default::default())
            }
            Ok((drafts, record_id)) => {
                error.set(None);
                submitted.set(Submitted::Saving);
                let navigate = navigate.clone();
                leptos::task::spawn_local(async move {
                    if app.commit(drafts).await.is_ok() {
                        // The form stays up until the record page replaces it, which may wait
                        // for that page's code (`pages`): it must not save a second time.
                        submitted.set(Submitted::Saved);
                        navigate(&routes::record_route(kind, record_id), Default::default());
                    } else {
                        submitted.set(Submitted::Not);
                    }
                });
            }
        }
    };

    let field_error = move |field: &'static str| {
        Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.for_field(field)).map(str::to_string)))
    };
    let raised_note = shown_source.as_ref().map(|(source_kind, record)| {
        let label = app.records.with_untracked(|r| link_label(r, &record.id));
        view! {
            <p class="note" data-testid="raised-from">
                {format!("Raised from {} ", source_kind.label.to_lowercase())}
                <a href=routes::record(source_kind, record.id)>{label}</a>
                ". The two will be linked when you save."
            </p>
        }
    });
    let suggestions = (id.is_none() && kind.id == catalogue::INCIDENT.id).then(|| view! { <KnownErrors input/> });
    view! {
        <section class="page narrow">
            <nav class="crumbs"><a href=routes::list(kind)>{kind.plural}</a></nav>
            <h1>{title}</h1>
            {raised_note}
            <form class="card form" on:submit=submit novalidate>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="form-error">{e.to_string()}</p> })}
                {kind.form_fields().map(|field| view! { <FieldInput field input error=field_error(field.id)/> }).collect_view()}
                <div class="actions">
                    <button type="submit" class="button primary" data-testid="form-submit" disabled=move || submitted.get() != Submitted::Not>
                        {move || match submitted.get() {
                            Submitted::Not => "Save",
                            Submitted::Saving => "Saving…",
                            Submitted::Saved => "Saved",
                        }}
                    </button>
                    <a class="button" href=cancel_href>"Cancel"</a>
                </div>
            </form>
            {suggestions}
        </section>
    }
}

/// Known errors that may match the incident being logged, offered as it is typed.
#[component]
fn KnownErrors(input: RwSignal<FormInput>) -> impl IntoView {
    let app = use_app();
    let found = Memo::new(move |_| {
        let sketch = input.with(|i| {
            let text = |k: &str| i.get(k).cloned().unwrap_or_default();
            let ids = |k: &str| text(k).split_whitespace().filter_map(RecordId::parse).collect::<Vec<_>>();
            IncidentSketch {
                text: format!("{} {}", text("title"), text("description")),
                service: ids("service").first().copied(),
                items: ids("items"),
            }
        });
        app.records.with(|records| {
            known_error::suggest(records.iter(), &sketch, 3)
                .into_iter()
                .map(|s| {
                    (
                        s.problem,
                        link_label(records, &s.problem),
                        records.get(&s.problem).map(|p| p.text("workaround").to_string()).unwrap_or_default(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    move || {
        let items = found.get();
        (!items.is_empty()).then(|| {
            let rows = items
                .into_iter()
                .map(|(problem, label, workaround)| {
                    let linked = move || input.with(|i| i.get("problem").is_some_and(|p| p.trim() == problem.to_string()));
                    view! {
                        <li>
                            <a href=routes::record(&catalogue::PROBLEM, problem) target="_blank">{label}</a>
                            {(!workaround.is_empty()).then(|| view! { <p class="help">"Workaround: "{workaround}</p> })}
                            <button type="button" class="button small" data-testid="use-known-error" disabled=linked
                                on:click=move |_| input.update(|i| { i.insert("problem".into(), problem.to_string()); })>
                                {move || if linked() { "Linked" } else { "Link this problem" }}
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <aside class="card known-errors" data-testid="known-errors" aria-label="Known errors">
                    <h2>"Known errors that may match"</h2>
                    <ul>{rows}</ul>
                </aside>
            }
        })
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
