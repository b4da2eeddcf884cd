//! The change calendar (8.5.1.3): planned changes and releases on a month view, with changes
//! that touch the same configuration item in overlapping windows marked as clashes.
//!
//! The month is in the URL (`?month=2026-12`), so a view can be bookmarked.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, Local, NaiveDate};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::fields::link_label;
use super::format;
use super::routes;
use super::state::use_app;
use crate::domain::calendar::{clashes, scheduled};
use crate::domain::catalogue;
use crate::domain::ids::RecordId;

/// The first day of the month named `2026-12`, or of this month.
fn month_start(text: Option<String>) -> NaiveDate {
    let today = Local::now().date_naive();
    text.and_then(|t| NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today))
}

fn shift(month: NaiveDate, by: i32) -> NaiveDate {
    let index = month.year() * 12 + month.month0() as i32 + by;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1).unwrap_or(month)
}

#[component]
pub fn ChangeCalendar() -> impl IntoView {
    let app = use_app();
    let query = use_query_map();
    let navigate = use_navigate();
    let month = Memo::new(move |_| month_start(query.with(|q| q.get("month"))));
    let plan = Memo::new(move |_| {
        app.records.with(|records| {
            let schedule = scheduled(records.iter());
            let found = clashes(&schedule);
            (schedule, found)
        })
    });
    let go = move |by: i32| {
        let target = shift(month.get_untracked(), by);
        navigate(&format!("/calendar?month={}", target.format("%Y-%m")), Default::default());
    };
    let go_prev = go.clone();

    // The clashes with a window in the month shown.
    let clash_list = move || {
        let first = month.get();
        let (from, to) = (format::local_midnight(first), format::local_midnight(shift(first, 1)));
        let found: Vec<_> = plan.with(|(schedule, clashes)| {
            let in_month = |id: RecordId| schedule.iter().any(|s| s.id == id && s.start < to && s.end >= from);
            clashes.iter().filter(|c| in_month(c.first) || in_month(c.second)).cloned().collect()
        });
        (!found.is_empty()).then(|| {
            let rows = found
                .into_iter()
                .map(|clash| {
                    let (first, second, items) = app.records.with_untracked(|r| {
                        let items: Vec<String> = clash.items.iter().map(|id| link_label(r, id)).collect();
                        (link_label(r, &clash.first), link_label(r, &clash.second), items.join(", "))
                    });
                    let href = |id: RecordId| {
                        app.records.with_untracked(|r| {
                            r.get(&id).and_then(|r| catalogue::kind(&r.kind)).map(|k| routes::record(k, id))
                        })
                    };
                    view! {
                        <li data-testid="clash">
                            <a href=href(clash.first).unwrap_or_default()>{first}</a>" and "
                            <a href=href(clash.second).unwrap_or_default()>{second}</a>
                            {format!(" both touch {items} in overlapping windows.")}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="card conflict" role="note" data-testid="clashes">
                    <h2>"Schedule conflicts"</h2>
                    <ul>{rows}</ul>
                </section>
            }
        })
    };

    let grid = move || {
        let first = month.get();
        let next = shift(first, 1);
        // Weeks start on Monday; six rows cover every month.
        let start = first - Duration::days(first.weekday().num_days_from_monday() as i64);
        let today = Local::now().date_naive();
        plan.with(|(schedule, clashes)| {
            let clashing: BTreeSet<RecordId> = clashes.iter().flat_map(|c| [c.first, c.second]).collect();
            let days = (0..42).map(|n| {
                let day = start + Duration::days(n);
                let (from, to) = (format::local_midnight(day), format::local_midnight(day + Duration::days(1)));
                let entries = schedule
                    .iter()
                    .filter(|s| s.start < to && (s.end > from || (s.end == s.start && s.start >= from)))
                    .map(|s| {
                        let (label, href) = app.records.with_untracked(|r| {
                            let href = catalogue::kind(s.kind).map(|k| routes::record(k, s.id)).unwrap_or_default();
                            (link_label(r, &s.id), href)
                        });
                        let class = if clashing.contains(&s.id) { "cal-entry clash" } else { "cal-entry" };
                        let title = format!("{label}: {} – {}", format::local_time(s.start), format::local_time(s.end));
                        view! { <li><a class=class href=href title=title data-testid="cal-entry">{label}</a></li> }
                    })
                    .collect_view();
                let class = match (day.month() == first.month(), day == today) {
                    (true, true) => "cal-day today",
                    (true, false) => "cal-day",
                    (false, _) => "cal-day other-month",
                };
                view! {
                    <div class=class role="gridcell" aria-label=day.format("%A %e %B").to_string()>
                        <span class="cal-date">{day.day()}</span>
                        <ul>{entries}</ul>
                    </div>
                }
            });
            let in_month = schedule.iter().filter(|s| s.start < format::local_midnight(next) && s.end >= format::local_midnight(first)).count();
            view! {
                <p class="muted" data-testid="cal-count">{format::count(in_month, "planned change or release", "planned changes and releases")}" this month"</p>
                <div class="cal-grid" role="grid" aria-label="Month">
                    {["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map(|d| view! { <div class="cal-head" role="columnheader">{d}</div> })}
                    {days.collect_view()}
                </div>
            }
        })
    };

    view! {
        <section class="page calendar-page">
            <div class="page-head">
                <div>
                    <h1>"Change calendar"</h1>
                    <p class="muted">"ISO/IEC 20000-1 clause 8.5.1.3: the schedule of changes and releases"</p>
                </div>
                <div class="head-actions">
                    <button class="button" data-testid="cal-prev" on:click=move |_| go_prev(-1)>"← Previous"</button>
                    <h2 class="cal-month" data-testid="cal-month">{move || month.get().format("%B %Y").to_string()}</h2>
                    <button class="button" data-testid="cal-next" on:click=move |_| go(1)>"Next →"</button>
                </div>
            </div>
            {clash_list}
            {grid}
        </section>
    }
}
