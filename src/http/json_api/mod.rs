//! [`JsonApi`]: a paginated JSON API over HTTP, in any pagination style. The
//! settings are here, the pagination styles in `style.rs`, what a key makes of a
//! request (query or body) in `request.rs`, what says the run is over in
//! `stop.rs`, the GraphQL preset in `graphql.rs`, and how a page is fetched and
//! read in `fetch.rs`.

mod fetch;
mod graphql;
mod request;
mod stop;
mod style;

pub(crate) use fetch::parse_retry_after;
pub use style::Style;

use std::fmt;
use std::sync::Arc;

use isahc::HttpClient;
use serde::de::DeserializeOwned;
use url::Url;

use super::client::Client;
use super::requester::{Requester, redact};
use crate::paginate::fingerprint::Fingerprinter;
use crate::paginate::{PageKey, Paginator};
use graphql::GraphQl;
use stop::StopAt;

/// The largest page body [`JsonApi`] reads unless told otherwise: 32 MiB.
///
/// ```
/// assert_eq!(aiter::http::DEFAULT_MAX_PAGE_LEN, 32 << 20);
/// ```
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
    item_at: String,
    max_page_len: usize,
    prints: Fingerprinter,
    stop: StopAt,
    body: Option<serde_json::Value>,
    body_key: Option<String>,
    graphql: Option<GraphQl>,
    /// A GraphQL setting that could not be taken: the first page fails with it.
    graphql_error: Option<String>,
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
            item_at: String::new(),
            max_page_len: DEFAULT_MAX_PAGE_LEN,
            prints: Fingerprinter::new(),
            stop: StopAt::default(),
            body: None,
            body_key: None,
            graphql: None,
            graphql_error: None,
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

    /// Sets a JSON pointer applied inside every entry of the items' array: the
    /// item is what is there (`/node` for Relay edges, `/_source` for search
    /// hits). Keys, cursors and fingerprints are still read from the whole entry.
    /// An entry without it is a rejected entry (an error item), and the run goes
    /// on. Default `""`: the entry is the item.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::JsonApi;
    /// use futures_lite::StreamExt;
    ///
    /// // Search hits: the documents are each hit's _source.
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let url = format!("http://{}/_search", listener.local_addr()?);
    /// trillium_smol::config()
    ///     .without_signals()
    ///     .with_prebound_server(smol::net::TcpListener::try_from(listener)?)
    ///     .spawn(|conn: trillium::Conn| async move {
    ///         let page = match conn.querystring() {
    ///             "page=1" => r#"{"hits": {"hits": [{"_id": "a", "_source": {"n": 1}}, {"_id": "b"}]}}"#,
    ///             _ => r#"{"hits": {"hits": []}}"#,
    ///         };
    ///         conn.ok(page)
    ///     });
    ///
    /// let got: Vec<Result<serde_json::Value, String>> = JsonApi::new(&url)?
    ///     .items_at("/hits/hits")
    ///     .item_at("/_source")
    ///     .paginator()
    ///     .items()
    ///     .map(|item| item.map(|item| item.item).map_err(|error| error.to_string()))
    ///     .collect()
    ///     .await;
    /// assert_eq!(got[0], Ok(serde_json::json!({"n": 1})));
    /// assert!(got[1].as_ref().unwrap_err().contains("entry 2")); // no _source
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    #[must_use]
    pub fn item_at(mut self, pointer: &str) -> Self {
        pointer.clone_into(&mut self.item_at);
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
    /// assert!(cause.contains("invalid header name \"Bad\" (and more)"), "{cause}");
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
        let api = Arc::new(self.graphql_preset());
        // One fetch function for every style: JsonApi::fetch takes whole keys.
        let fetch = {
            let api = api.clone();
            move |key: PageKey| {
                let api = api.clone();
                async move { api.fetch(key).await }
            }
        };
        let (start, step) = match (&api.graphql, &api.style) {
            (Some(_), _) | (None, Style::Cursor { .. }) => (PageKey::Cursor(None), 1),
            (None, Style::Page { start, .. }) => (PageKey::Page(*start), 1),
            (None, Style::Offset { limit, .. }) => (PageKey::Offset(0), *limit),
            (None, Style::After { .. }) => (PageKey::After(None), 1),
            (None, Style::Link | Style::Next { .. }) => (PageKey::Url(api.url.to_string()), 1),
        };
        let paginator = Paginator::over_keys(start, step, fetch);
        let hint = match (&api.graphql, &api.style) {
            (Some(graphql), _) => format!(
                "does the query pass the variable `${}` to the connection's `after`?",
                graphql.cursor_var
            ),
            (None, Style::Page { param, .. }) => {
                format!("does the API take the parameter `{param}`?")
            }
            (
                None,
                Style::Offset {
                    offset_param,
                    limit_param,
                    ..
                },
            ) => format!("does the API take the parameters `{offset_param}` and `{limit_param}`?"),
            (None, Style::Cursor { param, path }) => format!(
                "does the API take the parameter `{param}`, and is its next cursor at `{path}`?"
            ),
            (None, Style::After { param, path }) => format!(
                "does the API take the parameter `{param}`, and is the key at `{path}` in each entry?"
            ),
            (None, Style::Link | Style::Next { .. }) => {
                "does the API's next URL select the next page?".to_owned()
            }
        };
        paginator.repeat_hint(hint)
    }
}

/// What kind of JSON value `value` is, for error messages.
pub(super) fn describe(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Bool(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Null => "null",
    }
}

impl fmt::Debug for JsonApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonApi")
            .field("url", &self.url.as_str())
            .field("style", &self.style)
            .field("items_at", &self.items_at)
            .field("item_at", &self.item_at)
            .field("stop", &self.stop)
            .field("body", &self.body)
            .field("body_key", &self.body_key)
            .field("graphql", &self.graphql)
            .field("headers", &self.requests.header_names())
            .finish_non_exhaustive()
    }
}
