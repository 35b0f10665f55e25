//! aiter's concurrent maps against futures-util's `buffered`,
//! `buffer_unordered` and `for_each_concurrent`, in the same run.
//!
//! Run with: `cargo run --release -p aiter-benchmarks --bin concurrent`
//!
//! - 100,000 futures that are ready at once, limit 64.
//! - 10,000 futures on async-io timers with random delays (0-20 ms), limit 1,000:
//!   the thread's CPU time, and the wall time.
//!
//! Each future counts its polls, so the table shows polls per completion.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use aiter::concurrent::ConcurrentExt;
use cpu_time::ThreadTime;

static POLLS: AtomicU64 = AtomicU64::new(0);

/// Counts its polls in `POLLS`.
struct Counted<F>(Pin<Box<F>>);

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        POLLS.fetch_add(1, Ordering::Relaxed);
        self.0.as_mut().poll(cx)
    }
}

fn ready(n: u64) -> Counted<impl Future<Output = u64>> {
    Counted(Box::pin(async move { n }))
}

fn timed(n: u64, delays: &[Duration]) -> Counted<impl Future<Output = u64> + use<>> {
    let delay = delays[usize::try_from(n).unwrap()];
    Counted(Box::pin(async move {
        async_io::Timer::after(delay).await;
        n
    }))
}

fn delays(count: usize) -> Vec<Duration> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Duration::from_micros(state % 20_000)
        })
        .collect()
}

struct Measured {
    cpu: Duration,
    wall: Duration,
    polls_per_completion: f64,
}

fn measure(completions: u64, run: impl FnOnce() -> u64) -> Measured {
    POLLS.store(0, Ordering::Relaxed);
    let (cpu, wall) = (ThreadTime::now(), Instant::now());
    let sum = run();
    let measured = Measured {
        cpu: cpu.elapsed(),
        wall: wall.elapsed(),
        polls_per_completion: POLLS.load(Ordering::Relaxed) as f64 / completions as f64,
    };
    assert_eq!(
        sum,
        completions * (completions - 1) / 2,
        "every output once"
    );
    measured
}

fn best_of(runs: usize, completions: u64, run: impl Fn() -> u64) -> Measured {
    (0..runs)
        .map(|_| measure(completions, &run))
        .min_by_key(|m| m.cpu)
        .unwrap()
}

fn row(name: &str, aiter: &Measured, peer: &Measured) {
    println!(
        "| {name} | {:.1} ms | {:.1} ms | {:.2}x | {:.0} / {:.0} ms | {:.2} | {:.2} |",
        aiter.cpu.as_secs_f64() * 1e3,
        peer.cpu.as_secs_f64() * 1e3,
        peer.cpu.as_secs_f64() / aiter.cpu.as_secs_f64(),
        aiter.wall.as_secs_f64() * 1e3,
        peer.wall.as_secs_f64() * 1e3,
        aiter.polls_per_completion,
        peer.polls_per_completion,
    );
}

fn main() {
    use futures::StreamExt as _;

    println!(
        "| case | aiter CPU | futures-util CPU | speed-up | wall aiter / futures-util | aiter polls/completion | futures-util polls/completion |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");

    const READY: u64 = 100_000;
    let sum = |stream: std::pin::Pin<&mut dyn futures_core::Stream<Item = u64>>| {
        smol::block_on(futures_lite::StreamExt::fold(stream, 0, |a, b| a + b))
    };
    let aiter = best_of(5, READY, || {
        sum(std::pin::pin!(
            futures_lite::stream::iter(0..READY).map_concurrent(64, ready)
        ))
    });
    let peer = best_of(5, READY, || {
        sum(std::pin::pin!(
            futures::stream::iter(0..READY).map(ready).buffered(64)
        ))
    });
    row("100,000 ready, in order (limit 64)", &aiter, &peer);
    let aiter = best_of(5, READY, || {
        sum(std::pin::pin!(
            futures_lite::stream::iter(0..READY).map_unordered(64, ready)
        ))
    });
    let peer = best_of(5, READY, || {
        sum(std::pin::pin!(
            futures::stream::iter(0..READY)
                .map(ready)
                .buffer_unordered(64)
        ))
    });
    row("100,000 ready, unordered (limit 64)", &aiter, &peer);
    let for_each = |aiter: bool| {
        let total = AtomicU64::new(0);
        let add = |n: u64| {
            let total = &total;
            async move {
                total.fetch_add(ready(n).await, Ordering::Relaxed);
            }
        };
        smol::block_on(async {
            if aiter {
                ConcurrentExt::for_each_concurrent(futures_lite::stream::iter(0..READY), 64, add)
                    .await;
            } else {
                futures::StreamExt::for_each_concurrent(futures::stream::iter(0..READY), 64, add)
                    .await;
            }
        });
        total.into_inner()
    };
    let aiter = best_of(5, READY, || for_each(true));
    let peer = best_of(5, READY, || for_each(false));
    row("100,000 ready, for_each (limit 64)", &aiter, &peer);

    const TIMED: u64 = 10_000;
    let delays = delays(10_000);
    let aiter = best_of(3, TIMED, || {
        sum(std::pin::pin!(
            futures_lite::stream::iter(0..TIMED).map_concurrent(1_000, |n| timed(n, &delays))
        ))
    });
    let peer = best_of(3, TIMED, || {
        sum(std::pin::pin!(
            futures::stream::iter(0..TIMED)
                .map(|n| timed(n, &delays))
                .buffered(1_000)
        ))
    });
    row("10,000 on timers, in order (limit 1,000)", &aiter, &peer);
    let aiter = best_of(3, TIMED, || {
        sum(std::pin::pin!(
            futures_lite::stream::iter(0..TIMED).map_unordered(1_000, |n| timed(n, &delays))
        ))
    });
    let peer = best_of(3, TIMED, || {
        sum(std::pin::pin!(
            futures::stream::iter(0..TIMED)
                .map(|n| timed(n, &delays))
                .buffer_unordered(1_000)
        ))
    });
    row("10,000 on timers, unordered (limit 1,000)", &aiter, &peer);
    println!("\nspeed-up = futures-util CPU / aiter CPU (>= 1.00x: aiter at least as fast)");
}
