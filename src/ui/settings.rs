//! Settings: who you are, the shared priority matrix, sample data, and this browser's storage.

use chrono::Duration;
use leptos::prelude::*;

use super::format;
use super::state::{instant, use_app};
use crate::domain::catalogue::settings_id;
use crate::domain::command;
use crate::domain::demo;
use crate::domain::ids::Member;
use crate::domain::priority::{Level, Priority};
use crate::domain::reference;
use crate::store::{now_ms, random_bytes};

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <section class="page narrow">
            <h1>"Settings"</h1>
            <MemberSettings/>
            <PriorityMatrixSettings/>
            <SampleData/>
            <Fingerprint/>
        </section>
    }
}

/// The fingerprint of the shared data: teammates who imported the same files see the same one.
#[component]
fn Fingerprint() -> impl IntoView {
    let app = use_app();
    let value = LocalResource::new(move || {
        app.revision.track();
        async move {
            match app.store() {
                Some(store) => {
                    // After a large write, the body kept ahead of exports is read first (an
                    // export asked for right away waits for it); a few seconds at most.
                    for _ in 0..100 {
                        if !crate::ui::exchange::keeping_body() {
                            break;
                        }
                        gloo_timers::future::TimeoutFuture::new(50).await;
                    }
                    store.fingerprint().await.map_err(|e| e.to_string())
                }
                None => Err("The database is not open.".to_string()),
            }
        }
    });
    view! {
        <section class="card">
            <h2>"Shared data fingerprint"</h2>
            <p class="help">"A checksum of every change set this browser holds (not your name or import history). Two teammates who have imported each other's latest files see the same fingerprint."</p>
            <Transition fallback=|| view! { <p class="muted">"Computing…"</p> }>
                {move || value.get().map(|r| match r {
                    Ok(hash) => view! { <code class="fingerprint" data-testid="fingerprint">{hash}</code> }.into_any(),
                    Err(e) => view! { <p class="field-error" role="alert">{e}</p> }.into_any(),
                })}
            </Transition>
            {move || {
                let unknown = app.records.with(|records| {
                    records.iter().filter(|record| crate::domain::catalogue::kind(&record.kind).is_none()).count()
                });
                (unknown > 0).then(|| view! {
                    <p class="help" data-testid="unknown-kinds">
                        {format::count(unknown, "record", "records")}" of kinds this release does not know, kept and passed on."
                    </p>
                })
            }}
        </section>
    }
}

