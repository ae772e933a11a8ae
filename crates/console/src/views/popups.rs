//! The popup stack, drawn bottom to top: help, error log, forms, confirmations,
//! credentials and the command line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::{App, CommandLine, Confirm, CredentialsView, Popup, Prompt};
use crate::forms::{Form, Input};
use crate::keymap::{Action, Context};
use crate::update::commands;

pub fn draw(frame: &mut Frame, app: &App, body: Rect, message: Rect) {
    for (i, popup) in app.popups.iter().enumerate() {
        let top = i + 1 == app.popups.len();
        match popup {
            Popup::Help { scroll } => help(frame, app, body, *scroll),
            Popup::ErrorLog { scroll } => error_log(frame, app, body, *scroll),
            Popup::Form(form) => draw_form(frame, app, body, form, top),
            Popup::Confirm(c) => confirm(frame, app, body, c),
            Popup::Credentials(c) => credentials(frame, app, body, c),
            Popup::Command(c) => command(frame, app, message, c),
            Popup::Tail(view) => super::tail::draw(frame, app, body, view),
            Popup::Xray(view) => super::xray::draw(frame, app, body, view),
            Popup::Pulse(view) => super::pulse::draw(frame, app, body, view),
            Popup::Buckets(view) => super::buckets::draw(frame, app, body, view),
            Popup::Inspector(i) => super::inspector::draw(frame, app, body, i),
            Popup::SaveTail(prompt) => save_prompt(frame, app, body, prompt),
        }
    }
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn boxed<'a>(title: &str, app: &App) -> Block<'a> {
    Block::bordered().title(Line::styled(format!(" {title} "), app.theme.title))
}

fn help(frame: &mut Frame, app: &App, body: Rect, scroll: u16) {
    let t = &app.theme;
    let mut lines = Vec::new();
    for context in Context::ALL {
        lines.push(Line::styled(context.title(), t.title));
        for b in app.keymap.bindings(context) {
            let keys = b
                .keys
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<16}"), t.key),
                Span::raw(b.help()),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::styled("Commands (:)", t.title));
    lines.push(Line::raw(format!("  {}", commands().join(" "))));
    let area = centered(body, 64, body.height);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(boxed("Help — keys from the live keymap", app))
            .scroll((scroll, 0)),
        area,
    );
}

fn error_log(frame: &mut Frame, app: &App, body: Rect, scroll: u16) {
    let lines: Vec<Line> = if app.errors.is_empty() {
        vec![Line::styled(
            "Nothing went wrong this session.",
            app.theme.dim,
        )]
    } else {
        app.errors
            .iter()
            .map(|e| {
                Line::from(vec![
                    Span::styled(format!("{} ", e.at), app.theme.dim),
                    Span::raw(e.text.clone()),
                ])
            })
            .collect()
    };
    let area = centered(body, body.width.saturating_sub(4), body.height);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(boxed("Errors this session (UTC)", app))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}

const LABEL_WIDTH: u16 = 19;

/// Rows under a field for its message: errors wrap over up to three lines.
fn message_rows(form: &Form, i: usize, width: u16) -> u16 {
    match &form.fields()[i].error {
        Some(e) if form.shows_error(i) => {
            let len = e.chars().count() as u16 + 2;
            len.div_ceil(width.max(1)).clamp(1, 3)
        }
        _ => 1,
    }
}

