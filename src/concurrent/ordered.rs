//! [`MapConcurrent`] and [`TryMapConcurrent`]: concurrent maps whose results come
//! in source order.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_core::stream::FusedStream;
use pin_project_lite::pin_project;

use super::in_flight::{InFlight, pull};

pin_project! {
    /// The engine of both ordered maps: a window of at most `limit` items between
    /// the source and the consumer, each either running or finished and waiting
    /// for the ones before it.
    struct Ordered<S, F, Fut: Future> {
        #[pin]
        source: Option<S>,
        map: F,
        limit: usize,
        in_flight: InFlight<Fut>,
        // One entry per item pulled and not yet returned, in source order:
        // `None` while running, `Some` once finished.
        results: VecDeque<Option<Fut::Output>>,
        next_in: u64,
        next_out: u64,
        // Which results end the stream (an `Err` for the try form).
        stops: fn(&Fut::Output) -> bool,
        // The first result, in source order, that ends the stream.
        end_at: Option<u64>,
        finished: bool,
    }
}

impl<S, F, Fut> Ordered<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    fn new(source: S, limit: usize, map: F, stops: fn(&Fut::Output) -> bool) -> Self {
        Self {
            source: Some(source),
            map,
            limit: limit.max(1),
            in_flight: InFlight::new(),
            results: VecDeque::new(),
            next_in: 0,
            next_out: 0,
            stops,
            end_at: None,
            finished: false,
        }
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        let mut this = self.project();
        loop {
            if *this.finished {
                return Poll::Ready(None);
            }
            if let Some(Some(_)) = this.results.front() {
                let output = this.results.pop_front().flatten();
                if Some(*this.next_out) == *this.end_at {
                    *this.finished = true;
                    this.source.set(None);
                }
                *this.next_out += 1;
                return Poll::Ready(output);
            }
            // Pull only while there is room: running plus held back <= limit.
            let room = this.limit.saturating_sub(this.results.len());
            pull(this.source.as_mut(), cx, room, |item| {
                this.in_flight.push(*this.next_in, (this.map)(item));
                this.results.push_back(None);
                *this.next_in += 1;
            });
            match this.in_flight.poll_completed(cx) {
                Poll::Ready(Some((seq, output))) => {
                    if (this.stops)(&output) && this.end_at.is_none_or(|end| seq < end) {
                        // Nothing after it will be returned: stop pulling, drop
                        // the futures of later items, keep the earlier ones.
                        *this.end_at = Some(seq);
                        this.source.set(None);
                        this.in_flight.drop_after(seq);
                        this.results.truncate(index(seq, *this.next_out) + 1);
                    }
                    this.results[index(seq, *this.next_out)] = Some(output);
                }
                Poll::Ready(None) => {
                    if this.source.is_none() && this.results.is_empty() {
                        *this.finished = true;
                        return Poll::Ready(None);
                    }
                    return Poll::Pending; // the source is waiting
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.finished {
            return (0, Some(0));
        }
        let held = self.results.len();
        match &self.source {
            None if self.end_at.is_some() => (0, Some(held)),
            None => (held, Some(held)),
            Some(source) => {
                let (low, high) = source.size_hint();
                (
                    low.saturating_add(held),
                    high.and_then(|high| high.checked_add(held)),
                )
            }
        }
    }
}

/// The position of item `seq` in the window that starts at `next_out`.
fn index(seq: u64, next_out: u64) -> usize {
    usize::try_from(seq - next_out).expect("the window holds at most `limit` items")
}

pin_project! {
    /// The stream returned by [`ConcurrentExt::map_concurrent`](super::ConcurrentExt::map_concurrent).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::concurrent::ConcurrentExt;
    /// use futures_lite::{stream, StreamExt};
    /// let squares: Vec<u32> = stream::iter(1..=4).map_concurrent(2, |n| async move { n * n }).collect().await;
    /// assert_eq!(squares, [1, 4, 9, 16]); // in source order
    /// # });
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct MapConcurrent<S, F, Fut: Future> {
        #[pin]
        inner: Ordered<S, F, Fut>,
    }
}

impl<S, F, Fut> MapConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    pub(crate) fn new(source: S, limit: usize, map: F) -> Self {
        Self {
            inner: Ordered::new(source, limit, map, |_| false),
        }
    }
}

impl<S, F, Fut> Stream for MapConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    type Item = Fut::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.project().inner.poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S, F, Fut> FusedStream for MapConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    fn is_terminated(&self) -> bool {
        self.inner.finished
    }
}

pin_project! {
    /// The stream returned by [`ConcurrentExt::try_map_concurrent`](super::ConcurrentExt::try_map_concurrent).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::concurrent::ConcurrentExt;
    /// use futures_lite::{stream, StreamExt};
    /// let results: Vec<Result<u32, String>> = stream::iter(1..=5)
    ///     .try_map_concurrent(2, |n| async move { if n == 3 { Err(format!("item {n}")) } else { Ok(n) } })
    ///     .collect()
    ///     .await;
    /// assert_eq!(results, [Ok(1), Ok(2), Err("item 3".into())]); // ends at the first error
    /// # });
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct TryMapConcurrent<S, F, Fut: Future> {
        #[pin]
        inner: Ordered<S, F, Fut>,
    }
}

impl<S, F, Fut, T, E> TryMapConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    pub(crate) fn new(source: S, limit: usize, map: F) -> Self {
        Self {
            inner: Ordered::new(source, limit, map, Result::is_err),
        }
    }
}

impl<S, F, Fut, T, E> Stream for TryMapConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    type Item = Result<T, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.project().inner.poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (_, high) = self.inner.size_hint();
        (0, high) // an error may end it early
    }
}

impl<S, F, Fut, T, E> FusedStream for TryMapConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    fn is_terminated(&self) -> bool {
        self.inner.finished
    }
}

impl<S, F, Fut: Future> fmt::Debug for Ordered<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Concurrent")
            .field("limit", &self.limit)
            .field("in_flight", &self.in_flight.len())
            .field("held", &self.results.iter().filter(|r| r.is_some()).count())
            .field("source_done", &self.source.is_none())
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<S, F, Fut: Future> fmt::Debug for MapConcurrent<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MapConcurrent").field(&self.inner).finish()
    }
}

impl<S, F, Fut: Future> fmt::Debug for TryMapConcurrent<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TryMapConcurrent")
            .field(&self.inner)
            .finish()
    }
}

source_accessors!(impl[S, F, Fut: Future] MapConcurrent<S, F, Fut>,
    inner.source,
    "stream::iter([1u32, 2, 3]).map_concurrent(2, |n| async move { n * 2 })",
    "the futures in flight are dropped"
);

source_accessors!(impl[S, F, Fut: Future] TryMapConcurrent<S, F, Fut>,
    inner.source,
    "stream::iter([1u32, 2, 3]).try_map_concurrent(2, |n| async move { Ok::<_, ()>(n) })",
    "the futures in flight are dropped"
);
