//! `examples/download.rs`, run against a real HTTP server on loopback: its contract.
#![cfg(feature = "http")]

#[path = "support/examples.rs"]
mod examples;
#[path = "support/http_server.rs"]
mod http_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use http_server::{BreaksAfter, TestServer, pattern};

/// A fresh empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aiter-download-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn download(url: &str, out: &Path) -> Output {
    Command::new(examples::example("download"))
        .args([url])
        .arg(out)
        .output()
        .expect("download runs")
}

fn server() -> TestServer {
    TestServer::start(|conn: trillium::Conn| async move {
        match conn.path() {
            "/file" => conn.ok(pattern(500_000)),
            "/chunked" => conn.ok(trillium::Body::new_streaming(
                futures_lite::io::Cursor::new(pattern(200_000)),
                None,
            )),
            "/short" => conn.ok(trillium::Body::new_streaming(
                BreaksAfter::new(5_000),
                Some(20_000),
            )),
            _ => conn.with_status(404).with_body("not here").halt(),
        }
    })
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into())
        .collect();
    names.sort();
    names
}

#[test]
fn a_body_is_saved_to_out_with_progress_in_percent() {
    let server = server();
    let dir = scratch("ok");
    let out = dir.join("file.bin");
    let output = download(&server.url("/file"), &out);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), pattern(500_000));
    assert!(String::from_utf8_lossy(&output.stderr).contains("500000 bytes (100%)"));
    assert_eq!(files_in(&dir), ["file.bin"], "no temporary file left");
}

#[test]
fn a_chunked_body_of_unknown_size_is_saved_too() {
    let server = server();
    let dir = scratch("chunked");
    let out = dir.join("stream.bin");
    let output = download(&server.url("/chunked"), &out);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), pattern(200_000));
    assert!(String::from_utf8_lossy(&output.stderr).contains("200000 bytes,"));
}

#[test]
fn an_http_error_status_exits_1_with_one_line_and_no_out() {
    let server = server();
    let dir = scratch("404");
    let output = download(&server.url("/missing"), &dir.join("missing.bin"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("HTTP 404"), "{stderr}");
    assert!(files_in(&dir).is_empty());
}

#[test]
fn a_truncated_body_exits_1_naming_received_and_expected_and_leaves_no_out() {
    let server = server();
    let dir = scratch("short");
    let output = download(&server.url("/short"), &dir.join("short.bin"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("body truncated: received 5000 of 20000 bytes"),
        "{stderr}"
    );
    assert!(
        files_in(&dir).is_empty(),
        "neither OUT nor the temporary file remains"
    );
}

#[test]
fn an_unwritable_destination_exits_1() {
    let server = server();
    let output = download(&server.url("/file"), Path::new("/no/such/dir/file.bin"));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/no/such/dir"));
}

#[test]
fn a_usage_error_exits_2() {
    let output = Command::new(examples::example("download"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
