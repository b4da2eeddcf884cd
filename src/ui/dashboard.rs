//! The dashboard: per kind, how many records are open, in which state and at what priority,
//! and what changed last.

use leptos::prelude::*;

use super::fields::{state_badge, PriorityBadge};
use super::format;
use super::routes;
use super::state::use_app;
use crate::domain::catalogue::KINDS;
use crate::domain::kind::KindDecl;
use crate::domain::lifecycle::{state_of, Tone};
use crate::domain::priority::Priority;
use crate::domain::reference;

#[component]
pub fn Dashboard() -> impl IntoView {
    view! {
        <section class="page">
            <h1>"Dashboard"</h1>
            {KINDS.iter().map(|kind| view! { <KindSummary kind/> }).collect_view()}
        </section>
    }
}

#[component]
fn KindSummary(kind: &'static KindDecl) -> impl IntoView {
    let app = use_app();
    let counts = Memo::new(move |_| {
        let matrix = app.matrix.get();
        app.records.with(|records| {
            let mut by_state = vec![0usize; kind.lifecycle.states.len()];
            let mut open_by_priority = [0usize; 4];
            for record in records.of_kind(kind.id) {
                let state = state_of(kind, record);
                if let Some(i) = kind.lifecycle.states.iter().position(|s| s.id == state) {
                    by_state[i] += 1;
                    let open = !matches!(kind.lifecycle.states[i].tone, Tone::Done | Tone::Closed);
                    if let (true, Some(p)) = (open, matrix.priority_of(kind, record)) {
                        open_by_priority[p as usize] += 1;
                    }
                }
            }
            (by_state, open_by_priority)
        })
    });
    let recent = move || {
        let collisions = app.collisions.get();
        app.records.with(|records| {
            let mut latest: Vec<_> = records.of_kind(kind.id).collect();
            latest.sort_by(|a, b| b.updated.stamp.cmp(&a.updated.stamp));
            latest
                .into_iter()
                .take(8)
                .map(|r| {
                    view! {
                        <li>
                            <a href=routes::record(kind, r.id)>{reference::label(kind, r, &collisions)}" "{r.text(kind.title_field).to_string()}</a>
                            " "{state_badge(kind, r)}
                            <span class="muted">" "{format!("{} by {}", format::local_time(r.updated.at), r.updated.member)}</span>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let list = routes::list(kind);
    view! {
        <section class="card summary">
            <div class="page-head">
                <h2><a href=list.clone()>{kind.plural}</a></h2>
                <a class="button primary" href=routes::new_record(kind)>{format!("New {}", kind.label.to_lowercase())}</a>
            </div>
            <div class="tiles">
                {kind.lifecycle.states.iter().enumerate().map(|(i, s)| {
                    let href = format!("{list}?state={}", s.id);
                    view! {
                        <a class=format!("tile {}", s.tone.css_class()) href=href>
                            <span class="tile-number">{move || counts.with(|c| c.0[i])}</span>
                            <span class="tile-label">{s.label}</span>
                        </a>
                    }
                }).collect_view()}
            </div>
            {kind.priority.is_some().then(|| view! {
                <div class="tiles priorities" aria-label="Open by priority">
                    {Priority::ALL.into_iter().map(|p| {
                        let href = format!("{list}?state=open&priority={}", p.id());
                        view! {
                            <a class="tile" href=href>
                                <span class="tile-number">{move || counts.with(|c| c.1[p as usize])}</span>
                                <span class="tile-label"><PriorityBadge priority=Some(p)/>" open"</span>
                            </a>
                        }
                    }).collect_view()}
                </div>
            })}
            <h3>"Latest changes"</h3>
            <ul class="recent">{recent}</ul>
        </section>
    }
}
