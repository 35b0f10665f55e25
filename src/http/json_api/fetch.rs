//! How [`JsonApi`] fetches a page: the request, the body within its limit, which
//! statuses are worth a retry, its items, what comes next and what says the run
//! is over.

use std::time::{Duration, SystemTime};

use futures_lite::AsyncReadExt;
use isahc::http::header::{LINK, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::{JsonApi, Style, describe, graphql};
use crate::http::client::Response;
use crate::http::next_link;
use crate::http::page_body::{ItemsAt, PageBody, Reading, read_page};
use crate::paginate::{FetchError, Page, PageKey};

impl JsonApi {
    pub(super) async fn fetch<T: DeserializeOwned>(
        &self,
        key: PageKey,
    ) -> Result<Page<T>, FetchError> {
        if let Some(message) = &self.graphql_error {
            return Err(FetchError::permanent(message.clone()));
        }
        let (url, request_body) = self.request_for(&key)?;
        let post = request_body.is_some();
        let (url, mut response) = self.requests.send(url, request_body.as_deref()).await?;
        let status = response.status;
        let body = read_body(&mut response, self.max_page_len as u64)
            .await
            .map_err(|error| error.with_url(url.as_str()).with_status(status))?;
        if !(200..300).contains(&status) {
            return Err(status_error(status, &response, post)
                .with_url(url.as_str())
                .with_snippet(snippet(&body)));
        }
        let fail = |error: FetchError| {
            error
                .with_status(status)
                .with_url(url.as_str())
                .with_snippet(snippet(&body))
        };
        let malformed = |message: String| fail(FetchError::permanent(message));
        let read = self
            .read(&body)
            .map_err(|error| malformed(format!("malformed JSON body: {error}")))?;
        let values: Vec<Option<&Value>> = read.page.values.iter().map(Option::as_ref).collect();
        if self.graphql.is_some() {
            let data = read.page.found_items.is_some();
            graphql::check_errors(values[read.errors], data).map_err(|error| {
                let error = match retry_after(&response) {
                    Some(delay) => error.with_retry_after(delay),
                    None => error,
                };
                fail(error)
            })?;
        }
        let Some(_) = read.page.found_items else {
            return Err(malformed(match &self.graphql {
                Some(graphql) => format!(
                    "no connection at {:?} (with nodes or edges) in the response",
                    graphql.connection
                ),
                None => format!("no array at {:?} in the body", self.items_at),
            }));
        };
        let next = self.next_of(
            &url,
            &response,
            values[read.next],
            read.page.last_entry.as_ref(),
        );
        let stop_values = [
            values[read.stop[0]],
            values[read.stop[1]],
            values[read.stop[2]],
            values[read.stop[3]],
        ];
        let stop = self.stop.read(stop_values, &response);
        let mut page = Page::new(read.page.items).with_fingerprint(read.page.fingerprint);
        for (index, error) in read.page.rejected {
            // The page error around it names the page, the entry and the URL.
            let reason = format!("does not fit the item type: {error}");
            let error = FetchError::permanent(reason)
                .with_status(status)
                .with_url(url.as_str());
            page = page.reject(index, error);
        }
        // What follows the page could not be read: its items come first, then
        // the error (the position after them resumes exactly).
        match (next, stop) {
            (Err(message), _) | (_, Err(message)) => Ok(page.with_next_error(malformed(message))),
            (Ok(next), Ok(stop)) => {
                page.next = next;
                page.stop = stop;
                Ok(page)
            }
        }
    }

    /// Reads a page body: the items (at their pointer or GraphQL's choices), and
    /// the values the style, the stop settings and GraphQL need.
    fn read<T: DeserializeOwned>(&self, body: &[u8]) -> Result<Read<T>, serde_json::Error> {
        let items = match &self.graphql {
            Some(graphql) => vec![
                ItemsAt {
                    array: format!("{}/nodes", graphql.connection),
                    item: self.item_at.clone(),
                },
                ItemsAt {
                    array: format!("{}/edges", graphql.connection),
                    item: format!("/node{}", self.item_at),
                },
            ],
            None => vec![ItemsAt {
                array: self.items_at.clone(),
                item: self.item_at.clone(),
            }],
        };
        let mut pointers: Vec<String> = Vec::new();
        let mut slot = |pointer: Option<&str>| match pointer {
            Some(pointer) => {
                pointers.push(pointer.to_owned());
                pointers.len()
            }
            None => 0,
        };
        let next = slot(match &self.style {
            Style::Cursor { path, .. } | Style::Next { path } => Some(path.as_str()),
            _ => None,
        });
        let stop = self.stop.pointers().map(&mut slot);
        let errors = slot(self.graphql.as_ref().map(|_| "/errors"));
        // Slot 0 is "not asked": the values are shifted by one.
        let asked: Vec<&str> = pointers.iter().map(String::as_str).collect();
        let reading = Reading {
            items: &items,
            values: &asked,
            last_entry: matches!(self.style, Style::After { .. }),
        };
        let mut page = read_page::<T>(body, &reading, &self.prints)?;
        page.values.insert(0, None);
        Ok(Read {
            page,
            next,
            stop,
            errors,
        })
    }

    /// The next cursor, URL or key of a page, from its body value, `Link` header
    /// or last entry. A value of the wrong type, a header that is not ASCII, or a
    /// URL that may not be followed is an error, never taken for "no more pages".
    fn next_of(
        &self,
        url: &Url,
        response: &Response,
        value: Option<&Value>,
        last_entry: Option<&Value>,
    ) -> Result<Option<String>, String> {
        Ok(match &self.style {
            Style::Cursor { path, .. } => match value {
                None | Some(Value::Null) => None,
                Some(Value::String(cursor)) if cursor.is_empty() => None,
                Some(Value::String(cursor)) => Some(cursor.clone()),
                Some(Value::Number(cursor)) => Some(cursor.to_string()),
                Some(other) => {
                    return Err(format!(
                        "malformed page: the cursor at {path:?} is {}, not a string",
                        describe(other)
                    ));
                }
            },
            Style::Next { path } => match value {
                None | Some(Value::Null) => None,
                Some(Value::String(next)) if next.is_empty() => None,
                Some(Value::String(next)) => Some(self.requests.follow(url, next)?.into()),
                Some(other) => {
                    return Err(format!(
                        "malformed page: the next URL at {path:?} is {}, not a string",
                        describe(other)
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
            Style::After { path, .. } => match last_entry {
                // An empty page: nothing to go on from, the run is over.
                None => None,
                Some(entry) => match entry.pointer(path) {
                    None | Some(Value::Null) => {
                        return Err(format!(
                            "malformed page: the last entry has no key at {path:?}"
                        ));
                    }
                    Some(key) => Some(key.to_string()),
                },
            },
            Style::Page { .. } | Style::Offset { .. } => None,
        })
    }
}

/// A page body as read, with where each asked value is in `page.values` (0: not
/// asked, always `None`).
struct Read<T> {
    page: PageBody<T>,
    next: usize,
    stop: [usize; 4],
    errors: usize,
}

/// The error for a response whose status is not 2xx. Transient (retried): 408,
/// 429, 502, 503, 504, a 500 for a GET (not for a POST: the server took it and
/// failed on it), and a 403 with `Retry-After` (a rate limit: GitHub's secondary
/// limits answer so). Anything else is permanent.
fn status_error(status: u16, response: &Response, post: bool) -> FetchError {
    let delay = retry_after(response);
    let transient = match status {
        408 | 429 | 502 | 503 | 504 => true,
        500 => !post,
        403 => delay.is_some(),
        _ => false,
    };
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
    if let Some(delay) = delay {
        error = error.with_retry_after(delay);
    }
    error.with_status(status)
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
