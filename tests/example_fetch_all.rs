//! `examples/fetch_all.rs` against a real HTTP server on loopback: its contract.
#![cfg(feature = "http")]

#[path = "support/examples.rs"]
mod examples;
#[path = "support/http_server.rs"]
mod http_server;

use std::collections::HashMap;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use http_server::TestServer;
use serde_json::json;

/// Runs `fetch_all` over every client (isahc; surf too with feature `surf`): each
/// must give the same exit status, the same items and the same `error:`,
/// `resume:` and `next:` lines. Returns the isahc run.
fn fetch_all(args: &[&str]) -> Output {
    let run = |client: &str| {
        Command::new(examples::example("fetch_all"))
            .args(args)
            .args(["--client", client])
            .output()
            .expect("fetch_all runs")
    };
    let contract = |output: &Output| {
        let stderr: Vec<String> = String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|line| {
                ["error:", "resume:", "next:"]
                    .iter()
                    .any(|p| line.starts_with(p))
            })
            .map(str::to_owned)
            .collect();
        (output.status.code(), output.stdout.clone(), stderr)
    };
    let isahc = run("isahc");
    if cfg!(feature = "surf") {
        let surf = run("surf");
        assert_eq!(
            contract(&surf),
            contract(&isahc),
            "surf and isahc differ for {args:?}"
        );
    }
    isahc
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn stderr_line(output: &Output, prefix: &str) -> Option<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .find_map(|line| line.strip_prefix(prefix).map(str::to_owned))
}

/// 7 pages of 3 items in every style; page 5 answers 500 while `broken` is set.
fn server(broken: Arc<AtomicBool>) -> TestServer {
    TestServer::start(move |conn: trillium::Conn| {
        let broken = broken.clone();
        async move {
            let q: HashMap<String, String> =
                url::form_urlencoded::parse(conn.querystring().as_bytes())
                    .into_owned()
                    .collect();
            let get = |name: &str, default: u64| {
                q.get(name).and_then(|v| v.parse().ok()).unwrap_or(default)
            };
            let page = match conn.path() {
                "/page" => get("page", 1),
                "/offset" => get("offset", 0) / get("limit", 3) + 1,
                "/cursor" => get("cursor", 1),
                _ => get("p", 1),
            };
            if page == 5 && broken.load(Ordering::SeqCst) {
                return conn
                    .with_status(500)
                    .with_body("{\"error\":\"database down\"}")
                    .halt();
            }
            let items: Vec<serde_json::Value> = if page <= 7 {
                (0..3).map(|i| json!({"id": page * 10 + i})).collect()
            } else {
                vec![]
            };
            let more = page < 7;
            let body = match conn.path() {
                "/cursor" => {
                    json!({"data": items, "next_cursor": if more { json!((page + 1).to_string()) } else { json!(null) }})
                }
                "/next" => {
                    json!({"data": items, "next": if more { json!(format!("/next?p={}", page + 1)) } else { json!(null) }})
                }
                _ => json!({"data": items}),
            };
            let conn = if conn.path() == "/link" && more {
                conn.with_response_header("link", format!("</link?p={}>; rel=\"next\"", page + 1))
            } else {
                conn
            };
            conn.with_response_header("content-type", "application/json")
                .ok(body.to_string())
        }
    })
}

fn all_ids() -> Vec<String> {
    (1..=7u64)
        .flat_map(|page| (0..3).map(move |i| format!("{{\"id\":{}}}", page * 10 + i)))
        .collect()
}

