//! The rules of a node's cluster options (`strm-tui serve --database`, `--event-store`,
//! `--event-replicas`, `--node-name`): the server refuses a bad value at start with the
//! option, the value's problem and the rule, as the CLI does before it starts anything.

use super::Invalid;

pub const EVENT_STORE_RULE: &str = "the event store is `local` (the data directory's own log) \
     or one or more comma-separated nats://HOST[:PORT] (or tls://) URLs of a JetStream cluster";
pub const EVENT_REPLICAS_MIN: usize = 1;
pub const EVENT_REPLICAS_MAX: usize = 5;
pub const EVENT_REPLICAS_RULE: &str = "event replicas are a whole number from 1 to 5 (JetStream's \
     limit; at most the JetStream cluster's size), and only with a nats:// event store";
pub const NODE_NAME_MAX: usize = 63;
pub const NODE_NAME_RULE: &str = "a node name is 1-63 characters of letters, digits, '.', '-', \
     '_' and ':'";

pub const DATABASE_RULE: &str = "the database is `sqlite` (a file in the data directory) or a \
     postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE URL of a PostgreSQL server that the nodes \
     share";

/// Where a node keeps accounts, resources, keys and positions, as `--database` names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DatabaseOption {
    /// `server/strm.db` in the data directory (the embedded default).
    #[default]
    Sqlite,
    /// A PostgreSQL URL, credentials included as given.
    Postgres(String),
}

impl DatabaseOption {
    /// The option as a log line may show it: credentials replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseOption::Sqlite => "sqlite".into(),
            DatabaseOption::Postgres(url) => redact_url(url),
        }
    }
}

/// Parses `--database`: `sqlite`, or a `postgres://` (or `postgresql://`) URL with a host
/// and a database name. The messages show the URL without its credentials.
pub fn parse_database(value: &str) -> Result<DatabaseOption, Invalid> {
    let trimmed = value.trim();
    let shown = redact_url(trimmed);
    let fail = |problem: String| Err(Invalid::new("--database", problem, DATABASE_RULE));
    if trimmed.is_empty() {
        return fail("is empty".into());
    }
    if trimmed.eq_ignore_ascii_case("sqlite") {
        return Ok(DatabaseOption::Sqlite);
    }
    let Some((scheme, rest)) = trimmed.split_once("://") else {
        return fail(format!(
            "{shown:?} is neither `sqlite` nor a URL (no scheme://)"
        ));
    };
    if !matches!(scheme, "postgres" | "postgresql") {
        return fail(format!("{shown:?} has the scheme {scheme:?}"));
    }
    let after_user = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let (host, path) = after_user.split_once('/').unwrap_or((after_user, ""));
    if host.is_empty() {
        return fail(format!("{shown:?} has no host"));
    }
    let database = path.split('?').next().unwrap_or("");
    if database.is_empty() {
        return fail(format!("{shown:?} names no database (…/DATABASE)"));
    }
    Ok(DatabaseOption::Postgres(trimmed.to_string()))
}

/// Where a node keeps its events, as `--event-store` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventStoreOption {
    /// The data directory's own log (the embedded default).
    Local,
    /// The URLs of a NATS JetStream cluster, credentials included as given.
    Nats(Vec<String>),
}

impl EventStoreOption {
    /// The option as a log line may show it: credentials in URLs replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            EventStoreOption::Local => "local".into(),
            EventStoreOption::Nats(urls) => urls
                .iter()
                .map(|u| redact_url(u))
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// A URL with its `user:password@` part (if any) replaced by `***@`.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Parses `--event-store`: `local`, or comma-separated `nats://` / `tls://` URLs. The
/// messages show URLs without their credentials.
pub fn parse_event_store(value: &str) -> Result<EventStoreOption, Invalid> {
    let field = "--event-store";
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Invalid::new(field, "is empty", EVENT_STORE_RULE));
    }
    if trimmed.eq_ignore_ascii_case("local") {
        return Ok(EventStoreOption::Local);
    }
    let mut urls = Vec::new();
    for part in trimmed.split(',').map(str::trim) {
        let shown = redact_url(part);
        let fail = |problem: String| Err(Invalid::new(field, problem, EVENT_STORE_RULE));
        if part.is_empty() {
            return fail(format!(
                "{:?} has an empty URL between commas",
                redact_url(trimmed)
            ));
        }
        let Some((scheme, rest)) = part.split_once("://") else {
            return fail(format!("{shown:?} is not a URL (no scheme://)"));
        };
        if !matches!(scheme, "nats" | "tls") {
            return fail(format!("{shown:?} has the scheme {scheme:?}"));
        }
        let host_port = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
        let host_port = host_port.trim_end_matches('/');
        if host_port.contains('/') || host_port.contains('?') {
            return fail(format!("{shown:?} has a path or query"));
        }
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p)),
            _ => (host_port, None),
        };
        if host.is_empty() {
            return fail(format!("{shown:?} has no host"));
        }
        if let Some(p) = port
            && !p.parse::<u16>().is_ok_and(|p| p > 0)
        {
            return fail(format!("{shown:?} has the port {p:?}, not 1-65535"));
        }
        urls.push(part.to_string());
    }
    Ok(EventStoreOption::Nats(urls))
}

