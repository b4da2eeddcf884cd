//! 8.6 Resolution and fulfilment: incidents, service requests and problems.

use super::{base, items_links, service_link, APPROVAL_DATE, APPROVAL_DECISION, APPROVER, DESCRIPTION, OWNER, TITLE};
use crate::domain::kind::{Area, Column, FieldDecl, KindDecl, PriorityInputs, Roles, NOTES};
use crate::domain::lifecycle::{Guard, Lifecycle, StateDecl, Tone, Transition};
use crate::domain::priority::Level;

const IMPACT: FieldDecl =
    FieldDecl::choice("impact", "Impact", Level::CHOICES).required().help("How much of the business is affected.");
const URGENCY: FieldDecl =
    FieldDecl::choice("urgency", "Urgency", Level::CHOICES).required().help("How fast the business needs it.");
const ASSIGNEE: FieldDecl = FieldDecl::person("assignee", "Assignee").help("The team member working on it.");

/// Incident management (8.6.1).
pub static INCIDENT: KindDecl = KindDecl {
    purpose: "Unplanned interruptions or degradations of a service, restored as fast as priority asks.",
    fields: &[
        TITLE.help("What is wrong, in a few words."),
        DESCRIPTION.help("Symptoms, who is affected, what was tried."),
        service_link("Incidents").required().help("The service that is degraded or interrupted."),
        IMPACT,
        URGENCY,
        ASSIGNEE,
        items_links("Incidents").help("Configuration items involved."),
        FieldDecl::link("problem", "Problem", &["problem"], "Incidents").help("The problem behind it, once known."),
        FieldDecl::flag("major", "Major incident").help("Handled by the major incident procedure."),
        FieldDecl::flag("security", "Information security incident")
            .help("Affects confidentiality, integrity or availability of information (8.7.3)."),
        FieldDecl::long("resolution", "Resolution").help("How service was restored. Needed to resolve."),
        NOTES,
    ],
    lifecycle: &INCIDENT_LIFECYCLE,
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
    roles: Roles { owner: Some("assignee"), service: Some("service"), window: None, items: Some("items") },
    raises: &["problem", "change"],
    ..base("incident", "incidents", "Incident", "Incidents", "INC", "8.6.1", Area::ResolutionAndFulfilment)
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
        Transition::new(&["new"], "in_progress", "Start work"),
        Transition::new(&["in_progress"], "on_hold", "Put on hold"),
        Transition::new(&["on_hold"], "in_progress", "Resume"),
        Transition::new(&["in_progress", "on_hold"], "resolved", "Resolve").requires(&["resolution"]),
        Transition::new(&["resolved"], "closed", "Close"),
        Transition::new(&["resolved"], "in_progress", "Reopen"),
    ],
};

/// Service request management (8.6.2).
pub static SERVICE_REQUEST: KindDecl = KindDecl {
    purpose: "Requests from users for something the catalogue offers, fulfilled by its instructions.",
    fields: &[
        TITLE.help("What is asked for."),
        FieldDecl::link("request_type", "Request type", &["request_type"], "Requests")
            .required()
            .help("The catalogue entry: its instructions, and whether it needs approval."),
        FieldDecl::person("requester", "Requester").required(),
        DESCRIPTION,
        IMPACT,
        URGENCY,
        ASSIGNEE,
        APPROVER,
        APPROVAL_DECISION,
        APPROVAL_DATE,
        FieldDecl::long("fulfilment", "Fulfilment record").hidden().help("What was done. Needed to fulfil."),
        FieldDecl::new("steps", "Fulfilment steps", crate::domain::kind::FieldType::Log).hidden(),
        NOTES,
    ],
    lifecycle: &SERVICE_REQUEST_LIFECYCLE,
    priority: Some(PriorityInputs { impact: "impact", urgency: "urgency" }),
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Priority,
        Column::Field("request_type"),
        Column::Field("requester"),
        Column::Field("assignee"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("assignee"), ..Roles::NONE },
    ..base(
        "service_request",
        "requests",
        "Service request",
        "Service requests",
        "SR",
        "8.6.2",
        Area::ResolutionAndFulfilment,
    )
};

const NEEDS_APPROVAL: Guard = Guard::WhenLinked {
    link: "request_type",
    flag: "needs_approval",
    then: &Guard::OneOf {
        field: "approval_decision",
        values: &["approved"],
        message: "This request type needs approval before fulfilment.",
    },
};

