//! Keys are data: one table of bindings drives dispatch, the help screen and the hint
//! line. The config file may rebind any action; conflicts are reported, not guessed.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. The credentials popup and the tail view have their own
/// keys; everything else in the main screen shares `Main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Context {
    Main,
    Credentials,
    Tail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Quit,
    Help,
    Command,
    Refresh,
    NextTab,
    PrevTab,
    Tab(u8),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Filter,
    Sort,
    SortReverse,
    Create,
    Delete,
    CopyId,
    CopySecret,
    CopyToken,
    ShowCredentials,
    ErrorLog,
    Login,
    Tail,
    // tail view
    Pause,
    ScrollLeft,
    ScrollRight,
    Wrap,
    // credentials popup
    CopyBillingId,
    CopyClientId,
    CopyClientSecret,
    CopyJson,
    CopyExports,
    Reveal,
    Close,
}

impl Action {
    /// The one or two words of the hint line.
    pub fn short(self) -> &'static str {
        match self {
            Action::Command => "cmd",
            Action::Open => "open",
            Action::Sort => "sort",
            Action::CopyId => "copy",
            Action::Create => "new",
            Action::ShowCredentials => "creds",
            Action::CopyBillingId => "billingId",
            Action::CopyClientId => "clientId",
            Action::CopyClientSecret => "secret",
            Action::CopyJson => "JSON",
            Action::CopyExports => "exports",
            Action::Reveal => "reveal",
            Action::Tail => "tail",
            Action::Bottom => "newest",
            Action::ScrollRight => "scroll",
            Action::Wrap => "wrap",
            other => other.help(),
        }
    }

    /// The name used in the config file's `[keys]` table.
    pub fn name(self) -> String {
        match self {
            Action::Tab(n) => format!("tab{n}"),
            other => {
                let debug = format!("{other:?}");
                let mut out = String::new();
                for (i, c) in debug.chars().enumerate() {
                    if c.is_ascii_uppercase() && i > 0 {
                        out.push('_');
                    }
                    out.push(c.to_ascii_lowercase());
                }
                out
            }
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Command => "command line",
            Action::Refresh => "refresh",
            Action::NextTab => "next tab",
            Action::PrevTab => "previous tab",
            Action::Tab(1) => "streams",
            Action::Tab(2) => "outputs",
            Action::Tab(3) => "sinks",
            Action::Tab(4) => "exporters",
            Action::Tab(_) => "consent levels",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::Open => "open stream / output credentials",
            Action::Back => "back / clear filter",
            Action::Filter => "filter",
            Action::Sort => "sort by next column",
            Action::SortReverse => "reverse sort",
            Action::Create => "create",
            Action::Delete => "delete",
            Action::CopyId => "copy clientId / name",
            Action::CopySecret => "copy saved secret",
            Action::CopyToken => "copy access token",
            Action::ShowCredentials => "credentials",
            Action::ErrorLog => "error log",
            Action::Login => "log in",
            Action::Tail => "live tail of the stream / output",
            Action::Pause => "pause / resume",
            Action::ScrollLeft => "scroll left",
            Action::ScrollRight => "scroll right",
            Action::Wrap => "wrap long events",
            Action::CopyBillingId => "copy billingId",
            Action::CopyClientId => "copy clientId",
            Action::CopyClientSecret => "copy clientSecret",
            Action::CopyJson => "copy all as JSON",
            Action::CopyExports => "copy as export lines",
            Action::Reveal => "reveal / hide secret",
            Action::Close => "close",
        }
    }
}

/// One key with its modifiers, as written in the config file: `q`, `ctrl-r`, `f5`,
/// `shift-tab`, `pgdn`, `esc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
}

/// `KeyCode` is not `Ord`; this wrapper keeps the few codes a binding can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Delete,
    Backspace,
}

impl Key {
    pub const fn ch(c: char) -> Key {
        Key {
            code: KeyCodeOrd::Char(c),
            ctrl: false,
            alt: false,
        }
    }

