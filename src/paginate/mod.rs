//! Pagination: JavaScript's `async function* fetchPages(url)` (fetch page 1, 2,
//! 3... and yield each until an empty one) for real APIs, over any async fetch
//! function (HTTP, a database, a gRPC call).
//!
//! # Styles
//!
//! - [`Paginator::page_numbers`]: page 1, 2, 3... until an empty page (as the
//!   JavaScript loop does), or a short one ([`Paginator::stop_on_short_page`]).
//! - [`Paginator::offsets`]: offset/limit, ending the same way.
//! - [`Paginator::cursors`]: each page returns the next cursor; ends when there is
//!   none. Empty pages in the middle are passed over, not taken for the end.
//! - [`Paginator::next_urls`]: each page returns the next URL (from a `Link` header
//!   or the body), likewise.
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
//! use aiter::paginate::{FetchError, Page, PageKey, Paginator};
//! use futures_lite::StreamExt;
//!
//! // async function* fetchPages() { for (let page = 1; ; page++) { ... } }
//! let paginator = Paginator::page_numbers(1, 1, |key| async move {
//!     let PageKey::Page(page) = key else { unreachable!() };
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

mod error;
pub(crate) mod fingerprint;
mod page;
mod paginator;
mod rate;
mod retry;
mod streams;

pub use error::{FetchError, PageError, PageErrorKind};
pub use page::{Fetched, Page, PageKey, Position};
pub use paginator::Paginator;
pub use rate::RateBudget;
pub use retry::RetryPolicy;
pub use streams::{Items, Pages, Positioned};
