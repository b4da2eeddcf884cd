//! The service management domain: pure Rust, no web types.
//!
//! A record is never stored as a row that is overwritten. Every change is an [`edit::Edit`]
//! inside a [`edit::ChangeSet`], stamped by a hybrid logical [`clock`]; a record's current
//! state is the [`record::Record`] that folding its change sets yields. Kinds of record
//! (incident, ...) are declarations in [`kind`] and [`catalogue`], read by one generic UI.

pub mod calendar;
pub mod catalogue;
pub mod clock;
pub mod command;
pub mod demo;
pub mod edit;
pub mod history;
pub mod ids;
pub mod impact;
pub mod kind;
pub mod known_error;
pub mod lifecycle;
pub mod links;
pub mod name;
pub mod priority;
pub mod raise;
pub mod record;
pub mod reference;
pub mod review;
pub mod search;
pub mod sketch;
pub mod snapshot;
pub mod sort;
mod text;
pub mod value;
