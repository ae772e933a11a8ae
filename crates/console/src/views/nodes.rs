//! The `:nodes` popup's rows: one line per live node (its name, marked `*` when it
//! answered last, its address, start, version and event store), then the exporters it
//! runs for this account, wrapped to the pager's width.

use ratatui::text::{Line, Span};
use time::OffsetDateTime;
use time::macros::format_description;

use super::wrap::wrap_line;
use crate::app::App;

/// `YYYY-MM-DD HH:MM UTC` of epoch seconds.
fn started(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
                .ok()
        })
        .map_or_else(|| secs.to_string(), |t| format!("{t} UTC"))
}

pub fn rows(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    if app.nodes.is_empty() {
        return vec![Line::styled("No node listed yet.", t.dim)];
    }
    let mut lines = Vec::new();
    for node in &app.nodes {
        let answered = app.node.as_deref() == Some(node.name.as_str());
        let name = format!("{}{}", node.name, if answered { " *" } else { "" });
        let head = Line::from(vec![
            Span::styled(name, t.title),
            Span::raw(format!(
                "  {}  started {}  v{}  {}",
                node.address,
                started(node.started),
                node.version,
                node.event_store
            )),
        ]);
        lines.extend(wrap_line(&head, width, 2));
        let exporters = if node.exporters.is_empty() {
            "runs none of your exporters".to_string()
        } else {
            format!("runs {}", node.exporters.join(", "))
        };
        lines.extend(wrap_line(
            &Line::styled(format!("  {exporters}"), t.dim),
            width,
            2,
        ));
    }
    lines
}
