//! Questions on the terminal for `auth login`: a line with a default, and a password
//! read without echo. Prompts go to stderr so stdout stays clean for scripts.

use std::io::{self, BufRead, IsTerminal, Write};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;

/// Asks `question`; an empty answer takes `default`.
pub fn line(question: &str, default: Option<&str>) -> io::Result<String> {
    match default {
        Some(d) => eprint!("{question} [{d}]: "),
        None => eprint!("{question}: "),
    }
    io::stderr().flush()?;
    let answer = read_stdin_line()?;
    let answer = answer.trim();
    Ok(match (answer.is_empty(), default) {
        (true, Some(d)) => d.to_string(),
        _ => answer.to_string(),
    })
}

/// Asks for a secret. On a terminal nothing is echoed; piped input is read as a line.
pub fn secret(question: &str) -> io::Result<String> {
    if !io::stdin().is_terminal() {
        eprint!("{question}: ");
        io::stderr().flush()?;
        return read_stdin_line().map(|l| l.trim_end_matches(['\r', '\n']).to_string());
    }
    // Echo goes off before the question shows, so nothing typed ahead is echoed.
    terminal::enable_raw_mode()?;
    eprint!("{question}: ");
    let result = io::stderr().flush().and_then(|_| read_hidden());
    // Restore the terminal whatever happened while reading.
    let restored = terminal::disable_raw_mode();
    eprintln!();
    restored?;
    result
}

fn read_stdin_line() -> io::Result<String> {
    let mut text = String::new();
    if io::stdin().lock().read_line(&mut text)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "no answer: standard input is closed",
        ));
    }
    Ok(text)
}

fn read_hidden() -> io::Result<String> {
    let mut text = String::new();
    loop {
        match event::read()? {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    // Raw mode delivers a bare line feed as Ctrl-J.
                    KeyCode::Enter => return Ok(text),
                    KeyCode::Char('j') if ctrl => return Ok(text),
                    KeyCode::Char('c') if ctrl => {
                        return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
                    }
                    KeyCode::Char('d') if ctrl && text.is_empty() => {
                        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cancelled"));
                    }
                    KeyCode::Char('u') if ctrl => text.clear(),
                    KeyCode::Char(c) if !ctrl => text.push(c),
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    _ => {}
                }
            }
            Event::Paste(pasted) => text.push_str(pasted.trim_end_matches(['\r', '\n'])),
            _ => {}
        }
    }
}