static SERVICE_REQUEST_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "new", label: "New", tone: Tone::Open },
        StateDecl { id: "awaiting_approval", label: "Awaiting approval", tone: Tone::Waiting },
        StateDecl { id: "in_fulfilment", label: "In fulfilment", tone: Tone::Active },
        StateDecl { id: "fulfilled", label: "Fulfilled", tone: Tone::Done },
        StateDecl { id: "closed", label: "Closed", tone: Tone::Closed },
        StateDecl { id: "rejected", label: "Rejected", tone: Tone::Closed },
        StateDecl { id: "cancelled", label: "Cancelled", tone: Tone::Closed },
    ],
    initial: "new",
    transitions: &[
        Transition::new(&["new"], "awaiting_approval", "Ask for approval"),
        Transition::new(&["awaiting_approval"], "in_fulfilment", "Approve")
            .requires(&["approver", "approval_date"])
            .sets(&[("approval_decision", "approved")]),
        Transition::new(&["awaiting_approval"], "rejected", "Reject")
            .requires(&["approver", "approval_date"])
            .sets(&[("approval_decision", "rejected")]),
        Transition::new(&["new"], "in_fulfilment", "Start fulfilment").guards(&[NEEDS_APPROVAL]),
        Transition::new(&["in_fulfilment"], "fulfilled", "Mark fulfilled").requires(&["fulfilment"]),
        Transition::new(&["fulfilled"], "closed", "Close"),
        Transition::new(&["fulfilled"], "in_fulfilment", "Reopen"),
        Transition::new(&["new", "awaiting_approval", "in_fulfilment"], "cancelled", "Cancel"),
    ],
};

/// Problem management (8.6.3). A problem with a root cause or workaround is a known error.
pub static PROBLEM: KindDecl = KindDecl {
    purpose: "Causes of incidents: investigated, recorded as known errors with workarounds, removed by change.",
    fields: &[
        TITLE.help("The problem, in a few words."),
        FieldDecl::long("symptoms", "Symptoms").required().help("What the incidents have in common."),
        service_link("Problems"),
        items_links("Problems"),
        IMPACT,
        URGENCY,
        OWNER.help("The problem owner."),
        FieldDecl::long("root_cause", "Root cause").help("Why it happens."),
        FieldDecl::long("workaround", "Workaround").help("How to restore service until it is fixed."),
        FieldDecl::long("resolution", "Resolution").help("How the cause was removed."),
        NOTES,
    ],
    lifecycle: &PROBLEM_LIFECYCLE,
    priority: Some(PriorityInputs { impact: "impact", urgency: "urgency" }),
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Priority,
        Column::Field("service"),
        Column::Field("owner"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), service: Some("service"), window: None, items: Some("items") },
    raises: &["change"],
    ..base("problem", "problems", "Problem", "Problems", "PRB", "8.6.3", Area::ResolutionAndFulfilment)
};

/// The state a problem is in once its root cause or workaround is recorded.
pub const KNOWN_ERROR: &str = "known_error";

static PROBLEM_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "new", label: "New", tone: Tone::Open },
        StateDecl { id: "investigating", label: "Investigating", tone: Tone::Active },
        StateDecl { id: KNOWN_ERROR, label: "Known error", tone: Tone::Waiting },
        StateDecl { id: "resolved", label: "Resolved", tone: Tone::Done },
        StateDecl { id: "closed", label: "Closed", tone: Tone::Closed },
        StateDecl { id: "cancelled", label: "Cancelled", tone: Tone::Closed },
    ],
    initial: "new",
    transitions: &[
        Transition::new(&["new"], "investigating", "Investigate"),
        Transition::new(&["new", "investigating"], KNOWN_ERROR, "Record known error").guards(&[Guard::AnyOf {
            fields: &["root_cause", "workaround"],
            message: "Record the root cause or a workaround first.",
        }]),
        Transition::new(&["investigating", KNOWN_ERROR], "resolved", "Resolve").requires(&["resolution"]),
        Transition::new(&["resolved"], "closed", "Close"),
        Transition::new(&["resolved"], "investigating", "Reopen"),
        Transition::new(&["new", "investigating", KNOWN_ERROR], "cancelled", "Cancel"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::assert_moves;

    #[test]
    fn incident_lifecycle_allows_exactly_the_declared_moves() {
        assert_moves(
            INCIDENT.lifecycle,
            &[
                ("new", "in_progress"),
                ("in_progress", "on_hold"),
                ("on_hold", "in_progress"),
                ("in_progress", "resolved"),
                ("on_hold", "resolved"),
                ("resolved", "closed"),
                ("resolved", "in_progress"),
            ],
        );
    }

    #[test]
    fn service_request_lifecycle_allows_exactly_the_declared_moves() {
        assert_moves(
            SERVICE_REQUEST.lifecycle,
            &[
                ("new", "awaiting_approval"),
                ("awaiting_approval", "in_fulfilment"),
                ("awaiting_approval", "rejected"),
                ("new", "in_fulfilment"),
                ("in_fulfilment", "fulfilled"),
                ("fulfilled", "closed"),
                ("fulfilled", "in_fulfilment"),
                ("new", "cancelled"),
                ("awaiting_approval", "cancelled"),
                ("in_fulfilment", "cancelled"),
            ],
        );
    }

    #[test]
    fn problem_lifecycle_allows_exactly_the_declared_moves() {
        assert_moves(
            PROBLEM.lifecycle,
            &[
                ("new", "investigating"),
                ("new", KNOWN_ERROR),
                ("investigating", KNOWN_ERROR),
                ("investigating", "resolved"),
                (KNOWN_ERROR, "resolved"),
                ("resolved", "closed"),
                ("resolved", "investigating"),
                ("new", "cancelled"),
                ("investigating", "cancelled"),
                (KNOWN_ERROR, "cancelled"),
            ],
        );
    }
}
