//! [`PageError`]: a page failed for good (its [`FetchError`]s are in `fetch_error.rs`).

use std::fmt;

use super::{FetchError, PageKey, Position};

/// What went wrong, in a [`PageError`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::paginate::{Page, PageErrorKind, Paginator};
/// use futures_lite::StreamExt;
/// // A cursor API that points back at the first page.
/// let mut items = Paginator::cursors(|_cursor: Option<String>| async move {
///     Ok(Page::with_next(vec![1], Some("a".to_string()))) // always the same next cursor
/// })
/// .items();
/// items.next().await; // page 1
/// items.next().await; // page 2, cursor "a"
/// let error = items.next().await.unwrap().unwrap_err(); // page 3 would be "a" again
/// assert!(matches!(error.kind(), PageErrorKind::Loop { .. }), "{error}");
/// # });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum PageErrorKind {
    /// The fetch failed for good (permanently, or after the last retry).
    Fetch(FetchError),
    /// A page named as its next a cursor or URL already fetched in this run, however
    /// long ago (compared normalized: a URL's fragment, the order of its query
    /// parameters and the case of its percent-encoding do not count): the API
    /// loops.
    Loop {
        /// The repeated cursor or URL.
        next: String,
        /// The page (1-based, in this run) already fetched with it; `None` when a
        /// run before this one (the run this one resumed) fetched it.
        page: Option<u64>,
    },
    /// A page whose entries are the same as the page before it: the API ignores
    /// what selects the page (often a page parameter under another name), and
    /// would be paged forever.
    RepeatedPage {
        /// The page (1-based, in this run) this one repeats.
        page: u64,
        /// What to check, such as the name of the page parameter.
        hint: Option<String>,
    },
    /// The next page number or offset would not fit in a `u64`.
    KeyOverflow,
    /// One entry of the page could not become an item; the run goes on with the
    /// next entry.
    Item {
        /// The entry's 1-based index in its page.
        index: u64,
        /// Why.
        error: FetchError,
    },
}

/// A page that could not be fetched: which page, what happened, how many attempts,
/// and where to resume so nothing is lost and nothing comes twice.
///
/// Its `Display` names the page, the URL and the HTTP status when known:
/// `page 3 (https://api.example.com/items?page=3): HTTP 503 after 5 attempts: ...`.
///
/// ```
/// # futures_lite::future::block_on(async {
/// use aiter::paginate::{FetchError, Page, Paginator, RetryPolicy};
/// use futures_lite::StreamExt;
/// let mut items = Paginator::page_numbers(1, 1, |n: u64| async move {
///     if n == 2 { Err(FetchError::permanent("gone").with_status(410)) } else { Ok(Page::new(vec![n])) }
/// })
/// .retry(RetryPolicy::none())
/// .items();
/// assert_eq!(items.next().await.unwrap()?.item, 1); // the item before comes first
/// let error = items.next().await.unwrap().unwrap_err();
/// assert_eq!((error.number(), error.status()), (2, Some(410)));
/// assert!(error.to_string().starts_with("page 2"), "{error}");
/// # Ok::<(), aiter::paginate::PageError>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct PageError {
    // Boxed: the error is rare and large, and keeps every `Result` of an item small.
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: PageErrorKind,
    key: PageKey,
    number: u64,
    attempts: u32,
    position: Position,
}

