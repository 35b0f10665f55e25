//! Pages, their keys, and positions to resume from.

use std::collections::VecDeque;
use std::fmt;

use super::FetchError;

/// Which page to fetch: what a fetch function is asked for.
///
/// ```
/// use aiter::paginate::{PageKey, Position};
/// let start = Position::new(PageKey::Cursor(Some("abc".into())), 0);
/// assert_eq!(start.key.to_string(), "cursor \"abc\"");
/// assert_eq!(PageKey::Page(3).to_string(), "page 3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "json", serde(rename_all = "lowercase"))]
pub enum PageKey {
    /// A page number (page-number style).
    Page(u64),
    /// An offset into the results (offset/limit style).
    Offset(u64),
    /// A cursor token; `None` asks for the first page (cursor style).
    Cursor(Option<String>),
    /// A URL (Link header and next-URL styles).
    Url(String),
    /// A key taken from the last entry of the page before (keyset style, such as
    /// Stripe's `starting_after` or Elasticsearch's `search_after`), as JSON text:
    /// `42`, `"cus_9"`, `[1700000000,"id-7"]`. `None` asks for the first page.
    After(Option<String>),
}

impl fmt::Display for PageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Page(number) => write!(f, "page {number}"),
            Self::Offset(offset) => write!(f, "offset {offset}"),
            Self::Cursor(None) | Self::After(None) => f.write_str("first page"),
            Self::Cursor(Some(cursor)) => write!(f, "cursor {cursor:?}"),
            Self::Url(url) => write!(f, "{url}"),
            Self::After(Some(key)) => write!(f, "after {key}"),
        }
    }
}

/// What a fetch function returns: one page's items and, for cursor and URL
/// styles, what comes next.
///
/// A page may also hold *rejected* entries ([`Page::reject`]): entries that could
/// not become a `T` (say, a record of the wrong shape). Each is delivered in its
/// place as an error item by [`Items`](super::Items), and the run goes on.
///
/// ```
/// use aiter::paginate::Page;
///
/// let numbered = Page::new(vec![1, 2, 3]);
/// let chained = Page::with_next(vec![4], Some("cursor-2".to_owned()));
/// assert_eq!((numbered.items.len(), chained.next.as_deref()), (3, Some("cursor-2")));
/// ```
#[derive(Debug)]
pub struct Page<T> {
    /// The page's items, in order.
    pub items: Vec<T>,
    /// The next cursor or URL (cursor and URL styles); `None` on the last page.
    /// Numbered styles ignore it.
    pub next: Option<String>,
    /// Entries that failed, with their index among all the page's entries, in
    /// index order.
    rejected: VecDeque<(u64, FetchError)>,
    /// An index rejected twice: the page fails with this message.
    misrejected: Option<String>,
    fingerprint: Option<u128>,
    pub(crate) stop: Stop,
    /// What comes after this page could not be read: delivered after its items.
    pub(crate) next_error: Option<FetchError>,
}

/// What a page says of the pages after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stop {
    /// `Some(false)`: this page is the last, whatever else it says.
    pub(crate) more: Option<bool>,
    /// The total number of items in the whole result.
    pub(crate) total_items: Option<u64>,
    /// The total number of pages.
    pub(crate) total_pages: Option<u64>,
}

impl<T> Page<T> {
    /// A page of `items` with no next cursor or URL.
    ///
    /// ```
    /// let page = aiter::paginate::Page::new(vec!["a", "b"]);
    /// assert_eq!(page.items, ["a", "b"]);
    /// assert_eq!(page.next, None);
    /// ```
    pub fn new(items: Vec<T>) -> Self {
        Self::with_next(items, None)
    }

    /// A page of `items` followed by `next`.
    ///
    /// ```
    /// let page = aiter::paginate::Page::with_next(vec![1], Some("c2".to_owned()));
    /// assert_eq!(page.next.as_deref(), Some("c2"));
    /// ```
    pub fn with_next(items: Vec<T>, next: Option<String>) -> Self {
        Self {
            items,
            next,
            rejected: VecDeque::new(),
            misrejected: None,
            fingerprint: None,
            stop: Stop::default(),
            next_error: None,
        }
    }

