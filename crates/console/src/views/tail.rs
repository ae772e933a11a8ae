//! The live tail: a status line with the counters, then the newest events (or those
//! the `/` filter lets through, matches highlighted), one compact JSON object per line,
//! newest at the bottom; the lowest line is the selected one, which Enter inspects.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::wrap::{wrap_line, wrap_lines};
use crate::app::App;
use crate::keymap::{Action, Context};
use crate::tail::{RING, TailState, TailView, matches_in};

/// `chars` (a slice of an event, starting at char `from` of it) as spans, the parts in
/// `hits` (char ranges of the event) highlighted.
fn highlighted(
    chars: &[char],
    from: usize,
    hits: &[(usize, usize)],
    style: Style,
) -> Vec<Span<'static>> {
    let mark = style.add_modifier(Modifier::UNDERLINED | Modifier::BOLD);
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut in_hit = false;
    for (i, c) in chars.iter().enumerate() {
        let at = from + i;
        let hit = hits.iter().any(|&(s, e)| at >= s && at < e);
        if hit != in_hit && !run.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                if in_hit { mark } else { style },
            ));
        }
        in_hit = hit;
        run.push(*c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if in_hit { mark } else { style }));
    }
    spans
}

/// The char ranges of the filter's matches in `line`.
fn hit_chars(line: &str, needle: &str) -> Vec<(usize, usize)> {
    matches_in(line, needle)
        .into_iter()
        .map(|(s, e)| (line[..s].chars().count(), line[..e].chars().count()))
        .collect()
}

fn status_line(app: &App, view: &TailView) -> Line<'static> {
    let t = &app.theme;
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
        spans.push(Span::styled(
            format!(
                "  ⏸ PAUSED: holding {} new, dropped {}",
                view.held.len(),
                view.held_dropped
            ),
            t.warning,
        ));
    }
    if view.filter.is_active() {
        spans.push(Span::styled(
            format!(
                "  /{}: {} of {}",
                view.filter.text,
                view.filter.hits.len(),
                view.lines.len()
            ),
            t.key,
        ));
    }
    if view.scroll > 0 {
        spans.push(Span::styled(format!("  ↑ {} back", view.scroll), t.dim));
    }
    Line::from(spans)
}

pub fn draw(frame: &mut Frame, app: &App, body: Rect, view: &TailView) {
    let t = &app.theme;
    let title = format!(
        " Tail of {} — {} ",
        view.target.describe(),
        view.target.view()
    );
    let inner = super::popups::view_box(frame, app, body, title.trim());
    let status_rows = wrap_line(&status_line(app, view), inner.width as usize, 2);
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
        TailState::Live if view.filter.is_active() && view.filter.hits.is_empty() => {
            Some(vec![Line::styled(
                format!("No kept event contains {:?}.", view.filter.text),
                t.dim,
            )])
        }
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
    let end = view.shown_len().saturating_sub(view.scroll);
    let needle = view.filter.needle();
    // Following the newest, no line is marked (Enter inspects the newest); scrolled
    // back, paused or filtered, the lowest line shown is the one Enter inspects.
    let marked = view.scroll > 0 || view.paused || view.filter.is_active();
    let selected = end.checked_sub(1).filter(|_| marked);
    let style_of = |k: usize| {
        if Some(k) == selected {
            t.selected
        } else {
            Style::new()
        }
    };
    let lines: Vec<Line> = if view.wrap {
        // From the newest back until the area is full; the oldest shown may be cut at
        // the top.
        let mut rows: Vec<Line> = Vec::with_capacity(height);
        for k in (0..end).rev() {
            let Some(event) = view.shown_number(k).and_then(|n| view.line(n)) else {
                continue;
            };
            let hits = hit_chars(event, needle);
            let chars: Vec<char> = event.chars().collect();
            let chunks: Vec<(usize, &[char])> = chars
                .chunks(width)
                .enumerate()
                .map(|(i, c)| (i * width, c))
                .collect();
            for (from, chunk) in chunks.iter().rev() {
                rows.push(Line::from(highlighted(chunk, *from, &hits, style_of(k))));
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
        (end.saturating_sub(height)..end)
            .filter_map(|k| {
                let event = view.line(view.shown_number(k)?)?;
                let skip = view.hscroll as usize;
                let chars: Vec<char> = event.chars().skip(skip).take(width).collect();
                let hits = hit_chars(event, needle);
                let mut line = Line::from(highlighted(&chars, skip, &hits, style_of(k)));
                if Some(k) == selected {
                    line = line.style(t.selected);
                }
                Some(line)
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
    let paste = app.keymap.first_key(Context::Tail, Action::Inspect);
    let fix = format!(
        "Press {paste} to paste its client secret once: it is checked with the data plane and saved (0600) with the others."
    );
    vec![
        Line::raw(why),
        Line::styled(fix, app.theme.key),
        Line::raw(format!("Saved secrets: {}", file.display())),
    ]
}
