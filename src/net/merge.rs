//! [`Merge`]: many connections' streams as one, each item tagged with its peer.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

/// What a [`Merge`] says about one of its streams.
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
/// Streams are polled in turn, starting after the one that gave the last item, so
/// a busy peer cannot starve the others. Nothing is read ahead: a stream is polled
/// only when the merge is, so a slow consumer slows every peer (backpressure)
/// instead of buffering. Streams can be added at any time; the merge ends only
/// after [`Merge::close`] and the end of every stream (until then, with no stream,
/// it waits).
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
///
/// Each poll looks at the streams in turn, so one item costs O(streams); it suits
/// the tens to thousands of connections of a server, not millions.
#[must_use = "streams do nothing unless polled"]
pub struct Merge<K, S> {
    streams: Vec<(K, S)>,
    next: usize,
    closed: bool,
    waker: Option<Waker>,
}

impl<K, S> Merge<K, S> {
    /// An empty merge, open to new streams.
    pub fn new() -> Self {
        Self {
            streams: Vec::new(),
            next: 0,
            closed: false,
            waker: None,
        }
    }

    /// Adds a stream, tagged with `key`.
    pub fn push(&mut self, key: K, stream: S) {
        self.streams.push((key, stream));
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    /// Takes no more streams: the merge ends once every stream has ended.
    pub fn close(&mut self) {
        self.closed = true;
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    /// Streams not yet ended.
    pub fn len(&self) -> usize {
        self.streams.len()
    }

    /// True when no stream is left.
    pub fn is_empty(&self) -> bool {
        self.streams.is_empty()
    }

    /// The keys of the streams not yet ended.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.streams.iter().map(|(key, _)| key)
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
        let count = this.streams.len();
        for turn in 0..count {
            let index = (this.next + turn) % count;
            let (key, stream) = &mut this.streams[index];
            match Pin::new(stream).poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    this.next = index + 1;
                    return Poll::Ready(Some((key.clone(), PeerEvent::Message(item))));
                }
                Poll::Ready(None) => {
                    let (key, _) = this.streams.swap_remove(index);
                    this.next = index;
                    return Poll::Ready(Some((key, PeerEvent::Closed)));
                }
                Poll::Pending => {}
            }
        }
        if this.streams.is_empty() && this.closed {
            return Poll::Ready(None);
        }
        this.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<K: fmt::Debug, S> fmt::Debug for Merge<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merge")
            .field(
                "keys",
                &self.streams.iter().map(|(key, _)| key).collect::<Vec<_>>(),
            )
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}
