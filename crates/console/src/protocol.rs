//! What the UI and the API worker exchange: `Request`s in, `Response`s (an `Answer` or an
//! error, under the request's id) out. Both sides depend on this module and on nothing
//! of each other.

use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::resources::Tab;
use futures::future::BoxFuture;
use strm_client::{ApiClient, ClientError};
use strm_model::{
    AuthResponse, ConsentLevel, Exporter, ExporterCreate, ExporterStatus, NodeList, ObjectList,
    Output, OutputCreate, SchemaContract, Sink, SinkCreate, SinkType, Stream, StreamCreate,
    UsageSummary,
};

/// Events a tail view keeps; a tail batch never holds more.
pub const RING: usize = 2000;

/// A password or token: compared and cloned like a string, never shown by Debug.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Event payloads: compared and cloned, never shown by Debug (a log must not hold
/// them).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Payload<T>(pub T);

impl<T> std::fmt::Debug for Payload<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<event payload>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Connect,
    Login {
        email: String,
        password: Secret,
    },
    Logout,
    ListStreams,
    /// Outputs of one stream, or of every stream when `None`.
    ListOutputs(Option<String>),
    ListSinks,
    ListExporters,
    ListConsentLevels,
    CreateStream(StreamCreate),
    CreateOutput(String, OutputCreate),
    CreateSink(SinkCreate),
    CreateExporter(String, ExporterCreate),
    CreateConsentLevel(ConsentLevel),
    DeleteStream {
        name: String,
        recursive: bool,
    },
    DeleteOutput {
        stream: String,
        name: String,
        recursive: bool,
    },
    DeleteSink {
        name: String,
        sink_type: SinkType,
    },
    DeleteExporter {
        stream: String,
        name: String,
        export_keys: bool,
    },
    DeleteConsentLevel(i64),
    /// Deletes, in order, each (what, request); one answer says which went.
    DeleteMany(Vec<(String, Request)>),
    /// A secret this console saved when it created the stream or output; only one saved
    /// for `client_id` counts (an older namesake's is not it).
    SavedSecret {
        name: String,
        client_id: String,
    },
    /// A client secret pasted for a stream or output created elsewhere: checked by
    /// getting an event token with it, then saved (0600) like a created one's.
    SaveSecret {
        target: TailTarget,
        secret: Secret,
    },
    AccessToken,
    /// The live nodes of the cluster (`:nodes`).
    ListNodes,
    /// Follow a stream's or output's live events until `StopTail` with this request's
    /// id; answers come as `Tail*` answers under that id.
    Tail(TailTarget),
    StopTail(u64),
    /// Every stream's and output's event counts over the last `span_secs`, in windows
    /// of `by` seconds.
    Usage {
        span_secs: i64,
        by: u32,
    },
    /// The status of each of these exporters.
    ExporterStatuses(Vec<ExporterRef>),
    /// A page of a sink's objects: the objects directly under `prefix`, and its folders.
    ListObjects {
        sink: String,
        sink_type: SinkType,
        prefix: String,
        after: Option<String>,
    },
    /// An object's text, up to `OBJECT_SHOWN_MAX` bytes.
    ReadObject {
        sink: String,
        sink_type: SinkType,
        key: String,
    },
    /// Which fields of a schema (a built-in's id) or a data contract (its ref) are
    /// personal data, for the inspector.
    SchemaContract(String),
    /// Writes events, one JSON a line, to a new file (0600).
    SaveLines {
        path: PathBuf,
        lines: Payload<Vec<String>>,
    },
    /// A call a resource kind makes itself (`resources/`), run by the worker as it is:
    /// a kind that uses it needs no request variant, answer or worker arm of its own.
    Call(Call),
}

/// The most of an object the buckets view reads.
pub const OBJECT_SHOWN_MAX: u64 = 4 * 1024 * 1024;

/// An exporter by what names it: the stream or output it reads, its name, its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExporterRef {
    pub linked_stream: String,
    pub name: String,
    pub export_keys: bool,
}

