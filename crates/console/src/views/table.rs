//! The main table (only the visible rows are built) and the detail pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

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
        title.push_str(&note);
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

pub fn draw_detail(frame: &mut Frame, app: &App, area: Rect) {
    let block = Block::bordered().title(Line::styled(" Detail ", app.theme.title));
    let lines = match app.selected_index() {
        Some(i) => match app.tab.kind().detail(&app.data, i) {
            Some(text) => text.into_iter().map(Line::from).collect(),
            None => super::highlight(&app.data.json(app.tab, i), &app.theme),
        },
        None => vec![Line::styled("Nothing selected", app.theme.dim)],
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
