//! The kinds of record Servicebook knows, declared once and read by every generic page.
//!
//! One module per group of ISO/IEC 20000-1:2018 clause 8, so an auditor's question ("where
//! are the records of 8.3.4.1?") maps to a file. Lifecycles and fields that several kinds
//! share live here.

mod assurance;
mod design_transition;
mod portfolio;
mod relationship;
mod resolution;
mod supply_demand;

use super::ids::RecordId;
use super::kind::{Area, Choice, FieldDecl, KindDecl, Roles};
use super::lifecycle::{Lifecycle, StateDecl, Tone, Transition};

pub use assurance::{AVAILABILITY_PLAN, CONTINUITY_PLAN, PLAN_TEST};
pub use design_transition::{CHANGE, RELEASE, SERVICE_DESIGN};
pub use portfolio::{ASSET, CONFIGURATION_ITEM, PARTY, REQUEST_TYPE, SERVICE};
pub use relationship::{COMPLAINT, CONTRACT, CUSTOMER, INTERNAL_AGREEMENT, SLA, SUPPLIER};
pub use resolution::{INCIDENT, PROBLEM, SERVICE_REQUEST};
pub use supply_demand::{BUDGET, CAPACITY_PLAN, DEMAND_FORECAST};

/// Every kind the app lists, in navigation order within each area.
pub static KINDS: &[&KindDecl] = &[
    &INCIDENT,
    &SERVICE_REQUEST,
    &PROBLEM,
    &CHANGE,
    &RELEASE,
    &SERVICE_DESIGN,
    &SERVICE,
    &REQUEST_TYPE,
    &CONFIGURATION_ITEM,
    &ASSET,
    &PARTY,
    &CUSTOMER,
    &COMPLAINT,
    &SLA,
    &SUPPLIER,
    &CONTRACT,
    &INTERNAL_AGREEMENT,
    &BUDGET,
    &DEMAND_FORECAST,
    &CAPACITY_PLAN,
    &AVAILABILITY_PLAN,
    &CONTINUITY_PLAN,
    &PLAN_TEST,
];

pub fn kind(id: &str) -> Option<&'static KindDecl> {
    KINDS.iter().copied().chain([&SETTINGS]).find(|kind| kind.id == id)
}

pub fn kind_by_slug(slug: &str) -> Option<&'static KindDecl> {
    KINDS.iter().copied().find(|kind| kind.slug == slug)
}

/// The kinds of one area, in navigation order.
pub fn kinds_in(area: Area) -> impl Iterator<Item = &'static KindDecl> {
    KINDS.iter().copied().filter(move |kind| kind.area == area)
}

// ---- fields several kinds share -------------------------------------------------------------

pub(crate) const TITLE: FieldDecl = FieldDecl::text("title", "Title", 200).required();
pub(crate) const NAME: FieldDecl = FieldDecl::text("title", "Name", 120).required();
pub(crate) const DESCRIPTION: FieldDecl = FieldDecl::long("description", "Description");
pub(crate) const OWNER: FieldDecl = FieldDecl::person("owner", "Owner").help("The person accountable for it.");
pub(crate) const REVIEW_DATE: FieldDecl =
    FieldDecl::date("review_date", "Next review").help("When it is next reviewed.");
pub(crate) const APPROVED_BY: FieldDecl = FieldDecl::person("approved_by", "Approved by").hidden();
pub(crate) const APPROVER: FieldDecl = FieldDecl::person("approver", "Approver").hidden();
pub(crate) const APPROVAL_DATE: FieldDecl = FieldDecl::date("approval_date", "Approval date").hidden();
pub(crate) const APPROVAL_DECISION: FieldDecl =
    FieldDecl::choice("approval_decision", "Approval decision", DECISIONS).hidden();
pub(crate) const PERIOD_START: FieldDecl = FieldDecl::date("period_start", "Period from").required();
pub(crate) const PERIOD_END: FieldDecl = FieldDecl::date("period_end", "Period to").required();

pub(crate) static DECISIONS: &[Choice] =
    &[Choice { value: "approved", label: "Approved" }, Choice { value: "rejected", label: "Rejected" }];

/// A link to the service concerned.
pub(crate) const fn service_link(inverse: &'static str) -> FieldDecl {
    FieldDecl::link("service", "Service", &["service"], inverse)
}

/// Links to the services concerned.
pub(crate) const fn services_links(inverse: &'static str) -> FieldDecl {
    FieldDecl::links("services", "Services", &["service"], inverse)
}

/// Links to the configuration items concerned.
pub(crate) const fn items_links(inverse: &'static str) -> FieldDecl {
    FieldDecl::links("items", "Configuration items", &["configuration_item"], inverse)
}

