//! The worker's answers: route each to what asked (a tail, a form, a load), drop stale
//! and cancelled ones, and show what happened.

use super::Outgoing;
use crate::app::{App, Conn, CredentialsView, Level, Pending, Popup};
use crate::protocol::{Answer, Request, Response};
use crate::resources;
use crate::tail::TailState;
use strm_client::ClientError;

impl App {
    pub(super) fn on_reply(&mut self, resp: Response, out: &mut Outgoing) {
        // Not an answer to a request: the worker says which node answers now.
        if let Ok(Answer::Node(name)) = &resp.result {
            self.node = Some(name.clone());
            return;
        }
        if self.tail().is_some_and(|t| t.id == resp.id) {
            return self.on_tail_reply(resp.result, out);
        }
        let id = resp.id;
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
        let result = match &pending {
            // An expired session is handled as everywhere else.
            Pending::Observe
            | Pending::Objects(_)
            | Pending::Object
            | Pending::Contract(_)
            | Pending::Save
                if !resp.result.as_ref().is_err_and(|e| e.needs_login()) =>
            {
                self.on_observed(&pending, resp.result);
                return;
            }
            _ => resp.result,
        };
        match result {
            Ok(answer) => self.on_answer(id, pending, answer, out),
            Err(e) => self.on_error(id, pending, e),
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

    fn on_tail_reply(&mut self, result: Result<Answer, ClientError>, out: &mut Outgoing) {
        let local = self.local || self.api_url.is_none();
        let connecting = self.in_flight.values().any(|p| *p == Pending::Connect);
        let Some(view) = self.tail_mut() else { return };
        match result {
            Ok(Answer::TailLive) => {
                if matches!(view.state, TailState::Reconnecting { .. }) {
                    view.reconnects += 1;
                }
                view.state = TailState::Live;
            }
            Ok(Answer::TailReconnecting { reason, attempt }) => {
                view.state = TailState::Reconnecting { reason, attempt };
                // The local server may have gone with the process that ran it: connecting
                // again starts or joins one, and the tail follows it there.
                if attempt == 1 && local && !connecting {
                    self.send(out, Request::Connect, Pending::Connect);
                }
            }
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

    fn on_answer(&mut self, id: u64, pending: Pending, answer: Answer, out: &mut Outgoing) {
        if !matches!(answer, Answer::Connected { .. }) {
            self.conn = Conn::Online;
        }
        match answer {
            Answer::Connected {
                api_url,
                local,
                session,
            } => self.on_connected(api_url, local, session, out),
            Answer::LoggedIn(session) => {
                self.flash(Level::Info, format!("Logged in as {}", session.email));
                self.session = Some(session);
                self.close_form();
                self.refresh_all(out);
            }
            // Handled in `on_reply`, before any request is looked up.
            Answer::Node(name) => self.node = Some(name),
            Answer::Nodes(list) => {
                self.nodes = list.nodes;
                if !matches!(self.popups.last(), Some(Popup::Nodes(_))) {
                    self.popups.push(Popup::Nodes(Default::default()));
                }
            }
            Answer::LoggedOut => {
                self.session = None;
                self.data = Default::default();
                self.recompute_all();
                self.flash(Level::Info, "Logged out");
                self.open_login();
            }
            Answer::Listed(listed) => {
                // A form whose call lists (a search) is done when the list arrives.
                if pending == Pending::Submit {
                    self.close_form();
                }
                for &tab in self.data.store(listed) {
                    self.recompute(tab);
                }
            }
            Answer::Created(created) => {
                let said = resources::announce(&created);
                self.close_form();
                self.flash(Level::Info, said.message);
                if let Some((name, credentials)) = said.credentials {
                    self.show_created(name, credentials);
                }
                self.refresh_all(out);
            }
            Answer::Done(said) => {
                if pending == Pending::Submit {
                    self.close_form();
                }
                self.flash(Level::Info, said);
                self.refresh_all(out);
            }
            Answer::Deleted => {
                if let Pending::Delete(done) = pending {
                    self.flash(Level::Info, done);
                }
                self.refresh_all(out);
            }
            Answer::DeletedMany { done, failed } => {
                let Pending::DeleteMany { summary, total } = pending else {
                    return;
                };
                if failed.is_empty() {
                    self.flash(Level::Info, summary);
                } else {
                    let why: Vec<String> =
                        failed.iter().map(|(w, e)| format!("{w}: {e}")).collect();
                    self.flash(
                        Level::Error,
                        format!(
                            "Deleted {} of {total}; not deleted: {}",
                            done.len(),
                            why.join("; ")
                        ),
                    );
                }
                self.refresh_all(out);
            }
            Answer::SavedSecret(secret) => {
                let Pending::Secret { name, show, .. } = pending else {
                    return;
                };
                if show {
                    // The popup opened when the key was typed; fill it in if still open.
                    for popup in &mut self.popups {
                        if let Popup::Credentials(view) = popup
                            && view.loading == Some(id)
                        {
                            view.loading = None;
                            view.client_secret = secret.clone();
                        }
                    }
                } else if let Some(s) = secret {
                    self.copy("clientSecret", s);
                } else {
                    self.flash(
                        Level::Warning,
                        format!("No saved secret for {name}: the API shows a secret only to the console that created it"),
                    );
                }
            }
            Answer::Token(token) => self.copy("access token", token.0),
            Answer::SecretSaved => {
                let Pending::SaveSecret { name } = pending else {
                    return;
                };
                self.close_form();
                self.flash(
                    Level::Info,
                    format!("Saved the client secret of {name} (0600)"),
                );
                // The tail that asked for it starts again, now with the secret.
                if let Some(view) = self.tail_mut() {
                    let (old, target) = (view.id, view.target.clone());
                    self.popups.retain(|p| !matches!(p, Popup::Tail(_)));
                    self.send_untracked(out, Request::StopTail(old));
                    self.start_tail(target, out);
                }
            }
            // Tail answers are routed before: these belong to a closed tail; the
            // observing views' answers go to `on_observed`.
            Answer::TailLive
            | Answer::TailEvents(_)
            | Answer::TailNoSecret { .. }
            | Answer::TailReconnecting { .. }
            | Answer::TailEnded
            | Answer::Usage(_)
            | Answer::ExporterStatuses(_)
            | Answer::Objects { .. }
            | Answer::Object { .. }
            | Answer::SchemaContract(_)
            | Answer::Saved { .. } => {}
        }
    }

    pub(super) fn billing_id(&self) -> String {
        self.session
            .as_ref()
            .map(|s| s.billing_id.clone())
            .unwrap_or_default()
    }

    /// The credentials popup right after a create: the one time the API showed the
    /// secret.
    fn show_created(&mut self, name: String, creds: strm_model::Credentials) {
        self.popups.push(Popup::Credentials(CredentialsView {
            name,
            billing_id: self.billing_id(),
            client_id: creds.client_id,
            client_secret: creds.client_secret,
            revealed: false,
            just_created: true,
            loading: None,
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
}
