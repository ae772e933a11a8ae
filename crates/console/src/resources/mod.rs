//! The console by resource: one module per kind (streams, outputs, sinks, exporters,
//! consent levels, data contracts, data subjects), each holding its columns and cells,
//! detail, create form, delete confirmation, tail target and the calls it needs. The
//! generic table, view and update code asks a tab's `Kind`.
//!
//! A new kind is one module and its registration (a `Tab` variant and its line in
//! `Tab::kind`): it makes its own API calls (`protocol::Call`), which the worker runs as
//! they are, and keeps its rows in `Resources::listed`. The first five kinds still have
//! their own requests and lists; they can move to calls one at a time.

mod consent_levels;
mod data_contracts;
mod data_subjects;
mod exporters;
mod outputs;
mod sinks;
mod streams;

use crate::app::{Confirm, ConfirmAction};
use crate::forms::Form;
use std::collections::HashMap;

use crate::observe::Observed;
use crate::protocol::{Created, Listed, ListedRows, Request, TailTarget};
use strm_model::{ConsentLevel, Credentials, Exporter, Output, Sink, Stream};

pub use data_subjects::Found as FoundSubjects;
pub use outputs::OUTPUTS_OVERVIEW_MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Streams,
    Outputs,
    Sinks,
    Exporters,
    ConsentLevels,
    DataContracts,
    DataSubjects,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Streams,
        Tab::Outputs,
        Tab::Sinks,
        Tab::Exporters,
        Tab::ConsentLevels,
        Tab::DataContracts,
        Tab::DataSubjects,
    ];
    pub const COUNT: usize = Tab::ALL.len();

    /// The registration: which module serves which tab.
    pub fn kind(self) -> &'static dyn Kind {
        match self {
            Tab::Streams => &streams::Streams,
            Tab::Outputs => &outputs::Outputs,
            Tab::Sinks => &sinks::Sinks,
            Tab::Exporters => &exporters::Exporters,
            Tab::ConsentLevels => &consent_levels::ConsentLevels,
            Tab::DataContracts => &data_contracts::DataContracts,
            Tab::DataSubjects => &data_subjects::DataSubjects,
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        self.kind().title()
    }

    /// The tab as a `'static` slice of one, as `Resources::store` answers.
    fn one(self) -> &'static [Tab] {
        static TABS: [Tab; Tab::COUNT] = Tab::ALL;
        std::slice::from_ref(&TABS[self.index()])
    }

    /// Whether the drill-down scope (a stream) narrows this tab.
    pub fn scoped(self) -> bool {
        self.kind().scoped()
    }
}

/// A table column: its header and its share of the width.
pub struct Column {
    pub name: &'static str,
    pub fill: u16,
}

pub const fn col(name: &'static str, fill: u16) -> Column {
    Column { name, fill }
}

/// What a kind is, apart from its rows.
pub struct Meta {
    /// The tab title, e.g. "Consent levels".
    pub title: &'static str,
    /// The title in a narrow tab bar, e.g. "Consent".
    pub short_title: &'static str,
    /// The `:` commands that open the tab; the first is listed and completed.
    pub commands: &'static [&'static str],
    pub columns: &'static [Column],
    /// Whether the drill-down scope (a stream) narrows this tab.
    pub scoped: bool,
    /// The kind's rows in the API's last answer.
    pub rows: fn(&Resources) -> &dyn Rows,
}

/// What Enter on a row of a kind does.
pub enum Opens {
    Nothing,
    Credentials,
    /// Shows the tab narrowed to the row's stream (`Kind::stream_of`).
    Drill(Tab),
}

/// What the console says and shows after a create.
pub struct Announce {
    pub message: String,
    /// A stream's or output's name and credentials, shown once in the credentials popup.
    pub credentials: Option<(String, Credentials)>,
}

/// A resource as a table row.
pub trait Row: serde::Serialize {
    /// The row's cells; `data` for what they name (consent-level names).
    fn cells(&self, data: &Resources) -> Vec<String>;
    /// A row's identity, so the selection can follow it through filter, sort and
    /// refresh.
    fn key(&self) -> String;
}

/// A kind's rows as the generic table, detail and selection code reads them.
pub trait Rows {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn cells(&self, data: &Resources, i: usize) -> Vec<String>;
    fn key(&self, i: usize) -> String;
    /// The detail pane.
    fn json(&self, i: usize) -> serde_json::Value;
}

impl<T: Row> Rows for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn cells(&self, data: &Resources, i: usize) -> Vec<String> {
        self[i].cells(data)
    }
    fn key(&self, i: usize) -> String {
        self[i].key()
    }
    fn json(&self, i: usize) -> serde_json::Value {
        to_json(&self[i])
    }
}

