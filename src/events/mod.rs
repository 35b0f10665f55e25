//! Callbacks as streams: JavaScript's `socket.on('message')` turned into a
//! `for await` loop, with a bounded
//! queue, a stated overflow policy, and nothing lost on close.
//!
//! # From JavaScript
//!
//! | JavaScript | aiter |
//! |---|---|
//! | `socket.on('message', m => queue.push(m))` | [`channel`] or [`Channel`]: the [`Emitter`] goes into the callback (`emit`, `send_blocking`) |
//! | `for await (const m of socketMessages(socket))` | the [`Events`] stream: `while let Some(m) = events.next().await` |
//! | `socket.on('close', ...)` resolving the iterator | [`Emitter::close`] (or dropping every emitter): queued events first, then the end |
//! | `socket.on('error', e => ...)` | [`Emitter::fail`]: queued events, then the error |
//! | `socket.pause()` / `resume()` under load | [`Channel::water_marks`] hooks |
//! | `socket.off('message', ...)` in `finally` | [`from_callbacks`]: unregistered when the stream ends or is dropped |
//!
//! # Semantics
//!
//! [`channel`] makes an [`Emitter`] (the `on('message', ...)` side) and an
//! [`Events`] stream (the `for await` side) around one queue of fixed capacity.
//!
//! - **Bounded.** The queue holds at most `capacity` events. When it is full,
//!   [`Emitter::emit`] applies the [`Overflow`] policy; it never waits. Under
//!   `Backpressure`, async producers call [`Emitter::send`] and threads
//!   [`Emitter::send_blocking`], which wait for room.
//! - **Nothing dropped silently.** `DropOldest` and `DropNewest` count every value
//!   they drop: [`Emitter::events_dropped`], [`Events::events_dropped`]. Under `Backpressure`, a value
//!   that `emit` refuses as full comes back to the caller, who may emit it again;
//!   each refusal is counted apart ([`Emitter::events_refused`]), so "dropped" is
//!   what was lost and "refused" what was handed back. From a callback, call
//!   `send_blocking`, which loses nothing.
//! - **Close keeps the queue.** [`Emitter::close`] (or dropping every emitter) ends
//!   the stream *after* every queued event; [`Emitter::fail`] does the same and then
//!   yields the error. A hand-written JavaScript adapter that resolves on `close` loses what was queued.
//! - **Pausing sources that can pause.** [`Channel::water_marks`] calls a
//!   pause hook when the queue reaches its high-water mark and a resume hook when the
//!   consumer has drained it to the low one: a socket or a watcher is paused instead
//!   of buffered.
//! - **Batches.** [`Events::next_batch`] takes every queued event in one wakeup.
//! - **Registration tied to the stream.** [`from_callbacks`] registers your
//!   callbacks when the stream is made and unregisters them when it ends or is dropped.
//!
//! Emitters work from any thread or callback and need no executor; the stream runs
//! on any executor.
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use aiter::events::{self, Overflow};
//! use futures_lite::StreamExt;
//!
//! // socket.on('message', m => ...); socket.on('close', () => ...)
//! let (emitter, mut messages) = events::channel(64, Overflow::Backpressure);
//! std::thread::spawn(move || {
//!     for text in ["hello", "world"] {
//!         emitter.send_blocking(text.to_owned()).unwrap(); // on('message')
//!     }
//!     emitter.close(); // on('close'): queued messages are still delivered
//! });
//! while let Some(message) = messages.next().await {
//!     println!("{}", message?);
//! }
//! # Ok::<(), aiter::events::EventsError>(()) }).unwrap();
//! ```
//!
//! # Limits and errors
//!
//! The queue holds at most `capacity` events (a capacity of 0 counts as 1); past
//! it the [`Overflow`] policy applies, and every value it drops
//! ([`Emitter::events_dropped`]) or refuses and hands back
//! ([`Emitter::events_refused`]) is counted, each on its own. The stream's
//! only error is [`EventsError`]: the channel failed ([`Emitter::fail`]) or
//! overflowed under [`Overflow::Fail`], after every queued event.
//!
//! # Cancellation safety
//!
//! `next()` and [`Events::next_batch`] are cancellation safe: an event leaves the
//! queue only when it is returned. Dropping [`Emitter::send`]'s future drops its
//! value unsent; nothing else is lost.

mod emitter;
mod error;
mod receiver;
mod shared;

use std::fmt;
use std::sync::{Arc, Mutex};

pub use emitter::{EmitError, Emitter};
pub use error::EventsError;
pub use receiver::{Events, NextBatch};

use shared::{Flow, FlowState, Shared};

