//! `aiter::paginate` over in-process fetch functions: every style, prefetch, retry,
//! loops, caps, resume and the shared rate budget. (The HTTP side is tested against a
//! real server in `tests/http_paginate.rs`.)

mod support;

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aiter::paginate::{
    FetchError, Page, PageErrorKind, PageKey, Paginator, Position, RateBudget, RetryPolicy,
};
use futures_lite::StreamExt;
use futures_lite::future::block_on;
use support::error_chain;

/// Items of a run, or the error's Display and position.
fn run<T: Send + 'static>(paginator: Paginator<T>) -> (Vec<T>, Option<(String, Position)>) {
    block_on(async {
        let mut items = paginator.items();
        let mut got = Vec::new();
        while let Some(item) = items.next().await {
            match item {
                Ok(item) => got.push(item.item),
                Err(error) => {
                    return (
                        got,
                        Some((error_chain(&error).join(": "), error.position().clone())),
                    );
                }
            }
        }
        (got, None)
    })
}

fn numbered_page(n: u64, pages: u64, per_page: u64) -> Page<u64> {
    Page::new(if n <= pages {
        (0..per_page).map(|i| n * 100 + i).collect()
    } else {
        vec![]
    })
}

fn expected(pages: u64, per_page: u64) -> Vec<u64> {
    (1..=pages)
        .flat_map(|n| (0..per_page).map(move |i| n * 100 + i))
        .collect()
}

#[test]
fn page_numbers_end_at_the_first_empty_page() {
    let requests = Arc::new(AtomicU32::new(0));
    let counter = requests.clone();
    let paginator = Paginator::page_numbers(1, 1, move |key| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move { Ok(numbered_page(key, 3, 2)) }
    });
    assert_eq!(run(paginator), (expected(3, 2), None));
    assert_eq!(
        requests.load(Ordering::SeqCst),
        4,
        "pages 1 to 3, then the empty page 4"
    );
}

#[test]
fn offsets_can_stop_at_a_short_page() {
    let requests = Arc::new(AtomicU32::new(0));
    let counter = requests.clone();
    let paginator = Paginator::offsets(0, 10, move |offset| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            Ok(Page::new(
                (offset..(offset + 10).min(25)).collect::<Vec<u64>>(),
            ))
        }
    })
    .stop_on_short_page(true);
    assert_eq!(run(paginator).0, (0..25).collect::<Vec<_>>());
    assert_eq!(
        requests.load(Ordering::SeqCst),
        3,
        "the short third page is the last"
    );
}

/// A cursor API: `pages[i]` holds its items and the index of the next page.
fn cursor_api(pages: Vec<(Vec<u64>, Option<usize>)>) -> Paginator<u64> {
    let pages = Arc::new(pages);
    Paginator::cursors(move |key| {
        let pages = pages.clone();
        async move {
            let index = match key {
                None => 0,
                Some(cursor) => cursor.strip_prefix('c').unwrap().parse().unwrap(),
            };
            let (items, next) = pages[index].clone();
            Ok(Page::with_next(items, next.map(|next| format!("c{next}"))))
        }
    })
}

#[test]
fn cursors_pass_over_empty_middle_pages_and_end_without_a_next() {
    let paginator = cursor_api(vec![
        (vec![1, 2], Some(1)),
        (vec![], Some(2)),
        (vec![], Some(3)),
        (vec![3], None),
    ]);
    assert_eq!(run(paginator), (vec![1, 2, 3], None));
}

#[test]
fn a_cursor_seen_anywhere_before_is_a_loop_error_naming_both_pages() {
    // 0 -> 1 -> 2 -> 3 -> 1: not the last cursor repeated, one from three pages back.
    let paginator = cursor_api(vec![
        (vec![1], Some(1)),
        (vec![2], Some(2)),
        (vec![3], Some(3)),
        (vec![4], Some(1)),
    ]);
    let (items, error) = run(paginator);
    assert_eq!(
        items,
        [1, 2, 3, 4],
        "every page fetched is delivered, the looping one too, then the error"
    );
    let (message, _) = error.expect("a loop error");
    assert_eq!(
        message,
        "page 4 (cursor \"c3\"): the API loops: its next, \"c1\", is page 2's, already fetched"
    );
}

