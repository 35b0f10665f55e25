//! A tour of aiter: each part, run on loopback and in memory, in a few seconds.
//!
//! This is the first thing to run. Each section shows one pattern from the
//! JavaScript's async generators and `for await`, and its aiter form.
//!
//! Run with: `cargo run --features http --example tour`

use std::time::{Duration, Instant};

use aiter::events::{self, EmitError, Overflow};
use aiter::generate::Resume;
use aiter::{generate, try_generate};
use futures_lite::{AsyncWriteExt, StreamExt, stream};

fn main() {
    // No options but --help: anything else is a usage error.
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("-h" | "--help") => {
            println!(
                "tour: a tour of aiter, each part run on loopback and in memory, in a few seconds\n\nusage: tour\n\n  -h, --help  this help"
            );
            return;
        }
        Some(other) => {
            eprintln!("tour: unexpected argument {other:?}\nusage: tour [--help]");
            std::process::exit(2);
        }
    }
    smol::block_on(async {
        let start = Instant::now();
        counting_with_delays().await;
        for_await_with_per_item_errors().await;
        delegating_with_yield_all().await;
        early_exit_with_close().await;
        chunks_and_records_from_a_socket().await;
        callbacks_with_each_overflow_policy().await;
        #[cfg(feature = "http")]
        paging::pages_in_each_style().await;
        #[cfg(feature = "http")]
        paging::details_eight_at_a_time().await;
        #[cfg(feature = "http")]
        paging::server_sent_events().await;
        println!("\ntour finished in {:.2?}", start.elapsed());
    });
}

fn section(title: &str) {
    println!("\n== {title}");
}

/// JavaScript's `async function*` counting 0, 1, 2, each after 100 ms.
async fn counting_with_delays() {
    section("async function*: count 0, 1, 2 with 100 ms delays");
    let start = Instant::now();
    let mut counter = generate(|y| async move {
        for i in 0..3 {
            smol::Timer::after(Duration::from_millis(100)).await;
            if y.yield_(i).await.is_close() {
                break;
            }
        }
    });
    // for await (const n of counter) { ... }
    while let Some(n) = counter.next().await {
        println!("  {n}  (at {:>3} ms)", start.elapsed().as_millis());
    }
}

/// A `for await` pitfall: each iteration can fail. Errors are items; the loop goes on.
async fn for_await_with_per_item_errors() {
    section("try_generate: one item fails, the sequence goes on");
    let mut parsed = try_generate(|y| async move {
        for text in ["10", "twenty", "30"] {
            let answer = match text.parse::<u32>() {
                Ok(n) => y.yield_ok(n).await,
                Err(e) => y.yield_err(format!("{text:?}: {e}")).await,
            };
            if answer.is_close() {
                break;
            }
        }
        Ok(())
    });
    while let Some(item) = parsed.next().await {
        match item {
            Ok(n) => println!("  got {n}"),
            Err(e) => println!("  error, going on: {e}"),
        }
    }
}

/// `yield*`: delegate to another stream, then go on.
async fn delegating_with_yield_all() {
    section("yield*: delegate to other streams");
    let letters = generate(|y| async move {
        if y.yield_("a").await.is_close() || y.yield_all(stream::iter(["b", "c"])).await.is_close()
        {
            return;
        }
        let inner = generate(|inner| async move {
            let _ = inner.yield_("d").await; // nothing follows
        });
        let _ = y.yield_all(inner).await;
    });
    println!("  {:?}", letters.collect::<Vec<_>>().await);
}

/// `return()` with `finally { await ... }`: stop early and still run async cleanup.
async fn early_exit_with_close() {
    section("close(): stop early, async cleanup runs (JavaScript's return())");
    let mut readings = generate(|y| async move {
        println!("  [body] connection opened");
        let mut n = 0;
        while y.yield_(n).await == Resume::Next {
            n += 1;
        }
        println!("  [body] told to close after item {n}; flushing...");
        smol::Timer::after(Duration::from_millis(50)).await;
        println!("  [body] flushed and closed");
    });
    for _ in 0..2 {
        println!("  consumer got {:?}", readings.next().await);
    }
    println!("  consumer: that's enough, close()");
    readings.close().await;
    println!("  after close, next() gives {:?}", readings.next().await);
}

