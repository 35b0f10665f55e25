//! Pagination over a loopback HTTP API with 20 ms of latency per request, side by
//! side in one run.
//!
//! 1. 200 numbered pages of 10 items: the lesson's sequential loop, page-turner's
//!    `pages_ahead` with 8 requests ahead, and aiter's `JsonApi` with prefetch 8.
//!    The limit with 8 in flight is 200 / 8 * 20 ms = 0.5 s.
//! 2. 200 cursor pages, with 10 ms of work per page in the consumer: the sequential
//!    loop (30 ms a page) against aiter reading the next page ahead while the
//!    consumer works (the limit is 20 ms a page: 4 s).
//! 3. Requests made for 2,000 items in pages of 100 whose total the API tells
//!    (`X-Total-Count`), 8 ahead: page-turner, aiter not told to read the total,
//!    and aiter reading it (the least possible is 20).
//!
//! Every contender uses the same isahc client setup and the same server.
//!
//! Run with: `cargo run --release -p aiter-benchmarks --bin paginate [-- PAGES]`

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aiter::http::{JsonApi, Style};
use futures_lite::StreamExt;
use isahc::AsyncReadResponseExt;
use page_turner::prelude::*;

const LATENCY: Duration = Duration::from_millis(20);
const WORK: Duration = Duration::from_millis(10);
const PER_PAGE: u64 = 10;
/// Items of the `/totals` route.
const TOTAL: u64 = 2_000;

/// The loopback API: `/items?page=N` and `/cursor?cursor=N`, each after 20 ms;
/// `/totals?page=N`, 2,000 items 100 a page with `X-Total-Count`, counting its
/// requests in `totals`.
fn serve(pages: u64, totals: Arc<AtomicU64>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("bound address");
    let listener = smol::net::TcpListener::try_from(listener).expect("async listener");
    let handler = move |conn: trillium::Conn| {
        let totals = totals.clone();
        async move {
            async_io::Timer::after(LATENCY).await;
            let query: HashMap<String, String> =
                url::form_urlencoded::parse(conn.querystring().as_bytes())
                    .into_owned()
                    .collect();
            let get = |name: &str| {
                query
                    .get(name)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1)
            };
            if conn.path() == "/totals" {
                totals.fetch_add(1, Ordering::SeqCst);
                let page = get("page");
                let items: Vec<u64> = ((page - 1) * 100..(page * 100).min(TOTAL)).collect();
                return conn
                    .with_response_header("x-total-count", TOTAL.to_string())
                    .ok(serde_json::json!(items).to_string());
            }
            let page = if conn.path() == "/cursor" {
                get("cursor")
            } else {
                get("page")
            };
            let items: Vec<u64> = if page <= pages {
                (0..PER_PAGE).map(|i| page * 100 + i).collect()
            } else {
                vec![]
            };
            let body = if conn.path() == "/cursor" {
                let next = (page < pages).then(|| (page + 1).to_string());
                serde_json::json!({ "items": items, "next_cursor": next })
            } else {
                serde_json::json!(items)
            };
            conn.ok(body.to_string())
        }
    };
    trillium_smol::config()
        .without_signals()
        .with_prebound_server(listener)
        .spawn(handler);
    format!("http://{address}")
}

fn client() -> isahc::HttpClient {
    isahc::HttpClient::new().expect("an HTTP client")
}

async fn get_json(client: &isahc::HttpClient, url: &str) -> serde_json::Value {
    let mut response = client.get_async(url).await.expect("a response");
    let body = response.bytes().await.expect("a body");
    serde_json::from_slice(&body).expect("JSON")
}

/// The lesson's loop: page 1, 2, 3... until an empty page, one at a time.
async fn sequential(base: &str) -> u64 {
    let client = client();
    let mut count = 0;
    for page in 1.. {
        let items = get_json(&client, &format!("{base}/items?page={page}")).await;
        let items = items.as_array().expect("an array");
        if items.is_empty() {
            break;
        }
        count += items.len() as u64;
    }
    count
}

