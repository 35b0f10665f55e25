//! [`Client`]: the small HTTP client interface aiter's HTTP parts use, with
//! implementations for isahc (the default) and surf (feature `surf`).

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_lite::AsyncRead;
use isahc::http::HeaderMap;

/// A response body: any `AsyncRead`.
///
/// ```
/// let body: aiter::http::Body = Box::pin(futures_lite::io::Cursor::new(b"any AsyncRead".to_vec()));
/// # drop(body);
/// ```
pub type Body = Pin<Box<dyn AsyncRead + Send>>;

/// The future a [`Client`] returns.
///
/// ```
/// use aiter::http::{Client, ClientError, Response, ResponseFuture};
/// use aiter::http::isahc::http::HeaderMap;
///
/// // A client that answers every request from memory (a test double, a cache...).
/// struct Canned;
/// impl Client for Canned {
///     fn get<'a>(&'a self, _url: &'a str, _headers: &'a HeaderMap) -> ResponseFuture<'a> {
///         Box::pin(async { Ok::<_, ClientError>(Response::new(200, HeaderMap::new(), Box::pin(&b"[]"[..]))) })
///     }
/// }
/// # drop(Canned);
/// ```
pub type ResponseFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response, ClientError>> + Send + 'a>>;

/// What aiter needs of a response: its status, its headers and its body.
///
/// ```
/// let response = aiter::http::Response::new(204, Default::default(), Box::pin(futures_lite::io::empty()));
/// assert_eq!(response.status, 204);
/// ```
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers (names lowercase).
    pub headers: HeaderMap,
    /// The body, read as it arrives.
    pub body: Body,
}

impl Response {
    /// A response from its parts.
    ///
    /// ```
    /// let response = aiter::http::Response::new(200, Default::default(), Box::pin(&b"body"[..]));
    /// assert_eq!(response.status, 200);
    /// ```
    pub fn new(status: u16, headers: HeaderMap, body: Body) -> Self {
        Self {
            status,
            headers,
            body,
        }
    }

    /// The first value of header `name` as text, if it is there and ASCII.
    ///
    /// ```
    /// let mut headers = aiter::http::isahc::http::HeaderMap::new();
    /// headers.insert("content-type", "text/event-stream".parse().unwrap());
    /// let response = aiter::http::Response::new(200, headers, Box::pin(futures_lite::io::empty()));
    /// assert_eq!(response.header("Content-Type"), Some("text/event-stream"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl From<isahc::Response<isahc::AsyncBody>> for Response {
    fn from(response: isahc::Response<isahc::AsyncBody>) -> Self {
        let (parts, body) = response.into_parts();
        Self::new(parts.status.as_u16(), parts.headers, Box::pin(body))
    }
}

/// A request that could not be sent or answered. Transient ones (connection
/// failures, timeouts, name resolution) are worth retrying.
///
/// ```
/// let error = aiter::http::ClientError::transient("connection refused");
/// assert!(error.is_transient());
/// assert_eq!(error.to_string(), "connection refused");
/// ```
#[derive(Debug)]
pub struct ClientError {
    transient: bool,
    source: Box<dyn Error + Send + Sync>,
}

impl ClientError {
    /// An error worth retrying.
    ///
    /// ```
    /// assert!(aiter::http::ClientError::transient("timed out").is_transient());
    /// ```
    pub fn transient(error: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self {
            transient: true,
            source: error.into(),
        }
    }

    /// An error that will not go away by retrying.
    ///
    /// ```
    /// assert!(!aiter::http::ClientError::permanent("bad URL").is_transient());
    /// ```
    pub fn permanent(error: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self {
            transient: false,
            source: error.into(),
        }
    }

    /// True when retrying may help.
    ///
    /// ```
    /// assert!(aiter::http::ClientError::transient("reset").is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        self.transient
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

/// Prints the client's error, so `source()` goes on below it.
impl Error for ClientError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.source()
    }
}

