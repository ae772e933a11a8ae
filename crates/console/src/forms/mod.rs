//! Create and login forms. A form is a struct of typed fields (each resource kind
//! defines its own in `resources/`); every change re-runs its check, which applies the
//! shared rules of `model::rules` so each field shows its problem underneath, and
//! submit is refused while any remains. A server error lands in the form; what was
//! typed stays.

pub mod check;
mod field;
pub mod line;
mod login;
mod secret;

use std::cell::Cell;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::CursorMove;

pub use field::{Choice, Field, Input};
pub use login::login_form;
pub use secret::secret_form;

use crate::keymap::Action;
use crate::protocol::Request;
use crate::resources::Tab;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// Creates a resource of the tab's kind.
    Create(Tab),
    Login,
    /// The client secret of a stream or output created elsewhere, for its tail.
    Secret,
}

/// `title`, `fields` and `fields_mut` of a `Fields` impl: the form's title and the
/// struct's field names in screen order, said once.
macro_rules! form_fields {
    ($title:literal, $($field:ident),+ $(,)?) => {
        fn title(&self) -> &'static str {
            $title
        }

        fn fields(&self) -> Vec<&Field> {
            vec![$(&self.$field),+]
        }

        fn fields_mut(&mut self) -> Vec<&mut Field> {
            vec![$(&mut self.$field),+]
        }
    };
}
pub(crate) use form_fields;

/// A form's fields as a struct: the check reads them by name, not by label.
pub trait Fields {
    fn title(&self) -> &'static str;
    /// The fields in screen order.
    fn fields(&self) -> Vec<&Field>;
    fn fields_mut(&mut self) -> Vec<&mut Field>;
    /// Checks every field with the shared rules, setting each field's `error`, and
    /// answers the request to send when all are fine.
    fn check(&mut self) -> Option<Request>;
}

pub struct Form {
    pub kind: FormKind,
    body: Box<dyn Fields>,
    pub focus: usize,
    pub server_error: Option<String>,
    /// The request id while a submit is in flight.
    pub pending: Option<u64>,
    pub submitted: bool,
    /// The first field shown when the form is taller than the screen (kept by the view
    /// so that the focused field stays in sight).
    pub scroll: Cell<usize>,
}

pub enum FormEvent {
    None,
    Changed,
    Cancel,
    Submit,
}

impl Form {
    pub fn new(kind: FormKind, body: impl Fields + 'static) -> Form {
        let mut form = Form {
            kind,
            body: Box::new(body),
            focus: 0,
            server_error: None,
            pending: None,
            submitted: false,
            scroll: Cell::new(0),
        };
        form.validate();
        form
    }

    pub fn title(&self) -> &'static str {
        self.body.title()
    }

    pub fn fields(&self) -> Vec<&Field> {
        self.body.fields()
    }

    /// A field's value by its label; tests type into forms this way.
    #[cfg(test)]
    pub fn field(&self, label: &str) -> String {
        self.fields()
            .into_iter()
            .find(|f| f.label == label)
            .map(Field::value)
            .unwrap_or_default()
    }

    /// The problem shown under the field at `i`, which must show one.
    #[cfg(test)]
    pub fn error_of(&self, i: usize) -> String {
        let field = self.fields()[i];
        field
            .error
            .clone()
            .unwrap_or_else(|| panic!("field {:?} shows no problem", field.label))
    }

    #[cfg(test)]
    pub fn set_field(&mut self, label: &str, value: &str) {
        if let Some(f) = self
            .body
            .fields_mut()
            .into_iter()
            .find(|f| f.label == label)
        {
            f.set(value);
        }
        self.validate();
    }

    /// Replaces the help of the field labelled `label` (words that depend on the data,
    /// like the names of consent levels).
    pub fn set_help(&mut self, label: &str, help: String) {
        if let Some(f) = self
            .body
            .fields_mut()
            .into_iter()
            .find(|f| f.label == label)
        {
            f.help = help.into();
        }
    }

    /// Re-checks every field; errors are shown for touched fields, or all after a
    /// submit was tried.
    pub fn validate(&mut self) -> Option<Request> {
        self.body.check()
    }

    pub fn shows_error(&self, i: usize) -> bool {
        self.submitted || self.fields()[i].touched
    }

    /// A key, with the actions the keymap's form and text contexts give it. Choice
    /// actions apply to a focused choice (letters narrow its options); anything else is
    /// typed into a focused text field. While a submit is in flight only cancel counts:
    /// keys typed ahead must not land in a field (a password) nobody looks at.
    pub fn key(
        &mut self,
        action: Option<Action>,
        text: Option<Action>,
        key: &KeyEvent,
    ) -> FormEvent {
        let n = self.fields().len();
        match action {
            Some(Action::Cancel) => return FormEvent::Cancel,
            _ if self.pending.is_some() => return FormEvent::None,
            Some(Action::Submit) => return FormEvent::Submit,
            Some(Action::NextField) => {
                self.focus = (self.focus + 1) % n;
                return FormEvent::None;
            }
            Some(Action::PrevField) => {
                self.focus = (self.focus + n - 1) % n;
                return FormEvent::None;
            }
            _ => {}
        }
        let mut fields = self.body.fields_mut();
        let field = &mut fields[self.focus];
        let changed = match &mut field.input {
            Input::Choice(choice) => match (action, text) {
                (Some(Action::NextChoice), _) => choice.step(1),
                (Some(Action::PrevChoice), _) => choice.step(-1),
                (_, Some(Action::DeleteToStart)) => {
                    choice.filter.clear();
                    true
                }
                _ => match key.code {
                    KeyCode::Backspace => choice.filter.pop().is_some(),
                    KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        choice.filter.push(c);
                        choice.refilter();
                        true
                    }
                    _ => false,
                },
            },
            Input::Text(area) => {
                if text.is_some() {
                    field.suggested = false;
                }
                match text {
                    Some(Action::DeleteToStart) => area.delete_line_by_head(),
                    Some(Action::DeleteWord) => area.delete_word(),
                    Some(Action::Undo) => area.undo(),
                    Some(Action::LineStart) => {
                        area.move_cursor(CursorMove::Head);
                        false
                    }
                    Some(Action::LineEnd) => {
                        area.move_cursor(CursorMove::End);
                        false
                    }
                    // Single-line fields: no newlines; ctrl-m/j would insert one.
                    _ if key.modifiers.contains(KeyModifiers::CONTROL)
                        && matches!(key.code, KeyCode::Char('m') | KeyCode::Char('j')) =>
                    {
                        false
                    }
                    _ => {
                        if field.suggested && matches!(key.code, KeyCode::Char(_)) {
                            area.select_all();
                            area.cut();
                        }
                        field.suggested = false;
                        area.input(*key)
                    }
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
        let mut fields = self.body.fields_mut();
        let field = &mut fields[self.focus];
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
        self.fields().iter().all(|f| f.error.is_none())
    }
}
