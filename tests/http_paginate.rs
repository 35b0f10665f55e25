//! `aiter::http::JsonApi` against a real HTTP server (trillium on smol) on loopback:
//! every style, retries with `Retry-After`, a cursor loop, empty middle pages, a
//! malformed body, resume, and credentials kept to their origin.
#![cfg(feature = "http")]

#[path = "support/http_server.rs"]
mod http_server;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aiter::http::{JsonApi, Style};
use aiter::paginate::{Paginator, Position, RetryPolicy};
use futures_lite::StreamExt;
use http_server::{TestServer, current_client, json_response, over_every_client, query};
use serde_json::{Value, json};

fn number(query: &HashMap<String, String>, name: &str) -> u64 {
    query
        .get(name)
        .and_then(|value| value.parse().ok())
        .unwrap_or(1)
}

/// A JSON API with one route per pagination style, plus trouble on demand.
fn api(flaky: Arc<AtomicU32>) -> TestServer {
    TestServer::start(move |conn: trillium::Conn| {
        let flaky = flaky.clone();
        async move {
            let q = query(&conn);
            match conn.path() {
                "/page" => {
                    let n = number(&q, "page");
                    let items: Vec<u64> = if n <= 5 {
                        vec![n * 10, n * 10 + 1]
                    } else {
                        vec![]
                    };
                    json_response(conn, &json!({ "data": items }))
                }
                "/offset" => {
                    let (offset, limit) = (number(&q, "offset"), number(&q, "limit"));
                    let items: Vec<u64> = (offset..(offset + limit).min(23)).collect();
                    json_response(conn, &json!(items))
                }
                "/cursor" => {
                    // c1 -> c2 (empty) -> c3 (empty) -> c4 -> end
                    let (items, next): (Vec<u64>, Value) = match q.get("cursor").map(String::as_str)
                    {
                        None => (vec![1, 2], json!("c2")),
                        Some("c2") => (vec![], json!("c3")),
                        Some("c3") => (vec![], json!("c4")),
                        Some("c4") => (vec![3], Value::Null),
                        Some(_) => return conn.with_status(400).with_body("bad cursor").halt(),
                    };
                    json_response(conn, &json!({ "items": items, "next_cursor": next }))
                }
                "/loop" => {
                    // first -> a -> b -> a: a loop back two pages.
                    let (item, next) = match q.get("cursor").map(String::as_str) {
                        Some("a") => (2, "b"),
                        Some("b") => (3, "a"),
                        _ => (1, "a"),
                    };
                    json_response(conn, &json!({ "items": [item], "next_cursor": next }))
                }
                "/link" => {
                    let n = number(&q, "p");
                    let conn = if n < 3 {
                        conn.with_response_header(
                            "link",
                            format!(
                                r#"</link?p={}>; rel="next"; title="a, b", </link?p=1>; rel=first"#,
                                n + 1
                            ),
                        )
                    } else {
                        conn
                    };
                    json_response(conn, &json!([n]))
                }
                "/next" => {
                    let n = number(&q, "p");
                    let next = if n < 3 {
                        json!(format!("/next?p={}", n + 1))
                    } else {
                        Value::Null
                    };
                    json_response(conn, &json!({ "results": [n], "next": next }))
                }
                "/flaky" => {
                    let n = number(&q, "page");
                    if n == 2 && flaky.fetch_add(1, Ordering::SeqCst) == 0 {
                        return conn
                            .with_status(503)
                            .with_response_header("retry-after", "1")
                            .with_body("busy")
                            .halt();
                    }
                    json_response(conn, &json!(if n <= 3 { vec![n] } else { vec![] }))
                }
                "/malformed" => {
                    let n = number(&q, "page");
                    if n == 2 && flaky.load(Ordering::SeqCst) == 0 {
                        return conn.ok("{\"data\": [1, 2,");
                    }
                    json_response(
                        conn,
                        &json!({ "data": if n <= 3 { vec![n] } else { vec![] } }),
                    )
                }
                "/missing" => conn
                    .with_status(404)
                    .with_body("{\"error\": \"no such collection\"}")
                    .halt(),
                _ => conn.with_status(404).halt(),
            }
        }
    })
}

fn api_at(server: &TestServer, path: &str) -> JsonApi {
    JsonApi::with_client(
        current_client(),
        url::Url::parse(&server.url(path)).unwrap(),
    )
}

fn items(paginator: Paginator<Value>) -> (Vec<Value>, Option<aiter::paginate::PageError>) {
    smol::block_on(async {
        let mut items = paginator.items();
        let mut got = Vec::new();
        while let Some(item) = items.next().await {
            match item {
                Ok(item) => got.push(item.item),
                Err(error) => return (got, Some(error)),
            }
        }
        (got, None)
    })
}

