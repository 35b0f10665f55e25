//! `wss://` through async-native-tls, and `net::split` over a TLS stream (a
//! connection that cannot be cloned), on loopback with a self-signed
//! certificate for `localhost` (tests/data, valid for 100 years).
#![cfg(feature = "wss")]

use aiter::net::ws::{self, Config, WsError};
use async_native_tls::{Certificate, TlsAcceptor, TlsConnector};
use async_net::TcpListener;
use futures_lite::StreamExt;
use futures_lite::future::zip;

const CERT: &[u8] = include_bytes!("data/localhost.crt");
const KEY: &[u8] = include_bytes!("data/localhost.key");

fn acceptor() -> TlsAcceptor {
    let identity = native_tls::Identity::from_pkcs8(CERT, KEY).unwrap();
    native_tls::TlsAcceptor::new(identity).unwrap().into()
}

fn trusting_connector() -> TlsConnector {
    TlsConnector::new().add_root_certificate(Certificate::from_pem(CERT).unwrap())
}

#[test]
fn wss_connects_through_tls_and_exchanges_messages() {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "wss://localhost:{}/feed",
            listener.local_addr().unwrap().port()
        );
        let server = async {
            let (tcp, _) = listener.accept().await.unwrap();
            let tls = acceptor().accept(tcp).await.unwrap();
            let mut socket = ws::accept(tls).await.unwrap();
            let message = socket.next().await.unwrap().unwrap();
            socket.send(message).await.unwrap();
            socket.close().await.unwrap();
            while socket.next().await.is_some() {}
        };
        let client = async {
            let config = Config::new().tls(trusting_connector());
            let mut socket = ws::connect_with(&url, &config).await.unwrap();
            socket.send("over TLS").await.unwrap();
            let echo = socket.next().await.unwrap().unwrap();
            assert!(socket.next().await.is_none());
            echo.into_text().unwrap().to_string()
        };
        let ((), echo) = zip(server, client).await;
        assert_eq!(echo, "over TLS");
    });
}

#[test]
fn wss_refuses_a_certificate_it_does_not_trust() {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "wss://localhost:{}/feed",
            listener.local_addr().unwrap().port()
        );
        let server = async {
            let (tcp, _) = listener.accept().await.unwrap();
            acceptor().accept(tcp).await.err()
        };
        let (_, result) = zip(server, ws::connect(&url)).await;
        let Err(WsError::Io(error)) = result else {
            panic!("a self-signed certificate must not be trusted by default")
        };
        assert!(error.to_string().contains("certificate"), "{error}");
    });
}

#[test]
fn framed_lines_work_over_a_tls_stream_that_cannot_be_cloned() {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = async {
            let (tcp, _) = listener.accept().await.unwrap();
            let tls = acceptor().accept(tcp).await.unwrap();
            let (mut lines, mut writer) = aiter::net::split_lines(tls);
            let mut got = Vec::new();
            while let Some(line) = lines.next().await {
                let line = line.unwrap();
                writer.send(format!("ack {line}")).await.unwrap();
                got.push(line);
            }
            got
        };
        let client = async {
            let tcp = async_net::TcpStream::connect(address).await.unwrap();
            let tls = trusting_connector()
                .connect("localhost", tcp)
                .await
                .unwrap();
            let (mut acks, mut writer) = aiter::net::split_lines(tls);
            let mut got = Vec::new();
            for n in 0..50 {
                writer.send(format!("line {n}")).await.unwrap();
                got.push(acks.next().await.unwrap().unwrap());
            }
            writer.close().await.unwrap();
            got
        };
        let (lines, acks) = zip(server, client).await;
        assert_eq!(
            lines,
            (0..50).map(|n| format!("line {n}")).collect::<Vec<_>>()
        );
        assert_eq!(
            acks,
            (0..50).map(|n| format!("ack line {n}")).collect::<Vec<_>>()
        );
    });
}
