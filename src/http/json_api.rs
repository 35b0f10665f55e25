//! [`JsonApi`]: a paginated JSON API over HTTP, in any pagination style.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_lite::AsyncReadExt;
use isahc::http::header::{
    AUTHORIZATION, COOKIE, HeaderName, HeaderValue, LINK, PROXY_AUTHORIZATION, RETRY_AFTER,
};
use isahc::{AsyncBody, HttpClient, Request, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::next_link;
use crate::paginate::{FetchError, Page, PageKey, Paginator};

/// How a JSON API pages its results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Style {
    /// `?page=N`: numbers from `start`, until an empty page.
    Page {
        /// The query parameter (`page`).
        param: String,
        /// The first page's number (1).
        start: u64,
    },
    /// `?offset=O&limit=L`: offsets from 0 by `limit`, until an empty page.
    Offset {
        /// The offset parameter (`offset`).
        offset_param: String,
        /// The limit parameter (`limit`).
        limit_param: String,
        /// Items a page (100).
        limit: u64,
    },
    /// `?cursor=C`, with the next cursor at a JSON pointer in the body; ends when
    /// it is missing, null or empty.
    Cursor {
        /// The query parameter (`cursor`).
        param: String,
        /// Where the next cursor is in the body (`/next_cursor`).
        path: String,
    },
    /// The `Link` header's `rel="next"` URL; ends when there is none.
    Link,
    /// A next URL at a JSON pointer in the body (`/next`); ends when it is missing
    /// or null.
    Next {
        /// Where the next URL is in the body (`/next`).
        path: String,
    },
}

impl Style {
    /// `?page=N` from 1.
    pub fn page() -> Self {
        Self::Page {
            param: "page".into(),
            start: 1,
        }
    }

    /// `?offset=O&limit=100`.
    pub fn offset() -> Self {
        Self::Offset {
            offset_param: "offset".into(),
            limit_param: "limit".into(),
            limit: 100,
        }
    }

    /// `?cursor=C`, next cursor at `/next_cursor`.
    pub fn cursor() -> Self {
        Self::Cursor {
            param: "cursor".into(),
            path: "/next_cursor".into(),
        }
    }

    /// The next URL at `/next` in the body.
    pub fn next() -> Self {
        Self::Next {
            path: "/next".into(),
        }
    }
}

/// The largest page body [`JsonApi`] reads unless told otherwise: 32 MiB.
pub const DEFAULT_MAX_PAGE_BYTES: u64 = 32 * 1024 * 1024;

/// A paginated JSON API: a reusable client, the first URL, the style, where the
/// items are, and headers. [`JsonApi::paginator`] turns it into a
/// [`Paginator`] with prefetch, retries, caps and resume.
///
/// - Items are the array at a JSON pointer (`/data`), or the body itself (`""`).
/// - Statuses 408, 429, 500, 502, 503 and 504, connection failures and timeouts are
///   transient (retried, honouring `Retry-After` in seconds or as an HTTP date);
///   other statuses, and bodies that are not the expected JSON, are permanent.
/// - Errors name the URL and status and carry the start of the body.
/// - Credentials (`Authorization`, `Cookie`, `Proxy-Authorization`, and headers
///   added with [`JsonApi::sensitive_header`]) go only to the origin of the first
///   URL: a next URL on another origin gets none of them.
/// - A page body over [`DEFAULT_MAX_PAGE_BYTES`] (see [`JsonApi::max_page_bytes`])
///   is an error, not an unbounded read.
///
/// ```no_run
/// # futures_lite::future::block_on(async {
/// use aiter::http::{JsonApi, Style};
/// use futures_lite::StreamExt;
///
/// let mut items = JsonApi::new("https://api.example.com/v1/users")?
///     .style(Style::cursor())
///     .items_at("/data")
///     .header("Authorization", "Bearer secret")?
///     .paginator::<serde_json::Value>()
///     .prefetch(2)
///     .items();
/// while let Some(user) = items.next().await {
///     println!("{}", user?.item);
/// }
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct JsonApi {
    client: HttpClient,
    url: Url,
    style: Style,
    items_at: String,
    headers: Vec<(HeaderName, HeaderValue, bool)>,
    max_page_bytes: u64,
}

