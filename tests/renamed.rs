//! The names before the 0.1.0 renames still build, as deprecated aliases of the
//! new ones, and do what the new ones do: code written against them keeps working
//! with a warning that names the new name.
#![allow(deprecated)]

use aiter::events::{self, Overflow};
use futures_lite::StreamExt;
use futures_lite::future::block_on;

#[test]
fn overflow_wait_is_backpressure() {
    assert_eq!(Overflow::Wait, Overflow::Backpressure);
    // The old name works in patterns too.
    let named = match Overflow::Backpressure {
        Overflow::Wait => "wait",
        _ => "other",
    };
    assert_eq!(named, "wait");
    let (emitter, events) = events::channel(1, Overflow::Wait);
    emitter.emit(1).unwrap();
    assert!(emitter.emit(2).is_err());
    // A refusal hands the value back: refused, not dropped.
    assert_eq!((emitter.refused(), emitter.dropped()), (1, 0));
    assert_eq!((events.refused(), events.dropped()), (1, 0));
}

#[test]
fn old_decoder_counters_are_the_new_ones() {
    block_on(async {
        let mut lines = aiter::chunks::lines(&b"a\nb\n"[..]);
        while lines.next().await.is_some() {}
        assert_eq!(lines.decoder().lines_seen(), lines.decoder().lines_read());

        let mut frames = aiter::chunks::length_delimited(&b"\0\0\0\x01a"[..]);
        while frames.next().await.is_some() {}
        assert_eq!(frames.decoder().records(), 1);
    });
}

#[cfg(feature = "json")]
#[test]
fn old_json_counters_are_the_new_ones() {
    block_on(async {
        let mut records = aiter::chunks::ndjson::<u32, _>(&b"1\n2\n"[..]);
        while records.next().await.is_some() {}
        assert_eq!(
            (records.decoder().lines_seen(), records.decoder().records()),
            (2, 2)
        );

        let mut items = aiter::chunks::json_array::<u32, _>(&b"[1, 2, 3]"[..]);
        while items.next().await.is_some() {}
        assert_eq!(items.decoder().items(), 3);

        let mut sse = aiter::chunks::sse(&b"data: x\n\n"[..]);
        while sse.next().await.is_some() {}
        assert_eq!(sse.decoder().lines_seen(), 2);
    });
}

#[test]
fn items_delivered_was_delivered() {
    use aiter::paginate::{Page, Paginator};
    let mut items = Paginator::page_numbers(1, 1, |n: u64| async move {
        Ok(Page::new(if n == 1 { vec![1, 2] } else { vec![] }))
    })
    .items();
    block_on(async { while items.next().await.is_some() {} });
    assert_eq!(items.delivered(), 2);
}

#[cfg(feature = "net")]
#[test]
fn old_net_names_still_split_connections() {
    use aiter::net;
    block_on(async {
        let (left, right) = async_net::unix::UnixStream::pair().unwrap();
        let (_, mut writer) = net::lines(left);
        writer.send("hi").await.unwrap();
        let (mut lines, _) = net::lines(right);
        assert_eq!(lines.next().await.unwrap().unwrap(), "hi");

        let socket = async_net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let datagrams = net::datagrams(socket, 0);
        assert_eq!(datagrams.max_size(), net::DEFAULT_MAX_DATAGRAM);
        assert_eq!(net::MAX_UDP_PAYLOAD, net::MAX_UDP_PAYLOAD_LEN);
    });
}

#[cfg(feature = "http")]
#[test]
fn old_http_names_still_build() {
    let api = aiter::http::JsonApi::new("https://api.example.com/items")
        .unwrap()
        .max_page_bytes(1024);
    assert!(format!("{api:?}").contains("JsonApi"));
    assert_eq!(
        aiter::http::DEFAULT_MAX_PAGE_BYTES,
        aiter::http::DEFAULT_MAX_PAGE_LEN as u64
    );
    let feed = aiter::http::EventSource::new("https://example.com/feed").unwrap();
    assert_eq!(feed.reconnects(), 0);
}

#[cfg(feature = "ws")]
#[test]
fn old_ws_config_names_still_build() {
    let config = aiter::net::ws::Config::new().max_write_buffer(1 << 20);
    assert_eq!(config.get_max_write_buffer(), 1 << 20);
}
