//! A record's history, read from the store and replayed by the domain: one entry per change
//! set, with who, when, and each field's old and new value. Text and notes can be redacted
//! from here (after a confirmation): the value goes wherever the data travels, the entry stays.

use leptos::prelude::*;

use super::fields::link_label;
use super::format;
use super::state::use_app;
use crate::domain::command;
use crate::domain::edit::ChangeSet;
use crate::domain::history::{replay_with, ChangeKind};
use crate::domain::ids::{ChangeSetId, RecordId};
use crate::domain::kind::KindDecl;
use crate::domain::value::Value;

#[component]
pub fn History(kind: &'static KindDecl, id: RecordId) -> impl IntoView {
    let app = use_app();
    let loaded = LocalResource::new(move || {
        app.revision.track();
        async move {
            match app.store() {
                Some(store) => store.history(id).await.map(|sets| {
                    let entries = app.records.with_untracked(|records| {
                        replay_with(
                            kind,
                            &sets,
                            |field, value| match value {
                                Value::Link(id) => link_label(records, id),
                                Value::Instant(at) => format::local_time(*at),
                                _ => kind.display_value(field, value),
                            },
                            format::local_time,
                        )
                        .0
                    });
                    (entries, sets)
                }),
                None => Ok((Vec::new(), Vec::new())),
            }
        }
    });
    // The edit whose redaction awaits confirmation, and why the last one was refused.
    let confirming = RwSignal::new(None::<(ChangeSetId, u16)>);
    let refused = RwSignal::new(None::<String>);
    let redact = move |target: ChangeSet, index: u16| {
        confirming.set(None);
        let Some(actor) = app.actor() else { return };
        match command::redact(kind, &target, index, &actor) {
            Ok(draft) => {
                refused.set(None);
                leptos::task::spawn_local(async move {
                    let _ = app.commit(vec![draft]).await;
                });
            }
            Err(error) => refused.set(Some(error.to_string())),
        }
    };
    let entries = move || {
        loaded.get().map(|result| match result {
            Err(error) => view! { <p class="field-error" role="alert">{error.to_string()}</p> }.into_any(),
            Ok((entries, sets)) => {
                let items = entries
                    .into_iter()
                    .rev()
                    .map(|entry| {
                        let change_set = sets.iter().find(|cs| cs.id == entry.change_set).cloned();
                        let changes = entry
                            .changes
                            .into_iter()
                            .map(|change| {
                                let what = match change.what {
                                    ChangeKind::Set { old: None, new } => format!("set to {}", new.unwrap_or_else(|| "(empty)".into())),
                                    ChangeKind::Set { old: Some(old), new } => {
                                        format!("{old} → {}", new.unwrap_or_else(|| "(empty)".into()))
                                    }
                                    ChangeKind::Added(value) => format!("added {value}"),
                                    ChangeKind::Removed(value) => format!("removed {value}"),
                                    ChangeKind::Appended(text) => format!("added: {text}"),
                                    ChangeKind::Redaction(what) => format!("redaction: {what}"),
                                    ChangeKind::Unknown(op) => format!("an edit ({op}) from a newer Servicebook, kept as it is"),
                                };
                                let key = (entry.change_set, change.index);
                                let redact_label = format!("Redact this {} value", change.label.to_lowercase());
                                let target = change_set.clone().filter(|_| change.redactable);
                                let action = target.map(|target| {
                                    let redact_label = redact_label.clone();
                                    move || {
                                        let redact_label = redact_label.clone();
                                        let target = target.clone();
                                        if confirming.get() == Some(key) {
                                            view! {
                                                <span class="redact-confirm" role="group" aria-label="Confirm redaction">
                                                    " Remove this value everywhere the data travels? This cannot be undone. "
                                                    <button class="button small danger" data-testid="redact-confirm"
                                                        on:click=move |_| redact(target.clone(), key.1)>"Redact"</button>
                                                    <button class="button small" data-testid="redact-cancel"
                                                        on:click=move |_| confirming.set(None)>"Cancel"</button>
                                                </span>
                                            }
                                            .into_any()
                                        } else {
                                            view! {
                                                <button class="button small link-button" data-testid="redact" aria-label=redact_label.clone()
                                                    on:click=move |_| confirming.set(Some(key))>"Redact"</button>
                                            }
                                            .into_any()
                                        }
                                    }
                                });
                                view! {
                                    <li data-testid="history-change"><span class="field-name">{change.label}</span>": "<span class="change">{what}</span>" "{action}</li>
                                }
                            })
                            .collect_view();
                        view! {
                            <li class="history-entry" data-testid="history-entry">
                                <div class="history-meta"><strong>{entry.member.to_string()}</strong>" · "<time>{format::local_time(entry.at)}</time></div>
                                <ul class="history-changes">{changes}</ul>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ol class="history-list">{items}</ol> }.into_any()
            }
        })
    };
    view! {
        <section class="card" data-testid="history" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            {move || refused.get().map(|message| view! { <p class="field-error" role="alert" data-testid="redact-error">{message}</p> })}
            <Transition fallback=|| view! { <p class="muted">"Reading history…"</p> }>{entries}</Transition>
        </section>
    }
}
