//! How a yielded value travels from the body to the generator, without `unsafe`.
//!
//! The generator and its [`Yielder`](super::Yielder) share one small cell. The body
//! puts a value in it and suspends; the generator takes it out right after the poll.
//! Two cells exist: [`Shared`] (an `Arc` and a one-bit try-lock, so the generator is
//! `Send`) and [`Local`] (an `Rc` and a `Cell`, no atomics, so it is faster but
//! `!Send`). Which one a generator uses is its *mode*, a type parameter.
//!
//! A thread-local holds the id of the generator whose body is being polled right now.
//! A yield checks it, so a `Yielder` that was moved out of its body panics with a
//! clear message instead of handing a value to nobody.
//!
//! A yield awaited straight down the body's chain of `.await`s sees the very waker
//! the generator was polled with, and the generator polls the body again whenever
//! the consumer asks for the next item. A yield awaited inside a combinator that
//! polls only the futures it was woken for (`FuturesUnordered`, aiter's
//! `for_each_concurrent`) sees that combinator's waker instead: it *parks* it in
//! the cell, and the generator wakes every parked waker before it polls the body
//! again. Which case applies is told by the waker's address, kept next to the id.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::task::Waker;

use try_lock::TryLock;

/// Where a generator stands with respect to `close()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Items flow as usual.
    Running = 0,
    /// `close()` was called; the body has not yet been told.
    Closing = 1,
    /// The body got [`Resume::Close`](super::Resume::Close) from a yield.
    Told = 2,
    /// The body yielded again after it was told: it is dropped there.
    Ignored = 3,
}

impl Phase {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => Phase::Running,
            1 => Phase::Closing,
            2 => Phase::Told,
            _ => Phase::Ignored,
        }
    }
}

/// The cell shared by a generator and its yielder. Sealed: implemented here only.
pub trait Handoff<T>: Clone + sealed::Sealed {
    #[doc(hidden)]
    fn new() -> Self;
    /// Stores `value` unless the cell already holds one; then gives it back.
    #[doc(hidden)]
    fn put(&self, value: T) -> Result<(), T>;
    #[doc(hidden)]
    fn take(&self) -> Option<T>;
    #[doc(hidden)]
    fn phase(&self) -> Phase;
    #[doc(hidden)]
    fn set_phase(&self, phase: Phase);
    /// Keeps `waker` to be woken when the consumer asks for the next item.
    #[doc(hidden)]
    fn park(&self, waker: &Waker);
    /// Wakes (and forgets) every parked waker.
    #[doc(hidden)]
    fn wake_parked(&self);
}

/// A generator mode: which cell carries items from the body to the stream. Sealed.
///
/// The two modes are [`Shared`] (the default) and [`Local`].
///
/// ```
/// use aiter::generate::{Generator, Local, Shared};
/// fn assert_send<S: Send>(_: &S) {}
/// let shared = aiter::generate(|y| async move { let _ = y.yield_(1).await; }); // Shared: Send
/// assert_send(&shared);
/// let local = aiter::generate_local(|y| async move { let _ = y.yield_(1).await; }); // Local: not Send
/// # drop(local);
/// ```
pub trait Mode: sealed::Sealed + 'static {
    #[doc(hidden)]
    type Handoff<T>: Handoff<T>;
}

/// The default mode: the generator is `Send` (and its [`Yielder`](super::Yielder)
/// `Send + Sync`) whenever the body and the items are, so it runs on multi-threaded
/// executors.
///
/// ```
/// use aiter::generate::{Generator, Shared};
/// fn assert_send<S: Send>(_: &S) {}
/// let numbers = aiter::generate(|y| async move { let _ = y.yield_(1u8).await; });
/// assert_send(&numbers);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Shared;

/// The local mode: no atomics on the item path, measurably faster, and `!Send`.
/// For single-threaded executors such as `async_executor::LocalExecutor` or
/// `futures_lite::future::block_on`.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// let squares = aiter::generate_local(|y| async move {
///     for i in 1..=3u32 {
///         if y.yield_(i * i).await.is_close() {
///             break;
///         }
///     }
/// });
/// assert_eq!(squares.collect::<Vec<_>>().await, [1, 4, 9]);
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Local;

impl Mode for Shared {
    type Handoff<T> = SharedHandoff<T>;
}

impl Mode for Local {
    type Handoff<T> = LocalHandoff<T>;
}

/// The cell of [`Shared`] generators: one item behind a one-bit try-lock.
///
/// The lock is never contended: a yield only touches the cell from inside its own
/// generator's poll, on the polling thread (checked by [`PollingGuard`]).
pub struct SharedHandoff<T>(Arc<SharedCell<T>>);

impl<T> std::fmt::Debug for SharedHandoff<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedHandoff")
            .field("phase", &self.phase())
            .finish_non_exhaustive()
    }
}

struct SharedCell<T> {
    item: TryLock<Option<T>>,
    phase: AtomicU8,
    /// Set while `parked` holds a waker, so the item path reads one flag only.
    has_parked: AtomicBool,
    parked: TryLock<Vec<Waker>>,
}

impl<T> Clone for SharedHandoff<T> {
    fn clone(&self) -> Self {
        SharedHandoff(Arc::clone(&self.0))
    }
}

