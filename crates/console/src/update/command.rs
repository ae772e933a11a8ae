//! The `:` line: a command and an optional name (`:streams s1500`, `:tail level0-1`,
//! `:outputs bart`, `:delete s12`), both completed with Tab from what the console has
//! listed.

use super::Outgoing;
use crate::app::{App, CommandLine, Level, Pending, Popup, Tab};
use crate::keymap::Action;
use crate::protocol::Request;

/// The commands of the `:` line, completed with Tab: one per tab, then the rest.
pub fn commands() -> Vec<&'static str> {
    let tabs = Tab::ALL.iter().map(|t| t.kind().commands()[0]);
    tabs.chain([
        "create", "delete", "tail", "xray", "pulse", "buckets", "refresh", "login", "logout",
        "token", "nodes", "errors", "help", "quit", "q",
    ])
    .collect()
}

/// The tab a command opens (`streams`, `consent`...).
fn tab_of(command: &str) -> Option<Tab> {
    Tab::ALL
        .into_iter()
        .find(|t| t.kind().commands().contains(&command))
}

/// The names a command's argument is completed from.
pub fn names_for(app: &App, command: &str) -> Vec<String> {
    let of = |tab: Tab| -> Vec<String> {
        (0..app.data.len(tab))
            .map(|i| tab.kind().name(&app.data, i))
            .collect()
    };
    let mut names = match (command, tab_of(command)) {
        ("tail", _) => [of(Tab::Streams), of(Tab::Outputs)].concat(),
        ("delete", _) => of(app.tab),
        // A stream name drills into its outputs or exporters.
        (_, Some(tab @ (Tab::Outputs | Tab::Exporters))) => [of(Tab::Streams), of(tab)].concat(),
        (_, Some(tab)) => of(tab),
        _ => Vec::new(),
    };
    names.sort_by(|a, b| crate::app::natural_cmp(a, b));
    names.dedup();
    names
}

/// What Tab makes of the line: the command completed, or the name after it.
pub fn complete(app: &App, text: &str) -> String {
    match text.split_once(' ') {
        None => {
            let all: Vec<String> = commands().into_iter().map(String::from).collect();
            let done = common_prefix(text, &all);
            // A whole command takes its space, ready for a name.
            if all.contains(&done) && !names_for(app, &done).is_empty() {
                format!("{done} ")
            } else {
                done
            }
        }
        Some((command, name)) => {
            let name = name.trim_start();
            format!(
                "{command} {}",
                common_prefix(name, &names_for(app, command))
            )
        }
    }
}

/// What the line shows under what is typed: the commands or names that fit.
pub fn suggestions(app: &App, text: &str) -> Vec<String> {
    match text.split_once(' ') {
        None => commands()
            .into_iter()
            .filter(|c| c.starts_with(text))
            .map(String::from)
            .collect(),
        Some((command, name)) => names_for(app, command)
            .into_iter()
            .filter(|n| n.starts_with(name.trim_start()))
            .collect(),
    }
}

