//! One-line inputs edited at their end — the command line, the filter, a confirmation's
//! typed name, the help search — with the shell's editing keys from the keymap's text
//! context (Ctrl-U, Ctrl-W). Form fields are text areas with a cursor (`field.rs`).

use crossterm::event::{KeyCode, KeyEvent};

use crate::keymap::{Action, Context, Keymap, is_ctrl};

/// Applies `key` to `text`; answers whether the text changed.
pub fn edit(text: &mut String, keymap: &Keymap, key: &KeyEvent) -> bool {
    match keymap.action(Context::Text, key) {
        Some(Action::DeleteToStart) => {
            let had = !text.is_empty();
            text.clear();
            had
        }
        Some(Action::DeleteWord) => delete_word(text),
        Some(_) => false,
        None => match key.code {
            KeyCode::Backspace => text.pop().is_some(),
            KeyCode::Char(c) if !is_ctrl(key) => {
                text.push(c);
                true
            }
            _ => false,
        },
    }
}

/// Deletes the word before the end, and the blanks after it, as a shell's Ctrl-W does.
pub fn delete_word(text: &mut String) -> bool {
    let before = text.len();
    let kept = text.trim_end().len();
    text.truncate(kept);
    let start = text
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    text.truncate(start);
    text.len() != before
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    #[test]
    fn shell_keys_delete_a_word_and_the_line() {
        let map = Keymap::default();
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let mut text = "tail level0-1  ".to_string();
        assert!(edit(&mut text, &map, &ctrl('w')));
        assert_eq!(text, "tail ");
        assert!(edit(&mut text, &map, &ctrl('w')));
        assert_eq!(text, "");
        text.push_str("streams s15");
        assert!(edit(&mut text, &map, &ctrl('u')));
        assert_eq!(text, "");
        assert!(
            !edit(&mut text, &map, &ctrl('x')),
            "other ctrl keys type nothing"
        );
    }
}
