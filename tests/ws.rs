//! `aiter::net::ws`: client and server on loopback.
#![cfg(feature = "ws")]

use aiter::net::ws::{self, Message};
use async_net::TcpListener;
use futures_lite::StreamExt;
use futures_lite::future::zip;

async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/socket", listener.local_addr().unwrap());
    (listener, url)
}

fn texts(messages: Vec<Message>) -> Vec<String> {
    messages
        .into_iter()
        .map(|m| m.into_text().unwrap().to_string())
        .collect()
}

#[test]
fn messages_sent_before_a_close_are_delivered_and_the_handshake_completes() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let server = async {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut socket = ws::accept(tcp).await.unwrap();
            let mut got = Vec::new();
            while let Some(message) = socket.next().await {
                got.push(message.unwrap());
            }
            got
        };
        let client = async {
            let mut socket = ws::connect(&url).await.unwrap();
            for n in 0..3 {
                socket.send(format!("message {n}")).await.unwrap();
            }
            socket.close().await.unwrap();
            // Reading on completes the handshake: the server's answer ends the stream.
            let rest: Vec<_> = socket.collect().await;
            assert!(rest.is_empty(), "{rest:?}");
        };
        let (got, ()) = zip(server, client).await;
        assert_eq!(texts(got), ["message 0", "message 1", "message 2"]);
    });
}

#[test]
fn a_server_closing_early_still_delivers_what_it_queued() {
    futures_lite::future::block_on(async {
        let (listener, url) = listener().await;
        let server = async {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut socket = ws::accept(tcp).await.unwrap();
            socket.send("one").await.unwrap();
            socket.send(vec![2u8, 2]).await.unwrap();
            socket.close().await.unwrap();
            let after: Vec<_> = socket.collect().await;
            after.len()
        };
        let client = async {
            let socket = ws::connect(&url).await.unwrap();
            socket.map(Result::unwrap).collect::<Vec<_>>().await
        };
        let (after, got) = zip(server, client).await;
        assert_eq!(got, [Message::text("one"), Message::binary(vec![2u8, 2])]);
        assert_eq!(after, 0);
    });
}

#[test]
fn connect_refuses_urls_it_cannot_serve() {
    smol::block_on(async {
        assert!(ws::connect("wss://127.0.0.1:1/").await.is_err());
        assert!(ws::connect("not a url").await.is_err());
    });
}

#[test]
fn a_client_that_never_sends_its_handshake_is_dropped_after_the_handshake_timeout() {
    smol::block_on(async {
        let (listener, _) = listener().await;
        let address = listener.local_addr().unwrap();
        let _silent = async_net::TcpStream::connect(address).await.unwrap();
        let (tcp, _) = listener.accept().await.unwrap();
        let config = ws::Config::new().handshake_timeout(std::time::Duration::from_millis(150));
        let start = std::time::Instant::now();
        let Err(ws::WsError::Io(error)) = ws::accept_with(tcp, &config).await else {
            panic!("a silent client must not complete a handshake")
        };
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    });
}

#[test]
fn a_server_that_never_answers_the_handshake_fails_connect_after_the_timeout() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        let config = ws::Config::new().handshake_timeout(std::time::Duration::from_millis(150));
        let accepting = async {
            let held = listener.accept().await.unwrap();
            smol::Timer::after(std::time::Duration::from_secs(1)).await;
            held
        };
        let connecting = ws::connect_with(&url, &config);
        let (_held, result) = zip(accepting, connecting).await;
        let Err(ws::WsError::Io(error)) = result else {
            panic!("connect must time out")
        };
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    });
}

#[test]
fn split_halves_send_and_receive_from_two_tasks() {
    smol::block_on(async {
        let (listener, url) = listener().await;
        // An echo server, on smol's executor threads.
        let server = smol::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut socket = ws::accept(tcp).await.unwrap();
            while let Some(Ok(message)) = socket.next().await {
                socket.send(message).await.unwrap();
            }
        });
        let (mut sender, mut receiver) = ws::connect(&url).await.unwrap().split();
        let sending = smol::spawn(async move {
            for n in 0..500 {
                sender.send(format!("echo {n}")).await.unwrap();
            }
            sender
        });
        let receiving = smol::spawn(async move {
            let mut got = Vec::new();
            while got.len() < 500 {
                let message = receiver.next().await.unwrap().unwrap();
                got.push(message.into_text().unwrap().to_string());
            }
            (receiver, got)
        });
        let mut sender = sending.await;
        let (mut receiver, got) = receiving.await;
        assert_eq!(
            got,
            (0..500).map(|n| format!("echo {n}")).collect::<Vec<_>>()
        );
        sender.close().await.unwrap();
        assert!(receiver.next().await.is_none());
        server.await;
    });
}

#[test]
fn a_message_larger_than_the_write_buffer_is_refused_not_queued() {
    smol::block_on(async {
        let (left, right) = async_net::unix::UnixStream::pair().unwrap();
        let config = ws::Config::new().max_write_buffer_len(256 * 1024);
        let (client, server) = zip(
            ws::client_with("ws://localhost/", left, &config),
            ws::accept(right),
        )
        .await;
        let (mut client, _server) = (client.unwrap(), server.unwrap());
        let error = client.send(vec![0u8; 1 << 20]).await.unwrap_err();
        assert!(matches!(error, ws::WsError::WriteBufferFull(_)), "{error}");
        client.send("small still goes").await.unwrap();
    });
}
