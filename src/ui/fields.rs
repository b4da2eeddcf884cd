//! Field inputs and value displays, chosen by field type: the pieces every generic page uses.

use leptos::prelude::*;

use super::format;
use super::link_picker::LinkPicker;
use super::routes;
use super::state::use_app;
use crate::domain::catalogue;
use crate::domain::command::{self, format_percent, join_links, FormInput};
use crate::domain::ids::RecordId;
use crate::domain::kind::{FieldDecl, FieldType, KindDecl};
use crate::domain::lifecycle::state_of;
use crate::domain::links::linked;
use crate::domain::priority::Priority;
use crate::domain::record::{Record, Records};
use crate::domain::reference;
use crate::domain::value::Value;

/// What a form input shows for a stored value.
pub fn input_text(field: &FieldDecl, record: Option<&Record>) -> String {
    let Some(record) = record else { return String::new() };
    if field.is_set() {
        return join_links(&linked(record, field.id));
    }
    match (record.value(field.id), field.ty) {
        // A value of a type this release does not know stays as it is unless replaced.
        (None | Some(Value::Unknown(_) | Value::Redacted(_)), _) => String::new(),
        (Some(Value::Instant(at)), _) => format::local_input(*at),
        (Some(Value::Date(day)), _) => day.to_string(),
        (Some(Value::Flag(yes)), _) => if *yes { "yes" } else { "no" }.to_string(),
        (Some(Value::Number(n)), FieldType::Percent) => format!("{}.{:02}", n / 100, n % 100),
        (Some(other), _) => other.display(),
    }
}

/// The form input for every form field of a record (empty for a new one).
pub fn form_input(kind: &KindDecl, record: Option<&Record>) -> FormInput {
    command::form_input_of(kind.form_fields().map(|field| (field.id.to_string(), input_text(field, record))))
}

/// How a linked record is named: its reference and title.
pub fn link_label(records: &Records, id: &RecordId) -> String {
    match records.get(id) {
        Some(record) => match catalogue::kind(&record.kind) {
            Some(kind) => format!(
                "{} {}",
                reference::format(kind, reference::number_of(record).unwrap_or(0)),
                record.text(kind.title_field)
            ),
            None => record.id.to_string(),
        },
        None => "(a record not held here)".to_string(),
    }
}

/// A linked record's title, or its reference when it has none.
fn link_title(records: &Records, id: &RecordId) -> String {
    match records.get(id).and_then(|r| catalogue::kind(&r.kind).map(|k| (r, k))) {
        Some((record, kind)) => match record.text(kind.title_field) {
            "" => reference::format(kind, reference::number_of(record).unwrap_or(0)),
            title => title.to_string(),
        },
        None => "(not held here)".to_string(),
    }
}

/// A field's value as the reader sees it: choice labels, local times, linked records' titles;
/// "" when empty.
pub fn shown(kind: &KindDecl, record: &Record, field: &str, records: &Records) -> String {
    let decl = kind.field(field);
    if decl.is_some_and(|d| d.target().is_some()) {
        return linked(record, field).iter().map(|id| link_title(records, id)).collect::<Vec<_>>().join(", ");
    }
    match (record.value(field), decl.map(|d| d.ty)) {
        (Some(Value::Instant(at)), _) => format::local_time(*at),
        (Some(Value::Number(n)), Some(FieldType::Percent)) => format_percent(*n),
        (Some(value), _) => kind.display_value(field, value),
        (None, Some(FieldType::Flag)) => "No".to_string(),
        (None, _) => String::new(),
    }
}

/// The records a link field points at, each as a link to its page.
#[component]
pub fn LinkedRecords(ids: Vec<RecordId>) -> impl IntoView {
    let app = use_app();
    let items = ids
        .into_iter()
        .map(|id| {
            let (href, label) = app.records.with_untracked(|records| {
                let href = records.get(&id).and_then(|r| catalogue::kind(&r.kind)).map(|k| routes::record(k, id));
                (href, link_label(records, &id))
            });
            match href {
                Some(href) => view! { <li><a href=href>{label}</a></li> }.into_any(),
                None => view! { <li class="muted">{label}</li> }.into_any(),
            }
        })
        .collect_view();
    view! { <ul class="link-list">{items}</ul> }
}

/// How a state badge looks: its class and label (an unknown state shows its id).
pub fn state_look(kind: &KindDecl, state: &str) -> (String, String) {
    let decl = kind.lifecycle.state(state);
    let class = format!("badge {}", decl.map(|s| s.tone.css_class()).unwrap_or("tone-open"));
    let label = decl.map(|s| s.label.to_string()).unwrap_or_else(|| state.to_string());
    (class, label)
}

/// How a priority badge looks: its class, text and tooltip (a dash when there is none).
pub fn priority_look(priority: Option<Priority>) -> (String, &'static str, Option<&'static str>) {
    match priority {
        Some(p) => {
            (format!("badge priority-{}", p.id().to_ascii_lowercase()), p.id(), Some("Priority from impact × urgency"))
        }
        None => ("muted".to_string(), "–", None),
    }
}

#[component]
pub fn StateBadge(kind: &'static KindDecl, state: String) -> impl IntoView {
    let (class, label) = state_look(kind, &state);
    view! { <span class=class>{label}</span> }
}

#[component]
pub fn PriorityBadge(priority: Option<Priority>) -> impl IntoView {
    let (class, text, title) = priority_look(priority);
    view! { <span class=class title=title>{text}</span> }
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
        FieldType::Flag => view! {
            <label class="check">
                <input id=id.clone() data-testid=id.clone() type="checkbox"
                    prop:checked=move || value() == "yes" on:change=move |ev| set(if event_target_checked(&ev) { "yes".into() } else { "no".into() })
                    aria-describedby=error_id.clone()/>
                " "{field.label}
            </label>
        }
        .into_any(),
        FieldType::Link(target) | FieldType::Links(target) => {
            view! { <LinkPicker field target input invalid=Signal::derive(move || error.get().is_some()) error_id=error_id.clone()/> }.into_any()
        }
        ty => {
            let (kind, max) = match ty {
                FieldType::Text { max_chars } => ("text", Some(max_chars)),
                FieldType::Person => ("text", Some(crate::domain::ids::Member::MAX_CHARS)),
                FieldType::Number { .. } => ("number", None),
                FieldType::Percent => ("text", Some(8)),
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
    let is_flag = field.ty == FieldType::Flag;
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            {(!is_flag).then(|| view! {
                <label for=id.clone()>{field.label}{required.then_some(view! { <span class="required" aria-label="required">" *"</span> })}</label>
            })}
            {control}
            {(!field.help.is_empty()).then(|| view! { <p class="help">{field.help}</p> })}
            <p class="field-error" id=error_id.clone() data-testid=error_id.clone() role="alert">{move || error.get()}</p>
        </div>
    }
}
