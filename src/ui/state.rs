//! Application state shared through context: the records, the store and who is acting.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::deferred;
use super::list::{rows_memo, Row};
use super::probe;
use crate::domain::catalogue::{self, settings_id};
use crate::domain::command::Actor;
use crate::domain::edit::{ChangeSet, Draft};
use crate::domain::ids::{ChangeSetId, Member, RecordId};
use crate::domain::kind::KindDecl;
use crate::domain::links::LinkIndex;
use crate::domain::priority::PriorityMatrix;
use crate::domain::record::{Record, Records};
use crate::domain::reference::Collisions;
use crate::domain::review::ReviewIndex;
use crate::domain::search::SearchIndex;
use crate::store::{self, now_ms, random_bytes, SnapshotRead, Store, StoreError, SNAPSHOT_PAGE_SIZE};

/// The IndexedDB database the app uses.
pub const DB_NAME: &str = "servicebook";
const MEMBER_KEY: &str = "servicebook.member";
/// The message that tells other tabs to read everything again.
const RESET: &str = "reset";

/// Where opening the store stands.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreStatus {
    Opening,
    /// Another tab holds an older version open; opening waits for it.
    Blocked,
    Ready,
    Failed(StoreError),
    /// The code that reads this database's records did not arrive (`deferred`).
    PartMissing,
}

impl StoreStatus {
    /// What pages show while the records are not read, instead of an empty or partial SMS:
    /// still opening, or could not be read (the banner says why). `None` once they are read.
    pub fn unread(&self) -> Option<&'static str> {
        match self {
            StoreStatus::Opening | StoreStatus::Blocked => Some("Opening the database…"),
            StoreStatus::Failed(_) | StoreStatus::PartMissing => {
                Some("Your records could not be read: the message at the top says why and what to do.")
            }
            StoreStatus::Ready => None,
        }
    }
}

