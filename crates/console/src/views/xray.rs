//! `:xray`: the tree of the account with live rates and exporter states. Only the
//! rows in view are laid out; the rows themselves are built outside `draw`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::observe::xray::{Node, XrayView};
use strm_model::ExporterState;

pub fn draw(frame: &mut Frame, app: &App, body: Rect, view: &XrayView) {
    let t = &app.theme;
    let inner = super::popups::view_box(
        frame,
        app,
        body,
        "X-ray — stream → outputs → exporters → sinks",
    );
    let [summary, list] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);

    let failing = view.failing;
    let mut spans = vec![Span::styled(
        format!(
            "{} streams · {} exporters · rates in events/s over the last minute",
            app.data.streams.len(),
            app.data.exporters.len()
        ),
        t.dim,
    )];
    if failing > 0 {
        spans.push(Span::styled(format!("  ✗ {failing} FAILING"), t.error));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), summary);

    if view.rows.is_empty() {
        let text = if app.data.streams.is_empty() {
            "No streams yet: create one (1, n) or run `strm-tui demo`"
        } else {
            "Loading…"
        };
        frame.render_widget(Paragraph::new(text).style(t.dim), list);
        return;
    }
    let height = list.height as usize;
    let mut offset = view.offset.get();
    if view.selected < offset {
        offset = view.selected;
    } else if height > 0 && view.selected >= offset + height {
        offset = view.selected + 1 - height;
    }
    view.offset.set(offset);
    let label_width = view.label_width.min(list.width as usize / 2);
    let lines: Vec<Line> = view
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, row)| {
            let name_style = match row.node {
                Node::Stream(_) => t.title,
                _ => Style::new(),
            };
            let fold = if row.collapsed { " ▸" } else { "" };
            let used = row.branch.chars().count() + row.label.chars().count() + fold.len();
            let pad = label_width.saturating_sub(used) + 2;
            let info_style = match row.state {
                Some(ExporterState::Failing) => t.error,
                Some(ExporterState::Idle) => t.dim,
                Some(ExporterState::Running) => t.info,
                None => Style::new(),
            };
            let mut line = Line::from(vec![
                Span::styled(row.branch.clone(), t.dim),
                Span::styled(row.label.clone(), name_style),
                Span::styled(fold, t.dim),
                Span::raw(" ".repeat(pad)),
                Span::styled(format!("{:<9}", row.node.kind()), t.dim),
                Span::styled(row.info.clone(), info_style),
            ]);
            if i == view.selected {
                line = line.style(t.selected);
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}
