//! `strm-tui demo`: the seed's scenario in the local account — a stream, an output
//! GRANULAR [0, 1], a local bucket sink and an exporter every 30 s — then the simulator.
//! The demo uses names of its own (`demo-…`, or `--prefix`) and never changes a resource
//! it did not make: one of its names taken by something of the user's stops it, saying
//! which. It outlives the process that runs the local server (see `simulate`).

use std::io::Write;

use crate::simulate::{LocalHost, SimulateArgs, SimulationReport, Target, builtin_plan, simulate};
use color_eyre::eyre::{Result, bail, eyre};
use strm_client::ApiClient;
use strm_client::secrets::{SavedSecret, SecretStore};
use strm_model::{
    ConsentLevelType, Credentials, ExporterCreate, ExporterType, OutputCreate, Secret, SinkCreate,
    SinkType, StreamCreate, rules,
};

/// The tag that marks the demo's stream and output as its own.
pub const DEMO_TAG: &str = "strm-tui-demo";
/// The local bucket the demo's sink writes to (`server/buckets/<bucket>`).
pub const DEMO_BUCKET: &str = "strm-demo-bucket";

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Events per second of the simulator the demo starts.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// Stop the simulator after this many events (default: run until interrupted).
    #[arg(long)]
    pub count: Option<u64>,
    /// What the demo's names start with: <prefix>-clicks, <prefix>-level0-1,
    /// <prefix>-sink, <prefix>-export.
    #[arg(long, default_value = "demo", value_name = "TEXT")]
    pub prefix: String,
}

/// The names of the demo's resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoNames {
    pub stream: String,
    pub output: String,
    pub sink: String,
    pub exporter: String,
}

impl DemoNames {
    pub fn new(prefix: &str) -> Result<DemoNames, strm_model::Invalid> {
        let names = DemoNames {
            stream: format!("{prefix}-clicks"),
            output: format!("{prefix}-level0-1"),
            sink: format!("{prefix}-sink"),
            exporter: format!("{prefix}-export"),
        };
        for name in [&names.stream, &names.output, &names.sink, &names.exporter] {
            rules::check_name("--prefix", name)?;
        }
        Ok(names)
    }
}

/// Why an existing resource is not the demo's, and what to do.
fn not_ours(what: &str, why: &str) -> color_eyre::Report {
    eyre!(
        "{what} exists and is not the demo's ({why}); the demo changes nothing of yours: run it \
         with --prefix NAME to use other names"
    )
}

/// The credentials of the demo's stream or output `name`: created now (and saved), or the
/// ones saved when the demo created it before.
async fn own_credentials(
    secrets: &SecretStore,
    api_url: &str,
    billing_id: &str,
    name: &str,
    exists: bool,
    create: impl std::future::Future<Output = Result<Credentials, strm_client::ClientError>>,
) -> Result<SavedSecret> {
    if exists {
        return secrets.get(api_url, billing_id, name)?.ok_or_else(|| {
            eyre!(
                "the demo's {name:?} exists but its secret is not saved in {}; delete it \
                 (strm-tui streams delete {name} --recursive) and run the demo again",
                secrets.path().display()
            )
        });
    }
    let creds = create.await?;
    secrets
        .save_created(api_url, billing_id, name, &creds)?
        .ok_or_else(|| eyre!("the API created {name:?} without a client secret"))
}

