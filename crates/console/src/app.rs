//! The console's whole state. Only the event loop owns it; `update` (update/)
//! changes it, the views draw it.

use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use ratatui::layout::Rect;

use super::forms::Form;
use super::keymap::Keymap;
use super::observe::buckets::BucketsView;
use super::observe::inspector::{Contract, Inspector};
use super::observe::pulse::PulseView;
use super::observe::xray::XrayView;
use super::protocol::{Request, SessionInfo};
pub use super::resources::{Resources, Tab};
use super::tail::TailView;
use super::theme::Theme;

/// The newest errors the error log keeps.
pub const ERROR_LOG_MAX: usize = 500;

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
    /// Keys (`Kind::key`) of the rows marked for a bulk action.
    pub marked: BTreeSet<String>,
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

/// One button of a confirmation after Cancel: its label, the request it sends and what
/// the message line says once the request succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmAction {
    pub label: String,
    pub request: Request,
    /// e.g. `Deleted exporter s3 of level0-1`.
    pub done: String,
}

impl ConfirmAction {
    pub fn new(label: &str, request: Request, done: String) -> ConfirmAction {
        ConfirmAction {
            label: label.into(),
            request,
            done,
        }
    }
}

/// A button as (label, request): the message after it is the dialog's title and `done`.
impl From<(String, Request)> for ConfirmAction {
    fn from((label, request): (String, Request)) -> ConfirmAction {
        ConfirmAction {
            label,
            request,
            done: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    /// The text to be typed before the delete is allowed (a name, or a count).
    pub type_name: Option<String>,
    pub typed: String,
    /// Buttons after Cancel.
    pub actions: Vec<ConfirmAction>,
    /// 0 is Cancel, the default.
    pub selected: usize,
    pub problem: Option<String>,
}

impl Confirm {
    /// Cancel first and selected: Enter alone never deletes.
    pub fn new(
        title: &str,
        lines: Vec<String>,
        type_name: Option<String>,
        actions: Vec<impl Into<ConfirmAction>>,
    ) -> Confirm {
        let actions = actions
            .into_iter()
            .map(|a| {
                let mut a: ConfirmAction = a.into();
                if a.done.is_empty() {
                    a.done = format!("{title}: done");
                }
                a
            })
            .collect();
        Confirm {
            title: title.into(),
            lines,
            type_name,
            typed: String::new(),
            actions,
            selected: 0,
            problem: None,
        }
    }

    /// Whether the text to type (if any) has been typed.
    pub fn name_matches(&self) -> bool {
        self.type_name
            .as_ref()
            .is_none_or(|name| self.typed.trim() == name)
    }
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
    /// The saved secret is still being looked up (the request's id).
    pub loading: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub text: String,
    pub problem: Option<String>,
}

/// A line asking for a value, and what it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub title: String,
    pub text: String,
    pub problem: Option<String>,
}

/// The help screen's and the error log's position and search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pager {
    /// First row shown.
    pub scroll: u16,
    /// What is being typed after `/`, while the search line is open.
    pub typing: Option<String>,
    /// The last search (lower case), highlighted and found again with `n`.
    pub query: String,
    /// Rows and columns it had when it was last drawn, for paging, `G` and the search.
    pub height: Cell<u16>,
    pub width: Cell<u16>,
}

/// What a pager popup shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagerKind {
    Help,
    Errors,
    Nodes,
}

pub enum Popup {
    Help(Pager),
    ErrorLog(Pager),
    /// The cluster's nodes as `:nodes` last listed them (`App::nodes`).
    Nodes(Pager),
    Form(Box<Form>),
    Confirm(Confirm),
    Credentials(CredentialsView),
    Command(CommandLine),
    Tail(Box<TailView>),
    Xray(Box<XrayView>),
    Pulse(Box<PulseView>),
    Buckets(Box<BucketsView>),
    Inspector(Box<Inspector>),
    /// The file the tail's shown lines are saved to.
    SaveTail(Prompt),
}

impl Popup {
    /// A pager popup's kind and pager.
    pub fn pager(&self) -> Option<(PagerKind, &Pager)> {
        match self {
            Popup::Help(p) => Some((PagerKind::Help, p)),
            Popup::ErrorLog(p) => Some((PagerKind::Errors, p)),
            Popup::Nodes(p) => Some((PagerKind::Nodes, p)),
            _ => None,
        }
    }