impl From<&Exporter> for ExporterRef {
    fn from(e: &Exporter) -> Self {
        ExporterRef {
            linked_stream: e.linked_stream.clone(),
            name: e.name.clone(),
            export_keys: e.export_keys,
        }
    }
}

type Run = dyn Fn(ApiClient) -> BoxFuture<'static, Result<Answer, ClientError>> + Send + Sync;

/// An API call with what it does in words (its identity in tests and comparisons) and
/// whether it changes anything (read-only mode refuses those in the worker).
#[derive(Clone)]
pub struct Call {
    what: String,
    mutates: bool,
    run: Arc<Run>,
}

impl Call {
    pub fn new<F, Fut>(what: impl Into<String>, mutates: bool, run: F) -> Call
    where
        F: Fn(ApiClient) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Answer, ClientError>> + Send + 'static,
    {
        Call {
            what: what.into(),
            mutates,
            run: Arc::new(move |client| Box::pin(run(client))),
        }
    }

    pub fn what(&self) -> &str {
        &self.what
    }

    pub fn run(&self, client: ApiClient) -> BoxFuture<'static, Result<Answer, ClientError>> {
        (self.run)(client)
    }
}

impl PartialEq for Call {
    fn eq(&self, other: &Call) -> bool {
        self.what == other.what && self.mutates == other.mutates
    }
}

impl Eq for Call {}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Call({:?})", self.what)
    }
}

/// A kind's rows as its own call listed them; the kind reads them back by type
/// (`Resources::rows`).
#[derive(Clone)]
pub struct ListedRows(pub Arc<dyn Any + Send + Sync>);

impl ListedRows {
    pub fn new<T: Send + Sync + 'static>(rows: Vec<T>) -> ListedRows {
        ListedRows(Arc::new(rows))
    }
}

impl PartialEq for ListedRows {
    fn eq(&self, other: &ListedRows) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ListedRows {}

impl std::fmt::Debug for ListedRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListedRows")
    }
}

impl Request {
    pub fn mutates(&self) -> bool {
        matches!(
            self,
            Request::CreateStream(_)
                | Request::CreateOutput(..)
                | Request::CreateSink(_)
                | Request::CreateExporter(..)
                | Request::CreateConsentLevel(_)
                | Request::DeleteStream { .. }
                | Request::DeleteOutput { .. }
                | Request::DeleteSink { .. }
                | Request::DeleteExporter { .. }
                | Request::DeleteConsentLevel(_)
                | Request::DeleteMany(_)
        ) || matches!(self, Request::Call(c) if c.mutates)
    }
}

/// Who is signed in, without the tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub email: String,
    pub billing_id: String,
    pub expires_at: i64,
}

impl From<&AuthResponse> for SessionInfo {
    fn from(a: &AuthResponse) -> Self {
        SessionInfo {
            email: a.email.clone(),
            billing_id: a.billing_id.clone(),
            expires_at: a.expires_at,
        }
    }
}

/// A list the API answered, one variant per resource kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed {
    Streams(Vec<Stream>),
    /// The outputs of one stream, or of every stream when `None`.
    Outputs(Option<String>, Vec<Output>),
    Sinks(Vec<Sink>),
    Exporters(Vec<Exporter>),
    ConsentLevels(Vec<ConsentLevel>),
    /// The rows of a kind that lists itself with a `Call`.
    Rows(Tab, ListedRows),
}

