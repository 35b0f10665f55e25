//! [`Paginator`]: the settings of a paginated source, and how to read it. The
//! pagination styles that make one are in `styles.rs`; the engine that fetches
//! its pages is in `engine.rs`.

use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::engine::Engine;
use super::fingerprint::Fingerprinter;
use super::{FetchError, Page, PageKey, Position, RateBudget, RetryPolicy};

pub(super) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
pub(super) type FetchFn<T> =
    Arc<dyn Fn(PageKey) -> BoxFuture<Result<Page<T>, FetchError>> + Send + Sync>;

/// How the pages follow each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Chain {
    /// Page numbers or offsets: every key is known in advance.
    Numbered { step: u64 },
    /// Cursors or URLs: each page names the next.
    Linked,
}

/// A paginated source: the settings, then [`Paginator::pages`] or
/// [`Paginator::items`] to read it. See the [module docs](super).
///
/// ```
/// # futures_lite::future::block_on(async {use aiter::paginate::{Page, Paginator};
/// use futures_lite::StreamExt;
/// // Pages 1 and 2 hold two items each, page 3 is empty.
/// let pages = || Paginator::page_numbers(1, 1, |n: u64| async move {
///     Ok(Page::new(if n <= 2 { vec![n * 10, n * 10 + 1] } else { vec![] }))
/// });
/// let first_three: Vec<u64> = pages().prefetch(2).max_items(3).items().map(|i| i.unwrap().item).collect().await;
/// assert_eq!(first_three, [10, 11, 20]);
/// # });
/// ```
#[must_use = "a paginator does nothing until read with pages() or items()"]
pub struct Paginator<T> {
    pub(super) fetch: FetchFn<T>,
    pub(super) chain: Chain,
    pub(super) start: PageKey,
    /// The style's first key, kept when resuming: "no such page" on it is an error.
    pub(super) first: PageKey,
    pub(super) skip: u64,
    pub(super) prefetch: usize,
    pub(super) retry: RetryPolicy,
    pub(super) timeout: Option<Duration>,
    pub(super) rate: Option<RateBudget>,
    pub(super) max_pages: Option<u64>,
    pub(super) max_items: Option<u64>,
    pub(super) short_page: bool,
    pub(super) end_statuses: Vec<u16>,
    pub(super) repeat_ends: bool,
    pub(super) loops_to: Option<String>,
    pub(super) fingerprint_items: Option<fn(&Fingerprinter, &[T]) -> u128>,
    pub(super) repeat_hint: Option<String>,
}

impl<T> Paginator<T> {
    /// Sets how many pages may be in flight or fetched ahead of the consumer (at
    /// least 1; default 1). When a page is handed over, the fetch it makes room for
    /// starts first, so pages load while the consumer works. Numbered styles fetch up
    /// to `k` pages concurrently in a sliding window and deliver them in order, at
    /// most `k` held; after the last page, at most `k` requests are wasted. Cursor
    /// and URL styles fetch one page at a time (each names the next) and read it
    /// ahead while the consumer works on the current one.
    ///
    /// "Starts" means the fetch's future is polled once. An HTTP client that runs
    /// requests on its own threads (isahc does) makes progress from then on; a fetch
    /// that only progresses when polled goes on when the stream is next polled.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// let items: Vec<u64> = pages().prefetch(2).items().map(|i| i.unwrap().item).collect().await;
    /// assert_eq!(items, [1, 2, 3]); // the same items, fetched two ahead
    /// # });
    /// ```
    pub fn prefetch(mut self, k: usize) -> Self {
        self.prefetch = k.max(1);
        self
    }

    /// Sets the retry policy for transient failures (default
    /// [`RetryPolicy::default`]: 6 attempts). Retries happen in place, on the
    /// failing page, before any of its items is delivered.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// use aiter::paginate::RetryPolicy;
    /// let items = pages().retry(RetryPolicy::default().attempts(3)).items();
    /// assert_eq!(items.count().await, 3);
    /// # });
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets the time one attempt may take before it counts as a transient failure
    /// (default 30 s; `None` for no limit). Takes a `Duration` or an `Option`.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// use std::time::Duration;
    /// let items = pages().timeout(Duration::from_secs(5)).items();
    /// assert_eq!(items.count().await, 3);
    /// let unlimited = pages().timeout(None).items(); // no limit
    /// assert_eq!(unlimited.count().await, 3);
    /// # });
    /// ```
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// Makes every attempt wait for its turn in `budget`, which others may share
    /// (off by default; `None` turns it off again).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// use aiter::paginate::RateBudget;
    /// let budget = RateBudget::per_second(1_000.0); // shared by every clone
    /// let items = pages().rate(budget.clone()).items();
    /// assert_eq!(items.count().await, 3);
    /// # });
    /// ```
    pub fn rate(mut self, budget: impl Into<Option<RateBudget>>) -> Self {
        self.rate = budget.into();
        self
    }

