//! `JsonApi` against servers that page as the APIs people page do, over every
//! client: Jira's capped `maxResults` with `total` and `isLast`, Django REST
//! framework's 404 past the last page, json-server's clamped page numbers,
//! Stripe's `starting_after` and `has_more`, Elasticsearch's `search_after` in a
//! POST body, CloudWatch Logs' repeated token, Notion's cursor in a POST body;
//! and a GraphQL server library (async-graphql) serving a Relay connection.
#![cfg(feature = "http")]

#[path = "support/http_server.rs"]
mod http_server;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aiter::http::{JsonApi, Style};
use aiter::paginate::{PageError, Paginator, Position, RetryPolicy};
use futures_lite::StreamExt;
use futures_lite::future::block_on;
use http_server::{TestServer, current_client, json_response, over_every_client, query};
use serde_json::{Value, json};

fn get(query: &HashMap<String, String>, name: &str, default: u64) -> u64 {
    query
        .get(name)
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// A server that counts its requests.
fn counted(
    requests: &Arc<AtomicU32>,
    handler: impl Fn(trillium::Conn) -> trillium::Conn + Send + Sync + 'static,
) -> TestServer {
    let requests = requests.clone();
    let handler = Arc::new(handler);
    TestServer::start(move |conn: trillium::Conn| {
        requests.fetch_add(1, Ordering::SeqCst);
        let handler = handler.clone();
        async move { handler(conn) }
    })
}

fn api(url: &str) -> JsonApi {
    JsonApi::with_client(current_client(), url::Url::parse(url).unwrap())
}

fn fast(paginator: Paginator<Value>) -> Paginator<Value> {
    paginator.retry(RetryPolicy::default().base_delay(Duration::from_millis(1)))
}

/// The cause below a page error: what its fetch error says.
fn cause(error: &PageError) -> String {
    std::error::Error::source(error)
        .expect("a fetch error")
        .to_string()
}

/// Every item, then the error that ended the run, if any.
fn run(paginator: Paginator<Value>) -> (Vec<Value>, Option<PageError>) {
    block_on(async {
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

fn ids(values: &[Value], field: &str) -> Vec<u64> {
    values
        .iter()
        .map(|value| value[field].as_u64().unwrap())
        .collect()
}

// ----------------------------------------------------------- Jira: capped offsets

const ISSUES: u64 = 230;

/// Jira's agile endpoints: `maxResults` capped at 50 whatever is asked, with
/// `total` and `isLast` on every page.
fn jira(requests: &Arc<AtomicU32>) -> TestServer {
    counted(requests, |conn| {
        let q = query(&conn);
        let start = get(&q, "startAt", 0);
        let max = get(&q, "maxResults", 50).min(50);
        let values: Vec<Value> = (start..(start + max).min(ISSUES))
            .map(|i| json!({"id": i + 1}))
            .collect();
        let is_last = start + max >= ISSUES;
        let body = json!({"startAt": start, "maxResults": max, "total": ISSUES, "isLast": is_last, "values": values});
        json_response(conn, &body)
    })
}

fn jira_api(url: &str) -> JsonApi {
    api(url)
        .style(Style::Offset {
            offset_param: "startAt".into(),
            limit_param: "maxResults".into(),
            limit: 100,
        })
        .items_at("/values")
}

#[test]
fn a_capped_offset_api_loses_nothing_with_or_without_prefetch() {
    over_every_client(|| {
        for prefetch in [1, 3, 8] {
            let requests = Arc::new(AtomicU32::new(0));
            let server = jira(&requests);
            let url = server.url("/rest/agile/1.0/board/1/issue");
            let (got, error) = run(jira_api(&url).paginator().prefetch(prefetch));
            assert!(error.is_none(), "{error:?}");
            assert_eq!(
                ids(&got, "id"),
                (1..=ISSUES).collect::<Vec<_>>(),
                "prefetch {prefetch}"
            );
        }
    });
}

#[test]
fn stop_on_short_page_measures_the_fullest_page_not_the_limit_asked() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let server = jira(&requests);
        let url = server.url("/issues");
        let (got, error) = run(jira_api(&url).paginator().stop_on_short_page(true));
        assert!(error.is_none());
        assert_eq!(got.len() as u64, ISSUES);
        // 50, 50, 50, 50, then the short 30: no request for an empty page.
        assert_eq!(requests.load(Ordering::SeqCst), 5);
    });
}

#[test]
fn is_last_and_total_each_end_the_run_without_a_request_past_the_end() {
    over_every_client(|| {
        // A flag comes with the last page, so only a run without prefetch can
        // know in time; a total is known from the first page on, prefetch or not.
        type Configure = fn(JsonApi) -> JsonApi;
        let cases: [(&str, Configure, usize); 3] = [
            ("isLast", |api| api.last_at("/isLast"), 1),
            ("total", |api| api.total_items_at("/total"), 1),
            ("total", |api| api.total_items_at("/total"), 8),
        ];
        for (name, configure, prefetch) in cases {
            let requests = Arc::new(AtomicU32::new(0));
            let server = jira(&requests);
            let url = server.url("/issues");
            let (got, error) = run(configure(jira_api(&url)).paginator().prefetch(prefetch));
            assert!(error.is_none(), "{name}: {error:?}");
            assert_eq!(ids(&got, "id"), (1..=ISSUES).collect::<Vec<_>>());
            assert_eq!(
                requests.load(Ordering::SeqCst),
                5,
                "{name}, prefetch {prefetch}"
            );
        }
    });
}

#[test]
fn a_mistyped_or_missing_stop_value_is_an_error_after_the_page_items() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let server = counted(&requests, |conn| {
            json_response(
                conn,
                &json!({"values": [1, 2], "isLast": "no", "total": -3}),
            )
        });
        let url = server.url("/issues");
        for (configure, says) in [
            (
                (|api: JsonApi| api.last_at("/isLast")) as fn(JsonApi) -> JsonApi,
                "not a boolean",
            ),
            (
                |api: JsonApi| api.more_at("/has_more"),
                "no flag at \"/has_more\"",
            ),
            (|api: JsonApi| api.total_items_at("/total"), "not a count"),
            (
                |api: JsonApi| api.total_pages_header("X-Total-Pages"),
                "no X-Total-Pages header",
            ),
        ] {
            let (got, error) = run(configure(api(&url).items_at("/values")).paginator());
            assert_eq!(got, [json!(1), json!(2)], "the page's items come first");
            let error = error.expect("a malformed page");
            let cause = cause(&error);
            assert!(cause.contains(says), "{cause}");
            assert_eq!(error.position().skip, 2, "resume after the items");
        }
    });
}

