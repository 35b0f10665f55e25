//! Per-item cost of async generators: yield 10 million `u64` and sum them.
//!
//! Side by side in one run: a hand-written `poll_next` (the floor),
//! `futures::stream::unfold`, `async-stream`, `async-fn-stream`, and aiter's
//! generators in both modes. Prints ns/item and the ratio to the floor, the best of
//! several rounds for each.
//!
//! Run with: `cargo run --release -p aiter-benchmarks --bin generators [-- ITEMS ROUNDS [NAME-FILTER]]`

use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Instant;

use futures_lite::future::block_on;
use futures_lite::{Stream, StreamExt};

/// The floor: a counter written by hand as a `Stream`.
struct Counter {
    next: u64,
    end: u64,
}

impl Stream for Counter {
    type Item = u64;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<u64>> {
        if self.next < self.end {
            let item = self.next;
            self.next += 1;
            Poll::Ready(Some(item))
        } else {
            Poll::Ready(None)
        }
    }
}

/// Sums a stream on `block_on` and returns ns/item.
fn time_sum(items: u64, stream: impl Stream<Item = u64>) -> f64 {
    let start = Instant::now();
    let sum = block_on(async {
        let mut stream = pin!(stream);
        let mut sum = 0u64;
        while let Some(item) = stream.next().await {
            sum = sum.wrapping_add(item);
        }
        sum
    });
    #[allow(clippy::cast_precision_loss)] // timings, not exact counts
    let ns = start.elapsed().as_nanos() as f64 / items as f64;
    assert_eq!(sum, items * (items - 1) / 2, "wrong sum");
    ns
}

/// A named run that returns ns/item.
type Contender = (&'static str, Box<dyn Fn() -> f64>);

fn contenders(items: u64) -> Vec<Contender> {
    vec![
        (
            "hand-written poll_next",
            Box::new(move || {
                time_sum(
                    items,
                    Counter {
                        next: 0,
                        end: items,
                    },
                )
            }),
        ),
        (
            "futures::stream::unfold",
            Box::new(move || {
                time_sum(
                    items,
                    futures::stream::unfold(0u64, move |i| async move {
                        (i < items).then_some((i, i + 1))
                    }),
                )
            }),
        ),
        (
            "async-stream",
            Box::new(move || {
                time_sum(
                    items,
                    async_stream::stream! {
                        for i in 0..items {
                            yield i;
                        }
                    },
                )
            }),
        ),
        (
            "async-fn-stream",
            Box::new(move || {
                time_sum(
                    items,
                    async_fn_stream::fn_stream(move |emitter| async move {
                        for i in 0..items {
                            emitter.emit(i).await;
                        }
                    }),
                )
            }),
        ),
        (
            "aiter::generate (Send)",
            Box::new(move || {
                time_sum(
                    items,
                    aiter::generate(move |y| async move {
                        for i in 0..items {
                            let _ = y.yield_(i).await;
                        }
                    }),
                )
            }),
        ),
        (
            "aiter::generate_local",
            Box::new(move || {
                time_sum(
                    items,
                    aiter::generate_local(move |y| async move {
                        for i in 0..items {
                            let _ = y.yield_(i).await;
                        }
                    }),
                )
            }),
        ),
    ]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let items: u64 = args
        .next()
        .map_or(10_000_000, |a| a.parse().expect("ITEMS"));
    let rounds: usize = args.next().map_or(5, |a| a.parse().expect("ROUNDS"));
    let only = args.next();
    let mut contenders = contenders(items);
    // The floor always runs: every ratio needs it.
    let mut index = 0;
    contenders.retain(|(name, _)| {
        index += 1;
        index == 1 || only.as_deref().is_none_or(|only| name.contains(only))
    });

    // Rounds interleave the contenders, so a noisy moment hurts them all alike.
    let mut best = vec![f64::INFINITY; contenders.len()];
    for _ in 0..rounds {
        for (slot, (_, run)) in best.iter_mut().zip(&contenders) {
            *slot = slot.min(run());
        }
    }

    println!("yield {items} u64 and sum them; best of {rounds} rounds");
    println!("{:<26} {:>9} {:>10}", "generator", "ns/item", "vs floor");
    let floor = best[0];
    for ((name, _), ns) in contenders.iter().zip(&best) {
        println!("{name:<26} {ns:>9.2} {:>9.2}x", ns / floor);
    }
}