/// What a full queue does to a new value. Each policy is named for what happens
/// to the producer or to the values; under every one, [`Emitter::emit`] itself
/// never waits.
///
/// ```
/// use aiter::events::{self, EmitError, Overflow};
/// let (emitter, _events) = events::channel(1, Overflow::Backpressure);
/// emitter.emit(1).unwrap();
/// assert!(matches!(emitter.emit(2), Err(EmitError::Full(2)))); // emit never waits
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Nothing is lost; the producer is pushed back. [`Emitter::emit`] refuses the
    /// value and hands it back ([`EmitError::Full`], counted in
    /// [`Emitter::events_refused`]); [`Emitter::send`] and
    /// [`Emitter::send_blocking`] wait for room. (Was `Wait`, a name that said what
    /// only `send` does.)
    Backpressure,
    /// Drop the oldest queued event to make room, and count it.
    DropOldest,
    /// Drop the new value, count it, and give it back ([`EmitError::Dropped`]).
    DropNewest,
    /// Fail the channel: the stream yields every queued event, then
    /// [`EventsError::Overflow`], then ends.
    Fail,
}

impl Overflow {
    /// The old name of [`Overflow::Backpressure`].
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed Overflow::Backpressure")]
    #[allow(non_upper_case_globals)] // it stands in for a variant
    pub const Wait: Overflow = Overflow::Backpressure;
}

/// A channel's settings: capacity, overflow policy, and pause/resume hooks.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use aiter::events::{Channel, Overflow};
///
/// let paused = Arc::new(AtomicBool::new(false));
/// let (pause, resume) = (paused.clone(), paused.clone());
/// let (emitter, mut events) = Channel::new(100)
///     .overflow(Overflow::Backpressure)
///     .water_marks(80, 20, move || pause.store(true, Ordering::SeqCst), move || resume.store(false, Ordering::SeqCst))
///     .build();
/// for n in 0..80 {
///     emitter.emit(n).unwrap();
/// }
/// assert!(paused.load(Ordering::SeqCst), "paused at the high-water mark");
/// futures_lite::future::block_on(async {
///     let mut batch = Vec::new();
///     events.next_batch(&mut batch).await;
/// });
/// assert!(!paused.load(Ordering::SeqCst), "resumed once drained");
/// ```
pub struct Channel {
    capacity: usize,
    overflow: Overflow,
    flow: Option<Flow>,
}

impl Channel {
    /// A channel of `capacity` events (at least 1), with [`Overflow::Backpressure`].
    ///
    /// ```
    /// use aiter::events::{Channel, EmitError};
    /// let (emitter, _events) = Channel::new(1).build();
    /// emitter.emit(1).unwrap();
    /// assert!(matches!(emitter.emit(2), Err(EmitError::Full(2)))); // Backpressure: handed back
    /// ```
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            overflow: Overflow::Backpressure,
            flow: None,
        }
    }

    /// Sets what happens when the queue is full.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::events::{Channel, Overflow};
    /// use futures_lite::StreamExt;
    /// let (emitter, events) = Channel::new(2).overflow(Overflow::DropOldest).build();
    /// for n in 1..=3 {
    ///     emitter.emit(n).unwrap();
    /// }
    /// drop(emitter);
    /// let got: Vec<u32> = events.try_collect().await.unwrap();
    /// assert_eq!(got, [2, 3]); // 1 made room for 3
    /// # });
    /// ```
    #[must_use]
    pub fn overflow(mut self, overflow: Overflow) -> Self {
        self.overflow = overflow;
        self
    }

    /// Calls `on_pause` when an emit brings the queue to `high` events, and
    /// `on_resume` when the consumer brings it back down to `low`: `on_pause` from
    /// the emitting thread, `on_resume` from the consumer's poll.
    ///
    /// Hooks run with no lock of the channel's held, so they may emit: a
    /// Node-style source whose `resume()` replays what it buffered into the
    /// emitter works, and a pause that replay causes is called inside `on_resume`,
    /// on the same thread, where the replay sees it and stops (as Node's `pause()`
    /// inside a `'data'` handler). Hooks of two threads never overlap: a crossing
    /// made while another thread runs a hook is told by that thread once its hook
    /// returns. `on_pause` and `on_resume` alternate, starting with `on_pause`, and
    /// the source is left in the state the queue asks for; a crossing and its
    /// reverse made meanwhile cancel out. Keep hooks short: the consumer waits for
    /// `on_resume`.
    ///
    /// `high` is clamped to `1..=capacity`, `low` to below `high`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use aiter::events::Channel;
    ///
    /// let paused = Arc::new(AtomicBool::new(false));
    /// let (on, off) = (paused.clone(), paused.clone());
    /// let (emitter, mut events) = Channel::new(4)
    ///     .water_marks(3, 1, move || on.store(true, Ordering::SeqCst), move || off.store(false, Ordering::SeqCst))
    ///     .build::<u32>();
    /// for n in 0..3 {
    ///     emitter.emit(n).unwrap();
    /// }
    /// assert!(paused.load(Ordering::SeqCst)); // 3 queued: pause the source
    /// futures_lite::future::block_on(async {
    ///     use futures_lite::StreamExt;
    ///     events.next().await;
    ///     events.next().await;
    /// });
    /// assert!(!paused.load(Ordering::SeqCst)); // down to 1: resume it
    /// ```
    #[must_use]
    pub fn water_marks(
        mut self,
        high: usize,
        low: usize,
        on_pause: impl Fn() + Send + Sync + 'static,
        on_resume: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        let high = high.clamp(1, self.capacity);
        self.flow = Some(Flow {
            high,
            low: low.min(high - 1),
            on_pause: Box::new(on_pause),
            on_resume: Box::new(on_resume),
            state: Mutex::new(FlowState::default()),
        });
        self
    }

    /// Makes the channel: an emitter and its stream.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let (emitter, mut events) = aiter::events::Channel::new(8).build();
    /// std::thread::spawn(move || emitter.send_blocking("from a thread").unwrap());
    /// assert_eq!(events.next().await.unwrap().unwrap(), "from a thread");
    /// assert!(events.next().await.is_none()); // every emitter gone: the stream ends
    /// # });
    /// ```
    pub fn build<T>(self) -> (Emitter<T>, Events<T>) {
        let shared = Arc::new(Shared::new(self.capacity, self.overflow, self.flow));
        (
            Emitter {
                shared: shared.clone(),
            },
            Events::new(shared, None),
        )
    }

    /// Makes the channel and hands its emitter to `register`, which registers
    /// callbacks and returns the function that unregisters them. That function runs
    /// when the stream ends or is dropped, whichever comes first. See
    /// [`from_callbacks`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// use std::sync::{Arc, Mutex};
    ///
    /// // A callback API: one listener at a time.
    /// let listener: Arc<Mutex<Option<aiter::events::Emitter<u32>>>> = Arc::default();
    /// let registered = listener.clone();
    /// let mut events = aiter::events::Channel::new(16).from_callbacks(move |emitter| {
    ///     *registered.lock().unwrap() = Some(emitter); // socket.on('message', ...)
    ///     move || drop(registered.lock().unwrap().take()) // socket.off('message', ...)
    /// });
    /// listener.lock().unwrap().as_ref().unwrap().emit(7).unwrap();
    /// assert_eq!(events.next().await.unwrap().unwrap(), 7);
    /// drop(events);
    /// assert!(listener.lock().unwrap().is_none(), "unregistered when the stream was dropped");
    /// # });
    /// ```
    pub fn from_callbacks<T, U>(self, register: impl FnOnce(Emitter<T>) -> U) -> Events<T>
    where
        U: FnOnce() + Send + 'static,
    {
        let shared = Arc::new(Shared::new(self.capacity, self.overflow, self.flow));
        let unregister = register(Emitter {
            shared: shared.clone(),
        });
        Events::new(shared, Some(Box::new(unregister)))
    }
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("capacity", &self.capacity)
            .field("overflow", &self.overflow)
            .field(
                "water_marks",
                &self.flow.as_ref().map(|flow| (flow.high, flow.low)),
            )
            .finish()
    }
}

