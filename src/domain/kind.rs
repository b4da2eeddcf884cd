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
                self.lifecycle.state(state).map(|s| s.label.to_string()).unwrap_or_else(|| state.clone())
            }
            (_, Value::Text(text)) => match self.field(field) {
                Some(decl) => decl.ty.choice_label(text).to_string(),
                None => text.clone(),
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
