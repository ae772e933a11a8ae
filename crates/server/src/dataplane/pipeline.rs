//! The data plane's one entry point for the HTTP routes: event tokens, ingest (decode,
//! check, encrypt, store, publish) and the views that egress and exporters read.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use apache_avro::schema::SchemaKind;
use apache_avro::types::Value;
use rand::Rng;

use super::avro_json::{to_json_string, write_json, write_json_around};
use super::avro_path;
use super::consent::{View, encrypt_pii};
use super::contracts::Contracts;
use super::crypto::{CryptoError, DataKey};
use super::decode;
use super::directory::Directory;
use super::egress::{Feed, Hub, Published, Subscription};
use super::render::Renderer;
use super::schemas::{
    EventFormat, EventSchema, KeyLinkKind, MetaField, SchemaError, SchemaRegistry,
};
use super::store::{
    AppendError, DataStore, Encoder, KeyRequest, NewEvent, Principal, StoreError, StoredEvent,
};
use super::usage::{Counted, Usage};
use crate::cluster::changes::Change;
use crate::cluster::feed::{JetStreamFeed, SchemaLookup};
use strm_model::rules::MAX_BODY_BYTES;
use strm_model::rules::{USAGE_FINE_KEEP_SECS, UsageRange};
use strm_model::{EventAuthRequest, EventTokens, Invalid, TOKEN_LIFETIME_SECS, now_epoch_ms};

#[derive(Debug, Clone)]
pub struct DataPlaneConfig {
    /// Local buckets live in `<data_dir>/buckets/<bucket>/`.
    pub data_dir: PathBuf,
    pub retention: Duration,
    pub key_rotation: Duration,
    pub token_ttl_secs: i64,
    /// An S3-compatible endpoint for S3 sinks whose credentials carry none.
    pub s3_endpoint: Option<String>,
    /// Events a slow websocket consumer may fall behind before events are dropped.
    pub egress_buffer: usize,
    /// How often exporters and retention run.
    pub tick: Duration,
}

/// How long events (and the keys they need) are kept.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// Events of a stream a live tail may fall behind before it is closed (one buffer per
/// stream, shared by all its tails).
pub const EGRESS_BUFFER: usize = 4096;
/// How long one key serves a key-field value before a new one is made.
pub const KEY_ROTATION: Duration = Duration::from_secs(24 * 3600);

impl DataPlaneConfig {
    pub fn new(data_dir: PathBuf) -> DataPlaneConfig {
        DataPlaneConfig {
            data_dir,
            retention: DEFAULT_RETENTION,
            key_rotation: KEY_ROTATION,
            token_ttl_secs: TOKEN_LIFETIME_SECS,
            s3_endpoint: None,
            egress_buffer: EGRESS_BUFFER,
            tick: Duration::from_secs(1),
        }
    }
}

/// Why a data-plane request failed, with the HTTP status it answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(Invalid),
    #[error("the event is {0} bytes; an event is at most 1 MiB (1048576 bytes)")]
    TooLarge(usize),
    #[error("{0}")]
    Internal(String),
    /// The shared event store cannot be reached: try again (503).
    #[error("{0}")]
    Unavailable(String),
}

impl DataError {
    pub fn status(&self) -> u16 {
        match self {
            DataError::Unauthorized(_) => 401,
            DataError::Forbidden(_) => 403,
            DataError::BadRequest(_) => 400,
            DataError::TooLarge(_) => 413,
            DataError::Internal(_) => 500,
            DataError::Unavailable(_) => 503,
        }
    }
}

impl From<Invalid> for DataError {
    fn from(e: Invalid) -> Self {
        DataError::BadRequest(e)
    }
}

impl From<CryptoError> for DataError {
    fn from(e: CryptoError) -> Self {
        tracing::error!(error = %e, "data plane encryption");
        DataError::Internal("the server could not encrypt the event; try again".into())
    }
}

impl From<StoreError> for DataError {
    fn from(e: StoreError) -> Self {
        if let StoreError::Unavailable(why) = e {
            tracing::warn!(error = %why, "data plane store");
            return DataError::Unavailable(why);
        }
        tracing::error!(error = %e, "data plane store");
        DataError::Internal("the server could not store the event; try again".into())
    }
}

/// The headers and body of one `POST /event`.
#[derive(Debug, Default, Clone, Copy)]
pub struct IngestRequest<'a> {
    pub schema_id: Option<&'a str>,
    pub schema_ref: Option<&'a str>,
    pub serialization_type: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// An accepted event ready for the store: `event.encode` makes its stored JSON.