// ---------------------------------------------- DRF: 404 past the last page

/// Django REST framework's page-number pagination: 10 a page, `count`, and
/// `404 {"detail": "Invalid page."}` past the last page.
fn drf(requests: &Arc<AtomicU32>, items: u64) -> TestServer {
    counted(requests, move |conn| {
        let page = get(&query(&conn), "page", 1);
        let start = page.saturating_sub(1) * 10;
        if page == 0 || (start >= items && page > 1) {
            return conn
                .with_response_header("content-type", "application/json")
                .with_status(404)
                .with_body(r#"{"detail": "Invalid page."}"#);
        }
        let results: Vec<u64> = (start..(start + 10).min(items)).collect();
        json_response(
            conn,
            &json!({"count": items, "next": null, "previous": null, "results": results}),
        )
    })
}

#[test]
fn a_404_past_the_last_page_ends_a_page_number_run_cleanly() {
    over_every_client(|| {
        for prefetch in [1, 4] {
            let requests = Arc::new(AtomicU32::new(0));
            let server = drf(&requests, 25);
            let (got, error) = run(api(&server.url("/api/items/"))
                .items_at("/results")
                .paginator()
                .prefetch(prefetch));
            assert!(error.is_none(), "{error:?}");
            assert_eq!(got.len(), 25);
        }
        // Turned off, the 404 is an error again, after every item.
        let requests = Arc::new(AtomicU32::new(0));
        let server = drf(&requests, 25);
        let paginator = api(&server.url("/api/items/"))
            .items_at("/results")
            .paginator();
        let (got, error) = run(paginator.end_statuses([]));
        assert_eq!(got.len(), 25);
        assert_eq!(error.expect("a 404 error").status(), Some(404));
    });
}

#[test]
fn a_404_on_the_first_page_is_still_an_error() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let server = drf(&requests, 25);
        let style = Style::Page {
            param: "page".into(),
            start: 0, // page 0 is "Invalid page."
        };
        let (got, error) = run(api(&server.url("/api/items/"))
            .style(style)
            .items_at("/results")
            .paginator());
        assert!(got.is_empty());
        let error = error.expect("the first page fails");
        assert_eq!((error.status(), error.number()), (Some(404), 1));
    });
}

