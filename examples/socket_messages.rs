//! The lesson's `socketMessages(socket)` on real TCP connections: every
//! connection's newline-delimited messages, merged into one loop.
//!
//! Run with: `cargo run --release --example socket_messages -- --listen ADDR [--max-line BYTES] [--connections N] [--idle-timeout SECS]`
//!
//! Prints `listening on ADDR` on stderr once bound (port 0 picks one). Prints
//! `PEER\tMESSAGE` on stdout for each message, in each connection's order, each
//! exactly once. A line longer than `--max-line` (default 64 KiB) prints
//! `error: PEER: ...` on stderr and the connection goes on. With `--connections N`
//! it exits 0 once N connections have been accepted, have closed, and have been
//! printed. With `--idle-timeout SECS`, a connection that sends nothing for that
//! long prints `error: PEER: idle timeout` on stderr and is closed. When stdout is
//! slow, sockets are read slower (TCP backpressure): memory stays bounded and
//! nothing is dropped.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use aiter::chunks::FrameErrorKind;

use aiter::net::{Merge, PeerEvent};
use futures_lite::{AsyncWriteExt, StreamExt, future};

struct Args {
    listen: String,
    max_line: usize,
    connections: Option<usize>,
    idle_timeout: Option<Duration>,
}

fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut listen = None;
    let mut max_line = 64 * 1024;
    let mut connections = None;
    let mut idle_timeout = None;
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("listen") => listen = Some(parser.value()?.string()?),
            Long("max-line") => max_line = parser.value()?.parse()?,
            Long("connections") => connections = Some(parser.value()?.parse()?),
            Long("idle-timeout") => {
                let secs: f64 = parser.value()?.parse()?;
                let timeout = Duration::try_from_secs_f64(secs)
                    .map_err(|_| format!("--idle-timeout: {secs} is not a number of seconds"))?;
                idle_timeout = Some(timeout);
            }
            _ => return Err(arg.unexpected()),
        }
    }
    let listen = listen.ok_or("missing --listen ADDR")?;
    Ok(Args {
        listen,
        max_line,
        connections,
        idle_timeout,
    })
}

/// What the loop waits for: a new connection, or the next message of any.
enum Next {
    Accepted(std::io::Result<(async_net::TcpStream, SocketAddr)>),
    Merged(
        Option<(
            SocketAddr,
            PeerEvent<Result<String, aiter::chunks::FrameError>>,
        )>,
    ),
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!(
                "socket_messages: {error}\nusage: socket_messages --listen ADDR [--max-line BYTES] [--connections N] [--idle-timeout SECS]"
            );
            return ExitCode::from(2);
        }
    };
    smol::block_on(async {
        match serve(&args).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("socket_messages: {error}");
                ExitCode::from(1)
            }
        }
    })
}

async fn serve(args: &Args) -> std::io::Result<()> {
    let listener = async_net::TcpListener::bind(args.listen.as_str()).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    // Output goes through a bounded pipe to a writer thread: when stdout is slow,
    // `write_all` waits, this loop stops reading sockets, and TCP pushes back.
    let mut stdout = smol::Unblock::with_capacity(64 * 1024, std::io::stdout());
    let mut messages = Merge::new();
    let (mut accepted, mut closed) = (0, 0);
    loop {
        if args.connections == Some(closed) {
            break;
        }
        let accepting = args.connections.is_none_or(|wanted| accepted < wanted);
        let merged = async { Next::Merged(messages.next().await) };
        let next = if accepting {
            future::or(async { Next::Accepted(listener.accept().await) }, merged).await
        } else {
            merged.await
        };
        match next {
            Next::Accepted(Ok((stream, peer))) => {
                accepted += 1;
                let mut lines = aiter::chunks::lines(stream).max_len(args.max_line);
                if let Some(timeout) = args.idle_timeout {
                    lines = lines.idle_timeout(timeout);
                }
                messages.push(peer, lines);
            }
            Next::Accepted(Err(error)) => eprintln!("error: accept: {error}"),
            Next::Merged(Some((peer, PeerEvent::Message(Ok(line))))) => {
                stdout
                    .write_all(format!("{peer}\t{line}\n").as_bytes())
                    .await?;
            }
            Next::Merged(Some((peer, PeerEvent::Message(Err(error))))) => {
                // The connection is closed after a timeout: its stream has ended.
                if matches!(error.kind(), FrameErrorKind::IdleTimeout(_)) {
                    eprintln!("error: {peer}: idle timeout");
                } else {
                    eprintln!("error: {peer}: {error}");
                }
            }
            Next::Merged(Some((_, PeerEvent::Closed))) => closed += 1,
            Next::Merged(None) => break,
        }
    }
    stdout.flush().await
}
