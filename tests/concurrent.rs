//! `aiter::concurrent`: order, bounds, errors, cancellation, wakeups and
//! batches, on three executors.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use aiter::concurrent::ConcurrentExt;
use aiter::events::{Emitter, Overflow};
use futures_lite::{Stream, StreamExt, stream};

/// A small deterministic generator of delays.
fn delays(count: usize, seed: u64) -> Vec<Duration> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Duration::from_micros(state % 5_000)
        })
        .collect()
}

async fn sleep(duration: Duration) {
    async_io::Timer::after(duration).await;
}

/// Counts the futures alive, and the most alive at once.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    max: AtomicUsize,
    dropped: AtomicUsize,
}

struct Alive(Arc<Gauge>);

impl Alive {
    fn new(gauge: &Arc<Gauge>) -> Self {
        let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
        gauge.max.fetch_max(now, Ordering::SeqCst);
        Self(Arc::clone(gauge))
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

async fn results_in_source_order_under_random_delays() {
    let delays = delays(300, 7);
    let gauge = Arc::new(Gauge::default());
    let out: Vec<usize> = stream::iter(0..300)
        .map_concurrent(16, |n| {
            let (delay, gauge) = (delays[n], Arc::clone(&gauge));
            async move {
                let _alive = Alive::new(&gauge);
                sleep(delay).await;
                n
            }
        })
        .collect()
        .await;
    assert_eq!(out, (0..300).collect::<Vec<_>>());
    assert_eq!(
        gauge.max.load(Ordering::SeqCst),
        16,
        "limit reached, never passed"
    );
}

#[test]
fn ordered_results_on_smol() {
    smol::block_on(results_in_source_order_under_random_delays());
}

#[test]
fn ordered_results_on_futures_lite_block_on() {
    futures_lite::future::block_on(results_in_source_order_under_random_delays());
}

#[test]
fn ordered_results_on_a_multi_threaded_executor() {
    support::on_worker_threads(2, results_in_source_order_under_random_delays());
}

#[test]
fn unordered_results_are_all_there_and_bounded() {
    smol::block_on(async {
        let delays = delays(300, 11);
        let gauge = Arc::new(Gauge::default());
        let mut out: Vec<usize> = stream::iter(0..300)
            .map_unordered(10, |n| {
                let (delay, gauge) = (delays[n], Arc::clone(&gauge));
                async move {
                    let _alive = Alive::new(&gauge);
                    sleep(delay).await;
                    n
                }
            })
            .collect()
            .await;
        assert_ne!(
            out,
            (0..300).collect::<Vec<_>>(),
            "completion order, not source order"
        );
        out.sort_unstable();
        assert_eq!(out, (0..300).collect::<Vec<_>>());
        assert_eq!(gauge.max.load(Ordering::SeqCst), 10);
    });
}

#[test]
fn the_source_is_pulled_only_when_there_is_room() {
    smol::block_on(async {
        let pulled = Arc::new(AtomicUsize::new(0));
        let source = {
            let pulled = Arc::clone(&pulled);
            stream::iter(0..100).inspect(move |_| {
                pulled.fetch_add(1, Ordering::SeqCst);
            })
        };
        let delays = delays(100, 3);
        let mut mapped = source.map_concurrent(4, |n| {
            let delay = delays[n];
            async move {
                sleep(delay).await;
                n
            }
        });
        let mut returned = 0;
        while let Some(n) = mapped.next().await {
            returned += 1;
            assert_eq!(n + 1, returned);
            // Running or held back: never more than the limit past what was returned.
            assert!(
                pulled.load(Ordering::SeqCst) <= returned + 4,
                "pulled ahead of room"
            );
        }
    });
}

#[test]
fn a_slow_first_item_does_not_hold_back_the_unordered_form() {
    smol::block_on(async {
        let start = Instant::now();
        let mut mapped = stream::iter(0..10u64).map_unordered(3, |n| async move {
            sleep(Duration::from_millis(if n == 0 { 400 } else { 5 })).await;
            n
        });
        let mut before_slow = 0;
        while let Some(n) = mapped.next().await {
            if n == 0 {
                break;
            }
            before_slow += 1;
        }
        assert_eq!(before_slow, 9, "the nine quick ones come first");
        assert!(start.elapsed() < Duration::from_millis(800));
    });
}

#[test]
fn a_limit_of_0_runs_one_at_a_time_and_never_hangs() {
    smol::block_on(async {
        let gauge = Arc::new(Gauge::default());
        let work = |n: u32| {
            let gauge = Arc::clone(&gauge);
            async move {
                let _alive = Alive::new(&gauge);
                sleep(Duration::from_millis(1)).await;
                n
            }
        };
        let ordered: Vec<u32> = stream::iter(0..5).map_concurrent(0, work).collect().await;
        assert_eq!(ordered, [0, 1, 2, 3, 4]);
        let unordered: Vec<u32> = stream::iter(0..5).map_unordered(0, work).collect().await;
        assert_eq!(unordered, [0, 1, 2, 3, 4]);
        let tried: Vec<Result<u32, ()>> = stream::iter(0..5)
            .try_map_concurrent(0, |n| async move { Ok(n) })
            .collect()
            .await;
        assert_eq!(tried.len(), 5);
        stream::iter(0..5)
            .for_each_concurrent(0, |n| async move {
                let _ = work(n).await;
            })
            .await;
        let batches: Vec<Vec<u32>> = stream::iter(0..3)
            .batch(0, Duration::from_secs(1))
            .collect()
            .await;
        assert_eq!(batches, [vec![0], vec![1], vec![2]]);
        assert_eq!(gauge.max.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn empty_sources_end_at_once() {
    smol::block_on(async {
        let empty = || stream::empty::<u32>();
        assert_eq!(
            empty().map_concurrent(4, |n| async move { n }).next().await,
            None
        );
        assert_eq!(
            empty().map_unordered(4, |n| async move { n }).next().await,
            None
        );
        let tried = empty()
            .try_map_concurrent(4, |n| async move { Ok::<_, ()>(n) })
            .next()
            .await;
        assert_eq!(tried, None);
        empty().for_each_concurrent(4, |_| async {}).await;
        assert_eq!(empty().batch(4, Duration::from_secs(5)).next().await, None);
    });
}

#[test]
fn the_first_error_in_source_order_ends_the_stream_after_the_oks_before_it() {
    smol::block_on(async {
        let pulled = Arc::new(AtomicUsize::new(0));
        let gauge = Arc::new(Gauge::default());
        let source = {
            let pulled = Arc::clone(&pulled);
            stream::iter(0..1_000u64).inspect(move |_| {
                pulled.fetch_add(1, Ordering::SeqCst);
            })
        };
        let start = Instant::now();
        let out: Vec<Result<u64, String>> = source
            .try_map_concurrent(8, |n| {
                let gauge = Arc::clone(&gauge);
                async move {
                    let _alive = Alive::new(&gauge);
                    // Item 3 fails at once; the ones before it are slow; the ones
                    // after it would take a minute.
                    match n {
                        3 => Err(format!("item {n} failed")),
                        0..3 => {
                            sleep(Duration::from_millis(50)).await;
                            Ok(n)
                        }
                        _ => {
                            sleep(Duration::from_secs(60)).await;
                            Ok(n)
                        }
                    }
                }
            })
            .collect()
            .await;
        assert_eq!(out, [Ok(0), Ok(1), Ok(2), Err("item 3 failed".to_owned())]);
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "later futures were dropped, not awaited"
        );
        assert_eq!(
            pulled.load(Ordering::SeqCst),
            8,
            "no pulling after the error"
        );
        assert_eq!(gauge.now.load(Ordering::SeqCst), 0, "every future dropped");
    });
}

#[test]
fn an_earlier_item_failing_later_is_the_error_returned() {
    smol::block_on(async {
        let out: Vec<Result<u64, u64>> = stream::iter(0..6u64)
            .try_map_concurrent(6, |n| async move {
                match n {
                    1 => {
                        sleep(Duration::from_millis(60)).await;
                        Err(n)
                    }
                    4 => Err(n),
                    _ => Ok(n),
                }
            })
            .collect()
            .await;
        assert_eq!(out, [Ok(0), Err(1)]);
    });
}

#[test]
fn dropping_the_stream_midway_drops_the_futures_in_flight() {
    smol::block_on(async {
        let gauge = Arc::new(Gauge::default());
        let work = |n: u64| {
            let gauge = Arc::clone(&gauge);
            async move {
                let _alive = Alive::new(&gauge);
                sleep(Duration::from_millis(if n == 0 { 1 } else { 60_000 })).await;
                n
            }
        };
        let mut ordered = stream::iter(0..100).map_concurrent(5, work);
        assert_eq!(ordered.next().await, Some(0));
        assert_eq!(gauge.now.load(Ordering::SeqCst), 4, "four still running");
        drop(ordered);
        assert_eq!(gauge.now.load(Ordering::SeqCst), 0, "their Drop ran");
        let mut unordered = stream::iter(0..100).map_unordered(5, work);
        assert_eq!(unordered.next().await, Some(0));
        drop(unordered);
        assert_eq!(gauge.now.load(Ordering::SeqCst), 0);
    });
}

#[test]
fn a_panic_in_a_future_reaches_the_poller() {
    let result = std::panic::catch_unwind(|| {
        futures_lite::future::block_on(async {
            stream::iter(0..10)
                .map_concurrent(3, |n| async move {
                    assert!(n != 4, "item four panics");
                    n
                })
                .collect::<Vec<_>>()
                .await
        })
    });
    let panic = result.unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"item four panics"));
}

/// A future that counts its polls and waits for a message on its own channel.
struct Waiting {
    events: aiter::events::Events<u32>,
    polls: Arc<AtomicUsize>,
}

impl Future for Waiting {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        match Pin::new(&mut self.events).poll_next(cx) {
            Poll::Ready(Some(Ok(n))) => Poll::Ready(n),
            Poll::Ready(_) => Poll::Ready(u32::MAX),
            Poll::Pending => Poll::Pending,
        }
    }
}

fn poll_once<S: Stream + Unpin>(stream: &mut S) -> Poll<Option<S::Item>> {
    stream.poll_next(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_completion_polls_only_the_woken_future_among_a_thousand() {
    let polls = Arc::new(AtomicUsize::new(0));
    let mut emitters: Vec<Emitter<u32>> = Vec::new();
    let mut futures = Vec::new();
    for _ in 0..1_000 {
        let (emitter, events) = aiter::events::channel(1, Overflow::Backpressure);
        emitters.push(emitter);
        futures.push(Waiting {
            events,
            polls: Arc::clone(&polls),
        });
    }
    let mut mapped = stream::iter(futures).map_unordered(1_000, |future| future);
    assert!(poll_once(&mut mapped).is_pending());
    assert_eq!(polls.swap(0, Ordering::Relaxed), 1_000, "each started once");
    for n in 0..200u32 {
        let which = (n as usize * 13) % 1_000;
        emitters[which].emit(n).unwrap();
        assert_eq!(poll_once(&mut mapped), Poll::Ready(Some(n)));
        assert_eq!(
            polls.swap(0, Ordering::Relaxed),
            1,
            "one poll for one completion"
        );
        emitters[which] = aiter::events::channel(1, Overflow::Backpressure).0;
    }
}

/// Items at given times from the start.
fn timed(times_ms: &'static [u64]) -> impl Stream<Item = u64> + Unpin {
    let start = Instant::now();
    Box::pin(stream::iter(times_ms).then(move |&at| async move {
        async_io::Timer::at(start + Duration::from_millis(at)).await;
        at
    }))
}

#[test]
fn a_batch_is_due_max_wait_after_its_first_item_never_earlier() {
    smol::block_on(async {
        let start = Instant::now();
        let mut batches = timed(&[0, 20, 40, 400, 410]).batch(10, Duration::from_millis(100));
        let first = batches.next().await.unwrap();
        let at = start.elapsed();
        assert_eq!(first, [0, 20, 40]);
        assert!(at >= Duration::from_millis(100), "early: {at:?}");
        assert!(at < Duration::from_millis(250), "late: {at:?}");
        // The second batch's clock starts at its own first item (400 ms).
        let second = batches.next().await.unwrap();
        let at = start.elapsed();
        assert_eq!(second, [400, 410]);
        assert!(at >= Duration::from_millis(410), "{at:?}");
        assert_eq!(batches.next().await, None);
    });
}

#[test]
fn a_full_batch_comes_at_once_in_order_and_the_last_is_partial() {
    smol::block_on(async {
        let start = Instant::now();
        let batches: Vec<Vec<u32>> = stream::iter(0..25)
            .batch(10, Duration::from_secs(60))
            .collect()
            .await;
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "full batches do not wait"
        );
        assert_eq!(
            batches,
            [
                (0..10).collect::<Vec<_>>(),
                (10..20).collect(),
                (20..25).collect()
            ]
        );
    });
}

#[test]
fn a_busy_source_still_meets_max_wait() {
    smol::block_on(async {
        let start = Instant::now();
        // Always ready, but slow per item: 10 ms of work each, never pending.
        let busy = stream::repeat_with(|| std::thread::sleep(Duration::from_millis(1))).take(2_000);
        let first = busy
            .batch(1_000_000, Duration::from_millis(50))
            .next()
            .await
            .unwrap();
        let at = start.elapsed();
        assert!(first.len() < 2_000, "{} items, {at:?}", first.len());
        assert!(
            at >= Duration::from_millis(50) && at < Duration::from_millis(250),
            "{at:?}"
        );
    });
}

#[test]
fn the_streams_are_send_when_their_parts_are() {
    fn is_send<T: Send>(_: &T) {}
    let ordered = stream::iter(0..3).map_concurrent(2, |n| async move { n });
    let unordered = stream::iter(0..3).map_unordered(2, |n| async move { n });
    let tried = stream::iter(0..3).try_map_concurrent(2, |n| async move { Ok::<_, ()>(n) });
    let each = stream::iter(0..3).for_each_concurrent(2, |_| async {});
    let batches = stream::iter(0..3).batch(2, Duration::from_secs(1));
    is_send(&ordered);
    is_send(&unordered);
    is_send(&tried);
    is_send(&each);
    is_send(&batches);
}

#[test]
fn the_source_is_reachable_until_it_ends_and_handed_back_with_what_was_not_pulled() {
    use futures_lite::stream;
    futures_lite::future::block_on(async {
        let mut doubled = stream::iter(1u32..=10).map_concurrent(2, |n| async move { n * 2 });
        assert_eq!(doubled.next().await, Some(2));
        assert!(doubled.get_ref().is_some());
        // Items 1 and 2 were pulled (the window holds 2); the rest is the source's.
        let rest: Vec<u32> = doubled.into_inner().unwrap().collect().await;
        assert_eq!(rest, (3..=10).collect::<Vec<_>>());

        let mut all = stream::iter(1u32..=3).map_unordered(2, |n| async move { n });
        while all.next().await.is_some() {}
        assert!(all.get_ref().is_none(), "an ended source is dropped");
        assert!(all.into_inner().is_none());

        let mut stopped = stream::iter(1u32..=100)
            .try_map_concurrent(2, |n| async move { if n == 1 { Err(n) } else { Ok(n) } });
        assert_eq!(stopped.next().await, Some(Err(1)));
        assert!(stopped.get_mut().is_none(), "an error drops the source");

        let mut batches = stream::iter(1u32..=5).batch(2, std::time::Duration::from_secs(1));
        assert_eq!(batches.next().await, Some(vec![1, 2]));
        let rest: Vec<u32> = batches.into_inner().unwrap().collect().await;
        assert_eq!(rest, [3, 4, 5]);
    });
}
