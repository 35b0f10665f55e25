//! Pagination: JavaScript's `async function* fetchPages(url)` (fetch page 1, 2,
//! 3... and yield each until an empty one) for real APIs, over any async fetch
//! function (HTTP, a database, a gRPC call).
//!
//! # From JavaScript
//!
//! | JavaScript | aiter |
//! |---|---|
//! | `for (let page = 1; ; page++) { const r = await fetch(...) }` | [`Paginator::page_numbers`] (or [`offsets`](Paginator::offsets), [`cursors`](Paginator::cursors), [`next_urls`](Paginator::next_urls)) with your fetch function |
//! | `for await (const page of fetchPages(url))` | [`Paginator::pages`] |
//! | `for await (const item of fetchItems(url))` | [`Paginator::items`], each item with the position after it |
//! | `try { ... } catch` around each `await fetch` | retries in place ([`RetryPolicy`]); a page that fails for good is a [`PageError`] item with where to resume |
//!
//! # Styles
//!
//! Each style hands its fetch function its own kind of key, so a fetch function
//! never matches on a key of another style:
//!
//! - [`Paginator::page_numbers`]: `|page: u64|`, page 1, 2, 3... until an empty
//!   page (as the JavaScript loop does), or a short one
//!   ([`Paginator::stop_on_short_page`]).
//! - [`Paginator::offsets`]: `|offset: u64|`, offset/limit, ending the same way.
//! - [`Paginator::cursors`]: `|cursor: Option<String>|` (`None` for the first
//!   page); each page returns the next cursor; ends when there is none. Empty pages
//!   in the middle are passed over, not taken for the end.
//! - [`Paginator::next_urls`]: `|url: String|`; each page returns the next URL (from
//!   a `Link` header or the body), likewise.
//!
//! A [`Position`] names its page with a [`PageKey`], the one type for all styles.
//! A keyset run (the next key taken from the last entry) is a cursor run whose
//! fetch function reads the key from its last item; `JsonApi` does it for JSON
//! with `Style::After`, its keys being [`PageKey::After`].
//!
//! # What ends a run
//!
//! An empty numbered page, or a linked page without a next; and what a page says
//! ([`Page::with_more`], [`Page::with_total_items`], [`Page::with_total_pages`]):
//! a stop flag wins over a cursor still present, and with a total known a
//! numbered run never asks for a page past the last, prefetch included (a
//! numbered run fetches its first page alone, then opens the window). Also, when
//! asked: a short page ([`Paginator::stop_on_short_page`]), a "no such page"
//! status after the first page ([`Paginator::end_statuses`], 404 by default), a
//! cursor repeated to say "no more" ([`Paginator::end_on_repeated_cursor`]).
//! Offsets advance by the entries that came, never by the limit asked for.
//!
//! # Your API says ... use ...
//!
//! With `aiter::http::JsonApi` (feature `http`); `fetch_all`'s flags in brackets.
//!
//! | your API says | use |
//! |---|---|
//! | `?page=N`, an empty page at the end (Django REST framework answers 404 past it, WordPress 400) | `Style::page()`; the 404 ends the run by default; WordPress: `.total_pages_header("X-WP-TotalPages")` or [`Paginator::end_statuses`]`([400, 404])` (`--end-status 400,404`) |
//! | `?_page=N` and `X-Total-Count` (json-server; it clamps a page past the end to the last) | `Style::Page { param: "_page", .. }`, `.total_items_header("X-Total-Count")` (`--total-header`); without it, the clamped page ends the run |
//! | `?page=N&size=S` with `total` and `pages` in the body (FastAPI pagination) | `Style::page()`, `.total_pages_at("/pages")` (`--pages-path`) |
//! | `?startAt=O&maxResults=L`, capped at 50, with `total` and `isLast` (Jira) | `Style::Offset { offset_param: "startAt", limit_param: "maxResults", .. }`, `.items_at("/values")`, `.last_at("/isLast")` or `.total_items_at("/total")`; offsets advance by what came |
//! | `?offset=O&limit=L` and a `count` | `Style::offset()`, `.total_items_at("/count")` |
//! | `?starting_after=<last id>` and `has_more` (Stripe); `?after=<last id>` (Discord) | `Style::after()` / `Style::After { param: "after", path: "/id" }`, `.more_at("/has_more")` (`--style after --more-path /has_more`) |
//! | a cursor in the body and `has_more` (Notion: `start_cursor` in a POST body) | `Style::cursor()`, `.post(json!({..}))`, `.body_key("/start_cursor")`, `.more_at("/has_more")` (`--body`, `--body-key`) |
//! | `NextToken` in a POST body (AWS JSON APIs) | `Style::Cursor { param, path: "/NextToken" }`, `.post(..)`, `.body_key("/NextToken")` |
//! | a forward token repeated to say "no more" (AWS CloudWatch Logs `GetLogEvents`) | `Style::Cursor { .. path: "/nextForwardToken" }`, [`Paginator::end_on_repeated_cursor`] (`--repeat-ends`) |
//! | `search_after` with the last hit's `sort` values (Elasticsearch) | `Style::After { path: "/sort", .. }`, `.post(..)`, `.body_key("/search_after")`, `.items_at("/hits/hits")`, `.item_at("/_source")` |
//! | `done` and `nextRecordsUrl` (Salesforce) | `Style::Next { path: "/nextRecordsUrl" }`, `.last_at("/done")` |
//! | a `Link: <...>; rel="next"` header (GitHub REST) | `Style::Link` |
//! | a Relay connection over GraphQL (GitHub v4, Shopify) | `.graphql(query, "/data/repository/issues")` (`--graphql`, `--connection`); `pageInfo.hasNextPage` ends it |
//!
//! # Two streams
//!
//! [`Paginator::pages`] yields each page with its key, number, attempts and the
//! position after it; [`Paginator::items`] yields the items, flattened, each with the
//! [`Position`] to resume after it.
//!
//! # Faster, and safe to stop
//!
//! - **Prefetch** ([`Paginator::prefetch`]): numbered styles fetch up to `k` pages
//!   concurrently, in a sliding window, delivered in order, at most `k` held; after
//!   the last page at most `k` requests are wasted. Cursor and URL styles read the
//!   next page while the consumer works on this one.
//! - **Retry in place** ([`RetryPolicy`]): a transient failure is retried on the same
//!   page with exponential backoff and jitter, honouring the server's `Retry-After`
//!   up to a cap; a per-attempt [`timeout`](Paginator::timeout). Items already
//!   delivered are never delivered again.
//! - **Loops and runaways**: a cursor or URL seen before in the run is a
//!   [`PageErrorKind::Loop`] naming both pages: any of the last 10,000 the moment
//!   the loop closes, and a longer loop when it comes back to a checkpoint (the
//!   key of every page numbered by a power of two: a loop entered at page `m`, `n`
//!   pages long, is caught by page `2m + n`), so an endless feed keeps bounded
//!   memory (about 400 KiB at most); [`max_pages`](Paginator::max_pages) and
//!   [`max_items`](Paginator::max_items) cap a run.
//! - **Resume**: a [`PageError`] carries the position of the first item not
//!   delivered, as does [`Items::position`] after a cap; a new paginator
//!   [`resume`](Paginator::resume)d from it continues with exactly the items not yet
//!   delivered. Positions serialize with serde (feature `json`).
//! - **Rate**: a [`RateBudget`] (requests per second) that several paginators share.
//!
//! The HTTP side (JSON APIs, `Link` headers, credentials) is in `aiter::http`
//! (feature `http`).
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use aiter::paginate::{FetchError, Page, Paginator};
//! use futures_lite::StreamExt;
//!
//! // async function* fetchPages() { for (let page = 1; ; page++) { ... } }
//! let paginator = Paginator::page_numbers(1, 1, |page| async move {
//!     if page > 3 {
//!         return Ok(Page::new(vec![])); // the empty page ends it
//!     }
//!     Ok::<_, FetchError>(Page::new(vec![format!("item {page}.1"), format!("item {page}.2")]))
//! })
//! .prefetch(4);
//! let mut items = paginator.items();
//! while let Some(item) = items.next().await {
//!     let item = item?; // each page can fail: the error says which, and where to resume
//!     println!("{} (resume after it with {})", item.item, item.after);
//! }
//! # Ok::<(), aiter::paginate::PageError>(()) }).unwrap();
//! ```
//!
//! # A fetch function with state
//!
//! The fetch function is called once a page, and each call's future must own what
//! it uses: keep shared state (a client, a token) in an `Arc`, clone it in the
//! closure, and move the clone into an `async move` block. (An `async` closure,
//! `async |cursor| ...`, does not fit: its futures borrow the closure, and the
//! paginator keeps several of them in flight after the call returns.)
//!
//! ```
//! # futures_lite::future::block_on(async {
//! use std::sync::Arc;
//! use aiter::paginate::{FetchError, Page, Paginator};
//! use futures_lite::StreamExt;
//!
//! struct Client { base: String } // an HTTP client, a database pool...
//! impl Client {
//!     async fn get(&self, cursor: Option<&str>) -> (Vec<String>, Option<String>) {
//!         match cursor {
//!             None => (vec![format!("{}/a", self.base)], Some("c2".into())),
//!             Some(_) => (vec![format!("{}/b", self.base)], None),
//!         }
//!     }
//! }
//!
//! let client = Arc::new(Client { base: "db".into() });
//! let items = Paginator::cursors(move |cursor| {
//!     let client = Arc::clone(&client); // one clone a call...
//!     async move {
//!         // ...moved into the future, which owns it.
//!         let (rows, next) = client.get(cursor.as_deref()).await;
//!         Ok::<_, FetchError>(Page::with_next(rows, next))
//!     }
//! });
//! let all: Vec<String> = items.items().map(|item| item.unwrap().item).collect().await;
//! assert_eq!(all, ["db/a", "db/b"]);
//! # });
//! ```
//!
//! # Limits and errors
//!
//! At most `prefetch` pages are in flight or held ([`Paginator::prefetch`], 1 by
//! default); [`Paginator::max_pages`] and [`Paginator::max_items`] cap a run, and
//! [`Paginator::timeout`] (30 s) an attempt. A page that fails after its retries is
//! a [`PageError`] naming the page's number, key, URL, status and attempts, with
//! the [`Position`] to resume from; every item before it was delivered, and the
//! stream ends. An entry a fetch function rejects is an error item and the run goes
//! on. Loops (a cursor or URL seen before, a page repeated) are errors, not endless
//! runs.
//!
//! # Cancellation safety
//!
//! `next()` on [`Pages`] and [`Items`] is cancellation safe: fetches in flight
//! are kept, and an item leaves the stream only when it is returned. Dropping the
//! stream cancels the fetches in flight; [`Items::position`] says where to go on.

mod attempts;
mod ending;
mod engine;
mod error;
mod fetch_error;
pub(crate) mod fingerprint;
mod page;
mod paginator;
mod rate;
mod retry;
mod seen;
mod streams;
mod styles;

pub use error::{PageError, PageErrorKind};
pub use fetch_error::FetchError;
#[cfg(feature = "http")]
pub(crate) use page::Stop;
pub use page::{Fetched, Page, PageKey, Position};
pub use paginator::Paginator;
pub use rate::RateBudget;
pub use retry::RetryPolicy;
pub use streams::{Items, Pages, Positioned};
