//! `aiter::http::EventSource` against a real server on loopback (trillium), over
//! every client (isahc, and surf with feature `surf`): cuts, reconnects with
//! `Last-Event-ID`, `retry`, 204, wrong content types, over-size events.
#![cfg(feature = "http")]

#[path = "support/http_server.rs"]
mod http_server;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aiter::http::{EventSource, EventSourceErrorKind};
use futures_lite::StreamExt;
use http_server::{Dribble, TestServer, clients};

type Seen = Arc<Mutex<Vec<Option<String>>>>;

/// A server that answers the n-th connection with `script(n, last_event_id)`
/// and records each connection's `Last-Event-ID`.
fn server(
    script: impl Fn(usize, Option<String>) -> (u16, &'static str, Vec<u8>, bool, usize)
    + Send
    + Sync
    + 'static,
) -> (TestServer, Seen) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(script);
    let server = {
        let seen = seen.clone();
        TestServer::start_unbuffered(move |conn: trillium::Conn| {
            let (seen, script) = (seen.clone(), script.clone());
            async move {
                let id = conn
                    .request_headers()
                    .get_str("last-event-id")
                    .map(str::to_owned);
                let accept = conn.request_headers().get_str("accept").map(str::to_owned);
                assert_eq!(accept.as_deref(), Some("text/event-stream"));
                let n = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(id.clone());
                    seen.len()
                };
                let (status, content_type, body, cut, step) = script(n, id);
                conn.with_status(status)
                    .with_response_header("content-type", content_type)
                    .with_body(trillium::Body::new_streaming(
                        Dribble::new(body, step, cut),
                        None,
                    ))
                    .halt()
            }
        })
    };
    (server, seen)
}

fn feed(client: &Arc<dyn aiter::http::Client>, url: &str) -> EventSource {
    EventSource::with_client(client.clone(), url::Url::parse(url).unwrap())
        .reconnect_delay(Duration::from_millis(50))
}

/// Everything the feed gives until it ends: events as `id:data`, errors as text.
async fn drain(mut feed: EventSource, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(item) = feed.next().await {
        out.push(match item {
            Ok(event) => format!("{}:{}", event.id, event.data),
            Err(error) if error.reconnect_delay().is_some() => "reconnect".to_owned(),
            Err(error) => format!("error: {error}"),
        });
        if out.len() >= limit {
            break;
        }
    }
    out
}

