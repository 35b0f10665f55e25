//! The examples as command-line tools: `--help`, no progress in a pipe, and
//! Ctrl-C (SIGINT) that loses nothing.
#![cfg(all(feature = "http", feature = "net"))]

#[path = "support/examples.rs"]
mod examples;
#[path = "support/http_server.rs"]
mod http_server;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use http_server::{Dribble, TestServer};

const EXAMPLES: [&str; 10] = [
    "broadcast",
    "tour",
    "executors",
    "ndjson_check",
    "download",
    "fetch_all",
    "socket_messages",
    "file_watcher",
    "crawl",
    "sse_tail",
];

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(examples::example(name))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the example runs")
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn every_example_answers_help_on_stdout_with_exit_0() {
    for name in EXAMPLES {
        for flag in ["--help", "-h"] {
            let output = run(name, &[flag]);
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert_eq!(output.status.code(), Some(0), "{name} {flag}");
            assert!(
                stdout.contains(&format!("usage: {name}")),
                "{name} {flag}: {stdout}"
            );
            assert!(stdout.contains("-h, --help"), "{name} {flag}: {stdout}");
            assert!(
                output.stderr.is_empty(),
                "{name} {flag}: help goes to stdout"
            );
        }
    }
}

#[test]
fn usage_errors_still_exit_2_with_the_usage_on_stderr() {
    for name in EXAMPLES {
        let output = run(name, &["--no-such-option"]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("usage:"),
            "{name}"
        );
        assert!(output.stdout.is_empty(), "{name}");
    }
}

/// `/page?page=N`: ten items a page for pages 1 to `pages`, each after `delay`.
fn paged_api(pages: u64, delay: Duration) -> TestServer {
    TestServer::start(move |conn: trillium::Conn| async move {
        let query: HashMap<String, String> =
            url::form_urlencoded::parse(conn.querystring().as_bytes())
                .into_owned()
                .collect();
        let page: u64 = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        async_io::Timer::after(delay).await;
        let items: Vec<u64> = if page <= pages {
            (page * 10..page * 10 + 10).collect()
        } else {
            vec![]
        };
        conn.ok(serde_json::json!({ "data": items }).to_string())
    })
}

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_progress_in_a_pipe_only_a_summary_and_quiet_silences_it() {
    let api = paged_api(30, Duration::from_millis(5));
    let url = api.url("/page");
    let output = run("fetch_all", &[&url, "--items-path", "/data"]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "no progress drawing: {stderr:?}"
    );
    assert_eq!(stderr_lines(&output).len(), 1, "{stderr}");
    assert!(stderr.starts_with("pages: 31, items: 300,"), "{stderr}");
    let quiet = run("fetch_all", &[&url, "--items-path", "/data", "--quiet"]);
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    assert_eq!(quiet.stdout, output.stdout);

    let body =
        TestServer::start(|conn: trillium::Conn| async move { conn.ok(vec![7u8; 3_000_000]) });
    let dir = std::env::temp_dir().join(format!("aiter-tools-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("file.bin");
    let output = run("download", &[&body.url("/file"), out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("3000000 bytes (100%)") && !lines[0].contains('\r'),
        "{lines:?}"
    );
    let quiet = run(
        "download",
        &[&body.url("/file"), out.to_str().unwrap(), "--quiet"],
    );
    assert!(quiet.stderr.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();

    let mut crawl = Command::new(examples::example("crawl"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    crawl
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{url}\n{url}\n").as_bytes())
        .unwrap();
    let output = crawl.wait_with_output().unwrap();
    assert_eq!(stderr_lines(&output), ["URLs: 2, fetched: 2, failed: 0"]);
}

/// Starts `fetch_all`, reads `wanted` lines of its stdout, interrupts it, and
/// returns every line it printed, its stderr and its exit code.
fn fetch_all_interrupted(
    url: &str,
    extra: &[&str],
    wanted: usize,
) -> (Vec<String>, String, Option<i32>) {
    let mut child = Command::new(examples::example("fetch_all"))
        .args([url, "--items-path", "/data"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    while lines.len() < wanted {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "fetch_all ended early"
        );
        lines.push(line);
    }
    interrupt(&child);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    let mut all: String = lines.concat();
    all.push_str(&rest);
    assert!(
        all.is_empty() || all.ends_with('\n'),
        "never half a line: {all:?}"
    );
    (
        all.lines().map(str::to_owned).collect(),
        stderr,
        status.code(),
    )
}

#[test]
fn an_interrupted_export_resumes_with_nothing_lost_and_nothing_twice() {
    // 60 pages of 10 items, 20 ms a page: about 1.2 s for the whole export.
    let api = paged_api(60, Duration::from_millis(20));
    let url = api.url("/page");
    let (first, stderr, code) = fetch_all_interrupted(&url, &["--prefetch", "3"], 55);
    assert_eq!(code, Some(130), "{stderr}");
    let resume = stderr
        .lines()
        .find_map(|line| line.strip_prefix("resume: "))
        .unwrap_or_else(|| panic!("no resume line: {stderr}"))
        .to_owned();
    assert!(first.len() < 600, "interrupted before the end");
    let second = run(
        "fetch_all",
        &[&url, "--items-path", "/data", "--resume", &resume],
    );
    assert_eq!(second.status.code(), Some(0));
    let mut all = first;
    all.extend(
        String::from_utf8(second.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned),
    );
    let expected: Vec<String> = (10..610).map(|n| n.to_string()).collect();
    assert_eq!(
        all, expected,
        "the two runs together: every item once, in order"
    );
}

#[test]
fn an_interrupted_download_leaves_no_file_and_exits_130() {
    // 50 MB dribbled out 64 KiB at a time: long enough to interrupt.
    let body = TestServer::start(|conn: trillium::Conn| async move {
        conn.ok(trillium::Body::new_streaming(
            Dribble::new(vec![1u8; 50_000_000], 64 * 1024, false),
            Some(50_000_000),
        ))
    });
    let dir = std::env::temp_dir().join(format!("aiter-interrupted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("big.bin");
    let child = Command::new(examples::example("download"))
        .args([&body.url("/big"), out.to_str().unwrap()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the temporary file is there and growing.
    let start = Instant::now();
    loop {
        let part = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .any(|entry| entry.metadata().is_ok_and(|m| m.len() > 0));
        if part {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    interrupt(&child);
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name())
        .collect();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_interrupted_socket_server_prints_what_it_received_and_exits_130() {
    let (mut child, address, _stderr) = examples::start_listening("socket_messages", &[]);
    let mut client = std::net::TcpStream::connect(&address).unwrap();
    for n in 0..100 {
        writeln!(client, "message {n}").unwrap();
    }
    client.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    interrupt(&child);
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let messages: Vec<&str> = stdout
        .lines()
        .map(|line| line.split('\t').nth(1).unwrap())
        .collect();
    let expected: Vec<String> = (0..100).map(|n| format!("message {n}")).collect();
    assert_eq!(messages, expected);
    drop(client);
}