/// JavaScript's `readChunks(stream)`, then records out of the chunks: a loopback
/// TCP peer sends NDJSON with one line over the limit and one bad record.
async fn chunks_and_records_from_a_socket() {
    section("readChunks: chunks, then records, from a loopback socket");
    let mut body = Vec::new();
    for id in 1..=3 {
        body.extend_from_slice(format!("{{\"id\": {id}, \"event\": \"login\"}}\n").as_bytes());
    }
    body.extend_from_slice(
        format!("{{\"id\": 4, \"blob\": \"{}\"}}\n", "x".repeat(5000)).as_bytes(),
    );
    body.extend_from_slice(b"{\"id\": 5, \"event\": oops}\n{\"id\": 6, \"event\": \"logout\"}\n");

    // Chunks: whatever sizes the socket delivers, at most 1 KiB each here.
    let mut chunks = aiter::chunks::read_chunks(serve(body.clone()).await, 1024);
    let mut sizes = Vec::new();
    while let Some(chunk) = chunks.next().await {
        sizes.push(chunk.expect("loopback read").len());
    }
    println!(
        "  {} bytes in {} chunks: {sizes:?}",
        sizes.iter().sum::<usize>(),
        sizes.len()
    );

    // Records: each line decoded, at most 1 KiB a line; bad ones reported, not fatal.
    #[cfg(feature = "json")]
    {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)] // printed through Debug
        struct Event {
            id: u32,
            event: String,
        }
        let mut events = aiter::chunks::ndjson::<Event, _>(serve(body).await).max_len(1024);
        while let Some(event) = events.next().await {
            match event {
                Ok(event) => println!("  {event:?}"),
                Err(error) if !error.is_fatal() => println!("  skipped: {error}"),
                Err(error) => {
                    println!("  stopped: {error}");
                    break;
                }
            }
        }
    }
    #[cfg(not(feature = "json"))]
    {
        let _ = body;
        println!("  (records need the `json` feature)");
    }
}

/// A loopback TCP connection whose peer writes `body` in 700-byte writes, then closes.
async fn serve(body: Vec<u8>) -> smol::net::TcpStream {
    let listener = smol::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("bound address");
    smol::spawn(async move {
        let mut peer = smol::net::TcpStream::connect(address)
            .await
            .expect("connect");
        for part in body.chunks(700) {
            peer.write_all(part).await.expect("write");
            smol::Timer::after(Duration::from_millis(1)).await;
        }
        peer.close().await.expect("close");
    })
    .detach();
    listener.accept().await.expect("accept").0
}

/// JavaScript's `socketMessages(socket)`: callbacks into a stream. A burst of 6 messages
/// into a queue of 3, under each overflow policy; then close with messages queued.
async fn callbacks_with_each_overflow_policy() {
    section("socketMessages: callbacks into a bounded stream, each overflow policy");
    for overflow in [
        Overflow::Backpressure,
        Overflow::DropOldest,
        Overflow::DropNewest,
        Overflow::Fail,
    ] {
        let (emitter, mut messages) = events::channel(3, overflow);
        // socket.on('message', m => emit(m)): a burst faster than the consumer.
        let refused: Vec<String> = (1..=6)
            .filter_map(|n| match emitter.emit(format!("m{n}")) {
                Ok(()) => None,
                Err(EmitError::Full(m)) => Some(format!("{m} full (send().await would wait)")),
                Err(EmitError::Dropped(m)) => Some(format!("{m} dropped")),
                Err(EmitError::Overflow(m)) => Some(format!("{m} overflowed")),
                Err(EmitError::Closed(m)) => Some(format!("{m} closed")),
            })
            .collect();
        drop(emitter); // socket.on('close')
        let mut received = Vec::new();
        while let Some(message) = messages.next().await {
            match message {
                Ok(message) => received.push(message),
                Err(error) => received.push(format!("<{error}>")),
            }
        }
        println!(
            "  {overflow:?}: received {received:?}, dropped {}",
            messages.events_dropped()
        );
        if !refused.is_empty() {
            println!("    refused at emit: {}", refused.join(", "));
        }
    }
    let (emitter, messages) = events::channel(8, Overflow::Backpressure);
    for n in 1..=3 {
        emitter.emit(n).expect("room for three");
    }
    emitter.close();
    let delivered: Vec<i32> = messages.try_collect().await.expect("no failure");
    println!(
        "  close() with 3 queued: all delivered {delivered:?} (a naive JavaScript adapter could lose them)"
    );
}

