//! One field of a form: single-line text, masked text, or a choice cycled with ←/→.

use ratatui_textarea::TextArea;

pub enum Input {
    Text(Box<TextArea<'static>>),
    Choice { options: Vec<String>, index: usize },
}

pub struct Field {
    pub label: &'static str,
    pub help: &'static str,
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
            help,
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
            help,
            input: Input::Choice { options, index },
            touched: false,
            error: None,
            suggested: false,
        }
    }

    pub fn value(&self) -> String {
        match &self.input {
            Input::Text(area) => area.lines().join("\n"),
            Input::Choice { options, index } => options.get(*index).cloned().unwrap_or_default(),
        }
    }

    /// The value with surrounding blanks removed, as every rule reads it.
    pub fn trimmed(&self) -> String {
        self.value().trim().to_string()
    }

    /// The position of a choice's value among its options (0 for text).
    pub fn choice_index(&self) -> usize {
        match &self.input {
            Input::Choice { index, .. } => *index,
            Input::Text(_) => 0,
        }
    }

    pub fn is_choice(&self) -> bool {
        matches!(self.input, Input::Choice { .. })
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
            Input::Choice { options, index } => {
                if let Some(i) = options.iter().position(|o| o == value) {
                    *index = i;
                }
            }
        }
        self.touched = true;
    }
}
