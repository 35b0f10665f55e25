//! Loop detection keeps fixed-size fingerprints: the memory of a run is bounded by
//! its pages, not by the size of the cursors a server sends.

use aiter::paginate::{Page, Paginator};
use futures_lite::StreamExt;

/// A line of `/proc/self/status`, in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().strip_suffix("kB")?.trim().parse().ok())
        .unwrap()
}

#[test]
#[cfg(target_os = "linux")]
fn three_thousand_pages_of_50_kb_cursors_hold_no_cursor_after_its_page() {
    const PAGES: u64 = 3_000;
    const CURSOR: usize = 50_000;
    let paginator = Paginator::cursors(|key| async move {
        let n = match key {
            Some(cursor) => cursor[..10].parse::<u64>().unwrap(),
            _ => 0,
        };
        let next = (n + 1 < PAGES).then(|| format!("{:010}{}", n + 1, "x".repeat(CURSOR - 10)));
        Ok(Page::with_next(vec![n], next))
    });
    let before = status_kib("VmRSS");
    let count = futures_lite::future::block_on(paginator.items().count());
    assert_eq!(count as u64, PAGES);
    let growth = status_kib("VmHWM").saturating_sub(before);
    // Keeping every cursor would take 150 MB; fingerprints take ~100 KB.
    assert!(
        growth < 32 * 1024,
        "peak resident memory grew by {growth} KiB"
    );
}
