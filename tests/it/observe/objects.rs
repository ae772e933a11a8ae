//! A sink's bucket objects, listed and read through the API with the sink's own
//! credentials: from the bucket directory (the default) and from an S3-compatible store
//! (moto_server); bad keys, missing objects and an unreachable store say so.

use std::path::Path;

use strm_client::{ApiClient, ObjectQuery};
use strm_model::ObjectList;

use crate::server::raw::{Raw, refused};
use crate::support::moto::Moto;
use crate::support::resources::unreachable_sink;
use crate::support::{LocalServer, Says, sink};

const BATCH_A: &str = "level01/2026-01-01T00:00:00-stream-u{0,1,2,3,4}.jsonl";
const BATCH_B: &str = "level01/2026-01-01T00:00:30-stream-u{0,1,2,3,4}.jsonl";

/// 3 MiB that are not all the same byte.
fn big() -> Vec<u8> {
    (0..3 * 1024 * 1024 + 17).map(|i| (i % 251) as u8).collect()
}

/// The objects every test puts in its bucket, key and bytes.
fn objects() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (BATCH_A, b"{\"n\":1}\n{\"n\":2}\n".to_vec()),
        (BATCH_B, b"{\"n\":3}\n".to_vec()),
        ("level02/x.jsonl", b"{}\n".to_vec()),
        ("top.txt", b"top".to_vec()),
        ("big.bin", big()),
    ]
}