/// Defaults for a kind: `..base(..)` fills what a declaration leaves out.
pub(crate) const fn base(
    id: &'static str,
    slug: &'static str,
    label: &'static str,
    plural: &'static str,
    prefix: &'static str,
    clause: &'static str,
    area: Area,
) -> KindDecl {
    KindDecl {
        id,
        slug,
        label,
        plural,
        prefix,
        clause,
        area,
        purpose: "",
        fields: &[],
        lifecycle: &REGISTER,
        title_field: "title",
        priority: None,
        list_columns: &[],
        ordered: &[],
        roles: Roles::NONE,
        raises: &[],
    }
}

// ---- lifecycles several kinds share ---------------------------------------------------------

/// Registers (assets, parties, customers, suppliers, request types): in use, or retired.
pub(crate) static REGISTER: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "active", label: "Active", tone: Tone::Active },
        StateDecl { id: "retired", label: "Retired", tone: Tone::Closed },
    ],
    initial: "active",
    transitions: &[
        Transition::new(&["active"], "retired", "Retire"),
        Transition::new(&["retired"], "active", "Reinstate"),
    ],
};

/// Agreements (SLAs, contracts, internal agreements): drafted, agreed, reviewed, ended.
pub(crate) static AGREEMENT: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "draft", label: "Draft", tone: Tone::Open },
        StateDecl { id: "agreed", label: "Agreed", tone: Tone::Active },
        StateDecl { id: "under_review", label: "Under review", tone: Tone::Waiting },
        StateDecl { id: "ended", label: "Ended", tone: Tone::Closed },
    ],
    initial: "draft",
    transitions: &[
        Transition::new(&["draft"], "agreed", "Record agreement").requires(&["approved_by"]),
        Transition::new(&["agreed"], "under_review", "Start review"),
        Transition::new(&["under_review"], "agreed", "Confirm after review").requires(&["review_date"]),
        Transition::new(&["draft", "agreed", "under_review"], "ended", "End"),
    ],
};

/// Plans and forecasts: drafted, approved, revised, superseded.
pub(crate) static PLAN: Lifecycle = Lifecycle {
    states: &[
        StateDecl { id: "draft", label: "Draft", tone: Tone::Open },
        StateDecl { id: "approved", label: "Approved", tone: Tone::Active },
        StateDecl { id: "superseded", label: "Superseded", tone: Tone::Closed },
    ],
    initial: "draft",
    transitions: &[
        Transition::new(&["draft"], "approved", "Approve").requires(&["approved_by"]),
        Transition::new(&["approved"], "draft", "Revise"),
        Transition::new(&["draft", "approved"], "superseded", "Supersede"),
    ],
};

// ---- the shared settings record -------------------------------------------------------------

/// The one settings record (shared data such as the priority matrix). Its id is the same in
/// every browser, so teammates' settings edits fold into one record.
pub static SETTINGS: KindDecl = KindDecl {
    purpose: "Shared settings.",
    lifecycle: &SETTINGS_LIFECYCLE,
    ..base("settings", "settings", "Settings", "Settings", "SET", "", Area::Internal)
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

/// All kinds including the settings record.
pub fn all_kinds() -> impl Iterator<Item = &'static KindDecl> {
    KINDS.iter().copied().chain([&SETTINGS])
}

