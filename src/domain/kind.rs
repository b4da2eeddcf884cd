//! Kind declarations: what fields a kind of record has, its lifecycle and how it is listed.
//!
//! The UI has one list page, one record page and one form, all driven by a [`KindDecl`].
//! Adding a kind of record is adding a declaration to [`super::catalogue`]; the `const fn`
//! builders below keep a declaration to one line per field.

use super::lifecycle::Lifecycle;

/// The ISO/IEC 20000-1:2018 clause 8 group a kind belongs to: how navigation groups kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// 8.2 Service portfolio.
    ServicePortfolio,
    /// 8.3 Relationship and agreement.
    RelationshipAndAgreement,
    /// 8.4 Supply and demand.
    SupplyAndDemand,
    /// 8.5 Service design, build and transition.
    DesignBuildTransition,
    /// 8.6 Resolution and fulfilment.
    ResolutionAndFulfilment,
    /// 8.7 Service assurance.
    ServiceAssurance,
    /// Not an SMS record (the shared settings).
    Internal,
}

impl Area {
    pub const ALL: [Area; 6] = [
        Area::ResolutionAndFulfilment,
        Area::DesignBuildTransition,
        Area::ServicePortfolio,
        Area::RelationshipAndAgreement,
        Area::SupplyAndDemand,
        Area::ServiceAssurance,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Area::ServicePortfolio => "Service portfolio",
            Area::RelationshipAndAgreement => "Relationship and agreement",
            Area::SupplyAndDemand => "Supply and demand",
            Area::DesignBuildTransition => "Design, build and transition",
            Area::ResolutionAndFulfilment => "Resolution and fulfilment",
            Area::ServiceAssurance => "Service assurance",
            Area::Internal => "Settings",
        }
    }

    pub fn clause(self) -> &'static str {
        match self {
            Area::ServicePortfolio => "8.2",
            Area::RelationshipAndAgreement => "8.3",
            Area::SupplyAndDemand => "8.4",
            Area::DesignBuildTransition => "8.5",
            Area::ResolutionAndFulfilment => "8.6",
            Area::ServiceAssurance => "8.7",
            Area::Internal => "",
        }
    }
}

/// A kind of SMS record (incident, problem, change, ...).
#[derive(Debug)]
pub struct KindDecl {
    /// Stable id stored in every change set (`incident`).
    pub id: &'static str,
    /// The URL segment of its pages (`incidents`).
    pub slug: &'static str,
    pub label: &'static str,
    pub plural: &'static str,
    /// Reference prefix (`INC` gives INC-000123).
    pub prefix: &'static str,
    /// The ISO/IEC 20000-1:2018 clause whose records this kind holds.
    pub clause: &'static str,
    pub area: Area,
    /// What the kind's records are for, in a sentence (shown on its list page).
    pub purpose: &'static str,
    pub fields: &'static [FieldDecl],
    pub lifecycle: &'static Lifecycle,
    /// The field that names a record in lists, links and history.
    pub title_field: &'static str,
    /// Derived priority, from two choice fields through the shared priority matrix.
    pub priority: Option<PriorityInputs>,
    pub list_columns: &'static [Column],
    /// Pairs of date or instant fields whose second may not be before the first.
    pub ordered: &'static [(&'static str, &'static str)],
    /// Fields with a role the generic pages know: list filters and the change calendar.
    pub roles: Roles,
    /// Kinds a record of this kind can raise, linked to it ("Raise problem" on an incident).
    pub raises: &'static [&'static str],
}

/// Fields of a kind that generic features look for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Roles {
    /// The person accountable (filter "owner").
    pub owner: Option<&'static str>,
    /// The link to the service concerned (filter "service").
    pub service: Option<&'static str>,
    /// The planned window (start, end) that puts a record on the change calendar.
    pub window: Option<(&'static str, &'static str)>,
    /// The configuration items the record touches (calendar conflicts, known-error matching).
    pub items: Option<&'static str>,
}

impl Roles {
    pub const NONE: Roles = Roles { owner: None, service: None, window: None, items: None };
}

/// Which fields feed the priority matrix.
#[derive(Debug, Clone, Copy)]
pub struct PriorityInputs {
    pub impact: &'static str,
    pub urgency: &'static str,
}

