//! [`JsonApi`]: a paginated JSON API over HTTP, in any pagination style.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_lite::AsyncReadExt;
use isahc::HttpClient;
use isahc::http::header::{LINK, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::client::{Client, Response};
use super::next_link;
use super::page_body::read_page;
use super::requester::{Requester, redact};
use crate::paginate::fingerprint::Fingerprinter;
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
    ///
    /// ```
    /// let style = aiter::http::Style::page();
    /// assert!(matches!(style, aiter::http::Style::Page { start: 1, .. }));
    /// ```
    pub fn page() -> Self {
        Self::Page {
            param: "page".into(),
            start: 1,
        }
    }

    /// `?offset=O&limit=100`.
    ///
    /// ```
    /// let style = aiter::http::Style::offset();
    /// assert!(matches!(style, aiter::http::Style::Offset { limit: 100, .. }));
    /// ```
    pub fn offset() -> Self {
        Self::Offset {
            offset_param: "offset".into(),
            limit_param: "limit".into(),
            limit: 100,
        }
    }

    /// `?cursor=C`, next cursor at `/next_cursor`.
    ///
    /// ```
    /// let aiter::http::Style::Cursor { param, path } = aiter::http::Style::cursor() else { unreachable!() };
    /// assert_eq!((param.as_str(), path.as_str()), ("cursor", "/next_cursor"));
    /// ```
    pub fn cursor() -> Self {
        Self::Cursor {
            param: "cursor".into(),
            path: "/next_cursor".into(),
        }
    }

    /// The next URL at `/next` in the body.
    ///
    /// ```
    /// let aiter::http::Style::Next { path } = aiter::http::Style::next() else { unreachable!() };
    /// assert_eq!(path, "/next");
    /// ```
    pub fn next() -> Self {
        Self::Next {
            path: "/next".into(),
        }
    }
}

/// The largest page body [`JsonApi`] reads unless told otherwise: 32 MiB.
pub const DEFAULT_MAX_PAGE_LEN: usize = 32 * 1024 * 1024;

/// The old name of [`DEFAULT_MAX_PAGE_LEN`].
#[doc(hidden)]
#[deprecated(since = "0.1.0", note = "renamed DEFAULT_MAX_PAGE_LEN (a usize)")]
pub const DEFAULT_MAX_PAGE_BYTES: u64 = DEFAULT_MAX_PAGE_LEN as u64;

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
/// - A page body over [`DEFAULT_MAX_PAGE_LEN`] (see [`JsonApi::max_page_len`])
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
///     .header("Authorization", "Bearer secret")
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
    requests: Requester,
    url: Url,
    style: Style,
    items_at: String,
    max_page_len: usize,
    prints: Fingerprinter,
}