fn draw_form(frame: &mut Frame, app: &App, body: Rect, form: &Form, top: bool) {
    let t = &app.theme;
    let width = 76.min(body.width);
    let message_width = width.saturating_sub(2 + LABEL_WIDTH);
    let fields = form.fields();
    let heights: Vec<u16> = (0..fields.len())
        .map(|i| 1 + message_rows(form, i, message_width))
        .collect();
    let extra = if form.server_error.is_some() { 3 } else { 0 };
    let height = heights.iter().sum::<u16>() + 3 + extra;
    let area = centered(body, width, height);
    frame.render_widget(Clear, area);
    let title = if form.pending.is_some() {
        format!("{} — sending…", form.title())
    } else {
        form.title().to_string()
    };
    let block = boxed(&title, app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut rows: Vec<Constraint> = heights.iter().map(|&h| Constraint::Length(h)).collect();
    if form.server_error.is_some() {
        rows.insert(0, Constraint::Length(3));
    }
    rows.push(Constraint::Min(1));
    let areas = Layout::vertical(rows).split(inner);
    let mut areas = areas.iter().copied();
    if let Some(err) = &form.server_error {
        let a = areas.next().unwrap_or_default();
        frame.render_widget(
            Paragraph::new(Line::styled(format!("Server: {err}"), t.error))
                .wrap(Wrap { trim: true }),
            a,
        );
    }
    for (i, field) in fields.iter().enumerate() {
        let a = areas.next().unwrap_or_default();
        let [input_row, message_row] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(a);
        let [label, value] =
            Layout::horizontal([Constraint::Length(LABEL_WIDTH), Constraint::Min(1)])
                .areas(input_row);
        let focused = top && i == form.focus;
        let label_style = if focused { t.selected } else { t.title };
        frame.render_widget(
            Paragraph::new(Span::styled(format!("{:>17} ", field.label), label_style)),
            label,
        );
        match &field.input {
            Input::Text(area) if focused => frame.render_widget(area.as_ref(), value),
            Input::Text(_) => {
                let text = field.value();
                let shown = if field.is_secret() {
                    "•".repeat(text.chars().count())
                } else {
                    text
                };
                frame.render_widget(Paragraph::new(shown), value);
            }
            Input::Choice { options, index } => {
                let v = options.get(*index).cloned().unwrap_or_default();
                let style = if focused {
                    t.selected
                } else {
                    ratatui::style::Style::new()
                };
                frame.render_widget(
                    Paragraph::new(Span::styled(format!("◀ {v} ▶"), style)),
                    value,
                );
            }
        }
        let [_, msg] = Layout::horizontal([Constraint::Length(LABEL_WIDTH), Constraint::Min(1)])
            .areas(message_row);
        let line = match &field.error {
            Some(e) if form.shows_error(i) => Line::styled(format!("✗ {e}"), t.error),
            _ if focused && !field.help.is_empty() => Line::styled(field.help, t.dim),
            _ => Line::default(),
        };
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), msg);
    }
    if let Some(a) = areas.next() {
        let status = if form.submitted && !form.is_valid() {
            Line::styled("Fix the fields marked ✗ to submit", t.warning)
        } else {
            let keys = &app.keymap;
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

fn buttons(app: &App, c: &Confirm) -> Line<'static> {
    let mut spans = Vec::new();
    let labels =
        std::iter::once("Cancel".to_string()).chain(c.actions.iter().map(|(l, _)| l.clone()));
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

fn confirm(frame: &mut Frame, app: &App, body: Rect, c: &Confirm) {
    let t = &app.theme;
    let mut lines: Vec<Line> = c.lines.iter().map(|l| Line::raw(l.clone())).collect();
    lines.push(Line::default());
    if let Some(name) = &c.type_name {
        lines.push(Line::from(vec![
            Span::raw(format!("Type {name} to confirm: ")),
            Span::styled(format!("{}▏", c.typed), t.key),
        ]));
    }
    if let Some(p) = &c.problem {
        lines.push(Line::styled(p.clone(), t.error));
    }
    lines.push(Line::default());
    lines.push(buttons(app, c));
    let area = centered(body, 70, lines.len() as u16 + 4);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(boxed(&c.title, app))
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn credentials(frame: &mut Frame, app: &App, body: Rect, c: &CredentialsView) {
    let t = &app.theme;
    let secret = match (&c.client_secret, c.revealed) {
        (Some(s), true) => Span::styled(s.clone(), t.key),
        (Some(s), false) => Span::raw("•".repeat(s.chars().count())),
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
    let area = centered(body, 76, lines.len() as u16 + 3);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(boxed(&format!("Credentials of {}", c.name), app))
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn command(frame: &mut Frame, app: &App, message: Rect, c: &CommandLine) {
    let t = &app.theme;
    let matches: Vec<&str> = commands()
        .into_iter()
        .filter(|m| m.starts_with(c.text.as_str()))
        .collect();
    let second = match &c.problem {
        Some(p) => Line::styled(p.clone(), t.error),
        None => Line::styled(matches.join("  "), t.dim),
    };
    let area = Rect {
        y: message.y.saturating_sub(2),
        height: 3,
        ..message
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(":", t.key),
                Span::raw(format!("{}▏", c.text)),
            ]),
            second,
        ])
        .block(Block::new().borders(ratatui::widgets::Borders::TOP)),
        area,
    );
}

/// The file name a tail is saved to, with what went wrong the last time.
fn save_prompt(frame: &mut Frame, app: &App, body: Rect, p: &Prompt) {
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
    let width = 76.min(body.width);
    let area = centered(body, width, lines.len() as u16 + 4);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(boxed(&p.title, app))
            .wrap(Wrap { trim: false }),
        area,
    );
}
