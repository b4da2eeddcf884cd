//! 8.3 Relationship and agreement: customers and their complaints, service level agreements,
//! suppliers with their contracts, and internal agreements.

use super::{base, service_link, services_links, AGREEMENT, APPROVED_BY, DESCRIPTION, NAME, OWNER, REVIEW_DATE, TITLE};
use crate::domain::kind::{Area, Choice, Column, FieldDecl, FieldType, KindDecl, Roles, NOTES};
use crate::domain::lifecycle::{Lifecycle, StateDecl, Tone, Transition};

static CUSTOMER_TYPES: &[Choice] = &[
    Choice { value: "customer", label: "Customer" },
    Choice { value: "user", label: "User group" },
    Choice { value: "interested_party", label: "Other interested party" },
];

const fn log(id: &'static str, label: &'static str) -> FieldDecl {
    FieldDecl::new(id, label, FieldType::Log).hidden()
}

/// Business relationship management (8.3.2).
pub static CUSTOMER: KindDecl = KindDecl {
    purpose: "Customers, users and other interested parties: service reviews and satisfaction.",
    fields: &[
        NAME,
        FieldDecl::choice("customer_type", "Type", CUSTOMER_TYPES).required(),
        FieldDecl::text("contact", "Contact", 200).help("Name, e-mail or phone of the customer's contact."),
        OWNER.help("The relationship manager."),
        DESCRIPTION,
        log("service_reviews", "Service reviews"),
        log("satisfaction", "Satisfaction results"),
        NOTES,
    ],
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("customer_type"),
        Column::Field("owner"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), ..Roles::NONE },
    ..base("customer", "customers", "Customer", "Customers", "CUS", "8.3.2", Area::RelationshipAndAgreement)
};

/// Complaints (8.3.2), handled through to closure.
pub static COMPLAINT: KindDecl = KindDecl {
    purpose: "Customer complaints, investigated and handled through to closure.",
    fields: &[
        TITLE,
        FieldDecl::link("customer", "Customer", &["customer"], "Complaints").required(),
        service_link("Complaints"),
        DESCRIPTION.required(),
        FieldDecl::date("received", "Received"),
        OWNER,
        FieldDecl::long("resolution", "Resolution").hidden().help("What was done. Needed to resolve."),
        NOTES,
    ],
    lifecycle: &COMPLAINT_LIFECYCLE,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("customer"),
        Column::Field("owner"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), service: Some("service"), ..Roles::NONE },
    ..base("complaint", "complaints", "Complaint", "Complaints", "CMP", "8.3.2", Area::RelationshipAndAgreement)
};

static COMPLAINT_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "open", label: "Open", tone: Tone::Open },
        StateDecl { id: "investigating", label: "Investigating", tone: Tone::Active },
        StateDecl { id: "resolved", label: "Resolved", tone: Tone::Done },
        StateDecl { id: "closed", label: "Closed", tone: Tone::Closed },
    ],
    initial: "open",
    transitions: &[
        Transition::new(&["open"], "investigating", "Investigate"),
        Transition::new(&["open", "investigating"], "resolved", "Resolve").requires(&["resolution"]),
        Transition::new(&["resolved"], "closed", "Close"),
        Transition::new(&["resolved"], "investigating", "Reopen"),
    ],
};

const fn minutes(id: &'static str, label: &'static str) -> FieldDecl {
    FieldDecl::number(id, label, 0, 1_000_000)
}

/// Service level management (8.3.3). The targets are measured by the SLA clocks.
pub static SLA: KindDecl = KindDecl {
    purpose: "Service level agreements: the targets agreed with customers, reviewed at intervals.",
    fields: &[
        TITLE,
        service_link("Service level agreements").required(),
        FieldDecl::link("customer", "Customer", &["customer"], "Service level agreements"),
        FieldDecl::new("availability", "Availability target", FieldType::Percent).help("For example 99.9"),
        FieldDecl::text("service_hours", "Service hours", 120),
        minutes("p1_response", "P1 response (minutes)"),
        minutes("p1_resolution", "P1 resolution (minutes)"),
        minutes("p2_response", "P2 response (minutes)"),
        minutes("p2_resolution", "P2 resolution (minutes)"),
        minutes("p3_response", "P3 response (minutes)"),
        minutes("p3_resolution", "P3 resolution (minutes)"),
        minutes("p4_response", "P4 response (minutes)"),
        minutes("p4_resolution", "P4 resolution (minutes)"),
        REVIEW_DATE,
        OWNER.help("The service level manager."),
        APPROVED_BY,
        NOTES,
    ],
    lifecycle: &AGREEMENT,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("service"),
        Column::Field("customer"),
        Column::Field("review_date"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), service: Some("service"), ..Roles::NONE },
    ..base(
        "sla",
        "slas",
        "Service level agreement",
        "Service level agreements",
        "SLA",
        "8.3.3",
        Area::RelationshipAndAgreement,
    )
};

