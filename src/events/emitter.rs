//! [`Emitter`]: the sending side, for callbacks, threads and tasks.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::shared::{Pushed, Shared, Waiter};
use super::{EventsError, Overflow};

/// The sending side of an events channel: `Clone + Send + Sync`, usable from
/// callbacks, plain threads and async tasks, with no executor.
///
/// Dropping the last emitter closes the channel: the stream ends after the events
/// already queued.
///
/// ```
/// use aiter::events::{self, Overflow};
///
/// let (emitter, events) = events::channel::<u32>(2, Overflow::Backpressure);
/// std::thread::spawn(move || {
///     for n in 0..5 {
///         emitter.send_blocking(n).unwrap(); // waits for room: nothing is lost
///     }
/// });
/// let got: Vec<u32> = futures_lite::future::block_on(futures_lite::StreamExt::try_collect(events)).unwrap();
/// assert_eq!(got, [0, 1, 2, 3, 4]);
/// ```
pub struct Emitter<T> {
    pub(crate) shared: Arc<Shared<T>>,
}

/// Why an emitted value was not queued. Each variant gives the value back.
///
/// ```
/// use aiter::events::{self, EmitError, Overflow};
/// let (emitter, events) = events::channel(1, Overflow::DropNewest);
/// emitter.emit("kept").unwrap();
/// match emitter.emit("new") {
///     Err(EmitError::Dropped(value)) => assert_eq!(value, "new"), // handed back
///     other => panic!("{other:?}"),
/// }
/// drop(events);
/// assert!(matches!(emitter.emit("late"), Err(EmitError::Closed("late"))));
/// ```
#[derive(PartialEq, Eq)]
pub enum EmitError<T> {
    /// The queue is full under [`Overflow::Backpressure`]: emit again later, or use
    /// [`Emitter::send`] or [`Emitter::send_blocking`], which wait for room.
    Full(T),
    /// The queue is full under [`Overflow::DropNewest`]: this value was dropped
    /// (and counted in [`Emitter::events_dropped`]).
    Dropped(T),
    /// The queue is full under [`Overflow::Fail`]: the channel has failed, and its
    /// stream ends with [`EventsError::Overflow`] after the events queued.
    Overflow(T),
    /// The channel is closed (or failed, or its stream dropped): nobody will receive it.
    Closed(T),
}

impl<T> EmitError<T> {
    /// The value that was not queued.
    ///
    /// ```
    /// use aiter::events::{self, EmitError, Overflow};
    ///
    /// let (emitter, _events) = events::channel(1, Overflow::Backpressure);
    /// emitter.emit("first").unwrap();
    /// assert_eq!(emitter.emit("second").unwrap_err().into_inner(), "second");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(value)
            | Self::Dropped(value)
            | Self::Overflow(value)
            | Self::Closed(value) => value,
        }
    }
}

impl<T> fmt::Debug for EmitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Full(_) => "Full",
            Self::Dropped(_) => "Dropped",
            Self::Overflow(_) => "Overflow",
            Self::Closed(_) => "Closed",
        };
        write!(f, "{name}(..)")
    }
}

impl<T> fmt::Display for EmitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "emitting into a full event queue",
            Self::Dropped(_) => "event dropped: the queue is full",
            Self::Overflow(_) => "event queue overflowed",
            Self::Closed(_) => "emitting into a closed event queue",
        })
    }
}

impl<T> std::error::Error for EmitError<T> {}

impl<T> Emitter<T> {
    /// Queues `value` without ever waiting, applying the channel's [`Overflow`]
    /// policy when the queue is full: the event-emitter side of JavaScript's
    /// `socket.on('message', m => ...)`.
    ///
    /// Under [`Overflow::Backpressure`] a full queue *refuses* the value and hands it back
    /// in [`EmitError::Full`]: ignore that result (`let _ = emitter.emit(v)`) and
    /// the value is gone. Each refusal is counted in [`Emitter::events_refused`] (not in
    /// [`Emitter::events_dropped`]: the value was handed back, and a caller that
    /// emits it again later loses nothing); to lose nothing without retrying, call
    /// [`Emitter::send_blocking`] from a thread or callback, or
    /// [`Emitter::send`]`.await` from a task: they wait for room.
    ///
    /// # Errors
    ///
    /// See [`EmitError`]: full under `Backpressure`, dropped under `DropNewest`, overflow
    /// under `Fail`, or closed. Under `DropOldest` only `Closed` can happen.
    ///
    /// ```
    /// use aiter::events::{self, EmitError, Overflow};
    ///
    /// let (emitter, events) = events::channel(2, Overflow::DropOldest);
    /// for n in 0..5 {
    ///     emitter.emit(n).unwrap(); // never waits, never fails while open
    /// }
    /// assert_eq!(emitter.events_dropped(), 3); // 0, 1 and 2 made room for 3 and 4
    /// drop(events);
    /// assert!(matches!(emitter.emit(5), Err(EmitError::Closed(5))));
    /// ```
    pub fn emit(&self, value: T) -> Result<(), EmitError<T>> {
        let emitted = self.try_emit(value);
        if matches!(emitted, Err(EmitError::Full(_))) {
            self.shared.refused.fetch_add(1, Ordering::Relaxed);
        }
        emitted
    }

