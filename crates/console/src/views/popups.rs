//! The popup stack, drawn bottom to top: help, error log, forms, confirmations,
//! credentials and the command line. Every popup wraps its text and sizes itself by it;
//! one that does not fit the body takes the whole screen but the hint line, and what
//! still does not fit scrolls (help, error log, forms) or is cut with a note.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::wrap::{ellipsis, wrap_line, wrap_lines};
use crate::app::{App, CommandLine, Confirm, CredentialsView, Pager, PagerKind, Popup, Prompt};
use crate::keymap::{Action, Context};
use crate::update::{commands, suggestions};

/// The help screen's and the credentials popup's widest.
const HELP_WIDTH: u16 = 72;
const BOX_WIDTH: u16 = 76;

pub fn draw(frame: &mut Frame, app: &App, body: Rect, screen: Rect, message: Rect) {
    for (i, popup) in app.popups.iter().enumerate() {
        let top = i + 1 == app.popups.len();
        match popup {
            Popup::Help(pager) => draw_pager(frame, app, screen, pager, PagerKind::Help),
            Popup::ErrorLog(pager) => draw_pager(frame, app, screen, pager, PagerKind::Errors),
            Popup::Nodes(pager) => draw_pager(frame, app, screen, pager, PagerKind::Nodes),
            Popup::Form(form) => super::form::draw(frame, app, body, screen, form, top),
            Popup::Confirm(c) => confirm(frame, app, body, screen, c),
            Popup::Credentials(c) => credentials(frame, app, body, screen, c),
            Popup::Command(c) => command(frame, app, screen, message, c),
            Popup::Tail(view) => super::tail::draw(frame, app, body, view),
            Popup::Xray(view) => super::xray::draw(frame, app, body, view),
            Popup::Pulse(view) => super::pulse::draw(frame, app, body, view),
            Popup::Buckets(view) => super::buckets::draw(frame, app, body, view),
            Popup::Inspector(i) => super::inspector::draw(frame, app, body, i),
            Popup::SaveTail(prompt) => save_prompt(frame, app, body, screen, prompt),
        }
    }
}

/// A `width`×`height` box centred on `body`, or on `screen` when the body is too low;
/// never larger than the screen.
pub fn place(body: Rect, screen: Rect, width: u16, height: u16) -> Rect {
    let room = if height <= body.height && width <= body.width {
        body
    } else {
        screen
    };
    let w = width.min(room.width);
    let h = height.min(room.height);
    Rect {
        x: room.x + (room.width - w) / 2,
        y: room.y + (room.height - h) / 2,
        width: w,
        height: h,
    }
}

pub fn boxed<'a>(title: &str, app: &App) -> Block<'a> {
    Block::bordered().title(Line::styled(format!(" {title} "), app.theme.title))
}

/// A view over the whole body (the tail, the x-ray, the pulse, the buckets, the
/// inspector): cleared, boxed with `title`; answers the room inside.
pub fn view_box(frame: &mut Frame, app: &App, body: Rect, title: &str) -> Rect {
    let block = boxed(title, app);
    let inner = block.inner(body);
    frame.render_widget(Clear, body);
    frame.render_widget(block, body);
    inner
}

/// The pager's box on `screen`.
fn pager_area(screen: Rect, help: bool) -> Rect {
    let width = if help {
        HELP_WIDTH.min(screen.width)
    } else {
        screen.width.saturating_sub(4).max(20).min(screen.width)
    };
    place(screen, screen, width, screen.height)
}