fn put_files(bucket: &Path) {
    for (key, bytes) in objects() {
        let path = bucket.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn keys(list: &ObjectList) -> Vec<&str> {
    list.objects.iter().map(|o| o.key.as_str()).collect()
}

async fn list(api: &ApiClient, prefix: &str, folders: bool) -> ObjectList {
    let q = ObjectQuery {
        prefix: prefix.into(),
        folders,
        ..Default::default()
    };
    api.list_objects("files", &q).await.unwrap()
}

async fn read(api: &ApiClient, key: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    let size = api
        .read_object_whole("files", None, key, None, &mut |b| {
            bytes.extend_from_slice(b);
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(size, bytes.len() as u64, "{key}");
    bytes
}

/// Listing, folders, pages and reads of the objects `objects()` put in sink `files`.
async fn lists_and_reads(api: &ApiClient) {
    let all = list(api, "", false).await;
    assert_eq!(
        keys(&all),
        ["big.bin", BATCH_A, BATCH_B, "level02/x.jsonl", "top.txt"]
    );
    assert_eq!(all.next, None);
    for (object, (key, bytes)) in all.objects.iter().zip({
        let mut o = objects();
        o.sort();
        o
    }) {
        assert_eq!(
            (object.key.as_str(), object.size),
            (key, bytes.len() as u64)
        );
        assert!(object.last_modified > 1_700_000_000_000, "{object:?}");
    }
    assert_eq!(
        keys(&list(api, "level01/", false).await),
        [BATCH_A, BATCH_B]
    );
    assert_eq!(
        keys(&list(api, "level01/2026-01-01T00:00:3", false).await),
        [BATCH_B]
    );
    let top = list(api, "", true).await;
    assert_eq!(top.prefixes, ["level01/", "level02/"]);
    assert_eq!(keys(&top), ["big.bin", "top.txt"]);
    let folder = list(api, "level01/", true).await;
    assert!(folder.prefixes.is_empty());
    assert_eq!(keys(&folder), [BATCH_A, BATCH_B]);

    // Pages of two, each starting after the last.
    let mut q = ObjectQuery {
        limit: Some(2),
        ..Default::default()
    };
    let mut paged = Vec::new();
    loop {
        let page = api.list_objects("files", &q).await.unwrap();
        assert!(page.objects.len() <= 2);
        paged.extend(page.objects.into_iter().map(|o| o.key));
        match page.next {
            Some(next) => q.after = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, keys(&all));

    for (key, bytes) in objects() {
        assert_eq!(read(api, key).await, bytes, "{key}");
    }
    let part = api
        .read_object("files", None, BATCH_A, 2, Some(5))
        .await
        .unwrap();
    assert_eq!(
        (part.bytes.as_slice(), part.offset, part.size),
        (&b"n\":1}"[..], 2, 16)
    );
}

/// The status, Content-Range and bytes of a raw read.
async fn raw_read(api: &ApiClient, path: &str) -> (u16, Option<String>, Vec<u8>) {
    let token = api.session().await.unwrap().id_token;
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", api.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let range = resp
        .headers()
        .get("content-range")
        .map(|v| v.to_str().unwrap().to_string());
    (
        resp.status().as_u16(),
        range,
        resp.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_are_listed_and_read_from_the_bucket_directory() {
    let local = LocalServer::start().await;
    let api = local.account("objects@example.com").await;
    api.create_sink(&sink("files", "objects-bucket", None))
        .await
        .unwrap();
    // Nothing exported yet: the bucket is empty, and listing does not create it.
    let bucket = local.dir().join("server/buckets/objects-bucket");
    assert_eq!(list(&api, "", false).await, ObjectList::default());
    assert!(!bucket.exists());
    put_files(&bucket);
    lists_and_reads(&api).await;

    let (status, range, bytes) = raw_read(&api, "/v1/sinks/files/objects/level02/x.jsonl").await;
    assert_eq!((status, range, bytes), (200, None, b"{}\n".to_vec()));
    let (status, range, bytes) =
        raw_read(&api, "/v1/sinks/files/objects/big.bin?offset=1048576").await;
    assert_eq!(status, 206);
    assert_eq!(range.as_deref(), Some("bytes 1048576-2097151/3145745"));
    assert_eq!(bytes, big()[1_048_576..2_097_152]);

    let raw = Raw::for_client(&api).await;
    let rows = [
        (
            "no such object",
            "/v1/sinks/files/objects/level01/nope.jsonl",
            404,
            vec![
                Says::Has("\"level01/nope.jsonl\""),
                Says::Has("objects-bucket"),
                Says::Lacks("/tmp"),
            ],
        ),
        (
            "out of the bucket",
            "/v1/sinks/files/objects/level01/..%2F..%2Fstrm.db",
            400,
            vec![Says::Starts("key:"), Says::Has("'..'")],
        ),
        (
            "a backslash",
            "/v1/sinks/files/objects/a%5Cb",
            400,
            vec![Says::Starts("key:"), Says::Has("backslash")],
        ),
        (
            "a read over 1 MiB",
            "/v1/sinks/files/objects/big.bin?length=2000000",
            400,
            vec![Says::Starts("length:"), Says::Has("1 MiB")],
        ),
        (
            "an offset past the end",
            "/v1/sinks/files/objects/top.txt?offset=9",
            400,
            vec![Says::Starts("offset:"), Says::Has("3 bytes")],
        ),
        (
            "limit 0",
            "/v1/sinks/files/objects?limit=0",
            400,
            vec![Says::Starts("limit:"), Says::Has("1 to 1000")],
        ),
        (
            "a prefix from the root",
            "/v1/sinks/files/objects?prefix=/etc",
            400,
            vec![Says::Starts("prefix:")],
        ),
        (
            "another delimiter",
            "/v1/sinks/files/objects?delimiter=:",
            400,
            vec![Says::Starts("delimiter:")],
        ),
        (
            "no such sink",
            "/v1/sinks/nope/objects",
            404,
            vec![Says::Has("nope")],
        ),
    ];
    let rows: Vec<_> = rows
        .iter()
        .map(|(row, path, status, says)| (*row, &raw, "GET", *path, None, *status, says.as_slice()))
        .collect();
    refused(rows).await;
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_are_listed_and_read_from_an_s3_compatible_store() {
    let moto = Moto::with_bucket("moto-objects").await;
    let store = moto.store("moto-objects");
    use object_store::ObjectStoreExt;
    for (key, bytes) in objects() {
        let path = object_store::path::Path::parse(key).unwrap();
        store.put(&path, bytes.into()).await.unwrap();
    }

    let local = LocalServer::start().await;
    let api = local.account("moto-objects@example.com").await;
    api.create_sink(&sink("files", "moto-objects", Some(moto.credentials())))
        .await
        .unwrap();
    lists_and_reads(&api).await;
    let missing = api
        .read_object("files", None, "level01/nope", 0, None)
        .await;
    assert_eq!(missing.unwrap_err().status(), Some(404));

    // A store that cannot be reached: 502, naming the bucket.
    api.create_sink(&unreachable_sink("gone", "gone-bucket"))
        .await
        .unwrap();
    let err = api
        .list_objects("gone", &ObjectQuery::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502), "{err}");
    assert!(err.to_string().contains("gone-bucket"), "{err}");
    local.shutdown().await;
}
