//! 8.2 Service portfolio: the service catalogue and its request types, configuration items,
//! assets, and the other parties involved in the service lifecycle.

use super::{base, DESCRIPTION, NAME, OWNER};
use crate::domain::kind::{Area, Choice, Column, FieldDecl, KindDecl, Roles, NOTES};
use crate::domain::lifecycle::{Lifecycle, StateDecl, Tone, Transition};
use crate::domain::priority::Level;

/// Service catalogue management (8.2.4). The state is the service's place in the portfolio.
pub static SERVICE: KindDecl = KindDecl {
    purpose: "The services offered: what they deliver, to whom, and what they depend on.",
    fields: &[
        NAME,
        DESCRIPTION.help("What the service delivers and its intended outcomes."),
        OWNER.required().help("The service owner."),
        FieldDecl::links("customers", "Customers", &["customer"], "Services"),
        FieldDecl::choice("criticality", "Criticality", Level::CHOICES)
            .help("How critical the service is to the business."),
        FieldDecl::text("service_hours", "Service hours", 120).help("For example: Mon-Fri 08:00-18:00 CET."),
        FieldDecl::links("depends_on", "Depends on services", &["service"], "Services depending on it"),
        FieldDecl::links("items", "Built on configuration items", &["configuration_item"], "Services built on it"),
        NOTES,
    ],
    lifecycle: &SERVICE_LIFECYCLE,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("criticality"),
        Column::Field("owner"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), items: Some("items"), ..Roles::NONE },
    raises: &["service_design", "sla"],
    ..base("service", "services", "Service", "Services", "SVC", "8.2.4", Area::ServicePortfolio)
};

static SERVICE_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "pipeline", label: "Pipeline", tone: Tone::Open },
        StateDecl { id: "live", label: "Live", tone: Tone::Active },
        StateDecl { id: "retired", label: "Retired", tone: Tone::Closed },
    ],
    initial: "pipeline",
    transitions: &[
        Transition::new(&["pipeline"], "live", "Go live"),
        Transition::new(&["pipeline", "live"], "retired", "Retire"),
        Transition::new(&["retired"], "live", "Bring back"),
    ],
};

/// Request types: the catalogue entries that service requests are made from (8.6.2).
pub static REQUEST_TYPE: KindDecl = KindDecl {
    purpose: "What users may request from a service, with fulfilment instructions and approval rules.",
    fields: &[
        NAME,
        FieldDecl::link("service", "Service", &["service"], "Request types").required(),
        DESCRIPTION,
        FieldDecl::flag("needs_approval", "Needs approval")
            .help("Requests of this type are approved before fulfilment."),
        FieldDecl::long("instructions", "Fulfilment instructions"),
        FieldDecl::number("target_hours", "Fulfilment target (hours)", 0, 100_000),
        OWNER,
        NOTES,
    ],
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("service"),
        Column::Field("needs_approval"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), service: Some("service"), ..Roles::NONE },
    ..base("request_type", "request-types", "Request type", "Request types", "RQT", "8.6.2", Area::ServicePortfolio)
};

static CI_TYPES: &[Choice] = &[
    Choice { value: "hardware", label: "Hardware" },
    Choice { value: "software", label: "Software" },
    Choice { value: "service_component", label: "Service component" },
    Choice { value: "network", label: "Network" },
    Choice { value: "document", label: "Document" },
    Choice { value: "facility", label: "Facility" },
    Choice { value: "other", label: "Other" },
];

/// Configuration management (8.2.6).
pub static CONFIGURATION_ITEM: KindDecl = KindDecl {
    purpose: "The components that make up services, and how they depend on each other.",
    fields: &[
        NAME,
        FieldDecl::choice("ci_type", "Type", CI_TYPES).required(),
        OWNER,
        FieldDecl::text("version", "Version", 60),
        DESCRIPTION,
        FieldDecl::links("depends_on", "Depends on", &["configuration_item"], "Needed by"),
        FieldDecl::links("runs_on", "Runs on", &["configuration_item"], "Hosts"),
        FieldDecl::links("part_of", "Part of", &["configuration_item"], "Made of"),
        FieldDecl::links("connected_to", "Connected to", &["configuration_item"], "Connected from"),
        FieldDecl::date("verified_on", "Last verified").help("When this record was last checked against reality."),
        NOTES,
    ],
    lifecycle: &CI_LIFECYCLE,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("ci_type"),
        Column::Field("version"),
        Column::Field("owner"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), ..Roles::NONE },
    ..base(
        "configuration_item",
        "items",
        "Configuration item",
        "Configuration items",
        "CI",
        "8.2.6",
        Area::ServicePortfolio,
    )
};

