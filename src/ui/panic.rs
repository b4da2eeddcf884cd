//! The error screen shown when the app panics, instead of a frozen page.
//!
//! Built with plain DOM calls (no Leptos: the reactive system may be what broke), with the
//! message set as text, never as HTML.

use std::panic::PanicHookInfo;

pub fn install() {
    std::panic::set_hook(Box::new(|info: &PanicHookInfo<'_>| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(body) = document.body() else { return };
    let build = || -> Option<web_sys::Element> {
        let screen = document.create_element("div").ok()?;
        screen.set_class_name("panic-screen");
        screen.set_attribute("role", "alert").ok()?;
        screen.set_attribute("data-testid", "panic-screen").ok()?;
        let title = document.create_element("h1").ok()?;
        title.set_text_content(Some("Servicebook stopped because of an internal error"));
        let advice = document.create_element("p").ok()?;
        advice.set_text_content(Some(
            "Records saved before this moment are safe in this browser. Reload the page to continue; \
             if it happens again, note what you did and report the message below.",
        ));
        let detail = document.create_element("pre").ok()?;
        detail.set_text_content(Some(message));
        let reload = document.create_element("a").ok()?;
        reload.set_text_content(Some("Reload Servicebook"));
        reload.set_attribute("href", "").ok()?;
        reload.set_class_name("button primary");
        for child in [&title, &advice, &detail, &reload] {
            screen.append_child(child).ok()?;
        }
        Some(screen)
    };
    if let Some(screen) = build() {
        let _ = body.append_child(&screen);
    }
}
