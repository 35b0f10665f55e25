//! [`FetchError`] (one attempt failed) and [`PageError`] (a page failed for good).

use std::fmt;
use std::time::Duration;

use super::{PageKey, Position};

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
    status: Option<u16>,
    url: Option<String>,
    snippet: Option<String>,
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
    pub fn transient(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(true, source)
    }

    /// A failure that retrying will not fix: a 404, a malformed body.
    pub fn permanent(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(false, source)
    }

    /// Adds the HTTP status.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds the URL that was fetched.
    #[must_use]
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Adds the start of the response body, for the error message.
    #[must_use]
    pub fn with_snippet(mut self, snippet: impl Into<String>) -> Self {
        self.snippet = Some(snippet.into());
        self
    }

    /// Asks to wait at least this long before the next attempt (`Retry-After`).
    #[must_use]
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.retry_after = Some(delay);
        self
    }

    /// True if another attempt may succeed.
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.fmt(f)
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// What went wrong, in a [`PageError`].
#[derive(Debug)]
#[non_exhaustive]
pub enum PageErrorKind {
    /// The fetch failed for good (permanently, or after the last retry).
    Fetch(FetchError),
    /// A page named as its next a cursor or URL already fetched in this run, however
    /// long ago: the API loops.
    Loop {
        /// The repeated cursor or URL.
        next: String,
        /// The page (1-based, in this run) already fetched with it.
        page: u64,
    },
}

/// A page that could not be fetched: which page, what happened, how many attempts,
/// and where to resume so nothing is lost and nothing comes twice.
///
/// Its `Display` names the page, the URL and the HTTP status when known:
/// `page 3 (https://api.example.com/items?page=3): HTTP 503 after 5 attempts: ...`.
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
    pub fn kind(&self) -> &PageErrorKind {
        &self.inner.kind
    }

    /// The failing page's key (number, offset, cursor or URL).
    pub fn key(&self) -> &PageKey {
        &self.inner.key
    }

    /// The failing page's 1-based number among the pages of this run.
    pub fn number(&self) -> u64 {
        self.inner.number
    }

    /// Attempts made on the failing page.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The HTTP status of the last attempt, when there was one.
    pub fn status(&self) -> Option<u16> {
        match &self.inner.kind {
            PageErrorKind::Fetch(error) => error.status,
            PageErrorKind::Loop { .. } => None,
        }
    }

    /// The URL of the last attempt, when known.
    pub fn url(&self) -> Option<&str> {
        match (&self.inner.kind, &self.inner.key) {
            (PageErrorKind::Fetch(FetchError { url: Some(url), .. }), _)
            | (_, PageKey::Url(url)) => Some(url),
            _ => None,
        }
    }

    /// The start of the last response's body, when there was one.
    pub fn snippet(&self) -> Option<&str> {
        match &self.inner.kind {
            PageErrorKind::Fetch(error) => error.snippet.as_deref(),
            PageErrorKind::Loop { .. } => None,
        }
    }

    /// Where to resume: the first item not delivered.
    pub fn position(&self) -> &Position {
        &self.inner.position
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.key {
            PageKey::Url(_) => write!(f, "page {}", self.inner.number)?,
            key => write!(f, "page {} ({key})", self.inner.number)?,
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
                write!(f, " after {} attempt{plural}: {error}", self.inner.attempts)?;
                if let Some(snippet) = &error.snippet {
                    write!(f, " (body: {snippet:?})")?;
                }
                Ok(())
            }
            PageErrorKind::Loop { next, page } => {
                write!(f, ": the API loops: its next, {next:?}, is page {page}'s")
            }
        }
    }
}

impl std::error::Error for PageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.kind {
            PageErrorKind::Fetch(error) => Some(error),
            PageErrorKind::Loop { .. } => None,
        }
    }
}
