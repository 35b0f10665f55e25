//! The state an [`Emitter`](super::Emitter) and its [`Events`](super::Events) share.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering, fence};

use concurrent_queue::{ConcurrentQueue, ForcePushError, PushError};
use event_listener::{Event, EventListener, Listener};

use super::{EventsError, Overflow};

/// Pause and resume hooks, called as the queue crosses its water marks.
pub(crate) struct Flow {
    pub(crate) high: usize,
    pub(crate) low: usize,
    pub(crate) on_pause: Box<dyn Fn() + Send + Sync>,
    pub(crate) on_resume: Box<dyn Fn() + Send + Sync>,
    pub(crate) state: Mutex<FlowState>,
}

/// Whether the source should be paused, and what the hooks have told it so far.
///
/// The lock is held only to read and change these flags, never while a hook
/// runs, so a hook may emit (a source's `resume()` that replays what it buffered)
/// or take a lock of its own. One thread at a time runs hooks: whoever finds none
/// running calls them until the source is told the latest state; a crossing made
/// meanwhile by another thread is left to that one. A crossing made by a hook's
/// own emits calls the other hook right there, inside it, as Node's `pause()`
/// inside a `'data'` handler during `resume()`: the replay sees it and stops.
/// So pause and resume alternate, and the source ends in the state the queue
/// asks for.
#[derive(Debug, Default)]
pub(crate) struct FlowState {
    /// What the queue asks for: paused since it reached `high`, until `low`.
    pub(crate) paused: bool,
    /// What the hooks last told the source.
    told: bool,
    /// The thread running hooks, if one is.
    runner: Option<std::thread::ThreadId>,
}

impl Flow {
    fn state(&self) -> std::sync::MutexGuard<'_, FlowState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Asks for the source to be paused (`true`) or resumed, if `crossed` still
    /// holds once the state is locked; runs the hooks if no one else is.
    fn set(&self, paused: bool, crossed: impl Fn() -> bool) {
        let mut state = self.state();
        if state.paused == paused || !crossed() {
            return;
        }
        state.paused = paused;
        let me = std::thread::current().id();
        match state.runner {
            // A hook of this thread emitted (or drained) across a mark: tell the
            // source now, inside that hook.
            Some(runner) if runner == me => {
                state.told = paused;
                drop(state);
                self.call(paused);
            }
            // Another thread runs hooks: it tells the source once its hook returns.
            Some(_) => {}
            None => {
                state.runner = Some(me);
                while state.told != state.paused {
                    let pause = state.paused;
                    state.told = pause;
                    drop(state);
                    self.call(pause);
                    state = self.state();
                }
                state.runner = None;
            }
        }
    }

    /// Runs a hook, with nothing locked. A panicking hook leaves `runner` set: no
    /// other thread runs hooks again (the source's state is unknown), which the
    /// panic itself reports.
    fn call(&self, pause: bool) {
        if pause {
            (self.on_pause)();
        } else {
            (self.on_resume)();
        }
    }
}

/// What happened to an emitted value.
pub(crate) enum Pushed<T> {
    Queued,
    /// The queue was full: the value comes back (for `Backpressure`) or was dropped.
    Full(T),
    /// The queue was full under `Overflow::Fail`: the channel has failed.
    Overflow(T),
    Closed(T),
}

pub(crate) struct Shared<T> {
    pub(crate) queue: ConcurrentQueue<T>,
    pub(crate) overflow: Overflow,
    /// Wakes the consumer: an event arrived or the channel closed.
    pub(crate) ready: Event,
    /// Wakes producers waiting for room (`Overflow::Backpressure`).
    pub(crate) room: Event,
    /// How many wait on `ready` and on `room`: an event or a take notifies only
    /// when someone waits, since a notification costs a full fence (as much as the
    /// queue operation itself). See [`Shared::waiter`] for why none is missed.
    pub(crate) ready_waiting: AtomicUsize,
    pub(crate) room_waiting: AtomicUsize,
    pub(crate) dropped: AtomicU64,
    /// Values `emit` handed back as full under `Overflow::Backpressure`.
    pub(crate) refused: AtomicU64,
    pub(crate) emitters: AtomicUsize,
    /// The error the stream yields after the queued events.
    pub(crate) failure: Mutex<Option<EventsError>>,
    pub(crate) flow: Option<Flow>,
}

impl<T> Shared<T> {
    pub(crate) fn new(capacity: usize, overflow: Overflow, flow: Option<Flow>) -> Self {
        Self {
            queue: ConcurrentQueue::bounded(capacity.max(1)),
            overflow,
            ready: Event::new(),
            room: Event::new(),
            ready_waiting: AtomicUsize::new(0),
            room_waiting: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            emitters: AtomicUsize::new(1),
            failure: Mutex::new(None),
            flow,
        }
    }

