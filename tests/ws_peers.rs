//! `aiter::net::ws` against a WebSocket implementation that is not ours
//! (Parity's soketto), and against raw frames on the wire: close codes, limits,
//! timeouts.
#![cfg(feature = "ws")]

#[path = "support/soketto_peer.rs"]
mod soketto_peer;

use std::time::{Duration, Instant};

use aiter::net::ws::{self, Config, Message, WsError};
use async_net::TcpStream;
use futures_lite::future::zip;
use futures_lite::{AsyncWriteExt, StreamExt};
use soketto::handshake::{Client, ServerResponse};
use soketto_peer::{halves, listener, read_client_frame, receive_until_close, soketto_server};

#[test]
fn close_sends_code_1000_to_a_third_party_server() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let server = async {
            let (_, mut receiver) = halves(soketto_server(&listener).await);
            receive_until_close(&mut receiver).await
        };
        let client = async {
            let mut socket = ws::connect(&url).await.unwrap();
            socket.send("before the close").await.unwrap();
            socket.close().await.unwrap();
            let rest: Vec<_> = socket.collect().await;
            assert!(rest.iter().all(Result::is_ok), "{rest:?}");
        };
        let ((messages, code), ()) = zip(server, client).await;
        assert_eq!(messages, [b"before the close".to_vec()]);
        assert_eq!(code, Some(1000), "the peer must see a normal closure");
    });
}

#[test]
fn a_third_party_client_sees_code_1000_when_our_server_closes() {
    smol::block_on(async {
        let (listener, _) = listener().await;
        let address = listener.local_addr().unwrap();
        let server = async {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut socket = ws::accept(tcp).await.unwrap();
            socket.send("bye").await.unwrap();
            socket.close().await.unwrap();
            while socket.next().await.is_some() {}
        };
        let client = async {
            let tcp = TcpStream::connect(address).await.unwrap();
            let host = address.to_string();
            let mut client = Client::new(tcp, &host, "/");
            let response = client.handshake().await.unwrap();
            assert!(matches!(response, ServerResponse::Accepted { .. }));
            let (_sender, mut receiver) = client.into_builder().finish();
            receive_until_close(&mut receiver).await
        };
        let ((), (messages, code)) = zip(server, client).await;
        assert_eq!(messages, [b"bye".to_vec()]);
        assert_eq!(code, Some(1000));
    });
}

#[test]
fn messages_both_ways_with_a_third_party_server() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let server = async {
            let (mut sender, mut receiver) = halves(soketto_server(&listener).await);
            for n in 0..100 {
                let mut message = Vec::new();
                receiver.receive_data(&mut message).await.unwrap();
                assert_eq!(message, format!("to server {n}").as_bytes());
                sender.send_text(format!("to client {n}")).await.unwrap();
            }
            sender.close().await.unwrap();
        };
        let client = async {
            let mut socket = ws::connect(&url).await.unwrap();
            let mut got = Vec::new();
            for n in 0..100 {
                socket.send(format!("to server {n}")).await.unwrap();
                got.push(
                    socket
                        .next()
                        .await
                        .unwrap()
                        .unwrap()
                        .into_text()
                        .unwrap()
                        .to_string(),
                );
            }
            assert!(
                socket.next().await.is_none(),
                "the server's close ends the stream"
            );
            got
        };
        let ((), got) = zip(server, client).await;
        assert_eq!(
            got,
            (0..100)
                .map(|n| format!("to client {n}"))
                .collect::<Vec<_>>()
        );
    });
}

/// A server frame header (unmasked) for a payload of `len` bytes.
fn frame_header(first_byte: u8, len: usize) -> Vec<u8> {
    let mut header = vec![first_byte, 127];
    header.extend_from_slice(&(len as u64).to_be_bytes());
    header
}

/// A server that sends `total` bytes of one binary message in frames of `frame`
/// bytes, then reports the close frame the client sent back.
async fn oversize_test(
    config: Config,
    total: usize,
    frame: usize,
) -> (Option<WsError>, (u8, Vec<u8>)) {
    let (listener, url) = listener().await;
    let server = async {
        let mut tcp = soketto_server(&listener).await.into_inner();
        let frames = total.div_ceil(frame);
        let chunk = vec![b'x'; frame];
        for n in 0..frames {
            let opcode = if n == 0 { 0x2 } else { 0x0 };
            let fin = if n + 1 == frames { 0x80 } else { 0 };
            let header = frame_header(fin | opcode, frame);
            if tcp.write_all(&header).await.is_err() || tcp.write_all(&chunk).await.is_err() {
                break; // the client has hung up
            }
        }
        read_client_frame(&mut tcp).await
    };
    let client = async {
        let mut socket = ws::connect_with(&url, &config).await.unwrap();
        let first = socket.next().await.unwrap();
        assert!(
            socket.next().await.is_none(),
            "the stream ends after the refusal"
        );
        first.err()
    };
    let (close, error) = zip(server, client).await;
    (error, close)
}

#[test]
fn a_20_mib_message_in_1_mib_frames_is_refused_with_close_1009() {
    smol::block_on(async {
        let (error, (opcode, payload)) = oversize_test(Config::new(), 20 << 20, 1 << 20).await;
        let error = error.expect("an error, not a 20 MiB message");
        assert!(matches!(error, WsError::Capacity(_)), "{error}");
        assert_eq!(opcode, 0x8, "a close frame");
        assert_eq!(u16::from_be_bytes([payload[0], payload[1]]), 1009);
    });
}

