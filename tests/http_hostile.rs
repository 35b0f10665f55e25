//! `aiter::http::JsonApi` against hostile and careless servers (trillium on smol,
//! on loopback): APIs that ignore the page parameter, disguised loops, silent
//! endings, items of the wrong shape, credentials and redirects, schemes.
#![cfg(feature = "http")]

#[path = "support/http_server.rs"]
mod http_server;
mod support;

use std::sync::{Arc, Mutex};

use aiter::http::{JsonApi, Style};
use aiter::paginate::{PageError, PageErrorKind, Paginator, Position};
use futures_lite::StreamExt;
use http_server::{TestServer, json_response, query};
use isahc::config::{Configurable, RedirectPolicy};
use serde_json::json;
use support::error_chain as chain;

/// The hostile API: one route per misbehaviour.
fn hostile() -> TestServer {
    TestServer::start(|conn: trillium::Conn| async move {
        let q = query(&conn);
        let p = q.get("p").cloned().unwrap_or_default();
        match conn.path() {
            // Ignores every parameter: the same page for every page number.
            "/same" => json_response(conn, &json!({ "data": [1, 2] })),
            // p=1 -> p=2 -> p=1 written with its parameters reordered, a fragment
            // and another percent-encoding case.
            "/disguised" => {
                let (items, next) = match p.as_str() {
                    "1" => (json!([1]), json!("/disguised?p=2&x=%2f")),
                    _ => (json!([2]), json!("/disguised?x=%2F&p=1#again")),
                };
                json_response(conn, &json!({ "data": items, "next": next }))
            }
            "/typed" => json_response(conn, &json!({ "data": [1, "two", 3] })),
            "/not-json" => conn.ok("<html>oops</html>"),
            "/no-array" => json_response(conn, &json!({ "data": {"not": "an array"} })),
            "/cursor-object" => {
                json_response(conn, &json!({ "data": [1], "next_cursor": {"a": 1} }))
            }
            "/cursor-bool" => json_response(conn, &json!({ "data": [1], "next_cursor": true })),
            "/next-number" => json_response(conn, &json!({ "data": [1], "next": 7 })),
            "/next-ftp" => {
                json_response(conn, &json!({ "data": [1], "next": "ftp://127.0.0.1/x" }))
            }
            "/link-binary" => conn
                .with_response_header("content-type", "application/json")
                .with_response_header(
                    "link",
                    trillium::HeaderValue::from(b"</x?\xff>; rel=\"next\"".to_vec()),
                )
                .ok("[1]"),
            "/auth" => {
                let auth = conn
                    .request_headers()
                    .get_str("authorization")
                    .unwrap_or("")
                    .to_owned();
                json_response(conn, &json!({ "data": [auth] }))
            }
            _ => conn.with_status(404).halt(),
        }
    })
}

fn client() -> isahc::HttpClient {
    isahc::HttpClient::builder().proxy(None).build().unwrap()
}

fn api_at(server: &TestServer, path: &str) -> JsonApi {
    JsonApi::with_client(client(), url::Url::parse(&server.url(path)).unwrap())
}

fn run<T: serde::de::DeserializeOwned + Send + 'static>(
    paginator: Paginator<T>,
) -> (Vec<Result<T, PageError>>, Option<Position>) {
    smol::block_on(async {
        let mut items = paginator.items();
        let mut got = Vec::new();
        while let Some(item) = items.next().await {
            got.push(item.map(|item| item.item));
        }
        (got, items.position())
    })
}