impl JsonApi {
    /// An API whose first page is at `url`, page-number style, items being the
    /// body, with a default client.
    ///
    /// # Errors
    ///
    /// When `url` is not an absolute URL, or the default client can't be built.
    pub fn new(url: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self::with_client(HttpClient::new()?, Url::parse(url)?))
    }

    /// An API at `url` using `client` (reuse one client for many paginators: it
    /// keeps connections alive).
    pub fn with_client(client: HttpClient, url: Url) -> Self {
        Self {
            client,
            url,
            style: Style::page(),
            items_at: String::new(),
            headers: Vec::new(),
            max_page_bytes: DEFAULT_MAX_PAGE_BYTES,
        }
    }

    /// Sets the pagination style (default [`Style::page`]).
    #[must_use]
    pub fn style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }

    /// Sets the JSON pointer of the items' array (default `""`: the body is the array).
    #[must_use]
    pub fn items_at(mut self, pointer: &str) -> Self {
        pointer.clone_into(&mut self.items_at);
        self
    }

    /// Adds a header to every request. `Authorization`, `Cookie` and
    /// `Proxy-Authorization` are treated as credentials (see [`JsonApi`]).
    ///
    /// # Errors
    ///
    /// When the name or value is not a valid header.
    pub fn header(self, name: &str, value: &str) -> Result<Self, isahc::http::Error> {
        self.add_header(name, value, false)
    }

    /// Adds a header that is a credential: sent only to the first URL's origin.
    ///
    /// # Errors
    ///
    /// When the name or value is not a valid header.
    pub fn sensitive_header(self, name: &str, value: &str) -> Result<Self, isahc::http::Error> {
        self.add_header(name, value, true)
    }

    fn add_header(
        mut self,
        name: &str,
        value: &str,
        sensitive: bool,
    ) -> Result<Self, isahc::http::Error> {
        let name = HeaderName::from_bytes(name.as_bytes())?;
        let mut value = HeaderValue::from_str(value)?;
        let sensitive = sensitive || [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION].contains(&name);
        value.set_sensitive(sensitive);
        self.headers.push((name, value, sensitive));
        Ok(self)
    }

    /// Sets the largest page body read, in bytes (default [`DEFAULT_MAX_PAGE_BYTES`]).
    #[must_use]
    pub fn max_page_bytes(mut self, max: u64) -> Self {
        self.max_page_bytes = max;
        self
    }

    /// A paginator over this API's items, decoded as `T`.
    pub fn paginator<T: DeserializeOwned + Send + 'static>(self) -> Paginator<T> {
        let api = Arc::new(self);
        let fetch = {
            let api = api.clone();
            move |key: PageKey| {
                let api = api.clone();
                async move { api.fetch(key).await }
            }
        };
        match &api.style {
            Style::Page { start, .. } => Paginator::page_numbers(*start, 1, fetch),
            Style::Offset { limit, .. } => Paginator::offsets(0, *limit, fetch),
            Style::Cursor { .. } => Paginator::cursors(fetch),
            Style::Link | Style::Next { .. } => Paginator::next_urls(api.url.to_string(), fetch),
        }
    }

    /// The URL of the page with `key`.
    fn url_for(&self, key: &PageKey) -> Result<Url, FetchError> {
        let with = |pairs: &[(&str, String)]| {
            let mut url = self.url.clone();
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(name, _)| pairs.iter().all(|(param, _)| name != param))
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
            url.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .extend_pairs(pairs.iter().map(|(n, v)| (*n, v)));
            url
        };
        Ok(match (&self.style, key) {
            (Style::Page { param, .. }, PageKey::Page(n)) => with(&[(param, n.to_string())]),
            (
                Style::Offset {
                    offset_param,
                    limit_param,
                    limit,
                },
                PageKey::Offset(offset),
            ) => with(&[
                (offset_param, offset.to_string()),
                (limit_param, limit.to_string()),
            ]),
            (Style::Cursor { .. }, PageKey::Cursor(None)) => self.url.clone(),
            (Style::Cursor { param, .. }, PageKey::Cursor(Some(cursor))) => {
                with(&[(param, cursor.clone())])
            }
            (_, PageKey::Url(url)) => Url::parse(url)
                .map_err(|error| FetchError::permanent(format!("bad URL {url:?}: {error}")))?,
            (style, key) => {
                return Err(FetchError::permanent(format!(
                    "{key} does not fit style {style:?}"
                )));
            }
        })
    }

    async fn fetch<T: DeserializeOwned>(&self, key: PageKey) -> Result<Page<T>, FetchError> {
        let url = self.url_for(&key)?;
        let same_origin = url.origin() == self.url.origin();
        let mut request = Request::get(url.as_str());
        for (name, value, sensitive) in &self.headers {
            if same_origin || !sensitive {
                request = request.header(name, value);
            }
        }
        let request = request
            .body(())
            .map_err(|error| FetchError::permanent(error).with_url(url.as_str()))?;
        let mut response = self.client.send_async(request).await.map_err(|error| {
            use isahc::error::ErrorKind;
            let transient = matches!(
                error.kind(),
                ErrorKind::ConnectionFailed
                    | ErrorKind::Io
                    | ErrorKind::Timeout
                    | ErrorKind::NameResolution
            );
            let error = if transient {
                FetchError::transient(error)
            } else {
                FetchError::permanent(error)
            };
            error.with_url(url.as_str())
        })?;
        let status = response.status().as_u16();
        let body = read_body(&mut response, self.max_page_bytes)
            .await
            .map_err(|error| error.with_url(url.as_str()).with_status(status))?;
        if !(200..300).contains(&status) {
            let transient = matches!(status, 408 | 429 | 500 | 502 | 503 | 504);
            let message = format!("HTTP {status}");
            let mut error = if transient {
                FetchError::transient(message)
            } else {
                FetchError::permanent(message)
            };
            if let Some(delay) = retry_after(&response) {
                error = error.with_retry_after(delay);
            }
            return Err(error
                .with_status(status)
                .with_url(url.as_str())
                .with_snippet(snippet(&body)));
        }
        let fail = |message: String| {
            FetchError::permanent(message)
                .with_status(status)
                .with_url(url.as_str())
                .with_snippet(snippet(&body))
        };
        let document: Value = serde_json::from_slice(&body)
            .map_err(|error| fail(format!("malformed JSON body: {error}")))?;
        let items = document
            .pointer(&self.items_at)
            .and_then(Value::as_array)
            .ok_or_else(|| fail(format!("no array at {:?} in the body", self.items_at)))?
            .iter()
            .enumerate()
            .map(|(index, item)| {
                T::deserialize(item)
                    .map_err(|error| fail(format!("item {index} at {:?}: {error}", self.items_at)))
            })
            .collect::<Result<Vec<T>, _>>()?;
        let next = match &self.style {
            Style::Cursor { path, .. } => match document.pointer(path) {
                Some(Value::String(cursor)) if !cursor.is_empty() => Some(cursor.clone()),
                Some(Value::Number(cursor)) => Some(cursor.to_string()),
                _ => None,
            },
            Style::Next { path } => match document.pointer(path) {
                Some(Value::String(next)) if !next.is_empty() => {
                    Some(resolve(&url, next).map_err(fail)?)
                }
                _ => None,
            },
            Style::Link => {
                let links: Vec<&str> = response
                    .headers()
                    .get_all(LINK)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                match next_link(&links.join(", ")) {
                    Some(next) => Some(resolve(&url, &next).map_err(fail)?),
                    None => None,
                }
            }
            Style::Page { .. } | Style::Offset { .. } => None,
        };
        Ok(Page::with_next(items, next))
    }
}

impl fmt::Debug for JsonApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonApi")
            .field("url", &self.url.as_str())
            .field("style", &self.style)
            .field("items_at", &self.items_at)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _, _)| name.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// `next` resolved against the URL of the page that named it.
fn resolve(base: &Url, next: &str) -> Result<String, String> {
    base.join(next)
        .map(String::from)
        .map_err(|error| format!("bad next URL {next:?}: {error}"))
}

/// Reads a body, refusing one over `max` bytes.
async fn read_body(response: &mut Response<AsyncBody>, max: u64) -> Result<Vec<u8>, FetchError> {
    let mut body = Vec::new();
    response
        .body_mut()
        .take(max + 1)
        .read_to_end(&mut body)
        .await
        .map_err(FetchError::transient)?;
    if body.len() as u64 > max {
        return Err(FetchError::permanent(format!(
            "page body over the limit of {max} bytes"
        )));
    }
    Ok(body)
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(response: &Response<AsyncBody>) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The start of a body, for error messages: up to 200 characters.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(800)]);
    let mut snippet: String = text.chars().take(200).collect();
    if text.chars().count() > 200 || body.len() > 800 {
        snippet.push('…');
    }
    snippet
}
