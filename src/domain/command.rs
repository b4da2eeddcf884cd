//! Commands: what a user asks for (create, edit, move through the lifecycle, add a note),
//! checked against the kind's declaration and turned into a [`Draft`] change set.
//!
//! Every rule is enforced here, not by which buttons the UI shows: a refused command yields
//! an error naming the field, and no draft, so nothing is saved.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::catalogue::{self, settings_id};
use super::edit::Op;
use super::edit::{Draft, Edit};
use super::ids::{ChangeSetId, Member, RecordId};
use super::kind::{FieldDecl, FieldType, KindDecl, Target};
use super::lifecycle::{state_of, Guard, GuardView, Transition, TransitionError, STATE_FIELD};
use super::name::Name;
use super::priority::{Level, Priority, PriorityMatrix};
use super::record::{Record, Records};
use super::reference::REF_FIELD;
use super::review;
use super::value::Value;

/// What the user typed: field id to raw text.
pub type FormInput = BTreeMap<String, String>;

/// A [`FormInput`] of these pairs; a later pair replaces an earlier one of the same field, as
/// with `collect()`. Inserted one by one: `collect()` into a `BTreeMap` compiles a sort for
/// every iterator type it is called with (see `domain::sort`).
pub fn form_input_of(pairs: impl IntoIterator<Item = (String, String)>) -> FormInput {
    let mut input = FormInput::new();
    for (field, text) in pairs {
        input.insert(field, text);
    }
    input
}

/// A field's value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{label}: {message}")]
pub struct FieldError {
    pub field: String,
    pub label: String,
    pub message: String,
}

/// A command was refused; nothing is to be saved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("Please correct the highlighted fields.")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Transition(#[from] TransitionError),
}

impl CommandError {
    /// The message for one field, if that field was refused.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        match self {
            CommandError::Invalid(errors) => {
                errors.iter().find(|error| error.field == field).map(|error| error.message.as_str())
            }
            CommandError::Transition(_) => None,
        }
    }
}

/// Who acts, when, and the id of the change set the action makes.
#[derive(Clone, Debug)]
pub struct Actor {
    pub member: Member,
    pub at: DateTime<Utc>,
    pub change_set: ChangeSetId,
}

impl Actor {
    fn draft(&self, kind: &str, record: RecordId, edits: Vec<Edit>) -> Draft {
        Draft { id: self.change_set, record, kind: Name::new(kind), member: self.member.clone(), at: self.at, edits }
    }
}

/// What commands look up beyond the record they change: links must point at records that
/// exist, and guards may read the records a record links to.
pub trait Lookup {
    fn record(&self, id: &RecordId) -> Option<&Record>;
}

impl Lookup for Records {
    fn record(&self, id: &RecordId) -> Option<&Record> {
        self.get(id)
    }
}

impl Lookup for BTreeMap<RecordId, Record> {
    fn record(&self, id: &RecordId) -> Option<&Record> {
        self.get(id)
    }
}

/// The context of a command: the user's time zone and the records held here.
pub struct Context<'a, Tz: TimeZone> {
    pub tz: &'a Tz,
    pub records: &'a dyn Lookup,
}

impl<'a, Tz: TimeZone> Context<'a, Tz> {
    pub fn new(tz: &'a Tz, records: &'a dyn Lookup) -> Self {
        Context { tz, records }
    }
}

/// A parsed form field: one value (or none), or the members of a set of links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    One(Option<Value>),
    Many(Vec<RecordId>),
}

/// How a form sends several links in one input: record ids separated by spaces.
pub fn join_links<'a>(ids: impl IntoIterator<Item = &'a RecordId>) -> String {
    ids.into_iter().map(|id| id.to_string()).collect::<Vec<_>>().join(" ")
}

/// Parses what was typed into a field. Empty input is no value.
pub fn parse_value<Tz: TimeZone>(field: &FieldDecl, raw: &str, ctx: &Context<'_, Tz>) -> Result<Parsed, String> {
    let text = raw.trim();
    if let FieldType::Links(target) = field.ty {
        let mut ids: Vec<RecordId> = Vec::new();
        for part in text.split(|c: char| c.is_whitespace() || c == ',').filter(|part| !part.is_empty()) {
            let id = check_link(&target, part, ctx)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        return Ok(Parsed::Many(ids));
    }
    if text.is_empty() {
        return Ok(Parsed::One(None));
    }
    let within = |max: usize| {
        let count = text.chars().count();
        if count > max {
            Err(format!("At most {max} characters (this has {count})."))
        } else {
            Ok(Value::Text(text.into()))
        }
    };
    let value = match field.ty {
        FieldType::Text { max_chars } => {
            if text.contains('\n') {
                return Err("One line only.".into());
            }
            within(max_chars)?
        }
        FieldType::LongText { max_chars } => within(max_chars)?,
        FieldType::Person => within(Member::MAX_CHARS)?,
        FieldType::Choice(choices) => match choices.iter().find(|choice| choice.value == text) {
            Some(choice) => Value::Text(choice.value.into()),
            None => {
                let labels: Vec<&str> = choices.iter().map(|choice| choice.label).collect();
                return Err(format!("Choose one of: {}.", labels.join(", ")));
            }
        },
        FieldType::Number { min, max } => match text.replace(['_', ' '], "").parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Value::Number(n),
            Ok(_) => return Err(format!("Enter a number from {min} to {max}.")),
            Err(_) => return Err("Enter a whole number, such as 42.".into()),
        },
        FieldType::Percent => Value::Number(parse_percent(text)?),
        FieldType::Flag => match text.to_ascii_lowercase().as_str() {
            "yes" | "true" | "on" | "1" => Value::Flag(true),
            "no" | "false" | "off" | "0" => Value::Flag(false),
            _ => return Err("Yes or no.".into()),
        },
        FieldType::Instant => {
            let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
                .map_err(|_| "Enter a date and time, such as 2026-11-25 14:30.".to_string())?;
            let instant = ctx
                .tz
                .from_local_datetime(&local)
                .earliest()
                .ok_or_else(|| "That time does not exist in your time zone (a clock change).".to_string())?;
            Value::Instant(instant.with_timezone(&Utc))
        }
        FieldType::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| "Enter a date, such as 2026-11-25.".to_string())?,
        FieldType::Link(target) => Value::Link(check_link(&target, text, ctx)?),
        FieldType::Log => return Err("Add entries to this field one at a time.".into()),
        // Sets of links were parsed above.
        FieldType::Links(_) => return Ok(Parsed::Many(Vec::new())),
    };
    Ok(Parsed::One(Some(value)))
}

