//! A record's history, read from the store and replayed by the domain: one entry per change
//! set, with who, when, and each field's old and new value.

use leptos::prelude::*;

use super::fields::link_label;
use super::format;
use super::state::use_app;
use crate::domain::history::{replay_with, ChangeKind};
use crate::domain::ids::RecordId;
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
                    app.records.with_untracked(|records| {
                        replay_with(kind, &sets, |field, value| match value {
                            Value::Link(id) => link_label(records, id),
                            Value::Instant(at) => format::local_time(*at),
                            _ => kind.display_value(field, value),
                        })
                        .0
                    })
                }),
                None => Ok(Vec::new()),
            }
        }
    });
    let entries = move || {
        loaded.get().map(|result| match result {
            Err(error) => view! { <p class="field-error" role="alert">{error.to_string()}</p> }.into_any(),
            Ok(entries) => {
                let items = entries
                    .into_iter()
                    .rev()
                    .map(|entry| {
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
                                    ChangeKind::Unknown(op) => format!("an edit ({op}) from a newer Servicebook, kept as it is"),
                                };
                                view! {
                                    <li data-testid="history-change"><span class="field-name">{change.label}</span>": "<span class="change">{what}</span></li>
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
            <Transition fallback=|| view! { <p class="muted">"Reading history…"</p> }>{entries}</Transition>
        </section>
    }
}