/// A message shown in the banner until dismissed.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// A kind's id and its list rows.
type KindRows = (&'static str, Memo<Vec<Row>>);

/// Everything the pages share. `Copy`: signals and handles only.
#[derive(Clone, Copy)]
pub struct AppState {
    pub records: RwSignal<Records>,
    /// While a start shows the newest records and reads the rest: how many it reads in all.
    pub loading: RwSignal<Option<usize>>,
    pub status: RwSignal<StoreStatus>,
    pub member: RwSignal<Option<Member>>,
    pub notice: RwSignal<Option<Notice>>,
    /// Bumped after each stored change, so views that read the store (history, storage
    /// status) know to read again.
    pub revision: RwSignal<u64>,
    /// The priority matrix from the shared settings record.
    pub matrix: Memo<PriorityMatrix>,
    /// Reference numbers held by more than one record.
    pub collisions: Memo<Collisions>,
    /// Every record's inbound links (the derived side of two-way links), kept up to date with
    /// each change set folded in.
    pub links: RwSignal<LinkIndex>,
    /// The quick search's index over all kinds, kept up to date the same way.
    pub search: RwSignal<SearchIndex>,
    /// The records that need review (conflicts, lifecycle rules broken by a merge), kept up
    /// to date the same way.
    pub review: RwSignal<ReviewIndex>,
    /// Each kind's list rows (`list::rows_memo`), kept for the app's life.
    list_rows: StoredValue<Vec<KindRows>>,
    store: StoredValue<Option<Store>, LocalStorage>,
    /// The arrival sequence of the last stored chunk folded into `records`.
    seen: StoredValue<u64>,
    /// Counts the changes of `records`: indexes built over several turns start again when
    /// the records change under them.
    changes: StoredValue<u64>,
    /// Tells this profile's other tabs that something was stored.
    channel: StoredValue<Option<web_sys::BroadcastChannel>, LocalStorage>,
}

/// Snapshot pages encoded per turn when an import's snapshot is kept after it (a page of
/// 1,000 records takes about 3 ms).
const SNAPSHOT_PAGES_PER_TURN: usize = 4;

/// Records indexed per turn when the indexes are built after a start.
const INDEX_SLICE: usize = 500;

/// The indexes derived from all records, while they are built.
#[derive(Default)]
struct Indexes {
    links: LinkIndex,
    search: SearchIndex,
    review: ReviewIndex,
}

impl Indexes {
    /// Adds `some` of `records`.
    fn add(&mut self, some: &[&Record], records: &Records) {
        self.links.add_all(some.iter().copied());
        self.search.add_all(some.iter().copied());
        self.review.add_all(some.iter().copied(), records);
    }

    /// Puts the indexes in place of the app's.
    fn put(self, app: &AppState) {
        app.links.set(self.links);
        app.search.set(self.search);
        app.review.set(self.review);
    }
}

impl AppState {
    pub fn new() -> Self {
        let records = RwSignal::new(Records::default());
        let matrix = Memo::new(move |_| records.with(|r| PriorityMatrix::from_settings(r.get(&settings_id()))));
        let collisions = Memo::new(move |_| records.with(|r| Collisions::find(r.iter())));
        let links = RwSignal::new(LinkIndex::default());
        let search = RwSignal::new(SearchIndex::default());
        let review = RwSignal::new(ReviewIndex::default());
        let list_rows =
            catalogue::KINDS.iter().map(|kind| (kind.id, rows_memo(kind, records, matrix, collisions))).collect();
        Self {
            records,
            loading: RwSignal::new(None),
            status: RwSignal::new(StoreStatus::Opening),
            member: RwSignal::new(load_member()),
            notice: RwSignal::new(None),
            revision: RwSignal::new(0),
            matrix,
            collisions,
            links,
            search,
            review,
            list_rows: StoredValue::new(list_rows),
            store: StoredValue::new_local(None),
            seen: StoredValue::new(0),
            changes: StoredValue::new(0),
            channel: StoredValue::new_local(None),
        }
    }

    /// Opens the database and loads the records into the signal.
    pub async fn open(self) {
        // Start-up milestones, in ms since navigation (the benchmark prints them).
        probe::mark("data-open-at", probe::now());
        let opened = self.open_and_load().await;
        self.loading.set(None);
        match opened {
            Ok((store, loaded, load_ms)) => {
                probe::mark("data-loaded-at", probe::now());
                self.records.set(loaded.records);
                probe::mark("data-shown-at", probe::now());
                // The indexes are built after the first page has painted.
                leptos::task::spawn_local(async move {
                    if deferred::build_indexes(self).await.is_err() {
                        self.show_part_missing("Search and Review are not up to date");
                    }
                });
                self.seen.set_value(loaded.through);
                self.store.set_value(Some(store));
                self.listen_to_other_tabs();
                self.status.set(StoreStatus::Ready);
                // Tells tests and benchmarks that records are loaded, and how fast.
                probe::mark("data-load-ms", load_ms);
                probe::set("data-memory-mb", &memory_mb().to_string());
                probe::set("data-ready", "true");
            }
            Err(status) => {
                // Not a partial view of the SMS presented as the whole: nothing.
                self.records.set(Records::default());
                self.status.set(status);
            }
        }
        // Ask the browser not to evict the SMS under storage pressure.
        store::request_persistence().await;
        self.revision.update(|r| *r += 1);
    }

    /// Opens the store, moves an older layout's data and reads the records, with how long the
    /// reading took (ms). The code for moving data and for folding chunks stored after the
    /// snapshot is fetched only when they are needed (`deferred`).
    async fn open_and_load(self) -> Result<(Store, store::Loaded, f64), StoreStatus> {
        let status = self.status;
        let (store, migration) = Store::open_unmigrated(DB_NAME, move || status.set(StoreStatus::Blocked))
            .await
            .map_err(StoreStatus::Failed)?;
        if let Some(migration) = migration {
            let moved = deferred::migrate(&store, migration).await.map_err(|_| StoreStatus::PartMissing)?;
            moved.map_err(StoreStatus::Failed)?;
        }
        probe::mark("data-opened-at", probe::now());
        let started = now_ms();
        let (records, loading) = (self.records, self.loading);
        // The newest records are shown while the others are read (still `Opening`: nothing
        // can be changed until every record is in).
        let show_newest = move |newest: &[Record], total: usize| {
            let mut some = Records::default();
            some.extend_snapshot(newest.iter().cloned());
            records.set(some);
            loading.set(Some(total));
            probe::mark("data-newest-at", probe::now());
        };
        let loaded = match store.read_snapshot(show_newest).await.map_err(StoreStatus::Failed)? {
            SnapshotRead::Current(loaded) => loaded,
            SnapshotRead::Behind(behind) => deferred::catch_up_snapshot(&store, behind)
                .await
                .map_err(|_| StoreStatus::PartMissing)?
                .map_err(StoreStatus::Failed)?,
        };
        Ok((store, loaded, now_ms() - started))
    }

    /// The list rows of `kind`: the app's own, or made now for a kind outside the catalogue.
    pub fn list_rows(&self, kind: &'static KindDecl) -> Memo<Vec<Row>> {
        self.list_rows
            .with_value(|all| all.iter().find(|(id, _)| *id == kind.id).map(|(_, rows)| *rows))
            .unwrap_or_else(|| rows_memo(kind, self.records, self.matrix, self.collisions))
    }

    pub fn store(&self) -> Option<Store> {
        self.store.get_value()
    }

    /// Who acts now, with a fresh change-set id; `None` before a name was given.
    pub fn actor(&self) -> Option<Actor> {
        let member = self.member.get_untracked()?;
        let now = now_ms();
        Some(Actor { member, at: instant(now), change_set: ChangeSetId::new(now as u64, random_bytes()) })
    }

    pub fn new_record_id(&self) -> RecordId {
        RecordId::new(now_ms() as u64, random_bytes())
    }

    /// Stores drafts and folds them into the records. On failure the banner says why and the
    /// records stay as they were.
    pub async fn commit(self, drafts: Vec<Draft>) -> Result<Vec<ChangeSet>, StoreError> {
        let Some(store) = self.store() else {
            let error = match self.status.get_untracked() {
                StoreStatus::Failed(error) => error,
                _ => StoreError::Unavailable("the database is not open yet".into()),
            };
            self.show_error(&error);
            return Err(error);
        };
        match store.commit(drafts).await {
            Ok(written) => {
                self.fold_in(&written.change_sets);
                self.stored(written.chunks).await;
                Ok(written.change_sets)
            }
            Err(error) => {
                self.show_error(&error);
                Err(error)
            }
        }
    }

    /// After this tab stored the chunks `ours`: folds in what other tabs stored meanwhile,
    /// and tells them.
    pub async fn stored(self, ours: std::ops::RangeInclusive<u64>) {
        self.catch_up(Some(ours)).await;
        if let Some(channel) = self.channel.get_value() {
            let _ = channel.post_message(&wasm_bindgen::JsValue::from_str("stored"));
        }
        self.revision.update(|r| *r += 1);
    }

    /// Folds in chunks stored since this tab last looked, except `skip` (already folded).
    async fn catch_up(self, skip: Option<std::ops::RangeInclusive<u64>>) {
        let Some(store) = self.store() else { return };
        match store.news_after(self.seen.get_value(), skip).await {
            Ok(news) => {
                let sets: Vec<ChangeSet> = news.chunks.into_iter().flat_map(|(_, sets)| sets).collect();
                if !sets.is_empty() {
                    self.fold_in(&sets);
                }
                self.seen.set_value(news.through);
            }
            Err(error) => self.show_error(&error),
        }
    }

    /// Keeps this tab current when another tab of this browser stores something.
    fn listen_to_other_tabs(self) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let Ok(channel) = web_sys::BroadcastChannel::new("servicebook-stored") else { return };
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let reset = event.data().as_string().as_deref() == Some(RESET);
            leptos::task::spawn_local(async move {
                if deferred::other_tab_stored(self, reset).await.is_err() {
                    self.show_part_missing("Changes saved in another tab are not shown here");
                }
                self.revision.update(|r| *r += 1);
            });
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The listener lives as long as the page.
        on_message.forget();
        self.channel.set_value(Some(channel));
    }

    /// What another tab stored: folded in, or everything read again when it removed change
    /// sets (`reset`).
    pub(super) async fn other_tab_stored(self, reset: bool) {
        if reset {
            self.reload().await;
        } else {
            self.catch_up(None).await;
        }
    }

    /// Folds stored change sets into the records and brings the indexes derived from them up
    /// to date, record by record.
    pub fn fold_in(&self, change_sets: &[ChangeSet]) {
        let mut before: BTreeMap<RecordId, Option<Record>> = BTreeMap::new();
        self.changes.update_value(|n| *n += 1);
        self.records.update(|records| {
            for change_set in change_sets {
                before.entry(change_set.record).or_insert_with(|| records.get(&change_set.record).cloned());
                records.apply(change_set);
            }
        });
        self.records.with_untracked(|records| {
            let changed: Vec<(Option<Record>, &Record)> =
                before.into_iter().filter_map(|(id, old)| records.get(&id).map(|new| (old, new))).collect();
            self.links.update(|links| changed.iter().for_each(|(old, new)| links.update(old.as_ref(), new)));
            self.search.update(|search| changed.iter().for_each(|(_, new)| search.update(new)));
            let ids = changed.iter().map(|(_, new)| new.id);
            self.links.with_untracked(|links| self.review.update(|review| review.update(ids, records, links)));
        });
    }

    /// After change sets were removed (an undone import): shows `records` here and tells the
    /// other tabs to read everything again.
    pub async fn reset_to(self, records: Records) {
        self.replace_records(records);
        if let Some(store) = self.store() {
            if let Ok(news) = store.news_after(self.seen.get_value(), None).await {
                self.seen.set_value(news.through);
            }
        }
        if let Some(channel) = self.channel.get_value() {
            let _ = channel.post_message(&wasm_bindgen::JsValue::from_str(RESET));
        }
        self.revision.update(|r| *r += 1);
    }

    /// Reads every record from the store again (another tab removed change sets).
    async fn reload(self) {
        let Some(store) = self.store() else { return };
        match store.load().await {
            Ok(loaded) => {
                self.seen.set_value(loaded.through);
                self.replace_records(loaded.records);
            }
            Err(error) => self.show_error(&error),
        }
    }

    /// The arrival sequence of the last stored chunk the records hold.
    pub fn seen(&self) -> u64 {
        self.seen.get_value()
    }

    /// Replaces all records (after an import) and has the indexes built again over several
    /// turns, as after a start: the records show at once and the page answers meanwhile
    /// (50,000 records' indexes took a seventh of a second at once). Until they are in place,
    /// search and Review show what they showed before. For the pages' modules (the Share
    /// page): it calls the indexing itself, not `deferred`'s wrapper (see `deferred`).
    pub fn replace_records_indexing_later(self, records: Records) {
        self.changes.update_value(|n| *n += 1);
        self.records.set(records);
        leptos::task::spawn_local(self.build_indexes_in_turns());
    }

    /// Keeps the snapshot of the records as an import left them, folded through arrival
    /// sequence `through` ([`crate::store::Store::keep_snapshot`]): encoded a few pages per
    /// turn once the import is shown, so that the page answers meanwhile. Abandoned if the
    /// records change first (the next start then folds the import's change sets on top of the
    /// older snapshot, and writes a new one).
    pub async fn keep_snapshot_in_turns(self, through: u64) {
        let started = self.changes.get_value();
        let ids: Vec<RecordId> = self.records.with_untracked(|r| r.iter().map(|r| r.id).collect());
        let mut pages = Vec::with_capacity(ids.len().div_ceil(SNAPSHOT_PAGE_SIZE));
        for slice in ids.chunks(SNAPSHOT_PAGE_SIZE * SNAPSHOT_PAGES_PER_TURN) {
            super::turn::next_idle_turn().await;
            if self.changes.get_value() != started {
                return;
            }
            self.records.with_untracked(|records| {
                let some: Vec<&Record> = slice.iter().filter_map(|id| records.get(id)).collect();
                pages.extend(store::snapshot_pages(&some));
            });
        }
        let Some(store) = self.store() else { return };
        if self.changes.get_value() != started {
            return;
        }
        match store.keep_snapshot(&pages, ids.len() as u32, through).await {
            Ok(true) => probe::mark("data-snapshot-kept-at", probe::now()),
            Ok(false) => {}
            Err(error) => self.show_error(&error),
        }
    }

    /// Replaces all records (sample data, an undone import) and rebuilds the indexes.
    pub fn replace_records(&self, records: Records) {
        self.changes.update_value(|n| *n += 1);
        self.records.set(records);
        self.rebuild_indexes();
    }

    /// Builds the indexes from all records, a slice per turn, so that the page answers keys
    /// and clicks meanwhile (50,000 records took a quarter of a second at once), and puts them
    /// in place at the end; starts again if the records change before then.
    pub(super) async fn build_indexes_in_turns(self) {
        'again: loop {
            let started = self.changes.get_value();
            let ids: Vec<RecordId> = self.records.with_untracked(|r| r.iter().map(|r| r.id).collect());
            let mut indexes = Indexes::default();
            for slice in ids.chunks(INDEX_SLICE) {
                // After a list's row text (see `turn::Urgent`).
                super::turn::next_idle_turn().await;
                if self.changes.get_value() != started {
                    continue 'again;
                }
                self.records.with_untracked(|records| {
                    let some: Vec<&Record> = slice.iter().filter_map(|id| records.get(id)).collect();
                    indexes.add(&some, records);
                });
            }
            indexes.put(&self);
            probe::mark("data-indexed-at", probe::now());
            return;
        }
    }

    fn rebuild_indexes(&self) {
        let mut indexes = Indexes::default();
        self.records.with_untracked(|records| indexes.add(&records.iter().collect::<Vec<_>>(), records));
        indexes.put(self);
    }

    pub fn show_error(&self, error: &StoreError) {
        self.notice.set(Some(Notice { text: error.to_string(), error: true }));
    }

    /// Says what is not up to date (`what`) because its code did not arrive (`deferred`).
    fn show_part_missing(&self, what: &str) {
        self.notice.set(Some(Notice {
            text: format!(
                "{what}: part of Servicebook did not arrive (the connection may be down). Your records are safe in \
                 this browser; reload the page to try again."
            ),
            error: true,
        }));
    }

    pub fn show_info(&self, text: impl Into<String>) {
        self.notice.set(Some(Notice { text: text.into(), error: false }));
    }

    pub fn set_member(&self, member: Member) {
        // Not kept (storage off or full): the name is asked again at the next start.
        if let (Some(storage), Some(json)) =
            (local_storage(), js_sys::JSON::stringify(&member.as_str().into()).ok().and_then(|json| json.as_string()))
        {
            let _ = storage.set_item(MEMBER_KEY, &json);
        }
        self.member.set(Some(member));
    }
}

fn load_member() -> Option<Member> {
    let json = local_storage()?.get_item(MEMBER_KEY).ok()??;
    let name = js_sys::JSON::parse(&json).ok()?.as_string()?;
    Member::new(&name).ok()
}

/// The browser's local storage, which keeps the member's name as a JSON string (the form
/// earlier releases wrote), read and written with the browser's own JSON.
fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn instant(ms: f64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms as i64).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// The WebAssembly memory's size, in whole MiB (the benchmark prints it after a start).
fn memory_mb() -> u32 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0, |m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().map_or(0, |b| b.byte_length() / (1024 * 1024)))
}

pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
