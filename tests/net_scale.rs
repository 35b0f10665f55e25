//! `aiter::net` with many peers: thousands of loopback connections through one
//! `Merge`, a wakeup that polls only what was woken, idle connections that hold
//! no read buffer, timeouts, and the socket limit.
#![cfg(feature = "net")]

mod support;

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use aiter::chunks::FrameErrorKind;
use aiter::events::{Emitter, Events, Overflow};
use aiter::net::{self, Merge, PeerEvent};
use async_net::{TcpListener, TcpStream};
use futures_lite::{AsyncWriteExt, Stream, StreamExt};

async fn connected_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// As many connections as the open-file limit allows, up to `wanted` (two
/// descriptors each, and some to spare).
fn connections_allowed(wanted: usize) -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let allowed = usize::try_from(limit.saturating_sub(200) / 2).unwrap_or(usize::MAX);
    wanted.min(allowed)
}

async fn thousands_of_connections_deliver_each_message_once_in_order() {
    const MESSAGES: usize = 5;
    let count = connections_allowed(2_000);
    assert!(
        count >= 400,
        "the open-file limit allows only {count} connections"
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut clients = Vec::with_capacity(count);
    let mut merged = Merge::new();
    for _ in 0..count {
        let client = TcpStream::connect(address).await.unwrap();
        let (server, peer) = listener.accept().await.unwrap();
        clients.push((client.local_addr().unwrap(), client));
        merged.push(peer, aiter::chunks::lines(server).max_len(1024));
    }
    merged.close();
    // Every client writes its messages in rounds, interleaved with the others,
    // then closes.
    let writing = async {
        for round in 0..MESSAGES {
            for (address, client) in &mut clients {
                let line = format!("{address} {round}\n");
                client.write_all(line.as_bytes()).await.unwrap();
            }
        }
        for (_, client) in &mut clients {
            client.close().await.unwrap();
        }
    };
    let reading = async {
        let mut seen: HashMap<_, Vec<String>> = HashMap::new();
        let mut closed = 0;
        while let Some((peer, event)) = merged.next().await {
            match event {
                PeerEvent::Message(line) => seen.entry(peer).or_default().push(line.unwrap()),
                PeerEvent::Closed => closed += 1,
            }
        }
        (seen, closed)
    };
    let ((), (seen, closed)) = futures_lite::future::zip(writing, reading).await;
    assert_eq!(closed, count);
    assert_eq!(seen.len(), count);
    for (peer, lines) in seen {
        let expected: Vec<_> = (0..MESSAGES)
            .map(|round| format!("{peer} {round}"))
            .collect();
        assert_eq!(lines, expected, "{peer}: each message once, in order");
    }
}

#[test]
fn thousands_of_connections_on_smol() {
    smol::block_on(thousands_of_connections_deliver_each_message_once_in_order());
}

#[test]
fn thousands_of_connections_on_a_multi_threaded_executor() {
    support::on_worker_threads(
        2,
        thousands_of_connections_deliver_each_message_once_in_order(),
    );
}

/// A stream that counts how often it is polled.
struct Counted {
    events: Events<u32>,
    polls: Arc<AtomicUsize>,
}

impl Stream for Counted {
    type Item = u32;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        Pin::new(&mut self.events)
            .poll_next(cx)
            .map(|item| item.map(Result::unwrap))
    }
}

