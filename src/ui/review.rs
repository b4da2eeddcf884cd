//! The Review page: every record a merge left needing a person's decision. Conflicting edits
//! (a field set in two places without either seeing the other) with a "Keep this" choice per
//! value, and records whose merged fields break their lifecycle (flagged, never rolled back).
//!
//! It reads `AppState::review`, which is kept up to date change set by change set, so it never
//! reviews all records when one changes.

use leptos::prelude::*;

use super::conflicts::ConflictChoices;
use super::format;
use super::routes;
use super::state::use_app;
use crate::domain::catalogue;
use crate::domain::ids::RecordId;
use crate::domain::kind::{Area, KindDecl};
use crate::domain::reference;
use crate::domain::review::Finding;

/// How many records the page shows at once; the rest follow as these are settled.
const SHOWN: usize = 100;

#[component]
pub fn ReviewPage() -> impl IntoView {
    let app = use_app();
    let ids = Memo::new(move |_| app.review.with(|r| r.iter().take(SHOWN).map(|(id, _)| *id).collect::<Vec<_>>()));
    let total = move || app.review.with(|r| r.len());
    view! {
        <section class="page narrow review-page">
            <h1>"Review"</h1>
            <p class="help">"Edits merged from teammates' files are never refused. When two people changed the same field without seeing each other's edit, or merged fields break a lifecycle rule (a change implemented while its approval says rejected), the record is listed here until someone settles it. Keeping a value, or editing the record, is a new edit that reaches everybody through the next exchange."</p>
            {move || match total() {
                0 => view! { <p class="card muted" data-testid="review-empty">"Nothing to review: no conflicts, no records breaking their lifecycle."</p> }.into_any(),
                n => view! {
                    <p data-testid="review-count">
                        {format::count(n, "record needs review", "records need review")}
                        {(n > SHOWN).then(|| format!(" (the first {SHOWN} are shown; more appear as these are settled)"))}
                    </p>
                    <For each=move || ids.get() key=|id| *id let:id>
                        <ReviewItem id/>
                    </For>
                }.into_any(),
            }}
        </section>
    }
}

/// One record needing review: what it is, what is wrong, and the conflicting values to choose
/// from.
#[component]
fn ReviewItem(id: RecordId) -> impl IntoView {
    let app = use_app();
    let record = Memo::new(move |_| app.records.with(|r| r.get(&id).cloned()));
    let kind = record.with_untracked(|r| r.as_ref().and_then(|r| catalogue::kind(&r.kind)));
    let Some(kind) = kind else { return ().into_any() };
    // The shared settings record has no reference or title of its own.
    let internal = kind.area == Area::Internal;
    let reference = move || {
        if internal {
            return "Settings".to_string();
        }
        record.with(|r| r.as_ref().map(|r| app.collisions.with(|c| reference::label(kind, r, c)))).unwrap_or_default()
    };
    let title = move || {
        if internal {
            return "Shared settings (priority matrix)".to_string();
        }
        record.with(|r| r.as_ref().map(|r| r.text(kind.title_field).to_string())).unwrap_or_default()
    };
    let rules = move || {
        let messages: Vec<String> =
            app.review.with(|r| r.get(&id).iter().filter(|f| !f.is_conflict()).map(Finding::message).collect());
        (!messages.is_empty()).then(|| {
            let items =
                messages.into_iter().map(|m| view! { <li data-testid="review-finding">{m}</li> }).collect_view();
            view! {
                <p class="flag-heading"><strong>"Flagged: breaks its lifecycle"</strong></p>
                <ul class="findings">{items}</ul>
            }
        })
    };
    let conflicts = move || record.with(|r| r.as_ref().is_some_and(|r| r.conflicts().next().is_some()));
    view! {
        <article class="card review-item" data-testid="review-item" data-ref=reference>
            <header class="review-item-head">
                <a href=record_href(kind, id) data-testid="review-link">
                    <span class="reference">{reference}</span>" "<span class="review-title">{title}</span>
                </a>
                <span class="muted">{kind.label}</span>
            </header>
            {rules}
            {move || conflicts().then(|| view! { <p class="conflict-heading"><strong>"Conflicting edits: keep one value of each"</strong></p> })}
            <ConflictChoices kind record=Signal::derive(move || record.get())/>
        </article>
    }
    .into_any()
}

/// Where a record is shown: its record page; the shared settings on the Settings page.
fn record_href(kind: &'static KindDecl, id: RecordId) -> String {
    if kind.area == Area::Internal {
        routes::href("/settings")
    } else {
        routes::record(kind, id)
    }
}
