//! Create and login forms. A form is a list of fields (single-line text, masked text,
//! or a choice cycled with ←/→); every change re-runs the shared rules of
//! `model::rules` so each field shows its problem underneath, and submit is refused
//! while any remains. A server error lands in the form; what was typed stays.

pub mod resources;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

pub use resources::{FormContext, build};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Stream,
    Output,
    Sink,
    Exporter,
    ConsentLevel,
    Login,
}

impl FormKind {
    pub fn title(self) -> &'static str {
        match self {
            FormKind::Stream => "Create stream",
            FormKind::Output => "Create output",
            FormKind::Sink => "Create sink",
            FormKind::Exporter => "Create exporter",
            FormKind::ConsentLevel => "Name a consent level",
            FormKind::Login => "Log in",
        }
    }
}

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

    pub fn is_secret(&self) -> bool {
        matches!(&self.input, Input::Text(a) if a.mask_char().is_some())
    }
}

pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub server_error: Option<String>,
    /// The request id while a submit is in flight.
    pub pending: Option<u64>,
    pub submitted: bool,
    pub context: FormContext,
}

pub enum FormEvent {
    None,
    Changed,
    Cancel,
    Submit,
}

impl Form {
    pub fn new(kind: FormKind, fields: Vec<Field>, context: FormContext) -> Form {
        let mut form = Form {
            kind,
            fields,
            focus: 0,
            server_error: None,
            pending: None,
            submitted: false,
            context,
        };
        form.validate();
        form
    }

    pub fn field(&self, label: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(Field::value)
            .unwrap_or_default()
    }

    pub fn set_field(&mut self, label: &str, value: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.label == label) {
            match &mut f.input {
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
            f.touched = true;
        }
        self.validate();
    }

    /// Re-checks every field; errors are shown for touched fields, or all after a
    /// submit was tried.
    pub fn validate(&mut self) -> Option<crate::protocol::Request> {
        let (errors, request) = build(self);
        for (field, error) in self.fields.iter_mut().zip(errors) {
            field.error = error;
        }
        request
    }

    pub fn shows_error(&self, i: usize) -> bool {
        self.submitted || self.fields[i].touched
    }

    pub fn key(&mut self, key: &KeyEvent) -> FormEvent {
        let n = self.fields.len();
        match key.code {
            KeyCode::Esc => return FormEvent::Cancel,
            KeyCode::Enter => return FormEvent::Submit,
            KeyCode::Tab | KeyCode::Down => {
                self.focus = (self.focus + 1) % n;
                return FormEvent::None;
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + n - 1) % n;
                return FormEvent::None;
            }
            _ => {}
        }
        let field = &mut self.fields[self.focus];
        let changed = match &mut field.input {
            Input::Choice { options, index } => {
                let len = options.len().max(1);
                match key.code {
                    KeyCode::Right | KeyCode::Char(' ') | KeyCode::Char('l') => {
                        *index = (*index + 1) % len;
                        true
                    }
                    KeyCode::Left | KeyCode::Char('h') => {
                        *index = (*index + len - 1) % len;
                        true
                    }
                    _ => false,
                }
            }
            Input::Text(area) => {
                // Single-line fields: no newlines; ctrl-m/j would insert one.
                if key.modifiers.contains(KeyModifiers::CONTROL)
                    && matches!(key.code, KeyCode::Char('m') | KeyCode::Char('j'))
                {
                    false
                } else {
                    if field.suggested && matches!(key.code, KeyCode::Char(_)) {
                        area.select_all();
                        area.cut();
                    }
                    field.suggested = false;
                    area.input(*key)
                }
            }
        };
        if changed {
            field.touched = true;
            self.server_error = None;
            self.validate();
            FormEvent::Changed
        } else {
            FormEvent::None
        }
    }

    /// Bracketed paste into the focused text field; newlines become spaces so pasted
    /// JSON stays on one line (and stays valid JSON).
    pub fn paste(&mut self, text: &str) {
        let field = &mut self.fields[self.focus];
        if let Input::Text(area) = &mut field.input {
            let flat: String = text
                .chars()
                .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
                .collect();
            area.insert_str(flat);
            field.touched = true;
            self.server_error = None;
            self.validate();
        }
    }

    pub fn is_valid(&self) -> bool {
        self.fields.iter().all(|f| f.error.is_none())
    }
}
