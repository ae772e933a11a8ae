//! `update`: one message in, state changed, requests for the worker out. No I/O here
//! (the clipboard text is queued for the loop), so every path is unit-testable. Split
//! by concern: main-screen keys, popups, input that is not a key, the worker's answers
//! and the connection (connect, back-off, offline, login).

mod answers;
mod command;
mod connection;
mod input;
mod keys;
mod observe;
mod popups;
mod tail;

use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};

use super::app::{App, Level, Pending, Tab};
use super::clipboard::Method;
use super::protocol::{Request, Response};

pub use command::{commands, suggestions};
pub use popups::{context_of, shell_quote};

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

    /// A request whose answer nobody waits for as in flight (a tail, its stop): it
    /// must not keep the spinner (and the timer) going.
    fn send_untracked(&mut self, out: &mut Outgoing, req: Request) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        out.push((id, req));
        id
    }

    /// Lists every tab again, each kind as it is listed now, and the usage the rate
    /// columns show.
    fn refresh_all(&mut self, out: &mut Outgoing) {
        self.next_refresh = None;
        for tab in Tab::ALL {
            if let Some(req) = tab.kind().list(&self.data, self.scope.as_deref()) {
                self.send(out, req, Pending::Load(tab));
            }
        }
        self.ask_usage(out);
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
