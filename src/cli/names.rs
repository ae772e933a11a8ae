//! Names from the API for shell completion: streams, outputs, sinks, exporters,
//! consent levels and data contracts of the account the CLI would use (`--api-url` or `STRM_API_URL` with
//! its stored login, else the local server, started or joined as every command does).
//! A completion never fails loudly: no answer in time, or no login, is no names.

use std::ffi::OsStr;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use clap_complete::engine::CompletionCandidate;

use strm_client::paths::{API_URL_ENV, Paths};
use strm_client::{ApiClient, ClientError};

/// How long a Tab waits for names.
const WAIT: Duration = Duration::from_secs(5);

/// The words being completed, for completers whose names depend on an earlier word
/// (the outputs of the stream typed before).
static WORDS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();

pub fn remember(words: &[String]) {
    let cell = WORDS.get_or_init(|| Mutex::new(Vec::new()));
    if let Ok(mut w) = cell.lock() {
        *w = words.to_vec();
    }
}

fn words() -> Vec<String> {
    WORDS
        .get()
        .and_then(|m| m.lock().ok().map(|w| w.clone()))
        .unwrap_or_default()
}

/// `--api-url URL` (or `--api-url=URL`) among the words, else `STRM_API_URL`.
fn api_url(words: &[String]) -> Option<String> {
    let given = words.iter().enumerate().find_map(|(i, w)| {
        if w == "--api-url" {
            words.get(i + 1).cloned()
        } else {
            w.strip_prefix("--api-url=").map(String::from)
        }
    });
    given.or_else(|| std::env::var(API_URL_ENV).ok().filter(|u| !u.is_empty()))
}

/// The first word after `group sub` that is not an option (nor an option's value): the
/// stream of `outputs delete bart <Tab>`.
fn stream_typed(words: &[String], group: &str) -> Option<String> {
    let start = words.iter().position(|w| w == group)? + 2;
    let mut skip = false;
    for w in words.iter().skip(start) {
        if skip {
            skip = false;
            continue;
        }
        if w.starts_with('-') {
            // Options of these commands that take a value.
            skip =
                !w.contains('=') && !matches!(w.as_str(), "-k" | "--export-keys" | "--recursive");
            continue;
        }
        return Some(w.clone());
    }
    None
}

/// Asks the API with `ask`, within `WAIT`; any failure is no names.
fn ask<F>(ask: F) -> Vec<String>
where
    F: AsyncFnOnce(&ApiClient) -> Result<Vec<String>, ClientError>,
{
    let words = words();
    let url = api_url(&words);
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    runtime.block_on(async {
        let paths = Paths::from_env();
        let work = async {
            let backend = crate::backend::connect(&paths, url.as_deref()).await.ok()?;
            let names = ask(&backend.client).await.ok();
            backend.shutdown().await;
            names
        };
        tokio::time::timeout(WAIT, work)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    })
}

fn starting_with(current: &OsStr, mut names: Vec<String>) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| n.starts_with(current.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

/// The names `list` answers (each named by `name`) that start with what is typed.
fn complete<T, F>(current: &OsStr, list: F, name: fn(T) -> String) -> Vec<CompletionCandidate>
where
    F: AsyncFnOnce(&ApiClient) -> Result<Vec<T>, ClientError>,
{
    let names = ask(async move |api| Ok(list(api).await?.into_iter().map(name).collect()));
    starting_with(current, names)
}

pub fn streams(current: &OsStr) -> Vec<CompletionCandidate> {
    complete(current, async |api| api.list_streams().await, |s| s.name)
}

/// The outputs of the stream typed before (`outputs delete bart <Tab>`).
pub fn outputs(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(stream) = stream_typed(&words(), "outputs") else {
        return Vec::new();
    };
    complete(
        current,
        async |api| api.list_outputs(&stream).await,
        |o| o.name,
    )
}

/// Streams and outputs: what an exporter reads.
pub fn streams_and_outputs(current: &OsStr) -> Vec<CompletionCandidate> {
    let names = ask(async |api| {
        let streams = api.list_streams().await?;
        let mut names: Vec<String> = streams.iter().map(|s| s.name.clone()).collect();
        for s in &streams {
            names.extend(api.list_outputs(&s.name).await?.into_iter().map(|o| o.name));
        }
        Ok(names)
    });
    starting_with(current, names)
}

pub fn sinks(current: &OsStr) -> Vec<CompletionCandidate> {
    complete(current, async |api| api.list_sinks().await, |s| s.sink_name)
}

/// The exporters of the stream or output typed before, else all of them.
pub fn exporters(current: &OsStr) -> Vec<CompletionCandidate> {
    let on = stream_typed(&words(), "exporters");
    let on_it = async |api: &ApiClient| {
        let all = api.list_exporters().await?;
        Ok(all
            .into_iter()
            .filter(|e| on.as_ref().is_none_or(|s| *s == e.linked_stream))
            .collect())
    };
    complete(current, on_it, |e| e.name)
}

pub fn consent_levels(current: &OsStr) -> Vec<CompletionCandidate> {
    complete(
        current,
        async |api| api.list_consent_levels().await,
        |c| c.id.to_string(),
    )
}

/// Data contracts by ref: the account's own and the public ones.
pub fn data_contracts(current: &OsStr) -> Vec<CompletionCandidate> {
    complete(
        current,
        async |api| api.list_data_contracts().await,
        |c| c.reference.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(line: &str) -> Vec<String> {
        line.split(' ').map(String::from).collect()
    }

    #[test]
    fn the_stream_typed_before_is_found_past_options() {
        assert_eq!(
            stream_typed(&w("strm-tui outputs delete bart "), "outputs").as_deref(),
            Some("bart")
        );
        assert_eq!(
            stream_typed(
                &w("strm-tui exporters delete -en s3 level0-1 "),
                "exporters"
            )
            .as_deref(),
            Some("level0-1")
        );
        assert_eq!(
            api_url(&w("strm-tui --api-url http://x:1 streams list")).as_deref(),
            Some("http://x:1")
        );
    }
}
