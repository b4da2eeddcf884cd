//! The frame around every page: header with navigation, banners, footer with storage status;
//! and the first-start prompt for the member's name.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::format;
use super::routes;
use super::state::{use_app, Notice, StoreStatus};
use crate::domain::catalogue::KINDS;
use crate::domain::ids::Member;
use crate::store::storage_estimate;

/// Areas of ISO/IEC 20000-1 that later releases add, shown so the map of the SMS is visible.
const PLANNED: &[&str] = &[
    "Service requests",
    "Problems",
    "Changes",
    "Releases",
    "Configuration",
    "Services & SLAs",
    "Suppliers",
    "Audits & reviews",
];

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <div class="shell">
            <Header/>
            <Banner/>
            <main id="main" class="main">{children()}</main>
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
            here.starts_with(&path)
        };
        if active {
            "page"
        } else {
            "false"
        }
    };
    let app = use_app();
    let kinds = KINDS.iter().map(|kind| {
        let href = routes::list(kind);
        let testid = format!("nav-{}", kind.slug);
        let link = href.clone();
        view! { <a href=href data-testid=testid aria-current=move || current(link.clone())>{kind.plural}</a> }
    });
    let dashboard = routes::href("/");
    let settings = routes::href("/settings");
    let (d, s) = (dashboard.clone(), settings.clone());
    view! {
        <header class="header">
            <a class="skip" href="#main">"Skip to content"</a>
            <a class="brand" href=dashboard.clone()>
                <span class="brand-mark" aria-hidden="true">"SB"</span>
                <span>"Servicebook"</span>
            </a>
            <nav class="nav" aria-label="Main">
                <a href=dashboard data-testid="nav-dashboard" aria-current=move || current(d.clone())>"Dashboard"</a>
                {kinds.collect_view()}
                <details class="nav-more">
                    <summary>"More areas"</summary>
                    <ul>
                        {PLANNED.iter().map(|area| view! {
                            <li><span class="nav-planned">{*area}</span><span class="muted">" · planned"</span></li>
                        }).collect_view()}
                    </ul>
                </details>
            </nav>
            <div class="header-end">
                <span class="member" title="You act as this team member">{move || app.member.get().map(|m| m.to_string())}</span>
                <a href=settings data-testid="nav-settings" aria-current=move || current(s.clone())>"Settings"</a>
            </div>
        </header>
    }
}

#[component]
fn Banner() -> impl IntoView {
    let app = use_app();
    let status = move || match app.status.get() {
        StoreStatus::Failed(error) => Some(error.to_string()),
        StoreStatus::Blocked => Some(crate::store::StoreError::Blocked.to_string()),
        _ => None,
    };
    view! {
        {move || status().map(|text| view! {
            <div class="banner error" role="alert" data-testid="banner">
                <strong>"Storage problem. "</strong>{text}
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
    let estimate = LocalResource::new(move || {
        app.revision.track();
        storage_estimate()
    });
    let count = move || app.records.with(|r| r.len());
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
    };
    view! {
        <footer class="footer">
            <span data-testid="storage-status">
                {state}" · "{move || format::count(count(), "record", "records")}{usage}
            </span>
            <span class="footer-end">"ISO/IEC 20000-1 service management · no server: your data stays in this browser"</span>
        </footer>
    }
}

/// Asks for the member's name on first start.
#[component]
pub fn Welcome() -> impl IntoView {
    let app = use_app();
    let (name, set_name) = signal(String::new());
    let (error, set_error) = signal(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match Member::new(&name.get_untracked()) {
            Ok(member) => app.set_member(member),
            Err(e) => set_error.set(Some(e.to_string())),
        }
    };
    view! {
        <main class="welcome">
            <form class="card welcome-card" on:submit=submit novalidate>
                <h1><span class="brand-mark" aria-hidden="true">"SB"</span>" Welcome to Servicebook"</h1>
                <p>"An ISO/IEC 20000-1 service management system that runs entirely in your browser. Records stay here; teammates share them by exchanging files."</p>
                <label for="welcome-name">"Your name, as teammates should see it in history"</label>
                <input id="welcome-name" data-testid="welcome-name" autocomplete="name" autofocus
                    prop:value=name on:input=move |ev| set_name.set(event_target_value(&ev))
                    aria-invalid=move || error.get().is_some().to_string() aria-describedby="welcome-error"/>
                <p id="welcome-error" class="field-error" role="alert">{move || error.get()}</p>
                <button type="submit" class="button primary" data-testid="welcome-submit">"Start"</button>
            </form>
        </main>
    }
}
