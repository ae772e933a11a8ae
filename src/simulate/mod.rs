//! `strm-tui simulate` and `strm-tui demo`: send events like the 2021 service's own
//! simulator did (or the events of a file, under any contract), and set up the seed's
//! scenario in the local account so that every screen of the console has something live
//! to show.

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
    #[arg(long, value_name = "REF")]
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

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Events per second of the simulator the demo starts.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// Stop the simulator after this many events (default: run until interrupted).
    #[arg(long)]
    pub count: Option<u64>,
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

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("events_url", &self.events_url)
            .field("billing_id", &self.billing_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

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

/// Sends the plan's events at `args.rate` until `args.count` are sent (or forever, or
/// the file's last), printing the count to `out` every five seconds.
pub async fn simulate(
    args: &SimulateArgs,
    target: &Target,
    plan: &Plan,
    out: &mut (dyn Write + Send),
) -> Result<SimulationReport, strm_client::ClientError> {
    check_rate(args)?;
    let client = EventClient::new(
        EventHosts::single(&target.events_url)?,
        EventAuthRequest {
            billing_id: target.billing_id.clone(),
            client_id: target.client_id.clone(),
            client_secret: target.client_secret.clone(),
        },
    )?;
    client.authenticate().await?;
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
    let backend = crate::backend::connect(paths, api_url).await?;
    // Proves the session (refreshing it when due) and yields the billing id.
    backend.client.access_token().await?;
    let session = backend
        .client
        .session()
        .await
        .ok_or_else(|| color_eyre::eyre::eyre!("not logged in to {}", backend.api_url))?;
    let secrets = SecretStore::new(paths);
    let events_url = args
        .events_url
        .clone()
        .unwrap_or_else(|| backend.api_url.clone());
    let target = Target::resolve(
        args,
        &events_url,
        &backend.api_url,
        &session.billing_id,
        &secrets,
    )?;
    let plan = match &args.contract {
        Some(r) => contract_plan(&backend.client, args, r).await?,
        None => builtin_plan(args)?,
    };
    let report = simulate(args, &target, &plan, out).await?;
    backend.shutdown().await;
    Ok(report)
}

/// The names the demo creates (the seed's walkthrough).
pub const DEMO_STREAM: &str = "bart";
pub const DEMO_OUTPUT: &str = "level0-1";
pub const DEMO_SINK: &str = "s3-bart";
pub const DEMO_BUCKET: &str = "strm-demo-bucket";
pub const DEMO_EXPORTER: &str = "s3";

/// The credentials of a stream or output: created now (and saved), or saved earlier.
async fn demo_credentials(
    secrets: &SecretStore,
    api_url: &str,
    billing_id: &str,
    name: &str,
    create: impl std::future::Future<Output = Result<strm_model::Credentials, strm_client::ClientError>>,
    exists: bool,
) -> color_eyre::Result<SavedSecret> {
    if let Some(saved) = secrets.get(api_url, billing_id, name)? {
        return Ok(saved);
    }
    if exists {
        color_eyre::eyre::bail!(
            "{name:?} exists but its secret is not saved in {}; delete it (strm-tui delete) and run the demo again",
            secrets.path().display()
        );
    }
    let creds = create.await?;
    secrets
        .save_created(api_url, billing_id, name, &creds)?
        .ok_or_else(|| color_eyre::eyre::eyre!("the API created {name:?} without a client secret"))
}

/// `strm-tui demo`: the seed's scenario in the local account (stream `bart`, output
/// `level0-1` GRANULAR [0, 1], a local sink, an exporter every 30 s), then the simulator.
pub async fn demo(
    paths: &strm_client::paths::Paths,
    args: &DemoArgs,
    out: &mut (dyn Write + Send),
) -> color_eyre::Result<SimulationReport> {
    use strm_model::{
        ConsentLevelType, ExporterCreate, ExporterType, OutputCreate, SinkCreate, SinkType,
        StreamCreate,
    };
    let backend = crate::backend::connect(paths, None).await?;
    let api = &backend.client;
    let session = api
        .session()
        .await
        .ok_or_else(|| color_eyre::eyre::eyre!("not signed in to the local server"))?;
    let billing_id = session.billing_id.clone();
    let secrets = SecretStore::new(paths);
    let streams = api.list_streams().await?;
    let stream_exists = streams.iter().any(|s| s.name == DEMO_STREAM);
    let stream = demo_credentials(
        &secrets,
        &backend.api_url,
        &billing_id,
        DEMO_STREAM,
        async {
            let s = api
                .create_stream(&StreamCreate {
                    name: DEMO_STREAM.into(),
                    description: Some("strm-tui demo: simulated clickstream events".into()),
                    tags: vec!["demo".into()],
                })
                .await?;
            Ok(s.credentials)
        },
        stream_exists,
    )
    .await?;
    let output_exists = stream_exists
        && api
            .list_outputs(DEMO_STREAM)
            .await?
            .iter()
            .any(|o| o.name == DEMO_OUTPUT);
    demo_credentials(
        &secrets,
        &backend.api_url,
        &billing_id,
        DEMO_OUTPUT,
        async {
            let o = api
                .create_output(
                    DEMO_STREAM,
                    &OutputCreate {
                        name: DEMO_OUTPUT.into(),
                        consent_level_type: ConsentLevelType::Granular,
                        consent_levels: vec![0, 1],
                        ..Default::default()
                    },
                )
                .await?;
            Ok(o.credentials)
        },
        output_exists,
    )
    .await?;
    api.create_sink(&SinkCreate {
        sink_type: SinkType::S3,
        sink_name: DEMO_SINK.into(),
        bucket_name: DEMO_BUCKET.into(),
        credentials: None,
    })
    .await?;
    let has_exporter = api
        .list_exporters()
        .await?
        .iter()
        .any(|e| e.linked_stream == DEMO_OUTPUT && e.name == DEMO_EXPORTER);
    if !has_exporter {
        api.create_exporter(
            DEMO_OUTPUT,
            &ExporterCreate {
                name: DEMO_EXPORTER.into(),
                sink_name: DEMO_SINK.into(),
                sink_type: SinkType::S3,
                interval_secs: 30,
                exporter_type: ExporterType::Batch,
                path_prefix: Some("level01".into()),
                export_keys: false,
            },
        )
        .await?;
    }
    let _ = writeln!(
        out,
        "demo ready on {}: stream {DEMO_STREAM}, output {DEMO_OUTPUT} (GRANULAR 0,1), exporter \
         {DEMO_EXPORTER} every 30 s to {}",
        backend.api_url,
        strm_server::dataplane::exporter::buckets_dir(&paths.server_dir())
            .join(DEMO_BUCKET)
            .display()
    );
    let sim = SimulateArgs {
        stream: DEMO_STREAM.into(),
        rate: args.rate,
        count: args.count,
        schema: "clickstream".into(),
        contract: None,
        file: None,
        client_id: Some(stream.client_id.clone()),
        client_secret: Some(Secret::new(stream.client_secret.clone())),
        json: false,
        events_url: None,
    };
    let target = Target {
        events_url: backend.api_url.clone(),
        billing_id,
        client_id: stream.client_id,
        client_secret: stream.client_secret,
    };
    let plan = builtin_plan(&sim)?;
    let report = simulate(&sim, &target, &plan, out).await?;
    backend.shutdown().await;
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
