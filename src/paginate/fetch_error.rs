//! [`FetchError`]: one attempt to fetch a page failed.

use std::fmt;
use std::time::Duration;

/// Why one attempt to fetch a page failed, as the fetch function reports it: is it
/// worth retrying, and when.
///
/// ```
/// use std::time::Duration;
/// use aiter::paginate::FetchError;
///
/// let busy = FetchError::transient("service unavailable").with_status(503).with_retry_after(Duration::from_secs(2));
/// assert!(busy.is_transient());
/// let gone = FetchError::permanent("not found").with_status(404);
/// assert!(!gone.is_transient());
/// ```
#[derive(Debug)]
pub struct FetchError {
    transient: bool,
    pub(super) status: Option<u16>,
    pub(super) url: Option<String>,
    pub(super) snippet: Option<String>,
    retry_after: Option<Duration>,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl FetchError {
    fn new(transient: bool, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            transient,
            status: None,
            url: None,
            snippet: None,
            retry_after: None,
            source: source.into(),
        }
    }

    /// A failure worth retrying: a dropped connection, a timeout, a 429 or 503.
    ///
    /// ```
    /// let error = aiter::paginate::FetchError::transient("connection reset");
    /// assert!(error.is_transient());
    /// ```
    pub fn transient(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(true, source)
    }

    /// A failure that retrying will not fix: a 404, a malformed body.
    ///
    /// ```
    /// let error = aiter::paginate::FetchError::permanent("malformed body");
    /// assert!(!error.is_transient());
    /// ```
    pub fn permanent(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(false, source)
    }

    /// Adds the HTTP status.
    ///
    /// ```
    /// let error = aiter::paginate::FetchError::transient("busy").with_status(503);
    /// assert_eq!(error.status(), Some(503));
    /// ```
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds the URL that was fetched.
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
    /// assert_eq!(error.url(), Some("https://api.test/items?page=2"));
    /// # });
    /// ```
    #[must_use]
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Adds the start of the response body, for the error message.
    ///
    /// ```
    /// let error = aiter::paginate::FetchError::permanent("bad JSON").with_snippet("<html>");
    /// assert!(error.to_string().contains("<html>"));
    /// ```
    #[must_use]
    pub fn with_snippet(mut self, snippet: impl Into<String>) -> Self {
        self.snippet = Some(snippet.into());
        self
    }

    /// Asks to wait at least this long before the next attempt (`Retry-After`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let error = aiter::paginate::FetchError::transient("slow down").with_status(429).with_retry_after(Duration::from_secs(2));
    /// assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
    /// ```
    #[must_use]
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.retry_after = Some(delay);
        self
    }

    /// The HTTP status, when there was a response.
    ///
    /// ```
    /// let error = aiter::paginate::FetchError::permanent("not found").with_status(404);
    /// assert_eq!(error.status(), Some(404));
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// True if another attempt may succeed.
    ///
    /// ```
    /// assert!(aiter::paginate::FetchError::transient("timeout").is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// The wait the server asked for, if any.
    ///
    /// ```
    /// assert_eq!(aiter::paginate::FetchError::transient("reset").retry_after(), None);
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

/// Prints the reason it was made with, then the start of the body when known.
/// The reason's own cause, if any, is its [`source`](std::error::Error::source):
/// each message is printed once by error reporters.
impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.fmt(f)?;
        if let Some(snippet) = &self.snippet {
            write!(f, " (body: {snippet:?})")?;
        }
        Ok(())
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The reason is this error's own message (printed above), so its cause
        // comes next: never the reason twice.
        self.source.source()
    }
}