/// A percentage such as `99.95` or `99,9 %`, in hundredths.
fn parse_percent(text: &str) -> Result<i64, String> {
    const MESSAGE: &str = "Enter a percentage from 0 to 100, such as 99.9.";
    let text = text.trim_end_matches('%').trim().replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) || fraction.len() > 2 || whole.len() > 3 {
        return Err(MESSAGE.into());
    }
    let whole: i64 = whole.parse().map_err(|_| MESSAGE.to_string())?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| MESSAGE.to_string())?;
    let hundredths = whole * 100 + fraction;
    if hundredths > 10_000 {
        return Err(MESSAGE.into());
    }
    Ok(hundredths)
}

/// A percentage in hundredths, as a person writes it (`99.95 %`, `100 %`).
pub fn format_percent(hundredths: i64) -> String {
    let (whole, fraction) = (hundredths / 100, hundredths % 100);
    match fraction {
        0 => format!("{whole} %"),
        f if f % 10 == 0 => format!("{whole}.{} %", f / 10),
        f => format!("{whole}.{f:02} %"),
    }
}

/// A link must name a record held here, of a kind the field allows.
fn check_link<Tz: TimeZone>(target: &Target, raw: &str, ctx: &Context<'_, Tz>) -> Result<RecordId, String> {
    let id = RecordId::parse(raw).ok_or_else(|| format!("`{raw}` does not name a record."))?;
    let record = ctx.records.record(&id).ok_or_else(|| "That record does not exist here.".to_string())?;
    if target.kinds.contains(&record.kind.as_str()) {
        Ok(id)
    } else {
        let wanted: Vec<&str> =
            target.kinds.iter().filter_map(|id| catalogue::kind(id)).map(|kind| kind.label).collect();
        Err(format!("Choose a {}.", wanted.join(" or ").to_lowercase()))
    }
}

/// The form's values, or every field error at once. `this` is the record being edited.
fn validate_form<Tz: TimeZone>(
    kind: &KindDecl,
    input: &FormInput,
    ctx: &Context<'_, Tz>,
    this: RecordId,
) -> Result<Vec<(&'static FieldDecl, Parsed)>, CommandError> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for field in kind.form_fields() {
        let raw = input.get(field.id).map(String::as_str).unwrap_or("");
        match parse_value(field, raw, ctx) {
            Ok(parsed) if field.required && parsed.is_empty() => errors.push(field_error(field, "Required.")),
            Ok(parsed) if parsed.links_to(this) => errors.push(field_error(field, "A record cannot link to itself.")),
            Ok(parsed) => values.push((field, parsed)),
            Err(message) => errors.push(field_error(field, &message)),
        }
    }
    let value_of = |id: &str| {
        values.iter().find(|(field, _)| field.id == id).and_then(|(_, parsed)| match parsed {
            Parsed::One(value) => value.clone(),
            Parsed::Many(_) => None,
        })
    };
    errors.extend(order_errors(kind, value_of));
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(CommandError::Invalid(errors))
    }
}

impl Parsed {
    /// No value, or no links.
    fn is_empty(&self) -> bool {
        match self {
            Parsed::One(value) => value.is_none(),
            Parsed::Many(ids) => ids.is_empty(),
        }
    }

    fn links_to(&self, this: RecordId) -> bool {
        match self {
            Parsed::One(Some(Value::Link(id))) => *id == this,
            Parsed::Many(ids) => ids.contains(&this),
            Parsed::One(_) => false,
        }
    }
}

/// Errors for date pairs in the wrong order (an end before its start).
pub(crate) fn order_errors(kind: &KindDecl, value_of: impl Fn(&str) -> Option<Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (start, end) in kind.ordered {
        let (Some(first), Some(second)) = (value_of(start), value_of(end)) else { continue };
        let same_type = std::mem::discriminant(&first) == std::mem::discriminant(&second);
        if same_type && second < first {
            if let Some(field) = kind.field(end) {
                let message = format!("Must not be before {}.", kind.field_label(start).to_lowercase());
                errors.push(field_error(field, &message));
            }
        }
    }
    errors
}

fn field_error(field: &FieldDecl, message: &str) -> FieldError {
    FieldError { field: field.id.to_string(), label: field.label.to_string(), message: message.to_string() }
}

/// The edits that set a field to what the form holds, given the record's current state.
/// `None` record: a new record. A field in conflict is saved even unchanged: saving it is the
/// user's resolution.
fn edits_for(field: &FieldDecl, parsed: Parsed, record: Option<&Record>) -> Vec<Edit> {
    match parsed {
        Parsed::One(value) => {
            let current = record.and_then(|r| r.value(field.id));
            let heads = record.map(|r| r.head_stamps(field.id)).unwrap_or_default();
            // A value of a type this release does not know, or a redacted one, shows as an
            // empty input: left empty, it is kept, not cleared.
            let unknown_kept = value.is_none() && current.is_some_and(Value::is_kept_as_is);
            if current == value.as_ref() && heads.len() <= 1 || (record.is_none() && value.is_none()) || unknown_kept {
                Vec::new()
            } else {
                vec![Edit::set(field.id, value, heads)]
            }
        }
        Parsed::Many(wanted) => {
            let state = record.and_then(|r| r.field(field.id));
            let have: Vec<RecordId> =
                state.map(|s| s.members().into_iter().filter_map(Value::as_link).collect()).unwrap_or_default();
            let mut edits: Vec<Edit> = have
                .iter()
                .filter(|id| !wanted.contains(id))
                .map(|id| {
                    let value = Value::Link(*id);
                    let replaces = state.map(|s| s.add_stamps(&value)).unwrap_or_default();
                    Edit { field: Name::new(field.id), op: Op::Remove(value), replaces }
                })
                .collect();
            edits.extend(wanted.iter().filter(|id| !have.contains(id)).map(|id| Edit {
                field: Name::new(field.id),
                op: Op::Add(Value::Link(*id)),
                replaces: vec![],
            }));
            edits
        }
    }
}

