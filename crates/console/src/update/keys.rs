//! Keys on the main screen: the table, tabs, drill-down, the filter line, and the
//! actions that open popups (create, delete, credentials, tail, login).

use crossterm::event::{KeyCode, KeyEvent};

use super::Outgoing;
use crate::app::{App, CommandLine, Conn, Level, Pending, Popup, Tab};
use crate::forms::{self, FormKind};
use crate::keymap::{Action, Context, is_ctrl};
use crate::protocol::Request;
use crate::resources::Opens;
use crate::tail::TailView;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent, out: &mut Outgoing) {
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
            _ => match key.code {
                KeyCode::Backspace => {
                    self.table_mut().filter.pop();
                }
                KeyCode::Char(c) if !is_ctrl(&key) => self.table_mut().filter.push(c),
                _ => return,
            },
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
        let id = self.send_untracked(out, Request::Tail(target.clone()));
        self.popups
            .push(Popup::Tail(Box::new(TailView::new(id, target))));
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
    fn drill_into(&mut self, into: Tab, scope: String, out: &mut Outgoing) {
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
            self.copy_out.push(("clientId".into(), id));
        } else if let Some(i) = self.selected_index() {
            let name = self.data.cells(self.tab, i).swap_remove(0);
            self.copy_out.push(("name".into(), name));
        }
    }

    pub(super) fn open_login(&mut self) {
        if self.form().is_some_and(|f| f.kind == FormKind::Login) {
            return;
        }
        let email = self
            .session
            .as_ref()
            .map(|s| s.email.clone())
            .unwrap_or_default();
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

    fn confirm_delete(&mut self) {
        if self.read_only {
            return self.flash(Level::Warning, "Read-only console: deleting is off");
        }
        let Some(i) = self.selected_index() else {
            return;
        };
        let confirm = self.tab.kind().confirm_delete(&self.data, i);
        self.popups.push(Popup::Confirm(confirm));
    }
}