#[test]
fn next_urls_follow_each_page() {
    let paginator = Paginator::next_urls("https://api.test/1", |url| async move {
        let n: u64 = url.rsplit('/').next().unwrap().parse().unwrap();
        Ok(Page::with_next(
            vec![n],
            (n < 5).then(|| format!("https://api.test/{}", n + 1)),
        ))
    });
    assert_eq!(run(paginator).0, [1, 2, 3, 4, 5]);
}

#[test]
fn prefetch_keeps_k_pages_in_flight_delivers_in_order_and_wastes_at_most_k() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(AtomicU32::new(0));
    let (flight, peak, count) = (in_flight.clone(), most.clone(), requests.clone());
    let paginator = Paginator::page_numbers(1, 1, move |n| {
        let (flight, peak) = (flight.clone(), peak.clone());
        count.fetch_add(1, Ordering::SeqCst);
        async move {
            let now = flight.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            // Later pages answer sooner: order must come from the window, not luck.
            async_io::Timer::after(Duration::from_millis(30 - n.min(20))).await;
            flight.fetch_sub(1, Ordering::SeqCst);
            Ok(numbered_page(n, 20, 3))
        }
    })
    .prefetch(4);
    assert_eq!(run(paginator).0, expected(20, 3));
    assert_eq!(most.load(Ordering::SeqCst), 4);
    let requests = requests.load(Ordering::SeqCst);
    assert!(
        (21..=21 + 3).contains(&requests),
        "{requests} requests: 20 pages, the empty one, at most 3 more"
    );
}

#[test]
fn transient_failures_are_retried_in_place_and_nothing_is_delivered_twice() {
    let attempts = Arc::new(Mutex::new(std::collections::HashMap::<u64, u32>::new()));
    let seen = attempts.clone();
    let paginator = Paginator::page_numbers(1, 1, move |n| {
        let tries = {
            let mut seen = seen.lock().unwrap();
            let tries = seen.entry(n).or_default();
            *tries += 1;
            *tries
        };
        async move {
            if n == 2 && tries < 3 {
                return Err(FetchError::transient("connection reset").with_status(503));
            }
            Ok(numbered_page(n, 3, 2))
        }
    })
    .retry(RetryPolicy::default().base_delay(Duration::from_millis(1)));
    assert_eq!(run(paginator), (expected(3, 2), None));
    assert_eq!(attempts.lock().unwrap()[&2], 3);
}

#[test]
fn retry_after_is_honoured() {
    let tries = Arc::new(AtomicU32::new(0));
    let counter = tries.clone();
    let paginator = Paginator::page_numbers(1, 1, move |key| {
        let first = counter.fetch_add(1, Ordering::SeqCst) == 0;
        async move {
            if first {
                return Err(FetchError::transient("slow down")
                    .with_status(429)
                    .with_retry_after(Duration::from_millis(300)));
            }
            Ok(numbered_page(key, 1, 1))
        }
    })
    .retry(RetryPolicy::default().base_delay(Duration::from_millis(1)));
    let start = Instant::now();
    assert_eq!(run(paginator).0, [100]);
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "waited {:?}",
        start.elapsed()
    );
}