/// Sets up the demo's resources in the local account, leaving everything else alone:
/// every name is checked before anything is created, so a conflict changes nothing.
/// Answers the stream's credentials.
async fn set_up(
    api: &ApiClient,
    api_url: &str,
    billing_id: &str,
    secrets: &SecretStore,
    names: &DemoNames,
) -> Result<SavedSecret> {
    let tags = vec![DEMO_TAG.to_string()];
    let is_ours = |t: &[String]| t.iter().any(|t| t == DEMO_TAG);
    let no_tag = format!("it has no tag {DEMO_TAG}");
    // What exists, and whether it is the demo's.
    let streams = api.list_streams().await?;
    let stream = streams.iter().find(|s| s.name == names.stream);
    if stream.is_some_and(|s| !is_ours(&s.tags)) {
        return Err(not_ours(&format!("stream {}", names.stream), &no_tag));
    }
    // Outputs share the namespace of streams: the output's name may be a stream's.
    if streams.iter().any(|s| s.name == names.output) {
        let why = "the demo's output would take its name";
        return Err(not_ours(&format!("stream {}", names.output), why));
    }
    let outputs = match stream {
        Some(_) => api.list_outputs(&names.stream).await?,
        None => Vec::new(),
    };
    let output = outputs.iter().find(|o| o.name == names.output);
    if output.is_some_and(|o| !is_ours(&o.tags)) {
        return Err(not_ours(&format!("output {}", names.output), &no_tag));
    }
    // Creating a sink replaces one of that name: never one of the user's.
    let sink_exists = match api.get_sink(&names.sink, SinkType::S3).await {
        Ok(s) if s.bucket_name == DEMO_BUCKET => true,
        Ok(s) => {
            let why = format!("it writes to bucket {}", s.bucket_name);
            return Err(not_ours(&format!("S3 sink {}", names.sink), &why));
        }
        Err(strm_client::ClientError::Api { status: 404, .. }) => false,
        Err(e) => return Err(e.into()),
    };
    let exporters = api.list_exporters().await?;
    let exporter = exporters
        .iter()
        .find(|e| e.linked_stream == names.output && e.name == names.exporter && !e.export_keys);
    if let Some(e) = exporter.filter(|e| e.sink_name != names.sink) {
        let what = format!("exporter {} of {}", names.exporter, names.output);
        return Err(not_ours(
            &what,
            &format!("it writes to sink {}", e.sink_name),
        ));
    }
    // Then what is missing is created.
    let create_stream = async {
        let req = StreamCreate {
            name: names.stream.clone(),
            description: Some("strm-tui demo: simulated clickstream events".into()),
            tags: tags.clone(),
        };
        Ok(api.create_stream(&req).await?.credentials)
    };
    let exists = stream.is_some();
    let creds = own_credentials(
        secrets,
        api_url,
        billing_id,
        &names.stream,
        exists,
        create_stream,
    )
    .await?;
    let create_output = async {
        let req = OutputCreate {
            name: names.output.clone(),
            description: Some("strm-tui demo: consent levels 0 and 1".into()),
            tags: tags.clone(),
            consent_level_type: ConsentLevelType::Granular,
            consent_levels: vec![0, 1],
            ..Default::default()
        };
        Ok(api.create_output(&names.stream, &req).await?.credentials)
    };
    let exists = output.is_some();
    own_credentials(
        secrets,
        api_url,
        billing_id,
        &names.output,
        exists,
        create_output,
    )
    .await?;
    if !sink_exists {
        api.create_sink(&SinkCreate {
            sink_type: SinkType::S3,
            sink_name: names.sink.clone(),
            bucket_name: DEMO_BUCKET.into(),
            credentials: None,
        })
        .await?;
    }
    if exporter.is_none() {
        let req = ExporterCreate {
            name: names.exporter.clone(),
            sink_name: names.sink.clone(),
            sink_type: SinkType::S3,
            interval_secs: 30,
            exporter_type: ExporterType::Batch,
            path_prefix: Some("level01".into()),
            export_keys: false,
        };
        api.create_exporter(&names.output, &req).await?;
    }
    Ok(creds)
}

/// `strm-tui demo`: the demo's resources, then the simulator on its stream.
pub async fn demo(
    paths: &strm_client::paths::Paths,
    args: &DemoArgs,
    out: &mut (dyn Write + Send),
) -> Result<SimulationReport> {
    let names = DemoNames::new(&args.prefix)?;
    let mut host = LocalHost::connect(paths).await?;
    let api_url = host.backend().api_url.clone();
    let api = host.backend().client.clone();
    let Some(session) = api.session().await else {
        bail!("not signed in to the local server");
    };
    let secrets = SecretStore::new(paths);
    let stream = set_up(&api, &api_url, &session.billing_id, &secrets, &names).await?;
    let bucket =
        strm_server::dataplane::exporter::buckets_dir(&paths.server_dir()).join(DEMO_BUCKET);
    let _ = writeln!(
        out,
        "demo ready on {api_url}: stream {}, output {} (GRANULAR 0,1), exporter {} every 30 s to {}",
        names.stream,
        names.output,
        names.exporter,
        bucket.display()
    );
    let sim = SimulateArgs {
        stream: names.stream.clone(),
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
        events_url: api_url,
        billing_id: session.billing_id,
        client_id: stream.client_id,
        client_secret: stream.client_secret,
    };
    let plan = builtin_plan(&sim)?;
    let report = simulate(&sim, &target, &plan, Some(&mut host), out).await?;
    host.shutdown().await;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_prefix_and_its_rule() {
        let names = DemoNames::new("demo").unwrap();
        assert_eq!(names.stream, "demo-clicks");
        assert_eq!(names.output, "demo-level0-1");
        let err = DemoNames::new("Bad").unwrap_err();
        assert_eq!(err.field, "--prefix");
    }
}
