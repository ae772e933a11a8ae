//! `update`: one message in, state changed, requests for the worker out. No I/O here
//! (the clipboard text is queued for the loop), so every path is unit-testable.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::app::{App, CommandLine, Confirm, Conn, CredentialsView, Level, Pending, Popup, Tab};
use super::clipboard::Method;
use super::forms::{self, FormEvent, FormKind};
use super::keymap::{Action, Context};
use super::protocol::{Answer, Created, Listed, Request, Response, TailTarget};
use super::tail::{TailState, TailView};
use strm_client::ClientError;

pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize,
    Reply(Box<Response>),
    /// The timer fired (or the loop woke): expire, animate, retry, refresh.
    Tick,
}

pub type Outgoing = Vec<(u64, Request)>;

/// The commands of the `:` line, completed with Tab.
pub const COMMANDS: &[&str] = &[
    "streams",
    "outputs",
    "sinks",
    "exporters",
    "consent-levels",
    "create",
    "delete",
    "tail",
    "refresh",
    "login",
    "logout",
    "token",
    "errors",
    "help",
    "quit",
    "q",
];

/// Lines a page key scrolls the tail, and columns an arrow scrolls it sideways.
const TAIL_PAGE: isize = 10;
const TAIL_HSTEP: u16 = 20;
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Up to this many streams the Outputs tab lists the outputs of all of them.
pub const OUTPUTS_OVERVIEW_MAX: usize = 200;

impl App {
    pub fn update(&mut self, msg: Msg) -> Outgoing {
        let mut out = Vec::new();
        match msg {
            Msg::Key(key) => self.on_key(key, &mut out),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Mouse(ev) => self.on_mouse(ev),
            Msg::Resize => {}
            Msg::Reply(resp) => self.on_reply(*resp, &mut out),
            Msg::Tick => self.on_tick(&mut out),
        }
        out
    }