#[test]
fn an_api_that_ignores_the_page_parameter_is_a_loop_error_naming_the_parameter() {
    let server = hostile();
    let (got, position) = run::<u32>(
        api_at(&server, "/same")
            .items_at("/data")
            .paginator()
            .prefetch(3),
    );
    assert_eq!(got.len(), 3, "page 1's items once, then the error");
    assert_eq!(
        (got[0].as_ref().ok(), got[1].as_ref().ok()),
        (Some(&1), Some(&2))
    );
    let error = got[2].as_ref().unwrap_err();
    assert!(
        matches!(error.kind(), PageErrorKind::RepeatedPage { page: 1, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("page 2") && message.contains("page 1"),
        "{message}"
    );
    assert!(message.contains("parameter `page`"), "{message}");
    // Resuming does not deliver page 1's items again.
    let (again, _) = run::<u32>(
        api_at(&server, "/same")
            .items_at("/data")
            .paginator()
            .resume(position.unwrap()),
    );
    assert_eq!(again.len(), 1, "only the loop error again");
    assert!(again[0].is_err());
}

#[test]
fn a_disguised_next_url_is_a_loop_and_nothing_comes_twice() {
    let server = hostile();
    let (got, position) = run::<u32>(
        api_at(&server, "/disguised?p=1&x=%2F")
            .style(Style::next())
            .items_at("/data")
            .paginator(),
    );
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(
        (got[0].as_ref().ok(), got[1].as_ref().ok()),
        (Some(&1), Some(&2))
    );
    let error = got[2].as_ref().unwrap_err();
    assert!(
        matches!(error.kind(), PageErrorKind::Loop { page: Some(1), .. }),
        "{error}"
    );
    // Resuming from the loop error's position does not go round the cycle again.
    let position = Position::parse(&position.unwrap().to_string()).unwrap();
    let (again, _) = run::<u32>(
        api_at(&server, "/disguised?p=1&x=%2F")
            .style(Style::next())
            .items_at("/data")
            .paginator()
            .resume(position),
    );
    assert_eq!(again.len(), 1, "{again:?}");
    assert!(matches!(
        again[0].as_ref().unwrap_err().kind(),
        PageErrorKind::Loop { .. }
    ));
}

#[test]
fn an_item_of_the_wrong_type_is_an_error_item_and_the_run_goes_on() {
    let server = hostile();
    let (got, _) = run::<u32>(
        api_at(&server, "/typed")
            .items_at("/data")
            .paginator()
            .max_pages(1),
    );
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].as_ref().ok(), Some(&1));
    let error = got[1].as_ref().unwrap_err();
    assert!(
        matches!(error.kind(), PageErrorKind::Item { index: 2, .. }),
        "{error}"
    );
    assert_eq!(error.number(), 1);
    assert!(error.url().unwrap().contains("/typed"));
    assert_eq!(error.position().skip, 2, "resume after the bad entry");
    assert!(
        chain(error).join(": ").contains("invalid type"),
        "{:?}",
        chain(error)
    );
    assert_eq!(got[2].as_ref().ok(), Some(&3));
}

#[test]
fn a_body_that_is_not_json_or_has_no_array_is_a_page_error() {
    let server = hostile();
    for (path, says) in [
        ("/not-json", "malformed JSON body"),
        ("/no-array", "no array at"),
    ] {
        let (got, _) = run::<u32>(api_at(&server, path).items_at("/data").paginator());
        assert_eq!(got.len(), 1);
        let error = got[0].as_ref().unwrap_err();
        assert!(
            chain(error).join(": ").contains(says),
            "{path}: {:?}",
            chain(error)
        );
        assert!(!error.is_item_error());
    }
}

#[test]
fn a_malformed_next_is_an_error_never_the_end() {
    let server = hostile();
    let cases = [
        ("/cursor-object", Style::cursor(), "is an object"),
        ("/cursor-bool", Style::cursor(), "is a boolean"),
        ("/next-number", Style::next(), "is a number"),
        ("/next-ftp", Style::next(), "not http or https"),
        ("/link-binary", Style::Link, "not ASCII"),
    ];
    for (path, style, says) in cases {
        let items_at = if style == Style::Link { "" } else { "/data" };
        let (got, _) = run::<u32>(
            api_at(&server, path)
                .style(style)
                .items_at(items_at)
                .paginator(),
        );
        let error = got
            .iter()
            .find_map(|item| item.as_ref().err())
            .unwrap_or_else(|| panic!("{path}: no error in {got:?}"));
        assert!(
            chain(error).join(": ").contains(says),
            "{path}: {:?}",
            chain(error)
        );
    }
}

