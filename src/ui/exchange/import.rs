//! The Import card: files chosen or dropped are opened (with a passphrase when sealed), read
//! and planned in steps with progress and Stop, previewed, and applied in one transaction.

use std::collections::BTreeSet;
use std::sync::Arc;

use leptos::prelude::*;

use crate::domain::edit::ChangeSet;
use crate::store::{now_ms, FileReading};
use crate::sync::file::{check_size, ExchangeFile, Exporter, FileError, FileText, GuessFound, ReadFile, Reader};
use crate::sync::merge::{Checking, Plan, Replica};
use crate::ui::format;
use crate::ui::probe::mark as mark_probe;
use crate::ui::sealing::{self, SealingError};
use crate::ui::state::{instant, use_app};

/// A read file and what importing it would do. The file's change sets are not kept: the
/// plan holds the new ones, and a 50,000-record file is large.
struct Pending {
    name: String,
    exporter: Exporter,
    exported_at: chrono::DateTime<chrono::Utc>,
    plan: Plan,
}

#[component]
pub fn Import() -> impl IntoView {
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
            planned_at.set_value(app.seen());
            // First with each file's checksum computed in a worker while the files are planned.
            // If one does not hold, everything again with the checksums computed before
            // planning, which says what is wrong (or reads a file whose lines are not written
            // as this release writes them, but whose checksum holds for their canonical form).
            let cancelled = move || {
                progress.set(None);
                busy.set(false);
                done.set(Some("Import cancelled: nothing was written.".into()));
            };
            let mut verify_here = false;
            loop {
                let mut problems = Vec::new();
                let mut still_locked = Vec::new();
                // Every file is read first, so that what is held is fetched once for all of them.
                let mut read_files = Vec::new();
                let mut unverified = Vec::new();
                for file in &files {
                    let name = file.name();
                    match open_file(file, &name, key.as_deref(), progress, cancel, verify_here).await {
                        Opened::File(read, check) => {
                            read_files.push((name, read));
                            unverified.extend(check);
                        }
                        Opened::Failed(message) => problems.push(format!("{name}: {message}")),
                        Opened::Locked(wrong) => {
                            if let Some(message) = wrong {
                                problems.push(format!("{name}: {message}"));
                            }
                            still_locked.push(name);
                        }
                    }
                    if cancel.get_untracked() {
                        cancelled();
                        return;
                    }
                }
                mark_probe("data-preview-read-ms", now_ms() - started);
                // What is held, as far as the files touch it: the change sets with their ids and
                // the records they change.
                let mut held = Replica::default();
                let touched: Vec<&ChangeSet> = read_files.iter().flat_map(|(_, read)| &read.file.change_sets).collect();
                if let Err(e) = hold(&store, app, &mut held, &touched).await {
                    errors.set(vec![e.to_string()]);
                    progress.set(None);
                    busy.set(false);
                    return;
                }
                let mut plans = Vec::new();
                let last = read_files.len().saturating_sub(1);
                for (n, (name, read)) in read_files.into_iter().enumerate() {
                    let ReadFile { file: ExchangeFile { exporter, exported_at, change_sets }, texts } = read;
                    let planned = plan_in_steps(&held, change_sets, texts, &name, progress, cancel).await;
                    if cancel.get_untracked() {
                        cancelled();
                        return;
                    }
                    match planned {
                        Ok(plan) => {
                            // The next file is planned against this one's result too.
                            if n < last {
                                held.apply(&plan);
                            }
                            plans.push(Pending { name, exporter, exported_at, plan });
                        }
                        Err(message) => problems.push(format!("{name}: {message}")),
                    }
                }
                mark_probe("data-preview-planned-ms", now_ms() - started);
                let off_thread = unverified.len();
                let mut all_hold = true;
                for check in unverified {
                    all_hold &= check.holds().await;
                }
                if !all_hold {
                    verify_here = true;
                    continue;
                }
                progress.set(None);
                pending.set(plans);
                errors.set(problems);
                locked.set(still_locked);
                busy.set(false);
                // How the checksums were checked: by workers while the files were planned, or
                // here (a file read again because a worker's digest did not hold, or none ran).
                let checked = if verify_here || off_thread == 0 { "here" } else { "off-thread" };
                crate::ui::probe::set("data-import-checksums", checked);
                mark_probe("data-preview-ms", now_ms() - started);
                break;
            }
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
                // The records the preview folded go in as they are: no second fold (and their
                // snapshot is kept after the import is shown). The change sets' texts as their
                // files wrote them are stored as they are too.
                let mut texts: Vec<Option<FileText>> = Vec::new();
                for pending in taken {
                    let Plan { new_change_sets, texts: file_texts, after, .. } = pending.plan;
                    // One text (or none) per change set, whatever each plan knew.
                    texts.extend(file_texts.into_iter().chain(std::iter::repeat(None)).take(new_change_sets.len()));
                    sets.extend(new_change_sets);
                    after.into_values().for_each(|record| records.insert(record));
                }
                let count = sets.len();
                let written = store.import_planned(sets, texts, &tag, planned_at).await;
                written.map(|w| (w, count, true))
            } else {
                // Something was stored since the preview: fold again on top of it.
                sets.extend(taken.into_iter().flat_map(|p| p.plan.new_change_sets));
                let count = sets.len();
                store.import(sets, &tag, &mut records).await.map(|w| (w, count, false))
            };
            mark_probe("data-apply-store-ms", now_ms() - started);
            match written {
                Ok((written, count, snapshot_to_keep)) => {
                    let shown = now_ms();
                    app.replace_records_indexing_later(records);
                    mark_probe("data-apply-show-ms", now_ms() - shown);
                    let through = (!written.chunks.is_empty()).then(|| *written.chunks.end());
                    app.stored(written.chunks).await;
                    done.set(Some(format!("Imported {}.", format::count(count, "new change set", "new change sets"))));
                    mark_probe("data-apply-ms", now_ms() - started);
                    if let (true, Some(through)) = (snapshot_to_keep, through) {
                        leptos::task::spawn_local(app.keep_snapshot_in_turns(through));
                    }
                    super::export::keep_export_ahead(app);
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

fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// What reading one chosen file gave.
enum Opened {
    /// Read; with its checksum still to compare when it was computed in a worker.
    File(ReadFile, Option<Unverified>),
    /// Encrypted, and no passphrase was given (none) or it does not open the file (why).
    Locked(Option<String>),
    Failed(String),
}

/// Reads one chosen file: its text, opened with `key` when it is encrypted, read in steps.
async fn open_file(
    file: &web_sys::File,
    name: &str,
    key: Option<&str>,
    progress: RwSignal<Option<String>>,
    cancel: RwSignal<bool>,
    verify_here: bool,
) -> Opened {
    // Shared with the change sets' texts the plan keeps (`Reader::sharing`), not copied.
    let text = match file_text(file).await {
        Ok(text) => Arc::new(text),
        Err(message) => return Opened::Failed(message),
    };
    // A worker reads the file for its checksum while the change sets are read here.
    let reading = if verify_here { None } else { FileReading::start(file) };
    match read_in_steps(&text, reading, name, progress, cancel, verify_here).await {
        Ok((read, unverified)) => Opened::File(read, unverified),
        Err(FileError::Sealed) => {
            let Some(key) = key else { return Opened::Locked(None) };
            match sealing::open(&text, key).await {
                Ok(plain) => match read_in_steps(&Arc::new(plain), None, name, progress, cancel, verify_here).await {
                    Ok((read, unverified)) => Opened::File(read, unverified),
                    Err(e) => Opened::Failed(e.to_string()),
                },
                Err(e @ SealingError::File(FileError::WrongPassphrase)) => Opened::Locked(Some(e.to_string())),
                Err(e) => Opened::Failed(e.to_string()),
            }
        }
        Err(e) => Opened::Failed(e.to_string()),
    }
}

/// Puts in `held` what the files' change sets touch: the stored change sets with their ids
/// (one read of the store), and the records they change as this page holds them.
async fn hold(
    store: &crate::store::Store,
    app: crate::ui::state::AppState,
    held: &mut Replica,
    change_sets: &[&ChangeSet],
) -> Result<(), crate::store::StoreError> {
    // Nothing stored here (a first import): nothing to look up.
    if store.chunk_count().await? == 0 && app.records.with_untracked(|all| all.is_empty()) {
        return Ok(());
    }
    let ids: BTreeSet<_> = change_sets.iter().map(|cs| cs.id).collect();
    for change_set in store.change_sets_with_ids(&ids).await? {
        held.change_sets.insert(change_set.id, change_set);
    }
    let records: BTreeSet<_> = change_sets.iter().map(|cs| cs.record).collect();
    app.records.with_untracked(|all| {
        for id in records {
            if let Some(record) = all.get(&id) {
                held.records.insert(id, record.clone());
            }
        }
    });
    Ok(())
}

/// Change sets parsed between two looks at the page (progress, the Stop button).
const STEP: usize = 5_000;

/// Reads an exchange file in steps, yielding to the page between them and showing progress;
/// stops when `cancel` is set.
///
/// Unless `verify_here`, the checksum's digest is computed in a worker and handed back to be
/// compared once the file is planned ([`Unverified`]); with it, on this thread before the
/// file is read to the end. `file`, a worker reading the file `text` was read from, if given,
/// puts the document to hash together from its own read of the file.
async fn read_in_steps(
    text: &Arc<String>,
    file: Option<FileReading>,
    name: &str,
    progress: RwSignal<Option<String>>,
    cancel: RwSignal<bool>,
    verify_here: bool,
) -> Result<(ReadFile, Option<Unverified>), FileError> {
    let opening = Reader::open(text)?;
    crate::ui::turn::next_turn().await;
    // Hashed at the end by the browser (see `Opening::list_hashed_later`).
    let mut reader = opening.list_hashed_later()?.sharing(text);
    // The worker reading the file puts together and hashes the document the checksum covers,
    // as guessed from the layout, while the change sets are read here.
    let guessed = match (verify_here, file) {
        (false, Some(file)) => reader.guess_document().and_then(|guess| Some((file.hash_guess(&guess)?, guess))),
        _ => None,
    };
    loop {
        let finished = reader.step(STEP);
        let (read, at, total) = reader.progress();
        progress.set(Some(format!(
            "Reading {name}: {} of {}, {}",
            format::bytes(at as f64),
            format::bytes(total as f64),
            format::count(read, "change set", "change sets")
        )));
        if finished {
            break;
        }
        if cancel.get_untracked() {
            return Err(FileError::Stopped);
        }
        crate::ui::turn::next_turn().await;
    }
    progress.set(Some(format!("Checking {name}")));
    // The digest in a worker while the file is planned: read as if the checksum the file
    // claims holds, which the caller checks before showing the preview. The worker hashes the
    // guessed document if it is the one the checksum covers; otherwise (another layout, a
    // decrypted file) one put together here.
    if let (false, Some(claimed)) = (verify_here, reader.claimed_digest()) {
        let digesting = guessed
            .and_then(|(digesting, guess)| Some(Digesting::Guessed(digesting, reader.guess_held(&guess)?)))
            .or_else(|| Some(Digesting::Document(crate::store::sha256_off_thread(&reader.hashed_document()?)?)));
        if let Some(digesting) = digesting {
            // Each of these is a block of about a tenth of a second at 50,000 records: the
            // page gets a turn between them.
            crate::ui::turn::next_turn().await;
            let read = reader.finish_with_digest(Some(&claimed));
            crate::ui::turn::next_turn().await;
            return read.map(|read| (read, Some(Unverified { digesting, claimed })));
        }
    }
    let digest = match reader.hashed_document() {
        Some(document) => {
            // WebCrypto on this thread (the browser takes the digest's input here).
            crate::ui::turn::next_turn().await;
            let digest = crate::store::sha256(&document).await;
            crate::ui::turn::next_turn().await;
            Some(digest)
        }
        None => None,
    };
    let read = reader.finish_with_digest(digest.as_deref());
    crate::ui::turn::next_turn().await;
    read.map(|read| (read, None))
}

/// A file read as if the checksum it claims holds, its digest under way in a worker.
struct Unverified {
    digesting: Digesting,
    claimed: Vec<u8>,
}

/// A digest under way in a worker.
enum Digesting {
    /// Of the guessed document, which is the one the checksum covers if the worker finds this.
    Guessed(crate::store::OffThread, GuessFound),
    /// Of the document put together here.
    Document(crate::store::OffThread),
}

impl Unverified {
    /// Whether the file's digest is the one it claims (false also when the worker failed or
    /// its guessed document was not the one: the file is then read again, hashed on the
    /// page's thread).
    async fn holds(self) -> bool {
        let digest = match self.digesting {
            Digesting::Guessed(digesting, expected) => {
                digesting.guessed().await.and_then(|(digest, found)| (found == expected).then_some(digest))
            }
            Digesting::Document(digesting) => digesting.digest().await,
        };
        digest.is_some_and(|digest| digest == self.claimed)
    }
}

/// Plans a read file against what is held, folding its new change sets in steps with
/// progress shown; stops when `cancel` is set.
async fn plan_in_steps(
    held: &Replica,
    change_sets: Vec<ChangeSet>,
    texts: Option<Vec<FileText>>,
    name: &str,
    progress: RwSignal<Option<String>>,
    cancel: RwSignal<bool>,
) -> Result<Plan, String> {
    // First each change set is checked against what is held (in steps), then the new ones
    // are folded into their records (in steps).
    let total = change_sets.len();
    let mut checking = Checking::new(instant(now_ms()), total);
    let mut texts = texts.map(Vec::into_iter);
    for (n, change_set) in change_sets.into_iter().enumerate() {
        checking.check(held, change_set, texts.as_mut().and_then(Iterator::next)).map_err(|e| e.to_string())?;
        if (n + 1) % STEP == 0 {
            progress.set(Some(format!("Checking {name} against what is here: {} of {total} change sets", n + 1)));
            if cancel.get_untracked() {
                return Err(FileError::Stopped.to_string());
            }
            crate::ui::turn::next_turn().await;
        }
    }
    drop(texts);
    let mut planning = checking.finish(held);
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
        crate::ui::turn::next_turn().await;
    }
    Ok(planning.finish(held))
}

/// Bytes copied from the browser into the app between two turns of the page: an 86 MB file
/// copied at once held the page for most of a quarter of a second.
const COPY_SLICE: usize = 8 << 20;

/// One file's text, its size checked before it is read. Read as bytes: the browser's own
/// text would be decoded from UTF-8 and encoded again to reach the app. Read, copied and
/// checked as UTF-8 a slice per turn: the browser hands over a whole 86 MB file, copying 86
/// MB into the app or checking them at once each held the page for a tenth of a second.
async fn file_text(file: &web_sys::File) -> Result<String, String> {
    check_size(file.size() as u64).map_err(|e| e.to_string())?;
    let unreadable = || "The browser could not read the file.".to_string();
    let not_text = |at: usize| {
        format!("The file is not JSON (it is not UTF-8 text: byte {at} is not). Is it another kind of file?")
    };
    let total = file.size() as usize;
    // Not zeroed first (that alone took a tenth of a second for 86 MB): each slice is
    // written once, by the copy, and only what was copied counts as filled.
    let mut bytes: Vec<u8> = Vec::with_capacity(total);
    // How many bytes are known to be UTF-8, in whole characters.
    let mut checked = 0usize;
    // The browser reads a slice while the app copies and checks the one before.
    let ask = |from: usize| {
        let to = (from + COPY_SLICE).min(total);
        let slice = file.slice_with_f64_and_f64(from as f64, to as f64).map_err(|_| unreadable())?;
        Ok::<_, String>((to, wasm_bindgen_futures::JsFuture::from(slice.array_buffer())))
    };
    let mut next = if total > 0 { Some(ask(0)?) } else { None };
    while let Some((to, pending)) = next.take() {
        let from = bytes.len();
        let buffer = pending.await.map_err(|_| unreadable())?;
        if to < total {
            next = Some(ask(to)?);
        }
        let array = js_sys::Uint8Array::new(&buffer);
        if array.length() as usize != to - from {
            return Err("The file changed while it was read. Choose it again.".into());
        }
        let room = &mut bytes.spare_capacity_mut()[..to - from];
        let copied = array.copy_to_uninit(room).len();
        // SAFETY: `copy_to_uninit` initialised the `copied` bytes after the current length.
        unsafe { bytes.set_len(bytes.len() + copied) };
        // A character cut by the slice's end is checked with the next slice.
        checked = crate::sync::file::utf8_checked(&bytes, checked).map_err(not_text)?;
        crate::ui::turn::next_turn().await;
    }
    if checked != bytes.len() {
        return Err(not_text(checked));
    }
    // SAFETY: every byte was checked above to be UTF-8, in whole characters.
    Ok(unsafe { String::from_utf8_unchecked(bytes) })
}