    pub fn pager_mut(&mut self) -> Option<(PagerKind, &mut Pager)> {
        match self {
            Popup::Help(p) => Some((PagerKind::Help, p)),
            Popup::ErrorLog(p) => Some((PagerKind::Errors, p)),
            Popup::Nodes(p) => Some((PagerKind::Nodes, p)),
            _ => None,
        }
    }
}

/// What an in-flight request was for, to route its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Connect,
    Load(Tab),
    Submit,
    /// What the message line says when the delete is done.
    Delete(String),
    /// A bulk delete of `total` rows, and what to say when every one went.
    DeleteMany {
        summary: String,
        total: usize,
    },
    /// A saved secret for the credentials popup (`show`) or the clipboard, of the
    /// stream or output `name` whose clientId was `client_id` when the key was typed.
    Secret {
        name: String,
        client_id: String,
        show: bool,
    },
    /// A pasted client secret being checked and saved, for the tail of `name`.
    SaveSecret {
        name: String,
    },
    Token,
    Logout,
    /// `:nodes`: the list opens in a popup.
    Nodes,
    /// Usage and exporter statuses for the tables and the observing views.
    Observe,
    /// A listing of the bucket view's folder (`true`: a further page).
    Objects(bool),
    Object,
    Contract(String),
    Save,
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
    /// The node that answered last (`Strm-Node`), shown in the header.
    pub node: Option<String>,
    /// The cluster's nodes as `:nodes` last listed them.
    pub nodes: Vec<strm_model::Node>,

    pub tab: Tab,
    /// The stream drilled into; narrows Outputs and Exporters.
    pub scope: Option<String>,
    pub stack: Vec<(Tab, Option<String>)>,
    pub data: Resources,
    pub tables: [TableView; Tab::COUNT],
    pub filter_editing: bool,
    /// The e-mail typed into the last login form, offered again when it reopens.
    pub login_email: String,

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
    /// When an open x-ray, pulse or bucket view is refreshed next.
    pub observe_due: Option<Instant>,
    /// The contracts of the schemas the inspector has met.
    pub contracts: HashMap<String, Contract>,
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
            node: None,
            nodes: Vec::new(),
            tab: Tab::Streams,
            scope: None,
            stack: Vec::new(),
            data: Resources::default(),
            tables: Default::default(),
            filter_editing: false,
            login_email: String::new(),
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
            observe_due: None,
            contracts: HashMap::new(),
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
                // Numbers (ids, intervals, rates) sort by value, names as a person would.
                let ord = match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(p), Ok(q)) => p.total_cmp(&q),
                    _ => natural_cmp(x, y),
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

    /// After the filter text changed: the first match is selected, so it is in view.
    pub fn filter_changed(&mut self, tab: Tab) {
        self.recompute(tab);
        let view = &mut self.tables[tab.index()];
        view.selected = 0;
        view.offset.set(0);
    }

    /// The resource indices of the marked rows of the current tab that are still listed.
    pub fn marked_indices(&self) -> Vec<usize> {
        let view = self.table();
        if view.marked.is_empty() {
            return Vec::new();
        }
        (0..self.data.len(self.tab))
            .filter(|&i| view.marked.contains(&self.data.key(self.tab, i)))
            .collect()
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
        if let Some(at) = self.observe_due {
            deadlines.push(at);
        }
        deadlines.into_iter().min()
    }

    /// The observing view on top (x-ray, pulse, buckets), whose data refreshes.
    pub fn observing(&self) -> Option<&Popup> {
        self.popups
            .iter()
            .rev()
            .find(|p| matches!(p, Popup::Xray(_) | Popup::Pulse(_) | Popup::Buckets(_)))
    }
}

/// Names as a person sorts them: digit runs by their value, so `s2` comes before `s10`.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars>| {
                    let mut digits = String::new();
                    while let Some(c) = it.next_if(char::is_ascii_digit) {
                        digits.push(c);
                    }
                    digits.trim_start_matches('0').to_string()
                };
                let (m, n) = (take(&mut x), take(&mut y));
                let ord = m.len().cmp(&n.len()).then_with(|| m.cmp(&n));
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            (Some(p), Some(q)) => {
                let ord = p.to_lowercase().cmp(q.to_lowercase());
                if ord != Ordering::Equal {
                    return ord;
                }
                x.next();
                y.next();
            }
        }
    }
}