    fn send(&mut self, out: &mut Outgoing, req: Request, pending: Pending) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if let Pending::Load(tab) = pending {
            self.latest_load.insert(tab, id);
        }
        self.in_flight.insert(id, pending);
        out.push((id, req));
        id
    }

    /// The first request of a session: connect (start or join the local server).
    pub fn start(&mut self) -> Outgoing {
        let mut out = Vec::new();
        self.conn = Conn::Connecting;
        self.send(&mut out, Request::Connect, Pending::Connect);
        out
    }

    fn refresh_all(&mut self, out: &mut Outgoing) {
        self.next_refresh = None;
        // The API lists outputs per stream only; with many streams the overview would
        // cost one request each, so then outputs are listed per drilled-into stream.
        let outputs = match &self.scope {
            Some(stream) => Some(Request::ListOutputs(Some(stream.clone()))),
            None if self.data.streams.len() <= OUTPUTS_OVERVIEW_MAX => {
                Some(Request::ListOutputs(None))
            }
            None => None,
        };
        for (tab, req) in [
            (Tab::Streams, Some(Request::ListStreams)),
            (Tab::Outputs, outputs),
            (Tab::Sinks, Some(Request::ListSinks)),
            (Tab::Exporters, Some(Request::ListExporters)),
            (Tab::ConsentLevels, Some(Request::ListConsentLevels)),
        ] {
            if let Some(req) = req {
                self.send(out, req, Pending::Load(tab));
            }
        }
    }

    // ---- keys -------------------------------------------------------------------------

    fn on_key(&mut self, key: KeyEvent, out: &mut Outgoing) {
        if !self.popups.is_empty() {
            return self.popup_key(key, out);
        }
        if self.filter_editing {
            return self.filter_key(key);
        }
        if let Some(action) = self.keymap.action(Context::Main, &key) {
            self.main_action(action, out);
        }
    }

    fn filter_key(&mut self, key: KeyEvent) {
        let tab = self.tab;
        match key.code {
            KeyCode::Esc => {
                self.filter_editing = false;
                self.table_mut().filter.clear();
            }
            KeyCode::Enter | KeyCode::Down | KeyCode::Up => self.filter_editing = false,
            KeyCode::Backspace => {
                self.table_mut().filter.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.table_mut().filter.push(c)
            }
            _ => return,
        }
        self.recompute(tab);
    }

    pub fn main_action(&mut self, action: Action, out: &mut Outgoing) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.popups.push(Popup::Help { scroll: 0 }),
            Action::Command => self.popups.push(Popup::Command(CommandLine::default())),
            Action::ErrorLog => self.popups.push(Popup::ErrorLog { scroll: 0 }),
            Action::Refresh => {
                if self.conn == Conn::Connecting {
                    return;
                }
                self.refresh_all(out);
                self.flash(Level::Info, "Refreshing");
            }
            Action::NextTab => self.switch_tab(Tab::ALL[(self.tab.index() + 1) % 5]),
            Action::PrevTab => self.switch_tab(Tab::ALL[(self.tab.index() + 4) % 5]),
            Action::Tab(n) => self.switch_tab(Tab::ALL[(n as usize).clamp(1, 5) - 1]),
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(self.page() as isize)),
            Action::PageDown => self.move_selection(self.page() as isize),
            Action::Top => self.table_mut().selected = 0,
            Action::Bottom => {
                let t = self.table_mut();
                t.selected = t.rows.len().saturating_sub(1);
            }
            Action::Open => self.drill_in(out),
            Action::Back => {
                if !self.table().filter.is_empty() {
                    self.table_mut().filter.clear();
                    self.recompute(self.tab);
                } else if let Some((tab, scope)) = self.stack.pop() {
                    self.scope = scope;
                    self.tab = tab;
                    self.recompute_all();
                }
            }
            Action::Filter => self.filter_editing = true,
            Action::Sort => {
                let cols = self.tab.columns().len();
                let t = self.table_mut();
                t.sort = match t.sort {
                    None => Some((0, false)),
                    Some((c, _)) if c + 1 < cols => Some((c + 1, false)),
                    Some(_) => None,
                };
                self.recompute(self.tab);
            }
            Action::SortReverse => {
                let t = self.table_mut();
                t.sort = Some(t.sort.map_or((0, true), |(c, d)| (c, !d)));
                self.recompute(self.tab);
            }
            Action::Create => self.open_create_form(),
            Action::Delete => self.confirm_delete(),
            Action::CopyId => self.copy_id(),
            Action::CopySecret | Action::ShowCredentials => {
                let show = action == Action::ShowCredentials;
                match self.selected_credentials() {
                    Some((name, _)) => {
                        self.send(
                            out,
                            Request::SavedSecret { name: name.clone() },
                            Pending::Secret { name, show },
                        );
                    }
                    None => self.flash(Level::Warning, "Select a stream or an output first"),
                }
            }
            Action::CopyToken => {
                self.send(out, Request::AccessToken, Pending::Token);
            }
            Action::Login => self.open_login(),
            Action::Tail => self.open_tail(out),
            _ => {}
        }
    }

    /// Opens the live tail of the selected stream or output. Its request is not
    /// in flight: a tail lasts, and must not keep the spinner (and the timer) going.
    fn open_tail(&mut self, out: &mut Outgoing) {
        let selected = self.selected_index();
        let target = match (self.tab, selected) {
            (Tab::Streams, Some(i)) => {
                let s = &self.data.streams[i];
                TailTarget {
                    name: s.name.clone(),
                    client_id: s.credentials.client_id.clone(),
                    output_of: None,
                }
            }
            (Tab::Outputs, Some(i)) => {
                let o = &self.data.outputs[i];
                TailTarget {
                    name: o.name.clone(),
                    client_id: o.credentials.client_id.clone(),
                    output_of: Some(o.linked_stream.clone()),
                }
            }
            _ => return self.flash(Level::Warning, "Select a stream or an output to tail"),
        };
        let id = self.next_id;
        self.next_id += 1;
        out.push((id, Request::Tail(target.clone())));
        self.popups
            .push(Popup::Tail(Box::new(TailView::new(id, target))));
    }

    fn tail_key(&mut self, key: KeyEvent, out: &mut Outgoing) {
        let action = self.keymap.action(Context::Tail, &key);
        let Some(view) = self.tail_mut() else { return };
        match action {
            Some(Action::Close) => {
                let id = view.id;
                self.popups.retain(|p| !matches!(p, Popup::Tail(_)));
                // Not in flight; the worker only aborts the tail's task.
                let stop = self.next_id;
                self.next_id += 1;
                out.push((stop, Request::StopTail(id)));
            }
            Some(Action::Pause) => view.paused = !view.paused,
            Some(Action::Up) => view.scroll_by(1),
            Some(Action::Down) => view.scroll_by(-1),
            Some(Action::PageUp) => view.scroll_by(TAIL_PAGE),
            Some(Action::PageDown) => view.scroll_by(-TAIL_PAGE),
            Some(Action::Top) => view.scroll_by(isize::MAX / 2),
            Some(Action::Bottom) => view.scroll = 0,
            Some(Action::ScrollLeft) => view.hscroll = view.hscroll.saturating_sub(TAIL_HSTEP),
            Some(Action::ScrollRight) => view.hscroll = view.hscroll.saturating_add(TAIL_HSTEP),
            Some(Action::Wrap) => view.wrap = !view.wrap,
            _ => {}
        }
    }

    fn on_tail_reply(&mut self, result: Result<Answer, ClientError>) {
        let Some(view) = self.tail_mut() else { return };
        match result {
            Ok(Answer::TailLive) => view.state = TailState::Live,
            Ok(Answer::TailEvents(batch)) => view.append(batch),
            Ok(Answer::TailNoSecret { file, stale }) => {
                view.state = TailState::NoSecret { file, stale }
            }
            Ok(Answer::TailEnded) => view.state = TailState::Ended,
            Ok(_) => {}
            Err(e) => {
                let text = e.to_string();
                view.state = TailState::Failed(text.clone());
                let what = view.target.describe();
                self.log_error(format!("tail of {what}: {text}"));
            }
        }
    }

    fn page(&self) -> usize {
        (self.table_area.get().height as usize)
            .saturating_sub(3)
            .max(1)
    }

    fn move_selection(&mut self, by: isize) {
        let t = self.table_mut();
        let last = t.rows.len().saturating_sub(1) as isize;
        t.selected = (t.selected as isize + by).clamp(0, last.max(0)) as usize;
    }

    fn switch_tab(&mut self, tab: Tab) {
        self.tab = tab;
        self.filter_editing = false;
    }

    fn drill_in(&mut self, out: &mut Outgoing) {
        if self.tab == Tab::Outputs {
            // An output has nothing to open but its credentials.
            return self.main_action(Action::ShowCredentials, out);
        }
        if self.tab != Tab::Streams {
            return;
        }
        let Some(i) = self.selected_index() else {
            return;
        };
        let name = self.data.streams[i].name.clone();
        self.stack.push((self.tab, self.scope.clone()));
        self.scope = Some(name.clone());
        self.tab = Tab::Outputs;
        self.send(
            out,
            Request::ListOutputs(Some(name)),
            Pending::Load(Tab::Outputs),
        );
        for t in [Tab::Outputs, Tab::Exporters] {
            self.tables[t.index()].filter.clear();
            self.tables[t.index()].selected = 0;
        }
        self.recompute_all();
    }

    /// (name, clientId) of the selected stream or output.
    fn selected_credentials(&self) -> Option<(String, String)> {
        let i = self.selected_index()?;
        match self.tab {
            Tab::Streams => {
                let s = &self.data.streams[i];
                Some((s.name.clone(), s.credentials.client_id.clone()))
            }
            Tab::Outputs => {
                let o = &self.data.outputs[i];
                Some((o.name.clone(), o.credentials.client_id.clone()))
            }
            _ => None,
        }
    }

    fn copy_id(&mut self) {
        if let Some((_, id)) = self.selected_credentials() {
            self.copy_out.push(("clientId".into(), id));
        } else if let Some(i) = self.selected_index() {
            let name = self.data.cells(self.tab, i).swap_remove(0);
            self.copy_out.push(("name".into(), name));
        }
    }

    fn open_login(&mut self) {
        if self.form().is_some_and(|f| f.kind == FormKind::Login) {
            return;
        }
        let email = self
            .session
            .as_ref()
            .map(|s| s.email.clone())
            .unwrap_or_default();
        self.popups
            .push(Popup::Form(Box::new(forms::resources::login_form(&email))));
    }

    fn open_create_form(&mut self) {
        if self.read_only {
            return self.flash(Level::Warning, "Read-only console: creating is off");
        }
        let streams: Vec<String> = self.data.streams.iter().map(|s| s.name.clone()).collect();
        let selected_stream = self.scope.clone().or_else(|| {
            let i = self.selected_index()?;
            match self.tab {
                Tab::Streams => Some(self.data.streams[i].name.clone()),
                Tab::Outputs => Some(self.data.outputs[i].linked_stream.clone()),
                _ => None,
            }
        });
        let form = match self.tab {
            Tab::Streams => forms::resources::stream_form(),
            Tab::Outputs => forms::resources::output_form(streams, selected_stream.as_deref()),
            Tab::Sinks => forms::resources::sink_form(),
            Tab::Exporters => {
                // Drilled into a stream: offer it and its outputs only.
                let mut sources = match &self.scope {
                    Some(s) => vec![s.clone()],
                    None => streams,
                };
                sources.extend(
                    self.data
                        .outputs
                        .iter()
                        .filter(|o| self.scope.as_ref().is_none_or(|s| *s == o.linked_stream))
                        .map(|o| o.name.clone()),
                );
                let sinks = self
                    .data
                    .sinks
                    .iter()
                    .map(|s| (s.sink_name.clone(), s.sink_type))
                    .collect();
                forms::resources::exporter_form(sources, sinks, selected_stream.as_deref())
            }
            Tab::ConsentLevels => {
                let next = self
                    .data
                    .consent_levels
                    .iter()
                    .map(|c| c.id + 1)
                    .max()
                    .unwrap_or(0);
                forms::resources::consent_level_form(next)
            }
        };
        self.popups.push(Popup::Form(Box::new(form)));
    }

    fn confirm_delete(&mut self) {
        if self.read_only {
            return self.flash(Level::Warning, "Read-only console: deleting is off");
        }
        let Some(i) = self.selected_index() else {
            return;
        };
        let d = &self.data;
        let confirm = match self.tab {
            Tab::Streams => {
                let name = d.streams[i].name.clone();
                let outputs: Vec<String> =
                    d.outputs_of(&name).iter().map(|o| o.name.clone()).collect();
                let exporters: Vec<String> = (0..d.exporters.len())
                    .filter(|&e| d.in_scope(Tab::Exporters, e, &name))
                    .map(|e| {
                        format!(
                            "{} (on {})",
                            d.exporters[e].name, d.exporters[e].linked_stream
                        )
                    })
                    .collect();
                let mut lines = vec![format!("Delete stream {name}?")];
                let plain = Request::DeleteStream {
                    name: name.clone(),
                    recursive: false,
                };
                let actions = if outputs.is_empty() && exporters.is_empty() {
                    vec![("Delete".to_string(), plain)]
                } else {
                    if !outputs.is_empty() {
                        lines.push(format!("Outputs: {}", outputs.join(", ")));
                    }
                    if !exporters.is_empty() {
                        lines.push(format!("Exporters: {}", exporters.join(", ")));
                    }
                    lines.push("They are deleted with it.".into());
                    vec![(
                        "Delete all".to_string(),
                        Request::DeleteStream {
                            name: name.clone(),
                            recursive: true,
                        },
                    )]
                };
                confirm("Delete stream", lines, Some(name), actions)
            }
            Tab::Outputs => {
                let o = &d.outputs[i];
                let exporters: Vec<String> = d
                    .exporters
                    .iter()
                    .filter(|e| e.linked_stream == o.name)
                    .map(|e| e.name.clone())
                    .collect();
                let mut lines = vec![format!(
                    "Delete output {} of stream {}?",
                    o.name, o.linked_stream
                )];
                let recursive = !exporters.is_empty();
                if recursive {
                    lines.push(format!("Exporters: {}", exporters.join(", ")));
                    lines.push("They are deleted with it.".into());
                }
                let req = Request::DeleteOutput {
                    stream: o.linked_stream.clone(),
                    name: o.name.clone(),
                    recursive,
                };
                let label = if recursive { "Delete all" } else { "Delete" };
                confirm("Delete output", lines, None, vec![(label.into(), req)])
            }
            Tab::Sinks => {
                let s = &d.sinks[i];
                let users: Vec<String> = d
                    .exporters
                    .iter()
                    .filter(|e| e.sink_name == s.sink_name && e.sink_type == s.sink_type)
                    .map(|e| format!("{} (on {})", e.name, e.linked_stream))
                    .collect();
                let mut lines = vec![format!("Delete {} sink {}?", s.sink_type, s.sink_name)];
                if !users.is_empty() {
                    lines.push(format!("Used by exporters: {}", users.join(", ")));
                    lines.push("The server refuses until they are deleted.".into());
                }
                let req = Request::DeleteSink {
                    name: s.sink_name.clone(),
                    sink_type: s.sink_type,
                };
                confirm(
                    "Delete sink",
                    lines,
                    Some(s.sink_name.clone()),
                    vec![("Delete".into(), req)],
                )
            }
            Tab::Exporters => {
                let e = &d.exporters[i];
                let req = Request::DeleteExporter {
                    stream: e.linked_stream.clone(),
                    name: e.name.clone(),
                    export_keys: e.export_keys,
                };
                let lines = vec![format!(
                    "Delete exporter {} of {}?",
                    e.name, e.linked_stream
                )];
                confirm("Delete exporter", lines, None, vec![("Delete".into(), req)])
            }
            Tab::ConsentLevels => {
                let c = &d.consent_levels[i];
                let lines = vec![format!(
                    "Delete the name {:?} of consent level {}?",
                    c.name, c.id
                )];
                confirm(
                    "Delete consent-level name",
                    lines,
                    None,
                    vec![("Delete".into(), Request::DeleteConsentLevel(c.id))],
                )
            }
        };
        self.popups.push(Popup::Confirm(confirm));
    }

    // ---- popups -----------------------------------------------------------------------

    fn popup_key(&mut self, key: KeyEvent, out: &mut Outgoing) {
        let Some(top) = self.popups.last_mut() else {
            return;
        };
        match top {
            Popup::Tail(_) => self.tail_key(key, out),
            Popup::Help { scroll } | Popup::ErrorLog { scroll } => match key.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::Enter => {
                    self.popups.pop();
                }
                KeyCode::Down | KeyCode::Char('j') => *scroll = scroll.saturating_add(1),
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown => *scroll = scroll.saturating_add(10),
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                _ => {}
            },
            Popup::Command(line) => match key.code {
                KeyCode::Esc => {
                    self.popups.pop();
                }
                KeyCode::Enter => {
                    let text = line.text.trim().to_string();
                    self.popups.pop();
                    self.run_command(&text, out);
                }
                KeyCode::Tab => {
                    line.text = complete(&line.text);
                    line.problem = None;
                }
                KeyCode::Backspace => {
                    line.text.pop();
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    line.text.push(c);
                    line.problem = None;
                }
                _ => {}
            },
            Popup::Confirm(c) => match key.code {
                KeyCode::Esc => {
                    self.popups.pop();
                }
                KeyCode::Left | KeyCode::BackTab => {
                    c.selected = c.selected.saturating_sub(1);
                }
                KeyCode::Right | KeyCode::Tab => {
                    c.selected = (c.selected + 1).min(c.actions.len());
                }
                KeyCode::Backspace => {
                    c.typed.pop();
                }
                KeyCode::Char(ch) if c.type_name.is_some() => {
                    c.typed.push(ch);
                    c.problem = None;
                }
                KeyCode::Enter => {
                    if c.selected == 0 {
                        self.popups.pop();
                        return;
                    }
                    if let Some(name) = &c.type_name
                        && c.typed.trim() != name
                    {
                        c.problem = Some(format!("Type {name} to confirm the delete"));
                        return;
                    }
                    let (label, req) = c.actions[c.selected - 1].clone();
                    let what = c.title.clone();
                    self.popups.pop();
                    self.send(out, req, Pending::Delete(format!("{what}: {label}")));
                }
                _ => {}
            },
            Popup::Credentials(view) => {
                let Some(action) = self.keymap.action(Context::Credentials, &key) else {
                    return;
                };
                let view = view.clone();
                let secret = view.client_secret.clone();
                match action {
                    Action::Close => {
                        self.popups.pop();
                    }
                    Action::Reveal => {
                        if let Some(Popup::Credentials(v)) = self.popups.last_mut() {
                            v.revealed = !v.revealed;
                        }
                    }
                    Action::CopyBillingId => {
                        self.copy_out.push(("billingId".into(), view.billing_id))
                    }
                    Action::CopyClientId => self.copy_out.push(("clientId".into(), view.client_id)),
                    Action::CopyClientSecret => match secret {
                        Some(s) => self.copy_out.push(("clientSecret".into(), s)),
                        None => {
                            self.flash(Level::Warning, "This console has no saved secret for it")
                        }
                    },
                    Action::CopyJson => {
                        let mut json = serde_json::json!({
                            "billingId": view.billing_id,
                            "clientId": view.client_id,
                        });
                        if let Some(s) = secret {
                            json["clientSecret"] = s.into();
                        }
                        self.copy_out
                            .push(("credentials JSON".into(), json.to_string()));
                    }
                    Action::CopyExports => {
                        let mut lines = format!(
                            "export STRM_BILLING_ID={}\nexport STRM_CLIENT_ID={}\n",
                            shell_quote(&view.billing_id),
                            shell_quote(&view.client_id)
                        );
                        if let Some(s) = secret {
                            lines.push_str(&format!(
                                "export STRM_CLIENT_SECRET={}\n",
                                shell_quote(&s)
                            ));
                        }
                        self.copy_out.push(("export lines".into(), lines));
                    }
                    _ => {}
                }
            }
            Popup::Form(form) => match form.key(&key) {
                FormEvent::Cancel => {
                    if let Some(id) = form.pending {
                        self.in_flight.remove(&id);
                    }
                    self.popups.pop();
                }
                FormEvent::Submit => {
                    form.submitted = true;
                    if form.pending.is_some() {
                        return;
                    }
                    let Some(req) = form.validate() else { return };
                    let id = self.next_id;
                    form.pending = Some(id);
                    form.server_error = None;
                    self.send(out, req, Pending::Submit);
                }
                FormEvent::Changed | FormEvent::None => {}
            },
        }
    }

    fn run_command(&mut self, text: &str, out: &mut Outgoing) {
        let action = match text {
            "" => return,
            "streams" => Action::Tab(1),
            "outputs" => Action::Tab(2),
            "sinks" => Action::Tab(3),
            "exporters" => Action::Tab(4),
            "consent-levels" | "consent" => Action::Tab(5),
            "create" | "new" => Action::Create,
            "delete" => Action::Delete,
            "tail" => Action::Tail,
            "refresh" => Action::Refresh,
            "login" => Action::Login,
            "token" => Action::CopyToken,
            "errors" => Action::ErrorLog,
            "help" => Action::Help,
            "q" | "quit" => Action::Quit,
            "logout" => {
                self.send(out, Request::Logout, Pending::Logout);
                return;
            }
            other => {
                let mut line = CommandLine {
                    text: other.to_string(),
                    problem: None,
                };
                line.problem = Some(format!(
                    "{other:?} is not a command; Tab completes, commands are {}",
                    COMMANDS.join(", ")
                ));
                self.popups.push(Popup::Command(line));
                return;
            }
        };
        self.main_action(action, out);
    }

    fn on_paste(&mut self, text: &str) {
        match self.popups.last_mut() {
            Some(Popup::Form(form)) => form.paste(text),
            Some(Popup::Confirm(c)) if c.type_name.is_some() => c.typed.push_str(text.trim()),
            Some(Popup::Command(line)) => line.text.push_str(text.trim()),
            Some(_) => {}
            None if self.filter_editing => {
                self.table_mut().filter.push_str(text.trim());
                self.recompute(self.tab);
            }
            None => {}
        }
    }

    fn on_mouse(&mut self, ev: MouseEvent) {
        if let Some(Popup::Tail(view)) = self.popups.last_mut() {
            match ev.kind {
                MouseEventKind::ScrollUp => view.scroll_by(3),
                MouseEventKind::ScrollDown => view.scroll_by(-3),
                _ => {}
            }
            return;
        }
        if !self.popups.is_empty() {
            return;
        }
        match ev.kind {
            MouseEventKind::ScrollDown => self.move_selection(3),
            MouseEventKind::ScrollUp => self.move_selection(-3),
            MouseEventKind::Down(_) => {
                let area = self.table_area.get();
                // Border and header row come before the first data row.
                let first = area.y + 2;
                if ev.column >= area.x
                    && ev.column < area.x + area.width
                    && ev.row >= first
                    && ev.row < area.y + area.height.saturating_sub(1)
                {
                    let offset = self.table().offset.get();
                    let row = offset + (ev.row - first) as usize;
                    if row < self.table().rows.len() {
                        self.table_mut().selected = row;
                    }
                }
            }
            _ => {}
        }
    }

    // ---- answers ----------------------------------------------------------------------

    fn on_reply(&mut self, resp: Response, out: &mut Outgoing) {
        if self.tail().is_some_and(|t| t.id == resp.id) {
            return self.on_tail_reply(resp.result);
        }
        let Some(pending) = self.in_flight.remove(&resp.id) else {
            return; // cancelled: its form was closed
        };
        if let Pending::Load(tab) = &pending
            && self.latest_load.get(tab) != Some(&resp.id)
        {
            return; // a newer load of this tab is on its way
        }
        if resp.session.is_some() {
            self.session = resp.session.clone();
        }
        match resp.result {
            Ok(answer) => self.on_answer(pending, answer, out),
            Err(e) => self.on_error(pending, e),
        }
        if self.conn == Conn::Online
            && self.next_refresh.is_none()
            && !self
                .in_flight
                .values()
                .any(|p| matches!(p, Pending::Load(_)))
        {
            self.next_refresh = self.refresh_every.map(|d| self.now + d);
        }
    }

    fn on_answer(&mut self, pending: Pending, answer: Answer, out: &mut Outgoing) {
        if !matches!(answer, Answer::Connected { .. }) {
            self.conn = Conn::Online;
        }
        match answer {
            Answer::Connected {
                api_url,
                local,
                session,
            } => {
                self.api_url = Some(api_url);
                self.local = local;
                self.session = session;
                self.conn = Conn::Online;
                if self.session.is_none() {
                    self.open_login();
                } else {
                    self.refresh_all(out);
                }
            }
            Answer::LoggedIn(session) => {
                self.flash(Level::Info, format!("Logged in as {}", session.email));
                self.session = Some(session);
                self.close_form();
                self.refresh_all(out);
            }
            Answer::LoggedOut => {
                self.session = None;
                self.data = Default::default();
                self.recompute_all();
                self.flash(Level::Info, "Logged out");
                self.open_login();
            }
            Answer::Listed(Listed::Streams(v)) => {
                self.data.streams = v;
                self.recompute(Tab::Streams);
            }
            Answer::Listed(Listed::Outputs(None, v)) => {
                self.data.outputs = v;
                self.recompute(Tab::Outputs);
                self.recompute(Tab::Exporters);
            }
            Answer::Listed(Listed::Outputs(Some(stream), v)) => {
                self.data.outputs.retain(|o| o.linked_stream != stream);
                self.data.outputs.extend(v);
                self.recompute(Tab::Outputs);
                self.recompute(Tab::Exporters);
            }
            Answer::Listed(Listed::Sinks(v)) => {
                self.data.sinks = v;
                self.recompute(Tab::Sinks);
            }
            Answer::Listed(Listed::Exporters(v)) => {
                self.data.exporters = v;
                self.recompute(Tab::Exporters);
            }
            Answer::Listed(Listed::ConsentLevels(v)) => {
                self.data.consent_levels = v;
                self.recompute(Tab::ConsentLevels);
            }
            Answer::Created(Created::Stream(s)) => {
                self.close_form();
                self.flash(Level::Info, format!("Created stream {}", s.name));
                self.show_created(&s.name, &s.credentials);
                self.refresh_all(out);
            }
            Answer::Created(Created::Output(o)) => {
                self.close_form();
                self.flash(
                    Level::Info,
                    format!("Created output {} of {}", o.name, o.linked_stream),
                );
                self.show_created(&o.name, &o.credentials);
                self.refresh_all(out);
            }
            Answer::Created(Created::Sink(s)) => {
                self.close_form();
                self.flash(
                    Level::Info,
                    format!("Created {} sink {}", s.sink_type, s.sink_name),
                );
                self.refresh_all(out);
            }
            Answer::Created(Created::Exporter(e)) => {
                self.close_form();
                self.flash(
                    Level::Info,
                    format!("Created exporter {} on {}", e.name, e.linked_stream),
                );
                self.refresh_all(out);
            }
            Answer::Created(Created::ConsentLevel(c)) => {
                self.close_form();
                self.flash(
                    Level::Info,
                    format!("Consent level {} is named {}", c.id, c.name),
                );
                self.refresh_all(out);
            }
            Answer::Deleted => {
                if let Pending::Delete(what) = pending {
                    self.flash(Level::Info, format!("Done — {what}"));
                }
                self.refresh_all(out);
            }
            Answer::SavedSecret(secret) => {
                let Pending::Secret { name, show } = pending else {
                    return;
                };
                let client_id = self
                    .selected_credentials()
                    .filter(|(n, _)| *n == name)
                    .map(|(_, id)| id)
                    .unwrap_or_default();
                if show {
                    self.popups.push(Popup::Credentials(CredentialsView {
                        name,
                        billing_id: self.billing_id(),
                        client_id,
                        client_secret: secret,
                        revealed: false,
                        just_created: false,
                    }));
                } else if let Some(s) = secret {
                    self.copy_out.push(("clientSecret".into(), s));
                } else {
                    self.flash(
                        Level::Warning,
                        format!("No saved secret for {name}: the API shows a secret only to the console that created it"),
                    );
                }
            }
            Answer::Token(token) => self.copy_out.push(("access token".into(), token.0)),
            // Tail answers are routed before: these belong to a closed tail.
            Answer::TailLive
            | Answer::TailEvents(_)
            | Answer::TailNoSecret { .. }
            | Answer::TailEnded => {}
        }
    }

    fn billing_id(&self) -> String {
        self.session
            .as_ref()
            .map(|s| s.billing_id.clone())
            .unwrap_or_default()
    }

    fn show_created(&mut self, name: &str, creds: &strm_model::Credentials) {
        self.popups.push(Popup::Credentials(CredentialsView {
            name: name.to_string(),
            billing_id: self.billing_id(),
            client_id: creds.client_id.clone(),
            client_secret: creds.client_secret.clone(),
            revealed: false,
            just_created: true,
        }));
    }

    fn close_form(&mut self) {
        if let Some(pos) = self
            .popups
            .iter()
            .rposition(|p| matches!(p, Popup::Form(_)))
        {
            self.popups.remove(pos);
        }
    }

    fn on_error(&mut self, pending: Pending, e: ClientError) {
        if e.needs_login() {
            if let Pending::Submit = pending
                && let Some(Popup::Form(form)) = self.popups.last_mut()
                && form.kind == FormKind::Login
            {
                form.pending = None;
                form.server_error = Some(e.to_string());
                return;
            }
            self.session = None;
            self.flash(Level::Warning, "Log in to continue");
            self.open_login();
            return;
        }
        match pending {
            Pending::Connect | Pending::Load(_)
                if e.is_offline() || matches!(pending, Pending::Connect) =>
            {
                let attempt = match self.conn {
                    // Another answer of the round already scheduled the retry.
                    Conn::Offline { retry_at, .. } if retry_at <= self.now + MAX_BACKOFF => return,
                    Conn::Offline { attempt, .. } => attempt + 1,
                    _ => 1,
                };
                let wait = Duration::from_secs(1u64 << attempt.min(5)).min(MAX_BACKOFF);
                self.conn = Conn::Offline {
                    attempt,
                    retry_at: self.now + wait,
                };
                // One message per outage, not one per tab.
                if attempt == 1 || matches!(pending, Pending::Connect) {
                    self.flash(
                        Level::Error,
                        format!("{e}; retrying in {} s", wait.as_secs()),
                    );
                }
            }
            Pending::Submit => {
                if let Some(Popup::Form(form)) = self
                    .popups
                    .iter_mut()
                    .rev()
                    .find(|p| matches!(p, Popup::Form(_)))
                {
                    form.pending = None;
                    form.server_error = Some(e.to_string());
                }
                self.log_error(e.to_string());
            }
            _ => self.flash(Level::Error, e.to_string()),
        }
    }

    fn on_tick(&mut self, out: &mut Outgoing) {
        if let Some(f) = &self.flash
            && f.until <= self.now
        {
            self.flash = None;
        }
        if self.busy() {
            self.spinner = self.spinner.wrapping_add(1);
        }
        if let Conn::Offline { retry_at, .. } = self.conn
            && retry_at <= self.now
            && !self.busy()
        {
            // The local server may have gone with the console that ran it: connecting
            // again starts or joins one.
            if self.api_url.is_none() || self.local {
                self.send(out, Request::Connect, Pending::Connect);
            } else {
                self.refresh_all(out);
            }
            // Keep the attempt count; the answer decides what comes next.
            if let Conn::Offline { attempt, .. } = self.conn {
                self.conn = Conn::Offline {
                    attempt,
                    retry_at: self.now + MAX_BACKOFF * 10,
                };
            }
        }
        if self.form().is_none()
            && self.conn == Conn::Online
            && let Some(at) = self.next_refresh
            && at <= self.now
        {
            self.refresh_all(out);
        }
    }

    /// The loop reports how a queued copy went.
    pub fn copied(&mut self, what: &str, result: Result<Method, String>) {
        match result {
            Ok(m) => self.flash(Level::Info, format!("Copied {what} ({})", m.describe())),
            Err(e) => self.flash(Level::Error, format!("Could not copy {what}: {e}")),
        }
    }

    pub fn set_now(&mut self, now: Instant, epoch: i64) {
        self.now = now;
        self.epoch = epoch;
    }
}

fn confirm(
    title: &str,
    lines: Vec<String>,
    type_name: Option<String>,
    actions: Vec<(String, Request)>,
) -> Confirm {
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

fn complete(text: &str) -> String {
    let matches: Vec<&str> = COMMANDS
        .iter()
        .copied()
        .filter(|c| c.starts_with(text))
        .collect();
    match matches.as_slice() {
        [] => text.to_string(),
        [one] => one.to_string(),
        many => {
            let first = many[0];
            let common = (text.len()..=first.len())
                .rev()
                .find(|&n| many.iter().all(|m| m.len() >= n && m[..n] == first[..n]))
                .unwrap_or(text.len());
            first[..common].to_string()
        }
    }
}

/// Single-quotes a value for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
