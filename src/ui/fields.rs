//! Field inputs and value displays, chosen by field type: the pieces every generic page uses.

use leptos::prelude::*;

use super::format;
use crate::domain::command::FormInput;
use crate::domain::kind::{FieldDecl, FieldType, KindDecl};
use crate::domain::lifecycle::state_of;
use crate::domain::priority::Priority;
use crate::domain::record::Record;
use crate::domain::value::Value;

/// What a form input shows for a stored value.
pub fn input_text(value: Option<&Value>) -> String {
    match value {
        None => String::new(),
        Some(Value::Instant(at)) => format::local_input(*at),
        Some(Value::Date(day)) => day.format("%Y-%m-%d").to_string(),
        Some(other) => other.display(),
    }
}

/// The form input for every form field of a record (empty for a new one).
pub fn form_input(kind: &KindDecl, record: Option<&Record>) -> FormInput {
    kind.form_fields().map(|field| (field.id.to_string(), input_text(record.and_then(|r| r.value(field.id))))).collect()
}

/// A field's value as the reader sees it: choice labels, local times; "" when empty.
pub fn shown(kind: &KindDecl, record: &Record, field: &str) -> String {
    match record.value(field) {
        Some(Value::Instant(at)) => format::local_time(*at),
        Some(value) => kind.display_value(field, value),
        None => String::new(),
    }
}

#[component]
pub fn StateBadge(kind: &'static KindDecl, state: String) -> impl IntoView {
    let decl = kind.lifecycle.state(&state);
    let class = format!("badge {}", decl.map(|s| s.tone.css_class()).unwrap_or("tone-open"));
    let label = decl.map(|s| s.label.to_string()).unwrap_or(state);
    view! { <span class=class>{label}</span> }
}

#[component]
pub fn PriorityBadge(priority: Option<Priority>) -> impl IntoView {
    match priority {
        Some(p) => {
            let class = format!("badge priority-{}", p.id().to_lowercase());
            view! { <span class=class title="Priority from impact × urgency">{p.id()}</span> }.into_any()
        }
        None => view! { <span class="muted">"–"</span> }.into_any(),
    }
}

/// The current state of a record, as a badge.
pub fn state_badge(kind: &'static KindDecl, record: &Record) -> impl IntoView {
    let state = state_of(kind, record).to_string();
    view! { <StateBadge kind state/> }
}

/// One labelled input bound to `input[field.id]`, with its error message beside it.
#[component]
pub fn FieldInput(
    field: &'static FieldDecl,
    input: RwSignal<FormInput>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let id = format!("field-{}", field.id);
    let error_id = format!("error-{}", field.id);
    let value = move || input.with(|i| i.get(field.id).cloned().unwrap_or_default());
    let set = move |text: String| {
        input.update(|i| {
            i.insert(field.id.to_string(), text);
        })
    };
    let invalid = move || error.get().is_some().to_string();
    let required = required || field.required;
    let control = match field.ty {
        FieldType::LongText { max_chars } => view! {
            <textarea id=id.clone() data-testid=id.clone() rows="5" maxlength=max_chars.to_string()
                prop:value=value on:input=move |ev| set(event_target_value(&ev))
                aria-invalid=invalid aria-describedby=error_id.clone()></textarea>
        }
        .into_any(),
        FieldType::Choice(choices) => view! {
            <select id=id.clone() data-testid=id.clone() prop:value=value on:change=move |ev| set(event_target_value(&ev))
                aria-invalid=invalid aria-describedby=error_id.clone()>
                <option value="">"Choose…"</option>
                {choices.iter().map(|c| view! { <option value=c.value>{c.label}</option> }).collect_view()}
            </select>
        }
        .into_any(),
        ty => {
            let (kind, max) = match ty {
                FieldType::Text { max_chars } => ("text", Some(max_chars)),
                FieldType::Person => ("text", Some(crate::domain::ids::Member::MAX_CHARS)),
                FieldType::Number { .. } => ("number", None),
                FieldType::Instant => ("datetime-local", None),
                FieldType::Date => ("date", None),
                _ => ("text", None),
            };
            view! {
                <input id=id.clone() data-testid=id.clone() type=kind maxlength=max.map(|m| m.to_string())
                    prop:value=value on:input=move |ev| set(event_target_value(&ev))
                    aria-invalid=invalid aria-describedby=error_id.clone()/>
            }
            .into_any()
        }
    };
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id.clone()>{field.label}{required.then_some(view! { <span class="required" aria-label="required">" *"</span> })}</label>
            {control}
            {(!field.help.is_empty()).then(|| view! { <p class="help">{field.help}</p> })}
            <p class="field-error" id=error_id.clone() data-testid=error_id.clone() role="alert">{move || error.get()}</p>
        </div>
    }
}
