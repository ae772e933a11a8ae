//! The seed's resource groups: streams, outputs, sinks, exporters, consent levels.
//! Every request is checked with the model's rules before it is sent, so a usage error
//! is reported (exit 2) without a round trip.

use super::args::{
    ConsentLevelsCommand, ExportersCommand, OutputsCommand, SinksCommand, StreamsCommand,
};
use super::output::{CliError, CliResult, print_json, print_line};
use crate::backend::Backend;
use strm_client::ClientError;
use strm_client::paths::Paths;
use strm_client::secrets::SecretStore;
use strm_client::sink_credentials::read_sink_credentials;
use strm_model::{
    ConsentLevel, Credentials, ExporterCreate, ExporterType, OutputCreate, SinkCreate,
    StreamCreate, rules,
};

pub async fn streams(cmd: StreamsCommand, backend: &Backend, paths: &Paths) -> CliResult {
    let client = &backend.client;
    match cmd {
        StreamsCommand::List { name: None } => print_json(&client.list_streams().await?),
        StreamsCommand::List { name: Some(name) } => {
            rules::check_name("name", &name)?;
            print_json(&client.get_stream(&name).await?)
        }
        StreamsCommand::Create { name, about } => {
            let req = StreamCreate {
                name,
                description: about.description,
                tags: about.tags,
            };
            req.validate()?;
            let stream = client.create_stream(&req).await?;
            // The answer is the only place the secret is shown: print it before anything
            // else can fail.
            print_json(&stream)?;
            save_secret(backend, paths, &stream.name, &stream.credentials).await;
            Ok(())
        }
        StreamsCommand::Delete { name, recursive } => {
            rules::check_name("name", &name)?;
            client.delete_stream(&name, recursive).await?;
            print_line(&format!("Deleted stream {name}"))
        }
    }
}

pub async fn outputs(cmd: OutputsCommand, backend: &Backend, paths: &Paths) -> CliResult {
    let client = &backend.client;
    match cmd {
        OutputsCommand::List {
            stream,
            output_name,
        } => {
            rules::check_name("name", &stream)?;
            match output_name {
                None => print_json(&client.list_outputs(&stream).await?),
                Some(output) => {
                    rules::check_name("output-name", &output)?;
                    print_json(&client.get_output(&stream, &output).await?)
                }
            }
        }
        OutputsCommand::Create {
            stream,
            output,
            consent_levels,
            consent_level_type,
            about,
            decrypter_name,
        } => {
            rules::check_name("name", &stream)?;
            let req = OutputCreate {
                name: output,
                description: about.description,
                tags: about.tags,
                consent_level_type,
                consent_levels,
                decrypter_name,
            };
            req.validate()?;
            let created = client.create_output(&stream, &req).await?;
            print_json(&created)?;
            save_secret(backend, paths, &created.name, &created.credentials).await;
            Ok(())
        }
        OutputsCommand::Delete {
            stream,
            output,
            recursive,
        } => {
            rules::check_name("name", &stream)?;
            rules::check_name("output-name", &output)?;
            client.delete_output(&stream, &output, recursive).await?;
            print_line(&format!("Deleted output {output} of stream {stream}"))
        }
    }
}

pub async fn sinks(cmd: SinksCommand, backend: &Backend) -> CliResult {
    let client = &backend.client;
    match cmd {
        SinksCommand::List {
            name: Some(name),
            sink_type: Some(sink_type),
        } => {
            rules::check_name("sinkName", &name)?;
            print_json(&client.get_sink(&name, sink_type).await?)
        }
        SinksCommand::List { sink_type, .. } => {
            let mut sinks = client.list_sinks().await?;
            if let Some(t) = sink_type {
                sinks.retain(|s| s.sink_type == t);
            }
            print_json(&sinks)
        }
        SinksCommand::Create {
            sink_type,
            name,
            bucket_name,
            credentials,
            credentials_file,
        } => {
            let credentials = match (credentials, credentials_file) {
                (Some(json), _) => Some(json.into_inner()),
                (None, Some(file)) => Some(read_credentials_file(&file, sink_type)?),
                (None, None) => None,
            };
            let req = SinkCreate {
                sink_type,
                sink_name: name,
                bucket_name,
                credentials,
            };
            req.validate()?;
            print_json(&client.create_sink(&req).await?)
        }
        SinksCommand::Delete { name, sink_type } => {
            rules::check_name("sinkName", &name)?;
            client.delete_sink(&name, sink_type).await?;
            print_line(&format!("Deleted sink {name} ({sink_type})"))
        }
        SinksCommand::Objects {
            name,
            prefix,
            folders,
            limit,
            after,
            sink_type,
        } => {
            let query = strm_client::ObjectQuery {
                sink_type,
                prefix,
                folders,
                limit: None,
                after,
            };
            super::observe::list_objects(backend, name, query, limit).await
        }
        SinksCommand::GetObject {
            name,
            key,
            sink_type,
        } => super::observe::get_object(backend, &name, &key, sink_type).await,
    }
}