impl PageError {
    pub(crate) fn new(
        kind: PageErrorKind,
        key: PageKey,
        number: u64,
        attempts: u32,
        position: Position,
    ) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                key,
                number,
                attempts,
                position,
            }),
        }
    }

    pub(crate) fn set_position(&mut self, position: Position) {
        self.inner.position = position;
    }

    /// What went wrong.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use aiter::paginate::{FetchError, Page, Paginator, RetryPolicy};
    /// # use futures_lite::StreamExt;
    /// # let mut items = Paginator::page_numbers(1, 1, |n: u64| async move {
    /// #     if n == 2 {
    /// #         return Err(FetchError::permanent("gone").with_status(410)
    /// #             .with_url("https://api.test/items?page=2").with_snippet("{\"error\":\"gone\"}"));
    /// #     }
    /// #     Ok(Page::new(vec![n]))
    /// # }).retry(RetryPolicy::none()).items();
    /// # items.next().await;
    /// let error = items.next().await.unwrap().unwrap_err(); // page 2 failed
    /// assert!(matches!(error.kind(), aiter::paginate::PageErrorKind::Fetch(_)));
    /// # });
    /// ```
    pub fn kind(&self) -> &PageErrorKind {
        &self.inner.kind
    }

    /// The failing page's key (number, offset, cursor or URL).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use aiter::paginate::{FetchError, Page, Paginator, RetryPolicy};
    /// # use futures_lite::StreamExt;
    /// # let mut items = Paginator::page_numbers(1, 1, |n: u64| async move {
    /// #     if n == 2 {
    /// #         return Err(FetchError::permanent("gone").with_status(410)
    /// #             .with_url("https://api.test/items?page=2").with_snippet("{\"error\":\"gone\"}"));
    /// #     }
    /// #     Ok(Page::new(vec![n]))
    /// # }).retry(RetryPolicy::none()).items();
    /// # items.next().await;
    /// let error = items.next().await.unwrap().unwrap_err(); // page 2 failed
    /// assert_eq!(error.key(), &aiter::paginate::PageKey::Page(2));
    /// # });
    /// ```
    pub fn key(&self) -> &PageKey {
        &self.inner.key
    }

    /// The failing page's 1-based number among the pages of this run.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use aiter::paginate::{FetchError, Page, Paginator, RetryPolicy};
    /// # use futures_lite::StreamExt;
    /// # let mut items = Paginator::page_numbers(1, 1, |n: u64| async move {
    /// #     if n == 2 {
    /// #         return Err(FetchError::permanent("gone").with_status(410)
    /// #             .with_url("https://api.test/items?page=2").with_snippet("{\"error\":\"gone\"}"));
    /// #     }
    /// #     Ok(Page::new(vec![n]))
    /// # }).retry(RetryPolicy::none()).items();
    /// # items.next().await;
    /// let error = items.next().await.unwrap().unwrap_err(); // page 2 failed
    /// assert_eq!(error.number(), 2);
    /// # });
    /// ```
    pub fn number(&self) -> u64 {
        self.inner.number
    }

    /// Attempts made on the failing page.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use aiter::paginate::{FetchError, Page, Paginator, RetryPolicy};
    /// # use futures_lite::StreamExt;
    /// # let mut items = Paginator::page_numbers(1, 1, |n: u64| async move {
    /// #     if n == 2 {
    /// #         return Err(FetchError::permanent("gone").with_status(410)
    /// #             .with_url("https://api.test/items?page=2").with_snippet("{\"error\":\"gone\"}"));
    /// #     }
    /// #     Ok(Page::new(vec![n]))
    /// # }).retry(RetryPolicy::none()).items();
    /// # items.next().await;
    /// let error = items.next().await.unwrap().unwrap_err(); // page 2 failed
    /// assert_eq!(error.attempts(), 1); // RetryPolicy::none()
    /// # });
    /// ```
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The HTTP status of the last attempt, when there was one.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use aiter::paginate::{FetchError, Page, Paginator, RetryPolicy};
    /// # use futures_lite::StreamExt;
    /// # let mut items = Paginator::page_numbers(1, 1, |n: u64| async move {
    /// #     if n == 2 {
    /// #         return Err(FetchError::permanent("gone").with_status(410)
    /// #             .with_url("https://api.test/items?page=2").with_snippet("{\"error\":\"gone\"}"));
    /// #     }
    /// #     Ok(Page::new(vec![n]))
    /// # }).retry(RetryPolicy::none()).items();
    /// # items.next().await;
    /// let error = items.next().await.unwrap().unwrap_err(); // page 2 failed
    /// assert_eq!(error.status(), Some(410));
    /// # });
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.fetch_error().and_then(|error| error.status)
    }

    /// True when the run goes on after this error (a rejected entry); false when
    /// it is the stream's last item.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use aiter::paginate::{FetchError, Page, Paginator, RetryPolicy};
    /// # use futures_lite::StreamExt;
    /// # let mut items = Paginator::page_numbers(1, 1, |n: u64| async move {
    /// #     if n == 2 {
    /// #         return Err(FetchError::permanent("gone").with_status(410)
    /// #             .with_url("https://api.test/items?page=2").with_snippet("{\"error\":\"gone\"}"));
    /// #     }
    /// #     Ok(Page::new(vec![n]))
    /// # }).retry(RetryPolicy::none()).items();
    /// # items.next().await;
    /// let error = items.next().await.unwrap().unwrap_err(); // page 2 failed
    /// assert!(!error.is_item_error()); // a failed page ends the run
    /// # });
    /// ```
    pub fn is_item_error(&self) -> bool {
        matches!(self.inner.kind, PageErrorKind::Item { .. })
    }

    fn fetch_error(&self) -> Option<&FetchError> {
        match &self.inner.kind {
            PageErrorKind::Fetch(error) | PageErrorKind::Item { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The URL of the last attempt, when known.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use aiter::paginate::{FetchError, Page, Paginator, RetryPolicy};
    /// # use futures_lite::StreamExt;
    /// // A next-URL paginator's error names the URL it failed on.
    /// let mut items = Paginator::<u8>::next_urls("https://api.test/start", |_url: String| async {
    ///     Err(FetchError::permanent("refused"))
    /// })
    /// .retry(RetryPolicy::none())
    /// .items();
    /// let error = items.next().await.unwrap().unwrap_err();
    /// assert_eq!(error.url(), Some("https://api.test/start"));
    /// # });
    /// ```
    pub fn url(&self) -> Option<&str> {
        match (self.fetch_error(), &self.inner.key) {
            (Some(FetchError { url: Some(url), .. }), _) | (_, PageKey::Url(url)) => Some(url),
            _ => None,
        }
    }

    /// The start of the last response's body, when there was one.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use aiter::paginate::{FetchError, Page, Paginator, RetryPolicy};
    /// # use futures_lite::StreamExt;
    /// # let mut items = Paginator::page_numbers(1, 1, |n: u64| async move {
    /// #     if n == 2 {
    /// #         return Err(FetchError::permanent("gone").with_status(410)
    /// #             .with_url("https://api.test/items?page=2").with_snippet("{\"error\":\"gone\"}"));
    /// #     }
    /// #     Ok(Page::new(vec![n]))
    /// # }).retry(RetryPolicy::none()).items();
    /// # items.next().await;
    /// let error = items.next().await.unwrap().unwrap_err(); // page 2 failed
    /// assert_eq!(error.snippet(), Some("{\"error\":\"gone\"}"));
    /// # });
    /// ```
    pub fn snippet(&self) -> Option<&str> {
        self.fetch_error()
            .and_then(|error| error.snippet.as_deref())
    }

    /// Where to resume: the first item not delivered.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # use aiter::paginate::{FetchError, Page, Paginator, RetryPolicy};
    /// # use futures_lite::StreamExt;
    /// # let mut items = Paginator::page_numbers(1, 1, |n: u64| async move {
    /// #     if n == 2 {
    /// #         return Err(FetchError::permanent("gone").with_status(410)
    /// #             .with_url("https://api.test/items?page=2").with_snippet("{\"error\":\"gone\"}"));
    /// #     }
    /// #     Ok(Page::new(vec![n]))
    /// # }).retry(RetryPolicy::none()).items();
    /// # items.next().await;
    /// let error = items.next().await.unwrap().unwrap_err(); // page 2 failed
    /// use aiter::paginate::{PageKey, Position};
    /// assert_eq!(error.position(), &Position::new(PageKey::Page(2), 0)); // resume from here
    /// # });
    /// ```
    pub fn position(&self) -> &Position {
        &self.inner.position
    }
}

/// Prints which page failed, where and how (`page 3 at URL: HTTP 503 after 6
/// attempts`, `page 2 (offset 100) at URL: ...`); the fetch error that caused it is its
/// [`source`](std::error::Error::source), never repeated in this message.
impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = self.inner.number;
        // A page is named once: by the API's own page number when it has one,
        // else by its place in the run and its key.
        match &self.inner.key {
            PageKey::Page(page) => write!(f, "page {page}")?,
            PageKey::Url(_) => write!(f, "page {number}")?,
            key => write!(f, "page {number} ({key})")?,
        }
        if let Some(url) = self.url() {
            write!(f, " at {url}")?;
        }
        match &self.inner.kind {
            PageErrorKind::Fetch(error) => {
                if let Some(status) = error.status {
                    write!(f, ": HTTP {status}")?;
                }
                let plural = if self.inner.attempts == 1 { "" } else { "s" };
                write!(f, " after {} attempt{plural}", self.inner.attempts)
            }
            PageErrorKind::Item { index, .. } => {
                write!(f, ": entry {index} is not a valid item")
            }
            PageErrorKind::Loop {
                next,
                page: Some(page),
            } => write!(
                f,
                ": the API loops: its next, {next:?}, is page {page}'s, already fetched"
            ),
            PageErrorKind::Loop { next, page: None } => write!(
                f,
                ": the API loops: its next, {next:?}, was fetched by the run this one resumed"
            ),
            PageErrorKind::RepeatedPage { page, hint } => {
                write!(
                    f,
                    ": the API loops: page {number} has the same entries as page {page}"
                )?;
                match hint {
                    Some(hint) => write!(f, "; {hint}"),
                    None => Ok(()),
                }
            }
            PageErrorKind::KeyOverflow => {
                f.write_str(": the next page number or offset does not fit in 64 bits")
            }
        }
    }
}

impl std::error::Error for PageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.fetch_error().map(|error| error as _)
    }
}