#[test]
fn every_style_dumps_every_item_once_in_order() {
    let server = server(Arc::default());
    for (path, style) in [
        ("/page", "page"),
        ("/offset", "offset"),
        ("/cursor", "cursor"),
        ("/link", "link"),
        ("/next", "next"),
    ] {
        let url = server.url(path);
        let output = fetch_all(&[
            &url,
            "--style",
            style,
            "--items-path",
            "/data",
            "--limit",
            "3",
            "--prefetch",
            "3",
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{style}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(stdout_lines(&output), all_ids(), "{style}");
    }
}

#[test]
fn max_items_prints_next_and_resume_outputs_exactly_the_rest() {
    let server = server(Arc::default());
    let url = server.url("/cursor");
    let first = fetch_all(&[
        &url,
        "--style",
        "cursor",
        "--items-path",
        "/data",
        "--max-items",
        "8",
    ]);
    assert_eq!(first.status.code(), Some(0));
    let next = stderr_line(&first, "next: ").expect("next: POSITION");
    let rest = fetch_all(&[
        &url,
        "--style",
        "cursor",
        "--items-path",
        "/data",
        "--resume",
        &next,
    ]);
    assert_eq!(rest.status.code(), Some(0));
    let mut all = stdout_lines(&first);
    assert_eq!(all.len(), 8);
    all.extend(stdout_lines(&rest));
    assert_eq!(all, all_ids());
}

#[test]
fn max_pages_prints_next_too() {
    let server = server(Arc::default());
    let url = server.url("/page");
    let first = fetch_all(&[&url, "--items-path", "/data", "--max-pages", "2"]);
    assert_eq!(stdout_lines(&first).len(), 6);
    assert_eq!(
        stderr_line(&first, "next: ").as_deref(),
        Some(r#"{"page":3,"skip":0}"#)
    );
}

#[test]
fn a_failure_prints_the_items_before_it_then_error_and_resume_and_exits_1() {
    let broken = Arc::new(AtomicBool::new(true));
    let server = server(broken.clone());
    let url = server.url("/page");
    let failed = fetch_all(&[
        &url,
        "--items-path",
        "/data",
        "--prefetch",
        "4",
        "--retries",
        "1",
    ]);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(
        stdout_lines(&failed),
        all_ids()[..12],
        "pages 1 to 4, nothing after"
    );
    let error = stderr_line(&failed, "error: ").expect("an error line");
    assert!(
        error.contains("page 5") && error.contains("/page?page=5") && error.contains("HTTP 500"),
        "{error}"
    );
    let resume = stderr_line(&failed, "resume: ").expect("a resume line");
    broken.store(false, Ordering::SeqCst);
    let rest = fetch_all(&[&url, "--items-path", "/data", "--resume", &resume]);
    assert_eq!(rest.status.code(), Some(0));
    let mut all = stdout_lines(&failed);
    all.extend(stdout_lines(&rest));
    assert_eq!(all, all_ids(), "nothing lost, nothing twice");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec![],
        vec!["http://127.0.0.1:1/", "--style", "sideways"],
        vec!["not a url"],
        vec!["http://x/", "--resume", "{"],
    ] {
        let output = fetch_all(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

/// Loops of every kind: a cursor back to page 2, a next URL back to page 1
/// written differently, an API that ignores the page parameter, and a next URL
/// with another scheme.
fn looping_server() -> TestServer {
    TestServer::start(|conn: trillium::Conn| async move {
        let q: HashMap<String, String> = url::form_urlencoded::parse(conn.querystring().as_bytes())
            .into_owned()
            .collect();
        let p: u64 = q
            .get("p")
            .or(q.get("cursor"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let items: Vec<serde_json::Value> = (0..2).map(|i| json!({"id": p * 10 + i})).collect();
        let body = match conn.path() {
            // 1 -> 2 -> 3 -> 2
            "/cursor-loop" => {
                json!({"data": items, "next_cursor": if p == 3 { "2".to_owned() } else { (p + 1).to_string() }})
            }
            // 1 -> 2 -> page 1 again, reordered with a fragment
            "/url-loop" => {
                json!({"data": items, "next": if p == 1 { "/url-loop?p=2&x=a" } else { "/url-loop?x=a&p=1#top" }})
            }
            "/ignores-page" => json!({"data": [{"id": 1}, {"id": 2}]}),
            "/ftp" => json!({"data": items, "next": "ftp://127.0.0.1/elsewhere"}),
            _ => return conn.with_status(404).halt(),
        };
        conn.with_response_header("content-type", "application/json")
            .ok(body.to_string())
    })
}

#[test]
fn every_kind_of_loop_exits_1_naming_both_pages_after_each_item_once() {
    let server = looping_server();
    let cases: [(&str, &[&str], usize); 3] = [
        ("/cursor-loop", &["--style", "cursor"], 6),
        ("/url-loop?p=1&x=a", &["--style", "next"], 4),
        ("/ignores-page", &["--style", "page"], 2),
    ];
    for (path, style, items) in cases {
        let url = server.url(path);
        let mut args = vec![url.as_str(), "--items-path", "/data"];
        args.extend_from_slice(style);
        let output = fetch_all(&args);
        assert_eq!(output.status.code(), Some(1), "{path}");
        let lines = stdout_lines(&output);
        assert_eq!(lines.len(), items, "{path}: {lines:?}");
        let unique: std::collections::HashSet<_> = lines.iter().collect();
        assert_eq!(unique.len(), lines.len(), "{path}: an item came twice");
        let error = stderr_line(&output, "error: ").expect("an error line");
        assert!(error.contains("loops"), "{path}: {error}");
        let pages = error.matches("page ").count();
        assert!(pages >= 2, "{path}: names both pages: {error}");
        let resume = stderr_line(&output, "resume: ").expect("a resume line");
        // Resuming delivers nothing again and reports the loop again.
        let mut again = args.clone();
        again.extend(["--resume", resume.as_str()]);
        let output = fetch_all(&again);
        assert_eq!(output.status.code(), Some(1), "{path}: resumed");
        let repeated: Vec<String> = stdout_lines(&output)
            .into_iter()
            .filter(|line| unique.contains(line))
            .collect();
        assert!(
            repeated.is_empty(),
            "{path}: resumed run repeated {repeated:?}"
        );
    }
}

#[test]
fn a_next_url_with_another_scheme_exits_1_with_an_error() {
    let server = looping_server();
    let url = server.url("/ftp");
    let output = fetch_all(&[&url, "--style", "next", "--items-path", "/data"]);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr_line(&output, "error: ").expect("an error line");
    assert!(error.contains("ftp://"), "{error}");
}

/// APIs beyond the five plain styles, on one server: a capped offset API with a
/// total (Jira), a keyset list with `has_more` (Stripe), a query endpoint taking
/// its cursor in a POST body, a GraphQL connection, DRF's 404 past the end.
fn real_apis() -> TestServer {
    TestServer::start(|mut conn: trillium::Conn| async move {
        let q: HashMap<String, String> = url::form_urlencoded::parse(conn.querystring().as_bytes())
            .into_owned()
            .collect();
        let get =
            |name: &str, default: u64| q.get(name).and_then(|v| v.parse().ok()).unwrap_or(default);
        let body = match conn.path() {
            "/jira" => {
                let (start, max) = (get("startAt", 0), get("maxResults", 50).min(50));
                let values: Vec<u64> = (start..(start + max).min(120)).collect();
                json!({"values": values, "total": 120, "isLast": start + max >= 120})
            }
            "/stripe" => {
                let after = q
                    .get("starting_after")
                    .map_or(0, |id| id[4..].parse::<u64>().unwrap());
                let data: Vec<_> = (after + 1..=(after + 2).min(5))
                    .map(|i| json!({"id": format!("cus_{i}")}))
                    .collect();
                json!({"data": data, "has_more": after + 2 < 5})
            }
            "/query" | "/graphql" => {
                let request: serde_json::Value =
                    serde_json::from_str(&conn.request_body_string().await.unwrap()).unwrap();
                let cursor = request
                    .pointer("/start_cursor")
                    .or_else(|| request.pointer("/variables/after"))
                    .and_then(serde_json::Value::as_str)
                    .map_or(0, |c| c.parse::<u64>().unwrap());
                let items: Vec<u64> = (cursor..(cursor + 2).min(5)).collect();
                let more = cursor + 2 < 5;
                if conn.path() == "/query" {
                    json!({"results": items, "has_more": more, "next_cursor": (cursor + 2).to_string()})
                } else {
                    let edges: Vec<_> = items.iter().map(|n| json!({"node": {"n": n}})).collect();
                    json!({"data": {"items": {"edges": edges, "pageInfo": {"hasNextPage": more, "endCursor": (cursor + 2).to_string()}}}})
                }
            }
            _ => {
                let page = get("page", 1);
                if page > 2 {
                    return conn
                        .with_status(404)
                        .with_body(r#"{"detail": "Invalid page."}"#);
                }
                json!({"results": [page * 10, page * 10 + 1]})
            }
        };
        conn.with_response_header("content-type", "application/json")
            .ok(body.to_string())
    })
}

#[test]
#[allow(clippy::too_many_lines)] // one command line of flags a run
fn the_new_pagination_flags_page_real_api_shapes() {
    let server = real_apis();
    let jira = server.url("/jira");
    let stripe = server.url("/stripe");
    let query = server.url("/query");
    let graphql = server.url("/graphql");
    let drf = server.url("/drf");
    let runs: [(Vec<&str>, usize); 5] = [
        (
            vec![
                &jira,
                "--style",
                "offset",
                "--offset-param",
                "startAt",
                "--limit-param",
                "maxResults",
                "--limit",
                "100",
                "--items-path",
                "/values",
                "--total-path",
                "/total",
                "--prefetch",
                "8",
            ],
            120,
        ),
        (
            vec![
                &stripe,
                "--style",
                "after",
                "--items-path",
                "/data",
                "--more-path",
                "/has_more",
            ],
            5,
        ),
        (
            vec![
                &query,
                "--style",
                "cursor",
                "--method",
                "POST",
                "--body",
                "{\"page_size\": 2}",
                "--body-key",
                "/start_cursor",
                "--items-path",
                "/results",
                "--more-path",
                "/has_more",
            ],
            5,
        ),
        (
            vec![
                &graphql,
                "--graphql",
                "query($after: String) { items(after: $after) { edges { node { n } } pageInfo { hasNextPage endCursor } } }",
                "--connection",
                "/data/items",
                "--item-path",
                "/n",
            ],
            5,
        ),
        (vec![&drf, "--items-path", "/results"], 4),
    ];
    for (args, count) in runs {
        let output = fetch_all(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let lines = stdout_lines(&output);
        assert_eq!(lines.len(), count, "{args:?}: {lines:?}");
        let unique: std::collections::HashSet<_> = lines.iter().collect();
        assert_eq!(unique.len(), count, "each item once");
    }
    let output = fetch_all(&[
        &graphql,
        "--graphql",
        "q",
        "--connection",
        "/data/items",
        "--item-path",
        "/n",
    ]);
    assert_eq!(stdout_lines(&output), ["0", "1", "2", "3", "4"]);
    // With --end-status none, DRF's 404 past the end is an error again.
    let output = fetch_all(&[&drf, "--items-path", "/results", "--end-status", "none"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout_lines(&output).len(),
        4,
        "the items before come first"
    );
}

#[test]
fn the_new_flags_misused_are_usage_errors() {
    for args in [
        vec!["http://127.0.0.1:1/", "--body-key", "/x"],
        vec![
            "http://127.0.0.1:1/",
            "--graphql",
            "q",
            "--style",
            "page",
            "--connection",
            "/data/x",
        ],
        vec!["http://127.0.0.1:1/", "--graphql", "q"],
        vec!["http://127.0.0.1:1/", "--method", "PUT"],
        vec!["http://127.0.0.1:1/", "--method", "GET", "--body", "{}"],
        vec!["http://127.0.0.1:1/", "--body", "not json"],
        vec!["http://127.0.0.1:1/", "--end-status", "four-oh-four"],
        vec!["http://127.0.0.1:1/", "--variables", "{}"],
        vec![
            "http://127.0.0.1:1/",
            "--total-path",
            "/t",
            "--total-header",
            "X-Total",
        ],
    ] {
        let output = fetch_all(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("usage:"),
            "{args:?}"
        );
    }
}
