//! Async generators: JavaScript's `async function*`, as a [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html).
//!
//! # From JavaScript
//!
//! | JavaScript | aiter |
//! |---|---|
//! | `async function* g() { ... }` | [`generate`]`(\|y\| async move { ... })`; [`generate_local`] for one thread |
//! | `yield x` | `y.yield_(x).await`, which answers [`Resume`]: leave the loop on `Resume::Close` |
//! | `yield* other()` | [`y.yield_all(other).await`](Yielder::yield_all) |
//! | `throw` inside the generator | [`try_generate`]: `?` in the body, or [`y.yield_err(e)`](Yielder::yield_err) to fail one item and go on |
//! | `for await (const x of g())` | `while let Some(x) = g.next().await` |
//! | `break` out of `for await` (runs `finally`) | [`Generator::close`]`().await` (runs async cleanup); dropping runs `Drop` only |
//!
//! # The problem
//!
//! A sequence that is produced by async code (fetch a page, then yield its rows;
//! read a socket, then yield its messages) is awkward to write as a hand-made
//! `poll_next` state machine. In JavaScript it is one `async function*`. Here it is
//! one closure:
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use futures_lite::StreamExt;
//!
//! // async function* numbers() { for (let i = 0; i < 3; i++) yield i; }
//! let numbers = aiter::generate(|y| async move {
//!     for i in 0..3 {
//!         if y.yield_(i).await.is_close() {
//!             break; // the consumer called close(): leave the loop, as JavaScript does
//!         }
//!     }
//!     // Code here runs at the end and on close(), like a `finally`.
//! });
//!
//! // for await (const n of numbers()) { ... }
//! let mut numbers = numbers;
//! while let Some(n) = numbers.next().await {
//!     println!("{n}");
//! }
//! # });
//! ```
//!
//! # Semantics, exactly
//!
//! - The body starts on the first poll and runs only while the stream is polled.
//!   Each `yield_` hands one item over and suspends the body until the consumer asks
//!   for the next: nothing runs ahead, nothing is buffered.
//! - The body may `await` anything between yields (timers, I/O, other streams).
//! - [`generate`]: the body returns `()`; the stream ends when it returns.
//!   [`try_generate`]: the body returns `Result<(), E>`, items are `Result<T, E>`; the
//!   body may yield `Err` items and go on, and a returned `Err` is the last item.
//! - [`Yielder::yield_all`] delegates to another stream (`yield*`).
//! - Yields may run concurrently inside the body (a `zip`, aiter's
//!   [`for_each_concurrent`](crate::concurrent::ConcurrentExt::for_each_concurrent),
//!   futures-util's `FuturesUnordered`): the values still go out one per `next()`,
//!   none is lost, and each waiting yield resumes when the consumer asks for more.
//! - Early exit: dropping the stream drops the body at its suspension point, which
//!   runs synchronous `Drop` cleanup (JavaScript's `finally` without `await`).
//!   [`Generator::close`] runs the body's *async* cleanup too (`return()`): the body
//!   sees [`Resume::Close`] at its yield, leaves its loop, and its cleanup `await`s
//!   run to the end. Nothing it yields after that is delivered; a body that yields
//!   again anyway is dropped there.
//! - After the last item the stream returns `None` forever ([`FusedStream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.FusedStream.html)).
//!
//! # Cleanup that runs on `close()`
//!
//! JavaScript runs a generator's `finally` when the consumer stops early. Here,
//! async cleanup after a loop runs on [`Generator::close`] only if the loop leaves
//! when its yield answers [`Resume::Close`]. A body that ignores the answer goes on
//! to its next yield and is dropped there, so the code after its loop never runs;
//! that is why [`Resume`] is `#[must_use]` and `y.yield_(x).await;` alone warns.
//! Write `let _ = y.yield_(x).await;` only where nothing after it must run:
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use aiter::generate::Resume;
//! use futures_lite::StreamExt;
//!
//! let (closed_tx, closed_rx) = std::sync::mpsc::channel();
//! let mut rows = aiter::generate(|y| async move {
//!     for row in 0.. {
//!         if y.yield_(row).await == Resume::Close {
//!             break; // the consumer called close(): leave the loop...
//!         }
//!     }
//!     // ...so this runs, awaits included, like JavaScript's `finally`.
//!     async_io::Timer::after(std::time::Duration::from_millis(1)).await;
//!     closed_tx.send("connection released").unwrap();
//! });
//! assert_eq!(rows.next().await, Some(0));
//! rows.close().await;
//! assert_eq!(closed_rx.recv().unwrap(), "connection released");
//! # });
//! ```
//!
//! # Returning a generator from a function
//!
//! `-> impl Stream` hides [`Generator::close`]. Name the type instead; only the
//! body's future stays opaque:
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use std::future::Future;
//! use aiter::generate::Generator;
//! use futures_lite::StreamExt;
//!
//! fn countdown(from: u32) -> Generator<u32, impl Future<Output = ()> + Send> {
//!     aiter::generate(move |y| async move {
//!         for n in (1..=from).rev() {
//!             if y.yield_(n).await.is_close() {
//!                 break;
//!             }
//!         }
//!     })
//! }
//!
//! let mut numbers = countdown(3);
//! assert_eq!(numbers.next().await, Some(3));
//! numbers.close().await; // still there
//! # });
//! ```
//!
//! # Modes
//!
//! [`generate`] and [`try_generate`] give `Send` generators ([`Shared`] mode) for
//! multi-threaded executors. [`generate_local`] and [`try_generate_local`] give
//! `!Send` ones ([`Local`] mode) with no atomics on the item path, for
//! single-threaded executors. The API is the same. Both are free of `unsafe` code;
//! `benchmarks/RESULTS.md` has their cost per item next to `async-stream`.
//!
//! # Misuse
//!
//! - Awaiting a yield outside its own body (the [`Yielder`] moved into a spawned
//!   task, a thread or another generator) panics with a message saying so.
//! - Polling after the end returns `None`.
//! - Two yields polled in one step (say, inside `join`) are delivered one after the
//!   other, none lost.
//!
//! [`FusedStream`]: https://docs.rs/futures-core/0.3/futures_core/stream/trait.FusedStream.html
//!
//! # Limits and errors
//!
//! A generator holds one item at a time between the body and the consumer:
//! nothing to bound. Errors are whatever the body yields ([`try_generate`]).
//!
//! # Cancellation safety
//!
//! `next()` is cancellation safe: an item is taken from the body only when it is
//! returned. [`Yielder::yield_`]'s future may be dropped (the value is delivered if
//! it was handed over, else dropped). [`Generator::close`]'s future may be dropped
//! too: a later `close` or `next` goes on with the cleanup.

