//! The event inspector: where the event is from, then its pretty JSON with each
//! personal-data field marked and each `strmMeta` field explained (lines built outside
//! `draw`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::observe::inspector::Inspector;

pub fn draw(frame: &mut Frame, app: &App, body: Rect, i: &Inspector) {
    let t = &app.theme;
    let inner = super::popups::view_box(frame, app, body, "Event inspector");
    let header = i.header(t);
    let rows = header
        .iter()
        .map(|l| (l.width() as u16).div_ceil(inner.width.max(1)).max(1))
        .sum::<u16>()
        + 1;
    let [top, rest] = Layout::vertical([Constraint::Length(rows), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(header).wrap(Wrap { trim: true }), top);
    frame.render_widget(
        Paragraph::new(i.lines.clone())
            .wrap(Wrap { trim: false })
            .scroll((i.scroll, 0)),
        rest,
    );
}
