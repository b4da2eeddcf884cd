//! 8.5 Service design, build and transition: changes, releases, and the design and transition
//! of new or changed services.

use super::{base, items_links, services_links, APPROVAL_DATE, APPROVAL_DECISION, APPROVER, DESCRIPTION, OWNER, TITLE};
use crate::domain::kind::{Area, Choice, Column, FieldDecl, KindDecl, Roles, NOTES};
use crate::domain::lifecycle::{Guard, Lifecycle, StateDecl, Tone, Transition};
use crate::domain::priority::Level;

static CHANGE_TYPES: &[Choice] = &[
    Choice { value: "standard", label: "Standard (pre-approved)" },
    Choice { value: "normal", label: "Normal" },
    Choice { value: "emergency", label: "Emergency" },
];

static RESULTS: &[Choice] = &[
    Choice { value: "successful", label: "Successful" },
    Choice { value: "partial", label: "Partly successful" },
    Choice { value: "failed", label: "Failed" },
    Choice { value: "backed_out", label: "Backed out" },
];

/// Change management (8.5.1).
pub static CHANGE: KindDecl = KindDecl {
    purpose: "Requests for change: assessed for risk and impact, approved, scheduled, implemented and reviewed.",
    fields: &[
        TITLE.help("What changes, in a few words."),
        FieldDecl::choice("change_type", "Type", CHANGE_TYPES)
            .required()
            .help("Normal changes need approval before they are implemented."),
        FieldDecl::long("reason", "Reason").required().help("Why the change is needed."),
        DESCRIPTION.help("What will be done."),
        FieldDecl::choice("risk", "Risk", Level::CHOICES).help("The risk of making the change."),
        FieldDecl::long("impact_assessment", "Impact assessment").help("What the change affects, and how."),
        services_links("Changes"),
        items_links("Changes"),
        FieldDecl::link("problem", "Problem", &["problem"], "Changes").help("The problem this change removes."),
        FieldDecl::links("incidents", "Incidents", &["incident"], "Changes").help("Incidents this change resolves."),
        FieldDecl::instant("planned_start", "Planned start"),
        FieldDecl::instant("planned_end", "Planned end"),
        FieldDecl::long("backout_plan", "Back-out plan").help("How to return to the previous state."),
        OWNER.help("The change owner."),
        FieldDecl::person("authorised_by", "Authorised by").help("Who authorised an emergency change."),
        APPROVER,
        APPROVAL_DECISION,
        APPROVAL_DATE,
        FieldDecl::choice("implementation_result", "Implementation result", RESULTS).hidden(),
        FieldDecl::long("review", "Post-implementation review").hidden().help("Did the change meet its aims?"),
        NOTES,
    ],
    lifecycle: &CHANGE_LIFECYCLE,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("change_type"),
        Column::Field("risk"),
        Column::Field("planned_start"),
        Column::Field("owner"),
        Column::Updated,
    ],
    ordered: &[("planned_start", "planned_end")],
    roles: Roles {
        owner: Some("owner"),
        service: Some("services"),
        window: Some(("planned_start", "planned_end")),
        items: Some("items"),
    },
    raises: &["release"],
    ..base("change", "changes", "Change", "Changes", "CHG", "8.5.1", Area::DesignBuildTransition)
};

/// A normal change is implemented only once approved; an emergency change only with the name
/// of whoever authorised it.
static IMPLEMENT_GUARDS: &[Guard] = &[
    Guard::When {
        field: "change_type",
        values: &["normal"],
        then: &Guard::OneOf {
            field: "approval_decision",
            values: &["approved"],
            message: "A normal change cannot be implemented before it is approved.",
        },
    },
    Guard::When {
        field: "change_type",
        values: &["emergency"],
        then: &Guard::AnyOf { fields: &["authorised_by"], message: "Record who authorised this emergency change." },
    },
];