/// Checks `--event-replicas` against the event store it applies to.
pub fn check_event_replicas(replicas: usize, store: &EventStoreOption) -> Result<(), Invalid> {
    let fail = |problem: String| {
        Err(Invalid::new(
            "--event-replicas",
            problem,
            EVENT_REPLICAS_RULE,
        ))
    };
    if !(EVENT_REPLICAS_MIN..=EVENT_REPLICAS_MAX).contains(&replicas) {
        return fail(format!("is {replicas}"));
    }
    match store {
        EventStoreOption::Local if replicas != 1 => fail(format!(
            "is {replicas} with the local event store, which has one copy"
        )),
        _ => Ok(()),
    }
}

pub fn check_node_name(value: &str) -> Result<(), Invalid> {
    super::check_chars("--node-name", value, NODE_NAME_MAX, NODE_NAME_RULE, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each bad value is refused naming the option, with `says` and the rule.
    fn refuses<T: std::fmt::Debug>(
        parse: fn(&str) -> Result<T, Invalid>,
        option: &str,
        rule: &str,
        cases: &[(&str, &str)],
    ) {
        for (bad, says) in cases {
            let e = parse(bad).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("{option}: ")) && e.contains(says),
                "{bad}: {e}"
            );
            assert!(e.contains(rule), "{e}");
            assert!(!e.contains(":pw@"), "credentials shown: {e}");
        }
    }

    #[test]
    fn the_event_store_is_local_or_nats_urls() {
        assert_eq!(parse_event_store("local").unwrap(), EventStoreOption::Local);
        assert_eq!(
            parse_event_store("nats://a:4222, nats://b:4223,tls://u:p@c").unwrap(),
            EventStoreOption::Nats(vec![
                "nats://a:4222".into(),
                "nats://b:4223".into(),
                "tls://u:p@c".into()
            ])
        );
        refuses(
            parse_event_store,
            "--event-store",
            EVENT_STORE_RULE,
            &[
                ("", "is empty"),
                ("http://a:4222", "scheme \"http\""),
                ("nats://a:99999", "port \"99999\""),
                ("nats://a:1,,nats://b", "empty URL"),
                ("a:4222", "no scheme"),
                ("nats://:4222", "no host"),
            ],
        );
    }

    #[test]
    fn the_database_is_sqlite_or_a_postgres_url() {
        assert_eq!(parse_database("sqlite").unwrap(), DatabaseOption::Sqlite);
        let url = "postgres://strm:pw@db.example:5432/strm?sslmode=disable";
        assert_eq!(
            parse_database(url).unwrap(),
            DatabaseOption::Postgres(url.into())
        );
        assert!(parse_database("postgresql://db/strm").is_ok());
        refuses(
            parse_database,
            "--database",
            DATABASE_RULE,
            &[
                ("", "is empty"),
                ("mysql://db/strm", "scheme \"mysql\""),
                ("db:5432", "no scheme"),
                ("postgres:///strm", "no host"),
                ("postgres://u:pw@db:5432", "names no database"),
            ],
        );
        let db = parse_database("postgres://strm:s3cret@db/strm").unwrap();
        assert_eq!(db.redacted(), "postgres://***@db/strm");
    }

    #[test]
    fn credentials_never_reach_a_message() {
        let e = parse_event_store("nats://strm:s3cret@host:0").unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
        let store = parse_event_store("nats://strm:s3cret@host:4222").unwrap();
        assert_eq!(store.redacted(), "nats://***@host:4222");
    }

    #[test]
    fn replicas_are_one_to_five_and_only_on_jetstream() {
        let nats = EventStoreOption::Nats(vec!["nats://a".into()]);
        assert!(check_event_replicas(3, &nats).is_ok());
        assert!(check_event_replicas(1, &EventStoreOption::Local).is_ok());
        let e = check_event_replicas(0, &nats).unwrap_err().to_string();
        assert!(e.starts_with("--event-replicas: is 0; "), "{e}");
        let e = check_event_replicas(3, &EventStoreOption::Local).unwrap_err();
        assert!(e.to_string().contains("local event store"), "{e}");
    }

    #[test]
    fn node_names_are_host_like() {
        assert!(check_node_name("api-1").is_ok());
        assert!(check_node_name("host.example:8080").is_ok());
        let e = check_node_name("a b").unwrap_err().to_string();
        assert!(e.contains("' '") && e.contains(NODE_NAME_RULE), "{e}");
        assert!(check_node_name("").is_err());
        assert!(check_node_name(&"x".repeat(64)).is_err());
    }
}
