//! The live tail's keys: scrolling, pause, the `/` filter as you type with `n`/`N`,
//! Enter for the inspector (or, without a saved secret, to paste one), `s` to save
//! what is shown.

use crossterm::event::KeyEvent;

use super::Outgoing;
use crate::app::{App, Level, Popup, Prompt};
use crate::forms::{self, line};
use crate::keymap::{Action, Context};
use crate::observe::inspector::Seen;
use crate::protocol::Request;
use crate::tail::TailState;

/// Lines a page key scrolls the tail, and columns an arrow scrolls it sideways.
const TAIL_PAGE: isize = 10;
const TAIL_HSTEP: u16 = 20;

impl App {
    pub(super) fn tail_key(&mut self, key: &KeyEvent, out: &mut Outgoing) {
        let editing = self.tail().is_some_and(|t| t.filter_editing);
        if editing {
            return self.tail_filter_key(key);
        }
        let action = self.keymap.action(Context::Tail, key);
        let width = self.body_width();
        let Some(view) = self.tail_mut() else { return };
        match action {
            Some(Action::Close) => {
                let id = view.id;
                self.popups.retain(|p| !matches!(p, Popup::Tail(_)));
                // Not in flight; the worker only aborts the tail's task.
                self.send_untracked(out, Request::StopTail(id));
            }
            Some(Action::Pause) => view.toggle_pause(),
            Some(Action::Up) => view.scroll_by(1),
            Some(Action::Down) => view.scroll_by(-1),
            Some(Action::PageUp) => view.scroll_by(TAIL_PAGE),
            Some(Action::PageDown) => view.scroll_by(-TAIL_PAGE),
            Some(Action::Top) => view.scroll_by(isize::MAX / 2),
            Some(Action::Bottom) => view.scroll = 0,
            Some(Action::ScrollLeft) => view.hscroll = view.hscroll.saturating_sub(TAIL_HSTEP),
            Some(Action::ScrollRight) => view.hscroll = view.hscroll.saturating_add(TAIL_HSTEP),
            Some(Action::Wrap) => view.wrap = !view.wrap,
            Some(Action::Filter) => view.filter_editing = true,
            Some(Action::NextMatch) => view.jump(true, width),
            Some(Action::PrevMatch) => view.jump(false, width),
            // A tail without a secret has no event to inspect: Enter asks for the secret.
            Some(Action::Inspect) if matches!(view.state, TailState::NoSecret { .. }) => {
                let form = forms::secret_form(view.target.clone());
                self.popups.push(Popup::Form(Box::new(form)));
            }
            Some(Action::Inspect) => self.inspect_tail_line(out),
            Some(Action::Save) => self.ask_where_to_save(),
            _ => {}
        }
    }

    /// Columns the tail's events have (the body less its border).
    fn body_width(&self) -> usize {
        (self.table_area.get().width as usize).max(40)
    }

    /// The `/` line of the tail: the filter applies as it is typed.
    fn tail_filter_key(&mut self, key: &KeyEvent) {
        let action = self.keymap.action(Context::Filter, key);
        let Some(mut text) = self.tail().map(|v| v.filter.text.clone()) else {
            return;
        };
        let (editing, changed) = match action {
            Some(Action::Submit) => (false, false),
            Some(Action::Cancel) => {
                text.clear();
                (false, true)
            }
            _ => (true, line::edit(&mut text, &self.keymap, key)),
        };
        let Some(view) = self.tail_mut() else { return };
        view.filter_editing = editing;
        if changed {
            view.set_filter(text);
        }
    }

    /// Enter: the selected event in the inspector.
    fn inspect_tail_line(&mut self, out: &mut Outgoing) {
        let Some(view) = self.tail() else { return };
        let Some((_, line)) = view.selected() else {
            return self.flash(Level::Warning, "No event to inspect yet");
        };
        let line = line.to_string();
        let target = view.target.clone();
        let seen = match &target.output_of {
            None => Seen::Stream,
            Some(stream) => self
                .data
                .outputs
                .iter()
                .find(|o| o.name == target.name && &o.linked_stream == stream)
                .map_or(Seen::Unknown, |o| Seen::Output {
                    kind: o.consent_level_type,
                    levels: o.consent_levels.clone(),
                }),
        };
        let source = format!("the tail of {} ({})", target.describe(), target.view());
        self.open_inspector(source, line, seen, out);
    }

    /// `s`: asks for the file; the name suggested is new in the current directory.
    fn ask_where_to_save(&mut self) {
        let Some(view) = self.tail() else { return };
        let count = view.shown_len();
        if count == 0 {
            return self.flash(Level::Warning, "Nothing to save: no event is shown");
        }
        let name = format!("strm-{}-{}.jsonl", view.target.name, self.epoch);
        self.popups.push(Popup::SaveTail(Prompt {
            title: format!("Save the {count} events shown, one JSON a line, to"),
            text: name,
            problem: None,
        }));
    }

    /// The save prompt's keys.
    pub(super) fn save_prompt_key(&mut self, key: &KeyEvent, out: &mut Outgoing) {
        let action = self.keymap.action(Context::Prompt, key);
        let Some(Popup::SaveTail(prompt)) = self.popups.last_mut() else {
            return;
        };
        match action {
            Some(Action::Cancel) => {
                self.popups.pop();
            }
            Some(Action::Submit) => {
                let text = prompt.text.trim().to_string();
                if text.is_empty() {
                    prompt.problem = Some("file: is empty; type a file name".into());
                    return;
                }
                prompt.problem = Some("saving…".into());
                let path = std::path::PathBuf::from(text);
                let lines = self.tail().map(|t| t.shown()).unwrap_or_default();
                self.send(
                    out,
                    Request::SaveLines {
                        path,
                        lines: crate::protocol::Payload(lines),
                    },
                    crate::app::Pending::Save,
                );
            }
            _ => {
                if line::edit(&mut prompt.text, &self.keymap, key) {
                    prompt.problem = None;
                }
            }
        }
    }
}
