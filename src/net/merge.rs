//! [`Merge`]: many connections' streams as one, each item tagged with its peer.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use futures_core::stream::FusedStream;

use crate::concurrent::ready_queue::{ReadyQueue, StreamWaker};

/// What a [`Merge`] says about one of its streams.
///
/// ```
/// use aiter::net::PeerEvent;
///
/// let event: PeerEvent<&str> = PeerEvent::Message("hello");
/// assert_ne!(event, PeerEvent::Closed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent<T> {
    /// The stream's next item.
    Message(T),
    /// The stream ended (the peer closed), after all its items.
    Closed,
}

/// Many streams as one: each item comes tagged with its stream's key (a peer
/// address, a connection id), in each stream's own order, and a
/// [`PeerEvent::Closed`] marks the end of each stream.
///
/// # Cost
///
/// Each stream gets a waker of its own, which puts the stream on a ready queue. A
/// poll of the merge polls only the streams on that queue, so a message costs the
/// same with ten connections as with ten thousand, as with
/// `futures::stream::SelectAll` (and unlike designs that poll every stream on
/// every wakeup). A stream costs its own size plus about 100 bytes.
///
/// # Fairness and backpressure
///
/// A stream that gives an item goes to the back of the queue: one item per stream
/// per turn, so a busy peer cannot starve the others. A poll polls each queued
/// stream at most once, then yields to the executor. Nothing is read ahead: a
/// stream is polled only when the merge is, so a slow consumer slows every peer
/// (backpressure) instead of buffering.
///
/// # Adding and ending
///
/// Streams can be added at any time, between polls; a stream leaves after its end,
/// reported as [`PeerEvent::Closed`]. The merge ends only after [`Merge::close`]
/// and the end of every stream (until then, with no stream, it waits).
///
/// # Cancellation safety
///
/// `next()` is cancellation safe: an item is taken from its stream only when it
/// is returned.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::net::{Merge, PeerEvent};
/// use futures_lite::{stream, StreamExt};
///
/// let mut merged = Merge::new();
/// merged.push("a", stream::iter(vec![1, 2]));
/// merged.push("b", stream::iter(vec![10]));
/// merged.close(); // no more streams: end after these
/// let events: Vec<_> = merged.collect().await;
/// assert_eq!(events.len(), 5); // three messages and two ends
/// assert!(events.contains(&("b", PeerEvent::Message(10))));
/// assert_eq!(events.iter().filter(|(_, e)| *e == PeerEvent::Closed).count(), 2);
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Merge<K, S> {
    slots: Vec<Option<Slot<K, S>>>,
    /// Indexes of empty slots, reused before the vector grows.
    free: Vec<usize>,
    live: usize,
    ready: Arc<ReadyQueue>,
    /// Streams to poll, in order: new ones, ones that gave an item, and those
    /// woken (moved from `ready` at each poll).
    local: VecDeque<usize>,
    closed: bool,
}

struct Slot<K, S> {
    key: K,
    stream: S,
    handle: Arc<StreamWaker>,
    waker: Waker,
}

impl<K, S> Merge<K, S> {
    /// An empty merge, open to new streams.
    ///
    /// ```
    /// let merged: aiter::net::Merge<u32, futures_lite::stream::Empty<()>> = aiter::net::Merge::new();
    /// assert!(merged.is_empty());
    /// ```
    pub fn new() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            ready: Arc::default(),
            local: VecDeque::new(),
            closed: false,
        }
    }

    /// Adds a stream, tagged with `key`. It is polled at the merge's next poll.
    ///
    /// ```
    /// use futures_lite::stream;
    ///
    /// let mut merged = aiter::net::Merge::new();
    /// merged.push(7, stream::iter([1, 2]));
    /// assert_eq!(merged.len(), 1);
    /// ```
    pub fn push(&mut self, key: K, stream: S) {
        let index = self.free.pop().unwrap_or(self.slots.len());
        let (handle, waker) = StreamWaker::new(index, &self.ready);
        let slot = Some(Slot {
            key,
            stream,
            handle,
            waker,
        });
        if index == self.slots.len() {
            self.slots.push(slot);
        } else {
            self.slots[index] = slot;
        }
        self.local.push_back(index);
        self.live += 1;
        self.ready.wake_task();
    }

    /// Takes no more streams: the merge ends once every stream has ended.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    ///
    /// let mut merged: aiter::net::Merge<u8, futures_lite::stream::Empty<()>> = aiter::net::Merge::new();
    /// merged.close();
    /// assert!(merged.next().await.is_none());
    /// # });
    /// ```
    pub fn close(&mut self) {
        self.closed = true;
        // The task polling the merge may now be at its end.
        self.ready.wake_task();
    }

    /// Streams not yet ended.
    ///
    /// ```
    /// let merged: aiter::net::Merge<u8, futures_lite::stream::Empty<()>> = aiter::net::Merge::new();
    /// assert_eq!(merged.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when no stream is left.
    ///
    /// ```
    /// let mut merged = aiter::net::Merge::new();
    /// merged.push("a", futures_lite::stream::empty::<()>());
    /// assert!(!merged.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The keys of the streams not yet ended.
    ///
    /// ```
    /// let mut merged = aiter::net::Merge::new();
    /// merged.push("a", futures_lite::stream::empty::<()>());
    /// assert_eq!(merged.keys().collect::<Vec<_>>(), [&"a"]);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.slots.iter().flatten().map(|slot| &slot.key)
    }

    fn remove(&mut self, index: usize) -> K {
        let slot = self.slots[index].take().expect("a live slot");
        slot.handle.retire();
        self.free.push(index);
        self.live -= 1;
        slot.key
    }
}

impl<K, S> Default for Merge<K, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Clone + Unpin, S: Stream + Unpin> Stream for Merge<K, S> {
    type Item = (K, PeerEvent<S::Item>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        this.ready.register(cx.waker());
        this.ready.drain_into(&mut this.local);
        // Each stream queued now is polled at most once in this call; streams woken
        // while we poll wait for the next call, so one poll is bounded.
        let mut budget = this.local.len();
        while budget > 0 {
            budget -= 1;
            let Some(index) = this.local.pop_front() else {
                break;
            };
            let Some(Some(slot)) = this.slots.get_mut(index) else {
                continue; // a stream that has left
            };
            slot.handle.unqueue();
            let mut stream_cx = Context::from_waker(&slot.waker);
            match Pin::new(&mut slot.stream).poll_next(&mut stream_cx) {
                Poll::Ready(Some(item)) => {
                    // It may have more without waking again: back of the queue.
                    if slot.handle.mark_queued() {
                        this.local.push_back(index);
                    }
                    let key = slot.key.clone();
                    return Poll::Ready(Some((key, PeerEvent::Message(item))));
                }
                Poll::Ready(None) => {
                    let key = this.remove(index);
                    return Poll::Ready(Some((key, PeerEvent::Closed)));
                }
                Poll::Pending => {}
            }
        }
        if this.live == 0 && this.closed {
            return Poll::Ready(None);
        }
        if !this.local.is_empty() {
            // Not all polled yet: come back after the executor's other work.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl<K: Clone + Unpin, S: Stream + Unpin> FusedStream for Merge<K, S> {
    fn is_terminated(&self) -> bool {
        self.live == 0 && self.closed
    }
}

impl<K: fmt::Debug, S> fmt::Debug for Merge<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merge")
            .field("keys", &self.keys().collect::<Vec<_>>())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}