    /// Values the overflow policy dropped: lost. (Refusals are counted apart: the
    /// value went back to the caller.)
    pub(crate) fn lost(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub(crate) fn capacity(&self) -> usize {
        self.queue.capacity().unwrap_or(usize::MAX)
    }

    /// Queues `value` under the overflow policy; never waits.
    pub(crate) fn push(&self, value: T) -> Pushed<T> {
        let pushed = match self.overflow {
            Overflow::DropOldest => match self.queue.force_push(value) {
                Ok(None) => Pushed::Queued,
                Ok(Some(oldest)) => {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                    drop(oldest);
                    Pushed::Queued
                }
                Err(ForcePushError(value)) => return Pushed::Closed(value),
            },
            Overflow::Backpressure | Overflow::DropNewest | Overflow::Fail => {
                match self.queue.push(value) {
                    Ok(()) => Pushed::Queued,
                    Err(PushError::Closed(value)) => return Pushed::Closed(value),
                    Err(PushError::Full(value)) => match self.overflow {
                        Overflow::DropNewest => {
                            self.dropped.fetch_add(1, Ordering::Relaxed);
                            Pushed::Full(value)
                        }
                        Overflow::Fail => {
                            self.fail(EventsError::Overflow {
                                capacity: self.capacity(),
                            });
                            return Pushed::Overflow(value);
                        }
                        _ => return Pushed::Full(value),
                    },
                }
            }
        };
        if matches!(pushed, Pushed::Queued) {
            // After the push (a SeqCst exchange in the queue): see `waiter`.
            if self.ready_waiting.load(Ordering::SeqCst) > 0 {
                self.ready.notify_additional(1);
            }
            self.check_pause();
        }
        pushed
    }

    /// Registers a waiter on `event` (`ready` or `room`, counted in `waiting`);
    /// the caller then checks the queue again before it sleeps.
    ///
    /// No wakeup is missed though notifiers skip `notify` while `waiting` reads 0:
    /// the count goes up, the listener is made, then a `SeqCst` fence, then the
    /// caller's check. A notifier changes the queue (a `SeqCst` exchange), then reads
    /// the count (`SeqCst`). Either its change comes before this fence in the single
    /// order of `SeqCst` operations, and the check sees it; or it comes after, and
    /// then its read sees the count up, and its `notify` (whose own fence follows
    /// this one) sees the listener.
    pub(crate) fn waiter<'a>(event: &Event, waiting: &'a AtomicUsize) -> Waiter<'a> {
        Waiter {
            listener: Some(Self::listen_counted(event, waiting)),
            waiting,
        }
    }

    /// [`Shared::waiter`] for a waiter kept in a struct: the caller takes the count
    /// down once the listener is dropped.
    pub(crate) fn listen_counted(event: &Event, waiting: &AtomicUsize) -> EventListener {
        waiting.fetch_add(1, Ordering::SeqCst);
        let listener = event.listen();
        fence(Ordering::SeqCst);
        listener
    }

    /// Ends the channel after its queued events; the stream then yields `error`
    /// (the first one given wins).
    pub(crate) fn fail(&self, error: EventsError) {
        {
            let mut failure = self
                .failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if failure.is_none() && !self.queue.is_closed() {
                *failure = Some(error);
            }
        }
        self.close();
    }

    /// Ends the channel after its queued events.
    pub(crate) fn close(&self) {
        if self.queue.close() {
            self.ready.notify(usize::MAX);
            self.room.notify(usize::MAX);
        }
    }

    pub(crate) fn take_failure(&self) -> Option<EventsError> {
        self.failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// After a push: pause the source at the high-water mark.
    fn check_pause(&self) {
        let Some(flow) = &self.flow else { return };
        if self.queue.len() >= flow.high {
            flow.set(true, || self.queue.len() >= flow.high);
        }
    }

    /// After events were taken: wake waiting producers, resume the source at the
    /// low-water mark.
    pub(crate) fn taken(&self, count: usize) {
        if self.overflow == Overflow::Backpressure && self.room_waiting.load(Ordering::SeqCst) > 0 {
            self.room.notify(count);
        }
        let Some(flow) = &self.flow else { return };
        if self.queue.len() <= flow.low {
            flow.set(false, || self.queue.len() <= flow.low);
        }
    }
}

/// A registered waiter; the count goes down when it is dropped (woken or not).
pub(crate) struct Waiter<'a> {
    listener: Option<EventListener>,
    waiting: &'a AtomicUsize,
}

impl Waiter<'_> {
    /// Blocks the thread until notified.
    pub(crate) fn wait(mut self) {
        if let Some(listener) = self.listener.take() {
            listener.wait();
        }
    }

    /// Waits until notified.
    pub(crate) async fn notified(mut self) {
        if let Some(listener) = self.listener.as_mut() {
            listener.await;
        }
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        self.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}
