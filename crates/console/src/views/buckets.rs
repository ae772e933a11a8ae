//! `:buckets`: the sinks, a sink's folders and objects, an object's lines. Only the
//! rows in view are laid out.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::observe::buckets::{BucketsView, Entry, Opened};
use crate::observe::{format_age, format_bytes};

/// The first row shown, so that `selected` stays in view.
fn scrolled(offset: &Cell<usize>, selected: usize, height: usize) -> usize {
    let mut o = offset.get();
    if selected < o {
        o = selected;
    } else if height > 0 && selected >= o + height {
        o = selected + 1 - height;
    }
    offset.set(o);
    o
}

fn list(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    rows: Vec<Line<'static>>,
    selected: usize,
    offset: &Cell<usize>,
) {
    let height = area.height as usize;
    let first = scrolled(offset, selected, height);
    let lines: Vec<Line> = rows
        .into_iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, l)| {
            if i == selected {
                l.style(app.theme.selected)
            } else {
                l
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

pub fn draw(frame: &mut Frame, app: &App, body: Rect, view: &BucketsView) {
    let t = &app.theme;
    let title = match (&view.sink, &view.opened) {
        (None, _) => " Buckets — choose a sink ".to_string(),
        (Some(s), None) => format!(
            " Buckets › {} ({} bucket {}) › /{} ",
            s.name, s.sink_type, s.bucket, view.prefix
        ),
        (Some(s), Some(o)) => format!(" Buckets › {} › {} ", s.name, o.key),
    };
    let inner = super::popups::view_box(frame, app, body, title.trim());
    let [status, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);

    if let Some(o) = &view.opened {
        return opened(frame, app, status, rest, o);
    }
    let Some(_) = &view.sink else {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "Each sink's bucket, as its exporters write to it",
                t.dim,
            )),
            status,
        );
        if app.data.sinks.is_empty() {
            frame.render_widget(
                Paragraph::new("No sinks yet: create one in the Sinks tab (3, n)").style(t.dim),
                rest,
            );
            return;
        }
        let rows = app
            .data
            .sinks
            .iter()
            .map(|s| {
                Line::raw(format!(
                    "{:<24} {:<7} bucket {}",
                    s.sink_name,
                    s.sink_type.to_string(),
                    s.bucket_name
                ))
            })
            .collect();
        return list(frame, app, rest, rows, view.selected, &view.offset);
    };
    let folders = view
        .entries
        .iter()
        .filter(|e| matches!(e, Entry::Folder(_)))
        .count();
    let said = if let Some(e) = &view.error {
        Line::styled(e.clone(), t.error)
    } else if view.loading {
        Line::styled("listing…", t.dim)
    } else {
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let more = if view.more.is_some() {
            " (more below)"
        } else {
            ""
        };
        Line::styled(
            format!(
                "{}, {}{more}",
                plural(folders, "folder"),
                plural(view.entries.len() - folders, "object"),
            ),
            t.dim,
        )
    };
    frame.render_widget(Paragraph::new(said).wrap(Wrap { trim: true }), status);
    if view.entries.is_empty() && !view.loading && view.error.is_none() {
        frame.render_widget(
            Paragraph::new("Nothing here yet: an exporter writes a batch once its interval has passed with events.")
                .style(t.dim)
                .wrap(Wrap { trim: true }),
            rest,
        );
        return;
    }
    let now = app.epoch * 1000;
    let name_w = (rest.width as usize).saturating_sub(24).max(10);
    let rows = view
        .entries
        .iter()
        .map(|e| match e {
            Entry::Folder(_) => Line::from(vec![
                Span::styled("▸ ", t.dim),
                Span::styled(view.short(e).to_string(), t.title),
            ]),
            Entry::Object {
                size,
                last_modified,
                ..
            } => {
                let name: String = view.short(e).chars().take(name_w).collect();
                Line::raw(format!(
                    "  {name:<name_w$} {:>9} {:>6} ago",
                    format_bytes(*size),
                    format_age(now - last_modified)
                ))
            }
        })
        .collect();
    list(frame, app, rest, rows, view.selected, &view.offset);
}

fn opened(frame: &mut Frame, app: &App, status: Rect, rest: Rect, o: &Opened) {
    let t = &app.theme;
    let said = if o.loading {
        Line::styled("reading…", t.dim)
    } else {
        let mut s = format!(
            "{} lines, {} — enter inspects an event",
            o.lines.len(),
            format_bytes(o.size)
        );
        if o.truncated() {
            s.push_str(&format!(
                " (the first {} only)",
                format_bytes(crate::protocol::OBJECT_SHOWN_MAX)
            ));
        }
        Line::styled(s, t.dim)
    };
    frame.render_widget(Paragraph::new(said), status);
    let width = rest.width as usize;
    let rows = o
        .lines
        .iter()
        .map(|l| Line::styled(l.chars().take(width).collect::<String>(), Style::new()))
        .collect();
    list(frame, app, rest, rows, o.selected, &o.offset);
}