#[test]
fn a_permanent_failure_ends_with_an_error_after_the_pages_before_and_resumes_exactly() {
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let failing = fail.clone();
    let make = move |fail: Arc<std::sync::atomic::AtomicBool>| {
        Paginator::page_numbers(1, 1, move |key| {
            let fail = fail.load(Ordering::SeqCst);
            async move {
                if fail && key == 3 {
                    return Err(FetchError::permanent("gone")
                        .with_status(410)
                        .with_url("https://api.test/items?page=3")
                        .with_snippet("{\"error\":\"gone\"}"));
                }
                Ok(numbered_page(key, 5, 2))
            }
        })
    };
    let (first, error) = run(make(failing));
    let (message, position) = error.expect("page 3 fails");
    assert_eq!(first, expected(2, 2));
    assert_eq!(
        message,
        "page 3 at https://api.test/items?page=3: HTTP 410 after 1 attempt: gone (body: \"{\\\"error\\\":\\\"gone\\\"}\")"
    );
    assert_eq!(position, Position::new(PageKey::Page(3), 0));
    fail.store(false, Ordering::SeqCst);
    let (rest, error) = run(make(fail).resume(position));
    assert!(error.is_none());
    let mut all = first;
    all.extend(rest);
    assert_eq!(all, expected(5, 2), "nothing lost, nothing twice");
}

#[test]
fn max_items_stops_with_a_position_that_resumes_with_the_next_item() {
    let make = || {
        cursor_api(vec![
            (vec![1, 2, 3], Some(1)),
            (vec![4, 5, 6], Some(2)),
            (vec![7], None),
        ])
    };
    let mut items = make().max_items(4).items();
    let first: Vec<u64> = block_on(async {
        let mut got = Vec::new();
        while let Some(item) = items.next().await {
            got.push(item.unwrap().item);
        }
        got
    });
    assert_eq!(first, [1, 2, 3, 4]);
    let position = items.position().expect("more to come");
    assert_eq!(
        position,
        Position::new(PageKey::Cursor(Some("c1".into())), 1)
    );
    assert_eq!(run(make().resume(position)).0, [5, 6, 7]);
}

#[test]
fn each_item_carries_the_position_after_it() {
    let positions: Vec<Position> = block_on(async {
        Paginator::page_numbers(1, 1, |key| async move { Ok(numbered_page(key, 2, 2)) })
            .items()
            .map(|item| item.unwrap().after)
            .collect()
            .await
    });
    let expected = [
        Position::new(PageKey::Page(1), 1),
        Position::new(PageKey::Page(2), 0),
        Position::new(PageKey::Page(2), 1),
        Position::new(PageKey::Page(3), 0),
    ];
    assert_eq!(positions, expected);
}

#[test]
fn max_pages_stops_and_pages_carry_their_metadata() {
    let mut pages =
        Paginator::page_numbers(1, 1, |key| async move { Ok(numbered_page(key, 9, 1)) })
            .max_pages(3)
            .pages();
    let numbers: Vec<(u64, PageKey)> = block_on(async {
        let mut got = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.unwrap();
            got.push((page.number, page.key));
        }
        got
    });
    assert_eq!(
        numbers,
        [
            (1, PageKey::Page(1)),
            (2, PageKey::Page(2)),
            (3, PageKey::Page(3))
        ]
    );
    assert_eq!(pages.position(), Some(Position::new(PageKey::Page(4), 0)));
}

#[test]
fn an_attempt_that_takes_too_long_times_out() {
    let paginator = Paginator::page_numbers(1, 1, |_| {
        futures_lite::future::pending::<Result<Page<u8>, FetchError>>()
    })
    .timeout(Some(Duration::from_millis(50)))
    .retry(RetryPolicy::none());
    let (_, error) = run(paginator);
    assert!(
        error
            .unwrap()
            .0
            .ends_with("after 1 attempt: timed out after 50ms")
    );
}

