//! The life of an [`EventSource`]'s connection: connect, read events, wait, and
//! reconnect with the last event's ID, as a browser does.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::time::Timer;
use futures_core::Stream;
use futures_core::stream::FusedStream;
use isahc::http::HeaderMap;
use isahc::http::header::{ACCEPT, CACHE_CONTROL, HeaderName, HeaderValue, RETRY_AFTER};
use url::Url;

use super::{Connecting, EventSource, EventSourceError, EventSourceErrorKind, State};
use crate::chunks::{Frames, SseDecoder, SseEvent};
use crate::http::client::Response;
use crate::http::json_api::parse_retry_after;

impl EventSource {
    fn connect(&mut self) -> Connecting {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if !self.last_event_id.is_empty() {
            // An ID with bytes a header can't carry is not sent.
            if let Ok(id) = HeaderValue::from_bytes(self.last_event_id.as_bytes()) {
                headers.insert(HeaderName::from_static("last-event-id"), id);
            }
        }
        let requests = self.requests.clone();
        let url = self.url.clone();
        Box::pin(async move { requests.send_with(url, &headers, None).await })
    }

    /// Waits, then connects again; the error item that says so.
    fn reconnect(&mut self, cause: String, at_least: Option<Duration>) -> EventSourceError {
        self.failures = self.failures.saturating_add(1);
        let mut delay = self.reconnect_delay;
        if self.failures > 1 {
            let doubled = delay.saturating_mul(1 << (self.failures - 1).min(20));
            let capped = doubled.min(self.max_reconnect_delay);
            // Full jitter over the upper half: reconnecting clients spread out.
            delay = capped.mul_f64(0.5 + fastrand::f64() / 2.0);
        }
        if let Some(at_least) = at_least {
            delay = delay.max(at_least);
        }
        // Every wait, the server's `retry:` and `Retry-After` included, is capped by
        // the user's maximum: a server cannot make the client wait for decades.
        let delay = delay.min(self.max_reconnect_delay);
        self.state = State::Waiting(Timer::after(delay));
        self.error(EventSourceErrorKind::Reconnecting { delay, cause })
    }

    fn error(&self, kind: EventSourceErrorKind) -> EventSourceError {
        EventSourceError {
            kind,
            url: self.url.to_string(),
            last_event_id: self.last_event_id.clone(),
        }
    }

    fn on_response(&mut self, url: &Url, response: Response) -> Option<EventSourceError> {
        let status = response.status;
        let content_type = response.header("content-type").map(str::to_owned);
        let is_event_stream = content_type.as_deref().is_some_and(|value| {
            value
                .split(';')
                .next()
                .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/event-stream"))
        });
        match status {
            204 => {
                self.state = State::Done;
                None
            }
            200 if is_event_stream => {
                // IDs carry over from the last connection, as in a browser.
                let decoder = SseDecoder::new()
                    .max_len(self.max_event_len)
                    .start_id(self.last_event_id.clone());
                let events = Frames::new(response.body, decoder);
                self.state = State::Streaming(Box::new(events));
                None
            }
            429 | 502 | 503 | 504 => {
                let retry_after = response
                    .header(RETRY_AFTER.as_str())
                    .and_then(parse_retry_after);
                Some(self.reconnect(format!("HTTP {status} from {url}"), retry_after))
            }
            _ => {
                self.state = State::Done;
                Some(self.error(EventSourceErrorKind::NotEventStream {
                    status,
                    content_type,
                }))
            }
        }
    }
}

impl Stream for EventSource {
    type Item = Result<SseEvent, EventSourceError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Done => return Poll::Ready(None),
                State::Idle => {
                    if let Some(error) = this.requests.invalid_header() {
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(
                            this.error(EventSourceErrorKind::Request(error))
                        )));
                    }
                    this.state = State::Connecting(this.connect());
                }
                State::Waiting(timer) => {
                    if Pin::new(timer).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.reconnects += 1;
                    this.state = State::Connecting(this.connect());
                }
                State::Connecting(connecting) => {
                    let result = match connecting.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(result) => result,
                    };
                    let error = match result {
                        Ok((url, response)) => this.on_response(&url, response),
                        // Network failures of any kind reconnect, as in a browser;
                        // a refused redirect (it has a status) does not.
                        Err(error) if error.is_transient() || error.status().is_none() => {
                            Some(this.reconnect(error.to_string(), error.retry_after()))
                        }
                        Err(error) => {
                            this.state = State::Done;
                            Some(this.error(EventSourceErrorKind::Request(error)))
                        }
                    };
                    if let Some(error) = error {
                        return Poll::Ready(Some(Err(error)));
                    }
                }
                State::Streaming(events) => {
                    let next = Pin::new(&mut *events).poll_next(cx);
                    if let Some(retry) = events.decoder().retry() {
                        this.reconnect_delay = Duration::from_millis(retry);
                    }
                    match next {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Some(Ok(event))) => {
                            this.failures = 0;
                            this.last_event_id.clone_from(&event.id);
                            return Poll::Ready(Some(Ok(event)));
                        }
                        Poll::Ready(Some(Err(error))) if !error.is_fatal() => {
                            let error = this.error(EventSourceErrorKind::Event(error));
                            return Poll::Ready(Some(Err(error)));
                        }
                        Poll::Ready(Some(Err(error))) => {
                            let cause = format!("the connection to {} failed: {error}", this.url);
                            return Poll::Ready(Some(Err(this.reconnect(cause, None))));
                        }
                        Poll::Ready(None) => {
                            let cause = format!("the connection to {} ended", this.url);
                            return Poll::Ready(Some(Err(this.reconnect(cause, None))));
                        }
                    }
                }
            }
        }
    }
}

impl FusedStream for EventSource {
    fn is_terminated(&self) -> bool {
        matches!(self.state, State::Done)
    }
}
