//! `--help` in the 2021 CLI's layout (usage line, description, options with their
//! multi-letter forms, arguments, commands), rendered from the clap tree itself so that
//! help and parser cannot drift apart.

use clap::{Arg, ArgAction, Command};

use super::shorts::multi_letter_short;

const WIDTH: usize = 80;
const MAX_LEFT: usize = 30;

/// Installs the rendered help and usage on `cmd` and every subcommand under it.
pub fn with_seed_help(cmd: Command) -> Command {
    let name = cmd.get_name().to_string();
    install(cmd, &name)
}

fn install(mut cmd: Command, path: &str) -> Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub_path = format!("{path} {name}");
        cmd = cmd.mut_subcommand(&name, |sub| install(sub, &sub_path));
    }
    let usage = usage(&cmd, path);
    let help = render(&cmd, path);
    cmd.override_usage(usage).override_help(help)
}

fn visible_args(cmd: &Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments().filter(|a| !a.is_hide_set())
}

fn positional_name(arg: &Arg) -> String {
    let name = arg
        .get_value_names()
        .and_then(|n| n.first())
        .map(|n| n.to_string())
        .unwrap_or_else(|| arg.get_id().to_string());
    let many = matches!(arg.get_action(), ArgAction::Append);
    match (arg.is_required_set(), many) {
        (true, false) => name,
        (true, true) => format!("{name}..."),
        (false, false) => format!("[{name}]"),
        (false, true) => format!("[{name}]..."),
    }
}

/// `strm-tui outputs create [OPTIONS] name output-name`, as in the seed.
fn usage(cmd: &Command, path: &str) -> String {
    let mut parts = vec![path.to_string(), "[OPTIONS]".to_string()];
    parts.extend(
        visible_args(cmd)
            .filter(|a| a.is_positional())
            .map(positional_name),
    );
    if cmd.has_subcommands() {
        parts.push(if cmd.is_subcommand_required_set() {
            "COMMAND [ARGS]...".into()
        } else {
            "[COMMAND [ARGS]...]".into()
        });
    }
    parts.join(" ")
}

fn option_left(arg: &Arg) -> String {
    let long = arg.get_long().unwrap_or_default();
    let mut names = Vec::new();
    if let Some(short) = multi_letter_short(long) {
        names.push(short.to_string());
    } else if let Some(c) = arg.get_short() {
        names.push(format!("-{c}"));
    }
    if !long.is_empty() {
        names.push(format!("--{long}"));
    }
    let mut left = names.join(", ");
    if arg.get_action().takes_values() {
        let values = possible_values(arg);
        let value = if values.is_empty() {
            arg.get_value_names()
                .and_then(|n| n.first())
                .map(|n| n.to_string())
                .unwrap_or_else(|| arg.get_id().to_string().to_uppercase())
        } else {
            format!("[{}]", values.join("|"))
        };
        left = format!("{left} {value}");
    }
    left
}

fn possible_values(arg: &Arg) -> Vec<String> {
    arg.get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect()
}

fn option_help(arg: &Arg) -> String {
    let mut help = sentence(arg.get_help());
    let mut extra = Vec::new();
    if matches!(arg.get_action(), ArgAction::Append) {
        extra.push("repeatable".to_string());
    }
    if arg.is_required_set() {
        extra.push("required".to_string());
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() {
        extra.push(format!("default: {}", defaults.join(", ")));
    }
    if let Some(env) = arg.get_env() {
        extra.push(format!("env: {}", env.to_string_lossy()));
    }
    if !extra.is_empty() {
        if !help.is_empty() {
            help.push(' ');
        }
        help.push_str(&format!("[{}]", extra.join("; ")));
    }
    help
}

/// clap drops a doc comment's final period; the seed's option help keeps it.
fn sentence(help: Option<&clap::builder::StyledStr>) -> String {
    let mut text = help.map(|h| h.to_string()).unwrap_or_default();
    if !text.is_empty() && !text.ends_with(['.', '!', '?', ')']) {
        text.push('.');
    }
    text
}

fn render(cmd: &Command, path: &str) -> String {
    let mut out = format!("Usage: {}\n", usage(cmd, path));
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        out.push('\n');
        out.push_str(&wrap(&about.to_string(), WIDTH, ""));
    }

    let mut options: Vec<(String, String)> = visible_args(cmd)
        .filter(|a| !a.is_positional())
        .map(|a| (option_left(a), option_help(a)))
        .collect();
    if cmd.get_version().is_some() {
        options.push(("-V, --version".into(), "Show the version and exit".into()));
    }
    options.push(("-h, --help".into(), "Show this message and exit".into()));
    section(&mut out, "Options", &options);

    let arguments: Vec<(String, String)> = visible_args(cmd)
        .filter(|a| a.is_positional())
        .map(|a| {
            let name = a
                .get_value_names()
                .and_then(|n| n.first())
                .map(|n| n.to_string())
                .unwrap_or_else(|| a.get_id().to_string());
            let mut help = sentence(a.get_help());
            let values = possible_values(a);
            if !values.is_empty() {
                help.push_str(&format!(" [{}]", values.join("|")));
            }
            (name, help)
        })
        .collect();
    section(&mut out, "Arguments", &arguments);

    let commands: Vec<(String, String)> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            let about = s.get_about().map(|a| a.to_string()).unwrap_or_default();
            (s.get_name().to_string(), about)
        })
        .collect();
    section(&mut out, "Commands", &commands);
    out
}