#[test]
fn a_rate_budget_is_shared_by_paginators() {
    let budget = RateBudget::per_second(50.0); // 20 ms apart
    let make = |budget: RateBudget| {
        Paginator::page_numbers(1, 1, |key| async move { Ok(numbered_page(key, 4, 1)) })
            .rate(budget)
    };
    let start = Instant::now();
    let (a, b) = block_on(futures_lite::future::zip(
        make(budget.clone()).items().count(),
        make(budget).items().count(),
    ));
    assert_eq!((a, b), (4, 4));
    // 10 requests (4 pages and an empty one, twice), 20 ms apart: at least 180 ms.
    assert!(
        start.elapsed() >= Duration::from_millis(180),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_page_naming_itself_as_next_is_a_loop_you_can_match() {
    // The first page (no cursor) names "c0"; the page fetched with "c0" names "c0" again.
    let paginator = cursor_api(vec![(vec![1], Some(0))]);
    let error = block_on(async { paginator.items().skip(2).next().await.unwrap().unwrap_err() });
    assert!(
        matches!(error.kind(), PageErrorKind::Loop { page: Some(2), .. }),
        "{error}"
    );
    assert_eq!(error.number(), 2);
}

#[test]
fn the_next_page_is_started_before_this_one_is_handed_over() {
    let started = Arc::new(AtomicU32::new(0));
    let counter = started.clone();
    let paginator = Paginator::cursors(move |key| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst); // runs when the fetch is first polled
            let n: u64 = match key {
                None => 1,
                Some(cursor) => cursor.parse().unwrap(),
            };
            Ok(Page::with_next(
                vec![n],
                (n < 3).then(|| (n + 1).to_string()),
            ))
        }
    });
    let mut pages = paginator.pages();
    block_on(async {
        pages.next().await.unwrap().unwrap();
        // The consumer now works on page 1: page 2 is already under way.
        assert_eq!(started.load(Ordering::SeqCst), 2);
        pages.next().await.unwrap().unwrap();
        assert_eq!(started.load(Ordering::SeqCst), 3);
        pages.next().await.unwrap().unwrap();
        assert!(pages.next().await.is_none());
        assert_eq!(
            started.load(Ordering::SeqCst),
            3,
            "nothing after the last page"
        );
    });
}

#[test]
fn a_resumed_run_stopped_before_any_item_keeps_its_position() {
    let start = Position::new(PageKey::Page(2), 1);
    let mut items =
        Paginator::page_numbers(1, 1, |key| async move { Ok(numbered_page(key, 3, 2)) })
            .resume(start.clone())
            .max_items(0)
            .items();
    assert!(block_on(items.next()).is_none());
    assert_eq!(items.position(), Some(start));
}

#[test]
fn pages_resumed_from_a_position_leave_out_what_items_would_skip() {
    let make = || Paginator::page_numbers(1, 1, |key| async move { Ok(numbered_page(key, 2, 3)) });
    let position = Position::new(PageKey::Page(1), 2);
    let via_pages: Vec<u64> = block_on(async {
        let mut pages = make().resume(position.clone()).pages();
        let mut got = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.unwrap();
            got.extend(page.page.items);
        }
        got
    });
    let (via_items, _) = run(make().resume(position));
    assert_eq!(via_pages, via_items);
    assert_eq!(via_items, [102, 200, 201, 202]);
}

#[test]
fn items_position_after_a_page_error_is_where_to_go_on() {
    let mut items = Paginator::page_numbers(1, 1, |key| async move {
        match key {
            2 => Err(FetchError::permanent("gone")),
            key => Ok(numbered_page(key, 3, 2)),
        }
    })
    .items();
    let error = block_on(async {
        loop {
            if let Err(error) = items.next().await.unwrap() {
                break error;
            }
        }
    });
    assert_eq!(items.position().as_ref(), Some(error.position()));
    assert_eq!(items.position(), Some(Position::new(PageKey::Page(2), 0)));
}