/// JavaScript's `fetchPages(url)`: a loopback JSON API, paginated in each style.
#[cfg(feature = "http")]
mod paging {
    use aiter::http::{JsonApi, Style};
    use futures_lite::StreamExt;
    use serde_json::json;

    /// A JSON API of 3 pages of 2 items on loopback, answering in every style.
    fn serve() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("bound address");
        let listener = smol::net::TcpListener::try_from(listener).expect("async listener");
        let handler = |conn: trillium::Conn| async move {
            if let Some(id) = conn.path().strip_prefix("/details/") {
                // Details take longer for earlier items: they finish out of order.
                let delay = 60u64.saturating_sub(
                    id.len() as u64 * 4 + id.bytes().map(u64::from).sum::<u64>() % 40,
                );
                async_io::Timer::after(std::time::Duration::from_millis(delay)).await;
                let body = json!({"id": id, "detail": format!("details of {id}")});
                return conn.ok(body.to_string());
            }
            let query: std::collections::HashMap<String, String> =
                url::form_urlencoded::parse(conn.querystring().as_bytes())
                    .into_owned()
                    .collect();
            let number = |name: &str, default: u64| {
                query
                    .get(name)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(default)
            };
            let page = match conn.path() {
                "/page" => number("page", 1),
                "/offset" => number("offset", 0) / 2 + 1,
                "/cursor" => number("cursor", 1),
                _ => number("p", 1),
            };
            let items: Vec<String> = if page <= 3 {
                (1..=2).map(|i| format!("p{page}-{i}")).collect()
            } else {
                vec![]
            };
            let more = page < 3;
            let body = match conn.path() {
                "/cursor" => {
                    json!({"data": items, "next_cursor": more.then(|| (page + 1).to_string())})
                }
                "/next" => {
                    json!({"data": items, "next": more.then(|| format!("/next?p={}", page + 1))})
                }
                _ => json!({"data": items}),
            };
            let conn = if conn.path() == "/link" && more {
                conn.with_response_header("link", format!("</link?p={}>; rel=\"next\"", page + 1))
            } else {
                conn
            };
            conn.ok(body.to_string())
        };
        trillium_smol::config()
            .without_signals()
            .with_prebound_server(listener)
            .spawn(handler);
        format!("http://{address}")
    }

    pub(super) async fn pages_in_each_style() {
        super::section("fetchPages: a loopback JSON API in each pagination style");
        let base = serve();
        let styles = [
            ("/page", Style::page()),
            (
                "/offset",
                Style::Offset {
                    offset_param: "offset".into(),
                    limit_param: "limit".into(),
                    limit: 2,
                },
            ),
            ("/cursor", Style::cursor()),
            ("/link", Style::Link),
            ("/next", Style::next()),
        ];
        for (path, style) in styles {
            let name = format!("{style:?}");
            let api = JsonApi::new(&format!("{base}{path}"))
                .expect("a valid URL")
                .style(style)
                .items_at("/data");
            let mut items = api.paginator::<String>().prefetch(2).items();
            let mut got = Vec::new();
            while let Some(item) = items.next().await {
                match item {
                    Ok(item) => got.push(item.item),
                    Err(error) => {
                        println!("  error: {error}; resume with {}", error.position());
                        break;
                    }
                }
            }
            let name = name.split([' ', '{']).next().unwrap_or_default();
            println!("  {name:<7} {} pages: {got:?}", items.pages_fetched());
        }
    }

    /// Every item of every page, then each item's details, eight requests at a
    /// time, printed in item order.
    pub(super) async fn details_eight_at_a_time() {
        use aiter::concurrent::ConcurrentExt;
        use isahc::AsyncReadResponseExt;

        super::section("for await with a pool: each item's details, eight at a time, in order");
        let base = serve();
        let api = JsonApi::new(&format!("{base}/page"))
            .expect("a valid URL")
            .items_at("/data");
        let start = std::time::Instant::now();
        let details = api.paginator::<String>().items().map_concurrent(8, |item| {
            let base = base.clone();
            async move {
                let item = item.map_err(|error| error.to_string())?.item;
                let mut response = isahc::get_async(format!("{base}/details/{item}"))
                    .await
                    .map_err(|error| error.to_string())?;
                let body = response.bytes().await.map_err(|error| error.to_string())?;
                let details: serde_json::Value =
                    serde_json::from_slice(&body).map_err(|error| error.to_string())?;
                Ok::<_, String>(details["detail"].as_str().unwrap_or_default().to_owned())
            }
        });
        let mut details = std::pin::pin!(details);
        while let Some(detail) = details.next().await {
            match detail {
                Ok(detail) => println!("  {detail}"),
                Err(error) => println!("  error: {error}"),
            }
        }
        println!(
            "  6 requests of up to 60 ms took {:.0?} in all",
            start.elapsed()
        );
    }

    /// A live feed: Server-Sent Events from a loopback server, with a cut and a
    /// reconnection that resumes after the last event seen.
    pub(super) async fn server_sent_events() {
        use aiter::chunks::{Encoder, SseEncoder, SseEvent};
        use aiter::http::EventSource;
        use std::sync::atomic::{AtomicUsize, Ordering};

        super::section("real-time: Server-Sent Events that reconnect (EventSource)");
        let connections = std::sync::Arc::new(AtomicUsize::new(0));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("bound address");
        let listener = smol::net::TcpListener::try_from(listener).expect("async listener");
        let handler = move |conn: trillium::Conn| {
            let connections = connections.clone();
            async move {
                let resume_after: u32 = conn
                    .request_headers()
                    .get_str("last-event-id")
                    .and_then(|id| id.parse().ok())
                    .unwrap_or(0);
                // The first connection ends after two events; the second resumes;
                // the third is told there is nothing more (204).
                let n = connections.fetch_add(1, Ordering::SeqCst);
                if n >= 2 {
                    return conn.with_status(204).halt();
                }
                let mut body = SseEncoder::retry(50);
                let mut encoder = SseEncoder::new();
                for id in resume_after + 1..=resume_after + 2 {
                    let event = SseEvent::new(format!("price {}", 100 + id))
                        .with_event("tick")
                        .with_id(id.to_string());
                    encoder.encode(event, &mut body).expect("a valid event");
                }
                conn.with_response_header("content-type", "text/event-stream")
                    .ok(body)
            }
        };
        trillium_smol::config()
            .without_signals()
            .with_prebound_server(listener)
            .spawn(handler);
        let mut feed = EventSource::new(&format!("http://{address}/ticks")).expect("a valid URL");
        while let Some(item) = feed.next().await {
            match item {
                Ok(event) => println!("  {} #{}: {}", event.event, event.id, event.data),
                Err(error) => println!("  ({error})"),
            }
        }
        println!(
            "  the server answered 204: done after {} reconnections",
            feed.reconnections_made()
        );
    }
}