#[test]
fn page_style_with_items_at_a_pointer() {
    over_every_client(|| {
        let server = api(Arc::default());
        let paginator = api_at(&server, "/page")
            .items_at("/data")
            .paginator()
            .prefetch(3);
        let (got, error) = items(paginator);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(
            got,
            json!([10, 11, 20, 21, 30, 31, 40, 41, 50, 51])
                .as_array()
                .unwrap()
                .clone()
        );
    });
}

#[test]
fn offset_style_with_the_body_as_the_array() {
    over_every_client(|| {
        let server = api(Arc::default());
        let style = Style::Offset {
            offset_param: "offset".into(),
            limit_param: "limit".into(),
            limit: 10,
        };
        let (got, error) = items(api_at(&server, "/offset").style(style).paginator());
        assert!(error.is_none());
        assert_eq!(got, (0..23).map(Value::from).collect::<Vec<_>>());
    });
}

#[test]
fn cursor_style_passes_over_empty_middle_pages() {
    over_every_client(|| {
        let server = api(Arc::default());
        let (got, error) = items(
            api_at(&server, "/cursor")
                .style(Style::cursor())
                .items_at("/items")
                .paginator(),
        );
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got, [json!(1), json!(2), json!(3)]);
    });
}

#[test]
fn link_style_follows_relative_next_links() {
    over_every_client(|| {
        let server = api(Arc::default());
        let (got, error) = items(api_at(&server, "/link?p=1").style(Style::Link).paginator());
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got, [json!(1), json!(2), json!(3)]);
    });
}

#[test]
fn next_style_follows_the_url_in_the_body() {
    over_every_client(|| {
        let server = api(Arc::default());
        let (got, error) = items(
            api_at(&server, "/next?p=1")
                .style(Style::next())
                .items_at("/results")
                .paginator(),
        );
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got, [json!(1), json!(2), json!(3)]);
    });
}

#[test]
fn a_503_with_retry_after_is_retried_after_the_wait_and_nothing_repeats() {
    over_every_client(|| {
        let server = api(Arc::default());
        let start = Instant::now();
        let paginator = api_at(&server, "/flaky")
            .paginator()
            .retry(RetryPolicy::default().base_delay(Duration::from_millis(1)));
        let (got, error) = items(paginator);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got, [json!(1), json!(2), json!(3)]);
        assert!(
            start.elapsed() >= Duration::from_secs(1),
            "Retry-After: 1 was honoured"
        );
    });
}

#[test]
fn a_cursor_loop_is_an_error_naming_both_pages() {
    over_every_client(|| {
        let server = api(Arc::default());
        let (got, error) = items(
            api_at(&server, "/loop")
                .style(Style::cursor())
                .items_at("/items")
                .paginator(),
        );
        assert_eq!(
            got.len(),
            3,
            "every page fetched is delivered, then the error"
        );
        let error = error.expect("a loop");
        assert!(
            error
                .to_string()
                .contains("the API loops: its next, \"a\", is page 2's"),
            "{error}"
        );
    });
}

#[test]
fn a_malformed_body_is_a_permanent_error_with_url_status_snippet_and_a_resume_position() {
    over_every_client(|| {
        let broken = Arc::new(AtomicU32::new(0));
        let server = api(broken.clone());
        let (first, error) = items(api_at(&server, "/malformed").items_at("/data").paginator());
        assert_eq!(first, [json!(1)]);
        let error = error.expect("page 2 is malformed");
        assert_eq!(
            (error.number(), error.attempts(), error.status()),
            (2, 1, Some(200))
        );
        assert!(error.url().unwrap().ends_with("/malformed?page=2"));
        assert_eq!(error.snippet(), Some("{\"data\": [1, 2,"));
        let cause = std::error::Error::source(&error)
            .expect("the fetch error")
            .to_string();
        assert!(cause.contains("malformed JSON body"), "{cause}");
        // The API is fixed; resuming gets exactly the rest.
        broken.store(1, Ordering::SeqCst);
        let position = Position::parse(&error.position().to_string()).unwrap();
        let (rest, error) = items(
            api_at(&server, "/malformed")
                .items_at("/data")
                .paginator()
                .resume(position),
        );
        assert!(error.is_none());
        assert_eq!(rest, [json!(2), json!(3)]);
    });
}

#[test]
fn a_404_is_not_retried() {
    over_every_client(|| {
        let server = api(Arc::default());
        let (_, error) = items(api_at(&server, "/missing").paginator());
        let error = error.unwrap();
        assert_eq!((error.status(), error.attempts()), (Some(404), 1));
        assert!(error.to_string().contains("HTTP 404"));
    });
}