/// A column of a kind's list page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Reference,
    Field(&'static str),
    State,
    Priority,
    Updated,
}

/// One field of a kind.
#[derive(Debug, Clone, Copy)]
pub struct FieldDecl {
    /// Stable id used by edits; never shown.
    pub id: &'static str,
    pub label: &'static str,
    pub ty: FieldType,
    /// Must have a value when the record is created.
    pub required: bool,
    /// Shown on the create and edit form (other fields are set by transitions or commands).
    pub in_form: bool,
    pub help: &'static str,
}

/// Where a link field points, and how the other side names the records that point at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Kinds a linked record may be of.
    pub kinds: &'static [&'static str],
    /// The heading on the linked record's page for the records linking to it ("Incidents").
    pub inverse: &'static str,
}

/// The type of a field: how it is entered, validated and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// One line of text.
    Text { max_chars: usize },
    /// Several lines of text.
    LongText { max_chars: usize },
    /// One of a fixed list of values.
    Choice(&'static [Choice]),
    /// A whole number, such as a cost or a percentage.
    Number { min: i64, max: i64 },
    /// A percentage with two decimals, stored in hundredths (99.95 % is 9995).
    Percent,
    /// Yes or no (unset is no).
    Flag,
    /// A moment in time, stored in UTC, shown in the viewer's time zone.
    Instant,
    /// A calendar date without time zone.
    Date,
    /// A team member or contact, by name.
    Person,
    /// A link to one record. Stored once, on this side; the other side is derived.
    Link(Target),
    /// Links to several records: a set, so concurrent additions all survive.
    Links(Target),
    /// Appended entries (work notes), never overwritten.
    Log,
}

/// One allowed value of a choice field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

/// The work notes every kind has.
pub const NOTES: FieldDecl = FieldDecl::new("notes", "Work notes", FieldType::Log).hidden();

/// Builders for declarations: `FieldDecl::text("title", "Title", 200).required()`.
impl FieldDecl {
    pub const fn new(id: &'static str, label: &'static str, ty: FieldType) -> Self {
        FieldDecl { id, label, ty, required: false, in_form: true, help: "" }
    }
    pub const fn text(id: &'static str, label: &'static str, max_chars: usize) -> Self {
        Self::new(id, label, FieldType::Text { max_chars })
    }
    pub const fn long(id: &'static str, label: &'static str) -> Self {
        Self::new(id, label, FieldType::LongText { max_chars: 20_000 })
    }
    pub const fn choice(id: &'static str, label: &'static str, choices: &'static [Choice]) -> Self {
        Self::new(id, label, FieldType::Choice(choices))
    }
    pub const fn person(id: &'static str, label: &'static str) -> Self {
        Self::new(id, label, FieldType::Person)
    }
    pub const fn date(id: &'static str, label: &'static str) -> Self {
        Self::new(id, label, FieldType::Date)
    }
    pub const fn instant(id: &'static str, label: &'static str) -> Self {
        Self::new(id, label, FieldType::Instant)
    }
    pub const fn number(id: &'static str, label: &'static str, min: i64, max: i64) -> Self {
        Self::new(id, label, FieldType::Number { min, max })
    }
    pub const fn flag(id: &'static str, label: &'static str) -> Self {
        Self::new(id, label, FieldType::Flag)
    }
    pub const fn link(
        id: &'static str,
        label: &'static str,
        kinds: &'static [&'static str],
        inverse: &'static str,
    ) -> Self {
        Self::new(id, label, FieldType::Link(Target { kinds, inverse }))
    }
    pub const fn links(
        id: &'static str,
        label: &'static str,
        kinds: &'static [&'static str],
        inverse: &'static str,
    ) -> Self {
        Self::new(id, label, FieldType::Links(Target { kinds, inverse }))
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// Not on the create and edit form: set by a transition or a command.
    pub const fn hidden(mut self) -> Self {
        self.in_form = false;
        self
    }
    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
}

impl FieldDecl {
    /// The link target of a link or links field.
    pub fn target(&self) -> Option<Target> {
        match self.ty {
            FieldType::Link(target) | FieldType::Links(target) => Some(target),
            _ => None,
        }
    }