/// Everything the generic code needs to know about one resource kind. Rows are
/// addressed by their index in the kind's list in `Resources`.
pub trait Kind: Sync {
    fn meta(&self) -> &'static Meta;
    fn title(&self) -> &'static str {
        self.meta().title
    }
    fn commands(&self) -> &'static [&'static str] {
        self.meta().commands
    }
    fn columns(&self) -> &'static [Column] {
        self.meta().columns
    }
    fn scoped(&self) -> bool {
        self.meta().scoped
    }
    /// The kind's rows in the API's last answer.
    fn rows<'a>(&self, data: &'a Resources) -> &'a dyn Rows {
        (self.meta().rows)(data)
    }
    /// The detail pane as text lines, for a kind whose detail reads better than its
    /// JSON (a contract's fields as a tree); `None` shows the JSON.
    fn detail(&self, _data: &Resources, _i: usize) -> Option<Vec<String>> {
        None
    }
    /// The title in a narrow tab bar.
    fn short_title(&self) -> &'static str {
        self.meta().short_title
    }
    /// Whether a row belongs to the drill-down scope (a stream and its outputs).
    fn in_scope(&self, _data: &Resources, _i: usize, _stream: &str) -> bool {
        true
    }
    /// The request that lists this kind, `scope` being the stream drilled into;
    /// `None` when it is not listed now.
    fn list(&self, data: &Resources, scope: Option<&str>) -> Option<Request>;
    /// Said after the table title when not every row is listed.
    fn title_note(&self, _data: &Resources, _scope: Option<&str>) -> Option<String> {
        None
    }
    /// The empty table's text; `create` is the key that creates.
    fn empty(&self, create: &str) -> String {
        format!(
            "No {} yet — press {create} to create one",
            self.title().to_lowercase()
        )
    }
    fn opens(&self) -> Opens {
        Opens::Nothing
    }
    /// The stream a row is or belongs to, preselected in create forms.
    fn stream_of(&self, _data: &Resources, _i: usize) -> Option<String> {
        None
    }
    /// (name, clientId) of a row that has credentials: the rows that can be tailed.
    fn credentials(&self, data: &Resources, i: usize) -> Option<(String, String)> {
        self.tail_target(data, i).map(|t| (t.name, t.client_id))
    }
    fn tail_target(&self, _data: &Resources, _i: usize) -> Option<TailTarget> {
        None
    }
    /// The create form; `scope` is the stream drilled into, `preselect` the stream to
    /// offer first.
    fn create_form(&self, data: &Resources, scope: Option<&str>, preselect: Option<&str>) -> Form;
    fn confirm_delete(&self, data: &Resources, i: usize) -> Confirm;
    /// A row as messages name it: `stream bart`, `output level0-1 of bart`.
    fn describe(&self, data: &Resources, i: usize) -> String {
        format!("{} {}", self.title().to_lowercase(), self.name(data, i))
    }
    /// The name a row is found by on the `:` line (`:streams s1500`, `:delete s12`).
    fn name(&self, data: &Resources, i: usize) -> String {
        self.rows(data).cells(data, i).swap_remove(0)
    }
    /// The request that deletes a row as part of a bulk delete (with what hangs off it,
    /// as the row's own dialog says); `None` where bulk deletes are not offered.
    fn delete_request(&self, _data: &Resources, _i: usize) -> Option<Request> {
        None
    }
    /// Whether deleting asks for the name (for a bulk delete: the count) to be typed.
    fn guarded(&self) -> bool {
        false
    }
    /// Said under a bulk delete's list, e.g. what goes with the rows.
    fn bulk_note(&self) -> Option<&'static str> {
        None
    }
}

/// Deleting one row with the request a bulk delete sends for it: "Delete <row>?" and
/// `notes` under it; "Deleted <row>" after.
fn confirm_one(
    kind: &dyn Kind,
    title: &str,
    data: &Resources,
    i: usize,
    notes: Vec<String>,
    guard: Option<String>,
) -> Confirm {
    let what = kind.describe(data, i);
    let mut lines = vec![format!("Delete {what}?")];
    lines.extend(notes);
    let delete = kind
        .delete_request(data, i)
        .map(|req| ConfirmAction::new("Delete", req, format!("Deleted {what}")));
    Confirm::new(title, lines, guard, delete.into_iter().collect())
}

