//! Keys of the popup on top: each popup asks the keymap in its own context; what is
//! left is text typed into the command line, a confirmation's name or a search.

use crossterm::event::KeyEvent;

use super::Outgoing;
use super::command;
use crate::app::{App, CommandLine, CredentialsView, Level, PagerKind, Pending, Popup};
use crate::forms::{FormEvent, FormKind, line};
use crate::keymap::{Action, Context};
use crate::protocol::Request;

/// The keymap context of a popup.
pub fn context_of(popup: &Popup) -> Context {
    match popup {
        Popup::Tail(_) => Context::Tail,
        Popup::Help(_) | Popup::ErrorLog(_) | Popup::Nodes(_) => Context::Pager,
        Popup::Command(_) => Context::Command,
        Popup::Confirm(_) => Context::Confirm,
        Popup::Credentials(_) => Context::Credentials,
        Popup::Form(_) => Context::Form,
        Popup::Xray(_) => Context::Xray,
        Popup::Pulse(_) => Context::Pulse,
        Popup::Buckets(_) => Context::Buckets,
        Popup::Inspector(_) => Context::Inspector,
        Popup::SaveTail(_) => Context::Prompt,
    }
}

impl App {
    pub(super) fn popup_key(&mut self, key: KeyEvent, out: &mut Outgoing) {
        let Some(context) = self.popups.last().map(context_of) else {
            return;
        };
        // The views that read their own keys (the tail's `/` line takes text).
        match context {
            Context::Tail => return self.tail_key(&key, out),
            Context::Xray => return self.xray_key(&key, out),
            Context::Pulse => return self.pulse_key(&key, out),
            Context::Buckets => return self.buckets_key(&key, out),
            Context::Inspector => return self.inspector_key(&key),
            Context::Prompt => return self.save_prompt_key(&key, out),
            _ => {}
        }
        let action = self.keymap.action(context, &key);
        match context {
            Context::Pager => self.pager_key(action, &key),
            Context::Command => self.command_key(action, &key, out),
            Context::Confirm => self.confirm_key(action, &key, out),
            Context::Credentials => self.credentials_key(action),
            _ => self.form_key(action, &key, out),
        }
    }

    fn pager_key(&mut self, action: Option<Action>, key: &KeyEvent) {
        let keymap = &self.keymap;
        let Some((kind, pager)) = self.popups.last_mut().and_then(Popup::pager_mut) else {
            return;
        };
        // The search line takes text until Enter (search) or Esc (leave it).
        if let Some(typing) = &mut pager.typing {
            match keymap.action(Context::Command, key) {
                Some(Action::Submit) => {
                    pager.query = std::mem::take(typing).trim().to_lowercase();
                    pager.typing = None;
                    let from = pager.scroll;
                    self.seek(kind, from);
                }
                Some(Action::Cancel) => pager.typing = None,
                _ => {
                    line::edit(typing, keymap, key);
                }
            }
            return;
        }
        let page = pager.height.get().max(2) - 1;
        match action {
            Some(Action::Close) => {
                self.popups.pop();
                return;
            }
            Some(Action::Down) => pager.scroll = pager.scroll.saturating_add(1),
            Some(Action::Up) => pager.scroll = pager.scroll.saturating_sub(1),
            Some(Action::PageDown) => pager.scroll = pager.scroll.saturating_add(page),
            Some(Action::PageUp) => pager.scroll = pager.scroll.saturating_sub(page),
            Some(Action::Top) => pager.scroll = 0,
            Some(Action::Bottom) => pager.scroll = u16::MAX,
            Some(Action::Search) => pager.typing = Some(String::new()),
            Some(Action::SearchNext) if !pager.query.is_empty() => {
                let from = pager.scroll.saturating_add(1);
                return self.seek(kind, from);
            }
            _ => {}
        }
        let rows = crate::views::pager_rows(self, kind).len();
        if let Some((_, pager)) = self.popups.last_mut().and_then(Popup::pager_mut) {
            let last = rows.saturating_sub(pager.height.get() as usize);
            pager.scroll = pager.scroll.min(last as u16);
        }
    }

    /// Scrolls the pager to the first row from `from` on that has its query.
    fn seek(&mut self, kind: PagerKind, from: u16) {
        let rows = crate::views::pager_rows(self, kind);
        let Some((_, pager)) = self.popups.last_mut().and_then(Popup::pager_mut) else {
            return;
        };
        let query = pager.query.clone();
        let found = rows
            .iter()
            .enumerate()
            .skip(from as usize)
            .chain(rows.iter().enumerate().take(from as usize))
            .find(|(_, row)| row.to_string().to_lowercase().contains(&query))
            .map(|(i, _)| i);
        match found {
            Some(i) => pager.scroll = i as u16,
            None => self.flash(Level::Warning, format!("No match for {query:?}")),
        }
    }

    fn command_key(&mut self, action: Option<Action>, key: &KeyEvent, out: &mut Outgoing) {
        let Some(Popup::Command(line)) = self.popups.last() else {
            return;
        };
        let mut text = line.text.clone();
        match action {
            Some(Action::Cancel) => {
                self.popups.pop();
                return;
            }
            Some(Action::Submit) => {
                self.popups.pop();
                return self.run_command(text.trim(), out);
            }
            Some(Action::Complete) => text = command::complete(self, &text),
            _ => {
                line::edit(&mut text, &self.keymap, key);
            }
        }
        self.popups.pop();
        self.popups.push(Popup::Command(CommandLine {
            text,
            problem: None,
        }));
    }