    /// Whether edits of this field add to and remove from a set.
    pub fn is_set(&self) -> bool {
        matches!(self.ty, FieldType::Links(_))
    }
}

impl KindDecl {
    pub fn field(&self, id: &str) -> Option<&'static FieldDecl> {
        self.fields.iter().find(|field| field.id == id)
    }

    pub fn form_fields(&self) -> impl Iterator<Item = &'static FieldDecl> {
        self.fields.iter().filter(|field| field.in_form)
    }

    /// The link and links fields of this kind.
    pub fn link_fields(&self) -> impl Iterator<Item = &'static FieldDecl> {
        self.fields.iter().filter(|field| field.target().is_some())
    }

    /// The label of a field id, falling back to the id for fields this release does not know.
    pub fn field_label<'a>(&self, id: &'a str) -> &'a str {
        match id {
            super::reference::REF_FIELD => "Reference",
            super::lifecycle::STATE_FIELD => "State",
            _ => self.field(id).map(|field| field.label).unwrap_or(id),
        }
    }
}

impl KindDecl {
    /// A stored value as a person reads it: choice and state labels, formatted references.
    /// Links show the record id here; pages that hold the records show references instead.
    pub fn display_value(&self, field: &str, value: &super::value::Value) -> String {
        use super::value::Value;
        match (field, value) {
            (super::reference::REF_FIELD, Value::Number(n)) => super::reference::format(self, *n),
            (super::lifecycle::STATE_FIELD, Value::Text(state)) => {
                self.lifecycle.state(state).map(|s| s.label.to_string()).unwrap_or_else(|| state.to_string())
            }
            (_, Value::Text(text)) => match self.field(field) {
                Some(decl) => decl.ty.choice_label(text).to_string(),
                None => text.to_string(),
            },
            (_, Value::Number(n)) if self.field(field).is_some_and(|f| f.ty == FieldType::Percent) => {
                super::command::format_percent(*n)
            }
            _ => value.display(),
        }
    }
}

impl FieldType {
    /// The label of a stored choice value, or the value itself.
    pub fn choice_label<'a>(&self, value: &'a str) -> &'a str {
        match self {
            FieldType::Choice(choices) => {
                choices.iter().find(|choice| choice.value == value).map(|choice| choice.label).unwrap_or(value)
            }
            _ => value,
        }
    }
}

/// What a value of a known type is, for messages.
fn value_type_name(value: &super::value::Value) -> &'static str {
    use super::value::Value;
    match value {
        Value::Text(_) => "text",
        Value::Number(_) => "a number",
        Value::Instant(_) => "an instant",
        Value::Date(_) => "a date",
        Value::Link(_) => "a link",
        Value::Flag(_) => "a flag",
        Value::Unknown(_) => "a value of another type",
        Value::Redacted(_) => "a redacted value",
    }
}

