//! [`InFlight`]: the futures a concurrent map is running, each with its own
//! waker, so a wakeup polls only the futures that were woken.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

use super::ready_queue::{ReadyQueue, StreamWaker};

/// A set of futures, each tagged with its item's sequence number.
///
/// Slots are reused: a finished future's box and waker serve the next one, so a
/// long run allocates only while the set grows to its limit.
pub(crate) struct InFlight<Fut> {
    slots: Vec<Slot<Fut>>,
    free: Vec<usize>,
    len: usize,
    shared: Arc<ReadyQueue>,
    /// Indexes to poll, in order: new futures, and those woken (moved from
    /// `shared` at each poll).
    local: VecDeque<usize>,
}

struct Slot<Fut> {
    seq: u64,
    future: Pin<Box<Option<Fut>>>,
    handle: Arc<StreamWaker>,
    waker: Waker,
}

impl<Fut> InFlight<Fut> {
    pub(crate) fn new() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            shared: Arc::default(),
            local: VecDeque::new(),
        }
    }

    /// Futures running.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl<Fut: Future> InFlight<Fut> {
    /// Adds a future; it is polled at the next [`InFlight::poll_completed`].
    pub(crate) fn push(&mut self, seq: u64, future: Fut) {
        let index = if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index];
            slot.seq = seq;
            slot.future.as_mut().set(Some(future));
            slot.handle.mark_queued();
            index
        } else {
            let index = self.slots.len();
            let (handle, waker) = StreamWaker::new(index, &self.shared);
            self.slots.push(Slot {
                seq,
                future: Box::pin(Some(future)),
                handle,
                waker,
            });
            index
        };
        self.local.push_back(index);
        self.len += 1;
    }

    /// Drops every future whose sequence number is past `seq` (their `Drop` runs).
    pub(crate) fn drop_after(&mut self, seq: u64) {
        for index in 0..self.slots.len() {
            let slot = &self.slots[index];
            if slot.seq > seq && slot.future.is_some() {
                self.remove(index);
            }
        }
    }

    fn remove(&mut self, index: usize) {
        let slot = &mut self.slots[index];
        slot.future.as_mut().set(None);
        slot.handle.retire();
        self.free.push(index);
        self.len -= 1;
    }

    /// Polls the futures that were woken (each at most once in this call) until
    /// one completes: `Ready(None)` when none is running, `Pending` when none of
    /// the woken ones is done.
    pub(crate) fn poll_completed(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<(u64, Fut::Output)>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        self.shared.register(cx.waker());
        self.shared.drain_into(&mut self.local);
        let mut budget = self.local.len();
        while budget > 0 {
            budget -= 1;
            let Some(index) = self.local.pop_front() else {
                break;
            };
            let slot = &mut self.slots[index];
            let Some(future) = slot.future.as_mut().as_pin_mut() else {
                continue; // finished or dropped since it was queued
            };
            slot.handle.unqueue();
            if let Poll::Ready(output) = future.poll(&mut Context::from_waker(&slot.waker)) {
                let seq = slot.seq;
                self.remove(index);
                return Poll::Ready(Some((seq, output)));
            }
        }
        if !self.local.is_empty() {
            // Not all polled yet: come back after the executor's other work.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

/// Pulls up to `room` items from `source`, handing each to `start`; the source
/// is dropped once it ends. Stops early when the source waits.
pub(crate) fn pull<S: Stream>(
    mut source: Pin<&mut Option<S>>,
    cx: &mut Context<'_>,
    room: usize,
    mut start: impl FnMut(S::Item),
) {
    for _ in 0..room {
        let Some(stream) = source.as_mut().as_pin_mut() else {
            return;
        };
        match stream.poll_next(cx) {
            Poll::Ready(Some(item)) => start(item),
            Poll::Ready(None) => source.set(None),
            Poll::Pending => return,
        }
    }
}

impl<Fut> fmt::Debug for InFlight<Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InFlight")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}
