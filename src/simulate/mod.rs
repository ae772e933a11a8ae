//! `strm-tui simulate`: send events like the 2021 service's own simulator did (or the
//! events of a file, under any contract). On the local server a simulator outlives the process that runs the server: when that one
//! quits, the simulator takes the server over (or joins whoever did) and goes on.

pub mod source;

use std::io::Write;
use std::time::Duration;

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

use apache_avro::Schema as AvroSchema;
use source::{Events, Plan};
use strm_client::ClientError;
use strm_client::events::{EventClient, EventHosts, Serialization};
use strm_client::secrets::{SavedSecret, SecretStore};
use strm_model::{ContractRef, EventAuthRequest, Invalid, SchemaType, Secret};
use strm_server::dataplane::avro_json;
use strm_server::dataplane::schemas::SchemaRegistry;

/// The consent sets the simulator draws from (`schemas/README.md`).
pub const CONSENT_CHOICES: [&[i32]; 5] = [&[], &[0], &[0, 1], &[0, 1, 2], &[0, 1, 2, 3]];
/// How often the simulator reports its count.
pub const REPORT_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// The stream to send to.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::names::streams))]
    pub stream: String,
    /// Events per second.
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
    /// Stop after this many events (default: run until interrupted).
    #[arg(long)]
    pub count: Option<u64>,
    /// The event schema; the simulator knows `clickstream`.
    #[arg(long, default_value = "clickstream", conflicts_with = "contract")]
    pub schema: String,
    /// Send under this data contract (handle/name/version): one of yours with --file,
    /// or a public one (the built-ins keep their generators).
    #[arg(long, value_name = "REF",
          add = clap_complete::engine::ArgValueCompleter::new(crate::cli::names::data_contracts))]
    pub contract: Option<String>,
    /// Send the events of this JSONL file (one JSON event per line) instead of
    /// generated ones; --count defaults to the number of events in it.
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    /// The stream's client id (default: the secret saved when the stream was created).
    #[arg(long, requires = "client_secret")]
    pub client_id: Option<String>,
    /// The stream's client secret.
    #[arg(
        long,
        requires = "client_id",
        env = "STRM_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<Secret>,
    /// Send plain JSON instead of Avro binary.
    #[arg(long)]
    pub json: bool,
    /// Where the data plane is (`/auth`, `/event`); default: the API's own address, as
    /// on the local server.
    #[arg(long, env = "STRM_EVENTS_URL")]
    pub events_url: Option<String>,
}

/// One simulated `clickstream` event (`schemas/README.md`, "Simulated events").
pub fn clickstream_event(rng: &mut impl Rng) -> Value {
    let session = format!("session-{}", rng.random_range(0..1000));
    let levels = CONSENT_CHOICES.choose(rng).copied().unwrap_or(&[]);
    json!({
        "strmMeta": {"schemaId": "clickstream", "consentLevels": levels},
        "producerSessionId": session,
        "url": "https://www.streammachine.io/rules",
        "eventType": "",
        "referrer": "",
        "userAgent": "",
        "conversion": 0,
        "customer": {"id": format!("customer-{session}")},
        "abTests": [],
    })
}

/// Where and as whom the simulator sends.
#[derive(Clone)]
pub struct Target {
    /// The data plane's base URL (the local server's address).
    pub events_url: String,
    pub billing_id: String,
    pub client_id: String,
    pub client_secret: String,
}

strm_model::debug_showing!(Target {
    events_url,
    billing_id,
    client_id
});

