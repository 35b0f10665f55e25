//! [`Style`]: how a JSON API pages its results.

/// How a JSON API pages its results.
///
/// ```
/// use aiter::http::{JsonApi, Style};
/// // `?after=...`, with the next cursor at `/meta/next` in each body.
/// let api = JsonApi::new("https://api.example.com/items")?
///     .style(Style::Cursor { param: "after".into(), path: "/meta/next".into() });
/// # drop(api);
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
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
    /// Keyset: the next page's key is a value inside the page's last entry
    /// (Stripe's `?starting_after=<last id>`, Discord's `after`, Elasticsearch's
    /// `search_after` with the last hit's `/sort`). The key may be any JSON value:
    /// in the query a string or number is sent as itself, anything else as its
    /// JSON text; in a body ([`JsonApi::body_key`](super::JsonApi::body_key)) it
    /// is written as JSON. Ends on an empty page (or a stop flag); a last entry
    /// without the key is an error.
    After {
        /// The query parameter (`starting_after`).
        param: String,
        /// Where the key is inside each entry (`/id`).
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

    /// `?starting_after=<the last entry's /id>`, as Stripe pages.
    ///
    /// ```
    /// let aiter::http::Style::After { param, path } = aiter::http::Style::after() else { unreachable!() };
    /// assert_eq!((param.as_str(), path.as_str()), ("starting_after", "/id"));
    /// ```
    pub fn after() -> Self {
        Self::After {
            param: "starting_after".into(),
            path: "/id".into(),
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