pub struct PreparedEvent {
    pub schema: Arc<EventSchema>,
    pub event: NewEvent,
}

#[derive(Clone)]
pub struct DataPlane {
    inner: Arc<Inner>,
}

/// A data plane that does not keep it alive (`DataPlane::downgrade`).
#[derive(Clone)]
pub struct WeakDataPlane(std::sync::Weak<Inner>);

impl WeakDataPlane {
    pub fn upgrade(&self) -> Option<DataPlane> {
        self.0.upgrade().map(|inner| DataPlane { inner })
    }
}

struct Inner {
    contracts: Arc<Contracts>,
    store: DataStore,
    renderer: Renderer,
    directory: Arc<dyn Directory>,
    config: DataPlaneConfig,
    hub: Hub,
    usage: Usage,
}

impl Drop for Inner {
    /// The last counts reach the store even when the server was not shut down.
    fn drop(&mut self) {
        let directory = &self.directory;
        let outputs = |account: &str, stream: &str| directory.outputs_of(account, stream);
        if let Err(e) = self.usage.flush(self.store.usage(), &outputs) {
            tracing::error!(error = %e, "saving the last usage counts failed");
        }
    }
}

impl DataPlane {
    pub fn new(
        store: DataStore,
        directory: Arc<dyn Directory>,
        config: DataPlaneConfig,
    ) -> Result<DataPlane, SchemaError> {
        let contracts = Arc::new(Contracts::new(SchemaRegistry::embedded()?));
        // With a shared event store every node's events come from JetStream, this
        // node's too: the pipeline then publishes nothing itself.
        let feed = store.events().cluster().map(|c| {
            let (contracts, directory) = (contracts.clone(), directory.clone());
            let lookup: SchemaLookup = Arc::new(move |account, schema_id| {
                contracts.for_stored(directory.as_ref(), account, schema_id)
            });
            Arc::new(JetStreamFeed::new(c.events.stream().clone(), lookup)) as Arc<dyn Feed>
        });
        // No field of an event can be longer than its body: without this cap (512 MiB by
        // default) a few bytes declaring a huge string make apache_avro allocate it.
        // The cap is process-wide and set once, before anything is decoded.
        let cap = apache_avro::max_allocation_bytes(MAX_BODY_BYTES);
        if cap != MAX_BODY_BYTES {
            tracing::warn!(
                cap,
                "apache_avro's allocation cap was set before the data plane"
            );
        }
        let cluster = store.events().cluster().cloned();
        let plane = DataPlane {
            inner: Arc::new(Inner {
                contracts,
                renderer: Renderer::new(store.keys().clone()),
                store,
                directory,
                hub: Hub::new(config.egress_buffer, feed),
                usage: Usage::default(),
                config,
            }),
        };
        if let Some(cluster) = cluster {
            super::changes::spawn_listener(plane.downgrade(), cluster);
        }
        Ok(plane)
    }

    /// A handle that does not keep the data plane alive, for tasks that end with it.
    pub fn downgrade(&self) -> WeakDataPlane {
        WeakDataPlane(Arc::downgrade(&self.inner))
    }

    /// The built-in schemas.
    pub fn registry(&self) -> &SchemaRegistry {
        self.inner.contracts.builtins()
    }

    /// Every schema events may name: the built-ins and the accounts' contracts.
    pub fn contracts(&self) -> &Contracts {
        &self.inner.contracts
    }

    pub fn store(&self) -> &DataStore {
        &self.inner.store
    }

    pub fn config(&self) -> &DataPlaneConfig {
        &self.inner.config
    }

    pub fn directory(&self) -> &Arc<dyn Directory> {
        &self.inner.directory
    }

    fn issue(
        &self,
        principal: &Principal,
        refresh_token: Option<String>,
    ) -> Result<EventTokens, DataError> {
        let expires_at = now_epoch_ms() / 1000 + self.inner.config.token_ttl_secs;
        let id_token = crate::secrets::token();
        self.inner
            .store
            .tokens()
            .put(&id_token, principal, Some(expires_at * 1000))?;
        let refresh_token = match refresh_token {
            Some(t) => t,
            None => {
                let t = crate::secrets::token();
                self.inner.store.tokens().put(&t, principal, None)?;
                t
            }
        };
        Ok(EventTokens {
            id_token,
            refresh_token,
            expires_at,
        })
    }

    /// `POST /auth`.
    pub fn auth(&self, req: &EventAuthRequest) -> Result<EventTokens, DataError> {
        let principal = self
            .inner
            .directory
            .authenticate(&req.billing_id, &req.client_id, &req.client_secret)
            .ok_or_else(|| {
                DataError::Unauthorized(
                    "billingId, clientId and clientSecret do not match a stream or output".into(),
                )
            })?;
        self.issue(&principal, None)
    }

