//! `for await` with concurrency: run an async function on every item of a stream,
//! `limit` at a time, in source order or as they finish, without spawning tasks
//! and without an executor of our own.
//!
//! # From JavaScript
//!
//! | JavaScript | aiter |
//! |---|---|
//! | `await Promise.all(items.map(f))` (all at once) | [`map_concurrent`](ConcurrentExt::map_concurrent)`(limit, f)`: `limit` at a time, in order |
//! | a pool of N workers over an async iterator | [`map_unordered`](ConcurrentExt::map_unordered)`(limit, f)`: as they finish |
//! | `Promise.all` that rejects at the first error | [`try_map_concurrent`](ConcurrentExt::try_map_concurrent): ends at the first `Err` in source order |
//! | `for await (const x of s) await f(x)`, N at a time | [`for_each_concurrent`](ConcurrentExt::for_each_concurrent)`(limit, f).await` |
//! | buffering by count or by time | [`batch`](ConcurrentExt::batch)`(max_len, max_wait)` |
//!
//! JavaScript runs a pool of promises over an async iterator; `futures-util` has
//! `buffered` and `buffer_unordered`. [`ConcurrentExt`], implemented for every
//! [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html), gives:
//!
//! | method | yields | order |
//! |---|---|---|
//! | [`map_concurrent`](ConcurrentExt::map_concurrent) | each future's output | source order |
//! | [`map_unordered`](ConcurrentExt::map_unordered) | each future's output | as they finish |
//! | [`try_map_concurrent`](ConcurrentExt::try_map_concurrent) | `Result`s, ending at the first `Err` | source order |
//! | [`for_each_concurrent`](ConcurrentExt::for_each_concurrent) | a future that runs them all | as they finish |
//! | [`batch`](ConcurrentExt::batch) | `Vec`s of items, by count or by time | source order |
//!
//! # Semantics
//!
//! - **Bounded.** At most `limit` futures run at once. The ordered forms also hold
//!   at most `limit` items between the source and the consumer, running or
//!   finished and waiting for an earlier one, so memory is bounded by `limit`
//!   whatever the delays. The source is pulled only when there is room.
//! - **`limit` 0 behaves as 1** (one at a time), never a hang.
//! - **Only what was woken is polled.** Each future gets its own waker, which puts
//!   it on a ready queue (as `FuturesUnordered` does): a completion costs the
//!   same with 8 or 10,000 futures in flight.
//! - **Concurrent, not parallel.** The futures run inside the stream, on the task
//!   that polls it; nothing is spawned. For parallel CPU work, spawn tasks in the
//!   closure on your executor and return their handles.
//! - **Drop cancels.** Dropping the stream drops every future in flight (their
//!   `Drop` runs, so their requests or files are released). A panic in a future
//!   reaches the task polling the stream. The streams are `Send` when the source,
//!   the closure and its futures are.
//!
//! # Example
//!
//! Details for every item, eight requests at a time, in order:
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use aiter::concurrent::ConcurrentExt;
//! use futures_lite::{stream, StreamExt};
//!
//! async fn details(id: u32) -> String {
//!     async_io::Timer::after(std::time::Duration::from_millis(u64::from(10 - id))).await;
//!     format!("item {id}")
//! }
//!
//! let ids = stream::iter(1..=9);
//! let all: Vec<String> = ids.map_concurrent(8, details).collect().await;
//! assert_eq!(all[0], "item 1"); // source order, whatever finished first
//! assert_eq!(all.len(), 9);
//! # });
//! ```
//!
//! # Limits and errors
//!
//! At most `limit` futures run (0 counts as 1); the ordered forms hold at most
//! `limit` items between the source and the consumer. A batch holds at most
//! `max_len` items (0 counts as 1). Errors are your futures' outputs; only
//! [`try_map_concurrent`](ConcurrentExt::try_map_concurrent) stops at one.
//!
//! # Cancellation safety
//!
//! `next()` is cancellation safe on every stream here: an output leaves the stream
//! only when it is returned, and the futures in flight keep their progress.
//! Dropping a stream, or the [`for_each_concurrent`](ConcurrentExt::for_each_concurrent)
//! future, drops the futures in flight.

