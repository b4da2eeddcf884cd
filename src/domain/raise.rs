//! Raising a linked record from another: "Raise problem" on an incident, "Raise change" on a
//! problem. Decides which side stores the link (a link is stored once) and what the new
//! record's form starts with.

use super::command::{join_links, FormInput};
use super::kind::{FieldDecl, KindDecl};
use super::links::linked;
use super::record::Record;

/// Where the link between the source and the raised record is stored.
#[derive(Clone, Copy, Debug)]
pub enum LinkSide {
    /// The new record's field points at the source (a change's `problem`): prefilled.
    OnNew(&'static FieldDecl),
    /// The source's field will point at the new record (an incident's `problem`): written with
    /// the new record, in the same save.
    OnSource(&'static FieldDecl),
}

/// How a record of `target` raised from one of `source` is linked to it.
pub fn link_side(source: &KindDecl, target: &KindDecl) -> Option<LinkSide> {
    let points_at = |from: &KindDecl, to: &KindDecl| {
        from.link_fields().find(|field| field.target().is_some_and(|t| t.kinds.contains(&to.id)))
    };
    points_at(target, source).map(LinkSide::OnNew).or_else(|| points_at(source, target).map(LinkSide::OnSource))
}

/// The form a raised record starts with: the source's title, the link (when it is stored on
/// the new record), and the service and configuration items they share.
pub fn prefill(source_kind: &KindDecl, source: &Record, target: &KindDecl) -> FormInput {
    let mut input = FormInput::new();
    input.insert(target.title_field.to_string(), source.text(source_kind.title_field).to_string());
    if let Some(LinkSide::OnNew(field)) = link_side(source_kind, target) {
        input.insert(field.id.to_string(), source.id.to_string());
    }
    let copy = |input: &mut FormInput, from: Option<&str>, to: Option<&str>| {
        let (Some(from), Some(to)) = (from, to) else { return };
        let ids = linked(source, from);
        if ids.is_empty() || input.contains_key(to) {
            return;
        }
        let single = target.field(to).is_some_and(|f| !f.is_set());
        let text = if single { ids[0].to_string() } else { join_links(&ids) };
        input.insert(to.to_string(), text);
    };
    copy(&mut input, source_kind.roles.service, target.roles.service);
    copy(&mut input, source_kind.roles.items, target.roles.items);
    let description = source.text("description");
    if !description.is_empty() {
        for field in ["symptoms", "description"] {
            if target.field(field).is_some_and(|f| f.in_form) && !input.contains_key(field) {
                input.insert(field.to_string(), description.to_string());
                break;
            }
        }
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::{all_kinds, kind, CHANGE, INCIDENT, PROBLEM, RELEASE};
    use crate::domain::edit::Edit;
    use crate::domain::links::tests::{add, change_set, id};
    use crate::domain::value::Value;

    #[test]
    fn every_declared_raise_has_a_link() {
        for source in all_kinds() {
            for target in source.raises {
                let target = kind(target).unwrap();
                assert!(link_side(source, target).is_some(), "{} raises {} without a link", source.id, target.id);
            }
        }
    }

    #[test]
    fn the_link_is_stored_on_the_side_that_declares_it() {
        assert_eq!(
            link_side(&INCIDENT, &PROBLEM).map(|s| matches!(s, LinkSide::OnSource(f) if f.id == "problem")),
            Some(true)
        );
        assert_eq!(
            link_side(&PROBLEM, &CHANGE).map(|s| matches!(s, LinkSide::OnNew(f) if f.id == "problem")),
            Some(true)
        );
        assert_eq!(
            link_side(&CHANGE, &RELEASE).map(|s| matches!(s, LinkSide::OnNew(f) if f.id == "changes")),
            Some(true)
        );
    }

    #[test]
    fn a_change_raised_from_an_incident_starts_with_its_service_items_and_link() {
        let incident = Record::new(&change_set(
            1,
            1,
            "incident",
            1,
            vec![
                Edit::set("title", Some(Value::Text("Mail down".into())), vec![]),
                Edit::set("description", Some(Value::Text("Queue full".into())), vec![]),
                Edit::set("service", Some(Value::Link(id(9))), vec![]),
                add("items", 7),
                add("items", 8),
            ],
        ));
        let change = prefill(&INCIDENT, &incident, &CHANGE);
        assert_eq!(change["title"], "Mail down");
        assert_eq!(change["incidents"], id(1).to_string());
        assert_eq!(change["services"], id(9).to_string());
        assert_eq!(change["items"], format!("{} {}", id(7), id(8)));
        assert_eq!(change["description"], "Queue full");
        let problem = prefill(&INCIDENT, &incident, &PROBLEM);
        assert_eq!(problem["service"], id(9).to_string());
        assert_eq!(problem["symptoms"], "Queue full");
        assert!(!problem.contains_key("incidents"));
    }
}
