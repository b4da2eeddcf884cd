//! The Export card: everything, what changed since the last export to a named teammate, or
//! chosen records with the records linked to them; optionally sealed with a passphrase.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use wasm_bindgen::JsCast;

use crate::domain::catalogue;
use crate::domain::ids::{Member, RecordId};
use crate::domain::links::export_selection;
use crate::store::{blob_bytes, json_blob, now_ms, BodyInHand, BodyToKeep, ExportScope, ExportedFile, StoreError};
use crate::sync::sealed::{check_passphrase, PassphraseError, MIN_PASSPHRASE_CHARS};
use crate::ui::fields::link_label;
use crate::ui::format;
use crate::ui::probe::mark as mark_probe;
use crate::ui::sealing;
use crate::ui::state::{instant, use_app, AppState};

/// Lines of an exported body hashed per turn while it is kept for the next export.
const HASH_SLICE: usize = 4_000;

thread_local! {
    /// Whether the last export's body is still being kept: the next full export waits for
    /// it, to continue it rather than write everything again.
    static KEEPING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// That body, once put together: a full export asked for meanwhile is written from it
    /// instead of waiting.
    static IN_HAND: std::cell::RefCell<Option<BodyInHand>> = const { std::cell::RefCell::new(None) };
}

/// Whether a full export's body is being kept: work that reads every stored chunk (the
/// shared-data fingerprint) waits for it, rather than read them at the same time.
pub fn keeping_body() -> bool {
    KEEPING.get()
}

/// Hashes a full export's `body` into the states a kept body needs, a slice per turn
/// (`turn`), and keeps it, meanwhile offering it to a full export asked for ([`IN_HAND`]).
async fn keep<T: std::future::Future<Output = ()>>(
    store: &crate::store::Store,
    mut body: BodyToKeep,
    turn: impl Fn() -> T,
) -> bool {
    IN_HAND.set(Some(body.in_hand()));
    while !body.hash(HASH_SLICE).await {
        turn().await;
    }
    let kept = store.keep_body(&body).await.is_ok();
    IN_HAND.set(None);
    kept
}

/// A full export: written from the body being kept when it is put together and nothing
/// arrived since; otherwise once that body is kept, continuing it (a second or so at 50,000
/// records; after ten, written from scratch).
async fn export_everything(
    store: &crate::store::Store,
    member: Member,
) -> Result<(ExportedFile, chrono::DateTime<chrono::Utc>), StoreError> {
    // Work in idle turns (the kept body's hashing among it) waits meanwhile.
    let _urgent = crate::ui::turn::Urgent::begin();
    let mut offered = false;
    for _ in 0..1_000 {
        if !KEEPING.get() {
            break;
        }
        if let Some(in_hand) = IN_HAND.with_borrow(Clone::clone).filter(|_| !offered) {
            offered = true;
            let exported_at = instant(now_ms());
            if let Some(file) = store.export_from_body(&in_hand, member.clone(), exported_at).await? {
                mark_probe("data-export-in-hand", 1.0);
                return Ok((file, exported_at));
            }
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    mark_probe("data-export-in-hand", 0.0);
    let exported_at = instant(now_ms());
    Ok((store.export(&ExportScope::Everything, member, exported_at).await?, exported_at))
}

/// Keeps a full export's body ahead of the next export, when there is none or it is far
/// behind (`Store::keep_export_ahead`): called once the app has read its records, and after
/// a large write (an import, demo data). Its body is written in the digest worker and its
/// hash states computed in idle turns, so the page stays free; an export asked for meanwhile
/// waits for it and then only continues it. Failing loses nothing: the next export writes
/// everything itself.
pub fn keep_export_ahead(app: AppState) {
    let (Some(store), Some(member)) = (app.store(), app.member.get_untracked()) else { return };
    if KEEPING.get() {
        return;
    }
    KEEPING.set(true);
    leptos::task::spawn_local(async move {
        if let Ok(Some(body)) = store.keep_export_ahead(member).await {
            let through = body.through();
            if keep(&store, body, crate::ui::turn::next_idle_turn).await {
                mark_probe("data-export-kept-ahead", through as f64);
            }
        }
        KEEPING.set(false);
    });
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
pub fn Export() -> impl IntoView {
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
        let what = match scope {
            Scope::Everything => ExportScope::Everything,
            Scope::SinceLastExport => match to.as_deref().and_then(mark_of) {
                Some(mark) => ExportScope::After(mark.seq),
                None => ExportScope::Everything,
            },
            Scope::Chosen => ExportScope::Records(selected.iter().copied().collect()),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome = async {
                let (mut file, exported_at) = match what {
                    ExportScope::Everything => export_everything(&store, member.clone()).await,
                    _ => {
                        let exported_at = instant(now_ms());
                        store.export(&what, member.clone(), exported_at).await.map(|file| (file, exported_at))
                    }
                }
                .map_err(|e| e.to_string())?;
                mark_probe("data-export-read-ms", file.read_ms);
                mark_probe("data-export-ms", file.write_ms);
                mark_probe("data-export-continued", if file.continued { 1.0 } else { 0.0 });
                mark_probe("data-export-reread", file.reread as f64);
                let sealed = key.is_some();
                let blob = match key {
                    Some(key) => {
                        let plain = blob_bytes(&file.blob).await.map_err(|e| format!("Nothing was exported: {e}"))?;
                        let text =
                            sealing::seal(&plain, &key).await.map_err(|e| format!("Nothing was exported: {e}"))?;
                        json_blob(&[text.into()]).map_err(|e| format!("Nothing was exported: {e}"))?
                    }
                    None => file.blob.clone(),
                };
                let name = file_name(member.as_str(), to.as_deref(), scope, exported_at, sealed);
                let handed = now_ms();
                download(&name, &blob).map_err(|_| "The browser refused the download.".to_string())?;
                mark_probe("data-export-download-ms", now_ms() - handed);
                let (through, count) = (file.through, file.change_sets as usize);
                // A cache for the next export, made after the file is handed over, its hash
                // states a slice per turn so that the page stays free: failing to keep it
                // loses nothing.
                // (A file written from a body in hand, or a partial one, keeps nothing.)
                if let Some(body) = file.take_body() {
                    let keeper = store.clone();
                    KEEPING.set(true);
                    leptos::task::spawn_local(async move {
                        keep(&keeper, body, crate::ui::turn::next_turn).await;
                        KEEPING.set(false);
                    });
                }
                // A partial export does not give the teammate everything: it moves no mark.
                let mark = if scope == Scope::Chosen { None } else { to.as_deref() };
                store.mark_exported(mark, through).await.map_err(|e| e.to_string())?;
                app.revision.update(|r| *r += 1);
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
                    format::bytes(blob.size()),
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

/// Offers `blob` as a file download.
fn download(name: &str, blob: &web_sys::Blob) -> Result<(), wasm_bindgen::JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
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