fn poll_once<S: Stream + Unpin>(stream: &mut S) -> Poll<Option<S::Item>> {
    stream.poll_next(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_wakeup_polls_only_the_woken_stream_among_a_thousand() {
    let polls = Arc::new(AtomicUsize::new(0));
    let mut merged = Merge::new();
    let mut emitters: Vec<Emitter<u32>> = Vec::new();
    for key in 0..1_000 {
        let (emitter, events) = aiter::events::channel(8, Overflow::Backpressure);
        emitters.push(emitter);
        let polls = Arc::clone(&polls);
        merged.push(key, Counted { events, polls });
    }
    // The first poll looks at every new stream once.
    assert!(poll_once(&mut merged).is_pending());
    assert_eq!(polls.swap(0, Ordering::Relaxed), 1_000);

    for round in 0..100u32 {
        let key = (round as usize * 7) % 1_000;
        emitters[key].emit(round).unwrap();
        let Poll::Ready(Some((got, PeerEvent::Message(item)))) = poll_once(&mut merged) else {
            panic!("the woken stream's item")
        };
        assert_eq!((got, item), (key, round));
        // The stream that gave an item is asked once more (it may have another),
        // then the merge waits: two polls per message, not a thousand.
        assert!(poll_once(&mut merged).is_pending());
        assert_eq!(polls.swap(0, Ordering::Relaxed), 2, "round {round}");
    }
}

#[test]
fn a_busy_stream_does_not_starve_the_others() {
    futures_lite::future::block_on(async {
        let mut merged = Merge::new();
        merged.push("busy", futures_lite::stream::repeat(0).boxed());
        merged.push("quiet", futures_lite::stream::iter(vec![1, 2, 3]).boxed());
        let first: Vec<_> = (&mut merged).take(8).collect().await;
        let quiet = first.iter().filter(|(key, _)| *key == "quiet").count();
        assert!(quiet >= 3, "one item per stream per turn: {first:?}");
    });
}

#[test]
fn an_idle_connection_holds_no_read_buffer() {
    smol::block_on(async {
        let (mut client, server) = connected_pair().await;
        let (mut lines, _) = net::split_lines(server);
        client.write_all(b"hello\n").await.unwrap();
        assert_eq!(lines.next().await.unwrap().unwrap(), "hello");
        // Now the peer is quiet: the reader waits, and the buffer is given back.
        assert!(poll_once(&mut lines).is_pending());
        assert_eq!(lines.buffer_capacity(), 0);
        // And the next message still comes whole, across two writes.
        client.write_all(b"wor").await.unwrap();
        smol::Timer::after(Duration::from_millis(20)).await;
        assert!(poll_once(&mut lines).is_pending());
        assert_eq!(lines.buffered(), b"wor", "a partial line is kept");
        client.write_all(b"ld\n").await.unwrap();
        assert_eq!(lines.next().await.unwrap().unwrap(), "world");
    });
}

#[test]
fn socket_lines_default_to_a_64_kib_limit() {
    smol::block_on(async {
        let (client, server) = connected_pair().await;
        let (mut lines, _) = net::split_lines(server);
        let mut client = client;
        let long = "x".repeat(net::DEFAULT_MAX_FRAME_LEN + 1);
        client
            .write_all(format!("{long}\nnext\n").as_bytes())
            .await
            .unwrap();
        let error = lines.next().await.unwrap().unwrap_err();
        assert!(
            matches!(error.kind(), FrameErrorKind::TooLong { limit: 65_536, .. }),
            "{error}"
        );
        assert_eq!(lines.next().await.unwrap().unwrap(), "next");
    });
}

#[test]
fn an_idle_connection_ends_with_a_timeout_error_then_closed() {
    smol::block_on(async {
        let (mut client, server) = connected_pair().await;
        let (quiet_client, quiet_server) = connected_pair().await;
        let mut merged = Merge::new();
        let timeout = Duration::from_millis(150);
        merged.push("talker", net::split_lines(server).0.idle_timeout(timeout));
        merged.push(
            "quiet",
            net::split_lines(quiet_server).0.idle_timeout(timeout),
        );
        let start = Instant::now();
        // The talker keeps talking, more often than the timeout.
        let talking = async {
            for n in 0..6 {
                client.write_all(format!("{n}\n").as_bytes()).await.unwrap();
                smol::Timer::after(Duration::from_millis(50)).await;
            }
        };
        let watching = async {
            let mut events = Vec::new();
            while events.len() < 8 {
                let (key, event) = merged.next().await.unwrap();
                let event = match event {
                    PeerEvent::Message(line) => {
                        PeerEvent::Message(line.map_err(aiter::chunks::FrameError::into_kind))
                    }
                    PeerEvent::Closed => PeerEvent::Closed,
                };
                events.push((key, event));
            }
            events
        };
        let ((), events) = futures_lite::future::zip(talking, watching).await;
        let quiet: Vec<_> = events.iter().filter(|(key, _)| *key == "quiet").collect();
        assert!(
            matches!(
                quiet[0].1,
                PeerEvent::Message(Err(FrameErrorKind::IdleTimeout(_)))
            ),
            "{quiet:?}"
        );
        assert!(matches!(quiet[1].1, PeerEvent::Closed));
        assert!(start.elapsed() >= timeout);
        let talker = events.iter().filter(|(key, _)| *key == "talker").count();
        assert_eq!(talker, 6, "a connection that talks is not idle: {events:?}");
        drop(quiet_client);
    });
}

#[test]
fn a_line_sent_too_slowly_ends_with_a_read_timeout() {
    smol::block_on(async {
        let (mut client, server) = connected_pair().await;
        let (lines, _) = net::split_lines(server);
        let mut lines = lines
            .read_timeout(Duration::from_millis(200))
            .idle_timeout(Duration::from_secs(10));
        client.write_all(b"ok\n").await.unwrap();
        assert_eq!(lines.next().await.unwrap().unwrap(), "ok");
        // One byte every 50 ms: never idle, but the line never ends in time.
        let dripping = async {
            for byte in b"slowloris" {
                if client.write_all(&[*byte]).await.is_err() {
                    break;
                }
                smol::Timer::after(Duration::from_millis(50)).await;
            }
        };
        let reading = async { lines.next().await.unwrap().unwrap_err() };
        let ((), error) = futures_lite::future::zip(dripping, reading).await;
        assert!(
            matches!(error.kind(), FrameErrorKind::ReadTimeout(_)),
            "{error}"
        );
        assert_eq!((error.offset(), error.line()), (3, Some(2)), "{error}");
        assert!(lines.next().await.is_none());
    });
}

#[test]
fn timeouts_set_to_none_are_off_again() {
    smol::block_on(async {
        let (mut client, server) = connected_pair().await;
        let (lines, _) = net::split_lines(server);
        let mut lines = lines
            .idle_timeout(Duration::from_millis(50))
            .read_timeout(Duration::from_millis(50))
            .idle_timeout(None)
            .read_timeout(None);
        client.write_all(b"half").await.unwrap();
        smol::Timer::after(Duration::from_millis(200)).await; // four times either timeout
        client.write_all(b" a line\n").await.unwrap();
        assert_eq!(lines.next().await.unwrap().unwrap(), "half a line");
    });
}