    /// Stops after this many pages; the stream's `position()` then says where to
    /// go on. No cap by default; `None` removes one set before.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// let mut items = pages().max_pages(2).items();
    /// assert_eq!((&mut items).count().await, 2);
    /// assert!(items.position().is_some()); // where to go on
    /// let all = pages().max_pages(2).max_pages(None).items(); // the cap removed
    /// assert_eq!(all.count().await, 3);
    /// # });
    /// ```
    pub fn max_pages(mut self, pages: impl Into<Option<u64>>) -> Self {
        self.max_pages = pages.into();
        self
    }

    /// Stops after this many items (with [`Paginator::items`]); the stream's
    /// `position()` then says where to go on. No cap by default; `None` removes
    /// one set before.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// let mut items = pages().max_items(1).items();
    /// assert_eq!((&mut items).count().await, 1);
    /// let next = items.position().unwrap();
    /// let rest: Vec<u64> = pages().resume(next).items().map(|i| i.unwrap().item).collect().await;
    /// assert_eq!(rest, [2, 3]);
    /// # });
    /// ```
    pub fn max_items(mut self, items: impl Into<Option<u64>>) -> Self {
        self.max_items = items.into();
        self
    }

    /// For numbered styles: a page with fewer entries than the fullest page so far
    /// is the last (saves the request for the empty page). The fullest page, not
    /// the limit asked for, is the measure, so an API that caps its page size
    /// (asked for 100, serves 50) loses nothing. Off by default.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Pages of 2, 2 and 1 items; the short third page is the last.
    /// let pages = Paginator::page_numbers(1, 1, |n| async move {
    ///     assert!(n <= 3, "asked for page {n}");
    ///     Ok(Page::new(match n { 1 | 2 => vec![n, n], _ => vec![n] }))
    /// });
    /// let items = pages.stop_on_short_page(true).items();
    /// assert_eq!(items.count().await, 5);
    /// # });
    /// ```
    pub fn stop_on_short_page(mut self, on: bool) -> Self {
        self.short_page = on;
        self
    }