    /// `emit` without counting a refusal: `send` and `send_blocking` retry it.
    fn try_emit(&self, value: T) -> Result<(), EmitError<T>> {
        match self.shared.push(value) {
            Pushed::Queued => Ok(()),
            Pushed::Full(value) if self.shared.overflow == Overflow::DropNewest => {
                Err(EmitError::Dropped(value))
            }
            Pushed::Full(value) => Err(EmitError::Full(value)),
            Pushed::Overflow(value) => Err(EmitError::Overflow(value)),
            Pushed::Closed(value) => Err(EmitError::Closed(value)),
        }
    }

    /// Queues `value`, waiting for room under [`Overflow::Backpressure`]; under the other
    /// policies it is [`Emitter::emit`].
    ///
    /// # Errors
    ///
    /// [`EmitError::Closed`] once the channel is closed; otherwise as `emit`.
    ///
    /// # Cancellation safety
    ///
    /// Cancelling it before it completes drops `value` unsent; nothing else is lost.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::events::{self, Overflow};
    /// use futures_lite::StreamExt;
    ///
    /// let (emitter, mut events) = events::channel(1, Overflow::Backpressure);
    /// let producer = async move {
    ///     for n in 0..3 {
    ///         emitter.send(n).await.unwrap();
    ///     }
    /// };
    /// let consumer = async { events.try_collect::<_, _, Vec<_>>().await.unwrap() };
    /// let ((), got) = futures_lite::future::zip(producer, consumer).await;
    /// assert_eq!(got, [0, 1, 2]);
    /// # });
    /// ```
    pub async fn send(&self, mut value: T) -> Result<(), EmitError<T>> {
        loop {
            match self.emit_or_listen(value) {
                Ok(done) => return done,
                Err((back, waiter)) => {
                    value = back;
                    waiter.notified().await;
                }
            }
        }
    }

    /// Queues `value`, blocking the thread while the queue is full under
    /// [`Overflow::Backpressure`]; for plain threads. Do not call it inside async code.
    ///
    /// # Errors
    ///
    /// As [`Emitter::send`].
    ///
    /// ```
    /// use aiter::events::{self, Overflow};
    ///
    /// let (emitter, events) = events::channel(8, Overflow::Backpressure);
    /// emitter.send_blocking("from a thread").unwrap();
    /// drop(emitter);
    /// let got: Vec<_> = futures_lite::future::block_on(futures_lite::StreamExt::try_collect(events)).unwrap();
    /// assert_eq!(got, ["from a thread"]);
    /// ```
    pub fn send_blocking(&self, mut value: T) -> Result<(), EmitError<T>> {
        loop {
            match self.emit_or_listen(value) {
                Ok(done) => return done,
                Err((back, waiter)) => {
                    value = back;
                    waiter.wait();
                }
            }
        }
    }

    /// Emits `value`; if the queue is full under `Backpressure`, gives it back with a
    /// listener for room, registered before a last try so no wakeup is missed.
    fn emit_or_listen(&self, value: T) -> Result<Result<(), EmitError<T>>, (T, Waiter<'_>)> {
        let value = match self.try_emit(value) {
            Err(EmitError::Full(back)) => back,
            done => return Ok(done),
        };
        let waiter = Shared::<T>::waiter(&self.shared.room, &self.shared.room_waiting);
        match self.try_emit(value) {
            Err(EmitError::Full(back)) => Err((back, waiter)),
            done => Ok(done),
        }
    }

    /// Ends the channel: the stream ends after every event already queued. Later
    /// emits fail with [`EmitError::Closed`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::events::{self, Overflow};
    /// use futures_lite::StreamExt;
    ///
    /// let (emitter, events) = events::channel(8, Overflow::Backpressure);
    /// emitter.emit(1).unwrap();
    /// emitter.emit(2).unwrap();
    /// emitter.close(); // JavaScript's on('close'), without losing 1 and 2
    /// assert_eq!(events.try_collect::<_, _, Vec<_>>().await.unwrap(), [1, 2]);
    /// # });
    /// ```
    pub fn close(&self) {
        self.shared.close();
    }