/// The lesson's loop over cursors, with the work done between requests.
async fn sequential_cursor(base: &str) -> u64 {
    let client = client();
    let (mut count, mut cursor) = (0, Some("1".to_owned()));
    while let Some(current) = cursor {
        let page = get_json(&client, &format!("{base}/cursor?cursor={current}")).await;
        count += page["items"].as_array().expect("items").len() as u64;
        std::thread::sleep(WORK);
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    count
}

struct PageTurnerClient {
    client: isahc::HttpClient,
    base: String,
    path: &'static str,
}

#[derive(Clone)]
struct PageRequest(u64);

impl RequestAhead for PageRequest {
    fn next_request(&self) -> Self {
        Self(self.0 + 1)
    }
}

impl PageTurner<PageRequest> for PageTurnerClient {
    type PageItems = Vec<serde_json::Value>;
    type PageError = std::convert::Infallible;

    async fn turn_page(&self, request: PageRequest) -> TurnedPageResult<Self, PageRequest> {
        let items = get_json(
            &self.client,
            &format!("{}{}?page={}", self.base, self.path, request.0),
        )
        .await;
        let items = items.as_array().expect("an array").clone();
        Ok(if items.is_empty() {
            TurnedPage::last(items)
        } else {
            TurnedPage::next(items, request.next_request())
        })
    }
}

async fn page_turner(base: &str, path: &'static str, ahead: usize) -> u64 {
    let turner = PageTurnerClient {
        client: client(),
        base: base.to_owned(),
        path,
    };
    let pages = turner.pages_ahead(ahead, Limit::None, PageRequest(1));
    let pages: Vec<Vec<serde_json::Value>> = pages.try_collect().await.expect("no errors");
    pages.iter().map(|page| page.len() as u64).sum()
}

async fn aiter_pages(base: &str, prefetch: usize) -> u64 {
    let api = JsonApi::with_client(
        client(),
        url::Url::parse(&format!("{base}/items")).expect("a URL"),
    );
    api.paginator::<u64>()
        .prefetch(prefetch)
        .items()
        .count()
        .await as u64
}

async fn aiter_totals(base: &str, read_total: bool) -> u64 {
    let mut api = JsonApi::with_client(
        client(),
        url::Url::parse(&format!("{base}/totals")).expect("a URL"),
    );
    if read_total {
        api = api.total_items_header("X-Total-Count");
    }
    api.paginator::<u64>().prefetch(8).items().count().await as u64
}

async fn aiter_cursor(base: &str) -> u64 {
    let api = JsonApi::with_client(
        client(),
        url::Url::parse(&format!("{base}/cursor?cursor=1")).expect("a URL"),
    )
    .style(Style::cursor())
    .items_at("/items");
    let mut pages = api.paginator::<u64>().pages();
    let mut count = 0;
    while let Some(page) = pages.next().await {
        count += page.expect("no errors").page.items.len() as u64;
        std::thread::sleep(WORK); // the consumer's work; the next page loads meanwhile
    }
    count
}

fn time<F: std::future::Future<Output = u64>>(expected: u64, run: F) -> f64 {
    let start = Instant::now();
    let count = smol::block_on(run);
    assert_eq!(count, expected, "every item once");
    start.elapsed().as_secs_f64()
}

fn main() {
    let pages: u64 = std::env::args()
        .nth(1)
        .map_or(200, |n| n.parse().expect("PAGES is a number"));
    let totals = Arc::new(AtomicU64::new(0));
    let base = serve(pages, totals.clone());
    let items = pages * PER_PAGE;
    // Warm the connections up once.
    smol::block_on(aiter_pages(&base, 8));

    #[allow(clippy::cast_precision_loss)]
    let limit = pages.div_ceil(8) as f64 * LATENCY.as_secs_f64();
    let rows = [
        (
            "lesson's loop, one page at a time",
            time(items, sequential(&base)),
        ),
        (
            "page-turner pages_ahead(8)",
            time(items, page_turner(&base, "/items", 8)),
        ),
        (
            "aiter JsonApi, prefetch 8",
            time(items, aiter_pages(&base, 8)),
        ),
    ];
    println!(
        "\n{pages} numbered pages, {} ms latency each (limit with 8 in flight: {limit:.2} s)",
        LATENCY.as_millis()
    );
    let ours = rows[2].1;
    for (name, secs) in rows {
        println!(
            "  {name:<36} {secs:>7.3} s   aiter ÷ this: {:>5.2}x",
            secs / ours
        );
    }

    #[allow(clippy::cast_precision_loss)]
    let limit = pages as f64 * LATENCY.as_secs_f64();
    let rows = [
        (
            "lesson's loop (fetch, then work)",
            time(items, sequential_cursor(&base)),
        ),
        (
            "aiter JsonApi cursor, read-ahead",
            time(items, aiter_cursor(&base)),
        ),
    ];
    println!(
        "\n{pages} cursor pages, {} ms latency + {} ms work each (limit: {limit:.2} s)",
        LATENCY.as_millis(),
        WORK.as_millis()
    );
    let ours = rows[1].1;
    for (name, secs) in rows {
        println!(
            "  {name:<36} {secs:>7.3} s   aiter ÷ this: {:>5.2}x   vs limit: {:.3}x",
            secs / ours,
            secs / limit
        );
    }

    println!(
        "\nrequests for {TOTAL} items in pages of 100, total told by X-Total-Count, 8 ahead (least possible: 20)"
    );
    let contenders: [(&str, u64); 3] = [
        (
            "page-turner pages_ahead(8)",
            requests(&totals, page_turner(&base, "/totals", 8)),
        ),
        (
            "aiter, total not read",
            requests(&totals, aiter_totals(&base, false)),
        ),
        (
            "aiter, total_items_header",
            requests(&totals, aiter_totals(&base, true)),
        ),
    ];
    let ours = contenders[2].1;
    for (name, made) in contenders {
        #[allow(clippy::cast_precision_loss)]
        let ratio = made as f64 / ours as f64;
        println!("  {name:<36} {made:>4} requests   this ÷ aiter: {ratio:>5.2}x");
    }
}

/// The requests `run` made to `/totals`.
fn requests<F: std::future::Future<Output = u64>>(totals: &Arc<AtomicU64>, run: F) -> u64 {
    let before = totals.load(Ordering::SeqCst);
    assert_eq!(smol::block_on(run), TOTAL, "every item once");
    // Requests a contender started and dropped arrive a little later.
    std::thread::sleep(Duration::from_millis(200));
    totals.load(Ordering::SeqCst) - before
}