/// One confirmation for deleting the rows `indices` of `tab`, listing every one; `None`
/// when the tab's kind offers no bulk delete.
pub fn confirm_bulk(tab: Tab, data: &Resources, indices: &[usize]) -> Option<Confirm> {
    let kind = tab.kind();
    let what = tab.title().to_lowercase();
    let n = indices.len();
    let names: Vec<String> = indices.iter().map(|&i| kind.name(data, i)).collect();
    let mut lines = vec![format!("Delete these {n} {what}?"), names.join(", ")];
    if let Some(note) = kind.bulk_note() {
        lines.push(note.into());
    }
    let requests = indices
        .iter()
        .map(|&i| Some((kind.describe(data, i), kind.delete_request(data, i)?)))
        .collect::<Option<Vec<_>>>()?;
    let guard = kind.guarded().then(|| n.to_string());
    Some(Confirm::new(
        &format!("Delete {n} {what}"),
        lines,
        guard,
        vec![ConfirmAction::new(
            &format!("Delete {n}"),
            Request::DeleteMany(requests),
            format!("Deleted {n} {what}: {}", names.join(", ")),
        )],
    ))
}

/// Levels with their names where they have one: `0 necessary, 1 analytics, 2`.
pub fn named_levels(data: &Resources, levels: &[u32]) -> String {
    levels
        .iter()
        .map(
            |&l| match data.consent_levels.iter().find(|c| c.id == i64::from(l)) {
                Some(c) => format!("{l} {}", c.name),
                None => l.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows of every kind, as the API last listed them.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub streams: Vec<Stream>,
    pub outputs: Vec<Output>,
    pub sinks: Vec<Sink>,
    pub exporters: Vec<Exporter>,
    pub consent_levels: Vec<ConsentLevel>,
    /// Usage and exporter statuses: the rate and last-event columns read them.
    pub observed: Observed,
    /// The rows of the kinds that list themselves (`Listed::Rows`), by tab.
    pub listed: HashMap<Tab, ListedRows>,
}

impl Resources {
    pub fn len(&self, tab: Tab) -> usize {
        tab.kind().rows(self).len()
    }

    pub fn cells(&self, tab: Tab, i: usize) -> Vec<String> {
        tab.kind().rows(self).cells(self, i)
    }

    pub fn key(&self, tab: Tab, i: usize) -> String {
        tab.kind().rows(self).key(i)
    }

    pub fn json(&self, tab: Tab, i: usize) -> serde_json::Value {
        tab.kind().rows(self).json(i)
    }

    /// The rows a kind listed with its own call, as the type it listed them as.
    pub fn listed<T: 'static>(&self, tab: Tab) -> Option<&Vec<T>> {
        self.listed
            .get(&tab)
            .and_then(|r| r.0.downcast_ref::<Vec<T>>())
    }

    pub fn in_scope(&self, tab: Tab, i: usize, stream: &str) -> bool {
        tab.kind().in_scope(self, i, stream)
    }

    /// Outputs of a stream: exporters may hang off either.
    pub fn outputs_of(&self, stream: &str) -> Vec<&Output> {
        self.outputs
            .iter()
            .filter(|o| o.linked_stream == stream)
            .collect()
    }

    /// Takes a list the API answered; answers the tabs whose rows it changes.
    pub fn store(&mut self, listed: Listed) -> &'static [Tab] {
        match listed {
            Listed::Streams(v) => {
                self.streams = v;
                &[Tab::Streams]
            }
            Listed::Outputs(stream, v) => {
                outputs::store(self, stream, v);
                // Exporters may hang off an output: their scope follows.
                &[Tab::Outputs, Tab::Exporters]
            }
            Listed::Sinks(v) => {
                self.sinks = v;
                &[Tab::Sinks]
            }
            Listed::Exporters(v) => {
                self.exporters = v;
                &[Tab::Exporters]
            }
            Listed::ConsentLevels(v) => {
                self.consent_levels = v;
                &[Tab::ConsentLevels]
            }
            Listed::Rows(tab, rows) => {
                self.listed.insert(tab, rows);
                tab.one()
            }
        }
    }
}

/// What to say (and show) after a create.
pub fn announce(created: &Created) -> Announce {
    match created {
        Created::Stream(s) => streams::created(s),
        Created::Output(o) => outputs::created(o),
        Created::Sink(s) => sinks::created(s),
        Created::Exporter(e) => exporters::created(e),
        Created::ConsentLevel(c) => consent_levels::created(c),
    }
}

/// An announcement without credentials.
fn said(message: String) -> Announce {
    Announce {
        message,
        credentials: None,
    }
}

fn to_json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}
