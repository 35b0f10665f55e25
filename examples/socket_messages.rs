//! JavaScript's `for await (const m of socketMessages(socket))` on real TCP connections: every
//! connection's newline-delimited messages, merged into one loop.
//!
//! Run with: `cargo run --release --features net --example socket_messages -- --listen ADDR [--max-line BYTES] [--connections N] [--idle-timeout SECS]`
//!
//! Prints `listening on ADDR` on stderr once bound (port 0 picks one). Prints
//! `PEER\tMESSAGE` on stdout for each message, in each connection's order, each
//! exactly once. A line longer than `--max-line` (default 64 KiB) prints
//! `error: PEER: ...` on stderr and the connection goes on. With `--connections N`
//! it exits 0 once N connections have been accepted, have closed, and have been
//! printed. With `--idle-timeout SECS`, a connection that sends nothing for that
//! long prints `error: PEER: idle timeout` on stderr and is closed. When stdout is
//! slow, sockets are read slower (TCP backpressure): memory stays bounded and
//! nothing is dropped. Ctrl-C or SIGTERM stops accepting, prints the messages
//! already received from every open connection, and exits 130.

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
            Short('h') | Long("help") => {
                println!("{HELP}");
                std::process::exit(0);
            }
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

const HELP: &str =
    "socket_messages: prints the lines of every TCP connection, merged, each tagged with its peer

usage: socket_messages --listen ADDR [--max-line BYTES] [--connections N] [--idle-timeout SECS]

  --listen ADDR        the address to listen on (port 0 picks one; printed on stderr)
  --max-line BYTES     longest line accepted; longer ones are reported, skipped (64 KiB)
  --connections N      exit 0 once N connections have come and gone
  --idle-timeout SECS  close a connection that sends nothing for SECS
  -h, --help           this help

output: PEER<TAB>MESSAGE on stdout; errors as `error: PEER: ...` on stderr
exit: 0 done, 1 I/O error, 2 usage error, 130 interrupted";

/// What the loop waits for: a new connection, the next message of any, or a
/// signal to stop.
enum Next {
    Interrupted,
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
    let mut signals =
        async_signal::Signals::new([async_signal::Signal::Int, async_signal::Signal::Term])?;
    loop {
        if args.connections == Some(closed) {
            break;
        }
        let accepting = args.connections.is_none_or(|wanted| accepted < wanted);
        let merged = async { Next::Merged(messages.next().await) };
        let interrupted = async {
            let _ = signals.next().await;
            Next::Interrupted
        };
        let next = if accepting {
            let accept = async { Next::Accepted(listener.accept().await) };
            future::or(interrupted, future::or(accept, merged)).await
        } else {
            future::or(interrupted, merged).await
        };
        match next {
            Next::Interrupted => {
                // Stop accepting; what every open connection has already sent
                // (decoded or waiting in the socket) still reaches stdout.
                messages.close();
                loop {
                    // Until the connections have been quiet for 50 ms: what the
                    // socket holds is read and printed, nothing more is waited for.
                    let quiet = async {
                        async_io::Timer::after(std::time::Duration::from_millis(50)).await;
                        None
                    };
                    let Some((peer, event)) = future::or(messages.next(), quiet).await else {
                        break;
                    };
                    if let PeerEvent::Message(message) = event {
                        print(&mut stdout, peer, message).await?;
                    }
                }
                stdout.flush().await?;
                eprintln!("socket_messages: interrupted");
                std::process::exit(130);
            }
            Next::Accepted(Ok((stream, peer))) => {
                accepted += 1;
                let mut lines = aiter::chunks::lines(stream).max_len(args.max_line);
                if let Some(timeout) = args.idle_timeout {
                    lines = lines.idle_timeout(timeout);
                }
                messages.push(peer, lines);
            }
            Next::Accepted(Err(error)) => eprintln!("error: accept: {error}"),
            Next::Merged(Some((peer, PeerEvent::Message(message)))) => {
                print(&mut stdout, peer, message).await?;
            }
            Next::Merged(Some((_, PeerEvent::Closed))) => closed += 1,
            Next::Merged(None) => break,
        }
    }
    stdout.flush().await
}

/// One message on stdout as `PEER\tMESSAGE`, or its error on stderr.
async fn print(
    stdout: &mut smol::Unblock<std::io::Stdout>,
    peer: SocketAddr,
    message: Result<String, aiter::chunks::FrameError>,
) -> std::io::Result<()> {
    match message {
        Ok(line) => {
            stdout
                .write_all(format!("{peer}\t{line}\n").as_bytes())
                .await
        }
        // The connection is closed after a timeout: its stream has ended.
        Err(error) if matches!(error.kind(), FrameErrorKind::IdleTimeout(_)) => {
            eprintln!("error: {peer}: idle timeout");
            Ok(())
        }
        Err(error) => {
            eprintln!("error: {peer}: {error}");
            Ok(())
        }
    }
}
