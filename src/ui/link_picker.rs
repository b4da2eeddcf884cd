//! The input of a link field: type to find records of the kinds the field may link to, pick
//! with the mouse or the keyboard (arrows, Enter, Escape; Backspace removes the last pick).
//!
//! It writes the chosen record ids, space-separated, into the form input; the domain checks
//! them again when the form is saved.

use leptos::prelude::*;

use super::fields::link_label;
use super::state::use_app;
use crate::domain::catalogue;
use crate::domain::command::{join_links, FormInput};
use crate::domain::ids::RecordId;
use crate::domain::kind::{FieldDecl, Target};

/// Suggestions shown at once.
const SHOWN: usize = 8;

#[component]
pub fn LinkPicker(
    field: &'static FieldDecl,
    target: Target,
    input: RwSignal<FormInput>,
    #[prop(into)] invalid: Signal<bool>,
    error_id: String,
) -> impl IntoView {
    let app = use_app();
    let multiple = field.is_set();
    let id = format!("field-{}", field.id);
    let list_id = format!("options-{}", field.id);
    let query = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);

    let chosen = move || -> Vec<RecordId> {
        input.with(|i| {
            i.get(field.id).map(|t| t.split_whitespace().filter_map(RecordId::parse).collect()).unwrap_or_default()
        })
    };
    let set_chosen = move |ids: Vec<RecordId>| {
        input.update(|i| {
            i.insert(field.id.to_string(), join_links(&ids));
        })
    };
    let options = Memo::new(move |_| {
        let words: Vec<String> = query.get().split_whitespace().map(str::to_lowercase).collect();
        let chosen = chosen();
        app.records.with(|records| {
            let mut out = Vec::new();
            for record in records.iter().rev() {
                if !target.kinds.contains(&record.kind.as_str()) || chosen.contains(&record.id) {
                    continue;
                }
                let label = link_label(records, &record.id);
                let lower = label.to_lowercase();
                if words.iter().all(|word| lower.contains(word.as_str())) {
                    out.push((record.id, label));
                    if out.len() == SHOWN {
                        break;
                    }
                }
            }
            out
        })
    });
    let choose = move |picked: RecordId| {
        let mut ids = if multiple { chosen() } else { Vec::new() };
        if !ids.contains(&picked) {
            ids.push(picked);
        }
        set_chosen(ids);
        query.set(String::new());
        active.set(0);
        open.set(multiple);
    };
    let remove = move |gone: RecordId| set_chosen(chosen().into_iter().filter(|id| *id != gone).collect());

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = options.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = (*a + 1).min(count.saturating_sub(1)));
            }
            "ArrowUp" => {
                ev.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" if open.get_untracked() && count > 0 => {
                ev.prevent_default();
                let pick = options.with_untracked(|o| o.get(active.get_untracked().min(count - 1)).map(|(id, _)| *id));
                if let Some(pick) = pick {
                    choose(pick);
                }
            }
            "Escape" if open.get_untracked() => {
                ev.prevent_default();
                open.set(false);
            }
            "Backspace" if query.with_untracked(String::is_empty) => {
                if let Some(last) = chosen().last().copied() {
                    remove(last);
                }
            }
            _ => {}
        }
    };

    let kinds: Vec<&str> = target.kinds.iter().filter_map(|k| catalogue::kind(k)).map(|k| k.label).collect();
    let placeholder = format!("Type to find a {}…", kinds.join(" or ").to_lowercase());
    let chips = move || {
        chosen()
            .into_iter()
            .map(|picked| {
                let label = app.records.with_untracked(|records| link_label(records, &picked));
                let remove_label = format!("Remove {label}");
                view! {
                    <li class="chip" data-testid="chip">
                        <span>{label}</span>
                        <button type="button" class="chip-remove" aria-label=remove_label on:click=move |_| remove(picked)>"×"</button>
                    </li>
                }
            })
            .collect_view()
    };
    let option_id = move |n: usize| format!("{}-{n}", field.id);
    view! {
        <div class="picker" class:open=move || open.get()>
            <ul class="chips" aria-live="polite">{chips}</ul>
            <input id=id.clone() data-testid=id type="text" role="combobox" autocomplete="off"
                aria-autocomplete="list" aria-controls=list_id.clone()
                aria-expanded=move || open.get().to_string()
                aria-activedescendant=move || (open.get() && options.with(|o| !o.is_empty())).then(|| option_id(active.get()))
                aria-invalid=move || invalid.get().to_string() aria-describedby=error_id
                placeholder=placeholder
                prop:value=query
                on:input=move |ev| { query.set(event_target_value(&ev)); active.set(0); open.set(true); }
                on:focus=move |_| open.set(true)
                on:blur=move |_| open.set(false)
                on:keydown=on_key/>
            <ul id=list_id class="options" role="listbox" hidden=move || !open.get()>
                {move || {
                    let items = options.get();
                    if items.is_empty() {
                        return view! { <li class="option muted" role="presentation">"No matching records"</li> }.into_any();
                    }
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(n, (record, label))| {
                            view! {
                                <li id=option_id(n) class="option" role="option" data-testid="option"
                                    aria-selected=move || (active.get() == n).to_string()
                                    on:mousedown=move |ev: leptos::ev::MouseEvent| { ev.prevent_default(); choose(record); }>
                                    {label}
                                </li>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </ul>
        </div>
    }
}