#[test]
fn a_cut_mid_event_reconnects_with_the_last_delivered_id_and_honours_retry() {
    for (name, client) in clients() {
        // Comment lines of padding make trillium write out what it holds; the
        // second event is cut before its blank line.
        let pad = format!(":{}\n", "p".repeat(70_000));
        let first = format!("retry: 120\nid: 1\ndata: one\n\n{pad}id: 2\ndata: two\n{pad}");
        let (server, seen) = server(move |n, _| match n {
            1 => (
                200,
                "text/event-stream",
                first.clone().into_bytes(),
                true,
                16 * 1024,
            ),
            2 => (
                200,
                "text/event-stream",
                b"id: 3\ndata: three\n\n".to_vec(),
                false,
                64,
            ),
            _ => (204, "text/plain", Vec::new(), false, 64),
        });
        let start = Instant::now();
        let got = smol::block_on(drain(feed(&client, &server.url("/events")), 20));
        assert_eq!(
            got,
            ["1:one", "reconnect", "3:three", "reconnect"],
            "{name}"
        );
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            [None, Some("1".to_owned()), Some("3".to_owned())],
            "{name}"
        );
        // Two waits of the server's 120 ms (the second after a working connection).
        assert!(
            start.elapsed() >= Duration::from_millis(240),
            "{name}: {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn events_split_at_every_byte_arrive_whole() {
    for (name, client) in clients() {
        let body = "data: é😀\r\nid: 7\r\n\r\nevent: tick\rdata: x\r\rdata: last\n\n";
        let (server, _) = server(move |n, _| match n {
            1 => (
                200,
                "text/event-stream; charset=utf-8",
                body.as_bytes().to_vec(),
                false,
                1,
            ),
            _ => (204, "text/plain", Vec::new(), false, 1),
        });
        let got = smol::block_on(drain(feed(&client, &server.url("/events")), 20));
        assert_eq!(got, ["7:é😀", "7:x", "7:last", "reconnect"], "{name}");
    }
}

#[test]
fn a_response_that_is_not_an_event_stream_fails_without_reconnecting() {
    for (name, client) in clients() {
        for (status, content_type) in [
            (200, "text/html"),
            (404, "text/event-stream"),
            (500, "text/plain"),
        ] {
            let (server, seen) =
                server(move |_, _| (status, content_type, b"data: no\n\n".to_vec(), false, 64));
            let mut feed = feed(&client, &server.url("/events"));
            let error = smol::block_on(feed.next()).unwrap().unwrap_err();
            assert!(error.is_fatal(), "{name}: {error}");
            assert!(
                matches!(error.kind(), EventSourceErrorKind::NotEventStream { status: s, .. } if *s == status),
                "{name}: {error}"
            );
            assert!(
                error.to_string().contains(&format!("HTTP {status}")),
                "{error}"
            );
            assert!(smol::block_on(feed.next()).is_none());
            assert_eq!(seen.lock().unwrap().len(), 1, "{name}: no reconnect");
        }
    }
}

#[test]
fn transient_statuses_are_retried_honouring_retry_after() {
    for (name, client) in clients() {
        let (server, seen) = server(|n, _| match n {
            1 => (503, "text/plain", b"busy".to_vec(), false, 64),
            2 => (
                200,
                "text/event-stream",
                b"data: back\n\n".to_vec(),
                false,
                64,
            ),
            _ => (204, "text/plain", Vec::new(), false, 64),
        });
        let got = smol::block_on(drain(feed(&client, &server.url("/events")), 20));
        assert_eq!(got, ["reconnect", ":back", "reconnect"], "{name}");
        assert_eq!(seen.lock().unwrap().len(), 3, "{name}");
    }
}

#[test]
fn http_204_ends_the_feed() {
    for (name, client) in clients() {
        let (server, _) = server(|_, _| (204, "text/event-stream", Vec::new(), false, 64));
        let got = smol::block_on(drain(feed(&client, &server.url("/events")), 5));
        assert!(got.is_empty(), "{name}: {got:?}");
    }
}

#[test]
fn an_over_size_event_is_an_error_item_and_the_feed_goes_on() {
    for (name, client) in clients() {
        let mut body = b"data: small\n\ndata: ".to_vec();
        body.extend(std::iter::repeat_n(b'x', 10_000));
        body.extend_from_slice(b"\n\ndata: after\n\n");
        let (server, _) = server(move |n, _| match n {
            1 => (200, "text/event-stream", body.clone(), false, 4096),
            _ => (204, "text/plain", Vec::new(), false, 64),
        });
        let feed = feed(&client, &server.url("/events")).max_event_len(1_000);
        let got = smol::block_on(drain(feed, 10));
        assert_eq!(got.len(), 4, "{name}: {got:?}");
        assert_eq!(got[0], ":small");
        assert!(
            got[1].starts_with("error: event stream") && got[1].contains("line 3, byte 13"),
            "{}",
            got[1]
        );
        assert_eq!(got[2], ":after");
    }
}

#[test]
fn a_start_id_is_sent_on_the_first_request() {
    for (name, client) in clients() {
        let (server, seen) = server(|_, _| (204, "text/plain", Vec::new(), false, 64));
        let feed = feed(&client, &server.url("/events")).start_id("41");
        smol::block_on(drain(feed, 5));
        assert_eq!(
            seen.lock().unwrap().clone(),
            [Some("41".to_owned())],
            "{name}"
        );
    }
}

#[test]
fn failed_attempts_in_a_row_back_off() {
    let (server, _) = server(|_, _| (200, "text/event-stream", b": nothing\n".to_vec(), false, 64));
    let mut feed = EventSource::with_client(
        aiter::http::isahc::HttpClient::new().unwrap(),
        url::Url::parse(&server.url("/events")).unwrap(),
    )
    .reconnect_delay(Duration::from_millis(10))
    .max_reconnect_delay(Duration::from_millis(80));
    let mut delays = Vec::new();
    smol::block_on(async {
        while delays.len() < 6 {
            let error = feed.next().await.unwrap().unwrap_err();
            delays.push(error.reconnect_delay().unwrap());
        }
    });
    assert_eq!(delays[0], Duration::from_millis(10));
    assert!(
        delays[1] >= Duration::from_millis(10) && delays[1] <= Duration::from_millis(20),
        "{delays:?}"
    );
    assert!(
        delays[5] >= Duration::from_millis(40) && delays[5] <= Duration::from_millis(80),
        "capped: {delays:?}"
    );
    assert_eq!(feed.reconnections_made(), 5);
}

#[test]
fn an_invalid_header_is_a_fatal_first_item_and_nothing_is_sent() {
    let (server, seen) =
        server(|_, _| (200, "text/event-stream", b"data: x\n\n".to_vec(), false, 64));
    for (name, client) in clients() {
        let mut feed = feed(&client, &server.url("/")).header("Bad Name", "value");
        let items: Vec<_> = smol::block_on(async { (&mut feed).collect::<Vec<_>>().await });
        assert_eq!(items.len(), 1, "{name}");
        let error = items.into_iter().next().unwrap().unwrap_err();
        assert!(error.is_fatal(), "{name}: {error}");
        assert!(error.to_string().contains("\"Bad\""), "{name}: {error}");
        assert_eq!(feed.reconnections_made(), 0, "{name}");
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "no request reached the server"
    );
}

#[test]
fn a_servers_retry_is_capped_by_max_reconnect_delay_from_the_first_reconnection() {
    // `retry: 999999999999` would be 31 years; the user's maximum is 150 ms.
    let (server, seen) = server(|n, _| {
        let body = if n == 1 {
            "retry: 999999999999\ndata: one\n\n"
        } else {
            "data: two\n\n"
        };
        (
            200,
            "text/event-stream",
            body.as_bytes().to_vec(),
            false,
            64,
        )
    });
    for (name, client) in clients() {
        seen.lock().unwrap().clear();
        let mut feed =
            feed(&client, &server.url("/events")).max_reconnect_delay(Duration::from_millis(150));
        let started = Instant::now();
        let run = async {
            let one = feed.next().await.unwrap().unwrap();
            let reconnecting = feed.next().await.unwrap().unwrap_err();
            let two = feed.next().await.unwrap().unwrap();
            (one.data, reconnecting.reconnect_delay(), two.data)
        };
        let watchdog = async {
            smol::Timer::after(Duration::from_secs(10)).await;
            panic!("{name}: still waiting for the reconnection after 10 s");
        };
        let got = smol::block_on(futures_lite::future::or(run, watchdog));
        assert_eq!(
            got,
            (
                "one".to_owned(),
                Some(Duration::from_millis(150)),
                "two".to_owned()
            ),
            "{name}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{name}: {:?}",
            started.elapsed()
        );
    }
}
