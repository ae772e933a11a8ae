//! Drawing. Pure functions of `App`: header, tabs, the table with its detail pane, the
//! message and hint lines, then the popup stack on top.

mod buckets;
mod form;
mod inspector;
pub(crate) mod json;
mod nodes;
mod popups;
mod pulse;
mod table;
mod tail;
pub mod wrap;
mod xray;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};

use super::app::{App, Conn, Level, Popup, Tab};
use super::keymap::{Action, Context};
use super::update::context_of;

pub use json::highlight;
pub use popups::pager_rows;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;
/// The message line grows to show a long message whole, up to this many rows.
const MESSAGE_ROWS: usize = 4;
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "Terminal too small: {}×{}; strm-tui needs {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let mut message_lines = wrap::wrap_line(&message_line(app), area.width as usize, 1);
    if message_lines.len() > MESSAGE_ROWS {
        message_lines.truncate(MESSAGE_ROWS);
        if let Some(last) = message_lines.last_mut() {
            let text = wrap::ellipsis(&last.to_string(), area.width as usize - 1);
            *last = Line::styled(format!("{text}…"), last.style);
        }
    }
    let [header, tabs, body, message, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(message_lines.len().max(1) as u16),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, app, header);
    draw_tabs(frame, app, tabs);
    let [list, detail] = if body.width >= 110 {
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body)
    } else {
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body)
    };
    table::draw_table(frame, app, list);
    table::draw_detail(frame, app, detail);
    frame.render_widget(Paragraph::new(message_lines), message);
    draw_hints(frame, app, hints);
    // Popups center on the body, or on the whole screen but the hint line when the
    // body is too low for them (a small terminal).
    let screen = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    popups::draw(frame, app, body, screen, message);
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    // Narrow terminals keep what matters: badges, host, account and token.
    let compact = area.width < 100;
    let mut spans = if compact {
        vec![Span::raw(" ")]
    } else {
        vec![Span::styled(" strm-tui ", t.title)]
    };
    if app.local {
        spans.push(Span::styled(" LOCAL ", t.badge));
        spans.push(Span::raw(" "));
    }
    if app.read_only {
        spans.push(Span::styled(" READ-ONLY ", t.badge));
        spans.push(Span::raw(" "));
    }
    if let Some(url) = &app.api_url {
        let shown = if compact {
            url.split_once("://").map_or(url.as_str(), |(_, rest)| rest)
        } else {
            url.as_str()
        };
        spans.push(Span::raw(shown.to_string()));
    }
    if let Some(node) = &app.node {
        spans.push(Span::styled(format!("  node {node}"), t.dim));
    }
    match app.conn {
        Conn::Connecting => spans.push(Span::styled("  connecting…", t.dim)),
        Conn::Offline { .. } => {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(" OFFLINE ", t.badge.patch(t.error)));
        }
        Conn::Online => {}
    }
    if let Some(s) = &app.session {
        spans.push(Span::raw(format!("  {}  {}  ", s.email, s.billing_id)));
        let left = s.expires_at - app.epoch;
        if left > 0 {
            spans.push(Span::styled(format!("token {}m", (left + 59) / 60), t.dim));
        } else {
            spans.push(Span::styled("token expired", t.warning));
        }
    } else if app.conn == Conn::Online {
        spans.push(Span::styled("  not logged in", t.warning));
    }
    let spinner = if app.busy() {
        SPINNER[app.spinner % SPINNER.len()].to_string()
    } else {
        String::new()
    };
    let [left, right] = Layout::horizontal([Constraint::Min(1), Constraint::Length(2)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    frame.render_widget(Paragraph::new(spinner), right);
}

/// The tab bar's titles and whether they get a space after them: whole titles when
/// they fit, else short ones, tighter, else only the selected tab's short title and
/// the others' numbers.
fn tab_titles(app: &App, width: u16) -> (Vec<String>, bool) {
    // A space before each title (and after, when `roomy`) and a divider between them.
    let fits = |titles: &[String], roomy: bool| {
        let pad = if roomy { 3 } else { 2 };
        titles
            .iter()
            .map(|t| t.chars().count() + pad)
            .sum::<usize>()
            <= width as usize
    };
    let numbered = |title: &dyn Fn(Tab) -> String| -> Vec<String> {
        Tab::ALL
            .iter()
            .enumerate()
            .map(|(i, tab)| format!("{} {}", i + 1, title(*tab)))
            .collect()
    };
    let whole = numbered(&|tab| tab.title().to_string());
    if fits(&whole, true) {
        return (whole, true);
    }
    let short = numbered(&|tab| tab.kind().short_title().to_string());
    if fits(&short, false) {
        return (short, false);
    }
    let numbers = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, tab)| match *tab == app.tab {
            true => format!("{} {}", i + 1, tab.kind().short_title()),
            false => (i + 1).to_string(),
        })
        .collect();
    (numbers, true)
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let (titles, roomy) = tab_titles(app, area.width);
    let tabs = Tabs::new(titles)
        .padding(" ", if roomy { " " } else { "" })
        .select(app.tab.index())
        .highlight_style(app.theme.selected)
        .divider("│");
    frame.render_widget(tabs, area);
}

