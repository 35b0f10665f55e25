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

use std::io::Write as _;
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
    // Ctrl-C is handled from the moment the address is printed.
    let mut signals =
        async_signal::Signals::new([async_signal::Signal::Int, async_signal::Signal::Term])?;
    eprintln!("listening on {}", listener.local_addr()?);
    // Output is gathered in `out` and handed to a bounded pipe to a writer thread
    // in blocks of up to 64 KiB: one system call for many lines. When stdout is
    // slow, `write_all` waits, this loop stops reading sockets, and TCP pushes
    // back. `out` is also written out whenever the loop is about to wait, so
    // what has arrived is printed without delay.
    let mut stdout = smol::Unblock::with_capacity(64 * 1024, std::io::stdout());
    let mut out = Vec::with_capacity(OUT_BLOCK);
    let mut messages = Merge::new();
    let (mut accepted, mut closed) = (0, 0);
    // The futures that outlive a loop turn are made once: a fresh one would try
    // its system call again at every message (a failed `accept`, a failed read
    // of the signal pipe). The signals are watched by a task of their own, polled
    // only when a signal comes; here, waiting on it costs nothing.
    let mut interrupted = smol::spawn(async move { signals.next().await });
    let mut accept = Box::pin(listener.accept());
    loop {
        if args.connections == Some(closed) {
            break;
        }
        let accepting = args.connections.is_none_or(|wanted| accepted < wanted);
        let next = {
            let merged = async { Next::Merged(messages.next().await) };
            let interrupted = async {
                let _ = (&mut interrupted).await;
                Next::Interrupted
            };
            let accepted = async { Next::Accepted(accept.as_mut().await) };
            let mut turn = std::pin::pin!(async {
                if accepting {
                    future::or(interrupted, future::or(accepted, merged)).await
                } else {
                    future::or(interrupted, merged).await
                }
            });
            if let Some(next) = future::poll_once(turn.as_mut()).await {
                next
            } else {
                // Nothing ready: print what has been gathered, then wait.
                write_out(&mut stdout, &mut out).await?;
                turn.await
            }
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
                        print(&mut out, peer, message);
                        if out.len() >= OUT_BLOCK {
                            write_out(&mut stdout, &mut out).await?;
                        }
                    }
                }
                write_out(&mut stdout, &mut out).await?;
                stdout.flush().await?;
                eprintln!("socket_messages: interrupted");
                std::process::exit(130);
            }
            Next::Accepted(result) => {
                accept = Box::pin(listener.accept()); // the next one
                match result {
                    Ok((stream, peer)) => {
                        accepted += 1;
                        let mut lines = aiter::chunks::lines(stream).max_len(args.max_line);
                        if let Some(timeout) = args.idle_timeout {
                            lines = lines.idle_timeout(timeout);
                        }
                        messages.push(peer, lines);
                    }
                    Err(error) => eprintln!("error: accept: {error}"),
                }
            }
            Next::Merged(Some((peer, PeerEvent::Message(message)))) => {
                print(&mut out, peer, message);
                if out.len() >= OUT_BLOCK {
                    write_out(&mut stdout, &mut out).await?;
                }
            }
            Next::Merged(Some((_, PeerEvent::Closed))) => closed += 1,
            Next::Merged(None) => break,
        }
    }
    write_out(&mut stdout, &mut out).await?;
    stdout.flush().await
}

/// Lines are gathered up to this many bytes before they go to stdout.
const OUT_BLOCK: usize = 64 * 1024;

/// Hands what `out` gathered to stdout's pipe, waiting while it is full.
async fn write_out(
    stdout: &mut smol::Unblock<std::io::Stdout>,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    if !out.is_empty() {
        stdout.write_all(out).await?;
        out.clear();
    }
    Ok(())
}

/// One message into `out` as `PEER\tMESSAGE`, or its error on stderr.
fn print(out: &mut Vec<u8>, peer: SocketAddr, message: Result<String, aiter::chunks::FrameError>) {
    match message {
        Ok(line) => {
            // Writing to a Vec cannot fail.
            let _ = writeln!(out, "{peer}\t{line}");
        }
        // The connection is closed after a timeout: its stream has ended.
        Err(error) if matches!(error.kind(), FrameErrorKind::IdleTimeout(_)) => {
            eprintln!("error: {peer}: idle timeout");
        }
        Err(error) => eprintln!("error: {peer}: {error}"),
    }
}