    /// `POST /refresh`: a new id token; the refresh token stays valid.
    pub fn refresh(&self, refresh_token: &str) -> Result<EventTokens, DataError> {
        let principal = self
            .inner
            .store
            .tokens()
            .find(refresh_token, true, now_epoch_ms())?
            .filter(|p| self.inner.directory.view(p).is_some())
            .ok_or_else(|| {
                DataError::Unauthorized(
                    "the refresh token is unknown or revoked; authenticate again with POST /auth"
                        .into(),
                )
            })?;
        self.issue(&principal, Some(refresh_token.to_owned()))
    }

    /// The principal of a bearer token (the `Authorization` header's value). It may
    /// query SQLite: async callers try `authorize_cached` first.
    pub fn authorize(&self, authorization: Option<&str>) -> Result<Principal, DataError> {
        let token = bearer(authorization)?;
        self.inner
            .store
            .tokens()
            .find(token, false, now_epoch_ms())?
            .ok_or_else(unknown_token)
    }

    /// `authorize` answered from memory; `None` when the store must be asked.
    pub fn authorize_cached(
        &self,
        authorization: Option<&str>,
    ) -> Option<Result<Principal, DataError>> {
        let token = match bearer(authorization) {
            Ok(t) => t,
            Err(e) => return Some(Err(e)),
        };
        let found = self.inner.store.tokens().cached(token, now_epoch_ms())?;
        Some(found.ok_or_else(unknown_token))
    }

    /// `POST /event`: accepts one event for the principal's source stream.
    pub async fn ingest(
        &self,
        principal: &Principal,
        req: IngestRequest<'_>,
    ) -> Result<(), DataError> {
        let PreparedEvent { schema, event } = self.prepare(principal, req)?;
        let inner = &self.inner;
        let stored = inner
            .store
            .events()
            .append(event)
            .await
            .map_err(|e| match e {
                AppendError::Unavailable(why) => {
                    tracing::warn!(error = %why, "storing an event failed");
                    DataError::Unavailable(format!(
                        "{why}; the event was not confirmed; send it again"
                    ))
                }
                e => {
                    tracing::error!(error = %e, "storing an event failed");
                    DataError::Internal("the server could not store the event; try again".into())
                }
            })?;
        inner.usage.count(
            &principal.account,
            &principal.stream,
            stored.ts_ms,
            &stored.consent,
        );
        if !inner.hub.publishes_locally() {
            return Ok(());
        }
        inner
            .hub
            .publish(&principal.account, &principal.stream, || {
                Arc::new(Published::new(
                    stored.seq,
                    schema,
                    stored.consent,
                    String::from_utf8(stored.body).unwrap_or_default(),
                ))
            });
        Ok(())
    }

    /// The work of `POST /event` before the store: the schema, the decoded and checked
    /// event, its key, its PII encrypted and its server-set `strmMeta` filled. Public
    /// so that `benches/event_pipeline.rs` can time it without HTTP and storage.
    pub fn prepare(
        &self,
        principal: &Principal,
        req: IngestRequest<'_>,
    ) -> Result<PreparedEvent, DataError> {
        if let Some(output) = &principal.output {
            return Err(DataError::Forbidden(format!(
                "this token belongs to output {output:?}, which only receives events; send with the credentials of stream {:?}",
                principal.stream
            )));
        }
        if req.body.len() > MAX_BODY_BYTES {
            return Err(DataError::TooLarge(req.body.len()));
        }
        let inner = &self.inner;
        let schema = inner.contracts.for_event(
            inner.directory.as_ref(),
            &principal.account,
            req.schema_id,
            req.schema_ref,
        )?;
        let format = match (&schema.format, req.serialization_type) {
            // Avro binary cannot be meant: curl's form content type still means JSON.
            (EventFormat::JsonSchema(_), None) => decode::Format::Json,
            _ => decode::format_of(req.serialization_type, req.content_type)?,
        };
        let mut event = decode::decode(&schema, format, req.body)?;
        decode::check(&schema, &event)?;
        let consent = decode::consent_levels(&schema, &event)?;
        let key_value = match avro_path::get(&event, &schema.key_field) {
            Some(v) => key_text(v),
            None => "".into(),
        };
        let now = now_epoch_ms();
        let key = inner.store.keys().for_value(
            &KeyRequest {
                account: &principal.account,
                stream: &principal.stream,
                schema_id: &schema.id,
                key_field_value: &key_value,
            },
            now,
            inner.config.key_rotation.as_millis() as i64,
            || new_key(schema.key_link, now),
        )?;
        // Read before the PII is encrypted: the person's id is often personal data too.
        if let Some(path) = &schema.subject_field
            && let Some(Value::String(subject)) = avro_path::get(&event, path)
            && !subject.is_empty()
        {
            inner.store.subjects().link(
                &principal.account,
                subject,
                &principal.stream,
                &key,
                now,
            )?;
        }
        encrypt_pii(&schema, &mut event, &key)?;
        set_meta(&schema, &mut event, &key, &principal.account);
        Ok(PreparedEvent {
            event: NewEvent {
                account: principal.account.clone(),
                stream: principal.stream.clone(),
                schema_id: schema.id.clone(),
                consent,
                // Ciphertexts and the server's strmMeta fields make the text longer.
                encode: timestamped_json(schema.clone(), event, req.body.len() + 512),
            },
            schema,
        })
    }

