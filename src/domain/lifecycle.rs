//! Lifecycles: the states a kind of record moves through and the transitions allowed.
//!
//! The domain refuses a transition the lifecycle does not allow, whatever the UI offers.

use super::kind::KindDecl;
use super::record::Record;

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

/// A move from one state to another, with the fields that must hold a value for it.
#[derive(Debug)]
pub struct Transition {
    pub from: &'static str,
    pub to: &'static str,
    /// The action's name on its button ("Resolve").
    pub action: &'static str,
    pub requires: &'static [&'static str],
}

#[derive(Debug)]
pub struct Lifecycle {
    pub states: &'static [StateDecl],
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
        self.transitions.iter().find(|t| t.from == from && t.to == to).ok_or_else(|| TransitionError::NotAllowed {
            from: from_state.label.to_string(),
            to: to_state.label.to_string(),
        })
    }

    /// Transitions out of `from`, in declaration order.
    pub fn from(&self, from: &str) -> Vec<&Transition> {
        self.transitions.iter().filter(|t| t.from == from).collect()
    }
}

/// A record's state id, or the kind's initial state when none was recorded.
pub fn state_of<'a>(kind: &KindDecl, record: &'a Record) -> &'a str {
    match record.text(STATE_FIELD) {
        "" => kind.lifecycle.initial,
        state => state,
    }
}