static CHANGE_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "new", label: "Requested", tone: Tone::Open },
        StateDecl { id: "assessing", label: "Assessing", tone: Tone::Active },
        StateDecl { id: "approved", label: "Approved", tone: Tone::Waiting },
        StateDecl { id: "implementing", label: "Implementing", tone: Tone::Active },
        StateDecl { id: "review", label: "In review", tone: Tone::Done },
        StateDecl { id: "closed", label: "Closed", tone: Tone::Closed },
        StateDecl { id: "rejected", label: "Rejected", tone: Tone::Closed },
        StateDecl { id: "cancelled", label: "Cancelled", tone: Tone::Closed },
    ],
    initial: "new",
    transitions: &[
        Transition::new(&["new"], "assessing", "Assess"),
        Transition::new(&["assessing"], "approved", "Approve")
            .requires(&["risk", "impact_assessment", "approver", "approval_date"])
            .sets(&[("approval_decision", "approved")]),
        Transition::new(&["assessing"], "rejected", "Reject")
            .requires(&["approver", "approval_date"])
            .sets(&[("approval_decision", "rejected")]),
        Transition::new(&["new", "assessing", "approved"], "implementing", "Implement").guards(IMPLEMENT_GUARDS),
        Transition::new(&["implementing"], "review", "Record result").requires(&["implementation_result"]),
        Transition::new(&["review"], "closed", "Close").requires(&["review"]),
        Transition::new(&["new", "assessing", "approved"], "cancelled", "Cancel"),
    ],
};

static ENVIRONMENTS: &[Choice] = &[
    Choice { value: "test", label: "Test" },
    Choice { value: "staging", label: "Staging" },
    Choice { value: "production", label: "Production" },
];

static ACCEPTANCE: &[Choice] =
    &[Choice { value: "passed", label: "Passed" }, Choice { value: "failed", label: "Failed" }];

/// Release and deployment management (8.5.3).
pub static RELEASE: KindDecl = KindDecl {
    purpose: "Releases: the changes they carry, checked against acceptance criteria before deployment.",
    fields: &[
        TITLE.help("The release, such as \"Mail 4.2\"."),
        FieldDecl::links("changes", "Changes included", &["change"], "Releases"),
        FieldDecl::choice("environment", "Environment", ENVIRONMENTS).required(),
        FieldDecl::instant("planned_start", "Planned deployment"),
        FieldDecl::instant("planned_end", "Planned end"),
        FieldDecl::long("acceptance_criteria", "Acceptance criteria"),
        OWNER.help("The release manager."),
        FieldDecl::choice("acceptance_result", "Acceptance result", ACCEPTANCE).hidden(),
        FieldDecl::long("acceptance_notes", "Acceptance evidence").hidden(),
        FieldDecl::instant("deployed_at", "Deployed at").hidden(),
        NOTES,
    ],
    lifecycle: &RELEASE_LIFECYCLE,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("environment"),
        Column::Field("planned_start"),
        Column::Field("owner"),
        Column::Updated,
    ],
    ordered: &[("planned_start", "planned_end")],
    roles: Roles { owner: Some("owner"), window: Some(("planned_start", "planned_end")), ..Roles::NONE },
    ..base("release", "releases", "Release", "Releases", "REL", "8.5.3", Area::DesignBuildTransition)
};

static RELEASE_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "planned", label: "Planned", tone: Tone::Open },
        StateDecl { id: "building", label: "Building", tone: Tone::Active },
        StateDecl { id: "testing", label: "Acceptance testing", tone: Tone::Active },
        StateDecl { id: "accepted", label: "Accepted", tone: Tone::Waiting },
        StateDecl { id: "deployed", label: "Deployed", tone: Tone::Done },
        StateDecl { id: "closed", label: "Closed", tone: Tone::Closed },
        StateDecl { id: "cancelled", label: "Cancelled", tone: Tone::Closed },
    ],
    initial: "planned",
    transitions: &[
        Transition::new(&["planned"], "building", "Start build"),
        Transition::new(&["building"], "testing", "Start acceptance test"),
        Transition::new(&["testing"], "accepted", "Accept")
            .requires(&["acceptance_notes"])
            .sets(&[("acceptance_result", "passed")]),
        Transition::new(&["testing"], "building", "Fail acceptance")
            .requires(&["acceptance_notes"])
            .sets(&[("acceptance_result", "failed")]),
        Transition::new(&["accepted"], "deployed", "Record deployment").requires(&["deployed_at"]),
        Transition::new(&["deployed"], "closed", "Close"),
        Transition::new(&["planned", "building", "testing", "accepted"], "cancelled", "Cancel"),
    ],
};

