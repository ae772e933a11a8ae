//! Bad requests, conflicts, missing parents and refused deletes: each names the problem
//! with the right status, and the server keeps serving.

use std::time::Duration;

use serde_json::json;
use strm_model::{ExporterCreate, SinkType};

use super::raw::{BadRequest, Raw, body, credentials, refused};
use crate::support::Says::{Has, Starts};
use crate::support::{
    LocalServer, PASSWORD, Refusal, api_status, exporter, output, refused_calls, s3_sink,
    seed_resources, stream,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_name_the_problem_and_the_server_keeps_serving() {
    let local = LocalServer::start().await;
    let api = local.account("err@example.com").await;
    let raw = Raw::for_client(&api).await;
    let anonymous = Raw::anonymous(&local.url());
    let rows: Vec<BadRequest> = vec![
        // Malformed JSON, a missing field, a wrongly typed one.
        (
            "malformed JSON",
            &raw,
            "PUT",
            "/v1/streams",
            Some(b"{\"name\": ".to_vec()),
            400,
            &[Starts("request body:")],
        ),
        (
            "a missing field",
            &raw,
            "PUT",
            "/v1/streams",
            body(json!({"tags": []})),
            400,
            &[Has("missing field `name`")],
        ),
        (
            "a wrongly typed field",
            &raw,
            "PUT",
            "/v1/streams",
            body(json!({"name": "x", "tags": "a"})),
            400,
            &[Has("`tags`")],
        ),
        // A rule from model::rules.
        (
            "a bad name",
            &raw,
            "PUT",
            "/v1/streams",
            body(json!({"name": "Bad_Name"})),
            400,
            &[Starts("name:"), Has("lower-case letters")],
        ),
        // 2 MiB body: 413 as JSON.
        (
            "a 2 MiB body",
            &raw,
            "PUT",
            "/v1/streams",
            Some(vec![b'a'; 2 * 1024 * 1024]),
            413,
            &[Has("1 MiB")],
        ),
        // No token, unknown route, wrong method: all JSON.
        (
            "no token",
            &anonymous,
            "GET",
            "/v1/streams",
            None,
            401,
            &[Has("Authorization")],
        ),
        (
            "an unknown route",
            &raw,
            "GET",
            "/v1/nothing-here",
            None,
            404,
            &[Has("/v1/nothing-here")],
        ),
        (
            "a wrong method",
            &raw,
            "PATCH",
            "/v1/streams",
            None,
            405,
            &[Has("PUT")],
        ),
        (
            "a bad recursive flag",
            &raw,
            "DELETE",
            "/v1/streams/x?recursive=maybe",
            None,
            400,
            &[Starts("recursive:")],
        ),
        (
            "an unknown sink type",
            &raw,
            "GET",
            "/v1/sinks/x?sinkType=S4",
            None,
            400,
            &[Has("S3 or GCLOUD")],
        ),
        (
            "a negative consent level",
            &raw,
            "GET",
            "/v1/consent-levels/-3",
            None,
            400,
            &[Starts("id:")],
        ),
    ];
    refused(rows).await;

    // After all of that, the server still serves.
    api.create_stream(&stream("still-here")).await.unwrap();
    assert_eq!(api.list_streams().await.unwrap().len(), 1);
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_and_missing_parents() {
    let local = LocalServer::start().await;
    let api = local.account("dup@example.com").await;
    let new_output = async |on: &str, name: &str, levels: &[i64]| {
        api.create_output(on, &output(name, levels)).await.map(drop)
    };
    let new_exporter =
        async |on: &str, create: &ExporterCreate| api.create_exporter(on, create).await.map(drop);
    api.create_stream(&stream("bart")).await.unwrap();
    new_output("bart", "view", &[0]).await.unwrap();
    api.create_sink(&s3_sink("s3-bart", "bucket-one"))
        .await
        .unwrap();
    let each = exporter("e", "s3-bart", 30);
    let mut gcloud = exporter("e", "s3-bart", 30);
    gcloud.sink_type = SinkType::Gcloud;
    let rows: Vec<Refusal> = vec![
        // Duplicate stream name; an output cannot take a stream's name either.
        (
            "a stream's name twice",
            api.create_stream(&stream("bart")).await.map(drop),
            409,
            &[Has("\"bart\"")],
        ),
        (
            "an output named as a stream",
            new_output("bart", "bart", &[0]).await,
            409,
            &[],
        ),
        // Missing parent stream.
        (
            "an output of a missing stream",
            new_output("nope", "o", &[0]).await,
            404,
            &[Has("\"nope\"")],
        ),
        // An output is not a stream to hang outputs on; the message says what it is.
        (
            "an output of an output",
            new_output("view", "o", &[0]).await,
            404,
            &[Has("is an output of stream \"bart\"")],
        ),
        // Bad consent levels.
        (
            "no consent levels",
            new_output("bart", "o", &[]).await,
            400,
            &[Has("consent")],
        ),
        // Interval 29 and an unknown sink.
        (
            "interval 29",
            new_exporter("bart", &exporter("e", "s3-bart", 29)).await,
            400,
            &[Has("intervalSecs"), Has("30 to 3600")],
        ),
        (
            "an unknown sink",
            new_exporter("bart", &exporter("e", "no-such-sink", 30)).await,
            400,
            &[Has("no-such-sink")],
        ),
        (
            "an S3 sink as GCLOUD",
            new_exporter("bart", &gcloud).await,
            400,
            &[Has("GCLOUD")],
        ),
        (
            "an exporter of a missing stream",
            new_exporter("ghost", &each).await,
            404,
            &[],
        ),
    ];
    refused_calls(rows);
    new_exporter("bart", &each).await.unwrap();
    let again = new_exporter("bart", &each).await;
    refused_calls(vec![("an exporter twice", again, 409, &[])]);
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_with_dependents_are_refused_unless_recursive() {
    let local = LocalServer::start().await;
    let api = local.account("del@example.com").await;
    seed_resources(&api).await;
    let rows: Vec<Refusal> = vec![
        (
            "a stream with an output",
            api.delete_stream("bart", false).await,
            409,
            &[Has("level0-1"), Has("s3"), Has("recursive")],
        ),
        (
            "an output with an exporter",
            api.delete_output("bart", "level0-1", false).await,
            409,
            &[Has("s3")],
        ),
        (
            "a sink an exporter uses",
            api.delete_sink("s3-bart", SinkType::S3).await,
            409,
            &[Has("s3 (on level0-1)")],
        ),
    ];
    refused_calls(rows);
    // Nothing was lost by the refusals.
    assert_eq!(api.list_outputs("bart").await.unwrap().len(), 1);
    assert_eq!(api.list_exporters().await.unwrap().len(), 1);

    api.delete_stream("bart", true).await.unwrap();
    assert!(api.list_streams().await.unwrap().is_empty());
    assert!(api.list_exporters().await.unwrap().is_empty());
    assert_eq!(api_status(&api.get_stream("bart").await.unwrap_err()), 404);
    // The sink is free now; the output's name is free too.
    api.delete_sink("s3-bart", SinkType::S3).await.unwrap();
    api.create_stream(&stream("level0-1")).await.unwrap();
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_is_deleted_even_when_forgetting_its_data_fails() {
    let local = LocalServer::start().await;
    let api = local.seed("half@example.com").await.api;
    // The data plane's cleanup fails after the control plane committed the delete.
    rusqlite::Connection::open(local.dir().join("server/strm.db"))
        .unwrap()
        .execute_batch("DROP TABLE dp_exports")
        .unwrap();
    api.delete_output("bart", "level0-1", false).await.unwrap();
    let err = api.get_output("bart", "level0-1").await.unwrap_err();
    assert_eq!(api_status(&err), 404);
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_time_limit_gets_a_json_408() {
    let local = LocalServer::start_with(|c| c.request_timeout = Duration::from_millis(1)).await;
    // Hashing a password takes far longer than a millisecond.
    refused(vec![(
        "a sign-up",
        &Raw::anonymous(&local.url()),
        "POST",
        "/v1/accounts",
        credentials("slow@example.com", PASSWORD),
        408,
        &[Has("took too long")],
    )])
    .await;
    local.shutdown().await;
}
