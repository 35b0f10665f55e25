//! `aiter::net` over real loopback sockets: TCP, Unix, UDP, and merging connections.
#![cfg(feature = "net")]

use std::time::Duration;

use aiter::chunks::FrameErrorKind;
use aiter::net::{self, DatagramError, Merge, PeerEvent};
use async_net::{TcpListener, TcpStream, UdpSocket};
use futures_lite::{AsyncWriteExt, StreamExt};

async fn connected_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn a_peer_that_closes_after_writing_has_every_message_delivered_then_the_stream_ends() {
    smol::block_on(async {
        let (client, server) = connected_pair().await;
        let (_, mut writer) = net::split_lines(client);
        for n in 0..1000 {
            writer.feed(format!("message {n}")).await.unwrap();
        }
        writer.close().await.unwrap(); // shuts down the sending side right after
        let (messages, _) = net::split_lines(server);
        let got: Vec<String> = messages.try_collect().await.unwrap();
        assert_eq!(
            got,
            (0..1000)
                .map(|n| format!("message {n}"))
                .collect::<Vec<_>>()
        );
    });
}

#[test]
fn an_oversized_message_is_an_error_item_and_the_connection_goes_on() {
    futures_lite::future::block_on(async {
        let (mut client, server) = connected_pair().await;
        client.write_all(b"short\n").await.unwrap();
        client.write_all(&vec![b'x'; 100_000]).await.unwrap();
        client.write_all(b"\nafter\n").await.unwrap();
        client.close().await.unwrap();
        let (messages, _) = net::split_lines(server);
        let mut messages = messages.max_len(1024);
        assert_eq!(messages.next().await.unwrap().unwrap(), "short");
        let error = messages.next().await.unwrap().unwrap_err();
        assert!(matches!(
            error.kind(),
            FrameErrorKind::TooLong { limit: 1024, .. }
        ));
        assert_eq!((error.line(), error.offset()), (Some(2), 6));
        assert_eq!(messages.next().await.unwrap().unwrap(), "after");
        assert!(messages.next().await.is_none());
    });
}

#[test]
fn unix_sockets_carry_length_delimited_frames_both_ways() {
    smol::block_on(async {
        let (left, right) = async_net::unix::UnixStream::pair().unwrap();
        let (mut left_in, mut left_out) = net::split_length_delimited(left);
        let (mut right_in, mut right_out) = net::split_length_delimited(right);
        left_out.send(b"ping\n\0").await.unwrap();
        assert_eq!(right_in.next().await.unwrap().unwrap(), &b"ping\n\0"[..]);
        right_out.send(b"pong").await.unwrap();
        right_out.close().await.unwrap();
        assert_eq!(left_in.next().await.unwrap().unwrap(), &b"pong"[..]);
        assert!(left_in.next().await.is_none());
    });
}

#[test]
fn udp_datagrams_come_with_their_sender_and_an_oversized_one_is_reported() {
    smol::block_on(async {
        let receiver = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let address = receiver.local_addr().unwrap();
        let mut datagrams = net::datagrams(receiver, 100);
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        sender.send_to(b"first", address).await.unwrap();
        sender.send_to(&[7u8; 500], address).await.unwrap();
        sender.send_to(b"third", address).await.unwrap();
        let from = sender.local_addr().unwrap();
        assert_eq!(
            datagrams.next().await.unwrap().unwrap(),
            (bytes::Bytes::from_static(b"first"), from)
        );
        match datagrams.next().await.unwrap() {
            Err(DatagramError::TooLarge { peer, limit: 100 }) => assert_eq!(peer, from),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        assert_eq!(datagrams.next().await.unwrap().unwrap().0, &b"third"[..]);
    });
}

#[test]
fn merged_connections_tag_each_message_with_its_peer_in_each_peers_order() {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let mut clients = Vec::new();
        for client in 0..3 {
            clients.push(smol::spawn(async move {
                let stream = TcpStream::connect(address).await.unwrap();
                let local = stream.local_addr().unwrap();
                let (_, mut writer) = net::split_lines(stream);
                for n in 0..200 {
                    writer.send(format!("{client}:{n}")).await.unwrap();
                    if n % 50 == 0 {
                        smol::Timer::after(Duration::from_millis(1)).await;
                    }
                }
                writer.close().await.unwrap();
                local
            }));
        }
        let mut merged = Merge::new();
        for _ in 0..3 {
            let (stream, peer) = listener.accept().await.unwrap();
            merged.push(peer, aiter::chunks::lines(stream));
        }
        merged.close();
        let mut per_peer: std::collections::HashMap<std::net::SocketAddr, Vec<String>> =
            std::collections::HashMap::new();
        let mut closed = Vec::new();
        while let Some((peer, event)) = merged.next().await {
            match event {
                PeerEvent::Message(line) => per_peer.entry(peer).or_default().push(line.unwrap()),
                PeerEvent::Closed => closed.push(peer),
            }
        }
        let mut locals = Vec::new();
        for client in clients {
            locals.push(client.await);
        }
        assert_eq!(closed.len(), 3);
        for local in locals {
            let lines = &per_peer[&local];
            let client = lines[0].split(':').next().unwrap().to_owned();
            let expected: Vec<String> = (0..200).map(|n| format!("{client}:{n}")).collect();
            assert_eq!(lines, &expected, "peer {local} in order, each once");
        }
    });
}

#[test]
fn a_datagram_limit_past_what_udp_carries_is_lowered_not_a_panic() {
    smol::block_on(async {
        let receiver = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let address = receiver.local_addr().unwrap();
        let mut datagrams = net::datagrams(receiver, usize::MAX);
        assert_eq!(datagrams.max_len(), net::MAX_UDP_PAYLOAD_LEN);
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        sender.send_to(b"fits", address).await.unwrap();
        assert_eq!(datagrams.next().await.unwrap().unwrap().0, &b"fits"[..]);
    });
}

#[test]
fn a_writer_with_a_write_timeout_gives_up_on_a_peer_that_never_reads() {
    smol::block_on(async {
        let listener = async_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = async_net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (_never_reads, _) = listener.accept().await.unwrap();
        let (_, writer) = aiter::net::split_lines(client);
        let mut writer = writer.write_timeout(Duration::from_millis(300));
        let line = "x".repeat(64 * 1024 - 1);
        let (error, waited) = loop {
            let started = std::time::Instant::now();
            if let Err(error) = writer.send(line.as_str()).await {
                break (error, started.elapsed());
            }
        };
        assert!(
            matches!(error.kind(), FrameErrorKind::WriteTimeout(_)),
            "{error}"
        );
        assert!(error.to_string().contains("write timeout"), "{error}");
        assert!(waited >= Duration::from_millis(300), "{waited:?}");
        assert!(waited < Duration::from_secs(3), "{waited:?}");
    });
}
