//! [`Paginator`]: the settings, and the engine that fetches pages in a window.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::fingerprint::Fingerprinter;
use super::{
    FetchError, Fetched, Page, PageError, PageErrorKind, PageKey, Position, RateBudget, RetryPolicy,
};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type FetchFn<T> = Arc<dyn Fn(PageKey) -> BoxFuture<Result<Page<T>, FetchError>> + Send + Sync>;

/// How the pages follow each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chain {
    /// Page numbers or offsets: every key is known in advance.
    Numbered { step: u64 },
    /// Cursors or URLs: each page names the next.
    Linked,
}

/// A paginated source: the settings, then [`Paginator::pages`] or
/// [`Paginator::items`] to read it. See the [module docs](super).
#[must_use = "a paginator does nothing until read with pages() or items()"]
pub struct Paginator<T> {
    fetch: FetchFn<T>,
    chain: Chain,
    start: PageKey,
    skip: u64,
    prefetch: usize,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    rate: Option<RateBudget>,
    max_pages: Option<u64>,
    max_items: Option<u64>,
    short_page: Option<usize>,
    loops_to: Option<String>,
    fingerprint_items: Option<fn(&Fingerprinter, &[T]) -> u128>,
    repeat_hint: Option<String>,
}

impl<T: Send + 'static> Paginator<T> {
    fn new<F, Fut>(chain: Chain, start: PageKey, fetch: F) -> Self
    where
        F: Fn(PageKey) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self {
            fetch: Arc::new(move |key| Box::pin(fetch(key))),
            chain,
            start,
            skip: 0,
            prefetch: 1,
            retry: RetryPolicy::default(),
            timeout: Some(Duration::from_secs(30)),
            rate: None,
            max_pages: None,
            max_items: None,
            short_page: None,
            loops_to: None,
            fingerprint_items: None,
            repeat_hint: None,
        }
    }

    /// Page numbers `start`, `start + step`, ...; JavaScript's
    /// `for (let page = 1; ; page++) { const items = await fetch(...) }`. Ends at
    /// the first empty page (or short one, see [`Paginator::stop_on_short_page`]).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let items = Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
    ///     // Pages 1 to 3 hold two items each; page 4 is empty.
    ///     Ok(Page::new(if n <= 3 { vec![n * 10, n * 10 + 1] } else { vec![] }))
    /// });
    /// let all: Vec<u64> = items.items().map(|item| item.unwrap().item).collect().await;
    /// assert_eq!(all, [10, 11, 20, 21, 30, 31]);
    /// # });
    /// ```
    pub fn page_numbers<F, Fut>(start: u64, step: u64, fetch: F) -> Self
    where
        F: Fn(PageKey) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self::new(
            Chain::Numbered { step: step.max(1) },
            PageKey::Page(start),
            fetch,
        )
    }

    /// Offsets `start`, `start + limit`, ...: offset/limit pagination. Ends at the
    /// first empty page (or short one, see [`Paginator::stop_on_short_page`]).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let rows: Vec<u64> = (0..25).collect();
    /// let items = Paginator::offsets(0, 10, move |key| {
    ///     let PageKey::Offset(offset) = key else { unreachable!() };
    ///     let page: Vec<u64> = rows.iter().copied().skip(offset as usize).take(10).collect();
    ///     async move { Ok(Page::new(page)) }
    /// });
    /// assert_eq!(items.items().count().await, 25);
    /// # });
    /// ```
    pub fn offsets<F, Fut>(start: u64, limit: u64, fetch: F) -> Self
    where
        F: Fn(PageKey) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self::new(
            Chain::Numbered { step: limit.max(1) },
            PageKey::Offset(start),
            fetch,
        )
    }

    /// Cursor tokens: the first page is asked with `Cursor(None)`, each next one
    /// with the cursor the previous page returned in [`Page::next`]. Ends when a
    /// page has no next cursor; empty pages in the middle are passed over.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let items = Paginator::cursors(|key| async move {
    ///     Ok(match key {
    ///         PageKey::Cursor(None) => Page::with_next(vec!["a"], Some("c2".into())),
    ///         PageKey::Cursor(Some(c)) if c == "c2" => Page::with_next(vec![], Some("c3".into())),
    ///         _ => Page::new(vec!["b"]),
    ///     })
    /// });
    /// let all: Vec<&str> = items.items().map(|item| item.unwrap().item).collect().await;
    /// assert_eq!(all, ["a", "b"]); // the empty middle page did not stop it
    /// # });
    /// ```
    pub fn cursors<F, Fut>(fetch: F) -> Self
    where
        F: Fn(PageKey) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self::new(Chain::Linked, PageKey::Cursor(None), fetch)
    }

    /// URLs: the first page at `first_url`, each next one at the URL the previous
    /// page returned in [`Page::next`] (from a `Link` header or the body). Ends when
    /// a page has no next URL; empty pages in the middle are passed over.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let items = Paginator::next_urls("https://api.test/items", |key| async move {
    ///     let PageKey::Url(url) = key else { unreachable!() };
    ///     Ok(if url.ends_with("/items") {
    ///         Page::with_next(vec![1], Some("https://api.test/items?after=1".into()))
    ///     } else {
    ///         Page::new(vec![2])
    ///     })
    /// });
    /// assert_eq!(items.items().count().await, 2);
    /// # });
    /// ```
    pub fn next_urls<F, Fut>(first_url: impl Into<String>, fetch: F) -> Self
    where
        F: Fn(PageKey) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self::new(Chain::Linked, PageKey::Url(first_url.into()), fetch)
    }
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
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
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
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
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
    /// (default 30 s; `None` for no limit).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// use std::time::Duration;
    /// let items = pages().timeout(Some(Duration::from_secs(5))).items();
    /// assert_eq!(items.count().await, 3);
    /// let unlimited = pages().timeout(None).items(); // no limit
    /// assert_eq!(unlimited.count().await, 3);
    /// # });
    /// ```
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Makes every attempt wait for its turn in `budget`, which others may share.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// use aiter::paginate::RateBudget;
    /// let budget = RateBudget::per_second(1_000.0); // shared by every clone
    /// let items = pages().rate(budget.clone()).items();
    /// assert_eq!(items.count().await, 3);
    /// # });
    /// ```
    pub fn rate(mut self, budget: RateBudget) -> Self {
        self.rate = Some(budget);
        self
    }

    /// Stops after this many pages; the stream's `position()` then says where to
    /// go on.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// let mut items = pages().max_pages(2).items();
    /// assert_eq!((&mut items).count().await, 2);
    /// assert!(items.position().is_some()); // where to go on
    /// # });
    /// ```
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Stops after this many items (with [`Paginator::items`]); the stream's
    /// `position()` then says where to go on.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// let mut items = pages().max_items(1).items();
    /// assert_eq!((&mut items).count().await, 1);
    /// let next = items.position().unwrap();
    /// let rest: Vec<u64> = pages().resume(next).items().map(|i| i.unwrap().item).collect().await;
    /// assert_eq!(rest, [2, 3]);
    /// # });
    /// ```
    pub fn max_items(mut self, items: u64) -> Self {
        self.max_items = Some(items);
        self
    }

    /// For numbered styles: a page with fewer than `limit` items is the last (saves
    /// the request for the empty page).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
    ///     Ok(Page::new(if n <= 3 { vec![n] } else { vec![] }))
    /// });
    /// let items = pages().stop_on_short_page(2).items(); // a page of 1 < 2 is the last
    /// assert_eq!(items.count().await, 1);
    /// # });
    /// ```
    pub fn stop_on_short_page(mut self, limit: usize) -> Self {
        self.short_page = Some(limit);
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
    /// let pages = || Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
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
    /// a loop: [`PageErrorKind::RepeatedPage`]. An API that ignores the page
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
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
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
    /// use aiter::paginate::{Page, PageKey, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Three pages of one item each, then an empty page.
    /// let pages = || Paginator::page_numbers(1, 1, |key| async move {
    ///     let PageKey::Page(n) = key else { unreachable!() };
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
            .field("skip", &self.skip)
            .field("prefetch", &self.prefetch)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("max_pages", &self.max_pages)
            .field("max_items", &self.max_items)
            .finish_non_exhaustive()
    }
}

