//! Fetch many URLs, a few at a time: `for await` over a pool, with
//! `aiter::concurrent`.
//!
//! Run with: `cargo run --features http --example crawl -- [--concurrency N] [--unordered] [--quiet] < urls.txt`
//!
//! Reads URLs from stdin, one per line (blank lines skipped), and fetches each
//! with at most `--concurrency N` requests in flight (default 8; 0 counts as 1).
//! Prints `URL\tSTATUS\tBYTES` for each, in input order, or in completion order
//! with `--unordered`; a URL that cannot be fetched prints `URL\terror: ...` and
//! the others go on. Any HTTP status counts as fetched. Exits 0 when every URL was
//! fetched, 1 when any failed (after all were tried), 2 on a usage error. On a
//! terminal, a spinner on stderr counts the URLs done; elsewhere only a summary
//! line at the end (`--quiet`: not even that).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use aiter::concurrent::ConcurrentExt;
use aiter::http::body_chunks;
use futures_lite::{Stream, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use isahc::config::{Configurable, RedirectPolicy};

struct Args {
    concurrency: usize,
    unordered: bool,
    quiet: bool,
}

const USAGE: &str = "usage: crawl [--concurrency N] [--unordered] [--quiet] < urls.txt";

const HELP: &str = "crawl: fetches the URLs read from stdin, a few at a time

usage: crawl [--concurrency N] [--unordered] [--quiet] < urls.txt

  -c, --concurrency N  requests in flight at most (8; 0 counts as 1)
  --unordered          print results as they finish, not in input order
  -q, --quiet          no summary line (progress is only ever drawn on a terminal)
  -h, --help           this help

output: URL<TAB>STATUS<TAB>BYTES, or URL<TAB>error: MESSAGE
exit: 0 every URL fetched, 1 some failed, 2 usage error";

fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut args = Args {
        concurrency: 8,
        unordered: false,
        quiet: false,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("concurrency") | Short('c') => args.concurrency = parser.value()?.parse()?,
            Long("unordered") => args.unordered = true,
            Short('q') | Long("quiet") => args.quiet = true,
            Short('h') | Long("help") => {
                println!("{HELP}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("crawl: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let client = match isahc::HttpClient::builder()
        .redirect_policy(RedirectPolicy::Limit(10))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            eprintln!("crawl: {error}");
            return ExitCode::from(1);
        }
    };
    smol::block_on(async {
        // stdin as a stream of lines, read on a helper thread.
        let urls = aiter::chunks::lines(smol::Unblock::new(std::io::stdin()))
            .map(|line| line.map(|url| url.trim().to_owned()))
            .filter(|line| !matches!(line, Ok(url) if url.is_empty()));
        let fetch = |line: Result<String, aiter::chunks::FrameError>| {
            let client = client.clone();
            async move {
                match line {
                    Ok(url) => {
                        let result = fetch(&client, &url).await;
                        (url, result)
                    }
                    Err(error) => (String::from("stdin"), Err(error.to_string())),
                }
            }
        };
        let (done, failed) = if args.unordered {
            print_all(urls.map_unordered(args.concurrency, fetch)).await
        } else {
            print_all(urls.map_concurrent(args.concurrency, fetch)).await
        };
        if !args.quiet {
            eprintln!("URLs: {done}, fetched: {}, failed: {failed}", done - failed);
        }
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    })
}

/// GET `url` and read its body to the end: `(status, bytes)`.
async fn fetch(client: &isahc::HttpClient, url: &str) -> Result<(u16, u64), String> {
    let response = client
        .get_async(url)
        .await
        .map_err(|error| error.to_string())?;
    let status = response.status().as_u16();
    let mut body = body_chunks(response);
    let mut bytes = 0;
    while let Some(chunk) = body.next().await {
        bytes += chunk.map_err(|error| error.to_string())?.len() as u64;
    }
    Ok((status, bytes))
}

/// Prints each result as it comes: `(URLs done, URLs failed)`.
async fn print_all(
    results: impl Stream<Item = (String, Result<(u16, u64), String>)>,
) -> (u64, u64) {
    let mut results = std::pin::pin!(results);
    let (mut done, mut failed) = (0, 0);
    let mut stdout = std::io::stdout().lock();
    let spinner = spinner();
    while let Some((url, result)) = results.next().await {
        done += 1;
        let line = match result {
            Ok((status, bytes)) => format!("{url}\t{status}\t{bytes}\n"),
            Err(error) => {
                failed += 1;
                format!("{url}\terror: {error}\n")
            }
        };
        spinner.inc(1);
        // A closed stdout (`crawl | head`) ends the run quietly.
        if stdout
            .write_all(line.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            break;
        }
    }
    spinner.finish_and_clear();
    (done, failed)
}

/// URLs done and their rate on a terminal; nothing elsewhere.
fn spinner() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    let style = ProgressStyle::with_template("{spinner} {pos} URLs done, {per_sec}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    spinner.set_style(style);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}
