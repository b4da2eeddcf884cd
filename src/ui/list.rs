//! The one list page: any kind's records as a sortable, filterable table that renders only
//! the rows in view, so 50,000 records scroll and filter as fast as 50.
//!
//! Filters live in the URL query (`?q=mail&state=open&priority=P1&owner=Ada&service=<id>&
//! from=2026-11-01&to=2026-11-30&sort=updated&dir=desc`), so a filtered view can be bookmarked
//! and shared; the address follows the filters once typing pauses (`address`).
//!
//! A key typed into the search box narrows the last result, then only what is in view reaches
//! the page: the table keeps one row per visible position and changes the text of its cells
//! (`row::RowSlot`) rather than building rows for the records that came into view.

mod address;
mod row;

pub use self::row::Row;

use std::cmp::Ordering;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use leptos::html::Div;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use self::address::Address;
use self::row::{Needle, RowSlot, Source};
use super::format;
use super::routes;
use super::state::{use_app, StoreStatus};
use crate::domain::ids::RecordId;
use crate::domain::kind::{Column, KindDecl};
use crate::domain::priority::{Priority, PriorityMatrix};
use crate::domain::record::Records;
use crate::domain::reference::{self, Collisions};
use crate::domain::sketch::Sketch;
use crate::domain::sort;

/// Fixed row height in pixels (matches `.list-table tbody tr` in the stylesheet).
const ROW_HEIGHT: f64 = 40.0;
/// The same, for writing heights: whole pixels, no float formatting in the first screen's code.
const ROW_PX: usize = ROW_HEIGHT as usize;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 5;

fn column_id(column: Column) -> &'static str {
    match column {
        Column::Reference => "reference",
        Column::Field(field) => field,
        Column::State => "state",
        Column::Priority => "priority",
        Column::Updated => "updated",
    }
}

fn column_label(kind: &KindDecl, column: Column) -> &'static str {
    match column {
        Column::Reference => "Reference",
        Column::Field(field) => kind.field(field).map(|f| f.label).unwrap_or(field),
        Column::State => "State",
        Column::Priority => "Priority",
        Column::Updated => "Updated",
    }
}

fn compare(column: Column, a: &Row, b: &Row) -> Ordering {
    match column {
        Column::Reference => a.number.cmp(&b.number).then_with(|| a.id.cmp(&b.id)),
        Column::State => a.state_rank.cmp(&b.state_rank),
        Column::Priority => match (a.priority, b.priority) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        Column::Updated => a.updated.cmp(&b.updated),
        // Text columns sort by a cached lower-case key (see `sorted`).
        Column::Field(_) => Ordering::Equal,
    }
}

/// The position of a field column among the row's text cells.
fn cell_index(kind: &KindDecl, field: &str) -> Option<usize> {
    kind.list_columns
        .iter()
        .filter(|c| matches!(c, Column::Field(_)))
        .position(|c| matches!(c, Column::Field(f) if *f == field))
}

/// The part of the filtered list in the DOM: how many rows come before it, the rows in it
/// (indexes into the prepared rows) and how many come after it.
#[derive(Clone, Debug, PartialEq)]
struct Window {
    before: usize,
    rows: Vec<usize>,
    after: usize,
}

impl Window {
    /// At most `count` rows of `visible` from `first` on.
    fn of(visible: &[usize], first: usize, count: usize) -> Window {
        let first = first.min(visible.len());
        let last = (first + count).min(visible.len());
        Window { before: first, rows: visible[first..last].to_vec(), after: visible.len() - last }
    }
}

/// The rows' order (indexes into the prepared rows), and, built at the first key typed in
/// the search box, what it reads in that order (`Searched`).
#[derive(Debug, PartialEq)]
struct Sorted {
    order: Vec<usize>,
    searched: OnceLock<Searched>,
}

/// Each row's sketch and text (one string, row after row), in the rows' order. A key then
/// reads memory from start to end instead of jumping between rows scattered over the heap.
#[derive(Debug, PartialEq)]
struct Searched {
    sketches: Vec<Sketch>,
    text: String,
    /// Where each row's text ends in `text`.
    ends: Vec<usize>,
}

impl Sorted {
    fn new(order: Vec<usize>) -> Sorted {
        Sorted { order, searched: OnceLock::new() }
    }

