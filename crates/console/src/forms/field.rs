//! One field of a form: single-line text, masked text, or a choice cycled with ←/→
//! whose options narrow to what is typed (a picker among thousands of streams).

use std::borrow::Cow;

use ratatui_textarea::TextArea;

pub enum Input {
    Text(Box<TextArea<'static>>),
    Choice(Choice),
}

/// A choice among options; typed text narrows them (case-insensitive, anywhere in the
/// option), and ←/→ move among the options that match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub options: Vec<String>,
    pub index: usize,
    pub filter: String,
}

impl Choice {
    /// The positions of the options the filter lets through.
    pub fn matches(&self) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        (0..self.options.len())
            .filter(|&i| needle.is_empty() || self.options[i].to_lowercase().contains(&needle))
            .collect()
    }

    /// Moves `step` options on among the matches (wrapping); answers whether it moved.
    pub fn step(&mut self, step: isize) -> bool {
        let matches = self.matches();
        if matches.is_empty() {
            return false;
        }
        let here = matches.iter().position(|&i| i == self.index);
        let n = matches.len() as isize;
        let next = match here {
            Some(p) => (p as isize + step).rem_euclid(n),
            None => 0,
        };
        let before = self.index;
        self.index = matches[next as usize];
        self.index != before
    }

    /// After the filter changed: keep the option when it still matches, else take the
    /// first that does.
    pub fn refilter(&mut self) {
        let matches = self.matches();
        if !matches.contains(&self.index)
            && let Some(&first) = matches.first()
        {
            self.index = first;
        }
    }

    /// Whether the shown option is one the filter lets through.
    pub fn matched(&self) -> bool {
        self.matches().contains(&self.index)
    }
}

pub struct Field {
    pub label: &'static str,
    /// Shown under the focused field; a form's check may change it (the consent type's
    /// words follow the chosen type).
    pub help: Cow<'static, str>,
    pub input: Input,
    pub touched: bool,
    pub error: Option<String>,
    /// A suggested value that the first typed character replaces (like a selection).
    pub suggested: bool,
}

impl Field {
    pub fn text(label: &'static str, help: &'static str, value: &str) -> Field {
        let mut area = TextArea::new(vec![value.to_string()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        area.set_cursor_line_style(ratatui::style::Style::new());
        Field {
            label,
            help: Cow::Borrowed(help),
            input: Input::Text(Box::new(area)),
            touched: false,
            error: None,
            suggested: false,
        }
    }

    /// A text field holding a default that typing replaces.
    pub fn suggested(label: &'static str, help: &'static str, value: &str) -> Field {
        Field {
            suggested: true,
            ..Field::text(label, help, value)
        }
    }

    pub fn secret(label: &'static str, help: &'static str) -> Field {
        let mut f = Field::text(label, help, "");
        if let Input::Text(area) = &mut f.input {
            area.set_mask_char('•');
        }
        f
    }

    pub fn choice(
        label: &'static str,
        help: &'static str,
        options: Vec<String>,
        index: usize,
    ) -> Field {
        let index = index.min(options.len().saturating_sub(1));
        Field {
            label,
            help: Cow::Borrowed(help),
            input: Input::Choice(Choice {
                options,
                index,
                filter: String::new(),
            }),
            touched: false,
            error: None,
            suggested: false,
        }
    }

    pub fn value(&self) -> String {
        match &self.input {
            Input::Text(area) => area.lines().join("\n"),
            Input::Choice(c) => c.options.get(c.index).cloned().unwrap_or_default(),
        }
    }

    /// The value with surrounding blanks removed, as every rule reads it.
    pub fn trimmed(&self) -> String {
        self.value().trim().to_string()
    }

    /// The position of a choice's value among its options (0 for text).
    pub fn choice_index(&self) -> usize {
        match &self.input {
            Input::Choice(c) => c.index,
            Input::Text(_) => 0,
        }
    }

    pub fn is_choice(&self) -> bool {
        matches!(self.input, Input::Choice(_))
    }

    pub fn is_secret(&self) -> bool {
        matches!(&self.input, Input::Text(a) if a.mask_char().is_some())
    }

    /// Replaces the text, or picks the option equal to `value`.
    pub fn set(&mut self, value: &str) {
        match &mut self.input {
            Input::Text(area) => {
                area.select_all();
                area.cut();
                area.insert_str(value);
            }
            Input::Choice(c) => {
                if let Some(i) = c.options.iter().position(|o| o == value) {
                    c.index = i;
                }
            }
        }
        self.touched = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picker_narrows_to_what_is_typed() {
        let options: Vec<String> = (0..2000).map(|i| format!("s{i}")).collect();
        let mut c = Choice {
            options,
            index: 0,
            filter: "s150".into(),
        };
        c.refilter();
        assert_eq!(c.options[c.index], "s150");
        assert_eq!(c.matches().len(), 11, "s150 and s1500..s1509");
        c.step(1);
        assert_eq!(c.options[c.index], "s1500");
        c.step(-2);
        assert_eq!(c.options[c.index], "s1509", "wraps among the matches");
        c.filter = "nothing".into();
        c.refilter();
        assert!(!c.matched());
        assert!(!c.step(1));
    }
}