/// One page's fetch, with its retries.
type Attempts<T> = BoxFuture<(Result<Page<T>, FetchError>, u32)>;

/// A page in the window: still fetching, or fetched and waiting for the consumer.
enum Slot<T> {
    Fetching(Attempts<T>),
    Done(Result<Page<T>, FetchError>, u32),
}

struct InFlight<T> {
    key: PageKey,
    number: u64,
    slot: Slot<T>,
    /// For a linked page whose next was seen before: that next, and the page
    /// fetched with it (`None`: by the run this one resumed).
    loops_to: Option<(String, Option<u64>)>,
}

/// The engine both streams share: a window of page fetches, delivered in order.
pub(crate) struct Engine<T> {
    settings: Paginator<T>,
    window: VecDeque<InFlight<T>>,
    /// The key of the next page to start, when known.
    next_key: Option<PageKey>,
    /// Pages started so far.
    started: u64,
    /// Pages delivered so far.
    pub(crate) delivered: u64,
    /// No page after the last one started (an empty or short page was seen, or
    /// there is no next cursor, or `max_pages`).
    exhausted: bool,
    /// Fingerprints of the cursors and URLs seen, with the number of the page
    /// fetched with each (`None`: seen by the run this one resumed).
    seen: HashMap<u128, Option<u64>>,
    prints: Fingerprinter,
    /// The fingerprint and number of the last page delivered, if it had entries.
    last_page: Option<(u128, u64)>,
    /// Items to skip on the first page delivered (resuming).
    pub(crate) skip: u64,
    /// The position of the error that ended the run, once it was handed over.
    failed_at: Option<Position>,
    /// An error found while delivering the last page (its next loops), reported
    /// after that page.
    pending: Option<PageError>,
}

