//! Sharing with teammates: export what this browser holds as a file, and import teammates'
//! files after a preview of what they change. Nothing of a refused file is written; an
//! applied import is one IndexedDB transaction.

use std::collections::BTreeMap;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::fields::link_label;
use super::format;
use super::probe::mark as mark_probe;
use super::sealing::{self, SealingError};
use super::state::{instant, use_app};
use crate::domain::catalogue;
use crate::domain::edit::ChangeSet;
use crate::domain::ids::RecordId;
use crate::domain::links::export_selection;
use crate::store::now_ms;
use crate::sync::file::{
    canonical_change_sets, check_size, write_canonical, ExchangeFile, Exporter, FileError, Reader,
};
use crate::sync::merge::{Plan, Planning, Replica};
use crate::sync::sealed::{check_passphrase, PassphraseError, MIN_PASSPHRASE_CHARS};
use leptos_router::hooks::use_query_map;

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

/// What an export holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Every change set held here.
    Everything,
    /// What arrived here since the last export to the named teammate.
    SinceLastExport,
    /// Chosen records (and, if asked, the records linked to them), each with its whole history.
    Chosen,
}

#[component]
fn Export() -> impl IntoView {
    let app = use_app();
    let query = use_query_map();
    let from_query: Vec<RecordId> = query.with_untracked(|q| {
        q.get("records").map(|ids| ids.split([' ', ',']).filter_map(RecordId::parse).collect()).unwrap_or_default()
    });
    let scope = RwSignal::new(if from_query.is_empty() { Scope::Everything } else { Scope::Chosen });
    let chosen = RwSignal::new(from_query);
    let with_linked = RwSignal::new(true);
    let teammate = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<String, String>>);
    let protect = RwSignal::new(false);
    let passphrase = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let marks = LocalResource::new(move || {
        app.revision.track();
        async move {
            match app.store() {
                Some(store) => store.export_marks().await.unwrap_or_default(),
                None => Default::default(),
            }
        }
    });
    let mark_of = move |name: &str| marks.get().and_then(|m| m.get(name.trim()).copied());
    // The records a partial export carries (the chosen ones and their neighbours).
    let selection = Memo::new(move |_| {
        let chosen = chosen.get();
        let with_linked = with_linked.get();
        app.records.with(|records| app.links.with(|links| export_selection(&chosen, records, links, with_linked)))
    });

    let export = move |_| {
        let (Some(store), Some(member)) = (app.store(), app.member.get_untracked()) else { return };
        let scope = scope.get_untracked();
        let to = Some(teammate.get_untracked().trim().to_string()).filter(|t| !t.is_empty());
        if scope == Scope::SinceLastExport && to.is_none() {
            return result.set(Some(Err("Nothing was exported: name the teammate the file is for.".into())));
        }
        let selected = selection.get_untracked();
        if scope == Scope::Chosen && selected.is_empty() {
            return result.set(Some(Err("Nothing was exported: choose at least one record.".into())));
        }
        let key = if protect.get_untracked() {
            let (first, second) = (passphrase.get_untracked(), repeat.get_untracked());
            let checked = check_passphrase(&first).and_then(|()| match first == second {
                true => Ok(first),
                false => Err(PassphraseError::Differ),
            });
            match checked {
                Ok(p) => Some(p),
                Err(e) => return result.set(Some(Err(format!("Nothing was exported: {e}")))),
            }
        } else {
            None
        };
        let after = match (scope, &to) {
            (Scope::SinceLastExport, Some(to)) => mark_of(to).map(|m| m.seq).unwrap_or(0),
            _ => 0,
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome = async {
                let started = now_ms();
                let (texts, through) = store.chunk_texts_after(after).await.map_err(|e| e.to_string())?;
                let replica = store.replica().await.map_err(|e| e.to_string())?;
                let read_ms = now_ms() - started;
                let mut change_sets = Vec::new();
                for text in &texts {
                    let sets =
                        canonical_change_sets(text).map_err(|e| format!("The stored change sets do not read: {e}"))?;
                    change_sets.extend(sets);
                }
                if scope == Scope::Chosen {
                    change_sets.retain(|cs| selected.contains(&cs.record));
                }
                let exported_at = instant(now_ms());
                let count = change_sets.len();
                let exporter = Exporter { member: member.clone(), replica };
                let mut text = write_canonical(&exporter, exported_at, change_sets);
                drop(texts);
                let write_ms = now_ms() - started - read_ms;
                let sealed = key.is_some();
                if let Some(key) = key {
                    text = sealing::seal(&text, &key).await.map_err(|e| format!("Nothing was exported: {e}"))?;
                }
                let name = file_name(member.as_str(), to.as_deref(), scope, exported_at, sealed);
                let handed = now_ms();
                download(&name, &text).map_err(|_| "The browser refused the download.".to_string())?;
                mark_probe("data-export-download-ms", now_ms() - handed);
                mark_probe("data-export-read-ms", read_ms);
                // A partial export does not give the teammate everything: it moves no mark.
                let mark = if scope == Scope::Chosen { None } else { to.as_deref() };
                store.mark_exported(mark, through).await.map_err(|e| e.to_string())?;
                app.revision.update(|r| *r += 1);
                mark_probe("data-export-ms", write_ms);
                let what = match scope {
                    Scope::Chosen => format!(
                        "{} with their whole history: {}",
                        format::count(selected.len(), "record", "records"),
                        format::count(count, "change set", "change sets")
                    ),
                    _ => format::count(count, "change set", "change sets"),
                };
                Ok(format!(
                    "Exported {what} in {name} ({}){}.",
                    format::bytes(text.len() as f64),
                    if sealed { ", encrypted: your teammates need the passphrase to import it" } else { "" }
                ))
            }
            .await;
            if outcome.is_ok() {
                passphrase.set(String::new());
                repeat.set(String::new());
            }
            result.set(Some(outcome));
            busy.set(false);
        });
    };
    let password = move |label: &'static str, id: &'static str, value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id data-testid=id type="password" autocomplete="new-password"
                    prop:value=value on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    let option = move |value: Scope, id: &'static str, label: &'static str| {
        view! {
            <label class="check">
                <input type="radio" name="export-scope" data-testid=id prop:checked=move || scope.get() == value
                    on:change=move |_| scope.set(value)/>
                {label}
            </label>
        }
    };
    let since_help = move || {
        let name = teammate.get();
        let name = name.trim();
        if name.is_empty() {
            return "Name the teammate above: the file then holds only what they have not had from you.".to_string();
        }
        match mark_of(name) {
            Some(mark) => format!("Since your last export to {name}, {}.", format::local_time(instant(mark.at))),
            None => format!("You have not exported to {name} yet: the file holds everything."),
        }
    };
    let chosen_list = move || {
        let picked = chosen.get();
        app.records.with(|records| {
            selection
                .get()
                .into_iter()
                .map(|id| {
                    let label = link_label(records, &id);
                    let linked = !picked.contains(&id);
                    let why = if records.get(&id).is_some_and(|r| r.kind == catalogue::SETTINGS.id) {
                        " · shared settings (priority matrix)"
                    } else {
                        " · linked"
                    };
                    let remove = move |_| chosen.update(|c| c.retain(|x| *x != id));
                    view! {
                        <li data-testid="export-chosen">
                            {label}
                            {linked.then(|| view! { <span class="muted">{why}</span> })}
                            {(!linked).then(|| view! { <button class="link-button" title="Leave out" on:click=remove>"×"</button> })}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <section class="card">
            <h2>"Export"</h2>
            <p>"The records this browser holds, with their history, as one JSON file."</p>
            <div class="field">
                <label for="export-to">"For (teammate, optional)"</label>
                <input id="export-to" data-testid="export-to" list="export-teammates" autocomplete="off"
                    prop:value=teammate on:input=move |ev| teammate.set(event_target_value(&ev))/>
                <datalist id="export-teammates">
                    {move || marks.get().map(|m| m.keys().map(|name| view! { <option value=name.clone()/> }).collect_view())}
                </datalist>
            </div>
            <fieldset class="field scope">
                <legend>"What the file holds"</legend>
                {option(Scope::Everything, "export-scope-all", "Everything")}
                {option(Scope::SinceLastExport, "export-scope-since", "What changed since my last export to this teammate")}
                {move || (scope.get() == Scope::SinceLastExport).then(|| view! { <p class="help" data-testid="export-since">{since_help}</p> })}
                {option(Scope::Chosen, "export-scope-chosen", "Chosen records, each with its whole history")}
                {move || (scope.get() == Scope::Chosen).then(|| view! {
                    <div class="chosen">
                        <RecordFinder chosen/>
                        <label class="check">
                            <input type="checkbox" data-testid="export-linked" prop:checked=with_linked
                                on:change=move |ev| with_linked.set(event_target_checked(&ev))/>
                            "With the records linked to them (incidents, problems, changes, items…)"
                        </label>
                        <ul class="link-list">{chosen_list}</ul>
                    </div>
                })}
            </fieldset>
            <div class="field">
                <label class="check">
                    <input type="checkbox" data-testid="export-encrypt" prop:checked=protect
                        on:change=move |ev| protect.set(event_target_checked(&ev))/>
                    "Encrypt the file with a passphrase"
                </label>
            </div>
            {move || protect.get().then(|| view! {
                <div class="passphrase">
                    {password("Passphrase", "export-passphrase", passphrase)}
                    {password("Passphrase again", "export-passphrase-again", repeat)}
                    <p class="help">{format!("At least {MIN_PASSPHRASE_CHARS} characters. Tell it to your teammates another way than the file. Servicebook does not keep it: a lost passphrase cannot be recovered.")}</p>
                </div>
            })}
            <button class="button primary" data-testid="export-all" on:click=export disabled=move || busy.get()>
                {move || if busy.get() { "Exporting…" } else { "Export" }}
            </button>
            {move || result.get().map(|r| match r {
                Ok(text) => view! { <p class="note" role="status" data-testid="export-result">{text}</p> }.into_any(),
                Err(text) => view! { <p class="field-error" role="alert" data-testid="export-error">{text}</p> }.into_any(),
            })}
        </section>
    }
}

/// Finds records by reference or words (the quick search index) and adds them to `chosen`.
#[component]
fn RecordFinder(chosen: RwSignal<Vec<RecordId>>) -> impl IntoView {
    let app = use_app();
    let query = RwSignal::new(String::new());
    let hits = Memo::new(move |_| {
        let q = query.get();
        if q.trim().is_empty() {
            return Vec::new();
        }
        app.search.with(|index| index.find(&q, 6))
    });
    let add = move |id: RecordId| {
        chosen.update(|c| {
            if !c.contains(&id) {
                c.push(id)
            }
        });
        query.set(String::new());
    };
    view! {
        <div class="finder">
            <input type="search" data-testid="export-find" placeholder="Add a record: reference or words" aria-label="Add a record to the export"
                prop:value=query on:input=move |ev| query.set(event_target_value(&ev))
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" {
                        ev.prevent_default();
                        if let Some(hit) = hits.get_untracked().first() { add(hit.id) }
                    }
                }/>
            <ul class="finder-hits">
                {move || app.records.with(|records| hits.get().into_iter().map(|hit| {
                    let label = link_label(records, &hit.id);
                    view! { <li><button class="link-button" data-testid="export-find-hit" on:click=move |_| add(hit.id)>{label}</button></li> }
                }).collect_view())}
            </ul>
        </div>
    }
}

/// `servicebook-ada-to-bea-20261127-101500-partial-encrypted.json`
fn file_name(member: &str, to: Option<&str>, scope: Scope, at: chrono::DateTime<chrono::Utc>, sealed: bool) -> String {
    let mut name = format!("servicebook-{}", slug(member));
    if let Some(to) = to {
        name.push_str(&format!("-to-{}", slug(to)));
    }
    name.push_str(&at.format("-%Y%m%d-%H%M%S").to_string());
    name.push_str(match scope {
        Scope::Everything => "",
        Scope::SinceLastExport => "-changes",
        Scope::Chosen => "-partial",
    });
    if sealed {
        name.push_str("-encrypted");
    }
    name + ".json"
}

#[component]
fn Import() -> impl IntoView {
    let app = use_app();
    let pending = RwSignal::new(Vec::<Pending>::new());
    let errors = RwSignal::new(Vec::<String>::new());
    let done = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // The chosen files, kept to read them again once a passphrase is entered.
    let chosen = StoredValue::new_local(Vec::<web_sys::File>::new());
    let locked = RwSignal::new(Vec::<String>::new());
    let passphrase = RwSignal::new(String::new());
    let progress = RwSignal::new(None::<String>);
    let cancel = RwSignal::new(false);
    // The arrival sequence the preview's plans were made against.
    let planned_at = StoredValue::new(0u64);

    // Reads the chosen files one by one and plans each against what is held (and the files
    // before it), so the preview adds up. Encrypted files are opened with `key`, or listed as
    // locked when there is none.
    let read = move |files: Vec<web_sys::File>, key: Option<String>| {
        let Some(store) = app.store() else { return };
        busy.set(true);
        cancel.set(false);
        errors.set(Vec::new());
        done.set(None);
        pending.set(Vec::new());
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
            planned_at.set_value(app.seen());
            let mut plans = Vec::new();
            let mut problems = Vec::new();
            let mut still_locked = Vec::new();
            let last = files.len().saturating_sub(1);
            for (n, file) in files.into_iter().enumerate() {
                let name = file.name();
                let read = match file_text(&file).await {
                    Err(message) => Err(message),
                    Ok(text) => match read_in_steps(&text, &name, progress, cancel).await {
                        Err(FileError::Sealed) => match key.as_deref() {
                            None => {
                                still_locked.push(name);
                                continue;
                            }
                            Some(key) => match sealing::open(&text, key).await {
                                Ok(plain) => {
                                    read_in_steps(&plain, &name, progress, cancel).await.map_err(|e| e.to_string())
                                }
                                Err(e) => {
                                    if e == SealingError::File(FileError::WrongPassphrase) {
                                        still_locked.push(name.clone());
                                    }
                                    Err(e.to_string())
                                }
                            },
                        },
                        other => other.map_err(|e| e.to_string()),
                    },
                };
                mark_probe("data-preview-read-ms", now_ms() - started);
                let planned = match read {
                    Ok(file) => plan_in_steps(&held, &file, &name, progress, cancel).await.map(|plan| (file, plan)),
                    Err(message) => Err(message),
                };
                if cancel.get_untracked() {
                    progress.set(None);
                    busy.set(false);
                    done.set(Some("Import cancelled: nothing was written.".into()));
                    return;
                }
                match planned {
                    Ok((file, plan)) => {
                        // The next file is planned against this one's result too.
                        if n < last {
                            held.apply(&plan);
                        }
                        plans.push(Pending { name, exporter: file.exporter, exported_at: file.exported_at, plan });
                    }
                    Err(message) => problems.push(format!("{name}: {message}")),
                }
            }
            progress.set(None);
            pending.set(plans);
            errors.set(problems);
            locked.set(still_locked);
            busy.set(false);
            mark_probe("data-preview-ms", now_ms() - started);
        });
    };
    let choose = move |files: Vec<web_sys::File>| {
        chosen.set_value(files.clone());
        passphrase.set(String::new());
        read(files, None);
    };
    let unlock = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        read(chosen.get_value(), Some(passphrase.get_untracked()));
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        choose(files_of(input.files()));
        input.set_value("");
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        choose(files_of(ev.data_transfer().and_then(|d| d.files())));
    };
    let apply = move |_| {
        let Some(store) = app.store() else { return };
        // Take the plans out rather than copying their change sets.
        let taken: Vec<Pending> = pending.try_update(std::mem::take).unwrap_or_default();
        let names: Vec<String> = taken.iter().map(|p| p.name.clone()).collect();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let started = now_ms();
            let mut records = app.records.get_untracked();
            let tag = format!("import {} at {}", names.join(", "), format::local_time(instant(now_ms())));
            let planned_at = planned_at.get_value();
            let mut sets: Vec<ChangeSet> = Vec::new();
            let written = if app.seen() == planned_at {
                // The records the preview folded go in as they are: no second fold.
                for pending in taken {
                    sets.extend(pending.plan.new_change_sets);
                    pending.plan.after.into_values().for_each(|record| records.insert(record));
                }
                let count = sets.len();
                store.import_planned(sets, &tag, &records, planned_at).await.map(|w| (w, count))
            } else {
                // Something was stored since the preview: fold again on top of it.
                sets.extend(taken.into_iter().flat_map(|p| p.plan.new_change_sets));
                let count = sets.len();
                store.import(sets, &tag, &mut records).await.map(|w| (w, count))
            };
            mark_probe("data-apply-store-ms", now_ms() - started);
            match written {
                Ok((written, count)) => {
                    let shown = now_ms();
                    app.replace_records(records);
                    mark_probe("data-apply-show-ms", now_ms() - shown);
                    app.stored(written.chunks).await;
                    done.set(Some(format!("Imported {}.", format::count(count, "new change set", "new change sets"))));
                    mark_probe("data-apply-ms", now_ms() - started);
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
                        <button class="button" data-testid="import-cancel" on:click=move |_| { pending.set(Vec::new()); locked.set(Vec::new()); }>"Cancel"</button>
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
            {move || busy.get().then(|| view! {
                <div class="progress" role="status" data-testid="import-progress">
                    <span>{move || progress.get().unwrap_or_else(|| "Reading…".into())}</span>
                    <button class="button" data-testid="import-stop" on:click=move |_| cancel.set(true)
                        disabled=move || cancel.get() || progress.get().is_none()>"Stop"</button>
                </div>
            })}
            {move || (!locked.get().is_empty()).then(|| {
                let names = locked.get().join(", ");
                view! {
                    <form class="card transition-panel" data-testid="unlock-panel" on:submit=unlock>
                        <h3>"Encrypted"</h3>
                        <p>{format!("{names}: encrypted with a passphrase. Enter it to see what the file changes.")}</p>
                        <div class="field">
                            <label for="import-passphrase">"Passphrase"</label>
                            <input id="import-passphrase" data-testid="import-passphrase" type="password" autocomplete="off"
                                prop:value=passphrase on:input=move |ev| passphrase.set(event_target_value(&ev))/>
                        </div>
                        <div class="actions">
                            <button class="button primary" type="submit" data-testid="import-unlock" disabled=move || busy.get()>"Open"</button>
                        </div>
                    </form>
                }
            })}
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

/// Change sets parsed between two looks at the page (progress, the Stop button).
const STEP: usize = 5_000;

/// Reads an exchange file in steps, yielding to the page between them and showing progress;
/// stops when `cancel` is set.
async fn read_in_steps(
    text: &str,
    name: &str,
    progress: RwSignal<Option<String>>,
    cancel: RwSignal<bool>,
) -> Result<ExchangeFile, FileError> {
    let opening = Reader::open(text)?;
    gloo_timers::future::TimeoutFuture::new(0).await;
    let mut reader = opening.list()?;
    loop {
        let finished = reader.step(STEP);
        let (read, total) = reader.progress();
        progress.set(Some(format!("Reading {name}: {read} of {total} change sets")));
        if finished {
            break;
        }
        if cancel.get_untracked() {
            return Err(FileError::Stopped);
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
    }
    reader.finish()
}

/// Plans a read file against what is held, folding its new change sets in steps with
/// progress shown; stops when `cancel` is set.
async fn plan_in_steps(
    held: &Replica,
    file: &ExchangeFile,
    name: &str,
    progress: RwSignal<Option<String>>,
    cancel: RwSignal<bool>,
) -> Result<Plan, String> {
    let mut planning = Planning::start(held, file, instant(now_ms())).map_err(|e| e.to_string())?;
    loop {
        let finished = planning.fold(held, STEP);
        let (folded, total) = planning.progress();
        progress.set(Some(format!("Comparing {name} with what is here: {folded} of {total} new change sets")));
        if finished {
            break;
        }
        if cancel.get_untracked() {
            return Err(FileError::Stopped.to_string());
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
    }
    Ok(planning.finish(held))
}

/// One file's text, its size checked before it is read.
async fn file_text(file: &web_sys::File) -> Result<String, String> {
    check_size(file.size() as u64).map_err(|e| e.to_string())?;
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| "The browser could not read the file.".to_string())?;
    text.as_string().ok_or_else(|| "The file is not text.".to_string())
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