#[test]
fn user_and_password_in_the_url_are_sent_but_never_shown() {
    let server = hostile();
    let url = server
        .url("/auth")
        .replace("http://", "http://alice:s%40cret@");
    let api = JsonApi::new(&url).unwrap().items_at("/data");
    assert!(!format!("{api:?}").contains("cret"), "{api:?}");
    let (got, _) = run::<String>(api.clone().paginator().max_pages(1));
    // "alice:s@cret" in Basic.
    assert_eq!(got[0].as_ref().unwrap(), "Basic YWxpY2U6c0BjcmV0");
    // Positions and errors carry the URL without them.
    let (got, position) = run::<u32>(api.paginator().max_pages(1));
    let error = got[0].as_ref().unwrap_err();
    for text in chain(error)
        .into_iter()
        .chain([position.unwrap().to_string(), format!("{error:?}")])
    {
        assert!(!text.contains("cret") && !text.contains("alice"), "{text}");
    }
}

/// A second origin that records the headers it was sent.
fn recorder(seen: Arc<Mutex<Vec<(String, String)>>>) -> TestServer {
    TestServer::start(move |conn: trillium::Conn| {
        let seen = seen.clone();
        async move {
            let headers: Vec<(String, String)> = conn
                .request_headers()
                .iter()
                .map(|(name, value)| (name.to_string().to_ascii_lowercase(), format!("{value:?}")))
                .collect();
            seen.lock().unwrap().extend(headers);
            json_response(conn, &json!([9]))
        }
    })
}

#[test]
fn no_credential_follows_a_redirect_to_another_origin_even_with_a_following_client() {
    let seen = Arc::default();
    let other = recorder(Arc::clone(&seen));
    let target = other.url("/elsewhere");
    let first = TestServer::start(move |conn: trillium::Conn| {
        let target = target.clone();
        async move {
            conn.with_status(302)
                .with_response_header("location", target)
                .halt()
        }
    });
    let client = isahc::HttpClient::builder()
        .proxy(None)
        .redirect_policy(RedirectPolicy::Follow)
        .build()
        .unwrap();
    let api = JsonApi::with_client(client, url::Url::parse(&first.url("/start")).unwrap())
        .header("Authorization", "Bearer secret-1")
        .header("X-Api-Key", "secret-2")
        .header("Private-Token", "secret-3")
        .header("X-Auth-Token", "secret-4")
        .header("X-Trace", "public");
    let (got, _) = run::<u32>(api.paginator().max_pages(1));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].as_ref().ok(), Some(&9), "{got:?}");
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter()
            .any(|(name, value)| name == "x-trace" && value.contains("public"))
    );
    for (name, value) in seen.iter() {
        assert!(
            !value.contains("secret"),
            "{name}: {value} reached another origin"
        );
    }
}

#[test]
fn errors_print_each_cause_once() {
    let server = hostile();
    let (got, _) = run::<u32>(api_at(&server, "/missing").paginator());
    let error = got[0].as_ref().unwrap_err();
    let messages = chain(error);
    assert!(messages.len() >= 2, "{messages:?}");
    for pair in messages.windows(2) {
        assert!(
            !pair[0].contains(&pair[1]),
            "{:?} repeats its source {:?}",
            pair[0],
            pair[1]
        );
    }
    assert!(messages[0].contains("HTTP 404"), "{messages:?}");
}

#[test]
fn a_page_limit_of_u64_max_reads_the_page() {
    let server = hostile();
    let api = api_at(&server, "/same")
        .items_at("/data")
        .max_page_len(usize::MAX);
    let (got, _) = run::<u32>(api.paginator().max_pages(1));
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(Result::is_ok), "{got:?}");
}
