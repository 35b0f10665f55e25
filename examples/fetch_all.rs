//! Dumps a paginated JSON API as NDJSON: JavaScript's `fetchPages(url)`, for real APIs.
//!
//! Run with: `cargo run --release --features http --example fetch_all -- URL [OPTIONS]`
//!
//! Options: `--style page|offset|cursor|link|next` (default `page`);
//! `--page-param NAME` (`page`), `--start N` (1); `--offset-param NAME` (`offset`),
//! `--limit-param NAME` (`limit`), `--limit N` (100); `--cursor-param NAME`
//! (`cursor`), `--cursor-path POINTER` (`/next_cursor`); `--next-path POINTER`
//! (`/next`); `--items-path POINTER` (empty: the body is the array);
//! `--header 'Name: value'` (repeatable); `--prefetch K` (1); `--max-pages N`;
//! `--max-items N`; `--retries N` (5); `--timeout SECS` (30); `--rate RPS`;
//! `--resume POSITION`; `--client isahc|surf` (isahc; surf needs feature `surf`);
//! `--quiet`; `--help`.
//!
//! Items go to stdout, one JSON value a line, in order, each once. On a terminal, a
//! spinner on stderr (pages, items, rate); elsewhere only a summary line at the end
//! (`--quiet`: not even that). Stopped by `--max-items` or `--max-pages`, it prints `next: POSITION` on
//! stderr. On failure it prints every item obtained before the failing page, then
//! `error: ...` (page, URL, status) and `resume: POSITION` on stderr, and exits 1.
//! A loop (a cursor or URL seen before, however written, or a page equal to the one
//! before it) is such a failure, naming both pages; so is a next URL that is not
//! `http` or `https` or leaves `https` for `http`.
//! Usage errors exit 2. `--resume POSITION` outputs exactly the items not yet output.
//! Ctrl-C or SIGTERM stops fetching, writes every item already printed (never half
//! a line), prints `resume: POSITION` on stderr and exits 130: run again with
//! `--resume POSITION` and the two outputs together are the whole export, each item
//! once.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use std::io::IsTerminal;

use aiter::http::{JsonApi, Style};
use aiter::paginate::{Position, RateBudget, RetryPolicy};
use async_signal::{Signal, Signals};
use futures_lite::StreamExt;
use futures_lite::future;
use indicatif::{ProgressBar, ProgressStyle};

struct Args {
    url: String,
    style: Style,
    items_path: String,
    headers: Vec<(String, String)>,
    prefetch: usize,
    max_pages: Option<u64>,
    max_items: Option<u64>,
    retries: u32,
    timeout: Duration,
    rate: Option<f64>,
    resume: Option<Position>,
    client: String,
    quiet: bool,
}

const USAGE: &str = "usage: fetch_all URL [--style page|offset|cursor|link|next] [--page-param NAME] [--start N] \
[--offset-param NAME] [--limit-param NAME] [--limit N] [--cursor-param NAME] [--cursor-path POINTER] \
[--next-path POINTER] [--items-path POINTER] [--header 'Name: value']... [--prefetch K] [--max-pages N] \
[--max-items N] [--retries N] [--timeout SECS] [--rate RPS] [--resume POSITION] [--client isahc|surf]";

