//! The body's side of a generator: [`Yielder`], the [`Yield`] future and [`Resume`].

use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use futures_lite::{Stream, StreamExt};

use super::handoff::{GeneratorId, Handoff, Mode, Phase, Shared, polling_waker, waker_address};

/// What the consumer asked for while the body was suspended at a yield.
///
/// `y.yield_(v).await` returns it, and it is `#[must_use]`: a body that ignores
/// it goes on after [`Generator::close`](super::Generator::close) until its next
/// yield, where it is dropped, so code after its loop (async cleanup, JavaScript's
/// `finally`) never runs. Leave the loop on [`Resume::Close`]; write `let _ =`
/// only where nothing follows that must run.
///
/// The careless form warns (here made an error to show it):
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let rows = aiter::generate(|y| async move {
///     for row in 0.. {
///         y.yield_(row).await; // error: unused `Resume` that must be used
///     }
///     // release the connection: never reached on close()
/// });
/// ```
///
/// The cleanup-safe loop:
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::generate::Resume;
/// let mut g = aiter::generate(|y| async move {
///     for i in 0.. {
///         if y.yield_(i).await == Resume::Close {
///             break;
///         }
///     }
/// });
/// use futures_lite::StreamExt;
/// assert_eq!(g.next().await, Some(0));
/// g.close().await;
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "leave the loop on Resume::Close, or the code after it never runs on close(); write `let _ =` if nothing follows"]
pub enum Resume {
    /// The consumer wants the next item: go on.
    Next,
    /// The consumer called `close()`: finish now, running any async cleanup.
    /// Anything yielded from here on is not delivered, and a second yield after
    /// this drops the body at that point.
    Close,
}

impl Resume {
    /// `true` for [`Resume::Close`]: the body should clean up and return.
    ///
    /// ```
    /// use aiter::generate::Resume;
    /// assert!(Resume::Close.is_close());
    /// assert!(!Resume::Next.is_close());
    /// ```
    pub fn is_close(self) -> bool {
        self == Resume::Close
    }
}

/// The handle a generator body yields through: JavaScript's `yield`, as
/// `y.yield_(value).await`.
///
/// A body gets exactly one, as the argument of its closure. It is `Send + Sync` in
/// the default [`Shared`] mode when `T: Send`, so the body can be `Send`.
///
/// # Panics
///
/// A yield awaited anywhere but inside its own generator's body (the `Yielder` was
/// moved into a spawned task, a thread, or another generator's body) panics with a
/// message saying so: the value would otherwise be handed to nobody.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::generate::Yielder;
/// use futures_lite::StreamExt;
/// // A helper that yields through the body's Yielder.
/// async fn twice(y: &Yielder<u8>, value: u8) -> bool {
///     !y.yield_(value).await.is_close() && !y.yield_(value).await.is_close()
/// }
/// let g = aiter::generate(|y| async move {
///     let _ = twice(&y, 7).await;
/// });
/// assert_eq!(g.collect::<Vec<_>>().await, [7, 7]);
/// # });
/// ```
pub struct Yielder<T, M: Mode = Shared> {
    handoff: M::Handoff<T>,
    id: GeneratorId,
}

impl<T, M: Mode> Yielder<T, M> {
    pub(crate) fn new(handoff: M::Handoff<T>, id: GeneratorId) -> Self {
        Yielder { handoff, id }
    }

    /// Hands `value` to the consumer and suspends until it asks for the next one.
    ///
    /// The returned [`Resume`] says whether the consumer asked for the next item or
    /// closed the generator: leave the loop on [`Resume::Close`] so the code after
    /// it runs.
    ///
    /// # Cancellation safety
    ///
    /// Dropping the future before it completes is safe: if it had already handed
    /// `value` over, the consumer still receives it; otherwise `value` is dropped.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let words = aiter::generate(|y| async move {
    ///     for word in ["hello", "world"] {
    ///         if y.yield_(word).await.is_close() {
    ///             break; // the consumer called close()
    ///         }
    ///     }
    /// });
    /// assert_eq!(words.collect::<Vec<_>>().await, ["hello", "world"]);
    /// # });
    /// ```
    pub fn yield_(&self, value: T) -> Yield<'_, T, M> {
        Yield {
            yielder: self,
            state: YieldState::Holding(value),
        }
    }

    /// Yields every item of `stream`, in order: JavaScript's `yield*`.
    ///
    /// Returns [`Resume::Close`] as soon as the consumer closes the generator (the
    /// rest of `stream` is dropped unread), [`Resume::Next`] when `stream` ends.
    ///
    /// # Cancellation safety
    ///
    /// Dropping the future drops `stream`; every item taken from it was delivered.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::{stream, StreamExt};
    /// let all = aiter::generate(|y| async move {
    ///     if y.yield_(0).await.is_close() || y.yield_all(stream::iter(1..=3)).await.is_close() {
    ///         return;
    ///     }
    ///     let inner = aiter::generate(|inner| async move { let _ = inner.yield_(4).await; });
    ///     let _ = y.yield_all(inner).await; // nothing follows: the answer can go
    /// });
    /// assert_eq!(all.collect::<Vec<_>>().await, [0, 1, 2, 3, 4]);
    /// # });
    /// ```
    pub async fn yield_all<S: Stream<Item = T>>(&self, stream: S) -> Resume {
        let mut stream = pin!(stream);
        while let Some(item) = stream.next().await {
            if self.yield_(item).await.is_close() {
                return Resume::Close;
            }
        }
        Resume::Next
    }
}