/// `get_ref`, `get_mut` and `into_inner` on an adapter: its source stream, held
/// until it ends (or an error stops the try form) and then dropped. `$make` builds
/// one over `1, 2, 3` for the examples; `$dropped` says what `into_inner` drops.
macro_rules! source_accessors {
    (impl[$($generics:tt)*] $ty:ty, $($field:ident).+, $make:literal, $dropped:literal) => {
        impl<$($generics)*> $ty {
            /// The source stream, until it has ended (or an error has stopped the try
            /// form) and been dropped.
            ///
            /// ```
            /// use aiter::concurrent::ConcurrentExt;
            /// use futures_lite::stream;
            #[doc = concat!("let s = ", $make, ";")]
            /// assert!(s.get_ref().is_some());
            /// ```
            pub fn get_ref(&self) -> Option<&S> {
                self.$($field).+.as_ref()
            }

            /// The source stream, mutably, until it has ended.
            ///
            /// ```
            /// use aiter::concurrent::ConcurrentExt;
            /// use futures_lite::stream;
            #[doc = concat!("let mut s = ", $make, ";")]
            /// assert!(s.get_mut().is_some());
            /// ```
            pub fn get_mut(&mut self) -> Option<&mut S> {
                self.$($field).+.as_mut()
            }

            #[doc = concat!("The source stream back, with what was not pulled yet (", $dropped, "); `None` once it has ended.")]
            ///
            /// ```
            /// # futures_lite::future::block_on(async {
            /// use aiter::concurrent::ConcurrentExt;
            /// use futures_lite::{stream, StreamExt};
            #[doc = concat!("let s = ", $make, ";")]
            /// let rest: Vec<u32> = s.into_inner().unwrap().collect().await;
            /// assert_eq!(rest, [1, 2, 3]); // nothing was pulled yet
            /// # });
            /// ```
            pub fn into_inner(self) -> Option<S> {
                self.$($field).+
            }
        }
    };
}

mod batch;
mod in_flight;
mod ordered;
pub(crate) mod ready_queue;
mod unordered;

use std::future::Future;
use std::time::Duration;

use futures_core::Stream;

pub use batch::Batch;
pub use ordered::{MapConcurrent, TryMapConcurrent};
pub use unordered::{ForEachConcurrent, MapUnordered};

/// Concurrent maps and batches for every [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html): see the
/// [module docs](self).
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::concurrent::ConcurrentExt; // brings the methods to every Stream
/// use futures_lite::{stream, StreamExt};
/// let lengths: Vec<usize> = stream::iter(["a", "bb", "ccc"])
///     .map_concurrent(8, |word| async move { word.len() })
///     .collect()
///     .await;
/// assert_eq!(lengths, [1, 2, 3]);
/// # });
/// ```
pub trait ConcurrentExt: Stream {
    /// Runs `map` on every item, at most `limit` at a time (0 counts as 1), and
    /// yields the outputs **in source order**.
    ///
    /// A slow item holds back the ones after it (they wait, finished, up to
    /// `limit` in all), never the ones that run: the next items start as soon as
    /// there is room.
    ///
    /// # Cancellation safety
    ///
    /// `next()` is cancellation safe: an output is taken out only when returned;
    /// the futures keep their progress.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::concurrent::ConcurrentExt;
    /// use futures_lite::{stream, StreamExt};
    ///
    /// let doubled: Vec<u32> = stream::iter([3, 1, 2])
    ///     .map_concurrent(2, |n| async move { n * 2 })
    ///     .collect()
    ///     .await;
    /// assert_eq!(doubled, [6, 2, 4]);
    /// # });
    /// ```
    fn map_concurrent<F, Fut>(self, limit: usize, map: F) -> MapConcurrent<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
    {
        MapConcurrent::new(self, limit, map)
    }

