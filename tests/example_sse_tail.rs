//! `examples/sse_tail.rs` against a real server on loopback: its contract, over
//! every client (`--client isahc`, and `--client surf` with feature `surf`).
#![cfg(feature = "http")]

#[path = "support/examples.rs"]
mod examples;
#[path = "support/http_server.rs"]
mod http_server;

use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use http_server::{Dribble, TestServer};

type Seen = Arc<Mutex<Vec<(Option<String>, Option<String>)>>>;

/// Answers the n-th connection with `script(n)`: (status, content type, body,
/// cut); records each request's `Last-Event-ID` and `X-Token`.
fn server(
    script: impl Fn(usize) -> (u16, &'static str, String, bool) + Send + Sync + 'static,
) -> (TestServer, Seen) {
    let seen: Seen = Arc::default();
    let script = Arc::new(script);
    let server = {
        let seen = seen.clone();
        TestServer::start_unbuffered(move |conn: trillium::Conn| {
            let (seen, script) = (seen.clone(), script.clone());
            async move {
                let header = |name: &str| conn.request_headers().get_str(name).map(str::to_owned);
                let n = {
                    let mut seen = seen.lock().unwrap();
                    seen.push((header("last-event-id"), header("x-token")));
                    seen.len()
                };
                let (status, content_type, body, cut) = script(n);
                conn.with_status(status)
                    .with_response_header("content-type", content_type)
                    .with_body(trillium::Body::new_streaming(
                        Dribble::new(body, 16 * 1024, cut),
                        None,
                    ))
                    .halt()
            }
        })
    };
    (server, seen)
}

/// Comment lines that make trillium write out what it holds.
fn pad() -> String {
    format!(":{}\n", "p".repeat(70_000))
}

fn clients() -> Vec<&'static str> {
    if cfg!(feature = "surf") {
        vec!["isahc", "surf"]
    } else {
        vec!["isahc"]
    }
}

fn sse_tail(args: &[&str], client: &str) -> Output {
    Command::new(examples::example("sse_tail"))
        .args(args)
        .args(["--client", client])
        .output()
        .expect("sse_tail runs")
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn events_as_json_lines_reconnecting_after_a_cut_and_exit_0_on_204() {
    for client in clients() {
        let first = format!(
            "retry: 100\nid: 1\nevent: greet\ndata: hello\ndata: world\n\n{}id: 2\ndata: cut\n{}",
            pad(),
            pad()
        );
        let (server, seen) = server(move |n| match n {
            1 => (200, "text/event-stream", first.clone(), true),
            2 => (
                200,
                "text/event-stream",
                "data: \"quoted\"\n\n".to_owned(),
                false,
            ),
            _ => (204, "text/plain", String::new(), false),
        });
        let output = sse_tail(&[&server.url("/feed")], client);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{client}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let events: Vec<serde_json::Value> = lines(&output.stdout)
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(
            events,
            [
                serde_json::json!({"id": "1", "event": "greet", "data": "hello\nworld"}),
                serde_json::json!({"id": "1", "event": "message", "data": "\"quoted\""}),
            ],
            "{client}"
        );
        let stderr = lines(&output.stderr);
        assert!(
            stderr.contains(&"reconnecting in 100 ms (last event id: 1)".to_owned()),
            "{client}: {stderr:?}"
        );
        let ids: Vec<_> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|(id, _)| id.clone())
            .collect();
        assert_eq!(
            ids,
            [None, Some("1".to_owned()), Some("1".to_owned())],
            "{client}"
        );
    }
}

#[test]
fn max_events_stops_a_feed_that_never_ends() {
    for client in clients() {
        let endless: Vec<String> = (1..=5)
            .map(|n| format!("id: {n}\ndata: {n}\n\n{}", pad()))
            .collect();
        let endless = endless.concat();
        let (server, _) = server(move |_| (200, "text/event-stream", endless.clone(), true));
        let output = sse_tail(&[&server.url("/feed"), "--max-events", "2"], client);
        assert_eq!(output.status.code(), Some(0), "{client}");
        assert_eq!(lines(&output.stdout).len(), 2, "{client}");
    }
}

#[test]
fn a_response_that_is_not_an_event_stream_exits_1() {
    for client in clients() {
        let (server, seen) = server(|_| (200, "application/json", "{}".to_owned(), false));
        let output = sse_tail(&[&server.url("/feed")], client);
        assert_eq!(output.status.code(), Some(1), "{client}");
        let stderr = lines(&output.stderr);
        assert!(
            stderr
                .iter()
                .any(|l| l.starts_with("error: ") && l.contains("not an event stream")),
            "{client}: {stderr:?}"
        );
        assert_eq!(seen.lock().unwrap().len(), 1, "{client}: no reconnect");
    }
}

#[test]
fn an_over_size_event_is_reported_and_the_feed_goes_on() {
    for client in clients() {
        let big = format!(
            "data: small\n\ndata: {}\n\ndata: after\n\n",
            "x".repeat(5_000)
        );
        let (server, _) = server(move |n| match n {
            1 => (200, "text/event-stream", big.clone(), false),
            _ => (204, "text/plain", String::new(), false),
        });
        let output = sse_tail(&[&server.url("/feed"), "--max-event-bytes", "1000"], client);
        assert_eq!(output.status.code(), Some(0), "{client}");
        assert_eq!(lines(&output.stdout).len(), 2, "{client}");
        let stderr = lines(&output.stderr);
        assert!(
            stderr
                .iter()
                .any(|l| l.starts_with("error: ") && l.contains("line 3, byte 13")),
            "{client}: {stderr:?}"
        );
    }
}

#[test]
fn the_start_id_and_headers_are_sent() {
    for client in clients() {
        let (server, seen) = server(|_| (204, "text/plain", String::new(), false));
        let output = sse_tail(
            &[
                &server.url("/feed"),
                "--last-event-id",
                "41",
                "--header",
                "X-Token: secret",
            ],
            client,
        );
        assert_eq!(output.status.code(), Some(0), "{client}");
        assert_eq!(
            seen.lock().unwrap().clone(),
            [(Some("41".to_owned()), Some("secret".to_owned()))],
            "{client}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["http://127.0.0.1:9/", "--max-events", "many"],
        &["http://127.0.0.1:9/", "--bogus"],
        &["ftp://127.0.0.1/"],
        &["http://127.0.0.1:9/", "--header", "no colon"],
        &["http://127.0.0.1:9/", "--client", "curl"],
    ] {
        let output = Command::new(examples::example("sse_tail"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