#[test]
fn a_page_equal_to_the_one_before_is_a_loop_in_every_style() {
    // Numbered: an API that ignores the page parameter.
    let same =
        Paginator::page_numbers(1, 1, |_| async { Ok(Page::new(vec![7, 8])) }).detect_repeats();
    let (got, error) = run(same);
    assert_eq!(got, [7, 8]);
    let (message, position) = error.expect("a repeated page");
    assert!(
        message.contains("page 2 has the same entries as page 1"),
        "{message}"
    );
    assert_eq!(position, Position::new(PageKey::Page(2), 2));
    // Cursors that change while the page does not.
    let cursors = Paginator::cursors(|key| async move {
        let n = match key {
            Some(c) => c.parse::<u32>().unwrap(),
            _ => 0,
        };
        Ok(Page::with_next(vec!["same"], Some((n + 1).to_string())))
    })
    .detect_repeats();
    let (got, error) = run(cursors);
    assert_eq!(got, ["same"]);
    assert!(error.unwrap().0.contains("same entries as page 1"));
}

#[test]
fn url_keys_are_compared_normalized() {
    let urls = Paginator::next_urls("https://api.test/items?a=1&b=2", |url| async move {
        Ok(if url.contains("a=1") {
            Page::with_next(vec![1], Some("https://api.test/items?b=2&a=2".into()))
        } else {
            // Page 1 again: parameters reordered, a fragment, upper-case host.
            Page::with_next(vec![2], Some("https://API.test/items?b=2&a=%31#x".into()))
        })
    });
    let (got, error) = run(urls);
    assert_eq!(got, [1, 2], "each once");
    assert!(error.unwrap().0.contains("the API loops"));
}

#[test]
fn resuming_from_a_loop_error_does_not_go_round_the_cycle_again() {
    let make = || {
        cursor_api(vec![
            (vec![1], Some(1)),
            (vec![2], Some(2)),
            (vec![3], Some(1)),
        ])
    };
    let (got, error) = run(make());
    assert_eq!(got, [1, 2, 3]);
    let (_, position) = error.unwrap();
    assert_eq!(position.loops_to.as_deref(), Some("c1"));
    let (again, error) = run(make().resume(position));
    assert!(again.is_empty(), "{again:?}");
    assert!(
        error
            .unwrap()
            .0
            .contains("fetched by the run this one resumed")
    );
}

#[test]
fn page_numbers_near_the_top_of_u64_end_with_an_error_not_a_wrap() {
    for start in [u64::MAX - 1, u64::MAX] {
        let paginator = Paginator::page_numbers(start, 1, |n| async move {
            assert!(n >= u64::MAX - 1, "wrapped to page {n}");
            Ok(Page::new(vec![n]))
        });
        let (got, error) = run(paginator);
        assert_eq!(got.last(), Some(&u64::MAX));
        let (message, position) = error.expect("an overflow error");
        assert!(message.contains("does not fit in 64 bits"), "{message}");
        assert_eq!(position, Position::new(PageKey::Page(u64::MAX), 1));
    }
    let offsets = Paginator::offsets(u64::MAX - 5, 10, |_| async { Ok(Page::new(vec![1; 10])) });
    let (got, error) = run(offsets);
    assert_eq!(got, [1; 10]);
    assert!(error.unwrap().0.contains("64 bits"));
}

#[test]
fn extreme_rates_and_retry_caps_never_panic() {
    let budget = RateBudget::per_second(1e-300);
    block_on(budget.acquire()); // the first slot is now
    let second = futures_lite::future::poll_once(budget.acquire());
    assert!(
        block_on(second).is_none(),
        "the next slot is (effectively) never"
    );
    let policy = RetryPolicy::default()
        .base_delay(Duration::MAX)
        .max_delay(Duration::MAX)
        .max_retry_after(Duration::MAX);
    for attempt in [1, 2, 30, u32::MAX] {
        assert!(policy.delay(attempt, Some(Duration::MAX)) > Duration::ZERO);
        let _ = policy.delay(attempt, None);
    }
}

