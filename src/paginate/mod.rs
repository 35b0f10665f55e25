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
//! - **Loops and runaways**: a cursor or URL seen *anywhere* before in the run is a
//!   [`PageErrorKind::Loop`] naming both pages; [`max_pages`](Paginator::max_pages)
//!   and [`max_items`](Paginator::max_items) cap a run.
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
pub use page::{Fetched, Page, PageKey, Position};
pub use paginator::Paginator;
pub use rate::RateBudget;
pub use retry::RetryPolicy;
pub use streams::{Items, Pages, Positioned};
