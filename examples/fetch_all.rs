//! Dumps a paginated JSON API as NDJSON: JavaScript's `fetchPages(url)`, for real APIs.
//!
//! Run with: `cargo run --release --features http --example fetch_all -- URL [OPTIONS]`
//!
//! Options: `--style page|offset|cursor|link|next|after` (default `page`);
//! `--page-param NAME` (`page`), `--start N` (1); `--offset-param NAME` (`offset`),
//! `--limit-param NAME` (`limit`), `--limit N` (100); `--cursor-param NAME`
//! (`cursor`), `--cursor-path POINTER` (`/next_cursor`); `--next-path POINTER`
//! (`/next`); `--after-param NAME` (`starting_after`), `--after-path POINTER`
//! (`/id`); `--items-path POINTER` (empty: the body is the array);
//! `--item-path POINTER`; `--more-path`, `--last-path`, `--total-path`,
//! `--total-header`, `--pages-path`, `--pages-header`; `--end-status CODES`
//! (404; `none`); `--repeat-ends`; `--stop-on-short-page`; `--method GET|POST`,
//! `--body JSON|@FILE`, `--body-key POINTER`; `--graphql QUERY|@FILE`,
//! `--connection POINTER`, `--variables JSON`, `--cursor-var NAME` (`after`);
//! `--header 'Name: value'` (repeatable); `--prefetch K` (1); `--max-pages N`;
//! `--max-items N`; `--retries N` (5); `--timeout SECS` (30); `--rate RPS`;
//! `--resume POSITION`; `--client isahc|surf` (isahc; surf needs feature `surf`);
//! `--quiet`; `--help`.
//!
//! Items go to stdout, one JSON value a line, in order, each once. On a terminal, a
//! spinner on stderr (pages, items, rate), or a bar with the time left once the
//! API tells a total; elsewhere only a summary line at the end
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
    item_path: Option<String>,
    more_path: Option<String>,
    last_path: Option<String>,
    total_path: Option<String>,
    total_header: Option<String>,
    pages_path: Option<String>,
    pages_header: Option<String>,
    end_statuses: Vec<u16>,
    repeat_ends: bool,
    stop_on_short_page: bool,
    body: Option<serde_json::Value>,
    body_key: Option<String>,
    graphql: Option<String>,
    connection: Option<String>,
    variables: Option<serde_json::Value>,
    cursor_var: Option<String>,
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

const USAGE: &str = "usage: fetch_all URL [--style page|offset|cursor|link|next|after] [--page-param NAME] [--start N] \
[--offset-param NAME] [--limit-param NAME] [--limit N] [--cursor-param NAME] [--cursor-path POINTER] \
[--next-path POINTER] [--after-param NAME] [--after-path POINTER] [--items-path POINTER] [--item-path POINTER] \
[--more-path POINTER] [--last-path POINTER] [--total-path POINTER] [--total-header NAME] [--pages-path POINTER] \
[--pages-header NAME] [--end-status CODES] [--repeat-ends] [--stop-on-short-page] [--method GET|POST] \
[--body JSON|@FILE] [--body-key POINTER] [--graphql QUERY|@FILE] [--connection POINTER] [--variables JSON] \
[--cursor-var NAME] [--header 'Name: value']... [--prefetch K] [--max-pages N] \
[--max-items N] [--retries N] [--timeout SECS] [--rate RPS] [--resume POSITION] [--client isahc|surf]";

