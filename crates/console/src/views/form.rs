//! A form: a server error on top, each field with its message under it (wrapped whole),
//! and a status line. When the form is taller than the screen, blank rows go first, then
//! the fields scroll so that the focused one is always in sight.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::popups::{boxed, place};
use super::wrap::{ellipsis, wrap_line};
use crate::app::App;
use crate::forms::{Choice, Field, Form, Input};
use crate::keymap::{Action, Context};

const BOX_WIDTH: u16 = 76;
const LABEL_WIDTH: u16 = 19;

/// The rows under field `i`: its error once shown, else its help while focused.
fn messages(app: &App, form: &Form, i: usize, focused: bool, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let field = form.fields()[i];
    let line = match &field.error {
        Some(e) if form.shows_error(i) => Line::styled(format!("✗ {e}"), t.error),
        _ if focused && !field.help.is_empty() => Line::styled(field.help.to_string(), t.dim),
        _ => return Vec::new(),
    };
    wrap_line(&line, width, 2)
}

/// A choice as `◀ value ▶`, with what is typed to narrow it and how many match.
fn choice_line(c: &Choice, style: Style, width: usize) -> Line<'static> {
    let value = c.options.get(c.index).cloned().unwrap_or_default();
    let mut spans = vec![Span::styled(format!("◀ {value} ▶"), style)];
    if !c.filter.is_empty() {
        let n = c.matches().len();
        let note = if c.matched() {
            format!("  /{}  {n} of {}", c.filter, c.options.len())
        } else {
            format!("  /{}  no match", c.filter)
        };
        spans.push(Span::raw(note));
    } else if c.options.len() > 1 {
        spans.push(Span::raw(format!("  {}/{}", c.index + 1, c.options.len())));
    }
    let text: String = spans.iter().map(|s| s.content.to_string()).collect();
    if super::wrap::width(&text) > width {
        return Line::styled(ellipsis(&format!("◀ {value} ▶"), width), style);
    }
    Line::from(spans)
}

/// The first field to show so that `focus` is in sight, scrolling as little as possible
/// from `from`.
fn first_shown(heights: &[u16], focus: usize, from: usize, room: u16) -> usize {
    let mut first = from.min(focus);
    while first < focus && heights[first..=focus].iter().sum::<u16>() > room {
        first += 1;
    }
    first
}

pub fn draw(frame: &mut Frame, app: &App, body: Rect, screen: Rect, form: &Form, top: bool) {
    let t = &app.theme;
    let width = BOX_WIDTH.min(screen.width);
    let inner_width = width.saturating_sub(2);
    let label_width = LABEL_WIDTH.min(inner_width / 3);
    let message_width = inner_width.saturating_sub(label_width) as usize;
    let fields = form.fields();
    let messages: Vec<Vec<Line>> = (0..fields.len())
        .map(|i| messages(app, form, i, top && i == form.focus, message_width))
        .collect();
    let server: Vec<Line> = form
        .server_error
        .as_ref()
        .map(|e| {
            wrap_line(
                &Line::styled(format!("Server: {e}"), t.error),
                inner_width as usize,
                2,
            )
        })
        .unwrap_or_default();
    // A blank row under a field without a message keeps the form calm, while it fits.
    let heights_with = |blank: u16| -> Vec<u16> {
        messages
            .iter()
            .map(|m| 1 + (m.len() as u16).max(blank))
            .collect()
    };
    let chrome = 2 + server.len() as u16 + 1;
    let mut heights = heights_with(1);
    if heights.iter().sum::<u16>() + chrome > screen.height {
        heights = heights_with(0);
    }
    let room = screen.height.saturating_sub(chrome).max(1);
    let first = first_shown(&heights, form.focus, form.scroll.get(), room);
    form.scroll.set(first);
    let mut shown = 0;
    let mut used = 0;
    for &h in &heights[first..] {
        if used + h > room && shown > 0 {
            break;
        }
        used += h;
        shown += 1;
    }
    let height = used + chrome;
    let area = place(body, screen, width, height);
    frame.render_widget(Clear, area);
    let mut title = if form.pending.is_some() {
        format!("{} — sending…", form.title())
    } else {
        form.title().to_string()
    };
    if shown < fields.len() {
        title.push_str(&format!(
            " (fields {}–{} of {})",
            first + 1,
            first + shown,
            fields.len()
        ));
    }
    let block = boxed(&title, app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut rows: Vec<Constraint> = heights[first..first + shown]
        .iter()
        .map(|&h| Constraint::Length(h))
        .collect();
    rows.insert(0, Constraint::Length(server.len() as u16));
    rows.push(Constraint::Min(1));
    let areas = Layout::vertical(rows).split(inner);
    frame.render_widget(Paragraph::new(server), areas[0]);
    for (slot, i) in (first..first + shown).enumerate() {
        let a = areas[slot + 1];
        draw_field(
            frame,
            app,
            fields[i],
            top && i == form.focus,
            a,
            label_width,
        );
        let under = Rect {
            x: a.x + label_width,
            y: a.y + 1,
            width: a.width.saturating_sub(label_width),
            height: a.height.saturating_sub(1),
        };
        frame.render_widget(Paragraph::new(messages[i].clone()), under);
    }
    if let Some(&a) = areas.last() {
        let keys = &app.keymap;
        let status = if form.submitted && !form.is_valid() {
            Line::styled("Fix the fields marked ✗ to submit", t.warning)
        } else {
            Line::styled(
                format!(
                    "{} submits · {} cancels",
                    keys.first_key(Context::Form, Action::Submit),
                    keys.first_key(Context::Form, Action::Cancel)
                ),
                t.dim,
            )
        };
        frame.render_widget(Paragraph::new(status), a);
    }
}

/// A field's label and input row.
fn draw_field(frame: &mut Frame, app: &App, field: &Field, focused: bool, a: Rect, label: u16) {
    let t = &app.theme;
    let [label_area, value] = Layout::horizontal([Constraint::Length(label), Constraint::Min(1)])
        .areas(Rect { height: 1, ..a });
    let label_style = if focused { t.selected } else { t.title };
    let name = ellipsis(field.label, label.saturating_sub(2) as usize);
    let shown = format!("{name:>w$} ", w = label.saturating_sub(2) as usize);
    frame.render_widget(Paragraph::new(Span::styled(shown, label_style)), label_area);
    match &field.input {
        Input::Text(area) if focused => frame.render_widget(area.as_ref(), value),
        Input::Text(_) => {
            let text = field.value();
            let text = if field.is_secret() {
                "•".repeat(text.chars().count())
            } else {
                text
            };
            frame.render_widget(Paragraph::new(ellipsis(&text, value.width as usize)), value);
        }
        Input::Choice(c) => {
            let style = if focused { t.selected } else { Style::new() };
            frame.render_widget(
                Paragraph::new(choice_line(c, style, value.width as usize)),
                value,
            );
        }
    }
}