impl KindDecl {
    /// Checks that an edit of a field this release declares has the operation and value type
    /// the field's type takes: a known field of the wrong type is malformed, and a file
    /// carrying one is refused. What this release does not know passes: fields it does not
    /// declare, operations and value types of a newer release (kept as they are). Ranges,
    /// lengths and choices are not checked here: a merge never refuses good edits for a rule.
    pub fn check_edit(&self, edit: &super::edit::Edit) -> Result<(), String> {
        use super::edit::Op;
        use super::value::Value;
        let expected: (&str, fn(&Value) -> bool) = match edit.field.as_str() {
            super::reference::REF_FIELD => ("a number", |v| matches!(v, Value::Number(_))),
            super::lifecycle::STATE_FIELD => ("text", |v| matches!(v, Value::Text(_))),
            id => match self.field(id).map(|decl| decl.ty) {
                None => return Ok(()),
                Some(
                    FieldType::Text { .. } | FieldType::LongText { .. } | FieldType::Choice(_) | FieldType::Person,
                ) => ("text", |v| matches!(v, Value::Text(_))),
                Some(FieldType::Number { .. } | FieldType::Percent) => ("a number", |v| matches!(v, Value::Number(_))),
                Some(FieldType::Flag) => ("a flag", |v| matches!(v, Value::Flag(_))),
                Some(FieldType::Instant) => ("an instant", |v| matches!(v, Value::Instant(_))),
                Some(FieldType::Date) => ("a date", |v| matches!(v, Value::Date(_))),
                Some(FieldType::Link(_) | FieldType::Links(_)) => ("a link", |v| matches!(v, Value::Link(_))),
                Some(FieldType::Log) => ("notes", |_| false),
            },
        };
        let ty = if matches!(edit.field.as_str(), super::reference::REF_FIELD | super::lifecycle::STATE_FIELD) {
            None
        } else {
            self.field(&edit.field).map(|decl| decl.ty)
        };
        let wrong_op = |op: &str| Err(format!("field `{}` of kind `{}` does not take {op}", edit.field, self.id));
        let value = match (&edit.op, ty) {
            (Op::Unknown(_) | Op::Redact(_), _) => return Ok(()),
            (Op::RedactedNote(_), Some(FieldType::Log) | None) => return Ok(()),
            (Op::RedactedNote(_), _) => return wrong_op("appended notes"),
            (Op::Append(_), Some(FieldType::Log)) => return Ok(()),
            (Op::Append(_), _) => return wrong_op("appended notes"),
            (_, Some(FieldType::Log)) => return wrong_op("values, only appended notes"),
            (Op::Add(value) | Op::Remove(value), Some(FieldType::Links(_))) => value,
            (Op::Add(_) | Op::Remove(_), _) => return wrong_op("additions or removals"),
            (Op::Set(_), Some(FieldType::Links(_))) => return wrong_op("a set value, only additions and removals"),
            (Op::Set(None), _) => return Ok(()),
            (Op::Set(Some(value)), _) => value,
        };
        if value.is_kept_as_is() || (expected.1)(value) {
            Ok(())
        } else {
            Err(format!(
                "field `{}` of kind `{}` holds {} where Servicebook expects {}",
                edit.field,
                self.id,
                value_type_name(value),
                expected.0
            ))
        }
    }
}

#[cfg(test)]
mod check_tests {
    use crate::domain::catalogue;
    use crate::domain::demo;
    use crate::domain::edit::{Edit, Op};
    use crate::domain::ids::{Member, RecordId};
    use crate::domain::record::Record;
    use crate::domain::value::Value;
    use chrono::{DateTime, Utc};

    #[test]
    fn every_edit_the_app_makes_has_its_fields_type() {
        let none: std::collections::BTreeMap<RecordId, Record> = Default::default();
        let sets = demo::sample_history(60, &none, |_| 1, &Member::new("Ada").unwrap(), DateTime::<Utc>::UNIX_EPOCH, 5);
        for change_set in &sets {
            let kind = catalogue::kind(&change_set.kind).expect("demo kinds are known");
            for edit in &change_set.edits {
                assert_eq!(kind.check_edit(edit), Ok(()), "{} {:?}", change_set.kind, edit);
            }
        }
    }

    #[test]
    fn a_known_field_of_the_wrong_type_is_malformed_and_unknown_things_pass() {
        let incident = catalogue::kind("incident").unwrap();
        let wrong = Edit::set("title", Some(Value::Number(3)), vec![]);
        let refused = incident.check_edit(&wrong).unwrap_err();
        assert!(refused.contains("`title`") && refused.contains("a number") && refused.contains("text"), "{refused}");
        assert!(incident.check_edit(&Edit::set("notes", Some(Value::Text("x".into())), vec![])).is_err());
        assert!(incident.check_edit(&Edit::append("title", "x".into())).is_err());
        assert!(incident.check_edit(&Edit::set("state", Some(Value::Flag(true)), vec![])).is_err());
        // Fields, value types and operations of a newer release pass.
        let geo: Value = serde_json::from_str(r#"{"geo":[1,2]}"#).unwrap();
        assert!(incident.check_edit(&Edit::set("title", Some(geo), vec![])).is_ok());
        assert!(incident.check_edit(&Edit::set("sentiment", Some(Value::Number(3)), vec![])).is_ok());
        let op: Op = serde_json::from_str(r#"{"multiply":{"number":2}}"#).unwrap();
        assert!(incident.check_edit(&Edit { field: "title".into(), op, replaces: vec![] }).is_ok());
        assert!(incident.check_edit(&Edit::set("title", None, vec![])).is_ok());
    }
}
