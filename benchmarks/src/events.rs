//! Throughput of callback channels: 10 million `u64` from one producer thread
//! (blocking sends) to a consumer task (`block_on` on the main thread), queue
//! capacity 1024, side by side in one run.
//!
//! Contenders: aiter's events channel taking one event per `next()`, the same taking
//! batches with `next_batch`, `async-channel`, `flume` and `kanal`; aiter under
//! `DropOldest` and `Fail`; and four producer threads into one consumer, for aiter
//! and each peer. Prints ns/item
//! and aiter's throughput as a multiple of each peer's, the best of several rounds
//! (interleaved). `BATCH_STATS=1` also prints how large the batches were.
//!
//! Run with: `cargo run --release -p aiter-benchmarks --bin events [-- ITEMS ROUNDS]`

use std::thread;
use std::time::Instant;

use aiter::events::{self, Overflow};
use futures_lite::StreamExt;
use futures_lite::future::block_on;

const CAPACITY: usize = 1024;

/// Runs `producer` on a thread and `consumer` on this one; returns ns/item.
fn run(
    items: u64,
    producer: impl FnOnce() + Send + 'static,
    consumer: impl FnOnce() -> u64,
) -> f64 {
    let start = Instant::now();
    let thread = thread::spawn(producer);
    let sum = consumer();
    thread.join().expect("producer thread");
    #[allow(clippy::cast_precision_loss)] // a timing
    let ns = start.elapsed().as_nanos() as f64 / items as f64;
    assert_eq!(sum, items * (items - 1) / 2, "every item exactly once");
    ns
}

/// The consumers, one per channel: every item summed on `block_on`, until the end.
fn sum_events(mut events: events::Events<u64>) -> u64 {
    block_on(async {
        let mut sum = 0;
        while let Some(n) = events.next().await {
            sum += n.expect("no failure");
        }
        sum
    })
}

fn sum_async_channel(receiver: &async_channel::Receiver<u64>) -> u64 {
    block_on(async {
        let mut sum = 0;
        while let Ok(n) = receiver.recv().await {
            sum += n;
        }
        sum
    })
}

fn sum_flume(receiver: &flume::Receiver<u64>) -> u64 {
    block_on(async {
        let mut sum = 0;
        while let Ok(n) = receiver.recv_async().await {
            sum += n;
        }
        sum
    })
}

fn sum_kanal(receiver: &kanal::AsyncReceiver<u64>) -> u64 {
    block_on(async {
        let mut sum = 0;
        while let Ok(n) = receiver.recv().await {
            sum += n;
        }
        sum
    })
}

fn aiter_each(items: u64) -> f64 {
    let (emitter, events) = events::channel(CAPACITY, Overflow::Backpressure);
    run(
        items,
        move || (0..items).for_each(|n| emitter.send_blocking(n).expect("open")),
        move || sum_events(events),
    )
}

fn aiter_batch(items: u64) -> f64 {
    let (emitter, mut events) = events::channel(CAPACITY, Overflow::Backpressure);
    run(
        items,
        move || (0..items).for_each(|n| emitter.send_blocking(n).expect("open")),
        move || {
            block_on(async {
                let (mut sum, mut batch) = (0, Vec::with_capacity(CAPACITY));
                let mut calls = 0u64;
                while let Some(taken) = events.next_batch(&mut batch).await {
                    taken.expect("no failure");
                    calls += 1;
                    sum += batch.drain(..).sum::<u64>();
                }
                if std::env::var_os("BATCH_STATS").is_some() {
                    eprintln!("batches: {calls}, mean size {}", items / calls.max(1));
                }
                sum
            })
        },
    )
}

fn async_channel(items: u64) -> f64 {
    let (sender, receiver) = async_channel::bounded(CAPACITY);
    run(
        items,
        move || (0..items).for_each(|n| sender.send_blocking(n).expect("open")),
        move || sum_async_channel(&receiver),
    )
}

fn flume(items: u64) -> f64 {
    let (sender, receiver) = flume::bounded(CAPACITY);
    run(
        items,
        move || (0..items).for_each(|n| sender.send(n).expect("open")),
        move || sum_flume(&receiver),
    )
}

fn kanal(items: u64) -> f64 {
    let (sender, receiver) = kanal::bounded(CAPACITY);
    let receiver = receiver.to_async();
    run(
        items,
        move || (0..items).for_each(|n| sender.send(n).expect("open")),
        move || sum_kanal(&receiver),
    )
}

