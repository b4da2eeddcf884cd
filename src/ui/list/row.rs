//! One record as the list shows it (`Row`, prepared once per change of the records, its text
//! when first needed), and the table row that shows it (`RowSlot`).
//!
//! The table keeps one `RowSlot` per visible position and hands it whichever record filters or
//! scrolls into that place: a key typed into the search box changes the text of the cells it
//! must change instead of removing rows and building new ones (issue 4: a key must update the
//! list within 16 ms at 50,000 records).

use std::borrow::Cow;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::domain::ids::RecordId;
use crate::domain::kind::{Column, KindDecl};
use crate::domain::lifecycle::{state_of, Tone};
use crate::domain::links::linked;
use crate::domain::priority::{Priority, PriorityMatrix};
use crate::domain::record::{Record, Records};
use crate::domain::reference::{self, Collisions};
use crate::domain::sketch::Sketch;
use crate::ui::fields::{priority_look, shown, state_look};
use crate::ui::format;
use crate::ui::routes;

/// One record as the list shows it: what sorts and filters it, prepared for every record
/// when the list is first shown, and its text (`RowText`), prepared when first needed.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: RecordId,
    pub number: Option<i64>,
    /// The state's id: the declared one (no copy) unless a newer release's state.
    pub state: Cow<'static, str>,
    pub state_rank: usize,
    pub done: bool,
    pub priority: Option<Priority>,
    pub updated: DateTime<Utc>,
    /// The person in the kind's owner role.
    pub owner: String,
    /// The services in the kind's service role.
    pub services: Vec<RecordId>,
    /// When the record was opened.
    pub opened: DateTime<Utc>,
    text: OnceLock<RowText>,
}

/// What a row shows and what the search box searches. Building it (cells formatted, linked
/// records named, text lowered) is most of the cost of a row, so it is built for the rows in
/// view first and for the rest after the list is on screen (or when a search or a text sort
/// needs them all): 50,000 of them took a few hundred milliseconds of the list's first paint.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowText {
    pub reference: String,
    /// Text of each `Column::Field`, in column order.
    pub cells: Vec<String>,
    /// Lower-case text searched by the filter box.
    pub haystack: String,
    /// What the haystack can contain, read before the haystack itself.
    pub sketch: Sketch,
}

/// What a row's text is made from: the records as the rows were prepared from them.
pub struct Source<'a> {
    pub kind: &'static KindDecl,
    pub records: &'a Records,
    pub collisions: &'a Collisions,
}

impl Row {
    /// Prepares `record` (of `kind`) for sorting and filtering.
    pub fn new(kind: &KindDecl, record: &Record, matrix: &PriorityMatrix) -> Row {
        let state = state_of(kind, record);
        let rank = kind.lifecycle.states.iter().position(|s| s.id == state);
        let state_decl = rank.map(|at| &kind.lifecycle.states[at]);
        Row {
            id: record.id,
            number: reference::number_of(record),
            state_rank: rank.unwrap_or(usize::MAX),
            done: state_decl.is_some_and(|s| matches!(s.tone, Tone::Done | Tone::Closed)),
            state: match state_decl {
                Some(decl) => Cow::Borrowed(decl.id),
                None => Cow::Owned(state.to_string()),
            },
            priority: matrix.priority_of(kind, record),
            updated: record.updated.at,
            owner: kind.roles.owner.map(|f| record.text(f).to_string()).unwrap_or_default(),
            services: kind.roles.service.map(|f| linked(record, f)).unwrap_or_default(),
            opened: record.created.at,
            text: OnceLock::new(),
        }
    }

    /// The row's text, built now if it was not yet.
    pub fn text(&self, source: &Source<'_>) -> &RowText {
        self.text.get_or_init(|| match source.records.get(&self.id) {
            Some(record) => RowText::new(source.kind, record, source.records, source.collisions),
            None => RowText::default(),
        })
    }

    /// The row's text if it was built.
    pub fn prepared(&self) -> Option<&RowText> {
        self.text.get()
    }
}

impl RowText {
    fn new(kind: &KindDecl, record: &Record, records: &Records, collisions: &Collisions) -> RowText {
        let cells: Vec<String> = kind
            .list_columns
            .iter()
            .filter_map(|c| match c {
                Column::Field(field) => Some(shown(kind, record, field, records)),
                _ => None,
            })
            .collect();
        let reference = reference::label(kind, record, collisions);
        // `reference cell cell …` in lower case, built in one string.
        let mut haystack =
            String::with_capacity(reference.len() + cells.iter().map(|c| c.len() + 1).sum::<usize>() + 1);
        haystack.push_str(&reference);
        haystack.push(' ');
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                haystack.push(' ');
            }
            haystack.push_str(cell);
        }
        let haystack = if haystack.is_ascii() {
            haystack.make_ascii_lowercase();
            haystack
        } else {
            format::lower(&haystack)
        };
        RowText { reference, cells, sketch: Sketch::of(&haystack), haystack }
    }
}