#[test]
fn credentials_go_only_to_the_first_urls_origin() {
    over_every_client(|| {
        // Two servers: two origins. The first names a next URL on the second.
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        let other = TestServer::start(move |conn: trillium::Conn| {
            let record = record.clone();
            async move {
                let headers = conn.request_headers();
                record.lock().unwrap().push((
                    headers.get_str("authorization").map(str::to_owned),
                    headers.get_str("x-api-key").map(str::to_owned),
                    headers.get_str("accept").map(str::to_owned),
                ));
                json_response(conn, &json!({ "results": [2], "next": null }))
            }
        });
        let next = other.url("/elsewhere");
        let first = TestServer::start(move |conn: trillium::Conn| {
            let next = next.clone();
            async move {
                let authorized =
                    conn.request_headers().get_str("authorization") == Some("Bearer secret");
                json_response(conn, &json!({ "results": [authorized], "next": next }))
            }
        });
        let paginator = api_at(&first, "/start")
            .style(Style::next())
            .items_at("/results")
            .header("Authorization", "Bearer secret")
            .sensitive_header("X-Api-Key", "k")
            .header("Accept", "application/json")
            .paginator();
        let (got, error) = items(paginator);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(
            got,
            [json!(true), json!(2)],
            "the first origin got the credentials"
        );
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            seen[0],
            (None, None, Some("application/json".to_owned())),
            "the other origin got none"
        );
    });
}

/// A server whose first answer is `status` with `Retry-After: retry_after()`, and
/// every later one an empty page; with the count of requests it got.
fn busy_once(
    status: u16,
    retry_after: impl Fn() -> String + Send + Sync + 'static,
) -> (TestServer, Arc<AtomicU32>) {
    let asked = Arc::new(AtomicU32::new(0));
    let counter = asked.clone();
    let retry_after = Arc::new(retry_after);
    let server = TestServer::start(move |conn: trillium::Conn| {
        let (counter, retry_after) = (counter.clone(), retry_after.clone());
        async move {
            if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                return conn
                    .with_status(status)
                    .with_response_header("retry-after", retry_after())
                    .halt();
            }
            json_response(conn, &json!([]))
        }
    });
    (server, asked)
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    over_every_client(|| {
        let (server, asked) = busy_once(429, || {
            httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2))
        });
        let start = Instant::now();
        let paginator = api_at(&server, "/dated")
            .paginator()
            .retry(RetryPolicy::default().base_delay(Duration::from_millis(1)));
        let (got, error) = items(paginator);
        assert!(error.is_none() && got.is_empty(), "{error:?}");
        // The date has one-second resolution: at least one second was waited.
        assert!(
            start.elapsed() >= Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn a_servers_retry_after_is_capped_by_max_retry_after() {
    over_every_client(|| {
        // About 31 years.
        let (server, asked) = busy_once(503, || "999999999".to_owned());
        let start = Instant::now();
        let paginator = api_at(&server, "/busy").paginator::<Value>().retry(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(1))
                .max_retry_after(Duration::from_millis(100)),
        );
        let (got, error) = items(paginator);
        assert!(error.is_none() && got.is_empty(), "{error:?}");
        assert!(
            start.elapsed() >= Duration::from_millis(100),
            "{:?}",
            start.elapsed()
        );
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn an_invalid_header_fails_the_first_page_without_a_request_and_keeps_the_chain() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let counted = requests.clone();
        let server = TestServer::start(move |conn: trillium::Conn| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move { json_response(conn, &json!([1])) }
        });
        // One chain, no `?` or `unwrap` between the builder calls.
        let paginator = api_at(&server, "/items")
            .header("X-Good", "yes")
            .header("X-Bad", "secret\nvalue")
            .header("X-After", "fine")
            .paginator::<Value>();
        let (got, error) = items(paginator);
        let error = error.expect("the invalid header is an error");
        assert!(got.is_empty());
        let message = std::error::Error::source(&error).unwrap().to_string();
        assert!(message.contains("x-bad"), "{message}");
        assert!(
            !message.contains("secret"),
            "the value may be a secret: {message}"
        );
        assert_eq!(error.number(), 1);
        assert_eq!(requests.load(Ordering::SeqCst), 0, "nothing was sent");

        // A whole header line written as the name: its value is not printed either.
        let paginator = api_at(&server, "/items")
            .header("Authorization: Bearer s3cr3t", "")
            .paginator::<Value>();
        let (_, error) = items(paginator);
        let error = error.expect("an invalid name is an error");
        let message = std::error::Error::source(&error).unwrap().to_string();
        assert!(message.contains("\"Authorization\""), "{message}");
        assert!(!message.contains("s3cr3t"), "{message}");
    });
}