/// The longest text that every candidate starting with `text` shares.
fn common_prefix(text: &str, candidates: &[String]) -> String {
    let matches: Vec<&String> = candidates.iter().filter(|c| c.starts_with(text)).collect();
    let Some(first) = matches.first() else {
        return text.to_string();
    };
    let mut prefix: &str = first;
    for m in &matches[1..] {
        let shared: usize = prefix
            .chars()
            .zip(m.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum();
        prefix = &prefix[..shared];
    }
    prefix.to_string()
}

impl App {
    pub(super) fn run_command(&mut self, text: &str, out: &mut Outgoing) {
        let (command, arg) = match text.split_once(' ') {
            Some((c, a)) => (c, Some(a.trim()).filter(|a| !a.is_empty())),
            None => (text, None),
        };
        let action = match (command, arg) {
            ("", _) => return,
            (c, Some(name)) if tab_of(c).is_some() => {
                return self.jump(tab_of(c).unwrap_or(Tab::Streams), name, out);
            }
            ("tail", Some(name)) => return self.tail_named(name, out),
            ("delete", Some(name)) => return self.delete_named(name),
            (c, _) if tab_of(c).is_some() => {
                Action::Tab(tab_of(c).map_or(1, |t| t.index() as u8 + 1))
            }
            ("create" | "new", _) => Action::Create,
            ("delete", None) => Action::Delete,
            ("tail", None) => Action::Tail,
            ("xray", _) => Action::Xray,
            ("pulse", _) => Action::Pulse,
            ("buckets", _) => Action::Buckets,
            ("refresh", _) => Action::Refresh,
            ("login", _) => Action::Login,
            ("token", _) => Action::CopyToken,
            ("errors", _) => Action::ErrorLog,
            ("help", _) => Action::Help,
            ("q" | "quit", _) => Action::Quit,
            ("logout", _) => {
                self.send(out, Request::Logout, Pending::Logout);
                return;
            }
            ("nodes", _) => {
                self.send(out, Request::ListNodes, Pending::Nodes);
                return;
            }
            (other, _) => {
                let line = CommandLine {
                    text: text.to_string(),
                    problem: Some(format!(
                        "{other:?} is not a command; Tab completes, commands are {}",
                        commands().join(", ")
                    )),
                };
                self.popups.push(Popup::Command(line));
                return;
            }
        };
        self.main_action(action, out);
    }

    /// The tab's row named `name`, if it is listed.
    fn find(&self, tab: Tab, name: &str) -> Option<usize> {
        (0..self.data.len(tab)).find(|&i| tab.kind().name(&self.data, i) == name)
    }

    /// Shows `tab` at the top level with the row `name` selected; for outputs and
    /// exporters a stream's name drills into that stream.
    fn jump(&mut self, tab: Tab, name: &str, out: &mut Outgoing) {
        if matches!(tab, Tab::Outputs | Tab::Exporters) && self.find(Tab::Streams, name).is_some() {
            self.stack.clear();
            self.scope = None;
            self.tab = Tab::Streams;
            return self.drill_into(tab, name.to_string(), out);
        }
        let Some(i) = self.find(tab, name) else {
            return self.flash(
                Level::Warning,
                format!(
                    "No {} named {name:?} is listed (Tab completes names)",
                    tab.title().to_lowercase()
                ),
            );
        };
        self.stack.clear();
        self.scope = None;
        self.tab = tab;
        self.filter_editing = false;
        self.table_mut().filter.clear();
        self.recompute_all();
        self.select_index(i);
    }

    /// Selects the row of resource index `i` in the current tab.
    pub(super) fn select_index(&mut self, i: usize) {
        if let Some(pos) = self.table().rows.iter().position(|&r| r == i) {
            self.table_mut().selected = pos;
        }
    }

    fn tail_named(&mut self, name: &str, out: &mut Outgoing) {
        let target = [Tab::Streams, Tab::Outputs].into_iter().find_map(|tab| {
            let i = self.find(tab, name)?;
            tab.kind().tail_target(&self.data, i)
        });
        match target {
            Some(target) => self.start_tail(target, out),
            None => self.flash(
                Level::Warning,
                format!("No stream or output named {name:?} is listed (Tab completes names)"),
            ),
        }
    }

    /// The delete confirmation of the row `name` of the current tab.
    fn delete_named(&mut self, name: &str) {
        let Some(i) = self.find(self.tab, name) else {
            return self.flash(
                Level::Warning,
                format!(
                    "No {} named {name:?} here (Tab completes names)",
                    self.tab.title().to_lowercase()
                ),
            );
        };
        self.table_mut().marked.clear();
        self.table_mut().filter.clear();
        self.recompute(self.tab);
        self.select_index(i);
        self.confirm_delete();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_stops_where_candidates_differ() {
        let c = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(common_prefix("s", &c(&["s1500", "s1501", "sinks"])), "s");
        assert_eq!(common_prefix("s15", &c(&["s1500", "s1501"])), "s150");
        assert_eq!(common_prefix("l", &c(&["level0-1"])), "level0-1");
        assert_eq!(common_prefix("x", &c(&["a"])), "x");
    }
}
