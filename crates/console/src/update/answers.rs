//! The worker's answers: route each to what asked (a tail, a form, a load), drop stale
//! and cancelled ones, and show what happened.

use super::Outgoing;
use crate::app::{App, Conn, CredentialsView, Level, Pending, Popup};
use crate::protocol::{Answer, Response};
use crate::resources;
use crate::tail::TailState;
use strm_client::ClientError;

impl App {
    pub(super) fn on_reply(&mut self, resp: Response, out: &mut Outgoing) {
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

    fn on_answer(&mut self, pending: Pending, answer: Answer, out: &mut Outgoing) {
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
