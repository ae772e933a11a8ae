//! The live tail: a status line with the counters, then the newest events, one compact
//! JSON object per line, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::wrap::{wrap_line, wrap_lines};
use crate::app::App;
use crate::keymap::{Action, Context};
use crate::tail::{RING, TailState, TailView};

pub fn draw(frame: &mut Frame, app: &App, body: Rect, view: &TailView) {
    let t = &app.theme;
    let title = format!(
        " Tail of {} — {} ",
        view.target.describe(),
        view.target.view()
    );
    let block = Block::bordered().title(Line::styled(title, t.title));
    let inner = block.inner(body);
    frame.render_widget(Clear, body);
    frame.render_widget(block, body);
    let mut spans = match &view.state {
        TailState::Connecting => vec![Span::styled("connecting…", t.dim)],
        TailState::Live if view.reconnects == 1 => {
            vec![Span::styled("● live (reconnected)", t.info)]
        }
        TailState::Live if view.reconnects > 1 => vec![Span::styled(
            format!("● live (reconnected {}×)", view.reconnects),
            t.info,
        )],
        TailState::Live => vec![Span::styled("● live", t.info)],
        TailState::Reconnecting { attempt, .. } => vec![Span::styled(
            format!("↻ reconnecting (attempt {attempt})…"),
            t.warning,
        )],
        TailState::Ended => vec![Span::styled("■ the server closed the tail", t.warning)],
        TailState::Failed(_) => vec![Span::styled("✗ tail failed", t.error)],
        TailState::NoSecret { .. } => vec![Span::styled("✗ cannot tail", t.error)],
    };
    spans.push(Span::raw(format!(
        "  received {}  dropped {}  kept {}/{RING}",
        view.received,
        view.dropped,
        view.lines.len()
    )));
    if view.paused {
        spans.push(Span::styled("  ⏸ PAUSED: new events not kept", t.warning));
    }
    if view.scroll > 0 {
        spans.push(Span::styled(format!("  ↑ {} back", view.scroll), t.dim));
    }
    let status_rows = wrap_line(&Line::from(spans), inner.width as usize, 2);
    let [status, events] = Layout::vertical([
        Constraint::Length(status_rows.len() as u16),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(status_rows), status);

    let message = match &view.state {
        TailState::NoSecret { file, stale } => Some(no_secret(app, view, file, *stale)),
        TailState::Failed(e) => Some(vec![Line::styled(e.clone(), t.error)]),
        TailState::Reconnecting { reason, .. } => Some(vec![Line::styled(
            format!(
                "The tail lost its connection ({reason}). It connects again by itself; a local server whose process quit is taken over by this console."
            ),
            t.warning,
        )]),
        TailState::Live if view.lines.is_empty() => Some(vec![Line::styled(
            "Waiting for events: only events sent from now on are shown (no replay).",
            t.dim,
        )]),
        _ => None,
    };
    let mut area = events;
    if let Some(lines) = message {
        // The wrapped message, and one blank row under it.
        let rows = wrap_lines(&lines, area.width as usize);
        let height = (rows.len() as u16 + 1).min(area.height);
        let [top, rest] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(rows), top);
        area = rest;
    }
    let height = area.height as usize;
    let width = area.width.max(1) as usize;
    let end = view.lines.len().saturating_sub(view.scroll);
    let lines: Vec<Line> = if view.wrap {
        // From the newest back until the area is full; the oldest shown may be cut at
        // the top.
        let mut rows: Vec<Line> = Vec::with_capacity(height);
        for event in view.lines.range(..end).rev() {
            let chars: Vec<char> = event.chars().collect();
            let chunks: Vec<&[char]> = chars.chunks(width).collect();
            for chunk in chunks.iter().rev() {
                rows.push(Line::raw(chunk.iter().collect::<String>()));
                if rows.len() == height {
                    break;
                }
            }
            if rows.len() == height {
                break;
            }
        }
        rows.reverse();
        rows
    } else {
        // Events can be long: only the columns that can show are laid out.
        view.lines
            .range(end.saturating_sub(height)..end)
            .map(|l| {
                let shown: String = l.chars().skip(view.hscroll as usize).take(width).collect();
                Line::raw(shown)
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), area);
}

fn no_secret(
    app: &App,
    view: &TailView,
    file: &std::path::Path,
    stale: bool,
) -> Vec<Line<'static>> {
    let what = view.target.describe();
    let why = if stale {
        format!(
            "The secret saved for {} belongs to another clientId (an older namesake), so it cannot get an event token.",
            view.target.name
        )
    } else {
        format!(
            "No client secret for {what} is saved on this machine: the API shows a secret only in its answer to the create, and this {} was created elsewhere (another machine or console, the web console).",
            if view.target.output_of.is_some() {
                "output"
            } else {
                "stream"
            }
        )
    };
    let paste = app.keymap.first_key(Context::Tail, Action::EnterSecret);
    let fix = format!(
        "Press {paste} to paste its client secret once: it is checked with the data plane and saved (0600) with the others."
    );
    vec![
        Line::raw(why),
        Line::styled(fix, app.theme.key),
        Line::raw(format!("Saved secrets: {}", file.display())),
    ]
}