/// A channel of `capacity` events (at least 1) with the given overflow policy: an
/// emitter for callbacks and threads, and its stream. See the [module docs](self).
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::events::{self, Overflow};
/// use futures_lite::StreamExt;
///
/// let (emitter, events) = events::channel(2, Overflow::DropOldest);
/// for n in 1..=4 {
///     emitter.emit(n).unwrap();
/// }
/// drop(emitter);
/// assert_eq!(events.events_dropped(), 2);
/// assert_eq!(events.try_collect::<_, _, Vec<_>>().await.unwrap(), [3, 4]);
/// # });
/// ```
pub fn channel<T>(capacity: usize, overflow: Overflow) -> (Emitter<T>, Events<T>) {
    Channel::new(capacity).overflow(overflow).build()
}

/// A stream of the events a callback API delivers: `register` gets an [`Emitter`],
/// registers callbacks that emit, and returns the function that unregisters them.
/// That runs when the stream ends or is dropped: the `finally` of a JavaScript async generator.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use aiter::events::{self, Overflow};
///
/// // A callback API: listeners in a list.
/// type Listeners = Arc<Mutex<Vec<Box<dyn Fn(&str) + Send>>>>;
/// let listeners: Listeners = Arc::default();
///
/// let registry = listeners.clone();
/// let messages = events::from_callbacks(16, Overflow::Backpressure, move |emitter| {
///     registry.lock().unwrap().push(Box::new(move |m: &str| {
///         // From a callback on a plain thread: wait for room, lose nothing. (An
///         // ignored `emit` would throw away what a full queue refuses.)
///         if emitter.send_blocking(m.to_owned()).is_err() {
///             // the stream was dropped: nobody is listening any more
///         }
///     }));
///     move || registry.lock().unwrap().clear() // unregister
/// });
/// for listener in listeners.lock().unwrap().iter() {
///     listener("hello");
/// }
/// drop(messages);
/// assert!(listeners.lock().unwrap().is_empty(), "unregistered on drop");
/// ```
pub fn from_callbacks<T, U>(
    capacity: usize,
    overflow: Overflow,
    register: impl FnOnce(Emitter<T>) -> U,
) -> Events<T>
where
    U: FnOnce() + Send + 'static,
{
    Channel::new(capacity)
        .overflow(overflow)
        .from_callbacks(register)
}
