//! Commands: what a user asks for (create, edit, move through the lifecycle, add a note),
//! checked against the kind's declaration and turned into a [`Draft`] change set.
//!
//! Every rule is enforced here, not by which buttons the UI shows: a refused command yields
//! an error naming the field, and no draft, so nothing is saved.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::catalogue::{self, settings_id};
use super::edit::{Draft, Edit};
use super::ids::{ChangeSetId, Member, RecordId};
use super::kind::{FieldDecl, FieldType, KindDecl};
use super::lifecycle::{state_of, TransitionError, STATE_FIELD};
use super::priority::{Level, Priority, PriorityMatrix};
use super::record::Record;
use super::reference::REF_FIELD;
use super::value::Value;

/// What the user typed: field id to raw text.
pub type FormInput = BTreeMap<String, String>;

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
        Draft { id: self.change_set, record, kind: kind.to_string(), member: self.member.clone(), at: self.at, edits }
    }
}

/// Parses what was typed into a field. Empty input is no value.
pub fn parse_value<Tz: TimeZone>(field: &FieldDecl, raw: &str, tz: &Tz) -> Result<Option<Value>, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let within = |max: usize| {
        let count = text.chars().count();
        if count > max {
            Err(format!("At most {max} characters (this has {count})."))
        } else {
            Ok(Some(Value::Text(text.to_string())))
        }
    };
    match field.ty {
        FieldType::Text { max_chars } => {
            if text.contains('\n') {
                return Err("One line only.".into());
            }
            within(max_chars)
        }
        FieldType::LongText { max_chars } => within(max_chars),
        FieldType::Person => within(Member::MAX_CHARS),
        FieldType::Choice(choices) => match choices.iter().find(|choice| choice.value == text) {
            Some(choice) => Ok(Some(Value::Text(choice.value.to_string()))),
            None => {
                let labels: Vec<&str> = choices.iter().map(|choice| choice.label).collect();
                Err(format!("Choose one of: {}.", labels.join(", ")))
            }
        },
        FieldType::Number { min, max } => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(Value::Number(n))),
            Ok(_) => Err(format!("Enter a number from {min} to {max}.")),
            Err(_) => Err("Enter a whole number, such as 42.".into()),
        },
        FieldType::Instant => {
            let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
                .map_err(|_| "Enter a date and time, such as 2026-11-25 14:30.".to_string())?;
            let instant = tz
                .from_local_datetime(&local)
                .earliest()
                .ok_or_else(|| "That time does not exist in your time zone (a clock change).".to_string())?;
            Ok(Some(Value::Instant(instant.with_timezone(&Utc))))
        }
        FieldType::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(|day| Some(Value::Date(day)))
            .map_err(|_| "Enter a date, such as 2026-11-25.".into()),
        FieldType::Log => Err("Add entries to this field one at a time.".into()),
    }
}

/// The form's values, or every field error at once.
fn validate_form<Tz: TimeZone>(
    kind: &KindDecl,
    input: &FormInput,
    tz: &Tz,
) -> Result<Vec<(&'static FieldDecl, Option<Value>)>, CommandError> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for field in kind.form_fields() {
        let raw = input.get(field.id).map(String::as_str).unwrap_or("");
        match parse_value(field, raw, tz) {
            Ok(None) if field.required => errors.push(field_error(field, "Required.")),
            Ok(value) => values.push((field, value)),
            Err(message) => errors.push(field_error(field, &message)),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(CommandError::Invalid(errors))
    }
}

fn field_error(field: &FieldDecl, message: &str) -> FieldError {
    FieldError { field: field.id.to_string(), label: field.label.to_string(), message: message.to_string() }
}