/// A titled two-column list; a left column too wide for the layout puts its text on the
/// next line, as click does.
fn section(out: &mut String, title: &str, rows: &[(String, String)]) {
    if rows.is_empty() {
        return;
    }
    let left_width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .filter(|w| *w <= MAX_LEFT)
        .max()
        .unwrap_or(MAX_LEFT);
    let indent = " ".repeat(2 + left_width + 2);
    out.push_str(&format!("\n{title}:\n"));
    for (left, text) in rows {
        let width = left.chars().count();
        if text.is_empty() {
            out.push_str(&format!("  {left}\n"));
        } else if width <= left_width {
            let body = wrap(text, WIDTH, &indent);
            let first = body.trim_start();
            out.push_str(&format!("  {left:left_width$}  {first}"));
        } else {
            out.push_str(&format!("  {left}\n{}", wrap(text, WIDTH, &indent)));
        }
    }
}

/// Word-wraps `text` to `width` columns, each line starting with `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let room = width.saturating_sub(indent.len()).max(20);
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            out.push_str(&format!("{indent}{line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{indent}{line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::Cli;
    use clap::CommandFactory;

    /// What `strm-tui <path> --help` prints.
    fn help_of(path: &[&str]) -> String {
        let argv = std::iter::once("strm-tui")
            .chain(path.iter().copied())
            .chain(["--help"]);
        let err = with_seed_help(Cli::command())
            .try_get_matches_from(argv)
            .expect_err("--help stops parsing");
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
        err.to_string()
    }

    /// The help of `path`, which starts with `usage` and has every one of `lines`.
    fn help_reads(path: &[&str], usage: &str, lines: &[&str]) -> String {
        let help = help_of(path);
        assert!(help.starts_with(usage), "{help}");
        for line in lines {
            assert!(help.contains(line), "missing {line:?} in\n{help}");
        }
        help
    }

    #[test]
    fn outputs_create_help_reads_like_the_seed() {
        let usage = "Usage: strm-tui outputs create [OPTIONS] name output-name\n";
        let lines = [
            "Create a new output",
            "-cl, --consent-level INT",
            "The consent levels for this output.",
            "-clt, --consent-level-type [GRANULAR|CUMULATIVE]",
            "-d, --description TEXT",
            "-t, --tag TEXT",
            "-dn, --decrypter-name TEXT",
            "-h, --help",
            "Show this message and exit",
            "name         The name of the stream for which an output is created.",
            "output-name  The name of the output that is created.",
        ];
        help_reads(&["outputs", "create"], usage, &lines);
    }

    #[test]
    fn exporters_create_help_reads_like_the_seed() {
        let usage = "Usage: strm-tui exporters create [OPTIONS] streamName\n";
        let lines = [
            "-en, --exporter-name TEXT",
            "-sn, --sink-name TEXT",
            "-st, --sink-type [S3|GCLOUD]",
            "-i, --interval INT",
            "-pp, --path-prefix TEXT",
            "streamName",
            "Name of the stream that is being exported",
        ];
        let help = help_reads(&["exporters", "create"], usage, &lines);
        assert!(help.lines().all(|l| l.chars().count() <= WIDTH), "{help}");
    }

    #[test]
    fn groups_list_their_commands() {
        let help = help_of(&["streams"]);
        assert!(
            help.contains("Usage: strm-tui streams [OPTIONS] COMMAND [ARGS]..."),
            "{help}"
        );
        for c in ["list", "create", "delete"] {
            assert!(
                help.lines().any(|l| l.trim_start().starts_with(c)),
                "{help}"
            );
        }
    }

    #[test]
    fn wrap_keeps_words_and_width() {
        let text = "one two three four five six seven eight nine ten";
        let out = wrap(text, 30, "    ");
        assert!(out.lines().all(|l| l.len() <= 30 && l.starts_with("    ")));
        assert_eq!(out.split_whitespace().collect::<Vec<_>>().join(" "), text);
    }
}
