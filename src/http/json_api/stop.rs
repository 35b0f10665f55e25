//! What a response says of the run's end: a flag that there is more (or that this
//! was the last), and totals of items or pages, in the body or in a header.

use serde_json::Value;

use super::JsonApi;
use crate::http::client::Response;
use crate::paginate::Stop;

/// Where a total is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Told {
    /// At a JSON pointer in the body.
    Body(String),
    /// In a header (an integer).
    Header(String),
}

/// Where a response says what ends the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct StopAt {
    pub(super) more: Option<String>,
    pub(super) last: Option<String>,
    pub(super) total_items: Option<Told>,
    pub(super) total_pages: Option<Told>,
}

impl StopAt {
    /// The body pointers to read: more, last, total items, total pages.
    pub(super) fn pointers(&self) -> [Option<&str>; 4] {
        fn body(told: Option<&Told>) -> Option<&str> {
            match told {
                Some(Told::Body(pointer)) => Some(pointer.as_str()),
                _ => None,
            }
        }
        [
            self.more.as_deref(),
            self.last.as_deref(),
            body(self.total_items.as_ref()),
            body(self.total_pages.as_ref()),
        ]
    }

    /// What the response says of the run's end: `values` are the body's values
    /// at [`StopAt::pointers`]. A flag or total that is missing or of the wrong
    /// type is an error, never taken for an end.
    pub(super) fn read(
        &self,
        values: [Option<&Value>; 4],
        response: &Response,
    ) -> Result<Stop, String> {
        let [more, last, items, pages] = values;
        let mut stop = Stop::default();
        if let Some(pointer) = &self.more {
            stop.more = Some(flag(pointer, more)?);
        }
        if let Some(pointer) = &self.last {
            if flag(pointer, last)? {
                stop.more = Some(false);
            }
        }
        if let Some(told) = &self.total_items {
            stop.total_items = Some(total(told, items, response)?);
        }
        if let Some(told) = &self.total_pages {
            stop.total_pages = Some(total(told, pages, response)?);
        }
        Ok(stop)
    }
}

fn flag(pointer: &str, value: Option<&Value>) -> Result<bool, String> {
    match value {
        Some(Value::Bool(flag)) => Ok(*flag),
        None => Err(format!("malformed page: no flag at {pointer:?}")),
        Some(other) => Err(format!(
            "malformed page: the flag at {pointer:?} is {}, not a boolean",
            super::describe(other)
        )),
    }
}

fn total(told: &Told, value: Option<&Value>, response: &Response) -> Result<u64, String> {
    match told {
        Told::Body(pointer) => match value {
            Some(Value::Number(number)) if number.as_u64().is_some() => {
                Ok(number.as_u64().unwrap_or_default())
            }
            None => Err(format!("malformed page: no total at {pointer:?}")),
            Some(other) => Err(format!(
                "malformed page: the total at {pointer:?} is {}, not a count",
                super::describe(other)
            )),
        },
        Told::Header(name) => {
            let text = response
                .header(name)
                .ok_or_else(|| format!("malformed page: no {name} header"))?;
            text.trim()
                .parse()
                .map_err(|_| format!("malformed page: the {name} header {text:?} is not a count"))
        }
    }
}

impl JsonApi {
    /// Reads a boolean at `pointer` that says whether pages follow (`/has_more`
    /// in Stripe and Notion, `/pageInfo/hasNextPage`): `false` ends the run after
    /// this page, even if it names a next cursor or is full.
    ///
    /// A page without the flag, or with one that is not a boolean, is an error
    /// (after its items), never taken for the end.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::{JsonApi, Style};
    /// use futures_lite::StreamExt;
    ///
    /// // A Stripe-like list: ?starting_after=<last id>, has_more on every page.
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let url = format!("http://{}/v1/customers", listener.local_addr()?);
    /// trillium_smol::config()
    ///     .without_signals()
    ///     .with_prebound_server(smol::net::TcpListener::try_from(listener)?)
    ///     .spawn(|conn: trillium::Conn| async move {
    ///         let page = match conn.querystring() {
    ///             "" => r#"{"data": [{"id": "cus_1"}, {"id": "cus_2"}], "has_more": true}"#,
    ///             "starting_after=cus_2" => r#"{"data": [{"id": "cus_3"}], "has_more": false}"#,
    ///             _ => r#"{"error": "no such page"}"#,
    ///         };
    ///         conn.ok(page)
    ///     });
    ///
    /// let ids: Vec<serde_json::Value> = JsonApi::new(&url)?
    ///     .style(Style::after())
    ///     .items_at("/data")
    ///     .more_at("/has_more")
    ///     .paginator::<serde_json::Value>()
    ///     .items()
    ///     .map(|item| item.unwrap().item["id"].clone())
    ///     .collect()
    ///     .await;
    /// assert_eq!(ids, ["cus_1", "cus_2", "cus_3"]);
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    #[must_use]
    pub fn more_at(mut self, pointer: &str) -> Self {
        self.stop.more = Some(pointer.to_owned());
        self
    }