static CI_LIFECYCLE: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "planned", label: "Planned", tone: Tone::Open },
        StateDecl { id: "active", label: "Active", tone: Tone::Active },
        StateDecl { id: "maintenance", label: "In maintenance", tone: Tone::Waiting },
        StateDecl { id: "retired", label: "Retired", tone: Tone::Closed },
    ],
    initial: "planned",
    transitions: &[
        Transition::new(&["planned"], "active", "Put in service"),
        Transition::new(&["active"], "maintenance", "Start maintenance"),
        Transition::new(&["maintenance"], "active", "End maintenance"),
        Transition::new(&["planned", "active", "maintenance"], "retired", "Retire"),
    ],
};

static ASSET_TYPES: &[Choice] = &[
    Choice { value: "hardware", label: "Hardware" },
    Choice { value: "software_licence", label: "Software licence" },
    Choice { value: "subscription", label: "Subscription" },
    Choice { value: "information", label: "Information" },
    Choice { value: "other", label: "Other" },
];

/// Asset management (8.2.5).
pub static ASSET: KindDecl = KindDecl {
    purpose: "Assets that support services, with the licence, legal and contractual obligations on them.",
    fields: &[
        NAME,
        FieldDecl::choice("asset_type", "Type", ASSET_TYPES).required(),
        OWNER,
        FieldDecl::link("item", "Configuration item", &["configuration_item"], "Assets"),
        FieldDecl::text("location", "Location", 120),
        FieldDecl::long("obligations", "Obligations").help("Licence terms, legal or contractual requirements."),
        FieldDecl::date("acquired", "Acquired"),
        FieldDecl::date("expires", "Expires").help("Licence, warranty or lease end."),
        NOTES,
    ],
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("asset_type"),
        Column::Field("expires"),
        Column::Field("owner"),
        Column::Updated,
    ],
    ordered: &[("acquired", "expires")],
    roles: Roles { owner: Some("owner"), ..Roles::NONE },
    ..base("asset", "assets", "Asset", "Assets", "AST", "8.2.5", Area::ServicePortfolio)
};

static PARTY_TYPES: &[Choice] = &[
    Choice { value: "external_supplier", label: "External supplier" },
    Choice { value: "internal_supplier", label: "Internal supplier" },
    Choice { value: "customer_supplier", label: "Customer acting as a supplier" },
];

/// Control of parties involved in the service lifecycle (8.2.3).
pub static PARTY: KindDecl = KindDecl {
    purpose: "Other parties that provide or operate services, components or processes, and how they are controlled.",
    fields: &[
        NAME,
        FieldDecl::choice("party_type", "Type", PARTY_TYPES).required(),
        FieldDecl::long("operates", "What they provide or operate").required(),
        FieldDecl::long("controls", "How they are controlled")
            .help("Measures, reviews and how their work is integrated."),
        super::services_links("Parties involved"),
        FieldDecl::link("supplier", "Supplier record", &["supplier"], "Lifecycle roles"),
        OWNER.help("Who stays accountable inside the organisation."),
        NOTES,
    ],
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("party_type"),
        Column::Field("owner"),
        Column::Updated,
    ],
    roles: Roles { owner: Some("owner"), service: Some("services"), ..Roles::NONE },
    ..base("party", "parties", "Party in the service lifecycle", "Parties", "PTY", "8.2.3", Area::ServicePortfolio)
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::{assert_moves, REGISTER};

    #[test]
    fn service_lifecycle_allows_exactly_the_declared_moves() {
        assert_moves(
            SERVICE.lifecycle,
            &[("pipeline", "live"), ("pipeline", "retired"), ("live", "retired"), ("retired", "live")],
        );
    }

    #[test]
    fn configuration_item_lifecycle_allows_exactly_the_declared_moves() {
        assert_moves(
            CONFIGURATION_ITEM.lifecycle,
            &[
                ("planned", "active"),
                ("active", "maintenance"),
                ("maintenance", "active"),
                ("planned", "retired"),
                ("active", "retired"),
                ("maintenance", "retired"),
            ],
        );
    }

    #[test]
    fn registers_retire_and_reinstate() {
        assert_moves(&REGISTER, &[("active", "retired"), ("retired", "active")]);
    }
}