#[allow(clippy::too_many_lines)] // one flag a line
fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let (mut url, mut style) = (None, None::<String>);
    let (mut after_param, mut after_path) = ("starting_after".to_owned(), "/id".to_owned());
    let mut method = None::<String>;
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
        item_path: None,
        more_path: None,
        last_path: None,
        total_path: None,
        total_header: None,
        pages_path: None,
        pages_header: None,
        end_statuses: vec![404],
        repeat_ends: false,
        stop_on_short_page: false,
        body: None,
        body_key: None,
        graphql: None,
        connection: None,
        variables: None,
        cursor_var: None,
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
            Long("style") => style = Some(parser.value()?.string()?),
            Long("after-param") => after_param = parser.value()?.string()?,
            Long("after-path") => after_path = parser.value()?.string()?,
            Long("item-path") => args.item_path = Some(parser.value()?.string()?),
            Long("more-path") => args.more_path = Some(parser.value()?.string()?),
            Long("last-path") => args.last_path = Some(parser.value()?.string()?),
            Long("total-path") => args.total_path = Some(parser.value()?.string()?),
            Long("total-header") => args.total_header = Some(parser.value()?.string()?),
            Long("pages-path") => args.pages_path = Some(parser.value()?.string()?),
            Long("pages-header") => args.pages_header = Some(parser.value()?.string()?),
            Long("end-status") => args.end_statuses = end_statuses(&parser.value()?.string()?)?,
            Long("repeat-ends") => args.repeat_ends = true,
            Long("stop-on-short-page") => args.stop_on_short_page = true,
            Long("method") => method = Some(parser.value()?.string()?),
            Long("body") => args.body = Some(json_arg("--body", &parser.value()?.string()?)?),
            Long("body-key") => args.body_key = Some(parser.value()?.string()?),
            Long("graphql") => args.graphql = Some(text_arg(&parser.value()?.string()?)?),
            Long("connection") => args.connection = Some(parser.value()?.string()?),
            Long("variables") => {
                args.variables = Some(json_arg("--variables", &parser.value()?.string()?)?);
            }
            Long("cursor-var") => args.cursor_var = Some(parser.value()?.string()?),
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
    check_combinations(&args, style.as_deref(), method.as_deref())?;
    if method.as_deref() == Some("POST") && args.body.is_none() {
        args.body = Some(serde_json::json!({}));
    }
    args.style = match style.as_deref().unwrap_or("page") {
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
        "after" => Style::After {
            param: after_param,
            path: after_path,
        },
        other => {
            return Err(format!(
                "--style {other:?}: expected page, offset, cursor, link, next or after"
            )
            .into());
        }
    };
    Ok(args)
}

/// The flags that only make sense together, or not at all.
fn check_combinations(
    args: &Args,
    style: Option<&str>,
    method: Option<&str>,
) -> Result<(), lexopt::Error> {
    let graphql = args.graphql.is_some();
    let fail = |message: &str| Err(lexopt::Error::Custom(message.into()));
    match method {
        Some("GET") if args.body.is_some() => {
            return fail("--body is sent with --method POST, not GET");
        }
        None | Some("POST" | "GET") => {}
        Some(other) => return fail(&format!("--method {other:?}: expected GET or POST")),
    }
    if graphql && style.is_some() {
        return fail("--graphql sets the style itself: leave out --style");
    }
    if graphql && (args.body.is_some() || args.body_key.is_some() || method == Some("GET")) {
        return fail(
            "--graphql makes its own POST body: leave out --body, --body-key and --method",
        );
    }
    if graphql != args.connection.is_some() {
        return fail("--graphql and --connection go together");
    }
    if !graphql && (args.variables.is_some() || args.cursor_var.is_some()) {
        return fail("--variables and --cursor-var need --graphql");
    }
    if args.body_key.is_some() && args.body.is_none() {
        return fail("--body-key needs --body");
    }
    if args.total_path.is_some() && args.total_header.is_some() {
        return fail("--total-path and --total-header: one or the other");
    }
    if args.pages_path.is_some() && args.pages_header.is_some() {
        return fail("--pages-path and --pages-header: one or the other");
    }
    Ok(())
}

/// `404,410` or `none`.
fn end_statuses(text: &str) -> Result<Vec<u16>, lexopt::Error> {
    if text == "none" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|code| {
            code.trim()
                .parse::<u16>()
                .ok()
                .filter(|code| (100..=599).contains(code))
                .ok_or_else(|| {
                    format!("--end-status {text:?}: expected HTTP statuses like 404,410, or none")
                        .into()
                })
        })
        .collect()
}

/// A flag's text, or the contents of the file named after `@`.
fn text_arg(text: &str) -> Result<String, lexopt::Error> {
    match text.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {path}: {error}").into()),
        None => Ok(text.to_owned()),
    }
}

/// A flag's JSON (or a file's, after `@`).
fn json_arg(flag: &str, text: &str) -> Result<serde_json::Value, lexopt::Error> {
    let text = text_arg(text)?;
    serde_json::from_str(&text).map_err(|error| format!("{flag}: not JSON: {error}").into())
}

const HELP: &str = "fetch_all: dumps every item of a paginated JSON API as NDJSON on stdout

