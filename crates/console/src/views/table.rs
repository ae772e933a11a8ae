//! The main table (only the visible rows are built) and the detail pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Sparkline, Table, TableState, Wrap};

use crate::app::{App, Tab};
use crate::keymap::{Action, Context};

fn widths(tab: Tab) -> Vec<Constraint> {
    let columns = tab.kind().columns();
    columns.iter().map(|c| Constraint::Fill(c.fill)).collect()
}

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
        title.push_str(note);
    }
    if view.filter.is_empty() {
        title.push_str(&format!(" ({total})"));
    } else {
        title.push_str(&format!(" ({}/{total}) /{}", view.rows.len(), view.filter));
    }
    if let Some((col, desc)) = view.sort {
        let name = app.tab.kind().columns().get(col).map_or("", |c| c.name);
        title.push_str(&format!(" sort:{name}{}", if desc { "↓" } else { "↑" }));
    }
    title.push(' ');
    title
}

pub fn draw_table(frame: &mut Frame, app: &App, area: Rect) {
    app.table_area.set(area);
    let view = app.table();
    let block = Block::bordered().title(Line::styled(title(app), app.theme.title));
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
    let rows = view.rows[offset.min(end)..end]
        .iter()
        .map(|&i| Row::new(app.data.cells(app.tab, i)));
    let header = Row::new(app.tab.kind().columns().iter().map(|c| c.name)).style(app.theme.title);
    let table = Table::new(rows, widths(app.tab))
        .header(header)
        .block(block)
        .row_highlight_style(app.theme.selected)
        .column_spacing(1);
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
            app.tab.kind().empty(&create)
        };
        frame.render_widget(Paragraph::new(text).style(app.theme.dim), inner);
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
    let lines = super::highlight(&app.data.json(app.tab, i), t);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
}
