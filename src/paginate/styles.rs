//! The pagination styles that make a [`Paginator`]: page numbers, offsets,
//! cursors and next URLs, each handing its fetch function its own kind of key.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::paginator::Chain;
use super::{FetchError, Page, PageKey, Paginator, RetryPolicy};

impl<T: Send + 'static> Paginator<T> {
    fn new<F, Fut>(chain: Chain, start: PageKey, fetch: F) -> Self
    where
        F: Fn(PageKey) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self {
            fetch: Arc::new(move |key| Box::pin(fetch(key))),
            chain,
            first: start.clone(),
            start,
            skip: 0,
            prefetch: 1,
            retry: RetryPolicy::default(),
            timeout: Some(Duration::from_secs(30)),
            rate: None,
            max_pages: None,
            max_items: None,
            short_page: false,
            end_statuses: vec![404],
            repeat_ends: false,
            loops_to: None,
            fingerprint_items: None,
            repeat_hint: None,
        }
    }

    /// Page numbers `start`, `start + step`, ...; JavaScript's
    /// `for (let page = 1; ; page++) { const items = await fetch(...) }`. `fetch`
    /// is given the page number. Ends at the first empty page (or short one, see
    /// [`Paginator::stop_on_short_page`]).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let items = Paginator::page_numbers(1, 1, |n| async move {
    ///     // Pages 1 to 3 hold two items each; page 4 is empty.
    ///     Ok(Page::new(if n <= 3 { vec![n * 10, n * 10 + 1] } else { vec![] }))
    /// });
    /// let all: Vec<u64> = items.items().map(|item| item.unwrap().item).collect().await;
    /// assert_eq!(all, [10, 11, 20, 21, 30, 31]);
    /// # });
    /// ```
    pub fn page_numbers<F, Fut>(start: u64, step: u64, fetch: F) -> Self
    where
        F: Fn(u64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self::with_keys(
            Chain::Numbered { step: step.max(1) },
            PageKey::Page(start),
            move |key| match key {
                PageKey::Page(number) => Ok(fetch(number)),
                other => Err(other),
            },
        )
    }

    /// Offsets from `start`, `limit` items a page: offset/limit pagination. `fetch`
    /// is given the offset. The next offset is this one plus the entries the page
    /// really held, never the limit asked for: an API that serves fewer than
    /// asked (a cap of 50 on a `limit=100`) loses nothing. With prefetch, pages
    /// ahead are started at a guess (the fullest page so far, the limit before
    /// any); a guessed page that turns out misaligned is dropped and fetched again
    /// from the right offset, never delivered. Ends at the first empty page (or
    /// short one, see [`Paginator::stop_on_short_page`]).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let rows: Vec<u64> = (0..25).collect();
    /// let items = Paginator::offsets(0, 10, move |offset| {
    ///     let page: Vec<u64> = rows.iter().copied().skip(offset as usize).take(10).collect();
    ///     async move { Ok(Page::new(page)) }
    /// });
    /// assert_eq!(items.items().count().await, 25);
    /// # });
    /// ```
    pub fn offsets<F, Fut>(start: u64, limit: u64, fetch: F) -> Self
    where
        F: Fn(u64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self::with_keys(
            Chain::Numbered { step: limit.max(1) },
            PageKey::Offset(start),
            move |key| match key {
                PageKey::Offset(offset) => Ok(fetch(offset)),
                other => Err(other),
            },
        )
    }

    /// Cursor tokens: `fetch` is given `None` for the first page, then
    /// `Some(cursor)` with the cursor the previous page returned in [`Page::next`].
    /// Ends when a page has no next cursor; empty pages in the middle are passed
    /// over.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let items = Paginator::cursors(|cursor: Option<String>| async move {
    ///     Ok(match cursor.as_deref() {
    ///         None => Page::with_next(vec!["a"], Some("c2".into())),
    ///         Some("c2") => Page::with_next(vec![], Some("c3".into())),
    ///         Some(_) => Page::new(vec!["b"]),
    ///     })
    /// });
    /// let all: Vec<&str> = items.items().map(|item| item.unwrap().item).collect().await;
    /// assert_eq!(all, ["a", "b"]); // the empty middle page did not stop it
    /// # });
    /// ```
    pub fn cursors<F, Fut>(fetch: F) -> Self
    where
        F: Fn(Option<String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self::with_keys(Chain::Linked, PageKey::Cursor(None), move |key| match key {
            PageKey::Cursor(cursor) => Ok(fetch(cursor)),
            other => Err(other),
        })
    }

    /// URLs: `fetch` is given `first_url`, then each URL the previous page
    /// returned in [`Page::next`] (from a `Link` header or the body). Ends when a
    /// page has no next URL; empty pages in the middle are passed over.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let items = Paginator::next_urls("https://api.test/items", |url| async move {
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
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self::with_keys(
            Chain::Linked,
            PageKey::Url(first_url.into()),
            move |key| match key {
                PageKey::Url(url) => Ok(fetch(url)),
                other => Err(other),
            },
        )
    }

    /// A paginator whose fetch function takes whole keys, for a fetcher that serves
    /// every style in one function ([`JsonApi`](crate::http) does): the style is the
    /// start key's, `step` the numbered styles' step.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn over_keys<F, Fut>(start: PageKey, step: u64, fetch: F) -> Self
    where
        F: Fn(PageKey) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        let chain = match start {
            PageKey::Page(_) | PageKey::Offset(_) => Chain::Numbered { step: step.max(1) },
            PageKey::Cursor(_) | PageKey::Url(_) | PageKey::After(_) => Chain::Linked,
        };
        Self::new(chain, start, fetch)
    }

    /// A paginator whose fetch function is given whole keys; `fetch` hands back a
    /// key of another style (from a [`Position`] of another paginator given to
    /// [`Paginator::resume`]), which fails its page instead of reaching the user's
    /// function.
    fn with_keys<F, Fut>(chain: Chain, start: PageKey, fetch: F) -> Self
    where
        F: Fn(PageKey) -> Result<Fut, PageKey> + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>, FetchError>> + Send + 'static,
    {
        Self::new(chain, start, move |key| {
            let fetching = fetch(key);
            async move {
                match fetching {
                    Ok(fetching) => fetching.await,
                    Err(key) => Err(FetchError::permanent(format!(
                        "{key} is a position of another pagination style than this paginator's"
                    ))),
                }
            }
        })
    }
}