    /// Reads a boolean at `pointer` that says this page is the last (`/isLast` in
    /// Jira, `/done` in Salesforce): `true` ends the run after this page. Missing
    /// or not a boolean: an error, as with [`JsonApi::more_at`].
    ///
    /// ```
    /// let api = aiter::http::JsonApi::new("https://jira.example.com/rest/agile/1.0/board")?
    ///     .style(aiter::http::Style::Offset { offset_param: "startAt".into(), limit_param: "maxResults".into(), limit: 50 })
    ///     .items_at("/values")
    ///     .last_at("/isLast");
    /// assert!(format!("{api:?}").contains("/isLast"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn last_at(mut self, pointer: &str) -> Self {
        self.stop.last = Some(pointer.to_owned());
        self
    }

    /// Reads the total number of items at `pointer` in the body (`/total`,
    /// `/count`): page-number and offset runs then never ask for a page past the
    /// last, prefetch included. Missing or not a whole number: an error.
    ///
    /// ```
    /// let api = aiter::http::JsonApi::new("https://api.example.com/items")?.total_items_at("/count");
    /// assert!(format!("{api:?}").contains("/count"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn total_items_at(mut self, pointer: &str) -> Self {
        self.stop.total_items = Some(Told::Body(pointer.to_owned()));
        self
    }

    /// Reads the total number of items from header `name` (`X-Total-Count`), as
    /// [`JsonApi::total_items_at`] does from the body.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::JsonApi;
    /// use futures_lite::StreamExt;
    ///
    /// // json-server style: ?_page=N, the total in X-Total-Count, 2 items a page.
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let url = format!("http://{}/items", listener.local_addr()?);
    /// trillium_smol::config()
    ///     .without_signals()
    ///     .with_prebound_server(smol::net::TcpListener::try_from(listener)?)
    ///     .spawn(|conn: trillium::Conn| async move {
    ///         let page = match conn.querystring() { "_page=1" => "[1, 2]", "_page=2" => "[3, 4]", _ => panic!("past the end") };
    ///         conn.with_response_header("x-total-count", "4").ok(page)
    ///     });
    ///
    /// let all: Vec<u32> = JsonApi::new(&url)?
    ///     .style(aiter::http::Style::Page { param: "_page".into(), start: 1 })
    ///     .total_items_header("X-Total-Count")
    ///     .paginator::<u32>()
    ///     .prefetch(4)
    ///     .items()
    ///     .map(|item| item.unwrap().item)
    ///     .collect()
    ///     .await;
    /// assert_eq!(all, [1, 2, 3, 4]); // and no request for page 3
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    #[must_use]
    pub fn total_items_header(mut self, name: &str) -> Self {
        self.stop.total_items = Some(Told::Header(name.to_owned()));
        self
    }

    /// Reads the total number of pages at `pointer` in the body
    /// (`/total_pages`), as [`JsonApi::total_items_at`] does for items.
    ///
    /// ```
    /// let api = aiter::http::JsonApi::new("https://api.example.com/items")?.total_pages_at("/total_pages");
    /// assert!(format!("{api:?}").contains("/total_pages"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn total_pages_at(mut self, pointer: &str) -> Self {
        self.stop.total_pages = Some(Told::Body(pointer.to_owned()));
        self
    }

    /// Reads the total number of pages from header `name` (`X-WP-TotalPages`).
    ///
    /// ```
    /// let api = aiter::http::JsonApi::new("https://blog.example.com/wp-json/wp/v2/posts")?
    ///     .total_pages_header("X-WP-TotalPages");
    /// assert!(format!("{api:?}").contains("X-WP-TotalPages"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn total_pages_header(mut self, name: &str) -> Self {
        self.stop.total_pages = Some(Told::Header(name.to_owned()));
        self
    }
}
