//! Shell completion through clap_complete's dynamic engine: the script a shell loads
//! (`strm-tui --generate-completion bash`) calls `strm-tui` back on every Tab with the
//! words typed, and the binary answers from the clap tree itself — so every subcommand,
//! option and value completes in bash, zsh and fish, the seed's multi-letter shorts
//! (`-cl -clt -en -sn -st -pp -cf …`, which clap cannot express) are offered next to the
//! options they stand for, and names of streams, outputs, sinks and exporters come from
//! the API (`names.rs`).

use std::ffi::OsString;
use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;
use clap_complete::engine::{self, CompletionCandidate};
use clap_complete::env::{EnvCompleter, Shells};

use super::args::Cli;
use super::output::{CliError, CliResult};
use super::shorts::{MULTI_LETTER_SHORTS, rewrite_args};

/// Set (to the shell's name) when a shell calls the binary back for candidates.
pub const COMPLETE_ENV: &str = "_STRM_TUI_COMPLETE";
/// The command name the scripts complete.
const BIN: &str = "strm-tui";

fn shell_named(name: &str) -> Result<&'static dyn EnvCompleter, CliError> {
    const SHELLS: Shells<'static> = Shells::builtins();
    SHELLS.completer(name).ok_or_else(|| {
        CliError::Usage(format!(
            "{name:?} is not a shell completion knows; choose {}",
            SHELLS.names().collect::<Vec<_>>().join(", ")
        ))
    })
}

/// Prints the script that `shell` loads: it registers the completion of `strm-tui` and
/// calls this binary back for the candidates.
pub fn print_script(shell: Shell) -> CliResult {
    let completer = shell_named(&shell.to_string())?;
    // The binary as it was called: a bare name is found on the PATH again, a path is
    // made absolute so the script works from any directory.
    let argv0 = std::env::args_os().next().unwrap_or_else(|| BIN.into());
    let path = std::path::PathBuf::from(&argv0);
    let program = if path.components().count() > 1 {
        std::env::current_dir()
            .map(|d| d.join(&path))
            .unwrap_or(path)
    } else {
        path
    };
    let mut out = Vec::new();
    completer
        .write_registration(COMPLETE_ENV, BIN, BIN, &program.to_string_lossy(), &mut out)
        .map_err(|e| CliError::Failed(format!("cannot write the completion script: {e}")))?;
    super::output::print_line(String::from_utf8_lossy(&out).trim_end())
}