/// Creates a record of `kind` from a form: its reference number, initial state and fields.
pub fn create<Tz: TimeZone>(
    kind: &KindDecl,
    input: &FormInput,
    ctx: &Context<'_, Tz>,
    actor: &Actor,
    record: RecordId,
    number: i64,
) -> Result<Draft, CommandError> {
    let values = validate_form(kind, input, ctx, record)?;
    let mut edits = vec![
        Edit::set(REF_FIELD, Some(Value::Number(number)), vec![]),
        Edit::set(STATE_FIELD, Some(Value::Text(kind.lifecycle.initial.into())), vec![]),
    ];
    for (field, parsed) in values {
        edits.extend(edits_for(field, parsed, None));
    }
    Ok(actor.draft(kind.id, record, edits))
}

/// Saves an edited form: edits for the changed fields only. `Ok(None)` when nothing changed.
pub fn update<Tz: TimeZone>(
    kind: &KindDecl,
    record: &Record,
    input: &FormInput,
    ctx: &Context<'_, Tz>,
    actor: &Actor,
) -> Result<Option<Draft>, CommandError> {
    let values = validate_form(kind, input, ctx, record.id)?;
    state_rule_errors(kind, record, &values, ctx.records)?;
    let edits: Vec<Edit> =
        values.into_iter().flat_map(|(field, parsed)| edits_for(field, parsed, Some(record))).collect();
    Ok((!edits.is_empty()).then(|| actor.draft(kind.id, record.id, edits)))
}

/// Refuses an edit that would leave the record breaking the rule of its current state (a
/// resolved incident without a resolution, an implementing change made a normal change without
/// approval), so only merges, never the form, make a record that needs review. The error goes
/// on each edited field that alone breaks the rule, else on every edited field.
fn state_rule_errors(
    kind: &KindDecl,
    record: &Record,
    values: &[(&'static FieldDecl, Parsed)],
    records: &dyn Lookup,
) -> Result<(), CommandError> {
    let state = state_of(kind, record);
    let view = |pending: &BTreeMap<&'static str, Option<Value>>| {
        review::state_rule_unmet(kind, state, &Prospect { record, pending, records })
    };
    let none = BTreeMap::new();
    if view(&none).is_some() {
        return Ok(()); // already flagged (by a merge): the form may help to settle it
    }
    let edited: BTreeMap<&'static str, Option<Value>> = values
        .iter()
        .filter_map(|(field, parsed)| match parsed {
            Parsed::One(value) if record.value(field.id) != value.as_ref() => Some((field.id, value.clone())),
            _ => None,
        })
        .collect();
    let Some(unmet) = view(&edited) else { return Ok(()) };
    let alone: Vec<&'static str> = edited
        .iter()
        .filter(|(id, value)| view(&BTreeMap::from([(**id, (*value).clone())])).is_some())
        .map(|(id, _)| *id)
        .collect();
    let blamed = if alone.is_empty() { edited.keys().copied().collect() } else { alone };
    let state_label = kind.lifecycle.state(state).map(|s| s.label).unwrap_or(state);
    let why: Vec<&str> = unmet.iter().map(|e| e.message.trim_end_matches('.')).collect();
    let message = format!("{} (this {} is {}).", why.join("; "), kind.label.to_lowercase(), state_label);
    let errors = blamed
        .into_iter()
        .filter_map(|id| kind.field(id))
        .map(|field| FieldError {
            field: field.id.to_string(),
            label: field.label.to_string(),
            message: message.clone(),
        })
        .collect();
    Err(CommandError::Invalid(errors))
}

/// A record as a transition would leave it (its values with `pending` on top): what guards
/// look at. With nothing pending, the record as it is.
pub(crate) struct Prospect<'a> {
    pub(crate) record: &'a Record,
    pub(crate) pending: &'a BTreeMap<&'static str, Option<Value>>,
    pub(crate) records: &'a dyn Lookup,
}

impl GuardView for Prospect<'_> {
    fn value(&self, field: &str) -> Option<&Value> {
        match self.pending.get(field) {
            Some(value) => value.as_ref(),
            None => self.record.value(field),
        }
    }

    fn linked_value(&self, link: &str, field: &str) -> Option<&Value> {
        let id = self.value(link)?.as_link()?;
        self.records.record(&id)?.value(field)
    }
}

/// The fields a transition's panel asks for: its required fields, then the fields a failing
/// guard needs (the person who authorised an emergency change, a root cause or workaround).
pub fn asks(kind: &KindDecl, record: &Record, step: &Transition, records: &dyn Lookup) -> Vec<&'static FieldDecl> {
    let pending = BTreeMap::new();
    let view = Prospect { record, pending: &pending, records };
    let mut ids: Vec<&str> = step.requires.to_vec();
    for guard in step.guards {
        if let Err(failure) = guard.check(&view) {
            collect_fixable(guard, &view, &mut ids);
            if !ids.contains(&failure.field)
                && kind.field(failure.field).is_some_and(|f| !matches!(f.ty, FieldType::Choice(_)))
            {
                ids.push(failure.field);
            }
        }
    }
    let mut fields = Vec::new();
    for id in ids {
        if let Some(field) = kind.field(id) {
            if !fields.iter().any(|f: &&FieldDecl| f.id == field.id) {
                fields.push(field);
            }
        }
    }
    fields
}

/// The fields a user can fill to make `guard` hold (those of an applicable `AnyOf`).
fn collect_fixable(guard: &Guard, view: &dyn GuardView, out: &mut Vec<&'static str>) {
    match guard {
        Guard::AnyOf { fields, .. } => out.extend(fields.iter().copied()),
        Guard::When { then, .. } | Guard::WhenLinked { then, .. } => {
            if guard.check(view).is_err() {
                collect_fixable(then, view, out)
            }
        }
        Guard::OneOf { .. } => {}
    }
}