/// The search box's text, prepared once per key.
#[derive(Clone, Debug, PartialEq)]
pub struct Needle {
    /// Trimmed and lower-case, as the rows' haystacks.
    pub text: String,
    sketch: Sketch,
    /// The sketch alone answers: no text or a single letter or digit.
    decided: bool,
}

impl Needle {
    pub fn new(search: &str) -> Needle {
        let text = format::lower(search.trim());
        Needle { sketch: Sketch::of(&text), decided: text.is_empty() || Sketch::decides(&text), text }
    }

    /// False when a row with this sketch cannot hold the needle. The sketch rules out most
    /// rows without reading their text; when it allows a row, the row holds the needle if
    /// [`Needle::decided`], else [`Needle::is_in`] reads the text.
    pub fn may_be_in(&self, sketch: &Sketch) -> bool {
        sketch.may_contain(&self.sketch)
    }

    pub fn decided(&self) -> bool {
        self.decided
    }

    /// Whether `text` (a row's lower-case haystack) contains the needle.
    ///
    /// Each occurrence of the needle's first byte is found with `memchr` and the rest compared:
    /// `str::contains` builds a two-way searcher on every call, which on rows of a few dozen
    /// bytes costs more than the search.
    pub fn is_in(&self, text: &str) -> bool {
        let text = text.as_bytes();
        let Some((&first, rest)) = self.text.as_bytes().split_first() else { return true };
        let mut from = 0;
        while let Some(found) = memchr::memchr(first, &text[from..]) {
            let after = from + found + 1;
            match text.get(after..after + rest.len()) {
                Some(next) if next == rest => return true,
                Some(_) => from = after,
                None => return false,
            }
        }
        false
    }
}

/// One table row, reused for whichever record is at its position: each cell follows `row`
/// and touches the page only when its own text or class changes.
#[component]
pub fn RowSlot(kind: &'static KindDecl, #[prop(into)] row: Signal<Option<Row>>) -> impl IntoView {
    // Reads one thing from the row shown here; empty while the slot is being let go.
    let part = move |get: fn(&Row) -> String| move || row.with(|r| r.as_ref().map(get).unwrap_or_default());
    let shown = move |get: fn(&RowText) -> String| {
        move || row.with(|r| r.as_ref().and_then(Row::prepared).map(get).unwrap_or_default())
    };
    let href = move || row.with(|r| r.as_ref().map(|r| routes::record(kind, r.id)).unwrap_or_default());
    let state = Memo::new(move |_| row.with(|r| r.as_ref().map(|r| state_look(kind, &r.state))));
    let priority = Memo::new(move |_| row.with(|r| r.as_ref().map(|r| priority_look(r.priority))));
    let mut field = 0;
    let cells = kind
        .list_columns
        .iter()
        .map(|column| match column {
            Column::Reference => view! {
                <td class="col-reference"><a href=href>{shown(|t| t.reference.clone())}</a></td>
            }
            .into_any(),
            Column::State => view! {
                <td><span class=move || state.with(|s| s.as_ref().map(|s| s.0.clone()))>
                    {move || state.with(|s| s.as_ref().map(|s| s.1.clone()))}
                </span></td>
            }
            .into_any(),
            Column::Priority => view! {
                <td><span class=move || priority.with(|p| p.as_ref().map(|p| p.0.clone()))
                    title=move || priority.with(|p| p.as_ref().and_then(|p| p.2))>
                    {move || priority.with(|p| p.as_ref().map(|p| p.1))}
                </span></td>
            }
            .into_any(),
            Column::Updated => view! { <td class="muted">{part(|r| format::local_time(r.updated))}</td> }.into_any(),
            Column::Field(name) => {
                let index = field;
                field += 1;
                let text = move || {
                    row.with(|r| r.as_ref().and_then(Row::prepared).and_then(|t| t.cells.get(index).cloned()))
                        .unwrap_or_default()
                };
                if *name == kind.title_field {
                    view! { <td class="col-title"><a href=href tabindex="-1">{text}</a></td> }.into_any()
                } else {
                    view! { <td>{text}</td> }.into_any()
                }
            }
        })
        .collect_view();
    view! { <tr data-testid="record-row" data-ref=shown(|t| t.reference.clone())>{cells}</tr> }
}
