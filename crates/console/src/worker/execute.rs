//! One request at a time against the API (or the saved-secrets file): what each
//! `Request` does and the `Answer` it gives.

use futures::StreamExt;

use super::OUTPUTS_PARALLEL;
use crate::protocol::{Answer, Created, Listed, Request, Secret, SessionInfo};
use strm_client::events::{EventClient, EventHosts};
use strm_client::secrets::{SavedSecret, SecretStore};
use strm_client::{ApiClient, ClientError};
use strm_model::EventAuthRequest;

/// Where a request runs: the API's client and address, the data plane's address, and the
/// saved secrets.
pub(super) struct Context<'a> {
    pub client: &'a ApiClient,
    pub api_url: &'a str,
    pub events_url: &'a str,
    pub secrets: &'a SecretStore,
}

pub(super) async fn execute(cx: &Context<'_>, req: Request) -> Result<Answer, ClientError> {
    let Context {
        client,
        api_url,
        secrets,
        ..
    } = *cx;
    Ok(match req {
        Request::Connect | Request::Tail(_) | Request::StopTail(_) => {
            unreachable!("handled by the worker loop")
        }
        Request::Login { email, password } => {
            Answer::LoggedIn(SessionInfo::from(&client.login(&email, &password.0).await?))
        }
        Request::Logout => {
            // Revoking needs the server; forgetting locally must work even offline.
            if client.revoke().await.is_err() {
                client.logout().await?;
            }
            Answer::LoggedOut
        }
        Request::ListStreams => Answer::Listed(Listed::Streams(client.list_streams().await?)),
        Request::ListOutputs(Some(stream)) => {
            let outputs = client.list_outputs(&stream).await?;
            Answer::Listed(Listed::Outputs(Some(stream), outputs))
        }
        Request::ListOutputs(None) => {
            let streams = client.list_streams().await?;
            // A few at a time: thousands of parallel requests cost memory and sockets.
            let names: Vec<String> = streams.into_iter().map(|s| s.name).collect();
            let lists: Vec<_> = futures::stream::iter(names)
                .map(|name| {
                    let client = client.clone();
                    async move { client.list_outputs(&name).await }
                })
                .buffer_unordered(OUTPUTS_PARALLEL)
                .collect()
                .await;
            let mut all = Vec::new();
            for list in lists {
                match list {
                    Ok(l) => all.extend(l),
                    // A stream deleted meanwhile is not an error for the overview.
                    Err(ClientError::Api { status: 404, .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Answer::Listed(Listed::Outputs(None, all))
        }
        Request::ListSinks => Answer::Listed(Listed::Sinks(client.list_sinks().await?)),
        Request::ListNodes => Answer::Nodes(client.list_nodes().await?),
        Request::ListExporters => Answer::Listed(Listed::Exporters(client.list_exporters().await?)),
        Request::ListConsentLevels => {
            Answer::Listed(Listed::ConsentLevels(client.list_consent_levels().await?))
        }
        Request::CreateStream(req) => {
            let stream = client.create_stream(&req).await?;
            save_secret(cx, &stream.name, &stream.credentials).await;
            Answer::Created(Created::Stream(stream))
        }
        Request::CreateOutput(stream, req) => {
            let output = client.create_output(&stream, &req).await?;
            save_secret(cx, &output.name, &output.credentials).await;
            Answer::Created(Created::Output(output))
        }
        Request::CreateSink(req) => Answer::Created(Created::Sink(client.create_sink(&req).await?)),
        Request::CreateExporter(stream, req) => Answer::Created(Created::Exporter(
            client.create_exporter(&stream, &req).await?,
        )),
        Request::CreateConsentLevel(level) => Answer::Created(Created::ConsentLevel(
            client.create_consent_level(&level).await?,
        )),
        req @ (Request::DeleteStream { .. }
        | Request::DeleteOutput { .. }
        | Request::DeleteSink { .. }
        | Request::DeleteExporter { .. }
        | Request::DeleteConsentLevel(_)) => {
            delete(client, req).await?;
            Answer::Deleted
        }
        Request::DeleteMany(requests) => {
            let mut done = Vec::new();
            let mut failed = Vec::new();
            // One at a time: a stream and its outputs may both be marked, and the
            // outputs must not race the stream's recursive delete.
            for (what, req) in requests {
                match delete(client, req).await {
                    Ok(_) => done.push(what),
                    // Gone already (with a stream deleted before it): it is deleted.
                    Err(ClientError::Api { status: 404, .. }) => done.push(what),
                    Err(e) => failed.push((what, e.to_string())),
                }
            }
            Answer::DeletedMany { done, failed }
        }
        Request::SavedSecret { name, client_id } => {
            let billing = billing_id(client).await;
            Answer::SavedSecret(
                secrets
                    .get(api_url, &billing, &name)?
                    .filter(|s| s.client_id == client_id)
                    .map(|s| s.client_secret),
            )
        }
        Request::SaveSecret { target, secret } => {
            let billing_id = billing_id(client).await;
            let credentials = EventAuthRequest {
                billing_id: billing_id.clone(),
                client_id: target.client_id.clone(),
                client_secret: secret.0.clone(),
            };
            // A wrong secret is refused here, not saved to fail every later tail.
            EventClient::new(EventHosts::single(cx.events_url)?, credentials)?
                .authenticate()
                .await
                .map_err(|e| match e {
                    ClientError::Api { status, .. } if (400..500).contains(&status) => {
                        ClientError::Invalid(strm_model::Invalid::new(
                            "clientSecret",
                            format!("is not the secret of {}", target.describe()),
                            "paste the clientSecret the API showed when it was created",
                        ))
                    }
                    other => other,
                })?;
            let saved = SavedSecret {
                client_id: target.client_id,
                client_secret: secret.0,
            };
            secrets.save(api_url, &billing_id, &target.name, saved)?;
            Answer::SecretSaved
        }
        Request::AccessToken => Answer::Token(Secret(client.access_token().await?)),
        req @ (Request::Usage { .. }
        | Request::ExporterStatuses(_)
        | Request::ListObjects { .. }
        | Request::ReadObject { .. }
        | Request::SchemaContract(_)
        | Request::SaveLines { .. }) => super::observe::execute(client, req).await?,
        Request::Call(call) => call.run(client.clone()).await?,
    })
}

/// One delete request; anything else is a mistake of the caller.
async fn delete(client: &ApiClient, req: Request) -> Result<(), ClientError> {
    match req {
        Request::DeleteStream { name, recursive } => client.delete_stream(&name, recursive).await,
        Request::DeleteOutput {
            stream,
            name,
            recursive,
        } => client.delete_output(&stream, &name, recursive).await,
        Request::DeleteSink { name, sink_type } => client.delete_sink(&name, sink_type).await,
        Request::DeleteExporter {
            stream,
            name,
            export_keys,
        } => client.delete_exporter(&stream, &name, export_keys).await,
        Request::DeleteConsentLevel(id) => client.delete_consent_level(id).await,
        other => Err(ClientError::Refused(format!("{other:?} is not a delete"))),
    }
}

async fn billing_id(client: &ApiClient) -> String {
    client
        .session()
        .await
        .map(|s| s.billing_id)
        .unwrap_or_default()
}

async fn save_secret(cx: &Context<'_>, name: &str, creds: &strm_model::Credentials) {
    let Some(session) = cx.client.session().await else {
        return;
    };
    if let Err(e) = cx
        .secrets
        .save_created(cx.api_url, &session.billing_id, name, creds)
    {
        tracing::warn!("could not save the client secret of {name}: {e}");
    }
}
