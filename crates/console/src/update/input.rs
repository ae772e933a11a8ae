//! Input that is not a key: bracketed paste and, when turned on, the mouse.

use crossterm::event::{MouseEvent, MouseEventKind};

use crate::app::{App, Popup};

/// Lines a wheel notch scrolls.
const WHEEL_LINES: isize = 3;

impl App {
    pub(super) fn on_paste(&mut self, text: &str) {
        match self.popups.last_mut() {
            Some(Popup::Form(form)) => form.paste(text),
            Some(Popup::Confirm(c)) if c.type_name.is_some() => {
                c.typed.push_str(text.trim());
                c.problem = None;
                c.selected = usize::from(c.name_matches());
            }
            Some(Popup::Command(line)) => line.text.push_str(text.trim()),
            Some(Popup::SaveTail(prompt)) => prompt.text.push_str(text.trim()),
            Some(Popup::Tail(view)) if view.filter_editing => {
                let text = format!("{}{}", view.filter.text, text.trim());
                view.set_filter(text);
            }
            Some(_) => {}
            None if self.filter_editing => {
                self.table_mut().filter.push_str(text.trim());
                self.filter_changed(self.tab);
            }
            None => {}
        }
    }

    pub(super) fn on_mouse(&mut self, ev: MouseEvent) {
        if let Some(Popup::Tail(view)) = self.popups.last_mut() {
            match ev.kind {
                MouseEventKind::ScrollUp => view.scroll_by(WHEEL_LINES),
                MouseEventKind::ScrollDown => view.scroll_by(-WHEEL_LINES),
                _ => {}
            }
            return;
        }
        if !self.popups.is_empty() {
            return;
        }
        match ev.kind {
            MouseEventKind::ScrollDown => self.move_selection(WHEEL_LINES),
            MouseEventKind::ScrollUp => self.move_selection(-WHEEL_LINES),
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
}