    /// Records that the entry at `index` among the page's entries (items and
    /// rejected ones together, 0-based) failed with `error`; the entries that did
    /// not fail are [`Page::items`], in order. Calls may come in any order. An
    /// index rejected twice, or past the page's last entry, fails the whole page
    /// with an error that says so (never a silent loss of the error items).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{FetchError, Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let items = Paginator::cursors(|_| async {
    ///     // Entries: 1, a broken one, 3.
    ///     Ok(Page::new(vec![1, 3]).reject(1, FetchError::permanent("not a number")))
    /// })
    /// .items();
    /// let got: Vec<Result<u32, String>> =
    ///     items.map(|item| item.map(|item| item.item).map_err(|e| e.to_string())).collect().await;
    /// assert_eq!(got[0], Ok(1));
    /// assert!(got[1].as_ref().unwrap_err().contains("entry 2"));
    /// assert_eq!(got[2], Ok(3));
    /// # });
    /// ```
    #[must_use]
    pub fn reject(mut self, index: u64, error: FetchError) -> Self {
        match self.rejected.binary_search_by_key(&index, |(at, _)| *at) {
            Ok(_) => {
                self.misrejected.get_or_insert_with(|| {
                    format!("the fetch function rejected entry {} twice", index + 1)
                });
            }
            Err(at) => self.rejected.insert(at, (index, error)),
        }
        self
    }

    /// Says whether the API has pages after this one (`has_more` in Stripe and
    /// Notion, `pageInfo.hasNextPage` in GraphQL; `!isLast` in Jira, `!done` in
    /// Salesforce). `false` ends the run after this page, even if it names a next
    /// cursor or is full; `true` changes nothing (an empty numbered page still
    /// ends the run).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // The last page still names a cursor; its has_more: false is what counts.
    /// let items = Paginator::cursors(|cursor: Option<String>| async move {
    ///     Ok(match cursor {
    ///         None => Page::with_next(vec![1], Some("c2".into())).with_more(true),
    ///         Some(_) => Page::with_next(vec![2], Some("c3".into())).with_more(false),
    ///     })
    /// });
    /// let mut pages = items.pages();
    /// let mut fetched = 0;
    /// while let Some(page) = pages.next().await {
    ///     page.unwrap();
    ///     fetched += 1;
    /// }
    /// assert_eq!(fetched, 2); // no request for "c3"
    /// # });
    /// ```
    #[must_use]
    pub fn with_more(mut self, more: bool) -> Self {
        self.stop.more = Some(more);
        self
    }

    /// Says how many items the whole result holds (`total`, `count`,
    /// `X-Total-Count`). Page-number and offset runs then never ask for a page
    /// past the last, prefetch included. The latest page's total counts.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::sync::Arc;
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let requests = Arc::new(AtomicU64::new(0));
    /// let counter = requests.clone();
    /// // 5 items, 2 a page: offsets 0, 2 and 4, and no request for offset 6.
    /// let items = Paginator::offsets(0, 2, move |offset| {
    ///     counter.fetch_add(1, Ordering::Relaxed);
    ///     let page: Vec<u64> = (offset..5).take(2).collect();
    ///     async move { Ok(Page::new(page).with_total_items(5)) }
    /// })
    /// .prefetch(4);
    /// assert_eq!(items.items().count().await, 5);
    /// assert_eq!(requests.load(Ordering::Relaxed), 3);
    /// # });
    /// ```
    #[must_use]
    pub fn with_total_items(mut self, total: u64) -> Self {
        self.stop.total_items = Some(total);
        self
    }

    /// Says how many pages the whole result has (`total_pages`,
    /// `X-WP-TotalPages`); as [`Page::with_total_items`], for pages.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// // Page 2 of 2 is full, yet no request is made for page 3.
    /// let pages = Paginator::page_numbers(1, 1, |n| async move {
    ///     assert!(n <= 2, "asked for page {n}");
    ///     Ok(Page::new(vec![n, n]).with_total_pages(2))
    /// });
    /// assert_eq!(pages.items().count().await, 4);
    /// # });
    /// ```
    #[must_use]
    pub fn with_total_pages(mut self, total: u64) -> Self {
        self.stop.total_pages = Some(total);
        self
    }