impl<T> Engine<T> {
    fn new(settings: Paginator<T>) -> Self {
        let prints = Fingerprinter::new();
        let mut seen = HashMap::new();
        let is_url = matches!(settings.start, PageKey::Url(_));
        match &settings.start {
            PageKey::Cursor(Some(next)) | PageKey::Url(next) => {
                seen.insert(prints.of_key(next, is_url), Some(1));
            }
            _ => {}
        }
        if let Some(loops_to) = &settings.loops_to {
            seen.insert(prints.of_key(loops_to, is_url), None);
        }
        Self {
            prints,
            last_page: None,
            failed_at: None,
            next_key: Some(settings.start.clone()),
            skip: settings.skip,
            settings,
            window: VecDeque::new(),
            started: 0,
            delivered: 0,
            exhausted: false,
            seen,
            pending: None,
        }
    }

    pub(crate) fn max_items(&self) -> Option<u64> {
        self.settings.max_items
    }

    /// The key that follows `key` in a numbered style; `None` for linked styles,
    /// and when the next number would not fit in a `u64`.
    fn after(&self, key: &PageKey) -> Option<PageKey> {
        match (self.settings.chain, key) {
            (Chain::Numbered { step }, PageKey::Page(n)) => n.checked_add(step).map(PageKey::Page),
            (Chain::Numbered { step }, PageKey::Offset(n)) => {
                n.checked_add(step).map(PageKey::Offset)
            }
            _ => None,
        }
    }

    fn is_url_chain(&self) -> bool {
        matches!(self.settings.start, PageKey::Url(_))
    }

    /// The position of the first item after the pages delivered so far, or `None`
    /// when the source is finished.
    pub(crate) fn position(&self) -> Option<Position> {
        if let Some(failed_at) = &self.failed_at {
            return Some(failed_at.clone());
        }
        // Before the first page is delivered, a resumed run still owes its skip.
        let skip = if self.delivered == 0 { self.skip } else { 0 };
        if let Some(front) = self.window.front() {
            return Some(Position::new(front.key.clone(), skip));
        }
        self.next_key
            .clone()
            .filter(|_| {
                !self.exhausted
                    || self
                        .settings
                        .max_pages
                        .is_some_and(|max| self.delivered >= max)
            })
            .map(|key| Position::new(key, skip))
    }

    fn start_fetches(&mut self)
    where
        T: Send + 'static,
    {
        while !self.exhausted && self.window.len() < self.settings.prefetch {
            if self
                .settings
                .max_pages
                .is_some_and(|max| self.started >= max)
            {
                self.exhausted = true;
                break;
            }
            let Some(key) = self.next_key.take() else {
                break;
            };
            self.started += 1;
            self.next_key = self.after(&key);
            let attempts = attempts(
                self.settings.fetch.clone(),
                key.clone(),
                self.settings.retry,
                self.settings.timeout,
                self.settings.rate.clone(),
            );
            self.window.push_back(InFlight {
                key,
                number: self.started,
                slot: Slot::Fetching(attempts),
                loops_to: None,
            });
        }
    }