/// What a create answered, one variant per resource kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    Stream(Stream),
    Output(Output),
    Sink(Sink),
    Exporter(Exporter),
    ConsentLevel(ConsentLevel),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Connected {
        api_url: String,
        local: bool,
        session: Option<SessionInfo>,
    },
    LoggedIn(SessionInfo),
    LoggedOut,
    Listed(Listed),
    Created(Created),
    Deleted,
    /// A kind's own call is done; what to say (the tables are listed again).
    Done(String),
    /// What a `DeleteMany` deleted, and what it could not, with why.
    DeletedMany {
        done: Vec<String>,
        failed: Vec<(String, String)>,
    },
    SavedSecret(Option<String>),
    /// A pasted secret was accepted by the data plane and saved.
    SecretSaved,
    /// Secret material for the clipboard only; never logged.
    Token(Secret),
    /// The live nodes of the cluster.
    Nodes(NodeList),
    /// The node that answered changed (sent under id 0, outside any request).
    Node(String),
    /// The tail's websocket is open.
    TailLive,
    TailEvents(TailBatch),
    /// No saved secret for the tail's target (`stale`: one of another clientId).
    TailNoSecret {
        file: PathBuf,
        stale: bool,
    },
    /// The server closed the tail.
    TailEnded,
    /// The tail lost its websocket (the server that hosted it quit, say) and connects
    /// again by itself: `reason` is why, `attempt` counts from 1.
    TailReconnecting {
        reason: String,
        attempt: u32,
    },
    Usage(UsageSummary),
    /// Each exporter's status, or why it could not be read.
    ExporterStatuses(Vec<(ExporterRef, Result<ExporterStatus, String>)>),
    Objects {
        sink: String,
        prefix: String,
        list: ObjectList,
    },
    Object {
        key: String,
        text: Payload<String>,
        size: u64,
    },
    SchemaContract(SchemaContract),
    Saved {
        path: PathBuf,
        count: usize,
    },
}

#[derive(Debug, Clone)]
pub struct Response {
    pub id: u64,
    pub result: Result<Answer, ClientError>,
    /// The session after this request (a refresh may have renewed it).
    pub session: Option<SessionInfo>,
}

/// What a tail follows: a stream (its encrypted view) or an output of `output_of`
/// (its filtered, decrypted view). `client_id` is the one the API lists, so that a
/// saved secret of an older namesake is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailTarget {
    pub name: String,
    pub client_id: String,
    pub output_of: Option<String>,
}

impl TailTarget {
    pub fn describe(&self) -> String {
        match &self.output_of {
            None => format!("stream {}", self.name),
            Some(stream) => format!("output {} of {stream}", self.name),
        }
    }

    pub fn view(&self) -> &'static str {
        match self.output_of {
            None => "encrypted view",
            Some(_) => "decrypted view",
        }
    }
}

/// Lines a batch still holds count against the tail task's budget until they are
/// dropped.
#[derive(Default)]
struct Credit {
    outstanding: Option<Arc<AtomicUsize>>,
    lines: usize,
}

impl Drop for Credit {
    fn drop(&mut self) {
        if let Some(o) = &self.outstanding {
            o.fetch_sub(self.lines, Ordering::Relaxed);
        }
    }
}

/// Events as compact JSON text, newest last, and how many the task had to drop since
/// its last batch because the console fell behind.
pub struct TailBatch {
    pub lines: Vec<String>,
    pub dropped: u64,
    // Held for its `Drop`.
    _credit: Credit,
}

impl TailBatch {
    pub fn new(lines: Vec<String>, dropped: u64) -> TailBatch {
        TailBatch {
            lines,
            dropped,
            _credit: Credit::default(),
        }
    }

    /// A batch whose lines count against `outstanding` until the console drops it.
    pub fn counted(lines: Vec<String>, dropped: u64, outstanding: &Arc<AtomicUsize>) -> TailBatch {
        let n = lines.len();
        outstanding.fetch_add(n, Ordering::Relaxed);
        TailBatch {
            lines,
            dropped,
            _credit: Credit {
                outstanding: Some(outstanding.clone()),
                lines: n,
            },
        }
    }
}

// A clone carries no credit: only the batch the console consumes gives it back.
impl Clone for TailBatch {
    fn clone(&self) -> TailBatch {
        TailBatch::new(self.lines.clone(), self.dropped)
    }
}

impl PartialEq for TailBatch {
    fn eq(&self, other: &TailBatch) -> bool {
        self.lines == other.lines && self.dropped == other.dropped
    }
}

impl Eq for TailBatch {}

impl std::fmt::Debug for TailBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TailBatch")
            .field("lines", &self.lines.len())
            .field("dropped", &self.dropped)
            .finish()
    }
}