/// The rows of the help screen, the error log or the nodes, wrapped to the width the open
/// pager had when last drawn: the view shows them, `G` and the search count them.
pub fn pager_rows(app: &App, kind: PagerKind) -> Vec<Line<'static>> {
    let width = app
        .popups
        .iter()
        .rev()
        .find_map(|p| p.pager().map(|(_, pager)| pager.width.get()))
        .filter(|&w| w > 0)
        .unwrap_or(HELP_WIDTH - 2) as usize;
    let t = &app.theme;
    let mut lines = Vec::new();
    if kind == PagerKind::Nodes {
        return super::nodes::rows(app, width);
    }
    if kind == PagerKind::Help {
        for context in Context::ALL {
            lines.push(Line::styled(context.title(), t.title));
            for b in app.keymap.bindings(context) {
                let keys = b
                    .keys
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(" ");
                let line = Line::from(vec![
                    Span::styled(format!("  {keys:<16} "), t.key),
                    Span::raw(b.help()),
                ]);
                lines.extend(wrap_line(&line, width, 19));
            }
            lines.push(Line::default());
        }
        lines.push(Line::styled(
            "Commands (:) — with a name: :streams s12, :outputs bart, :tail level0-1, :delete s12",
            t.title,
        ));
        lines.extend(wrap_line(
            &Line::raw(format!("  {}", commands().join(" "))),
            width,
            2,
        ));
        return lines
            .into_iter()
            .flat_map(|l| wrap_line(&l, width, 2))
            .collect();
    }
    if app.errors.is_empty() {
        return vec![Line::styled("Nothing went wrong this session.", t.dim)];
    }
    app.errors
        .iter()
        .flat_map(|e| {
            let line = Line::from(vec![
                Span::styled(format!("{} ", e.at), t.dim),
                Span::raw(e.text.clone()),
            ]);
            wrap_line(&line, width, 9)
        })
        .collect()
}

fn draw_pager(frame: &mut Frame, app: &App, screen: Rect, pager: &Pager, kind: PagerKind) {
    let t = &app.theme;
    let area = pager_area(screen, kind == PagerKind::Help);
    let title = match kind {
        PagerKind::Help => "Help — keys from the live keymap",
        PagerKind::Errors => "Errors this session (UTC)",
        PagerKind::Nodes => "Nodes — * answered last",
    };
    let block = boxed(title, app);
    let inner = block.inner(area);
    pager.width.set(inner.width);
    let search_row = u16::from(pager.typing.is_some() || !pager.query.is_empty());
    let height = inner.height.saturating_sub(search_row);
    pager.height.set(height);
    let rows = pager_rows(app, kind);
    let last = rows.len().saturating_sub(height as usize);
    let scroll = (pager.scroll as usize).min(last);
    let shown: Vec<Line> = rows
        .into_iter()
        .skip(scroll)
        .take(height as usize)
        .map(|row| {
            if !pager.query.is_empty() && row.to_string().to_lowercase().contains(&pager.query) {
                row.patch_style(t.selected)
            } else {
                row
            }
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(shown), Rect { height, ..inner });
    if search_row == 1 {
        let line = match &pager.typing {
            Some(text) => Line::from(vec![
                Span::styled("/", t.key),
                Span::raw(format!("{text}▏")),
            ]),
            None => Line::styled(
                format!(
                    "/{}  {} next match",
                    pager.query,
                    app.keymap.first_key(Context::Pager, Action::SearchNext)
                ),
                t.dim,
            ),
        };
        frame.render_widget(
            Paragraph::new(line),
            Rect {
                y: inner.y + height,
                height: 1,
                ..inner
            },
        );
    }
}

fn buttons(app: &App, c: &Confirm) -> Line<'static> {
    let mut spans = Vec::new();
    let labels =
        std::iter::once("Cancel".to_string()).chain(c.actions.iter().map(|a| a.label.clone()));
    for (i, label) in labels.enumerate() {
        let style = if i == c.selected {
            app.theme.selected
        } else {
            ratatui::style::Style::new()
        };
        spans.push(Span::styled(format!("[ {label} ]"), style));
        spans.push(Span::raw("  "));
    }
    Line::from(spans)
}

fn confirm(frame: &mut Frame, app: &App, body: Rect, screen: Rect, c: &Confirm) {
    let t = &app.theme;
    let width = BOX_WIDTH.min(screen.width);
    let inner_width = width.saturating_sub(2) as usize;
    let lines: Vec<Line> = c.lines.iter().map(|l| Line::raw(l.clone())).collect();
    let mut text = wrap_lines(&lines, inner_width);
    // What must always show: the name to type, the problem and the buttons.
    let mut end = vec![Line::default()];
    if let Some(name) = &c.type_name {
        end.push(Line::from(vec![
            Span::raw(format!("Type {name} to confirm: ")),
            Span::styled(format!("{}▏", c.typed), t.key),
        ]));
    }
    if let Some(p) = &c.problem {
        end.extend(wrap_line(&Line::styled(p.clone(), t.error), inner_width, 0));
    }
    end.push(Line::default());
    end.extend(wrap_line(&buttons(app, c), inner_width, 0));
    let room = screen.height.saturating_sub(2) as usize;
    if text.len() + end.len() > room {
        let keep = room.saturating_sub(end.len() + 1);
        let cut = text.len() - keep;
        text.truncate(keep);
        text.push(Line::styled(
            format!("… {cut} more rows (esc, then fewer marks)"),
            t.dim,
        ));
    }
    text.extend(end);
    let area = place(body, screen, width, text.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(text).block(boxed(&c.title, app)), area);
}