    /// What the search box reads, built now if it was not yet.
    fn searched(&self, rows: &[Row], source: &Source<'_>) -> &Searched {
        self.searched.get_or_init(|| {
            let texts: Vec<&row::RowText> = self.order.iter().map(|&i| rows[i].text(source)).collect();
            let sketches = texts.iter().map(|t| t.sketch).collect();
            let mut text = String::with_capacity(texts.iter().map(|t| t.haystack.len()).sum());
            let ends = texts
                .iter()
                .map(|t| {
                    text.push_str(&t.haystack);
                    text.len()
                })
                .collect();
            Searched { sketches, text, ends }
        })
    }
}

impl Searched {
    /// The searched text of the row at `position`.
    fn text(&self, position: usize) -> &str {
        let start = position.checked_sub(1).map_or(0, |before| self.ends[before]);
        self.text.get(start..self.ends[position]).unwrap_or_default()
    }
}

/// Where the rows' text is made from: the records the rows were prepared from (a caller reads
/// the rows first, which brings them up to date).
#[derive(Clone, Copy)]
struct TextSource {
    kind: &'static KindDecl,
    records: RwSignal<Records>,
    collisions: Memo<Collisions>,
}

impl TextSource {
    /// Runs `f` with the records and collisions the text is made from.
    fn with<T>(self, f: impl FnOnce(&Source<'_>) -> T) -> T {
        let kind = self.kind;
        self.records.with_untracked(|records| {
            self.collisions.with_untracked(|collisions| f(&Source { kind, records, collisions }))
        })
    }
}

/// Rows whose text is built per turn after the list is on screen.
const TEXT_SLICE: usize = 2_000;

/// The filters other than the search text, and the rows' generation.
type FilterKey =
    (String, Option<Priority>, String, Option<RecordId>, Option<DateTime<Utc>>, Option<DateTime<Utc>>, u64);

/// The prepared rows of every record of `kind`. Made once per kind for the whole app (see
/// `AppState::list_rows`), not per visit of the list: preparing 50,000 rows takes a few hundred
/// milliseconds, and dropping them when the list is left, a few dozen, which would delay
/// the page opened from it. A memo is lazy: the rows are prepared again only when a list
/// reads them after the records changed.
pub fn rows_memo(
    kind: &'static KindDecl,
    records: RwSignal<Records>,
    matrix: Memo<PriorityMatrix>,
    collisions: Memo<Collisions>,
) -> Memo<Vec<Row>> {
    Memo::new(move |_| {
        let started = super::probe::now();
        let matrix = matrix.get();
        // A row's text shows references apart by the collisions: new rows when they change.
        collisions.track();
        let rows = records.with(|records| {
            records.of_kind(kind.id).map(|record| Row::new(kind, record, &matrix)).collect::<Vec<Row>>()
        });
        super::probe::mark("data-rows-ms", super::probe::now() - started);
        rows
    })
}

#[component]
pub fn RecordList(kind: &'static KindDecl) -> impl IntoView {
    let app = use_app();
    // Records are still being read (the list may hold only the newest, or none yet).
    let unread = move || app.status.with(StoreStatus::unread);
    let query = use_query_map();
    let initial = |key: &str| query.with_untracked(|q| q.get(key).unwrap_or_default());
    let search = RwSignal::new(initial("q"));
    let state_filter = RwSignal::new(initial("state"));
    let priority_filter = RwSignal::new(initial("priority"));
    let owner_filter = RwSignal::new(initial("owner"));
    let service_filter = RwSignal::new(initial("service"));
    let from_filter = RwSignal::new(initial("from"));
    let to_filter = RwSignal::new(initial("to"));
    let default_sort = if kind.list_columns.contains(&Column::Updated) { "updated" } else { "reference" };
    let sort_by =
        RwSignal::new(Some(initial("sort")).filter(|s| !s.is_empty()).unwrap_or_else(|| default_sort.to_string()));
    let descending = RwSignal::new(query.with_untracked(|q| q.get("dir").map(|d| d != "asc").unwrap_or(true)));

    let address = Address::follow(move || {
        vec![
            ("q", search.get()),
            ("state", state_filter.get()),
            ("priority", priority_filter.get()),
            ("owner", owner_filter.get()),
            ("service", service_filter.get()),
            ("from", from_filter.get()),
            ("to", to_filter.get()),
            ("sort", sort_by.get()),
            ("dir", if descending.get() { "desc".into() } else { "asc".into() }),
        ]
    });

    let rows = app.list_rows(kind);
    let source = TextSource { kind, records: app.records, collisions: app.collisions };

    // Bumped whenever the rows or their order change: the filter may narrow its last result
    // only while this stays the same.
    let generation = StoredValue::new(0u64);
    let last_filter = StoredValue::new(None::<(FilterKey, String, Vec<usize>)>);
    let sorted = Memo::new(move |_| {
        let started = super::probe::now();
        let column = kind.list_columns.iter().copied().find(|c| column_id(*c) == sort_by.get());
        let desc = descending.get();
        rows.with(|rows| {
            // One compiled sort of positions for every column (`domain::sort`).
            let mut order: Vec<usize> = match column {
                Some(Column::Field(field)) => match cell_index(kind, field) {
                    Some(cell) => {
                        let keys: Vec<String> = source.with(|source| {
                            rows.iter()
                                .map(|row| {
                                    row.text(source).cells.get(cell).map(|c| format::lower(c)).unwrap_or_default()
                                })
                                .collect()
                        });
                        sort::positions(rows.len(), &mut |a, b| keys[a].cmp(&keys[b]))
                    }
                    None => (0..rows.len()).collect(),
                },
                Some(column) => sort::positions(rows.len(), &mut |a, b| compare(column, &rows[a], &rows[b])),
                None => (0..rows.len()).collect(),
            };
            if desc {
                order.reverse();
            }
            generation.update_value(|g| *g += 1);
            let sorted = Sorted::new(order);
            super::probe::mark("data-sort-ms", super::probe::now() - started);
            sorted
        })
    });

    let visible = Memo::new(move |_| {
        let needle = search.with(|s| Needle::new(s));
        let state = state_filter.get();
        let priority = Priority::parse(&priority_filter.get());
        let owner = owner_filter.get();
        let service = RecordId::parse(&service_filter.get());
        // The filter's local days as instants, so rows are compared without a time zone each.
        let day = |text: String, next: bool| {
            let day = crate::domain::value::parse_day(&text)?;
            Some(format::local_midnight(if next { day.succ_opt()? } else { day }))
        };
        let from = day(from_filter.get(), false);
        let to = day(to_filter.get(), true);
        let started = super::probe::now();
        let result = rows.with(|rows| {
            sorted.with(|sorted| {
                let order = &sorted.order;
                // Only a search reads the rows' text.
                let searched = (!needle.text.is_empty()).then(|| source.with(|source| sorted.searched(rows, source)));
                // Typing on narrows the last result instead of scanning every row again. Both
                // are positions in the sorted order, read from start to end.
                let key: FilterKey =
                    (state.clone(), priority, owner.clone(), service, from, to, generation.get_value());
                let narrowed = last_filter.with_value(|last| match last {
                    Some((k, n, v)) if *k == key && !n.is_empty() && needle.text.starts_with(n.as_str()) => {
                        Some(v.clone())
                    }
                    _ => None,
                });
                let candidates = narrowed.unwrap_or_else(|| (0..order.len()).collect());
                let kept = candidates
                    .into_iter()
                    .filter(|&position| {
                        if searched.is_some_and(|s| !needle.may_be_in(&s.sketches[position])) {
                            return false;
                        }
                        let row = &rows[order[position]];
                        let state_ok = match state.as_str() {
                            "" => true,
                            "open" => !row.done,
                            s => row.state == s,
                        };
                        state_ok
                            && priority.is_none_or(|p| row.priority == Some(p))
                            && (owner.is_empty() || row.owner == owner)
                            && service.is_none_or(|s| row.services.contains(&s))
                            && from.is_none_or(|d| row.opened >= d)
                            && to.is_none_or(|d| row.opened < d)
                            && (needle.decided() || searched.is_none_or(|s| needle.is_in(s.text(position))))
                    })
                    .collect::<Vec<usize>>();
                let shown = kept.iter().map(|&position| order[position]).collect::<Vec<usize>>();
                last_filter.set_value(Some((key, needle.text.clone(), kept)));
                shown
            })
        });
        super::probe::mark("data-filter-ms", super::probe::now() - started);
        result
    });

    // Once the first rows are on screen, the text of all the others is built, a slice per
    // turn, so that the first key typed (or a sort by a text column) finds it ready.
    Effect::new(move |_| {
        rows.track();
        leptos::task::spawn_local(async move {
            // Before the app's indexes, which can wait.
            let _urgent = super::turn::Urgent::begin();
            let mut from = 0;
            loop {
                super::turn::next_turn().await;
                let built = rows.try_with_untracked(|rows| {
                    let end = (from + TEXT_SLICE).min(rows.len());
                    source.with(|source| {
                        for row in rows.get(from..end).unwrap_or_default() {
                            row.text(source);
                        }
                    });
                    from = end;
                    end == rows.len()
                });
                // Done, or the rows are gone (a kind's list made just for this page).
                if built != Some(false) {
                    break;
                }
            }
        });
    });

    // Windowing: only the rows inside the scrolled viewport are in the DOM.
    let scroller = NodeRef::<Div>::new();
    let scroll_top = RwSignal::new(0.0);
    let viewport = RwSignal::new(800.0);
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            viewport.set(f64::from(el.client_height()).max(200.0));
        }
    });
    // Back to the top when the filter changes what is listed. Setting `scrollTop` makes the
    // browser lay out the table at once (several milliseconds a key), so only when scrolled.
    Effect::new(move |_| {
        visible.track();
        if scroll_top.get_untracked() > 0.0 {
            if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top(0);
            }
            scroll_top.set(0.0);
        }
    });
    // One memo between the filter and the rows in view, so that a key reaches each row once.
    let window = Memo::new(move |_| {
        let first = (scroll_top.get() / ROW_HEIGHT) as usize;
        let shown = (viewport.get() / ROW_HEIGHT).ceil() as usize + 2 * OVERSCAN;
        visible.with(|v| Window::of(v, first.saturating_sub(OVERSCAN), shown))
    });
    // Each position in view keeps its table row (`RowSlot`), which shows whichever record is
    // there now.
    let positions = move || 0..window.with(|w| w.rows.len());
    let slot = move |position: usize| {
        let row = Memo::new(move |_| {
            window.with(|w| {
                let i = *w.rows.get(position)?;
                rows.with(|rows| {
                    let row = rows.get(i)?;
                    source.with(|source| {
                        row.text(source);
                    });
                    Some(row.clone())
                })
            })
        });
        view! { <RowSlot kind row/> }
    };

    let sort_header = move |column: Column| {
        let id = column_id(column);
        let label = column_label(kind, column);
        let aria = move || {
            if sort_by.get() == id {
                if descending.get() {
                    "descending"
                } else {
                    "ascending"
                }
            } else {
                "none"
            }
        };
        let arrow = move || {
            if sort_by.get() == id {
                if descending.get() {
                    " ▼"
                } else {
                    " ▲"
                }
            } else {
                ""
            }
        };
        view! {
            <th scope="col" aria-sort=aria class=format!("col-{id}")>
                <button class="sort" data-testid=format!("sort-{id}") on:click=move |_| {
                    if sort_by.get_untracked() == id {
                        descending.update(|d| *d = !*d);
                    } else {
                        sort_by.set(id.to_string());
                        descending.set(matches!(column, Column::Updated | Column::Reference));
                    }
                }>{label}{arrow}</button>
            </th>
        }
    };

    let total = move || rows.with(Vec::len);
    // The count's words, lowered once rather than at every key typed.
    let (one, many) = (format::lower(kind.label), format::lower(kind.plural));
    let clear = move |_| {
        search.set(String::new());
        state_filter.set(String::new());
        priority_filter.set(String::new());
        owner_filter.set(String::new());
        service_filter.set(String::new());
        from_filter.set(String::new());
        to_filter.set(String::new());
    };
    // The choices of the owner and service filters: the values the records hold.
    let owners = Memo::new(move |_| {
        let mut names: Vec<String> =
            rows.with(|rows| rows.iter().map(|r| r.owner.clone()).filter(|o| !o.is_empty()).collect());
        sort::sort_by(&mut names, |a, b| a.cmp(b));
        names.dedup();
        sort::sort_by_key(&mut names, |n| format::lower(n));
        names
    });
    let services = Memo::new(move |_| {
        let mut ids: Vec<RecordId> = rows.with(|rows| rows.iter().flat_map(|r| r.services.iter().copied()).collect());
        sort::sort_by(&mut ids, |a, b| a.cmp(b));
        ids.dedup();
        let mut named: Vec<(RecordId, String)> = app
            .records
            .with(|records| ids.into_iter().map(|id| (id, super::fields::link_label(records, &id))).collect());
        sort::sort_by(&mut named, |a, b| a.1.cmp(&b.1));
        named
    });
    let collisions = move || {
        let groups: Vec<String> = app.collisions.with(|c| {
            c.groups()
                .filter(|((k, _), _)| k == kind.id)
                .map(|((_, n), ids)| format!("{} ({} records)", reference::format(kind, *n), ids.len()))
                .collect()
        });
        (!groups.is_empty()).then(|| {
            view! {
                <p class="note" role="note">
                    "Some references were taken twice by records created offline at the same time: "
                    {groups.join(", ")}
                    ". Both keep their number; they are told apart by the suffix after the dot."
                </p>
            }
        })
    };

    view! {
        <section class="page list-page">
            <div class="page-head">
                <div>
                    <h1>{kind.plural}</h1>
                    <p class="muted">{format!("{} ISO/IEC 20000-1 clause {}.", kind.purpose, kind.clause)}</p>
                </div>
                <a class="button primary" href=routes::new_record(kind) data-testid="new-record">{format!("New {}", format::lower(kind.label))}</a>
            </div>
            {collisions}
            <div class="filters" role="search">
                <input type="search" class="search" placeholder="Search reference, title, service…" aria-label="Search"
                    data-testid="list-search" prop:value=search on:input=move |ev| search.set(event_target_value(&ev))
                    on:blur=move |_| address.flush()/>
                <label>"State "
                    <select data-testid="filter-state" prop:value=state_filter on:change=move |ev| state_filter.set(event_target_value(&ev))>
                        <option value="">"All"</option>
                        <option value="open">"Open (not resolved or closed)"</option>
                        {kind.lifecycle.states.iter().map(|s| view! { <option value=s.id>{s.label}</option> }).collect_view()}
                    </select>
                </label>
                {kind.priority.is_some().then(|| view! {
                    <label>"Priority "
                        <select data-testid="filter-priority" prop:value=priority_filter on:change=move |ev| priority_filter.set(event_target_value(&ev))>
                            <option value="">"All"</option>
                            {Priority::ALL.iter().map(|p| view! { <option value=p.id()>{p.id()}</option> }).collect_view()}
                        </select>
                    </label>
                })}
                {kind.roles.owner.map(|owner_field| view! {
                    <label>{format!("{} ", kind.field_label(owner_field))}
                        <select data-testid="filter-owner" prop:value=owner_filter on:change=move |ev| owner_filter.set(event_target_value(&ev))>
                            <option value="">"Anyone"</option>
                            {move || owners.get().into_iter().map(|name| view! { <option value=name.clone()>{name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                })}
                {kind.roles.service.map(|_| view! {
                    <label>"Service "
                        <select data-testid="filter-service" prop:value=service_filter on:change=move |ev| service_filter.set(event_target_value(&ev))>
                            <option value="">"All"</option>
                            {move || services.get().into_iter().map(|(id, label)| view! { <option value=id.to_string()>{label}</option> }).collect_view()}
                        </select>
                    </label>
                })}
                <label>"Opened from "
                    <input type="date" data-testid="filter-from" prop:value=from_filter on:change=move |ev| from_filter.set(event_target_value(&ev))/>
                </label>
                <label>"to "
                    <input type="date" data-testid="filter-to" prop:value=to_filter on:change=move |ev| to_filter.set(event_target_value(&ev))/>
                </label>
                <span class="count" aria-live="polite">
                    <span data-testid="list-count">{move || format::count(visible.with(Vec::len), &one, &many)}</span>
                    {move || (visible.with(Vec::len) != total()).then(|| format!(" of {}", total()))}
                    {move || app.loading.get().map(|all| view! {
                        <span class="muted" data-testid="list-loading">{format!(" · the newest shown, reading all {all} records…")}</span>
                    })}
                </span>
            </div>
            <div class="table-scroll" node_ref=scroller on:scroll=move |ev| {
                let top = event_target::<web_sys::Element>(&ev).scroll_top();
                scroll_top.set(f64::from(top));
            }>
                <table class="list-table">
                    <thead><tr>{kind.list_columns.iter().map(|c| sort_header(*c)).collect_view()}</tr></thead>
                    <tbody>
                        <tr class="spacer" aria-hidden="true" style:height=move || format!("{}px", window.with(|w| w.before) * ROW_PX)></tr>
                        <For each=positions key=|position| *position children=slot/>
                        <tr class="spacer" aria-hidden="true" style:height=move || format!("{}px", window.with(|w| w.after) * ROW_PX)></tr>
                    </tbody>
                </table>
                {move || (visible.with(Vec::is_empty)).then(|| if let (0, Some(text)) = (total(), unread()) {
                    view! { <div class="empty"><p class="muted" data-testid="list-unread">{text}</p></div> }.into_any()
                } else if total() == 0 {
                    view! {
                        <div class="empty">
                            <p>{format!("No {} yet.", format::lower(kind.plural))}</p>
                            <a class="button primary" href=routes::new_record(kind)>{format!("Record the first {}", format::lower(kind.label))}</a>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <div class="empty">
                            <p>{format!("No {} match these filters.", format::lower(kind.plural))}</p>
                            <button class="button" on:click=clear>"Clear filters"</button>
                        </div>
                    }.into_any()
                })}
            </div>
        </section>
    }
}
