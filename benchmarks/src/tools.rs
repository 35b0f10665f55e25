//! The `socket_messages` tool against the same tool written on tokio-util, as
//! processes: CPU per message, user and system time together.
//!
//! Run with: `cargo run --release -p aiter-benchmarks --bin tools`
//! (`-- --messages N` to change the total, 2,000,000 by default).
//!
//! Each tool listens, takes `N` connections from a client process, prints every
//! line as `PEER\tLINE` on stdout (to `/dev/null`, then to a file), and exits
//! once every connection has closed. The tokio-util tool is the equivalent a user
//! writes in 40 lines: `FramedRead` + `LinesCodec` in a `SelectAll`, stdout
//! through a `BufWriter`. The figure is the tool process's CPU time (from
//! `/proc/self/stat`'s children times, in 10 ms ticks) per message; best of 3.
//! The aiter tool is built first with `cargo build --release --features net
//! --example socket_messages`.

mod line_clients;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use line_clients::{LINES_PER_WRITE, client, raise_file_limit, start_client, wait_connected};

const COUNTS: [usize; 2] = [50, 10_000];

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
        Some("--tokio-tool") => return tokio_tool(args[2].parse().unwrap()),
        _ => {}
    }
    let messages: usize = match args.iter().position(|a| a == "--messages") {
        Some(i) => args[i + 1].parse().unwrap(),
        None => 2_000_000,
    };
    let aiter_tool = build_aiter_tool();
    let tokio_tool = std::env::current_exe().unwrap();
    for (output, name) in [(None, "/dev/null"), (Some(temp_file()), "a file")] {
        println!(
            "# {messages} messages, 10 per write, stdout to {name}: CPU ns/message, best of 3"
        );
        println!(
            "| connections | aiter socket_messages | tokio-util SelectAll tool | aiter / tokio |"
        );
        println!("|---:|---:|---:|---:|");
        for count in COUNTS {
            let aiter = best_of(3, || {
                run_tool(
                    Command::new(&aiter_tool).args([
                        "--listen",
                        "127.0.0.1:0",
                        "--connections",
                        &count.to_string(),
                    ]),
                    output.as_ref(),
                    count,
                    messages,
                )
            });
            let tokio = best_of(3, || {
                run_tool(
                    Command::new(&tokio_tool).args(["--tokio-tool", &count.to_string()]),
                    output.as_ref(),
                    count,
                    messages,
                )
            });
            println!(
                "| {count} | {:.0} | {:.0} | {:.2}x |",
                per_message(aiter, messages),
                per_message(tokio, messages),
                aiter.as_secs_f64() / tokio.as_secs_f64()
            );
        }
        println!();
    }
}

fn build_aiter_tool() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--features",
            "net",
            "--example",
            "socket_messages",
        ])
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(status.success(), "building socket_messages failed");
    root.join("target/release/examples/socket_messages")
}

fn temp_file() -> PathBuf {
    std::env::temp_dir().join(format!("aiter-tools-bench-{}.out", std::process::id()))
}

fn per_message(cpu: Duration, messages: usize) -> f64 {
    cpu.as_secs_f64() * 1e9 / messages as f64
}

fn best_of(runs: usize, mut run: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| run()).min().unwrap()
}

/// CPU time of this process's waited-for children, from `/proc/self/stat`.
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command's closing parenthesis; cutime and cstime are the
    // 16th and 17th fields of the whole line.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[13].parse::<u64>().unwrap() + fields[14].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

/// Runs one tool to the end with `count` connections of the client; its CPU time.
fn run_tool(
    tool: &mut Command,
    output: Option<&PathBuf>,
    count: usize,
    messages: usize,
) -> Duration {
    let stdout = match output {
        Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
        None => Stdio::from(std::fs::File::create("/dev/null").unwrap()),
    };
    let mut tool = tool.stdout(stdout).stderr(Stdio::piped()).spawn().unwrap();
    let mut stderr = BufReader::new(tool.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .parse()
        .unwrap();
    let mut client = start_client(address, count, messages, false);
    wait_connected(&mut client);
    writeln!(client.stdin.as_mut().unwrap(), "go").unwrap();
    // The client is reaped first, so its time is not the tool's: the tool exits
    // only once every connection has closed, after the client.
    assert!(client.wait().unwrap().success());
    let before = children_cpu();
    assert!(tool.wait().unwrap().success());
    let cpu = children_cpu() - before;
    let expected = messages / count / LINES_PER_WRITE * count * LINES_PER_WRITE;
    if let Some(path) = output {
        let printed = BufReader::new(std::fs::File::open(path).unwrap())
            .lines()
            .count();
        assert_eq!(printed, expected, "every message printed once");
    }
    cpu
}

/// The tokio-util equivalent of `socket_messages --connections N`.
fn tokio_tool(connections: usize) {
    use futures::StreamExt;
    use futures::stream::SelectAll;
    use tokio_util::codec::{FramedRead, LinesCodec};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        eprintln!("listening on {}", listener.local_addr().unwrap());
        let mut merged = SelectAll::new();
        for _ in 0..connections {
            let (stream, peer) = listener.accept().await.unwrap();
            merged.push(FramedRead::new(stream, LinesCodec::new()).map(move |line| (peer, line)));
        }
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
        while let Some((peer, line)) = merged.next().await {
            match line {
                Ok(line) => writeln!(out, "{peer}\t{line}").unwrap(),
                Err(error) => eprintln!("error: {peer}: {error}"),
            }
        }
        out.flush().unwrap();
    });
}