/// What keeps `step` from leaving a record as `view` shows it: a required field without a
/// value, a field not holding the value the transition sets, a guard that fails. The one check
/// of a transition's conditions: a transition runs it on the record as the move would leave
/// it; the review of merged records (`domain::review`) on the record as it is.
pub fn unmet_conditions(kind: &KindDecl, step: &Transition, view: &dyn GuardView) -> Vec<FieldError> {
    let error = |field: &str, message: String| FieldError {
        field: field.to_string(),
        label: kind.field_label(field).to_string(),
        message,
    };
    let mut errors = Vec::new();
    for field in step.requires {
        if view.value(field).is_none() {
            errors.push(error(field, format!("Needed to {}.", step.action.to_lowercase())));
        }
    }
    for (field, value) in step.sets {
        if view.value(field).and_then(Value::as_text) != Some(*value) {
            let label = kind.field(field).map(|f| f.ty.choice_label(value)).unwrap_or(value);
            errors.push(error(field, format!("{} sets it to {label}.", step.action)));
        }
    }
    for guard in step.guards {
        if let Err(failure) = guard.check(view) {
            errors.push(error(failure.field, failure.message.to_string()));
        }
    }
    errors
}

/// Moves a record through its lifecycle, with the fields the transition needs.
pub fn transition<Tz: TimeZone>(
    kind: &KindDecl,
    record: &Record,
    to: &str,
    input: &FormInput,
    ctx: &Context<'_, Tz>,
    actor: &Actor,
) -> Result<Draft, CommandError> {
    let from = state_of(kind, record);
    let step = kind.lifecycle.transition(from, to)?;
    let mut pending: BTreeMap<&'static str, Option<Value>> = BTreeMap::new();
    for (field, value) in step.sets {
        pending.insert(field, Some(Value::Text((*value).into())));
    }
    let mut errors = Vec::new();
    for field in asks(kind, record, step, ctx.records) {
        let raw = input.get(field.id).map(String::as_str).unwrap_or("");
        match parse_value(field, raw, ctx) {
            Ok(Parsed::One(Some(value))) => {
                pending.insert(field.id, Some(value));
            }
            Ok(_) => {}
            Err(message) => errors.push(field_error(field, &message)),
        }
    }
    if errors.is_empty() {
        let view = Prospect { record, pending: &pending, records: ctx.records };
        errors.extend(unmet_conditions(kind, step, &view));
        errors.extend(order_errors(kind, |id| view.value(id).cloned()));
    }
    if !errors.is_empty() {
        return Err(CommandError::Invalid(errors));
    }
    let mut edits = vec![Edit::set(STATE_FIELD, Some(Value::Text(to.into())), record.head_stamps(STATE_FIELD))];
    for (field, value) in pending {
        if record.value(field) != value.as_ref() {
            edits.push(Edit::set(field, value, record.head_stamps(field)));
        }
    }
    Ok(actor.draft(kind.id, record.id, edits))
}

/// Links `record` to `to` through its link field `field` (used when raising a record whose
/// link is stored on this side).
pub fn link(kind: &KindDecl, record: &Record, field: &str, to: RecordId, actor: &Actor) -> Result<Draft, CommandError> {
    let decl = kind.field(field).filter(|decl| decl.target().is_some());
    let Some(decl) = decl else {
        let error = FieldError { field: field.to_string(), label: field.to_string(), message: "Not a link.".into() };
        return Err(CommandError::Invalid(vec![error]));
    };
    let edit = if decl.is_set() {
        Edit { field: Name::new(field), op: Op::Add(Value::Link(to)), replaces: vec![] }
    } else {
        Edit::set(field, Some(Value::Link(to)), record.head_stamps(field))
    };
    Ok(actor.draft(kind.id, record.id, vec![edit]))
}

/// Settles a conflict: sets `field` to the value of one of its heads (`keep`, by stamp),
/// replacing every head. The choice is itself a new edit, so it travels to teammates.
pub fn resolve_conflict(
    kind: &KindDecl,
    record: &Record,
    field: &str,
    keep: crate::domain::clock::Stamp,
    actor: &Actor,
) -> Result<Draft, CommandError> {
    let heads = record.field(field).map(|f| f.heads().to_vec()).unwrap_or_default();
    let Some(chosen) = heads.iter().find(|h| h.stamp == keep) else {
        let label = kind.field_label(field).to_string();
        let message = "That value is no longer one of the field's values.".to_string();
        return Err(CommandError::Invalid(vec![FieldError { field: field.to_string(), label, message }]));
    };
    let replaces = heads.iter().map(|h| h.stamp).collect();
    // A redacted value cannot be set again: keeping it clears the field.
    let value = chosen.value.clone().filter(|value| !value.is_redacted());
    Ok(actor.draft(kind.id, record.id, vec![Edit::set(field, value, replaces)]))
}

/// Redacts an edit (privacy, retention under 7.5.3): a change set whose one edit removes the
/// value of edit `index` of `target` (a change set of this record). Only a text, long text or
/// note value that is not redacted yet can be redacted. The target keeps its id, stamp, field
/// and what it replaced, so history and merges still hold; wherever the change sets travel,
/// its value is gone.
pub fn redact(
    kind: &KindDecl,
    target: &crate::domain::edit::ChangeSet,
    index: u16,
    actor: &Actor,
) -> Result<Draft, CommandError> {
    let refuse = |field: &str, message: &str| {
        let label = kind.field_label(field).to_string();
        Err(CommandError::Invalid(vec![FieldError { field: field.to_string(), label, message: message.to_string() }]))
    };
    let Some(edit) = target.edits.get(index as usize) else {
        return refuse("", "That edit is not part of this record's history.");
    };
    if target.kind != kind.id {
        return refuse(&edit.field, "That edit is not part of this record's history.");
    }
    let text_field = kind
        .field(&edit.field)
        .is_some_and(|decl| matches!(decl.ty, FieldType::Text { .. } | FieldType::LongText { .. } | FieldType::Log));
    match &edit.op {
        _ if !text_field => refuse(&edit.field, "Only text and notes can be redacted."),
        Op::Set(Some(Value::Text(_))) | Op::Append(_) => {
            let target_ref = crate::domain::edit::EditRef { index, stamp: target.stamp };
            let redaction = Edit { field: edit.field.clone(), op: Op::Redact(target_ref), replaces: vec![] };
            Ok(actor.draft(kind.id, target.record, vec![redaction]))
        }
        Op::Set(Some(Value::Redacted(_))) | Op::RedactedNote(_) => {
            refuse(&edit.field, "That value is already redacted.")
        }
        _ => refuse(&edit.field, "Only text and notes can be redacted."),
    }
}