#[test]
fn a_page_count_in_a_header_ends_the_run_without_the_404() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        // WordPress: X-WP-TotalPages, and 400 past the end.
        let server = counted(&requests, |conn| {
            let page = get(&query(&conn), "page", 1);
            if page > 3 {
                return conn
                    .with_status(400)
                    .with_body(r#"{"code": "rest_post_invalid_page_number"}"#);
            }
            conn.with_response_header("x-wp-totalpages", "3")
                .ok(json!([page, page]).to_string())
        });
        let paginator = api(&server.url("/wp-json/wp/v2/posts"))
            .total_pages_header("X-WP-TotalPages")
            .paginator()
            .prefetch(8);
        let (got, error) = run(paginator);
        assert!(error.is_none());
        assert_eq!(got.len(), 6);
        assert_eq!(requests.load(Ordering::SeqCst), 3);
    });
}

// ------------------------------------- json-server: page numbers clamped to the last

#[test]
fn a_page_number_clamped_to_the_last_page_ends_the_run_cleanly() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        // json-server 1.x: a page past the end answers the last page again.
        let server = counted(&requests, |conn| {
            let page = get(&query(&conn), "_page", 1).clamp(1, 3);
            let data: Vec<u64> = ((page - 1) * 10..(page * 10).min(25)).collect();
            json_response(
                conn,
                &json!({"first": 1, "pages": 3, "items": 25, "data": data}),
            )
        });
        let style = Style::Page {
            param: "_page".into(),
            start: 1,
        };
        let (got, error) = run(api(&server.url("/posts"))
            .style(style.clone())
            .items_at("/data")
            .paginator());
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got.len(), 25, "nothing twice");
        // With its totals read, not even the clamped page is asked for.
        requests.store(0, Ordering::SeqCst);
        let paginator = api(&server.url("/posts"))
            .style(style)
            .items_at("/data")
            .total_pages_at("/pages");
        let (got, _) = run(paginator.paginator().prefetch(4));
        assert_eq!((got.len(), requests.load(Ordering::SeqCst)), (25, 3));
    });
}

// ------------------------------------------- Stripe: starting_after and has_more

fn stripe(requests: &Arc<AtomicU32>) -> TestServer {
    counted(requests, |conn| {
        let q = query(&conn);
        let limit = usize::try_from(get(&q, "limit", 3)).unwrap();
        let all: Vec<String> = (1..=10).map(|i| format!("cus_{i:03}")).collect();
        let start = match q.get("starting_after") {
            None => 0,
            Some(after) => all.iter().position(|id| id == after).expect("a known id") + 1,
        };
        let data: Vec<Value> = all[start..]
            .iter()
            .take(limit)
            .map(|id| json!({"id": id, "object": "customer"}))
            .collect();
        let has_more = start + limit < all.len();
        json_response(
            conn,
            &json!({"object": "list", "data": data, "has_more": has_more, "url": "/v1/customers"}),
        )
    })
}

#[test]
fn a_key_from_the_last_entry_pages_a_stripe_list_and_has_more_ends_it() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let server = stripe(&requests);
        let url = server.url("/v1/customers?limit=3");
        let make = || {
            api(&url)
                .style(Style::after())
                .items_at("/data")
                .more_at("/has_more")
                .paginator()
        };
        let (got, error) = run(make());
        assert!(error.is_none());
        let got: Vec<&str> = got.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(
            got,
            (1..=10).map(|i| format!("cus_{i:03}")).collect::<Vec<_>>()
        );
        assert_eq!(
            requests.load(Ordering::SeqCst),
            4,
            "3 + 3 + 3 + 1, no empty page"
        );
        // Resume after 4 items: the position carries the key.
        let mut items = make().max_items(4).items();
        block_on(async { while items.next().await.is_some() {} });
        let position = items.position().expect("where to go on");
        let text = position.to_string();
        assert!(text.contains("after"), "{text}");
        let (rest, _) = run(make().resume(Position::parse(&text).unwrap()));
        assert_eq!(rest[0]["id"], "cus_005");
        assert_eq!(rest.len(), 6);
    });
}

