//! Giving the page a turn in the middle of long work (reading and planning an import) so that
//! it paints and answers clicks, without the wait the browser adds to `setTimeout(0)`: nested
//! timeouts are held back at least 4 ms each, which over the 80 steps of a large import came
//! to a third of a second of doing nothing. A message posted to the page's own channel comes
//! back as the next task instead.
//!
//! Work done in turns after a start has two ranks: what the user may need at any moment (a
//! list's row text, which the first key typed searches) holds an [`Urgent`] while it runs,
//! and what can wait (the app's indexes) takes its turns with [`next_idle_turn`], after it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use wasm_bindgen::prelude::*;

thread_local! {
    /// The channel, and the handler that wakes the oldest waiting turn (kept alive with it).
    static CHANNEL: Option<(web_sys::MessageChannel, Closure<dyn FnMut()>)> = open();
    /// The turns waiting for their message, oldest first.
    static WAITING: RefCell<VecDeque<js_sys::Function>> = const { RefCell::new(VecDeque::new()) };
    /// How many [`Urgent`] guards are held.
    static URGENT: Cell<usize> = const { Cell::new(0) };
}

/// Held while urgent work runs in turns; work in [`next_idle_turn`]s waits until none is.
pub struct Urgent(());

impl Urgent {
    pub fn begin() -> Urgent {
        URGENT.with(|held| held.set(held.get() + 1));
        Urgent(())
    }
}

impl Drop for Urgent {
    fn drop(&mut self) {
        URGENT.with(|held| held.set(held.get().saturating_sub(1)));
    }
}

/// As [`next_turn`], and then as many more as it takes for no urgent work to be under way.
pub async fn next_idle_turn() {
    loop {
        next_turn().await;
        if URGENT.with(Cell::get) == 0 {
            return;
        }
    }
}

fn open() -> Option<(web_sys::MessageChannel, Closure<dyn FnMut()>)> {
    let channel = web_sys::MessageChannel::new().ok()?;
    let wake = Closure::<dyn FnMut()>::new(|| {
        if let Some(resolve) = WAITING.with(|waiting| waiting.borrow_mut().pop_front()) {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    channel.port2().set_onmessage(Some(wake.as_ref().unchecked_ref()));
    Some((channel, wake))
}

/// Resumes in a later task, once the page has had its turn (a timeout where there is no
/// message channel).
pub async fn next_turn() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        WAITING.with(|waiting| waiting.borrow_mut().push_back(resolve.clone()));
        let posted = CHANNEL
            .with(|channel| channel.as_ref().map(|(channel, _)| channel.port1().post_message(&JsValue::NULL).is_ok()))
            .unwrap_or(false);
        if !posted {
            WAITING.with(|waiting| waiting.borrow_mut().pop_back());
            let timed = web_sys::window().map(|w| w.set_timeout_with_callback(&resolve).is_ok()).unwrap_or(false);
            if !timed {
                let _ = resolve.call0(&JsValue::NULL);
            }
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