/// Supplier management (8.3.4.1): the supplier and its responsible owner.
pub static SUPPLIER: KindDecl = KindDecl {
    purpose: "External suppliers, each with a responsible owner.",
    fields: &[
        NAME,
        OWNER.required().help("Who is responsible for the supplier."),
        FieldDecl::text("contact", "Contact", 200),
        services_links("Suppliers"),
        DESCRIPTION,
        NOTES,
    ],
    list_columns: &[Column::Reference, Column::Field("title"), Column::State, Column::Field("owner"), Column::Updated],
    roles: Roles { owner: Some("owner"), service: Some("services"), ..Roles::NONE },
    ..base("supplier", "suppliers", "Supplier", "Suppliers", "SUP", "8.3.4.1", Area::RelationshipAndAgreement)
};

/// Contracts with external suppliers (8.3.4.1): performance reviews and disputes kept on them.
pub static CONTRACT: KindDecl = KindDecl {
    purpose: "Contracts with suppliers: scope, dates, performance reviews and disputes.",
    fields: &[
        TITLE,
        FieldDecl::link("supplier", "Supplier", &["supplier"], "Contracts").required(),
        FieldDecl::text("contract_ref", "Contract reference", 80).required(),
        services_links("Contracts"),
        FieldDecl::long("scope", "Scope, targets and obligations"),
        FieldDecl::date("start_date", "Starts"),
        FieldDecl::date("end_date", "Ends"),
        REVIEW_DATE,
        OWNER,
        APPROVED_BY,
        log("performance_reviews", "Performance reviews"),
        log("disputes", "Disputes"),
        NOTES,
    ],
    lifecycle: &AGREEMENT,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("supplier"),
        Column::Field("end_date"),
        Column::Field("review_date"),
        Column::Updated,
    ],
    ordered: &[("start_date", "end_date")],
    roles: Roles { owner: Some("owner"), service: Some("services"), ..Roles::NONE },
    ..base("contract", "contracts", "Contract", "Contracts", "CON", "8.3.4.1", Area::RelationshipAndAgreement)
};

/// Internal suppliers and customers acting as a supplier (8.3.4.2).
pub static INTERNAL_AGREEMENT: KindDecl = KindDecl {
    purpose: "Operational level agreements with internal suppliers and customers acting as suppliers.",
    fields: &[
        TITLE,
        FieldDecl::text("provider", "Provided by", 120).required().help("The internal team or customer that supplies."),
        service_link("Internal agreements"),
        FieldDecl::long("targets", "Targets and obligations"),
        REVIEW_DATE,
        OWNER,
        APPROVED_BY,
        log("reviews", "Performance reviews"),
        NOTES,
    ],
    lifecycle: &AGREEMENT,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("provider"),
        Column::Field("service"),
        Column::Field("review_date"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), service: Some("service"), ..Roles::NONE },
    ..base(
        "internal_agreement",
        "olas",
        "Internal agreement (OLA)",
        "Internal agreements",
        "OLA",
        "8.3.4.2",
        Area::RelationshipAndAgreement,
    )
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::assert_moves;

    #[test]
    fn agreements_are_agreed_reviewed_and_ended() {
        assert_moves(
            &AGREEMENT,
            &[
                ("draft", "agreed"),
                ("agreed", "under_review"),
                ("under_review", "agreed"),
                ("draft", "ended"),
                ("agreed", "ended"),
                ("under_review", "ended"),
            ],
        );
    }

    #[test]
    fn complaints_are_handled_through_to_closure() {
        assert_moves(
            COMPLAINT.lifecycle,
            &[
                ("open", "investigating"),
                ("open", "resolved"),
                ("investigating", "resolved"),
                ("resolved", "closed"),
                ("resolved", "investigating"),
            ],
        );
    }
}
