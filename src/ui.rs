//! The Leptos application: one generic list page, record page and form for every kind of
//! record, plus the shell (navigation, storage status, banners) and settings.
//!
//! Components stay thin: they read records from [`state::AppState`], build drafts through
//! [`crate::domain::command`] and hand them to the store through `AppState::commit`.

mod app;
mod calendar;
mod conflicts;
mod dashboard;
mod deferred;
mod exchange;
mod fields;
mod form;
mod format;
mod history;
mod link_picker;
mod list;
mod pages;
mod panic;
mod probe;
mod quick_search;
mod record_page;
mod review;
pub mod routes;
pub mod sealing;
mod settings;
mod shell;
mod state;
mod turn;
mod welcome;

/// Starts the app: installs the panic screen and mounts the application on the page.
pub fn start() {
    panic::install();
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot-status")) {
        boot.remove();
    }
    leptos::mount::mount_to_body(app::App);
}