    /// Cancel is the first button and the default. A dialog that asks for a name takes
    /// letters as that name, selects its delete button once the name matches, and then
    /// Enter deletes; `y` deletes at once in a dialog without a name to type.
    fn confirm_key(&mut self, action: Option<Action>, key: &KeyEvent, out: &mut Outgoing) {
        let keymap = &self.keymap;
        let Some(Popup::Confirm(c)) = self.popups.last_mut() else {
            return;
        };
        let typing = c.type_name.is_some();
        match action {
            Some(Action::Cancel) => {
                self.popups.pop();
                return;
            }
            Some(Action::PrevChoice) => c.selected = c.selected.saturating_sub(1),
            Some(Action::NextChoice) => c.selected = (c.selected + 1).min(c.actions.len()),
            Some(Action::Confirm) if !typing => c.selected = c.selected.max(1),
            Some(Action::Submit) => {}
            _ if typing => {
                if line::edit(&mut c.typed, keymap, key) {
                    c.problem = None;
                    c.selected = if c.name_matches() { 1 } else { 0 };
                }
                return;
            }
            _ => return,
        }
        let pressed = matches!(action, Some(Action::Submit | Action::Confirm));
        if !pressed {
            return;
        }
        if c.selected == 0 {
            // Enter on Cancel closes, unless something else than the name was typed:
            // then say what is missing rather than close silently.
            if c.typed.trim().is_empty() || c.name_matches() {
                self.popups.pop();
            } else if let Some(name) = &c.type_name {
                c.problem = Some(format!(
                    "{:?} is not {name}; type {name} to confirm, or esc to cancel",
                    c.typed.trim()
                ));
            }
            return;
        }
        if let Some(name) = c.type_name.clone()
            && !c.name_matches()
        {
            c.problem = Some(format!("Type {name} to confirm the delete"));
            return;
        }
        let chosen = c.actions[c.selected - 1].clone();
        self.popups.pop();
        let pending = match &chosen.request {
            Request::DeleteMany(items) => Pending::DeleteMany {
                summary: chosen.done,
                total: items.len(),
            },
            _ => Pending::Delete(chosen.done),
        };
        self.table_mut().marked.clear();
        self.send(out, chosen.request, pending);
    }

    fn credentials_key(&mut self, action: Option<Action>) {
        let Some(Popup::Credentials(view)) = self.popups.last_mut() else {
            return;
        };
        let Some(action) = action else { return };
        if action == Action::Reveal {
            view.revealed = !view.revealed;
            return;
        }
        let CredentialsView {
            billing_id,
            client_id,
            client_secret,
            loading,
            ..
        } = view.clone();
        match action {
            Action::Close => {
                self.popups.pop();
            }
            Action::CopyBillingId => self.copy("billingId", billing_id),
            Action::CopyClientId => self.copy("clientId", client_id),
            Action::CopyClientSecret => match client_secret {
                Some(s) => self.copy("clientSecret", s),
                None if loading.is_some() => {
                    self.flash(Level::Info, "Still looking up the saved secret")
                }
                None => self.flash(Level::Warning, "This console has no saved secret for it"),
            },
            Action::CopyJson => {
                let mut json = serde_json::json!({
                    "billingId": billing_id,
                    "clientId": client_id,
                });
                if let Some(s) = client_secret {
                    json["clientSecret"] = s.into();
                }
                self.copy("credentials JSON", json.to_string());
            }
            Action::CopyExports => {
                let mut lines = format!(
                    "export STRM_BILLING_ID={}\nexport STRM_CLIENT_ID={}\n",
                    shell_quote(&billing_id),
                    shell_quote(&client_id)
                );
                if let Some(s) = client_secret {
                    lines.push_str(&format!("export STRM_CLIENT_SECRET={}\n", shell_quote(&s)));
                }
                self.copy("export lines", lines);
            }
            _ => {}
        }
    }

    fn form_key(&mut self, action: Option<Action>, key: &KeyEvent, out: &mut Outgoing) {
        let text = self.keymap.action(Context::Text, key);
        let Some(Popup::Form(form)) = self.popups.last_mut() else {
            return;
        };
        let event = form.key(action, text, key);
        if form.kind == FormKind::Login {
            // Kept for the next login form: Esc after a failed login keeps the e-mail.
            self.login_email = form.fields()[0].trimmed();
        }
        let Some(Popup::Form(form)) = self.popups.last_mut() else {
            return;
        };
        match event {
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
                form.pending = Some(self.next_id);
                form.server_error = None;
                let pending = match &req {
                    Request::SaveSecret { target, .. } => Pending::SaveSecret {
                        name: target.name.clone(),
                    },
                    _ => Pending::Submit,
                };
                self.send(out, req, pending);
            }
            FormEvent::Changed | FormEvent::None => {}
        }
    }
}

/// Single-quotes a value for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
