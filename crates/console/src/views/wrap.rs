//! Word wrapping that keeps each span's style, so that a message is shown whole and its
//! height is known before it is drawn: popups and the message line size themselves by
//! it, and long values wrap under their start instead of at column 0.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// The columns `text` takes on a terminal.
pub fn width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `text` cut to `max` columns, ending in `…` when something was cut.
pub fn ellipsis(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// `line` as rows of at most `width` columns, broken at spaces when a row has one;
/// rows after the first start with `indent` blank columns.
pub fn wrap_line(line: &Line<'_>, width: usize, indent: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let indent = if indent + 4 > width { 0 } else { indent };
    let chars: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let mut rows: Vec<Vec<(char, Style)>> = Vec::new();
    let mut row: Vec<(char, Style)> = Vec::new();
    let mut used = 0;
    // Where the row's own text begins: after its indent (or the line's own leading
    // blanks), which is never a place to break.
    let mut start = chars.iter().take_while(|(c, _)| *c == ' ').count();
    for (c, style) in chars {
        let w = c.width().unwrap_or(0);
        if used + w > width && !row.is_empty() {
            // Break after the last space of the row's own text, when there is one.
            let cut = row[start..]
                .iter()
                .rposition(|(c, _)| *c == ' ')
                .map(|i| i + start);
            let carry = match cut {
                Some(i) if i > start => {
                    let rest = row.split_off(i + 1);
                    row.pop();
                    rest
                }
                _ => Vec::new(),
            };
            rows.push(std::mem::take(&mut row));
            row.extend(std::iter::repeat_n((' ', Style::new()), indent));
            start = indent;
            used = indent;
            for &(c, _) in &carry {
                used += c.width().unwrap_or(0);
            }
            row.extend(carry);
            if c == ' ' && row.len() == start {
                continue; // no row starts with the space it was broken at
            }
        }
        used += w;
        row.push((c, style));
    }
    rows.push(row);
    rows.into_iter()
        .map(|r| Line::from(spans_of(r)).style(line.style))
        .collect()
}

/// Every line wrapped to `width` (continuations not indented).
pub fn wrap_lines(lines: &[Line<'_>], width: usize) -> Vec<Line<'static>> {
    lines.iter().flat_map(|l| wrap_line(l, width, 0)).collect()
}

fn spans_of(row: Vec<(char, Style)>) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for (c, s) in row {
        if style.is_some_and(|st| st != s) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(s);
        text.push(c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style.unwrap_or_default()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn words_wrap_whole_and_continuations_are_indented() {
        let line = Line::raw("  \"description\": \"web shop clicks of the summer sale\",");
        let rows = wrap_line(&line, 24, 4);
        assert_eq!(
            texts(&rows),
            [
                "  \"description\": \"web",
                "    shop clicks of the",
                "    summer sale\",",
            ]
        );
        assert!(rows.iter().all(|r| r.width() <= 24));
    }

    #[test]
    fn a_word_longer_than_the_row_is_cut_and_styles_are_kept() {
        let bold = Style::new().add_modifier(ratatui::style::Modifier::BOLD);
        let line = Line::from(vec![Span::styled("id ", bold), Span::raw("abcdefghij")]);
        let rows = wrap_line(&line, 6, 0);
        assert_eq!(texts(&rows), ["id", "abcdef", "ghij"]);
        assert_eq!(rows[0].spans[0].style, bold);
    }

    #[test]
    fn ellipsis_marks_a_cut_value() {
        assert_eq!(ellipsis("strm-tui demo: simulated", 10), "strm-tui …");
        assert_eq!(ellipsis("short", 10), "short");
        assert_eq!(width(&ellipsis("ééééééé", 4)), 4);
    }
}
