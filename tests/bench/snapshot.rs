//! Benchmark (prints figures, never fails): encoding and decoding the stored snapshot of N
//! incidents, with the allocations a decode makes and their bytes (natively: 64-bit pointers,
//! so more than in the browser), since a start decodes every record (issue 3).
//! Run with `cargo bench --bench snapshot`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use servicebook::domain::demo;
use servicebook::domain::ids::{Member, RecordId};
use servicebook::domain::record::{fold_all, Record};
use servicebook::domain::snapshot;

/// Counts allocations, to show what a decode costs beyond its time.
struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    println!("snapshot of N incidents (native, release): pages of 1,000 records");
    println!(
        "{:>8} {:>10} {:>10} {:>10} {:>14} {:>14}",
        "N", "KB", "encode ms", "decode ms", "allocs/record", "bytes/record"
    );
    for n in [1_000usize, 50_000] {
        let none: BTreeMap<RecordId, Record> = BTreeMap::new();
        let Ok(member) = Member::new("Base") else { return };
        let sets = demo::sample_history(n, &none, |_| 1, &member, DateTime::<Utc>::UNIX_EPOCH, 5);
        let records: Vec<Record> = fold_all(&sets).into_values().collect();
        let started = Instant::now();
        let pages: Vec<Vec<u8>> =
            records.chunks(1_000).map(|page| snapshot::encode(&page.iter().collect::<Vec<_>>())).collect();
        let encode = started.elapsed();
        let size: usize = pages.iter().map(Vec::len).sum();
        let (before, bytes_before) = (ALLOCATIONS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
        let started = Instant::now();
        let read: Vec<Vec<Record>> = pages.iter().filter_map(|page| snapshot::decode(page).ok()).collect();
        let decode = started.elapsed();
        let decoded: usize = read.iter().map(Vec::len).sum();
        let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
        let bytes = BYTES.load(Ordering::Relaxed) - bytes_before;
        println!(
            "{:>8} {:>10} {:>10.1} {:>10.1} {:>14.1} {:>14.0}",
            decoded,
            size / 1024,
            encode.as_secs_f64() * 1e3,
            decode.as_secs_f64() * 1e3,
            allocations as f64 / decoded.max(1) as f64,
            bytes as f64 / decoded.max(1) as f64
        );
    }
}