    /// What the account's live tails went through since the server started.
    pub fn egress_counts(&self, account: &str) -> super::egress::EgressCounts {
        self.inner.hub.counts(account)
    }

    /// Closes every websocket tail, for shutdown.
    pub fn close_egress(&self) {
        self.inner.hub.close_all();
    }

    /// A live tail of what the principal may see.
    pub fn subscribe(&self, principal: &Principal) -> Result<Subscription, DataError> {
        let tail = self.inner.hub.subscribe(principal);
        let view = self.inner.directory.view(principal).ok_or_else(|| {
            DataError::Unauthorized("the stream or output of this token no longer exists".into())
        })?;
        Ok(Subscription::new(
            self.inner.renderer.clone(),
            principal.clone(),
            view,
            tail,
        ))
    }

    /// A stored event as the view sees it. Events of a schema the server no longer knows
    /// are skipped rather than failing an export.
    pub fn render_stored(
        &self,
        account: &str,
        stream: &str,
        stored: &StoredEvent,
        view: &View,
    ) -> Option<String> {
        let inner = &self.inner;
        let schema =
            inner
                .contracts
                .for_stored(inner.directory.as_ref(), account, &stored.schema_id)?;
        let text = std::str::from_utf8(&stored.body).ok()?;
        inner
            .renderer
            .render(account, stream, &schema, &stored.consent, text, view)
    }

    /// Removes a deleted stream's (or output's) events, keys, tokens and positions.
    /// Its live tails end first, so that none outlives the deletion.
    pub fn delete_stream(&self, account: &str, stream: &str) -> Result<(), DataError> {
        self.forget_stream_here(account, stream);
        self.inner.store.delete_stream(account, stream)?;
        self.tell(Change::StreamDeleted {
            account: account.into(),
            name: stream.into(),
        });
        Ok(())
    }

    /// What a deleted stream leaves in this node's memory: its live tails, counts,
    /// cached keys and tokens (when another node deleted it, all there is to do here).
    pub(super) fn forget_stream_here(&self, account: &str, stream: &str) {
        self.inner.hub.close(account, stream);
        self.inner.usage.forget(account, stream);
        self.inner.store.forget_stream_cached(account, stream);
    }

    /// Applies retention: events older than the retention, and keys no remaining event
    /// can use (a key encrypts for at most one rotation period).
    pub fn prune(&self, now: i64) -> Result<(usize, usize), DataError> {
        let retention = self.inner.config.retention.as_millis() as i64;
        let rotation = self.inner.config.key_rotation.as_millis() as i64;
        Ok(self.inner.store.prune(
            now - retention,
            now - retention - rotation,
            // A minute more than the rule promises, for queries that began meanwhile.
            now - (USAGE_FINE_KEEP_SECS + 60) * 1000,
        )?)
    }

    /// Moves the usage counts in memory to the store; the rows written.
    pub fn flush_usage(&self) -> Result<usize, StoreError> {
        let directory = &self.inner.directory;
        let outputs = |account: &str, stream: &str| directory.outputs_of(account, stream);
        self.inner.usage.flush(self.inner.store.usage(), &outputs)
    }

    /// A stream's or output's usage in each window of `range`, and the start of the
    /// last second it had an event in (epoch milliseconds).
    pub fn usage(
        &self,
        what: &Counted<'_>,
        range: &UsageRange,
    ) -> Result<(Vec<u64>, Option<i64>), StoreError> {
        self.inner
            .usage
            .windows(self.inner.store.usage(), what, range)
    }
}

fn bearer(authorization: Option<&str>) -> Result<&str, DataError> {
    authorization
        .and_then(crate::extract::bearer_token)
        .ok_or_else(|| {
            DataError::Unauthorized(
                "Authorization: Bearer <event token> is missing; get one with POST /auth".into(),
            )
        })
}

