//! The consumer's side of a generator: the [`Generator`] stream and [`Close`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::FusedStream;
use futures_lite::Stream;

use super::handoff::{GeneratorId, Handoff, Mode, Phase, PollingGuard, Shared, next_id};
use super::yielder::Yielder;

/// What a generator body may return: `()` for [`generate`](fn@crate::generate), or
/// `Result<(), E>` for [`try_generate`](crate::try_generate), whose `Err` becomes the
/// last item. Sealed.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// // `()` ends a generate body; `Result<(), E>` ends a try_generate body, an `Err` as the last item.
/// let plain = aiter::generate(|y| async move { let _ = y.yield_(1).await; });
/// let fallible = aiter::try_generate(|y| async move { let _ = y.yield_ok(1).await; Err("stop") });
/// assert_eq!(plain.collect::<Vec<_>>().await, [1]);
/// assert_eq!(fallible.collect::<Vec<_>>().await, [Ok(1), Err("stop")]);
/// # });
/// ```
pub trait Completion<T>: sealed::Sealed {
    #[doc(hidden)]
    fn into_last_item(self) -> Option<T>;
}

impl<T> Completion<T> for () {
    fn into_last_item(self) -> Option<T> {
        None
    }
}

impl<T, E> Completion<Result<T, E>> for Result<(), E> {
    fn into_last_item(self) -> Option<Result<T, E>> {
        self.err().map(Err)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for () {}
    impl<E> Sealed for Result<(), E> {}
}

/// An async generator: a [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html) whose items a body yields, like a JavaScript
/// `async function*`. Made by [`generate`](fn@crate::generate),
/// [`try_generate`](crate::try_generate) and their `_local` twins.
///
/// - The body runs only while the stream is polled, one step per item: nothing is
///   computed ahead and nothing is buffered (at most one item is in flight).
/// - After the last item, `poll_next` returns `None`, and keeps doing so.
/// - Dropping the generator drops the body where it is suspended, which runs its
///   synchronous `Drop` cleanup (JavaScript's `finally` without `await`).
/// - [`close`](Generator::close) also runs its *async* cleanup (JavaScript's
///   `return()`).
///
/// `Generator` is `Unpin` (the body lives in one allocation), so `.next().await`
/// works without pinning. It is `Send` in [`Shared`] mode when the body and `T` are.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// let mut countdown = aiter::generate(|y| async move {
///     for i in (1..=3).rev() {
///         if y.yield_(i).await.is_close() {
///             break;
///         }
///     }
/// });
/// while let Some(i) = countdown.next().await {
///     println!("{i}");
/// }
/// assert_eq!(countdown.next().await, None);
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Generator<T, F: Future, M: Mode = Shared> {
    handoff: M::Handoff<T>,
    id: GeneratorId,
    body: Option<Pin<Box<F>>>,
    /// The body's final item, held back when it finished in the same poll that
    /// yielded (possible with `race`), so that item goes out first.
    last: Option<T>,
}

// No field is ever pinned in place: the body is pinned in its own box.
impl<T, F: Future, M: Mode> Unpin for Generator<T, F, M> {}

impl<T, F: Future, M: Mode> Generator<T, F, M> {
    pub(crate) fn from_body(body: impl FnOnce(Yielder<T, M>) -> F) -> Self {
        let handoff = M::Handoff::<T>::new();
        let id = next_id();
        let body = body(Yielder::new(handoff.clone(), id));
        Generator {
            handoff,
            id,
            body: Some(Box::pin(body)),
            last: None,
        }
    }

    /// Ends the generator like JavaScript's `iterator.return()`, running the body's
    /// async cleanup to completion.
    ///
    /// The body is resumed where it is suspended. At its next yield (the one it is
    /// suspended at, or the next it reaches) it gets
    /// [`Resume::Close`](super::Resume::Close) and should leave its loop; everything
    /// after that, `await`s included, runs to the end of the body. What it yields from then on is not delivered. A body that ignores
    /// `Resume::Close` and yields again is dropped at that yield, as if the
    /// generator had been dropped, so `close` always ends.
    ///
    /// Returns `Some(output)` with what the body returned when it ran to its end
    /// (for [`try_generate`](crate::try_generate), a cleanup error shows up here),
    /// and `None` when it had already finished or was dropped. Afterwards the
    /// stream yields `None`.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// use std::sync::{Arc, Mutex};
    ///
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let body_log = log.clone();
    /// let mut lines = aiter::generate(|y| async move {
    ///     let mut n = 0;
    ///     while !y.yield_(n).await.is_close() {
    ///         n += 1;
    ///     }
    ///     // Async cleanup: flush, close a connection, ... Runs on close().
    ///     futures_lite::future::yield_now().await;
    ///     body_log.lock().unwrap().push("flushed");
    /// });
    /// assert_eq!(lines.next().await, Some(0));
    /// assert_eq!(lines.close().await, Some(()));
    /// assert_eq!(*log.lock().unwrap(), ["flushed"]);
    /// assert_eq!(lines.next().await, None);
    /// # });
    /// ```
    ///
    /// # Cancellation safety
    ///
    /// Dropping the `Close` future before it completes (say, raced against a
    /// timeout) leaves the generator closed but not cleaned up. From then on, any
    /// sequence of calls yields, ends or wakes, never sleeps forever:
    ///
    /// - the next `close` goes on with the cleanup where this one stopped;
    /// - `next()` also drives the cleanup on, and delivers no item: it is `Pending`
    ///   while the cleanup awaits (woken by what it awaits), then `None` once the
    ///   body returns, or at once if the body ignores `Resume::Close` and yields
    ///   again (the body is dropped at that yield);
    /// - dropping the generator drops the body (synchronous cleanup only).
    pub fn close(&mut self) -> Close<'_, T, F, M> {
        // A second close (after a cancelled one) keeps the phase it reached.
        if self.body.is_some() && self.handoff.phase() == Phase::Running {
            self.handoff.set_phase(Phase::Closing);
        }
        self.last = None;
        Close { generator: self }
    }

