//! [`MapUnordered`] and [`ForEachConcurrent`]: concurrent maps whose results come
//! as they finish.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_core::stream::FusedStream;
use pin_project_lite::pin_project;

use super::in_flight::{InFlight, pull};

pin_project! {
    /// The stream returned by [`ConcurrentExt::map_unordered`](super::ConcurrentExt::map_unordered).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::concurrent::ConcurrentExt;
    /// use futures_lite::{stream, StreamExt};
    /// let mut done: Vec<u32> = stream::iter(1..=4).map_unordered(2, |n| async move { n }).collect().await;
    /// done.sort(); // as they finished
    /// assert_eq!(done, [1, 2, 3, 4]);
    /// # });
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct MapUnordered<S, F, Fut> {
        #[pin]
        source: Option<S>,
        map: F,
        limit: usize,
        in_flight: InFlight<Fut>,
        finished: bool,
    }
}

impl<S, F, Fut> MapUnordered<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    pub(crate) fn new(source: S, limit: usize, map: F) -> Self {
        Self {
            source: Some(source),
            map,
            limit: limit.max(1),
            in_flight: InFlight::new(),
            finished: false,
        }
    }
}

impl<S, F, Fut> Stream for MapUnordered<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    type Item = Fut::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if *this.finished {
            return Poll::Ready(None);
        }
        // Pull only while there is room.
        let room = this.limit.saturating_sub(this.in_flight.len());
        pull(this.source.as_mut(), cx, room, |item| {
            this.in_flight.push(0, (this.map)(item));
        });
        match this.in_flight.poll_completed(cx) {
            Poll::Ready(Some((_, output))) => Poll::Ready(Some(output)),
            Poll::Ready(None) if this.source.is_none() => {
                *this.finished = true;
                Poll::Ready(None)
            }
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.finished {
            return (0, Some(0));
        }
        let running = self.in_flight.len();
        match &self.source {
            None => (running, Some(running)),
            Some(source) => {
                let (low, high) = source.size_hint();
                (
                    low.saturating_add(running),
                    high.and_then(|high| high.checked_add(running)),
                )
            }
        }
    }
}

impl<S, F, Fut> FusedStream for MapUnordered<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    fn is_terminated(&self) -> bool {
        self.finished
    }
}

impl<S, F, Fut> fmt::Debug for MapUnordered<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapUnordered")
            .field("limit", &self.limit)
            .field("in_flight", &self.in_flight.len())
            .field("source_done", &self.source.is_none())
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

/// Items handled in one poll of [`ForEachConcurrent`] before it lets the
/// executor run other tasks, so an endless ready source cannot hog a thread.
const TURNS_PER_POLL: usize = 128;

pin_project! {
    /// The future returned by [`ConcurrentExt::for_each_concurrent`](super::ConcurrentExt::for_each_concurrent).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::concurrent::ConcurrentExt;
    /// use futures_lite::stream;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// let sum = AtomicU32::new(0);
    /// stream::iter(1..=4).for_each_concurrent(2, |n| { let sum = &sum; async move { sum.fetch_add(n, Ordering::Relaxed); } }).await;
    /// assert_eq!(sum.into_inner(), 10);
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ForEachConcurrent<S, F, Fut> {
        #[pin]
        inner: MapUnordered<S, F, Fut>,
    }
}

impl<S, F, Fut> ForEachConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future<Output = ()>,
{
    pub(crate) fn new(source: S, limit: usize, map: F) -> Self {
        Self {
            inner: MapUnordered::new(source, limit, map),
        }
    }
}

impl<S, F, Fut> Future for ForEachConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future<Output = ()>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.project().inner;
        for _ in 0..TURNS_PER_POLL {
            match inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(())) => {}
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<S, F, Fut> fmt::Debug for ForEachConcurrent<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ForEachConcurrent")
            .field(&self.inner)
            .finish()
    }
}

source_accessors!(impl[S, F, Fut] MapUnordered<S, F, Fut>,
    source,
    "stream::iter([1u32, 2, 3]).map_unordered(2, |n| async move { n })",
    "the futures in flight are dropped"
);