#[allow(clippy::too_many_lines)] // one flag a line
fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let (mut url, mut style) = (None, "page".to_owned());
    let (mut page_param, mut start) = ("page".to_owned(), 1u64);
    let (mut offset_param, mut limit_param, mut limit) =
        ("offset".to_owned(), "limit".to_owned(), 100u64);
    let (mut cursor_param, mut cursor_path, mut next_path) = (
        "cursor".to_owned(),
        "/next_cursor".to_owned(),
        "/next".to_owned(),
    );
    let mut args = Args {
        url: String::new(),
        style: Style::page(),
        items_path: String::new(),
        headers: Vec::new(),
        prefetch: 1,
        max_pages: None,
        max_items: None,
        retries: 5,
        timeout: Duration::from_secs(30),
        rate: None,
        resume: None,
        client: "isahc".to_owned(),
        quiet: false,
    };
    while let Some(arg) = parser.next()? {
        match arg {
            Long("style") => style = parser.value()?.string()?,
            Long("page-param") => page_param = parser.value()?.string()?,
            Long("start") => start = parser.value()?.parse()?,
            Long("offset-param") => offset_param = parser.value()?.string()?,
            Long("limit-param") => limit_param = parser.value()?.string()?,
            Long("limit") => limit = parser.value()?.parse()?,
            Long("cursor-param") => cursor_param = parser.value()?.string()?,
            Long("cursor-path") => cursor_path = parser.value()?.string()?,
            Long("next-path") => next_path = parser.value()?.string()?,
            Long("items-path") => args.items_path = parser.value()?.string()?,
            Long("header") => {
                let header = parser.value()?.string()?;
                let (name, value) = header
                    .split_once(':')
                    .ok_or("--header takes 'Name: value'")?;
                args.headers
                    .push((name.trim().to_owned(), value.trim().to_owned()));
            }
            Long("prefetch") => args.prefetch = parser.value()?.parse()?,
            Long("max-pages") => args.max_pages = Some(parser.value()?.parse()?),
            Long("max-items") => args.max_items = Some(parser.value()?.parse()?),
            Long("retries") => args.retries = parser.value()?.parse()?,
            Long("timeout") => args.timeout = Duration::from_secs_f64(parser.value()?.parse()?),
            Long("rate") => args.rate = Some(parser.value()?.parse()?),
            Long("client") => args.client = parser.value()?.string()?,
            Short('q') | Long("quiet") => args.quiet = true,
            Short('h') | Long("help") => return Err(lexopt::Error::Custom("help".into())),
            Long("resume") => {
                let text = parser.value()?.string()?;
                let position = Position::parse(&text)
                    .map_err(|error| format!("--resume {text:?}: {error}"))?;
                args.resume = Some(position);
            }
            Value(value) if url.is_none() => url = Some(value.string()?),
            _ => return Err(arg.unexpected()),
        }
    }
    args.url = url.ok_or("missing URL")?;
    args.style = match style.as_str() {
        "page" => Style::Page {
            param: page_param,
            start,
        },
        "offset" => Style::Offset {
            offset_param,
            limit_param,
            limit,
        },
        "cursor" => Style::Cursor {
            param: cursor_param,
            path: cursor_path,
        },
        "link" => Style::Link,
        "next" => Style::Next { path: next_path },
        other => {
            return Err(
                format!("--style {other:?}: expected page, offset, cursor, link or next").into(),
            );
        }
    };
    Ok(args)
}

const HELP: &str = "fetch_all: dumps every item of a paginated JSON API as NDJSON on stdout

usage: fetch_all URL [OPTIONS]

  --style page|offset|cursor|link|next  how the API pages (default page)
  --page-param NAME      the page number parameter (page)
  --start N              the first page number (1)
  --offset-param NAME    the offset parameter (offset)
  --limit-param NAME     the limit parameter (limit)
  --limit N              items a page, for offsets (100)
  --cursor-param NAME    the cursor parameter (cursor)
  --cursor-path POINTER  where the next cursor is in the body (/next_cursor)
  --next-path POINTER    where the next URL is in the body (/next)
  --items-path POINTER   where the items' array is (empty: the body is the array)
  --header 'Name: value' a header for every request (repeatable)
  --prefetch K           pages fetched ahead (1)
  --max-pages N          stop after N pages, printing `next: POSITION`
  --max-items N          stop after N items, printing `next: POSITION`
  --retries N            retries of a failing page (5)
  --timeout SECS         per request (30)
  --rate RPS             requests a second at most
  --resume POSITION      go on from a `next:` or `resume:` position
  --client isahc|surf    the HTTP client (isahc; surf needs feature surf)
  -q, --quiet            no summary line (progress is only ever drawn on a terminal)
  -h, --help             this help

exit: 0 done, 1 failed (after `error:` and `resume:` on stderr), 2 usage error,
130 interrupted (after `resume:` on stderr)";

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(lexopt::Error::Custom(message)) if message.to_string() == "help" => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("fetch_all: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let api = match build(&args) {
        Ok(api) => api,
        Err(error) => {
            eprintln!("fetch_all: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    smol::block_on(run(&args, api))
}

fn build(args: &Args) -> Result<JsonApi, Box<dyn std::error::Error + Send + Sync>> {
    let url = url::Url::parse(&args.url)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("not an http or https URL (scheme {:?})", url.scheme()).into());
    }
    let api = match args.client.as_str() {
        "isahc" => JsonApi::with_client(aiter::http::isahc::HttpClient::new()?, url),
        #[cfg(feature = "surf")]
        "surf" => JsonApi::with_client(surf::Client::new(), url),
        #[cfg(not(feature = "surf"))]
        "surf" => return Err("--client surf: built without the `surf` feature".into()),
        other => return Err(format!("--client {other:?}: expected isahc or surf").into()),
    };
    let mut api = api.style(args.style.clone()).items_at(&args.items_path);
    for (name, value) in &args.headers {
        // Checked here so a bad header is a usage error, before any request.
        aiter::http::isahc::http::HeaderName::from_bytes(name.as_bytes())?;
        aiter::http::isahc::http::HeaderValue::from_str(value)?;
        api = api.header(name, value);
    }
    Ok(api)
}

