//! Completion scripts loaded into their real shells — bash through its completion
//! function, fish through `complete --do-complete`, zsh typed into under a terminal —
//! complete every level of subcommands, the seed's multi-letter shorts, option values
//! and the names of the account's resources from the API.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::Expect;

use super::{Home, words};
use crate::support::{run_ok, serve_in};

const BIN: &str = env!("CARGO_BIN_EXE_strm-tui");

/// A home whose local server (`serve`, so every Tab joins it) holds the seed's
/// resources: stream bart, output level0-1, sink s3-bart, exporter s3.
fn seeded() -> (Home, crate::support::KillOnDrop) {
    let home = Home::new(None);
    let (server, _url) = serve_in(home.dir.path());
    for line in [
        "streams create bart",
        "outputs create bart level0-1 -cl 0 -cl 1 -clt GRANULAR",
        "sinks create s3 s3-bart -bn bucket-one",
        "exporters create -en s3 -sn s3-bart -st S3 -i 30 level0-1",
    ] {
        home.ok(&words(line));
    }
    (home, server)
}

/// A shell command with the home's config and data directories.
fn shell(home: &Path, program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("STRM_TUI_CONFIG_DIR", home.join("config"))
        .env("STRM_TUI_DATA_DIR", home.join("data"))
        .env("HOME", home)
        .env_remove("STRM_API_URL");
    cmd
}

/// What bash completes for the words of `line` (the last one being completed), with
/// the script loaded by `source <(strm-tui --generate-completion bash)`.
fn bash(home: &Path, line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split(' ').collect();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "source <('{BIN}' --generate-completion bash) || exit 9
         fn=$(complete -p strm-tui | sed -E 's/.* -F ([^ ]+) .*/\\1/')
         COMP_WORDS=({words}); COMP_CWORD={cword}
         \"$fn\" strm-tui {current} {previous}
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words = quoted.join(" "),
        cword = words.len() - 1,
        current = quoted[words.len() - 1],
        previous = quoted[words.len() - 2],
    );
    let out = shell(home, "bash").args(["-c", &script]).output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{line}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// What fish completes for `line`, with the script loaded by `| source`.
fn fish(home: &Path, line: &str) -> Vec<String> {
    let script =
        format!("'{BIN}' --generate-completion fish | source; complete --do-complete '{line}'");
    let out = run_ok(
        shell(home, "fish").args(["--no-config", "-c", &script]),
        line,
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

fn has(found: &[String], expected: &[&str], line: &str) {
    for e in expected {
        assert!(found.iter().any(|f| f == e), "{line}: {e} not in {found:?}");
    }
}

#[test]
fn bash_and_fish_complete_commands_seed_shorts_values_and_names() {
    let (home, _server) = seeded();
    let dir = home.dir.path();
    let rows: &[(&str, &[&str])] = &[
        (
            "strm-tui ",
            &["streams", "outputs", "sinks", "exporters", "demo"],
        ),
        ("strm-tui streams ", &["list", "create", "delete"]),
        ("strm-tui consent-levels ", &["list", "create", "delete"]),
        ("strm-tui outputs create bart x -c", &["-cl", "-clt"]),
        (
            "strm-tui exporters create -",
            &["-en", "-sn", "-st", "-pp", "-i"],
        ),
        ("strm-tui sinks create s3 x -c", &["-c", "-cf"]),
        ("strm-tui exporters create -st ", &["S3", "GCLOUD"]),
        (
            "strm-tui outputs create bart x -cl 0 -clt ",
            &["GRANULAR", "CUMULATIVE"],
        ),
        // Names from the API, also after the seed's shorts.
        ("strm-tui streams delete ", &["bart"]),
        ("strm-tui outputs delete bart ", &["level0-1"]),
        ("strm-tui sinks delete ", &["s3-bart"]),
        ("strm-tui exporters create -sn ", &["s3-bart"]),
        ("strm-tui exporters delete level0-1 -en ", &["s3"]),
        ("strm-tui exporters get ", &["bart", "level0-1"]),
        ("strm-tui simulate b", &["bart"]),
        (
            "strm-tui data-contracts ",
            &["list", "get", "create", "delete"],
        ),
        ("strm-tui data-subjects ", &["list", "delete"]),
        (
            "strm-tui data-contracts get streammachine/c",
            &["streammachine/clickstream/1.0.0"],
        ),
        (
            "strm-tui simulate bart --contract s",
            &[
                "streammachine/clickstream/1.0.0",
                "streammachine/nps-unified/1.0.0",
            ],
        ),
    ];
    for (line, expected) in rows {
        has(&bash(dir, line), expected, &format!("bash: {line}"));
    }
    for (line, expected) in rows {
        has(&fish(dir, line), expected, &format!("fish: {line}"));
    }
    // Only what fits: a prefix narrows, options of other commands are not offered.
    assert_eq!(bash(dir, "strm-tui exporters cr"), ["create"]);
    let opts = bash(dir, "strm-tui exporters create -");
    assert!(!opts.iter().any(|o| o == "-cl"), "{opts:?}");
}

#[test]
fn zsh_completes_in_a_terminal() {
    let (home, _server) = seeded();
    let dir = home.dir.path();
    let mut cmd = shell(dir, "zsh");
    cmd.args(["-f", "-i"])
        .env("ZDOTDIR", dir)
        .env("TERM", "xterm-256color");
    let mut zsh = expectrl::Session::spawn(cmd).unwrap();
    zsh.set_expect_timeout(Some(Duration::from_secs(30)));
    zsh.send_line(format!(
        "autoload -U compinit; compinit -u; source <('{BIN}' --generate-completion zsh); print loaded-$((40+2))"
    ))
    .unwrap();
    zsh.expect("loaded-42").unwrap();
    // A subcommand two levels down: the line becomes `strm-tui streams delete `.
    zsh.send("strm-tui streams de\t").unwrap();
    zsh.expect("streams delete").unwrap();
    // A name from the API after it (zsh redraws the completed word).
    zsh.send("b\t").unwrap();
    zsh.expect("bart").unwrap();
    // The seed's shorts are listed with their help.
    zsh.send("\x15strm-tui exporters create -s\t").unwrap();
    zsh.expect("-sn").unwrap();
    zsh.expect("-st").unwrap();
    zsh.send("\x15exit\r").unwrap();
}