    /// Ends the channel with an error: the stream yields every event already
    /// queued, then `error`, then ends.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::events::{self, Overflow};
    /// use futures_lite::StreamExt;
    ///
    /// let (emitter, mut events) = events::channel(8, Overflow::Backpressure);
    /// emitter.emit("last words").unwrap();
    /// emitter.fail(std::io::Error::other("connection reset"));
    /// assert_eq!(events.next().await.unwrap().unwrap(), "last words");
    /// assert_eq!(events.next().await.unwrap().unwrap_err().to_string(), "event source failed: connection reset");
    /// assert!(events.next().await.is_none());
    /// # });
    /// ```
    pub fn fail(&self, error: impl Into<Box<dyn std::error::Error + Send + Sync>>) {
        self.shared.fail(EventsError::Failed(error.into()));
    }

    /// Values lost so far: dropped by the overflow policy (`DropOldest`,
    /// `DropNewest`), which the caller never gets back. A value [`Emitter::emit`]
    /// refused under [`Overflow::Backpressure`] is handed back instead, so it is
    /// counted apart, in [`Emitter::events_refused`]: lost only if the caller
    /// throws it away. `send`, `send_blocking` and `Fail` lose nothing.
    ///
    /// ```
    /// use aiter::events::{self, Overflow};
    ///
    /// let (emitter, events) = events::channel(1, Overflow::DropNewest);
    /// emitter.emit(1).unwrap(); // queued
    /// assert!(emitter.emit(2).is_err()); // full: dropped, and counted
    /// assert_eq!((emitter.events_dropped(), emitter.events_refused()), (1, 0));
    /// # drop(events);
    /// ```
    pub fn events_dropped(&self) -> u64 {
        self.shared.lost()
    }

    /// Values [`Emitter::emit`] refused because the queue was full under
    /// [`Overflow::Backpressure`] (handed back in [`EmitError::Full`]): not lost,
    /// unless the caller throws them away. A refused value emitted again later is
    /// counted at each refusal; none of this is in [`Emitter::events_dropped`].
    ///
    /// ```
    /// use aiter::events::{self, EmitError, Overflow};
    ///
    /// let (emitter, _events) = events::channel(1, Overflow::Backpressure);
    /// emitter.emit("a").unwrap();
    /// assert!(matches!(emitter.emit("b"), Err(EmitError::Full("b"))));
    /// assert_eq!(emitter.events_refused(), 1);
    /// ```
    pub fn events_refused(&self) -> u64 {
        self.shared.refused.load(Ordering::Relaxed)
    }

    /// Events queued now.
    ///
    /// ```
    /// let (emitter, _events) = aiter::events::Channel::new(4).build();
    /// emitter.emit('a').unwrap();
    /// assert_eq!((emitter.len(), emitter.capacity(), emitter.is_empty()), (1, 4, false));
    /// ```
    pub fn len(&self) -> usize {
        self.shared.queue.len()
    }

    /// True when no event is queued.
    ///
    /// ```
    /// let (emitter, _events) = aiter::events::Channel::new(4).build::<u8>();
    /// assert!(emitter.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.shared.queue.is_empty()
    }

    /// The queue's capacity.
    ///
    /// ```
    /// let (emitter, _events) = aiter::events::Channel::new(0).build::<u8>();
    /// assert_eq!(emitter.capacity(), 1); // a count of 0 counts as 1
    /// ```
    pub fn capacity(&self) -> usize {
        self.shared.capacity()
    }

    /// True once the channel is closed, failed, or its stream dropped.
    ///
    /// ```
    /// let (emitter, events) = aiter::events::Channel::new(4).build::<u8>();
    /// assert!(!emitter.is_closed());
    /// drop(events); // the consumer left
    /// assert!(emitter.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.queue.is_closed()
    }
}

impl<T> Clone for Emitter<T> {
    fn clone(&self) -> Self {
        self.shared.emitters.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Emitter<T> {
    fn drop(&mut self) {
        if self.shared.emitters.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.close();
        }
    }
}

impl<T> fmt::Debug for Emitter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emitter")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("overflow", &self.shared.overflow)
            .field("events_dropped", &self.events_dropped())
            .field("events_refused", &self.events_refused())
            .field("closed", &self.is_closed())
            .finish()
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl<T> Emitter<T> {
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
