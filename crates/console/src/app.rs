//! The console's whole state. Only the event loop owns it; `update` (update.rs)
//! changes it, the views draw it.

use std::cell::Cell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use ratatui::layout::Rect;

use super::forms::Form;
use super::keymap::Keymap;
use super::protocol::{Request, SessionInfo};
use super::tail::TailView;
use super::theme::Theme;
use strm_model::{ConsentLevel, Exporter, Output, Sink, Stream};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Streams,
    Outputs,
    Sinks,
    Exporters,
    ConsentLevels,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Streams,
        Tab::Outputs,
        Tab::Sinks,
        Tab::Exporters,
        Tab::ConsentLevels,
    ];

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            Tab::Streams => "Streams",
            Tab::Outputs => "Outputs",
            Tab::Sinks => "Sinks",
            Tab::Exporters => "Exporters",
            Tab::ConsentLevels => "Consent levels",
        }
    }

    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Tab::Streams => &["NAME", "DESCRIPTION", "TAGS", "CLIENT ID"],
            Tab::Outputs => &["NAME", "STREAM", "CONSENT", "LEVELS", "CLIENT ID"],
            Tab::Sinks => &["NAME", "TYPE", "BUCKET"],
            Tab::Exporters => &["NAME", "STREAM", "SINK", "TYPE", "INTERVAL", "KEYS"],
            Tab::ConsentLevels => &["ID", "NAME"],
        }
    }

    /// Whether the drill-down scope (a stream) narrows this tab.
    pub fn scoped(self) -> bool {
        matches!(self, Tab::Outputs | Tab::Exporters)
    }
}

/// The newest errors the error log keeps.
pub const ERROR_LOG_MAX: usize = 500;

#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub streams: Vec<Stream>,
    pub outputs: Vec<Output>,
    pub sinks: Vec<Sink>,
    pub exporters: Vec<Exporter>,
    pub consent_levels: Vec<ConsentLevel>,
}

impl Resources {
    pub fn len(&self, tab: Tab) -> usize {
        match tab {
            Tab::Streams => self.streams.len(),
            Tab::Outputs => self.outputs.len(),
            Tab::Sinks => self.sinks.len(),
            Tab::Exporters => self.exporters.len(),
            Tab::ConsentLevels => self.consent_levels.len(),
        }
    }

    pub fn cells(&self, tab: Tab, i: usize) -> Vec<String> {
        match tab {
            Tab::Streams => {
                let s = &self.streams[i];
                vec![
                    s.name.clone(),
                    s.description.clone().unwrap_or_default(),
                    s.tags.join(","),
                    s.credentials.client_id.clone(),
                ]
            }
            Tab::Outputs => {
                let o = &self.outputs[i];
                vec![
                    o.name.clone(),
                    o.linked_stream.clone(),
                    o.consent_level_type.to_string(),
                    o.consent_levels
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    o.credentials.client_id.clone(),
                ]
            }
            Tab::Sinks => {
                let s = &self.sinks[i];
                vec![
                    s.sink_name.clone(),
                    s.sink_type.to_string(),
                    s.bucket_name.clone(),
                ]
            }
            Tab::Exporters => {
                let e = &self.exporters[i];
                vec![
                    e.name.clone(),
                    e.linked_stream.clone(),
                    e.sink_name.clone(),
                    e.sink_type.to_string(),
                    e.interval_secs.to_string(),
                    if e.export_keys { "yes" } else { "no" }.into(),
                ]
            }
            Tab::ConsentLevels => {
                let c = &self.consent_levels[i];
                vec![c.id.to_string(), c.name.clone()]
            }
        }
    }

    /// A row's identity, so the selection can follow it through filter, sort and
    /// refresh.
    pub fn key(&self, tab: Tab, i: usize) -> String {
        match tab {
            Tab::Streams => self.streams[i].name.clone(),
            Tab::Outputs => format!("{}/{}", self.outputs[i].linked_stream, self.outputs[i].name),
            Tab::Sinks => format!("{}/{}", self.sinks[i].sink_type, self.sinks[i].sink_name),
            Tab::Exporters => {
                let e = &self.exporters[i];
                format!("{}/{}/{}", e.linked_stream, e.name, e.export_keys)
            }
            Tab::ConsentLevels => self.consent_levels[i].id.to_string(),
        }
    }

