//! How [`JsonApi`] fetches a page: its URL, the request with retries' inputs,
//! the body within its limit, its items and what comes next.

use std::time::{Duration, SystemTime};

use futures_lite::AsyncReadExt;
use isahc::http::header::{LINK, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::{JsonApi, Style};
use crate::http::client::Response;
use crate::http::next_link;
use crate::http::page_body::read_page;
use crate::paginate::{FetchError, Page, PageKey};

impl JsonApi {
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

    pub(super) async fn fetch<T: DeserializeOwned>(
        &self,
        key: PageKey,
    ) -> Result<Page<T>, FetchError> {
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

/// Reads a body, refusing one over `max` bytes.
async fn read_body(response: &mut Response, max: u64) -> Result<Vec<u8>, FetchError> {
    // Sized from Content-Length when it is announced (up to the limit): one
    // allocation, not a doubling that can reach twice the body.
    let announced = crate::http::content_length(&response.headers)
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