fn credentials(frame: &mut Frame, app: &App, body: Rect, screen: Rect, c: &CredentialsView) {
    let t = &app.theme;
    let secret = match (&c.client_secret, c.revealed) {
        (Some(s), true) => Span::styled(s.clone(), t.key),
        (Some(s), false) => Span::raw("•".repeat(s.chars().count())),
        (None, _) if c.loading.is_some() => Span::styled("looking it up…", t.dim),
        (None, _) => Span::styled("not saved by this console", t.dim),
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("   billingId  ", t.title),
            Span::raw(c.billing_id.clone()),
        ]),
        Line::from(vec![
            Span::styled("    clientId  ", t.title),
            Span::raw(c.client_id.clone()),
        ]),
        Line::from(vec![Span::styled("clientSecret  ", t.title), secret]),
        Line::default(),
    ];
    if c.just_created {
        lines.push(Line::styled(
            "The API shows the secret only now; this console saved it (0600) for later copies.",
            t.warning,
        ));
        lines.push(Line::default());
    }
    let hints: Vec<Span> = app
        .keymap
        .hints(Context::Credentials)
        .into_iter()
        .flat_map(|(k, h)| [Span::styled(k, t.key), Span::raw(format!(" {h}  "))])
        .collect();
    lines.push(Line::from(hints));
    let width = BOX_WIDTH.min(screen.width);
    let rows: Vec<Line> = lines
        .iter()
        .flat_map(|l| wrap_line(l, width.saturating_sub(2) as usize, 14))
        .collect();
    let area = place(body, screen, width, rows.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(rows).block(boxed(&format!("Credentials of {}", c.name), app)),
        area,
    );
}

fn command(frame: &mut Frame, app: &App, screen: Rect, message: Rect, c: &CommandLine) {
    let t = &app.theme;
    let width = message.width as usize;
    let input = Line::from(vec![
        Span::styled(":", t.key),
        Span::raw(format!("{}▏", c.text)),
    ]);
    let second = match &c.problem {
        Some(p) => wrap_line(&Line::styled(p.clone(), t.error), width, 0),
        None => {
            // As many of the fitting commands or names as one row holds.
            let all = suggestions(app, &c.text);
            let mut row = String::new();
            for (i, s) in all.iter().enumerate() {
                if row.len() + s.len() + 2 > width {
                    row.push_str(&format!("… {} more", all.len() - i));
                    break;
                }
                row.push_str(s);
                row.push_str("  ");
            }
            vec![Line::styled(ellipsis(row.trim_end(), width), t.dim)]
        }
    };
    let height = (2 + second.len() as u16).min(screen.height);
    let bottom = message.y + message.height;
    let area = Rect {
        y: bottom.saturating_sub(height).max(screen.y),
        height,
        ..message
    };
    let mut lines = vec![input];
    lines.extend(second);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::TOP)),
        area,
    );
}

/// The file name a tail is saved to, with what went wrong the last time.
fn save_prompt(frame: &mut Frame, app: &App, body: Rect, screen: Rect, p: &Prompt) {
    let t = &app.theme;
    let keys = &app.keymap;
    let mut lines = vec![
        Line::raw(format!("{}▏", p.text)),
        Line::styled(
            "A new file readable only by you (0600); a name without a directory is in the current one.",
            t.dim,
        ),
    ];
    if let Some(problem) = &p.problem {
        lines.push(Line::styled(problem.clone(), t.error));
    }
    lines.push(Line::styled(
        format!(
            "{} saves · {} cancels",
            keys.first_key(Context::Prompt, Action::Submit),
            keys.first_key(Context::Prompt, Action::Cancel)
        ),
        t.dim,
    ));
    let width = BOX_WIDTH.min(screen.width);
    let text = wrap_lines(&lines, width.saturating_sub(2) as usize);
    let area = place(body, screen, width, text.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(text).block(boxed(&p.title, app)), area);
}
