//! [`Events`]: the receiving side, a stream.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, ready};

use concurrent_queue::PopError;
use event_listener::EventListener;
use futures_core::Stream;
use futures_core::stream::FusedStream;

use super::shared::Shared;

/// The receiving side of an events channel: a stream of `Result<T, EventsError>`,
/// JavaScript's `for await (const message of socketMessages(socket))`.
///
/// - Events come in the order they were queued, each once.
/// - When the channel is closed (by [`Emitter::close`](super::Emitter::close), by
///   dropping every emitter, or by [`Events::close`]), the stream yields every event
///   still queued, then ends. After a failure it yields them, then the error.
/// - Dropping the stream closes the channel (emitters then get
///   [`EmitError::Closed`](super::EmitError::Closed)) and, for
///   [`from_callbacks`](super::from_callbacks), runs the unregister function.
///
/// # Cancellation safety
///
/// `next()` and [`Events::next_batch`] are cancellation safe: an event is taken from
/// the queue only when it is returned.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// let (emitter, mut events) = aiter::events::channel(8, aiter::events::Overflow::Backpressure);
/// emitter.emit("a").unwrap();
/// emitter.close();
/// while let Some(event) = events.next().await {
///     assert_eq!(event.unwrap(), "a");
/// }
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Events<T> {
    pub(crate) shared: Arc<Shared<T>>,
    listener: Option<EventListener>,
    unregister: Option<Box<dyn FnOnce() + Send>>,
    finished: bool,
}

impl<T> Events<T> {
    pub(crate) fn new(
        shared: Arc<Shared<T>>,
        unregister: Option<Box<dyn FnOnce() + Send>>,
    ) -> Self {
        Self {
            shared,
            listener: None,
            unregister,
            finished: false,
        }
    }

    /// Waits for at least one event, then moves every event already queued into
    /// `batch` in one go: one wakeup for many events. Returns how many were added,
    /// the stream's final error, or `None` at the end.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::events::{self, Overflow};
    ///
    /// let (emitter, mut events) = events::channel(100, Overflow::Backpressure);
    /// for n in 0..10 {
    ///     emitter.emit(n).unwrap();
    /// }
    /// drop(emitter);
    /// let mut batch = Vec::new();
    /// assert_eq!(events.next_batch(&mut batch).await.unwrap().unwrap(), 10);
    /// assert_eq!(batch, (0..10).collect::<Vec<_>>());
    /// assert!(events.next_batch(&mut batch).await.is_none());
    /// # });
    /// ```
    pub fn next_batch<'a>(&'a mut self, batch: &'a mut Vec<T>) -> NextBatch<'a, T> {
        NextBatch {
            events: self,
            batch,
        }
    }

    /// Closes the channel from this side: emitters get
    /// [`EmitError::Closed`](super::EmitError::Closed) from now on, and the stream
    /// ends after the events already queued.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let (emitter, mut events) = aiter::events::Channel::new(4).build();
    /// emitter.emit(1).unwrap();
    /// events.close(); // no more emits; what is queued still comes
    /// assert!(emitter.emit(2).is_err());
    /// assert_eq!(events.next().await.unwrap().unwrap(), 1);
    /// assert!(events.next().await.is_none());
    /// # });
    /// ```
    pub fn close(&self) {
        self.shared.close();
    }

    /// Values lost so far, as [`Emitter::events_dropped`](super::Emitter::events_dropped): dropped
    /// by the overflow policy (refusals handed back to `emit`'s caller are
    /// [`Events::events_refused`]).
    ///
    /// ```
    /// use aiter::events::{self, Overflow};
    ///
    /// let (emitter, events) = events::channel(1, Overflow::DropNewest);
    /// emitter.emit(1).unwrap();
    /// assert!(emitter.emit(2).is_err());
    /// assert_eq!(events.events_dropped(), 1);
    /// ```
    pub fn events_dropped(&self) -> u64 {
        self.shared.lost()
    }