impl Target {
    /// The credentials from the arguments, else from the saved secrets of `api_url`.
    pub fn resolve(
        args: &SimulateArgs,
        events_url: &str,
        api_url: &str,
        billing_id: &str,
        secrets: &SecretStore,
    ) -> Result<Target, ClientError> {
        let saved = match (&args.client_id, &args.client_secret) {
            (Some(id), Some(secret)) => SavedSecret {
                client_id: id.clone(),
                client_secret: secret.expose().to_owned(),
            },
            _ => secrets
                .get(api_url, billing_id, &args.stream)?
                .ok_or_else(|| {
                    Invalid::new(
                        "--client-id",
                        format!(
                            "no secret for stream {:?} is saved in {}",
                            args.stream,
                            secrets.path().display()
                        ),
                        "give --client-id and --client-secret, or create the stream with this \
                         console or CLI so that its secret is saved",
                    )
                })?,
        };
        Ok(Target {
            events_url: events_url.to_owned(),
            billing_id: billing_id.to_owned(),
            client_id: saved.client_id,
            client_secret: saved.client_secret,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimulationReport {
    pub sent: u64,
    pub rejected: u64,
}

fn check_args(args: &SimulateArgs) -> Result<(), Invalid> {
    if args.schema != "clickstream" {
        return Err(Invalid::new(
            "--schema",
            format!("{:?} has no simulator", args.schema),
            "the simulator sends clickstream events; send other events with --contract REF --file FILE",
        ));
    }
    check_rate(args)
}

/// The simulator's plan for built-in arguments: clickstream events, Avro binary unless
/// `--json`. Contracts of one's own need the API (`simulate_command`).
pub fn builtin_plan(args: &SimulateArgs) -> Result<Plan, Invalid> {
    check_args(args)?;
    let registry = SchemaRegistry::embedded()
        .map_err(|e| Invalid::new("--schema", e.to_string(), "the built-in schemas load"))?;
    let avro = match registry.get(&args.schema) {
        Some(s) if !args.json => s.avro().cloned(),
        _ => None,
    };
    let events = match &args.file {
        Some(file) => Events::File(source::read_jsonl(file)?),
        None => Events::Clickstream,
    };
    Ok(Plan {
        schema: args.schema.clone(),
        events,
        avro,
    })
}

fn check_rate(args: &SimulateArgs) -> Result<(), Invalid> {
    if !(args.rate.is_finite() && args.rate > 0.0 && args.rate <= 100_000.0) {
        return Err(Invalid::new(
            "--rate",
            format!("{} is not a usable rate", args.rate),
            "the rate is events per second, more than 0 and at most 100000",
        ));
    }
    Ok(())
}

/// The local server as a simulator (or the demo) uses it: connected again — started here
/// or joined — when the process that ran it quits.
pub struct LocalHost {
    paths: strm_client::paths::Paths,
    backend: crate::backend::Backend,
}

impl LocalHost {
    /// Starts or joins the local server of `paths`.
    pub async fn connect(paths: &strm_client::paths::Paths) -> color_eyre::Result<LocalHost> {
        Ok(LocalHost {
            paths: paths.clone(),
            backend: crate::backend::connect(paths, None).await?,
        })
    }

    pub fn backend(&self) -> &crate::backend::Backend {
        &self.backend
    }

    /// After the server went away: start it here, or join the process that did first.
    /// Tries for up to `TAKE_OVER_FOR`; answers the server's (possibly new) address.
    async fn take_over(&mut self) -> Result<String, ClientError> {
        let deadline = tokio::time::Instant::now() + TAKE_OVER_FOR;
        loop {
            // This process runs the server: it did not go away, the network did.
            if self.backend.runs_server() {
                return Err(ClientError::Unreachable {
                    api: self.backend.api_url.clone(),
                    reason: "the server this process runs does not answer".into(),
                });
            }
            match crate::backend::connect(&self.paths, None).await {
                Ok(b) => {
                    self.backend = b;
                    return Ok(self.backend.api_url.clone());
                }
                Err(e) if tokio::time::Instant::now() >= deadline => {
                    return Err(ClientError::Unreachable {
                        api: "the local server".into(),
                        reason: format!("{e:#}"),
                    });
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    pub async fn shutdown(self) {
        self.backend.shutdown().await;
    }
}

/// How long a simulator keeps trying to take the local server over.
const TAKE_OVER_FOR: Duration = Duration::from_secs(30);

fn event_client(target: &Target, events_url: &str) -> Result<EventClient, ClientError> {
    EventClient::new(
        EventHosts::single(events_url)?,
        EventAuthRequest {
            billing_id: target.billing_id.clone(),
            client_id: target.client_id.clone(),
            client_secret: target.client_secret.clone(),
        },
    )
}

/// The local server went away (`why`): take it over, say so, and answer a client that
/// sends to wherever it runs now.
async fn take_over(
    host: &mut LocalHost,
    target: &Target,
    why: &ClientError,
    out: &mut (dyn Write + Send),
) -> Result<EventClient, ClientError> {
    let _ = writeln!(
        out,
        "the local server went away ({why}); taking it over or joining whoever did"
    );
    let url = host.take_over().await?;
    let client = event_client(target, &url)?;
    client.authenticate().await?;
    let how = if host.backend.runs_server() {
        "this process runs the local server now"
    } else {
        "joined the process that runs it now"
    };
    let _ = writeln!(out, "sending to {url} again ({how})");
    Ok(client)
}

/// Sends the plan's events at `args.rate` until `args.count` are sent (or forever, or
/// the file's last), printing the count to `out` every five seconds. With `host` (the local server), a
/// server that goes away is taken over and the events go on.
pub async fn simulate(
    args: &SimulateArgs,
    target: &Target,
    plan: &Plan,
    mut host: Option<&mut LocalHost>,
    out: &mut (dyn Write + Send),
) -> Result<SimulationReport, strm_client::ClientError> {
    check_rate(args)?;
    let mut client = event_client(target, &target.events_url)?;
    if let Err(e) = client.authenticate().await {
        match host.as_deref_mut() {
            Some(host) if e.is_offline() => client = take_over(host, target, &e, out).await?,
            _ => return Err(e),
        }
    }
    let count = match (&plan.events, args.count) {
        (Events::File(events), None) => Some(events.len() as u64),
        (_, count) => count,
    };
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut report = SimulationReport::default();
    let mut last_report = tokio::time::Instant::now();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_os_rng();
    let mut n = 0usize;
    while count.is_none_or(|c| report.sent + report.rejected < c) {
        tick.tick().await;
        let (line, event) = match &plan.events {
            Events::Clickstream => (None, clickstream_event(&mut rng)),
            Events::File(events) => {
                let (line, event) = &events[n % events.len()];
                (Some(*line), event.clone())
            }
        };
        n += 1;
        let result = match &plan.avro {
            None => client.send_json(&plan.schema, &event).await,
            Some(avro) => match avro_json::from_json(avro, &event) {
                Ok(value) => {
                    let bytes = apache_avro::to_avro_datum(avro, value)
                        .map_err(|e| strm_client::ClientError::Refused(e.to_string()))?;
                    client
                        .send(&plan.schema, Serialization::AvroBinary, bytes)
                        .await
                }
                // Said as the server would have: the event does not fit its schema.
                Err(e) => Err(strm_client::ClientError::Api {
                    status: 400,
                    message: e.to_string(),
                }),
            },
        };
        match result {
            Ok(()) => report.sent += 1,
            Err(e @ strm_client::ClientError::Api { status: 400, .. }) => {
                report.rejected += 1;
                match line {
                    Some(line) => {
                        let _ = writeln!(out, "event rejected: line {line}: {e}");
                    }
                    None => {
                        let _ = writeln!(out, "event rejected: {e}");
                    }
                }
            }
            Err(e) if e.is_offline() && host.is_some() => {
                let Some(host) = host.as_deref_mut() else {
                    return Err(e);
                };
                client = take_over(host, target, &e, out).await?;
            }
            Err(e) => return Err(e),
        }
        if last_report.elapsed() >= REPORT_EVERY {
            last_report = tokio::time::Instant::now();
            let _ = writeln!(out, "{} events sent to {}", report.sent, args.stream);
        }
    }
    let _ = writeln!(out, "{} events sent to {}", report.sent, args.stream);
    if report.rejected > 0 {
        let _ = writeln!(out, "{} events rejected", report.rejected);
    }
    Ok(report)
}

/// The plan for `--contract REF`: a public contract keeps its generator (or sends the
/// file); one's own contract sends the file, as Avro binary when it is an AVRO
/// contract (unless `--json`), else as JSON.
async fn contract_plan(
    api: &strm_client::ApiClient,
    args: &SimulateArgs,
    reference: &str,
) -> color_eyre::Result<Plan> {
    let r: ContractRef = reference
        .parse()
        .map_err(|e: Invalid| Invalid::new("--contract", e.to_string(), source::CONTRACT_RULE))?;
    if r.is_public() {
        let registry = SchemaRegistry::embedded()?;
        let id = registry
            .by_ref(reference)
            .map(|s| s.id.clone())
            .ok_or_else(|| {
                Invalid::new(
                    "--contract",
                    format!("{reference:?} is not a public contract"),
                    source::CONTRACT_RULE,
                )
            })?;
        let mut builtin = args.clone();
        builtin.schema = id;
        return Ok(builtin_plan(&builtin)?);
    }
    let Some(file) = &args.file else {
        return Err(Invalid::new(
            "--file",
            "is missing",
            format!(
                "a contract of your own has no generator: give its events with --file; {}",
                source::FILE_RULE
            ),
        )
        .into());
    };
    let events = source::read_jsonl(file)?;
    let contract = api.get_data_contract(&r).await?;
    let avro = match contract.schema_type {
        SchemaType::Avro if !args.json => Some(AvroSchema::parse_str(&contract.schema)?),
        _ => None,
    };
    Ok(Plan {
        schema: r.to_string(),
        events: Events::File(events),
        avro,
    })
}

/// `strm-tui simulate`: the billing id from the session of `api_url` (or the local
/// server when `None`), the stream's secret from the arguments or the saved secrets.
pub async fn simulate_command(
    paths: &strm_client::paths::Paths,
    api_url: Option<&str>,
    args: &SimulateArgs,
    out: &mut (dyn Write + Send),
) -> color_eyre::Result<SimulationReport> {
    let (remote, mut host) = match api_url {
        Some(url) => (Some(crate::backend::connect(paths, Some(url)).await?), None),
        None => (None, Some(LocalHost::connect(paths).await?)),
    };
    let backend = match (&remote, &host) {
        (Some(b), _) => b,
        (None, Some(h)) => h.backend(),
        (None, None) => unreachable!("one of the two is connected"),
    };
    let (api, client) = (backend.api_url.clone(), backend.client.clone());
    // Proves the session (refreshing it when due) and yields the billing id.
    client.access_token().await?;
    let session = client
        .session()
        .await
        .ok_or_else(|| color_eyre::eyre::eyre!("not logged in to {api}"))?;
    let secrets = SecretStore::new(paths);
    let events_url = args.events_url.clone().unwrap_or_else(|| api.clone());
    let target = Target::resolve(args, &events_url, &api, &session.billing_id, &secrets)?;
    // With its own data-plane address the simulator has nothing to take over.
    let plan = match &args.contract {
        Some(r) => contract_plan(&client, args, r).await?,
        None => builtin_plan(args)?,
    };
    let host_ref = host.as_mut().filter(|_| args.events_url.is_none());
    let report = simulate(args, &target, &plan, host_ref, out).await?;
    if let Some(host) = host {
        host.shutdown().await;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_events_follow_the_readme() {
        let mut rng = rand::rng();
        let registry = SchemaRegistry::embedded().unwrap();
        let schema = registry.get("clickstream").unwrap();
        let mut seen_levels = std::collections::HashSet::new();
        for _ in 0..500 {
            let e = clickstream_event(&mut rng);
            let session = e["producerSessionId"].as_str().unwrap();
            let n: u32 = session.strip_prefix("session-").unwrap().parse().unwrap();
            assert!(n < 1000);
            assert_eq!(e["customer"]["id"], format!("customer-{session}"));
            assert_eq!(e["url"], "https://www.streammachine.io/rules");
            seen_levels.insert(e["strmMeta"]["consentLevels"].to_string());
            // Every simulated event is valid for the schema and its contract.
            let v = avro_json::from_json(schema.avro().unwrap(), &e).unwrap();
            strm_server::dataplane::decode::check(schema, &v).unwrap();
        }
        assert_eq!(seen_levels.len(), 5, "{seen_levels:?}");
    }

    fn args() -> SimulateArgs {
        SimulateArgs {
            stream: "bart".into(),
            rate: 10.0,
            count: None,
            schema: "clickstream".into(),
            contract: None,
            file: None,
            client_id: None,
            client_secret: None,
            json: false,
            events_url: None,
        }
    }

    #[test]
    fn credentials_come_from_arguments_or_saved_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::at(dir.path().join("s.json"));
        let err = Target::resolve(&args(), "http://e", "http://a", "b1", &store).unwrap_err();
        assert!(err.to_string().contains("\"bart\""), "{err}");
        store
            .save(
                "http://a",
                "b1",
                "bart",
                SavedSecret {
                    client_id: "id".into(),
                    client_secret: "sec".into(),
                },
            )
            .unwrap();
        let t = Target::resolve(&args(), "http://e", "http://a", "b1", &store).unwrap();
        assert_eq!(
            (t.client_id.as_str(), t.client_secret.as_str()),
            ("id", "sec")
        );
        let mut explicit = args();
        explicit.client_id = Some("x".into());
        explicit.client_secret = Some(Secret::new("y"));
        let empty = SecretStore::at(dir.path().join("none.json"));
        let t = Target::resolve(&explicit, "http://e", "http://a", "b1", &empty).unwrap();
        assert_eq!(t.client_id, "x");
    }

    #[test]
    fn bad_arguments_name_the_option() {
        let mut a = args();
        a.schema = "pageviews".into();
        assert_eq!(check_args(&a).unwrap_err().field, "--schema");
        let mut a = args();
        a.rate = 0.0;
        assert_eq!(check_args(&a).unwrap_err().field, "--rate");
    }
}