usage: fetch_all URL [OPTIONS]

  --style page|offset|cursor|link|next|after  how the API pages (default page)
  --page-param NAME      the page number parameter (page)
  --start N              the first page number (1)
  --offset-param NAME    the offset parameter (offset)
  --limit-param NAME     the limit parameter (limit)
  --limit N              items a page, for offsets (100)
  --cursor-param NAME    the cursor parameter (cursor)
  --cursor-path POINTER  where the next cursor is in the body (/next_cursor)
  --next-path POINTER    where the next URL is in the body (/next)
  --after-param NAME     the parameter for the key from the last entry (starting_after)
  --after-path POINTER   where that key is inside the last entry (/id)
  --items-path POINTER   where the items' array is (empty: the body is the array)
  --item-path POINTER    each item is the value at POINTER inside its entry
  --more-path POINTER    a boolean: false ends the run after this page
  --last-path POINTER    a boolean: true ends the run after this page
  --total-path POINTER   total items, in the body
  --total-header NAME    total items, in a header
  --pages-path POINTER   total pages, in the body
  --pages-header NAME    total pages, in a header
  --end-status CODES     statuses meaning \"past the end\" after the first page (404; none)
  --repeat-ends          a cursor equal to the one just used ends the run
  --stop-on-short-page   a page with fewer entries than the fullest so far ends the run
  --method GET|POST      the request method (GET; POST with --body)
  --body JSON|@FILE      the JSON body of every request
  --body-key POINTER     where the page's key goes in the body, not the query
  --graphql QUERY|@FILE  page a GraphQL Relay connection (POST)
  --connection POINTER   where the connection is in the response (/data/items)
  --variables JSON       further GraphQL variables
  --cursor-var NAME      the cursor's GraphQL variable (after)
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
    api = configure(api, args);
    for (name, value) in &args.headers {
        // Checked here so a bad header is a usage error, before any request.
        aiter::http::isahc::http::HeaderName::from_bytes(name.as_bytes())?;
        aiter::http::isahc::http::HeaderValue::from_str(value)?;
        api = api.header(name, value);
    }
    Ok(api)
}

/// The settings for APIs beyond the five plain styles: items inside entries,
/// stop flags and totals, bodies, GraphQL.
fn configure(mut api: JsonApi, args: &Args) -> JsonApi {
    type Setting = fn(JsonApi, &str) -> JsonApi;
    let settings: [(&Option<String>, Setting); 8] = [
        (&args.item_path, JsonApi::item_at),
        (&args.more_path, JsonApi::more_at),
        (&args.last_path, JsonApi::last_at),
        (&args.total_path, JsonApi::total_items_at),
        (&args.total_header, JsonApi::total_items_header),
        (&args.pages_path, JsonApi::total_pages_at),
        (&args.pages_header, JsonApi::total_pages_header),
        (&args.body_key, JsonApi::body_key),
    ];
    for (value, set) in settings {
        if let Some(value) = value {
            api = set(api, value);
        }
    }
    if let Some(body) = &args.body {
        api = api.post(body.clone());
    }
    if let (Some(query), Some(connection)) = (&args.graphql, &args.connection) {
        api = api.graphql(query, connection);
        if let Some(variables) = &args.variables {
            api = api.graphql_variables(variables.clone());
        }
        if let Some(name) = &args.cursor_var {
            api = api.graphql_cursor_var(name);
        }
    }
    api
}

async fn run(args: &Args, api: JsonApi) -> ExitCode {
    let mut paginator = api
        .paginator::<serde_json::Value>()
        .end_statuses(args.end_statuses.iter().copied())
        .end_on_repeated_cursor(args.repeat_ends)
        .stop_on_short_page(args.stop_on_short_page)
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
    // Watched by a task of its own, polled only when a signal comes: polling the
    // signal stream in this loop would read its pipe once per item.
    let mut interrupted = smol::spawn(async move { signals.next().await });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let start = Instant::now();
    let mut last_flush = start;
    let spinner = spinner();
    loop {
        let next = future::or(async { Some(items.next().await) }, async {
            let _ = (&mut interrupted).await;
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
            if let Some(total) = items.total_items() {
                show_total(&spinner, total);
            }
            spinner.set_position(items.items_delivered());
            spinner.set_message(summary(
                items.pages_fetched(),
                items.items_delivered(),
                start,
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
    let style = ProgressStyle::with_template("{spinner} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    spinner.set_style(style);
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

/// Turns the spinner into a bar with the count, rate and time left, once the
/// API has told its total.
fn show_total(progress: &ProgressBar, total: u64) {
    if progress.length() == Some(total) {
        return;
    }
    if progress.length().is_none() {
        let style = ProgressStyle::with_template("{bar:30} {pos}/{len} items, {msg} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        progress.set_style(style);
    }
    progress.set_length(total);
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
