//! The dashboard: for the daily processes, how many records are open, in which state and at
//! what priority, and what changed last; below, every kind of record by clause 8 area.

use leptos::prelude::*;

use super::fields::{state_badge, PriorityBadge};
use super::format;
use super::routes;
use super::state::{use_app, StoreStatus};
use crate::domain::catalogue::{kinds_in, CHANGE, INCIDENT, KINDS, PROBLEM, SERVICE_REQUEST};
use crate::domain::kind::{Area, KindDecl};
use crate::domain::lifecycle::{state_of, Tone};
use crate::domain::priority::Priority;
use crate::domain::reference;

/// The kinds summarised in full at the top.
const FOCUS: &[&KindDecl] = &[&INCIDENT, &SERVICE_REQUEST, &PROBLEM, &CHANGE];

#[component]
pub fn Dashboard() -> impl IntoView {
    let app = use_app();
    // Counts of a part of the records would mislead: say they are still being read.
    let reading = move || match app.loading.get() {
        Some(all) => Some(format!("Reading all {all} records…")),
        None => app.status.with(StoreStatus::unread).map(str::to_string),
    };
    view! {
        <section class="page">
            <h1>"Dashboard"</h1>
            {move || reading().map(|text| view! { <p class="muted" data-testid="dashboard-reading">{text}</p> })}
            // Counted only once every record is read (not over none, or the newest alone).
            <Show when=move || reading().is_none()>
                <div class="summaries">{FOCUS.iter().map(|kind| view! { <KindSummary kind/> }).collect_view()}</div>
                <Register/>
            </Show>
        </section>
    }
}

/// Every kind, by area, with how many records it holds and how many are still open.
#[component]
fn Register() -> impl IntoView {
    let app = use_app();
    let counts = Memo::new(move |_| {
        app.records.with(|records| {
            let mut counts = vec![(0usize, 0usize); KINDS.len()];
            for record in records.iter() {
                let Some(i) = KINDS.iter().position(|k| k.id == record.kind) else { continue };
                let kind = KINDS[i];
                counts[i].0 += 1;
                let open = kind
                    .lifecycle
                    .state(state_of(kind, record))
                    .is_some_and(|s| !matches!(s.tone, Tone::Done | Tone::Closed));
                counts[i].1 += usize::from(open);
            }
            counts
        })
    });
    let areas = Area::ALL.iter().map(|area| {
        let kinds = kinds_in(*area)
            .map(|kind| {
                let i = KINDS.iter().position(|k| k.id == kind.id).unwrap_or(0);
                view! {
                    <li>
                        <a href=routes::list(kind)>{kind.plural}</a>
                        <span class="muted">{format!(" {}", kind.clause)}</span>
                        <span class="register-count" data-testid=format!("count-{}", kind.slug)>
                            {move || counts.with(|c| {
                                let (all, open) = c.get(i).copied().unwrap_or_default();
                                if all == 0 { "none yet".to_string() } else { format!("{all} · {open} open") }
                            })}
                        </span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <section class="card register-area">
                <h3>{format!("{} {}", area.clause(), area.label())}</h3>
                <ul class="register">{kinds}</ul>
            </section>
        }
    });
    view! {
        <h2>"Records by ISO/IEC 20000-1 clause 8 area"</h2>
        <div class="register-grid">{areas.collect_view()}</div>
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
            latest.sort_by_key(|record| std::cmp::Reverse(record.updated.stamp));
            if latest.is_empty() {
                return view! { <li class="muted">"Nothing recorded yet."</li> }.into_any();
            }
            latest
                .into_iter()
                .take(5)
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
                .into_any()
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
