//! The main table (only the visible rows are built) and the detail pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Sparkline, Table, TableState};

use super::wrap::{ellipsis, wrap_line};
use crate::app::{App, Tab};
use crate::keymap::{Action, Context};

/// Columns between cells.
const SPACING: u16 = 1;
/// What a marked row's first cell starts with.
pub const MARK: &str = "● ";

/// Each column's width in `inner`, as the table lays them out.
fn widths(tab: Tab, inner: Rect) -> Vec<u16> {
    let constraints = tab
        .kind()
        .columns()
        .iter()
        .map(|c| Constraint::Fill(c.fill));
    Layout::horizontal(constraints)
        .spacing(SPACING)
        .split(inner)
        .iter()
        .map(|r| r.width)
        .collect()
}

/// ` Streams (12/2001) `: the selected row's position among those shown, the filter
/// and its matches among all, and how many rows are marked.
pub fn title(app: &App) -> String {
    let view = app.table();
    let mut title = String::from(" ");
    match (&app.scope, app.tab.scoped()) {
        (Some(stream), true) => {
            title.push_str(&format!("Streams › {stream} › {}", app.tab.title()))
        }
        _ => title.push_str(app.tab.title()),
    }
    let total = if app.tab.scoped() && app.scope.is_some() {
        (0..app.data.len(app.tab))
            .filter(|&i| {
                app.data
                    .in_scope(app.tab, i, app.scope.as_deref().unwrap_or_default())
            })
            .count()
    } else {
        app.data.len(app.tab)
    };
    if let Some(note) = app.tab.kind().title_note(&app.data, app.scope.as_deref()) {
        title.push_str(&note);
    }
    let shown = view.rows.len();
    let position = if shown == 0 {
        "0".to_string()
    } else {
        format!("{}/{shown}", view.selected + 1)
    };
    if view.filter.is_empty() {
        title.push_str(&format!(" ({position})"));
    } else {
        title.push_str(&format!(" ({position} of {total}) /{}", view.filter));
    }
    let marked = app.marked_indices().len();
    if marked > 0 {
        title.push_str(&format!(" · {marked} marked"));
    }
    title.push(' ');
    title
}

pub fn draw_table(frame: &mut Frame, app: &App, area: Rect) {
    app.table_area.set(area);
    let view = app.table();
    let t = &app.theme;
    let block = Block::bordered().title(Line::styled(title(app), t.title));
    let inner = block.inner(area);
    let height = area.height.saturating_sub(3) as usize;
    // Keep the selected row in sight, scrolling as little as possible.
    let mut offset = view.offset.get();
    if view.selected < offset {
        offset = view.selected;
    } else if height > 0 && view.selected >= offset + height {
        offset = view.selected + 1 - height;
    }
    offset = offset.min(view.rows.len().saturating_sub(height.max(1)));
    view.offset.set(offset);
    let end = (offset + height).min(view.rows.len());
    let widths = widths(app.tab, inner);
    let kind = app.tab.kind();
    // Cells are cut to their column here, so that a cut value ends in `…`.
    let fit = |cells: Vec<String>| -> Row<'static> {
        Row::new(
            cells
                .iter()
                .zip(&widths)
                .map(|(c, &w)| ellipsis(c, w as usize))
                .collect::<Vec<_>>(),
        )
    };
    let rows = view.rows[offset.min(end)..end].iter().map(|&i| {
        let mut cells = app.data.cells(app.tab, i);
        if !view.marked.is_empty() && view.marked.contains(&app.data.key(app.tab, i)) {
            cells[0] = format!("{MARK}{}", cells[0]);
        }
        fit(cells)
    });
    let header: Vec<String> = kind
        .columns()
        .iter()
        .enumerate()
        .map(|(c, col)| match view.sort {
            Some((s, desc)) if s == c => format!("{} {}", col.name, if desc { "↓" } else { "↑" }),
            _ => col.name.to_string(),
        })
        .collect();
    let table = Table::new(rows, widths.iter().map(|&w| Constraint::Length(w)))
        .header(fit(header).style(t.title))
        .block(block)
        .row_highlight_style(t.selected)
        .column_spacing(SPACING);
    let mut state = TableState::default();
    if !view.rows.is_empty() {
        state.select(Some(view.selected - offset));
    }
    frame.render_stateful_widget(table, area, &mut state);
    if view.rows.is_empty() {
        let inner = Rect {
            y: area.y + 2,
            height: area.height.saturating_sub(3),
            x: area.x + 2,
            width: area.width.saturating_sub(4),
        };
        let text = if !view.filter.is_empty() {
            format!("Nothing matches /{}", view.filter)
        } else if app.read_only {
            format!("No {} yet", app.tab.title().to_lowercase())
        } else {
            let create = app.keymap.first_key(Context::Main, Action::Create);
            kind.empty(&create)
        };
        let lines = wrap_line(&Line::raw(text), inner.width as usize, 0);
        frame.render_widget(Paragraph::new(lines).style(t.dim), inner);
    }
}

/// The name whose usage the detail pane charts: the selected stream or output.
fn counted_name(app: &App, i: usize) -> Option<&str> {
    match app.tab {
        Tab::Streams => app.data.streams.get(i).map(|s| s.name.as_str()),
        Tab::Outputs => app.data.outputs.get(i).map(|o| o.name.as_str()),
        _ => None,
    }
}

/// The selected resource as JSON, a long value wrapping under its key; for a stream or
/// an output, its counts of the last minutes above it.
pub fn draw_detail(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let block = Block::bordered().title(Line::styled(" Detail ", t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(i) = app.selected_index() else {
        frame.render_widget(
            Paragraph::new(Line::styled("Nothing selected", t.dim)),
            inner,
        );
        return;
    };
    let mut rest = inner;
    let counts = counted_name(app, i).map(|n| (n, app.data.observed.counts(n)));
    if let Some((name, counts)) = counts
        && !counts.is_empty()
        && inner.height > 6
    {
        let [head, spark, below] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(2),
            Constraint::Min(1),
        ])
        .areas(inner);
        let [rate, last] = app.data.observed.cells(name);
        let total: u64 = counts.iter().sum();
        let last = match last.as_str() {
            "none" => "no event kept".to_string(),
            age => format!("last {age} ago"),
        };
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("{total} in 10 min · {rate}/s (last minute) · {last}"),
                t.dim,
            )),
            head,
        );
        // The newest windows that fit, one bar each.
        let shown = &counts[counts.len().saturating_sub(spark.width as usize)..];
        frame.render_widget(Sparkline::default().data(shown).style(t.info), spark);
        rest = below;
    }
    let width = rest.width as usize;
    // A kind with its own detail text (a contract's field tree) shows it; the rest, JSON.
    let lines = match app.tab.kind().detail(&app.data, i) {
        Some(text) => text.into_iter().map(Line::from).collect(),
        None => super::highlight(&app.data.json(app.tab, i), t),
    };
    let lines: Vec<Line> = lines
        .iter()
        .flat_map(|l| {
            let indent = l.to_string().chars().take_while(|c| *c == ' ').count();
            wrap_line(l, width, indent + 2)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), rest);
}
