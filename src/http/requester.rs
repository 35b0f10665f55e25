//! [`Requester`]: GET requests for [`JsonApi`](super::JsonApi) and
//! [`EventSource`](super::EventSource): redirects followed by aiter itself,
//! credentials only to the first URL's origin, `http` and `https` only.

use std::sync::Arc;

use base64::Engine;
use isahc::http::HeaderMap;
use isahc::http::header::{
    AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderName, HeaderValue, LOCATION, PROXY_AUTHORIZATION,
};
use url::Url;

use super::client::{Client, Response};
use crate::paginate::FetchError;

/// Headers that carry credentials by common use, besides `Authorization`, `Cookie`
/// and `Proxy-Authorization`: sent only to the first URL's origin.
const SENSITIVE_HEADERS: &[&str] = &[
    "api-key",
    "apikey",
    "x-api-key",
    "x-apikey",
    "x-auth-token",
    "x-access-token",
    "x-session-token",
    "x-csrf-token",
    "x-xsrf-token",
    "private-token",
    "job-token",
    "x-goog-api-key",
    "x-amz-security-token",
    "authentication",
    "ocp-apim-subscription-key",
];

/// Redirects followed for one page before it is an error.
const MAX_REDIRECTS: u32 = 10;

/// A client, the first URL's origin, headers and credentials.
#[derive(Clone)]
pub(crate) struct Requester {
    client: Arc<dyn Client>,
    /// The first URL: credentials go to its origin only.
    first: Url,
    headers: Vec<(HeaderName, HeaderValue, bool)>,
    /// User and password from the first URL, sent as Basic credentials to its
    /// origin only (the URL itself is kept without them).
    credentials: Option<(String, String)>,
    pub(crate) allow_https_to_http: bool,
    /// The first header that could not be added: every request fails with it,
    /// so a builder chain never stops for a `Result`.
    invalid_header: Option<String>,
}

impl Requester {
    /// Requests starting at `url`, whose `user:password@` is taken out of it.
    pub(crate) fn new(client: impl Client, url: &mut Url) -> Self {
        let credentials = (!url.username().is_empty() || url.password().is_some()).then(|| {
            (
                percent_decode(url.username()),
                percent_decode(url.password().unwrap_or("")),
            )
        });
        strip_user_info(url);
        Self {
            client: Arc::new(client),
            first: url.clone(),
            headers: Vec::new(),
            credentials,
            allow_https_to_http: false,
            invalid_header: None,
        }
    }

