//! The frame around every page: header with navigation, banners, footer with storage status.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::format;
use super::pages::PagesLoading;
use super::quick_search;
use super::routes;
use super::state::{use_app, Notice, StoreStatus};
use crate::domain::catalogue::{self, kinds_in};
use crate::domain::kind::Area;
use crate::store::{storage_estimate, StorageEstimate};

/// The kinds people work in daily, always in the header; the rest are in the menu.
const PRIMARY: &[&str] = &["incident", "service_request", "problem", "change"];

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let loading = use_context::<PagesLoading>().map(|PagesLoading(waiting)| waiting);
    let waiting = move || loading.is_some_and(|waiting| waiting.get());
    view! {
        <div class="shell">
            // A page on its way (its code is being fetched, see `pages`): a bar along the top,
            // shown only if the wait lasts (style/main.css).
            <div class="page-loading" class:active=waiting data-testid="page-loading" aria-hidden="true"></div>
            <Header/>
            <Banner/>
            <main id="main" class="main" aria-busy=move || if waiting() { "true" } else { "false" }>{children()}</main>
            <Footer/>
        </div>
    }
}

#[component]
fn Header() -> impl IntoView {
    let location = use_location();
    let current = move |path: String| {
        let here = location.pathname.get();
        let active = if path == routes::href("/") {
            here == path || here == format!("{path}/")
        } else {
            here == path || here.starts_with(&format!("{path}/"))
        };
        if active {
            "page"
        } else {
            "false"
        }
    };
    let app = use_app();
    // Every plain link of the header through one function: one view type in the first
    // screen's code instead of one per link.
    let nav_link = move |href: String, testid: String, label: &'static str| {
        let link = href.clone();
        view! { <a href=href data-testid=testid aria-current=move || current(link.clone())>{label}</a> }
    };
    let primary = PRIMARY
        .iter()
        .filter_map(|id| catalogue::kind(id))
        .map(move |kind| nav_link(routes::list(kind), format!("nav-{}", kind.slug), kind.plural));
    // The menu of every kind, by clause 8 area; closed again after each navigation.
    let menu = NodeRef::<leptos::html::Details>::new();
    Effect::new(move |_| {
        location.pathname.track();
        if let Some(menu) = menu.get_untracked() {
            menu.set_open(false);
        }
    });
    let areas = Area::ALL.iter().map(|area| {
        let kinds = kinds_in(*area)
            .map(|kind| {
                view! { <li><a href=routes::list(kind) data-testid=format!("menu-{}", kind.slug)>{kind.plural}<span class="muted">{format!(" {}", kind.clause)}</span></a></li> }
            })
            .collect_view();
        view! {
            <li class="menu-area">
                <span class="menu-heading">{format!("{} {}", area.clause(), area.label())}</span>
                <ul>{kinds}</ul>
            </li>
        }
    });
    let dashboard = routes::href("/");
    let settings = routes::href("/settings");
    let calendar = routes::href("/calendar");
    let exchange = routes::href("/exchange");
    let review = routes::href("/review");
    let r = review.clone();
    // How many records need review; shown only when some do.
    let to_review = move || app.review.with(|r| r.len());
    view! {
        <header class="header">
            <a class="skip" href="#main">"Skip to content"</a>
            <a class="brand" href=dashboard.clone()>
                <span class="brand-mark" aria-hidden="true">"SB"</span>
                <span>"Servicebook"</span>
            </a>
            <nav class="nav" aria-label="Main">
                {nav_link(dashboard, "nav-dashboard".to_string(), "Dashboard")}
                {primary.collect_view()}
                {nav_link(calendar, "nav-calendar".to_string(), "Calendar")}
                <details class="nav-more" node_ref=menu>
                    <summary data-testid="nav-all">"All records"</summary>
                    <ul class="menu">{areas.collect_view()}</ul>
                </details>
            </nav>
            <div class="header-end">
                <QuickSearch/>
                {nav_link(exchange, "nav-exchange".to_string(), "Share")}
                <a href=review data-testid="nav-review" aria-current=move || current(r.clone())
                    title="Conflicting edits and records breaking their lifecycle">
                    "Review"
                    {move || match to_review() {
                        0 => None,
                        n => Some(view! { " "<span class="count-badge" data-testid="nav-review-count" aria-label=format!("{n} to review")>{n}</span> }),
                    }}
                </a>
                <span class="member" title=move || app.member.with(|m| m.as_ref().map(|m| format!("You act as {m}")))>{move || app.member.get().map(|m| m.to_string())}</span>
                {nav_link(settings, "nav-settings".to_string(), "Settings")}
            </div>
        </header>
    }
}