impl JsonApi {
    /// An API whose first page is at `url`, page-number style, items being the
    /// body, with a default client.
    ///
    /// A `user:password@` in `url` is taken out of it and sent as Basic
    /// credentials to that origin only; it never shows in `Debug`, errors or
    /// positions.
    ///
    /// # Errors
    ///
    /// When `url` is not an absolute `http` or `https` URL, or the default client
    /// can't be built.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::{JsonApi, Style};
    /// use futures_lite::StreamExt;
    ///
    /// // A loopback API: pages 1 and 2 hold two items each, page 3 is empty.
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let url = format!("http://{}/items", listener.local_addr()?);
    /// trillium_smol::config()
    ///     .without_signals()
    ///     .with_prebound_server(smol::net::TcpListener::try_from(listener)?)
    ///     .spawn(|conn: trillium::Conn| async move {
    ///         let page = match conn.querystring() { "page=1" => "[1, 2]", "page=2" => "[3, 4]", _ => "[]" };
    ///         conn.ok(page)
    ///     });
    ///
    /// let all: Vec<u32> = JsonApi::new(&url)?
    ///     .paginator::<u32>()
    ///     .items()
    ///     .map(|item| item.unwrap().item)
    ///     .collect()
    ///     .await;
    /// assert_eq!(all, [1, 2, 3, 4]);
    /// assert!(JsonApi::new("ftp://example.com/items").is_err()); // http and https only
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub fn new(url: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let url = Url::parse(url)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("not an http or https URL: {}", redact(&url)).into());
        }
        Ok(Self::with_client(HttpClient::new()?, url))
    }

    /// An API at `url` using `client`: an `isahc::HttpClient`, a `surf::Client`
    /// (feature `surf`) or any [`Client`]. Reuse one client for many paginators:
    /// it keeps connections alive. Whatever the client's redirect policy, aiter
    /// follows redirects itself (up to 10 a page), so that no credential follows
    /// one to another origin and no redirect leaves `https` for `http`.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::{JsonApi, Style};
    /// use futures_lite::StreamExt;
    ///
    /// // A loopback API: pages 1 and 2 hold two items each, page 3 is empty.
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let url = format!("http://{}/items", listener.local_addr()?);
    /// trillium_smol::config()
    ///     .without_signals()
    ///     .with_prebound_server(smol::net::TcpListener::try_from(listener)?)
    ///     .spawn(|conn: trillium::Conn| async move {
    ///         let page = match conn.querystring() { "page=1" => "[1, 2]", "page=2" => "[3, 4]", _ => "[]" };
    ///         conn.ok(page)
    ///     });
    ///
    /// // One client, kept alive across paginators.
    /// let client = aiter::http::isahc::HttpClient::new()?;
    /// let api = JsonApi::with_client(client, url::Url::parse(&url)?);
    /// assert_eq!(api.paginator::<u32>().items().count().await, 4);
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub fn with_client(client: impl Client, mut url: Url) -> Self {
        let requests = Requester::new(client, &mut url);
        Self {
            requests,
            url,
            style: Style::page(),
            items_at: String::new(),
            max_page_len: DEFAULT_MAX_PAGE_LEN,
            prints: Fingerprinter::new(),
        }
    }

    /// Lets a next URL, a `Link` target or a redirect go from `https` to plain
    /// `http` (default: an error naming both URLs). Schemes other than `http` and
    /// `https` are always an error.
    ///
    /// ```
    /// let api = aiter::http::JsonApi::new("https://api.example.com/items")?.allow_https_to_http(true);
    /// # let _ = api;
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn allow_https_to_http(mut self, allow: bool) -> Self {
        self.requests.allow_https_to_http = allow;
        self
    }

    /// Sets the pagination style (default [`Style::page`]).
    ///
    /// ```
    /// use aiter::http::{JsonApi, Style};
    /// let api = JsonApi::new("https://api.example.com/items")?.style(Style::Cursor {
    ///     param: "after".into(),
    ///     path: "/meta/next".into(),
    /// });
    /// assert!(format!("{api:?}").contains("after"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }

    /// Sets the JSON pointer of the items' array (default `""`: the body is the array).
    ///
    /// ```
    /// // The items of {"data": [...], "next_cursor": "..."}.
    /// let api = aiter::http::JsonApi::new("https://api.example.com/items")?.items_at("/data");
    /// assert!(format!("{api:?}").contains("/data"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn items_at(mut self, pointer: &str) -> Self {
        pointer.clone_into(&mut self.items_at);
        self
    }

    /// Adds a header to every request. `Authorization`, `Cookie`,
    /// `Proxy-Authorization` and the usual API-key headers (`X-Api-Key`,
    /// `Api-Key`, `X-Auth-Token`, `X-Access-Token`, `Private-Token`, ...) are
    /// treated as credentials (see [`JsonApi`]).
    ///
    /// The chain never stops for an error: a name or value that is not a valid
    /// header makes the first page fail with an error that names the header (not
    /// its value, which may be a secret), and nothing is sent.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::{JsonApi, Style};
    /// use futures_lite::StreamExt;
    ///
    /// let api = JsonApi::new("https://api.example.com/items")?
    ///     .header("Accept-Language", "en")
    ///     .header("X-Api-Key", "secret") // a credential: first origin only
    ///     .style(Style::cursor());
    /// assert!(format!("{api:?}").contains("x-api-key"));
    ///
    /// // A header that cannot be sent fails the first page; nothing is sent.
    /// let mut items = JsonApi::new("https://api.example.com/items")?
    ///     .header("Bad Name", "x")
    ///     .paginator::<u32>()
    ///     .items();
    /// let error = items.next().await.unwrap().unwrap_err();
    /// let cause = std::error::Error::source(&error).unwrap().to_string();
    /// assert!(cause.contains("invalid header name \"Bad Name\""), "{cause}");
    /// assert!(items.next().await.is_none());
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.requests.add_header(name, value, false);
        self
    }

    /// Adds a header that is a credential: sent only to the first URL's origin.
    /// An invalid header fails the first page, as with [`JsonApi::header`].
    ///
    /// ```
    /// let api = aiter::http::JsonApi::new("https://api.example.com/items")?
    ///     .sensitive_header("X-Tenant-Secret", "s3cr3t");
    /// assert!(!format!("{api:?}").contains("s3cr3t"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn sensitive_header(mut self, name: &str, value: &str) -> Self {
        self.requests.add_header(name, value, true);
        self
    }

    /// Sets the largest page body read, in bytes (default [`DEFAULT_MAX_PAGE_LEN`]).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::{JsonApi, Style};
    /// use futures_lite::StreamExt;
    ///
    /// // A loopback API: pages 1 and 2 hold two items each, page 3 is empty.
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let url = format!("http://{}/items", listener.local_addr()?);
    /// trillium_smol::config()
    ///     .without_signals()
    ///     .with_prebound_server(smol::net::TcpListener::try_from(listener)?)
    ///     .spawn(|conn: trillium::Conn| async move {
    ///         let page = match conn.querystring() { "page=1" => "[1, 2]", "page=2" => "[3, 4]", _ => "[]" };
    ///         conn.ok(page)
    ///     });
    ///
    /// // Pages of at most 4 bytes: "[1, 2]" is over the limit, a page error.
    /// let mut items = JsonApi::new(&url)?.max_page_len(4).paginator::<u32>().items();
    /// let error = items.next().await.unwrap().unwrap_err();
    /// assert_eq!(error.number(), 1);
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    #[must_use]
    pub fn max_page_len(mut self, max_len: usize) -> Self {
        self.max_page_len = max_len;
        self
    }

    #[doc(hidden)]
    #[deprecated(since = "0.1.0", note = "renamed max_page_len (a usize)")]
    #[must_use]
    pub fn max_page_bytes(self, max: u64) -> Self {
        self.max_page_len(usize::try_from(max).unwrap_or(usize::MAX))
    }

    /// A paginator over this API's items, decoded as `T`.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::{JsonApi, Style};
    /// use futures_lite::StreamExt;
    ///
    /// // A loopback API: pages 1 and 2 hold two items each, page 3 is empty.
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let url = format!("http://{}/items", listener.local_addr()?);
    /// trillium_smol::config()
    ///     .without_signals()
    ///     .with_prebound_server(smol::net::TcpListener::try_from(listener)?)
    ///     .spawn(|conn: trillium::Conn| async move {
    ///         let page = match conn.querystring() { "page=1" => "[1, 2]", "page=2" => "[3, 4]", _ => "[]" };
    ///         conn.ok(page)
    ///     });
    ///
    /// // A paginator: prefetch, retries, caps and resume, as for any fetch function.
    /// let mut items = JsonApi::new(&url)?.style(Style::page()).paginator::<u32>().prefetch(2).max_items(3).items();
    /// let mut first = Vec::new();
    /// while let Some(item) = items.next().await {
    ///     first.push(item?.item);
    /// }
    /// assert_eq!(first, [1, 2, 3]);
    /// let rest: Vec<u32> = JsonApi::new(&url)?
    ///     .paginator::<u32>()
    ///     .resume(items.position().unwrap()) // where the cap stopped
    ///     .items()
    ///     .map(|item| item.unwrap().item)
    ///     .collect()
    ///     .await;
    /// assert_eq!(rest, [4]);
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub fn paginator<T: DeserializeOwned + Send + 'static>(self) -> Paginator<T> {
        let api = Arc::new(self);
        let paginator = match &api.style {
            Style::Page { start, .. } => {
                Paginator::page_numbers(*start, 1, fetch_by(&api, PageKey::Page))
            }
            Style::Offset { limit, .. } => {
                Paginator::offsets(0, *limit, fetch_by(&api, PageKey::Offset))
            }
            Style::Cursor { .. } => Paginator::cursors(fetch_by(&api, PageKey::Cursor)),
            Style::Link | Style::Next { .. } => {
                Paginator::next_urls(api.url.to_string(), fetch_by(&api, PageKey::Url))
            }
        };
        let hint = match &api.style {
            Style::Page { param, .. } => format!("does the API take the parameter `{param}`?"),
            Style::Offset {
                offset_param,
                limit_param,
                ..
            } => format!("does the API take the parameters `{offset_param}` and `{limit_param}`?"),
            Style::Cursor { param, path } => format!(
                "does the API take the parameter `{param}`, and is its next cursor at `{path}`?"
            ),
            Style::Link | Style::Next { .. } => {
                "does the API's next URL select the next page?".to_owned()
            }
        };
        paginator.repeat_hint(hint)
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
        let (url, mut response) = self.requests.send(self.url_for(&key)?).await?;
        let status = response.status;
        let body = read_body(&mut response, self.max_page_len as u64)
            .await
            .map_err(|error| error.with_url(url.as_str()).with_status(status))?;
        if !(200..300).contains(&status) {
            let transient = matches!(status, 408 | 429 | 500 | 502 | 503 | 504);
            let message = isahc::http::StatusCode::from_u16(status)
                .ok()
                .and_then(|status| status.canonical_reason())
                .unwrap_or("unexpected status")
                .to_ascii_lowercase();
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
        let next_at = match &self.style {
            Style::Cursor { path, .. } | Style::Next { path } => Some(path.as_str()),
            _ => None,
        };
        let read = read_page::<T>(&body, &self.items_at, next_at, &self.prints)
            .map_err(|error| fail(format!("malformed JSON body: {error}")))?;
        if !read.found_items {
            return Err(fail(format!("no array at {:?} in the body", self.items_at)));
        }
        let next = self.next_of(&url, &response, read.next).map_err(fail)?;
        let mut page = Page::with_next(read.items, next).with_fingerprint(read.fingerprint);
        for (index, error) in read.rejected {
            // The page error around it names the page, the entry and the URL.
            let reason = format!("does not fit the item type: {error}");
            let error = FetchError::permanent(reason)
                .with_status(status)
                .with_url(url.as_str());
            page = page.reject(index, error);
        }
        Ok(page)
    }

    /// The next cursor or URL of a page, from its body value or `Link` header. A
    /// value of the wrong type, or a header that is not ASCII, is an error, never
    /// taken for "no more pages".
    fn next_of(
        &self,
        url: &Url,
        response: &Response,
        value: Option<Value>,
    ) -> Result<Option<String>, String> {
        let describe = |value: &Value| match value {
            Value::Bool(_) => "a boolean",
            Value::Object(_) => "an object",
            Value::Array(_) => "an array",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Null => "null",
        };
        Ok(match &self.style {
            Style::Cursor { path, .. } => match value {
                None | Some(Value::Null) => None,
                Some(Value::String(cursor)) if cursor.is_empty() => None,
                Some(Value::String(cursor)) => Some(cursor),
                Some(Value::Number(cursor)) => Some(cursor.to_string()),
                Some(other) => {
                    return Err(format!(
                        "malformed page: the cursor at {path:?} is {}, not a string",
                        describe(&other)
                    ));
                }
            },
            Style::Next { path } => match value {
                None | Some(Value::Null) => None,
                Some(Value::String(next)) if next.is_empty() => None,
                Some(Value::String(next)) => Some(self.requests.follow(url, &next)?.into()),
                Some(other) => {
                    return Err(format!(
                        "malformed page: the next URL at {path:?} is {}, not a string",
                        describe(&other)
                    ));
                }
            },
            Style::Link => {
                let mut links = Vec::new();
                for value in response.headers.get_all(LINK) {
                    links.push(value.to_str().map_err(|_| {
                        "malformed page: a Link header with bytes that are not ASCII".to_owned()
                    })?);
                }
                match next_link(&links.join(", ")) {
                    Some(next) => Some(self.requests.follow(url, &next)?.into()),
                    None => None,
                }
            }
            Style::Page { .. } | Style::Offset { .. } => None,
        })
    }
}

