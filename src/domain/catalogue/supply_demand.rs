//! 8.4 Supply and demand: budgets and costs, demand forecasts, capacity plans.

use super::{base, service_link, APPROVED_BY, OWNER, PERIOD_END, PERIOD_START, PLAN, TITLE};
use crate::domain::kind::{Area, Column, FieldDecl, KindDecl, Roles, NOTES};

const MONEY: i64 = 1_000_000_000_000;

/// Budgeting and accounting for services (8.4.1).
pub static BUDGET: KindDecl = KindDecl {
    purpose: "Budget and actual cost per service and period.",
    fields: &[
        TITLE,
        service_link("Budgets").required(),
        PERIOD_START,
        PERIOD_END,
        FieldDecl::number("budget", "Budget", 0, MONEY).required().help("In the organisation's currency."),
        FieldDecl::number("actual", "Actual cost", 0, MONEY),
        FieldDecl::long("cost_model", "Cost model").help("How costs are attributed to the service."),
        OWNER,
        APPROVED_BY,
        NOTES,
    ],
    lifecycle: &PLAN,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("service"),
        Column::Field("period_start"),
        Column::Field("budget"),
        Column::Field("actual"),
        Column::Updated,
    ],
    ordered: &[("period_start", "period_end")],
    roles: Roles { owner: Some("owner"), service: Some("service"), ..Roles::NONE },
    ..base("budget", "budgets", "Budget", "Budgets", "BUD", "8.4.1", Area::SupplyAndDemand)
};

/// Demand management (8.4.2).
pub static DEMAND_FORECAST: KindDecl = KindDecl {
    purpose: "Current and forecast demand for a service, and what was consumed.",
    fields: &[
        TITLE,
        service_link("Demand forecasts").required(),
        PERIOD_START,
        PERIOD_END,
        FieldDecl::long("forecast", "Forecast").required().help("Expected demand and what drives it."),
        FieldDecl::long("consumption", "Consumption").help("What was actually used."),
        OWNER,
        APPROVED_BY,
        NOTES,
    ],
    lifecycle: &PLAN,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("service"),
        Column::Field("period_start"),
        Column::Updated,
    ],
    ordered: &[("period_start", "period_end")],
    roles: Roles { owner: Some("owner"), service: Some("service"), ..Roles::NONE },
    ..base("demand_forecast", "demand", "Demand forecast", "Demand forecasts", "DMD", "8.4.2", Area::SupplyAndDemand)
};

/// Capacity management (8.4.3), fed by demand forecasts.
pub static CAPACITY_PLAN: KindDecl = KindDecl {
    purpose: "Capacity plans: human, technical, information and financial capacity to meet demand.",
    fields: &[
        TITLE,
        service_link("Capacity plans").required(),
        FieldDecl::links("forecasts", "Demand forecasts", &["demand_forecast"], "Capacity plans"),
        PERIOD_START,
        PERIOD_END,
        FieldDecl::long("requirements", "Capacity needed").required(),
        FieldDecl::long("actions", "Actions"),
        OWNER,
        APPROVED_BY,
        NOTES,
    ],
    lifecycle: &PLAN,
    list_columns: &[
        Column::Reference,
        Column::Field("title"),
        Column::State,
        Column::Field("service"),
        Column::Field("period_start"),
        Column::Updated,
    ],
    ordered: &[("period_start", "period_end")],
    roles: Roles { owner: Some("owner"), service: Some("service"), ..Roles::NONE },
    ..base("capacity_plan", "capacity", "Capacity plan", "Capacity plans", "CAP", "8.4.3", Area::SupplyAndDemand)
};

#[cfg(test)]
mod tests {
    use crate::domain::catalogue::{assert_moves, PLAN};

    #[test]
    fn plans_are_approved_revised_and_superseded() {
        assert_moves(
            &PLAN,
            &[("draft", "approved"), ("approved", "draft"), ("draft", "superseded"), ("approved", "superseded")],
        );
    }
}