    /// Values `emit` refused as full under [`Overflow::Backpressure`](super::Overflow::Backpressure),
    /// as [`Emitter::events_refused`](super::Emitter::events_refused).
    ///
    /// ```
    /// use aiter::events::{self, Overflow};
    ///
    /// let (emitter, events) = events::channel(1, Overflow::Backpressure);
    /// emitter.emit(1).unwrap();
    /// assert!(emitter.emit(2).is_err());
    /// assert_eq!(events.events_refused(), 1);
    /// ```
    pub fn events_refused(&self) -> u64 {
        self.shared.refused.load(Ordering::Relaxed)
    }

    /// Events queued now.
    ///
    /// ```
    /// let (emitter, events) = aiter::events::Channel::new(4).build();
    /// emitter.emit(()).unwrap();
    /// assert_eq!((events.len(), events.capacity(), events.is_empty()), (1, 4, false));
    /// ```
    pub fn len(&self) -> usize {
        self.shared.queue.len()
    }

    /// True when no event is queued.
    ///
    /// ```
    /// let (_emitter, events) = aiter::events::Channel::new(4).build::<u8>();
    /// assert!(events.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.shared.queue.is_empty()
    }

    /// The queue's capacity.
    ///
    /// ```
    /// let (_emitter, events) = aiter::events::Channel::new(64).build::<u8>();
    /// assert_eq!(events.capacity(), 64);
    /// ```
    pub fn capacity(&self) -> usize {
        self.shared.capacity()
    }

    /// Waits a moment for an event before going to sleep for one: a producer that
    /// is about to push is cheaper to wait for than to be woken by (a sleep and a
    /// wakeup cost several microseconds; this, about one at most). True if one arrived.
    fn spin_until_queued(&self) -> bool {
        for _ in 0..SPINS {
            if !self.shared.queue.is_empty() || self.shared.queue.is_closed() {
                return true;
            }
            std::hint::spin_loop();
        }
        false
    }

    /// As `spin_until_queued`, for `count` events; true if there are some at all.
    fn spin_until(&self, count: usize) -> bool {
        for _ in 0..SPINS {
            if self.shared.queue.len() >= count || self.shared.queue.is_closed() {
                break;
            }
            std::hint::spin_loop();
        }
        !self.shared.queue.is_empty()
    }

    /// Drops the listener for events, if any, and its count in `ready_waiting`.
    fn stop_listening(&mut self) {
        if self.listener.take().is_some() {
            self.shared.ready_waiting.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Ends the stream: runs the unregister function, yields the failure if any.
    fn finish(&mut self) -> Option<Result<T, super::EventsError>> {
        self.finished = true;
        if let Some(unregister) = self.unregister.take() {
            unregister();
        }
        self.shared.take_failure().map(Err)
    }

    /// Takes events into `batch` (or, with no batch, one event), else registers for
    /// a wakeup.
    fn poll_take(
        &mut self,
        cx: &mut Context<'_>,
        mut batch: Option<&mut Vec<T>>,
    ) -> Poll<Taken<T>> {
        loop {
            let mut taken = 0;
            let capacity = self.shared.capacity();
            loop {
                match self.shared.queue.pop() {
                    Ok(value) => match batch.as_deref_mut() {
                        None => {
                            self.shared.taken(1);
                            return Poll::Ready(Taken::One(value));
                        }
                        Some(batch) => {
                            batch.push(value);
                            taken += 1;
                            // Tell waiting producers about the room as it is made, not
                            // only at the end: they refill while this batch drains.
                            if taken % ROOM_NOTICE == 1 {
                                self.shared.taken(ROOM_NOTICE.min(capacity));
                            }
                            // Producers may keep filling the queue as it drains: stop
                            // after one queue's worth.
                            if taken == capacity {
                                break;
                            }
                        }
                    },
                    Err(PopError::Closed) if taken == 0 => return Poll::Ready(Taken::End),
                    Err(_) => break,
                }
            }
            if taken > 0 {
                // A few events while the producer is still at work: give it a moment
                // to queue more, so the two do not chase each other through the
                // queue one event at a time (each handing cache lines back and forth).
                if taken < FULL_BATCH && batch.is_some() && self.spin_until(FULL_BATCH - taken) {
                    if let Some(batch) = batch.as_deref_mut() {
                        while taken < capacity {
                            match self.shared.queue.pop() {
                                Ok(value) => {
                                    batch.push(value);
                                    taken += 1;
                                }
                                Err(_) => break,
                            }
                        }
                    }
                }
                self.shared.taken(taken);
                return Poll::Ready(Taken::Batch);
            }
            match &mut self.listener {
                Some(listener) => {
                    ready!(Pin::new(listener).poll(cx));
                    self.stop_listening();
                }
                None => {
                    if !self.spin_until_queued() {
                        let shared = &self.shared;
                        let listener =
                            Shared::<T>::listen_counted(&shared.ready, &shared.ready_waiting);
                        self.listener = Some(listener);
                    }
                }
            }
        }
    }
}

impl<T> Stream for Events<T> {
    type Item = Result<T, super::EventsError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        match ready!(self.poll_take(cx, None)) {
            Taken::One(value) => Poll::Ready(Some(Ok(value))),
            Taken::Batch => unreachable!("no batch was given"),
            Taken::End => Poll::Ready(self.finish()),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.shared.queue.len(), None)
    }
}

