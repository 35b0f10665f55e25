//! Many TCP connections through one merged stream: aiter's `Merge` of
//! `net::split_lines` against tokio-util's `FramedRead` + `LinesCodec` merged with
//! `futures::stream::SelectAll` on tokio, in the same run.
//!
//! Run with: `cargo run --release -p aiter-benchmarks --bin sockets`
//! (`-- --messages N` to change the total, 1,000,000 by default).
//!
//! - CPU: the same total of line messages over 10, 100, 1,000 and 10,000
//!   connections. The clients are a child process writing 10 lines per write,
//!   round-robin over their connections; the figure is the server thread's CPU
//!   time (reactor included) per message.
//! - Memory: resident memory per idle connection at 10,000 idle connections, each
//!   way in a child process of its own, against the same connections held bare.
//!
//! The open-file limit is raised to the hard limit; the server and the clients
//! are separate processes, so each needs one descriptor per connection.

use std::io::Write;
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use cpu_time::ThreadTime;

const COUNTS: [usize; 4] = [10, 100, 1_000, 10_000];
mod line_clients;

use line_clients::{LINE, LINES_PER_WRITE, client, raise_file_limit, start_client, wait_connected};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    raise_file_limit();
    match args.get(1).map(String::as_str) {
        Some("--client") => {
            return client(
                &args[2],
                args[3].parse().unwrap(),
                args[4].parse().unwrap(),
                args[5] == "paced",
            );
        }
        Some("--idle") => return idle_case(&args[2], args[3].parse().unwrap()),
        _ => {}
    }
    let messages: usize = match args.iter().position(|a| a == "--messages") {
        Some(i) => args[i + 1].parse().unwrap(),
        None => 1_000_000,
    };
    // `--only aiter|tokio N`: one run, for profiling.
    if let Some(i) = args.iter().position(|a| a == "--only") {
        let count: usize = args[i + 2].parse().unwrap();
        let paced = args.iter().any(|a| a == "--paced");
        let cpu = if args[i + 1] == "aiter" {
            aiter_run(count, messages, paced)
        } else {
            tokio_run(count, messages, paced)
        };
        println!(
            "{} {count}: {:.0} ns/msg",
            args[i + 1],
            per_message(cpu, messages)
        );
        return;
    }
    let mut ratios = Vec::new();
    for paced in [false, true] {
        let name = if paced {
            "paced (1 us of budget per message)"
        } else {
            "bulk (as fast as the client can)"
        };
        println!(
            "# {messages} messages of {} bytes, {LINES_PER_WRITE} per write, {name}",
            LINE.len()
        );
        println!("| connections | aiter Merge ns/msg | tokio SelectAll ns/msg | aiter / tokio |");
        println!("|---:|---:|---:|---:|");
        let mut aiter_at = Vec::new();
        for count in COUNTS {
            let aiter = best_of(3, || aiter_run(count, messages, paced));
            let tokio = best_of(3, || tokio_run(count, messages, paced));
            println!(
                "| {count} | {:.0} | {:.0} | {:.2}x |",
                per_message(aiter, messages),
                per_message(tokio, messages),
                aiter.as_secs_f64() / tokio.as_secs_f64()
            );
            aiter_at.push(aiter);
        }
        let ratio = aiter_at[3].as_secs_f64() / aiter_at[0].as_secs_f64();
        println!("aiter CPU per message at 10,000 connections / at 10, {name}: {ratio:.2}x");
        println!();
        ratios.push(ratio);
    }
    println!();
    println!("# resident memory per idle connection, 10,000 connections");
    let bare_smol = idle("bare-smol");
    let aiter = idle("aiter");
    let bare_tokio = idle("bare-tokio");
    let tokio = idle("tokio");
    println!("| way | bytes per connection | above the bare sockets |");
    println!("|---|---:|---:|");
    println!("| async-net sockets, bare | {bare_smol:.0} | |");
    println!(
        "| aiter net::split_lines in Merge | {aiter:.0} | {:.0} |",
        aiter - bare_smol
    );
    println!("| tokio sockets, bare | {bare_tokio:.0} | |");
    println!(
        "| tokio FramedRead+LinesCodec in SelectAll | {tokio:.0} | {:.0} |",
        tokio - bare_tokio
    );
    println!(
        "aiter's own memory per idle connection: {:.0} bytes (target <= 4096)",
        aiter - bare_smol
    );
}

/// A listener with tokio's accept backlog (1,024) rather than std's 128, so
/// 10,000 quick connects do not overflow it and wait for SYN retries.
fn smol_listener() -> async_net::TcpListener {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    socket.listen(1024).unwrap();
    async_net::TcpListener::try_from(std::net::TcpListener::from(socket)).unwrap()
}

fn per_message(cpu: Duration, messages: usize) -> f64 {
    cpu.as_secs_f64() * 1e9 / messages as f64
}

fn best_of(runs: usize, mut run: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| run()).min().unwrap()
}

