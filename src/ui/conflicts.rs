//! The values of conflicting fields with a "Keep this" choice each: on the record page and on
//! the Review page. Keeping a value is a new edit (`command::resolve_conflict`) that replaces
//! every value of the field, so it settles the conflict for everybody it travels to.

use leptos::prelude::*;

use super::state::{use_app, Notice};
use crate::domain::clock::Stamp;
use crate::domain::command;
use crate::domain::kind::KindDecl;
use crate::domain::record::Record;

/// One entry per conflicting field of `record`: its label and each value with "Keep this".
#[component]
pub fn ConflictChoices(kind: &'static KindDecl, #[prop(into)] record: Signal<Option<Record>>) -> impl IntoView {
    let app = use_app();
    let keep = move |field: String, stamp: Stamp| {
        let (Some(current), Some(actor)) = (record.get_untracked(), app.actor()) else { return };
        match command::resolve_conflict(kind, &current, &field, stamp, &actor) {
            Ok(draft) => leptos::task::spawn_local(async move {
                // A refused write shows its own banner.
                let _ = app.commit(vec![draft]).await;
            }),
            Err(refused) => {
                let text = refused.for_field(&field).map(str::to_string).unwrap_or_else(|| refused.to_string());
                app.notice.set(Some(Notice { text, error: true }));
            }
        }
    };
    move || {
        let record = record.get()?;
        let items: Vec<_> = record
            .conflicts()
            .map(|(field, heads)| {
                let choices = heads
                    .iter()
                    .map(|h| {
                        let text =
                            h.value.as_ref().map(|v| kind.display_value(field, v)).unwrap_or_else(|| "(empty)".into());
                        let (field, stamp) = (field.to_string(), h.stamp);
                        view! {
                            <li class="conflict-value">
                                <span>{format!("“{text}”")}</span>
                                <button class="button small" data-testid="keep-value" on:click=move |_| keep(field.clone(), stamp)>"Keep this"</button>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <li data-testid="conflict-field" data-field=field.to_string()><strong>{kind.field_label(field).to_string()}</strong><ul class="link-list">{choices}</ul></li> }
            })
            .collect();
        (!items.is_empty()).then(|| view! { <ul class="conflict-fields">{items}</ul> })
    }
}