impl fmt::Debug for JsonApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonApi")
            .field("url", &self.url.as_str())
            .field("style", &self.style)
            .field("items_at", &self.items_at)
            .field("headers", &self.requests.header_names())
            .finish_non_exhaustive()
    }
}

/// Reads a body, refusing one over `max` bytes.
/// A fetch function for one style: its key made a [`PageKey`] again, so one
/// [`JsonApi::fetch`] serves every style.
fn fetch_by<K: 'static, T>(
    api: &Arc<JsonApi>,
    key: fn(K) -> PageKey,
) -> impl Fn(K) -> BoxedFetch<T> + Send + Sync + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    let api = api.clone();
    move |value| {
        let api = api.clone();
        let key = key(value);
        Box::pin(async move { api.fetch(key).await })
    }
}

type BoxedFetch<T> = Pin<Box<dyn Future<Output = Result<Page<T>, FetchError>> + Send>>;

async fn read_body(response: &mut Response, max: u64) -> Result<Vec<u8>, FetchError> {
    // Sized from Content-Length when it is announced (up to the limit): one
    // allocation, not a doubling that can reach twice the body.
    let announced = super::content_length(&response.headers)
        .map_or(0, |length| length.min(max).saturating_add(1));
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    (&mut response.body)
        .take(max.saturating_add(1))
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
fn retry_after(response: &Response) -> Option<Duration> {
    parse_retry_after(response.header(RETRY_AFTER.as_str())?)
}

/// A `Retry-After` value: seconds (any number of digits; more than a `u64` holds is
/// as long as can be, and the retry policy's cap applies), or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More seconds than a u64 holds: as long as can be (the cap applies).
        return Some(Duration::MAX);
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::{JsonApi, parse_retry_after};
    use crate::paginate::RetryPolicy;

    proptest! {
        #[test]
        fn any_retry_after_value_is_read_without_panic(value in "\\PC{0,40}") {
            let delay = parse_retry_after(&value);
            let policy = RetryPolicy::default().max_retry_after(Duration::MAX);
            let _ = policy.delay(3, delay);
        }

        #[test]
        fn any_number_of_seconds_is_a_delay(digits in "[0-9]{1,60}") {
            prop_assert!(parse_retry_after(&digits).is_some());
        }
    }

    #[test]
    fn https_to_http_is_refused_unless_allowed_and_other_schemes_always() {
        let api = JsonApi::new("https://api.test/items").unwrap();
        let from = url::Url::parse("https://api.test/items").unwrap();
        let error = api
            .requests
            .follow(&from, "http://api.test/items?page=2")
            .unwrap_err();
        assert!(
            error.contains("http://api.test/items?page=2")
                && error.contains("https://api.test/items"),
            "{error}"
        );
        assert!(api.requests.follow(&from, "https://other.test/x").is_ok());
        assert!(
            api.requests
                .follow(&from, "file:///etc/passwd")
                .unwrap_err()
                .contains("file")
        );
        let api = api.allow_https_to_http(true);
        assert!(
            api.requests
                .follow(&from, "http://api.test/items?page=2")
                .is_ok()
        );
        assert!(api.requests.follow(&from, "ftp://api.test/").is_err());
        // user:password@ in a next URL is dropped.
        let next = api
            .requests
            .follow(&from, "https://u:p@api.test/2")
            .unwrap();
        assert_eq!(next.as_str(), "https://api.test/2");
    }

    #[test]
    fn only_http_and_https_first_urls() {
        assert!(JsonApi::new("ftp://api.test/").is_err());
        assert!(JsonApi::new("http://api.test/").is_ok());
    }
}