impl<T> FusedStream for Events<T> {
    fn is_terminated(&self) -> bool {
        self.finished
    }
}

impl<T> Drop for Events<T> {
    fn drop(&mut self) {
        self.stop_listening();
        self.shared.close();
        if let Some(unregister) = self.unregister.take() {
            unregister();
        }
    }
}

impl<T> fmt::Debug for Events<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("overflow", &self.shared.overflow)
            .field("events_dropped", &self.events_dropped())
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

/// How many times the consumer looks again before it sleeps.
const SPINS: usize = 64;

/// A batch smaller than this waits a moment for more.
const FULL_BATCH: usize = 32;

/// A batch tells waiting producers about freed room every this many events.
const ROOM_NOTICE: usize = 64;

/// What one attempt to take events found.
enum Taken<T> {
    /// One event (when no batch was given).
    One(T),
    /// Events were added to the batch.
    Batch,
    /// The queue is closed and empty.
    End,
}

/// The future returned by [`Events::next_batch`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// let (emitter, mut events) = aiter::events::channel(8, aiter::events::Overflow::Backpressure);
/// for n in 0..3 {
///     emitter.emit(n).unwrap();
/// }
/// let mut batch = Vec::new();
/// events.next_batch(&mut batch).await; // a NextBatch future
/// assert_eq!(batch, [0, 1, 2]);
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct NextBatch<'a, T> {
    events: &'a mut Events<T>,
    batch: &'a mut Vec<T>,
}

impl<T> Future for NextBatch<'_, T> {
    type Output = Option<Result<usize, super::EventsError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.events.finished {
            return Poll::Ready(None);
        }
        let before = this.batch.len();
        match ready!(this.events.poll_take(cx, Some(this.batch))) {
            Taken::One(_) => unreachable!("a batch was given"),
            Taken::Batch => Poll::Ready(Some(Ok(this.batch.len() - before))),
            Taken::End => Poll::Ready(this.events.finish().map(|end| end.map(|_| 0))),
        }
    }
}

impl<T> fmt::Debug for NextBatch<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NextBatch")
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl<T> Events<T> {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed events_dropped")]
    pub fn dropped(&self) -> u64 {
        self.events_dropped()
    }
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed events_refused")]
    pub fn refused(&self) -> u64 {
        self.events_refused()
    }
}
