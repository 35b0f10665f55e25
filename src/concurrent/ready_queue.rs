//! The ready queue behind `net::Merge` and the concurrent maps: one waker per
//! stream or future, which puts its index on a shared queue and wakes the task
//! polling them all, so a wakeup costs what was woken, not everything held.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Wake, Waker};

use atomic_waker::AtomicWaker;

/// Indexes of the streams to poll, in the order they were woken, and the waker of
/// the task polling the merge.
#[derive(Debug, Default)]
pub(crate) struct ReadyQueue {
    indexes: Mutex<VecDeque<usize>>,
    task: AtomicWaker,
}

impl ReadyQueue {
    /// Registers the waker of the task that polls the merge.
    pub(crate) fn register(&self, waker: &Waker) {
        self.task.register(waker);
    }

    /// Wakes the task polling the merge.
    pub(crate) fn wake_task(&self) {
        self.task.wake();
    }

    /// The next stream to poll.
    pub(crate) fn pop(&self) -> Option<usize> {
        self.lock().pop_front()
    }

    /// Streams waiting to be polled.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<usize>> {
        // A panic while holding this lock can only come from an allocation
        // failure in `push_back`; the queue is still consistent after it.
        self.indexes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One stream's waker: queues the stream once until it is polled again.
#[derive(Debug)]
pub(crate) struct StreamWaker {
    index: usize,
    /// Set while the index is on the queue (and for good once the stream has
    /// left), so a stream is queued at most once however often it is woken.
    queued: AtomicBool,
    queue: Arc<ReadyQueue>,
}

impl StreamWaker {
    /// A waker for the stream at `index`, already queued so it is polled first.
    pub(crate) fn queued(index: usize, queue: &Arc<ReadyQueue>) -> (Arc<Self>, Waker) {
        let this = Arc::new(Self {
            index,
            queued: AtomicBool::new(true),
            queue: Arc::clone(queue),
        });
        queue.lock().push_back(index);
        queue.task.wake();
        let waker = Waker::from(Arc::clone(&this));
        (this, waker)
    }

    /// Called before the stream is polled: a wakeup from now on queues it again.
    pub(crate) fn unqueue(&self) {
        self.queued.store(false, Ordering::Release);
    }

    /// Queues the stream again without waking the merge's task, which is running.
    pub(crate) fn requeue(&self) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.queue.lock().push_back(self.index);
        }
    }

    /// The stream has left: its waker, wherever a copy is kept, queues nothing.
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
            self.queue.lock().push_back(self.index);
            self.queue.task.wake();
        }
    }
}
