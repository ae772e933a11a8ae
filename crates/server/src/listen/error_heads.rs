//! hyper answers requests it cannot parse (a NUL byte in a header, `Content-Length: -1`,
//! headers over the limit) by itself, before any handler runs, with an empty body. The
//! contract wants a JSON error body on every answer but 204, so this watches the response
//! heads a connection writes and gives those answers one.
//!
//! hyper's own answers are recognised by what no handler of this server writes: a 4xx or
//! 5xx head with `content-length: 0` and `connection: close` (every handler error carries
//! a JSON body, see `routes::json_errors`). Heads are found by following each response's
//! `content-length`; anything else (chunked or close-delimited bodies, HTTP/2, upgraded
//! websockets) ends the watch for that connection.

use strm_model::ErrorBody;

/// A head longer than this is not followed (hyper's own heads are about 100 bytes).
const MAX_HEAD: usize = 16 * 1024;

enum State {
    /// Collecting the bytes of the next response head.
    Head(Vec<u8>),
    /// This many bytes of a body follow before the next head.
    Body(u64),
    /// Not followed any more: bytes pass unchanged.
    Off,
}

/// What to do with the bytes offered.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Write the first `n` bytes straight through, then call `wrote_direct`.
    Direct(usize),
    /// The first `n` bytes were taken; the caller writes what was added to `pending`.
    Taken(usize),
}

pub struct HeadWatch {
    state: State,
}

impl Default for HeadWatch {
    fn default() -> Self {
        HeadWatch {
            state: State::Head(Vec::new()),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl HeadWatch {
    /// Offers bytes the server writes; `pending` gets what must be written (before any
    /// later bytes) when the answer is `Taken`.
    pub fn step(&mut self, buf: &[u8], pending: &mut Vec<u8>) -> Step {
        let acc = match &mut self.state {
            State::Off => return Step::Direct(buf.len()),
            State::Body(left) => return Step::Direct((*left).min(buf.len() as u64) as usize),
            State::Head(acc) => acc,
        };
        let before = acc.len();
        acc.extend_from_slice(buf);
        let prefix = acc.len().min(7);
        if acc[..prefix] != b"HTTP/1."[..prefix] {
            // Not an HTTP/1 response head: HTTP/2 frames, or a body this watch lost.
            pending.append(acc);
            self.state = State::Off;
            return Step::Taken(buf.len());
        }
        let from = before.saturating_sub(3);
        if let Some(at) = find(&acc[from..], b"\r\n\r\n") {
            let end = from + at + 4;
            acc.truncate(end);
            let head = std::mem::take(acc);
            self.state = decide(&head, pending);
            return Step::Taken(end - before);
        }
        if acc.len() > MAX_HEAD {
            pending.append(acc);
            self.state = State::Off;
        }
        Step::Taken(buf.len())
    }

    /// `n` bytes offered as `Direct` were written.
    pub fn wrote_direct(&mut self, n: usize) {
        if let State::Body(left) = &mut self.state {
            *left = left.saturating_sub(n as u64);
            if *left == 0 {
                self.state = State::Head(Vec::new());
            }
        }
    }
}

/// Queues the head (or its JSON replacement) and says what follows it.
fn decide(head: &[u8], pending: &mut Vec<u8>) -> State {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, &str)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim()))
        .collect();
    let value = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    let length: Option<u64> = value("content-length").and_then(|v| v.parse().ok());
    let closing = value("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    if status >= 400 && length == Some(0) && closing {
        pending.extend_from_slice(&json_answer(status_line, status, &headers));
        return State::Off;
    }
    pending.extend_from_slice(head);
    match (status, length) {
        (101, _) | (0, _) => State::Off,
        (100..=199 | 204 | 304, _) | (_, Some(0)) => State::Head(Vec::new()),
        (_, Some(n)) => State::Body(n),
        (_, None) => State::Off,
    }
}

/// What each of hyper's own answers means to the client.
fn message(status: u16) -> String {
    match status {
        400 => "the request is not valid HTTP/1.1: its request line or a header is malformed \
                (for example a control or NUL byte in a header, or a Content-Length that is \
                not one whole number of bytes); fix the request and send it again"
            .into(),
        414 => "the request's URI is too long; shorten the path and query".into(),
        431 => format!(
            "the request's headers are too large; together they are at most {} KiB and at \
             most {} headers",
            super::MAX_HEAD_BYTES / 1024,
            super::MAX_HEADERS
        ),
        _ => strm_model::reason_phrase(status).to_string(),
    }
}

fn json_answer(status_line: &str, status: u16, headers: &[(String, &str)]) -> Vec<u8> {
    let body = serde_json::to_vec(&ErrorBody::new(status, message(status))).unwrap_or_default();
    let mut out = format!("{status_line}\r\n");
    for (name, value) in headers {
        if name != "content-length" && name != "content-type" {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    out.push_str(&format!(
        "content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    ));
    let mut out = out.into_bytes();
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` as a connection would write them (each fully written); the bytes
    /// that reach the client.
    fn written(chunks: &[&[u8]]) -> String {
        let mut watch = HeadWatch::default();
        let mut out = Vec::new();
        for chunk in chunks {
            let mut rest = *chunk;
            while !rest.is_empty() {
                let mut pending = Vec::new();
                match watch.step(rest, &mut pending) {
                    Step::Direct(n) => {
                        out.extend_from_slice(&rest[..n]);
                        watch.wrote_direct(n);
                        rest = &rest[n..];
                    }
                    Step::Taken(n) => {
                        out.extend_from_slice(&pending);
                        rest = &rest[n..];
                    }
                }
            }
        }
        String::from_utf8(out).unwrap()
    }

    /// `bytes` reach the client as they were written.
    fn passes_unchanged(bytes: &[u8]) {
        assert_eq!(written(&[bytes]).as_bytes(), bytes);
    }

    const HYPER_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: Sun, 29 Nov 2026 21:56:30 GMT\r\n\r\n";

    #[test]
    fn hypers_own_error_answers_get_a_json_body() {
        let out = written(&[HYPER_400]);
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(head.contains("date: Sun"), "{head}");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"]["code"], 400);
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Content-Length")
        );
        let out = written(&[&HYPER_400[..10], &HYPER_400[10..]]);
        assert!(
            out.contains("\"code\":400"),
            "split heads are found too: {out}"
        );
    }

    #[test]
    fn the_servers_own_answers_pass_unchanged_and_later_heads_are_still_found() {
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
        let empty = b"HTTP/1.1 204 No Content\r\ndate: x\r\n\r\n";
        let json = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
        passes_unchanged(&[&ok[..], empty, json].concat());
        // A body that looks like hyper's answer is a body, not a head.
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
            HYPER_400.len()
        );
        let tricky = [head.as_bytes(), HYPER_400].concat();
        let mut then = tricky.clone();
        then.extend_from_slice(HYPER_400);
        let out = written(&[&then]);
        let (passed, rewritten) = out.split_at(tricky.len());
        assert_eq!(passed.as_bytes(), &tricky[..]);
        assert!(rewritten.ends_with('}'), "the real one after it: {out}");
    }

    #[test]
    fn upgrades_and_http2_are_not_followed() {
        let upgrade = b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n";
        let frames = [&upgrade[..], HYPER_400].concat();
        passes_unchanged(&frames);
        let h2 = [&b"\x00\x00\x12\x04\x00\x00\x00\x00\x00"[..], HYPER_400].concat();
        passes_unchanged(&h2);
        let chunked = [
            &b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"[..],
            HYPER_400,
        ]
        .concat();
        passes_unchanged(&chunked);
    }
}
