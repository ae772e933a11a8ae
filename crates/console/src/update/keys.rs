//! Keys on the main screen: the table, tabs, drill-down, the filter line, and the
//! actions that open popups (create, delete, credentials, tail, login).

use crossterm::event::KeyEvent;

use super::Outgoing;
use crate::app::{App, CommandLine, Conn, CredentialsView, Level, Pager, Pending, Popup, Tab};
use crate::forms::{self, FormKind, line};
use crate::keymap::{Action, Context};
use crate::protocol::Request;
use crate::resources::{self, Opens};
use crate::tail::TailView;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent, out: &mut Outgoing) {
        // Before any popup or field sees it: Ctrl-C quits from everywhere.
        if self.keymap.action(Context::Anywhere, &key) == Some(Action::QuitAnywhere) {
            self.quit = true;
            return;
        }
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

    /// The filter line: its keys, or text typed into it.
    fn filter_key(&mut self, key: KeyEvent) {
        let tab = self.tab;
        match self.keymap.action(Context::Filter, &key) {
            Some(Action::Cancel) => {
                self.filter_editing = false;
                self.table_mut().filter.clear();
            }
            Some(Action::Submit) => self.filter_editing = false,
            _ => {
                let mut filter = std::mem::take(&mut self.table_mut().filter);
                let changed = line::edit(&mut filter, &self.keymap, &key);
                self.table_mut().filter = filter;
                if changed {
                    self.filter_changed(tab);
                }
                return;
            }
        }
        self.recompute(tab);
    }

    pub fn main_action(&mut self, action: Action, out: &mut Outgoing) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.popups.push(Popup::Help(Pager::default())),
            Action::Command => self.popups.push(Popup::Command(CommandLine::default())),
            Action::ErrorLog => self.popups.push(Popup::ErrorLog(Pager::default())),
            Action::Refresh => {
                if self.conn == Conn::Connecting {
                    return;
                }
                self.refresh_all(out);
                self.flash(Level::Info, "Refreshing");
            }
            Action::NextTab => self.switch_tab(Tab::ALL[(self.tab.index() + 1) % Tab::COUNT]),
            Action::PrevTab => {
                self.switch_tab(Tab::ALL[(self.tab.index() + Tab::COUNT - 1) % Tab::COUNT])
            }
            Action::Tab(n) => self.switch_tab(Tab::ALL[(n as usize).clamp(1, Tab::COUNT) - 1]),
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(self.page() as isize)),
            Action::PageDown => self.move_selection(self.page() as isize),
            Action::Top => self.table_mut().selected = 0,
            Action::Bottom => {
                let t = self.table_mut();
                t.selected = t.rows.len().saturating_sub(1);
            }
            Action::Open => self.open_selected(out),
            Action::Back => {
                if !self.table().filter.is_empty() {
                    self.table_mut().filter.clear();
                    self.recompute(self.tab);
                } else if !self.table().marked.is_empty() {
                    self.table_mut().marked.clear();
                } else if let Some((tab, scope)) = self.stack.pop() {
                    self.scope = scope;
                    self.tab = tab;
                    self.recompute_all();
                }
            }
            Action::Filter => self.filter_editing = true,
            Action::Sort => {
                let cols = self.tab.kind().columns().len();
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
            Action::Mark => self.toggle_mark(),
            Action::Create => self.open_create_form(),
            Action::Delete => self.confirm_delete(),
            Action::CopyId => self.copy_id(),
            Action::CopySecret | Action::ShowCredentials => {
                let show = action == Action::ShowCredentials;
                self.credentials_of_selected(show, out);
            }
            Action::CopyToken => {
                self.send(out, Request::AccessToken, Pending::Token);
            }
            Action::Login => self.open_login(),
            Action::Tail => self.open_tail(out),
            Action::Xray => self.open_xray(out),
            Action::Pulse => self.open_pulse(out),
            Action::Buckets => self.open_buckets(out),
            _ => {}
        }
    }

    /// Opens the live tail of the selected row, when its kind has one. Its request is
    /// not in flight: a tail lasts.
    fn open_tail(&mut self, out: &mut Outgoing) {
        let target = self
            .selected_index()
            .and_then(|i| self.tab.kind().tail_target(&self.data, i));
        let Some(target) = target else {
            return self.flash(Level::Warning, "Select a stream or an output to tail");
        };
        self.start_tail(target, out);
    }

    pub(super) fn start_tail(&mut self, target: crate::protocol::TailTarget, out: &mut Outgoing) {
        let id = self.send_untracked(out, Request::Tail(target.clone()));
        self.popups
            .push(Popup::Tail(Box::new(TailView::new(id, target))));
    }

    /// The credentials popup opens at once, with what the row shows now, and fills in
    /// the saved secret when the worker answers; `Y` copies the secret when it comes. Keys
    /// typed meanwhile act on the popup, not on a table that moved on.
    fn credentials_of_selected(&mut self, show: bool, out: &mut Outgoing) {
        let Some((name, client_id)) = self.selected_credentials() else {
            return self.flash(Level::Warning, "Select a stream or an output first");
        };
        let request = Request::SavedSecret {
            name: name.clone(),
            client_id: client_id.clone(),
        };
        let pending = Pending::Secret {
            name: name.clone(),
            client_id: client_id.clone(),
            show,
        };
        let id = self.send(out, request, pending);
        if show {
            self.popups.push(Popup::Credentials(CredentialsView {
                name,
                billing_id: self.billing_id(),
                client_id,
                client_secret: None,
                revealed: false,
                just_created: false,
                loading: Some(id),
            }));
        }
    }

    /// Space: marks the selected row for a bulk delete, or unmarks it, and moves on.
    fn toggle_mark(&mut self) {
        let Some(i) = self.selected_index() else {
            return;
        };
        let key = self.data.key(self.tab, i);
        let t = self.table_mut();
        if !t.marked.remove(&key) {
            t.marked.insert(key);
        }
        self.move_selection(1);
    }

    fn page(&self) -> usize {
        (self.table_area.get().height as usize)
            .saturating_sub(3)
            .max(1)
    }

    pub(super) fn move_selection(&mut self, by: isize) {
        let t = self.table_mut();
        let last = t.rows.len().saturating_sub(1) as isize;
        t.selected = (t.selected as isize + by).clamp(0, last.max(0)) as usize;
    }

    fn switch_tab(&mut self, tab: Tab) {
        self.tab = tab;
        self.filter_editing = false;
    }

    /// Enter: what the tab's kind opens.
    fn open_selected(&mut self, out: &mut Outgoing) {
        let kind = self.tab.kind();
        match kind.opens() {
            Opens::Nothing => {}
            Opens::Credentials => self.main_action(Action::ShowCredentials, out),
            Opens::Drill(into) => {
                let scope = self
                    .selected_index()
                    .and_then(|i| kind.stream_of(&self.data, i));
                if let Some(scope) = scope {
                    self.drill_into(into, scope, out);
                }
            }
        }
    }

    /// Shows `into` narrowed to the stream `scope`; Esc comes back.
    pub(super) fn drill_into(&mut self, into: Tab, scope: String, out: &mut Outgoing) {
        self.stack.push((self.tab, self.scope.clone()));
        self.scope = Some(scope.clone());
        self.tab = into;
        if let Some(req) = into.kind().list(&self.data, Some(&scope)) {
            self.send(out, req, Pending::Load(into));
        }
        for t in Tab::ALL.into_iter().filter(|t| t.scoped()) {
            self.tables[t.index()].filter.clear();
            self.tables[t.index()].selected = 0;
        }
        self.recompute_all();
    }

    /// (name, clientId) of the selected stream or output.
    pub(super) fn selected_credentials(&self) -> Option<(String, String)> {
        let i = self.selected_index()?;
        self.tab.kind().credentials(&self.data, i)
    }

    fn copy_id(&mut self) {
        if let Some((_, id)) = self.selected_credentials() {
            self.copy("clientId", id);
        } else if let Some(i) = self.selected_index() {
            let name = self.tab.kind().name(&self.data, i);
            self.copy("name", name);
        }
    }

    /// Queues `text` for the clipboard; an empty value is never copied.
    pub(super) fn copy(&mut self, what: &str, text: String) {
        if text.trim().is_empty() {
            return self.flash(
                Level::Warning,
                format!("Nothing to copy: the {what} is empty"),
            );
        }
        self.copy_out.push((what.to_string(), text));
    }

    pub(super) fn open_login(&mut self) {
        if self.form().is_some_and(|f| f.kind == FormKind::Login) {
            return;
        }
        // What was typed last (a failed login closed with Esc), else the session's.
        let email = if self.login_email.is_empty() {
            self.session
                .as_ref()
                .map(|s| s.email.clone())
                .unwrap_or_default()
        } else {
            self.login_email.clone()
        };
        self.popups
            .push(Popup::Form(Box::new(forms::login_form(&email))));
    }

    /// The create form of the tab's kind, offering the stream drilled into or the
    /// selected row's stream first.
    fn open_create_form(&mut self) {
        if self.read_only {
            return self.flash(Level::Warning, "Read-only console: creating is off");
        }
        let kind = self.tab.kind();
        let preselect = self.scope.clone().or_else(|| {
            let i = self.selected_index()?;
            kind.stream_of(&self.data, i)
        });
        let form = kind.create_form(&self.data, self.scope.as_deref(), preselect.as_deref());
        self.popups.push(Popup::Form(Box::new(form)));
    }

    /// The marked rows' bulk confirmation, else the selected row's own.
    pub(super) fn confirm_delete(&mut self) {
        if self.read_only {
            return self.flash(Level::Warning, "Read-only console: deleting is off");
        }
        let marked = self.marked_indices();
        let confirm = if marked.is_empty() {
            let Some(i) = self.selected_index() else {
                return;
            };
            self.tab.kind().confirm_delete(&self.data, i)
        } else {
            match resources::confirm_bulk(self.tab, &self.data, &marked) {
                Some(c) => c,
                None => {
                    let what = self.tab.title().to_lowercase();
                    return self.flash(
                        Level::Warning,
                        format!("{what} are deleted one at a time; esc clears the marks"),
                    );
                }
            }
        };
        self.popups.push(Popup::Confirm(confirm));
    }
}