/// The `-cf` file's credentials; every problem names the option and the file.
fn read_credentials_file(
    file: &std::path::Path,
    sink_type: strm_model::SinkType,
) -> Result<String, CliError> {
    const OPTION: &str = "-cf/--credentials-file";
    read_sink_credentials(file, sink_type).map_err(|e| match e {
        ClientError::File { path, reason } => {
            CliError::Failed(format!("{OPTION} {}: {reason}", path.display()))
        }
        ClientError::Invalid(invalid) => {
            CliError::Usage(format!("{OPTION}: {}; {}", invalid.problem, invalid.rule))
        }
        other => CliError::from(other),
    })
}

pub async fn exporters(cmd: ExportersCommand, backend: &Backend) -> CliResult {
    let client = &backend.client;
    match cmd {
        ExportersCommand::List => print_json(&client.list_exporters().await?),
        ExportersCommand::Get { stream, which } => {
            rules::check_name("streamName", &stream)?;
            rules::check_name("exporter-name", &which.exporter_name)?;
            print_json(
                &client
                    .get_exporter(&stream, &which.exporter_name, which.export_keys)
                    .await?,
            )
        }
        ExportersCommand::Create {
            exporter_name,
            sink_name,
            sink_type,
            interval,
            path_prefix,
            export_keys,
            stream,
        } => {
            rules::check_name("streamName", &stream)?;
            let req = ExporterCreate {
                name: exporter_name,
                sink_name,
                sink_type,
                interval_secs: interval,
                exporter_type: ExporterType::Batch,
                path_prefix,
                export_keys,
            };
            req.validate()?;
            print_json(&client.create_exporter(&stream, &req).await?)
        }
        ExportersCommand::Delete { stream, which } => {
            rules::check_name("streamName", &stream)?;
            rules::check_name("exporter-name", &which.exporter_name)?;
            client
                .delete_exporter(&stream, &which.exporter_name, which.export_keys)
                .await?;
            print_line(&format!(
                "Deleted exporter {} of {stream}",
                which.exporter_name
            ))
        }
        ExportersCommand::Status { stream, which } => {
            rules::check_name("streamName", &stream)?;
            rules::check_name("exporter-name", &which.exporter_name)?;
            print_json(
                &client
                    .exporter_status(&stream, &which.exporter_name, which.export_keys)
                    .await?,
            )
        }
    }
}

pub async fn consent_levels(cmd: ConsentLevelsCommand, backend: &Backend) -> CliResult {
    let client = &backend.client;
    match cmd {
        ConsentLevelsCommand::List { id: None } => print_json(&client.list_consent_levels().await?),
        ConsentLevelsCommand::List { id: Some(id) } => {
            rules::check_consent_level("id", id)?;
            print_json(&client.get_consent_level(id).await?)
        }
        ConsentLevelsCommand::Create { id, name } => {
            let level = ConsentLevel { id, name };
            level.validate()?;
            print_json(&client.create_consent_level(&level).await?)
        }
        ConsentLevelsCommand::Delete { id } => {
            rules::check_consent_level("id", id)?;
            client.delete_consent_level(id).await?;
            print_line(&format!("Deleted consent level {id}"))
        }
    }
}

/// Keeps a new stream's or output's secret for later use. The resource exists and its
/// secret is already printed, so a failure here is a warning, not a failed command.
async fn save_secret(backend: &Backend, paths: &Paths, name: &str, credentials: &Credentials) {
    let Some(auth) = backend.client.session().await else {
        return;
    };
    let store = SecretStore::new(paths);
    if let Err(e) = store.save_created(&backend.api_url, &auth.billing_id, name, credentials) {
        eprintln!(
            "strm-tui: warning: created {name}, but could not save its secret ({e}); \
             keep the one printed above"
        );
    }
}
