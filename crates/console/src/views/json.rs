//! The detail pane's JSON, pretty-printed and highlighted by token kind.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::theme::Theme;

pub fn highlight(value: &Value, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    render(value, 0, None, false, theme, &mut lines);
    lines
}

fn scalar(value: &Value, theme: &Theme) -> Span<'static> {
    let (text, style): (String, Style) = match value {
        Value::String(s) => (Value::String(s.clone()).to_string(), theme.json_string),
        Value::Number(n) => (n.to_string(), theme.json_number),
        other => (other.to_string(), theme.json_literal),
    };
    Span::styled(text, style)
}

fn render(
    value: &Value,
    indent: usize,
    key: Option<&str>,
    comma: bool,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let mut head = key_head(indent, key, theme);
    let tail = if comma { "," } else { "" };
    match value {
        Value::Object(map) if !map.is_empty() => {
            head.push(Span::raw("{"));
            out.push(Line::from(head));
            let n = map.len();
            for (i, (k, v)) in map.iter().enumerate() {
                render(v, indent + 2, Some(k), i + 1 < n, theme, out);
            }
            out.push(Line::from(format!("{}}}{tail}", " ".repeat(indent))));
        }
        Value::Array(items)
            if !items.is_empty() && items.iter().any(|v| v.is_object() || v.is_array()) =>
        {
            head.push(Span::raw("["));
            out.push(Line::from(head));
            let n = items.len();
            for (i, v) in items.iter().enumerate() {
                render(v, indent + 2, None, i + 1 < n, theme, out);
            }
            out.push(Line::from(format!("{}]{tail}", " ".repeat(indent))));
        }
        // Short arrays of scalars (tags, levels) stay on one line.
        Value::Array(items) => {
            head.push(Span::raw("["));
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    head.push(Span::raw(", "));
                }
                head.push(scalar(v, theme));
            }
            head.push(Span::raw(format!("]{tail}")));
            out.push(Line::from(head));
        }
        Value::Object(_) => {
            head.push(Span::raw(format!("{{}}{tail}")));
            out.push(Line::from(head));
        }
        other => {
            head.push(scalar(other, theme));
            head.push(Span::raw(tail.to_string()));
            out.push(Line::from(head));
        }
    }
}

/// The start of a pretty-printed row: the indent, and the key (quoted, coloured) if any.
pub(crate) fn key_head(indent: usize, key: Option<&str>, theme: &Theme) -> Vec<Span<'static>> {
    let mut head = vec![Span::raw(" ".repeat(indent))];
    if let Some(k) = key {
        head.push(Span::styled(
            Value::String(k.into()).to_string(),
            theme.json_key,
        ));
        head.push(Span::raw(": "));
    }
    head
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::ThemeName;

    #[test]
    fn json_is_pretty_and_keys_are_styled() {
        let theme = Theme::of(ThemeName::Default);
        let v = serde_json::json!({"name": "bart", "tags": ["a", "b"], "credentials": {"clientId": "x"}});
        let lines = highlight(&v, &theme);
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            text,
            vec![
                "{",
                "  \"credentials\": {",
                "    \"clientId\": \"x\"",
                "  },",
                "  \"name\": \"bart\",",
                "  \"tags\": [\"a\", \"b\"]",
                "}"
            ]
        );
        assert_eq!(lines[1].spans[1].style, theme.json_key);
    }
}