    /// Adds a header to every request; credentials only to the first origin. A
    /// name or value that is not a valid header is kept as the error every
    /// request then fails with (its value left out: it may be a secret).
    pub(crate) fn add_header(&mut self, name: &str, value: &str, sensitive: bool) {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|error| format!("invalid header name {}: {error}", shown_name(name)))
            .and_then(|name| match HeaderValue::from_str(value) {
                Ok(value) => Ok((name, value)),
                Err(error) => Err(format!("invalid value for header {name}: {error}")),
            });
        match header {
            Ok((name, mut value)) => {
                let sensitive = sensitive
                    || [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION].contains(&name)
                    || SENSITIVE_HEADERS.contains(&name.as_str());
                value.set_sensitive(sensitive);
                self.headers.push((name, value, sensitive));
            }
            Err(message) => {
                self.invalid_header.get_or_insert(message);
            }
        }
    }

    /// The error every request fails with, if a header could not be added.
    pub(crate) fn invalid_header(&self) -> Option<FetchError> {
        let message = self.invalid_header.as_ref()?;
        Some(FetchError::permanent(message.clone()).with_url(redact(&self.first)))
    }

    /// The names of the headers added, for `Debug` (values may be secrets).
    pub(crate) fn header_names(&self) -> Vec<&str> {
        self.headers
            .iter()
            .map(|(name, _, _)| name.as_str())
            .collect()
    }

    /// Sends a GET for `url`, or a POST of the JSON `body` when there is one,
    /// following redirects (up to [`MAX_REDIRECTS`]) with the scheme rules, and
    /// credentials only to the first URL's origin. Returns the final URL and its
    /// response.
    ///
    /// A POST follows only 307 and 308, which keep the method and the body; a
    /// 301, 302 or 303 would turn it into a GET without its body, which asks for
    /// another page, so those are errors.
    pub(crate) async fn send(
        &self,
        url: Url,
        body: Option<&[u8]>,
    ) -> Result<(Url, Response), FetchError> {
        let mut headers = HeaderMap::new();
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        self.send_with(url, &headers, body).await
    }

    /// [`Requester::send`] with headers of the caller's own (sent everywhere).
    pub(crate) async fn send_with(
        &self,
        mut url: Url,
        extra: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<(Url, Response), FetchError> {
        if let Some(error) = self.invalid_header() {
            return Err(error);
        }
        for _ in 0..=MAX_REDIRECTS {
            let same_origin = url.origin() == self.first.origin();
            let mut headers = extra.clone();
            for (name, value, sensitive) in &self.headers {
                if same_origin || !sensitive {
                    headers.append(name.clone(), value.clone());
                }
            }
            if let (true, Some((user, password))) = (same_origin, &self.credentials) {
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                let mut value = HeaderValue::from_str(&format!("Basic {token}"))
                    .map_err(|error| FetchError::permanent(error).with_url(url.as_str()))?;
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
            }
            let sent = match body {
                None => self.client.get(url.as_str(), &headers),
                Some(body) => self.client.post_json(url.as_str(), &headers, body),
            };
            let response = sent.await.map_err(|error| {
                let error = if error.is_transient() {
                    FetchError::transient(error)
                } else {
                    FetchError::permanent(error)
                };
                error.with_url(url.as_str())
            })?;
            let status = response.status;
            let location = response
                .headers
                .get(LOCATION)
                .filter(|_| matches!(status, 301 | 302 | 303 | 307 | 308));
            let Some(location) = location else {
                return Ok((url, response));
            };
            if body.is_some() && !matches!(status, 307 | 308) {
                let message = format!(
                    "a POST redirected with {status}, which would turn it into a GET without its body (only 307 and 308 are followed for a POST)"
                );
                return Err(FetchError::permanent(message)
                    .with_status(status)
                    .with_url(url.as_str()));
            }
            let target = location
                .to_str()
                .map_err(|_| "a redirect Location that is not ASCII".to_owned())
                .and_then(|location| self.follow(&url, location))
                .map_err(|message| {
                    FetchError::permanent(message)
                        .with_status(status)
                        .with_url(url.as_str())
                })?;
            url = target;
        }
        Err(
            FetchError::permanent(format!("more than {MAX_REDIRECTS} redirects"))
                .with_url(url.as_str()),
        )
    }

    /// `next` (a next URL, `Link` target or redirect) resolved against `from`, if
    /// it may be followed: `http` or `https` only, and never from `https` to
    /// `http` unless allowed. A `user:password@` in it is dropped.
    pub(crate) fn follow(&self, from: &Url, next: &str) -> Result<Url, String> {
        let mut target = from
            .join(next)
            .map_err(|error| format!("bad next URL {next:?}: {error}"))?;
        strip_user_info(&mut target);
        match (from.scheme(), target.scheme()) {
            ("https", "http") if !self.allow_https_to_http => Err(format!(
                "the next URL {target} leaves https for http (from {from}); allow it with allow_https_to_http"
            )),
            (_, "http" | "https") => Ok(target),
            (_, scheme) => Err(format!(
                "the next URL {target} has scheme {scheme:?}, not http or https (from {from})"
            )),
        }
    }
}

/// An invalid header name, for an error message: up to its first space or colon,
/// since what follows may be a value someone wrote into the name
/// (`"Authorization: Bearer ..."`).
fn shown_name(name: &str) -> String {
    match name.find([' ', ':', '\t']) {
        Some(end) => format!("{:?} (and more)", &name[..end]),
        None => format!("{name:?}"),
    }
}

/// Takes `user:password@` out of a URL.
fn strip_user_info(url: &mut Url) {
    // Both fail only for URLs that cannot have user info: nothing to take out.
    let _ = url.set_username("");
    let _ = url.set_password(None);
}

/// A URL for messages: without user information.
pub(crate) fn redact(url: &Url) -> String {
    let mut url = url.clone();
    strip_user_info(&mut url);
    url.into()
}

/// A user name or password from a URL, percent-decoded.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}