    /// Runs `map` on every item, at most `limit` at a time (0 counts as 1), and
    /// yields the outputs **as they finish**: a slow item holds back nothing.
    ///
    /// # Cancellation safety
    ///
    /// `next()` is cancellation safe: an output is taken out only when returned.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::time::Duration;
    /// use aiter::concurrent::ConcurrentExt;
    /// use futures_lite::{stream, StreamExt};
    ///
    /// let first = stream::iter([300u64, 1])
    ///     .map_unordered(2, |ms| async move {
    ///         async_io::Timer::after(Duration::from_millis(ms)).await;
    ///         ms
    ///     })
    ///     .next()
    ///     .await;
    /// assert_eq!(first, Some(1)); // the quick one, not the first one
    /// # });
    /// ```
    fn map_unordered<F, Fut>(self, limit: usize, map: F) -> MapUnordered<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
    {
        MapUnordered::new(self, limit, map)
    }

    /// Runs `map` on every item, at most `limit` at a time (0 counts as 1); the
    /// future ends when the source has ended and every future has finished.
    ///
    /// # Cancellation safety
    ///
    /// Dropping the future drops the futures in flight; items pulled from the
    /// source and not finished are lost. Not cancellation safe in that sense.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use aiter::concurrent::ConcurrentExt;
    /// use futures_lite::stream;
    ///
    /// let total = AtomicU32::new(0);
    /// stream::iter(1..=4)
    ///     .for_each_concurrent(2, |n| {
    ///         let total = &total;
    ///         async move {
    ///             total.fetch_add(n, Ordering::Relaxed);
    ///         }
    ///     })
    ///     .await;
    /// assert_eq!(total.into_inner(), 10);
    /// # });
    /// ```
    fn for_each_concurrent<F, Fut>(self, limit: usize, map: F) -> ForEachConcurrent<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future<Output = ()>,
    {
        ForEachConcurrent::new(self, limit, map)
    }

    /// [`map_concurrent`](ConcurrentExt::map_concurrent) for fallible work:
    /// yields `Ok`s in source order up to the first `Err` **in source order**,
    /// then that `Err`, then ends.
    ///
    /// When an item fails, the source is not pulled again (it is dropped), and
    /// the futures of the items after it are dropped at once; the items before
    /// it run to the end and their outputs come first (one of them may fail in
    /// turn, and then its error is the one returned). The outputs are exactly
    /// those of running the items one by one and stopping at the first error.
    ///
    /// # Cancellation safety
    ///
    /// `next()` is cancellation safe, as for `map_concurrent`.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::concurrent::ConcurrentExt;
    /// use futures_lite::{stream, StreamExt};
    ///
    /// let parsed: Vec<Result<u8, String>> = stream::iter(["1", "2", "x", "4"])
    ///     .try_map_concurrent(4, |text| async move {
    ///         text.parse::<u8>().map_err(|e| format!("{text:?}: {e}"))
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(parsed[..2], [Ok(1), Ok(2)]);
    /// assert!(parsed[2].is_err());
    /// assert_eq!(parsed.len(), 3); // "4" is never returned
    /// # });
    /// ```
    fn try_map_concurrent<F, Fut, T, E>(
        self,
        limit: usize,
        map: F,
    ) -> TryMapConcurrent<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        TryMapConcurrent::new(self, limit, map)
    }

    /// Gathers items into vectors: a batch is yielded when it holds `max_len`
    /// items (0 counts as 1), or when `max_wait` has passed since its first item
    /// arrived, whichever comes first; the last, partial batch at the end. Never
    /// an empty batch. One timer per batch (async-io's), not per item.
    ///
    /// `max_wait` is checked while the source waits; a source that is ready
    /// without pause is checked every 64 items, so a batch is not much late.
    ///
    /// # Cancellation safety
    ///
    /// `next()` is cancellation safe: items gathered stay in the batch.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::time::Duration;
    /// use aiter::concurrent::ConcurrentExt;
    /// use futures_lite::{stream, StreamExt};
    ///
    /// let batches: Vec<Vec<u32>> = stream::iter(1..=5)
    ///     .batch(2, Duration::from_secs(1))
    ///     .collect()
    ///     .await;
    /// assert_eq!(batches, [vec![1, 2], vec![3, 4], vec![5]]);
    /// # });
    /// ```
    fn batch(self, max_len: usize, max_wait: Duration) -> Batch<Self>
    where
        Self: Sized,
    {
        Batch::new(self, max_len, max_wait)
    }
}

impl<S: Stream + ?Sized> ConcurrentExt for S {}
