//! [`InFlight`]: the futures a concurrent map is running, each with its own
//! waker, so a wakeup polls only the futures that were woken.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::ready_queue::{ReadyQueue, StreamWaker};

/// A set of futures, each tagged with its item's sequence number.
pub(crate) struct InFlight<Fut> {
    slots: Vec<Option<Slot<Fut>>>,
    free: Vec<usize>,
    len: usize,
    ready: Arc<ReadyQueue>,
}

struct Slot<Fut> {
    seq: u64,
    future: Pin<Box<Fut>>,
    handle: Arc<StreamWaker>,
    waker: Waker,
}

impl<Fut> InFlight<Fut> {
    /// Futures running.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl<Fut: Future> InFlight<Fut> {
    pub(crate) fn new() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            ready: Arc::default(),
        }
    }

    /// Adds a future; it is polled at the next [`InFlight::poll_completed`].
    pub(crate) fn push(&mut self, seq: u64, future: Fut) {
        let index = self.free.pop().unwrap_or(self.slots.len());
        let (handle, waker) = StreamWaker::queued(index, &self.ready);
        let slot = Some(Slot {
            seq,
            future: Box::pin(future),
            handle,
            waker,
        });
        if index == self.slots.len() {
            self.slots.push(slot);
        } else {
            self.slots[index] = slot;
        }
        self.len += 1;
    }

    /// Drops every future whose sequence number is past `seq` (their `Drop` runs).
    pub(crate) fn drop_after(&mut self, seq: u64) {
        for index in 0..self.slots.len() {
            if self.slots[index]
                .as_ref()
                .is_some_and(|slot| slot.seq > seq)
            {
                self.remove(index);
            }
        }
    }

    fn remove(&mut self, index: usize) {
        if let Some(slot) = self.slots[index].take() {
            slot.handle.retire();
            self.free.push(index);
            self.len -= 1;
        }
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
        self.ready.register(cx.waker());
        let mut budget = self.ready.len();
        while budget > 0 {
            budget -= 1;
            let Some(index) = self.ready.pop() else { break };
            let Some(Some(slot)) = self.slots.get_mut(index) else {
                continue; // a future that is gone
            };
            slot.handle.unqueue();
            let mut future_cx = Context::from_waker(&slot.waker);
            if let Poll::Ready(output) = slot.future.as_mut().poll(&mut future_cx) {
                let seq = slot.seq;
                self.remove(index);
                return Poll::Ready(Some((seq, output)));
            }
        }
        if self.ready.len() > 0 {
            // Woken again while we polled: come back after the executor's other work.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl<Fut> fmt::Debug for InFlight<Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InFlight")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}
