//! Keys are data: one table of bindings per context drives dispatch, the help screen
//! and the hint line. Every popup has its context; the config file may rebind any
//! action; conflicts are reported, not guessed. Text typed into a field, the filter or
//! the command line is input, not bindings.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyEvent, KeyModifiers};

use crate::resources::Tab;

mod defaults;
mod key;
mod observe;

pub use key::Key;

/// Where a binding applies: the main screen, the filter line, and each popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Context {
    /// Checked before every other context: Ctrl-C quits from any screen.
    Anywhere,
    Main,
    Credentials,
    Tail,
    Form,
    Confirm,
    Command,
    Filter,
    /// The help screen and the error log.
    Pager,
    Xray,
    Pulse,
    Buckets,
    Inspector,
    /// A line asking for a value (the file a tail is saved to).
    Prompt,
    /// Editing keys of every text input: form fields, the command line, the filter, a
    /// confirmation's typed name, the help search.
    Text,
}

impl Context {
    /// In the order the help screen lists them.
    pub const ALL: [Context; 15] = [
        Context::Anywhere,
        Context::Main,
        Context::Credentials,
        Context::Tail,
        Context::Inspector,
        Context::Xray,
        Context::Pulse,
        Context::Buckets,
        Context::Form,
        Context::Confirm,
        Context::Command,
        Context::Filter,
        Context::Prompt,
        Context::Pager,
        Context::Text,
    ];

    /// The help screen's heading.
    pub fn title(self) -> &'static str {
        match self {
            Context::Anywhere => "Everywhere",
            Context::Main => "Main screen",
            Context::Credentials => "Credentials popup",
            Context::Tail => "Tail view (t)",
            Context::Form => "Forms",
            Context::Confirm => "Confirmations",
            Context::Command => "Command line (:)",
            Context::Filter => "Filter (/, in the tables and the tail)",
            Context::Pager => "Help and error log",
            Context::Xray => "X-ray (x, :xray)",
            Context::Pulse => "Pulse (p, :pulse)",
            Context::Buckets => "Buckets (b, :buckets)",
            Context::Inspector => "Event inspector (enter on an event)",
            Context::Prompt => "Save prompt (s in the tail)",
            Context::Text => "Text fields",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Quits from any screen, popup or field (the terminal is restored).
    QuitAnywhere,
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
    Xray,
    Pulse,
    Buckets,
    /// Marks or unmarks the row for a bulk action.
    Mark,
    // tail view
    Pause,
    ScrollLeft,
    ScrollRight,
    Wrap,
    NextMatch,
    PrevMatch,
    Inspect,
    Save,
    // x-ray, inspector
    Expand,
    Collapse,
    CopyEvent,
    // the help screen and the error log
    Search,
    SearchNext,
    // credentials popup
    CopyBillingId,
    CopyClientId,
    CopyClientSecret,
    CopyJson,
    CopyExports,
    Reveal,
    Close,
    // forms, confirmations, the command line and the filter
    NextField,
    PrevField,
    PrevChoice,
    NextChoice,
    Complete,
    Submit,
    Cancel,
    /// Confirms a plain Cancel/Delete dialog at once.
    Confirm,
    // text fields
    DeleteToStart,
    DeleteWord,
    LineStart,
    LineEnd,
    Undo,
}

impl Action {
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