    /// Sets the statuses that mean "no such page" for page-number and offset
    /// styles: such a status on any page after the style's first ends the run
    /// cleanly, after every item before it (Django REST framework answers 404 past
    /// the last page, WordPress 400). Default: 404. An empty list turns it off.
    /// The first page failing that way is still an error.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{FetchError, Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Two pages, then "400 Bad Request" as WordPress answers past the end.
    /// let pages = || Paginator::page_numbers(1, 1, |n| async move {
    ///     if n > 2 { return Err(FetchError::permanent("rest_post_invalid_page_number").with_status(400)); }
    ///     Ok(Page::new(vec![n]))
    /// });
    /// let items: Vec<_> = pages().end_statuses([400, 404]).items().collect().await;
    /// assert!(items.iter().all(Result::is_ok) && items.len() == 2);
    /// let items: Vec<_> = pages().end_statuses([]).items().collect().await;
    /// assert!(items.last().unwrap().is_err()); // turned off: an error
    /// # });
    /// ```
    pub fn end_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.end_statuses = statuses.into_iter().collect();
        self
    }

    /// For cursor, URL and keyset styles: a page whose next is the very cursor it
    /// was fetched with is the last (AWS CloudWatch Logs' `GetLogEvents` says "no
    /// more" that way), instead of a loop error. Any other cursor seen before is
    /// still a loop. Off by default.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let items = Paginator::cursors(|cursor: Option<String>| async move {
    ///     Ok(match cursor.as_deref() {
    ///         None => Page::with_next(vec![1], Some("t2".into())),
    ///         _ => Page::with_next(vec![2], Some("t2".into())), // the same token again
    ///     })
    /// });
    /// let all: Vec<_> = items.end_on_repeated_cursor(true).items().collect().await;
    /// assert!(all.iter().all(Result::is_ok) && all.len() == 2);
    /// # });
    /// ```
    pub fn end_on_repeated_cursor(mut self, on: bool) -> Self {
        self.repeat_ends = on;
        self
    }

    /// Starts from a position a previous run gave (an error's, or the one after
    /// `max_items`): its page is fetched and the entries delivered before are left
    /// out, by [`Paginator::items`] and [`Paginator::pages`] alike. A loop error's
    /// position also names where the loop went back to: the resumed run counts it
    /// as seen, so it reports the loop again rather than going round it.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// use aiter::paginate::Position;
    /// let after_first = Position::new(PageKey::Page(2), 0);
    /// let rest: Vec<u64> = pages().resume(after_first).items().map(|i| i.unwrap().item).collect().await;
    /// assert_eq!(rest, [2, 3]);
    /// # });
    /// ```
    pub fn resume(mut self, position: Position) -> Self {
        self.start = position.key;
        self.skip = position.skip;
        self.loops_to = position.loops_to;
        self
    }

    /// Takes two non-empty pages in a row with equal items (by their `Hash`) for
    /// a loop: [`PageErrorKind::RepeatedPage`](super::PageErrorKind::RepeatedPage). An API that ignores the page
    /// parameter (sent under a name it does not know) returns the same page for
    /// every number and would be paged forever. A fetch function may instead set
    /// [`Page::with_fingerprint`] itself; [`JsonApi`](../http/struct.JsonApi.html)
    /// always does, from the items' bytes.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // An API that ignores the page number: the same page every time.
    /// let mut items = Paginator::page_numbers(1, 1, |_| async { Ok(Page::new(vec![1, 2])) })
    ///     .detect_repeats()
    ///     .items();
    /// assert_eq!(items.next().await.unwrap().unwrap().item, 1);
    /// assert_eq!(items.next().await.unwrap().unwrap().item, 2);
    /// let error = items.next().await.unwrap().unwrap_err();
    /// assert!(error.to_string().contains("same entries as page 1"), "{error}");
    /// assert!(items.next().await.is_none());
    /// # });
    /// ```
    pub fn detect_repeats(mut self) -> Self
    where
        T: Hash,
    {
        self.fingerprint_items = Some(|prints, items| {
            let hashed: Vec<[u8; 16]> = items
                .iter()
                .map(|item| prints.of_item(item).to_le_bytes())
                .collect();
            prints.of_parts(hashed.iter().map(<[u8; 16]>::as_slice))
        });
        self
    }

    /// What a repeated page's error tells the user to check.
    // Only `JsonApi` (feature `http`) knows what to tell.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn repeat_hint(mut self, hint: String) -> Self {
        self.repeat_hint = Some(hint);
        self
    }

    /// The pages, in order, each with its key, number and the position after it.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// let mut numbers = Vec::new();
    /// let mut all = pages().pages();
    /// while let Some(page) = all.next().await {
    ///     numbers.push(page.unwrap().number);
    /// }
    /// assert_eq!(numbers, [1, 2, 3, 4]); // page 4, empty, is the one that ended it
    /// # });
    /// ```
    pub fn pages(self) -> super::Pages<T> {
        super::Pages::new(Engine::new(self))
    }

    /// The items, in order, each with the position to resume *after* it.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |n| async move {
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// let items: Vec<u64> = pages().items().map(|i| i.unwrap().item).collect().await;
    /// assert_eq!(items, [1, 2, 3]);
    /// # });
    /// ```
    pub fn items(self) -> super::Items<T> {
        super::Items::new(Engine::new(self))
    }
}

impl<T> fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("start", &self.start)
            .field("first", &self.first)
            .field("skip", &self.skip)
            .field("prefetch", &self.prefetch)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("max_pages", &self.max_pages)
            .field("max_items", &self.max_items)
            .field("stop_on_short_page", &self.short_page)
            .field("end_statuses", &self.end_statuses)
            .field("end_on_repeated_cursor", &self.repeat_ends)
            .finish_non_exhaustive()
    }
}
