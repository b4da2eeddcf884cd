//! Work the first screen of a current database does not need, in a module of its own that
//! is fetched the first time one of these is called (see `pages` for how the build splits
//! the app's WebAssembly).
//!
//! A start whose snapshot holds every stored chunk shows its records with the main module
//! alone. This module holds what reads and folds change sets, and what only some starts or
//! later events need:
//! - moving an older layout's data into the current one ([`migrate`]);
//! - folding the chunks stored after the snapshot, or all of them when it is missing or
//!   damaged ([`catch_up_snapshot`]);
//! - building the link, search and review indexes after a start ([`build_indexes`]);
//! - folding in what another tab stored ([`other_tab_stored`]).
//!
//! Each wrapper says [`CodeNotLoaded`] (the pages' error) when the module cannot be fetched (offline before it
//! arrived, or the site was updated meanwhile); its caller shows that and changes nothing.
//! Code inside a page's module calls the functions these wrap, never the wrappers (see
//! `pages`).

use std::future::Future;
use std::pin::Pin;

use leptos::wasm_split::wasm_split;

use super::pages::CodeNotLoaded;
use super::state::AppState;
use crate::store::{Behind, Loaded, Store, StoreError};

type Work<T> = Pin<Box<dyn Future<Output = T>>>;

mod split {
    use super::*;

    #[wasm_split(deferred, wasm_split_path = ::leptos::wasm_split, fallible)]
    pub fn migrate(
        store: Store,
        migration: crate::store::schema::Migration,
    ) -> Result<Work<Result<(), StoreError>>, CodeNotLoaded> {
        Ok(Box::pin(async move { store.migrate(migration).await }))
    }

    #[wasm_split(deferred, wasm_split_path = ::leptos::wasm_split, fallible)]
    pub fn catch_up_snapshot(store: Store, behind: Behind) -> Result<Work<Result<Loaded, StoreError>>, CodeNotLoaded> {
        Ok(Box::pin(async move { store.catch_up_snapshot(behind).await }))
    }

    #[wasm_split(deferred, wasm_split_path = ::leptos::wasm_split, fallible)]
    pub fn build_indexes(app: AppState) -> Result<Work<()>, CodeNotLoaded> {
        Ok(Box::pin(app.build_indexes_in_turns()))
    }

    #[wasm_split(deferred, wasm_split_path = ::leptos::wasm_split, fallible)]
    pub fn other_tab_stored(app: AppState, reset: bool) -> Result<Work<()>, CodeNotLoaded> {
        Ok(Box::pin(app.other_tab_stored(reset)))
    }
}

/// [`Store::migrate`], with this module's code.
pub async fn migrate(
    store: &Store,
    migration: crate::store::schema::Migration,
) -> Result<Result<(), StoreError>, CodeNotLoaded> {
    Ok(split::migrate(store.clone(), migration).await?.await)
}

/// [`Store::catch_up_snapshot`], with this module's code.
pub async fn catch_up_snapshot(store: &Store, behind: Behind) -> Result<Result<Loaded, StoreError>, CodeNotLoaded> {
    Ok(split::catch_up_snapshot(store.clone(), behind).await?.await)
}

/// `AppState::build_indexes_in_turns`, with this module's code.
pub async fn build_indexes(app: AppState) -> Result<(), CodeNotLoaded> {
    split::build_indexes(app).await?.await;
    Ok(())
}

/// `AppState::other_tab_stored`, with this module's code.
pub async fn other_tab_stored(app: AppState, reset: bool) -> Result<(), CodeNotLoaded> {
    split::other_tab_stored(app, reset).await?.await;
    Ok(())
}