mod generator;
mod handoff;
mod yielder;

pub use generator::{Close, Completion, Generator};
pub use handoff::{Local, Mode, Shared};
pub use yielder::{Resume, Yield, Yielder};

use std::future::Future;

/// Makes a `Send`-capable async generator from a body that yields through a
/// [`Yielder`]: `async function*` for Rust.
///
/// The body returns `()`: end it with `;` after a last yield, as
/// `y.yield_(x).await` returns a [`Resume`]. A `loop` that never ends is fine.
/// The stream is `Send` when the body future and `T` are. See the
/// [module docs](self) for the exact semantics.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// use std::time::Duration;
///
/// let ticks = aiter::generate(|y| async move {
///     for i in 0..3 {
///         smol::Timer::after(Duration::from_millis(1)).await;
///         if y.yield_(i).await.is_close() {
///             break;
///         }
///     }
/// });
/// assert_eq!(ticks.collect::<Vec<_>>().await, [0, 1, 2]);
/// # });
/// ```
pub fn generate<T, B, F>(body: B) -> Generator<T, F>
where
    B: FnOnce(Yielder<T>) -> F,
    F: Future<Output = ()>,
{
    Generator::from_body(body)
}

/// Makes a generator whose items are `Result<T, E>`; the body returns
/// `Result<(), E>`, so `?` works in it.
///
/// The body may yield `Err` items ([`Yielder::yield_err`]) and go on: one iteration
/// failed, the sequence did not. A returned `Err` is the last item.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
///
/// let parsed = aiter::try_generate(|y| async move {
///     for text in ["1", "x", "3"] {
///         let answer = match text.parse::<u32>() {
///             Ok(n) => y.yield_ok(n).await,
///             Err(e) => y.yield_err(e.to_string()).await, // this item failed, go on
///         };
///         if answer.is_close() {
///             return Ok(());
///         }
///     }
///     let last: u32 = "oops".parse().map_err(|_| "cannot go on".to_string())?;
///     let _ = y.yield_ok(last).await; // nothing follows
///     Ok(())
/// });
/// let all: Vec<Result<u32, String>> = parsed.collect().await;
/// assert_eq!(all[0], Ok(1));
/// assert!(all[1].is_err());
/// assert_eq!(all[2], Ok(3));
/// assert_eq!(all[3], Err("cannot go on".to_string()));
/// assert_eq!(all.len(), 4);
/// # });
/// ```
pub fn try_generate<T, E, B, F>(body: B) -> Generator<Result<T, E>, F>
where
    B: FnOnce(Yielder<Result<T, E>>) -> F,
    F: Future<Output = Result<(), E>>,
{
    Generator::from_body(body)
}

/// [`generate`] in [`Local`] mode: `!Send`, no atomics on the item path.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// use std::rc::Rc;
///
/// let shared = Rc::new("not Send");
/// let s = aiter::generate_local(|y| async move {
///     let _ = y.yield_(shared.len()).await;
/// });
/// assert_eq!(s.collect::<Vec<_>>().await, [8]);
/// # });
/// ```
pub fn generate_local<T, B, F>(body: B) -> Generator<T, F, Local>
where
    B: FnOnce(Yielder<T, Local>) -> F,
    F: Future<Output = ()>,
{
    Generator::from_body(body)
}

/// [`try_generate`] in [`Local`] mode: `!Send`, no atomics on the item path.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// let s = aiter::try_generate_local(|y| async move {
///     let _ = y.yield_ok(1).await;
///     Err("done badly")
/// });
/// assert_eq!(s.collect::<Vec<_>>().await, [Ok(1), Err("done badly")]);
/// # });
/// ```
pub fn try_generate_local<T, E, B, F>(body: B) -> Generator<Result<T, E>, F, Local>
where
    B: FnOnce(Yielder<Result<T, E>, Local>) -> F,
    F: Future<Output = Result<(), E>>,
{
    Generator::from_body(body)
}