#[test]
fn a_last_entry_without_its_key_is_an_error_after_the_page() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let server = counted(&requests, |conn| {
            json_response(conn, &json!({"data": [{"id": 1}, {"name": "x"}]}))
        });
        let (got, error) = run(api(&server.url("/list"))
            .style(Style::after())
            .items_at("/data")
            .paginator());
        assert_eq!(got.len(), 2);
        let cause = cause(&error.unwrap());
        assert!(cause.contains("no key at \"/id\""), "{cause}");
    });
}

// ------------------------------- Elasticsearch: search_after in a POST body

#[test]
fn search_after_sends_the_last_hits_sort_values_in_the_body() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let counter = requests.clone();
        let server = TestServer::start(move |mut conn: trillium::Conn| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                assert_eq!(conn.method(), trillium::Method::Post);
                let body: Value =
                    serde_json::from_str(&conn.request_body_string().await.unwrap()).unwrap();
                let size = body["size"].as_u64().unwrap();
                // search_after is [timestamp, id]: an array, written as JSON.
                let after = match body.get("search_after") {
                    None => 0,
                    Some(Value::Array(sort)) => {
                        assert!(sort[1].is_string(), "{sort:?}");
                        sort[0].as_u64().unwrap() - 1_000 + 1
                    }
                    Some(other) => panic!("search_after {other}"),
                };
                let hits: Vec<Value> = (after..(after + size).min(7))
                    .map(|i| json!({"_id": format!("d{i}"), "_source": {"n": i}, "sort": [1_000 + i, format!("d{i}")]}))
                    .collect();
                json_response(
                    conn,
                    &json!({"hits": {"total": {"value": 7}, "hits": hits}}),
                )
            }
        });
        let make = || {
            api(&server.url("/logs/_search"))
                .post(json!({"size": 3, "sort": [{"ts": "asc"}, {"_id": "asc"}]}))
                .body_key("/search_after")
                .style(Style::After {
                    param: String::new(),
                    path: "/sort".into(),
                })
                .items_at("/hits/hits")
                .item_at("/_source")
                .paginator()
        };
        let (got, error) = run(make());
        assert!(error.is_none(), "{error:?}");
        assert_eq!(ids(&got, "n"), (0..7).collect::<Vec<_>>());
        assert_eq!(
            requests.load(Ordering::SeqCst),
            4,
            "3 + 3 + 1 + the empty page"
        );
        let mut items = make().max_items(4).items();
        block_on(async { while items.next().await.is_some() {} });
        let (rest, _) = run(make().resume(items.position().unwrap()));
        assert_eq!(ids(&rest, "n"), [4, 5, 6]);
    });
}

// --------------------------------------- Notion: a cursor in a POST body

#[test]
fn a_post_is_retried_when_it_was_not_processed_and_not_on_a_500() {
    over_every_client(|| {
        for (status, attempts) in [(503, 3), (429, 3), (500, 1)] {
            let requests = Arc::new(AtomicU32::new(0));
            let server = counted(&requests, move |conn| {
                conn.with_status(status).with_body("{}")
            });
            let paginator = api(&server.url("/v1/databases/d/query"))
                .post(json!({}))
                .body_key("/start_cursor")
                .style(Style::cursor())
                .paginator();
            let paginator = paginator.retry(
                RetryPolicy::default()
                    .attempts(3)
                    .base_delay(Duration::from_millis(1)),
            );
            let (_, error) = run(paginator);
            assert_eq!(error.unwrap().attempts(), attempts, "HTTP {status}");
            assert_eq!(requests.load(Ordering::SeqCst), attempts);
        }
    });
}