/// Drop-oldest: the producer never waits; what the consumer misses is counted.
/// ns per item emitted.
fn aiter_drop_oldest(items: u64) -> f64 {
    let (emitter, mut events) = events::channel(CAPACITY, Overflow::DropOldest);
    let start = Instant::now();
    let producer = thread::spawn(move || (0..items).for_each(|n| emitter.emit(n).expect("open")));
    let received = block_on(async {
        let mut received = 0u64;
        while let Some(n) = events.next().await {
            n.expect("no failure");
            received += 1;
        }
        received
    });
    producer.join().expect("producer thread");
    #[allow(clippy::cast_precision_loss)] // a timing
    let ns = start.elapsed().as_nanos() as f64 / items as f64;
    assert_eq!(
        received + events.events_dropped(),
        items,
        "every item received or counted"
    );
    ns
}

/// Fail on overflow, with a producer that never overflows: it yields its thread
/// while the queue is full (so the run measures the policy's path, not a failure).
fn aiter_fail(items: u64) -> f64 {
    let (emitter, events) = events::channel(CAPACITY, Overflow::Fail);
    run(
        items,
        move || {
            for n in 0..items {
                while emitter.len() >= CAPACITY {
                    thread::yield_now();
                }
                emitter.emit(n).expect("never full");
            }
        },
        move || sum_events(events),
    )
}

const PRODUCERS: u64 = 4;

/// `PRODUCERS` threads, `items / PRODUCERS` each, into one consumer task.
fn many<S: Send + Clone + 'static>(
    items: u64,
    sender: S,
    send: fn(&S, u64),
    consumer: impl FnOnce() -> u64,
) -> f64 {
    let start = Instant::now();
    let each = items / PRODUCERS;
    let threads: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let sender = sender.clone();
            thread::spawn(move || (p * each..(p + 1) * each).for_each(|n| send(&sender, n)))
        })
        .collect();
    drop(sender);
    let sum = consumer();
    for thread in threads {
        thread.join().expect("producer thread");
    }
    #[allow(clippy::cast_precision_loss)] // a timing
    let ns = start.elapsed().as_nanos() as f64 / items as f64;
    let total = each * PRODUCERS;
    assert_eq!(sum, total * (total - 1) / 2, "every item exactly once");
    ns
}

fn aiter_many(items: u64) -> f64 {
    let (emitter, events) = events::channel(CAPACITY, Overflow::Backpressure);
    many(
        items,
        emitter,
        |e, n| e.send_blocking(n).expect("open"),
        move || sum_events(events),
    )
}

fn async_channel_many(items: u64) -> f64 {
    let (sender, receiver) = async_channel::bounded(CAPACITY);
    many(
        items,
        sender,
        |s, n| s.send_blocking(n).expect("open"),
        move || sum_async_channel(&receiver),
    )
}

fn flume_many(items: u64) -> f64 {
    let (sender, receiver) = flume::bounded(CAPACITY);
    many(
        items,
        sender,
        |s, n| s.send(n).expect("open"),
        move || sum_flume(&receiver),
    )
}

fn kanal_many(items: u64) -> f64 {
    let (sender, receiver) = kanal::bounded(CAPACITY);
    let receiver = receiver.to_async();
    many(
        items,
        sender,
        |s, n| s.send(n).expect("open"),
        move || sum_kanal(&receiver),
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let items = args
        .next()
        .map_or(10_000_000, |n| n.parse().expect("ITEMS is a number"));
    let rounds = args
        .next()
        .map_or(7, |n| n.parse().expect("ROUNDS is a number"));
    type Contender = (&'static str, fn(u64) -> f64);
    let contenders: [Contender; 11] = [
        ("aiter::events, one next() per event", aiter_each),
        ("aiter::events, next_batch", aiter_batch),
        ("async-channel", async_channel),
        ("flume", flume),
        ("kanal", kanal),
        ("aiter::events, DropOldest (emit)", aiter_drop_oldest),
        ("aiter::events, Fail (emit)", aiter_fail),
        ("aiter::events, 4 producers", aiter_many),
        ("async-channel, 4 producers", async_channel_many),
        ("flume, 4 producers", flume_many),
        ("kanal, 4 producers", kanal_many),
    ];
    // Rounds are interleaved (every contender once, then again), so a noisy moment
    // on the machine hits all of them alike; each keeps its best round.
    let mut best = vec![f64::INFINITY; contenders.len()];
    for _ in 0..rounds {
        for (slot, (_, contender)) in best.iter_mut().zip(&contenders) {
            *slot = slot.min(contender(items));
        }
    }
    let best: Vec<(&str, f64)> = contenders.iter().map(|(name, _)| *name).zip(best).collect();
    println!(
        "{items} u64, capacity {CAPACITY}, producer thread -> consumer task, best of {rounds}"
    );
    println!(
        "  {:<38} {:>8}  {:>14}  {:>14}",
        "", "ns/item", "each ÷ this", "batch ÷ this"
    );
    let (each, batch) = (best[0].1, best[1].1);
    for (name, ns) in &best {
        println!(
            "  {name:<38} {ns:>8.2}  {:>13.2}x  {:>13.2}x",
            ns / each,
            ns / batch
        );
    }
}