/// Creates a record of `kind` from a form: its reference number, initial state and fields.
pub fn create<Tz: TimeZone>(
    kind: &KindDecl,
    input: &FormInput,
    tz: &Tz,
    actor: &Actor,
    record: RecordId,
    number: i64,
) -> Result<Draft, CommandError> {
    let values = validate_form(kind, input, tz)?;
    let mut edits = vec![
        Edit::set(REF_FIELD, Some(Value::Number(number)), vec![]),
        Edit::set(STATE_FIELD, Some(Value::Text(kind.lifecycle.initial.to_string())), vec![]),
    ];
    edits.extend(
        values
            .into_iter()
            .filter(|(_, value)| value.is_some())
            .map(|(field, value)| Edit::set(field.id, value, vec![])),
    );
    Ok(actor.draft(kind.id, record, edits))
}

/// Saves an edited form: one edit per changed field. `Ok(None)` when nothing changed.
pub fn update<Tz: TimeZone>(
    kind: &KindDecl,
    record: &Record,
    input: &FormInput,
    tz: &Tz,
    actor: &Actor,
) -> Result<Option<Draft>, CommandError> {
    let values = validate_form(kind, input, tz)?;
    let edits: Vec<Edit> = values
        .into_iter()
        .filter(|(field, value)| {
            // A field in conflict is saved even unchanged: saving it is the user's resolution.
            record.value(field.id) != value.as_ref() || record.head_stamps(field.id).len() > 1
        })
        .map(|(field, value)| Edit::set(field.id, value, record.head_stamps(field.id)))
        .collect();
    Ok((!edits.is_empty()).then(|| actor.draft(kind.id, record.id, edits)))
}