/// Appends an entry (a work note) to a log field.
pub fn append(kind: &KindDecl, record: &Record, field: &str, text: &str, actor: &Actor) -> Result<Draft, CommandError> {
    const MAX_CHARS: usize = 20_000;
    let decl = kind.field(field).filter(|decl| decl.ty == FieldType::Log);
    let Some(decl) = decl else {
        let error = FieldError { field: field.to_string(), label: field.to_string(), message: "Not a log.".into() };
        return Err(CommandError::Invalid(vec![error]));
    };
    let text = text.trim();
    let problem = if text.is_empty() {
        Some("Write the note first.".to_string())
    } else if text.chars().count() > MAX_CHARS {
        Some(format!("At most {MAX_CHARS} characters."))
    } else {
        None
    };
    if let Some(message) = problem {
        return Err(CommandError::Invalid(vec![field_error(decl, &message)]));
    }
    Ok(actor.draft(kind.id, record.id, vec![Edit::append(field, text.to_string())]))
}

/// Sets one cell of the shared priority matrix. `None` when the cell already holds `priority`.
pub fn set_priority_cell(
    settings: Option<&Record>,
    impact: Level,
    urgency: Level,
    priority: Priority,
    actor: &Actor,
) -> Option<Draft> {
    let field = PriorityMatrix::field_id(impact, urgency);
    if PriorityMatrix::from_settings(settings).get(impact, urgency) == priority
        && settings.is_none_or(|s| s.head_stamps(&field).len() <= 1)
    {
        return None;
    }
    let replaces = settings.map(|s| s.head_stamps(&field)).unwrap_or_default();
    let edit = Edit::set(&field, Some(Value::Text(priority.id().into())), replaces);
    Some(actor.draft(catalogue::SETTINGS.id, settings_id(), vec![edit]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::{
        CHANGE, CONFIGURATION_ITEM, INCIDENT, PROBLEM, REQUEST_TYPE, SERVICE, SERVICE_REQUEST,
    };
    use crate::domain::clock::Stamp;
    use crate::domain::ids::ReplicaId;
    use chrono::FixedOffset;

    fn actor(n: u8) -> Actor {
        Actor {
            member: Member::new("Ada").unwrap(),
            at: DateTime::<Utc>::UNIX_EPOCH,
            change_set: ChangeSetId::new(n as u64, [n; 10]),
        }
    }

    fn seal(draft: Draft, wall_ms: u64) -> crate::domain::edit::ChangeSet {
        draft.stamp(Stamp { wall_ms, counter: 0, replica: ReplicaId(7) }).unwrap()
    }

    fn form(pairs: &[(&str, &str)]) -> FormInput {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Records held here, made through the commands under test.
    #[derive(Default)]
    struct World {
        records: BTreeMap<RecordId, Record>,
        tick: u8,
    }

    impl World {
        fn next(&mut self) -> u8 {
            self.tick += 1;
            self.tick
        }

        fn keep(&mut self, draft: Draft) -> RecordId {
            let n = self.next();
            let sealed = seal(draft, n as u64 * 10);
            let id = sealed.record;
            match self.records.get_mut(&id) {
                Some(record) => record.apply(&sealed),
                None => {
                    self.records.insert(id, Record::new(&sealed));
                }
            }
            id
        }

        fn try_create(&mut self, kind: &KindDecl, pairs: &[(&str, &str)]) -> Result<RecordId, CommandError> {
            let n = self.next();
            let draft = create(
                kind,
                &form(pairs),
                &Context::new(&Utc, &self.records),
                &actor(n),
                RecordId::new(n as u64, [n; 10]),
                n as i64,
            )?;
            Ok(self.keep(draft))
        }

        fn create(&mut self, kind: &KindDecl, pairs: &[(&str, &str)]) -> RecordId {
            self.try_create(kind, pairs).unwrap()
        }

        fn try_move(
            &mut self,
            kind: &KindDecl,
            id: RecordId,
            to: &str,
            pairs: &[(&str, &str)],
        ) -> Result<(), CommandError> {
            let n = self.next();
            let draft =
                transition(kind, &self.records[&id], to, &form(pairs), &Context::new(&Utc, &self.records), &actor(n))?;
            self.keep(draft);
            Ok(())
        }

        fn service(&mut self) -> String {
            self.create(&SERVICE, &[("title", "E-mail"), ("owner", "Ada")]).to_string()
        }

        fn incident(&mut self) -> RecordId {
            let service = self.service();
            self.create(
                &INCIDENT,
                &[("title", "Mail is down"), ("service", &service), ("impact", "high"), ("urgency", "medium")],
            )
        }

        fn record(&self, id: RecordId) -> &Record {
            &self.records[&id]
        }
    }

    #[test]
    fn an_invalid_form_names_every_bad_field_and_makes_no_draft() {
        let world = World::default();
        let input = form(&[("title", "  "), ("service", "E-mail"), ("impact", "huge")]);
        let Err(error) =
            create(&INCIDENT, &input, &Context::new(&Utc, &world.records), &actor(1), RecordId::new(1, [1; 10]), 1)
        else {
            panic!("an invalid form made a draft");
        };
        assert_eq!(error.for_field("title"), Some("Required."));
        assert_eq!(error.for_field("impact"), Some("Choose one of: High, Medium, Low."));
        assert_eq!(error.for_field("urgency"), Some("Required."));
        assert_eq!(error.for_field("service"), Some("`E-mail` does not name a record."));
    }

    #[test]
    fn a_created_incident_has_reference_state_and_priority() {
        let mut world = World::default();
        let id = world.incident();
        let record = world.record(id);
        assert!(crate::domain::reference::number_of(record).is_some());
        assert_eq!(state_of(&INCIDENT, record), "new");
        assert_eq!(PriorityMatrix::default().priority_of(&INCIDENT, record), Some(Priority::P2));
        assert_eq!(record.text("title"), "Mail is down");
    }

    #[test]
    fn an_update_writes_only_the_changed_fields_replacing_their_heads() {
        let mut world = World::default();
        let id = world.incident();
        let record = world.record(id).clone();
        let service = record.value("service").unwrap().as_link().unwrap().to_string();
        let mut input =
            form(&[("title", "Mail is down"), ("service", &service), ("impact", "high"), ("urgency", "medium")]);
        let ctx = Context::new(&Utc, &world.records);
        assert_eq!(update(&INCIDENT, &record, &input, &ctx, &actor(20)).unwrap(), None);
        input.insert("title".into(), "Mail is slow".into());
        let draft = update(&INCIDENT, &record, &input, &ctx, &actor(20)).unwrap().unwrap();
        assert_eq!(draft.edits.len(), 1);
        assert_eq!(draft.edits[0].replaces, record.head_stamps("title"));
    }

    #[test]
    fn the_domain_refuses_transitions_the_lifecycle_forbids() {
        let mut world = World::default();
        let id = world.incident();
        let refused = world.try_move(&INCIDENT, id, "closed", &[]);
        assert!(matches!(refused, Err(CommandError::Transition(TransitionError::NotAllowed { .. }))));
        world.try_move(&INCIDENT, id, "in_progress", &[]).unwrap();
        assert_eq!(state_of(&INCIDENT, world.record(id)), "in_progress");
    }

    #[test]
    fn resolving_needs_a_resolution() {
        let mut world = World::default();
        let id = world.incident();
        world.try_move(&INCIDENT, id, "in_progress", &[]).unwrap();
        let missing = world.try_move(&INCIDENT, id, "resolved", &[]).unwrap_err();
        assert_eq!(missing.for_field("resolution"), Some("Needed to resolve."));
        world.try_move(&INCIDENT, id, "resolved", &[("resolution", "Restarted the mail relay")]).unwrap();
        assert_eq!(world.record(id).text("resolution"), "Restarted the mail relay");
    }

    #[test]
    fn notes_must_have_text() {
        let mut world = World::default();
        let id = world.incident();
        let record = world.record(id);
        assert!(append(&INCIDENT, record, "notes", "  ", &actor(2)).is_err());
        assert!(append(&INCIDENT, record, "title", "x", &actor(2)).is_err());
        assert!(append(&INCIDENT, record, "notes", "Called the user", &actor(2)).is_ok());
    }

    #[test]
    fn a_redacted_note_keeps_its_place_in_history_without_its_text() {
        let mut world = World::default();
        let id = world.incident();
        let note = seal(
            append(&INCIDENT, world.record(id), "notes", "Caller's home number 555-0101", &actor(2)).unwrap(),
            100,
        );
        world.records.get_mut(&id).unwrap().apply(&note);
        // A link, a number or a state cannot be redacted; a note can, once.
        let created_draft = create(
            &INCIDENT,
            &form(&[("title", "x"), ("service", &world.service()), ("impact", "low"), ("urgency", "low")]),
            &Context::new(&Utc, &world.records),
            &actor(3),
            RecordId::new(3, [3; 10]),
            3,
        )
        .unwrap();
        let created = seal(created_draft, 50);
        let state_at = created.edits.iter().position(|e| e.field == "state").unwrap() as u16;
        assert!(redact(&INCIDENT, &created, state_at, &actor(4)).is_err());
        let redaction = seal(redact(&INCIDENT, &note, 0, &actor(5)).unwrap(), 200);
        assert!(matches!(redaction.edits[0].op, Op::Redact(target) if target.stamp == note.stamp && target.index == 0));
        let mut record = world.record(id).clone();
        record.apply(&redaction);
        let entry = &record.field("notes").unwrap().entries()[0];
        assert_eq!((entry.text.as_str(), entry.redacted), ("", Some(redaction.stamp)));
        // The stored note, redacted, folds the same, and cannot be redacted again.
        let mut stored = note.clone();
        assert!(stored.redact("notes", crate::domain::edit::EditRef { index: 0, stamp: note.stamp }, redaction.stamp));
        assert!(!format!("{stored:?}").contains("555-0101"));
        assert!(redact(&INCIDENT, &stored, 0, &actor(6)).is_err());
        let (entries, _) = crate::domain::history::replay(&INCIDENT, &[note.clone(), redaction.clone()]);
        assert!(entries[0].changes[0].redactable);
        let (entries, _) = crate::domain::history::replay(&INCIDENT, &[stored, redaction]);
        assert!(!entries[0].changes[0].redactable);
        assert_eq!(
            entries[0].changes[0].what,
            crate::domain::history::ChangeKind::Appended("(redacted by Ada at 1970-01-01 00:00 UTC)".into())
        );
    }

    #[test]
    fn instants_are_read_in_the_users_time_zone_and_stored_in_utc() {
        let field = FieldDecl::instant("when", "When");
        let none = BTreeMap::new();
        let paris = FixedOffset::east_opt(3600).unwrap();
        let ctx = Context::new(&paris, &none);
        let value = parse_value(&field, "2026-11-25T14:30", &ctx).unwrap();
        let Parsed::One(Some(value)) = value else { panic!("no value") };
        assert_eq!(value.display(), "2026-11-25 13:30 UTC");
        assert!(parse_value(&field, "tomorrow", &ctx).is_err());
    }

    #[test]
    fn percentages_keep_two_decimals_and_stay_within_0_to_100() {
        let field = FieldDecl::new("availability", "Availability", FieldType::Percent);
        let none = BTreeMap::new();
        let ctx = Context::new(&Utc, &none);
        let parse = |raw: &str| match parse_value(&field, raw, &ctx) {
            Ok(Parsed::One(Some(Value::Number(n)))) => Ok(n),
            other => Err(format!("{other:?}")),
        };
        assert_eq!(parse("99.95"), Ok(9995));
        assert_eq!(parse("99,9 %"), Ok(9990));
        assert_eq!(parse("100"), Ok(10000));
        assert!(parse("100.01").is_err());
        assert!(parse("99.999").is_err());
        assert!(parse("-1").is_err());
        assert!(parse("abc").is_err());
        assert_eq!(format_percent(9995), "99.95 %");
        assert_eq!(format_percent(9990), "99.9 %");
        assert_eq!(format_percent(10000), "100 %");
    }

    #[test]
    fn a_priority_cell_is_set_once() {
        let actor = actor(3);
        let draft = set_priority_cell(None, Level::Low, Level::Low, Priority::P3, &actor).unwrap();
        let settings = Record::new(&seal(draft, 30));
        assert_eq!(PriorityMatrix::from_settings(Some(&settings)).get(Level::Low, Level::Low), Priority::P3);
        assert!(set_priority_cell(Some(&settings), Level::Low, Level::Low, Priority::P3, &actor).is_none());
    }

    #[test]
    fn links_must_point_at_existing_records_of_the_right_kind() {
        let mut world = World::default();
        let incident = world.incident();
        let ghost = RecordId::new(999, [9; 10]).to_string();
        let wrong_kind = incident.to_string();
        for (service, message) in [
            (ghost.as_str(), "That record does not exist here."),
            (wrong_kind.as_str(), "Choose a service."),
            ("INC-1", "`INC-1` does not name a record."),
        ] {
            let error = world
                .try_create(&INCIDENT, &[("title", "x"), ("service", service), ("impact", "low"), ("urgency", "low")])
                .unwrap_err();
            assert_eq!(error.for_field("service"), Some(message));
        }
        assert_eq!(world.records.len(), 2, "nothing was saved");
    }

    #[test]
    fn a_record_cannot_link_to_itself() {
        let mut world = World::default();
        let item = world.create(&CONFIGURATION_ITEM, &[("title", "db-01"), ("ci_type", "hardware")]);
        let record = world.record(item).clone();
        let input = form(&[("title", "db-01"), ("ci_type", "hardware"), ("depends_on", &item.to_string())]);
        let error =
            update(&CONFIGURATION_ITEM, &record, &input, &Context::new(&Utc, &world.records), &actor(50)).unwrap_err();
        assert_eq!(error.for_field("depends_on"), Some("A record cannot link to itself."));
    }

    #[test]
    fn set_links_are_added_and_removed_as_set_edits() {
        let mut world = World::default();
        let a = world.create(&CONFIGURATION_ITEM, &[("title", "a"), ("ci_type", "hardware")]);
        let b = world.create(&CONFIGURATION_ITEM, &[("title", "b"), ("ci_type", "hardware")]);
        let c = world.create(
            &CONFIGURATION_ITEM,
            &[("title", "c"), ("ci_type", "software"), ("depends_on", &format!("{a} {b}"))],
        );
        let members = |world: &World| -> Vec<RecordId> {
            world.record(c).field("depends_on").unwrap().members().into_iter().filter_map(Value::as_link).collect()
        };
        assert_eq!(members(&world), vec![a, b]);
        let record = world.record(c).clone();
        let input = form(&[("title", "c"), ("ci_type", "software"), ("depends_on", &b.to_string())]);
        let draft = update(&CONFIGURATION_ITEM, &record, &input, &Context::new(&Utc, &world.records), &actor(60))
            .unwrap()
            .unwrap();
        assert_eq!(draft.edits.len(), 1);
        assert!(matches!(draft.edits[0].op, Op::Remove(Value::Link(id)) if id == a));
        assert_eq!(draft.edits[0].replaces, record.field("depends_on").unwrap().add_stamps(&Value::Link(a)));
        world.keep(draft);
        assert_eq!(members(&world), vec![b]);
    }

    #[test]
    fn an_end_before_its_start_is_refused_on_the_end_field() {
        let mut world = World::default();
        let error = world
            .try_create(
                &CHANGE,
                &[
                    ("title", "Upgrade"),
                    ("change_type", "normal"),
                    ("reason", "Security fixes"),
                    ("planned_start", "2026-12-01T10:00"),
                    ("planned_end", "2026-12-01T09:00"),
                ],
            )
            .unwrap_err();
        assert_eq!(error.for_field("planned_end"), Some("Must not be before planned start."));
        assert!(world.records.is_empty());
    }

    fn change(world: &mut World, change_type: &str, extra: &[(&str, &str)]) -> RecordId {
        let mut pairs =
            vec![("title", "Upgrade mail relay"), ("change_type", change_type), ("reason", "Security fixes")];
        pairs.extend_from_slice(extra);
        world.create(&CHANGE, &pairs)
    }

    #[test]
    fn a_normal_change_is_implemented_only_once_approved() {
        let mut world = World::default();
        let id = change(&mut world, "normal", &[]);
        let refused = world.try_move(&CHANGE, id, "implementing", &[]).unwrap_err();
        assert_eq!(
            refused.for_field("approval_decision"),
            Some("A normal change cannot be implemented before it is approved.")
        );
        world.try_move(&CHANGE, id, "assessing", &[]).unwrap();
        let missing = world.try_move(&CHANGE, id, "approved", &[]).unwrap_err();
        assert_eq!(missing.for_field("approver"), Some("Needed to approve."));
        world
            .try_move(
                &CHANGE,
                id,
                "approved",
                &[
                    ("risk", "low"),
                    ("impact_assessment", "One relay at a time"),
                    ("approver", "Grace"),
                    ("approval_date", "2026-11-20"),
                ],
            )
            .unwrap();
        assert_eq!(world.record(id).text("approval_decision"), "approved");
        world.try_move(&CHANGE, id, "implementing", &[]).unwrap();
        assert_eq!(state_of(&CHANGE, world.record(id)), "implementing");
    }

    #[test]
    fn a_rejected_change_cannot_be_implemented() {
        let mut world = World::default();
        let id = change(&mut world, "normal", &[]);
        world.try_move(&CHANGE, id, "assessing", &[]).unwrap();
        world.try_move(&CHANGE, id, "rejected", &[("approver", "Grace"), ("approval_date", "2026-11-20")]).unwrap();
        assert_eq!(world.record(id).text("approval_decision"), "rejected");
        assert!(world.try_move(&CHANGE, id, "implementing", &[]).is_err());
    }

    #[test]
    fn an_emergency_change_records_who_authorised_it() {
        let mut world = World::default();
        let id = change(&mut world, "emergency", &[]);
        let asked = asks(
            &CHANGE,
            world.record(id),
            CHANGE.lifecycle.transition("new", "implementing").unwrap(),
            &world.records,
        );
        assert_eq!(asked.iter().map(|f| f.id).collect::<Vec<_>>(), vec!["authorised_by"]);
        let refused = world.try_move(&CHANGE, id, "implementing", &[]).unwrap_err();
        assert_eq!(refused.for_field("authorised_by"), Some("Record who authorised this emergency change."));
        world.try_move(&CHANGE, id, "implementing", &[("authorised_by", "Margaret (CIO)")]).unwrap();
        assert_eq!(world.record(id).text("authorised_by"), "Margaret (CIO)");
    }

    #[test]
    fn a_standard_change_goes_straight_to_implementation() {
        let mut world = World::default();
        let id = change(&mut world, "standard", &[]);
        assert!(asks(
            &CHANGE,
            world.record(id),
            CHANGE.lifecycle.transition("new", "implementing").unwrap(),
            &world.records
        )
        .is_empty());
        world.try_move(&CHANGE, id, "implementing", &[]).unwrap();
        let missing = world.try_move(&CHANGE, id, "review", &[]).unwrap_err();
        assert_eq!(missing.for_field("implementation_result"), Some("Needed to record result."));
        world.try_move(&CHANGE, id, "review", &[("implementation_result", "successful")]).unwrap();
        world.try_move(&CHANGE, id, "closed", &[("review", "Met its aims.")]).unwrap();
    }

    #[test]
    fn a_known_error_needs_a_root_cause_or_workaround() {
        let mut world = World::default();
        let id = world.create(
            &PROBLEM,
            &[("title", "Relay queue stalls"), ("symptoms", "Mail delayed"), ("impact", "low"), ("urgency", "low")],
        );
        let refused = world.try_move(&PROBLEM, id, "known_error", &[]).unwrap_err();
        assert_eq!(refused.for_field("root_cause"), Some("Record the root cause or a workaround first."));
        world.try_move(&PROBLEM, id, "known_error", &[("workaround", "Flush the queue")]).unwrap();
        assert_eq!(state_of(&PROBLEM, world.record(id)), "known_error");
    }

    #[test]
    fn choosing_one_value_of_a_conflict_settles_it_with_a_new_edit() {
        let mut world = World::default();
        let id = world.incident();
        let base = world.record(id).head_stamps("title");
        // Two edits of the title that did not see each other.
        let mut a = actor(40);
        a.change_set = ChangeSetId::new(40, [40; 10]);
        let first = Draft {
            edits: vec![Edit::set("title", Some(Value::Text("One".into())), base.clone())],
            ..a.draft(INCIDENT.id, id, vec![])
        };
        let second = Draft {
            id: ChangeSetId::new(41, [41; 10]),
            edits: vec![Edit::set("title", Some(Value::Text("Two".into())), base)],
            ..a.draft(INCIDENT.id, id, vec![])
        };
        world.keep(first);
        world.keep(second);
        let record = world.record(id).clone();
        assert_eq!(record.conflicts().count(), 1);
        let keep = record.field("title").unwrap().heads()[0].stamp;
        let draft = resolve_conflict(&INCIDENT, &record, "title", keep, &actor(42)).unwrap();
        world.keep(draft);
        assert_eq!(world.record(id).conflicts().count(), 0);
        assert_eq!(world.record(id).text("title"), "One");
        let gone = crate::domain::clock::Stamp { wall_ms: 1, counter: 0, replica: ReplicaId(99) };
        assert!(resolve_conflict(&INCIDENT, world.record(id), "title", gone, &actor(43)).is_err());
    }

    #[test]
    fn a_request_type_that_needs_approval_holds_its_requests_until_approved() {
        let mut world = World::default();
        let service = world.service();
        let laptop =
            world.create(&REQUEST_TYPE, &[("title", "New laptop"), ("service", &service), ("needs_approval", "yes")]);
        let password = world.create(&REQUEST_TYPE, &[("title", "Password reset"), ("service", &service)]);
        let request = |world: &mut World, kind: RecordId| {
            world.create(
                &SERVICE_REQUEST,
                &[
                    ("title", "For the new starter"),
                    ("request_type", &kind.to_string()),
                    ("requester", "Ken"),
                    ("impact", "low"),
                    ("urgency", "low"),
                ],
            )
        };
        let quick = request(&mut world, password);
        world.try_move(&SERVICE_REQUEST, quick, "in_fulfilment", &[]).unwrap();
        let held = request(&mut world, laptop);
        let refused = world.try_move(&SERVICE_REQUEST, held, "in_fulfilment", &[]).unwrap_err();
        assert_eq!(refused.for_field("approval_decision"), Some("This request type needs approval before fulfilment."));
        world.try_move(&SERVICE_REQUEST, held, "awaiting_approval", &[]).unwrap();
        world
            .try_move(
                &SERVICE_REQUEST,
                held,
                "in_fulfilment",
                &[("approver", "Grace"), ("approval_date", "2026-11-20")],
            )
            .unwrap();
        assert_eq!(world.record(held).text("approval_decision"), "approved");
    }
}
