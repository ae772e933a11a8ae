//! Seeing the data flow from scripts (`observability.md`): `usage` as CSV or JSON,
//! `sinks objects` (JSON) and `sinks get-object` (the bytes, to stdout). `exporters
//! status` prints the API's JSON like the other exporter commands.

use std::io::Write;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::args::UsageArgs;
use super::output::{CliError, CliResult, print_json};
use crate::backend::Backend;
use strm_client::{ObjectQuery, UsageQuery};
use strm_model::{ObjectList, SinkType, Usage, now_epoch_ms, rules};

/// A window's start as the CSV shows it: RFC 3339 in UTC.
fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// The later Stream Machine CLI's columns: `from,count,duration,change,rate` — the
/// window's start, its events, its length in seconds, the difference from the window
/// before (empty for the first) and events per second.
pub fn usage_csv(usage: &Usage) -> String {
    let mut out = String::from("from,count,duration,change,rate\n");
    let mut previous: Option<u64> = None;
    for w in &usage.windows {
        let change = previous.map_or(String::new(), |p| {
            (w.event_count as i64 - p as i64).to_string()
        });
        let rate = w.event_count as f64 / usage.by.max(1) as f64;
        out.push_str(&format!(
            "{},{},{},{change},{rate:.3}\n",
            rfc3339(w.start_time),
            w.event_count,
            usage.by
        ));
        previous = Some(w.event_count);
    }
    out
}

fn write_stdout(bytes: &[u8]) -> Result<(), std::io::Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|_| out.flush())
}

/// A write to a closed pipe (`| head`) ends the command quietly.
fn written(result: Result<(), std::io::Error>) -> CliResult {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Failed(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

pub async fn usage(args: UsageArgs, backend: &Backend) -> CliResult {
    rules::check_name("name", &args.stream)?;
    if let Some(o) = &args.output {
        rules::check_name("output", o)?;
    }
    // The server's rules, checked here first so a mistake costs no round trip.
    let range = rules::usage_range(
        args.from.as_deref(),
        args.until.as_deref(),
        Some(&args.by),
        now_epoch_ms(),
    )?;
    let query = UsageQuery {
        from: args.from,
        until: args.until,
        by: Some(range.by),
    };
    let usage = backend
        .client
        .usage(&args.stream, args.output.as_deref(), &query)
        .await?;
    if args.json {
        print_json(&usage)
    } else {
        written(write_stdout(usage_csv(&usage).as_bytes()))
    }
}

/// `sinks objects`: one page with `--limit`, else every page as one list.
pub async fn list_objects(
    backend: &Backend,
    name: String,
    mut query: ObjectQuery,
    limit: Option<String>,
) -> CliResult {
    let client = &backend.client;
    rules::check_name("sink-name", &name)?;
    rules::check_object_prefix(&query.prefix)?;
    query.limit = limit.map(|l| rules::check_objects_limit(&l)).transpose()?;
    if query.limit.is_some() {
        return print_json(&client.list_objects(&name, &query).await?);
    }
    let mut all = ObjectList::default();
    loop {
        let page = client.list_objects(&name, &query).await?;
        all.objects.extend(page.objects);
        all.prefixes.extend(page.prefixes);
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    print_json(&all)
}

/// `sinks get-object`: the object's bytes to stdout, read in parts of 1 MiB.
pub async fn get_object(
    backend: &Backend,
    name: &str,
    key: &str,
    sink_type: Option<SinkType>,
) -> CliResult {
    rules::check_name("sink-name", name)?;
    rules::check_object_key(key)?;
    let mut failed: Option<std::io::Error> = None;
    let mut take = |bytes: &[u8]| {
        if failed.is_none()
            && let Err(e) = write_stdout(bytes)
        {
            failed = Some(e);
        }
        Ok(())
    };
    backend
        .client
        .read_object_whole(name, sink_type, key, None, &mut take)
        .await?;
    written(failed.map_or(Ok(()), Err))
}

#[cfg(test)]
mod tests {
    use super::*;
    use strm_model::UsageWindow;

    #[test]
    fn csv_has_the_later_clis_columns() {
        let w = |start: i64, n: u64| UsageWindow {
            start_time: start,
            end_time: start + 300_000,
            event_count: n,
        };
        let usage = Usage {
            stream: "bart".into(),
            output: None,
            by: 300,
            windows: vec![w(1_764_444_000_000, 60), w(1_764_444_300_000, 15)],
            last_event_at: None,
        };
        assert_eq!(
            usage_csv(&usage),
            "from,count,duration,change,rate\n\
             2025-11-29T19:20:00Z,60,300,,0.200\n\
             2025-11-29T19:25:00Z,15,300,-45,0.050\n"
        );
    }
}
