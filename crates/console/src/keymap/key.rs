//! One key with its modifiers, as the config file writes it (`q`, `ctrl-r`, `f5`,
//! `shift-tab`, `pgdn`, `esc`) and as help and hints show it. Shift is not part of a
//! key: shifted letters and symbols arrive as their own characters.
//!
//! Parsing stays here rather than in a key crate: crokey lower-cases `G` and matches
//! SHIFT strictly (so `?` typed with shift would miss), and neither it nor keybinds
//! reads this file's names (`pgdn`, `c-x`, `shift-tab`).

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

/// Named keys: the first name is how help and hints show a key, and every name is
/// accepted in the config file (in any case).
const NAMES: &[(KeyCode, &[&str])] = &[
    (KeyCode::Enter, &["enter", "return"]),
    (KeyCode::Esc, &["esc", "escape"]),
    (KeyCode::Tab, &["tab"]),
    (KeyCode::BackTab, &["shift-tab", "backtab"]),
    (KeyCode::Up, &["↑", "up"]),
    (KeyCode::Down, &["↓", "down"]),
    (KeyCode::Left, &["←", "left"]),
    (KeyCode::Right, &["→", "right"]),
    (KeyCode::PageUp, &["pgup", "pageup"]),
    (KeyCode::PageDown, &["pgdn", "pagedown"]),
    (KeyCode::Home, &["home"]),
    (KeyCode::End, &["end"]),
    (KeyCode::Delete, &["del", "delete"]),
    (KeyCode::Backspace, &["backspace"]),
    (KeyCode::Char(' '), &["space"]),
];

impl Key {
    pub const fn ch(c: char) -> Key {
        Key::code(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
        }
    }

    pub const fn code(code: KeyCode) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }

    pub fn from_event(ev: &KeyEvent) -> Key {
        Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    pub fn parse(text: &str) -> Result<Key, String> {
        let mut key = Key::ch(' ');
        let mut rest = text.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-").or(lower.strip_prefix("c-")) {
                key.ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-") {
                key.alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let named = NAMES
            .iter()
            .find(|(_, names)| names.contains(&lower.as_str()))
            .map(|(code, _)| *code);
        let function = lower
            .strip_prefix('f')
            .and_then(|n| n.parse::<u8>().ok())
            .map(KeyCode::F);
        let mut chars = rest.chars();
        key.code = match (named.or(function), chars.next(), chars.next()) {
            (Some(code), ..) => code,
            (None, Some(c), None) => KeyCode::Char(c),
            _ => {
                return Err(format!(
                    "{text:?} is not a key; write a character or a name like ctrl-r, f5, pgdn, shift-tab, esc"
                ));
            }
        };
        Ok(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if let Some((_, names)) = NAMES.iter().find(|(code, _)| *code == self.code) {
            return f.write_str(names[0]);
        }
        match self.code {
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}
