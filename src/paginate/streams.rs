//! The two streams of a paginator: [`Pages`] and [`Items`].

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_core::stream::FusedStream;

use super::paginator::Engine;
use super::{Fetched, PageError, PageKey, Position};

/// The pages of a [`Paginator`](super::Paginator), in order: made by
/// [`Paginator::pages`](super::Paginator::pages).
///
/// Ends after the last page, after `max_pages`, or after a [`PageError`] (every
/// page before it delivered first).
///
/// # Cancellation safety
///
/// `next()` is cancellation safe: fetches in flight are kept, and a page is
/// removed only when it is returned.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<T> {
    engine: Engine<T>,
    done: bool,
}

impl<T> Pages<T> {
    pub(crate) fn new(engine: Engine<T>) -> Self {
        Self {
            engine,
            done: false,
        }
    }

    /// Where to go on from: the first page not delivered, or `None` once the
    /// source is finished.
    pub fn position(&self) -> Option<Position> {
        self.engine.position()
    }
}

// Nothing in a stream is pinned in place (fetches are boxed), whatever `T` is.
impl<T> Unpin for Pages<T> {}
impl<T> Unpin for Items<T> {}

impl<T: Send + 'static> Stream for Pages<T> {
    type Item = Result<Fetched<T>, PageError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let page = ready!(self.engine.poll_page(cx));
        if matches!(page, None | Some(Err(_))) {
            self.done = true;
        }
        Poll::Ready(page)
    }
}

impl<T: Send + 'static> FusedStream for Pages<T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("delivered", &self.engine.delivered)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// An item with the position to resume *after* it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Positioned<T> {
    /// The item.
    pub item: T,
    /// Where a new paginator resumes to deliver the items after this one.
    pub after: Position,
}

/// The items of a [`Paginator`](super::Paginator), in order, each once, each with
/// the position after it: made by [`Paginator::items`](super::Paginator::items).
///
/// Ends after the last item, after `max_items` or `max_pages` (then
/// [`Items::position`] says where to go on), or after a [`PageError`] (every item
/// before the failing page delivered first; its [`PageError::position`] says where
/// to go on).
///
/// # Cancellation safety
///
/// `next()` is cancellation safe.
#[must_use = "streams do nothing unless polled"]
pub struct Items<T> {
    engine: Engine<T>,
    page: std::vec::IntoIter<T>,
    key: Option<PageKey>,
    /// Index in the current page of the next item.
    index: u64,
    /// Where to go after the current page's last item.
    after_page: Option<Position>,
    delivered: u64,
    done: bool,
}

impl<T> Items<T> {
    pub(crate) fn new(engine: Engine<T>) -> Self {
        Self {
            engine,
            page: Vec::new().into_iter(),
            key: None,
            index: 0,
            after_page: None,
            delivered: 0,
            done: false,
        }
    }

    /// Where to go on from: the first item not delivered, or `None` once the source
    /// is finished. After `max_items` this is what `fetch_all` prints as `next:`.
    pub fn position(&self) -> Option<Position> {
        match &self.key {
            Some(key) if self.page.len() > 0 => Some(Position {
                key: key.clone(),
                skip: self.index,
            }),
            _ => self.engine.position().or_else(|| {
                // Between pages: the rest of the source starts after the last page.
                self.after_page
                    .clone()
                    .filter(|_| !self.done || self.stopped_early())
            }),
        }
    }

    /// Items delivered so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Pages fetched and handed over so far (empty ones included).
    pub fn pages_fetched(&self) -> u64 {
        self.engine.delivered
    }

    fn stopped_early(&self) -> bool {
        self.engine
            .max_items()
            .is_some_and(|max| self.delivered >= max)
    }
}

impl<T: Send + 'static> Stream for Items<T> {
    type Item = Result<Positioned<T>, PageError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if this.stopped_early() {
                this.done = true;
                return Poll::Ready(None);
            }
            if let Some(item) = this.page.next() {
                this.index += 1;
                this.delivered += 1;
                let key = this.key.clone().expect("a page is being read");
                let after = if this.page.len() == 0 {
                    this.after_page.clone().unwrap_or(Position {
                        key,
                        skip: this.index,
                    })
                } else {
                    Position {
                        key,
                        skip: this.index,
                    }
                };
                return Poll::Ready(Some(Ok(Positioned { item, after })));
            }
            match ready!(this.engine.poll_page(cx)) {
                None => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Some(Err(error)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(error)));
                }
                Some(Ok(fetched)) => {
                    let skip = std::mem::take(&mut this.engine.skip);
                    let mut items = fetched.page.items.into_iter();
                    let skipped = usize::try_from(skip).unwrap_or(usize::MAX).min(items.len());
                    if skipped > 0 {
                        items.nth(skipped - 1);
                    }
                    this.page = items;
                    this.index = skipped as u64;
                    this.key = Some(fetched.key);
                    this.after_page = Some(fetched.next_position);
                }
            }
        }
    }
}

impl<T: Send + 'static> FusedStream for Items<T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T> fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("delivered", &self.delivered)
            .field("position", &self.position())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