/// Moves a record through its lifecycle, with the fields the transition needs.
pub fn transition<Tz: TimeZone>(
    kind: &KindDecl,
    record: &Record,
    to: &str,
    input: &FormInput,
    tz: &Tz,
    actor: &Actor,
) -> Result<Draft, CommandError> {
    let from = state_of(kind, record);
    let step = kind.lifecycle.transition(from, to)?;
    let mut edits = vec![Edit::set(STATE_FIELD, Some(Value::Text(to.to_string())), record.head_stamps(STATE_FIELD))];
    let mut errors = Vec::new();
    for id in step.requires {
        let Some(field) = kind.field(id) else { continue };
        let raw = input.get(*id).map(String::as_str).unwrap_or("");
        match parse_value(field, raw, tz) {
            Ok(Some(value)) => {
                if record.value(id) != Some(&value) {
                    edits.push(Edit::set(id, Some(value), record.head_stamps(id)));
                }
            }
            Ok(None) if record.value(id).is_some() => {}
            Ok(None) => errors.push(field_error(field, &format!("Needed to {}.", step.action.to_lowercase()))),
            Err(message) => errors.push(field_error(field, &message)),
        }
    }
    if !errors.is_empty() {
        return Err(CommandError::Invalid(errors));
    }
    Ok(actor.draft(kind.id, record.id, edits))
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
        && settings.map_or(true, |s| s.head_stamps(&field).len() <= 1)
    {
        return None;
    }
    let replaces = settings.map(|s| s.head_stamps(&field)).unwrap_or_default();
    let edit = Edit::set(&field, Some(Value::Text(priority.id().to_string())), replaces);
    Some(actor.draft(catalogue::SETTINGS.id, settings_id(), vec![edit]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::INCIDENT;
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

    fn valid_incident() -> FormInput {
        form(&[("title", "Mail is down"), ("service", "E-mail"), ("impact", "high"), ("urgency", "medium")])
    }

    fn created() -> Record {
        let draft = create(&INCIDENT, &valid_incident(), &Utc, &actor(1), RecordId::new(1, [1; 10]), 7).unwrap();
        Record::new(&seal(draft, 10))
    }

    #[test]
    fn an_invalid_form_names_every_bad_field_and_makes_no_draft() {
        let input = form(&[("title", "  "), ("service", "E-mail"), ("impact", "huge")]);
        let Err(error) = create(&INCIDENT, &input, &Utc, &actor(1), RecordId::new(1, [1; 10]), 1) else {
            panic!("an invalid form made a draft");
        };
        assert_eq!(error.for_field("title"), Some("Required."));
        assert_eq!(error.for_field("impact"), Some("Choose one of: High, Medium, Low."));
        assert_eq!(error.for_field("urgency"), Some("Required."));
        assert_eq!(error.for_field("service"), None);
    }

    #[test]
    fn a_created_incident_has_reference_state_and_priority() {
        let record = created();
        assert_eq!(crate::domain::reference::number_of(&record), Some(7));
        assert_eq!(state_of(&INCIDENT, &record), "new");
        assert_eq!(PriorityMatrix::default().priority_of(&INCIDENT, &record), Some(Priority::P2));
        assert_eq!(record.text("title"), "Mail is down");
    }

    #[test]
    fn an_update_writes_only_the_changed_fields_replacing_their_heads() {
        let record = created();
        let mut input = valid_incident();
        assert_eq!(update(&INCIDENT, &record, &input, &Utc, &actor(2)).unwrap(), None);
        input.insert("title".into(), "Mail is slow".into());
        let draft = update(&INCIDENT, &record, &input, &Utc, &actor(2)).unwrap().unwrap();
        assert_eq!(draft.edits.len(), 1);
        assert_eq!(draft.edits[0].replaces, record.head_stamps("title"));
    }

    #[test]
    fn the_domain_refuses_transitions_the_lifecycle_forbids() {
        let record = created();
        let refused = transition(&INCIDENT, &record, "closed", &FormInput::new(), &Utc, &actor(2));
        assert!(matches!(refused, Err(CommandError::Transition(TransitionError::NotAllowed { .. }))));
        let start = transition(&INCIDENT, &record, "in_progress", &FormInput::new(), &Utc, &actor(2)).unwrap();
        let mut record = record;
        record.apply(&seal(start, 20));
        assert_eq!(state_of(&INCIDENT, &record), "in_progress");
    }

    #[test]
    fn resolving_needs_a_resolution() {
        let mut record = created();
        record.apply(&seal(
            transition(&INCIDENT, &record, "in_progress", &FormInput::new(), &Utc, &actor(2)).unwrap(),
            20,
        ));
        let missing = transition(&INCIDENT, &record, "resolved", &FormInput::new(), &Utc, &actor(3)).unwrap_err();
        assert_eq!(missing.for_field("resolution"), Some("Needed to resolve."));
        let input = form(&[("resolution", "Restarted the mail relay")]);
        let draft = transition(&INCIDENT, &record, "resolved", &input, &Utc, &actor(3)).unwrap();
        assert_eq!(draft.edits.len(), 2);
    }

    #[test]
    fn notes_must_have_text() {
        let record = created();
        assert!(append(&INCIDENT, &record, "notes", "  ", &actor(2)).is_err());
        assert!(append(&INCIDENT, &record, "title", "x", &actor(2)).is_err());
        assert!(append(&INCIDENT, &record, "notes", "Called the user", &actor(2)).is_ok());
    }

    #[test]
    fn instants_are_read_in_the_users_time_zone_and_stored_in_utc() {
        let field =
            FieldDecl { id: "when", label: "When", ty: FieldType::Instant, required: false, in_form: true, help: "" };
        let paris = FixedOffset::east_opt(3600).unwrap();
        let value = parse_value(&field, "2026-11-25T14:30", &paris).unwrap().unwrap();
        assert_eq!(value.display(), "2026-11-25 13:30 UTC");
        assert!(parse_value(&field, "tomorrow", &paris).is_err());
    }

    #[test]
    fn a_priority_cell_is_set_once() {
        let actor = actor(3);
        let draft = set_priority_cell(None, Level::Low, Level::Low, Priority::P3, &actor).unwrap();
        let settings = Record::new(&seal(draft, 30));
        assert_eq!(PriorityMatrix::from_settings(Some(&settings)).get(Level::Low, Level::Low), Priority::P3);
        assert!(set_priority_cell(Some(&settings), Level::Low, Level::Low, Priority::P3, &actor).is_none());
    }
}