/// The line above the hints: the filter being typed, or the latest message.
fn message_line(app: &App) -> Line<'static> {
    let t = &app.theme;
    let tail_filter = app
        .tail()
        .filter(|v| v.filter_editing && matches!(app.popups.last(), Some(Popup::Tail(_))))
        .map(|v| v.filter.text.as_str());
    if app.filter_editing || tail_filter.is_some() {
        let keys = &app.keymap;
        let searched = match tail_filter {
            Some(_) => "the events' JSON (case ignored)".to_string(),
            None => {
                let columns: Vec<&str> = app.tab.kind().columns().iter().map(|c| c.name).collect();
                columns.join(", ")
            }
        };
        Line::from(vec![
            Span::styled(" filter: ", t.key),
            Span::raw(format!("{}▏", tail_filter.unwrap_or(&app.table().filter))),
            Span::styled(
                format!(
                    "  {} keeps · {} clears · matches {}",
                    keys.first_key(Context::Filter, Action::Submit),
                    keys.first_key(Context::Filter, Action::Cancel),
                    searched
                ),
                t.dim,
            ),
        ])
    } else if let Some(f) = &app.flash {
        let style = match f.level {
            Level::Info => t.info,
            Level::Warning => t.warning,
            Level::Error => t.error,
        };
        Line::from(Span::styled(format!(" {}", f.text), style))
    } else {
        Line::default()
    }
}

/// The hints that fit in `width`, whole: a cut-off hint says nothing.
fn hint_line(pairs: &[(String, &str)], t: &super::theme::Theme, width: u16) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, help) in pairs {
        let text = format!(" {help}  ");
        let len = key.chars().count() + text.chars().count();
        if used + len - 2 > width as usize {
            break;
        }
        used += len;
        spans.push(Span::styled(key.clone(), t.key));
        spans.push(Span::raw(text));
    }
    Line::from(spans)
}

fn draw_hints(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let context = match app.popups.last() {
        Some(Popup::Tail(v)) if v.filter_editing => Context::Filter,
        top => top.map_or(Context::Main, context_of),
    };
    let top = app.popups.last();
    let keep = |a: Action| match (a, top) {
        // Read-only: no hints for what the worker refuses.
        (Action::Create | Action::Delete, None) => !app.read_only,
        // Enter pastes a secret in a tail that has none, and inspects in one that has.
        (Action::Inspect, Some(Popup::Tail(view))) => {
            !matches!(view.state, crate::tail::TailState::NoSecret { .. })
        }
        // n/N only with a filter.
        (Action::NextMatch | Action::PrevMatch, Some(Popup::Tail(view))) => view.filter.is_active(),
        // `y` only where no name is to be typed.
        (Action::Confirm, Some(Popup::Confirm(c))) => c.type_name.is_none(),
        // ←/→ only while a choice has the focus.
        (Action::PrevChoice | Action::NextChoice, Some(Popup::Form(f))) => f
            .fields()
            .get(f.focus)
            .is_some_and(|field| field.is_choice()),
        _ => true,
    };
    let mut pairs = app.keymap.hints_where(context, keep);
    // Without a saved secret the tail's inspect key pastes one: said before `close`.
    if let Some(Popup::Tail(view)) = top
        && matches!(view.state, crate::tail::TailState::NoSecret { .. })
        && context == Context::Tail
    {
        let at = pairs.len().saturating_sub(1);
        let paste = app.keymap.first_key(Context::Tail, Action::Inspect);
        pairs.insert(at, (paste, "paste secret"));
    }
    frame.render_widget(
        Paragraph::new(hint_line(&pairs, t, area.width)).style(Style::new()),
        area,
    );
}
