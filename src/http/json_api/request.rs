//! What a page's key makes of its request: the URL (the key in the query) or the
//! JSON body (the key at a pointer in it), and the settings for bodies.

use serde_json::Value;
use url::Url;

use super::{JsonApi, Style};
use crate::paginate::{FetchError, PageKey};

impl JsonApi {
    /// Sends every request as a `POST` with this JSON body (`Content-Type:
    /// application/json`), for APIs that page search and query endpoints (Notion,
    /// Elasticsearch, Jira's `POST /search/jql`, AWS JSON APIs). The page's key
    /// goes in the query as usual, or into the body with [`JsonApi::body_key`].
    ///
    /// Paging requests are reads, so a POST page is retried as a GET page is on
    /// statuses and failures that say the request was not processed or did not
    /// get through (408, 429, 502, 503, 504, a 403 with `Retry-After`, connection
    /// failures and timeouts), but not on a 500: the server took the request and
    /// failed on it, and the same body fails the same way. Only 307 and 308
    /// redirects are followed for a POST (they keep the method and the body); a
    /// 301, 302 or 303 is an error.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::{JsonApi, Style};
    /// use futures_lite::StreamExt;
    /// use serde_json::json;
    ///
    /// // A Notion-like query endpoint: the cursor goes in the body's start_cursor.
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let url = format!("http://{}/query", listener.local_addr()?);
    /// trillium_smol::config()
    ///     .without_signals()
    ///     .with_prebound_server(smol::net::TcpListener::try_from(listener)?)
    ///     .spawn(|mut conn: trillium::Conn| async move {
    ///         let body: serde_json::Value = serde_json::from_str(&conn.request_body_string().await.unwrap()).unwrap();
    ///         let page = match body["start_cursor"].as_str() {
    ///             None => json!({"results": [1, 2], "has_more": true, "next_cursor": "c2"}),
    ///             Some(_) => json!({"results": [3], "has_more": false, "next_cursor": null}),
    ///         };
    ///         conn.ok(page.to_string())
    ///     });
    ///
    /// let all: Vec<u32> = JsonApi::new(&url)?
    ///     .post(json!({"page_size": 2}))
    ///     .body_key("/start_cursor")
    ///     .style(Style::cursor())
    ///     .items_at("/results")
    ///     .more_at("/has_more")
    ///     .paginator::<u32>()
    ///     .items()
    ///     .map(|item| item.unwrap().item)
    ///     .collect()
    ///     .await;
    /// assert_eq!(all, [1, 2, 3]);
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    #[must_use]
    pub fn post(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Writes the page's key (page number, offset, cursor, or keyset value) into
    /// the JSON body at `pointer` instead of the query string, creating the
    /// objects on the way (`/variables/after`, `/search_after`). The first page of
    /// a cursor or keyset run sends the body as given. Needs a body
    /// ([`JsonApi::post`]); without one, the first page fails and says so.
    /// With offsets, the page size is the body's business (`"size": 100`); the
    /// style's limit is still the page size the run expects.
    ///
    /// ```
    /// use aiter::http::{JsonApi, Style};
    /// // Elasticsearch: search_after with the last hit's sort values.
    /// let api = JsonApi::new("http://127.0.0.1:9200/logs/_search")?
    ///     .post(serde_json::json!({"size": 100, "sort": [{"ts": "asc"}, {"id": "asc"}]}))
    ///     .body_key("/search_after")
    ///     .style(Style::After { param: String::new(), path: "/sort".into() })
    ///     .items_at("/hits/hits")
    ///     .item_at("/_source");
    /// assert!(format!("{api:?}").contains("/search_after"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn body_key(mut self, pointer: &str) -> Self {
        self.body_key = Some(pointer.to_owned());
        self
    }