    pub const fn code(code: KeyCodeOrd) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }

    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            _ => return None,
        };
        Some(Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        })
    }

    pub fn parse(text: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-").or(lower.strip_prefix("c-")) {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-") {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let named = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => Some(KeyCodeOrd::Enter),
            "esc" | "escape" => Some(KeyCodeOrd::Esc),
            "tab" => Some(KeyCodeOrd::Tab),
            "shift-tab" | "backtab" => Some(KeyCodeOrd::BackTab),
            "up" => Some(KeyCodeOrd::Up),
            "down" => Some(KeyCodeOrd::Down),
            "left" => Some(KeyCodeOrd::Left),
            "right" => Some(KeyCodeOrd::Right),
            "pgup" | "pageup" => Some(KeyCodeOrd::PageUp),
            "pgdn" | "pagedown" => Some(KeyCodeOrd::PageDown),
            "home" => Some(KeyCodeOrd::Home),
            "end" => Some(KeyCodeOrd::End),
            "del" | "delete" => Some(KeyCodeOrd::Delete),
            "backspace" => Some(KeyCodeOrd::Backspace),
            "space" => Some(KeyCodeOrd::Char(' ')),
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                Some(KeyCodeOrd::F(f[1..].parse().unwrap_or(1)))
            }
            _ => None,
        };
        let code = match named {
            Some(c) => c,
            None => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCodeOrd::Char(c),
                    _ => {
                        return Err(format!(
                            "{text:?} is not a key; write a character or a name like ctrl-r, f5, pgdn, shift-tab, esc"
                        ));
                    }
                }
            }
        };
        Ok(Key { code, ctrl, alt })
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
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Enter => f.write_str("enter"),
            KeyCodeOrd::Esc => f.write_str("esc"),
            KeyCodeOrd::Tab => f.write_str("tab"),
            KeyCodeOrd::BackTab => f.write_str("shift-tab"),
            KeyCodeOrd::Up => f.write_str("↑"),
            KeyCodeOrd::Down => f.write_str("↓"),
            KeyCodeOrd::Left => f.write_str("←"),
            KeyCodeOrd::Right => f.write_str("→"),
            KeyCodeOrd::PageUp => f.write_str("pgup"),
            KeyCodeOrd::PageDown => f.write_str("pgdn"),
            KeyCodeOrd::Home => f.write_str("home"),
            KeyCodeOrd::End => f.write_str("end"),
            KeyCodeOrd::Delete => f.write_str("del"),
            KeyCodeOrd::Backspace => f.write_str("backspace"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub action: Action,
    pub keys: Vec<Key>,
    /// Shown in the hint line (the most used ones).
    pub hint: bool,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

fn b(context: Context, action: Action, keys: &[Key], hint: bool) -> Binding {
    Binding {
        context,
        action,
        keys: keys.to_vec(),
        hint,
    }
}

impl Default for Keymap {
    fn default() -> Keymap {
        use Action as A;
        use Context::{Credentials as C, Main as M, Tail as Tl};
        use KeyCodeOrd as K;
        let ch = Key::ch;
        let code = Key::code;
        let ctrl = |c| Key {
            code: KeyCodeOrd::Char(c),
            ctrl: true,
            alt: false,
        };
        Keymap {
            bindings: vec![
                b(M, A::Quit, &[ch('q'), ctrl('c')], true),
                b(M, A::Help, &[ch('?')], true),
                b(M, A::Command, &[ch(':')], true),
                b(M, A::Refresh, &[ch('r'), ctrl('r')], false),
                b(M, A::NextTab, &[code(K::Tab)], false),
                b(M, A::PrevTab, &[code(K::BackTab)], false),
                b(M, A::Tab(1), &[ch('1')], false),
                b(M, A::Tab(2), &[ch('2')], false),
                b(M, A::Tab(3), &[ch('3')], false),
                b(M, A::Tab(4), &[ch('4')], false),
                b(M, A::Tab(5), &[ch('5')], false),
                b(M, A::Up, &[code(K::Up), ch('k')], false),
                b(M, A::Down, &[code(K::Down), ch('j')], false),
                b(M, A::PageUp, &[code(K::PageUp), ctrl('b')], false),
                b(M, A::PageDown, &[code(K::PageDown), ctrl('f')], false),
                b(M, A::Top, &[code(K::Home), ch('g')], false),
                b(M, A::Bottom, &[code(K::End), ch('G')], false),
                b(M, A::Open, &[code(K::Enter), ch('l')], true),
                b(M, A::Tail, &[ch('t')], true),
                b(M, A::Back, &[code(K::Esc), ch('h')], false),
                b(M, A::Filter, &[ch('/')], true),
                b(M, A::Sort, &[ch('s')], false),
                b(M, A::SortReverse, &[ch('S')], false),
                b(M, A::Create, &[ch('n')], true),
                b(M, A::Delete, &[ch('d'), code(K::Delete)], true),
                b(M, A::CopyId, &[ch('y')], true),
                b(M, A::CopySecret, &[ch('Y')], false),
                b(M, A::CopyToken, &[ch('T')], false),
                b(M, A::ShowCredentials, &[ch('c')], true),
                b(M, A::ErrorLog, &[ch('E')], false),
                b(M, A::Login, &[ch('L')], false),
                b(C, A::CopyBillingId, &[ch('b')], true),
                b(C, A::CopyClientId, &[ch('i')], true),
                b(C, A::CopyClientSecret, &[ch('s')], true),
                b(C, A::CopyJson, &[ch('j')], true),
                b(C, A::CopyExports, &[ch('e')], true),
                b(C, A::Reveal, &[ch('v')], true),
                b(C, A::Close, &[code(K::Esc), ch('q')], true),
                b(Tl, A::Pause, &[ch('p'), ch(' ')], true),
                b(Tl, A::Up, &[code(K::Up), ch('k')], false),
                b(Tl, A::Down, &[code(K::Down), ch('j')], false),
                b(Tl, A::PageUp, &[code(K::PageUp), ctrl('b')], false),
                b(Tl, A::PageDown, &[code(K::PageDown), ctrl('f')], false),
                b(Tl, A::Top, &[code(K::Home), ch('g')], false),
                b(Tl, A::Bottom, &[ch('G'), code(K::End)], true),
                b(Tl, A::Wrap, &[ch('w')], true),
                b(Tl, A::ScrollLeft, &[code(K::Left), ch('h')], false),
                b(Tl, A::ScrollRight, &[code(K::Right), ch('l')], true),
                b(Tl, A::Close, &[code(K::Esc), ch('q')], true),
            ],
        }
    }
}

impl Keymap {
    /// The defaults with the config file's `[keys]` overrides applied. Each override
    /// replaces the action's keys; problems (unknown action, bad key, a key bound twice
    /// in one context) come back as messages and the default stays for that action.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> (Keymap, Vec<String>) {
        let mut map = Keymap::default();
        let mut problems = Vec::new();
        for (name, keys) in overrides {
            // An action bound in several contexts (up, close...) is rebound in each.
            let idxs: Vec<usize> = (0..map.bindings.len())
                .filter(|&i| map.bindings[i].action.name() == *name)
                .collect();
            if idxs.is_empty() {
                problems.push(format!(
                    "keys.{name}: no such action; actions are {}",
                    map.bindings
                        .iter()
                        .map(|b| b.action.name())
                        .fold(Vec::<String>::new(), |mut names, n| {
                            if !names.contains(&n) {
                                names.push(n);
                            }
                            names
                        })
                        .join(", ")
                ));
                continue;
            }
            let parsed: Result<Vec<Key>, String> = keys.iter().map(|k| Key::parse(k)).collect();
            match parsed {
                Ok(parsed) if parsed.is_empty() => {
                    problems.push(format!("keys.{name}: needs at least one key"))
                }
                Ok(parsed) => {
                    for &i in &idxs {
                        map.bindings[i].keys = parsed.clone();
                    }
                }
                Err(e) => problems.push(format!("keys.{name}: {e}")),
            }
        }
        // Conflicts: the same key for two actions in one context. The later binding
        // loses the key so that dispatch stays unambiguous.
        let mut seen: BTreeMap<(Context, Key), Action> = BTreeMap::new();
        for binding in &mut map.bindings {
            let (context, action) = (binding.context, binding.action);
            binding.keys.retain(|k| match seen.get(&(context, *k)) {
                Some(other) if *other != action => {
                    problems.push(format!(
                        "keys: {k} is bound to both {} and {}; it stays with {}",
                        other.name(),
                        action.name(),
                        other.name()
                    ));
                    false
                }
                _ => {
                    seen.insert((context, *k), action);
                    true
                }
            });
        }
        (map, problems)
    }

    pub fn action(&self, context: Context, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev)?;
        // Shifted letters arrive as upper-case chars, sometimes with SHIFT set.
        self.bindings
            .iter()
            .find(|b| b.context == context && b.keys.contains(&key))
            .map(|b| b.action)
    }

    pub fn bindings(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.context == context)
    }

    pub fn keys_for(&self, context: Context, action: Action) -> String {
        self.bindings(context)
            .find(|b| b.action == action)
            .map(|b| {
                b.keys
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }

    /// `key action` pairs for the hint line, in short words.
    pub fn hints(&self, context: Context) -> Vec<(String, &'static str)> {
        self.bindings(context)
            .filter(|b| b.hint && !b.keys.is_empty())
            .map(|b| (b.keys[0].to_string(), b.action.short()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn defaults_dispatch_vim_and_arrow_keys() {
        let map = Keymap::default();
        assert_eq!(
            map.action(Context::Main, &press(KeyCode::Char('j'))),
            Some(Action::Down)
        );
        assert_eq!(
            map.action(Context::Main, &press(KeyCode::Down)),
            Some(Action::Down)
        );
        assert_eq!(
            map.action(Context::Main, &press(KeyCode::Char('3'))),
            Some(Action::Tab(3))
        );
        assert_eq!(
            map.action(Context::Credentials, &press(KeyCode::Char('s'))),
            Some(Action::CopyClientSecret)
        );
    }

    #[test]
    fn overrides_rebind_and_conflicts_are_reported() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["ctrl-q".to_string()]);
        o.insert("refresh".to_string(), vec!["j".to_string()]);
        o.insert("nosuch".to_string(), vec!["x".to_string()]);
        let (map, problems) = Keymap::with_overrides(&o);
        let ctrl_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(map.action(Context::Main, &ctrl_q), Some(Action::Quit));
        assert_eq!(map.action(Context::Main, &press(KeyCode::Char('q'))), None);
        assert!(
            problems.iter().any(|p| p.contains("nosuch")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("j is bound to both refresh and down")),
            "{problems:?}"
        );
        assert_eq!(
            map.action(Context::Main, &press(KeyCode::Char('j'))),
            Some(Action::Refresh)
        );
    }

    #[test]
    fn keys_parse_and_print() {
        assert_eq!(Key::parse("ctrl-r").unwrap().to_string(), "ctrl-r");
        assert_eq!(Key::parse("F5").unwrap().to_string(), "F5");
        assert_eq!(Key::parse("pgdn").unwrap().to_string(), "pgdn");
        assert!(Key::parse("nope").unwrap_err().contains("not a key"));
        assert_eq!(Action::CopyClientSecret.name(), "copy_client_secret");
        assert_eq!(Action::Tab(2).name(), "tab2");
    }
}