    /// Says that this page's items are good but what comes after it could not be
    /// read (a next link that cannot be followed, a stop flag of the wrong type):
    /// its items are delivered, then `error` ends the run, with the position of
    /// the first entry after them.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::paginate::{FetchError, Page, Paginator};
    /// use futures_lite::StreamExt;
    ///
    /// let mut items = Paginator::cursors(|_| async {
    ///     Ok(Page::new(vec![1, 2]).with_next_error(FetchError::permanent("next is a number")))
    /// })
    /// .items();
    /// assert_eq!(items.next().await.unwrap().unwrap().item, 1);
    /// assert_eq!(items.next().await.unwrap().unwrap().item, 2);
    /// let error = items.next().await.unwrap().unwrap_err();
    /// assert_eq!(error.position().skip, 2); // resume after the two items
    /// assert!(items.next().await.is_none());
    /// # });
    /// ```
    #[must_use]
    pub fn with_next_error(mut self, error: FetchError) -> Self {
        self.next_error = Some(error);
        self
    }

    /// Refuses a page whose rejected entries cannot be placed: an index rejected
    /// twice or past the last entry.
    pub(crate) fn check_rejected(&self) -> Result<(), String> {
        if let Some(message) = &self.misrejected {
            return Err(message.clone());
        }
        let entries = self.entries();
        match self.rejected.back() {
            Some((index, _)) if *index >= entries => Err(format!(
                "the fetch function rejected entry {} of a page of {entries} entries",
                index + 1
            )),
            _ => Ok(()),
        }
    }

    /// Sets a summary of the page's entries, for loop detection: two non-empty
    /// pages in a row with the same fingerprint are a
    /// [`PageErrorKind::RepeatedPage`](super::PageErrorKind::RepeatedPage) error.
    /// [`JsonApi`](../http/struct.JsonApi.html) sets it from the items' bytes;
    /// [`Paginator::detect_repeats`](super::Paginator::detect_repeats) from their
    /// `Hash`.
    ///
    /// ```
    /// let page = aiter::paginate::Page::new(vec![1, 2]).with_fingerprint(0x1234);
    /// assert_eq!(page.fingerprint(), Some(0x1234));
    /// ```
    #[must_use]
    pub fn with_fingerprint(mut self, fingerprint: u128) -> Self {
        self.fingerprint = Some(fingerprint);
        self
    }

    /// The fingerprint set with [`Page::with_fingerprint`].
    ///
    /// ```
    /// let page = aiter::paginate::Page::new(vec![1]).with_fingerprint(42);
    /// assert_eq!(page.fingerprint(), Some(42));
    /// ```
    pub fn fingerprint(&self) -> Option<u128> {
        self.fingerprint
    }

    /// The rejected entries: each one's index among the page's entries, and why.
    ///
    /// ```
    /// use aiter::paginate::{FetchError, Page};
    /// let page = Page::new(vec![1]).reject(0, FetchError::permanent("bad"));
    /// assert_eq!(page.rejected().map(|(index, _)| index).collect::<Vec<_>>(), [0]);
    /// ```
    pub fn rejected(&self) -> impl Iterator<Item = (u64, &FetchError)> {
        self.rejected.iter().map(|(index, error)| (*index, error))
    }

    /// Every entry: the items and the rejected ones.
    ///
    /// ```
    /// use aiter::paginate::{FetchError, Page};
    /// let page = Page::new(vec![1, 2]).reject(1, FetchError::permanent("bad"));
    /// assert_eq!(page.entries(), 3);
    /// ```
    pub fn entries(&self) -> u64 {
        (self.items.len() + self.rejected.len()) as u64
    }

    /// True when the page has no entry at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty() && self.rejected.is_empty()
    }

    /// Leaves out the first `skip` entries (delivered by an earlier run); returns
    /// how many were left out (fewer when the page is shorter).
    pub(crate) fn skip_entries(&mut self, skip: u64) -> u64 {
        let mut items = 0usize;
        let mut index = 0u64;
        while index < skip {
            if self.rejected.front().is_some_and(|(at, _)| *at == index) {
                self.rejected.pop_front();
            } else if items < self.items.len() {
                items += 1;
            } else {
                break;
            }
            index += 1;
        }
        self.items.drain(..items);
        index
    }

    /// Splits the page into its items and rejected entries.
    pub(crate) fn into_parts(self) -> (Vec<T>, VecDeque<(u64, FetchError)>) {
        (self.items, self.rejected)
    }
}

