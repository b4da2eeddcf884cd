//! Which page an address shows (`ui::routes::Page::at`), the app's own routing since it reads
//! the page from the address instead of declaring leptos_router `Route`s: every link the app
//! writes leads back to its page, under any hosting path, and anything else is "not found".
#![cfg(target_arch = "wasm32")]

use servicebook::domain::catalogue::KINDS;
use servicebook::domain::ids::RecordId;
use servicebook::ui::routes::{self, Page};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ID: &str = "0193a3a0-5b6c-7d8e-9f00-112233445566";

#[wasm_bindgen_test]
fn every_link_the_app_writes_leads_back_to_its_page() {
    let base = routes::base();
    let id = RecordId::parse(ID).expect("a valid id");
    for &kind in KINDS {
        assert_eq!(Page::at(base, &routes::list(kind)), Page::List(kind));
        assert_eq!(Page::at(base, &routes::new_record(kind)), Page::NewRecord(kind));
        assert_eq!(Page::at(base, &routes::record(kind, id)), Page::Record(kind, id));
        assert_eq!(Page::at(base, &routes::edit_record(kind, id)), Page::EditRecord(kind, id));
    }
    for (path, page) in [
        ("/", Page::Dashboard),
        ("/settings", Page::Settings),
        ("/calendar", Page::Calendar),
        ("/exchange", Page::Share),
        ("/review", Page::Review),
    ] {
        assert_eq!(Page::at(base, &routes::href(path)), page, "{path}");
    }
}

#[wasm_bindgen_test]
fn the_hosting_path_is_required_and_a_trailing_slash_changes_nothing() {
    let incidents = Page::at("", "/incidents");
    assert!(matches!(incidents, Page::List(kind) if kind.slug == "incidents"));
    assert_eq!(Page::at("/servicebook", "/servicebook/incidents"), incidents);
    assert_eq!(Page::at("/servicebook", "/servicebook/incidents/"), incidents);
    assert_eq!(Page::at("/servicebook", "/servicebook"), Page::Dashboard);
    assert_eq!(Page::at("/servicebook", "/servicebook/"), Page::Dashboard);
    // Outside the hosting path, or a path that only starts with its letters.
    assert_eq!(Page::at("/servicebook", "/incidents"), Page::NotFound);
    assert_eq!(Page::at("/servicebook", "/servicebookx/incidents"), Page::NotFound);
}

#[wasm_bindgen_test]
fn unknown_kinds_malformed_ids_and_extra_segments_are_not_found() {
    for path in [
        "/nonsense",
        "/nonsense/new",
        &format!("/nonsense/{ID}"),
        "/incidents/not-an-id",
        "/incidents/not-an-id/edit",
        &format!("/incidents/{ID}/delete"),
        &format!("/incidents/{ID}/edit/more"),
        "/settings/more",
    ] {
        assert_eq!(Page::at("", path), Page::NotFound, "{path}");
    }
    // Two records, or two kinds, are two pages.
    let other = "0193a3a0-5b6c-7d8e-9f00-112233445567";
    assert_ne!(Page::at("", &format!("/incidents/{ID}")), Page::at("", &format!("/incidents/{other}")));
    assert_ne!(Page::at("", "/incidents"), Page::at("", "/problems"));
}
