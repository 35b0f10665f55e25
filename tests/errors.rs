//! One error policy for the crate: each message in an error's chain is printed
//! once. An error whose message includes a wrapped error's text does not return
//! that error from `source()` (it goes on below it); one that returns a cause from
//! `source()` does not print it. Error reporters (`{:#}` in anyhow, `fetch_all`)
//! walk the chain and print every cause exactly once.

mod support;

use std::error::Error;
use std::fmt;
use std::io;

use aiter::events::{self, Overflow};
use futures_lite::StreamExt;
use futures_lite::future::block_on;
use support::{FailingReader, error_chain as chain};

/// A root cause with a cause of its own, to tell "below" from "the same".
#[derive(Debug)]
struct Root;

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("disk on fire")
    }
}

impl Error for Root {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&Deeper)
    }
}

#[derive(Debug)]
struct Deeper;

impl fmt::Display for Deeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sector 7 unreadable")
    }
}

impl Error for Deeper {}

fn io_error() -> io::Error {
    io::Error::other(Root)
}

/// Every cause is printed once when the chain is joined, and nothing is lost.
fn assert_each_once(error: &dyn Error) {
    let messages = chain(error);
    let joined = messages.join(": ");
    for needle in ["disk on fire", "sector 7 unreadable"] {
        assert_eq!(
            joined.matches(needle).count(),
            1,
            "{needle:?} in {joined:?}"
        );
    }
}

#[test]
fn frame_errors_print_each_cause_once() {
    let reader = FailingReader::new(&b"a\n"[..], io_error());
    let errors: Vec<_> = block_on(chunks_errors(aiter::chunks::lines(reader)));
    assert_eq!(errors.len(), 1);
    assert_each_once(&errors[0]);
}

async fn chunks_errors<T>(
    stream: impl futures_lite::Stream<Item = Result<T, aiter::chunks::FrameError>>,
) -> Vec<aiter::chunks::FrameError> {
    stream.filter_map(Result::err).collect().await
}

#[test]
fn events_errors_print_each_cause_once() {
    let (emitter, mut events) = events::channel::<u32>(4, Overflow::Backpressure);
    emitter.fail(Root);
    let error = block_on(events.next()).unwrap().unwrap_err();
    assert_each_once(&error);
}

#[test]
#[cfg(feature = "http")]
fn body_and_page_errors_print_each_cause_once() {
    let truncated = aiter::http::BodyError::Truncated {
        received: 1,
        expected: 2,
        source: Some(io_error()),
    };
    assert_each_once(&truncated);
    let failed = aiter::http::BodyError::Io {
        received: 1,
        source: io_error(),
    };
    assert_each_once(&failed);
    let fetch = aiter::paginate::FetchError::transient(Root).with_status(503);
    assert_each_once(&fetch);
    let mut pages = aiter::paginate::Paginator::<u32>::page_numbers(1, 1, |_| async {
        Err(aiter::paginate::FetchError::permanent(Root))
    })
    .pages();
    let error = block_on(pages.next()).unwrap().unwrap_err();
    assert_each_once(&error);
}

#[test]
#[cfg(feature = "net")]
fn datagram_errors_print_each_cause_once() {
    assert_each_once(&aiter::net::DatagramError::Io(io_error()));
}