    /// The help screen's words.
    pub fn help(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Action::Tab(n) => {
                let tab = Tab::ALL[(n as usize).clamp(1, Tab::COUNT) - 1];
                return Cow::Owned(tab.title().to_lowercase());
            }
            Action::QuitAnywhere => "quit from anywhere (restores the terminal)",
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Command => "command line",
            Action::Refresh => "refresh",
            Action::NextTab => "next tab",
            Action::PrevTab => "previous tab",
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
            Action::Xray => "x-ray: streams → outputs → exporters → sinks, live",
            Action::Pulse => "pulse: rates over time, exporters' health",
            Action::Buckets => "buckets: a sink's objects",
            Action::Pause => "pause (keeps a bounded buffer) / resume",
            Action::Mark => "mark / unmark the row (bulk delete)",
            Action::Search => "search",
            Action::SearchNext => "next match",
            Action::Confirm => "confirm",
            Action::DeleteToStart => "delete to the start of the line",
            Action::DeleteWord => "delete the word before the cursor",
            Action::LineStart => "start of the line",
            Action::LineEnd => "end of the line",
            Action::Undo => "undo",
            Action::ScrollLeft => "scroll left",
            Action::ScrollRight => "scroll right",
            Action::Wrap => "wrap long events",
            Action::NextMatch => "next match",
            Action::PrevMatch => "previous match",
            Action::Inspect => {
                "inspect the selected event (a tail without a saved secret: paste the client secret of one created elsewhere)"
            }
            Action::Save => "save what is shown to a JSONL file",
            Action::Expand => "unfold",
            Action::Collapse => "fold",
            Action::CopyEvent => "copy the event",
            Action::CopyBillingId => "copy billingId",
            Action::CopyClientId => "copy clientId",
            Action::CopyClientSecret => "copy clientSecret",
            Action::CopyJson => "copy all as JSON",
            Action::CopyExports => "copy as export lines",
            Action::Reveal => "reveal / hide secret",
            Action::Close => "close",
            Action::NextField => "next field",
            Action::PrevField => "previous field",
            Action::PrevChoice => "previous choice",
            Action::NextChoice => "next choice",
            Action::Complete => "complete the command",
            Action::Submit => "submit",
            Action::Cancel => "cancel",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub action: Action,
    pub keys: Vec<Key>,
    /// The word the hint line shows for it; `None` keeps it off the hint line.
    pub hint: Option<&'static str>,
    /// What the help screen says, when the action's own words do not fit the context.
    help: Option<&'static str>,
}

impl Binding {
    fn hint(self, word: &'static str) -> Binding {
        Binding {
            hint: Some(word),
            ..self
        }
    }

    fn help_as(self, words: &'static str) -> Binding {
        Binding {
            help: Some(words),
            ..self
        }
    }

    /// The help screen's words for this binding.
    pub fn help(&self) -> Cow<'static, str> {
        self.help.map_or_else(|| self.action.help(), Cow::Borrowed)
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

fn b(context: Context, action: Action, keys: &[Key]) -> Binding {
    Binding {
        context,
        action,
        keys: keys.to_vec(),
        hint: None,
        help: None,
    }
}

/// Moving through a list: the same keys in every view that shows one.
fn moves(c: Context) -> [Binding; 6] {
    use crossterm::event::KeyCode as K;
    let (ch, code, ctrl) = (Key::ch, Key::code, Key::ctrl);
    [
        b(c, Action::Up, &[code(K::Up), ch('k')]),
        b(c, Action::Down, &[code(K::Down), ch('j')]),
        b(c, Action::PageUp, &[code(K::PageUp), ctrl('b')]),
        b(c, Action::PageDown, &[code(K::PageDown), ctrl('f')]),
        b(c, Action::Top, &[code(K::Home), ch('g')]),
        b(c, Action::Bottom, &[code(K::End), ch('G')]),
    ]
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
        let mut seen: HashMap<(Context, Key), Action> = HashMap::new();
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
        let key = Key::from_event(ev);
        // Shifted letters arrive as upper-case chars, sometimes with SHIFT set.
        self.bindings
            .iter()
            .find(|b| b.context == context && b.keys.contains(&key))
            .map(|b| b.action)
    }

    pub fn bindings(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.context == context)
    }

    /// The first key of an action, as the hint line shows it.
    pub fn first_key(&self, context: Context, action: Action) -> String {
        self.bindings(context)
            .find(|b| b.action == action)
            .and_then(|b| b.keys.first())
            .map(Key::to_string)
            .unwrap_or_default()
    }