async fn run(args: &Args, api: JsonApi) -> ExitCode {
    let mut paginator = api
        .paginator::<serde_json::Value>()
        .prefetch(args.prefetch)
        .retry(RetryPolicy::default().attempts(args.retries + 1))
        .timeout(Some(args.timeout));
    if let Some(rps) = args.rate {
        paginator = paginator.rate(RateBudget::per_second(rps));
    }
    if let Some(max) = args.max_pages {
        paginator = paginator.max_pages(max);
    }
    if let Some(max) = args.max_items {
        paginator = paginator.max_items(max);
    }
    if let Some(position) = args.resume.clone() {
        paginator = paginator.resume(position);
    }

    let mut items = paginator.items();
    let Ok(mut signals) = Signals::new([Signal::Int, Signal::Term]) else {
        eprintln!("fetch_all: cannot listen for signals");
        return ExitCode::from(1);
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let start = Instant::now();
    let mut last_flush = start;
    let spinner = spinner();
    loop {
        let next = future::or(async { Some(items.next().await) }, async {
            let _ = signals.next().await;
            None
        });
        let Some(next) = next.await else {
            // Interrupted: what was printed stays printed, whole lines only.
            let _ = out.flush();
            spinner.finish_and_clear();
            match items.position() {
                Some(position) => eprintln!("fetch_all: interrupted\nresume: {position}"),
                None => eprintln!("fetch_all: interrupted after the last page"),
            }
            return ExitCode::from(130);
        };
        let Some(item) = next else { break };
        let item = match item {
            Ok(item) => item,
            Err(error) => {
                let _ = out.flush(); // every item before the failing page comes first
                spinner.finish_and_clear();
                eprintln!("error: {}", chain(&error));
                eprintln!("resume: {}", error.position());
                return ExitCode::from(1);
            }
        };
        // Whole lines into the buffer; the buffer out every 100 ms, so a reader
        // of the pipe sees items as they come, and an interrupt never cuts a line.
        let written = writeln!(out, "{}", item.item).and_then(|()| {
            if last_flush.elapsed() >= Duration::from_millis(100) {
                last_flush = Instant::now();
                out.flush()?;
            }
            Ok(())
        });
        if written.is_err() {
            spinner.finish_and_clear();
            eprintln!("fetch_all: writing to stdout failed");
            return ExitCode::from(1);
        }
        if !spinner.is_hidden() {
            spinner.set_position(items.items_delivered());
            spinner.set_message(format!(
                "pages: {}, items: {}",
                items.pages_fetched(),
                items.items_delivered()
            ));
        }
    }
    let _ = out.flush();
    spinner.finish_and_clear();
    if !args.quiet {
        eprintln!(
            "{}",
            summary(items.pages_fetched(), items.items_delivered(), start)
        );
    }
    if args.max_items.is_some() || args.max_pages.is_some() {
        if let Some(position) = items.position() {
            eprintln!("next: {position}");
        }
    }
    ExitCode::SUCCESS
}

/// A spinner with pages, items and rate on a terminal; nothing elsewhere.
fn spinner() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    let style = ProgressStyle::with_template("{spinner} {msg}, {per_sec}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    spinner.set_style(style);
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

/// An error and its causes, each once: `page 3 at URL: HTTP 503 after 6
/// attempts: service unavailable`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `pages: 12, items: 1200, 3400 items/s`.
fn summary(pages: u64, items: u64, start: Instant) -> String {
    #[allow(clippy::cast_precision_loss)] // a rate for display
    let rate = items as f64 / start.elapsed().as_secs_f64().max(1e-3);
    format!("pages: {pages}, items: {items}, {rate:.0} items/s")
}
