//! The one record page: any kind's record with its fields, lifecycle actions, work notes,
//! conflicts and history.

use chrono::Local;
use leptos::prelude::*;

use super::conflicts::ConflictChoices;
use super::fields::{input_text, shown, FieldInput, LinkedRecords, PriorityBadge, StateBadge};
use super::form::focus_first_error;
use super::format;
use super::history::History;
use super::routes;
use super::state::{use_app, StoreStatus};
use crate::domain::catalogue;
use crate::domain::command::{self, CommandError, Context, FormInput};
use crate::domain::ids::RecordId;
use crate::domain::impact;
use crate::domain::kind::{FieldType, KindDecl};
use crate::domain::lifecycle::{state_of, Transition};
use crate::domain::links::linked;
use crate::domain::record::Record;
use crate::domain::reference;
use crate::domain::review::Finding;

#[component]
pub fn RecordPage(kind: &'static KindDecl, id: RecordId) -> impl IntoView {
    let app = use_app();
    let record = Memo::new(move |_| app.records.with(|r| r.get(&id).filter(|r| r.kind == kind.id).cloned()));
    // The page is built again only when the record appears or goes, not when it changes: its
    // parts follow the record themselves, and a note being typed or an open transition panel
    // must survive a change made meanwhile (in another tab, or by an import).
    let found = Memo::new(move |_| record.with(Option::is_some));
    move || {
        if found.get() {
            return view! { <RecordView kind record=Signal::derive(move || record.get())/> }.into_any();
        }
        // Read only while there is no record.
        match app.status.with(StoreStatus::unread) {
            Some(text) => view! { <section class="page"><p class="muted">{text}</p></section> }.into_any(),
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
                    let testid = format!("value-{}", f.id);
                    if f.target().is_some() {
                        let ids = linked(&r, f.id);
                        let empty = ids.is_empty();
                        return view! {
                            <div class="detail"><dt>{f.label}</dt><dd class="value" class:muted=empty data-testid=testid>
                                {if empty { "–".into_any() } else { view! { <LinkedRecords ids/> }.into_any() }}
                            </dd></div>
                        }
                        .into_any();
                    }
                    let value = app.records.with_untracked(|records| shown(kind, &r, f.id, records));
                    let empty = value.is_empty();
                    let class = if matches!(f.ty, FieldType::LongText { .. }) { "value long" } else { "value" };
                    view! {
                        <div class="detail"><dt>{f.label}</dt><dd class=class class:muted=empty data-testid=testid>{if empty { "–".to_string() } else { value }}</dd></div>
                    }
                    .into_any()
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
                <div class="head-actions">
                    {kind.raises.iter().filter_map(|target| catalogue::kind(target)).map(|target| view! {
                        <a class="button" href=routes::raise(target, id) data-testid=format!("raise-{}", target.id)>{format!("Raise {}", target.label.to_lowercase())}</a>
                    }).collect_view()}
                    <a class="button" href=routes::export_record(id) data-testid="export-record" title="Export this record and the records linked to it, with their whole history">"Export…"</a>
                    <a class="button" href=routes::edit_record(kind, id) data-testid="edit-record">"Edit"</a>
                </div>
            </div>
            <ReviewFlag id/>
            <Conflicts kind record/>
            <Transitions kind record/>
            <div class="columns">
                <div class="column-main">
                    <section class="card">{details}</section>
                    {kind.fields.iter().filter(|f| f.ty == FieldType::Log).map(|f| view! { <Notes kind field=f.id label=f.label record/> }).collect_view()}
                </div>
                <div class="column-side">
                    <Related id/>
                    <Impact kind id/>
                    <History kind id/>
                </div>
            </div>
        </section>
    }
    .into_any()
}

/// Fields whose edits conflict (made without seeing each other), with every value.
#[component]
fn Conflicts(kind: &'static KindDecl, record: Signal<Option<Record>>) -> impl IntoView {
    let any = move || record.with(|r| r.as_ref().is_some_and(|r| r.conflicts().next().is_some()));
    move || {
        any().then(|| view! {
            <section class="card conflict" role="note" data-testid="conflicts">
                <h2>"Conflicting edits"</h2>
                <p>"These fields were changed in two places without either seeing the other. Everyone sees the same value for now (the latest); the history says who set each one. Keep one value, or edit the field, to settle it for everybody."</p>
                <ConflictChoices kind record/>
            </section>
        })
    }
}

/// The lifecycle rules the record breaks since a merge (conflicts are shown beside).
#[component]
fn ReviewFlag(id: RecordId) -> impl IntoView {
    let app = use_app();
    move || {
        let messages: Vec<String> =
            app.review.with(|r| r.get(&id).iter().filter(|f| !f.is_conflict()).map(Finding::message).collect());
        (!messages.is_empty()).then(|| {
            let items = messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view();
            view! {
                <section class="card flagged" role="alert" data-testid="review-flag">
                    <h2>"Flagged for review"</h2>
                    <p>"Edits merged from teammates leave this record breaking its lifecycle. Nothing was rolled back: check the facts, then edit the record or move it on so the rule holds."</p>
                    <ul data-testid="review-flag-findings">{items}</ul>
                </section>
            }
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
        let result = app.records.with_untracked(|records| {
            command::transition(kind, &current, to, &input.get_untracked(), &Context::new(&Local, records), &actor)
        });
        match result {
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
        let asked = app.records.with_untracked(|records| command::asks(kind, &current, t, records));
        let needs_input = asked.iter().any(|f| current.value(f.id).is_none());
        if needs_input {
            input.set(command::form_input_of(asked.iter().map(|f| (f.id.to_string(), input_text(f, Some(&current))))));
            pending.set(Some(t));
        } else {
            input.set(FormInput::new());
            pending.set(None);
            run(t.to);
        }
    };

    // The steps open from the current state, one button each, keyed by step: when the state
    // changes, a button is moved or dropped, never reused for another step, so a click always
    // does what the pressed button said.
    let steps = move || record.with(|r| r.as_ref().map(|r| kind.lifecycle.from(state_of(kind, r))).unwrap_or_default());
    let ended = move || record.with(|r| r.as_ref().is_some_and(|r| kind.lifecycle.from(state_of(kind, r)).is_empty()));
    let button = move |t: &'static Transition| {
        view! {
            <button class="button" data-testid=format!("transition-{}", t.to) disabled=move || busy.get()
                on:click=move |_| start(t)>{t.action}</button>
        }
    };
    let panel = move || {
        pending.get().map(|t| {
            let asked = record.with_untracked(|r| {
                r.as_ref().map(|r| app.records.with_untracked(|records| command::asks(kind, r, t, records))).unwrap_or_default()
            });
            let fields = asked
                .into_iter()
                .map(|field| {
                    let message = Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.for_field(field.id)).map(str::to_string)));
                    view! { <FieldInput field input error=message required=t.requires.contains(&field.id)/> }
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
    // Refusals with no field in an open panel to show them beside (a guard, a forbidden move).
    let refusal = move || {
        let in_panel: Vec<&'static str> = match (pending.get(), record.get()) {
            (Some(t), Some(r)) => {
                app.records.with_untracked(|records| command::asks(kind, &r, t, records)).iter().map(|f| f.id).collect()
            }
            _ => Vec::new(),
        };
        error
            .get()
            .and_then(|e| match e {
                CommandError::Transition(_) => Some(e.to_string()),
                CommandError::Invalid(errors) => {
                    let elsewhere: Vec<String> = errors
                        .iter()
                        .filter(|e| !in_panel.contains(&e.field.as_str()))
                        .map(|e| e.message.clone())
                        .collect();
                    (!elsewhere.is_empty()).then(|| elsewhere.join(" "))
                }
            })
            .map(|text| view! { <p class="field-error" role="alert" data-testid="transition-refused">{text}</p> })
    };
    view! {
        <div class="transitions" role="group" aria-label="Lifecycle">
            <For each=steps key=|t| (t.to, t.action) children=button/>
            {move || ended().then(|| view! { <p class="muted">"No further steps: this record's lifecycle has ended."</p> })}
        </div>
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
    // Work notes keep the short test ids; other logs (service reviews, disputes) are named.
    let tid = move |part: &str| if field == "notes" { format!("note-{part}") } else { format!("log-{field}-{part}") };
    let entries = move || {
        record.with(|r| {
            r.as_ref()
                .and_then(|r| r.field(field))
                .map(|f| f.entries().to_vec())
                .unwrap_or_default()
                .into_iter()
                .map(|entry| {
                    view! {
                        <li class="note-entry" data-testid=tid("entry")>
                            <div class="history-meta"><strong>{entry.member.to_string()}</strong>" · "<time>{format::local_time(entry.at)}</time></div>
                            <p class="note-text">{if entry.redacted.is_some() { crate::domain::value::REDACTED_VALUE.to_string() } else { entry.text }}</p>
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
                <textarea id=input_id data-testid=tid("input") rows="3" placeholder="Add a note (Ctrl+Enter to add)"
                    prop:value=text on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) { ev.prevent_default(); add(); }
                    aria-invalid=move || error.get().is_some().to_string()></textarea>
                <p class="field-error" role="alert">{move || error.get()}</p>
                <button type="submit" class="button" data-testid=tid("submit") disabled=move || busy.get()>"Add note"</button>
            </form>
        </section>
    }
}

/// The records that link to this one, grouped under the heading each link field declares
/// ("Incidents" on a problem): the derived side of two-way links.
#[component]
fn Related(id: RecordId) -> impl IntoView {
    let app = use_app();
    move || {
        let groups = app.links.with(|links| links.grouped(&id));
        (!groups.is_empty()).then(|| {
            let sections = groups
                .into_iter()
                .map(|(heading, ids)| {
                    view! {
                        <h3 data-testid="related-heading">{format!("{heading} ({})", ids.len())}</h3>
                        <LinkedRecords ids/>
                    }
                })
                .collect_view();
            view! { <section class="card related" data-testid="related" aria-label="Linked records"><h2>"Linked records"</h2>{sections}</section> }
        })
    }
}

/// For configuration items and services: what else fails when this one fails.
#[component]
fn Impact(kind: &'static KindDecl, id: RecordId) -> impl IntoView {
    let app = use_app();
    let applies = impact::DEPENDENCIES.iter().any(|(k, field)| {
        catalogue::kind(k)
            .and_then(|k| k.field(field))
            .and_then(|f| f.target())
            .is_some_and(|t| t.kinds.contains(&kind.id))
    });
    applies.then_some(move || {
        let affected = app.links.with(|links| impact::affected(links, id));
        let body = if affected.is_empty() {
            view! { <p class="muted">"Nothing recorded here depends on it."</p> }.into_any()
        } else {
            let rows = affected
                .iter()
                .map(|a| {
                    let (href, label, via) = app.records.with_untracked(|records| {
                        let href = catalogue::kind(a.kind).map(|k| routes::record(k, a.id)).unwrap_or_default();
                        (href, super::fields::link_label(records, &a.id), super::fields::link_label(records, &a.via))
                    });
                    let depth = if a.depth == 1 { "directly".to_string() } else { format!("through {via}") };
                    view! { <li><a href=href>{label}</a><span class="muted">{format!(" · {depth}")}</span></li> }
                })
                .collect_view();
            view! { <ul class="link-list" data-testid="impact-list">{rows}</ul> }.into_any()
        };
        view! {
            <section class="card impact" data-testid="impact" aria-label="Impact if it fails">
                <h2>{format!("If it fails ({})", affected.len())}</h2>
                {body}
            </section>
        }
    })
}
