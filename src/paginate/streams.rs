//! The two streams of a paginator: [`Pages`] and [`Items`].

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_core::stream::FusedStream;

use super::engine::Engine;
use std::collections::VecDeque;

use super::{FetchError, Fetched, PageError, PageErrorKind, PageKey, Position};

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
///
/// ```
/// # futures_lite::future::block_on(async {use aiter::paginate::{Page, Paginator};
/// use futures_lite::StreamExt;
/// // Pages 1 and 2 hold two items each, page 3 is empty.
/// let pages = || Paginator::page_numbers(1, 1, |n: u64| async move {
///     Ok(Page::new(if n <= 2 { vec![n * 10, n * 10 + 1] } else { vec![] }))
/// });
/// let numbers: Vec<u64> = pages().pages().map(|page| page.unwrap().number).collect().await;
/// assert_eq!(numbers, [1, 2, 3]); // the empty page 3 is delivered too, and ends it
/// # });
/// ```
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
    ///
    /// ```
    /// # futures_lite::future::block_on(async {use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    /// // Pages 1 and 2 hold two items each, page 3 is empty.
    /// let pages = || Paginator::page_numbers(1, 1, |n: u64| async move {
    ///     Ok(Page::new(if n <= 2 { vec![n * 10, n * 10 + 1] } else { vec![] }))
    /// });
    /// use aiter::paginate::{PageKey, Position};
    /// let mut pages = pages().max_pages(1).pages();
    /// assert_eq!(pages.next().await.unwrap().unwrap().page.items, [10, 11]);
    /// assert!(pages.next().await.is_none());
    /// assert_eq!(pages.position(), Some(Position::new(PageKey::Page(2), 0)));
    /// # });
    /// ```
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
            .field("items_delivered", &self.engine.delivered)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// An item with the position to resume *after* it.
///
/// ```
/// # futures_lite::future::block_on(async {use aiter::paginate::{Page, Paginator};
/// use futures_lite::StreamExt;
/// // Pages 1 and 2 hold two items each, page 3 is empty.
/// let pages = || Paginator::page_numbers(1, 1, |n: u64| async move {
///     Ok(Page::new(if n <= 2 { vec![n * 10, n * 10 + 1] } else { vec![] }))
/// });
/// let mut items = pages().items();
/// let first = items.next().await.unwrap().unwrap();
/// // Resume after the first item: the rest, nothing twice.
/// let rest: Vec<u64> = pages().resume(first.after).items().map(|i| i.unwrap().item).collect().await;
/// assert_eq!(rest, [11, 20, 21]);
/// # });
/// ```
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
/// before the failing page delivered first; its [`PageError::position`], and
/// [`Items::position`] from then on, say where to go on).
///
/// An entry of a page that could not become an item ([`Page::reject`]) is an
/// error item in its place ([`PageErrorKind::Item`]: its page, index and
/// position), and the stream goes on with the next entry.
///
/// [`Page::reject`]: super::Page::reject
///
/// # Cancellation safety
///
/// `next()` is cancellation safe.
///
/// ```
/// # futures_lite::future::block_on(async {use aiter::paginate::{Page, Paginator};
/// use futures_lite::StreamExt;
/// // Pages 1 and 2 hold two items each, page 3 is empty.
/// let pages = || Paginator::page_numbers(1, 1, |n: u64| async move {
///     Ok(Page::new(if n <= 2 { vec![n * 10, n * 10 + 1] } else { vec![] }))
/// });
/// let mut items = pages().items();
/// let mut all = Vec::new();
/// while let Some(item) = items.next().await {
///     all.push(item?.item);
/// }
/// assert_eq!(all, [10, 11, 20, 21]);
/// # Ok::<(), aiter::paginate::PageError>(()) }).unwrap();
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Items<T> {
    engine: Engine<T>,
    page: std::vec::IntoIter<T>,
    rejected: VecDeque<(u64, FetchError)>,
    key: Option<PageKey>,
    number: u64,
    attempts: u32,
    /// Index in the current page of the next entry.
    index: u64,
    /// Entries in the current page.
    entries: u64,
    /// Where to go after the current page's last entry.
    after_page: Option<Position>,
    delivered: u64,
    done: bool,
}

impl<T> Items<T> {
    pub(crate) fn new(engine: Engine<T>) -> Self {
        Self {
            engine,
            page: Vec::new().into_iter(),
            rejected: VecDeque::new(),
            key: None,
            number: 0,
            attempts: 0,
            index: 0,
            entries: 0,
            after_page: None,
            delivered: 0,
            done: false,
        }
    }

