//! The one record page: any kind's record with its fields, lifecycle actions, work notes,
//! conflicts and history.

use chrono::Local;
use leptos::prelude::*;

use super::fields::{shown, FieldInput, PriorityBadge, StateBadge};
use super::form::focus_first_error;
use super::format;
use super::history::History;
use super::routes;
use super::state::{use_app, StoreStatus};
use crate::domain::command::{self, CommandError, FormInput};
use crate::domain::ids::RecordId;
use crate::domain::kind::{FieldType, KindDecl};
use crate::domain::lifecycle::{state_of, Transition};
use crate::domain::record::Record;
use crate::domain::reference;

#[component]
pub fn RecordPage(kind: &'static KindDecl, id: RecordId) -> impl IntoView {
    let app = use_app();
    let record = Memo::new(move |_| app.records.with(|r| r.get(&id).filter(|r| r.kind == kind.id).cloned()));
    move || {
        match record.get() {
        Some(_) => view! { <RecordView kind record=Signal::derive(move || record.get())/> }.into_any(),
        None if matches!(app.status.get(), StoreStatus::Opening | StoreStatus::Blocked) => {
            view! { <section class="page"><p class="muted">"Opening the database…"</p></section> }.into_any()
        }
        None => view! {
            <section class="page narrow">
                <h1>{format!("No such {}", kind.label.to_lowercase())}</h1>
                <p>"This browser holds no record with this address. It may live in a teammate's browser: ask them to export it to you."</p>
                <p><a href=routes::list(kind)>{format!("All {}", kind.plural.to_lowercase())}</a></p>
            </section>
        }
        .into_any(),
    }
    }
}

#[component]
fn RecordView(kind: &'static KindDecl, #[prop(into)] record: Signal<Option<Record>>) -> impl IntoView {
    let app = use_app();
    let get = move || record.get();
    let reference = move || get().map(|r| app.collisions.with(|c| reference::label(kind, &r, c))).unwrap_or_default();
    let title = move || get().map(|r| r.text(kind.title_field).to_string()).unwrap_or_default();
    let state = move || get().map(|r| state_of(kind, &r).to_string()).unwrap_or_default();
    let priority = move || get().and_then(|r| app.matrix.get().priority_of(kind, &r));
    let Some(id) = record.get_untracked().map(|r| r.id) else { return ().into_any() };

    let details = move || {
        get().map(|r| {
            let rows = kind
                .fields
                .iter()
                .filter(|f| f.ty != FieldType::Log)
                .map(|f| {
                    let value = shown(kind, &r, f.id);
                    let empty = value.is_empty();
                    let class = if matches!(f.ty, FieldType::LongText { .. }) { "value long" } else { "value" };
                    view! {
                        <div class="detail"><dt>{f.label}</dt><dd class=class class:muted=empty data-testid=format!("value-{}", f.id)>{if empty { "–".to_string() } else { value }}</dd></div>
                    }
                })
                .collect_view();
            view! {
                <dl class="details">
                    {rows}
                    <div class="detail"><dt>"Recorded"</dt><dd>{format!("{} by {}", format::local_time(r.created.at), r.created.member)}</dd></div>
                    <div class="detail"><dt>"Last change"</dt><dd>{format!("{} by {}", format::local_time(r.updated.at), r.updated.member)}</dd></div>
                </dl>
            }
        })
    };

    view! {
        <section class="page record-page">
            <nav class="crumbs"><a href=routes::list(kind)>{kind.plural}</a></nav>
            <div class="page-head">
                <div>
                    <p class="reference" data-testid="record-ref">{reference}</p>
                    <h1 class="record-title" data-testid="record-title">{title}</h1>
                    <div class="badges">
                        <span data-testid="record-state">{move || view! { <StateBadge kind state=state()/> }}</span>
                        {kind.priority.is_some().then(|| view! { <span data-testid="record-priority">{move || view! { <PriorityBadge priority=priority()/> }}</span> })}
                    </div>
                </div>
                <a class="button" href=routes::edit_record(kind, id) data-testid="edit-record">"Edit"</a>
            </div>
            <Conflicts kind record/>
            <Transitions kind record/>
            <div class="columns">
                <div class="column-main">
                    <section class="card">{details}</section>
                    {kind.fields.iter().filter(|f| f.ty == FieldType::Log).map(|f| view! { <Notes kind field=f.id label=f.label record/> }).collect_view()}
                </div>
                <div class="column-side"><History kind id/></div>
            </div>
        </section>
    }
    .into_any()
}

/// Fields whose edits conflict (made without seeing each other), with every value.
#[component]
fn Conflicts(kind: &'static KindDecl, record: Signal<Option<Record>>) -> impl IntoView {
    move || {
        let record = record.get()?;
        let items: Vec<_> = record
            .conflicts()
            .map(|(field, heads)| {
                let values: Vec<String> = heads
                    .iter()
                    .map(|h| format!("“{}”", h.value.as_ref().map(|v| kind.display_value(field, v)).unwrap_or_default()))
                    .collect();
                view! { <li><strong>{kind.field_label(field).to_string()}</strong>": "{values.join(" / ")}</li> }
            })
            .collect();
        (!items.is_empty()).then(|| view! {
            <section class="card conflict" role="note">
                <h2>"Conflicting edits"</h2>
                <p>"These fields were changed in two places without either seeing the other. The latest value shows; the history says who set each one. Edit the field to settle it."</p>
                <ul>{items}</ul>
            </section>
        })
    }
}