    /// The next page in order, with its key, number and attempts.
    pub(crate) fn poll_page(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Fetched<T>, PageError>>>
    where
        T: Send + 'static,
    {
        if let Some(error) = self.pending.take() {
            self.failed_at = Some(error.position().clone());
            return Poll::Ready(Some(Err(error)));
        }
        loop {
            self.start_fetches();
            if self.poll_fetches(cx) {
                // Start (poll once) what the finished fetches made possible.
                continue;
            }
            match self.window.front() {
                None => return Poll::Ready(None),
                Some(InFlight {
                    slot: Slot::Fetching(_),
                    ..
                }) => return Poll::Pending,
                Some(InFlight {
                    slot: Slot::Done(..),
                    ..
                }) => {}
            }
            let Some(InFlight {
                key,
                number,
                slot: Slot::Done(result, attempts),
                loops_to,
            }) = self.window.pop_front()
            else {
                unreachable!("the front is done")
            };
            // An empty (or short) numbered page is the last: drop the fetches started
            // after it and start nothing more.
            if result
                .as_ref()
                .is_ok_and(|page| self.is_last_numbered(page))
            {
                self.exhausted = true;
                self.window.clear();
                self.next_key = None;
            }
            // Before handing the page over, start the fetch its place in the window
            // frees: the next page loads while the consumer works on this one.
            self.start_fetches();
            self.poll_fetches(cx);
            let delivered = self.deliver(key, number, result, attempts, loops_to);
            if let Err(error) = &delivered {
                self.failed_at = Some(error.position().clone());
            }
            return Poll::Ready(Some(delivered));
        }
    }

    /// Polls every fetch in flight; true if any finished.
    fn poll_fetches(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progressed = false;
        for index in 0..self.window.len() {
            let entry = &mut self.window[index];
            let Slot::Fetching(future) = &mut entry.slot else {
                continue;
            };
            let Poll::Ready((result, attempts)) = future.as_mut().poll(cx) else {
                continue;
            };
            entry.slot = Slot::Done(result, attempts);
            progressed = true;
            // A linked page names the next: it can start now.
            if self.settings.chain == Chain::Linked && index + 1 == self.window.len() {
                self.link_next(index);
            }
        }
        progressed
    }

    /// After linked page `index` is fetched: its next cursor or URL becomes the next
    /// key, unless the API loops.
    fn link_next(&mut self, index: usize) {
        let is_url = self.is_url_chain();
        let entry = &mut self.window[index];
        let Slot::Done(Ok(page), _) = &entry.slot else {
            return;
        };
        let Some(next) = &page.next else {
            self.exhausted = true;
            return;
        };
        match self.seen.entry(self.prints.of_key(next, is_url)) {
            // Reported after this page is delivered.
            std::collections::hash_map::Entry::Occupied(seen) => {
                entry.loops_to = Some((next.clone(), *seen.get()));
                self.exhausted = true;
            }
            std::collections::hash_map::Entry::Vacant(vacant) => {
                vacant.insert(Some(entry.number + 1));
                self.next_key = Some(linked_key(&entry.key, next));
            }
        }
    }

    fn deliver(
        &mut self,
        key: PageKey,
        number: u64,
        result: Result<Page<T>, FetchError>,
        attempts: u32,
        looping: Option<(String, Option<u64>)>,
    ) -> Result<Fetched<T>, PageError> {
        let mut page = match result {
            Ok(page) => page,
            Err(error) => {
                return Err(self.fail(key, number, attempts, PageErrorKind::Fetch(error)));
            }
        };
        let entries = page.entries();
        // Where to go on from after this page's last entry, when it is not the end.
        let past_page = Position::new(key.clone(), entries);
        if let Some(earlier) = self.repeats_last_page(&page, number) {
            // Its entries are the last page's again: none is delivered.
            let kind = PageErrorKind::RepeatedPage {
                page: earlier,
                hint: self.settings.repeat_hint.clone(),
            };
            let mut error = self.fail(key, number, attempts, kind);
            error.set_position(past_page);
            return Err(error);
        }
        let numbered_next = self.after(&key);
        let overflows = matches!(self.settings.chain, Chain::Numbered { .. })
            && !self.is_last_numbered(&page)
            && numbered_next.is_none();
        self.delivered += 1;
        if let Some((next, earlier)) = looping {
            // This page is fine and is delivered; what it points to is not. The error
            // comes next, positioned after this page's entries, and names the key the
            // loop went back to so a resumed run does not go round it again.
            let kind = PageErrorKind::Loop {
                next: next.clone(),
                page: earlier,
            };
            let mut error = self.fail(key.clone(), number, attempts, kind);
            let mut position = past_page.clone();
            position.loops_to = Some(next);
            error.set_position(position);
            self.pending = Some(error);
        } else if overflows {
            let mut error = self.fail(key.clone(), number, attempts, PageErrorKind::KeyOverflow);
            error.set_position(past_page.clone());
            self.pending = Some(error);
        }
        let next_position = match (self.settings.chain, &page.next) {
            (Chain::Numbered { .. }, _) => numbered_next,
            (Chain::Linked, Some(next)) => Some(linked_key(&key, next)),
            (Chain::Linked, None) => None,
        };
        let next_position = next_position.map_or(past_page, |key| Position::new(key, 0));
        // A resumed run leaves out what the run before it delivered.
        let skipped = if self.skip > 0 {
            page.skip_entries(std::mem::take(&mut self.skip))
        } else {
            0
        };
        Ok(Fetched {
            page,
            key,
            number,
            attempts,
            skipped,
            next_position,
        })
    }

    /// The number of the page `page` repeats, if its entries are the same as the
    /// last page's; remembers `page` as the last one otherwise.
    fn repeats_last_page(&mut self, page: &Page<T>, number: u64) -> Option<u64> {
        if page.is_empty() {
            return None;
        }
        let print = page.fingerprint().or_else(|| {
            self.settings
                .fingerprint_items
                .map(|fingerprint| fingerprint(&self.prints, &page.items))
        })?;
        match self.last_page {
            Some((last, earlier)) if last == print => Some(earlier),
            _ => {
                self.last_page = Some((print, number));
                None
            }
        }
    }

    /// True for the last page of a numbered style: empty, or short when asked.
    fn is_last_numbered(&self, page: &Page<T>) -> bool {
        let entries = usize::try_from(page.entries()).unwrap_or(usize::MAX);
        matches!(self.settings.chain, Chain::Numbered { .. })
            && (entries == 0
                || self
                    .settings
                    .short_page
                    .is_some_and(|limit| entries < limit))
    }

    fn fail(&mut self, key: PageKey, number: u64, attempts: u32, kind: PageErrorKind) -> PageError {
        self.exhausted = true;
        self.window.clear();
        self.next_key = None;
        let skip = if self.delivered == 0 { self.skip } else { 0 };
        let mut position = Position::new(key.clone(), skip);
        // A failed page of a resumed run keeps the guard it was resumed with.
        if self.delivered == 0 {
            position.loops_to.clone_from(&self.settings.loops_to);
        }
        PageError::new(kind, key, number, attempts, position)
    }
}

/// The key of the page a linked page names as its next: a URL after a URL, else a
/// cursor.
fn linked_key(key: &PageKey, next: &str) -> PageKey {
    match key {
        PageKey::Url(_) => PageKey::Url(next.to_owned()),
        _ => PageKey::Cursor(Some(next.to_owned())),
    }
}

/// Fetches one page: waits for the rate budget, applies the timeout, and retries
/// transient failures with backoff.
fn attempts<T: Send + 'static>(
    fetch: FetchFn<T>,
    key: PageKey,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    rate: Option<RateBudget>,
) -> Attempts<T> {
    Box::pin(async move {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(rate) = &rate {
                rate.acquire().await;
            }
            let fetching = fetch(key.clone());
            let result = match timeout {
                None => fetching.await,
                Some(limit) => {
                    futures_lite::future::or(fetching, async move {
                        async_io::Timer::after(limit).await;
                        Err(FetchError::transient(format!("timed out after {limit:?}")))
                    })
                    .await
                }
            };
            match result {
                Err(error) if error.is_transient() && attempt < retry.max_attempts() => {
                    async_io::Timer::after(retry.delay(attempt, error.retry_after())).await;
                }
                result => return (result, attempt),
            }
        }
    })
}
