//! `:pulse`: events per second in and out over the last minutes as a chart, each
//! stream's and output's rate with a sparkline, and the exporters (failing ones first,
//! in colour and in words). Only visible rows are laid out.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph};

use crate::app::App;
use crate::observe::pulse::{PulseView, exporters};
use crate::observe::{format_age, format_rate, spark_text};
use strm_model::ExporterState;

pub fn draw(frame: &mut Frame, app: &App, body: Rect, view: &PulseView) {
    let t = &app.theme;
    let observed = &app.data.observed;
    let inner = super::popups::view_box(
        frame,
        app,
        body,
        "Pulse — events per second, last 10 minutes in 10 s windows",
    );
    let statuses = exporters(observed);
    let chart_h = (inner.height * 2 / 5).max(5);
    let exporters_h = (statuses.len() as u16 + 2).min(inner.height / 4).max(3);
    let [chart, list, exp] = Layout::vertical([
        Constraint::Length(chart_h),
        Constraint::Min(3),
        Constraint::Length(exporters_h),
    ])
    .areas(inner);

    if observed.unsupported {
        let text = "This API has no usage counts (the local server has them).";
        frame.render_widget(Paragraph::new(text).style(t.warning), chart);
    } else if observed.usage.is_none() {
        frame.render_widget(Paragraph::new("Reading usage…").style(t.dim), chart);
    } else {
        draw_chart(frame, app, chart);
    }
    draw_rates(frame, app, list, view);
    draw_exporters(frame, app, exp, &statuses);
}

fn points(rates: &[f64]) -> Vec<(f64, f64)> {
    let n = rates.len();
    rates
        .iter()
        .enumerate()
        .map(|(i, &r)| ((i as f64 - n as f64 + 1.0) * 10.0, r))
        .collect()
}

fn draw_chart(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let observed = &app.data.observed;
    let ins = points(observed.totals(false));
    let outs = points(observed.totals(true));
    let max = ins
        .iter()
        .chain(&outs)
        .map(|p| p.1)
        .fold(0.0f64, f64::max)
        .max(1.0);
    let now_in = ins.last().map_or(0.0, |p| p.1);
    let now_out = outs.last().map_or(0.0, |p| p.1);
    let line = |name: String, marker, style, data| {
        Dataset::default()
            .name(name)
            .marker(marker)
            .graph_type(GraphType::Line)
            .style(style)
            .data(data)
    };
    let datasets = vec![
        line(
            format!("in: accepted ⠒ {}/s", format_rate(now_in)),
            Marker::Braille,
            t.info,
            &ins,
        ),
        line(
            format!("out: delivered • {}/s", format_rate(now_out)),
            Marker::Dot,
            t.warning,
            &outs,
        ),
    ];
    let span = ins.len().max(2) as f64 * 10.0 - 10.0;
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([-span, 0.0])
                .labels([format!("-{}m", (span / 60.0).round()), "now".to_string()])
                .style(t.dim),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, max * 1.1])
                .labels(["0".to_string(), format_rate(max)])
                .style(t.dim),
        )
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Percentage(60), Constraint::Percentage(60)));
    frame.render_widget(chart, area);
}

fn draw_rates(frame: &mut Frame, app: &App, area: Rect, view: &PulseView) {
    let t = &app.theme;
    let observed = &app.data.observed;
    let all = observed.all();
    let block = Block::new().borders(Borders::TOP).title(Line::styled(
        format!(" Streams and outputs ({}) ", all.len()),
        t.title,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = inner.height.saturating_sub(1) as usize;
    view.page.set(rows);
    let name_w = 24.min(inner.width as usize / 3);
    let spark_w = (inner.width as usize).saturating_sub(name_w + 24).max(1);
    let mut lines = vec![Line::styled(
        format!(
            "{:<name_w$} {:<6} {:>6} {:>6}  last 10 min",
            "NAME", "KIND", "EV/S", "LAST"
        ),
        t.title,
    )];
    lines.extend(all.iter().skip(view.scroll).take(rows).map(|s| {
        let name = s.name();
        let [rate, last] = observed.cells(name);
        let (label, kind) = match &s.output {
            Some(o) => (format!("  {o}"), "output"),
            None => (s.stream.clone(), "stream"),
        };
        let label: String = label.chars().take(name_w).collect();
        Line::from(vec![
            Span::raw(format!("{label:<name_w$} {kind:<6} {rate:>6} {last:>6}  ")),
            // Right-aligned: now is at the right edge, as in the chart.
            Span::styled(
                format!("{:>spark_w$}", spark_text(observed.counts(name), spark_w)),
                t.info,
            ),
        ])
    }));
    if all.is_empty() {
        lines.push(Line::styled("No streams yet", t.dim));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_exporters(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    statuses: &[(
        &crate::protocol::ExporterRef,
        &Result<strm_model::ExporterStatus, String>,
    )],
) {
    let t = &app.theme;
    let at = app.data.observed.usage_at_ms.max(app.epoch * 1000);
    let failing = statuses
        .iter()
        .filter(|(_, s)| matches!(s, Ok(st) if st.state == ExporterState::Failing))
        .count();
    let mut title = vec![Span::styled(
        format!(" Exporters ({}) ", statuses.len()),
        t.title,
    )];
    if failing > 0 {
        title.push(Span::styled(format!("✗ {failing} FAILING "), t.error));
    }
    let block = Block::new().borders(Borders::TOP).title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if statuses.is_empty() {
        let text = if app.data.exporters.is_empty() {
            "No exporters"
        } else {
            "Reading their status…"
        };
        frame.render_widget(Paragraph::new(text).style(t.dim), inner);
        return;
    }
    let lines: Vec<Line> = statuses
        .iter()
        .take(inner.height as usize)
        .map(|(e, s)| {
            let name = format!("{} on {}", e.name, e.linked_stream);
            match s {
                Err(why) => Line::styled(format!("{name:<28} status unknown: {why}"), t.warning),
                Ok(st) => {
                    let last = st
                        .last_batch_at
                        .map_or("never".into(), |b| format!("{} ago", format_age(at - b)));
                    let next = st
                        .next_run_at
                        .map_or(String::new(), |n| format!("next in {}", format_age(n - at)));
                    let text = format!(
                        "{name:<28} {:<8} last batch {last:<9} pending {:<6} {next}",
                        st.state.to_string(),
                        st.pending_events
                    );
                    match (&st.state, &st.last_error) {
                        (ExporterState::Failing, Some(err)) => Line::from(vec![
                            Span::styled(text, t.error.add_modifier(Modifier::BOLD)),
                            Span::styled(format!("  {err}"), t.error),
                        ]),
                        (ExporterState::Idle, _) => Line::styled(text, t.dim),
                        _ => Line::styled(text, Style::new()),
                    }
                }
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