    /// `true` once the body has finished, been dropped or closed: the stream
    /// yields no more items.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut one = aiter::generate(|y| async move { let _ = y.yield_(1).await; });
    /// assert!(!one.is_finished());
    /// assert_eq!(one.next().await, Some(1));
    /// assert_eq!(one.next().await, None);
    /// assert!(one.is_finished());
    /// # });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.body.is_none() && self.last.is_none()
    }

    /// Polls the body once under this generator's id and takes what it yielded.
    #[inline]
    fn step(&mut self, cx: &mut Context<'_>) -> (Option<T>, Poll<Option<F::Output>>) {
        let Some(body) = self.body.as_mut() else {
            return (None, Poll::Ready(None));
        };
        // The consumer asks for more: yields parked inside combinators may go on.
        self.handoff.wake_parked();
        let polled = {
            let _polling = PollingGuard::enter(self.id, cx.waker());
            body.as_mut().poll(cx)
        };
        let item = self.handoff.take();
        match polled {
            Poll::Ready(output) => {
                self.body = None;
                (item, Poll::Ready(Some(output)))
            }
            Poll::Pending => (item, Poll::Pending),
        }
    }
}

impl<T, F, M> Stream for Generator<T, F, M>
where
    F: Future,
    F::Output: Completion<T>,
    M: Mode,
{
    type Item = T;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.body.is_none() {
            // `last` is only ever set as the body finishes.
            return Poll::Ready(this.last.take());
        }
        match this.step(cx) {
            // After a close (even one given up part-way) a yield hands over nothing,
            // so an item here was yielded while running.
            (Some(item), Poll::Pending) => Poll::Ready(Some(item)),
            // The body ignored `Resume::Close` and yielded again: it is dropped at
            // that yield, as `close` would, instead of sleeping with no waker.
            (None, Poll::Pending) if this.handoff.phase() == Phase::Ignored => {
                this.body = None;
                Poll::Ready(None)
            }
            (None, Poll::Pending) => Poll::Pending,
            (item, Poll::Ready(output)) => {
                let last = output.and_then(Completion::into_last_item);
                match item {
                    Some(item) => {
                        this.last = last;
                        Poll::Ready(Some(item))
                    }
                    None => Poll::Ready(last),
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // `last` is only ever held once the body has finished.
        let held = usize::from(self.last.is_some());
        (held, self.body.is_none().then_some(held))
    }
}

impl<T, F, M> FusedStream for Generator<T, F, M>
where
    F: Future,
    F::Output: Completion<T>,
    M: Mode,
{
    fn is_terminated(&self) -> bool {
        self.is_finished()
    }
}

impl<T, F: Future, M: Mode> fmt::Debug for Generator<T, F, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match (&self.body, self.handoff.phase()) {
            (None, _) => "finished",
            (Some(_), Phase::Running) => "running",
            (Some(_), _) => "closing",
        };
        f.debug_struct("Generator")
            .field("id", &self.id)
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

/// The future of [`Generator::close`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// let mut g = aiter::generate(|y| async move { for i in 0.. { if y.yield_(i).await.is_close() { break; } } });
/// assert_eq!(g.next().await, Some(0));
/// let close = g.close(); // the Close future: awaits the body's cleanup
/// assert_eq!(close.await, Some(()));
/// # });
/// ```
#[must_use = "close does nothing unless awaited"]
pub struct Close<'a, T, F: Future, M: Mode = Shared> {
    generator: &'a mut Generator<T, F, M>,
}

impl<T, F: Future, M: Mode> Future for Close<'_, T, F, M> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        let generator = &mut *self.get_mut().generator;
        // Whatever the body yields while closing is dropped, never delivered.
        match generator.step(cx) {
            (_, Poll::Ready(output)) => Poll::Ready(output),
            (_, Poll::Pending) if generator.handoff.phase() == Phase::Ignored => {
                generator.body = None;
                Poll::Ready(None)
            }
            (_, Poll::Pending) => Poll::Pending,
        }
    }
}

impl<T, F: Future, M: Mode> fmt::Debug for Close<'_, T, F, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Close")
            .field("generator", &self.generator)
            .finish()
    }
}