#[test]
fn each_style_hands_its_fetch_function_its_own_key() {
    let numbers = Paginator::page_numbers(3, 2, |page: u64| async move {
        Ok(Page::new(if page <= 7 { vec![page] } else { vec![] }))
    });
    let offsets = Paginator::offsets(0, 5, |offset: u64| async move {
        Ok(Page::new((offset..15).take(5).collect()))
    });
    let cursors = Paginator::cursors(|cursor: Option<String>| async move {
        Ok(match cursor.as_deref() {
            None => Page::with_next(vec![0], Some("one".into())),
            Some("one") => Page::new(vec![1]),
            Some(other) => panic!("unexpected cursor {other}"),
        })
    });
    let urls = Paginator::next_urls("https://api.test/a", |url: String| async move {
        Ok(if url.ends_with("/a") {
            Page::with_next(vec![10], Some("https://api.test/b".into()))
        } else {
            Page::new(vec![11])
        })
    });
    let all = |paginator: Paginator<u64>| {
        block_on(
            paginator
                .items()
                .map(|item| item.unwrap().item)
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(all(numbers), [3, 5, 7]);
    assert_eq!(all(offsets), (0..15).collect::<Vec<_>>());
    assert_eq!(all(cursors), [0, 1]);
    assert_eq!(all(urls), [10, 11]);
}

#[test]
fn a_position_of_another_style_fails_its_page_instead_of_reaching_the_fetch_function() {
    let paginator =
        Paginator::page_numbers(1, 1, |page: u64| async move { Ok(Page::new(vec![page])) })
            .resume(Position::new(PageKey::Cursor(Some("c9".into())), 0));
    let mut items = paginator.items();
    let error = block_on(items.next()).unwrap().unwrap_err();
    assert!(
        support::error_chain(&error)
            .join(": ")
            .contains("another pagination style"),
        "{error}"
    );
    assert!(
        block_on(items.next()).is_none(),
        "a permanent error ends the run"
    );
}

#[test]
fn caps_and_timeouts_set_before_can_be_unset() {
    let make = || Paginator::page_numbers(1, 1, |key| async move { Ok(numbered_page(key, 4, 1)) });
    let count = |paginator: Paginator<u64>| block_on(paginator.items().count());
    assert_eq!(count(make().max_pages(2)), 2);
    assert_eq!(count(make().max_pages(2).max_pages(None)), 4);
    assert_eq!(count(make().max_items(1).max_items(None)), 4);
    assert_eq!(
        count(make().stop_on_short_page(true).stop_on_short_page(false)),
        4
    );
    assert_eq!(
        count(make().rate(RateBudget::per_second(1.0)).rate(None)),
        4
    );
    assert_eq!(
        count(make().timeout(Duration::from_secs(1)).timeout(None)),
        4
    );
}

// ------------------------------------------------- what real APIs do (issue 20)

/// An offset API that serves at most `cap` rows of `total`, however many are asked.
fn capped(total: u64, cap: u64, requests: Arc<AtomicU32>) -> Paginator<u64> {
    Paginator::offsets(0, 100, move |offset| {
        requests.fetch_add(1, Ordering::SeqCst);
        async move { Ok(Page::new((offset..(offset + cap).min(total)).collect())) }
    })
}

#[test]
fn offsets_advance_by_the_entries_that_came_so_a_capped_api_loses_nothing() {
    for prefetch in [1, 2, 8] {
        let requests = Arc::new(AtomicU32::new(0));
        let (got, error) = run(capped(2_000, 50, requests).prefetch(prefetch));
        assert!(error.is_none());
        assert_eq!(got, (0..2_000).collect::<Vec<_>>(), "prefetch {prefetch}");
    }
}

#[test]
fn a_total_known_from_the_first_page_bounds_prefetch_exactly() {
    for (cap, expected) in [(100, 20), (50, 40)] {
        let requests = Arc::new(AtomicU32::new(0));
        let counter = requests.clone();
        let paginator =
            Paginator::offsets(0, 100, move |offset| {
                counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    Ok(Page::new((offset..(offset + cap).min(2_000)).collect())
                        .with_total_items(2_000))
                }
            });
        let (got, _) = run(paginator.prefetch(8));
        assert_eq!(got.len(), 2_000);
        assert_eq!(requests.load(Ordering::SeqCst), expected, "cap {cap}");
    }
}

#[test]
fn a_past_the_end_status_on_a_resumed_run_ends_it_but_on_the_first_page_fails_it() {
    let make = || {
        Paginator::page_numbers(1, 1, |n| async move {
            if n > 2 {
                return Err(FetchError::permanent("not found").with_status(404));
            }
            Ok(numbered_page(n, 2, 2))
        })
    };
    let (got, error) = run(make().resume(Position::new(PageKey::Page(2), 1)));
    assert_eq!((got, error), (vec![201], None));
    let (_, error) = run(make()
        .resume(Position::new(PageKey::Page(1), 0))
        .end_statuses([]));
    assert!(error.is_some());
    let first_fails = Paginator::<u64>::page_numbers(1, 1, |_| async {
        Err(FetchError::permanent("not found").with_status(404))
    });
    assert!(
        run(first_fails).1.is_some(),
        "the first page's 404 is an error"
    );
}

#[test]
fn a_stop_flag_wins_over_a_cursor_still_present() {
    let requests = Arc::new(AtomicU32::new(0));
    let counter = requests.clone();
    let paginator = Paginator::cursors(move |cursor: Option<String>| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            Ok(match cursor {
                None => Page::with_next(vec![1], Some("end-cursor-1".into())).with_more(true),
                Some(_) => Page::with_next(vec![2], Some("end-cursor-2".into())).with_more(false),
            })
        }
    });
    let mut items = paginator.items();
    let got: Vec<u64> = block_on((&mut items).map(|item| item.unwrap().item).collect());
    assert_eq!(got, [1, 2]);
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    assert_eq!(items.position(), None, "finished");
}