impl<T> Handoff<T> for SharedHandoff<T> {
    fn new() -> Self {
        SharedHandoff(Arc::new(SharedCell {
            item: TryLock::new(None),
            phase: AtomicU8::new(Phase::Running as u8),
            has_parked: AtomicBool::new(false),
            parked: TryLock::new(Vec::new()),
        }))
    }

    #[inline]
    fn put(&self, value: T) -> Result<(), T> {
        match self.0.item.try_lock() {
            Some(mut item) if item.is_none() => {
                *item = Some(value);
                Ok(())
            }
            _ => Err(value),
        }
    }

    #[inline]
    fn take(&self) -> Option<T> {
        self.0.item.try_lock().and_then(|mut item| item.take())
    }

    #[inline]
    fn phase(&self) -> Phase {
        Phase::from_u8(self.0.phase.load(Ordering::Relaxed))
    }

    fn set_phase(&self, phase: Phase) {
        self.0.phase.store(phase as u8, Ordering::Relaxed);
    }

    fn park(&self, waker: &Waker) {
        // Never contended: parking and waking both happen inside this generator's
        // own poll, on the polling thread.
        if let Some(mut parked) = self.0.parked.try_lock() {
            parked.push(waker.clone());
            self.0.has_parked.store(true, Ordering::Relaxed);
        }
    }

    #[inline]
    fn wake_parked(&self) {
        if self.0.has_parked.load(Ordering::Relaxed) {
            let parked = self
                .0
                .parked
                .try_lock()
                .map(|mut parked| std::mem::take(&mut *parked));
            self.0.has_parked.store(false, Ordering::Relaxed);
            parked.into_iter().flatten().for_each(Waker::wake);
        }
    }
}

/// The cell of [`Local`] generators: a plain `Cell` behind an `Rc`.
pub struct LocalHandoff<T>(Rc<LocalCell<T>>);

impl<T> std::fmt::Debug for LocalHandoff<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalHandoff")
            .field("phase", &self.0.phase.get())
            .finish_non_exhaustive()
    }
}

struct LocalCell<T> {
    item: Cell<Option<T>>,
    phase: Cell<Phase>,
    parked: Cell<Vec<Waker>>,
}

impl<T> Clone for LocalHandoff<T> {
    fn clone(&self) -> Self {
        LocalHandoff(Rc::clone(&self.0))
    }
}

impl<T> Handoff<T> for LocalHandoff<T> {
    fn new() -> Self {
        LocalHandoff(Rc::new(LocalCell {
            item: Cell::new(None),
            phase: Cell::new(Phase::Running),
            parked: Cell::new(Vec::new()),
        }))
    }

    #[inline]
    fn put(&self, value: T) -> Result<(), T> {
        match self.0.item.take() {
            None => {
                self.0.item.set(Some(value));
                Ok(())
            }
            held => {
                self.0.item.set(held);
                Err(value)
            }
        }
    }

    #[inline]
    fn take(&self) -> Option<T> {
        self.0.item.take()
    }

    #[inline]
    fn phase(&self) -> Phase {
        self.0.phase.get()
    }

    fn set_phase(&self, phase: Phase) {
        self.0.phase.set(phase);
    }

    fn park(&self, waker: &Waker) {
        let mut parked = self.0.parked.take();
        parked.push(waker.clone());
        self.0.parked.set(parked);
    }

    #[inline]
    fn wake_parked(&self) {
        let parked = self.0.parked.take();
        if !parked.is_empty() {
            parked.into_iter().for_each(Waker::wake);
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Shared {}
    impl Sealed for super::Local {}
    impl<T> Sealed for super::SharedHandoff<T> {}
    impl<T> Sealed for super::LocalHandoff<T> {}
}

/// A generator's identity, so a yield can tell whether it runs inside its own body.
pub(crate) type GeneratorId = u64;

/// Ids start at 1: 0 means "no generator body is being polled on this thread".
pub(crate) fn next_id() -> GeneratorId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The address of a waker: equal addresses while both are borrowed mean the same
/// waker, passed down unchanged. Only compared, never turned back into a pointer.
#[inline]
pub(crate) fn waker_address(waker: &Waker) -> usize {
    std::ptr::from_ref(waker).addr()
}

thread_local! {
    /// The generator whose body is being polled, and the address of its waker.
    static POLLING: Cell<(GeneratorId, usize)> = const { Cell::new((0, 0)) };
}

/// Marks generator `id` as the one being polled on this thread, with `waker`, until
/// dropped.
///
/// Guards nest (a body that polls another generator), and the previous id comes back
/// on drop, unwinding included.
pub(crate) struct PollingGuard {
    previous: (GeneratorId, usize),
}

impl PollingGuard {
    #[inline]
    pub(crate) fn enter(id: GeneratorId, waker: &Waker) -> Self {
        PollingGuard {
            previous: POLLING.replace((id, waker_address(waker))),
        }
    }
}

impl Drop for PollingGuard {
    #[inline]
    fn drop(&mut self) {
        POLLING.set(self.previous);
    }
}

/// The address of the waker generator `id` was polled with, if its body is being
/// polled on this thread right now.
#[inline]
pub(crate) fn polling_waker(id: GeneratorId) -> Option<usize> {
    let (polling, waker) = POLLING.get();
    (polling == id).then_some(waker)
}
