//! `aiter::http` bodies against a real HTTP server (trillium on smol) on loopback.
#![cfg(feature = "http")]

#[path = "support/http_server.rs"]
mod http_server;

use std::time::Duration;

use aiter::http::{BodyError, body_chunks};
use futures_lite::StreamExt;
use http_server::{BreaksAfter, TestServer, current_client, over_every_client, pattern};
use isahc::config::Configurable;
use isahc::{AsyncReadResponseExt, HttpClient};

fn client() -> HttpClient {
    HttpClient::builder()
        .timeout(Duration::from_secs(10))
        .proxy(None)
        .build()
        .unwrap()
}

/// Reads a body to the end: its bytes, every progress seen, and the error if any.
async fn drain(url: &str) -> (Vec<u8>, Vec<aiter::http::Progress>, Option<BodyError>) {
    let headers = aiter::http::isahc::http::HeaderMap::new();
    let response = current_client().get(url, &headers).await.expect("response");
    let mut body = body_chunks(response);
    let (mut bytes, mut progress) = (Vec::new(), Vec::new());
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(chunk) => {
                bytes.extend_from_slice(&chunk);
                progress.push(body.progress());
            }
            Err(error) => return (bytes, progress, Some(error)),
        }
    }
    (bytes, progress, None)
}

#[test]
fn a_body_with_content_length_streams_whole_with_progress_against_the_total() {
    over_every_client(|| {
        let server =
            TestServer::start(|conn: trillium::Conn| async move { conn.ok(pattern(300_000)) });
        let (bytes, progress, error) = smol::block_on(drain(&server.url("/file")));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(bytes, pattern(300_000));
        assert!(progress.len() > 1, "several chunks");
        assert!(progress.iter().all(|p| p.total == Some(300_000)));
        assert_eq!(progress.last().unwrap().received, 300_000);
        assert!(progress.windows(2).all(|w| w[0].received < w[1].received));
    });
}

#[test]
fn a_chunked_body_streams_whole_without_a_total() {
    over_every_client(|| {
        let server = TestServer::start(|conn: trillium::Conn| async move {
            // A streaming body of unknown length goes out with Transfer-Encoding: chunked.
            let body = futures_lite::io::Cursor::new(pattern(100_000));
            conn.ok(trillium::Body::new_streaming(body, None))
        });
        let (bytes, progress, error) =
            futures_lite::future::block_on(drain(&server.url("/chunked")));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(bytes, pattern(100_000));
        assert!(progress.iter().all(|p| p.total.is_none()));
    });
}

#[test]
fn a_body_shorter_than_its_content_length_is_an_error_naming_received_and_expected() {
    over_every_client(|| {
        let server = TestServer::start(|conn: trillium::Conn| async move {
            conn.ok(trillium::Body::new_streaming(
                BreaksAfter::new(5_000),
                Some(20_000),
            ))
        });
        let (bytes, _, error) = smol::block_on(drain(&server.url("/short")));
        assert_eq!(
            bytes,
            pattern(5_000),
            "every byte received is delivered before the error"
        );
        let error = error.expect("a truncated body is an error");
        assert!(
            matches!(
                error,
                BodyError::Truncated {
                    received: 5_000,
                    expected: 20_000,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("body truncated: received 5000 of 20000 bytes"),
            "{error}"
        );
    });
}

#[test]
fn a_chunked_body_cut_off_is_an_io_error_after_the_bytes_received() {
    over_every_client(|| {
        let server = TestServer::start(|conn: trillium::Conn| async move {
            conn.ok(trillium::Body::new_streaming(
                BreaksAfter::new(70_000),
                None,
            ))
        });
        let (bytes, _, error) = smol::block_on(drain(&server.url("/cut")));
        assert_eq!(bytes, pattern(70_000));
        assert!(
            matches!(
                error,
                Some(BodyError::Io {
                    received: 70_000,
                    ..
                })
            ),
            "{error:?}"
        );
    });
}

#[test]
fn the_status_is_left_to_the_caller() {
    over_every_client(|| {
        let server = TestServer::start(|conn: trillium::Conn| async move {
            conn.with_status(404).with_body("no such page").halt()
        });
        smol::block_on(async {
            let mut response = client().get_async(server.url("/missing")).await.unwrap();
            assert_eq!(response.status(), 404);
            assert_eq!(response.bytes().await.unwrap(), b"no such page");
        });
    });
}

#[test]
fn bytes_within_the_content_length_come_before_the_too_long_error() {
    over_every_client(|| {
        // A body that goes on past its announced length: the chunk that crosses it is
        // cut at the announced length, then the error follows.
        let body: &[u8] = b"0123456789abcdef";
        let mut chunks = aiter::http::BodyChunks::with_chunk_size(body, Some(10), 16);
        let first = futures_lite::future::block_on(chunks.next())
            .unwrap()
            .unwrap();
        assert_eq!(&first[..], b"0123456789");
        assert_eq!(chunks.progress().received, 10);
        let error = futures_lite::future::block_on(chunks.next())
            .unwrap()
            .unwrap_err();
        assert!(
            matches!(error, BodyError::TooLong { expected: 10, .. }),
            "{error}"
        );
        assert!(futures_lite::future::block_on(chunks.next()).is_none());
    });
}

#[test]
fn a_chunk_ending_exactly_at_the_content_length_then_more_is_too_long() {
    over_every_client(|| {
        let body: &[u8] = b"0123456789abcdef";
        let mut chunks = aiter::http::BodyChunks::with_chunk_size(body, Some(10), 10);
        let got = futures_lite::future::block_on(chunks.next())
            .unwrap()
            .unwrap();
        assert_eq!(&got[..], b"0123456789");
        let error = futures_lite::future::block_on(chunks.next())
            .unwrap()
            .unwrap_err();
        assert!(matches!(error, BodyError::TooLong { expected: 10, .. }));
    });
}
