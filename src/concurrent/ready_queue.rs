//! The ready queue behind `net::Merge` and the concurrent maps: one waker per
//! stream or future, which puts its index on a shared queue and wakes the task
//! polling them all, so a wakeup costs what was woken, not everything held.
//!
//! The owner keeps a local queue too: what it queues itself while it polls (a new
//! future, a stream that gave an item) goes there without synchronization, and
//! each poll moves what the shared queue holds into it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Wake, Waker};

use atomic_waker::AtomicWaker;
use concurrent_queue::ConcurrentQueue;

/// Indexes woken from anywhere, and the waker of the task polling the owner.
#[derive(Debug)]
pub(crate) struct ReadyQueue {
    /// Lock-free: wakers on other threads never wait for each other or the owner.
    indexes: ConcurrentQueue<usize>,
    /// True while `indexes` may hold something: lets a poll skip the queue.
    nonempty: AtomicBool,
    task: AtomicWaker,
}

impl Default for ReadyQueue {
    fn default() -> Self {
        Self {
            indexes: ConcurrentQueue::unbounded(),
            nonempty: AtomicBool::new(false),
            task: AtomicWaker::new(),
        }
    }
}

impl ReadyQueue {
    /// Registers the waker of the task that polls the owner.
    pub(crate) fn register(&self, waker: &Waker) {
        self.task.register(waker);
    }

    /// Wakes the task polling the owner.
    #[cfg(feature = "net")]
    pub(crate) fn wake_task(&self) {
        self.task.wake();
    }

    /// Moves every index woken so far to the back of `local`.
    pub(crate) fn drain_into(&self, local: &mut VecDeque<usize>) {
        if self.nonempty.swap(false, Ordering::AcqRel) {
            while let Ok(index) = self.indexes.pop() {
                local.push_back(index);
            }
        }
    }

    fn push(&self, index: usize) {
        // An unbounded queue is never full, and never closed.
        let _ = self.indexes.push(index);
        self.nonempty.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// One stream's or future's waker: queues its index once until it is polled again.
#[derive(Debug)]
pub(crate) struct StreamWaker {
    index: usize,
    /// Set while the index is on a queue (and for good once its stream or
    /// future has left), so it is queued at most once however often it is woken.
    queued: AtomicBool,
    queue: Arc<ReadyQueue>,
}

impl StreamWaker {
    /// A waker for `index`, marked as queued: the owner puts `index` on its
    /// local queue itself.
    pub(crate) fn new(index: usize, queue: &Arc<ReadyQueue>) -> (Arc<Self>, Waker) {
        let this = Arc::new(Self {
            index,
            queued: AtomicBool::new(true),
            queue: Arc::clone(queue),
        });
        let waker = Waker::from(Arc::clone(&this));
        (this, waker)
    }

    /// Called before polling: a wakeup from now on queues the index again.
    pub(crate) fn unqueue(&self) {
        self.queued.store(false, Ordering::Release);
    }

    /// Marks the index as queued (the owner queues it locally); false when it
    /// already was.
    pub(crate) fn mark_queued(&self) -> bool {
        !self.queued.swap(true, Ordering::AcqRel)
    }

    /// The stream or future has left: this waker, wherever a copy is kept,
    /// queues nothing until the slot is used again.
    pub(crate) fn retire(&self) {
        self.queued.store(true, Ordering::Release);
    }
}

impl Wake for StreamWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.queue.push(self.index);
        }
    }
}