/// Every pair of states of a lifecycle: exactly the listed moves are allowed.
#[cfg(test)]
pub(crate) fn assert_moves(lifecycle: &Lifecycle, allowed: &[(&str, &str)]) {
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
    let n = lifecycle.states.len();
    assert_eq!(refused, n * n - allowed.len());
    assert!(lifecycle.transition(lifecycle.initial, "bogus").is_err());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kind::{Column, FieldType};
    use crate::domain::lifecycle::Guard;
    use std::collections::BTreeSet;

    fn guard_fields(guard: &Guard, out: &mut Vec<&'static str>) {
        match guard {
            Guard::OneOf { field, .. } => out.push(field),
            Guard::AnyOf { fields, .. } => out.extend(fields.iter()),
            Guard::When { field, then, .. } => {
                out.push(field);
                guard_fields(then, out);
            }
            Guard::WhenLinked { link, then, .. } => {
                out.push(link);
                guard_fields(then, out);
            }
        }
    }

    /// Every name a declaration uses resolves: fields, states, link targets, columns, roles.
    #[test]
    fn declarations_are_consistent() {
        let mut ids = BTreeSet::new();
        let mut slugs = BTreeSet::new();
        let mut prefixes = BTreeSet::new();
        for decl in all_kinds() {
            assert!(ids.insert(decl.id), "two kinds are called {}", decl.id);
            assert!(slugs.insert(decl.slug), "two kinds use the slug {}", decl.slug);
            assert!(prefixes.insert(decl.prefix), "two kinds use the prefix {}", decl.prefix);
            assert_eq!(kind(decl.id).map(|k| k.id), Some(decl.id));
            assert!(decl.lifecycle.state(decl.lifecycle.initial).is_some(), "{}", decl.id);
            if decl.area == Area::Internal {
                continue;
            }
            assert_eq!(kind_by_slug(decl.slug).map(|k| k.id), Some(decl.id));
            assert!(!decl.purpose.is_empty(), "{} says what it is for", decl.id);
            assert!(decl.field(decl.title_field).is_some_and(|f| f.required), "{} has a required title", decl.id);
            assert!(decl.field("notes").is_some_and(|f| f.ty == FieldType::Log), "{} has work notes", decl.id);
            let mut field_ids = BTreeSet::new();
            for field in decl.fields {
                assert!(field_ids.insert(field.id), "{} declares {} twice", decl.id, field.id);
                if let Some(target) = field.target() {
                    assert!(!target.kinds.is_empty() && !target.inverse.is_empty(), "{}.{}", decl.id, field.id);
                    for kind_id in target.kinds {
                        assert!(kind(kind_id).is_some(), "{}.{} links to unknown kind {}", decl.id, field.id, kind_id);
                    }
                }
            }
            for t in decl.lifecycle.transitions {
                assert!(!t.from.is_empty());
                for from in t.from {
                    assert!(decl.lifecycle.state(from).is_some(), "{}: unknown state {}", decl.id, from);
                }
                assert!(decl.lifecycle.state(t.to).is_some(), "{}: unknown state {}", decl.id, t.to);
                let mut named: Vec<&str> = t.requires.to_vec();
                named.extend(t.sets.iter().map(|(field, _)| *field));
                for guard in t.guards {
                    guard_fields(guard, &mut named);
                }
                for field in named {
                    assert!(decl.field(field).is_some(), "{}: transition to {} names unknown {}", decl.id, t.to, field);
                }
                for (field, value) in t.sets {
                    let decl_field = decl.field(field).map(|f| f.ty);
                    assert!(
                        matches!(decl_field, Some(FieldType::Choice(choices)) if choices.iter().any(|c| c.value == *value)),
                        "{}: {} cannot be set to {}",
                        decl.id,
                        field,
                        value
                    );
                }
            }
            for column in decl.list_columns {
                if let Column::Field(field) = column {
                    assert!(decl.field(field).is_some(), "{} lists unknown {}", decl.id, field);
                }
            }
            for (start, end) in decl.ordered {
                assert!(decl.field(start).is_some() && decl.field(end).is_some(), "{} orders unknown fields", decl.id);
            }
            let roles = decl.roles;
            for field in [roles.owner, roles.service, roles.items].into_iter().flatten() {
                assert!(decl.field(field).is_some(), "{} role names unknown {}", decl.id, field);
            }
            if let Some((start, end)) = roles.window {
                assert!(decl.field(start).is_some() && decl.field(end).is_some(), "{} window", decl.id);
            }
        }
    }

    /// For every kind, every transition that needs fields is refused without them, naming
    /// each missing field, and saves nothing; the same move with them passes its requirement.
    #[test]
    fn every_transition_refuses_to_run_without_its_required_fields() {
        use crate::domain::command::{transition, Actor, CommandError, Context};
        use crate::domain::edit::{ChangeSet, Edit};
        use crate::domain::ids::{ChangeSetId, Member, ReplicaId};
        use crate::domain::record::Record;
        use crate::domain::value::Value;
        use chrono::{DateTime, Utc};
        let none: std::collections::BTreeMap<RecordId, Record> = Default::default();
        let ctx = Context::new(&Utc, &none);
        let actor = Actor {
            member: Member::new("Ada").unwrap(),
            at: DateTime::<Utc>::UNIX_EPOCH,
            change_set: ChangeSetId::new(9, [9; 10]),
        };
        let mut checked = 0;
        for decl in KINDS {
            for t in decl.lifecycle.transitions.iter().filter(|t| !t.requires.is_empty()) {
                for from in t.from {
                    let record = Record::new(&ChangeSet {
                        id: ChangeSetId::new(1, [1; 10]),
                        record: RecordId::new(1, [1; 10]),
                        kind: crate::domain::name::Name::new(decl.id),
                        member: Member::new("Ada").unwrap(),
                        at: DateTime::<Utc>::UNIX_EPOCH,
                        stamp: crate::domain::clock::Stamp { wall_ms: 1, counter: 0, replica: ReplicaId(1) },
                        edits: vec![Edit::set("state", Some(Value::Text((*from).into())), vec![])],
                    });
                    let Err(CommandError::Invalid(errors)) =
                        transition(decl, &record, t.to, &Default::default(), &ctx, &actor)
                    else {
                        panic!("{}: {} -> {} ran without {:?}", decl.id, from, t.to, t.requires);
                    };
                    for field in t.requires {
                        assert!(
                            errors.iter().any(|e| e.field == *field),
                            "{}: {} -> {} did not ask for {}",
                            decl.id,
                            from,
                            t.to,
                            field
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 20, "only {checked} transitions need fields");
    }

    #[test]
    fn every_area_of_clause_8_has_kinds() {
        for area in Area::ALL {
            assert!(kinds_in(area).count() > 0, "{:?}", area);
        }
        assert_eq!(kinds_in(Area::Internal).count(), 0);
    }
}
