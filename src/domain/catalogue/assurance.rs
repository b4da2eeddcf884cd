//! 8.7 Service assurance: availability and continuity plans, and the tests run on them.
//! (Information security incidents are incidents with the security flag.)

use super::{base, services_links, APPROVED_BY, OWNER, PLAN, REVIEW_DATE, TITLE};
use crate::domain::kind::{Area, Choice, Column, FieldDecl, KindDecl, Roles, NOTES};
use crate::domain::lifecycle::{Lifecycle, StateDecl, Tone, Transition};

/// Service availability management (8.7.1).
pub static AVAILABILITY_PLAN: KindDecl = KindDecl {
    purpose: "Availability requirements, targets and risks per service.",
    fields: &[
        TITLE,
        services_links("Availability plans"),
        FieldDecl::long("requirements", "Availability requirements").required(),
        FieldDecl::long("risks", "Availability risks"),
        FieldDecl::long("monitoring", "Monitoring and reporting"),
        REVIEW_DATE,
        OWNER,
        APPROVED_BY,
        NOTES,
    ],
    lifecycle: &PLAN,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("review_date"),
        Column::Field("owner"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), service: Some("services"), ..Roles::NONE },
    ..base(
        "availability_plan",
        "availability",
        "Availability plan",
        "Availability plans",
        "AVP",
        "8.7.1",
        Area::ServiceAssurance,
    )
};

/// Service continuity management (8.7.2).
pub static CONTINUITY_PLAN: KindDecl = KindDecl {
    purpose: "Continuity plans: requirements from risk and agreements, recovery steps, invocations.",
    fields: &[
        TITLE,
        services_links("Continuity plans"),
        FieldDecl::long("requirements", "Continuity requirements").required(),
        FieldDecl::text("recovery_time", "Recovery time objective", 60),
        FieldDecl::long("recovery", "Recovery steps"),
        REVIEW_DATE,
        OWNER,
        APPROVED_BY,
        FieldDecl::new("invocations", "Invocations", crate::domain::kind::FieldType::Log).hidden(),
        NOTES,
    ],
    lifecycle: &PLAN,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("recovery_time"),
        Column::Field("review_date"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), service: Some("services"), ..Roles::NONE },
    ..base(
        "continuity_plan",
        "continuity",
        "Continuity plan",
        "Continuity plans",
        "CTP",
        "8.7.2",
        Area::ServiceAssurance,
    )
};

static OUTCOMES: &[Choice] = &[
    Choice { value: "passed", label: "Passed" },
    Choice { value: "partial", label: "Partly passed" },
    Choice { value: "failed", label: "Failed" },
];

/// Tests of availability and continuity plans (8.7.1, 8.7.2), and the actions they raise.
pub static PLAN_TEST: KindDecl = KindDecl {
    purpose: "Tests of availability and continuity plans, their results and follow-up actions.",
    fields: &[
        TITLE,
        FieldDecl::link("plan", "Plan tested", &["availability_plan", "continuity_plan"], "Tests").required(),
        FieldDecl::date("planned_date", "Planned date"),
        FieldDecl::long("scenario", "Scenario"),
        FieldDecl::choice("outcome", "Outcome", OUTCOMES).hidden(),
        FieldDecl::long("findings", "Findings").hidden(),
        FieldDecl::long("actions", "Follow-up actions"),
        OWNER,
        NOTES,
    ],
    lifecycle: &PLAN_TEST_LIFECYCLE,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("plan"),
        Column::Field("planned_date"),
        Column::Field("outcome"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), ..Roles::NONE },
    ..base("plan_test", "plan-tests", "Plan test", "Plan tests", "TST", "8.7.2", Area::ServiceAssurance)
};

static PLAN_TEST_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "planned", label: "Planned", tone: Tone::Open },
        StateDecl { id: "done", label: "Done", tone: Tone::Done },
        StateDecl { id: "cancelled", label: "Cancelled", tone: Tone::Closed },
    ],
    initial: "planned",
    transitions: &[
        Transition::new(&["planned"], "done", "Record result").requires(&["outcome", "findings"]),
        Transition::new(&["planned"], "cancelled", "Cancel"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::assert_moves;

    #[test]
    fn plan_tests_are_recorded_or_cancelled() {
        assert_moves(PLAN_TEST.lifecycle, &[("planned", "done"), ("planned", "cancelled")]);
    }
}
