//! [`Batch`]: items gathered into vectors, by count or by time.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::time::{Instant, Timer};
use futures_core::Stream;
use futures_core::stream::FusedStream;
use pin_project_lite::pin_project;

/// Items gathered from a source that is always ready before the clock is read
/// again, so a busy source still meets `max_wait` without a clock reading per item.
const ITEMS_PER_CLOCK_READING: usize = 64;

pin_project! {
    /// The stream returned by [`ConcurrentExt::batch`](super::ConcurrentExt::batch).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::concurrent::{Batch, ConcurrentExt};
    /// use futures_lite::{stream, StreamExt};
    /// let batches: Batch<_> = stream::iter(1..=5).batch(2, std::time::Duration::from_secs(1));
    /// assert_eq!(batches.collect::<Vec<_>>().await, [vec![1, 2], vec![3, 4], vec![5]]);
    /// # });
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct Batch<S: Stream> {
        #[pin]
        source: Option<S>,
        max_len: usize,
        max_wait: Duration,
        items: Vec<S::Item>,
        // When the batch being gathered is due (`None`: never, or no batch yet).
        deadline: Option<Instant>,
        timer: Timer,
    }
}

impl<S: Stream> Batch<S> {
    pub(crate) fn new(source: S, max_len: usize, max_wait: Duration) -> Self {
        Self {
            source: Some(source),
            max_len: max_len.max(1),
            max_wait,
            items: Vec::new(),
            deadline: None,
            timer: Timer::never(),
        }
    }
}

impl<S: Stream> Stream for Batch<S> {
    type Item = Vec<S::Item>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        let mut since_clock = 0;
        loop {
            let Some(source) = this.source.as_mut().as_pin_mut() else {
                // The end: the last partial batch, then nothing.
                return Poll::Ready((!this.items.is_empty()).then(|| std::mem::take(this.items)));
            };
            match source.poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    if this.items.is_empty() {
                        // One timer per batch, set when its first item arrives.
                        *this.deadline = Instant::now().checked_add(*this.max_wait);
                        match *this.deadline {
                            Some(deadline) => this.timer.set_at(deadline),
                            None => *this.timer = Timer::never(),
                        }
                        this.items.reserve((*this.max_len).min(1024));
                    }
                    this.items.push(item);
                    since_clock += 1;
                    let due = since_clock % ITEMS_PER_CLOCK_READING == 0
                        && this
                            .deadline
                            .is_some_and(|deadline| Instant::now() >= deadline);
                    if this.items.len() >= *this.max_len || due {
                        return Poll::Ready(Some(std::mem::take(this.items)));
                    }
                }
                Poll::Ready(None) => this.source.set(None),
                Poll::Pending => {
                    if this.items.is_empty() {
                        return Poll::Pending;
                    }
                    return match Pin::new(&mut *this.timer).poll(cx) {
                        Poll::Ready(_) => Poll::Ready(Some(std::mem::take(this.items))),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let held = usize::from(!self.items.is_empty());
        match &self.source {
            None => (held, Some(held)),
            Some(source) => {
                let (low, high) = source.size_hint();
                (
                    usize::from(held > 0 || low > 0),
                    high.and_then(|high| high.checked_add(held)),
                )
            }
        }
    }
}

impl<S: Stream> FusedStream for Batch<S> {
    fn is_terminated(&self) -> bool {
        self.source.is_none() && self.items.is_empty()
    }
}

impl<S: Stream> fmt::Debug for Batch<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("max_len", &self.max_len)
            .field("max_wait", &self.max_wait)
            .field("gathered", &self.items.len())
            .field("source_done", &self.source.is_none())
            .finish_non_exhaustive()
    }
}

source_accessors!(impl[S: Stream] Batch<S>,
    source,
    "stream::iter([1u32, 2, 3]).batch(2, std::time::Duration::from_secs(1))",
    "the items of a batch not yet yielded are dropped"
);
