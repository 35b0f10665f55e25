//! [`Paginator`]: the settings, and the engine that fetches pages in a window.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

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
        }
    }

    /// Page numbers `start`, `start + step`, ...; the lesson's `fetchPages`. Ends at
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
    pub fn prefetch(mut self, k: usize) -> Self {
        self.prefetch = k.max(1);
        self
    }

    /// Sets the retry policy for transient failures (default
    /// [`RetryPolicy::default`]: 6 attempts). Retries happen in place, on the
    /// failing page, before any of its items is delivered.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets the time one attempt may take before it counts as a transient failure
    /// (default 30 s; `None` for no limit).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Makes every attempt wait for its turn in `budget`, which others may share.
    pub fn rate(mut self, budget: RateBudget) -> Self {
        self.rate = Some(budget);
        self
    }

    /// Stops after this many pages; the stream's `position()` then says where to
    /// go on.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Stops after this many items (with [`Paginator::items`]); the stream's
    /// `position()` then says where to go on.
    pub fn max_items(mut self, items: u64) -> Self {
        self.max_items = Some(items);
        self
    }

    /// For numbered styles: a page with fewer than `limit` items is the last (saves
    /// the request for the empty page).
    pub fn stop_on_short_page(mut self, limit: usize) -> Self {
        self.short_page = Some(limit);
        self
    }

    /// Starts from a position a previous run gave (an error's, or the one after
    /// `max_items`): its page is fetched and the items delivered before skipped.
    pub fn resume(mut self, position: Position) -> Self {
        self.start = position.key;
        self.skip = position.skip;
        self
    }

    /// The pages, in order, each with its key, number and the position after it.
    pub fn pages(self) -> super::Pages<T> {
        super::Pages::new(Engine::new(self))
    }

    /// The items, in order, each with the position to resume *after* it.
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
    /// Cursors and URLs seen, with the number of the page fetched with each.
    seen: HashMap<String, u64>,
    /// Items to skip on the first page delivered (resuming).
    pub(crate) skip: u64,
    /// An error found while delivering the last page (its next loops), reported
    /// after that page.
    pending: Option<PageError>,
}

impl<T> Engine<T> {
    fn new(settings: Paginator<T>) -> Self {
        let mut seen = HashMap::new();
        match &settings.start {
            PageKey::Cursor(Some(next)) | PageKey::Url(next) => {
                seen.insert(next.clone(), 1);
            }
            _ => {}
        }
        Self {
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

    /// The key that follows `key` in a numbered style.
    fn after(&self, key: &PageKey) -> Option<PageKey> {
        match (self.settings.chain, key) {
            (Chain::Numbered { step }, PageKey::Page(n)) => Some(PageKey::Page(n + step)),
            (Chain::Numbered { step }, PageKey::Offset(n)) => Some(PageKey::Offset(n + step)),
            _ => None,
        }
    }

    /// The position of the first item after the pages delivered so far, or `None`
    /// when the source is finished.
    pub(crate) fn position(&self) -> Option<Position> {
        // Before the first page is delivered, a resumed run still owes its skip.
        let skip = if self.delivered == 0 { self.skip } else { 0 };
        if let Some(front) = self.window.front() {
            return Some(Position {
                key: front.key.clone(),
                skip,
            });
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
            .map(|key| Position { key, skip })
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
            return Poll::Ready(Some(self.deliver(key, number, result, attempts)));
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
        let entry = &self.window[index];
        let Slot::Done(Ok(page), _) = &entry.slot else {
            return;
        };
        match &page.next {
            None => self.exhausted = true,
            Some(next) => {
                if self.seen.contains_key(next) {
                    // Reported when this page is delivered.
                    self.exhausted = true;
                } else {
                    self.seen.insert(next.clone(), entry.number + 1);
                    self.next_key = Some(linked_key(&entry.key, next));
                }
            }
        }
    }

    fn deliver(
        &mut self,
        key: PageKey,
        number: u64,
        result: Result<Page<T>, FetchError>,
        attempts: u32,
    ) -> Result<Fetched<T>, PageError> {
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                return Err(self.fail(key, number, attempts, PageErrorKind::Fetch(error)));
            }
        };
        let looping = match (self.settings.chain, &page.next) {
            (Chain::Linked, Some(next)) => self
                .seen
                .get(next)
                .filter(|&&page| page != number + 1)
                .map(|&earlier| (next.clone(), earlier)),
            _ => None,
        };
        self.delivered += 1;
        if let Some((next, earlier)) = looping {
            // This page is fine and is delivered; what it points to is not. The error
            // comes next, positioned after this page's items.
            let kind = PageErrorKind::Loop {
                next,
                page: earlier,
            };
            let mut error = self.fail(key.clone(), number, attempts, kind);
            error.set_position(Position {
                key: key.clone(),
                skip: page.items.len() as u64,
            });
            self.pending = Some(error);
        }
        let next_position = match (self.settings.chain, &page.next) {
            (Chain::Numbered { .. }, _) => self.after(&key),
            (Chain::Linked, Some(next)) => Some(linked_key(&key, next)),
            (Chain::Linked, None) => None,
        };
        let next_position = next_position.map_or_else(
            || Position {
                key: key.clone(),
                skip: page.items.len() as u64,
            },
            |key| Position { key, skip: 0 },
        );
        Ok(Fetched {
            page,
            key,
            number,
            attempts,
            next_position,
        })
    }

    /// True for the last page of a numbered style: empty, or short when asked.
    fn is_last_numbered(&self, page: &Page<T>) -> bool {
        matches!(self.settings.chain, Chain::Numbered { .. })
            && (page.items.is_empty()
                || self
                    .settings
                    .short_page
                    .is_some_and(|limit| page.items.len() < limit))
    }

    fn fail(&mut self, key: PageKey, number: u64, attempts: u32, kind: PageErrorKind) -> PageError {
        self.exhausted = true;
        self.window.clear();
        self.next_key = None;
        let skip = if self.delivered == 0 { self.skip } else { 0 };
        let position = Position {
            key: key.clone(),
            skip,
        };
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
