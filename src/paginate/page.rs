//! Pages, their keys, and positions to resume from.

use std::fmt;

/// Which page to fetch: what a fetch function is asked for.
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
}

impl fmt::Display for PageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Page(number) => write!(f, "page {number}"),
            Self::Offset(offset) => write!(f, "offset {offset}"),
            Self::Cursor(None) => f.write_str("first page"),
            Self::Cursor(Some(cursor)) => write!(f, "cursor {cursor:?}"),
            Self::Url(url) => write!(f, "{url}"),
        }
    }
}

/// What a fetch function returns: one page's items and, for cursor and URL
/// styles, what comes next.
///
/// ```
/// use aiter::paginate::Page;
///
/// let numbered = Page::new(vec![1, 2, 3]);
/// let chained = Page::with_next(vec![4], Some("cursor-2".to_owned()));
/// assert_eq!((numbered.items.len(), chained.next.as_deref()), (3, Some("cursor-2")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The page's items, in order.
    pub items: Vec<T>,
    /// The next cursor or URL (cursor and URL styles); `None` on the last page.
    /// Numbered styles ignore it.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items` with no next cursor or URL.
    pub fn new(items: Vec<T>) -> Self {
        Self { items, next: None }
    }

    /// A page of `items` followed by `next`.
    pub fn with_next(items: Vec<T>, next: Option<String>) -> Self {
        Self { items, next }
    }
}

/// A page as the [`Pages`](super::Pages) stream delivers it: the page, where it came
/// from, and what it took.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Fetched<T> {
    /// The page.
    pub page: Page<T>,
    /// The key it was fetched with.
    pub key: PageKey,
    /// Its 1-based number among the pages this run fetched.
    pub number: u64,
    /// Attempts it took (1 without retries).
    pub attempts: u32,
    /// Where to resume to get the items after this page.
    pub next_position: Position,
}

/// Where to resume: the page holding the next item not yet delivered, and how many
/// of that page's items were delivered already.
///
/// Positions serialize with serde (feature `json`) to JSON such as
/// `{"page":3,"skip":5}`, `{"cursor":"abc","skip":0}` or `{"url":"https://...","skip":2}`;
/// [`Position::parse`] and `Display` use that form.
///
/// ```
/// use aiter::paginate::{PageKey, Position};
///
/// let position = Position { key: PageKey::Page(3), skip: 5 };
/// # #[cfg(feature = "json")] {
/// assert_eq!(position.to_string(), r#"{"page":3,"skip":5}"#);
/// assert_eq!(Position::parse(r#"{"page":3,"skip":5}"#).unwrap(), position);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct Position {
    /// The page to fetch first.
    #[cfg_attr(feature = "json", serde(flatten))]
    pub key: PageKey,
    /// How many of its items to skip (they were delivered before).
    pub skip: u64,
}

impl Position {
    /// Reads a position printed by `Display` (feature `json`).
    ///
    /// # Errors
    ///
    /// When `text` is not such a position.
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
