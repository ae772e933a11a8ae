//! The connection: the first connect, login when the API wants one, back-off while it
//! is unreachable, and the timer's work (expire the message, animate, retry, refresh).

use std::time::Duration;

use super::Outgoing;
use crate::app::{App, Conn, Level, Pending, Popup};
use crate::forms::FormKind;
use crate::protocol::{Request, SessionInfo};
use strm_client::ClientError;

const MAX_BACKOFF: Duration = Duration::from_secs(30);

impl App {
    /// The first request of a session: connect (start or join the local server).
    pub fn start(&mut self) -> Outgoing {
        let mut out = Vec::new();
        self.conn = Conn::Connecting;
        self.send(&mut out, Request::Connect, Pending::Connect);
        out
    }

    pub(super) fn on_connected(
        &mut self,
        api_url: String,
        local: bool,
        session: Option<SessionInfo>,
        out: &mut Outgoing,
    ) {
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

    pub(super) fn on_error(&mut self, id: u64, pending: Pending, e: ClientError) {
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
                self.back_off(&pending, &e)
            }
            Pending::Submit | Pending::SaveSecret { .. } => {
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
            // The credentials popup opened at once: say there why the secret is missing.
            Pending::Secret { show: true, .. } => {
                for popup in &mut self.popups {
                    if let Popup::Credentials(view) = popup
                        && view.loading == Some(id)
                    {
                        view.loading = None;
                    }
                }
                self.flash(Level::Error, e.to_string())
            }
            _ => self.flash(Level::Error, e.to_string()),
        }
    }

    /// Offline: wait twice as long after each failed round, up to `MAX_BACKOFF`.
    fn back_off(&mut self, pending: &Pending, e: &ClientError) {
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

    pub(super) fn on_tick(&mut self, out: &mut Outgoing) {
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
        if let Some(at) = self.observe_due
            && at <= self.now
        {
            self.refresh_observed(out);
        }
    }
}
