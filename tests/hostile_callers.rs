//! Callers that break a trait's contract get an error, never a panic: an
//! `AsyncRead` that claims more bytes than its buffer holds, an `AsyncBufRead`
//! consumer that consumes more than it was given.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use aiter::chunks;
use futures_lite::future::block_on;
use futures_lite::io::AsyncBufReadExt;
use futures_lite::{AsyncBufRead, AsyncRead, StreamExt, stream};

/// Fills the buffer with `x`, then says it read ten bytes more than it was given.
struct Overclaiming;

impl AsyncRead for Overclaiming {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        buf.fill(b'x');
        Poll::Ready(Ok(buf.len() + 10))
    }
}

fn is_overclaim(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::InvalidData
        && error.to_string().contains("bytes into a buffer of")
}

#[test]
fn read_chunks_over_a_reader_that_claims_too_much_is_an_error() {
    block_on(async {
        let mut chunks = chunks::read_chunks(Overclaiming, 64);
        let error = chunks.next().await.unwrap().unwrap_err();
        assert!(is_overclaim(&error), "{error}");
        assert!(chunks.next().await.is_none());
    });
}

#[test]
fn every_framed_stream_over_a_reader_that_claims_too_much_is_an_error() {
    block_on(async {
        // With nothing pending (the thread's scratch buffer) and mid-frame (the
        // stream's own buffer).
        let partial = futures_lite::io::AsyncReadExt::chain(&b"no newline yet"[..], Overclaiming);
        let errors = [
            chunks::lines(Overclaiming).next().await,
            chunks::lines(partial).next().await,
            chunks::length_delimited(Overclaiming)
                .next()
                .await
                .map(|frame| frame.map(|_| String::new())),
        ];
        for error in errors {
            let error = error.unwrap().unwrap_err();
            assert!(
                error.to_string().contains("bytes into a buffer of"),
                "{error}"
            );
        }
    });
}

#[test]
fn stream_reader_consume_of_more_than_it_holds_is_clamped() {
    block_on(async {
        let chunks = stream::iter([Ok::<_, io::Error>(&b"abc"[..]), Ok(&b"def"[..])]);
        let mut reader = std::pin::pin!(chunks::stream_reader(chunks));
        assert_eq!(reader.fill_buf().await.unwrap(), b"abc");
        reader.as_mut().consume(usize::MAX);
        assert_eq!(reader.fill_buf().await.unwrap(), b"def");
        reader.as_mut().consume(2);
        reader.as_mut().consume(usize::MAX);
        assert_eq!(reader.fill_buf().await.unwrap(), b"");
    });
}
