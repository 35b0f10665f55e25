//! `examples/file_watcher.rs`: a real callback API (notify) through `from_callbacks`.

#[path = "support/examples.rs"]
mod examples;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_watcher_example_sees_its_own_changes_and_ends() {
    let mut child = Command::new(examples::example("file_watcher"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("file_watcher starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the example did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Create(File)"), "{stdout}");
    assert!(stdout.contains("Remove(File)"), "{stdout}");
    assert!(stdout.contains("dropped by overflow: 0"), "{stdout}");
}