    /// `key word` pairs for the hint line. Neighbours with the same word share it:
    /// `←/→ choose`.
    pub fn hints(&self, context: Context) -> Vec<(String, &'static str)> {
        self.hints_where(context, |_| true)
    }

    /// The hints of the actions `keep` lets through.
    pub fn hints_where(
        &self,
        context: Context,
        keep: impl Fn(Action) -> bool,
    ) -> Vec<(String, &'static str)> {
        let mut pairs: Vec<(String, &'static str)> = Vec::new();
        for b in self.bindings(context).filter(|b| keep(b.action)) {
            let (Some(word), Some(key)) = (b.hint, b.keys.first()) else {
                continue;
            };
            match pairs.last_mut() {
                Some((keys, last)) if *last == word => {
                    keys.push('/');
                    keys.push_str(&key.to_string());
                }
                _ => pairs.push((key.to_string(), word)),
            }
        }
        pairs
    }
}

/// Whether a key press carries the control modifier (text inputs ignore those).
pub fn is_ctrl(ev: &KeyEvent) -> bool {
    ev.modifiers.contains(KeyModifiers::CONTROL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyCode;

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
    fn popups_have_contexts_and_neighbour_hints_share_a_word() {
        let map = Keymap::default();
        assert_eq!(
            map.action(Context::Form, &press(KeyCode::Esc)),
            Some(Action::Cancel)
        );
        assert_eq!(
            map.action(Context::Pager, &press(KeyCode::Char('?'))),
            Some(Action::Close)
        );
        let pairs = |v: &[(&str, &'static str)]| -> Vec<(String, &'static str)> {
            v.iter().map(|(k, w)| (k.to_string(), *w)).collect()
        };
        assert_eq!(
            map.hints(Context::Confirm),
            pairs(&[
                ("←/→", "choose"),
                ("y", "yes"),
                ("enter", "confirm"),
                ("esc", "cancel")
            ])
        );
        assert_eq!(
            map.hints(Context::Pager),
            pairs(&[
                ("j/k", "scroll"),
                ("g", "top"),
                ("G", "end"),
                ("/", "search"),
                ("n", "next"),
                ("esc", "close")
            ])
        );
        let mut o = BTreeMap::new();
        o.insert("cancel".to_string(), vec!["ctrl-g".to_string()]);
        let (map, problems) = Keymap::with_overrides(&o);
        assert!(problems.is_empty(), "{problems:?}");
        let ctrl_g = KeyEvent::new(KeyCode::Char('g'), KeyModifiers::CONTROL);
        for context in [Context::Form, Context::Confirm, Context::Command] {
            assert_eq!(map.action(context, &ctrl_g), Some(Action::Cancel));
            assert_eq!(map.action(context, &press(KeyCode::Esc)), None);
        }
        assert_eq!(map.first_key(Context::Filter, Action::Cancel), "ctrl-g");
    }

    #[test]
    fn keys_parse_and_print() {
        assert_eq!(Key::parse("ctrl-r").unwrap().to_string(), "ctrl-r");
        assert_eq!(Key::parse("F5").unwrap().to_string(), "F5");
        assert_eq!(Key::parse("pgdn").unwrap().to_string(), "pgdn");
        assert_eq!(Key::parse("c-X").unwrap(), Key::ctrl('X'));
        assert_eq!(Key::parse("Shift-Tab").unwrap().to_string(), "shift-tab");
        assert_eq!(Key::parse("G").unwrap(), Key::ch('G'));
        assert_eq!(Key::parse("up").unwrap().to_string(), "↑");
        assert!(Key::parse("nope").unwrap_err().contains("not a key"));
        assert_eq!(Action::CopyClientSecret.name(), "copy_client_secret");
        assert_eq!(Action::Tab(2).name(), "tab2");
    }
}
