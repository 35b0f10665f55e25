//! Downloads a URL to a file, streaming the body chunk by chunk, with progress.
//!
//! Run with: `cargo run --features http --example download -- URL OUT [--quiet]`
//!
//! The body goes to a temporary file beside OUT, renamed to OUT only once the
//! whole body has arrived. On a terminal, a progress bar on stderr (bytes, total,
//! rate, time left; a spinner when the size is unknown); elsewhere no progress,
//! only a summary line at the end (`--quiet`: not even that). On an HTTP status of
//! 400 or more, a truncated body or an I/O error, it prints one line on stderr,
//! exits 1, and leaves no OUT behind. Ctrl-C or SIGTERM removes the temporary
//! file, leaves no OUT, and exits 130.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use aiter::http::body_chunks;
use async_signal::{Signal, Signals};
use futures_lite::{AsyncWriteExt, StreamExt, future};
use indicatif::{ProgressBar, ProgressStyle};
use isahc::config::{Configurable, RedirectPolicy};

const USAGE: &str = "usage: download URL OUT [--quiet]";

const HELP: &str = "download: saves URL to OUT, streaming, with progress on a terminal

usage: download URL OUT [--quiet]

  URL          the http or https URL to fetch
  OUT          the file to write (written beside it first, renamed when complete)
  -q, --quiet  no summary line at the end (progress is only ever drawn on a terminal)
  -h, --help   this help

exit: 0 saved, 1 failed (no OUT left), 2 usage error, 130 interrupted (no OUT left)";

struct Args {
    url: String,
    out: PathBuf,
    quiet: bool,
}

enum Parsed {
    Run(Args),
    Help,
}

fn parse_args() -> Result<Parsed, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut positional = Vec::new();
    let mut quiet = false;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Parsed::Help),
            Short('q') | Long("quiet") => quiet = true,
            Value(value) if positional.len() < 2 => positional.push(value),
            _ => return Err(arg.unexpected()),
        }
    }
    let [url, out] = <[_; 2]>::try_from(positional).map_err(|_| "expected URL and OUT")?;
    Ok(Parsed::Run(Args {
        url: url.string()?,
        out: out.into(),
        quiet,
    }))
}

/// Why a download did not finish.
enum Failure {
    Error(String),
    Interrupted,
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("download: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match smol::block_on(download(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Error(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
        Err(Failure::Interrupted) => {
            eprintln!("download: interrupted; nothing saved");
            ExitCode::from(130)
        }
    }
}

/// A file being written beside its destination; removed unless renamed into place.
struct PartFile {
    path: PathBuf,
    kept: bool,
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A bar on a terminal, nothing elsewhere.
fn progress(total: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::new(total),
            "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        ),
        None => (
            ProgressBar::new_spinner(),
            "{spinner} {bytes} {bytes_per_sec}",
        ),
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

async fn download(args: &Args) -> Result<(), Failure> {
    let (url, out) = (args.url.as_str(), args.out.as_path());
    let fail = |message: String| Failure::Error(message);
    let mut signals = Signals::new([Signal::Int, Signal::Term])
        .map_err(|error| fail(format!("signals: {error}")))?;
    // Watched by a task of its own, polled only when a signal comes: polling the
    // signal stream at every chunk would read its pipe each time.
    let mut signals = smol::spawn(async move { signals.next().await });
    let client = isahc::HttpClient::builder()
        .redirect_policy(RedirectPolicy::Limit(10))
        .build()
        .map_err(|error| fail(error.to_string()))?;
    let response = interruptible(&mut signals, client.get_async(url))
        .await?
        .map_err(|error| fail(format!("GET {url}: {error}")))?;
    let status = response.status();
    if status.as_u16() >= 400 {
        return Err(fail(format!("GET {url}: HTTP {status}")));
    }

    let name = out
        .file_name()
        .ok_or_else(|| fail(format!("{}: not a file name", out.display())))?;
    let mut part = PartFile {
        path: out.with_file_name(format!(
            ".{}.part-{}",
            name.to_string_lossy(),
            std::process::id()
        )),
        kept: false,
    };
    let mut file = smol::fs::File::create(&part.path)
        .await
        .map_err(|error| fail(format!("{}: {error}", part.path.display())))?;

    let start = Instant::now();
    let mut body = body_chunks(response);
    let bar = progress(body.progress().total);
    while let Some(chunk) = interruptible(&mut signals, body.next()).await? {
        let chunk = chunk.map_err(|error| {
            bar.abandon();
            fail(format!("GET {url}: {error}"))
        })?;
        file.write_all(&chunk)
            .await
            .map_err(|error| fail(format!("{}: {error}", part.path.display())))?;
        bar.set_position(body.progress().received);
    }
    bar.finish_and_clear();
    file.flush()
        .await
        .map_err(|error| fail(format!("{}: {error}", part.path.display())))?;
    file.sync_all()
        .await
        .map_err(|error| fail(format!("{}: {error}", part.path.display())))?;
    drop(file);
    std::fs::rename(&part.path, out)
        .map_err(|error| fail(format!("{}: {error}", out.display())))?;
    part.kept = true;
    if !args.quiet {
        eprintln!(
            "{}: saved {}",
            summary(body.progress(), start),
            out.display()
        );
    }
    Ok(())
}

/// `future`, unless Ctrl-C or SIGTERM (the task watching for them) comes first.
async fn interruptible<T>(
    signals: &mut smol::Task<Option<std::io::Result<Signal>>>,
    future: impl std::future::Future<Output = T>,
) -> Result<T, Failure> {
    future::or(async { Ok(future.await) }, async {
        let _ = signals.await;
        Err(Failure::Interrupted)
    })
    .await
}

/// `500000 bytes (100%), 12.3 MB/s`, or without the percent when the size was unknown.
fn summary(progress: aiter::http::Progress, start: Instant) -> String {
    let seconds = start.elapsed().as_secs_f64().max(1e-3);
    #[allow(clippy::cast_precision_loss)] // a rate for display
    let rate = progress.received as f64 / seconds / 1e6;
    match progress.fraction() {
        Some(fraction) => format!(
            "{} bytes ({:.0}%), {rate:.1} MB/s",
            progress.received,
            fraction * 100.0
        ),
        None => format!("{} bytes, {rate:.1} MB/s", progress.received),
    }
}
