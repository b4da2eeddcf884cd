//! The kinds of record Servicebook knows, declared once and read by every generic page.

use super::ids::RecordId;
use super::kind::{Column, FieldDecl, FieldType, KindDecl, PriorityInputs};
use super::lifecycle::{Lifecycle, StateDecl, Tone, Transition};
use super::priority::Level;

/// Every kind the app lists, in navigation order.
pub static KINDS: &[&KindDecl] = &[&INCIDENT];

pub fn kind(id: &str) -> Option<&'static KindDecl> {
    KINDS.iter().copied().chain([&SETTINGS]).find(|kind| kind.id == id)
}

pub fn kind_by_slug(slug: &str) -> Option<&'static KindDecl> {
    KINDS.iter().copied().find(|kind| kind.slug == slug)
}

/// Incident management (ISO/IEC 20000-1:2018 8.6.1).
pub static INCIDENT: KindDecl = KindDecl {
    id: "incident",
    slug: "incidents",
    label: "Incident",
    plural: "Incidents",
    prefix: "INC",
    clause: "8.6.1",
    fields: &[
        FieldDecl {
            id: "title",
            label: "Title",
            ty: FieldType::Text { max_chars: 200 },
            required: true,
            in_form: true,
            help: "What is wrong, in a few words.",
        },
        FieldDecl {
            id: "description",
            label: "Description",
            ty: FieldType::LongText { max_chars: 20_000 },
            required: false,
            in_form: true,
            help: "Symptoms, who is affected, what was tried.",
        },
        FieldDecl {
            id: "service",
            label: "Service",
            ty: FieldType::Text { max_chars: 120 },
            required: true,
            in_form: true,
            help: "The service that is degraded or interrupted.",
        },
        FieldDecl {
            id: "impact",
            label: "Impact",
            ty: FieldType::Choice(Level::CHOICES),
            required: true,
            in_form: true,
            help: "How much of the business is affected.",
        },
        FieldDecl {
            id: "urgency",
            label: "Urgency",
            ty: FieldType::Choice(Level::CHOICES),
            required: true,
            in_form: true,
            help: "How fast the business needs it back.",
        },
        FieldDecl {
            id: "assignee",
            label: "Assignee",
            ty: FieldType::Person,
            required: false,
            in_form: true,
            help: "The team member working on it.",
        },
        FieldDecl {
            id: "resolution",
            label: "Resolution",
            ty: FieldType::LongText { max_chars: 20_000 },
            required: false,
            in_form: true,
            help: "How service was restored. Needed to resolve.",
        },
        FieldDecl { id: "notes", label: "Work notes", ty: FieldType::Log, required: false, in_form: false, help: "" },
    ],
    lifecycle: &INCIDENT_LIFECYCLE,
    title_field: "title",
    priority: Some(PriorityInputs { impact: "impact", urgency: "urgency" }),
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Priority,
        Column::Field("service"),
        Column::Field("assignee"),
        Column::Updated,
    ],
};

static INCIDENT_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "new", label: "New", tone: Tone::Open },
        StateDecl { id: "in_progress", label: "In progress", tone: Tone::Active },
        StateDecl { id: "on_hold", label: "On hold", tone: Tone::Waiting },
        StateDecl { id: "resolved", label: "Resolved", tone: Tone::Done },
        StateDecl { id: "closed", label: "Closed", tone: Tone::Closed },
    ],
    initial: "new",
    transitions: &[
        Transition { from: "new", to: "in_progress", action: "Start work", requires: &[] },
        Transition { from: "in_progress", to: "on_hold", action: "Put on hold", requires: &[] },
        Transition { from: "on_hold", to: "in_progress", action: "Resume", requires: &[] },
        Transition { from: "in_progress", to: "resolved", action: "Resolve", requires: &["resolution"] },
        Transition { from: "on_hold", to: "resolved", action: "Resolve", requires: &["resolution"] },
        Transition { from: "resolved", to: "closed", action: "Close", requires: &[] },
        Transition { from: "resolved", to: "in_progress", action: "Reopen", requires: &[] },
    ],
};

/// The one settings record (shared data such as the priority matrix). Its id is the same in
/// every browser, so teammates' settings edits fold into one record.
pub static SETTINGS: KindDecl = KindDecl {
    id: "settings",
    slug: "settings",
    label: "Settings",
    plural: "Settings",
    prefix: "SET",
    clause: "8.6.1",
    fields: &[],
    lifecycle: &SETTINGS_LIFECYCLE,
    title_field: "title",
    priority: None,
    list_columns: &[],
};

static SETTINGS_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[StateDecl { id: "active", label: "Active", tone: Tone::Active }],
    initial: "active",
    transitions: &[],
};

/// The id of the shared settings record.
pub fn settings_id() -> RecordId {
    RecordId::new(0, [0x5e; 10])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of incident states: exactly these moves are allowed.
    #[test]
    fn incident_lifecycle_allows_exactly_the_declared_moves() {
        let allowed = [
            ("new", "in_progress"),
            ("in_progress", "on_hold"),
            ("on_hold", "in_progress"),
            ("in_progress", "resolved"),
            ("on_hold", "resolved"),
            ("resolved", "closed"),
            ("resolved", "in_progress"),
        ];
        let lifecycle = INCIDENT.lifecycle;
        let mut refused = 0;
        for from in lifecycle.states {
            for to in lifecycle.states {
                let result = lifecycle.transition(from.id, to.id);
                if allowed.contains(&(from.id, to.id)) {
                    assert!(result.is_ok(), "{} -> {} should be allowed", from.id, to.id);
                } else {
                    assert!(result.is_err(), "{} -> {} should be refused", from.id, to.id);
                    refused += 1;
                }
            }
        }
        assert_eq!(refused, 25 - allowed.len());
        assert!(lifecycle.transition("new", "bogus").is_err());
    }

    #[test]
    fn declarations_are_consistent() {
        for decl in KINDS {
            assert_eq!(kind(decl.id).map(|k| k.id), Some(decl.id));
            assert_eq!(kind_by_slug(decl.slug).map(|k| k.id), Some(decl.id));
            assert!(decl.lifecycle.state(decl.lifecycle.initial).is_some(), "{}", decl.id);
            assert!(decl.field(decl.title_field).is_some(), "{}", decl.id);
            for t in decl.lifecycle.transitions {
                assert!(decl.lifecycle.state(t.from).is_some() && decl.lifecycle.state(t.to).is_some());
                for field in t.requires {
                    assert!(decl.field(field).is_some(), "{} requires unknown {}", decl.id, field);
                }
            }
            for column in decl.list_columns {
                if let Column::Field(field) = column {
                    assert!(decl.field(field).is_some(), "{} lists unknown {}", decl.id, field);
                }
            }
        }
    }
}