    /// Where to go on from: the first item not delivered, or `None` once the
    /// source is finished. After a [`PageError`], the error's position.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator, Position};
    /// use futures_lite::StreamExt;
    ///
    /// let mut items = Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 2 { vec![n; 3] } else { vec![] }))
    /// })
    /// .max_items(4)
    /// .items();
    /// while items.next().await.is_some() {}
    /// assert_eq!(items.position(), Some(Position::new(PageKey::Page(2), 1)));
    /// # });
    /// ```
    pub fn position(&self) -> Option<Position> {
        match &self.key {
            Some(key) if self.index < self.entries => Some(Position::new(key.clone(), self.index)),
            _ => self.engine.position().or_else(|| {
                // Between pages: the rest of the source starts after the last page.
                self.after_page
                    .clone()
                    .filter(|_| !self.done || self.stopped_early())
            }),
        }
    }

    /// Items delivered so far (error items not counted).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    /// // Pages 1 and 2 hold two items each, page 3 is empty.
    /// let pages = || Paginator::page_numbers(1, 1, |n: u64| async move {
    ///     Ok(Page::new(if n <= 2 { vec![n * 10, n * 10 + 1] } else { vec![] }))
    /// });
    /// let mut items = pages().items();
    /// while items.next().await.is_some() {}
    /// assert_eq!((items.items_delivered(), items.pages_fetched()), (4, 3));
    /// # });
    /// ```
    pub fn items_delivered(&self) -> u64 {
        self.delivered
    }

    /// Pages fetched and handed over so far.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    /// // Pages 1 and 2 hold two items each, page 3 is empty.
    /// let pages = || Paginator::page_numbers(1, 1, |n: u64| async move {
    ///     Ok(Page::new(if n <= 2 { vec![n * 10, n * 10 + 1] } else { vec![] }))
    /// });
    /// let mut items = pages().max_items(1).items();
    /// while items.next().await.is_some() {}
    /// assert_eq!(items.pages_fetched(), 1);
    /// # });
    /// ```
    pub fn pages_fetched(&self) -> u64 {
        self.engine.delivered
    }

    /// The total number of items in the whole result, as the latest page that
    /// said it told ([`Page::with_total_items`](super::Page::with_total_items)):
    /// for a progress bar.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let mut items = Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 2 { vec![n, n] } else { vec![] }).with_total_items(4))
    /// })
    /// .items();
    /// assert_eq!(items.total_items(), None); // nothing fetched yet
    /// items.next().await;
    /// assert_eq!(items.total_items(), Some(4));
    /// # });
    /// ```
    pub fn total_items(&self) -> Option<u64> {
        self.engine.ending.total_items()
    }

    /// The total number of pages, as the latest page that said it told
    /// ([`Page::with_total_pages`](super::Page::with_total_pages)).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let mut items = Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(vec![n]).with_total_pages(3))
    /// })
    /// .items();
    /// items.next().await;
    /// assert_eq!(items.total_pages(), Some(3));
    /// assert_eq!(items.count().await, 2); // pages 2 and 3; no request for page 4
    /// # });
    /// ```
    pub fn total_pages(&self) -> Option<u64> {
        self.engine.ending.total_pages()
    }

    fn stopped_early(&self) -> bool {
        self.engine
            .max_items()
            .is_some_and(|max| self.delivered >= max)
    }

    /// The position after the entry just taken (the one at `self.index - 1`).
    fn after_entry(&self, key: &PageKey) -> Position {
        if self.index >= self.entries {
            if let Some(after) = &self.after_page {
                return after.clone();
            }
        }
        Position::new(key.clone(), self.index)
    }

    /// The next entry of the current page: an item, or a rejected one as an error.
    fn next_entry(&mut self) -> Option<Result<Positioned<T>, PageError>> {
        if self.index >= self.entries {
            return None;
        }
        let key = self.key.clone().expect("a page is being read");
        let rejected = self
            .rejected
            .front()
            .is_some_and(|(at, _)| *at == self.index);
        self.index += 1;
        if rejected {
            let (_, error) = self.rejected.pop_front().expect("checked above");
            let kind = PageErrorKind::Item {
                index: self.index,
                error,
            };
            let position = self.after_entry(&key);
            return Some(Err(PageError::new(
                kind,
                key,
                self.number,
                self.attempts,
                position,
            )));
        }
        let Some(item) = self.page.next() else {
            // Fewer items than entries claimed: nothing more on this page.
            self.index = self.entries;
            return None;
        };
        self.delivered += 1;
        let after = self.after_entry(&key);
        Some(Ok(Positioned { item, after }))
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
            if let Some(entry) = this.next_entry() {
                return Poll::Ready(Some(entry));
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
                    let entries = fetched.page.entries();
                    let (items, rejected) = fetched.page.into_parts();
                    this.page = items.into_iter();
                    this.rejected = rejected;
                    this.index = fetched.skipped;
                    this.entries = fetched.skipped + entries;
                    this.key = Some(fetched.key);
                    this.number = fetched.number;
                    this.attempts = fetched.attempts;
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
            .field("items_delivered", &self.delivered)
            .field("position", &self.position())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

// The names before the 0.1.0 renames, kept for code written against them.
impl<T> Items<T> {
    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed items_delivered")]
    pub fn delivered(&self) -> u64 {
        self.items_delivered()
    }
}