fn aiter_run(count: usize, messages: usize, paced: bool) -> Duration {
    use aiter::net::{Merge, PeerEvent};
    use futures_lite::StreamExt;

    smol::block_on(async {
        let listener = smol_listener();
        let mut child = start_client(listener.local_addr().unwrap(), count, messages, paced);
        let mut merged = Merge::new();
        for id in 0..count {
            let (stream, _) = listener.accept().await.unwrap();
            merged.push(id, aiter::net::split_lines(stream).0);
        }
        wait_connected(&mut child);
        let expected = messages / count / LINES_PER_WRITE * count * LINES_PER_WRITE;
        let start = ThreadTime::now();
        writeln!(child.stdin.as_mut().unwrap(), "go").unwrap();
        let mut received = 0;
        while received < expected {
            match merged.next().await {
                Some((_, PeerEvent::Message(Ok(line)))) => {
                    debug_assert_eq!(line.len() + 1, LINE.len());
                    received += 1;
                }
                Some((_, PeerEvent::Closed)) => {}
                Some((_, PeerEvent::Message(Err(error)))) => panic!("{error}"),
                None => break,
            }
        }
        let cpu = start.elapsed();
        child.wait().unwrap();
        cpu
    })
}

fn tokio_run(count: usize, messages: usize, paced: bool) -> Duration {
    use futures::StreamExt;
    use futures::stream::SelectAll;
    use tokio_util::codec::{FramedRead, LinesCodec};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut child = start_client(listener.local_addr().unwrap(), count, messages, paced);
        let mut merged = SelectAll::new();
        for _ in 0..count {
            let (stream, _) = listener.accept().await.unwrap();
            merged.push(FramedRead::new(stream, LinesCodec::new()));
        }
        wait_connected(&mut child);
        let expected = messages / count / LINES_PER_WRITE * count * LINES_PER_WRITE;
        let start = ThreadTime::now();
        writeln!(child.stdin.as_mut().unwrap(), "go").unwrap();
        let mut received = 0;
        while received < expected {
            match merged.next().await {
                Some(Ok(line)) => {
                    debug_assert_eq!(line.len() + 1, LINE.len());
                    received += 1;
                }
                Some(Err(error)) => panic!("{error}"),
                None => break,
            }
        }
        let cpu = start.elapsed();
        child.wait().unwrap();
        cpu
    })
}

/// Bytes of resident memory per idle connection for `way`, measured in a child
/// process of its own.
fn idle(way: &str) -> f64 {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--idle", way, "10000"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn rss_bytes() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024.0
}

/// Accepts `count` idle connections, holds them the way named, polls each once
/// so it waits for data as a server would, and prints the growth per connection.
fn idle_case(way: &str, count: usize) {
    let mut child;
    let before;
    let after;
    match way {
        "bare-smol" | "aiter" => {
            use futures_lite::StreamExt;
            let result = smol::block_on(async {
                let listener = smol_listener();
                let mut child = start_client(listener.local_addr().unwrap(), count, 0, false);
                // Warm up: the reactor, the executor and the thread's scratch buffer.
                let warm = async_net::TcpStream::connect(listener.local_addr().unwrap())
                    .await
                    .unwrap();
                let (warm_server, _) = listener.accept().await.unwrap();
                let mut warm_lines = aiter::net::split_lines(warm_server).0;
                let _ = futures_lite::future::poll_once(warm_lines.next()).await;
                let before = rss_bytes();
                let mut bare = Vec::new();
                let mut merged = aiter::net::Merge::new();
                for id in 0..count {
                    let (stream, _) = listener.accept().await.unwrap();
                    if way == "aiter" {
                        merged.push(id, aiter::net::split_lines(stream).0);
                    } else {
                        bare.push(stream);
                    }
                }
                wait_connected(&mut child);
                let polled = futures_lite::future::poll_once(merged.next()).await;
                assert!(polled.is_none(), "idle connections give nothing");
                let after = rss_bytes();
                drop((warm, warm_lines));
                (child, before, after, bare.len() + merged.len())
            });
            (child, before, after) = (result.0, result.1, result.2);
            assert_eq!(result.3, count);
        }
        _ => {
            use futures::StreamExt;
            use tokio_util::codec::{FramedRead, LinesCodec};
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
                .unwrap();
            let result = runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let address = listener.local_addr().unwrap();
                let mut child = start_client(address, count, 0, false);
                let warm = tokio::net::TcpStream::connect(address).await.unwrap();
                let (warm_server, _) = listener.accept().await.unwrap();
                let mut warm_lines = FramedRead::new(warm_server, LinesCodec::new());
                let _ = futures_lite::future::poll_once(warm_lines.next()).await;
                let before = rss_bytes();
                let mut bare = Vec::new();
                let mut merged = futures::stream::SelectAll::new();
                for _ in 0..count {
                    let (stream, _) = listener.accept().await.unwrap();
                    if way == "tokio" {
                        merged.push(FramedRead::new(stream, LinesCodec::new()));
                    } else {
                        bare.push(stream);
                    }
                }
                wait_connected(&mut child);
                let polled = futures_lite::future::poll_once(merged.next()).await;
                assert!(
                    polled.is_none() || way != "tokio",
                    "idle connections give nothing"
                );
                let after = rss_bytes();
                drop((warm, warm_lines));
                (child, before, after, bare.len() + merged.len())
            });
            (child, before, after) = (result.0, result.1, result.2);
            assert_eq!(result.3, count);
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    println!("{}", (after - before) / count as f64);
}