#[test]
fn a_frame_over_the_configured_limit_is_refused() {
    smol::block_on(async {
        let config = Config::new()
            .max_frame_len(64 * 1024)
            .max_message_len(1 << 20);
        let (error, (opcode, payload)) = oversize_test(config, 128 * 1024, 128 * 1024).await;
        assert!(matches!(error, Some(WsError::Capacity(_))), "{error:?}");
        assert_eq!((opcode, &payload[..2]), (0x8, &1009u16.to_be_bytes()[..]));
    });
}

#[test]
fn a_message_within_the_limits_in_many_frames_is_delivered_whole() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let server = async {
            let mut tcp = soketto_server(&listener).await.into_inner();
            for n in 0..4 {
                let first_byte = if n == 0 { 0x2 } else { 0x0 } | if n == 3 { 0x80 } else { 0 };
                tcp.write_all(&frame_header(first_byte, 1 << 20))
                    .await
                    .unwrap();
                tcp.write_all(&vec![b'y'; 1 << 20]).await.unwrap();
            }
            tcp
        };
        let client = async {
            let mut socket = ws::connect(&url).await.unwrap();
            socket.next().await.unwrap().unwrap()
        };
        let (_tcp, message) = zip(server, client).await;
        assert_eq!(message, Message::binary(vec![b'y'; 4 << 20]));
    });
}

#[test]
fn a_peer_that_never_answers_our_close_is_given_up_after_the_close_timeout() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let server = async {
            // Completes the handshake, then reads nothing and answers nothing.
            let tcp = soketto_server(&listener).await.into_inner();
            smol::Timer::after(Duration::from_secs(1)).await;
            drop(tcp);
        };
        let client = async {
            let config = Config::new().close_timeout(Duration::from_millis(200));
            let mut socket = ws::connect_with(&url, &config).await.unwrap();
            let start = Instant::now();
            socket.close().await.unwrap();
            let error = socket.next().await.unwrap().unwrap_err();
            let waited = start.elapsed();
            assert!(socket.next().await.is_none());
            (error, waited)
        };
        let (error, waited) = futures_lite::future::or(
            async {
                let ((), result) = zip(server, client).await;
                result
            },
            async { panic!("{:?}", smol::Timer::after(Duration::from_secs(10)).await) },
        )
        .await;
        let WsError::Io(error) = error else {
            panic!("{error}")
        };
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
        assert!(waited >= Duration::from_millis(200), "{waited:?}");
        assert!(waited < Duration::from_secs(2), "{waited:?}");
    });
}

#[test]
fn a_peer_that_closes_then_holds_the_connection_open_does_not_hold_our_stream() {
    smol::block_on(async {
        let (listener, _) = listener().await;
        let address = listener.local_addr().unwrap();
        let server = async {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut socket = ws::accept(tcp).await.unwrap();
            let start = Instant::now();
            let rest: Vec<_> = (&mut socket).collect().await;
            (rest.len(), start.elapsed())
        };
        let client = async {
            let tcp = TcpStream::connect(address).await.unwrap();
            let host = address.to_string();
            let mut client = Client::new(tcp, &host, "/");
            assert!(matches!(
                client.handshake().await.unwrap(),
                ServerResponse::Accepted { .. }
            ));
            // A masked close frame with code 1000, written by hand; then the
            // connection is held open and never read.
            let mut tcp = client.into_inner();
            let mask = [1u8, 2, 3, 4];
            let payload = 1000u16.to_be_bytes();
            let mut frame = vec![0x88, 0x80 | 2];
            frame.extend_from_slice(&mask);
            frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
            tcp.write_all(&frame).await.unwrap();
            tcp
        };
        let watchdog = async {
            smol::Timer::after(Duration::from_secs(10)).await;
            panic!("our stream waited for the peer to drop the connection");
        };
        let ((count, waited), _held) =
            futures_lite::future::or(zip(server, client), watchdog).await;
        assert_eq!(count, 0);
        assert!(waited < Duration::from_secs(2), "{waited:?}");
    });
}

#[test]
fn a_peer_that_answers_our_close_then_holds_the_connection_open_does_not_hold_our_stream() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let server = async {
            let mut tcp = soketto_server(&listener).await.into_inner();
            let (opcode, _) = read_client_frame(&mut tcp).await;
            assert_eq!(opcode, 0x8, "our close");
            // The answer, code 1000; then the connection is held open.
            tcp.write_all(&[0x88, 0x02, 0x03, 0xE8]).await.unwrap();
            tcp
        };
        let client = async {
            // A close timeout far longer than the test: only the answer may end it.
            let config = Config::new().close_timeout(Duration::from_secs(60));
            let mut socket = ws::connect_with(&url, &config).await.unwrap();
            let start = Instant::now();
            socket.close().await.unwrap();
            let rest: Vec<_> = (&mut socket).collect().await;
            (rest.len(), start.elapsed())
        };
        let watchdog = async {
            smol::Timer::after(Duration::from_secs(10)).await;
            panic!("our stream waited for the peer to drop the connection");
        };
        let (_held, (count, waited)) =
            futures_lite::future::or(zip(server, client), watchdog).await;
        assert_eq!(count, 0);
        assert!(waited < Duration::from_secs(2), "{waited:?}");
    });
}