    pub fn json(&self, tab: Tab, i: usize) -> serde_json::Value {
        let v = match tab {
            Tab::Streams => serde_json::to_value(&self.streams[i]),
            Tab::Outputs => serde_json::to_value(&self.outputs[i]),
            Tab::Sinks => serde_json::to_value(&self.sinks[i]),
            Tab::Exporters => serde_json::to_value(&self.exporters[i]),
            Tab::ConsentLevels => serde_json::to_value(&self.consent_levels[i]),
        };
        v.unwrap_or_default()
    }

    /// Names of a stream's outputs: exporters may hang off either.
    pub fn outputs_of(&self, stream: &str) -> Vec<&Output> {
        self.outputs
            .iter()
            .filter(|o| o.linked_stream == stream)
            .collect()
    }

    /// Whether a row belongs to the drill-down scope (a stream and its outputs).
    pub fn in_scope(&self, tab: Tab, i: usize, stream: &str) -> bool {
        match tab {
            Tab::Outputs => self.outputs[i].linked_stream == stream,
            Tab::Exporters => {
                let linked = &self.exporters[i].linked_stream;
                linked == stream
                    || self
                        .outputs
                        .iter()
                        .any(|o| o.linked_stream == stream && &o.name == linked)
            }
            _ => true,
        }
    }
}

/// One table's view of its data: filter, sort and selection, computed outside draw.
#[derive(Debug, Clone, Default)]
pub struct TableView {
    pub filter: String,
    /// Column and descending.
    pub sort: Option<(usize, bool)>,
    /// Indices into the resource list, filtered and sorted.
    pub rows: Vec<usize>,
    pub selected: usize,
    /// First visible row, kept by the view so scrolling is stable.
    pub offset: Cell<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone)]
pub struct Flash {
    pub level: Level,
    pub text: String,
    pub until: Instant,
}

pub const FLASH_FOR: Duration = Duration::from_secs(4);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedError {
    /// `HH:MM:SS` UTC.
    pub at: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    Connecting,
    Online,
    Offline { attempt: u32, retry_at: Instant },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    /// The name to be typed before the delete is allowed.
    pub type_name: Option<String>,
    pub typed: String,
    /// Buttons after Cancel, each with its request.
    pub actions: Vec<(String, Request)>,
    /// 0 is Cancel, the default.
    pub selected: usize,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsView {
    pub name: String,
    pub billing_id: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub revealed: bool,
    /// Opened right after a create: the one time the API showed the secret.
    pub just_created: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub text: String,
    pub problem: Option<String>,
}

pub enum Popup {
    Help { scroll: u16 },
    ErrorLog { scroll: u16 },
    Form(Box<Form>),
    Confirm(Confirm),
    Credentials(CredentialsView),
    Command(CommandLine),
    Tail(Box<TailView>),
}

/// What an in-flight request was for, to route its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Connect,
    Load(Tab),
    Submit,
    Delete(String),
    Secret { name: String, show: bool },
    Token,
    Logout,
}

/// Text the loop should put on the clipboard: (what, text).
pub type CopyOut = (String, String);

pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    pub read_only: bool,
    pub refresh_every: Option<Duration>,
    pub mouse: bool,

    pub api_url: Option<String>,
    pub local: bool,
    pub session: Option<SessionInfo>,
    pub conn: Conn,

    pub tab: Tab,
    /// The stream drilled into; narrows Outputs and Exporters.
    pub scope: Option<String>,
    pub stack: Vec<(Tab, Option<String>)>,
    pub data: Resources,
    pub tables: [TableView; 5],
    pub filter_editing: bool,

    pub popups: Vec<Popup>,
    pub flash: Option<Flash>,
    pub errors: Vec<LoggedError>,

    pub next_id: u64,
    pub in_flight: HashMap<u64, Pending>,
    pub latest_load: HashMap<Tab, u64>,
    pub next_refresh: Option<Instant>,

    pub spinner: usize,
    pub now: Instant,
    /// Wall clock, epoch seconds; set by the loop, fixed in tests.
    pub epoch: i64,

    pub copy_out: Vec<CopyOut>,
    pub quit: bool,
    /// Where the table was drawn (for mouse clicks).
    pub table_area: Cell<Rect>,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme) -> App {
        App {
            keymap,
            theme,
            read_only: false,
            refresh_every: Some(Duration::from_secs(super::config::DEFAULT_REFRESH_SECS)),
            mouse: false,
            api_url: None,
            local: false,
            session: None,
            conn: Conn::Connecting,
            tab: Tab::Streams,
            scope: None,
            stack: Vec::new(),
            data: Resources::default(),
            tables: Default::default(),
            filter_editing: false,
            popups: Vec::new(),
            flash: None,
            errors: Vec::new(),
            next_id: 1,
            in_flight: HashMap::new(),
            latest_load: HashMap::new(),
            next_refresh: None,
            spinner: 0,
            now: Instant::now(),
            epoch: 0,
            copy_out: Vec::new(),
            quit: false,
            table_area: Cell::new(Rect::default()),
        }
    }

    pub fn table(&self) -> &TableView {
        &self.tables[self.tab.index()]
    }

    pub fn table_mut(&mut self) -> &mut TableView {
        &mut self.tables[self.tab.index()]
    }

    /// The resource index of the selected row of the current tab.
    pub fn selected_index(&self) -> Option<usize> {
        let t = self.table();
        t.rows.get(t.selected).copied()
    }

    /// Re-filters and re-sorts one tab's rows, keeping the selected row selected.
    pub fn recompute(&mut self, tab: Tab) {
        let data = &self.data;
        let view = &self.tables[tab.index()];
        let keep = view
            .rows
            .get(view.selected)
            .and_then(|&i| (i < data.len(tab)).then(|| data.key(tab, i)));
        let needle = view.filter.to_lowercase();
        let scope = self.scope.as_deref().filter(|_| tab.scoped());
        let mut rows: Vec<(usize, Vec<String>)> = (0..data.len(tab))
            .filter(|&i| scope.is_none_or(|s| data.in_scope(tab, i, s)))
            .map(|i| (i, data.cells(tab, i)))
            .filter(|(_, cells)| {
                needle.is_empty() || cells.iter().any(|c| c.to_lowercase().contains(&needle))
            })
            .collect();
        if let Some((col, desc)) = view.sort {
            rows.sort_by(|a, b| {
                let (x, y) = (&a.1[col], &b.1[col]);
                let ord = match (x.parse::<i64>(), y.parse::<i64>()) {
                    (Ok(p), Ok(q)) => p.cmp(&q),
                    _ => x.cmp(y),
                };
                if desc { ord.reverse() } else { ord }
            });
        }
        let rows: Vec<usize> = rows.into_iter().map(|(i, _)| i).collect();
        let selected = keep
            .and_then(|k| rows.iter().position(|&i| data.key(tab, i) == k))
            .unwrap_or(view.selected.min(rows.len().saturating_sub(1)));
        let view = &mut self.tables[tab.index()];
        view.rows = rows;
        view.selected = selected;
    }

    pub fn recompute_all(&mut self) {
        for tab in Tab::ALL {
            self.recompute(tab);
        }
    }

    pub fn form(&self) -> Option<&Form> {
        self.popups.iter().rev().find_map(|p| match p {
            Popup::Form(f) => Some(f.as_ref()),
            _ => None,
        })
    }

    /// The open tail view, wherever it is in the popup stack.
    pub fn tail(&self) -> Option<&TailView> {
        self.popups.iter().find_map(|p| match p {
            Popup::Tail(t) => Some(t.as_ref()),
            _ => None,
        })
    }

    pub fn tail_mut(&mut self) -> Option<&mut TailView> {
        self.popups.iter_mut().find_map(|p| match p {
            Popup::Tail(t) => Some(t.as_mut()),
            _ => None,
        })
    }

    pub fn flash(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        if level == Level::Error {
            self.log_error(text.clone());
        }
        self.flash = Some(Flash {
            level,
            text,
            until: self.now + FLASH_FOR,
        });
    }

    pub fn log_error(&mut self, text: String) {
        tracing::warn!("{text}");
        let secs = self.epoch.rem_euclid(86_400);
        let at = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
        self.errors.push(LoggedError { at, text });
        // A console left open for days against a failing API must not grow without bound.
        if self.errors.len() > ERROR_LOG_MAX {
            self.errors.drain(..self.errors.len() - ERROR_LOG_MAX);
        }
    }

    pub fn busy(&self) -> bool {
        !self.in_flight.is_empty()
    }

    /// When the loop must wake up next without input; `None` means sleep until an
    /// event arrives (an idle console does no work).
    pub fn next_deadline(&self) -> Option<Instant> {
        let mut deadlines = Vec::new();
        if self.busy() {
            deadlines.push(self.now + super::SPINNER_EVERY);
        }
        if let Some(f) = &self.flash {
            deadlines.push(f.until);
        }
        if let Conn::Offline { retry_at, .. } = self.conn {
            deadlines.push(retry_at);
        }
        if self.form().is_none()
            && let Some(at) = self.next_refresh
        {
            deadlines.push(at);
        }
        deadlines.into_iter().min()
    }
}
