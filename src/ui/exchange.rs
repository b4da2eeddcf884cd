//! Sharing with teammates: export what this browser holds as a file (`export`), and import
//! teammates' files after a preview of what they change (`import`). Nothing of a refused file
//! is written; an applied import is one IndexedDB transaction, and the last one can be undone.

mod export;
mod import;

use leptos::prelude::*;

use self::export::Export;
pub use self::export::{keep_export_ahead, keeping_body};
use self::import::Import;
use super::format;
use super::state::{instant, use_app};

#[component]
pub fn ExchangePage() -> impl IntoView {
    view! {
        <section class="page narrow">
            <h1>"Share with teammates"</h1>
            <p class="muted">"Servicebook has no server. Send the file you export to your teammates (mail, a shared drive, a git repository); import theirs. Importing never loses an edit: both sides end with the same records, and edits made in two places at once are shown as conflicts."</p>
            <Export/>
            <Import/>
            <UndoImport/>
        </section>
    }
}

/// The last import, with the button that undoes it while nothing happened since.
#[component]
fn UndoImport() -> impl IntoView {
    let app = use_app();
    let last = LocalResource::new(move || {
        app.revision.track();
        async move {
            match app.store() {
                Some(store) => store.last_import().await.ok().flatten(),
                None => None,
            }
        }
    });
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<Result<String, String>>);
    let undo = move |_| {
        let Some(store) = app.store() else { return };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match store.undo_last_import().await {
                Ok(records) => {
                    app.reset_to(records).await;
                    message.set(Some(Ok("The import was undone. You can import the same file again.".into())));
                }
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
            busy.set(false);
        });
    };
    view! {
        <Transition fallback=|| ()>
            {move || last.get().flatten().map(|last| {
                let when = format::local_time(instant(last.arrived));
                let status = match &last.undo {
                    Ok(()) => "It can be undone: nothing was recorded or exported since.".to_string(),
                    Err(why) => format!("It can no longer be undone: {why}."),
                };
                let can = last.undo.is_ok();
                view! {
                    <section class="card" data-testid="last-import">
                        <h2>"Last import"</h2>
                        <p>{format!("{} ({}), {}.", last.tag, format::count(last.change_sets as usize, "change set", "change sets"), when)}</p>
                        <p class="help">{status}</p>
                        <button class="button" data-testid="undo-import" disabled=move || !can || busy.get() on:click=undo>"Undo this import"</button>
                    </section>
                }
            })}
        </Transition>
        {move || message.get().map(|m| match m {
            Ok(t) => view! { <p class="note" role="status" data-testid="undo-done">{t}</p> }.into_any(),
            Err(t) => view! { <p class="field-error" role="alert">{t}</p> }.into_any(),
        })}
    }
}