    /// The URL and the body (if any) of the page with `key`.
    pub(super) fn request_for(&self, key: &PageKey) -> Result<(Url, Option<Vec<u8>>), FetchError> {
        let in_body = self.body_key.is_some();
        if in_body && self.body.is_none() {
            return Err(FetchError::permanent(
                "body_key is set but there is no body: set one with post()",
            ));
        }
        let url = if let PageKey::Url(url) = key {
            Url::parse(url)
                .map_err(|error| FetchError::permanent(format!("bad URL {url:?}: {error}")))?
        } else if in_body {
            self.url.clone()
        } else {
            self.url_for(key)?
        };
        let Some(template) = &self.body else {
            return Ok((url, None));
        };
        let mut body = template.clone();
        if let (Some(pointer), Some(value)) = (&self.body_key, key_value(key)?) {
            set_pointer(&mut body, pointer, value)
                .map_err(|message| FetchError::permanent(message).with_url(url.as_str()))?;
        }
        let bytes = serde_json::to_vec(&body).map_err(FetchError::permanent)?;
        Ok((url, Some(bytes)))
    }

    /// The URL of the page with `key`, the key in the query.
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
            (Style::Cursor { .. }, PageKey::Cursor(None))
            | (Style::After { .. }, PageKey::After(None)) => self.url.clone(),
            (Style::Cursor { param, .. }, PageKey::Cursor(Some(cursor))) => {
                with(&[(param, cursor.clone())])
            }
            (Style::After { param, .. }, PageKey::After(Some(json))) => {
                let text = match parse_key(json)? {
                    Value::String(text) => text,
                    Value::Number(number) => number.to_string(),
                    _ => json.clone(),
                };
                with(&[(param, text)])
            }
            (style, key) => {
                return Err(FetchError::permanent(format!(
                    "{key} does not fit style {style:?}"
                )));
            }
        })
    }
}

/// A keyset key's JSON text, read back.
fn parse_key(json: &str) -> Result<Value, FetchError> {
    serde_json::from_str(json)
        .map_err(|error| FetchError::permanent(format!("the key {json:?} is not JSON: {error}")))
}

/// The key as the JSON value written into a body; `None` for a first page.
fn key_value(key: &PageKey) -> Result<Option<Value>, FetchError> {
    Ok(match key {
        PageKey::Page(number) | PageKey::Offset(number) => Some(Value::from(*number)),
        PageKey::Cursor(Some(cursor)) => Some(Value::String(cursor.clone())),
        PageKey::After(Some(json)) => Some(parse_key(json)?),
        PageKey::Cursor(None) | PageKey::After(None) | PageKey::Url(_) => None,
    })
}

/// Writes `value` at `pointer` in `document`, making the objects on the way.
fn set_pointer(document: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    let tokens = crate::chunks::json_array::pointer_tokens(pointer);
    let Some((last, path)) = tokens.split_last() else {
        *document = value;
        return Ok(());
    };
    let mut at = document;
    for token in path {
        if at.is_null() {
            *at = Value::Object(serde_json::Map::new());
        }
        at = match at {
            Value::Object(map) => map.entry(token.clone()).or_insert(Value::Null),
            Value::Array(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get_mut(index))
                .ok_or_else(|| {
                    format!("the body has no element {token:?} on the way to {pointer:?}")
                })?,
            _ => return Err(format!("the body has a scalar on the way to {pointer:?}")),
        };
    }
    if at.is_null() {
        *at = Value::Object(serde_json::Map::new());
    }
    match at {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(items) => match last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
            Some(slot) => {
                *slot = value;
                Ok(())
            }
            None => Err(format!("the body has no element {last:?} for {pointer:?}")),
        },
        _ => Err(format!("the body has a scalar where {pointer:?} goes")),
    }
}

#[cfg(test)]
mod tests {
    use super::set_pointer;
    use serde_json::json;

    #[test]
    fn a_key_is_written_at_its_pointer_making_objects_on_the_way() {
        let mut body = json!({"query": "q"});
        set_pointer(&mut body, "/variables/after", json!("c2")).unwrap();
        assert_eq!(body, json!({"query": "q", "variables": {"after": "c2"}}));
        set_pointer(&mut body, "/search_after", json!([1, "x"])).unwrap();
        assert_eq!(body["search_after"], json!([1, "x"]));
        assert!(set_pointer(&mut body, "/query/x", json!(1)).is_err());
    }
}
