//! The quick search's dialog: every kind's records by reference or words, opened from the
//! header (`shell::QuickSearch`, Ctrl+K or "/"); arrows move, Enter opens, Escape closes.
//!
//! Its code is a split point of its own (see `pages`): the header's button and keys are in
//! the main module, the dialog and the search behind it ([`SearchIndex::find`]) are fetched
//! the first time it opens, or with the pages' modules once the records are read.
//!
//! [`SearchIndex::find`]: crate::domain::search::SearchIndex::find

use leptos::prelude::*;
use leptos::wasm_split::wasm_split;
use leptos_router::hooks::use_navigate;

use super::fields::link_label;
use super::pages::CodeNotLoaded;
use super::routes;
use super::state::use_app;
use crate::domain::catalogue;
use crate::store::now_ms;

mod split {
    use super::*;

    #[wasm_split(quick_search, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload))]
    pub fn dialog(open: RwSignal<bool>) -> Result<AnyView, CodeNotLoaded> {
        Ok(view! { <SearchDialog open/> }.into_any())
    }
}

pub use split::preload;

/// The dialog, with its module's code; closed again by setting `open` to false. Says so in its
/// place when the code cannot be fetched.
pub async fn dialog(open: RwSignal<bool>) -> AnyView {
    split::dialog(open).await.unwrap_or_else(|_| {
        view! {
            <div class="search-overlay" on:mousedown=move |_| open.set(false)>
                <div class="search-dialog card" role="alert" data-testid="search-not-loaded">
                    <p>"Search could not be loaded: its part of Servicebook did not arrive (the connection may be down). Reload the page to try again."</p>
                </div>
            </div>
        }
        .into_any()
    })
}

#[component]
fn SearchDialog(open: RwSignal<bool>) -> impl IntoView {
    let app = use_app();
    let navigate = StoredValue::new_local(use_navigate());
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let field = NodeRef::<leptos::html::Input>::new();
    // Focused once it is in the page (it may arrive after the key that opened it).
    Effect::new(move |_| {
        if let Some(input) = field.get() {
            let _ = input.focus();
        }
    });
    let hits = Memo::new(move |_| {
        let q = query.get();
        let started = now_ms();
        let found = app.search.with(|index| index.find(&q, 12));
        super::probe::mark("data-search-ms", now_ms() - started);
        app.records.with(|records| {
            found.into_iter().map(|hit| (hit.kind, hit.id, link_label(records, &hit.id))).collect::<Vec<_>>()
        })
    });
    let go = move |n: usize| {
        let target = hits.with_untracked(|h| {
            h.get(n).and_then(|(kind, id, _)| catalogue::kind(kind).map(|kind| routes::record_route(kind, *id)))
        });
        if let Some(path) = target {
            open.set(false);
            navigate.with_value(|navigate| navigate(&path, Default::default()));
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = hits.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1).min(count.saturating_sub(1)));
            }
            "ArrowUp" => {
                ev.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" => {
                ev.prevent_default();
                go(active.get_untracked());
            }
            "Escape" => {
                ev.prevent_default();
                open.set(false);
            }
            _ => {}
        }
    };
    view! {
        <div class="search-overlay" on:mousedown=move |_| open.set(false)>
            <div class="search-dialog card" role="dialog" aria-modal="true" aria-label="Search all records"
                on:mousedown=move |ev: leptos::ev::MouseEvent| ev.stop_propagation()>
                <input node_ref=field type="search" class="search" data-testid="search-input" role="combobox"
                    aria-controls="search-results" aria-expanded="true" autocomplete="off"
                    aria-activedescendant=move || (!hits.with(Vec::is_empty)).then(|| format!("hit-{}", active.get()))
                    placeholder="Reference or words of a title, in any kind of record"
                    prop:value=query on:input=move |ev| { query.set(event_target_value(&ev)); active.set(0); }
                    on:keydown=on_key/>
                <ul id="search-results" class="search-results" role="listbox">
                    {move || {
                        let items = hits.get();
                        if items.is_empty() {
                            let text = if query.with(|q| q.trim().is_empty()) { "Type to search every kind of record." } else { "No record matches." };
                            return view! { <li class="muted" role="presentation">{text}</li> }.into_any();
                        }
                        items.into_iter().enumerate().map(|(n, (kind, _, label))| view! {
                            <li id=format!("hit-{n}") role="option" class="search-hit" data-testid="search-hit"
                                aria-selected=move || (active.get() == n).to_string()
                                on:mousemove=move |_| active.set(n)
                                on:click=move |_| go(n)>
                                <span>{label}</span><span class="muted">{catalogue::kind(kind).map(|k| k.label)}</span>
                            </li>
                        }).collect_view().into_any()
                    }}
                </ul>
            </div>
        </div>
    }
}