/// Service design and transition (8.5.2): a new or changed service brought into operation.
pub static SERVICE_DESIGN: KindDecl = KindDecl {
    purpose: "New or changed services: planned, designed, built and transitioned through changes and releases.",
    fields: &[
        TITLE.help("The new or changed service, or its retirement."),
        FieldDecl::link("service", "Service", &["service"], "Designs and transitions").required(),
        DESCRIPTION,
        FieldDecl::long("requirements", "Service requirements"),
        FieldDecl::long("design", "Design")
            .help("How the service meets its requirements; agreements and catalogue affected."),
        FieldDecl::long("acceptance_criteria", "Acceptance criteria"),
        FieldDecl::links("changes", "Changes", &["change"], "Designs and transitions"),
        FieldDecl::links("releases", "Releases", &["release"], "Designs and transitions"),
        FieldDecl::date("planned_start", "Planned start"),
        FieldDecl::date("planned_end", "Planned end"),
        OWNER,
        FieldDecl::long("outcome", "Outcome").hidden().help("Results against what was expected."),
        NOTES,
    ],
    lifecycle: &SERVICE_DESIGN_LIFECYCLE,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("service"),
        Column::Field("planned_end"),
        Column::Field("owner"),
        Column::Updated,
    ],
    ordered: &[("planned_start", "planned_end")],
    roles: Roles { owner: Some("owner"), service: Some("service"), ..Roles::NONE },
    ..base(
        "service_design",
        "designs",
        "Service design and transition",
        "Designs and transitions",
        "SDT",
        "8.5.2",
        Area::DesignBuildTransition,
    )
};

static SERVICE_DESIGN_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "planning", label: "Planning", tone: Tone::Open },
        StateDecl { id: "design", label: "Design", tone: Tone::Active },
        StateDecl { id: "transition", label: "Build and transition", tone: Tone::Active },
        StateDecl { id: "completed", label: "Completed", tone: Tone::Done },
        StateDecl { id: "cancelled", label: "Cancelled", tone: Tone::Closed },
    ],
    initial: "planning",
    transitions: &[
        Transition::new(&["planning"], "design", "Start design").requires(&["requirements"]),
        Transition::new(&["design"], "transition", "Start build and transition").requires(&["design"]),
        Transition::new(&["transition"], "completed", "Complete").requires(&["outcome"]),
        Transition::new(&["planning", "design", "transition"], "cancelled", "Cancel"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::assert_moves;

    #[test]
    fn change_lifecycle_allows_exactly_the_declared_moves() {
        assert_moves(
            CHANGE.lifecycle,
            &[
                ("new", "assessing"),
                ("assessing", "approved"),
                ("assessing", "rejected"),
                ("new", "implementing"),
                ("assessing", "implementing"),
                ("approved", "implementing"),
                ("implementing", "review"),
                ("review", "closed"),
                ("new", "cancelled"),
                ("assessing", "cancelled"),
                ("approved", "cancelled"),
            ],
        );
    }

    #[test]
    fn release_lifecycle_allows_exactly_the_declared_moves() {
        assert_moves(
            RELEASE.lifecycle,
            &[
                ("planned", "building"),
                ("building", "testing"),
                ("testing", "accepted"),
                ("testing", "building"),
                ("accepted", "deployed"),
                ("deployed", "closed"),
                ("planned", "cancelled"),
                ("building", "cancelled"),
                ("testing", "cancelled"),
                ("accepted", "cancelled"),
            ],
        );
    }

    #[test]
    fn service_design_lifecycle_allows_exactly_the_declared_moves() {
        assert_moves(
            SERVICE_DESIGN.lifecycle,
            &[
                ("planning", "design"),
                ("design", "transition"),
                ("transition", "completed"),
                ("planning", "cancelled"),
                ("design", "cancelled"),
                ("transition", "cancelled"),
            ],
        );
    }
}
