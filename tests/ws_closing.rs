//! How a WebSocket ends, against a peer that is not ours (Parity's soketto) and
//! raw frames: the close timeout of a split receiver already waiting, the close
//! code and reason (JavaScript's `onclose`), and a send after `close()` that
//! leaves the handshake intact.
#![cfg(feature = "ws")]

#[path = "support/soketto_peer.rs"]
mod soketto_peer;

use std::time::{Duration, Instant};

use aiter::net::ws::{self, CloseEvent, Config, ProtocolError, WsError};
use async_net::TcpStream;
use futures_lite::future::{or, zip};
use futures_lite::{AsyncWriteExt, StreamExt};
use soketto::Incoming;
use soketto_peer::{listener, read_client_frame, receive_until_close, soketto_server};

/// Fails the test after 10 s instead of hanging it.
async fn watchdog<T>(what: &str) -> T {
    smol::Timer::after(Duration::from_secs(10)).await;
    panic!("hung: {what}");
}

#[test]
fn a_split_receiver_already_waiting_times_out_after_the_senders_close() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let server = async {
            // Completes the handshake, then answers nothing and holds the
            // connection open far longer than the test.
            let tcp = soketto_server(&listener).await.into_inner();
            smol::Timer::after(Duration::from_secs(30)).await;
            drop(tcp);
        };
        let client = async {
            let config = Config::new().close_timeout(Duration::from_millis(200));
            let (mut sender, mut receiver) = ws::connect_with(&url, &config).await.unwrap().split();
            let start = Instant::now();
            // The receiver waits first; the sender closes while it waits.
            let receiving = async { receiver.next().await.map(Result::err) };
            let closing = async {
                smol::Timer::after(Duration::from_millis(50)).await;
                sender.close().await.unwrap();
            };
            let (first, ()) = zip(receiving, closing).await;
            let waited = start.elapsed();
            let Some(Some(WsError::Io(error))) = first else {
                panic!("{first:?}")
            };
            assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
            assert!(receiver.next().await.is_none());
            assert_eq!(
                receiver.close_event().map(|e| (e.code, e.was_clean)),
                Some((1006, false))
            );
            waited
        };
        let waited = or(
            async {
                or(client, async {
                    server.await;
                    panic!("the server let go first")
                })
                .await
            },
            watchdog("the receiver never started the close timer"),
        )
        .await;
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
        assert!(waited < Duration::from_secs(3), "{waited:?}");
    });
}

#[test]
fn a_peers_close_code_and_reason_reach_the_client_after_the_end() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let server = async {
            let mut tcp = soketto_server(&listener).await.into_inner();
            // Close 4001 "bye", unmasked from the server.
            tcp.write_all(&[0x88, 0x05, 0x0F, 0xA1, b'b', b'y', b'e'])
                .await
                .unwrap();
            let (opcode, payload) = read_client_frame(&mut tcp).await;
            (opcode, payload, tcp)
        };
        let client = async {
            let (sender, mut receiver) = ws::connect(&url).await.unwrap().split();
            assert_eq!(receiver.close_event(), None, "open: no close event yet");
            while receiver.next().await.is_some() {}
            drop(sender);
            receiver.close_event()
        };
        let ((opcode, payload, _held), event) =
            or(zip(server, client), watchdog("the close")).await;
        let event = event.expect("a close event after the end");
        assert_eq!(
            (event.code, event.reason.as_str(), event.was_clean),
            (4001, "bye", true)
        );
        // Our answer echoes the code, as RFC 6455 asks.
        assert_eq!((opcode, &payload[..2]), (0x8, &[0x0F, 0xA1][..]));
    });
}

#[test]
fn a_third_party_clients_close_1000_reaches_our_server() {
    smol::block_on(async {
        let (listener, _) = listener().await;
        let address = listener.local_addr().unwrap();
        let server = async {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut socket = ws::accept(tcp).await.unwrap();
            while socket.next().await.is_some() {}
            socket.close_event()
        };
        let client = async {
            let tcp = TcpStream::connect(address).await.unwrap();
            let host = address.to_string();
            let mut client = soketto::handshake::Client::new(tcp, &host, "/");
            client.handshake().await.unwrap();
            let (mut sender, mut receiver) = client.into_builder().finish();
            sender.close().await.unwrap();
            let mut message = Vec::new();
            // Until our server's answer.
            while !matches!(
                receiver.receive(&mut message).await,
                Ok(Incoming::Closed(_)) | Err(_)
            ) {}
        };
        let (event, ()) = or(zip(server, client), watchdog("the close")).await;
        assert_eq!(
            event.map(|event| (event.code, event.was_clean)),
            Some((1000, true))
        );
    });
}

#[test]
fn a_peer_that_drops_the_connection_is_an_abnormal_close() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let server = async { drop(soketto_server(&listener).await) };
        let client = async {
            let mut socket = ws::connect(&url).await.unwrap();
            while socket.next().await.is_some() {}
            socket.close_event()
        };
        let ((), event) = or(zip(server, client), watchdog("the drop")).await;
        let expected = Some((1006, String::new(), false));
        assert_eq!(
            event.map(
                |CloseEvent {
                     code,
                     reason,
                     was_clean,
                     ..
                 }| (code, reason, was_clean)
            ),
            expected
        );
    });
}

#[test]
fn a_send_after_close_is_refused_and_the_handshake_still_completes() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let server = async {
            let (mut sender, mut receiver) =
                soketto_server(&listener).await.into_builder().finish();
            let seen = receive_until_close(&mut receiver).await;
            // soketto answers the close itself; send ours and flush.
            let _ = sender.close().await;
            seen
        };
        let client = async {
            let mut socket = ws::connect(&url).await.unwrap();
            socket.send("before").await.unwrap();
            socket.close().await.unwrap();
            let refused = socket.send("after").await.unwrap_err();
            assert!(
                matches!(refused, WsError::Protocol(ProtocolError::SendAfterClosing)),
                "{refused}"
            );
            // Keep reading: the peer's answer completes the handshake.
            while socket.next().await.is_some() {}
            socket.close_event()
        };
        let ((messages, code), event) = or(zip(server, client), watchdog("the close")).await;
        assert_eq!(
            messages,
            [b"before".to_vec()],
            "the refused send never left"
        );
        assert_eq!(code, Some(1000), "the peer saw a normal close");
        assert_eq!(
            event.map(|event| (event.code, event.was_clean)),
            Some((1000, true))
        );
    });
}
