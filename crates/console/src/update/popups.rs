//! Keys of the popup on top: each popup asks the keymap in its own context; what is
//! left is text typed into the command line or a confirmation's name.

use crossterm::event::{KeyCode, KeyEvent};

use super::Outgoing;
use crate::app::{App, CommandLine, CredentialsView, Level, Pending, Popup, Tab};
use crate::forms::FormEvent;
use crate::keymap::{Action, Context, is_ctrl};
use crate::protocol::Request;

/// Lines a page key scrolls the help screen and the error log.
const PAGER_PAGE: u16 = 10;

/// The commands of the `:` line, completed with Tab: one per tab, then the rest.
pub fn commands() -> Vec<&'static str> {
    let tabs = Tab::ALL.iter().map(|t| t.kind().commands()[0]);
    tabs.chain([
        "create", "delete", "tail", "xray", "pulse", "buckets", "refresh", "login", "logout",
        "token", "errors", "help", "quit", "q",
    ])
    .collect()
}

impl App {
    pub(super) fn popup_key(&mut self, key: KeyEvent, out: &mut Outgoing) {
        let context = match self.popups.last() {
            None => return,
            Some(Popup::Tail(_)) => return self.tail_key(&key, out),
            Some(Popup::Xray(_)) => return self.xray_key(&key, out),
            Some(Popup::Pulse(_)) => return self.pulse_key(&key, out),
            Some(Popup::Buckets(_)) => return self.buckets_key(&key, out),
            Some(Popup::Inspector(_)) => return self.inspector_key(&key),
            Some(Popup::SaveTail(_)) => return self.save_prompt_key(&key, out),
            Some(Popup::Help { .. } | Popup::ErrorLog { .. }) => Context::Pager,
            Some(Popup::Command(_)) => Context::Command,
            Some(Popup::Confirm(_)) => Context::Confirm,
            Some(Popup::Credentials(_)) => Context::Credentials,
            Some(Popup::Form(_)) => Context::Form,
        };
        let action = self.keymap.action(context, &key);
        match context {
            Context::Pager => self.pager_key(action),
            Context::Command => self.command_key(action, &key, out),
            Context::Confirm => self.confirm_key(action, &key, out),
            Context::Credentials => self.credentials_key(action),
            _ => self.form_key(action, &key, out),
        }
    }

    fn pager_key(&mut self, action: Option<Action>) {
        let Some(Popup::Help { scroll } | Popup::ErrorLog { scroll }) = self.popups.last_mut()
        else {
            return;
        };
        match action {
            Some(Action::Close) => {
                self.popups.pop();
            }
            Some(Action::Down) => *scroll = scroll.saturating_add(1),
            Some(Action::Up) => *scroll = scroll.saturating_sub(1),
            Some(Action::PageDown) => *scroll = scroll.saturating_add(PAGER_PAGE),
            Some(Action::PageUp) => *scroll = scroll.saturating_sub(PAGER_PAGE),
            _ => {}
        }
    }

    fn command_key(&mut self, action: Option<Action>, key: &KeyEvent, out: &mut Outgoing) {
        let Some(Popup::Command(line)) = self.popups.last_mut() else {
            return;
        };
        match action {
            Some(Action::Cancel) => {
                self.popups.pop();
            }
            Some(Action::Submit) => {
                let text = line.text.trim().to_string();
                self.popups.pop();
                self.run_command(&text, out);
            }
            Some(Action::Complete) => {
                line.text = complete(&line.text);
                line.problem = None;
            }
            _ => match key.code {
                KeyCode::Backspace => {
                    line.text.pop();
                }
                KeyCode::Char(c) if !is_ctrl(key) => {
                    line.text.push(c);
                    line.problem = None;
                }
                _ => {}
            },
        }
    }

    /// Cancel is the first button and the default; a typed name guards some deletes.
    fn confirm_key(&mut self, action: Option<Action>, key: &KeyEvent, out: &mut Outgoing) {
        let Some(Popup::Confirm(c)) = self.popups.last_mut() else {
            return;
        };
        match action {
            Some(Action::Cancel) => {
                self.popups.pop();
            }
            Some(Action::PrevChoice) => c.selected = c.selected.saturating_sub(1),
            Some(Action::NextChoice) => c.selected = (c.selected + 1).min(c.actions.len()),
            Some(Action::Submit) => {
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
            _ => match key.code {
                KeyCode::Backspace => {
                    c.typed.pop();
                }
                KeyCode::Char(ch) if c.type_name.is_some() => {
                    c.typed.push(ch);
                    c.problem = None;
                }
                _ => {}
            },
        }
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
            ..
        } = view.clone();
        match action {
            Action::Close => {
                self.popups.pop();
            }
            Action::CopyBillingId => self.copy_out.push(("billingId".into(), billing_id)),
            Action::CopyClientId => self.copy_out.push(("clientId".into(), client_id)),
            Action::CopyClientSecret => match client_secret {
                Some(s) => self.copy_out.push(("clientSecret".into(), s)),
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
                self.copy_out
                    .push(("credentials JSON".into(), json.to_string()));
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
                self.copy_out.push(("export lines".into(), lines));
            }
            _ => {}
        }
    }

    fn form_key(&mut self, action: Option<Action>, key: &KeyEvent, out: &mut Outgoing) {
        let Some(Popup::Form(form)) = self.popups.last_mut() else {
            return;
        };
        match form.key(action, key) {
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
                self.send(out, req, Pending::Submit);
            }
            FormEvent::Changed | FormEvent::None => {}
        }
    }

    fn run_command(&mut self, text: &str, out: &mut Outgoing) {
        let tab = Tab::ALL
            .iter()
            .position(|t| t.kind().commands().contains(&text));
        let action = match text {
            "" => return,
            _ if tab.is_some() => Action::Tab(tab.map_or(1, |i| i as u8 + 1)),
            "create" | "new" => Action::Create,
            "delete" => Action::Delete,
            "tail" => Action::Tail,
            "xray" => Action::Xray,
            "pulse" => Action::Pulse,
            "buckets" => Action::Buckets,
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
                let line = CommandLine {
                    text: other.to_string(),
                    problem: Some(format!(
                        "{other:?} is not a command; Tab completes, commands are {}",
                        commands().join(", ")
                    )),
                };
                self.popups.push(Popup::Command(line));
                return;
            }
        };
        self.main_action(action, out);
    }
}

fn complete(text: &str) -> String {
    let matches: Vec<&str> = commands()
        .into_iter()
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