fn unknown_token() -> DataError {
    DataError::Unauthorized(
        "the event token is unknown or expired; get a new one with POST /auth or /refresh".into(),
    )
}

fn key_text(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::String(s) => s.into(),
        other => to_json_string(other).into(),
    }
}

fn new_key(kind: KeyLinkKind, now: i64) -> DataKey {
    let link = match kind {
        KeyLinkKind::String => uuid::Uuid::new_v4().to_string(),
        KeyLinkKind::Int => rand::rng().random::<i32>().to_string(),
    };
    DataKey::generate(link, now)
}

/// The encoder of an event's stored JSON, given the acceptance time. The text is made
/// before the store's lock is taken, with a hole where the time goes; under the lock
/// the store only splices the time in. `size_hint` is the length the text probably has.
fn timestamped_json(schema: Arc<EventSchema>, mut event: Value, size_hint: usize) -> Encoder {
    let mut text = Vec::with_capacity(size_hint);
    let field = &schema.meta.timestamp;
    if put_meta(&mut event, field, Value::Long(0))
        && let Some(at) = write_json_around(&mut text, &event, &field.path)
    {
        drop(event);
        return Box::new(move |ts| {
            let mut body = Vec::with_capacity(text.len() + 20);
            body.extend_from_slice(&text[..at]);
            write!(body, "{ts}")?;
            body.extend_from_slice(&text[at..]);
            Ok(body)
        });
    }
    // A schema whose timestamp the server cannot set as a number: encode it whole, later.
    Box::new(move |ts| {
        put_meta(&mut event, &schema.meta.timestamp, Value::Long(ts));
        write_json(&mut text, &event);
        Ok(text)
    })
}

/// Sets a `strmMeta` field in the type the schema declares, wrapping it in the union
/// branch of its kind where the schema has a union (`["null", "string"]`). False when
/// the event has no such field or its union no branch of that kind.
fn put_meta(event: &mut Value, field: &MetaField, plain: Value) -> bool {
    let branch = match &field.branches {
        Some(kinds) => {
            let want = SchemaKind::from(&plain);
            match kinds.iter().position(|k| *k == want) {
                Some(i) => Some(i as u32),
                None => return false,
            }
        }
        None => None,
    };
    let Some(slot) = avro_path::slot_mut(event, &field.path) else {
        return false;
    };
    match (branch, slot) {
        // The decoder left a union there (null, as the sender did not set it): its box
        // takes the value.
        (Some(i), Value::Union(at, inner)) => {
            *at = i;
            **inner = plain;
        }
        (Some(i), slot) => *slot = Value::Union(i, Box::new(plain)),
        (None, slot) => *slot = plain,
    }
    true
}

/// Fills the `strmMeta` fields the server owns but the timestamp, which the store sets.
fn set_meta(schema: &EventSchema, event: &mut Value, key: &DataKey, billing_id: &str) {
    let meta = &schema.meta;
    put_meta(event, &meta.nonce, Value::Int(rand::rng().random()));
    put_meta(
        event,
        &meta.billing_id,
        Value::String(billing_id.to_owned()),
    );
    let link = match schema.key_link {
        KeyLinkKind::Int => Value::Int(key.key_link.parse().unwrap_or_default()),
        KeyLinkKind::String => Value::String(key.key_link.clone()),
    };
    put_meta(event, &meta.key_link, link);
    if schema.fills_ref {
        put_meta(event, &meta.contract_ref, Value::String(schema.id.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(url: &str) -> (Arc<EventSchema>, Value) {
        let reg = SchemaRegistry::embedded().unwrap();
        let schema = reg.get("clickstream").unwrap().clone();
        let json = serde_json::json!({"strmMeta": {"schemaId": "clickstream", "consentLevels": []},
            "producerSessionId": "s", "url": url, "eventType": "", "referrer": "",
            "userAgent": "", "conversion": 0, "customer": {"id": "c"}, "abTests": []});
        let value = super::super::avro_json::from_json(schema.avro().unwrap(), &json).unwrap();
        (schema, value)
    }

    #[test]
    fn the_acceptance_time_is_spliced_into_the_stored_json() {
        for url in ["https://a.io/", "https://a.io/:-9223372036854775808"] {
            let (schema, value) = event(url);
            let body = timestamped_json(schema, value, 16)(1_610_704_326_171).unwrap();
            let stored: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(stored["strmMeta"]["timestamp"], 1_610_704_326_171i64);
            assert_eq!(stored["url"], url);
        }
    }
}
