//! Lifecycles: the states a kind of record moves through and the transitions allowed.
//!
//! The domain refuses a transition the lifecycle does not allow, whatever the UI offers.

use super::kind::KindDecl;
use super::record::Record;
use super::value::Value;

/// The field holding a record's lifecycle state.
pub const STATE_FIELD: &str = "state";

/// How a state is shown (its badge colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Open,
    Active,
    Waiting,
    Done,
    Closed,
}

impl Tone {
    pub fn css_class(self) -> &'static str {
        match self {
            Tone::Open => "tone-open",
            Tone::Active => "tone-active",
            Tone::Waiting => "tone-waiting",
            Tone::Done => "tone-done",
            Tone::Closed => "tone-closed",
        }
    }
}

#[derive(Debug)]
pub struct StateDecl {
    pub id: &'static str,
    pub label: &'static str,
    pub tone: Tone,
}

/// A move from one state to another.
#[derive(Debug)]
pub struct Transition {
    /// The states it may start from.
    pub from: &'static [&'static str],
    pub to: &'static str,
    /// The action's name on its button ("Resolve").
    pub action: &'static str,
    /// Fields that must hold a value afterwards; the transition panel asks for them.
    pub requires: &'static [&'static str],
    /// Choice fields the transition sets ("Approve" sets the decision to approved).
    pub sets: &'static [(&'static str, &'static str)],
    /// Further conditions on the record as the transition would leave it.
    pub guards: &'static [Guard],
}

impl Transition {
    pub const fn new(from: &'static [&'static str], to: &'static str, action: &'static str) -> Self {
        Transition { from, to, action, requires: &[], sets: &[], guards: &[] }
    }
    pub const fn requires(mut self, fields: &'static [&'static str]) -> Self {
        self.requires = fields;
        self
    }
    pub const fn sets(mut self, values: &'static [(&'static str, &'static str)]) -> Self {
        self.sets = values;
        self
    }
    pub const fn guards(mut self, guards: &'static [Guard]) -> Self {
        self.guards = guards;
        self
    }
}

/// A condition a transition checks, beyond its required fields.
#[derive(Debug)]
pub enum Guard {
    /// A choice field holds one of these values.
    OneOf { field: &'static str, values: &'static [&'static str], message: &'static str },
    /// At least one of these fields has a value.
    AnyOf { fields: &'static [&'static str], message: &'static str },
    /// `then` applies only when the choice field `field` holds one of `values`.
    When { field: &'static str, values: &'static [&'static str], then: &'static Guard },
    /// A flag field of the record that `link` points to is set; then `then` applies.
    WhenLinked { link: &'static str, flag: &'static str, then: &'static Guard },
}

/// A guard that did not hold: the field to point at and what to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardFailure {
    pub field: &'static str,
    pub message: &'static str,
}

/// What a guard may look at: the record's values as the transition would leave them, and the
/// records it links to.
pub trait GuardView {
    /// The value of a field of the record (text of a choice, any value for "has a value").
    fn value(&self, field: &str) -> Option<&Value>;
    /// The value of a field of the record that the record's link field `link` points to.
    fn linked_value(&self, link: &str, field: &str) -> Option<&Value>;
}

impl Guard {
    /// `Ok` when the guard holds for `view`.
    pub fn check(&self, view: &dyn GuardView) -> Result<(), GuardFailure> {
        match self {
            Guard::OneOf { field, values, message } => {
                let holds = view.value(field).and_then(Value::as_text).is_some_and(|v| values.contains(&v));
                if holds {
                    Ok(())
                } else {
                    Err(GuardFailure { field, message })
                }
            }
            Guard::AnyOf { fields, message } => {
                if fields.iter().any(|field| view.value(field).is_some()) {
                    Ok(())
                } else {
                    Err(GuardFailure { field: fields.first().copied().unwrap_or(""), message })
                }
            }
            Guard::When { field, values, then } => {
                let applies = view.value(field).and_then(Value::as_text).is_some_and(|v| values.contains(&v));
                if applies {
                    then.check(view)
                } else {
                    Ok(())
                }
            }
            Guard::WhenLinked { link, flag, then } => {
                if view.linked_value(link, flag).is_some_and(Value::is_yes) {
                    then.check(view)
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// The states of a kind of record and the moves between them.
#[derive(Debug)]
pub struct Lifecycle {
    pub states: &'static [StateDecl],
    /// The state records start in.
    pub initial: &'static str,
    pub transitions: &'static [Transition],
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("`{0}` is not a state of this kind of record.")]
    UnknownState(String),
    #[error("A record cannot go from {from} to {to}.")]
    NotAllowed { from: String, to: String },
}

impl Lifecycle {
    pub fn state(&self, id: &str) -> Option<&'static StateDecl> {
        self.states.iter().find(|state| state.id == id)
    }

    /// The transition from `from` to `to`, if the lifecycle allows it.
    pub fn transition(&self, from: &str, to: &str) -> Result<&'static Transition, TransitionError> {
        let from_state = self.state(from).ok_or_else(|| TransitionError::UnknownState(from.to_string()))?;
        let to_state = self.state(to).ok_or_else(|| TransitionError::UnknownState(to.to_string()))?;
        self.transitions.iter().find(|t| t.from.contains(&from) && t.to == to).ok_or_else(|| {
            TransitionError::NotAllowed { from: from_state.label.to_string(), to: to_state.label.to_string() }
        })
    }

    /// Transitions out of `from`, in declaration order.
    pub fn from(&self, from: &str) -> Vec<&'static Transition> {
        self.transitions.iter().filter(|t| t.from.contains(&from)).collect()
    }
}

/// A record's state id, or the kind's initial state when none was recorded.
pub fn state_of<'a>(kind: &KindDecl, record: &'a Record) -> &'a str {
    match record.text(STATE_FIELD) {
        "" => kind.lifecycle.initial,
        state => state,
    }
}