#[component]
fn MemberSettings() -> impl IntoView {
    let app = use_app();
    let name = RwSignal::new(app.member.get_untracked().map(|m| m.to_string()).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match Member::new(&name.get_untracked()) {
            Ok(member) => {
                error.set(None);
                app.set_member(member);
                app.show_info(
                    "Your name is saved. New changes carry it; earlier ones keep the name they were made with.",
                );
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    view! {
        <form class="card form" on:submit=save novalidate>
            <h2>"You"</h2>
            <div class="field">
                <label for="settings-member">"Your name"</label>
                <input id="settings-member" data-testid="settings-member" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <p class="help">"Kept in this browser only; it is written into the history of every change you make."</p>
                <p class="field-error" role="alert">{move || error.get()}</p>
            </div>
            <button class="button primary" type="submit">"Save name"</button>
        </form>
    }
}

#[component]
fn PriorityMatrixSettings() -> impl IntoView {
    let app = use_app();
    let set_cell = move |impact: Level, urgency: Level, value: String| {
        let Some(priority) = Priority::parse(&value) else { return };
        let Some(actor) = app.actor() else { return };
        let draft = app
            .records
            .with_untracked(|r| command::set_priority_cell(r.get(&settings_id()), impact, urgency, priority, &actor));
        if let Some(draft) = draft {
            leptos::task::spawn_local(async move {
                let _ = app.commit(vec![draft]).await;
            });
        }
    };
    view! {
        <section class="card">
            <h2>"Priority matrix"</h2>
            <p class="help">"Priority is derived from impact and urgency. The matrix is shared: changing a cell is an edit that travels with exported files, so every teammate computes the same priorities."</p>
            <table class="matrix">
                <thead><tr><th scope="col">"Impact \\ Urgency"</th>{Level::ALL.iter().map(|u| view! { <th scope="col">{u.label()}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {Level::ALL.into_iter().map(|impact| view! {
                        <tr>
                            <th scope="row">{impact.label()}</th>
                            {Level::ALL.into_iter().map(|urgency| {
                                let current = move || app.matrix.get().get(impact, urgency).id().to_string();
                                view! {
                                    <td>
                                        <select data-testid=format!("priority-{}-{}", impact.id(), urgency.id())
                                            aria-label=format!("Priority for {} impact and {} urgency", impact.label(), urgency.label())
                                            prop:value=current on:change=move |ev| set_cell(impact, urgency, event_target_value(&ev))>
                                            {Priority::ALL.iter().map(|p| view! { <option value=p.id()>{p.id()}</option> }).collect_view()}
                                        </select>
                                    </td>
                                }
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// Generates sample incidents (for training, demos and the benchmark) through the store's
/// import path, timing the store write.
#[component]
fn SampleData() -> impl IntoView {
    let app = use_app();
    let count = RwSignal::new("100".to_string());
    let result = RwSignal::new(None::<(usize, usize, f64)>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let generate = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = match count.get_untracked().trim().parse::<usize>() {
            Ok(n) if (1..=100_000).contains(&n) => n,
            _ => {
                error.set(Some("Enter a number from 1 to 100000.".into()));
                return;
            }
        };
        let (Some(store), Some(member)) = (app.store(), app.member.get_untracked()) else { return };
        error.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            // Start early enough for the whole sample to end a minute ago, never in the future.
            let start = instant(now_ms()) - demo::span(n) - Duration::minutes(1);
            let seed = u64::from_be_bytes(random_bytes());
            let sets = app.records.with_untracked(|records| {
                demo::sample_history(
                    n,
                    records,
                    |kind| reference::next_number(kind, records.iter()),
                    &member,
                    start,
                    seed,
                )
            });
            let change_sets = sets.len();
            let mut records = app.records.get_untracked();
            let began = now_ms();
            match store.import(sets, "sample-data", &mut records).await {
                Ok(written) => {
                    let write_ms = now_ms() - began;
                    app.replace_records(records);
                    app.stored(written.chunks).await;
                    result.set(Some((n, change_sets, write_ms)));
                    crate::ui::exchange::keep_export_ahead(app);
                }
                Err(e) => app.show_error(&e),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card form" on:submit=generate novalidate>
            <h2>"Sample data"</h2>
            <p class="help">"Adds a made-up service landscape (services, configuration items that depend on each other, problems, a known error and changes) and incidents on it, each with a realistic history (recorded, worked on, a work note, on hold or resolved), for training and demonstrations. They are ordinary records: they stay until you clear this browser's site data."</p>
            <div class="field inline">
                <label for="demo-count">"Incidents to add"</label>
                <input id="demo-count" data-testid="demo-count" type="number" min="1" max="100000" prop:value=count on:input=move |ev| count.set(event_target_value(&ev))/>
                <button class="button" type="submit" data-testid="demo-generate" disabled=move || busy.get()>
                    {move || if busy.get() { "Adding…" } else { "Add sample incidents" }}
                </button>
            </div>
            <p class="field-error" role="alert">{move || error.get()}</p>
            {move || result.get().map(|(n, sets, ms)| view! {
                <p class="note" role="status" data-testid="demo-result" data-count=n.to_string() data-write-ms=format!("{ms:.0}")>
                    {format!("Added {} with {} change sets; stored in {} ms.", format::count(n, "incident", "incidents"), sets, ms.round())}
                </p>
            })}
        </form>
    }
}