impl<T, E, M: Mode> Yielder<Result<T, E>, M> {
    /// Yields `Ok(value)`: shorthand in [`try_generate`](crate::try_generate) bodies.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let s = aiter::try_generate(|y| async move {
    ///     let _ = y.yield_ok(1).await; // nothing follows
    ///     Ok::<(), String>(())
    /// });
    /// assert_eq!(s.collect::<Vec<_>>().await, [Ok(1)]);
    /// # });
    /// ```
    pub fn yield_ok(&self, value: T) -> Yield<'_, Result<T, E>, M> {
        self.yield_(Ok(value))
    }

    /// Yields `Err(error)` as an item and goes on: one iteration failed, the
    /// sequence did not (as in a JavaScript `for await` loop, each iteration can fail).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let s = aiter::try_generate(|y| async move {
    ///     for page in [Ok(1), Err("page 2 failed"), Ok(3)] {
    ///         let answer = match page {
    ///             Ok(items) => y.yield_ok(items).await,
    ///             Err(error) => y.yield_err(error).await, // this one failed; go on
    ///         };
    ///         if answer.is_close() {
    ///             break;
    ///         }
    ///     }
    ///     Ok(())
    /// });
    /// assert_eq!(s.collect::<Vec<_>>().await, [Ok(1), Err("page 2 failed"), Ok(3)]);
    /// # });
    /// ```
    pub fn yield_err(&self, error: E) -> Yield<'_, Result<T, E>, M> {
        self.yield_(Err(error))
    }
}

impl<T, M: Mode> fmt::Debug for Yielder<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yielder")
            .field("generator", &self.id)
            .finish_non_exhaustive()
    }
}

/// The future of [`Yielder::yield_`]: resolves when the consumer asks for more.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// let g = aiter::generate(|y| async move {
///     let pending = y.yield_(1); // a Yield future: nothing happens until awaited
///     let _ = pending.await;
/// });
/// assert_eq!(g.collect::<Vec<_>>().await, [1]);
/// # });
/// ```
#[must_use = "a yield does nothing unless awaited"]
pub struct Yield<'a, T, M: Mode = Shared> {
    yielder: &'a Yielder<T, M>,
    state: YieldState<T>,
}

enum YieldState<T> {
    /// Not polled yet.
    Holding(T),
    /// Polled, but another yield of this body held the cell: retried on the next
    /// poll, which comes when the consumer asks for the next item.
    Waiting(T),
    /// Handed over; waiting for the consumer's next poll.
    Suspended,
    Done,
}

// The value is only ever moved, never pinned.
impl<T, M: Mode> Unpin for Yield<'_, T, M> {}

impl<T, M: Mode> Yield<'_, T, M> {
    /// The address of the waker the generator was polled with; panics when this
    /// generator's body is not the one being polled.
    #[inline]
    fn generator_waker(&self) -> usize {
        polling_waker(self.yielder.id).expect(
            "aiter: a Yielder was used outside its own generator's body \
             (was it moved into another task, thread or generator?)",
        )
    }

    /// Puts `value` in the cell, or waits for the cell to be free; either way the
    /// yield is polled again when the consumer asks for the next item.
    #[inline]
    fn hand_over(&mut self, value: T, generator_waker: usize, cx: &Context<'_>) -> Poll<Resume> {
        let handoff = &self.yielder.handoff;
        self.state = match handoff.put(value) {
            Ok(()) => YieldState::Suspended,
            // Another yield of this body (in a `join`, or a combinator running
            // several) got there first in this poll: its item goes out now.
            Err(value) => YieldState::Waiting(value),
        };
        // Awaited inside a combinator that re-polls only what was woken: that
        // combinator's waker is woken when the consumer asks for the next item.
        if waker_address(cx.waker()) != generator_waker {
            handoff.park(cx.waker());
        }
        Poll::Pending
    }

    /// The answer to a yield that was waiting when `close()` came: every yield
    /// suspended at that moment is told, and only a yield begun after that counts as
    /// ignoring it.
    fn closed(&self) -> Poll<Resume> {
        let handoff = &self.yielder.handoff;
        if handoff.phase() == Phase::Closing {
            handoff.set_phase(Phase::Told);
        }
        Poll::Ready(Resume::Close)
    }
}

impl<T, M: Mode> Future for Yield<'_, T, M> {
    type Output = Resume;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Resume> {
        let this = &mut *self;
        let handoff = &this.yielder.handoff;
        match std::mem::replace(&mut this.state, YieldState::Done) {
            YieldState::Holding(value) => {
                let generator_waker = this.generator_waker();
                match handoff.phase() {
                    Phase::Running => this.hand_over(value, generator_waker, cx),
                    Phase::Closing => this.closed(),
                    Phase::Told | Phase::Ignored => {
                        handoff.set_phase(Phase::Ignored);
                        Poll::Pending
                    }
                }
            }
            YieldState::Waiting(value) => {
                let generator_waker = this.generator_waker();
                match handoff.phase() {
                    Phase::Running => this.hand_over(value, generator_waker, cx),
                    // Never handed over: dropped, as close() promises.
                    Phase::Closing | Phase::Told | Phase::Ignored => this.closed(),
                }
            }
            YieldState::Suspended if handoff.phase() == Phase::Running => Poll::Ready(Resume::Next),
            YieldState::Suspended => this.closed(),
            YieldState::Done => Poll::Ready(Resume::Next),
        }
    }
}

impl<T, M: Mode> fmt::Debug for Yield<'_, T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            YieldState::Holding(_) => "holding",
            YieldState::Waiting(_) => "waiting",
            YieldState::Suspended => "suspended",
            YieldState::Done => "done",
        };
        f.debug_struct("Yield").field("state", &state).finish()
    }
}
