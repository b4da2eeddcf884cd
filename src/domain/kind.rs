//! Kind declarations: what fields a kind of record has, its lifecycle and how it is listed.
//!
//! The UI has one list page, one record page and one form, all driven by a [`KindDecl`].
//! Adding a kind of record is adding a declaration to [`super::catalogue`].

use super::lifecycle::Lifecycle;

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
    pub fields: &'static [FieldDecl],
    pub lifecycle: &'static Lifecycle,
    /// The field that names a record in lists, links and history.
    pub title_field: &'static str,
    /// Derived priority, from two choice fields through the shared priority matrix.
    pub priority: Option<PriorityInputs>,
    pub list_columns: &'static [Column],
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
#[derive(Debug)]
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

/// The type of a field: how it is entered, validated and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// One line of text.
    Text {
        max_chars: usize,
    },
    /// Several lines of text.
    LongText {
        max_chars: usize,
    },
    /// One of a fixed list of values.
    Choice(&'static [Choice]),
    Number {
        min: i64,
        max: i64,
    },
    /// A moment in time, stored in UTC, shown in the viewer's time zone.
    Instant,
    /// A calendar date without time zone.
    Date,
    /// A team member or contact, by name.
    Person,
    /// Appended entries (work notes), never overwritten.
    Log,
}

/// One allowed value of a choice field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

impl KindDecl {
    pub fn field(&self, id: &str) -> Option<&'static FieldDecl> {
        self.fields.iter().find(|field| field.id == id)
    }

    pub fn form_fields(&self) -> impl Iterator<Item = &'static FieldDecl> {
        self.fields.iter().filter(|field| field.in_form)
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
    pub fn display_value(&self, field: &str, value: &super::value::Value) -> String {
        use super::value::Value;
        match (field, value) {
            (super::reference::REF_FIELD, Value::Number(n)) => super::reference::format(self, *n),
            (super::lifecycle::STATE_FIELD, Value::Text(state)) => {
                self.lifecycle.state(state).map(|s| s.label.to_string()).unwrap_or_else(|| state.clone())
            }
            (_, Value::Text(text)) => match self.field(field) {
                Some(decl) => decl.ty.choice_label(text).to_string(),
                None => text.clone(),
            },
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
