//! `examples/ndjson_check.rs`, run as a user would: its exact contract.
#![cfg(feature = "json")]

#[path = "support/examples.rs"]
mod examples;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(examples::example("ndjson_check"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ndjson_check starts");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn a_clean_file_prints_the_count_and_exits_0() {
    let output = run(&[], b"{\"a\": 1}\n\n  \n[1, 2]\n\"last\"");
    assert_eq!(stdout(&output), "records: 3, errors: 0\n");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn each_bad_line_is_printed_with_its_line_and_byte_and_the_exit_is_1() {
    let input = b"{\"a\": 1}\n{oops\n\n[1,]\n\xff\xfe\n{\"b\": 2}\r\n";
    let output = run(&[], input);
    let expected = "line 2, byte 9: invalid JSON: key must be a string at column 2\n\
                    line 4, byte 16: invalid JSON: trailing comma at column 4\n\
                    line 5, byte 21: invalid JSON: expected value at column 1\n\
                    records: 2, errors: 3\n";
    assert_eq!(stdout(&output), expected);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn lines_over_max_line_are_errors_and_skipped() {
    let long = format!("{{\"pad\": \"{}\"}}\n", "x".repeat(100));
    let input = format!("{{\"a\": 1}}\n{long}{{\"b\": 2}}\n");
    let output = run(&["--max-line", "50"], input.as_bytes());
    assert_eq!(
        stdout(&output),
        "line 2, byte 9: longer than the limit of 50 bytes\nrecords: 2, errors: 1\n"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_file_argument_is_read_instead_of_stdin() {
    let path =
        std::env::temp_dir().join(format!("aiter-ndjson-check-{}.ndjson", std::process::id()));
    std::fs::write(&path, "1\n2\nnope\n").unwrap();
    let output = run(&[path.to_str().unwrap()], b"");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        stdout(&output),
        "line 3, byte 4: invalid JSON: expected ident at column 2\nrecords: 2, errors: 1\n"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn usage_and_io_errors_exit_2_with_a_message_on_stderr() {
    let bad_flag = run(&["--max-line", "lots"], b"");
    assert_eq!(bad_flag.status.code(), Some(2));
    assert!(!bad_flag.stderr.is_empty());
    let missing = run(&["/no/such/file.ndjson"], b"");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/no/such/file.ndjson"));
}