/// Answers a shell's call back (`strm-tui -- <words>` with `COMPLETE_ENV` set) and
/// returns true; false when this is no completion call.
pub fn answer_callback(argv: &[OsString]) -> bool {
    let Some(shell) = std::env::var_os(COMPLETE_ENV) else {
        return false;
    };
    let shell = shell.to_string_lossy().into_owned();
    let words: Vec<String> = match argv.iter().position(|a| a == "--") {
        Some(i) => argv[i + 1..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        None => Vec::new(),
    };
    let out = std::io::stdout();
    let _ = write_candidates(&shell, words, &mut out.lock());
    true
}

/// The candidates for the shell's words, written as `shell` reads them.
fn write_candidates(
    shell: &str,
    mut words: Vec<String>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let env_index = |words: &Vec<String>| {
        std::env::var("_CLAP_COMPLETE_INDEX")
            .ok()
            .and_then(|i| i.parse::<usize>().ok())
            .unwrap_or(words.len().saturating_sub(1))
    };
    let ifs = std::env::var("_CLAP_IFS").ok();
    match shell {
        "bash" | "zsh" => {
            let index = env_index(&words);
            while words.len() <= index {
                words.push(String::new());
            }
            let found = candidates(&words, index);
            let escape = |v: &str| {
                if shell == "zsh" {
                    v.replace('\\', "\\\\").replace(':', "\\:")
                } else {
                    v.to_string()
                }
            };
            let values: Vec<String> = found
                .iter()
                .map(|c| {
                    let value = escape(&c.get_value().to_string_lossy());
                    match (shell, c.get_help()) {
                        ("zsh", Some(help)) => {
                            let help = help.to_string();
                            let first = help.lines().next().unwrap_or_default();
                            format!("{value}:{}", first.replace(':', "\\:"))
                        }
                        _ => value,
                    }
                })
                .collect();
            write!(out, "{}", values.join(ifs.as_deref().unwrap_or("\n")))
        }
        // fish, and any other: one candidate a line, its help after a tab.
        _ => {
            let index = words.len().saturating_sub(1);
            if words.is_empty() {
                words.push(String::new());
            }
            for c in candidates(&words, index) {
                write!(out, "{}", c.get_value().to_string_lossy())?;
                if let Some(help) = c.get_help() {
                    let help = help.to_string();
                    write!(out, "\t{}", help.lines().next().unwrap_or_default())?;
                }
                writeln!(out)?;
            }
            Ok(())
        }
    }
}

/// What completes `words[index]` (the program name is `words[0]`): the engine's
/// candidates over the words with the seed's shorts rewritten to their long options,
/// plus the multi-letter shorts where their long options fit.
pub fn candidates(words: &[String], index: usize) -> Vec<CompletionCandidate> {
    let current = words.get(index).cloned().unwrap_or_default();
    super::names::remember(words);
    // Earlier words as the parser reads them (`-cl 0` is `--consent-level 0`); the word
    // being completed stays as typed.
    let mut args: Vec<OsString> = rewrite_args(words[..index].iter().cloned());
    args.push(current.clone().into());
    let cwd = std::env::current_dir().ok();
    let engine = |args: Vec<OsString>| {
        let mut cmd = Cli::command();
        engine::complete(&mut cmd, args, index, cwd.as_deref()).unwrap_or_default()
    };
    if !(current.is_empty() || (current.starts_with('-') && !current.starts_with("--"))) {
        return engine(args);
    }
    // A lone dash lists every option of this place; the seed's shorts go with them.
    let mut dashed = args.clone();
    dashed[index] = "-".into();
    let options = engine(dashed);
    let seed_shorts: Vec<CompletionCandidate> = MULTI_LETTER_SHORTS
        .iter()
        .filter(|(short, _)| short.starts_with(current.as_str()))
        .filter_map(|(short, long)| {
            let of_long = options
                .iter()
                .find(|c| c.get_value().to_string_lossy() == *long)?;
            Some(CompletionCandidate::new(*short).help(of_long.get_help().cloned()))
        })
        .collect();
    let mut found: Vec<CompletionCandidate> = if current.is_empty() {
        engine(args)
    } else {
        options
            .into_iter()
            .filter(|c| c.get_value().to_string_lossy().starts_with(&current))
            .collect()
    };
    found.extend(seed_shorts);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(line: &str) -> Vec<String> {
        let mut words: Vec<String> = line.split(' ').map(String::from).collect();
        let index = words.len() - 1;
        if words[index].is_empty() {
            words[index] = String::new();
        }
        candidates(&words, index)
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn subcommands_complete_at_every_level() {
        let top = values("strm-tui ");
        for c in [
            "streams",
            "outputs",
            "sinks",
            "exporters",
            "consent-levels",
            "demo",
        ] {
            assert!(top.contains(&c.to_string()), "{c} in {top:?}");
        }
        let streams = values("strm-tui streams ");
        for c in ["list", "create", "delete"] {
            assert!(streams.contains(&c.to_string()), "{c} in {streams:?}");
        }
        assert_eq!(values("strm-tui exp"), ["exporters"]);
        assert_eq!(values("strm-tui exporters cr"), ["create"]);
    }

    #[test]
    fn the_seeds_multi_letter_shorts_are_offered_and_understood() {
        let opts = values("strm-tui exporters create -");
        for short in ["-en", "-sn", "-st", "-pp", "-i", "--exporter-name"] {
            assert!(opts.contains(&short.to_string()), "{short} in {opts:?}");
        }
        assert!(
            !opts.contains(&"-cl".to_string()),
            "only the options of this command"
        );
        assert_eq!(
            values("strm-tui outputs create bart x -cl"),
            ["-cl", "-clt"]
        );
        // After a seed short, its values: the parser reads -st as --sink-type.
        assert_eq!(values("strm-tui exporters create -st "), ["S3", "GCLOUD"]);
        assert_eq!(
            values("strm-tui outputs create bart x -cl 0 -clt G"),
            ["GRANULAR"]
        );
        assert_eq!(values("strm-tui sinks create s3 x -c"), ["-c", "-cf"]);
    }
}