#[test]
fn a_post_follows_307_with_its_body_and_refuses_303() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let counter = requests.clone();
        let server = TestServer::start(move |mut conn: trillium::Conn| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                match conn.path() {
                    "/old" => conn
                        .with_status(307)
                        .with_response_header("location", "/new")
                        .with_body(""),
                    "/see-other" => conn
                        .with_status(303)
                        .with_response_header("location", "/new")
                        .with_body(""),
                    _ => {
                        let body = conn.request_body_string().await.unwrap();
                        assert_eq!(conn.method(), trillium::Method::Post);
                        assert!(body.contains("\"q\""), "{body}");
                        json_response(conn, &json!({"results": [1], "next_cursor": null}))
                    }
                }
            }
        });
        let make = |path: &str| {
            api(&server.url(path))
                .post(json!({"q": 1}))
                .style(Style::cursor())
                .items_at("/results")
                .paginator()
        };
        assert_eq!(run(make("/old")).0, [json!(1)]);
        let (_, error) = run(make("/see-other"));
        let cause = cause(&error.unwrap());
        assert!(cause.contains("303"), "{cause}");
    });
}

// ----------------------------------------- CloudWatch Logs: a repeated token

#[test]
fn a_repeated_token_ends_the_run_when_asked_and_is_a_loop_otherwise() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        // GetLogEvents: the token moves on while there are events, then comes back
        // as it was sent.
        let server = counted(&requests, |conn| {
            let token = query(&conn)
                .get("nextToken")
                .cloned()
                .unwrap_or_else(|| "f/0".into());
            let at: u64 = token[2..].parse().unwrap();
            let events: Vec<u64> = (at..(at + 2).min(5)).collect();
            let next = if events.is_empty() {
                token
            } else {
                format!("f/{}", at + events.len() as u64)
            };
            json_response(conn, &json!({"events": events, "nextForwardToken": next}))
        });
        let make = || {
            api(&server.url("/logs"))
                .style(Style::Cursor {
                    param: "nextToken".into(),
                    path: "/nextForwardToken".into(),
                })
                .items_at("/events")
                .paginator()
        };
        let (got, error) = run(make().end_on_repeated_cursor(true));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got.len(), 5);
        let (got, error) = run(make());
        assert_eq!(got.len(), 5);
        assert!(error.unwrap().to_string().contains("loops"));
    });
}

// ----------------------------------------------- an unusable next, items first

#[test]
fn a_page_with_an_unusable_next_delivers_its_items_then_the_error() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let server = counted(&requests, |conn| match conn.path() {
            "/file" => json_response(conn, &json!({"data": [1, 2], "next": "file:///etc/passwd"})),
            _ => json_response(conn, &json!({"data": [3], "next": 7})),
        });
        for path in ["/file", "/number"] {
            let (got, error) = run(api(&server.url(path))
                .style(Style::next())
                .items_at("/data")
                .paginator());
            assert!(!got.is_empty(), "{path}: the page's items come first");
            let error = error.expect("then the error");
            assert_eq!(error.position().skip, got.len() as u64);
        }
    });
}

// -------------------------------------------- GraphQL: async-graphql's server

mod graphql {
    use async_graphql::connection::{Connection, Edge, EmptyFields, query};
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Result, Schema, SimpleObject};

    #[derive(SimpleObject)]
    pub struct Issue {
        pub number: i32,
    }

    pub struct Query;

    #[Object]
    impl Query {
        /// 25 issues, `first` a page (at most 10), cursors being the numbers.
        async fn issues(
            &self,
            after: Option<String>,
            first: Option<i32>,
        ) -> Result<Connection<String, Issue, EmptyFields, EmptyFields>> {
            query(
                after,
                None,
                first,
                None,
                |after: Option<String>, _: Option<String>, first: Option<usize>, _| async move {
                    let start =
                        after.map_or(Ok(0), |cursor| cursor.parse::<usize>().map(|n| n + 1))?;
                    let end = (start + first.unwrap_or(10).min(10)).min(25);
                    let mut connection = Connection::new(start > 0, end < 25);
                    connection.edges.extend((start..end).map(|n| {
                        Edge::new(
                            n.to_string(),
                            Issue {
                                number: i32::try_from(n).unwrap() + 1,
                            },
                        )
                    }));
                    Ok::<_, async_graphql::Error>(connection)
                },
            )
            .await
        }
    }

    pub type IssuesSchema = Schema<Query, EmptyMutation, EmptySubscription>;

    pub fn schema() -> IssuesSchema {
        Schema::new(Query, EmptyMutation, EmptySubscription)
    }
}