/// Search across every kind from the header: Ctrl+K or "/" opens it. The dialog's code is
/// fetched when it first opens (`quick_search`).
#[component]
fn QuickSearch() -> impl IntoView {
    let open = RwSignal::new(false);
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let typing = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let ctrl_k = (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("k");
        if ctrl_k || (ev.key() == "/" && !typing && !open.get_untracked()) {
            ev.prevent_default();
            open.set(true);
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <button type="button" class="search-button" data-testid="search-open" on:click=move |_| open.set(true) aria-keyshortcuts="Control+K /">
            "Search" <kbd>"Ctrl K"</kbd>
        </button>
        <Show when=move || open.get()>{Suspend::new(quick_search::dialog(open))}</Show>
    }
}

#[component]
fn Banner() -> impl IntoView {
    let app = use_app();
    let status = move || match app.status.get() {
        StoreStatus::Failed(error) => Some(error.to_string()),
        StoreStatus::Blocked => Some(crate::store::StoreError::Blocked.to_string()),
        StoreStatus::PartMissing => Some(
            "Your records could not be read: part of Servicebook did not arrive (the connection may be down, or the \
             site was updated meanwhile). They are safe in this browser; reload the page to try again."
                .to_string(),
        ),
        _ => None,
    };
    view! {
        {move || status().map(|text| view! {
            <div class="banner error" role="alert" data-testid="banner">
                <span><strong>"Storage problem. "</strong>{text}</span>
            </div>
        })}
        {move || app.notice.get().map(|Notice { text, error }| view! {
            <div class=if error { "banner error" } else { "banner info" } role=if error { "alert" } else { "status" } data-testid="banner">
                <span>{text}</span>
                <button class="link" on:click=move |_| app.notice.set(None) aria-label="Dismiss">"Dismiss"</button>
            </div>
        })}
    }
}

#[component]
fn Footer() -> impl IntoView {
    let app = use_app();
    // Asked again after every stored change; an answer overtaken by a later question is
    // dropped. (A plain effect: a resource's machinery would cost the first screen's code
    // several kilobytes.)
    let estimate = RwSignal::new(None::<StorageEstimate>);
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        app.revision.track();
        asked.update_value(|n| *n += 1);
        let question = asked.get_value();
        leptos::task::spawn_local(async move {
            let answer = storage_estimate().await;
            if asked.try_get_value() == Some(question) {
                estimate.try_set(Some(answer));
            }
        });
    });
    // Only once the records are read: a count of none, or of the newest page, would mislead.
    let count = move || {
        app.status.with(|s| s.unread().is_none()).then(|| {
            let count = app.records.with(|r| r.len());
            format!(" · {}", format::count(count, "record", "records"))
        })
    };
    let usage = move || {
        estimate.get().map(|e| {
            let used = e.usage_bytes.map(format::bytes).unwrap_or_else(|| "unknown space".into());
            let quota = e.quota_bytes.map(|q| format!(" of {}", format::bytes(q))).unwrap_or_default();
            let persistent = match e.persisted {
                Some(true) => "persistent storage granted",
                Some(false) => {
                    "persistent storage not granted: the browser may clear it when space runs low; export regularly"
                }
                None => "persistence unknown",
            };
            format!(" · {used} used{quota} · {persistent}")
        })
    };
    let state = move || match app.status.get() {
        StoreStatus::Opening => "Opening the database…",
        StoreStatus::Blocked => "Waiting for other tabs…",
        StoreStatus::Ready => "Saved in this browser",
        StoreStatus::Failed(_) => "Not saving: storage unavailable",
        StoreStatus::PartMissing => "Not saving: reload needed",
    };
    view! {
        <footer class="footer">
            <span data-testid="storage-status">
                {state}{count}{usage}
            </span>
            <span class="footer-end">"ISO/IEC 20000-1 service management · no server: your data stays in this browser"</span>
        </footer>
    }
}
