//! Stable sorting through one shared sort, to keep the WebAssembly small.
//!
//! `slice::sort_by` is compiled anew for every element type and comparison: about 3.5 KB of
//! WebAssembly each, and the app had 30 of them. These functions sort the positions `0..n`
//! (always `usize`, compared through one `&mut dyn FnMut`), so the sort itself is compiled
//! once; per element type there is only the small step that moves the items into that order.
//! The result is the same as `sort_by`'s: stable, equal items keep their order.
//! Use them where the list can be long or the type is new; the cost is one extra allocation.

use std::cmp::Ordering;

/// Like `items.sort_by(compare)`: stable.
pub fn sort_by<T>(items: &mut Vec<T>, mut compare: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let order = {
        let items = &*items;
        positions(items.len(), &mut |a, b| compare(&items[a], &items[b]))
    };
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|position| slots[position].take()));
}

/// Like `items.sort_by_key(key)`: stable.
pub fn sort_by_key<T, K: Ord>(items: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// The positions `0..len` in the order `compare` gives them (stable). The one compiled sort.
pub fn positions(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard library's stable sort, equal keys included.
        #[test]
        fn same_as_std_stable_sort(items in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut ours = items.clone();
            sort_by_key(&mut ours, |item| item.0);
            let mut std = items.clone();
            std.sort_by_key(|item| item.0);
            prop_assert_eq!(&ours, &std);

            let mut ours = items.clone();
            sort_by(&mut ours, |a, b| b.1.cmp(&a.1));
            let mut std = items;
            std.sort_by_key(|item| std::cmp::Reverse(item.1));
            prop_assert_eq!(ours, std);
        }
    }
}