/// Pages are equal when their items, next, fingerprint and rejected entries (each
/// one's index and message: a [`FetchError`] has no equality of its own) are.
///
/// ```
/// use aiter::paginate::{FetchError, Page};
/// let page = || Page::new(vec![1]).reject(1, FetchError::permanent("bad"));
/// assert_eq!(page(), page());
/// assert_ne!(page(), Page::new(vec![1]).reject(1, FetchError::permanent("worse")));
/// ```
impl<T: PartialEq> PartialEq for Page<T> {
    fn eq(&self, other: &Self) -> bool {
        let rejected = |page: &Self| {
            page.rejected()
                .map(|(index, error)| (index, error.to_string()))
                .collect::<Vec<_>>()
        };
        self.items == other.items
            && self.next == other.next
            && self.fingerprint == other.fingerprint
            && rejected(self) == rejected(other)
    }
}

/// A page as the [`Pages`](super::Pages) stream delivers it: the page, where it came
/// from, and what it took.
///
/// ```
/// # futures_lite::future::block_on(async {use aiter::paginate::{Page, Paginator};
/// use futures_lite::StreamExt;
/// // Pages 1 and 2 hold two items each, page 3 is empty.
/// let pages = || Paginator::page_numbers(1, 1, |n: u64| async move {
///     Ok(Page::new(if n <= 2 { vec![n * 10, n * 10 + 1] } else { vec![] }))
/// });
/// let mut fetched = pages().pages();
/// let first = fetched.next().await.unwrap()?;
/// assert_eq!((first.number, first.attempts, first.page.items), (1, 1, vec![10, 11]));
/// # Ok::<(), aiter::paginate::PageError>(()) }).unwrap();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Fetched<T> {
    /// The page. On the first page of a resumed run, the entries delivered before
    /// are left out (see [`Fetched::skipped`]).
    pub page: Page<T>,
    /// The key it was fetched with.
    pub key: PageKey,
    /// Its 1-based number among the pages this run fetched.
    pub number: u64,
    /// Attempts it took (1 without retries).
    pub attempts: u32,
    /// Entries left out at the start of the page: a resumed run's skip.
    pub skipped: u64,
    /// Where to resume to get the items after this page.
    pub next_position: Position,
}

/// Where to resume: the page holding the next item not yet delivered, and how many
/// of that page's entries were delivered already.
///
/// Positions serialize with serde (feature `json`) to JSON such as
/// `{"page":3,"skip":5}`, `{"cursor":"abc","skip":0}` or `{"url":"https://...","skip":2}`;
/// [`Position::parse`] and `Display` use that form. The position of a loop error
/// also names the key the loop went back to (`"loops_to"`), so that a run resumed
/// from it reports the loop again instead of going round it.
///
/// ```
/// use aiter::paginate::{PageKey, Position};
///
/// let position = Position::new(PageKey::Page(3), 5);
/// # #[cfg(feature = "json")] {
/// assert_eq!(position.to_string(), r#"{"page":3,"skip":5}"#);
/// assert_eq!(Position::parse(r#"{"page":3,"skip":5}"#).unwrap(), position);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Position {
    /// The page to fetch first.
    #[cfg_attr(feature = "json", serde(flatten))]
    pub key: PageKey,
    /// How many of its entries to skip (they were delivered before).
    pub skip: u64,
    /// On a loop error's position: the cursor or URL the loop went back to. A
    /// run resumed from here treats it as seen.
    #[cfg_attr(
        feature = "json",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub loops_to: Option<String>,
}

impl Position {
    /// The position of entry `skip` (0-based) of the page with `key`.
    ///
    /// ```
    /// use aiter::paginate::{PageKey, Position};
    /// let start = Position::new(PageKey::Cursor(Some("abc".into())), 0);
    /// assert_eq!(start.skip, 0);
    /// ```
    pub fn new(key: PageKey, skip: u64) -> Self {
        Self {
            key,
            skip,
            loops_to: None,
        }
    }

    /// Reads a position printed by `Display` (feature `json`).
    ///
    /// # Errors
    ///
    /// When `text` is not such a position.
    ///
    /// ```
    /// use aiter::paginate::{PageKey, Position};
    /// let position = Position::parse(r#"{"cursor":"c2","skip":1}"#).unwrap();
    /// assert_eq!(position, Position::new(PageKey::Cursor(Some("c2".into())), 1));
    /// assert!(Position::parse(r#"{"page":-1,"skip":0}"#).is_err());
    /// ```
    #[cfg(feature = "json")]
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(feature = "json")]
        {
            let json = serde_json::to_string(self).map_err(|_| fmt::Error)?;
            f.write_str(&json)
        }
        #[cfg(not(feature = "json"))]
        {
            write!(f, "{} skip {}", self.key, self.skip)
        }
    }
}