/// The lifecycle actions open from the current state. A transition that needs fields asks
/// for them first; the domain refuses anything the lifecycle does not allow.
#[component]
fn Transitions(kind: &'static KindDecl, record: Signal<Option<Record>>) -> impl IntoView {
    let app = use_app();
    let pending = RwSignal::new(None::<&'static Transition>);
    let input = RwSignal::new(FormInput::new());
    let error = RwSignal::new(None::<CommandError>);
    let busy = RwSignal::new(false);

    let run = move |to: &'static str| {
        let Some(current) = record.get_untracked() else { return };
        let Some(actor) = app.actor() else { return };
        match command::transition(kind, &current, to, &input.get_untracked(), &Local, &actor) {
            Err(refused) => {
                error.set(Some(refused));
                focus_first_error();
            }
            Ok(draft) => {
                busy.set(true);
                leptos::task::spawn_local(async move {
                    if app.commit(vec![draft]).await.is_ok() {
                        pending.set(None);
                        error.set(None);
                        input.set(FormInput::new());
                    }
                    busy.set(false);
                });
            }
        }
    };
    let start = move |t: &'static Transition| {
        let Some(current) = record.get_untracked() else { return };
        error.set(None);
        let needs_input = t.requires.iter().any(|f| current.value(f).is_none());
        if needs_input {
            input.set(t.requires.iter().map(|f| (f.to_string(), String::new())).collect());
            pending.set(Some(t));
        } else {
            input.set(FormInput::new());
            pending.set(None);
            run(t.to);
        }
    };

    let buttons = move || {
        let state = record.with(|r| r.as_ref().map(|r| state_of(kind, r).to_string()))?;
        let available: Vec<&'static Transition> = kind.lifecycle.from(&state);
        if available.is_empty() {
            return Some(
                view! { <p class="muted">"No further steps: this record's lifecycle has ended."</p> }.into_any(),
            );
        }
        Some(
            available
                .into_iter()
                .map(|t| {
                    view! {
                        <button class="button" data-testid=format!("transition-{}", t.to) disabled=move || busy.get()
                            on:click=move |_| start(t)>{t.action}</button>
                    }
                })
                .collect_view()
                .into_any(),
        )
    };
    let panel = move || {
        pending.get().map(|t| {
            let fields = t
                .requires
                .iter()
                .filter_map(|f| kind.field(f))
                .map(|field| {
                    let message = Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.for_field(field.id)).map(str::to_string)));
                    view! { <FieldInput field input error=message required=true/> }
                })
                .collect_view();
            view! {
                <form class="card transition-panel" data-testid="transition-panel" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); run(t.to); }>
                    <h2>{t.action}</h2>
                    {fields}
                    <div class="actions">
                        <button type="submit" class="button primary" data-testid="transition-confirm" disabled=move || busy.get()>{t.action}</button>
                        <button type="button" class="button" on:click=move |_| { pending.set(None); error.set(None); }>"Cancel"</button>
                    </div>
                </form>
            }
        })
    };
    let refusal = move || {
        error
            .get()
            .filter(|e| matches!(e, CommandError::Transition(_)))
            .map(|e| view! { <p class="field-error" role="alert">{e.to_string()}</p> })
    };
    view! {
        <div class="transitions" role="group" aria-label="Lifecycle">{buttons}</div>
        {refusal}
        {panel}
    }
}

/// A log field: entries oldest first and a box to append one (Ctrl+Enter adds).
#[component]
fn Notes(
    kind: &'static KindDecl,
    field: &'static str,
    label: &'static str,
    record: Signal<Option<Record>>,
) -> impl IntoView {
    let app = use_app();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let add = move || {
        let Some(current) = record.get_untracked() else { return };
        let Some(actor) = app.actor() else { return };
        match command::append(kind, &current, field, &text.get_untracked(), &actor) {
            Err(refused) => error.set(refused.for_field(field).map(str::to_string).or(Some(refused.to_string()))),
            Ok(draft) => {
                busy.set(true);
                error.set(None);
                leptos::task::spawn_local(async move {
                    if app.commit(vec![draft]).await.is_ok() {
                        text.set(String::new());
                    }
                    busy.set(false);
                });
            }
        }
    };
    let entries = move || {
        record.with(|r| {
            r.as_ref()
                .and_then(|r| r.field(field))
                .map(|f| f.entries().to_vec())
                .unwrap_or_default()
                .into_iter()
                .map(|entry| {
                    view! {
                        <li class="note-entry" data-testid="note-entry">
                            <div class="history-meta"><strong>{entry.member.to_string()}</strong>" · "<time>{format::local_time(entry.at)}</time></div>
                            <p class="note-text">{entry.text}</p>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let input_id = format!("note-{field}");
    view! {
        <section class="card notes" aria-label=label>
            <h2>{label}</h2>
            <ol class="note-list">{entries}</ol>
            <form on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); add(); }>
                <label for=input_id.clone() class="visually-hidden">{format!("Add to {}", label.to_lowercase())}</label>
                <textarea id=input_id data-testid="note-input" rows="3" placeholder="Add a note (Ctrl+Enter to add)"
                    prop:value=text on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) { ev.prevent_default(); add(); }
                    aria-invalid=move || error.get().is_some().to_string()></textarea>
                <p class="field-error" role="alert">{move || error.get()}</p>
                <button type="submit" class="button" data-testid="note-submit" disabled=move || busy.get()>"Add note"</button>
            </form>
        </section>
    }
}
