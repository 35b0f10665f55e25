//! A yield awaited inside a concurrent combinator (aiter's own, futures-util's
//! `FuturesUnordered`): every value is delivered, nothing hangs, on two executors.
//!
//! Such combinators poll only the futures that were woken, so a yield that hands its
//! value over must be woken when the consumer asks for the next item.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aiter::concurrent::ConcurrentExt;
use aiter::generate::Resume;
use aiter::{generate, generate_local};
use futures_lite::{StreamExt, future, stream};
use futures_util::stream::FuturesUnordered;

/// Runs `test` on smol's executor and on futures-lite's `block_on`, each under a
/// watchdog: a hang fails the test instead of stalling the run.
fn on_two_executors<F: Future<Output = ()>>(test: impl Fn() -> F) {
    let watchdog = || async {
        async_io::Timer::after(Duration::from_secs(10)).await;
        panic!("hung: the generator never delivered its next item");
    };
    smol::block_on(future::or(test(), watchdog()));
    future::block_on(future::or(test(), watchdog()));
}

fn sorted(mut items: Vec<u32>) -> Vec<u32> {
    items.sort_unstable();
    items
}

#[test]
fn yields_inside_aiters_for_each_concurrent_all_arrive() {
    for limit in [1, 2, 4, 8] {
        on_two_executors(|| async move {
            let items = generate(|y| async move {
                stream::iter(1..=6u32)
                    .for_each_concurrent(limit, |n| {
                        let y = &y;
                        async move {
                            let _ = y.yield_(n).await;
                        }
                    })
                    .await;
            });
            let items: Vec<u32> = items.collect().await;
            assert_eq!(sorted(items), [1, 2, 3, 4, 5, 6], "limit {limit}");
        });
    }
}

#[test]
fn yields_inside_map_unordered_and_map_concurrent_all_arrive() {
    on_two_executors(|| async {
        let unordered = generate(|y| async move {
            let done: Vec<u32> = stream::iter(1..=5u32)
                .map_unordered(3, |n| {
                    let y = &y;
                    async move {
                        let _ = y.yield_(n).await;
                        n
                    }
                })
                .collect()
                .await;
            assert_eq!(sorted(done), [1, 2, 3, 4, 5]);
        });
        assert_eq!(sorted(unordered.collect().await), [1, 2, 3, 4, 5]);

        let ordered = generate_local(|y| async move {
            let done: Vec<u32> = stream::iter(1..=5u32)
                .map_concurrent(3, |n| {
                    let y = &y;
                    async move {
                        let _ = y.yield_(n * 10).await;
                        n
                    }
                })
                .collect()
                .await;
            assert_eq!(done, [1, 2, 3, 4, 5]);
        });
        assert_eq!(sorted(ordered.collect().await), [10, 20, 30, 40, 50]);
    });
}

#[test]
fn yields_inside_futures_unordered_all_arrive() {
    on_two_executors(|| async {
        let items = generate(|y| async move {
            let mut running: FuturesUnordered<_> = (1..=4u32)
                .map(|n| {
                    let y = &y;
                    async move {
                        // Two yields each, with a real wait between them.
                        let _ = y.yield_(n).await;
                        async_io::Timer::after(Duration::from_millis(u64::from(n))).await;
                        let _ = y.yield_(n + 100).await;
                    }
                })
                .collect();
            while running.next().await.is_some() {}
        });
        let items: Vec<u32> = items.collect().await;
        assert_eq!(sorted(items), [1, 2, 3, 4, 101, 102, 103, 104]);
    });
}

#[test]
fn close_reaches_every_yield_waiting_inside_a_combinator_and_the_cleanup_runs() {
    on_two_executors(|| async {
        let cleaned = Arc::new(AtomicBool::new(false));
        let body_cleaned = cleaned.clone();
        let mut items = generate(|y| async move {
            let closing = AtomicBool::new(false);
            stream::iter(0..100u32)
                // A well-behaved body starts nothing new once it was told to close.
                .take_while(|_| !closing.load(Ordering::SeqCst))
                .for_each_concurrent(3, |n| {
                    let (y, closing) = (&y, &closing);
                    async move {
                        if y.yield_(n).await == Resume::Close {
                            closing.store(true, Ordering::SeqCst);
                        }
                    }
                })
                .await;
            async_io::Timer::after(Duration::from_millis(1)).await;
            body_cleaned.store(true, Ordering::SeqCst);
        });
        assert!(items.next().await.is_some());
        assert!(items.next().await.is_some());
        // Three yields are suspended or waiting: each is told, none counts as a
        // yield that ignored the close, so the body runs to its end.
        assert_eq!(items.close().await, Some(()));
        assert!(cleaned.load(Ordering::SeqCst));
        assert_eq!(items.next().await, None);
    });
}