fn graphql_server(requests: &Arc<AtomicU32>) -> TestServer {
    let schema = graphql::schema();
    let requests = requests.clone();
    TestServer::start(move |mut conn: trillium::Conn| {
        requests.fetch_add(1, Ordering::SeqCst);
        let schema = schema.clone();
        async move {
            let body = conn.request_body_string().await.unwrap();
            let request: async_graphql::Request = serde_json::from_str(&body).unwrap();
            let response = schema.execute(request).await;
            json_response(conn, &serde_json::to_value(&response).unwrap())
        }
    })
}

const NODES: &str = "query($after: String) { issues(first: 10, after: $after) { nodes { number } pageInfo { endCursor hasNextPage } } }";
const EDGES: &str = "query($cursor: String) { issues(first: 10, after: $cursor) { edges { cursor node { number } } pageInfo { endCursor hasNextPage } } }";

#[test]
fn a_relay_connection_of_a_real_graphql_server_pages_by_nodes_or_edges() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let server = graphql_server(&requests);
        let url = server.url("/graphql");
        let (got, error) = run(api(&url).graphql(NODES, "/data/issues").paginator());
        assert!(error.is_none(), "{error:?}");
        assert_eq!(ids(&got, "number"), (1..=25).collect::<Vec<_>>());
        assert_eq!(
            requests.load(Ordering::SeqCst),
            3,
            "hasNextPage: false ends it"
        );
        let paginator = api(&url)
            .graphql(EDGES, "/data/issues")
            .graphql_cursor_var("cursor")
            .item_at("/number")
            .paginator();
        let (got, error) = run(paginator);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got, (1..=25).map(Value::from).collect::<Vec<_>>());
    });
}

#[test]
fn a_graphql_run_resumes_from_its_cursor() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let server = graphql_server(&requests);
        let url = server.url("/graphql");
        let make = || api(&url).graphql(NODES, "/data/issues").paginator();
        let mut items = make().max_items(12).items();
        block_on(async { while items.next().await.is_some() {} });
        let position = items.position().unwrap();
        assert!(position.to_string().contains("cursor"), "{position}");
        let (rest, _) = run(make().resume(position));
        assert_eq!(ids(&rest, "number"), (13..=25).collect::<Vec<_>>());
    });
}

#[test]
fn graphql_errors_are_never_ignored() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let server = graphql_server(&requests);
        let bad = "query($after: String) { issues(after: $after) { nodes { title } pageInfo { endCursor hasNextPage } } }";
        let (got, error) = run(api(&server.url("/graphql"))
            .graphql(bad, "/data/issues")
            .paginator());
        assert!(got.is_empty());
        let cause = cause(&error.unwrap());
        assert!(
            cause.contains("GraphQL error") && cause.contains("title"),
            "{cause}"
        );
    });
}

#[test]
fn a_throttled_graphql_page_is_retried_like_a_429() {
    over_every_client(|| {
        let requests = Arc::new(AtomicU32::new(0));
        let counter = requests.clone();
        let server = counted(&requests, move |conn| {
            if counter.load(Ordering::SeqCst) == 1 {
                let body = json!({"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]});
                return json_response(conn, &body);
            }
            let body = json!({"data": {"products": {"edges": [{"node": {"id": 1}}], "pageInfo": {"hasNextPage": false, "endCursor": "x"}}}});
            json_response(conn, &body)
        });
        let paginator = api(&server.url("/admin/api/graphql.json"))
            .graphql("{ ... }", "/data/products")
            .paginator();
        let (got, error) = run(fast(paginator));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got, [json!({"id": 1})]);
        assert_eq!(requests.load(Ordering::SeqCst), 2);
    });
}