/// An HTTP client as aiter uses one: send a GET with headers, without following
/// redirects (aiter follows them itself, to keep credentials to their origin),
/// and give back the status, the headers and the body as an `AsyncRead`.
///
/// Implemented for `isahc::HttpClient` and, with feature `surf`, `surf::Client`.
/// Implement it to plug in another client.
///
/// ```
/// use aiter::http::{Client, ClientError, Response, ResponseFuture};
/// use aiter::http::isahc::http::HeaderMap;
///
/// /// A client that answers 204 to everything, for tests.
/// struct NoContent;
///
/// impl Client for NoContent {
///     fn get<'a>(&'a self, _url: &'a str, _headers: &'a HeaderMap) -> ResponseFuture<'a> {
///         Box::pin(async { Ok(Response::new(204, HeaderMap::new(), Box::pin(futures_lite::io::empty()))) })
///     }
/// }
/// # futures_lite::future::block_on(async {
/// let response = NoContent.get("http://example.com/", &HeaderMap::new()).await?;
/// assert_eq!(response.status, 204);
/// # Ok::<(), ClientError>(()) }).unwrap();
/// ```
pub trait Client: Send + Sync + 'static {
    /// Sends `GET url` with `headers`; redirects are returned, not followed.
    fn get<'a>(&'a self, url: &'a str, headers: &'a HeaderMap) -> ResponseFuture<'a>;

    /// Sends `POST url` with `headers` (they include the `Content-Type`) and
    /// `body`, a JSON document; redirects are returned, not followed. Used by
    /// [`JsonApi::post`](super::JsonApi::post) and GraphQL paging. The default
    /// answers with a permanent error: a client that only implements
    /// [`Client::get`] pages GET APIs alone.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::{Client, ClientError, Response, ResponseFuture};
    /// use aiter::http::isahc::http::HeaderMap;
    ///
    /// struct GetOnly;
    /// impl Client for GetOnly {
    ///     fn get<'a>(&'a self, _url: &'a str, _headers: &'a HeaderMap) -> ResponseFuture<'a> {
    ///         Box::pin(async { Ok(Response::new(204, HeaderMap::new(), Box::pin(futures_lite::io::empty()))) })
    ///     }
    /// }
    /// let error = GetOnly.post_json("http://example.com/", &HeaderMap::new(), b"{}").await.unwrap_err();
    /// assert!(!error.is_transient());
    /// # });
    /// ```
    fn post_json<'a>(
        &'a self,
        url: &'a str,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> ResponseFuture<'a> {
        let _ = (url, headers, body);
        Box::pin(async {
            Err(ClientError::permanent(
                "this HTTP client does not send POST requests (implement Client::post_json)",
            ))
        })
    }
}

impl<C: Client + ?Sized> Client for Arc<C> {
    fn get<'a>(&'a self, url: &'a str, headers: &'a HeaderMap) -> ResponseFuture<'a> {
        (**self).get(url, headers)
    }

    fn post_json<'a>(
        &'a self,
        url: &'a str,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> ResponseFuture<'a> {
        (**self).post_json(url, headers, body)
    }
}

impl Client for isahc::HttpClient {
    fn get<'a>(&'a self, url: &'a str, headers: &'a HeaderMap) -> ResponseFuture<'a> {
        Box::pin(isahc_send(
            self,
            isahc::Request::get(url),
            headers,
            Vec::new(),
        ))
    }

    fn post_json<'a>(
        &'a self,
        url: &'a str,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> ResponseFuture<'a> {
        Box::pin(isahc_send(
            self,
            isahc::Request::post(url),
            headers,
            body.to_vec(),
        ))
    }
}

/// Sends one isahc request without following redirects.
async fn isahc_send(
    client: &isahc::HttpClient,
    request: isahc::http::request::Builder,
    headers: &HeaderMap,
    body: Vec<u8>,
) -> Result<Response, ClientError> {
    use isahc::config::{Configurable, RedirectPolicy};
    let mut request = request.redirect_policy(RedirectPolicy::None);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let request = request.body(body).map_err(ClientError::permanent)?;
    let response = client.send_async(request).await.map_err(|error| {
        use isahc::error::ErrorKind;
        match error.kind() {
            ErrorKind::ConnectionFailed
            | ErrorKind::Io
            | ErrorKind::Timeout
            | ErrorKind::NameResolution => ClientError::transient(error),
            _ => ClientError::permanent(error),
        }
    })?;
    Ok(response.into())
}

#[cfg(feature = "surf")]
impl Client for surf::Client {
    fn get<'a>(&'a self, url: &'a str, headers: &'a HeaderMap) -> ResponseFuture<'a> {
        Box::pin(surf_send(self.get(url), headers))
    }

    fn post_json<'a>(
        &'a self,
        url: &'a str,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> ResponseFuture<'a> {
        Box::pin(surf_send(self.post(url).body_bytes(body), headers))
    }
}

/// Sends one surf request (surf's client follows no redirects unless told).
#[cfg(feature = "surf")]
async fn surf_send(
    mut request: surf::RequestBuilder,
    headers: &HeaderMap,
) -> Result<Response, ClientError> {
    for (name, value) in headers {
        let value = value.to_str().map_err(ClientError::permanent)?;
        request = request.header(name.as_str(), value);
    }
    let response = request.await.map_err(|error| {
        let status = error.status();
        let error: Box<dyn Error + Send + Sync> = error.into_inner().into();
        // surf reports failures to connect or read with a 500 of its own.
        if status == surf::StatusCode::InternalServerError {
            ClientError::transient(error)
        } else {
            ClientError::permanent(error)
        }
    })?;
    Ok(surf_response(response))
}

#[cfg(feature = "surf")]
fn surf_response(response: surf::Response) -> Response {
    let status = u16::from(response.status());
    let mut headers = HeaderMap::new();
    for (name, values) in response.iter() {
        let Ok(name) = isahc::http::header::HeaderName::from_bytes(name.as_str().as_bytes()) else {
            continue;
        };
        for value in values {
            // Bytes, not text: a header that is not ASCII is seen as it came.
            if let Ok(value) = isahc::http::HeaderValue::from_bytes(value.as_str().as_bytes()) {
                headers.append(name.clone(), value);
            }
        }
    }
    Response::new(status, headers, Box::pin(response))
}

#[cfg(feature = "surf")]
impl From<surf::Response> for Response {
    fn from(response: surf::Response) -> Self {
        surf_response(response)
    }
}
