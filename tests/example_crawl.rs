//! `examples/crawl.rs` against a real HTTP server on loopback: its contract.
#![cfg(feature = "http")]

#[path = "support/examples.rs"]
mod examples;
#[path = "support/http_server.rs"]
mod http_server;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_server::TestServer;

/// `/b/BYTES/DELAY_MS` answers `BYTES` bytes after `DELAY_MS`; `/missing` is a 404.
/// Records the most requests it served at once.
fn server(peak: Arc<AtomicUsize>) -> TestServer {
    let now = Arc::new(AtomicUsize::new(0));
    TestServer::start(move |conn: trillium::Conn| {
        let (now, peak) = (now.clone(), peak.clone());
        async move {
            let parts: Vec<u64> = conn
                .path()
                .trim_start_matches("/b/")
                .split('/')
                .filter_map(|part| part.parse().ok())
                .collect();
            let [bytes, delay] = parts[..] else {
                return conn.with_status(404).with_body("no such page").halt();
            };
            let running = now.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(running, Ordering::SeqCst);
            async_io::Timer::after(Duration::from_millis(delay)).await;
            now.fetch_sub(1, Ordering::SeqCst);
            let body = vec![b'x'; usize::try_from(bytes).unwrap()];
            conn.ok(body)
        }
    })
}

fn crawl(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(examples::example("crawl"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("crawl runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A URL nothing listens on.
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/", listener.local_addr().unwrap())
}

#[test]
fn prints_every_url_in_input_order_with_status_and_bytes() {
    let peak = Arc::new(AtomicUsize::new(0));
    let server = server(peak.clone());
    // The first URLs are the slowest: input order is not completion order.
    let urls: Vec<String> = (0..12)
        .map(|n| server.url(&format!("/b/{}/{}", n * 10, (12 - n) * 15)))
        .collect();
    let output = crawl(&["--concurrency", "4"], &(urls.join("\n") + "\n\n"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected: Vec<String> = urls
        .iter()
        .enumerate()
        .map(|(n, url)| format!("{url}\t200\t{}", n * 10))
        .collect();
    assert_eq!(lines(&output), expected);
    assert!(peak.load(Ordering::SeqCst) <= 4, "at most 4 in flight");
    assert!(
        peak.load(Ordering::SeqCst) >= 2,
        "concurrent, not one by one"
    );
}

#[test]
fn unordered_prints_in_completion_order() {
    let server = server(Arc::new(AtomicUsize::new(0)));
    let slow = server.url("/b/1/600");
    let quick: Vec<String> = (0..3).map(|n| server.url(&format!("/b/{n}/1"))).collect();
    let input = format!("{slow}\n{}\n", quick.join("\n"));
    let output = crawl(&["--unordered"], &input);
    assert_eq!(output.status.code(), Some(0));
    let printed = lines(&output);
    assert_eq!(printed.len(), 4);
    assert_eq!(
        printed[3],
        format!("{slow}\t200\t1"),
        "the slow one last: {printed:?}"
    );
}

#[test]
fn a_failed_url_prints_an_error_the_rest_go_on_and_it_exits_1() {
    let server = server(Arc::new(AtomicUsize::new(0)));
    let refused = refused_url();
    let input = format!(
        "{}\n{refused}\n{}\nnot a url\n{}\n",
        server.url("/b/3/1"),
        server.url("/missing"),
        server.url("/b/5/1")
    );
    let output = crawl(&["--concurrency", "2"], &input);
    assert_eq!(output.status.code(), Some(1));
    let printed = lines(&output);
    assert_eq!(printed.len(), 5, "{printed:?}");
    assert_eq!(printed[0], format!("{}\t200\t3", server.url("/b/3/1")));
    assert!(
        printed[1].starts_with(&format!("{refused}\terror: ")),
        "{printed:?}"
    );
    assert_eq!(
        printed[2],
        format!("{}\t404\t12", server.url("/missing")),
        "a status is fetched"
    );
    assert!(printed[3].starts_with("not a url\terror: "), "{printed:?}");
    assert_eq!(printed[4], format!("{}\t200\t5", server.url("/b/5/1")));
}

#[test]
fn concurrency_0_counts_as_1() {
    let peak = Arc::new(AtomicUsize::new(0));
    let server = server(peak.clone());
    let urls: Vec<String> = (0..4).map(|n| server.url(&format!("/b/{n}/20"))).collect();
    let output = crawl(&["--concurrency", "0"], &urls.join("\n"));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(lines(&output).len(), 4);
    assert_eq!(peak.load(Ordering::SeqCst), 1);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--concurrency", "many"][..],
        &["--bogus"],
        &["--concurrency"],
    ] {
        let output = crawl(args, "");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
