//! Sharing with teammates: export what this browser holds as a file, and import teammates'
//! files after a preview of what they change. Nothing of a refused file is written; an
//! applied import is one IndexedDB transaction.

use std::collections::BTreeMap;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::format;
use super::probe::mark;
use super::state::{instant, use_app};
use crate::domain::edit::ChangeSet;
use crate::store::now_ms;
use crate::sync::file::{check_size, ExchangeFile, Exporter};
use crate::sync::merge::{plan, Plan, Replica};

/// A read file and what importing it would do. The file's change sets are not kept: the
/// plan holds the new ones, and a 50,000-record file is large.
struct Pending {
    name: String,
    exporter: Exporter,
    exported_at: chrono::DateTime<chrono::Utc>,
    plan: Plan,
}

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

#[component]
fn Export() -> impl IntoView {
    let app = use_app();
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<String, String>>);
    let export = move |_| {
        let (Some(store), Some(member)) = (app.store(), app.member.get_untracked()) else { return };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome = async {
                let change_sets = store.all_change_sets().await.map_err(|e| e.to_string())?;
                let replica = store.replica().await.map_err(|e| e.to_string())?;
                let exported_at = instant(now_ms());
                let count = change_sets.len();
                let file =
                    ExchangeFile { exporter: Exporter { member: member.clone(), replica }, exported_at, change_sets };
                let started = now_ms();
                let text = file.write();
                let write_ms = now_ms() - started;
                let name =
                    format!("servicebook-{}-{}.json", slug(member.as_str()), exported_at.format("%Y%m%d-%H%M%S"));
                download(&name, &text).map_err(|_| "The browser refused the download.".to_string())?;
                store.mark_exported().await.map_err(|e| e.to_string())?;
                app.revision.update(|r| *r += 1);
                mark("data-export-ms", write_ms);
                Ok(format!(
                    "Exported {} in {} ({}).",
                    format::count(count, "change set", "change sets"),
                    name,
                    format::bytes(text.len() as f64)
                ))
            }
            .await;
            result.set(Some(outcome));
            busy.set(false);
        });
    };
    view! {
        <section class="card">
            <h2>"Export"</h2>
            <p>"Everything this browser holds, with its full history, as one JSON file."</p>
            <button class="button primary" data-testid="export-all" on:click=export disabled=move || busy.get()>
                {move || if busy.get() { "Exporting…" } else { "Export everything" }}
            </button>
            {move || result.get().map(|r| match r {
                Ok(text) => view! { <p class="note" role="status" data-testid="export-result">{text}</p> }.into_any(),
                Err(text) => view! { <p class="field-error" role="alert">{text}</p> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn Import() -> impl IntoView {
    let app = use_app();
    let pending = RwSignal::new(Vec::<Pending>::new());
    let errors = RwSignal::new(Vec::<String>::new());
    let done = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // Reads the chosen files one by one and plans each against what is held (and the files
    // before it), so the preview adds up.
    let read = move |files: Vec<web_sys::File>| {
        let Some(store) = app.store() else { return };
        busy.set(true);
        errors.set(Vec::new());
        done.set(None);
        leptos::task::spawn_local(async move {
            let started = now_ms();
            let mut held = Replica::default();
            match store.all_change_sets().await {
                Ok(sets) => held.change_sets = sets.into_iter().map(|cs| (cs.id, cs)).collect(),
                Err(e) => {
                    errors.set(vec![e.to_string()]);
                    busy.set(false);
                    return;
                }
            }
            held.records =
                app.records.with_untracked(|r| r.iter().map(|r| (r.id, r.clone())).collect::<BTreeMap<_, _>>());
            let mut plans = Vec::new();
            let mut problems = Vec::new();
            for file in files {
                let name = file.name();
                match read_file(&file).await.and_then(|f| {
                    let p = plan(&held, &f, instant(now_ms())).map_err(|e| e.to_string())?;
                    Ok((f, p))
                }) {
                    Ok((file, plan)) => {
                        held.apply(&plan);
                        plans.push(Pending { name, exporter: file.exporter, exported_at: file.exported_at, plan });
                    }
                    Err(message) => problems.push(format!("{name}: {message}")),
                }
            }
            pending.set(plans);
            errors.set(problems);
            busy.set(false);
            mark("data-preview-ms", now_ms() - started);
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        read(files_of(input.files()));
        input.set_value("");
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        read(files_of(ev.data_transfer().and_then(|d| d.files())));
    };
    let apply = move |_| {
        let Some(store) = app.store() else { return };
        // Take the plans out rather than copying their change sets.
        let taken: Vec<Pending> = pending.try_update(std::mem::take).unwrap_or_default();
        let names: Vec<String> = taken.iter().map(|p| p.name.clone()).collect();
        let sets: Vec<ChangeSet> = taken.into_iter().flat_map(|p| p.plan.new_change_sets).collect();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let started = now_ms();
            let mut records = app.records.get_untracked();
            let tag = format!("import {} at {}", names.join(", "), format::local_time(instant(now_ms())));
            let count = sets.len();
            match store.import(sets, &tag, &mut records).await {
                Ok(written) => {
                    app.replace_records(records);
                    app.stored(written.chunks).await;
                    done.set(Some(format!("Imported {}.", format::count(count, "new change set", "new change sets"))));
                    mark("data-apply-ms", now_ms() - started);
                }
                Err(e) => errors.set(vec![format!("Nothing was imported: {e} Choose the files again to retry.")]),
            }
            busy.set(false);
        });
    };

    let preview = move || {
        // Read in place: a plan can hold hundreds of thousands of change sets.
        pending.with(|items| (!items.is_empty()).then(|| {
            let nothing_new = items.iter().all(|p| p.plan.is_empty());
            let rows = items
                .iter()
                .map(|p| {
                    let summary = format!(
                        "{} new, {} updated, {} unchanged, {}",
                        format::count(p.plan.new_records.len(), "record", "records"),
                        p.plan.updated_records.len(),
                        p.plan.unchanged_records.len(),
                        format::count(p.plan.new_conflicts.len(), "conflict", "conflicts"),
                    );
                    view! {
                        <li data-testid="import-preview">
                            <strong>{p.name.clone()}</strong>
                            <span class="muted">{format!(" · from {} · exported {}", p.exporter.member, format::local_time(p.exported_at))}</span>
                            <p data-testid="import-summary"
                                data-new=p.plan.new_records.len().to_string()
                                data-updated=p.plan.updated_records.len().to_string()
                                data-unchanged=p.plan.unchanged_records.len().to_string()
                                data-conflicts=p.plan.new_conflicts.len().to_string()>{summary}</p>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="card transition-panel" data-testid="import-panel">
                    <h3>"Before anything is written"</h3>
                    <ul class="link-list">{rows}</ul>
                    {nothing_new.then(|| view! { <p class="note" data-testid="import-nothing-new">"Nothing to import: everything in these files is already here."</p> })}
                    <div class="actions">
                        <button class="button primary" data-testid="import-apply" on:click=apply disabled=move || busy.get() || nothing_new>"Apply"</button>
                        <button class="button" data-testid="import-cancel" on:click=move |_| pending.set(Vec::new())>"Cancel"</button>
                    </div>
                </div>
            }
        }))
    };
    view! {
        <section class="card">
            <h2>"Import"</h2>
            <p>{format!("Choose or drop one or several exchange files (up to {}). You see what they change before anything is written.", format::bytes(crate::sync::file::MAX_BYTES as f64))}</p>
            <label class="dropzone" on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
                <span>"Drop files here, or "</span><span class="button">"Choose files…"</span>
                <input type="file" accept=".json,application/json" multiple data-testid="import-files" class="visually-hidden" on:change=on_pick/>
            </label>
            {move || busy.get().then(|| view! { <p class="muted" role="status">"Reading…"</p> })}
            {move || errors.get().into_iter().map(|e| view! { <p class="field-error" role="alert" data-testid="import-error">{e}</p> }).collect_view()}
            {preview}
            {move || done.get().map(|t| view! { <p class="note" role="status" data-testid="import-done">{t}</p> })}
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

fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Reads and checks one file: its size before its content.
async fn read_file(file: &web_sys::File) -> Result<ExchangeFile, String> {
    check_size(file.size() as u64).map_err(|e| e.to_string())?;
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| "The browser could not read the file.".to_string())?;
    let text = text.as_string().ok_or_else(|| "The file is not text.".to_string())?;
    ExchangeFile::read(&text).map_err(|e| e.to_string())
}

/// Offers `text` as a file download.
fn download(name: &str, text: &str) -> Result<(), wasm_bindgen::JsValue> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or(wasm_bindgen::JsValue::NULL)?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

fn slug(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.trim_matches('-').to_string()
}