#[test]
fn rejections_in_any_order_are_placed_and_misplaced_ones_fail_the_page() {
    let page = |rejections: &'static [u64]| {
        Paginator::cursors(move |_| async move {
            let mut page = Page::new(vec![10, 20]);
            for &index in rejections {
                page = page.reject(index, FetchError::permanent(format!("bad {index}")));
            }
            Ok(page)
        })
    };
    let shapes = |paginator: Paginator<u64>| -> Vec<String> {
        block_on(
            paginator
                .items()
                .map(|item| match item {
                    Ok(item) => item.item.to_string(),
                    Err(error) => error_chain(&error).join(": "),
                })
                .collect(),
        )
    };
    let got = shapes(page(&[3, 0]));
    assert_eq!(got.len(), 4);
    assert!(
        got[0].contains("bad 0") && got[3].contains("bad 3"),
        "{got:?}"
    );
    assert_eq!((got[1].as_str(), got[2].as_str()), ("10", "20"));
    let twice = shapes(page(&[1, 1]));
    assert!(twice[0].contains("rejected entry 2 twice"), "{twice:?}");
    let past = shapes(page(&[7]));
    assert!(
        past[0].contains("rejected entry 8 of a page of 3 entries"),
        "{past:?}"
    );
}

#[test]
fn an_empty_first_offset_page_is_asked_for_once_whatever_the_prefetch() {
    let requests = Arc::new(AtomicU32::new(0));
    let (got, error) = run(capped(0, 50, requests.clone()).prefetch(4));
    assert!(got.is_empty() && error.is_none());
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

#[test]
fn a_capped_offset_run_resumes_with_nothing_lost_and_nothing_twice() {
    let requests = Arc::new(AtomicU32::new(0));
    let mut items = capped(230, 50, requests.clone())
        .prefetch(4)
        .max_items(75)
        .items();
    let first: Vec<u64> = block_on((&mut items).map(|item| item.unwrap().item).collect());
    let position = items.position().expect("where to go on");
    assert_eq!(position, Position::new(PageKey::Offset(50), 25));
    let (rest, error) = run(capped(230, 50, requests).resume(position));
    assert!(error.is_none());
    let mut all = first;
    all.extend(rest);
    assert_eq!(all, (0..230).collect::<Vec<_>>());
}
